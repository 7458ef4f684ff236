"""YouTube's EU DSA orders to provide information per member state (its own harmonised table, apart
from Google's 'Multi-Services' table), July-December 2025 and January-June 2026.

tests/fixtures/importers/dsa-excerpt/youtube-2026h1/ holds real records of the stored January-June 2026
file (krMaynard/dsa-transparency-data @ 44e61041274eca0aadd87d05e9703a5e0f197692,
google/youtube/3_member_states_orders.csv), copied verbatim: in that version a record ends after its
last non-empty cell, so a state that gave only orders to act has no cell at all for orders to provide
information.
"""

from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path

import pytest

from disclosures.importers import core, dsa, plan_import
from disclosures.paths import ROOT

EXCERPT = ROOT / "tests" / "fixtures" / "importers" / "dsa-excerpt" / "youtube-2026h1" / "3_member_states_orders.csv"
SOURCE_2026H1 = "youtube-dsa-2026h1-member-states-orders-csv-archive"
SOURCE_2025H2 = "youtube-dsa-2025h2-member-states-orders-csv-archive"


@pytest.fixture(scope="module")
def parsed():
    return dsa.parse_member_state_orders(EXCERPT, excerpt=True)


def test_states_with_orders_to_provide_information_become_figures(parsed):
    figures = {core.figure_id_for(r): r for r in parsed.records}
    assert {fid: r.value for fid, r in figures.items()} == {
        "youtube-eu-2026h1-dsa_information_order-requests_received": "12",
        "youtube-deu-2026h1-dsa_information_order-requests_received": "6",
        "youtube-ita-2026h1-dsa_information_order-requests_received": "6",
    }
    italy = figures["youtube-ita-2026h1-dsa_information_order-requests_received"]
    assert italy.quote == "All,YouTube,2026-01-01/2026-06-30,TOTAL,,IT,,,,,6,0,222"
    assert italy.source_locator == "3_member_states_orders.csv (Service=YouTube, Category=TOTAL, Scope=IT)"
    assert "never added" in italy.notes and "Multi-Services" in italy.notes


def test_a_record_that_ends_before_the_orders_column_is_no_figure_and_never_a_zero(parsed):
    # Estonia gave 2 orders to act and its record stops there; Austria's record has no value at all.
    skipped = {s.source_locator.rsplit("=", 1)[1].rstrip(")"): s for s in parsed.skips}
    assert set(skipped) == {"AT", "EE"}
    assert skipped["EE"].quote == "All,YouTube,2026-01-01/2026-06-30,TOTAL,,EE,2,8,0"
    assert skipped["EE"].reason == "blank 'Number of orders to provide information': no figure (not a zero)"


@pytest.fixture
def data_copy(tmp_path) -> Path:
    folder = tmp_path / "data"
    shutil.copytree(ROOT / "data", folder)
    return folder


def test_importing_the_excerpt_again_changes_nothing_and_keeps_the_eu_totals_line(parsed, data_copy):
    plan = plan_import(parsed, SOURCE_2026H1, data_copy)
    assert plan.writes_nothing and not plan.changes and len(plan.same) == len(parsed.records)
    eu = next(r for r in plan.same if r["jurisdiction_id"] == "EU")
    assert eu["source_locator"] == "3_member_states_orders.csv line 2 (Service=YouTube, Category=TOTAL, Scope=TOTAL)"


PINNED = {
    "youtube-deu-2025h2-dsa_information_order-requests_received": (SOURCE_2025H2, 7),
    "youtube-grc-2025h2-dsa_information_order-requests_received": (SOURCE_2025H2, 1),
    "youtube-eu-2026h1-dsa_information_order-requests_received": (SOURCE_2026H1, 12),
    "youtube-deu-2026h1-dsa_information_order-requests_received": (SOURCE_2026H1, 6),
    "youtube-ita-2026h1-dsa_information_order-requests_received": (SOURCE_2026H1, 6),
}


def test_pinned_youtube_member_state_orders_in_the_built_database(real_db):
    conn = sqlite3.connect(real_db)
    for figure_id, expected in PINNED.items():
        row = conn.execute("SELECT source_id, value FROM figures WHERE figure_id = ?", (figure_id,)).fetchone()
        assert row == expected, figure_id
    # Italy gave YouTube only orders to act in July-December 2025: no figure, not a zero.
    assert not conn.execute(
        "SELECT 1 FROM figures WHERE figure_id = 'youtube-ita-2025h2-dsa_information_order-requests_received'"
    ).fetchone()
    # In both periods the member states add up to the EU total, and no other request type is under youtube.
    for start, states, eu in (("2025-07-01", 2, 8), ("2026-01-01", 2, 12)):
        count, total = conn.execute(
            "SELECT count(*), sum(value) FROM figures WHERE platform_id = 'youtube' AND period_start = ? "
            "AND jurisdiction_id != 'EU' AND is_derived = 0",
            (start,),
        ).fetchone()
        assert (count, total) == (states, eu), start
    assert {
        t for (t,) in conn.execute("SELECT DISTINCT request_type_id FROM figures WHERE platform_id = 'youtube'")
    } == {"dsa_information_order"}


def test_google_services_eu_totals_are_their_own_platforms_and_a_zero_is_kept(real_db, tmp_path):
    # Google Search's January-June 2026 EU row carries a quoted note with commas; the record is quoted whole.
    stored = tmp_path / "3_member_states_orders.csv"
    header = EXCERPT.read_text(encoding="utf-8").splitlines()[0]
    record = (
        "All,Google Search,2026-01-01/2026-06-30,TOTAL,,TOTAL,663,40224,3,44,0,,,,,"
        '"Due to a technical error, automated order receipt confirmations were temporarily impacted in some cases. '
        'This issue has been resolved."'
    )
    stored.write_text(f"{header}\n{record}\n", encoding="utf-8")
    (search,) = dsa.parse_member_state_orders(stored).records
    assert (search.platform_id, search.jurisdiction_id, search.value) == ("google_search", "EU", "0")
    assert search.quote == record
    conn = sqlite3.connect(real_db)
    services = conn.execute(
        "SELECT platform_id, count(*), sum(value) FROM figures WHERE platform_id IN "
        "('google_play', 'google_search', 'google_maps', 'google_shopping') GROUP BY platform_id ORDER BY 1"
    ).fetchall()
    assert services == [(p, 2, 0) for p in ("google_maps", "google_play", "google_search", "google_shopping")]
