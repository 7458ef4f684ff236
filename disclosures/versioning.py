"""Semantic versioning for data: which version step a release's changes require.

* a schema break (a resource's fields or key changed, or a resource removed): major;
* figures added, or a new resource: at least minor;
* figures corrected or removed, or any other content change: at least patch;
* nothing changed: no new version.
"""

from __future__ import annotations

from .release_records import ReleaseRefused, parse_version

BUMPS = ("patch", "minor", "major")


def bump_kind(old: str, new: str) -> str | None:
    """ "major", "minor" or "patch" for a step up from ``old`` to ``new``; None when they are equal."""
    a, b = parse_version(old), parse_version(new)
    if b < a:
        raise ReleaseRefused(f"version {new} is lower than the released {old}")
    if b == a:
        return None
    if b[0] != a[0]:
        return "major"
    return "minor" if b[1] != a[1] else "patch"


def larger_step(a: str | None, b: str | None) -> str | None:
    """The bigger of two version steps ("patch" < "minor" < "major"; None is no step)."""
    return max(a, b, key=lambda step: -1 if step is None else BUMPS.index(step))


def schema_of(descriptor: dict) -> dict[str, dict]:
    """What a schema break is judged on: each resource's field names and types, in order, and its key."""
    return {
        r["name"]: {
            "fields": [f"{f['name']}:{f.get('type', 'any')}" for f in r.get("schema", {}).get("fields", [])],
            "primaryKey": list(r.get("schema", {}).get("primaryKey", [])),
        }
        for r in descriptor.get("resources", [])
    }


def schema_change(old: dict[str, dict], new: dict[str, dict]) -> tuple[str | None, list[str]]:
    """("major", why) when a resource was removed or its fields or key changed; ("minor", why) when one was added."""
    broken = [f"resource {name} removed" for name in sorted(old.keys() - new.keys())]
    broken += [f"fields or key of {name} changed" for name in sorted(old.keys() & new.keys()) if old[name] != new[name]]
    if broken:
        return "major", broken
    added = [f"resource {name} added" for name in sorted(new.keys() - old.keys())]
    return ("minor", added) if added else (None, [])


def names(items: list[str]) -> str:
    """`a`, `b` and `c`."""
    quoted = [f"`{item}`" for item in items]
    return quoted[0] if len(quoted) == 1 else ", ".join(quoted[:-1]) + " and " + quoted[-1]


def schema_clauses(differences: list[dict]) -> list[str]:
    """What breaks a table's readers (versioning.schema_differences), in words: a major step."""
    clauses = []
    for d in differences:
        table = f"`{d['table']}`"
        if d["change"] == "removed":
            clauses.append(f"the table {table} was removed")
        if d["change"] != "changed":
            continue
        if d["added"]:
            clauses.append(f"{table} gained the column{'s' if len(d['added']) > 1 else ''} {names(d['added'])}")
        if d["removed"]:
            clauses.append(f"{table} lost the column{'s' if len(d['removed']) > 1 else ''} {names(d['removed'])}")
        for column, before, after in d["retyped"]:
            clauses.append(f"{table}'s `{column}` changed from {before} to {after}")
        if d["reordered"]:
            clauses.append(f"{table}'s columns changed order")
        if d["key"]:
            clauses.append(f"{table}'s key changed from {names(d['key'][0])} to {names(d['key'][1])}")
    return clauses


def schema_differences(old: dict[str, dict], new: dict[str, dict]) -> list[dict]:
    """What changed between two schemas (``schema_of``), table by table in name order: each a dict
    with ``table``, ``change`` ("removed", "changed" or "added") and, for a changed table, the
    columns ``added``, ``removed`` and ``retyped`` (name, old type, new type), whether the columns
    kept their order (``reordered``), and ``key`` ((old, new) when the primary key changed).

    A table is "changed" exactly when ``schema_change`` counts it as a break."""

    def types(schema: dict) -> dict[str, str]:
        return dict(field.partition(":")[::2] for field in schema["fields"])

    differences = [{"table": name, "change": "removed"} for name in sorted(old.keys() - new.keys())]
    for name in sorted(old.keys() & new.keys()):
        if old[name] == new[name]:
            continue
        before, after = types(old[name]), types(new[name])
        kept = [c for c in before if c in after]
        differences.append(
            {
                "table": name,
                "change": "changed",
                "added": [c for c in after if c not in before],
                "removed": [c for c in before if c not in after],
                "retyped": [(c, before[c], after[c]) for c in kept if before[c] != after[c]],
                "reordered": kept != [c for c in after if c in before],
                "key": (old[name]["primaryKey"], new[name]["primaryKey"])
                if old[name]["primaryKey"] != new[name]["primaryKey"]
                else None,
            }
        )
    differences += [{"table": name, "change": "added"} for name in sorted(new.keys() - old.keys())]
    return differences


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


def suggest(previous: str, bump: str) -> str:
    major, minor, patch = parse_version(previous)
    if bump == "major":
        return f"{major + 1}.0.0"
    if bump == "minor":
        return f"{major}.{minor + 1}.0"
    return f"{major}.{minor}.{patch + 1}"


def check_bump(previous: str, version: str, required: str | None, why: list[str] = ()) -> None:
    """Refuse (ReleaseRefused) a version step smaller than ``required``; a bigger step is allowed."""
    actual = bump_kind(previous, version)
    if required is None:
        raise ReleaseRefused(
            f"nothing changed since release {previous}; do not bump the version: "
            f'set "version" in datapackage.json back to "{previous}"'
        )
    if actual is None:
        raise ReleaseRefused(
            f"content changed since release {previous} but the version did not: "
            f'bump "version" in datapackage.json ({required} at least)'
        )
    if BUMPS.index(actual) < BUMPS.index(required):
        reasons = "; ".join(why) if why else ""
        raise ReleaseRefused(
            f"{previous} -> {version} is a {actual} bump, but this release needs a {required} bump"
            f'{" (" + reasons + ")" if reasons else ""}: set "version" in datapackage.json to {suggest(previous, required)}'
        )


def table_changes(old: dict[str, dict], new: dict[str, dict]) -> list[str]:
    """Every change of the tables between two schemas (``schema_of``), in words: what breaks a
    reader (``schema_clauses``: tables removed, then tables changed), then the tables added,
    each kind in table-name order."""
    differences = schema_differences(old, new)
    added = [d["table"] for d in differences if d["change"] == "added"]
    return schema_clauses(differences) + [f"the table `{table}` was added" for table in added]


def table_changes_since(previous: dict | None, schema: dict, released: dict | None) -> list[str]:
    """A release's table changes in words (``table_changes``) since the release whose manifest is
    ``previous`` (none for a first release): judged on the files' columns (``released``, its
    ``released_schema``) when both records hold them, else on the package's (``schema``), as a
    release recorded before manifests held ``released_schema`` is judged."""
    if previous is None:
        return []
    if "released_schema" in previous and released is not None:
        return table_changes(previous["released_schema"], released)
    return table_changes(previous["schema"], schema)
