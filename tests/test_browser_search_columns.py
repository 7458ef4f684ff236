"""Layer (c), in Chromium: a filter added on a column search's page keeps that search.

The page of ``?_search_notes=telegram`` shows "telegram" in its search box and keeps
``_search_notes`` in its form; applied, the form sent both, and Datasette read ``_search`` alone:
every figure that says telegram anywhere, not those whose notes do.
"""

import pytest

pytestmark = pytest.mark.browser


def rows_said(page) -> int:
    heading = page.locator("h3").filter(has_text="rows where").first.inner_text()
    return int(heading.split()[0].replace(",", ""))


def test_applying_the_form_keeps_the_column_search(page):
    page.goto("/disclosures/figures?_search_notes=telegram")
    notes = rows_said(page)
    assert page.locator("input#_search").input_value() == "telegram"
    with page.expect_navigation():
        page.locator("form.filters input[type=submit]").first.click()
    assert "_search_notes=telegram" in page.url and "_search=telegram" in page.url
    assert rows_said(page) == notes
