"""Headers of the site's data answers (``.json`` and ``.csv``) and pages that Datasette 0.65 left out or got wrong.

- Cache-Control: Datasette's table, row and query views send ``max-age=`` ``default_cache_ttl``
  (``_ttl=N`` for another, ``no-cache`` for 0: ``set_response_headers`` in datasette/views/base.py),
  but its CSVs, the site's own JSON routes (/country/USA.json, /compare.json, ...) and its own
  pages (/figure/<id>, /country/USA, /platform/telegram, /compare, /, ...) sent none, so a client
  or cache could not tell how long to keep them. The database is immutable per release, so they
  get the same policy, read the same way. Only a 200 without a Cache-Control of its own: a
  refusal keeps its ``no-store``, a page such as /feed.atom its own. The JSON of Datasette's
  status pages (/-/versions.json, /-/plugins.json, /-/settings.json, /-/metadata.json, and the
  site's /-/serving.json) is the API's too, and sent none: it changes only when the site is
  deployed again, and gets the same policy (the health check says ``no-store`` itself, and is
  left out besides: it must never be kept). So do the HTML pages of the public ones (/-/versions,
  /-/plugins, /-/settings, /-/metadata), which sent none: they show the same JSON and change
  with it. Another page under /-/ (one a new Datasette may add, which may change per request)
  gets none, nor do files (``/static/``, ``/-/static/``, ``/downloads/``, whose cache is nginx's
  in ``make prod``).
- An error (a status of 400 or more) without a Cache-Control of its own, on any path, is
  ``no-store`` (plugins/_responses.py, ``ERROR_CACHE_CONTROL``, says why): Datasette sends none
  with its errors, so a browser or cache could keep a 404 or a time limit's 400 by its own
  heuristics, and behind nginx the error had no Cache-Control at all.
- Newline-delimited JSON (``_shape=array&_nl=on``) was ``text/plain`` without a charset. It is
  ``application/x-ndjson; charset=utf-8``: the NDJSON specification's media type (no IANA-registered
  one exists; it is what Elasticsearch and most NDJSON clients send and expect), in UTF-8 as that
  specification requires, with the charset said as the site's JSON says it.
- CSV was ``text/plain; charset=utf-8`` unless ``_dl`` asked for a download: Datasette's choice,
  so that a browser shows the rows in a tab (simonw/datasette#1549). A program reading the API
  (a Frictionless or CKAN loader, a spreadsheet's "from web" import) then cannot tell a CSV from
  text by its type. Every CSV answer is ``text/csv; charset=utf-8; header=present`` (RFC 4180
  and RFC 7111's registration; ``header=absent`` with ``_header=off``), as the release's CSV
  files are served. A browser now downloads a CSV, or offers to open it in a spreadsheet, rather
  than showing it as text: what a journalist clicking "CSV" wants, and what Datasette's own
  ``_dl=1`` did; nothing else about the answer changes.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path
from urllib.parse import parse_qsl

from datasette import hookimpl

# plugins/ is no package: what its plugins share is plugins/_responses.py, found on the path.
if str(Path(__file__).parent) not in sys.path:
    sys.path.append(str(Path(__file__).parent))
from _responses import with_error_cache_control

NDJSON = b"application/x-ndjson; charset=utf-8"
CSV = b"text/csv; charset=utf-8; header="
NOT_DATA = ("/static/", "/downloads/", "/-/static/", "/-/static-plugins/", "/-/health.json")
# Datasette's status pages and the site's own under /-/: their JSON is a data answer, and the
# pages of those that show what changes only with a deployment (plugins/guards.py closes the rest).
STATUS = "/-/"
DEPLOYMENT_PAGES = ("/-/versions", "/-/plugins", "/-/settings", "/-/metadata")
# A file's extension at the end of a path (``figures.json``, ``disclosures.db``): a path without
# one is a page.
EXTENSION = re.compile(r"\.[A-Za-z0-9]+$")


def is_headed(path: str) -> bool:
    """Whether the answer to ``path`` gets the data's Cache-Control: a ``.json`` or ``.csv``
    answer, or a page, outside Datasette's files and the health check; of its status pages
    (``/-/``), their ``.json`` and the pages of ``DEPLOYMENT_PAGES``."""
    if path.startswith(NOT_DATA):
        return False
    if path.startswith(STATUS):
        return path.endswith(".json") or path in DEPLOYMENT_PAGES
    return path.endswith((".json", ".csv")) or not EXTENSION.search(path.rsplit("/", 1)[-1])


# The values of _header that leave the header out, as plugins/parameters.py rewrites them for
# Datasette (which reads only "off"): any other it accepts writes the header, and it refuses the rest.
HEADER_OFF = ("off", "false", "0")


def csv_type(query_string: str) -> bytes:
    """The media type of a CSV answer: whether its first line is the header row, as the answer
    reads ``_header`` (the first value; off, false or 0, in any case, leaves the header out)."""
    header = dict(reversed(parse_qsl(query_string, keep_blank_values=True))).get("_header")
    return CSV + (b"absent" if header is not None and header.lower() in HEADER_OFF else b"present")


def cache_control(datasette, query_string: str) -> bytes | None:
    """Datasette's Cache-Control for a data answer, or None when it sends none (``--reload``)."""
    if not datasette.cache_headers:
        return None
    ttl = dict(reversed(parse_qsl(query_string, keep_blank_values=True))).get("_ttl")
    # Datasette's own test is str.isdigit, which passes "²" that int() cannot read (a 500 here);
    # such a value is not a number of seconds, and gets the default as "abc" does.
    if ttl is None or not (ttl.isascii() and ttl.isdigit()):
        ttl = datasette.setting("default_cache_ttl")
    return b"no-cache" if int(ttl) == 0 else f"max-age={int(ttl)}".encode()


# Outside the plugins that answer by themselves (plugins/downloads.py streams a sorted CSV with
# headers of its own), so every data answer passes through here (plugins/layers.py).
@hookimpl
def asgi_wrapper(datasette):
    def wrap(app):
        async def headed(scope, receive, send):
            path = scope.get("path", "")
            if scope["type"] != "http":
                return await app(scope, receive, send)
            data = is_headed(path)

            async def with_headers(message):
                if message["type"] == "http.response.start" and message["status"] >= 400:
                    message = {
                        **message,
                        "headers": with_error_cache_control(message["status"], message.get("headers", [])),
                    }
                elif message["type"] == "http.response.start" and message["status"] == 200 and data:
                    headers = list(message.get("headers", []))
                    names = {k.lower() for k, _ in headers}
                    if b"cache-control" not in names:
                        policy = cache_control(datasette, scope.get("query_string", b"").decode("latin-1"))
                        if policy:
                            headers.append((b"cache-control", policy))
                    # Datasette's JSON renderer answers text/plain for _nl=on alone.
                    if path.endswith(".json") and (b"content-type", b"text/plain") in headers:
                        headers = [(k, NDJSON if k.lower() == b"content-type" else v) for k, v in headers]
                    if path.endswith(".csv"):
                        kind = csv_type(scope.get("query_string", b"").decode("latin-1"))
                        headers = [(k, kind if k.lower() == b"content-type" else v) for k, v in headers]
                    message = {**message, "headers": headers}
                await send(message)

            return await app(scope, receive, with_headers)

        return headed

    return wrap
