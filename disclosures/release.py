"""Make a citable release in dist/<version>/ from the built site folder, and record it.

A release is the built database (copied, never rebuilt), one CSV and one JSON file per table, a
datapackage.json whose resources carry ``bytes`` and a ``sha256:`` hash, SHA256SUMS,
CITATION.cff and a BibTeX entry, duckdb.sql (DuckDB views typing the JSON files), and a changelog of figures against the previous release
(changelog.csv, CHANGELOG.md and an Atom feed with one entry per release).

It reads only what the build wrote (``build/disclosures.db``, ``build/datapackage.json``) and
the committed records of earlier releases (``releases/``). A new version is recorded in
``releases/<version>/`` (see ``release_records``). Rerunning for a version already recorded
with the same content is harmless: dist/<version>/ is rewritten with the recorded date.

Refusals (``ReleaseRefused``, nothing written): content changed under a recorded version; a new
version with unchanged content; a version step smaller than the changes need (``versioning``);
a changed or removed figure with neither a corrections record nor a new source; a loopback or
missing ``homepage`` (it is the canonical URL every citation and feed link carries).

Memory does not grow with the figures: the changelog is a merge of two streams sorted by
figure_id (the previous release's ``figures.csv`` and the database), spooled to anonymous
temporary files; each table's files are written and hashed in one pass over an SQLite cursor
(``release_formats.write_table_files``); the database is copied, never read into memory.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import os
import shutil
import sqlite3
import tempfile
from collections import Counter
from collections.abc import Iterable, Iterator
from datetime import UTC, date, datetime
from pathlib import Path

import sqlite_utils

from . import changelog, citation, feed, precompute, release_formats, release_records, site_config, versioning
from .files import cell_text, json_text, query_dicts, remove_stale_temporaries, replace_file, write_text
from .paths import BUILD, DIST, PACKAGE, RELEASES, ROOT
from .release_records import (
    CHANGELOG_FIELDS,
    CHANGES,
    CORRECTION_REASON,
    SNAPSHOT_FIELDS,
    RecordDamaged,
    ReleaseRefused,
)
from .schema_sql import quote_ident
from .vocabulary import DATABASE_FILE, loopback_problem

CHANGELOG_SCHEMA = {
    "fields": [
        {
            "name": "change",
            "type": "string",
            "title": "Change",
            "description": "added: new in this release; changed: value or source differs from the previous release; "
            "removed: no longer in the data.",
            "constraints": {"required": True, "enum": list(CHANGES)},
        },
        {
            "name": "figure_id",
            "type": "string",
            "title": "Figure",
            "description": "The figure's stable id.",
            "constraints": {"required": True},
        },
        {
            "name": "old_value",
            "type": "string",
            "title": "Old value",
            "description": "The value in the previous release (number, low-high band, <N, withheld or not_reported); "
            "empty when added.",
        },
        {
            "name": "new_value",
            "type": "string",
            "title": "New value",
            "description": "The value in this release, written like the old value; empty when removed.",
        },
        {
            "name": "old_source_id",
            "type": "string",
            "title": "Old source",
            "description": "The figure's source in the previous release; empty when added.",
        },
        {
            "name": "new_source_id",
            "type": "string",
            "title": "New source",
            "description": "The figure's source in this release; empty when removed.",
        },
        {
            "name": "reason",
            "type": "string",
            "title": "Reason",
            "description": "From the data: the corrections record, the new source, or the figure's source when added.",
            "constraints": {"required": True},
        },
    ],
    "primaryKey": ["change", "figure_id"],
    "missingValues": [""],
}


def built_figures(conn: sqlite3.Connection) -> Iterator[dict]:
    """Every figure a release publishes (reported and derived), as snapshot rows of text, sorted
    by figure_id (SQLite's BINARY order, which is Python's for text)."""
    columns = ", ".join(quote_ident(f) for f in SNAPSHOT_FIELDS)
    for row in conn.execute(f"SELECT {columns} FROM figures ORDER BY figure_id"):
        yield dict(zip(SNAPSHOT_FIELDS, map(cell_text, row), strict=True))


def recorded_rows(path: Path) -> Iterator[dict]:
    """The rows of a committed record's CSV, one at a time (the file is opened when iteration starts)."""
    with path.open(encoding="utf-8", newline="") as handle:
        yield from csv.DictReader(handle)


def snapshot_differences(built: Iterator[dict], recorded: Iterator[dict], shown: int = 5) -> tuple[int, list[str]]:
    """How many figures differ between two snapshots (``built_figures`` and a recorded
    ``figures.csv``, both sorted by figure_id), and the first ``shown`` in words: a figure in
    one only, or the fields whose text differs. A recorded row with a field the build does not
    give (or the reverse) differs in that field."""
    count, listed = 0, []
    new, old = next(built, None), next(recorded, None)
    while new is not None or old is not None:
        if old is None or (new is not None and new["figure_id"] < old["figure_id"]):
            difference, new = f"{new['figure_id']} is built but not recorded", next(built, None)
        elif new is None or old["figure_id"] < new["figure_id"]:
            difference, old = f"{old['figure_id']} is recorded but not built", next(recorded, None)
        else:
            fields = [f for f in dict.fromkeys([*new, *old]) if new.get(f) != old.get(f)]
            difference = (
                f"{new['figure_id']} " + ", ".join(f"{f} {old.get(f)!r} -> {new.get(f)!r}" for f in fields)
                if fields
                else None
            )
            new, old = next(built, None), next(recorded, None)
        if difference is not None:
            count += 1
            if len(listed) < shown:
                listed.append(difference)
    return count, listed


def _spool() -> io.TextIOWrapper:
    # An anonymous file on disk (TMPDIR): deleted when closed, or when the process dies.
    return tempfile.TemporaryFile("w+", encoding="utf-8", newline="")


class ChangeLog:
    """A release's changelog rows (CHANGELOG_FIELDS), spooled to anonymous temporary files.

    Rows are added in any order of kinds; iterating gives them in changelog order (added, changed,
    removed; each kind in the order added). ``counts``: rows by kind. One iteration at a time.
    """

    def __init__(self) -> None:
        self._files = {name: _spool() for name in CHANGES}
        self._writers = {name: csv.writer(f, lineterminator="\n") for name, f in self._files.items()}
        self.counts: Counter = Counter()

    def add(self, change: dict, platform: str = "") -> None:
        """Spool one row; ``platform`` (the figure's) is kept beside it for CHANGELOG.md."""
        self._writers[change["change"]].writerow([change[f] for f in CHANGELOG_FIELDS] + [platform])
        self.counts[change["change"]] += 1

    def with_platforms(self) -> Iterator[tuple[dict, str]]:
        for name in CHANGES:
            spool = self._files[name]
            spool.flush()
            spool.seek(0)
            for cells in csv.reader(spool):
                yield dict(zip(CHANGELOG_FIELDS, cells[:-1], strict=True)), cells[-1]
            spool.seek(0, os.SEEK_END)

    def __iter__(self) -> Iterator[dict]:
        return (row for row, _ in self.with_platforms())

    def __len__(self) -> int:
        return sum(self.counts.values())

    def close(self) -> None:
        for spool in self._files.values():
            spool.close()


# changelog.csv quotes every cell of its rows (not the header: field names). Its rows are sorted
# by change, so a release that adds tens of thousands of figures lists them first, each with a
# source id for its reason, and the first reason csv must quote (a correction's prose) came at
# line 50,263 of 1.0.0's. DuckDB's CSV sniffer settles the quote character from the first 20,480
# rows: it chose none, and its read_csv('changelog.csv') stopped at that line ("Expected Number
# of Columns: 7 Found: 8").
# A quoted empty cell is still empty, and null, to Frictionless, pandas and DuckDB alike.
CHANGELOG_QUOTING = csv.QUOTE_ALL


def csv_chunks(
    fields: list[str], rows: Iterable, every: int = 8192, quoting: int = csv.QUOTE_MINIMAL
) -> Iterator[bytes]:
    """``rows`` (dicts, or lists in ``fields`` order) as UTF-8 CSV, header first, in chunks of
    ``every`` rows: the bytes of ``files.csv_text`` without holding them all (with ``quoting``
    QUOTE_MINIMAL, csv_text's). ``quoting`` is the rows': the header is the field names as they are."""
    text = io.StringIO()
    csv.writer(text, lineterminator="\n").writerow(fields)
    writer = csv.writer(text, lineterminator="\n", quoting=quoting)
    for i, row in enumerate(rows, 1):
        writer.writerow([row.get(f, "") for f in fields] if isinstance(row, dict) else row)
        if i % every == 0:
            yield text.getvalue().encode("utf-8")
            text.seek(0)
            text.truncate()
    yield text.getvalue().encode("utf-8")


def changelog_chunks(changes: Iterable) -> Iterator[bytes]:
    """changelog.csv's bytes (dist and record alike): ``changes`` with every cell quoted."""
    return csv_chunks(CHANGELOG_FIELDS, changes, quoting=CHANGELOG_QUOTING)


def write_chunks(path: Path, chunks: Iterable[bytes]) -> release_formats.HashingWriter:
    """Write ``chunks`` to ``path``; the closed writer has the file's ``bytes`` and ``digest``."""
    writer = release_formats.HashingWriter(path)
    try:
        for chunk in chunks:
            writer.write(chunk)
    finally:
        writer.close()
    return writer


def file_sha256(path: Path, prefix: bytes = b"") -> str:
    digest = hashlib.sha256(prefix)
    with path.open("rb") as handle:
        while chunk := handle.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


# The plan ------------------------------------------------------------------------------------


def plan_release(build_dir: Path, releases: Path, release_date: str | None, again: str = "make release") -> dict:
    """Decide what this release is, from the built folder and the records (or ReleaseRefused).

    Returns version, date, previous, new (whether it must be recorded), recorded (the manifests
    read from ``releases``), inputs, content_hash, figures (how many), changes (a ``ChangeLog``),
    summary (``changelog.ChangeSummary``), snapshot (for a new version: an open file holding
    releases/<version>/figures.csv, else None) and other_inputs (changed files besides the
    figures). Close the plan with ``close_plan``. ``again``: the command a refusal says to
    rerun. Raises ReleaseRefused, RecordDamaged.
    """
    descriptor = json.loads((build_dir / "datapackage.json").read_text(encoding="utf-8"))
    version = descriptor.get("version", "")
    release_records.parse_version(version)
    problem = loopback_problem(descriptor.get("homepage", ""))
    if problem:
        raise ReleaseRefused(
            f"datapackage.json: homepage {problem}; it is the canonical site URL that citations "
            f"and feed links carry: set it to the public address of the site"
        )
    recorded = release_records.recorded_releases(releases)
    changes, snapshot = ChangeLog(), None
    try:
        with sqlite3.connect(f"file:{build_dir / DATABASE_FILE}?mode=ro", uri=True) as conn:
            (inputs_json,) = conn.execute("SELECT content_inputs FROM dataset").fetchone()
            inputs = json.loads(inputs_json)
            digest = release_records.content_hash(inputs)
            released = released_schema(conn, descriptor)
            # A table with no columns is one the database lacks: writing its files was a traceback
            # (sqlite3.OperationalError: no such table), after its version step had been judged.
            absent = sorted(name for name, table in released.items() if not table["fields"])
            if absent:
                raise ReleaseRefused(
                    f"{build_dir / DATABASE_FILE}: no table {', '.join(absent)}, which a release's files hold: "
                    f"build again (make build), then rerun: {again}"
                )
            problem = records_read_problem(conn, build_dir, releases, recorded, version, again)
            if problem:
                raise ReleaseRefused(problem)
            if version in recorded:
                plan = _plan_rerun(conn, releases, version, recorded, inputs, digest, changes, released, again)
            else:
                snapshot = _spool()
                plan = _plan_new(
                    conn, releases, descriptor, recorded, inputs, digest, changes, snapshot, released, again
                )
    except BaseException:
        changes.close()
        if snapshot is not None:
            snapshot.close()
        raise
    if not plan["new"] and release_date and release_date != plan["date"]:
        close_plan(plan)
        # A date that is no day said it was one: "to release the changes on 2026-13-45, bump version".
        raise ReleaseRefused(
            date_format_problem(release_date)
            or f"release {plan['version']} is recorded with the date {plan['date']}, and a release keeps its date: "
            f'to release the changes on {release_date}, bump "version" in datapackage.json'
        )
    if plan["new"]:
        today = datetime.now(UTC).date().isoformat()
        released = release_date or today
        problem = release_date_problem(released, today, plan["previous"], recorded) or corrections_after_problem(
            released, plan.get("correction_dates") or {}, again
        )
        if problem:
            close_plan(plan)
            raise ReleaseRefused(problem)
        plan["date"] = released
    return dict(plan, descriptor=descriptor, inputs=inputs, content_hash=digest, recorded=recorded, snapshot=snapshot)


def records_read_problem(
    conn: sqlite3.Connection, build_dir: Path, releases: Path, recorded: dict, version: str, again: str
) -> str | None:
    """Why the build in ``build_dir`` (``conn``) cannot be released against the records in
    ``releases``, or None: it was built from other release records (its ``releases`` table: the
    versions, each with its date, previous version and content hash), apart from ``version``
    itself, recorded since by this release; or it has no such table. A folder of none given as
    ``--releases`` released every figure as added, against a database whose release tables,
    feed and changes pages said otherwise."""
    database = build_dir / DATABASE_FILE
    try:
        rows = conn.execute("SELECT version, date, previous, content_hash FROM releases").fetchall()
    except sqlite3.Error:
        return f"{database}: no releases table, which the build writes from the records: build again (make build), then rerun: {again}"
    built = {str(v): (d, p, h) for v, d, p, h in rows if v != version}
    records = {
        v: (m.get("date"), m.get("previous"), m.get("content_hash")) for v, m in recorded.items() if v != version
    }
    if built == records:
        return None

    def listed(versions) -> str:
        return ", ".join(sorted(versions)) or "none"

    if set(built) != set(records):
        read = f"the release records {listed(built)}, and {shown_folder(releases)}/ holds {listed(records)}"
    else:
        other = [v for v in sorted(built) if built[v] != records[v]]
        read = f"other records of {listed(other)} (date, previous or content hash) than {shown_folder(releases)}/ holds"
    return (
        f"{database} was built with {read}: name the records the build read (the releases/ folder beside its "
        f"datapackage.json) with --releases, or build again beside these, then rerun: {again}"
    )


def corrections_after_problem(
    released: str, correction_dates: dict[str, str], again: str = "make release"
) -> str | None:
    """Why a release dated ``released`` cannot publish corrections dated after it, or None: a
    correction dated 2027-12-02 (a year typed wrong) was released on 2026-12-02, its changelog
    and figure pages saying it was made a year later. ``correction_dates``: {correction_id: date}."""
    late = sorted((day, cid) for cid, day in correction_dates.items() if day and day > released)
    if not late:
        return None
    listed = "; ".join(f"{cid} ({day})" for day, cid in late[:5])
    return (
        f"{len(late)} correction(s) in data/corrections.csv are dated after this release's date {released}: "
        f"{listed}. A correction is dated the day it was made: correct its corrected_date, then rerun: {again}"
    )


def date_format_problem(released: str) -> str | None:
    """Why ``released`` is no day of the calendar written YYYY-MM-DD, or None."""
    try:
        date.fromisoformat(released)
    except ValueError:
        return f"release date {released!r} is not YYYY-MM-DD"
    if len(released) != 10:
        return f"release date {released!r} is not YYYY-MM-DD"
    return None


def release_date_problem(released: str, today: str, previous: str | None, recorded: dict) -> str | None:
    """Why ``released`` cannot be a new release's date, or None. It is refused when it is not
    YYYY-MM-DD, is after ``today`` (UTC, ISO), or is before the date of the release it follows
    (``previous``, a version in ``recorded``): the changelog, the citation and the feed would
    date a release before the one it changes, or in the future."""
    problem = date_format_problem(released)
    if problem:
        return problem
    if released > today:
        return f"release date {released} is in the future (today is {today} UTC)"
    before = recorded.get(previous, {}).get("date") if previous else None
    if before and released < before:
        return (
            f"release date {released} is before {before}, the date of release {previous}, which this one follows: "
            f"give a date from {before} to {today}"
        )
    return None


def shown_folder(folder: Path) -> str:
    """``folder`` as a refusal names it: relative to the repository when inside it (``make
    release`` runs there, and releases/1.2.0 reads better than its absolute path), else as given."""
    try:
        return Path(folder).absolute().relative_to(ROOT).as_posix()
    except ValueError:
        return Path(folder).as_posix()


def unrecorded_releases(dist: Path, recorded: dict, version: str) -> list[str]:
    """The versions with a folder in ``dist`` that no record names, other than ``version`` (the
    one being made), in version order."""
    if not dist.is_dir():
        return []
    found = [
        p.name
        for p in dist.iterdir()
        if p.is_dir() and release_records.SEMVER.match(p.name) and p.name not in recorded and p.name != version
    ]
    return sorted(found, key=release_records.parse_version)


def close_plan(plan: dict) -> None:
    """Delete the plan's spooled changes and snapshot."""
    plan["changes"].close()
    if plan.get("snapshot") is not None:
        plan["snapshot"].close()


def _plan_rerun(
    conn,
    releases: Path,
    version: str,
    recorded: dict,
    inputs: dict,
    digest: str,
    changes: ChangeLog,
    released: dict,
    again: str,
) -> dict:
    """A version already recorded: its recorded changes, or ReleaseRefused when the content differs,
    or the columns of its files (``released``, ``released_schema``) differ from those it recorded."""
    manifest = recorded[version]
    record = shown_folder(releases / version)
    if manifest["content_hash"] != digest:
        changed = sorted(
            p for p in inputs.keys() | manifest["inputs"].keys() if inputs.get(p) != manifest["inputs"].get(p)
        )
        raise ReleaseRefused(
            f"content changed but the version did not: release {version} is recorded in "
            f'{record}/ with other content (changed: {", ".join(changed)}). Bump "version" in '
            f"datapackage.json, then rerun: {again}"
        )
    # The same data built by other code: a column the build adds, drops or retypes rewrote the
    # recorded version's files with other columns (and other bytes), its record still naming the old.
    recorded_columns = manifest.get("released_schema")
    if recorded_columns is not None and recorded_columns != released:
        _, why = versioning.schema_change(recorded_columns, released)
        raise ReleaseRefused(
            f"release {version} is recorded in {record}/ with other columns in its files than this "
            f"build gives them ({'; '.join(why)}): remade, its files would change under the same version. "
            f"Make it with the code that released it (the commit that recorded {record}/), or "
            f'release these columns under a new version: bump "version" in datapackage.json'
        )
    # The same data and columns, but figures the code computes otherwise (a derivation changed):
    # remade, the files would publish other figures under the version its snapshot records.
    differences, listed = snapshot_differences(built_figures(conn), recorded_rows(releases / version / "figures.csv"))
    if differences:
        raise ReleaseRefused(
            f"release {version} is recorded in {record}/figures.csv with other figures than this build "
            f"gives ({differences} differ: {'; '.join(listed)}): remade, its files would change under the same "
            f"version. Make it with the code that released it (the commit that recorded {record}/), "
            f'or release these figures under a new version: bump "version" in datapackage.json'
        )
    # Each change's platform, for CHANGELOG.md: the built figure's, else (removed) the previous release's.
    path = releases / version / "changelog.csv"
    unresolved: set[str] = set()
    for row in recorded_rows(path):
        if row.get("change") not in CHANGES:
            raise RecordDamaged(f"{path}: change {row.get('change')!r} is not one of {', '.join(CHANGES)}")
        found = conn.execute("SELECT platform_id FROM figures WHERE figure_id = ?", [row["figure_id"]]).fetchone()
        if found is None:
            unresolved.add(row["figure_id"])
        changes.add(row, cell_text(found[0]) if found else "")
    platforms = {}
    previous = manifest.get("previous")
    if unresolved and previous:
        for row in recorded_rows(releases / previous / "figures.csv"):
            if row["figure_id"] in unresolved:
                platforms[row["figure_id"]] = row["platform_id"]
    summary = changelog.ChangeSummary()
    for row, platform in changes.with_platforms():
        fid = row["figure_id"]
        summary.add(row, platforms.get(fid, "unknown") if fid in unresolved else platform)
    (figures,) = conn.execute("SELECT count(*) FROM figures").fetchone()
    return {
        "version": version,
        "date": manifest["date"],
        "previous": previous,
        "new": False,
        "figures": figures,
        "changes": changes,
        "summary": summary,
        "other_inputs": manifest.get("other_inputs", []),
        # A release recorded before manifests listed their corrections has none: its rerun
        # ships the bytes it recorded.
        "corrections": manifest.get("corrections"),
        "released_schema": manifest.get("released_schema"),
        # A release recorded before manifests held released_schema listed no table changes: its
        # rerun ships the CHANGELOG.md it recorded.
        "table_changes": versioning.table_changes_since(
            recorded.get(previous), manifest["schema"], manifest["released_schema"]
        )
        if "released_schema" in manifest
        else [],
    }


def _plan_new(
    conn,
    releases: Path,
    descriptor: dict,
    recorded: dict,
    inputs: dict,
    digest: str,
    changes: ChangeLog,
    snapshot,
    released: dict,
    again: str,
) -> dict:
    """A version not yet recorded: the changes since the latest release, checked (ReleaseRefused).
    The snapshot of every figure is written to ``snapshot`` on the way."""
    version = descriptor["version"]
    later = [v for v in recorded if release_records.parse_version(v) > release_records.parse_version(version)]
    if later:
        raise ReleaseRefused(
            f'version {version} is below the latest release {later[-1]}: set "version" in '
            f"datapackage.json above {later[-1]}"
        )
    previous = next(reversed(recorded), None)
    # "Nothing changed" is judged once the figures are compared (check_bump, below), not on the
    # data's hash alone: the same data built by other code can give the files other columns (a
    # column the build adds, drops or retypes) or other derived figures, which no rerun of the
    # recorded version may publish (_plan_rerun) and which only a new version can.
    corrections = [{k: cell_text(v) for k, v in row.items()} for row in query_dicts(conn, "SELECT * FROM corrections")]
    dropped = dropped_corrections(releases, recorded, {row["correction_id"] for row in corrections})
    if dropped:
        listed = "; ".join(f"{cid} (release {version})" for cid, version in dropped[:5])
        raise ReleaseRefused(
            f"{len(dropped)} correction(s) a release published are no longer in data/corrections.csv: {listed}. "
            "A published correction is a permanent record: restore it, and record a later change as a new "
            "correction after it"
        )
    old_path = releases / previous / "figures.csv" if previous else None
    summary = changelog.ChangeSummary()
    unexplained, unexplained_count, figures = [], 0, 0
    snapshot_writer = csv.writer(snapshot, lineterminator="\n")
    snapshot_writer.writerow(SNAPSHOT_FIELDS)

    def new_figures():
        nonlocal figures
        for row in built_figures(conn):
            figures += 1
            snapshot_writer.writerow([row[f] for f in SNAPSHOT_FIELDS])
            yield row

    old_rows = recorded_rows(old_path) if old_path else iter(())
    # The corrections since the previous release, which its changelog cites (changelog.figure_change).
    published = release_records.published_corrections(releases, previous, recorded[previous]) if previous else set()
    try:
        for change, before, after in changelog.diff_streams(
            old_rows, new_figures(), corrections, (str(old_path), f"{DATABASE_FILE}: figures"), published
        ):
            platform = (after or before)["platform_id"]
            changes.add(change, platform)
            summary.add(change, platform)
            if change["change"] in ("changed", "removed") and not change["reason"]:
                unexplained_count += 1
                if len(unexplained) < 5:
                    unexplained.append(change)
    except changelog.OutOfOrder as error:
        raise RecordDamaged(str(error)) from None
    snapshot.flush()
    if unexplained:
        listed = "; ".join(
            f"{c['figure_id']} {c['old_value']} -> {c['new_value'] or '(removed)'}"
            f"{unmatched_corrections(c, corrections)}"
            for c in unexplained
        )
        raise ReleaseRefused(
            f"{unexplained_count} figure(s) changed value with the same source, or were removed, with no "
            f"corrections record: {listed}. Add a row to data/corrections.csv (figure_id, old_value, new_value "
            f"- empty for a removal -, reason, source_id, corrected_date) or cite the new source, then rerun: "
            f"{again}"
        )
    other_inputs: list[str] = []
    if previous is not None:
        old = recorded[previous]
        level, why = versioning.schema_change(old["schema"], versioning.schema_of(descriptor))
        # The released files' own columns too: one the build adds, drops or retypes (a column of
        # figures the package does not describe) changes what the files' readers get as surely as
        # the package's. Releases recorded before their manifests held these are judged on the
        # package alone.
        if "released_schema" in old:
            released_level, released_why = versioning.schema_change(old["released_schema"], released)
            level = versioning.larger_step(level, released_level)
            why = why + [f"{reason} in the released files" for reason in released_why if reason not in why]
        figures_path = next(r for r in descriptor["resources"] if r["name"] == "figures")["path"]
        other_inputs = sorted(
            p
            for p in inputs.keys() | old["inputs"].keys()
            if p != figures_path and inputs.get(p) != old["inputs"].get(p)
        )
        content_changed = bool(other_inputs) or inputs.get(figures_path) != old["inputs"].get(figures_path)
        counts = changes.counts
        why = why + [f"{counts[name]} figure(s) {name}" for name in CHANGES if counts[name]]
        kinds = [{"change": name} for name in CHANGES if counts[name]]
        versioning.check_bump(previous, version, versioning.required_bump(kinds, level, content_changed), why)
    return {
        "version": version,
        "date": None,
        "previous": previous,
        "new": True,
        "figures": figures,
        "changes": changes,
        "summary": summary,
        "other_inputs": other_inputs,
        "corrections": sorted(row["correction_id"] for row in corrections),
        "correction_dates": {row["correction_id"]: row["corrected_date"] for row in corrections},
        "released_schema": released,
        "table_changes": versioning.table_changes_since(
            recorded.get(previous), versioning.schema_of(descriptor), released
        ),
    }


def dropped_corrections(releases: Path, recorded: dict, correction_ids: set[str]) -> list[tuple[str, str]]:
    """(correction_id, version) of each correction a recorded release published that
    ``correction_ids`` no longer holds, each once (at the first release that published it), in
    release order. A release's manifest lists every correction it published ("corrections");
    one recorded before manifests did is known by the corrections its changelog cites."""
    dropped, seen = [], set()
    for version, manifest in recorded.items():
        published = list(manifest.get("corrections") or [])
        for row in recorded_rows(releases / version / "changelog.csv"):
            cited = CORRECTION_REASON.match(row.get("reason") or "")
            if cited:
                published.append(cited["correction_id"])
        for correction_id in dict.fromkeys(published):
            if correction_id not in correction_ids and correction_id not in seen:
                seen.add(correction_id)
                dropped.append((correction_id, version))
    return dropped


def unmatched_corrections(change: dict, corrections: list[dict]) -> str:
    """Why a figure's corrections records did not explain its change, when it has any."""
    records = [r for r in corrections if r["figure_id"] == change["figure_id"]]
    if not records:
        return ""
    shown = ", ".join(f"{r['correction_id']} says {r['old_value']} -> {r['new_value'] or '(removed)'}" for r in records)
    return f" (data/corrections.csv has {shown}, which does not match the released {change['old_value']})"


def manifest_of(plan: dict, files: list[str]) -> dict:
    """The record of a release, as releases/<version>/manifest.json holds it."""
    manifest = {
        "version": plan["version"],
        "date": plan["date"],
        "previous": plan["previous"],
        "content_hash": plan["content_hash"],
        "inputs": plan["inputs"],
        "other_inputs": plan["other_inputs"],
        "schema": versioning.schema_of(plan["descriptor"]),
        "counts": {name: plan["changes"].counts[name] for name in CHANGES},
        "figures": plan["figures"],
        "files": files,
    }
    if plan.get("corrections") is not None:
        # Every correction the release published: a later release may not drop one.
        manifest["corrections"] = plan["corrections"]
    if plan.get("released_schema") is not None:
        # What the release's own table files hold (build columns and tables too), which the
        # next release's version step is judged on beside "schema".
        manifest["released_schema"] = plan["released_schema"]
    return manifest


def released_schema(conn: sqlite3.Connection, descriptor: dict) -> dict[str, dict]:
    """``versioning.schema_of`` the tables a release's files hold, read from the built database
    ``conn``: the package's resources and ``BUILT_RESOURCES``, each with the columns the
    database gives it (``release_formats.released_fields``: figures has the build's columns)."""
    resources = [
        dict(resource, schema=dict(resource["schema"], fields=release_formats.released_fields(conn, resource)))
        for resource in [*descriptor["resources"], *BUILT_RESOURCES]
    ]
    return versioning.schema_of({"resources": resources})


# Release files -------------------------------------------------------------------------------


def file_resource(
    name: str, path: str, title: str, fmt: str, mediatype: str, size: int, digest: str, description: str
) -> dict:
    """A resource entry for a file of ``size`` bytes whose sha256 (hex) is ``digest``."""
    return {
        "name": name,
        "path": path,
        "title": title,
        "description": description,
        "profile": "data-resource",
        "format": fmt,
        "mediatype": mediatype,
        "bytes": size,
        "hash": "sha256:" + digest,
    }


# Every file a release holds, besides one CSV and one JSON per table.
# Tables the build adds that a download needs beside the package's own: which figures form the
# series that can be summed (a CSV of figures holds a year beside its quarters, and the derived
# figures beside the reported ones).
BUILT_RESOURCES = [
    {
        "name": "series_members",
        "title": "Series members",
        "description": "The figures that form one series per platform, jurisdiction, request type and metric "
        "whose periods never overlap (the database's figures_series view is figures joined with this table): "
        "sum only these, or a year is counted beside its own quarters. "
        "Sum counts only (unit count, never percent or fraction), within one platform, request type "
        "and metric; never a scope (jurisdictions.kind scope: WORLD, EU, INTL, OTHER) beside the "
        "jurisdictions it covers, nor request type all beside its parts.",
        "profile": "tabular-data-resource",
        "scheme": "file",
        "format": "csv",
        "mediatype": "text/csv",
        "encoding": "utf-8",
        "schema": {
            "fields": [
                {
                    "name": "figure_id",
                    "type": "string",
                    "title": "Figure",
                    "description": "A figure (reported or derived) in its series.",
                    "constraints": {"required": True},
                }
            ],
            "primaryKey": ["figure_id"],
            "foreignKeys": [{"fields": ["figure_id"], "reference": {"resource": "figures", "fields": ["figure_id"]}}],
        },
    }
]
# What the released figures hold beyond the package's description of data/figures.csv.
RELEASED_FIGURES_NOTE = (
    " The release's figures also hold those the build derives (is_derived = 1), and periods that overlap "
    "(a year beside its quarters): to add figures up, keep those listed in series_members."
)

FIXED_FILES = [
    "CHANGELOG.md",
    "CITATION.bib",
    "CITATION.cff",
    "SHA256SUMS",
    "changelog.csv",
    "datapackage.json",
    DATABASE_FILE,
    release_formats.DUCKDB_SQL,
    "feed.atom",
]


# Each table's files: folder, extension. excel/ is the CSV with a byte-order mark.
TABLE_FORMATS = (("csv", "csv"), ("json", "json"), ("parquet", "parquet"), ("excel", "csv"))


def release_files(descriptor: dict) -> list[str]:
    tables = [r["name"] for r in [*descriptor["resources"], *BUILT_RESOURCES]]
    return sorted(FIXED_FILES + [f"{folder}/{t}.{ext}" for t in tables for folder, ext in TABLE_FORMATS])


def write_dist(folder: Path, build_dir: Path, releases: Path, plan: dict, markdown: str) -> dict[str, str]:
    """Every file of dist/<version>/ into ``folder`` (a fresh temporary directory).

    Returns the sha256 (hex) of each file by its path in the release, computed as it was written.
    """
    descriptor, version, released, changes = plan["descriptor"], plan["version"], plan["date"], plan["changes"]
    digests: dict[str, str] = {}
    database = folder / DATABASE_FILE
    shutil.copyfile(build_dir / DATABASE_FILE, database)
    # The copy says it is this release: the same release tables the next build will write.
    recorded = {**plan["recorded"], version: manifest_of(plan, release_files(descriptor))}
    changelogs: dict[str, Iterable[dict]] = {
        v: recorded_rows(releases / v / "changelog.csv") for v in recorded if v != version
    }
    changelogs[version] = changes
    with sqlite3.connect(database) as conn:
        conn.execute("PRAGMA foreign_keys = ON")
        with conn:
            db = sqlite_utils.Database(conn)
            release_records.write_release_tables(db, descriptor, plan["inputs"], recorded, changelogs)
            # The build's counts of every table, made again now that the release tables hold this
            # release: as the build after it makes them, so that rerunning this version from that
            # build ships the same bytes (they said 1 release where the table held 2).
            for table in precompute.COUNT_TABLES:
                db.execute(f"DROP TABLE IF EXISTS {quote_ident(table)}")
            precompute.write_default_counts(db, precompute.configured_facets(site_config.site_metadata(descriptor)))
        # And their statistics, which DROP TABLE took with them (the build analyzes every table).
        for table in (*release_records.RELEASE_TABLES, *precompute.COUNT_TABLES):
            conn.execute(f"ANALYZE {quote_ident(table)}")
        conn.execute("VACUUM")
        atom = feed.release_feed(conn, version)
        resources, extra, views = [], [], []
        for resource in [*descriptor["resources"], *BUILT_RESOURCES]:
            if resource["name"] == "figures":
                resource = dict(resource, description=resource.get("description", "") + RELEASED_FIGURES_NOTE)
            # The database's rows and columns (figures: derived rows and the build's columns too).
            fields = release_formats.released_fields(conn, resource)
            schema = dict(resource["schema"], fields=fields)
            views.append((resource["name"], fields))
            title = resource.get("title", resource["name"])
            name = resource["name"]
            paths = {
                "csv": f"csv/{name}.csv",
                "excel": f"excel/{name}.csv",
                "json": f"json/{name}.json",
                "parquet": f"parquet/{name}.parquet",
            }
            try:
                rows, written = release_formats.write_table_files(
                    conn, resource, fields, {k: folder / path for k, path in paths.items()}
                )
            except ValueError as error:
                raise ReleaseRefused(str(error)) from None
            digests.update({paths[k]: w.digest for k, w in written.items()})
            resources.append(
                dict(
                    resource,
                    path=paths["csv"],
                    schema=schema,
                    bytes=written["csv"].bytes,
                    hash="sha256:" + written["csv"].digest,
                    rows=rows,
                )
            )
            excel = dict(
                resource,
                name=f"{name}_excel",
                path=paths["excel"],
                title=f"{title} (CSV for Excel, UTF-8 with a byte-order mark)",
                # The IANA name, as the Data Package spec asks ("utf-8-sig" is Python's codec
                # name); Frictionless and pandas read the byte-order mark under it.
                encoding="utf-8",
                schema=schema,
                bytes=written["excel"].bytes,
                hash="sha256:" + written["excel"].digest,
                rows=rows,
            )
            if rows + 1 > release_formats.EXCEL_MAX_ROWS:
                # The file stays whole (it is the CSV with a byte-order mark); say what Excel does with it.
                excel["description"] = (
                    (resource.get("description", "") + " ").lstrip()
                    + f"Excel opens only the first {release_formats.EXCEL_MAX_ROWS - 1:,} of its {rows:,} rows: "
                    "use the CSV, the Parquet file or the database for the rest."
                )
            resources.append(excel)
            extra.append(
                file_resource(
                    f"{name}_json",
                    paths["json"],
                    f"{title} (JSON)",
                    "json",
                    "application/json",
                    written["json"].bytes,
                    written["json"].digest,
                    f"The {name} table as a JSON array of objects, "
                    "typed by the table schema of the CSV resource of the same name "
                    "(numbers written as doubles, 900.0, as in the Parquet file; dates as YYYY-MM-DD text). "
                    f"In DuckDB, {release_formats.DUCKDB_SQL} makes a view of it with those types.",
                )
            )
            extra.append(
                dict(
                    file_resource(
                        f"{name}_parquet",
                        paths["parquet"],
                        f"{title} (Parquet)",
                        "parquet",
                        "application/vnd.apache.parquet",
                        written["parquet"].bytes,
                        written["parquet"].digest,
                        f"The {name} table as Parquet, its columns typed by the table schema "
                        "of the CSV resource of the same name (numbers as doubles, dates as dates).",
                    ),
                    # Frictionless would read it as a table, and then cannot count its bytes.
                    type="file",
                )
            )

    written = write_chunks(folder / "changelog.csv", changelog_chunks(changes))
    digests["changelog.csv"] = written.digest
    resources.append(
        {
            "name": "changelog",
            "path": "changelog.csv",
            "title": "Changelog of figures",
            "description": "Figures added, changed and removed since the previous release, with the reason.",
            "profile": "tabular-data-resource",
            "scheme": "file",
            "format": "csv",
            "mediatype": "text/csv",
            "encoding": "utf-8",
            "bytes": written.bytes,
            "hash": "sha256:" + written.digest,
            "rows": len(changes),
            "schema": CHANGELOG_SCHEMA,
        }
    )
    digests[DATABASE_FILE] = file_sha256(database)
    extra.insert(
        0,
        file_resource(
            "database",
            DATABASE_FILE,
            "SQLite database",
            "sqlite",
            "application/vnd.sqlite3",
            database.stat().st_size,
            digests[DATABASE_FILE],
            "Every table in one SQLite database, with the figures the "
            "build derives (figures.is_derived = 1, figure_inputs) and series_members.",
        ),
    )

    write_text(folder / release_formats.DUCKDB_SQL, release_formats.duckdb_views(views))
    write_text(folder / "CHANGELOG.md", markdown)
    write_text(folder / "feed.atom", atom)
    write_text(folder / "CITATION.cff", citation.citation_cff(descriptor, version, released))
    write_text(folder / "CITATION.bib", citation.citation_bib(descriptor, version, released))

    released_descriptor = dict(descriptor, created=f"{released}T00:00:00Z", resources=resources + extra)
    if released_descriptor.get("sources"):
        released_descriptor["sources"] = [
            dict(s, path=f"csv/{Path(s['path']).stem}.csv") if s.get("path", "").startswith("data/") else s
            for s in released_descriptor["sources"]
        ]
    write_text(folder / "datapackage.json", json_text(released_descriptor))

    files = sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file())
    for name in files:
        if name not in digests:
            digests[name] = file_sha256(folder / name)
    write_text(folder / "SHA256SUMS", "".join(f"{digests[name]}  {name}\n" for name in files))
    return digests


def _copy_problems(folder: Path, resource: dict, resources: dict[str, dict]) -> list[str]:
    """What is wrong with a file that holds a CSV resource's rows in another form, re-read from disk."""
    path = folder / resource["path"]
    problems = []
    size, digest = path.stat().st_size, file_sha256(path)
    if size != resource.get("bytes"):
        problems.append(f"{resource['name']}: {resource['path']} has {size} bytes, not {resource.get('bytes')}")
    if "sha256:" + digest != resource.get("hash"):
        problems.append(f"{resource['name']}: {resource['path']} does not have the sha256 its resource declares")
    if resource["path"].startswith("excel/"):
        csv_path = folder / resources[resource["name"].removesuffix("_excel")]["path"]
        if file_sha256(csv_path, release_formats.BOM) != digest:
            problems.append(f"{resource['name']}: {resource['path']} is not {csv_path.name} with a byte-order mark")
    else:
        problems += [f"{resource['name']}: {problem}" for problem in json_array_problems(path)]
    return problems


def json_array_problems(path: Path) -> list[str]:
    """Where a JSON file is not a ``files.json_rows`` array (one object a line), read a line at a time."""
    with path.open(encoding="utf-8") as handle:
        first = handle.readline()
        if first == "[]\n":
            return [] if handle.read(1) == "" else [f"{path.name}: text after []"]
        if first != "[\n":
            return [f"{path.name}:1: an array of objects starts with a line holding [ alone"]
        line_number, ended = 1, False
        for line_number, line in enumerate(handle, 2):
            if ended:
                return [f"{path.name}:{line_number}: text after the closing ]"]
            if line == "]\n":
                ended = True
                continue
            try:
                value = json.loads(line.removesuffix("\n").removesuffix(","))
            except ValueError as error:
                return [f"{path.name}:{line_number}: {error}"]
            if not isinstance(value, dict):
                return [f"{path.name}:{line_number}: not an object"]
        return [] if ended else [f"{path.name}:{line_number}: the array is not closed"]


def check_dist(folder: Path) -> None:
    """The released package must pass the standard Frictionless validation, hashes included.

    Frictionless validates the descriptor and every resource but two kinds of copies, which are
    checked against it instead, reading one line or block at a time: each Excel CSV must be its
    CSV resource's bytes after a byte-order mark (so it holds the rows Frictionless validated),
    and each JSON file must be an array of objects with the bytes and sha256 it declares
    (Frictionless would load a whole JSON file into memory: gigabytes at a million figures).
    """
    import frictionless

    try:
        # Opening it validates it too: a descriptor Frictionless refuses was a traceback here.
        package = frictionless.Package(str(folder / "datapackage.json"))
        package.to_descriptor(validate=True)
    except frictionless.FrictionlessException as exception:
        errors = [error.message for error in exception.to_errors()]
        raise ReleaseRefused("the released datapackage.json does not validate: " + "; ".join(errors[:5])) from None
    descriptor = json.loads((folder / "datapackage.json").read_text(encoding="utf-8"))
    declared = {r["name"]: r for r in descriptor["resources"]}
    errors = []
    for resource in package.resources:
        if resource.path.startswith(("excel/", "json/")):
            errors += _copy_problems(folder, declared[resource.name], declared)
            continue
        report = resource.validate()
        errors += [f"{task.name}: {error.message}" for task in report.tasks for error in task.errors]
        errors += [error.message for error in report.errors]
    if errors:
        raise ReleaseRefused("the released datapackage.json does not validate: " + "; ".join(errors[:5]))


# The release -------------------------------------------------------------------------------


def _replace_dir(temporary: Path, target: Path) -> None:
    old = target.with_name(f".{target.name}.old.{os.getpid()}")
    if target.exists():
        os.replace(target, old)
    os.replace(temporary, target)
    shutil.rmtree(old, ignore_errors=True)


def build_command(build_dir: Path, package: Path) -> str:
    """The command that builds ``package`` into ``build_dir``: ``make build`` for the repository's
    own package and build/, else ``scripts/cli.py build`` with the options that differ from those."""
    given = [
        f"{option} {value}"
        for option, value, default in (("--package", package, PACKAGE), ("--out", build_dir, BUILD))
        if Path(value).resolve() != default.resolve()
    ]
    return f"python scripts/cli.py build {' '.join(given)}" if given else "make build"


def stale_build_problem(build_dir: Path, package: Path, again: str = "make release") -> str | None:
    """Why ``build_dir`` is not the build of ``package`` as its files are now (another version,
    or content changed since it was built), or None. The release reads only the build: made
    from a build that is behind, it re-released the old version and said so with exit 0.
    ``again``: the release command given, which the refusal says to rerun after the build
    (``build_command``); told "run make build" under --build-dir, a curator rebuilt build/, not
    the folder given, and was refused again."""
    build = build_command(build_dir, package)
    if build == "make build" and again == "make release":
        then = "run make build, then release (make release does both)"
    else:
        then = f"build it ({build}), then rerun: {again}"
    try:
        descriptor = json.loads(package.read_text(encoding="utf-8"))
        now = release_records.content_inputs(package, descriptor)
    except (OSError, ValueError) as error:
        return f"{package.name} could not be read ({error}): run {build}, which says what is wrong"
    try:
        built_descriptor = json.loads((build_dir / "datapackage.json").read_text(encoding="utf-8"))
        with sqlite3.connect(f"file:{build_dir / DATABASE_FILE}?mode=ro", uri=True) as conn:
            (inputs_json,) = conn.execute("SELECT content_inputs FROM dataset").fetchone()
        built = json.loads(inputs_json)
    except (OSError, ValueError, TypeError, sqlite3.Error) as error:
        return f"{build_dir} holds no complete build ({error}): {then}"
    changed = sorted(path for path in now.keys() | built.keys() if now.get(path) != built.get(path))
    if descriptor.get("version") != built_descriptor.get("version"):
        changed = sorted({*changed, f"version {built_descriptor.get('version')} -> {descriptor.get('version')}"})
    if not changed:
        return None
    return f"{build_dir} was built before the package changed ({', '.join(changed)}): {then}"


def make_release(
    build_dir: Path = BUILD,
    dist: Path = DIST,
    releases: Path = RELEASES,
    release_date: str | None = None,
    citation_file: Path | None = None,
    package: Path | None = None,
    again: str = "make release",
) -> Path:
    """Write dist/<version>/ (and, for a new version, record releases/<version>/ and copy its
    CITATION.cff to ``citation_file``); return the folder.

    ``citation_file``: the repository's CITATION.cff, which GitHub's "Cite this repository" and
    Zenodo read, so that it cites the newest release. By default the repository's own
    (ROOT/CITATION.cff) when ``releases`` is the repository's releases/, and none otherwise.

    ``build_dir``: a folder made by ``build.build_site``; with ``package`` (a datapackage.json),
    the build of that package as it is now (``stale_build_problem``). ``release_date``
    (YYYY-MM-DD) is used only when the version is recorded for the first time; it defaults to
    today's UTC date. A recorded version always keeps its recorded date, and another date given
    for it is refused. What a killed release left in ``dist`` and ``releases`` is removed first.
    ``again``: the command a refusal says to rerun (the one given, with its folders).
    Raises ReleaseRefused, RecordDamaged.
    """
    build_dir, dist, releases = Path(build_dir), Path(dist), Path(releases)
    if citation_file is None and releases.resolve() == RELEASES.resolve():
        citation_file = ROOT / "CITATION.cff"
    if package is not None:
        problem = stale_build_problem(build_dir, Path(package), again)
        if problem:
            raise ReleaseRefused(problem)
    for folder in (dist, releases):
        remove_stale_temporaries(folder)
    plan = plan_release(build_dir, releases, release_date, again)
    try:
        orphans = unrecorded_releases(dist, plan["recorded"], plan["version"])
        if orphans:
            listed = ", ".join(f"{dist / v}" for v in orphans)
            raise ReleaseRefused(
                f"{listed}: in {shown_folder(dist)}/ but recorded in no {shown_folder(releases)}/<version>/ "
                "(a release stopped before it was recorded, so no release carries it and the next would not "
                f"say what changed since): delete it, then rerun: {again}"
            )
        return _publish(build_dir, dist, releases, plan, citation_file)
    finally:
        close_plan(plan)


def _publish(build_dir: Path, dist: Path, releases: Path, plan: dict, citation_file: Path | None) -> Path:
    version = plan["version"]
    markdown = changelog.summary_markdown(
        version, plan["date"], plan["previous"], plan["summary"], plan["other_inputs"], plan["table_changes"]
    )

    dist.mkdir(parents=True, exist_ok=True)
    temporary = dist / f".{version}.{os.getpid()}.tmp"
    shutil.rmtree(temporary, ignore_errors=True)
    temporary.mkdir()
    try:
        write_dist(temporary, build_dir, releases, plan, markdown)
        check_dist(temporary)
        _replace_dir(temporary, dist / version)
    except BaseException:
        shutil.rmtree(temporary, ignore_errors=True)
        raise

    if plan["new"]:
        record = releases / f".{version}.{os.getpid()}.tmp"
        shutil.rmtree(record, ignore_errors=True)
        try:
            files = sorted(p.relative_to(dist / version).as_posix() for p in (dist / version).rglob("*") if p.is_file())
            write_text(record / "manifest.json", json_text(manifest_of(plan, files)))
            snapshot = plan["snapshot"]
            snapshot.seek(0)
            with (record / "figures.csv").open("w", encoding="utf-8", newline="") as handle:
                shutil.copyfileobj(snapshot, handle, 1 << 20)
            write_chunks(record / "changelog.csv", changelog_chunks(plan["changes"]))
            write_text(record / "CHANGELOG.md", markdown)
            _replace_dir(record, releases / version)
        except BaseException:
            shutil.rmtree(record, ignore_errors=True)
            raise
    # The newest release's citation, also when it is rerun: a release stopped between its record
    # and this left CITATION.cff at the release before, and the rerun (the version now recorded)
    # left it so. A rerun of an older version leaves it alone.
    newest = plan["new"] or version == next(reversed(plan["recorded"]), None)
    if citation_file is not None and newest:
        citation = (dist / version / "CITATION.cff").read_bytes()
        if not citation_file.exists() or citation_file.read_bytes() != citation:
            replace_file(citation_file, citation)
    return dist / version
