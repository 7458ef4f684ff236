"""Layer (c), in Chromium: what the home chart and the explore charts share (static/chart-common.js).

A reviewer's findings: the home chart's time axis was ticked by Chart.js at round numbers of
milliseconds (2024-01, 2024-07, 2024-10, 2025-02...: 3 July, 27 October...), which matched none of
the quarter-long lines it draws; and a country's line changed colour from one chart to the next.
"""

import json
from datetime import date, timedelta
from itertools import pairwise

import pytest

pytestmark = pytest.mark.browser

# The x axis of the chart drawn on a canvas: its bounds, each tick's date and label, and each
# label as Chart.js draws it (its text, where its middle is, how wide it is in its font).
TIME_AXIS = """(canvas) => {
    const chart = Chart.getChart(canvas), x = chart.scales.x, ctx = chart.ctx;
    const day = (ms) => new Date(ms).toISOString().slice(0, 10);
    ctx.save();
    const drawn = x.getLabelItems().map((item) => {
        ctx.font = item.font.string;
        return {label: item.label, px: item.options.translation[0], width: ctx.measureText(item.label).width};
    });
    ctx.restore();
    return {min: day(x.min), max: day(x.max), ticks: x.ticks.map((t) => ({date: day(t.value), label: t.label})), drawn};
}"""

# Pages with a chart of Telegram's fulfilled requests by country.
TELEGRAM_BY_COUNTRY = ["/", "/platform/telegram"]


def telegram_by_country(page, path):
    """The canvas of the page's chart of Telegram's fulfilled requests by country, and every
    (start, end) period it draws, from the JSON the page embeds."""
    if path == "/":
        canvas = "#telegram-chart"
        lines = [c["periods"] for c in json.loads(page.locator("#telegram-chart-data").text_content())["countries"]]
    else:
        specs = json.loads(page.locator("#charts-data").text_content())
        (index,) = [i for i, spec in enumerate(specs) if "top 5 countries" in spec["title"]]
        canvas = f"figure.series-chart[data-index='{index}'] canvas"
        lines = [s["points"] for s in specs[index]["series"]]
    page.wait_for_function(f"document.querySelector({canvas!r}).dataset.rendered > 0")
    periods = {(date.fromisoformat(p["period_start"]), date.fromisoformat(p["period_end"])) for ps in lines for p in ps}
    return page.locator(canvas), periods


def month_starts(first: date, last: date, months: tuple[int, ...]) -> list[str]:
    """The first days of the given months from first to last, both included, as ISO dates."""
    found, year = [], first.year
    while date(year, 1, 1) <= last:
        found += [date(year, m, 1) for m in months if first <= date(year, m, 1) <= last]
        year += 1
    return [d.isoformat() for d in found]


QUARTER_MONTHS = {"04": "Apr", "07": "Jul", "10": "Oct"}


@pytest.mark.parametrize("width", [1280, 390])
@pytest.mark.parametrize("path", TELEGRAM_BY_COUNTRY)
def test_the_time_axis_is_ticked_where_quarters_and_years_start(page, path, width):
    page.set_viewport_size({"width": width, "height": 900})
    page.goto(path)
    canvas, periods = telegram_by_country(page, path)
    axis = canvas.evaluate(TIME_AXIS)
    first, last = min(s for s, _ in periods), max(e for _, e in periods) + timedelta(days=1)
    ticks = [t["date"] for t in axis["ticks"]]
    if width == 1280:
        # Every quarter start, so that each quarter's line runs from one tick to the next.
        assert ticks == month_starts(first, last, (1, 4, 7, 10))
        for start, end in periods:
            assert start.isoformat() in ticks and (end + timedelta(days=1)).isoformat() in ticks, (start, end)
    else:
        assert ticks == month_starts(first, last, (1, 7))  # half as many on a phone
    # From the first period's start to the end of the last one's last day.
    assert (axis["min"], axis["max"]) == (first.isoformat(), last.isoformat())
    for t in axis["ticks"]:
        year, month = t["date"][:4], t["date"][5:7]
        assert t["label"] == (year if month == "01" else f"{QUARTER_MONTHS[month]} {year}")
    # Every label is drawn (none skipped) and clear of its neighbours.
    assert [d["label"] for d in axis["drawn"]] == [t["label"] for t in axis["ticks"]]
    for left, right in pairwise(axis["drawn"]):
        assert right["px"] - left["px"] > (left["width"] + right["width"]) / 2 + 4, (left, right)


# Each line of the chart drawn on a canvas: {label: colour}.
LINE_COLOURS = """(canvas) => Object.fromEntries(
    Chart.getChart(canvas).data.datasets.map((d) => [d.label, d.borderColor]))"""


def test_a_countrys_line_has_the_same_colour_on_every_chart(page):
    """India was blue on the home chart and purple on /platform/telegram, the United States green
    then orange: lines took colours in the order of their series."""
    charts = {}
    for path in TELEGRAM_BY_COUNTRY:
        page.goto(path)
        canvas, _ = telegram_by_country(page, path)
        charts[path] = canvas.evaluate(LINE_COLOURS)
    path = "/chart?platform=google&jurisdiction=USA&jurisdiction=IND&request_type=all&metric=requests_received"
    page.goto(path)
    page.wait_for_function("document.querySelector('figure.series-chart canvas').dataset.rendered > 0")
    charts[path] = page.locator("figure.series-chart canvas").evaluate(LINE_COLOURS)
    for country in ("India", "United States"):
        assert len({colours[country] for colours in charts.values()}) == 1, (country, charts)
    # Every country of the home chart that /platform/telegram draws too.
    shared = charts["/"].keys() & charts["/platform/telegram"].keys()
    assert len(shared) >= 4, charts
    assert {c: charts["/"][c] for c in shared} == {c: charts["/platform/telegram"][c] for c in shared}


def test_two_countries_whose_colours_collide_get_different_ones_on_one_chart(page):
    """Amazon Store's Cyprus, Czechia and Estonia have no colour of their own; Cyprus and Estonia
    hash to the same one. (Its platform page drew them among its "top 5 countries", at 0 beside
    other member states at 0; it now draws the two it can rank, so the chart is chosen here.)"""
    page.goto(
        "/chart?platform=amazon_store&jurisdiction=CYP&jurisdiction=CZE&jurisdiction=EST"
        "&request_type=dsa_information_order&metric=requests_received"
    )
    specs = json.loads(page.locator("#charts-data").text_content())
    (index,) = [i for i, spec in enumerate(specs) if spec["line_per"] == "jurisdiction"]
    canvas = page.locator(f"figure.series-chart[data-index='{index}'] canvas")
    page.wait_for_function(
        f"document.querySelector(\"figure.series-chart[data-index='{index}'] canvas\").dataset.rendered > 0"
    )
    ids = [s["jurisdiction_id"] for s in specs[index]["series"]]
    alone = page.evaluate(
        "(ids) => ids.map((id) => PlatformCharts.jurisdictionColors([id])[id])",
        ids,
    )
    assert len(set(alone)) < len(ids), "no two of these collide: this test no longer shows anything"
    drawn = canvas.evaluate(LINE_COLOURS)
    assert len(set(drawn.values())) == len(ids) == len(drawn), drawn
    # Decided by which countries are on the chart, not by the order of its lines.
    together = page.evaluate("(ids) => PlatformCharts.jurisdictionColors(ids.reverse())", ids)
    assert {s["label"]: together[s["jurisdiction_id"]] for s in specs[index]["series"]} == drawn


def test_a_points_tooltip_gives_its_value_as_published(page):
    """TikTok publishes its shares from 0 to 1 with up to nine decimals (0.340909091): the chart's
    tooltip read "0.341", and 0.1333 "0.133", rounded where the table under the chart, the figure's
    page and its CSV give every digit."""
    page.goto("/chart?platform=tiktok&jurisdiction=IDN&request_type=legal_process&metric=fraction_requests_some_data")
    (spec,) = json.loads(page.locator("#charts-data").text_content())
    page.wait_for_function("document.querySelector('figure.series-chart canvas').dataset.rendered > 0")
    shown = page.locator("figure.series-chart canvas").evaluate(
        """(canvas) => {
            const chart = Chart.getChart(canvas), label = chart.options.plugins.tooltip.callbacks.label;
            return chart.data.datasets.flatMap((dataset) => dataset.data
                .filter((point) => point.y !== null)
                .map((point) => label.call(chart.tooltip, {dataset, raw: point})));
        }"""
    )
    (series,) = spec["series"]
    published = [f"{series['label']}: {p['value']:,}" for p in series["points"] for _ in ("start", "end")]
    assert any(len(str(p["value"])) > 5 for p in series["points"]), "no value here has more than three decimals"
    assert shown == published


# Each chart drawn on the page: its spec's index, its y axis's type and the note under it.
Y_AXES = """() => Array.from(document.querySelectorAll('figure.series-chart')).map((figure) => ({
    index: Number(figure.dataset.index),
    type: Chart.getChart(figure.querySelector('canvas')).scales.y.type,
    note: (figure.querySelector('.chart-note') || {textContent: ''}).textContent}))"""


@pytest.mark.parametrize("path", ["/platform/telegram", "/platform/google", "/country/IND", "/platform/apple"])
def test_counts_that_span_a_hundredfold_are_drawn_on_a_log_axis_and_the_note_says_so(page, path):
    """Telegram's platform chart drew India's 12,000 fulfilled requests and the United States'
    14 on one linear axis, where the 14 lay on the zero line. Counts whose largest value is 100
    times their smallest or more get the home chart's log axis; a chart with a zero, a percentage
    or a fraction keeps its linear one."""
    page.goto(path)
    specs = json.loads(page.locator("#charts-data").text_content())
    page.wait_for_function(
        "Array.from(document.querySelectorAll('figure.series-chart canvas')).every((c) => c.dataset.rendered)"
    )
    axes = page.evaluate(Y_AXES)
    assert len(axes) == len(specs)
    for axis in axes:
        spec = specs[axis["index"]]
        values = [p["value"] for s in spec["series"] for p in s["points"] if isinstance(p["value"], (int, float))]
        spans = spec["unit"] == "count" and min(values) >= 1 and max(values) >= 100 * min(values)
        # Drawn by the value_axis of the chart's JSON, which a program drawing the chart reads too.
        assert spec["value_axis"] == ("log" if spans else "linear"), spec["title"]
        assert axis["type"] == ("logarithmic" if spans else "linear"), (spec["title"], min(values), max(values))
        assert ("The scale is logarithmic" in axis["note"]) == spans
    if path == "/platform/telegram":
        (top,) = [a for a in axes if "top 5 countries" in specs[a["index"]]["title"]]
        assert top["type"] == "logarithmic"


# Each linear count chart of the page: the largest value it draws and how far below the top of
# the plot area that value's line lies, in pixels.
TOP_LINES = """() => Array.from(document.querySelectorAll('figure.series-chart canvas')).map((canvas) => {
    const chart = Chart.getChart(canvas), y = chart.scales.y;
    const values = chart.data.datasets.flatMap((d) => d.data.map((p) => p.y)).filter((v) => v !== null);
    const largest = Math.max(...values);
    return {title: canvas.getAttribute('aria-label'), type: y.type, max: y.max, largest,
            below: y.getPixelForValue(largest) - chart.chartArea.top};
})"""


def test_the_largest_count_of_a_linear_chart_is_drawn_below_the_top_of_its_axis(page):
    """Germany's Meta line of 17,977 lay on an axis that ended at 18,000, and Discord's 90 on one
    that ended at 90: the line sat on the chart's top edge, half cut off, and read as its frame."""
    page.goto("/country/DEU")
    page.wait_for_function(
        "Array.from(document.querySelectorAll('figure.series-chart canvas')).every((c) => c.dataset.rendered)"
    )
    counts = [c for c in page.evaluate(TOP_LINES) if c["type"] == "linear" and "counts" in c["title"]]
    assert any(c["title"].startswith("Meta ") for c in counts) and any(c["largest"] == 90 for c in counts)
    for chart in counts:
        assert chart["max"] > chart["largest"], chart
        # The line is 2.5 px wide: its top half must clear the axis's top edge.
        assert chart["below"] >= 4, chart


@pytest.mark.parametrize("width", [1400, 390])
def test_the_largest_count_of_a_log_chart_is_drawn_below_the_top_of_its_axis(page, width):
    """Snapchat's 9,820 for Germany lay on a log axis ending at 10,000, half a pixel from the top."""
    page.set_viewport_size({"width": width, "height": 900})
    page.goto("/country/DEU")
    page.wait_for_function(
        "Array.from(document.querySelectorAll('figure.series-chart canvas')).every((c) => c.dataset.rendered)"
    )
    logs = [c for c in page.evaluate(TOP_LINES) if c["type"] == "logarithmic"]
    assert any(c["title"].startswith("Snapchat, ") and c["largest"] == 9820 for c in logs), logs
    for chart in logs:
        assert chart["below"] >= 4, chart
