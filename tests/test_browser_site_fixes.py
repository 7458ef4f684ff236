"""Layer (c), in Chromium: the figures table at 1280 px and its long text, after the newcomer's test.

Before: 26 columns 4,226 px wide at a 1280 px window (5,578 px here), rows up to 800 px tall (whole
quotes). After: about 1,420 px (ten columns, the sorted one included), rows about 200 px.
"""

import re

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser

MEASURE = """() => {
  const table = document.querySelector('table.rows-and-columns');
  const rows = [...table.querySelectorAll('tbody tr')].map(r => r.getBoundingClientRect().height);
  const shown = [...table.querySelectorAll('thead th')].filter(th => getComputedStyle(th).display !== 'none');
  return {width: table.getBoundingClientRect().width, tallest: Math.max(...rows),
          shown: shown.map(th => th.dataset.column), all: table.querySelectorAll('thead th').length};
}"""


def test_the_figures_table_is_readable_at_1280_px(page):
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto("/disclosures/figures")
    measured = page.evaluate(MEASURE)
    assert measured["width"] <= 1450, measured  # 5,578 px before; the sorted column stays
    assert measured["tallest"] <= 260, measured
    # The columns a reader needs are there; the others are one click away.
    for column in ("platform_id", "jurisdiction_id", "request_type_id", "metric_id", "value", "source_id", "quote"):
        assert column in measured["shown"], measured["shown"]
    assert "period_start" not in measured["shown"] and "derivation" not in measured["shown"]
    assert "recency_rank" in measured["shown"]  # the column the page is sorted by stays
    page.get_by_role("button", name="Show all columns").click()
    measured = page.evaluate(MEASURE)
    assert len(measured["shown"]) == measured["all"] == 26
    page.get_by_role("button", name="Show fewer columns").click()
    assert "period_start" not in page.evaluate(MEASURE)["shown"]


def test_a_long_quote_is_cut_short_with_a_link_to_the_whole_text(page):
    page.goto("/disclosures/figures?platform_id=telegram&_size=20")
    more = page.locator("td.col-quote a.more").first
    assert more.inner_text() == "whole text"
    cell = page.locator("td.col-quote").first.inner_text()
    assert len(cell) <= 80 + len("… whole text") + 2
    more.click()
    page.wait_for_url("**/figure/telegram-*")
    assert page.locator("h1").count() == 1


def test_a_url_that_chooses_its_columns_is_left_as_it_is(page):
    page.goto("/disclosures/figures?_nocol=quote&_size=5")
    measured = page.evaluate(MEASURE)
    assert "period_start" in measured["shown"] and "quote" not in measured["shown"]
    assert page.get_by_role("button", name="Show all columns").count() == 0


# A newcomer's break-test at 1400 px: the compact table was 49 px wider than its container (the
# full view's 14em minimum for quotes outranked the compact view's), and facet labels broke inside
# words (Datasette's ul.tight-bullets is word-break: break-all): "(Ap|ple)", "pr|oduced".
FITS = """() => {
  const table = document.querySelector('table.rows-and-columns');
  return {table: table.getBoundingClientRect().width, container: table.parentElement.clientWidth,
          page: [document.documentElement.scrollWidth, document.documentElement.clientWidth]};
}"""

# Every word of a facet label whose letters sit on more than one line. A break after a hyphen
# ("non-|content") is a break between parts of a word the hyphen joins, so the parts are the unit.
BROKEN_WORDS = """() => {
  const broken = [];
  let words = 0;
  document.querySelectorAll('.facet-info li').forEach(li => {
    const walker = document.createTreeWalker(li, NodeFilter.SHOW_TEXT);
    let node;
    while ((node = walker.nextNode())) {
      const pattern = /[^\\s-]+-?/g;
      let match;
      while ((match = pattern.exec(node.data))) {
        const range = document.createRange();
        range.setStart(node, match.index);
        range.setEnd(node, match.index + match[0].length);
        const lines = new Set([...range.getClientRects()].map(r => Math.round(r.top)));
        words += 1;
        if (lines.size > 1) broken.push(match[0]);
      }
    }
  });
  return {words, broken};
}"""


@pytest.mark.parametrize("width", [1400, 390])
def test_the_compact_figures_table_fits_its_container(page, width):
    page.set_viewport_size({"width": width, "height": 900})
    page.goto("/disclosures/figures")
    page.wait_for_load_state("load")
    measured = page.evaluate(FITS)
    assert measured["table"] <= measured["container"], measured
    assert measured["page"][0] == measured["page"][1] == width, measured
    if width == 1400:
        assert page.locator("table.rows-and-columns.compact-columns").count() == 1
        quote = page.locator("table.rows-and-columns tbody td.col-quote").first
        assert quote.evaluate("td => getComputedStyle(td).minWidth") == "160px"  # 10em: the compact view's


@pytest.mark.parametrize("width", [1400, 390])
def test_facet_labels_break_between_words(page, width):
    page.set_viewport_size({"width": width, "height": 900})
    page.goto("/disclosures/figures")
    page.wait_for_load_state("load")
    found = page.evaluate(BROKEN_WORDS)
    assert found["words"] > 200, found  # the five default facets' labels were measured
    assert found["broken"] == [], found


@pytest.mark.parametrize("width", [1400, 390])
def test_the_period_facet_reads_as_periods_and_its_links_filter_by_the_label(page, width):
    # The facet listed 20240101-20240930, 2024q4: codes. It names them as the pages do.
    page.set_viewport_size({"width": width, "height": 900})
    page.goto("/disclosures/figures?platform_id=telegram")
    facet = page.locator("#facet-period_label")
    labels = facet.locator("li a").all_inner_texts()
    assert "January–September 2024" in labels and "Q4 2024" in labels
    assert not [label for label in labels if re.fullmatch(r"\d{8}-\d{8}|\d{4}[hq]\d", label)], labels
    assert page.evaluate(BROKEN_WORDS)["broken"] == []
    facet.get_by_role("link", name="January–September 2024").click()
    page.wait_for_load_state("load")
    assert "period_label=20240101-20240930" in page.url
    assert page.locator("#facet-period_label li").first.inner_text().startswith("January–September 2024 · 160")


@pytest.mark.parametrize("width", [1400, 390])
def test_a_derived_badge_says_what_derived_means_and_leads_to_its_explanation(page, width):
    page.set_viewport_size({"width": width, "height": 900})
    page.goto("/figure/telegram-usa-2024q4-ip_or_phone-requests_fulfilled-derived")
    badge = page.locator(".figure-value").get_by_role("link", name="derived", exact=True).first
    # What a pointer's hover shows (the title) is what a screen reader says of the link.
    assert badge.get_attribute("title").startswith("Derived: computed by this dataset's build")
    expect(badge).to_have_accessible_description(re.compile(r"^Derived: computed by this dataset's build .*"))
    badge.hover()
    assert badge.evaluate("a => getComputedStyle(a).color") == "rgb(92, 74, 0)"  # a badge still, not a green link
    badge.click()
    page.wait_for_url("**/api#derived")
    heading = page.locator("h2#derived")
    assert heading.inner_text() == "Derived figures"
    assert -5 < heading.evaluate("h => h.getBoundingClientRect().top") < 100  # scrolled to it
    assert page.evaluate("document.documentElement.scrollWidth") <= width


# Each facet's heading and each period cell read as codes (period_label, period_kind,
# 20240101-20240930, year_to_date): headed by the column's title, named as the pages name them.
HEADINGS_AND_CELLS = """() => {
  const headings = {};
  document.querySelectorAll('.facet-info[data-column]').forEach(f => {
    const strong = f.querySelector('.facet-info-name strong');
    const code = strong.querySelector('.named-code');
    headings[f.dataset.column] = {text: strong.innerText.replace(/\\s+/g, ' ').trim(),
      code: code && code.textContent, bold: code && getComputedStyle(code).fontWeight};
  });
  const cell = document.querySelector('tbody td.col-period_label');
  const code = cell.querySelector('.named-code');
  const box = cell.getBoundingClientRect();
  return {headings, cell: cell.innerText.replace(/\\s+/g, ' ').trim(), code: code.textContent,
          codeInside: code.getBoundingClientRect().right <= box.right + 1,
          page: [document.documentElement.scrollWidth, document.documentElement.clientWidth]};
}"""


@pytest.mark.parametrize("width", [1400, 390])
def test_facet_headings_and_period_cells_read_as_words_and_keep_their_codes(page, width):
    page.set_viewport_size({"width": width, "height": 900})
    page.goto("/disclosures/figures?platform_id=telegram&period_label=20240101-20240930")
    page.wait_for_load_state("load")
    found = page.evaluate(HEADINGS_AND_CELLS)
    headings = found["headings"]
    assert headings["period_label"]["text"] == "Period period_label 1", headings
    # A title that only repeats the name ("Period kind", "Source tier") leaves the name, once.
    assert headings["period_kind"] == {"text": "period_kind 1", "code": None, "bold": None}, headings
    assert headings["source_tier"]["text"].startswith("source_tier "), headings
    titled = {column: h for column, h in headings.items() if h["code"] is not None}
    assert {"period_label", "platform_id"} <= set(titled), headings
    assert all(h["code"] == column and h["bold"] == "400" for column, h in titled.items()), headings
    assert found["cell"] == "January–September 2024 20240101-20240930", found
    assert found["codeInside"], found
    assert found["page"][0] == found["page"][1] == width, found
    kind = page.locator("#facet-period_kind")
    assert kind.locator("li a").all_inner_texts() == ["Year to date (from 1 January)"]
    # The kind's link still filters by the kind, and the heading's title stays on the new page.
    kind.get_by_role("link", name="Year to date (from 1 January)").click()
    page.wait_for_load_state("load")
    assert "period_kind=year_to_date" in page.url
    assert page.evaluate(HEADINGS_AND_CELLS)["headings"]["period_kind"]["text"] == "period_kind 1"
    expect(page.locator("#facet-period_kind li").first).to_contain_text("Year to date (from 1 January) · 160")
