"""Benchmarks: medians and ratios, never single timings (these machines are noisy).

Example:
    python scripts/bench.py            # after make build; prints a table
    python scripts/bench.py --quick    # fewer repetitions
"""

from __future__ import annotations

import argparse
import asyncio
import os
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from scripts import build, serve, validate  # noqa: E402

DEFAULT_SETTINGS = {}  # Datasette's own defaults, for comparison


def median_ms(function, repeat: int) -> float:
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        function()
        samples.append((time.perf_counter() - start) * 1000)
    return statistics.median(samples)


def site_timings(db_path: Path, repeat: int) -> list[tuple[str, float, float]]:
    """Median ms per page: this site's settings (immutable, inspect data) vs Datasette defaults."""
    from datasette.app import Datasette

    ours = serve.make_datasette(db_path)
    # Same plugin (it is registered process-wide) and metadata; only the serving settings differ.
    plain = Datasette(files=[str(db_path)], settings=DEFAULT_SETTINGS, metadata=serve.load_metadata())
    loop = asyncio.new_event_loop()
    pages = ["/disclosures/figures", "/disclosures/figures.json", "/disclosures/telegram_before_after_arrest.json",
             "/disclosures/compare_platforms.json?jurisdiction=USA", "/"]
    results = []
    for page in pages:
        # Warm both (first request builds caches), then measure.
        loop.run_until_complete(ours.client.get(page))
        loop.run_until_complete(plain.client.get(page))
        mine = median_ms(lambda: loop.run_until_complete(ours.client.get(page)), repeat)
        theirs = median_ms(lambda: loop.run_until_complete(plain.client.get(page)), repeat)
        results.append((page, mine, theirs))
    return results


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start(command: list[str], port: int) -> subprocess.Popen:
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
            urllib.request.urlopen(f"http://127.0.0.1:{port}/disclosures/no_such_table_{answered}", timeout=5)
        except urllib.error.HTTPError:
            answered += 1
        except OSError:
            break
    return answered


def flood_comparison(db_path: Path, seconds: float) -> tuple[int, int]:
    """404 throughput of serve.py (rich blocked) vs plain `datasette serve` (rich importable)."""
    ours_port, plain_port = free_port(), free_port()
    ours = start([sys.executable, str(ROOT / "scripts" / "serve.py"), "--db", str(db_path), "--port", str(ours_port)], ours_port)
    datasette_cli = str(Path(sys.executable).parent / "datasette")
    plain = start([datasette_cli, "serve", "-i", str(db_path), "--port", str(plain_port)], plain_port)
    try:
        return error_flood(ours_port, seconds), error_flood(plain_port, seconds)
    finally:
        for process in (ours, plain):
            process.terminate()
            process.wait(timeout=10)


def hostile_query(db_path: Path, repeat: int) -> tuple[float, float]:
    """printf('%.*c', 1e9, 'x'): refused by the site vs run by SQLite directly (one run, it is slow)."""
    ours = serve.make_datasette(db_path)
    loop = asyncio.new_event_loop()
    sql = {"sql": "select printf('%.*c', 999999999, 'x')"}
    refused = median_ms(lambda: loop.run_until_complete(ours.client.get("/disclosures.json", params=sql)), repeat)
    conn = sqlite3.connect(":memory:")
    start_time = time.perf_counter()
    conn.execute(sql["sql"]).fetchall()
    return refused, (time.perf_counter() - start_time) * 1000


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args(argv)
    repeat = 5 if args.quick else 25

    with tempfile.TemporaryDirectory() as folder:
        db_path = Path(folder) / "disclosures.db"
        validate_ms = median_ms(lambda: validate.validate_package(), 3)
        build_ms = median_ms(lambda: build.build_database(build.PACKAGE, db_path), 3)
        print(f"validate: median {validate_ms:.0f} ms (3 runs)")
        print(f"build (validate + build + checks): median {build_ms:.0f} ms (3 runs)")

        print(f"\npage timings, median of {repeat}: this site's settings (immutable, inspect data, no suggested "
              "facets) vs Datasette's default settings on the same database, plugin and metadata")
        print(f"{'page':58} {'site ms':>8} {'default ms':>10} {'ratio':>6}")
        for page, mine, theirs in site_timings(db_path, repeat):
            print(f"{page:58} {mine:8.1f} {theirs:10.1f} {theirs / mine:6.1f}x")

        refused, direct = hostile_query(db_path, repeat)
        print(f"\nprintf('%.*c', 999999999, 'x'): refused in median {refused:.1f} ms; "
              f"SQLite alone takes {direct:.0f} ms (ratio {direct / refused:.0f}x)")

        seconds = 3 if args.quick else 10
        ours, plain = flood_comparison(db_path, seconds)
        ratio = f"{ours / plain:.1f}x" if plain else "n/a"
        print(f"404 flood for {seconds} s from one client: serve.py answered {ours}, "
              f"plain datasette (rich importable) {plain}; ratio {ratio}")
    return 0


if __name__ == "__main__":
    os.environ.setdefault("PYTHONWARNINGS", "ignore")
    sys.exit(main())
