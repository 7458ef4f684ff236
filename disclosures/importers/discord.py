"""Discord's per-period transparency CSV (the ZIP linked from discord.com/safety-transparency-reports).

One CSV holds many tables, each introduced by a section header row (a label alone in the first
cell, sometimes with a line break inside the quoted cell), then a column header row, data rows,
blank rows and a ``Total`` row. Only the government request sections are figures; the
moderation sections are skipped with their reason, and a title the mapping does not list opens a
section whose rows are skipped as unmapped. The period comes from the file name
(``2023-Q4.csv``, ``2024-H1.csv``). Categories map through ``mappings/discord.csv``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import date
from itertools import islice
from pathlib import Path

from .core import (
    Format,
    Mapping,
    Parsed,
    Record,
    Skip,
    below_zero,
    jurisdiction_lookup,
    number_cell,
    period_of_end,
    read_mapping,
)
from .tables import csv_lines

PERIOD_NAME = re.compile(r"(\d{4})-([QH][1-4])", re.IGNORECASE)


def period_of_name(name: str) -> tuple[str, str] | None:
    """``2023-Q4.csv`` → 2023-10-01..2023-12-31; ``2024-H1.csv`` → 2024-01-01..2024-06-30.

    Case does not matter (``discord-2022-q4.csv``, as another archive names Discord's file).
    """
    match = PERIOD_NAME.search(name)
    if not match or match.group(2).upper() not in ("Q1", "Q2", "Q3", "Q4", "H1", "H2"):
        return None
    year, part = int(match.group(1)), match.group(2).upper()
    months = 3 if part[0] == "Q" else 6
    end_month = int(part[1]) * months
    end = date(year, end_month, 31 if end_month in (3, 12) else 30)
    return period_of_end(end, months)


def kind_of(section_row: dict) -> str:
    return section_row["maps_to"]


def _label(cell: str) -> str:
    return " ".join(cell.split())


def _is_column_header(cells: list[str]) -> bool:
    """A table's column header: a first cell and column names, each with a letter (a data row holds
    counts, percentages or Discord's "--" for none, and no letter). A name may hold digits too
    ("Change from 2023-Q3"): refused, its whole table was skipped as having no column header."""
    names = [cell for cell in cells[1:] if cell]
    return bool(cells and cells[0] and names) and all(any(ch.isalpha() for ch in name) for name in names)


def _is_section_title(cells: list[str], following: Iterable[list[str]], mapping: Mapping, places) -> bool:
    """A label alone in the first cell opens a section when the mapping names it, or when the next
    row that is not blank is a column header, as under every title in Discord's stored files.
    A label alone before a row of counts is a data row with every count blank (2023-Q3's
    "Total:,,,,," above its shifted total, a country with no count), not a title, unless it names
    nothing a row of a table does (a total, a request type, a country): a table whose title is
    not mapped and whose header is missing had its rows read as the table's before it."""
    if not cells or not cells[0] or any(cells[1:]):
        return False
    if mapping.find("section", cells[0]):
        return True
    after = next((row for row in following if any(row)), None)
    if after is None:
        return False
    if _is_column_header(after):
        return True
    first = cells[0]
    return not (
        first.rstrip(":") in ("Total", "Sum")
        or mapping.find("process", first)
        or mapping.find("country", first)
        or places.name(first) is not None
    )


def parse_transparency_csv(path: Path) -> Parsed:
    mapping = read_mapping("discord")
    places = jurisdiction_lookup()
    period = period_of_name(path.name)
    if period is None:
        raise ValueError(f"{path.name}: the file name gives no period (expected e.g. 2023-Q4.csv or 2024-H1.csv)")
    header, lines = csv_lines(path)
    result = Parsed()
    section = _label(header[0]) if header else ""
    columns: list[str] | None = None
    lines = list(lines)
    rows = [[_label(c) for c in line.cells] for line in lines]
    for index, (line, cells) in enumerate(zip(lines, rows, strict=True)):
        first = cells[0] if cells else ""
        # A title the mapping does not list opens a section of its own, whose rows are skipped as
        # unmapped: folded into the section before it, 2023-Q2's "Online Reports" rows were skipped
        # as "Appeals", and a table's rows after a government table would be read as that table's.
        if _is_section_title(cells, islice(rows, index + 1, None), mapping, places):
            section, columns = first, None
            if not mapping.find("section", section):
                reason = f"section {section!r} is not in mappings/discord.csv"
                result.skips.append(Skip(f"{path.name} row {line.number}", line.text, reason))
            continue
        if not any(cells):
            continue
        section_row = mapping.find("section", section)
        locator = f"{path.name} row {line.number}"
        if section_row is None or not section_row["maps_to"]:
            reason = section_row["notes"] if section_row else f"section {section!r} is not in mappings/discord.csv"
            result.skips.append(Skip(locator, line.text, reason))
            continue
        if columns is None and not _is_column_header(cells):
            # The table's first row was taken for its header whatever it held: a table whose
            # header is missing lost its first row without a word, and read the rest under it.
            reason = f"no column header above this row in section {section!r}: nothing says what its cells count"
            result.skips.append(Skip(locator, line.text, reason))
            continue
        if columns is None or (kind_of(section_row) == "by_process" and first == columns[0]):
            # A repeated first header cell opens a sub-table with its own columns (2022's Legal
            # section: the process table, then "Request Type,Requests,Complied" for preservation).
            columns = cells
            continue
        # A row with no cell for a column its table names: its figures there were dropped without
        # a word (the stored files pad every row to the file's width: a shorter one is damaged).
        named = max((i for i, name in enumerate(columns) if name), default=0) + 1
        if len(cells) < named:
            missing = ", ".join(name for name in columns[len(cells) : named] if name)
            reason = (
                f"the row has {len(cells)} cells, its table's header has {named} (no cell for {missing}): "
                "the file is damaged; download it again"
            )
            result.skips.append(Skip(locator, line.text, reason))
            continue
        kind = section_row["maps_to"]  # by_process (US) or a request type for by-country tables
        if first.rstrip(":") in ("Total", "Sum"):
            jurisdiction = mapping.find("total", section)["maps_to"]
            # A process table's Total sums its process rows alone: the mapping's "Total" row says
            # which request type that is, and why it is not every request ("all").
            request_type = mapping.find("process", "Total")["maps_to"] if kind == "by_process" else kind
        elif kind == "by_process":
            # The section's "total" mapping row names its jurisdiction: USA, or WORLD for 2022's
            # Legal table, which named no country.
            jurisdiction = mapping.find("total", section)["maps_to"]
            row = mapping.find("process", first)
            if row is None or not row["maps_to"]:
                result.skips.append(Skip(locator, line.text, f"request type {first!r} is not in mappings/discord.csv"))
                continue
            request_type = row["maps_to"]
        else:
            # Discord's own country names are settled in its mapping first: the shared exceptions
            # (mappings/jurisdictions.csv) would read 2023-Q2's bare "Korea" as KOR, which nothing in
            # Discord's files shows.
            country_row = mapping.find("country", first)
            jurisdiction = (country_row["maps_to"] or None) if country_row else places.name(first)
            request_type = kind
            if jurisdiction is None:
                reason = (
                    country_row["notes"] if country_row else f"country {first!r} is not in jurisdictions or mappings"
                )
                result.skips.append(Skip(locator, line.text, reason))
                continue
        read = {
            column: cell
            for column, cell in zip(columns[1:], cells[1:], strict=False)
            if column and (mapping.find("column", column) or {}).get("maps_to")
        }
        negative = below_zero(read)
        if negative:
            result.skips.append(Skip(locator, line.text, negative))
            continue
        accounted = len(result.records) + len(result.skips)
        for position, cell in enumerate(cells[1:], start=1):
            column = columns[position] if position < len(columns) else ""
            metric = mapping.find("column", column) if column else None
            if metric is None or not metric["maps_to"]:
                # A count under a column the mapping does not read, or under no column name, was
                # dropped without a word.
                if cell and column:
                    reason = metric["notes"] if metric else f"column {column!r} is not in mappings/discord.csv"
                    result.skips.append(Skip(f"{locator}, {column}", line.text, reason))
                elif cell:
                    reason = f"{cell!r} is under no column name in its table's header: nothing says what it counts"
                    result.skips.append(Skip(f"{locator}, cell {position + 1}", line.text, reason))
                continue
            try:
                value = number_cell(cell)
            except ValueError as error:
                result.skips.append(Skip(f"{locator}, {column}", line.text, str(error)))
                continue
            if value is None:
                continue
            result.records.append(
                Record(
                    platform_id="discord",
                    jurisdiction_id=jurisdiction,
                    period_start=period[0],
                    period_end=period[1],
                    request_type_id=request_type,
                    metric_id=metric["maps_to"],
                    value_kind="exact",
                    value=value,
                    platform_wording=f"{section if kind != 'by_process' else first}: {column}",
                    source_locator=locator,
                    quote=line.text,
                    notes=section_row["notes"],
                )
            )
        if len(result.records) + len(result.skips) == accounted:
            named = ", ".join(name for name in columns[1:] if name)
            reason = f"the row gives no count: its cells under {named} are blank"
            result.skips.append(Skip(locator, line.text, reason))
    return result


TRANSPARENCY_CSV = Format(
    "discord-transparency-csv",
    "Discord per-period transparency CSV (2023-Q4.csv, 2024-H1.csv): many tables under section header rows",
    parse_transparency_csv,
)
FORMATS = [TRANSPARENCY_CSV]
