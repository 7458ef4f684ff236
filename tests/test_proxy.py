"""The production topology (make prod), driven on loopback: `make proxy-test` runs this file.

One topology is started for the module, on a free port and in its own run directory, over the
real data built into a temporary folder and released into a temporary dist/. Clients use
different loopback addresses (127.0.0.2, 127.0.0.3, ...), so nginx's per-client limits see them
as different clients. Every loop is bounded in count and time; only the processes this module
started are stopped.
"""

from __future__ import annotations

import http.client
import json
import os
import shutil
import signal
import statistics
import tempfile
import threading
import time
from pathlib import Path

import httpx
import pytest

from disclosures import build as builder
from disclosures import paths, prod, release
from disclosures.prod import Topology
from tests.conftest import free_port
from tests.packages import make_package

pytestmark = pytest.mark.proxy

FIGURE_PAGE = "/figure/telegram-usa-2024-ip_or_phone-requests_fulfilled"
BYPASS = {"X-Cache-Bypass": "1"}


def client(topology: Topology, address: str) -> httpx.Client:
    """A client whose requests come from ``address`` (any 127.x.y.z is loopback on Linux)."""
    return httpx.Client(base_url=topology.base_url, transport=httpx.HTTPTransport(local_address=address), timeout=30)


@pytest.fixture(scope="module")
def topology(real_build):
    prod.nginx_binary()  # a clear failure when Debian's nginx is missing (.ci/run installs it)
    # nginx's workers run as nobody when started as root: the run directory must be readable by
    # them, which pytest's private temporary folder is not.
    run = Path(tempfile.mkdtemp(prefix="disclosures-prod-"))
    run.chmod(0o755)
    records = run.parent / f"{run.name}-records"
    shutil.copytree(paths.RELEASES, records)  # the release must not touch the repository's records
    dist = run.parent / f"{run.name}-dist"
    release.make_release(real_build, dist, records)
    topology = Topology(run=run / "run", port=free_port())
    try:
        prod.start(topology, real_build, dist)
        yield topology
    finally:
        pids = (
            [pid for _state, pid in prod.process_status(topology).values() if pid]
            if prod.supervisord_pid(topology)
            else []
        )
        supervisord = prod.supervisord_pid(topology)
        prod.stop(topology)
        # Everything it ran is gone, not orphaned.
        deadline = time.monotonic() + 10
        while any(prod.pid_alive(pid) for pid in pids) and time.monotonic() < deadline:
            time.sleep(0.1)
        leftover = [pid for pid in pids + ([supervisord] if supervisord else []) if prod.pid_alive(pid)]
        for path in (run, records, dist):
            shutil.rmtree(path, ignore_errors=True)
        assert not leftover, f"processes left running after stop: {leftover}"


@pytest.fixture(scope="module")
def web(topology):
    with client(topology, "127.0.0.1") as c:
        yield c


def test_every_process_runs_under_the_supervisor(topology):
    status = prod.process_status(topology)
    assert set(status) == {"nginx", *topology.worker_names()}
    assert all(state == "RUNNING" and pid for state, pid in status.values()), status


def test_a_page_is_cached_keyed_on_the_release_whatever_the_cookies(web, topology):
    url = "/disclosures/figures?_sort=figure_id&platform_id=telegram"
    first = web.get(url, headers={"Cookie": "ds_actor=someone; _ga=1"})
    second = web.get(url, headers={"Cookie": "other=2"})
    third = web.get(url)
    assert first.status_code == second.status_code == third.status_code == 200
    assert first.headers["x-cache"] == "MISS"
    assert second.headers["x-cache"] == third.headers["x-cache"] == "HIT"
    assert second.text == first.text
    assert first.headers["x-release"] == prod.current_release(topology)
    for response in (first, second):
        assert "cookie" not in response.headers.get("vary", "").lower()
        assert "private" not in response.headers["cache-control"]
        assert "set-cookie" not in response.headers


def test_pages_without_cache_headers_get_them(web):
    home = web.get("/")
    assert home.status_code == 200
    assert home.headers["cache-control"] == "public, max-age=300"
    # A page that sets its own keeps it (Datasette's default_cache_ttl for tables).
    assert web.get("/disclosures/platforms").headers["cache-control"] == "max-age=3600"


def test_pages_are_compressed(web):
    response = web.get("/disclosures/figures.json?_size=50", headers={"Accept-Encoding": "gzip"})
    assert response.headers["content-encoding"] == "gzip"
    assert response.json()["rows"]


def test_downloads_have_ranges_etags_and_gzip(web):
    database = web.get("/downloads/0.1.0/disclosures.db", headers={"Range": "bytes=0-15"})
    assert database.status_code == 206
    assert database.content == b"SQLite format 3\x00"
    assert database.headers["content-range"].startswith("bytes 0-15/")
    etag = database.headers["etag"]
    assert web.get("/downloads/0.1.0/disclosures.db", headers={"If-None-Match": etag}).status_code == 304

    csv_url = "/downloads/0.1.0/csv/figures.csv"
    whole = web.get(csv_url, headers={"Accept-Encoding": "identity"})
    gzipped = web.get(csv_url, headers={"Accept-Encoding": "gzip"})
    assert gzipped.headers["content-encoding"] == "gzip" and gzipped.content == whole.content
    # A range of a text file is a range of its own bytes, even for a client that accepts gzip.
    part = web.get(csv_url, headers={"Accept-Encoding": "gzip", "Range": "bytes=10-99"})
    assert part.status_code == 206 and "content-encoding" not in part.headers
    assert part.content == whole.content[10:100]


@pytest.mark.parametrize("path", ["/\\evil.example/", "//evil.example/", "/%5Cevil.example/", "/%5cevil.example/"])
def test_the_backslash_open_redirect_is_blocked(topology, path):
    # http.client sends the path byte for byte; httpx would normalise it first.
    connection = http.client.HTTPConnection(topology.host, topology.port, timeout=10)
    try:
        connection.request("GET", path)
        response = connection.getresponse()
        body = json.loads(response.read())
    finally:
        connection.close()
    assert response.status == 404
    assert response.getheader("location") is None
    assert body["status"] == 404


def test_ad_hoc_sql_runs_on_its_own_workers(web, topology):
    nonce = str(time.time_ns())
    expected = {
        f"/disclosures.json?sql=select+{nonce}+as+routed": "sql",
        f"/disclosures/top_jurisdictions.json?platform_id=telegram&year=2024&_nonce={nonce}": "sql",
        f"/disclosures/figures.json?_where=value+%3E+{nonce}": "sql",
        f"/disclosures/figures.json?_size=1&_nonce={nonce}": "pages",
        f"/disclosures/figures?_nonce={nonce}": "pages",
    }
    for url in expected:
        assert web.get(url, headers=BYPASS).status_code == 200, url
    # The access log names the upstream set ($backend) of every request.
    logged = {}
    for line in (topology.run / "logs" / "nginx-access.log").read_text().splitlines():
        request, fields = line.split('"')[1], line.split('"')[2].split()
        logged[request.split()[1]] = fields[4]
    assert {url: logged.get(url) for url in expected} == expected


def latencies(session: httpx.Client, url: str, count: int, pause: float) -> tuple[list[float], list[int]]:
    times, statuses = [], []
    for _ in range(count):
        started = time.perf_counter()
        response = session.get(url, headers=BYPASS)
        times.append(time.perf_counter() - started)
        statuses.append(response.status_code)
        time.sleep(pause)
    return times, statuses


def test_a_flood_from_one_client_gets_429_while_a_canary_stays_fast(topology):
    canary_url = FIGURE_PAGE  # bypassing the cache: each one is served by a pages worker
    with client(topology, "127.0.0.3") as canary:
        baseline, _ = latencies(canary, canary_url, 15, 0.05)

        floods = {"page": [], "sql": []}
        # Expensive ad-hoc SQL from many clients at once keeps the SQL workers busy.
        heavy = "/disclosures.json?sql=select count(*) from figures a join figures b on a.value < b.value&_n={n}"
        stop = threading.Event()

        def flood(address: str, template: str, kind: str, count: int):
            with client(topology, address) as c:
                for n in range(count):
                    if stop.is_set():
                        return
                    floods[kind].append(c.get(template.format(n=n)).status_code)

        threads = [threading.Thread(target=flood, args=("127.0.0.2", "/?n=cached", "page", 600)) for _ in range(4)]
        threads += [threading.Thread(target=flood, args=(f"127.0.1.{i}", heavy, "sql", 20)) for i in range(1, 9)]
        for thread in threads:
            thread.start()
        try:
            during, statuses = latencies(canary, canary_url, 30, 0.05)
        finally:
            stop.set()
            for thread in threads:
                thread.join(timeout=60)

    assert floods["page"].count(429) > 0, "a flood of one page from one client was never limited"
    assert set(floods["page"]) <= {200, 429}
    assert set(floods["sql"]) <= {200, 400, 429, 503}, floods["sql"]  # 400: over the SQL time limit
    assert statuses == [200] * len(statuses)
    # The canary is served by the pages workers, which neither the limited page flood nor the
    # SQL flood (other workers, lower CPU priority) can occupy.
    typical, busy = statistics.median(baseline), statistics.median(during)
    assert busy < max(3 * typical, typical + 0.15), (
        f"canary median {busy:.3f} s during the flood, {typical:.3f} s before"
    )


def test_the_sql_limit_answers_429_with_the_json_error_shape(topology):
    with client(topology, "127.0.0.4") as c:
        statuses = [c.get(f"/disclosures.json?sql=select {n}").status_code for n in range(40)]
        refused = c.get("/disclosures.json?sql=select 41")
    assert 429 in statuses
    if refused.status_code == 429:
        body = refused.json()
        assert body["ok"] is False and body["status"] == 429 and refused.headers["retry-after"] == "1"


def answers_all(
    topology: Topology, address: str, urls: list[str], stop: threading.Event, out: list, limit: int, pause: float = 0.02
):
    """Request ``urls`` in turn (cache bypassed) until ``stop`` or ``limit`` requests."""
    with client(topology, address) as c:
        for n in range(limit):
            if stop.is_set():
                return
            url = urls[n % len(urls)]
            try:
                response = c.get(url, headers=BYPASS)
                out.append((url, response.status_code, response.headers.get("x-release")))
            except httpx.HTTPError as error:
                out.append((url, repr(error), None))
            time.sleep(pause)


def test_a_killed_worker_is_restarted_and_no_request_fails(topology):
    victim = "pages:pages-0"
    _state, pid = prod.process_status(topology)[victim]
    results, stop = [], threading.Event()
    load = threading.Thread(target=answers_all, args=(topology, "127.0.0.5", [FIGURE_PAGE], stop, results, 500))
    load.start()
    try:
        time.sleep(0.3)
        os.kill(pid, signal.SIGKILL)
        killed = time.monotonic()
        new_pid = None
        while time.monotonic() - killed < 5:
            state, current = prod.process_status(topology)[victim]
            if state == "RUNNING" and current and current != pid:
                new_pid = current
                break
            time.sleep(0.05)
        restarted_after = time.monotonic() - killed
        socket = topology.run / "sockets" / "pages-0.sock"
        deadline = time.monotonic() + 30
        while not prod.worker_answers(socket) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert prod.worker_answers(socket)
        time.sleep(0.3)
    finally:
        stop.set()
        load.join(timeout=30)
    assert new_pid, f"{victim} was not restarted"
    assert restarted_after <= 2, f"{victim} restarted after {restarted_after:.1f} s"
    assert results and all(status == 200 for _url, status, _release in results), results


def test_a_release_switches_under_load_without_a_failed_request(topology, tmp_path):
    # Another release: the tiny base package, built for real (10 figures instead of ~15,000).
    other = tmp_path / "other"
    builder.build_site(make_package(tmp_path / "package"), other)
    before = prod.current_release(topology)
    workers_before = {name: pid for name, (_s, pid) in prod.process_status(topology).items()}
    urls = [
        "/",
        "/disclosures/figures.json?_size=1",
        "/disclosures/platforms",
        "/-/versions.json",
        "/disclosures.json?sql=select count(*) as n from figures",
    ]
    results, stop = [], threading.Event()
    # One client per URL mix, each well within the per-client limits.
    load = [
        threading.Thread(
            target=answers_all, args=(topology, f"127.0.2.{i}", urls[i:] + urls[:i], stop, results, 3000, 0.05)
        )
        for i in range(4)
    ]
    for thread in load:
        thread.start()
    try:
        time.sleep(0.5)
        switched = prod.switch_release(topology, other, tmp_path / "no-dist")
        time.sleep(0.5)
    finally:
        stop.set()
        for thread in load:
            thread.join(timeout=60)

    failed = [r for r in results if r[1] != 200]
    assert not failed, failed[:10]
    assert switched == prod.release_id(other, tmp_path / "no-dist") != before
    served = [r[2] for r in results]
    assert served[0] == before and served[-1] == switched, "the load did not span the switch"
    assert len(results) > 50
    with client(topology, "127.0.0.6") as c:
        after = c.get("/disclosures/figures.json?_size=0")
        assert after.headers["x-release"] == switched
        assert after.json()["filtered_table_rows_count"] == 10
        assert c.get("/downloads/0.1.0/disclosures.db").status_code == 404  # the new release has no files
    workers_after = {name: pid for name, (_s, pid) in prod.process_status(topology).items()}
    for name in topology.worker_names():
        assert workers_after[name] != workers_before[name], f"{name} still runs the old release"
    assert workers_after["nginx"] == workers_before["nginx"]  # reloaded, not restarted
