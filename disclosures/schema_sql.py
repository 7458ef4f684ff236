"""SQL from the Table Schema: the schema decides every column's type, key and constraint.

Nothing is guessed: a ``string`` is TEXT even when every cell looks like a number, so ``007``
stays ``007``. The build adds a few columns to ``figures`` (``BUILD_COLUMNS``), described here
so that the site's column descriptions can be derived from them like the schema's own.
"""

from __future__ import annotations

from .table_schema import key_fields

SQLITE_TYPES = {"string": "TEXT", "date": "TEXT", "integer": "INTEGER", "number": "NUMERIC", "boolean": "INTEGER"}

# Columns the build adds to figures. Their descriptions feed the site like the schema's do.
BUILD_COLUMNS = {
    "is_derived": {
        "type": "INTEGER NOT NULL DEFAULT 0 CHECK (is_derived IN (0, 1))",
        "title": "Derived",
        "description": "1 when the build computed this figure from reported ones (its inputs: derivation, and the database's figure_inputs table); 0 when a source reported it.",
    },
    "derivation": {
        "type": "TEXT",
        "title": "Derivation",
        "description": "For a derived figure, the arithmetic on reported figure ids that produced it.",
    },
    "period_kind": {
        "type": "TEXT NOT NULL",
        "title": "Period kind",
        "description": "year, half, quarter, month, year_to_date (1 January to a month end) or other.",
    },
    "period_label": {
        "type": "TEXT NOT NULL",
        "title": "Period",
        "description": "Short label of the period: 2024, 2024h1, 2024q3, or start-end dates.",
    },
    "unit": {
        "type": "TEXT NOT NULL CHECK (unit IN ('count', 'percent', 'fraction'))",
        "title": "Unit",
        "description": "The metric's unit: count (requests, accounts), percent (0 to 100) or fraction (0 to 1, as the platform published it).",
    },
    "recency_rank": {
        # Unique through build.UNIQUE_INDEXES, made after the load (one sort) rather than kept
        # during it (an insert at a random place per row).
        "type": "INTEGER NOT NULL",
        "title": "Recency rank",
        "description": "1 for the figure whose period ended last, then onwards (ties by figure id). The table's "
        "default order: unique, so paging through it never skips or repeats a row.",
    },
    "value_text": {
        "type": "TEXT NOT NULL",
        "title": "Value as reported",
        "description": "The value for readers, as it was reported: 14,641, 81.5%, 0–249 (a band), fewer than 30, "
        "withheld or not reported.",
    },
    "value_note": {
        # NULL, not "", for a plain number: the released CSV's empty cell reads as null
        # (missingValues), and every format then agrees.
        "type": "TEXT",
        "title": "How to read the value",
        "description": "What the value means beyond its number: a band, a threshold, a share from 0 to 1, a "
        "withheld or unreported figure, a share of requests where 0 requests received are recorded (a share of "
        "none); null for a plain number.",
    },
    "source_tier": {
        "type": "TEXT NOT NULL REFERENCES source_tiers (tier_id)",
        "title": "Source tier",
        "description": "How close the figure's source is to the platform's own words (see source_tiers, strongest "
        "first): platform_file, platform_file_archived, third_party_extraction, crowdsourced, press_quoting, "
        "press_paraphrasing. A derived figure has the weakest tier among its inputs.",
    },
    "year": {
        "type": "INTEGER",
        "title": "Year",
        "description": "The calendar year of the period, when it lies within one year.",
    },
}
# Build columns that every download of the table carries (the release's CSV and JSON files too),
# with the Table Schema field and foreign key they get in the released package.
DOWNLOAD_COLUMNS = {
    "figures": {
        "source_tier": {
            "field": {"type": "string", "constraints": {"required": True}},
            "reference": {"resource": "source_tiers", "fields": ["tier_id"]},
        }
    }
}
# Derived figures have no source of their own: their inputs do.
DERIVED_MAY_OMIT = {"source_id", "source_locator", "quote", "platform_wording"}


def quote_ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def sql_literal(value) -> str:
    if isinstance(value, (int, float)):
        return str(value)
    return "'" + str(value).replace("'", "''") + "'"


def column_sql(field: dict, *, nullable: bool = False) -> str:
    name = quote_ident(field["name"])
    parts = [name, SQLITE_TYPES[field["type"]]]
    constraints = field.get("constraints", {})
    if constraints.get("required") and not nullable:
        parts.append("NOT NULL")
    check = field_check(field)
    if check is not None:
        parts.append(f"CHECK ({check})")
    return " ".join(parts)


def field_check(field: dict) -> str | None:
    """The expression of the CHECK constraint ``column_sql`` gives the field (what its Table
    Schema constraints and type require of a value: enum, minimum, an ISO date), as
    ``check_constraints`` reads it back from the table's SQL; None when it has none."""
    name = quote_ident(field["name"])
    constraints = field.get("constraints", {})
    checks = []
    if "enum" in constraints:
        checks.append(f"{name} IN ({', '.join(sql_literal(v) for v in constraints['enum'])})")
    if "minimum" in constraints:
        checks.append(f"{name} >= {sql_literal(constraints['minimum'])}")
    if field["type"] == "date":
        checks.append(f"date({name}) = {name}")
    return f"{name} IS NULL OR ({' AND '.join(checks)})" if checks else None


def download_resource(resource: dict) -> dict:
    """The resource as downloads publish it: its schema plus the build columns of DOWNLOAD_COLUMNS.

    Returns a new descriptor (the input is not changed); a resource without such columns comes back
    equal to the input.
    """
    extra = DOWNLOAD_COLUMNS.get(resource["name"], {})
    if not extra:
        return resource
    schema = dict(resource["schema"])
    schema["fields"] = list(schema["fields"]) + [
        {
            "name": name,
            **spec["field"],
            "title": BUILD_COLUMNS[name]["title"],
            "description": BUILD_COLUMNS[name]["description"],
        }
        for name, spec in extra.items()
    ]
    schema["foreignKeys"] = list(schema.get("foreignKeys", [])) + [
        {"fields": [name], "reference": spec["reference"]} for name, spec in extra.items() if "reference" in spec
    ]
    return dict(resource, schema=schema)


def create_table_sql(resource: dict, key: bool = True) -> str:
    """CREATE TABLE for a resource of the package: its columns typed from its Table Schema (and
    the build's own columns of figures), CHECKs, PRIMARY KEY and FOREIGN KEYs. ``key=False``
    leaves the PRIMARY KEY out, for a table whose key is added once it is loaded
    (``build.add_primary_key``)."""
    schema = resource["schema"]
    is_figures = resource["name"] == "figures"
    lines, table_checks = [], []
    for field in schema["fields"]:
        relaxed = is_figures and field["name"] in DERIVED_MAY_OMIT
        lines.append(column_sql(field, nullable=relaxed))
        if relaxed and field.get("constraints", {}).get("required"):
            table_checks.append(f"CHECK (is_derived = 1 OR {quote_ident(field['name'])} IS NOT NULL)")
    if is_figures:
        for name, spec in BUILD_COLUMNS.items():
            lines.append(f"{quote_ident(name)} {spec['type']}")
    lines += table_checks
    if key:
        lines.append(f"PRIMARY KEY ({', '.join(quote_ident(n) for n in key_fields(schema['primaryKey']))})")
    for fk in schema.get("foreignKeys", []):
        ref = fk["reference"]
        # An empty resource is the resource itself (Table Schema), as validation reads it.
        lines.append(
            f"FOREIGN KEY ({', '.join(quote_ident(n) for n in key_fields(fk['fields']))}) "
            f"REFERENCES {quote_ident(ref['resource'] or resource['name'])} ({', '.join(quote_ident(n) for n in key_fields(ref['fields']))})"
        )
    body = ",\n  ".join(lines)
    return f"CREATE TABLE {quote_ident(resource['name'])} (\n  {body}\n)"


# The two link tables are their keys: WITHOUT ROWID stores each row once, in its key's B-tree,
# rather than in a table plus an index of the same columns (half the pages, one insert per row).
SERIES_MEMBERS_SQL = """CREATE TABLE series_members (
  figure_id TEXT NOT NULL PRIMARY KEY REFERENCES figures (figure_id)
) WITHOUT ROWID"""

FIGURE_INPUTS_SQL = """CREATE TABLE figure_inputs (
  figure_id TEXT NOT NULL REFERENCES figures (figure_id),
  input_figure_id TEXT NOT NULL REFERENCES figures (figure_id),
  sign INTEGER NOT NULL CHECK (sign IN (-1, 1)),
  PRIMARY KEY (figure_id, input_figure_id)
) WITHOUT ROWID"""


# Each complement the build does not derive because its part is more than its whole
# (derive.LeftOut): a reader who looks for Oct-Dec finds why it is missing, not nothing.
DERIVATIONS_LEFT_OUT_SQL = """CREATE TABLE derivations_left_out (
  platform_id TEXT NOT NULL REFERENCES platforms (platform_id),
  jurisdiction_id TEXT NOT NULL REFERENCES jurisdictions (jurisdiction_id),
  request_type_id TEXT NOT NULL REFERENCES request_types (request_type_id),
  metric_id TEXT NOT NULL REFERENCES metrics (metric_id),
  period_start TEXT NOT NULL,
  period_end TEXT NOT NULL,
  period_label TEXT NOT NULL,
  whole_figure_id TEXT NOT NULL REFERENCES figures (figure_id),
  part_figure_id TEXT NOT NULL REFERENCES figures (figure_id),
  reason TEXT NOT NULL,
  PRIMARY KEY (platform_id, jurisdiction_id, request_type_id, metric_id, period_start, period_end)
)"""
DERIVATIONS_LEFT_OUT_COLUMNS = [
    "platform_id",
    "jurisdiction_id",
    "request_type_id",
    "metric_id",
    "period_start",
    "period_end",
    "period_label",
    "whole_figure_id",
    "part_figure_id",
    "reason",
]


def check_constraints(create_sql: str) -> list[str]:
    """The expression of every CHECK constraint in ``create_sql`` (a CREATE TABLE statement),
    column and table constraints alike, in the order written: what SQLite evaluates for each
    row. Quoted text and identifiers ('...', "...", `...`, [...]) and comments (-- and /* */)
    are skipped, so a CHECK or a parenthesis inside one is not taken for a constraint."""
    found, at = [], 0
    while at < len(create_sql):
        if create_sql[at] in QUOTES:
            at = _after_quoted(create_sql, at)
        elif create_sql.startswith(("--", "/*"), at):
            at = _after_comment(create_sql, at)
        elif _keyword_at(create_sql, at, "CHECK"):
            start = create_sql.index("(", at + len("CHECK"))
            depth, end = 0, start
            while True:
                if create_sql[end] in QUOTES:
                    end = _after_quoted(create_sql, end)
                    continue
                if create_sql.startswith(("--", "/*"), end):
                    end = _after_comment(create_sql, end)
                    continue
                depth += {"(": 1, ")": -1}.get(create_sql[end], 0)
                if depth == 0:
                    break
                end += 1
            found.append(create_sql[start + 1 : end].strip())
            at = end + 1
        else:
            at += 1
    return found


# SQL's quotes, each with the character that closes it.
QUOTES = {"'": "'", '"': '"', "`": "`", "[": "]"}


def _after_quoted(text: str, at: int) -> int:
    """The index just past the quoted text or identifier opening at ``at`` (a doubled closing
    quote stands for itself)."""
    close, inside = QUOTES[text[at]], at + 1
    while True:
        end = text.index(close, inside)
        if close != "]" and text[end + 1 : end + 2] == close:
            inside = end + 2
            continue
        return end + 1


def _after_comment(text: str, at: int) -> int:
    """The index just past the comment opening at ``at`` (-- to the line's end, /* to */)."""
    if text.startswith("--", at):
        end = text.find("\n", at)
        return len(text) if end < 0 else end + 1
    end = text.find("*/", at + 2)
    return len(text) if end < 0 else end + 2


def _keyword_at(text: str, at: int, keyword: str) -> bool:
    """True when ``keyword`` (any case) is at ``at`` as a word of its own."""

    def word(character: str) -> bool:
        return character.isalnum() or character == "_"

    after = at + len(keyword)
    return (
        text[at:after].upper() == keyword
        and (at == 0 or not word(text[at - 1]))
        and (after >= len(text) or not word(text[after]))
    )
