"""Microsoft's Law Enforcement Requests Report as a third party extracted it (krMaynard's microsoft-lerr.json).

Microsoft publishes an XLSX; the readable copy is the extraction, whose ``rows`` are
``[period, section, country, metric, unit, value]`` ("2025-H1", "criminal", "France",
"requests", "count", 2090): counts only, no percentages and no worldwide totals. Sections,
metrics and the country spellings pycountry does not know map through ``mappings/microsoft.csv``.
The extractor documents a mismatch of up to 2 against Microsoft's own totals for 2025-H1.
"""

from __future__ import annotations

import json
from pathlib import Path

from .core import Format, Parsed, Record, Skip, count_cell, jurisdiction_lookup, read_mapping
from .tables import json_document

# The cells of an extraction's row, in order.
ROW_CELLS = ("period", "section", "country", "metric", "unit", "value")


def _half(label: str) -> tuple[str, str]:
    year, half = label.split("-")
    return (f"{year}-01-01", f"{year}-06-30") if half == "H1" else (f"{year}-07-01", f"{year}-12-31")


def parse(path: Path) -> Parsed:
    """Every row → one record, unless its section, metric or country is not a figure here (a skip)."""
    data = json_document(Path(path))
    mapping = read_mapping("microsoft")
    places = jurisdiction_lookup()
    result = Parsed()
    for index, row in enumerate(data["rows"]):
        # The row exactly as the file writes it (compact JSON), so the quote is the record.
        quote = json.dumps(row, ensure_ascii=False, separators=(",", ":"))
        if not isinstance(row, list) or len(row) != len(ROW_CELLS):
            # A row cut short (or one cell too many) refused the whole file, naming no row ("not
            # enough values to unpack (expected 6, got 5)").
            cells = len(row) if isinstance(row, list) else 0
            reason = (
                f"the row has {cells} cells, the extraction's rows have {len(ROW_CELLS)} ({', '.join(ROW_CELLS)}): "
                "the file is damaged; download it again"
            )
            result.skips.append(Skip(f"{Path(path).name} rows[{index}]", quote, reason))
            continue
        period, section, country, metric, unit, value = row
        locator = f"{Path(path).name} rows: period={period}, section={section}, country={country}, metric={metric}"
        lookups = [("section", section), ("metric", metric)]
        unmapped = None
        for field_name, label in lookups:
            found = mapping.find(field_name, label)
            if found is None or not found["maps_to"]:
                unmapped = found["notes"] if found else f"{field_name} {label!r} is not in mappings/microsoft.csv"
                break
        if unmapped:
            result.skips.append(Skip(locator, quote, unmapped))
            continue
        country_row = mapping.find("country", country)
        jurisdiction = (country_row["maps_to"] or None) if country_row else places.name(country)
        if jurisdiction is None:
            reason = country_row["notes"] if country_row else f"country {country!r} is not in jurisdictions"
            result.skips.append(Skip(locator, quote, reason))
            continue
        if unit != "count":
            result.skips.append(Skip(locator, quote, f"unit {unit!r}: only counts are read"))
            continue
        # A value that is no number ("n/a", true) refused the whole file without naming its row,
        # and one below zero (-2090) was proposed as a figure: each is this row's skip.
        try:
            number = (
                count_cell(str(value)) if isinstance(value, (int, float, str)) and not isinstance(value, bool) else None
            )
            if number is None:
                raise ValueError(f"not a number: {json.dumps(value)}")
        except ValueError as error:
            result.skips.append(Skip(locator, quote, f"value: {error}"))
            continue
        start, end = _half(period)
        result.records.append(
            Record(
                platform_id="microsoft",
                jurisdiction_id=jurisdiction,
                period_start=start,
                period_end=end,
                request_type_id=mapping.find("section", section)["maps_to"],
                metric_id=mapping.find("metric", metric)["maps_to"],
                value_kind="exact",
                value=number,
                platform_wording=f"{metric} in section {section} (the extraction's labels for Microsoft's columns)",
                source_locator=locator,
                quote=quote,
            )
        )
    return result


MICROSOFT_LERR = Format(
    "microsoft-lerr-json",
    "krMaynard's microsoft-lerr.json: rows [period, section, country, metric, unit, value] "
    "(Microsoft's XLSX, extracted by a third party)",
    parse,
)
FORMATS = [MICROSOFT_LERR]
