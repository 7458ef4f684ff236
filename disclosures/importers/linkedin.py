"""LinkedIn's Government Requests Report page (server-rendered HTML tables).

Each half-year's table of requests for member data sits under an ``h4`` heading such as
"2025: July-December" inside the section whose ``h2`` is "Global government requests for
data" (older pages: "Requests by country"). Columns: country, requests for member data,
accounts subject to request, % of requests for which LinkedIn provided some data, accounts for
which LinkedIn provided some data. Its "Total" rows are LinkedIn's own worldwide totals.
Tables are read with lxml, never with regular expressions; categories map through
``mappings/linkedin.csv``.
"""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import lxml.html

from .core import Format, Parsed, Record, Skip, jurisdiction_lookup, number_cell, period_of_end, read_mapping

HEADING = re.compile(r"(\d{4}):\s*(January|July)\s*[-\u2013\u2014]\s*(June|December)")
BAND = re.compile(r"^(\d[\d,]*)\s*[-\u2013\u2014]\s*(\d[\d,]*)$")
FOOTNOTE = re.compile(r"\s*\[\d+\]$")  # "Accounts subject to request(s) [1]"


def _text(element) -> str:
    return " ".join(element.text_content().split())


def parse_government_requests(path: Path) -> Parsed:
    mapping = read_mapping("linkedin")
    places = jurisdiction_lookup()
    root = lxml.html.fromstring(path.read_bytes())
    result = Parsed()
    section, period = "", None
    for element in root.iter("h2", "h4", "table"):
        if element.tag == "h2":
            section, period = _text(element), None
            continue
        if element.tag == "h4":
            match = HEADING.search(_text(element))
            if match:
                year = int(match.group(1))
                period = period_of_end(date(year, 6, 30) if match.group(2) == "January" else date(year, 12, 31), 6)
            continue
        section_row = mapping.find("section", section)
        if section_row is None or not section_row["maps_to"] or period is None:
            continue
        rows = element.iter("tr")
        header = [FOOTNOTE.sub("", _text(c)) for c in next(rows, [])]
        columns = [mapping.find("column", h) for h in header[1:]]
        for index, row in enumerate(rows, start=1):
            cells = [_text(c) for c in row.iter("td", "th")]
            if not cells or not any(cells):
                continue
            # a trailing asterisk marks a footnote ("Brazil*": rows restored after an earlier version omitted them)
            label = cells[0].rstrip("*").strip()
            locator = (
                f"{path.name} {period[0][:4]} {'H1' if period[0][5:7] == '01' else 'H2'} table row {index} ({label})"
            )
            quote = " | ".join(cells)
            jurisdiction = "WORLD" if label.startswith("Total") else places.name(label)
            if jurisdiction is None:
                result.skips.append(Skip(locator, quote, f"country {label!r} is not in jurisdictions or mappings"))
                continue
            for column, cell in zip(columns, cells[1:], strict=False):
                if column is None or not column["maps_to"]:
                    continue
                if "%" in cell and not column["maps_to"].startswith("percent"):
                    result.skips.append(
                        Skip(f"{locator}, {column['label']}", quote, f"a percentage ({cell}) in a count column")
                    )
                    continue
                text = cell.replace("%", "").strip()
                band = BAND.match(text)
                try:
                    if band:
                        low, high = number_cell(band.group(1)), number_cell(band.group(2))
                        value_fields = {"value_kind": "band", "value": "", "value_low": low, "value_high": high}
                    else:
                        value = number_cell(text)
                        if value is None:
                            continue
                        value_fields = {"value_kind": "exact", "value": value}
                except ValueError as error:
                    result.skips.append(Skip(f"{locator}, {column['label']}", quote, str(error)))
                    continue
                result.records.append(
                    Record(
                        platform_id="linkedin",
                        jurisdiction_id=jurisdiction,
                        period_start=period[0],
                        period_end=period[1],
                        request_type_id="all",
                        metric_id=column["maps_to"],
                        platform_wording=column["label"],
                        source_locator=locator,
                        quote=quote,
                        notes="LinkedIn's own worldwide Total row." if jurisdiction == "WORLD" else column["notes"],
                        **value_fields,
                    )
                )
    return result


GOVERNMENT_REQUESTS = Format(
    "linkedin-government-requests",
    "LinkedIn Government Requests Report page (HTML tables per half-year)",
    parse_government_requests,
)
FORMATS = [GOVERNMENT_REQUESTS]
