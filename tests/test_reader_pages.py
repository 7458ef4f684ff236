"""What a newcomer reads: search finds the figure typed for, coverage counts only periods that
exist for a jurisdiction, scope pages say what they are, the map marks derived values, and
periods read as people write them.

Layers (a) pure rules (coverage on a tiny table, the map's opening period), (b) the real build
(the search index, coverage_cells) and (c) the site through Datasette's client. The browser
checks are in tests/test_browser_reader.py.
"""

from __future__ import annotations

import re
import sqlite3
from html import unescape

import pytest

from tests.conftest import plugin, rows

explore = plugin("explore")
SEARCH = "/disclosures/search_everything.json?_shape=array&q="


def search(site, text: str) -> list[dict]:
    response = site.get(SEARCH + text.replace(" ", "+"))
    assert response.status_code == 200
    return response.json()


# (a) Pure rules ------------------------------------------------------------------------------


def test_a_period_used_for_a_few_jurisdictions_is_not_missing_elsewhere(tmp_path):
    import sqlite_utils

    from disclosures import freshness

    quarters = {"q1": ("2024-01-01", "2024-03-31", "quarter"), "q2": ("2024-04-01", "2024-06-30", "quarter")}
    others = {
        "jan_sep": ("2024-01-01", "2024-09-30", "year_to_date"),  # most jurisdictions: a report for all
        "h1": ("2024-01-01", "2024-06-30", "half"),  # not Telegram's cadence, one jurisdiction only
        "apr_sep": ("2024-04-01", "2024-09-30", "other"),  # one jurisdiction only
    }
    periods = {**quarters, **others}
    held = {"A": ["q1", "h1", "jan_sep"], "B": ["q1", "apr_sep", "jan_sep"], "C": ["jan_sep"], "D": ["q2"]}
    db = sqlite_utils.Database(sqlite3.connect(tmp_path / "c.db"))
    db["platforms"].insert({"platform_id": "telegram", "cadence": "quarterly"})
    db["figures"].insert_all(
        {
            "figure_id": f"{place}-{key}",
            "platform_id": "telegram",
            "jurisdiction_id": place,
            "period_start": periods[key][0],
            "period_end": periods[key][1],
            "period_label": key,
            "period_kind": periods[key][2],
            "value_kind": "exact",
            "is_derived": 0,
        }
        for place, keys in held.items()
        for key in keys
    )
    freshness.write_coverage(db)
    db.conn.commit()
    got = {
        (place, label): (status, regular)
        for place, label, status, regular in rows(
            tmp_path / "c.db", "SELECT jurisdiction_id, period_label, status, regular_period FROM coverage_cells"
        )
    }
    assert got == {
        # A quarter inside a longer period the place has a figure for is not missing.
        **{(p, "q1"): ("reported" if p in "AB" else "in_longer_period" if p == "C" else "missing", 1) for p in "ABCD"},
        **{(p, "q2"): ("reported" if p == "D" else "in_longer_period", 1) for p in "ABCD"},
        **{(p, "jan_sep"): ("reported" if p in "ABC" else "missing", 1) for p in "ABCD"},
        ("A", "h1"): ("reported", 0),
        ("B", "apr_sep"): ("reported", 0),
    }


def test_the_map_opens_on_the_newest_well_covered_period():
    def period(start, end, countries):
        return {"key": f"{start}_{end}", "period_start": start, "period_end": end, "countries": countries}

    periods = [
        period("2024-01-01", "2024-09-30", 80),
        period("2024-01-01", "2024-12-31", 35),
        period("2024-10-01", "2024-12-31", 3),
        period("2026-01-01", "2026-03-31", 27),
        period("2026-04-01", "2026-06-30", 2),  # the newest, but two countries' answers so far
    ]
    assert explore.newest_map_period(periods) == "2026-01-01_2026-03-31"
    # Two periods ending on the same day: the one more countries have.
    assert explore.newest_map_period(periods[:3]) == "2024-01-01_2024-12-31"
    assert explore.newest_map_period([]) == ""


# (b) The real build --------------------------------------------------------------------------


def test_every_figure_is_in_the_search_index_with_the_words_readers_type(real_db):
    (figures,), (indexed,) = (
        rows(real_db, "SELECT count(*) FROM figures"),
        rows(real_db, "SELECT count(*) FROM figures_fts"),
    )
    assert indexed == figures
    (terms,) = rows(
        real_db,
        """SELECT t.terms FROM figures_fts t JOIN figures f ON f.rowid = t.rowid
           WHERE f.figure_id = 'telegram-usa-2024q4-ip_or_phone-requests_fulfilled-derived'""",
    )
    for word in ("Telegram", "United States", "USA", "US", "Q4 2024", "2024q4", "Requests fulfilled"):
        assert re.search(rf"(^| ){re.escape(word)}( |$)", terms[0]), (word, terms[0])


def test_irregular_telegram_periods_are_not_missing_for_other_countries(real_db):
    # Argentina's January–June 2025 and the UAE's April–September 2025: rows only where they exist.
    for start, end, place in (("2025-01-01", "2025-06-30", "ARG"), ("2025-04-01", "2025-09-30", "ARE")):
        got = rows(
            real_db,
            """SELECT jurisdiction_id, status, regular_period FROM coverage_cells
               WHERE platform_id = 'telegram' AND period_start = ? AND period_end = ?""",
            start,
            end,
        )
        assert got == [(place, "reported", 0)]
    # Every missing cell is a regular period of the platform, and the matrix leaves the others empty.
    assert rows(real_db, "SELECT count(*) FROM coverage_cells WHERE status = 'missing' AND NOT regular_period") == [
        (0,)
    ]
    with sqlite3.connect(real_db) as conn:
        deu = conn.execute("SELECT * FROM telegram_coverage WHERE jurisdiction_id = 'DEU'")
        cells = dict(zip([d[0] for d in deu.description], deu.fetchone(), strict=True))
    assert cells["h1_2025"] is None and cells["jan_sep_2024"] == "reported"


# (c) The site --------------------------------------------------------------------------------


def test_searching_for_telegram_united_states_2024_finds_the_reported_900_first(site, real_db):
    hits = search(site, "Telegram United States 2024")
    assert (hits[0]["kind"], hits[0]["id"]) == ("figure", "telegram-usa-2024-ip_or_phone-requests_fulfilled")
    assert hits[0]["page"] == "/figure/telegram-usa-2024-ip_or_phone-requests_fulfilled"
    assert "900" in hits[0]["text"] and "(derived)" not in hits[0]["text"]
    # A reader's abbreviation finds the same country's reported figures before any derived one.
    usa = [h for h in search(site, "telegram USA") if h["kind"] == "figure"]
    assert usa and all(h["id"].startswith("telegram-usa-") for h in usa)
    assert not usa[0]["id"].endswith("-derived")
    assert "telegram-usa-2024-ip_or_phone-requests_fulfilled" in {h["id"] for h in usa}
    # Datasette's own table search uses the same index.
    table = site.get("/disclosures/figures.json?_search=Telegram+United+States&_size=1").json()
    expected = rows(real_db, "SELECT count(*) FROM figures WHERE platform_id = 'telegram' AND jurisdiction_id = 'USA'")
    assert table["filtered_table_rows_count"] == expected[0][0] > 10


def test_a_figure_page_links_its_twin_and_names_its_period(site):
    html = site.get("/figure/telegram-usa-20240101-20240930-ip_or_phone-requests_fulfilled").text
    assert "<h1>Telegram, United States, January–September 2024</h1>" in html
    assert 'href="/figure/telegram-usa-20240101-20240930-ip_or_phone-accounts_affected"' in html
    back = site.get("/figure/telegram-usa-20240101-20240930-ip_or_phone-accounts_affected").text
    assert 'class="twin" href="/figure/telegram-usa-20240101-20240930-ip_or_phone-requests_fulfilled"' in back
    derived = site.get("/figure/telegram-usa-2024q4-ip_or_phone-requests_fulfilled-derived").text
    assert "<h1>Telegram, United States, Q4 2024</h1>" in derived
    assert 'class="twin" href="/figure/telegram-usa-2024q4-ip_or_phone-accounts_affected-derived"' in derived
    # Its inputs are named by period too, not by label.
    assert "<td>January–September 2024</td>" in derived and "<td>2024</td>" in derived


def test_telegram_status_chips_link_to_their_figures(site):
    html = site.get("/country/USA").text
    chips = re.findall(r'<li class="status-(\w+)">(.*?)</li>', html)
    linked = {status for status, chip in chips if chip.startswith('<a href="/figure/telegram-usa-')}
    assert {"reported", "derived"} <= linked
    assert all(chip.startswith("<a ") for status, chip in chips if status != "missing")
    assert (
        '<a href="/figure/telegram-usa-2024q4-ip_or_phone-requests_fulfilled-derived">Q4 2024: <strong>derived' in html
    )
    # Its first report covered January–September 2024 as a whole: its quarters say so and link there.
    assert (
        '<li class="status-in_longer_period"><a href="/figure/telegram-usa-20240101-20240930-ip_or_phone-requests_fulfilled">'
        "Q1 2024: <strong>in January–September 2024</strong>" in html
    )
    # Argentina's own January–June 2025 is there; it is not listed as missing for the United States.
    assert "H1 2025" not in re.sub(r"<table.*</table>", "", html, flags=re.S).split('<h2 id="newest">Newest figures')[0]
    assert "H1 2025: <strong>reported" in site.get("/country/ARG").text


@pytest.mark.parametrize("scope", ["WORLD", "EU", "OTHER", "INTL"])
def test_scope_pages_say_what_they_are(site, scope):
    html = site.get(f"/country/{scope}").text
    assert "This is not a country." in html
    assert "welcome contribution" not in html and "from Worldwide" not in html
    if 'class="status-list"' not in html:
        assert "does not compute one" in html
    newest = '<h2 id="newest">Newest figures of each platform</h2>'
    assert (newest in html) == ("twin-csv" in html)


def test_the_worldwide_page_never_invites_a_sum_of_countries(site):
    html = site.get("/country/WORLD").text
    assert "has no figure for this scope" in html and "not a\nTelegram total" in html
    assert "If you have the bot's answer" not in html


def test_the_map_marks_derived_values_and_opens_on_the_newest_period(site, real_db):
    html = site.get("/telegram-map").text
    (newest,) = rows(real_db, "SELECT max(period_end) FROM figures WHERE platform_id = 'telegram'")
    opened = re.search(r'<option value="([^"]+)" selected>', html).group(1)
    assert opened.split("_")[1] >= "2026-01-01" and opened.split("_")[1] <= newest[0]
    assert "What Telegram's transparency bot said" not in html
    q4 = site.get("/telegram-map?period=2024-10-01_2024-12-31").text
    (derived,) = rows(
        real_db,
        """SELECT count(*) FROM figures WHERE platform_id = 'telegram' AND metric_id = 'requests_fulfilled'
           AND period_start = '2024-10-01' AND period_end = '2024-12-31' AND is_derived = 1 AND value_kind = 'exact'""",
    )
    assert derived[0] > 0
    assert re.search(rf"<strong>{derived[0]} of these \d+ values are derived</strong>", q4)
    assert "<h1>Telegram: fulfilled requests, Q4 2024</h1>" in q4
    # One country: singular.
    assert re.search(r"\(1 country\)</option>", html) and "(1 countries)" not in html
    irregular = site.get("/telegram-map?period=2025-01-01_2025-06-30").text
    assert 'class="irregular-period"' in irregular and "1 country with a figure" in irregular


def test_the_citation_says_unreleased_like_the_rest_of_the_page(site):
    html = site.get("/").text
    citation = unescape(re.search(r'<p class="citation">(.*?)</p>', html, re.S).group(1))
    released = "not released yet" not in html
    assert ("(unreleased)" in citation) == (not released)
    assert re.search(r"version \d+\.\d+\.\d+ \(", citation)


def test_no_lone_home_line_under_the_navigation(site):
    for path in ("/", "/country/USA", "/telegram-map", "/compare", "/api"):
        html = site.get(path).text
        assert not re.search(r'<p class="crumbs">\s*<a href="/">home</a>\s*</p>', html), path
    # Datasette's own pages keep their breadcrumbs.
    assert re.search(
        r'<p class="crumbs">\s*<a href="/">home</a>\s*/\s*<a href="/disclosures">',
        site.get("/disclosures/figures?_size=1").text,
    )
