"""deploy/whole_responses.py: the production workers' protocol writes a response's head and body
in one write, so that a worker killed mid-request has sent either nothing (nginx retries on
another worker) or all of it. Driven in-process over a recording transport; the workers run it
under gunicorn in tests/test_workers.py, and make reliability kills one under load."""

from __future__ import annotations

import asyncio
import importlib.util
import json
import subprocess

import pytest
from uvicorn.config import Config
from uvicorn.protocols.http.h11_impl import H11Protocol
from uvicorn.server import ServerState

from disclosures import paths
from disclosures.site import SITE_VENV


def load_module():
    spec = importlib.util.spec_from_file_location("whole_responses", paths.DEPLOY / "whole_responses.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


class RecordingTransport(asyncio.Transport):
    """A socket's transport that records each write (one send to the socket) and its close."""

    def __init__(self):
        super().__init__()
        self.writes: list[bytes] = []
        self.closed = False

    def write(self, data):
        self.writes.append(bytes(data))

    def close(self):
        self.closed = True

    def is_closing(self):
        return self.closed

    def get_extra_info(self, name, default=None):
        return default

    def pause_reading(self):
        pass

    def resume_reading(self):
        pass


async def one_answer(app, protocol_class, request=b"GET / HTTP/1.1\r\nHost: example\r\n\r\n"):
    """The writes (and whether the connection was closed) for one request served by
    ``protocol_class`` over a RecordingTransport."""
    loop = asyncio.get_running_loop()
    config = Config(app=app, log_config=None, lifespan="off")
    protocol = protocol_class(config=config, server_state=ServerState(), app_state={}, _loop=loop)
    transport = RecordingTransport()
    protocol.connection_made(transport)
    protocol.data_received(request)
    for _ in range(50):
        await asyncio.sleep(0)
        if (
            protocol.cycle is not None
            and protocol.cycle.response_complete
            and not getattr(protocol.transport, "_pending", None)
        ):
            break
    await asyncio.sleep(0)
    return transport


def datasette_like(body=b'{"ok": false, "status": 400}', status=400):
    """An app that sends its start and its whole body in one turn, as Datasette's Response does."""

    async def app(scope, receive, send):
        headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
        await send({"type": "http.response.start", "status": status, "headers": headers})
        await send({"type": "http.response.body", "body": body})

    return app


def test_uvicorns_own_protocol_writes_the_head_alone_which_is_why_the_module_exists():
    transport = asyncio.run(one_answer(datasette_like(), H11Protocol))
    assert len(transport.writes) >= 2
    assert transport.writes[0].startswith(b"HTTP/1.1 400") and transport.writes[0].endswith(b"\r\n\r\n")


def test_a_response_sent_in_one_turn_leaves_in_one_write():
    module = load_module()
    body = b'{"ok": false, "status": 400, "error": "k: the table has no column \'k\'"}'
    transport = asyncio.run(one_answer(datasette_like(body), module.WholeResponseH11Protocol))
    assert len(transport.writes) == 1
    (written,) = transport.writes
    assert written.startswith(b"HTTP/1.1 400") and written.endswith(b"\r\n\r\n" + body)
    assert not transport.closed  # keep-alive: nginx reuses the connection


def test_a_streamed_response_leaves_chunk_by_chunk_in_order_and_whole():
    module = load_module()

    async def streamed(scope, receive, send):
        await send({"type": "http.response.start", "status": 200, "headers": [(b"content-type", b"text/csv")]})
        for n in range(3):
            await send({"type": "http.response.body", "body": f"row {n}\n".encode(), "more_body": True})
            await asyncio.sleep(0)  # the app yields between chunks, as a streamed export does
        await send({"type": "http.response.body", "body": b""})

    transport = asyncio.run(one_answer(streamed, module.WholeResponseH11Protocol))
    # Nothing waits for the whole response: the head leaves with the first chunk, then a write
    # per turn.
    assert len(transport.writes) >= 3
    assert b"row 0" in transport.writes[0] and b"row 2" not in transport.writes[0]
    joined = b"".join(transport.writes)
    assert joined.startswith(b"HTTP/1.1 200")
    assert joined.index(b"row 0") < joined.index(b"row 1") < joined.index(b"row 2")
    assert joined.endswith(b"0\r\n\r\n")  # the chunked encoding's last chunk


def test_a_close_in_the_same_turn_writes_what_is_pending_first():
    module = load_module()
    request = b"GET / HTTP/1.1\r\nHost: example\r\nConnection: close\r\n\r\n"
    transport = asyncio.run(one_answer(datasette_like(b"{}", 200), module.WholeResponseH11Protocol, request))
    assert transport.closed
    assert len(transport.writes) == 1 and transport.writes[0].endswith(b"\r\n\r\n{}")


def test_gunicorn_runs_the_workers_with_this_protocol():
    config = (paths.DEPLOY / "gunicorn.conf.py").read_text()
    assert 'worker_class = "whole_responses.WholeResponseWorker"' in config
    checked = subprocess.run(
        [
            str(SITE_VENV / "bin" / "python"),
            "-c",
            "import whole_responses as w; assert w.WholeResponseWorker.CONFIG_KWARGS['http'] is "
            "w.WholeResponseH11Protocol; import uvicorn_worker; "
            "assert issubclass(w.WholeResponseWorker, uvicorn_worker.UvicornWorker)",
        ],
        cwd=paths.DEPLOY,
        capture_output=True,
        text=True,
    )
    assert checked.returncode == 0, checked.stderr


@pytest.mark.parametrize("name", ["get_extra_info", "pause_reading", "abort", "is_closing"])
def test_the_buffered_transport_is_the_real_one_for_everything_but_writes(name):
    module = load_module()
    real = RecordingTransport()
    buffered = module.TurnBufferedTransport(real, asyncio.new_event_loop())
    assert getattr(buffered, name) == getattr(real, name)


@pytest.mark.parametrize(
    "request_bytes",
    [
        b"GET\x01 / HTTP/1.1\r\nHost: example\r\n\r\n",  # a malformed request line
        b"HELLO\r\n\r\n",
        b"GET / HTTP/1.1\r\nHost: example\r\nX-A\x01: b\r\n\r\n",  # a bad byte in a header's name
        b"GET / HTTP/1.1\r\nHost: example\r\nX-A: b\x00c\r\n\r\n",
        b"GET / HTTP/1.1\r\n\r\n",  # HTTP/1.1 without Host
    ],
)
def test_a_request_h11_cannot_parse_is_a_400_in_the_apis_error_shape(request_bytes):
    # uvicorn's answer was text/plain "Invalid HTTP request received.".
    module = load_module()
    transport = asyncio.run(one_answer(datasette_like(b"{}", 200), module.WholeResponseH11Protocol, request_bytes))
    assert transport.closed
    head, _, body = b"".join(transport.writes).partition(b"\r\n\r\n")
    lines = head.split(b"\r\n")
    assert lines[0] == b"HTTP/1.1 400 Bad Request"
    assert b"content-type: application/json; charset=utf-8" in lines
    # No error is kept (plugins/_responses.py): this one, written outside the site's ASGI app, said
    # nothing to caches.
    assert b"cache-control: no-store" in lines
    assert json.loads(body) == {
        "ok": False,
        "status": 400,
        "error": "Bad request: the request line or a header could not be read",
    }
