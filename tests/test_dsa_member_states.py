"""EU DSA orders to provide information per member state, from transcribed excerpts of the stored
3_member_states_orders.csv files (format ``dsa-member-state-orders-excerpt``): locators without line
numbers, the EU's own country codes, blank cells, idempotence, and pinned figures in the built database.

The fixtures under tests/fixtures/importers/dsa-excerpt/ are real records of the stored files
(krMaynard/dsa-transparency-data @ 91abc2ff32c4db04e778a636bb1794c3ec368b3d), each copied verbatim.
"""

from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path

import pytest

from disclosures.importers import core, dsa, plan_import, write_plan
from disclosures.importers.registry import FORMATS
from disclosures.paths import ROOT

EXCERPTS = ROOT / "tests" / "fixtures" / "importers" / "dsa-excerpt"


def by_id(parsed) -> dict:
    return {core.figure_id_for(r): r for r in parsed.records}


def test_excerpt_locators_name_the_record_by_its_key_columns_and_no_line():
    parsed = FORMATS["dsa-member-state-orders-excerpt"].parse(EXCERPTS / "google" / "3_member_states_orders.csv")
    germany = by_id(parsed)["google-deu-2025h2-dsa_information_order-requests_received"]
    assert germany.value == "44"
    assert germany.source_locator == "3_member_states_orders.csv (Service=Multi-Services, Category=TOTAL, Scope=DE)"
    assert germany.quote == "All,Multi-Services,2025-07-01/2025-12-31,TOTAL,,DE,,,,,44,0,166,,,,,,,"
    # The same file read as a stored file keeps its line numbers (the excerpt's own, here).
    stored = dsa.parse_member_state_orders(EXCERPTS / "google" / "3_member_states_orders.csv")
    assert by_id(stored)["google-deu-2025h2-dsa_information_order-requests_received"].source_locator == (
        "3_member_states_orders.csv line 4 (Service=Multi-Services, Category=TOTAL, Scope=DE)"
    )


def test_a_blank_orders_cell_is_a_skip_and_never_a_zero():
    parsed = dsa.parse_member_state_orders(EXCERPTS / "google" / "3_member_states_orders.csv", excerpt=True)
    assert "google-bel-2025h2-dsa_information_order-requests_received" not in by_id(parsed)
    (belgium,) = [s for s in parsed.skips if "Scope=BE" in s.source_locator]
    assert belgium.reason == "blank 'Number of orders to provide information': no figure (not a zero)"
    assert belgium.quote == "All,Multi-Services,2025-07-01/2025-12-31,TOTAL,,BE,3,3,0,,,,,,,,,,,"


def test_the_eus_own_code_el_is_greece_and_a_zero_is_a_figure():
    parsed = dsa.parse_member_state_orders(EXCERPTS / "snap" / "3_member_states_orders.csv", excerpt=True)
    figures = by_id(parsed)
    assert figures["snap-grc-2025h2-dsa_information_order-requests_received"].value == "9"
    assert figures["snap-svk-2025h2-dsa_information_order-requests_received"].value == "0"
    assert parsed.skips == []


def test_an_unknown_scope_code_is_a_skip_with_its_reason(tmp_path):
    source = (EXCERPTS / "snap" / "3_member_states_orders.csv").read_text(encoding="utf-8")
    excerpt = tmp_path / "3_member_states_orders.csv"
    excerpt.write_text(source.replace(",EL,", ",XX,"), encoding="utf-8")
    parsed = dsa.parse_member_state_orders(excerpt, excerpt=True)
    assert "snap-grc-2025h2-dsa_information_order-requests_received" not in by_id(parsed)
    assert [s.reason for s in parsed.skips] == ["scope 'XX' is not in jurisdictions"]


@pytest.fixture
def data_copy(tmp_path) -> Path:
    folder = tmp_path / "data"
    shutil.copytree(ROOT / "data", folder)
    return folder


def test_importing_an_excerpt_twice_changes_nothing_and_keeps_existing_line_locators(data_copy):
    parsed = dsa.parse_member_state_orders(EXCERPTS / "snap" / "3_member_states_orders.csv", excerpt=True)
    source = "snap-dsa-2025h2-member-states-orders-csv-archive"
    # Everything in the excerpt is in data/ already: nothing to add, and Austria's figure keeps the
    # locator with the stored file's line that an earlier import gave it.
    plan = plan_import(parsed, source, data_copy)
    assert plan.writes_nothing and len(plan.same) == len(parsed.records)
    before = (data_copy / "figures.csv").read_bytes()
    assert write_plan(plan, data_copy) == {}
    assert (data_copy / "figures.csv").read_bytes() == before
    austria = next(r for r in plan.same if r["jurisdiction_id"] == "AUT")
    assert austria["source_locator"] == "3_member_states_orders.csv line 95 (Service=Snap, Category=TOTAL, Scope=AT)"


# Pinned figures in the built database -------------------------------------------------------

PINNED = {
    "google-deu-2025h2-dsa_information_order-requests_received": (
        "google-multi-services-dsa-2025h2-member-states-orders-csv-archive",
        44,
    ),
    "google-fra-2025h2-dsa_information_order-requests_received": (
        "google-multi-services-dsa-2025h2-member-states-orders-csv-archive",
        5,
    ),
    "google-pol-2025h2-dsa_information_order-requests_received": (
        "google-multi-services-dsa-2025h2-member-states-orders-csv-archive",
        1,
    ),
    "google-deu-2026h1-dsa_information_order-requests_received": (
        "google-multi-services-dsa-2026h1-member-states-orders-csv-archive",
        51,
    ),
    "google-cyp-2026h1-dsa_information_order-requests_received": (
        "google-multi-services-dsa-2026h1-member-states-orders-csv-archive",
        1,
    ),
    "pinterest-deu-2025h2-dsa_information_order-requests_received": (
        "pinterest-dsa-2025h2-member-states-orders-csv-archive",
        15,
    ),
    "pinterest-dnk-2025h2-dsa_information_order-requests_received": (
        "pinterest-dsa-2025h2-member-states-orders-csv-archive",
        0,
    ),
    "amazon_store-eu-2026h1-dsa_information_order-requests_received": (
        "amazon-store-dsa-2026h1-member-states-orders-csv-archive",
        660,
    ),
    "youtube-eu-2025h2-dsa_information_order-requests_received": (
        "youtube-dsa-2025h2-member-states-orders-csv-archive",
        8,
    ),
    "snap-deu-2025h2-dsa_information_order-requests_received": (
        "snap-dsa-2025h2-member-states-orders-csv-archive",
        6081,
    ),
    "snap-grc-2025h2-dsa_information_order-requests_received": ("snap-dsa-2025h2-member-states-orders-csv-archive", 9),
    "snap-nld-2025h2-dsa_information_order-requests_received": (
        "snap-dsa-2025h2-member-states-orders-csv-archive",
        1048,
    ),
    "snap-svk-2025h2-dsa_information_order-requests_received": ("snap-dsa-2025h2-member-states-orders-csv-archive", 0),
}

# (platform, period start): member states with a figure. Their orders sum to the EU total row.
COMPLETE = {
    ("google", "2025-07-01"): 6,  # the other 21 states leave the cell blank
    ("google", "2026-01-01"): 5,  # the other 22 give no orders to provide information
    ("pinterest", "2025-07-01"): 8,  # only states that sent orders have a row
    ("pinterest", "2026-01-01"): 8,
    ("snap", "2025-07-01"): 27,
    ("tiktok", "2025-07-01"): 27,
    ("tiktok", "2026-01-01"): 27,
}


def test_pinned_member_state_orders_in_the_built_database(real_db):
    conn = sqlite3.connect(real_db)
    for figure_id, (source, value) in PINNED.items():
        row = conn.execute("SELECT source_id, value FROM figures WHERE figure_id = ?", (figure_id,)).fetchone()
        assert row == (source, value), figure_id


def test_member_states_sum_to_the_eu_total_where_the_file_is_complete(real_db):
    conn = sqlite3.connect(real_db)
    for (platform, start), states in COMPLETE.items():
        (eu,) = conn.execute(
            "SELECT value FROM figures WHERE platform_id = ? AND period_start = ? AND jurisdiction_id = 'EU' "
            "AND request_type_id = 'dsa_information_order'",
            (platform, start),
        ).fetchone()
        count, total = conn.execute(
            "SELECT count(*), sum(value) FROM figures WHERE platform_id = ? AND period_start = ? "
            "AND jurisdiction_id != 'EU' AND request_type_id = 'dsa_information_order' AND is_derived = 0",
            (platform, start),
        ).fetchone()
        assert (count, total) == (states, eu), (platform, start)
