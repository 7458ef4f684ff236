"""Every error a page gets is Datasette's HTML error page, and a row of a table that does not
exist is a 404, whichever plugin refused the request (plugins/errors.py renders their plain text)."""

import pytest

from tests.conftest import assert_error_shape

FIGURES = "/disclosures/figures"


@pytest.mark.parametrize(
    ("path", "status", "message"),
    [
        (FIGURES + "?_sort=nope", 400, "_sort=nope: figures cannot be sorted by that column"),
        (FIGURES + "?platfrom_id=telegram", 400, "platfrom_id"),
        ("/disclosures/nope/x", 404, "Table not found: nope"),
        (FIGURES + "/telegram-usa-2024-ip_or_phone-requests_fulfilled,x", 404, "its key has 1 part"),
    ],
)
def test_a_pages_error_is_the_html_error_page(site, path, status, message):
    response = site.get(path)
    assert response.status_code == status
    assert response.headers["content-type"].startswith("text/html")
    assert "<html" in response.text and message in response.text


@pytest.mark.parametrize("extension", [".json", ".csv"])
def test_a_row_of_a_table_that_does_not_exist_is_a_404_in_the_error_shape(site, extension):
    # Datasette answered 400 "no such table: nope".
    assert assert_error_shape(site.get(f"/disclosures/nope/figures{extension}"), 404) == "Table not found: nope"


def test_a_row_of_a_view_is_still_datasettes_answer(site):
    # A view has rows but no key: Datasette's 404 for its row path, not "Table not found".
    response = site.get("/disclosures/figures_series/1.json")
    assert response.status_code == 404 and "Table not found" not in response.text
