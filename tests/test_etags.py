"""Layer (c): answers over the immutable database carry an ETag, and If-None-Match gets a 304
(plugins/etags.py), through Datasette's own client."""

from __future__ import annotations

import hashlib
import html
import re

import pytest

from tests.conftest import Site, assert_error_shape, counted_site, plugin, unhurried

TABLE_JSON = "/disclosures/figures.json?platform_id=telegram&_size=5"
TABLE_CSV = "/disclosures/figures.csv?platform_id=telegram&_size=5"
# Pages, the site's own JSON, CSVs, bare rows, status pages: the same bytes every time, a strong tag.
STRONG = [
    "/",
    "/platform/telegram",
    "/platform/telegram.json",
    TABLE_CSV,
    TABLE_JSON + "&_shape=array",
    "/-/versions.json",
    "/downloads.json",
]
# Datasette's own table, row and query answers, which say how long their queries took: a weak tag.
WEAK = [
    TABLE_JSON,
    "/disclosures/figures?platform_id=telegram&_size=5",
    "/disclosures/platforms/telegram",
    "/disclosures/platforms/telegram.json",
    "/disclosures.json?sql=select+1",
]
# SQL the client wrote, which may call random() or read the clock, in any shape: a weak tag.
AD_HOC = [
    "/disclosures.json?sql=select+1&_shape=array",
    "/disclosures.csv?sql=select+1",
    "/disclosures/figures.csv?_where=value+>+1000&_size=3",
]
TIMING = re.compile(r'"query_ms": [0-9.e-]+|Queries took [0-9.]+ms')


@pytest.mark.parametrize("path", STRONG)
def test_an_answer_has_a_strong_etag_that_stays_while_its_bytes_do(site, path):
    first, second = site.get(path), site.get(path)
    assert first.status_code == second.status_code == 200, first.text[:300]
    etag = first.headers["etag"]
    assert re.fullmatch(r'"[0-9a-f]{40}"', etag)  # strong: no W/
    assert second.headers["etag"] == etag
    assert second.content == first.content


@pytest.mark.parametrize("path", WEAK)
def test_an_answer_that_says_its_query_time_has_a_weak_etag(site, path):
    first, second = site.get(path), site.get(path)
    assert first.status_code == second.status_code == 200, first.text[:300]
    etag = first.headers["etag"]
    assert re.fullmatch(r'W/"[0-9a-f]{40}"', etag)
    assert second.headers["etag"] == etag
    # Equivalent: the same but for Datasette's timing of its queries.
    assert TIMING.search(first.text)
    assert TIMING.sub("", second.text) == TIMING.sub("", first.text)


def test_another_query_string_or_host_is_another_etag(site):
    local, mirrored = site.get(TABLE_JSON), site.get(TABLE_JSON, headers={"host": "mirror.example"})
    # The next page's link is absolute (on the canonical address for a foreign Host): other bytes.
    assert local.json()["next_url"] != mirrored.json()["next_url"]
    tags = {
        local.headers["etag"],
        mirrored.headers["etag"],
        site.get(TABLE_JSON.replace("_size=5", "_size=6")).headers["etag"],
        site.get(TABLE_JSON + "&_shape=array").headers["etag"],
        site.get(TABLE_CSV).headers["etag"],
    }
    assert len(tags) == 5


@pytest.mark.parametrize("path", AD_HOC)
def test_an_answer_to_sql_the_client_wrote_has_a_weak_etag(site, path):
    response = site.get(path)
    assert response.status_code == 200, response.text[:300]
    assert re.fullmatch(r'W/"[0-9a-f]{40}"', response.headers["etag"])


def test_sql_that_is_not_the_same_answer_twice_has_a_weak_etag(site):
    path = "/disclosures.json?sql=select+random()+as+r&_shape=array"
    first, second = site.get(path), site.get(path)
    assert first.status_code == second.status_code == 200
    assert first.content != second.content
    assert first.headers["etag"] == second.headers["etag"] and first.headers["etag"].startswith("W/")


@pytest.mark.parametrize("path", [TABLE_JSON, TABLE_CSV, "/", "/platform/telegram.json"])
def test_a_matching_if_none_match_is_a_304_without_a_body_and_with_the_200s_validators(site, path):
    full = site.get(path)
    etag = full.headers["etag"]
    bare = etag.removeprefix("W/")
    for wanted in (etag, bare, f'"a", {etag}', f'"a",{bare}', "*", f"W/{bare}"):
        response = site.get(path, headers={"if-none-match": wanted})
        assert response.status_code == 304, wanted
        assert response.content == b""
        assert response.headers["etag"] == etag
        assert response.headers["cache-control"] == full.headers["cache-control"] == "max-age=3600"
        assert "content-length" not in response.headers


@pytest.mark.parametrize("path", [TABLE_CSV, TABLE_JSON])
def test_a_stale_if_none_match_gets_the_whole_answer(site, path):
    full = site.get(path)
    etag = full.headers["etag"]
    for stale in ('"not-this-one"', '"a", "b"', etag[:-2] + '"', etag.removeprefix("W/") + "x"):
        response = site.get(path, headers={"if-none-match": stale})
        assert response.status_code == 200, stale
        assert response.headers["etag"] == etag
        assert TIMING.sub("", response.text) == TIMING.sub("", full.text) != ""


@pytest.mark.parametrize("path", [TABLE_JSON, TABLE_CSV, "/platform/telegram"])
def test_head_has_the_gets_etag_and_a_304(site, path):
    etag = site.get(path).headers["etag"]
    head = site.loop.run_until_complete(site.datasette.client.request("HEAD", path))
    assert head.status_code == 200 and head.headers["etag"] == etag
    not_modified = site.loop.run_until_complete(
        site.datasette.client.request("HEAD", path, headers={"if-none-match": etag})
    )
    assert not_modified.status_code == 304 and not_modified.content == b""
    assert not_modified.headers["etag"] == etag


@pytest.mark.parametrize(
    "path, status",
    [
        ("/no-such-database", 404),
        ("/disclosures/figures.json?_size=nope", 400),
        ("/disclosures/no_such_table.json", 404),
        ("/disclosures/platforms/no-such-platform", 404),
    ],
)
def test_an_error_has_no_etag_and_is_never_a_304(site, path, status):
    for headers in ({}, {"if-none-match": "*"}):
        response = site.get(path, headers=headers)
        assert response.status_code == status
        assert "etag" not in response.headers


def test_the_health_check_has_no_etag(site):
    response = site.get("/-/health.json", headers={"if-none-match": "*"})
    assert response.status_code in (200, 503)
    assert "etag" not in response.headers and response.headers["cache-control"] == "no-store"


def test_an_answer_with_an_etag_of_its_own_keeps_it(site):
    feed = site.get("/feed.atom")
    assert feed.status_code == 200
    # plugins/pages.py's: the hash of the feed's bytes.
    assert feed.headers.get_list("etag") == [f'"{hashlib.sha256(feed.content).hexdigest()}"']


def test_a_private_answer_has_no_etag():
    etags = plugin("etags")
    assert etags.is_storable([(b"cache-control", b"max-age=3600")])
    assert not etags.is_storable([(b"cache-control", b"private, no-store")])
    assert not etags.is_storable([(b"Cache-Control", b"no-store")])


def test_the_untagged_paths():
    etags = plugin("etags")
    for path in ("/-/health.json", "/-/health", "/static/app.css", "/downloads/1.0.0/SHA256SUMS"):
        assert not etags.is_tagged_path(path), path
    for path in ("/", "/-/versions.json", "/-/healthy-looking-table", "/disclosures/figures.csv", "/figure/x"):
        assert etags.is_tagged_path(path), path


def test_the_closed_status_pages_need_no_exception_of_their_own(site):
    # etags.py listed Datasette's threads, actor, permissions, messages and allow-debug pages as
    # answers that change while the worker runs; plugins/guards.py closes them, and a 404 has no tag.
    closed = plugin("guards").CLOSED_PAGES
    assert {"threads", "actor", "permissions", "messages", "allow-debug"} <= set(closed)
    for name in closed:
        for path in (f"/-/{name}", f"/-/{name}.json"):
            response = site.get(path)
            assert response.status_code == 404 and "etag" not in response.headers, path
    assert not set(plugin("etags").UNTAGGED_PATHS) & {f"/-/{name}" for name in closed}
    assert "etag" not in site.get("/-/health.json").headers


def test_if_none_match_lists_are_read_as_rfc_9110_says():
    etags = plugin("etags")
    assert etags.none_match(b'"x"', b'"x"')
    assert etags.none_match(b'"a", W/"x"', b'"x"')
    assert etags.none_match(b" * ", b'"x"')
    assert not etags.none_match(b'"xy", "y"', b'"x"')
    assert not etags.none_match(b"", b'"x"')


@pytest.fixture(scope="module")
def mutable_site(real_build, tmp_path_factory):
    """The real build served as a dev build is: without inspect-data.json, so mutable."""
    folder = tmp_path_factory.mktemp("mutable")
    for path in real_build.iterdir():
        if path.name != "inspect-data.json" and path.is_file():
            (folder / path.name).symlink_to(path)
    return Site(unhurried(folder))


def test_a_mutable_database_gets_no_etag(mutable_site):
    assert mutable_site.datasette.get_database("disclosures").is_mutable
    for path in ("/", TABLE_JSON, "/-/versions.json"):
        response = mutable_site.get(path, headers={"if-none-match": "*"})
        assert response.status_code == 200, path
        assert "etag" not in response.headers, path


def test_the_api_page_tells_a_polling_client_to_send_if_none_match(site):
    page = site.get("/api")
    assert page.status_code == 200 and "etag" in page.headers
    assert "poll with <code>If-None-Match</code>" in page.text


def reads_of_figures(queries) -> int:
    """How many of ``queries`` read rows of the figures table (a page of a stream each)."""
    return len([q for q in queries if isinstance(q, str) and q.lower().startswith("select figure_id")])


def test_a_304_for_a_streamed_csv_stops_the_stream(real_build):
    # The CSV of every figure is streamed a thousand rows a query: a 304 ends at its first
    # message, and the queries for the rest are never run.
    site = counted_site(real_build)
    path = "/disclosures/figures.csv?_stream=on"
    full = site.get(path)
    assert full.status_code == 200 and full.text.count("\n") > 10_000
    whole = reads_of_figures(site.queries)
    assert whole > 10
    site.queries.clear()
    response = site.get(path, headers={"if-none-match": full.headers["etag"]})
    assert response.status_code == 304 and response.content == b""
    assert reads_of_figures(site.queries) <= 2


def test_the_tag_is_of_the_path_as_sent_or_as_decoded_when_the_server_gives_no_raw_path(site):
    etags = plugin("etags")
    scope = {"type": "http", "scheme": "http", "path": "/platform/telegram", "query_string": b"", "headers": []}
    decoded = etags.etag_for(site.datasette, scope)
    assert etags.etag_for(site.datasette, {**scope, "raw_path": None}) == decoded
    assert etags.etag_for(site.datasette, {**scope, "raw_path": b"/platform/telegram"}) == decoded
    assert etags.etag_for(site.datasette, {**scope, "raw_path": b"/platform/%74elegram"}) != decoded


# If-Match (RFC 9110 13.1.1): it was ignored, so If-Match: "nope" got the 200.
def test_if_match_is_read_as_rfc_9110_says():
    etags = plugin("etags")
    assert etags.if_match(b'"x"', b'"x"') and etags.if_match(b'"a", "x"', b'"x"')
    assert etags.if_match(b" * ", b'"x"') and etags.if_match(b"*", b'W/"x"') and etags.if_match(b"*", None)
    # Strong comparison: a weak tag on either side never matches.
    assert not etags.if_match(b'W/"x"', b'"x"') and not etags.if_match(b'W/"x"', b'W/"x"')
    assert not etags.if_match(b'"x"', b'W/"x"')
    assert not etags.if_match(b'"xy", "y"', b'"x"') and not etags.if_match(b"", b'"x"')
    assert not etags.if_match(b'"x"', None)


@pytest.mark.parametrize("path", [TABLE_CSV, "/platform/telegram.json", "/platform/telegram", "/feed.atom"])
def test_an_if_match_that_names_the_answers_strong_etag_or_star_gets_the_answer(site, path):
    full = site.get(path)
    etag = full.headers["etag"]
    assert not etag.startswith("W/")
    for wanted in (etag, f'"a", {etag}', "*", f'"a",{etag}'):
        response = site.get(path, headers={"if-match": wanted})
        assert response.status_code == 200, wanted
        assert response.content == full.content and response.headers["etag"] == etag


@pytest.mark.parametrize("path", [TABLE_CSV, "/platform/telegram.json", "/feed.atom"])
def test_an_if_match_that_does_not_name_the_answers_etag_is_a_412(site, path):
    etag = site.get(path).headers["etag"]
    for wanted in ('"nope"', '"a", "b"', f"W/{etag}", etag[:-2] + '"'):
        response = site.get(path, headers={"if-match": wanted})
        message = assert_error_shape(response, 412)
        assert message == (
            f"If-Match names no ETag this answer has, so its condition is false (RFC 9110 13.1.1): its ETag is {etag}"
        )
        assert "etag" not in response.headers and response.headers["access-control-allow-origin"] == "*"
    head = site.loop.run_until_complete(site.datasette.client.request("HEAD", path, headers={"if-match": '"no"'}))
    assert head.status_code == 412 and head.content == b""


@pytest.mark.parametrize("path", [TABLE_CSV, TABLE_JSON, "/platform/telegram.json", "/platform/telegram", "/downloads"])
def test_a_412_carries_the_cors_headers_of_the_sites_other_errors(site, path):
    # The 412 had Access-Control-Allow-Origin alone: a script on another origin could not read
    # what a 404 of the same site lets it read.
    refused = site.get(path, headers={"if-match": '"nope"'})
    assert refused.status_code == 412
    is_page = refused.headers["content-type"].startswith("text/html")
    assert is_page == (path in ("/platform/telegram", "/downloads"))
    not_found = site.get("/disclosures/no_such_table" + ("" if is_page else ".json"))
    assert not_found.status_code == 404
    assert refused.headers["content-type"] == not_found.headers["content-type"]
    for name in ("access-control-allow-origin", "access-control-expose-headers"):
        assert refused.headers.get(name) == not_found.headers[name], name
    assert len(refused.headers.get_list("access-control-expose-headers")) == 1


@pytest.mark.parametrize("path", ["/platform/telegram", "/", "/downloads", "/-/versions"])
def test_a_pages_412_is_the_sites_error_page(site, path):
    # An HTML page's failed If-Match was the API's JSON, where the page's other errors are pages.
    full = site.get(path)
    etag = full.headers["etag"]
    assert full.headers["content-type"].startswith("text/html")
    response = site.get(path, headers={"if-match": '"nope"'})
    assert response.status_code == 412 and response.headers["content-type"] == "text/html; charset=utf-8"
    message = f"If-Match names no ETag this answer has, so its condition is false (RFC 9110 13.1.1): its ETag is {etag}"
    assert html.unescape(response.text).count(message) == 1
    assert "<title>Precondition failed</title>" in response.text and '<html lang="en">' in response.text
    assert "etag" not in response.headers and response.headers["cache-control"] == "no-store"
    assert int(response.headers["content-length"]) == len(response.content)
    head = site.loop.run_until_complete(site.datasette.client.request("HEAD", path, headers={"if-match": '"no"'}))
    assert head.status_code == 412 and head.content == b"" and head.headers["content-type"].startswith("text/html")
    # The same page's JSON keeps the API's error shape.
    if path == "/platform/telegram":
        assert_error_shape(site.get(path + ".json", headers={"if-match": '"nope"'}), 412)


def test_a_weak_etag_matches_no_if_match_but_star(site):
    # If-Match compares strongly: an answer whose bytes vary with Datasette's query timing
    # promises no bytes, so even its own tag does not hold.
    etag = site.get(TABLE_JSON).headers["etag"]
    assert etag.startswith("W/")
    for wanted in (etag, etag.removeprefix("W/")):
        message = assert_error_shape(site.get(TABLE_JSON, headers={"if-match": wanted}), 412)
        assert f"its ETag is weak, {etag}" in message and "send If-None-Match" in message
    assert site.get(TABLE_JSON, headers={"if-match": "*"}).status_code == 200


def test_if_match_comes_before_if_none_match(site):
    path = "/platform/telegram.json"
    etag = site.get(path).headers["etag"]
    assert_error_shape(site.get(path, headers={"if-match": '"nope"', "if-none-match": etag}), 412)
    both = site.get(path, headers={"if-match": etag, "if-none-match": etag})
    assert both.status_code == 304 and both.content == b""
    # A release file's or the database's own 304 stands for its 200: a false If-Match is a 412 there too.
    own = site.get("/disclosures.db", headers={"if-none-match": "*"})
    assert own.status_code == 304
    assert_error_shape(site.get("/disclosures.db", headers={"if-match": '"nope"', "if-none-match": "*"}), 412)


def test_an_answer_without_an_etag_matches_only_if_match_star(site):
    assert site.get("/-/health.json", headers={"if-match": "*"}).status_code == 200
    message = assert_error_shape(site.get("/-/health.json", headers={"if-match": '"x"'}), 412)
    assert message.endswith("this answer has no ETag, and only If-Match: * matches it")


@pytest.mark.parametrize("path, status", [("/no-such-database", 404), ("/disclosures/figures.json?_size=nope", 400)])
def test_an_error_is_that_error_whatever_if_match_says(site, path, status):
    # RFC 9110 13.2.1: a request that would not succeed without its conditions ignores them.
    for wanted in ('"nope"', "*"):
        assert site.get(path, headers={"if-match": wanted}).status_code == status


def test_a_412_for_a_streamed_csv_stops_the_stream(real_build):
    site = counted_site(real_build)
    response = site.get("/disclosures/figures.csv?_stream=on", headers={"if-match": '"nope"'})
    assert_error_shape(response, 412)
    assert reads_of_figures(site.queries) <= 2
