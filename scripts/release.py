"""Make a citable release in dist/<version>/ and record it under releases/<version>/.

A release is the database, one CSV and one JSON file per table, a datapackage.json whose
resources carry ``bytes`` and a ``sha256:`` hash, SHA256SUMS, CITATION.cff and a BibTeX entry,
and a changelog of figures against the previous release (changelog.csv, CHANGELOG.md and an
Atom feed of new and corrected figures).

The previous release is recoverable from the repository itself: each release records
``releases/<version>/manifest.json`` (version, date, content hash, schema) and a snapshot of the
figures (``releases/<version>/figures.csv``) and its changelog. dist/ is never committed.

Rules (semantic versioning for data):
    * a schema break (a resource's fields or key changed, or a resource removed): major bump;
    * figures added (or a new resource): at least a minor bump;
    * figures corrected or removed, or any other content change: at least a patch bump;
    * content changed under a recorded version, or a new version with unchanged content: refused;
    * a figure whose value changed needs a corrections record or a new source.
Rerunning for a version already recorded with the same content is harmless: dist/<version>/
is rebuilt with the recorded date, and releases/ is left as it is.

Example:
    python scripts/release.py                      # dist/<version>/ and releases/<version>/
    python scripts/release.py --date 2026-11-28    # the date recorded for a new version
    python scripts/release.py --info               # what the site shows, as JSON
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import io
import json
import os
import re
import shutil
import sys
import uuid
from collections import Counter
from datetime import date, datetime, timezone
from pathlib import Path
from xml.sax.saxutils import escape

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    import build  # type: ignore[no-redef]
    import validate  # type: ignore[no-redef]
else:
    from . import build, validate

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "datapackage.json"
DIST = ROOT / "dist"
RELEASES = ROOT / "releases"

SEMVER = re.compile(r"^(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)$")
BUMPS = ("patch", "minor", "major")
CHANGES = ("added", "changed", "removed")
CHANGELOG_FIELDS = ["change", "figure_id", "old_value", "new_value", "old_source_id", "new_source_id", "reason"]
# What a release remembers of each figure: enough to diff values and sources, and to summarise.
SNAPSHOT_FIELDS = ["figure_id", "platform_id", "jurisdiction_id", "period_start", "period_end", "request_type_id",
                   "metric_id", "value_kind", "value", "value_low", "value_high", "source_id", "derivation"]
DATABASE_NAME = "disclosures.db"
# CHANGELOG.md lists each change up to this many per section, then summarises by platform.
PROSE_LIMIT = 100

CHANGELOG_SCHEMA = {
    "fields": [
        {"name": "change", "type": "string", "title": "Change",
         "description": "added: new in this release; changed: value or source differs from the previous release; "
                        "removed: no longer in the data.",
         "constraints": {"required": True, "enum": list(CHANGES)}},
        {"name": "figure_id", "type": "string", "title": "Figure", "description": "The figure's stable id.",
         "constraints": {"required": True}},
        {"name": "old_value", "type": "string", "title": "Old value",
         "description": "The value in the previous release (number, low-high band, <N, withheld or not_reported); "
                        "empty when added."},
        {"name": "new_value", "type": "string", "title": "New value",
         "description": "The value in this release, written like the old value; empty when removed."},
        {"name": "old_source_id", "type": "string", "title": "Old source",
         "description": "The figure's source in the previous release; empty when added."},
        {"name": "new_source_id", "type": "string", "title": "New source",
         "description": "The figure's source in this release; empty when removed."},
        {"name": "reason", "type": "string", "title": "Reason",
         "description": "From the data: the corrections record, the new source, or the figure's source when added.",
         "constraints": {"required": True}},
    ],
    "primaryKey": ["change", "figure_id"],
    "missingValues": [""],
}


class ReleaseRefused(Exception):
    """The release would not be honest or reproducible; the message says what to change."""


# Pure helpers ------------------------------------------------------------------------------


def parse_version(text: str) -> tuple[int, int, int]:
    match = SEMVER.match(text or "")
    if not match:
        raise ReleaseRefused(f"datapackage.json: version {text!r} is not MAJOR.MINOR.PATCH (e.g. 1.2.0)")
    return tuple(int(part) for part in match.groups())  # type: ignore[return-value]


def bump_kind(old: str, new: str) -> str | None:
    """"major", "minor" or "patch" for a step up from ``old`` to ``new``; None when they are equal."""
    a, b = parse_version(old), parse_version(new)
    if b < a:
        raise ReleaseRefused(f"version {new} is lower than the released {old}")
    if b == a:
        return None
    if b[0] != a[0]:
        return "major"
    return "minor" if b[1] != a[1] else "patch"


def value_text(row: dict) -> str:
    """A figure's value as one comparable string: 900, 0-499 (band), <500, withheld, not_reported."""
    kind = row.get("value_kind") or ""
    if kind == "exact":
        return row.get("value") or ""
    if kind == "band":
        return f"{row.get('value_low') or ''}-{row.get('value_high') or ''}"
    if kind == "less_than":
        return f"<{row.get('value_high') or ''}"
    return kind


def release_figures(package_path: Path, descriptor: dict) -> dict[str, dict]:
    """Every figure a release publishes, as snapshot rows: the reported ones and those the build derives."""
    figures_resource = next(r for r in descriptor["resources"] if r["name"] == "figures")
    figures = {row["figure_id"]: {k: row.get(k, "") for k in SNAPSHOT_FIELDS}
               for row in read_csv(package_path.parent / figures_resource["path"])}
    tables = build.read_typed_rows(package_path, descriptor)
    units = {m["metric_id"]: m["unit"] for m in tables.get("metrics", [])}
    for derived in build.derive_figures(tables["figures"], units):
        figures[derived.row["figure_id"]] = {k: "" if derived.row.get(k) is None else str(derived.row[k])
                                             for k in SNAPSHOT_FIELDS}
    return dict(sorted(figures.items()))


def _latest_record(records: list[dict], old_value: str, new_value: str) -> dict | None:
    matching = [r for r in records if r["old_value"] == old_value and (r.get("new_value") or "") == new_value]
    return max(matching, key=lambda r: (r["corrected_date"], r["correction_id"])) if matching else None


def _record_reason(record: dict) -> str:
    return (f"correction {record['correction_id']} ({record['corrected_date']}, "
            f"source: {record['source_id']}): {record['reason']}")


def diff_figures(old: dict[str, dict], new: dict[str, dict], corrections: list[dict] = ()) -> list[dict]:
    """Added, changed (value or source) and removed figures, sorted by change then figure id.

    The reason comes from the data: the latest corrections record whose figure, old and new value
    match; otherwise "new source: <id>" when the source changed; for an added figure its source.
    A changed figure with neither gets reason "" (make_release refuses it).
    """
    by_figure: dict[str, list[dict]] = {}
    for record in corrections:
        by_figure.setdefault(record["figure_id"], []).append(record)
    rows = []
    for figure_id in sorted(old.keys() | new.keys()):
        before, after = old.get(figure_id), new.get(figure_id)
        if before is None:
            reason = f"derived: {after['derivation']}" if after.get("derivation") else \
                f"source: {after.get('source_id') or 'unknown'}"
            rows.append({"change": "added", "figure_id": figure_id, "old_value": "", "new_value": value_text(after),
                         "old_source_id": "", "new_source_id": after.get("source_id") or "", "reason": reason})
        elif after is None:
            removal = _latest_record(by_figure.get(figure_id, []), value_text(before), "")
            if removal:
                reason = _record_reason(removal)
            elif before.get("derivation"):
                # The build stops deriving a period once a source reports it or an input is gone.
                reason = f"no longer derived (was {before['derivation']})"
            else:
                reason = ""
            rows.append({"change": "removed", "figure_id": figure_id, "old_value": value_text(before),
                         "new_value": "", "old_source_id": before.get("source_id") or "", "new_source_id": "",
                         "reason": reason})
        else:
            old_value, new_value = value_text(before), value_text(after)
            old_source, new_source = before.get("source_id") or "", after.get("source_id") or ""
            if old_value == new_value and old_source == new_source:
                continue
            record = _latest_record(by_figure.get(figure_id, []), old_value, new_value)
            if record:
                reason = _record_reason(record)
            elif after.get("derivation"):
                reason = f"derived: {after['derivation']} (its inputs changed)"
            elif old_source != new_source:
                reason = f"new source: {new_source}"
            else:
                reason = ""
            rows.append({"change": "changed", "figure_id": figure_id, "old_value": old_value, "new_value": new_value,
                         "old_source_id": old_source, "new_source_id": new_source, "reason": reason})
    return sorted(rows, key=lambda r: (CHANGES.index(r["change"]), r["figure_id"]))


def schema_of(descriptor: dict) -> dict[str, dict]:
    """What a schema break is judged on: each resource's field names and types, in order, and its key."""
    return {r["name"]: {"fields": [f"{f['name']}:{f.get('type', 'any')}" for f in r.get("schema", {}).get("fields", [])],
                        "primaryKey": list(r.get("schema", {}).get("primaryKey", []))}
            for r in descriptor.get("resources", [])}


def schema_change(old: dict[str, dict], new: dict[str, dict]) -> tuple[str | None, list[str]]:
    """("major", why) when a resource was removed or its fields or key changed; ("minor", why) when one was added."""
    broken = [f"resource {name} removed" for name in sorted(old.keys() - new.keys())]
    broken += [f"fields or key of {name} changed" for name in sorted(old.keys() & new.keys()) if old[name] != new[name]]
    if broken:
        return "major", broken
    added = [f"resource {name} added" for name in sorted(new.keys() - old.keys())]
    return ("minor", added) if added else (None, [])


def required_bump(changes: list[dict], schema_level: str | None, content_changed: bool) -> str | None:
    """The smallest version step that honestly describes the release."""
    kinds = {c["change"] for c in changes}
    if schema_level == "major":
        return "major"
    if schema_level == "minor" or "added" in kinds:
        return "minor"
    if kinds or content_changed:
        return "patch"
    return None


def check_bump(previous: str, version: str, required: str | None, why: list[str] = ()) -> None:
    """Refuse a version step smaller than ``required`` (a bigger step is allowed)."""
    actual = bump_kind(previous, version)
    if required is None:
        raise ReleaseRefused(f"nothing changed since release {previous}; do not bump the version: "
                             f"set \"version\" in datapackage.json back to \"{previous}\"")
    if actual is None:
        raise ReleaseRefused(f"content changed since release {previous} but the version did not: "
                             f"bump \"version\" in datapackage.json ({required} at least)")
    if BUMPS.index(actual) < BUMPS.index(required):
        reasons = "; ".join(why) if why else ""
        raise ReleaseRefused(
            f"{previous} -> {version} is a {actual} bump, but this release needs a {required} bump"
            f"{' (' + reasons + ')' if reasons else ''}: set \"version\" in datapackage.json to {suggest(previous, required)}")


def suggest(previous: str, bump: str) -> str:
    major, minor, patch = parse_version(previous)
    if bump == "major":
        return f"{major + 1}.0.0"
    if bump == "minor":
        return f"{major}.{minor + 1}.0"
    return f"{major}.{minor}.{patch + 1}"


def sha256_bytes(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def content_inputs(package_path: Path, descriptor: dict) -> dict[str, str]:
    """Hashes of everything a release is made from; the descriptor without its version field."""
    unversioned = {k: v for k, v in descriptor.items() if k != "version"}
    canonical = json.dumps(unversioned, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    inputs = {"datapackage.json": "sha256:" + sha256_bytes(canonical.encode("utf-8"))}
    for resource in descriptor.get("resources", []):
        inputs[resource["path"]] = "sha256:" + sha256_bytes((package_path.parent / resource["path"]).read_bytes())
    return dict(sorted(inputs.items()))


def content_hash(inputs: dict[str, str]) -> str:
    text = "".join(f"{digest}  {path}\n" for path, digest in sorted(inputs.items()))
    return "sha256:" + sha256_bytes(text.encode("utf-8"))


def csv_text(fields: list[str], rows: list[dict]) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=fields, lineterminator="\n", extrasaction="ignore")
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue()


def read_csv(path: Path) -> list[dict]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def tilde_encode(text: str) -> str:
    """Datasette's encoding of a primary key in a row URL."""
    return "".join(ch if re.match(r"[A-Za-z0-9_-]", ch) else "".join(f"~{b:02X}" for b in ch.encode("utf-8"))
                   for ch in text)


# Release records (committed) ---------------------------------------------------------------


def recorded_releases(releases: Path = RELEASES) -> dict[str, dict]:
    """Every recorded release's manifest, by version, in version order."""
    found = {}
    if releases.is_dir():
        for manifest in releases.glob("*/manifest.json"):
            data = json.loads(manifest.read_text(encoding="utf-8"))
            if SEMVER.match(manifest.parent.name) and data.get("version") == manifest.parent.name:
                found[data["version"]] = data
    return dict(sorted(found.items(), key=lambda item: parse_version(item[0])))


def write_text(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(text.encode("utf-8"))


def json_text(data) -> str:
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"


# Release files -----------------------------------------------------------------------------


def changelog_markdown(version: str, released: str, previous: str | None, changes: list[dict],
                       platforms: dict[str, str], other_inputs: list[str]) -> str:
    counts = Counter(c["change"] for c in changes)
    lines = [f"# Platform Disclosures {version} ({released})", ""]
    if previous:
        lines.append(f"Changes to the figures since release {previous}.")
    else:
        lines.append("The first release: every figure is new.")
    lines += ["", " · ".join(f"{name.capitalize()}: {counts[name]}" for name in CHANGES)
              + ". The same list as data: `changelog.csv`.", ""]
    headings = {"added": "Added figures", "changed": "Changed figures", "removed": "Removed figures"}
    for name in CHANGES:
        rows = [c for c in changes if c["change"] == name]
        if not rows:
            continue
        lines += [f"## {headings[name]} ({len(rows)})", ""]
        if len(rows) > PROSE_LIMIT:
            by_platform = Counter(platforms.get(c["figure_id"], "unknown") for c in rows)
            lines += [f"- {platform}: {n}" for platform, n in sorted(by_platform.items())]
            lines += ["", "Each figure is listed in `changelog.csv`.", ""]
            continue
        for c in rows:
            if name == "added":
                lines.append(f"- `{c['figure_id']}`: {c['new_value']} ({c['reason']})")
            elif name == "changed":
                lines.append(f"- `{c['figure_id']}`: {c['old_value']} → {c['new_value']}. {c['reason']}")
            else:
                lines.append(f"- `{c['figure_id']}`: was {c['old_value']}; {c['reason']}")
        lines.append("")
    if other_inputs:
        lines += ["## Other changes", "", "Files whose content changed besides the figures' values and sources:", ""]
        lines += [f"- `{path}`" for path in other_inputs] + [""]
    return "\n".join(lines).rstrip("\n") + "\n"


def atom_feed(descriptor: dict, version: str, released: str, changes: list[dict]) -> str:
    homepage = descriptor.get("homepage", "")
    updated = f"{released}T00:00:00Z"
    title = descriptor.get("title", descriptor.get("name", ""))
    feed_id = uuid.uuid5(uuid.NAMESPACE_URL, f"{homepage}#{descriptor.get('name')}/{version}")
    author = (descriptor.get("contributors") or [{"title": "maintainers"}])[0]["title"]
    lines = ['<?xml version="1.0" encoding="utf-8"?>', '<feed xmlns="http://www.w3.org/2005/Atom">',
             f"  <id>urn:uuid:{feed_id}</id>",
             f"  <title>{escape(title)} {version}: new and corrected figures</title>",
             f"  <updated>{updated}</updated>",
             f"  <author><name>{escape(author)}</name></author>",
             f'  <link rel="alternate" href="{escape(homepage)}"/>']
    for c in changes:
        if c["change"] == "removed":
            continue
        entry_id = uuid.uuid5(uuid.NAMESPACE_URL, f"{homepage}#{version}/{c['change']}/{c['figure_id']}")
        if c["change"] == "added":
            headline = f"New figure {c['figure_id']}: {c['new_value']}"
        else:
            headline = f"Corrected figure {c['figure_id']}: {c['old_value']} → {c['new_value']}"
        link = f"{homepage}disclosures/figures/{tilde_encode(c['figure_id'])}"
        lines += ["  <entry>", f"    <id>urn:uuid:{entry_id}</id>", f"    <title>{escape(headline)}</title>",
                  f"    <updated>{updated}</updated>", f'    <link rel="alternate" href="{escape(link)}"/>',
                  f"    <summary>{escape(c['reason'])}</summary>", "  </entry>"]
    lines.append("</feed>")
    return "\n".join(lines) + "\n"


def _yaml(value: str) -> str:
    return json.dumps(value, ensure_ascii=False)


def citation_cff(descriptor: dict, version: str, released: str) -> str:
    authors = [c["title"] for c in descriptor.get("contributors", []) if c.get("role", "author") == "author"]
    licence = (descriptor.get("licenses") or [{}])[0].get("name", "")
    lines = ["cff-version: 1.2.0", 'message: "If you use these data, please cite this release as below."',
             "type: dataset", f"title: {_yaml(descriptor.get('title', ''))}", f"version: {_yaml(version)}",
             f"date-released: {_yaml(released)}", f"abstract: {_yaml(descriptor.get('description', ''))}",
             "authors:"]
    lines += [f"  - name: {_yaml(name)}" for name in authors or ["Platform Disclosures maintainers"]]
    if licence:
        lines.append(f"license: {_yaml(licence)}")
    if descriptor.get("homepage"):
        lines.append(f"url: {_yaml(descriptor['homepage'])}")
    if descriptor.get("keywords"):
        lines.append("keywords:")
        lines += [f"  - {_yaml(k)}" for k in descriptor["keywords"]]
    return "\n".join(lines) + "\n"


def _bib(text: str) -> str:
    return re.sub(r"([&%$#_{}])", r"\\\1", text)


def citation_bib(descriptor: dict, version: str, released: str) -> str:
    year, month, _ = released.split("-")
    months = "jan feb mar apr may jun jul aug sep oct nov dec".split()
    authors = " and ".join("{" + _bib(c["title"]) + "}" for c in descriptor.get("contributors", [])
                           if c.get("role", "author") == "author") or "{Platform Disclosures maintainers}"
    key = re.sub(r"[^a-z0-9]+", "_", f"{descriptor.get('name', 'dataset')}_{version}")
    licence = (descriptor.get("licenses") or [{}])[0].get("name", "")
    fields = [("title", "{" + _bib(descriptor.get("title", "")) + "}"), ("author", authors), ("year", year),
              ("month", months[int(month) - 1]), ("date", released), ("version", version),
              ("url", descriptor.get("homepage", "")),
              ("note", f"Dataset, version {version}, released {released}" + (f". Licence: {licence}" if licence else ""))]
    body = ",\n".join(f"  {name} = {{{value}}}" for name, value in fields if value)
    return f"@misc{{{key},\n{body}\n}}\n"


def json_rows(rows: list[dict]) -> str:
    """An array of objects, one object per line: valid JSON that diffs well."""
    if not rows:
        return "[]\n"
    return "[\n" + ",\n".join(json.dumps(r, ensure_ascii=False) for r in rows) + "\n]\n"


def file_resource(name: str, path: str, title: str, fmt: str, mediatype: str, data: bytes, description: str) -> dict:
    return {"name": name, "path": path, "title": title, "description": description, "profile": "data-resource",
            "format": fmt, "mediatype": mediatype, "bytes": len(data), "hash": "sha256:" + sha256_bytes(data)}


def write_dist(folder: Path, package_path: Path, descriptor: dict, version: str, released: str,
               changes: list[dict], markdown: str) -> None:
    """Every file of dist/<version>/ into ``folder`` (a fresh temporary directory)."""
    build.build_database(package_path, folder / DATABASE_NAME)
    typed = build.read_typed_rows(package_path, descriptor)

    resources, extra = [], []
    for resource in descriptor["resources"]:
        fields = [f["name"] for f in resource["schema"]["fields"]]
        key = resource["schema"]["primaryKey"]
        rows = sorted(read_csv(package_path.parent / resource["path"]), key=lambda r: tuple(r[k] for k in key))
        csv_bytes = csv_text(fields, rows).encode("utf-8")
        write_text(folder / "csv" / f"{resource['name']}.csv", csv_bytes.decode("utf-8"))
        released_resource = dict(resource, path=f"csv/{resource['name']}.csv", bytes=len(csv_bytes),
                                 hash="sha256:" + sha256_bytes(csv_bytes))
        resources.append(released_resource)
        json_bytes = json_rows([{f: row[f] for f in fields} for row in typed[resource["name"]]]).encode("utf-8")
        write_text(folder / "json" / f"{resource['name']}.json", json_bytes.decode("utf-8"))
        extra.append(file_resource(f"{resource['name']}_json", f"json/{resource['name']}.json",
                                   f"{resource.get('title', resource['name'])} (JSON)", "json", "application/json",
                                   json_bytes, f"The {resource['name']} table as a JSON array of objects, "
                                               "typed by the table schema of the CSV resource of the same name."))

    changelog_bytes = csv_text(CHANGELOG_FIELDS, changes).encode("utf-8")
    write_text(folder / "changelog.csv", changelog_bytes.decode("utf-8"))
    resources.append({"name": "changelog", "path": "changelog.csv", "title": "Changelog of figures",
                      "description": "Figures added, changed and removed since the previous release, with the reason.",
                      "profile": "tabular-data-resource", "scheme": "file", "format": "csv", "mediatype": "text/csv",
                      "encoding": "utf-8", "bytes": len(changelog_bytes),
                      "hash": "sha256:" + sha256_bytes(changelog_bytes), "schema": CHANGELOG_SCHEMA})
    db_bytes = (folder / DATABASE_NAME).read_bytes()
    extra.insert(0, file_resource("database", DATABASE_NAME, "SQLite database", "sqlite", "application/vnd.sqlite3",
                                  db_bytes, "Every table in one SQLite database, with the figures the build "
                                            "derives (figures.is_derived = 1, figure_inputs) and series_members."))

    write_text(folder / "CHANGELOG.md", markdown)
    write_text(folder / "feed.atom", atom_feed(descriptor, version, released, changes))
    write_text(folder / "CITATION.cff", citation_cff(descriptor, version, released))
    write_text(folder / "CITATION.bib", citation_bib(descriptor, version, released))

    released_descriptor = dict(descriptor, created=f"{released}T00:00:00Z", resources=resources + extra)
    if released_descriptor.get("sources"):
        released_descriptor["sources"] = [
            dict(s, path=f"csv/{Path(s['path']).stem}.csv") if s.get("path", "").startswith("data/") else s
            for s in released_descriptor["sources"]]
    write_text(folder / "datapackage.json", json_text(released_descriptor))

    files = sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file())
    write_text(folder / "SHA256SUMS",
               "".join(f"{sha256_bytes((folder / name).read_bytes())}  {name}\n" for name in files))


def check_dist(folder: Path) -> None:
    """The released package must pass the standard Frictionless validation, hashes included."""
    import frictionless

    report = frictionless.Package(str(folder / "datapackage.json")).validate()
    if not report.valid:
        errors = [f"{task.name}: {error.message}" for task in report.tasks for error in task.errors]
        errors += [error.message for error in report.errors]
        raise build.BuildFailed("the released datapackage.json does not validate: " + "; ".join(errors[:5]))


# The release -------------------------------------------------------------------------------


def plan_release(package_path: Path, descriptor: dict, releases: Path, release_date: str | None) -> dict:
    """Decide what this release is (or refuse): version, date, previous release, changes."""
    version = descriptor.get("version", "")
    parse_version(version)
    inputs = content_inputs(package_path, descriptor)
    digest = content_hash(inputs)
    recorded = recorded_releases(releases)
    figures = release_figures(package_path, descriptor)

    if version in recorded:
        manifest = recorded[version]
        if manifest["content_hash"] != digest:
            changed = sorted(p for p in inputs.keys() | manifest["inputs"].keys()
                             if inputs.get(p) != manifest["inputs"].get(p))
            raise ReleaseRefused(
                f"content changed but the version did not: release {version} is recorded in "
                f"releases/{version}/ with other content (changed: {', '.join(changed)}). Bump \"version\" in "
                f"datapackage.json, then rerun: make release")
        changes = read_csv(releases / version / "changelog.csv")
        return {"version": version, "date": manifest["date"], "previous": manifest.get("previous"), "new": False,
                "inputs": inputs, "content_hash": digest, "figures": figures, "changes": changes,
                "other_inputs": manifest.get("other_inputs", [])}

    later = [v for v in recorded if parse_version(v) > parse_version(version)]
    if later:
        raise ReleaseRefused(f"version {version} is below the latest release {later[-1]}: set \"version\" in "
                             f"datapackage.json above {later[-1]}")
    previous = next(reversed(recorded), None)
    corrections_resource = next((r for r in descriptor["resources"] if r["name"] == "corrections"), None)
    corrections = read_csv(package_path.parent / corrections_resource["path"]) if corrections_resource else []
    if previous is None:
        changes = diff_figures({}, figures, corrections)
        other_inputs: list[str] = []
    else:
        old = recorded[previous]
        if old["content_hash"] == digest:
            raise ReleaseRefused(f"nothing changed since release {previous}; do not bump the version: set "
                                 f"\"version\" in datapackage.json back to \"{previous}\"")
        old_figures = {row["figure_id"]: row for row in read_csv(releases / previous / "figures.csv")}
        changes = diff_figures(old_figures, figures, corrections)
        unexplained = [c for c in changes if c["change"] in ("changed", "removed") and not c["reason"]]
        if unexplained:
            listed = "; ".join(f"{c['figure_id']} {c['old_value']} -> {c['new_value'] or '(removed)'}"
                               for c in unexplained[:5])
            raise ReleaseRefused(
                f"{len(unexplained)} figure(s) changed value with the same source, or were removed, with no "
                f"corrections record: {listed}. Add a row to data/corrections.csv (figure_id, old_value, new_value "
                f"- empty for a removal -, reason, source_id, corrected_date) or cite the new source, then rerun: "
                f"make release")
        level, why = schema_change(old["schema"], schema_of(descriptor))
        figures_path = next(r for r in descriptor["resources"] if r["name"] == "figures")["path"]
        other_inputs = sorted(p for p in inputs.keys() | old["inputs"].keys()
                              if p != figures_path and inputs.get(p) != old["inputs"].get(p))
        content_changed = bool(other_inputs) or inputs.get(figures_path) != old["inputs"].get(figures_path)
        counts = Counter(c["change"] for c in changes)
        why = why + [f"{counts[name]} figure(s) {name}" for name in CHANGES if counts[name]]
        check_bump(previous, version, required_bump(changes, level, content_changed), why)
    released = release_date or datetime.now(timezone.utc).date().isoformat()
    try:
        date.fromisoformat(released)
    except ValueError:
        raise ReleaseRefused(f"release date {released!r} is not YYYY-MM-DD") from None
    return {"version": version, "date": released, "previous": previous, "new": True, "inputs": inputs,
            "content_hash": digest, "figures": figures, "changes": changes, "other_inputs": other_inputs}


def _replace_dir(temporary: Path, target: Path) -> None:
    old = target.with_name(f".{target.name}.old.{os.getpid()}")
    if target.exists():
        os.replace(target, old)
    os.replace(temporary, target)
    shutil.rmtree(old, ignore_errors=True)


def make_release(package_path: Path = PACKAGE, dist: Path = DIST, releases: Path = RELEASES,
                 release_date: str | None = None) -> Path:
    """Write dist/<version>/ (and record releases/<version>/ for a new version); return the folder.

    ``release_date`` (YYYY-MM-DD) is used only when the version is recorded for the first time;
    it defaults to today's UTC date. A recorded version always keeps its recorded date.
    """
    package_path, dist, releases = Path(package_path), Path(dist), Path(releases)
    problems = validate.validate_package(package_path, base=package_path.parent)
    if problems:
        raise validate.ValidationFailed(problems)
    descriptor = json.loads(package_path.read_text(encoding="utf-8"))
    plan = plan_release(package_path, descriptor, releases, release_date)
    version, released = plan["version"], plan["date"]

    platforms = {fid: row["platform_id"] for fid, row in plan["figures"].items()}
    if plan["previous"]:
        old = read_csv(releases / plan["previous"] / "figures.csv")
        platforms = {row["figure_id"]: row["platform_id"] for row in old} | platforms
    markdown = changelog_markdown(version, released, plan["previous"], plan["changes"], platforms,
                                  plan["other_inputs"])

    dist.mkdir(parents=True, exist_ok=True)
    temporary = dist / f".{version}.{os.getpid()}.tmp"
    shutil.rmtree(temporary, ignore_errors=True)
    temporary.mkdir()
    try:
        write_dist(temporary, package_path, descriptor, version, released, plan["changes"], markdown)
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
            manifest = {
                "version": version, "date": released, "previous": plan["previous"],
                "content_hash": plan["content_hash"], "inputs": plan["inputs"],
                "other_inputs": plan["other_inputs"], "schema": schema_of(descriptor),
                "counts": {name: sum(1 for c in plan["changes"] if c["change"] == name) for name in CHANGES},
                "figures": len(plan["figures"]), "files": files,
            }
            write_text(record / "manifest.json", json_text(manifest))
            snapshot = [plan["figures"][fid] for fid in sorted(plan["figures"])]
            write_text(record / "figures.csv", csv_text(SNAPSHOT_FIELDS, snapshot))
            write_text(record / "changelog.csv", csv_text(CHANGELOG_FIELDS, plan["changes"]))
            write_text(record / "CHANGELOG.md", markdown)
            _replace_dir(record, releases / version)
        except BaseException:
            shutil.rmtree(record, ignore_errors=True)
            raise
    return dist / version


# For the site ------------------------------------------------------------------------------


def release_state(package_path: Path = PACKAGE, releases: Path = RELEASES) -> str:
    """'released' when the data is exactly a recorded release, else a sentence saying how it differs."""
    descriptor = json.loads(Path(package_path).read_text(encoding="utf-8"))
    recorded = recorded_releases(Path(releases))
    version = descriptor.get("version", "")
    if not recorded:
        return "nothing has been released yet"
    manifest = recorded.get(version)
    if manifest is None:
        return f"version {version} has not been released (latest release: {next(reversed(recorded))})"
    if manifest["content_hash"] != content_hash(content_inputs(Path(package_path), descriptor)):
        return f"the data has changed since release {version}"
    return "released"


def current_release_info(releases: Path = RELEASES, dist: Path = DIST, limit: int | None = 50) -> dict | None:
    """The latest recorded release: version, date, previous, counts, downloads and changelog rows.

    Reads only committed files (releases/) plus dist/<version>/SHA256SUMS when it exists, so it
    works on a clean clone. ``files`` lists the downloads relative to dist/<version>/; each has
    ``bytes`` and ``sha256`` when dist/<version>/ has been built, else None. ``changelog`` holds
    the first ``limit`` rows (corrections first, then removals, then additions), ``None`` = all.
    Returns None when nothing has been released.
    """
    recorded = recorded_releases(Path(releases))
    if not recorded:
        return None
    version, manifest = next(reversed(recorded.items()))
    folder = Path(dist) / version
    sums = {}
    if (folder / "SHA256SUMS").exists():
        for line in (folder / "SHA256SUMS").read_text(encoding="utf-8").splitlines():
            digest, _, name = line.partition("  ")
            sums[name] = digest
    files = []
    for name in sorted(set(manifest.get("files", [])) | set(sums) | ({"SHA256SUMS"} if sums else set())):
        path = folder / name
        files.append({"path": name, "bytes": path.stat().st_size if path.exists() else None,
                      "sha256": sums.get(name)})
    order = {"changed": 0, "removed": 1, "added": 2}
    rows = sorted(read_csv(Path(releases) / version / "changelog.csv"),
                  key=lambda r: (order.get(r["change"], 3), r["figure_id"]))
    return {"version": version, "date": manifest["date"], "previous": manifest.get("previous"),
            "content_hash": manifest["content_hash"], "counts": manifest.get("counts", {}),
            "folder": f"dist/{version}", "files": files, "built": folder.is_dir(),
            "changelog": rows if limit is None else rows[:limit]}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--package", type=Path, default=PACKAGE)
    parser.add_argument("--dist", type=Path, default=DIST)
    parser.add_argument("--releases", type=Path, default=RELEASES)
    parser.add_argument("--date", help="release date (YYYY-MM-DD) recorded for a new version; default: today (UTC)")
    parser.add_argument("--info", action="store_true", help="print the current release's info as JSON and exit")
    parser.add_argument("--if-released", action="store_true",
                        help="write dist/<version>/ only when releases/<version>/ records exactly this content "
                             "(what `make serve` publishes); otherwise say why and record nothing")
    args = parser.parse_args(argv)
    if args.info:
        print(json_text(current_release_info(args.releases, args.dist)), end="")
        return 0
    if args.if_released:
        state = release_state(args.package, args.releases)
        if state != "released":
            print(f"no downloads published: {state}. Bump the version and run `make release` to publish them.")
            return 0
    try:
        folder = make_release(args.package, args.dist, args.releases, args.date)
    except validate.ValidationFailed as failure:
        for problem in failure.problems:
            print(problem, file=sys.stderr)
        print(f"\n{len(failure.problems)} problem(s); nothing was released. Fix them, then rerun: make release",
              file=sys.stderr)
        return 1
    except ReleaseRefused as refusal:
        print(f"release refused: {refusal}", file=sys.stderr)
        return 1
    except build.BuildFailed as failure:
        print(f"release failed, dist/ left as it was: {failure}", file=sys.stderr)
        return 1
    manifest = recorded_releases(args.releases)[folder.name]
    counts = ", ".join(f"{n} {name}" for name, n in manifest["counts"].items())
    print(f"released {folder} (version {manifest['version']}, {manifest['date']}; figures: {counts}; "
          f"previous: {manifest['previous'] or 'none'}). Verify: cd {folder} && sha256sum -c SHA256SUMS")
    return 0


if __name__ == "__main__":
    sys.exit(main())
