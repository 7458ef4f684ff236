"""Data honesty on the published surface: freshness per regime (EU DSA orders apart), the date a
freshness claim was checked, corrections that chain to the figure, derived figures without a
platform's wording, and one newest figure per series. Layers: pure rules, the real build, the
site through Datasette's client."""

import csv
import re
from html import unescape

from disclosures import consistency, freshness, paths
from tests.conftest import plugin, rows

DSA = "dsa_information_order"


def figure(platform, end, request_type="all", source="s", **extra):
    return {"platform_id": platform, "period_end": end, "request_type_id": request_type, "source_id": source, **extra}


# Pure rules ----------------------------------------------------------------------------------


def test_a_dsa_file_cannot_stand_for_the_global_reports():
    platforms = [(2, {"platform_id": "x", "published_up_to": "2026-06-30", "freshness_source_id": "dsa-file",
                      "published_up_to_checked": "2026-11-28"})]  # fmt: skip
    figures = [figure("x", "2024-06-30", source="press"), figure("x", "2026-06-30", DSA, source="dsa-file")]
    (problem,) = consistency.freshness_problems(platforms, figures, "data/platforms.csv")
    assert (problem.line, problem.field) == (2, "freshness_source_id")
    assert "only EU DSA orders" in problem.message


def test_the_dsa_claim_is_checked_against_the_dsa_figures_only():
    platforms = [(3, {"platform_id": "x", "published_up_to": "2024-06-30", "published_up_to_checked": "2026-11-28",
                      "dsa_published_up_to": "2025-12-31", "dsa_freshness_source_id": "dsa-file"})]  # fmt: skip
    figures = [figure("x", "2024-06-30"), figure("x", "2026-06-30", DSA, source="dsa-file")]
    (problem,) = consistency.freshness_problems(platforms, figures, "data/platforms.csv")
    assert str(problem).startswith("data/platforms.csv:3:dsa_published_up_to: is 2025-12-31, but the dataset")
    # The global claim is not raised by the DSA figures: 2024-06-30 passes beside 2026 DSA orders.
    platforms[0][1]["dsa_published_up_to"] = "2026-06-30"
    assert consistency.freshness_problems(platforms, figures, "data/platforms.csv") == []


def test_a_check_date_before_the_period_it_vouches_for_is_refused():
    platforms = [(2, {"platform_id": "t", "published_up_to": "2026-06-30", "published_up_to_checked": "2026-01-01"})]
    (problem,) = consistency.freshness_problems(platforms, [], "p.csv")
    assert (
        str(problem)
        == "p.csv:2:published_up_to_checked: is 2026-01-01, before the end of the period it vouches for (2026-06-30)"
    )


def test_corrections_chain_in_date_order_to_the_figure_value():
    figures = {"f": {"value_kind": "exact", "value": "11016"}}
    first = {
        "correction_id": "a",
        "figure_id": "f",
        "old_value": "10980",
        "new_value": "11000",
        "corrected_date": "2025-01-01",
    }
    second = {
        "correction_id": "b",
        "figure_id": "f",
        "old_value": "11000",
        "new_value": "11016",
        "corrected_date": "2025-06-01",
    }
    # Listed out of order in the file: the dates decide the chain.
    assert consistency.correction_chain_problems([(2, second), (3, first)], figures, "c.csv") == []
    wrong = dict(second, new_value="99999")
    (problem,) = consistency.correction_chain_problems([(2, wrong), (3, first)], figures, "c.csv")
    assert (problem.line, problem.field) == (2, "new_value") and "'11016' in figures.csv" in problem.message
    # A removal of a figure that is gone ends the chain without a value to match.
    removal = {
        "correction_id": "r",
        "figure_id": "gone",
        "old_value": "5",
        "new_value": "",
        "corrected_date": "2025-01-01",
    }
    assert consistency.correction_chain_problems([(2, removal)], figures, "c.csv") == []


def test_bands_and_withheld_values_compare_as_the_changelog_writes_them():
    figures = {"f": {"value_kind": "band", "value_low": "0", "value_high": "499"}}
    record = {
        "correction_id": "a",
        "figure_id": "f",
        "old_value": "0-249",
        "new_value": "0-499",
        "corrected_date": "2025-01-01",
    }
    assert consistency.correction_chain_problems([(2, record)], figures, "c.csv") == []


def test_the_site_and_the_build_agree_on_the_dsa_request_types():
    assert plugin("explore").DSA_REQUEST_TYPES == freshness.DSA_REQUEST_TYPES


def test_the_fresher_flag_compares_each_regime_with_its_own_newest_period():
    fresher_flag = plugin("explore").fresher_flag
    info = {
        "published_up_to": "2025-12-31",
        "published_up_to_checked": "2026-11-30",
        "dsa_published_up_to": "2026-06-30",
    }
    global_cell = {"platform_name": "Google", "request_type_id": "all", "period_end": "2025-12-31"}
    assert fresher_flag(global_cell, info) is None  # a 2026 DSA file does not make it stale
    dsa_cell = {"platform_name": "Google", "request_type_id": DSA, "period_end": "2025-12-31"}
    assert (
        fresher_flag(dsa_cell, info)["text"]
        == "Google has published EU DSA orders up to 2026-06-30; this figure is older"
    )
    older = dict(global_cell, period_end="2025-06-30")
    assert "(checked 2026-11-30)" in fresher_flag(older, info)["text"]
    assert fresher_flag(older, info)["text"].startswith("Google has published up to 2025-12-31")


def test_the_fresher_flag_never_measures_a_figure_against_an_unrelated_series():
    # Google's 2025-12-31 is its National Security Letters' date; its user-data series ends
    # 2025-06-30: a legal-process figure of H1 2025 is not "older than what Google published".
    info = {
        "published_up_to": "2025-12-31",
        "published_up_to_checked": "2026-11-30",
        "published_up_to_series": "National Security Letters",
        "published_up_to_main_series": 0,
        "main_series": "Legal process requests",
        "main_series_up_to": "2025-06-30",
    }
    cell = {"platform_name": "Google", "request_type_id": "legal_process", "period_end": "2025-06-30"}
    assert plugin("explore").fresher_flag(cell, info) is None
    assert "National Security Letters" not in fresher_flag_text(cell, dict(info, published_up_to_main_series=1))


def fresher_flag_text(cell, info):
    return plugin("explore").fresher_flag(cell, info)["text"]


def test_platforms_page_says_which_series_googles_published_date_is_for(site):
    html = site.get("/platforms").text
    row = next(r for r in html.split("<tr>") if 'href="/platform/google"' in r)
    assert "2025-12-31" in row and "for National Security Letters" in row
    telegram = next(r for r in html.split("<tr>") if 'href="/platform/telegram"' in r)
    assert '<span class="series-end">for ' not in telegram  # its date is its main series'


# The real data and its build ---------------------------------------------------------------------


def test_no_global_freshness_claim_rests_on_a_dsa_source():
    with (paths.ROOT / "data" / "platforms.csv").open(encoding="utf-8") as handle:
        platforms = list(csv.DictReader(handle))
    for p in platforms:
        assert "-dsa-" not in p["freshness_source_id"], p["platform_id"]
        assert bool(p["published_up_to"]) == bool(p["published_up_to_checked"]), p["platform_id"]
    by_id = {p["platform_id"]: p for p in platforms}
    # X's global reports reach 2024-H2 (its H2 2024 report is stored only as an unreadable PDF);
    # its DSA file (2026-H1) has a column of its own.
    assert (by_id["x"]["published_up_to"], by_id["x"]["dsa_published_up_to"]) == ("2024-12-31", "2026-06-30")


def test_freshness_is_per_regime_and_flags_what_the_cadence_says_is_overdue(real_db):
    found = {
        r[0]: r[1:]
        for r in rows(
            real_db,
            """SELECT platform_id, dataset_up_to, published_up_to, behind_cadence, dsa_dataset_up_to,
                      dsa_published_up_to, statement FROM freshness""",
        )
    }
    assert found["x"][:5] == ("2024-06-30", "2024-12-31", 1, "2026-06-30", "2026-06-30")
    assert "EU DSA orders (separate regime, never summed with the global reports)" in found["x"][5]
    assert "older than its half-yearly cadence allows" in found["x"][5]
    # Google's claim rests on its National Security Letter bands; its main series ends 2025-06-30.
    assert found["google"][:2] == ("2025-12-31", "2025-12-31") and found["google"][2] == 1
    assert found["facebook"][0] is None and found["facebook"][3] == "2026-06-30"
    assert found["facebook"][5].startswith("only EU DSA orders here")
    # Measured against the checked date, not the clock: Telegram (quarterly) checked 2026-11-28
    # with 2026-06-30 published is within a quarter plus six months.
    assert found["telegram"][2] == 0


def test_the_platform_page_shows_the_regimes_apart_and_the_check_date(site):
    page = unescape(site.get("/platform/x").text)
    assert 'X (formerly Twitter) has published up to <strong><span class="date">2024-12-31</span></strong>' in page
    assert (
        'as checked on <strong class="checked"><span class="date">2026-11-30</span></strong> '
        "(the date its source was retrieved" in page
    )
    assert "Possibly out of date" in page
    dsa = re.search(r'<dd class="dsa-freshness">(.*?)</dd>', page, re.S).group(1)
    assert "A separate regime" in dsa and 'published up to <strong><span class="date">2026-06-30</span></strong>' in dsa
    assert 'has published up to <strong><span class="date">2026-06-30</span></strong>' not in page


def test_the_country_page_does_not_call_a_global_figure_stale_because_of_dsa_orders(site):
    page = unescape(site.get("/country/USA").text)
    for name in ("X (formerly Twitter)", "Google", "TikTok"):
        header = re.search(re.escape(name) + r"</a>(.*?)</th></tr>", page, re.S).group(1)
        assert 'has published up to <span class="date">2026-06-30</span>' not in header, name
    assert "the year (the longer period)" in page


def test_compare_flags_no_google_figure_as_older_because_of_the_dsa_file(site):
    page = unescape(site.get("/compare?jurisdiction=USA&platform=google").text)
    assert 'Google has published up to <span class="date">2026-06-30</span>' not in page


def test_one_newest_figure_per_series(site, real_db):
    data = site.get("/disclosures/country_newest.json?jurisdiction=USA&_shape=array&_size=max").json()
    series = [(r["platform_id"], r["request_type_id"], r["metric_id"]) for r in data]
    assert len(series) == len(set(series))
    linkedin = [
        r
        for r in data
        if (r["platform_id"], r["request_type_id"], r["metric_id"]) == ("linkedin", "all", "requests_received")
    ]
    if linkedin:
        ((start, end),) = rows(
            real_db,
            """SELECT min(period_start), max(period_end) FROM figures WHERE platform_id = 'linkedin'
               AND jurisdiction_id = 'USA' AND request_type_id = 'all' AND metric_id = 'requests_received'
               AND period_end = (SELECT max(period_end) FROM figures WHERE platform_id = 'linkedin'
                 AND jurisdiction_id = 'USA' AND request_type_id = 'all' AND metric_id = 'requests_received')""",
        )
        assert (linkedin[0]["period_start"], linkedin[0]["period_end"]) == (start, end)
    compared = site.get("/disclosures/compare_platforms.json?jurisdiction=USA&_shape=array&_size=max").json()
    series = [(r["platform_id"], r["request_type_id"], r["metric_id"]) for r in compared]
    assert len(series) == len(set(series))


def test_the_figure_page_shows_its_corrections(site):
    page = unescape(site.get("/figure/google-gbr-2022h2-legal_process-accounts_specified").text)
    table = re.search(r'<table class="corrections">(.*?)</table>', page, re.S).group(1)
    cells = [re.sub(r"<[^>]+>", "", c).strip() for c in re.findall(r"<td[^>]*>(.*?)</td>", table, re.S)]
    assert cells[1:3] == ["10,980", "11,016"] and "Google's later bulk export" in cells[3]
    mozilla = unescape(site.get("/figure/mozilla-world-2017h1-subpoena-requests_received").text)
    assert re.search(r'<td class="num"[^>]*>0</td><td class="num"[^>]*>1</td>', mozilla)


def test_a_figure_without_corrections_has_no_corrections_section(site, real_db):
    ((figure_id,),) = rows(
        real_db, "SELECT figure_id FROM figures WHERE figure_id NOT IN (SELECT figure_id FROM corrections) LIMIT 1"
    )
    page = site.get(f"/figure/{figure_id}")
    assert page.status_code == 200 and 'class="corrections"' not in page.text


def test_a_derived_figure_has_no_platform_wording(site, real_db):
    assert rows(real_db, "SELECT count(*) FROM figures WHERE is_derived = 1 AND platform_wording IS NOT NULL") == [(0,)]
    page = unescape(site.get("/figure/telegram-usa-2025-ip_or_phone-requests_fulfilled-derived").text)
    wording = re.search(r'<dd class="no-wording">(.*?)</dd>', page, re.S).group(1)
    assert wording.startswith("None: the build computed this figure")
    assert "Its inputs' wording:" in wording and "(telegram-usa-2025q1-ip_or_phone-requests_fulfilled)" in wording


def test_the_platforms_page_labels_reported_and_derived_counts(site, real_db):
    page = site.get("/platforms").text
    assert "Figures reported (derived)" in page
    ((reported, derived),) = rows(
        real_db, "SELECT sum(is_derived = 0), sum(is_derived) FROM figures WHERE platform_id = 'telegram'"
    )
    cell = r'href="/platform/telegram">Telegram</a></td>\s*<td class="num"[^>]*>(.*?)</td>'
    row = re.search(cell, page, re.S).group(1)
    assert re.sub(r"<[^>]+>", "", row).split() == [f"{reported:,}", f"({derived:,})"]


def test_the_home_page_never_heads_the_data_shown_with_another_release(site, real_db):
    ((version, latest),) = rows(real_db, "SELECT version, latest_release FROM dataset")
    page = unescape(site.get("/").text)
    assert f"Dataset version <strong>{version}</strong>" in page
    if latest and latest != version:
        assert f"<h2>Release {latest}" not in page
        assert f"Latest release: {latest}" in page and f"This site serves version <strong>{version}</strong>" in page


def test_the_readme_counts_are_generated_from_the_build(real_db):
    from disclosures.readme import counts

    readme = (paths.ROOT / "README.md").read_text(encoding="utf-8")
    ((reported, derived),) = rows(real_db, "SELECT sum(is_derived = 0), sum(is_derived) FROM figures")
    assert f"The dataset holds {reported:,} reported figures and {derived:,} derived ones" in readme
    import sqlite3

    with sqlite3.connect(real_db) as conn:
        assert counts(conn) in readme


def test_the_platforms_page_keeps_the_dsa_orders_out_of_the_global_span(site, real_db):
    page = unescape(site.get("/platforms").text)
    row = re.search(r'href="/platform/google">Google</a></td>(.*?)</tr>', page, re.S).group(1)
    cells = [re.sub(r"<[^>]+>", "", c).strip() for c in re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)]
    ((newest,),) = rows(
        real_db,
        "SELECT max(period_end) FROM figures WHERE platform_id = 'google' AND request_type_id <> 'dsa_information_order'",
    )
    # The global span ends with its newest period, then names the main series' end when that is older.
    assert re.search(rf"to {newest}( \(Legal process requests to \d{{4}}-\d\d-\d\d\))?$", cells[2])
    assert newest < "2026-06-30"
    assert cells[4].startswith("dataset ") and re.search(r"published up to 2026-06-30 \(\d{4}-\d\d-\d\d\)$", cells[4])


def test_google_other_legal_requests_is_never_all_legal_process_beside_process_listed_apart(real_db):
    """Where Google lists court orders, police requests or the local subsidiary's requests apart,
    its "Other Legal Requests" is the rest: filed as legal_process (all legal process) it was
    summed with other_legal_process halves into one year (Ireland 2023: 24, beside 727 court orders).

    Google's older export (to 2018-H1) lists no such parts, and its "Other Legal Requests" of a
    country is all of its legal process: Ireland's and Russia's for 2017-H1 to 2018-H1 stand beside
    the parts the 2022 export gives for the same half-years. Such a total comes from another source
    than the parts, and its count is theirs added up, or a recorded inconsistent_parts says it is not."""
    parts = "('court_order', 'search_warrant', 'subpoena', 'police_request', 'local_subsidiary', 'pen_register_trap_trace', 'wiretap')"
    same_place_and_period = """g.platform_id = 'google' AND g.jurisdiction_id = f.jurisdiction_id
        AND g.period_start = f.period_start AND g.period_end = f.period_end AND g.is_derived = 0"""
    beside_parts = rows(
        real_db,
        f"""SELECT f.figure_id, f.value, f.metric_id, m.unit,
              (SELECT count(*) FROM figures g WHERE {same_place_and_period} AND g.source_id = f.source_id
                 AND g.request_type_id IN {parts}),
              (SELECT sum(g.value) FROM figures g WHERE {same_place_and_period} AND g.metric_id = f.metric_id
                 AND g.request_type_id IN {parts[:-1]}, 'other_legal_process')),
              (SELECT count(*) FROM disagreements d WHERE d.figure_id = f.figure_id AND d.kind = 'inconsistent_parts')
           FROM figures f JOIN metrics m USING (metric_id)
           WHERE f.platform_id = 'google' AND f.request_type_id = 'legal_process' AND f.is_derived = 0 AND EXISTS (
             SELECT 1 FROM figures g WHERE {same_place_and_period} AND g.request_type_id IN {parts})""",
    )
    assert beside_parts, "Google's older export's totals beside the 2022 export's parts"
    for figure_id, value, _metric, unit, parts_of_its_source, parts_sum, inconsistent in beside_parts:
        assert parts_of_its_source == 0, figure_id  # the rest of a source that lists parts apart
        if unit == "count":
            assert value == parts_sum or inconsistent, (figure_id, value, parts_sum)
    # And no year adds one kind to the other.
    assert rows(
        real_db,
        """SELECT count(*) FROM figure_inputs i JOIN figures f ON f.figure_id = i.figure_id
           JOIN figures g ON g.figure_id = i.input_figure_id WHERE f.request_type_id != g.request_type_id""",
    ) == [(0,)]


def test_a_derived_figure_shows_the_disagreements_recorded_on_its_inputs(site, real_db):
    """Every derived page said "No source is known to disagree with this figure", though sources
    disagree with some inputs (an audit of derived figures found 22 such figures)."""
    derived = rows(
        real_db,
        """SELECT i.figure_id, d.disagreement_id, d.figure_id FROM figure_inputs i
           JOIN disagreements d ON d.figure_id = i.input_figure_id
           WHERE d.kind IN ('different_value', 'typo', 'inconsistent_parts') ORDER BY 1, 2""",
    )
    assert derived, "no input of a derived figure has a disagreement: this test no longer shows anything"
    for figure_id in sorted({row[0] for row in derived})[:8]:
        html = site.get(f"/figure/{figure_id}").text
        assert "No source is known to disagree" not in html
        listed = html.split("<h2>Disagreements</h2>", 1)[1]
        for _, disagreement_id, input_id in (row for row in derived if row[0] == figure_id):
            assert f'href="/figure/{input_id}"' in listed, disagreement_id


def test_a_disagreement_about_a_missing_figure_names_the_figure_the_build_now_derives(real_db):
    # Atlas VPN's Meta 2022 year sums were recorded as disagreements ("No 2022 figure recorded")
    # while the build derived that very figure from the half-years: a claim that agrees with a
    # figure is a corroboration, or its explanation says why it is not one.
    matches = rows(
        real_db,
        """SELECT d.disagreement_id, d.explanation, group_concat(f.figure_id, ' ') FROM disagreements d
           JOIN figures f ON f.is_derived = 1 AND f.value = d.claimed_value
             AND d.disagreement_id GLOB f.platform_id || '-*'
           WHERE d.figure_id IS NULL AND d.claimed_value > 100
           GROUP BY d.disagreement_id""",
    )
    for disagreement_id, explanation, derived in matches:
        assert any(figure_id in explanation for figure_id in derived.split()), (disagreement_id, derived)
    corroborated = rows(
        real_db,
        """SELECT figure_id FROM corroborations WHERE source_id = 'beyondgames-2023-atlasvpn-meta-requests'
           AND figure_id LIKE '%-derived' ORDER BY figure_id""",
    )
    # Its year sums are each a corroboration of the figure the build derives, beside the halves it
    # quotes (corroborations of reported figures).
    assert corroborated == [
        ("meta-usa-2022-all-requests_received-derived",),
        ("meta-world-2022-all-accounts_specified-derived",),
        ("meta-world-2022-all-requests_received-derived",),
    ]


def test_a_press_year_total_twitter_never_split_is_a_corroboration_of_the_derived_year(real_db):
    # The Tech Portal's 6,228 requests from India in 2020 is no half Twitter reported: it is the
    # year the build sums from January-June's 2,613 and July-December's 3,615. (Its counts of
    # July-December itself corroborate the reported half.)
    assert rows(
        real_db,
        """SELECT c.figure_id, f.value, f.derivation FROM corroborations c JOIN figures f USING (figure_id)
           WHERE c.source_id = 'thetechportal-2021-07-15-twitter-india-account-information-demands'
             AND f.year = 2020 AND f.period_start = '2020-01-01' AND f.period_end = '2020-12-31'""",
    ) == [
        (
            "x-ind-2020-all-requests_received-derived",
            6228,
            "x-ind-2020h1-all-requests_received + x-ind-2020h2-all-requests_received",
        )
    ]


def test_no_note_sends_readers_to_a_file_or_proposal_the_dataset_does_not_publish():
    # 503 figure notes said "see notes.md" (no such file is published) or proposed a request type
    # or metric "not yet in request_types.csv" that has long been there.
    stale = re.compile(r"\b[\w-]+\.md\b|\bproposed (?:new )?(?:request_type|metric|platform_id)\b|not yet in \w+\.csv")
    found = []
    for path in sorted((paths.ROOT / "data").glob("*.csv")):
        with path.open(encoding="utf-8", newline="") as handle:
            for line, row in enumerate(csv.reader(handle), start=1):
                found += [f"{path.name}:{line}: {cell[:80]}" for cell in row if stale.search(cell)]
    assert found == [], found[:5]


def test_a_worldwide_count_its_own_countries_add_up_past_is_a_recorded_disagreement(real_db):
    # A worldwide count can be more than the countries listed beside it (some are not listed), never
    # less. ZDNet.de's 38,366 accounts for Microsoft's 2016-H1 stood beside Microsoft's own country
    # rows adding up to 60,372 (they match every other period's worldwide total to the unit), and
    # LinkedIn's and GitHub's own totals are exceeded by their own rows: each is a recorded
    # disagreement, so a reader sees it on the figure. A press typo in a worldwide total, or a
    # section's Total read as worldwide, lands here.
    exceeded = """
        SELECT w.figure_id, w.value, sum(c.value) FROM figures w
        JOIN figures c ON c.platform_id = w.platform_id AND c.period_start = w.period_start
          AND c.period_end = w.period_end AND c.request_type_id = w.request_type_id
          AND c.metric_id = w.metric_id AND c.is_derived = 0 AND c.value_kind = 'exact'
        JOIN jurisdictions j ON j.jurisdiction_id = c.jurisdiction_id AND j.kind IN ('country', 'territory')
        WHERE w.jurisdiction_id = 'WORLD' AND w.is_derived = 0 AND w.value_kind = 'exact' AND w.unit = 'count'
        GROUP BY w.figure_id HAVING sum(c.value) > w.value"""
    found = rows(real_db, exceeded)
    assert "microsoft-world-2016h1-all-accounts_specified" in {row[0] for row in found}, "the query finds nothing"
    recorded = {row[0] for row in rows(real_db, "SELECT figure_id FROM disagreements WHERE figure_id IS NOT NULL")}
    assert [row for row in found if row[0] not in recorded] == []


def test_microsofts_worldwide_requests_are_in_the_series_of_the_country_rows_they_add_up_from(real_db):
    # Microsoft's worldwide totals from 2017 ("legal requests related to our consumer services from
    # law enforcement agencies around the world") are its report's criminal section: its countries'
    # criminal requests add up to each one, emergency requests apart. Filed as consumer_services (and
    # 2017-H1 as all), they were a series of their own beside the legal_process country rows they sum.
    totals = rows(
        real_db,
        """SELECT w.figure_id, c.request_type_id FROM figures w
           JOIN figures c ON c.platform_id = w.platform_id AND c.period_start = w.period_start
             AND c.period_end = w.period_end AND c.metric_id = w.metric_id AND c.is_derived = 0
             AND c.value_kind = 'exact'
           JOIN jurisdictions j ON j.jurisdiction_id = c.jurisdiction_id AND j.kind IN ('country', 'territory')
           WHERE w.platform_id = 'microsoft' AND w.jurisdiction_id = 'WORLD' AND w.is_derived = 0
             AND w.metric_id = 'requests_received' AND w.period_start >= '2017-01-01'
           GROUP BY w.figure_id, c.request_type_id HAVING sum(c.value) = w.value AND count(*) > 1""",
    )
    assert len(totals) == 9, totals
    assert [figure_id for figure_id, request_type in totals if f"-{request_type}-" not in figure_id] == []
    # The ids the releases carried answer with the one each was refiled as.
    refiled = rows(
        real_db,
        """SELECT figure_id, reason FROM corrections WHERE figure_id GLOB 'microsoft-world-20*'
             AND new_value IS NULL AND reason GLOB 'refiled as microsoft-world-*-legal_process-*'""",
    )
    assert sorted(r[0] for r in refiled) == [
        "microsoft-world-2017h1-all-requests_received",
        *(
            f"microsoft-world-{p}-consumer_services-requests_received"
            for p in ("2018h1", "2018h2", "2019h1", "2019h2", "2020h1", "2020h2", "2021h2")
        ),
    ]


# Microsoft figures that rested on the press or on krMaynard's extraction although Microsoft's own
# post, stored and read, states the same key: figure_id -> (source_id, the source it replaced, now a
# corroboration).
MICROSOFT_OWN_POST = {
    # "For the latter half of 2013, Microsoft received 35,083 requests from law enforcement agencies
    # potentially impacting 58,676 accounts." "Only a small number of requests, 2.32 percent, resulted
    # in disclosure of customer content data." (Microsoft's post; CDRinfo reproduced it)
    **{
        f"microsoft-world-2013h2-all-{metric}": (
            "microsoft-2014-03-06-lerr-h2-2013",
            "cdrinfo-2014-microsoft-lerr-h2-2013",
        )
        for metric in ("requests_received", "accounts_specified", "percent_requests_content")
    },
    # "Microsoft received a total number of 35,572 legal requests for customer information from law
    # enforcement agencies in the first half of 2016. This reflects a decrease from the 39,083
    # requests received for the second half of 2015."
    "microsoft-world-2015h2-all-requests_received": (
        "microsoft-2016-09-29-transparency-hub-reports",
        "rakoellner-2016-04-microsoft-transparenzbericht-h2-2015",
    ),
    "microsoft-world-2016h1-all-requests_received": (
        "microsoft-2016-09-29-transparency-hub-reports",
        "zdnet-de-2016-09-microsoft-transparenzbericht-h1-2016",
    ),
    # "Specific to United States law enforcement, Microsoft received 4,860 legal requests for data
    # related to our consumer services." (the H1 2019 post; the extraction's criminal section agrees)
    "microsoft-usa-2019h1-legal_process-requests_received": (
        "microsoft-2019-10-29-digital-trust-reports",
        "krmaynard-microsoft-lerr-json-47ca656",
    ),
}


def test_a_microsoft_figure_its_own_post_states_rests_on_the_post(real_db):
    for figure_id, (source_id, replaced) in MICROSOFT_OWN_POST.items():
        assert rows(
            real_db,
            """SELECT f.source_id, s.tier FROM figures f JOIN sources s USING (source_id)
               WHERE f.figure_id = ?""",
            figure_id,
        ) == [(source_id, "platform_file")], figure_id
        assert rows(
            real_db, "SELECT source_id FROM corroborations WHERE figure_id = ? AND source_id = ?", figure_id, replaced
        ) == [(replaced,)], figure_id


# Microsoft worldwide totals that only Microsoft's own posts, stored and read, state: figure_id ->
# (source_id, value). A fact-check found them missing (2015 stood only as the build's sum of halves).
MICROSOFT_WORLDWIDE_FROM_ITS_POSTS = {
    # "During the latter half of 2016, Microsoft received a total number of 25,837 legal requests for
    # customer information from law enforcement agencies. This brings the total number of requests
    # from law enforcement for 2016 to 61,409, which is a decrease from 2015, when requests totaled
    # 74,311."
    "microsoft-world-2016h2-all-requests_received": ("microsoft-2017-04-13-biannual-transparency-reports", 25837),
    "microsoft-world-2016-all-requests_received": ("microsoft-2017-04-13-biannual-transparency-reports", 61409),
    "microsoft-world-2015-all-requests_received": ("microsoft-2017-04-13-biannual-transparency-reports", 74311),
    # "During the first half of 2018, Microsoft received a total number of 23,222 legal requests related
    # to our consumer services from law enforcement agencies around the world, which is a slight
    # increase from the previous six-month period of 22,939 legal requests."
    "microsoft-world-2017h2-legal_process-requests_received": ("microsoft-2018-10-23-digital-trust-reports", 22939),
}


def test_microsofts_worldwide_totals_its_posts_state_are_reported_figures(real_db):
    for figure_id, (source_id, value) in MICROSOFT_WORLDWIDE_FROM_ITS_POSTS.items():
        assert rows(
            real_db,
            """SELECT f.source_id, s.tier, f.value, f.is_derived FROM figures f JOIN sources s USING (source_id)
               WHERE f.figure_id = ?""",
            figure_id,
        ) == [(source_id, "platform_file", value, 0)], figure_id
        # A period a source reports is never derived as well.
        assert rows(real_db, "SELECT figure_id FROM figures WHERE figure_id = ?", f"{figure_id}-derived") == []
    # A year Microsoft states is its two halves, each as Microsoft reported it.
    years = rows(
        real_db,
        """SELECT y.figure_id, y.value, sum(h.value), count(h.figure_id) FROM figures y
           JOIN figures h ON h.platform_id = y.platform_id AND h.jurisdiction_id = y.jurisdiction_id
             AND h.request_type_id = y.request_type_id AND h.metric_id = y.metric_id AND h.is_derived = 0
             AND h.period_start >= y.period_start AND h.period_end <= y.period_end AND h.figure_id != y.figure_id
           WHERE y.figure_id IN ('microsoft-world-2015-all-requests_received', 'microsoft-world-2016-all-requests_received')
           GROUP BY y.figure_id ORDER BY y.figure_id""",
    )
    assert years == [
        ("microsoft-world-2015-all-requests_received", 74311, 74311, 2),
        ("microsoft-world-2016-all-requests_received", 61409, 61409, 2),
    ]


def test_the_fulfilled_metric_is_defined_in_no_single_platforms_words():
    """requests_fulfilled holds Apple's, Discord's, GitHub's, X's and others' counts: its definition,
    shown on each of their figure pages, said only "(Telegram's "fulfilled requests")", as if
    Apple's "where Data Provided" were Telegram's term (found by journalist20). It now points to
    each figure's own words, and every wording it quotes is one a reported figure of it has."""
    with open(paths.ROOT / "data" / "metrics.csv", encoding="utf-8", newline="") as handle:
        (definition,) = [
            row["definition"] for row in csv.DictReader(handle) if row["metric_id"] == "requests_fulfilled"
        ]
    with open(paths.ROOT / "data" / "figures.csv", encoding="utf-8", newline="") as handle:
        fulfilled = [row for row in csv.DictReader(handle) if row["metric_id"] == "requests_fulfilled"]
    assert len({row["platform_id"] for row in fulfilled}) > 1
    assert "platform_wording" in definition
    quoted = re.findall(r'"([^"]+)"', definition) + re.findall(r"\bcount_disclosed\b", definition)
    assert len(quoted) >= 6, quoted
    used = [row["platform_wording"].lower() for row in fulfilled]
    for words in quoted:
        assert any(words.lower() in wording for wording in used), words
