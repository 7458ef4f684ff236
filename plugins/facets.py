"""Column facets of an unfiltered or one-filter table read from the counts the build made.

The database is immutable, so the counts of a whole table never change: at a million figures
the seven default facets of /disclosures/figures cost hundreds of milliseconds of GROUP BY on
every visit, and a lookup of a few rows here. Datasette's own ``ColumnFacet`` still builds the
result (labels, toggle links, truncation, timeouts); only the query that counts one facet is
answered from the build's tables instead:

- an unfiltered table, from ``facet_counts``;
- a table filtered by exactly one ``column=value`` (or ``column__exact=value``) on a column the
  build paired (disclosures/precompute.py), with no search, ``_where`` or other filter, from
  ``facet_pair_counts``.

Anything else (two filters, a range, a search) is counted from the table, but in one query
for all of a page's column facets rather than one per facet: the rows' facet columns are read
once (a materialized CTE) and each column is grouped from there. With a filter no index
serves (``value__gt=1000``), each of Datasette's seven queries read the whole table: 0.5-0.9 s
for the page, against about a seventh of that. The counts, their order (count, then the value
in SQLite's order) and the truncation are Datasette's; a query past its time limit times out
every facet it stood for, as Datasette's would have.

On a page after the first (``_next=``), Datasette 0.65 counts facets over the rows after the
cursor, while stating the whole filtered count: the cursor's clause is taken out of the facet's
SQL first (it is rebuilt here exactly as Datasette writes it, and left alone if it does not
match), so every page shows the filtered table's facets.

Every facet (filtered or not) also gets its toggle links made without Datasette's
``absolute_url``: a link is a path, and joining it to the request's URL with ``urljoin``, on the
``PrefixedUrlString`` Datasette hands over (whose every string method call lists ``dir(str)``),
took half the time of /disclosures/figures.json (about 200 links, 7 ms of 15). The links are
the same: the request's scheme and host, then the path.

A default facet (the table's metadata) asked for again with ``_facet`` is listed once, as the
table's own: Datasette listed it twice (``platform_id`` and ``platform_id_2`` in the JSON, two
boxes on the page), counting it twice.

A ``period_label`` facet names each period as the pages do ("January–September 2024", "H1
2025"), and a ``period_kind`` facet each kind ("Half year", "Year to date (from 1 January)"), from
the build's ``period_names``: their raw values (20240101-20240930, year_to_date) read as codes.
Only the name is Datasette's ``label`` (as a foreign key's is); the value and its link stay the
label or kind.

A column of a table the build derives without foreign keys (coverage, coverage_cells,
requests_and_accounts) is labelled as the foreign keys of the same name elsewhere in the database
are, when they all point to one table: coverage's platform_id facet listed google, apple, x, where
the figures' lists Google, Apple, X / Twitter (platform_id's foreign keys all point to platforms,
whose label_column is name). The value and its link stay the id.

On an immutable database the rows read from ``facet_counts`` (and the list of counted columns)
are kept per worker after their first reading: they are the build's, and cannot change.
"""

from __future__ import annotations

import functools
import re
import sys
import urllib.parse
import weakref
from pathlib import Path

from datasette.database import QueryInterrupted, Results
from datasette.facets import ColumnFacet
from datasette.utils import compound_keys_after_sql, escape_sqlite, urlsafe_components

# plugins/ is no package: what its plugins share (plugins/_implied_keys.py) is found on the path.
if str(Path(__file__).parent) not in sys.path:
    sys.path.append(str(Path(__file__).parent))
from _implied_keys import implied_labels

PLUGIN = "platform-disclosures"
# facet_counts holds a number's text in value and the number in value_number (the build's
# disclosures/precompute.py): the facet shows the value as its column holds it, and "value" in the
# order by is that alias, so numbers sort as numbers and before text, as Datasette's own facet.
PRECOMPUTED_SQL = """
select coalesce(value_number, value) as value, row_count as count from facet_counts
where table_name = :table and column_name = :column
order by count desc, value limit {limit}"""

PAIRS_SQL = """
select value, row_count as count from facet_pair_counts
where table_name = :table and filter_column = :filter_column and filter_value = :filter_value
and column_name = :column
order by count desc, value limit {limit}"""

# A facet column whose values the build names in a table of its own: column -> (that table, its
# column of names). Not a foreign key (period_names is keyed by the period's dates), so Datasette
# showed the raw values.
NAMED_VALUES = {"period_label": ("period_names", "name"), "period_kind": ("period_names", "kind_name")}

# Datasette 0.65's column facet query (datasette/facets.py), as it formats it.
FACET_SQL = re.compile(
    r"^\s*select (?P<column>.+?) as value, count\(\*\) as count from \(\s*(?P<inner>.*?)\s*\)\s*"
    r"where (?P=column) is not null\s*group by (?P=column) order by count desc, value limit (?P<limit>[0-9]+)\s*$",
    re.DOTALL,
)

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

    def __init__(
        self,
        datasette,
        table: str | None,
        columns: set[str],
        view: tuple[str, str] | None = None,
        together: list[str] | None = None,
    ):
        self._datasette = datasette
        self._table = table
        self._columns = columns
        # (filter column, filter value) of a one-filter view whose ``columns`` were paired
        self._view = view
        # The page's facet columns counted from the table in one query (``counted_together``).
        self._together = together or []
        self._counted: dict[tuple, dict[str, list[tuple]] | QueryInterrupted] = {}
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

    async def expand_foreign_keys(self, database, table, column, values):
        """Datasette's labels for a facet's values, and a period's name for a ``NAMED_VALUES``
        column of a database that has the build's table of names."""
        db = self._datasette.get_database(database)
        if column not in NAMED_VALUES or NAMED_VALUES[column][0] not in await db.table_names():
            labels = await self._datasette.expand_foreign_keys(database, table, column, values)
            if labels or column in {fk["column"] for fk in await db.foreign_keys_for_table(table)}:
                return labels
            return await implied_labels(db, column, values)
        names_table, name_column = NAMED_VALUES[column]
        sql = f"select {escape_sqlite(column)}, {escape_sqlite(name_column)} from {escape_sqlite(names_table)}"
        named = dict((await read_once(db, (names_table, column, None), lambda: db.execute(sql))).rows)
        return {(column, value): named[value] for value in values if value in named}

    async def execute(self, database, sql, params=None, **kwargs):
        for column in self._columns:
            head = f"select {escape_sqlite(column)} as value, count(*) as count from ("
            if sql.strip().startswith(head):
                limit = int(sql.rsplit("limit", 1)[1])
                if self._view is not None:
                    # Not kept: the filter value is the client's, and each lookup is a few rows.
                    filter_column, filter_value = self._view
                    params = {"table": self._table, "column": column}
                    params |= {"filter_column": filter_column, "filter_value": filter_value}
                    return await self._datasette.execute(database, PAIRS_SQL.format(limit=limit), params, **kwargs)
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
        shape = FACET_SQL.match(sql) if len(self._together) > 1 else None
        if shape and shape["column"] in map(escape_sqlite, self._together):
            return await self.counted_together(database, shape, params, kwargs)
        return await self._datasette.execute(database, sql, params, **kwargs)

    async def counted_together(self, database, shape, params, kwargs) -> Results:
        """One facet's rows, from one count of every facet column over the same rows (see the
        module); raises QueryInterrupted, for each facet, when that count ran out of time."""
        key = (database, shape["inner"], tuple(sorted((params or {}).items(), key=lambda item: item[0])))
        if key not in self._counted:
            names = [escape_sqlite(c) for c in self._together]
            # The rows' facet columns read once into a narrow table, then counted column by
            # column (grouped by all of them at once, a filter of 29,000 figures gave as many
            # groups, and took longer than the seven queries).
            sql = (
                f"with counted as materialized (select {', '.join(names)} from ({shape['inner']})) "
                + " union all ".join(
                    f"select {i}, {name}, count(*) from counted where {name} is not null group by {name}"
                    for i, name in enumerate(names)
                )
            )
            limit = kwargs.get("custom_time_limit")
            if limit:  # the time of every facet it stands for (Datasette caps it at sql_time_limit_ms)
                kwargs = {**kwargs, "custom_time_limit": limit * len(names)}
            try:
                groups = await self._datasette.execute(database, sql, params, **kwargs)
            except QueryInterrupted as interrupted:
                self._counted[key] = interrupted
            else:
                counts: dict[str, list] = {name: [] for name in names}
                for index, value, count in groups.rows:
                    counts[names[index]].append((value, count))
                self._counted[key] = counts
        counted = self._counted[key]
        if isinstance(counted, QueryInterrupted):
            raise counted
        ordered = sorted(counted[shape["column"]], key=lambda item: (-item[1], sqlite_order(item[0])))
        rows = [{"value": value, "count": count} for value, count in ordered[: int(shape["limit"])]]
        return Results(rows, False, [("value",), ("count",)])


def sqlite_order(value) -> tuple:
    """A sort key that orders values as SQLite does: numbers, then text, then blobs."""
    if isinstance(value, int | float):
        return (0, value)
    return (1, value) if isinstance(value, str) else (2, value)


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


async def paired_columns(datasette, database: str, table: str) -> dict[str, set[str]]:
    """{filter column: {facet column, ...}} the build counted for one-filter views of ``table``."""
    db = datasette.get_database(database)
    if "facet_pair_counts" not in await db.table_names():
        return {}
    result = await read_once(
        db,
        (table, "pairs", None),
        lambda: db.execute(
            "select distinct filter_column, column_name from facet_pair_counts where table_name = ?", [table]
        ),
    )
    paired: dict[str, set[str]] = {}
    for filter_column, column in result.rows:
        paired.setdefault(filter_column, set()).add(column)
    return paired


def one_filter(sql: str, params: dict, table: str, columns) -> tuple[str, str] | None:
    """(column, value) when ``sql`` (a facet's SQL, without a cursor) is ``table`` filtered by
    exactly ``column = value``, the clause Datasette writes for ``column=value`` or
    ``column__exact=value``, with ``column`` one of ``columns``; None for anything else."""
    if set(params) != {"p0"} or not isinstance(params["p0"], str):
        return None
    for column in columns:
        if sql.endswith(f" from {escape_sqlite(table)} where {filter_identifier(column)} = :p0 "):
            return column, params["p0"]
    return None


def filter_identifier(column: str) -> str:
    """``column`` as Datasette 0.65's filters write it: always quoted, brackets when it must be."""
    escaped = escape_sqlite(column)
    return f'"{column}"' if escaped == column else escaped


def cursor_clause(
    next_token: str, pks: list[str], sort: str | None, sort_desc: str | None, first: int
) -> tuple[str | None, int]:
    """(the clause Datasette 0.65's table view adds for ``_next=next_token``, the number of
    parameters it adds from ``:p<first>``), exactly as datasette/views/table.py writes them.
    ``pks`` empty means a rowid table. The clause is None when Datasette adds none."""
    components = urlsafe_components(next_token)
    sort_value = None
    if (sort or sort_desc) and len(components) > 1:
        sort_value = components[0]
        if next_token.split(",")[0] == "$null":
            sort_value = None
        components = components[1:]
    count = 0
    next_by_pk = []
    if not pks:
        next_by_pk.append(f"rowid > :p{first}")
        count = 1
    elif len(components) == len(pks):
        next_by_pk.append(compound_keys_after_sql(pks, first))
        count = len(pks)
    next_clauses = " and ".join(next_by_pk)
    if not (sort or sort_desc):
        return (next_by_pk[0] if next_by_pk else None), count
    column = escape_sqlite(sort or sort_desc)
    if sort_value is None:
        if sort_desc:
            return f"({column} is null and {next_clauses})", count
        return f"({column} is not null or ({column} is null and {next_clauses}))", count
    op = ">" if sort else "<"
    extra = "" if sort else f" or {column} is null"
    p = first + count
    return f"({column} {op} :p{p}{extra} or ({column} = :p{p} and {next_clauses}))", count + 1


def without_cursor(sql: str, params: dict, clause: str, count: int) -> tuple[str, dict] | None:
    """``sql`` and ``params`` with the cursor's ``clause`` (and its ``count`` last parameters)
    taken out, or None when ``sql`` does not end with that clause."""
    first = len(params) - count
    names = {f"p{first + i}" for i in range(count)}
    if not names <= set(params):
        return None
    for before, after in ((" where ", " "), (" and ", " ")):
        tail = f"{before}{clause}{after}"
        if sql.endswith(tail):
            kept = sql[: -len(tail)] + (" " if before == " where " else " ")
            return kept, {k: v for k, v in params.items() if k not in names}
    return None


async def strip_cursor(facet) -> None:
    """Take the ``_next`` cursor's clause out of a table facet's SQL (see the module)."""
    next_token = facet.request.args.get("_next")
    if not next_token or facet.table is None:
        return
    db = facet.ds.get_database(facet.database)
    if facet.table in await db.view_names():
        return  # a view's _next is an OFFSET, outside the facet's SQL
    sort = facet.request.args.get("_sort")
    sort_desc = facet.request.args.get("_sort_desc")
    if not sort and not sort_desc:
        sort, sort_desc = facet.metadata.get("sort"), facet.metadata.get("sort_desc")
    pks = await db.primary_keys(facet.table)
    try:
        # The cursor's parameters are the last ones added: how many depends on the token only.
        _, count = cursor_clause(next_token, pks, sort, sort_desc, 0)
        clause, _ = cursor_clause(next_token, pks, sort, sort_desc, len(facet.params) - count)
    except (ValueError, IndexError):
        return  # a token Datasette could not read either
    stripped = without_cursor(facet.sql, facet.params, clause, count) if clause else None
    if stripped is not None:
        facet.sql, facet.params = stripped


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
    await strip_cursor(self)
    columns, view = set(), None
    if self.table is not None and self.database == (self.ds.plugin_config(PLUGIN) or {}).get("database"):
        if is_unfiltered(self):
            columns = await counted_columns(self.ds, self.database, self.table)
        else:
            paired = await paired_columns(self.ds, self.database, self.table)
            view = one_filter(self.sql, self.params, self.table, paired) if paired else None
            columns = paired[view[0]] if view else set()
    # Once each: a facet asked for in the URL may be one of the table's own too.
    together = (
        []
        if columns
        else list(dict.fromkeys(c["config"].get("column") or c["config"]["simple"] for c in self.get_configs()))
    )
    datasette = self.ds
    self.ds = FacetDatasette(datasette, self.table, columns, view, together)
    try:
        return await _datasette_facet_results(self)
    finally:
        self.ds = datasette


_datasette_get_configs = getattr(ColumnFacet, "datasette_get_configs", ColumnFacet.get_configs)


def get_configs(self):
    # The metadata's configs come first (datasette.facets.load_facet_configs), so a column the
    # table facets by default keeps that config, which the page shows without a remove link.
    configs = {}
    for config in _datasette_get_configs(self):
        configs.setdefault(config["config"].get("column") or config["config"]["simple"], config)
    return list(configs.values())


# Datasette 0.65 has no hook to answer a facet's query; the method is wrapped, not rewritten.
ColumnFacet.datasette_facet_results = _datasette_facet_results
ColumnFacet.facet_results = facet_results
ColumnFacet.datasette_get_configs = _datasette_get_configs
ColumnFacet.get_configs = get_configs
