"""Errors a client caused are 4xx, never 500.

Datasette 0.65 answers 500 for some requests that are the client's fault: an unknown ``_sort``
column (a ``DatasetteError`` left at its default status), and a query interrupted by the time
limit while a CSV is being prepared (``QueryInterrupted`` outside the views that catch it). A
statement the SQL policy refuses on a served connection is an ``sqlite3.DatabaseError`` ("not
authorized"). Each becomes a 400 with Datasette's own error page, or the API's JSON error shape.
"""

from __future__ import annotations

import sqlite3

from datasette import hookimpl
from datasette.utils.asgi import Response

# DatasetteError messages (table view) that describe a bad request, though raised with status 500.
CLIENT_MESSAGES = ("Cannot sort table by", "Cannot use _sort and _sort_desc", "_col=", "_nocol=")


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


@hookimpl
def handle_exception(datasette, request, exception):
    from datasette.views.base import DatasetteError

    if isinstance(exception, DatasetteError):
        if exception.status == 500 and str(exception.message).startswith(CLIENT_MESSAGES):
            exception.status = 400  # Datasette's own handler then renders it as a 400
        return None
    found = client_status(exception)
    if found is None:
        return None
    status, message = found

    async def inner():
        if request.path.endswith((".json", ".csv")):
            return Response.json({"ok": False, "status": status, "error": message}, status=status)
        html = await datasette.render_template(
            "error.html", {"ok": False, "error": message, "status": status, "title": "Bad request"}, request=request
        )
        return Response.html(html, status=status)

    return inner
