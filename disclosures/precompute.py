"""Numbers of the site's default views, computed once by the build: the database never changes.

``write_default_counts`` writes three tables:

- ``table_counts`` (table_name, row_count): rows of every table and view the site lists (not
  the full-text indexes, which it hides);
- ``facet_counts`` (table_name, column_name, value, row_count): for every facet that
  ``metadata.yml`` configures, the count of each value over the whole, unfiltered table, in
  Datasette's order (count descending, then value); NULL values are not counted, as Datasette's
  column facets do not count them;
- ``home_numbers`` (one row): what the home page states (reported and derived figures,
  platforms, jurisdictions, sources, disagreements).

A page over the unfiltered table can read these instead of scanning it; a filtered page still
asks SQLite, through the covering indexes the build creates for the facet columns.
"""

from __future__ import annotations

import sqlite_utils

from .schema_sql import quote_ident
from .vocabulary import DATABASE_NAME

COUNT_TABLES_SQL = """
CREATE TABLE table_counts (
  table_name TEXT NOT NULL PRIMARY KEY,
  row_count INTEGER NOT NULL
);
CREATE TABLE facet_counts (
  table_name TEXT NOT NULL,
  column_name TEXT NOT NULL,
  value,
  row_count INTEGER NOT NULL,
  PRIMARY KEY (table_name, column_name, value)
);
CREATE TABLE home_numbers (
  reported INTEGER NOT NULL,
  derived INTEGER NOT NULL,
  platforms INTEGER NOT NULL,
  jurisdictions INTEGER NOT NULL,
  sources INTEGER NOT NULL,
  disagreements INTEGER NOT NULL
);
"""

HOME_NUMBERS_SQL = """
INSERT INTO home_numbers
SELECT (SELECT count(*) FROM figures WHERE is_derived = 0),
       (SELECT count(*) FROM figures WHERE is_derived = 1),
       (SELECT count(DISTINCT platform_id) FROM figures),
       (SELECT count(DISTINCT jurisdiction_id) FROM figures),
       (SELECT count(*) FROM sources),
       (SELECT count(*) FROM disagreements)
"""


def configured_facets(metadata: dict) -> dict[str, list[str]]:
    """{table: [column, ...]}: the column facets Datasette metadata configures for the database."""
    tables = metadata.get("databases", {}).get(DATABASE_NAME, {}).get("tables", {})
    facets = {}
    for table, config in tables.items():
        columns = [facet for facet in config.get("facets", []) if isinstance(facet, str)]
        if columns:
            facets[table] = columns
    return facets


def write_default_counts(db: sqlite_utils.Database, facets: dict[str, list[str]]) -> None:
    """Create and fill table_counts, facet_counts and home_numbers (see the module)."""
    # One statement at a time: executescript would commit the caller's transaction.
    for statement in COUNT_TABLES_SQL.split(";"):
        if statement.strip():
            db.execute(statement)
    # Full-text indexes and their shadow tables are left out: Datasette hides them, and counting
    # an external-content index reads every row of its table through the virtual table.
    virtual = [
        name
        for (name,) in db.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND sql LIKE 'CREATE VIRTUAL TABLE%'"
        )
    ]
    names = [
        name
        for (name,) in db.execute(
            "SELECT name FROM sqlite_master WHERE type IN ('table', 'view') AND name NOT LIKE 'sqlite_%' ORDER BY name"
        )
        if not any(name == v or name.startswith(f"{v}_") for v in virtual)
    ]
    views = {name for (name,) in db.execute("SELECT name FROM sqlite_master WHERE type = 'view'")}
    for name in names:
        if name in ("table_counts", "facet_counts", "home_numbers"):
            continue
        counted = quote_ident(name)
        if name in views and facets.get(name):
            # A view is evaluated once, into a temporary table, rather than once for its count and
            # once more for each facet (coverage_cells joins two aggregates over every figure).
            columns = ", ".join(quote_ident(column) for column in facets[name])
            db.execute(f"CREATE TEMP TABLE counted AS SELECT {columns} FROM {counted}")
            counted = "temp.counted"
        db.execute(f"INSERT INTO table_counts VALUES (?, (SELECT count(*) FROM {counted}))", [name])
        for column in facets.get(name, []):
            db.execute(
                f"""INSERT INTO facet_counts SELECT ?, ?, {quote_ident(column)}, count(*)
                FROM {counted} WHERE {quote_ident(column)} IS NOT NULL
                GROUP BY {quote_ident(column)}""",
                [name, column],
            )
        if counted == "temp.counted":
            db.execute("DROP TABLE temp.counted")
    db.execute(HOME_NUMBERS_SQL)
