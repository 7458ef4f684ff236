"""Layer (c): the findings of a newcomer's break-test of the site, through Datasette's client.

Each test names the finding it pins: a 5xx that was the client's fault, answers that ignored
parameters, errors in the wrong shape, and pages that said something untrue.
"""

import asyncio
import csv
import html
import io
import json
import re
import sqlite3
import types
from urllib.parse import urlencode

import httpx
import pytest
import yaml
from datasette import hookimpl

from disclosures import paths
from tests.conftest import Site, assert_error_shape, plugin, unhurried

FIGURES = "/disclosures/figures"


# 1. Parameters that name tables and columns ---------------------------------------------------


def through(table, column="y", value="z"):
    return json.dumps({"table": table, "column": column, "value": value})


@pytest.mark.parametrize(
    "query,expected",
    [
        ({"_through": through("x")}, "table 'x' has no foreign key to figures"),
        ({"_through": through("sources", "source_id")}, "table 'sources' has no foreign key to figures"),
        ({"_through": through("disagreements", "nope")}, "disagreements has no column 'nope'"),
        ({"_facet": '{"x": 1}'}, '"column"'),
        ({"_facet": "nope"}, "_facet=nope: the table has no such column"),
        ({"_facet_array": "nope"}, "_facet_array=nope"),
        ({"_facet_date": "{oops"}, "is not JSON"),
    ],
)
def test_a_parameter_naming_no_table_or_column_is_a_400(site, query, expected):
    message = assert_error_shape(site.get(FIGURES + ".json?" + urlencode(query)), 400)
    assert expected in message
    page = site.get(FIGURES + "?" + urlencode(query))
    assert page.status_code == 400 and page.headers["content-type"].startswith("text/html")


def test_the_through_message_lists_the_tables_that_can_be_used(site):
    message = assert_error_shape(site.get(FIGURES + ".json?" + urlencode({"_through": through("x")})), 400)
    assert "disagreements" in message and "series_members" in message


@pytest.mark.parametrize(
    "query",
    [
        {"_through": through("disagreements", "source_id", "nosuchsource")},
        {"_facet": '{"column": "platform_id"}'},
        {"_facet": '{"simple": "platform_id"}'},
        {"_facet_date": "period_start"},
    ],
)
def test_parameters_naming_real_tables_and_columns_still_work(site, query):
    assert site.get(FIGURES + ".json?" + urlencode({**query, "_size": 1})).status_code == 200


def test_a_through_value_that_is_not_a_string_or_number_is_a_400():
    named = plugin("named_parameters")
    problem = named.through_problem(json.dumps({"table": "t", "column": "c", "value": [1]}), "f", {"t": {"c"}})
    assert problem and "value" in problem
    assert named.through_problem(json.dumps({"table": "t", "column": "c", "value": 1}), "f", {"t": {"c"}}) is None


# 2. CSV: pages honour _size, the whole table streams ------------------------------------------


def csv_rows(response):
    return list(csv.DictReader(io.StringIO(response.text)))


@pytest.mark.parametrize("query,expected", [("_size=10", 10), ("_size=max", 5000), ("_size=3&_sort=value", 3)])
def test_a_table_csv_with_size_is_that_page(site, query, expected):
    response = site.get(FIGURES + ".csv?" + query)
    assert response.status_code == 200
    assert len(csv_rows(response)) == expected


def test_the_next_page_of_a_csv_follows_the_json_cursor(site):
    page = site.get(FIGURES + ".json?_size=5&_shape=objects").json()
    following = site.get(FIGURES + ".json?_size=5&_shape=objects&_next=" + page["next"]).json()
    exported = csv_rows(site.get(FIGURES + ".csv?_size=5&_next=" + page["next"]))
    assert [r["figure_id"] for r in exported] == [r["figure_id"] for r in following["rows"]]


@pytest.mark.parametrize(
    "query", ["platform_id=telegram&jurisdiction_id=USA&_size=7", "platform_id=linkedin&_size=50&_sort=value"]
)
def test_a_csv_page_names_the_next_page_until_every_row_is_read(site, query):
    # A page is not the whole answer: its Link header leads on, and following it reads every
    # matching row once, as many as the JSON counts.
    count = site.get(FIGURES + ".json?" + query).json()["filtered_table_rows_count"]
    url, ids, pages = FIGURES + ".csv?" + query, [], 0
    while url:
        response = site.get(url)
        assert response.status_code == 200
        ids += [row["figure_id"] for row in csv_rows(response)]
        pages += 1
        found = re.match(r'<([^>]+)>; rel="next"', response.headers.get("link", ""))
        # Absolute, as the JSON's next_url (a client follows it as it is): here, the test host's.
        assert found is None or found.group(1).startswith("http://localhost/disclosures/")
        url = found.group(1).removeprefix("http://localhost") if found else None
    assert pages > 1 and len(ids) == len(set(ids)) == count


def asgi_messages(datasette, path, query):
    """Every ASGI message the site sends for one GET, in order."""
    messages = []

    async def receive():
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message):
        messages.append(message)

    scope = {
        "type": "http",
        "http_version": "1.1",
        "method": "GET",
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": query.encode(),
        "headers": [(b"host", b"localhost")],
        "client": ("127.0.0.1", 1),
        "server": ("localhost", 80),
    }
    site_loop = asyncio.new_event_loop()
    try:
        site_loop.run_until_complete(datasette.app()(scope, receive, send))
    finally:
        site_loop.close()
    return messages


@pytest.mark.parametrize("query", ["", "_stream=on", "_labels=on"])
def test_the_whole_table_csv_is_streamed_in_pages_not_held_back(real_build, real_db, query):
    messages = asgi_messages(unhurried(real_build), FIGURES + ".csv", query)
    start, bodies = messages[0], [m for m in messages[1:] if m["type"] == "http.response.body"]
    assert start["status"] == 200
    assert b"content-length" not in {k.lower() for k, _ in start["headers"]}
    # Sent as it is read: many messages of whole rows, none the whole file, the last one final.
    assert len(bodies) > 20
    assert all(m.get("more_body") for m in bodies[:-1]) and not bodies[-1].get("more_body")
    assert all(m["body"].endswith(b"\r\n") for m in bodies if m["body"])
    whole = b"".join(m["body"] for m in bodies)
    assert max(len(m["body"]) for m in bodies) < len(whole) / 10
    exported = list(csv.DictReader(io.StringIO(whole.decode("utf-8"))))
    with sqlite3.connect(real_db) as conn:
        assert len(exported) == conn.execute("SELECT count(*) FROM figures").fetchone()[0]


def test_the_table_pages_csv_link_streams_every_row(site):
    html = site.get(FIGURES + "?platform_id=telegram&_size=20").text
    link = next(h for h in re.findall(r'href="([^"]+\.csv[^"]*)"', html) if "figures.csv" in h).replace("&amp;", "&")
    assert "_stream=on" in link and "_size" not in link and "platform_id=telegram" in link


def test_the_whole_csv_decision():
    downloads = plugin("downloads")
    assert downloads.wants_every_row([])
    assert downloads.wants_every_row([("_size", "10"), ("_stream", "on")])
    assert not downloads.wants_every_row([("_size", "10")])
    assert not downloads.wants_every_row([("_next", "abc")])
    assert not downloads.wants_every_row([("_size", "max"), ("_stream", "off")])


# 3. Over budget: busy is a 503 with Retry-After, only expensive-alone is a 400 ---------------


def test_an_overrun_while_busy_is_503_and_alone_is_400():
    budget = plugin("budget")
    status, message = budget.overrun_answer(1.4, shared=True, cpu_s=1.4, wall_s=1.4)
    assert status == 503 and "busy" in message and "not your request's fault" in message
    status, _ = budget.overrun_answer(1.4, shared=False, cpu_s=0.2, wall_s=1.4)
    assert status == 503  # the process waited for a CPU other processes had
    status, message = budget.overrun_answer(1.4, shared=False, cpu_s=1.3, wall_s=1.4)
    assert status == 400 and "expensive in itself" in message


def budget_of(site, monkeypatch, seconds):
    """Set the live budget plugin's margin so that ``site``'s requests have ``seconds`` in all (the
    budget is the site's SQL time limit plus the margin)."""
    from datasette.plugins import pm

    limit_s = site.datasette.setting("sql_time_limit_ms") / 1000
    monkeypatch.setattr(pm.get_plugin("budget.py"), "BUDGET_MARGIN_S", seconds - limit_s)


@pytest.fixture
def tiny_budget(site, monkeypatch):
    """The live budget plugin with a budget of 1 ms: every page overruns it."""
    budget_of(site, monkeypatch, 0.001)


@hookimpl
def hold_every_request(datasette):
    """An ASGI layer inside the budget's that holds each request 2 s, as a slow query would."""

    def wrap(app):
        async def held(scope, receive, send):
            if scope["type"] == "http":
                await asyncio.sleep(2)
            return await app(scope, receive, send)

        return held

    return wrap


@pytest.fixture
def overlapping_overruns(site, monkeypatch):
    """The live site's app with every request held 2 s and a budget of 0.5 s.

    Requests sent together are all still running when each overruns: the overlap is certain,
    not a matter of how the event loop interleaves them on a loaded machine, and no memo of an
    earlier test can make a page fast enough to escape.
    """
    from datasette.plugins import pm

    budget_of(site, monkeypatch, 0.5)
    hold = types.ModuleType("test_hold_every_request")  # Datasette's plugin list wants a module
    hold.asgi_wrapper = hold_every_request
    # pluggy calls the plugin registered last first, and Datasette applies the first wrapper
    # innermost: the hold sits inside the budget.
    pm.register(hold, name="test-hold-every-request")
    try:
        app = site.datasette.app()
    finally:
        pm.unregister(hold)
    return app


def held_concurrently(site, app, paths):
    async def fetch_all():
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://localhost") as client:
            return await asyncio.gather(*(client.get(p) for p in paths))

    return site.loop.run_until_complete(fetch_all())


@pytest.mark.parametrize(
    "path",
    ["/disclosures/coverage_cells?platform_id=telegram", FIGURES + "?_size=1000", FIGURES + "?_size=1000&_sort=value"],
)
def test_a_linked_page_overrunning_while_others_run_is_a_503_html_page(site, overlapping_overruns, path):
    # Each overran while the others ran (or waited for its turn behind them): the server was
    # busy, which is never the client's fault.
    responses = held_concurrently(site, overlapping_overruns, [path] * 4)
    assert [r.status_code for r in responses] == [503] * 4, [r.text[:200] for r in responses]
    for response in responses:
        assert response.headers["retry-after"] == "2"
        assert response.headers["content-type"].startswith("text/html")
        assert "The server is busy" in response.text and "<html" in response.text


def test_a_json_request_overrunning_while_others_run_is_a_503_in_the_error_shape(site, overlapping_overruns):
    responses = held_concurrently(site, overlapping_overruns, [FIGURES + ".json?_size=max"] * 4)
    assert [r.status_code for r in responses] == [503] * 4
    for response in responses:
        message = assert_error_shape(response, 503)
        assert "busy" in message and response.headers["retry-after"] == "2"
        # A script on another origin reads when to retry: CORS shows Retry-After only when exposed,
        # and reshaping the error into the API's shape dropped the header that exposed it.
        assert response.headers["access-control-allow-origin"] == "*"
        assert "Retry-After" in response.headers["access-control-expose-headers"].split(", ")


def test_an_overrun_alone_says_whose_fault_it_is(site, tiny_budget):
    response = site.get(FIGURES + ".json?_size=max")
    message = assert_error_shape(response, response.status_code)
    # Alone, the process either had the CPU (expensive in itself) or waited for it (busy).
    assert (response.status_code, "expensive in itself" in message) in ((400, True), (503, False))


# 4, 6, 7. Paths that answered the wrong thing -----------------------------------------------

FIGURE = "telegram-usa-2024-ip_or_phone-requests_fulfilled"


@pytest.mark.parametrize("figure_id", ["nope", "telegram-usa-1999-ip_or_phone-requests_fulfilled"])
def test_an_unknown_figures_json_is_a_404_in_the_error_shape(site, figure_id):
    message = assert_error_shape(site.get(f"/figure/{figure_id}.json"), 404)
    assert f"No figure '{figure_id}'" in message and "/disclosures/figures/FIGURE_ID.json" in message


def test_a_known_figures_json_redirects_to_its_row(site):
    response = site.get(f"/figure/{FIGURE}.json")
    assert response.status_code == 302
    assert response.headers["location"] == f"/disclosures/figures/{FIGURE}.json"
    assert site.get(response.headers["location"]).json()["rows"][0][0] == FIGURE


@pytest.mark.parametrize("extension", [".json", ""])
def test_a_row_path_with_trailing_key_parts_is_a_404(site, extension):
    response = site.get(f"{FIGURES}/{FIGURE},x{extension}")
    assert response.status_code == 404
    if extension:
        assert "its key has 1 part (figure_id), the path has 2" in assert_error_shape(response, 404)
    else:
        assert response.headers["content-type"].startswith("text/html") and "its key has 1 part" in response.text
    assert site.get(f"{FIGURES}/{FIGURE}{extension}").status_code == 200


def test_a_compound_key_row_path_still_works(site):
    change = site.get("/disclosures/release_changes.json?_size=1&_shape=objects").json()["rows"]
    row = change[0]  # release_changes has a three-part key: version, change, figure_id
    path = f"/disclosures/release_changes/{row['version']},{row['change']},{row['figure_id']}.json"
    assert site.get(path).status_code == 200
    assert plugin("strict_paths").key_parts_problem("a,b,c", 3, "t", ["x", "y", "z"]) is None


@pytest.mark.parametrize("path", ["/downloads", "/downloads/"])
def test_downloads_is_an_index_of_the_release_files_not_a_redirect_to_a_404(site, real_db, path):
    response = site.get(path)
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/html")
    with sqlite3.connect(real_db) as conn:
        files = conn.execute("SELECT version, path FROM release_files").fetchall()
    for version, file in files:
        assert f"Release {version}" in response.text and file in response.text


def test_downloads_gives_each_served_files_size(real_build, tmp_path):
    # The list named the files and no size: a reader could not tell the 9 KB CITATION.cff from a
    # database of tens of MB before clicking. A file this server does not hold has no size to give.
    with sqlite3.connect(real_build / "disclosures.db") as conn:
        version, served, other = conn.execute(
            "SELECT version, min(path), max(path) FROM release_files GROUP BY version LIMIT 1"
        ).fetchone()
    (tmp_path / version / served).parent.mkdir(parents=True, exist_ok=True)
    (tmp_path / version / served).write_bytes(b"x" * 123_456)
    page = Site(unhurried(real_build, dist=tmp_path)).get("/downloads").text
    item = re.search(rf'<li><a href="/downloads/{version}/{re.escape(served)}">.*?</li>', page, re.S).group(0)
    assert '<data class="file-size" value="123456" title="123,456 bytes">120.6 KB</data>' in item
    item = re.search(rf"<li>{re.escape(other)} .*?</li>", page, re.S).group(0)
    assert "file-size" not in item and "not on this server" in item


# 5. Unknown parameter values of the explore pages --------------------------------------------


@pytest.mark.parametrize(
    "path,parameter",
    [
        ("/compare.json?jurisdiction=USA&platform=nope", "platform=nope"),
        ("/chart.json?platform=telegram&jurisdiction=USA&metric=nope", "metric=nope"),
        ("/chart.json?platform=telegram&request_type=nope", "request_type=nope"),
        # Not XXX, one letter off Kosovo's XKX: its refusal asks "did you mean" (tests/test_explore.py).
        ("/chart.json?platform=telegram&jurisdiction=QQQ", "jurisdiction=QQQ"),
    ],
)
def test_an_unknown_value_is_a_400_naming_the_parameter_and_its_values(site, path, parameter):
    message = assert_error_shape(site.get(path), 400)
    name = parameter.split("=")[0]
    assert message.startswith(f"{parameter}: no such {name}; {name} is one of: ")
    page = site.get(path.replace(".json", ""))
    assert page.status_code == 400 and page.headers["content-type"].startswith("text/html")
    assert parameter in page.text


def test_the_allowed_values_are_the_vocabulary(site, real_db):
    message = assert_error_shape(site.get("/chart.json?platform=telegram&metric=nope"), 400)
    with sqlite3.connect(real_db) as conn:
        metrics = [r[0] for r in conn.execute("SELECT metric_id FROM metrics ORDER BY metric_id")]
    assert message.endswith(", ".join(metrics))


def test_a_known_value_without_figures_is_a_404_not_an_unknown_values_400(site):
    # A platform that exists but has no series is told so (the page, once a 200, is the 404 its JSON is).
    page = site.get("/chart?platform=signal")
    assert page.status_code == 404 and "Signal has no series for USA" in page.text and "no such" not in page.text
    assert "Signal has no series for USA" in assert_error_shape(site.get("/chart.json?platform=signal"), 404)
    assert site.get("/compare.json?jurisdiction=USA&platform=telegram&platform=google").status_code == 200


# 8-11. Pages that said something untrue or buried what matters -------------------------------


def test_changes_links_every_change_of_the_release(site, real_db):
    # A release with more changes than the page shows (1.0.0: tens of thousands) links them all.
    with sqlite3.connect(real_db) as conn:
        counts = dict(conn.execute("SELECT version, count(*) FROM release_changes GROUP BY version"))
    version = max(counts, key=counts.get)
    total = counts[version]
    html = site.get(f"/changes?version={version}").text
    link = f"/disclosures/release_changes?version={version}"
    assert f'href="{link}"' in html
    assert site.get(link + "&_size=1").status_code == 200
    listed = site.get(f"/disclosures/release_changes.json?version={version}&_size=1").json()
    assert listed["filtered_table_rows_count"] == total
    assert f"{total:,} changes" in html


def test_changes_lists_every_change_of_a_small_release_on_the_page(site, real_db):
    with sqlite3.connect(real_db) as conn:
        counts = dict(conn.execute("SELECT version, count(*) FROM release_changes GROUP BY version"))
        version = min(counts, key=counts.get)
        ids = [r[0] for r in conn.execute("SELECT figure_id FROM release_changes WHERE version = ?", [version])]
    html = site.get(f"/changes?version={version}").text
    assert counts[version] == len(ids) and "The first " not in html
    listed = re.findall(r'<td data-label="Figure" class="figure-id"><a href="/figure/([^"]+)"', html)
    assert sorted(listed) == sorted(ids)


def test_platforms_shows_a_dash_and_why_for_a_platform_without_counts(site):
    html = site.get("/platforms").text
    assert ">None<" not in html
    signal = re.search(r'href="/platform/signal">Signal</a>.*?</tr>', html, re.S).group(0)
    assert "— (publishes cases, not counts)" in signal


def test_coverage_cells_and_country_newest_describe_every_column(site, real_db):
    metadata = site.get("/-/metadata.json").json()["databases"]["disclosures"]
    described = metadata["tables"]["coverage_cells"]["columns"]
    with sqlite3.connect(real_db) as conn:
        columns = [r[1] for r in conn.execute("PRAGMA table_info(coverage_cells)")]
    assert set(columns) == set(described) and all(described.values())
    described = metadata["queries"]["country_newest"]["columns"]
    columns = site.get("/disclosures/country_newest.json?jurisdiction=USA").json()["columns"]
    assert set(columns) == set(described) and all(described.values())


def test_the_home_chart_caption_matches_the_periods_it_draws(site):
    html = site.get("/").text
    data = json.loads(re.search(r'id="telegram-chart-data">(.*?)</script>', html, re.S).group(1))
    whole = [c["name"] for c in data["countries"] if any(p["label"] == "January–September 2024" for p in c["periods"])]
    quarters = [c["name"] for c in data["countries"] if any(p["label"] == "Q1 2024" for p in c["periods"])]
    caption = " ".join(re.search(r'<section class="chart-section">(.*?)</p>', html, re.S).group(1).split())
    assert quarters, "the data has countries whose lines show the quarters of 2024"
    assert f"as a whole for {', '.join(whole)};" in caption
    assert f"of {', '.join(quarters)} show each quarter of 2024 separately" in caption


def test_compare_says_a_period_difference_once_per_row(site):
    html = site.get("/compare?jurisdiction=USA").text
    sections = re.findall(r'<section class="compare-group"[^>]*>(.*?)</section>', html, re.S)
    assert sections and "flag-period" not in html and "different period from" not in html
    for section in sections:
        periods = set(re.findall(r"</td>\s*<td class=\"period\"[^>]*>([^<]+)</td>\s*<td", section))
        assert section.count("period-note") == (1 if len(periods) > 1 else 0), periods


# 12. The figures table: long text cut short in HTML only -------------------------------------


def test_long_quotes_are_cut_short_in_the_page_and_whole_in_json(site, real_db):
    with sqlite3.connect(real_db) as conn:
        figure_id, quote = conn.execute(
            "SELECT figure_id, quote FROM figures WHERE length(quote) > 300 ORDER BY figure_id LIMIT 1"
        ).fetchone()
    html = site.get(f"{FIGURES}?figure_id={figure_id}").text
    cell = re.search(r'<td class="col-quote[^"]*">(.*?)</td>', html, re.S).group(1)
    assert f'<a class="more" href="/figure/{figure_id}">whole text</a>' in cell
    assert len(re.sub(r"<[^>]+>", "", cell)) < 120
    assert site.get(f"{FIGURES}.json?figure_id={figure_id}&_shape=objects").json()["rows"][0]["quote"] == quote
    assert "/static/figure-columns.js" in html


def test_shortened_cuts_at_a_word():
    long_text = plugin("long_text")
    assert long_text.shortened("short") is None
    cut = long_text.shortened("word " * 40)
    assert len(cut) <= long_text.SHOWN_CHARACTERS and cut.endswith("word")


def test_a_sorted_whole_table_csv_streams_in_pages_in_sqlites_order(real_build, real_db):
    # notes has long runs of ties and NULLs: the rows at each page boundary must be neither
    # skipped nor repeated, and the order is SQLite's (sort column, then key).
    messages = asgi_messages(unhurried(real_build), FIGURES + ".csv", "_sort=notes&platform_id=google")
    bodies = [m for m in messages[1:] if m["type"] == "http.response.body"]
    assert messages[0]["status"] == 200 and len(bodies) > 5
    whole = b"".join(m["body"] for m in bodies)
    exported = [r["figure_id"] for r in csv.DictReader(io.StringIO(whole.decode("utf-8")))]
    with sqlite3.connect(real_db) as conn:
        expected = [
            r[0]
            for r in conn.execute(
                "SELECT figure_id FROM figures WHERE platform_id = 'google' ORDER BY notes, figure_id"
            )
        ]
    assert exported == expected


def busy_on(datasette, pages: set[int]):
    """Make the site's own page requests (the stream's) answer 503 busy on the given calls."""
    import httpx

    original, calls = datasette.client.get, []

    async def get(path, *args, **kwargs):
        calls.append(path)
        if len(calls) in pages:
            body = b'{"ok": false, "status": 503, "error": "The server is busy"}'
            return httpx.Response(503, headers={"retry-after": "0"}, content=body)
        return await original(path, *args, **kwargs)

    datasette.client.get = get
    return calls


def test_a_streamed_page_answered_busy_is_asked_again(real_build, real_db):
    # Under load one page of a long sorted download can overrun its budget: the stream asks for
    # it again (as its Retry-After says) instead of breaking off.
    datasette = unhurried(real_build)
    calls = busy_on(datasette, {3, 4})
    messages = asgi_messages(datasette, "/disclosures/figures.csv", "_sort=value&platform_id=microsoft")
    bodies = [m for m in messages[1:] if m["type"] == "http.response.body"]
    exported = list(csv.DictReader(io.StringIO(b"".join(m["body"] for m in bodies).decode("utf-8"))))
    with sqlite3.connect(real_db) as conn:
        count = conn.execute("SELECT count(*) FROM figures WHERE platform_id = 'microsoft'").fetchone()[0]
    assert count > 2000 and len(exported) == count and not bodies[-1].get("more_body")
    assert calls[2] == calls[3] == calls[4]  # the busy page, asked again twice


def test_a_page_busy_every_time_still_breaks_the_stream_off(real_build):
    datasette = unhurried(real_build)
    busy_on(datasette, set(range(2, 10)))
    with pytest.raises(Exception, match="streamed CSV broken off"):
        asgi_messages(datasette, "/disclosures/figures.csv", "_sort=value&platform_id=microsoft")


def test_a_sorted_whole_view_csv_streams_every_row_once(real_build, real_db):
    # A view has no key to continue after (it answered a 200 and broke off with a KeyError): it
    # is paged by offset, as Datasette pages views, and `value` has long runs of ties.
    messages = asgi_messages(unhurried(real_build), "/disclosures/figures_series.csv", "_sort=value")
    bodies = [m for m in messages[1:] if m["type"] == "http.response.body"]
    assert messages[0]["status"] == 200 and len(bodies) > 5 and not bodies[-1].get("more_body")
    exported = list(csv.DictReader(io.StringIO(b"".join(m["body"] for m in bodies).decode("utf-8"))))
    with sqlite3.connect(real_db) as conn:
        count = conn.execute("SELECT count(*) FROM figures_series").fetchone()[0]
    assert count > 5000
    assert len(exported) == count and len({r["figure_id"] for r in exported}) == count
    values = [float(r["value"]) for r in exported if r["value"] != ""]
    assert values == sorted(values)


# Tables the build writes whose every column metadata.yml describes (the package describes its own).
DESCRIBED_COLUMN_BY_COLUMN = (
    "coverage_cells",
    "requests_and_accounts",
    "figure_inputs",
    "derivations_left_out",
    "period_names",
    "dataset",
    "releases",
    "release_changes",
    "release_table_changes",
    "release_files",
    "table_counts",
    "facet_counts",
    "facet_pair_counts",
    "home_numbers",
)


def test_every_table_and_view_a_reader_can_open_is_described(site, real_db):
    """requests_and_accounts, the release tables, the counts and every platform's coverage matrix
    had no description: a reader of /disclosures could not tell what they hold (an API consumer's
    finding: requests_and_accounts leaves bands empty, and nothing said so)."""
    tables = site.get("/-/metadata.json").json()["databases"]["disclosures"]["tables"]
    with sqlite3.connect(real_db) as conn:
        names = [
            name
            for (name,) in conn.execute("SELECT name FROM sqlite_master WHERE type IN ('table', 'view') ORDER BY name")
            if not name.startswith("sqlite_") and "_fts" not in name and not tables.get(name, {}).get("hidden")
        ]
        undescribed = [name for name in names if not tables.get(name, {}).get("description")]
        assert undescribed == []
        assert any(name.endswith("_coverage") for name in names)
        for name in DESCRIBED_COLUMN_BY_COLUMN:
            columns = [r[1] for r in conn.execute(f"PRAGMA table_info({name})")]
            described = tables[name].get("columns", {})
            assert [c for c in columns if not described.get(c)] == [], name
    assert "band" in tables["requests_and_accounts"]["description"]


def test_metadata_yml_names_no_key_twice():
    """YAML keeps the last of two equal keys without a word: a second period_names entry would
    have dropped the first one's column descriptions."""
    repeated = []

    class Loader(yaml.SafeLoader):
        pass

    def mapping(loader, node, deep=False):
        keys = [loader.construct_object(key, deep=deep) for key, _ in node.value]
        repeated.extend(f"{key} (line {node.start_mark.line + 1})" for key in set(keys) if keys.count(key) > 1)
        return yaml.SafeLoader.construct_mapping(loader, node, deep)

    Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, mapping)
    yaml.load(paths.SITE_METADATA_SOURCE.read_text(encoding="utf-8"), Loader=Loader)
    assert repeated == []


def test_an_html_table_page_shows_at_most_a_thousand_rows_and_says_so_in_its_address(site):
    """figures?_size=max rendered 5,000 rows (12-14 MB of HTML) on the thread that answers every
    request: the whole server stalled 2-3.5 s, and the time budget cannot stop a render (a
    newcomer's finding). The page redirects to the size it shows; JSON keeps 5,000."""
    for asked in ("max", "5000", "1001"):
        answer = site.get(f"/disclosures/figures?platform_id=google&_size={asked}&_sort=value")
        assert answer.status_code == 302
        assert answer.headers["location"] == "/disclosures/figures?platform_id=google&_sort=value&_size=1000"
    page = site.get("/disclosures/figures?platform_id=google&_sort=value&_size=1000")
    assert page.status_code == 200 and page.text.count('<td class="col-figure_id') == 1000
    assert len(site.get("/disclosures/figures.json?_size=max&_shape=array").json()) == 5000
    assert site.get("/disclosures/figures?_size=abc").status_code == 400


def test_a_repeated_size_is_never_rendered_past_the_cap(site):
    # The last _size was checked, the first one used: _size=5000&_size=1 rendered 5,000 rows.
    # Two different sizes are now a 400 (plugins/parameters.py, found by break17); one size
    # given twice is capped as one.
    for asked in ("_size=5000&_size=1", "_size=max&_size=1", "_size=1&_size=5000"):
        page = site.get(f"/disclosures/figures?{asked}")
        assert page.status_code == 400 and "_size is given 2 times" in html.unescape(page.text)
    answer = site.get("/disclosures/figures?_size=5000&_size=5000")
    assert answer.status_code == 302 and answer.headers["location"] == "/disclosures/figures?_size=1000"
