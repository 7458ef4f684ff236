"""Discord's transparency CSV, damaged: a count below zero (the whole row: none of its figures is
trusted), a cell that is no number (that cell), a row with no cell for a column its table
names, a row with every count blank and a count under a column the mapping does not read are each
a skip with its row and reason; the rest of the table imports."""

from __future__ import annotations

from disclosures.importers import discord
from tests._importer_files import lines, parsed_from


def test_a_damaged_row_is_its_own_skip(tmp_path):
    rows = [
        "United States Government Information Requests,,",
        "Request Type,Requests,Information Produced*",
        "Court Orders,-46,34",
        "Search Warrants,588,n/a",
        "Subpoenas,120",
        "Pen Register / Trap and Trace,7,5",
    ]
    parsed = parsed_from(discord.parse_transparency_csv, tmp_path / "2024-H1.csv", lines(rows))
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


def test_a_row_or_cell_that_gives_no_figure_is_a_skip(tmp_path):
    # A country row with every count blank, a count under a column the mapping does not read and
    # one under no column name each gave no figure and no skip: dropped without a word.
    rows = [
        "International Government Information Requests,,,,",
        "Country,Requests,Information Produced,Accounts Specified,",
        "Japan,,,,",
        "Nepal,1,0,3,",
        "Peru,2,1,,see note",
    ]
    parsed = parsed_from(discord.parse_transparency_csv, tmp_path / "2024-H1.csv", lines(rows))
    assert sorted((r.jurisdiction_id, r.metric_id, r.value) for r in parsed.records) == [
        ("NPL", "requests_fulfilled", "0"),
        ("NPL", "requests_received", "1"),
        ("PER", "requests_fulfilled", "1"),
        ("PER", "requests_received", "2"),
    ]
    assert [(s.source_locator, s.reason) for s in parsed.skips] == [
        (
            "2024-H1.csv row 3",
            "the row gives no count: its cells under Requests, Information Produced, Accounts Specified are blank",
        ),
        ("2024-H1.csv row 4, Accounts Specified", "column 'Accounts Specified' is not in mappings/discord.csv"),
        (
            "2024-H1.csv row 5, cell 5",
            "'see note' is under no column name in its table's header: nothing says what it counts",
        ),
    ]


def test_a_government_table_without_its_column_header_is_skipped_row_by_row(tmp_path):
    # Its first row was taken for the header: Brazil's counts were dropped without a word, and
    # France's read under columns named "25" and "19".
    rows = [
        "International Government Information Requests,,",
        "Brazil,25,19",
        "France,29,0",
    ]
    parsed = parsed_from(discord.parse_transparency_csv, tmp_path / "2023-Q4.csv", lines(rows))
    assert parsed.records == []
    reason = (
        "no column header above this row in section 'International Government Information Requests': "
        "nothing says what its cells count"
    )
    assert [(s.source_locator, s.reason) for s in parsed.skips] == [
        ("2023-Q4.csv row 2", reason),
        ("2023-Q4.csv row 3", reason),
    ]


def test_a_table_whose_title_is_not_mapped_and_whose_header_is_missing_is_skipped(tmp_path):
    # A label alone that names no country, request type or total, then rows of counts: the rows
    # were read as the International table's, Brazil's 7 imported as its legal-process requests.
    rows = [
        "International Government Information Requests,,",
        "Country,Requests,Information Produced",
        "Japan,5,1",
        "Some Table Discord Adds,,",
        "Brazil,7,2",
    ]
    parsed = parsed_from(discord.parse_transparency_csv, tmp_path / "2024-H1.csv", lines(rows))
    assert sorted((r.jurisdiction_id, r.metric_id, r.value) for r in parsed.records) == [
        ("JPN", "requests_fulfilled", "1"),
        ("JPN", "requests_received", "5"),
    ]
    unmapped = "section 'Some Table Discord Adds' is not in mappings/discord.csv"
    assert [(s.source_locator, s.reason) for s in parsed.skips] == [
        ("2024-H1.csv row 4", unmapped),
        ("2024-H1.csv row 5", unmapped),
    ]
    # A country of the table with no count, and a request type or total with none, stay its rows.
    rows[3] = "Peru,,"
    parsed = parsed_from(discord.parse_transparency_csv, tmp_path / "2024-H1.csv", lines(rows))
    assert ("BRA", "requests_received", "7") in {(r.jurisdiction_id, r.metric_id, r.value) for r in parsed.records}
