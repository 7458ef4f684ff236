"""Layers (a) and (b): release_corrections, the corrections each release published, and the
release the site names for each correction (the first, in version order, that lists it); none
for one no release has published yet. A journalist who cited a release asked what changed
since: the corrections recorded after it were in the table with nothing saying that no release
held them. The corrections table itself keeps the package's columns, in the database and in a
release's files: a column there changes the released files' columns, a major version."""

from __future__ import annotations

import csv
import json
import re
import sqlite3

import pyarrow.parquet as pq
import pytest

from disclosures import paths, release, release_records
from disclosures.vocabulary import DATABASE_FILE
from tests.conftest import REFILED_FROM, plugin, rows
from tests.test_release import CORRECTED, built

# release_next's two corrections, which its release 1.1.0 publishes.
TRANSCRIPTION = "examplechat-deu-2024h1-all-requests_received-transcription"
REMOVAL = "examplechat-world-2024h1-all-requests_received-removed"


def release_corrections(db_path) -> set[tuple[str, str]]:
    return set(rows(db_path, "SELECT version, correction_id FROM release_corrections"))


@pytest.fixture(scope="module")
def stages(tmp_path_factory):
    """The fixture package released at 1.0.0 (no correction), then built at 1.1.0 with two
    corrections before and after its release, and dist/1.1.0 (its own database too)."""
    root = tmp_path_factory.mktemp("released_in")
    releases, dist = root / "releases", root / "dist"
    release.make_release(built(root / "a", "1.0.0", releases=releases), dist, releases, "2025-01-15")
    before = built(root / "b", "1.1.0", "release_next", releases=releases)
    unreleased = release_corrections(before / DATABASE_FILE)  # read now: the next build replaces the file
    release.make_release(before, dist, releases, "2025-07-15")
    after = built(root / "c", "1.1.0", "release_next", releases=releases)
    return {
        "package": root / "b" / "datapackage.json",
        "unreleased": unreleased,
        "rebuilt": after / DATABASE_FILE,
        "dist": dist / "1.1.0" / DATABASE_FILE,
    }


def test_a_correction_no_release_published_is_in_no_row(stages):
    assert stages["unreleased"] == set()


@pytest.mark.parametrize("database", ["dist", "rebuilt"])
def test_the_release_that_publishes_a_correction_lists_it_in_its_own_database_and_after_it(stages, database):
    # dist/1.1.0 is the build's copy, made while 1.1.0 was not recorded: the release writes its rows.
    assert release_corrections(stages[database]) == {("1.1.0", REMOVAL), ("1.1.0", TRANSCRIPTION)}


def test_a_releases_corrections_files_have_exactly_the_packages_columns(stages):
    # A build column in corrections (released_in, once) made the released files' columns differ
    # from data/corrections.csv's: a major step by the README's rule, where versioning.py, which
    # compares the source datapackage.json, said minor.
    source = json.loads(stages["package"].read_text(encoding="utf-8"))
    declared = [
        f["name"] for f in next(r for r in source["resources"] if r["name"] == "corrections")["schema"]["fields"]
    ]
    with (stages["package"].parent / "data" / "corrections.csv").open(encoding="utf-8", newline="") as handle:
        assert next(csv.reader(handle)) == declared
    folder = stages["dist"].parent
    descriptor = json.loads((folder / "datapackage.json").read_text(encoding="utf-8"))
    released = next(r for r in descriptor["resources"] if r["name"] == "corrections")
    assert [f["name"] for f in released["schema"]["fields"]] == declared
    with (folder / "csv" / "corrections.csv").open(encoding="utf-8", newline="") as handle:
        assert next(csv.reader(handle)) == declared
    assert pq.read_schema(folder / "parquet" / "corrections.parquet").names == declared
    assert [r[1] for r in rows(stages["dist"], "PRAGMA table_info(corrections)")] == declared


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


def released_in(conn) -> dict[str, str | None]:
    """Each correction's release, as the site's pages read it (plugins/_releases.py)."""
    sql = f"SELECT c.correction_id, {plugin('_releases').released_in('c.correction_id')} FROM corrections c"
    return dict(conn.execute(sql))


def test_the_site_names_the_first_release_in_version_order_not_as_text(release_tables):
    # "a" is in 9.0.0 and 10.0.0: as text, "10.0.0" sorts first; "c" is in none.
    release_tables.execute("CREATE TABLE corrections (correction_id TEXT PRIMARY KEY)")
    release_tables.executemany("INSERT INTO corrections VALUES (?)", [("a",), ("b",), ("c",)])
    release_tables.executemany(
        "INSERT INTO release_corrections VALUES (?, ?)", [("10.0.0", "a"), ("10.0.0", "b"), ("9.0.0", "a")]
    )
    assert released_in(release_tables) == {"a": "9.0.0", "b": "10.0.0", "c": None}
    unreleased = plugin("_releases").UNRELEASED_CORRECTIONS
    assert list(release_tables.execute(f"SELECT correction_id FROM corrections WHERE {unreleased}")) == [("c",)]


def test_the_real_builds_release_corrections_are_the_manifests_lists(real_db):
    # Read from the records, not written here: the repository's next release publishes the rest.
    recorded = release_records.recorded_releases(paths.RELEASES)
    listed = {(v, c) for v, manifest in recorded.items() for c in manifest.get("corrections") or ()}
    assert {row for row in release_corrections(real_db) if row[0] != "0.1.0"} == listed
    assert len({c for v, c in listed if v == "1.0.0"}) >= 181  # what 1.0.0 published
    with sqlite3.connect(real_db) as conn:
        named = released_in(conn)
    first = {}
    for version, correction_id in sorted(
        release_corrections(real_db), key=lambda r: release_records.parse_version(r[0])
    ):
        first.setdefault(correction_id, version)
    assert {c: v for c, v in named.items() if v is not None} == first


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


@pytest.mark.parametrize(
    "listed",
    [
        "c1",  # read letter by letter: release_corrections held "c" and "1"
        [{"correction_id": "c1"}],  # a traceback (unhashable dict) in every build
        ["c1", 2],
    ],
)
def test_a_manifests_corrections_that_are_not_a_list_of_ids_are_named_not_read(tmp_path, listed):
    folder = tmp_path / "releases" / "1.0.0"
    folder.mkdir(parents=True)
    manifest = {"version": "1.0.0", "date": "2025-01-15", "content_hash": "sha256:0", "inputs": {}}
    manifest |= {"counts": {"added": 0, "changed": 0, "removed": 0}, "figures": 0, "corrections": listed}
    (folder / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    for name in ("figures.csv", "changelog.csv"):
        (folder / name).write_text("", encoding="utf-8")
    message = f"{folder / 'manifest.json'}: corrections must be a list of correction ids"
    with pytest.raises(release_records.RecordDamaged, match=re.escape(message)):
        release_records.recorded_releases(tmp_path / "releases")
    manifest["corrections"] = ["c1"]  # as a release writes it; no list ("corrections" absent) is read as before
    (folder / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    assert release_records.recorded_releases(tmp_path / "releases")["1.0.0"]["corrections"] == ["c1"]


def test_a_removed_figures_json_says_which_release_published_its_removal_as_its_page_does(site, unreleased):
    # The page said "published in release 1.0.0" or "in no release yet" beside the correction;
    # its JSON, for a program, named the correction and its reason and not whether a release held it.
    released = site.get("/figure/wikimedia-world-2022h2-all-accounts_specified.json")
    assert released.status_code == 410
    message = released.json()["error"]
    correction = removal_of(site, "wikimedia-world-2022h2-all-accounts_specified")
    assert f"correction {correction} of " in message
    assert " (published in release 1.0.0) removed it: " in message
    pending = unreleased.site.get(f"/figure/{REFILED_FROM}.json")
    assert pending.status_code == 410
    assert " (in no release yet) removed it: " in pending.json()["error"]


def removal_of(site, figure_id: str) -> str:
    """The id of the correction that removed ``figure_id``, as the site's corrections table has it."""
    found = site.get(f"/disclosures/corrections.json?figure_id={figure_id}&new_value__isnull=1&_shape=array").json()
    (correction,) = found
    return correction["correction_id"]
