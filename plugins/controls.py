"""A page never holds a control character the client sent: it is a space there.

``?q=%00`` (or ``_search=``, or any parameter a page shows) was written raw into the page: in its
title, in the header's search box, in the query's parameter field. A NUL, an escape or a
backspace in HTML is a parse error a browser shows as it likes, and may end what a consumer of
the page reads. When the request's parameters hold such a character (C0 but tab, line feed and
carriage return; DEL; C1), each is a space in the HTML page answered, as the search reads it
(plugins/search.py); the search page says so where it shows the search (the ``without_controls``
filter, ``control_characters`` test).
A JSON answer escapes them already (``\\u0000``), and other answers are left untouched.
"""

from __future__ import annotations

import sys
from pathlib import Path
from urllib.parse import parse_qsl

from datasette import hookimpl

# plugins/ is no package: what its plugins share is plugins/_responses.py, found on the path.
if str(Path(__file__).parent) not in sys.path:
    sys.path.append(str(Path(__file__).parent))
from _responses import CONTROLS, held, send_whole


def sent_controls(scope) -> bool:
    """Whether the request's parameters (names or values) hold a control character."""
    query = scope.get("query_string", b"").decode("utf-8", "replace")
    return any(CONTROLS.search(part) for pair in parse_qsl(query, keep_blank_values=True) for part in pair)


def without_controls(text) -> str:
    return CONTROLS.sub(" ", str(text or ""))


def has_controls(text) -> bool:
    return bool(CONTROLS.search(str(text or "")))


@hookimpl
def prepare_jinja2_environment(env):
    env.filters["without_controls"] = without_controls
    env.tests["control_characters"] = has_controls


def is_html(start: dict) -> bool:
    """Whether a response's start message types it an HTML page."""
    kind = dict((k.lower(), v) for k, v in start.get("headers", [])).get(b"content-type", b"")
    return kind.startswith(b"text/html")


def wrap(app):
    async def spaced(scope, receive, send):
        if scope["type"] != "http" or not sent_controls(scope):
            return await app(scope, receive, send)

        async def spaced_page(start, body):
            await send_whole(send, start, without_controls(body.decode("utf-8", "replace")).encode("utf-8"))

        return await app(scope, receive, held(spaced_page, send, keep=is_html))

    return spaced


# Inside echoes.py and etags.py, outside every wrapper that answers a page (plugins/layers.py).
@hookimpl
def asgi_wrapper(datasette):
    return wrap
