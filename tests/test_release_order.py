"""Layer (c): releases are ordered by date, then by their versions' numbers, never as text.

Two fixture releases on one day, 1.9.0 and then 1.10.0 (tests/fixtures/release_next). As text,
1.10.0 sorts before 1.9.0: /changes and /downloads listed 1.9.0 as the newer, a figure both
carried was cited from 1.9.0, and the feed put 1.9.0 first.
"""

import re
import sqlite3
import xml.etree.ElementTree as ElementTree

import pytest

from disclosures import feed, release
from tests.conftest import Site, plugin, unhurried
from tests.test_release import ATOM, built

DAY = "2025-07-15"
# In both releases, unchanged by the second.
KEPT = "examplechat-usa-2024-ip_or_phone-accounts_affected"


@pytest.fixture(scope="module")
def same_day(tmp_path_factory):
    root = tmp_path_factory.mktemp("same_day")
    releases, dist = root / "releases", root / "dist"
    release.make_release(built(root / "a", "1.9.0", releases=releases), dist, releases, DAY)
    release.make_release(built(root / "b", "1.10.0", "release_next", releases=releases), dist, releases, DAY)
    # The next version, unreleased: a figure's page then names the newest release that carried it.
    folder = built(root / "c", "1.10.1", "release_next", releases=releases)
    return Site(unhurried(folder, dist=dist))


def test_the_fixture_has_the_figure_in_both_releases(same_day):
    db = same_day.datasette.get_database("disclosures").path
    with sqlite3.connect(db) as conn:
        assert conn.execute("SELECT version, date FROM releases ORDER BY version").fetchall() == [
            ("1.10.0", DAY),
            ("1.9.0", DAY),
        ]
        changes = conn.execute("SELECT version, change FROM release_changes WHERE figure_id = ?", [KEPT]).fetchall()
    assert changes == [("1.9.0", "added")]


def test_the_changes_page_lists_the_newer_release_first(same_day):
    html = same_day.get("/changes").text
    line = re.search(r'<p class="releases">(.*?)</p>', html, re.DOTALL).group(1)
    assert re.findall(r"([0-9]+\.[0-9]+\.[0-9]+)(?:</strong>|</a>) \(", line) == ["1.10.0", "1.9.0"]
    # The page shows the latest release's changes, 1.10.0's.
    assert "<strong>1.10.0</strong>" in line


def test_an_unknown_release_lists_the_releases_oldest_first(same_day):
    response = same_day.get("/changes?version=2.0.0")
    assert response.status_code == 404
    assert "the releases are 1.9.0, 1.10.0" in response.text


def test_the_downloads_list_the_newer_release_first(same_day):
    answer = same_day.get("/downloads.json")
    assert answer.status_code == 200
    assert [r["version"] for r in answer.json()["releases"]] == ["1.10.0", "1.9.0"]


def test_a_figure_both_releases_carried_is_cited_from_the_newer(same_day):
    page = " ".join(same_day.get(f"/figure/{KEPT}").text.split())
    assert f'Release 1.10.0 (<span class="date">{DAY}</span>) carried this figure' in page


def test_the_feed_puts_the_newer_release_first(same_day):
    with sqlite3.connect(same_day.datasette.get_database("disclosures").path) as conn:
        entries = ElementTree.fromstring(feed.release_feed(conn)).findall(f"{ATOM}entry")
        assert [e.findtext(f"{ATOM}title").split()[1] for e in entries] == ["1.10.0", "1.9.0"]
        # The feed up to 1.9.0 holds 1.9.0 alone, not 1.10.0, which came after it.
        upto = ElementTree.fromstring(feed.release_feed(conn, "1.9.0")).findall(f"{ATOM}entry")
    assert [e.findtext(f"{ATOM}title").split()[1] for e in upto] == ["1.9.0"]


@pytest.mark.parametrize(
    ("versions", "expected"),
    [
        (["1.9.0", "1.10.0", "1.2.0"], ["1.2.0", "1.9.0", "1.10.0"]),
        (["10.0.0", "9.99.99", "2.0.10", "2.0.9"], ["2.0.9", "2.0.10", "9.99.99", "10.0.0"]),
    ],
)
def test_the_sql_orders_versions_by_their_numbers(versions, expected):
    releases = plugin("_releases")
    with sqlite3.connect(":memory:") as conn:
        conn.execute("CREATE TABLE releases (version TEXT)")
        conn.executemany("INSERT INTO releases VALUES (?)", [(v,) for v in versions])
        ascending = conn.execute(f"SELECT version FROM releases ORDER BY {releases.version_order('version')}")
        assert [v for (v,) in ascending] == expected
        descending = conn.execute(
            f"SELECT version FROM releases ORDER BY {releases.version_order('version', descending=True)}"
        )
        assert [v for (v,) in descending] == expected[::-1]
