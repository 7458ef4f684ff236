"""Layer (c): the site in a real browser (Debian's Chromium, driven by Playwright)."""

import csv
import io
import json
import re

import pytest

pytestmark = pytest.mark.browser


def test_home_page_draws_the_chart(page):
    page.goto("/")
    canvas = page.locator("#telegram-chart")
    canvas.wait_for()
    page.wait_for_function("document.getElementById('telegram-chart').dataset.rendered > 0")
    assert int(canvas.get_attribute("data-rendered")) >= 3
    # A drawn chart has coloured pixels, not a blank canvas.
    painted = page.evaluate("""() => {
        const c = document.getElementById('telegram-chart');
        const data = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
        let n = 0;
        for (let i = 3; i < data.length; i += 4) { if (data[i] > 0) n++; }
        return n;
    }""")
    assert painted > 5000
    # Numbered in the list as the chart numbers their markers.
    assert page.locator("ol.events > li.event").count() == 2


# Every flat segment of a chart, with whether its own colour shows on the canvas somewhere along
# it (sampled in 24 columns, from its line's top edge to its bottom edge).
SEGMENTS_SEEN = """(canvasSelector) => {
    const canvas = document.querySelector(canvasSelector);
    const chart = Chart.getChart(canvas);
    const ratio = chart.currentDevicePixelRatio;
    const pixels = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height);
    const rgb = (hex) => [1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16));
    const shows = (x, y, colour) => {
        const at = (Math.round(y * ratio) * canvas.width + Math.round(x * ratio)) * 4;
        return colour.every((c, i) => Math.abs(pixels.data[at + i] - c) <= 8);
    };
    const seen = [];
    chart.data.datasets.forEach((dataset, i) => {
        const meta = chart.getDatasetMeta(i), colour = rgb(dataset.borderColor);
        for (let k = 0; k + 1 < dataset.data.length; k += 1) {
            const raw = dataset.data[k];
            if (raw.y === null || dataset.data[k + 1].y === null) continue;
            const a = meta.data[k], b = meta.data[k + 1];
            const half = (dataset.borderWidth + 4 * (raw.covered || 0)) / 2;
            let found = false;
            for (let step = 1; step < 25 && !found; step += 1) {
                const x = a.x + (b.x - a.x) * step / 25;
                for (let y = a.y - half; y <= a.y + half && !found; y += 0.5) found = shows(x, y, colour);
            }
            seen.push({ dataset: dataset.label, period: raw.label, covered: raw.covered || 0, found });
        }
    });
    return seen;
}"""


def test_no_line_of_the_home_chart_is_hidden_under_another(page):
    """Telegram's US Q4 2024 (886) lay under Germany's (892) and could not be seen: a line under
    another is drawn wider, so that its colour shows on both sides."""
    page.goto("/")
    page.wait_for_function("document.getElementById('telegram-chart').dataset.rendered > 0")
    seen = page.evaluate(SEGMENTS_SEEN, "#telegram-chart")
    assert len(seen) > 20
    assert any(s["covered"] for s in seen), "no two lines meet: this test no longer shows anything"
    assert [s for s in seen if not s["found"]] == []


def test_clicking_a_facet_narrows_the_rows(page):
    page.goto("/disclosures/figures")
    heading = page.locator("h3").first
    total = int(re.search(r"([\d,]+) rows?", heading.inner_text()).group(1).replace(",", ""))
    page.locator(".facet-info[data-column='platform_id'] a", has_text="Telegram").first.click()
    page.wait_for_url(re.compile(r"platform_id=telegram"))
    narrowed = int(re.search(r"([\d,]+) rows?", page.locator("h3").first.inner_text()).group(1).replace(",", ""))
    assert 0 < narrowed < total
    platforms = {text.split("\xa0")[0] for text in page.locator("td.col-platform_id").all_inner_texts()}
    assert platforms == {"Telegram"}


def test_figure_page_source_link_leads_to_the_source(page):
    page.goto("/figure/telegram-usa-2024-ip_or_phone-requests_fulfilled")
    assert page.locator(".figure-value .value").inner_text() == "900"
    # The figure rests on the compilation's record (a stronger tier than the press that quoted the bot).
    assert '"requests": 900' in page.locator("blockquote.quote").inner_text()
    assert "for IP address and/or phone number: 900" in page.locator("body").inner_text()  # a corroboration
    link = page.locator("a.source-link")
    href = link.get_attribute("href")
    assert href.startswith("https://")
    link.click()
    page.wait_for_url(href)
    assert page.title() == "external stub"


def test_downloading_the_figures_csv(page, tmp_path):
    page.goto("/")
    with page.expect_download() as download_info:
        page.locator("a", has_text="Download figures (CSV)").click()
    download = download_info.value
    path = tmp_path / download.suggested_filename
    download.save_as(path)
    lines = path.read_text(encoding="utf-8").splitlines()
    assert lines[0].startswith("figure_id,platform_id,jurisdiction_id")
    assert len(lines) > 2000


# The explore pages: charts, CSV twins, the map, query forms and the phone layout ----------------

PAINTED = """(canvas) => {
    const data = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data;
    let n = 0;
    for (let i = 0; i < data.length; i += 4) { if (data[i] < 200 || data[i + 1] < 200 || data[i + 2] < 200) n++; }
    return n;
}"""


def wait_for_charts(page):
    expected = page.locator("figure.series-chart").count()
    assert expected > 0
    page.wait_for_function(
        f"document.querySelectorAll('figure.series-chart canvas[data-rendered]').length == {expected}"
    )
    return page.locator("figure.series-chart canvas")


@pytest.mark.parametrize("path", ["/country/USA", "/platform/telegram", "/platform/google"])
def test_country_and_platform_pages_draw_their_charts(page, path):
    page.goto(path)
    canvases = wait_for_charts(page)
    specs = json.loads(page.locator("#charts-data").text_content())
    for i in range(canvases.count()):
        canvas = canvases.nth(i)
        points = sum(len(s["points"]) for s in specs[i]["series"])
        assert int(canvas.get_attribute("data-rendered")) == points
        assert canvas.evaluate(PAINTED) > 2000, specs[i]["title"]


def test_a_charts_csv_link_downloads_what_the_chart_shows(page, tmp_path):
    page.goto(
        "/chart?platform=telegram&jurisdiction=IND&jurisdiction=USA&request_type=ip_or_phone&metric=requests_fulfilled"
    )
    wait_for_charts(page)
    (spec,) = json.loads(page.locator("#charts-data").text_content())
    shown = sorted((p["figure_id"], float(p["value"]), p["derived"]) for s in spec["series"] for p in s["points"])
    with page.expect_download() as download_info:
        page.locator("a.chart-csv").click()
    path = tmp_path / "chart.csv"
    download_info.value.save_as(path)
    downloaded = list(csv.DictReader(io.StringIO(path.read_text(encoding="utf-8"))))
    assert sorted((r["figure_id"], float(r["value"]), r["is_derived"] == "1") for r in downloaded) == shown
    assert {r["jurisdiction_id"] for r in downloaded} == {"IND", "USA"}


def test_a_chart_exports_as_png(page, tmp_path):
    page.goto("/chart?platform=google&jurisdiction=IND&request_type=all&metric=requests_received")
    wait_for_charts(page)
    with page.expect_download() as download_info:
        page.locator("a.chart-png").click()
    path = tmp_path / "chart.png"
    download_info.value.save_as(path)
    png = path.read_bytes()
    assert png[:8] == b"\x89PNG\r\n\x1a\n" and path.stat().st_size > 5000
    # The image passed on alone still says what it shows and where it comes from: the title above
    # the chart, the citation (source, version, address) below it, so it is taller than the chart.
    written = " ".join(json.loads(page.locator("figure.series-chart").first.get_attribute("data-exported-text")))
    assert page.locator("figure.series-chart figcaption").first.inner_text() in written
    citation = page.locator(".chart-citation").first.inner_text()
    assert citation.startswith("Platform Disclosures, version") and citation in written
    canvas_height = page.evaluate("document.querySelector('figure.series-chart canvas').height")
    assert int.from_bytes(png[20:24], "big") > canvas_height + 60  # IHDR height


def test_the_telegram_map_draws_countries_with_and_without_figures(page):
    page.goto("/telegram-map?period=2024-01-01_2024-09-30")
    page.wait_for_function("document.getElementById('telegram-map').dataset.rendered > 0")
    data = json.loads(page.locator("#map-data").text_content())
    drawn = int(page.locator("#telegram-map").get_attribute("data-rendered"))
    # Every country with a figure is on the 1:50m atlas except the smallest (it has no shape for them).
    assert 0.9 * len(data["values"]) <= drawn <= len(data["values"])
    assert page.locator("#telegram-map path.no-figure").count() > 50
    assert "no figure" in page.locator("#map-legend").inner_text()


# Each drawn shape's name (the atlas's), class and tooltip.
MAP_SHAPES = """() => [...document.querySelectorAll('#telegram-map path[class]')].map(p => ({
  name: p.querySelector('title').textContent.split(': ')[0], cls: p.getAttribute('class'),
  title: p.querySelector('title').textContent}))"""


def test_a_territory_on_the_map_never_shows_its_countrys_figure(page):
    # The atlas files Ashmore and Cartier Islands under Australia's ISO code (036), and the map joined
    # shapes to figures by code alone: the islands' tooltip read Australia's figure.
    page.goto("/telegram-map")
    page.wait_for_function("document.getElementById('telegram-map').dataset.rendered > 0")
    data = json.loads(page.locator("#map-data").text_content())
    australia = data["values"]["036"]  # the newest period has Australia's figure
    shapes = page.evaluate(MAP_SHAPES)
    islands = [s for s in shapes if s["name"] == "Ashmore and Cartier Is."]
    mainland = [s for s in shapes if s["name"] == "Australia"]
    assert len(islands) == 1 and len(mainland) == 1, (islands, mainland)
    assert islands[0]["cls"] == "no-figure", islands
    assert islands[0]["title"] == "Ashmore and Cartier Is.: no figure of its own", islands
    assert mainland[0]["cls"].startswith("has-figure")
    assert mainland[0]["title"].startswith(f"Australia: {australia['value']:,}"), mainland
    # Every other shape with a figure is the one place of its code.
    titled = [s for s in shapes if s["cls"].startswith("has-figure")]
    assert len(titled) == int(page.locator("#telegram-map").get_attribute("data-rendered"))


def test_an_empty_query_form_opens_on_its_defaults_with_dropdowns(page):
    page.goto("/disclosures/top_jurisdictions")
    page.wait_for_url(re.compile(r"platform=telegram"))
    page.wait_for_selector("form.sql[data-enhanced=true]")
    assert page.locator("form.sql select[name=platform] option:checked").inner_text() == "Telegram"
    assert page.locator("form.sql select#qp3 option:checked").inner_text() == "2024"
    assert page.locator("table.rows-and-columns tbody tr").count() > 10
    page.locator("form.sql select#qp3").select_option("2025-01-01/2025-03-31")
    page.locator("form.sql input[type=submit]").click()
    page.wait_for_url(re.compile(r"period_start=2025-01-01&period_end=2025-03-31"))
    assert page.locator("table.rows-and-columns tbody tr").count() > 5


@pytest.mark.parametrize(
    "path",
    [
        "/",
        "/countries",
        "/country/USA",
        "/platform/google",
        "/platform/telegram",
        "/compare",
        "/telegram-map",
        "/chart",
        "/disclosures/figures",
        "/platforms",
        "/figure/google-gbr-2022h2-legal_process-accounts_specified",  # a figure with a corrections table
        "/figure/telegram-usa-2024q4-ip_or_phone-requests_fulfilled-derived",  # its inputs' table of long ids
        "/downloads",
        "/disclosures/top_jurisdictions?platform=telegram&metric=requests_fulfilled&period_start=2024-01-01&period_end=2024-12-31",
    ],
)
def test_no_page_scrolls_sideways_on_a_phone(browser, live_server, path):
    context = browser.new_context(base_url=live_server, viewport={"width": 390, "height": 844})
    try:
        phone = context.new_page()
        phone.goto(path)
        phone.wait_for_load_state("load")
        widths = phone.evaluate("[document.documentElement.scrollWidth, document.documentElement.clientWidth]")
        assert widths == [390, 390], path
    finally:
        context.close()


def test_on_a_phone_the_figures_list_shows_value_period_and_platform_first(browser, live_server):
    context = browser.new_context(base_url=live_server, viewport={"width": 390, "height": 844})
    try:
        phone = context.new_page()
        phone.goto("/disclosures/figures?_size=3")
        first_row = phone.locator("table.rows-and-columns tbody tr").first
        cells = first_row.locator("td").evaluate_all(
            """cells => cells.filter(c => c.offsetHeight > 0)
                .sort((a, b) => a.getBoundingClientRect().top - b.getBoundingClientRect().top)
                .map(c => c.className.match(/col-([a-z_]+)/)[1])"""
        )
        assert cells[:3] == ["value", "period_label", "platform_id"]
        assert first_row.bounding_box()["height"] < 700
    finally:
        context.close()
