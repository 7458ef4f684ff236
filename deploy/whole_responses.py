"""The production workers' HTTP protocol: a response's head and body leave the worker in one
write, so that a worker that dies mid-request never leaves nginx holding a head without a body.

Why: uvicorn writes the status line and headers when the app sends ``http.response.start``, and
the body in a second write when the app sends ``http.response.body``. The first write wakes
nginx, which may run before the worker makes the second. A worker killed between the two (kill
-9, the OOM killer) leaves nginx with a response that has begun: nginx cannot pass the request on
to another worker (``proxy_next_upstream`` only retries before a response has begun), so the
client gets the head and then a closed connection. ``make reliability`` saw this about once in
25 kills at a load average of 4 on 2 cores ("upstream prematurely closed connection while
reading upstream"; the client read 0 of 71 body bytes). With one write, the worker has either
sent nothing, and nginx retries on another worker, or the whole response, which nginx reads to
its end.

How: every write the protocol makes during one turn of the event loop is joined and handed to
the socket at the end of that turn (``loop.call_soon``). Datasette sends a response's start and
its body in one turn. A streamed response (a CSV export) yields between its chunks, so each
chunk still leaves when it is ready: nothing waits longer than one turn, and nothing is held
in memory beyond what the app has already sent.

This module runs in ``.venv-site`` under gunicorn (``worker_class`` in deploy/gunicorn.conf.py)
and imports uvicorn only; :class:`WholeResponseWorker` is defined when uvicorn-worker is
installed.
"""

from __future__ import annotations

import asyncio
import json

import h11
from uvicorn.protocols.http.h11_impl import H11Protocol


class TurnBufferedTransport:
    """An asyncio transport whose writes of one event-loop turn reach the real transport as one
    ``write``. Everything else (flow control, ``get_extra_info``, ``abort``) is the real
    transport's. ``close`` writes what is pending first, as a transport's own ``close`` sends
    what it has buffered."""

    def __init__(self, transport: asyncio.Transport, loop: asyncio.AbstractEventLoop):
        self._transport = transport
        self._loop = loop
        self._pending: list[bytes] = []
        self._flush_scheduled = False

    def write(self, data: bytes) -> None:
        if not data:
            return
        self._pending.append(bytes(data))
        if not self._flush_scheduled:
            self._flush_scheduled = True
            self._loop.call_soon(self.flush)

    def writelines(self, chunks) -> None:
        for chunk in chunks:
            self.write(chunk)

    def flush(self) -> None:
        """Hand everything pending to the real transport in one write."""
        self._flush_scheduled = False
        if not self._pending:
            return
        data = b"".join(self._pending)
        self._pending.clear()
        if not self._transport.is_closing():
            self._transport.write(data)

    def close(self) -> None:
        self.flush()
        self._transport.close()

    def __getattr__(self, name):
        return getattr(self._transport, name)


# What a request h11 cannot parse is answered with: the API's error shape, as nginx answers the
# requests it cannot read itself (deploy/nginx.conf.j2), not uvicorn's bare text.
UNPARSED = {
    "ok": False,
    "status": 400,
    "error": "Bad request: the request line or a header could not be read",
}


class WholeResponseH11Protocol(H11Protocol):
    """uvicorn's h11 protocol over a :class:`TurnBufferedTransport`, whose answer to a request
    it cannot parse is in the API's error shape."""

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(TurnBufferedTransport(transport, self.loop))  # type: ignore[arg-type]

    def send_400_response(self, msg: str) -> None:
        # As uvicorn's own (head, body, end, close), with a JSON body. Its message ("Invalid
        # HTTP request received.") is still what it logs.
        body = json.dumps(UNPARSED).encode("utf-8")
        headers = [
            (b"content-type", b"application/json; charset=utf-8"),
            (b"content-length", str(len(body)).encode()),
            # As every error a worker sends (plugins/_responses.py, ERROR_CACHE_CONTROL).
            (b"cache-control", b"no-store"),
            (b"connection", b"close"),
        ]
        for event in (h11.Response(status_code=400, headers=headers, reason=b"Bad Request"), h11.Data(data=body)):
            self.transport.write(self.conn.send(event))
        self.transport.write(self.conn.send(h11.EndOfMessage()))
        self.transport.close()


try:
    from uvicorn_worker import UvicornWorker
except ImportError:  # the pipeline's environment, which imports the protocol only to test it
    pass
else:

    class WholeResponseWorker(UvicornWorker):
        """uvicorn-worker's worker, serving with :class:`WholeResponseH11Protocol`."""

        CONFIG_KWARGS = {**UvicornWorker.CONFIG_KWARGS, "http": WholeResponseH11Protocol}
