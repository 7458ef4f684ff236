"""Korean transparency statistics in JSON: Kakao (with Daum) and Naver.

Both report by Korean legal category — communication restriction measures (wiretaps),
communication confirmation data (logs), search-and-seizure warrants and communication user data
(subscriber data) — per half-year. The categories keep their own names (request types
``kr_*``). Long prose fields (``content``, ``enContent``, ``guideEditorHtml``) are left out of the
quotes, which are otherwise the record as found. Mappings: ``mappings/kakao.csv``, ``mappings/naver.csv``.
"""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

from .core import Format, Parsed, Record, Skip, below_zero, count_cell, period_of_end, read_mapping
from .tables import json_document

PROSE_FIELDS = ("content", "enContent", "guideEditorHtml")
# What a record says besides its counts: every other field is a count, read or skipped. ("etc" is
# Kakao's footnote mark, "(4)" on some older records.)
KAKAO_LABEL_FIELDS = ("serviceCorp", "category", "enCategory", "year", "halfYear", "halfYearId", "etc")
NAVER_LABEL_FIELDS = ("id", "year", "period")


def record_text(obj: dict) -> str:
    """The record as compact JSON in its own key order, its prose fields left out."""
    return json.dumps(
        {k: v for k, v in obj.items() if k not in PROSE_FIELDS}, ensure_ascii=False, separators=(",", ":")
    )


def _half(year: int, label: str, mapping) -> tuple[str, str] | None:
    row = mapping.find("half", label)
    if row is None or not row["maps_to"]:
        return None
    end = date(year, 6, 30) if row["maps_to"] == "H1" else date(year, 12, 31)
    return period_of_end(end, 6)


def _category(text: str) -> str:
    return " ".join(str(text).split())


def _no_figure(value) -> bool:
    """Whether a Kakao count is the older files' (2012-H1 to 2014-H2) -1, given where Kakao
    reported no account count: the category is listed, the figure is not given."""
    return isinstance(value, int) and not isinstance(value, bool) and value == -1


def _json_count(value) -> str:
    """A JSON number or numeric text as canonical text; ValueError (with the value) for anything
    else, a blank, and a number below zero."""
    text = str(value) if isinstance(value, (int, float, str)) and not isinstance(value, bool) else None
    number = count_cell(text) if text is not None else None
    if number is None:
        raise ValueError(f"not a number: {json.dumps(value, ensure_ascii=False)}")
    return number


def parse_kakao(path: Path) -> Parsed:
    """``kakao-YYYY-hN.json``: ``data.reports`` — one object per service (다음 Daum, 카카오 Kakao)
    and category, with numberOfRequests, numberOfProcesses and numberOfAccounts."""
    mapping = read_mapping("kakao")
    document = json_document(path)
    reports = document.get("data", {}).get("reports") or []
    result = Parsed()
    for index, report in enumerate(reports):
        category = _category(report.get("enCategory") or report.get("category", ""))
        service = report.get("serviceCorp", "")
        locator = f"{path.name} data.reports[{index}] (serviceCorp={service}, category={category})"
        quote = record_text(report)
        platform = mapping.find("service", service)
        request_type = mapping.find("category", category)
        period = _half(int(report.get("year") or document["data"]["year"]), report.get("halfYear", ""), mapping)
        problem = (
            "service"
            if not platform or not platform["maps_to"]
            else "category"
            if not request_type or not request_type["maps_to"]
            else "half-year"
            if period is None
            else None
        )
        if problem:
            result.skips.append(Skip(locator, quote, f"{problem} is not in mappings/kakao.csv"))
            continue
        fields = ("numberOfRequests", "numberOfProcesses", "numberOfAccounts")
        # A count below zero other than the older files' -1 (below) was proposed as a figure, or
        # recorded as not reported: no figure of such a record is trusted.
        negative = below_zero(
            {
                name: str(report[name])
                for name in fields
                if isinstance(report.get(name), (int, float, str))
                and not isinstance(report[name], bool)
                and not _no_figure(report[name])
            }
        )
        if negative:
            result.skips.append(Skip(locator, quote, negative))
            continue
        for field_name, value in report.items():
            # A field Kakao adds (a count of rejections, say) was left out without a word.
            if field_name not in (*fields, *KAKAO_LABEL_FIELDS, *PROSE_FIELDS) and value not in (None, ""):
                reason = f"field {field_name!r} is not in mappings/kakao.csv"
                result.skips.append(Skip(f"{locator} {field_name}", quote, reason))
        for field_name in fields:
            metric = mapping.find("measure", field_name)
            value = report.get(field_name)
            if value is None:
                result.skips.append(Skip(f"{locator} {field_name}", quote, "field missing: no figure"))
                continue
            absent = _no_figure(value)
            try:
                # A value that is no number ("n/a", true) refused the whole file without its record.
                number = "" if absent else _json_count(value)
            except ValueError as error:
                result.skips.append(Skip(f"{locator} {field_name}", quote, str(error)))
                continue
            result.records.append(
                Record(
                    platform_id=platform["maps_to"],
                    jurisdiction_id="KOR",
                    period_start=period[0],
                    period_end=period[1],
                    request_type_id=request_type["maps_to"],
                    metric_id=metric["maps_to"],
                    value_kind="not_reported" if absent else "exact",
                    value=number,
                    platform_wording=f"{category}: {field_name}",
                    source_locator=f"{locator} {field_name}",
                    quote=quote,
                    notes=" ".join(
                        n
                        for n in (
                            request_type["notes"],
                            metric["notes"],
                            f"Kakao's file gives {value} here: no figure was reported." if absent else "",
                        )
                        if n
                    ),
                )
            )
    return result


def parse_naver(path: Path) -> Parsed:
    """``naver-statistics.json``: ``specificAreaJson.statistics`` — one object per half-year, with
    ``<category><Measure>`` fields (warrantRequestCount, commConfirmationDataRate, ...)."""
    mapping = read_mapping("naver")
    document = json_document(path)
    entries = document.get("specificAreaJson", {}).get("statistics") or []
    categories = mapping.labels("category")
    measures = mapping.labels("measure")
    result = Parsed()
    for index, entry in enumerate(entries):
        quote = record_text(entry)
        where = (
            f"{path.name} specificAreaJson.statistics[{index}] (year={entry.get('year')}, period={entry.get('period')})"
        )
        period = _half(int(entry["year"]), entry.get("period", ""), mapping)
        if period is None:
            result.skips.append(Skip(where, quote, "period is not in mappings/naver.csv"))
            continue
        for field_name, raw in entry.items():
            category = next(
                (c for c in categories if field_name.startswith(c) and field_name[len(c) :] in measures), None
            )
            if category is None:
                if field_name not in (*NAVER_LABEL_FIELDS, *PROSE_FIELDS) and raw not in (None, ""):
                    # A category or measure Naver adds was left out without a word.
                    reason = f"field {field_name!r} is not a category and measure of mappings/naver.csv"
                    result.skips.append(Skip(f"{where} {field_name}", quote, reason))
                continue
            measure = mapping.find("measure", field_name[len(category) :])
            locator = f"{where} {field_name}"
            if not measure["maps_to"]:
                result.skips.append(Skip(locator, quote, measure["notes"]))
                continue
            if str(raw).strip() in ("-", ""):
                result.skips.append(Skip(locator, quote, f"{field_name} is '{raw}': Naver gives no figure"))
                continue
            request_type = mapping.find("category", category)
            absent = zero_placeholder(entry, category, field_name)
            try:
                # A value below zero was proposed as a figure, and one that is no number refused
                # the whole file without its entry: each is this field's skip.
                number = "" if absent else _json_count(raw)
            except ValueError as error:
                result.skips.append(Skip(locator, quote, f"{field_name}: {error}"))
                continue
            result.records.append(
                Record(
                    platform_id="naver",
                    jurisdiction_id="KOR",
                    period_start=period[0],
                    period_end=period[1],
                    request_type_id=request_type["maps_to"],
                    metric_id=measure["maps_to"],
                    value_kind="not_reported" if absent else "exact",
                    value=number,
                    platform_wording=f"{request_type['wording']}: {field_name}",
                    source_locator=locator,
                    quote=quote,
                    notes=" ".join(n for n in (request_type["notes"], measure["notes"], absent) if n),
                )
            )
    return result


def zero_placeholder(entry: dict, category: str, field_name: str) -> str:
    """Why Naver's ``<category>RequestCount`` of "0" is not a count, or "" when it may be one.

    The 2012 entries give commDataRequestCount "0" beside commDataProcessingCount "10080" (and
    "6469"), with the rate "-": zero requests cannot have been processed ten thousand times, and
    Naver computed no rate from them. Such a zero is recorded as not_reported, saying what the
    file gives. A zero beside zero processed, or beside a rate, stays a figure."""
    if field_name != f"{category}RequestCount" or str(entry.get(field_name, "")).strip() != "0":
        return ""
    processed = str(entry.get(f"{category}ProcessingCount", "")).strip()
    if not processed.isdigit() or int(processed) == 0 or str(entry.get(f"{category}Rate", "")).strip() != "-":
        return ""
    return (
        f"Naver's file gives {field_name} 0 beside {category}ProcessingCount {processed} and {category}Rate '-': "
        "not a count of requests received, so no figure was reported."
    )


KAKAO = Format("kakao-statistics", "Kakao kakao-YYYY-hN.json transparency statistics (Kakao and Daum)", parse_kakao)
NAVER = Format("naver-statistics", "Naver naver-statistics.json (specificAreaJson.statistics)", parse_naver)
FORMATS = [KAKAO, NAVER]
