"""What the site's ASGI wrappers send by themselves: a whole answer, the API's error shape, a HEAD,
and which shape an error takes (a page, the API's JSON) with the site's error page.

Not a plugin: it has no hooks, so Datasette's ``--plugins-dir``, which loads every file here,
finds nothing in it. The plugins that answer by themselves import it as ``_responses``, with
plugins/ on the import path (plugins/ is no package). Only the modules whose names begin with
``_`` (no hooks either) are imported so: a plugin imported by another would be a second copy of
itself, its hooks and caches included.
"""

from __future__ import annotations

import html
import json
import re

from datasette.utils.asgi import Request, Response

JSON = b"application/json; charset=utf-8"
TEXT = b"text/plain; charset=utf-8"
HTML = b"text/html; charset=utf-8"
# What the API says of a server error other than the database's (plugins/_database_faults.py): an
# exception in a view or a plugin. Its text was the exception's own (a file path, SQL, a plugin's
# internals); the traceback that explains it is the operator's, in the log.
SERVER_ERROR_MESSAGE = (
    "The server failed to answer this request: this is a fault of the server, not of the request. "
    "Try again later; if it persists, tell the site's maintainers"
)

# The heading of an error page, by its status (Datasette's error.html said "Error 400" for one
# whose exception gave no title, beside "Bad request" for the site's own).
TITLES = {
    400: "Bad request",
    404: "Not found",
    405: "Method not allowed",
    412: "Precondition failed",
    429: "Too many requests",
    500: "Server error",
    503: "Server busy",
}


# What every error answer says to caches, unless it says something of its own: a status of 400 or
# more is never kept. Some errors pass (a query past the time limit is a 400, a busy server a
# 503, a fault a 500), and no status tells them from the lasting ones: a client that asks again
# must be answered again, and an error is cheap to make again. Written here for the answers the
# plugins write themselves, and by plugins/data_headers.py for Datasette's own.
ERROR_CACHE_CONTROL = (b"cache-control", b"no-store")


def with_error_cache_control(status: int, headers: list) -> list:
    """``headers`` of an answer with ``status``, with ``ERROR_CACHE_CONTROL`` added when it is an
    error without a Cache-Control of its own."""
    if status < 400 or any(k.lower() == b"cache-control" for k, _ in headers):
        return headers
    return [*headers, ERROR_CACHE_CONTROL]


# The control characters no answer shows raw (plugins/controls.py): C0 but tab, line feed and
# carriage return; DEL; C1.
CONTROLS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


def escaped_controls(message: str) -> str:
    """``message`` with each control character (CONTROLS) written as Python escapes it, ``\\x00``.

    A message quotes what the client sent (``platform_id=%00x: '\\x00x' is ...``): raw there, a NUL
    was ``\\u0000`` in the JSON, which some readers end a string at, and a space in a page
    (plugins/controls.py), so the message quoted "platform_id= x", a value no one sent. Its
    repr beside it was escaped already. Markup (an error Datasette writes in HTML) is left as it is."""
    if hasattr(message, "__html__"):
        return message
    return CONTROLS.sub(lambda control: f"\\x{ord(control[0]):02x}", message)


def error_body(status: int, message: str) -> bytes:
    """The API's error shape: ``{"ok": false, "status": N, "error": "..."}``, control characters
    in ``message`` escaped (escaped_controls)."""
    error = {"ok": False, "status": status, "error": escaped_controls(message)}
    return json.dumps(error, ensure_ascii=False).encode("utf-8")


# How Datasette's answers (JSON) and plugins/client_errors.py's (CSV) to a query its time limit
# interrupted begin. Both named a server setting, each in other words, and neither the limit.
INTERRUPTED = "SQL query took too long"


# The message box of Datasette 0.65's error.html (an error page holds the site's navigation too).
ERROR_BOX = re.compile(r'<div style="[^"]*border: 3px solid red;[^"]*">(.*?)</div>', re.DOTALL)
TAG = re.compile(r"<(script|style|textarea)[^>]*>.*?</\1>|<[^>]+>", re.DOTALL | re.IGNORECASE)


def error_text(body: bytes) -> str:
    """The message of an error body: Datasette's JSON ``error``, the message box of its HTML error
    page (what it answers a ``.csv`` with), or text; tags and blank lines removed."""
    text = body.decode("utf-8", "replace")
    try:
        data = json.loads(text)
    except ValueError:
        data = None
    if isinstance(data, dict) and data.get("error"):
        text = str(data["error"])
    else:
        box = ERROR_BOX.search(text)
        if box:
            text = box.group(1)
    text = html.unescape(TAG.sub(" ", text))
    return " ".join(text.split()) or "Error"


async def send_response(send, status: int, body: bytes, kind: bytes, headers=()):
    """A whole answer of ``body`` typed ``kind``, readable from any origin, with its length and
    ``headers`` (an error's with ``ERROR_CACHE_CONTROL`` unless they hold a Cache-Control)."""
    base = [
        (b"content-type", kind),
        (b"access-control-allow-origin", b"*"),
        (b"content-length", str(len(body)).encode()),
    ]
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": with_error_cache_control(status, [*base, *headers]),
        }
    )
    await send({"type": "http.response.body", "body": body})


async def send_message(send, status: int, message: str, as_json: bool, headers=()):
    """``message`` in the API's error shape (``as_json``), or as plain text."""
    if as_json:
        return await send_response(send, status, error_body(status, message), JSON, headers)
    await send_response(send, status, (message + "\n").encode("utf-8"), TEXT, headers)


async def send_whole(send, start: dict, body: bytes) -> None:
    """A held answer (its ``http.response.start`` message ``start``) sent with ``body``, whatever
    its length: the Content-Length is ``body``'s."""
    headers = [(k, v) for k, v in start.get("headers", []) if k.lower() != b"content-length"]
    headers.append((b"content-length", str(len(body)).encode()))
    await send({**start, "headers": headers})
    await send({"type": "http.response.body", "body": body})


def held(finish, send=None, keep=None):
    """An ASGI send that holds the whole response back, then hands it to ``await finish(start,
    body)``. With ``keep`` (a test of the response's start message), an answer it refuses goes to
    ``send`` as it comes, unheld."""
    start, chunks = None, []

    async def hold(message):
        nonlocal start
        if message["type"] == "http.response.start":
            if keep is not None and not keep(message):
                start = False
                return await send(message)
            start = message
            return
        if start is False:
            return await send(message)
        chunks.append(message.get("body", b""))
        if not message.get("more_body"):
            await finish(start, b"".join(chunks))

    return hold


class HeadAnswered(BaseException):
    """Raised through the app once a HEAD's headers are sent, so that nothing reads on for a
    body that will not be sent (the whole database, or a CSV of every row). A BaseException,
    so that no ``except Exception`` on the way answers it as an error of the app's own."""


async def answered_if_raised(app, scope, receive, send, answer) -> None:
    """Run ``app``; when it raises before its answer has begun, ``await answer(error)`` answers
    in its place, or returns False to let the exception go on (one the caller does not answer).
    An exception after the answer began always goes on: the answer cannot be replaced, and the
    server ends the connection. What plugins/server_errors.py and client_errors.py wrap with."""
    started = False

    async def watched(message):
        nonlocal started
        started = started or message["type"] == "http.response.start"
        await send(message)

    try:
        return await app(scope, receive, watched)
    except Exception as error:
        if started or await answer(error) is False:
            raise


def bodiless(send):
    """``send`` without the body's bytes: the response start as it is, then one empty body at
    the first of the body's messages. A producer that had more to send is stopped there
    (HeadAnswered, which the caller catches)."""
    answered = False

    async def headers_only(message):
        nonlocal answered
        if message["type"] == "http.response.body":
            if answered:
                return
            answered = True
            await send({"type": "http.response.body", "body": b""})
            if message.get("more_body"):
                raise HeadAnswered
            return
        await send(message)

    return headers_only


# Paths a browser does not read as pages: Datasette's own status and static paths, release files.
NOT_PAGES = ("/-/", "/static/", "/downloads/")
STATUS_PAGE = re.compile(r"^/-/[a-z-]+$")
EXTENSION = re.compile(r"\.[A-Za-z0-9]+$")


def is_page_request(scope) -> bool:
    """Whether an error answer to this request is Datasette's HTML error page: a path with no
    extension in its last part, outside Datasette's static and download files (the list of
    downloads and Datasette's status pages, such as /-/versions, are pages)."""
    path = scope.get("path", "")
    # An extension is a dot and letters or digits at the end ("figures.json"); "..\\figures" has none.
    if EXTENSION.search(path.rsplit("/", 1)[-1]):
        return False
    # The list of downloads and Datasette's own status pages (/-/versions) are pages too; the
    # files beside them are not.
    return (
        not path.startswith(NOT_PAGES) or path in ("/downloads", "/downloads/") or STATUS_PAGE.match(path) is not None
    )


# A weight as RFC 9110 (12.4.2) writes one: 0 to 1, with at most three decimals. float() also read
# inf, 1e999, 2 and 1_0, each of which ranked text/html;q=inf above every weight a browser can send.
QVALUE = re.compile(r"^(?:0(?:\.[0-9]{0,3})?|1(?:\.0{0,3})?)$")


def accept_ranks(scope) -> dict[str, float]:
    """The media types the request's Accept header names, each with its weight (``q``, 1 unless
    given; a weight that is no qvalue counts 0), in lower case."""
    accept = b",".join(v for k, v in scope.get("headers", []) if k.lower() == b"accept").decode("latin-1")
    ranks: dict[str, float] = {}
    for item in accept.split(","):
        media, *parameters = (part.strip() for part in item.split(";"))
        weight = 1.0
        for parameter in parameters:
            name, _, value = parameter.partition("=")
            if name.strip().lower() == "q":
                weight = float(value) if QVALUE.match(value.strip()) else 0.0
        if media:
            ranks[media.lower()] = max(ranks.get(media.lower(), 0.0), weight)
    return ranks


def accepted_weight(ranks: dict[str, float], media: str) -> float:
    """The weight ``ranks`` (accept_ranks) give ``media``: that of the most specific range that
    matches it, the type itself, then its type's ``type/*``, then ``*/*`` (RFC 9110 12.5.1); 0
    when none does."""
    for named in (media, media.split("/", 1)[0] + "/*", "*/*"):
        if named in ranks:
            return ranks[named]
    return 0.0


def prefers_html(scope) -> bool:
    """Whether the request's Accept ranks an HTML page above JSON, as a browser's does when it
    follows a link (``text/html,application/xhtml+xml,...,*/*;q=0.8``), or a client's ``text/*``
    does, a range that holds text/html and not JSON. A program's ``*/*``, a tie, or no Accept at
    all, is not: it is answered in the API's JSON shape."""
    ranks = accept_ranks(scope)
    html = max(accepted_weight(ranks, "text/html"), accepted_weight(ranks, "application/xhtml+xml"))
    return html > 0 and html > accepted_weight(ranks, "application/json")


async def error_page(datasette, scope, receive, status: int, message: str, title: str | None = None) -> bytes:
    """Datasette's HTML error page (its error.html, with the site's navigation) for ``message``,
    headed ``title`` or, without one, its status's (TITLES); control characters in ``message``
    escaped (escaped_controls)."""
    await datasette.invoke_startup()  # done once; Datasette does it on its first request
    context = {
        "ok": False,
        "error": escaped_controls(message),
        "status": status,
        "title": title or TITLES.get(status, "Error"),
    }
    # This runs outside Datasette's CSRF middleware, and an error page has no form to protect.
    request = Request({"csrftoken": lambda: "", **scope}, receive)
    return (await datasette.render_template("error.html", context, request=request)).encode("utf-8")


def is_json_request(scope) -> bool:
    """Whether an error answer to this request is the JSON error shape: a ``.json`` or ``.csv`` path.

    Datasette 0.65 answers JSON only for the .json extension (``?_format=json`` is still a page).
    A ``.csv`` path's errors take the same shape, rather than plain text or an HTML page."""
    return scope.get("path", "").endswith((".json", ".csv"))


def error_json(status: int, message: str, headers=None) -> Response:
    """A view's answer in the API's error shape (error_body), readable from any origin as
    send_response's are."""
    headers = {"access-control-allow-origin": "*", **(headers or {})}
    return Response(error_body(status, message), status=status, headers=headers, content_type=JSON.decode())


async def error_response(
    datasette, request, status: int, message: str, title: str | None = None, headers=None
) -> Response:
    """A view's or a hook's error answer, as the wrappers' (send_message, error_page): the API's
    error shape for a ``.json`` or ``.csv`` path (is_json_request), else the site's error page."""
    if is_json_request(request.scope):
        return error_json(status, message, headers)
    page = await error_page(datasette, request.scope, request.receive, status, message, title)
    return Response(page, status=status, headers=headers, content_type=HTML.decode())


# A run of escapes, ~ or % and two hex digits: a client's %-escapes, or Datasette's form of them
# (it answers /country/South%20Korea with a redirect to South~20Korea). The bytes of one or more
# characters.
PATH_ESCAPES = {
    "~": re.compile(r"(?:~[0-9A-Fa-f]{2})+"),
    "~%": re.compile(r"(?:[~%][0-9A-Fa-f]{2})+"),
    "%": re.compile(r"(?:%[0-9A-Fa-f]{2})+"),
}


def name_as_sent(segment: str, escapes: str = "~") -> str:
    """A path segment as the client sent it, for a message to quote: its escapes (``escapes``:
    "~" for a segment Datasette's routing has %-decoded, such as a /country/ name; "~%" for one
    taken from the raw path, such as a row key; "%" for a raw path no ~ escapes, such as a release
    file's) decoded once. A ~ or % that begins no escape stays
    as sent, and the escapes of bytes that are no UTF-8 text are written as the %-escapes a client
    sends (/country/M%FCnster, in Latin-1). Datasette's tilde_decode read /country/~ as '%' and
    that one with a replacement character, and the 404s quoted those."""

    def decoded(run: re.Match) -> str:
        try:
            return bytes.fromhex(re.sub("[~%]", "", run.group(0))).decode("utf-8")
        except UnicodeDecodeError:
            return run.group(0).replace("~", "%")

    return PATH_ESCAPES[escapes].sub(decoded, segment)
