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
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import httpx
import pytest
from click.testing import CliRunner

from disclosures import build as builder
from disclosures import paths, prod, release
from disclosures.prod import Topology
from tests.conftest import assert_error_shape, cli_module, free_port, plugin, rows
from tests.packages import make_package

pytestmark = pytest.mark.proxy

FIGURE_PAGE = "/figure/telegram-usa-2024-ip_or_phone-requests_fulfilled"
BYPASS = {"X-Cache-Bypass": "1"}


def readable_from_any_origin(headers) -> None:
    """Assert an answer of nginx's own is readable by a script on another origin, Retry-After
    included: without Access-Control-Allow-Origin a browser shows it as a network error."""
    assert headers.get_list("access-control-allow-origin") == ["*"]
    assert "Retry-After" in headers["access-control-expose-headers"].split(", ")


# The Content-Type of the site's JSON answers, its errors included (plugins/_responses.py): every
# error nginx writes itself carries it too (it said application/json, without the charset).
APP_JSON = plugin("_responses").JSON.decode()


def nginx_error_shape(response: httpx.Response, status: int) -> str:
    """Assert an error nginx writes itself is the site's: the API's error shape (exactly ok, status
    and error; nginx's carried a "title" too) with the site's Content-Type. Returns its message."""
    assert response.headers["content-type"] == APP_JSON, (status, response.headers["content-type"])
    return assert_error_shape(response, status)


def answer_on(connection: socket.socket, request: bytes) -> httpx.Response:
    """nginx's answer to ``request``, sent byte for byte on ``connection`` (httpx and http.client
    would correct a malformed request before sending it, and choose the connection themselves),
    read by http.client."""
    connection.sendall(request)
    answer = http.client.HTTPResponse(connection)
    answer.begin()
    body = answer.read()
    return httpx.Response(answer.status, headers=answer.getheaders(), content=body)


def raw_answer(topology: Topology, request: bytes) -> httpx.Response:
    """nginx's answer to ``request`` on a connection of its own (see answer_on)."""
    with socket.create_connection((topology.host, topology.port), timeout=10) as connection:
        return answer_on(connection, request)


def client(topology: Topology, address: str) -> httpx.Client:
    """A client whose requests come from ``address`` (any 127.x.y.z is loopback on Linux)."""
    return httpx.Client(base_url=topology.base_url, transport=httpx.HTTPTransport(local_address=address), timeout=30)


# The release the topology serves: make_release releases the package's own version.
VERSION = json.loads(paths.PACKAGE.read_text(encoding="utf-8"))["version"]


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
            + [pid for name in topology.worker_names() for pid in prod.worker_pids(topology, name)]
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
    # What a later `prod switch`, `status` or `stop` of this run directory uses.
    assert prod.recorded_topology(topology.run) == topology
    # Each worker socket: a gunicorn master under supervisord, and the one worker it forked.
    for name in topology.worker_names():
        assert len(prod.worker_pids(topology, name)) == 1, name


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


def test_pages_keep_their_own_cache_headers(web):
    # A page that sets its own keeps it: Datasette's default_cache_ttl for tables, and the same
    # for the site's own pages and the public status pages (plugins/data_headers.py).
    status = web.get("/-/versions")
    assert status.status_code == 200
    assert status.headers["cache-control"] == "max-age=3600"
    assert web.get("/disclosures/platforms").headers["cache-control"] == "max-age=3600"
    assert web.get("/").headers["cache-control"] == "max-age=3600"


# A worker's errors, one of each maker: Datasette's HTML 404 page, the API's 404 and 400, a removed
# figure's 410 (a page), a page's 412 (past the cache, $page_cache), and a query's 400 from the SQL
# workers. nginx hid each one's Cache-Control (proxy_hide_header) and added its own to 2xx and 3xx
# only: every one went out with none, and a browser could keep a 404 or a 410 by its heuristics.
WORKER_ERRORS = [
    ("/nope", {}, 404),
    ("/nope.json", {}, 404),
    ("/disclosures/figures.json?_sort=nope", {}, 400),
    ("/figure/cloudflare-world-2013-all-accounts_specified", {}, 410),
    ("/disclosures/platforms.json", {"If-Match": '"nope"'}, 412),
    ("/disclosures.json?sql=select+nope", {}, 400),
]


@pytest.mark.parametrize(("path", "headers", "status"), WORKER_ERRORS)
def test_a_workers_error_says_no_store_as_without_nginx_and_is_never_cached(web, path, headers, status):
    for _ in range(2):
        response = web.get(path, headers=headers)
        assert response.status_code == status, response.text[:200]
        assert response.headers.get_list("cache-control") == ["no-store"]
        # nginx kept a 404 a minute in its cache (proxy_cache_valid 404 1m); it stores no error now.
        assert response.headers.get("x-cache") != "HIT"
        assert response.headers["x-release"]


# What the site says about itself, public behind nginx as without it.
PUBLIC_STATUS_PAGES = ["versions", "plugins", "settings", "metadata"]


def test_datasettes_debugging_and_sign_in_pages_are_closed_as_without_nginx(web):
    # /-/actor, /-/allow-debug, /-/messages and /-/patterns answered 200 (and nginx cached them
    # with its public max-age); each is the workers' 404 now, from plugins/guards.py.
    for name in plugin("guards").CLOSED_PAGES:
        closed = web.get(f"/-/{name}.json")
        assert assert_error_shape(closed, 404).startswith(f"Not found: /-/{name}.json is one of Datasette's"), name
        assert closed.headers["cache-control"] == "no-store"
        page = web.get(f"/-/{name}")
        assert page.status_code == 404 and page.headers["content-type"].startswith("text/html"), name
    for name in PUBLIC_STATUS_PAGES:
        page, data = web.get(f"/-/{name}"), web.get(f"/-/{name}.json")
        assert page.status_code == data.status_code == 200, name
        # The page has the data's, as its JSON and the site's other pages.
        assert page.headers["cache-control"] == "max-age=3600", name
        assert data.headers["cache-control"] == "max-age=3600", name


def test_the_health_check_is_never_cached_and_says_when_the_pages_workers_are_down(web, topology):
    # nginx ignored Cache-Control (to cache pages without one) and so kept the health check's
    # no-store 200 for its whole cache time: with every pages worker down it still said "ok".
    for _ in range(2):
        health = web.get("/-/health.json")
        assert health.status_code == 200 and health.json()["ok"] is True
        assert health.headers["x-cache"] != "HIT"
        assert health.headers["cache-control"] == "no-store"
    prod.supervisorctl(topology, "stop", "pages:*")
    try:
        down = web.get("/-/health.json")
        assert down.status_code == 503, down.text
        assert down.json() == {
            "ok": False,
            "status": 503,
            "problems": ["no worker answered: the workers are stopped, restarting or busy"],
        }
        assert down.headers["cache-control"] == "no-store" and down.headers["retry-after"] == "1"
        readable_from_any_origin(down.headers)
        assert down.headers.get("x-cache") != "HIT"
        # Any other address is nginx's 503 in the API's error shape, typed as the site types it
        # (a .csv address was typed text/csv: nginx typed its JSON by the address's extension).
        busy = web.get("/disclosures/platforms.csv", headers=BYPASS)
        assert "retry" in nginx_error_shape(busy, 503)
        assert busy.headers["retry-after"] == "1" and busy.headers["cache-control"] == "no-store"
        readable_from_any_origin(busy.headers)
    finally:
        prod.supervisorctl(topology, "start", "pages:*")
        for path in topology.sockets("pages"):
            deadline = time.monotonic() + 30
            while not prod.worker_answers(path) and time.monotonic() < deadline:
                time.sleep(0.1)
    assert web.get("/-/health.json").status_code == 200


def test_pages_are_compressed(web):
    response = web.get("/disclosures/figures.json?_size=50", headers={"Accept-Encoding": "gzip"})
    assert response.headers["content-encoding"] == "gzip"
    assert response.json()["rows"]


def test_downloads_answer_a_cors_preflight_and_name_their_charset(web):
    csv_url = f"/downloads/{VERSION}/csv/figures.csv"
    preflight = web.request(
        "OPTIONS", csv_url, headers={"Origin": "https://example.org", "Access-Control-Request-Method": "GET"}
    )
    assert preflight.status_code == 204
    assert preflight.headers["access-control-allow-origin"] == "*"
    assert "If-None-Match" in preflight.headers["access-control-allow-headers"]
    got = web.get(csv_url, headers={"Range": "bytes=0-15"})
    # The header parameter too, as the site serves a release CSV (plugins/downloads.py).
    assert got.headers["content-type"] == "text/csv; charset=utf-8; header=present"
    assert "ETag" in got.headers["access-control-expose-headers"]
    # The site behind it answers the same preflight (plugins/errors.py).
    assert web.request("OPTIONS", "/country/USA.json").status_code == 204


def test_a_hidden_name_under_the_downloads_is_never_served(web, topology):
    # What a release is writing (dist/.<version>.<pid>.tmp) is not a download, even once staged.
    staged = topology.releases / prod.current_release(topology) / "dist" / VERSION
    hidden = staged / ".partial.csv"
    hidden.write_text("x\n", encoding="utf-8")
    hidden.chmod(0o644)
    try:
        assert web.get(f"/downloads/{VERSION}/.partial.csv").status_code == 404
        assert web.get(f"/downloads/{VERSION}/SHA256SUMS").status_code == 200
    finally:
        hidden.unlink()


def test_a_release_folder_leads_to_the_list_of_its_files_as_the_site_answers_it(web):
    # nginx answered a file's address cut back to its folder with a 403.
    for path in (f"/downloads/{VERSION}/", f"/downloads/{VERSION}", f"/downloads/{VERSION}/csv/"):
        response = web.get(path)
        assert response.status_code == 302, path
        assert response.headers["location"] == f"/downloads#release-{VERSION}", path
        assert response.headers["access-control-allow-origin"] == "*"
        # A 302 so that no browser keeps it: nginx gave it the files' own
        # "Cache-Control: public, max-age=3600", which let one keep it an hour.
        assert "max-age" not in response.headers.get("cache-control", ""), path
        # A preflight of a folder is answered as one of a file is (it was the 302).
        assert web.options(path).status_code == 204, path
    assert web.get(f"/downloads/{VERSION}/nope/").status_code == 404


def test_a_download_address_no_file_has_is_the_sites_404(web):
    # nginx merged the slashes of //, and served the file at an address the site answers 404;
    # its JSON 404 of a missing .csv was typed text/csv.
    # A slash after a file's name reaches the workers, whose 404 names the release's files.
    after_file = web.get(f"/downloads/{VERSION}/csv/figures.csv/")
    assert "; did you mean csv/figures.csv? " in nginx_error_shape(after_file, 404)
    readable_from_any_origin(after_file.headers)
    # A file nginx does not find is the workers' 404, as the site answers it without nginx: it
    # names the release's files (it was Datasette's bare "File not found").
    missing = web.get(f"/downloads/{VERSION}/csv/figure.csv")
    said = nginx_error_shape(missing, 404)
    assert said.startswith(
        f"/downloads/{VERSION}/csv/figure.csv: release {VERSION} has no file csv/figure.csv; did you mean csv/figures.csv? Its "
    )
    # The release this test makes is held on disk, not recorded in the build it serves: no anchor
    # on /downloads lists it (af4c7c7).
    assert ", csv/metrics.csv, " in said and said.endswith(
        f"; /downloads lists the releases the site records, and {VERSION} is not one of them"
    )
    readable_from_any_origin(missing.headers)
    # A browser is given the site's error page with the same message, not nginx's.
    browser = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
    page = web.get(f"/downloads/{VERSION}/csv/figure.csv", headers={"Accept": browser})
    assert page.status_code == 404 and page.headers["content-type"] == "text/html; charset=utf-8"
    assert "did you mean csv/figures.csv?" in page.text and "<title>Not found</title>" in page.text
    # nginx's gzip adds Accept-Encoding.
    assert "Accept" in page.headers["vary"].split(", ") and "max-age" not in page.headers.get("cache-control", "")
    real = web.get(f"/downloads/{VERSION}/csv/figures.csv", headers={"Accept": browser, "Range": "bytes=0-9"})
    assert real.status_code == 206 and real.headers["etag"]
    assert web.get(f"/downloads/{VERSION}/csv/figures.csv").status_code == 200


@pytest.mark.parametrize(
    ("path", "says"),
    [
        (
            f"/downloads/{VERSION}//csv/figures.csv",
            f"release {VERSION} has no file /csv/figures.csv; did you mean csv/figures.csv? ",
        ),
        (
            f"/downloads/{VERSION}/%2Fcsv/figures.csv",
            f"release {VERSION} has no file /csv/figures.csv; did you mean csv/figures.csv? ",
        ),
        (
            f"/downloads/{VERSION}/csv%2F%2Ffigures.csv",
            f"release {VERSION} has no file csv//figures.csv; did you mean csv/figures.csv? ",
        ),
        (f"/downloads//{VERSION}/", "no release file's address has an empty part (two slashes together)"),
        ("/downloads//x.csv", "no release file's address has an empty part (two slashes together)"),
        ("/downloads/%2Fx.csv", "no release file's address has an empty part (two slashes together)"),
    ],
)
def test_a_download_address_with_an_empty_part_is_the_workers_404_not_nginxs(topology, path, says):
    # nginx refused these itself, with its bare "Not found", where the site names the release's
    # files or says that no address has an empty part (plugins/downloads.py): it hands them to the
    # workers, as it does a file it does not find. Sent byte for byte, as a client wrote it.
    response = raw_answer(topology, request(path))
    said = nginx_error_shape(response, 404)
    # The address as the client wrote it, its escapes decoded (plugins/downloads.py, path_as_sent).
    assert said.startswith(path.replace("%2F", "/") + ": ") and says in said, said
    readable_from_any_origin(response.headers)
    assert "max-age" not in response.headers.get("cache-control", "") and "content-disposition" not in response.headers
    # A browser gets the site's error page with the same message.
    page = raw_answer(topology, request(path, "Accept: text/html"))
    assert page.status_code == 404 and page.headers["content-type"] == "text/html; charset=utf-8"
    assert "<title>Not found</title>" in page.text


def test_a_download_address_with_a_slash_written_as_its_escape_is_the_workers_404(topology):
    # nginx decoded %2F and served the file, where the site says the address names none and where
    # the file is (plugins/downloads.py): it hands them to the workers, as an empty part.
    path = f"/downloads/{VERSION}/csv%2Ffigures.csv"
    response = raw_answer(topology, request(path))
    assert nginx_error_shape(response, 404) == (
        f"{path}: a slash written %2F is part of a name, not a folder's end, so no release file is at this "
        f"address; the file is at /downloads/{VERSION}/csv/figures.csv"
    )
    readable_from_any_origin(response.headers)
    assert "content-disposition" not in response.headers
    assert raw_answer(topology, request(f"/downloads/{VERSION}/csv/figures.csv")).status_code == 200


def test_downloads_of_a_release_not_held_or_never_made_are_the_sites_404_not_nginxs(web, real_db):
    # nginx serves /downloads itself, so a file of a recorded release this server does not hold was
    # its bare "Not found", where the site says the release is recorded and where what it keeps of
    # it is (plugins/downloads.py); so was an address under a version no release ever had.
    ((version, file),) = rows(real_db, "SELECT version, path FROM release_files WHERE version != ? LIMIT 1", VERSION)
    path = f"/downloads/{version}/{file}"
    response = web.get(path)
    message = nginx_error_shape(response, 404)
    assert message.startswith(f"{path}: release {version} is recorded, but this server does not hold its files")
    readable_from_any_origin(response.headers)
    # Not the release files' Cache-Control, which would let a browser keep the 404 an hour.
    assert "max-age" not in response.headers.get("cache-control", "")
    for path in ("/downloads/9.9.9/", "/downloads/9.9.9/csv/figures.csv"):
        said = nginx_error_shape(web.get(path), 404)
        assert said.startswith(f"{path}: no release 9.9.9 exists, so nothing is at this address. The releases are ")
        assert f"this server holds the files of {VERSION}; /downloads lists each release and its files" in said
    # A HEAD is answered the same, without a body.
    head = web.head(f"/downloads/{version}/{file}")
    assert head.status_code == 404 and head.content == b""


def test_downloads_have_ranges_etags_and_gzip(web):
    database = web.get(f"/downloads/{VERSION}/disclosures.db", headers={"Range": "bytes=0-15"})
    assert database.status_code == 206
    assert database.content == b"SQLite format 3\x00"
    assert database.headers["content-range"].startswith("bytes 0-15/")
    etag = database.headers["etag"]
    assert web.get(f"/downloads/{VERSION}/disclosures.db", headers={"If-None-Match": etag}).status_code == 304

    csv_url = f"/downloads/{VERSION}/csv/figures.csv"
    whole = web.get(csv_url, headers={"Accept-Encoding": "identity"})
    gzipped = web.get(csv_url, headers={"Accept-Encoding": "gzip"})
    assert gzipped.headers["content-encoding"] == "gzip" and gzipped.content == whole.content
    # A range of a text file is a range of its own bytes, even for a client that accepts gzip.
    part = web.get(csv_url, headers={"Accept-Encoding": "gzip", "Range": "bytes=10-99"})
    assert part.status_code == 206 and "content-encoding" not in part.headers
    assert part.content == whole.content[10:100]


def test_what_nginx_refuses_under_the_downloads_has_the_json_error_shape(web):
    # nginx's static files answered a POST and a range past a file's end with its HTML pages (the
    # 405 without an Allow header), where the site answers the API's error shape.
    csv_url = f"/downloads/{VERSION}/csv/metrics.csv"
    size = len(web.get(csv_url, headers={"Accept-Encoding": "identity"}).content)

    posted = web.post(csv_url, content=b"x")
    assert nginx_error_shape(posted, 405) == "This site is read-only: use GET"
    assert posted.headers["allow"] == "GET, HEAD, OPTIONS"
    readable_from_any_origin(posted.headers)

    past = web.get(csv_url, headers={"Range": f"bytes={size + 10}-"})
    assert f"bytes */{size}" in nginx_error_shape(past, 416)
    assert past.headers["content-range"] == f"bytes */{size}"
    readable_from_any_origin(past.headers)
    # It carries the file's own Cache-Control too (nginx added it before it read the range): a
    # cache must still never keep the refusal in the file's place.
    assert "no-store" in past.headers.get_list("cache-control")
    # A range inside the file is still its bytes.
    assert web.get(csv_url, headers={"Range": f"bytes={size - 1}-"}).status_code == 206


def test_a_release_file_nginx_cannot_read_is_the_servers_500_not_a_403(web, topology):
    # nginx answered its HTML 403 Forbidden, as if the client had asked for what it may not see:
    # the file is the server's, and so is the fault.
    staged = topology.releases / prod.current_release(topology) / "dist" / VERSION
    unreadable = staged / "unreadable.csv"
    unreadable.write_text("a\n1\n", encoding="utf-8")
    unreadable.chmod(0)
    try:
        response = web.get(f"/downloads/{VERSION}/unreadable.csv")
    finally:
        unreadable.unlink()
    assert "could not read this file" in nginx_error_shape(response, 500)
    readable_from_any_origin(response.headers)


def test_every_release_file_has_the_media_type_the_site_serves_it_with(web, topology):
    # nginx served CHANGELOG.md, CITATION.cff, CITATION.bib, duckdb.sql and SHA256SUMS as
    # application/octet-stream (a browser saved them instead of showing them, "inline" as they
    # are), and feed.atom without its charset; the site types each (plugins/downloads.py).
    downloads = plugin("downloads")
    staged = topology.releases / prod.current_release(topology) / "dist" / VERSION
    lines = (staged / "SHA256SUMS").read_text(encoding="utf-8").splitlines()
    for path in [line.split(None, 1)[1].lstrip("*") for line in lines] + ["SHA256SUMS"]:
        # SHA256SUMS, without an extension, is text/plain on the site (Python's mimetypes).
        expected = downloads.MEDIA_TYPES.get(Path(path).suffix.lower(), b"text/plain").decode()
        response = web.head(f"/downloads/{VERSION}/{path}")
        assert response.status_code == 200, path
        assert response.headers["content-type"] == expected, path
    # Text is still compressed for a client that accepts it.
    changelog = web.get(f"/downloads/{VERSION}/feed.atom", headers={"Accept-Encoding": "gzip"})
    assert changelog.headers["content-encoding"] == "gzip"
    assert changelog.text.startswith("<?xml")


def test_the_served_database_has_a_length_ranges_and_revalidation(web, topology):
    # /disclosures.db came from a worker chunked, without Content-Length or Range: a download of
    # 100 MB showed no progress and could not resume (curl -C - started over).
    staged = topology.releases / prod.current_release(topology) / "build" / "disclosures.db"
    size = staged.stat().st_size
    head = web.head("/disclosures.db")
    assert head.status_code == 200
    assert int(head.headers["content-length"]) == size
    assert head.headers["accept-ranges"] == "bytes"
    assert head.headers["content-type"] == "application/vnd.sqlite3"
    assert head.headers["content-disposition"] == 'attachment; filename="disclosures.db"'
    assert head.headers["x-release"] == prod.current_release(topology)
    tail = web.get("/disclosures.db", headers={"Range": f"bytes={size - 100}-"})
    assert tail.status_code == 206
    assert tail.headers["content-range"] == f"bytes {size - 100}-{size - 1}/{size}"
    with staged.open("rb") as database:
        database.seek(size - 100)
        assert tail.content == database.read()
    assert web.get("/disclosures.db", headers={"Range": "bytes=0-15"}).content == b"SQLite format 3\x00"
    assert web.get("/disclosures.db", headers={"If-None-Match": head.headers["etag"]}).status_code == 304


def test_a_saved_release_file_has_the_name_the_site_gives_it(web, topology):
    # nginx serves /downloads from the disk and sent no Content-Disposition: a browser saved
    # csv/figures.csv as figures.csv. Each release file is named as the site names it
    # (plugins/downloads.py), partial answers included.
    downloads = plugin("downloads")
    staged = topology.releases / prod.current_release(topology) / "dist" / VERSION
    package = json.loads((staged / "datapackage.json").read_text(encoding="utf-8"))["name"]
    lines = (staged / "SHA256SUMS").read_text(encoding="utf-8").splitlines()
    for path in [line.split(None, 1)[1].lstrip("*") for line in lines] + ["SHA256SUMS"]:
        response = web.head(f"/downloads/{VERSION}/{path}")
        assert response.status_code == 200, path
        expected = downloads.content_disposition(package, VERSION, path).decode("ascii")
        assert response.headers.get("content-disposition") == expected, path
    ranged = web.get(f"/downloads/{VERSION}/csv/figures.csv", headers={"Range": "bytes=0-9"})
    assert ranged.status_code == 206
    assert ranged.headers["content-disposition"] == f'attachment; filename="{package}-{VERSION}-figures.csv"'
    assert "content-disposition" not in web.get(f"/downloads/{VERSION}/csv/nope.csv").headers


def assert_answered_as_the_site(topology, site, path: str) -> None:
    """Assert nginx answers ``path`` (sent byte for byte) with the site's own 404, as the site
    answers it without nginx: its page, or the API's error shape for .json and .csv; never a
    redirect, never cached."""
    answer = raw_answer(topology, request(path))
    alone = site.get(path, follow_redirects=False)
    assert answer.status_code == alone.status_code == 404, (path, answer.status_code, alone.status_code)
    assert "location" not in answer.headers
    assert answer.headers["content-type"] == alone.headers["content-type"], path
    assert answer.headers["cache-control"] == "no-store", path
    assert answer.headers["x-release"], path
    if alone.headers["content-type"].startswith("text/html"):
        # The site's page: its title, and its navigation to the figures.
        assert "<title>Not found</title>" in answer.text and 'class="site-name"' in answer.text, path
        assert answer.text == alone.text, path
    else:
        assert answer.content == alone.content, path


@pytest.mark.parametrize(
    "path",
    [
        "/\\evil.example/",
        "/%5Cevil.example/",
        "/%5cevil.example/",
        "/\\\\evil.example/",
        "/\\evil.example/figures.json",
        "/%5Cevil.example/figures.csv",
        "/\\disclosures/figures?platform_id=telegram",
    ],
)
def test_the_backslash_open_redirect_is_blocked_with_the_sites_404(topology, site, path):
    """/\\host was nginx's own 404, "Not found" in JSON, to a browser too: it refused the path
    before any worker saw it. Datasette alone redirected /\\host/ to /\\host, which browsers read
    as //host; the workers refuse it before Datasette reads it (plugins/canonical.py), so it is the
    site's own 404 now, as //host is: never a redirect to another host."""
    assert_answered_as_the_site(topology, site, path)


@pytest.mark.parametrize(
    "path",
    [
        "//disclosures/figures",
        "//disclosures/figures.json",
        "///disclosures/figures?platform_id=telegram",
        "/%2Fdisclosures/figures",
        "//evil.example/",
        "//disclosures.db",
        f"//downloads/{VERSION}/csv/figures.csv",
    ],
)
def test_a_path_with_a_second_slash_is_answered_as_the_site_answers_it(topology, site, path):
    """//disclosures/figures was nginx's own 404, "Not found" in JSON, to a browser too: its guard
    against //host refused it before any worker saw it. It is the site's own 404 now, its page (or
    the API's error shape for .json), as without nginx; never a redirect, and never a file nginx
    serves from disk at the address with its slashes merged."""
    assert_answered_as_the_site(topology, site, path)


def request(path: str, *headers: str, method: str = "GET", close: bool = True) -> bytes:
    """A request of ``path`` with ``headers`` as written, on a connection that closes after it
    unless ``close`` is false (HTTP/1.1 keeps it open by default)."""
    lines = [f"{method} {path} HTTP/1.1", "Host: localhost", *headers, *(["Connection: close"] if close else [])]
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")


@pytest.mark.parametrize(
    "sent,status,says",
    [
        pytest.param(request("/disclosures/figures%00.json"), 400, "NUL byte", id="nul-in-path"),
        pytest.param(request("/country/US%00A"), 400, "NUL byte", id="nul-in-page-path"),
        pytest.param(
            request("/disclosures/figures.json", "Bad Header: x"), 400, "could not be read", id="malformed-header"
        ),
        pytest.param(request("/disclosures?x=" + "y" * 50_000), 414, "too long", id="long-address"),
        # nginx's 494, sent as a 400 that error_page 400 did not see: its HTML page.
        pytest.param(
            request("/disclosures/figures.json", "X-Big: " + "y" * 50_000),
            400,
            "headers are too large",
            id="large-headers",
        ),
        # Refused by its Content-Length before a byte of the body is read (none is sent).
        pytest.param(
            request("/disclosures/figures.json", "Content-Length: 2000000", method="POST"),
            413,
            "too large",
            id="large-body",
        ),
        pytest.param(
            request("/disclosures/figures.csv", "Transfer-Encoding: gzip", method="POST"),
            501,
            "Transfer-Encoding",
            id="unknown-transfer-encoding",
        ),
        # A dot-segment that climbs above the root nginx refuses while it reads the request line: it
        # said only that the request line could not be read, and named a NUL byte.
        pytest.param(
            request("/a/%2E%2E/%2E%2E/figures.csv"), 400, "climbs above the root of the site", id="dot-dot-above-root"
        ),
        pytest.param(request(f"/downloads/{VERSION}/.staging/figures.csv"), 404, "Not found", id="hidden-download"),
        pytest.param(
            request(f"/downloads/{VERSION}/csv/metrics.csv", "Content-Length: 0", method="POST"),
            405,
            "read-only",
            id="post-to-download",
        ),
        pytest.param(
            request("/disclosures.db", "Range: bytes=999999999999-"), 416, "Range not satisfiable", id="range-past-end"
        ),
        # An If-Match naming no tag of a file nginx serves from disk, compared by nginx itself: its
        # HTML 412. A page's is its worker's (test_a_failed_condition_keeps_the_connection_usable).
        pytest.param(request("/disclosures.db", 'If-Match: "other"'), 412, "If-Match names no ETag", id="if-match-db"),
        pytest.param(
            request(f"/downloads/{VERSION}/csv/metrics.csv", 'If-Match: "other"', "Range: bytes=0-3"),
            412,
            "If-Match names no ETag",
            id="if-match-release-file",
        ),
        # nginx judges If-Unmodified-Since too: that 412 said If-Match named no ETag.
        pytest.param(
            request("/disclosures.db", "If-Unmodified-Since: Mon, 01 Jan 2001 00:00:00 GMT"),
            412,
            "If-Unmodified-Since is earlier than this file's Last-Modified",
            id="if-unmodified-since-db",
        ),
        # An error while nginx answers another: it reads the body to discard it after its 405.
        pytest.param(
            request(f"/downloads/{VERSION}/csv/metrics.csv", "Transfer-Encoding: chunked", method="POST")
            + b"zz\r\n\r\n",
            400,
            "could not be read",
            id="bad-chunked-body-after-405",
        ),
    ],
)
def test_what_nginx_refuses_itself_has_the_sites_json_error_shape(topology, sent, status, says):
    # nginx answered these with its own HTML page, before any worker saw them; then with JSON of
    # its own, which carried a "title" the site's errors have not, typed without the charset the
    # site's JSON names.
    response = raw_answer(topology, sent)
    assert says in nginx_error_shape(response, status)
    if status != 416:  # a range's refusal carries the file's own CORS headers (Retry-After not among them)
        readable_from_any_origin(response.headers)


def test_a_files_412_for_if_match_and_if_unmodified_since_together_does_not_blame_a_matching_if_match(topology):
    # nginx judges If-Unmodified-Since before If-Match and even beside it: an If-Match naming the
    # file's own ETag, sent with an old If-Unmodified-Since, was told "If-Match names no ETag".
    first = "Range: bytes=0-0"  # the file's first byte: its ETag, without its megabytes
    etag = raw_answer(topology, request("/disclosures.db", first)).headers["etag"]
    old = "If-Unmodified-Since: Mon, 01 Jan 2001 00:00:00 GMT"
    refused = raw_answer(topology, request("/disclosures.db", f"If-Match: {etag}", old))
    says = nginx_error_shape(refused, 412)
    assert says.startswith("If-Match names no ETag this file has, or If-Unmodified-Since is earlier"), says
    assert raw_answer(topology, request("/disclosures.db", f"If-Match: {etag}", first)).status_code == 206


@pytest.mark.parametrize("version", ["9.9", "2.0"])
def test_a_request_line_in_a_version_nginx_does_not_speak_is_a_400_in_the_json_error_shape(topology, version):
    # nginx answered its own HTML page with 505, a server error's status, for the client's mistake.
    sent = f"GET /disclosures/figures.json HTTP/{version}\r\nHost: x\r\n\r\n".encode()
    assert "version of HTTP" in nginx_error_shape(raw_answer(topology, sent), 400)


def test_a_workers_own_400_passes_through_nginx(web):
    # error_page 400 is for nginx's refusals: the site's explanation of a bad parameter stays.
    response = web.get("/disclosures/figures.json?_size=nope")
    assert "_size" in assert_error_shape(response, 400)
    # The type nginx's own errors are held to is the one the site's errors carry.
    assert response.headers["content-type"] == APP_JSON


def test_a_page_is_revalidated_with_a_304_through_nginx(web, topology):
    # The workers' ETags (plugins/etags.py) pass through nginx, and If-None-Match is a 304 without
    # a body, whether the page was in nginx's cache or not.
    # A table's JSON no test asked for before (a miss, then a hit) and one of the site's own.
    size = time.time_ns() % 900 + 50
    for url in (f"/disclosures/figures.json?platform_id=telegram&_size={size}", "/platform/telegram.json"):
        full = web.get(url)
        assert full.status_code == 200, url
        etag = full.headers["etag"]
        for wanted in (etag, f'"other", {etag}', "*"):
            again = web.get(url, headers={"If-None-Match": wanted})
            assert again.status_code == 304, (url, wanted)
            assert again.content == b""
            assert again.headers["etag"].removeprefix("W/") == etag.removeprefix("W/")
            assert again.headers["cache-control"] == full.headers["cache-control"] == "max-age=3600"
            assert again.headers["x-release"] == prod.current_release(topology)
        stale = web.get(url, headers={"If-None-Match": '"from-another-release"'})
        assert stale.status_code == 200 and stale.content == full.content
    # A worker's own 304, as nginx gets it when it asks again about an expired copy
    # (proxy_cache_revalidate): straight from a pages worker's socket.
    url = "/disclosures/figures.csv?platform_id=telegram&_size=3"
    etag = web.get(url).headers["etag"]
    transport = httpx.HTTPTransport(uds=str(topology.sockets("pages")[0]))
    with httpx.Client(transport=transport, base_url="http://localhost", timeout=30) as worker:
        answer = worker.get(url, headers={"If-None-Match": etag, "Host": web.base_url.netloc.decode()})
    assert answer.status_code == 304 and answer.content == b""
    # nginx weakens a strong tag when it compresses the answer: W/"x" names "x".
    assert answer.headers["etag"] == etag.removeprefix("W/")


def test_a_failed_condition_keeps_the_connection_usable(topology):
    # nginx judged a page's If-Match itself, from its cache, and its 412 ended the connection while
    # it said keep-alive: the client's next request on it failed (20 of 20 in a probe). A page's
    # conditions are its worker's, and the connection they came on serves the next request.
    page, sql = "/country/USA.json", "/disclosures.json?sql=select+1+as+one"
    with socket.create_connection((topology.host, topology.port), timeout=10) as connection:

        def ask(path: str, *headers: str) -> httpx.Response:
            return answer_on(connection, request(path, *headers, close=False))

        full = ask(page)
        etag = full.headers["etag"]
        assert not etag.startswith("W/") and ask(page).headers["x-cache"] == "HIT"
        failed = ask(page, 'If-Match: "nope"')
        assert etag in assert_error_shape(failed, 412)  # the worker's, naming the tag
        assert failed.headers["content-type"] == APP_JSON
        assert failed.headers["access-control-allow-origin"] == "*"
        assert failed.headers["connection"] == "keep-alive"
        # An HTML page's 412 is the site's error page, as its other errors are (it was JSON).
        page_failed = ask("/country/USA", 'If-Match: "nope"')
        assert page_failed.status_code == 412 and page_failed.headers["content-type"] == "text/html; charset=utf-8"
        assert "If-Match names no ETag this answer has" in page_failed.text
        assert page_failed.headers["connection"] == "keep-alive"
        # RFC 9110 13.1.1: a tag of the answer, in a list or alone, or *, is the page.
        for wanted in (etag, f'"nope", {etag}', "*"):
            matched = ask(page, f"If-Match: {wanted}")
            assert matched.status_code == 200, wanted
            assert matched.content == full.content and matched.headers["etag"] == etag
        # A page has no Last-Modified, so If-Unmodified-Since is ignored (RFC 9110 13.1.4): nginx
        # answered it with its 412 too.
        assert ask(page, "If-Unmodified-Since: Mon, 01 Jan 2001 00:00:00 GMT").content == full.content
        # An answer to SQL, on its own workers, has a weak tag that only * matches.
        assert "weak" in assert_error_shape(ask(sql, 'If-Match: "nope"'), 412)
        assert ask(sql, "If-Match: *").status_code == 200
        # The conditions passed the cache by: its copy is the same.
        again = ask(page)
        assert again.headers["x-cache"] == "HIT" and again.content == full.content
    # A file nginx serves from disk: nginx ends the connection after its own 412 whatever
    # error_page answers, so the answer says so, and a client sends its next request on another.
    with socket.create_connection((topology.host, topology.port), timeout=10) as connection:
        refused = answer_on(connection, request("/disclosures.db", 'If-Match: "nope"', close=False))
        assert "If-Match names no ETag" in nginx_error_shape(refused, 412)
        assert refused.headers["connection"] == "close"
        assert connection.recv(1) == b""


def test_an_expired_copy_is_revalidated_with_the_workers_304(topology):
    # nginx asks a worker again about a copy past cache_valid with the copy's ETag
    # (proxy_cache_revalidate): the worker's 304 keeps the copy (REVALIDATED), where without it
    # the page was made and sent whole again (EXPIRED). A small topology of its own, whose copies
    # expire after a second, serving the module's release (readable by nginx's workers, as the
    # module's run directory is).
    run = Path(tempfile.mkdtemp(prefix="disclosures-prod-"))
    run.chmod(0o755)
    small = Topology(
        run=run / "run", port=free_port(), pages_workers=1, sql_workers=1, nginx_workers=1, cache_valid="1s"
    )
    served = topology.releases / prod.current_release(topology)
    try:
        prod.start(small, served / "build", served / "dist")
        with client(small, "127.0.0.1") as web:
            url = "/disclosures/figures.json?platform_id=telegram&_size=20"
            first = web.get(url)
            assert first.status_code == 200 and first.headers["x-cache"] == "MISS"
            time.sleep(2.5)
            again = web.get(url)
            assert again.status_code == 200 and again.headers["x-cache"] == "REVALIDATED"
            assert again.content == first.content and again.headers["etag"] == first.headers["etag"]
    finally:
        prod.stop(small)
        shutil.rmtree(run, ignore_errors=True)


def test_ad_hoc_sql_runs_on_its_own_workers(web, topology):
    nonce = str(time.time_ns())
    expected = {
        f"/disclosures.json?sql=select+{nonce}+as+routed": "sql",
        f"/disclosures/top_jurisdictions.json?platform=telegram&metric=requests_fulfilled&period_start=2024-01-01&period_end=2024-12-31&_nonce={nonce}": "sql",
        f"/disclosures/figures.json?_where=value+%3E+{nonce}": "sql",
        f"/disclosures/figures.json?_size=1&_nonce={nonce}": "pages",
        f"/disclosures/figures?_nonce={nonce}": "pages",
    }
    for url in expected:
        assert web.get(url, headers=BYPASS).status_code == 200, url
    # The access log names the upstream set ($backend) of every request. nginx writes a line
    # once the response is finished, which may be just after the client has read it.
    logged, deadline = {}, time.monotonic() + 10
    while not set(expected) <= set(logged) and time.monotonic() < deadline:
        time.sleep(0.05)
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


def test_a_flood_from_one_client_gets_429_while_a_canary_stays_fast(topology, record_property):
    canary_url = FIGURE_PAGE  # bypassing the cache: each one is served by a pages worker
    with client(topology, "127.0.0.3") as canary:
        baseline, _ = latencies(canary, canary_url, 15, 0.05)

        floods = {"page": [], "sql": []}
        # Expensive ad-hoc SQL from many clients at once keeps the SQL workers busy.
        heavy = "/disclosures.json?sql=select count(*) from figures a join figures b on a.value < b.value&_n={n}"
        stop = threading.Event()
        sql_clients = 20  # far more than the SQL workers take at once (2 × 4), however nginx spreads them
        together = threading.Barrier(sql_clients)

        def flood(address: str, template: str, kind: str, count: int):
            with client(topology, address) as c:
                if kind == "sql":
                    together.wait(timeout=30)  # the first queries all arrive at once
                for n in range(count):
                    if stop.is_set():
                        return
                    floods[kind].append(c.get(template.format(n=n)).status_code)

        threads = [threading.Thread(target=flood, args=("127.0.0.2", "/?n=cached", "page", 600)) for _ in range(4)]
        threads += [
            threading.Thread(target=flood, args=(f"127.0.1.{i}", heavy, "sql", 30)) for i in range(1, sql_clients + 1)
        ]
        for thread in threads:
            thread.start()
        try:
            time.sleep(0.5)  # let the flood build up
            during, statuses = latencies(canary, canary_url, 60, 0.05)
        finally:
            stop.set()
            for thread in threads:
                thread.join(timeout=60)

    assert floods["page"].count(429) > 0, "a flood of one page from one client was never limited"
    assert set(floods["page"]) <= {200, 429}
    # 400: over the SQL time limit; 503: every SQL worker already runs all it may.
    assert set(floods["sql"]) <= {200, 400, 429, 503}, floods["sql"]
    assert 503 in floods["sql"], "the SQL flood never filled the SQL workers"
    assert statuses == [200] * len(statuses)
    # The canary is served by the pages workers, which neither the limited page flood nor the
    # SQL flood (other workers, lower CPU priority) can occupy.
    typical, busy = statistics.median(baseline), statistics.median(during)
    record_property("canary_median_before_s", round(typical, 4))
    record_property("canary_median_during_s", round(busy, 4))
    record_property("flood_statuses", {k: {s: v.count(s) for s in set(v)} for k, v in floods.items()})
    assert busy < max(3 * typical, typical + 0.15), (
        f"canary median {busy:.3f} s during the flood, {typical:.3f} s before"
    )


def first_refusal(session: httpx.Client, template: str, limit: int = 200) -> tuple[int, httpx.Response | None]:
    """Send ``template.format(n=n)`` until one is refused with 429; (requests sent, that response)."""
    for n in range(limit):
        response = session.get(template.format(n=n))
        if response.status_code == 429:
            return n + 1, response
        assert response.status_code == 200, (template, response.status_code)
    return limit, None


def test_sql_has_a_tighter_rate_than_pages_and_429_has_the_json_error_shape(topology):
    with client(topology, "127.0.0.4") as c:
        # A .csv address: nginx typed its 429 by the extension (text/csv), not as the JSON it is.
        sent_sql, refused_sql = first_refusal(c, "/disclosures.csv?sql=select+{n}")
    with client(topology, "127.0.0.7") as c:
        # One cached page, so the client can go faster than the page rate whatever the machine.
        sent_pages, refused_page = first_refusal(c, "/disclosures/platforms.json", limit=5000)
    assert refused_sql is not None and refused_page is not None
    assert sent_sql < sent_pages
    for refused in (refused_sql, refused_page):
        assert nginx_error_shape(refused, 429) == "Too many requests from this address; retry after a second"
        assert refused.headers["retry-after"] == "1"
        assert refused.headers["cache-control"] == "no-store"
        # A browser's script on another origin saw this 429 as a network error, with no status.
        readable_from_any_origin(refused.headers)


def test_one_client_runs_at_most_two_sql_queries_at_once(topology):
    heavy = "/disclosures.json?sql=select+count(*)+from+figures+a+join+figures+b+on+a.value+<+b.value&_c={n}"
    start, statuses = threading.Barrier(4), []

    def query(n):
        with client(topology, "127.0.0.8") as c:
            start.wait(timeout=10)
            statuses.append(c.get(heavy.format(n=n)).status_code)

    threads = [threading.Thread(target=query, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    # Two run (200, or 400 past the SQL time limit); the others are refused at once.
    assert len(statuses) == 4 and statuses.count(429) == 2, statuses
    assert set(statuses) - {429} <= {200, 400}, statuses


def workers_errors(topology: Topology) -> list[str]:
    """The last line of each traceback the workers logged (``<run>/logs/pages-0.log``: the
    exception an answer of 500 hides), with its log's name: the run folder is gone after the
    tests, and CI shows only what an assertion says."""
    errors = []
    for log in sorted((topology.run / "logs").glob("*-[0-9].log")):
        lines = log.read_text(encoding="utf-8", errors="replace").splitlines()
        for n, line in enumerate(lines):
            if line.startswith("Traceback"):
                last = next((t for t in lines[n + 1 :] if t and not t.startswith(" ")), "?")
                errors.append(f"{log.name}: {last}")
    return errors


def answers_all(
    topology: Topology,
    address: str,
    urls: list[str],
    stop: threading.Event,
    out: list,
    limit: int,
    pause: float = 0.02,
    retried: list | None = None,
):
    """Request ``urls`` in turn (cache bypassed) until ``stop`` or ``limit`` requests.

    A GET whose connection the server closed before any answer came (a reset, or a disconnect
    without a response) is sent once more on a new connection, as browsers and HTTP/1.1 allow for
    an idempotent request (RFC 9112, 9.3.1), and its URL added to ``retried``: at a reload,
    nginx's old workers close their idle keep-alive connections, and a request that went out on
    one at that instant reached no one. A second failure is recorded as the answer."""
    with client(topology, address) as c:
        for n in range(limit):
            if stop.is_set():
                return
            url = urls[n % len(urls)]
            for attempt in (1, 2):
                try:
                    response = c.get(url, headers=BYPASS)
                    out.append((url, response.status_code, response.headers.get("x-release")))
                except (httpx.ReadError, httpx.RemoteProtocolError) as error:
                    if attempt == 1 and retried is not None:
                        retried.append(url)
                        continue
                    out.append((url, repr(error), None))
                except httpx.HTTPError as error:
                    out.append((url, repr(error), None))
                break
            time.sleep(pause)


def test_a_log_rotation_moves_nginxs_logs_aside_and_nginx_goes_on_in_new_ones(topology):
    # Nothing rotated nginx's logs; now logrotate does (run/prod/logrotate.conf), and nginx
    # reopens them on the USR1 its supervisord sends.
    logrotate = shutil.which("logrotate") or "/usr/sbin/logrotate"
    logs = topology.run / "logs"

    def logged(path: Path, marker: str) -> bool:
        deadline = time.monotonic() + 10  # nginx writes its buffer at least once a second
        while time.monotonic() < deadline:
            if path.exists() and marker in path.read_text(errors="replace"):
                return True
            time.sleep(0.2)
        return False

    with client(topology, "127.0.0.7") as c:
        assert c.get("/-/versions.json?before=rotation").status_code == 200
        assert logged(logs / "nginx-access.log", "before=rotation")
        state = topology.run / "logrotate.state"
        forced = subprocess.run(
            [logrotate, "--force", "--state", str(state), str(topology.logrotate_conf)], capture_output=True, text=True
        )
        assert forced.returncode == 0, forced.stderr
        assert "before=rotation" in (logs / "nginx-access.log.1").read_text()
        assert c.get("/-/versions.json?after=rotation").status_code == 200
        assert logged(logs / "nginx-access.log", "after=rotation"), "nginx did not reopen its log"
    assert "after=rotation" not in (logs / "nginx-access.log.1").read_text()


def test_a_killed_worker_is_restarted_and_no_request_fails(topology, record_property):
    victim = "pages:pages-0"
    _state, master = prod.process_status(topology)[victim]
    (pid,) = prod.worker_pids(topology, victim)
    results, stop = [], threading.Event()
    load = threading.Thread(target=answers_all, args=(topology, "127.0.0.5", [FIGURE_PAGE], stop, results, 500))
    load.start()
    try:
        time.sleep(0.3)
        os.kill(pid, signal.SIGKILL)
        killed = time.monotonic()
        new_pid = None
        while time.monotonic() - killed < 5:
            # The master forks the new worker: read /proc, no supervisorctl, between polls.
            successors = [other for other in prod.children(master) if other != pid]
            if successors:
                (new_pid,) = successors
                break
            time.sleep(0.005)
        restarted_after = time.monotonic() - killed
        socket = topology.run / "sockets" / "pages-0.sock"
        deadline = time.monotonic() + 30
        # The master keeps the socket listening, so this waits for the new worker's answer.
        while not prod.worker_answers(socket) and time.monotonic() < deadline:
            time.sleep(0.02)
        answering_after = time.monotonic() - killed
        assert prod.worker_answers(socket)
        # supervisord saw nothing die: the same master runs, with the new worker.
        assert prod.process_status(topology)[victim] == ("RUNNING", master)
        assert prod.worker_pids(topology, victim) == [new_pid]
        time.sleep(0.3)
    finally:
        stop.set()
        load.join(timeout=30)
    record_property("restarted_after_s", round(restarted_after, 3))
    record_property("answering_after_s", round(answering_after, 3))
    record_property("requests_during_kill", len(results))
    assert new_pid, f"{victim} was not restarted"
    # The target for the killed worker (make reliability measures the same under load).
    assert answering_after <= 2, f"{victim} answered again after {answering_after:.2f} s"
    assert results and all(status == 200 for _url, status, _release in results), results


def test_a_release_switches_under_load_without_a_failed_request(topology, tmp_path, record_property):
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
    results, retried, stop = [], [], threading.Event()
    # One client per URL mix, each well within the per-client limits.
    load = [
        threading.Thread(
            target=answers_all,
            args=(topology, f"127.0.2.{i}", urls[i:] + urls[:i], stop, results, 3000, 0.05, retried),
        )
        for i in range(4)
    ]
    for thread in load:
        thread.start()
    try:
        time.sleep(0.5)
        started = time.monotonic()
        switched = prod.switch_release(topology, other, tmp_path / "no-dist")
        switch_seconds = time.monotonic() - started
        time.sleep(0.5)
    finally:
        stop.set()
        for thread in load:
            thread.join(timeout=60)

    failed = [r for r in results if r[1] != 200]
    record_property("requests_during_switch", len(results))
    record_property("switch_seconds", round(switch_seconds, 2))
    record_property("requests_sent_again_after_a_closed_connection", len(retried))
    assert not failed, (failed[:10], workers_errors(topology))
    # The switch reloads nginx once: each client's one keep-alive connection is closed under it at most once.
    assert len(retried) <= len(load), retried
    assert switched == prod.release_id(other, tmp_path / "no-dist") != before
    served = [r[2] for r in results]
    assert served[0] == before and served[-1] == switched, "the load did not span the switch"
    assert len(results) > 50
    with client(topology, "127.0.0.6") as c:
        after = c.get("/disclosures/figures.json?_size=0")
        assert after.headers["x-release"] == switched
        assert after.json()["filtered_table_rows_count"] == 10
        assert c.get(f"/downloads/{VERSION}/disclosures.db").status_code == 404  # the new release has no files
    workers_after = {name: pid for name, (_s, pid) in prod.process_status(topology).items()}
    for name in topology.worker_names():
        assert workers_after[name] != workers_before[name], f"{name} still runs the old release"
    assert workers_after["nginx"] == workers_before["nginx"]  # reloaded, not restarted


def test_a_switch_succeeds_only_once_nginx_announces_the_release_and_a_partial_one_says_where_it_stopped(
    topology, real_build, tmp_path, monkeypatch
):
    # A switch returned success once it had sent nginx SIGHUP, whether or not nginx then served
    # the release; and a second run after one that had stopped part way (current already moved)
    # did nothing, leaving the other workers and nginx on the old release.
    before = prod.served_release(topology)
    target = prod.release_id(real_build, tmp_path / "no-dist")
    assert before and target != before
    names = topology.worker_names()
    real_restart = prod.restart_worker

    def second_fails(topo, name, timeout=60):
        if name == names[1]:
            raise prod.ProdError(f"{name} did not answer after its restart within 1 s; see logs")
        real_restart(topo, name, timeout)

    monkeypatch.setattr(prod, "restart_worker", second_fails)
    with pytest.raises(prod.ProdError) as stopped:
        prod.switch_release(topology, real_build, tmp_path / "no-dist")
    assert str(stopped.value) == "; ".join(
        [
            f"the switch to {target} stopped part way: {names[1]} did not answer after its restart within 1 s; see logs",
            f"current -> {target} (a worker that starts serves it)",
            f"restarted on {target}: {names[0]}",
            f"restarting, not answering yet: {names[1]}",
            f"not restarted, still on {before}: {', '.join(names[2:])}",
            f"nginx announces {before}",
            f"run {topology.make('prod-switch')} again to finish it",
        ]
    )
    monkeypatch.setattr(prod, "restart_worker", real_restart)
    # nginx not reloaded: every worker is on the release, nginx is not.
    monkeypatch.setattr(prod, "reload_nginx", lambda topo: None)
    with pytest.raises(prod.ProdError) as unannounced:
        prod.switch_release(topology, real_build, tmp_path / "no-dist", announce_timeout=1)
    message = str(unannounced.value)
    assert f"nginx did not announce release {target} after its reload within 1 s" in message
    assert f"restarted on {target}: {', '.join(names)}" in message and f"nginx announces {before};" in message
    monkeypatch.undo()
    assert prod.switch_release(topology, real_build, tmp_path / "no-dist") == target
    assert prod.served_release(topology) == target
    with client(topology, "127.0.0.9") as c:
        assert c.get("/disclosures/figures.json?_size=0").headers["x-release"] == target


def test_stop_ends_what_supervisord_leaves_when_it_must_be_killed_and_only_that(topology):
    # stop sent supervisord SIGTERM, then SIGKILL when it had not ended in time, and was done:
    # nginx, its workers (still listening), the gunicorn masters and their workers ran on.
    supervisord = prod.supervisord_pid(topology)
    served = prod.served_release(topology)
    masters = [prod.process_pid(topology, name) for name in topology.worker_names()]
    for name, master in zip(topology.worker_names(), masters, strict=True):
        assert prod.pid_from_file(prod.worker_pid_file(topology, name), f"{name.split(':')[1]}.sock ") == master
    nginx = prod.nginx_pid(topology)
    everything = [
        supervisord,
        nginx,
        *prod.children(nginx),
        *masters,
        *[pid for master in masters for pid in prod.children(master)],
    ]
    bystander = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        assert prod.stop(topology, timeout=0) is True  # no time for anything: supervisord is killed
        deadline = time.monotonic() + 10
        while any(prod.pid_alive(pid) for pid in everything) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert [pid for pid in everything if prod.pid_alive(pid)] == []
        assert bystander.poll() is None
    finally:
        bystander.kill()
        bystander.wait()
    with pytest.raises(httpx.ConnectError):
        httpx.get(topology.base_url + "/-/health.json", timeout=5)
    assert prod.stop(topology) is False
    # Back up for the test after this one: without a build folder, over the release it served
    # last (a switch earlier in this module), not build/.
    assert prod.start(topology) == served == prod.served_release(topology)


def test_what_a_killed_nginx_master_leaves_is_reported_and_stopped(topology):
    # Its workers went on holding the port: supervisord restarted a master that could not bind
    # it, over and over, while status said RUNNING; stop left them and start found the port "in use".
    master = prod.nginx_pid(topology)
    workers = prod.children(master)
    assert workers
    os.kill(master, signal.SIGKILL)
    deadline = time.monotonic() + 10
    while prod.nginx_leftovers(topology) != workers and time.monotonic() < deadline:
        time.sleep(0.1)
    assert prod.nginx_leftovers(topology) == workers
    status = CliRunner().invoke(cli_module().cli, ["prod", "status", "--run", str(topology.run)])
    assert status.exit_code == 1, status.output
    assert f"nginx processes left by a killed nginx master still hold {topology.base_url}" in status.output
    assert f"(pids {' '.join(map(str, workers))})" in status.output
    assert prod.stop(topology) is True
    assert [pid for pid in workers if prod.pid_alive(pid)] == []
    # Back up for the test after this one: the port is free again.
    prod.start(topology)
    assert prod.health(topology) == "200 ok"


def test_stop_ends_what_a_killed_supervisor_left_running(topology):
    # Runs last: the module's topology does not survive it.
    supervisord = prod.supervisord_pid(topology)
    left = sorted(
        [pid for _state, pid in prod.process_status(topology).values()]
        + [pid for name in topology.worker_names() for pid in prod.worker_pids(topology, name)]
    )
    os.kill(supervisord, signal.SIGKILL)
    deadline = time.monotonic() + 10
    while prod.supervisord_pid(topology) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert prod.supervisord_pid(topology) is None
    assert prod.orphans(topology) == left  # nginx, the masters and their workers go on without it
    # prod status says so (it said "not running", or a traceback when supervisord died under it).
    status = CliRunner().invoke(cli_module().cli, ["prod", "status", "--run", str(topology.run)])
    assert status.exit_code == 1 and isinstance(status.exception, SystemExit), status.output
    lines = status.output.splitlines()
    assert "supervisord is not running" in lines[0] and lines[0].endswith(f"pids {' '.join(map(str, left))}")
    assert lines[1] == "prod: health: 200 ok"  # still served, unsupervised
    assert "make prod-stop" in lines[2]
    with pytest.raises(prod.ProdError, match=re.escape(f"{topology.make('prod-stop')} first")):
        prod.start(topology)
    assert prod.stop(topology) is True
    assert not [pid for pid in left if prod.pid_alive(pid)]
    assert prod.orphans(topology) == []
