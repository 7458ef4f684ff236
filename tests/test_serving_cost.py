"""Layer (c): what a page costs the server, counted in queries, not timed (speed is `make bench`).

The figures page once ran three queries per row for its source tiers (332 per page) and
walked the whole metadata for every cell; the home page checked the permissions of every
table and view through Datasette's index view. These tests hold the counts down and check that
the pages and links are unchanged. Also the serving benchmark's pure helpers.
"""

from __future__ import annotations

import urllib.parse

import pytest

from disclosures import serving_bench
from tests.conftest import Site, counted_site, rows, unhurried

FIGURES = "/disclosures/figures"


@pytest.fixture(scope="module")
def counted(real_build):
    return counted_site(real_build)


def queries_of(site, path):
    site.get(path)  # the first visit fills each worker's caches (schema, sources)
    site.queries.clear()
    response = site.get(path)
    assert response.status_code == 200, path
    return response, [q for q in site.queries if isinstance(q, str)], [q for q in site.queries if callable(q)]


def test_a_page_of_100_figures_does_not_query_per_row(counted, real_db):
    response, queries, hops = queries_of(counted, FIGURES)
    assert response.text.count('class="tier-badge"') == 100  # every row still shows its source's tier
    assert len(hops) < 100, len(hops)  # one query per row alone would be 100 (it was 332)
    assert not [q for q in queries if "FROM sources s" in q and "WHERE s.source_id" in q]
    # The tier shown is the source's own.
    ((source, rank),) = rows(
        real_db,
        "SELECT s.source_id, t.rank FROM figures f JOIN sources s USING (source_id) "
        "JOIN source_tiers t ON t.tier_id = s.tier ORDER BY f.recency_rank LIMIT 1",
    )
    first_row = response.text.split("<tbody>", 1)[1].split("</tr>", 1)[0]
    assert f"<em>{source}</em>" in first_row and f">tier {rank}</span>" in first_row


def test_the_home_page_runs_a_handful_of_queries_and_the_index_json_is_datasettes(counted):
    response, _queries, hops = queries_of(counted, "/")
    assert "reported figures" in response.text and 'id="telegram-chart"' in response.text
    assert len(hops) < 20, len(hops)
    index = counted.get("/.json").json()
    assert "disclosures" in index and index["disclosures"]["tables_count"] > 10


def toggle_urls(site, path):
    response = site.get(path)
    assert response.status_code == 200, response.text
    facets = response.json()["facet_results"]
    facets = facets.get("results", facets)
    return {(name, r["value"]): r["toggle_url"] for name, facet in facets.items() for r in facet["results"]}


def test_facet_links_are_the_urls_datasette_joins(site):
    unfiltered = toggle_urls(site, FIGURES + ".json?_extra=facet_results")
    assert (
        unfiltered[("platform_id", "telegram")]
        == "http://localhost/disclosures/figures.json?_extra=facet_results&platform_id=telegram"
    )
    filtered_path = FIGURES + ".json?_extra=facet_results&platform_id=telegram"
    filtered = toggle_urls(site, filtered_path)
    # A selected value's link removes it; the others add theirs.
    assert filtered[("platform_id", "telegram")] == "http://localhost/disclosures/figures.json?_extra=facet_results"
    for (column, value), url in filtered.items():
        parts = urllib.parse.urlsplit(url)
        assert (parts.scheme, parts.netloc, parts.path) == ("http", "localhost", "/disclosures/figures.json")
        assert (column, str(value)) in urllib.parse.parse_qsl(parts.query) or (column, value) == (
            "platform_id",
            "telegram",
        )


def test_facet_links_follow_force_https_urls(real_build):
    site = Site(unhurried(real_build, settings={"force_https_urls": True}))
    urls = toggle_urls(site, FIGURES + ".json?_extra=facet_results")
    assert urls and all(url.startswith("https://localhost/disclosures/figures.json?") for url in urls.values())


# The serving benchmark's helpers (make bench runs the rest against make prod) -----------------


def test_acceptance_needs_the_number_and_no_failed_request():
    def run(p50, failed=0):
        return {"p50_ms": p50, "p95_ms": p50, "rps": 0.0, "failed": failed}

    serving = {
        "1000000": {
            "prod": {"default_cold": run(80), "figures_json": run(12), "filtered": run(150, failed=1)},
            "stock": {"default_cold": run(4000), "figures_json": run(3000), "filtered": run(900)},
            "stock_over_prod": {"default_cold": 50.0, "figures_json": 250.0, "filtered": 6.0},
        }
    }
    checks = serving_bench.acceptance(serving)
    assert checks["1000000: default page cold p50 (ms)"] == {
        "value": 80,
        "limit": 100.0,
        "met": True,
        "failed": 0,
        "stock": 4000,
        "ratio": 50.0,
    }
    assert checks["1000000: figures.json cold p50 (ms)"]["met"] is False
    assert checks["1000000: filtered page cold p50 (ms)"]["met"] is False  # fast, but a request failed


def test_the_cpu_of_a_process_tree_is_read_from_proc():
    import os

    spent = serving_bench.tree_cpu_seconds(os.getpid())
    sum(range(3_000_000))
    assert serving_bench.tree_cpu_seconds(os.getpid()) > spent


def test_refusals_are_read_from_nginxs_access_log(tmp_path):
    log = tmp_path / "nginx-access.log"
    log.write_text(
        '127.0.0.1 [t] "GET /disclosures/figures HTTP/1.1" 200 10 0.1 BYPASS pages unix:/x r\n'
        '127.0.0.1 [t] "GET /disclosures/figures HTTP/1.1" 400 10 0.1 BYPASS pages unix:/x r\n'
        '127.0.0.1 [t] "GET / HTTP/1.1" 503 10 0.1 BYPASS pages unix:/x r\n'
        '127.0.0.1 [t] "GET /disclosures/figures HTTP/1.1" 400 10 0.1 BYPASS pages unix:/x r\n'
    )
    assert serving_bench.refusals(log) == {"400 /disclosures/figures": 2, "503 /": 1}
    assert serving_bench.refusals(tmp_path / "missing.log") == {}
