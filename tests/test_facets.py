"""Layer (c): the unfiltered figures page reads its facet counts from facet_counts (plugins/facets.py)."""

import asyncio
import shutil
import sqlite3

import pytest
import yaml

from disclosures import paths
from tests.conftest import Site, counted_site, rows, unhurried

# The figures table's facets, as metadata.yml configures them.
FACETS = yaml.safe_load((paths.SITE_METADATA_SOURCE).read_text(encoding="utf-8"))["databases"]["disclosures"]["tables"][
    "figures"
]["facets"]


def facet_counts(site, path):
    results = site.get(path).json()["facet_results"]
    results = results.get("results", results)
    return {name: [(r["value"], r["count"]) for r in facet["results"]] for name, facet in results.items()}


def test_unfiltered_facets_equal_what_sqlite_counts(site, real_db):
    shown = facet_counts(site, "/disclosures/figures.json?_extra=facet_results")
    assert list(shown) == FACETS
    for column in FACETS:
        expected = rows(
            real_db,
            f"SELECT {column}, count(*) AS n FROM figures WHERE {column} IS NOT NULL "
            f"GROUP BY {column} ORDER BY n DESC, {column} LIMIT 50",  # facet_size in metadata.yml
        )
        assert shown[column] == expected, column


def test_a_facet_of_numbers_shows_numbers_in_sqlites_order(site, real_db):
    """facet_counts keeps a number's text in value (a column of one type, which next_url can page
    by) and the number in value_number: the facets of a column of numbers still show numbers,
    in the order and with the counts SQLite gives."""
    numeric = rows(real_db, "SELECT DISTINCT table_name, column_name FROM facet_counts WHERE value_number IS NOT NULL")
    assert ("freshness", "behind_cadence") in numeric
    for table, column in numeric:
        shown = facet_counts(site, f"/disclosures/{table}.json?_extra=facet_results")[column]
        expected = rows(
            real_db,
            f"SELECT [{column}], count(*) AS n FROM [{table}] WHERE [{column}] IS NOT NULL "
            "GROUP BY 1 ORDER BY n DESC, 1 LIMIT 50",
        )
        assert shown == expected and all(type(value) is int for value, _ in shown), (table, column)


def test_the_page_reads_the_precomputed_counts_and_a_filter_reads_the_table(tmp_path, real_build):
    folder = tmp_path / "site"
    shutil.copytree(real_build, folder)
    with sqlite3.connect(folder / "disclosures.db") as conn:
        conn.execute(
            "UPDATE facet_counts SET row_count = 999999 "
            "WHERE table_name = 'figures' AND column_name = 'platform_id' AND value = 'telegram'"
        )
    conn.close()

    class Site:
        datasette = unhurried(folder)
        loop = asyncio.new_event_loop()

        def get(self, path):
            return self.loop.run_until_complete(self.datasette.client.get(path))

    tampered = Site()
    unfiltered = facet_counts(tampered, "/disclosures/figures.json?_extra=facet_results")
    assert unfiltered["platform_id"][0] == ("telegram", 999999)
    # Two filters: neither facet_counts nor the one-filter pairs (tests/test_facet_pairs.py).
    filtered = facet_counts(
        tampered, "/disclosures/figures.json?_extra=facet_results&metric_id=requests_fulfilled&value_kind=exact"
    )
    (real_count,) = rows(
        folder / "disclosures.db",
        "SELECT count(*) FROM figures WHERE platform_id = 'telegram' AND metric_id = 'requests_fulfilled' "
        "AND value_kind = 'exact'",
    )[0]
    assert ("telegram", real_count) in filtered["platform_id"]
    # A facet asked for in the URL, on a column the build did not count, is counted by Datasette.
    asked = facet_counts(tampered, "/disclosures/figures.json?_extra=facet_results&_facet=value_kind")
    assert (
        dict(asked["value_kind"])["exact"]
        == rows(folder / "disclosures.db", "SELECT count(*) FROM figures WHERE value_kind = 'exact'")[0][0]
    )


def expected_facets(db_path, where: str, params=(), size: int = 50) -> dict:
    counted = {}
    for column in FACETS:
        found = rows(
            db_path,
            f"SELECT {column}, count(*) AS n FROM figures WHERE ({where}) AND {column} IS NOT NULL "
            f"GROUP BY {column} ORDER BY n DESC, {column} LIMIT {size}",
            *params,
        )
        counted[column] = [tuple(r) for r in found]
    return counted


@pytest.mark.parametrize(
    "query, where, params",
    [
        # A range no index serves: every facet was a scan of the whole table (0.5-0.9 s a page).
        ("value__gt=1000", "value > 1000", ()),
        ("value__lt=10", "value < 10", ()),
        ("value=5", "value = 5", ()),
        (
            "metric_id=requests_fulfilled&value_kind=exact",
            "metric_id = ? AND value_kind = ?",
            ("requests_fulfilled", "exact"),
        ),
        ("platform_id=google&jurisdiction_id=USA", "platform_id = ? AND jurisdiction_id = ?", ("google", "USA")),
        ("value__gt=1000000000", "value > 1000000000", ()),  # no row: empty facets
    ],
)
def test_filtered_facets_counted_together_equal_what_sqlite_counts(site, real_db, query, where, params):
    body = site.get(f"/disclosures/figures.json?_extra=facet_results&_extra=facets_timed_out&{query}").json()
    assert body["facets_timed_out"] == []
    results = body["facet_results"].get("results", body["facet_results"])
    shown = {name: [(r["value"], r["count"]) for r in facet["results"]] for name, facet in results.items()}
    assert shown == expected_facets(real_db, where, params)
    for name, facet in results.items():
        (distinct,) = rows(
            real_db, f"SELECT count(DISTINCT {name}) FROM figures WHERE {where} AND {name} IS NOT NULL", *params
        )[0]
        assert facet["truncated"] == (distinct > 50), name


def test_a_facet_asked_for_is_counted_with_the_others_and_a_small_size_truncates(site, real_db):
    body = site.get(
        "/disclosures/figures.json?_extra=facet_results&value__gt=1000&_facet=value_kind&_facet_size=3"
    ).json()
    results = body["facet_results"].get("results", body["facet_results"])
    assert list(results) == [*FACETS, "value_kind"]
    assert [(r["value"], r["count"]) for r in results["value_kind"]["results"]] == [
        tuple(r) for r in rows(real_db, "SELECT value_kind, count(*) FROM figures WHERE value > 1000 GROUP BY 1")
    ]
    expected = expected_facets(real_db, "value > 1000", size=3)
    assert {name: [(r["value"], r["count"]) for r in results[name]["results"]] for name in FACETS} == expected
    assert results["jurisdiction_id"]["truncated"] is True


def test_a_count_past_its_time_limit_times_out_every_facet_it_stood_for(real_build):
    hurried = Site(unhurried(real_build, settings={"facet_time_limit_ms": 1}))
    body = hurried.get("/disclosures/figures.json?_extra=facet_results&_extra=facets_timed_out&value__lt=10").json()
    assert sorted(body["facets_timed_out"]) == sorted(FACETS)
    assert body["facet_results"].get("results", body["facet_results"]) == {}


def test_a_filtered_pages_facets_read_the_rows_once(real_build):
    # Datasette counts each facet in a query of its own: seven reads of the filtered rows, each a
    # scan of the whole table when no index serves the filter.
    counted = counted_site(real_build)
    counted.get("/disclosures/figures.json?value__gt=1000")
    facet_reads = [q for q in counted.queries if isinstance(q, str) and "group by" in q and '"value" > :p0' in q]
    assert len(facet_reads) == 1 and facet_reads[0].startswith("with counted as materialized")


def test_a_facet_asked_for_that_the_table_has_already_is_counted_once(site, real_db):
    body = site.get("/disclosures/figures.json?_extra=facet_results&value__gt=1000&_facet=jurisdiction_id").json()
    results = body["facet_results"].get("results", body["facet_results"])
    shown = [(r["value"], r["count"]) for r in results["jurisdiction_id"]["results"]]
    assert shown == expected_facets(real_db, "value > 1000")["jurisdiction_id"]


@pytest.mark.parametrize(
    "query",
    [
        "",  # facet_counts
        "platform_id=telegram",  # facet_pair_counts
        "platform_id=telegram&metric_id=requests_fulfilled",  # counted together from the table
        "period_label=20240101-20240930",  # the period selected
    ],
)
def test_the_period_facet_names_each_period_and_keeps_its_value_and_link(site, real_db, query):
    # 20240101-20240930 read as a code: the facet names it as the pages do, from period_names.
    names = dict(rows(real_db, "SELECT period_label, name FROM period_names"))
    body = site.get(f"/disclosures/figures.json?_extra=facet_results&{query}").json()
    results = body["facet_results"].get("results", body["facet_results"])["period_label"]["results"]
    assert results
    for r in results:
        assert r["label"] == names[r["value"]], r
        assert (f"period_label={r['value']}" in r["toggle_url"]) != r["selected"], r
    shown = {r["value"]: r["label"] for r in results}
    assert shown["20240101-20240930"] == "January–September 2024"
    html = site.get(f"/disclosures/figures?{query}").text
    if "period_label=" in query:
        assert "<li>January–September 2024 &middot; 160" in html
    else:
        assert 'period_label=20240101-20240930">January–September 2024</a>' in html
    # A kind is named too (year_to_date read as a code), its value and link kept.
    other = body["facet_results"].get("results", body["facet_results"])
    kinds = dict(rows(real_db, "SELECT period_kind, kind_name FROM period_names"))
    assert other["period_kind"]["results"]
    for r in other["period_kind"]["results"]:
        assert r["label"] == kinds[r["value"]] != r["value"], r
        assert f"period_kind={r['value']}" in r["toggle_url"], r
    if "period_label=20240101-20240930" in query:
        assert [r["label"] for r in other["period_kind"]["results"]] == ["Year to date (from 1 January)"]
        assert 'period_kind=year_to_date">Year to date (from 1 January)</a> 160' in html
    # Other facets keep Datasette's labels: a platform's name.
    platforms = dict(rows(real_db, "SELECT platform_id, name FROM platforms"))
    assert all(r["label"] == platforms[r["value"]] for r in other["platform_id"]["results"])


def test_the_period_facet_of_a_database_without_period_names_shows_the_values(tmp_path, real_build):
    folder = tmp_path / "site"
    shutil.copytree(real_build, folder)
    with sqlite3.connect(folder / "disclosures.db") as conn:
        conn.execute("DROP TABLE period_names")
    conn.close()
    body = Site(unhurried(folder)).get("/disclosures/figures.json?_extra=facet_results").json()
    for column in ("period_label", "period_kind"):
        results = body["facet_results"].get("results", body["facet_results"])[column]["results"]
        assert results and all(r["label"] == r["value"] for r in results)
