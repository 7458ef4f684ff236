"""What the site's ASGI wrappers send by themselves: a whole answer, the API's error shape, a HEAD.

Not a plugin: it has no hooks, so Datasette's ``--plugins-dir``, which loads every file here,
finds nothing in it. The plugins that answer by themselves import it as ``_responses``, with
plugins/ on the import path (plugins/ is no package). Only this module, ``_badges`` and
``_database_faults`` (no hooks either) are imported so: a plugin imported by another would be a second copy of itself, its hooks
and caches included.
"""

from __future__ import annotations

import json

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


def error_body(status: int, message: str) -> bytes:
    """The API's error shape: ``{"ok": false, "status": N, "error": "..."}``."""
    return json.dumps({"ok": False, "status": status, "error": message}, ensure_ascii=False).encode("utf-8")


async def send_response(send, status: int, body: bytes, kind: bytes, headers=()):
    """A whole answer of ``body`` typed ``kind``, readable from any origin, with its length and
    ``headers``."""
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", kind),
                (b"access-control-allow-origin", b"*"),
                (b"content-length", str(len(body)).encode()),
                *headers,
            ],
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
