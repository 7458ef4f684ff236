"""Layer (c), in Chromium, after a look at the pages as a reader sees them at 1366 and 390 px: the
Telegram map tells "no figure" from a small or derived figure, and /compare reads on a phone."""

from __future__ import annotations

import json
import re

import pytest

pytestmark = pytest.mark.browser

# The marks each fill pattern of the map is drawn with, and the pattern each shape is filled with.
MAP_FILLS = """() => {
  const marks = id => [...document.querySelectorAll('#telegram-map pattern#' + id + ' > *')]
    .map(m => m.tagName).filter(t => t !== 'rect');
  const fills = cls => [...new Set([...document.querySelectorAll('#telegram-map path.' + cls)]
    .map(p => p.getAttribute('fill')))];
  const derived = [...document.querySelectorAll('#telegram-map pattern[id^="derived-"]')].map(p => p.id);
  return {nofigure: marks('nofigure'), derived: derived.map(marks), noFigureFills: fills('no-figure'),
          derivedFills: fills('derived')};
}"""


@pytest.mark.parametrize("width", [1366, 390])
def test_the_map_draws_no_figure_unlike_any_derived_or_small_figure(page, width):
    # Q4 2024: derived values in the lightest drawn class (Indonesia, Malaysia: 1-9) beside countries
    # with no figure. Both were grey-ish stripes (white over lavender, grey over light grey).
    page.set_viewport_size({"width": width, "height": 900})
    page.goto("/telegram-map?period=2024-10-01_2024-12-31")
    page.wait_for_function("document.getElementById('telegram-map').dataset.rendered > 0")
    fills = page.evaluate(MAP_FILLS)
    assert fills["noFigureFills"] == ["url(#nofigure)"], fills
    assert fills["derivedFills"] and all(f.startswith("url(#derived-") for f in fills["derivedFills"]), fills
    # Stripes mean derived; no figure is dotted, a texture no class of figure shares.
    assert all(marks == ["line"] for marks in fills["derived"]), fills
    assert fills["nofigure"] and "line" not in fills["nofigure"], fills
    legend = page.locator("#map-legend")
    assert "no figure (grey dots)" in legend.inner_text()
    assert "Countries dotted in grey have no figure" in page.locator(".map-note").inner_text()
    # Each legend entry stays on one line (on a phone "1,000 or" and "more" were apart).
    for entry in legend.locator(".entry").all():
        box = entry.bounding_box()
        assert box["height"] < 2 * 16, (entry.inner_text(), box)
        assert box["x"] + box["width"] <= width, (entry.inner_text(), box)
    assert page.evaluate("document.documentElement.scrollWidth") <= width


# Each figure's row in /compare: its width, and its flags cell's, the widest line of the page.
COMPARE_ROWS = """() => ({
  page: document.documentElement.scrollWidth,
  header: getComputedStyle(document.querySelector('.compare-table thead')).display,
  rows: [...document.querySelectorAll('.compare-table tbody tr.flagged')].map(tr => {
    const flags = tr.querySelector('td:last-child');
    return {row: tr.getBoundingClientRect().width, flags: flags.getBoundingClientRect().width,
            right: Math.max(...[...tr.querySelectorAll('td')].map(td => td.getBoundingClientRect().right)),
            text: flags.innerText.slice(0, 60)};
  })})"""


@pytest.mark.parametrize("width", [1366, 390])
def test_compare_reads_its_flags_on_a_phone_without_scrolling_sideways(page, width):
    # At 390 px the flags were the table's fourth column, about 90 px wide: a word or two a line,
    # one figure's flags fifteen lines tall.
    page.set_viewport_size({"width": width, "height": 900})
    page.goto("/compare")
    measured = page.evaluate(COMPARE_ROWS)
    assert measured["page"] <= width, measured["page"]
    assert measured["rows"], measured
    for row in measured["rows"]:
        assert row["right"] <= width, row
        # Flags take the row's whole width on a phone, and a wide column of the table at 1366 px.
        assert row["flags"] >= (0.9 if width < 577 else 0.4) * row["row"], row
    # A phone reads each figure as a card; a wide window keeps the table and its header.
    assert measured["header"] == ("none" if width < 577 else "table-header-group"), measured["header"]
    first = page.locator(".compare-table tbody tr.flagged").first
    if width < 577:
        assert first.locator("td.period").evaluate("td => getComputedStyle(td, '::before').content") == '"Period: "'


# Each derived pattern's colour and its stripes', and the fill of the shapes of one country.
MAP_STRIPES = """(name) => ({
  patterns: [...document.querySelectorAll('#telegram-map pattern[id^="derived-"]')].map(p => ({
    id: p.id, base: p.querySelector('rect').getAttribute('fill'), stripe: p.querySelector('line').getAttribute('stroke')})),
  fills: [...document.querySelectorAll('#telegram-map path[class]')]
    .filter(p => p.querySelector('title').textContent.startsWith(name + ':'))
    .map(p => ({fill: p.getAttribute('fill'), title: p.querySelector('title').textContent}))
})"""


def luminance(colour):
    """WCAG 2's relative luminance of #rgb or #rrggbb."""
    digits = colour.lstrip("#")
    if len(digits) == 3:
        digits = "".join(d * 2 for d in digits)
    channels = [int(digits[i : i + 2], 16) / 255 for i in (0, 2, 4)]
    linear = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast(a, b):
    lighter, darker = sorted((luminance(a), luminance(b)), reverse=True)
    return (lighter + 0.05) / (darker + 0.05)


def test_a_derived_zero_on_the_map_shows_its_stripes(page):
    # A derived 0 was white stripes over the near-white of 0 (contrast 1.01): it looked like the
    # bot's own 0. The data has no derived 0 yet, so the page's data is given one.
    path = "/telegram-map?period=2024-10-01_2024-12-31"

    def with_a_derived_zero(route):
        page_html = route.fetch().text()
        found = re.search(r'(<script type="application/json" id="map-data">)(.*?)(</script>)', page_html, re.S)
        data = json.loads(found.group(2))
        usa = data["values"]["840"]
        assert usa["is_derived"] == 1, usa  # Q4 2024 of the United States is 2024 minus January–September
        usa["value"] = 0
        embedded = json.dumps(data).replace("<", "\\u003c")
        route.fulfill(body=page_html[: found.start(2)] + embedded + page_html[found.end(2) :], content_type="text/html")

    page.route(re.compile(re.escape(path) + "$"), with_a_derived_zero)
    page.goto(path)
    page.wait_for_function("document.getElementById('telegram-map').dataset.rendered > 0")
    drawn = page.evaluate(MAP_STRIPES, "United States of America")
    assert drawn["fills"] == [{"fill": "url(#derived-0)", "title": "United States of America: 0 (derived)"}], drawn
    for pattern in drawn["patterns"]:
        assert contrast(pattern["base"], pattern["stripe"]) >= 1.5, pattern
    assert "a derived 0" in page.locator("#map-legend").inner_text()


@pytest.mark.parametrize("width", [1366, 390])
def test_compare_says_why_it_has_no_period_picker_and_leads_to_one_periods_figures(page, width):
    page.set_viewport_size({"width": width, "height": 900})
    page.goto("/compare?jurisdiction=USA&year=2024")
    notice = page.locator("#period-not-applied")
    assert notice.inner_text().startswith("This comparison takes no period: year=2024 was not applied.")
    notice.get_by_role("link", name="why there is no period to pick").click()
    why = page.locator("#no-period")
    assert why.is_visible() and "Why there is no period to pick" in why.inner_text()
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    why.get_by_role("link", name="every figure for United States").click()
    page.wait_for_load_state("load")
    assert page.url.endswith("/disclosures/figures?jurisdiction_id=USA")
    assert page.locator("#facet-period_label li a").first.inner_text() in {"H1 2025", "H2 2024", "H1 2024", "2024"}
