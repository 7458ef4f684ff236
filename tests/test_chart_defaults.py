"""What /chart draws for what its address leaves out: the request type, when none is named.

A review found a platform's default chart an EU DSA series where its global reports had one of
the same place (X's Germany): DSA orders are a separate regime.
"""

from __future__ import annotations

from tests.conftest import plugin, rows
from tests.test_explore import form_choices

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
