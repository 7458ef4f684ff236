"""Layer (c), in Chromium: a researcher's and a journalist's break-test of the explore pages.

The chart's pickers made a phone's page scroll sideways (Google's request types are long).
"""

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
