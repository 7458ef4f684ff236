"""Layer (c), in a real browser: the table's own menus, paging links and search results all lead
to complete pages, never a server error."""

import re

import pytest

pytestmark = pytest.mark.browser


def test_hide_this_column_on_the_sort_column_opens_a_page_that_pages(page):
    page.goto("/disclosures/figures?_size=5")
    page.locator("th.col-recency_rank svg.dropdown-menu-icon").click()
    # The menu's link, as Datasette's own script wrote it for this column.
    href = page.locator(".dropdown-menu a.dropdown-hide-column").get_attribute("href")
    assert "_nocol=recency_rank" in href
    response = page.goto("/disclosures/figures" + href)
    assert response.status == 200
    with page.expect_navigation() as navigation:
        page.get_by_role("link", name="Next page").click()
    assert navigation.value.status == 200


def test_following_next_page_links_of_a_sorted_table_shows_every_row_once(page):
    page.goto("/disclosures/figures?platform_id=microsoft&jurisdiction_id=USA&_sort=value&_size=2")
    total = int(re.search(r"([\d,]+) rows?", page.locator("h3").first.inner_text()).group(1).replace(",", ""))
    seen = []
    while True:
        seen += page.locator("td.col-figure_id").all_inner_texts()
        next_page = page.get_by_role("link", name="Next page")
        if not next_page.count():
            break
        next_page.click()
        page.wait_for_load_state()
    assert len(seen) == len(set(seen)) == total


def test_search_results_link_to_their_pages(page):
    page.goto("/disclosures/search_everything?q=U.S.")
    link = page.locator("td.col-page a").first
    target = link.get_attribute("href")
    assert target.startswith("/figure/") or target.startswith("/disclosures/")
    with page.expect_navigation() as navigation:
        link.click()
    assert navigation.value.status == 200
