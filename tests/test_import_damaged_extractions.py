"""krMaynard's Apple and Microsoft extractions, damaged: a value below zero (its whole row), a value
that is no number (that value) and a row cut short are each a skip naming its row and reason; the other rows import,
and nothing raises (a short Apple row was an IndexError's traceback, a short Microsoft row or a
value that is no number refused the whole file without naming its row)."""

from __future__ import annotations

import json

from disclosures.importers import apple, microsoft
from tests._importer_files import parsed_from

APPLE = {
    "periods": ["2025 H1"],
    "countries": ["France"],
    "request_types": ["device"],
    "measures": ["requests_received", "items_specified"],
    "rows": [[0, 0, 0, -530, 2679], [0, 0, 0, 530], [0, 0, 0, 12, True], [0, 0, 0, "n/a", 2679]],
}


def test_a_damaged_apple_row_or_measure_is_its_own_skip(tmp_path):
    parsed = parsed_from(apple.parse, tmp_path / "apple-transparency.json", json.dumps(APPLE))
    assert sorted((r.metric_id, r.value, r.quote) for r in parsed.records) == [
        ("identifiers_specified", "2679", '[0, 0, 0, "n/a", 2679]'),
        ("requests_received", "12", "[0, 0, 0, 12, true]"),
    ]
    where = "apple-transparency.json rows[{}]: periods[0]='2025 H1', countries[0]='France', request_types[0]='device'"
    assert [(s.source_locator, s.reason) for s in parsed.skips] == [
        (
            # a count below zero: no figure of the row is trusted
            where.format(0),
            "measures[0]='requests_received' is -530: a count or percentage is never below zero, so the row is damaged",
        ),
        (
            "apple-transparency.json rows[1]",
            "the row has 4 cells, the extraction's rows have 5 (period, country, request type and its measures): "
            "the file is damaged; download it again",
        ),
        (where.format(2) + ", measures[1]='items_specified'", "not a number: true"),
        (where.format(3) + ", measures[0]='requests_received'", "not a number: 'n/a'"),
    ]


def test_every_apple_row_and_national_security_row_is_a_figure_or_a_skip(tmp_path):
    # A row with every measure null, a row longer than the measures and the ns_rows (read by no
    # one) gave no figure and no skip: passed over without a word.
    document = {
        **APPLE,
        "rows": [[0, 0, 0, None, None], [0, 0, 0, 530, 2679, 17], [0, 0, 0, 530, 2679]],
        "ns_rows": [[0, 0, "NSLs", 0, 499, 0, 499]],
    }
    parsed = parsed_from(apple.parse, tmp_path / "apple-transparency.json", json.dumps(document))
    assert sorted((r.metric_id, r.value, r.quote) for r in parsed.records) == [
        ("identifiers_specified", "2679", "[0, 0, 0, 530, 2679]"),
        ("requests_received", "530", "[0, 0, 0, 530, 2679]"),
    ]
    where = "apple-transparency.json rows[0]: periods[0]='2025 H1', countries[0]='France', request_types[0]='device'"
    assert [(s.source_locator, s.quote, s.reason) for s in parsed.skips] == [
        (where, "[0, 0, 0, null, null]", "every measure of the row is null: no figure"),
        (
            "apple-transparency.json rows[1]",
            "[0, 0, 0, 530, 2679, 17]",
            "the row has 6 cells, the extraction's rows have 5 (period, country, request type and its measures): "
            "the file is damaged; download it again",
        ),
        (
            "apple-transparency.json ns_rows[0]",
            '[0, 0, "NSLs", 0, 499, 0, 499]',
            "a US national-security row (ns_rows), whose bands the extraction mis-parses: not read",
        ),
    ]


def test_a_damaged_microsoft_row_is_its_own_skip(tmp_path):
    rows = [
        ["2025-H1", "criminal", "France", "requests", "count", -2090],
        ["2025-H1", "criminal", "Germany", "requests", "count", "n/a"],
        ["2025-H1", "criminal", "Spain", "requests", "count"],
        ["2025-H1", "criminal", "Italy", "requests", "count", 1500],
    ]
    parsed = parsed_from(
        microsoft.parse, tmp_path / "microsoft-lerr.json", json.dumps({"rows": rows}, separators=(",", ":"))
    )
    assert [(r.jurisdiction_id, r.value) for r in parsed.records] == [("ITA", "1500")]
    assert [(s.source_locator, s.reason) for s in parsed.skips] == [
        (
            "microsoft-lerr.json rows: period=2025-H1, section=criminal, country=France, metric=requests",
            "value: '-2090' is below zero: a count or percentage never is, so the row is damaged",
        ),
        (
            "microsoft-lerr.json rows: period=2025-H1, section=criminal, country=Germany, metric=requests",
            "value: not a number: 'n/a'",
        ),
        (
            "microsoft-lerr.json rows[2]",
            "the row has 5 cells, the extraction's rows have 6 (period, section, country, metric, unit, value): "
            "the file is damaged; download it again",
        ),
    ]
