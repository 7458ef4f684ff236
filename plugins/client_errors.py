"""Errors a client caused are 4xx, never 500.

Datasette 0.65 answers 500 for some requests that are the client's fault: an unknown ``_sort``
column (a ``DatasetteError`` left at its default status), and a query interrupted by the time
limit while a CSV is being prepared (``QueryInterrupted`` outside the views that catch it). A
statement the SQL policy refuses on a served connection is an ``sqlite3.DatabaseError`` ("not
authorized"). Each becomes a 400 with Datasette's own error page, or the API's JSON error shape.

A ``.blob`` (a binary value's download, which Datasette links from a query's CSV and from a
row's binary cell) of a value that is not binary, or of no row, is a 400 or 404: Datasette's
renderer failed on a number after its 200 had started (the download was an error page), hashed
text for ``_blob_hash`` (a 500), took the first of no rows (a 500), and sent a 0 as no bytes.

Every error page Datasette's handler would render (a 4xx) is rendered as the site's pages are,
by plugins/_responses.py's ``error_page``: its handler renders error.html without the plugins'
stylesheets and template variables, so the page lost the site's layout (at 390 px its
navigation fell apart into a list of links). A server error (an exception in a view) is the site's error page too, titled
"Server error", with the API's generic message instead of the exception's text (a file path, SQL,
a plugin's internals, which Datasette's page showed): Datasette's handler, which runs after this
one, still prints its traceback to the server's log.

Datasette calls every ``handle_exception`` hook and answers with the first response, so its own
handler ran after this one's answer and printed a full traceback for each client-caused error
(a ``_timelimit`` on a CSV, a refused statement, "Statement must be a SELECT", a 404) whose
answer was already written. Its handler now stays silent for those: the access log's one line
with the status says what happened.

An SQLite error is the client's only when its SQL caused it (plugins/_database_faults.py): the
served file failing (corrupt, unreadable, not a database) was a 400 "Query refused: database disk
image is malformed" too. It is a 500, in the same shape, with a message that names neither the
file nor the SQL, and one line in the log; a page's is the site's error page, which reads nothing
of the database. Datasette's views answer any ``sqlite3.DatabaseError``
of an ad-hoc query 400 themselves, before any hook sees it: ``Database.execute_fn``, through which
every statement and connection of a served database goes, raises such an error as
``DatabaseUnreadable`` (no ``sqlite3.Error``), which reaches this module's hook.
"""

from __future__ import annotations

import functools
import hashlib
import sqlite3
import sys
from pathlib import Path

from datasette import hookimpl
from datasette.database import Database
from datasette.plugins import pm
from datasette.utils import add_cors_headers, to_css_class
from datasette.utils.asgi import BadRequest, NotFound, Response

# plugins/ is no package: what its plugins share is found on the path (plugins/_responses.py).
if str(Path(__file__).parent) not in sys.path:
    sys.path.append(str(Path(__file__).parent))
import _database_faults as faults
from _responses import (
    HTML,
    SERVER_ERROR_MESSAGE,
    TITLES,
    answered_if_raised,
    error_page,
    error_response,
    send_message,
    send_response,
)

# DatasetteError messages (table view) that describe a bad request, though raised with status 500.
CLIENT_MESSAGES = ("Cannot sort table by", "Cannot use _sort and _sort_desc", "_col=", "_nocol=")
# What Datasette says when no page, table or row has a path (/a/b/c, /country/USA.json.json): its
# status alone, or, for /disclosures/nope and /nope, "Table not found" and "Database not found"
# without the name or where the tables are, which told a reader nothing about where to look instead.
BARE_NOT_FOUND = ("404", "Table not found", "Database not found")


BUSY_MESSAGE = "The server is too busy to answer this now; try again in a few seconds"


def not_found_message(path: str) -> str:
    return (
        f"Nothing is at {path}: no page, table or row has this address. The tables are listed at "
        "/disclosures, and the pages and the API at /api"
    )


def client_status(exception) -> tuple[int, str] | None:
    """(status, message) for an exception the client caused, or None."""
    from datasette.database import QueryInterrupted
    from datasette.views.base import DatasetteError

    if isinstance(exception, DatasetteError):
        return None
    if isinstance(exception, QueryInterrupted):
        return 400, "SQL query took too long; the time limit is the sql_time_limit_ms setting"
    if isinstance(exception, sqlite3.DatabaseError):
        return 400, f"Query refused: {exception}"
    return None


def page_error(exception) -> tuple[int, str, str] | None:
    """(status, message, title) of an error Datasette's own handler would render as a page (a 4xx
    it raised, or a DatasetteError), as it words them; None for a server error, whose traceback
    Datasette's handler prints."""
    from datasette.utils.asgi import Base400
    from datasette.views.base import DatasetteError
    from markupsafe import Markup

    if isinstance(exception, Base400):
        status, message, title = exception.status, exception.args[0] if exception.args else "", None
    elif isinstance(exception, DatasetteError) and exception.status < 500:
        status, title = exception.status, exception.title
        message = Markup(exception.message) if exception.message_is_html else exception.message
    else:
        return None
    # A 4xx without a title of its own is titled by its status, as the site's other error pages
    # are: error.html wrote "Error 400" (a facet or filter Datasette refused) beside "Bad request".
    # A status the site names no title for keeps error.html's "Error 403".
    return status, message, title or TITLES.get(status) or f"Error {status}"


def quiet_for_client_errors(default_handler):
    """Datasette's default ``handle_exception``, which returns nothing (so prints nothing) for an
    exception the client caused, or the served file's failure: this module's hook has answered it
    (and logged the failure in one line). Its answer printed, with rich installed, a traceback and
    every frame's locals for each 4xx, "Statement must be a SELECT" or a 404 (a DatasetteError or
    a Base400, which page_error tells); a server error still prints its traceback."""

    def handler(datasette, request, exception):
        if (
            client_status(exception) is not None
            or page_error(exception) is not None
            or faults.server_fault(exception) is not None
        ):
            return None
        return default_handler(datasette, request, exception)

    handler.wraps_default = True
    return handler


for default in pm.hook.handle_exception.get_hookimpls():
    # Once, however often this module is loaded (the tests load plugins again by path).
    if default.plugin_name == "datasette.handle_exception" and not getattr(default.function, "wraps_default", False):
        default.function = quiet_for_client_errors(default.function)


def raising_server_faults(execute_fn):
    """``Database.execute_fn`` that raises the served file's failure as ``DatabaseUnreadable``."""

    @functools.wraps(execute_fn)
    async def execute_fn_checked(self, fn):
        try:
            return await execute_fn(self, fn)
        except sqlite3.Error as error:
            if faults.server_fault(error) is None:
                said = faults.client_message(error)
                if said == str(error):
                    raise
                # The same error, as SQLite's type and code, with what to do instead.
                explained = type(error)(said)
                explained.sqlite_errorcode = error.sqlite_errorcode
                raise explained from error
            raise faults.DatabaseUnreadable(f"{self.name}: {error}") from error

    execute_fn_checked.raises_server_faults = True
    return execute_fn_checked


# Once, however often this module is loaded.
if not getattr(Database.execute_fn, "raises_server_faults", False):
    Database.execute_fn = raising_server_faults(Database.execute_fn)


@hookimpl
def handle_exception(datasette, request, exception):
    from datasette.views.base import DatasetteError

    if (
        isinstance(exception, DatasetteError)
        and exception.status == 500
        and str(exception.message).startswith(CLIENT_MESSAGES)
    ):
        exception.status = 400
    from datasette.utils.asgi import NotFound

    if isinstance(exception, NotFound) and len(exception.args) == 1 and exception.args[0] in BARE_NOT_FOUND:
        exception.args = (not_found_message(request.path),)
    found = client_status(exception)
    fault = faults.server_fault(exception)
    if fault is not None:
        faults.log(fault, f"{request.method} {request.path}")
        found = (faults.STATUS, faults.MESSAGE)
    title = None
    if found is None:
        # A 4xx of Datasette's (a page, or the API's shape for .json and .csv) is answered here,
        # so that its handler, which printed each one's traceback, is left only server errors.
        page = page_error(exception)
        if page is None:
            # A server error, in the API's shape or as the site's page, without the exception's
            # text; Datasette's handler prints its traceback all the same (quiet_for_client_errors
            # leaves it).
            status, message = 500, SERVER_ERROR_MESSAGE
        else:
            status, message, title = page
    else:
        status, message = found

    async def inner():
        # The site's error page, rendered as its pages are, not as Datasette's handler renders
        # error.html (without the plugins' stylesheets and template variables: at 390 px its
        # navigation fell apart into a list of links).
        headers = {}
        if datasette.cors:
            add_cors_headers(headers)
        return await error_response(datasette, request, status, message, title, headers)

    return inner


async def fault_page(datasette, scope, receive) -> bytes | None:
    """The site's error page (error.html, styled, with its navigation) for the served file's
    failure; the error page reads nothing of the database (plugins/pages.py). None if it cannot
    be rendered all the same, for the message as text."""
    try:
        return await error_page(datasette, scope, receive, faults.STATUS, faults.MESSAGE)
    except Exception as error:  # any failure: the message as text still says what happened
        if faults.server_fault(error) is None:
            raise
        return None


@hookimpl
def asgi_wrapper(datasette):
    """A failure of the served file raised through a wrapper that reads the database before
    Datasette's views (plugins/parameters.py reads a table's columns), where no
    ``handle_exception`` hook sees it: the same 500 as the hook's, logged the same way."""

    def wrap(app):
        async def unreadable_is_500(scope, receive, send):
            if scope["type"] != "http":
                return await app(scope, receive, send)

            async def unreadable(exception):
                from datasette.database import QueryInterrupted

                path = scope.get("path", "")
                if isinstance(exception, QueryInterrupted):
                    # A wrapper's own lookup cut by the time limit (a busy machine), before any
                    # view could answer it: the load's fault, not the request's, so a 503 to retry.
                    return await send_message(
                        send, 503, BUSY_MESSAGE, path.endswith((".json", ".csv")), [(b"retry-after", b"2")]
                    )
                fault = faults.server_fault(exception)
                if fault is None:
                    return False
                faults.log(fault, f"{scope.get('method', '')} {path}")
                as_data = path.endswith((".json", ".csv"))
                page = None if as_data else await fault_page(datasette, scope, receive)
                if page is None:
                    return await send_message(send, faults.STATUS, faults.MESSAGE, as_json=as_data)
                await send_response(send, faults.STATUS, page, HTML)

            await answered_if_raised(app, scope, receive, send, unreadable)

        return unreadable_is_500

    return wrap


def blob_value(rows, columns, args) -> tuple[bytes, str | None]:
    """The bytes a ``.blob`` answers with, and the ``_blob_hash`` that chose them (or None), as
    Datasette's renderer chooses them; a BadRequest or NotFound for a request with no such bytes."""
    column = args.get("_blob_column")
    if column is None:
        raise BadRequest("?_blob_column= is required")
    if column not in columns:
        raise BadRequest(f"{column} is not a valid column")
    if not rows:
        raise NotFound(f"No row: this .blob selects none, so there is no {column} to download")
    wanted = args.get("_blob_hash")
    if wanted is None:
        chosen = [rows[0][column]]
    else:
        chosen = [row[column] for row in rows if isinstance(row[column], bytes)]
        chosen = [value for value in chosen if hashlib.sha256(value).hexdigest() == wanted]
        if not chosen:
            raise BadRequest("Link has expired - the requested binary content has changed or could not be found.")
    value = chosen[0]
    if value is None:
        return b"", wanted
    if not isinstance(value, bytes):
        kind = "text" if isinstance(value, str) else "a number"
        raise BadRequest(
            f"{column} holds {kind}, not binary data: .blob downloads a binary value; read this one with .json or .csv"
        )
    return value, wanted


async def render_blob(datasette, database, rows, columns, request, table, view_name):
    value, wanted = blob_value(rows, columns, request.args)
    column = request.args["_blob_column"]
    # The file name as Datasette's renderer writes it.
    bits = [to_css_class(table)] if table else []
    if "pks" in request.url_vars:
        bits.append(request.url_vars["pks"])
    bits.append(to_css_class(column))
    if wanted:
        bits.append(wanted[:6])
    headers = {
        "X-Content-Type-Options": "nosniff",
        "Content-Disposition": f'attachment; filename="{"-".join(bits)}.blob"',
    }
    return Response(body=value, status=200, headers=headers, content_type="application/binary")


# trylast: Datasette keeps the last renderer registered for an extension, and this one replaces its own.
@hookimpl(trylast=True)
def register_output_renderer(datasette):
    return {"extension": "blob", "render": render_blob, "can_render": lambda: False}
