"""What Datasette asks SQLite on every request about a database that cannot change, asked once.

The served database is opened immutable (the build wrote ``inspect-data.json`` beside it), so
its schema is fixed for the life of the process. Datasette 0.65 still looks it up again on every
request: ``refresh_schemas`` reads ``PRAGMA schema_version`` of each database, a table page
asks whether the table exists, its definition, its primary keys, columns, column details and
foreign keys (several times over, once per facet among them), and the ``view-table``
permission check looks the table's name up in ``sqlite_master``. Each is a round trip to a
SQL thread; a table page made about thirty of them. Here, for immutable databases only:

- the schema introspection of :class:`datasette.database.Database` (``table_columns``,
  ``primary_keys``, ``foreign_keys_for_table``, ...) and Datasette's own ``sqlite_master``
  queries (:data:`SCHEMA_SQL`, matched on their exact text, so no query a client writes is
  kept) are answered from memory after their first answer;
- ``refresh_schemas`` is skipped once it has run, while every database but ``_internal`` is
  immutable and the set of databases is the same;
- the labels of foreign keys (``expand_foreign_keys``: a query per facet and per linked column
  of every page) come from a map of the referenced table read once, when that table has at
  most :data:`MAX_LABEL_ROWS` rows (platforms, jurisdictions, metrics, sources...); a value
  the map lacks is still asked of SQLite, so the answer is Datasette's;
- the ``view-table`` permission's reading of the metadata (a deep copy of it per request) is
  kept per table, when no plugin supplies metadata at run time (``get_metadata``).

Each memo holds at most :data:`MAX_ENTRIES` answers per database (a client naming endless
tables that do not exist fills it, then those are asked of SQLite as before). Callers get a
copy of a list, so one that changes it cannot change the next caller's.
"""

from __future__ import annotations

import functools

from datasette import hookimpl
from datasette.plugins import pm
from datasette.utils import escape_sqlite

MAX_ENTRIES = 4096
# A referenced table this small has its labels held in memory (a few hundred KB at most).
MAX_LABEL_ROWS = 20_000
# Schema introspection methods of datasette.database.Database whose answer depends only on the
# schema and their arguments.
SCHEMA_METHODS = (
    "table_exists",
    "table_names",
    "view_names",
    "table_columns",
    "table_column_details",
    "primary_keys",
    "fts_table",
    "label_column_for_table",
    "foreign_keys_for_table",
    "hidden_table_names",
    "get_all_foreign_keys",
    "get_table_definition",
    "get_view_definition",
)
# The sqlite_master queries Datasette 0.65 itself sends (app.py's view-table permission,
# database.py's introspection), exactly as written there.
SCHEMA_SQL = frozenset(
    {
        "select name from sqlite_master where type in ('table', 'view') and name = ? collate nocase",
        "select 1 from sqlite_master where type='table' and name=?",
        "select name from sqlite_master where type='table'",
        "select name from sqlite_master where type='view'",
        "select sql from sqlite_master where name = :n and type=:t",
        "select sql from sqlite_master where tbl_name = :n and type='index' and sql is not null",
    }
)


def _frozen(value):
    """A hashable form of a query's parameters (a dict or a sequence), or None when it has none."""
    if value is None:
        return None
    if isinstance(value, dict):
        return tuple(sorted(value.items()))
    return tuple(value)


def _copied(value):
    if isinstance(value, list):
        return [dict(item) if isinstance(item, dict) else item for item in value]
    return value


def _remember(memo: dict, key, value):
    if len(memo) < MAX_ENTRIES:
        memo[key] = value
    return value


def remember_schema(db) -> None:
    """Answer ``db``'s schema introspection from memory after the first time (immutable only)."""
    if db.is_mutable or getattr(db, "_schema_memo", None) is not None:
        return
    memo: dict = {}
    db._schema_memo = memo

    for name in SCHEMA_METHODS:
        method = getattr(db, name)

        @functools.wraps(method)
        async def remembered(*args, _method=method, _name=name, **kwargs):
            key = (_name, args, _frozen(kwargs))
            if key not in memo:
                return _copied(_remember(memo, key, await _method(*args, **kwargs)))
            return _copied(memo[key])

        setattr(db, name, remembered)

    execute = db.execute

    @functools.wraps(execute)
    async def execute_remembered(sql, params=None, **kwargs):
        if sql not in SCHEMA_SQL or kwargs:
            return await execute(sql, params, **kwargs)
        key = ("execute", sql, _frozen(params))
        if key not in memo:
            return _remember(memo, key, await execute(sql, params))
        return memo[key]

    db.execute = execute_remembered


def remember_refresh(datasette) -> None:
    """Skip ``refresh_schemas`` after its first run while no database can change its schema."""
    refresh = datasette._refresh_schemas
    done: set[str] | None = None

    async def refresh_once():
        nonlocal done
        names = set(datasette.databases)
        if done == names:
            return
        await refresh()
        immutable = all(not db.is_mutable for name, db in datasette.databases.items() if name != "_internal")
        done = names if immutable else None

    datasette._refresh_schemas = refresh_once


def remember_table_permissions(datasette) -> None:
    """Keep ``_table_permission_allows`` per (database, table) when the metadata is static."""
    if pm.hook.get_metadata.get_hookimpls():
        return  # a plugin may answer differently each time
    allows = datasette._table_permission_allows
    memo: dict = {}

    def remembered(database, table):
        key = (database, table)
        if key not in memo:
            return list(_remember(memo, key, allows(database, table)))
        return list(memo[key])

    datasette._table_permission_allows = remembered


def remember_labels(datasette) -> None:
    """Answer ``expand_foreign_keys`` on an immutable database from label maps read once."""
    expand = datasette.expand_foreign_keys
    maps: dict[tuple, dict | None] = {}

    async def label_map(db, fk: dict, label_column: str) -> dict | None:
        key = (db.name, fk["other_table"], fk["other_column"], label_column)
        if key not in maps:
            other, column, label = (escape_sqlite(n) for n in (fk["other_table"], fk["other_column"], label_column))
            found = await db.execute(f"select {column}, {label} from {other} limit {MAX_LABEL_ROWS + 1}")
            rows = found.rows
            maps[key] = None if len(rows) > MAX_LABEL_ROWS else {row[0]: row[1] for row in rows}
        return maps[key]

    async def expand_foreign_keys(database, table, column, values):
        db = datasette.databases.get(database)
        if db is None or db.is_mutable:
            return await expand(database, table, column, values)
        fk = next((fk for fk in await db.foreign_keys_for_table(table) if fk["column"] == column), None)
        label_column = fk and await db.label_column_for_table(fk["other_table"])
        labels = label_column and await label_map(db, fk, label_column)
        if not labels:
            return await expand(database, table, column, values)
        distinct = set(values)
        missing = [value for value in distinct if value not in labels]
        labeled = {(column, value): labels[value] for value in distinct if value in labels}
        if missing:
            labeled.update(await expand(database, table, column, missing))
        return labeled

    datasette.expand_foreign_keys = expand_foreign_keys


@hookimpl
def startup(datasette):
    # Nothing here runs SQL: deploy/asgi.py forks workers after the startup hooks, and a thread
    # started now would not survive the fork.
    for db in datasette.databases.values():
        remember_schema(db)
    remember_refresh(datasette)
    remember_labels(datasette)
    remember_table_permissions(datasette)
