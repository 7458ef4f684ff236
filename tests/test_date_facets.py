"""Layer (c): a date facet is asked only of a column that holds dates.

Datasette's date facet counts ``date(column)``. SQLite's date() reads a number as a Julian day, so
``_facet_date=value`` on the figures answered 200 with days of 4713 BC ("-4713-11-25": 7,516),
each with a link that filtered on it; on text that holds no dates (``_facet_date=figure_id``) it
answered an empty facet, 200, as if no row had a day. ``value__date=...`` on a number column is a
400 already (plugins/parameters.py); the facet says the same.
"""

from __future__ import annotations

import sqlite3

import pytest

from tests.conftest import assert_error_shape, rows


@pytest.mark.parametrize(
    ("path", "column"),
    [
        ("/disclosures/figures.json?_facet_date=value&_size=0", "value"),
        ('/disclosures/figures.json?_facet_date={"column": "year"}&_size=0', "year"),
        ("/disclosures/figures_series.json?_facet_date=value&_size=0", "value"),
    ],
)
def test_a_date_facet_of_a_number_column_is_a_400_not_days_of_4713_bc(site, path, column):
    message = assert_error_shape(site.get(path), 400)
    assert message.startswith(f"_facet_date={column}: {column} holds numbers"), message
    assert "Julian day" in message and f"_facet={column} counts its values" in message


@pytest.mark.parametrize(
    ("path", "column"),
    [
        ("/disclosures/figures.json?_facet_date=figure_id&_size=0", "figure_id"),
        ("/disclosures/sources.json?_facet_date=title&_size=0", "title"),
    ],
)
def test_a_date_facet_of_text_without_dates_is_a_400_not_an_empty_facet(site, path, column):
    message = assert_error_shape(site.get(path), 400)
    assert message.startswith(f"_facet_date={column}: {column} holds no dates written YYYY-MM-DD"), message
    assert f"_facet={column} counts its values" in message


def test_the_page_says_the_same_in_its_error_page(site):
    response = site.get("/disclosures/figures?_facet_date=value&_size=1")
    assert response.status_code == 400 and response.headers["content-type"].startswith("text/html")
    assert "value holds numbers" in response.text


def test_the_api_page_lists_the_400(site):
    assert "a <code>_facet_date</code> of a column that holds numbers or no dates" in site.get("/api").text


@pytest.mark.parametrize(
    ("table", "column"),
    [
        ("figures", "period_start"),
        # Some of its cells are a month alone (2022-07), which date() does not read: its days are counted.
        ("sources", "published_date"),
    ],
)
def test_a_date_facet_of_a_column_of_dates_still_counts_its_days(site, real_db, table, column):
    response = site.get(f"/disclosures/{table}.json?_facet_date={column}&_size=0&_facet_size=max")
    assert response.status_code == 200, response.text[:300]
    counted = {r["value"]: r["count"] for r in response.json()["facet_results"][column]["results"]}
    with sqlite3.connect(real_db) as db:
        expected = dict(
            db.execute(
                f"SELECT date({column}), count(*) FROM {table} WHERE date({column}) IS NOT NULL GROUP BY 1"
            ).fetchall()
        )
    assert counted and counted == {day: expected[day] for day in counted}


@pytest.mark.parametrize(
    ("table", "column"),
    [("figures", "figure_id"), ("figures", "quote"), ("sources", "title"), ("figures_series", "figure_id")],
)
def test_a_date_filter_on_text_without_dates_is_a_400_as_its_date_facet_is(site, table, column):
    # It answered 200 with no rows, as if no row had that day, while _facet_date of the same
    # column was already a 400 saying it holds no dates.
    key = f"{column}__date"
    for fmt in (".json", ".csv"):
        message = assert_error_shape(site.get(f"/disclosures/{table}{fmt}?{key}=2024-01-01&_size=0"), 400)
        assert message == (
            f"{key}=2024-01-01: {column} holds no dates written YYYY-MM-DD, whose day a date filter "
            f"compares, so nothing would match; {column}=2024-01-01 compares its value"
        )
    page = site.get(f"/disclosures/{table}?{key}=2024-01-01")
    assert page.status_code == 400 and page.headers["content-type"].startswith("text/html")
    assert f"{column} holds no dates written YYYY-MM-DD" in page.text


@pytest.mark.parametrize(
    ("table", "column"),
    [
        ("figures", "period_start"),
        ("figures", "period_end"),
        ("sources", "published_date"),
        ("figures_series", "period_end"),
    ],
)
def test_a_date_filter_on_a_column_of_dates_still_filters(site, real_db, table, column):
    (day, expected) = rows(
        real_db, f"SELECT date({column}), count(*) FROM {table} WHERE date({column}) IS NOT NULL GROUP BY 1 LIMIT 1"
    )[0]
    answer = site.get(f"/disclosures/{table}.json?{column}__date={day}&_size=0")
    assert answer.status_code == 200, answer.text[:300]
    assert answer.json()["filtered_table_rows_count"] == expected > 0


def test_the_api_page_lists_the_date_filters_400(site):
    assert "or on one that holds no dates (<code>figure_id__date</code>)" in site.get("/api").text
