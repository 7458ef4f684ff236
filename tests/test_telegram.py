"""Well-known Telegram figures, pinned against the built database (issue: Telegram curation)."""

import re

import pytest

from disclosures import paths, readme
from disclosures.files import read_csv
from tests.conftest import rows

# (jurisdiction, period label, requests fulfilled, affected users, derived?)
PINNED = [
    ("USA", "20240101-20240930", 14, 108, 0),
    ("USA", "2024", 900, 2253, 0),
    ("USA", "2024q4", 886, 2145, 1),
    ("USA", "2025q1", 576, 1664, 0),
    ("IND", "2024", 14641, 23535, 0),
    ("IND", "2025q1", 9197, 9941, 0),
    ("DEU", "2024", 945, 2237, 0),
    ("DEU", "2024q4", 892, 2122, 1),
    ("DEU", "2025q1", 1311, 3777, 0),
    ("FRA", "2024", 893, 2072, 0),
    ("FRA", "2025q1", 668, 1425, 0),
    ("BRA", "2024", 302, 1008, 0),
    ("BRA", "2025q1", 78, 221, 0),
]


@pytest.mark.parametrize("jurisdiction, period, requests, users, derived", PINNED)
def test_pinned_telegram_figures(real_db, jurisdiction, period, requests, users, derived):
    found = rows(
        real_db,
        """SELECT metric_id, value, is_derived FROM figures
                             WHERE platform_id = 'telegram' AND request_type_id = 'ip_or_phone'
                               AND jurisdiction_id = ? AND period_label = ? ORDER BY metric_id""",
        jurisdiction,
        period,
    )
    assert found == [("accounts_affected", users, derived), ("requests_fulfilled", requests, derived)]


def test_derived_q4_2024_traces_to_the_year_and_jan_sep(real_db):
    inputs = rows(
        real_db,
        """SELECT i.input_figure_id, i.sign, f.value FROM figure_inputs i
                              JOIN figures f ON f.figure_id = i.input_figure_id
                              WHERE i.figure_id = 'telegram-usa-2024q4-ip_or_phone-requests_fulfilled-derived'
                              ORDER BY i.sign DESC""",
    )
    assert inputs == [
        ("telegram-usa-2024-ip_or_phone-requests_fulfilled", 1, 900),
        ("telegram-usa-20240101-20240930-ip_or_phone-requests_fulfilled", -1, 14),
    ]


def test_brazil_q4_2024_requests_reported_so_not_derived(real_db):
    # Núcleo reported Q4 requests (99) but no Q4 users: only the users are derived.
    assert rows(
        real_db,
        """SELECT metric_id, value, is_derived FROM figures WHERE platform_id = 'telegram'
                            AND jurisdiction_id = 'BRA' AND period_label = '2024q4' ORDER BY metric_id""",
    ) == [("accounts_affected", 639, 1), ("requests_fulfilled", 99, 0)]


def test_telegram_reports_only_its_two_numbers(real_db):
    assert rows(
        real_db,
        """SELECT DISTINCT request_type_id, metric_id FROM figures WHERE platform_id = 'telegram'
                            ORDER BY metric_id""",
    ) == [("ip_or_phone", "accounts_affected"), ("ip_or_phone", "requests_fulfilled")]


def test_no_worldwide_telegram_figure(real_db):
    # "Global" totals in the press are sums over collected countries: never a Telegram figure.
    assert rows(
        real_db, "SELECT count(*) FROM figures WHERE platform_id = 'telegram' AND jurisdiction_id = 'WORLD'"
    ) == [(0,)]


def test_telegram_series_never_counts_a_period_twice(real_db):
    total = rows(
        real_db,
        """SELECT sum(value) FROM figures_series WHERE platform_id = 'telegram'
                             AND jurisdiction_id = 'USA' AND metric_id = 'requests_fulfilled'
                             AND period_end <= '2024-12-31'""",
    )
    assert total == [(900,)]


def test_readme_coverage_matrix_is_current(real_db):
    import sqlite3

    with sqlite3.connect(real_db) as conn:
        current = paths.README.read_text(encoding="utf-8")
        assert readme.render(current, conn) == current, "README is stale: run make readme"


BOT_COUNTRY = re.compile(r"Fulfilled requests from (.+?) for IP address and/or phone number")


def test_the_wording_names_the_country_as_the_quoted_bot_text_does():
    # platform_wording is the bot's own text: where the figure's quote, its notes or a
    # corroboration quotes the bot verbatim, the country is named the same way ("the United
    # States of America" in the 2024 reports; the dataset had dropped "the").
    figure_rows = read_csv(paths.ROOT / "data" / "figures.csv")
    figures = {r["figure_id"]: r for r in figure_rows if r["platform_id"] == "telegram"}
    quoted: dict[str, list[str]] = {f: [r["quote"], r["notes"]] for f, r in figures.items()}
    for row in read_csv(paths.ROOT / "data" / "corroborations.csv"):
        if row["figure_id"] in quoted:
            quoted[row["figure_id"]].append(row["quote"])
    differing = []
    for figure_id, row in figures.items():
        named = BOT_COUNTRY.fullmatch(row["platform_wording"])
        if not named or named.group(1) == "…":
            continue
        for text in quoted[figure_id]:
            differing += [(figure_id, named.group(1), q) for q in BOT_COUNTRY.findall(text) if q != named.group(1)]
    assert differing == []
    assert (
        figures["telegram-usa-2024-ip_or_phone-requests_fulfilled"]["platform_wording"]
        == "Fulfilled requests from the United States of America for IP address and/or phone number"
    )
