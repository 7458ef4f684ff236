"""Layer (d), in a real browser: what a reader types into a table's search box, and the search
everything form, always lead to a page of results, never an SQL error."""

import re

import pytest

pytestmark = pytest.mark.browser


def search_figures(page, typed):
    page.goto("/disclosures/figures?platform_id=telegram&_size=5")
    page.fill("#_search", typed)
    with page.expect_navigation() as navigation:
        page.press("#_search", "Enter")
    return navigation.value


def shown_rows(page):
    heading = page.locator("h3").first.inner_text()
    found = re.search(r"([\d,]+) rows?", heading)
    return int(found.group(1).replace(",", "")) if found else 0


def test_typing_us_finds_the_united_states_figures(page):
    response = search_figures(page, "U.S. 2024")
    assert response.status == 200
    ids = page.locator("td.col-figure_id").all_inner_texts()
    assert ids and all(i.startswith("telegram-usa-") for i in ids)


@pytest.mark.parametrize("typed", ['""', '"""', "NEAR(", "tele*"])
def test_any_typed_text_is_a_page_of_results(page, typed):
    response = search_figures(page, typed)
    assert response.status == 200
    text = page.content()
    assert "Invalid SQL" not in text and "fts5" not in text
    if typed == "tele*":
        assert shown_rows(page) > 0


def test_an_empty_search_box_submitted_with_the_filters_is_no_search(page):
    page.goto("/disclosures/figures?platform_id=telegram&_size=5")
    total = shown_rows(page)
    response = search_figures(page, "")
    assert response.status == 200 and shown_rows(page) == total > 0
