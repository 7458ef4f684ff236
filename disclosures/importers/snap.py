"""Snap's per-period transparency CSV (``Snap_Transparency_Report_H1-2024.csv`` and later): tidy
long rows ``period,section,category,sub_category_1,sub_category_2,metric,value``.

Only the government-request sections are read (US requests by legal process, US national-security
bands, bilateral data-access agreements, international requests per country); the other sections
(content moderation and so on) are skipped by name. Snap writes its "percentage" cells as fractions
of 1: they are kept as fractions (``fraction_requests_some_data``). A ``250-499`` cell is a band.
Sections, categories and metrics map through ``mappings/snap.csv``: a metric row maps to
``request_type/metric`` and a request type of ``*`` takes the row's category instead.
"""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

from .core import Format, Parsed, Record, Skip, count_cell, jurisdiction_lookup, period_of_end, read_mapping
from .tables import csv_lines, short_row

PERIOD = re.compile(r"^(\d{4})-H([12])$")
BAND = re.compile(r"^(\d[\d,]*)\s*-\s*(\d[\d,]*)$")


def parse_transparency_csv(path: Path) -> Parsed:
    mapping = read_mapping("snap")
    places = jurisdiction_lookup()
    names = ("period", "section", "category", "sub_category_1", "metric", "value")
    header, lines = csv_lines(path, names)
    result = Parsed()
    for line in lines:
        period_text, section, category, place, metric_name, cell = (line.get(header, name) for name in names)
        locator = f"{path.name} line {line.number} (section={section}, category={category}, "
        locator += f"sub_category_1={place}, metric={metric_name})" if place else f"metric={metric_name})"
        short = short_row(line, header)
        if short:
            # Its missing value read as blank ("blank value: no figure"), or its missing metric
            # as one the mapping does not name.
            result.skips.append(Skip(locator, line.text, short))
            continue
        section_row = mapping.find("section", section)
        if section_row is None or not section_row["maps_to"]:
            reason = section_row["notes"] if section_row else f"section {section!r} is not in mappings/snap.csv"
            result.skips.append(Skip(locator, line.text, reason))
            continue
        metric_row = mapping.find("metric", metric_name, section)
        if metric_row is None or not metric_row["maps_to"]:
            reason = metric_row["notes"] if metric_row else f"metric {metric_name!r} is not in mappings/snap.csv"
            result.skips.append(Skip(locator, line.text, reason))
            continue
        request_type, metric = metric_row["maps_to"].split("/")
        category_row = None
        if request_type == "*":
            category_row = mapping.find("category", category, section)
            if category_row is None or not category_row["maps_to"]:
                result.skips.append(Skip(locator, line.text, f"category {category!r} is not in mappings/snap.csv"))
                continue
            request_type = category_row["maps_to"]
        where = section_row["maps_to"]  # a jurisdiction id, or where to find the country
        jurisdiction = (
            places.name(place) if where == "sub_category_1" else places.name(category) if where == "category" else where
        )
        if jurisdiction is None:
            result.skips.append(Skip(locator, line.text, "country is not in jurisdictions or mappings"))
            continue
        match = PERIOD.match(period_text.strip())
        if not match:
            result.skips.append(Skip(locator, line.text, f"period {period_text!r} is not a half-year"))
            continue
        year, half = int(match.group(1)), match.group(2)
        period = period_of_end(date(year, 6, 30) if half == "1" else date(year, 12, 31), 6)
        band = BAND.match(cell.strip())
        try:
            if band:
                values = {"value_kind": "band", "value": "", "value_low": count_cell(band.group(1))}
                values["value_high"] = count_cell(band.group(2))
            else:
                value = count_cell(cell)
                if value is None:
                    result.skips.append(Skip(locator, line.text, "blank value: no figure"))
                    continue
                values = {"value_kind": "exact", "value": value}
        except ValueError as error:
            result.skips.append(Skip(locator, line.text, f"value: {error}"))
            continue
        notes = " ".join(n for n in ((category_row or {}).get("notes", ""), metric_row["notes"]) if n)
        result.records.append(
            Record(
                platform_id="snap",
                jurisdiction_id=jurisdiction,
                period_start=period[0],
                period_end=period[1],
                request_type_id=request_type,
                metric_id=metric,
                platform_wording=f"{category}: {metric_name}" if category else metric_name,
                source_locator=locator,
                quote=line.text,
                notes=notes,
                **values,
            )
        )
    return result


TRANSPARENCY_CSV = Format(
    "snap-transparency-csv",
    "Snap per-period transparency CSV (period,section,category,sub_category_1,sub_category_2,metric,value)",
    parse_transparency_csv,
)
FORMATS = [TRANSPARENCY_CSV]
