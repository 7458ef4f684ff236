"""Layer (c): the unfiltered figures page reads its facet counts from facet_counts (plugins/facets.py)."""

import asyncio
import shutil
import sqlite3

import yaml

from disclosures import paths
from disclosures import site as site_module
from tests.conftest import rows

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
        datasette = site_module.in_process(folder)
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
