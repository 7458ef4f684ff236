"""Country, platform, chart, compare and map pages; the site header; query forms and cells.

Layers (a) pure helpers of plugins/explore.py and plugins/links.py, and (c) the pages through
Datasette's client, checked against the database they are drawn from.
"""

import csv
import io
import json
import re
import shutil
import sqlite3
import urllib.request
from html import unescape
from urllib.parse import parse_qsl

import pytest

from disclosures import paths
from disclosures.vocabulary import DATABASE_FILE
from tests.conftest import Site, assert_error_shape, plugin, rows, unhurried

explore = plugin("explore")
links = plugin("links")


def charts_of(html: str) -> list[dict]:
    found = re.search(r'<script type="application/json" id="charts-data">(.*?)</script>', html, re.S)
    return json.loads(found.group(1)) if found else []


def csv_rows(site, url: str) -> list[dict]:
    response = site.get(unescape(url))
    assert response.status_code == 200, url
    return list(csv.DictReader(io.StringIO(response.text)))


# (a) Pure helpers ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("start", "end", "name"),
    [
        ("2025-01-01", "2025-03-31", "Q1 2025"),
        ("2024-10-01", "2024-12-31", "Q4 2024"),
        ("2025-01-01", "2025-06-30", "H1 2025"),
        ("2024-01-01", "2024-12-31", "2024"),
        ("2024-01-01", "2024-09-30", "January–September 2024"),
        ("2025-04-01", "2025-09-30", "April–September 2025"),
        ("2014-11-01", "2015-02-28", "November 2014–February 2015"),
        ("2025-07-01", "2025-07-31", "July 2025"),
        ("2024-01-15", "2024-02-14", "2024-01-15 to 2024-02-14"),
    ],
)
def test_period_names_read_as_people_write_them(start, end, name):
    from datetime import date

    from disclosures import rules

    assert explore.period_name(start, end) == name
    # The build's search index uses the pipeline's copy of the same names.
    assert rules.period_name(date.fromisoformat(start), date.fromisoformat(end)) == name


def test_headline_request_type_prefers_all_then_the_most_reported():
    assert explore.headline_request_type({"emergency": 50, "all": 2}) == "all"
    assert explore.headline_request_type({"ip_or_phone": 3}) == "ip_or_phone"
    assert explore.headline_request_type({"device": 12, "push_token": 5}) == "device"
    assert explore.headline_request_type({"b": 4, "a": 4}) == "a"
    assert explore.headline_request_type({}) is None


def test_headline_request_type_passes_over_a_series_that_stopped_long_before_the_others():
    counts = {"all": 30, "legal_process": 40, "emergency": 20}
    ended = {"all": "2017-06-30", "legal_process": "2025-06-30", "emergency": "2025-06-30"}
    assert explore.headline_request_type(counts, ended) == "legal_process"
    # Within two years of the newest, the preferred type stays the headline.
    assert explore.headline_request_type(counts, {**ended, "all": "2024-06-30"}) == "all"


def test_a_platforms_top_countries_judge_a_series_stale_within_its_own_regime():
    # Pinterest's global reports end in mid-2020 and its EU DSA orders run to 2026: judged against
    # the DSA's newest, every global series was stale, and its page charted none of them.
    counts = {"all": 4, "subpoena": 5, "dsa_information_order": 16}
    ended = {"all": "2020-06-30", "subpoena": "2020-06-30", "dsa_information_order": "2026-06-30"}
    assert explore.headline_request_type(counts, ended, regimes_apart=True) == "all"
    # A country's page keeps one chart per platform, its newest series.
    assert explore.headline_request_type(counts, ended) == "dsa_information_order"
    # Within the global reports an old series is still passed over (Google's all requests, to 2017).
    google = {"all": 30, "legal_process": 40, "dsa_information_order": 5}
    google_ended = {"all": "2017-06-30", "legal_process": "2025-06-30", "dsa_information_order": "2026-06-30"}
    assert explore.headline_request_type(google, google_ended, regimes_apart=True) == "legal_process"
    # With no global series in reach, the EU DSA orders still lead (Reddit's 27 countries).
    reddit = {"court_order": 1, "subpoena": 1, "dsa_information_order": 27}
    reddit_ended = {"court_order": "2015-12-31", "subpoena": "2015-12-31", "dsa_information_order": "2025-12-31"}
    assert explore.headline_request_type(reddit, reddit_ended, regimes_apart=True) == "dsa_information_order"


def test_a_platform_without_headline_metrics_is_charted_by_its_own_one_unit_to_a_chart():
    # Zoom reports only "requests processed": the headline charts chose none of its series.
    found = [
        {"metric_id": "requests_processed"},
        {"metric_id": "percent_requests_processed"},
        {"metric_id": "items_provided"},
    ]
    assert explore.charted_series(found, explore.HEADLINE_COUNTS) == found
    with_headline = [*found, {"metric_id": "requests_received"}]
    assert explore.charted_series(with_headline, explore.HEADLINE_COUNTS) == [{"metric_id": "requests_received"}]
    groups = explore.metric_groups(
        {"requests_processed": "count", "percent_requests_processed": "percent", "items_provided": "count"}
    )
    assert groups == [["items_provided", "requests_processed"], ["percent_requests_processed"]]
    # With a headline metric, the headline groups alone, as before; a share never beside a count.
    assert explore.metric_groups(
        {"requests_received": "count", "requests_processed": "count", "percent_requests_some_data": "percent"}
    ) == [["requests_received"], ["percent_requests_some_data"]]
    assert explore.metric_groups({"fraction_requests_some_data": "fraction"}) == [["fraction_requests_some_data"]]
    assert explore.metric_groups({}) == []


def test_a_part_of_a_platforms_requests_never_ranks_its_countries_nor_comes_first_on_a_chart():
    # Zoom's requests with a delayed-notice order are some of its U.S. requests processed, reported
    # for one half-year more: ranked as the count with the most points, the part ranked its countries.
    series = [{"metric_id": "requests_delayed_notice_order", "n": 7}, {"metric_id": "requests_processed", "n": 6}]
    assert explore.ranking_metric(series) == "requests_processed"
    assert explore.ranking_metric(list(reversed(series))) == "requests_processed"
    # A headline count still comes first, and a part alone is still ranked by.
    assert explore.ranking_metric([*series, {"metric_id": "requests_received", "n": 1}]) == "requests_received"
    assert explore.ranking_metric(series[:1]) == "requests_delayed_notice_order"
    # Among other counts, still the one with the most points.
    assert explore.ranking_metric([{"metric_id": "items_provided", "n": 3}, *series]) == "requests_processed"
    assert explore.ranking_metric([{"metric_id": "items_provided", "n": 9}, *series]) == "items_provided"
    # On one chart the whole is named first ("requests processed and requests with a delayed-notice order").
    assert explore.metric_groups({"requests_delayed_notice_order": "count", "requests_processed": "count"}) == [
        ["requests_processed", "requests_delayed_notice_order"]
    ]


def test_compare_flags_a_period_mismatch_staleness_and_a_fraction():
    cells = [
        {"platform_name": "A", "period_start": "2024-01-01", "period_end": "2024-06-30", "unit": "count"},
        {"platform_name": "B", "period_start": "2024-01-01", "period_end": "2024-06-30", "unit": "count"},
        {"platform_name": "C", "period_start": "2022-07-01", "period_end": "2022-12-31", "unit": "fraction"},
    ]
    flagged = {c["platform_name"]: {f["kind"]: f for f in c["flags"]} for c in explore.compare_flags(cells)}
    # A different period is said once for the row, not flagged on every figure.
    assert set(flagged["A"]) == set() and set(flagged["C"]) == {"stale", "unit"}
    note = explore.period_note(cells)
    assert note["detail"] == "H2 2022: C; H1 2024: A, B" and "2 different periods" in note["text"]
    same = explore.compare_flags([dict(cells[0]), dict(cells[1])])
    assert [c["flags"] for c in same] == [[], []] and explore.period_note(same) is None


def test_compare_flags_a_figure_covering_another_length_than_most_of_its_row():
    # Snapchat's derived 2025 total sat beside Google's and others' H1 2025 with no flag of its own.
    cells = [
        {"platform_name": "Google", "period_start": "2025-01-01", "period_end": "2025-06-30", "unit": "count"},
        {"platform_name": "Meta", "period_start": "2025-01-01", "period_end": "2025-06-30", "unit": "count"},
        {"platform_name": "Snapchat", "period_start": "2025-01-01", "period_end": "2025-12-31", "unit": "count"},
    ]
    flagged = {c["platform_name"]: [f["text"] for f in c["flags"]] for c in explore.compare_flags(cells)}
    assert flagged == {"Google": [], "Meta": [], "Snapchat": ["covers a year; most figures here cover a half"]}
    # Two lengths, one each: no "most" to flag against.
    pair = explore.compare_flags([dict(cells[0], flags=[]), dict(cells[2], flags=[])])
    assert [c["flags"] for c in pair] == [[], []]
    assert explore.period_length("2024-01-01", "2024-09-30") == "9 months"
    assert explore.period_length("2014-11-01", "2015-02-28") == "4 months"
    assert explore.period_length("2024-01-05", "2024-01-10") == "6 days"


def test_fractions_are_shown_as_percentages_and_counts_with_separators():
    assert explore.shown_value(0.83, "fraction") == "83%"
    assert explore.shown_value(0.835, "fraction") == "83.5%"
    assert explore.shown_value(67, "percent") == "67%"
    assert explore.shown_value(14641, "count") == "14,641"
    assert links.quantity_text(14641) == "14,641"
    assert links.quantity_text(999) is None and links.quantity_text(True) is None and links.quantity_text(0.5) is None


def test_chart_query_selects_one_or_many():
    assert explore.chart_query("google", ["IND"], "all", ["requests_received"]) == [
        ("platform_id", "google"),
        ("jurisdiction_id", "IND"),
        ("request_type_id", "all"),
        ("metric_id", "requests_received"),
    ]
    many = dict(explore.chart_query("telegram", ["IND", "USA"], "ip_or_phone", ["a", "b"]))
    assert many["jurisdiction_id__in"] == "IND,USA" and many["metric_id__in"] == "a,b"


def test_a_chart_citation_ends_a_publisher_with_one_full_stop():
    dataset = {"licenses": json.dumps([{"title": "Creative Commons Attribution 4.0 (the data)"}])}
    url = "https://example.org/chart?platform=snap"
    for publisher in ("Snap Inc.", "Google"):
        terms = explore.cited_terms(dataset, [{"publisher": publisher, "licence": None}])
        cited = explore.chart_citation("version 1.1.0 (2026-12-04)", "Snapchat, United States", terms, url)
        assert cited == (
            "Platform Disclosures, version 1.1.0 (2026-12-04): Snapchat, United States. Creative Commons "
            f"Attribution 4.0 (the data); figures from {publisher.removesuffix('.')}. {url}"
        )
    assert (
        explore.chart_citation("version 1.1.0 (2026-12-04)", "T", "", url)
        == f"Platform Disclosures, version 1.1.0 (2026-12-04): T. {url}"
    )


def test_top_countries_leave_out_those_tied_with_one_left_out():
    ranked = [
        {"jurisdiction_id": j, "largest": v}
        for j, v in [("CZE", 3), ("LTU", 1), ("BGR", 0), ("CYP", 0), ("EST", 0), ("FIN", 0)]
    ]
    assert [r["jurisdiction_id"] for r in explore.top_of(ranked, 5)] == ["CZE", "LTU"]
    assert [r["jurisdiction_id"] for r in explore.top_of(ranked, 2)] == ["CZE", "LTU"]
    assert [r["jurisdiction_id"] for r in explore.top_of(ranked[:5], 5)] == ["CZE", "LTU", "BGR", "CYP", "EST"]
    assert explore.top_of([{"jurisdiction_id": "USA", "largest": 0}] * 2, 1) == []


@pytest.mark.parametrize(
    ("unit", "values", "axis"),
    [
        ("count", [14, 12146], "log"),
        ("count", [1, 100], "log"),
        ("count", [1, 99], "linear"),
        ("count", [2.5, 250.0], "log"),
        # A zero cannot be drawn on a log axis, and is not left out.
        ("count", [0, 12146], "linear"),
        ("count", [None, 14, 12146], "log"),
        ("count", [], "linear"),
        # Percentages and fractions have fixed bounds, whatever they span.
        ("percent", [0.5, 90], "linear"),
        ("fraction", [0.001, 0.9], "linear"),
    ],
)
def test_a_charts_value_axis_is_log_for_counts_spanning_a_hundredfold(unit, values, axis):
    assert explore.value_axis(unit, values) == axis


# (c) The pages ------------------------------------------------------------------------------


def test_every_jurisdiction_has_a_country_page(site, real_db):
    ids = [r[0] for r in rows(real_db, "SELECT jurisdiction_id FROM jurisdictions ORDER BY 1")]
    assert len(ids) > 200
    for jurisdiction_id in ids:
        response = site.get(f"/country/{jurisdiction_id}")
        assert response.status_code == 200, jurisdiction_id
    # One address per country: a code in another case redirects, keeping the format and query.
    assert (
        site.get("/country/usa").status_code == 302 and site.get("/country/usa").headers["location"] == "/country/USA"
    )
    assert site.get("/country/Usa.json?x=1").headers["location"] == "/country/USA.json?x=1"
    assert site.get("/country/NOPE").status_code == 404


def test_every_platform_has_a_platform_page(site, real_db):
    for (platform_id,) in rows(real_db, "SELECT platform_id FROM platforms"):
        response = site.get(f"/platform/{platform_id}")
        assert response.status_code == 200, platform_id
        assert "Does not report" in response.text and "Freshness" in response.text
    assert site.get("/platform/nope").status_code == 404


def test_a_platforms_long_notes_open_behind_a_summary_and_are_all_on_its_page(site, real_db):
    """Curators' notes of 3,000 characters pushed the facts off the first screen: past 400
    characters, the page opens with their first words and keeps every word behind a summary."""

    def text(html: str) -> str:
        return " ".join(unescape(re.sub(r"<[^>]+>", "", html)).split())

    collapsed = 0
    for platform_id, notes in rows(real_db, "SELECT platform_id, notes FROM platforms WHERE notes != ''"):
        page = site.get(f"/platform/{platform_id}").text
        details = re.search(r'<details class="platform-notes"><summary>(.*?)</summary>(.*?)</details>', page, re.S)
        if len(notes) > 400:
            collapsed += 1
            assert details, platform_id
            assert f"{len(notes):,} characters" in details.group(1)
            # The searches are the search log's now: the notes' summary does not promise them.
            assert "searched" not in details.group(1), platform_id
            assert text(details.group(2)) == " ".join(notes.split()), platform_id
            opening = text(re.search(r'<p class="lede notes-opening">(.*?)</p>', page, re.S).group(1))
            assert opening.endswith(("…", ".")) and len(opening) <= 320, platform_id
            assert " ".join(notes.split()).startswith(opening.removesuffix("…")), platform_id
        else:
            assert details is None, platform_id
            assert " ".join(notes.split()) in text(page), platform_id
    assert collapsed >= 10  # the real package has notes of up to 3,022 characters


def test_a_platforms_search_log_waits_closed_below_its_notes(site, real_db):
    """The curators' record of where they looked for newer reports ran inside the notes, up to
    3,600 characters of them, and hid the caveats a reader needs behind a summary: it is a closed
    <details> of its own, below the notes and above the facts, whole, and never inside the notes."""

    def text(html: str) -> str:
        return " ".join(unescape(re.sub(r"<[^>]+>", "", html)).split())

    logged = 0
    for platform_id, notes, search_log in rows(real_db, "SELECT platform_id, notes, search_log FROM platforms"):
        page = site.get(f"/platform/{platform_id}").text
        details = re.search(r'<details class="platform-search-log"><summary>(.*?)</summary>(.*?)</details>', page, re.S)
        if not search_log:
            assert details is None and "platform-search-log" not in page, platform_id
            continue
        logged += 1
        assert details, platform_id
        assert text(details.group(1)) == f"Where we looked for newer reports ({len(search_log):,} characters)"
        assert text(details.group(2)) == " ".join(search_log.split()), platform_id
        # Below the notes, whole or behind their own summary, and above the facts.
        above = page[page.index("</h1>") : details.start()]
        assert " ".join(notes.split()) in text(above), platform_id
        assert details.end() < page.index('<dl class="facts">'), platform_id
        first_search = search_log.split(". ")[0]
        assert " ".join(first_search.split()) not in text(above), platform_id
    assert logged >= 15  # Discord, Dropbox, Meta, AWS, ...


def test_a_platforms_json_gives_its_search_log_beside_its_notes(site, real_db):
    for platform_id, notes, search_log in rows(
        real_db, "SELECT platform_id, notes, search_log FROM platforms WHERE platform_id IN ('discord', 'telegram')"
    ):
        response = site.get(f"/platform/{platform_id}.json")
        assert response.status_code == 200
        platform = response.json()["platform"]
        assert (platform["notes"], platform["search_log"]) == (notes, search_log), platform_id
    assert site.get("/platform/discord.json").json()["platform"]["search_log"].startswith("No stored copy")
    assert site.get("/platform/telegram.json").json()["platform"]["search_log"] is None


def test_the_platforms_table_and_its_csv_carry_the_search_log_after_the_notes(site, real_db):
    ((dropbox_log,),) = rows(real_db, "SELECT search_log FROM platforms WHERE platform_id = 'dropbox'")
    header, *records = csv.reader(io.StringIO(site.get("/disclosures/platforms.csv?_size=max").text))
    assert header[header.index("notes") + 1] == "search_log"
    assert {r[0]: r[header.index("search_log")] for r in records}["dropbox"] == dropbox_log
    table = site.get("/disclosures/platforms").text
    assert 'data-column="search_log"' in table
    # A record's ISO dates never break at their hyphens on a phone, as its notes' do not.
    row_page = site.get("/disclosures/platforms/dropbox").text
    cell = re.search(r'<td class="col-search_log type-str">(.*?)</td>', row_page, re.S).group(1)
    assert cell.startswith('Searched again on <span class="date">2026-12-05</span>, with nothing newer found')


def test_a_notes_opening_ends_with_a_sentence_where_one_ends_in_its_second_half(site):
    """Cut at a word, Google's notes opened with "... The bulk CSV has no worldwide row. The…" and
    Apple's with "(searched on…": the opening ends with the last full sentence it holds, unless
    that sentence ends in its first half; "U.S." and "e.g." end no sentence."""
    notes_opening = plugin("pages").notes_opening
    words = "word " * 40
    assert notes_opening(words + "Done here. " + "more " * 80, 320) == words + "Done here."
    # A sentence ending early would leave most of the opening out: cut at the last word instead.
    assert notes_opening("Short. " + "word " * 100, 320) == ("Short. " + "word " * 62).rstrip() + "…"
    for abbreviation in ("non-U.S.", "e.g."):
        opening = notes_opening(words + f"then {abbreviation} requests " + "word " * 80, 320)
        assert opening.endswith("word…"), abbreviation
    google = text_of(site.get("/platform/google").text, "lede notes-opening")
    assert google.endswith("The bulk CSV has no worldwide row.")
    apple = text_of(site.get("/platform/apple").text, "lede notes-opening")
    assert apple.endswith("National-security figures in bands.")


def text_of(page: str, css_class: str) -> str:
    """The text of the first paragraph of ``page`` with exactly this class, tags and spaces folded."""
    inner = re.search(rf'<p class="{css_class}">(.*?)</p>', page, re.S).group(1)
    return " ".join(unescape(re.sub(r"<[^>]+>", "", inner)).split())


def test_index_pages_list_every_country_and_platform(site, real_db):
    countries = site.get("/countries").text
    for (jurisdiction_id,) in rows(real_db, "SELECT jurisdiction_id FROM jurisdictions"):
        assert f'href="/country/{jurisdiction_id}"' in countries
    platforms = site.get("/platforms").text
    for (platform_id,) in rows(real_db, "SELECT platform_id FROM platforms"):
        assert f'href="/platform/{platform_id}"' in platforms


def test_platforms_recorded_only_for_eu_dsa_orders_are_not_missing_outside_the_eu(site, real_db):
    dsa_only = {
        platform
        for (platform,) in rows(
            real_db,
            "SELECT platform_id FROM figures GROUP BY platform_id HAVING min(request_type_id = 'dsa_information_order') = 1",
        )
    }
    assert {"facebook", "instagram"} <= dsa_only
    html = site.get("/country/USA").text
    missing, _, rest = html.partition('<h2 id="missing">What is missing</h2>')[2].partition("Not listed:")
    for platform in dsa_only:
        assert f'href="/platform/{platform}"' not in missing and f'href="/platform/{platform}"' in rest, platform
    # Meta's own figures are there: it is not missing either.
    assert 'href="/platform/meta"' not in missing


def test_country_page_twins_are_exactly_its_rows(site, real_db):
    html = site.get("/country/USA").text
    shown = re.findall(r'<td class="num"><a href="/figure/([^"]+)">', html)
    csv_url = re.search(r'class="twin-csv" href="([^"]+)"', html).group(1)
    twin = csv_rows(site, csv_url)
    assert [r["figure_id"] for r in twin] == shown
    # Independently of the canned query: one figure per platform, request type and metric (a
    # fraction and the percentage of the same name as one), the latest end, then the longest
    # period, then reported before derived.
    one_share = {"fraction_requests_some_data": "percent_requests_some_data"}
    best = {}
    for figure_id, platform, request_type, metric, start, end, derived in rows(
        real_db,
        """SELECT figure_id, platform_id, request_type_id, metric_id, period_start, period_end, is_derived
           FROM figures WHERE jurisdiction_id = 'USA'""",
    ):
        key = (platform, request_type, one_share.get(metric, metric))
        rank = (-int(end.replace("-", "")), start, derived, figure_id)
        if key not in best or rank < best[key][0]:
            best[key] = (rank, figure_id)
    assert sorted(shown) == sorted(figure_id for _, figure_id in best.values())
    assert len(shown) == len(set(shown))
    by_id = {r[0]: r[1] for r in rows(real_db, "SELECT figure_id, value FROM figures WHERE jurisdiction_id = 'USA'")}
    for r in twin:
        assert r["value"] == ("" if by_id[r["figure_id"]] is None else str(by_id[r["figure_id"]]))
    json_url = re.search(r'class="twin-json" href="([^"]+)"', html).group(1)
    assert [r["figure_id"] for r in site.get(unescape(json_url)).json()] == shown


def test_country_page_shows_telegram_status_and_what_is_missing(site, real_db):
    html = site.get("/country/USA").text
    assert "January–September 2024: <strong>reported</strong>" in html
    assert "Q4 2024: <strong>derived</strong>" in html
    assert "What is missing" in html and 'href="/platform/signal"' in html
    ((code, name),) = rows(
        real_db,
        """SELECT jurisdiction_id, name FROM jurisdictions WHERE jurisdiction_id NOT IN
           (SELECT jurisdiction_id FROM figures) ORDER BY jurisdiction_id LIMIT 1""",
    )
    nothing = site.get(f"/country/{code}").text
    assert f"No Telegram figure for {name}" in nothing and f"No platform figure for {name} yet" in nothing


@pytest.mark.parametrize("page", ["/country/USA", "/country/IND", "/platform/telegram", "/platform/google"])
def test_every_chart_csv_twin_is_exactly_what_the_chart_shows(site, real_db, page):
    charts = charts_of(site.get(page).text)
    assert charts, page
    for chart in charts:
        drawn = sorted(
            (p["figure_id"], p["value"], p["derived"]) for series in chart["series"] for p in series["points"]
        )
        twin = sorted(
            (r["figure_id"], float(r["value"]), r["is_derived"] == "1") for r in csv_rows(site, chart["csv_url"])
        )
        assert [(f, float(v), d) for f, v, d in drawn] == twin, chart["title"]
        assert len(twin) == chart["points"]
        # Every charted figure is a member of the build's non-overlapping series, one unit per chart.
        units = {
            r[0]
            for r in rows(
                real_db,
                f"SELECT DISTINCT unit FROM figures_series WHERE figure_id IN ({','.join('?' * len(drawn))})",
                *[d[0] for d in drawn],
            )
        }
        assert units == {chart["unit"]}


def test_no_chart_line_joins_overlapping_periods(site):
    for page in ("/country/USA", "/platform/telegram", "/country/IND"):
        for chart in charts_of(site.get(page).text):
            for series in chart["series"]:
                points = sorted(series["points"], key=lambda p: p["period_start"])
                for before, after in zip(points, points[1:], strict=False):
                    assert before["period_end"] < after["period_start"], (chart["title"], series["label"])


def test_charts_mark_derived_periods_and_carry_events_and_a_citation(site, real_db):
    charts = charts_of(site.get("/country/USA").text)
    telegram = next(c for c in charts if c["title"].startswith("Telegram"))
    derived = [p for s in telegram["series"] for p in s["points"] if p["derived"]]
    # Fulfilled requests and affected users: each has its Oct–Dec 2024 derived from 2024 minus Jan–Sep.
    assert [p["period"] for p in derived] == ["Q4 2024"] * len(telegram["series"])
    assert "2024-08-24" in [e["event_date"] for e in telegram["events"]]
    ((version, state, released, content),) = rows(
        real_db,
        "SELECT d.version, d.release_state, r.date, d.content_hash FROM dataset d "
        "LEFT JOIN releases r ON r.version = d.latest_release",
    )
    # Before a release the version names no fixed data: the content hash does, as on the figure pages.
    dated = f"({released})" if state == "released" else f"(unreleased), content {content}"
    assert content.startswith("sha256:")
    assert telegram["citation"].startswith(f"Platform Disclosures, version {version} {dated}: Telegram, United States")
    # The citation names the public site (datapackage.json's homepage), not the address browsed.
    site_url = json.loads(paths.PACKAGE.read_text(encoding="utf-8"))["homepage"].rstrip("/")
    path = telegram["page_url"].split("localhost", 1)[-1]
    assert path.startswith("/chart?") and telegram["citation"].endswith(f". {site_url}{path}")
    assert site.get(unescape(telegram["page_url"]).split("localhost", 1)[-1]).status_code == 200


def test_a_chart_never_mixes_a_fraction_and_a_percentage(site):
    mixed = site.get(
        "/chart?platform=snap&jurisdiction=USA&request_type=all"
        "&metric=percent_requests_some_data&metric=fraction_requests_some_data"
    )
    counts_and_share = site.get(
        "/chart?platform=google&jurisdiction=IND&request_type=all&metric=requests_received&metric=percent_requests_some_data"
    )
    assert counts_and_share.status_code == 400 and "mix units" in counts_and_share.text
    assert mixed.status_code in (200, 400)
    if mixed.status_code == 200:  # Snap publishes one of the two for this selection, so one unit is drawn
        assert len({c["unit"] for c in charts_of(mixed.text)}) == 1


def test_a_chosen_chart_is_titled_in_words_not_codes(site, real_db):
    # It read "Telegram: Requests fulfilled (some data produced) (USA, DEU, ip_or_phone)", and the
    # PNG export and the citation carried the codes.
    spec = site.get(
        "/chart.json?platform=telegram&jurisdiction=USA&jurisdiction=DEU&request_type=ip_or_phone&metric=requests_fulfilled"
    ).json()["chart"]
    names = dict(
        rows(real_db, "SELECT jurisdiction_id, name FROM jurisdictions WHERE jurisdiction_id IN ('USA', 'DEU')")
    )
    ((request_type,),) = rows(real_db, "SELECT label FROM request_types WHERE request_type_id = 'ip_or_phone'")
    ((metric,),) = rows(real_db, "SELECT label FROM metrics WHERE metric_id = 'requests_fulfilled'")
    ((platform,),) = rows(real_db, "SELECT name FROM platforms WHERE platform_id = 'telegram'")
    assert spec["title"] == (
        f"{platform}, {names['USA']} and {names['DEU']}: {request_type}, {metric[:1].lower()}{metric[1:]}"
    )
    for code in ("USA", "DEU", "ip_or_phone", "requests_fulfilled"):
        assert code not in spec["title"]
    page = site.get("/chart?platform=google&jurisdiction=IND&request_type=all&metric=requests_received")
    assert charts_of(page.text)[0]["title"].startswith("Google, India: ")


def test_a_charts_line_breaks_are_the_days_between_a_lines_figures_grouped_by_stretch():
    def point(start, end):
        return {"period_start": start, "period_end": end}

    received = {
        "label": "Requests received",
        "points": [
            point("2022-01-01", "2022-06-30"),
            point("2013-01-01", "2013-06-30"),
            point("2014-01-01", "2014-06-30"),
        ],
    }
    specified = {
        "label": "Accounts specified",
        "points": [
            point("2013-01-01", "2013-06-30"),
            point("2013-07-01", "2013-12-31"),
            point("2014-01-01", "2014-06-30"),
        ],
    }
    assert explore.line_breaks([received, specified]) == [
        {"period_start": "2013-07-01", "period_end": "2013-12-31", "period": "H2 2013", "lines": ["Requests received"]},
        {
            "period_start": "2014-07-01",
            "period_end": "2021-12-31",
            "period": "July 2014–December 2021",
            "lines": ["Requests received"],
        },
    ]
    # Periods that meet day to day (a quarter after January–September) leave no gap.
    telegram = {"label": "x", "points": [point("2024-01-01", "2024-09-30"), point("2024-10-01", "2024-12-31")]}
    assert explore.line_breaks([telegram]) == []
    both = [dict(received, label=label) for label in ("a", "b")]
    assert [g["lines"] for g in explore.line_breaks(both)] == [["a", "b"], ["a", "b"]]


def test_a_chart_says_where_its_lines_break_and_the_break_matches_its_csv_twin(site):
    """Germany's Meta line held H1 2014 and then H1 2022, and the chart showed seven empty years
    with nothing under it saying a break is not a zero."""
    from datetime import date, timedelta
    from itertools import pairwise

    page = site.get("/chart?platform=meta&jurisdiction=DEU&request_type=all&metric=requests_received")
    assert page.status_code == 200
    (chart,) = charts_of(page.text)
    twin = sorted(csv_rows(site, chart["csv_url"]), key=lambda r: r["period_start"])
    expected = [
        (
            (date.fromisoformat(a["period_end"]) + timedelta(days=1)).isoformat(),
            (date.fromisoformat(b["period_start"]) - timedelta(days=1)).isoformat(),
        )
        for a, b in pairwise(twin)
        if date.fromisoformat(b["period_start"]) > date.fromisoformat(a["period_end"]) + timedelta(days=1)
    ]
    assert expected, "the Meta line for Germany no longer breaks: pick another chart with a break"
    assert [(g["period_start"], g["period_end"]) for g in chart["line_breaks"]] == expected
    note = re.search(r'<span class="chart-gaps">(.*?)</span>', page.text, re.S)
    assert note, "no note under a chart whose line breaks"
    text = unescape(note.group(1))
    assert text.startswith("No figure drawn for ") and "a break is not a zero" in text
    assert all(g["period"] in text for g in chart["line_breaks"])
    # One line: the note does not name it after each break, and speaks of one line.
    assert "(Requests received)" not in text and ": the line breaks there" in text
    # Two lines (Germany and France): "the lines break", not "the line breaks".
    two = site.get(
        "/chart?platform=meta&jurisdiction=DEU&jurisdiction=FRA&request_type=all&metric=requests_received"
    ).text
    (both,) = charts_of(two)
    assert len(both["series"]) == 2 and both["line_breaks"], both["line_breaks"]
    two_note = unescape(re.search(r'<span class="chart-gaps">(.*?)</span>', two, re.S).group(1))
    assert ": the lines break there" in two_note and "the line breaks" not in two_note
    # A line that never breaks gets no note.
    telegram = site.get("/chart?platform=telegram&jurisdiction=USA&request_type=ip_or_phone&metric=requests_fulfilled")
    (unbroken,) = charts_of(telegram.text)
    assert unbroken["line_breaks"] == [] and 'class="chart-gaps"' not in telegram.text
    # The API page documents the key, beside value_axis.
    assert "<code>line_breaks</code>" in site.get("/api").text


def test_chart_page_answers_for_any_selection(site):
    page = site.get("/chart?platform=google&jurisdiction=IND&request_type=all&metric=requests_received")
    assert page.status_code == 200
    (chart,) = charts_of(page.text)
    assert chart["unit"] == "count" and chart["points"] >= 10
    assert site.get("/chart").status_code == 200
    assert site.get("/chart?platform=nope").status_code == 400
    # A selection with no series is the 404 its JSON is (it was a 200), the page still the chart page.
    empty = site.get("/chart?platform=telegram&jurisdiction=ATA")
    assert empty.status_code == 404 and "Telegram has no series for ATA" in empty.text
    assert '<form class="pick"' in empty.text


def test_the_compare_picker_says_which_platforms_hold_eu_dsa_orders_alone(site, real_db):
    """Germany's picker offered "Facebook", whose only figure is 948 EU DSA orders (its
    government-request figures are Meta's), and nothing beside the box said so; nor beside Reddit,
    whose only figure for Germany is an EU DSA order (its reports hold others for other places)."""
    html = site.get("/compare?jurisdiction=DEU").text
    labels = dict(
        re.findall(r'<input type="checkbox" name="platform" value="([^"]+)"[^>]*>\s*(.*?)</label>', html, re.S)
    )
    dsa_only = {
        platform_id
        for (platform_id,) in rows(
            real_db,
            """SELECT platform_id FROM figures WHERE jurisdiction_id = 'DEU' GROUP BY platform_id
               HAVING min(request_type_id = 'dsa_information_order') = 1""",
        )
    }
    assert {"facebook", "meta", "google", "microsoft", "reddit"} <= set(labels)
    assert {"facebook", "reddit"} <= dsa_only and not {"meta", "google", "microsoft"} & dsa_only
    available = {
        p["platform_id"]: p["dsa_only"] for p in site.get("/compare.json?jurisdiction=DEU").json()["available"]
    }
    assert available == {platform_id: platform_id in dsa_only for platform_id in labels}
    for platform_id, label in labels.items():
        assert ("(EU DSA orders only)" in label) == (platform_id in dsa_only), (platform_id, label)


def test_compare_says_what_each_platform_shown_does_not_report(site, real_db):
    """Microsoft's consumer totals leave out its enterprise requests from 2017, and Google's early
    periods countries with fewer than 30 requests: /compare set their totals side by side, and
    only each platform's own page said what they leave out."""
    path = "/compare?jurisdiction=DEU&platform=google&platform=microsoft&platform=zoom"
    data = site.get(path.replace("/compare", "/compare.json")).json()
    caveats = dict(
        rows(
            real_db,
            "SELECT platform_id, not_reported FROM platforms WHERE platform_id IN ('google', 'microsoft', 'zoom')",
        )
    )
    assert "enterprise" in caveats["microsoft"] and "fewer than 30 requests" in caveats["google"]
    shown = {c["platform_id"] for g in data["groups"] for c in g["cells"]} | {
        f["platform_id"] for f in data["not_compared"]
    }
    expected = [p for p in ("google", "microsoft", "zoom") if p in shown and caveats[p]]
    assert "zoom" not in shown and caveats["zoom"]  # no German figure: nothing to qualify
    assert [(p["platform_id"], p["not_reported"]) for p in data["platforms_not_reported"]] == [
        (p, caveats[p]) for p in expected
    ]
    html = site.get(path).text
    section = re.search(r'<section class="not-reported" id="not-reported">(.*?)</section>', html, re.S).group(1)
    items = re.findall(r'<li><a href="/platform/(\w+)">[^<]+</a>: (.*?)</li>', section, re.S)
    assert [(p, unescape(text)) for p, text in items] == [(p, caveats[p]) for p in expected]
    # A country none of whose platforms has a figure says nothing of what they leave out.
    assert 'id="not-reported"' not in site.get("/compare?jurisdiction=ABW").text


@pytest.mark.parametrize(
    ("path", "heading", "intro"),
    [
        # Reddit alone: the section said "What these platforms do not report" of one platform, and
        # to read it "before setting two of their numbers side by side".
        (
            "/compare?jurisdiction=DEU&platform=reddit",
            "What this platform does not report",
            "Its reports leave something out; read this before setting one of its numbers beside another platform's.",
        ),
        (
            "/compare?jurisdiction=DEU&platform=google&platform=microsoft",
            "What these platforms do not report",
            "Their reports each leave something out; read this before setting two of their numbers side by side.",
        ),
    ],
)
def test_what_a_platform_does_not_report_is_worded_for_how_many_are_listed(site, path, heading, intro):
    html = site.get(path).text
    section = re.search(r'<section class="not-reported" id="not-reported">(.*?)</section>', html, re.S).group(1)
    listed = re.findall(r'<li><a href="/platform/(\w+)">', section)
    assert len(listed) == (1 if "platform=reddit" in path else 2)
    assert f"<h2>{heading}</h2>" in section
    assert f"<p>{intro}</p>" in unescape(section)


def test_comparison_flags_a_known_period_mismatch(site):
    html = site.get("/compare?jurisdiction=USA&platform=google&platform=meta").text
    section = re.search(
        r"<h2>Requests received <span class=\"muted\">· All requests</span></h2>(.*?)</section>", html, re.S
    )
    assert section, "the requests-received row for all requests"
    text = section.group(1)
    assert "Google" in text and "Meta" in text
    # Google's newest all-requests figure (Jan–Jun 2017) against Meta's 2022, the year the build
    # derives from its halves: one figure per series, the longer period where a half and its year
    # both end last (not Jul–Dec 2022 beside it); the row says once that its periods differ.
    assert text.count("period-note") == 1 and "H1 2017: Google" in text
    assert "H2 2022" not in text and "2022" in text
    assert "flag-stale" in text


def test_compare_explains_why_it_has_no_period_picker_and_where_one_period_is(site, real_db):
    # A period picker would set a half beside a year: the compared figures' periods differ.
    html = site.get("/compare?jurisdiction=USA").text
    data = site.get("/compare.json?jurisdiction=USA").json()
    periods = {(c["period_start"], c["period_end"]) for g in data["groups"] for c in g["cells"]}
    assert len(periods) > 1 and data["compared_periods"] == len(periods)
    why = " ".join(re.search(r'<p class="no-period" id="no-period">(.*?)</p>', html, re.S).group(1).split())
    assert f"The figures compared below cover {len(periods)} different periods" in why
    assert "Telegram's January–September 2024" in why
    # The form picks a country and platforms, nothing else.
    form = re.search(r'<form class="pick".*?</form>', html, re.S).group(0)
    assert set(re.findall(r'name="(\w+)"', form)) == {"jurisdiction", "platform"}
    # Where one period's figures are: the country's figures, whose period facet names each period.
    link = re.search(r'<a class="period-figures" href="([^"]+)">every figure for United States</a>', why).group(1)
    assert link == "/disclosures/figures?jurisdiction_id=USA"
    facet = site.get(f"{link.replace('figures?', 'figures.json?')}&_size=0").json()["facet_results"]["period_label"]
    (usa,) = rows(real_db, "SELECT count(DISTINCT period_label) FROM figures WHERE jurisdiction_id = 'USA'")[0]
    assert len(facet["results"]) == min(usa, 50)
    assert "period-not-applied" not in html
    # A period in the address is not applied, and the page says so (its JSON refuses it, a 400).
    for asked in ("year=2024", "period=2024h1"):
        told = site.get(f"/compare?jurisdiction=USA&{asked}").text
        notice = " ".join(re.search(r'id="period-not-applied">(.*?)</p>', told, re.S).group(1).split())
        assert notice.startswith(f"This comparison takes no period: <code>{asked}</code> was not applied.")
        assert told.count("compare-table") == html.count("compare-table")
        assert_error_shape(site.get(f"/compare.json?jurisdiction=USA&{asked}"), 400)
    # A country without figures has nothing to compare, and nothing to explain.
    (empty,) = rows(
        real_db,
        "SELECT jurisdiction_id FROM jurisdictions WHERE jurisdiction_id NOT IN (SELECT jurisdiction_id FROM figures) LIMIT 1",
    )[0]
    nothing = site.get(f"/compare?jurisdiction={empty}&year=2024").text
    assert 'id="no-period"' not in nothing and "period-not-applied" not in nothing


def test_comparison_shows_fractions_as_percentages_with_the_stored_value(site, real_db):
    fractions = rows(
        real_db,
        """SELECT figure_id, value FROM figures f WHERE platform_id = 'snap' AND jurisdiction_id = 'USA'
           AND metric_id = 'fraction_requests_some_data' AND value_kind = 'exact' AND period_end = (
             SELECT max(period_end) FROM figures g WHERE g.platform_id = 'snap' AND g.jurisdiction_id = 'USA'
               AND g.metric_id = f.metric_id AND g.request_type_id = f.request_type_id)""",
    )
    assert fractions
    html = site.get("/compare?jurisdiction=USA&platform=snap&platform=google").text
    for figure_id, value in fractions:
        # The stored value is beside the percentage, not in a tooltip a phone or keyboard never shows.
        cell = re.search(
            rf'<a href="/figure/{re.escape(figure_id)}">([^<]+)</a> <span class="muted">\(([^)]+) as published\)', html
        )
        assert cell.group(2) == f"{value}"
        assert cell.group(1) == explore.shown_value(value, "fraction") and cell.group(1).endswith("%")
    assert "published as a fraction from 0 to 1; shown as a percentage" in html


def test_the_country_page_shows_fractions_as_percentages_beside_the_published_value(site, real_db):
    """Snap publishes some shares as fractions (0.87) and others as percentages (82%): one table
    showed both forms side by side. (The charts' own tables give a value as its chart draws it,
    on the chart's axis: a fraction from 0 to 1.)"""
    html = re.sub(r'<details class="chart-figures">.*?</details>', "", site.get("/country/USA").text, flags=re.S)
    fractions = rows(
        real_db,
        "SELECT figure_id, value, value_text FROM figures WHERE jurisdiction_id = 'USA' AND value_kind = 'exact' "
        "AND metric_id IN (SELECT metric_id FROM metrics WHERE unit = 'fraction')",
    )
    shown = [f for f in fractions if f'href="/figure/{f[0]}"' in html]
    assert shown, "the page shows no fraction: this test no longer shows anything"
    for figure_id, value, value_text in shown:
        cell = re.search(
            rf'href="/figure/{re.escape(figure_id)}">([^<]+)</a> <span[^>]*>\(([^)]+) as published\)', html
        )
        assert cell, figure_id
        assert cell.group(1) == explore.shown_value(value, "fraction") and cell.group(1).endswith("%")
        assert cell.group(2) == value_text


def test_chart_json_dates_periods_as_the_figures_do(site, real_db):
    """Chart JSON gave exclusive ends ("end": "2010-01-01" for H2 2009) where every other answer
    gives period_end inclusive (2009-12-31): a one-day error for anyone citing from it."""
    spec = site.get("/chart.json?platform=google&jurisdiction=IND&request_type=all&metric=requests_received").json()
    points = [p for s in spec["chart"]["series"] for p in s["points"]]
    assert points
    stored = dict(rows(real_db, "SELECT figure_id, period_start || ' ' || period_end FROM figures"))
    assert all(stored[p["figure_id"]] == f"{p['period_start']} {p['period_end']}" for p in points)
    home = site.get("/").text
    assert '"period_end": "2024-09-30"' in home and '"end"' not in home


def test_compare_refuses_an_unknown_country_with_a_400(site):
    assert site.get("/compare?jurisdiction=ZZZ").status_code == 400
    assert site.get("/compare").status_code == 200


def test_telegram_map_data_and_its_csv_twin(site, real_db):
    html = site.get("/telegram-map?period=2024-01-01_2024-09-30").text
    data = json.loads(re.search(r'id="map-data">(.*?)</script>', html, re.S).group(1))
    expected = rows(
        real_db,
        """SELECT f.jurisdiction_id, f.value FROM figures f WHERE platform_id = 'telegram' AND metric_id = 'requests_fulfilled'
           AND period_start = '2024-01-01' AND period_end = '2024-09-30' AND value_kind = 'exact'""",
    )
    on_map = {v["jurisdiction_id"]: v["value"] for v in data["values"].values()}
    assert on_map == dict(expected)
    twin = csv_rows(site, re.search(r'class="chart-csv" href="([^"]+)"', html).group(1))
    assert {r["jurisdiction_id"]: float(r["value"]) for r in twin} == {k: float(v) for k, v in expected}
    assert "countries without one" in html and ">Antarctica<" in html
    assert site.get("/telegram-map").status_code == 200
    assert site.get("/telegram-map?period=1999-01-01_1999-12-31").status_code == 400
    assert site.get("/telegram-map?metric=requests_received").status_code == 400


@pytest.mark.parametrize(
    "path",
    ["/", "/disclosures", "/disclosures/figures", "/disclosures/top_jurisdictions", "/country/USA", "/compare", "/api"],
)
def test_every_page_has_the_navigation_and_the_search_box(site, path):
    html = site.get(path).text
    for link in ("/disclosures/figures", "/countries", "/platforms", "/compare", "/disclosures/coverage", "/api"):
        assert f'href="{link}"' in html, (path, link)
    assert 'action="/disclosures/search_everything"' in html and 'name="q"' in html


def test_search_box_submits_to_the_search_query(site):
    response = site.get("/disclosures/search_everything?q=fulfilled")
    assert response.status_code == 200 and "figure" in response.text


def test_query_forms_get_choices_labels_and_defaults(site):
    html = site.get("/disclosures/top_jurisdictions").text
    assert "/static/query-forms.js" in html
    data = json.loads(re.search(r"window.disclosuresForms = (.*?);</script>", html, re.S).group(1))
    assert data["defaults"] == {
        "platform": "telegram",
        "metric": "requests_fulfilled",
        "period_start": "2024-01-01",
        "period_end": "2024-12-31",
    }
    assert ["telegram", "Telegram"] in data["choices"]["platform"]
    assert ["2025-01-01/2025-03-31", "2025-01-01/2025-03-31"] in data["choices"]["period"]
    # Every canned query with parameters has defaults that return rows.
    for query, defaults in {
        "top_jurisdictions": data["defaults"],
        "compare_platforms": {"jurisdiction": "USA"},
        "jurisdiction_series": {"jurisdiction": "USA"},
        "telegram_before_after_arrest": {"metric": "requests_fulfilled"},
        "country_newest": {"jurisdiction": "USA"},
        "platform_coverage": {"platform": "telegram"},
    }.items():
        html = site.get(f"/disclosures/{query}").text
        configured = json.loads(re.search(r"window.disclosuresForms = (.*?);</script>", html, re.S).group(1))
        assert configured["defaults"] == defaults, query
        found = site.get(f"/disclosures/{query}.json", params={**defaults, "_shape": "array"}).json()
        assert len(found) > 0, query


def test_a_query_description_gives_as_its_example_what_its_form_opens_on(site):
    # platform_coverage said "For one platform (e.g. apple)" above a form that opens on telegram.
    defaults = site.datasette.plugin_config("platform-disclosures")["query_defaults"]
    checked = []
    for query, values in defaults.items():
        canned = site.loop.run_until_complete(site.datasette.get_canned_query("disclosures", query, None))
        example = re.search(r"e\.g\. (.*?)(?:\)|\.\s|$)", canned.get("description") or "")
        if example:
            assert all(str(value) in example.group(1) for value in values.values()), (query, example.group(1))
            checked.append(query)
    assert {"platform_coverage", "top_jurisdictions", "jurisdiction_series"} <= set(checked)


def test_query_results_link_ids_and_separate_thousands(site):
    html = site.get(
        "/disclosures/top_jurisdictions?platform=telegram&metric=requests_fulfilled&period_start=2024-01-01&period_end=2024-12-31"
    ).text
    assert '<a href="/figure/telegram-ind-2024-ip_or_phone-requests_fulfilled">' in html
    assert '<a href="/country/IND">IND</a>' in html
    assert '<span class="num">14,641</span>' in html
    series = site.get("/disclosures/jurisdiction_series?jurisdiction=USA").text
    assert '<a href="/platform/telegram">telegram</a>' in series and 'class="derived-badge"' in series


def test_an_id_a_query_writes_is_one_path_segment_of_its_link(site):
    # A query may put any text in an id column: '?', '#' or '/' in it made the link another path
    # or a query string ("/figure/a?b" opened the page of "a"); now it is percent-encoded.
    html = site.get(
        "/disclosures",
        params={"sql": "select 'a?b#c/d' as x_figure_id, 'x y' as platform_id, 'GB%' as jurisdiction_id"},
    ).text
    assert '<a href="/figure/a%3Fb%23c%2Fd">a?b#c/d</a>' in html
    assert '<a href="/platform/x%20y">x y</a>' in html and '<a href="/country/GB%25">GB%</a>' in html
    # A real id is left as it is.
    assert site.get("/figure/a%3Fb").status_code == 404


def test_figures_table_has_the_period_facet_and_a_derived_badge(site):
    html = site.get("/disclosures/figures?is_derived=1&_size=5").text
    assert len(DERIVED_BADGE.findall(html)) == 5
    facet = site.get("/disclosures/figures.json?platform_id=telegram&_size=0").json()["facet_results"]["period_label"]
    assert any(r["value"] == "20240101-20240930" for r in facet["results"])


# Every "derived" badge of the site, whoever renders it (plugins/_badges.py).
DERIVED_BADGE = re.compile(r'<(\w+) class="derived-badge"([^>]*)>derived</\1>')


@pytest.mark.parametrize(
    "path",
    [
        "/figure/telegram-usa-2024q4-ip_or_phone-requests_fulfilled-derived",  # its headline and its twins
        "/disclosures/figures?is_derived=1&_size=5",  # render_cell of the value
        "/disclosures/requests_and_accounts?platform_id=telegram&jurisdiction_id=ARE&period_label=2024q4",
        "/disclosures/telegram_before_after_arrest",  # a canned query's flag column
        "/compare?jurisdiction=USA",
        "/country/USA",
        "/chart?platform=telegram&jurisdiction=USA",  # the chart's note
    ],
)
def test_every_derived_badge_says_what_derived_means_and_links_to_where_it_is_explained(site, path):
    # The badge said "derived" and nothing more: no hover text, nothing for a screen reader.
    html = site.get(path).text
    badges = DERIVED_BADGE.findall(html)
    assert badges, path
    for tag, attributes in badges:
        assert tag == "a", attributes
        assert 'href="/api#derived"' in attributes
        title = re.search(r'title="([^"]+)"', attributes).group(1)
        assert title.startswith("Derived: computed by this dataset&#39;s build from figures the platform reported")
        assert "no source published this number" in title
    api = site.get("/api").text
    section = api.split('<h2 id="derived">Derived figures</h2>', 1)[1].split("<h2", 1)[0]
    for said in ("no source published it", "whole minus the part", "four quarters", "never a percentage, a band"):
        assert said in " ".join(section.split()), said


# Freshness and tiers (the build's platform_freshness table and sources.tier) -------------------


def test_platform_pages_and_the_comparison_say_when_a_platform_has_published_more(site, real_db):
    behind = rows(
        real_db,
        """SELECT f.platform_id, p.name, f.dataset_up_to, f.published_up_to FROM platform_freshness f
           JOIN platforms p USING (platform_id) WHERE f.published_up_to > f.dataset_up_to ORDER BY 1""",
    )
    assert behind, "the data has a platform whose newest published period is not in the dataset yet"
    for platform_id, name, dataset_up_to, published_up_to in behind:
        page = site.get(f"/platform/{platform_id}").text
        assert f'Dataset up to <strong><span class="date">{dataset_up_to}</span></strong>' in page
        assert (
            f'{unescape(name)} has published up to <strong><span class="date">{published_up_to}</span></strong>'
            in unescape(page)
        )
    platform_id, name, _, published_up_to = behind[0]
    ((country,),) = rows(
        real_db,
        "SELECT jurisdiction_id FROM figures WHERE platform_id = ? GROUP BY 1 ORDER BY count(*) DESC LIMIT 1",
        platform_id,
    )
    compared = unescape(site.get(f"/compare?jurisdiction={country}&platform={platform_id}").text)
    assert f'{name} has published up to <span class="date">{published_up_to}</span>' in compared


def test_the_source_tier_sits_beside_the_source(site, real_db):
    ((figure_id, rank),) = rows(
        real_db,
        """SELECT f.figure_id, t.rank FROM figures f JOIN sources s USING (source_id)
           JOIN source_tiers t ON t.tier_id = s.tier WHERE f.figure_id = 'telegram-usa-2024-ip_or_phone-requests_fulfilled'""",
    )
    table = site.get(f"/disclosures/figures?figure_id={figure_id}").text
    assert f'">tier {rank}</span>' in table


@pytest.fixture(scope="module")
def site_before_freshness(real_build, tmp_path_factory):
    """The site over a build without platform_freshness and tiers, as it was before the build wrote them."""
    folder = tmp_path_factory.mktemp("before")
    shutil.copytree(real_build, folder, dirs_exist_ok=True)
    with sqlite3.connect(folder / DATABASE_FILE) as conn:
        kept = [r[1] for r in conn.execute("PRAGMA table_info(sources)") if r[1] != "tier"]
        columns = ", ".join(f'"{c}"' for c in kept)
        conn.executescript(
            f"""PRAGMA foreign_keys = OFF; PRAGMA legacy_alter_table = ON;
                DROP VIEW IF EXISTS freshness; DROP TABLE platform_freshness;
                CREATE TABLE sources_before AS SELECT {columns} FROM sources;
                DROP TABLE sources; ALTER TABLE sources_before RENAME TO sources;"""
        )
    (folder / "inspect-data.json").unlink()
    return Site(unhurried(folder))


def test_pages_work_before_the_build_writes_freshness_and_tiers(site_before_freshness):
    for path in ("/platform/microsoft", "/platforms", "/compare?jurisdiction=USA", "/country/USA"):
        response = site_before_freshness.get(path)
        assert response.status_code == 200, path
        assert "has published up to" not in response.text
    table = site_before_freshness.get("/disclosures/figures?_size=5")
    assert table.status_code == 200 and "tier-badge" not in table.text


def test_every_vendored_file_is_the_pinned_npm_file():
    import hashlib

    from disclosures.paths import STATIC

    manifest = json.loads((STATIC / "vendor" / "manifest.json").read_text(encoding="utf-8"))
    assert {"countries-50m.json", "topojson-client.min.js", "d3-geo.min.js", "d3-array.min.js"} <= set(manifest)
    for name, entry in manifest.items():
        assert entry["registry"] == "npm" and entry["version"], name
        assert hashlib.sha256((STATIC / "vendor" / name).read_bytes()).hexdigest() == entry["sha256"], name


def test_chart_titles_keep_acronyms_and_count_one_country_as_one():
    in_sentence = plugin("explore").in_sentence
    assert in_sentence("EU DSA orders to provide information (member states)").startswith("EU DSA orders")
    assert in_sentence("IP address and/or phone number") == "IP address and/or phone number"
    assert in_sentence("Requests fulfilled (some data produced)") == "requests fulfilled (some data produced)"


def test_a_platform_with_one_country_says_top_country_and_names_it(site):
    html = site.get("/platform/dropbox").text
    assert "top 1 countries" not in html
    # Its one line is named for its metric in the legend and the table: the title names the country.
    assert "Dropbox, top country (United States):" in html


@pytest.mark.parametrize(
    "path, says",
    [
        ("/country/USA.csv", "/country/USA has no .csv: its data is /country/USA.json"),
        ("/platform/telegram.csv", "/platform/telegram has no .csv: its data is /platform/telegram.json"),
        ("/chart.csv?platform=google", "/chart has no .csv: its data is /chart.json"),
        ("/changes.json", "/changes is a page only, with no .json"),
        ("/api.json", "/api is a page only, with no .json"),
        ("/feed.json", "/feed has no .json: the releases' feed is /feed.atom"),
        ("/feed.rss", "/feed has no .rss: the releases' feed is /feed.atom"),
    ],
)
def test_a_page_asked_in_a_format_it_lacks_says_what_it_has(site, path, says):
    # Datasette read /country/USA.csv as a database named "country": "Database not found".
    response = site.get(path)
    assert response.status_code == 404
    assert says in response.json()["error"]


def test_the_feed_without_its_extension_names_it_and_the_feed_is_still_served(site):
    response = site.get("/feed")
    # An address a browser types: an HTML 404, as the site's others.
    assert response.status_code == 404 and response.headers["content-type"].startswith("text/html")
    assert "/feed is not a page: the releases&#39; feed is /feed.atom" in response.text
    assert site.get("/feed.atom").status_code == 200


def test_the_pages_json_is_still_served(site):
    for path in ("/country/USA.json", "/platform/telegram.json", "/countries.json"):
        assert site.get(path).status_code == 200, path


def test_the_platforms_page_lists_names_in_alphabetical_order_whatever_their_case(site):
    # mailbox.org sorted after every capitalised name.
    names = re.findall(r'<a href="/platform/[^"]+">([^<]+)</a>', site.get("/platforms").text)
    assert "mailbox.org" in names
    assert names == sorted(names, key=str.casefold)


def test_a_chart_says_how_many_figures_of_its_selection_it_does_not_draw(site):
    # Lines hold one non-overlapping series of exact values: ranges (Mozilla's "0-249"), withheld
    # figures and overlapping periods are left out, and the caption counts them and links to all.
    html = site.get("/country/USA").text
    charts = charts_of(html)
    assert any(c["not_drawn"] for c in charts)
    for c in charts:
        url = unescape(c["all_figures_url"]).replace("/disclosures/figures?", "/disclosures/figures.json?", 1)
        total = site.get(url + "&_size=0").json()["filtered_table_rows_count"]
        assert total == c["points"] + c["not_drawn"], c["title"]
    assert (
        "more figures of this selection are not drawn" in html or "more figure of this selection is not drawn" in html
    )


@pytest.mark.parametrize(
    "page",
    [
        "/country/USA",
        "/platform/telegram",
        # Zoom's first period is no whole months: "2020-05-01 to 2020-12-12", each date a span.date.
        "/platform/zoom",
        "/chart?platform=telegram&jurisdiction=USA&request_type=ip_or_phone&metric=requests_fulfilled",
    ],
)
def test_every_chart_has_its_figures_as_a_table(site, page):
    html = site.get(page).text
    charts = charts_of(html)
    tables = re.findall(r'<details class="chart-figures">(.*?)</details>', html, re.S)
    assert charts and len(tables) == len(charts), page
    for chart, table in zip(charts, tables, strict=True):
        shown = [
            (
                unescape(line),
                re.sub(r'<span class="date">(.*?)</span>', r"\1", period),
                unescape(figure_id),
                value.replace(",", ""),
                derived == "derived",
            )
            for line, period, figure_id, value, derived in re.findall(
                r"<tr><td>(.*?)</td><td>(.*?)</td>\s*<td class=\"num charted\"><a href=\"/figure/(.*?)\">(.*?)</a></td>\s*"
                r"<td>(.*?)</td></tr>",
                table,
            )
        ]
        drawn = [
            (s["label"], p["period"], p["figure_id"], p["value"], p["derived"])
            for s in chart["series"]
            for p in s["points"]
        ]
        assert len(shown) == len(drawn) == chart["points"], chart["title"]
        for (line, period, figure_id, value, derived), expected in zip(shown, drawn, strict=True):
            assert (line, period, figure_id, derived) == (expected[0], expected[1], expected[2], expected[4])
            assert float(value) == float(expected[3])


@pytest.mark.parametrize(
    ("request_type", "value", "parts", "flagged"),
    [
        # TikTok's per-market total: legal + emergency + preservation, exactly.
        ("all", 5794, {"legal_process": 2469, "emergency": 859, "preservation": 2466}, True),
        # A total that leaves preservation out (Google's) is not flagged; nor is one without it.
        ("all", 3328, {"legal_process": 2469, "emergency": 859, "preservation": 2466}, False),
        ("all", 3328, {"legal_process": 2469, "emergency": 859}, False),
        ("all", 3328, {"legal_process": 2469, "emergency": 859, "preservation": 0}, False),
        ("legal_process", 2466, {"preservation": 2466}, False),
        # Preservation alone equal to the total shows nothing (1 = 1, as Discord's Chile figures were
        # while its non-US requests were filed as all).
        ("all", 1, {"preservation": 1}, False),
    ],
)
def test_a_total_that_counts_preservation_requests_is_flagged(request_type, value, parts, flagged):
    cell = {"request_type_id": request_type, "value": value}
    flag = explore.preservation_flag(cell, parts)
    assert (flag is not None) is flagged
    if flagged:
        assert flag["text"] == "counts preservation requests"
        assert flag["detail"].startswith("5,794 = legal process 2,469 + emergency 859 + preservation 2,466")


def test_compare_flags_tiktoks_total_as_counting_preservation_and_not_googles(site):
    body = site.get("/compare.json?jurisdiction=USA&platform=tiktok&platform=google").json()
    totals = {
        cell["platform_id"]: cell
        for group in body["groups"]
        for cell in group["cells"]
        if cell["request_type_id"] == "all" and cell["metric_id"] == "requests_received"
    }
    assert {"scope"} & {f["kind"] for f in totals["tiktok"]["flags"]}
    assert not {"scope"} & {f["kind"] for f in totals["google"]["flags"]}
    page = site.get("/compare?jurisdiction=USA&platform=tiktok&platform=google").text
    assert "counts preservation requests" in page
    # A flag's detail is on the page, not only in a tooltip.
    detail = re.search(
        r'<span class="flag-detail">([^<]+)</span>', page.partition("counts preservation requests</span>")[2]
    )
    assert detail and " + preservation " in detail.group(1)


def test_a_coverage_cell_names_its_place_period_and_status_to_a_screen_reader(site):
    # Reported and derived cells differed by colour alone, and 303 links read just "2".
    html = site.get("/platform/telegram").text
    labels = re.findall(r'<td class="cov (reported|derived)"><a [^>]*aria-label="([^"]+)"', html)
    assert {status for status, _ in labels} == {"reported", "derived"}
    assert all(label.endswith((f"{status} figure", f"{status} figures")) for status, label in labels)


def test_each_chart_has_a_heading_and_links_that_name_it(site):
    # 27 charts on /country/USA were a <strong> each, and their four links read the same for all.
    html = site.get("/country/USA").text
    titles = re.findall(r'<figcaption><h3 class="chart-title">([^<]+)</h3></figcaption>', html)
    assert len(titles) > 5 and len(set(titles)) == len(titles)
    for title in titles[:3]:
        named = f'<span class="visually-hidden">: {title}</span>'.replace("'", "&#39;")
        assert html.count(named) >= 4, title
    chart = site.get(
        "/chart?platform=telegram&jurisdiction=IND&request_type=ip_or_phone&metric=requests_fulfilled"
    ).text
    (title,) = re.findall(r'<h2 class="chart-title">([^<]+)</h2>', chart)
    assert re.search(r"<title>([^<]+)</title>", chart).group(1).startswith(title + ": Chart a series")


@pytest.mark.parametrize(
    ("path", "button"),
    [
        ("/compare?jurisdiction=DEU&platform=google&platform=apple", "Compare"),
        ("/chart?platform=telegram&jurisdiction=USA", "Draw"),
        ("/telegram-map", "Show"),
    ],
)
def test_a_picker_waits_for_its_forms_button(site, path, button):
    """A select that submitted its form on change loaded the next country on each arrow key (the
    browser test drives the keys): each picking form is submitted by its own button only."""
    html = site.get(path).text
    (form,) = re.findall(r'<form class="pick".*?</form>', html, re.S)
    assert "onchange" not in form and "submit()" not in form
    assert f'<button type="submit">{button}</button>' in form


def test_comparing_a_country_without_figures_keeps_it_chosen_and_says_so(site, real_db):
    """/country/ABW links here: the heading said Aruba, the picker Afghanistan (Aruba was no
    option), and the page spoke of "0 figures below" and of "the chosen platforms", none chosen."""
    assert rows(real_db, "SELECT count(*) FROM figures WHERE jurisdiction_id = 'ABW'") == [(0,)]
    assert "/compare?jurisdiction=ABW" in site.get("/country/ABW").text
    response = site.get("/compare?jurisdiction=ABW")
    assert response.status_code == 200
    html = unescape(response.text)
    (picker,) = re.findall(r'<select name="jurisdiction">(.*?)</select>', html, re.S)
    (selected,) = re.findall(r'<option value="(\w+)" selected>([^<]*)</option>', picker)
    assert selected == ("ABW", "Aruba (no figures)")
    assert "No platform has published a figure for Aruba" in html
    assert '<a href="/country/ABW">' in html
    assert 'type="checkbox"' not in html
    for misleading in ("figures below", "carry a flag", "chosen platforms"):
        assert misleading not in html
    # A country with figures is listed as before, without the note.
    compared = unescape(site.get("/compare?jurisdiction=DEU").text)
    assert re.search(r'<option value="DEU" selected>Germany</option>', compared)
    assert "ABW" not in compared and "(no figures)" not in compared and "figures below" in compared


MIXED_UNITS = (
    "platform=google&jurisdiction=IND&request_type=all&metric=requests_received&metric=percent_requests_some_data"
)


def test_metrics_of_two_units_keep_the_chart_form_and_say_what_to_change(site):
    """The form lets a reader pick a count and a percentage together: the answer was a bare "Bad
    request" page without the form. The JSON keeps the API's error shape."""
    response = site.get("/chart?" + MIXED_UNITS)
    assert response.status_code == 400 and response.headers["content-type"].startswith("text/html")
    html = unescape(response.text)
    (form,) = re.findall(r'<form class="pick".*?</form>', html, re.S)
    assert '<button type="submit">Draw</button>' in form
    assert '<option value="google" selected>' in form
    for metric in ("requests_received", "percent_requests_some_data"):
        assert f'<option value="{metric}" selected>' in form
    (message,) = re.findall(r'<p class="refusal" role="alert">(.*?)</p>', html, re.S)
    assert "mix units" in message
    assert "Requests received (count)" in message and "% of requests where some data was produced (percent)" in message
    assert "of one unit" in message
    assert charts_of(html) == []
    error = assert_error_shape(site.get("/chart.json?" + MIXED_UNITS), 400)
    assert "mix units" in error and "Requests received (count)" in error


def form_choices(html: str) -> list[tuple[str, str]]:
    """What the chart page's form submits as it is shown: each select's selected options (a
    single select with none selected submits its first)."""
    (form,) = re.findall(r'<form class="pick".*?</form>', html, re.S)
    chosen = []
    for name, multiple, options in re.findall(r'<select name="(\w+)"( multiple)?[^>]*>(.*?)</select>', form, re.S):
        values = re.findall(r'<option value="([^"]*)"( selected)?>', options)
        picked = [v for v, on in values if on] or ([] if multiple else [v for v, _ in values[:1]])
        chosen += [(name, unescape(v)) for v in picked]
    return chosen


def test_a_new_platform_gets_its_own_metric_list(site):
    """The form keeps the request type and metric when the platform changes: Telegram's "IP or
    phone" requests sent to Apple answered with an empty Metric list and "No non-overlapping
    series", yet Draw then drew a chart the page had not offered."""
    path = "/chart?platform=apple&jurisdiction=USA&request_type=ip_or_phone&metric=requests_fulfilled"
    response = site.get(path)
    assert response.status_code == 200
    html = unescape(response.text)
    (chart,) = charts_of(html)
    choices = form_choices(html)
    assert ("platform", "apple") in choices
    request_types = [v for k, v in choices if k == "request_type"]
    metrics = [v for k, v in choices if k == "metric"]
    assert len(request_types) == 1 and request_types[0] != "ip_or_phone" and metrics
    assert {s["metric_id"] for s in chart["series"]} == set(metrics)
    (notice,) = re.findall(r'<p class="notice">(.*?)</p>', html, re.S)
    assert "Apple has no series of the request type “IP address and/or phone number” for USA" in " ".join(
        notice.split()
    )
    # Draw, pressed on the form as shown, draws the chart the page shows.
    again = site.get("/chart?" + "&".join(f"{k}={v}" for k, v in choices))
    assert again.status_code == 200 and charts_of(unescape(again.text))[0]["title"] == chart["title"]
    assert '<p class="notice">' not in again.text
    # A metric the request type lacks is dropped, and said so; a country with no series of the
    # platform is the page's 404 (its JSON's), the form kept and the country named.
    dropped = unescape(
        site.get("/chart?platform=telegram&jurisdiction=USA&request_type=ip_or_phone&metric=requests_received").text
    )
    assert charts_of(dropped) and "Requests received" in " ".join(
        re.findall(r'<p class="notice">(.*?)</p>', dropped, re.S)
    )
    empty = unescape(site.get("/chart?platform=telegram&jurisdiction=ATA").text)
    (said,) = re.findall(r'<p class="refusal" role="alert">(.*?)</p>', empty, re.S)
    assert said.startswith("jurisdiction=ATA: Telegram has no series for ATA;") and ("platform", "telegram") in (
        form_choices(empty)
    )


def test_a_charts_events_name_their_source(site, real_db):
    """Each event's "source" link named the event again (its hidden text was the event's title),
    and the chart's PNG wrote "(source: <event title>)": it names the source's publisher."""
    html = site.get("/chart?platform=telegram&jurisdiction=USA&request_type=ip_or_phone&metric=requests_fulfilled").text
    (chart,) = charts_of(html)
    listed = re.findall(r'<ol class="chart-events">(.*?)</ol>', html, re.S)[0]
    items = re.findall(
        r'<time datetime="([\d-]+)">.*?</time> (.*?) \(<a href="[^"]*"[^>]*>source<span class="visually-hidden">: (.*?)</span></a>\)</li>',
        listed,
    )
    publishers = dict(
        rows(
            real_db,
            "SELECT e.event_id, s.publisher FROM events e JOIN sources s USING (source_id) WHERE e.platform_id = 'telegram'",
        )
    )
    assert len(items) == len(chart["events"]) >= 2
    for (day, title, named), event in zip(items, chart["events"], strict=True):
        assert (day, unescape(title)) == (event["event_date"], event["title"])
        assert unescape(named) == event["source_publisher"] == publishers[event["event_id"]] != event["title"]


def test_a_country_pages_newest_figure_of_a_stopped_series_is_flagged(site):
    # Google's "All requests" for Germany ends in H1 2014: its newest figure, listed beside Google's
    # figures of 2025 as if it were as current.
    html = site.get("/country/DEU").text
    rows = re.findall(r"<tr><td class=\"num\">.*?</tr>", html, re.S)
    google_2014 = [r for r in rows if "google-deu-2014h1-all-" in r]
    google_2025 = [r for r in rows if "google-deu-2025h1-legal_process-" in r]
    assert google_2014 and google_2025
    assert all('an older series (the newest here end <span class="date">2025-06-30</span>)' in r for r in google_2014)
    assert all("Google's newest figures here end 2025-06-30" in r for r in google_2014)
    assert not any("flag-older" in r for r in google_2025)


def test_a_platform_page_lists_its_published_cases_with_their_sources(site, real_db):
    # Signal publishes no counts, only cases: its page said "No figures in the dataset" and
    # nothing of the three cases in the cases table, their sources or their quotes.
    cases = rows(
        real_db,
        "SELECT case_id, c.disclosed_date, s.url FROM cases c JOIN sources s USING (source_id) "
        "WHERE c.platform_id = 'signal' ORDER BY c.disclosed_date, case_id",
    )
    assert len(cases) >= 3
    html = site.get("/platform/signal").text
    for case_id, disclosed, url in cases:
        assert f'href="/disclosures/cases/{case_id}"' in html
        assert f'href="{url}"' in html and disclosed in html
    listed = site.get("/platform/signal.json").json()["cases"]
    assert [c["case_id"] for c in listed] == [c[0] for c in cases]
    assert "Published cases</h2>" not in site.get("/platform/telegram").text


def test_each_event_on_a_platform_page_links_to_its_source(site, real_db):
    # The events were dates and titles alone on the platform's page, where the home page gives
    # each its source: a reader could not check one.
    events = rows(
        real_db,
        "SELECT e.event_id, s.url FROM events e JOIN sources s USING (source_id) WHERE e.platform_id = 'telegram'",
    )
    assert len(events) > 5
    html = site.get("/platform/telegram").text
    listed = unescape(html[html.index('<h2 id="events">Events</h2>') :])
    for event_id, url in events:
        assert f'href="{url}"' in listed, event_id
        assert f'href="/disclosures/events/{event_id}"' in listed, event_id


def test_chart_citations_of_a_publisher_named_with_a_full_stop_have_one(site, real_db):
    # Snap Inc., X Corp. and Amazon EU S.a r.l. end their own names with a full stop; the chart's
    # citation (and so its PNG) read "figures from Snap Inc.. https://...".
    ((publisher,),) = rows(real_db, "SELECT DISTINCT publisher FROM sources WHERE publisher = 'Snap Inc.'")
    citations = [c["citation"] for c in charts_of(site.get("/platform/snap").text)]
    assert citations and all(f"figures from {publisher} https://" in c for c in citations), citations
    assert not [c for c in citations if ".." in c]


def test_a_platforms_top_countries_are_no_pick_among_equals(site, real_db):
    # "Amazon Store, top 5 countries" drew Bulgaria, Cyprus and Estonia at 0, picked by name from
    # eleven member states at 0: none of those drawn may tie with a country left out.
    for (platform_id,) in rows(real_db, "SELECT platform_id FROM platforms ORDER BY 1"):
        for chart in charts_of(site.get(f"/platform/{platform_id}").text):
            if ", top " not in chart["title"]:
                continue
            first = chart["series"][0]["points"][0]["figure_id"]
            (series,) = rows(real_db, "SELECT request_type_id, metric_id FROM figures WHERE figure_id = ?", first)
            drawn = {s["jurisdiction_id"] for s in chart["series"]}
            largest = dict(
                rows(
                    real_db,
                    "SELECT s.jurisdiction_id, max(s.value) FROM figures_series s JOIN jurisdictions j USING (jurisdiction_id)"
                    " WHERE s.platform_id = ? AND s.request_type_id = ? AND s.metric_id = ? AND j.kind = 'country'"
                    " GROUP BY 1",
                    platform_id,
                    *series,
                )
            )
            left_out = {largest[j] for j in largest.keys() - drawn}
            assert not {largest[j] for j in drawn} & left_out, (chart["title"], drawn)


def test_a_top_countries_chart_lists_its_lines_largest_first_in_its_legend_and_table(site, real_db):
    # Telegram's "top 5 countries" table (and legend) read Germany, France, United Kingdom, India,
    # United States: their codes' order, with India, the largest, fourth. Lines, legend (the JSON's
    # series order) and table follow the ranking the chart was drawn by, each country's largest
    # figure in one period, largest first, which the note under the chart says.
    unordered = 0
    for (platform_id,) in rows(real_db, "SELECT platform_id FROM platforms ORDER BY 1"):
        html = site.get(f"/platform/{platform_id}").text
        for index, chart in enumerate(charts_of(html)):
            if ", top " not in chart["title"] or len(chart["series"]) < 2:
                continue
            first = chart["series"][0]["points"][0]["figure_id"]
            (series,) = rows(real_db, "SELECT request_type_id, metric_id FROM figures WHERE figure_id = ?", first)
            ranked = [
                j
                for (j,) in rows(
                    real_db,
                    "SELECT jurisdiction_id FROM figures_series WHERE platform_id = ? AND request_type_id = ?"
                    " AND metric_id = ? GROUP BY jurisdiction_id ORDER BY max(value) DESC, jurisdiction_id",
                    platform_id,
                    *series,
                )
            ]
            drawn = [s["jurisdiction_id"] for s in chart["series"]]
            assert drawn == [j for j in ranked if j in drawn], (platform_id, drawn)
            unordered += drawn != sorted(drawn)
            figure = re.findall(r'<figure class="series-chart".*?</figure>', html, re.S)[index]
            table = re.search(r'<table class="chart-table">(.*?)</table>', figure, re.S).group(1)
            lines = list(dict.fromkeys(unescape(line) for line in re.findall(r"<tr><td>(.*?)</td>", table)))
            assert lines == [s["label"] for s in chart["series"]], (platform_id, lines)
            assert "Countries ranked by their largest figure in one period, largest first." in figure
    assert unordered, "every top chart's ranking is its codes' order: this test no longer shows anything"
    telegram = next(c for c in charts_of(site.get("/platform/telegram").text) if ", top " in c["title"])
    assert telegram["series"][0]["label"] == "India"


def test_a_chart_of_chosen_countries_lists_them_in_its_titles_order(site):
    # /chart named "Germany and the United States" in the order asked, and listed its lines by code.
    chart = site.get(
        "/chart.json?platform=telegram&request_type=ip_or_phone&metric=requests_fulfilled&jurisdiction=USA&jurisdiction=DEU"
    ).json()["chart"]
    assert chart["title"].startswith("Telegram, United States and Germany: ")
    assert [s["jurisdiction_id"] for s in chart["series"]] == ["USA", "DEU"]


def test_a_platforms_top_countries_are_drawn_from_a_series_that_runs_on(site, real_db):
    # Google's "top 5 countries" drew its "all requests", H2 2009 to H1 2014 for three of the five
    # (its series ends in 2017), beside a legal-process series that runs to 2025: the chart a reader
    # sees first for a platform showed a decade-old picture. Every platform's top chart draws a
    # request type whose country series reaches within HEADLINE_STALE_DAYS of the newest one.
    from datetime import date

    checked = 0
    for (platform_id,) in rows(real_db, "SELECT platform_id FROM platforms ORDER BY 1"):
        for chart in charts_of(site.get(f"/platform/{platform_id}").text):
            if ", top " not in chart["title"]:
                continue
            first = chart["series"][0]["points"][0]["figure_id"]
            ((request_type,),) = rows(real_db, "SELECT request_type_id FROM figures WHERE figure_id = ?", first)
            # Over its headline counts, or its other counts where it reports none (Zoom).
            ends = dict(
                rows(
                    real_db,
                    "SELECT s.request_type_id, max(s.period_end) FROM figures_series s JOIN jurisdictions j"
                    " USING (jurisdiction_id) JOIN metrics m USING (metric_id) WHERE s.platform_id = ?"
                    " AND j.kind = 'country' AND m.unit = 'count' AND (s.metric_id IN"
                    " ('requests_received', 'requests_fulfilled', 'accounts_specified', 'accounts_affected')"
                    " OR NOT EXISTS (SELECT 1 FROM figures_series t JOIN jurisdictions k USING (jurisdiction_id)"
                    " WHERE t.platform_id = s.platform_id AND k.kind = 'country' AND t.metric_id IN"
                    " ('requests_received', 'requests_fulfilled', 'accounts_specified', 'accounts_affected')))"
                    " GROUP BY 1",
                    platform_id,
                )
            )
            # Within its regime: EU DSA orders, or the global reports (Pinterest's end in 2020, its
            # DSA orders run to 2026, and its page charts both).
            regime = request_type in explore.DSA_REQUEST_TYPES
            newest = max(date.fromisoformat(e) for r, e in ends.items() if (r in explore.DSA_REQUEST_TYPES) == regime)
            behind = (newest - date.fromisoformat(ends[request_type])).days
            assert behind <= explore.HEADLINE_STALE_DAYS, (chart["title"], request_type, ends[request_type], newest)
            checked += 1
    assert checked > 10
    google = next(c for c in charts_of(site.get("/platform/google").text) if ", top " in c["title"])
    assert "legal process requests" in google["title"], google["title"]
    assert max(p["period_end"] for s in google["series"] for p in s["points"]) >= "2025-06-30"


def test_every_platform_with_a_series_over_several_periods_gets_a_chart(site, real_db):
    # /platform/zoom drew no chart: its six periods of U.S. requests are "requests processed",
    # none of the headline metrics. A platform with two periods or more of one series is charted.
    several = {
        platform_id
        for (platform_id,) in rows(
            real_db,
            "SELECT platform_id FROM figures_series GROUP BY platform_id, jurisdiction_id, request_type_id, metric_id"
            " HAVING count(DISTINCT period_start || period_end) >= 2",
        )
    }
    assert "zoom" in several
    uncharted = [p for p in sorted(several) if not charts_of(site.get(f"/platform/{p}").text)]
    assert not uncharted


def test_zooms_requests_processed_are_charted_in_its_words_units_apart(site, real_db):
    charts = site.get("/platform/zoom.json").json()["charts"]
    top = next(c for c in charts if ", top " in c["title"])
    assert top["title"] == "Zoom, top country (United States): requests processed, all requests"
    (usa,) = top["series"]
    assert usa["jurisdiction_id"] == "USA" and usa["metric_id"] == "requests_processed"
    expected = rows(
        real_db,
        "SELECT figure_id FROM figures_series WHERE platform_id = 'zoom' AND jurisdiction_id = 'USA'"
        " AND metric_id = 'requests_processed' ORDER BY period_start",
    )
    assert [p["figure_id"] for p in usa["points"]] == [f for (f,) in expected] and len(expected) >= 2
    for chart in charts:
        # Its word, not "counts" (read as requests received), and one unit to an axis.
        assert "requests processed" in chart["title"] and "counts" not in chart["title"], chart["title"]
        assert chart["unit"] == "count"
    # The country page's charts follow the same rule; its requests with a delayed-notice order, a
    # part of its requests processed, are drawn beside them on the same axis, named after them.
    usa_titles = [c["title"] for c in site.get("/country/USA.json").json()["charts"]]
    assert (
        "Zoom, United States: all requests, requests processed and requests with a delayed-notice order" in usa_titles
    )


def test_pinterests_page_charts_its_global_reports_beside_its_eu_dsa_orders(site, real_db):
    # Both its charts were of EU DSA orders (the EU's, then its top countries'), and none of the
    # global figures its main series holds, read from its Help Center reports and Adweek.
    charts = site.get("/platform/pinterest.json").json()["charts"]
    request_types = {dict(parse_qsl(c["all_figures_url"].split("?", 1)[1]))["request_type_id"] for c in charts}
    assert request_types == {"dsa_information_order", "all"}
    top = next(c for c in charts if ", top " in c["title"])
    assert top["title"] == "Pinterest, top country (United States): requests received, all requests"
    (usa,) = top["series"]
    expected = rows(
        real_db,
        "SELECT figure_id FROM figures_series WHERE platform_id = 'pinterest' AND jurisdiction_id = 'USA'"
        " AND request_type_id = 'all' AND metric_id = 'requests_received' ORDER BY period_start",
    )
    assert usa["jurisdiction_id"] == "USA" and len(expected) >= 2
    assert [p["figure_id"] for p in usa["points"]] == [f for (f,) in expected]


def test_a_series_of_one_period_is_a_table_of_its_figures_not_a_chart(site, real_db):
    # Zoom's International requests are one period (May to December 2020): its chart drew one flat
    # segment across its width, a "trend" of one figure. It is a table row with the figure's
    # value and a link to its page; the U.S. series of six periods stays a chart.
    ((figure_id, value, unit, start, end),) = rows(
        real_db,
        "SELECT figure_id, value, unit, period_start, period_end FROM figures_series"
        " WHERE platform_id = 'zoom' AND jurisdiction_id = 'INTL'",
    )
    page = site.get("/platform/zoom.json").json()
    assert figure_id not in {p["figure_id"] for c in page["charts"] for s in c["series"] for p in s["points"]}
    (group,) = [g for g in page["one_period_figures"] if any(f["figure_id"] == figure_id for f in g["figures"])]
    assert group["title"] == "Zoom, International (outside the United States): all requests, requests processed"
    (figure,) = group["figures"]
    assert (figure["value"], figure["period_start"], figure["period_end"]) == (value, start, end)
    html = site.get("/platform/zoom").text
    table = re.search(r'<table class="plain one-period-figures">(.*?)</table>', html, re.S).group(1)
    assert f'<a href="/figure/{figure_id}">{explore.shown_value(value, unit)}</a>' in table
    assert "International (outside the United States)" in table and "Requests processed, all requests" in table
    (top,) = charts_of(html)
    assert top["title"] == "Zoom, top country (United States): requests processed, all requests" and top["points"] >= 2


def test_every_platform_page_charts_only_series_of_two_periods_or_more(site):
    # A chart whose every line is one point shows no change: each such chart is a table of its
    # figures, and every other chart of the page is as it was (its lines, its index in the JSON).
    platforms = [p["platform_id"] for p in site.get("/disclosures/platforms.json?_shape=array&_size=max").json()]
    tabled = 0
    for platform_id in platforms:
        html = site.get(f"/platform/{platform_id}").text
        page = site.get(f"/platform/{platform_id}.json").json()
        charts = charts_of(html)
        assert charts == page["charts"], platform_id
        assert html.count('<figure class="series-chart"') == len(charts), platform_id
        for chart in charts:
            assert any(len(s["points"]) > 1 for s in chart["series"]), (platform_id, chart["title"])
        for group in page["one_period_figures"]:
            assert group["title"] not in [c["title"] for c in charts]
            for figure in group["figures"]:
                assert f'<a href="/figure/{figure["figure_id"]}">{figure["shown"]}</a>' in html, figure
                tabled += 1
    assert tabled > 1, "no platform has a series of one period: this test no longer shows anything"


def test_a_platform_page_leads_with_its_charts_and_tables_its_one_period_series_after(site):
    # Snapchat's EU DSA orders are one total (H2 2025): as a table ahead of the charts, the page
    # led with that one figure above its legal-process series that run from 2016.
    html = site.get("/platform/snap").text
    page = site.get("/platform/snap.json").json()
    assert page["charts"] and page["one_period_figures"]
    last_chart = html.rindex('<figure class="series-chart"')
    first_table = html.index('<table class="plain one-period-figures">')
    assert html.index('<h2 id="series">Series</h2>') < html.index('<figure class="series-chart"') < first_table
    assert last_chart < first_table < html.index('<h2 id="coverage">Coverage</h2>')


def test_a_country_pages_series_of_one_period_is_a_table_of_its_figures_not_a_chart(site, real_db):
    # Reddit's U.S. figures are all of 2015: /country/USA drew its court orders as a chart of one
    # flat line across the years the other platforms' charts span. A table row, led by the
    # platform (the page is the country's), with the value linked to the figure's page.
    found = rows(
        real_db,
        "SELECT figure_id, value, unit, period_start, period_end FROM figures_series"
        " WHERE platform_id = 'reddit' AND jurisdiction_id = 'USA' AND request_type_id = 'court_order'",
    )
    ((figure_id, value, unit, start, end),) = found
    page = site.get("/country/USA.json").json()
    assert figure_id not in {p["figure_id"] for c in page["charts"] for s in c["series"] for p in s["points"]}
    (group,) = [g for g in page["one_period_figures"] if any(f["figure_id"] == figure_id for f in g["figures"])]
    assert group["title"] == "Reddit, United States: court orders, counts"
    (figure,) = group["figures"]
    assert (figure["value"], figure["period_start"], figure["period_end"]) == (value, start, end)
    assert (figure["platform_id"], figure["platform_name"]) == ("reddit", "Reddit")
    html = site.get("/country/USA").text
    tables = re.findall(r'<table class="plain one-period-figures">(.*?)</table>', html, re.S)
    (table,) = [t for t in tables if f'href="/figure/{figure_id}"' in t]
    assert f'<a href="/figure/{figure_id}">{explore.shown_value(value, unit)}</a>' in table
    assert '<th scope="col">Platform</th>' in table and '<a href="/platform/reddit">Reddit</a>' in table
    assert "Requests received, court orders" in table
    # Tables after the charts, inside the page's Series section.
    assert html.index('<h2 id="series">Series</h2>') < html.rindex('<figure class="series-chart"') < html.index(table)
    assert html.index(table) < html.index('<h2 id="missing">What is missing</h2>')


def test_every_country_page_charts_only_series_of_two_periods_or_more(site):
    # The platform pages' rule on every country page: 564 charts of one flat line on 184 country
    # pages were each a "trend" of one figure.
    jurisdictions = site.get("/disclosures/jurisdictions.json?_shape=array&_size=max&_col=jurisdiction_id").json()
    tabled = only_tables = 0
    for jurisdiction_id in [j["jurisdiction_id"] for j in jurisdictions]:
        html = site.get(f"/country/{jurisdiction_id}").text
        page = site.get(f"/country/{jurisdiction_id}.json").json()
        charts = charts_of(html)
        assert charts == page["charts"], jurisdiction_id
        assert html.count('<figure class="series-chart"') == len(charts), jurisdiction_id
        for chart in charts:
            assert any(len(s["points"]) > 1 for s in chart["series"]), (jurisdiction_id, chart["title"])
        titles = [c["title"] for c in charts]
        tables = re.findall(r'<table class="plain one-period-figures">(.*?)</table>', html, re.S)
        assert len(tables) == len(page["one_period_figures"]), jurisdiction_id
        if tables and charts:
            assert html.rindex('<figure class="series-chart"') < html.index(tables[0]), jurisdiction_id
        for group, table in zip(page["one_period_figures"], tables, strict=True):
            assert group["title"] not in titles
            for figure in group["figures"]:
                assert figure["jurisdiction_id"] == jurisdiction_id
                assert f'<a href="/figure/{figure["figure_id"]}">{figure["shown"]}</a>' in table, figure
                tabled += 1
        if page["one_period_figures"] and not charts:
            # A page of tables only does not speak of its charts.
            assert "after the charts" not in html and "one chart per platform" not in html, jurisdiction_id
            only_tables += 1
    assert tabled > 1 and only_tables, "no country has a series of one period: this test no longer shows anything"


def test_a_pages_figures_url_is_every_figure_of_what_the_page_is_about(site, real_db):
    # /country/USA.json's figures_url is every figure of the United States; /platform/snap.json's
    # was the whole figures table, all platforms: a program that followed it counted 64,959 figures.
    for page, column, value in (("/platform/snap", "platform_id", "snap"), ("/country/USA", "jurisdiction_id", "USA")):
        url = site.get(page + ".json").json()["figures_url"]
        assert url == f"/disclosures/figures?{column}={value}", (page, url)
        answer = site.get(url.replace("/figures?", "/figures.json?", 1) + "&_size=0").json()
        (expected,) = rows(real_db, f"SELECT count(*) FROM figures WHERE {column} = ?", value)[0]
        assert answer["filtered_table_rows_count"] == expected, (page, url)
    # The page's own links, made from it, still name the platform once.
    html = unescape(site.get("/platform/snap").text)
    assert 'href="/disclosures/figures?platform_id=snap&metric_id=requests_received"' in html
    assert "platform_id=snap&platform_id" not in html and "?platform_id=snap?" not in html


def test_the_chart_page_chooses_for_a_reader_a_request_type_whose_series_runs_on(site):
    # Switching the chart's form from Telegram to Google kept "IP address and/or phone number",
    # which Google lacks, and the page fell back to Google's "all requests": H2 2010 to H1 2017,
    # where its other series run to H1 2025. So did Google with no request type given.
    # The page chooses (its JSON refuses a request type the selection lacks: a 404 that lists them).
    switched = unescape(
        site.get("/chart?platform=google&jurisdiction=USA&request_type=ip_or_phone&metric=requests_fulfilled").text
    )
    assert "this chart shows its “All requests”" not in switched
    assert ("request_type", "all") not in form_choices(switched)
    drawn = [p["period_end"] for s in charts_of(switched)[0]["series"] for p in s["points"]]
    assert max(drawn) >= "2025-06-30"
    for place in ("GBR", "IND"):
        unasked = site.get(f"/chart.json?platform=google&jurisdiction={place}").json()
        assert unasked["selected"]["request_type"] == "legal_process", (place, unasked["selected"])
    # A request type asked for is drawn as asked, however old its series.
    asked = site.get("/chart.json?platform=google&jurisdiction=IND&request_type=all&metric=requests_received").json()
    assert asked["selected"]["request_type"] == "all" and not asked["message"]


@pytest.mark.parametrize(
    ("path", "unread", "taken"),
    [
        (
            "/compare?country=DEU",
            "no parameter <code>country</code>, so <code>country=DEU</code> was not applied",
            "<code>jurisdiction</code> and <code>platform</code> alone",
        ),
        (
            "/chart?platfrom=google&x=1&x=2",
            "no parameters <code>platfrom</code>, <code>x</code>, so "
            "<code>platfrom=google</code>, <code>x=1</code>, <code>x=2</code> were not applied",
            "<code>platform</code>, <code>jurisdiction</code>, <code>request_type</code> and <code>metric</code> alone",
        ),
        (
            "/telegram-map?periode=2025q1",
            "no parameter <code>periode</code>, so <code>periode=2025q1</code> was not applied",
            "<code>metric</code> and <code>period</code> alone",
        ),
        # A page that reads none says so as well: /country/USA?foo=1 showed the page without a
        # word, where /country/USA.json?foo=1 answered 400.
        (
            "/country/USA?foo=1",
            "no parameter <code>foo</code>, so <code>foo=1</code> was not applied",
            "it takes none, and shows the same without it.",
        ),
        # A name left out (?=1) was shown as an empty <code></code>, where the JSON says "A
        # parameter has no name".
        (
            "/countries?=1",
            "no parameter with no name, so <code>=1</code> was not applied",
            "it takes none, and shows the same without it.",
        ),
        (
            "/platforms?utm_source=feed&x=2",
            "no parameters <code>utm_source</code>, <code>x</code>, so",
            "it takes none, and shows the same without them.",
        ),
        # An option of a table's rows, which the JSON refuses: the page showed its list unsorted
        # and the country unsearched, without a word.
        (
            "/platforms?_sort=name",
            "no parameter <code>_sort</code>, so <code>_sort=name</code> was not applied",
            "it takes none, and shows the same without it.",
        ),
        (
            "/country/USA?_search=warrant&_shape=array",
            "no parameters <code>_search</code>, <code>_shape</code>, so",
            "it takes none, and shows the same without them.",
        ),
        (
            "/chart?platform=google&_facet=year",
            "no parameter <code>_facet</code>, so <code>_facet=year</code> was not applied",
            "alone, which the form below sets.",
        ),
    ],
)
def test_a_page_says_which_parameters_of_its_address_it_did_not_apply(site, path, unread, taken):
    # /compare?country=DEU (its picker is labelled Country) showed the United States under
    # "Compare platforms: United States" without a word; its JSON refused the parameter.
    page = site.get(path)
    assert page.status_code == 200
    notice = " ".join(re.search(r'<p class="notice" id="not-applied">(.*?)</p>', page.text, re.S).group(1).split())
    assert unread in notice and taken in notice, notice
    assert "not-applied" not in site.get(path.split("?")[0]).text
    assert_error_shape(site.get(path.replace("?", ".json?", 1)), 400)


def test_only_what_a_page_does_not_read_is_said_not_applied(site):
    # A period on /compare has its own notice, once; an option of Datasette's ("_") is not listed.
    told = site.get("/compare?jurisdiction=DEU&period=2024").text
    assert 'id="period-not-applied"' in told and 'id="not-applied"' not in told
    assert "Compare platforms: Germany" in told
    assert 'id="not-applied"' not in site.get("/chart?platform=google&jurisdiction=IND&_x=1").text
    # Nor is one the JSON takes or answers without a word: blank, off, or Datasette's cache time.
    for options in ("_sort=", "_labels=off", "_ttl=5", "_x=1"):
        assert 'id="not-applied"' not in site.get(f"/platforms?{options}").text, options
        assert site.get(f"/platforms.json?{options}").status_code == 200, options


@pytest.mark.parametrize(
    ("asked", "start", "end"),
    [
        ("2024", "2024-01-01", "2024-12-31"),
        ("2024q4", "2024-10-01", "2024-12-31"),
        ("20240101-20240930", "2024-01-01", "2024-09-30"),
        ("2024-01-01_2024-09-30", "2024-01-01", "2024-09-30"),
    ],
)
def test_the_map_reads_a_period_as_the_figures_name_it(site, real_db, asked, start, end):
    # period=2024 was "No Telegram period '2024': pick one from the list", where the tables, a
    # figure's id and the figures' period_label all name the year 2024 so.
    data = site.get(f"/telegram-map.json?period={asked}").json()
    assert (data["period"]["period_start"], data["period"]["period_end"]) == (start, end)
    (count,) = rows(
        real_db,
        """SELECT count(*) FROM figures WHERE platform_id = 'telegram' AND metric_id = 'requests_fulfilled'
           AND value_kind = 'exact' AND period_start = ? AND period_end = ?""",
        start,
        end,
    )[0]
    assert len(data["values"]) == count > 0
    assert site.get(f"/telegram-map?period={asked}").status_code == 200


def test_the_map_names_its_periods_when_one_asked_is_not_among_them(site, real_db):
    message = assert_error_shape(site.get("/telegram-map.json?period=2019"), 400)
    labels = [
        label
        for (label,) in rows(
            real_db,
            """SELECT max(period_label) FROM figures WHERE platform_id = 'telegram'
               GROUP BY period_start, period_end ORDER BY period_start, period_end""",
        )
    ]
    assert message.startswith("No Telegram period '2019': the map's periods are 2024q1 (Q1 2024), ")
    assert all(f"{label} (" in message for label in labels)
    assert "name one as its period_label (2024, 2025q1) or as START_END" in message


@pytest.mark.parametrize(
    ("asked", "iso3"),
    [
        ("US", "USA"),
        ("us.json", "USA.json"),
        ("United%20States", "USA"),  # Datasette first redirects it to United~20States
        ("germany", "DEU"),
        ("South%20Korea", "KOR"),  # one of its other_names
        ("Worldwide", "WORLD"),
        ("GE?x=1", "GEO?x=1"),
    ],
)
def test_a_country_page_named_by_its_alpha2_code_or_its_name_leads_to_it(live_server, asked, iso3):
    # /country/US was a 404, and /country/United%20States a 404 that named no page at all (its
    # redirect to United~20States matched no route), where /platform/Google leads to google.
    with urllib.request.urlopen(f"{live_server}/country/{asked}", timeout=30) as answer:
        assert answer.status == 200
        assert answer.url == f"{live_server}/country/{iso3}"


@pytest.mark.parametrize(
    ("asked", "iso3"),
    [
        ("S%C3%A3o%20Tom%C3%A9%20and%20Pr%C3%ADncipe", "STP"),  # the data writes Sao Tome and Principe
        ("Cote%20d%27Ivoire", "CIV"),  # the data writes Côte d'Ivoire
        # As the README writes it, and a browser sends it: Datasette's redirect to Cote~20d'Ivoire
        # matched no route (a 404).
        ("Cote%20d'Ivoire", "CIV"),
        ("C%C3%B4te%20d'Ivoire", "CIV"),
        ("Korea,%20Republic%20of", "KOR"),
        ("C%C3%B4te%20d%E2%80%99Ivoire", "CIV"),  # a typographic apostrophe
        ("turkiye", "TUR"),
        ("Cura%C3%A7ao", "CUW"),
    ],
)
def test_a_country_named_with_or_without_its_accents_leads_to_its_page(site, asked, iso3):
    path = f"/country/{asked}"
    for _ in range(3):  # Datasette's redirect to the tilde-encoded path, then the page's own
        response = site.get(path)
        if response.status_code != 302:
            break
        path = response.headers["location"]
    assert path == f"/country/{iso3}" and response.status_code == 200
    assert site.get(f"/country/{iso3}").status_code == 200


@pytest.mark.parametrize(
    ("asked", "found"),
    [
        ("/country/U.S.", "/country/USA"),
        ("/country/U.K.?x=1", "/country/GBR?x=1"),
        ("/country/U.A.E.", "/country/ARE"),
        ("/country/e.u.", "/country/EU"),
        ("/country/Virgin%20Islands,%20U.S.", "/country/VIR"),
        ("/country/U.S..json", "/country/USA.json"),
    ],
)
def test_a_country_named_by_another_name_with_dots_leads_to_its_page(site, asked, found):
    # Each was Datasette's bare "Not found": the route took no dot, though U.S., U.K., U.A.E. and
    # E.U. are other names the data gives, which the search finds and the README says lead there.
    path = asked
    for _ in range(3):  # Datasette's redirect to the tilde-encoded path, then the page's own
        response = site.get(path)
        if response.status_code != 302:
            break
        path = response.headers["location"]
    assert path == found and response.status_code == 200


def test_a_country_name_with_dots_that_names_none_is_the_country_pages_404(site):
    page = site.get("/country/U.S.A")  # not a format "A" of a jurisdiction "U.S"
    assert page.status_code == 404 and "No jurisdiction &#39;U.S.A&#39;: a country page is named" in page.text
    message = assert_error_shape(site.get("/country/U.S.json"), 404)
    assert message.startswith("No jurisdiction 'U.S': a country page is named")
    # A .json after a name is not a format of another page ("/country/USA has no .json", or for
    # /platform/google.json.json "/platform/google has no .json: its data is /platform/google.json").
    message = assert_error_shape(site.get("/country/USA.json.json"), 404)
    assert message.startswith("No jurisdiction 'USA.json': a country page is named")
    message = assert_error_shape(site.get("/platform/google.json.json"), 404)
    assert message == "No platform 'google.json': every platform is listed at /platforms"


@pytest.mark.parametrize(
    ("asked", "near"),
    [
        ("BRG", ["ARG", "BGR", "BRA", "BRB", "BRN"]),  # one letter replaced, or B-R-G's R and G swapped
        ("brg", ["ARG", "BGR", "BRA", "BRB", "BRN"]),  # read in upper case, as the pages read a code
        ("USA", []),  # a code there is
        ("RGX", []),  # a shift, which difflib scores as it scores BRA against BRG
        ("BR", []),  # another length: no three-letter code is one letter off
        ("UAS", ["USA"]),
    ],
)
def test_the_codes_one_letter_off(asked, near):
    near_codes = plugin("_near_codes")
    codes = ["ARG", "BGR", "BRA", "BRB", "BRN", "USA", "DEU", "GBR"]
    assert [code for code in codes if near_codes.is_one_letter_off(asked.upper(), code)] == near


def test_the_hint_names_each_code_one_letter_off_with_its_name():
    near_codes = plugin("_near_codes")
    names = {"BGR": "Bulgaria", "BRA": "Brazil", "BRN": "Brunei Darussalam", "DEU": "Germany"}
    assert near_codes.did_you_mean("BRG", names) == (
        "did you mean BGR for Bulgaria, BRA for Brazil or BRN for Brunei Darussalam?"
    )
    assert near_codes.did_you_mean("DEY", names) == "did you mean DEU for Germany?"
    assert near_codes.did_you_mean("XYZ", names) == ""


BRG_HINT = (
    "did you mean ARG for Argentina, BGR for Bulgaria, BRA for Brazil, BRB for Barbados or BRN for Brunei Darussalam?"
)


@pytest.mark.parametrize(
    ("path", "status", "said"),
    [
        ("/country/BRG.json", 404, f"No jurisdiction 'BRG' ({BRG_HINT}): a country page is named by"),
        ("/country/brg.json", 404, f"No jurisdiction 'brg' ({BRG_HINT}): a country page is named by"),
        ("/country/BRG.csv", 404, f"No jurisdiction 'BRG' ({BRG_HINT}): a country page is named by"),
        (
            "/compare.json?jurisdiction=BRG",
            400,
            f"jurisdiction=BRG: no such jurisdiction ({BRG_HINT}); jurisdiction is",
        ),
        (
            "/chart.json?platform=google&jurisdiction=BRG&request_type=all&metric=requests_received",
            400,
            f"jurisdiction=BRG: no such jurisdiction ({BRG_HINT}); jurisdiction is one of: ABW",
        ),
        (
            "/chart.json?platform=google&jurisdiction=BRG&jurisdiction=xkz&request_type=all&metric=requests_received",
            400,
            f"jurisdiction=BRG,xkz: no such jurisdiction (for BRG, {BRG_HINT}; for xkz, did you mean XKX for Kosovo?);",
        ),
        (
            "/disclosures/compare_platforms.json?jurisdiction=BRG",
            400,
            f"jurisdiction=BRG: no such jurisdiction ({BRG_HINT}); the jurisdiction_id values are listed at",
        ),
    ],
)
def test_a_jurisdiction_one_letter_off_a_code_is_told_the_codes_it_may_mean(site, path, status, said):
    # /country/BRG was a 404 that said only where every code is listed; Bulgaria is BGR.
    assert assert_error_shape(site.get(path), status).startswith(said)
    page = site.get(path.replace(".json", "", 1).replace(".csv", "", 1))
    assert page.status_code == status and BRG_HINT in unescape(page.text)


def test_a_did_you_mean_answers_for_the_first_three_codes_and_counts_the_rest(site):
    # Each code sent had its hint: 199 codes (the query string's limit) made a 400 of 15 KB.
    sent = ["BRG", "FRG", "DEY", "USB", "QQQ", "GBX"]
    path = "/chart.json?" + "&".join(f"jurisdiction={code}" for code in sent)
    message = assert_error_shape(site.get(path), 400)
    assert f"(for BRG, {BRG_HINT}; for FRG, did you mean" in message
    assert (
        "; for DEY, did you mean DEU for Germany or JEY for Jersey?; 2 more of the codes sent are each one letter off a code too);"
        in (message)
    )
    assert "for USB" not in message and "for GBX" not in message
    many = "&".join(f"jurisdiction=B{a}{b}" for a in "AEIOU" for b in "ABCDEGLMNRS")
    assert len(assert_error_shape(site.get(f"/chart.json?{many}"), 400)) < 3000


def test_a_jurisdiction_no_code_is_near_gets_no_hint(site):
    assert "did you mean" not in assert_error_shape(site.get("/country/QQQ.json"), 404)
    assert "did you mean" not in assert_error_shape(site.get("/compare.json?jurisdiction=QQQ"), 400)
    assert "did you mean" not in assert_error_shape(site.get("/country/Brazill.json"), 404)


@pytest.mark.parametrize(
    ("asked", "found"),
    [
        ("/country/South%20Korea.json", "/country/KOR.json"),
        ("/country/Cote%20d'Ivoire.json?_ttl=5", "/country/CIV.json?_ttl=5"),
        ("/country/C%C3%B4te%20d%27Ivoire.json", "/country/CIV.json"),
        ("/platform/Daum%20(Kakao).json", "/platform/daum.json"),
        ("/platform/Google%20Cloud%20Platform%20(Enterprise%20Cloud).json", "/platform/google_cloud.json"),
        # Spaces around a name pasted into the address: the country's led to its page, the
        # platform's was a 404 "No platform ' telegram'" (a newcomer's finding).
        ("/country/%20USA.json", "/country/USA.json"),
        ("/platform/%20telegram.json", "/platform/telegram.json"),
        ("/platform/Google%20.json", "/platform/google.json"),
    ],
)
def test_a_country_or_platform_named_in_its_json_address_leads_to_its_json(site, asked, found):
    # A %-escaped .json was a 404 "Not found: /country/South%20Korea.json", where the page
    # (/country/South%20Korea) led to KOR: Datasette's redirect folded the extension into the name.
    response = site.get(asked)
    assert response.status_code == 302 and response.headers["location"] == found
    assert site.get(found).status_code == 200


def test_a_country_page_no_jurisdiction_names_says_how_pages_are_named(site):
    page = site.get("/country/Narnia")
    assert page.status_code == 404
    assert "No jurisdiction &#39;Narnia&#39;: a country page is named by its ISO 3166-1 alpha-3 code" in page.text
    spaced = site.get("/country/Middle~20Earth")
    assert spaced.status_code == 404 and "No jurisdiction &#39;Middle Earth&#39;" in spaced.text


@pytest.mark.parametrize(
    ("path", "said"),
    [
        # Datasette's tilde_decode read a ~ that begins no escape as '%', and bytes that are no
        # UTF-8 as a replacement character: the 404 quoted those, not what the client asked for.
        ("/country/~.json", "No jurisdiction '~': "),
        ("/country/~~.json", "No jurisdiction '~~': "),
        ("/country/a~2.json", "No jurisdiction 'a~2': "),
        ("/country/M%FCnster.json", "No jurisdiction 'M%FCnster': "),  # Latin-1, as a client escapes it
        ("/country/~.csv", "No jurisdiction '~': "),
        ("/platform/~.json", "No platform '~': "),
        ("/platform/x~Z9.json", "No platform 'x~Z9': "),
        # An escape is decoded once, as the client's %-escape it stands for.
        ("/country/Middle~20Earth.json", "No jurisdiction 'Middle Earth': "),
        ("/country/M~C3~BCnster.json", "No jurisdiction 'Münster': "),
        ("/country/%25.json", "No jurisdiction '%': "),
        ("/platform/%7E.json", "No platform '~': "),
    ],
)
def test_a_country_or_platform_404_quotes_the_name_as_the_client_sent_it(site, path, said):
    assert assert_error_shape(site.get(path), 404).startswith(said)
    if path.endswith(".json"):
        page = site.get(path.removesuffix(".json"))
        for _ in range(2):  # Datasette's redirect of a %-escape to its ~ form
            if page.status_code == 302:
                page = site.get(page.headers["location"])
        assert page.status_code == 404 and said in unescape(page.text)


@pytest.mark.parametrize(
    ("asked", "said"),
    [
        ("us", "a jurisdiction is its ISO 3166-1 alpha-3 code (USA, DEU): for us, jurisdiction=USA"),
        ("germany", "a jurisdiction is its ISO 3166-1 alpha-3 code (USA, DEU): for germany, jurisdiction=DEU"),
        ("XYZ", "jurisdiction is one of: ABW, AFG, "),
        ("xyz", "jurisdiction is one of: ABW, AFG, "),
    ],
)
def test_compare_says_how_a_jurisdiction_is_named_and_which_one_a_code_or_name_means(site, asked, said):
    # It was "No jurisdiction 'US': pick one from the list", which the JSON holds no list for.
    # The value is quoted as the client wrote it: "jurisdiction=GERMANY ...: for GERMANY" named
    # one it never sent.
    message = assert_error_shape(site.get(f"/compare.json?jurisdiction={asked}"), 400)
    assert message.startswith(f"jurisdiction={asked}: no such jurisdiction; ") and said in message


def test_a_chart_is_titled_by_the_jurisdictions_it_draws_and_says_which_it_left_out(site, real_db):
    """Google's legal process requests for the United States and Iceland: the United States has
    no such series, so only Iceland's line was drawn, under the title "United States and Iceland"."""
    selection = "platform=google&request_type=legal_process&metric=requests_received"
    assert rows(
        real_db,
        """SELECT DISTINCT jurisdiction_id FROM figures_series WHERE platform_id = 'google'
        AND request_type_id = 'legal_process' AND metric_id = 'requests_received' AND jurisdiction_id IN ('USA', 'ISL')""",
    ) == [("ISL",)]
    # The JSON is not a chart of Iceland alone under 200: a 404 that leads to it.
    message = assert_error_shape(site.get(f"/chart.json?{selection}&jurisdiction=USA&jurisdiction=ISL"), 404)
    others = "/chart.json?platform=google&jurisdiction=ISL&request_type=legal_process&metric=requests_received"
    assert message.startswith("jurisdiction=USA: Google has no series of 'Requests received' of 'Legal process")
    assert message.endswith(f"; the chart of the others is {others}")
    spec = site.get(others).json()
    assert spec["chart"]["title"] == "Google, Iceland: legal process requests, requests received"
    assert {s["jurisdiction_id"] for s in spec["chart"]["series"]} == {"ISL"}
    page = site.get(f"/chart?{selection}&jurisdiction=USA&jurisdiction=ISL").text
    assert "Google, Iceland: legal process requests, requests received" in unescape(page)
    assert "Google has no series of this selection for USA: left out." in page
    both = site.get("/chart.json?platform=telegram&jurisdiction=USA&jurisdiction=IND&request_type=ip_or_phone").json()
    assert both["chart"]["title"].startswith("Telegram, United States and India: ") and both["message"] is None


@pytest.mark.parametrize(
    "page",
    [
        "/chart?platform=telegram&jurisdiction=USA&jurisdiction=IND&request_type=ip_or_phone&metric=requests_fulfilled",
        "/chart?platform=tiktok&jurisdiction=IDN&request_type=legal_process&metric=fraction_requests_some_data",
        "/platform/telegram",
        "/country/IND",
    ],
)
def test_each_charts_json_says_whether_its_value_axis_is_logarithmic_as_its_page_does(site, page):
    # /chart.json did not say it, while the page drew counts spanning 100x or more on a log axis
    # and said so under the chart: a program drawing the same chart could not know.
    path, _, query = page.partition("?")
    data = site.get(f"{path}.json?{query}").json()
    specs = data["charts"] if "charts" in data else [data["chart"]]
    html_page = site.get(page).text
    assert charts_of(html_page) == specs
    # Each chart's box on the page, by its index in the page's charts JSON.
    boxes = {
        int(index): box
        for index, box in re.findall(
            r'<figure class="series-chart"[^>]* data-index="(\d+)"(.*?)</figure>', html_page, re.S
        )
    }
    assert len(boxes) == len(specs)
    axes = set()
    for index, spec in enumerate(specs):
        values = [p["value"] for s in spec["series"] for p in s["points"] if isinstance(p["value"], (int, float))]
        spans = spec["unit"] == "count" and min(values) >= 1 and max(values) >= 100 * min(values)
        assert spec["value_axis"] == ("log" if spans else "linear"), (spec["title"], min(values), max(values))
        assert ("The scale is logarithmic" in boxes[index]) == spans, spec["title"]
        axes.add(spec["value_axis"])
    if path == "/country/IND":
        assert axes == {"log", "linear"}


def test_the_maps_json_calls_unsourced_what_its_page_calls_missing(site, real_db):
    # /telegram-map.json?period=20250401-20250930 listed 248 countries under "missing", while its
    # page said that none of them is missing a figure: the bot used that period for one country.
    irregular = site.get("/telegram-map.json?period=20250401-20250930").json()
    assert irregular["regular_period"] is False and irregular["unsourced"] == irregular["missing"] == []
    (countries,) = rows(real_db, "SELECT count(*) FROM jurisdictions WHERE kind = 'country'")[0]
    assert len(irregular["without_figure"]) == countries - len(irregular["values"]) > 200
    assert "empty when the bot used this period for a few countries only" in irregular["unsourced_means"]
    page = unescape(site.get("/telegram-map?period=20250401-20250930").text)
    assert f"{len(irregular['without_figure'])} countries without one" in page
    assert "none of them is missing a figure for this one" in page
    # In a period the bot used for every country, each country without a figure is missing, as the page says.
    regular = site.get("/telegram-map.json?period=2024").json()
    assert regular["regular_period"] is True and regular["unsourced"] == regular["without_figure"] != []
    assert "No public source gives Telegram's figure for these countries" in site.get("/telegram-map?period=2024").text


@pytest.mark.parametrize(
    ("path", "told"),
    [
        ("/figure/{figure_id}?foo=1", "it takes none, and shows the same without it."),
        ("/changes?foo=1", "what it shows is for <code>version</code> alone."),
    ],
)
def test_the_figure_and_changes_pages_say_which_parameters_they_did_not_apply(site, real_db, path, told):
    # /figure/<id>?foo=1 and /changes?foo=1 answered as if foo were not given, without a word, while
    # the figure's row (its page and its JSON) answers 400 and /compare?country=DEU says so.
    (figure_id,) = rows(real_db, "SELECT figure_id FROM figures ORDER BY figure_id LIMIT 1")[0]
    page = site.get(path.format(figure_id=figure_id))
    assert page.status_code == 200
    notice = " ".join(re.search(r'<p class="notice" id="not-applied">(.*?)</p>', page.text, re.S).group(1).split())
    assert "no parameter <code>foo</code>, so <code>foo=1</code> was not applied" in notice and told in notice, notice
    assert "not-applied" not in site.get(path.format(figure_id=figure_id).split("?")[0]).text
    assert "not-applied" not in site.get(path.format(figure_id=figure_id).split("?")[0] + "?_ttl=5").text
    if path.startswith("/figure/"):
        assert_error_shape(site.get(f"/disclosures/figures/{figure_id}.json?foo=1"), 400)


def test_the_charts_json_refuses_a_series_it_would_draw_in_place_of_the_one_asked(site):
    # /chart.json?platform=google&jurisdiction=IND&request_type=ip_or_phone answered 200 with
    # Google's legal process requests, said only in "message": a program took them for what it asked.
    asked = "/chart.json?platform=google&jurisdiction=IND&request_type=ip_or_phone"
    message = assert_error_shape(site.get(asked), 404)
    assert message.startswith(
        "request_type=ip_or_phone: Google has no series of 'IP address and/or phone number' for IND; "
        "its request types there are "
    ), message
    offered = re.findall(r"(\w+) \([^;]*?\): (/chart\.json\?\S+?)(?:;|$)", message)
    assert ("legal_process", "/chart.json?platform=google&jurisdiction=IND&request_type=legal_process") in offered
    for request_type, url in offered:
        shown = site.get(url).json()
        assert shown["selected"]["request_type"] == shown["asked"]["request_type"] == request_type, url
    # A metric the request type lacks, alone or beside one it has, is the same 404, naming its metrics.
    for metrics in ("metric=requests_received", "metric=requests_received&metric=requests_fulfilled"):
        message = assert_error_shape(
            site.get(f"/chart.json?platform=telegram&jurisdiction=USA&request_type=ip_or_phone&{metrics}"), 404
        )
        assert message.startswith("metric=requests_received: Telegram has no series of 'Requests received' of")
        assert "requests_fulfilled (Requests fulfilled (some data produced)): /chart.json?platform=telegram&" in message
    # A 200 is what was asked, with what the address left to the page's defaults as null or [].
    chosen = site.get("/chart.json?platform=google&jurisdiction=IND").json()
    assert chosen["asked"] == {"platform": "google", "jurisdictions": ["IND"], "request_type": None, "metrics": []}
    assert chosen["selected"]["request_type"] == "legal_process" and chosen["message"] is None
    # No jurisdiction given is [] too, not the United States the page stands in for it.
    defaulted = site.get("/chart.json?platform=google").json()
    assert defaulted["asked"] == {"platform": "google", "jurisdictions": [], "request_type": None, "metrics": []}
    assert defaulted["selected"]["jurisdictions"] == ["USA"]
    # The page still draws what there is, and says first that it is not what the address asked for.
    page = unescape(site.get(asked.replace(".json", "", 1)).text)
    assert page.count("Not the chart the address asked for.") == 1
    assert page.index("Not the chart the address asked for.") < page.index('<figure class="series-chart"')


def test_a_platform_page_named_with_spaces_around_leads_to_the_page(site):
    # Datasette sends /platform/%20telegram to its tilde form first, which was the 404.
    response = site.get("/platform/~20telegram~20")
    assert response.status_code == 302 and response.headers["location"] == "/platform/telegram"
