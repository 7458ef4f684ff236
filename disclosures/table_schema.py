"""A one-pass reader for the part of Frictionless Table Schema this package uses.

``read_package(package_path, descriptor)`` streams every resource's CSV once and returns, per
resource, its typed rows (tuples in field order: ``str``, ``datetime.date``, ``Decimal`` or
``None``), their line numbers, the problems a Frictionless validation of the same bytes reports
(types, constraints, primary and foreign keys, worded as ``validate.readable`` words them), the
raw-text problems of ``rules.cell_problems``, and an order-independent digest of the raw cells
(so the build can check its round trip without reading the CSV again).

Frictionless stays the contract: ``supported(descriptor)`` names what this reader enforces, and
anything else (another field type or format, a constraint it does not know, a custom dialect) is
left to Frictionless by the caller. A file whose structure is damaged (byte-order mark, invalid
UTF-8, carriage returns, a record over several lines, a blank row, a wrong cell count, a header
that differs from the schema or is repeated, malformed CSV) raises ``Damaged``: Frictionless reads such files
its own way, so the caller hands the whole package to it for an exact report.
tests/test_table_schema.py checks that both agree, fixture by fixture and on mutated cells.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from pathlib import Path

from . import rules, safety

SUPPORTED_TYPES = {
    ("string", "default"),
    ("string", "uri"),
    ("date", "default"),
    ("number", "default"),
    ("integer", "default"),
}
SUPPORTED_CONSTRAINTS = {"required", "pattern", "enum", "minLength", "maxLength", "minimum", "maximum", "unique"}
SUPPORTED_SCHEMA_KEYS = {"fields", "primaryKey", "foreignKeys", "missingValues"}
# Resource properties that only restate "a local CSV file" (their defaults when absent).
PLAIN_CSV = {"format": "csv", "mediatype": "text/csv", "scheme": "file", "profile": "tabular-data-resource"}
# bareNumber true and decimalChar "." are Frictionless's defaults: a number is read as Decimal(cell).
FIELD_KEYS = {"name", "type", "format", "title", "description", "constraints", "example", "rdfType"} | {
    "bareNumber",
    "decimalChar",
}
NUMERIC_TYPES = {"integer", "number"}
ISO_DATE = rules.ISO_DATE_TEXT
# Cells this short are remembered per column, up to so many distinct ones (ids are not worth it).
REMEMBERED_CELL_LENGTH = 64
REMEMBERED_CELLS = 4096
# The longest cell the package's readers take (csv's default is 128 KiB), far above every
# maxLength in the schema.
CSV_FIELD_LIMIT = 1 << 20
csv.field_size_limit(CSV_FIELD_LIMIT)  # for every other reader of the package's files


def csv_reader(lines, **options):
    """``csv.reader(lines, **options)`` taking cells up to CSV_FIELD_LIMIT characters.

    csv's limit is one setting for the whole process, and importing Frictionless's CSV parser
    sets it to 2 GiB: set once at import, the limit (and the length a refused cell is told it
    passed) depended on which module was imported last, and a test of the limit wrote a 2 GiB
    cell. So it is set again for every reader."""
    csv.field_size_limit(CSV_FIELD_LIMIT)
    return csv.reader(lines, **options)


def key_fields(key) -> list:
    """A primary or foreign key's (or a reference's) fields as a list: Table Schema lets a key of
    one field be its name alone (``"primaryKey": "figure_id"``); anything else is returned as it
    is, for the schema checks to refuse."""
    return [key] if isinstance(key, str) else key


class Damaged(Exception):
    """A file's structure is damaged; Frictionless must report the package."""


@dataclass
class Table:
    """One resource read once: typed rows in field order and what is wrong with them."""

    name: str
    fields: list[str]
    rows: list[tuple] = field(default_factory=list)
    lines: Sequence[int] = field(default_factory=list)
    # (line, field or None, message): schema problems, then raw-cell problems.
    problems: list[tuple[int, str | None, str]] = field(default_factory=list)
    # (line, field) of the cells that failed their type (Frictionless gives them None).
    type_errors: set[tuple[int, str]] = field(default_factory=set)
    # True once the rows hold SQLite's values (dates as ISO text, numbers as int or float).
    sql_values: bool = False
    # The raw cells (one list of texts per field) whose rows_digest ``digest`` is, held until it
    # is first read: the build reads it once its derivation process has forked, rather than
    # before (at a million figures 0.33 s of CPU moved to where this process waited for that one).
    raw_columns: list[list[str]] | None = field(default=None, repr=False, compare=False)
    _digest: int | None = field(default=0, repr=False, compare=False)

    @property
    def digest(self) -> int | None:
        """rows_digest of the raw rows, for the build's round-trip check (same process only:
        ``hash`` of a text differs between processes); None when the raw columns held a cell
        that is not a text, so that no digest is taken for the CSV's (the round trip then
        compares the CSV itself)."""
        self.settle_digest()
        return self._digest

    def settle_digest(self) -> None:
        """Compute ``digest`` from ``raw_columns`` now, if it is pending, and let them go."""
        if self.raw_columns is not None:
            columns, self.raw_columns = self.raw_columns, None
            try:
                self._digest = rows_digest(zip(*columns, strict=True))
            except (TypeError, ValueError):  # a cell not a text, columns of unequal lengths
                self._digest = None

    @digest.setter
    def digest(self, value: int | None) -> None:
        self.raw_columns, self._digest = None, value

    def column(self, name: str) -> int:
        return self.fields.index(name)


def unusable_schema_values(descriptor: dict) -> list[tuple[tuple, str, str]]:
    """(JSON path, key, why) of each schema value no reader can apply to the rows: constraints of
    the wrong JSON type (``"required": "yes"``, ``"enum": "exact"``), a bound or enum item that is
    not of its field's type (a date field's ``"minimum": "zero"``), a pattern that is not a regular
    expression, a negative length, a foreign key whose reference is missing or names a resource or
    field the package does not have. Frictionless rejects the first kind; on the others it raises
    a TypeError or KeyError while reading rows, as this reader would."""
    found: list[tuple[tuple, str, str]] = []
    resources = [(i, r) for i, r in enumerate(safety.listed(descriptor, "resources")) if isinstance(r, dict)]

    def fields_in(resource: dict) -> list:
        schema = resource.get("schema")
        fields = schema.get("fields") if isinstance(schema, dict) else None
        return fields if isinstance(fields, list) else []

    fields_of = {r.get("name"): [f.get("name") for f in fields_in(r) if isinstance(f, dict)] for _, r in resources}
    for i, resource in resources:
        name = resource.get("name")
        at = ("resources", i, "schema")
        schema = resource.get("schema")
        if not isinstance(schema, dict) or not isinstance(schema.get("fields"), list):
            found.append((at, "fields", f"the schema of {name} has no list of fields"))
            continue
        for j, spec in enumerate(schema["fields"]):
            if not isinstance(spec, dict) or not isinstance(spec.get("name"), str):
                found.append(((*at, "fields", j), "name", f"field {j + 1} of {name} is not an object with a name"))
                continue
            where, here = f"field {spec['name']} of {name}", (*at, "fields", j, "constraints")
            # Every reader looks them up in a table of types: a list or an object there was a
            # TypeError ("unhashable type") in validate and in the build.
            unnamed = [key for key in ("type", "format") if key in spec and not isinstance(spec[key], str)]
            for key in unnamed:
                message = (
                    f"the {key} of {where} is a JSON {safety.json_kind(spec[key])}: it must be a {key}'s name, as text"
                )
                found.append(((*at, "fields", j, key), key, message))
            if unnamed:
                continue
            found += _boolean_values_problems(spec, where, (*at, "fields", j))
            constraints = spec.get("constraints", {})
            if not isinstance(constraints, dict):
                found.append((here, "constraints", f"the constraints of {where} are not an object"))
                continue
            found += _constraint_problems(spec.get("type", "string"), constraints, where, here)
        keys = key_fields(schema.get("primaryKey", []))
        if not isinstance(keys, list) or any(k not in fields_of[name] for k in keys):
            found.append(
                ((*at, "primaryKey"), "primaryKey", f"the primary key of {name} names a field it does not have")
            )
        if "uniqueKeys" in schema:
            found.append(((*at, "uniqueKeys"), "uniqueKeys", _unique_keys_problem(name, schema["uniqueKeys"])))
        # Every reader iterates them: a number was a TypeError while reading rows.
        told = safety.foreign_keys_problem(name, schema)
        if told:
            found.append(((*at, "foreignKeys"), "foreignKeys", told))
        for k, key in enumerate(safety.listed(schema, "foreignKeys")):
            found += _foreign_key_problems(key, k, name, fields_of, (*at, "foreignKeys", k))
    return found


def _unique_keys_problem(name, keys) -> str:
    """Why resource ``name``'s ``uniqueKeys`` (Table Schema v2) cannot stand: Frictionless 5, this
    reader and the build all ignore them, so a declared one checked nothing (5 passed as well as a
    list), like a misspelt key; a primaryKey or a field's ``unique`` constraint is checked."""
    unchecked = "no reader here checks uniqueKeys (Frictionless 5 and the build ignore them)"
    fix = "make the fields the primaryKey, or give a field the unique constraint"
    if not isinstance(keys, list):
        shape = f'are a JSON {safety.json_kind(keys)}, not a list of lists of field names ([["a", "b"]])'
        return f"the uniqueKeys of {name} {shape}; and {unchecked}: {fix}"
    for n, key in enumerate(keys, start=1):
        if not (isinstance(key, list) and all(isinstance(f, str) for f in key)):
            shape = f'item {n} is a JSON {safety.json_kind(key)}, not a list of field names (["a", "b"])'
            return f"the uniqueKeys of {name}: {shape}; and {unchecked}: {fix}"
    return f"the uniqueKeys of {name} would be checked by nothing: {unchecked}; {fix}"


def _boolean_values_problems(spec: dict, where: str, at: tuple) -> list[tuple[tuple, str, str]]:
    """A field's trueValues and falseValues: lists of texts, and only a boolean field's (on any
    other, every reader ignores them: "trueValues": 5 on a text field passed)."""
    found = []
    for key in ("trueValues", "falseValues"):
        if key not in spec:
            continue
        values = spec[key]
        if not (isinstance(values, list) and all(isinstance(v, str) for v in values)):
            kind = safety.json_kind(values)
            found.append(((*at, key), key, f"the {key} of {where} are a JSON {kind}: they must be a list of texts"))
        elif spec.get("type", "string") != "boolean":
            kind = spec.get("type", "string")
            found.append(((*at, key), key, f"the {key} of {where} apply only to a boolean field, not a {kind} one"))
    return found


# The types each constraint applies to, as Frictionless reads them (each field type's
# supported_constraints); it refuses the constraint on any other type, and this reader measured a
# number's maxLength with len(), a traceback.
CONSTRAINT_TYPES = {
    "minLength": ("string", "array", "object", "list"),
    "maxLength": ("string", "array", "object", "list"),
    "pattern": ("string",),
    "minimum": ("date", "datetime", "integer", "number", "time", "year", "yearmonth"),
    "maximum": ("date", "datetime", "integer", "number", "time", "year", "yearmonth"),
}


def _constraint_problems(kind: str, constraints: dict, where: str, at: tuple) -> list[tuple[tuple, str, str]]:
    found = []
    for key, kinds in CONSTRAINT_TYPES.items():
        if key in constraints and kind not in kinds:
            message = f"{key} of {where} does not apply to a {kind} field (only to {', '.join(kinds)})"
            found.append(((*at, key), key, message))
    if found:
        return found
    for key in ("required", "unique"):
        if key in constraints and not isinstance(constraints[key], bool):
            found.append(((*at, key), key, f"{key} {constraints[key]!r} of {where} is not true or false"))
    for key in ("minLength", "maxLength"):
        value = constraints.get(key, 0)
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            found.append(((*at, key), key, f"{key} {value!r} of {where} is not a whole number, 0 or more"))
    for key in ("minimum", "maximum"):
        why = constraint_value_problem(kind, key, constraints[key]) if key in constraints else None
        if why:
            found.append(
                ((*at, key), key, f"{key} {constraints[key]!r} of {where} {why}, so no cell can be compared with it")
            )
    # Bounds no cell can meet at once: each row was told "must be at most -1", 50,000 times over,
    # where the schema was the mistake.
    low, high = (_bound(kind, constraints.get(key)) for key in ("minimum", "maximum"))
    if low is not None and high is not None and high < low:
        message = f"maximum {constraints['maximum']!r} of {where} is below its minimum {constraints['minimum']!r}, so no cell can meet both"
        found.append(((*at, "maximum"), "maximum", message))
    shortest, longest = constraints.get("minLength"), constraints.get("maxLength")
    if _whole(shortest) and _whole(longest) and longest < shortest:
        message = f"maxLength {longest!r} of {where} is below its minLength {shortest!r}, so no cell can meet both"
        found.append(((*at, "maxLength"), "maxLength", message))
    enum = constraints.get("enum", [])
    if not isinstance(enum, list):
        found.append(((*at, "enum"), "enum", f"enum {enum!r} of {where} is not a list"))
        enum = []
    elif "enum" in constraints and not enum:
        found.append(((*at, "enum"), "enum", f"enum of {where} is empty, so no cell can be one of its values"))
    for n, item in enumerate(enum):
        why = constraint_value_problem(kind, "enum", item)
        if why:
            found.append(((*at, "enum", n), "enum", f"enum item {item!r} of {where} {why}, so no cell can equal it"))
    if "pattern" in constraints:
        pattern = constraints["pattern"]
        try:
            re.compile(pattern)  # alone, so that the position in the error is in what was typed
        except (re.error, TypeError) as error:
            found.append(
                ((*at, "pattern"), "pattern", f"pattern {pattern!r} of {where} is not a regular expression ({error})")
            )
    return found


def _bound(kind: str, value):
    """A ``minimum`` or ``maximum`` as the cells of a ``kind`` field compare with it, or None when
    it has none or cannot be compared (``constraint_value_problem`` says why)."""
    if value is None or kind not in READERS or constraint_value_problem(kind, "minimum", value):
        return None
    return READERS[kind](value) if isinstance(value, str) else Decimal(str(value))


def _whole(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0


def _foreign_key_problems(key, k: int, name, fields_of: dict, at: tuple) -> list[tuple[tuple, str, str]]:
    def listed(value) -> list | None:
        value = key_fields(value)
        return value if isinstance(value, list) and all(isinstance(v, str) for v in value) else None

    which = f"foreign key {k + 1} of {name}"
    if not isinstance(key, dict):
        return [(at, "foreignKeys", f"{which} is not an object with fields and a reference")]
    found = []
    own = listed(key.get("fields"))
    if own is None:
        found.append(((*at, "fields"), "fields", f"{which} names no list of its fields"))
    for column in own or []:
        if column not in fields_of[name]:
            found.append(((*at, "fields"), "fields", f"{which} names field {column!r}, which {name} does not have"))
    reference = key.get("reference")
    if not isinstance(reference, dict):
        return [*found, (at, "reference", f"{which} has no reference (the resource and fields it refers to)")]
    target = reference.get("resource") or name  # "" is the resource itself
    if not isinstance(target, str):
        # As a key of fields_of, a list or an object was a TypeError (unhashable type).
        message = f"{which} refers to resource {target!r}: it must be a resource's name, as text"
        return [*found, ((*at, "reference", "resource"), "resource", message)]
    if target not in fields_of:
        known = ", ".join(sorted(str(n) for n in fields_of))
        message = f"{which} refers to resource {target!r}, which the package does not have (it has {known})"
        return [*found, ((*at, "reference", "resource"), "resource", message)]
    theirs = listed(reference.get("fields"))
    if theirs is None or (own is not None and len(theirs) != len(own)):
        found.append(
            ((*at, "reference", "fields"), "fields", f"{which} refers to no list of fields as long as its own")
        )
    for column in theirs or []:
        if column not in fields_of[target]:
            message = f"{which} refers to field {column!r} of {target}, which {target} does not have"
            found.append(((*at, "reference", "fields"), "fields", message))
    return found


def supported(descriptor: dict) -> str | None:
    """None when this reader enforces everything the descriptor declares, else what it does not."""
    unusable = unusable_schema_values(descriptor)
    if unusable:
        return unusable[0][2]
    for resource in descriptor.get("resources", []):
        if not isinstance(resource, dict):
            return "a resource that is not an object"
        name = resource.get("name")
        for key, plain in PLAIN_CSV.items():
            if resource.get(key, plain) != plain:
                return f"resource {name} declares {key} {resource[key]!r}"
        for key in ("dialect", "compression", "data", "layout"):
            if key in resource:
                return f"resource {name} declares {key}"
        if str(resource.get("encoding")).lower() != "utf-8" or not str(resource.get("path", "")).endswith(".csv"):
            return f"resource {name} is not a UTF-8 CSV file"
        schema = resource.get("schema")
        if not isinstance(schema, dict) or set(schema) - SUPPORTED_SCHEMA_KEYS:
            return f"resource {name} has schema keys this reader does not know"
        if schema.get("missingValues", [""]) != [""]:
            return f"resource {name} declares missing values other than the empty string"
        for spec in schema.get("fields", []):
            kind = (spec.get("type", "string"), spec.get("format", "default"))
            if kind not in SUPPORTED_TYPES:
                return f"field {spec.get('name')} of {name} has type {kind[0]}/{kind[1]}"
            if set(spec) - FIELD_KEYS:
                return f"field {spec.get('name')} of {name} has keys this reader does not know"
            if spec.get("bareNumber", True) is not True or spec.get("decimalChar", ".") != ".":
                return f"field {spec.get('name')} of {name} reads numbers other than plain"
            if set(spec.get("constraints", {})) - SUPPORTED_CONSTRAINTS:
                return f"field {spec.get('name')} of {name} has constraints this reader does not know"
        for fk in schema.get("foreignKeys", []):
            if not fk.get("reference", {}).get("resource"):
                return f"resource {name} has a foreign key to itself"
    return None


# Cells -------------------------------------------------------------------------------------


# What Frictionless's test for format uri accepts: rfc3986's Validator().require_presence_of("scheme")
# on rfc3986.uri_reference(cell). That parses with RFC 3986's Appendix B expression, whose parts
# are all optional, so a scheme is found exactly when the text starts with one and a colon; and
# the validator, configured so, checks nothing else. tests/test_table_schema.py holds the two to
# the same answers. Not rfc3986 itself: importing it took longer than every URI check it made.
URI_WITH_SCHEME = rules.SCHEME


def _is_uri(cell: str) -> bool:
    """Frictionless's test for format uri: an RFC 3986 reference with a scheme."""
    return URI_WITH_SCHEME.match(cell) is not None


def _read_date(cell: str):
    if ISO_DATE.fullmatch(cell):
        try:
            return date.fromisoformat(cell)
        except ValueError:
            return None
    return rules.date_as_frictionless_reads_it(cell)


def _read_number(cell: str):
    try:
        return Decimal(cell.strip())
    except ArithmeticError:
        return None


def _read_integer(cell: str):
    # Frictionless's integer reader (bareNumber true): int() of the stripped cell.
    try:
        return int(cell.strip())
    except ValueError:
        return None


def _read_uri(cell: str):
    return cell if _is_uri(cell) else None


# A cell's text as Frictionless reads it into a field's type, or None when it cannot be.
READERS = {"date": _read_date, "number": _read_number, "integer": _read_integer}


def constraint_value_problem(kind: str, name: str, value) -> str | None:
    """Why a ``minimum``, ``maximum`` or ``enum`` item ``value`` cannot be compared with the cells
    of a ``kind`` field (Frictionless and this reader would fail on the first cell), or None. A
    number may be written as JSON's number or as text, a date as text (YYYY-MM-DD)."""
    if kind not in READERS:
        # A string field's cells are text: Frictionless reads an item that is not as no value at
        # all, so that a cell "1" failed ``"enum": [1]`` row after row.
        return None if isinstance(value, str) else f"is not text, as a {kind} field's cells are"
    if isinstance(value, bool) or not isinstance(value, (str, int, float)):
        return f"is not a {kind}"
    if isinstance(value, str):
        read = READERS[kind](value)
        return None if read is not None else f"is not a {kind}" + (" (YYYY-MM-DD)" if kind == "date" else "")
    if kind == "date":
        return "is not a date: write it as text, YYYY-MM-DD"
    if kind == "integer" and not isinstance(value, int):
        return "is not an integer"
    return None


CONSTRAINT_MESSAGES = {
    "required": "is required",
    "minimum": "must be at least {}",
    "maximum": "must be at most {}",
    "pattern": "must match {}",
    "enum": "must be one of {}",
}


def constraint_message(name: str, constraint) -> str:
    """A broken constraint as ``validate.readable`` words Frictionless's note about it."""
    template = CONSTRAINT_MESSAGES.get(name)
    return template.format(constraint) if template else f'constraint "{name}" is "{constraint}"'


def cell_reader(spec: dict, *, check: bool = True):
    """A function from a raw cell to (typed value or None, [messages], type error), as
    Frictionless reads it; without ``check``, types only (constraints are not looked at)."""
    kind, form = spec.get("type", "string"), spec.get("format", "default")
    read = READERS.get(kind) or (_read_uri if form == "uri" else None)
    constraints = spec.get("constraints", {})
    bound = READERS.get(kind, lambda text: text)
    checks = []
    for name, constraint in constraints.items():
        message = constraint_message(name, constraint)
        if name == "required":
            if constraint:
                checks.append((lambda value: value is not None, message))
        elif name == "pattern":
            compiled = re.compile(f"^{constraint}$")
            checks.append(
                (
                    lambda value, c=compiled: value is None or c.match(value) is not None,
                    lambda cell, p=constraint: rules.pattern_problem(cell, p),
                )
            )
        elif name == "enum":
            allowed = [bound(v) if isinstance(v, str) else v for v in constraint]
            checks.append(
                (
                    lambda value, a=allowed: value is None or value in a,
                    lambda cell, c=constraint: rules.enum_problem(cell, c),
                )
            )
        elif name == "maxLength":
            checks.append((lambda value, n=constraint: value is None or len(value) <= n, message))
        elif name == "minLength":
            checks.append((lambda value, n=constraint: value is None or len(value) >= n, message))
        elif name in ("minimum", "maximum"):
            # value == value is False for NaN, which fails either bound, as in Frictionless.
            limit = bound(constraint) if isinstance(constraint, str) else constraint
            if name == "minimum":
                checks.append((lambda value, m=limit: value is None or (value == value and value >= m), message))
            else:
                checks.append((lambda value, m=limit: value is None or (value == value and value <= m), message))

    def read_cell(cell: str):
        value = None if cell == "" else cell
        if value is not None and read is not None:
            value = read(value)
            if value is None:
                return None, [rules.type_problem(cell, kind, form)], True
        broken = [message if isinstance(message, str) else message(cell) for test, message in checks if not test(value)]
        return value, broken, False

    if not check:
        checks = []
    return read_cell


# Files -------------------------------------------------------------------------------------


# What a row's cell texts are joined by into the one text its hash is taken of: U+001F (the
# unit separator), a control character validation refuses in any cell (rules.CONTROL_CHARACTER),
# so two rows of a table's width join to the same text only when their cells are the same. One
# text a row, rather than a tuple of cells, is what SQLite hands back cheaply (build.row_texts).
ROW_SEPARATOR = "\x1f"


def row_hash(cells) -> int:
    """Python's hash of one row's cell texts joined by ROW_SEPARATOR. It differs between
    processes (string hashing is salted), so digests are only ever compared within the process
    that made them."""
    return hash(ROW_SEPARATOR.join(cells))


def rows_digest(rows) -> int:
    """Order-independent digest of rows of cell texts (the sum of their ``row_hash``): equal
    multisets of rows give equal digests; one changed cell changes it but with odds of 2**-64."""
    return texts_digest(map(ROW_SEPARATOR.join, rows))


def texts_digest(texts) -> int:
    """``rows_digest`` of rows given as their joined texts (ROW_SEPARATOR's)."""
    # map keeps the loop in C.
    return sum(map(hash, texts))


# One cell of a CSV line as RFC 4180 writes it: quoted throughout, with quotes doubled inside,
# or unquoted and holding neither a comma nor a quote. A line may end in CRLF, which is reported
# once as a carriage return: read as part of the cell, it made every quoted last cell "unquoted",
# 12,000 such lines for a figures.csv a spreadsheet saved.
RFC_4180_CELL = re.compile(r'"(?:[^"]|"")*"(?=,|\r?\n|$)|[^,"\n]*(?=,|\n|$)|[^,\n]*')


def duplicate_key_message(first_line: int) -> str:
    """What a row whose key an earlier row (at ``first_line``) has is told: the line alone left the
    curator to guess whether to delete the row, change its key, or merge the two."""
    return (
        f"duplicate key: the same as line {first_line}; delete this row if it repeats that one, "
        "or give it a key of its own"
    )


def unquoted_cells_with_a_quote(line: str) -> list[int]:
    """The 0-based columns of ``line`` (one CSV record, its line end included) whose cell holds
    a double quote without being quoted (``a,b"c,d`` gives [1]). Python's csv module and
    Frictionless read such a cell as written; RFC 4180 does not allow it."""
    columns, at, column = [], 0, 0
    while True:
        cell = RFC_4180_CELL.match(line, at)
        text = cell.group()
        if '"' in text and not (text.startswith('"') and text.endswith('"') and len(text) > 1):
            columns.append(column)
        at = cell.end()
        if at >= len(line) or line[at] != ",":
            return columns
        at, column = at + 1, column + 1


def _lines(handle, shown: str):
    """The file's lines, refusing the structure Frictionless reads differently, and a quote in a
    cell that is not quoted (raw_file_problems words it)."""
    last = ""
    for last in handle:
        if "\r" in last:
            raise Damaged(f"{shown}: carriage return")
        if '"' in last and unquoted_cells_with_a_quote(last):
            raise Damaged(f"{shown}: a quote in an unquoted cell")
        yield last
    if last and not last.endswith("\n"):
        raise Damaged(f"{shown}: no final newline")


def read_table(path: Path, shown: str, resource: dict, *, check: bool = True) -> Table:
    """One resource: every row typed and checked against its fields, keys left to the caller.
    Without ``check``, rows are typed (type errors still reported) and nothing else is looked at."""
    specs = resource["schema"]["fields"]
    names = [spec["name"] for spec in specs]
    table = Table(resource["name"], names)
    readers = [cell_reader(spec, check=check) for spec in specs]
    numeric = [spec.get("type") in NUMERIC_TYPES for spec in specs]
    dates = [spec.get("type") == "date" for spec in specs]
    kinds = safety.field_kinds(specs, safety.key_names(resource["schema"]))
    safety_kinds = [kinds.get(name) for name in names]
    # Per column, what a short cell already read gave (value, messages, type error, raw-text
    # messages): a repeated id, date or wording is read once and its value shared, not copied.
    known: list[dict[str, tuple]] = [{} for _ in specs]
    width = len(names)
    problems, rows, type_errors = table.problems, table.rows, table.type_errors
    digest = 0
    try:
        with path.open("rb") as binary:
            if binary.read(3) == b"\xef\xbb\xbf":
                raise Damaged(f"{shown}: byte-order mark")
            binary.seek(0)
            text = io.TextIOWrapper(binary, encoding="utf-8", newline="")
            reader = csv_reader(_lines(text, shown), strict=True)
            header = next(reader, None)
            if header != names:
                raise Damaged(f"{shown}: header")
            line = 1
            for record in reader:
                line += 1
                if reader.line_num != line or len(record) != width or not any(record) or record == names:
                    # (A second header is a row only by position: raw_file_problems tells it once.)
                    raise Damaged(f"{shown}:{reader.line_num}: record structure")
                digest += row_hash(record)
                typed = []
                for index, cell in enumerate(record):
                    cached = known[index].get(cell)
                    if cached is None:
                        value, broken, type_error = readers[index](cell)
                        raw = []
                        if check:
                            raw = rules.cell_problems(cell, numeric=numeric[index], is_date=dates[index])
                            raw += safety.cell_safety_problems(safety_kinds[index], cell)
                        cached = (value, broken, type_error, raw)
                        if len(cell) <= REMEMBERED_CELL_LENGTH and len(known[index]) < REMEMBERED_CELLS:
                            known[index][cell] = cached
                    value, broken, type_error, cell_messages = cached
                    typed.append(value)
                    if broken:
                        if type_error:
                            type_errors.add((line, names[index]))
                        for message in broken:
                            problems.append((line, names[index], message))
                    for message in cell_messages:
                        problems.append((line, names[index], message))
                rows.append(tuple(typed))
    except (UnicodeDecodeError, csv.Error) as error:
        raise Damaged(f"{shown}: {error}") from error
    except OSError as error:
        raise Damaged(f"{shown}: {error}") from error
    # Every record is one line (a longer one is Damaged): row i is on line i + 2.
    table.lines = range(2, len(rows) + 2)
    table.digest = digest
    return table


def key_problems(tables: dict[str, Table], descriptor: dict) -> None:
    """Primary and foreign keys, appended to each table's problems as Frictionless words them."""
    lookups: dict[tuple, set] = {}
    for resource in descriptor["resources"]:
        table = tables[resource["name"]]
        schema = resource["schema"]
        key = key_fields(schema.get("primaryKey", []))
        if key:
            shown_key = ",".join(key)
            positions = [table.column(name) for name in key]
            first_line: dict = {}
            for row, line in zip(table.rows, table.lines, strict=True):
                cells = tuple(row[i] for i in positions)
                if all(cell is None for cell in cells):
                    table.problems.append((line, shown_key, 'cells composing the primary keys are all "None"'))
                    continue
                match = first_line.get(cells)
                first_line[cells] = line
                if match:
                    table.problems.append((line, shown_key, duplicate_key_message(match)))
        for spec in schema["fields"]:
            if spec.get("constraints", {}).get("unique"):
                position, seen = table.column(spec["name"]), {}
                for row, line in zip(table.rows, table.lines, strict=True):
                    if row[position] is None:
                        continue
                    if row[position] in seen:
                        # Frictionless's note for a unique constraint, naming the previous such row.
                        message = f"the same as in the row at position {seen[row[position]]}"
                        table.problems.append((line, spec["name"], message))
                    seen[row[position]] = line
        for fk in schema.get("foreignKeys", []):
            fields = key_fields(fk["fields"])
            reference = fk["reference"]
            target_fields = key_fields(reference["fields"])
            lookup_key = (reference["resource"], tuple(target_fields))
            if lookup_key not in lookups:
                target = tables[reference["resource"]]
                positions = [target.column(name) for name in target_fields]
                values = {tuple(row[i] for i in positions) for row in target.rows}
                values.discard(tuple(None for _ in positions))
                lookups[lookup_key] = values
            lookup = lookups[lookup_key]
            positions = [table.column(name) for name in fields]
            if len(positions) == 1:
                # One column: compare the cell itself, not a one-cell tuple per row.
                (position,) = positions
                single = {cells[0] for cells in lookup}
                broken = [
                    (line, (row[position],))
                    for row, line in zip(table.rows, table.lines, strict=True)
                    if row[position] is not None and row[position] not in single
                ]
            else:
                broken = [
                    (line, cells)
                    for row, line in zip(table.rows, table.lines, strict=True)
                    if (cells := tuple(row[i] for i in positions)) not in lookup
                    and not all(cell is None for cell in cells)
                ]
            for line, cells in broken:
                table.problems.append(
                    (
                        line,
                        ",".join(fields),
                        f'for "{", ".join(fields)}": values "{", ".join(str(c) for c in cells)}" '
                        f'not found in the lookup table "{reference["resource"]}" as "{", ".join(target_fields)}"',
                    )
                )


def read_package(package_path: Path, descriptor: dict, shown, *, check: bool = True) -> dict[str, Table]:
    """Every resource read once and checked against its schema and keys.

    ``shown(path)`` gives the path that messages print. ``check=False`` only types the rows (for
    a package already validated: see ``stamp``). Raises ``Damaged`` (see the module).
    """
    folder = Path(package_path).parent
    tables = {}
    for resource in descriptor["resources"]:
        path = folder / resource["path"]
        tables[resource["name"]] = read_table(path, shown(path), resource, check=check)
    if check:
        key_problems(tables, descriptor)
    return tables


def record_lines(path: Path) -> list[int] | None:
    """[the line each record starts on] of a CSV, header first (index 0, line 1), blank rows
    counted as Frictionless counts them; None when every record is one line (record n is then on
    line n), when the file cannot be read, or when a record is not well-formed (the lines after
    it are then unknown, and raw_file_problems reports it). Frictionless numbers records, not
    lines: after a cell with a line break in it, its row numbers fall one short per break."""
    try:
        with path.open(encoding="utf-8-sig", errors="replace", newline="") as handle:
            reader = csv_reader(handle, strict=True)
            starts, previous = [], 0
            for _ in reader:
                starts.append(previous + 1)
                previous = reader.line_num
    except (OSError, csv.Error):
        return None
    return None if previous == len(starts) else starts


def read_text_rows(path: Path, names: list[str] | None = None) -> list[tuple[int, dict]]:
    """Rows of a CSV with their line numbers, tolerant of the damage reported elsewhere: each
    row is {name: cell text} for every one of ``names`` (the schema's fields; by default the
    file's header), by position, "" where a short row has no cell, so that the rules across rows
    read a renamed header, a missing cell or an extra one as what they are: reported already.
    A byte that is not UTF-8 (reported with its line) reads as U+FFFD, so that one bad byte
    does not empty the table for the rules that look rows up in it."""
    try:
        with path.open(encoding="utf-8-sig", errors="replace", newline="") as handle:
            reader = csv_reader(handle)
            header = next(reader, [])
            names = header if names is None else names
            rows, previous = [], reader.line_num
            for cells in reader:
                # The line a record starts on: line_num is where it ends, after a line break in a cell.
                start, previous = previous + 1, reader.line_num
                if cells:
                    rows.append((start, {name: cells[i] if i < len(cells) else "" for i, name in enumerate(names)}))
            return rows
    except (OSError, csv.Error):
        return []
