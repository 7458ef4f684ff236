"""Layers (a) and (b): corrections.released_in, the first release that published each correction
(release_records.fill_released_in), null for one no release has published yet. A journalist who
cited a release asked what changed since: the corrections recorded after it were in the table
with nothing saying that no release held them."""

from __future__ import annotations

import json
import re
import sqlite3

import pytest

from disclosures import paths, release, release_records
from disclosures.vocabulary import DATABASE_FILE
from tests.conftest import REFILED_FROM, rows
from tests.test_release import CORRECTED, built

# release_next's two corrections, which its release 1.1.0 publishes.
TRANSCRIPTION = "examplechat-deu-2024h1-all-requests_received-transcription"
REMOVAL = "examplechat-world-2024h1-all-requests_received-removed"


def released_in(db_path) -> dict[str, str | None]:
    return dict(rows(db_path, "SELECT correction_id, released_in FROM corrections ORDER BY correction_id"))


@pytest.fixture(scope="module")
def stages(tmp_path_factory):
    """The fixture package released at 1.0.0 (no correction), then built at 1.1.0 with two
    corrections before and after its release, and dist/1.1.0's own database."""
    root = tmp_path_factory.mktemp("released_in")
    releases, dist = root / "releases", root / "dist"
    release.make_release(built(root / "a", "1.0.0", releases=releases), dist, releases, "2025-01-15")
    before = built(root / "b", "1.1.0", "release_next", releases=releases)
    unreleased = dict(released_in(before / DATABASE_FILE))  # read now: the next build replaces the file
    release.make_release(before, dist, releases, "2025-07-15")
    after = built(root / "c", "1.1.0", "release_next", releases=releases)
    return {"unreleased": unreleased, "rebuilt": after / DATABASE_FILE, "dist": dist / "1.1.0" / DATABASE_FILE}


def test_a_correction_no_release_published_is_null(stages):
    assert stages["unreleased"] == {REMOVAL: None, TRANSCRIPTION: None}


@pytest.mark.parametrize("database", ["dist", "rebuilt"])
def test_the_release_that_publishes_a_correction_is_named_in_its_own_database_and_after_it(stages, database):
    # dist/1.1.0 is the build's copy, made while 1.1.0 was not recorded: the release fills it again.
    assert released_in(stages[database]) == {REMOVAL: "1.1.0", TRANSCRIPTION: "1.1.0"}


def test_the_column_is_described_in_the_released_table_schema(stages):
    descriptor = json.loads((stages["dist"].parent / "datapackage.json").read_text(encoding="utf-8"))
    corrections = next(r for r in descriptor["resources"] if r["name"] == "corrections")
    field = next(f for f in corrections["schema"]["fields"] if f["name"] == "released_in")
    assert field["type"] == "string" and field["title"] == "Released in"
    assert "null when no release has published it yet" in field["description"]


CORRECTIONS_SQL = "CREATE TABLE corrections (correction_id TEXT PRIMARY KEY, released_in TEXT)"


@pytest.fixture
def recorded_db():
    conn = sqlite3.connect(":memory:")
    conn.execute(CORRECTIONS_SQL)
    conn.execute(release_records.RELEASE_TABLES_SQL[2].replace("REFERENCES releases (version)", ""))
    conn.executemany("INSERT INTO corrections (correction_id) VALUES (?)", [(c,) for c in "abcde"])
    yield conn
    conn.close()


def test_the_first_release_that_lists_or_cites_a_correction_is_the_one_named(recorded_db):
    # 0.1.0 was recorded before manifests listed corrections: its changelog's reasons cite them.
    # A correction cited there and listed again by later manifests was published by 0.1.0; an
    # added figure's reason that reads like a citation cites nothing (changelog: only changes and
    # removals take a correction's reason).
    recorded_db.executemany(
        "INSERT INTO release_changes (version, change, figure_id, reason) VALUES (?, ?, ?, ?)",
        [
            ("0.1.0", "changed", "f1", "correction a (2026-11-20, 1 -> 2): a typo"),
            ("0.1.0", "removed", "f2", "correction b (2026-11-20, 3 -> removed): counted twice"),
            ("0.1.0", "added", "f3", "correction e (not one: an added figure's source)"),
            ("1.0.0", "changed", "f4", "correction z (2026-11-30, 5 -> 6): cited by a listing release"),
        ],
    )
    recorded = {
        "0.1.0": {},
        "1.0.0": {"corrections": ["a", "b", "c"]},
        "1.1.0": {"corrections": ["a", "b", "c", "d"]},
    }
    release_records.fill_released_in(recorded_db, recorded)
    found = dict(recorded_db.execute("SELECT correction_id, released_in FROM corrections ORDER BY 1"))
    assert found == {"a": "0.1.0", "b": "0.1.0", "c": "1.0.0", "d": "1.1.0", "e": None}


def test_versions_are_ordered_as_recorded_not_as_text(recorded_db):
    # 9.0.0 cites "a" in its changelog and 10.0.0 lists it: as text, "10.0.0" sorts first.
    recorded_db.execute(
        "INSERT INTO release_changes (version, change, figure_id, reason) VALUES ('9.0.0', 'changed', 'f1', ?)",
        ["correction a (2026-11-20, 1 -> 2): a typo"],
    )
    release_records.fill_released_in(recorded_db, {"9.0.0": {}, "10.0.0": {"corrections": ["a", "b"]}})
    found = dict(
        recorded_db.execute("SELECT correction_id, released_in FROM corrections WHERE released_in IS NOT NULL")
    )
    assert found == {"a": "9.0.0", "b": "10.0.0"}


def test_the_real_build_names_a_release_for_each_correction_a_manifest_lists_and_none_for_the_rest(real_db):
    # Read from the records, not written here: the repository's next release publishes the rest.
    recorded = release_records.recorded_releases(paths.RELEASES)
    first = {}
    for version, manifest in recorded.items():
        for correction_id in manifest.get("corrections") or ():
            first.setdefault(correction_id, version)
    found = released_in(real_db)
    assert {c: v for c, v in found.items() if v is not None} == first
    assert len(first) >= 181  # what 1.0.0 published


# release_corrections: the corrections each release published, which the site reads (the first
# release, in version order, that lists a correction published it).


def release_corrections(db_path) -> set[tuple[str, str]]:
    return set(rows(db_path, "SELECT version, correction_id FROM release_corrections"))


def test_the_corrections_of_a_release_being_made_are_its_rows_in_its_own_database_and_after_it(stages):
    published = {("1.1.0", REMOVAL), ("1.1.0", TRANSCRIPTION)}
    assert release_corrections(stages["dist"]) == published
    assert release_corrections(stages["rebuilt"]) == published


@pytest.fixture
def release_tables():
    conn = sqlite3.connect(":memory:")
    for sql in release_records.RELEASE_TABLES_SQL:
        conn.execute(sql)
    yield conn
    conn.close()


def test_a_release_lists_its_manifests_corrections_or_those_its_changelog_cites(release_tables):
    # 0.1.0 was recorded before manifests listed corrections: its changelog's reasons cite them;
    # an added figure's reason that reads like a citation cites nothing (changelog: only changes
    # and removals take a correction's reason); a listing release's citations add nothing.
    release_tables.executemany(
        "INSERT INTO release_changes (version, change, figure_id, reason) VALUES (?, ?, ?, ?)",
        [
            ("0.1.0", "changed", "f1", "correction a (2026-11-20, 1 -> 2): a typo"),
            ("0.1.0", "removed", "f2", "correction b (2026-11-20, 3 -> removed): counted twice"),
            ("0.1.0", "added", "f3", "correction e (not one: an added figure's source)"),
            ("1.0.0", "changed", "f4", "correction z (2026-11-30, 5 -> 6): cited by a listing release"),
        ],
    )
    recorded = {"0.1.0": {}, "1.0.0": {"corrections": ["a", "b", "c"]}, "1.1.0": {"corrections": []}}
    release_records.write_release_corrections(release_tables, recorded)
    found = set(release_tables.execute("SELECT version, correction_id FROM release_corrections"))
    assert found == {("0.1.0", "a"), ("0.1.0", "b"), ("1.0.0", "a"), ("1.0.0", "b"), ("1.0.0", "c")}


def test_the_real_builds_release_corrections_are_the_manifests_lists(real_db):
    recorded = release_records.recorded_releases(paths.RELEASES)
    listed = {(v, c) for v, manifest in recorded.items() for c in manifest.get("corrections") or ()}
    assert release_corrections(real_db) >= listed
    assert {row for row in release_corrections(real_db) if row[0] != "0.1.0"} == listed
    assert len({c for v, c in listed if v == "1.0.0"}) >= 181  # what 1.0.0 published


# Layer (c): a figure's corrections say which release published each, on its page and on the
# page of a figure a correction removed (the 260 Discord refiles after 1.2.0 answered 410 with
# their correction, and nothing said that no release held it yet).


def test_a_figure_page_names_the_release_of_each_correction(site):
    html = site.get("/figure/google-gbr-2022h2-legal_process-accounts_specified").text
    table = re.search(r'<table class="corrections">.*?</table>', html, re.S).group(0)
    assert "<th>Released in</th>" in table
    assert '<td data-label="Released in"><a href="/changes?version=1.0.0">1.0.0</a></td>' in table


def test_a_correction_no_release_holds_says_so_on_its_figures_page(unreleased):
    html = unreleased.site.get(f"/figure/{CORRECTED}").text
    assert '<td data-label="Released in">no release yet</td>' in html


def test_a_removed_figures_page_says_which_release_published_its_removal(site, unreleased):
    # No release carried this Wikimedia figure, but 1.0.0 published the correction removing it.
    released = site.get("/figure/wikimedia-world-2022h2-all-accounts_specified")
    assert released.status_code == 410
    assert '; published in release <a href="/changes?version=1.0.0">1.0.0</a>):' in released.text
    pending = unreleased.site.get(f"/figure/{REFILED_FROM}")
    assert pending.status_code == 410
    assert "; in no release yet):" in pending.text
