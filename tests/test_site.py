"""Layer (c): the published site through Datasette's client, and the serving process itself."""

import csv
import html
import io
import json
import re
import urllib.error
import urllib.request

import lxml.html
import pytest

from disclosures import paths
from tests.conftest import (
    FIGURE_FACETS,
    UNHURRIED,
    Site,
    assert_error_shape,
    built_settings,
    plugin,
    rows,
    unhurried,
)
from tests.packages import ROOT

guards = plugin("guards")

FIGURES = "/disclosures/figures"


def test_home_page_tells_what_where_and_how_to_cite(site):
    html = site.get("/").text
    assert "government requests for their users' data" in html
    version = json.loads((ROOT / "datapackage.json").read_text(encoding="utf-8"))["version"]
    assert "How to cite" in html and f"version {version}" in html
    assert 'id="telegram-chart"' in html and "/static/vendor/chart.umd.min.js" in html
    assert "te-k" in html.lower()  # attribution the CC-BY compilation asks for
    chart = json.loads(
        re.search(r'<script type="application/json" id="telegram-chart-data">(.*?)</script>', html, re.S).group(1)
    )
    names = [c["name"] for c in chart["countries"]]
    assert "United States" in names and "India" in names
    assert [e["event_date"] for e in chart["events"]] == ["2024-08-24", "2024-09-23"]
    usa = next(c for c in chart["countries"] if c["id"] == "USA")
    assert [(p["label"], p["value"], p["derived"]) for p in usa["periods"][:2]] == [
        ("January–September 2024", 14, False),
        ("Q4 2024", 886, True),
    ]


def test_every_link_on_the_home_page_answers_200(site):
    html = site.get("/").text
    links = sorted({h for h in re.findall(r'href="([^"]+)"', html) if h.startswith("/")})
    assert len(links) >= 8
    for link in links:
        assert site.get(link.replace("&amp;", "&")).status_code == 200, link


def test_default_facets_are_present_with_the_right_counts(site, real_db):
    data = site.get(FIGURES + ".json").json()
    assert set(data["facet_results"]) == set(FIGURE_FACETS)
    assert data["facets_timed_out"] == []
    platform = {r["value"]: r["count"] for r in data["facet_results"]["platform_id"]["results"]}
    assert platform == dict(rows(real_db, "SELECT platform_id, count(*) FROM figures GROUP BY platform_id"))
    labels = {r["value"]: r["label"] for r in data["facet_results"]["jurisdiction_id"]["results"]}
    assert labels["USA"] == "United States"


def test_a_facet_that_timed_out_is_reported_in_the_json_not_dropped():
    data = {"facet_results": {"platform_id": {}, "year": {}}}
    assert guards.facets_timed_out(data, ["platform_id", "jurisdiction_id", "year"]) == ["jurisdiction_id"]


def test_facet_report_follows_the_request(site):
    data = site.get(FIGURES + ".json?_facet=source_id&_size=0").json()
    assert "source_id" in data["facet_results"] and data["facets_timed_out"] == []
    assert (
        "facets_timed_out" not in site.get(FIGURES + ".json?_nofacet=1&_size=0").json()
        or site.get(FIGURES + ".json?_nofacet=1&_size=0").json()["facets_timed_out"] == []
    )


def test_figures_sort_newest_first_with_human_labels(site):
    data = site.get(FIGURES + ".json?_labels=on&_size=5").json()
    ends = [r["period_end"] for r in data["rows"]]
    assert ends == sorted(ends, reverse=True)
    assert isinstance(data["rows"][0]["platform_id"], dict) and data["rows"][0]["platform_id"]["label"]


def test_paging_through_the_default_order_sees_every_figure_once(site, real_db):
    # Datasette 0.65 skips rows at page boundaries when the sort column has ties; the default
    # order (recency_rank) is unique, so nothing is lost or repeated.
    url, seen = FIGURES + ".json?_size=700&_shape=objects", []
    while url:
        page = site.get(url).json()
        seen += [r["figure_id"] for r in page["rows"]]
        url = page["next_url"] and page["next_url"].split("http://localhost", 1)[-1]
    assert len(seen) == len(set(seen)) == rows(real_db, "SELECT count(*) FROM figures")[0][0]


def test_column_descriptions_come_from_the_package(site):
    descriptor = json.loads((ROOT / "datapackage.json").read_text(encoding="utf-8"))
    fields = {f["name"]: f for r in descriptor["resources"] if r["name"] == "figures" for f in r["schema"]["fields"]}
    columns = site.datasette.table_metadata("disclosures", "figures")["columns"]
    assert columns["quote"] == f"{fields['quote']['title']}. {fields['quote']['description']}"
    assert "derived" in columns["is_derived"].lower()
    html = site.get(FIGURES).text
    assert fields["value_kind"]["description"].split(":")[0] in html


def test_full_csv_export_round_trips_the_data(site):
    response = site.get(FIGURES + ".csv?_stream=on&_size=max&is_derived=0")
    assert response.status_code == 200
    exported = list(csv.DictReader(io.StringIO(response.text)))
    with (ROOT / "data" / "figures.csv").open(encoding="utf-8", newline="") as handle:
        original = list(csv.DictReader(handle))
    assert len(exported) == len(original)
    by_id = {r["figure_id"]: r for r in exported}
    for row in original:
        assert {k: by_id[row["figure_id"]][k] for k in row} == row


def test_the_arrest_querys_averages_are_flagged_as_its_own_arithmetic_and_say_how(site):
    # per_month_jan_sep (776.9 for India) sat beside the reported figures with nothing but a SQL
    # comment to say that the query divided and rounded it; Telegram reports no monthly figure.
    answer = site.get("/disclosures/telegram_before_after_arrest.json?_shape=objects").json()
    computed = {"per_month_jan_sep_computed": ("jan_sep_2024", 9), "per_month_oct_dec_computed": ("oct_dec_2024", 3)}
    assert set(computed) <= set(answer["columns"]) and not {"per_month_jan_sep", "per_month_oct_dec"} & set(
        answer["columns"]
    )
    queries = site.get("/-/metadata.json").json()["databases"]["disclosures"]["queries"]
    metadata = queries["telegram_before_after_arrest"]
    assert set(metadata["columns"]) == set(answer["columns"]) and all(metadata["columns"].values())
    for column, (figure, months) in computed.items():
        said = metadata["columns"][column]
        assert said.startswith("Computed by this query") and f"{figure} divided by {months}" in said
        assert "rounded to one decimal place" in said
        for row in answer["rows"]:
            assert row[column] == round(row[figure] / months, 1)
    page = " ".join(site.get("/disclosures/telegram_before_after_arrest").text.split())
    assert "per_month_jan_sep_computed and per_month_oct_dec_computed are computed by this query" in page


def test_the_arrest_querys_figures_name_their_ids_and_link_to_their_pages(site, real_db):
    # Its two figures per country were numbers with no id: no way to their source and quote.
    arrest = site.get("/disclosures/telegram_before_after_arrest.json?_shape=array").json()
    assert arrest
    for row in arrest:
        for value, figure_id in (("jan_sep_2024", "jan_sep_figure_id"), ("oct_dec_2024", "oct_dec_figure_id")):
            found = rows(
                real_db, "SELECT value, jurisdiction_id, is_derived FROM figures WHERE figure_id = ?", row[figure_id]
            )
            assert found[0][:2] == (row[value], row["jurisdiction_id"])
        assert found[0][2] == row["oct_dec_derived"]
    page = site.get("/disclosures/telegram_before_after_arrest").text
    usa = next(r for r in arrest if r["jurisdiction_id"] == "USA")
    for column in ("jan_sep_figure_id", "oct_dec_figure_id"):
        assert f'<td class="col-{column}"><a href="/figure/{usa[column]}">{usa[column]}</a></td>' in page


def test_canned_queries_return_known_figures(site):
    arrest = site.get("/disclosures/telegram_before_after_arrest.json?_shape=array").json()
    usa = next(r for r in arrest if r["jurisdiction_id"] == "USA")
    assert (usa["jan_sep_2024"], usa["oct_dec_2024"], usa["oct_dec_derived"]) == (14, 886, 1)
    users = site.get("/disclosures/telegram_before_after_arrest.json?_shape=array&metric=accounts_affected").json()
    assert next(r for r in users if r["jurisdiction_id"] == "USA")["jan_sep_2024"] == 108

    compare = site.get("/disclosures/compare_platforms.json?_shape=array&jurisdiction=usa").json()
    assert {"telegram", "google", "meta", "apple"} <= {r["platform_id"] for r in compare}

    top = site.get(
        "/disclosures/top_jurisdictions.json?_shape=array&platform=telegram&metric=requests_fulfilled"
        "&period_start=2024-01-01&period_end=2024-12-31"
    ).json()
    assert (top[0]["jurisdiction_id"], top[0]["value"]) == ("IND", 14641)

    series = site.get("/disclosures/jurisdiction_series.json?_shape=array&jurisdiction=USA").json()
    telegram = [
        (r["period_label"], r["value"])
        for r in series
        if r["platform_id"] == "telegram" and r["metric_id"] == "requests_fulfilled"
    ]
    assert telegram[:3] == [("20240101-20240930", 14), ("2024q4", 886), ("2025q1", 576)]

    matrix = site.get("/disclosures/telegram_coverage_matrix.json?_shape=array").json()
    usa_row = next(r for r in matrix if r["jurisdiction_id"] == "USA")
    assert (usa_row["jan_sep_2024"], usa_row["fy_2024"], usa_row["q4_2024"]) == ("reported", "reported", "derived")

    hits = site.get("/disclosures/search_everything.json?_shape=array&q=fulfilled").json()
    assert {"figure", "disagreement"} <= {h["kind"] for h in hits}


def test_full_text_search_on_the_figures_table(site):
    data = site.get(FIGURES + ".json?_search=Affected&platform_id=telegram&_size=1").json()
    assert data["filtered_table_rows_count"] > 100


@pytest.mark.parametrize(
    "sql",
    [
        "select printf('%.*c', 999999999, 'x')",
        "select printf('%999999999d', 1)",
        "select format('%.*c', 50000000, 'x')",
    ],
)
def test_runaway_format_widths_are_refused_before_they_run(site, sql):
    response = site.get("/disclosures.json", params={"sql": sql})
    assert response.status_code == 400
    assert "printf/format" in response.text


def test_a_format_built_at_run_time_is_refused_by_the_function_itself(site):
    response = site.get("/disclosures.json", params={"sql": "select printf('%.' || '*c', 999999999, 'x')"})
    assert response.status_code == 400
    ok = site.get("/disclosures.json", params={"sql": "select printf('%05d|%s', 42, 'ok') as v", "_shape": "array"})
    assert ok.json() == [{"v": "00042|ok"}]


@pytest.mark.parametrize(
    "sql",
    [
        "select zeroblob(900000000)",
        "select length(randomblob(500000000))",
        "select replace(hex(zeroblob(150000)), '0', '00')",
    ],
)
def test_huge_blobs_hit_the_length_limit(site, sql):
    response = site.get("/disclosures.json", params={"sql": sql})
    assert response.status_code == 400
    assert "too big" in response.json()["error"]


@pytest.mark.parametrize(
    ("path", "params"),
    [
        ("/disclosures.json", {"sql": "select group_concat(quote) from figures"}),
        ("/disclosures.csv", {"sql": "select group_concat(quote) from figures"}),
        ("/disclosures/figures.json", {"_where": "length(zeroblob(300000)) > 0"}),
        ("/disclosures", {"sql": "select group_concat(quote) from figures"}),
    ],
)
def test_a_value_over_the_length_cap_says_what_to_do_instead(site, path, params):
    # SQLite's "string or blob too big" alone read as the database failing to a researcher whose
    # group_concat ran over the whole table.
    response = site.get(path, params=params)
    assert response.status_code == 400
    said = response.json()["error"] if path.endswith((".json", ".csv")) else html.unescape(response.text)
    assert "string or blob too big: one value a query builds" in said
    assert "ask for fewer rows or shorter text (LIMIT, substr), or download the table's CSV" in said


def test_the_server_keeps_answering_after_hostile_queries(site):
    site.get("/disclosures.json", params={"sql": "select printf('%.*c', 999999999, 'x')"})
    assert site.get("/disclosures/figures.json?_size=1").status_code == 200


@pytest.mark.parametrize("value", ["abc", "-5", "1.5", ""])
def test_malformed_timelimit_is_a_400_not_a_500(site, value):
    response = site.get(FIGURES + ".json", params={"_timelimit": value})
    assert response.status_code == 400
    assert "_timelimit" in response.text


def test_valid_timelimit_still_works(site):
    assert site.get(FIGURES + ".json?_timelimit=500&_size=1").status_code == 200


def test_a_csv_over_max_csv_mb_is_refused_not_cut(real_build):
    small = Site(unhurried(real_build, settings={"max_csv_mb": 1}))
    # A page (5,000 rows, about 3 MB) is held until it is whole: a 413.
    response = small.get(FIGURES + ".csv?_size=max")
    assert response.status_code == 413
    assert "larger than 1 MB" in response.text
    # A stream has sent its 200 when it reaches the limit: it is broken off, never ended as if whole.
    with pytest.raises(RuntimeError, match="streamed CSV broken off: CSV contains more than"):
        small.get(FIGURES + ".csv?_stream=on")
    assert small.get("/disclosures/platforms.csv").status_code == 200


# Datasette 0.65's debugging and sign-in pages (datasette/app.py's routes), as the README lists
# them: closed, or public because a reader or a program uses them.
CLOSED_PAGES = ["threads", "databases", "actor", "messages", "allow-debug", "permissions", "patterns"]
CLOSED_PAGES += ["auth-token", "logout", "create-token"]
PUBLIC_PAGES = ["versions", "plugins", "settings", "metadata"]


def test_the_closed_pages_are_the_ones_the_readme_names():
    assert sorted(guards.CLOSED_PAGES) == sorted(CLOSED_PAGES)


@pytest.mark.parametrize("name", CLOSED_PAGES)
def test_datasettes_debugging_and_sign_in_pages_are_closed(site, name):
    # /-/actor answered {"actor": null}, /-/allow-debug judged any allow block a client sent,
    # /-/messages and /-/logout were forms that set cookies, /-/patterns Datasette's style sample.
    message = assert_error_shape(site.get(f"/-/{name}.json"), 404)
    assert message.startswith(f"Not found: /-/{name}.json is one of Datasette's debugging")
    assert "/-/versions, /-/plugins, /-/settings and /-/metadata" in message
    page = site.get(f"/-/{name}")
    assert page.status_code == 404 and page.headers["content-type"].startswith("text/html")
    assert f"/-/{name} is one of Datasette&#39;s debugging" in page.text
    # Asked for with a parameter the page reads, or a slash after it, it is closed all the same.
    assert site.get(f"/-/{name}?actor=%7B%7D&allow=%7B%7D&token=x").status_code == 404
    assert site.get(f"/-/{name}/", follow_redirects=True).status_code == 404


@pytest.mark.parametrize("name", PUBLIC_PAGES)
def test_what_the_site_says_about_itself_is_public(site, name):
    assert site.get(f"/-/{name}").status_code == 200
    assert site.get(f"/-/{name}.json").status_code == 200
    # /-/config was Datasette's name for /-/settings, and leads there.
    assert site.get("/-/config").headers["location"] == "/-/settings"


def test_no_page_shows_the_servers_file_paths(site):
    for path in ["/-/versions.json", "/-/settings.json", "/-/metadata.json", "/disclosures.json", "/-/plugins.json"]:
        response = site.get(path)
        assert response.status_code == 200, path
        assert str(ROOT) not in response.text, path


def test_cors_is_on_for_the_json_api(site):
    assert site.get(FIGURES + ".json?_size=1").headers["access-control-allow-origin"] == "*"


def test_figure_page_shows_value_quote_source_and_disagreements(site):
    html = site.get("/figure/telegram-usa-2024-ip_or_phone-requests_fulfilled").text
    assert 'data-value="900"' in html
    assert "Fulfilled requests from the United States of America for IP address and/or phone number" in html
    assert 'class="source-link"' in html
    assert "Disagreements" in html and "wrong period" in html
    assert "/figure/telegram-usa-2024q4-ip_or_phone-requests_fulfilled-derived" in html  # used to derive


def test_derived_figure_page_links_its_inputs(site):
    html = site.get("/figure/telegram-usa-2024q4-ip_or_phone-requests_fulfilled-derived").text
    assert "derived by the build" in html
    assert "/figure/telegram-usa-2024-ip_or_phone-requests_fulfilled" in html
    assert "/figure/telegram-usa-20240101-20240930-ip_or_phone-requests_fulfilled" in html
    # The headline number itself says it is derived, not only the facts below it.
    headline = html.split('<div class="figure-value">', 1)[1].split('<p class="metric">', 1)[0]
    assert 'class="derived-badge"' in headline
    reported = site.get("/figure/telegram-usa-2024-ip_or_phone-requests_fulfilled").text
    assert (
        'class="derived-badge"'
        not in reported.split('<div class="figure-value">', 1)[1].split('<p class="metric">', 1)[0]
    )


def test_unknown_figure_is_404(site):
    assert site.get("/figure/no-such-figure").status_code == 404


def test_sqlite_file_downloads(site, real_db):
    response = site.get("/disclosures.db")
    assert response.status_code == 200
    assert response.content == real_db.read_bytes()


def test_api_page_shows_every_example(site, real_build):
    import yaml

    html = site.get("/api").text
    for example in yaml.safe_load(paths.API_EXAMPLES.read_text(encoding="utf-8"))["examples"]:
        assert f'id="{example["id"]}"' in html
    assert "max_returned_rows" not in html  # settings are shown as values, not names
    assert str(built_settings(real_build)["max_returned_rows"]) in html


def test_vendored_chart_js_is_the_pinned_npm_file():
    import hashlib

    manifest = json.loads((ROOT / "static" / "vendor" / "manifest.json").read_text(encoding="utf-8"))
    entry = manifest["chart.umd.min.js"]
    digest = hashlib.sha256((ROOT / "static" / "vendor" / "chart.umd.min.js").read_bytes()).hexdigest()
    assert digest == entry["sha256"]
    assert entry["registry"] == "npm" and entry["package"] == "chart.js"


# The serving process ------------------------------------------------------------------------


def test_serving_process_holds_none_of_the_pipeline(live_server):
    # The stock datasette command from .venv-site: rich (slow tracebacks), frictionless and the
    # disclosures library are neither loaded nor importable in the serving process.
    status = json.load(urllib.request.urlopen(live_server + "/-/serving.json"))
    assert status["modules"] == {
        name: {"loaded": False, "importable": False} for name in ("rich", "frictionless", "disclosures")
    }


def test_the_tests_sites_serve_the_builds_settings_with_unhurried_time_limits(site, live_server, real_build):
    # The sites the tests drive differ from the served one only in their time limits (UNHURRIED in
    # tests/conftest.py). Given one --setting, Datasette 0.65 ignores settings.json: the browser's
    # site had 1,000 rows a page at most, suggested facets and a cache of 5 s.
    expected = {**built_settings(real_build), **UNHURRIED}
    assert expected["sql_time_limit_ms"] > built_settings(real_build)["sql_time_limit_ms"]
    served = [site.get("/-/settings.json").json(), json.load(urllib.request.urlopen(live_server + "/-/settings.json"))]
    for settings in served:
        assert {name: settings[name] for name in expected} == expected


def test_the_in_process_site_reports_what_it_holds(site):
    # The same endpoint in the test process, where the pipeline is loaded: the report is real.
    status = site.get("/-/serving.json").json()
    assert status["modules"]["disclosures"] == {"loaded": True, "importable": True}


def test_error_responses_in_the_serving_process_stay_plain(live_server):
    for _ in range(3):
        with pytest.raises(urllib.error.HTTPError) as error:
            urllib.request.urlopen(live_server + "/disclosures/no_such_table")
        assert error.value.code == 404


# Releases on the site -------------------------------------------------------------------------


def latest_release(db_path):
    return rows(db_path, "SELECT version, date FROM releases WHERE version = (SELECT latest_release FROM dataset)")[0]


def test_each_figure_of_the_home_charts_table_links_to_its_page(site, real_db):
    # The home chart's table gave numbers with no way to their source and quote, where every
    # other chart's table links each value to its figure (and the page says every figure does).
    html = site.get("/").text
    table = re.search(r'<table class="chart-table">(.*?)</table>', html, re.S).group(1)
    cells = re.findall(r'<td class="num"><a href="/figure/([^"]+)">([0-9,]+)</a></td>', table)
    assert len(cells) == table.count("<tr>") - 1 > 10
    for figure_id, shown in cells[:40]:
        ((value, platform_id, metric_id),) = rows(
            real_db, "SELECT value, platform_id, metric_id FROM figures WHERE figure_id = ?", figure_id
        )
        assert (f"{value:,}", platform_id, metric_id) == (shown, "telegram", "requests_fulfilled")


def test_home_page_shows_version_release_date_and_what_changed(site, real_db):
    version, released = latest_release(real_db)
    ((shown,),) = rows(real_db, "SELECT version FROM dataset")
    html = site.get("/").text
    if shown == version:
        assert f'Release {version} (<span class="date">{released}</span>)' in html
    else:  # the data shown is not that release: the heading must not say it is
        assert f'Latest release: {version} (<span class="date">{released}</span>), not the data shown here' in html
        assert f"<h2>Release {version}" not in html
    assert 'href="/changes"' in html and 'href="/feed.atom"' in html


def test_changes_page_lists_the_release_changelog(site, real_db):
    version, _ = latest_release(real_db)
    recorded = list(
        csv.DictReader(io.StringIO((paths.RELEASES / version / "changelog.csv").read_text(encoding="utf-8")))
    )
    html = site.get("/changes").text
    for row in recorded[:5]:
        assert row["figure_id"] in html


def test_atom_feed_has_one_entry_per_release_a_self_link_and_cache_headers(site, real_db):
    import xml.etree.ElementTree as ElementTree

    response = site.get("/feed.atom")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/atom+xml")
    assert "max-age=" in response.headers["cache-control"] and response.headers["etag"]
    assert len(response.content) < 100_000
    etag = response.headers["etag"]
    for asked in (etag, f"W/{etag}", f'"other", {etag}', "*"):
        unchanged = site.get("/feed.atom", headers={"if-none-match": asked})
        assert unchanged.status_code == 304 and unchanged.content == b"", asked
        # Its headers are the feed's: a 304's Content-Type was text/plain, which a cache that
        # revalidated its copy took as the feed's own (RFC 9111 4.3.4).
        assert unchanged.headers["content-type"] == response.headers["content-type"]
        assert unchanged.headers["etag"] == etag
    assert site.get("/feed.atom", headers={"if-none-match": '"other"'}).status_code == 200
    feed = ElementTree.fromstring(response.content)
    atom = "{http://www.w3.org/2005/Atom}"
    entries = feed.findall(f"{atom}entry")
    assert len(entries) == rows(real_db, "SELECT count(*) FROM releases")[0][0]
    version, released = latest_release(real_db)
    assert entries[0].find(f"{atom}title").text == f"Release {version} ({released})"
    assert entries[0].find(f"{atom}link").get("href").endswith(f"/changes?version={version}")
    assert any(link.get("rel") == "self" for link in feed.findall(f"{atom}link"))
    links = [link.get("href") for link in feed.iter(f"{atom}link")]
    assert links and not any("127.0.0.1" in link or "localhost" in link for link in links)


def test_band_figure_page_shows_the_band_not_a_number(site):
    html = site.get("/figure/github-usa-2014h1-national_security-requests_received").text
    assert "0–249" in html and "reported as a band" in html
    assert "data-value=" not in html


def test_figure_ids_in_the_table_link_to_their_pages(site):
    html = site.get(FIGURES + "?platform_id=telegram&jurisdiction_id=USA").text
    assert '<a class="figure-page" href="/figure/telegram-usa-2024-ip_or_phone-requests_fulfilled"' in html
    bands = site.get(FIGURES + "?value_kind=band&_size=1").text
    # bands are shown with thousands separators (Google's US national-security bands: 1,500–1,999)
    assert re.search(r'class="figure-page" href="/figure/[^"]+" title="[^"]+">[\d,]+–[\d,]+</a>', bands)
    assert 'rel="nofollow noopener"' in site.get("/disclosures/sources").text


def cell(html: str, column: str) -> str:
    """The first table cell of ``column`` on a table page."""
    return re.search(rf'<td class="col-{column} [^"]*">(.*?)</td>', html).group(1)


@pytest.mark.parametrize("table", ["corroborations", "corrections", "release_changes", "figures_series"])
def test_a_figure_id_that_is_text_in_another_table_links_to_its_figure_page(site, table):
    # Not a foreign key (a corroboration may name a derived figure, a correction a removed one),
    # so Datasette showed it as plain text, and a reader could not reach the figure's quote.
    figure_id = site.get(f"/disclosures/{table}.json?_size=1&_shape=array").json()[0]["figure_id"]
    shown = cell(site.get(f"/disclosures/{table}?_size=1").text, "figure_id")
    assert shown == f'<a href="/figure/{figure_id}">{figure_id}</a>'


def query_cell(html: str, column: str) -> str:
    """The first cell of ``column`` in a query's results (Datasette gives it no type class)."""
    return re.search(rf'<td class="col-{column}">(.*?)</td>', html).group(1)


def test_a_querys_source_ids_link_to_their_sources_as_its_figure_ids_link_to_figures(site):
    # A query's figure_id led to the figure's page while its source_id, beside it, was plain text.
    first = site.get("/disclosures/country_newest.json?jurisdiction=USA&_shape=array").json()[0]
    page = site.get("/disclosures/country_newest?jurisdiction=USA").text
    source_id, figure_id = first["source_id"], first["figure_id"]
    assert query_cell(page, "source_id") == f'<a href="/disclosures/sources/{source_id}">{source_id}</a>'
    assert query_cell(page, "figure_id") == f'<a href="/figure/{figure_id}">{figure_id}</a>'
    # A source id the sources table does not hold leads nowhere, and stays text.
    gone = site.get("/disclosures?sql=select+'no-such-source'+as+old_source_id").text
    assert query_cell(gone, "old_source_id") == "no-such-source"


def test_a_release_changes_source_ids_link_to_their_sources_as_a_foreign_key_does(site, real_db):
    # Text, not foreign keys (a source may have been removed since): Datasette showed them bare.
    change_id, old_id, new_id = rows(
        real_db,
        "SELECT rowid, old_source_id, new_source_id FROM release_changes WHERE old_source_id IN (SELECT source_id"
        " FROM sources) AND new_source_id IN (SELECT source_id FROM sources) AND old_source_id != new_source_id"
        " LIMIT 1",
    )[0]
    page = site.get(f"/disclosures/release_changes?rowid={change_id}").text
    for column, source_id in (("old_source_id", old_id), ("new_source_id", new_id)):
        (title,) = rows(real_db, "SELECT title FROM sources WHERE source_id = ?", source_id)[0]
        linked = re.fullmatch(
            rf'<a href="/disclosures/sources/{re.escape(source_id)}">(.*)</a>&nbsp;<em>{re.escape(source_id)}</em>',
            cell(page, column),
        )
        assert linked and html.unescape(re.sub("<[^>]+>", "", linked.group(1))) == title


def test_requests_and_accounts_values_and_figure_ids_link_to_their_figures(site, real_db):
    # Numbers side by side with no way to their quote and source, and ids as one string of text.
    query = "platform_id=telegram&jurisdiction_id=ARE&period_label=2024q4&request_type_id=ip_or_phone"
    html = site.get(f"/disclosures/requests_and_accounts?{query}").text
    ids = rows(
        real_db,
        "SELECT figure_ids FROM requests_and_accounts WHERE platform_id = 'telegram' AND jurisdiction_id = 'ARE'"
        " AND period_label = '2024q4' AND request_type_id = 'ip_or_phone'",
    )
    requests_id, accounts_id = (
        "telegram-are-2024q4-ip_or_phone-requests_fulfilled-derived",
        "telegram-are-2024q4-ip_or_phone-accounts_affected-derived",
    )
    assert sorted(ids[0][0].split()) == [accounts_id, requests_id]
    value = rows(real_db, "SELECT value FROM figures WHERE figure_id = ?", requests_id)[0][0]
    assert cell(html, "requests_fulfilled") == (
        f'<a class="figure-page" href="/figure/{requests_id}" title="Where this figure comes from">{value}</a>'
        ' <a class="derived-badge" href="/api#derived" title="Derived: computed by this dataset&#39;s build from figures'
        " the platform reported (a sum or a difference); no source published this number. Follow the link for how"
        ' figures are derived.">derived</a>'
    )
    assert f'href="/figure/{accounts_id}"' in cell(html, "accounts_affected")
    assert cell(html, "requests_received") == "&nbsp;"  # no figure, no link
    assert cell(html, "figure_ids").count('<a href="/figure/') == 2
    # Without figure_ids in the page the values are shown as Datasette shows them.
    hidden = site.get(f"/disclosures/requests_and_accounts?{query}&_nocol=figure_ids").text
    assert cell(hidden, "requests_fulfilled") == str(value)


NAMED = '{0} <small class="named-code" title="{2}: the value filters and the JSON use">{1}</small>'
JAN_SEP = "telegram-are-20240101-20240930-ip_or_phone-accounts_affected"


@pytest.mark.parametrize(
    "path",
    [
        FIGURES + "?period_label=20240101-20240930&_size=5",  # a table
        f"{FIGURES}/{JAN_SEP}",  # a row page
        "/disclosures/coverage?platform_id=telegram&jurisdiction_id=ARE",  # a table the build made
        "/disclosures/country_newest?jurisdiction=ARE",  # a canned query: halves, quarters and years
    ],
)
def test_a_period_cell_names_its_period_and_its_json_and_csv_keep_the_label(site, real_db, path):
    # 20240101-20240930 and year_to_date read as codes in every row: the HTML names them as the
    # pages and the facets do.
    names = {
        "period_label": dict(rows(real_db, "SELECT period_label, name FROM period_names")),
        "period_kind": dict(rows(real_db, "SELECT period_kind, kind_name FROM period_names")),
    }
    html = site.get(path).text
    base, _, query = path.partition("?")
    data = site.get(f"{base}.json?_shape=array&{query}").json()
    csv_rows = list(csv.DictReader(io.StringIO(site.get(f"{base}.csv?{query}").text)))
    checked = 0
    for column, named in names.items():
        shown = re.findall(rf'<td class="col-{column}[^"]*">(.*?)</td>', html)
        if column not in data[0]:
            assert shown == []  # the canned query has no period_kind
            continue
        values = [r[column] for r in data]
        assert shown and len(shown) == len(values)
        # A year is its own name, and stays as it is.
        assert shown == [v if named[v] == v else NAMED.format(named[v], v, column) for v in values]
        assert any(named[v] != v for v in values)
        assert [r[column] for r in csv_rows] == values
        checked += 1
    assert checked
    if "20240101-20240930" in path:
        assert NAMED.format("January–September 2024", "20240101-20240930", "period_label") in html
        assert NAMED.format("Year to date (from 1 January)", "year_to_date", "period_kind") in html


def test_the_table_of_period_names_shows_labels_and_names_as_they_are(site):
    html = site.get("/disclosures/period_names?period_label=20240101-20240930").text
    assert re.findall(r'<td class="col-period_label[^"]*">(.*?)</td>', html) == ["20240101-20240930"]
    assert re.findall(r'<td class="col-period_kind[^"]*">(.*?)</td>', html) == ["year_to_date"]
    # Its cells are the labels alone (its headers and glossary title the figures' columns).
    assert "named-code" not in html.split("<tbody>", 1)[1].split("</tbody>", 1)[0]


FACETED = f"{FIGURES}?platform_id=telegram&period_label=20240101-20240930&_facet=request_type_id&_facet_date=period_start&_size=1"


def facet_boxes(html_text: str) -> dict[str, dict]:
    """Each facet box of a page, by its column: its heading's text, the name in small type, its
    total, and each value's link (or none, once selected), text and count."""
    boxes = {}
    for box in lxml.html.fromstring(html_text).xpath(
        '//div[contains(concat(" ", normalize-space(@class), " "), " facet-results ")]/div[contains(concat(" ", normalize-space(@class), " "), " facet-info ")]'
    ):
        heading = box.xpath('./p[contains(concat(" ", normalize-space(@class), " "), " facet-info-name ")]/strong')[0]
        code = heading.xpath('./small[contains(concat(" ", normalize-space(@class), " "), " named-code ")]')
        values = []
        for item in box.xpath('./ul/li[not(contains(concat(" ", normalize-space(@class), " "), " facet-truncated "))]'):
            links = item.xpath("./a")
            text = " ".join(item.text_content().split())
            values.append(
                {
                    "href": links[0].get("href"),
                    "text": text,
                    "count": int(text.removesuffix("✖").split()[-1].replace(",", "")),  # a selected one ends with ✖
                    "selected": bool(links) and links[0].get("class") == "cross",
                }
            )
        boxes[box.get("data-column")] = {
            "heading": " ".join(heading.text_content().split()),
            "code": code[0].text_content() if code else None,
            "values": values,
            "truncated": bool(
                box.xpath('./ul/li[contains(concat(" ", normalize-space(@class), " "), " facet-truncated ")]')
            ),
            "id": box.get("id"),
            "hideable": bool(box.xpath('./p/a[@class="cross"]')),
        }
    return boxes


def test_a_table_pages_facets_are_headed_with_their_columns_titles_in_its_html(site, real_build):
    # Datasette heads a facet with the column's name (period_label); a script put the package's
    # title before it once the page had loaded, so without JavaScript the headings were codes.
    package = json.loads((ROOT / "datapackage.json").read_text(encoding="utf-8"))
    fields = {
        f["name"]: f["title"] for r in package["resources"] if r["name"] == "figures" for f in r["schema"]["fields"]
    }
    metadata = json.loads((real_build / "metadata.json").read_text(encoding="utf-8"))
    titles = metadata["plugins"]["platform-disclosures"]["column_titles"]["figures"]
    assert {name: titles[name] for name in fields} == fields  # the package's, never written twice
    html_text = site.get(FACETED).text
    assert "<script" not in html_text.split('<div class="facet-results">')[1].split("</table>")[0]
    boxes = facet_boxes(html_text)
    facets = site.get(FACETED.replace("figures?", "figures.json?")).json()["facet_results"]
    assert sorted(boxes) == sorted(facets) and {"period_label", "period_kind", "period_start"} <= set(boxes)
    for column, box in boxes.items():
        facet = facets[column]
        total = f"{'>' if facet['truncated'] else ''}{len(facet['results'])}"
        if facet["type"] == "column" and not repeats(titles[column], column):
            # the package's title, then the name filters and the JSON use
            assert box["heading"] == f"{titles[column]} {column} {total}" and box["code"] == column
        elif facet["type"] == "column":  # a title that repeats the name: the name, once
            assert box["heading"] == f"{column} {total}" and box["code"] is None
        else:  # a date facet keeps Datasette's heading
            assert box["heading"] == f"{column} ({facet['type']}) {total}" and box["code"] is None
        assert box["id"] == f"facet-{column}" and box["truncated"] == facet["truncated"]
        assert box["hideable"] == facet["hideable"]
        # Each value as Datasette's JSON has it: its link (to the page, not the .json), its count,
        # selected or not.
        assert [(v["href"], v["count"], v["selected"]) for v in box["values"]] == [
            (r["toggle_url"].replace("/figures.json?", "/figures?"), r["count"], r["selected"])
            for r in facet["results"]
        ]
    assert boxes["period_label"]["heading"] == "Period period_label 1"
    assert boxes["period_label"]["values"][0]["text"] == "January–September 2024 · 160 ✖"
    assert boxes["platform_id"]["heading"].startswith("Platform platform_id ")
    assert boxes["period_kind"]["heading"] == "period_kind 1"  # not "Period kind period_kind 1"
    # A table the build writes titles only the columns it copies from figures (site_config.FIGURE_COLUMNS):
    # its other facets are headed as Datasette heads them.
    coverage = facet_boxes(site.get("/disclosures/coverage?_facet=platform_id&_size=1").text)
    assert coverage["platform_id"]["heading"].startswith("Platform platform_id ")
    assert coverage["status"]["heading"].startswith("status ") and coverage["status"]["code"] is None
    assert site.get("/static/facet-titles.js").status_code == 404  # no script does it any more


def repeats(title: str, column: str) -> bool:
    """A title that is its column's name again, underscores read as spaces ("Figure id", figure_id)."""
    return title.lower() == column.replace("_", " ").lower()


def heading(title: str, column: str) -> str:
    """A header's text: the title, then the name; the name alone when the title repeats it."""
    return column if repeats(title, column) else f"{title} {column}"


def test_a_title_that_repeats_its_columns_name_adds_nothing():
    adds_to = plugin("facet_titles").adds_to
    assert not adds_to("Figure id", "figure_id") and not adds_to("Value", "value")
    assert not adds_to("Period  start", "period_start") and not adds_to("URL", "url")
    assert adds_to("Platform", "platform_id") and adds_to("Reported as", "value_kind")
    assert adds_to("ISO alpha-2", "alpha2") and adds_to("SHA-256", "sha256")


def header_texts(html_text: str, scope: str) -> dict[str, tuple[str, str | None]]:
    """Each header cell of a page's table (scope col or row), by its data-column: its text and
    its link, if any."""
    found = {}
    for th in lxml.html.fromstring(html_text).xpath(
        f'//table[contains(@class, "rows-and-columns")]//th[@scope="{scope}"]'
    ):
        links = th.xpath("./a")
        found[th.get("data-column")] = (" ".join(th.text_content().split()), links[0].get("href") if links else None)
    return found


def test_a_tables_and_a_rows_headers_are_their_columns_titles_with_the_names(site, real_build, real_db):
    # A table page's and a row page's headers were the columns' names (platform_id, value_kind,
    # source_locator): codes to a reader, where the package titles each column.
    metadata = json.loads((real_build / "metadata.json").read_text(encoding="utf-8"))
    titles = metadata["plugins"]["platform-disclosures"]["column_titles"]["figures"]
    columns = [r[0] for r in rows(real_db, "SELECT name FROM pragma_table_info('figures') ORDER BY cid")]
    table = header_texts(site.get(f"{FIGURES}?_size=1&_sort_desc=value").text, "col")
    assert list(table) == columns
    for column, (text, link) in table.items():
        arrow = " ▲" if column == "value" else ""
        assert text == f"{heading(titles[column], column)}{arrow}", (column, text)
        # The sort links are Datasette's, by the column's name.
        assert link is None or re.search(rf"[?&]_sort(_desc)?={column}(&|$)", link), (column, link)
    assert table["value_kind"][0] == "Reported as value_kind"
    # On a phone each value is labelled by Datasette's style with its column's name; the page's
    # last rule for each titled column (the one that applies) labels it with its title.
    labels = dict(
        re.findall(r'td:nth-of-type\((\d+)\):before \{ content: "([^"]*)"; \}', site.get(FIGURES + "?_size=1").text)
    )
    shown = {
        n: re.sub(r"\\([0-9a-fA-F]{1,6}) ?", lambda m: chr(int(m.group(1), 16)), text) for n, text in labels.items()
    }
    titled = [c for c in columns if not repeats(titles[c], c)]  # the others keep Datasette's label, the name
    expected = {str(i + 1): c for i, c in enumerate(columns)}
    expected |= {str(columns.index(c) + 1): f"{titles[c]} ({c})" for c in titled}
    assert shown == expected  # CSS escapes read
    assert "value" not in titled and "figure_id" not in titled and "platform_id" in titled
    key = "telegram-usa-2024-ip_or_phone-requests_fulfilled"
    row = header_texts(site.get(f"{FIGURES}/{key}").text, "row")
    assert row == {column: (heading(titles[column], column), None) for column in columns}
    assert row["value"] == ("value", None) and row["period_start"] == ("period_start", None)
    # A table the build writes heads the columns it copies from figures as figures does
    # (site_config.FIGURE_COLUMNS), and keeps the names of its own.
    coverage = header_texts(site.get("/disclosures/coverage?_size=1").text, "col")
    shown = {column: text.removesuffix(" ▼").removesuffix(" ▲") for column, (text, _) in coverage.items()}
    assert shown == {column: heading(titles[column], column) if column in titles else column for column in shown}
    assert shown["platform_id"] == "Platform platform_id" and shown["status"] == "status"


def test_json_shapes_are_what_the_api_page_says(site):
    html = site.get("/api").text
    assert "The default, <code>?_shape=arrays</code>" in html
    assert isinstance(site.get(FIGURES + ".json?_size=1").json()["rows"][0], list)
    assert isinstance(site.get(FIGURES + ".json?_size=1&_shape=objects").json()["rows"][0], dict)
    assert isinstance(site.get(FIGURES + ".json?_size=1&_shape=array").json(), list)
    keyed = site.get(FIGURES + ".json?_size=1&_shape=object").json()
    assert list(keyed.values())[0]["figure_id"] == list(keyed)[0]
    lines = site.get(FIGURES + ".json?_size=3&_shape=array&_nl=on").text.strip().splitlines()
    assert len(lines) == 3 and all(json.loads(line)["figure_id"] for line in lines)


def test_every_plugin_reads_the_configuration_the_build_writes():
    from disclosures import site_config

    for name in ("guards", "cells", "pages"):
        assert plugin(name).PLUGIN == site_config.PLUGIN_NAME, name


def test_an_unreleased_version_is_not_called_released(tmp_path):
    import re as regex

    from disclosures import build
    from tests.packages import make_package

    package = make_package(tmp_path)
    text = package.read_text(encoding="utf-8")
    package.write_text(regex.sub(r'"version": "[^"]*"', '"version": "9.0.0"', text, count=1), encoding="utf-8")
    build.build_site(package, tmp_path / "build", releases=paths.RELEASES)
    html = Site(unhurried(tmp_path / "build")).get("/").text
    assert "Dataset version <strong>9.0.0</strong>, not released yet." in html
    assert "This site serves version <strong>9.0.0</strong>, which is not released yet" in html


def glossary(html_text: str) -> list[tuple[str, str | None, str]]:
    """The table page's glossary of its columns: each term's text, the name in small type in it
    (if any), and its description."""
    boxes = lxml.html.fromstring(html_text).xpath('//dl[contains(@class, "column-descriptions")]')
    assert len(boxes) == 1  # Datasette's own is not written beside it
    found = []
    for term in boxes[0].xpath("./dt"):
        code = term.xpath('./small[@class="named-code"]')
        found.append(
            (
                " ".join(term.text_content().split()),
                code[0].text_content() if code else None,
                term.getnext().text_content(),
            )
        )
    return found


def test_a_tables_glossary_names_each_column_as_its_header_does(site, real_build):
    # The glossary above the rows said "figure_id  Figure id. Stable id: ..." and "platform_id
    # Platform. The platform that ...": the names, then each title as the start of its description.
    package = json.loads((ROOT / "datapackage.json").read_text(encoding="utf-8"))
    fields = next(r for r in package["resources"] if r["name"] == "figures")["schema"]["fields"]
    metadata = json.loads((real_build / "metadata.json").read_text(encoding="utf-8"))
    columns = metadata["databases"]["disclosures"]["tables"]["figures"]["columns"]
    found = {code or text: (text, description) for text, code, description in glossary(site.get(FIGURES).text)}
    assert list(found) == list(columns)  # every described column, in the metadata's order
    for field in fields:
        assert found[field["name"]] == (heading(field["title"], field["name"]), field["description"]), field["name"]
    assert found["platform_id"] == ("Platform platform_id", "The platform that disclosed the figure.")
    assert found["figure_id"][0] == "figure_id" and not found["figure_id"][1].startswith("Figure id")
    # A table the build writes titles the columns it copies from figures (site_config.FIGURE_COLUMNS)
    # and keeps the names of its own, with the descriptions metadata.yml writes.
    coverage = metadata["databases"]["disclosures"]["tables"]["coverage"]["columns"]
    titles = metadata["plugins"]["platform-disclosures"]["column_titles"]["coverage"]

    def entry(column, description):
        title = titles.get(column)
        described = description.removeprefix(f"{title}. ") if title else description
        if title and not repeats(title, column):
            return (f"{title} {column}", column, described)
        return (column, None, described)

    shown = glossary(site.get("/disclosures/coverage").text)
    assert shown == [entry(c, d) for c, d in coverage.items()]
    assert shown[0] == ("Platform platform_id", "platform_id", "The platform.")
    assert (
        "period_kind",
        None,
        "year, half, quarter, month, year_to_date (1 January to a month end) or other.",
    ) in shown
    assert ("status", None, coverage["status"]) in shown


def test_a_derived_tables_facets_name_platforms_and_jurisdictions_as_the_figures_do(site, real_db):
    # The coverage page's platform facet listed google, apple, x, google_workspace: coverage is
    # derived by the build without foreign keys, so Datasette found no label for its ids.
    names = dict(rows(real_db, "SELECT platform_id, name FROM platforms"))
    for table in ("coverage", "coverage_cells"):
        boxes = facet_boxes(site.get(f"/disclosures/{table}?_facet=jurisdiction_id&_size=1").text)
        facet = site.get(f"/disclosures/{table}.json?_facet=jurisdiction_id&_size=0").json()["facet_results"]
        platforms = facet["platform_id"]["results"]
        assert len(platforms) > 10 and all(r["label"] == names[r["value"]] for r in platforms)
        # On the page each value is its platform's name, its link the id's filter.
        assert [v["text"] for v in boxes["platform_id"]["values"]] == [
            f"{names[r['value']]} {r['count']:,}" for r in platforms
        ]
        assert boxes["platform_id"]["values"][0]["href"].endswith(f"platform_id={platforms[0]['value']}")
        jurisdictions = {r["value"]: r["label"] for r in facet["jurisdiction_id"]["results"]}
        assert jurisdictions["USA"] == "United States"
        # A column no foreign key of the database is named after keeps its values.
        assert all(r["label"] == r["value"] for r in facet["status"]["results"])
    assert "Google Workspace (Enterprise Cloud)" in [
        v["text"].rsplit(" ", 1)[0] for v in boxes["platform_id"]["values"]
    ]


def test_a_querys_columns_named_as_the_tables_are_headed_with_their_titles(site, real_build):
    # A canned query's and a ?sql= page's headers were the result's names (platform_id,
    # request_type_id, value_kind) where the table pages head the same columns with their titles.
    metadata = json.loads((real_build / "metadata.json").read_text(encoding="utf-8"))
    figures = metadata["plugins"]["platform-disclosures"]["column_titles"]["figures"]
    page = site.get("/disclosures/country_newest?jurisdiction=USA").text
    json_columns = list(site.get("/disclosures/country_newest.json?jurisdiction=USA&_shape=array").json()[0])
    headers = [
        (th.get("class"), " ".join(th.text_content().split()))
        for th in lxml.html.fromstring(page).xpath('//table[contains(@class, "rows-and-columns")]//th')
    ]
    # Each class is the column's name; a column the figures table titles is headed by the title,
    # then the name; a title that repeats the name, and a column of the query's own, keep the name.
    assert headers == [(f"col-{c}", heading(figures[c], c) if c in figures else c) for c in json_columns]
    assert headers[0] == ("col-platform_id", "Platform platform_id")
    assert ("col-platform_name", "platform_name") in headers and ("col-value", "value") in headers
    # On a phone each value is labelled with the title and the name, after Datasette's name.
    labels = re.findall(r'td:nth-of-type\((\d+)\):before \{ content: "([^"]*)"; \}', page)
    assert labels[len(json_columns)] == ("1", "Platform (platform_id)")
    # ?sql= too, for the columns it names as a table does; an alias keeps its name.
    sql = site.get("/disclosures?sql=select+platform_id,+value,+jurisdiction_id+as+j+from+figures+limit+1").text
    assert [" ".join(th.text_content().split()) for th in lxml.html.fromstring(sql).xpath("//thead//th")] == [
        "Platform platform_id",
        "value",
        "j",
    ]


def test_a_derived_tables_platforms_and_jurisdictions_are_linked_by_name_as_the_figures_are(site, real_db):
    # coverage, figures_series and requests_and_accounts showed bare ids (amazon_store, BGR),
    # where the figures table shows and links each platform and jurisdiction by its name.
    platforms = dict(rows(real_db, "SELECT platform_id, name FROM platforms"))
    countries = dict(rows(real_db, "SELECT jurisdiction_id, name FROM jurisdictions"))
    for table in ("coverage", "figures_series", "requests_and_accounts"):
        first = rows(real_db, f"SELECT platform_id, jurisdiction_id FROM {table} LIMIT 1")[0]
        html = site.get(f"/disclosures/{table}?platform_id={first[0]}&jurisdiction_id={first[1]}&_size=1").text
        cells = {
            td.get("class").split()[0]: (td.xpath(".//a/@href"), " ".join(td.text_content().split()))
            for td in lxml.html.fromstring(html).xpath("//tbody//td")
        }
        assert cells["col-platform_id"] == ([f"/disclosures/platforms/{first[0]}"], f"{platforms[first[0]]} {first[0]}")
        assert cells["col-jurisdiction_id"] == (
            [f"/disclosures/jurisdictions/{first[1]}"],
            f"{countries[first[1]]} {first[1]}",
        )
        data = site.get(f"/disclosures/{table}.json?_size=1&_shape=array").json()[0]
        assert data["platform_id"] in platforms  # the JSON keeps the id
    # A figures_series source keeps its tier (plugins/links.py), as on figures.
    assert 'class="tier-badge"' in site.get("/disclosures/figures_series?_size=1").text


def test_home_page_attributes_each_licence_holder_once_with_every_source(site, real_db):
    licensed = rows(real_db, "SELECT publisher, licence, title FROM sources WHERE licence IS NOT NULL")
    holders = {(publisher, licence) for publisher, licence, _ in licensed}
    assert len(licensed) > len(holders)  # some holder licenses several sources
    page = lxml.html.fromstring(site.get("/").text)
    (listing,) = page.xpath("//ul[@class='licence-holders']")
    entries = listing.xpath("./li")
    assert len(entries) == len(holders)
    for entry in entries:
        summary = entry.xpath(".//summary")
        named = [a.text_content() for a in entry.xpath(".//a")]
        text = (summary[0].text_content() if summary else entry.text_content()).strip()
        (holder,) = [h for h in holders if f"{h[0]}, {h[1]}" in text]
        expected = sorted(title for publisher, licence, title in licensed if (publisher, licence) == holder)
        assert sorted(named) == expected
        # More than two sources fold into a summary that names the holder, the licence and the count.
        assert bool(summary) == (len(expected) > 2)
        if summary:
            assert text == f"{holder[0]}, {holder[1]}: {len(expected)} sources"


def test_a_figures_stored_row_leads_to_its_page(site, real_db):
    """Arriving from the figures table, a reader saw the stored row and could reach the figure's
    own page (its source, overlaps, citation and series) only through its value cell."""
    ((reported,), (derived,)) = rows(
        real_db,
        "SELECT min(figure_id) FROM figures WHERE is_derived = 0 UNION ALL SELECT min(figure_id) FROM figures WHERE is_derived = 1",
    )
    for figure_id in (reported, derived):
        page = lxml.html.fromstring(site.get(f"{FIGURES}/{figure_id}").text)
        (link,) = page.xpath("//p[@class='figure-page-link']/a")
        assert link.get("href") == f"/figure/{figure_id}"
        assert site.get(link.get("href")).status_code == 200
    (source,) = rows(real_db, "SELECT min(source_id) FROM sources")[0]
    assert "figure-page-link" not in site.get(f"/disclosures/sources/{source}").text
