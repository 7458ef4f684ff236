"""Layer (c): every 400 of /chart's page is the chart page, with its form and what to change.

Two units at once already kept the form; two platforms, two request types, or an id that no
vocabulary has answered Datasette's bare error page (a red box, no form, no dataset footer). Their
.json twins keep the API's error shape and its lists of ids.
"""

from __future__ import annotations

import re
from html import unescape

import pytest

from tests.conftest import assert_error_shape, rows
from tests.test_explore import charts_of, form_choices

# (query, what the page says, what its form still holds)
REFUSED = [
    (
        "platform=google&platform=apple&jurisdiction=DEU",
        "One platform per chart (jurisdiction and metric may repeat); /compare sets platforms side by side.",
        [("jurisdiction", "DEU")],
    ),
    (
        "platform=nope&jurisdiction=IND",
        "platform=nope: no such platform; pick one from the Platform list.",
        [("jurisdiction", "IND")],
    ),
    (
        "platform=google&jurisdiction=XXX&jurisdiction=DEU",
        "jurisdiction=XXX: no such jurisdiction (did you mean XKX for Kosovo?); pick one from the Jurisdiction list.",
        [("platform", "google"), ("jurisdiction", "DEU")],
    ),
    (
        # A name or an alpha-2 code is answered with the jurisdiction's code, as /compare does.
        "platform=google&jurisdiction=germany&jurisdiction=IND",
        "jurisdiction=germany: no such jurisdiction; a jurisdiction is its ISO 3166-1 alpha-3 code (USA, DEU): "
        "for germany, jurisdiction=DEU.",
        [("platform", "google"), ("jurisdiction", "IND")],
    ),
    (
        "platform=google&jurisdiction=USA&request_type=nope",
        "request_type=nope: no such request_type; pick one from the Request type list.",
        [("platform", "google"), ("jurisdiction", "USA")],
    ),
    (
        "platform=google&jurisdiction=USA&request_type=all&request_type=emergency",
        "One request_type per chart (jurisdiction and metric may repeat).",
        [("platform", "google"), ("jurisdiction", "USA")],
    ),
    (
        "platform=google&jurisdiction=USA&request_type=all&metric=requests_received&metric=nope",
        "metric=nope: no such metric; pick one from the Metric list.",
        [("platform", "google"), ("jurisdiction", "USA"), ("request_type", "all"), ("metric", "requests_received")],
    ),
    (
        "platform=google&jurisdiction=IND&request_type=all&metric=requests_received&metric=percent_requests_some_data",
        "The selected metrics mix units",
        [("platform", "google"), ("metric", "requests_received"), ("metric", "percent_requests_some_data")],
    ),
]


@pytest.mark.parametrize(("query", "said", "kept"), REFUSED)
def test_every_400_of_the_chart_page_is_the_chart_page_with_what_to_change(site, query, said, kept):
    response = site.get("/chart?" + query)
    assert response.status_code == 400 and response.headers["content-type"].startswith("text/html")
    html = unescape(response.text)
    assert "border: 3px solid red" not in html  # not Datasette's error page
    assert "<title>Chart a series: Platform Disclosures</title>" in html
    assert "Data license:" in html  # the site's footer, which the error page lacked
    # Marked as an error, as a screen reader announces it; it looked like any other line of the page.
    (message,) = re.findall(r'<p class="refusal" role="alert">(.*?)</p>', html, re.S)
    assert '<p class="missing">' not in html
    assert message.startswith(said), message
    assert len(message) < 300, message  # the form lists the ids; the page does not repeat them
    chosen = form_choices(html)
    for pair in kept:
        assert pair in chosen, (pair, chosen)
    assert charts_of(html) == []  # nothing drawn that was not asked for
    # The JSON is the API's error shape, with the ids a client may use.
    error = assert_error_shape(site.get("/chart.json?" + query), 400)
    assert error[:12].lower() == said[:12].lower(), error


def test_an_unknown_id_in_the_charts_json_lists_the_ids(site):
    assert "platform is one of: amazon, amazon_store, apple, aws," in assert_error_shape(
        site.get("/chart.json?platform=nope"), 400
    )
    error = assert_error_shape(site.get("/chart.json?jurisdiction=XXX"), 400)
    assert "jurisdiction is one of: ABW" in error and "USA" in error


def test_a_platform_without_a_series_for_the_jurisdiction_is_told_so_never_a_500(site, real_db):
    # Tuta has no figures for the USA: /chart kept Telegram's request type and metric, found no
    # series, and titled a chart of none (in_words of no metric: an IndexError, a 500).
    from tests.conftest import rows

    without_usa = [
        platform
        for (platform,) in rows(
            real_db,
            "SELECT platform_id FROM platforms WHERE platform_id NOT IN "
            "(SELECT platform_id FROM figures_series WHERE jurisdiction_id = 'USA') ORDER BY platform_id",
        )
    ]
    assert "tuta" in without_usa
    with_series = {platform for (platform,) in rows(real_db, "SELECT DISTINCT platform_id FROM figures_series")}
    for platform in without_usa:
        query = f"platform={platform}&jurisdiction=USA&request_type=ip_or_phone&metric=requests_fulfilled"
        # The page is the 404 its JSON is (it was a 200), with its form, so that a reader picks again.
        page = site.get(f"/chart?{query}")
        assert page.status_code == 404, (platform, page.status_code)
        assert '<form class="pick"' in page.text and charts_of(page.text) == []
        told = (
            "has no series for USA; pick a jurisdiction from the Jurisdiction list"
            if platform in with_series
            else "has no series to chart in any jurisdiction"
        )
        assert told in page.text, platform
        # The JSON is the 404 of a selection with no series, as with a second jurisdiction.
        message = assert_error_shape(site.get(f"/chart.json?{query}"), 404)
        assert "has no series for USA;" in message, platform
        told = "its jurisdictions with series are" if platform in with_series else "no series to chart in any"
        assert told in message, platform


@pytest.mark.parametrize("spelling", ["Google", "GOOGLE", " Google "])
def test_the_chart_reads_a_platform_in_the_spellings_its_page_accepts(site, spelling):
    # /platform/Google redirected to /platform/google, while /chart.json?platform=Google was a 400.
    query = "jurisdiction=USA&request_type=all&metric=requests_received"
    expected = site.get(f"/chart.json?platform=google&{query}").json()
    assert site.get(f"/platform/{spelling.strip()}").headers["location"] == "/platform/google"
    answer = site.get(f"/chart.json?platform={spelling}&{query}")
    assert answer.status_code == 200, answer.text[:300]
    assert answer.json() == expected
    page = site.get(f"/chart?platform={spelling}&{query}")
    assert page.status_code == 200 and ("platform", "google") in form_choices(page.text)


def test_the_chart_reads_a_platform_by_its_name_as_its_page_does(site):
    query = "jurisdiction=DEU&request_type=all&metric=requests_received"
    assert (
        site.get("/chart.json?platform=Mailbox.org&" + query).json()
        == site.get("/chart.json?platform=mailbox_org&" + query).json()
    )


def test_a_chart_of_one_platform_named_twice_is_that_platform(site):
    # platform=google&platform=Google was a 400 "One platform per chart", though /compare reads the
    # same two as one platform: the repeat is found by the platform it names, not by its spelling.
    query = "jurisdiction=USA&request_type=all&metric=requests_received"
    expected = site.get(f"/chart.json?platform=google&{query}").json()
    # Mailbox.org has no series for the United States (a 404), but for Germany.
    for twice, where in (
        ("platform=google&platform=Google", query),
        ("platform=Mailbox.org&platform=mailbox_org", query.replace("USA", "DEU")),
    ):
        answer = site.get(f"/chart.json?{twice}&{where}")
        assert answer.status_code == 200, (twice, answer.text[:300])
    assert site.get(f"/chart.json?platform=google&platform=Google&{query}").json() == expected
    assert site.get(f"/chart?platform=GOOGLE&platform=google&{query}").status_code == 200
    message = assert_error_shape(site.get(f"/chart.json?platform=Google&platform=Apple&{query}"), 400)
    assert message.startswith("One platform per chart")


def test_compare_reads_platforms_in_the_spellings_their_pages_accept(site):
    # The same rule as the chart's: platform=Google&platform=Apple was a 400 "no such platform".
    spelled = site.get("/compare.json?jurisdiction=USA&platform=Google&platform=APPLE&platform=google")
    assert spelled.status_code == 200, spelled.text[:300]
    assert spelled.json() == site.get("/compare.json?jurisdiction=USA&platform=google&platform=apple").json()
    assert "no such platform" in assert_error_shape(site.get("/compare.json?platform=nope"), 400)


def test_a_platform_with_no_series_at_all_is_told_so_not_sent_to_another_jurisdiction(site):
    # /chart?platform=signal said "Signal has none for USA; pick a jurisdiction from its list":
    # Signal publishes no counts, and no jurisdiction of it has a series.
    page = site.get("/chart?platform=signal")
    assert page.status_code == 404 and "pick a jurisdiction" not in page.text
    message = assert_error_shape(site.get("/chart.json?platform=signal"), 404)
    assert message.startswith("platform=signal: Signal has no series for USA, charted where no jurisdiction is given;")
    assert "it has no series to chart in any jurisdiction" in message and "/platform/signal" in message
    # The page says what its JSON's 404 says, as an error above nothing drawn.
    assert re.findall(r'<p class="refusal" role="alert">(.*?)</p>', unescape(page.text), re.S) == [message + "."]
    # A platform with series elsewhere still sends the reader to its other jurisdictions.
    elsewhere = site.get("/chart?platform=telegram&jurisdiction=WORLD")
    assert elsewhere.status_code == 404 and "pick a jurisdiction" in elsewhere.text


def test_one_jurisdiction_without_a_series_is_a_404_as_it_is_beside_another(site, real_db):
    # /chart.json?platform=google&jurisdiction=ATA was chart: null under 200, while ATA beside USA
    # was a 404: a program took the null for what Google reports of Antarctica.
    message = assert_error_shape(site.get("/chart.json?platform=google&jurisdiction=ATA"), 404)
    charted = [
        j
        for (j,) in rows(
            real_db, "SELECT DISTINCT jurisdiction_id FROM figures_series WHERE platform_id = 'google' ORDER BY 1"
        )
    ]
    assert message == (
        f"jurisdiction=ATA: Google has no series for ATA; its jurisdictions with series are {', '.join(charted)} "
        f"(for example /chart.json?platform=google&jurisdiction={charted[0]})"
    )
    assert "jurisdiction=ATA: Google has no series" in assert_error_shape(
        site.get("/chart.json?platform=google&jurisdiction=ATA&jurisdiction=USA"), 404
    )
    # The page was a 200 beside the JSON's 404: it is the 404 too, the chart page with its form
    # (Google's jurisdictions with series to pick from) and the JSON's message, naming the list
    # where the JSON lists the codes.
    page = site.get("/chart?platform=google&jurisdiction=ATA")
    assert page.status_code == 404 and page.headers["content-type"].startswith("text/html")
    html = unescape(page.text)
    (said,) = re.findall(r'<p class="refusal" role="alert">(.*?)</p>', html, re.S)
    assert said == (
        "jurisdiction=ATA: Google has no series for ATA; "
        "pick a jurisdiction from the Jurisdiction list, which lists those with series."
    )
    assert said.split(";")[0] == message.split(";")[0]
    (form,) = re.findall(r'<select name="jurisdiction".*?</select>', html, re.S)
    assert re.findall(r'<option value="(\w+)"', form) and set(re.findall(r'<option value="(\w+)"', form)) == set(
        charted
    )
    assert ("platform", "google") in form_choices(html) and charts_of(html) == []
    assert "Data license:" in html  # the site's page, not Datasette's bare error page


@pytest.mark.parametrize(
    ("given", "said"),
    [
        # Quoted as sent: "for GERMANY" named a value the client never wrote.
        ("germany", "for germany, jurisdiction=DEU"),
        ("DE", "for DE, jurisdiction=DEU"),
        ("United%20States", "for United States, jurisdiction=USA"),
    ],
)
def test_a_charts_json_answers_a_jurisdictions_name_with_its_code_not_every_code(site, given, said):
    path = f"/chart.json?platform=google&jurisdiction={given}&request_type=all&metric=requests_received"
    message = assert_error_shape(site.get(path), 400)
    assert message.endswith(said) and "ABW" not in message
    # One that names nothing keeps the list of every code, so a program can pick from it.
    message = assert_error_shape(site.get(path + "&jurisdiction=xx"), 400)
    assert "jurisdiction is one of: ABW" in message and "DEU" in message
    sent = given.replace("%20", " ")
    assert message.startswith(f"jurisdiction={sent},xx: no such jurisdiction; "), message[:80]


def test_a_chart_without_a_metric_opens_on_the_headline_count_not_the_first_label(site, real_db):
    # By label alone Google's India opened on "% of requests where some data was produced", a
    # share, where the platform pages and a reader's first question are the requests counted.
    selected = site.get("/chart.json?platform=google&jurisdiction=IND").json()["selected"]
    offered = {
        metric
        for (metric,) in rows(
            real_db,
            """SELECT DISTINCT metric_id FROM figures_series
               WHERE platform_id = 'google' AND jurisdiction_id = 'IND' AND request_type_id = ?""",
            selected["request_type"],
        )
    }
    assert {"percent_requests_some_data", "requests_received"} <= offered
    assert selected["metrics"] == ["requests_received"]
    # A share is still drawn when it is asked for.
    asked = site.get(
        f"/chart.json?platform=google&jurisdiction=IND&request_type={selected['request_type']}"
        "&metric=percent_requests_some_data"
    ).json()["selected"]
    assert asked["metrics"] == ["percent_requests_some_data"]


def test_the_api_page_lists_the_charts_404(site):
    # 749bd25 made /chart.json?platform=google&jurisdiction=IND&request_type=ip_or_phone a 404, while
    # /api's list of status codes said a 404 is only no such database, table, row, page or format.
    api = " ".join(site.get("/api").text.split())
    said = re.search(r"<li><strong>404</strong>: (.*?)</li>", api).group(1)
    assert "a <code>/chart.json</code> request type, metric or jurisdiction of which the platform has no series" in said
    assert "<code>/chart</code>'s page is the same 404, with its form" in said
    assert site.get("/chart.json?platform=google&jurisdiction=IND&request_type=ip_or_phone").status_code == 404
