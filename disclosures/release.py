"""Make a citable release in dist/<version>/ from the built site folder, and record it.

A release is the built database (copied, never rebuilt), one CSV and one JSON file per table, a
datapackage.json whose resources carry ``bytes`` and a ``sha256:`` hash, SHA256SUMS,
CITATION.cff and a BibTeX entry, and a changelog of figures against the previous release
(changelog.csv, CHANGELOG.md and an Atom feed of new and corrected figures).

It reads only what the build wrote (``build/disclosures.db``, ``build/datapackage.json``) and
the committed records of earlier releases (``releases/``). A new version is recorded in
``releases/<version>/`` (see ``release_records``). Rerunning for a version already recorded
with the same content is harmless: dist/<version>/ is rewritten with the recorded date.

Refusals (``ReleaseRefused``, nothing written): content changed under a recorded version; a new
version with unchanged content; a version step smaller than the changes need (``versioning``);
a changed or removed figure with neither a corrections record nor a new source; a loopback or
missing ``homepage`` (it is the canonical URL every citation and feed link carries).
"""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
from collections import Counter
from datetime import UTC, date, datetime
from pathlib import Path

import sqlite_utils

from . import changelog, citation, feed, release_records, versioning
from .files import cell_text, csv_text, json_rows, json_text, query_dicts, read_csv, write_text
from .paths import BUILD, DIST, RELEASES
from .release_records import CHANGELOG_FIELDS, CHANGES, SNAPSHOT_FIELDS, ReleaseRefused
from .schema_sql import download_resource, quote_ident, reported_rows_sql
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


def built_figures(conn: sqlite3.Connection) -> dict[str, dict]:
    """Every figure a release publishes (reported and derived), as snapshot rows of text."""
    columns = ", ".join(quote_ident(f) for f in SNAPSHOT_FIELDS)
    rows = query_dicts(conn, f"SELECT {columns} FROM figures ORDER BY figure_id")
    return {row["figure_id"]: {k: cell_text(v) for k, v in row.items()} for row in rows}


def table_rows(conn: sqlite3.Connection, resource: dict) -> list[dict]:
    """A resource's rows as the database holds them (typed), only its schema's fields, by key."""
    rows = query_dicts(conn, reported_rows_sql(resource))
    key = resource["schema"]["primaryKey"]
    return sorted(rows, key=lambda r: tuple(cell_text(r[k]) for k in key))


# The plan ------------------------------------------------------------------------------------


def plan_release(build_dir: Path, releases: Path, release_date: str | None) -> dict:
    """Decide what this release is, from the built folder and the records (or ReleaseRefused).

    Returns version, date, previous, new (whether it must be recorded), recorded (the manifests
    read from ``releases``), inputs, content_hash,
    figures (snapshot rows), changes (changelog rows) and other_inputs (changed files besides
    the figures).
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
    with sqlite3.connect(f"file:{build_dir / DATABASE_FILE}?mode=ro", uri=True) as conn:
        (inputs_json,) = conn.execute("SELECT content_inputs FROM dataset").fetchone()
        figures = built_figures(conn)
        corrections = [
            {k: cell_text(v) for k, v in row.items()} for row in query_dicts(conn, "SELECT * FROM corrections")
        ]
    inputs = json.loads(inputs_json)
    digest = release_records.content_hash(inputs)
    recorded = release_records.recorded_releases(releases)

    if version in recorded:
        manifest = recorded[version]
        if manifest["content_hash"] != digest:
            changed = sorted(
                p for p in inputs.keys() | manifest["inputs"].keys() if inputs.get(p) != manifest["inputs"].get(p)
            )
            raise ReleaseRefused(
                f"content changed but the version did not: release {version} is recorded in "
                f'releases/{version}/ with other content (changed: {", ".join(changed)}). Bump "version" in '
                f"datapackage.json, then rerun: make release"
            )
        return {
            "version": version,
            "date": manifest["date"],
            "previous": manifest.get("previous"),
            "new": False,
            "inputs": inputs,
            "content_hash": digest,
            "figures": figures,
            "descriptor": descriptor,
            "changes": read_csv(releases / version / "changelog.csv"),
            "other_inputs": manifest.get("other_inputs", []),
            "recorded": recorded,
        }

    later = [v for v in recorded if release_records.parse_version(v) > release_records.parse_version(version)]
    if later:
        raise ReleaseRefused(
            f'version {version} is below the latest release {later[-1]}: set "version" in '
            f"datapackage.json above {later[-1]}"
        )
    previous = next(reversed(recorded), None)
    if previous is None:
        changes = changelog.diff_figures({}, figures, corrections)
        other_inputs: list[str] = []
    else:
        old = recorded[previous]
        if old["content_hash"] == digest:
            raise ReleaseRefused(
                f"nothing changed since release {previous}; do not bump the version: set "
                f'"version" in datapackage.json back to "{previous}"'
            )
        old_figures = {row["figure_id"]: row for row in read_csv(releases / previous / "figures.csv")}
        changes = changelog.diff_figures(old_figures, figures, corrections)
        unexplained = [c for c in changes if c["change"] in ("changed", "removed") and not c["reason"]]
        if unexplained:
            listed = "; ".join(
                f"{c['figure_id']} {c['old_value']} -> {c['new_value'] or '(removed)'}"
                f"{unmatched_corrections(c, corrections)}"
                for c in unexplained[:5]
            )
            raise ReleaseRefused(
                f"{len(unexplained)} figure(s) changed value with the same source, or were removed, with no "
                f"corrections record: {listed}. Add a row to data/corrections.csv (figure_id, old_value, new_value "
                f"- empty for a removal -, reason, source_id, corrected_date) or cite the new source, then rerun: "
                f"make release"
            )
        level, why = versioning.schema_change(old["schema"], versioning.schema_of(descriptor))
        figures_path = next(r for r in descriptor["resources"] if r["name"] == "figures")["path"]
        other_inputs = sorted(
            p
            for p in inputs.keys() | old["inputs"].keys()
            if p != figures_path and inputs.get(p) != old["inputs"].get(p)
        )
        content_changed = bool(other_inputs) or inputs.get(figures_path) != old["inputs"].get(figures_path)
        counts = Counter(c["change"] for c in changes)
        why = why + [f"{counts[name]} figure(s) {name}" for name in CHANGES if counts[name]]
        versioning.check_bump(previous, version, versioning.required_bump(changes, level, content_changed), why)
    released = release_date or datetime.now(UTC).date().isoformat()
    try:
        date.fromisoformat(released)
    except ValueError:
        raise ReleaseRefused(f"release date {released!r} is not YYYY-MM-DD") from None
    return {
        "version": version,
        "date": released,
        "previous": previous,
        "new": True,
        "inputs": inputs,
        "content_hash": digest,
        "figures": figures,
        "descriptor": descriptor,
        "changes": changes,
        "other_inputs": other_inputs,
        "recorded": recorded,
    }


def unmatched_corrections(change: dict, corrections: list[dict]) -> str:
    """Why a figure's corrections records did not explain its change, when it has any."""
    records = [r for r in corrections if r["figure_id"] == change["figure_id"]]
    if not records:
        return ""
    shown = ", ".join(f"{r['correction_id']} says {r['old_value']} -> {r['new_value'] or '(removed)'}" for r in records)
    return f" (data/corrections.csv has {shown}, which does not match the released {change['old_value']})"


def manifest_of(plan: dict, files: list[str]) -> dict:
    """The record of a release, as releases/<version>/manifest.json holds it."""
    return {
        "version": plan["version"],
        "date": plan["date"],
        "previous": plan["previous"],
        "content_hash": plan["content_hash"],
        "inputs": plan["inputs"],
        "other_inputs": plan["other_inputs"],
        "schema": versioning.schema_of(plan["descriptor"]),
        "counts": {name: sum(1 for c in plan["changes"] if c["change"] == name) for name in CHANGES},
        "figures": len(plan["figures"]),
        "files": files,
    }


# Release files -------------------------------------------------------------------------------


def file_resource(name: str, path: str, title: str, fmt: str, mediatype: str, data: bytes, description: str) -> dict:
    return {
        "name": name,
        "path": path,
        "title": title,
        "description": description,
        "profile": "data-resource",
        "format": fmt,
        "mediatype": mediatype,
        "bytes": len(data),
        "hash": "sha256:" + release_records.sha256_bytes(data),
    }


# Every file a release holds, besides one CSV and one JSON per table.
FIXED_FILES = [
    "CHANGELOG.md",
    "CITATION.bib",
    "CITATION.cff",
    "SHA256SUMS",
    "changelog.csv",
    "datapackage.json",
    DATABASE_FILE,
    "feed.atom",
]


def release_files(descriptor: dict) -> list[str]:
    tables = [r["name"] for r in descriptor["resources"]]
    return sorted(FIXED_FILES + [f"csv/{t}.csv" for t in tables] + [f"json/{t}.json" for t in tables])


def write_dist(folder: Path, build_dir: Path, releases: Path, plan: dict, markdown: str) -> None:
    """Every file of dist/<version>/ into ``folder`` (a fresh temporary directory)."""
    descriptor, version, released, changes = plan["descriptor"], plan["version"], plan["date"], plan["changes"]
    database = folder / DATABASE_FILE
    shutil.copyfile(build_dir / DATABASE_FILE, database)
    # The copy says it is this release: the same release tables the next build will write.
    recorded = {**plan["recorded"], version: manifest_of(plan, release_files(descriptor))}
    changelogs = {v: read_csv(releases / v / "changelog.csv") for v in recorded if v != version}
    changelogs[version] = changes
    with sqlite3.connect(database) as conn:
        conn.execute("PRAGMA foreign_keys = ON")
        with conn:
            release_records.write_release_tables(
                sqlite_utils.Database(conn), descriptor, plan["inputs"], recorded, changelogs
            )
        conn.execute("VACUUM")
        atom = feed.release_feed(conn, version)
        resources, extra = [], []
        for resource in map(download_resource, descriptor["resources"]):
            fields = [f["name"] for f in resource["schema"]["fields"]]
            rows = table_rows(conn, resource)
            csv_bytes = csv_text(fields, [{k: cell_text(v) for k, v in r.items()} for r in rows]).encode("utf-8")
            write_text(folder / "csv" / f"{resource['name']}.csv", csv_bytes)
            resources.append(
                dict(
                    resource,
                    path=f"csv/{resource['name']}.csv",
                    bytes=len(csv_bytes),
                    hash="sha256:" + release_records.sha256_bytes(csv_bytes),
                )
            )
            json_bytes = json_rows(rows).encode("utf-8")
            write_text(folder / "json" / f"{resource['name']}.json", json_bytes)
            extra.append(
                file_resource(
                    f"{resource['name']}_json",
                    f"json/{resource['name']}.json",
                    f"{resource.get('title', resource['name'])} (JSON)",
                    "json",
                    "application/json",
                    json_bytes,
                    f"The {resource['name']} table as a JSON array of objects, "
                    "typed by the table schema of the CSV resource of the same name.",
                )
            )

    changelog_bytes = csv_text(CHANGELOG_FIELDS, changes).encode("utf-8")
    write_text(folder / "changelog.csv", changelog_bytes)
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
            "bytes": len(changelog_bytes),
            "hash": "sha256:" + release_records.sha256_bytes(changelog_bytes),
            "schema": CHANGELOG_SCHEMA,
        }
    )
    extra.insert(
        0,
        file_resource(
            "database",
            DATABASE_FILE,
            "SQLite database",
            "sqlite",
            "application/vnd.sqlite3",
            database.read_bytes(),
            "Every table in one SQLite database, with the figures the "
            "build derives (figures.is_derived = 1, figure_inputs) and series_members.",
        ),
    )

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
    write_text(
        folder / "SHA256SUMS",
        "".join(f"{release_records.sha256_bytes((folder / name).read_bytes())}  {name}\n" for name in files),
    )


def check_dist(folder: Path) -> None:
    """The released package must pass the standard Frictionless validation, hashes included."""
    import frictionless

    report = frictionless.Package(str(folder / "datapackage.json")).validate()
    if not report.valid:
        errors = [f"{task.name}: {error.message}" for task in report.tasks for error in task.errors]
        errors += [error.message for error in report.errors]
        raise ReleaseRefused("the released datapackage.json does not validate: " + "; ".join(errors[:5]))


# The release -------------------------------------------------------------------------------


def _replace_dir(temporary: Path, target: Path) -> None:
    old = target.with_name(f".{target.name}.old.{os.getpid()}")
    if target.exists():
        os.replace(target, old)
    os.replace(temporary, target)
    shutil.rmtree(old, ignore_errors=True)


def make_release(
    build_dir: Path = BUILD, dist: Path = DIST, releases: Path = RELEASES, release_date: str | None = None
) -> Path:
    """Write dist/<version>/ (and record releases/<version>/ for a new version); return the folder.

    ``build_dir``: a folder made by ``build.build_site``. ``release_date`` (YYYY-MM-DD) is used
    only when the version is recorded for the first time; it defaults to today's UTC date. A
    recorded version always keeps its recorded date. Raises ReleaseRefused.
    """
    build_dir, dist, releases = Path(build_dir), Path(dist), Path(releases)
    plan = plan_release(build_dir, releases, release_date)
    version = plan["version"]

    platforms = {fid: row["platform_id"] for fid, row in plan["figures"].items()}
    if plan["previous"]:
        old = read_csv(releases / plan["previous"] / "figures.csv")
        platforms = {row["figure_id"]: row["platform_id"] for row in old} | platforms
    markdown = changelog.changelog_markdown(
        version, plan["date"], plan["previous"], plan["changes"], platforms, plan["other_inputs"]
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
            snapshot = [plan["figures"][fid] for fid in sorted(plan["figures"])]
            write_text(record / "figures.csv", csv_text(SNAPSHOT_FIELDS, snapshot))
            write_text(record / "changelog.csv", csv_text(CHANGELOG_FIELDS, plan["changes"]))
            write_text(record / "CHANGELOG.md", markdown)
            _replace_dir(record, releases / version)
        except BaseException:
            shutil.rmtree(record, ignore_errors=True)
            raise
    return dist / version
