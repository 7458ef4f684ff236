"""Benchmarks: medians and ratios against the stock stack in the same run, never single timings.

Each function returns numbers; ``scripts/cli.py bench`` prints them.
"""

from __future__ import annotations

import asyncio
import json
import socket
import sqlite3
import statistics
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

from . import build, site, validate
from .paths import PACKAGE
from .vocabulary import DATABASE_FILE, DATABASE_NAME

PAGES = [
    f"/{DATABASE_NAME}/figures",
    f"/{DATABASE_NAME}/figures.json",
    f"/{DATABASE_NAME}/telegram_before_after_arrest.json",
    f"/{DATABASE_NAME}/compare_platforms.json?jurisdiction=USA",
    "/",
]


def median_ms(function, repeat: int) -> float:
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        function()
        samples.append((time.perf_counter() - start) * 1000)
    return statistics.median(samples)


def pipeline_timings(folder: Path, repeat: int = 3) -> dict[str, float]:
    """Median ms of validation alone and of a whole build (validation, build, checks) into ``folder``."""
    return {
        "validate": median_ms(lambda: validate.validate_package(PACKAGE), repeat),
        "build": median_ms(lambda: build.build_site(PACKAGE, folder), repeat),
    }


def site_timings(build_dir: Path, repeat: int) -> list[tuple[str, float, float]]:
    """(page, site ms, default ms): the site's settings (immutable, inspect data) vs Datasette's defaults."""
    from datasette.app import Datasette

    ours = site.in_process(build_dir)
    metadata = json.loads((build_dir / "metadata.json").read_text(encoding="utf-8"))
    # Same plugins (registered process-wide) and metadata; only the serving settings differ.
    plain = Datasette(files=[str(build_dir / DATABASE_FILE)], metadata=metadata)
    loop = asyncio.new_event_loop()
    results = []
    for page in PAGES:
        # Warm both (the first request builds caches), then measure.
        loop.run_until_complete(ours.client.get(page))
        loop.run_until_complete(plain.client.get(page))
        mine = median_ms(lambda page=page: loop.run_until_complete(ours.client.get(page)), repeat)
        theirs = median_ms(lambda page=page: loop.run_until_complete(plain.client.get(page)), repeat)
        results.append((page, mine, theirs))
    return results


def hostile_query(build_dir: Path, repeat: int) -> tuple[float, float]:
    """printf('%.*c', 1e9, 'x'): ms to refuse it on the site vs ms SQLite alone takes to run it."""
    ours = site.in_process(build_dir)
    loop = asyncio.new_event_loop()
    sql = {"sql": "select printf('%.*c', 999999999, 'x')"}
    refused = median_ms(lambda: loop.run_until_complete(ours.client.get(f"/{DATABASE_NAME}.json", params=sql)), repeat)
    conn = sqlite3.connect(":memory:")
    start = time.perf_counter()
    conn.execute(sql["sql"]).fetchall()
    return refused, (time.perf_counter() - start) * 1000


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(command: list[str], port: int) -> subprocess.Popen:
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/-/versions.json", timeout=1)
            return process
        except OSError:
            time.sleep(0.2)
    process.kill()
    raise RuntimeError(f"server did not start: {command}")


def error_flood(port: int, seconds: float) -> int:
    """How many 404s one client gets answered in ``seconds`` (loopback, bounded)."""
    answered, deadline = 0, time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/{DATABASE_NAME}/no_such_table_{answered}", timeout=5)
        except urllib.error.HTTPError:
            answered += 1
        except OSError:
            break
    return answered


def flood_comparison(build_dir: Path, seconds: float) -> tuple[int, int]:
    """404s answered: the site as `make serve` runs it vs plain `datasette serve` with rich importable."""
    ours_port, plain_port = free_port(), free_port()
    ours = start_server(
        [str(site.DATASETTE), "serve", *site.datasette_arguments(build_dir), "--port", str(ours_port)], ours_port
    )
    pipeline_datasette = str(Path(sys.executable).parent / "datasette")
    plain = start_server(
        [pipeline_datasette, "serve", "-i", str(build_dir / DATABASE_FILE), "--port", str(plain_port)], plain_port
    )
    try:
        return error_flood(ours_port, seconds), error_flood(plain_port, seconds)
    finally:
        for process in (ours, plain):
            process.terminate()
            process.wait(timeout=10)
