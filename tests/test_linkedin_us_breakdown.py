"""LinkedIn's "Breakdown of U.S. government requests for data": key/value tables per half-year, read
by the ``linkedin-government-requests`` format. Shares of legal process types stay percentages,
national-security figures stay bands, FISA rows move to the half-year they report, a blank cell is no
figure, and the page's one self-contradiction is a recorded disagreement.

tests/fixtures/importers/linkedin-us-breakdown.html holds real tables of the stored page
(krMaynard/dsa-transparency-data @ 36ae5fc0a1fb35ebe05f20f874b72d20b97ab3b8), layout markup removed.
"""

from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path

import pytest

from disclosures.files import read_csv
from disclosures.importers import core, linkedin, plan_import
from disclosures.paths import ROOT

FIXTURE = ROOT / "tests" / "fixtures" / "importers" / "linkedin-us-breakdown.html"
SOURCE = "linkedin-government-requests-report-html-archive"


@pytest.fixture(scope="module")
def parsed():
    return linkedin.parse_government_requests(FIXTURE)


def by_id(parsed) -> dict:
    return {core.figure_id_for(r): r for r in parsed.records}


def test_legal_process_shares_are_percentages_of_requests_never_counts(parsed):
    figures = by_id(parsed)
    subpoenas = figures["linkedin-usa-2020h1-subpoena-percent_of_requests"]
    assert (subpoenas.value_kind, subpoenas.value) == ("exact", "63")
    assert subpoenas.quote == "Subpoenas [2] | 63%"
    assert subpoenas.platform_wording == "Subpoenas"
    assert subpoenas.source_locator == "linkedin-us-breakdown.html 2020 H1 U.S. breakdown row 4 (Subpoenas)"
    assert figures["linkedin-usa-2020h1-court_order-percent_of_requests"].value == "25"
    assert figures["linkedin-usa-2020h1-search_warrant-percent_of_requests"].value == "11"
    # "Other [5] 0%" is a reported zero share, not a blank
    assert figures["linkedin-usa-2019h2-other-percent_of_requests"].value == "0"
    assert not any(r.metric_id == "requests_received" and r.request_type_id == "subpoena" for r in parsed.records)


def test_national_security_figures_are_bands(parsed):
    figures = by_id(parsed)
    accounts = figures["linkedin-usa-2019h1-national_security-accounts_specified"]
    assert (accounts.value_kind, accounts.value, accounts.value_low, accounts.value_high) == ("band", "", "250", "499")
    letters = figures["linkedin-usa-2020h1-nsl-requests_received"]
    assert (letters.value_low, letters.value_high) == ("0", "499")


def test_a_fisa_row_reports_the_half_year_before_its_table(parsed):
    fisa = [r for r in parsed.records if r.request_type_id == "fisa"]
    # The "2020: January-June" table's FISA row is July-December 2019 (footnote [6]); the
    # "2019: July-December" table's FISA cell is blank.
    assert [(r.period_start, r.period_end, r.value_low, r.value_high) for r in fisa] == [
        ("2019-07-01", "2019-12-31", "0", "499")
    ]
    assert "2020 H1 U.S. breakdown row 10" in fisa[0].source_locator
    assert "delayed by 6 months" in fisa[0].notes
    (blank,) = [s for s in parsed.skips if "2019 H2 U.S. breakdown row 10" in s.source_locator]
    assert blank.reason == "blank cell: no figure (not a zero)"


def test_sections_the_mapping_leaves_out_are_not_read(parsed):
    assert {r.request_type_id for r in parsed.records} <= {
        "all",
        "subpoena",
        "search_warrant",
        "court_order",
        "other",
        "national_security",
        "nsl",
        "fisa",
    }
    assert not any(r.jurisdiction_id == "AUS" for r in parsed.records)  # content removal
    # ... and each table left out is a skip with the mapping's reason, not passed over silently
    (removal,) = [s for s in parsed.skips if "content removal" in s.source_locator]
    assert removal.reason == "Content removal requests, not requests for member data."


def test_a_section_missing_from_the_mapping_is_a_skip_with_its_reason(tmp_path):
    page = tmp_path / "government-requests-report.html"
    renamed = FIXTURE.read_text(encoding="utf-8").replace(
        "Global government requests for content removal", "Government requests for account suspension"
    )
    page.write_text(renamed, "utf-8")
    parsed = linkedin.parse_government_requests(page)
    (unknown,) = [s for s in parsed.skips if "account suspension" in s.source_locator]
    assert unknown.reason == "section 'Government requests for account suspension' is not in mappings/linkedin.csv"


def test_an_unknown_row_label_is_a_skip_with_its_reason(tmp_path):
    page = tmp_path / "government-requests-report.html"
    page.write_text(FIXTURE.read_text(encoding="utf-8").replace("Court orders [4]", "Pen registers [4]"), "utf-8")
    parsed = linkedin.parse_government_requests(page)
    assert "linkedin-usa-2020h1-court_order-percent_of_requests" not in by_id(parsed)
    unknown = [s for s in parsed.skips if "Pen registers" in s.source_locator]
    assert len(unknown) == 4 and {s.reason for s in unknown} == {"row 'Pen registers' is not in mappings/linkedin.csv"}


@pytest.fixture
def data_copy(tmp_path) -> Path:
    folder = tmp_path / "data"
    shutil.copytree(ROOT / "data", folder)
    return folder


def test_importing_the_tables_again_changes_nothing(parsed, data_copy):
    plan = plan_import(parsed, SOURCE, data_copy)
    assert plan.writes_nothing and not plan.changes
    # Every record is a figure already written from this source, or a skip with its reason.
    assert len(plan.same) + len(plan.skips) == len(parsed.records) + len(parsed.skips)


def test_the_pages_two_answers_for_july_december_2017_are_a_recorded_disagreement(parsed, data_copy):
    figure_id = "linkedin-usa-2017h2-all-percent_requests_some_data"
    country, breakdown = [r for r in parsed.records if core.figure_id_for(r) == figure_id]
    assert (country.value, breakdown.value) == ("76", "69")
    plan = plan_import(parsed, SOURCE, data_copy)
    conflict = [s for s in plan.skips if figure_id in s.reason]
    assert len(conflict) == 2 and all("again with another value" in s.reason for s in conflict)
    # The page's other shared numbers for that half-year agree: one is a repeat of the other.
    assert any("repeats" in s.reason and "2017h2-all-requests_received" in s.reason for s in plan.skips)
    (kept,) = [r for r in read_csv(data_copy / "figures.csv") if r["figure_id"] == figure_id]
    assert kept["value"] == "76"
    (recorded,) = [r for r in read_csv(data_copy / "disagreements.csv") if r["figure_id"] == figure_id]
    assert (recorded["source_id"], recorded["claimed_value"], recorded["kind"]) == (SOURCE, "69", "different_value")
    assert recorded["claimed_text"] == breakdown.quote


PINNED = {
    # (value, value_low, value_high)
    "linkedin-usa-2015h1-all-requests_received": (99, None, None),
    "linkedin-usa-2015h2-all-accounts_specified": (226, None, None),
    "linkedin-usa-2025h2-subpoena-percent_of_requests": (66, None, None),
    "linkedin-usa-2018h1-other-percent_of_requests": (3, None, None),
    "linkedin-usa-2019h1-national_security-accounts_specified": (None, 250, 499),
    "linkedin-usa-2025h1-fisa-requests_received": (None, 0, 499),
    "linkedin-usa-2021h2-nsl-requests_received": (None, 0, 499),
}


def test_pinned_us_breakdown_figures_in_the_built_database(real_db):
    conn = sqlite3.connect(real_db)
    for figure_id, expected in PINNED.items():
        row = conn.execute(
            "SELECT source_id, value, value_low, value_high, is_derived FROM figures WHERE figure_id = ?", (figure_id,)
        ).fetchone()
        assert row == (SOURCE, *expected, 0), figure_id
    # No FISA figure for the half-years whose tables LinkedIn did not publish (the 2022 tables).
    fisa = {
        start
        for (start,) in conn.execute(
            "SELECT period_start FROM figures WHERE platform_id = 'linkedin' AND request_type_id = 'fisa'"
        )
    }
    assert "2021-07-01" not in fisa and "2022-01-01" not in fisa and len(fisa) == 10
    # 2015's two halves are summed by the build, flagged derived.
    (value, derived) = conn.execute(
        "SELECT value, is_derived FROM figures WHERE platform_id = 'linkedin' AND jurisdiction_id = 'USA' "
        "AND request_type_id = 'all' AND metric_id = 'requests_received' AND period_start = '2015-01-01' "
        "AND period_end = '2015-12-31'"
    ).fetchone()
    assert (value, derived) == (225, 1)
