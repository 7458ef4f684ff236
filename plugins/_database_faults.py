"""Whether an SQLite error is the server's own file failing, not the client's SQL.

Not a plugin: it has no hooks (see plugins/_responses.py, imported the same way). Datasette
answers every ``sqlite3.DatabaseError`` of a query as the client's mistake (400), and so did
plugins/client_errors.py and the SQL policy's check: a served file that is corrupt, unreadable or
not a database at all was a 400 "database disk image is malformed", which tells a client to
change a request that was fine. Such an error is the server's: a 500, with a message that names
neither the file nor the SQL (:data:`MESSAGE`), and logged for the operator.

Told by SQLite's primary result code (``sqlite_errorcode``), not by its message: a client's
syntax error, unknown table or column, refused statement (SQLITE_AUTH), too-long value
(SQLITE_TOOBIG), memory cap (SQLITE_NOMEM: the SQL policy's heap limit stops a query that asks
too much) or interrupted query (SQLITE_INTERRUPT) stays the client's.
"""

from __future__ import annotations

import logging
import sqlite3

LOGGER = logging.getLogger("platform_disclosures.database")

# The file cannot be read (SQLITE_IOERR, every extended code included), is damaged
# (SQLITE_CORRUPT), cannot be opened (SQLITE_CANTOPEN), is not SQLite's (SQLITE_NOTADB), or the
# disk SQLite writes its temporary files to is full (SQLITE_FULL).
SERVER_CODES = frozenset(
    {sqlite3.SQLITE_IOERR, sqlite3.SQLITE_CORRUPT, sqlite3.SQLITE_CANTOPEN, sqlite3.SQLITE_NOTADB, sqlite3.SQLITE_FULL}
)
STATUS = 500
MESSAGE = (
    "The server could not read its database: this is a fault of the server, not of the request. "
    "Try again later; if it persists, tell the site's maintainers"
)


class DatabaseUnreadable(Exception):
    """The served file failed (raised from the ``sqlite3.Error``). Not an ``sqlite3.Error``, so
    that Datasette's views, which answer any ``sqlite3.DatabaseError`` 400, let it through to the
    ``handle_exception`` hooks (plugins/client_errors.py)."""


def server_fault(error: BaseException | None) -> sqlite3.Error | None:
    """The ``sqlite3.Error`` of ``error`` or of what caused it that is the server's file failing,
    or None (a client's SQL mistake, or no SQLite error at all)."""
    seen = set()
    while error is not None and id(error) not in seen:
        seen.add(id(error))
        code = getattr(error, "sqlite_errorcode", None)
        if isinstance(error, sqlite3.Error) and code is not None and code & 0xFF in SERVER_CODES:
            return error
        error = error.__cause__ or error.__context__
    return None


def log(error: sqlite3.Error, where: str) -> None:
    """One line for the operator: what SQLite said, its code, and what was being answered."""
    LOGGER.error(
        "the served database could not be read (%s: %s) while answering %s",
        getattr(error, "sqlite_errorname", "?"),
        error,
        where,
    )


# SQLITE_TOOBIG said only "string or blob too big": a researcher's group_concat over a table, or a
# replace that grows its text, read as the database failing. The cap is the SQL policy's
# (SQLITE_LIMIT_LENGTH, plugins/sql_policy.py), on each value one query builds.
TOO_BIG = (
    "one value a query builds (a group_concat, replace, printf or blob) is capped on this site: "
    "ask for fewer rows or shorter text (LIMIT, substr), or download the table's CSV"
)


def client_message(error: sqlite3.Error) -> str:
    """What a client reads of an SQLite error its SQL caused: SQLite's message, and for a value
    over the length cap, what to do instead."""
    if getattr(error, "sqlite_errorcode", None) == sqlite3.SQLITE_TOOBIG:
        return f"{error}: {TOO_BIG}"
    return str(error)
