"""SQL policy for anonymous SQL: which functions a query may call, how big its arguments may be,
what SQLite itself may build, and how many bytes one statement may return.

The anchors are CKAN's DataStore allowlist of functions (``ckanext/datastore/allowed_functions.txt``:
pure scalar, aggregate, window and JSON functions, nothing that touches files, the server or
extensions) translated to SQLite's names, and SQLite's own guidance for untrusted SQL
(https://www.sqlite.org/security.html): lower ``sqlite3_limit()`` values, an authorizer,
``trusted_schema=OFF`` and a hard heap limit.

- ``statement_problem(conn, sql)``: compile (never run) a statement under the authorizer and say
  why it is refused, or None. ``plugins/guards.py`` calls it for ``sql=`` and ``_where`` before
  Datasette sees the request, so a refusal is a 400 at once.
- ``prepare_connection``: every served connection gets the same authorizer, the limits, the
  argument caps (functions whose cost grows with an argument are replaced by checked versions),
  and a row factory that stops a statement whose rows pass ``MAX_STATEMENT_BYTES``.
"""

from __future__ import annotations

import os
import re
import sqlite3
import sys
import threading
import weakref
from pathlib import Path

from datasette import hookimpl

# plugins/ is no package: what its plugins share is found on the path (plugins/_responses.py).
if str(Path(__file__).parent) not in sys.path:
    sys.path.append(str(Path(__file__).parent))
import _database_faults as faults
from _sql_text import positional_parameter_problem

# SQLite's spelling of CKAN's allowlist, plus what Datasette itself calls (escape_fts, the FTS
# ranking functions, json_each for array facets, date() for date facets).
ALLOWED_FUNCTIONS = frozenset(
    [
        "abs",
        "avg",
        "char",
        "coalesce",
        "count",
        "cume_dist",
        "date",
        "datetime",
        "dense_rank",
        "first_value",
        "format",
        # plugins/search.py: quotes each word of a search, so typed text is never FTS5 syntax.
        "fts_query",
        # plugins/search.py: whether a search names a jurisdiction or platform (search_everything's order).
        "search_mentions",
        "glob",
        "group_concat",
        "hex",
        "ifnull",
        "iif",
        "instr",
        "julianday",
        "lag",
        "last_value",
        "lead",
        "length",
        "like",
        "likelihood",
        "likely",
        "lower",
        "ltrim",
        "max",
        "min",
        "nth_value",
        "ntile",
        "nullif",
        "percent_rank",
        "printf",
        "quote",
        "random",
        "randomblob",
        "rank",
        "replace",
        "round",
        "row_number",
        "rtrim",
        "sign",
        "strftime",
        "string_agg",
        "substr",
        "substring",
        "sum",
        "time",
        "total",
        "trim",
        "typeof",
        "unicode",
        "unixepoch",
        "unlikely",
        "upper",
        "zeroblob",
        "acos",
        "acosh",
        "asin",
        "asinh",
        "atan",
        "atan2",
        "atanh",
        "ceil",
        "ceiling",
        "cos",
        "cosh",
        "degrees",
        "exp",
        "floor",
        "ln",
        "log",
        "log10",
        "log2",
        "mod",
        "pi",
        "pow",
        "power",
        "radians",
        "sin",
        "sinh",
        "sqrt",
        "tan",
        "tanh",
        "trunc",
        "json",
        "json_array",
        "json_array_length",
        "json_extract",
        "json_group_array",
        "json_group_object",
        "json_insert",
        "json_object",
        "json_patch",
        "json_quote",
        "json_remove",
        "json_replace",
        "json_set",
        "json_type",
        "json_valid",
        "jsonb",
        "jsonb_array",
        "jsonb_extract",
        "jsonb_group_array",
        "jsonb_group_object",
        "jsonb_object",
        "match",
        "snippet",
        "highlight",
        "bm25",
        "offsets",
        "matchinfo",
        "escape_fts",
    ]
)
# Read-only pragmas Datasette runs to describe tables; nothing that changes or reveals the server.
ALLOWED_PRAGMAS = frozenset(
    ["table_info", "table_xinfo", "index_list", "index_info", "index_xinfo", "foreign_key_list", "data_version"]
)
# Pragmas Datasette itself runs on every served connection; readers' SQL may not (database_list
# shows the server's file paths).
INTERNAL_PRAGMAS = ALLOWED_PRAGMAS | {"schema_version", "database_list"}
# Virtual tables a query must not read: raw pages and tokenizer internals.
REFUSED_TABLES = frozenset({"dbstat", "sqlite_dbpage", "sqlite_stmt", "fts3tokenize", "fts5vocab"})
ALLOWED_ACTIONS = frozenset(
    {
        sqlite3.SQLITE_SELECT,
        sqlite3.SQLITE_READ,
        sqlite3.SQLITE_FUNCTION,
        sqlite3.SQLITE_PRAGMA,
        sqlite3.SQLITE_RECURSIVE,
    }
)

# Longest string or blob (the same cap as plugins/guards.MAX_VALUE_BYTES).
MAX_VALUE_BYTES = 200_000
# sqlite3_limit() values, per https://www.sqlite.org/security.html, loosened only where the site's
# own pages need more (Datasette's filters nest expressions and bind one parameter per label).
LIMITS = {
    sqlite3.SQLITE_LIMIT_LENGTH: MAX_VALUE_BYTES,
    sqlite3.SQLITE_LIMIT_SQL_LENGTH: 50_000,
    sqlite3.SQLITE_LIMIT_COLUMN: 100,
    sqlite3.SQLITE_LIMIT_EXPR_DEPTH: 100,
    sqlite3.SQLITE_LIMIT_COMPOUND_SELECT: 10,
    sqlite3.SQLITE_LIMIT_VDBE_OP: 100_000,
    sqlite3.SQLITE_LIMIT_FUNCTION_ARG: 16,
    sqlite3.SQLITE_LIMIT_ATTACHED: 0,
    sqlite3.SQLITE_LIMIT_LIKE_PATTERN_LENGTH: 200,
    sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER: 10_000,
    sqlite3.SQLITE_LIMIT_TRIGGER_DEPTH: 1,
}
# SQLite's own memory, for the whole serving process (sorts, group-bys, strings being built):
# SQLite's heap limit is the process's, every connection's together, and no connection's alone.
# HEAP_LIMIT_ENV gives another, in MiB: the tests' process (tests/conftest.py) also builds and
# reads whole databases beside the sites it serves, which the serving limit starved (a MemoryError
# in a test that only read a database, on CI).
HEAP_LIMIT_ENV = "DISCLOSURES_SQLITE_HEAP_LIMIT_MIB"
DEFAULT_HEAP_LIMIT_MIB = 256
# SQLite reads the limit as a 64-bit integer: a larger one was read as 0, no limit at all.
LARGEST_HEAP_LIMIT_MIB = (2**63 - 1) >> 20


def hard_heap_limit_bytes(environ=os.environ) -> int:
    """The heap limit in bytes: HEAP_LIMIT_ENV's whole number of MiB, else DEFAULT_HEAP_LIMIT_MIB.
    Raises ValueError naming the variable for any other text: the site does not start with a limit
    its operator did not mean."""
    text = environ.get(HEAP_LIMIT_ENV, "").strip()
    if not text:
        return DEFAULT_HEAP_LIMIT_MIB * 1024 * 1024
    # The digits 0 to 9 alone: str.isdigit() takes "²", which int() then refused without the name.
    if not (text.isascii() and text.isdigit()) or not 1 <= int(text) <= LARGEST_HEAP_LIMIT_MIB:
        raise ValueError(
            f"{HEAP_LIMIT_ENV}={text!r}: SQLite's heap limit is a whole number of MiB, "
            f"at least 1 and at most {LARGEST_HEAP_LIMIT_MIB}"
        )
    return int(text) * 1024 * 1024


HARD_HEAP_LIMIT_BYTES = hard_heap_limit_bytes()
# What one statement may return, counted over its rows' text and blobs: the largest honest page
# (5,000 figures with their quotes) is about 3 MB. 16 MB bounds the JSON Datasette builds from it.
MAX_STATEMENT_BYTES = 16 * 1024 * 1024
# Argument caps: one call to these runs inside a single SQLite step, where the time limit cannot
# interrupt it, and its cost grows with the argument.
MAX_TRIM_SET = 100  # trim(X, Y) compares each trimmed character with every character of Y
# zeroblob(N) and randomblob(N) need no cap of their own: SQLITE_LIMIT_LENGTH refuses N over
# MAX_VALUE_BYTES before any work, and the statement cap bounds how many rows may carry one.
# Databases this policy does not govern: Datasette's own in-memory ones, never given to readers.
EXEMPT_DATABASES = {"_internal", "_memory"}


class Refused(sqlite3.OperationalError):
    """A query the policy refuses (an OperationalError, so Datasette answers 400)."""


def authorizer(action, arg1, arg2, database, source, pragmas=ALLOWED_PRAGMAS):
    """sqlite3 authorizer: allow reading, allowlisted functions and pragmas; deny the rest."""
    if action == sqlite3.SQLITE_UPDATE and arg1 == "sqlite_master":
        # FTS tables' constructors ask this when they connect; the connection is read-only anyway.
        return sqlite3.SQLITE_OK
    if action not in ALLOWED_ACTIONS:
        return sqlite3.SQLITE_DENY
    if action == sqlite3.SQLITE_FUNCTION:
        return sqlite3.SQLITE_OK if (arg2 or "").lower() in ALLOWED_FUNCTIONS else sqlite3.SQLITE_DENY
    if action == sqlite3.SQLITE_PRAGMA:
        # arg2 is the pragma's argument: a table name for the allowed ones, never an assignment.
        return sqlite3.SQLITE_OK if (arg1 or "").lower() in pragmas else sqlite3.SQLITE_DENY
    if action == sqlite3.SQLITE_READ:
        table = (arg1 or "").lower()
        if table in REFUSED_TABLES or (table.startswith("pragma_") and table[7:] not in ALLOWED_PRAGMAS):
            return sqlite3.SQLITE_DENY
    return sqlite3.SQLITE_OK


def served_authorizer(action, arg1, arg2, database, source):
    """The authorizer of served connections: the readers' policy, plus Datasette's own pragmas."""
    return authorizer(action, arg1, arg2, database, source, pragmas=INTERNAL_PRAGMAS)


class _AnyParameter(dict):
    def __missing__(self, key):
        return None


def statement_problem(conn: sqlite3.Connection, sql: str) -> str | None:
    """Why ``sql`` is refused on ``conn`` (compiled with EXPLAIN, never run), or None.

    Names the function, pragma or table the authorizer refused, e.g.
    ``function load_extension is not allowed``.
    """
    refused: list[str] = []

    def watch(action, arg1, arg2, database, source):
        verdict = authorizer(action, arg1, arg2, database, source)
        if verdict != sqlite3.SQLITE_OK and not refused:
            if action == sqlite3.SQLITE_FUNCTION:
                refused.append(f"function {arg2} is not allowed")
            elif action == sqlite3.SQLITE_PRAGMA:
                refused.append(f"pragma {arg1} is not allowed")
            elif action == sqlite3.SQLITE_READ:
                refused.append(f"reading {arg1} is not allowed")
            else:
                refused.append("only SELECT statements are allowed")
        return verdict

    conn.set_authorizer(watch)
    try:
        conn.execute("EXPLAIN " + sql, _AnyParameter())
    except sqlite3.Warning:
        return "only one statement is allowed"
    except sqlite3.Error as error:
        if refused:
            return refused[0]
        if faults.server_fault(error) is not None:
            raise  # the file's failure, not the statement's: request_problem answers it 500
        return None if "no such" in str(error) or "syntax" in str(error) else str(error)
    finally:
        conn.set_authorizer(None)
    return refused[0] if refused else None


# Argument caps ---------------------------------------------------------------------------------

_builtin = threading.local()


def _call_builtin(name: str, *args):
    """SQLite's own function, reached through a private in-memory connection (for non-text input)."""
    if not hasattr(_builtin, "conn"):
        _builtin.conn = sqlite3.connect(":memory:")
        _builtin.conn.setlimit(sqlite3.SQLITE_LIMIT_LENGTH, MAX_VALUE_BYTES)
    placeholders = ", ".join("?" for _ in args)
    return _builtin.conn.execute(f"SELECT {name}({placeholders})", args).fetchone()[0]


def _trim(name: str, strip):
    def checked(value, characters=" "):
        if value is None or characters is None:
            return None
        if isinstance(characters, str | bytes) and len(characters) > MAX_TRIM_SET:
            raise Refused(f"{name}() character set longer than {MAX_TRIM_SET}")
        if isinstance(value, str) and isinstance(characters, str):
            return strip(value, characters)
        return _call_builtin(name, value, characters)

    return checked


def checked_replace(value, old, new):
    if value is None or old is None or new is None:
        return None
    if not (isinstance(value, str) and isinstance(old, str) and isinstance(new, str)):
        return _call_builtin("replace", value, old, new)
    if old == "":
        return value
    grown = len(value) + value.count(old) * (len(new) - len(old))
    if grown > MAX_VALUE_BYTES:
        # Returning one character over the length limit makes SQLite itself refuse the result
        # with "string or blob too big" (an exception raised here would lose its message).
        return "x" * (MAX_VALUE_BYTES + 1)
    return value.replace(old, new)


def checked_instr(haystack, needle):
    if isinstance(haystack, str) and isinstance(needle, str):
        return haystack.find(needle) + 1
    return _call_builtin("instr", haystack, needle)


CHECKED_FUNCTIONS = {
    ("trim", 1): _trim("trim", str.strip),
    ("trim", 2): _trim("trim", str.strip),
    ("ltrim", 1): _trim("ltrim", str.lstrip),
    ("ltrim", 2): _trim("ltrim", str.lstrip),
    ("rtrim", 1): _trim("rtrim", str.rstrip),
    ("rtrim", 2): _trim("rtrim", str.rstrip),
    ("replace", 3): checked_replace,
    ("instr", 2): checked_instr,
}


# The response cap ------------------------------------------------------------------------------

_returned: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def counting_row(cursor, row):
    """sqlite3.Row, counting each statement's bytes; a statement past the cap stops."""
    size = _returned.get(cursor, 0)
    for value in row:
        if isinstance(value, str | bytes):
            size += len(value)
        else:
            size += 8
    if size > MAX_STATEMENT_BYTES:
        _returned.pop(cursor, None)
        raise Refused(
            f"the result is larger than {MAX_STATEMENT_BYTES // (1024 * 1024)} MB; select fewer rows or columns"
        )
    _returned[cursor] = size
    return sqlite3.Row(cursor, row)


_heap_limited = False


@hookimpl
def prepare_connection(conn, database):
    global _heap_limited
    if database in EXEMPT_DATABASES:
        return
    if not _heap_limited:
        conn.execute(f"PRAGMA hard_heap_limit = {HARD_HEAP_LIMIT_BYTES}")
        _heap_limited = True
    conn.execute("PRAGMA trusted_schema = OFF")
    for limit, value in LIMITS.items():
        conn.setlimit(limit, value)
    for (name, arity), function in CHECKED_FUNCTIONS.items():
        conn.create_function(name, arity, function, deterministic=True)
    conn.set_authorizer(served_authorizer)
    conn.row_factory = counting_row


# Before Datasette sees the request ---------------------------------------------------------------

_compilers = threading.local()
FORMAT_SUFFIXES = (".json", ".csv", ".tsv")


def _compiler(path: str) -> sqlite3.Connection:
    """A private read-only connection to a served database, only ever used to compile."""
    cache = _compilers.__dict__.setdefault("by_path", {})
    if path not in cache:
        conn = sqlite3.connect(f"file:{path}?immutable=1", uri=True, check_same_thread=False)
        for limit, value in LIMITS.items():
            conn.setlimit(limit, value)
        cache[path] = conn
    return cache[path]


def _segments(path: str) -> list[str]:
    from datasette.utils import tilde_decode

    parts = [p for p in path.split("/") if p]
    if parts and parts[-1].endswith(FORMAT_SUFFIXES):
        parts[-1] = parts[-1].rsplit(".", 1)[0]
    return [tilde_decode(p) for p in parts]


def compile_error(conn: sqlite3.Connection, sql: str) -> str | None:
    """SQLite's message for ``sql`` when it does not compile, or None."""
    try:
        conn.execute("EXPLAIN " + sql, _AnyParameter())
    except sqlite3.Error as error:
        if faults.server_fault(error) is not None:
            raise  # the file's failure, not the clause's: request_problem answers it 500
        return str(error)
    return None


def looked_in(conn: sqlite3.Connection, sql: str, said: str, clause: str, table: str) -> list[str]:
    """The tables and views SQLite looked for the column of ``said`` ("no such column: [t.]name",
    compiling ``sql``) in: those where a copy of the table with that column added, named as the
    table (a WITH in front of ``sql``, which every reference then reads), makes the name resolve.
    The page's ``table`` is one when the name sits where its rows are in scope, a table a subquery
    of ``clause`` reads another; only tables ``clause`` names (then ``table``) are tried.
    SQLite's message names no table unless the clause qualified the column, and not the one an
    alias stands for."""
    name = said.removeprefix("no such column: ").rpartition(".")[2].replace('"', '""')
    known = [row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type IN ('table', 'view')")]
    named = [t for t in known if t != table and re.search(rf"(?<![\w$]){re.escape(t)}(?![\w$])", clause, re.I)]
    found = []
    for candidate in [*named, table]:
        quoted = candidate.replace('"', '""')
        # The copy keeps a table's rowid, which the clause may read (a view has none).
        rowid = "rowid AS rowid, " if compile_error(conn, f'SELECT rowid FROM main."{quoted}"') is None else ""

        def shadowed(extra: str, quoted=quoted, rowid=rowid) -> str:
            return f'WITH "{quoted}" AS (SELECT {rowid}*{extra} FROM main."{quoted}") {sql}'

        # The copy alone must fail as the table does: else what the added column changes cannot be
        # told from what the copy does.
        if compile_error(conn, shadowed("")) == said and compile_error(conn, shadowed(f', NULL AS "{name}"')) != said:
            found.append(candidate)
    return found


def unknown_name_problem(conn: sqlite3.Connection, sql: str, table: str, clause: str, database: str) -> str | None:
    """What a ``_where`` (``clause``, compiled as ``sql`` over ``table`` of ``database``) that names
    a column or a table SQLite cannot find says (``unknown_column_message``,
    ``unknown_table_message``), or None. Compiled once: the two names are told apart by SQLite's
    own message."""
    try:
        conn.execute("EXPLAIN " + sql, _AnyParameter())
    except sqlite3.Warning:
        return None  # two statements: statement_problem's to say
    except sqlite3.Error as error:
        if faults.server_fault(error) is not None:
            raise  # the file's failure, not the clause's: request_problem answers it 500
        said = str(error)
        if said.startswith("no such column: "):
            return unknown_column_message(conn, sql, said, table, clause)
        if said.startswith("no such table: "):
            return unknown_table_message(conn, said, table, clause, database)
        # A syntax error or an unknown function: Datasette's to say, as before.
    return None


def unknown_column_message(conn: sqlite3.Connection, sql: str, said: str, table: str, clause: str) -> str:
    """What a ``_where`` whose compilation ``sql`` SQLite refused with ``said`` ("no such column:
    …") says: the parameter, the column, and the columns of the tables SQLite looked for it in.
    Datasette answered SQLite's message alone, which named neither the parameter nor what the
    condition may name; and a column a subquery asks of another table (``figure_id in (select
    nosuch from sources)``) was said with the page table's columns alone, as if the condition
    could name only those."""
    searched = looked_in(conn, sql, said, clause, table)
    columns = {
        name: ", ".join(row[0] for row in conn.execute("SELECT name FROM pragma_table_info(?)", (name,)))
        for name in searched
    }
    if searched == [table]:
        return f"_where={clause}: {said}; _where is a SQL condition on the rows of {table}, whose columns are: {columns[table]}"
    if not searched:
        # A qualifier that is no table the clause reads (zz.nosuch), or a name in a scope the
        # copies cannot reach: no table's columns would be the right ones to list.
        return (
            f"_where={clause}: {said}; no table or view this condition reads has it "
            f"(_where is a SQL condition on the rows of {table})"
        )
    where = " and ".join(searched)
    listed = "; ".join(f"the columns of {name} are: {names}" for name, names in columns.items())
    return (
        f"_where={clause}: {said}; SQLite looked for it in {where}, and none has it "
        f"(_where is a SQL condition on the rows of {table}, and a subquery on those of the tables it reads): {listed}"
    )


def unknown_table_message(conn: sqlite3.Connection, said: str, table: str, clause: str, database: str) -> str | None:
    """What a ``_where`` whose subquery reads a table or view the database lacks (SQLite's
    ``said``: "no such table: …") says, or None on a page that is no table: the parameter, the
    name, and the page that lists the tables and views. Datasette answered SQLite's message
    alone, which named neither the parameter nor what a subquery may read."""
    known = conn.execute("SELECT 1 FROM sqlite_master WHERE type IN ('table', 'view') AND name = ?", (table,))
    if known.fetchone() is None:
        return None  # the page is no table (a canned query's): Datasette applies no _where there
    return (
        f"_where={clause}: {said}; _where is a SQL condition on the rows of {table}, and a subquery in it "
        f"reads the tables and views of this database, which /{database} lists"
    )


def runs_on_problem(conn: sqlite3.Connection, sql: str, table: str, clause: str) -> str | None:
    """What a ``_where`` (``clause``, compiled as ``sql`` over ``table``) that compiles alone but
    not inside a larger query says, or None: a ``-- comment`` (or an unclosed ``/* comment``) at
    its end runs on over the SQL Datasette writes after it, and Datasette answered SQLite's
    "incomplete input" alone."""
    try:
        # With something after it, as Datasette always writes more SQL after a _where: a /* with
        # nothing after it is, at the very end of the input, a slash and a star to SQLite (a syntax
        # error), which let `_where=value>1 /*` through to the bare "incomplete input".
        conn.execute("EXPLAIN " + sql + "\n", _AnyParameter())
    except (sqlite3.Warning, sqlite3.Error):
        return None  # it fails alone too (no such table: a canned query's page): not this problem
    try:
        conn.execute(f'EXPLAIN SELECT count(*) FROM (SELECT * FROM "{table}" WHERE {clause})', _AnyParameter())
    except sqlite3.Warning:
        return None  # two statements: statement_problem's to say
    except sqlite3.Error as error:
        if faults.server_fault(error) is not None:
            raise  # the file's failure, not the clause's: request_problem answers it 500
        return (
            f"_where={clause}: Query refused: {error} once Datasette's query goes on after the condition: "
            "a -- comment runs to the end of its line and a /* comment to its */, so end the one with a new "
            "line and close the other, or leave it out; _where is a SQL condition on the rows, such as value > 100"
        )
    return None


def request_problem(datasette, scope) -> tuple[int, str] | None:
    """(400, message) when the request's ``sql=`` or ``_where`` would call what the policy refuses,
    or names a column its table does not have."""
    from urllib.parse import parse_qs

    params = parse_qs(scope.get("query_string", b"").decode("utf-8", "replace"), keep_blank_values=True)
    if "sql" not in params and "_where" not in params:
        return None
    parts = _segments(scope.get("path", ""))
    if not parts or parts[0] in EXEMPT_DATABASES or parts[0] not in datasette.databases:
        return None
    db = datasette.databases[parts[0]]
    if db.is_memory or not db.path:
        return None
    # A blank sql= is no query: Datasette answers the database's page (or its JSON), as the SQL
    # editor submitted empty asks. Compiled here, it was a 400 "Query refused: incomplete input"
    # with no editor to write one in.
    # Each with the parameter it came from, which a refusal of a _where names: it was "Query
    # refused: incomplete input" for figures?_where=1=, which said neither which nor what to write.
    statements = [(None, sql) for sql in params.get("sql", []) if sql.strip()]
    if len(parts) > 1:
        table = parts[1].replace('"', '""')
        # A blank _where asks for nothing where nothing applies it (a row, a canned query): a
        # table's or view's is refused by plugins/parameters.py, which names it.
        statements += [
            (clause, f'SELECT * FROM "{table}" WHERE {clause}') for clause in params.get("_where", []) if clause.strip()
        ]
    for clause, sql in statements:
        # Before SQLite compiles it: bound from the address's values, all named, it said "Binding 1
        # has no name, but you supplied a dictionary", in Python's terms and naming no parameter.
        unnamed = positional_parameter_problem(sql if clause is None else clause, clause)
        if unnamed:
            return 400, unnamed
        clause_problem = None
        try:
            problem = statement_problem(_compiler(db.path), sql)
            if problem is None and clause is not None:
                clause_problem = unknown_name_problem(_compiler(db.path), sql, parts[1], clause, parts[0])
                clause_problem = clause_problem or runs_on_problem(_compiler(db.path), sql, table, clause)
        except sqlite3.Error as error:
            # The served file failing (plugins/_database_faults.py) is no fault of the query.
            if faults.server_fault(error) is not None:
                faults.log(error, f"the SQL policy's check of {scope.get('path', '')}")
                return faults.STATUS, faults.MESSAGE
            problem = faults.client_message(error)
        if clause_problem:
            return 400, clause_problem
        if problem and clause is not None:
            return (
                400,
                f"_where={clause}: Query refused: {problem}; _where is a SQL condition on the rows, such as value > 100",
            )
        if problem:
            return 400, f"Query refused: {problem}"
    return None
