"""Layer (a): the dates filter (plugins/_dates.py) marks each ISO date a page shows as one
unbreakable span, and nothing else. Layer (c), that no date breaks on a phone, is in
tests/test_browser_small_screens.py."""

import markupsafe

from tests.conftest import plugin, rows

marked_dates = plugin("_dates").marked_dates


def test_each_iso_date_in_a_text_is_marked_and_the_rest_escaped():
    assert marked_dates("up to 2024-06-30 (checked 2026-11-30) <b>") == (
        'up to <span class="date">2024-06-30</span> (checked <span class="date">2026-11-30</span>) &lt;b&gt;'
    )
    # A date range: each date unbreakable, the words between them still a place to wrap.
    assert marked_dates("2024-01-01 – 2024-06-30") == (
        '<span class="date">2024-01-01</span> – <span class="date">2024-06-30</span>'
    )


def test_what_is_not_a_date_of_its_own_is_left_as_it_was():
    # Ids and longer runs of digits hold date-like parts; a value without a date is only escaped.
    for text in ("telegram-2024-01-01-x", "12024-01-015", "H1 2024", "2024-06", "a & b"):
        assert marked_dates(text) == markupsafe.escape(text)
    assert marked_dates(None) == "None"  # as Jinja prints a missing value without the filter


def test_markup_keeps_its_tags_and_attributes_whole():
    # A link's address holds a period: only the text a reader sees is marked.
    link = markupsafe.Markup('<a href="?period_start=2024-01-01" title="from 2024-01-01">2024-01-01</a> to 2024-06-30')
    assert marked_dates(link) == (
        '<a href="?period_start=2024-01-01" title="from 2024-01-01"><span class="date">2024-01-01</span></a>'
        ' to <span class="date">2024-06-30</span>'
    )


def test_a_date_already_marked_is_marked_once():
    # The figure page's "said" quote marks its dates, and the sentence holding it went through the
    # filter again: a disagreement's quoted row read <span class="date"><span class="date">2017-06-30.
    once = marked_dates("2017-06-30,United States <q>")
    assert marked_dates(once) == once
    assert marked_dates(markupsafe.Markup("<q>{0}</q> on 2024-01-01").format(once)) == (
        '<q><span class="date">2017-06-30</span>,United States &lt;q&gt;</q> on <span class="date">2024-01-01</span>'
    )


def test_a_figure_page_marks_each_date_of_a_disagreements_quote_once(site, real_db):
    ((figure_id, claimed),) = rows(
        real_db,
        "SELECT figure_id, claimed_text FROM disagreements WHERE claimed_text GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9],*'"
        " ORDER BY figure_id LIMIT 1",
    )
    html = site.get(f"/figure/{figure_id}").text
    assert f'<q><span class="date">{claimed[:10]}</span>' in html
    assert '<span class="date"><span class="date">' not in html


def test_a_table_cell_that_is_a_date_is_marked_in_html_only(site, real_db):
    ((version, day),) = rows(real_db, "SELECT version, date FROM releases ORDER BY date, version LIMIT 1")
    html = site.get("/disclosures/releases").text
    assert f'<td class="col-date type-str"><span class="date">{day}</span></td>' in html
    # The JSON and CSV keep the value itself.
    assert {"version": version, "date": day} in [
        {"version": r["version"], "date": r["date"]} for r in site.get("/disclosures/releases.json?_shape=array").json()
    ]
    assert f"{version},{day}," in site.get("/disclosures/releases.csv").text


# Text holding an ISO date, as SQLite's GLOB finds one.
HOLDS_A_DATE = "'*[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]*'"


def test_a_freshness_statements_dates_are_marked(site, real_db):
    # "dataset up to 2025-06-30; ... (as checked on 2026-11-30 ...)" was left bare on /disclosures/freshness.
    ((platform_id, statement),) = rows(
        real_db,
        f"SELECT platform_id, statement FROM freshness WHERE statement GLOB {HOLDS_A_DATE} ORDER BY platform_id LIMIT 1",
    )
    html = site.get(f"/disclosures/freshness?platform_id={platform_id}").text
    first = plugin("_dates").ISO_DATE.search(statement).group(0)
    assert f'<span class="date">{first}</span>' in html
    assert f'<td class="col-statement type-str">{marked_dates(statement)}</td>' in html
    assert site.get(f"/disclosures/freshness.json?platform_id={platform_id}&_shape=array").json()[0]["statement"] == (
        statement
    )


def test_a_period_names_dates_are_marked(site, real_db):
    # A period that is no year, half or quarter is named by its dates: "2020-05-01 to 2020-12-12".
    ((label, name),) = rows(
        real_db,
        f"SELECT period_label, name FROM period_names WHERE name GLOB {HOLDS_A_DATE} ORDER BY period_label LIMIT 1",
    )
    html = site.get(f"/disclosures/period_names?period_label={label}").text
    assert f'<td class="col-name type-str">{marked_dates(name)}</td>' in html
    assert '<span class="date">' in str(marked_dates(name))


def test_a_search_results_dates_are_marked_in_its_link(site, real_db):
    # search_everything's text (a canned query's cell: no table) is its result's link; a source
    # titled "..., 2022-01-01 to 2022-03-31" kept its dates bare.
    ((source_id, title),) = rows(
        real_db, f"SELECT source_id, title FROM sources WHERE title GLOB {HOLDS_A_DATE} ORDER BY source_id LIMIT 1"
    )
    html = site.get("/disclosures/search_everything", params={"q": title}).text
    assert f'<a href="/disclosures/sources/{source_id}">{marked_dates(title)}</a>' in html
    assert '<span class="date">' in str(marked_dates(title))
    # The JSON keeps the text itself.
    found = site.get("/disclosures/search_everything.json", params={"q": title, "_shape": "array"}).json()
    assert {"kind": "source", "id": source_id, "text": title, "page": f"/disclosures/sources/{source_id}"} in found
