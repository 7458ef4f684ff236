"""The committed record of every release (releases/<version>/), and what the data is against it.

A release records ``manifest.json`` (version, date, previous, content hash and its inputs,
schema, counts, files), ``figures.csv`` (a snapshot of every figure, derived ones included),
``changelog.csv`` and ``CHANGELOG.md``. The build turns these records into tables of the
database (``releases``, ``release_changes``, ``release_table_changes``, ``release_files``,
``release_corrections``, ``dataset``) so the site can show them without reading anything else.
"""

from __future__ import annotations

import csv
import hashlib
import io
import itertools
import json
import re
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

from .files import open_regular, sha256_file, text_as_read
from .schema_sql import quote_ident

if TYPE_CHECKING:  # the validator imports this module, and sqlite_utils imports pandas when it can
    from collections.abc import Iterable, Iterator

    import sqlite_utils

SEMVER = re.compile(r"^(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)$")
CHANGES = ("added", "changed", "removed")
CHANGELOG_FIELDS = ["change", "figure_id", "old_value", "new_value", "old_source_id", "new_source_id", "reason"]
# What a release remembers of each figure: enough to diff values and sources, and to summarise.
SNAPSHOT_FIELDS = [
    "figure_id",
    "platform_id",
    "jurisdiction_id",
    "period_start",
    "period_end",
    "request_type_id",
    "metric_id",
    "value_kind",
    "value",
    "value_low",
    "value_high",
    "source_id",
    "derivation",
]

RELEASE_TABLES_SQL = [
    """CREATE TABLE dataset (
  name TEXT NOT NULL PRIMARY KEY,
  title TEXT NOT NULL,
  version TEXT NOT NULL,
  homepage TEXT,
  author TEXT NOT NULL,
  licenses TEXT NOT NULL,
  content_hash TEXT NOT NULL,
  content_inputs TEXT NOT NULL,
  release_state TEXT NOT NULL,
  latest_release TEXT REFERENCES releases (version)
)""",
    """CREATE TABLE releases (
  version TEXT NOT NULL PRIMARY KEY,
  date TEXT NOT NULL CHECK (date(date) = date),
  previous TEXT REFERENCES releases (version),
  content_hash TEXT NOT NULL,
  figures INTEGER NOT NULL,
  added INTEGER NOT NULL,
  changed INTEGER NOT NULL,
  changed_same_value INTEGER CHECK (changed_same_value BETWEEN 0 AND changed),
  removed INTEGER NOT NULL,
  other_inputs TEXT NOT NULL DEFAULT '[]',
  table_changes INTEGER NOT NULL DEFAULT 0
)""",
    """CREATE TABLE release_changes (
  version TEXT NOT NULL REFERENCES releases (version),
  change TEXT NOT NULL CHECK (change IN ('added', 'changed', 'removed')),
  figure_id TEXT NOT NULL,
  old_value TEXT,
  new_value TEXT,
  old_source_id TEXT,
  new_source_id TEXT,
  reason TEXT NOT NULL,
  PRIMARY KEY (version, change, figure_id)
)""",
    # A release that changed only columns (or added or removed a table) counts 0 figures added,
    # changed and removed: without these rows the site and the feed said nothing had changed.
    """CREATE TABLE release_table_changes (
  version TEXT NOT NULL REFERENCES releases (version),
  position INTEGER NOT NULL CHECK (position >= 1),
  sentence TEXT NOT NULL,
  PRIMARY KEY (version, position)
)""",
    """CREATE TABLE release_files (
  version TEXT NOT NULL REFERENCES releases (version),
  path TEXT NOT NULL,
  PRIMARY KEY (version, path)
)""",
    # No foreign key to corrections: a release rewrites these tables in its copy of the database,
    # and a record names what the release published, whatever data/corrections.csv holds now.
    """CREATE TABLE release_corrections (
  version TEXT NOT NULL REFERENCES releases (version),
  correction_id TEXT NOT NULL,
  PRIMARY KEY (version, correction_id)
)""",
]
# Of a release's changed figures, those a new source gave the same value, as CHANGELOG.md counts
# them (changelog.ChangeSummary): "438 changed" was 5 new values and 433 re-sourced figures. The
# build counts them once into releases.changed_same_value, which the site and the feed read.
SAME_VALUE_CHANGE = "change = 'changed' AND old_value IS new_value"
# In an order that drops each table before the one it references.
RELEASE_TABLES = (
    "dataset",
    "release_changes",
    "release_table_changes",
    "release_files",
    "release_corrections",
    "releases",
)


def is_release_package(descriptor_path: Path) -> bool:
    """Whether ``descriptor_path`` is a release's datapackage.json (``dist/<version>/``, as
    ``make release`` writes it): the SHA256SUMS beside it lists it. A release publishes the
    build's columns and more formats, so the source package's rules (``make validate``) do not
    apply to it; ``frictionless validate`` and ``sha256sum -c SHA256SUMS`` check it."""
    sums = Path(descriptor_path).with_name("SHA256SUMS")
    try:
        # Not waited for: a FIFO named SHA256SUMS hung validate, which asks this first.
        with open_regular(sums) as handle:
            lines = text_as_read(handle.read()).splitlines()
    except (OSError, UnicodeDecodeError):
        return False
    return any(line.split("  ", 1)[-1] == Path(descriptor_path).name for line in lines)


class ReleaseRefused(Exception):
    """The release would not be honest or reproducible; the message says what to change."""


class RecordDamaged(Exception):
    """A committed record in releases/ cannot be read; the message names the file."""


def parse_version(text: str) -> tuple[int, int, int]:
    """(major, minor, patch) of a MAJOR.MINOR.PATCH version; ReleaseRefused otherwise."""
    match = SEMVER.match(text or "")
    if not match:
        raise ReleaseRefused(f"datapackage.json: version {text!r} is not MAJOR.MINOR.PATCH (e.g. 1.2.0)")
    return tuple(int(part) for part in match.groups())


def sha256_bytes(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def content_inputs(package_path: Path, descriptor: dict, digests: dict[str, str] | None = None) -> dict[str, str]:
    """Hashes of everything a release is made from; the descriptor without its version field.

    ``digests``: {resource path: "sha256:<hex>"} already taken of the files (a validation key's
    ``inputs``, ``stamp.validation_key``); a path in it is not read again.

    Raises ValueError when ``descriptor`` names no files as a package does, OSError when a file
    cannot be read."""
    # Validation says where a descriptor is not an object, or its resources not a list of them:
    # taken before validation (stamp.current_key), `[]` as datapackage.json was a traceback.
    if not isinstance(descriptor, dict):
        raise ValueError("the package is not a JSON object")
    resources = descriptor.get("resources", [])
    if not isinstance(resources, list) or not all(isinstance(resource, dict) for resource in resources):
        raise ValueError("the package's resources are not a list of objects")
    unversioned = {k: v for k, v in descriptor.items() if k != "version"}
    canonical = json.dumps(unversioned, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    inputs = {"datapackage.json": "sha256:" + sha256_bytes(canonical.encode("utf-8"))}
    for resource in resources:
        if not isinstance(resource.get("path"), str):
            # Validation says where (a list of paths, say); a key cannot be taken of no file.
            raise ValueError(f"resource {resource.get('name')!r} has no path to one file")
        known = (digests or {}).get(resource["path"])
        if isinstance(known, str) and known.startswith("sha256:"):
            inputs[resource["path"]] = known
            continue
        inputs[resource["path"]] = "sha256:" + sha256_file(package_path.parent / resource["path"])
    return dict(sorted(inputs.items()))


def content_hash(inputs: dict[str, str]) -> str:
    text = "".join(f"{digest}  {path}\n" for path, digest in sorted(inputs.items()))
    return "sha256:" + sha256_bytes(text.encode("utf-8"))


RECORD_FILES = ("manifest.json", "figures.csv", "changelog.csv")

# What ``recording_reads`` collects while active: {path: "sha256:<hex>" of the bytes read, or None
# for a record found missing}, and under each releases folder's RELEASE_FOLDERS key the names of
# the release folders it held, as read.
_READS: dict[Path, str | None] | None = None
RELEASE_FOLDERS = "*"


@contextmanager
def recording_reads() -> Iterator[dict[Path, str | None]]:
    """{path: "sha256:<hex>" or None} of every release record read (``recorded_releases``,
    ``published_corrections``, ``recorded_figures``) in this process while it is active, and
    {releases / RELEASE_FOLDERS: the folder names, comma-joined}: what a validation judged, for
    ``stamp.still_current`` to hold against the key (a record changed while it was read, then put
    back, matched the key again). Not for threads: one recording at a time."""
    global _READS
    previous, _READS = _READS, {}
    try:
        yield _READS
    finally:
        _READS = previous


def _note(path: Path, data) -> None:
    """``data`` (bytes, a memory map, or None for missing) of ``path`` read, when recording."""
    if _READS is not None:
        digest = None if data is None else "sha256:" + hashlib.sha256(data).hexdigest()
        # Read twice in other bytes: no key names both, so it matches none.
        _READS[path] = digest if _READS.get(path, digest) == digest else "changed while read"


def schema_record_problem(schema) -> str | None:
    """Why a manifest's ``schema`` or ``released_schema`` is not what ``versioning.schema_of``
    writes ({table: {"fields": ["name:type", ...], "primaryKey": [name, ...]}}), or None."""
    if not isinstance(schema, dict):
        return f"must be an object of tables, not {json.dumps(schema, ensure_ascii=False)[:80]}"
    for table, entry in schema.items():
        if not isinstance(entry, dict) or set(entry) != {"fields", "primaryKey"}:
            return f"table {table!r} must be an object of fields and primaryKey"
        fields, key = entry["fields"], entry["primaryKey"]
        if not fields or not isinstance(fields, list) or not all(isinstance(f, str) and ":" in f for f in fields):
            return f'table {table!r} must list its fields as "name:type" texts'
        if not isinstance(key, list) or not all(isinstance(name, str) for name in key):
            return f"table {table!r} must list its primaryKey as column names"
    return None


def recorded_releases(releases: Path) -> dict[str, dict]:
    """Every recorded release's manifest, by version, in version order.

    Raises RecordDamaged, naming the file, when a record is incomplete or unreadable, when its
    folder is not a version, or when its manifest names another version or an unknown previous.
    """
    found = {}
    if not releases.is_dir():
        return found
    folders = sorted(p for p in releases.iterdir() if p.is_dir() and not p.name.startswith("."))
    if _READS is not None:
        _READS[releases / RELEASE_FOLDERS] = ",".join(folder.name for folder in folders)
    for folder in folders:
        manifest = folder / "manifest.json"
        if not SEMVER.match(folder.name):
            raise RecordDamaged(f"{folder}: a release folder must be named MAJOR.MINOR.PATCH")
        missing = [name for name in RECORD_FILES if not (folder / name).is_file()]
        for name in missing:
            _note(folder / name, None)
        if missing:
            raise RecordDamaged(f"{folder}: missing {', '.join(missing)}")
        read = None
        try:
            read = manifest.read_bytes()
            data = json.loads(text_as_read(read))  # the bytes noted
        except (OSError, ValueError) as error:
            raise RecordDamaged(f"{manifest}: cannot be read as JSON: {error}") from None
        finally:
            _note(manifest, read)  # None: missing (or unreadable), which judges nothing
        if not isinstance(data, dict) or data.get("version") != folder.name:
            raise RecordDamaged(f"{manifest}: version must be {folder.name!r}")
        for key in ("date", "content_hash", "inputs", "counts", "figures"):
            if key not in data:
                raise RecordDamaged(f"{manifest}: {key} is missing")
        # Absent (0.1.0, recorded before manifests listed them) is read from the changelog; any
        # other value is what the build and the next release take as published: a text was read
        # letter by letter into release_corrections, and an object in the list was a traceback.
        listed = data.get("corrections")
        if listed is not None and not (isinstance(listed, list) and all(isinstance(c, str) for c in listed)):
            raise RecordDamaged(
                f"{manifest}: corrections must be a list of correction ids, as a release writes it, "
                f"not {json.dumps(listed, ensure_ascii=False)[:80]}"
            )
        # What the next release's version step is judged on (release._plan_new) and the README's
        # release steps read: a list, null or a table without its fields was a traceback there, and
        # a table's entry of another shape a "major bump" that no column change caused.
        for key in ("schema", "released_schema"):
            problem = schema_record_problem(data[key]) if key in data else None
            if problem:
                raise RecordDamaged(f"{manifest}: {key} {problem}, as a release writes it")
        missing_tables = sorted(set(data.get("schema") or {}) - set(data.get("released_schema") or {}))
        if "released_schema" in data and missing_tables:
            raise RecordDamaged(
                f"{manifest}: released_schema has no {', '.join(missing_tables)}, which its schema has: "
                "a release's files hold every table of the package"
            )
        found[folder.name] = data
    for version, data in found.items():
        if data.get("previous") is not None and data["previous"] not in found:
            raise RecordDamaged(
                f"{releases / version / 'manifest.json'}: previous {data['previous']!r} is not recorded"
            )
    return dict(sorted(found.items(), key=lambda item: parse_version(item[0])))


# The start of a changelog reason that a corrections record explains (changelog._record_reason).
CORRECTION_REASON = re.compile(r"^correction (?P<correction_id>\S+) \(")


def published_corrections(releases: Path, version: str, manifest: dict) -> set[str]:
    """The correction ids the recorded release ``version`` (its ``manifest``) published: those its
    manifest lists (every correction the release holds), or, recorded before manifests listed
    them (0.1.0), those its changelog.csv cites. Raises OSError when that file cannot be read."""
    listed = manifest.get("corrections")
    if listed is not None:
        return set(listed)
    path = releases / version / "changelog.csv"
    try:
        data = path.read_bytes()
    except OSError:
        _note(path, None)
        raise
    _note(path, data)
    # As open(encoding="utf-8", newline="") reads it, from the bytes noted.
    rows = csv.DictReader(io.StringIO(data.decode("utf-8"), newline=""))
    cited = (CORRECTION_REASON.match(row.get("reason") or "") for row in rows)
    return {found["correction_id"] for found in cited if found}


def recorded_figures(path: Path, figure_ids: Iterable[str]) -> dict[str, dict]:
    """{figure_id: its row of a release's figures.csv, as text} for those of ``figure_ids`` the
    record holds. The record is sorted by figure_id, one figure a line (the release writes it so,
    and diffs it as a stream), so each id is found by bisecting the file's bytes: a few pages
    read per id, not the 12 MB of every figure. A record out of order finds fewer (never a wrong
    row: a line is taken only when its id is the one sought). Raises OSError."""
    import mmap

    found: dict[str, dict] = {}
    try:
        opened = path.open("rb")
    except OSError:
        _note(path, None)  # judged as missing: the caller then judges nothing by it
        raise
    with opened as handle:
        if handle.seek(0, 2) == 0:
            _note(path, b"")
            return found
        with mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ) as data:
            _note(path, data)
            header_end = data.find(b"\n") + 1
            if header_end == 0:
                return found
            header = next(csv.reader([data[:header_end].decode("utf-8")]))
            size, low = len(data), header_end
            # UTF-8 orders bytes as Python orders the text, so the ids compare as bytes; sought in
            # order, each id's line is at or after the previous one's.
            for figure_id in sorted(set(figure_ids)):
                sought = figure_id.encode("utf-8")
                high = size  # low..high: where the first line whose id is not below sought starts
                while low < high:
                    start = data.rfind(b"\n", 0, (low + high) // 2) + 1
                    end = data.find(b"\n", start)
                    end = size if end < 0 else end
                    comma = data.find(b",", start, end)
                    if data[start : end if comma < 0 else comma] < sought:
                        low = end + 1
                    else:
                        high = start
                end = data.find(b"\n", low)
                line = data[low : size if end < 0 else end]
                if line.startswith(sought + b","):
                    cells = next(csv.reader([line.decode("utf-8")]))
                    found[figure_id] = dict(zip(header, cells, strict=False))
    return found


def release_state(version: str, digest: str, recorded: dict[str, dict]) -> str:
    """'released' when the content is exactly the recorded release of ``version``, else why not."""
    if not recorded:
        return "nothing has been released yet"
    manifest = recorded.get(version)
    if manifest is None:
        return f"version {version} has not been released (latest release: {next(reversed(recorded))})"
    if manifest["content_hash"] != digest:
        return f"the data has changed since release {version}"
    return "released"


def count_same_values(conn) -> None:
    """Fill ``releases.changed_same_value`` from ``release_changes`` (SAME_VALUE_CHANGE)."""
    conn.execute(
        f"""UPDATE releases SET changed_same_value = (
              SELECT count(*) FROM release_changes WHERE version = releases.version AND {SAME_VALUE_CHANGE})"""
    )


# The corrections a release recorded before manifests listed them (0.1.0) published: those its
# changelog cites, as release.dropped_corrections reads them ("correction <id> (...",
# CORRECTION_REASON above); an added figure's reason is its source, never a correction's.
# release_changes alone cannot say what a listing release published: 161 of the 181 corrections
# 1.0.0 published are of figures no earlier release carried, and its changelog names none of them.
CITED_CORRECTIONS_SQL = """INSERT INTO release_corrections (version, correction_id)
SELECT DISTINCT c.version, substr(c.reason, 12, instr(c.reason, ' (') - 12)
FROM json_each(:unlisted) AS u CROSS JOIN release_changes AS c
WHERE c.version = u.value AND c.change IN ('changed', 'removed') AND c.reason GLOB 'correction * (*'"""


def write_release_corrections(conn, recorded: dict[str, dict]) -> None:
    """Fill ``release_corrections`` from ``recorded`` (manifests by version) and the
    release_changes already written: every correction a manifest lists (each lists all the
    corrections its release holds), and for a release whose manifest lists none, those its
    changelog cites (CITED_CORRECTIONS_SQL)."""
    conn.executemany(
        "INSERT INTO release_corrections (version, correction_id) VALUES (?, ?)",
        ((v, c) for v, m in recorded.items() for c in dict.fromkeys(m.get("corrections") or ())),
    )
    unlisted = [v for v, m in recorded.items() if m.get("corrections") is None]
    conn.execute(CITED_CORRECTIONS_SQL, {"unlisted": json.dumps(unlisted)})


def release_table_changes(recorded: dict[str, dict]) -> dict[str, list[str]]:
    """Each release's table changes since its previous, by version, as its CHANGELOG.md lists them
    under "Changes to the tables" (changelog.table_change_sentence of versioning.table_changes_since):
    on the files' columns where both manifests record them, else on the package's schema. A release
    whose record, or whose previous one's, holds no schema (none judged a step on it) has none."""
    from . import changelog, versioning  # here: both import this module

    found = {}
    for version, manifest in recorded.items():
        previous = recorded.get(manifest.get("previous"))
        if previous is None or "schema" not in manifest or "schema" not in previous:
            found[version] = []
            continue
        clauses = versioning.table_changes_since(previous, manifest["schema"], manifest.get("released_schema"))
        found[version] = [changelog.table_change_sentence(clause) for clause in clauses]
    return found


def _changelog_records(rows: Path | Iterable[dict]) -> tuple[list[str] | None, Iterator[tuple]]:
    """(its fields, its rows as tuples in that order) of a changelog; (None, nothing) when it has
    no row. A ``changelog.csv`` is read as rows of text, not dicts: at 50,000 changes (release
    1.0.0's) DictReader and the dicts' tuples were a tenth of every build of the real package."""
    if isinstance(rows, Path):
        handle = rows.open(encoding="utf-8", newline="")
        reader = csv.reader(handle)
        fields = next(reader, None)
        if fields is None:
            handle.close()
            return None, iter(())

        def records():
            with handle:
                yield from (tuple(record) for record in reader)

        return fields, records()
    rows = iter(rows)
    first = next(rows, None)
    if first is None:
        return None, iter(())
    fields = list(first)
    return fields, (tuple(row[f] for f in fields) for row in itertools.chain([first], rows))


def write_release_tables(
    db: sqlite_utils.Database,
    descriptor: dict,
    inputs: dict[str, str],
    recorded: dict[str, dict],
    changelogs: dict[str, list[dict]],
) -> None:
    """(Re)write the dataset and release tables: what the site shows about versions.

    ``inputs``: the content's hashes by file (``content_inputs``).
    ``recorded``: manifests by version (``recorded_releases``, plus a release being made).
    ``changelogs``: each version's changelog rows (CHANGELOG_FIELDS): the path of its
    ``changelog.csv``, or any iterable of dicts (release.ChangeLog's spool of a release being made).
    """
    from . import citation  # here, not at the top: the validator imports this module, and citation YAML

    for table in RELEASE_TABLES:
        db.execute(f"DROP TABLE IF EXISTS {table}")
    for sql in RELEASE_TABLES_SQL:
        db.execute(sql)
    version = descriptor.get("version", "")
    digest = content_hash(inputs)
    table_changes = release_table_changes(recorded)
    db["releases"].insert_all(
        {
            "version": v,
            "date": m["date"],
            "previous": m.get("previous"),
            "content_hash": m["content_hash"],
            "figures": m["figures"],
            **{name: m["counts"][name] for name in CHANGES},
            # The files it changed besides the figures' values and sources, as its CHANGELOG.md
            # names them: a release that changed no figure showed an empty list of changes.
            "other_inputs": json.dumps(m.get("other_inputs", [])),
            "table_changes": len(table_changes[v]),
        }
        for v, m in recorded.items()
    )
    db.conn.executemany(
        "INSERT INTO release_table_changes (version, position, sentence) VALUES (?, ?, ?)",
        ((v, n, sentence) for v, sentences in table_changes.items() for n, sentence in enumerate(sentences, 1)),
    )
    # Every release's changes in one prepared statement per file (tens of thousands of rows):
    # insert_all would convert each cell in Python first, a tenth of a second of every build.
    for v, rows in changelogs.items():
        fields, records = _changelog_records(rows)
        if fields is None:
            continue
        names = ", ".join(quote_ident(c) for c in ["version", *fields])
        db.conn.executemany(
            f"INSERT INTO release_changes ({names}) VALUES ({', '.join('?' for _ in range(len(fields) + 1))})",
            ((v, *record) for record in records),
        )
    count_same_values(db.conn)
    db["release_files"].insert_all(
        {"version": v, "path": path} for v, m in recorded.items() for path in m.get("files", [])
    )
    write_release_corrections(db.conn, recorded)
    db["dataset"].insert(
        {
            "name": descriptor.get("name", ""),
            "title": descriptor.get("title", ""),
            "version": version,
            "homepage": descriptor.get("homepage"),
            "author": citation.author_names(descriptor)[0],
            "licenses": json.dumps(descriptor.get("licenses", []), ensure_ascii=False),
            "content_hash": digest,
            "content_inputs": json.dumps(inputs, sort_keys=True),
            "release_state": release_state(version, digest, recorded),
            "latest_release": next(reversed(recorded), None),
        }
    )
