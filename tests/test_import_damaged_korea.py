"""Kakao's and Naver's statistics files, damaged: a count below zero and a value that is no number
are skips naming their record and reason (a Kakao record whole: its three counts are one row of
the report's table), never a figure and never the whole file refused; Kakao's older -1 stays
"not reported"."""

from __future__ import annotations

import json

from disclosures.importers import core, korea
from tests._importer_files import parsed_from


def _kakao(requests, processes, accounts) -> dict:
    return {
        "serviceCorp": "카카오",
        "category": "Search and seizure\n         warrant",
        "year": "2025",
        "halfYear": "하반기",
        "numberOfRequests": requests,
        "numberOfProcesses": processes,
        "numberOfAccounts": accounts,
    }


def _parsed_kakao(tmp_path, reports: list[dict]):
    document = {"data": {"year": "2025", "reports": reports}}
    return parsed_from(korea.parse_kakao, tmp_path / "kakao-2025-h2.json", json.dumps(document, ensure_ascii=False))


def _parsed_naver(tmp_path, statistics: list[dict]):
    document = {"specificAreaJson": {"statistics": statistics}}
    return parsed_from(korea.parse_naver, tmp_path / "naver-statistics.json", json.dumps(document, ensure_ascii=False))


def test_a_damaged_kakao_record_is_its_own_skip(tmp_path):
    reports = [_kakao(11485, -9415, 4028132), _kakao("n/a", 9415, -1), _kakao(11485, 9415, 4028132)]
    parsed = _parsed_kakao(tmp_path, reports)
    where = "kakao-2025-h2.json data.reports[{}] (serviceCorp=카카오, category=Search and seizure warrant)"
    assert [(s.source_locator, s.reason) for s in parsed.skips] == [
        (
            where.format(0),
            "numberOfProcesses is -9415: a count or percentage is never below zero, so the row is damaged",
        ),
        (where.format(1) + " numberOfRequests", "not a number: 'n/a'"),
    ]
    kept = [(r.source_locator, r.value_kind, r.value) for r in parsed.records]
    assert kept[:2] == [
        (where.format(1) + " numberOfProcesses", "exact", "9415"),
        (where.format(1) + " numberOfAccounts", "not_reported", ""),
    ]
    assert len(kept) == 5


def test_a_damaged_naver_field_is_its_own_skip(tmp_path):
    entry = {
        "year": 2025,
        "period": "하반기",
        "warrantRequestCount": "-4355",
        "warrantProcessingCount": "3,028",
        "warrantProvideCount": "lots",
    }
    parsed = _parsed_naver(tmp_path, [entry])
    assert {core.figure_id_for(r): r.value for r in parsed.records} == {
        "naver-kor-2025h2-kr_search_seizure_warrant-requests_processed": "3028"
    }
    where = "naver-statistics.json specificAreaJson.statistics[0] (year=2025, period=하반기) "
    assert [(s.source_locator, s.reason) for s in parsed.skips] == [
        (
            where + "warrantRequestCount",
            "warrantRequestCount: '-4355' is below zero: a count or percentage never is, so the row is damaged",
        ),
        (where + "warrantProvideCount", "warrantProvideCount: not a number: 'lots'"),
    ]


def test_a_field_the_mapping_does_not_name_is_a_skip(tmp_path):
    # A count under a field name the mapping does not know was left out without a word: Kakao's
    # record gave its three figures, Naver's entry its known fields, and nothing said the rest.
    report = {**_kakao(11485, 9415, 4028132), "etc": "(4)", "numberOfRejections": 2070}
    parsed = _parsed_kakao(tmp_path, [report])
    where = "kakao-2025-h2.json data.reports[0] (serviceCorp=카카오, category=Search and seizure warrant)"
    assert len(parsed.records) == 3
    assert [(s.source_locator, s.reason) for s in parsed.skips] == [
        (where + " numberOfRejections", "field 'numberOfRejections' is not in mappings/kakao.csv")
    ]
    entry = {
        "id": "708ad091",
        "year": 2025,
        "period": "하반기",
        "guideEditorHtml": "<p>...</p>",
        "warrantRequestCount": "4355",
        "warrantRejectCount": "12",
        "emergencyRequestCount": "3",
    }
    parsed = _parsed_naver(tmp_path, [entry])
    assert {core.figure_id_for(r): r.value for r in parsed.records} == {
        "naver-kor-2025h2-kr_search_seizure_warrant-requests_received": "4355"
    }
    where = "naver-statistics.json specificAreaJson.statistics[0] (year=2025, period=하반기) "
    assert [(s.source_locator, s.reason) for s in parsed.skips] == [
        (where + name, f"field {name!r} is not a category and measure of mappings/naver.csv")
        for name in ("warrantRejectCount", "emergencyRequestCount")
    ]
