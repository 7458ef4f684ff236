"""TikTok's information-requests.csv, damaged: a result below zero, a result that is no number
and a row cut short are each that row's skip, with its reason; the other rows import."""

from __future__ import annotations

from disclosures.importers import tiktok
from tests._importer_files import parsed_under_stored_header

ROW = ",LIGR,LRFUI,Total requests,half-year,Jul-Dec 2025,all,all,all,all,country_name,{place},{result},,"


def test_a_damaged_row_is_its_own_skip(tmp_path):
    rows = [
        ROW.format(place="Argentina", result="-205.0"),
        ROW.format(place="Brazil", result="n/a"),
        ",LIGR,LRFUI,Total requests,half-year,Jul-Dec 2025,all,all,all,all,country_name,Chile",
        ROW.format(place="Germany", result="205.0"),
    ]
    parsed = parsed_under_stored_header(tiktok.parse_information_requests, tmp_path, "information-requests.csv", rows)
    assert [(r.jurisdiction_id, r.value) for r in parsed.records] == [("DEU", "205")]
    assert [(s.quote, s.reason) for s in parsed.skips] == [
        (rows[0], "result: '-205.0' is below zero: a count or percentage never is, so the row is damaged"),
        (rows[1], "result: not a number: 'n/a'"),
        (
            rows[2],
            "the row has 12 cells, the header has 15 (no cell for result, base, date): "
            "the file is damaged; download it again",
        ),
    ]
    assert parsed.skips[2].source_locator == (
        'information-requests.csv: metric_name="Total requests", period_value="Jul-Dec 2025", '
        'location_value="Chile" (line 4)'
    )
