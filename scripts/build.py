"""Build disclosures.db from the validated data package.

The Table Schema decides every column's type, key and constraint; nothing is guessed. The
database is written to a temporary file, checked, and only then renamed into place, so a
failed build leaves the previous database untouched.

Example:
    python scripts/build.py                    # data/ -> disclosures.db
    python scripts/build.py --db /tmp/test.db
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import sqlite3
import sys
from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path

import sqlite_utils

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    import rules  # type: ignore[no-redef]
    import validate  # type: ignore[no-redef]
else:
    from . import rules, validate

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "datapackage.json"
DATABASE = ROOT / "disclosures.db"

SQLITE_TYPES = {"string": "TEXT", "date": "TEXT", "integer": "INTEGER", "number": "NUMERIC", "boolean": "INTEGER"}

# Columns the build adds to figures. Their descriptions feed the site like the schema's do.
BUILD_COLUMNS = {
    "is_derived": {
        "type": "INTEGER NOT NULL DEFAULT 0 CHECK (is_derived IN (0, 1))",
        "title": "Derived",
        "description": "1 when the build computed this figure from reported ones (see figure_inputs); 0 when a source reported it.",
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
        "type": "INTEGER NOT NULL UNIQUE",
        "title": "Recency rank",
        "description": "1 for the figure whose period ended last, then onwards (ties by figure id). The table's "
                       "default order: unique, so paging through it never skips or repeats a row.",
    },
    "year": {
        "type": "INTEGER",
        "title": "Year",
        "description": "The calendar year of the period, when it lies within one year.",
    },
}
# Derived figures have no source of their own: their inputs do.
DERIVED_MAY_OMIT = {"source_id", "source_locator", "quote"}

FTS_COLUMNS = {
    "figures": ["quote", "notes", "platform_wording"],
    "sources": ["title", "publisher", "notes"],
    "events": ["title", "description", "quote"],
    "disagreements": ["claimed_text", "explanation"],
}
INDEXES = {
    "figures": [["platform_id"], ["jurisdiction_id"], ["metric_id"], ["request_type_id"], ["source_id"],
                ["year"], ["period_kind"], ["value_kind"], ["is_derived"], ["period_start", "period_end"],
                ["platform_id", "jurisdiction_id", "request_type_id", "metric_id", "period_start"]],
    "sources": [["kind"], ["publisher"]],
    "events": [["platform_id"], ["event_date"], ["source_id"]],
    "disagreements": [["figure_id"], ["source_id"], ["kind"]],
    "jurisdictions": [["kind"]],
    "figure_inputs": [["input_figure_id"]],
}

VIEWS = {
    # One row per platform, jurisdiction, period and request type, metrics side by side.
    "requests_and_accounts": """
SELECT platform_id, jurisdiction_id, period_start, period_end, period_label, period_kind, request_type_id,
  MAX(CASE WHEN metric_id = 'requests_received' THEN value END) AS requests_received,
  MAX(CASE WHEN metric_id = 'requests_fulfilled' THEN value END) AS requests_fulfilled,
  MAX(CASE WHEN metric_id = 'accounts_specified' THEN value END) AS accounts_specified,
  MAX(CASE WHEN metric_id = 'accounts_affected' THEN value END) AS accounts_affected,
  MAX(CASE WHEN metric_id = 'percent_requests_some_data' THEN value END) AS percent_requests_some_data,
  MAX(is_derived) AS includes_derived,
  group_concat(figure_id, ' ') AS figure_ids
FROM (SELECT * FROM figures WHERE value_kind = 'exact' ORDER BY figure_id)
GROUP BY platform_id, jurisdiction_id, period_start, period_end, request_type_id
""",
    # One non-overlapping series per platform, jurisdiction, request type and metric (see
    # rules.non_overlapping): sums over this view never count a period twice.
    "figures_series": """
SELECT figures.* FROM figures JOIN series_members USING (figure_id)
""",
    # What is known for each platform, jurisdiction and period: reported, or only derived.
    "coverage": """
SELECT platform_id, jurisdiction_id, period_start, period_end, period_label, period_kind,
  CASE WHEN MIN(is_derived) = 0 THEN 'reported' ELSE 'derived' END AS status,
  count(*) AS figures
FROM figures GROUP BY platform_id, jurisdiction_id, period_start, period_end
""",
}
# Platforms whose coverage matrix (jurisdictions × periods) gets a view of its own.
COVERAGE_MATRICES = ["telegram"]


class BuildFailed(Exception):
    pass


@dataclass(frozen=True)
class Derived:
    row: dict
    inputs: tuple[tuple[str, int], ...]  # (figure_id, sign)


# Schema → SQL -----------------------------------------------------------------------------


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
    checks = []
    if "enum" in constraints:
        checks.append(f"{name} IN ({', '.join(sql_literal(v) for v in constraints['enum'])})")
    if "minimum" in constraints:
        checks.append(f"{name} >= {sql_literal(constraints['minimum'])}")
    if field["type"] == "date":
        checks.append(f"date({name}) = {name}")
    if checks:
        parts.append(f"CHECK ({name} IS NULL OR ({' AND '.join(checks)}))")
    return " ".join(parts)


def create_table_sql(resource: dict) -> str:
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
    lines.append(f"PRIMARY KEY ({', '.join(quote_ident(n) for n in schema['primaryKey'])})")
    for fk in schema.get("foreignKeys", []):
        ref = fk["reference"]
        lines.append(
            f"FOREIGN KEY ({', '.join(quote_ident(n) for n in fk['fields'])}) "
            f"REFERENCES {quote_ident(ref['resource'])} ({', '.join(quote_ident(n) for n in ref['fields'])})"
        )
    body = ",\n  ".join(lines)
    return f"CREATE TABLE {quote_ident(resource['name'])} (\n  {body}\n)"


SERIES_MEMBERS_SQL = """CREATE TABLE series_members (
  figure_id TEXT NOT NULL PRIMARY KEY REFERENCES figures (figure_id)
)"""

FIGURE_INPUTS_SQL = """CREATE TABLE figure_inputs (
  figure_id TEXT NOT NULL REFERENCES figures (figure_id),
  input_figure_id TEXT NOT NULL REFERENCES figures (figure_id),
  sign INTEGER NOT NULL CHECK (sign IN (-1, 1)),
  PRIMARY KEY (figure_id, input_figure_id)
)"""


# Reading the package -----------------------------------------------------------------------


def to_sql_value(value):
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, date):
        return value.isoformat()
    return value


def read_typed_rows(package_path: Path, descriptor: dict) -> dict[str, list[dict]]:
    """Rows of every resource, typed by the Table Schema (Frictionless parses, we don't guess)."""
    import frictionless

    package = frictionless.Package(str(package_path))
    tables = {}
    for resource in descriptor["resources"]:
        with package.get_resource(resource["name"]) as reader:
            rows = [{k: to_sql_value(v) for k, v in row.to_dict().items()} for row in reader.row_stream]
        key = resource["schema"]["primaryKey"]
        tables[resource["name"]] = sorted(rows, key=lambda r: tuple(r[k] for k in key))
    return tables


# Derived figures ------------------------------------------------------------------------


def _period(row) -> tuple[date, date]:
    return (date.fromisoformat(row["period_start"]), date.fromisoformat(row["period_end"]))


def derive_figures(figures: list[dict], units: dict[str, str]) -> list[Derived]:
    """Complements of cumulative reports: whole − its largest reported part sharing an end.

    Telegram's 2024 report is cumulative and so includes Jan–Sep; 2024 − Jan–Sep is Oct–Dec.
    Only standard periods (quarter, half, year) are derived, only from exact counts, and never
    where a source reported that period or reported figures already cover it.
    """
    groups: dict[tuple, list[dict]] = defaultdict(list)
    for row in figures:
        if row["value_kind"] == "exact" and row["value"] is not None and units.get(row["metric_id"]) == "count":
            groups[(row["platform_id"], row["jurisdiction_id"], row["request_type_id"], row["metric_id"])].append(row)
    derived: dict[tuple, Derived] = {}
    for group, members in sorted(groups.items()):
        periods = {_period(r) for r in members}
        for whole in sorted(members, key=lambda r: r["figure_id"]):
            whole_period = _period(whole)
            for side in (0, 1):
                parts = [r for r in members
                         if rules.strictly_within(_period(r), whole_period) and _period(r)[side] == whole_period[side]]
                if not parts:
                    continue
                part = max(parts, key=lambda r: (_period(r)[1] - _period(r)[0], r["figure_id"]))
                rest = rules.complement(_period(part), whole_period)
                if rest is None or not rules.is_standard_period(*rest) or rest in periods:
                    continue
                inside = [p for p in periods if rules.strictly_within(p, rest)]
                if rules.tiles(rules.minimal(inside), rest):
                    continue
                key = (*group, rest)
                if key in derived:
                    continue
                platform, jurisdiction, request_type, metric = group
                label = rules.period_label(*rest)
                row = {
                    "figure_id": f"{platform}-{jurisdiction.lower()}-{label}-{request_type}-{metric}-derived",
                    "platform_id": platform, "jurisdiction_id": jurisdiction,
                    "period_start": rest[0].isoformat(), "period_end": rest[1].isoformat(),
                    "request_type_id": request_type, "metric_id": metric, "value_kind": "exact",
                    "value": whole["value"] - part["value"], "value_low": None, "value_high": None,
                    "platform_wording": whole["platform_wording"], "source_id": None, "source_locator": None,
                    "quote": None,
                    "notes": (f"Derived by the build: {whole['figure_id']} ({whole['value']}) − "
                              f"{part['figure_id']} ({part['value']})."),
                    "is_derived": 1,
                    "derivation": f"{whole['figure_id']} - {part['figure_id']}",
                }
                derived[key] = Derived(row, ((whole["figure_id"], 1), (part["figure_id"], -1)))
    return [derived[k] for k in sorted(derived, key=lambda k: derived[k].row["figure_id"])]


def with_recency_rank(rows: list[dict]) -> list[dict]:
    """Number the figures newest first. Datasette 0.65 orders a table's first page by the sort
    column alone and later pages by sort column then key, so a sort column with ties skips rows
    at page boundaries; a unique rank cannot tie."""
    ordered = sorted(rows, key=lambda r: r["figure_id"])
    ordered.sort(key=lambda r: r["period_end"], reverse=True)
    rank = {r["figure_id"]: i for i, r in enumerate(ordered, start=1)}
    return [{**r, "recency_rank": rank[r["figure_id"]]} for r in rows]


def series_members(figures: list[dict]) -> list[str]:
    """Ids of the figures that make up the non-overlapping series of each group."""
    groups: dict[tuple, list] = defaultdict(list)
    for row in figures:
        if row["value_kind"] == "exact":
            key = (row["platform_id"], row["jurisdiction_id"], row["request_type_id"], row["metric_id"])
            groups[key].append((_period(row), row["figure_id"]))
    return sorted(fid for items in groups.values() for fid in rules.non_overlapping(items))


def with_period_columns(row: dict, units: dict[str, str]) -> dict:
    start, end = _period(row)
    row = dict(row)
    row["unit"] = units[row["metric_id"]]
    row.setdefault("is_derived", 0)
    row.setdefault("derivation", None)
    row["period_kind"] = rules.period_kind(start, end)
    row["period_label"] = rules.period_label(start, end)
    row["year"] = start.year if start.year == end.year else None
    return row


# Checks before the database is published -------------------------------------------------


def csv_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return repr(value)
    return str(value)


def check_database(db: sqlite_utils.Database, package_path: Path, descriptor: dict) -> None:
    """Integrity, foreign keys, series without overlap, and every CSV cell equal in the DB."""
    unsafe = [name for (name,) in db.execute("SELECT name FROM sqlite_master WHERE name NOT LIKE 'sqlite_%'")
              if not rules.SAFE_NAME.match(name)]
    for (table,) in db.execute("SELECT name FROM sqlite_master WHERE type IN ('table', 'view')").fetchall():
        unsafe += [f"{table}.{column}" for (column,) in db.execute(f"SELECT name FROM pragma_table_info('{table}')")
                   if not rules.SAFE_NAME.match(column)]
    if unsafe:
        raise BuildFailed(f"names unsafe for SQLite and Datasette (must match {rules.SAFE_NAME.pattern}): {unsafe[:10]}")
    integrity = db.execute("PRAGMA integrity_check").fetchall()
    if integrity != [("ok",)]:
        raise BuildFailed(f"integrity_check failed: {integrity}")
    broken = db.execute("PRAGMA foreign_key_check").fetchall()
    if broken:
        raise BuildFailed(f"foreign_key_check failed: {broken[:10]}")
    overlaps = db.execute("""
        SELECT a.figure_id, b.figure_id FROM figures_series a JOIN figures_series b
          ON a.platform_id = b.platform_id AND a.jurisdiction_id = b.jurisdiction_id
         AND a.request_type_id = b.request_type_id AND a.metric_id = b.metric_id
         AND a.figure_id < b.figure_id
         AND a.period_start <= b.period_end AND b.period_start <= a.period_end""").fetchall()
    if overlaps:
        raise BuildFailed(f"figures_series has overlapping periods: {overlaps[:10]}")
    for resource in descriptor["resources"]:
        names = [f["name"] for f in resource["schema"]["fields"]]
        with (package_path.parent / resource["path"]).open(encoding="utf-8", newline="") as handle:
            expected = sorted(tuple(r) for r in list(csv.reader(handle))[1:])
        where = " WHERE is_derived = 0" if resource["name"] == "figures" else ""
        columns = ", ".join(quote_ident(n) for n in names)
        actual = sorted(tuple(csv_text(v) for v in row)
                        for row in db.execute(f"SELECT {columns} FROM {quote_ident(resource['name'])}{where}"))
        if actual != expected:
            missing = sorted(set(expected) - set(actual))[:3]
            extra = sorted(set(actual) - set(expected))[:3]
            raise BuildFailed(
                f"round trip of {resource['path']} failed: {len(expected)} CSV rows, {len(actual)} DB rows; "
                f"in CSV only: {missing}; in DB only: {extra}"
            )


# The build ---------------------------------------------------------------------------------


def populate(db: sqlite_utils.Database, descriptor: dict, tables: dict[str, list[dict]]) -> None:
    units = {m["metric_id"]: m["unit"] for m in tables.get("metrics", [])}
    derived = derive_figures(tables["figures"], units)
    reported_ids = {r["figure_id"] for r in tables["figures"]}
    for item in derived:
        if item.row["figure_id"] in reported_ids:
            raise BuildFailed(f"derived figure id {item.row['figure_id']} collides with a reported figure")
    with db.conn:
        for resource in descriptor["resources"]:
            db.execute(create_table_sql(resource))
        db.execute(FIGURE_INPUTS_SQL)
        db.execute(SERIES_MEMBERS_SQL)
        for resource in descriptor["resources"]:
            rows = tables[resource["name"]]
            if resource["name"] == "figures":
                rows = [with_period_columns(r, units) for r in rows] + [with_period_columns(d.row, units) for d in derived]
                rows = with_recency_rank(rows)
            if rows:
                db[resource["name"]].insert_all(rows, batch_size=500)
        members = series_members(tables["figures"] + [d.row for d in derived])
        db["series_members"].insert_all({"figure_id": fid} for fid in members)
        links = [{"figure_id": d.row["figure_id"], "input_figure_id": fid, "sign": sign}
                 for d in derived for fid, sign in d.inputs]
        if links:
            db["figure_inputs"].insert_all(links)
        for table, indexes in INDEXES.items():
            for columns in indexes:
                db[table].create_index(columns, if_not_exists=True, find_unique_name=False)
        for view, sql in VIEWS.items():
            db.create_view(view, sql.strip(), replace=True)
    for platform in COVERAGE_MATRICES:
        db.create_view(f"{platform}_coverage", coverage_matrix_sql(db, platform), replace=True)
    for table, columns in FTS_COLUMNS.items():
        db[table].enable_fts(columns, create_triggers=False, replace=True, tokenize="porter")


def coverage_matrix_sql(db: sqlite_utils.Database, platform: str) -> str:
    """A view with one row per jurisdiction and one column per period the platform has data for."""
    periods = db.execute(
        "SELECT DISTINCT period_start, period_end FROM figures WHERE platform_id = ? ORDER BY period_end, period_start",
        [platform]).fetchall()
    columns = []
    for start, end in periods:
        name = rules.period_column(date.fromisoformat(start), date.fromisoformat(end))
        columns.append(
            f"  COALESCE(MAX(CASE WHEN c.period_start = {sql_literal(start)} AND c.period_end = {sql_literal(end)}"
            f" THEN c.status END), 'missing') AS {quote_ident(name)}")
    select = ",\n".join(["  c.jurisdiction_id", "  j.name AS jurisdiction"] + columns)
    return (f"SELECT\n{select}\nFROM coverage c JOIN jurisdictions j USING (jurisdiction_id)\n"
            f"WHERE c.platform_id = {sql_literal(platform)}\nGROUP BY c.jurisdiction_id ORDER BY j.name")


def build_database(package_path: Path = PACKAGE, db_path: Path = DATABASE) -> Path:
    """Validate, build into a temporary file, check it, then atomically replace ``db_path``."""
    package_path, db_path = Path(package_path), Path(db_path)
    problems = validate.validate_package(package_path, base=package_path.parent)
    if problems:
        raise validate.ValidationFailed(problems)
    descriptor = json.loads(package_path.read_text(encoding="utf-8"))
    tables = read_typed_rows(package_path, descriptor)

    db_path.parent.mkdir(parents=True, exist_ok=True)
    temporary = db_path.with_name(f".{db_path.name}.{os.getpid()}.tmp")
    temporary.unlink(missing_ok=True)
    try:
        conn = sqlite3.connect(temporary)
        conn.execute("PRAGMA foreign_keys = ON")
        db = sqlite_utils.Database(conn)
        populate(db, descriptor, tables)
        check_database(db, package_path, descriptor)
        db.execute("VACUUM")
        conn.close()
        os.replace(temporary, db_path)
    except BaseException:
        try:
            conn.close()
        except Exception:
            pass
        temporary.unlink(missing_ok=True)
        raise
    return db_path


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--package", type=Path, default=PACKAGE)
    parser.add_argument("--db", type=Path, default=DATABASE)
    args = parser.parse_args(argv)
    try:
        path = build_database(args.package, args.db)
    except validate.ValidationFailed as failure:
        for problem in failure.problems:
            print(problem, file=sys.stderr)
        print(f"\n{len(failure.problems)} problem(s); nothing was built. Fix them, then rerun: make build", file=sys.stderr)
        return 1
    except BuildFailed as failure:
        print(f"build failed, {args.db} left as it was: {failure}", file=sys.stderr)
        return 1
    db = sqlite_utils.Database(path)
    counts = ", ".join(f"{t}={db[t].count}" for t in ("figures", "sources", "events", "disagreements"))
    derived = db.execute("SELECT count(*) FROM figures WHERE is_derived = 1").fetchone()[0]
    print(f"built {path} ({counts}; {derived} derived figures)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
