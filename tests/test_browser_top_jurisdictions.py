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
