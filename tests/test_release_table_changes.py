"""Layers (a) and (c): a release's changes to the tables, in the words of its CHANGELOG.md, on the
site and in the feed. A release that only added a column counted 0 figures added, changed and
removed: /changes, the home page and the feed said nothing had changed.

Fixture releases (tests/fixtures/release_next): 1.0.0, the base package; 1.1.0, figures added,
changed and removed; 2.0.0, the same data with a column the build added to figures, and nothing else.
"""

import html
import re
import sqlite3
import xml.etree.ElementTree as ElementTree

import pytest

from disclosures import feed, release, release_records
from tests.conftest import Site, plugin, unhurried
from tests.test_release import ATOM, built

REVIEWER = "`figures` gained the column `reviewer`."


@pytest.fixture(scope="module")
def column_release(tmp_path_factory):
    root = tmp_path_factory.mktemp("column_release")
    releases, dist = root / "releases", root / "dist"
    release.make_release(built(root / "a", "1.0.0", releases=releases), dist, releases, "2025-01-15")
    release.make_release(built(root / "b", "1.1.0", "release_next", releases=releases), dist, releases, "2025-07-15")
    column_only = built(root / "c", "2.0.0", "release_next", releases=releases)
    with sqlite3.connect(column_only / "disclosures.db") as conn:
        conn.execute("ALTER TABLE figures ADD COLUMN reviewer TEXT")
    conn.close()
    release.make_release(column_only, dist, releases, "2025-12-01")
    # The site of the next build, which reads the three records.
    return root, Site(unhurried(built(root / "d", "2.0.0", "release_next", releases=releases), dist=dist))


def words(text: str) -> str:
    return " ".join(html.unescape(re.sub(r"<[^>]+>", "", text)).split())


def test_the_changelog_and_the_built_table_say_the_same(column_release):
    root, served = column_release
    changelog_md = (root / "releases" / "2.0.0" / "CHANGELOG.md").read_text(encoding="utf-8")
    assert f"## Changes to the tables (1)\n\n- {REVIEWER}\n" in changelog_md
    with sqlite3.connect(served.datasette.get_database("disclosures").path) as conn:
        table = conn.execute("SELECT version, position, sentence FROM release_table_changes").fetchall()
        counts = conn.execute("SELECT version, added, changed, removed, table_changes FROM releases").fetchall()
    assert table == [("2.0.0", 1, REVIEWER)]
    by_version = {version: rest for version, *rest in counts}
    assert by_version["2.0.0"] == [0, 0, 0, 1]
    assert by_version["1.1.0"][3] == 0 and all(by_version["1.1.0"][:3])
    assert by_version["1.0.0"][3] == 0


def test_a_column_only_release_says_its_column_on_the_changes_page(column_release):
    _, served = column_release
    page = served.get("/changes?version=2.0.0")
    assert page.status_code == 200
    assert "<code>figures</code> gained the column <code>reviewer</code>." in page.text
    text = words(page.text)
    assert "0 added, 0 changed, 0 removed" in text
    assert "Changes to the tables (1) Listed first" in text
    assert REVIEWER.replace("`", "") in text
    # The latest release's page is /changes alone, and the home page says it too.
    assert "<code>figures</code> gained the column <code>reviewer</code>." in served.get("/changes").text
    assert f"Changes to the tables (1): {REVIEWER.replace('`', '')}" in words(served.get("/").text)


def test_a_column_only_release_says_its_column_in_json(column_release):
    _, served = column_release
    listed = served.get("/disclosures/release_table_changes.json?version=2.0.0&_shape=array")
    assert listed.status_code == 200
    assert listed.json() == [{"version": "2.0.0", "position": 1, "sentence": REVIEWER}]
    releases = served.get("/disclosures/releases.json?_shape=array&_col=table_changes&_col=added").json()
    assert {r["version"]: r["table_changes"] for r in releases} == {"1.0.0": 0, "1.1.0": 0, "2.0.0": 1}
    assert [r["added"] for r in releases if r["version"] == "2.0.0"] == [0]


def test_a_column_only_release_says_its_column_in_the_feed(column_release):
    _, served = column_release
    with sqlite3.connect(served.datasette.get_database("disclosures").path) as conn:
        entries = ElementTree.fromstring(feed.release_feed(conn)).findall(f"{ATOM}entry")
    summaries = {e.findtext(f"{ATOM}title").split()[1]: e.findtext(f"{ATOM}summary") for e in entries}
    assert summaries["2.0.0"].startswith(
        f"0 figures added, 0 changed, 0 removed since 1.1.0. Changes to the tables (1): {REVIEWER} The full list"
    )
    assert "Changes to the tables" not in summaries["1.1.0"] + summaries["1.0.0"]
    # The feed the build wrote beside the database, which the site serves, says it as well.
    assert REVIEWER in served.get("/feed.atom").text


def test_a_release_with_figure_changes_still_shows_them(column_release):
    _, served = column_release
    page = served.get("/changes?version=1.1.0").text
    assert "Changes to the tables" not in page and 'class="table-changes"' not in page
    listed = re.findall(r'<tr class="change-(added|changed|removed)">', page)
    assert {"added", "changed", "removed"} <= set(listed)
    with sqlite3.connect(served.datasette.get_database("disclosures").path) as conn:
        (changes,) = conn.execute("SELECT count(*) FROM release_changes WHERE version = '1.1.0'").fetchone()
    assert len(listed) == changes


def test_a_release_recorded_before_released_schema_is_judged_on_the_package_schema():
    def manifest(previous, schema, released=None):
        return {"previous": previous, "schema": schema} | ({"released_schema": released} if released else {})

    old = {"a": {"fields": ["x:string"], "primaryKey": ["x"]}}
    new = {"a": {"fields": ["x:string", "y:integer"], "primaryKey": ["x"]}, "b": {"fields": [], "primaryKey": []}}
    files = {
        name: {"fields": [*entry["fields"], "built:string"], "primaryKey": entry["primaryKey"]}
        for name, entry in new.items()
    }
    recorded = {
        "1.0.0": manifest(None, old),
        "1.1.0": manifest("1.0.0", new),  # no released_schema on either side: the package's
        "1.2.0": manifest("1.1.0", new, files),  # its previous records none: still the package's
        "1.3.0": manifest("1.2.0", new, {**files, "c": {"fields": ["z:string"], "primaryKey": []}}),
        "1.4.0": {"previous": "1.3.0"},  # no schema recorded: nothing to judge on
    }
    assert release_records.release_table_changes(recorded) == {
        "1.0.0": [],
        "1.1.0": ["`a` gained the column `y`.", "The table `b` was added."],
        "1.2.0": [],
        "1.3.0": ["The table `c` was added."],
        "1.4.0": [],
    }


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        (REVIEWER, "<code>figures</code> gained the column <code>reviewer</code>."),
        ("`<b>`'s `x` changed", "<code>&lt;b&gt;</code>&#39;s <code>x</code> changed"),
        ("an odd ` backtick <i>", "an odd ` backtick &lt;i&gt;"),
        (None, ""),
    ],
)
def test_code_spans_escape_the_text_and_mark_names_as_code(text, shown):
    assert str(plugin("pages").code_spans(text)) == shown
