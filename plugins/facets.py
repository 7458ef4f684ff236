"""Column facets of an unfiltered table read from ``facet_counts``, counted by the build.

The database is immutable, so the counts of a whole table never change: at a million figures
the six default facets of /disclosures/figures cost hundreds of milliseconds of GROUP BY on
every visit, and a lookup of a few rows here. Datasette's own ``ColumnFacet`` still builds the
result (labels, toggle links, truncation, timeouts); only the one query that counts an
unfiltered table is answered from ``facet_counts`` instead. Any filter, search or parameter,
another database, or a column the build did not count leaves Datasette's query as it is.

Every facet (filtered or not) also gets its toggle links made without Datasette's
``absolute_url``: a link is a path, and joining it to the request's URL with ``urljoin``, on the
``PrefixedUrlString`` Datasette hands over (whose every string method call lists ``dir(str)``),
took half the time of /disclosures/figures.json (about 200 links, 7 ms of 15). The links are
the same: the request's scheme and host, then the path.

On an immutable database the rows read from ``facet_counts`` (and the list of counted columns)
are kept per worker after their first reading: they are the build's, and cannot change.
"""

from __future__ import annotations

import functools
import urllib.parse
import weakref

from datasette.facets import ColumnFacet
from datasette.utils import escape_sqlite

PLUGIN = "platform-disclosures"
PRECOMPUTED_SQL = """
select value, row_count as count from facet_counts
where table_name = :table and column_name = :column
order by count desc, value limit {limit}"""

# Database -> {(table, column or None, limit): the Results of facet_counts}, immutable databases only.
_read: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


async def read_once(db, key: tuple, read):
    """``await read()``, kept under ``key`` for an immutable ``db``."""
    if db.is_mutable:
        return await read()
    memo = _read.setdefault(db, {})
    if key not in memo:
        memo[key] = await read()
    return memo[key]


class FacetDatasette:
    """Stands in for the Datasette instance a facet holds, during its facet_results() only: the
    counting query of a precomputed column goes to facet_counts, toggle links are joined
    cheaply, and everything else goes to Datasette."""

    def __init__(self, datasette, table: str | None, columns: set[str]):
        self._datasette = datasette
        self._table = table
        self._columns = columns
        self._origins: dict[str, str] = {}

    def __getattr__(self, name):
        return getattr(self._datasette, name)

    def absolute_url(self, request, path):
        """Datasette's ``absolute_url`` (urljoin of the request's URL and ``path``), without
        urljoin for the one case facets need: a path from the root, without dot segments."""
        path = str(path)  # a plain str: PrefixedUrlString's methods each call dir(str)
        if not path.startswith("/") or path.startswith("//") or "/." in path.split("?", 1)[0]:
            return self._datasette.absolute_url(request, path)
        url = request.url
        origin = self._origins.get(url)
        if origin is None:
            parts = urllib.parse.urlsplit(url)
            scheme = "https" if parts.scheme == "http" and self._datasette.setting("force_https_urls") else parts.scheme
            origin = self._origins[url] = f"{scheme}://{parts.netloc}"
        return origin + path

    async def execute(self, database, sql, params=None, **kwargs):
        for column in self._columns:
            head = f"select {escape_sqlite(column)} as value, count(*) as count from ("
            if sql.strip().startswith(head):
                limit = int(sql.rsplit("limit", 1)[1])
                return await read_once(
                    self._datasette.get_database(database),
                    (self._table, column, limit),
                    functools.partial(
                        self._datasette.execute,
                        database,
                        PRECOMPUTED_SQL.format(limit=limit),
                        {"table": self._table, "column": column},
                        **kwargs,
                    ),
                )
        return await self._datasette.execute(database, sql, params, **kwargs)


async def counted_columns(datasette, database: str, table: str) -> set[str]:
    db = datasette.get_database(database)
    if "facet_counts" not in await db.table_names():
        return set()
    result = await read_once(
        db,
        (table, None, None),
        lambda: db.execute("select distinct column_name from facet_counts where table_name = ?", [table]),
    )
    return {row[0] for row in result.rows}


def is_unfiltered(facet) -> bool:
    """True for the SQL Datasette counts facets over when the page has no filter or search."""
    return (
        facet.table is not None
        and not facet.params
        and facet.sql.rstrip().endswith(f"from {escape_sqlite(facet.table)}")
    )


# Datasette loads a plugins directory once per instance: wrap Datasette's own method, never a
# wrapper left by an earlier load.
_datasette_facet_results = getattr(ColumnFacet, "datasette_facet_results", ColumnFacet.facet_results)


async def facet_results(self):
    columns = set()
    if is_unfiltered(self) and self.database == (self.ds.plugin_config(PLUGIN) or {}).get("database"):
        columns = await counted_columns(self.ds, self.database, self.table)
    datasette = self.ds
    self.ds = FacetDatasette(datasette, self.table, columns)
    try:
        return await _datasette_facet_results(self)
    finally:
        self.ds = datasette


# Datasette 0.65 has no hook to answer a facet's query; the method is wrapped, not rewritten.
ColumnFacet.datasette_facet_results = _datasette_facet_results
ColumnFacet.facet_results = facet_results
