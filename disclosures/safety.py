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
import functools
import re
from decimal import Decimal, InvalidOperation
from pathlib import Path

from . import rules
from .vocabulary import loopback_problem

# A dataset version: MAJOR.MINOR.PATCH, without leading zeros (semantic versioning, as releases use).
SEMANTIC_VERSION = re.compile(r"(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)")

# A package's name as the Data Package specification (v1) and Frictionless read it.
PACKAGE_NAME = re.compile(r"[-a-z0-9._/]+")

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
# The package's keys whose value the specifications define as a string ("version" and "homepage"
# have rules of their own as well, in descriptor_problems).
PACKAGE_TEXT_KEYS = (
    "$schema",
    "profile",
    "name",
    "id",
    "title",
    "description",
    "homepage",
    "version",
    "created",
    "image",
)
# The descriptor's lists that are not resources or schema parts, with what each holds: the
# citation, the release's records and the site read them as such.
LISTS = {
    "licenses": ("licenses (objects with a name or path)", LICENSE_KEYS),
    "sources": ("sources (objects with a title)", SOURCE_KEYS),
    "contributors": ("contributors (objects with a title)", CONTRIBUTOR_KEYS),
}


def json_kind(value) -> str:
    """What JSON calls the kind of ``value`` (as json.loads gives it): "array", "string", ..."""
    kinds = {dict: "object", list: "array", str: "string", bool: "boolean", int: "number", float: "number"}
    return "null" if value is None else kinds.get(type(value), type(value).__name__)


def listed(obj, key: str) -> list:
    """``obj[key]`` when ``obj`` is an object and that is a list, else none. A descriptor is a
    curator's text: ``obj.get(key) or []`` let a number or a boolean through to a TypeError
    traceback (and a string or an object through as their characters or keys), where each
    checker should see nothing and the problem be told once (``list_problems``,
    ``validate.unreadable_path_problems``, Frictionless's schema errors)."""
    value = obj.get(key) if isinstance(obj, dict) else None
    return value if isinstance(value, list) else []


def list_problems(descriptor: dict) -> list[tuple[tuple, str, str]]:
    """(JSON path, key, why) for each of ``LISTS`` (and the package's keywords, and a schema's
    foreignKeys) that is no list, or holds something other than what it lists; for each of the
    package's ``PACKAGE_TEXT_KEYS`` (and a resource's homepage) that is no text, and a package
    name the specification refuses. The one-pass reader lets a resource's ``"licenses": 5``
    through, and the build's citation reads every one of them. Frictionless's errors at these
    paths are dropped as repeats (``validate.descriptor_error_problems``)."""
    found: list[tuple[tuple, str, str]] = []
    # The package's own text: the build's metadata and dataset record, the feed and a release's
    # citation take them for strings ("homepage": 5 was a traceback from urlsplit in validate).
    for key in PACKAGE_TEXT_KEYS:
        if descriptor.get(key) is not None and not isinstance(descriptor[key], str):
            found.append(((key,), key, f"is a JSON {json_kind(descriptor[key])}: it must be text"))
        elif key in descriptor and descriptor[key] is None and key != "homepage":
            found.append(((key,), key, "is a JSON null: it must be text"))
    name = descriptor.get("name")
    if isinstance(name, str) and not PACKAGE_NAME.fullmatch(name):
        # A release's check of its datapackage.json (Frictionless) refused it: after the build.
        message = (
            f"{name!r} must be lower-case letters, digits and - . _ / only (platform-disclosures), as the "
            "Data Package specification requires: a release is refused otherwise"
        )
        found.append((("name",), "name", message))
    resources = listed(descriptor, "resources")
    holders = [((), None, descriptor)]
    holders += [(("resources", i), r.get("name"), r) for i, r in enumerate(resources) if isinstance(r, dict)]
    for at, name, holder in holders:
        wanted = dict(LISTS)
        if name is None:
            wanted["keywords"] = ("keywords (text)", None)
        for key, (what, _) in wanted.items():
            if key not in holder:
                continue
            value = holder[key]
            # The field names the key: the package's own need not repeat it.
            where = "" if name is None else f"resource {name}'s {key} "
            if not isinstance(value, list):
                found.append(((*at, key), key, f"{where}is a JSON {json_kind(value)}: it must be a list of {what}"))
                continue
            item_kind = str if key == "keywords" else dict
            for i, item in enumerate(value):
                if not isinstance(item, item_kind):
                    told = f"{where}item {i + 1} is a JSON {json_kind(item)}: it must be a list of {what}"
                    found.append(((*at, key), key, told))
                elif item_kind is dict:
                    found += item_problems((*at, key, i), f"{where}{ITEM_NAMES[key]} {i + 1}", key, item)
    # A schema's foreignKeys that are no list were read as none: each key the package needs was
    # then told missing, one line each, and what to fix was never said. Items that are no object
    # are table_schema.unusable_schema_values'.
    for at, name, holder in holders[1:]:
        # Read by nothing here, but a release's check of its datapackage.json (Frictionless)
        # refuses it: "homepage": 5 passed validate and the build, and stopped the release.
        if "homepage" in holder and not isinstance(holder["homepage"], str):
            told = f"resource {name}'s homepage is a JSON {json_kind(holder['homepage'])}: it must be text (a URL)"
            found.append(((*at, "homepage"), "homepage", told))
        told = foreign_keys_problem(name, holder.get("schema"))
        if told:
            found.append(((*at, "schema", "foreignKeys"), "foreignKeys", told))
    return found


def foreign_keys_problem(name, schema) -> str | None:
    """Why the foreignKeys of resource ``name``'s ``schema`` are no list, if they are not."""
    if not (isinstance(schema, dict) and "foreignKeys" in schema) or isinstance(schema["foreignKeys"], list):
        return None
    kind = json_kind(schema["foreignKeys"])
    return f"the foreignKeys of {name} are a JSON {kind}: they must be a list of foreign keys (objects)"


# What each item of ``LISTS`` says: its text keys (the specifications' strings, which the
# citation, the release's records and CITATION.cff copy), and the singular a message names it by.
ITEM_TEXT_KEYS = {
    "licenses": ("name", "path", "title"),
    "sources": ("title", "path", "email", "version"),
    "contributors": ("title", "path", "email", "givenName", "familyName", "organization", "role"),
}
ITEM_NAMES = {"licenses": "license", "sources": "source", "contributors": "contributor"}


def contributor_name(contributor) -> str | None:
    """A contributor's name: its ``title``, else (Data Package v2) its ``givenName`` and
    ``familyName``; none when it has no name as text. Validation refuses such a contributor
    (``list_problems``); the build and a release (``citation.author_names``) skip it rather than
    fail on it. Here, not in citation.py: the stamp covers the validator's code (stamp.VALIDATOR_CODE)."""
    if not isinstance(contributor, dict):
        return None
    title = contributor.get("title")
    if isinstance(title, str) and title.strip():
        return title.strip()
    parts = [contributor.get(key) for key in ("givenName", "familyName")]
    name = " ".join(part.strip() for part in parts if isinstance(part, str) and part.strip())
    return name or None


def item_problems(at: tuple, what: str, kind: str, item: dict) -> list[tuple[tuple, str, str]]:
    """(JSON path, key, why) for one license, source or contributor (``kind``) at ``at``: a text
    key that holds no text, and what the specifications require of it. A contributor is named by
    its ``title`` (v1 requires it; v2 allows ``givenName`` and ``familyName`` instead): one
    without passed validate, and the build's record of the dataset's author stopped with
    KeyError: 'title'. A license has a ``name`` or a ``path``; a source, a ``title``."""
    found = []
    for key in ITEM_TEXT_KEYS[kind]:
        if key in item and not isinstance(item[key], str):
            why = f"{what}'s {key} is a JSON {json_kind(item[key])}: it must be text"
            if kind == "contributors" and key == "role" and isinstance(item[key], list):
                # A list of roles is Data Package v2's "roles": "must be text" alone sent a curator
                # to make it a string, and left the specification's own field for a list unsaid.
                why += ' ("role": "author"); a list of roles is the specification\'s roles ("roles": ["author"])'
            found.append(((*at, key), key, why))
    roles = item.get("roles", []) if kind == "contributors" else []
    if not (isinstance(roles, list) and all(isinstance(role, str) for role in roles)):
        # Data Package v2's list ("roles": ["author"]); a string passed, and the citation read no role.
        shown = f"a JSON {json_kind(roles)}" if not isinstance(roles, list) else "a list of something other than text"
        found.append(((*at, "roles"), "roles", f'{what}\'s roles is {shown}: it must be a list of roles (["author"])'))
    if found:
        return found
    if kind == "contributors" and contributor_name(item) is None:
        why = f"{what} has no title (or givenName and familyName), the name a citation gives its authors"
        found.append((at, "title", why))
    elif kind == "contributors" and "role" not in item and "roles" not in item:
        # The specification reads no role as "contributor", whom the citation does not name; the
        # citation read it as "author", so what the package says and what it cited disagreed.
        why = (
            f'{what} has no role, which the Data Package specification reads as "contributor", and a citation '
            'names only an "author": write "role": "author", or the role they had'
        )
        found.append((at, "role", why))
    elif kind == "licenses" and not (item.get("name") or item.get("path")):
        found.append((at, "name", f"{what} has no name (CC-BY-4.0) or path (its URL): the specification requires one"))
    elif kind == "sources" and not item.get("title", "").strip():
        found.append((at, "title", f"{what} has no title: the specification requires one"))
    return found


def unknown_keys(descriptor: dict) -> list[tuple[str, str]]:
    """(where, key) for each key the specifications do not define, e.g. ("resources[figures].schema.fields[value]", "constraint")."""
    return [(where, key) for _, where, key in unknown_key_places(descriptor)]


def unknown_key_places(descriptor: dict) -> list[tuple[tuple, str, str]]:
    """``unknown_keys`` with the JSON path of each key, e.g. ("resources", 3, "schema", "fields",
    2, "constraint"): the line to fix is the key's own, not the first of its name in the text (a
    contributor's "name" was told at the package's, line 2)."""
    found: list[tuple[tuple, str, str]] = []

    def check(obj, allowed: set[str], at: tuple, where: str) -> None:
        if isinstance(obj, dict):
            found.extend(((*at, key), where, key) for key in obj if key not in allowed)

    check(descriptor, PACKAGE_KEYS, (), "package")
    for kind, (_, allowed) in LISTS.items():
        for i, item in enumerate(listed(descriptor, kind)):
            check(item, allowed, (kind, i), f"{kind}[{i}]")
    for r, resource in enumerate(listed(descriptor, "resources")):
        if not isinstance(resource, dict):
            continue
        where = f"resources[{resource.get('name', '?')}]"
        check(resource, RESOURCE_KEYS, ("resources", r), where)
        schema = resource.get("schema")
        if not isinstance(schema, dict):
            continue
        at = ("resources", r, "schema")
        check(schema, SCHEMA_KEYS, at, f"{where}.schema")
        for j, field in enumerate(listed(schema, "fields")):
            if not isinstance(field, dict):
                continue
            named = f"{where}.schema.fields[{field.get('name', '?')}]"
            check(field, FIELD_KEYS, (*at, "fields", j), named)
            check(field.get("constraints"), CONSTRAINT_KEYS, (*at, "fields", j, "constraints"), f"{named}.constraints")
        for i, key in enumerate(listed(schema, "foreignKeys")):
            check(key, FOREIGN_KEY_KEYS, (*at, "foreignKeys", i), f"{where}.schema.foreignKeys[{i}]")
            if isinstance(key, dict):
                reference = (*at, "foreignKeys", i, "reference")
                check(key.get("reference"), REFERENCE_KEYS, reference, f"{where}.schema.foreignKeys[{i}].reference")
    return found


@functools.lru_cache(maxsize=1)
def _json_lines(text: str) -> dict[tuple, int]:
    from .validate import json_lines

    try:
        return json_lines(text)
    except (ValueError, IndexError):
        return {}


def json_line(text: str, at: tuple) -> int | None:
    """The line of the member or item at JSON path ``at`` in the descriptor's ``text`` (else of
    what holds it: an absent key is told at its object). The text is walked only when a problem
    is to be placed: validate.json_lines costs 38 ms on the real package."""
    lines = _json_lines(text)
    while at and at not in lines:
        at = at[:-1]
    return lines.get(at)


def descriptor_problems(package_path: Path, descriptor: dict, shown: str) -> list[rules.Problem]:
    try:
        text = package_path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        text = ""
    problems = []
    for at, where, key in unknown_key_places(descriptor):
        problems.append(
            rules.Problem(
                shown, json_line(text, at), key, f"unknown key in {where}; a misspelt key is ignored with its rule"
            )
        )
    for at, key, message in list_problems(descriptor):
        problems.append(rules.Problem(shown, json_line(text, at), key, message))
    # What every citation, feed link and release carries: refused here, not first at release time
    # (a build without a homepage cited http://localhost/...).
    version = descriptor.get("version")
    if isinstance(version, str) and not SEMANTIC_VERSION.fullmatch(version) or "version" not in descriptor:
        problems.append(
            rules.Problem(
                shown,
                json_line(text, ("version",)),
                "version",
                f"{version!r} is not a version MAJOR.MINOR.PATCH (1.0.0): releases are numbered by it",
            )
        )
    homepage = descriptor.get("homepage")
    why = loopback_problem(homepage or "") if homepage is None or isinstance(homepage, str) else None
    if not why and isinstance(homepage, str) and not homepage.endswith("/"):
        # The feed writes its links after it ("{homepage}feed.atom"): without the slash,
        # https://platform-disclosures.org gave https://platform-disclosures.orgfeed.atom.
        why = f"{homepage!r} must end with / ({homepage}/), as the site's pages are written after it"
    if why:
        problems.append(
            rules.Problem(
                shown,
                json_line(text, ("homepage",)),
                "homepage",
                f"{why}: it is the public site's address that every citation and feed link carries",
            )
        )
    return problems


def is_url_field(field: dict) -> bool:
    return field.get("format") == "uri" or field.get("name", "").endswith("url")


def field_kinds(fields: list[dict], keys: frozenset[str] = frozenset()) -> dict[str, str]:
    """How each field's cells are checked: "number" (an integer), "double" (a number, which the
    release writes as a double), "uri" (format uri) or "url" (a field named so), "code" (an id, code or key: a field of ``keys`` or with a
    pattern or an enum) or "text", by field name."""

    def kind(field: dict) -> str:
        if field.get("type") == "integer":
            return "number"
        if field.get("type") == "number":
            return "double"
        if field.get("format") == "uri":
            return "uri"
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
    keys += [key_fields(k.get("fields")) for k in listed(schema, "foreignKeys") if isinstance(k, dict)]
    names = {name for key in keys if isinstance(key, list) for name in key if isinstance(name, str)}
    for field in listed(schema, "fields"):
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
    if kind in ("url", "uri"):
        # A format uri cell with no scheme is no URI, which its type check tells once ("'the
        # archive' is not a URI"): it was told again as no http(s) URL, two lines for one cell.
        told = kind == "uri" and not rules.SCHEME.match(cell)
        return ([] if told else rules.url_problems(cell)) + rules.text_problems(cell) + rules.invisible_problems(cell)
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
    for resource in listed(descriptor, "resources"):
        if not isinstance(resource, dict) or not isinstance(resource.get("path"), str):
            continue
        path = package_path.parent / resource["path"]
        schema = resource.get("schema") if isinstance(resource.get("schema"), dict) else {}
        problems += table_problems(
            path,
            shown_path(path, base),
            listed(schema, "fields"),
            must_have_rows=resource.get("name") in MUST_HAVE_ROWS,
            keys=key_names(schema),
        )
    return problems
