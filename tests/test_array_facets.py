"""Layer (c): an array facet is asked only of a column of JSON arrays.

Datasette's array facet reads every value with json_each. On a column of text
(``_facet_array=quote``) SQLite failed with "malformed JSON": the client read only that, and the
server printed the whole facet query as an SQL error and a RuntimeWarning ("coroutine
'TableView._data_traced.<locals>.execute_suggested_facets' was never awaited"), once per request.
"""

from __future__ import annotations

import gc
import warnings

import pytest

from tests.conftest import assert_error_shape


def asked(site, capfd, path):
    """The answer to ``path``, with what the server printed and warned while answering it."""
    capfd.readouterr()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        response = site.get(path)
        gc.collect()  # an unawaited coroutine warns when it is collected
    return response, capfd.readouterr().err, [str(w.message) for w in caught if issubclass(w.category, RuntimeWarning)]


@pytest.mark.parametrize(
    ("path", "column"),
    [
        ("/disclosures/figures.json?_facet_array=quote", "quote"),
        ("/disclosures/figures.json?_facet_array=platform_id&_size=0", "platform_id"),
        ('/disclosures/figures.json?_facet_array={"column": "notes"}', "notes"),
        ("/disclosures/figures_series.json?_facet_array=quote&_size=0", "quote"),
    ],
)
def test_an_array_facet_of_a_column_of_text_is_a_400_that_says_why_and_nothing_is_printed(site, capfd, path, column):
    response, printed, warned = asked(site, capfd, path)
    message = assert_error_shape(response, 400)
    assert message.startswith(f"_facet_array={column}: {column} does not hold JSON arrays"), message
    assert f"_facet={column} counts its values" in message
    assert "malformed JSON" not in printed and "ERROR" not in printed, printed[:500]
    assert warned == []


def test_the_page_says_the_same_in_its_error_page(site, capfd):
    response, printed, warned = asked(site, capfd, "/disclosures/figures?_facet_array=quote")
    assert response.status_code == 400 and response.headers["content-type"].startswith("text/html")
    assert "quote does not hold JSON arrays" in response.text
    assert "malformed JSON" not in printed and warned == []


def test_an_array_facet_of_a_column_of_json_arrays_still_counts_its_items(site, capfd):
    # dataset.licenses is the package's list of licences, a JSON array.
    response, printed, warned = asked(site, capfd, "/disclosures/dataset.json?_facet_array=licenses")
    assert response.status_code == 200, response.text[:300]
    facet = response.json()["facet_results"]["licenses"]
    assert facet["type"] == "array" and facet["results"] and all(r["count"] == 1 for r in facet["results"])
    assert printed.strip() == "" and warned == []


@pytest.mark.parametrize(
    ("path", "parameter", "column"),
    [
        # Numbers: 200 with no rows, though figures with the value 1 exist.
        ("/disclosures/figures.json?value__arraycontains=1", "value__arraycontains", "value"),
        # Text: 400 "malformed JSON".
        ("/disclosures/figures.json?quote__arraycontains=1", "quote__arraycontains", "quote"),
        ("/disclosures/figures.json?platform_id__arraynotcontains=x", "platform_id__arraynotcontains", "platform_id"),
    ],
)
def test_an_array_filter_on_a_column_without_arrays_is_a_400_that_says_why(site, path, parameter, column):
    message = assert_error_shape(site.get(path), 400)
    assert message.startswith(f"{parameter}: {column} does not hold JSON arrays"), message
    assert f"{column}__exact=" in message


def test_an_array_filter_on_a_column_of_json_arrays_is_still_run(site):
    # dataset.licenses is a JSON array (of objects, so a name matches no item).
    response = site.get("/disclosures/dataset.json?licenses__arraycontains=CC-BY-4.0")
    assert response.status_code == 200, response.text[:300]
