"""One error shape for the JSON API, and 400s for parameters Datasette would quietly misread.

Every ``.json`` and ``.csv`` answer with a status of 400 or more is ``{"ok": false, "status": N,
"error": "..."}`` (``application/json``), whoever made it: Datasette (whose query errors carry the
whole query context, whose time-limit message is HTML, and whose CSV errors were HTML pages), the
guards (plain text), or a route. A CSV client reads one shape for every bad parameter, and it is
the API's. A page's error is Datasette's HTML error page, whoever made it: a plugin's plain-text
refusal of a page (an unknown ``_sort``, a server too busy) is rendered into it here. A release
file's error (``/downloads/1.2.0/nope.csv``) is the API's shape for a program and the error page
for a browser, whose Accept ranks HTML above JSON (it follows the address from a link), with
``Vary: Accept``; behind nginx too, which hands a release file it does not find to the workers. An
exception that a wrapper raises (this one's, or any inside or outside it) is answered by
plugins/server_errors.py, outside every wrapper, in the same shapes.

A filter on a column the table does not have (``platfrom_id=telegram``) is a 400: SQLite reads
an unknown double-quoted name as a string, so Datasette would answer 200 with no rows. So is an
unknown filter operator (``value__nope=3``, which Datasette ignores, answering every row), and a
``_through`` that is not the JSON object Datasette expects (a 500 before).

The site is read-only: a method other than GET, HEAD or OPTIONS is a 405 (a POST to a table
was a 500). OPTIONS, on any path, is a CORS preflight answered here with a 204 that allows any
origin, the read methods and the headers asked for: Datasette answered it only on its own
views (allowing ``Authorization`` alone, so a client's ``If-None-Match`` was refused), and the
site's own pages answered it with their whole body and no CORS header. A HEAD reaches this
wrapper as its GET: plugins/echoes.py, outside it, answers every HEAD as the GET without its body.
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path
from urllib.parse import parse_qsl

from datasette import hookimpl
from datasette.utils.asgi import BadRequest

# plugins/ is no package: what its plugins share is plugins/_responses.py, found on the path.
if str(Path(__file__).parent) not in sys.path:
    sys.path.append(str(Path(__file__).parent))
from _filters import filter_problem, flag_problem
from _responses import (
    HTML,
    INTERRUPTED,
    JSON,
    error_body,
    error_page,
    error_text,
    held,
    is_json_request,
    is_page_request,
    prefers_html,
    send_message,
    send_response,
)
from _table_options import nameless_problem

THROUGH_KEYS = ("table", "column", "value")


def interrupted_message(datasette, scope) -> str:
    """What a client reads of a query stopped by the time limit: the limit in milliseconds, and
    whether its own ``_timelimit`` set it (plugins/guards.py has checked that it is a number)."""
    limit = datasette.setting("sql_time_limit_ms")
    asked = [v for k, v in parse_qsl(scope.get("query_string", b"").decode("latin-1")) if k == "_timelimit"]
    lowered = asked and asked[0].isdigit() and int(asked[0]) < limit
    said = f"{int(asked[0])} ms, as _timelimit asked" if lowered else f"{limit} ms"
    return (
        f"{INTERRUPTED}: it ran past the time limit of {said}. Ask for less (a narrower filter, a smaller page, "
        "fewer facets) or a cheaper query"
    )


def through_problem(value: str) -> str | None:
    try:
        through = json.loads(value)
    except (ValueError, RecursionError):  # RecursionError: objects nested thousands deep
        through = None
    shape = '_through must be a JSON object {"table": ..., "column": ..., "value": ...}'
    if not isinstance(through, dict):
        return shape
    missing = [key for key in THROUGH_KEYS if key not in through]
    if missing:
        return f"{shape}; this one has no {' and no '.join(json.dumps(key) for key in missing)}"
    return None


# (database, table) -> its column names, for immutable databases (their schema cannot change).
_columns: dict[tuple[str, str], set[str]] = {}


def check_arguments(request, columns: set[str]) -> None:
    """Raise BadRequest for a filter on no column or with no operator, or a malformed _through."""
    pairs = ((key, value) for key in request.args for value in request.args.getlist(key))
    problem = nameless_problem(pairs, "a filter names one of the table's columns, as column=value")
    if problem:
        raise BadRequest(problem)
    for key in request.args:
        if key.startswith("_") and "__" not in key:
            continue
        problem = filter_problem(key, columns) or flag_problem(key, request.args.getlist(key))
        if problem:
            raise BadRequest(problem)
    for value in request.args.getlist("_through"):
        problem = through_problem(value)
        if problem:
            raise BadRequest(problem)


@hookimpl
def filters_from_request(request, database, table, datasette):
    async def inner():
        db = datasette.get_database(database)
        columns = _columns.get((database, table))
        if columns is None:
            columns = set(await db.table_columns(table)) | {"rowid"}
            if not db.is_mutable:
                _columns[(database, table)] = columns
        check_arguments(request, columns)
        return None

    return inner


READ_METHODS = ("GET", "HEAD", "OPTIONS")
# A file the site serves (a release file, the database, a static file): its errors are the API's
# JSON shape (plugins/downloads.py), and so is nginx's 405 for a POST to a file it holds. A POST to
# one nginx does not find, which it hands to the workers (a recorded release's file, /downloads/9.9.9/),
# was a text/plain 405 where a GET of the same address is a JSON 404.
FILE_PATH = re.compile(r"^/(?:downloads|static|-/static|-/static-plugins)/.|^/[^/]+\.db$")
# A release file's address: a reader follows it from /downloads, a citation or the README, so its
# error (a 404 that names the release's files, plugins/downloads.py) is the site's error page for
# a browser (prefers_html) and the API's JSON shape for a program, whatever its extension.
RELEASE_FILE_PATH = re.compile(r"^/downloads/.")
VARY_ACCEPT = (b"vary", b"Accept")


def is_plain_text(start: dict) -> bool:
    """Whether a response start declares a plain-text body (a plugin's refusal)."""
    kind = dict((k.lower(), v) for k, v in start.get("headers", [])).get(b"content-type", b"")
    return kind.startswith(b"text/plain")


# The headers of an error answer that stay when it is reshaped here. Access-Control-Expose-Headers
# (plugins/downloads.py's list) with them: without it a script on another origin could not read
# a 503's or a 429's Retry-After, which CORS shows only when exposed.
KEPT_HEADERS = (b"retry-after", b"cache-control", b"allow", b"vary", b"access-control-expose-headers")
ALLOW = (b"allow", ", ".join(READ_METHODS).encode())


async def send_error(send, status: int, message: str, as_json: bool, page: bytes | None = None):
    """``message`` in the API's error shape (``as_json``), as the HTML ``page`` when given, or as
    plain text."""
    if page is not None and not as_json:
        return await send_response(send, status, page, HTML, [ALLOW])
    await send_message(send, status, message, as_json, [ALLOW])


# How long a browser may keep a preflight's answer (seconds): the site's answer never changes.
PREFLIGHT_MAX_AGE = 86400
# Asked for no headers in particular, a preflight allows these (a conditional GET, a range).
PREFLIGHT_HEADERS = b"Authorization, If-None-Match, If-Modified-Since, Range"


async def send_preflight(scope, send):
    """204 to OPTIONS: any origin, the read methods, the request headers asked for."""
    asked = next((v for k, v in scope.get("headers", []) if k.lower() == b"access-control-request-headers"), b"")
    allowed = asked.strip() or PREFLIGHT_HEADERS
    methods = ", ".join(READ_METHODS).encode()
    await send(
        {
            "type": "http.response.start",
            "status": 204,
            "headers": [
                (b"allow", methods),
                (b"access-control-allow-origin", b"*"),
                (b"access-control-allow-methods", methods),
                (b"access-control-allow-headers", allowed),
                (b"access-control-max-age", str(PREFLIGHT_MAX_AGE).encode()),
            ],
        }
    )
    await send({"type": "http.response.body", "body": b""})


# Outside the plugins' own wrappers (budget, downloads, guards, paging, ...), so that their
# errors pass through this one and take its shape too (plugins/layers.py).
@hookimpl
def asgi_wrapper(datasette):
    def wrap(app):
        async def shaped(scope, receive, send):
            if scope["type"] != "http":
                return await app(scope, receive, send)
            if scope.get("method") not in READ_METHODS:
                # The site is read-only: Datasette answered a POST to a table with a 500.
                message = "This site is read-only: use GET"
                as_json = is_json_request(scope) or FILE_PATH.match(scope.get("path", "")) is not None
                page = None
                if not as_json and is_page_request(scope):
                    page = await error_page(datasette, scope, receive, 405, message)
                return await send_error(send, 405, message, as_json, page)
            if scope.get("method") == "OPTIONS":
                return await send_preflight(scope, send)
            release_file = RELEASE_FILE_PATH.match(scope.get("path", "")) is not None
            for_browser = release_file and prefers_html(scope)
            as_json = (is_json_request(scope) or release_file) and not for_browser
            if not as_json and not for_browser and not is_page_request(scope):
                return await app(scope, receive, send)

            def reshaped(message):
                return message["status"] >= 400 and (as_json or for_browser or is_plain_text(message))

            async def reshape(start, whole):
                status = start["status"]
                if as_json:
                    text = error_text(whole)
                    if text.startswith(INTERRUPTED):
                        text = interrupted_message(datasette, scope)
                    body, kind = error_body(status, text), JSON
                else:
                    # A release file's error was written in the API's JSON shape (plugins/downloads.py).
                    text = error_text(whole) if for_browser else whole.decode("utf-8", "replace").strip() or "Error"
                    body, kind = await error_page(datasette, scope, receive, status, text), HTML
                # Retry-After (a 503 or 429), Cache-Control, Allow and the headers exposed to other
                # origins are part of the answer, whoever made it; the body's type and length are this one's.
                kept = [(k, v) for k, v in start.get("headers", []) if k.lower() in KEPT_HEADERS]
                if release_file:
                    kept.append(VARY_ACCEPT)
                await send_response(send, status, body, kind, kept)

            # An exception raised through here is plugins/server_errors.py's, outside every wrapper.
            await app(scope, receive, held(reshape, send, keep=reshaped))

        return shaped

    return wrap
