"""Layer (c), in Chromium: a researcher's and a journalist's break-test of the explore pages.

The chart's pickers made a phone's page scroll sideways (Google's request types are long), and the
PNG of a chart cut its citation's address at the image's edge, and the countries without figures
were listed in a grey too light to read (4.3:1 on the page's background), and twelve countries on
one chart drew three of their lines in one grey.
"""

import json
import re

import pytest

pytestmark = pytest.mark.browser

GOOGLE_INDIA = "/chart?platform=google&jurisdiction=IND&request_type=all&metric=requests_received"


@pytest.mark.parametrize("width", [320, 390])
@pytest.mark.parametrize("path", [GOOGLE_INDIA, "/chart"])
def test_the_charts_pickers_fit_a_phone(page, path, width):
    # A select is as wide as its longest option ("Diplomatic legal requests, assisted by the United
    # States (Google)", "Google Cloud Platform (Enterprise Cloud)"), and its label grew with it:
    # 423 px on a 390 px screen.
    page.set_viewport_size({"width": width, "height": 844})
    page.goto(path)
    page.wait_for_load_state("load")
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    rights = page.evaluate(
        "[...document.querySelectorAll('form.pick select')].map(s => s.getBoundingClientRect().right)"
    )
    assert rights and max(rights) <= width, rights


# The lines written under the chart in the PNG, each measured in the font it is drawn in.
EXPORTED_LINES = """() => {
  const figure = document.querySelector('figure.series-chart');
  const lines = JSON.parse(figure.dataset.exportedText);
  const width = figure.querySelector('canvas').getBoundingClientRect().width;
  const ctx = document.createElement('canvas').getContext('2d');
  ctx.font = '12px sans-serif';
  return {width, lines: lines.map(line => ({line, px: ctx.measureText(line).width}))};
}"""


@pytest.mark.parametrize("path", ["/platform/telegram", GOOGLE_INDIA])
@pytest.mark.parametrize("width", [390, 1366])
def test_a_charts_png_writes_its_whole_citation_within_the_image(page, path, width):
    # The citation's address is one word to the wrapping: the platform page's (five jurisdictions)
    # ran 80 px past a 1,000 px image, and on a phone most of any chart's address was cut off, so
    # the image passed on alone named no chart anyone could open.
    page.set_viewport_size({"width": width, "height": 900})
    page.goto(path)
    page.wait_for_function("document.querySelector('figure.series-chart canvas').dataset.rendered > 0")
    with page.expect_download():
        page.locator("a.chart-png").first.click()
    measured = page.evaluate(EXPORTED_LINES)
    # The title's lines come first, in a larger font; the lines below it are measured.
    caption = " ".join(page.locator("figure.series-chart figcaption").first.inner_text().split())
    lines = measured["lines"]
    title = next(k for k in range(1, len(lines)) if " ".join(m["line"] for m in lines[:k]) == caption)
    below = lines[title:]
    assert below
    for m in below:
        assert m["px"] <= measured["width"] - 2 * 12, (m, measured["width"])
    # Broken where it had to be, the address is whole: read on, line after line, it is the page's.
    citation = page.locator(".chart-citation").first.inner_text()
    written = "".join(m["line"] for m in below)
    assert "".join(citation.split()) in "".join(written.split())
    (address,) = [word.rstrip(",") for word in citation.split() if word.startswith("https://")]
    assert address.split("?")[1] in "".join(written.split())
    assert json.loads(page.locator("figure.series-chart").first.get_attribute("data-exported-text"))


def test_a_charts_citation_and_its_png_name_the_day_it_was_read_as_a_figures_does(page):
    # The figure pages' citations of unreleased data end "accessed on <the reader's day>."; the
    # charts' named no day, and so neither did their PNGs, passed on alone.
    page.goto("/figure/telegram-usa-2024-ip_or_phone-requests_fulfilled")
    figure = page.locator("p.citation").first.inner_text()
    dated = re.search(r", accessed on (\d{4}-\d{2}-\d{2})\.$", figure)
    page.goto(GOOGLE_INDIA)
    page.wait_for_function("document.querySelector('figure.series-chart canvas').dataset.rendered > 0")
    citation = page.locator(".chart-citation").first.inner_text()
    if dated is None:  # released data are cited by their version alone, on both
        assert "accessed on" not in citation
        return
    assert citation.endswith(f", accessed on {dated.group(1)}.")
    with page.expect_download():
        page.locator("a.chart-png").first.click()
    written = " ".join(json.loads(page.locator("figure.series-chart").first.get_attribute("data-exported-text")))
    assert f"accessed on {dated.group(1)}." in written


def test_countries_without_figures_are_listed_in_a_readable_grey(page):
    # #777 on the page's #f8fafb is 4.28:1; WCAG AA asks 4.5:1 for text of this size.
    page.goto("/countries")
    ratio = page.evaluate(
        """() => {
      const parse = c => c.match(/\\d+(\\.\\d+)?/g).slice(0, 3).map(Number);
      const lum = c => { const [r, g, b] = c.map(v => { v /= 255; return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; });
                         return 0.2126 * r + 0.7152 * g + 0.0722 * b; };
      const link = document.querySelector('.jurisdiction-list li.none a');
      let node = link, background = null;
      while (node && !background) {
        const c = getComputedStyle(node).backgroundColor;
        if (!c.startsWith('rgba(0, 0, 0, 0)') && c !== 'transparent') background = c;
        node = node.parentElement;
      }
      const [a, b] = [lum(parse(getComputedStyle(link).color)), lum(parse(background || 'rgb(255,255,255)'))];
      return (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05);
    }"""
    )
    assert ratio >= 4.5, ratio


TWELVE = ["USA", "DEU", "FRA", "GBR", "IND", "ESP", "ITA", "BRA", "POL", "CAN", "AUS", "KOR"]
COLORS = """() => {
  const canvas = document.querySelector('figure.series-chart canvas');
  return {lines: Chart.getChart(canvas).data.datasets.map(d => [d.label, d.borderColor]),
          note: document.querySelector('figure.series-chart .chart-note').textContent};
}"""


def telegram_chart(jurisdictions):
    chosen = "&".join(f"jurisdiction={j}" for j in jurisdictions)
    return f"/chart?platform=telegram&request_type=ip_or_phone&metric=requests_fulfilled&{chosen}"


def test_twelve_countries_on_one_chart_each_have_a_colour_of_their_own(page):
    # The ten hues ran out: Canada and Korea took the grey they hash to, which was Poland's, and
    # three lines of the legend read alike.
    page.goto(telegram_chart(TWELVE))
    page.wait_for_function("document.querySelector('figure.series-chart canvas').dataset.rendered > 0")
    drawn = page.evaluate(COLORS)
    colors = [color for _, color in drawn["lines"]]
    assert len(colors) == 12 and len(set(colors)) == 12, drawn["lines"]
    assert "share a colour" not in drawn["note"]


def test_a_chart_with_more_lines_than_colours_says_so(page):
    many = TWELVE + ["ARG", "AUT", "BEL", "CHE", "CZE", "NLD", "PRT", "ROU"]
    page.goto(telegram_chart(many))
    page.wait_for_function("document.querySelector('figure.series-chart canvas').dataset.rendered > 0")
    drawn = page.evaluate(COLORS)
    lines, colors = len(drawn["lines"]), len({color for _, color in drawn["lines"]})
    assert lines == 20 and colors == 15, drawn["lines"]
    assert f"{lines} lines in {colors} colours: some lines share a colour" in drawn["note"]
