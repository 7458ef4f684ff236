"""Layer (c), in Chromium, after a newcomer's break-test at 390 and 1400 px: the home chart's
numbered event markers do not touch (two events a month apart were drawn over each other on a
phone), and the figures table's rows stay compact at 1400 px."""

from __future__ import annotations

import itertools
import json
import re

import pytest
from datasette.utils import tilde_encode
from playwright.sync_api import expect

from tests.conftest import rows

pytestmark = pytest.mark.browser

# The boxes the chart drew its numbers in (static/chart-common.js), and where the x scale puts
# each event's date: a box must be centred on its own event's line.
MARKERS = """() => {
  const canvas = document.getElementById('telegram-chart');
  const chart = Chart.getChart(canvas);
  const events = JSON.parse(document.getElementById('telegram-chart-data').textContent).events;
  const lines = events.map(e => chart.scales.x.getPixelForValue(Date.parse(e.event_date + 'T00:00:00Z')));
  return {boxes: JSON.parse(canvas.dataset.eventMarkers || '[]'), lines,
          width: canvas.getBoundingClientRect().width, height: canvas.getBoundingClientRect().height};
}"""


# Numbers closer than this touch to the eye (two digits 2.75 px apart read as "12" on a phone),
# and the white ground each number is drawn on reaches 2 px beyond its box.
CLEARANCE = 4.0


def intersect(a: dict, b: dict, clearance: float = CLEARANCE) -> bool:
    return not (
        a["right"] + clearance <= b["left"]
        or b["right"] + clearance <= a["left"]
        or a["bottom"] + clearance <= b["top"]
        or b["bottom"] + clearance <= a["top"]
    )


@pytest.mark.parametrize("width", [390, 1400])
def test_the_home_charts_event_numbers_do_not_touch(page, width):
    page.set_viewport_size({"width": width, "height": 900})
    page.goto("/")
    page.wait_for_function("document.getElementById('telegram-chart').dataset.rendered > 0")
    measured = page.evaluate(MARKERS)
    boxes = measured["boxes"]
    # Both events are drawn, numbered as the list under the chart numbers them.
    assert sorted(b["n"] for b in boxes) == [1, 2] == list(range(1, page.locator("ol.events > li.event").count() + 1))
    for box in boxes:
        centre = (box["left"] + box["right"]) / 2
        assert abs(centre - measured["lines"][box["n"] - 1]) < 0.5, (box, measured["lines"])
        assert box["left"] >= 0 and box["right"] <= measured["width"] and box["top"] >= 0, box
        assert box["right"] - box["left"] > 2 and box["bottom"] - box["top"] >= 10, box
    for i, a in enumerate(boxes):
        for b in boxes[i + 1 :]:
            assert not intersect(a, b), (width, a, b)


# Each row's height, and each text the table holds to a few lines: whether it is held (its text
# runs past its box), whether a "whole text" link follows it, and its title.
ROWS = """() => {
  const table = document.querySelector('table.rows-and-columns');
  const heights = [...table.querySelectorAll('tbody tr')].map(r => r.getBoundingClientRect().height);
  const held = [...table.querySelectorAll('td .cell-text, td.col-source_id > a:first-child')].map(el => ({
    column: el.closest('td').className.split(' ')[0],
    clipped: el.scrollHeight > el.clientHeight + 1,
    lines: Math.round(el.getBoundingClientRect().height / parseFloat(getComputedStyle(el).lineHeight)),
    link: el.nextElementSibling && el.nextElementSibling.matches('a.more') ? el.nextElementSibling.getAttribute('href') : null,
    href: el.getAttribute('href'),
    title: el.title, text: el.textContent}));
  return {heights, held};
}"""


@pytest.mark.parametrize("path", ["/disclosures/figures", "/disclosures/figures?platform_id=telegram"])
def test_figure_rows_are_compact_at_1400_px_and_long_text_reads_whole_a_click_away(page, path):
    page.set_viewport_size({"width": 1400, "height": 900})
    page.goto(path)
    page.wait_for_load_state("load")
    measured = page.evaluate(ROWS)
    assert len(measured["heights"]) == 100
    # 201 px before (a source's title ran to nine lines in its column, a quote to five).
    assert max(measured["heights"]) <= 130, max(measured["heights"])
    held = measured["held"]
    assert any(h["clipped"] for h in held), "nothing was long enough to be held: the test measures nothing"
    for h in held:
        assert h["lines"] <= 3, h
        assert h["title"] == h["text"], h  # hover shows it whole
        if h["clipped"] and h["column"] == "col-quote":
            assert h["link"] and h["link"].startswith("/figure/"), h
        if h["column"] == "col-source_id":
            assert h["href"].startswith("/disclosures/sources/"), h  # the source's page has its whole title


def test_a_querys_repeated_freshness_statement_takes_a_few_lines_at_1400_px(page):
    # compare_platforms repeats a platform's freshness statement (up to 570 characters) on each of
    # its rows: in a column 85 px wide each row was 430 px tall, and Germany's page 94,000 px long.
    page.set_viewport_size({"width": 1400, "height": 900})
    page.goto("/disclosures/compare_platforms?jurisdiction=DEU")
    page.wait_for_load_state("load")
    cells = page.evaluate(
        """() => [...document.querySelectorAll('table.rows-and-columns td.col-freshness')].map(td => ({
          lines: Math.round(td.getBoundingClientRect().height / parseFloat(getComputedStyle(td).lineHeight)),
          chars: td.textContent.trim().length}))"""
    )
    assert cells and max(c["chars"] for c in cells) >= 300, cells[:3]  # long enough to be measured
    assert max(c["lines"] for c in cells) <= 12, max(cells, key=lambda c: c["lines"])
    assert page.evaluate("document.scrollingElement.scrollWidth") <= 1400


def test_a_held_quote_is_whole_on_the_figure_page(page):
    page.set_viewport_size({"width": 1400, "height": 900})
    page.goto("/disclosures/figures?platform_id=telegram")
    page.wait_for_load_state("load")
    held = [h for h in page.evaluate(ROWS)["held"] if h["clipped"] and h["column"] == "col-quote" and h["link"]]
    assert held
    shown = held[0]
    page.goto(shown["link"])
    # The figure page shows the quote whole (a cut one ends in "…" in the table, not here).
    whole = shown["text"].rstrip("…")
    assert whole in page.locator("body").inner_text().replace("\n", " ") or whole in page.content()


@pytest.mark.parametrize(
    "path",
    [
        "/",
        "/changes",
        "/country/USA",
        "/platform/telegram",
        # Its series of one period, each a table (the widest, EU DSA orders by member state).
        "/platform/reddit",
        "/compare",
        "/api",
        "/countries",
        "/platforms",
    ],
)
def test_no_page_is_wider_than_a_phone(page, path):
    # Wide tables scroll in their own box; the page itself never scrolls sideways (/changes did,
    # its changelog 623 px wide on a 390 px screen).
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(path)
    page.wait_for_load_state("load")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390


def test_the_country_pages_newest_figures_fit_a_phone(page):
    # Each platform's row (name and freshness note, one th across the table) was kept on one line
    # by Datasette's th { white-space: nowrap }: the table grew to 1,083 px and a phone showed the
    # value and period but not what the value counts.
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto("/country/USA")
    page.wait_for_load_state("load")
    assert page.evaluate("document.querySelector('table.newest').scrollWidth") <= 390


# Each table's row with the most text (a figure's source, quote and notes; a source's title, URL
# and notes), whose page was the widest.
LONGEST_ROW = {
    "figures": "SELECT figure_id FROM figures ORDER BY length(quote) + length(coalesce(notes, '')) + length(source_id) DESC",
    "sources": "SELECT source_id FROM sources ORDER BY length(url) + length(coalesce(title, '')) + length(coalesce(notes, '')) DESC",
    "disagreements": "SELECT disagreement_id FROM disagreements ORDER BY length(claimed_text) DESC",
    "corroborations": "SELECT figure_id || ',' || source_id FROM corroborations ORDER BY length(quote) DESC",
    "platforms": "SELECT platform_id FROM platforms ORDER BY length(coalesce(notes, '')) DESC",
}
ROW_PAGE = """() => {
  const table = document.querySelector('table.rows-and-columns');
  const box = table.parentElement;
  const place = e => { const r = e.getBoundingClientRect(); return {top: r.top, left: r.left, right: r.right}; };
  return {page: document.documentElement.scrollWidth, window: innerWidth,
          box: [box.scrollWidth, box.clientWidth], display: getComputedStyle(table).display,
          names: [...table.querySelectorAll('th')].map(th => ({text: th.textContent.trim(), ...place(th)})),
          values: [...table.querySelectorAll('td')].map(place)};
}"""


@pytest.mark.parametrize("table", LONGEST_ROW)
def test_a_row_page_shows_every_field_within_the_window(page, real_db, table):
    # A figure's row page was a table of 26 columns, 3,100 px wide at 1,400 px: its source, quote
    # and every field after them were off to the right of their box, and its notes a column of
    # single words. Each field is now a line, its name beside its value.
    key = rows(real_db, LONGEST_ROW[table] + " LIMIT 1")[0][0]
    path = f"/disclosures/{table}/" + ",".join(tilde_encode(part) for part in key.split(","))
    for width in (1400, 1366, 390):
        page.set_viewport_size({"width": width, "height": 900})
        response = page.goto(path)
        assert response.status == 200, path
        measured = page.evaluate(ROW_PAGE)
        assert measured["page"] == measured["window"] == width, (width, measured["page"])
        assert measured["box"][0] <= measured["box"][1], (width, measured["box"])  # nothing hidden in the box
        assert len(measured["values"]) == len(measured["names"]) >= 5
        for value in measured["values"]:
            assert value["left"] >= 0 and value["right"] <= width, (width, value)
        if width > 576:
            assert measured["display"] == "table"  # a table of the fields, not a grid remade from one
            for name, value in zip(measured["names"], measured["values"], strict=True):
                # The nth value on the nth name's line, to its right.
                assert abs(name["top"] - value["top"]) < 1 and name["right"] <= value["left"], (width, name, value)
        else:
            # A phone keeps Datasette's card: each field's name above its value, one under another.
            tops = [value["top"] for value in measured["values"]]
            assert tops == sorted(tops) and len(set(tops)) == len(tops), tops


@pytest.mark.parametrize("width", [1400, 390])
@pytest.mark.parametrize("table", ["figures", "platforms"])
def test_a_row_page_is_a_table_of_its_fields_for_a_screen_reader(page, real_build, real_db, table, width):
    # The row page was one table row of 26 cells under 26 column headers, laid out by CSS as a
    # list of lines (display: contents on its rows): a screen reader read every name, then every
    # value, and a browser that drops a table's roles under display: contents read no table at
    # all. Each field is now a row of the table: its name the row's header, its value its cell.
    key = rows(real_db, LONGEST_ROW[table] + " LIMIT 1")[0][0]
    columns = [r[0] for r in rows(real_db, f"SELECT name FROM pragma_table_info('{table}') ORDER BY cid")]
    page.set_viewport_size({"width": width, "height": 900})
    page.goto(f"/disclosures/{table}/{tilde_encode(key)}")
    table_node = page.get_by_role("table")
    expect(table_node).to_have_count(1)
    # Each row is one field: a row header (its name) and one cell (its value), in the table's order.
    metadata = json.loads((real_build / "metadata.json").read_text(encoding="utf-8"))
    titles = metadata["plugins"]["platform-disclosures"]["column_titles"][table]  # its name after each title
    headers = [" ".join(text.split()) for text in table_node.get_by_role("rowheader").all_inner_texts()]
    # A title that repeats the name ("Value", value) adds nothing: the name, once.
    assert headers == [
        f"{titles[c]} {c}" if c in titles and titles[c].lower() != c.replace("_", " ").lower() else c for c in columns
    ]
    assert table_node.get_by_role("row").count() == table_node.get_by_role("cell").count() == len(columns)
    assert table_node.get_by_role("columnheader").count() == 0
    first = table_node.get_by_role("row").first
    expect(first.get_by_role("rowheader")).to_contain_text(columns[0])
    expect(first.get_by_role("cell")).to_contain_text(key.split(",")[0])
    expect(first).to_have_accessible_name(re.compile(rf"^{re.escape(headers[0])} "))
    # The phone's card labelled each value with the nth column's name: no label beside a name.
    before = page.evaluate("getComputedStyle(document.querySelector('table.rows-and-columns td'), '::before').content")
    assert before in ("none", "normal"), before


def test_a_tables_values_on_a_phone_are_labelled_with_their_columns_titles(page):
    # Datasette's phone card labels each value with its column's name (platform_id, value_kind).
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto("/disclosures/figures?platform_id=telegram&_size=2")
    label = "td => getComputedStyle(td, '::before').content"
    assert page.locator("tbody td.col-platform_id").first.evaluate(label) == '"Platform (platform_id)"'
    # "Value (value)" said one word twice: a title that repeats the name leaves Datasette's label.
    assert page.locator("tbody td.col-value").first.evaluate(label) == '"value"'
    # A table the build writes titles the columns it copies from figures (site_config.FIGURE_COLUMNS)
    # and keeps Datasette's names for its own.
    page.goto("/disclosures/coverage?_size=2")
    assert page.locator("tbody td.col-platform_id").first.evaluate(label) == '"Platform (platform_id)"'
    assert page.locator("tbody td.col-status").first.evaluate(label) == '"status"'


@pytest.mark.parametrize("width", [390, 1280])
def test_the_coverage_matrix_keeps_its_period_headers_and_places_in_view(page, width):
    # The sticky header never stuck (its box scrolled only sideways, so it went with the page):
    # scrolled down, a grid of numbers with no period to read them by.
    page.set_viewport_size({"width": width, "height": 800})
    page.goto("/platform/telegram")
    page.wait_for_load_state("load")
    page.evaluate(
        "(() => { const box = document.querySelector('.coverage-scroll'); box.scrollTop = 600; box.scrollLeft = 300; })()"
    )
    offsets = page.evaluate(
        """(() => {
          const box = document.querySelector('.coverage-scroll').getBoundingClientRect();
          const period = document.querySelector('.coverage-matrix thead th:nth-child(3)').getBoundingClientRect();
          const place = document.querySelector('.coverage-matrix tbody tr:nth-child(20) th').getBoundingClientRect();
          return [period.top - box.top, place.left - box.left];
        })()"""
    )
    # Within a pixel: the table's collapsed border may sit half a pixel inside the box.
    assert [abs(offset) <= 1 for offset in offsets] == [True, True], offsets


def test_each_change_reads_whole_on_a_phone(page):
    # Five columns in a scrolling box hid the new value and the reason off a 390 px screen.
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto("/changes")
    page.wait_for_load_state("load")
    right_edges = page.evaluate(
        """[...document.querySelectorAll('table.changelog tbody tr:first-child td')]
             .filter(td => td.offsetParent !== null).map(td => td.getBoundingClientRect().right)"""
    )
    assert right_edges and max(right_edges) <= 390
    labels = page.evaluate(
        """[...document.querySelectorAll('table.changelog tbody tr:first-child td')]
             .filter(td => td.offsetParent !== null)
             .map(td => getComputedStyle(td, '::before').content)"""
    )
    assert '"New value: "' in labels and '"Reason: "' in labels


@pytest.mark.parametrize("path", ["/", "/country/USA", "/figure/telegram-usa-2024-ip_or_phone-requests_fulfilled"])
def test_the_first_tab_offers_to_skip_to_the_content(page, path):
    # Ten links and a search form came before a page's content, on every page.
    page.goto(path)
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent") == "Skip to content"
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "content"
    # The target sits just before the page's content: nothing a keyboard reaches lies between.
    between = page.evaluate(
        """(() => {
          const target = document.getElementById('content'), section = document.querySelector('section.content');
          const after = (a, b) => Boolean(a.compareDocumentPosition(b) & Node.DOCUMENT_POSITION_FOLLOWING);
          return [...document.querySelectorAll('a, button, input, select, summary')]
            .filter(el => after(target, el) && after(el, section)).length;
        })()"""
    )
    assert between == 0


@pytest.mark.parametrize("path", ["/country/USA", "/platform/telegram"])
def test_a_charts_table_opened_on_a_phone_does_not_widen_the_page(page, path):
    # The chart's text alternative, opened, made the page 567 px wide at 390 (its headers do not
    # wrap in Datasette's styles), with the "derived" column cut off at the edge.
    page.set_viewport_size({"width": 390, "height": 900})
    page.goto(path)
    opened = page.evaluate(
        "() => { const all = document.querySelectorAll('details.chart-figures'); all.forEach(d => d.open = true);"
        " return all.length; }"
    )
    assert opened > 0
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    assert page.locator("table.chart-table th").nth(3).inner_text() == "Derived"


# Form controls a screen reader would announce without a name: no <label>, aria-label,
# aria-labelledby or title, and (a button) no text of its own.
UNNAMED_CONTROLS = """() => [...document.querySelectorAll(
    'input:not([type=hidden]), select, textarea, button, [contenteditable=true]')].filter(e => {
  if (e.getAttribute('aria-label') || e.getAttribute('aria-labelledby') || e.title) return false;
  if (e.labels && e.labels.length) return false;
  if ((e.tagName === 'BUTTON' || e.type === 'submit') && (e.innerText.trim() || e.value)) return false;
  return true;
}).map(e => e.outerHTML.slice(0, 100))"""


@pytest.mark.parametrize(
    "path",
    [
        "/",
        "/disclosures/figures?platform_id=telegram",
        "/disclosures/sources",
        "/disclosures?sql=select+1",
        "/disclosures/search_everything?q=telegram",
        "/compare",
        "/country/USA",
    ],
)
def test_every_form_control_has_a_name_a_screen_reader_can_say(page, path):
    # Datasette's filters, sort and SQL editor were announced as "combo box" or "edit text" alone.
    page.goto(path)
    page.wait_for_load_state("load")
    page.wait_for_function("document.readyState === 'complete'")
    page.wait_for_timeout(50)
    assert page.evaluate(UNNAMED_CONTROLS) == []
    if "platform_id=telegram" in path:
        names = page.evaluate("[...document.querySelectorAll('form.filters [aria-label]')].map(e => e.ariaLabel)")
        assert names[:3] == ["Filter 1: column", "Filter 1: operator", "Filter 1: value"]
        assert "Filter new: column" in names and "Sort by column" in names


def test_a_columns_menu_opens_and_closes_from_the_keyboard(page):
    # Datasette opens it on a mouse click only: a keyboard could not sort, facet or hide a column.
    page.goto("/disclosures/figures?platform_id=telegram")
    page.wait_for_function("document.querySelector('th[data-column=value] .dropdown-menu-icon[tabindex]')")
    icon = "th[data-column=value] .dropdown-menu-icon"
    assert page.get_attribute(icon, "role") == "button"
    page.focus(icon)
    page.keyboard.press("Enter")
    focused = page.evaluate("[document.activeElement.textContent, document.activeElement.getAttribute('href')]")
    assert focused[0] == "Sort ascending" and "_sort=value" in focused[1]
    page.keyboard.press("Escape")
    assert page.evaluate("document.querySelector('body > .dropdown-menu').style.display") == "none"
    assert page.evaluate("document.activeElement.closest('th').dataset.column") == "value"
    page.focus(icon)
    page.keyboard.press(" ")
    page.keyboard.press("Enter")  # on "Sort ascending"
    page.wait_for_url("**_sort=value**")


def test_tabbing_out_of_a_columns_menu_closes_it_on_its_icon(page):
    # The menu sits at the end of the page: Tab past its last entry left it open and moved the
    # focus to the page's first link ("Skip to content"), the page scrolled to the top.
    page.goto("/disclosures/figures?platform_id=telegram")
    page.wait_for_function("document.querySelector('th[data-column=value] .dropdown-menu-icon[tabindex]')")
    icon = "th[data-column=value] .dropdown-menu-icon"
    menu_shown = "getComputedStyle(document.querySelector('body > .dropdown-menu')).display"
    for back in (False, True):
        page.focus(icon)
        page.keyboard.press("Enter")
        assert page.evaluate(menu_shown) != "none"
        entries = page.evaluate(
            "[...document.querySelectorAll('body > .dropdown-menu a')].filter(a => a.offsetParent).length"
        )
        assert entries >= 2
        if back:
            page.keyboard.press("Shift+Tab")  # from the first entry
        else:
            for _ in range(entries):
                page.keyboard.press("Tab")  # to the last entry, then past it
        assert page.evaluate(menu_shown) == "none"
        assert page.evaluate("document.activeElement.closest('th').dataset.column") == "value"
    # Within the menu, Tab still moves from entry to entry.
    page.focus(icon)
    page.keyboard.press("Enter")
    page.keyboard.press("Tab")
    assert page.evaluate(menu_shown) != "none"
    assert page.evaluate("document.activeElement.closest('.dropdown-menu') !== null")


def test_the_search_forms_field_is_named_for_what_it_searches(page):
    # Its label was "q", the query's parameter name, read out and shown as the field's name.
    page.goto("/disclosures/search_everything?q=telegram")
    page.wait_for_load_state("load")
    page.wait_for_function("document.readyState === 'complete'")
    label = page.evaluate("document.querySelector('form.sql input[name=q]').labels[0].textContent")
    # One word: Datasette gives a parameter's label a seventh of the form, and at 390 px "Search
    # quotes, sources, events" broke into seven lines, mid-word.
    assert label == "Search"


# A phone upright, a phone on its side (the boxes were for 576 px and narrower only, so its first
# row stayed at 4,000 px), and a tablet upright (4,000 px).
@pytest.mark.parametrize("size", [(390, 844), (844, 390), (768, 1024)])
def test_the_figures_first_row_is_near_the_top_on_a_phone_and_every_facet_is_in_reach(page, size):
    # Seven facets of up to 50 entries stacked before the table: its first row at y = 7,800 px.
    page.set_viewport_size({"width": size[0], "height": size[1]})
    page.goto("/disclosures/figures")
    page.wait_for_load_state("load")
    first_row = page.evaluate(
        "document.querySelector('table.rows-and-columns tbody tr').getBoundingClientRect().top + window.scrollY"
    )
    assert first_row < 3000, first_row
    # A facet's last entry is reached by keyboard: focusing it scrolls its own box to it.
    last = page.locator(".facet-info").first.locator("ul li a").last
    last.focus()
    box = page.evaluate(
        """() => { const a = document.activeElement, ul = a.closest('ul');
                   const r = a.getBoundingClientRect(), u = ul.getBoundingClientRect();
                   return {inside: r.top >= u.top - 1 && r.bottom <= u.bottom + 1, scrolled: ul.scrollTop}; }"""
    )
    assert box["inside"] and box["scrolled"] > 0, box
    # At a desktop width the lists are whole, as Datasette draws them.
    page.set_viewport_size({"width": 1400, "height": 900})
    assert page.evaluate("getComputedStyle(document.querySelector('.facet-info ul')).overflowY") == "visible"


# The home chart's logarithmic axis: each labelled tick's value, label and pixel, the labels' line
# height, and the largest value charted.
LOG_AXIS = """() => {
  const chart = Chart.getChart(document.getElementById('telegram-chart'));
  const y = chart.scales.y;
  const ticks = y.ticks.map((t, i) => ({value: t.value, label: String(t.label ?? ''), px: y.getPixelForTick(i)}));
  const values = chart.data.datasets.flatMap(d => d.data.map(p => p.y).filter(v => v !== null));
  return {ticks, lineHeight: Chart.helpers.toFont(y.options.ticks.font).lineHeight,
          largest: Math.max(...values), smallest: Math.min(...values), top: y.top, bottom: y.bottom};
}"""


@pytest.mark.parametrize("size", [(1366, 800), (390, 844), (844, 390)])
def test_the_home_charts_log_axis_labels_stand_apart(page, size):
    # Chart.js labelled every tick in the top fifth of the axis: 4,000, 6,000, 8,000 and 10,000 were
    # drawn over each other at 1366 px, 7,000 over 10,000 on a phone.
    page.set_viewport_size({"width": size[0], "height": size[1]})
    page.goto("/")
    page.wait_for_function("document.getElementById('telegram-chart').dataset.rendered > 0")
    measured = page.evaluate(LOG_AXIS)
    labelled = sorted((t for t in measured["ticks"] if t["label"].strip()), key=lambda t: t["px"])
    assert len(labelled) >= 4, measured
    for tick in labelled:
        assert tick["label"] == f"{round(tick['value']):,}", tick  # a label reads its own tick's value
    for upper, lower in itertools.pairwise(labelled):
        assert lower["px"] - upper["px"] >= measured["lineHeight"], (size, upper, lower, measured["lineHeight"])
    # The labels span the values charted: none lies above the top label or below the bottom one.
    values = [t["value"] for t in labelled]
    assert min(values) <= measured["smallest"] and max(values) >= measured["largest"], (values, measured)


@pytest.mark.parametrize("path", ["/disclosures/figures", "/api"])
@pytest.mark.parametrize("size", [(844, 390), (1024, 768)])
def test_no_page_scrolls_sideways_between_phone_and_desktop_widths(page, path, size):
    # The figures table's schema (index names of 117 characters) and the API page's examples (lines
    # of up to 190 characters) made the whole page scroll sideways, 1,143 px wide in an 844 px window.
    page.set_viewport_size({"width": size[0], "height": size[1]})
    page.goto(path)
    page.wait_for_load_state("load")
    widths = page.evaluate("[document.documentElement.scrollWidth, document.documentElement.clientWidth]")
    assert widths[0] == widths[1] == size[0], widths
    if path == "/api":
        # An example's lines stay whole, to be copied: a long one scrolls inside its own box.
        longest = page.evaluate(
            "Math.max(...[...document.querySelectorAll('section.content pre')].map(p => p.scrollWidth - p.clientWidth))"
        )
        assert longest > 0


# A figure with a corrections table (Google revised its own figure in a later export).
CORRECTED = "/figure/google-gbr-2022h2-legal_process-accounts_specified"
CORRECTIONS = """() => {
  const box = document.querySelector('table.corrections').parentElement;
  const table = box.querySelector('table.corrections');
  const cells = [...table.querySelectorAll('tbody td')].map(td => ({
    label: td.dataset.label, width: td.getBoundingClientRect().width,
    shown: getComputedStyle(td, '::before').content}));
  return {scroll: box.scrollWidth, box: box.clientWidth, table: table.getBoundingClientRect().width,
          head: getComputedStyle(table.querySelector('thead')).display, cells};
}"""


def test_a_figures_corrections_read_whole_on_a_phone(page):
    # As five columns at 390 px the reason ran one word a line and the source was cut off at the
    # screen's edge (the table scrolled sideways in its box, 402 px in 358).
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(CORRECTED)
    measured = page.evaluate(CORRECTIONS)
    assert measured["scroll"] <= measured["box"], measured
    assert measured["head"] == "none", measured
    labels = {"Date", "Old value", "New value", "Reason", "Source", "Released in"}
    assert {c["label"] for c in measured["cells"]} == labels
    for cell in measured["cells"]:
        # Each field is a labelled line across the whole width.
        assert cell["width"] >= 0.95 * measured["table"], cell
        assert cell["shown"] == f'"{cell["label"]}: "', cell
    # At a desktop width it stays a table with its header.
    page.set_viewport_size({"width": 1366, "height": 800})
    assert page.evaluate(CORRECTIONS)["head"] == "table-header-group"


PLATFORM_LIST = """() => {
  const table = document.querySelector('.table-scroll > table');
  const box = table.parentElement;
  const cells = [...table.querySelectorAll('tbody td')].filter(td => getComputedStyle(td).display !== 'none')
    .map(td => { const r = td.getBoundingClientRect(); return {label: td.dataset.label, left: r.left, right: r.right,
                 text: td.textContent.trim()}; });
  return {scroll: box.scrollWidth, box: box.clientWidth, width: document.documentElement.clientWidth,
          head: getComputedStyle(table.querySelector('thead')).display, cells,
          rows: table.querySelectorAll('tbody tr').length};
}"""


def test_the_list_of_platforms_reads_whole_on_a_phone(page):
    # Six columns at 390 px showed the platform, its count and half its jurisdictions; whether its
    # reports are possibly out of date, and its EU DSA orders, were off the screen to the right.
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto("/platforms")
    measured = page.evaluate(PLATFORM_LIST)
    assert measured["scroll"] <= measured["box"] and measured["head"] == "none", measured
    for cell in measured["cells"]:
        assert cell["left"] >= 0 and cell["right"] <= measured["width"], cell
    labels = {c["label"] for c in measured["cells"]}
    assert {"Published up to (as checked on)", "EU DSA orders (a separate regime)"} <= labels
    assert sum(c["label"] == "Platform" for c in measured["cells"]) == measured["rows"]
    # No empty labelled line: a platform without DSA orders has no "EU DSA orders:" line.
    assert all(c["text"] for c in measured["cells"]), [c for c in measured["cells"] if not c["text"]]
    page.set_viewport_size({"width": 1366, "height": 800})
    assert page.evaluate(PLATFORM_LIST)["head"] == "table-header-group"


LONG_ID = "a" * 300


@pytest.mark.parametrize(
    "path",
    [
        f"/disclosures/figures/{LONG_ID}",
        f"/figure/{LONG_ID}",
        f"/country/{LONG_ID}",
        f"/platform/{LONG_ID}",
        f"/disclosures/figures?_facet={LONG_ID}",
    ],
)
@pytest.mark.parametrize("size", [(1400, 900), (375, 812)])
def test_a_long_echo_on_an_error_page_wraps_rather_than_scrolls_sideways(page, path, size):
    # A 300-character id, echoed as its first 200 characters, was one unbroken word: the page was
    # 1,812 px wide in a 1,400 px window (the phone width already wrapped it).
    page.set_viewport_size({"width": size[0], "height": size[1]})
    response = page.goto(path)
    assert response.status in (400, 404)
    widths = page.evaluate("[document.documentElement.scrollWidth, document.documentElement.clientWidth]")
    assert widths[0] == widths[1] == size[0], widths
    assert "a" * 100 in page.inner_text("section.content")


def test_a_row_pages_heading_leaves_its_fields_on_a_phones_first_screen(page, real_db):
    # A corroboration's heading (its table, then its two-part key) was seven lines of 2rem at
    # 375 px, the whole first screen, before a single field.
    figure_id, source_id = rows(
        real_db, "SELECT figure_id, source_id FROM corroborations ORDER BY length(figure_id || source_id) DESC LIMIT 1"
    )[0]
    page.set_viewport_size({"width": 375, "height": 812})
    page.goto(f"/disclosures/corroborations/{tilde_encode(figure_id)},{tilde_encode(source_id)}")
    heading = page.locator("h1").bounding_box()
    assert heading["height"] < 812 / 3, heading
    assert page.locator("table.row-fields th").first.bounding_box()["y"] < 812
    assert page.evaluate("document.documentElement.scrollWidth") <= 375


@pytest.mark.parametrize(
    ("path", "selector"),
    [
        ("/platform/telegram", "nav.on-this-page"),
        ("/country/USA", "nav.on-this-page"),
        ("/compare", "nav.on-this-page"),
        ("/figure/telegram-usa-2024-ip_or_phone-requests_fulfilled", "p.over-time"),
    ],
)
def test_the_on_this_page_list_stands_apart_from_what_comes_before_it(page, path, selector):
    # On a platform's page it sat flush under the description list (which has no bottom
    # margin), and read as one more of its entries; so did a figure's "Over time" link.
    page.set_viewport_size({"width": 390, "height": 900})
    page.goto(path)
    gap = page.evaluate(
        """(selector) => { const nav = document.querySelector(selector);
                   return nav.getBoundingClientRect().top - nav.previousElementSibling.getBoundingClientRect().bottom; }""",
        selector,
    )
    assert gap >= 12, gap


def test_a_releases_changes_to_its_tables_are_a_bulleted_list(page):
    # Datasette's styles take the bullets off every list: 1.0.0's six changes to the tables ran
    # together as lines of code with nothing to say where one ended.
    page.goto("/changes?version=1.0.0")
    page.wait_for_load_state("load")
    styles = page.evaluate(
        """[...document.querySelectorAll('.table-changes li')].map(li => getComputedStyle(li).listStyleType)"""
    )
    assert len(styles) >= 2 and set(styles) == {"disc"}


@pytest.mark.parametrize("width", [390, 1400])
def test_a_refused_table_pages_error_stands_apart_from_the_column_glossary(page, width):
    # The red box sat flush under the glossary's border (neither has a margin there), and read as
    # one more of its entries; below it, the form kept Datasette's 1rem.
    page.set_viewport_size({"width": width, "height": 900})
    page.goto("/disclosures/figures?platform_id=Pinterest")
    gaps = page.evaluate(
        """() => { const error = document.getElementById('filter-error').getBoundingClientRect();
                   const glossary = document.querySelector('dl.column-descriptions').getBoundingClientRect();
                   const form = document.querySelector('form.filters').getBoundingClientRect();
                   return {above: error.top - glossary.bottom, below: form.top - error.bottom}; }"""
    )
    assert gaps["above"] >= 12 and gaps["below"] >= 12, gaps
