"""Shared fixtures: the expensive builds happen once per session."""

import asyncio
import importlib.util
import json
import os
import re
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from disclosures import build, paths
from disclosures import site as site_module
from disclosures.vocabulary import DATABASE_FILE
from tests.packages import make_package

# SQLite's heap limit for the sites this process serves (plugins/sql_policy.py) is the process's:
# this one also builds and reads whole databases, which 256 MiB beside the sites' connections did
# not always leave room for. The limit the site is served with is tested in a process of its own
# (tests/test_hardening.py).
os.environ.setdefault("DISCLOSURES_SQLITE_HEAP_LIMIT_MIB", "4096")


@pytest.fixture(scope="session")
def real_build(tmp_path_factory):
    """The repository's own data, built into a temporary site folder (as `make build` does into build/)."""
    folder = tmp_path_factory.mktemp("real")
    build.build_site(paths.PACKAGE, folder)
    return folder


@pytest.fixture(scope="session")
def real_db(real_build):
    return real_build / DATABASE_FILE


@pytest.fixture(scope="session")
def base_db(tmp_path_factory):
    """The tiny base fixture package, built."""
    folder = tmp_path_factory.mktemp("base")
    return build.build_database(make_package(folder), folder / DATABASE_FILE)


def rows(db_path, sql, *params):
    with sqlite3.connect(db_path) as conn:
        return conn.execute(sql, params).fetchall()


def plugin(name):
    """A module of plugins/, loaded by path as Datasette's --plugins-dir loads it."""
    spec = importlib.util.spec_from_file_location(f"plugins_{name}", paths.PLUGINS / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def cli_module():
    """scripts/cli.py, loaded by path (scripts/ is no package), for click's CliRunner."""
    spec = importlib.util.spec_from_file_location("disclosures_cli", paths.ROOT / "scripts" / "cli.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def run_cli(*args, cwd=None, env=None, check=False, timeout=None) -> subprocess.CompletedProcess:
    """The repository's scripts/cli.py run as a curator runs it, in a process of its own under
    this interpreter: ``args`` are its words (paths may be ``Path``s), ``cwd`` its working folder
    and ``env`` its whole environment (this process's when None). Returns the finished process,
    its ``stdout`` and ``stderr`` as text and its exit status in ``returncode``; raises
    ``subprocess.CalledProcessError`` on a non-zero exit when ``check``, and
    ``subprocess.TimeoutExpired`` after ``timeout`` seconds when one is given. Click's CliRunner
    (``cli_module``) runs the same commands faster in this process; this is for what only a real
    process shows: its exit status, stdout and stderr apart, and paths relative to its own folder."""
    return subprocess.run(
        [sys.executable, str(paths.ROOT / "scripts" / "cli.py"), *map(str, args)],
        cwd=cwd,
        env=env,
        check=check,
        timeout=timeout,
        capture_output=True,
        text=True,
    )


# The figures table's default facets (metadata.yml), in the order the site lists them.
FIGURE_FACETS = [
    "platform_id",
    "jurisdiction_id",
    "metric_id",
    "request_type_id",
    "period_label",
    "period_kind",
    "source_tier",
]


def assert_error_shape(response, status):
    """Assert ``response`` is the API's JSON error shape with ``status``; returns its message."""
    assert response.status_code == status, response.text[:300]
    assert response.headers["content-type"].startswith("application/json")
    body = response.json()
    assert set(body) == {"ok", "status", "error"} and body["ok"] is False and body["status"] == status
    assert body["error"] and "<" not in body["error"]
    return body["error"]


def built_settings(build_dir):
    return json.loads((build_dir / "settings.json").read_text(encoding="utf-8"))


# The time limits of the sites the tests drive. The served ones (settings.yml: 1 s of SQL, 0.5 s
# a facet, and plugins/budget.py's 1.4 s a request) are wall-clock time: on a loaded CI machine an
# ordinary page or ad-hoc query ran past them, and a test of what the page says failed with a 400
# or a 503, or a facet silently went missing. Thirty seconds is far beyond any page's cost on a
# busy machine. Tests of the limits and of the budget set their own (``served_limits`` below,
# tests/test_budget_cut.py, tests/test_newcomer_findings.py), with work that is over any budget.
UNHURRIED = {"sql_time_limit_ms": 30_000, "facet_time_limit_ms": 30_000}


def unhurried(build_dir, settings=None, **kwargs):
    """``site.in_process`` with the build's settings, ``settings`` over them, and ``UNHURRIED``'s
    time limits unless ``settings`` sets its own."""
    base = built_settings(build_dir) if (Path(build_dir) / "settings.json").exists() else {}
    return site_module.in_process(build_dir, settings={**base, **UNHURRIED, **(settings or {})}, **kwargs)


# The site ------------------------------------------------------------------------------------


class Site:
    """The site as served, driven through Datasette's own client on one event loop."""

    def __init__(self, datasette):
        self.datasette = datasette
        self.loop = asyncio.new_event_loop()

    def get(self, path, **kwargs):
        return self.loop.run_until_complete(self.datasette.client.get(path, **kwargs))

    def get_following(self, path, locations=None, hops=3):
        """The answer to ``path`` after following at most ``hops`` redirects, as a browser would;
        each Location followed is appended to ``locations`` when a list is given."""
        answer = self.get(path)
        for _ in range(hops):
            if answer.status_code not in (301, 302, 303, 307, 308):
                break
            if locations is not None:
                locations.append(answer.headers["location"])
            answer = self.get(answer.headers["location"])
        return answer


@pytest.fixture(scope="session")
def site(real_build):
    return Site(unhurried(real_build))


@pytest.fixture(scope="session")
def served_limits(real_build):
    """The site with the time limits it is served with (build/settings.json), for the tests of
    those limits, which send work no time limit can let through."""
    return Site(site_module.in_process(real_build))


# The figure a correction refiles in the unreleased version: the fixture's removed band, named in
# the removal's reason (as Cloudflare's 2013 accounts were refiled after 0.1.0).
REFILED = "examplechat-usa-2024h1-all-requests_received"
REFILED_FROM = "examplechat-world-2024h1-all-requests_received"
REFILE = [
    {
        "file": "data/figures.csv",
        "append": f"{REFILED},examplechat,USA,2024-01-01,2024-06-30,all,requests_received,band,,0,499,Requests,"
        "example-2025-01-10-report,,National security 0 - 499,",
    },
    {
        "file": "data/corrections.csv",
        "old": "it was filed under the wrong request type.",
        "new": f"it is the United States' band, filed under Worldwide; refiled as {REFILED}.",
    },
]


@pytest.fixture(scope="session")
def unreleased(tmp_path_factory):
    """The state between a data change and its `make release`: the small package released at
    1.0.0 (2025-01-15), then its next version (tests/fixtures/release_next, plus a refiled figure)
    built as 1.1.0 against that releases/ folder and served with 1.0.0's dist/ mounted. Built
    here, not read from the repository, whose own state turns released at its next release."""
    from types import SimpleNamespace

    from disclosures import release
    from tests.test_release import built

    root = tmp_path_factory.mktemp("unreleased")
    releases, dist = root / "releases", root / "dist"
    release.make_release(built(root / "a", "1.0.0", releases=releases), dist, releases, "2025-01-15")
    folder = built(root / "b", "1.1.0", "release_next", REFILE, releases=releases)
    return SimpleNamespace(build=folder, db=folder / DATABASE_FILE, dist=dist, site=Site(unhurried(folder, dist=dist)))


def counted_site(build_dir) -> Site:
    """The site, with every query of the disclosures database counted in ``site.queries``: every
    query, Datasette's and the plugins', runs through the database's execute_fn (one thread hop
    each), and appends its SQL (or function) there."""
    site = Site(unhurried(build_dir))
    db = site.datasette.get_database("disclosures")
    seen = []
    execute, execute_fn = db.execute, db.execute_fn

    async def counting(sql, *args, **kwargs):
        seen.append(sql)
        return await execute(sql, *args, **kwargs)

    async def counting_fn(fn, *args, **kwargs):
        seen.append(fn)
        return await execute_fn(fn, *args, **kwargs)

    db.execute, db.execute_fn = counting, counting_fn
    site.queries = seen
    return site


def free_port() -> int:
    """A free port on 127.0.0.1: any the kernel gives, or the first free one of
    ``DISCLOSURES_TEST_PORTS`` (``8121-8139``) when it is set, so that on a machine people share
    the tests' servers stay on the ports one was given. Fails when none of those is free."""
    wanted = os.environ.get("DISCLOSURES_TEST_PORTS", "").strip()
    if not wanted:
        candidates = [0]
    else:
        low, _, high = wanted.partition("-")
        if not (low.isdigit() and (high or low).isdigit()):
            pytest.fail(f"DISCLOSURES_TEST_PORTS={wanted}: expected a port or a range, 8121-8139")
        candidates = list(range(int(low), int(high or low) + 1))
    for candidate in candidates:
        with socket.socket() as s:
            try:
                s.bind(("127.0.0.1", candidate))
            except OSError:
                continue
            return s.getsockname()[1]
    pytest.fail(f"no free port in DISCLOSURES_TEST_PORTS={wanted}")


def serve_live(build_dir, log_dir, dist=site_module.DIST):
    """The stock `datasette serve` from .venv-site over ``build_dir`` (with ``dist`` mounted at
    /downloads when it exists), as `make serve` runs it but with ``UNHURRIED``'s time limits (the
    browser's pages are checked for what they show). Yields its base URL; stopped afterwards."""
    if not site_module.DATASETTE.exists():
        pytest.fail(f"{site_module.DATASETTE} is missing: run make test (it creates .venv-site)")
    port = free_port()
    # Every setting on the command line: Datasette 0.65 ignores the folder's settings.json once
    # one --setting is given (max_returned_rows fell back to 1000).
    settings = {**built_settings(build_dir), **UNHURRIED}
    limits = [
        argument
        for name, value in settings.items()
        for argument in ("--setting", name, json.dumps(value) if isinstance(value, bool) else str(value))
    ]
    command = [
        str(site_module.DATASETTE),
        "serve",
        *site_module.datasette_arguments(build_dir, dist),
        *limits,
        "--port",
        str(port),
    ]
    # The server's log goes to a file: a pipe nobody reads fills up after some hundreds of
    # requests, and uvicorn then blocks for good writing its access log.
    log_path = Path(log_dir) / "server.log"
    log = log_path.open("wb")
    process = subprocess.Popen(
        command, stdout=log, stderr=subprocess.STDOUT, env={**os.environ, "PYTHONUNBUFFERED": "1"}
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while True:
        try:
            urllib.request.urlopen(base + "/-/versions.json", timeout=1)
            break
        except OSError:
            if process.poll() is not None or time.monotonic() > deadline:
                process.kill()
                log.close()
                raise RuntimeError("the server did not start: " + log_path.read_text(errors="replace")) from None
            time.sleep(0.2)
    yield base
    process.terminate()
    process.wait(timeout=10)
    log.close()


@pytest.fixture(scope="session")
def live_server(real_build, tmp_path_factory):
    """The repository's build, served by the stock `datasette serve` (``serve_live``)."""
    yield from serve_live(real_build, tmp_path_factory.mktemp("live-server"))


@pytest.fixture(scope="session")
def unreleased_live_server(unreleased, tmp_path_factory):
    """``unreleased``'s build (a version after the last release), served by the stock `datasette
    serve`: what a reader sees between a data change and its release, whatever the repository's
    own state."""
    yield from serve_live(unreleased.build, tmp_path_factory.mktemp("unreleased-live-server"), unreleased.dist)


# Debian's Chromium, driven by Playwright, for the browser layer (tests marked `browser`).
CHROMIUM = Path("/usr/bin/chromium")
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
    "--disable-quic",
]


@pytest.fixture(scope="module")
def browser():
    if not CHROMIUM.exists():
        if os.environ.get("CI"):
            pytest.fail(f"{CHROMIUM} is missing in CI: .ci/run must install Debian's chromium")
        pytest.skip(f"browser tests need Debian's chromium at {CHROMIUM} (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=ARGS, headless=True)
        yield browser
        browser.close()


@pytest.fixture
def page(browser, live_server):
    context = browser.new_context(base_url=live_server, accept_downloads=True)
    # No network here: any request that leaves the site is answered by a stub page.
    context.route(
        re.compile(r"^(?!" + re.escape(live_server) + r").*"),
        lambda route: route.fulfill(status=200, content_type="text/html", body="<title>external stub</title>"),
    )
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    yield page
    context.close()
    assert errors == [], errors
