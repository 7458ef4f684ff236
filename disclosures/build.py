"""Build the site's folder (build/) from the validated data package.

``build_site()`` validates the package once, builds the database into a temporary file, checks
it (integrity, foreign keys, series without overlap, every CSV cell equal in the database), and
only then renames it into place, after the files the site needs beside it: the Datasette
metadata, settings and inspect data, the package itself, and the Atom feed of the latest
release. A failed build leaves the previous database untouched. Two builds of the same inputs
give the same bytes.
"""

from __future__ import annotations

import csv
import json
import os
import sqlite3
from datetime import date
from decimal import Decimal
from pathlib import Path

import sqlite_utils

from . import derive, feed, freshness, release_records, rules, site_config, tiers, validate
from .files import cell_text, json_text, read_csv, replace_file
from .paths import BUILD, PACKAGE
from .schema_sql import (
    FIGURE_INPUTS_SQL,
    SERIES_MEMBERS_SQL,
    create_table_sql,
    quote_ident,
    reported_rows_sql,
    sql_literal,
)
from .vocabulary import DATABASE_FILE

FTS_COLUMNS = {
    "figures": ["quote", "notes", "platform_wording"],
    "sources": ["title", "publisher", "notes"],
    "events": ["title", "description", "quote"],
    "disagreements": ["claimed_text", "explanation"],
}
INDEXES = {
    "figures": [
        ["platform_id"],
        ["jurisdiction_id"],
        ["metric_id"],
        ["request_type_id"],
        ["source_id"],
        ["year"],
        ["period_kind"],
        ["value_kind"],
        ["is_derived"],
        ["source_tier"],
        ["period_start", "period_end"],
        ["platform_id", "jurisdiction_id", "request_type_id", "metric_id", "period_start"],
    ],
    "sources": [["kind"], ["tier"], ["publisher"]],
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
}


class BuildFailed(Exception):
    """The built database failed a check; nothing was replaced."""


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


# Checks before the database is published -------------------------------------------------


def check_database(db: sqlite_utils.Database, package_path: Path, descriptor: dict) -> None:
    """Integrity, foreign keys, series without overlap, and every CSV cell equal in the DB."""
    unsafe = [
        name
        for (name,) in db.execute("SELECT name FROM sqlite_master WHERE name NOT LIKE 'sqlite_%'")
        if not rules.SAFE_NAME.match(name)
    ]
    for (table,) in db.execute("SELECT name FROM sqlite_master WHERE type IN ('table', 'view')").fetchall():
        unsafe += [
            f"{table}.{column}"
            for (column,) in db.execute(f"SELECT name FROM pragma_table_info('{table}')")
            if not rules.SAFE_NAME.match(column)
        ]
    if unsafe:
        raise BuildFailed(
            f"names unsafe for SQLite and Datasette (must match {rules.SAFE_NAME.pattern}): {unsafe[:10]}"
        )
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
        with (package_path.parent / resource["path"]).open(encoding="utf-8", newline="") as handle:
            expected = sorted(tuple(r) for r in list(csv.reader(handle))[1:])
        actual = sorted(tuple(cell_text(v) for v in row) for row in db.execute(reported_rows_sql(resource)))
        if actual != expected:
            missing = sorted(set(expected) - set(actual))[:3]
            extra = sorted(set(actual) - set(expected))[:3]
            raise BuildFailed(
                f"round trip of {resource['path']} failed: {len(expected)} CSV rows, {len(actual)} DB rows; "
                f"in CSV only: {missing}; in DB only: {extra}"
            )


# The build ---------------------------------------------------------------------------------


def load_order(resources: list[dict]) -> list[dict]:
    """The resources with every referenced table before the tables that reference it.

    The package lists platforms before sources, yet a platform names its freshness source.
    Raises BuildFailed on a cycle of foreign keys.
    """
    pending, ordered, loaded = list(resources), [], set()
    while pending:
        ready = [
            r
            for r in pending
            if all(fk["reference"]["resource"] in loaded | {r["name"], ""} for fk in r["schema"].get("foreignKeys", []))
        ]
        if not ready:
            raise BuildFailed(f"foreign keys form a cycle among {[r['name'] for r in pending]}")
        ordered += ready
        loaded |= {r["name"] for r in ready}
        pending = [r for r in pending if r["name"] not in loaded]
    return ordered


def populate(db: sqlite_utils.Database, descriptor: dict, tables: dict[str, list[dict]]) -> None:
    """Create every table from the schema, load the typed rows and derived figures, then index."""
    units = {m["metric_id"]: m["unit"] for m in tables.get("metrics", [])}
    derived = derive.derive_figures(tables["figures"], units)
    reported_ids = {r["figure_id"] for r in tables["figures"]}
    source_tiers = tiers.figure_tiers(
        tables["figures"],
        tables["sources"],
        tables["source_tiers"],
        {d.row["figure_id"]: [fid for fid, _ in d.inputs] for d in derived},
    )
    for item in derived:
        if item.row["figure_id"] in reported_ids:
            raise BuildFailed(f"derived figure id {item.row['figure_id']} collides with a reported figure")
    with db.conn:
        for resource in descriptor["resources"]:
            db.execute(create_table_sql(resource))
        db.execute(FIGURE_INPUTS_SQL)
        db.execute(SERIES_MEMBERS_SQL)
        for resource in load_order(descriptor["resources"]):
            rows = tables[resource["name"]]
            if resource["name"] == "figures":
                rows = [
                    {**derive.with_period_columns(r, units), "source_tier": source_tiers[r["figure_id"]]}
                    for r in rows + [d.row for d in derived]
                ]
                rows = derive.with_recency_rank(rows)
            if rows:
                db[resource["name"]].insert_all(rows, batch_size=500)
        members = derive.series_members(tables["figures"] + [d.row for d in derived])
        db["series_members"].insert_all({"figure_id": fid} for fid in members)
        links = [
            {"figure_id": d.row["figure_id"], "input_figure_id": fid, "sign": sign}
            for d in derived
            for fid, sign in d.inputs
        ]
        if links:
            db["figure_inputs"].insert_all(links)
        for table, indexes in INDEXES.items():
            for columns in indexes:
                db[table].create_index(columns, if_not_exists=True, find_unique_name=False)
        for view, sql in VIEWS.items():
            db.create_view(view, sql.strip(), replace=True)
        freshness.write_freshness(db)
    # Every platform gets its coverage matrix (jurisdictions × periods), named <platform_id>_coverage.
    for (platform,) in db.execute("SELECT platform_id FROM platforms ORDER BY platform_id").fetchall():
        db.create_view(f"{platform}_coverage", coverage_matrix_sql(db, platform), replace=True)
    for table, columns in FTS_COLUMNS.items():
        db[table].enable_fts(columns, create_triggers=False, replace=True, tokenize="porter")


def coverage_matrix_sql(db: sqlite_utils.Database, platform: str) -> str:
    """A view with one row per jurisdiction and one column per period the platform has data for."""
    periods = db.execute(
        "SELECT DISTINCT period_start, period_end FROM figures WHERE platform_id = ? ORDER BY period_end, period_start",
        [platform],
    ).fetchall()
    columns = []
    for start, end in periods:
        name = rules.period_column(date.fromisoformat(start), date.fromisoformat(end))
        columns.append(
            f"  COALESCE(MAX(CASE WHEN c.period_start = {sql_literal(start)} AND c.period_end = {sql_literal(end)}"
            f" THEN c.status END), 'missing') AS {quote_ident(name)}"
        )
    select = ",\n".join(["  c.jurisdiction_id", "  j.name AS jurisdiction"] + columns)
    return (
        f"SELECT\n{select}\nFROM coverage c JOIN jurisdictions j USING (jurisdiction_id)\n"
        f"WHERE c.platform_id = {sql_literal(platform)}\nGROUP BY c.jurisdiction_id ORDER BY j.name"
    )


def build_database(
    package_path: Path = PACKAGE, db_path: Path = BUILD / DATABASE_FILE, releases: Path | None = None
) -> Path:
    """Validate, build into a temporary file, check it, then atomically replace ``db_path``.

    ``releases``: the folder of release records (default: ``releases/`` beside the package),
    turned into the dataset and release tables. Raises ``validate.ValidationFailed`` (nothing
    is built) or ``BuildFailed`` (the old database is left as it was).
    """
    package_path, db_path = Path(package_path), Path(db_path)
    temporary, _ = _build_temporary(package_path, db_path, releases)
    os.replace(temporary, db_path)
    return db_path


def _build_temporary(package_path: Path, db_path: Path, releases: Path | None) -> tuple[Path, dict]:
    """The checked database in a temporary file beside ``db_path``, for the caller to rename,
    and the package descriptor it was built from."""
    problems = validate.validate_package(package_path, base=package_path.parent)
    if problems:
        raise validate.ValidationFailed(problems)
    descriptor = json.loads(package_path.read_text(encoding="utf-8"))
    tables = read_typed_rows(package_path, descriptor)
    releases = Path(releases) if releases is not None else package_path.parent / "releases"
    recorded = release_records.recorded_releases(releases)
    changelogs = {v: read_csv(releases / v / "changelog.csv") for v in recorded}
    inputs = release_records.content_inputs(package_path, descriptor)

    db_path.parent.mkdir(parents=True, exist_ok=True)
    temporary = db_path.with_name(f".{db_path.name}.{os.getpid()}.tmp")
    temporary.unlink(missing_ok=True)
    conn = None
    try:
        conn = sqlite3.connect(temporary)
        conn.execute("PRAGMA foreign_keys = ON")
        db = sqlite_utils.Database(conn)
        populate(db, descriptor, tables)
        with conn:
            release_records.write_release_tables(db, descriptor, inputs, recorded, changelogs)
        check_database(db, package_path, descriptor)
        db.execute("VACUUM")
        conn.close()
    except BaseException:
        if conn is not None:
            conn.close()
        temporary.unlink(missing_ok=True)
        raise
    return temporary, descriptor


def build_site(package_path: Path = PACKAGE, folder: Path = BUILD, releases: Path | None = None) -> Path:
    """Build everything the site serves into ``folder`` and return the database's path.

    ``folder`` becomes a Datasette configuration directory: ``disclosures.db``,
    ``metadata.json`` (from ``metadata.yml``, ``api_examples.yml`` and the package's titles and
    descriptions), ``settings.json`` (from ``settings.yml``), ``inspect-data.json``, a copy of
    ``datapackage.json`` (what the release reads) and ``feed.atom`` (the latest release's new and
    corrected figures). The database is renamed into place last, so its mtime marks a complete
    build. Raises like ``build_database``.
    """
    package_path, folder = Path(package_path), Path(folder)
    db_path = folder / DATABASE_FILE
    temporary, descriptor = _build_temporary(package_path, db_path, releases)
    try:
        files = {
            "metadata.json": json_text(site_config.site_metadata(descriptor)),
            "settings.json": json_text(site_config.site_settings()),
            "inspect-data.json": json_text(site_config.inspect_data(temporary, DATABASE_FILE)),
            "datapackage.json": package_path.read_text(encoding="utf-8"),
        }
        with sqlite3.connect(f"file:{temporary}?mode=ro", uri=True) as conn:
            atom = feed.release_feed(conn)
        for name, text in files.items():
            replace_file(folder / name, text.encode("utf-8"))
        if atom is None:
            (folder / "feed.atom").unlink(missing_ok=True)
        else:
            replace_file(folder / "feed.atom", atom)
        os.utime(temporary)  # newer than every file written beside it
        os.replace(temporary, db_path)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
    return db_path
