"""Layer (c): what a programmer building a client on the API found broken (a fresh reviewer's
report): preflights, HEAD, conditional GETs, redirects that kept nothing, paths that named a
row or a format wrongly."""

import asyncio
import hashlib
import html
import json
import re
from urllib.parse import quote

import markupsafe
import pytest
from requests.utils import parse_header_links

from tests.conftest import assert_error_shape, plugin, rows
from tests.test_newcomer_findings import asgi_messages

FIGURE = "telegram-usa-2024-ip_or_phone-accounts_affected"


@pytest.mark.parametrize(
    "path", ["/disclosures/requests_and_accounts/telegram", "/disclosures/coverage_cells/telegram"]
)
def test_a_row_path_with_too_few_key_parts_is_a_404_that_names_the_key(site, path):
    # Datasette answered 400 "You did not supply a value for binding parameter :p1".
    message = assert_error_shape(site.get(path + ".json"), 404)
    assert "its key has" in message and "the path has 1" in message and "binding" not in message
    page = site.get(path)
    assert page.status_code == 404 and page.headers["content-type"].startswith("text/html")


@pytest.mark.parametrize(
    "path", ["/country/USA.json", "/platform/telegram.json", f"/figure/{FIGURE}.json", "/disclosures/figures.json"]
)
def test_a_cors_preflight_is_answered_for_every_path(site, path):
    preflight = site.loop.run_until_complete(
        site.datasette.client.request(
            "OPTIONS",
            path,
            headers={
                "Origin": "https://example.org",
                "Access-Control-Request-Method": "GET",
                "Access-Control-Request-Headers": "if-none-match",
            },
        )
    )
    assert preflight.status_code == 204 and preflight.content == b""
    assert preflight.headers["access-control-allow-origin"] == "*"
    assert "GET" in preflight.headers["access-control-allow-methods"]
    assert preflight.headers["access-control-allow-headers"] == "if-none-match"
    # What a script on another origin may then read of the answer: its ETag and next page.
    exposed = site.get(path).headers["access-control-expose-headers"]
    assert {"Link", "ETag", "Retry-After"} <= {h.strip() for h in exposed.split(",")}


@pytest.mark.parametrize(
    "path", ["/disclosures/sources.json?_size=5&_shape=array", "/disclosures/figures.csv?_size=3", "/country/USA.json"]
)
def test_a_head_has_the_gets_headers_and_no_body(site, path):
    got = site.get(path)
    head = site.loop.run_until_complete(site.datasette.client.request("HEAD", path))
    assert head.status_code == got.status_code == 200 and head.content == b""
    assert head.headers["content-type"] == got.headers["content-type"]
    # Datasette's views sent Content-Length: 0 for a HEAD.
    assert head.headers.get("content-length") in (None, str(len(got.content)))
    assert head.headers.get("content-length") == got.headers.get("content-length")


def test_a_figures_json_redirect_keeps_the_clients_parameters(site):
    # (_labels=on, which a row does not apply, is a 400 there: tests/test_site_rough_edges.py.)
    response = site.get(f"/figure/{FIGURE}.json?_shape=array&_ttl=60")
    assert response.status_code == 302
    assert response.headers["location"] == f"/disclosures/figures/{FIGURE}.json?_shape=array&_ttl=60"
    followed = site.get(response.headers["location"])
    assert followed.json()[0]["figure_id"] == FIGURE and followed.headers["cache-control"] == "max-age=60"


@pytest.mark.parametrize("asked", ["*", "W/{etag}", '"other", {etag}', "W/{etag}, *"])
def test_a_conditional_get_of_the_database_compares_etags_weakly(site, asked):
    etag = site.get("/disclosures.db", headers={"Range": "bytes=0-15"}).headers["etag"]
    response = site.get("/disclosures.db", headers={"If-None-Match": asked.format(etag=etag)})
    assert response.status_code == 304 and response.content == b""
    assert site.get("/disclosures.db", headers={"If-None-Match": '"other"', "Range": "bytes=0-15"}).status_code in (
        200,
        206,
    )


@pytest.mark.parametrize("path", ["/disclosures/figures%2Ejson", "/disclosures/figures%2ecsv", "/country/USA%2Ejson"])
def test_a_path_whose_extension_dot_is_escaped_answers_as_the_plain_path(site, path):
    # %2E is an escaped ".", the same address (RFC 3986, 6.2.2.2). Datasette redirected it to
    # figures~2Ejson, an HTML 404; then it was a 404 in the error shape.
    plain = path.replace("%2E", ".").replace("%2e", ".")
    response, expected = site.get(path), site.get(plain)
    assert response.status_code == expected.status_code == 200
    assert response.headers["content-type"] == expected.headers["content-type"]
    if plain.endswith(".json"):
        got, wanted = response.json(), expected.json()
        for data in (got, wanted):
            data.pop("query_ms", None)
        assert got == wanted
    else:
        assert response.text == expected.text


@pytest.mark.parametrize("search, found", [("%00", 0), ("%01%02", 0), ("%C2%A0", 0), ("", None), ("+", None)])
def test_a_search_of_control_characters_finds_nothing_and_a_blank_one_is_no_search(site, search, found):
    every = site.get("/disclosures/figures.json?_size=0").json()["filtered_table_rows_count"]
    body = site.get(f"/disclosures/figures.json?_size=0&_search={search}").json()
    assert body["filtered_table_rows_count"] == (every if found is None else found)


def test_a_head_stops_the_producer_at_its_first_chunk():
    # A HEAD of /disclosures.db read the whole file (109 MB) to send none of it.

    responses = plugin("_responses")
    sent, made = [], []

    async def producer(send):
        await send({"type": "http.response.start", "status": 200, "headers": [(b"content-length", b"9")]})
        for chunk in (b"abc", b"def", b"ghi"):
            made.append(chunk)
            await send({"type": "http.response.body", "body": chunk, "more_body": chunk != b"ghi"})

    async def send(message):
        sent.append(message)

    with pytest.raises(responses.HeadAnswered):
        asyncio.run(producer(responses.bodiless(send)))
    assert made == [b"abc"]
    assert [m["type"] for m in sent] == ["http.response.start", "http.response.body"]
    assert sent[1] == {"type": "http.response.body", "body": b""}
    assert sent[0]["headers"] == [(b"content-length", b"9")]


@pytest.mark.parametrize("path", ["/disclosures.db", "/disclosures/figures.csv?_stream=on"])
def test_a_head_of_a_streamed_answer_has_its_headers_and_no_body(site, path):
    got = site.get(path)
    head = site.loop.run_until_complete(site.datasette.client.request("HEAD", path))
    assert got.status_code == head.status_code == 200 and len(got.content) > 1000 and head.content == b""
    for name in ("content-type", "content-disposition", "etag", "content-length"):
        assert head.headers.get(name) == got.headers.get(name)


@pytest.mark.parametrize("path", ["/", "/-/health.json", "/disclosures/figures.json?_size=1", f"/figure/{FIGURE}"])
def test_a_cookie_that_is_not_utf8_is_ignored_not_a_500(site, path):
    # Datasette's CSRF layer decoded the header as UTF-8 and answered every path with a 500.
    response = site.get(path, headers={"cookie": b"pref=caf\xe9"})
    assert response.status_code == 200, response.text[:200]


def test_a_request_with_cookies_is_answered_as_one_without(site):
    # As behind nginx, which passes no cookie on: a cookie made an answer "private, no-store".
    path = "/disclosures/figures.json?_size=1"
    plain, with_cookie = site.get(path), site.get(path, headers={"cookie": "ds_actor=x; theme=dark"})
    assert with_cookie.status_code == plain.status_code == 200
    assert with_cookie.headers.get("cache-control") == plain.headers.get("cache-control")
    assert "private" not in with_cookie.headers.get("cache-control", "")
    assert with_cookie.json()["rows"] == plain.json()["rows"]
    assert plugin("cookies").without_cookies([(b"Cookie", b"a=1"), (b"accept", b"*/*")]) == [(b"accept", b"*/*")]


@pytest.mark.parametrize(
    ("escaped", "plain"),
    [
        ("/disclosures/fig%75res.json?_size=1", "/disclosures/figures.json?_size=1"),
        ("/country/U%53A.json", "/country/USA.json"),
        (f"/disclosures/figures/{FIGURE.replace('-', '%2D', 1)}.json", f"/disclosures/figures/{FIGURE}.json"),
        (f"/figure/{FIGURE.replace('_', '%5f', 1)}", f"/figure/{FIGURE}"),
    ],
)
def test_an_escaped_letter_digit_hyphen_or_underscore_in_a_path_is_that_character(site, escaped, plain):
    # RFC 3986 6.2.2.2: they are the same address. Datasette routes on the path as sent: a 404.
    response, expected = site.get(escaped), site.get(plain)
    assert response.status_code == expected.status_code == 200
    if ".json" in plain:
        answer, wanted = response.json(), expected.json()
        if isinstance(wanted, dict):
            answer.pop("query_ms", None), wanted.pop("query_ms", None)
        assert answer == wanted
    else:
        assert response.text == expected.text


def test_an_escaped_dot_tilde_or_slash_stays_escaped():
    canonical = plugin("canonical")
    assert canonical.unescaped_plain(b"/a%41%7a%30%2D%5F") == b"/aAz0-_"
    # In Datasette's addresses an escaped dot is part of a name, not the start of a format.
    for kept in (b"/x%2Ejson", b"/x%7E2E", b"/x%2Fy", b"/x%20y", b"/x%40y"):
        assert canonical.unescaped_plain(kept) == kept


@pytest.mark.parametrize(
    ("query", "said"),
    [
        ("value__gt=99999999999999999999999", "larger than the largest whole number SQLite holds"),
        ("value__lte=9223372036854775808", "larger than the largest whole number SQLite holds"),
        ("value__gte=%C2%B2", "not a number"),
        ("value__in=%5B99999999999999999999999%5D", "outside the whole numbers SQLite holds"),
        ("value__notin=%5B1,-9223372036854775809%5D", "outside the whole numbers SQLite holds"),
        (
            "_through=" + '{"table":"figure_inputs","column":"figure_id","value":99999999999999999999999}',
            "outside the whole numbers SQLite holds",
        ),
    ],
)
def test_a_number_sqlite_cannot_hold_is_a_400_not_a_500(site, query, said):
    # Datasette binds digits as a Python int: "Python int too large to convert to SQLite INTEGER", a 500.
    for path in ("/disclosures/figures.json", "/disclosures/figures.csv"):
        assert said in assert_error_shape(site.get(f"{path}?{query}&_size=1"), 400)
    page = site.get(f"/disclosures/figures?{query}")
    assert page.status_code == 400 and page.headers["content-type"].startswith("text/html")
    if "_through" not in query:
        assert said in assert_error_shape(site.get(f"/disclosures/figures_series.json?{query}"), 400)


# A whole number beyond SQLite's integers on each side, and what its 400 says of it.
BEYOND = {
    "9223372036854775808": "larger than the largest whole number SQLite holds (9223372036854775807)",
    "-9223372036854775809": "smaller than the smallest whole number SQLite holds (-9223372036854775808)",
}


@pytest.mark.parametrize("lookup", ["", "__exact", "__not", "__gt", "__gte", "__lt", "__lte", "__in", "__notin"])
@pytest.mark.parametrize("column", ["year", "recency_rank", "is_derived", "value"])
def test_a_whole_number_beyond_sqlites_is_the_same_400_for_every_comparison(site, column, lookup):
    # year=9223372036854775808 (and __not, __in, __notin, and the gt family given a sign) was bound
    # as text, which SQLite read as the nearest double: an empty 200 (or every row), where
    # year__gt=9223372036854775808, bound as a Python int, was a 400.
    for number, said in BEYOND.items():
        key = f"{column}{lookup}"
        message = assert_error_shape(site.get(f"/disclosures/figures.json?{key}={number}&_size=1"), 400)
        assert message == f"{key}={number}: {said}"
    if lookup in ("__in", "__notin"):
        # One value of a list is named by its place, with the whole range.
        message = assert_error_shape(
            site.get(f"/disclosures/figures.json?{column}{lookup}=1,%209223372036854775808&_size=1"), 400
        )
        assert message.endswith(
            "its 2nd value 9223372036854775808 is outside the whole numbers SQLite holds "
            "(-9223372036854775808 to 9223372036854775807)"
        )


SQL_OF = {"": "=", "__not": "!=", "__gte": ">=", "__lte": "<=", "__in": "IN", "__notin": "NOT IN"}


@pytest.mark.parametrize("lookup", list(SQL_OF))
def test_the_whole_numbers_at_sqlites_bounds_still_compare(site, real_db, lookup):
    for number in (2**63 - 1, -(2**63)):
        answer = site.get(f"/disclosures/figures.json?year{lookup}={number}&_size=0&_nofacet=1")
        assert answer.status_code == 200, answer.text[:300]
        right = "(?)" if "IN" in SQL_OF[lookup] else "?"
        expected = rows(real_db, f"SELECT count(*) FROM figures WHERE year {SQL_OF[lookup]} {right}", number)[0][0]
        assert answer.json()["filtered_table_rows_count"] == expected
    # A column of text compares text: a long run of digits there is no number.
    assert site.get("/disclosures/figures.json?platform_wording=9223372036854775808&_size=0").status_code == 200


def test_the_largest_whole_numbers_sqlite_holds_still_filter(site, real_db):
    largest = 2**63 - 1
    for query, where in [(f"value__lt={largest}", f"value < {largest}"), ("value__gt=100", "value > 100")]:
        expected = rows(real_db, f"SELECT count(*) FROM figures WHERE {where}")[0][0]
        # Only the count is checked: no facets, which a machine busy with other work can push past
        # the request's budget (a 503 with no count).
        answer = site.get(f"/disclosures/figures.json?{query}&_size=0&_nofacet=1").json()
        assert answer["filtered_table_rows_count"] == expected > 0
    in_list = site.get(f"/disclosures/figures.json?value__notin=[{largest},{-(2**63)}]&_size=0&_nofacet=1").json()
    assert (
        in_list["filtered_table_rows_count"]
        == rows(real_db, "SELECT count(*) FROM figures WHERE value IS NOT NULL")[0][0]
    )


@pytest.mark.parametrize(
    ("path", "named"),
    [
        ("/disclosures/compare_platforms.json?jurisdiction=USA&jurisdiction=DEU&_shape=array", "jurisdiction"),
        ("/disclosures/compare_platforms.csv?jurisdiction=USA&jurisdiction=DEU", "jurisdiction"),
        ("/disclosures/search_everything.json?q=telegram&q=google", "q"),
        ("/disclosures.json?sql=select+1&sql=select+2&_shape=array", "sql"),
        ("/disclosures.json?sql=select+:a&a=1&a=2", "a"),
    ],
)
def test_a_query_parameter_given_twice_with_two_values_is_a_400_not_the_first_alone(site, path, named):
    # Datasette read the first: compare_platforms answered for the United States alone, 200.
    message = assert_error_shape(site.get(path), 400)
    assert message.startswith(f"{named} is given 2 times") and "one value of each parameter" in message
    page = site.get(path.replace(".json", "").replace(".csv", ""))
    assert page.status_code == 400 and page.headers["content-type"].startswith("text/html")


def test_a_query_parameter_given_twice_alike_and_a_tables_repeated_filters_still_answer(site):
    once = site.get("/disclosures/compare_platforms.json?jurisdiction=USA&_shape=array")
    twice = site.get("/disclosures/compare_platforms.json?jurisdiction=USA&jurisdiction=USA&_shape=array")
    assert once.status_code == twice.status_code == 200 and twice.json() == once.json() != []
    # On a table, repeated filters are each applied (Datasette ANDs them): no query reads one of them.
    # (One column asked to equal two values is a 400: tests/test_contradictory_filters.py.)
    both = site.get("/disclosures/figures.json?value__gt=100&value__gt=900&_size=0")
    above = site.get("/disclosures/figures.json?value__gt=900&_size=0")
    assert (
        both.status_code == 200
        and both.json()["filtered_table_rows_count"] == above.json()["filtered_table_rows_count"]
    )


@pytest.mark.parametrize(
    ("path", "said"),
    [
        ("/disclosures/compare_platforms.json?jurisdiction=XX", "jurisdiction=XX: no such jurisdiction"),
        ("/disclosures/compare_platforms.csv?jurisdiction=X.Y.", "jurisdiction=X.Y.: no such jurisdiction"),
        ("/disclosures/platform_coverage.json?platform=Telegramm", "platform=Telegramm: no such platform"),
        ("/disclosures/telegram_before_after_arrest.json?metric=requests", "metric=requests: no such metric"),
        ("/disclosures/compare_platforms.json", "compare_platforms needs jurisdiction"),
        ("/disclosures/compare_platforms.csv?jurisdiction=", "compare_platforms needs jurisdiction"),
        # The proxy test's own request named parameters the query does not take.
        ("/disclosures/top_jurisdictions.json?platform_id=telegram&year=2024", "top_jurisdictions needs platform"),
    ],
)
def test_a_canned_query_asked_for_what_does_not_exist_is_a_400_not_an_empty_answer(site, path, said, real_db):
    # Each answered 200 with no rows, as if the United States (or Telegram) had no figures.
    message = assert_error_shape(site.get(path), 400)
    assert message.startswith(said)
    if "needs" in said:
        assert "for example" in message  # each query has a default to show (query_defaults)
    else:
        table = said.split(": no such ")[1] + "s"
        assert f"/disclosures/{table}" in message and rows(real_db, f"SELECT count(*) FROM {table}")[0][0] > 0


ALPHA3_HELP = (
    "no such jurisdiction; a jurisdiction is its ISO 3166-1 alpha-3 code (USA, DEU): for {0}, jurisdiction={1}"
)


# Every reader of a jurisdiction: /compare and /chart, and each canned query that reads one
# (metadata.yml), as a page, as JSON and, for the queries, as CSV.
JURISDICTION_READERS = [
    *(f"/compare{fmt}?jurisdiction=" for fmt in ("", ".json")),
    *(f"/chart{fmt}?platform=google&jurisdiction=" for fmt in ("", ".json")),
    *(
        f"/disclosures/{query}{fmt}?jurisdiction="
        for query in ("compare_platforms", "country_newest", "jurisdiction_series")
        for fmt in ("", ".json", ".csv")
    ),
]


@pytest.mark.parametrize("path", JURISDICTION_READERS)
@pytest.mark.parametrize(("asked", "code"), [("BR", "BRA"), ("br", "BRA"), ("germany", "DEU")])
def test_every_reader_of_a_jurisdiction_gives_the_code_its_alpha2_or_name_means(site, path, asked, code):
    # /compare said "for BR, jurisdiction=BRA"; compare_platforms.json?jurisdiction=BR said only
    # where the codes are listed. One helper (plugins/_near_codes.py) words it for every reader.
    response = site.get(path + asked)
    said = f"jurisdiction={asked}: " + ALPHA3_HELP.format(asked, code)
    if ".json?" in path:
        assert assert_error_shape(response, 400) == said
    else:
        assert response.status_code == 400 and said in html.unescape(response.text)


ALTERNATE = re.compile(r'<link rel="alternate" type="application/json\+datasette" href="([^"]*)"')


@pytest.mark.parametrize(
    "page",
    [
        "/disclosures/platform_coverage",
        "/disclosures/compare_platforms",
        "/disclosures/top_jurisdictions?platform=telegram",
        "/disclosures?sql=select+:platform+as+p",
    ],
)
def test_a_query_page_whose_json_would_be_refused_links_no_alternate_json(site, page):
    # Its <link rel="alternate"> and Link header pointed at its .json, a 400 ("needs platform").
    path, _, query = page.partition("?")
    json_path = f"{path}.json" + (f"?{query}" if query else "")
    assert site.get(json_path).status_code == 400
    answer = site.get(page)
    assert answer.status_code == 200 and "<form" in answer.text
    assert not ALTERNATE.search(answer.text) and "link" not in answer.headers


@pytest.mark.parametrize(
    "page",
    [
        "/disclosures/platform_coverage?platform=telegram",
        "/disclosures/search_everything",
        "/disclosures?sql=select+:platform+as+p&platform=telegram",
        "/disclosures/figures",
    ],
)
def test_a_page_whose_json_answers_links_it_as_its_alternate(site, page):
    answer = site.get(page)
    (linked,) = ALTERNATE.findall(answer.text)
    linked = html.unescape(linked)
    assert parse_header_links(answer.headers["link"]) == [
        {"url": linked, "rel": "alternate", "type": "application/json+datasette"}
    ]
    assert site.get(linked.removeprefix("http://localhost")).status_code == 200


link_headers = plugin("link_headers")


@pytest.mark.parametrize(
    "page",
    [
        "/disclosures/figures",  # a table
        f"/disclosures/figures/{FIGURE}",  # a row
        "/disclosures/corroborations/x-eu-2026h1-dsa_information_order-requests_received,"
        "x-dsa-2026h1-member-states-orders-first-export-csv-archive",  # a row with a two-part key
        "/disclosures/search_everything?q=telegram",  # a canned query
        "/disclosures?sql=select+1,+2",  # a query of the client's own
        "/disclosures",
    ],
)
def test_a_pages_link_header_names_its_json_in_angle_brackets_as_rfc_8288_writes_it(site, page):
    # Datasette wrote Link: http://.../figures.json; rel="alternate"; ..., its target bare.
    answer = site.get(page)
    assert answer.status_code == 200
    (linked,) = ALTERNATE.findall(answer.text)
    value = answer.headers["link"]
    assert link_headers.valid(value.encode("latin-1")), value
    target = link_headers.as_uri(html.unescape(linked).encode()).decode()
    assert value == f'<{target}>; rel="alternate"; type="application/json+datasette"'
    expected = {"url": target, "rel": "alternate", "type": "application/json+datasette"}
    assert parse_header_links(value) == [expected]  # requests'
    assert answer.links == {"alternate": expected}  # httpx's
    assert site.get(target.removeprefix("http://localhost")).status_code == 200


def test_a_raw_angle_bracket_in_the_query_string_stays_inside_the_link(site):
    # The target repeats the query string as the client sent it (httpx would percent-encode the
    # "<", so the request goes to the ASGI app as it is): unbracketed, a comma before a raw "<"
    # split the header into two links for requests' and httpx's parsers.
    (start, *_) = asgi_messages(site.datasette, "/disclosures/search_everything", "q=a,<b")
    assert start["status"] == 200
    (value,) = [v.decode("latin-1") for k, v in start["headers"] if k.lower() == b"link"]
    target = "http://localhost/disclosures/search_everything.json?q=a,%3Cb"
    assert value == f'<{target}>; rel="alternate"; type="application/json+datasette"'
    assert parse_header_links(value) == [{"url": target, "rel": "alternate", "type": "application/json+datasette"}]
    assert site.get(target.removeprefix("http://localhost")).status_code == 200


@pytest.mark.parametrize(
    "path",
    [
        "/disclosures/figures.json?_size=2",  # Datasette's next page
        "/disclosures/figures.csv?_size=2",  # a table's CSV page (plugins/downloads.py)
        "/disclosures/figures?_filter_column=platform_id&_filter_op=exact&_filter_value=telegram",  # a redirect
    ],
)
def test_link_headers_that_were_valid_pass_unchanged(site, path):
    answer = site.get(path)
    value = answer.headers["link"]
    assert value.startswith("<") and link_headers.valid(value.encode("latin-1")), value
    assert link_headers.repaired(value.encode("latin-1")) == value.encode("latin-1")
    (parsed,) = parse_header_links(value)
    assert parsed["rel"] in ("next", "preload") and site.get(
        parsed["url"].removeprefix("http://localhost")
    ).status_code in (200, 302)


@pytest.mark.parametrize(
    ("written", "sent"),
    [
        (
            b'http://h/d/t.json; rel="alternate"; type="application/json+datasette"',
            b'<http://h/d/t.json>; rel="alternate"; type="application/json+datasette"',
        ),
        # The target ends at the first "; ": a query's own ";" stays in it.
        (b'http://h/d.json?sql=select+1;x=2; rel="alternate"', b'<http://h/d.json?sql=select+1;x=2>; rel="alternate"'),
        # What a URI cannot hold is percent-encoded; its percent-encodings are kept.
        (
            b'http://h/s.json?q=a,<"b">%zz%C3%A9\xc3\xa9; rel="alternate"',
            b'<http://h/s.json?q=a,%3C%22b%22%3E%25zz%C3%A9%C3%A9>; rel="alternate"',
        ),
        (b"</d/t?q=<b>>; rel=preload", b"</d/t?q=%3Cb%3E>; rel=preload"),
        # Valid: left alone, a list of links included.
        (
            b'<http://h/a>; rel="next", </b>;rel=preload;title="x, y"',
            b'<http://h/a>; rel="next", </b>;rel=preload;title="x, y"',
        ),
    ],
)
def test_a_link_header_is_repaired_only_where_rfc_8288_does_not_allow_it(written, sent):
    assert link_headers.valid(written) == (written == sent)
    assert link_headers.repaired(written) == sent
    assert link_headers.valid(sent) and link_headers.repaired(sent) == sent


def test_a_canned_querys_page_still_opens_on_its_form_and_its_defaults_still_answer(site, real_db):
    assert site.get("/disclosures/compare_platforms").status_code == 200
    assert site.get("/disclosures/compare_platforms?jurisdiction=US").status_code == 400
    # A query with a default for a blank parameter (nullif(:jurisdiction, '')) answers with it.
    blank = site.get("/disclosures/country_newest.json?_shape=array").json()
    assert blank == site.get("/disclosures/country_newest.json?jurisdiction=USA&_shape=array").json() != []
    # The query compares jurisdiction in upper case: usa is USA.
    lower = site.get("/disclosures/compare_platforms.json?jurisdiction=usa&_shape=array").json()
    assert lower == site.get("/disclosures/compare_platforms.json?jurisdiction=USA&_shape=array").json() != []
    # Free text is not a vocabulary: a blank search finds nothing, as before.
    assert site.get("/disclosures/search_everything.json?q=&_shape=array").json() == []


TOP = "/disclosures/top_jurisdictions"
TELEGRAM_2024 = "platform=telegram&metric=requests_fulfilled&period_start=2024-01-01&period_end=2024-12-31"


@pytest.mark.parametrize(
    ("query", "said"),
    [
        (
            "platform=telegram&metric=requests_fulfilled",
            "top_jurisdictions needs period_start, a date written YYYY-MM-DD",
        ),
        (TELEGRAM_2024.replace("&period_end=2024-12-31", ""), "top_jurisdictions needs period_end"),
        (TELEGRAM_2024.replace("2024-01-01", "2024-1-1"), "period_start=2024-1-1: not a day of the calendar"),
        (TELEGRAM_2024.replace("2024-12-31", "2024-06-31"), "period_end=2024-06-31: not a day of the calendar"),
        (TELEGRAM_2024.replace("2024-01-01", "notadate"), "period_start=notadate: not a day of the calendar"),
        (TELEGRAM_2024.replace("2024-01-01", "2024-01-02"), "period_start=2024-01-02: no figure's period starts on"),
        # Each a day some period starts or ends on, the end before the start: also 200 [].
        (
            TELEGRAM_2024.replace("2024-12-31", "2023-12-31"),
            "period_end=2023-12-31 is before period_start=2024-01-01: a period ends on or after the day it starts",
        ),
    ],
)
def test_a_canned_querys_period_missing_or_no_periods_day_is_a_400_not_an_empty_ranking(site, query, said):
    # top_jurisdictions compares the dates as text: each answered 200 with [], as if nothing ranked.
    for fmt in (".json", ".csv"):
        message = assert_error_shape(site.get(f"{TOP}{fmt}?{query}"), 400)
        assert message.startswith(said)
    if "needs" in said:
        assert "for example period_" in message
        assert site.get(f"{TOP}?{query}").status_code == 200  # the page opens on its form
    else:
        page = site.get(f"{TOP}?{query}")
        assert page.status_code == 400 and page.headers["content-type"].startswith("text/html")


def test_a_canned_querys_period_of_the_data_still_ranks(site):
    ranked = site.get(f"{TOP}.json?{TELEGRAM_2024}&_shape=array")
    assert ranked.status_code == 200 and ranked.json()[0]["jurisdiction_id"] == "IND"
    # /api lists the 400s a client can meet.
    assert "<code>period_start</code> or <code>period_end</code> that is not a day" in site.get("/api").text


def blob_path(sql: str, extra: str = "") -> str:
    return f"/disclosures.blob?sql={quote(sql)}&_blob_column=b{extra}"


@pytest.mark.parametrize(
    ("path", "status", "said"),
    [
        # A number: the 200 had started when Datasette's renderer failed, and the download was an error page.
        (f"/disclosures/figures/{FIGURE}.blob?_blob_column=value", 400, "value holds a number, not binary data"),
        (blob_path("select 1.5 as b"), 400, "b holds a number, not binary data"),
        # The first row's value is 0 here, which Datasette sent as no bytes at all.
        ("/disclosures/figures.blob?_blob_column=value&value=0", 400, "value holds a number"),
        (f"/disclosures/figures/{FIGURE}.blob?_blob_column=quote", 400, "quote holds text, not binary data"),
        # Datasette hashed text for _blob_hash (TypeError) and took the first of no rows (IndexError): 500s.
        ("/disclosures/figures.blob?_blob_column=quote&_blob_hash=abc", 400, "Link has expired"),
        (blob_path("select x'ff' as b where 0"), 404, "No row: this .blob selects none"),
        (blob_path("select x'ff' as b", "&_blob_hash=00"), 400, "Link has expired"),
    ],
)
def test_a_blob_of_what_is_not_binary_or_of_no_row_is_a_4xx_not_a_broken_download(site, path, status, said):
    response = site.get(path)
    assert response.status_code == status and response.headers["content-type"].startswith("text/html")
    assert "content-disposition" not in response.headers
    assert said in response.text


def test_a_blob_of_binary_still_downloads_with_datasettes_file_name(site):
    digest = hashlib.sha256(b"\xff\x00").hexdigest()
    for extra, name in (("", "b.blob"), (f"&_blob_hash={digest}", f"b-{digest[:6]}.blob")):
        response = site.get(blob_path("select x'ff00' as b", extra))
        assert response.status_code == 200 and response.content == b"\xff\x00"
        assert response.headers["content-type"] == "application/binary"
        assert response.headers["content-disposition"] == f'attachment; filename="{name}"'
    # A NULL is no bytes, as Datasette sends it.
    empty = site.get(blob_path("select null as b"))
    assert empty.status_code == 200 and empty.content == b""


@pytest.mark.parametrize(
    "query",
    [
        "_shape=array",
        "_shape=arrayfirst",
        "_shape=array&_nl=on",
        "_shape=object",
        # A blank sql= is no query: Datasette answers the listing, and this was still its 500.
        "_shape=array&sql=",
        "_shape=arrayfirst&sql=&_nl=on",
    ],
)
def test_a_row_shape_of_the_databases_own_json_is_a_400_not_a_500(site, query):
    # Its JSON lists the tables and has no rows: Datasette's renderer raised KeyError 'rows' (500).
    message = assert_error_shape(site.get(f"/disclosures.json?{query}"), 400)
    shape = query.split("&")[0]
    assert message.startswith(f"{shape}: /disclosures.json lists the database's tables")
    assert f"/disclosures/figures.json?{shape}" in message and "sql=SELECT" in message


def test_a_databases_json_with_a_harmless_shape_and_a_querys_shapes_still_answer(site):
    for shape in ("arrays", "objects"):
        listed = site.get(f"/disclosures.json?_shape={shape}")
        assert listed.status_code == 200 and "tables" in listed.json()
        listed = site.get(f"/disclosures.json?sql=&_shape={shape}")
        assert listed.status_code == 200 and "tables" in listed.json()
    assert site.get("/disclosures.json?sql=select+1+as+a&_shape=array").json() == [{"a": 1}]
    assert site.get("/disclosures.json?sql=select+1+as+a&_shape=arrayfirst").json() == [1]


@pytest.mark.parametrize(
    "query",
    [
        "quote__contains=%00",
        "quote__contains=fulfilled%00zzz",
        "quote__glob=a%00*",
        "quote__startswith=%00",
        "quote__notlike=%00",
    ],
)
def test_a_pattern_filter_holding_a_nul_is_a_400_not_a_shorter_pattern(site, query):
    # SQLite ends a LIKE or GLOB pattern at a NUL: contains=%00 answered every quote, 200.
    key = query.split("=")[0]
    for fmt in (".json", ".csv"):
        message = assert_error_shape(site.get(f"/disclosures/figures{fmt}?{query}&_size=0"), 400)
        assert message.startswith(f"{key}: the value holds a NUL character (%00)")
    assert site.get(f"/disclosures/figures?{query}").status_code == 400


def test_other_filters_with_a_nul_and_patterns_without_one_still_answer(site):
    # An exact value holding a NUL is compared whole, and matches nothing, as it should.
    exact = site.get("/disclosures/figures.json?platform_wording=%00&_size=0")
    assert exact.status_code == 200 and exact.json()["filtered_table_rows_count"] == 0
    found = site.get("/disclosures/figures.json?quote__contains=fulfilled&_size=0")
    assert found.status_code == 200 and found.json()["filtered_table_rows_count"] > 0


SLOW_SQL = "with recursive c(x) as (select 1 union all select x + 1 from c) select count(*) from c"


@pytest.mark.parametrize(
    ("path", "said"),
    [
        ("/disclosures.json", "time limit of 1000 ms."),
        ("/disclosures.csv", "time limit of 1000 ms."),
        ("/disclosures.json?_timelimit=5000", "time limit of 1000 ms."),
        ("/disclosures.json?_timelimit=20", "time limit of 20 ms, as _timelimit asked"),
        ("/disclosures.csv?_timelimit=20", "time limit of 20 ms, as _timelimit asked"),
    ],
)
def test_a_query_past_the_time_limit_says_the_limit_in_one_message_whatever_the_format(
    served_limits, monkeypatch, path, said
):
    # JSON said "...controlled by the sql_time_limit_ms configuration option", CSV "...is the
    # sql_time_limit_ms setting": a server's setting, in two wordings, and never the limit itself.
    # The served limit (1000 ms) and a query that never ends. The request's budget is set far
    # beyond the limit: on a loaded machine the budget (1.4 s) answered first, with its own words.
    from datasette.plugins import pm

    monkeypatch.setattr(pm.get_plugin("budget.py"), "BUDGET_MARGIN_S", 60)
    separator = "&" if "?" in path else "?"
    message = assert_error_shape(served_limits.get(f"{path}{separator}sql={quote(SLOW_SQL)}"), 400)
    assert message.startswith("SQL query took too long: it ran past the") and said in message
    assert "sql_time_limit_ms" not in message


@pytest.mark.parametrize("value", ["0", "1000000", "abc"])
def test_a_timelimit_out_of_range_says_the_range(site, value):
    # 0 and 1000000 were refused as not "a whole number of milliseconds", which they are.
    message = assert_error_shape(site.get(f"/disclosures.json?sql=select+1&_timelimit={value}"), 400)
    assert "from 1 to 999999" in message


@pytest.mark.parametrize("value", ["05", "0500", "5&_timelimit=05"])
def test_a_timelimit_written_with_leading_zeros_is_that_number(site, value):
    # _timelimit=05 was refused as not "a whole number of milliseconds from 1 to 999999", which it
    # is, and _timelimit=5&_timelimit=05 (one value, as the repeated-option check reads it) with it.
    assert site.get(f"/disclosures.json?sql=select+1&_timelimit={value}").status_code == 200


def test_a_canned_querys_page_is_named_by_its_title_not_its_sql(site, real_build):
    # The <title> was "disclosures: -- Scopes such as WORLD or EU are left out so that ...".
    queries = json.loads((real_build / "metadata.json").read_text(encoding="utf-8"))["databases"]["disclosures"]
    for name, query in queries["queries"].items():
        if name == "search_everything":
            continue  # its own template names it by what was searched
        page = site.get(f"/disclosures/{name}")
        assert page.status_code == 200
        title = re.search(r"<title>(.*?)</title>", page.text, re.DOTALL).group(1)
        assert title == f"{markupsafe.escape(query['title'])}: disclosures", title
    ad_hoc = site.get("/disclosures?sql=select+1")
    assert "<title>SQL query: disclosures</title>" in ad_hoc.text


@pytest.mark.parametrize(
    ("query", "said"),
    [
        ("platform=nope", "platform=nope: no such platform; platform is one of: amazon, amazon_store, "),
        (
            "jurisdiction=XXX",
            "jurisdiction=XXX: no such jurisdiction (did you mean XKX for Kosovo?); jurisdiction is one of: ABW, ",
        ),
        ("jurisdiction=germany", "jurisdiction=germany: no such jurisdiction; a jurisdiction is its ISO 3166-1"),
    ],
)
def test_the_chart_and_the_comparison_refuse_an_unknown_platform_or_jurisdiction_in_one_wording(site, query, said):
    # /chart.json said "No platform 'nope': ..." where /compare.json said "platform=nope: no such
    # platform; ...", and the other way round for a jurisdiction, where /compare's hint for a name
    # read "for DEU, jurisdiction=DEU" (the code twice) and /chart's "for GERMANY, jurisdiction=DEU".
    chart = assert_error_shape(site.get(f"/chart.json?{query}"), 400)
    compared = assert_error_shape(site.get(f"/compare.json?{query}"), 400)
    assert chart == compared and chart.startswith(said), (chart, compared)
    assert "for DEU, jurisdiction=DEU" not in compared


@pytest.mark.parametrize(
    ("path", "listed_at"),
    [
        ("/disclosures/figures/.json", "/disclosures/figures.json"),
        ("/disclosures/figures/.csv", "/disclosures/figures.csv"),
        ("/disclosures/figures/%2Ejson", "/disclosures/figures.json"),
        ("/disclosures/platforms/.json", "/disclosures/platforms.json"),
    ],
)
def test_a_rows_json_or_csv_with_an_empty_key_is_the_404_that_names_the_table(site, path, listed_at):
    # Datasette's key takes at least one character: it read ".json" as the key of a page, and
    # figures/.json answered the whole text of the figure's 404 page as its error (".json: not a
    # figure: Platform Disclosures Skip to content ... Figures Countries ..."), platforms/.json
    # "No row '.json' ... at /disclosures/platforms", the page.
    message = assert_error_shape(site.get(path), 404)
    table = listed_at.split("/")[2].split(".")[0]
    assert message.startswith(f"No row '' in {table}: none has that ") and message.endswith(f"are at {listed_at}")
    assert "Skip to content" not in message


@pytest.mark.parametrize(
    ("path", "table"),
    [
        ("/disclosures/a.b/c.json", "a.b"),  # was a 400, "no such table: a.b"
        ("/disclosures/figures.x/y.csv", "figures.x"),
        ("/disclosures/made-up/figures.json?_size=1", "made-up"),  # was a 400 about _size
        ("/disclosures/made-up/figures.csv?platform_id=telegram", "made-up"),  # and about a filter
    ],
)
def test_a_row_of_a_table_that_does_not_exist_is_a_404_whatever_it_is_asked(site, path, table):
    assert assert_error_shape(site.get(path), 404) == f"Table not found: {table}"
    page = site.get(path.replace(".json", "").replace(".csv", ""))
    assert page.status_code == 404 and "Table not found: " + html.escape(table) in page.text
    # A row of a table that exists still refuses a table's option, as before.
    assert site.get(f"/disclosures/figures/{FIGURE}.json?_size=1").status_code == 400


@pytest.mark.parametrize(
    ("path", "said"),
    [
        ("/country/South%20Korea.csv", "/country/KOR has no .csv: its data is /country/KOR.json"),  # "Nothing is at"
        ("/country/Cote%20d'Ivoire.csv", "/country/CIV has no .csv: its data is /country/CIV.json"),
        ("/country/usa.csv", "/country/USA has no .csv: its data is /country/USA.json"),  # was /country/usa.json
        ("/platform/mailbox.org.csv", "/platform/mailbox_org has no .csv: its data is /platform/mailbox_org.json"),
        ("/platform/Daum%20(Kakao).csv", "/platform/daum has no .csv: its data is /platform/daum.json"),
        # It sent the client to /country/XXX.json, a 404 too.
        (
            "/country/XXX.csv",
            "No jurisdiction 'XXX' (did you mean XKX for Kosovo?): a country page is named by its ISO",
        ),
        # A format other than .json and .csv, %-escaped: Datasette's redirect to South~20Korea~2Exml
        # folded it into the name, a 404 "No jurisdiction 'South Korea.xml'".
        ("/country/South%20Korea.xml", "/country/KOR has no .xml: its data is /country/KOR.json"),
        ("/platform/Daum%20(Kakao).tsv", "/platform/daum has no .tsv: its data is /platform/daum.json"),
        ("/country/Middle%20Earth.xml", "No jurisdiction 'Middle Earth': a country page is named by"),
    ],
)
def test_a_country_or_platform_named_with_a_format_it_lacks_is_told_where_its_json_is(site, path, said):
    # Each was "No platform 'mailbox.org.csv'" or "Nothing is at /country/South~20Korea.csv", where
    # /country/USA.csv and /platform/google.csv said what the page has: named as its page reads it.
    message = assert_error_shape(site.get(path), 404)
    assert message.startswith(said), message
    for named in re.findall(r"its data is (/\S+\.json)", message):
        assert site.get(named).status_code == 200


def test_a_platform_address_ending_in_a_dot_is_the_platforms_404_page(site):
    # /platform/telegram. was the JSON 404 "/platform/telegram has no .: ...", to a page's address.
    page = site.get("/platform/telegram.")
    assert page.status_code == 404 and page.headers["content-type"].startswith("text/html")
    assert "No platform &#39;telegram.&#39;: every platform is listed at /platforms" in page.text


@pytest.mark.parametrize(
    "path",
    [
        "/disclosures/figures_series/1.json",
        "/disclosures/figures_series/x.csv",
        "/disclosures/telegram_coverage/USA.json?_size=1",  # was a 400 about _size
        "/disclosures/figures_series/x",
    ],
)
def test_a_row_of_a_view_is_a_404_that_says_a_views_rows_have_no_address(site, path):
    # Datasette said "Record not found" (it looked the row up by a rowid a view does not have),
    # where a table's row says where the table's rows are.
    view = path.split("/")[2]
    fmt = path.partition("?")[0].rpartition("/")[2].partition(".")[2]
    said = (
        f"{view} is a view, whose rows have no address of their own; its rows are at "
        f"/disclosures/{view}{'.' + fmt if fmt else ''}"
    )
    answer = site.get(path)
    if fmt:
        assert said in assert_error_shape(answer, 404)
    else:
        assert answer.status_code == 404 and said in answer.text


@pytest.mark.parametrize(
    "query", ["sql=select+:sql", "sql=select+@sql+as+a", "sql=select+figure_id+from+figures+where+quote+=+:sql+limit+1"]
)
def test_a_querys_parameter_named_sql_is_a_400_not_run_as_blank(site, query):
    # sql= is the statement: Datasette left it out of the parameters and ran :sql as blank, 200.
    for fmt in ("json", "csv"):
        message = assert_error_shape(site.get(f"/disclosures.{fmt}?{query}"), 400)
        assert "sql: the query's parameter " in message and "cannot be given (sql= is the query itself)" in message
    # Named otherwise it runs with the value given.
    given = site.get("/disclosures.json?sql=select+:sql_text+as+a&sql_text=x&_shape=array")
    assert given.json() == [{"a": "x"}]


@pytest.mark.parametrize(
    "path",
    [
        "/_internal/tables/x.json",  # was a 404 naming its key, "(database_name, table_name)"
        "/_internal/a.b/c.json",
        "/_internal/nope/x.csv",  # a 404 "Table not found: nope"
        "/_internal/tables/x.json?_size=1",  # a 400 about _size
    ],
)
def test_a_row_of_datasettes_internal_database_is_its_403_not_a_look_at_its_schema(site, path):
    assert site.get("/_internal.json").status_code == 403  # its schema is read by then
    message = assert_error_shape(site.get(path), 403)
    assert "permission" in message and "database_name" not in message and "not found" not in message
    page = site.get(path.replace(".json", "").replace(".csv", ""))
    assert page.status_code == 403 and "database_name" not in page.text
