"""Discord's transparency CSV, damaged: a count below zero (the whole row: none of its figures is
trusted), a cell that is no number (that cell) and a row with no cell for a column its table
names are each a skip with its row and reason; the rest of the table imports."""

from __future__ import annotations

from disclosures.importers import discord


def test_a_damaged_row_is_its_own_skip(tmp_path):
    rows = [
        "United States Government Information Requests,,",
        "Request Type,Requests,Information Produced*",
        "Court Orders,-46,34",
        "Search Warrants,588,n/a",
        "Subpoenas,120",
        "Pen Register / Trap and Trace,7,5",
    ]
    path = tmp_path / "2024-H1.csv"
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    parsed = discord.parse_transparency_csv(path)
    assert sorted((r.request_type_id, r.metric_id, r.value) for r in parsed.records) == [
        ("pen_register_trap_trace", "requests_fulfilled", "5"),
        ("pen_register_trap_trace", "requests_received", "7"),
        ("search_warrant", "requests_received", "588"),
    ]
    assert [(s.source_locator, s.reason) for s in parsed.skips] == [
        ("2024-H1.csv row 3", "Requests is -46: a count or percentage is never below zero, so the row is damaged"),
        ("2024-H1.csv row 4, Information Produced*", "not a number: 'n/a'"),
        (
            "2024-H1.csv row 5",
            "the row has 2 cells, its table's header has 3 (no cell for Information Produced*): "
            "the file is damaged; download it again",
        ),
    ]
