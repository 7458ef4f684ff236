"""Layer (c), in Chromium, on a 375 px phone (an iPhone's width, the narrowest common one): tables
and labels read whole on the screen rather than cut at its edge or broken mid-word. That no page
scrolls sideways at 375 px is checked with axe's checks (tests/test_browser_a11y.py)."""

from __future__ import annotations

import re

import pytest

from tests.conftest import serve_live
from tests.test_browser_a11y import violations
from tests.test_changes_page import SHOWN_ROWS, no_release_published

pytestmark = pytest.mark.browser

PHONE = {"width": 375, "height": 812}


# Each table in a scrolling box, but the coverage matrix (a grid of periods, which scrolls both
# ways by design, its first column and header row sticking): how far it runs past its box.
HIDDEN = """() => [...document.querySelectorAll('.table-scroll:not(.coverage-scroll)')]
  .map(box => ({table: box.querySelector('table').className, past: box.scrollWidth - box.clientWidth}))"""


@pytest.mark.parametrize("path", ["/country/USA", "/country/DEU", "/platform/telegram", "/platform/google"])
def test_a_phone_shows_every_column_of_the_explore_pages_tables(page, path):
    # At 375 px a country's newest figures were 390 px in a 343 px box (request types cut at the
    # edge), and a platform's series were 484 px in 319 px (the dates cut, the counts out of sight).
    page.set_viewport_size(PHONE)
    page.goto(path)
    page.wait_for_load_state("load")
    assert page.evaluate("document.scrollingElement.scrollWidth") <= PHONE["width"]
    tables = page.evaluate(HIDDEN)
    assert tables and all(t["past"] <= 0 for t in tables), tables
    # Each figure still says what it counts: its metric and request type, named.
    if path.startswith("/country/"):
        first = page.locator("table.newest tbody tr:not(.platform-row)").first
        assert first.locator('td[data-label="Metric"]').is_visible()
        labelled = first.locator('td[data-label="Request type"]')
        assert labelled.evaluate("td => getComputedStyle(td, '::before').content") == '"Request type: "'


def test_the_search_fields_label_is_one_word_on_one_line(page):
    # Datasette gives a parameter's label 15% of the form: "Search" broke into "Searc" and "h".
    page.set_viewport_size(PHONE)
    page.goto("/disclosures/search_everything?q=telegram")
    page.wait_for_load_state("load")
    lines = page.evaluate(
        """() => { const label = document.querySelector('form.sql label[for]');
          const range = document.createRange(); range.selectNodeContents(label);
          return [label.textContent, new Set([...range.getClientRects()].map(r => Math.round(r.top))).size]; }"""
    )
    assert lines == ["Search", 1]


# A label's checkbox and each line of its words: top and bottom, rounded.
CHECKBOX_LINES = """selector => { const label = document.querySelector(selector);
  const span = r => [Math.round(r.top), Math.round(r.bottom)];
  const words = [...label.childNodes].filter(n => n.nodeType === Node.TEXT_NODE && n.textContent.trim());
  const lines = words.flatMap(n => { const range = document.createRange(); range.selectNodeContents(n);
    return [...range.getClientRects()].filter(r => r.width > 0).map(span); });
  return {box: span(label.querySelector('input').getBoundingClientRect()), lines, text: label.textContent.trim()}; }"""


@pytest.mark.parametrize("width", [320, 390])
def test_the_sort_orders_descending_checkbox_stays_beside_its_word(page, width):
    # At 320 px the checkbox ended the sort select's line and "descending" began the next.
    page.set_viewport_size({"width": width, "height": 844})
    page.goto("/disclosures/figures")
    page.wait_for_load_state("load")
    label = page.evaluate(CHECKBOX_LINES, "form.filters label.sort_by_desc")
    assert label["text"] == "descending"
    assert len(label["lines"]) == 1, label  # the word on one line
    (top, bottom), (box_top, box_bottom) = label["lines"][0], label["box"]
    assert top < box_bottom and box_top < bottom, label  # the checkbox's
    assert page.evaluate("document.scrollingElement.scrollWidth") <= width


# Each filter row's operator select: its longest operator, how wide that is and the room beside the
# select's arrow, where the select and the row's value box are, and how wide the page is.
OPERATORS = """() => [...document.querySelectorAll('form.filters .filter-row .filter-op select')].map(select => {
    const style = getComputedStyle(select);
    const context = document.createElement('canvas').getContext('2d');
    context.font = style.font;
    const widths = [...select.options].map(o => [o.text, context.measureText(o.text).width]);
    const [longest, width] = widths.reduce((a, b) => (b[1] > a[1] ? b : a));
    const box = e => { const r = e.getBoundingClientRect(); return {top: r.top, bottom: r.bottom, left: r.left, right: r.right}; };
    return {name: select.name, longest, width,
            room: select.clientWidth - parseFloat(style.paddingLeft) - parseFloat(style.paddingRight),
            op: box(select), value: box(select.closest('.filter-row').querySelector('input.filter-value'))};
  })"""


@pytest.mark.parametrize("width", [320, 390, 1024, 1280])
def test_each_filter_operator_shows_whole_beside_its_value(page, width):
    # Datasette's operator select is 60 px on a phone: "is not blank" read "is not", and "array does
    # not contain" "array d", under the arrow; on a desktop it is 80 px, and read "array does".
    page.set_viewport_size({"width": width, "height": 844})
    page.goto("/disclosures/figures?platform_id__notblank=1")
    page.wait_for_load_state("load")
    selects = page.evaluate(OPERATORS)
    assert [s["name"] for s in selects] == ["_filter_op_1", "_filter_op"]
    for select in selects:
        assert select["longest"] == "array does not contain", select
        assert select["width"] <= select["room"] + 1, select  # every operator whole
        op, value = select["op"], select["value"]
        assert op["top"] < value["bottom"] and value["top"] < op["bottom"], select  # one line
        assert op["right"] <= value["left"] and value["right"] - value["left"] >= 64, select
        assert value["right"] <= width, select
    assert page.evaluate("document.scrollingElement.scrollWidth") <= width
    # The operator chosen is sent: the page it leads to is filtered by it.
    page.select_option('select[name="_filter_column"]', "notes")
    page.select_option('select[name="_filter_op"]', label="is not blank")
    with page.expect_navigation():
        page.click('form.filters input[type="submit"]')
    assert "notes__notblank=1" in page.url


# A page's search box and its label: where each is, and the right edge of the content.
SEARCH_BOX = """selector => { const input = document.querySelector(selector);
  const box = e => { const r = e.getBoundingClientRect(); return {top: r.top, bottom: r.bottom, left: r.left, right: r.right}; };
  return {input: box(input), label: box(document.querySelector('label[for="' + input.id + '"]')),
          content: document.querySelector('section.content').getBoundingClientRect().right
            - parseFloat(getComputedStyle(document.querySelector('section.content')).paddingRight)}; }"""


@pytest.mark.parametrize("width", [320, 390])
@pytest.mark.parametrize(
    "path, selector",
    [
        ("/disclosures/figures", "form.filters input[name=_search]"),
        ("/disclosures/search_everything?q=telegram+germany+2024", "form.sql input[name=q]"),
    ],
)
def test_a_phones_search_box_takes_the_rest_of_its_labels_line(page, width, path, selector):
    # Datasette's box is 60% of its line: 215 px at 390 px on a table page, 183 px at 320 on the
    # search page, a search of three words scrolling inside it.
    page.set_viewport_size({"width": width, "height": 844})
    page.goto(path)
    page.wait_for_load_state("load")
    found = page.evaluate(SEARCH_BOX, selector)
    label, box = found["label"], found["input"]
    assert label["top"] < box["bottom"] and box["top"] < label["bottom"], found  # on its label's line
    assert label["right"] <= box["left"] <= label["right"] + 16, found
    assert abs(box["right"] - found["content"]) <= 2, found  # to the end of the line
    assert page.evaluate("document.scrollingElement.scrollWidth") <= width


# Each control a reader taps in the page's content, and how big what takes the tap is: a select's,
# button's or box's own size; for a checkbox, the label it is in (a tap on its name ticks it).
TAP_TARGETS = """() => [...document.querySelectorAll(
    'section.content :is(select, button, input:not([type=hidden]), .filter-row > a, .facet-info a.cross, a.derived-badge)')]
  .filter(control => control.offsetParent !== null)
  .map(control => {
    const checkbox = ['checkbox', 'radio'].includes(control.type);
    const r = ((checkbox && control.closest('label')) || control).getBoundingClientRect();
    const text = control.tagName === 'SELECT' ? control.selectedOptions[0]?.text : control.textContent.trim() || control.value;
    return {control: control.name || control.type || control.className, text,
            width: Math.round(r.width), height: Math.round(r.height)};
  })"""


@pytest.mark.parametrize("width", [320, 390])
@pytest.mark.parametrize(
    "path", ["/chart", "/compare", "/telegram-map", "/disclosures/figures?platform_id=telegram", "/country/DEU"]
)
def test_a_phones_form_controls_are_big_enough_to_tap(page, width, path):
    # The chart, compare and map pages' selects were 19 px tall, their Draw, Compare and Show 21 px,
    # a platform's checkbox and name 22 px; a table page's "descending" 15 px, its advanced
    # export's "Export CSV" 21 px, the ✖ that removes a filter 18 px wide and a chosen facet
    # value's 23 x 19 px; the "derived" badge beside a figure 18 to 20 px tall: under the 24 px a
    # finger needs (WCAG 2.5.8).
    page.set_viewport_size({"width": width, "height": 844})
    page.goto(path)
    page.wait_for_load_state("load")
    if path.startswith("/disclosures/"):
        page.wait_for_function("document.querySelector('form.filters .filter-row > a')")  # Datasette's ✖
    targets = page.evaluate(TAP_TARGETS)
    assert len(targets) >= 3
    if path.startswith("/disclosures/"):
        assert {"cross", ""} <= {t["control"] for t in targets if t["text"] == "✖"}, targets
    if path in ("/chart", "/compare", "/country/DEU"):
        assert "derived-badge" in {t["control"] for t in targets}, targets
    small = [t for t in targets if t["width"] < 24 or t["height"] < 24]
    assert small == [], small
    assert page.evaluate("document.scrollingElement.scrollWidth") <= width


# The header's search box: its placeholder, how wide it is drawn, and the room inside the box.
PLACEHOLDER = """() => { const input = document.querySelector('.site-search input[type=search]');
  const style = getComputedStyle(input), context = document.createElement('canvas').getContext('2d');
  context.font = getComputedStyle(input, '::placeholder').font;
  return {text: input.placeholder, width: context.measureText(input.placeholder).width, typed: style.fontSize,
          room: input.clientWidth - parseFloat(style.paddingLeft) - parseFloat(style.paddingRight)}; }"""
# The tops of the header's three parts (the site's name, its links, the search form), and the
# tops of the links.
HEADER_LINES = """() => ({parts: [...document.querySelector('.site-nav').children].map(e => e.getBoundingClientRect()),
  links: [...document.querySelectorAll('.site-nav ul.site-links li')].map(e => e.getBoundingClientRect())})"""


@pytest.mark.parametrize("width", [320, 390, 1000, 1024, 1280])
def test_the_headers_search_box_shows_its_placeholder_whole(page, width):
    # At 320 px the box had 210 px inside it and read "Search quotes, sources, even"; at every
    # width over a phone's its 14em left 209 px, and it read so too.
    page.set_viewport_size({"width": width, "height": 844})
    page.goto("/")
    page.wait_for_load_state("load")
    box = page.evaluate(PLACEHOLDER)
    assert box["text"] == "Search quotes, sources, events"
    assert box["width"] <= box["room"], box
    assert box["typed"] == "16px", box  # what is typed is not smaller (iOS zooms in on a smaller box)
    if width >= 1000:  # a 1024 px window, with or without its scrollbar: the header is one line
        lines = page.evaluate(HEADER_LINES)
        for part in lines["parts"] + lines["links"]:
            first = lines["parts"][0]
            assert part["top"] < first["bottom"] and first["top"] < part["bottom"], lines
        assert lines["parts"][-1]["right"] <= width, lines
    assert page.evaluate("document.scrollingElement.scrollWidth") <= width


@pytest.mark.parametrize("width", [320, 390])
def test_a_phones_sql_editor_takes_the_whole_line(page, width):
    # Datasette's editor is 80% of the form: 230 px at 320 px, 58 px of the line left empty while
    # the query wrapped.
    page.set_viewport_size({"width": width, "height": 844})
    page.goto("/disclosures?sql=select+*+from+authority_reports")
    page.wait_for_load_state("load")
    page.wait_for_function("document.querySelector('form.sql .CodeMirror')")
    found = page.evaluate(
        """() => { const content = document.querySelector('section.content'), style = getComputedStyle(content);
          const editor = document.querySelector('form.sql .CodeMirror').getBoundingClientRect();
          const box = content.getBoundingClientRect();
          return {left: editor.left, right: editor.right, start: box.left + parseFloat(style.paddingLeft),
                  end: box.right - parseFloat(style.paddingRight)}; }"""
    )
    assert abs(found["left"] - found["start"]) <= 2 and abs(found["right"] - found["end"]) <= 2, found
    assert page.evaluate("document.scrollingElement.scrollWidth") <= width


# Every date a page shows, on a 320 px phone: each ISO date the page's text holds is inside a
# span.date (the dates filter, plugins/_dates.py), and no span.date is broken over two lines or
# sticks out of the box that holds it. A browser breaks a line at a hyphen: "(2026-11-/30)",
# "Release 1.1.0 (2026-12-/04)" and "2013-/01-01" wrapped on the home, platforms, figure and map
# pages. The dates' own text is the plain ASCII one a reader copies.
DATES = r"""() => {
  const iso = /(?<![\w-])\d{4}-\d{2}-\d{2}(?![\w-])/g, unmarked = [], split = [], sticking = [];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const parent = node.parentElement;
    if (parent.closest('script, style, template, option, textarea') || !parent.getClientRects().length) continue;
    for (const m of node.data.matchAll(iso)) {
      if (!parent.closest('.date')) unmarked.push(`${m[0]} in <${parent.tagName.toLowerCase()} class="${parent.className}">`);
    }
  }
  const marked = [...document.querySelectorAll('.date')].filter((d) => d.getClientRects().length);
  for (const d of marked) {
    if (d.getClientRects().length !== 1) split.push(d.textContent);
    let box = d.parentElement;
    while (getComputedStyle(box).display.startsWith('inline')) box = box.parentElement;
    const r = d.getBoundingClientRect(), b = box.getBoundingClientRect();
    if (r.left < b.left - 0.5 || r.right > b.right + 0.5) sticking.push(`${d.textContent} in <${box.tagName.toLowerCase()}>`);
  }
  return {marked: marked.map((d) => d.textContent), unmarked, split, sticking,
          sideways: document.scrollingElement.scrollWidth - document.documentElement.clientWidth};
}"""


@pytest.mark.parametrize(
    "path",
    [
        "/",
        "/platforms",
        "/platform/telegram",
        "/figure/telegram-usa-2024-ip_or_phone-requests_fulfilled",
        "/telegram-map",
        "/country/USA",
        "/compare?jurisdiction=USA",
        "/downloads",
        "/changes",
        # Table and row pages: a cell that is one date (plugins/cells.py).
        "/disclosures/releases",
        "/disclosures/events/facebook-first-government-requests-report",
        # Dates in free text: a disagreement's quoted row and reason, a corroboration's quote and
        # notes (plugins/cells.py), a source's title in the figures table (plugins/links.py) and
        # in a figure page's citation. "2025-12-31" broke after "2025-12-" at 390 px.
        "/disclosures/disagreements/amazon-store-aut-2025h2-total-contradicts-categories",
        "/disclosures/corroborations/google-irl-2022h2-other_legal_process-accounts_specified,"
        "google-2025-06-30-user-data-requests-csv-archive",
        "/disclosures/figures/microsoft-usa-2025h1-legal_process-accounts_specified",
        "/disclosures/figures?source_id=discord-transparency-2022q1-csv",
        "/figure/discord-world-2022q1-legal_process-requests_fulfilled",
        # A source's notes, a correction's reason, and a source's title labelling the link to it
        # from another table (plugins/cells.py).
        "/disclosures/sources/cloudflare-transparency-page-2023h2",
        "/disclosures/corrections/google-gbr-2022h2-legal_process-accounts_specified-google-revised-2025",
        "/disclosures/platforms/discord",
    ],
)
def test_a_phone_never_breaks_a_date_across_two_lines(page, path):
    page.set_viewport_size({"width": 320, "height": 844})
    page.goto(path)
    page.wait_for_load_state("load")
    found = page.evaluate(DATES)
    assert found["marked"], "no date marked on the page: this test no longer shows anything"
    assert all(re.fullmatch(r"\d{4}-\d{2}-\d{2}", d) for d in found["marked"]), found["marked"]
    assert found["unmarked"] == []
    assert found["split"] == []
    assert found["sticking"] == []
    assert found["sideways"] <= 0


@pytest.fixture(scope="module")
def corrections_server(real_build, tmp_path_factory):
    """The site with every correction in no release (hundreds of them), served."""
    folder = no_release_published(real_build, tmp_path_factory.mktemp("none-released"))
    yield from serve_live(folder, tmp_path_factory.mktemp("none-released-server"))


VISIBLE_ROWS = "() => [...document.querySelectorAll('.rows-and-columns tbody tr')].filter(r => r.offsetParent).length"


@pytest.mark.parametrize(("width", "tallest"), [(390, 25_000), (1400, 6_000)])
def test_unreleased_corrections_open_on_a_page_a_reader_can_scroll_and_show_all_at_a_click(
    browser, corrections_server, width, tallest
):
    # 260 corrections with reasons of up to 600 characters: 170,000 px tall at 390 px, 45,000 at 1,400.
    context = browser.new_context(base_url=corrections_server, viewport={"width": width, "height": 900})
    page = context.new_page()
    try:
        assert violations(page, "/disclosures/unreleased_corrections") == []  # the box and its label too
        every = page.locator("tbody tr").count()
        assert every > SHOWN_ROWS and page.evaluate(VISIBLE_ROWS) == SHOWN_ROWS
        assert page.evaluate("document.scrollingElement.scrollHeight") < tallest
        assert page.evaluate("document.scrollingElement.scrollWidth") <= width
        # Each correction's reason is a line or two, its whole a link away.
        first = page.locator("tbody tr").first
        assert first.locator("td.col-reason").bounding_box()["height"] < 100
        page.get_by_label(f"Show all {every:,} corrections").check()
        assert page.evaluate(VISIBLE_ROWS) == every
        assert page.evaluate("document.scrollingElement.scrollWidth") <= width
    finally:
        context.close()
