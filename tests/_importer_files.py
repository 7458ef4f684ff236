"""A platform's file as an importer test writes it under tmp_path (rows of a CSV, a JSON document,
a page), and what the importer parses from it."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TypeVar

from disclosures.paths import ROOT

FIXTURES = ROOT / "tests" / "fixtures" / "importers"

Parsed = TypeVar("Parsed")


def lines(rows: Sequence[str], newline: str = "\n", *, last_ended: bool = True) -> str:
    """The rows as a file's text, with the line breaks the platform's file has (Discord's stored
    files mostly CRLF, and none after their last row)."""
    return newline.join(rows) + (newline if last_ended else "")


def parsed_from(parse: Callable[[Path], Parsed], path: Path, text: str) -> Parsed:
    """What parse reads from path once text is written there as UTF-8, byte for byte: the line
    breaks a test writes (LF or Discord's CRLF) are the ones the importer reads, on any system."""
    path.write_bytes(text.encode("utf-8"))
    return parse(path)


def parsed_under_stored_header(
    parse: Callable[[Path], Parsed], tmp_path: Path, name: str, rows: Sequence[str]
) -> Parsed:
    """What parse reads from rows under the first line of the stored excerpt
    tests/fixtures/importers/<name>, written to tmp_path/<name>: damaged rows read under the
    platform's own columns."""
    header = (FIXTURES / name).read_text(encoding="utf-8").splitlines()[0]
    return parsed_from(parse, tmp_path / name, lines([header, *rows]))
