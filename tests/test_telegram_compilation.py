"""The Telegram compilation @ 839ed54 (2026-05-30) as imported, pinned against the built database.

Its 299 records give 598 numbers: 406 are figures, 187 corroborations (80 of them of figures the
build derives: the compiler's Q4 2024 subtractions and full-year 2025 sums) and 5 recorded
disagreements (Argentina's 2025 sum of Jan-Jun, Q3 and Q4, Moldova's Jan-Jun 2025 sum, Great
Britain's Q4 2024 users). None is dropped.
"""

import html

import pytest

from disclosures.importers.core import read_mapping
from disclosures.importers.telegram_compilation import MAPPING
from tests.conftest import rows

SOURCE = "te-k-telegram-transparency-dataset-839ed54"

# (jurisdiction, period label, period kind, requests fulfilled, affected users)
PINNED = [
    ("FRA", "2026q1", "quarter", 630, 1040),
    ("USA", "2026q1", "quarter", 110, 297),
    ("DEU", "2026q1", "quarter", 1022, 2443),
    ("IND", "2025q4", "quarter", 12146, 8855),
    ("KOR", "2025q3", "quarter", 589, 1408),
    ("GBR", "2025q4", "quarter", 705, 1442),
    ("MDA", "2025q2", "quarter", 0, 0),
    ("ARG", "2025h1", "half", 1, 2),
    ("ARE", "20250401-20250930", "other", 0, 0),
    ("MDG", "20240101-20240930", "year_to_date", 0, 0),
]


@pytest.mark.parametrize("jurisdiction, period, kind, requests, users", PINNED)
def test_new_compilation_figures(real_db, jurisdiction, period, kind, requests, users):
    found = rows(
        real_db,
        """SELECT metric_id, value, period_kind, source_id, is_derived FROM figures
           WHERE platform_id = 'telegram' AND jurisdiction_id = ? AND period_label = ? ORDER BY metric_id""",
        jurisdiction,
        period,
    )
    assert found == [
        ("accounts_affected", users, kind, SOURCE, 0),
        ("requests_fulfilled", requests, kind, SOURCE, 0),
    ]


def test_reconciliation_every_number_of_the_file_is_cited(real_db):
    counts = rows(
        real_db,
        """SELECT (SELECT count(*) FROM figures WHERE source_id = :s),
                  (SELECT count(*) FROM corroborations WHERE source_id = :s),
                  (SELECT count(*) FROM corroborations c JOIN figures f USING (figure_id)
                     WHERE c.source_id = :s AND f.is_derived = 1),
                  (SELECT count(*) FROM disagreements WHERE source_id = :s)""".replace(":s", "?"),
        *[SOURCE] * 4,
    )
    # 41 figures that rested on press now rest on the compilation, a stronger tier (issue 11): their
    # corroborations by the compilation became figures' sources, so the total cited stays 593.
    assert counts == [(447, 146, 80, 5)]
    assert 406 + 187 + 5 == 2 * 299


def test_the_compilers_q4_2024_corroborates_the_derived_figure(real_db):
    assert rows(
        real_db,
        """SELECT f.value, f.derivation, c.quote FROM corroborations c JOIN figures f USING (figure_id)
           WHERE c.source_id = ? AND c.figure_id = 'telegram-usa-2024q4-ip_or_phone-requests_fulfilled-derived'""",
        SOURCE,
    ) == [
        (
            886,
            "telegram-usa-2024-ip_or_phone-requests_fulfilled - telegram-usa-20240101-20240930-ip_or_phone-requests_fulfilled",
            '{"from": "20241001", "to": "20241231", "requests": 886, "users": 2145}',
        )
    ]


def test_the_compilers_2025_total_corroborates_the_derived_year_sum(real_db):
    assert rows(
        real_db,
        """SELECT f.value, f.derivation, c.quote FROM corroborations c JOIN figures f USING (figure_id)
           WHERE c.source_id = ? AND c.figure_id = 'telegram-usa-2025-ip_or_phone-requests_fulfilled-derived'""",
        SOURCE,
    ) == [
        (
            1706,
            " + ".join(f"telegram-usa-2025q{q}-ip_or_phone-requests_fulfilled" for q in range(1, 5)),
            '{"from": "20250101", "to": "20251231", "requests": 1706, "users": 4807}',
        )
    ]


def test_sums_of_the_compiler_are_no_figures_but_recorded_disagreements(real_db):
    assert rows(
        real_db,
        """SELECT count(*) FROM figures WHERE platform_id = 'telegram' AND is_derived = 0
           AND ((jurisdiction_id = 'MDA' AND period_label = '2025h1') OR (jurisdiction_id = 'ARG' AND period_label = '2025'))""",
    ) == [(0,)]
    assert rows(
        real_db,
        """SELECT disagreement_id, claimed_value, kind FROM disagreements
           WHERE source_id = ? AND disagreement_id LIKE 'te-k-mda-2025h1-%' ORDER BY disagreement_id""",
        SOURCE,
    ) == [
        ("te-k-mda-2025h1-sum-accounts_affected", 6, "arithmetic_total"),
        ("te-k-mda-2025h1-sum-requests_fulfilled", 2, "arithmetic_total"),
    ]


def test_irregular_periods_join_the_series_without_counting_twice(real_db):
    # The UAE: Q1 2025, then Apr-Sep 2025 as one period; Moldova: Q1 and Q2, never their sum.
    assert rows(
        real_db,
        """SELECT jurisdiction_id, period_label FROM figures_series WHERE platform_id = 'telegram'
           AND metric_id = 'requests_fulfilled' AND jurisdiction_id IN ('ARE', 'MDA') AND year = 2025
           ORDER BY jurisdiction_id, period_start""",
    ) == [("ARE", "2025q1"), ("ARE", "20250401-20250930"), ("MDA", "2025q1"), ("MDA", "2025q2")]


def test_cumulative_reports_named_in_the_mapping_are_the_bots_own_periods():
    mapping = read_mapping(MAPPING)
    assert mapping.labels("cumulative_report") == ["20240101-20240930", "20240101-20241231"]


def test_a_derived_figure_page_shows_the_compilation_that_corroborates_it(site):
    page = site.get("/figure/telegram-usa-2024q4-ip_or_phone-requests_fulfilled-derived")
    assert page.status_code == 200
    text = html.unescape(page.text)
    assert "Corroborated by" in text
    assert "commit 839ed54" in text
    assert '"requests": 886' in text
