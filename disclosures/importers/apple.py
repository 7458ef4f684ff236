"""Apple's Transparency Report as a third party extracted it to JSON (krMaynard's apple-transparency.json).

Apple publishes its figures as a ZIP of spreadsheets; the readable copy is the extraction, whose
``rows`` are ``[period, country, request type, *measures]`` with integer ids into its own
``periods`` ("2013 H1"), ``countries`` and ``request_types`` arrays and values in the order of
``measures``. Its separate ``ns_rows`` (US national-security bands) are mis-parsed and are never
read. Request types, measures and the country names pycountry does not know map through
``mappings/apple.csv``; a null cell is no figure (the measure does not apply to the type).

Some measures are skipped, each with its mapping's reason, because no metric means them: among them
the emergency file's "Requests where No Data Provided" (``requests_no_data``), which Apple counts
apart from the requests it "Rejected/Challenged and No Data Provided" without saying why no data
was provided, so it is neither the requests with no data found nor all those answered with no
data (Apple's platform notes say what was searched for its definition).
"""

from __future__ import annotations

import json
from pathlib import Path

from .core import Format, Parsed, Record, Skip, below_zero, jurisdiction_lookup, number_cell, read_mapping
from .tables import json_document


def _half(label: str) -> tuple[str, str]:
    year, half = label.split()
    return (f"{year}-01-01", f"{year}-06-30") if half == "H1" else (f"{year}-07-01", f"{year}-12-31")


def parse(path: Path) -> Parsed:
    """Every row × measure → one record; rows and measures that are not user-data figures → skips."""
    data = json_document(Path(path))
    mapping = read_mapping("apple")
    places = jurisdiction_lookup()
    periods, countries, types, measures = data["periods"], data["countries"], data["request_types"], data["measures"]
    result = Parsed()
    for index, row in enumerate(data["rows"]):
        quote = json.dumps(row)
        if not isinstance(row, list) or len(row) != 3 + len(measures):
            # A row cut short ended the import in a traceback (IndexError), or read as its measures
            # not applying; one with ids only, on a period it did not name. A longer one's cells
            # past the measures were dropped without a word.
            cells = len(row) if isinstance(row, list) else 0
            reason = (
                f"the row has {cells} cells, the extraction's rows have {3 + len(measures)} (period, country, "
                "request type and its measures): the file is damaged; download it again"
            )
            result.skips.append(Skip(f"{Path(path).name} rows[{index}]", quote, reason))
            continue
        period, country, request_type = periods[row[0]], countries[row[1]], types[row[2]]
        locator = (
            f"{Path(path).name} rows[{index}]: periods[{row[0]}]={period!r}, countries[{row[1]}]={country!r}, "
            f"request_types[{row[2]}]={request_type!r}"
        )
        type_row = mapping.find("request_type", request_type)
        if type_row is None or not type_row["maps_to"]:
            reason = type_row["notes"] if type_row else f"request type {request_type!r} is not in mappings/apple.csv"
            result.skips.append(Skip(locator, quote, reason))
            continue
        country_row = mapping.find("country", country)
        if country_row is not None:
            jurisdiction = country_row["maps_to"] or None
            missing_reason = country_row["notes"]
        else:
            jurisdiction = places.name(country)
            missing_reason = f"country {country!r} is not in jurisdictions (add it to mappings/apple.csv)"
        if jurisdiction is None:
            result.skips.append(Skip(locator, quote, missing_reason))
            continue
        # A count below zero was proposed as a figure: no figure of such a row is trusted.
        numbers = {
            f"measures[{position}]={measure!r}": str(cell)
            for position, (measure, cell) in enumerate(zip(measures, row[3:], strict=False))
            if isinstance(cell, (int, float)) and not isinstance(cell, bool)
        }
        negative = below_zero(numbers)
        if negative:
            result.skips.append(Skip(locator, quote, negative))
            continue
        if all(cell is None for cell in row[3:]):
            result.skips.append(Skip(locator, quote, "every measure of the row is null: no figure"))
            continue
        start, end = _half(period)
        for position, measure in enumerate(measures):
            cell = row[3 + position]
            if cell is None:
                continue
            measure_row = mapping.find("measure", measure, request_type)
            if measure_row is None or not measure_row["maps_to"]:
                reason = measure_row["notes"] if measure_row else f"measure {measure!r} is not in mappings/apple.csv"
                result.skips.append(Skip(f"{locator}, measures[{position}]={measure!r}", quote, reason))
                continue
            # A cell that is no number (true, "n/a") refused the whole file without naming its row:
            # it is this measure's skip.
            try:
                value = (
                    number_cell(str(cell))
                    if isinstance(cell, (int, float, str)) and not isinstance(cell, bool)
                    else None
                )
                if value is None:
                    raise ValueError(f"not a number: {json.dumps(cell)}")
            except ValueError as error:
                result.skips.append(Skip(f"{locator}, measures[{position}]={measure!r}", quote, str(error)))
                continue
            result.records.append(
                Record(
                    platform_id="apple",
                    jurisdiction_id=jurisdiction,
                    period_start=start,
                    period_end=end,
                    request_type_id=type_row["maps_to"],
                    metric_id=measure_row["maps_to"],
                    value_kind="exact",
                    value=value,
                    platform_wording=f"{type_row['wording']} {measure_row['wording']} (extracted as {measure})",
                    source_locator=f"{locator}, measures[{position}]={measure!r}",
                    quote=quote,
                )
            )
    for index, row in enumerate(data.get("ns_rows") or []):
        # Not read (see the module's note), but each is told: they were passed over without a word.
        reason = "a US national-security row (ns_rows), whose bands the extraction mis-parses: not read"
        result.skips.append(Skip(f"{Path(path).name} ns_rows[{index}]", json.dumps(row), reason))
    return result


APPLE_TRANSPARENCY = Format(
    "apple-transparency-json",
    "krMaynard's apple-transparency.json: rows [period, country, request type, *measures] with integer ids "
    "into periods, countries and request_types (Apple's ZIP of spreadsheets, extracted by a third party)",
    parse,
)
FORMATS = [APPLE_TRANSPARENCY]
