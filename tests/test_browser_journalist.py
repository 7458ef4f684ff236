"""Layer (c), in a real browser: what a journalist on deadline copies from the site. A citation
of unreleased data carries the day the reader read it, in the reader's own calendar."""

import datetime

import pytest

from tests.conftest import REFILED

pytestmark = pytest.mark.browser

# A figure of the unreleased version (tests/conftest.py, unreleased).
FIGURE = f"/figure/{REFILED}"


@pytest.fixture
def dated_page(browser, unreleased_live_server):
    # Late evening in New York is already the next day in UTC: the day cited is the reader's.
    context = browser.new_context(base_url=unreleased_live_server, timezone_id="America/New_York")
    page = context.new_page()
    page.clock.set_fixed_time(datetime.datetime(2026, 3, 5, 3, 30, tzinfo=datetime.UTC))
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    yield page
    context.close()
    assert errors == [], errors


@pytest.mark.parametrize("path", [FIGURE, "/"])
def test_a_citation_of_unreleased_data_says_the_day_it_was_read(dated_page, path):
    dated_page.goto(path)
    citation = dated_page.locator("p.citation", has=dated_page.locator(".accessed-date")).first
    citation.locator(".accessed-date").filter(has_text="2026-03-04").wait_for()
    text = citation.inner_text()
    assert text.endswith(", accessed on 2026-03-04.")
    assert "the date you read it" not in text
