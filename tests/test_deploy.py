"""The production topology's parts that need no running server: the app factory, release ids,
staging and the rendered configuration. The running topology is tests/test_proxy.py."""

from __future__ import annotations

import asyncio
import errno
import hashlib
import importlib.util
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx
import pytest
from click.testing import CliRunner

from disclosures import paths, prod
from disclosures import site as site_module
from disclosures.prod import ProdError, Topology
from disclosures.vocabulary import DATABASE_FILE
from tests.conftest import Site, cli_module


def load_factory(monkeypatch, release_folder):
    monkeypatch.setenv("DISCLOSURES_RELEASE", str(release_folder))
    spec = importlib.util.spec_from_file_location("deploy_asgi", paths.ROOT / "deploy" / "asgi.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_factory_serves_the_same_site_as_the_stock_command(monkeypatch, tmp_path, real_build):
    # A site of its own: Datasette 0.65 writes into its metadata as it serves (query names,
    # inherited licence and source), so a shared site's /-/metadata.json depends on its history.
    site = Site(site_module.in_process(real_build))
    release = tmp_path / "releases" / "r1"
    release.mkdir(parents=True)
    (release / "build").symlink_to(real_build)
    (tmp_path / "current").symlink_to(release)
    factory = load_factory(monkeypatch, tmp_path / "current")
    # The symlink is resolved once, at start: a later switch does not move a running worker.
    assert factory.release_folder() == release.resolve()

    app = factory.preloaded_app()  # what gunicorn's master serves (deploy/gunicorn.conf.py)

    async def fetch(paths_to_get):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://localhost") as client:
            return [await client.get(path) for path in paths_to_get]

    compared = [
        "/-/plugins.json",
        "/-/settings.json",
        "/-/metadata.json",
        "/disclosures/figures.json?_size=3&_sort=figure_id",
        "/figure/telegram-usa-2024-ip_or_phone-requests_fulfilled",
        "/static/site.css",
    ]
    served = asyncio.run(fetch(compared))
    for path, response in zip(compared, served, strict=True):
        stock = site.get(path)
        assert response.status_code == stock.status_code == 200, path
        if ".json" in path:
            ours, theirs = response.json(), stock.json()
            if isinstance(ours, dict):  # the time a query took is the one thing that may differ
                ours.pop("query_ms", None), theirs.pop("query_ms", None)
            assert ours == theirs, path
        else:
            assert response.text == stock.text, path
    assert {p["name"] for p in served[0].json()} >= {"guards.py", "cells.py", "pages.py"}
    database = factory.create_datasette().databases["disclosures"]
    assert database.is_mutable is False and database.path == str(release.resolve() / "build" / DATABASE_FILE)


def test_the_factory_refuses_a_missing_release(monkeypatch, tmp_path):
    factory = load_factory(monkeypatch, tmp_path / "nothing-here")
    with pytest.raises(FileNotFoundError):
        factory.create_app()


def fake_build(folder, version="1.2.3", digest="ab" * 32):
    """A build folder whose database (its bytes set by ``digest``) is the one its inspect data names."""
    folder.mkdir(parents=True)
    database = b"SQLite format 3\x00" + digest.encode()
    (folder / "datapackage.json").write_text(json.dumps({"version": version}))
    inspected = {"disclosures": {"hash": hashlib.sha256(database).hexdigest()}}
    (folder / "inspect-data.json").write_text(json.dumps(inspected))
    (folder / "metadata.json").write_text(
        json.dumps({"databases": {"disclosures": {"queries": {"q_b": {}, "q_a": {}}}}})
    )
    (folder / DATABASE_FILE).write_bytes(database)
    return folder


def test_a_release_id_names_the_database_and_the_release_files(tmp_path):
    build = fake_build(tmp_path / "build")
    dist = tmp_path / "dist"
    plain = prod.release_id(build, dist)
    assert plain.startswith("1.2.3-") and len(plain) == len("1.2.3-") + 12
    assert prod.release_id(build, dist) == plain
    (dist / "1.2.3").mkdir(parents=True)
    (dist / "1.2.3" / "SHA256SUMS").write_text("00  disclosures.db\n")
    released = prod.release_id(build, dist)
    assert released != plain
    other = fake_build(tmp_path / "other", digest="cd" * 32)
    assert prod.release_id(other, dist) != released


def test_a_build_whose_database_is_not_the_one_its_inspect_data_names_is_refused(tmp_path):
    # The id came from inspect-data.json alone: an emptied (or replaced) database got the id of
    # the release it was built as, and a switch to it said "(unchanged)" and did nothing.
    build = fake_build(tmp_path / "build")
    (build / DATABASE_FILE).write_bytes(b"")
    with pytest.raises(ProdError, match=r"disclosures.db is not the database .*inspect-data.json describes"):
        prod.release_id(build, tmp_path / "dist")
    (build / DATABASE_FILE).unlink()
    with pytest.raises(ProdError, match="is not a complete build .* run make build"):
        prod.release_id(build, tmp_path / "dist")


def test_a_build_without_inspect_data_is_refused(tmp_path):
    build = fake_build(tmp_path / "build")
    (build / "inspect-data.json").unlink()
    with pytest.raises(ProdError, match="is not a complete build .* run make build"):
        prod.release_id(build, tmp_path / "dist")


def test_staging_links_the_files_and_is_a_no_op_the_second_time(tmp_path):
    build = fake_build(tmp_path / "build")
    dist = tmp_path / "dist" / "1.2.3"
    dist.mkdir(parents=True)
    (dist / "SHA256SUMS").write_text("00  disclosures.db\n")
    topology = Topology(run=tmp_path / "run")
    rid = prod.stage_release(topology, build, tmp_path / "dist")
    staged = topology.releases / rid
    assert (staged / "build" / DATABASE_FILE).stat().st_ino == (build / DATABASE_FILE).stat().st_ino
    assert (staged / "dist" / "1.2.3" / "SHA256SUMS").read_text() == "00  disclosures.db\n"
    # A later build replaces build/ by renaming: the staged bytes stay.
    (build / DATABASE_FILE).unlink()
    assert (staged / "build" / DATABASE_FILE).read_bytes() == b"SQLite format 3\x00" + b"ab" * 32
    shutil.copy(staged / "build" / DATABASE_FILE, build / DATABASE_FILE)
    assert prod.stage_release(topology, build, tmp_path / "dist") == rid
    assert sorted(p.name for p in topology.releases.iterdir()) == [rid]
    # Nothing released yet: an empty dist/.
    bare = prod.stage_release(topology, fake_build(tmp_path / "bare", digest="ef" * 32), tmp_path / "missing")
    assert list((topology.releases / bare / "dist").iterdir()) == []


def test_a_file_that_cannot_be_staged_is_one_line_and_leaves_nothing_half_staged(tmp_path, monkeypatch):
    # copytree's shutil.Error (a Python list of every file it failed) came out as a traceback.
    build = fake_build(tmp_path / "build")
    (build / "more.csv").write_text("a\n")
    topology = Topology(run=tmp_path / "run")

    def disk_full(source, target):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), target)

    monkeypatch.setattr(prod, "_link_or_copy", disk_full)
    with pytest.raises(ProdError) as refused:
        prod.stage_release(topology, build, tmp_path / "dist")
    rid = prod.release_id(build, tmp_path / "dist")
    message = str(refused.value)
    assert "\n" not in message
    assert message.startswith(f"release {rid} cannot be staged under {topology.releases}: {build}/")
    assert message.endswith("No space left on device (and 4 more)"), message
    assert list(topology.releases.iterdir()) == []
    # Where the run directory cannot even be made.
    (tmp_path / "file").write_text("")
    with pytest.raises(ProdError, match=r"cannot be staged under .*/file/run/releases: .*: Not a directory$"):
        prod.stage_release(Topology(run=tmp_path / "file" / "run"), build, tmp_path / "dist")


def test_a_symlink_in_dist_is_not_staged(tmp_path):
    # nginx serves /downloads/ from the staged folder, so a staged symlink would serve bytes no
    # release wrote under its name: a secret outside dist/, or another release's file.
    dist = tmp_path / "dist" / "1.2.3"
    dist.mkdir(parents=True)
    (dist / "SHA256SUMS").write_text("00  disclosures.db\n")
    (tmp_path / "secret.txt").write_text("not a release file")
    (dist / "outside.txt").symlink_to(tmp_path / "secret.txt")
    (dist / "inside.txt").symlink_to(dist / "SHA256SUMS")
    (tmp_path / "dist" / "latest").symlink_to(dist)
    topology = Topology(run=tmp_path / "run")
    staged = topology.releases / prod.stage_release(topology, fake_build(tmp_path / "build"), tmp_path / "dist")
    assert sorted(p.relative_to(staged / "dist").as_posix() for p in (staged / "dist").rglob("*")) == [
        "1.2.3",
        "1.2.3/SHA256SUMS",
    ]


def test_current_moves_by_one_rename(tmp_path):
    topology = Topology(run=tmp_path / "run")
    (topology.releases / "a").mkdir(parents=True)
    (topology.releases / "b").mkdir()
    assert prod.current_release(topology) is None
    prod._point_current(topology, "a")
    prod._point_current(topology, "b")
    assert prod.current_release(topology) == "b"
    assert topology.current.resolve() == (topology.releases / "b").resolve()
    assert sorted(os.listdir(topology.run)) == ["current", "releases"]


def test_the_nginx_configuration_routes_canned_queries_and_names_every_worker(tmp_path):
    topology = Topology(run=tmp_path / "run", port=9999, pages_workers=3, sql_workers=1)
    canned = prod.canned_queries(fake_build(tmp_path / "build"))
    assert canned == ["q_a", "q_b"]
    text = prod.render_nginx(topology, canned)
    assert '"~^/disclosures/(q_a|q_b)(\\.json|\\.csv)?$" 1;' in text
    assert "listen 127.0.0.1:9999;" in text
    for path in topology.sockets("pages") + topology.sockets("sql"):
        assert f"server unix:{path} " in text
    assert text.count("server unix:") == 4
    assert "{{" not in text and "{%" not in text


def test_nginx_never_stores_an_answer_its_worker_marked_no_store_or_private(tmp_path):
    # proxy_ignore_headers Cache-Control (so that pages without one are cached) made nginx store
    # no-store answers too, the health check's among them (tests/test_proxy.py checks that one).
    text = prod.render_nginx(Topology(run=tmp_path / "run"), [])
    assert "map $upstream_http_cache_control $upstream_no_store {" in text
    rule = text.split("$upstream_no_store {")[1].split("}")[0]
    assert '"~*(no-store|private)" 1;' in rule and "default 0;" in rule
    assert "proxy_no_cache $upstream_no_store $never_cached;" in text
    assert "proxy_cache_bypass $cache_bypass $never_cached;" in text
    assert '"/-/health.json" 1;' in text.split("$never_cached {")[1].split("}")[0]


def test_a_run_directory_too_long_for_unix_sockets_is_refused(tmp_path):
    topology = Topology(run=tmp_path / ("x" * 120))
    with pytest.raises(ProdError, match="longer than a unix socket path may be"):
        prod.render_nginx(topology, [])


def test_the_supervisor_runs_every_worker_from_the_site_environment(tmp_path):
    topology = Topology(run=tmp_path / "run", pages_workers=2, sql_workers=2)
    text = prod.render_supervisord(topology)
    assert "[program:pages]" in text and "[program:sql]" in text and "[program:nginx]" in text
    worker = (
        f"{prod.SITE_VENV}/bin/gunicorn --config {paths.DEPLOY}/gunicorn.conf.py --pythonpath {paths.DEPLOY} "
        f"--bind unix:{topology.run}/sockets/%(program_name)s-%(process_num)d.sock"
    )
    assert text.count(worker) == 2 and text.count('"asgi:preloaded_app()"') == 2
    # Each master's pid file, by which prod stop finds one a killed supervisord left running.
    assert text.count(f"--pid {topology.run}/pids/%(program_name)s-%(process_num)d.pid ") == 2
    assert text.count("killasgroup=true") == 2  # a master killed after stopwaitsecs takes its worker
    assert "nice -n 10 " in text.split("[program:sql]")[1].split("[program:nginx]")[0]
    assert "autorestart=true" in text


def test_a_switch_keeps_the_port_workers_and_limits_prod_was_started_with(tmp_path, monkeypatch):
    # The switch rewrote nginx's configuration from its own defaults: nginx was reloaded onto
    # port 8080, and the worker counts and limits of `prod start --set` were dropped.
    started = Topology(run=tmp_path / "run", port=9999, pages_workers=3, sql_workers=1, page_rate=7)
    prod.record_topology(started)
    assert prod.recorded_topology(started.run) == started
    switched = []
    monkeypatch.setattr(prod, "supervisord_pid", lambda topology: 4321)
    monkeypatch.setattr(prod, "switch_release", lambda topology, *args: switched.append(topology) or "r2")
    result = CliRunner().invoke(cli_module().cli, ["prod", "switch", "--run", str(started.run)])
    assert result.exit_code == 0, result.output
    assert switched == [started]


def test_a_switch_of_a_topology_started_without_a_record_is_refused(tmp_path, monkeypatch):
    monkeypatch.setattr(prod, "supervisord_pid", lambda topology: 4321)
    monkeypatch.setattr(prod, "switch_release", lambda *args: pytest.fail("switched with the defaults"))
    result = CliRunner().invoke(cli_module().cli, ["prod", "switch", "--run", str(tmp_path / "run")])
    assert result.exit_code == 1
    assert "topology.json is missing" in result.output and "make prod-stop prod" in result.output


def test_an_unreadable_topology_record_is_one_line(tmp_path):
    (tmp_path / "topology.json").write_text('{"port": 1, "workers_of_another_version": 2}')
    with pytest.raises(ProdError, match="not a topology this version knows: make prod-stop, then make prod"):
        prod.recorded_topology(tmp_path)
    (tmp_path / "topology.json").write_text("{")
    with pytest.raises(ProdError, match="cannot be read"):
        prod.recorded_topology(tmp_path)
    assert prod.recorded_topology(tmp_path / "nothing") is None


def sleeper(*arguments):
    """A process of ours that is no part of any topology (``arguments`` end up in its command line)."""
    return subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)", *arguments])


def test_a_stale_pid_file_naming_another_process_is_neither_reported_nor_signalled(tmp_path):
    # A killed supervisord leaves its pid file; once the pid is reused, stop sent SIGTERM to
    # whatever process had it, and status reported that process as the supervisor.
    topology = Topology(run=tmp_path / "run")
    other = sleeper()
    try:
        topology.nginx_pid_file.parent.mkdir(parents=True)
        topology.supervisord_pid_file.write_text(f"{other.pid}\n")
        topology.nginx_pid_file.write_text(f"{other.pid}\n")
        assert prod.supervisord_pid(topology) is None
        assert prod.nginx_pid(topology) is None
        assert prod.orphans(topology) == []
        assert prod.stop(topology, timeout=1) is False
        assert other.poll() is None, "stop signalled a process that is not ours"
    finally:
        other.kill()
        other.wait()


def test_a_pid_file_is_ours_when_its_process_was_started_with_this_runs_configuration(tmp_path):
    topology = Topology(run=tmp_path / "run")
    supervisor = sleeper("-c", str(topology.supervisord_conf))
    elsewhere = sleeper("-c", str(topology.supervisord_conf) + ".old")
    try:
        topology.run.mkdir(parents=True)
        topology.supervisord_pid_file.write_text(f"{supervisor.pid}\n")
        deadline = time.monotonic() + 10
        while prod.supervisord_pid(topology) is None and time.monotonic() < deadline:
            time.sleep(0.05)  # the interpreter's exec is all that may still be pending
        assert prod.supervisord_pid(topology) == supervisor.pid
        topology.supervisord_pid_file.write_text(f"{elsewhere.pid}\n")
        assert prod.supervisord_pid(topology) is None
    finally:
        for process in (supervisor, elsewhere):
            process.kill()
            process.wait()


def test_status_when_supervisord_does_not_answer_is_a_clear_line(tmp_path):
    # A supervisord that had crashed (or no longer answered on its socket) was a traceback.
    topology = Topology(run=tmp_path / "run")
    prod.record_topology(topology)
    supervisor = sleeper("-c", str(topology.supervisord_conf))
    try:
        topology.supervisord_pid_file.write_text(f"{supervisor.pid}\n")
        deadline = time.monotonic() + 10
        while prod.supervisord_pid(topology) is None and time.monotonic() < deadline:
            time.sleep(0.05)
        result = CliRunner().invoke(cli_module().cli, ["prod", "status", "--run", str(topology.run)])
    finally:
        supervisor.kill()
        supervisor.wait()
    assert result.exit_code == 1 and isinstance(result.exception, SystemExit), result.output
    first = result.output.splitlines()[0]
    assert first.startswith(f"prod: supervisord (pid {supervisor.pid}) does not answer: supervisorctl status failed")
    assert "Logs: " in result.output
    # Gone, with nothing left behind: not running.
    result = CliRunner().invoke(cli_module().cli, ["prod", "status", "--run", str(topology.run)])
    assert result.exit_code == 1 and result.output.splitlines()[0] == f"prod: not running under {topology.run}"


HOLD_THE_LOCK = """
import fcntl, os, sys, time
descriptor = os.open(sys.argv[1], os.O_RDWR | os.O_CREAT, 0o644)
fcntl.flock(descriptor, fcntl.LOCK_EX)
os.pwrite(descriptor, f"{os.getpid()}\\n".encode(), 0)
print("locked", flush=True)
time.sleep(60)
"""


def test_a_second_switch_while_one_runs_is_refused_and_changes_nothing(tmp_path, monkeypatch):
    topology = Topology(run=tmp_path / "run")
    topology.run.mkdir()
    monkeypatch.setattr(prod, "supervisord_pid", lambda topo: 4321)
    staged = []
    monkeypatch.setattr(prod, "stage_release", lambda *args: staged.append(args) or pytest.fail("staged"))
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLD_THE_LOCK, str(topology.run / "switch.lock")], stdout=subprocess.PIPE, text=True
    )
    try:
        assert holder.stdout.readline() == "locked\n"
        with pytest.raises(ProdError) as refused:
            prod.switch_release(topology, tmp_path / "build", tmp_path / "dist")
        assert str(refused.value) == (
            f"another switch is running (pid {holder.pid}, holding {topology.run / 'switch.lock'}): "
            f"wait until it ends, then check with make prod-status PROD_RUN={topology.run}"
        )
        assert staged == []
    finally:
        holder.kill()
        holder.wait()

    # The holder has gone (killed, even): its lock went with it.
    def staging(*args):
        raise ProdError("staging")

    monkeypatch.setattr(prod, "stage_release", staging)
    with pytest.raises(ProdError, match="^staging$"):
        prod.switch_release(topology, tmp_path / "build", tmp_path / "dist")


HOLD_THE_LOCK_AS_A_SWITCH = HOLD_THE_LOCK.replace('f"{os.getpid()}\\n"', 'f"{os.getpid()} switch\\n"')


def hold_the_lock(topology):
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLD_THE_LOCK_AS_A_SWITCH, str(topology.run / "switch.lock")],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert holder.stdout.readline() == "locked\n"
    return holder


@pytest.mark.parametrize("action", ["stop", "start"])
def test_a_stop_or_start_during_a_switch_waits_for_it_to_end(tmp_path, monkeypatch, action):
    # Neither took switch.lock: a stop during a switch ended the workers the switch was
    # restarting, and the switch went on restarting them under a supervisord going away.
    topology = Topology(run=tmp_path / "run")
    topology.run.mkdir()
    holder = hold_the_lock(topology)
    seen = []

    def act(*args):
        seen.append(holder.poll())  # None: the switch still ran when this one acted
        return ("r1", ["supervisord"]) if action == "start" else True

    monkeypatch.setattr(prod, "_stop", act)
    monkeypatch.setattr(prod, "_prepare", act)
    monkeypatch.setattr(prod.subprocess, "run", lambda *a, **k: pytest.fail("supervisord started"))
    try:
        run = prod.stop if action == "stop" else prod.prepare
        with pytest.raises(ProdError) as refused:
            run(topology, lock_wait=0.3)
        assert str(refused.value).startswith(
            f"another switch is running (pid {holder.pid}, holding {topology.run / 'switch.lock'} for 0.3 s)"
        )
        assert seen == []
        assert prod.lock_holder(topology) == (holder.pid, "switch")
        threading.Timer(0.5, holder.kill).start()
        run(topology, lock_wait=10)
    finally:
        holder.kill()
        holder.wait()
    assert seen == [-signal.SIGKILL]
    assert prod.lock_holder(topology) is None


def test_a_switch_during_a_stop_is_refused_and_says_what_runs(tmp_path, monkeypatch):
    topology = Topology(run=tmp_path / "run")
    topology.run.mkdir()
    monkeypatch.setattr(prod, "supervisord_pid", lambda topo: 4321)
    monkeypatch.setattr(prod, "stage_release", lambda *args: pytest.fail("staged"))
    switched = []

    def stopping(topo, timeout=30):
        with pytest.raises(ProdError, match=rf"^another stop is running \(pid {os.getpid()}, "):
            prod.switch_release(topology, tmp_path / "build", tmp_path / "dist")
        switched.append("refused")
        return True

    monkeypatch.setattr(prod, "_stop", stopping)
    assert prod.stop(topology) is True
    assert switched == ["refused"]


def test_status_names_the_release_nginx_serves_and_a_switch_under_way_or_stopped_part_way(tmp_path, monkeypatch):
    # Status printed where `current` points: the new release from the moment a switch moved it,
    # while nginx (and every worker not yet restarted) still served the old one.
    topology = Topology(run=tmp_path / "run")
    topology.run.mkdir()
    monkeypatch.setattr(prod, "current_release", lambda topo: "r2")
    monkeypatch.setattr(prod, "served_release", lambda topo: "r1")
    assert prod.switch_holder(topology) is None
    assert prod.release_report(topology) == (
        "release r1 (nginx), but current -> r2: a switch stopped part way (workers restarted since serve the "
        f"new release); run make prod-switch PROD_RUN={topology.run} again to finish it"
    )
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLD_THE_LOCK, str(topology.run / "switch.lock")], stdout=subprocess.PIPE, text=True
    )
    try:
        assert holder.stdout.readline() == "locked\n"
        assert prod.switch_holder(topology) == holder.pid
        assert prod.release_report(topology).startswith(
            f"release r1 (nginx), switching to r2 (switch pid {holder.pid})"
        )
    finally:
        holder.kill()
        holder.wait()
    assert prod.switch_holder(topology) is None
    monkeypatch.setattr(prod, "served_release", lambda topo: "r2")
    assert prod.release_report(topology) == "release r2"
    monkeypatch.setattr(prod, "served_release", lambda topo: None)
    assert prod.release_report(topology) == "release r2 (current; nginx announces none: it does not answer)"


def test_a_hint_names_the_run_directory_and_port_it_is_about(tmp_path):
    # "make prod-stop" alone, printed for a topology under --run /tmp/x, stopped run/prod instead.
    assert Topology().make("prod-stop") == "make prod-stop"
    assert Topology(port=9080).make("prod") == "make prod PROD_PORT=9080"
    assert Topology(port=9080).make("prod-status") == "make prod-status"
    elsewhere = Topology(run=tmp_path / "run", port=9080)
    assert elsewhere.make("prod-stop prod") == f"make prod-stop prod PROD_PORT=9080 PROD_RUN={tmp_path / 'run'}"
    result = CliRunner().invoke(cli_module().cli, ["prod", "status", "--run", str(tmp_path / "run")])
    assert result.exit_code == 1
    assert result.output.splitlines()[1] == f"Start it: make prod PROD_RUN={tmp_path / 'run'}"


def taken_with_a_free_neighbour(taken: socket.socket) -> int:
    """Binds ``taken`` to a kernel-given port whose next port is free at the moment of asking
    (CI's machine runs other servers: a fixed neighbour was once in use). Returns that port."""
    for _attempt in range(50):
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            port = probe.getsockname()[1]
            try:
                with socket.socket() as neighbour:
                    neighbour.bind(("127.0.0.1", port + 1))
            except OSError:
                continue
        try:
            taken.bind(("127.0.0.1", port))
        except OSError:
            continue
        taken.listen()
        return port
    pytest.fail("no port with a free neighbour in 50 tries")


def test_free_port_keeps_to_the_ports_one_was_given(monkeypatch):
    # On a shared machine the topology under test took any port the kernel gave.
    from tests.conftest import free_port

    with socket.socket() as taken:
        port = taken_with_a_free_neighbour(taken)
        monkeypatch.setenv("DISCLOSURES_TEST_PORTS", f"{port}-{port + 1}")
        assert free_port() == port + 1
        monkeypatch.setenv("DISCLOSURES_TEST_PORTS", str(port))
        with pytest.raises(pytest.fail.Exception, match=f"no free port in DISCLOSURES_TEST_PORTS={port}"):
            free_port()


def test_a_switch_back_survives_a_restart_and_status_says_what_a_start_serves(tmp_path, monkeypatch):
    # prod start staged build/ whatever it was last told: after a switch back to an older
    # release, make prod-stop prod (or a reboot) served the newer build again.
    for skipped in ("check_release", "check_nginx", "_check_port_free"):
        monkeypatch.setattr(prod, skipped, lambda *args: None)
    older, newer = fake_build(tmp_path / "older"), fake_build(tmp_path / "newer", digest="cd" * 32)
    monkeypatch.setattr(prod, "BUILD", newer)
    monkeypatch.setattr(prod, "DIST", tmp_path / "dist")
    topology = Topology(run=tmp_path / "run")
    result = CliRunner().invoke(cli_module().cli, ["prod", "status", "--run", str(topology.run)])
    assert result.output.splitlines()[1] == f"Start it: make prod PROD_RUN={topology.run}"

    first, _command = prod.prepare(topology)  # nothing served before: build/
    assert first == prod.release_id(newer, tmp_path / "dist") == prod.current_release(topology)
    back = prod.stage_release(topology, older, tmp_path / "dist")
    prod._point_current(topology, back)  # what a switch back to the older release does

    assert prod.resumable_release(topology) == back
    result = CliRunner().invoke(cli_module().cli, ["prod", "status", "--run", str(topology.run)])
    assert result.exit_code == 1
    assert result.output.splitlines()[1] == (
        f"Start it: make prod PROD_RUN={topology.run} (it serves {back} again, the release last started or switched to)"
    )
    assert prod.prepare(topology)[0] == back != first
    assert f'default "{back}";' in topology.release_conf.read_text()
    assert prod.prepare(topology, newer, tmp_path / "dist")[0] == first  # --from-build
    assert prod.prepare(topology)[0] == first

    # The staged release no longer whole: refused, never replaced by build/ without a word.
    (topology.releases / first / "build" / DATABASE_FILE).write_bytes(b"")
    with pytest.raises(ProdError) as refused:
        prod.prepare(topology)
    assert str(refused.value).startswith(
        f"{topology.current} names release {first}, the last one started or switched to, but "
    )
    assert str(refused.value).endswith(f"make prod PROD_RUN={topology.run} PROD_FROM_BUILD=1")


# Tracked at the top of the repository, and not needed to build or serve the site in the image.
NOT_IN_THE_IMAGE = {".ci", "tests", "README.md", "CITATION.cff", "pyproject.toml", "Containerfile", ".gitignore"}
NOT_IN_THE_IMAGE.add(".dockerignore")


def test_the_image_copies_only_what_building_and_serving_read(tmp_path):
    # .dockerignore left .git (the whole history), tests/ and any local file in the image.
    rules = [
        line.strip()
        for line in (paths.ROOT / ".dockerignore").read_text(encoding="utf-8").splitlines()
        if line.strip() and not line.startswith("#")
    ]
    assert rules[0] == "*", "an allow-list: everything is left out first"
    allowed = {rule[1:] for rule in rules if rule.startswith("!")}
    caches = [rule.removeprefix("**/") for rule in rules[1:] if not rule.startswith("!")]
    # Top-level names only (no pattern to interpret), and then only caches left out again.
    assert all("/" not in name and "*" not in name for name in allowed), allowed
    assert all(f"**/{name}" in rules[1:] and "/" not in name for name in caches), rules
    assert "__pycache__" in caches
    assert not allowed & {".git", "tests", ".ci", ".venv", ".venv-site", "build", "run"}
    tracked = subprocess.run(["git", "ls-files"], cwd=paths.ROOT, capture_output=True, text=True, check=True).stdout
    top = {path.split("/")[0] for path in tracked.splitlines()}
    # Every tracked entry is either copied or named here as not needed, so a new one is decided on.
    assert top - NOT_IN_THE_IMAGE == allowed - {"dist"}, "decide whether the image needs it"
    assert "COPY . ." in (paths.ROOT / "Containerfile").read_text(encoding="utf-8")

    # The build steps' sanity, in a copy of what the image build copies (not dist/, which only
    # `make release` makes): Make finds every file its targets need, and validation passes.
    context = tmp_path / "context"
    for name in sorted(allowed - {"dist"}):
        source = paths.ROOT / name
        if source.is_dir():
            shutil.copytree(source, context / name, ignore=shutil.ignore_patterns(*caches))
        else:
            context.mkdir(exist_ok=True)
            shutil.copy2(source, context / name)
    steps = (paths.ROOT / "Containerfile").read_text(encoding="utf-8")
    targets = next(line for line in steps.splitlines() if line.startswith("RUN make ")).split()[2:]
    # Debian's packages the topology runs: nginx, and logrotate for its logs (make prod-logrotate).
    installed = steps.split("apt-get install", 1)[1].split("&&", 1)[0].split()
    assert {"nginx", "logrotate", "make", "python3-venv"} <= set(installed), installed
    dry = subprocess.run(["make", "-n", *targets], cwd=context, capture_output=True, text=True)
    assert dry.returncode == 0, dry.stderr
    validated = subprocess.run(
        [sys.executable, str(context / "scripts" / "cli.py"), "validate"], cwd=context, capture_output=True, text=True
    )
    assert validated.returncode == 0 and "OK: datapackage.json is valid" in validated.stdout, validated.stderr


def test_the_boot_unit_runs_make_prod_and_follows_its_supervisord(tmp_path):
    # There was no way to start the topology at boot but by hand.
    import configparser

    text = (paths.ROOT / "deploy" / "platform-disclosures.service").read_text(encoding="utf-8")
    unit = configparser.ConfigParser(interpolation=None, strict=True)
    unit.optionxform = str  # systemd's keys are case-sensitive
    unit.read_string(text)
    service = unit["Service"]
    home = Path(service["WorkingDirectory"])
    assert service["Type"] == "forking"
    assert service["ExecStart"].split()[:2] == ["/usr/bin/make", "prod"]
    assert service["ExecStop"] == "/usr/bin/make prod-stop"
    # systemd follows the supervisord make prod leaves running, by the pid file prod.py writes.
    assert Path(service["PIDFile"]) == home / Topology().supervisord_pid_file.relative_to(paths.ROOT)
    # A stop may wait for a switch (prod.LOCK_WAIT), then for the workers (prod.stop's 30 s).
    assert int(service["TimeoutStopSec"]) >= prod.LOCK_WAIT + 30
    assert unit["Install"]["WantedBy"] == "multi-user.target"
    # The hourly log rotation: make prod-logrotate, as the same user in the same folder.
    rotation = configparser.ConfigParser(interpolation=None, strict=True)
    rotation.optionxform = str
    rotation.read(paths.DEPLOY / "platform-disclosures-logrotate.service", encoding="utf-8")
    assert rotation["Service"]["ExecStart"] == "/usr/bin/make prod-logrotate"
    assert {key: rotation["Service"][key] for key in ("WorkingDirectory", "User")} == {
        key: service[key] for key in ("WorkingDirectory", "User")
    }
    if shutil.which("systemd-analyze"):  # Debian's systemd: unknown keys and missing commands
        units = []
        for name in ("platform-disclosures.service", "platform-disclosures-logrotate.service"):
            here = tmp_path / name
            original = (paths.DEPLOY / name).read_text(encoding="utf-8")
            here.write_text(original.replace(str(home), str(paths.ROOT)).replace("=disclosures\n", "=root\n"))
            units.append(str(here))
        shutil.copy(paths.DEPLOY / "platform-disclosures-logrotate.timer", tmp_path)
        units.append(str(tmp_path / "platform-disclosures-logrotate.timer"))
        verified = subprocess.run(["systemd-analyze", "verify", *units], capture_output=True, text=True)
        assert verified.returncode == 0 and not verified.stderr.strip(), verified.stderr


def test_every_log_under_the_run_directory_is_rotated(tmp_path):
    # nginx's access and error logs grew for ever: nothing rotated them.
    import configparser
    import re

    topology = Topology(run=tmp_path / "run", log_max_mb=7, log_backups=3)
    (topology.run / "logs").mkdir(parents=True)
    rotated = prod.render_logrotate(topology)
    # The files nginx writes itself, from its rendered configuration: logrotate's, every one.
    written = re.findall(r"^\s*(?:access_log|error_log)\s+(\S+)", prod.render_nginx(topology, []), re.M)
    assert written and all(path.startswith(f"{topology.run}/logs/") for path in written), written
    assert set(written) <= set(rotated.split("{")[0].split()[-2:])
    assert "maxsize 7M" in rotated and "rotate 3" in rotated
    assert f"supervisorctl -c {topology.supervisord_conf} signal USR1 nginx" in rotated
    # What supervisord writes (its own log, each program's output): its own rotation, each.
    supervisor = configparser.ConfigParser(interpolation=None)
    supervisor.read_string(prod.render_supervisord(topology))
    assert supervisor["supervisord"]["logfile_maxbytes"] == "7MB"
    assert supervisor["supervisord"]["logfile_backups"] == "3"
    programs = [section for section in supervisor.sections() if section.startswith("program:")]
    assert len(programs) == 3
    for section in programs:
        program = supervisor[section]
        assert program["redirect_stderr"] == "true", section  # no stderr log of its own
        assert program["stdout_logfile_maxbytes"] == "7MB" and program["stdout_logfile_backups"] == "3", section
    if shutil.which("logrotate") or os.access("/usr/sbin/logrotate", os.X_OK):
        topology.logrotate_conf.write_text(rotated)
        (topology.run / "logs" / "nginx-access.log").write_text("a line\n")
        dry = subprocess.run(
            [shutil.which("logrotate") or "/usr/sbin/logrotate", "--debug", "--state", str(tmp_path / "state")]
            + [str(topology.logrotate_conf)],
            capture_output=True,
            text=True,
        )
        assert dry.returncode == 0 and "error:" not in dry.stderr, dry.stderr
        assert f"considering log {topology.run}/logs/nginx-access.log" in dry.stderr


def fake_nginx(log, title="nginx: worker process"):
    """A process titled as nginx titles its workers, holding ``log`` open (as they hold theirs)."""
    holding = f"import sys, time; log = open({str(log)!r}, 'a'); print('open', flush=True); time.sleep(60)"
    process = subprocess.Popen(
        ["bash", "-c", f'exec -a "{title}" {sys.executable} -c "{holding}"'], stdout=subprocess.PIPE
    )
    assert process.stdout.readline() == b"open\n"
    return process


def test_what_a_killed_nginx_master_leaves_is_found_by_the_logs_it_holds_and_stopped(tmp_path):
    # A master killed with SIGKILL left its workers serving the old configuration on the port:
    # the master supervisord started in its place could not bind it (restarted for ever), prod
    # status said RUNNING, prod stop left them, and the next start found the port "in use".
    topology = Topology(run=tmp_path / "run")
    elsewhere = Topology(run=tmp_path / "other")
    for run in (topology, elsewhere):
        (run.run / "logs").mkdir(parents=True)
    leftover = fake_nginx(topology.run / "logs" / "nginx-error.log")
    others = [
        fake_nginx(elsewhere.run / "logs" / "nginx-error.log"),  # another run directory's
        fake_nginx(topology.run / "logs" / "nginx-error.log", title="python3"),  # not nginx
    ]
    try:
        assert prod.nginx_leftovers(topology) == [leftover.pid]
        assert prod.orphans(topology) == [leftover.pid]
        with pytest.raises(
            ProdError, match=rf"without their supervisord or nginx master \(pids {leftover.pid}\): make prod-stop "
        ):
            prod.prepare(topology)
        assert prod.stop(topology, timeout=5) is True
        assert leftover.wait(timeout=10) is not None
        assert all(process.poll() is None for process in others), "stop ended a process not its own"
        assert prod.nginx_leftovers(topology) == []
    finally:
        for process in [leftover, *others]:
            process.kill()
            process.wait()


def test_make_prod_logrotate_before_any_start_has_nothing_to_rotate(tmp_path):
    # Run hourly by its timer from boot on, it failed each hour until make prod first ran.
    run = tmp_path / "never-started"
    result = subprocess.run(
        ["make", "-s", "prod-logrotate", f"PROD_RUN={run}"], cwd=paths.ROOT, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout == f"prod-logrotate: nothing to rotate (make prod writes {run}/logrotate.conf)\n"
    assert not run.exists()


def test_status_of_a_supervisord_that_never_answers_ends(tmp_path, monkeypatch):
    # A stopped (SIGSTOP) or stuck supervisord accepts supervisorctl's connection and never
    # answers: prod status waited for ever.
    topology = Topology(run=tmp_path / "run")
    prod.record_topology(topology)
    topology.supervisord_conf.write_text(prod.render_supervisord(topology))
    monkeypatch.setattr(prod, "SUPERVISORCTL_TIMEOUT", 1)
    supervisor = sleeper("-c", str(topology.supervisord_conf))
    with socket.socket(socket.AF_UNIX) as silent:
        silent.bind(str(topology.run / "supervisor.sock"))
        silent.listen()  # and never accepts
        try:
            topology.supervisord_pid_file.write_text(f"{supervisor.pid}\n")
            deadline = time.monotonic() + 10
            while prod.supervisord_pid(topology) is None and time.monotonic() < deadline:
                time.sleep(0.05)
            started = time.monotonic()
            result = CliRunner().invoke(cli_module().cli, ["prod", "status", "--run", str(topology.run)])
            took = time.monotonic() - started
        finally:
            supervisor.kill()
            supervisor.wait()
    assert result.exit_code == 1 and took < 10, (took, result.output)
    assert result.output.splitlines()[0] == (
        f"prod: supervisord (pid {supervisor.pid}) does not answer: supervisorctl status failed: no answer "
        f"within 1 s (supervisord is stopped or stuck): make prod-stop prod PROD_RUN={topology.run} restarts it"
    )


def test_a_stopped_process_is_ended_gracefully_not_waited_for_then_killed(tmp_path):
    graceful = (
        "import signal, sys, time; signal.signal(signal.SIGTERM, lambda *a: sys.exit(7)); "
        "print('ready', flush=True); time.sleep(60)"
    )
    process = subprocess.Popen([sys.executable, "-c", graceful], stdout=subprocess.PIPE, text=True)
    try:
        assert process.stdout.readline() == "ready\n"  # its handler is in place
        os.kill(process.pid, signal.SIGSTOP)
        started = time.monotonic()
        prod._end([process.pid], timeout=20)
        assert process.wait(timeout=5) == 7  # its own SIGTERM handler ran: not SIGKILLed
        assert time.monotonic() - started < 10
    finally:
        process.kill()
        process.wait()


def test_status_during_a_start_says_one_is_under_way(tmp_path):
    # It said "not running" while make prod was staging the release or waiting for the workers.
    topology = Topology(run=tmp_path / "run")
    topology.run.mkdir()
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLD_THE_LOCK_AS_A_SWITCH.replace("switch", "start"), str(topology.run / "switch.lock")],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout.readline() == "locked\n"
        result = CliRunner().invoke(cli_module().cli, ["prod", "status", "--run", str(topology.run)])
    finally:
        holder.kill()
        holder.wait()
    assert result.exit_code == 1
    assert result.output.splitlines() == [
        f"prod: not running under {topology.run}: a start is under way (pid {holder.pid})",
        f"Check again once it ends: make prod-status PROD_RUN={topology.run}",
    ]
