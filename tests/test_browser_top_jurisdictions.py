"""Layer (c), in Chromium: top_jurisdictions' request type dropdown keeps its blank choice.

Without one, the dropdown showed and submitted its first option (Apple's "Account requests"), and
Telegram's ranking came back empty.
"""

import pytest

pytestmark = pytest.mark.browser


def test_the_request_type_dropdown_opens_blank_and_submits_a_ranking(page):
    page.goto("/disclosures/top_jurisdictions")
    page.wait_for_selector("form.sql[data-enhanced=true]")
    request_type = page.locator("form.sql select[name=request_type]")
    assert request_type.input_value() == ""
    assert "the query's default" in request_type.locator("option:checked").inner_text()
    with page.expect_navigation():
        page.locator("form.sql input[type=submit]").click()
    assert "request_type=" in page.url
    assert page.locator("form.sql select[name=request_type]").input_value() == ""
    assert page.locator('table a[href="/figure/telegram-ind-2024-ip_or_phone-requests_fulfilled"]').count() == 1


def test_a_bad_value_leaves_the_form_with_the_error_and_the_value_to_fix(page):
    # The page was the site's error page, without the form to pick another request type in.
    response = page.goto("/disclosures/top_jurisdictions?platform=telegram&request_type=nope")
    assert response.status == 400
    page.wait_for_selector("form.sql[data-enhanced=true]")
    assert "no such request_type" in page.locator("form.sql .message-error").inner_text()
    request_type = page.locator("form.sql select[name=request_type]")
    assert request_type.input_value() == "nope"
    assert request_type.locator("option:checked").inner_text() == "nope (not in the data)"


# Each choice of the open list, as drawn: the box of the option, the rectangles of its text and
# how many lines they take. A native picker draws none of them (an option's box is empty).
CHOICES_DRAWN = """() => [...document.querySelectorAll("form.sql select[name=request_type] option")].map(option => {
    const range = document.createRange();
    range.selectNodeContents(option);
    const text = [...range.getClientRects()].filter(r => r.width > 0);
    const box = option.getBoundingClientRect();
    return {
        label: option.textContent, width: box.width, height: box.height,
        left: Math.min(...text.map(r => r.left)), right: Math.max(...text.map(r => r.right)),
        lines: new Set(text.map(r => Math.round(r.top))).size,
    };
})"""


def test_on_a_phone_every_request_type_can_be_read_whole_in_the_open_list(browser, live_server):
    # At 390 px the native list was cut at the screen's edge: Google's two "CLOUD Act: Investigatory
    # Powers Act ..." request types read the same ("... communications data requ"), and neither whole.
    context = browser.new_context(base_url=live_server, viewport={"width": 390, "height": 844})
    try:
        phone = context.new_page()
        phone.goto(
            "/disclosures/top_jurisdictions?platform=google&metric=requests_received"
            "&period_start=2024-01-01&period_end=2024-06-30"
        )
        phone.wait_for_selector("form.sql[data-enhanced=true]")
        phone.locator("form.sql select[name=request_type]").click()
        choices = phone.evaluate(CHOICES_DRAWN)
        assert len(choices) > 40
        for choice in choices:
            assert choice["width"] > 0 and choice["height"] > 0, choice
            assert choice["left"] >= 0 and choice["right"] <= 390, choice
        longest = max(choices, key=lambda choice: len(choice["label"]))
        assert len(longest["label"]) > 80 and longest["lines"] > 1, longest
        # The last choice is reached by scrolling the list, and is on the screen then.
        last = phone.locator("form.sql select[name=request_type] option").last
        last.scroll_into_view_if_needed()
        box = last.bounding_box()
        assert box is not None and box["y"] >= 0 and box["y"] + box["height"] <= 844, box
    finally:
        context.close()
