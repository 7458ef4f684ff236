"""Snap's transparency CSV, damaged: a value below zero, a value that is no number and a row
cut short are each that row's skip, with its reason; the other rows import."""

from __future__ import annotations

from disclosures.importers import snap
from tests._importer_files import parsed_under_stored_header

NAME = "Snap_Transparency_Report_H2-2024.csv"
ROW = (
    "2024-H2,International Government Information Requests,Country / Region,{place},,other_information_requests,{value}"
)


def test_a_damaged_row_is_its_own_skip(tmp_path):
    rows = [
        ROW.format(place="Germany", value="-4977"),
        ROW.format(place="France", value="about 20"),
        "2024-H2,International Government Information Requests,Country / Region,Spain,,other_information_requests",
        ROW.format(place="Italy", value="120"),
    ]
    parsed = parsed_under_stored_header(snap.parse_transparency_csv, tmp_path, NAME, rows)
    assert [(r.jurisdiction_id, r.value) for r in parsed.records] == [("ITA", "120")]
    assert [(s.source_locator, s.reason) for s in parsed.skips] == [
        (
            f"{NAME} line 2 (section=International Government Information Requests, category=Country / Region, "
            "sub_category_1=Germany, metric=other_information_requests)",
            "value: '-4977' is below zero: a count or percentage never is, so the row is damaged",
        ),
        (
            f"{NAME} line 3 (section=International Government Information Requests, category=Country / Region, "
            "sub_category_1=France, metric=other_information_requests)",
            "value: not a number: 'about 20'",
        ),
        (
            f"{NAME} line 4 (section=International Government Information Requests, category=Country / Region, "
            "sub_category_1=Spain, metric=other_information_requests)",
            "the row has 6 cells, the header has 7 (no cell for value): the file is damaged; download it again",
        ),
    ]
