"""A statement that fails is logged by what its request was answered: whole for a server error,
one short line for a client's.

Datasette 0.65 writes ``ERROR: conn=..., sql = '...', params = ...: <error>`` to stderr for every
statement SQLite refuses (``Database.execute``), whatever the cause. A bad ``_where`` or ``?sql=``
is the client's mistake, answered 400, and each such request wrote its whole SQL to the server's
log: up to 32 KiB a request (plugins/request_limits.py), so one client could fill the log at will.

Here ``Database.execute`` runs with Datasette's own line off and notes each failed statement of
the request; once the request is answered, the statements are logged through Python's logging
(logger :data:`LOGGER_NAME`) by the status the client got:

- a 4xx: one line at INFO for the request, the first error's message cut to
  :data:`SHORT_MESSAGE` characters and no SQL (the access log already has the request's line; an
  operator who wants these sets the logger to INFO);
- any other answer (a 5xx, a request that raised, or a failure the answer got past): each
  statement whole at ERROR, with its parameters, the request and its status, as Datasette wrote it.

With no logging configured (``datasette serve``, and the workers of ``make prod``), Python writes
ERROR lines to stderr and leaves INFO out. A statement run outside a request (a startup hook) is
logged whole at once; one run for a request a plugin makes while answering another
(``datasette.client``) counts as the outer request's. A caller that asks Datasette not to log (``log_sql_errors=False``, as its
facets do) is not logged here either.
"""

from __future__ import annotations

import contextvars
import functools
import logging
import sqlite3

from datasette import hookimpl
from datasette.database import Database

LOGGER_NAME = "platform_disclosures.sql"
LOGGER = logging.getLogger(LOGGER_NAME)
# Characters of a client error's message in its one line: a message quotes what the client sent
# ('no such column: xxx...', 'near "...": syntax error').
SHORT_MESSAGE = 120
# Failed statements remembered per request; more are counted, not kept.
MAX_NOTED = 20


class Failures:
    """The failed statements of one request: the first MAX_NOTED, and how many more."""

    def __init__(self):
        self.noted: list[tuple] = []
        self.more = 0

    def note(self, sql, params, error) -> None:
        if len(self.noted) < MAX_NOTED:
            self.noted.append((sql, params, error))
        else:
            self.more += 1

    @property
    def count(self) -> int:
        return len(self.noted) + self.more


# The failed statements of the request being answered (None outside a request).
FAILED: contextvars.ContextVar[Failures | None] = contextvars.ContextVar("failed_statements", default=None)


def whole_line(sql, params, error, request: str = "") -> str:
    """Datasette's line for a failed statement, with the request it served when there was one."""
    return f"ERROR: {request}sql = {sql!r}, params = {params!r}: {error}"


def short_line(status: int, failures: Failures) -> str:
    """The one line of a request answered ``status`` (a 4xx) whose statements failed."""
    message = " ".join(str(failures.noted[0][2]).split())
    if len(message) > SHORT_MESSAGE:
        message = message[:SHORT_MESSAGE] + f"… ({len(message)} characters)"
    more = f" (and {failures.count - 1} more)" if failures.count > 1 else ""
    return f"SQL refused by SQLite, answered {status}: {message}{more}"


def log_failures(scope, status: int | None, failures: Failures) -> None:
    if status is not None and 400 <= status < 500:
        LOGGER.info(short_line(status, failures))
        return
    request = f"{scope.get('method', '')} {scope.get('path', '')} answered {status or 'nothing'}: "
    for sql, params, error in failures.noted:
        LOGGER.error(whole_line(sql, params, error, request))
    if failures.more:
        LOGGER.error(f"ERROR: {request}{failures.more} more statements failed")


def logged_by_answer(execute):
    """``Database.execute`` without Datasette's own line, noting each failed statement instead."""

    @functools.wraps(execute)
    async def execute_noted(
        self, sql, params=None, truncate=False, custom_time_limit=None, page_size=None, log_sql_errors=True
    ):
        try:
            return await execute(
                self,
                sql,
                params,
                truncate=truncate,
                custom_time_limit=custom_time_limit,
                page_size=page_size,
                log_sql_errors=False,
            )
        except sqlite3.DatabaseError as error:  # what Datasette logged (not QueryInterrupted)
            if log_sql_errors:
                failed = FAILED.get()
                if failed is None:
                    LOGGER.error(whole_line(sql, params, error))
                else:
                    failed.note(sql, params, error)
            raise

    execute_noted.logs_by_answer = True
    execute_noted.failed = FAILED
    return execute_noted


# Once, however often this module is loaded (the tests load plugins again by path); every copy
# of the module notes into the one ContextVar that the patched execute reads.
if getattr(Database.execute, "logs_by_answer", False):
    FAILED = Database.execute.failed
else:
    Database.execute = logged_by_answer(Database.execute)


def wrap(app):
    async def noting(scope, receive, send):
        if scope["type"] != "http" or FAILED.get() is not None:
            # A request a plugin makes while answering one (datasette.client: plugins/downloads.py
            # asks a CSV's JSON) notes its failures into the client's request, logged by its answer.
            return await app(scope, receive, send)
        failed = Failures()
        token = FAILED.set(failed)
        status = None

        async def watched(message):
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await app(scope, receive, watched)
        finally:
            FAILED.reset(token)
            if failed.count:
                log_failures(scope, status, failed)

    return noting


@hookimpl
def asgi_wrapper(datasette):
    return wrap
