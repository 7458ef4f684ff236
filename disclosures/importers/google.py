"""Google's Transparency Report bulk CSVs (the ZIP at transparencyreport.google.com/user-data).

Formats: ``google-user-data`` (global requests by legal process: the current export, and the
older ``google-user-data-requests.csv``, to 2018-H1, whose headers use older spellings),
``google-dlr`` (diplomatic legal requests by origin and assisting country, consumer or
Enterprise), ``google-enterprise`` (Enterprise Cloud requests by product and legal process) and
``google-national-security`` (FISA or NSL bands, one file each).
Categories map through ``mappings/google.csv``.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from pathlib import Path

from .core import (
    Format,
    ImportFailed,
    Parsed,
    Record,
    Skip,
    below_zero,
    count_cell,
    jurisdiction_lookup,
    number_cell,
    period_of_end,
    read_mapping,
)
from .provenance import name_of
from .tables import Line, csv_lines, short_row

# Column headers of the user-data export, current and older spelling, → metric field label.
COUNT_COLUMNS = ("User Data Requests", "Percentage disclosed", "Accounts")
# The country's name, as the export spells its header now and did to 2018-H1
# (google-user-data-requests.csv): never read, as the CLDR code names the jurisdiction.
COUNTRY_NAME_COLUMNS = ("Country/Region", "Country")


def _locator(path: Path, keys: dict[str, str]) -> str:
    # Keyed, not numbered: the key names the row in any copy or excerpt of the export.
    shown = ", ".join(f"{k}={v}" for k, v in keys.items())
    return f"{path.name} row {shown}"


def _half(end_text: str) -> tuple[str, str]:
    return period_of_end(date.fromisoformat(end_text), 6)


def _spanning(path: Path, line: Line) -> Skip | None:
    """The skip of a record that spans lines, or None. Google writes no line break inside a cell,
    so such a record is a double quote left open: the csv module reads every line after it, up to
    the next quote, as that one record, and the skip said neither where it began nor how far it ran."""
    lines = line.text.split("\n")
    if len(lines) == 1:
        return None
    last = line.number + len(lines) - 1
    rows = sum(1 for text in lines if text.strip())
    reason = (
        f"a double quote left open on line {line.number} makes lines {line.number} to {last} one record: "
        f"the {rows} rows on them are lost (none is imported); the file is damaged; download it again"
    )
    return Skip(f"{path.name} lines {line.number}-{last}", line.text, reason)


def _not_reported(template: Record, metric: str, column: str, process: str, why: str) -> Record:
    """``template``'s row lists a country and process, but ``column`` holds no figure."""
    return replace(
        template,
        metric_id=metric,
        platform_wording=f"{column} (Legal Process: {process})",
        source_locator=f"{template.source_locator}, {column}",
        notes=why,
    )


def _parse_by_process(path: Path, platform_of, product: bool = False) -> Parsed:
    """Rows by legal process (user-data and Enterprise Cloud exports): one figure per value cell.

    ``platform_of(header, line)`` names the platform of a row, or None with the reason in a Skip.
    Quirks: ``Percentage disclosed`` is empty for preservation requests (the metric does not
    apply: no figure), Google began reporting percentages in 2010-H2 and accounts in 2011-H1
    (earlier zeros in those columns are the export's placeholder for "not reported yet":
    ``not_reported_when_zero_until`` rows of the mapping, recorded as ``not_reported``; the older
    export leaves those cells blank instead: ``not_reported_when_blank_until``), and a
    row whose cells are all blank lists a country and process without any figure: each of its
    columns is recorded as ``not_reported``.
    """
    mapping = read_mapping("google")
    places = jurisdiction_lookup()
    keys = ("Period Ending", "CLDR Territory Code", *(("Product",) if product else ()), "Legal Process")
    header, lines = csv_lines(path, keys)
    # A column the mapping does not name is a renamed one ("Accounts" as "Accounts specified"):
    # its figures were dropped without a word, and the import exited 0.
    unknown = [n for n in header if n and n not in (*keys, *COUNTRY_NAME_COLUMNS) and mapping.find("column", n) is None]
    if unknown:
        named = ", ".join(repr(label) for label in mapping.labels("column"))
        raise ImportFailed(
            [
                f"{path.name}:1:{name}: is no column mappings/google.csv names (it names {named}): a renamed "
                "column? Add a column row for it there (maps_to empty to leave it out), then import again"
                for name in unknown
            ]
        )
    columns = {}
    for name in header:
        row = mapping.find("column", name)
        if row and row["maps_to"]:
            columns[row["maps_to"]] = name
    lines = list(lines)
    listed = separately_listed(mapping, header, lines)
    result = Parsed()
    for line in lines:
        spanning = _spanning(path, line)
        if spanning:
            result.skips.append(spanning)
            continue
        end = line.get(header, "Period Ending")
        code = line.get(header, "CLDR Territory Code")
        process = line.get(header, "Legal Process")
        keys = {"Period Ending": end, "CLDR Territory Code": code}
        if "Product" in header:
            keys["Product"] = line.get(header, "Product")
        keys["Legal Process"] = process
        locator = _locator(path, keys)
        short = short_row(line, header)
        if short:
            # A row cut short (Google writes every cell, blank or not): its missing cells read as
            # blank, so their figures were dropped without a word or, before Google reported
            # the metric, recorded as not reported from a cell the file does not hold.
            result.skips.append(Skip(locator, line.text, short))
            continue
        stray = mapping.find("skip_row", f"{end},{code},{process}")
        if stray:
            result.skips.append(Skip(locator, line.text, stray["notes"]))
            continue
        platform = platform_of(mapping, header, line)
        if platform is None:
            product = line.get(header, "Product")
            result.skips.append(Skip(locator, line.text, f"product {product!r} is not in mappings/google.csv"))
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
        # A row's Period Ending that is no date refused the whole file without naming its line
        # ("cannot be read as google-user-data: month must be in 1..12"); one that ends no half
        # year (2015-06-15) made a period of five and a half months. Each is this row's skip.
        try:
            start, finish = _half(end)
        except ValueError as error:
            result.skips.append(Skip(locator, line.text, f"Period Ending {end!r} is not a date: {error}"))
            continue
        if finish[4:] not in ("-06-30", "-12-31"):
            reason = f"Period Ending {end!r} ends no half year (the export's periods end on 30 June or 31 December)"
            result.skips.append(Skip(locator, line.text, reason))
            continue
        notes = mapping.find("note", process, code)
        group = (end, code, line.get(header, "Product") if "Product" in header else "")
        if process_row["maps_to"] == "legal_process" and listed.get(group):
            # Outside the US "Other Legal Requests" is all legal process, unless this country and
            # period lists some of it apart: then it is the rest, as in the US.
            process_row = dict(process_row, maps_to="other_legal_process")
            notes = {
                "notes": "In this country and period Google lists further non-emergency types separately "
                f"({', '.join(listed[group])}), so 'Other Legal Requests' is not all legal process here: "
                "mapped to other_legal_process, as for US rows."
            }

        # A column of this row that lists the country and process but holds no figure.
        absent_template = Record(
            platform_id=platform,
            jurisdiction_id=jurisdiction,
            period_start=start,
            period_end=finish,
            request_type_id=process_row["maps_to"],
            metric_id="",
            value_kind="not_reported",
            value="",
            platform_wording="",
            source_locator=locator,
            quote=line.text,
        )

        # A count below zero (accounts -3) is no figure Google publishes: the row is damaged, and
        # was proposed whole for validate to refuse later. This row's skip, naming the cells.
        negative = below_zero({column: line.get(header, column) for column in columns.values()})
        if negative:
            result.skips.append(Skip(locator, line.text, negative))
            continue
        if all(not line.get(header, column).strip() for column in columns.values()):
            for metric, column in columns.items():
                result.records.append(
                    _not_reported(
                        absent_template,
                        metric,
                        column,
                        process,
                        "Google's export lists this row with every value cell blank.",
                    )
                )
            continue
        for metric, column in columns.items():
            cell = line.get(header, column)
            try:
                value = number_cell(cell)
            except ValueError as error:
                result.skips.append(Skip(f"{locator}, {column}", line.text, str(error)))
                continue
            if value is None:
                # The older export leaves blank what the newer one writes as 0 before Google
                # reported the metric: not reported, where it was dropped without a word.
                blank = mapping.find("not_reported_when_blank_until", column)
                if blank and end <= blank["maps_to"]:
                    result.records.append(_not_reported(absent_template, metric, column, process, blank["notes"]))
                continue  # otherwise Google leaves the cell empty where the metric does not apply
            until = mapping.find("not_reported_when_zero_until", column)
            if until and value == "0" and end <= until["maps_to"]:
                result.records.append(_not_reported(absent_template, metric, column, process, until["notes"]))
                continue
            result.records.append(
                Record(
                    platform_id=platform,
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
    return result


# Non-emergency legal process Google lists apart from "Other Legal Requests" in some countries and
# periods (Ireland's court orders, Türkiye's requests for data of the local subsidiary, ...).
LISTED_APART = (
    "court_order",
    "search_warrant",
    "subpoena",
    "police_request",
    "local_subsidiary",
    "pen_register_trap_trace",
    "wiretap",
)


def separately_listed(mapping, header, lines) -> dict[tuple[str, str, str], list[str]]:
    """{(period ending, territory code, product): Google's labels of the non-emergency legal
    process it lists apart from "Other Legal Requests" there, in file order}."""
    listed: dict[tuple[str, str, str], list[str]] = {}
    for line in lines:
        process, code = line.get(header, "Legal Process"), line.get(header, "CLDR Territory Code")
        row = mapping.find("legal_process", process, code)
        if row and row["maps_to"] in LISTED_APART:
            group = (
                line.get(header, "Period Ending"),
                code,
                line.get(header, "Product") if "Product" in header else "",
            )
            if process not in listed.setdefault(group, []):
                listed[group].append(process)
    return listed


def parse_user_data(path: Path) -> Parsed:
    """google-global-user-data-requests.csv, or the older google-user-data-requests.csv (to
    2018-H1, headed Country, ..., Percentage of requests where some data produced, Users/Accounts
    Specified): every row → requests, percentage disclosed, accounts."""
    return _parse_by_process(path, lambda mapping, header, line: "google")


def _product_platform(mapping, header, line) -> str | None:
    row = mapping.find("product", line.get(header, "Product"))
    return row["maps_to"] if row and row["maps_to"] else None


def parse_enterprise(path: Path) -> Parsed:
    """google-enterprise-data-requests.csv: Enterprise Cloud requests by product and legal process.

    The product (Google Workspace, GCP) names the platform, so these never mix with the
    consumer rows of google-global-user-data-requests.csv.
    """
    return _parse_by_process(path, _product_platform, product=True)


def parse_diplomatic(path: Path) -> Parsed:
    """Diplomatic legal requests (user-data and Enterprise Cloud DLR exports), one figure per row.

    The assisting country (the United States or Ireland) maps to a request type of its own, so the
    two rows a country can have in one period stay apart and are never added up here. An Enterprise
    row with no country and 0 is Google's statement that there were none: it becomes WORLD.
    """
    mapping = read_mapping("google")
    places = jurisdiction_lookup()
    header, lines = csv_lines(path, ("Period Ending", "Country/Region of Origin", "Assisting Country"))
    value_column = header[-1]
    result = Parsed()
    for line in lines:
        spanning = _spanning(path, line)
        if spanning:
            result.skips.append(spanning)
            continue
        end = line.get(header, "Period Ending")
        origin = line.get(header, "Country/Region of Origin")
        code = line.get(header, "CLDR Territory Code") if "CLDR Territory Code" in header else ""
        assisting = line.get(header, "Assisting Country")
        product = line.get(header, "Product") if "Product" in header else ""
        keys = {"Period Ending": end}
        if product:
            keys["Product"] = product
        keys["Country/Region of Origin"] = origin
        keys["Assisting Country"] = assisting
        locator = _locator(path, keys)
        short = short_row(line, header)
        if short:
            # Its count is the last cell: a row cut short was "blank value: no figure", or took
            # the Assisting Country as its count.
            result.skips.append(Skip(locator, line.text, short))
            continue
        platform = "google"
        if product:
            platform_row = mapping.find("product", product)
            if not platform_row or not platform_row["maps_to"]:
                result.skips.append(Skip(locator, line.text, f"product {product!r} is not in mappings/google.csv"))
                continue
            platform = platform_row["maps_to"]
        if not origin and not assisting:
            jurisdiction, assist_row = "WORLD", mapping.find("assisting_country", "")
        else:
            jurisdiction = places.code(code) if code else places.name(origin)
            assist_row = mapping.find("assisting_country", assisting)
        if jurisdiction is None:
            result.skips.append(Skip(locator, line.text, f"country {origin!r} ({code}) is not in jurisdictions"))
            continue
        if not assist_row or not assist_row["maps_to"]:
            result.skips.append(
                Skip(locator, line.text, f"assisting country {assisting!r} is not in mappings/google.csv")
            )
            continue
        try:
            value = count_cell(line.get(header, value_column))
        except ValueError as error:
            result.skips.append(Skip(locator, line.text, f"{value_column}: {error}"))
            continue
        if value is None:
            result.skips.append(Skip(locator, line.text, "blank value: no figure"))
            continue
        try:
            start, finish = _half(end)
        except ValueError as error:
            result.skips.append(Skip(locator, line.text, f"Period Ending {end!r} is not a date: {error}"))
            continue
        wording = f"{value_column} (Assisting Country: {assisting})" if assisting else value_column
        result.records.append(
            Record(
                platform_id=platform,
                jurisdiction_id=jurisdiction,
                period_start=start,
                period_end=finish,
                request_type_id=assist_row["maps_to"],
                metric_id="requests_received",
                value_kind="exact",
                value=value,
                platform_wording=wording,
                source_locator=locator,
                quote=line.text,
                notes=assist_row["notes"],
            )
        )
    return result


NATIONAL_SECURITY_COLUMNS = {
    "requests_received": ("Number of requests (range MIN)", "Number of requests (range MAX)"),
    "accounts_specified": ("Number of accounts (range MIN)", "Number of accounts (range MAX)"),
}


def parse_national_security(path: Path) -> Parsed:
    """One US national-security CSV (FISA content, FISA non-content or NSL): bands per half-year.

    The file's name says which kind of request it counts (``national_security_file`` rows of the
    mapping). Each row gives two bands, requests and accounts, kept as bands (never a midpoint).
    """
    mapping = read_mapping("google")
    # Known by its name, which --allow-different-file labels with its checksum: it was then
    # "not a Google national-security file", so no other copy could be reviewed.
    kind = mapping.find("national_security_file", name_of(path.name))
    if kind is None or not kind["maps_to"]:
        raise ValueError(f"{path.name}: not a Google national-security file named in mappings/google.csv")
    columns = [column for pair in NATIONAL_SECURITY_COLUMNS.values() for column in pair]
    header, lines = csv_lines(path, ("Reporting period ending date", *columns))
    result = Parsed()
    for line in lines:
        spanning = _spanning(path, line)
        if spanning:
            result.skips.append(spanning)
            continue
        end = line.get(header, "Reporting period ending date")
        locator = _locator(path, {"Reporting period ending date": end})
        short = short_row(line, header)
        if short:
            result.skips.append(Skip(locator, line.text, short))
            continue
        try:
            start, finish = _half(end)
        except ValueError as error:
            reason = f"Reporting period ending date {end!r} is not a date: {error}"
            result.skips.append(Skip(locator, line.text, reason))
            continue
        negative = below_zero({column: line.get(header, column) for column in columns})
        if negative:
            result.skips.append(Skip(locator, line.text, negative))
            continue
        for metric, (low_column, high_column) in NATIONAL_SECURITY_COLUMNS.items():
            try:
                low, high = number_cell(line.get(header, low_column)), number_cell(line.get(header, high_column))
            except ValueError as error:
                result.skips.append(Skip(f"{locator}, {low_column} – {high_column}", line.text, str(error)))
                continue
            if low is None or high is None:
                result.skips.append(Skip(locator, line.text, f"{low_column} or {high_column} is blank"))
                continue
            result.records.append(
                Record(
                    platform_id="google",
                    jurisdiction_id="USA",
                    period_start=start,
                    period_end=finish,
                    request_type_id=kind["maps_to"],
                    metric_id=metric,
                    value_kind="band",
                    value="",
                    value_low=low,
                    value_high=high,
                    platform_wording=f"{low_column} – {high_column}",
                    source_locator=locator,
                    quote=line.text,
                    notes=kind["notes"],
                )
            )
    return result


USER_DATA = Format(
    "google-user-data",
    "Google google-global-user-data-requests.csv: Period Ending, Country/Region, CLDR Territory Code, "
    "Legal Process, User Data Requests, Percentage disclosed, Accounts (or the older google-user-data-requests.csv, "
    "to 2018-H1: Country, ..., Percentage of requests where some data produced, Users/Accounts Specified)",
    parse_user_data,
)
ENTERPRISE = Format(
    "google-enterprise",
    "Google google-enterprise-data-requests.csv: Enterprise Cloud customer requests by product and legal process",
    parse_enterprise,
)
DIPLOMATIC = Format(
    "google-dlr",
    "Google google-global-user-data-dlr-requests.csv or google-enterprise-data-dlr-requests.csv: "
    "diplomatic legal requests by country of origin and assisting country",
    parse_diplomatic,
)
NATIONAL_SECURITY = Format(
    "google-national-security",
    "Google google-usnationalsecurity-{fisa-content,fisa-non-content,nsl}-requests.csv: US bands per half-year",
    parse_national_security,
)
FORMATS = [USER_DATA, ENTERPRISE, DIPLOMATIC, NATIONAL_SECURITY]
