"""Validate the data package: Frictionless for the Table Schema, plus the rules it can't express.

``validate_package(path)`` returns every problem as a ``rules.Problem`` (file, line, field,
message), sorted; an empty list means the package is valid. Nothing is printed.
"""

from __future__ import annotations

import ast
import contextlib
import csv
import difflib
import hashlib
import io
import json
import os
import re
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from pathlib import Path

from . import consistency, derive, files, rules, safety, table_schema
from .paths import PACKAGE
from .schema_sql import BUILD_COLUMNS, SQLITE_TYPES
from .table_schema import read_text_rows as read_rows
from .vocabulary import (
    DERIVED_SUFFIX,
    PACKAGE_FIELDS,
    PACKAGE_KEYS,
    PACKAGE_MINIMUM,
    PACKAGE_REQUIRED,
    PACKAGE_RESOURCES,
    PACKAGE_UNIQUE,
    ROWID_NAMES,
    built_by_the_build,
    number_text,
)

NUMERIC_TYPES = {"integer", "number"}
# Resources whose rows carry a value, how it was stated (value_kind) and the quote it came from.
QUOTED_VALUE_RESOURCES = {"figures", "authority_reports"}
FIGURE_IDENTITY = ("platform_id", "jurisdiction_id", "period_start", "period_end", "request_type_id", "metric_id")


class ValidationFailed(Exception):
    def __init__(self, problems: list[rules.Problem]):
        self.problems = problems
        super().__init__(f"{len(problems)} validation problem(s)")


# Row rules as Frictionless checks, so they land in the same report as schema errors -------


def period_order_notes(values) -> list[tuple[str, str]]:
    """(field, note): period_end before period_start, in any row that has both as dates."""
    start, end = values.get("period_start"), values.get("period_end")
    if isinstance(start, date) and isinstance(end, date) and end < start:
        return [("period_end", f"period_end {end} is before period_start {start}")]
    return []


ID_PARTS = ("platform_id", "jurisdiction_id", "period_start", "period_end", "request_type_id", "metric_id")


def figure_id_notes(values) -> list[tuple[str, str]]:
    """(field, note): a figure's id must be the one its own fields make,
    ``<platform>-<jurisdiction>-<period label>-<request type>-<metric>``, so that an edit of a
    figure's country or period cannot leave it under the id (and the links) of another."""
    if "figure_id" not in values or not all(values.get(part) for part in ID_PARTS):
        return []
    start, end = values["period_start"], values["period_end"]
    if not (isinstance(start, date) and isinstance(end, date)) or end < start:
        return []
    label = rules.period_label(start, end)
    expected = (
        f"{values['platform_id']}-{str(values['jurisdiction_id']).lower()}-{label}-"
        f"{values['request_type_id']}-{values['metric_id']}"
    )
    if values["figure_id"] == expected:
        return []
    if str(values["figure_id"]).endswith(DERIVED_SUFFIX):
        # Renamed to the id its fields make, a sum typed by hand would pass as a reported figure.
        return [
            (
                "figure_id",
                f"ends in {DERIVED_SUFFIX}, the mark of a figure the build derives (a sum or a complement of "
                f"reported ones), which is never typed into data/: delete this row. Only if a source reports "
                f"this figure itself, give it the id {expected}, with that source and its quote",
            )
        ]
    differing = _id_part_differences(str(values["figure_id"]), expected)
    return [("figure_id", f"is {values['figure_id']} but its fields make {expected}{differing}")]


# The parts of a figure id, in order, and the fields that make each (with their verb).
ID_PART_FIELDS = (
    "platform_id makes",
    "jurisdiction_id makes",
    "period_start and period_end make",
    "request_type_id makes",
    "metric_id makes",
)
PERIOD_IN_AN_ID = re.compile(r"[0-9]{4}(?:h[12]|q[1-4])?|[0-9]{8}-[0-9]{8}")


def _id_part_differences(figure_id: str, expected: str) -> str:
    """Which parts of ``figure_id`` its fields make otherwise, as " (the id has mozilla where
    platform_id makes Mozilla; ...)": beside a field that names no row (a new curator's "Mozilla",
    "subpoenas"), the id looked like the mistake when it was the one part that was right. Empty
    when the id does not read as five parts (only the period holds a hyphen)."""

    def parts(text: str) -> list[str] | None:
        pieces = text.split("-")
        if len(pieces) < 5:
            return None
        period = "-".join(pieces[2:-2])
        return [pieces[0], pieces[1], period, pieces[-2], pieces[-1]] if PERIOD_IN_AN_ID.fullmatch(period) else None

    given, made = parts(figure_id), parts(expected)
    if given is None or made is None:
        return ""
    told = [
        f"the id has {g} where {field} {m}" for field, g, m in zip(ID_PART_FIELDS, given, made, strict=True) if g != m
    ]
    return f" ({'; '.join(told)}): correct whichever is wrong" if told else ""


def figure_value_notes(
    values, record_sources: set[str], unreadable=(), sources: set[str] | None = None
) -> list[tuple[str, str]]:
    """(field, note): a figure's (or authority report's) value columns against its value_kind,
    and its numbers against its quote. ``values`` maps field names to typed cells; ``unreadable``
    names the fields whose cells were given but could not be typed (their type problem is
    reported already: "is required" would tell the curator to fill a cell they did fill).
    ``sources``, every source id: a quote whose source_id is blank or names none of them may be a
    record's, whose fields hold the value (its unknown source is reported already: a misspelt
    source_id of a DSA orders row was told its 0 was not in 'BG,0,0,0')."""
    notes = figure_id_notes(values) + rules.wording_problems(values.get("metric_id"), values.get("platform_wording"))
    kind = values.get("value_kind")
    numbers = {name: values.get(name) for name in ("value", "value_low", "value_high")}
    notes += [
        (field, note)
        for field, note in rules.value_kind_problems(
            kind, numbers["value"], numbers["value_low"], numbers["value_high"]
        )
        if field not in unreadable
    ]
    quote = values.get("quote")
    if not isinstance(quote, str):
        return notes
    source_id = values.get("source_id")
    is_record = source_id in record_sources or (sources is not None and source_id not in sources)
    for field, number in rules.numbers_to_find_in_quote(
        kind, numbers["value"], numbers["value_low"], numbers["value_high"]
    ):
        if not isinstance(number, Decimal) or not number.is_finite():
            continue
        if rules.value_in_text(number, quote) or (is_record and rules.value_in_record(number, quote)):
            continue
        notes.append(("quote", f"{field} {number_text(number)} does not appear in the quote"))
    only_a_year = (
        kind == "exact" and isinstance(numbers["value"], Decimal) and rules.value_only_as_year(numbers["value"], quote)
    )
    if only_a_year:
        notes.append(
            (
                "value",
                f"{number_text(numbers['value'])} is in the quote only as a year (in 2013, 2013-06-30, 2012–2013): "
                "the figure must be a number the quote gives for it",
            )
        )
    # A year's range ("2012–2013") is told once, as a year.
    approximate = (
        rules.value_only_approximate(numbers["value"], quote)
        if kind == "exact" and isinstance(numbers["value"], Decimal) and not only_a_year
        else None
    )
    if approximate and rules.is_a_range(approximate):
        notes.append(
            (
                "value",
                f"{number_text(numbers['value'])} is in the quote only as an end of the range {rules.shown_words(approximate)}: "
                "a range is a band (value_kind band, with value_low and value_high), not an exact figure",
            )
        )
    elif approximate:
        notes.append(
            (
                "value",
                f"{number_text(numbers['value'])} is in the quote only as {rules.shown_words(approximate)}, a rounded number or a bound: "
                "an exact figure is one the source gives as it is (take it from the platform's own text, or leave it out)",
            )
        )
    notes += rules.record_identity_problems(
        quote,
        values.get("source_locator") or "",
        values.get("jurisdiction_id"),
        values.get("period_start"),
        values.get("period_end"),
        is_record=is_record,
    )
    notes += rules.record_column_problems(
        values.get("source_locator") or "", quote, values.get("metric_id"), kind, numbers["value"]
    )
    notes += rules.extraction_row_problems(
        values.get("source_locator") or "", quote, values.get("metric_id"), kind, numbers["value"]
    )
    named = rules.named_field_number(values.get("source_locator") or "", quote)
    value = numbers["value"]
    if kind == "exact" and named and isinstance(value, Decimal) and named[1] != value:
        field, held = named
        shown = "no number" if held is None else number_text(held)
        notes.append(
            ("quote", f'the locator names field "{field}", which holds {shown} in the quote, not {number_text(value)}')
        )
    return notes


# Raw-text rules: what Frictionless accepts silently -------------------------------------


def shown_path(path: Path, base: Path) -> str:
    """``path`` relative to ``base`` when it lies inside it, as messages print it.

    Symlinks are not followed: a package given as ``current`` (a link to ``v2``) is named
    ``current/...``, as the curator gave it, not as its target."""
    try:
        return Path(os.path.abspath(path)).relative_to(os.path.abspath(base)).as_posix()
    except ValueError:
        return path.as_posix()


def raw_file_problems(path: Path, shown: str, fields: list[dict]) -> list[rules.Problem]:
    """Encoding, line structure, header and cell hygiene of one CSV file."""
    problems: list[rules.Problem] = []

    def problem(line, field, message):
        problems.append(rules.Problem(shown, line, field, message))

    try:
        raw = path.read_bytes()
    except OSError as error:
        return [rules.Problem(shown, None, None, f"cannot be read: {error.strerror}")]
    if raw.startswith(b"\xef\xbb\xbf"):
        problem(1, None, "starts with a byte-order mark; save as UTF-8 without BOM")
        raw = raw[3:]
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as error:
        line = raw[: error.start].count(b"\n") + 1
        return problems + [rules.Problem(shown, line, None, not_utf8_message(raw, error, [f["name"] for f in fields]))]
    if "\r" in text:
        problem(text[: text.index("\r")].count("\n") + 1, None, "has a carriage return; use LF line endings")
    if text and not text.endswith("\n"):
        problem(text.count("\n") + 1, None, "the last line must end with a newline")

    names = [f["name"] for f in fields]
    separator = other_separator(text, names)
    if separator:
        # A spreadsheet's export in a locale whose decimal mark is a comma, or as tab-separated
        # text: every row is one cell read against a one-cell header, which told each row of
        # figures.csv (15,181 lines) to quote a comma it does not have. One line says what
        # happened; its rows wait for it.
        problem(1, None, separated_by(OTHER_SEPARATORS[separator]))
        return problems
    numeric = {f["name"] for f in fields if f.get("type") in NUMERIC_TYPES}
    dates = {f["name"] for f in fields if f.get("type") == "date"}
    # Lines as csv and every reader of a CSV count them, at LF (and CR, reported apart):
    # splitlines() also breaks at U+2028, U+0085 and form feeds, so a U+2028 in a quote made its
    # row two, "has 15 cells" and "has 2 cells", and moved every later line number.
    lines = io.StringIO(text, newline="").readlines()
    reader = table_schema.csv_reader(lines, strict=True)
    previous_line, header_cells = 0, len(names)
    try:
        for record in reader:
            first_line, last_line = previous_line + 1, reader.line_num
            previous_line = last_line
            if last_line != first_line:
                problem(
                    first_line,
                    None,
                    f"one record spans lines {first_line}-{last_line}: an unbalanced quote, "
                    "or a line break inside a cell (write it as ¶)",
                )
            if first_line == 1:
                if record != names:
                    problem(1, None, header_message(record, names))
                # Rows are counted against the header as written: with a column added to both,
                # each row was told its 17 cells meant an unquoted comma, against 16.
                header_cells = len(record)
                continue
            if not any(record):
                problem(first_line, None, "is a blank row: delete the line")
                continue
            if record == names:
                # A second header pasted in with rows from another copy: read as a row, each of its
                # cells broke its column's rule ("'url' is not a URI", "values "source_id" not found").
                problem(first_line, None, f"{REPEATED_HEADER} (line 1): delete this line")
                continue
            # A row that has the schema's count while the header has another is the header's
            # mistake, which line 1 reports: not once more per row.
            if len(record) not in (header_cells, len(names)):
                problem(first_line, None, cell_count_message(len(record), header_cells))
            for name, cell in zip(names, record, strict=False):
                for message in rules.cell_problems(cell, numeric=name in numeric, is_date=name in dates):
                    problem(first_line, name, message)
            if first_line == last_line and '"' in lines[first_line - 1]:
                for column in table_schema.unquoted_cells_with_a_quote(lines[first_line - 1]):
                    problem(first_line, names[column] if column < len(names) else None, QUOTE_IN_UNQUOTED_CELL)
    except csv.Error as error:
        if str(error).startswith("field larger than field limit"):
            # Not a quote: a cell past the readers' limit, which was told it was an unbalanced
            # quote on a line whose quotes were fine.
            problem(
                previous_line + 1,
                None,
                f"has a cell longer than {table_schema.CSV_FIELD_LIMIT:,} characters, which no reader here takes",
            )
            return problems
        # A stray quote takes the lines after it into its cell, and the reader fails only where
        # the next quote is (five lines on, once): the curator is sent to the line it opened on.
        opened, column, closed = unbalanced_quote(lines, previous_line + 1)
        cell = f"the {names[column]} cell" if column < len(names) else f"cell {column + 1}"
        if closed is None:
            runs = "it is never closed, so the cell runs to the end of the file"
        elif closed == opened:
            runs = "a quote later on this line ends the cell with text still after it"
        else:
            taken = f"line {closed}" if closed == opened + 1 else f"lines {opened + 1}-{closed}"
            runs = f"it takes {taken} into the cell, up to a quote with text still after it"
        problem(
            opened,
            None,
            f"is not well-formed CSV: the quote that opens {cell} on this line is unbalanced ({runs}); "
            'close it, or write a quote inside a quoted cell as two ("")',
        )
    return problems


def not_utf8_message(raw: bytes, error: UnicodeDecodeError, names: list[str]) -> str:
    """What a file that is not UTF-8 is told: the byte, the cell it is in, and what it is in
    Windows-1252, the encoding a spreadsheet or an editor on Windows saves in ("is not valid
    UTF-8" alone left a curator to search the line for it)."""
    line_start = raw.rfind(b"\n", 0, error.start) + 1
    before = raw[line_start : error.start].decode("utf-8", errors="replace")
    try:
        column = len(next(csv.reader([before]), [""])) - 1 if before else 0
    except csv.Error:
        column = len(names)
    cell = f" in the {names[column]} cell" if line_start and column < len(names) else ""
    byte = raw[error.start : error.start + 1]
    return (
        f"is not valid UTF-8: byte 0x{byte.hex().upper()}{cell} is {byte.decode('cp1252', errors='replace')!r} "
        "in Windows-1252 (a spreadsheet or an editor saved the file so): save it as UTF-8"
    )


def unbalanced_quote(lines: list[str], start: int) -> tuple[int, int, int | None]:
    """Where a strict CSV reader's failure in the record starting at line ``start`` of ``lines``
    (each with its line end) comes from: (the line of the quote that opened the failing cell, the
    cell's column index, the line where a quote ended that cell with text after it, or None when
    the file ended inside it)."""
    column, opened, quoted, at_start = 0, (start, 0), False, True
    for line in range(start, len(lines) + 1):
        text, i = lines[line - 1], 0
        while i < len(text):
            character = text[i]
            if quoted and character == '"':
                after = text[i + 1 : i + 2]
                if after == '"':
                    i += 1
                elif after in (",", "\n", "\r", ""):
                    quoted = False
                else:
                    return (*opened, line)
            elif not quoted and character == '"' and at_start:
                quoted, opened = True, (line, column)
            elif not quoted and character == ",":
                column += 1
                at_start = True
                i += 1
                continue
            at_start = False
            i += 1
        if not quoted:
            # A record that ends here was read whole: the next one is the reader's.
            column, at_start = 0, True
    return (*opened, None)


# What a file whose header is the schema's columns separated by semicolons is told. It starts
# with "header " (DAMAGED_HEADER): no cell of it, nor any other file's problem naming its table,
# is reported until it is saved with commas.
# What a spreadsheet may separate cells with instead of commas, as a message names it. A
# tab-separated file was told its header "lacks" every column it has, then of an unbalanced quote.
OTHER_SEPARATORS = {";": "semicolons", "\t": "tabs"}


def separated_by(separators: str) -> str:
    return (
        f"header is separated by {separators}, not commas (a spreadsheet saved it so): save the file as "
        "CSV with commas (UTF-8 without BOM, LF line endings), as a text editor keeps it"
    )


def other_separator(text: str, names: list[str]) -> str | None:
    """The separator of OTHER_SEPARATORS that ``text``'s header is written with, or None: no comma,
    and at least two of the schema's column names (``names``) among the labels it separates."""
    first = text.split("\n", 1)[0].rstrip("\r")
    if "," in first:
        return None
    for separator in OTHER_SEPARATORS:
        labels = next(csv.reader([first], delimiter=separator), []) if separator in first else []
        if len(set(labels) & set(names)) >= 2:
            return separator
    return None


def shown_label(label: str) -> str:
    """A header label as a message names it: quoted when it is empty or has spaces at its ends."""
    return label if label and label.strip() == label else f'"{label}"'


def header_message(header: list[str], names: list[str]) -> str:
    """What a header that is not the schema's field names (``names``) is told: two columns
    swapped, the columns in another order, or which are missing and which are not the schema's."""
    if sorted(header) == sorted(names):
        moved = [name for name, given in zip(names, header, strict=True) if name != given]
        if len(moved) == 2:
            return f"header has {moved[0]} and {moved[1]} swapped: the schema's order is {', '.join(names)}"
        return f"header has the schema's columns in another order: write them as {', '.join(names)}"
    trailing = len(header) - len(names)
    if trailing > 0 and header[: len(names)] == names and not any(header[len(names) :]):
        # Told 'has "" twice; has "", which the schema does not', the curator looked for a column
        # named "" where a spreadsheet had written a comma or two at the end of every line.
        columns = "an empty column" if trailing == 1 else f"{trailing} empty columns"
        return (
            f"header ends in {columns} after {names[-1]} (a spreadsheet saved columns past the last): "
            "delete the trailing commas from every line"
        )
    missing = [name for name in names if name not in header]
    unknown = list(dict.fromkeys(given for given in header if given not in names))
    repeated = {given: header.count(given) for given in dict.fromkeys(header) if header.count(given) > 1}
    if not (missing or unknown or repeated):
        return f"header {header} does not match the schema's fields {names}"
    times = {2: "twice", 3: "three times"}
    told = (
        [f"has {shown_label(name)} {times.get(count, f'{count} times')}" for name, count in repeated.items()]
        + ([f"lacks {', '.join(map(shown_label, missing))}"] if missing else [])
        + ([f"has {', '.join(map(shown_label, unknown))}, which the schema does not"] if unknown else [])
    )
    return f"header {'; '.join(told)}: the schema's columns are {', '.join(names)}"


# What raw_file_problems says of a header that is not the schema's: no cell of the file is read
# against the right field until it is (without_echoes_of_damaged_rows).
DAMAGED_HEADER = re.compile(r"^header ")
# What raw_file_problems says of a row whose cells cannot be read against the header.
NOT_WELL_FORMED = "is not well-formed CSV"
REPEATED_HEADER = "repeats the header"
DAMAGED_ROW = re.compile(rf"^(has [0-9]+ cells, the header has [0-9]+|{NOT_WELL_FORMED}|{REPEATED_HEADER})")


# What a cell is told that holds a double quote without being quoted: Python's csv module and
# Frictionless keep the quote as text, but RFC 4180 allows one only inside a quoted cell, and a
# curator's spreadsheet or another reader may take it for the start of one.
QUOTE_IN_UNQUOTED_CELL = (
    'has a double quote in a cell that is not quoted; quote the whole cell and double the quote ("a ""b"" c"), '
    "as RFC 4180 asks"
)


def cell_count_message(cells: int, header: int) -> str:
    """What a row with the wrong number of cells is told: its cells are read shifted, so what
    else they would break is not reported (``without_echoes_of_damaged_rows``)."""
    cause = (
        "an unquoted comma in a cell (quote a cell that holds one)"
        if cells > header
        else "a cell or its comma left out"
    )
    return f"has {cells} cells, the header has {header}: {cause}. Its cells are checked once it has the header's count"


def without_echoes_of_damaged_rows(problems: list[rules.Problem]) -> list[rules.Problem]:
    """``problems`` without the cell problems of a file whose header is not the schema's, and
    without the others on a line whose cell count is wrong or whose quoting is broken: read
    against the header, its cells are shifted, so their type, constraint and rule problems (and
    Frictionless's own "extra value"/"missing value") restate one mistake as several, most of
    them misleading ("source_id: ... not found" for a quote read as a source id)."""
    damaged = {(p.path, p.line) for p in problems if p.field is None and DAMAGED_ROW.match(p.message)}
    # A wrong header: every cell of the file was read against another field (Frictionless's
    # "Label ... does not match" lines among them); the file's line-level problems stay.
    headless = {p.path for p in problems if p.line == 1 and p.field is None and DAMAGED_HEADER.match(p.message)}
    # An unbalanced quote: the records from its line on are unknown, and Frictionless, reading
    # the file its own way, named the lines inside the quote's span as labels of line 1.
    unquoted: dict[str, int] = {}
    for p in problems:
        if p.field is None and p.line and p.message.startswith(NOT_WELL_FORMED):
            unquoted[p.path] = min(p.line, unquoted.get(p.path, p.line))
    return [
        p
        for p in problems
        if ((p.path, p.line) not in damaged or (p.field is None and DAMAGED_ROW.match(p.message)))
        and (p.path not in headless or p.field is None)
        and not (p.path in unquoted and p.field is not None and (p.line == 1 or (p.line or 0) >= unquoted[p.path]))
    ]


# What a file is told when its rows cannot be read as its table's at all (any line), or not
# against the right columns (line 1). A cell past the readers' limit, on any line, ends the read
# of the whole table: a 2 MB note in figures.csv told 992 corroborations and corrections that
# their figure was missing.
UNREADABLE_FILE = re.compile(
    r"^(is an empty file|is not valid UTF-8|cannot be read|is not well-formed CSV|has a cell longer than)"
)
UNREADABLE_TABLE = re.compile(r"^(header |has no rows)")


# Rules that read a table without naming it in their messages, by a phrase of each message:
# with sources unreadable, no quote is known to be a record's (635 figures and corroborations
# were told their value was not in their quote); with metrics unreadable, no figure can be derived.
READS_WITHOUT_NAMING = {
    "sources": ("does not appear in the quote",),
    "metrics": ("a figure the build derives",),
}


def without_echoes_of_damaged_tables(problems: list[rules.Problem], tables: dict[str, str]) -> list[rules.Problem]:
    """``problems`` without other files' problems that name a table whose file is damaged
    (empty, not UTF-8, or a header that is not the schema's): an empty figures.csv told 1,565
    corrections, corroborations and disagreements that their figure was missing, with the one
    real problem among them. Each file whose problems were left out gets one line that says how
    many, and why. ``tables``: {shown path of a resource's file: its name}."""
    damaged = {
        p.path
        for p in problems
        if p.field is None
        and (UNREADABLE_FILE.match(p.message) or (p.line == 1 and UNREADABLE_TABLE.match(p.message)))
        and p.path in tables
    }
    if not damaged:
        return problems
    names = {tables[path]: path for path in damaged}
    # A table named as the messages name one: not inside a word, a path or a cell echoed in
    # single quotes (a value 'cases' is no mention of the table cases).
    mention = re.compile(r"""(?<![\w/'-])"?(""" + "|".join(map(re.escape, names)) + r""")(?:\.csv)?"?(?![\w'-])""")
    kept, left_out = [], Counter()
    for p in problems:
        named = None
        if p.path not in damaged and p.field is not None:
            found = mention.search(p.message)
            named = (
                found.group(1)
                if found
                else next(
                    (name for name in names if any(m in p.message for m in READS_WITHOUT_NAMING.get(name, ()))), None
                )
            )
        if named:
            left_out[(p.path, named)] += 1
        else:
            kept.append(p)
    for (path, name), count in sorted(left_out.items()):
        kept.append(
            rules.Problem(
                path,
                None,
                None,
                f"{count} problem(s) naming {name} left out: {names[name]} cannot be read as its table "
                "(its own problem says why); fix it, then validate again",
            )
        )
    return kept


# A foreign-key problem, as Frictionless (and table_schema, which matches it) words it.
LOOKUP_MISS = re.compile(
    r'^for "(?P<field>[^",]+)": values "(?P<value>[^"]*)" not found in the lookup table '
    r'"(?P<resource>[^"]+)" as "(?P<target>[^",]+)"'
)


def removal_hint(correction_id: str) -> str:
    """What a row naming a figure that the correction ``correction_id`` removed is told to do."""
    return f"correction {correction_id} removed it: remove this row, or point it at the figure that replaces it"


# A corroboration's figure that is not in the data (validate.corroboration_problems).
NOT_A_FIGURE = re.compile(r"^(?P<figure_id>\S+) is neither in figures nor a figure the build derives(?::|$)")
NOT_A_FIGURE_TEXT = "{} is neither in figures nor a figure the build derives"


def digits_of(key: str) -> tuple[str, ...]:
    """The numbers written in a key, in order: ``2025q1`` and ``issue-54`` name what they count."""
    return tuple(re.findall(r"[0-9]+", key))


def with_near_keys(
    problems: list[rules.Problem], package_path: Path, descriptor: dict, base: Path
) -> list[rules.Problem]:
    """``problems``, a value that names no row of another table told what to do: the key it
    nearly is (another case, or a close spelling: ``deu`` is ``DEU``, ``…-reprot`` is
    ``…-report``), or else to add that row. When the key it nearly is names nothing itself
    while several rows name the value (``examplechat`` misspelt in platforms.csv, under every
    figure of the platform), that row is the one to correct; never a figure, whose id its own
    fields make: the rows naming one are told the id it nearly is, of the same platform,
    jurisdiction and numbers, as corroborations are. Single-column references only."""
    columns: dict[tuple[str, str], list[str] | None] = {}
    resources = {r.get("name"): r for r in listed_resources(descriptor) if isinstance(r, dict)}

    def read_rows(resource: str, take):
        """``take`` of the rows of a resource's CSV (a csv.DictReader), or None when the file
        cannot be read: what the lazy lookups below keep of a table, each read only when asked."""
        path = resources.get(resource, {}).get("path")
        if not isinstance(path, str):
            return None
        try:
            with (package_path.parent / path).open(encoding="utf-8", newline="") as handle:
                return take(csv.DictReader(handle))
        except (OSError, UnicodeDecodeError, csv.Error):
            return None

    def cells_of(resource: str, column: str) -> list[str] | None:
        """The non-empty cells of a column of a resource's CSV, or None when it cannot be read."""
        if (resource, column) not in columns:
            columns[(resource, column)] = read_rows(
                resource,
                lambda rows: (
                    [row[column] for row in rows if row.get(column)] if column in (rows.fieldnames or []) else None
                ),
            )
        return columns[(resource, column)]

    def keys_of(resource: str, column: str) -> list[str] | None:
        cells = cells_of(resource, column)
        return None if cells is None else sorted(set(cells))

    grouped: dict[tuple[str, str], dict[tuple[str, ...], list[str]]] = {}

    def keys_with_digits(resource: str, column: str, digits: tuple[str, ...]) -> list[str]:
        """The keys of ``resource.column`` whose numbers are ``digits``, in order."""
        if (resource, column) not in grouped:
            groups = grouped[(resource, column)] = defaultdict(list)
            for key in keys_of(resource, column) or []:
                groups[digits_of(key)].append(key)
        return grouped[(resource, column)].get(digits, [])

    counted: dict[tuple[str, str], Counter] = {}

    def references(resource: str, column: str) -> Counter:
        """How many cells of the package name each key of ``resource.column``, by key."""
        if (resource, column) in counted:
            return counted[(resource, column)]
        named = counted[(resource, column)] = Counter()
        for source in resources.values():
            schema = source.get("schema") if isinstance(source.get("schema"), dict) else {}
            for key in safety.listed(schema, "foreignKeys"):
                reference = key.get("reference") if isinstance(key, dict) else None
                fields = key.get("fields") if isinstance(key, dict) else None
                fields = table_schema.key_fields(fields)
                targets = table_schema.key_fields(reference.get("fields") if isinstance(reference, dict) else None)
                target_resource = reference.get("resource") if isinstance(reference, dict) else None
                if fields and len(fields) == 1 and targets == [column] and target_resource == resource:
                    named.update(cells_of(source.get("name"), fields[0]) or [])
        return named

    def alias_table(rows) -> dict[str, tuple[str, str]]:
        found = {}
        for row in rows:
            key = row.get("jurisdiction_id") or ""
            names = [(row.get("alpha2") or "", "ISO 3166-1 alpha-2 code"), (row.get("name") or "", "name")]
            names += [(name.strip(), "other name") for name in (row.get("other_names") or "").split(";")]
            for name, what in names:
                if key and name:
                    found.setdefault(name.casefold(), (key, what))
        return found

    def removal_table(rows) -> dict[str, str]:
        return {
            row["figure_id"]: row.get("correction_id") or "?"
            for row in rows
            if row.get("figure_id") and not row.get("new_value")
        }

    aliases: dict[str, tuple[str, str]] | None = None

    def jurisdiction_alias(value: str) -> tuple[str, str] | None:
        """(the jurisdiction_id, what ``value`` is of it) when ``value`` is a jurisdiction's alpha-2
        code, name or one of its other names, in any case: "DE" is DEU's alpha-2 code."""
        nonlocal aliases
        if aliases is None:
            aliases = read_rows("jurisdictions", alias_table) or {}
        return aliases.get(value.casefold())

    removals: dict[str, str] | None = None

    def removed_by(figure_id: str) -> str | None:
        """The correction that recorded the removal of ``figure_id`` (empty new_value), or None."""
        nonlocal removals
        if removals is None:
            removals = read_rows("corrections", removal_table) or {}
        return removals.get(figure_id)

    told = []
    for problem in problems:
        miss = LOOKUP_MISS.match(problem.message)
        unknown_figure = NOT_A_FIGURE.match(problem.message) if miss is None else None
        removal = removed_by(unknown_figure["figure_id"]) if unknown_figure else None
        if removal is not None:
            told.append(
                rules.Problem(
                    problem.path,
                    problem.line,
                    problem.field,
                    f"{NOT_A_FIGURE_TEXT.format(unknown_figure['figure_id'])}: {removal_hint(removal)}",
                )
            )
            continue
        known = keys_of(miss["resource"], miss["target"]) if miss else None
        if not miss or known is None:
            told.append(problem)
            continue
        value = miss["value"]
        same = [key for key in known if key.lower() == value.lower()]
        # A close spelling with other numbers is another row, not a typo of this one: a new
        # source github-te-k-issue-54 was told 'did you mean "github-te-k-issue-85"?'.
        near = same or difflib.get_close_matches(
            value, keys_with_digits(miss["resource"], miss["target"], digits_of(value)), n=1, cutoff=0.85
        )
        path = resources[miss["resource"]]["path"]
        shown = shown_path(package_path.parent / path, base)
        pattern = next(
            (
                f.get("constraints", {}).get("pattern")
                for f in resources[miss["resource"]].get("schema", {}).get("fields", [])
                if f.get("name") == miss["target"]
            ),
            None,
        )
        # A country's alpha-2 code, as platforms.csv's headquarters_country and most reports write
        # it, or its name: "DE" was told to add its row to data/jurisdictions.csv.
        alias = (
            jurisdiction_alias(value)
            if not near and (miss["resource"], miss["target"]) == ("jurisdictions", "jurisdiction_id")
            else None
        )
        named = references(miss["resource"], miss["target"]) if near else Counter()
        removal = removed_by(value) if miss["resource"] == "figures" and miss["target"] == "figure_id" else None
        if removal is not None:
            # Removed on purpose: the rows that still name it are the ones to change, not a
            # figure whose id happens to be close.
            hint = removal_hint(removal)
        elif value in known:
            # The key is there: the lookup failed because its file could not be read against its
            # schema (a damaged header), which that file's own problem says.
            hint = f'{shown} has "{value}", but could not be read: correct its own problem first'
        elif (miss["resource"], miss["target"]) == ("figures", "figure_id") and not value.endswith(DERIVED_SUFFIX):
            # A figure's id is made from its own fields, which validation holds it to, so the row
            # naming it is the one to correct: "no row names it" is true of most figures, and sent
            # a curator to "correct" telegram-aus-2024-... for a disagreement of a refiled USA figure.
            hint = unknown_figure_hint(value, set(known))
        elif near and pattern and not re.fullmatch(pattern, near[0]):
            # The key it nearly is breaks its own table's pattern: that row is the one to correct.
            hint = f'{shown} has "{near[0]}", which its pattern refuses: correct that row'
        elif near and not named[near[0]] and named[value] > 1:
            # Nothing names the key it nearly is, and several rows agree on this value: the
            # referenced row is the likelier misspelling, not every row that names it.
            hint = f'{shown} has "{near[0]}", which no row names, while {named[value]} rows name "{value}": correct that row'
        elif near and not named[near[0]]:
            hint = f'did you mean "{near[0]}"? No row names it: if "{value}" is right, correct {shown} instead'
        elif same:
            hint = f'did you mean "{near[0]}"?'
        elif near:
            hint = f'did you mean "{near[0]}"? If not, add its row to {shown}'
        elif alias:
            hint = (
                f'did you mean "{alias[0]}"? "{value}" is its {alias[1]} in {shown}, '
                "and a jurisdiction is named by its jurisdiction_id (ISO 3166-1 alpha-3)"
            )
        else:
            hint = f"correct it, or add its row to {shown}"
        told.append(rules.Problem(problem.path, problem.line, problem.field, f"{problem.message}: {hint}"))
    return fewer_repeats(told)


# A value that names no row is listed for this many rows of a file; the rest are counted.
REPEATS_SHOWN = 3


def fewer_repeats(problems: list[rules.Problem]) -> list[rules.Problem]:
    """``problems`` with a missing key that many rows of one file name (a platform's every
    figure, when its platforms.csv row is wrong) listed for its first ``REPEATS_SHOWN`` rows,
    and the others counted in one more line, at the first of them."""
    rows: dict[tuple, list[rules.Problem]] = {}
    for problem in problems:
        miss = LOOKUP_MISS.match(problem.message)
        if miss:
            rows.setdefault((problem.path, problem.field, miss["value"], miss["resource"]), []).append(problem)
    dropped = set()
    counted = []
    for (path, field, value, resource), found in rows.items():
        found.sort(key=lambda p: p.line or 0)
        rest = found[REPEATS_SHOWN:]
        if len(rest) > 1:
            dropped.update(id(p) for p in rest)
            counted.append(
                rules.Problem(
                    path,
                    rest[0].line,
                    field,
                    f'and {len(rest)} more rows (lines {rest[0].line}-{rest[-1].line}) whose {field} "{value}" '
                    f'is not in the lookup table "{resource}": the same problem',
                )
            )
    return [p for p in problems if id(p) not in dropped] + counted


def package_contract_problems(descriptor: dict, shown: str, package_path: Path | None = None) -> list[rules.Problem]:
    """Table and column names that SQLite and Datasette can use without quoting surprises, and
    every resource the build and the site read by name (``PACKAGE_RESOURCES``), each problem at
    its line in ``package_path``'s text when given (read only when there is a problem)."""
    found: list[tuple[tuple, str, str]] = []
    seen: set[str] = set()
    for i, resource in enumerate(listed_resources(descriptor)):
        if not isinstance(resource, dict):
            continue  # table_schema.unusable_schema_values and Frictionless say what it should be
        name = resource.get("name", "")
        if not isinstance(name, str):
            pass  # unreadable_path_problems says what it must be
        elif not rules.SAFE_NAME.match(name):
            found.append(
                (("resources", i, "name"), "name", f"resource name {name!r} must match {rules.SAFE_NAME.pattern}")
            )
        elif name in seen:
            # Each resource is built as the table of its name: Frictionless let a second one pass,
            # and the build failed on it with 'table already exists'.
            message = f"resource name {name!r} is used twice: each resource is one table, named by it"
            found.append((("resources", i, "name"), "name", message))
        elif built_by_the_build(name):
            # The build's own tables would take its place: it passed validate, and the build
            # stopped with "table coverage already exists".
            message = (
                f"resource name {name!r} is one the build gives a table of its own (vocabulary.BUILD_TABLES, "
                "BUILD_TABLE_PATTERNS): name the resource otherwise"
            )
            found.append((("resources", i, "name"), "name", message))
        if isinstance(name, str):
            seen.add(name)
        # The site's table and column descriptions are built from these (site_config): one
        # missing passed validation and failed the build with a KeyError.
        for key in ("title", "description"):
            if not (isinstance(resource.get(key), str) and resource[key].strip()):
                found.append((("resources", i, key), key, f"resource {name} has no {key}, which the site shows"))
        schema = resource.get("schema")
        if isinstance(schema, dict) and not schema.get("primaryKey"):
            # Each table is built with its key (schema_sql): a schema without one passed
            # validation and failed the build with KeyError: 'primaryKey'.
            found.append(
                (("resources", i, "schema", "primaryKey"), "primaryKey", f"the schema of {name} has no primaryKey")
            )
        fields = schema.get("fields") if isinstance(schema, dict) else None
        for j, field in enumerate(fields if isinstance(fields, list) else []):
            fname = field.get("name") if isinstance(field, dict) else None  # none: Frictionless says so
            if fname is not None and not (isinstance(fname, str) and rules.SAFE_NAME.match(fname)):
                message = f"field name {fname!r} in {name} must match {rules.SAFE_NAME.pattern}"
                found.append((("resources", i, "schema", "fields", j, "name"), "name", message))
            elif fname in ROWID_NAMES:
                # The build reads rows by their id: a field named rowid passed validate, and the
                # build stopped with "datatype mismatch".
                message = (
                    f"field name {fname!r} in {name} is SQLite's name for a row's own id: name the field otherwise"
                )
                found.append((("resources", i, "schema", "fields", j, "name"), "name", message))
            elif name == "figures" and fname in BUILD_COLUMNS:
                # A field of such a name passed validate, and the build stopped with "duplicate
                # column name: year".
                message = (
                    f"field name {fname!r} in figures is a column the build adds to figures itself "
                    "(schema_sql.BUILD_COLUMNS): name the field otherwise"
                )
                found.append((("resources", i, "schema", "fields", j, "name"), "name", message))
            field_type = field.get("type", "string") if isinstance(field, dict) else None
            if isinstance(field_type, str) and field_type in UNSTORED_TYPES:
                # Each field is a column of one SQLite type (schema_sql.SQLITE_TYPES): a year field
                # passed validate, and the build stopped with KeyError: 'year'. (A type Table Schema
                # does not have is Frictionless's to tell.)
                message = (
                    f"field {fname} of {name} has type {field_type!r}, which the database does not store: "
                    f"use one of {', '.join(SQLITE_TYPES)}"
                )
                found.append((("resources", i, "schema", "fields", j, "type"), "type", message))
            for key in ("title", "description") if isinstance(fname, str) else ():
                if not (isinstance(field.get(key), str) and field[key].strip()):
                    message = f"field {fname} of {name} has no {key}, which the site shows"
                    found.append((("resources", i, "schema", "fields", j, key), key, message))
        encoding = resource.get("encoding")
        # A character set's name is case-insensitive: "UTF-8" (the IANA spelling) declares utf-8.
        if not (isinstance(encoding, str) and encoding.lower() == "utf-8"):
            found.append((("resources", i, "encoding"), "encoding", f"resource {name} must declare encoding utf-8"))
    resources = descriptor.get("resources")
    # Resources that are no list are told so once (unreadable_path_problems); so is a list with
    # none of the package's: 14 lines, one per name, were 13 too many for one mistake.
    # A name that is no text is told so above; as a set member, a list or an object was a TypeError.
    names = (
        [r["name"] for r in resources if isinstance(r, dict) and isinstance(r.get("name"), str)]
        if isinstance(resources, list)
        else None
    )
    if names is not None and not set(names) & set(PACKAGE_RESOURCES):
        message = (
            f"the package has none of the {len(PACKAGE_RESOURCES)} resources the build loads and the site reads "
            f"({', '.join(PACKAGE_RESOURCES)})"
        )
        found.append((("resources",), "resources", message))
        names = None
    for missing in (name for name in PACKAGE_RESOURCES if names is not None and name not in names):
        near = difflib.get_close_matches(missing, [n for n in names if isinstance(n, str)], n=1)
        renamed = f" (is {near[0]!r} it, renamed?)" if near else ""
        message = f"the package has no resource {missing!r}, which the build loads and the site reads{renamed}"
        found.append((("resources",), "resources", message))
    found += foreign_key_target_problems(descriptor)
    return _placed(found, shown, package_path)


# What a resource may declare of its file, when it declares it: one plain CSV file.
PLAIN_CSV = {"format": "csv", "mediatype": "text/csv", "compression": "no", "scheme": "file"}


def listed_resources(descriptor: dict) -> list:
    """The package's resources when they are a list, else none: unreadable_path_problems says
    what they should be."""
    return safety.listed(descriptor, "resources")


json_kind = safety.json_kind


def unreadable_path_problems(descriptor: dict, shown: str, package_path: Path | None = None) -> list[rules.Problem]:
    """A resource whose ``path`` is not one file inside the package's folder (``inside_package``).
    Table Schema allows a list (one table in several files), which every reader here, the
    build's and the release's, took for a name and failed on with a TypeError; and the one-pass
    reader read /tmp/x.csv or ../../x.csv, which the build and a release then copied in (Frictionless
    refuses such a path as unsafe). No file is read until it is fixed."""
    # A folder ("path": "data") was told "cannot be read: Is a directory" at the folder, not at
    # the line to fix.
    folder = Path(package_path).parent if package_path is not None else None
    found = []
    resources = descriptor.get("resources", [])
    if "resources" not in descriptor:
        # Every reader takes the key for given: without it, validation ended in a KeyError.
        found.append((("resources",), "resources", "is missing: a package lists its resources (objects)"))
    elif not isinstance(resources, list):
        # Each reader takes them for a list of objects: {} or "data/figures.csv" was a traceback.
        told = f"is a JSON {json_kind(resources)}: it must be a list of resources (objects)"
        found.append((("resources",), "resources", told))
        resources = []
    for i, resource in enumerate(resources):
        if not isinstance(resource, dict):
            message = f"resource {i + 1} is a JSON {json_kind(resource)}, not an object with its name, path and schema"
            found.append((("resources", i), "resources", message))
            continue
        name, path = resource.get("name"), resource.get("path")
        if "name" in resource and not isinstance(name, str):
            # Every reader keys the tables by it: a list or an object was a TypeError (unhashable).
            message = f"resource {i + 1}'s name is a JSON {json_kind(name)}: it must be text (figures)"
            found.append((("resources", i, "name"), "name", message))
            continue
        if "hash" in resource and not isinstance(resource["hash"], str):
            # Frictionless opens no package with it: an AttributeError ('int' object has no
            # attribute 'split') in validate and the build.
            message = (
                f"hash {resource['hash']!r} of resource {name} is not text: sha256:<hex>, or md5 (<hex>, md5:<hex>)"
            )
            found.append((("resources", i, "hash"), "hash", message))
        # Every reader here takes each table for one plain CSV file. Frictionless honours these
        # (a zip, a spreadsheet), and its errors from reading one came once under every file
        # whose foreign keys name the table ("File is not a zip file", ten times for sources).
        for key, plain in PLAIN_CSV.items():
            value = resource.get(key)
            # Frictionless reads format, compression and scheme as written ("CSV" is refused at the
            # file); a media type is case-insensitive (RFC 6838).
            if key in resource and not (
                isinstance(value, str) and (value.lower() if key == "mediatype" else value) == plain
            ):
                message = (
                    f'resource {name} declares "{key}": {json.dumps(resource[key], ensure_ascii=False)}: every table '
                    f'of the package is one plain CSV file ("{key}": "{plain}", or none)'
                )
                found.append((("resources", i, key), key, message))
        if not isinstance(path, str):
            message = f"resource {name}'s path must name one file, as text (data/figures.csv), not {path!r}"
        elif not inside_package(path) and inside_package(plain := plain_path(path)):
            # Inside the folder, but written so that Frictionless refuses it as unsafe: told it
            # "must name a file inside the package's folder", a curator saw one that does.
            message = (
                f"resource {name}'s path {path!r} must be written {plain!r}: / between folders, and no ./ "
                "(Frictionless refuses the rest as unsafe)"
            )
        elif not inside_package(path):
            message = (
                f"resource {name}'s path {path!r} must name a file inside the package's folder, "
                "relative to datapackage.json (data/figures.csv)"
            )
        elif folder is not None and (folder / path).is_dir():
            message = f"resource {name}'s path {path!r} is a folder: it must name one file (data/figures.csv)"
        else:
            continue
        found.append((("resources", i, "path"), "path", message))
    return _placed(found, shown, package_path)


def declared_file_problems(descriptor: dict, shown: str, package_path: Path) -> list[rules.Problem]:
    """A resource's ``bytes`` and ``hash``, when declared, as Frictionless reads them: the size of
    its file, and its digest (``sha256:<hex>``, or ``md5:<hex>`` or a bare hex, which is md5). A
    release declares both of each file it writes; one typed here and left stale by an edit passed
    validate (Frictionless, and the README's ``frictionless validate``, refuse it). Each at its
    line in datapackage.json."""
    folder = Path(package_path).parent
    found = []
    for i, resource in enumerate(listed_resources(descriptor)):
        if not (
            isinstance(resource, dict) and isinstance(resource.get("path"), str) and inside_package(resource["path"])
        ):
            continue  # unreadable_path_problems says so
        name, path = resource.get("name"), folder / resource["path"]
        if not path.is_file() or not ({"bytes", "hash"} & resource.keys()):
            continue  # a missing file is told so where it is read
        declared = resource.get("bytes")
        if "bytes" in resource:
            size = path.stat().st_size
            if isinstance(declared, bool) or not isinstance(declared, int) or declared < 0:
                message = f"bytes {declared!r} of resource {name} is not a whole number of bytes ({resource['path']} has {size})"
                found.append((("resources", i, "bytes"), "bytes", message))
            elif declared != size:
                message = f"resource {name} declares {declared} bytes, but {resource['path']} has {size}: correct it, or remove bytes"
                found.append((("resources", i, "bytes"), "bytes", message))
        if "hash" in resource:
            stated = resource["hash"]
            algorithm, _, digest = stated.rpartition(":") if isinstance(stated, str) else ("", "", "")
            algorithm = algorithm or "md5"
            if not isinstance(stated, str) or algorithm not in ("md5", "sha256") or not digest:
                message = (
                    f"hash {stated!r} of resource {name} is not sha256:<hex> or md5 (<hex>, md5:<hex>), the digests "
                    "Frictionless checks"
                )
                found.append((("resources", i, "hash"), "hash", message))
                continue
            actual = hashlib.new(algorithm, path.read_bytes()).hexdigest()
            if digest != actual:
                message = (
                    f"resource {name} declares the {algorithm} {digest}, but {resource['path']}'s is {actual}: "
                    "correct it, or remove hash"
                )
                found.append((("resources", i, "hash"), "hash", message))
    return _placed(found, shown, package_path)


def inside_package(path: str) -> bool:
    """Whether a resource ``path`` names a file inside the package's folder: relative, in POSIX
    form, each part starting with a letter, digit or underscore (so never "..", "~" or a
    variable) and holding only letters, digits, ".", "_" and "-". Stricter than Frictionless's
    safe path, which it implies: an absolute path, "../", "~", "$VAR", "%VAR%" and "file://"."""
    return SAFE_RESOURCE_PATH.fullmatch(path) is not None


def plain_path(path: str) -> str:
    """``path`` with backslashes as slashes and without "./" parts ("./data\\x.csv" -> "data/x.csv"),
    for a message to say how to write it; an absolute path and "../" parts stay, for
    inside_package to refuse."""
    if path.startswith(("/", "\\")) or re.match(r"[A-Za-z]:", path):
        return path
    return "/".join(part for part in path.replace("\\", "/").split("/") if part not in ("", "."))


# A resource path inside the package's folder (inside_package).
SAFE_RESOURCE_PATH = re.compile(r"[A-Za-z0-9_][A-Za-z0-9._-]*(?:/[A-Za-z0-9_][A-Za-z0-9._-]*)*")


def _placed(found: list[tuple[tuple, str, str]], shown: str, package_path: Path | None) -> list[rules.Problem]:
    """Each (JSON path, key, message) as a problem at its line in ``package_path``'s text (read
    only when there is one); an absent key (encoding) is placed at what holds it."""
    lines: dict[tuple, int] = {}
    if found and package_path is not None:
        with contextlib.suppress(OSError, ValueError):
            lines = json_lines(Path(package_path).read_text(encoding="utf-8"))
    return [rules.Problem(shown, lines.get(path) or lines.get(path[:-1]), key, message) for path, key, message in found]


def foreign_key_target_problems(descriptor: dict) -> list[tuple[tuple, str, str]]:
    """(JSON path, key, why) of each foreign key whose reference is neither its resource's
    primaryKey nor one field with a unique constraint. Table Schema allows it; SQLite cannot
    enforce it ("foreign key mismatch"), so such a package passed validation and failed the
    build on every row. Keys whose shape is wrong are ``table_schema.unusable_schema_values``'."""
    # A name that is no text (["figures"]) is refused as a name; as a key here it was a TypeError.
    resources = [r for r in listed_resources(descriptor) if isinstance(r, dict) and isinstance(r.get("name"), str)]
    targets: dict[str, list[list]] = {}
    for resource in resources:
        schema = resource.get("schema") if isinstance(resource.get("schema"), dict) else {}
        fields = schema.get("fields") if isinstance(schema.get("fields"), list) else []
        unique = [
            [f["name"]]
            for f in fields
            if isinstance(f, dict) and isinstance(f.get("constraints"), dict) and f["constraints"].get("unique") is True
        ]
        targets[resource.get("name")] = [table_schema.key_fields(schema.get("primaryKey", [])), *unique]
    found = []
    for i, resource in enumerate(listed_resources(descriptor)):
        schema = resource.get("schema") if isinstance(resource, dict) else None
        keys = schema.get("foreignKeys") if isinstance(schema, dict) else None
        for k, key in enumerate(keys if isinstance(keys, list) else []):
            reference = key.get("reference") if isinstance(key, dict) else None
            if not isinstance(reference, dict):
                continue
            target = reference.get("resource") or resource.get("name")
            if not isinstance(target, str):
                continue  # table_schema.unusable_schema_values: a resource the package does not have
            fields = table_schema.key_fields(reference.get("fields"))
            # A target without a primaryKey is refused for that (package_contract_problems).
            if target not in targets or not targets[target][0] or not isinstance(fields, list):
                continue
            if sorted(map(str, fields)) not in [sorted(map(str, t)) for t in targets[target] if isinstance(t, list)]:
                message = (
                    f"foreign key {k + 1} of {resource.get('name')} refers to {', '.join(map(str, fields))} of "
                    f"{target}, which is not its primaryKey or a unique field: the database can only check a "
                    "reference to one of those"
                )
                at = ("resources", i, "schema", "foreignKeys", k, "reference", "fields")
                found.append((at, "fields", message))
    return found


# Table Schema's field types (https://specs.frictionlessdata.io/table-schema/#types-and-formats).
TABLE_SCHEMA_TYPES = frozenset(
    [
        "string",
        "number",
        "integer",
        "boolean",
        "object",
        "array",
        "list",
        "date",
        "time",
        "datetime",
        "year",
        "yearmonth",
        "duration",
        "geopoint",
        "geojson",
        "any",
    ]
)


# Table Schema's field types that the database has no column type for (schema_sql.SQLITE_TYPES).
UNSTORED_TYPES = TABLE_SCHEMA_TYPES - set(SQLITE_TYPES)


def field_contract_problems(descriptor: dict, shown: str, package_path: Path | None = None) -> list[rules.Problem]:
    """Each field of ``vocabulary.PACKAGE_FIELDS`` (read by name by the build, the rules, the site
    and the data's users) that its resource lacks or declares with another type, at its line in
    ``package_path``'s text; fields added beside them are free. No row is read against such a package: the readers and the build look the field up by
    name, and a renamed ``period_start`` ended validation with a ValueError, a renamed
    ``source_locator`` the build with a KeyError."""
    found: list[tuple[tuple, str, str]] = []
    for i, resource in enumerate(listed_resources(descriptor)):
        if not isinstance(resource, dict) or resource.get("name") not in PACKAGE_FIELDS:
            continue
        name = resource["name"]
        schema = resource.get("schema") if isinstance(resource.get("schema"), dict) else {}
        fields = schema.get("fields") if isinstance(schema.get("fields"), list) else []
        declared = {f.get("name"): (j, f) for j, f in enumerate(fields) if isinstance(f, dict)}
        expected = PACKAGE_FIELDS[name]
        for n, (field, kind) in enumerate(expected.items()):
            if field not in declared:
                # A renamed field is most often where the expected one was, else spelt like it.
                unknown = [f for f in declared if isinstance(f, str) and f not in expected]
                at_place = fields[n].get("name") if n < len(fields) and isinstance(fields[n], dict) else None
                near = [at_place] if at_place in unknown else difflib.get_close_matches(field, unknown, n=1)
                renamed = f" (is {near[0]!r} it, renamed?)" if near else ""
                message = (
                    f"{name} has no field {field!r}{renamed}: the build, the site and the data's users read it "
                    "by name (vocabulary.PACKAGE_FIELDS)"
                )
                if near:  # at the name that was probably it
                    found.append((("resources", i, "schema", "fields", declared[near[0]][0], "name"), "name", message))
                else:
                    found.append((("resources", i, "schema", "fields"), "fields", message))
                continue
            j, spec = declared[field]
            # A type Table Schema does not have ("datum") is Frictionless's to name.
            typed = spec.get("type", "string")
            if isinstance(typed, str) and typed != kind and typed in TABLE_SCHEMA_TYPES:
                message = (
                    f"field {field} of {name} is declared {spec.get('type', 'string')!r}, but the build, the site "
                    f"and the data's users read it as {kind!r} (vocabulary.PACKAGE_FIELDS)"
                )
                found.append((("resources", i, "schema", "fields", j, "type"), "type", message))
            constraints = spec.get("constraints") if isinstance(spec.get("constraints"), dict) else {}
            for rule, kept in (("required", PACKAGE_REQUIRED), ("unique", PACKAGE_UNIQUE)):
                if field in kept.get(name, ()) and constraints.get(rule) is not True:
                    message = (
                        f"field {field} of {name} must stay {rule}: the rules, the build and the data's users "
                        f"rely on it (vocabulary.PACKAGE_{rule.upper()}); a constraint may be added, not dropped"
                    )
                    where = ("resources", i, "schema", "fields", j, "constraints", rule)
                    found.append((where if rule in constraints else where[:-1], rule, message))
            least = PACKAGE_MINIMUM.get(name, {}).get(field)
            declared_minimum = constraints.get("minimum")
            if least is not None and not (
                isinstance(declared_minimum, int | float)
                and not isinstance(declared_minimum, bool)
                and declared_minimum >= least
            ):
                message = (
                    f"field {field} of {name} must keep a minimum of at least {least}: the rules, the build and "
                    f"the data's users rely on it (vocabulary.PACKAGE_MINIMUM); a constraint may be tightened, not dropped"
                )
                where = ("resources", i, "schema", "fields", j, "constraints", "minimum")
                found.append((where if "minimum" in constraints else where[:-1], "minimum", message))
        found += _key_contract_problems(resource, i)
    return _placed(found, shown, package_path)


def _key_contract_problems(resource: dict, i: int) -> list[tuple[tuple, str, str]]:
    """``vocabulary.PACKAGE_KEYS``' keys of ``resource`` (the ``i``-th) that its schema lacks."""
    name, at = resource["name"], ("resources", i, "schema")
    schema = resource.get("schema") if isinstance(resource.get("schema"), dict) else {}
    primary, references = PACKAGE_KEYS[name]
    found = []
    declared = table_schema.key_fields(schema.get("primaryKey"))
    if declared and declared != list(primary):  # none at all: package_contract_problems says so
        message = (
            f"the primaryKey of {name} is {declared!r}; the build, the site and the data's users identify "
            f"its rows by {list(primary)!r} (vocabulary.PACKAGE_KEYS)"
        )
        found.append(((*at, "primaryKey"), "primaryKey", message))
    keys = schema.get("foreignKeys", [])
    if not isinstance(keys, list):
        return found  # safety.list_problems says what they must be, once
    present = set()
    for key in keys:
        reference = key.get("reference") if isinstance(key, dict) else None
        if not isinstance(reference, dict):
            continue  # table_schema.unusable_schema_values says what it lacks
        own, theirs = table_schema.key_fields(key.get("fields")), table_schema.key_fields(reference.get("fields"))
        # A field that is no name ({} or a list) is schema_problems' to report; as a set member
        # it was a TypeError's traceback (unhashable) from validate and build alike.
        if (
            isinstance(own, list)
            and isinstance(theirs, list)
            and len(own) == len(theirs) == 1
            and isinstance(own[0], str)
            and isinstance(theirs[0], str)
        ):
            present.add((own[0], f"{reference.get('resource') or name}.{theirs[0]}"))
    for field, target in references.items():
        if (field, target) not in present:
            message = (
                f"{name} has no foreign key from {field} to {target}: without it, a row could name a "
                f"{target.split('.')[0]} row the package lacks, and nothing would say so (vocabulary.PACKAGE_KEYS)"
            )
            found.append(((*at, "foreignKeys") if "foreignKeys" in schema else at, "foreignKeys", message))
    return found


# Cross-row rules on the parsed figures ---------------------------------------------------


@dataclass(frozen=True, slots=True)
class Figure:
    line: int
    figure_id: str
    platform_id: str
    jurisdiction_id: str
    period: tuple[date, date]
    request_type_id: str
    metric_id: str
    value_kind: str
    value: Decimal | None
    # A band's bounds (None when empty or not a number: the schema checks report those).
    value_low: Decimal | None = None
    value_high: Decimal | None = None
    source_id: str = ""
    # What the figure was read from: an unusual period is kept when it states it (overlap_problems).
    quote: str = ""

    @property
    def group(self):
        return (self.platform_id, self.jurisdiction_id, self.request_type_id, self.metric_id)


def parse_figures(rows: Iterable[tuple[int, dict]]) -> list[Figure]:
    figures = []
    for line, row in rows:
        try:
            period = (date.fromisoformat(row["period_start"]), date.fromisoformat(row["period_end"]))
            value = Decimal(row["value"]) if row.get("value") else None
        except (KeyError, TypeError, ValueError, InvalidOperation):
            continue
        if value is not None and not value.is_finite():
            continue
        figures.append(
            Figure(
                line,
                row["figure_id"],
                row["platform_id"],
                row["jurisdiction_id"],
                period,
                row["request_type_id"],
                row["metric_id"],
                row["value_kind"],
                value,
                _finite_number(row.get("value_low")),
                _finite_number(row.get("value_high")),
                row.get("source_id") or "",
                row.get("quote") or "",
            )
        )
    return figures


def _finite_number(cell) -> Decimal | None:
    """A cell as a finite Decimal, or None when it is empty or not one (reported elsewhere)."""
    if isinstance(cell, Decimal):
        return cell if cell.is_finite() else None
    try:
        number = Decimal(cell) if cell else None
    except (InvalidOperation, TypeError):
        return None
    return number if number is not None and number.is_finite() else None


def figure_problems(
    figures: list[Figure], units: dict[str, str], exempt: set[str], shown: str, reported: set | None = None
) -> list[rules.Problem]:
    """Identity, units, overlapping periods, parts against wholes, counts against the wholes they
    are within (rules.COUNTED_WITHIN: fulfilled against received, notices to users, delayed-notice orders).
    ``reported``: ``reported_periods`` of the whole table, when ``figures`` are only some of it."""
    problems = []

    def problem(figure, field, message):
        problems.append(rules.Problem(shown, figure.line, field, message))

    seen: dict[tuple, Figure] = {}
    for figure in figures:
        key = (*figure.group, figure.period)
        if key in seen:
            first = seen[key]
            problem(
                figure,
                "figure_id",
                f"same platform, jurisdiction, period, request type and metric as {first.figure_id} (line {first.line})",
            )
        else:
            seen[key] = figure
        unit = units.get(figure.metric_id)
        if figure.value is not None:
            if unit == "percent" and figure.value > 100:
                problem(figure, "value", f"{figure.value} is a percentage above 100")
            if unit == "fraction" and figure.value > 1:
                problem(figure, "value", f"{figure.value} is a fraction above 1")
            if unit == "count" and figure.value != figure.value.to_integral_value():
                problem(figure, "value", f"{figure.value} is not a whole number, but {figure.metric_id} is a count")
        for field, bound in (("value_low", figure.value_low), ("value_high", figure.value_high)):
            if unit == "count" and bound is not None and bound != bound.to_integral_value():
                problem(figure, field, f"{bound} is not a whole number, but {figure.metric_id} is a count")

    # A period that ends before it starts is told so at its own line (period_order_notes), once: as
    # a part of its series, 2024-12-31..2024-01-01 made the figure of 2024-01-01..2024-09-30, on
    # another line, "less than 2237 reported for the part", which a curator looked for there.
    ordered = [f for f in figures if f.period[0] <= f.period[1]]
    problems += overlap_problems(ordered, reported_periods(ordered) if reported is None else reported, shown)

    exact_counts = [
        f for f in ordered if f.value_kind == "exact" and f.value is not None and units.get(f.metric_id) == "count"
    ]
    groups: dict[tuple, list[Figure]] = defaultdict(list)
    for figure in exact_counts:
        groups[figure.group].append(figure)
    for members in groups.values():
        if not rules.has_nesting(f.period for f in members):
            continue  # no period lies within another: no whole has parts to compare with
        by_period = {}
        for figure in members:
            by_period.setdefault(figure.period, figure)
        for whole in members:
            if whole.figure_id in exempt:
                continue
            parts = [f for f in members if rules.strictly_within(f.period, whole.period)]
            for part in parts:
                if part.value > whole.value and part.figure_id not in exempt:
                    problem(
                        whole,
                        "value",
                        f"{whole.value} is less than {part.value} reported for the part "
                        f"{part.period[0]}..{part.period[1]} ({part.figure_id}, line {part.line})",
                    )
            part_periods = sorted({p.period for p in parts})
            for chosen in {tuple(rules.minimal(part_periods)), tuple(rules.maximal(part_periods))}:
                if len(chosen) < 2 or not rules.tiles(list(chosen), whole.period):
                    continue
                chosen_figures = [by_period[p] for p in chosen]
                if any(f.figure_id in exempt for f in chosen_figures):
                    continue
                total = sum(f.value for f in chosen_figures)
                if total != whole.value:
                    ids = ", ".join(f"{f.figure_id} (line {f.line})" for f in chosen_figures)
                    problem(
                        whole,
                        "value",
                        f"{whole.value} differs from the sum of its parts {total} ({ids}); "
                        "if the platform published both, record an inconsistent_parts disagreement",
                    )

    for members in groups.values():
        # Each value fits SQLite and a double (the cell checks); a sum the build derives from them
        # may not, and none can fail to while their total is within what a double holds exactly.
        if sum(f.value for f in members) > rules.DOUBLE_WHOLE_LIMIT:
            problems += derived_range_problems(members, units, shown)

    # Subsets against their wholes (rules.COUNTED_WITHIN): requests fulfilled, notices to users,
    # requests with a delayed-notice order.
    within = {
        subset: (whole, subset_words, whole_words) for subset, whole, subset_words, whole_words in rules.COUNTED_WITHIN
    }
    wholes_of = {whole for whole, _, _ in within.values()}
    whole_figures = {(f.metric_id, *f.group[:3], f.period): f for f in exact_counts if f.metric_id in wholes_of}
    for figure in exact_counts:
        if figure.metric_id not in within:
            continue
        whole, subset_words, whole_words = within[figure.metric_id]
        other = whole_figures.get((whole, *figure.group[:3], figure.period))
        if other is not None and figure.value > other.value:
            problem(
                figure,
                "value",
                f"{figure.value} {subset_words} exceeds {other.value} {whole_words} ({other.figure_id}, line {other.line})",
            )

    # Counts of requests by outcome against the whole they are parts of (rules.REQUEST_PARTS).
    part_names = {name for _, names, _ in rules.REQUEST_PARTS for name in names}
    wholes = {whole for whole, _, _ in rules.REQUEST_PARTS}
    parts_of: dict[tuple, dict[str, Figure]] = defaultdict(dict)
    for figure in exact_counts:
        if figure.metric_id in part_names:
            parts_of[(*figure.group[:3], figure.period)].setdefault(figure.metric_id, figure)
    for figure in exact_counts:
        if figure.metric_id not in wholes or figure.figure_id in exempt:
            continue
        parts = parts_of.get((*figure.group[:3], figure.period))
        if not parts:
            continue
        why = rules.request_parts_problem(figure.metric_id, figure.value, {m: f.value for m, f in parts.items()})
        if why:
            lines = ", ".join(f"{f.figure_id} (line {f.line})" for f in parts.values())
            problem(figure, "value", f"{why} ({lines})")

    # Shares of requests against the counts they are the share of (rules.SHARES_OF_COUNTS).
    counts_of = {shared for _, *counted in rules.SHARES_OF_COUNTS for shared in counted}
    share_counts = {(f.metric_id, *f.group[:3], f.period): f for f in exact_counts if f.metric_id in counts_of}
    counted_by = {share: (part, whole) for share, part, whole in rules.SHARES_OF_COUNTS}
    for figure in ordered:
        if figure.metric_id not in counted_by or figure.value_kind != "exact" or figure.value is None:
            continue
        key = (*figure.group[:3], figure.period)
        part_metric, whole_metric = counted_by[figure.metric_id]
        part, whole = share_counts.get((part_metric, *key)), share_counts.get((whole_metric, *key))
        if part is None or whole is None or exempt & {figure.figure_id, part.figure_id, whole.figure_id}:
            continue
        why = rules.share_of_counts_problem(figure.metric_id, figure.value, part.value, whole.value)
        if why:
            lines = f"{part.figure_id} (line {part.line}), {whole.figure_id} (line {whole.line})"
            problem(figure, "value", f"{why} ({lines})")
    return sorted(problems)


def reported_periods(figures: list[Figure]) -> set[tuple[str, tuple[date, date]]]:
    """(source_id, period) that two or more figures of the source have: a period the source
    reported, not one typed for a single figure."""
    counts = Counter((f.source_id, f.period) for f in figures)
    return {key for key, count in counts.items() if count > 1}


def overlap_problems(
    figures: list[Figure], reported: set[tuple[str, tuple[date, date]]], shown: str
) -> list[rules.Problem]:
    """A figure whose period overlaps another's of its platform, jurisdiction, request type and
    metric, neither lying within the other, and which no other figure of its source has: a
    mistyped date (2024-01-01..2024-07-31 beside H2 2024) that the series would silently drop.
    Platforms do publish overlapping reports (Snap: Nov 2014–Feb 2015, then H1 2015), and every
    figure of such a report carries its period (``reported``, from ``reported_periods``), and a
    source that gives one figure for such a period states it in the figure's quote
    (``rules.period_stated``: "November 2023 to February 2024"); nesting (a year beside its
    halves) is no overlap here."""
    groups: dict[tuple, list[Figure]] = defaultdict(list)
    for figure in figures:
        groups[figure.group].append(figure)
    problems, told = [], set()
    for members in groups.values():
        if len(members) < 2:
            continue
        for first, second in rules.partial_overlaps(f.period for f in members):
            at = {period: [f for f in members if f.period == period] for period in (first, second)}
            for period, other, field in ((first, second, "period_end"), (second, first, "period_start")):
                beside = min(at[other], key=lambda f: f.line)
                for figure in at[period]:
                    # Once a figure: beside its first overlapping neighbour.
                    if (figure.source_id, period) in reported or figure.line in told:
                        continue
                    if rules.period_stated(period, figure.quote):
                        continue  # its source's own words give this period
                    told.add(figure.line)
                    problems.append(
                        rules.Problem(
                            shown,
                            figure.line,
                            field,
                            f"{period[0]}..{period[1]} overlaps {other[0]}..{other[1]} of {beside.figure_id} "
                            f"(line {beside.line}), neither within the other, and no other figure of "
                            f"{figure.source_id} has this period: check period_start and period_end against "
                            "the source, and if it reports this period, quote the words that state it",
                        )
                    )
    return problems


def derived_range_problems(members: list[Figure], units: dict[str, str], shown: str) -> list[rules.Problem]:
    """The figures the build would derive from ``members`` (one series' exact counts,
    ``derive.all_derived``) whose value SQLite cannot store, or the release's doubles cannot
    hold (``rules.double_problems``), each reported at the line of its first input."""
    rows = [
        {
            "figure_id": f.figure_id,
            "platform_id": f.platform_id,
            "jurisdiction_id": f.jurisdiction_id,
            "period_start": f.period[0].isoformat(),
            "period_end": f.period[1].isoformat(),
            "request_type_id": f.request_type_id,
            "metric_id": f.metric_id,
            "value_kind": f.value_kind,
            "value": f.value,
        }
        for f in members
    ]
    line = {f.figure_id: f.line for f in members}
    # An input SQLite cannot store, or a double cannot hold, is reported on its own line already.
    unstored = {f.figure_id for f in members if rules.stored_number_problems(f.value) or rules.double_problems(f.value)}
    problems = []
    for derived in derive.all_derived(rows, units):
        if any(figure_id in unstored for figure_id, _ in derived.inputs):
            continue
        value = Decimal(derived.row["value"])
        stored = [f"{message}, so it cannot be stored" for message in rules.stored_number_problems(value)]
        for message in stored or rules.double_problems(value):
            inputs = " ".join(
                f"{'+' if sign > 0 else '-'} {figure_id} (line {line[figure_id]})" for figure_id, sign in derived.inputs
            ).removeprefix("+ ")
            problems.append(
                rules.Problem(
                    shown,
                    line[derived.inputs[0][0]],
                    "value",
                    f"the build derives {derived.row['figure_id']} as {inputs}: {message}; check these values",
                )
            )
    return problems


def latest_correction_lines(rows) -> dict[str, int]:
    """{figure_id: line of its latest correction} of (line, row) text rows: the latest by
    corrected_date, then correction_id; of two alike, the later line."""
    latest: dict[str, tuple[tuple[str, str], int]] = {}
    for line, row in rows:
        figure_id, order = row.get("figure_id", ""), (row.get("corrected_date", ""), row.get("correction_id", ""))
        if figure_id not in latest or order >= latest[figure_id][0]:
            latest[figure_id] = (order, line)
    return {figure_id: line for figure_id, (_, line) in latest.items()}


def correction_problems(rows, figure_ids: set[str], shown: str) -> list[rules.Problem]:
    """A figure's latest correction (by corrected_date, then correction_id: the order its chain
    is read in, ``consistency.correction_chain_problems``, and the changelog's) says what became
    of it: a new value names a figure in the data; a removal (no new_value) names one that is
    gone. Its earlier corrections are history, judged only by how they chain: a figure
    corrected, released, then removed keeps the correction that was published."""
    rows = list(rows)
    latest = latest_correction_lines(rows)
    problems = []
    index = None  # of figure_ids, made at the first correction naming none
    for line, row in rows:
        figure_id = row.get("figure_id", "")
        if latest[figure_id] != line:
            continue
        if row.get("new_value") and figure_id not in figure_ids:
            index = index if index is not None else FigureIdIndex(figure_ids)
            near = near_figure_id(figure_id, index)
            meant = f' (did you mean "{near}"?)' if near is not None else ""
            problems.append(
                rules.Problem(
                    shown,
                    line,
                    "figure_id",
                    f"{figure_id} is not in figures{meant}; a figure's latest correction must name a figure in "
                    "the data (to remove it, add a correction after this one with old_value its value "
                    "and new_value empty)",
                )
            )
        elif not row.get("new_value") and figure_id in figure_ids:
            problems.append(
                rules.Problem(
                    shown,
                    line,
                    "new_value",
                    f"is empty, which records the removal of {figure_id} (its latest correction, by "
                    "corrected_date), but that figure is still in figures",
                )
            )
    return problems


def derived_rows(figure_rows: list[dict], units: dict[str, str]) -> dict[str, dict]:
    """The figures the build derives from ``figure_rows`` (text rows), by id, values as text.

    Rows whose value or period dates do not parse are left out: the schema checks report them
    as file:line:field, and a derivation from them would be meaningless."""
    typed = []
    for row in figure_rows:
        try:
            derive.period_dates(row["period_start"], row["period_end"])
            typed.append({**row, "value": Decimal(row["value"]) if row.get("value") else None})
        except (InvalidOperation, KeyError, TypeError, ValueError):
            continue
    derived = derive.all_derived(typed, units)
    return {d.row["figure_id"]: {**d.row, "value": str(d.row["value"])} for d in derived}


# The cells a derivation reads of each figure.
DERIVATION_CELLS = ("value", "period_start", "period_end")


def unparsed(row: dict) -> bool:
    """Whether ``derived_rows`` leaves the text row out: a value or period that does not parse."""
    try:
        derive.period_dates(row["period_start"], row["period_end"])
        if row.get("value"):
            Decimal(row["value"])
    except (InvalidOperation, KeyError, TypeError, ValueError):
        return True
    return False


def series_of(figure_rows) -> frozenset[tuple[str, str, str, str]]:
    """(platform, jurisdiction in lower case, request type, metric) of each row, as a derived
    figure's id names its series (``derived_id_series``)."""
    found = set()
    for row in figure_rows:
        parts = [row.get(name) for name in ("platform_id", "jurisdiction_id", "request_type_id", "metric_id")]
        if all(isinstance(part, str) for part in parts):
            found.add((parts[0], parts[1].lower(), parts[2], parts[3]))
    return frozenset(found)


def derived_id_series(figure_id: str) -> tuple[str, str, str, str] | None:
    """(platform, jurisdiction, request type, metric) a derived figure's id names, or None for
    an id that is not a derived one (``<platform>-<place>-<period>-<type>-<metric>-derived``)."""
    if not figure_id.endswith(DERIVED_SUFFIX):
        return None
    parts = figure_id[: -len(DERIVED_SUFFIX)].split("-")
    return (parts[0], parts[1], parts[-2], parts[-1]) if len(parts) >= 5 else None


def held_twice(figure_ids) -> frozenset[str]:
    """The ids among ``figure_ids`` that occur more than once."""
    return frozenset(figure_id for figure_id, count in Counter(figure_ids).items() if count > 1)


def derived_from_any_of(derived: dict[str, dict], figure_ids: frozenset[str]) -> frozenset[str]:
    """The ids of ``derived`` (``derived_rows``) whose derivation reads one of ``figure_ids``. A
    figure id held by two rows (the duplicate key reports it) made its derived figures from one of
    them, so a corroboration of the year's Q4 was told its 886 was 936, the other row's year less
    its January-September: which value it should hold is the curator's to settle once the
    duplicate is gone, as for a corroboration of the duplicated id itself."""
    if not figure_ids:
        return frozenset()
    # A derivation is its inputs' ids between + and - ("a + b", "a - b"): ids hold no spaces.
    return frozenset(i for i, row in derived.items() if figure_ids.intersection(row["derivation"].split()))


def unknown_figure_hint(figure_id: str, figures: dict, index: FigureIdIndex | None = None) -> str:
    """What a corroboration naming ``figure_id``, which ``figures`` (reported and derived) does not
    hold, is told to do. A derived id whose period a source now reports is pointed at that figure;
    a close spelling of an id is offered only with the same numbers (2025q1 is no typo of 2025q2).
    ``index``: ``FigureIdIndex(figures)``, for a caller that asks about many ids."""
    if figure_id.endswith(DERIVED_SUFFIX):
        reported = figure_id[: -len(DERIVED_SUFFIX)]
        if reported in figures:
            return (
                f"a source now reports this period as {reported}: name that figure instead, or, when this "
                "source gives another number, move the row to data/disagreements.csv"
            )
        return (
            "the build derives it only from the exact reported figures of one series that make up its "
            "period (a year's halves or quarters, or a whole and its part), and one is missing or changed: "
            "correct that figure or this figure_id, or delete this row"
        )
    # Ids that differ only in case or surrounding spaces: the one written as ids are (lower case,
    # no spaces) is right. A figure's id typed "telegram-DEU-..." or with a trailing space left
    # each corroboration of it told nothing, or "did you mean" the figure's broken id.
    index = index if index is not None else FigureIdIndex(figures)
    same = index.same(figure_id)
    if same is not None and figure_id == figure_id.strip().lower():
        return f'data/figures.csv has "{same}", written otherwise than figure ids are: correct that row'
    near = index.near(figure_id)
    if near is not None:
        return f'did you mean "{near}"? If not, give the figure_id of a row of data/figures.csv, or delete this row'
    return "give the figure_id of a row of data/figures.csv (a figure refiled under another id has a new one), or delete this row"


def near_figure_id(figure_id: str, figure_ids) -> str | None:
    """The id among ``figure_ids`` (any iterable of ids, or a ``FigureIdIndex`` of them) that
    ``figure_id``, which it lacks, most likely misspells, or None: the same id written otherwise
    (case, surrounding spaces), else a close spelling with the same platform, jurisdiction and
    numbers (2025q1 is no typo of 2025q2, nor usa of can)."""
    index = figure_ids if isinstance(figure_ids, FigureIdIndex) else FigureIdIndex(figure_ids)
    return index.near(figure_id)


class FigureIdIndex:
    """Figure ids as ``near_figure_id`` looks them up, each id folded and split once however many
    ids are looked up in them. Every corroboration naming no figure scanned every figure id twice:
    a figures.csv saved with tabs, read as one id per line, kept validation busy for minutes,
    5,166 corroborations times 58,935 lines, to print one line about the tabs."""

    def __init__(self, figure_ids: Iterable[str]):
        self.ids: list[str] = []
        self.folded: dict[str, str] = {}
        # Ids by their first two parts ("telegram-usa-") and their numbers.
        self.alike: dict[tuple[str, tuple[str, ...]], list[str]] = defaultdict(list)
        for key in figure_ids:
            self.ids.append(key)
            self.folded.setdefault(key.strip().casefold(), key)
            parts = key.split("-", 2)
            if len(parts) == 3:
                self.alike[(f"{parts[0]}-{parts[1]}-", digits_of(key))].append(key)

    def same(self, figure_id: str) -> str | None:
        """The first id that is ``figure_id`` written otherwise (case, surrounding spaces), or None."""
        return self.folded.get(figure_id.strip().casefold())

    def near(self, figure_id: str) -> str | None:
        """``near_figure_id`` of ``figure_id`` among these ids."""
        same = self.same(figure_id)
        if same is not None:
            return same
        prefix = "-".join(figure_id.split("-")[:2]) + "-"
        digits = digits_of(figure_id)
        if "-" in figure_id:
            candidates = self.alike.get((prefix, digits), [])
        else:  # "x-": ids of any number of parts start with it
            candidates = [key for key in self.ids if key.startswith(prefix) and digits_of(key) == digits]
        near = difflib.get_close_matches(figure_id, candidates, n=1, cutoff=0.85)
        return near[0] if near else None


def corroboration_column_problems(row: dict, figure: dict, shown: str, line) -> list[rules.Problem]:
    """A corroboration quoting a row of a bulk file rules.record_column knows must hold the
    corroborated figure's value in that figure's metric's column: Google's row
    "2024-06-30,Germany,DE,All,900,81,1500" corroborates 1500 accounts, not 1500 requests, though
    1500 is in the row."""
    if figure.get("value_kind") != "exact" or not figure.get("value"):
        return []
    try:
        wanted = Decimal(figure["value"])
    except InvalidOperation:
        return []
    found = rules.record_column_mismatch(
        row.get("source_locator") or "", row.get("quote") or "", figure.get("metric_id"), wanted
    )
    if found is None:
        return []
    file, column, shown_held = found
    return [
        rules.Problem(
            shown,
            line,
            "quote",
            f'{figure["metric_id"]} of {row["figure_id"]} is read from the column "{column}" of {file}, which holds '
            f"{shown_held} in the quoted row, not {number_text(wanted)}: this row does not corroborate it "
            "(quote the row that gives its number there, or delete this corroboration)",
        )
    ]


def corroboration_problems(
    rows,
    figures: dict,
    source_kinds: dict,
    shown: str,
    ambiguous: frozenset[str] = frozenset(),
    unreadable: frozenset[tuple[str, str, str, str]] = frozenset(),
) -> list[rules.Problem]:
    """A corroboration names a figure, reported or derived (``figures`` holds both), and its quote
    must contain the figure's numbers, like the figure's own quote. A corroboration of an id
    ``ambiguous`` (held by two figure rows, which the duplicate key reports) is not checked: which
    row's numbers it should hold is the curator's to settle, and checking one of them named the
    corroboration, not the duplicate, as the thing to fix. Nor is one of a derived figure in a
    series ``unreadable`` holds (``series_of`` the rows whose value or period does not parse): a
    typo in one of its figures told a correct corroboration its figure did not exist."""
    problems = []
    index = None  # of the figures, made at the first corroboration naming none
    for line, row in rows:
        if row.get("figure_id") in ambiguous:
            continue
        figure = figures.get(row.get("figure_id"))
        if figure is None and derived_id_series(str(row.get("figure_id") or "")) in unreadable:
            continue
        if figure is None:
            index = index if index is not None else FigureIdIndex(figures)
            problems.append(
                rules.Problem(
                    shown,
                    line,
                    "figure_id",
                    f"{NOT_A_FIGURE_TEXT.format(row.get('figure_id'))}: "
                    f"{unknown_figure_hint(str(row.get('figure_id') or ''), figures, index)}",
                )
            )
            continue
        if row.get("source_id") and row.get("source_id") == figure.get("source_id"):
            # The page then showed the figure's own report as a second source agreeing with it.
            problems.append(
                rules.Problem(
                    shown,
                    line,
                    "source_id",
                    f"{row['source_id']} is the source of {row['figure_id']} itself: a corroboration is "
                    "another source giving the same number (name that one, or record none)",
                )
            )
            continue
        is_record = source_kinds.get(row.get("source_id")) in rules.RECORD_SOURCE_KINDS
        named = rules.named_field_number(row.get("source_locator") or "", row.get("quote") or "")
        if named and figure["value_kind"] == "exact" and figure.get("value"):
            field, held = named
            try:
                wanted = Decimal(figure["value"])
            except InvalidOperation:
                wanted = None
            if wanted is not None and held != wanted:
                shown_held = "no number" if held is None else number_text(held)
                problems.append(
                    rules.Problem(
                        shown,
                        line,
                        "quote",
                        f'the locator names field "{field}", which holds {shown_held} in the quote, '
                        f"not {number_text(wanted)} ({row['figure_id']})",
                    )
                )
        problems += corroboration_column_problems(row, figure, shown, line)
        numbers = {}
        for name in ("value", "value_low", "value_high"):
            try:
                numbers[name] = Decimal(figure[name]) if figure.get(name) else None
            except InvalidOperation:
                numbers[name] = None
        for field, number in rules.numbers_to_find_in_quote(figure["value_kind"], *numbers.values()):
            if not number.is_finite():
                continue
            quote = row.get("quote", "")
            if not (rules.value_in_text(number, quote) or (is_record and rules.value_in_record(number, quote))):
                problems.append(
                    rules.Problem(
                        shown,
                        line,
                        "quote",
                        f"{field} {number_text(number)} of {row['figure_id']} does not appear in the quote",
                    )
                )
        value = numbers["value"]
        approximate = (
            rules.value_only_approximate(value, row.get("quote", ""))
            if figure["value_kind"] == "exact" and value is not None and value.is_finite()
            else None
        )
        if approximate:
            problems.append(
                rules.Problem(
                    shown,
                    line,
                    "quote",
                    f"value {number_text(value)} of {row['figure_id']} is in the quote only as an end of the range "
                    f"{rules.shown_words(approximate)}: a corroboration gives the figure's number as it is (leave this one out)"
                    if rules.is_a_range(approximate)
                    else f"value {number_text(value)} of {row['figure_id']} is in the quote only as {rules.shown_words(approximate)}, "
                    "a rounded number or a bound: a corroboration gives the figure's number as it is (leave this one out)",
                )
            )
    return problems


# Frictionless report → problems ---------------------------------------------------------


# Frictionless's note on a cell of the wrong type: 'type is "integer/default"'.
TYPE_NOTE = re.compile(r'^type is "(\w+)/(\w+)"$')
CONSTRAINT_NOTE = re.compile(r'^constraint "(\w+)" is "(.*)"$')
CONSTRAINT_MESSAGES = {
    "required": "is required",
    "minimum": "must be at least {}",
    "maximum": "must be at most {}",
    "pattern": "must match {}",
    "enum": "must be one of {}",
    "unique": "must be unique in its column",
}


EMPTY_FILE = "is an empty file"


def empty_file_message(names: list) -> str:
    """What a 0-byte CSV is told, once: Frictionless's "the source is empty" had no line, and the
    empty-table rule said "has no rows" of the same file at line 1."""
    header = ",".join(str(name) for name in names)
    return f"{EMPTY_FILE}: its first line must be the header{f' ({header})' if header else ''}"


def readable(error, line_of=lambda row_number: row_number) -> str:
    """Frictionless's note, reworded where it speaks in schema terms rather than a curator's.
    ``line_of``: the line a row number of Frictionless's starts on (``record_lines``)."""
    from frictionless import errors as ferrors

    note = error.note or error.message
    typed = TYPE_NOTE.match(note)
    if typed and isinstance(error, ferrors.TypeError):
        return rules.type_problem(error.cell, typed.group(1), typed.group(2))
    match = CONSTRAINT_NOTE.match(note)
    if match and match.group(1) == "pattern" and isinstance(getattr(error, "cell", None), str):
        return rules.pattern_problem(error.cell, match.group(2))
    if match and match.group(1) == "enum" and isinstance(getattr(error, "cell", None), str):
        try:
            allowed = ast.literal_eval(match.group(2))
        except (ValueError, SyntaxError):
            allowed = None
        if isinstance(allowed, list):
            return rules.enum_problem(error.cell, allowed)
    if match and match.group(1) in CONSTRAINT_MESSAGES:
        return CONSTRAINT_MESSAGES[match.group(1)].format(match.group(2))
    if isinstance(error, ferrors.PrimaryKeyError):
        line = re.search(r"position (\d+)", note)
        return table_schema.duplicate_key_message(line_of(int(line.group(1)))) if line else note
    return note


# Frictionless's note for a package whose resources share a name.
DUPLICATE_RESOURCE_NOTE = "names of the resources are not unique"
# Frictionless's note for a resource path outside the package's folder, which
# package_contract_problems reports at its line (inside_package is the stricter test).
UNSAFE_PATH_NOTE = re.compile(r'^path ".*" is not safe$')


def frictionless_problems(package_path: Path, descriptor: dict, base: Path) -> list[rules.Problem]:
    # Imported here: the one-pass reader needs none of Frictionless, which is slow to import.
    import frictionless
    from frictionless import errors as ferrors

    from .frictionless_checks import CHECKS

    shown_package = shown_path(package_path, base)
    paths = {
        r.get("name"): shown_path(package_path.parent / r["path"], base)
        for r in descriptor.get("resources", [])
        if isinstance(r.get("path"), str)
    }
    # Frictionless reads a cell of any length (its parser's import sets csv's one limit per
    # process), and so reports a long cell's maxLength at its row; raw_file_problems reports
    # a cell past the package's readers' limit. Once anything set the limit back after that import,
    # a 2 MB note in figures.csv was "field larger than field limit (1048576)", at no line, under
    # disagreements.csv, whose key reads figures.
    from frictionless.formats.csv import settings as csv_settings

    limit = csv.field_size_limit(csv_settings.FIELD_SIZE_LIMIT)
    try:
        package = frictionless.Package(str(package_path))
        report = package.validate(checklist=frictionless.Checklist(checks=CHECKS))
    except frictionless.FrictionlessException as exception:
        # A resource named twice is reported at the second's name line (package_contract_problems):
        # Frictionless's "not unique" names no place, so it said the same at line 1.
        errors = [
            e
            for e in exception.to_errors()
            if getattr(e, "note", "") != DUPLICATE_RESOURCE_NOTE and not UNSAFE_PATH_NOTE.search(getattr(e, "note", ""))
        ]
        return descriptor_error_problems(package_path, descriptor, shown_package, errors)
    finally:
        csv.field_size_limit(limit)
    primary_keys = {r.get("name"): r.get("schema", {}).get("primaryKey", []) for r in descriptor.get("resources", [])}
    headers = {
        r.get("name"): [f.get("name") for f in r.get("schema", {}).get("fields", []) if isinstance(f, dict)]
        for r in descriptor.get("resources", [])
    }
    files = {
        r.get("name"): package_path.parent / r["path"]
        for r in descriptor.get("resources", [])
        if isinstance(r.get("path"), str)
    }
    problems = []
    for task in report.tasks:
        shown = paths.get(task.name, task.name)
        starts = table_schema.record_lines(files[task.name]) if task.name in files else None

        def line_of(row_number: int | None, starts=starts) -> int | None:
            """Frictionless's row number (a record's) as the line that record starts on."""
            if row_number is None or starts is None or not 0 < row_number <= len(starts):
                return row_number
            return starts[row_number - 1]

        # A blank row is one mistake: raw_file_problems says "is a blank row", and Frictionless's
        # blank-row and empty-key errors on the same line would say it twice more.
        blank = {error.row_number for error in task.errors if isinstance(error, ferrors.BlankRowError)}
        for error in task.errors:
            if getattr(error, "row_number", None) in blank:
                continue
            # raw_file_problems reads every file's bytes: one it cannot open, or one that is not
            # UTF-8, is reported there once, with its line. Frictionless says it again, with an
            # absolute path, and under every table whose foreign keys read that file.
            if isinstance(error, ferrors.EncodingError) or (
                isinstance(error, ferrors.SchemeError) and (error.note or "").startswith("[Errno")
            ):
                continue
            # A declared size or digest the file does not have: declared_file_problems says so at
            # its line in datapackage.json.
            if isinstance(error, (ferrors.HashCountError, ferrors.ByteCountError)):
                continue
            if isinstance(error, ferrors.SourceError) and error.note == "the source is empty":
                problems.append(rules.Problem(shown, 1, None, empty_file_message(headers.get(task.name, []))))
                continue
            field = getattr(error, "field_name", None)
            if field is None and getattr(error, "field_names", None):
                field = ",".join(error.field_names)
            line = line_of(getattr(error, "row_number", None))
            if line is None and isinstance(error, ferrors.HeaderError):
                line = 1
            if isinstance(error, ferrors.PrimaryKeyError):
                field = ",".join(primary_keys.get(task.name, [])) or None
            problems.append(rules.Problem(shown, line, field, readable(error, line_of)))
    return problems + descriptor_error_problems(package_path, descriptor, shown_package, report.errors)


def schema_problems(package_path: Path, descriptor: dict, shown: str) -> list[rules.Problem]:
    """What in datapackage.json's schemas no reader can apply (``table_schema.unusable_schema_values``),
    each at its line and key; ``check_package`` reads no row against a descriptor with any of them.

    Where Frictionless's own check of the descriptor refuses it too (``"required": "yes"``, a
    foreign key's fields that are not a list), its errors are the report, in the contract's
    words; the rest it accepts and then fails on while reading rows (a date field's ``"minimum":
    "zero"``, a foreign key to a resource the package lacks). Frictionless is imported only then:
    a sound descriptor costs nothing here."""
    unusable = table_schema.unusable_schema_values(descriptor)
    if not unusable:
        return []
    import frictionless

    try:
        errors = list(frictionless.Package.metadata_validate(descriptor))
    except frictionless.FrictionlessException as exception:
        errors = exception.to_errors()
    except (KeyError, TypeError, AttributeError, IndexError):
        errors = []  # Frictionless stumbled on the shape itself (a foreign key with no reference)
    # Frictionless's errors about what safety.list_problems tells are dropped as repeats: when
    # those were all, the report is the reader's own.
    told = descriptor_error_problems(package_path, descriptor, shown, errors) if errors else []
    if told:
        return told
    try:
        lines = json_lines(package_path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        lines = {}
    return [
        rules.Problem(shown, lines.get(path) or lines.get(path[:-1]), key, message) for path, key, message in unusable
    ]


def descriptor_error_problems(package_path: Path, descriptor: dict, shown: str, errors) -> list[rules.Problem]:
    """Frictionless's errors about datapackage.json, each at the line of what it is about: its
    errors name no place ('field type "datum" is not supported'), so each field, schema and
    resource is validated alone, deepest first, and the first whose errors hold the same note is
    the place; "at property 'format'" in a note names the key within it."""
    try:
        lines = json_lines(package_path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        lines = {}
    places = descriptor_places(descriptor)
    # A list of licenses, sources, contributors or keywords that is none is told once, by
    # safety.list_problems, whichever engine reads the rows: Frictionless said it again.
    told = [path for path, _, _ in safety.list_problems(descriptor)]
    problems = []
    for error in errors:
        note = getattr(error, "note", "") or ""
        line, key, where, repeated = None, None, "", False
        for path, label, notes in places:
            if note and note in notes():
                named = PROPERTY_NOTE.search(note)
                inner = tuple(int(k) if k.isdigit() else k for k in named.group(1).split("/")) if named else ()
                if note.startswith("field type "):
                    inner = ("type",)
                unsupported = re.match(r'constraint "(\w+)" is not supported', note)
                if unsupported:
                    inner = ("constraints", unsupported[1])
                repeated = any((path + inner)[: len(at)] == at for at in told)
                line = lines.get(path + inner) or lines.get(path)
                key = (
                    next((k for k in reversed(inner) if isinstance(k, str)), None) if lines.get(path + inner) else None
                )
                where = f" (in {label})" if label else ""
                break
        if not repeated:
            problems.append(rules.Problem(shown, line, key, f"{error.message}{where}"))
    return problems


# How Frictionless names the key a descriptor error is about, relative to the object validated.
PROPERTY_NOTE = re.compile(r"at property '([^']*)'$")


def descriptor_places(descriptor: dict) -> list[tuple[tuple, str, object]]:
    """(JSON path, what a message calls it, a function giving Frictionless's notes for it alone) of
    every field, schema and resource, then the package: deepest first."""
    import frictionless

    def field_notes(field):
        try:
            kind = frictionless.Field.metadata_select_class(field.get("type"))
        except frictionless.FrictionlessException as exception:
            return [exception.error.note]
        return [error.note for error in kind.metadata_validate(field)]

    def notes_of(kind, node):
        def notes():
            try:
                return [error.note for error in kind.metadata_validate(node)]
            except frictionless.FrictionlessException as exception:
                return [error.note for error in exception.to_errors()]

        return notes

    resources = [(i, r) for i, r in enumerate(listed_resources(descriptor)) if isinstance(r, dict)]
    fields, schemas, tables = [], [], []
    for i, resource in resources:
        where = f"resources[{resource.get('name', i)}]"
        schema = resource.get("schema")
        if isinstance(schema, dict):
            for j, field in enumerate(safety.listed(schema, "fields")):
                if isinstance(field, dict):
                    label = f"{where}.schema.fields[{field.get('name', j)}]"
                    fields.append((("resources", i, "schema", "fields", j), label, lambda f=field: field_notes(f)))
            schemas.append((("resources", i, "schema"), f"{where}.schema", notes_of(frictionless.Schema, schema)))
        tables.append((("resources", i), where, notes_of(frictionless.Resource, resource)))
    return [*fields, *schemas, *tables, ((), "", notes_of(frictionless.Package, descriptor))]


def json_lines(text: str) -> dict[tuple, int]:
    """{JSON path (keys and indexes): the line it starts on} of every member and item of a JSON
    text: the line of a member's key, of an item's value. The json module keeps no positions."""
    return _json_places(text)[0]


def duplicate_key_problems(text: str, descriptor: dict, shown: str) -> list[rules.Problem]:
    """A key written twice in one object of datapackage.json, at the line of the second: JSON
    readers keep the last and drop the first without a word, so a second "constraints" object
    added to a field silently dropped the first one's pattern and maxLength."""
    repeated = False

    def pairs_once(pairs: list) -> dict:
        nonlocal repeated
        members = dict(pairs)
        repeated = repeated or len(members) != len(pairs)
        return members

    # The json module finds a repeated key in a fraction of a millisecond; only then is the text
    # walked for lines (json_lines: 38 ms on the real package, which every validation would pay).
    try:
        rules.json_value(text, object_pairs_hook=pairs_once)
    except ValueError:
        return []
    if not repeated:
        return []
    problems = []
    for path, key, first, line in _json_places(text)[1]:
        where, node = [], descriptor
        for part in path:
            if isinstance(node, dict):
                node = node.get(part)
            else:
                node = node[part] if isinstance(node, list) and isinstance(part, int) and part < len(node) else None
            if isinstance(part, int):
                # A resource or field by its name, as the other messages name them.
                named = node.get("name") if isinstance(node, dict) else None
                where.append(f"[{named if isinstance(named, str) else part}]")
            else:
                where.append(f".{part}")
        place = "".join(where).lstrip(".") or "the package"
        problems.append(
            rules.Problem(
                shown,
                line,
                key,
                f"is written twice in {place} (lines {first} and {line}): a JSON reader keeps this one and drops "
                "the first with what it says; merge them into one",
            )
        )
    return problems


def _json_places(text: str) -> tuple[dict[tuple, int], list[tuple[tuple, str, int, int]]]:
    """``json_lines``, and each key repeated in one object: (the object's path, the key, the
    line of its first and of its repeated member)."""
    decoder = json.JSONDecoder()
    space = re.compile(r"[ \t\n\r]*")
    found: dict[tuple, int] = {}
    repeated: list[tuple[tuple, str, int, int]] = []

    def line_at(position: int) -> int:
        return text.count("\n", 0, position) + 1

    def value(position: int, path: tuple) -> int:
        position = space.match(text, position).end()
        found.setdefault(path, line_at(position))
        if text[position] == "{":
            position = space.match(text, position + 1).end()
            seen: dict[str, int] = {}  # this object's keys: two objects at one path are two objects
            while text[position] != "}":
                key_at = position
                key, position = json.decoder.scanstring(text, position + 1)
                if key in seen:
                    repeated.append((path, key, seen[key], line_at(key_at)))
                seen[key] = found[(*path, key)] = line_at(key_at)
                position = space.match(text, position).end() + 1  # the colon
                position = space.match(text, value(position, (*path, key))).end()
                if text[position] == ",":
                    position = space.match(text, position + 1).end()
            return position + 1
        if text[position] == "[":
            position, index = space.match(text, position + 1).end(), 0
            while text[position] != "]":
                position = space.match(text, value(position, (*path, index))).end()
                index += 1
                if text[position] == ",":
                    position = space.match(text, position + 1).end()
            return position + 1
        return decoder.raw_decode(text, position)[1]

    value(0, ())
    return found, repeated


def validate_package(
    package_path: Path = PACKAGE,
    base: Path | None = None,
    typed: list | None = None,
    *,
    today: date | None = None,
    read: dict[str, tuple[bytes, str]] | None = None,
    stage: Callable[[bytes, dict[str, str]], None] | None = None,
) -> list[rules.Problem]:
    """Every problem in the package, sorted, each naming file, line and field.

    A package ``arrow_validate`` proves valid has no problems but ``stray_file_problems``; any
    other is read by ``check_package``, whose problems are the report.

    ``typed``: when given and Arrow proved the package valid, {"columns": {resource: (cell texts,
    SQLite values) of each column}, "inputs": {resource path: "sha256:<hex>" of the bytes parsed},
    "body": their ``stamp.rows_body``} is appended to it (``arrow_validate.proves_valid``);
    nothing is when ``check_package`` decided.

    ``today``: the day the rules that read the clock judge on (a search log or a
    ``rules.PAST_DAYS`` field dated later is refused), by default today in UTC (``rules.utc_today``).

    ``read``: {resource path: (bytes, SHA-256 hex)} of files already read and hashed
    (``data_hashes.DataHashes.kept``), for Arrow to parse with ``typed`` instead of reading them
    again; emptied before ``check_package`` reads anything, so that their bytes are not held
    beside it.

    ``stage``: with ``typed``, takes the rows' body (and the inputs) in its place, before the
    package is known valid (``arrow_validate.proves_valid``)."""
    package_path = Path(package_path)
    special = special_file_problems(package_path, base or package_path.parent)
    if special:
        return special
    descriptor = proved_descriptor(package_path, typed, today=today, read=read, stage=stage)
    if read is not None:
        read.clear()
    if descriptor is not None:
        # The descriptor proved, not the file read again: replaced meanwhile by one that is no
        # package ([] or half written), it was an AttributeError's or JSONDecodeError's traceback.
        # (The command then finds the file changed, and records nothing.)
        return stray_file_problems(package_path, descriptor, base or package_path.parent)
    # A file that became a FIFO since the check above (Arrow's reader refused to open it): asked
    # again, as check_package's readers would wait for a writer.
    special = special_file_problems(package_path, base or package_path.parent)
    if special:
        return special
    return check_package(package_path, base, today=today)[0]


def special_file_problems(package_path: Path, base: Path) -> list[rules.Problem]:
    """A problem for each input that is there but is not a file (``files.special_package_files``:
    the descriptor, its resources' files, the release folders' contents), named relative to
    ``base``. Asked before anything reads them: a FIFO in place of data/figures.csv hung
    validate and build for ever, each waiting for a writer to open it."""
    return [
        rules.Problem(shown_path(path, base), None, None, f"cannot be read: {kind}, not a file; put the file back")
        for path, kind in files.special_package_files(package_path)
    ]


def stray_file_problems(package_path: Path, descriptor: dict, base: Path) -> list[rules.Problem]:
    """CSV files in a folder of the resources that no resource names: a table a curator added to
    data/ but not to datapackage.json would never be validated, built or published."""
    folder = Path(package_path).parent
    named = {
        (folder / r["path"]).resolve()
        for r in descriptor.get("resources", [])
        if isinstance(r, dict) and isinstance(r.get("path"), str) and inside_package(r["path"])
    }
    stray = sorted(
        path
        for directory in {path.parent for path in named}
        if directory.is_dir()
        for path in directory.iterdir()
        if path.suffix.lower() == ".csv" and path.is_file() and path.resolve() not in named
    )
    # A resource path misspelt (data/event.csv) names no file, and the file it meant is "not a
    # resource": told to add it to datapackage.json, a curator added it twice.
    missing = {
        r["path"]: r.get("name")
        for r in descriptor.get("resources", [])
        if isinstance(r, dict)
        and isinstance(r.get("path"), str)
        and inside_package(r["path"])
        and not (folder / r["path"]).exists()
    }
    problems = []
    for path in stray:
        shown = shown_path(path, base)
        try:
            # The stray paths are resolved (the resources' folders are), the package's folder may
            # not be: a relative --package ("st") was a ValueError's traceback here.
            relative = path.relative_to(folder.resolve()).as_posix()
        except ValueError:  # a resources' folder linked from outside the package's
            relative = path.name
        meant = difflib.get_close_matches(relative, list(missing), n=1, cutoff=0.8)
        if meant:
            problems.append(
                rules.Problem(
                    shown,
                    None,
                    None,
                    f"is not a resource of datapackage.json, whose resource {missing[meant[0]]} names {meant[0]!r}, "
                    "which does not exist: correct that path, if this is its file",
                )
            )
        else:
            problems.append(
                rules.Problem(
                    shown,
                    None,
                    None,
                    "is not a resource of datapackage.json: add it there, or move it out of this folder",
                )
            )
    return problems


def proved_valid(
    package_path: Path,
    typed: list | None = None,
    *,
    today: date | None = None,
    read: dict[str, tuple[bytes, str]] | None = None,
    stage: Callable[[bytes, dict[str, str]], None] | None = None,
) -> bool:
    """True when the descriptor parses, its names and keys are sound, and ``arrow_validate``
    proves every resource valid (``read``: as ``validate_package`` takes it); False when
    ``check_package`` must decide. ``stage``: as ``validate_package`` takes it."""
    return proved_descriptor(package_path, typed, today=today, read=read, stage=stage) is not None


def proved_descriptor(
    package_path: Path,
    typed: list | None = None,
    *,
    today: date | None = None,
    read: dict[str, tuple[bytes, str]] | None = None,
    stage: Callable[[bytes, dict[str, str]], None] | None = None,
    serialize: bool = True,
) -> dict | None:
    """``proved_valid``'s descriptor, parsed once, when it holds; else None. ``serialize``: as
    ``arrow_validate.proves_valid`` takes it."""
    from . import arrow_validate

    try:
        data = package_path.read_bytes()
        text = files.text_as_read(data)  # the very bytes hashed below
        descriptor = rules.json_value(text)
    except (OSError, ValueError):
        return None
    if not isinstance(descriptor, dict) or not isinstance(descriptor.get("resources"), list):
        return None
    # Handed over with the data files' (``typed``'s "inputs"): a descriptor replaced while it was
    # read, then put back, was found unchanged by the key, which then vouched for bytes nobody
    # validated (a break test's looser maxLength, whose 261-character name the next build published).
    parsed = "sha256:" + hashlib.sha256(data).hexdigest()
    del data
    shown = package_path.name
    if (
        duplicate_key_problems(text, descriptor, shown)
        or unreadable_path_problems(descriptor, shown, package_path)
        or declared_file_problems(descriptor, shown, package_path)
        or package_contract_problems(descriptor, shown)
        or field_contract_problems(descriptor, shown)
        or safety.descriptor_problems(package_path, descriptor, shown)
    ):
        return None
    proved = arrow_validate.proves_valid(package_path, descriptor, typed, today, read, stage, serialize, parsed)
    return descriptor if proved else None


def check_package(
    package_path: Path = PACKAGE, base: Path | None = None, *, engine: str = "auto", today: date | None = None
) -> tuple[list[rules.Problem], dict[str, table_schema.Table] | None]:
    """Every problem in the package, sorted, and the typed tables read on the way.

    ``engine``: ``"auto"`` reads each file once with ``table_schema`` and falls back to
    Frictionless when the package uses something that reader does not enforce or a file is
    damaged; ``"frictionless"`` always uses Frictionless (the reference the differential tests
    compare against). The tables are None when Frictionless did the work; they hold typed rows
    (see ``table_schema.Table``) otherwise, whether or not problems were found. ``today``: as
    ``validate_package``'s.
    """
    package_path = Path(package_path)
    base = base or package_path.parent
    shown_package = shown_path(package_path, base)
    try:
        descriptor = rules.json_value(package_path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as error:
        # At its line, as every other problem is: the line was only in the text.
        message = f"cannot be read as JSON: {error.msg} (column {error.colno})"
        return [rules.Problem(shown_package, error.lineno, None, message)], None
    except UnicodeDecodeError as error:
        line = package_path.read_bytes()[: error.start].count(b"\n") + 1
        return [rules.Problem(shown_package, line, None, "cannot be read as JSON: is not valid UTF-8")], None
    except (OSError, ValueError) as error:
        return [rules.Problem(shown_package, None, None, f"cannot be read as JSON: {error}")], None
    if not isinstance(descriptor, dict):
        # Every reader below takes the descriptor's keys: `[]` was an AttributeError's traceback.
        told = f"is a JSON {json_kind(descriptor)}, not an object (a Data Package is one)"
        return [rules.Problem(shown_package, 1, None, told)], None

    unreadable = unreadable_path_problems(descriptor, shown_package, package_path)
    problems = package_contract_problems(descriptor, shown_package, package_path)
    problems += duplicate_key_problems(package_path.read_text(encoding="utf-8"), descriptor, shown_package)
    problems += [] if unreadable else declared_file_problems(descriptor, shown_package, package_path)
    # The file a refused path meant is most often the "stray" one beside the others: told so,
    # the one mistake was two. A stray file waits, like every file, until the path is fixed.
    problems += [] if unreadable else stray_file_problems(package_path, descriptor, base)
    broken = (
        unreadable
        or schema_problems(package_path, descriptor, shown_package)
        or field_contract_problems(descriptor, shown_package, package_path)
    )
    if broken:
        # No row can be read against it: each reader would fail on the first cell (or key). The
        # descriptor's own problems stay (a misspelt "constraint" is why "required" went).
        problems += safety.descriptor_problems(package_path, descriptor, shown_package)
        return sorted(set(problems + broken), key=lambda p: (p.path, p.line or 0, p.field or "", p.message)), None
    tables = None
    if engine == "auto" and not problems and table_schema.supported(descriptor) is None:
        try:
            tables = table_schema.read_package(package_path, descriptor, lambda path: shown_path(path, base))
        except table_schema.Damaged:
            tables = None
    if tables is None:
        problems += frictionless_validation_problems(package_path, descriptor, base)
    else:
        problems += typed_problems(package_path, descriptor, tables, base)
    # Hostile rather than wrong (links, formulas, bidi, empty tables, unknown keys): whichever engine
    # read the rows; the one-pass reader checked the cells as it read them.
    problems += safety.safety_problems(package_path, descriptor, base, cells_checked=tables is not None)
    problems += consistency.package_problems(package_path, descriptor, base, tables, today)
    for resource in descriptor["resources"] if tables is not None else []:
        shown = shown_path(package_path.parent / resource["path"], base)
        problems += safety.empty_table_problems(shown, resource["name"], len(tables[resource["name"]].rows))
    problems = without_echoes_of_damaged_rows(problems)
    # A file Frictionless reads as empty (no bytes, or a lone line break) is told so once, with the
    # header it needs: its "header lacks" and "has no rows" said the same thing twice more.
    empty = {p.path for p in problems if p.message.startswith(EMPTY_FILE)}
    problems = [p for p in problems if p.path not in empty or p.message.startswith(EMPTY_FILE)]
    files = {shown_path(package_path.parent / r["path"], base): r["name"] for r in descriptor["resources"]}
    problems = with_near_keys(without_echoes_of_damaged_tables(problems, files), package_path, descriptor, base)
    return sorted(set(problems), key=lambda p: (p.path, p.line or 0, p.field or "", p.message)), tables


def typed_problems(
    package_path: Path, descriptor: dict, tables: dict[str, table_schema.Table], base: Path
) -> list[rules.Problem]:
    """Schema, row and cross-row problems of tables read by ``table_schema``: the same rules
    the Frictionless path applies, on the rows already in memory."""
    folder = package_path.parent
    resources = {r["name"]: r for r in descriptor["resources"]}

    def shown(name: str) -> str:
        return shown_path(folder / resources[name]["path"], base)

    problems = []
    for name, table in tables.items():
        problems += [rules.Problem(shown(name), line, field, message) for line, field, message in table.problems]

    record_sources, source_ids = set(), None
    if "sources" in tables:
        sources = tables["sources"]
        source_id, kind = sources.column("source_id"), sources.column("kind")
        record_sources = {row[source_id] for row in sources.rows if row[kind] in rules.RECORD_SOURCE_KINDS}
        source_ids = {row[source_id] for row in sources.rows}
    for name, table in tables.items():
        quoted = name in QUOTED_VALUE_RESOURCES
        dated = {"period_start", "period_end"} <= set(table.fields)
        if not (quoted or dated):
            continue
        unreadable = defaultdict(set)
        for line, field in table.type_errors:
            unreadable[line].add(field)
        for row, line in zip(table.rows, table.lines, strict=True):
            values = dict(zip(table.fields, row, strict=True))
            notes = period_order_notes(values) if dated else []
            if quoted:
                notes += figure_value_notes(values, record_sources, unreadable.get(line, ()), source_ids)
            problems += [rules.Problem(shown(name), line, field, note) for field, note in notes]

    def rows_of(name: str) -> list[tuple[int, dict]]:
        return text_rows(tables[name])

    if {"figures", "metrics", "disagreements"} <= tables.keys():
        units = {row["metric_id"]: row["unit"] for _, row in rows_of("metrics")}
        exempt = {
            row["figure_id"]
            for _, row in rows_of("disagreements")
            if row.get("kind") == "inconsistent_parts" and row.get("figure_id")
        }
        problems += figure_problems(typed_figures(tables["figures"]), units, exempt, shown("figures"))

    if {"figures", "corrections"} <= tables.keys():
        figures = tables["figures"]
        figure_id = figures.column("figure_id")
        problems += correction_problems(
            rows_of("corrections"), {row[figure_id] for row in figures.rows}, shown("corrections")
        )

    if {"figures", "sources", "corroborations", "metrics"} <= tables.keys():
        corroborations = rows_of("corroborations")
        named = {row.get("figure_id", "") for _, row in corroborations}
        figures = tables["figures"]
        figure_id, platform_id = figures.column("figure_id"), figures.column("platform_id")
        reported_ids = {row[figure_id] for row in figures.rows}
        platforms = derivation_platforms(named - reported_ids, {row[platform_id] for row in figures.rows})
        chosen = [row for _, row in text_rows(figures, lambda r: r[figure_id] in named or r[platform_id] in platforms)]
        wanted = {row["figure_id"]: row for row in chosen}
        units = {row["metric_id"]: row["unit"] for _, row in rows_of("metrics")}
        derivable = [row for row in wanted.values() if row["platform_id"] in platforms]
        # A cell that failed its type is no value here (None): its row is as unreadable as text
        # that does not parse.
        broken_lines = {line for line, field in figures.type_errors if field in DERIVATION_CELLS}
        broken_rows = [row for line, row in text_rows(figures) if line in broken_lines] if broken_lines else []
        derived = derived_rows(derivable, units)
        twice = held_twice(row["figure_id"] for row in chosen)
        problems += corroboration_problems(
            corroborations,
            {**derived, **wanted},
            {row["source_id"]: row.get("kind", "") for _, row in rows_of("sources")},
            shown("corroborations"),
            ambiguous=twice | derived_from_any_of(derived, twice),
            unreadable=series_of(row for row in derivable if unparsed(row)) | series_of(broken_rows),
        )
    return problems


def derivation_platforms(unknown_ids: set[str], platforms: set[str]) -> set[str]:
    """The platforms whose figures must be derived to check corroborations of ``unknown_ids``
    (ids not in figures.csv): derived ids start with their platform's id."""
    return {p for p in platforms if p and any(n and n.startswith(p + "-") for n in unknown_ids)}


def text_rows(table: table_schema.Table, keep=None) -> list[tuple[int, dict]]:
    """(line, {field: cell text}) of typed rows, as ``read_rows`` gives them, optionally filtered."""
    return [
        (line, {name: "" if value is None else str(value) for name, value in zip(table.fields, row, strict=True)})
        for row, line in zip(table.rows, table.lines, strict=True)
        if keep is None or keep(row)
    ]


def typed_figures(table: table_schema.Table) -> list[Figure]:
    """``parse_figures`` for typed rows: rows whose periods or value did not parse are left out."""
    columns = {name: table.column(name) for name in Figure.__dataclass_fields__ if name in table.fields}
    start, end = table.column("period_start"), table.column("period_end")
    skipped = {line for line, field in table.type_errors if field in ("period_start", "period_end", "value")}
    figures = []
    for row, line in zip(table.rows, table.lines, strict=True):
        value = row[columns["value"]]
        if line in skipped or row[start] is None or row[end] is None:
            continue
        if value is not None and not value.is_finite():
            continue
        # Empty cells are None once typed, "" as parse_figures reads them.
        text = {name: "" if row[i] is None else row[i] for name, i in columns.items() if name != "value"}
        figures.append(
            Figure(
                line,
                text["figure_id"],
                text["platform_id"],
                text["jurisdiction_id"],
                (row[start], row[end]),
                text["request_type_id"],
                text["metric_id"],
                text["value_kind"],
                value,
                _finite_number(row[columns["value_low"]]) if "value_low" in columns else None,
                _finite_number(row[columns["value_high"]]) if "value_high" in columns else None,
                text.get("source_id", ""),
                text.get("quote", ""),
            )
        )
    return figures


def frictionless_validation_problems(package_path: Path, descriptor: dict, base: Path) -> list[rules.Problem]:
    """The whole package through Frictionless, and the raw-text and cross-row rules beside it."""
    problems = []
    resources = {r["name"]: r for r in descriptor.get("resources", []) if "name" in r}
    for resource in resources.values():
        if not isinstance(resource.get("path"), str):
            continue  # package_contract_problems says so
        path = package_path.parent / resource["path"]
        problems += raw_file_problems(path, shown_path(path, base), resource.get("schema", {}).get("fields", []))
    problems += frictionless_problems(package_path, descriptor, base)
    folder = package_path.parent
    read: dict[str, list[tuple[int, dict]]] = {}

    def rows_of(name: str) -> list[tuple[int, dict]]:
        """Each table is read once, however many rules look at it."""
        if name not in read:
            fields = resources[name].get("schema", {}).get("fields", [])
            read[name] = read_rows(folder / resources[name]["path"], [f.get("name") for f in fields] or None)
        return read[name]

    def shown(name: str) -> str:
        return shown_path(folder / resources[name]["path"], base)

    if {"figures", "metrics", "disagreements"} <= resources.keys():
        units = {row["metric_id"]: row["unit"] for _, row in rows_of("metrics")}
        exempt = {
            row["figure_id"]
            for _, row in rows_of("disagreements")
            if row.get("kind") == "inconsistent_parts" and row.get("figure_id")
        }
        problems += figure_problems(parse_figures(rows_of("figures")), units, exempt, shown("figures"))

    if {"figures", "corrections"} <= resources.keys():
        problems += correction_problems(
            rows_of("corrections"), {row["figure_id"] for _, row in rows_of("figures")}, shown("corrections")
        )

    if {"figures", "sources", "corroborations", "metrics"} <= resources.keys():
        figure_rows = [row for _, row in rows_of("figures")]
        figures = {row["figure_id"]: row for row in figure_rows}
        units = {row["metric_id"]: row["unit"] for _, row in rows_of("metrics")}
        # Only the platforms whose corroborations name a figure not in figures.csv need deriving.
        named = {row.get("figure_id", "") for _, row in rows_of("corroborations")} - figures.keys()
        platforms = derivation_platforms(named, {row["platform_id"] for row in figures.values()})
        derivable = [row for row in figures.values() if row["platform_id"] in platforms]
        derived = derived_rows(derivable, units)
        twice = held_twice(row["figure_id"] for row in figure_rows)
        problems += corroboration_problems(
            rows_of("corroborations"),
            {**derived, **figures},
            {row["source_id"]: row.get("kind", "") for _, row in rows_of("sources")},
            shown("corroborations"),
            ambiguous=twice | derived_from_any_of(derived, twice),
            unreadable=series_of(row for row in derivable if unparsed(row)),
        )
    return problems
