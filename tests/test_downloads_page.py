"""Layer (c): /downloads, /changes and a removed figure's page, as a reader who wants a release's
files meets them: what each release changed, and what the site holds of a release whose files
this server does not serve (plugins/strict_paths.py, plugins/pages.py)."""

from __future__ import annotations

import html
import re

from tests.conftest import rows


def text_of(markup: str) -> str:
    return " ".join(html.unescape(re.sub(r"<[^>]+>", "", markup)).split())


def section(page: str, version: str) -> str:
    """The part of /downloads under a release's heading."""
    start = page.index(f'<h2 id="release-{version}">')
    end = page.find("<h2 ", start + 1)
    return page[start:end] if end != -1 else page[start:]


def test_each_release_on_the_downloads_page_says_what_it_changed(site, real_db):
    # The page said only "What changed in the latest one: What changed.", a link to /changes: no
    # release said how many figures it added, changed or removed, and none but the latest linked
    # to its own changes.
    page = site.get("/downloads").text
    assert "What changed in the latest one" not in page
    releases = rows(real_db, "SELECT version, previous, figures, added, changed, removed FROM releases")
    assert len(releases) > 1
    for version, previous, figures, added, changed, removed in releases:
        part = section(page, version)
        said = text_of(part)
        assert f"{figures:,} figures: {added:,} added, {changed:,} changed" in said, version
        assert f", {removed:,} removed" in said, version
        assert (f"since release {previous}" if previous else "(the first release: every figure new)") in said
        assert f'href="/changes?version={version}"' in part, version
