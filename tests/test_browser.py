"""Layer (c): the site in a real browser (Debian's Chromium, driven by Playwright)."""

import os
import re
from pathlib import Path

import pytest

CHROMIUM = Path("/usr/bin/chromium")
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
    "--disable-quic",
]

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def browser():
    if not CHROMIUM.exists():
        if os.environ.get("CI"):
            pytest.fail(f"{CHROMIUM} is missing in CI: .ci/run must install Debian's chromium")
        pytest.skip(f"browser tests need Debian's chromium at {CHROMIUM} (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=ARGS, headless=True)
        yield browser
        browser.close()


@pytest.fixture
def page(browser, live_server):
    context = browser.new_context(base_url=live_server, accept_downloads=True)
    # No network here: any request that leaves the site is answered by a stub page.
    context.route(
        re.compile(r"^(?!" + re.escape(live_server) + r").*"),
        lambda route: route.fulfill(status=200, content_type="text/html", body="<title>external stub</title>"),
    )
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    yield page
    context.close()
    assert errors == [], errors


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
    assert page.locator("li.event").count() == 2


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
