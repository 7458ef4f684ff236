"""Layer (c), in Chromium: the pickers of /compare and /chart.

A reviewer's findings: the country picker of /compare and the platform picker of /chart submitted
their form on every change, so the down arrow key loaded the next country at once and a keyboard
user could not move through the list.
"""

import pytest

from tests.test_browser import browser, page  # noqa: F401  (the shared Chromium fixtures)

pytestmark = pytest.mark.browser


@pytest.mark.parametrize(
    ("path", "picker", "button"),
    [
        ("/compare?jurisdiction=DEU&platform=google&platform=apple", "select[name=jurisdiction]", "Compare"),
        ("/chart?platform=telegram&jurisdiction=USA", "select[name=platform]", "Draw"),
    ],
)
def test_the_arrow_keys_move_through_a_picker_without_loading_a_page(page, path, picker, button):  # noqa: F811
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
