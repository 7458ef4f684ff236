"""LinkedIn's Government Requests Report page, damaged: a row with a count below zero (its whole
row), a cell that is no number (that cell) and a row with no cell for a column the mapping reads
are each a skip with its row and reason; the table's other rows import."""

from __future__ import annotations

from disclosures.importers import linkedin
from tests._importer_files import parsed_from

HEADER = (
    "<tr><td> </td><td>Requests for member data</td><td>Accounts subject to request(s) [1]</td>"
    "<td>Percentage of requests for which LinkedIn provided some data</td>"
    "<td>Accounts for which LinkedIn provided some data [2]</td></tr>"
)


def _row(*cells: str) -> str:
    return "<tr>" + "".join(f"<td>{cell}</td>" for cell in cells) + "</tr>"


def test_a_damaged_row_is_its_own_skip(tmp_path):
    rows = [
        _row("Germany", "164", "-222", "66%", "129"),
        _row("France", "642", "n/a", "35%", "225"),
        _row("Spain", "12", "14"),
        _row("United States", "443", "2292", "80%", "985"),
    ]
    us = "<tr><td>Requests [1]</td><td>-443</td></tr><tr><td>Accounts subject to requests</td></tr>"
    page = (
        "<html><body><h2>Breakdown of U.S. government requests for data</h2><h4>2025: July-December</h4>"
        f"<table>{us}</table><h2>Requests by country</h2><h4>2025: July-December</h4>"
        f"<table>{HEADER}{''.join(rows)}</table></body></html>"
    )
    parsed = parsed_from(linkedin.parse_government_requests, tmp_path / "government-requests-report.html", page)
    assert sorted((r.jurisdiction_id, r.metric_id, r.value) for r in parsed.records) == [
        ("FRA", "accounts_affected", "225"),
        ("FRA", "percent_requests_some_data", "35"),
        ("FRA", "requests_received", "642"),
        ("USA", "accounts_affected", "985"),
        ("USA", "accounts_specified", "2292"),
        ("USA", "percent_requests_some_data", "80"),
        ("USA", "requests_received", "443"),
    ]
    assert [(s.source_locator, s.reason) for s in parsed.skips] == [
        (
            "government-requests-report.html 2025 H2 U.S. breakdown row 1 (Requests)",
            "'-443' is below zero: a count or percentage never is, so the row is damaged",
        ),
        (
            "government-requests-report.html 2025 H2 U.S. breakdown row 2 (Accounts subject to requests)",
            "the row has 1 cell, a U.S. breakdown row has 2 (its label and its number): the page is damaged; "
            "save it again",
        ),
        (
            "government-requests-report.html 2025 H2 table row 1 (Germany)",
            "Accounts subject to request(s) is -222: a count or percentage is never below zero, so the row is damaged",
        ),
        (
            "government-requests-report.html 2025 H2 table row 2 (France), Accounts subject to request(s)",
            "not a number: 'n/a'",
        ),
        (
            "government-requests-report.html 2025 H2 table row 3 (Spain)",
            "the row has 3 cells, the table's header has 5 (no cell for Percentage of requests for which LinkedIn "
            "provided some data, Accounts for which LinkedIn provided some data): the page is damaged; save it again",
        ),
    ]
