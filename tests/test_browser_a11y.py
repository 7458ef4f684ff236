"""Layer (c), in Chromium: the pages a reader meets, checked by axe-core (Deque's accessibility
rules: contrast, names of controls and links, landmarks, table headers, text alternatives) on a
desktop and on a 375 px phone.

axe-core is vendored in tests/vendor/ (pinned in its manifest.json, refreshed by
scripts/vendor_js.sh) and injected into each page: a clean clone has it, and a missing or
altered copy fails here rather than skipping the checks."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest

pytestmark = pytest.mark.browser

VENDOR = Path(__file__).resolve().parent / "vendor"
AXE = VENDOR / "axe.min.js"

# Every kind of page: home, a figure (reported and derived), the explore pages, the release pages,
# the API page, Datasette's own database, table (with facets, a facet chosen and a search), query
# and row pages, and error pages (the site's own and Datasette's).
PAGES = [
    "/",
    "/figure/telegram-usa-2024-ip_or_phone-requests_fulfilled",
    "/figure/telegram-usa-2024q4-ip_or_phone-requests_fulfilled-derived",
    "/country/USA",
    "/platform/telegram",
    "/platform/zoom",  # a series of one period, as a table beside a chart
    "/country/CUB",  # series of one period only: tables, no chart
    "/countries",
    "/platforms",
    "/compare",
    "/compare?country=DEU",  # a parameter the page does not read, said not applied
    "/telegram-map",
    "/downloads",
    "/changes",
    "/api",
    "/disclosures",
    "/disclosures/figures?platform_id=telegram",
    "/disclosures/figures?_search=fulfilled",
    "/disclosures/sources",
    "/disclosures/search_everything?q=telegram",
    "/disclosures/platforms/telegram",
    "/figure/nope",
    "/figure/telegram-usa-2024q4-ip_or_phone-requests_fulfilled",
    "/disclosures/nope",
]

# What a reader is kept from (axe's "serious" and "critical"), and the lesser rules these pages
# once broke and now keep.
IMPACTS = {"serious", "critical"}
RULES = {"landmark-unique"}

RUN_AXE = """async () => {
  const result = await axe.run(document, {resultTypes: ['violations']});
  return result.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
    nodes: v.nodes.slice(0, 5).map(n => n.target.join(' ') + ': ' + n.failureSummary)}));
}"""


def test_the_vendored_axe_core_is_the_pinned_npm_file():
    manifest = json.loads((VENDOR / "manifest.json").read_text(encoding="utf-8"))
    entry = manifest["axe.min.js"]
    assert entry["registry"] == "npm" and entry["package"] == "axe-core"
    assert hashlib.sha256(AXE.read_bytes()).hexdigest() == entry["sha256"]
    assert AXE.read_text(encoding="utf-8").startswith(f"/*! axe v{entry['version']}")
    assert (VENDOR / "axe-core.LICENSE").is_file() and (VENDOR / "axe-core.LICENSE-3RD-PARTY.txt").is_file()


def violations(page, path: str) -> list[dict]:
    page.goto(path)
    # The charts and the map are drawn from data the page fetches: checked as a reader sees them.
    page.wait_for_load_state("networkidle")
    page.add_script_tag(path=str(AXE))
    found = page.evaluate(RUN_AXE)
    return [v for v in found if v["impact"] in IMPACTS or v["id"] in RULES]


@pytest.mark.parametrize("width", [1280, 375])
@pytest.mark.parametrize("path", PAGES)
def test_axe_finds_nothing_serious_and_no_page_scrolls_sideways(page, path, width):
    page.set_viewport_size({"width": width, "height": 812})
    assert violations(page, path) == [], path
    # Wide tables scroll in a box of their own, on a 375 px phone too (tests/test_browser_small_screens.py).
    assert page.evaluate("document.scrollingElement.scrollWidth") <= width, path


def test_a_chosen_facets_cross_is_named_for_what_it_removes(page):
    # A screen reader read Datasette's ✖ as "heavy multiplication x".
    page.goto("/disclosures/figures?platform_id=telegram&jurisdiction_id=USA")
    page.wait_for_load_state("load")
    crosses = page.locator(".facet-info a.cross")
    assert crosses.count() == 2
    for name, removed in (("Telegram", "platform_id"), ("United States", "jurisdiction_id")):
        cross = page.get_by_role("link", name=f"Remove the filter: {name}", exact=True)
        assert cross.count() == 1
        assert removed not in cross.get_attribute("href")
