"""Serving through the production topology (``make prod``), measured against stock Datasette.

:func:`prod_serving` starts the topology of ``disclosures.prod`` (nginx in front of supervised
Datasette workers) over a built folder and a release folder, on a free port and in its own run
directory, and stock ``datasette serve -i`` (Datasette's defaults; no plugins, metadata or
settings) over the same database beside it. Both get the same requests from ``wrk`` (Debian's
package; ``make bench`` installs it when missing), then both are stopped: only the processes
started here, by their ids.

What is measured, each for the topology and for stock in the same run:

- the default faceted figures page, one client, the cache bypassed (``X-Cache-Bypass: 1``):
  p50 ms ("cold");
- the same page, warm (through nginx's page cache), at ``WARM_CONNECTIONS`` connections: rps;
- ``figures.json``, one client, cold: p50 ms;
- a filtered faceted page (the figures of the platform with the most figures), one client,
  cold: p50 ms;
- a mixed workload (:data:`MIXED_PAGES`) at 16 clients, cold: p50 and p95 ms, rps;
- the release's figures Parquet file, whole, one client: p50 ms (nginx from dist/; stock serves
  the same file through a ``--static`` mount, Datasette's way to serve files).

wrk sends every request from 127.0.0.1, and the topology limits each client address to about a
hundred page requests a second: for the benchmark the per-client limits are raised
(:data:`BENCH_LIMITS`), and the result says so (``limits``). Every loop is bounded by wrk's
duration; wrk's timeout bounds each request. Errors (any non-2xx/3xx answer, a timeout) are
counted and fail the acceptance.

Errors: :class:`ServingBenchFailed` (wrk or nginx missing, a server that does not start). The
module never prints.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import socket
import sqlite3
import subprocess
import tempfile
import time
import urllib.error
import urllib.request
from dataclasses import replace
from pathlib import Path

from . import prod
from .paths import RELEASES
from .site import DATASETTE
from .vocabulary import DATABASE_FILE, DATABASE_NAME

WRK_SCRIPT = Path(__file__).with_name("bench_wrk.lua")
BYPASS = "X-Cache-Bypass: 1"
FIGURES_PAGE = f"/{DATABASE_NAME}/figures"
FIGURES_JSON = f"/{DATABASE_NAME}/figures.json"
# The per-client limits of the topology, raised for a benchmark whose every request comes from
# one address: everything else (workers, cache, routing) is as `make prod` runs it.
BENCH_LIMITS = {"page_rate": 1_000_000, "page_burst": 1_000_000, "conns_per_client": 1024}
WARM_CONNECTIONS = 32
MIXED_CLIENTS = 16
WRK_TIMEOUT_S = 60
# A measurement that completes fewer requests than this in its time is run again for longer
# (stock Datasette can take seconds per page at a million figures), up to MAX_SECONDS.
MIN_REQUESTS = 5
MAX_SECONDS = 60

# The acceptance of issue 14: (key in the result, "max" or "min", limit).
TARGETS = {
    "default page cold p50 (ms)": ("default_cold", "p50_ms", "max", 100.0),
    "default page warm (rps)": ("default_warm", "rps", "min", 2000.0),
    "figures.json cold p50 (ms)": ("figures_json", "p50_ms", "max", 10.0),
    "filtered page cold p50 (ms)": ("filtered", "p50_ms", "max", 200.0),
    "mixed 16 clients cold p95 (ms)": ("mixed", "p95_ms", "max", 500.0),
    "figures Parquet download p50 (ms)": ("parquet", "p50_ms", "max", 1000.0),
}


class ServingBenchFailed(Exception):
    """The serving benchmark could not run; the message says what to install or look at."""


def wrk_binary() -> str:
    """Debian's wrk; ServingBenchFailed when it is not installed."""
    found = shutil.which("wrk")
    if not found:
        raise ServingBenchFailed("wrk is not installed: apt-get install wrk (Debian's package), or run make bench")
    return found


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wrk(
    port: int,
    paths: list[str],
    connections: int = 1,
    seconds: float = 5,
    bypass: bool = True,
    threads: int | None = None,
) -> dict:
    """Run wrk against 127.0.0.1:``port`` for ``seconds``: {"requests", "seconds", "rps",
    "p50_ms", "p95_ms", "p99_ms", "max_ms", "errors": {...}, "failed"} (``failed``: requests
    answered with an error or not at all). Each connection requests ``paths`` in turn. With
    fewer than MIN_REQUESTS answers, runs once more for MAX_SECONDS, after the server has
    finished what the first run left it (:func:`drain`)."""
    threads = threads or min(2, connections)
    while True:
        command = [
            wrk_binary(),
            f"-t{threads}",
            f"-c{connections}",
            f"-d{max(1, round(seconds))}s",
            f"--timeout={WRK_TIMEOUT_S}s",
            "-s",
            str(WRK_SCRIPT),
        ]
        if bypass:
            command += ["-H", BYPASS]
        command += [f"http://127.0.0.1:{port}", "--", *paths]
        result = subprocess.run(
            command, capture_output=True, text=True, timeout=seconds + WRK_TIMEOUT_S + 30, check=False
        )
        lines = [line for line in result.stdout.splitlines() if line.startswith("{")]
        if result.returncode != 0 or not lines:
            raise ServingBenchFailed(f"{' '.join(command)} failed: {result.stdout[-1000:]}{result.stderr[-1000:]}")
        raw = json.loads(lines[-1])
        if raw["requests"] >= MIN_REQUESTS or seconds >= MAX_SECONDS:
            break
        drain(port)
        seconds = MAX_SECONDS
    errors = raw["errors"]
    return {
        "requests": raw["requests"],
        "seconds": raw["seconds"],
        "connections": connections,
        "rps": raw["requests"] / raw["seconds"] if raw["seconds"] else 0.0,
        "p50_ms": raw["p50_us"] / 1000,
        "p95_ms": raw["p95_us"] / 1000,
        "p99_ms": raw["p99_us"] / 1000,
        "max_ms": raw["max_us"] / 1000,
        "errors": errors,
        "failed": errors["status"] + errors["timeout"] + errors["connect"] + errors["read"],
    }


def largest_platform(database: Path) -> str:
    """The platform with the most figures (the heaviest one-platform filter)."""
    with sqlite3.connect(f"file:{database}?mode=ro", uri=True) as conn:
        (platform,) = conn.execute(
            "SELECT platform_id FROM figures GROUP BY platform_id ORDER BY count(*) DESC, platform_id LIMIT 1"
        ).fetchone()
    return platform


def parquet_path(dist: Path) -> str | None:
    """``/downloads/<version>/parquet/figures.parquet`` of the newest release in ``dist``."""
    found = sorted(Path(dist).glob("*/parquet/figures.parquet"))
    return f"/downloads/{found[-1].parent.parent.name}/parquet/figures.parquet" if found else None


def start_stock(database: Path, dist: Path, port: int) -> subprocess.Popen:
    """Stock ``datasette serve -i`` with Datasette's defaults; release files on a --static mount."""
    command = [str(DATASETTE), "serve", "-i", str(database), "--port", str(port)]
    if Path(dist).is_dir():
        command += ["--static", f"downloads:{dist}"]
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise ServingBenchFailed(f"{' '.join(command)} exited with {process.returncode}")
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/-/versions.json", timeout=2).read()
            return process
        except OSError:
            time.sleep(0.2)
    process.terminate()
    process.wait(timeout=10)
    raise ServingBenchFailed(f"{' '.join(command)} did not answer within 60 s")


# A request that needs a worker's SQL threads: it is answered quickly only once the requests a
# finished wrk run left behind are done (servers go on with a request whose client has gone).
PROBE = f"/{DATABASE_NAME}/figures.json?_size=1&_nofacet=1&_nocount=1"
PROBE_FAST_S = 0.25
DRAIN_SECONDS = 180


def drain(port: int) -> float:
    """Wait until the server on ``port`` answers :data:`PROBE` within PROBE_FAST_S twice in a
    row (at most DRAIN_SECONDS); the seconds waited. Each measurement starts on an idle server."""
    started = time.monotonic()
    fast = 0
    while fast < 2 and time.monotonic() - started < DRAIN_SECONDS:
        request = urllib.request.Request(f"http://127.0.0.1:{port}{PROBE}", headers=dict([BYPASS.split(": ")]))
        begin = time.monotonic()
        try:
            urllib.request.urlopen(request, timeout=WRK_TIMEOUT_S).read()
        except OSError:
            time.sleep(0.5)
            fast = 0
            continue
        fast = fast + 1 if time.monotonic() - begin < PROBE_FAST_S else 0
        time.sleep(0.1)
    return time.monotonic() - started


def warm(port: int, path: str) -> None:
    """One request, so that nginx's cache (or a worker's) holds the page."""
    with contextlib.suppress(urllib.error.HTTPError):
        urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=WRK_TIMEOUT_S).read()


def tree_cpu_seconds(root: int) -> float:
    """User + system CPU seconds of process ``root`` and every process below it (Linux /proc)."""
    parents, times = {}, {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            # "pid (command) state ppid ... utime stime": the command may hold spaces.
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
        pid = int(entry.name)
        parents[pid] = int(fields[1])
        times[pid] = int(fields[11]) + int(fields[12])
    tree, frontier = {root}, [root]
    while frontier:
        parent = frontier.pop()
        children = [pid for pid, ppid in parents.items() if ppid == parent and pid not in tree]
        tree.update(children)
        frontier.extend(children)
    return sum(times.get(pid, 0) for pid in tree) / os.sysconf("SC_CLK_TCK")


def measure(port: int, pages: dict[str, str], parquet: str | None, seconds: float, root_pid: int) -> dict:
    """Every measurement of the module's list against one server on ``port``. Each result also
    has "cpu_ms_per_request": CPU time of ``root_pid``'s process tree (the server) during the
    run, per answered request, which a busy machine does not inflate as it does latencies."""
    for path in (pages["default"], pages["json"], pages["filtered"]):
        warm(port, path)  # a worker's first answer fills its own caches (schema, plugins)
    plan = {
        "default_cold": ([pages["default"]], 1, seconds, True),
        "figures_json": ([pages["json"]], 1, seconds, True),
        "filtered": ([pages["filtered"]], 1, seconds, True),
        "default_warm": ([pages["default"]], WARM_CONNECTIONS, seconds, False),
        "mixed": (pages["mixed"], MIXED_CLIENTS, 2 * seconds, True),
    }
    if parquet:
        plan["parquet"] = ([parquet], 1, seconds, False)
    result = {}
    for name, (paths, connections, duration, bypass) in plan.items():
        waited = drain(port)
        cpu = tree_cpu_seconds(root_pid)
        result[name] = wrk(port, paths, connections, duration, bypass=bypass)
        cpu = tree_cpu_seconds(root_pid) - cpu
        result[name]["cpu_ms_per_request"] = cpu * 1000 / result[name]["requests"] if result[name]["requests"] else None
        result[name]["drained_s"] = round(waited, 2)
        result[name]["load"] = os.getloadavg()[0]
    return result


def mixed_pages(filtered: str) -> list[str]:
    """The mixed workload: the default page, its JSON, a filtered page, the home page, a page
    of the figures table further on, and a figure-level JSON query through the table."""
    return [
        FIGURES_PAGE,
        FIGURES_JSON,
        filtered,
        "/",
        f"/{DATABASE_NAME}/figures?_sort=figure_id",
        f"/{DATABASE_NAME}/figures.json?_size=10&metric_id=requests_received",
    ]


def refusals(access_log: Path) -> dict[str, int]:
    """{"<status> <path>": count} of every answer but 2xx/3xx in nginx's access log (read once
    nginx has stopped and flushed it): what the topology's failed requests were."""
    counts: dict[str, int] = {}
    try:
        lines = access_log.read_text(encoding="utf-8", errors="replace").splitlines()
    except OSError:
        return counts
    for line in lines:
        try:
            request, after = line.split('"')[1], line.split('"')[2].split()
        except IndexError:
            continue
        status = after[0] if after else ""
        if status[:1] not in ("2", "3"):
            key = f"{status} {request.split()[1] if len(request.split()) > 1 else request}"
            counts[key] = counts.get(key, 0) + 1
    return dict(sorted(counts.items()))


def prod_serving(build_dir: Path, dist: Path, seconds: float = 5.0, run_parent: Path | None = None) -> dict:
    """Measure the topology over ``build_dir`` and ``dist`` against stock ``datasette serve -i``
    of the same database, one after the other (never both under load at once).

    Returns {"pages": {...}, "limits": {...}, "topology": {...}, "prod": {...}, "stock": {...},
    "stock_over_prod": {...}} where "prod" and "stock" hold :func:`measure`'s results and
    "stock_over_prod" the ratio per measurement (latency: stock / prod; rps: prod / stock, so
    above 1 is always the topology ahead). ServingBenchFailed or prod.ProdError when something
    cannot start; whatever was started is stopped.
    """
    wrk_binary()
    prod.nginx_binary()
    database = Path(build_dir) / DATABASE_FILE
    filtered = f"{FIGURES_PAGE}?platform_id={largest_platform(database)}"
    pages = {"default": FIGURES_PAGE, "json": FIGURES_JSON, "filtered": filtered, "mixed": mixed_pages(filtered)}
    parquet = parquet_path(dist)
    # nginx's workers run as nobody when started as root: the run directory must be readable by
    # them. Unix socket paths are short, so the run directory is too.
    run = Path(tempfile.mkdtemp(prefix="bench-prod-", dir=run_parent))
    run.chmod(0o755)
    topology = replace(prod.Topology(run=run / "run", port=free_port()), **BENCH_LIMITS)
    result: dict = {
        "pages": {k: v for k, v in pages.items()} | {"parquet": parquet},
        "limits": {
            "note": "per-client limits raised for the benchmark (wrk sends from one address)",
            **BENCH_LIMITS,
        },
        "topology": {
            "pages_workers": topology.pages_workers,
            "sql_workers": topology.sql_workers,
            "nginx_workers": topology.nginx_workers,
        },
    }
    try:
        prod.start(topology, build_dir, dist)
        try:
            result["prod"] = measure(topology.port, pages, parquet, seconds, prod.supervisord_pid(topology))
        finally:
            prod.stop(topology)
        result["prod_refusals"] = refusals(topology.run / "logs" / "nginx-access.log")
        port = free_port()
        stock = start_stock(database, dist, port)
        try:
            result["stock"] = measure(port, pages, parquet, seconds, stock.pid)
        finally:
            stock.terminate()
            try:
                stock.wait(timeout=15)
            except subprocess.TimeoutExpired:
                stock.kill()
                stock.wait(timeout=10)
    finally:
        shutil.rmtree(run, ignore_errors=True)
    ratios = {}
    for name, mine in result["prod"].items():
        theirs = result["stock"].get(name)
        if not theirs:
            continue
        if name == "default_warm":
            ratios[name] = mine["rps"] / theirs["rps"] if theirs["rps"] else float("inf")
        elif name == "mixed":
            ratios[name] = theirs["p95_ms"] / mine["p95_ms"] if mine["p95_ms"] else float("inf")
        else:
            ratios[name] = theirs["p50_ms"] / mine["p50_ms"] if mine["p50_ms"] else float("inf")
    result["stock_over_prod"] = ratios
    return result


def acceptance(serving: dict[str, dict]) -> dict[str, dict]:
    """The issue's serving targets for every package size measured through the topology:
    {"<size>: <target>": {"value", "limit", "met", "stock", "ratio"}}. A measurement with
    failed requests is not met, whatever its number."""
    checks = {}
    for size, result in serving.items():
        if "prod" not in result:
            continue
        for target, (name, field, kind, limit) in TARGETS.items():
            mine = result["prod"].get(name)
            if mine is None:
                continue
            value = mine[field]
            met = (value <= limit if kind == "max" else value >= limit) and mine["failed"] == 0
            checks[f"{size}: {target}"] = {
                "value": value,
                "limit": limit,
                "met": met,
                "failed": mine["failed"],
                "stock": result["stock"].get(name, {}).get(field),
                "ratio": result["stock_over_prod"].get(name),
            }
    return checks


def release_and_serve(build_dir: Path, folder: Path, seconds: float = 5.0, dist: Path | None = None) -> dict:
    """Release ``build_dir`` into ``folder``/dist, then :func:`prod_serving` over both. The result
    gains "release_seconds" and "parquet_bytes". With ``dist``, a release of the same build made
    before, nothing is released again.

    The release reads records of its own in ``folder``: a copy of the repository's records of
    the versions the build read (its ``releases`` table), which a release must be judged
    against, and none for a synthetic package (a first release). The repository's records are
    never touched."""
    from . import release

    folder = Path(folder)
    release_seconds = None
    if dist is None:
        records = folder / "release-records"
        records.mkdir(parents=True, exist_ok=True)
        try:
            with contextlib.closing(
                sqlite3.connect(f"file:{Path(build_dir) / DATABASE_FILE}?mode=ro", uri=True)
            ) as conn:
                read = [version for (version,) in conn.execute("SELECT version FROM releases")]
        except sqlite3.Error:
            read = []  # no build, or no releases table: the release says so
        for version in read:
            if (RELEASES / version).is_dir() and not (records / version).exists():
                shutil.copytree(RELEASES / version, records / version)
        started = time.perf_counter()
        release.make_release(build_dir, folder / "dist", records)
        release_seconds = time.perf_counter() - started
        dist = folder / "dist"
    released = sorted(Path(dist).glob("*/parquet/figures.parquet"))[-1].parent.parent
    # nginx's workers (nobody, when started as root) read the release files: readable by all.
    for path in [folder, Path(dist), *Path(dist).rglob("*")]:
        path.chmod(0o755 if path.is_dir() else 0o644)
    result = prod_serving(build_dir, Path(dist), seconds, run_parent=None)
    result["release_seconds"] = release_seconds
    result["parquet_bytes"] = (released / "parquet" / "figures.parquet").stat().st_size
    return result


LABELS = {
    "default_cold": ("default figures page, 1 client, cold", "p50_ms"),
    "default_warm": (f"default figures page, {WARM_CONNECTIONS} connections, warm", "rps"),
    "figures_json": ("figures.json, 1 client, cold", "p50_ms"),
    "filtered": ("filtered faceted page, 1 client, cold", "p50_ms"),
    "mixed": (f"mixed workload, {MIXED_CLIENTS} clients, cold", "p95_ms"),
    "parquet": ("figures Parquet download, 1 client", "p50_ms"),
}


def report_lines(size: str, result: dict) -> list[str]:
    """What ``make bench`` prints of one :func:`prod_serving` result: one line per measurement
    (prod, stock, unit, ratio, CPU ms per request of prod and of stock, load average)."""
    lines = []
    for name, (label, field) in LABELS.items():
        mine, theirs = result["prod"].get(name), result["stock"].get(name)
        if mine is None or theirs is None:
            continue
        unit = "rps" if field == "rps" else f"ms {field[:3]}"
        ratio = result["stock_over_prod"].get(name, float("nan"))
        failed = f"  ({mine['failed']} failed)" if mine["failed"] else ""
        cpu = " ".join(
            f"{c:7.1f}" if c is not None else f"{'-':>7}"
            for c in (mine.get("cpu_ms_per_request"), theirs.get("cpu_ms_per_request"))
        )
        lines.append(
            f"{size:>10} {label:44} {mine[field]:9.1f} {theirs[field]:9.1f} {unit:7} {ratio:8.1f}x {cpu} "
            f"{mine.get('load', 0):5.1f}{failed}"
        )
    return lines


HEADER = (
    f"{'package':>10} {'measurement':44} {'prod':>9} {'stock':>9} {'':7} {'ratio':>9} "
    f"{'CPU ms/request':>15} {'load':>5}"
)
