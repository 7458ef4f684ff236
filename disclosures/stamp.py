"""The record that a package passed validation, so the build does not validate the same bytes twice.

``make validate`` writes ``build/validated.json`` when a package is valid: the SHA-256 of the
descriptor, of every resource file, of the release records validation read (releases/) and of
the validator's own code, and the first day (UTC) the rules that read the clock pass those bytes
(the latest day the package records as past: a search, a retrieval, a correction).
A build that had to validate the package itself writes it too, so the next build of the same
bytes (after an edit to metadata.yml, say) does not validate them again. ``make build`` reads the
typed rows once more only for their types and keys when the record matches, and runs every rule
when it does not (a changed byte, a release recorded since, a changed rule, another package, a
clock before that day).
"""

from __future__ import annotations

import contextlib
import csv
import hashlib
import json
import marshal
import mmap
import os
import stat
import sys
import threading
from datetime import date
from pathlib import Path

from . import columnar, release_records, rules, table_schema
from .files import json_text, move_into_place, open_regular, replace_file, sha256_file

STAMP_FILE = "validated.json"
# The typed rows validation read, beside the stamp, for the build (record_valid, validated_tables).
ROWS_FILE = "validated-rows.marshal"
ROWS_FORMAT = "platform-disclosures validated rows 1"
# The code that decides whether a package is valid (every module of this package the validator
# imports, held so by a test): a change to it invalidates every stamp. consistency.py and
# derive.py were missing, so a build after a new cross-file rule trusted a stamp it no longer held.
# release_records.py is here since corrections are held to the latest release: it reads the
# records (which release is latest, what it published, whether a damaged record judges nothing).
# changelog.py is here since a figure the latest release carried and the data lacks needs the
# reason the release would give its removal (changelog.removal_reason). files.py and
# data_hashes.py: what hashes the files (sha256_file), which the release records' reading imports.
# This module is not: it decides no rule, only which bytes the key hashes, and a change to it that
# changes the key already voids old stamps; a test holds that the key names every file of the
# package.
VALIDATOR_CODE = (
    "arrow_validate.py",
    "changelog.py",
    "columnar.py",
    "consistency.py",
    "data_hashes.py",
    "derive.py",
    "files.py",
    "forked.py",
    "freshness.py",
    "frictionless_checks.py",
    "paths.py",
    "release_records.py",
    "rules.py",
    "safety.py",
    "schema_sql.py",
    "stamp.py",
    "table_schema.py",
    "validate.py",
    "vocabulary.py",
)
# Of another release than the latest, validation reads its manifest and only asks that its
# figures.csv and changelog.csv exist (missing, the records are damaged and judge nothing).
RECORD_UNREAD = "present"


def release_inputs(releases: Path) -> dict[str, str | None]:
    """What validation reads of the release records in ``releases`` (``consistency.
    released_value_problems``): {"<folder>/<file>": "sha256:<hex>", RECORD_UNREAD, or None for a
    file missing} of every release folder's manifest.json, changelog.csv and figures.csv; the
    latest version's figures.csv and changelog.csv are hashed, another's only found, since hashing
    every figures.csv recorded (48 MB) took 0.13 s of each build against 0.03 s. {} without the
    folder.

    A release recorded since a validation (pulled from a colleague's branch) can publish a figure's
    value that a correction no longer starts from: validation refuses it, so it voids the stamp.
    Raises OSError when a record cannot be read."""
    if not releases.is_dir():
        return {}
    # As release_records.recorded_releases lists them; any other name makes the records damaged.
    folders = sorted(p for p in releases.iterdir() if p.is_dir() and not p.name.startswith("."))
    versions = [p.name for p in folders if release_records.SEMVER.match(p.name)]
    latest = max(versions, key=release_records.parse_version, default=None)
    found: dict[str, str | None] = {}
    for folder in folders:
        for name in release_records.RECORD_FILES:
            path = folder / name
            if not path.is_file():
                found[f"{folder.name}/{name}"] = None
            elif name == "manifest.json" or folder.name == latest:
                found[f"{folder.name}/{name}"] = "sha256:" + sha256_file(path)
            else:
                found[f"{folder.name}/{name}"] = RECORD_UNREAD
    return found


def past_days_pass_from(package_path: Path, descriptor: dict) -> str | None:
    """The first day (UTC, YYYY-MM-DD) on which validation passes the days the package records as
    already past: the latest of any row's ``rules.past_days`` (a platform's search log, a source's
    retrieval or publication, a correction, a freshness check, an event, a case), or None when
    none names one. Raises OSError, or ValueError when such a file cannot be read as CSV.

    The rules that read the clock refuse only a day after today, so a package that passed on one
    day passes on every later day, and a stamp stands from this day on. Neither the day of the
    validation nor a day whenever such a field is present is in the key: either would void every
    stamp at midnight (a validation again, and a build's validated.json differing from the
    previous day's for the same bytes), and every source of the real package has a retrieval
    date. A rule that refuses later what it passed earlier would need the day of the validation
    here."""
    dated = {resource for resource, _ in rules.PAST_DAYS} | {"platforms"}
    days: list[str] = []
    for resource in descriptor.get("resources", []):
        if not isinstance(resource, dict) or not isinstance(resource.get("path"), str):
            continue
        # A name of another kind (a list) is the descriptor checks' to report.
        if not isinstance(resource.get("name"), str) or resource["name"] not in dated:
            continue
        try:
            with (package_path.parent / resource["path"]).open(encoding="utf-8", newline="") as handle:
                days += [day for row in csv.DictReader(handle) for day in rules.past_days(resource["name"], row)]
        except (csv.Error, UnicodeDecodeError) as error:
            raise ValueError(f"{resource['path']}: {error}") from None
    return max(days, default=None)


def validation_key(package_path: Path, digests: dict[str, str] | None = None) -> dict:
    """What a validation depends on: {"package": path, "inputs": {file: sha256}, "releases":
    ``release_inputs`` of the releases/ folder beside the package, "passes_from": ``past_days_pass_from``
    (YYYY-MM-DD or None), "validator": sha256}.

    ``digests``: {resource path: "sha256:<hex>"} already taken of data files just now
    (``data_hashes.DataHashes``, as the command started); a file in it is not hashed again.

    Raises OSError or ValueError when the package cannot be read (the caller validates then).
    """
    # The files are hashed beside the descriptor as named, not as resolved: validation and the
    # build read data/ and releases/ there, so through a symlinked datapackage.json the key
    # hashed the target's folder and vouched for a link's folder nobody validated.
    package_path = Path(package_path).absolute()
    descriptor = rules.json_value(package_path.read_text(encoding="utf-8"))
    inputs = release_records.content_inputs(package_path, descriptor, digests)
    inputs["datapackage.json"] = "sha256:" + hashlib.sha256(package_path.read_bytes()).hexdigest()
    code = hashlib.sha256()
    for name in VALIDATOR_CODE:
        code.update((Path(__file__).parent / name).read_bytes())
    return {
        "package": str(package_path.resolve()),
        "inputs": inputs,
        "releases": release_inputs(package_path.parent / "releases"),
        "passes_from": past_days_pass_from(package_path, descriptor),
        "validator": "sha256:" + code.hexdigest(),
    }


def stands_today(key: dict, today: date | None = None) -> bool:
    """Whether ``today`` (default: ``rules.utc_today()``, the day validation judges on) is on or
    after the key's "passes_from": False only under a clock set before a day the package records
    as past (``past_days_pass_from``), where validation refuses it."""
    passes_from = key.get("passes_from")
    return passes_from is None or (today or rules.utc_today()).isoformat() >= passes_from


def rows_body(typed: dict) -> bytes:
    """The body of the ROWS_FILE of ``typed`` ({resource: (cell texts, SQLite values) of each
    column}), which ``rows_parts`` heads: validation makes it while it waits for its child."""
    return marshal.dumps({name: list(columns) for name, columns in typed.items()})


def rows_parts(key: dict, typed: dict, body: bytes | None = None) -> tuple[bytes, bytes]:
    """The head line and the body of the ROWS_FILE ``record_valid`` writes of ``typed`` for
    ``key``, made apart from the writing: the caller may make them while it hashes the files.
    ``body``: ``rows_body(typed)``, when already made."""
    body = rows_body(typed) if body is None else body
    head = {"format": ROWS_FORMAT, "python": sys.version, "key": key, "sha256": hashlib.sha256(body).hexdigest()}
    return json.dumps(head, sort_keys=True).encode("utf-8") + b"\n", body


class StagedRows:
    """The ROWS_FILE of ``folder`` for ``key`` (the key of ``package_path``), written under a
    temporary name before the package is known valid, and put in place by ``record_valid`` only
    once it is and its files are found unchanged: validation stages it while it waits for its
    child to decide the rules across rows (``stage``), where at a million figures hashing and
    writing the 216 MB, then hashing the files again, took 0.5 s of the command's end on one core.

    An earlier validation's ROWS_FILE there (a regular file) is moved to the temporary name and
    written over, its cached pages reused: another key's rows, which the build of that key no
    longer finds (it then reads the CSVs), whether this validation passes or not.

    ``write`` never raises for the folder: an OSError (``folder`` a file, a full disk) is kept
    and raised by ``publish``, where ``record_valid``'s caller reports it, as when the file was
    written there. ``discard`` deletes what ``publish`` did not put in place (and the folders
    ``write`` made for it, still empty), as though validation had failed before staging."""

    def __init__(self, folder: Path, key: dict, package_path: Path):
        self.folder = Path(folder)
        self.key = key
        self.package_path = Path(package_path)
        self.written: Path | None = None
        self.error: OSError | None = None
        # still_current of the files validation parsed, once staged (None before).
        self.unchanged: bool | None = None
        self._made: list[Path] = []  # the folders write made, outermost first

    def stage(self, body: bytes, parsed: dict[str, str]) -> None:
        """``write`` the rows' ``body`` and find meanwhile whether the package's files are still
        those the key hashed and validation parsed (``unchanged``; ``parsed``: as
        ``still_current`` takes it): what a validation that proves the package valid records,
        done before its child has decided whether it does."""
        # The files hashed in a thread (hashing leaves Python free) while the body is hashed and
        # written here: after it, this process outlasted the child by up to 0.2 s.
        checking = threading.Thread(target=self._check, args=(parsed,), name="still-current")
        checking.start()
        try:
            self.write(body)
        finally:
            checking.join()

    def _check(self, parsed: dict[str, str]) -> None:
        self.unchanged = still_current(self.package_path, self.key, parsed)

    def write(self, body: bytes) -> None:
        """Write ``body`` (``rows_body`` of the validated columns) with its head line."""
        head, body = rows_parts(self.key, {}, body)
        temporary = self.folder / f".{ROWS_FILE}.{os.getpid()}.tmp"
        try:
            for folder in reversed([f for f in (self.folder, *self.folder.parents) if not f.is_dir()]):
                try:
                    folder.mkdir()
                except FileExistsError:
                    if not folder.is_dir():  # a file there; a folder made meanwhile is no one's to delete
                        raise
                else:
                    self._made.append(folder)
            # Named before it is opened: discard deletes it, however the writing ends.
            self.written = temporary
            # An earlier validation's rows, a regular file, are written over rather than beside:
            # their pages are in the OS's cache (the build read them), where a new file's took
            # fresh memory, 0.4-0.5 s of CPU for 216 MB at a million figures against about 0.1.
            # They are another key's, which nothing reads once this validation ends, passed or not.
            reused = False
            with contextlib.suppress(FileNotFoundError):  # none, or gone meanwhile: a new file
                previous = self.folder / ROWS_FILE
                if stat.S_ISREG(previous.lstat().st_mode):
                    os.rename(previous, temporary)
                    reused = True
            with temporary.open("r+b" if reused else "wb") as handle:
                handle.write(head)
                handle.write(body)
                handle.truncate()
        except OSError as error:
            self.discard()
            self.error = error

    def publish(self) -> None:
        """Rename what ``write`` wrote to ROWS_FILE; raises the OSError ``write`` met, or
        ValueError when nothing was written."""
        if self.error is not None:
            raise self.error
        if self.written is None:
            raise ValueError("no rows were staged")
        move_into_place(self.written, self.folder / ROWS_FILE)
        self.written = None
        self._made = []  # they hold the rows now, and the stamp next

    def discard(self) -> None:
        """Delete the staged file, unless published; and the folders ``write`` made, if empty."""
        if self.written is not None:
            with contextlib.suppress(OSError):  # its folder gone, or never a folder
                self.written.unlink(missing_ok=True)
            self.written = None
        made, self._made = self._made, []
        with contextlib.suppress(OSError):
            for folder in reversed(made):
                folder.rmdir()


def record_valid(
    package_path: Path,
    folder: Path,
    key: dict | None = None,
    typed: dict | None = None,
    rows: tuple[bytes, bytes] | StagedRows | None = None,
) -> Path:
    """Write the stamp of a package that has just passed validation; returns its path.

    ``key``: the package's ``validation_key`` taken before it was read for validation (see
    ``current_key``), so that a file changed meanwhile leaves a stamp that matches nothing
    rather than one vouching for bytes nobody validated. Without it, the key is taken now.

    ``typed``: {resource: (cell texts, SQLite values) of each column}, as validation read them
    (``validate.validate_package``'s ``typed``), written beside the stamp (ROWS_FILE) for the
    build to load instead of reading the CSVs again (``validated_tables``); without it, an
    earlier validation's rows are deleted. ``rows``: ``rows_parts(key, typed)``, already made,
    or the ``StagedRows`` of this ``key`` and ``folder`` (put in place; raises its OSError)."""
    path = Path(folder) / STAMP_FILE
    key = key if key is not None else validation_key(package_path)
    rows_path = Path(folder) / ROWS_FILE
    if isinstance(rows, StagedRows):
        rows.publish()  # in its folder, made when it was written (or its error, raised before any is made)
    else:
        Path(folder).mkdir(parents=True, exist_ok=True)
        if typed is None and rows is None:
            rows_path.unlink(missing_ok=True)
        else:
            replace_file(rows_path, *(rows or rows_parts(key, typed)))
    replace_file(path, json_text(key).encode("utf-8"))
    return path


class RowsBody:
    """ROWS_FILE of ``folder`` read into memory, and the SHA-256 of its body (what follows the
    head line) taken, in a thread started when this is made: a build starts it before
    importing its modules, on one core, so that the other reads and hashes the rows meanwhile
    (at a million figures 216 MB, whose hash ``validated_tables`` took once they were imported,
    the other core idle). Read, not mapped: the bytes hashed are the bytes ``validated_tables``
    reads, whatever is written into the file meanwhile (a map shows such a write, which a fresh
    helper's break test had loaded past the hash)."""

    def __init__(self, folder: Path):
        self._taken: tuple[bytes, str | None] | None = None
        self._thread = threading.Thread(
            target=self._take, args=(Path(folder) / ROWS_FILE,), name="rows-body", daemon=True
        )
        self._thread.start()

    def _take(self, path: Path) -> None:
        try:
            with open_regular(path) as handle:
                data = handle.read()
        except (OSError, ValueError):  # ValueError: a path the OS cannot be given
            return
        self._taken = (data, _body_sha256(data))

    def take(self) -> list | None:
        """[the file's bytes, their body's SHA-256 in hex or None without a head line], once
        taken, handed over (this keeps no reference: the bytes go once the caller drops them);
        None when the file could not be read, or once handed over."""
        self._thread.join()
        taken, self._taken = self._taken, None
        return None if taken is None else list(taken)


def _body_sha256(data: bytes | mmap.mmap) -> str | None:
    head_end = data.find(b"\n")
    if head_end <= 0:
        return None
    with memoryview(data) as view, view[head_end + 1 :] as body:
        return hashlib.sha256(body).hexdigest()


def validated_tables(
    folder: Path, key: dict, descriptor: dict, body: RowsBody | None = None
) -> dict[str, table_schema.Table] | None:
    """The typed tables validation left in ``folder`` (ROWS_FILE) for exactly ``key`` (the
    package's ``current_key``) and ``descriptor``'s resources and fields, as
    ``columnar.read_validated`` would read them from the CSVs; None when there are none, or they
    were written for other bytes, another validator or another Python, or cannot be read.

    The file is a line of JSON (what it was written for, and the SHA-256 of the rest) and the
    tables in marshal, which trusts what it reads as pickle does: it is the build folder's own,
    written by ``record_valid``; a changed byte (a damaged disk, an edit) fails its hash.

    ``body``: the file read and hashed as the build started (``RowsBody``), for ``folder``."""
    taken = body.take() if body is not None else None
    if taken is not None:
        return _validated_tables(taken, key, descriptor)
    try:
        with open_regular(Path(folder) / ROWS_FILE) as handle:
            # Read through a memory map: the bytes are the page cache's, not a copy of them (at a
            # million figures 215 MB, copied in 0.17 s on the core that waits for them).
            mapped = mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ)
    except (OSError, ValueError):  # ValueError: an empty file, which cannot be mapped
        return None
    with mapped:
        return _validated_tables([mapped, _body_sha256(mapped)], key, descriptor)


def _validated_tables(taken: list, key: dict, descriptor: dict) -> dict[str, table_schema.Table] | None:
    # taken: [the file's bytes or map, its body's SHA-256], emptied here, so that read bytes go
    # once unmarshalled rather than stay beside the rows made from them.
    data, body_sha256 = taken
    taken.clear()
    head_end = data.find(b"\n")
    try:
        head = json.loads(data[:head_end]) if head_end > 0 else None
    except (ValueError, RecursionError):  # RecursionError: a damaged head nested too deep to read
        return None
    expected = {"format": ROWS_FORMAT, "python": sys.version, "key": json.loads(json_text(key))}
    if not isinstance(head, dict) or {name: head.get(name) for name in expected} != expected:
        return None
    if body_sha256 is None or body_sha256 != head.get("sha256"):
        return None
    body = memoryview(data)[head_end + 1 :]
    try:
        typed = marshal.loads(body)
    except (ValueError, EOFError, TypeError):
        return None
    del data, body
    if not isinstance(typed, dict):
        return None
    tables = {}
    for resource in descriptor["resources"]:
        names = [spec["name"] for spec in resource["schema"]["fields"]]
        raw, values = typed.pop(resource["name"], ([], None))
        if values is None or len(raw) != len(names) or len(values) != len(names):
            return None
        try:
            tables[resource["name"]] = columnar.table_of(resource["name"], names, raw, values)
        except (TypeError, ValueError):  # columns of unequal lengths
            return None
    return tables


def still_current(package_path: Path, key: dict, parsed: dict[str, str] | None = None) -> bool:
    """True when ``key`` (taken before validation read the package) is still the package's key
    and every file validation parsed had those bytes: ``parsed`` {resource path: "sha256:<hex>"
    of the bytes parsed}, as ``validate.validate_package``'s ``typed`` gives them; a file not in
    it is hashed again now. False when a file changed while it was validated, even when it was
    put back (its parsed bytes then differ): a stamp taken before would vouch for bytes nobody
    validated, and the rows handed to the build would not be the CSVs'."""
    parsed = parsed or {}
    inputs = key.get("inputs", {})
    records = key.get("releases", {})
    for path, digest in parsed.items():
        if path.startswith("releases/"):
            if not _record_as_keyed(records, path.removeprefix("releases/"), digest):
                return False
        elif inputs.get(path) != digest:
            return False
    now = current_key(package_path)
    return now is not None and now == key


def _record_as_keyed(records: dict[str, str | None], name: str, digest: str | None) -> bool:
    """Whether a release record validation read (``name`` relative to releases/, ``digest`` as
    ``release_records.recording_reads`` gives it) is the one ``records`` (a key's
    ``release_inputs``) found: the same bytes, or one only found there (RECORD_UNREAD) and found
    when read; the folders listed (``release_records.RELEASE_FOLDERS``) the same folders."""
    if name == release_records.RELEASE_FOLDERS:
        return set(filter(None, (digest or "").split(","))) == {record.split("/")[0] for record in records}
    keyed = records.get(name)
    if keyed == RECORD_UNREAD:
        return digest is not None
    return keyed == digest


def current_key(package_path: Path, digests: dict[str, str] | None = None) -> dict | None:
    """``validation_key`` (given ``digests``), or None when the package cannot be read
    (validation then says why)."""
    try:
        return validation_key(package_path, digests)
    except (OSError, ValueError):
        return None


def is_valid(package_path: Path, folder: Path, key: dict | None = None) -> bool:
    """True when ``folder`` holds a stamp for exactly these bytes, release records and validator
    (``key``: their ``current_key``, when already taken), and today (UTC) is a day its recorded
    days pass on (``stands_today``)."""
    path = Path(folder) / STAMP_FILE
    key = key if key is not None else current_key(package_path)
    if key is None or not stands_today(key):
        return False
    try:
        with open_regular(path) as handle:
            return json.loads(handle.read().decode("utf-8")) == key
    except (OSError, ValueError):  # UnicodeDecodeError is a ValueError
        return False
