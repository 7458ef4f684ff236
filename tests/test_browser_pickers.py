"""Layer (c), in Chromium: the pickers of /compare and /chart, and the chart's PNG export.

A reviewer's findings: the country picker of /compare and the platform picker of /chart submitted
their form on every change, so the down arrow key loaded the next country at once and a keyboard
user could not move through the list; and a platform chosen on /chart kept the request type and
metric of the one before, so its Metric list came back empty; and the PNG named each event as
its own source.
"""

import json

import pytest

pytestmark = pytest.mark.browser


@pytest.mark.parametrize(
    ("path", "picker", "button"),
    [
        ("/compare?jurisdiction=DEU&platform=google&platform=apple", "select[name=jurisdiction]", "Compare"),
        ("/chart?platform=telegram&jurisdiction=USA", "select[name=platform]", "Draw"),
    ],
)
def test_the_arrow_keys_move_through_a_picker_without_loading_a_page(page, path, picker, button):
    page.set_viewport_size({"width": 390, "height": 800})
    page.goto(path)
    select = page.locator(f"form.pick {picker}")
    first = select.input_value()
    loads = []
    page.on("framenavigated", lambda frame: loads.append(frame.url))
    select.focus()
    for _ in range(3):
        page.keyboard.press("ArrowDown")
    page.wait_for_timeout(300)
    assert loads == [] and page.url.endswith(path), loads
    moved = select.input_value()
    assert moved != first
    # The form's own button submits the choice, and a reader on a phone sees it.
    submit = page.get_by_role("button", name=button)
    assert submit.is_visible()
    submit.scroll_into_view_if_needed()
    assert submit.bounding_box()["width"] > 0
    with page.expect_navigation():
        submit.click()
    assert page.locator(f"form.pick {picker}").input_value() == moved


def test_switching_the_charts_platform_offers_that_platforms_metrics(page):
    """From Telegram to Apple: the page answered with an empty Metric list and "No non-overlapping
    series matches this selection", yet Draw then drew a chart."""
    page.goto("/chart")
    assert page.locator("form.pick select[name=platform]").input_value() == "telegram"
    page.locator("form.pick select[name=platform]").select_option("apple")
    with page.expect_navigation():
        page.get_by_role("button", name="Draw").click()
    metrics = page.locator("form.pick select[name=metric] option")
    assert metrics.count() > 0
    assert page.locator("form.pick select[name=metric] option:checked").count() > 0
    page.wait_for_function("document.querySelector('figure.series-chart canvas').dataset.rendered > 0")
    assert page.locator("p.notice").is_visible()
    assert "No non-overlapping series" not in page.content()
    title = page.locator("h2.chart-title").inner_text()
    # Draw again, on the form as it is shown: the same chart, with nothing left to explain.
    with page.expect_navigation():
        page.get_by_role("button", name="Draw").click()
    assert page.locator("h2.chart-title").inner_text() == title
    assert page.locator("p.notice").count() == 0


def test_the_charts_png_names_each_events_source(page):
    """The PNG listed each event as "1. <title> (source: <title>)": the link's hidden text, which
    named the event, was read as its source. It names the source's publisher."""
    page.goto("/chart?platform=telegram&jurisdiction=USA&request_type=ip_or_phone&metric=requests_fulfilled")
    page.wait_for_function("document.querySelector('figure.series-chart canvas').dataset.rendered > 0")
    (spec,) = json.loads(page.locator("#charts-data").text_content())
    assert len(spec["events"]) >= 2
    with page.expect_download():
        page.locator("a.chart-png").click()
    written = " ".join(json.loads(page.locator("figure.series-chart").get_attribute("data-exported-text")))
    for n, event in enumerate(spec["events"], 1):
        assert f"{n}. {event['event_date']} {event['title']} (source: {event['source_publisher']})" in written
        assert f"(source: {event['title']})" not in written
