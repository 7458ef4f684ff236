"""Reddit's EU DSA orders to provide information, 2025 (its yearly DSA report as a non-VLOP).

tests/fixtures/importers/dsa-excerpt/reddit-2025/ holds real records of the stored extraction
(krMaynard/dsa-transparency-data @ c210ef8b31257b24cc2e9349921832eb95a5c043,
harmonised-reports/extracted/reddit/03_member_states_orders.csv), copied verbatim and in file order: the
header, then for the EU and each of the 27 member states its TOTAL row and its 17 statement-category
rows (the KEYWORD rows that break the categories down are left out).
"""

from __future__ import annotations

import csv
import shutil
import sqlite3
from decimal import Decimal
from pathlib import Path

import pytest

from disclosures.importers import core, dsa, plan_import
from disclosures.paths import ROOT

EXCERPT = ROOT / "tests" / "fixtures" / "importers" / "dsa-excerpt" / "reddit-2025" / "03_member_states_orders.csv"
SOURCE = "reddit-dsa-2025-member-states-orders-csv-extraction"
FIGURE = "reddit-eu-2025-dsa_information_order-requests_received"
TOTAL_ROW = "All,Reddit Netherlands B.V.,2025-01-01/2025-12-31,TOTAL,,TOTAL,37,53,0.39,25.28,271,72,120,,,,,,,"


@pytest.fixture(scope="module")
def parsed():
    return dsa.parse_member_state_orders(EXCERPT, excerpt=True)


def test_the_eu_total_is_reddits_provider_mapped_to_reddit_for_the_calendar_year(parsed):
    record = {core.figure_id_for(r): r for r in parsed.records}[FIGURE]
    assert (record.platform_id, record.jurisdiction_id, record.period_start, record.period_end, record.value) == (
        "reddit",
        "EU",
        "2025-01-01",
        "2025-12-31",
        "271",
    )
    assert record.quote == TOTAL_ROW
    assert record.source_locator == (
        "03_member_states_orders.csv (Service=Reddit Netherlands B.V., Category=TOTAL, Scope=TOTAL)"
    )
    assert "never added" in record.notes
    # Every other record of the excerpt is a statement-category row, read only to check its TOTAL row.
    assert len(parsed.skips) == 28 * 17
    assert {s.reason for s in parsed.skips} == {"a category row: part of its scope's TOTAL row, not read"}


def test_each_member_state_is_a_figure_and_together_they_are_the_eu_total(parsed):
    states = {r.jurisdiction_id: r for r in parsed.records if r.jurisdiction_id != "EU"}
    assert len(states) == 27
    assert sum(int(r.value) for r in states.values()) == 271
    assert states["DEU"].value == "179"
    assert states["DEU"].quote == (
        "All,Reddit Netherlands B.V.,2025-01-01/2025-12-31,TOTAL,,DE,17,22,11.19,46.48,179,24,108,,,,,,,"
    )
    # Greece is written GR here (not the EU's EL); a reported 0 is a figure, not a gap.
    assert states["GRC"].value == "3"
    assert {j for j, r in states.items() if r.value == "0"} == {
        "BGR",
        "CYP",
        "DNK",
        "FIN",
        "HRV",
        "LTU",
        "LUX",
        "LVA",
        "SVK",
        "SVN",
    }


def test_the_transcribed_category_rows_add_up_to_each_total_row():
    with EXCERPT.open(encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    scopes = sorted({r["Scope"] for r in rows})
    assert len(scopes) == 28
    for scope in scopes:
        block = [r for r in rows if r["Scope"] == scope]
        categories = [r for r in block if r["Category of illegal content"].startswith("STATEMENT_CATEGORY_")]
        (total,) = [r for r in block if r["Category of illegal content"] == "TOTAL"]
        assert {r["Category of illegal content"] for r in categories} >= dsa.STATEMENT_CATEGORIES, scope
        for column in (dsa.VALUE_COLUMN, "Number of orders to act against illegal content received"):
            assert sum(Decimal(r[column]) for r in categories) == Decimal(total[column]), (scope, column)


def test_a_total_row_its_categories_contradict_would_be_no_figure(tmp_path):
    # The excerpt holds all of the template's statement categories, so categories that give fewer orders
    # than the TOTAL row refute it; Reddit's extra category (terms-and-conditions violations, 106 of the
    # 271) counts in that sum like the template's own.
    text = EXCERPT.read_text(encoding="utf-8").replace(
        "STATEMENT_CATEGORY_OTHER_VIOLATION_TC,,TOTAL,3,4,0,80.15,106,",
        "STATEMENT_CATEGORY_OTHER_VIOLATION_TC,,TOTAL,3,4,0,80.15,105,",
    )
    assert text != EXCERPT.read_text(encoding="utf-8")
    changed = tmp_path / "03_member_states_orders.csv"
    changed.write_text(text, encoding="utf-8")
    result = dsa.parse_member_state_orders(changed, excerpt=True)
    assert FIGURE not in {core.figure_id_for(r) for r in result.records}
    assert any("the file contradicts itself" in s.reason and "Scope=TOTAL" in s.source_locator for s in result.skips)


def test_importing_the_excerpt_again_changes_nothing(parsed, tmp_path):
    data = tmp_path / "data"
    shutil.copytree(ROOT / "data", data)
    plan = plan_import(parsed, SOURCE, data)
    assert plan.writes_nothing and not plan.changes and len(plan.same) == 28


def test_the_built_database_has_the_figure_apart_from_reddits_global_series(real_db: Path):
    conn = sqlite3.connect(real_db)
    row = conn.execute(
        "SELECT f.value, f.source_id, s.tier FROM figures f JOIN sources s USING (source_id) WHERE figure_id = ?",
        (FIGURE,),
    ).fetchone()
    assert row == (271, SOURCE, "third_party_extraction")
    assert conn.execute(
        "SELECT count(*), sum(value) FROM figures WHERE platform_id = 'reddit' AND request_type_id = "
        "'dsa_information_order' AND jurisdiction_id != 'EU' AND is_derived = 0"
    ).fetchone() == (27, 271)
    freshness = conn.execute(
        "SELECT dataset_up_to, dsa_dataset_up_to, dsa_published_up_to, dsa_source_id, dsa_cadence, dsa_behind_cadence "
        "FROM platform_freshness WHERE platform_id = 'reddit'"
    ).fetchone()
    # The DSA orders never move the global series' own end (2020 here); a year's DSA report, retrieved
    # 2026-12-04, is not overdue (the 2026 report is due early in 2027).
    assert freshness == ("2020-12-31", "2025-12-31", "2025-12-31", SOURCE, "yearly", 0)
