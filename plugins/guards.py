"""Guards of the public site: what one request may cost, and what it may see.

- SQL: string and blob lengths and SQL text are capped, and printf/format widths that would run
  for seconds are refused, in the SQL text and again inside the function;
- a malformed ``_timelimit`` is a 400, not a 500; Datasette's debugging and sign-in pages are 404;
- a CSV over ``max_csv_mb`` is a 413 rather than a body cut short under status 200;
- a table's JSON lists the facets that timed out (``facets_timed_out``), which Datasette shows
  only in HTML;
- search_everything's JSON says which kinds it cut at their 100 results (``truncated_kinds``,
  and ``truncated`` true): Datasette's ``truncated`` counts only its own row limit, so a search
  with 3,000 matching figures answered ``"truncated": false``; its HTML page names the same kinds
  (``search_truncated_kinds``).
"""

from __future__ import annotations

import json
import re
import sqlite3
import sys
import threading
from collections import Counter
from pathlib import Path
from urllib.parse import parse_qs

from datasette import hookimpl
from datasette.plugins import pm
from datasette.utils.asgi import Response

# plugins/ is no package: what its plugins share is plugins/_responses.py, found on the path.
if str(Path(__file__).parent) not in sys.path:
    sys.path.append(str(Path(__file__).parent))
from _responses import held, send_message, send_whole

PLUGIN = "platform-disclosures"

# Longest string or blob any query may build. The longest cell in the data is a few KB; a
# query that needs more is building something hostile (zeroblob(1e9), replace() amplification).
MAX_VALUE_BYTES = 200_000
MAX_SQL_BYTES = 50_000
# Widest printf/format field. SQLite checks the length limit only after looping over the
# whole width, so printf('%.*c', 999999999, 'x') runs for seconds: refuse it up front.
MAX_FORMAT_WIDTH = 1_000
# Datasette's debugging and sign-in pages, which this public, read-only site does not serve: each
# shows the server's internals or takes input no reader needs, and none helps a reader.
# - databases: the database's absolute file path; threads: the server's threads and tasks;
# - actor, permissions, allow-debug: who the request is and how permissions resolve (every reader
#   is the same anonymous one), allow-debug judging any actor and allow block a client sends;
# - messages, auth-token, logout: forms that set a cookie or sign in, on a site with no sign-in
#   that reads no cookie (plugins/cookies.py);
# - patterns: Datasette's sample of its own styles, with made-up tables and forms;
# - create-token: Datasette 1.0's, closed before an upgrade opens it.
# Each is closed with its .json form, whether Datasette routes one or not. What the site says
# about itself stays public (the README's "The site and the API" says why): versions, plugins,
# settings (and config, which leads there) and metadata.
CLOSED_PAGES = (
    "databases",
    "threads",
    "actor",
    "permissions",
    "allow-debug",
    "messages",
    "auth-token",
    "logout",
    "create-token",
    "patterns",
)
CLOSED_PATH = re.compile(r"/-/(?:" + "|".join(map(re.escape, CLOSED_PAGES)) + r")(?:\.json)?")
PUBLIC_STATUS = "/-/versions, /-/plugins, /-/settings and /-/metadata (each also as .json)"
# Leading zeros write the same number (05 is 5, as int() reads it, and plugins/parameters.py
# takes _timelimit=5&_timelimit=05 as one value); a few, so int() never meets thousands of digits.
TIMELIMIT = re.compile(r"^0{0,10}[1-9][0-9]{0,5}$")
FORMAT_SPEC = re.compile(r"%[-+ 0#,!]*(\*|[0-9]+)?(?:\.(\*|[0-9]+))?([a-zA-Z%])")
FORMAT_CALL = re.compile(r"\b(printf|format)\s*\(", re.IGNORECASE)
SQL_STRING = re.compile(r"'((?:[^']|'')*)'")
CSV_LIMIT_MESSAGE = re.compile(rb"CSV contains more than [0-9]+ bytes$")


# Guards ------------------------------------------------------------------------------------


def format_problem(fmt: str, args: tuple = ()) -> str | None:
    """Why a printf format (with its arguments) would build an enormous string, or None."""
    remaining = list(args)
    for flags_width, precision, conversion in FORMAT_SPEC.findall(fmt):
        for part in (flags_width, precision):
            if part == "*":
                value = remaining.pop(0) if remaining else 0
                try:
                    width = abs(int(value))
                except (TypeError, ValueError):
                    width = 0
            else:
                width = int(part) if part else 0
            if width > MAX_FORMAT_WIDTH:
                return f"printf/format field width {width} exceeds {MAX_FORMAT_WIDTH}"
        if conversion != "%" and remaining:
            remaining.pop(0)
    return None


def sql_problem(sql: str) -> str | None:
    """Why a SQL text would run one huge function call the time limit cannot stop, or None."""
    if len(sql.encode("utf-8")) > MAX_SQL_BYTES:
        return f"SQL longer than {MAX_SQL_BYTES} bytes"
    if FORMAT_CALL.search(sql):
        for literal in SQL_STRING.findall(sql):
            fmt = literal.replace("''", "'")
            if any(part == "*" for spec in FORMAT_SPEC.findall(fmt) for part in spec[:2]):
                return "printf/format with a * width or precision is not allowed here"
            problem = format_problem(fmt)
            if problem:
                return problem
    return None


def request_problem(path: str, query_string: str) -> tuple[int, str] | None:
    """(status, message) for a request the site refuses before Datasette sees it, or None."""
    if CLOSED_PATH.fullmatch(path):
        return 404, (
            f"Not found: {path} is one of Datasette's debugging and sign-in pages, which this public site "
            f"does not serve. What the site says about itself is at {PUBLIC_STATUS}"
        )
    params = parse_qs(query_string, keep_blank_values=True)
    for value in params.get("_timelimit", []):
        if not TIMELIMIT.match(value):
            # It was "must be a whole number" for 0 and 1000000 too, which are.
            return (
                400,
                "_timelimit is a whole number of milliseconds from 1 to 999999 (it can only lower the time limit), e.g. _timelimit=500",
            )
    # _where is SQL too (a table's extra WHERE clauses): the same guards as sql=.
    for sql in params.get("sql", []) + params.get("_where", []):
        problem = sql_problem(sql)
        if problem:
            return 400, f"Query refused: {problem}"
    return None


_delegates = threading.local()


def _builtin_printf(fmt, *args):
    """SQLite's own printf, reached through a private in-memory connection."""
    if not hasattr(_delegates, "conn"):
        _delegates.conn = sqlite3.connect(":memory:", check_same_thread=True)
        _delegates.conn.setlimit(sqlite3.SQLITE_LIMIT_LENGTH, MAX_VALUE_BYTES)
    placeholders = ", ".join("?" for _ in range(len(args) + 1))
    return _delegates.conn.execute(f"SELECT printf({placeholders})", (fmt, *args)).fetchone()[0]


def guarded_printf(fmt=None, *args):
    if fmt is None:
        return None
    problem = format_problem(str(fmt), args)
    if problem:
        raise ValueError(problem)
    return _builtin_printf(fmt, *args)


@hookimpl
def prepare_connection(conn):
    conn.setlimit(sqlite3.SQLITE_LIMIT_LENGTH, MAX_VALUE_BYTES)
    conn.setlimit(sqlite3.SQLITE_LIMIT_SQL_LENGTH, MAX_SQL_BYTES)
    # Catches formats built at run time, which the SQL text check cannot see.
    conn.create_function("printf", -1, guarded_printf, deterministic=True)
    conn.create_function("format", -1, guarded_printf, deterministic=True)


TABLE_JSON = re.compile(r"^/(?P<database>[a-z][a-z0-9_]*)/(?P<table>[a-z][a-z0-9_]*)\.json$")


def facets_timed_out(data: dict, requested: list[str]) -> list[str]:
    """Requested facets missing from a table's JSON: Datasette drops a facet that timed out."""
    present = data.get("facet_results", {})
    return [name for name in requested if name not in present]


def requested_facets(datasette, database: str, table: str, params: dict) -> list[str]:
    if "_nofacet" in params:
        return []
    configured = (datasette.table_metadata(database, table) or {}).get("facets", [])
    names = [f if isinstance(f, str) else next(iter(f.values())) for f in configured]
    names += [facet_column(value) for value in params.get("_facet", [])]
    return list(dict.fromkeys(names))


def facet_column(value: str) -> str:
    """The column a ``_facet`` names, as Datasette reads it: ``{"column": ...}`` or ``{"simple": ...}``
    (its JSON form) names its facet result by the column, not by the JSON text."""
    if value.startswith("{"):
        try:
            config = json.loads(value)
        except (ValueError, RecursionError):  # plugins/named_parameters.py refuses either
            return value
        if isinstance(config, dict):
            return str(config.get("column") or config.get("simple") or value)
    return value


def _is_csv(scope) -> bool:
    # A .csv path is plugins/downloads.py's: it streams a table's CSV (holding it here would
    # delay the first byte until the last) and turns max_csv_mb into a 413 or a broken-off stream.
    return b"_format=csv" in scope.get("query_string", b"") and not scope.get("path", "").endswith(".csv")


@hookimpl
def asgi_wrapper(datasette):
    def wrap(app):
        async def guarded(scope, receive, send):
            if scope["type"] != "http":
                return await app(scope, receive, send)
            problem = request_problem(scope.get("path", ""), scope.get("query_string", b"").decode("latin-1"))
            policy = pm.get_plugin("sql_policy.py")  # plugins/sql_policy.py: the functions a query may call
            problem = problem or (policy and policy.request_problem(datasette, scope))
            if problem:
                return await send_message(send, *problem, as_json=scope.get("path", "").endswith(".json"))
            table_json = TABLE_JSON.match(scope.get("path", ""))
            if table_json and (table_json["database"], table_json["table"]) == (
                (datasette.plugin_config(PLUGIN) or {}).get("database"),
                SEARCH_QUERY,
            ):
                return await app(scope, receive, _with_search_report(datasette, scope, table_json["database"], send))
            if table_json and table_json["database"] in datasette.databases:
                return await app(
                    scope,
                    receive,
                    _with_facet_report(datasette, scope, table_json["database"], table_json["table"], send),
                )
            if not _is_csv(scope):
                return await app(scope, receive, send)

            # Datasette streams CSV with status 200 and, at max_csv_mb, appends an error to the
            # body. Hold the CSV back (it is bounded by max_csv_mb) and answer 413 instead.
            async def finish(start, body):
                if start["status"] == 200 and CSV_LIMIT_MESSAGE.search(body.rstrip()):
                    limit = datasette.setting("max_csv_mb")
                    return await send_message(
                        send,
                        413,
                        f"This CSV is larger than {limit} MB, so it was not sent. Filter it, or download "
                        f"the whole database: {_database_download(datasette)}",
                        as_json=False,
                    )
                await send_whole(send, start, body)

            await app(scope, receive, held(finish))

        return guarded

    return wrap


# The canned query (metadata.yml) that lists at most SEARCH_CAP results of each kind, and the
# full-text index each kind is matched in.
SEARCH_QUERY = "search_everything"
SEARCH_CAP = 100
SEARCH_INDEXES = {
    "figure": "figures_fts",
    "source": "sources_fts",
    "event": "events_fts",
    "disagreement": "disagreements_fts",
}


async def more_matches_than(db, index: str, search: str, cap: int) -> bool:
    """Whether ``index`` holds more than ``cap`` matches of ``search`` (as search_everything
    matches it, through fts_query): it stops at the first one past ``cap``. True when it cannot
    tell (the query failed), as the kind may then have been cut."""
    sql = f"SELECT count(*) FROM (SELECT 1 FROM {index} WHERE {index} MATCH fts_query(:q) LIMIT :n)"
    try:
        return (await db.execute(sql, {"q": search, "n": cap + 1})).rows[0][0] > cap
    except Exception:  # any failure: say the kind may have been cut, never that it was not
        return True


async def truncated_kinds(db, counts, search: str) -> list[str]:
    """The kinds search_everything cut: those it listed SEARCH_CAP of (``counts``, by kind) that
    have more matches than that. A kind with exactly SEARCH_CAP matches was not cut."""
    return [
        kind
        for kind, index in SEARCH_INDEXES.items()
        if counts[kind] >= SEARCH_CAP and await more_matches_than(db, index, search, SEARCH_CAP)
    ]


@hookimpl
def extra_template_vars(template, database, request, datasette):
    # search_everything's page says which kinds were cut by the JSON's rule, not by a count of 100.
    if not request or database != (datasette.plugin_config(PLUGIN) or {}).get("database"):
        return None
    if template != f"query-{database}-{SEARCH_QUERY}.html":
        return None

    async def search_truncated_kinds(kinds) -> list[str]:
        counts = Counter(str(kind) for kind in kinds)
        return await truncated_kinds(datasette.get_database(database), counts, request.args.get("q") or "")

    return {"search_truncated_kinds": search_truncated_kinds}


def _with_search_report(datasette, scope, database: str, send):
    """Hold search_everything's JSON back and add ``truncated_kinds``: the kinds that had more
    matches than the SEARCH_CAP it lists (``truncated`` is then true). A bare list
    (``_shape=array``) has no place for it; the object shapes all do."""
    params = parse_qs(scope.get("query_string", b"").decode("latin-1"), keep_blank_values=True)

    async def rewrite(data, body: bytes) -> bytes:
        if not (
            isinstance(data, dict) and isinstance(data.get("rows"), list) and "kind" in (data.get("columns") or [])
        ):
            return body
        at = data["columns"].index("kind")
        counts = Counter(row.get("kind") if isinstance(row, dict) else row[at] for row in data["rows"])
        search = (params.get("q") or [""])[0]
        capped = await truncated_kinds(datasette.get_database(database), counts, search)
        data["truncated"] = bool(data.get("truncated")) or bool(capped)
        data["truncated_kinds"] = capped
        return json.dumps(data, default=str).encode("utf-8")

    return _held_json(send, rewrite)


def _held_json(send, rewrite):
    """An ASGI send that holds the whole response back and sends, for a 200 whose body is JSON,
    the body ``await rewrite(data, body)`` returns; any other answer as it came."""

    async def finish(start, body):
        if start["status"] == 200:
            try:
                data = json.loads(body)
            except ValueError:
                data = None
            if data is not None:
                body = await rewrite(data, body)
        await send_whole(send, start, body)

    return held(finish)


def _database_download(datasette) -> str:
    database = (datasette.plugin_config(PLUGIN) or {}).get("database", "")
    return datasette.urls.database(database) + ".db" if database else datasette.urls.instance()


def _with_facet_report(datasette, scope, database: str, table: str, send):
    """Hold a table's JSON back and add facets_timed_out, which Datasette shows only in HTML."""
    params = parse_qs(scope.get("query_string", b"").decode("latin-1"), keep_blank_values=True)

    async def rewrite(data, body: bytes) -> bytes:
        if not (isinstance(data, dict) and "facet_results" in data):
            return body
        timed_out = facets_timed_out(data, requested_facets(datasette, database, table, params))
        end = body.rstrip()
        if "facets_timed_out" not in data and end.endswith(b"}") and len(data) > 0:
            # The key appended to Datasette's own bytes: the same JSON as encoding it again.
            return end[:-1] + b', "facets_timed_out": ' + json.dumps(timed_out).encode("utf-8") + b"}"
        data["facets_timed_out"] = timed_out
        return json.dumps(data, default=str).encode("utf-8")

    return _held_json(send, rewrite)


# Modules the serving process must not be able to import: rich (Datasette prints every error's
# traceback with locals through it, which made a flood of 404s ~280x slower), and the pipeline
# (frictionless, the disclosures library), which the site never needs.
ABSENT_MODULES = ("rich", "frictionless", "disclosures")


def importable(name: str) -> bool:
    import importlib.util

    try:
        return importlib.util.find_spec(name) is not None
    except (ImportError, ValueError):
        return False


async def serving_status():
    """What the serving process holds and can import: proof, over HTTP, that the guards are in place."""
    import sys

    return Response.json(
        {
            "modules": {
                name: {"loaded": name in sys.modules and sys.modules[name] is not None, "importable": importable(name)}
                for name in ABSENT_MODULES
            },
            "max_value_bytes": MAX_VALUE_BYTES,
            "max_format_width": MAX_FORMAT_WIDTH,
        }
    )


@hookimpl
def register_routes():
    return [(r"^/-/serving\.json$", serving_status)]
