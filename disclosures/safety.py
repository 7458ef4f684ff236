"""Validation of what is hostile rather than wrong: unsafe links and text, empty tables, unknown
descriptor keys, numbers SQLite would change.

``safety_problems(package_path, descriptor, base)`` returns ``rules.Problem``s; the cell rules
themselves are pure functions in ``rules`` (``text_problems``, ``url_problems``,
``stored_number_problems``). Frictionless ignores keys it does not know, so a misspelt
``"constraint"`` silently drops a rule: the key lists below are the Data Package (v1, v2) and
Table Schema specifications' own, from https://specs.frictionlessdata.io/.
"""

from __future__ import annotations

import csv
import re
from decimal import Decimal, InvalidOperation
from pathlib import Path

from . import rules
from .vocabulary import loopback_problem

# A dataset version: MAJOR.MINOR.PATCH, without leading zeros (semantic versioning, as releases use).
SEMANTIC_VERSION = re.compile(r"(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)")

# Tables the site and the build need rows in: a header-only file would publish an empty site.
MUST_HAVE_ROWS = ("figures", "sources", "platforms", "jurisdictions", "metrics", "request_types", "events")

PACKAGE_KEYS = {
    "$schema", "profile", "name", "id", "title", "description", "homepage", "version", "created",
    "contributors", "keywords", "image", "licenses", "sources", "resources",
}  # fmt: skip
RESOURCE_KEYS = {
    "$schema", "profile", "name", "path", "data", "type", "title", "description", "homepage", "format",
    "mediatype", "encoding", "bytes", "hash", "sources", "licenses", "schema", "dialect", "scheme",
    "compression", "innerpath", "extrapaths",
}  # fmt: skip
SCHEMA_KEYS = {"$schema", "fields", "primaryKey", "foreignKeys", "missingValues", "fieldsMatch", "uniqueKeys"}
FIELD_KEYS = {
    "name", "title", "type", "format", "description", "example", "constraints", "rdfType", "missingValues",
    "trueValues", "falseValues", "bareNumber", "groupChar", "decimalChar", "categories", "categoriesOrdered",
}  # fmt: skip
CONSTRAINT_KEYS = {
    "required", "unique", "minLength", "maxLength", "minimum", "maximum", "exclusiveMinimum",
    "exclusiveMaximum", "jsonSchema", "pattern", "enum",
}  # fmt: skip
FOREIGN_KEY_KEYS = {"fields", "reference"}
REFERENCE_KEYS = {"resource", "fields"}
LICENSE_KEYS = {"name", "path", "title"}
SOURCE_KEYS = {"title", "path", "email", "version"}
CONTRIBUTOR_KEYS = {"title", "path", "email", "givenName", "familyName", "organization", "role", "roles"}


def unknown_keys(descriptor: dict) -> list[tuple[str, str]]:
    """(where, key) for each key the specifications do not define, e.g. ("resources[figures].schema.fields[value]", "constraint")."""
    found: list[tuple[str, str]] = []

    def check(obj, allowed: set[str], where: str) -> None:
        if isinstance(obj, dict):
            found.extend((where, key) for key in obj if key not in allowed)

    check(descriptor, PACKAGE_KEYS, "package")
    for kind, allowed in (("licenses", LICENSE_KEYS), ("sources", SOURCE_KEYS), ("contributors", CONTRIBUTOR_KEYS)):
        for i, item in enumerate(descriptor.get(kind) or []):
            check(item, allowed, f"{kind}[{i}]")
    # Resources that are no list are validate.unreadable_path_problems's to tell.
    resources = descriptor.get("resources")
    for resource in resources if isinstance(resources, list) else []:
        if not isinstance(resource, dict):
            continue
        where = f"resources[{resource.get('name', '?')}]"
        check(resource, RESOURCE_KEYS, where)
        schema = resource.get("schema")
        if not isinstance(schema, dict):
            continue
        check(schema, SCHEMA_KEYS, f"{where}.schema")
        for field in schema.get("fields") or []:
            if not isinstance(field, dict):
                continue
            at = f"{where}.schema.fields[{field.get('name', '?')}]"
            check(field, FIELD_KEYS, at)
            check(field.get("constraints"), CONSTRAINT_KEYS, f"{at}.constraints")
        for i, key in enumerate(schema.get("foreignKeys") or []):
            check(key, FOREIGN_KEY_KEYS, f"{where}.schema.foreignKeys[{i}]")
            if isinstance(key, dict):
                check(key.get("reference"), REFERENCE_KEYS, f"{where}.schema.foreignKeys[{i}].reference")
    return found


def key_line(text: str, key: str, after: str | None) -> int | None:
    """The line of ``"key":`` in the descriptor's text, searching from ``"name": "after"`` when given."""
    start = 0
    if after:
        anchor = re.search(r'"name"\s*:\s*' + re.escape(f'"{after}"'), text)
        start = anchor.start() if anchor else 0
    match = re.compile(r'"' + re.escape(key) + r'"\s*:').search(text, start)
    return text.count("\n", 0, match.start()) + 1 if match else None


def descriptor_problems(package_path: Path, descriptor: dict, shown: str) -> list[rules.Problem]:
    try:
        text = package_path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        text = ""
    problems = []
    for where, key in unknown_keys(descriptor):
        names = re.findall(r"\[([^\]]+)\]", where)
        line = key_line(text, key, names[-1] if names else None)
        problems.append(
            rules.Problem(shown, line, key, f"unknown key in {where}; a misspelt key is ignored with its rule")
        )
    # What every citation, feed link and release carries: refused here, not first at release time
    # (a build without a homepage cited http://localhost/...).
    version = descriptor.get("version")
    if not isinstance(version, str) or not SEMANTIC_VERSION.fullmatch(version):
        problems.append(
            rules.Problem(
                shown,
                key_line(text, "version", None),
                "version",
                f"{version!r} is not a version MAJOR.MINOR.PATCH (1.0.0): releases are numbered by it",
            )
        )
    why = loopback_problem(descriptor.get("homepage") or "")
    if why:
        problems.append(
            rules.Problem(
                shown,
                key_line(text, "homepage", None),
                "homepage",
                f"{why}: it is the public site's address that every citation and feed link carries",
            )
        )
    return problems


def is_url_field(field: dict) -> bool:
    return field.get("format") == "uri" or field.get("name", "").endswith("url")


def field_kinds(fields: list[dict], keys: frozenset[str] = frozenset()) -> dict[str, str]:
    """How each field's cells are checked: "number" (an integer), "double" (a number, which the
    release writes as a double), "url", "code" (an id, code or key: a field of ``keys`` or with a
    pattern or an enum) or "text", by field name."""

    def kind(field: dict) -> str:
        if field.get("type") == "integer":
            return "number"
        if field.get("type") == "number":
            return "double"
        if is_url_field(field):
            return "url"
        constraints = field.get("constraints") if isinstance(field.get("constraints"), dict) else {}
        if field.get("name") in keys or "pattern" in constraints or "enum" in constraints:
            return "code"
        return "text"

    return {f.get("name"): kind(f) for f in fields}


def key_names(schema: dict) -> frozenset[str]:
    """The fields of a schema's primary key, foreign keys and unique constraints."""
    from .table_schema import key_fields

    keys = [key_fields(schema.get("primaryKey", []))]
    keys += [key_fields(k.get("fields")) for k in schema.get("foreignKeys") or [] if isinstance(k, dict)]
    names = {name for key in keys if isinstance(key, list) for name in key if isinstance(name, str)}
    for field in schema.get("fields") or []:
        if (
            isinstance(field, dict)
            and isinstance(field.get("constraints"), dict)
            and field["constraints"].get("unique")
        ):
            names.add(field.get("name"))
    return frozenset(names)


def cell_safety_problems(kind: str | None, cell: str) -> list[str]:
    """What is hostile in one raw cell of a field of ``kind`` (see ``field_kinds``); an empty
    cell, or one of a field the schema does not declare, has nothing."""
    if not cell or kind is None:
        return []
    if kind in ("number", "double"):
        try:
            number = Decimal(cell)
        except InvalidOperation:
            return []  # not a number: reported by the schema check
        problems = rules.stored_number_problems(number)
        if problems or kind != "double":
            return problems
        return [f"{message}; check the value" for message in rules.double_problems(number)]
    if kind == "url":
        return rules.url_problems(cell) + rules.text_problems(cell) + rules.invisible_problems(cell)
    if kind == "code":
        return rules.text_problems(cell) + rules.invisible_problems(cell)
    return rules.text_problems(cell)


def table_problems(
    path: Path, shown: str, fields: list[dict], must_have_rows: bool, keys: frozenset[str] = frozenset()
) -> list[rules.Problem]:
    """Cell rules of one CSV: links, hostile text, numbers SQLite would change; an empty table."""
    kinds = field_kinds(fields, keys)
    problems = []
    rows = 0
    try:
        with path.open(encoding="utf-8", newline="") as handle:
            reader = csv.DictReader(handle)
            previous = 0 if reader.fieldnames is None else 1  # the header's line, when it has one
            for row in reader:
                rows += 1
                # The line the record starts on: line_num is where it ends, after a line break in a cell.
                line, previous = previous + 1, reader.line_num
                for name, cell in row.items():
                    if not isinstance(cell, str):
                        continue
                    messages = cell_safety_problems(kinds.get(name), cell)
                    problems.extend(rules.Problem(shown, line, name, m) for m in messages)
    except (OSError, UnicodeDecodeError, csv.Error):
        return problems  # reported by the raw-file rules
    if must_have_rows and rows == 0:
        problems.append(rules.Problem(shown, 1, None, "has no rows; this table must not be empty"))
    return problems


def empty_table_problems(shown: str, name: str, rows: int) -> list[rules.Problem]:
    """The problem of a table that must have rows and has none (``MUST_HAVE_ROWS``)."""
    if name in MUST_HAVE_ROWS and rows == 0:
        return [rules.Problem(shown, 1, None, "has no rows; this table must not be empty")]
    return []


def safety_problems(
    package_path: Path, descriptor: dict, base: Path, *, cells_checked: bool = False
) -> list[rules.Problem]:
    """Every hostile-input problem in the package (see the module docstring). With
    ``cells_checked`` only the descriptor's: the one-pass reader (``table_schema``) has applied
    ``cell_safety_problems`` and ``empty_table_problems`` while reading the rows."""
    from .validate import shown_path

    problems = descriptor_problems(package_path, descriptor, shown_path(package_path, base))
    if cells_checked:
        return problems
    resources = descriptor.get("resources")
    for resource in resources if isinstance(resources, list) else []:
        if not isinstance(resource, dict) or not isinstance(resource.get("path"), str):
            continue
        path = package_path.parent / resource["path"]
        schema = resource.get("schema") or {}
        problems += table_problems(
            path,
            shown_path(path, base),
            schema.get("fields") or [],
            must_have_rows=resource.get("name") in MUST_HAVE_ROWS,
            keys=key_names(schema),
        )
    return problems
