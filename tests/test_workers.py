"""The production workers as supervisord runs them (deploy/gunicorn.conf.py, deploy/asgi.py from
.venv-site), without nginx or supervisord: one gunicorn master on a unix socket in tmp_path.

The master preloads the app and forks its worker from it: a killed worker is replaced by a new
fork of the same master, a master killed with SIGKILL takes its worker with it, and a bad
database stops the master before it listens, with one line. How fast the replacement answers
is a figure of make proxy-test and make reliability, not of this file.
"""

from __future__ import annotations

import asyncio
import importlib.util
import os
import shutil
import signal
import subprocess
import time

import pytest

from disclosures import paths, prod
from disclosures.site import SITE_VENV
from disclosures.vocabulary import DATABASE_FILE

GUNICORN = SITE_VENV / "bin" / "gunicorn"


def command(socket):
    """The worker command of deploy/supervisord.conf.j2, on ``socket``."""
    return [
        str(GUNICORN),
        "--config",
        str(paths.DEPLOY / "gunicorn.conf.py"),
        "--pythonpath",
        str(paths.DEPLOY),
        "--bind",
        f"unix:{socket}",
        "--graceful-timeout",
        "5",
        "asgi:preloaded_app()",
    ]


def release_of(build, folder):
    """A release folder (what ``<run>/current`` points to) whose build/ is ``build``."""
    folder.mkdir(parents=True)
    (folder / "build").symlink_to(build)
    return folder


def wait_for(condition, seconds, what):
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, what
        time.sleep(0.05)


@pytest.fixture
def master(tmp_path, real_build):
    socket = tmp_path / "pages-0.sock"
    log = (tmp_path / "gunicorn.log").open("wb")
    environment = {**os.environ, "DISCLOSURES_RELEASE": str(release_of(real_build, tmp_path / "release"))}
    process = subprocess.Popen(command(socket), stdout=log, stderr=subprocess.STDOUT, env=environment, cwd=paths.ROOT)
    try:
        wait_for(lambda: process.poll() is None and prod.worker_answers(socket), 60, "the worker did not answer")
        yield process, socket, tmp_path / "gunicorn.log"
    finally:
        workers = prod.children(process.pid)
        if process.poll() is None:
            process.terminate()
            process.wait(timeout=30)
        log.close()
        wait_for(lambda: not any(prod.pid_alive(pid) for pid in workers), 10, "a worker outlived its master")


def test_a_killed_worker_is_replaced_by_a_fork_of_the_same_master(master):
    process, socket, log = master
    (worker,) = prod.children(process.pid)
    os.kill(worker, signal.SIGKILL)
    # The master keeps the socket listening: this request waits for the new worker.
    wait_for(lambda: prod.worker_answers(socket), 30, "no worker answered after the kill")
    (successor,) = prod.children(process.pid)
    assert successor != worker and process.poll() is None
    assert f"Worker (pid:{worker}) was sent SIGKILL" in log.read_text()


def test_a_worker_ends_with_its_master(master):
    process, _socket, _log = master
    (worker,) = prod.children(process.pid)
    process.kill()
    process.wait(timeout=10)
    wait_for(lambda: not prod.pid_alive(worker), 10, "the worker outlived its killed master")


def test_a_master_refuses_an_empty_database_in_one_line_before_it_listens(tmp_path, real_build):
    build = tmp_path / "build"
    shutil.copytree(real_build, build, ignore=shutil.ignore_patterns(DATABASE_FILE, ".*"))
    (build / DATABASE_FILE).write_bytes(b"")
    socket = tmp_path / "pages-0.sock"
    release = release_of(build, tmp_path / "release")
    environment = {**os.environ, "DISCLOSURES_RELEASE": str(release)}
    result = subprocess.run(command(socket), capture_output=True, text=True, env=environment, timeout=120)
    assert result.returncode == 1
    errors = [line for line in (result.stdout + result.stderr).splitlines() if "Error" in line or "Traceback" in line]
    served = release.resolve() / "build" / DATABASE_FILE
    assert errors == [f"Error: refusing to serve: {served} is empty (0 bytes); rebuild it with: make build"]
    assert not socket.exists()


def load_factory(monkeypatch, release_folder):
    monkeypatch.setenv("DISCLOSURES_RELEASE", str(release_folder))
    spec = importlib.util.spec_from_file_location("deploy_asgi_preload", paths.DEPLOY / "asgi.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_preloaded_app_refuses_a_startup_that_leaves_threads_to_fork(monkeypatch, tmp_path, real_build):
    factory = load_factory(monkeypatch, release_of(real_build, tmp_path / "release"))

    async def startup_running_sql(datasette):
        # What a plugin's startup hook would do if it queried the database: Datasette runs the
        # query on its executor's threads, which a fork does not copy.
        await datasette.execute("disclosures", "select 1")

    monkeypatch.setattr(factory.Datasette, "invoke_startup", startup_running_sql)
    with pytest.raises(RuntimeError, match="startup left threads running .*ThreadPoolExecutor"):
        factory.preloaded_app()


def test_the_preloaded_app_is_started_and_serves(monkeypatch, tmp_path, real_build):
    import httpx

    factory = load_factory(monkeypatch, release_of(real_build, tmp_path / "release"))
    started = []
    startup = factory.Datasette.invoke_startup

    async def recorded(datasette):
        started.append(datasette)
        await startup(datasette)

    monkeypatch.setattr(factory.Datasette, "invoke_startup", recorded)
    app = factory.preloaded_app()
    # Started in the factory (gunicorn's master), before any request reached it.
    assert len(started) == 1 and started[0]._startup_invoked

    async def health():
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://localhost") as client:
            return await client.get("/-/health.json")

    response = asyncio.run(health())
    assert response.status_code == 200 and response.json()["ok"] is True


def test_make_prod_checks_a_release_before_a_worker_serves_it(tmp_path, real_build):
    good = prod.Topology(run=tmp_path / "run")
    prod.check_release(good, prod.stage_release(good, real_build, tmp_path / "no-dist"))
    build = tmp_path / "build"
    shutil.copytree(real_build, build, ignore=shutil.ignore_patterns(".*"))
    # The same inspect data, so the same release id: a run directory of its own. Staging checks
    # the database against its inspect data; the staged file is emptied afterwards (a new file,
    # not the hard-linked one, so the copy it came from stays whole), as a disk could.
    bad = prod.Topology(run=tmp_path / "bad-run")
    rid = prod.stage_release(bad, build, tmp_path / "no-dist")
    served = (bad.releases / rid / "build" / DATABASE_FILE).resolve()
    served.unlink()
    served.write_bytes(b"")
    with pytest.raises(prod.ProdError) as refused:
        prod.check_release(bad, rid)
    assert str(refused.value) == (
        f"release {rid} cannot be served: refusing to serve: {served} is empty (0 bytes); rebuild it with: make build"
    )
