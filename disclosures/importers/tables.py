"""Reading a platform's CSV with each record's exact text and line, for quotes and locators."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from .core import ImportFailed


@dataclass(frozen=True)
class Line:
    """One CSV record: its first line number (1-based, header = 1), exact text and cells."""

    number: int
    text: str
    cells: list[str]

    def get(self, header: list[str], name: str) -> str:
        index = header.index(name)
        return self.cells[index] if index < len(self.cells) else ""


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
    content = path.read_text(encoding="utf-8-sig")
    raw = content.splitlines()
    # A file cut short ends inside its last record; a whole one ends with a line break, or (as
    # Discord's do) on a whole record.
    ends_open = bool(content) and not content.endswith(("\n", "\r"))
    header = next(csv.reader(raw[:1]), []) if raw else []
    header = [h.strip() for h in header]
    missing = [name for name in required if name not in header]
    if missing:
        raise ValueError(f"{path.name}: no column {', '.join(map(repr, missing))} in its first line")

    def records() -> Iterator[Line]:
        reader = csv.reader(raw[1:])
        previous = 1
        found = []
        for cells in reader:
            last = reader.line_num + 1
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
