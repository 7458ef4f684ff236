"""EU DSA orders to provide information per member state: Meta's merged cells, the EL code, the
excerpt format's locators, and the member-state figures of Facebook, Instagram and X in the built
database (pinned values, and their sum against each file's own EU total).

meta-3_member_states_orders.csv is an excerpt of Facebook's January-June 2026 table: the header,
the EU TOTAL record, four member-state TOTAL records (AT written out, BE, DE and EL with blank
merged cells) and category records, one of them with line breaks inside its Service cell.
"""

from __future__ import annotations

import shutil
import sqlite3

from disclosures.importers import core, dsa, plan_import, write_plan
from disclosures.importers.registry import FORMATS
from disclosures.paths import ROOT

FIXTURES = ROOT / "tests" / "fixtures" / "importers"
META = FIXTURES / "meta-3_member_states_orders.csv"


def by_id(parsed):
    return {core.figure_id_for(r): r for r in parsed.records}


def test_merged_cells_take_service_period_and_category_from_the_record_above():
    parsed = dsa.parse_member_state_orders(META)
    figures = by_id(parsed)
    belgium = figures["facebook-bel-2026h1-dsa_information_order-requests_received"]
    assert belgium.value == "2"
    assert (belgium.period_start, belgium.period_end) == ("2026-01-01", "2026-06-30")
    # The quote is the record as written, blank cells and all.
    assert belgium.quote == ",,,,,BE,1,2,0,69.27,2,0,2042.03,,,,,,,"
    assert belgium.source_locator.endswith("line 13 (Service=Facebook, Category=TOTAL, Scope=BE)")
    assert "merged cells" in belgium.notes
    assert "merged cells" not in figures["facebook-aut-2026h1-dsa_information_order-requests_received"].notes
    assert figures["facebook-deu-2026h1-dsa_information_order-requests_received"].value == "948"
    # After a category record, the blank cells carry that category: skipped, not read as TOTAL.
    assert {r.jurisdiction_id for r in parsed.records} == {"EU", "AUT", "BEL", "DEU", "GRC"}
    category_skips = [s for s in parsed.skips if s.reason.startswith("a category row")]
    assert len(category_skips) == 5
    assert any("Category=STATEMENT_CATEGORY_ANIMAL_WELFARE, Scope=DE" in s.source_locator for s in category_skips)
    # A Service cell with line breaks still names the service for the record below it.
    assert category_skips[-1].source_locator.endswith(
        "(Service=Facebook, Category=STATEMENT_CATEGORY_CONSUMER_INFORMATION, Scope=DE)"
    )


def test_the_eu_code_el_is_greece():
    figures = by_id(dsa.parse_member_state_orders(META))
    greece = figures["facebook-grc-2026h1-dsa_information_order-requests_received"]
    assert (greece.jurisdiction_id, greece.value) == ("GRC", "2")
    assert greece.source_locator.endswith("Scope=EL)")


def test_a_blank_record_with_nothing_above_is_skipped_with_its_reason(tmp_path):
    header = META.read_text(encoding="utf-8").splitlines()[0]
    path = tmp_path / "3_member_states_orders.csv"
    path.write_text(header + "\n,,,,,BE,1,2,0,69.27,2,0,2042.03,,,,,,,\n", encoding="utf-8")
    parsed = dsa.parse_member_state_orders(path)
    assert parsed.records == []
    assert [s.reason for s in parsed.skips] == ["blank Service, period and category with no record above"]


def test_excerpt_locators_name_the_key_cells_and_no_line():
    excerpt = FORMATS["dsa-member-state-orders-excerpt"]
    figures = by_id(excerpt.parse(META))
    locator = figures["facebook-bel-2026h1-dsa_information_order-requests_received"].source_locator
    assert locator == "meta-3_member_states_orders.csv (Service=Facebook, Category=TOTAL, Scope=BE)"
    assert all(" line " not in r.source_locator for r in figures.values())
    # Same records and values as the stored-file format: only the locators differ.
    stored = by_id(dsa.parse_member_state_orders(META))
    assert {k: r.value for k, r in figures.items()} == {k: r.value for k, r in stored.items()}


def test_importing_the_excerpt_twice_writes_nothing_the_second_time(tmp_path):
    data = tmp_path / "data"
    shutil.copytree(ROOT / "data", data)
    parsed = FORMATS["dsa-member-state-orders-excerpt"].parse(META)
    source = "facebook-dsa-2026h1-member-states-orders-csv-archive"
    first = plan_import(parsed, source, data)
    write_plan(first, data)
    again = plan_import(FORMATS["dsa-member-state-orders-excerpt"].parse(META), source, data)
    assert again.adds == [] and again.changes == [] and again.writes_nothing
    assert len(again.same) == len(parsed.records)


# The built database -------------------------------------------------------------------------

PINNED = {
    "facebook-deu-2025h2-dsa_information_order-requests_received": (
        "facebook-dsa-2025h2-member-states-orders-csv-archive",
        1051,
    ),
    "facebook-pol-2025h2-dsa_information_order-requests_received": (
        "facebook-dsa-2025h2-member-states-orders-csv-archive",
        672,
    ),
    "facebook-grc-2026h1-dsa_information_order-requests_received": (
        "facebook-dsa-2026h1-member-states-orders-csv-archive",
        2,
    ),
    "facebook-ita-2026h1-dsa_information_order-requests_received": (
        "facebook-dsa-2026h1-member-states-orders-csv-archive",
        201,
    ),
    "instagram-deu-2025h2-dsa_information_order-requests_received": (
        "instagram-dsa-2025h2-member-states-orders-csv-archive",
        1314,
    ),
    "instagram-svk-2025h2-dsa_information_order-requests_received": (
        "instagram-dsa-2025h2-member-states-orders-csv-archive",
        0,
    ),
    "instagram-fra-2026h1-dsa_information_order-requests_received": (
        "instagram-dsa-2026h1-member-states-orders-csv-archive",
        303,
    ),
    "instagram-lux-2026h1-dsa_information_order-requests_received": (
        "instagram-dsa-2026h1-member-states-orders-csv-archive",
        3,
    ),
    "x-deu-2025h2-dsa_information_order-requests_received": ("x-dsa-2025h2-member-states-orders-csv-archive", 3396),
    "x-fra-2025h2-dsa_information_order-requests_received": ("x-dsa-2025h2-member-states-orders-csv-archive", 1751),
    "x-grc-2025h2-dsa_information_order-requests_received": ("x-dsa-2025h2-member-states-orders-csv-archive", 30),
    "x-eu-2026h1-dsa_information_order-requests_received": ("x-dsa-2026h1-member-states-orders-csv-archive", 5341),
    "x-deu-2026h1-dsa_information_order-requests_received": ("x-dsa-2026h1-member-states-orders-csv-archive", 2286),
    "x-bgr-2026h1-dsa_information_order-requests_received": ("x-dsa-2026h1-member-states-orders-csv-archive", 3),
    "x-svn-2026h1-dsa_information_order-requests_received": ("x-dsa-2026h1-member-states-orders-csv-archive", 0),
}


def test_pinned_member_state_orders_in_the_built_database(real_db):
    conn = sqlite3.connect(real_db)
    for figure_id, (source, value) in PINNED.items():
        row = conn.execute("SELECT source_id, value FROM figures WHERE figure_id = ?", (figure_id,)).fetchone()
        assert row == (source, value), figure_id


def test_x_first_export_corroborates_the_member_states_it_has(real_db):
    # X's first January-June 2026 export agrees on the EU total and on 20 member states; it has
    # no rows for BG, EE, HR, LU or LV, which only the corrected export (the figures' source) gives.
    conn = sqlite3.connect(real_db)
    corroborated = {
        row[0]
        for row in conn.execute(
            "SELECT figure_id FROM corroborations WHERE source_id = ?",
            ("x-dsa-2026h1-member-states-orders-first-export-csv-archive",),
        )
    }
    assert len(corroborated) == 21
    assert "x-eu-2026h1-dsa_information_order-requests_received" in corroborated
    assert "x-deu-2026h1-dsa_information_order-requests_received" in corroborated
    assert "x-bgr-2026h1-dsa_information_order-requests_received" not in corroborated
    assert "x-lva-2026h1-dsa_information_order-requests_received" not in corroborated


# (platform, period start): member states with a TOTAL row in the stored file. X's July-December
# 2025 table has no block for BG, CY, EE, HR, LU, LV or SK; its January-June 2026 one none for CY or SK.
COMPLETE = {
    ("facebook", "2025-07-01"): 27,
    ("facebook", "2026-01-01"): 27,
    ("instagram", "2025-07-01"): 27,
    ("instagram", "2026-01-01"): 27,
    ("x", "2025-07-01"): 20,
    ("x", "2026-01-01"): 25,
}


def test_member_states_add_up_to_each_files_own_eu_total(real_db):
    conn = sqlite3.connect(real_db)
    for (platform, start), states in COMPLETE.items():
        eu = conn.execute(
            "SELECT value FROM figures WHERE platform_id = ? AND period_start = ? AND jurisdiction_id = 'EU'"
            " AND request_type_id = 'dsa_information_order'",
            (platform, start),
        ).fetchone()[0]
        count, total = conn.execute(
            "SELECT count(*), sum(value) FROM figures WHERE platform_id = ? AND period_start = ?"
            " AND jurisdiction_id != 'EU' AND request_type_id = 'dsa_information_order'",
            (platform, start),
        ).fetchone()
        assert (count, total) == (states, eu), (platform, start)
