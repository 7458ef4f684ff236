"""An error message shows at most ``ECHO_LIMIT`` characters of any one thing the client sent.

Messages name what was wrong by quoting it (``_size must be ... not 'abc'``), and some quoted a
parameter whole however long: a ``_facet`` of JSON nested a few hundred deep was a 400 that
repeated 6 KB of it, and a query string may hold 32 KiB (plugins/request_limits.py). Past the
limit, an echo is cut and counted, ``'{"a":{"a"…' (1,500 characters in all)``, so the message
stays a few lines, still says what it is about, and keeps its advice, which follows the echo.

Cut here, in one wrapper around every other, rather than where each message is written: the
messages come from Datasette and a dozen plugins, and the error shapes from three of them
(plugins/errors.py, client_errors.py, parameters.py). Cut are: each of the request's parameter names and values and path
parts longer than the limit, in each form a message writes one (as it is, as Python's repr, as
JSON, escaped in an HTML page); then, for an echo a message changed on the way (upper-cased,
one key of a JSON value), any run of more than twice ECHO_LIMIT characters without a space,
which no message of the site's own holds. Only errors (4xx and 5xx) in the API's JSON error shape,
HTML, or plain text are read; every other answer passes untouched.

An HTML error is cut wherever it shows text, not only in the message box of Datasette's error
page: the site's own pages answer 400 and 404 with their own templates (``/figure/<id>``'s "not
a figure", ``/chart``'s refusal), and named what was sent whole in their title, heading and text.
Markup is left whole (a link's address, a form's value: the client's own input, to follow or
edit), as are scripts and styles, whose text is code.

A page answered 200 is cut the same way, when the request sent something past the limit: a
table page's title and heading ("0 rows where platform_id = ...", "where search matches ...")
repeated a filter's value or a search whole, 32 KiB of it. Only the echoes themselves are cut
(the runs without a space are a page's own text here), and tables are left whole: they are the
answer (a query's own result, a quote found by its words), which may hold what was asked for.
A table's JSON says the same heading as ``human_description_en``, which is cut alike; the rest of
a JSON answer is left whole: its links (``next_url``, a facet's ``toggle_url``) must carry the
whole parameter to work, and its query's ``params`` are what the rows were selected by.

A parameter's name or value whose bytes are no UTF-8 text is quoted in an error as the client sent
it (``jurisdiction=%FF: no such jurisdiction``): every reader of the query string decodes it as
UTF-8 with a replacement character, and the messages quoted a "\ufffd" the client never sent. Its
escapes that are UTF-8 are decoded, each byte that is none left as its escape (``caf%C3%A9%FF`` is ``café%FF``).
Rewritten here for the same reason as the cuts: those messages are Datasette's and a dozen plugins'.
"""

from __future__ import annotations

import html
import json
import re
import sys
from pathlib import Path
from urllib.parse import parse_qsl, unquote

import markupsafe
from datasette import hookimpl
from datasette.utils import tilde_decode

# plugins/ is no package: what its plugins share is plugins/_responses.py, found on the path.
if str(Path(__file__).parent) not in sys.path:
    sys.path.append(str(Path(__file__).parent))
from _responses import HeadAnswered, bodiless, escaped_controls, held, send_whole

# Enough for anything a client sends in earnest to be shown whole (the longest figure id is 78
# characters; a column name, a cursor or a facet's JSON form far fewer).
ECHO_LIMIT = 200
# How a message writes what the client sent: as Python's repr, as JSON, with its whitespace runs
# made one space (plugins/errors.py does that to a whole message), with its control characters
# escaped (as every error message writes them, plugins/_responses.py), or as it is. The quoted forms
# come first, so that the bare one, which is inside them, is cut once. JSON without escapes comes
# before JSON with them: for ASCII text both write the echo alike, and the cut one ends in "…",
# not "\u2026" (which a page showed as those six characters).
ECHO_FORMS = (
    repr,
    lambda text: json.dumps(text, ensure_ascii=False),
    json.dumps,
    lambda text: " ".join(text.split()),
    escaped_controls,
    str,
)
# A run without a space longer than this, left whole by the cuts above, is an echo changed on
# the way (upper-cased, or one key of a JSON value), and is cut too. Twice the limit, so that a
# cut echo and the name before it (``value__gt=xxx…``) are not cut again.
LONG_RUN = re.compile(rf"[^\s…]{{{2 * ECHO_LIMIT + 1},}}")
# What of an HTML page is not text it shows: elements whose content is code or what the client
# is editing, then any tag (attributes included), a comment, a doctype.
PAGE_MARKUP = re.compile(
    r"(<(script|style|textarea)\b.*?</\2\s*>|<!--.*?-->|<[a-zA-Z/!][^>]*>)", re.DOTALL | re.IGNORECASE
)


# The same, with tables left whole too: on an answer (2xx), they hold its rows.
ANSWER_MARKUP = re.compile(
    r"(<(script|style|textarea|table)\b.*?</\2\s*>|<!--.*?-->|<[a-zA-Z/!][^>]*>)", re.DOTALL | re.IGNORECASE
)


# A table JSON's heading, as Datasette writes it: the keys it starts with, then one JSON string.
# Anchored there: a query's row may hold a column named human_description_en (select :p as
# human_description_en), whose value is the answer and was cut.
JSON_STRING = rb'"(?:[^"\\]|\\.)*"'
JSON_DESCRIPTION = re.compile(
    rb'\{"database": ' + JSON_STRING + rb', "table": ' + JSON_STRING + rb', "is_view": (?:true|false), '
    rb'"human_description_en": (' + JSON_STRING + rb")"
)


def client_input(scope) -> list[str]:
    """What the client sent that is longer than ECHO_LIMIT, longest first: the query string's
    names and values, and the path's parts, decoded as Datasette decodes them (with and without
    their extension), and the names and values that are no UTF-8 as an error quotes them."""
    query = scope.get("query_string", b"").decode("latin-1")
    pieces = {piece for pair in parse_qsl(query, keep_blank_values=True) for piece in pair}
    pieces |= set(undecodable_input(scope).values())
    for part in scope.get("path", "").split("/"):
        for decoded in {part, unquote(part), tilde_decode(part)}:
            pieces |= {decoded, decoded.rsplit(".", 1)[0]}
    return sorted((p for p in pieces if len(p) > ECHO_LIMIT), key=len, reverse=True)


# A byte that is no UTF-8, as Python's surrogateescape decodes it.
UNDECODED_BYTE = re.compile("[\udc80-\udcff]")


def undecodable_input(scope) -> dict[str, str]:
    """The query string's names and values whose bytes are no UTF-8 text: each as every reader of
    the query string decodes it (a replacement character for what is no UTF-8), to as the client
    sent it: its UTF-8 decoded, each byte that is none the %-escape it was sent as. Longest first.
    Two pieces sent differently that decode alike (``a=%FF&b=%FE``) are left out: which of them a
    message quotes cannot be told, and a replacement character is better than the wrong bytes.
    So is one that a piece sent as UTF-8 holds (``_sort=%EF%BF%BD&x=%FF``): that one is its own text."""
    pieces: dict[str, set[str]] = {}
    for pair in scope.get("query_string", b"").decode("latin-1").split("&"):
        for sent in pair.split("=", 1):
            sent = sent.replace("+", " ")  # a space, as parse_qsl reads it
            escaped = unquote(sent, errors="surrogateescape")
            as_sent = UNDECODED_BYTE.sub(lambda byte: f"%{ord(byte[0]) - 0xDC00:02X}", escaped)
            pieces.setdefault(unquote(sent), set()).add(as_sent)
    # A piece that is UTF-8 is sent as it decodes: only those that are not are rewritten.
    text = [decoded for decoded, sent in pieces.items() if decoded in sent]
    known = {
        decoded: sent.pop()
        for decoded, sent in pieces.items()
        if len(sent) == 1 and decoded not in sent and not any(decoded in other for other in text)
    }
    return dict(sorted(known.items(), key=lambda piece: len(piece[0]), reverse=True))


def as_sent(message: str, undecodable: dict[str, str]) -> str:
    """``message`` with each of ``undecodable``'s decoded pieces, in each form a message writes
    one, written as the client sent it."""
    for decoded, sent in undecodable.items():
        for form in ECHO_FORMS:
            message = message.replace(form(decoded), form(sent))
    return message


def cut(text: str) -> str:
    return text[:ECHO_LIMIT] + "…"


def shorten(message: str, pieces: list[str], escapes=(str,)) -> str:
    """``message`` with each of ``pieces`` cut to ECHO_LIMIT characters, in each form a message
    writes it, each form encoded by each of ``escapes``."""
    for piece in pieces:
        note = f" ({len(piece):,} characters in all)"
        for form in ECHO_FORMS:
            echoed, shown = form(piece), form(cut(piece)) + note
            for escape in escapes:
                message = message.replace(escape(echoed), escape(shown))
    return message


# A long run's parts: the parameter's name a message writes before its echo (``jurisdiction=``),
# the echo, and the punctuation the message writes after it (``: no such jurisdiction``). Only the
# echo is cut and counted: the whole run was, and /chart's codes one letter off, listed as
# ``jurisdiction=qaa,qab,...: no such jurisdiction``, lost their colon and counted the name.
RUN_PARTS = re.compile(rf"(?P<name>[^=]{{1,{ECHO_LIMIT}}}=)?(?P<echo>.*?)(?P<after>[:;,.)]*)", re.DOTALL)


def shortened_run(run: str) -> str:
    parts = RUN_PARTS.fullmatch(run)
    name, echo, after = parts["name"] or "", parts["echo"], parts["after"]
    if len(echo) <= ECHO_LIMIT:
        echo, name = name + echo, ""  # a long name is what the client sent: cut it with the rest
    return f"{name}{cut(echo)} ({len(echo):,} characters in all){after}"


def shorten_runs(message: str) -> str:
    return LONG_RUN.sub(lambda m: shortened_run(m.group()), message)


def shorten_message(message: str, pieces: list[str]) -> str:
    return shorten_runs(shorten(message, pieces))


def shorten_text(escaped: str, pieces: list[str], shortened=shorten_message) -> str:
    """A run of an HTML page's text (between tags, escaped) with its echoes cut."""
    text = html.unescape(escaped)
    cut_text = shortened(text, pieces)
    return escaped if cut_text == text else str(markupsafe.escape(cut_text))


def shorten_page(page: str, pieces: list[str], markup=PAGE_MARKUP, shortened=shorten_message) -> str:
    """An HTML error page with the echoes in its text cut, its markup as it was."""
    parts = markup.split(page)
    # split gives text, then for each match the whole markup and the element's name (or None).
    shown = [shorten_text(text, pieces, shortened) for text in parts[::3]]
    markup = parts[1::3]
    return "".join(text + tag for text, tag in zip(shown, [*markup, ""], strict=True))


def shorten_body(body: bytes, kind: bytes, pieces: list[str], undecodable: dict[str, str] | None = None) -> bytes:
    """An error answer's body with its message's echoes cut, those of ``undecodable`` as the
    client sent them first, or the body itself."""
    text = body.decode("utf-8", "replace")

    def shortened(message: str, pieces: list[str]) -> str:
        return shorten_message(as_sent(message, undecodable or {}), pieces)

    if kind.startswith(b"application/json"):
        try:
            data = json.loads(text)
        except ValueError:
            return body
        if not isinstance(data, dict) or not isinstance(data.get("error"), str):
            return body
        data["error"] = shortened(data["error"], pieces)
        return json.dumps(data, ensure_ascii=False).encode("utf-8")
    if kind.startswith(b"text/html"):
        return shorten_page(text, pieces, shortened=shortened).encode("utf-8")
    if kind.startswith(b"text/plain"):
        return shortened(text, pieces).encode("utf-8")
    return body


def shorten_answer_page(page: str, pieces: list[str]) -> str:
    """An HTML page answered 2xx with the echoes in its text cut, its markup and tables as they were."""
    return shorten_page(page, pieces, ANSWER_MARKUP, shorten)


def shorten_answer_json(body: bytes, pieces: list[str]) -> bytes:
    """A JSON answer (2xx) with the echoes in its ``human_description_en`` cut, its other bytes
    as they were."""
    found = JSON_DESCRIPTION.match(body)
    if found is None:
        return body
    description = json.loads(found[1])
    if not isinstance(description, str):
        return body
    shown = shorten(description, pieces)
    if shown == description:
        return body
    return body[: found.start(1)] + json.dumps(shown, ensure_ascii=False).encode("utf-8") + body[found.end(1) :]


def wrap(app):
    async def shortened(scope, receive, send):
        if scope["type"] != "http":
            return await app(scope, receive, send)
        if scope.get("method") == "HEAD":
            # Answered as the GET, without its bytes, here outside every wrapper that changes a
            # body or writes its length (this one, controls.py, landmarks.py): a HEAD's headers
            # are then the GET's (RFC 9110 9.3.2). Answered as the GET only further in (errors.py
            # did so), it had no body for them to change or measure: a view's error page
            # (/country/XXX) had no Content-Length, and one landmarks.py rewrites had the length
            # of the page before. No wrapper inside sees a HEAD, so none answers one itself.
            try:
                return await shortened(dict(scope, method="GET"), receive, bodiless(send))
            except HeadAnswered:
                return

        def to_cut(message):
            headers = dict((k.lower(), v) for k, v in message.get("headers", []))
            kind = headers.get(b"content-type", b"")
            is_message = kind.startswith((b"application/json", b"text/html", b"text/plain"))
            cut = message["status"] >= 400 and is_message
            if 200 <= message["status"] < 300 and kind.startswith((b"text/html", b"application/json")):
                cut = bool(client_input(scope))
            return cut

        async def checked(start, body):
            headers = [(k, v) for k, v in start.get("headers", []) if k.lower() != b"content-length"]
            kind = dict((k.lower(), v) for k, v in headers).get(b"content-type", b"")
            if start["status"] < 400 and kind.startswith(b"application/json"):
                body = shorten_answer_json(body, client_input(scope))
            elif start["status"] < 400:
                page = body.decode("utf-8", "replace")
                shown = shorten_answer_page(page, client_input(scope))
                body = body if shown == page else shown.encode("utf-8")
            # A message this short holds no echo past the limit, nor, unless the query string is
            # no UTF-8, one to quote as sent: nothing to read or parse.
            elif len(body) > ECHO_LIMIT or undecodable_input(scope):
                body = shorten_body(body, kind, client_input(scope), undecodable_input(scope))
            await send_whole(send, start, body)

        return await app(scope, receive, held(checked, send, keep=to_cut))

    return shortened


# Outside every wrapper but etags.py and server_errors.py, which write no echo (plugins/layers.py).
@hookimpl
def asgi_wrapper(datasette):
    return wrap
