"""Amazon Store's DSA member-state orders (``3_member_states_orders.csv``): a layout with every cell
filled, whose member-state TOTAL rows its own category rows contradict.

The fixtures under tests/fixtures/importers/dsa-excerpt/amazon-2025h2/ and amazon-2026h1/ are every
member state's TOTAL row and its 15 statement-category rows, copied from the stored files
(krMaynard/dsa-transparency-data amazon/3_member_states_orders.csv @ 91abc2ff… for July-December 2025
and @ 44e61041… for January-June 2026); they are the excerpts the data was imported from.
"""

from __future__ import annotations

import csv
import shutil
import sqlite3
from pathlib import Path

import pytest

from disclosures.importers import core, dsa, plan_import, write_plan
from disclosures.importers.registry import FORMATS
from disclosures.paths import ROOT

EXCERPTS = ROOT / "tests" / "fixtures" / "importers" / "dsa-excerpt"
DATA = ROOT / "data"
VALUE = "Number of orders to provide information"
PERIODS = {
    "2025h2": ("amazon-store-dsa-2025h2-member-states-orders-csv-archive", "2025-07-01"),
    "2026h1": ("amazon-store-dsa-2026h1-member-states-orders-csv-archive", "2026-01-01"),
}


def excerpt(period: str) -> Path:
    return EXCERPTS / f"amazon-{period}" / "3_member_states_orders.csv"


def parse(period: str):
    return FORMATS["dsa-member-state-orders-excerpt"].parse(excerpt(period))


def contradicted(parsed) -> list[core.Skip]:
    return [s for s in parsed.skips if "contradicts itself" in s.reason]


def eu_figure(period: str) -> int:
    source, start = PERIODS[period]
    (row,) = [
        r
        for r in csv.DictReader((DATA / "figures.csv").open(encoding="utf-8"))
        if r["platform_id"] == "amazon_store" and r["jurisdiction_id"] == "EU" and r["period_start"] == start
    ]
    assert row["source_id"] == source
    return int(row["value"])


def write_orders(path: Path, rows: list[tuple[str, str, str]]) -> Path:
    """A minimal 3_member_states_orders.csv: (category, scope, orders to provide information) per row."""
    with path.open("w", encoding="utf-8", newline="") as handle:
        out = csv.writer(handle, lineterminator="\n")
        out.writerow(["Applicability", "Service", "Reporting period", "Category of illegal content", "Scope", VALUE])
        for category, scope, value in rows:
            out.writerow(["All", "Amazon Store", "2025-07-01/2025-12-31", category, scope, value])
    return path


# The layout ---------------------------------------------------------------------------------


@pytest.mark.parametrize("period", PERIODS)
def test_every_cell_is_filled_so_no_record_takes_cells_from_the_record_above(period):
    parsed = parse(period)
    assert parsed.records
    assert not any("merged cells" in r.notes for r in parsed.records)
    assert not any("no record above" in s.reason for s in parsed.skips)
    # Each of the 27 member states is one block: a TOTAL row, then its 15 statement categories.
    totals = [s for s in parsed.skips if "Category=TOTAL" in s.source_locator] + parsed.records
    assert len(totals) == 27
    assert len(parsed.skips) - len(contradicted(parsed)) == 27 * 15


def test_austrias_total_row_gives_0_while_its_own_categories_give_45_orders():
    parsed = parse("2025h2")
    assert not [r for r in parsed.records if r.jurisdiction_id == "AUT"]
    (austria,) = [s for s in contradicted(parsed) if s.source_locator.endswith("Scope=AT)")]
    assert austria.quote == "All,Amazon Store,2025-07-01/2025-12-31,TOTAL,,AT,0,0,19,95,0,19,53,,,,,,,"
    assert "TOTAL gives 0" in austria.reason
    assert "STATEMENT_CATEGORY_NOT_SPECIFIED_ORDER gives 30" in austria.reason


def test_a_total_row_above_the_sum_of_all_its_categories_is_contradicted_too():
    (portugal,) = [s for s in contradicted(parse("2025h2")) if s.source_locator.endswith("Scope=PT)")]
    assert "TOTAL gives 1" in portugal.reason and "all its statement-category rows give 0" in portugal.reason


def test_total_rows_their_categories_agree_with_are_figures():
    h1 = {r.jurisdiction_id: r for r in parse("2026h1").records}
    assert sorted(h1) == ["BGR", "CYP", "CZE", "EST", "FIN", "GRC", "HUN", "LTU", "LVA", "PRT", "ROU"]
    assert (h1["CZE"].value, h1["LTU"].value) == ("3", "1")
    assert h1["CZE"].quote == "All,Amazon Store,2026-01-01/2026-06-30,TOTAL,,CZ,2,2,0,0,3,0,0,,,,,,,"
    assert h1["CZE"].source_locator == "3_member_states_orders.csv (Service=Amazon Store, Category=TOTAL, Scope=CZ)"
    h2 = parse("2025h2").records
    assert len(h2) == 11 and {r.value for r in h2} == {"0"}
    assert {r.jurisdiction_id for r in h2} >= {"GRC", "HRV"}  # Amazon writes Greece GR, the ISO code


# The consistency rule, on small files -------------------------------------------------------


def test_categories_above_a_total_are_never_read_as_one_when_an_order_has_several(tmp_path):
    # One order may carry two categories: a complete set of categories may add up to more than the TOTAL.
    rows = [("TOTAL", "AT", "3")] + [(c, "AT", "0") for c in sorted(dsa.STATEMENT_CATEGORIES)]
    rows[1:3] = [(rows[1][0], "AT", "2"), (rows[2][0], "AT", "2")]
    parsed = dsa.parse_member_state_orders(write_orders(tmp_path / "3_member_states_orders.csv", rows))
    assert [r.value for r in parsed.records] == ["3"]


def test_a_partial_excerpt_of_categories_does_not_contradict_a_larger_total(tmp_path):
    # An excerpt may copy only some category rows: their sum says nothing against the TOTAL.
    rows = [("TOTAL", "DE", "948"), ("STATEMENT_CATEGORY_ANIMAL_WELFARE", "DE", "1")]
    parsed = dsa.parse_member_state_orders(write_orders(tmp_path / "3_member_states_orders.csv", rows), excerpt=True)
    assert [r.value for r in parsed.records] == ["948"]


def test_a_category_above_its_total_is_a_skip_whatever_else_the_excerpt_holds(tmp_path):
    rows = [("TOTAL", "FR", "2"), ("STATEMENT_CATEGORY_VIOLENCE", "FR", "5"), ("TOTAL", "BE", "4")]
    parsed = dsa.parse_member_state_orders(write_orders(tmp_path / "3_member_states_orders.csv", rows))
    assert [r.jurisdiction_id for r in parsed.records] == ["BEL"]
    (france,) = contradicted(parsed)
    assert "line 2" in france.source_locator and "STATEMENT_CATEGORY_VIOLENCE gives 5" in france.reason


# The file against its own EU total, and the data ---------------------------------------------


@pytest.mark.parametrize(("period", "categories", "totals"), [("2025h2", 455, 2), ("2026h1", 660, 5)])
def test_member_states_category_rows_add_up_to_the_eu_total_and_their_total_rows_do_not(period, categories, totals):
    with excerpt(period).open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    category_sum = sum(
        int(r[VALUE]) for r in rows if r["Category of illegal content"].startswith("STATEMENT_CATEGORY_")
    )
    total_sum = sum(int(r[VALUE]) for r in rows if r["Category of illegal content"] == "TOTAL")
    assert (category_sum, total_sum) == (categories, totals)
    assert eu_figure(period) == categories


@pytest.mark.parametrize("period", PERIODS)
def test_every_contradicted_total_row_is_a_disagreement_and_no_figure(period):
    source, start = PERIODS[period]
    skips = contradicted(parse(period))
    assert len(skips) == 16
    disagreements = {
        r["claimed_text"]: r
        for r in csv.DictReader((DATA / "disagreements.csv").open(encoding="utf-8"))
        if r["source_id"] == source
    }
    places = core.jurisdiction_lookup()
    figures = {
        (r["jurisdiction_id"], r["period_start"])
        for r in csv.DictReader((DATA / "figures.csv").open(encoding="utf-8"))
        if r["platform_id"] == "amazon_store"
    }
    for skip in skips:
        row = disagreements[skip.quote]
        assert (row["kind"], row["figure_id"]) == ("inconsistent_parts", "")
        scope = skip.source_locator.rsplit("Scope=", 1)[1].rstrip(")")
        assert (places.code(scope), start) not in figures, scope


@pytest.fixture
def data_copy(tmp_path):
    folder = tmp_path / "data"
    shutil.copytree(DATA, folder)
    return folder


@pytest.mark.parametrize("period", PERIODS)
def test_importing_the_excerpts_again_changes_nothing(data_copy, period):
    parsed = parse(period)
    plan = plan_import(parsed, PERIODS[period][0], data_copy)
    assert plan.writes_nothing and len(plan.same) == 11
    assert write_plan(plan, data_copy) == {}


def test_pinned_amazon_member_state_orders_in_the_built_database(real_db):
    conn = sqlite3.connect(real_db)
    rows = dict(
        conn.execute(
            "SELECT jurisdiction_id || ' ' || period_start, value FROM figures WHERE platform_id = 'amazon_store' "
            "AND request_type_id = 'dsa_information_order'"
        ).fetchall()
    )
    assert rows["CZE 2026-01-01"] == 3 and rows["LTU 2026-01-01"] == 1 and rows["BGR 2025-07-01"] == 0
    assert rows["EU 2025-07-01"] == 455 and rows["EU 2026-01-01"] == 660
    assert "AUT 2025-07-01" not in rows and "DEU 2026-01-01" not in rows
    assert len(rows) == 2 + 11 + 11
