"""Every error a page gets is Datasette's HTML error page, and a row of a table that does not
exist is a 404, whichever plugin refused the request (plugins/errors.py renders their plain text)."""

import json
import urllib.error
import urllib.request

import markupsafe
import pytest

from tests.conftest import assert_error_shape

FIGURES = "/disclosures/figures"


@pytest.mark.parametrize(
    ("path", "status", "message"),
    [
        (FIGURES + "?_sort=nope", 400, "_sort=nope: figures cannot be sorted by that column"),
        (FIGURES + "?platfrom_id=telegram", 400, "platfrom_id"),
        ("/disclosures/nope/x", 404, "Table not found: nope"),
        # An encoded slash stays inside its segment (Datasette routes on the raw path).
        ("/disclosures/search_everything/..%2f..%2fetc", 404, "Table not found: search_everything"),
        (FIGURES + "/telegram-usa-2024-ip_or_phone-requests_fulfilled,x", 404, "its key has 1 part"),
    ],
)
def test_a_pages_error_is_the_html_error_page(site, path, status, message):
    response = site.get(path)
    assert response.status_code == status
    assert response.headers["content-type"].startswith("text/html")
    assert "<html" in response.text and message in response.text


@pytest.mark.parametrize(
    ("path", "title"),
    [
        (FIGURES + "/telegram-usa-2024-ip_or_phone-requests_fulfilled?_facet=%5B%5D", "Bad request"),
        ("/disclosures/nope", "Not found"),
        ("/nope", "Not found"),
    ],
)
def test_an_error_page_is_titled_by_what_went_wrong_not_its_number(site, path, title):
    # A 4xx Datasette raised without a title ("_facet=[]: the table has no such column") was
    # headed "Error 400", and a missing table "Error 404", beside the site's "Bad request" pages.
    response = site.get(path)
    assert response.status_code == {"Bad request": 400, "Not found": 404}[title]
    assert f"<title>{title}</title>" in response.text and f"<h1>{title}</h1>" in response.text
    assert "Error 40" not in response.text


@pytest.mark.parametrize("query", ["_facet=%5B%5D", "value__bogus=1", "_through=x", "_sort=nope"])
def test_a_table_pages_refusal_is_titled_bad_request_over_its_form(site, query):
    # The same refusals of a table's page are its filter form (tests/test_table_page_errors.py),
    # titled as the site's other 400s, never by the number.
    response = site.get(f"{FIGURES}?{query}")
    assert response.status_code == 400
    assert "<title>Bad request: disclosures: figures</title>" in response.text
    assert 'id="filter-error"' in response.text and "Error 40" not in response.text


@pytest.mark.parametrize("extension", [".json", ".csv"])
@pytest.mark.parametrize("row", ["figures", "..%2fy", "..%2f..%2fetc%2fpasswd"])
def test_a_row_of_a_table_that_does_not_exist_is_a_404_in_the_error_shape(site, extension, row):
    # Datasette answered 400 "no such table: nope".
    assert assert_error_shape(site.get(f"/disclosures/nope/{row}{extension}"), 404) == "Table not found: nope"


def test_a_row_of_a_view_is_still_datasettes_answer(site):
    # A view has rows but no key: Datasette's 404 for its row path, not "Table not found".
    response = site.get("/disclosures/figures_series/1.json")
    assert response.status_code == 404 and "Table not found" not in response.text


@pytest.mark.parametrize("query", ["", "?_stream=on", "?_where=%5C", "?_facet=2024"])
def test_a_database_csv_without_a_query_is_a_400_that_says_what_to_ask(site, query):
    # Datasette answered 500 (a KeyError: its CSV code expects a query's columns).
    message = assert_error_shape(site.get("/disclosures.csv" + query), 400)
    assert "add sql=" in message and "/disclosures/TABLE.csv" in message


def test_a_database_csv_with_a_query_is_its_answer(site):
    response = site.get("/disclosures.csv?sql=select+1+as+one")
    assert response.status_code == 200 and response.text.splitlines() == ["one", "1"]


def test_a_path_with_an_encoded_backslash_is_the_html_404_page(site):
    response = site.get("/disclosures/..%5cfigures")
    assert response.status_code == 404
    assert response.headers["content-type"].startswith("text/html") and "<html" in response.text


def test_a_views_offset_past_sqlites_integers_is_a_400_that_says_why(site):
    message = assert_error_shape(site.get("/disclosures/figures_series.json?_next=999999999999999999999"), 400)
    assert "on a view, _next is the offset of the next page" in message
    assert site.get("/disclosures/figures_series.json?_next=9223372036854775807&_size=1").status_code == 200


def test_row_paths_of_unknown_tables_are_not_remembered(site):
    from datasette.plugins import pm

    memo = pm.get_plugin("strict_paths.py")._key_sizes
    for n in range(20):
        assert site.get(f"/disclosures/made-up-{n}/x.json").status_code == 404
    assert not any(table.startswith("made-up-") for _, table in memo)


def test_table_paths_of_unknown_tables_are_not_remembered(site):
    # plugins/parameters.py and plugins/paging.py kept the shape of every table name asked for,
    # None included: one entry per made-up name, without end, on a server that runs for months.
    from datasette.plugins import pm

    memos = [pm.get_plugin("parameters.py")._shapes, pm.get_plugin("paging.py")._shapes]
    for n in range(20):
        assert site.get(f"/disclosures/made-up-table-{n}.json").status_code == 404
        assert site.get(f"/disclosures/made-up-table-{n}?_size=1").status_code == 404
    for memo in memos:
        assert not any(table.startswith("made-up-table-") for _, table in memo)
    assert site.get("/disclosures/platforms.json?_size=1").status_code == 200
    assert all(("disclosures", "platforms") in memo for memo in memos)


@pytest.mark.parametrize(
    "path",
    [
        "/a/b/c/d/e",
        "/disclosures/figures/x/y",
        "/countries.json.json",  # /country/USA.json.json is the country 404: No jurisdiction 'USA.json'
        "/api.json.json",
        "/disclosures/nope",
        "/disclosures/nope.json",
        "/nope.json",
    ],
)
def test_an_address_nothing_has_says_so_and_where_to_look(live_server, path):
    # Datasette's message was its status alone ("404"), as JSON and on the page, or "Table not
    # found" and "Database not found" without the name or where the tables are. Served, since in
    # this process (rich installed) Datasette's own handler fails on a path no route matched.
    with pytest.raises(urllib.error.HTTPError) as answer:
        urllib.request.urlopen(live_server + path, timeout=30)
    assert answer.value.code == 404
    body = answer.value.read().decode("utf-8")
    if path.endswith(".json"):
        assert answer.value.headers["content-type"].startswith("application/json")
        body = json.loads(body)["error"]
    assert f"Nothing is at {path}: no page, table or row has this address" in body and "/api" in body


@pytest.mark.parametrize(
    "path",
    [
        # No quote holds the text, so every row's quote is read (30-40 ms here): the default
        # page's first 101 rows by rowid could come back inside the 1 ms, and then it is a 200.
        "/disclosures/figures.json?quote__contains=no-quote-holds-this&_timelimit=1",
        "/disclosures/country_newest.json?jurisdiction=USA&_timelimit=1",
        "/disclosures/figures.json?quote__contains=no-quote-holds-this&_timelimit=1&_facet=platform_id",
    ],
)
def test_a_query_stopped_by_the_clients_own_timelimit_is_a_400_not_server_busy(site, path):
    # It was a 503 "The server is busy ... It is not your request's fault: retry in 2 s" within
    # milliseconds, on an idle server: a client that retried got the same answer for ever.
    message = assert_error_shape(site.get(path), 400)
    assert "ran past the time limit of 1 ms, as _timelimit asked" in message


def test_a_page_stopped_by_the_clients_own_timelimit_is_a_400(site):
    response = site.get("/disclosures/country_newest?jurisdiction=USA&_timelimit=1")
    assert response.status_code == 400 and "retry-after" not in response.headers
    assert response.headers["content-type"].startswith("text/html")


# An error page of each plugin that answers one itself: plugins/explore.py (a page and its
# JSON), plugins/pages.py (/changes), plugins/fts_internals.py (a full-text index's paths) and
# plugins/client_errors.py (what Datasette raised). (path, status, what the message says)
PLUGINS_ERRORS = [
    ("/country/XXX", 404, "No jurisdiction &#39;XXX&#39; (did you mean XKX for Kosovo?): a country page is named by"),
    ("/telegram-map?metric=bogus", 400, "metric must be requests_fulfilled or accounts_affected"),
    ("/feed", 404, "/feed is not a page: the releases&#39; feed is /feed.atom (Atom)"),
    ("/changes?version=a&version=b", 400, "One release per page: give version= once"),
    ("/changes?version=9.9.9", 404, "No release &#39;9.9.9&#39;: the releases are "),
    ("/disclosures/figures_fts", 404, "figures_fts is the full-text index of figures, not a table of this site"),
    ("/disclosures/figures_fts.blob", 404, "figures_fts is the full-text index of figures, not a table of this site"),
    (
        "/disclosures/figures_fts_data",
        404,
        "figures_fts_data is the internal storage of the full-text index figures_fts",
    ),
    ("/disclosures/figures.blob?_blob_column=nosuch", 400, "nosuch is not a valid column"),
    ("/disclosures/nope", 404, "Nothing is at /disclosures/nope: no page, table or row has this address"),
    ("/disclosures?sql=select+load_extension(1)", 400, "Query refused: function load_extension is not allowed"),
]


@pytest.mark.parametrize(("path", "status", "message"), PLUGINS_ERRORS)
def test_every_plugins_error_page_is_made_by_the_shared_error_page(site, monkeypatch, path, status, message):
    # explore.py, pages.py, fts_internals.py and client_errors.py each rendered error.html with
    # their own context and titles; plugins/_responses.py's error_page makes every one, so a
    # change of its titles reaches them all.
    import sys

    monkeypatch.setitem(sys.modules["_responses"].TITLES, status, f"Shared title {status}")
    response = site.get(path)
    assert response.status_code == status
    assert response.headers["content-type"] == "text/html; charset=utf-8"
    assert f"<title>Shared title {status}</title>" in response.text
    assert f"<h1>Shared title {status}</h1>" in response.text
    assert message in response.text
    # The footer of every page: the data's licence, read from the instance's metadata.
    assert 'Data license:\n    <a href="https://creativecommons.org/licenses/by/4.0/">CC-BY-4.0</a>' in response.text


@pytest.mark.parametrize(
    ("path", "status", "message"),
    [
        ("/country/XXX.json", 404, "No jurisdiction 'XXX' (did you mean XKX for Kosovo?): a country page is named by"),
        ("/country/XXX.json?_shape=array", 400, "_shape=array: /country/XXX.json is one JSON object"),
        ("/telegram-map.json?metric=bogus", 400, "metric must be requests_fulfilled or accounts_affected"),
        ("/countries.xml", 404, "/countries has no .xml: its data is /countries.json"),
        ("/map.xml", 404, "/map has no .xml: it leads to /telegram-map"),
        ("/disclosures/figures_fts.csv", 404, "figures_fts is the full-text index of figures"),
        ("/disclosures/figures_fts/1.json", 404, "figures_fts is the full-text index of figures"),
        ("/disclosures/figures.json?_sort=nosuch", 400, "_sort=nosuch: figures cannot be sorted by that column"),
        ("/disclosures.csv?sql=select+nosuch", 400, "no such column: nosuch"),
    ],
)
def test_every_plugins_json_error_is_the_apis_error_shape(site, path, status, message):
    assert message in assert_error_shape(site.get(path), status)


@pytest.mark.parametrize(
    "path",
    [
        "/disclosures/figures_fts",
        "/disclosures/figures_fts_data",
        "/disclosures/figures_fts/1",
        # A table page's refusal is its filter form (tests/test_table_page_errors.py), whose footer
        # times its queries, so its GET and HEAD differ in length by a digit: a row's is a page.
        "/disclosures/figures/telegram-usa-2024-ip_or_phone-requests_fulfilled?_sort=nope",
        "/country/XXX",
        "/changes?version=9.9.9",
        "/downloads.xml",
    ],
)
def test_a_head_of_an_error_has_the_gets_headers(site, path):
    # A full-text index's page went out as plain text that plugins/errors.py rendered, with the
    # length of the page before plugins/landmarks.py added to it: a HEAD said 2591 bytes of a
    # 2613-byte page. A view's own error (a page's 404, /downloads.xml's JSON) had no length at
    # all on HEAD, where its GET had one (plugins/echoes.py answers a HEAD as the GET).
    get = site.get(path)
    head = site.loop.run_until_complete(site.datasette.client.request("HEAD", path))
    assert head.status_code == get.status_code >= 400 and head.content == b""
    assert get.headers["content-length"] == str(len(get.content))
    assert dict(head.headers) == dict(get.headers)


@pytest.mark.parametrize(
    ("path", "message"),
    [
        ("/disclosures/nope/x", "Table not found: nope"),
        ("/disclosures/figures/a,b.blob", "No row 'a,b' in figures: its key has 1 part"),
    ],
)
def test_strict_paths_plain_refusal_is_readable_from_any_origin_by_itself(site, path, message):
    # Its plain text was sent without Access-Control-Allow-Origin, which only plugins/downloads.py,
    # further out, added; every other answer the wrappers send (plugins/_responses.py) has it.
    from tests.conftest import plugin

    async def unreached(scope, receive, send):
        raise AssertionError("strict_paths answers this path itself")

    sent = []

    async def send(message):
        sent.append(message)

    async def receive():
        return {"type": "http.request", "body": b""}

    strict = plugin("strict_paths").asgi_wrapper(site.datasette)(unreached)
    scope = {"type": "http", "method": "GET", "path": path, "raw_path": path.encode(), "query_string": b""}
    site.loop.run_until_complete(strict(scope, receive, send))
    start, body = sent
    headers = dict(start["headers"])
    assert start["status"] == 404 and headers[b"content-type"].startswith(b"text/plain")
    assert headers[b"access-control-allow-origin"] == b"*"
    assert body["body"].decode().startswith(message)


@pytest.mark.parametrize(
    ("path", "meant"),
    [
        ("//disclosures/figures", "/disclosures/figures"),
        ("///disclosures/figures?platform_id=telegram&_size=5", "/disclosures/figures?platform_id=telegram&_size=5"),
        ("/%2Fdisclosures/figures?platform_id=telegram", "/disclosures/figures?platform_id=telegram"),
    ],
)
def test_a_doubled_slashs_404_links_the_address_with_one_slash(site, path, meant):
    # //disclosures/figures was a bare "Not found", which did not name the address the reader meant.
    page = site.get(path, follow_redirects=False)
    assert page.status_code == 404 and "location" not in page.headers
    assert page.headers["content-type"].startswith("text/html")
    link = markupsafe.Markup('<a href="{0}">{0}</a>').format(meant)
    assert f"which starts with more than one slash: the address with one is {link}</div>" in page.text
    # The link leads to the page the reader meant; the 404 itself is no redirect to it.
    assert site.get(meant).status_code == 200
    # A .json address's 404 names it too, in the API's error shape.
    json_path, json_meant = (address.replace("figures", "figures.json", 1) for address in (path, meant))
    message = assert_error_shape(site.get(json_path, follow_redirects=False), 404)
    assert message == (
        f"Nothing is at {json_path}, which starts with more than one slash: the address with one is {json_meant}"
    )


@pytest.mark.parametrize("path", ["//%5Cevil.example/", "//\\evil.example/", "/\\evil.example/"])
def test_a_404_names_no_address_a_browser_reads_as_another_sites(site, path):
    # With its slashes made one, //%5Cevil.example/ is /\evil.example/, which browsers read as //evil.example.
    page = site.get(path, follow_redirects=False)
    assert page.status_code == 404 and "location" not in page.headers
    assert '3px solid red;">Not found</div>' in page.text and "evil.example</a>" not in page.text


def test_another_error_on_a_doubled_slash_path_keeps_its_own_message(site):
    # The link is the 404's: a POST to the same address is the read-only site's 405, which says so.
    refused = site.loop.run_until_complete(site.datasette.client.post("//disclosures/figures", data={}))
    assert refused.status_code == 405 and "more than one slash" not in refused.text
    assert '3px solid red;">This site is read-only: use GET</div>' in refused.text
