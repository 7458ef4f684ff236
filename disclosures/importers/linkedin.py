"""LinkedIn's Government Requests Report page (server-rendered HTML tables).

Each half-year's table of requests for member data sits under an ``h4`` heading such as
"2025: July-December" inside the section whose ``h2`` is "Global government requests for
data" (older pages: "Requests by country"). Columns: country, requests for member data,
accounts subject to request, % of requests for which LinkedIn provided some data, accounts for
which LinkedIn provided some data. Its "Total" rows are LinkedIn's own worldwide totals.

The section "Breakdown of U.S. government requests for data" (2015-H1 on; none for 2022) has one
key/value table per half-year: a row label ("Subpoenas [2]") and one cell ("66%"). Each label maps
(``us_row`` in the mapping) to ``request_type/metric``: the U.S. requests, accounts and share with
some data (the country table's United States row again), the share of the requests that were
subpoenas, search warrants, court orders or other process (``percent_of_requests``: percentages,
never counts) and the national-security figures, which LinkedIn gives only as bands ("0-499").
Footnote [6]: FISA figures are published six months late, so a table's FISA row reports the
half-year before its heading (``us_row_period`` ``previous_half``). A blank cell is no figure.

Tables are read with lxml, never with regular expressions; categories map through
``mappings/linkedin.csv``. A section whose heading the mapping does not list is not read.
"""

from __future__ import annotations

import re
from datetime import date, timedelta
from pathlib import Path

import lxml.html

from .core import (
    Format,
    Parsed,
    Record,
    Skip,
    below_zero,
    count_cell,
    jurisdiction_lookup,
    period_of_end,
    read_mapping,
)

HEADING = re.compile(r"(\d{4}):\s*(January|July)\s*[-\u2013\u2014]\s*(June|December)")
BAND = re.compile(r"^(\d[\d,]*)\s*[-\u2013\u2014]\s*(\d[\d,]*)$")
FOOTNOTE = re.compile(r"\s*\[\d+\]$")  # "Accounts subject to request(s) [1]"


def _text(element) -> str:
    return " ".join(element.text_content().split())


def parse_government_requests(path: Path) -> Parsed:
    mapping = read_mapping("linkedin")
    places = jurisdiction_lookup()
    page = path.read_bytes()
    if b"<html" in page[:4096].lower() and b"</html>" not in page[-4096:].lower():
        # lxml reads what a page cut short holds: half of LinkedIn's page imported half its
        # tables, with nothing said of the rest.
        raise ValueError(f"{path.name}: the page ends before its </html>: it is cut short; save the whole page again")
    root = lxml.html.fromstring(page)
    result = Parsed()
    section, period, heading = "", None, ""
    for element in root.iter("h2", "h4", "table"):
        if element.tag == "h2":
            section, period, heading = _text(element), None, ""
            continue
        if element.tag == "h4":
            # Each table's own heading group ends with its h4, just above it: a heading that names
            # no half-year leaves its table with none, where it was read as the half-year before.
            heading = _text(element)
            match = HEADING.search(heading)
            period = None
            if match:
                year = int(match.group(1))
                period = period_of_end(date(year, 6, 30) if match.group(2) == "January" else date(year, 12, 31), 6)
            continue
        section_row = mapping.find("section", section)
        if section_row is None or not section_row["maps_to"] or period is None:
            # Every table is accounted for: one skip per table that is not read, with the reason.
            where = f"{path.name} {_half(period) if period else 'no half-year heading'} table in {section!r}"
            first = next(element.iter("tr"), None)
            quote = " | ".join(_text(c) for c in first.iter("td", "th")) if first is not None else ""
            if section_row is None:
                reason = f"section {section!r} is not in mappings/linkedin.csv"
            elif not section_row["maps_to"]:
                reason = section_row["notes"] or f"section {section!r} is mapped to nothing"
            elif heading:
                reason = f"its heading {heading!r} names no half-year (such as '2025: July-December')"
            else:
                reason = "a table before any half-year heading"
            result.skips.append(Skip(where, quote, reason))
            continue
        if section_row["maps_to"] == "us_breakdown":
            _us_breakdown(element, period, path, mapping, result)
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
            locator = f"{path.name} {_half(period)} table row {index} ({label})"
            quote = " | ".join(cells)
            # A row with no cell for a column the mapping reads: those figures were dropped
            # without a word (zip stops at the shorter).
            missing = [
                name
                for name, column in list(zip(header[1:], columns, strict=True))[max(len(cells) - 1, 0) :]
                if column is not None and column["maps_to"]
            ]
            if missing:
                reason = (
                    f"the row has {len(cells)} cells, the table's header has {len(header)} (no cell for "
                    f"{', '.join(missing)}): the page is damaged; save it again"
                )
                result.skips.append(Skip(locator, quote, reason))
                continue
            jurisdiction = "WORLD" if label.startswith("Total") else places.name(label)
            if jurisdiction is None:
                result.skips.append(Skip(locator, quote, f"country {label!r} is not in jurisdictions or mappings"))
                continue
            # A count below zero was proposed as a figure: no figure of such a row is trusted.
            negative = below_zero(
                {
                    name: cell.replace("%", "")
                    for name, column, cell in zip(header[1:], columns, cells[1:], strict=False)
                    if column is not None and column["maps_to"]
                }
            )
            if negative:
                result.skips.append(Skip(locator, quote, negative))
                continue
            for label_of_column, column, cell in zip(header[1:], columns, cells[1:], strict=False):
                if column is None or not column["maps_to"]:
                    if not cell.strip():
                        continue  # an empty cell of a spacer or unread column holds nothing to account for
                    reason = (
                        column["notes"] or f"column {label_of_column!r} is mapped to nothing"
                        if column is not None
                        else f"column {label_of_column!r} is not in mappings/linkedin.csv"
                    )
                    result.skips.append(Skip(f"{locator}, {label_of_column}", quote, reason))
                    continue
                if "%" in cell and not column["maps_to"].startswith("percent"):
                    result.skips.append(
                        Skip(f"{locator}, {column['label']}", quote, f"a percentage ({cell}) in a count column")
                    )
                    continue
                try:
                    value_fields = _value_fields(cell)
                except ValueError as error:
                    result.skips.append(Skip(f"{locator}, {column['label']}", quote, str(error)))
                    continue
                if value_fields is None:
                    result.skips.append(
                        Skip(f"{locator}, {column['label']}", quote, "blank cell: no figure (not a zero)")
                    )
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


def _half(period: tuple[str, str]) -> str:
    return f"{period[0][:4]} {'H1' if period[0][5:7] == '01' else 'H2'}"


def _value_fields(text: str) -> dict | None:
    """A cell's value columns ("0-499" is a band, "2,292" exact), None for a blank cell.

    Raises ValueError for anything else, and for a number below zero, which no count or share is.
    """
    text = text.replace("%", "").strip()
    band = BAND.match(text)
    if band:
        return {
            "value_kind": "band",
            "value": "",
            "value_low": count_cell(band.group(1)),
            "value_high": count_cell(band.group(2)),
        }
    value = count_cell(text)
    return None if value is None else {"value_kind": "exact", "value": value}


def _us_breakdown(table, period: tuple[str, str], path: Path, mapping, result: Parsed) -> None:
    """The key/value rows of one half-year's U.S. breakdown table, as records or skips."""
    for index, row in enumerate(table.iter("tr"), start=1):
        cells = [_text(c) for c in row.iter("td", "th")]
        if not cells or not any(cells):
            continue
        label = FOOTNOTE.sub("", cells[0]).strip()
        locator = f"{path.name} {_half(period)} U.S. breakdown row {index} ({label})"
        quote = " | ".join(cells)
        row_map = mapping.find("us_row", label)
        if row_map is None or not row_map["maps_to"]:
            reason = row_map["notes"] if row_map is not None else f"row {label!r} is not in mappings/linkedin.csv"
            result.skips.append(Skip(locator, quote, reason))
            continue
        request_type, metric = row_map["maps_to"].split("/")
        if len(cells) < 2:
            # It read as a blank cell ("no figure (not a zero)"), where the page holds no cell.
            reason = "the row has 1 cell, a U.S. breakdown row has 2 (its label and its number): the page is damaged"
            result.skips.append(Skip(locator, quote, reason + "; save it again"))
            continue
        cell = cells[1]
        if "%" in cell and not metric.startswith("percent"):
            result.skips.append(Skip(locator, quote, f"a percentage ({cell}) for a count"))
            continue
        try:
            value_fields = _value_fields(cell)
        except ValueError as error:
            result.skips.append(Skip(locator, quote, str(error)))
            continue
        if value_fields is None:
            result.skips.append(Skip(locator, quote, "blank cell: no figure (not a zero)"))
            continue
        start, end = period
        shift = mapping.find("us_row_period", label)
        if shift is not None and shift["maps_to"] == "previous_half":
            end_date = date.fromisoformat(start) - timedelta(days=1)
            start, end = period_of_end(end_date, 6)
        result.records.append(
            Record(
                platform_id="linkedin",
                jurisdiction_id="USA",
                period_start=start,
                period_end=end,
                request_type_id=request_type,
                metric_id=metric,
                platform_wording=label,
                source_locator=locator,
                quote=quote,
                notes=" ".join(n for n in (row_map["notes"], shift["notes"] if shift else "") if n),
                **value_fields,
            )
        )


GOVERNMENT_REQUESTS = Format(
    "linkedin-government-requests",
    "LinkedIn Government Requests Report page (HTML tables per half-year)",
    parse_government_requests,
)
FORMATS = [GOVERNMENT_REQUESTS]
