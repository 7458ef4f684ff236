"""What /chart draws for what its address leaves out: the platform, when a metric or request type
is named without one, and the request type, when none is named.

A review found /chart.json?metric=requests_content_disclosed a 404 (the default platform,
Telegram, has no such metric) and a platform's default chart an EU DSA series where its global
reports had one of the same place (X's Germany): DSA orders are a separate regime.
"""

from __future__ import annotations

import re
from html import unescape

import pytest

from tests.conftest import assert_error_shape, plugin, rows
from tests.test_explore import charts_of, form_choices

explore = plugin("explore")
DSA = "dsa_information_order"


# (a) Pure rules ------------------------------------------------------------------------------


def test_a_platforms_default_request_type_is_its_main_series_when_the_selection_has_it():
    counts = {"all": 3, "court_order": 9, "subpoena": 15}
    assert explore.default_request_type(counts, None, main="subpoena") == "subpoena"
    # Without it there, the headline rule (the preferred "all" first).
    assert explore.default_request_type(counts, None, main="device") == "all"


def test_a_dsa_series_is_the_default_only_when_the_selection_has_nothing_else():
    # X's Germany: global reports to mid-2017, DSA orders to 2026. By freshness alone the headline
    # rule took the DSA orders; they are another regime, not X's series of Germany.
    counts, newest = {"all": 3, DSA: 1}, {"all": "2017-06-30", DSA: "2026-06-30"}
    assert explore.headline_request_type(counts, newest) == DSA
    assert explore.default_request_type(counts, newest) == "all"
    assert explore.default_request_type({DSA: 2}, {DSA: "2025-12-31"}) == DSA
    # A main series of DSA orders (none today) would still be the platform's own choice.
    assert explore.default_request_type(counts, newest, main=DSA) == DSA


def test_a_metric_asked_keeps_the_default_to_request_types_that_have_it():
    counts = {"all": 3, "court_order": 2}
    assert explore.default_request_type(counts, None, main="all", having={"court_order"}) == "court_order"
    # No request type has it: the usual choice, and the 404 that names the metrics there are.
    assert explore.default_request_type(counts, None, main="all", having=set()) == "all"


def test_the_default_request_type_is_one_with_a_series_in_every_jurisdiction_drawn():
    # Google's Korea beside the United States: its main series is Korea's alone.
    counts = {"legal_process": 3, "emergency": 3, "court_order": 3}
    assert explore.default_request_type(counts, None, main="legal_process") == "legal_process"
    assert explore.default_request_type(counts, None, main="legal_process", everywhere={"emergency"}) == "emergency"
    # None has one everywhere: the usual choice (and the 404 naming the chart of the others).
    assert explore.default_request_type(counts, None, main="legal_process", everywhere=set()) == "legal_process"
    # A metric asked is drawn first: its request type, though it lacks a jurisdiction.
    assert (
        explore.default_request_type(
            counts, None, main="legal_process", having={"court_order"}, everywhere={"emergency"}
        )
        == "court_order"
    )


def test_the_platform_with_the_most_points_comes_first_and_a_tie_goes_by_id():
    assert explore.most_points({"b": 2, "a": 2, "c": 3}) == [("c", 3), ("a", 2), ("b", 2)]


# (c) Through the site ------------------------------------------------------------------------


def test_a_platforms_default_chart_is_its_main_series_not_a_dsa_series(site, real_db):
    ((main,),) = rows(real_db, "SELECT main_request_type_id FROM platform_freshness WHERE platform_id = 'pinterest'")
    assert main != DSA
    assert site.get("/chart.json?platform=pinterest").json()["selected"]["request_type"] == main
    assert ("request_type", main) in form_choices(site.get("/chart?platform=pinterest").text)
    # X's Germany opened on DSA orders beside X's global reports of Germany.
    assert site.get("/chart.json?platform=x&jurisdiction=DEU").json()["selected"]["request_type"] == "all"
    # Every place where a platform has both opens on a series of its global reports.
    both = rows(
        real_db,
        f"""SELECT platform_id, jurisdiction_id FROM figures_series GROUP BY 1, 2
            HAVING max(request_type_id = '{DSA}') = 1 AND min(request_type_id = '{DSA}') = 0""",
    )
    assert len(both) > 10
    for platform, jurisdiction in both:
        selected = site.get(f"/chart.json?platform={platform}&jurisdiction={jurisdiction}").json()["selected"]
        assert selected["request_type"] != DSA, (platform, jurisdiction)


def test_a_platform_with_only_dsa_figures_opens_on_them(site, real_db):
    ((kinds,),) = rows(
        real_db, "SELECT group_concat(DISTINCT request_type_id) FROM figures WHERE platform_id = 'google_maps'"
    )
    assert kinds == DSA
    data = site.get("/chart.json?platform=google_maps&jurisdiction=EU").json()
    assert data["selected"]["request_type"] == DSA and data["chart"]


def test_a_platforms_default_is_its_main_series_where_it_has_one(site, real_db):
    # Apple's United States opened on account requests; its main series is device requests.
    ((main,),) = rows(real_db, "SELECT main_request_type_id FROM platform_freshness WHERE platform_id = 'apple'")
    has = rows(
        real_db,
        "SELECT 1 FROM figures_series WHERE platform_id = 'apple' AND jurisdiction_id = 'USA' AND request_type_id = ?",
        main,
    )
    assert has
    assert site.get("/chart.json?platform=apple").json()["selected"]["request_type"] == main


def test_a_metric_asked_without_a_request_type_is_drawn_from_one_that_has_it(site, real_db):
    # Apple's main series (device requests) has no "requests with content disclosed" in the United
    # States; its account requests do. The main series alone would have answered a 404.
    ((main,),) = rows(real_db, "SELECT main_request_type_id FROM platform_freshness WHERE platform_id = 'apple'")
    having = rows(
        real_db,
        """SELECT DISTINCT request_type_id FROM figures_series WHERE platform_id = 'apple'
           AND jurisdiction_id = 'USA' AND metric_id = 'requests_content_disclosed'""",
    )
    assert (main,) not in having and having == [("account",)]
    data = site.get("/chart.json?platform=apple&metric=requests_content_disclosed").json()
    assert data["selected"]["request_type"] == "account" and data["selected"]["metrics"] == [
        "requests_content_disclosed"
    ]


def most_points_of(real_db, jurisdiction: str, column: str, value: str) -> list[tuple[str, int]]:
    """The platforms by their rows of figures_series of one metric or request type in one jurisdiction."""
    return rows(
        real_db,
        f"""SELECT platform_id, count(*) FROM figures_series WHERE jurisdiction_id = ? AND {column} = ?
            GROUP BY platform_id ORDER BY count(*) DESC, platform_id""",
        jurisdiction,
        value,
    )


@pytest.mark.parametrize(
    ("query", "jurisdiction", "column", "value"),
    [
        ("metric=requests_content_disclosed", "USA", "metric_id", "requests_content_disclosed"),
        ("request_type=subpoena", "USA", "request_type_id", "subpoena"),
        ("metric=requests_received&jurisdiction=DEU", "DEU", "metric_id", "requests_received"),
    ],
)
def test_a_metric_or_request_type_without_a_platform_is_drawn_from_the_platform_with_most_of_it(
    site, real_db, query, jurisdiction, column, value
):
    platform, points = most_points_of(real_db, jurisdiction, column, value)[0]
    answer = site.get(f"/chart.json?{query}")
    assert answer.status_code == 200, answer.text[:300]
    data = answer.json()
    assert data["asked"]["platform"] is None and data["selected"]["platform"] == platform
    assert data["chart"] and data["message"] is None
    selected = data["selected"]["metrics"] if column == "metric_id" else [data["selected"]["request_type"]]
    assert selected == [value]
    ((name,),) = rows(real_db, "SELECT name FROM platforms WHERE platform_id = ?", platform)
    ((label,),) = rows(real_db, f"SELECT label FROM {column.removesuffix('_id')}s WHERE {column} = ?", value)
    assert data["platform_chosen_id"] == platform and data["jurisdiction_chosen_id"] is None
    assert data["platform_chosen_sentence"] == (
        f"No platform given: this chart is {name}'s, the platform with the most points ({points:,}) of "
        f"{label!r} for {jurisdiction} in the non-overlapping series."
    )
    # The page draws it, says why, and is not "the chart the address did not ask for".
    page = unescape(site.get(f"/chart?{query}").text)
    assert re.findall(r'<p class="chosen">(.*?)</p>', page) == [data["platform_chosen_sentence"]]
    assert "Not the chart the address asked for" not in page
    assert ("platform", platform) in form_choices(page) and len(charts_of(page)) == 1


def test_the_platform_chosen_has_the_series_in_the_most_of_the_jurisdictions_asked(site, real_db):
    # Zoom has the most points of "requests processed" for the United States and Germany, all of
    # them in the United States; Amazon has some in both.
    query = "metric=requests_processed&jurisdiction=USA&jurisdiction=DEU"
    places = dict(
        rows(
            real_db,
            """SELECT platform_id, group_concat(DISTINCT jurisdiction_id) FROM figures_series
               WHERE metric_id = 'requests_processed' AND jurisdiction_id IN ('USA', 'DEU') GROUP BY 1""",
        )
    )
    assert places["zoom"] == "USA" and sorted(places["amazon"].split(",")) == ["DEU", "USA"]
    assert most_points_of(real_db, "USA", "metric_id", "requests_processed")[0][0] == "zoom"
    data = site.get(f"/chart.json?{query}").json()
    assert data["selected"]["platform"] == "amazon"
    assert {s["jurisdiction_id"] for s in data["chart"]["series"]} == {"USA", "DEU"}


def test_the_metric_asked_without_a_platform_was_a_404_of_telegram_and_is_drawn(site):
    data = site.get("/chart.json?metric=requests_content_disclosed").json()
    assert data["selected"]["platform"] != "telegram"
    assert {s["metric_id"] for s in data["chart"]["series"]} == {"requests_content_disclosed"}


def test_without_a_metric_or_request_type_the_default_platform_is_still_telegram(site):
    for query in ("", "jurisdiction=IND"):
        data = site.get(f"/chart.json?{query}").json()
        assert data["selected"]["platform"] == "telegram"
        assert data["platform_chosen_id"] is None and data["platform_chosen_sentence"] is None
    # A platform named is the platform drawn, with nothing to explain.
    data = site.get("/chart.json?platform=apple&metric=requests_received").json()
    assert data["platform_chosen_id"] is None and data["platform_chosen_sentence"] is None


def test_a_metric_no_platform_has_there_is_a_404_naming_the_platforms_that_have_it(site, real_db):
    (only,) = rows(real_db, "SELECT DISTINCT platform_id FROM figures_series WHERE metric_id = 'items_provided'")
    place = most_points_of(real_db, "KOR", "metric_id", "items_provided")[0][0]
    assert only == ("naver",) and place == "naver"
    # The United States asked for (with no country asked, the chart opens where there is one).
    message = assert_error_shape(site.get("/chart.json?metric=items_provided&jurisdiction=USA"), 404)
    address = "/chart.json?platform=naver&jurisdiction=KOR&metric=items_provided"
    assert message == (
        "metric=items_provided: no platform has a series of 'Items of data provided' for USA; "
        f"those with one elsewhere are naver (KOR: {address})"
    )
    assert site.get(address).json()["selected"]["metrics"] == ["items_provided"]
    # The page is the same 404, with its form, naming the platforms without their addresses.
    page = site.get("/chart?metric=items_provided&jurisdiction=USA")
    assert page.status_code == 404 and '<form class="pick"' in page.text and charts_of(page.text) == []
    (said,) = re.findall(r'<p class="refusal" role="alert">(.*?)</p>', unescape(page.text))
    assert said == message.replace(f": {address}", "") + "."


def test_a_platform_named_without_a_country_opens_where_it_has_a_series(site, real_db):
    """/chart?platform=github was a 404: the default country, the United States, has no GitHub
    series. It opens on the jurisdiction with the most points of the platform's series, and says so."""
    no_usa = [
        platform
        for (platform,) in rows(
            real_db,
            """SELECT platform_id FROM figures_series GROUP BY platform_id
               HAVING sum(jurisdiction_id = 'USA') = 0 ORDER BY platform_id""",
        )
    ]
    assert "github" in no_usa and len(no_usa) >= 5
    for platform in no_usa:
        expected = rows(
            real_db,
            """SELECT jurisdiction_id, count(*) FROM figures_series WHERE platform_id = ?
               GROUP BY jurisdiction_id ORDER BY count(*) DESC, jurisdiction_id LIMIT 1""",
            platform,
        )[0]
        response = site.get(f"/chart.json?platform={platform}")
        assert response.status_code == 200, platform
        data = response.json()
        assert data["selected"]["jurisdictions"] == [expected[0]], platform
        assert data["asked"]["jurisdictions"] == []
        assert data["jurisdiction_chosen_id"] == expected[0] and data["platform_chosen_id"] is None, platform
        sentence = data["jurisdiction_chosen_sentence"]
        assert f"({expected[0]}), where it has the most points ({expected[1]:,})" in sentence
        page = site.get(f"/chart?platform={platform}")
        assert page.status_code == 200, platform
        assert re.findall(r'<p class="chosen">(.*?)</p>', unescape(page.text)) == [sentence]
    # Where the United States has a series, or a country is given, nothing is chosen for the reader.
    data = site.get("/chart.json?platform=google").json()
    assert data["jurisdiction_chosen_id"] is None and data["jurisdiction_chosen_sentence"] is None
    assert site.get("/chart.json?platform=github&jurisdiction=USA").status_code == 404


def test_a_metric_or_request_type_alone_that_the_united_states_lacks_opens_where_there_is_one(site, real_db):
    """/chart?request_type=kr_comm_confirmation_data, mlat, metric=items_provided and 28 more were
    404s "for USA", a country the address never named: the page's own default. With neither a
    platform nor a country given, such a series opens on the platform with the most points of it
    anywhere, in the jurisdiction where that platform has the most, and both choices are said."""
    asked = rows(
        real_db,
        """SELECT 'request_type', request_type_id FROM figures_series GROUP BY request_type_id
           HAVING sum(jurisdiction_id = 'USA') = 0
           UNION ALL SELECT 'metric', metric_id FROM figures_series GROUP BY metric_id
           HAVING sum(jurisdiction_id = 'USA') = 0 ORDER BY 1, 2""",
    )
    assert ("request_type", "kr_comm_confirmation_data") in asked and ("metric", "items_provided") in asked
    for parameter, value in asked:
        column = f"{parameter}_id"
        # The platform with the most rows of it anywhere, then its jurisdiction with the most.
        platform, points = rows(
            real_db,
            f"""SELECT platform_id, count(*) FROM figures_series WHERE {column} = ?
                GROUP BY platform_id ORDER BY count(*) DESC, platform_id LIMIT 1""",
            value,
        )[0]
        place, here = rows(
            real_db,
            f"""SELECT jurisdiction_id, count(*) FROM figures_series WHERE {column} = ? AND platform_id = ?
                GROUP BY jurisdiction_id ORDER BY count(*) DESC, jurisdiction_id LIMIT 1""",
            value,
            platform,
        )[0]
        response = site.get(f"/chart.json?{parameter}={value}")
        assert response.status_code == 200, (value, response.text[:300])
        data = response.json()
        assert data["selected"]["platform"] == platform and data["selected"]["jurisdictions"] == [place], value
        assert data["asked"]["platform"] is None and data["asked"]["jurisdictions"] == []
        drawn = data["selected"]["metrics"] if parameter == "metric" else [data["selected"]["request_type"]]
        assert drawn == [value] and data["chart"] and data["message"] is None
        assert data["platform_chosen_id"] == platform and data["jurisdiction_chosen_id"] == place, value
        assert f"the most points ({points:,}) of " in data["platform_chosen_sentence"]
        assert data["jurisdiction_chosen_sentence"].endswith(
            f"({place}), where {platform_name(real_db, platform)} has the most points ({here:,})."
        )
        page = site.get(f"/chart?{parameter}={value}")
        assert page.status_code == 200, value
        said = re.findall(r'<p class="chosen">(.*?)</p>', unescape(page.text))
        assert said == [data["platform_chosen_sentence"], data["jurisdiction_chosen_sentence"]]


def test_what_the_chart_chose_is_an_id_for_programs_beside_a_sentence_for_people(site, real_db):
    """/chart.json said what it chose in jurisdiction_chosen and platform_chosen, sentences a program
    had to parse for the code. Each choice is now an id of its own (*_chosen_id) beside the sentence
    (*_chosen_sentence); the old keys, added after release 1.2.0 and in no release, are gone."""
    for query in ("platform=github", "metric=requests_content_disclosed", "request_type=mlat"):
        data = site.get(f"/chart.json?{query}").json()
        assert "platform_chosen" not in data and "jurisdiction_chosen" not in data, query
        chosen = {kind: data[f"{kind}_chosen_id"] for kind in ("platform", "jurisdiction")}
        assert any(chosen.values()), query
        for kind, chosen_id in chosen.items():
            # An id exactly when there is a sentence, and the id of a row of its table.
            assert (chosen_id is None) == (data[f"{kind}_chosen_sentence"] is None), (query, kind)
            if chosen_id is not None:
                assert rows(real_db, f"SELECT 1 FROM {kind}s WHERE {kind}_id = ?", chosen_id) == [(1,)], query
        if chosen["jurisdiction"]:
            assert data["selected"]["jurisdictions"] == [chosen["jurisdiction"]], query
            assert f"({chosen['jurisdiction']})" in data["jurisdiction_chosen_sentence"], query
        if chosen["platform"]:
            assert data["selected"]["platform"] == chosen["platform"], query
        # A program that sends the ids back asks for the chart it was given, and nothing is chosen.
        named = "&".join(f"{kind}={chosen_id}" for kind, chosen_id in chosen.items() if chosen_id)
        again = site.get(f"/chart.json?{query}&{named}").json()
        assert again["selected"] == data["selected"] and again["chart"] == data["chart"], query
        assert again["platform_chosen_id"] is None and again["jurisdiction_chosen_id"] is None, query


def platform_name(real_db, platform: str) -> str:
    ((name,),) = rows(real_db, "SELECT name FROM platforms WHERE platform_id = ?", platform)
    return name


def test_the_united_states_beside_another_country_draws_both_where_the_platform_has_a_series_of_both(site, real_db):
    """/chart.json?platform=google&jurisdiction=KOR&jurisdiction=USA was a 404 ("Google has no series
    of 'Requests received' of 'Legal process requests' (drawn where no request_type is given) for
    USA"): the default request type, Google's main series, is Korea's alone, where its emergency
    requests are both countries'. 226 of 1,088 such pairs were 404s of the page's own default."""
    shared = rows(
        real_db,
        """SELECT DISTINCT x.platform_id, x.jurisdiction_id FROM figures_series x JOIN figures_series y
             ON y.platform_id = x.platform_id AND y.request_type_id = x.request_type_id AND y.metric_id = x.metric_id
           WHERE y.jurisdiction_id = 'USA' AND x.jurisdiction_id <> 'USA' ORDER BY 1, 2""",
    )
    assert ("google", "KOR") in shared and len(shared) > 900
    for platform, place in shared:
        response = site.get(f"/chart.json?platform={platform}&jurisdiction=USA&jurisdiction={place}")
        assert response.status_code == 200, (platform, place, response.text[:300])
        data = response.json()
        assert {s["jurisdiction_id"] for s in data["chart"]["series"]} == {"USA", place}, (platform, place)
        assert data["message"] is None, (platform, place)
    # The page draws both as well, with nothing left out.
    page = unescape(site.get("/chart?platform=google&jurisdiction=KOR&jurisdiction=USA").text)
    assert "Not the chart the address asked for" not in page and len(charts_of(page)) == 1


def test_a_platform_without_a_us_series_asked_for_a_metric_it_never_has_names_the_metrics_it_has(site, real_db):
    """/chart.json?platform=github&metric=requests_content_disclosed was a 404 "GitHub has no series
    for USA ...; its jurisdictions with series are ARG, ... (for example
    /chart.json?platform=github&jurisdiction=ARG)", as though a country were what was wrong: GitHub
    has that metric nowhere, and the example dropped it. It now opens where GitHub has a series, as
    /chart?platform=github does, and the 404 is the metric's, listing the metrics there with their
    addresses, as for a platform with U.S. series (Telegram)."""
    assert not rows(
        real_db,
        "SELECT 1 FROM figures_series WHERE platform_id = 'github' AND metric_id = 'requests_content_disclosed'",
    )
    ((place,),) = rows(
        real_db,
        """SELECT jurisdiction_id FROM figures_series WHERE platform_id = 'github'
           GROUP BY jurisdiction_id ORDER BY count(*) DESC, jurisdiction_id LIMIT 1""",
    )
    message = assert_error_shape(site.get("/chart.json?platform=github&metric=requests_content_disclosed"), 404)
    assert message.startswith(
        "metric=requests_content_disclosed: GitHub has no series of 'Requests with content disclosed' of "
    )
    assert f" for {place}; its metrics of that request type there are " in message
    addresses = re.findall(r"(/chart\.json\?\S+?)(?:;|$)", message)
    assert addresses and all(site.get(a).status_code == 200 for a in addresses)
    # The page draws what GitHub has there, saying where and what it is not.
    page = site.get("/chart?platform=github&metric=requests_content_disclosed")
    assert page.status_code == 200 and len(charts_of(page.text)) == 1
    text = unescape(page.text)
    ((name,),) = rows(real_db, "SELECT name FROM jurisdictions WHERE jurisdiction_id = ?", place)
    assert f"this chart is of {name} ({place})" in text and "Not the chart the address asked for" in text
