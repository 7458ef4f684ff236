"""Google's Transparency Report bulk CSVs (the ZIP at transparencyreport.google.com/user-data).

Formats: ``google-user-data`` (global requests by legal process), ``google-dlr`` (diplomatic
legal requests by origin and assisting country), ``google-enterprise`` (Enterprise Cloud requests
by product and legal process) and ``google-national-security`` (FISA or NSL bands, one file each).
Categories map through ``mappings/google.csv``.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

from .core import Format, Parsed, Record, Skip, jurisdiction_lookup, number_cell, period_of_end, read_mapping
from .tables import csv_lines

# Column headers of the user-data export, current and older spelling, → metric field label.
COUNT_COLUMNS = ("User Data Requests", "Percentage disclosed", "Accounts")


def _locator(path: Path, keys: dict[str, str]) -> str:
    # Keyed, not numbered: the key names the row in any copy or excerpt of the export.
    shown = ", ".join(f"{k}={v}" for k, v in keys.items())
    return f"{path.name} row {shown}"


def _half(end_text: str) -> tuple[str, str]:
    return period_of_end(date.fromisoformat(end_text), 6)


def parse_user_data(path: Path) -> Parsed:
    """Every row → requests, percentage disclosed and accounts under its legal process.

    Quirks: ``Percentage disclosed`` is empty for preservation requests (no figure), and Google
    began reporting percentages in 2010-H2 and accounts in 2011-H1, so earlier zeros are not
    figures (``not_reported_when_zero_until`` rows of the mapping).
    """
    mapping = read_mapping("google")
    places = jurisdiction_lookup()
    header, lines = csv_lines(path)
    columns = {
        mapping.find("column", h)["maps_to"]: h
        for h in header
        if mapping.find("column", h) and mapping.find("column", h)["maps_to"]
    }
    process_column = "Legal Process"
    result = Parsed()
    for line in lines:
        end = line.get(header, "Period Ending")
        code = line.get(header, "CLDR Territory Code")
        process = line.get(header, process_column)
        locator = _locator(path, {"Period Ending": end, "CLDR Territory Code": code, "Legal Process": process})
        stray = mapping.find("skip_row", f"{end},{code},{process}")
        if stray:
            result.skips.append(Skip(locator, line.text, stray["notes"]))
            continue
        jurisdiction = places.code(code)
        if jurisdiction is None:
            result.skips.append(Skip(locator, line.text, f"CLDR territory code {code!r} is not in jurisdictions"))
            continue
        process_row = mapping.find("legal_process", process, code)
        if process_row is None or not process_row["maps_to"]:
            reason = process_row["notes"] if process_row else f"legal process {process!r} is not in mappings/google.csv"
            result.skips.append(Skip(locator, line.text, reason))
            continue
        start, finish = _half(end)
        before = len(result.records) + len(result.skips)
        for metric, column in columns.items():
            cell = line.get(header, column)
            try:
                value = number_cell(cell)
            except ValueError as error:
                result.skips.append(Skip(f"{locator}, {column}", line.text, str(error)))
                continue
            if value is None:
                continue  # Google leaves the cell empty where the metric does not apply
            until = mapping.find("not_reported_when_zero_until", column)
            if until and value == "0" and end <= until["maps_to"]:
                result.skips.append(Skip(f"{locator}, {column}", line.text, until["notes"]))
                continue
            notes = mapping.find("note", process, code)
            result.records.append(
                Record(
                    platform_id="google",
                    jurisdiction_id=jurisdiction,
                    period_start=start,
                    period_end=finish,
                    request_type_id=process_row["maps_to"],
                    metric_id=metric,
                    value_kind="exact",
                    value=value,
                    platform_wording=f"{column} (Legal Process: {process})",
                    source_locator=locator,
                    quote=line.text,
                    notes=notes["notes"] if notes else "",
                )
            )
        if len(result.records) + len(result.skips) == before:
            result.skips.append(Skip(locator, line.text, "every value cell is blank: no figure"))
    return result


USER_DATA = Format(
    "google-user-data",
    "Google google-global-user-data-requests.csv: Period Ending, Country/Region, CLDR Territory Code, "
    "Legal Process, User Data Requests, Percentage disclosed, Accounts",
    parse_user_data,
)
FORMATS = [USER_DATA]
