"""Reading a platform's CSV with each record's exact text and line, for quotes and locators."""

from __future__ import annotations

import codecs
import csv
import difflib
import io
import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from .. import rules
from ..table_schema import CSV_FIELD_LIMIT, csv_reader
from .core import ImportFailed

# What a spreadsheet writes a copy of a platform's CSV with: another separator (";" where the
# comma is the decimal mark, a tab for "Text"), or UTF-16 ("Unicode text").
OTHER_DELIMITERS = {";": "semicolons", "\t": "tabs", "|": "vertical bars"}
UTF16_OR_32_MARKS = (codecs.BOM_UTF32_LE, codecs.BOM_UTF32_BE, codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)
AS_PUBLISHED = "import the file as the platform published it, not a copy saved by a spreadsheet"


def platform_text(path: Path, *, csv_cells: bool = True) -> str:
    """The file's text: UTF-8, a UTF-8 byte-order mark tolerated. Raises ValueError for a file
    with no text, ImportFailed (``file:line:field``) for one in another encoding, where the
    decoder's "'utf-8' codec can't decode byte 0xfc in position 390" named neither (the field
    is the CSV column the byte is in; ``csv_cells`` false, for JSON, names none)."""
    data = path.read_bytes()
    if not data.strip():
        raise ValueError(f"{path.name}: is empty ({len(data):,} bytes, no text): download it again")
    if data.startswith(UTF16_OR_32_MARKS):
        raise ImportFailed(
            [f"{path.name}:1:-: is UTF-16 or UTF-32 (it begins with that byte-order mark), not UTF-8: {AS_PUBLISHED}"]
        )
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = data.count(b"\n", 0, error.start) + 1
        line_start = data.rfind(b"\n", 0, error.start) + 1
        before = data[line_start : error.start].decode("utf-8", errors="replace")
        try:
            header = next(csv.reader([data.split(b"\n", 1)[0].decode("utf-8-sig", errors="replace")]), [])
            column = len(next(csv.reader([before]), [""])) - 1 if before else 0
        except csv.Error:  # a binary file's carriage return or NUL: no column to name
            header, column = [], 0
        named = csv_cells and line > 1 and column < len(header) and header[column].strip()
        field = header[column].strip() if named else "-"
        byte = data[error.start : error.start + 1]
        raise ImportFailed(
            [
                f"{path.name}:{line}:{field}: byte 0x{byte.hex().upper()} is not UTF-8 (it is "
                f"{byte.decode('cp1252', errors='replace')!r} in Windows-1252): {AS_PUBLISHED}"
            ]
        ) from None


def json_document(path: Path):
    """The JSON document a platform's file holds, read as ``platform_text`` reads text (a UTF-8
    byte-order mark tolerated, as for a CSV); JSON that does not parse is ImportFailed at its line
    ("Unexpected UTF-8 BOM (decode using utf-8-sig)" and, for an empty file, "Expecting value:
    line 1 column 1 (char 0)" were the parser's words)."""
    text = platform_text(path, csv_cells=False)
    try:
        return rules.json_value(text)
    except json.JSONDecodeError as error:
        raise ImportFailed(
            [f"{path.name}:{error.lineno}:-: not JSON: {error.msg} at column {error.colno}: {AS_PUBLISHED}"]
        ) from None


def _other_delimiter(raw: list[str]) -> str | None:
    """The separator of a CSV whose cells are not separated by commas (csv.Sniffer's choice among
    OTHER_DELIMITERS, in its first lines), else None."""
    try:
        return csv.Sniffer().sniff("\n".join(raw[:20]), delimiters="".join(OTHER_DELIMITERS)).delimiter
    except csv.Error:
        return None


def _separated_by(path: Path, delimiter: str) -> str:
    return f"{path.name}: its cells are separated by {OTHER_DELIMITERS[delimiter]}, not commas: {AS_PUBLISHED}"


def _missing_columns(path: Path, header: list[str], missing: list[str]) -> str:
    """The ValueError text for columns the first line lacks, with the header's nearest name for
    each ("no column 'value' in its first line (it has 'VALUE (total)': renamed?)")."""
    lowered = {name.lower(): name for name in header if name}
    near = {}
    for name in missing:
        close = difflib.get_close_matches(name.lower(), lowered, n=1, cutoff=0.5)
        if close and lowered[close[0]] not in near.values():
            near[name] = lowered[close[0]]
    said = "; ".join(f"it has {near[name]!r} where it needs {name!r}" for name in missing if name in near)
    return f"{path.name}: no column {', '.join(map(repr, missing))} in its first line" + (
        f" ({said}: a renamed column?)" if said else ""
    )


def _unreadable(path: Path, raw: list[str], header: list[str], line_number: int, error: csv.Error) -> ImportFailed:
    """The csv module's refusal of a record, told at its line: above all a cell past
    CSV_FIELD_LIMIT characters (csv's "field larger than field limit" ended the import in a
    traceback), told with its column."""
    text = raw[line_number - 1] if 0 < line_number <= len(raw) else ""
    limit = csv.field_size_limit(len(text) + 1)
    try:
        cells = next(csv.reader([text]), [])
    except csv.Error:
        cells = []
    finally:
        csv.field_size_limit(limit)
    long = [index for index, cell in enumerate(cells) if len(cell) > CSV_FIELD_LIMIT]
    if not long:
        return ImportFailed([f"{path.name}:{line_number}:-: is not a CSV record ({error}): {AS_PUBLISHED}"])
    field = header[long[0]] if long[0] < len(header) and header[long[0]] else "-"
    return ImportFailed(
        [
            f"{path.name}:{line_number}:{field}: has a cell longer than {CSV_FIELD_LIMIT:,} characters, which no "
            "platform's record holds (a quote left open?): download the file again"
        ]
    )


@dataclass(frozen=True)
class Line:
    """One CSV record: its first line number (1-based, header = 1), exact text and cells."""

    number: int
    text: str
    cells: list[str]

    def get(self, header: list[str], name: str) -> str:
        index = header.index(name)
        return self.cells[index] if index < len(self.cells) else ""


def short_row(line: Line, header: list[str]) -> str | None:
    """Why ``line``, with fewer cells than ``header``, is skipped, or None when it has them all.
    Its missing cells would read as blank (``Line.get``): its figures dropped without a word, or
    a blank told where the file holds no cell."""
    if len(line.cells) >= len(header):
        return None
    missing = ", ".join(name or "(unnamed)" for name in header[len(line.cells) :])
    return (
        f"the row has {len(line.cells)} cells, the header has {len(header)} (no cell for {missing}): "
        "the file is damaged; download it again"
    )


def _ends_inside_quotes(content: str) -> bool:
    """Whether ``content`` ends inside a quoted cell (csv's strict reader says so; its other reader
    closes the cell at the end of the file)."""
    try:
        for _ in csv_reader(io.StringIO(content, newline=""), strict=True):
            pass
    except csv.Error:
        return True
    return False


def csv_lines(path: Path, required: Iterable[str] = ()) -> tuple[list[str], Iterator[Line]]:
    """The header and the records of a UTF-8 CSV (BOM tolerated), each with its exact text.

    A quoted cell may hold commas ("1,234") or line breaks; the record's text then spans lines.
    ``required`` names the columns the format reads. Raises ValueError ("<file>: no column ...")
    when the first line lacks one of them, and, once the records are read, ("<file>: no records
    under its header") when there were none: a file of another kind (a JSON file, say) must be
    refused, never read as an import of nothing. A format that names ``required`` columns reads
    every record against its header, so a record with more cells than the header is refused
    (ImportFailed, one ``<file>:<line>:-:`` line for each): an unquoted ``4,977`` read as the
    cells ``4`` and ``977`` was imported as the figure 4, the rest of the row dropped.
    """
    content = platform_text(path)
    raw = content.splitlines()
    # A file cut short ends inside its last record; a whole one ends with a line break, or (as
    # Discord's do) on a whole record.
    ends_open = bool(content) and not content.endswith(("\n", "\r"))
    # The header is the first record, which may span lines: a title whose quoted cell holds a line
    # break (Discord's '"Discord January-June 2024\nTransparency Report CSV",,,,,') was cut after its
    # first line, and its rest read as a record of its own, opening with a stray quote. Read with
    # the line breaks, so the cell keeps the break between its words.
    first = csv_reader(content.splitlines(keepends=True))
    try:
        header = next(first, []) if raw else []
    except csv.Error as error:
        raise _unreadable(path, raw, [], max(first.line_num, 1), error) from None
    header_lines = first.line_num
    if 1 < len(raw) <= header_lines and _ends_inside_quotes(content):
        # A quote in the first line that nothing closes made the whole file one header cell: the
        # message was "no records under its header", or a missing column "in its first line".
        raise ImportFailed(
            [
                f"{path.name}:1:-: its first line opens a double quote that no quote closes, so every line of "
                f"the file, 1 to {len(raw)}, reads as one cell of its header: {AS_PUBLISHED}"
            ]
        )
    header = [h.strip() for h in header]
    # A first line of one cell: a copy saved with another separator is refused here, by every
    # format (Discord's, which has no fixed columns, skipped each record and exited 0).
    delimiter = _other_delimiter(raw) if len(header) < 2 else None
    if delimiter:
        raise ValueError(_separated_by(path, delimiter))
    missing = [name for name in required if name not in header]
    if missing:
        raise ValueError(_missing_columns(path, header, missing))

    def records() -> Iterator[Line]:
        reader = csv_reader(raw[header_lines:])
        previous = header_lines
        found = []
        while True:
            try:
                cells = next(reader)
            except StopIteration:
                break
            except csv.Error as error:
                raise _unreadable(path, raw, header, reader.line_num + header_lines, error) from None
            last = reader.line_num + header_lines
            text = "\n".join(raw[previous:last])
            number = previous + 1
            previous = last
            if not any(c.strip() for c in cells):
                continue
            found.append(Line(number, text, cells))
        if not found:
            raise ValueError(f"{path.name}: no records under its header")
        final = found[-1]
        if ends_open:
            # Google's file cut after "...,Other Legal Requests,42" (of 42595, two cells before the
            # end) proposed the figure 42; the EU's DSA file cut inside a quoted cell, which csv
            # closes at the end of the file, imported its records up to there without a word.
            try:
                list(csv.reader(io.StringIO(final.text, newline=""), strict=True))
                inside = None
            except csv.Error:
                inside = "inside a quoted cell of this record (no closing quote"
            rectangular = required or all(len(line.cells) == len(header) for line in found[:-1])
            if inside is None and rectangular and len(final.cells) < len(header):
                inside = f"inside this record ({len(final.cells)} cells, the header has {len(header)}"
            if inside is not None:
                raise ImportFailed(
                    [
                        f"{path.name}:{final.number}:-: the file ends {inside}, and no line break after it): "
                        "it is cut short; download it again"
                    ]
                )
        wide = [line for line in found if required and len(line.cells) > len(header)]
        if wide:
            raise ImportFailed(
                [
                    f"{path.name}:{line.number}:-: has {len(line.cells)} cells, the header has {len(header)}: "
                    "an unquoted comma in a cell (a number written 4,977?) shifts the cells after it. "
                    "Import the file as the platform published it, not a copy saved by a spreadsheet"
                    for line in wide
                ]
            )
        yield from found

    return header, records()
