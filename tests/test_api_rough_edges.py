"""Layer (c): rough edges of the HTTP API a program querying the site met (a reviewer's findings),
each answered as a serious open-data API answers it."""

import html
import json
import re
from html.parser import HTMLParser
from urllib.parse import parse_qsl, quote, unquote, urlencode, urlsplit

import pytest

from tests.conftest import FIGURE_FACETS, assert_error_shape, plugin, rows


@pytest.mark.parametrize(
    ("query", "column", "wrong"),
    [
        ("value__gt=abc", "value", "abc"),
        ("value__gte=1%2C000", "value", "1,000"),
        ("value__lt=ten", "value", "ten"),
        ("value__lte=5k", "value", "5k"),
        ("value=abc", "value", "abc"),
        ("value__exact=", "value", ""),
        ("value__not=n%2Fa", "value", "n/a"),
        ("year=twenty", "year", "twenty"),
        ("is_derived__not=yes", "is_derived", "yes"),
        ("value__in=1,x", "value", "x"),
        ("value__notin=%5B1,%22x%22%5D", "value", "x"),
    ],
)
def test_a_number_column_compared_with_a_non_number_is_a_400_naming_both(site, query, column, wrong):
    # SQLite compared the text with the numbers, matched none, and the answer was 200 with no rows.
    for path in ("/disclosures/figures.json", "/disclosures/figures.csv", "/disclosures/figures_series.json"):
        message = assert_error_shape(site.get(f"{path}?{query}&_size=1"), 400)
        assert f"{column} holds numbers" in message and f"{wrong!r} is not a number" in message
    page = site.get(f"/disclosures/figures?{query}")
    assert page.status_code == 400 and page.headers["content-type"].startswith("text/html")


@pytest.mark.parametrize(
    "query",
    [
        "value__gt=1000",
        "value__gte=0.5",
        "value__lt=1e6",
        "value__lte=-1",
        "value=%2B12",
        "year=2024",
        "value__in=1,2.5",
        "value__notin=%5B1,%222%22%5D",  # with null in it, no row at all (tests/test_parameters.py)
        "platform_wording=abc",  # text columns compare as text: no rows is an answer there
        "value__contains=abc",
        "value__isnull=1",
    ],
)
def test_a_number_or_a_text_filter_still_answers(site, query):
    assert site.get(f"/disclosures/figures.json?{query}&_size=1").status_code == 200


@pytest.mark.parametrize(
    ("query", "same_as"),
    [
        ("value__in=1,%202", "value__in=1,2"),  # Datasette strips each of a comma-separated list
        ("value__in=%5B1,%22%202%22%5D", "value__in=1,2"),
        ("value=%201", "value=1"),  # SQLite reads a number with spaces around it as that number
        ("value__gte=5%20", "value__gte=5"),
    ],
)
def test_a_number_with_spaces_around_it_is_the_number_sqlite_reads(site, query, same_as):
    # It was a 400 saying nothing could match, where SQLite matched the same rows as without them.
    wanted = site.get(f"/disclosures/figures.json?{same_as}&_size=0").json()["filtered_table_rows_count"]
    response = site.get(f"/disclosures/figures.json?{query}&_size=0")
    assert response.status_code == 200 and response.json()["filtered_table_rows_count"] == wanted > 0


@pytest.mark.parametrize(
    ("query", "outcome"),
    [
        ("value__gt=abc", "nothing could match"),
        ("value__in=1,abc", "its 2nd value 'abc' is not a number, so no row could match it"),
        ("value__lt=abc", "every row with a number would match"),
        ("value__not=abc", "every row with a number would match"),
        ("value__notin=abc", "every row with a number would match"),
    ],
)
def test_a_non_number_says_what_sqlite_would_have_answered(site, query, outcome):
    # SQLite orders text after every number: value__lt=abc matched every row, not none.
    assert outcome in assert_error_shape(site.get(f"/disclosures/figures.json?{query}"), 400)


@pytest.mark.parametrize(
    ("query", "said"),
    [
        ("value__in=%5Btrue%5D", "true is not a number, so it would be compared as 1"),
        ("value__notin=%5B2,false%5D", "false is not a number, so it would be compared as 0"),
        ("value__in=%5BNaN%5D", "NaN is not a finite number, so nothing could match"),
        ("value__in=%5B1,Infinity%5D", "its 2nd value Infinity is not a finite number, so no row could match it"),
    ],
)
def test_a_json_list_item_that_is_not_a_number_is_a_400(site, query, said):
    # [true] matched value 1 and [NaN] matched nothing, each a 200 without a word.
    assert said in assert_error_shape(site.get(f"/disclosures/figures.json?{query}"), 400)


@pytest.mark.parametrize(
    ("query", "said"),
    [
        ("value__gt=1e999", "'1e999' is not a finite number: it is beyond the largest number SQLite holds"),
        ("value__lt=-1e999", "SQLite reads it as minus infinity and nothing could match"),
        ("value__gt=-1e999", "SQLite reads it as minus infinity and every row with a number would match"),
        ("value__lte=1e999", "SQLite reads it as infinity and every row with a number would match"),
        ("value__gte=nan", "'nan' is not a finite number, so nothing could match"),
        ("value__exact=inf", "'inf' is not a finite number, so nothing could match"),
        ("value__not=-Infinity", "'-Infinity' is not a finite number, so every row with a number would match"),
        ("year=1" + "0" * 400, "is not a finite number: it is beyond the largest number SQLite holds"),
        ("value__in=2,1e999", "its 2nd value '1e999' is not a finite number"),
    ],
)
def test_a_number_filter_that_is_not_finite_is_a_400_for_json_and_pages(site, query, said):
    # value__gt=1e999 was an empty 200: SQLite read it as infinity, which no number is above.
    for path in ("/disclosures/figures.json", "/disclosures/figures.csv", "/disclosures/figures_series.json"):
        assert said in assert_error_shape(site.get(f"{path}?{query}&_size=1"), 400)
    page = site.get(f"/disclosures/figures?{query}")
    assert page.status_code == 400 and page.headers["content-type"].startswith("text/html")
    assert said in html.unescape(page.text)


def test_a_number_written_with_an_exponent_within_range_still_answers(site):
    # The largest numbers SQLite holds are finite: only beyond them is a value refused.
    for query in ("value__gt=1e3", "value__lt=1.7e308", "value__gte=-1E%2B300", "value=1e0"):
        assert site.get(f"/disclosures/figures.json?{query}&_size=0").status_code == 200
    everything = site.get("/disclosures/figures.json?value__notnull=1&_size=0").json()["filtered_table_rows_count"]
    below = site.get("/disclosures/figures.json?value__lt=1.7e308&_size=0").json()["filtered_table_rows_count"]
    assert below == everything > 0


def test_shape_object_on_a_view_says_a_view_has_no_key_and_which_shapes_work(site):
    # It said "_shape=object not available for tables with no primary keys", of a view.
    views = [view["name"] for view in site.get("/disclosures.json").json()["views"]]
    assert "freshness" in views and "figures_series" in views
    for view in views:
        message = assert_error_shape(site.get(f"/disclosures/{view}.json?_shape=object"), 400)
        assert "tables with no primary keys" not in message
        assert message.startswith(f"_shape=object: {view} is a view, and a view has no primary key")
        assert "_shape=array, objects or arrays" in message
    # Each shape it names answers the view's rows.
    for shape in ("array", "objects", "arrays", "arrayfirst"):
        assert site.get(f"/disclosures/freshness.json?_shape={shape}&_size=1").status_code == 200
    # A table's rows still come keyed by their primary key.
    keyed = site.get("/disclosures/platforms.json?_shape=object&_size=1").json()
    assert [row["platform_id"] for row in keyed.values()] == list(keyed)


QUERY = "/disclosures.json?sql=select+figure_id+from+figures+order+by+figure_id+limit+10"
CANNED = "/disclosures/compare_platforms.json?jurisdiction=USA"


@pytest.mark.parametrize(
    ("option", "instead"),
    [
        ("_size=2", "write LIMIT 2 in the SQL"),
        ("_next=3", "write LIMIT and OFFSET"),
        ("_sort=figure_id", 'write ORDER BY "figure_id" in the SQL'),
        ("_sort_desc=figure_id", 'write ORDER BY "figure_id" DESC in the SQL'),
        # A name with a bracket or a quote is written as SQL reads it ([]] was not SQL).
        ("_sort=a%5Db", 'write ORDER BY "a]b" in the SQL'),
        ("_sort_desc=a%22b", 'write ORDER BY "a""b" DESC in the SQL'),
    ],
)
def test_a_tables_paging_and_sorting_on_a_sql_query_is_a_400_saying_what_to_write(site, option, instead):
    # Datasette answered all ten rows in the SQL's order, as if the option had been applied.
    name = option.split("=")[0]
    for path in (QUERY, QUERY.replace(".json", ".csv")):
        message = assert_error_shape(site.get(f"{path}&{option}"), 400)
        assert message.startswith(unquote(option)) and f"{name} is not applied" in message and instead in message
    message = assert_error_shape(site.get(f"{CANNED}&{option}"), 400)
    assert "compare_platforms is a canned query" in message and "ORDER BY, LIMIT and OFFSET" in message
    page = site.get(CANNED.replace(".json", "") + f"&{option}")
    assert page.status_code == 400 and page.headers["content-type"].startswith("text/html")


@pytest.mark.parametrize("value", ["on", "1", "TRUE"])
def test_labels_on_a_sql_query_is_a_400_not_ignored(site, value):
    # A query's rows are not a table's: Datasette answered them unlabelled, 200, as if asked for nothing.
    message = assert_error_shape(site.get(f"{CANNED}&_labels={value}"), 400)
    assert message.startswith(f"_labels={value}: compare_platforms is a canned query") and "not applied" in message
    message = assert_error_shape(site.get(f"{QUERY}&_labels={value}"), 400)
    assert message.startswith(f"_labels={value}: a SQL query's rows are not a table's")
    # Off, or blank, asks for nothing a query does not do.
    assert site.get(f"{CANNED}&_labels=off").status_code == site.get(f"{QUERY}&_labels=").status_code == 200


def test_json_naming_a_column_a_query_or_table_does_not_answer_is_a_400_not_ignored(site):
    # ?sql=select 1 as a&_json=x answered 200, with no column read as JSON, as if x had been.
    message = assert_error_shape(site.get("/disclosures.json?sql=select+1+as+a&_json=x"), 400)
    assert message == (
        "_json=x: the query answers no column 'x', so _json (a column's text read as JSON) would not be applied; "
        "its columns are: a"
    )
    message = assert_error_shape(site.get(f"{CANNED}&_json=nope"), 400)
    assert message.startswith("_json=nope: compare_platforms answers no column 'nope'")
    message = assert_error_shape(site.get("/disclosures/figures.json?_json=nope&_size=1"), 400)
    assert message.startswith("_json=nope: figures has no column 'nope'")


@pytest.mark.parametrize(
    "sql", ["select '[1]' as x", "select '[1]' as x;", "select '[1]' as x -- a comment", "select :p as x"]
)
def test_json_naming_a_column_a_query_answers_reads_it_as_json(site, sql):
    given = "&p=%5B1%5D" if ":p" in sql else ""
    answer = site.get(f"/disclosures.json?sql={quote(sql)}{given}&_json=x&_shape=array")
    assert answer.status_code == 200 and answer.json() == [{"x": [1]}]


def test_size_max_on_a_sql_query_is_what_it_does_anyway(site):
    # Datasette's own CSV link of a query page carries it.
    assert "_size=max" in site.get(CANNED.replace(".json", "")).text
    assert len(site.get(f"{QUERY}&_size=max&_shape=array").json()) == 10
    assert site.get(CANNED.replace(".json", ".csv") + "&_size=max").status_code == 200
    # Its page too: the cap on a table page's rows sent it to _size=1000, which is refused on a query.
    page = site.get(CANNED.replace(".json", "") + "&_size=max")
    assert page.status_code == 200 and "<table" in page.text


@pytest.mark.parametrize(
    "extra", ["_facet=platform_id", "_facet=platform_id&_facet=unit", "_facet=unit&_facet=period_kind"]
)
def test_a_default_facet_asked_for_again_is_listed_once(site, extra):
    # Datasette listed it twice: platform_id and platform_id_2, two boxes on the page.
    plain = site.get("/disclosures/figures.json?_size=0").json()["facet_results"]
    asked = site.get(f"/disclosures/figures.json?_size=0&{extra}").json()["facet_results"]
    added = ["unit"] if "unit" in extra else []
    assert list(asked) == FIGURE_FACETS + added
    for name in FIGURE_FACETS:
        counted = [(r["value"], r["count"]) for r in asked[name]["results"]]
        assert counted == [(r["value"], r["count"]) for r in plain[name]["results"]]
        assert asked[name]["hideable"] is False  # still the table's own, with no remove link
    if added:
        assert asked["unit"]["hideable"] is True
    page = site.get(f"/disclosures/figures?_size=1&{extra}").text
    for name in FIGURE_FACETS + added:
        assert page.count(f'id="facet-{name}"') == 1


@pytest.mark.parametrize(
    ("facet", "column"),
    [('{"column": "unit"}', "unit"), ('{"simple": "unit"}', "unit"), ('{"column": "platform_id"}', "platform_id")],
)
def test_a_facet_asked_for_in_its_json_form_is_not_reported_as_timed_out(site, facet, column):
    # facets_timed_out listed the JSON text itself, which no facet result is named, beside the result.
    body = site.get(f"/disclosures/figures.json?_size=0&_facet={quote(facet)}").json()
    assert column in body["facet_results"] and body["facets_timed_out"] == []


CACHED = [
    "/disclosures/figures.csv?_size=3",
    "/disclosures/figures.csv?platform_id=telegram",  # every row, streamed
    "/disclosures/figures.csv?platform_id=telegram&_sort=value",  # streamed page by page by the site
    "/disclosures/figures_series.csv?platform_id=telegram&_sort=value",
    "/disclosures/figures/telegram-usa-2024-ip_or_phone-accounts_affected.csv",
    "/disclosures/compare_platforms.csv?jurisdiction=USA",
    "/disclosures.csv?sql=select+1",
    "/country/USA.json",
    "/countries.json",
    "/platform/google.json",
    "/platforms.json",
    "/compare.json?jurisdiction=USA",
    "/chart.json?platform=google&jurisdiction=IND&request_type=all&metric=requests_received",
    "/telegram-map.json",
]


@pytest.mark.parametrize("path", CACHED)
def test_csv_and_the_sites_own_json_have_the_cache_policy_of_datasettes_json(site, path):
    # They had no Cache-Control at all, while /disclosures/figures.json had max-age=default_cache_ttl.
    policy = site.get("/disclosures/figures.json?_size=1").headers["cache-control"]
    assert policy == f"max-age={site.datasette.setting('default_cache_ttl')}"
    response = site.get(path)
    assert response.status_code == 200 and response.headers["cache-control"] == policy
    # _ttl is read as Datasette reads it on its own views.
    join = "&" if "?" in path else "?"
    assert site.get(f"{path}{join}_ttl=60").headers["cache-control"] == "max-age=60"
    assert site.get(f"{path}{join}_ttl=0").headers["cache-control"] == "no-cache"


# Datasette's status pages' JSON (and the site's own /-/serving.json): what the site says about
# itself, as an API answer.
STATUS_JSON = ["/-/versions.json", "/-/plugins.json", "/-/settings.json", "/-/metadata.json", "/-/serving.json"]


@pytest.mark.parametrize("path", STATUS_JSON)
def test_a_status_pages_json_has_the_cache_policy_of_the_sites_other_json(site, path):
    # It had no Cache-Control under datasette serve (and nginx's own max-age in make prod), while
    # every other JSON of the site had max-age=default_cache_ttl; _ttl is read as there.
    policy = site.get("/country/USA.json").headers["cache-control"]
    assert policy == f"max-age={site.datasette.setting('default_cache_ttl')}"
    response = site.get(path)
    assert response.status_code == 200 and response.headers["content-type"].startswith("application/json")
    assert response.headers.get_list("cache-control") == [policy]
    assert site.get(f"{path}?_ttl=60").headers["cache-control"] == "max-age=60"
    assert site.get(f"{path}?_ttl=0").headers["cache-control"] == "no-cache"


@pytest.mark.parametrize("name", ["versions", "plugins", "settings", "metadata"])
def test_a_status_pages_html_has_the_cache_policy_of_its_json(site, name):
    # The page shows its JSON, which changes only when the site is deployed again, and sent no
    # Cache-Control (a browser kept it by its own heuristics) while its .json said the data's.
    page, data = site.get(f"/-/{name}"), site.get(f"/-/{name}.json")
    assert page.status_code == data.status_code == 200 and page.headers["content-type"].startswith("text/html")
    assert page.headers.get_list("cache-control") == data.headers.get_list("cache-control") == ["max-age=3600"]
    assert site.get(f"/-/{name}?_ttl=60").headers["cache-control"] == "max-age=60"
    assert site.get(f"/-/{name}?_ttl=0").headers["cache-control"] == "no-cache"


def test_only_the_public_status_pages_get_the_datas_cache_policy():
    # Not a page under /-/ the site does not list as public: one a new Datasette adds may change
    # per request (as /-/threads and /-/actor did, which plugins/guards.py closes), nor a file.
    headed = plugin("data_headers").is_headed
    assert headed("/-/versions") and headed("/-/metadata.json")
    assert not any(headed(path) for path in ("/-/threads", "/-/actor", "/-/health", "/-/static/app.css"))


def test_the_health_check_and_a_status_pages_files_keep_out_of_the_data_cache_policy(site):
    # The health check must never be kept: its own no-store stands, whatever _ttl asks.
    for path in ("/-/health.json", "/-/health.json?_ttl=60"):
        assert site.get(path).headers.get_list("cache-control") == ["no-store"]
    # Datasette's own files under /-/ are files, not data answers.
    app_css = site.get("/-/static/app.css")
    assert app_css.status_code == 200 and "max-age=3600" not in app_css.headers.get("cache-control", "")


TTL_PATHS = ["/disclosures/figures.json?_size=1", "/disclosures/figures.csv?_size=1", "/disclosures/figures", *CACHED]


@pytest.mark.parametrize("path", TTL_PATHS)
def test_a_ttl_of_digits_python_cannot_read_is_never_a_500(site, path):
    # _ttl=² (str.isdigit, which int() cannot read) was a 500 "invalid literal for int()" on
    # Datasette's own views; the site's JSON and CSVs read it as the default. It is one 400 on both.
    join = "&" if "?" in path else "?"
    response = site.get(f"{path}{join}_ttl=%C2%B2")
    if path.endswith("/figures"):  # a page: Datasette's error page
        assert response.status_code == 400 and "_ttl" in response.text
    else:
        assert "_ttl" in assert_error_shape(response, 400)


@pytest.mark.parametrize("path", TTL_PATHS)
@pytest.mark.parametrize("ttl", ["2147483649", "99999999999999999999999", "0" * 5000 + "60"])
def test_a_ttl_past_the_largest_max_age_is_a_400(site, path, ttl):
    # It was sent back as it was, "Cache-Control: max-age=99999999999999999999999", which RFC 9111
    # (1.2.2) tells a sender not to write past 2^31; 5,000 digits were a 500 in int().
    join = "&" if "?" in path else "?"
    response = site.get(f"{path}{join}_ttl={ttl}")
    if path.endswith("/figures"):
        assert response.status_code == 400 and "2147483648" in response.text
    else:
        assert "_ttl is a whole number of seconds from 0 to 2147483648" in assert_error_shape(response, 400)
    assert "99999999999999999999999" not in response.headers.get("cache-control", "")


@pytest.mark.parametrize("path", TTL_PATHS)
@pytest.mark.parametrize("ttl", ["-1", "abc", "1.5", "60s", "%2060"])
def test_a_ttl_that_is_not_a_whole_number_of_seconds_is_a_400_not_the_default(site, path, ttl):
    # Datasette reads a _ttl that is not digits as no _ttl at all: _ttl=-1 (meant as "do not
    # cache") and _ttl=60s were sent back as max-age=3600, 200, without a word.
    join = "&" if "?" in path else "?"
    response = site.get(f"{path}{join}_ttl={ttl}")
    if path.endswith("/figures"):
        assert response.status_code == 400 and "_ttl" in response.text
    else:
        message = assert_error_shape(response, 400)
        assert message == f"_ttl must be a whole number of seconds written with the digits 0 to 9, not {unquote(ttl)!r}"
    assert "max-age" not in response.headers.get("cache-control", "")


def test_a_blank_ttl_is_no_ttl(site):
    # A form's empty field sends one: the default applies, as without it.
    default = f"max-age={site.datasette.setting('default_cache_ttl')}"
    for path in ("/disclosures/figures.json?_size=1&_ttl=", "/country/USA.json?_ttl="):
        response = site.get(path)
        assert response.status_code == 200 and response.headers["cache-control"] == default


@pytest.mark.parametrize("ttl", ["2147483648", "0060", "0000000000000060"])
def test_a_ttl_up_to_the_largest_max_age_is_sent(site, ttl):
    for path in ("/disclosures/figures.json?_size=1", "/country/USA.json"):
        join = "&" if "?" in path else "?"
        assert site.get(f"{path}{join}_ttl={ttl}").headers["cache-control"] == f"max-age={int(ttl)}"


@pytest.mark.parametrize(
    "path", ["/compare.json?jurisdiction=XXX", "/disclosures/figures.csv?_size=abc", "/country/XXX.json"]
)
def test_an_error_or_a_status_page_is_not_given_the_data_cache_policy(site, path):
    response = site.get(path)
    assert response.status_code >= 400 and "max-age" not in response.headers.get("cache-control", "")
    assert site.get("/-/health.json").headers["cache-control"] == "no-store"


@pytest.mark.parametrize(
    "path",
    [
        "/disclosures/figures.json?_size=3&_shape=array&_nl=on",
        "/disclosures/figures_series.json?_size=3&_shape=array&_nl=on",
        "/disclosures/compare_platforms.json?jurisdiction=USA&_shape=array&_nl=on",
        "/disclosures.json?sql=select+figure_id+from+figures+limit+3&_shape=array&_nl=on",
    ],
)
def test_newline_delimited_json_is_served_as_ndjson_in_utf8(site, path):
    # Datasette sent text/plain without a charset.
    response = site.get(path)
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/x-ndjson; charset=utf-8"
    lines = response.content.decode("utf-8").strip().split("\n")
    assert len(lines) >= 3 and all(line.startswith("{") and line.endswith("}") for line in lines)
    # Without _nl it stays JSON; in another shape _nl is refused (newline_shape_problem).
    assert site.get(path.replace("&_nl=on", "")).headers["content-type"] == "application/json; charset=utf-8"
    assert_error_shape(site.get(path.replace("_shape=array", "_shape=objects")), 400)


@pytest.mark.parametrize(
    ("path", "answered"),
    [
        ("/disclosures/figures.json?_size=2&_nl=on", "without _shape, the answer is"),
        ("/disclosures/figures.json?_size=2&_shape=objects&_nl=1", "_shape=objects is"),
        ("/disclosures/figures/telegram-usa-2024-ip_or_phone-accounts_affected.json?_nl=on", "without _shape"),
        ("/disclosures/compare_platforms.json?jurisdiction=USA&_shape=arrayfirst&_nl=on", "_shape=arrayfirst is"),
        ("/disclosures.json?sql=select+1&_nl=true", "without _shape"),
    ],
)
def test_nl_on_in_a_shape_it_does_not_apply_to_is_a_400_not_ignored(site, path, answered):
    # Datasette writes newline-delimited JSON of _shape=array alone: figures.json?_nl=on answered
    # its one JSON object, 200, as if the client had not asked for one row per line.
    message = assert_error_shape(site.get(path), 400)
    assert "newline-delimited JSON (one row per line) is made of _shape=array only" in message
    assert answered in message and message.endswith("ask for _shape=array&_nl=on")
    asked = site.get(re.sub(r"&_shape=\w+", "", path) + "&_shape=array")
    assert asked.status_code == 200 and asked.headers["content-type"] == "application/x-ndjson; charset=utf-8"
    # Off, or blank, it asks for nothing: the shape as given.
    assert site.get(re.sub(r"_nl=\w+", "_nl=off", path)).status_code == 200


@pytest.mark.parametrize("jurisdiction", ["USA", "IND", "DEU"])
def test_compare_accounts_for_every_figure_compare_platforms_has(site, jurisdiction):
    # /compare.json had 186 rows for USA where compare_platforms had 218, and said nothing of why.
    compare = site.get(f"/compare.json?jurisdiction={jurisdiction}").json()
    shown = {c["figure_id"] for g in compare["groups"] for c in g["cells"]}
    left = {f["figure_id"]: f for f in compare["not_compared"]}
    assert bool(left) == (jurisdiction == "USA")  # USA's national-security figures are bands
    assert not (shown & set(left)) and all(f["value_kind"] != "exact" for f in left.values())
    newest = site.get(f"/disclosures/country_newest.json?jurisdiction={jurisdiction}&_shape=array").json()
    assert shown | set(left) == {f["figure_id"] for f in newest}
    canned = site.get(f"/disclosures/compare_platforms.json?jurisdiction={jurisdiction}&_shape=array").json()
    for row in canned:
        if row["figure_id"] in shown | set(left):
            continue
        # Otherwise a percentage whose series' newest figure, in country_newest, is the fraction of the same name.
        assert row["metric_id"] == "percent_requests_some_data", row
        newer = [
            f
            for f in newest
            if (f["platform_id"], f["request_type_id"], f["metric_group"])
            == (row["platform_id"], row["request_type_id"], row["metric_id"])
        ]
        assert len(newer) == 1 and newer[0]["metric_id"] == "fraction_requests_some_data"
        assert newer[0]["figure_id"] in shown
    page = site.get(f"/compare?jurisdiction={jurisdiction}").text
    said = f'<p class="not-compared">{len(left)} newest figure'
    assert (said in page) == bool(left)
    assert not left or f'href="/country/{jurisdiction}">' in page.split(said, 1)[1].split("</p>", 1)[0]
    country = site.get(f"/country/{jurisdiction}.json").text
    assert all(figure_id in country for figure_id in left)


@pytest.mark.parametrize(("value", "lines"), [("on", True), ("TRUE", True), ("1", True), ("off", False), ("0", False)])
def test_nl_is_read_as_on_or_off(site, value, lines):
    # Datasette answered newline-delimited JSON for any _nl, _nl=off and _nl=0 included.
    response = site.get(f"/disclosures/figures.json?_size=2&_shape=array&_nl={value}")
    assert response.status_code == 200
    if lines:
        assert response.headers["content-type"] == "application/x-ndjson; charset=utf-8"
        assert [row["figure_id"] for row in map(json.loads, response.text.splitlines())]
    else:
        assert response.headers["content-type"] == "application/json; charset=utf-8"
        assert len(response.json()) == 2


def test_nl_that_is_not_on_or_off_is_a_400(site):
    message = assert_error_shape(site.get("/disclosures/figures.json?_shape=array&_nl=maybe"), 400)
    assert message == "_nl must be on or off (or true/false, 1/0), not 'maybe'"


def test_a_200_that_says_ok_false_becomes_its_error_without_the_datas_cache_policy():
    import asyncio

    sent = []

    async def send(message):
        sent.append(message)

    async def answer():
        checked = plugin("parameters").error_status(send)
        headers = [(b"content-type", b"application/json"), (b"cache-control", b"max-age=3600")]
        await checked({"type": "http.response.start", "status": 200, "headers": headers})
        await checked({"type": "http.response.body", "body": b'{"ok": false, "error": "no such column: x"}'})

    asyncio.run(answer())
    assert sent[0]["status"] == 400
    assert b"cache-control" not in {name.lower() for name, _ in sent[0]["headers"]}
    assert json.loads(sent[1]["body"]) == {"ok": False, "status": 400, "error": "no such column: x"}


DEEP = 2000  # within the query string's limit, beyond the JSON decoder's recursion


@pytest.mark.parametrize(
    "query",
    [
        "value__in=" + "[" * DEEP + "]" * DEEP,
        "platform_id__notin=" + "[" * DEEP + "]" * DEEP,
        "_facet=" + '{"column":' * DEEP + "1" + "}" * DEEP,
        "_facet_array=" + '{"column":' * DEEP + "1" + "}" * DEEP,
        "_through=" + '{"table":' * DEEP + "1" + "}" * DEEP,
    ],
)
def test_json_nested_thousands_deep_is_a_400_not_a_500(site, query):
    # json.loads raised RecursionError, which no check caught: a 500, or for __in no answer at all.
    message = assert_error_shape(site.get(f"/disclosures/figures.json?{query}"), 400)
    assert message.startswith(query.split("=")[0])


EXPORT_LINK = re.compile(r'href="([^"]*\.(?:csv|json)(?:\?[^"]*)?)"')


@pytest.mark.parametrize(
    "path",
    [
        "/disclosures/country_newest?jurisdiction=USA&_size=max",
        "/disclosures/country_newest?jurisdiction=USA",
        "/disclosures?sql=select+1&_size=max",
        "/disclosures/figures?_labels=on&_size=10",
        "/disclosures/figures?platform_id=telegram",
    ],
)
def test_a_pages_export_links_name_each_parameter_once(site, path):
    # Datasette appended its own _size=max (a query's CSV) and _labels=on (a table's JSON) to the
    # request's parameters: asked for with _size=max, the CSV link was ?_size=max&_size=max.
    page = site.get(path)
    assert page.status_code == 200
    links = [html.unescape(link) for link in EXPORT_LINK.findall(page.text)]
    assert any(".csv" in link for link in links) and any(".json" in link for link in links)
    for link in links:
        names = [name for name, _ in parse_qsl(urlsplit(link).query, keep_blank_values=True)]
        assert len(names) == len(set(names)), link
        # Each link still carries what the page was asked for (but a table's CSV, which is every
        # row: plugins/csv_links.py drops the page's _size).
        for name, value in parse_qsl(urlsplit(path).query):
            if not (name == "_size" and "/figures.csv" in link):
                assert (name, value) in parse_qsl(urlsplit(link).query), link
    if "country_newest" in path:
        csv = next(link for link in links if ".csv" in link)
        assert ("_size", "max") in parse_qsl(urlsplit(csv).query)
        assert site.get(csv).status_code == 200


SHAPE_LINK = re.compile(r'<a href="([^"]*\.json[^"]*)">(default|array|newline-delimited|object)</a>')


@pytest.mark.parametrize("shape", ["array", "arrays", "objects", "object", "arrayfirst", "array&_nl=on"])
def test_a_table_pages_json_shape_links_give_each_its_shape_whatever_shape_the_page_was_asked(site, shape):
    # A page shows no shape, so figures?_shape=array is a 200, but Datasette's "Advanced export"
    # appended its own _shape to the page's: the object link was figures.json?_shape=array&...
    # &_shape=object, a 400 "_shape is given 2 times", and "default" gave the page's array.
    page = site.get(f"/disclosures/figures?_shape={shape}&platform_id=telegram&_size=3")
    assert page.status_code == 200
    links = {label: html.unescape(href) for href, label in SHAPE_LINK.findall(page.text)}
    assert set(links) == {"default", "array", "newline-delimited", "object"}
    answers = {label: site.get(link) for label, link in links.items()}
    assert {label: answer.status_code for label, answer in answers.items()} == dict.fromkeys(links, 200)
    default, array, object_ = (answers[label].json() for label in ("default", "array", "object"))
    # The links carry _labels=on: a platform_id is {"value": ..., "label": ...}.
    assert [row["platform_id"]["value"] for row in default["rows"]] == ["telegram"] * 3
    assert [row["figure_id"] for row in array] == [row["figure_id"] for row in default["rows"]]
    assert list(object_) == [row["figure_id"] for row in default["rows"]]
    lines = answers["newline-delimited"].text.splitlines()
    assert [json.loads(line)["figure_id"] for line in lines] == list(object_)


SITE_PAGES = [
    "/",
    "/figure/telegram-usa-2024-ip_or_phone-requests_fulfilled",
    "/country/USA",
    "/countries",
    "/platform/telegram",
    "/platforms",
    "/compare?jurisdiction=USA",
    "/chart?platform=google&jurisdiction=IND&request_type=all&metric=requests_received",
    "/telegram-map",
    "/changes",
    "/api",
]


@pytest.mark.parametrize("path", SITE_PAGES)
def test_the_sites_own_pages_have_the_cache_policy_of_datasettes_pages(site, path):
    # Under datasette serve they had no Cache-Control at all, while /disclosures/figures had
    # max-age=default_cache_ttl (nginx gave them one of its own in make prod only).
    policy = site.get("/disclosures/figures?_size=1").headers["cache-control"]
    assert policy == f"max-age={site.datasette.setting('default_cache_ttl')}"
    response = site.get(path)
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/html")
    assert response.headers["cache-control"] == policy
    join = "&" if "?" in path else "?"
    assert site.get(f"{path}{join}_ttl=60").headers["cache-control"] == "max-age=60"
    assert site.get(f"{path}{join}_ttl=0").headers["cache-control"] == "no-cache"


# A status page that is closed (/-/threads) is a missing one; the public ones have the policy
# (test_a_status_pages_html_has_the_cache_policy_of_its_json).
@pytest.mark.parametrize("path", ["/figure/no-such-figure", "/country/XXX", "/-/threads", "/static/site.css"])
def test_a_missing_page_or_a_file_is_not_given_the_pages_cache_policy(site, path):
    response = site.get(path)
    assert "max-age=" not in response.headers.get("cache-control", "")


CSV_ANSWERS = [
    "/disclosures/figures.csv",  # every row, streamed
    "/disclosures/figures.csv?_size=3",
    "/disclosures/figures.csv?platform_id=telegram&_sort=value",  # streamed page by page by the site
    "/disclosures/figures_series.csv?platform_id=microsoft&_sort_desc=value",
    "/disclosures/figures/telegram-usa-2024-ip_or_phone-accounts_affected.csv",
    "/disclosures/compare_platforms.csv?jurisdiction=USA",
    "/disclosures/country_newest.csv?jurisdiction=USA&_size=max",
    "/disclosures.csv?sql=select+1",
]


@pytest.mark.parametrize("path", CSV_ANSWERS)
def test_a_csv_answer_is_text_csv_in_utf8_saying_whether_it_has_a_header(site, path):
    # Datasette answered text/plain unless _dl=1: a program could not tell the CSV from text.
    join = "&" if "?" in path else "?"
    response = site.get(path)
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/csv; charset=utf-8; header=present"
    assert "content-disposition" not in response.headers  # a download only when _dl asks for one
    headless = site.get(f"{path}{join}_header=off")
    assert headless.headers["content-type"] == "text/csv; charset=utf-8; header=absent"
    assert headless.text == response.text.split("\r\n", 1)[1]
    download = site.get(f"{path}{join}_dl=1")
    assert download.headers["content-type"] == "text/csv; charset=utf-8; header=present"
    assert download.headers["content-disposition"].startswith("attachment")


LONG = "x" * 3000
NESTED = quote('{"a":' * 300)  # a few hundred deep, unclosed: "not JSON"
DEEPER = quote('{"a":' * 1200)  # past the JSON decoder's depth


@pytest.mark.parametrize(
    ("path", "advice"),
    [
        (f"/disclosures/figures.json?_facet={NESTED}", "write _facet=column"),
        (f"/disclosures/figures.json?_facet={DEEPER}", "write _facet=column"),
        (f"/disclosures/figures.json?value__gt={LONG}", "write it with the digits 0 to 9"),  # plugins/parameters.py
        (f"/disclosures/figures.json?value__gt={quote('1 ' * 1500)}", "write it with the digits 0 to 9"),
        (f"/disclosures/figures.json?_size={LONG}", "_size must be a whole number"),
        (f"/disclosures/figures.json?{LONG}=1", "has no column"),  # plugins/errors.py
        (f"/disclosures/figures.json?_sort={LONG}", "_sort"),  # Datasette's own message
        (
            f"/disclosures/figures.json?_through={quote(json.dumps({'table': LONG, 'column': 'a', 'value': 1}))}",
            "_through",
        ),
        (f"/disclosures/figures.csv?_stream={LONG}", "_stream must be on or off"),
        (f"/disclosures/compare_platforms.json?jurisdiction={LONG}", "jurisdiction"),
        (f"/country/{LONG}.json", "No jurisdiction"),
        (f"/compare.json?jurisdiction={LONG}", "jurisdiction is one of: ABW"),  # echoed upper-cased
    ],
)
def test_an_error_message_echoes_at_most_200_characters_of_what_the_client_sent(site, path, advice):
    # A _facet nested a few hundred deep was a 400 that repeated 6 KB of it; a query string may
    # hold 32 KiB. The echo is cut and counted; the rest of the message, its advice, stays.
    message = assert_error_shape(site.get(path), site.get(path).status_code)
    # A vocabulary the message lists (every jurisdiction's code, as /chart and /compare list them)
    # is the site's own text, not an echo.
    echoed = message.split(" is one of: ")[0]
    assert len(echoed) < 1000 and "characters in all)" in message and advice in message
    assert "x" * 201 not in message.lower() and '{"a":' * 41 not in message
    page = site.get(path.replace(".json", "", 1).replace(".csv", "", 1))
    if page.status_code >= 400 and "border: 3px solid red" in page.text:  # Datasette's error page
        box = re.search(r'border: 3px solid red;[^"]*">(.*?)</div>', page.text, re.DOTALL).group(1)
        assert len(box) < 2000 and "characters in all)" in box and "x" * 201 not in box.lower()
        assert int(page.headers["content-length"]) == len(page.content)


def test_a_long_list_of_codes_is_cut_before_the_colon_that_follows_it(site):
    # /chart quotes every unknown jurisdiction it is sent as one list, "jurisdiction=qaa,qab,...:",
    # each code short and the list over 400 characters without a space: the cut took the colon
    # with it ("… (413 characters in all) no such jurisdiction") and counted the parameter's name.
    codes = [f"q{a}{b}" for a in "abcdefghij" for b in "abcdefghij"][:120]
    listed = ",".join(codes)
    query = urlencode([("platform", "google"), *(("jurisdiction", code) for code in codes)])
    for path in (f"/chart.json?{query}", f"/chart?{query}"):
        response = site.get(path)
        text = response.text if path.startswith("/chart.json") else html.unescape(response.text)
        assert response.status_code == 400
        assert f"jurisdiction={listed[:200]}… ({len(listed):,} characters in all): no such jurisdiction" in text


@pytest.mark.parametrize(
    "path",
    [
        "/disclosures/figures.json?_size=" + "x" * 200,  # at the limit: shown whole
        "/disclosures/figures.json?_facet=" + quote('{"a":' * 30),
        "/disclosures/figures.json?platfrom_id=telegram",
    ],
)
def test_an_error_message_echoing_up_to_200_characters_is_as_it_was(site, path):
    message = assert_error_shape(site.get(path), 400)
    assert "characters in all" not in message
    name, _, value = urlsplit(path).query.partition("=")
    assert unquote(value if name.startswith("_") else name) in message


@pytest.mark.parametrize(
    ("path", "quoted"),
    [
        ("/compare.json?jurisdiction=%FF", "jurisdiction=%FF: no such jurisdiction"),  # plugins/pages.py
        ("/chart.json?platform=%FF", "platform=%FF: no such platform"),
        ("/telegram-map.json?period=%FF", "No Telegram period '%FF'"),
        ("/disclosures/compare_platforms.json?jurisdiction=%FF", "jurisdiction=%FF: no such jurisdiction"),
        ("/disclosures/figures.json?_size=caf%C3%A9%FF", "not 'café%FF'"),  # plugins/parameters.py
        ("/disclosures/figures.json?value__gt=%C3%28", "value__gt=%C3(:"),
        ("/disclosures/figures.json?a%FF=1", "the table has no column 'a%FF'"),  # plugins/errors.py
        ("/disclosures/figures.json?_sort=%FF", "_sort=%FF:"),
        ("/disclosures/figures.json?_facet=%FF", "_facet=%FF:"),
        ("/disclosures/figures.json?_ttl=%FF", "seconds written with the digits 0 to 9, not '%FF'"),
        ("/disclosures/figures.json?_col=%FF", "figures has no column '%FF'"),
        ("/disclosures/figures.json?_where=%FF", "no such column: %FF"),  # SQLite's, through Datasette
    ],
)
def test_an_error_quotes_a_parameter_that_is_no_utf8_as_the_client_sent_it(site, path, quoted):
    # Every reader of the query string decoded %FF as a replacement character, which the client
    # never sent: the 400 said "jurisdiction=\ufffd: no such jurisdiction".
    message = assert_error_shape(site.get(path), 400)
    assert quoted in message and "\ufffd" not in message
    page = site.get(path.replace(".json", "", 1))
    assert page.status_code == 400 and "\ufffd" not in page.text
    assert quoted in html.unescape(page.text)


def test_an_error_leaves_a_replacement_character_it_cannot_tell_the_bytes_of(site):
    # %FF and %FE both decode to one replacement character: which one a message quotes is unknown.
    message = assert_error_shape(site.get("/disclosures/figures.json?_size=%FF&_sort=%FE"), 400)
    assert "not '\ufffd'" in message
    # A replacement character the client sent as UTF-8 is its own text.
    assert "not '\ufffd'" in assert_error_shape(site.get("/disclosures/figures.json?_size=%EF%BF%BD"), 400)


@pytest.mark.parametrize(
    ("path", "quoted"),
    [
        ("/disclosures/figures.json?_sort=%EF%BF%BD&x=%FF", "_sort=\ufffd:"),
        ("/disclosures/figures.json?_sort=a%EF%BF%BDb&x=%FF", "_sort=a\ufffdb:"),
    ],
)
def test_an_error_quotes_a_replacement_character_sent_as_utf8_as_sent_beside_bytes_that_are_none(site, path, quoted):
    # x=%FF decodes to the replacement character that _sort holds as UTF-8: the message quoted
    # "_sort=%FF", bytes the client sent for another parameter.
    message = assert_error_shape(site.get(path), 400)
    assert quoted in message and "%FF" not in message


# What a page shows as text: neither its markup (links keep the address whole) nor its scripts.
PAGE_MARKUP = re.compile(r"<script\b.*?</script>|<style\b.*?</style>|<[^>]*>", re.S)


@pytest.mark.parametrize(
    "path",
    [
        f"/figure/{LONG}",  # its title, heading and text named the id whole
        f"/chart?platform={LONG}",  # its refusal named the platform whole
        f"/chart?platform=telegram&jurisdiction=USA&metric={LONG}",
        f"/country/{LONG}",  # Datasette's error page, as before
    ],
)
def test_an_error_page_shows_at_most_200_characters_of_what_the_client_sent(site, path):
    # The JSON's error was cut and counted; the HTML page of the same request showed 3,000 x's
    # in its title and heading, on pages that are not Datasette's error page.
    page = site.get(path)
    assert page.status_code in (400, 404) and page.headers["content-type"].startswith("text/html")
    shown = html.unescape(PAGE_MARKUP.sub(" ", page.text))
    assert "x" * 201 not in shown and "x" * 200 + "…" in shown and "(3,000 characters in all)" in shown
    title = re.search(r"<title>(.*?)</title>", page.text, re.S).group(1)
    assert len(title) < 400, title
    assert int(page.headers["content-length"]) == len(page.content)


def test_a_head_of_an_error_with_a_cut_echo_has_the_length_of_the_cut_get(site):
    path = "/disclosures/figures.json?_size=" + LONG
    head = site.loop.run_until_complete(site.datasette.client.request("HEAD", path))
    get = site.get(path)
    assert head.status_code == get.status_code == 400
    assert head.headers["content-length"] == get.headers["content-length"]


class ExportForm(HTMLParser):
    """The fields Datasette's "Advanced export" form submits as it stands (checked boxes only)."""

    def __init__(self):
        super().__init__()
        self.action, self.fields, self.inside = None, [], False

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form" and (attrs.get("action") or "").endswith(".csv"):
            self.action, self.inside = attrs["action"], True
        elif tag == "input" and self.inside and attrs.get("name") and self.submitted(attrs):
            self.fields.append((attrs["name"], attrs.get("value") or "on"))

    @staticmethod
    def submitted(attrs):
        return attrs.get("type") == "hidden" or (attrs.get("type") == "checkbox" and "checked" in attrs)

    def handle_endtag(self, tag):
        self.inside = self.inside and tag != "form"


@pytest.mark.parametrize("page", ["/disclosures/figures?platform_id=google", "next page"])
def test_the_advanced_export_form_gives_every_row_of_the_filter(site, real_db, page):
    # The form sent _size=max (and, from a next page, its _next): one page of at most 5,000
    # rows with status 200, which a reader asking for "the CSV" took for every figure.
    if page == "next page":
        listed = site.get("/disclosures/figures.json?platform_id=google&_size=10").json()
        page = f"/disclosures/figures?platform_id=google&_size=10&_next={quote(str(listed['next']))}"
    form = ExportForm()
    form.feed(site.get(page).text)
    assert form.action == "/disclosures/figures.csv"
    answer = site.get(f"{form.action}?{urlencode(form.fields)}")
    assert answer.status_code == 200 and "link" not in answer.headers
    (expected,) = rows(real_db, "SELECT count(*) FROM figures WHERE platform_id = 'google'")[0]
    assert expected > site.datasette.setting("max_returned_rows")
    assert len(answer.text.splitlines()) == expected + 1


@pytest.mark.parametrize(
    ("query", "said"),
    [
        (
            "value__in=2,1e999",
            "value__in=2,1e999: value holds numbers, and its 2nd value '1e999' is not a finite number: it is "
            "beyond the largest number SQLite holds (about 1.8e308), so SQLite reads it as infinity and no row "
            "could match it; ",
        ),
        ("value__in=1e999", "and '1e999' is not a finite number: it is beyond"),
        ("value__in=1e999", "so SQLite reads it as infinity and nothing could match; "),
        ("value__in=1,2,3,4,5,6,7,8,9,10,-1e999", "its 11th value '-1e999' is not a finite number"),
        ("value__in=1,2,-1e999", "its 3rd value '-1e999' is not a finite number"),
        ("value__in=-1e999,2", "SQLite reads it as minus infinity and no row could match it"),
        ("value__notin=2,1e999", "its 2nd value '1e999' is not a finite number"),
        ("value__notin=2,1e999", "SQLite reads it as infinity and it would leave out no row; "),
        ("value__notin=%5B2,%22x%22%5D", "its 2nd value 'x' is not a number, so it would leave out no row"),
        ("value__in=%5B1,true%5D", "its 2nd value true is not a number, so it would be compared as 1"),
    ],
)
def test_a_lists_value_that_is_no_finite_number_is_the_one_named(site, query, said):
    # value__in=2,1e999 said "nothing could match", as value__gt=1e999 does, though the rows of
    # 2 match: it is the one value, 1e999, that no row could match.
    message = assert_error_shape(site.get(f"/disclosures/figures.json?{query}"), 400)
    assert said in message


def test_an_nl_the_json_refuses_does_not_reach_a_csvs_own_lookups(site):
    # A CSV ignores _nl; the table CSV's next page and a query CSV's row limit are read from the
    # JSON with _shape=objects, where _nl=on is now a 400: the Link header went missing.
    paged = site.get("/disclosures/figures.csv?_size=2&_nl=on")
    assert paged.status_code == 200 and 'rel="next"' in paged.headers["link"]
    query = "/disclosures.json?sql=select+figure_id+from+figures&_shape=array&_nl=on"
    assert "more than 5000 rows" in assert_error_shape(site.get(query), 413)


NAMELESS = "A parameter has no name ('=x' in the query string); "


@pytest.mark.parametrize(
    ("path", "reads"),
    [
        ("/disclosures/figures.json?=x", "a filter names one of the table's columns, as column=value"),
        ("/disclosures/figures.csv?platform_id=telegram&=x", "a filter names one of the table's columns"),
        ("/disclosures/figures_series.json?=x&=y", "a filter names one of the table's columns"),
        (
            f"/disclosures/figures/{quote('telegram-usa-2024-ip_or_phone-requests_fulfilled')}.json?=x",
            "a row's .json is",
        ),
        ("/disclosures.json?sql=select+1&=x", "the query takes none"),
        ("/disclosures.json?sql=select+:a&a=1&=x&=y", "the query's parameters are: a"),
        (
            "/disclosures/platform_coverage.json?platform=telegram&=x",
            "the parameters of platform_coverage are: platform",
        ),
        ("/country/USA.json?=x", "/country takes none"),
        ("/compare.json?=x", "the parameters of /compare are: jurisdiction, platform"),
        ("/downloads.json?=x", "/downloads takes none"),
    ],
)
def test_a_parameter_with_no_name_is_said_to_have_none(site, path, reads):
    # Each message began with the parameter's name, which was empty: ": the table has no column ''",
    # ": /compare has no parameter ''", and for two of them " is given 2 times ('x', 'y')".
    message = assert_error_shape(site.get(path), 400)
    assert message.startswith(NAMELESS + reads), message


def test_a_parameter_with_no_name_on_a_table_page_is_said_to_have_none(site):
    page = site.get("/disclosures/figures?=x")
    assert page.status_code == 400 and NAMELESS in html.unescape(page.text)
    # A page that shows what it did not apply, rather than refusing it, still answers.
    assert site.get("/country/USA?=x").status_code == 200
