"""TikTok's long-format information-requests CSV (the LIGR download of the Information Requests
report): one row per metric, half-year and market, plus worldwide ``All`` rows.

Columns used: ``metric_name``, ``period_value`` ("Jul-Dec 2025"), ``location`` (``country_name`` or
``all``), ``location_value`` and ``result``. Percentages are fractions of 1 and are kept as
fractions (``fraction_requests_some_data``). Categories map through ``mappings/tiktok.csv``.
"""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

from .core import Format, Parsed, Record, Skip, count_cell, jurisdiction_lookup, period_of_end, read_mapping
from .tables import csv_lines, short_row

HALF_YEAR = re.compile(r"^(Jan)-(Jun) (\d{4})$|^(Jul)-(Dec) (\d{4})$")


def half_year(text: str) -> tuple[str, str] | None:
    """ "Jan-Jun 2025" → 2025-01-01..2025-06-30; "Jul-Dec 2025" → 2025-07-01..2025-12-31."""
    match = HALF_YEAR.match(text.strip())
    if not match:
        return None
    year = int(match.group(3) or match.group(6))
    end = date(year, 6, 30) if match.group(1) else date(year, 12, 31)
    return period_of_end(end, 6)


def parse_information_requests(path: Path) -> Parsed:
    mapping = read_mapping("tiktok")
    places = jurisdiction_lookup()
    header, lines = csv_lines(path, ("metric_name", "period_value", "location", "location_value", "result"))
    result = Parsed()
    for line in lines:
        metric_name = line.get(header, "metric_name")
        period_text = line.get(header, "period_value")
        location = line.get(header, "location")
        place = line.get(header, "location_value")
        locator = f'{path.name}: metric_name="{metric_name}", period_value="{period_text}", location_value="{place}"'
        short = short_row(line, header)
        if short:
            # Its missing result read as blank ("blank result: no figure"), or a cell of another
            # column as its result.
            result.skips.append(Skip(f"{locator} (line {line.number})", line.text, short))
            continue
        request_row = mapping.find("request_type", metric_name, location)
        metric_row = mapping.find("metric", metric_name, location)
        if not request_row or not metric_row or not request_row["maps_to"] or not metric_row["maps_to"]:
            reason = (request_row or metric_row or {}).get(
                "notes"
            ) or f"metric {metric_name!r} is not in mappings/tiktok.csv"
            result.skips.append(Skip(locator, line.text, reason))
            continue
        period = half_year(period_text)
        if period is None:
            result.skips.append(Skip(locator, line.text, f"period {period_text!r} is not a half-year"))
            continue
        jurisdiction = "WORLD" if location == "all" else places.name(place)
        if jurisdiction is None:
            result.skips.append(Skip(locator, line.text, f"market {place!r} is not in jurisdictions or mappings"))
            continue
        try:
            value = count_cell(line.get(header, "result"))
        except ValueError as error:
            result.skips.append(Skip(locator, line.text, f"result: {error}"))
            continue
        if value is None:
            result.skips.append(Skip(locator, line.text, "blank result: no figure"))
            continue
        result.records.append(
            Record(
                platform_id="tiktok",
                jurisdiction_id=jurisdiction,
                period_start=period[0],
                period_end=period[1],
                request_type_id=request_row["maps_to"],
                metric_id=metric_row["maps_to"],
                value_kind="exact",
                value=value,
                platform_wording=metric_name,
                source_locator=locator,
                quote=line.text,
                notes=metric_row["notes"] or request_row["notes"],
            )
        )
    return result


INFORMATION_REQUESTS = Format(
    "tiktok-information-requests",
    "TikTok information-requests.csv (long format: metric_name, period_value, location, location_value, result)",
    parse_information_requests,
)
FORMATS = [INFORMATION_REQUESTS]
