"""A request line with an HTTP version there is none of (``GET / HTTP/9.9``) is a 400.

uvicorn's h11 parser reads any ``HTTP/<digit>.<digit>`` and hands the app the version it read,
so ``HTTP/9.9`` or ``HTTP/0.1`` was answered 200 as if it were HTTP/1.1. A server must not
guess at a version it does not speak (RFC 9110, 2.5). What the parser refuses itself (a
malformed request line, a bad byte in a header) never reaches the app: the production workers
answer it in the API's error shape (deploy/whole_responses.py), and nginx before them
(deploy/nginx.conf.j2); the stock ``datasette serve`` keeps uvicorn's plain-text 400, which no
plugin hook can reach.

A request target in absolute form (``GET http://host/path HTTP/1.1``), which RFC 9112 (3.2.2)
says a server must accept, is answered as its path: uvicorn handed the app the whole URL as the
path, which no route matched (a 404 "Nothing is at http://127.0.0.1:8001/disclosures/figures.json").
Its authority is the request's Host, as that section says; plugins/canonical.py then treats it
as any other Host.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

from datasette import hookimpl

# plugins/ is no package: what its plugins share is plugins/_responses.py, found on the path.
if str(Path(__file__).parent) not in sys.path:
    sys.path.append(str(Path(__file__).parent))
from _responses import send_message

# What an ASGI server reports: HTTP/1.0 and HTTP/1.1 as written on the request line; HTTP/2
# and HTTP/3, which have no request line, as "2" and "3".
VERSIONS = ("1.0", "1.1", "2", "3")


def version_problem(version: str) -> str | None:
    if version in VERSIONS:
        return None
    return f"HTTP/{version} is no version of HTTP this server speaks: send HTTP/1.1 (or 1.0, 2, 3)"


ABSOLUTE_FORM = re.compile(r"^https?://(?P<authority>[^/?#]*)", re.IGNORECASE)


def origin_form(scope: dict) -> dict:
    """``scope`` with an absolute-form target read as its path, and its authority as its Host."""
    found = ABSOLUTE_FORM.match(scope.get("path", ""))
    if not found:
        return scope
    path = scope["path"][found.end() :] or "/"
    raw = scope.get("raw_path") or b""
    raw_found = ABSOLUTE_FORM.match(raw.decode("latin-1"))
    raw_path = (raw[raw_found.end() :] or b"/") if raw_found else path.encode("utf-8")
    headers = [(name, value) for name, value in scope.get("headers", []) if name.lower() != b"host"]
    host = found["authority"].encode("latin-1", "replace")
    return {**scope, "path": path, "raw_path": raw_path, "headers": [(b"host", host), *headers]}


# Outside every wrapper but echoes.py: none reads a request in a version it would only misread
# (plugins/layers.py).
@hookimpl
def asgi_wrapper(datasette):
    def wrap(app):
        async def checked(scope, receive, send):
            if scope["type"] == "http":
                problem = version_problem(scope.get("http_version", "1.1"))
                if problem:
                    return await send_message(send, 400, problem, True, [(b"connection", b"close")])
                scope = origin_form(scope)
            return await app(scope, receive, send)

        return checked

    return wrap
