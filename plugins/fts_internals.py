"""The full-text indexes (figures_fts, sources_fts, events_fts, disagreements_fts) and their own
storage (FTS5's shadow tables: figures_fts_data, _idx, _docsize, _config, and the others') are
not tables of the site.

Datasette marks them hidden, but listed them on the database page's "hidden tables"
(``?_show_hidden=1``) and in ``/disclosures.json``, and served each as a table: the shadow tables
as FTS5's binary blobs, an index as its rows with FTS5's hidden columns (``figures_fts``,
``rank``) in its ``.json`` and ``.csv``, and its rows at ``/disclosures/figures_fts/1``. Here
the ``view-table`` permission is refused for them, so Datasette's own lists leave them out, and
a request for one (its page, ``.json``, ``.csv`` or a row) is a 404 that points to the search of
the table it indexes. The permission is checked by Datasette's table and row views, so every
form of the address answers alike, whatever a wrapper outside (plugins/downloads.py streams a
CSV) added to the query. Search is untouched: ``?_search=``, search_everything and SQL name the
index in their SQL, which needs no permission of Datasette's, and SQLite reads the shadow tables
under it.

A shadow table is named by SQLite after its index: ``<index>_<suffix>``, with FTS5's suffixes
and FTS3/4's, so a new index needs nothing here. (``PRAGMA table_list`` says which tables are
shadow tables, but plugins/sql_policy.py's authorizer refuses pragma functions.)
"""

from __future__ import annotations

import sys
import weakref
from pathlib import Path

from datasette import hookimpl
from datasette.forbidden import forbidden as datasette_forbidden
from datasette.utils import tilde_decode

# plugins/ is no package: what its plugins share is plugins/_responses.py, found on the path.
if str(Path(__file__).parent) not in sys.path:
    sys.path.append(str(Path(__file__).parent))
from _responses import error_response

# SQLite's names for the tables under a full-text index: https://sqlite.org/fts5.html (data, idx,
# content, docsize, config) and https://sqlite.org/fts3.html (content, segments, segdir, docsize, stat).
SHADOW_SUFFIXES = ("data", "idx", "content", "docsize", "config", "segments", "segdir", "stat")
# Datasette's own test for a full-text index (Database.hidden_table_names).
INDEXES_SQL = """SELECT name FROM sqlite_master
    WHERE type = 'table' AND rootpage = 0 AND sql LIKE '%VIRTUAL TABLE%USING FTS%'"""

# Database -> its indexes and their shadow tables, for immutable databases (a mutable one may
# gain an index).
_internal_tables: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


async def internal_tables(db) -> dict[str, str]:
    """{table: the full-text index it is or stores} for every index and shadow table of ``db``."""
    known = _internal_tables.get(db)
    if known is None:
        indexes = [row[0] for row in (await db.execute(INDEXES_SQL)).rows]
        tables = set(await db.table_names())
        known = {index: index for index in indexes}
        known |= {
            f"{index}_{suffix}": index
            for index in indexes
            for suffix in SHADOW_SUFFIXES
            if f"{index}_{suffix}" in tables
        }
        if not db.is_mutable:
            _internal_tables[db] = known
    return known


@hookimpl
def permission_allowed(datasette, actor, action, resource):
    if action != "view-table" or not isinstance(resource, (tuple, list)) or len(resource) != 2:
        return None
    database, table = resource
    db = datasette.databases.get(database)
    if db is None:
        return None
    known = _internal_tables.get(db)
    if known is not None:  # answered without a thread hop: Datasette asks once per table listed
        return False if table in known else None

    async def refused():
        return False if table in await internal_tables(db) else None

    return refused


@hookimpl
def forbidden(datasette, request, message):
    database, table = request.url_vars.get("database"), request.url_vars.get("table")
    if not database or not table:
        return None
    database, table = tilde_decode(database), tilde_decode(table)
    db = datasette.databases.get(database)
    if db is None:
        return None

    async def not_found():
        index = (await internal_tables(db)).get(table)
        if index is None:
            # Datasette asserts that the first answer is a response: its own 403, then.
            return await datasette_forbidden(datasette, request, message)()
        searched = index.removesuffix("_fts")
        where = datasette.urls.table(database, searched) if searched in await db.table_names() else None
        if table == index:
            text = f"{table} is the full-text index of {searched}, not a table of this site"
        else:
            text = f"{table} is the internal storage of the full-text index {index}, not a table of this site"
        text += f"; search with {where}?_search=" if where else ""
        # The API's error shape for .json and .csv, the site's error page for any other path: a
        # .blob or .jsono too, as Datasette answers these paths' errors (figures.blob without
        # _blob_column, nosuch.jsono).
        return await error_response(datasette, request, 404, text)

    return not_found
