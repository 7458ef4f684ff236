"""Pages that answered what a client sent as if it had not been sent, or without a way to fix it.

The explore pages, /figure/<id> and /changes already say which parameters of their address they did
not apply (plugins/_unread.py, tests/test_explore.py). The home page, /api and the canned queries'
pages said nothing of ``?foo=1``, while the queries' JSON refuses it. And a canned query's page
given a value that names nothing (``top_jurisdictions?request_type=nope``) was the site's error
page, without the form to fix the value in.
"""

import re
from html import unescape

import pytest
from conftest import assert_error_shape

TOP = "/disclosures/top_jurisdictions"
TELEGRAM_2024 = "platform=telegram&metric=requests_fulfilled&period_start=2024-01-01&period_end=2024-12-31"


def notice_of(html: str) -> str:
    """The words of a page's "not applied" notice, or "" when it has none."""
    found = re.search(r'<p class="notice" id="not-applied">(.*?)</p>', html, re.S)
    return " ".join(found.group(1).split()) if found else ""


def fields_of(html: str) -> dict:
    """The text fields of a query's form (Datasette's, before static/query-forms.js), by name."""
    return {
        name: unescape(value)
        for name, value in re.findall(r'<input type="text" id="qp\d+" name="(\w+)" value="([^"]*)"', html)
    }


def form_error_of(html: str) -> str:
    """The error the query's form shows above its fields, or ""."""
    form = re.search(r'<form class="sql".*?</form>', html, re.S).group(0)
    found = re.search(r'<p class="message-error">(.*?)</p>', form, re.S)
    return unescape(" ".join(found.group(1).split())) if found else ""


@pytest.mark.parametrize("path", ["/", "/api"])
def test_the_home_and_api_pages_say_which_parameters_they_did_not_apply(site, path):
    page = site.get(f"{path}?foo=1&utm_source=feed")
    assert page.status_code == 200
    notice = notice_of(page.text)
    assert "no parameters <code>foo</code>, <code>utm_source</code>, so" in notice, notice
    assert "<code>foo=1</code>, <code>utm_source=feed</code> were not applied" in notice, notice
    assert "it takes none, and shows the same without them." in notice, notice
    # Without one, or with Datasette's cache time alone, the page says nothing of the kind.
    assert notice_of(site.get(path).text) == ""
    assert notice_of(site.get(f"{path}?_ttl=5").text) == ""


@pytest.mark.parametrize(
    ("path", "unread", "taken"),
    [
        # Its picker is labelled "Country": the page showed the United States' rows, 200, without a word.
        (
            "/disclosures/compare_platforms?jurisdiction=USA&country=FRA",
            "no parameter <code>country</code>, so <code>country=FRA</code> was not applied",
            "what it shows is for <code>jurisdiction</code> alone, which the form below sets.",
        ),
        (
            f"{TOP}?{TELEGRAM_2024}&year=2024",
            "no parameter <code>year</code>, so <code>year=2024</code> was not applied",
            "<code>metric</code>, <code>period_end</code>, <code>period_start</code>, <code>platform</code> and "
            "<code>request_type</code> alone, which the form below sets.",
        ),
        # The search box's parameter is q: ?term= searched for nothing.
        (
            "/disclosures/search_everything?term=telegram",
            "no parameter <code>term</code>, so <code>term=telegram</code> was not applied",
            "what it shows is for <code>q</code> alone, which the form below sets.",
        ),
        (
            "/disclosures/unreleased_corrections?platform=google",
            "no parameter <code>platform</code>, so <code>platform=google</code> was not applied",
            "it takes none, and shows the same without it.",
        ),
    ],
)
def test_a_canned_querys_page_says_which_parameters_it_did_not_apply(site, path, unread, taken):
    page = site.get(path)
    assert page.status_code == 200
    notice = notice_of(page.text)
    assert unread in notice and taken in notice, notice
    # Above the form, where the reader looks for what the rows are for.
    assert page.text.index('id="not-applied"') < page.text.index('<form class="sql"')
    assert notice_of(site.get(re.sub(r"[&?](country|year|term|platform)=[^&]*$", "", path)).text) == ""
    # Its JSON refuses the same parameter.
    assert_error_shape(site.get(path.replace("?", ".json?", 1)), 400)


@pytest.mark.parametrize("shape", ["nope", ""])
def test_a_shape_datasette_has_not_on_a_canned_querys_page_is_its_form_with_the_error(site, shape):
    # search_everything?_shape=nope was a 200 that called it not applied, where a table's page, the
    # database's and a ?sql= query's answer the 400 of their .json (_shape=object: test_parameters.py).
    query = f"q=telegram&_shape={shape}"
    said = assert_error_shape(site.get(f"/disclosures/search_everything.json?{query}"), 400)
    assert said == f"Invalid _shape: '{shape}'; use one of arrays, objects, array, arrayfirst, object"
    page = site.get(f"/disclosures/search_everything?{query}")
    assert page.status_code == 400 and page.headers["content-type"].startswith("text/html")
    assert page.headers["cache-control"] == "no-store" and "link" not in page.headers
    # The form, with the search as sent and the error above it; no rows and no notice beside it.
    assert form_error_of(page.text) == said
    assert fields_of(page.text) == {"q": "telegram"}
    assert '<table class="rows-and-columns">' not in page.text and notice_of(page.text) == ""
    head = site.loop.run_until_complete(
        site.datasette.client.request("HEAD", f"/disclosures/search_everything?{query}")
    )
    assert head.status_code == 400
    # A shape Datasette has is no mistake there: the search's rows, as without it.
    shaped = site.get("/disclosures/search_everything?q=telegram&_shape=objects")
    assert shaped.status_code == 200 and '<table class="rows-and-columns">' in shaped.text


def test_a_canned_querys_page_lists_no_option_it_answers_or_refuses_on_its_own(site):
    # Datasette's cache time applies; a refused option (_sort) is the page's 400, which says why.
    assert notice_of(site.get(f"{TOP}?{TELEGRAM_2024}&_ttl=5").text) == ""
    assert notice_of(site.get(f"{TOP}?{TELEGRAM_2024}&_sort=value").text) == ""


@pytest.mark.parametrize(
    ("query", "said", "field", "value"),
    [
        (f"{TELEGRAM_2024}&request_type=nope", "request_type=nope: no such request_type", "request_type", "nope"),
        (
            TELEGRAM_2024.replace("platform=telegram", "platform=Telegramm"),
            "platform=Telegramm: no such platform",
            "platform",
            "Telegramm",
        ),
        (
            TELEGRAM_2024.replace("2024-01-01", "2024-1-1"),
            "period_start=2024-1-1: not a day of the calendar written YYYY-MM-DD",
            "period_start",
            "2024-1-1",
        ),
        # Datasette's options are left out of the form, which sets only the query's own parameters.
        (f"{TELEGRAM_2024}&_sort=value", "_sort=value: top_jurisdictions is a canned query", "platform", "telegram"),
    ],
)
def test_a_bad_value_on_a_canned_querys_page_is_its_form_with_the_error_above_it(site, query, said, field, value):
    page = site.get(f"{TOP}?{query}")
    assert page.status_code == 400
    assert page.headers["cache-control"] == "no-store" and "etag" not in page.headers
    assert said in form_error_of(page.text)
    fields = fields_of(page.text)
    assert set(fields) == {"platform", "metric", "period_start", "period_end", "request_type"}
    assert fields[field] == value
    # No rows: the query's answer to a value that names nothing is no ranking.
    assert '<table class="rows-and-columns">' not in page.text and "zero-results" not in page.text
    # Nor a link to its JSON, which is the same 400.
    assert 'rel="alternate"' not in page.text and 'rel="alternate"' not in page.headers.get("link", "")
    assert said in assert_error_shape(site.get(f"{TOP}.json?{query}"), 400)


def test_a_value_given_twice_is_the_form_with_the_first_and_the_error(site):
    page = site.get("/disclosures/compare_platforms?jurisdiction=USA&jurisdiction=DEU")
    assert page.status_code == 400
    assert "jurisdiction is given 2 times ('USA', 'DEU')" in form_error_of(page.text)
    assert fields_of(page.text) == {"jurisdiction": "USA"}
    assert '<table class="rows-and-columns">' not in page.text


def test_a_value_that_is_no_utf8_fills_the_form_as_the_error_quotes_it(site):
    page = site.get("/disclosures/compare_platforms?jurisdiction=%FF")
    assert page.status_code == 400 and "\ufffd" not in page.text
    assert form_error_of(page.text).startswith("jurisdiction=%FF: no such jurisdiction")
    assert fields_of(page.text) == {"jurisdiction": "%FF"}


def test_a_control_character_fills_the_form_escaped_as_the_error_quotes_it(site):
    # Every page makes it a space (plugins/controls.py): the field showed "US A", which no one sent.
    page = site.get("/disclosures/compare_platforms?jurisdiction=US%00A")
    assert page.status_code == 400
    assert form_error_of(page.text).startswith("jurisdiction=US\\x00A: no such jurisdiction")
    assert fields_of(page.text) == {"jurisdiction": "US\\x00A"}


def test_a_parameter_the_query_does_not_take_given_twice_is_not_applied_not_a_repeat(site):
    # compare_platforms?foo=1 said foo was not applied (200), while foo=1&foo=2 was a 400 that "foo
    # is given 2 times: a query takes one value of each parameter", of a parameter the query has not.
    page = site.get("/disclosures/compare_platforms?jurisdiction=USA&foo=1&foo=2")
    assert page.status_code == 200
    notice = notice_of(page.text)
    assert "no parameter <code>foo</code>, so <code>foo=1</code>, <code>foo=2</code> were not applied" in notice
    message = assert_error_shape(site.get("/disclosures/compare_platforms.json?jurisdiction=USA&foo=1&foo=2"), 400)
    assert message.startswith("foo: compare_platforms has no parameter 'foo'"), message
    # A ?sql= query names it the same way; one it reads, given twice, is still the repeat.
    message = assert_error_shape(site.get("/disclosures.json?sql=select+:a&a=1&b=1&b=2"), 400)
    assert message.startswith("b: ") and "given 2 times" not in message, message
    assert "a is given 2 times" in assert_error_shape(site.get("/disclosures.json?sql=select+:a&a=1&a=2&b=1&b=2"), 400)


@pytest.mark.parametrize(
    "path",
    ["/disclosures/compare_platforms?jurisdiction=USA&", "/compare?", "/?", "/country/USA?", "/changes?"],
)
def test_a_parameter_that_is_no_utf8_is_named_as_sent_in_the_notice(site, path):
    # The notice quoted foo=\ufffd and \ufffd=1, a replacement character the client never sent,
    # where the JSON's 400 quotes foo=%FF (plugins/echoes.py); UTF-8 escapes read as their text.
    page = site.get(f"{path}foo=caf%C3%A9%FF&%FE=1")
    assert page.status_code == 200
    notice = notice_of(page.text)
    assert "<code>foo=café%FF</code>, <code>%FE=1</code> were not applied" in notice, notice
    assert "\ufffd" not in notice


@pytest.mark.parametrize("extension", [".json", ".csv"])
def test_a_value_that_names_nothing_is_said_before_a_parameter_left_out_as_the_page_says_it(site, extension):
    # The page said "request_type=nope: no such request_type" above its form, and its JSON and CSV
    # that top_jurisdictions needs platform: one address, two messages.
    page = site.get(f"{TOP}?request_type=nope")
    assert page.status_code == 400
    said = form_error_of(page.text)
    assert said.startswith("request_type=nope: no such request_type"), said
    assert assert_error_shape(site.get(f"{TOP}{extension}?request_type=nope"), 400) == said
    # With nothing wrong in what was given, the one left out is still named.
    message = assert_error_shape(site.get(f"{TOP}{extension}?request_type=all"), 400)
    assert message.startswith("top_jurisdictions needs platform"), message


@pytest.mark.parametrize("shape", ["nope", ""])
def test_a_figures_page_names_a_shape_its_json_refuses_as_not_applied(site, shape):
    # /figure/<id>?_shape=nope showed the figure without a word, where its JSON (its row's, which
    # /figure/<id>.json leads to) and its row's page answer that shape's 400.
    figure = "cloudflare-world-2013-all-accounts_counted"
    json_answer = site.get_following(f"/figure/{figure}.json?_shape={shape}")
    said = assert_error_shape(json_answer, 400)
    assert said == f"Invalid _shape: '{shape}'; use one of arrays, objects, array, arrayfirst, object"
    assert site.get(f"/disclosures/figures/{figure}?_shape={shape}").status_code == 400
    page = site.get(f"/figure/{figure}?_shape={shape}")
    assert page.status_code == 200
    notice = notice_of(page.text)
    assert f"no parameter <code>_shape</code>, so <code>_shape={shape}</code> was not applied" in notice, notice
    # A shape its JSON answers is no notice, as Datasette's cache time is none.
    for applied in ("_shape=object", "_shape=array", "_ttl=60"):
        assert site.get_following(f"/figure/{figure}.json?{applied}").status_code == 200
        assert notice_of(site.get(f"/figure/{figure}?{applied}").text) == "", applied


@pytest.mark.parametrize(
    ("query", "named"),
    [
        ("_shape=nope", "no parameter <code>_shape</code>, so <code>_shape=nope</code> was not applied"),
        ("_shape=array", "no parameter <code>_shape</code>, so <code>_shape=array</code> was not applied"),
        ("_size=5", "no parameter <code>_size</code>, so <code>_size=5</code> was not applied"),
        ("version=1.0.0", "no parameter <code>version</code>, so <code>version=1.0.0</code> was not applied"),
    ],
)
def test_the_downloads_page_names_what_its_json_refuses_as_not_applied(site, query, named):
    # /downloads?_shape=nope (or ?version=1.0.0) listed every release without a word, where
    # /downloads.json answers each a 400, and the site's other pages name what they did not apply.
    assert_error_shape(site.get(f"/downloads.json?{query}"), 400)
    page = site.get(f"/downloads?{query}")
    assert page.status_code == 200
    notice = notice_of(page.text)
    assert named in notice and "it takes none, and shows the same without it." in notice, notice
    # Datasette's cache time, which its JSON applies, is no notice.
    assert site.get("/downloads.json?_ttl=60").status_code == 200
    assert notice_of(site.get("/downloads?_ttl=60").text) == notice_of(site.get("/downloads").text) == ""
