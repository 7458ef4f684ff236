"""Is FILE the file its source names? Checksums of sources' files, and the name a locator gives.

``data/source_files.csv`` records, per source, the file's own name (``file_name``, as the source's
URL names it) and its SHA-256 (of the file at the pinned commit the source's URL names, computed
from a stored copy). Before an import:

* a file whose SHA-256 matches is ``verified``: its figures' locators name ``file_name`` (the
  file the source names), whatever the local copy is called;
* a file whose SHA-256 differs is refused (``ImportFailed``), unless the curator allows it
  (``allow_different=True``, the CLI's ``--allow-different-file``): then it is ``different``, and
  its locators name the actual local file with the first 12 hex digits of its own SHA-256, so no
  locator can pass it off as the source's file;
* a source with no recorded checksum is ``unrecorded``: imported with a warning, its locators
  naming the local file as it is.

Nothing here prints; ``warning`` is for the CLI to show.
"""

from __future__ import annotations

import hashlib
import re
import shutil
import tempfile
from collections.abc import Callable
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from lxml.etree import LxmlError

from ..files import read_csv
from .core import DATA, ImportFailed, Parsed

SOURCE_FILES = "source_files.csv"
# What a file's label inserts before its suffix when it is not the source's file, with the first
# 12 hex digits of its own SHA-256: "nsl.sha256-d1e7ebe68347.csv".
DIFFERENT_MARK = ".sha256-"
DIFFERENT_LABEL = re.compile(rf"{re.escape(DIFFERENT_MARK)}[0-9a-f]{{12}}(?=\.[^.]*$|$)")


def name_of(label: str) -> str:
    """The file name a label gives: the label without the checksum a different file's carries
    ("nsl.sha256-d1e7ebe68347.csv" -> "nsl.csv"), for a format whose files are known by name."""
    return DIFFERENT_LABEL.sub("", label, count=1)


def file_digest(path: Path) -> str:
    """SHA-256 of ``path``'s bytes, as 64 lowercase hex digits."""
    digest = hashlib.sha256()
    with Path(path).open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


@dataclass(frozen=True)
class FileCheck:
    """What ``check_file`` found. ``label``: the file name the figures' locators give."""

    source_id: str
    status: str  # verified | different | unrecorded
    sha256: str
    expected: str | None
    label: str
    warning: str | None


def check_file(path: Path, source_id: str, data_dir: Path = DATA, *, allow_different: bool = False) -> FileCheck:
    """Compare ``path`` with the checksum ``data/source_files.csv`` records for ``source_id``.

    Raises ImportFailed when the checksum differs and ``allow_different`` is false.
    """
    path = Path(path)
    actual = file_digest(path)
    table = data_dir / SOURCE_FILES
    recorded = [r for r in read_csv(table) if r["source_id"] == source_id] if table.exists() else []
    if not recorded:
        return FileCheck(
            source_id,
            "unrecorded",
            actual,
            None,
            path.name,
            f"WARNING: {table.name} records no checksum for {source_id}, so nothing shows that {path.name} "
            f"(sha256 {actual}) is the file that source names; its locators name {path.name} as it is. "
            f"Record the file's sha256 at the source's pinned commit in data/{SOURCE_FILES}.",
        )
    (row,) = recorded
    if actual == row["sha256"]:
        return FileCheck(source_id, "verified", actual, row["sha256"], row["file_name"], None)
    if not allow_different:
        raise ImportFailed(
            [
                f"{path}:-:-: sha256 {actual} is not {row['sha256']}, the sha256 data/{SOURCE_FILES} records "
                f"for {row['file_name']} of {source_id}: this is not the file the source names. Import the "
                "file itself, or review what this one holds with --allow-different-file --dry-run (never "
                "written: record it as a source of its own first)."
            ]
        )
    label = f"{path.stem}{DIFFERENT_MARK}{actual[:12]}{path.suffix}"
    return FileCheck(
        source_id,
        "different",
        actual,
        row["sha256"],
        label,
        f"WARNING: {path.name} (sha256 {actual}) is NOT {row['file_name']} of {source_id} "
        f"(sha256 {row['sha256']}); imported as allowed, its locators name {label}, not {row['file_name']}.",
    )


@contextmanager
def named_as(path: Path, label: str):
    """``path`` itself when its name is ``label``, else a temporary copy named ``label``."""
    path = Path(path)
    if path.name == label:
        yield path
        return
    with tempfile.TemporaryDirectory(prefix="import-") as folder:
        copy = Path(folder) / label
        shutil.copyfile(path, copy)
        yield copy


def parse_checked(parse: Callable[[Path], Parsed], path: Path, check: FileCheck) -> Parsed:
    """``parse`` of ``path`` with every locator naming ``check.label`` (parsers name the file they read).

    Raises ValueError when the parser found neither a record nor a skip: whatever the format, a
    file in which it recognises nothing is another kind of file, not an import of nothing. So is
    a file the parser cannot walk as the format lays its records out."""
    try:
        with named_as(path, check.label) as named:
            parsed = parse(named)
    except KeyError as error:
        # Told "cannot be read as apple-transparency-json: 'periods'", a curator had no sentence.
        raise ValueError(f"{check.label}: has no {error} where this format has one") from error
    except (TypeError, AttributeError, IndexError, LxmlError) as error:
        # A JSON array or null where the format has an object, an empty HTML page: each parser
        # walks its format's layout, and these were tracebacks.
        raise ValueError(f"{check.label}: is not laid out as this format ({type(error).__name__}: {error})") from error
    if not parsed.records and not parsed.skips:
        raise ValueError(f"{check.label}: nothing in it is a record of this format")
    return parsed
