"""A column that the build's derived tables and views (coverage, coverage_cells, figures_series,
requests_and_accounts, freshness) hold without a foreign key, named as the database's foreign
keys that all point to one table with a label column (platform_id to platforms, labelled by
name): its values are labelled and linked as those foreign keys' are (plugins/facets.py,
plugins/implied_links.py). Shared by those plugins: plugins/ is no package.
"""

from __future__ import annotations

import weakref

from datasette.database import QueryInterrupted
from datasette.utils import escape_sqlite

# Database -> (its schema version, {column: (table, key column, label column) or None}).
_keys: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
# Database -> (its schema version, {column: (table, key column) or None}).
_references: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


async def schema_version(db) -> int | None:
    """None for an immutable database (its schema never changes), else SQLite's schema_version,
    which changes with every change of the schema."""
    if not db.is_mutable:
        return None
    return (await db.execute("PRAGMA schema_version")).rows[0][0]


async def memo_for(cache: weakref.WeakKeyDictionary, db) -> dict:
    """The dict ``cache`` keeps for ``db``'s current schema: a mutable database's is kept too, and
    emptied when its schema changes. (Not kept, every cell of a page over a mutable database read
    every table's foreign keys again: 321,464 PRAGMAs for a page of five figures, over 30 s.)"""
    version = await schema_version(db)
    entry = cache.get(db)
    if entry is None or entry[0] != version:
        entry = (version, {})
        cache[db] = entry
    return entry[1]


async def implied_reference(db, column: str) -> tuple[str, str] | None:
    """(table, its key column) that every foreign key named ``column`` in ``db`` points to, when
    they point to one table; else None. Labelled or not: figures has no label column, yet a
    figure_id names one of its rows (plugins/parameters.py checks such keys)."""
    memo = await memo_for(_references, db)
    if column not in memo:
        targets = set()
        for table in await db.table_names():
            targets |= {
                (fk["other_table"], fk["other_column"])
                for fk in await db.foreign_keys_for_table(table)
                if fk["column"] == column
            }
        memo[column] = targets.pop() if len(targets) == 1 else None
    return memo[column]


async def implied_key(db, column: str) -> tuple[str, str, str] | None:
    """(table, its key column, its label column) that every foreign key named ``column`` in
    ``db`` points to, when they point to one table that has a label column; else None."""
    memo = await memo_for(_keys, db)
    if column not in memo:
        found = None
        reference = await implied_reference(db, column)
        if reference is not None:
            other_table, other_column = reference
            label_column = await db.label_column_for_table(other_table)
            if label_column and label_column != other_column:
                found = (other_table, other_column, label_column)
        memo[column] = found
    return memo[column]


async def implied_labels(db, column: str, values) -> dict:
    """{(column, value): label} of ``values`` through ``implied_key``, as Datasette's
    expand_foreign_keys answers for a foreign key; empty when the column has none."""
    implied = await implied_key(db, column)
    wanted = sorted({value for value in values if isinstance(value, str)})
    if implied is None or not wanted:
        return {}
    other_table, other_column, label_column = implied
    sql = (
        f"select {escape_sqlite(other_column)}, {escape_sqlite(label_column)} from {escape_sqlite(other_table)}"
        f" where {escape_sqlite(other_column)} in ({', '.join('?' * len(wanted))})"
    )
    try:
        found = await db.execute(sql, wanted)
    except QueryInterrupted:
        return {}
    return {(column, value): label for value, label in found.rows}
