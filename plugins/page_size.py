"""How many rows one HTML page of a table shows: at most ``HTML_MAX_ROWS``.

Datasette renders a table page on the thread that answers every request, and 5,000 rows of the
figures table (``_size=max``, 12–14 MB of HTML) held it for 2–3.5 s: every other request waited,
and the time budget (plugins/budget.py) cannot stop a render once it has begun. An HTML page
asked for more rows is redirected (302) to the same page with ``_size`` at the limit, so that
its address says what it shows, and its next-page link goes on from there. JSON and CSV keep
Datasette's ``max_returned_rows``: they cost a fraction of the HTML.

A size beyond ``max_returned_rows`` is not redirected either: the table's JSON refuses it ("_size
must be <= 5000"), and so does its page, as the same 400 (its filter form, plugins/parameters.py),
where it was a 302 that showed 1,000 rows as if the size had been a slip of the page's alone.

A canned query's page is not redirected: its SQL decides its rows, and plugins/parameters.py
refuses any ``_size`` there but ``max``, so ``?_size=max`` was sent to a ``_size=1000`` that is a 400.
"""

from __future__ import annotations

import re
from urllib.parse import parse_qsl, urlencode

from datasette import hookimpl
from datasette.utils import tilde_decode

HTML_MAX_ROWS = 1000
WHOLE_NUMBER = re.compile(r"^[0-9]+$")


def rows_asked(size: str, most_rows: int) -> int:
    """``size`` (digits) as a number, or ``most_rows + 1`` for any longer than ``most_rows``: int()
    refuses more than 4,300 digits, and a _size that long was a 500 here."""
    digits = size.lstrip("0") or "0"
    return int(digits) if len(digits) <= len(str(most_rows)) else most_rows + 1


def capped_query(path: str, query: str, most_rows: int) -> str | None:
    """The query string to redirect an HTML table page to, or None when it asks for at most
    ``HTML_MAX_ROWS`` rows or more than ``most_rows`` (max_returned_rows, which Datasette refuses),
    or is not an HTML page of a table (``/db/table`` with no format)."""
    parts = path.strip("/").split("/")
    if len(parts) != 2 or "." in parts[1] or parts[0].startswith("-"):
        return None
    pairs = parse_qsl(query, keep_blank_values=True)
    sizes = [value for name, value in pairs if name == "_size"]
    if not sizes:
        return None
    # The first, as Datasette reads it (``request.args.get``): checking the last let
    # ``_size=5000&_size=1`` render 5,000 rows.
    size = sizes[0]
    if size != "max" and not (WHOLE_NUMBER.match(size) and HTML_MAX_ROWS < rows_asked(size, most_rows) <= most_rows):
        return None  # within the limit, not a number or beyond every answer's: a 400's to say
    kept = [(name, value) for name, value in pairs if name != "_size"]
    return urlencode([*kept, ("_size", str(HTML_MAX_ROWS))])


async def is_canned_query(datasette, path: str) -> bool:
    """Whether ``/db/name`` (a path capped_query would redirect) names a canned query."""
    route, name = path.strip("/").split("/")
    database = next((db.name for db in datasette.databases.values() if db.route == route), None)
    return database is not None and await datasette.get_canned_query(database, tilde_decode(name), None) is not None


@hookimpl
def asgi_wrapper(datasette):
    def wrap(app):
        async def page_size(scope, receive, send):
            if scope["type"] != "http" or scope.get("method") not in ("GET", "HEAD"):
                return await app(scope, receive, send)
            path = scope.get("path", "")
            # As the client wrote it, should plugins/paging.py have rewritten it first.
            asked = scope.get("original_query_string", scope.get("query_string", b""))
            query = capped_query(path, asked.decode("latin-1"), datasette.setting("max_returned_rows"))
            if query is None or await is_canned_query(datasette, path):
                return await app(scope, receive, send)
            await send(
                {
                    "type": "http.response.start",
                    "status": 302,
                    "headers": [
                        (b"location", f"{path}?{query}".encode("latin-1")),
                        (b"content-type", b"text/plain; charset=utf-8"),
                        (b"cache-control", b"max-age=3600"),
                    ],
                }
            )
            body = f"An HTML page shows at most {HTML_MAX_ROWS:,} rows; .json and .csv give more.\n".encode()
            await send({"type": "http.response.body", "body": b"" if scope["method"] == "HEAD" else body})

        return page_size

    return wrap
