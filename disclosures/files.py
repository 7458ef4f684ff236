"""Deterministic files and cells: CSV (LF, fixed column order), JSON, atomic writes.

Every file the pipeline writes goes through here, so two runs give the same bytes.
"""

from __future__ import annotations

import contextlib
import csv
import errno
import io
import json
import os
import re
import shutil
import sqlite3
import stat
import sys
from collections.abc import Collection
from pathlib import Path

from .data_hashes import HASH_BLOCK_BYTES, open_regular, sha256_file  # noqa: F401 (the helpers, imported from here)
from .vocabulary import number_text


def cell_text(value) -> str:
    """A database value as its CSV cell: None is empty, numbers canonical (81.5, never 81.50 or 8.15e1)."""
    if value is None:
        return ""
    if isinstance(value, (int, float)):
        return number_text(value)
    return str(value)


def read_csv(path: Path) -> list[dict]:
    """Rows of a UTF-8 CSV as dicts of text."""
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def csv_text(fields: list[str], rows: list[dict]) -> str:
    """``rows`` as CSV text: header ``fields``, LF line ends, other keys ignored."""
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=fields, lineterminator="\n", extrasaction="ignore")
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue()


def json_text(data) -> str:
    """Indented JSON with a final newline, keys in the order given."""
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"


def json_rows(rows: list[dict]) -> str:
    """An array of objects, one object per line: valid JSON that diffs well."""
    if not rows:
        return "[]\n"
    return "[\n" + ",\n".join(json.dumps(r, ensure_ascii=False) for r in rows) + "\n]\n"


def text_as_read(data: bytes) -> str:
    """``data`` as ``Path.read_text(encoding="utf-8")`` gives a file of these bytes (universal
    newlines: CRLF and CR as LF), for text also hashed as bytes, so that what is parsed is what
    was hashed. Raises UnicodeDecodeError (a ValueError) for bytes that are not UTF-8."""
    return data.decode("utf-8").replace("\r\n", "\n").replace("\r", "\n")


def write_text(path: Path, text: str | bytes) -> None:
    """Write UTF-8 text (or bytes) to ``path``, creating its folder."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(text if isinstance(text, bytes) else text.encode("utf-8"))


# What stat() says a path is, for those a reader cannot take as a file.
_SPECIAL_KINDS = (
    (stat.S_ISFIFO, "a FIFO"),
    (stat.S_ISSOCK, "a socket"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
)


def special_file_kind(path: Path) -> str | None:
    """What ``path`` is when it is there but is neither a regular file nor a folder once links
    are followed ("a FIFO", "a socket", "a character device", "a block device"); None for a
    file, a folder, or nothing there (each reader says so itself). stat() opens nothing, where
    opening a FIFO to read waits for a writer, for ever when none comes."""
    try:
        mode = os.stat(path).st_mode
    except (OSError, ValueError):  # ValueError: a path the OS cannot be given (a NUL)
        return None
    return next((kind for test, kind in _SPECIAL_KINDS if test(mode)), None)


def special_package_files(package_path: Path) -> list[tuple[Path, str]]:
    """(path, ``special_file_kind``) of each input of validation and the build that is not a
    file: the descriptor ``package_path``, each file its resources name, and whatever is in the
    release folders beside it (``releases/<version>/``), in that order. A descriptor that cannot
    be read as JSON names no files here (validation says why)."""
    package_path = Path(package_path).absolute()
    found = []
    kind = special_file_kind(package_path)
    if kind is not None:
        return [(package_path, kind)]
    folder = package_path.parent
    try:
        resources = json.loads(package_path.read_bytes()).get("resources", [])
        named = [r["path"] for r in resources if isinstance(r, dict) and isinstance(r.get("path"), str)]
    except (OSError, ValueError, AttributeError, TypeError, RecursionError):
        named = []
    for path in dict.fromkeys(named):
        kind = special_file_kind(folder / path)
        if kind is not None:
            found.append((folder / path, kind))
    releases = folder / "releases"
    try:
        recorded = sorted(p for p in releases.iterdir() if p.is_dir())
        found += [(p, kind) for f in recorded for p in sorted(f.iterdir()) if (kind := special_file_kind(p))]
    except OSError:
        pass  # no releases folder, or one that cannot be listed: the readers say so
    return found


def move_into_place(source: Path, target: Path) -> None:
    """Rename ``source`` to ``target``, atomically, as ``os.replace`` does: a reader opening
    ``target`` finds the old file or the new one, never neither. Raises OSError as it does.

    Where ``target`` is a file on Linux, the two are exchanged (renameat2's RENAME_EXCHANGE) and
    the old file, now at ``source``, deleted: ext4 writes out every page of a file renamed over
    another before the rename returns (its auto_da_alloc, for editors that skip fsync), which
    took 0.12 s of the real package's build and 0.7 s at a million figures, with both cores
    idle. Exchanged, the pages go to disk in the background as any other write. (Nothing here
    waits for the disk: a build is made again after a crash.) Elsewhere, or where the file
    system cannot exchange, ``os.replace``."""
    if (
        _exchange is not None
        and os.path.isfile(target)
        # One file under two names (or one name twice): rename(2) leaves both; an exchange then
        # an unlink would delete it.
        and not os.path.samefile(source, target)
        and _exchange(os.fsencode(source), os.fsencode(target))
    ):
        os.unlink(source)
        return
    os.replace(source, target)


def _exchanger():
    """renameat2(RENAME_EXCHANGE) through the C library, as a function (source, target) ->
    True once exchanged, False when it cannot (then nothing changed); None off Linux or where
    the C library lacks it."""
    if sys.platform != "linux":
        return None
    import ctypes

    try:
        renameat2 = ctypes.CDLL(None, use_errno=True).renameat2
    except (OSError, AttributeError):
        return None
    renameat2.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_uint]
    at_current_directory, rename_exchange = -100, 2  # <fcntl.h> AT_FDCWD, <linux/fs.h> RENAME_EXCHANGE

    def exchange(source: bytes, target: bytes) -> bool:
        return renameat2(at_current_directory, source, at_current_directory, target, rename_exchange) == 0

    return exchange


_exchange = _exchanger()


def replace_file(path: Path, *parts: bytes) -> None:
    """Write ``parts`` (bytes, one after another) to ``path`` atomically: a reader sees the old
    file or the new one, never half. In parts, a large body needs no copy joined to its head.

    Always written, even when unchanged, so its mtime tells Make that it is up to date.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        with temporary.open("wb") as handle:
            for part in parts:
                handle.write(part)
        move_into_place(temporary, path)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise


def replace_files(contents: dict[Path, bytes]) -> None:
    """Write each file of ``contents`` as ``replace_file`` does, all or none: every new file is
    written beside its old one first, and only then is each renamed into place, so a failure
    while writing any of them leaves every old file as it was. A rename refused part way (an
    immutable file, a folder made meanwhile) puts back the files already renamed: each old file
    is kept under a second name (a hard link, ``.<name>.old.<pid>``) until all are in place.
    Raises IsADirectoryError, before writing anything, when one of the paths is a folder (or
    anything but a file)."""
    # A folder (or any but a file or a link) where a file goes would refuse its rename only after
    # the others were renamed: refused before anything is written.
    for path in contents:
        if os.path.lexists(path) and not (os.path.isfile(path) or os.path.islink(path)):
            raise IsADirectoryError(errno.EISDIR, "not a file, so it cannot be replaced", str(path))
    temporaries = {path: path.with_name(f".{path.name}.{os.getpid()}.tmp") for path in contents}
    kept: dict[Path, Path | None] = {}  # each path renamed over: its old file's second name, or None
    try:
        for path, data in contents.items():
            path.parent.mkdir(parents=True, exist_ok=True)
            temporaries[path].write_bytes(data)
        for path, temporary in temporaries.items():
            old = None
            if os.path.lexists(path):
                old = path.with_name(f".{path.name}.old.{os.getpid()}")
                old.unlink(missing_ok=True)
                try:
                    os.link(path, old, follow_symlinks=False)
                except OSError:  # a file system without hard links: a copy, of files this small
                    shutil.copy2(path, old, follow_symlinks=False)
            kept[path] = old
            move_into_place(temporary, path)
    except BaseException:
        for path, old in reversed(kept.items()):
            with contextlib.suppress(OSError):
                if old is not None:
                    os.replace(old, path)
                elif not temporaries[path].exists():  # renamed in: there was no file before it
                    path.unlink(missing_ok=True)
        for temporary in temporaries.values():
            temporary.unlink(missing_ok=True)
        raise
    finally:
        for old in kept.values():
            if old is not None:
                with contextlib.suppress(OSError):
                    old.unlink(missing_ok=True)


TEMPORARY_NAME = re.compile(r"^\..+\.(?:(?P<pid>[0-9]+)\.tmp(-journal|-wal|-shm)?|old\.(?P<old_pid>[0-9]+))$")


def remove_stale_temporaries(folder: Path, names: Collection[str] | None = None) -> list[Path]:
    """Delete the temporary files and folders that a killed process left in ``folder``:
    ``.<name>.<pid>.tmp`` (with SQLite's ``-journal`` beside one), and ``.<name>.old.<pid>``, a
    release folder being replaced. ``names``: only the temporary files of these names (for a
    folder the command does not own, such as validate's ``--out``), none of its folders.

    One whose process is still running is another build's or release's, and is left alone.
    Returns what was removed.
    """
    removed = []
    for path in sorted(Path(folder).glob(".*")) if Path(folder).is_dir() else []:
        match = TEMPORARY_NAME.match(path.name)
        if match is None or _is_running(int(match["pid"] or match["old_pid"])):
            continue
        if names is not None and (
            path.is_dir() or not any(path.name == f".{name}.{match['pid']}.tmp" for name in names)
        ):
            continue
        if path.is_dir() and not path.is_symlink():
            shutil.rmtree(path, ignore_errors=True)
        else:
            path.unlink(missing_ok=True)
        removed.append(path)
    return removed


def _is_running(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def sqlite_uri(path: Path | str) -> str:
    """``path`` as the ``file:`` URI that ``sqlite3.connect(..., uri=True)`` and ``ATTACH`` read.

    A relative path is taken from the working directory (``Path.as_uri`` raises ValueError for
    one, which stopped a build given ``--out site`` after all its work).
    """
    return Path(path).absolute().as_uri()


def query_dicts(conn: sqlite3.Connection, sql: str, params=()) -> list[dict]:
    """The rows of a query as dicts keyed by column name."""
    cursor = conn.execute(sql, params)
    columns = [d[0] for d in cursor.description]
    return [dict(zip(columns, row, strict=True)) for row in cursor]
