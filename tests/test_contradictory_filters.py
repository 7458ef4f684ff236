"""A table's column asked to equal two different values is a 400, not an empty 200.

A newcomer's finding: a program that asks for two countries the way most HTTP libraries write a
list (``requests.get(url, params={"jurisdiction_id": ["USA", "DEU"]})`` sends
``jurisdiction_id=USA&jurisdiction_id=DEU``) was answered 200 with no rows, as if neither had a
figure: Datasette applies every filter, and no row's jurisdiction is both. The 400 names the
``__in`` filter that asks for the rows of either.
"""

import pytest
from conftest import assert_error_shape, plugin

FIGURES = "/disclosures/figures"


@pytest.mark.parametrize("fmt", [".json", ".csv"])
def test_one_column_equal_to_two_values_is_a_400_that_names_the_in_filter(site, fmt):
    message = assert_error_shape(site.get(f"{FIGURES}{fmt}?jurisdiction_id=USA&jurisdiction_id=DEU"), 400)
    assert message.startswith("jurisdiction_id is given 2 values to equal ('USA', 'DEU')")
    assert "no row's jurisdiction_id is more than one, so nothing could match" in message
    assert "jurisdiction_id__in=USA,DEU" in message


def test_exact_written_out_a_number_column_and_a_view_are_refused_alike(site):
    message = assert_error_shape(site.get(f"{FIGURES}.json?platform_id=telegram&platform_id__exact=google"), 400)
    assert "platform_id__in=telegram,google" in message
    message = assert_error_shape(site.get(f"{FIGURES}.json?value=900&value=901"), 400)
    assert "value is given 2 values to equal ('900', '901')" in message
    message = assert_error_shape(
        site.get("/disclosures/figures_series.json?platform_id=telegram&platform_id=google"), 400
    )
    assert "platform_id__in=telegram,google" in message


def test_the_table_page_is_its_filter_form_under_the_same_400(site):
    page = site.get(f"{FIGURES}?jurisdiction_id=USA&jurisdiction_id=DEU")
    assert page.status_code == 400 and page.headers["content-type"].startswith("text/html")
    assert "jurisdiction_id__in=USA,DEU" in page.text
    assert '<form class="filters"' in page.text


@pytest.mark.parametrize(
    "query",
    [
        "jurisdiction_id=USA&jurisdiction_id=USA",  # the same value twice: the rows of one
        "value=900&value=900.0",  # one number, written two ways, which SQLite compares alike
        "jurisdiction_id=USA&jurisdiction_id__not=DEU",  # different lookups narrow each other
        "jurisdiction_id__in=USA,DEU",
    ],
)
def test_filters_that_can_match_still_answer(site, query):
    response = site.get(f"{FIGURES}.json?{query}&_size=0")
    assert response.status_code == 200, response.text
    assert response.json()["filtered_table_rows_count"] > 0


def test_a_value_with_a_comma_is_offered_as_a_json_list():
    parameters = plugin("parameters")
    columns = {"quote": "TEXT"}
    message = parameters.contradictory_filter_problem([("quote", "a,b"), ("quote", "c")], columns)
    assert 'quote__in=["a,b", "c"]' in message
