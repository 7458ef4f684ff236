"""Every HTML page says its language and marks its main content, for screen readers.

Datasette 0.65's ``base.html`` writes ``<html>`` with no ``lang`` (WCAG 2.1, 3.1.1: a screen
reader then guesses the language to pronounce the page in) and holds each page's content in a
``<section class="content">`` that is no landmark (the "skip to main" of assistive software
finds none). Both tags belong to that template, which templates/base.html extends rather than
copies so that an upgrade of Datasette keeps the rest: this wrapper adds ``lang="en"`` and
``role="main"`` to the two tags of each HTML answer instead, once, in the first body message
(where Datasette writes the whole page), and corrects the Content-Length. An answer without
the tags (a template that changed) passes unchanged; tests/test_site_landmarks.py would fail.
"""

from __future__ import annotations

import sys
from pathlib import Path

from datasette import hookimpl

# plugins/ is no package: the rewrite is plugins/_landmarks.py's, shared with server_errors.py
# (whose error page is written outside this wrapper), found on the path.
if str(Path(__file__).parent) not in sys.path:
    sys.path.append(str(Path(__file__).parent))
from _landmarks import with_landmarks


# Outside plugins/errors.py, whose error pages are HTML answers too (plugins/layers.py).
@hookimpl
def asgi_wrapper(datasette):
    def wrap(app):
        async def landmarks(scope, receive, send):
            if scope["type"] != "http":
                return await app(scope, receive, send)
            held = None  # an HTML answer's start, sent with its first body message

            async def rewritten(message):
                nonlocal held
                if message["type"] == "http.response.start":
                    content_type = next((v for k, v in message.get("headers", []) if k.lower() == b"content-type"), b"")
                    if content_type.startswith(b"text/html"):
                        held = message
                        return
                    return await send(message)
                if message["type"] == "http.response.body" and held is not None:
                    start, held = held, None
                    body = message.get("body", b"")
                    changed = with_landmarks(body)
                    if changed != body:
                        headers = [
                            (
                                k,
                                str(len(changed) - len(body) + int(v)).encode()
                                if k.lower() == b"content-length"
                                else v,
                            )
                            for k, v in start.get("headers", [])
                        ]
                        start = {**start, "headers": headers}
                        message = {**message, "body": changed}
                    await send(start)
                return await send(message)

            await app(scope, receive, rewritten)

        return landmarks

    return wrap
