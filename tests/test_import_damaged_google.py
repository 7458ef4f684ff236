"""Google's diplomatic (DLR) and national-security files, damaged: a count below zero, a cell
that is no number and a row cut short are each that row's skip, with its reason; the file's other
rows import, and nothing raises."""

from __future__ import annotations

from disclosures.importers import google
from tests._importer_files import parsed_under_stored_header


def test_a_damaged_diplomatic_row_is_its_own_skip(tmp_path):
    parsed = parsed_under_stored_header(
        google.parse_diplomatic,
        tmp_path,
        "google-global-user-data-dlr-requests.csv",
        [
            "2025-06-30,Germany,DE,Ireland,-78",
            "2025-06-30,France,FR,Ireland,n/a",
            "2025-06-30,Spain,ES,Ireland",
            "2025-13-30,Italy,IT,Ireland,4",
            "2025-06-30,Germany,DE,United States,3",
        ],
    )
    assert [(r.jurisdiction_id, r.value) for r in parsed.records] == [("DEU", "3")]
    assert [(s.quote, s.reason) for s in parsed.skips] == [
        (
            "2025-06-30,Germany,DE,Ireland,-78",
            "User Data Diplomatic Legal requests: '-78' is below zero: a count or percentage never is, "
            "so the row is damaged",
        ),
        ("2025-06-30,France,FR,Ireland,n/a", "User Data Diplomatic Legal requests: not a number: 'n/a'"),
        (
            "2025-06-30,Spain,ES,Ireland",
            "the row has 4 cells, the header has 5 (no cell for User Data Diplomatic Legal requests): "
            "the file is damaged; download it again",
        ),
        ("2025-13-30,Italy,IT,Ireland,4", "Period Ending '2025-13-30' is not a date: month must be in 1..12"),
    ]
    assert parsed.skips[0].source_locator == (
        "google-global-user-data-dlr-requests.csv row Period Ending=2025-06-30, "
        "Country/Region of Origin=Germany, Assisting Country=Ireland"
    )


def test_a_damaged_national_security_row_is_its_own_skip(tmp_path):
    parsed = parsed_under_stored_header(
        google.parse_national_security,
        tmp_path,
        "google-usnationalsecurity-nsl-requests.csv",
        [
            "2025-12-31,500,999,-1500,1999",
            "2025-06-30,500,999",
            "2024-12-31,0-499,x,1500,1999",
            "2021-12-31,14,499,1500,1999",
        ],
    )
    assert sorted((r.period_end, r.metric_id, r.value_low, r.value_high) for r in parsed.records) == [
        ("2021-12-31", "accounts_specified", "1500", "1999"),
        ("2021-12-31", "requests_received", "14", "499"),
        # a band that is no number is that band's skip; the row's other band stays a figure
        ("2024-12-31", "accounts_specified", "1500", "1999"),
    ]
    assert [(s.source_locator, s.reason) for s in parsed.skips] == [
        (
            # a count below zero: no figure of the row is trusted
            "google-usnationalsecurity-nsl-requests.csv row Reporting period ending date=2025-12-31",
            "Number of accounts (range MIN) is -1500: a count or percentage is never below zero, so the row is damaged",
        ),
        (
            "google-usnationalsecurity-nsl-requests.csv row Reporting period ending date=2025-06-30",
            "the row has 3 cells, the header has 5 (no cell for Number of accounts (range MIN), "
            "Number of accounts (range MAX)): the file is damaged; download it again",
        ),
        (
            "google-usnationalsecurity-nsl-requests.csv row Reporting period ending date=2024-12-31, "
            "Number of requests (range MIN) – Number of requests (range MAX)",
            "not a number: '0-499'",
        ),
    ]
