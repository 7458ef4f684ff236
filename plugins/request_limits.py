"""How big a query string may be: a request over the limits is refused before anything parses it.

Datasette parses and re-renders every parameter (links, hidden form fields, filters): 2,000
unknown parameters (a ~20 KB URL) took 15 s on one page and held the event loop, so
``/-/health.json`` waited with it, and 3,000 never answered. The limits are far above real use
(the longest real query strings are a SQL query of a few KB, or a chart or comparison naming
a few dozen platforms or countries):

- at most ``MAX_QUERY_PARAMETERS`` parameters, or 400;
- at most ``MAX_QUERY_STRING_BYTES`` bytes of query string, or 414 (URI Too Long). That is
  half of what common HTTP clients send at all (httpx stops at 64 KiB), and below what
  deploy/nginx.conf.j2 lets through, so the answer is this one in the API's JSON error shape,
  never nginx's own page. A SQL query sent in the URL is therefore at most about 30 KB, below
  guards.py's 50,000-byte cap on SQL text.

Both answers are ``{"ok": false, "status": N, "error": "..."}`` whatever the path: counting
needs one pass over the bytes and nothing else.
"""

from __future__ import annotations

import sys
from pathlib import Path

from datasette import hookimpl

# plugins/ is no package: what its plugins share is plugins/_responses.py, found on the path.
if str(Path(__file__).parent) not in sys.path:
    sys.path.append(str(Path(__file__).parent))
from _responses import send_message

MAX_QUERY_PARAMETERS = 200
MAX_QUERY_STRING_BYTES = 32_768


def query_string_problem(query_string: bytes) -> tuple[int, str] | None:
    """(status, message) for a query string over the limits, or None. Empty ``&&`` pairs do not count."""
    if len(query_string) > MAX_QUERY_STRING_BYTES:
        return 414, (
            f"The query string is {len(query_string):,} bytes; the limit is {MAX_QUERY_STRING_BYTES:,}. "
            "Ask with fewer or shorter parameters."
        )
    count = sum(1 for pair in query_string.split(b"&") if pair)
    if count > MAX_QUERY_PARAMETERS:
        return 400, f"The query string has {count:,} parameters; the limit is {MAX_QUERY_PARAMETERS}."
    return None


# Outside the wrappers that parse a query string, so that none parses one over the limits
# (plugins/layers.py).
@hookimpl
def asgi_wrapper(datasette):
    def wrap(app):
        async def limited(scope, receive, send):
            if scope["type"] == "http":
                problem = query_string_problem(scope.get("query_string", b""))
                if problem:
                    return await send_message(send, *problem, as_json=True)
            return await app(scope, receive, send)

        return limited

    return wrap
