"""Gaps inside a series are shown, as "no figures in the stored sources", never as zero.

LinkedIn published no U.S. breakdown by legal process for 2022: its court-order, subpoena,
search-warrant, other and NSL series run 2015-H1 to 2025-H2 with nothing for 2022, while the
coverage matrix (per jurisdiction) shows the U.S. as reported for 2022 through its totals.
"""

from __future__ import annotations

import re

import pytest

from disclosures import freshness
from tests.conftest import plugin, rows

HALVES_2021_2023 = [
    ("2021-01-01", "2021-06-30", "half"),
    ("2021-07-01", "2021-12-31", "half"),
    ("2023-01-01", "2023-06-30", "half"),
    ("2023-07-01", "2023-12-31", "half"),
]


def test_a_missing_year_of_a_half_yearly_series_is_two_gaps():
    assert freshness.series_gaps(HALVES_2021_2023) == (
        "half",
        [("2022-01-01", "2022-06-30"), ("2022-07-01", "2022-12-31")],
    )


def test_a_figure_over_a_longer_period_leaves_no_gap_under_it():
    periods = [*HALVES_2021_2023, ("2022-01-01", "2022-12-31", "year")]
    assert freshness.series_gaps(periods) == ("half", [])
    # Nor does a January–September figure for the first half.
    periods = [*HALVES_2021_2023, ("2022-01-01", "2022-09-30", "year_to_date")]
    assert freshness.series_gaps(periods) == ("half", [])


def test_the_series_cadence_is_its_most_common_regular_period():
    quarters = [("2024-01-01", "2024-03-31", "quarter"), ("2024-10-01", "2024-12-31", "quarter")]
    assert freshness.series_gaps([*quarters, ("2024-01-01", "2024-12-31", "year")]) == ("quarter", [])
    assert freshness.series_gaps(quarters) == (
        "quarter",
        [("2024-04-01", "2024-06-30"), ("2024-07-01", "2024-09-30")],
    )
    assert freshness.series_gaps([("2024-01-01", "2024-09-30", "year_to_date")]) is None


LEGAL_PROCESS = ["court_order", "nsl", "other", "search_warrant", "subpoena"]


@pytest.mark.parametrize("request_type", LEGAL_PROCESS)
def test_linkedins_us_breakdown_has_its_2022_gap_in_the_build(real_db, request_type):
    gaps = rows(
        real_db,
        "SELECT period_label FROM series_gaps WHERE platform_id = 'linkedin' AND request_type_id = ? ORDER BY 1",
        request_type,
    )
    assert gaps == [("2022h1",), ("2022h2",)]


def test_linkedins_main_series_has_no_gap(real_db):
    assert rows(real_db, "SELECT * FROM series_gaps WHERE platform_id = 'linkedin' AND request_type_id = 'all'") == []


def test_no_gap_has_a_figure(real_db):
    # A gap is a period the stored sources say nothing about: no figure of the series overlaps it.
    overlapping = rows(
        real_db,
        """SELECT g.platform_id, g.request_type_id, g.period_label FROM series_gaps g JOIN figures f
           ON f.platform_id = g.platform_id AND f.request_type_id = g.request_type_id
           AND f.period_start <= g.period_end AND g.period_start <= f.period_end LIMIT 5""",
    )
    assert overlapping == []
    assert rows(real_db, "SELECT count(*) FROM series_gaps")[0][0] > 0


def test_gap_names_name_a_whole_year_once():
    explore = plugin("explore")
    assert explore.gap_names([("2022-07-01", "2022-12-31"), ("2022-01-01", "2022-06-30")]) == ["2022"]
    assert explore.gap_names([("2021-07-01", "2021-12-31"), ("2022-01-01", "2022-06-30")]) == ["H2 2021", "H1 2022"]
    assert explore.gap_names([("2024-01-01", "2024-03-31"), ("2024-07-01", "2024-09-30")]) == ["Q1 2024", "Q3 2024"]


def test_the_linkedin_page_says_there_are_no_figures_for_2022(site):
    page = site.get("/platform/linkedin")
    assert page.status_code == 200
    section = re.search(r'<dd class="series-gaps">(.*?)</dd>', page.text, re.DOTALL)
    assert section, "the platform page shows no gaps"
    text = re.sub(r"<[^>]+>", " ", section.group(1))
    assert "No figures in the stored sources (a gap, not zero)" in text
    line = next(li for li in re.findall(r"<li>(.*?)</li>", section.group(1)) if "Subpoenas" in li)
    assert line.endswith(": 2022")
    for label in ("Court orders", "National Security Letters", "Search warrants", "Subpoenas"):
        assert label in line
    assert "0" not in line.split(":")[-1].replace("2022", "")
    assert 'href="/disclosures/series_gaps?platform_id=linkedin"' in section.group(1)
    assert (
        site.get("/disclosures/series_gaps.json?platform_id=linkedin&_size=0").json()["filtered_table_rows_count"] == 12
    )


def test_a_platform_without_gaps_shows_none(site, real_db):
    with_gaps = {r[0] for r in rows(real_db, "SELECT DISTINCT platform_id FROM series_gaps")}
    without = sorted({r[0] for r in rows(real_db, "SELECT DISTINCT platform_id FROM figures")} - with_gaps)
    assert without
    assert 'class="series-gaps"' not in site.get(f"/platform/{without[0]}").text
