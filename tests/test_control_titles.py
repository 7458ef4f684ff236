"""A table page's own controls name each column as its headers do (plugins/control_titles.py): its
filter rows' and sort selects, the sentence above its rows, its suggested facets and the facets
that timed out. Each form value, link and the JSON stay the columns' names."""

from __future__ import annotations

import json

import lxml.html
import pytest

from tests.conftest import Site, rows, unhurried

PAGE = "/disclosures/figures?platform_id=telegram&_sort=value"


@pytest.fixture(scope="module")
def titles(real_build):
    metadata = json.loads((real_build / "metadata.json").read_text(encoding="utf-8"))
    found = metadata["plugins"]["platform-disclosures"]["column_titles"]["figures"]
    # The ones that add to their names ("Platform" for platform_id; not "Value" for value).
    return {c: t for c, t in found.items() if t.lower() != c.replace("_", " ").lower()}


def options(html_text: str, name: str) -> list[tuple[str, str, bool]]:
    """Each option of the form's select ``name``: the value a browser sends (its text where it
    has no value), its text, and whether it is selected."""
    select = lxml.html.fromstring(html_text).xpath(f'//form[@class="filters"]//select[@name="{name}"]')
    assert len(select) == 1, name
    return [
        (
            o.get("value", " ".join(o.text_content().split())),
            " ".join(o.text_content().split()),
            o.get("selected") is not None,
        )
        for o in select[0].xpath("./option")
    ]


def sentence(html_text: str) -> str:
    """The sentence above the table, after its row count."""
    doc = lxml.html.fromstring(html_text)
    heading = doc.xpath('//h3[contains(., " rows")]')[0]
    return " ".join(heading.text_content().split()).split(" rows ", 1)[1]


def test_the_filter_and_sort_selects_show_the_columns_titles_and_send_their_names(site, real_db, titles):
    # Datasette's selects listed platform_id, request_type_id, source_locator: codes, where the
    # table's headers above say "Platform", "Request type", "Where in the source".
    columns = [r[0] for r in rows(real_db, "SELECT name FROM pragma_table_info('figures') ORDER BY cid")]
    html_text = site.get(PAGE).text
    shown = {c: f"{titles[c]} ({c})" if c in titles else c for c in columns}
    chosen = options(html_text, "_filter_column_1")  # the filter the page has: platform_id
    assert chosen[0] == ("", "- remove filter -", False)
    assert chosen[1:] == [(c, shown[c], c == "platform_id") for c in columns]
    added = options(html_text, "_filter_column")  # the empty row that adds a filter
    assert added == [("", "- column -", False)] + [(c, shown[c], False) for c in columns]
    assert ("source_locator", "Where in the source (source_locator)", False) in added
    assert ("value", "value", False) in added  # "Value" adds nothing to its name
    # The sort: every sortable column by its name, named by its title.
    sort = options(html_text, "_sort")
    sortable = lxml.html.fromstring(html_text).xpath(
        '//table[contains(@class, "rows-and-columns")]//th[a]/@data-column'
    )
    assert "platform_id" in sortable and "value" in sortable
    assert sort[0] == ("", "Sort...", False)
    assert [value for value, _, _ in sort[1:]] == [c for c in columns if c in sortable]
    for value, text, selected in sort[1:]:
        assert text == f"Sort by {titles.get(value, value)}" and selected == (value == "value")
    assert ("platform_id", "Sort by Platform", False) in sort
    # The filter's operators and hidden fields are Datasette's.
    assert ("exact", "=", True) in options(html_text, "_filter_op_1")


def test_the_sentence_above_the_rows_and_the_pages_title_name_the_columns(site):
    html_text = site.get(PAGE).text
    assert sentence(html_text) == 'where Platform (platform_id) = "telegram" sorted by value'
    title = lxml.html.fromstring(html_text).findtext(".//title")
    assert title.endswith(' rows where Platform (platform_id) = "telegram" sorted by value')
    # The JSON says Datasette's words: the names are the API.
    assert site.get(PAGE.replace("figures?", "figures.json?") + "&_size=1").json()["human_description_en"] == (
        'where platform_id = "telegram" sorted by value'
    )
    # A search, which Datasette names first, stays as it says it; each column after it is titled,
    # the sort too.
    path = "/disclosures/figures?_search=telegram&metric_id__not=accounts_affected&platform_id=telegram&_sort_desc=value_low"
    assert sentence(site.get(path).text) == (
        'where search matches "telegram", Metric (metric_id) != "accounts_affected" and '
        'Platform (platform_id) = "telegram" sorted by Band low (value_low) descending'
    )
    data = site.get(path.replace("figures?", "figures.json?") + "&_size=1").json()
    assert data["human_description_en"] == (
        'where search matches "telegram", metric_id != "accounts_affected" and platform_id = "telegram" '
        "sorted by value_low descending"
    )
    # A lookup with no value, and a column without a title.
    assert sentence(site.get("/disclosures/figures?value_note__isnull=1&year=2024").text) == (
        "where How to read the value (value_note) is null and year = 2024 sorted by recency_rank"
    )


def test_the_suggested_facets_and_the_timed_out_ones_are_named_by_their_titles(real_build):
    # Served with suggest_facets off (settings.yml), but a copy of the site may turn it on.
    suggesting = Site(unhurried(real_build, settings={"suggest_facets": True, "facet_suggest_time_limit_ms": 30_000}))
    doc = lxml.html.fromstring(suggesting.get("/disclosures/events").text)
    links = {
        a.get("href").split("/events?")[1]: " ".join(a.text_content().split())
        for a in doc.xpath('//p[@class="suggested-facets"]/a')
    }
    assert links["_facet=event_date#facet-event_date"] == "Date event_date"  # its title, then its name
    assert (
        links["_facet_date=event_date#facet-event_date"] == "event_date"
    )  # a date facet: Datasette's "(date)" after it
    # A facet that ran out of time is named as its box would have been.
    hurried = Site(unhurried(real_build, settings={"facet_time_limit_ms": 1}))
    doc = lxml.html.fromstring(hurried.get("/disclosures/figures?_facet=source_locator").text)
    timed_out = " ".join(doc.xpath('//p[@class="facets-timed-out"]')[0].text_content().split())
    assert "Where in the source (source_locator)" in timed_out


def test_the_tables_the_build_writes_title_the_columns_they_copy_from_figures(site, real_build, real_db):
    # coverage, requests_and_accounts, freshness, search_text... headed, faceted and filtered by
    # platform_id, period_label, request_type_id, where the figures table says "Platform", "Period",
    # "Request type" for the same columns.
    from disclosures.site_config import FIGURE_COLUMNS, FIGURE_ROW_TABLES

    metadata = json.loads((real_build / "metadata.json").read_text(encoding="utf-8"))
    titles = metadata["plugins"]["platform-disclosures"]["column_titles"]
    tables = metadata["databases"]["disclosures"]["tables"]
    figures = titles["figures"]
    for table, columns in FIGURE_COLUMNS.items():
        present = {r[0] for r in rows(real_db, f"SELECT name FROM pragma_table_info('{table}')")}
        assert set(columns) <= present, table  # each is a column of the table built
        assert titles[table] == {column: figures[column] for column in columns}, table
    # A table of figures takes their descriptions too, where metadata.yml gives none.
    assert FIGURE_ROW_TABLES and all(
        tables[table]["columns"][c] == tables["figures"]["columns"][c]
        for table in FIGURE_ROW_TABLES
        for c in FIGURE_COLUMNS[table]
    )
    # metadata.yml's descriptions stay where it gives them.
    assert tables["coverage"]["columns"]["platform_id"] == "The platform."
    assert tables["figure_inputs"]["columns"]["figure_id"] == "The derived figure (figures.is_derived = 1)."
    # Each platform's coverage matrix titles its jurisdictions.
    views = [
        r[0] for r in rows(real_db, "SELECT name FROM sqlite_master WHERE type = 'view' AND name GLOB '*_coverage'")
    ]
    assert len(views) > 10 and all(titles[view] == {"jurisdiction_id": "Jurisdiction"} for view in views)
    # A column that only shares a name with a figures column is not titled: facet_counts.value is
    # any column's value.
    assert "facet_counts" not in titles and "status" not in titles["coverage"]
    # The page: its filter and sentence name the column by its title, the form still sends the name.
    page = site.get("/disclosures/coverage?platform_id=telegram").text
    assert ("platform_id", "Platform (platform_id)", False) in options(page, "_filter_column")
    assert ("status", "status", False) in options(page, "_filter_column")
    assert sentence(page) == 'where Platform (platform_id) = "telegram"'
    glossary = lxml.html.fromstring(site.get("/disclosures/search_text?_size=1").text).xpath(
        '//dl[@class="column-descriptions"]/dt'
    )
    assert "Platform's wording platform_wording" in [" ".join(dt.text_content().split()) for dt in glossary]


# Each column and operator select of the filter form: its name, value, the text it shows, whether
# that text and its longest option fit inside it (beside its arrow), its right edge, and whether it
# is shown.
SELECTS = """() => [...document.querySelectorAll('form.filters select:is([name^="_filter_column"], [name^="_filter_op"], [name="_sort"])')]
  .map(select => {
    const style = getComputedStyle(select);
    const context = document.createElement('canvas').getContext('2d');
    context.font = style.font;
    const room = select.clientWidth - parseFloat(style.paddingLeft) - parseFloat(style.paddingRight);
    const widest = Math.max(...[...select.options].map(o => context.measureText(o.text).width));
    return {name: select.name, value: select.value, text: select.options[select.selectedIndex].text,
            whole: widest <= room + 1, right: select.getBoundingClientRect().right, shown: select.offsetParent !== null};
  })"""


# Each filter row of the form: where it, its column select, operator, value box and (when shown)
# Datasette's ✖ are.
FILTER_ROWS = """() => [...document.querySelectorAll('form.filters .filter-row')]
  .filter(row => row.querySelector('.filter-op'))
  .map(row => {
    const box = element => {
      if (!element || element.offsetParent === null) return null;
      const r = element.getBoundingClientRect();
      return {left: r.left, right: r.right, top: r.top, bottom: r.bottom, width: r.width};
    };
    return {row: box(row), column: box(row.querySelector('.select-wrapper:not(.filter-op)')),
            op: box(row.querySelector('.filter-op')), value: box(row.querySelector('input.filter-value')),
            cross: box(row.querySelector(':scope > a'))};
  })"""


def same_line(a, b) -> bool:
    return a["top"] < b["bottom"] and b["top"] < a["bottom"]


@pytest.mark.browser
@pytest.mark.parametrize("width", [1280, 1024, 390, 375])
def test_a_browser_shows_the_filter_and_sort_selects_titles_whole_and_sends_the_names(page, width):
    # Datasette's selects are 120 px wide (100 px on a phone): "Platform (platform_id)" showed as
    # "Platform (platfor" under the select's arrow; its operator select 80 px (60 px), where
    # "array does not contain" read "array does".
    page.set_viewport_size({"width": width, "height": 900})
    page.goto(PAGE)
    page.wait_for_load_state("load")
    selects = {s["name"]: s for s in page.evaluate(SELECTS)}
    assert set(selects) == {"_filter_column_1", "_filter_op_1", "_filter_column", "_filter_op", "_sort"}
    assert selects["_filter_column_1"]["value"] == "platform_id"
    assert selects["_filter_column_1"]["text"] == "Platform (platform_id)"
    assert selects["_sort"]["value"] == "value" and selects["_sort"]["shown"] == (
        width < 576
    )  # Datasette's phone-only sort
    for select in selects.values():
        if select["shown"]:
            assert select["whole"] and select["right"] <= width, select
    assert page.evaluate("document.scrollingElement.scrollWidth") <= width
    # On a phone the value box wrapped onto a line of its own, 150 px wide under the column select
    # and apart from its operator: each value box is on its operator's line and fills the rest of it.
    page.wait_for_function("document.querySelector('form.filters .filter-row > a')")  # Datasette's ✖
    rows = page.evaluate(FILTER_ROWS)
    assert len(rows) == 2 and rows[0]["cross"] is not None and rows[1]["cross"] is None
    for row in rows:
        assert same_line(row["op"], row["value"]) and row["op"]["right"] <= row["value"]["left"], row
        assert row["value"]["right"] <= min(width, row["row"]["right"]), row
        if row["cross"]:
            assert same_line(row["value"], row["cross"]) and row["cross"]["right"] <= width, row
        if width < 576:  # the column select has the first line, the value the rest of the second
            assert row["column"]["bottom"] <= row["op"]["top"], row
            assert row["column"]["width"] >= row["row"]["width"] - 1, row
            end = row["cross"]["left"] if row["cross"] else row["row"]["right"]
            # What the operator (as wide as its longest, "array does not contain") leaves.
            assert end - row["value"]["right"] <= 10 and row["value"]["width"] >= width / 3, row
        else:  # all on one line
            assert same_line(row["column"], row["op"]) and row["column"]["right"] <= row["op"]["left"], row
    # Each column's menu button is named so too (static/form-labels.js).
    page.wait_for_function("document.querySelector('th[data-column=value] .dropdown-menu-icon[aria-label]')")
    menu = "th[data-column={}] .dropdown-menu-icon"
    assert page.get_attribute(menu.format("platform_id"), "aria-label") == (
        "Options for column Platform (platform_id): sort, facet, hide"
    )
    assert page.get_attribute(menu.format("value"), "aria-label") == "Options for column value: sort, facet, hide"
    # Picked by their titles, the form sends the names: the page it leads to is filtered and sorted by them.
    page.select_option('select[name="_filter_column"]', label="Request type (request_type_id)")
    page.fill('input[name="_filter_value"]', "ip_or_phone")
    if width < 576:
        page.select_option('select[name="_sort"]', label="Sort by Jurisdiction")
    with page.expect_navigation():
        page.click('form.filters input[type="submit"]')
    assert "request_type_id__exact=ip_or_phone" in page.url and "platform_id__exact=telegram" in page.url
    assert ("_sort=jurisdiction_id" if width < 576 else "_sort=value") in page.url
    heading = " ".join(page.locator("h3").first.inner_text().split())
    assert heading.endswith(
        'Request type (request_type_id) = "ip_or_phone" sorted by '
        + ("Jurisdiction (jurisdiction_id)" if width < 576 else "value")
    )
