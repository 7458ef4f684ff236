"""Shared fixtures: the expensive builds happen once per session."""

import sqlite3

import pytest

from scripts import build
from tests.packages import make_package


@pytest.fixture(scope="session")
def real_db(tmp_path_factory):
    """The repository's own data, built into a temporary folder."""
    return build.build_database(build.PACKAGE, tmp_path_factory.mktemp("real") / "disclosures.db")


@pytest.fixture(scope="session")
def base_db(tmp_path_factory):
    """The tiny base fixture package, built."""
    folder = tmp_path_factory.mktemp("base")
    return build.build_database(make_package(folder), folder / "disclosures.db")


def rows(db_path, sql, *params):
    with sqlite3.connect(db_path) as conn:
        return conn.execute(sql, params).fetchall()


# The site ------------------------------------------------------------------------------------

import asyncio  # noqa: E402
import os  # noqa: E402
import socket  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
import urllib.request  # noqa: E402

from tests.packages import ROOT  # noqa: E402


class Site:
    """The site as served, driven through Datasette's own client on one event loop."""

    def __init__(self, datasette):
        self.datasette = datasette
        self.loop = asyncio.new_event_loop()

    def get(self, path, **kwargs):
        return self.loop.run_until_complete(self.datasette.client.get(path, **kwargs))


@pytest.fixture(scope="session")
def site(real_db):
    from scripts import serve

    return Site(serve.make_datasette(real_db))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="session")
def live_server(real_db):
    """scripts/serve.py in its own process, exactly as `make serve` runs it."""
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, str(ROOT / "scripts" / "serve.py"), "--db", str(real_db), "--port", str(port)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, env={**os.environ, "PYTHONUNBUFFERED": "1"})
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while True:
        try:
            urllib.request.urlopen(base + "/-/versions.json", timeout=1)
            break
        except OSError:
            if process.poll() is not None or time.monotonic() > deadline:
                process.kill()
                raise RuntimeError("the server did not start: " + process.stderr.read().decode())
            time.sleep(0.2)
    yield base
    process.terminate()
    process.wait(timeout=10)
