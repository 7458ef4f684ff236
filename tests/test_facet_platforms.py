"""Every platform in a table's platform facet: Datasette shows 30 values of a facet unless told
otherwise, and coverage, coverage_cells and figures_series have more platforms than that (the
coverage facet stopped at 30 of 35, hiding six platforms, without saying which)."""

from __future__ import annotations

import re

import pytest
import yaml

from disclosures import paths
from tests.conftest import rows

METADATA = yaml.safe_load((paths.ROOT / "metadata.yml").read_text(encoding="utf-8"))
TABLES = METADATA["databases"]["disclosures"]["tables"]
PLATFORM_FACETED = sorted(name for name, table in TABLES.items() if "platform_id" in table.get("facets", []))


def test_the_tables_the_finding_named_have_a_platform_facet():
    assert {"figures", "coverage", "coverage_cells"} <= set(PLATFORM_FACETED)


@pytest.mark.parametrize("table", PLATFORM_FACETED)
def test_the_platform_facet_lists_every_platform_of_the_table(site, real_db, table):
    platforms = {r[0] for r in rows(real_db, f"select distinct platform_id from [{table}]")}
    data = site.get(f"/disclosures/{table}.json?_size=1").json()
    facet = data["facet_results"].get("results", data["facet_results"])["platform_id"]
    assert facet["truncated"] is False
    assert {r["value"] for r in facet["results"]} == platforms


@pytest.mark.parametrize("table", ["coverage", "coverage_cells"])
def test_the_coverage_page_shows_every_platform_in_its_facet(site, real_db, table):
    platforms = {r[0] for r in rows(real_db, f"select distinct platform_id from [{table}]")}
    assert len(platforms) > 30  # the point of the finding: more than Datasette's default
    page = site.get(f"/disclosures/{table}")
    assert page.status_code == 200
    listed = set(re.findall(r'[?&]platform_id=([a-z0-9_-]+)[&"]', page.text))
    assert platforms <= listed
