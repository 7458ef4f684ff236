"""A platform_id or jurisdiction_id in a table or view the build derives without foreign keys
(coverage, coverage_cells, figures_series, requests_and_accounts, freshness) is shown as a
foreign key's is: the platform's name, linked to its row, with the id after it ("Amazon Store
amazon_store"), where the pages of coverage and of the series showed the bare ids. Which columns
is plugins/_implied_keys.py's rule: those named as the database's foreign keys that all point to
one table with a label column. Only the HTML: JSON and CSV keep the ids.
"""

from __future__ import annotations

import sys
import weakref
from pathlib import Path

import markupsafe
from datasette import hookimpl
from datasette.utils import tilde_encode

# plugins/ is no package: what its plugins share (plugins/_implied_keys.py) is found on the path.
if str(Path(__file__).parent) not in sys.path:
    sys.path.append(str(Path(__file__).parent))
from _implied_keys import implied_key, memo_for

PLUGIN = "platform-disclosures"
LINK = markupsafe.Markup('<a href="{0}">{1}</a>&nbsp;<em>{2}</em>')

# Database -> (its schema version, {"found": {(table, column): (other table, {value: label})}}):
# every column of the database with an implied key and no foreign key of its own, with its labels
# (_implied_keys.memo_for; an immutable database's version is None and is never read again).
_links: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


async def implied_columns(db) -> dict[tuple[str, str], tuple[str, dict]]:
    found, labels = {}, {}
    for table in [*await db.table_names(), *await db.view_names()]:
        declared = {fk["column"] for fk in await db.foreign_keys_for_table(table)}
        for column in await db.table_columns(table):
            if column in declared:
                continue
            key = await implied_key(db, column)
            if key is None:
                continue
            other_table, other_column, label_column = key
            if key not in labels:
                sql = f'select "{other_column}", "{label_column}" from "{other_table}"'
                labels[key] = dict((await db.execute(sql)).rows)
            found[(table, column)] = (other_table, labels[key])
    return found


def link(datasette, database: str, implied: tuple[str, dict], value):
    other_table, labels = implied
    label = labels.get(value)
    if label is None:
        return None
    href = datasette.urls.row(database, other_table, tilde_encode(value))
    return LINK.format(href, label, value)


# Datasette -> the database this plugin renders: plugin_config() walks the whole metadata on
# every call, and this hook runs for every cell of a page.
_databases: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def configured_database(datasette) -> str | None:
    if datasette not in _databases:
        _databases[datasette] = (datasette.plugin_config(PLUGIN) or {}).get("database")
    return _databases[datasette]


@hookimpl
def render_cell(row, value, column, table, database, datasette):
    # Called for every cell of every page: leave the cells this plugin ignores at once.
    if table is None or not isinstance(value, str) or not value:
        return None
    db = datasette.databases.get(database)
    if db is None or database != configured_database(datasette):
        return None
    known = _links.get(db)
    # The memo exists as soon as the first page starts reading the columns: a page rendered
    # meanwhile (a fresh worker's first requests arrive together) reads them too, not the memo.
    if known is not None and not db.is_mutable and "found" in known[1]:
        implied = known[1]["found"].get((table, column))
        return link(datasette, database, implied, value) if implied else None

    async def reading():
        memo = await memo_for(_links, db)
        if "found" not in memo:
            memo["found"] = await implied_columns(db)
        implied = memo["found"].get((table, column))
        return link(datasette, database, implied, value) if implied else None

    return reading()
