"""Releases: pure rules on tiny inputs, then two real fixture releases into tmp_path.

Release 1.0.0 is the base package; release 1.1.0 applies tests/fixtures/release_next/changes.json
(one figure added, one removed, one corrected with a corrections record, one with a new source).
Nothing here writes into the repository's dist/ or releases/.
"""

import csv
import hashlib
import json
import os
import re
import shutil
import sqlite3
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pyarrow.parquet as pq
import pytest
import sqlite_utils
import yaml

from disclosures import build, changelog, citation, files, paths, release, release_records, stamp, validate, versioning
from disclosures.vocabulary import DATABASE_FILE, value_token
from tests.conftest import cli_module, rows, run_cli, unhurried
from tests.packages import FIXTURES, ROOT, apply_edits, make_package

CORRECTED = "examplechat-deu-2024h1-all-requests_received"
RESOURCED = "examplechat-deu-2024h1-all-percent_requests_some_data"
ADDED = "examplechat-deu-2024h2-all-requests_received"
REMOVED = "examplechat-world-2024h1-all-requests_received"
# with both halves of 2024 in 1.1.0 the build derives their full-year sum (issue 10), a new figure too
YEAR_SUM = "examplechat-deu-2024-all-requests_received-derived"
ATOM = "{http://www.w3.org/2005/Atom}"
# Germany's 1500 corrected to 1501, with its corrections record: a patch release on its own.
TYPO_CORRECTED = [
    {
        "file": "data/figures.csv",
        "old": "exact,1500,,,Requests,example-2025-01-10-report,,Germany 1.500",
        "new": "exact,1501,,,Requests,example-2025-01-10-report,,Germany 1.501",
    },
    {
        "file": "data/corrections.csv",
        "append": f"fix-1,{CORRECTED},1500,1501,Typo.,example-2025-01-10-report,2025-02-01",
    },
]


def package(folder, version, fixture=None, extra=()):
    """The base package at ``version``, with a fixture's changes.json and ``extra`` edits applied."""
    path = make_package(folder)
    edits = json.loads((FIXTURES / fixture / "changes.json").read_text(encoding="utf-8")) if fixture else []
    apply_edits(folder, [*edits, *extra])
    text = path.read_text(encoding="utf-8")
    path.write_text(re.sub(r'"version": "[^"]*"', f'"version": "{version}"', text, count=1), encoding="utf-8")
    return path


def read_csv(path):
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def built(folder, version, fixture=None, extra=(), releases=None):
    """The package at ``version`` (see ``package``), built into ``folder``/build as `make build` does."""
    build.build_site(package(folder, version, fixture, extra), folder / "build", releases=releases)
    return folder / "build"


@pytest.fixture(scope="module")
def released(tmp_path_factory):
    root = tmp_path_factory.mktemp("releases")
    dist, releases = root / "dist", root / "releases"
    citation = root / "CITATION.cff"
    release.make_release(built(root / "a", "1.0.0", releases=releases), dist, releases, "2025-01-15", citation)
    release.make_release(
        built(root / "b", "1.1.0", "release_next", releases=releases), dist, releases, "2025-07-15", citation
    )
    return root


@pytest.fixture
def only_first(released, tmp_path):
    """A releases/ folder holding just 1.0.0, as before the second release."""
    releases = tmp_path / "releases"
    shutil.copytree(released / "releases" / "1.0.0", releases / "1.0.0")
    return releases


# Pure rules ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "old, new, kind",
    [
        ("1.0.0", "2.0.0", "major"),
        ("1.0.0", "1.1.0", "minor"),
        ("1.0.0", "1.0.1", "patch"),
        ("1.2.3", "1.2.3", None),
        ("0.9.9", "1.0.0", "major"),
        ("1.9.0", "1.10.0", "minor"),
    ],
)
def test_bump_kind(old, new, kind):
    assert versioning.bump_kind(old, new) == kind


@pytest.mark.parametrize("version", ["1.0", "v1.0.0", "1.0.0-rc1", "01.0.0", ""])
def test_version_must_be_semver(version):
    with pytest.raises(release.ReleaseRefused, match="MAJOR.MINOR.PATCH"):
        release_records.parse_version(version)


def test_value_token():
    assert value_token({"value_kind": "exact", "value": "81.5"}) == "81.5"
    assert value_token({"value_kind": "exact", "value": 1e-05}) == "0.00001"
    assert value_token({"value_kind": "band", "value_low": "0", "value_high": "499"}) == "0-499"
    assert value_token({"value_kind": "less_than", "value_high": "10"}) == "<10"
    assert value_token({"value_kind": "withheld"}) == "withheld"
    assert value_token({"value_kind": "not_reported"}) == "not_reported"


def fig(value, source="s1"):
    return {"value_kind": "exact", "value": value, "value_low": "", "value_high": "", "source_id": source}


def corrections_of(figure_id, *steps):
    """Corrections records of ``figure_id``: (correction_id, old, new, day) each."""
    return [
        {
            "correction_id": cid,
            "figure_id": figure_id,
            "old_value": old,
            "new_value": new,
            "reason": f"Why {cid}.",
            "source_id": "s1",
            "corrected_date": day,
        }
        for cid, old, new, day in steps
    ]


def test_corrections_chained_since_the_previous_release_explain_its_change():
    # Released as 900 after a round trip the previous release published (c0, c00); since then
    # 900 -> 902 -> 905.
    records = corrections_of(
        "f",
        ("c0", "900", "901", "2025-01-01"),
        ("c00", "901", "900", "2025-01-02"),
        ("c1", "900", "902", "2025-02-01"),
        ("c2", "902", "905", "2025-02-02"),
    )
    (change,) = changelog.diff_figures({"f": fig("900")}, {"f": fig("905")}, records, published={"c0", "c00"})
    assert (change["old_value"], change["new_value"], change["reason"]) == (
        "900",
        "905",
        "correction c1 (2025-02-01, source: s1; 900 -> 902): Why c1; "
        "then correction c2 (2025-02-02, source: s1; 902 -> 905): Why c2.",
    )
    # Every correction since, a round trip included: the changelog row alone would hide it.
    records += corrections_of("f", ("c3", "905", "900", "2025-02-03"), ("c4", "900", "905", "2025-02-04"))
    (change,) = changelog.diff_figures({"f": fig("900")}, {"f": fig("905")}, records, published={"c0", "c00"})
    assert [step.split(" (")[0] for step in change["reason"].split("; then ")] == [
        "correction c1",
        "correction c2",
        "correction c3",
        "correction c4",
    ]
    # Records that do not chain from the released value to the new one explain nothing.
    broken = corrections_of("f", ("c1", "900", "902", "2025-02-01"), ("c2", "903", "905", "2025-02-02"))
    assert changelog.diff_figures({"f": fig("900")}, {"f": fig("905")}, broken)[0]["reason"] == ""


def test_diff_takes_reasons_from_the_data():
    old = {"a": fig("1"), "b": fig("2"), "c": fig("3"), "d": fig("4")}
    new = {"a": fig("1"), "b": fig("5"), "c": fig("3", "s2"), "e": fig("6", "s3")}
    corrections = [
        {
            "correction_id": "b-old",
            "figure_id": "b",
            "old_value": "2",
            "new_value": "5",
            "reason": "older",
            "source_id": "s1",
            "corrected_date": "2025-01-01",
        },
        {
            "correction_id": "b-new",
            "figure_id": "b",
            "old_value": "2",
            "new_value": "5",
            "reason": "typo",
            "source_id": "s1",
            "corrected_date": "2025-02-01",
        },
        {
            "correction_id": "b-other",
            "figure_id": "b",
            "old_value": "9",
            "new_value": "5",
            "reason": "no",
            "source_id": "s1",
            "corrected_date": "2025-03-01",
        },
        {
            "correction_id": "d-gone",
            "figure_id": "d",
            "old_value": "4",
            "new_value": "",
            "reason": "duplicate of b",
            "source_id": "s1",
            "corrected_date": "2025-03-01",
        },
    ]
    assert [
        (c["change"], c["figure_id"], c["old_value"], c["new_value"], c["reason"])
        for c in changelog.diff_figures(old, new, corrections)
    ] == [
        ("added", "e", "", "6", "source: s3"),
        ("changed", "b", "2", "5", "correction b-new (2025-02-01, source: s1): typo"),
        ("changed", "c", "3", "3", "new source: s2"),
        ("removed", "d", "4", "", "correction d-gone (2025-03-01, source: s1): duplicate of b"),
    ]
    assert changelog.diff_figures(old, {**old, "b": fig("7")})[0]["reason"] == ""


def test_required_bump():
    added, changed = [{"change": "added"}], [{"change": "changed"}]
    assert versioning.required_bump(added + changed, None, True) == "minor"
    assert versioning.required_bump(changed, None, True) == "patch"
    assert versioning.required_bump([{"change": "removed"}], None, True) == "patch"
    assert versioning.required_bump([], None, True) == "patch"
    assert versioning.required_bump([], "minor", True) == "minor"
    assert versioning.required_bump(changed, "major", True) == "major"
    assert versioning.required_bump([], None, False) is None


def test_schema_change():
    old = {"t": {"fields": ["a:string", "b:number"], "primaryKey": ["a"]}}
    assert versioning.schema_change(old, old) == (None, [])
    assert versioning.schema_change(old, {**old, "u": old["t"]}) == ("minor", ["resource u added"])
    assert versioning.schema_change(old, {"t": {"fields": ["a:string", "b:integer"], "primaryKey": ["a"]}}) == (
        "major",
        ["fields or key of t changed"],
    )
    assert versioning.schema_change(old, {})[0] == "major"


def test_schema_differences_name_each_change_and_break_where_schema_change_does():
    old = {
        "t": {"fields": ["a:string", "b:number", "c:string"], "primaryKey": ["a"]},
        "gone": {"fields": ["x:string"], "primaryKey": []},
    }
    new = {
        "t": {"fields": ["a:string", "c:string", "b:integer", "d:date"], "primaryKey": ["a", "c"]},
        "u": {"fields": ["y:string"], "primaryKey": []},
    }
    assert versioning.schema_differences(old, new) == [
        {"table": "gone", "change": "removed"},
        {
            "table": "t",
            "change": "changed",
            "added": ["d"],
            "removed": [],
            "retyped": [("b", "number", "integer")],
            "reordered": True,
            "key": (["a"], ["a", "c"]),
        },
        {"table": "u", "change": "added"},
    ]
    assert versioning.schema_differences(old, old) == []
    # A table is "changed" exactly when the release's check counts it as a break.
    for new_schema in (new, {**old, "u": new["u"]}, {"t": old["t"]}, {**old, "t": {**old["t"], "primaryKey": []}}):
        level, _ = versioning.schema_change(old, new_schema)
        breaks = [d for d in versioning.schema_differences(old, new_schema) if d["change"] != "added"]
        assert (level == "major") == bool(breaks)


def test_check_bump_messages():
    with pytest.raises(release.ReleaseRefused, match=r"needs a minor bump.*set \"version\" .* to 1.1.0"):
        versioning.check_bump("1.0.0", "1.0.1", "minor")
    with pytest.raises(release.ReleaseRefused, match="needs a major bump"):
        versioning.check_bump("1.0.0", "1.5.0", "major")
    with pytest.raises(release.ReleaseRefused, match="content changed .* but the version did not"):
        versioning.check_bump("1.0.0", "1.0.0", "patch")
    with pytest.raises(release.ReleaseRefused, match="nothing changed since release 1.0.0"):
        versioning.check_bump("1.0.0", "1.0.1", None)
    versioning.check_bump("1.0.0", "2.0.0", "patch")  # a bigger step than needed is allowed


# Two real releases ---------------------------------------------------------------------------


def test_changelog_lists_exactly_the_known_changes(released):
    rows = read_csv(released / "dist" / "1.1.0" / "changelog.csv")
    assert rows == [
        {
            "change": "added",
            "figure_id": YEAR_SUM,
            "old_value": "",
            "new_value": "3101",
            "old_source_id": "",
            "new_source_id": "",
            "reason": f"derived: {CORRECTED} + {ADDED}",
        },
        {
            "change": "added",
            "figure_id": ADDED,
            "old_value": "",
            "new_value": "1600",
            "old_source_id": "",
            "new_source_id": "example-2025-07-01-report",
            "reason": "source: example-2025-07-01-report",
        },
        {
            "change": "changed",
            "figure_id": RESOURCED,
            "old_value": "80",
            "new_value": "79.9",
            "old_source_id": "example-2025-01-10-report",
            "new_source_id": "example-2025-07-01-report",
            "reason": "new source: example-2025-07-01-report",
        },
        {
            "change": "changed",
            "figure_id": CORRECTED,
            "old_value": "1500",
            "new_value": "1501",
            "old_source_id": "example-2025-01-10-report",
            "new_source_id": "example-2025-01-10-report",
            "reason": "correction examplechat-deu-2024h1-all-requests_received-transcription (2025-02-01, source: "
            "example-2025-01-10-report): The report's table reads 1.501; 1.500 was a transcription error.",
        },
        {
            "change": "removed",
            "figure_id": REMOVED,
            "old_value": "0-499",
            "new_value": "",
            "old_source_id": "example-2025-01-10-report",
            "new_source_id": "",
            "reason": "correction examplechat-world-2024h1-all-requests_received-removed (2025-07-01, source: "
            "example-2025-01-10-report): The band is a national-security band, not all requests; it was "
            "filed under the wrong request type.",
        },
    ]
    assert (released / "releases" / "1.1.0" / "changelog.csv").read_bytes() == (
        released / "dist" / "1.1.0" / "changelog.csv"
    ).read_bytes()
    first = read_csv(released / "dist" / "1.0.0" / "changelog.csv")
    assert {r["change"] for r in first} == {"added"} and len(first) == 10  # 8 reported + 2 derived
    derived = {r["figure_id"]: r["reason"] for r in first if r["figure_id"].endswith("-derived")}
    assert derived == {
        "examplechat-usa-2024q4-ip_or_phone-accounts_affected-derived": "derived: examplechat-usa-2024-ip_or_phone-accounts_affected - "
        "examplechat-usa-20240101-20240930-ip_or_phone-accounts_affected",
        "examplechat-usa-2024q4-ip_or_phone-requests_fulfilled-derived": "derived: examplechat-usa-2024-ip_or_phone-requests_fulfilled - "
        "examplechat-usa-20240101-20240930-ip_or_phone-requests_fulfilled",
    }


def test_a_long_list_of_changes_still_lists_every_new_value_and_counts_the_derived():
    # 432 figures re-sourced with the same value hid the 5 real corrections behind counts by
    # platform; 14,489 derived figures were counted among the added without being told apart.
    summary = changelog.ChangeSummary()
    for n in range(changelog.PROSE_LIMIT + 30):
        same = {"figure_id": f"p-usa-2024h1-all-m{n:03}", "old_value": "5", "new_value": "5", "reason": "new source s"}
        summary.add({"change": "changed", **same}, "p")
    summary.add(
        {
            "change": "changed",
            "figure_id": "p-gbr-2022h2-all-m",
            "old_value": "10980",
            "new_value": "11016",
            "reason": "c",
        },
        "p",
    )
    for n in range(changelog.PROSE_LIMIT + 1):
        suffix = "-derived" if n % 2 else ""
        summary.add({"change": "added", "figure_id": f"p-deu-{n}-all-m{suffix}", "new_value": "1", "reason": "r"}, "p")
    markdown = changelog.summary_markdown("2.0.0", "2026-12-01", "1.0.0", summary, [])
    assert "- `p-gbr-2022h2-all-m`: 10980 → 11016. c" in markdown
    assert "Of these, 1 has a new value and 130 the same value from another source." in markdown
    assert "p-usa-2024h1-all-m000" not in markdown  # the same values stay in changelog.csv
    assert "51 reported by a source and 50 derived by the build" in markdown


def test_changelog_prose_and_feed(released):
    folder = released / "dist" / "1.1.0"
    prose = (folder / "CHANGELOG.md").read_text(encoding="utf-8")
    assert prose.startswith("# Platform Disclosures 1.1.0 (2025-07-15)\n\nChanges to the figures since release 1.0.0.")
    assert f"- `{CORRECTED}`: 1500 → 1501. correction" in prose
    assert f"- `{REMOVED}`: was 0-499;" in prose
    feed = ET.parse(folder / "feed.atom").getroot()
    entries = feed.findall(f"{ATOM}entry")
    # One entry per release, newest first, each saying what changed and linking to its changes.
    assert [e.find(f"{ATOM}title").text for e in entries] == [
        "Release 1.1.0 (2025-07-15)",
        "Release 1.0.0 (2025-01-15)",
    ]
    assert entries[0].find(f"{ATOM}summary").text.startswith("2 figures added, 2 changed, 1 removed since 1.0.0.")
    assert [e.find(f"{ATOM}updated").text for e in entries] == [
        "2025-07-15T00:00:00+00:00",
        "2025-01-15T00:00:00+00:00",
    ]
    assert [e.find(f"{ATOM}link").get("href").rsplit("/", 1)[1] for e in entries] == [
        "changes?version=1.1.0",
        "changes?version=1.0.0",
    ]
    assert [link.get("href") for link in feed.findall(f"{ATOM}link") if link.get("rel") == "self"]


def test_release_folder_has_every_download(released):
    folder = released / "dist" / "1.1.0"
    names = sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file())
    tables = [r["name"] for r in json.loads((ROOT / "datapackage.json").read_text(encoding="utf-8"))["resources"]]
    tables.append("series_members")
    assert names == sorted(
        [
            "CHANGELOG.md",
            "CITATION.bib",
            "CITATION.cff",
            "SHA256SUMS",
            "changelog.csv",
            "datapackage.json",
            "disclosures.db",
            "duckdb.sql",
            "feed.atom",
        ]
        + [f"csv/{t}.csv" for t in tables]
        + [f"excel/{t}.csv" for t in tables]
        + [f"json/{t}.json" for t in tables]
        + [f"parquet/{t}.parquet" for t in tables]
    )
    figures = json.loads((folder / "json" / "figures.json").read_text(encoding="utf-8"))
    assert [f["figure_id"] for f in figures] == sorted(f["figure_id"] for f in figures)
    assert next(f for f in figures if f["figure_id"] == RESOURCED)["value"] == 79.9
    source = sorted(read_csv(released / "b" / "data" / "figures.csv"), key=lambda r: r["figure_id"])
    reported = [r for r in read_csv(folder / "csv" / "figures.csv") if r["is_derived"] == "0"]
    assert [{k: r[k] for k in source[0]} for r in reported] == source
    # The released figures carry each one's source tier (read from its source).
    tiers = {s["source_id"]: s["tier"] for s in read_csv(released / "b" / "data" / "sources.csv")}
    assert all(r["source_tier"] == tiers[r["source_id"]] for r in reported)
    assert {f["source_tier"] for f in figures} == {"platform_file"}


def test_the_released_platforms_carry_the_search_log_beside_the_notes(released):
    # A release's formats are made from the package: a column added to it is in every one of them.
    import pyarrow.parquet as pq

    folder = released / "dist" / "1.1.0"
    source = read_csv(released / "b" / "data" / "platforms.csv")
    logs = [row["search_log"] for row in source]
    assert logs[0].startswith("Searched on 2025-01-10")
    released_rows = read_csv(folder / "csv" / "platforms.csv")
    header = list(released_rows[0])
    assert header[header.index("notes") + 1] == "search_log"
    assert [row["search_log"] for row in released_rows] == logs
    as_json = json.loads((folder / "json" / "platforms.json").read_text(encoding="utf-8"))
    assert [row["search_log"] for row in as_json] == logs
    assert pq.read_table(folder / "parquet" / "platforms.parquet").column("search_log").to_pylist() == logs


def test_duckdb_reads_every_json_file_with_the_types_its_table_schema_declares(released, monkeypatch):
    # read_json_auto types a column from its values: authority_reports' dates, null in every
    # row of 1.0.0, came out as DuckDB's "NULL" type (year(period_start) failed to bind), and an
    # empty table's [] as one column named json. The release's duckdb.sql gives every type.
    import duckdb  # pinned in requirements.txt: its absence is a failure, not a skip

    folder = released / "dist" / "1.1.0"
    monkeypatch.chdir(folder)
    descriptor = json.loads((folder / "datapackage.json").read_text(encoding="utf-8"))
    tables = [r for r in descriptor["resources"] if r.get("schema") and r["path"].startswith("csv/")]
    assert {r["name"] for r in tables} >= {"figures", "authority_reports", "series_members"}
    # A reader of the package learns of the views where the JSON files are described.
    json_files = [r for r in descriptor["resources"] if r["path"].startswith("json/")]
    assert len(json_files) == len(tables) and all("duckdb.sql" in r["description"] for r in json_files)
    guessed = duckdb.connect().sql("SELECT * FROM read_json_auto('json/authority_reports.json')")
    assert guessed.columns == ["json"]  # the fixture's authority_reports is empty: the case above
    # As the README says, in the release folder (the views name the files relative to it).
    conn = duckdb.connect()
    conn.execute(open("duckdb.sql").read())  # noqa: SIM115
    types = {"string": "VARCHAR", "integer": "BIGINT", "number": "DOUBLE", "date": "DATE"}
    for resource in tables:
        view = conn.sql(f'SELECT * FROM "{resource["name"]}"')
        declared = [(f["name"], types[f["type"]]) for f in resource["schema"]["fields"]]
        assert list(zip(view.columns, map(str, view.types), strict=True)) == declared, resource["name"]
        assert len(view.fetchall()) == resource["rows"], resource["name"]
    assert conn.sql("SELECT year(period_start) FROM authority_reports").fetchall() == []
    (figure,) = conn.sql(f"SELECT value, period_start FROM figures WHERE figure_id = '{RESOURCED}'").fetchall()
    assert figure[0] == 79.9 and figure[1].year == 2024


def test_the_release_says_which_figures_can_be_summed(released):
    # A CSV of figures holds a year beside its quarters: summed whole, it counts them twice.
    folder = released / "dist" / "1.1.0"
    package = json.loads((folder / "datapackage.json").read_text(encoding="utf-8"))
    resources = {r["name"]: r for r in package["resources"]}
    assert "series_members" in resources["figures"]["description"]
    members = [r["figure_id"] for r in read_csv(folder / "csv" / "series_members.csv")]
    with sqlite3.connect(folder / "disclosures.db") as conn:
        series = [fid for (fid,) in conn.execute("SELECT figure_id FROM figures_series ORDER BY figure_id")]
        years = conn.execute(
            "SELECT count(*) FROM figures WHERE figure_id = 'examplechat-usa-2024-ip_or_phone-requests_fulfilled'"
        ).fetchone()
    assert members == series and years == (1,)
    # The year is in the figures, beside its January-September part and the derived fourth
    # quarter; the series holds the parts, not the year too.
    assert "examplechat-usa-2024-ip_or_phone-requests_fulfilled" not in members
    assert "examplechat-usa-20240101-20240930-ip_or_phone-requests_fulfilled" in members
    assert "examplechat-usa-2024q4-ip_or_phone-requests_fulfilled-derived" in members
    parquet = pq.read_table(folder / "parquet" / "series_members.parquet").column("figure_id").to_pylist()
    assert parquet == members


def test_hashes_in_the_package_and_sha256sums_match_the_files(released):
    folder = released / "dist" / "1.1.0"
    descriptor = json.loads((folder / "datapackage.json").read_text(encoding="utf-8"))
    assert descriptor["version"] == "1.1.0" and descriptor["created"] == "2025-07-15T00:00:00Z"
    for resource in descriptor["resources"]:
        data = (folder / resource["path"]).read_bytes()
        assert resource["bytes"] == len(data), resource["name"]
        assert resource["hash"] == "sha256:" + hashlib.sha256(data).hexdigest(), resource["name"]
    listed = {}
    for line in (folder / "SHA256SUMS").read_text(encoding="utf-8").splitlines():
        digest, name = line.split("  ", 1)
        listed[name] = digest
    files = {p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file()} - {"SHA256SUMS"}
    assert set(listed) == files
    for name, digest in listed.items():
        assert hashlib.sha256((folder / name).read_bytes()).hexdigest() == digest, name
    if shutil.which("sha256sum"):
        run = subprocess.run(["sha256sum", "-c", "--quiet", "SHA256SUMS"], cwd=folder, capture_output=True, text=True)
        assert run.returncode == 0, run.stdout + run.stderr


def test_standard_frictionless_cli_validates_the_release(released):
    frictionless = ROOT / ".venv" / "bin" / "frictionless"
    executable = str(frictionless) if frictionless.exists() else "frictionless"
    run = subprocess.run(
        [executable, "validate", "datapackage.json"], cwd=released / "dist" / "1.1.0", capture_output=True, text=True
    )
    assert run.returncode == 0, run.stdout + run.stderr


def test_every_release_resource_names_its_encoding_as_iana_does(released):
    # The Excel CSVs declared "utf-8-sig", Python's codec name, where the Data Package spec asks
    # for an IANA name; a reader that follows the spec does not know it.
    descriptor = json.loads((released / "dist" / "1.1.0" / "datapackage.json").read_text(encoding="utf-8"))
    encodings = {resource["name"]: resource.get("encoding", "utf-8") for resource in descriptor["resources"]}
    assert set(encodings.values()) == {"utf-8"}, encodings
    excel = next(r for r in descriptor["resources"] if r["name"] == "figures_excel")
    assert "byte-order mark" in excel["title"]


def test_citation_carries_version_and_date(released):
    folder = released / "dist" / "1.1.0"
    cff = yaml.safe_load((folder / "CITATION.cff").read_text(encoding="utf-8"))
    assert (cff["version"], cff["date-released"], cff["type"]) == ("1.1.0", "2025-07-15", "dataset")
    assert cff["url"] == json.loads((ROOT / "datapackage.json").read_text(encoding="utf-8"))["homepage"]
    bib = (folder / "CITATION.bib").read_text(encoding="utf-8")
    assert bib.startswith("@misc{platform_disclosures_1_1_0,\n")
    assert "  version = {1.1.0},\n" in bib and "  year = {2025},\n" in bib and "  date = {2025-07-15},\n" in bib
    # BibTeX's month macro, unbraced ("{jul}" would print as the word "jul").
    assert "  month = jul,\n" in bib


@pytest.mark.parametrize(
    ("contributors", "authors"),
    [
        ([{"title": "A. Curator", "role": "author"}, {"title": "B. Helper", "role": "wrangler"}], ["A. Curator"]),
        # Data Package v2 names a person by givenName and familyName, and lists roles.
        ([{"givenName": "Ada", "familyName": "Lovelace", "roles": ["author"]}], ["Ada Lovelace"]),
        # No role is "contributor", as the specification reads it (it was "author" here), and
        # roles that are no list name no role.
        (
            [{"title": "A. Curator", "role": "author"}, {"title": "C"}, {"title": "D", "roles": ["publisher"]}],
            ["A. Curator"],
        ),
        ([{"title": "C"}, {"title": "D", "roles": "author"}], [citation.DEFAULT_AUTHOR]),
        # What validate refuses is skipped, never a KeyError: the build's dataset record and
        # the release's citation read the contributors after validation.
        ([{"role": "author"}, {"title": 5}, "x", {"title": " "}], [citation.DEFAULT_AUTHOR]),
        (None, [citation.DEFAULT_AUTHOR]),
    ],
)
def test_citation_names_the_authors_and_never_fails_on_a_contributor(contributors, authors):
    descriptor = {"name": "d", "title": "D", "homepage": "https://example.org/", "contributors": contributors}
    assert citation.author_names(descriptor) == authors
    cff = yaml.safe_load(citation.citation_cff(descriptor, "1.0.0", "2025-07-15"))
    assert cff["authors"] == [{"name": name} for name in authors]
    assert f"  author = {{{' and '.join('{' + name + '}' for name in authors)}}},\n" in citation.citation_bib(
        descriptor, "1.0.0", "2025-07-15"
    )


def test_release_record_names_its_previous_release(released):
    manifest = json.loads((released / "releases" / "1.1.0" / "manifest.json").read_text(encoding="utf-8"))
    assert (manifest["version"], manifest["date"], manifest["previous"]) == ("1.1.0", "2025-07-15", "1.0.0")
    assert manifest["counts"] == {"added": 2, "changed": 2, "removed": 1}
    snapshot = read_csv(released / "releases" / "1.1.0" / "figures.csv")
    assert len(snapshot) == manifest["figures"] == 11 and list(snapshot[0]) == release_records.SNAPSHOT_FIELDS


def test_rerun_of_a_recorded_version_is_harmless_and_keeps_its_date(released, tmp_path):
    dist, releases = tmp_path / "dist", tmp_path / "releases"
    shutil.copytree(released / "releases", releases)
    release.make_release(released / "b" / "build", dist, releases)
    again, first = dist / "1.1.0", released / "dist" / "1.1.0"
    names = sorted(p.relative_to(first).as_posix() for p in first.rglob("*") if p.is_file())
    assert names == sorted(p.relative_to(again).as_posix() for p in again.rglob("*") if p.is_file())
    for name in names:
        assert (again / name).read_bytes() == (first / name).read_bytes(), name
    assert sorted(p.name for p in releases.iterdir()) == ["1.0.0", "1.1.0"]


def test_a_rerun_whose_build_gives_the_files_other_columns_is_refused(released, tmp_path):
    # The same data built by other code: the rerun rewrote dist/1.1.0/ with a column the release
    # never had (csv/figures.csv, its JSON, Parquet and every hash changed), while
    # releases/1.1.0/manifest.json still recorded the columns it was released with.
    dist, releases, build_dir = tmp_path / "dist", tmp_path / "releases", tmp_path / "build"
    shutil.copytree(released / "releases", releases)
    shutil.copytree(released / "b" / "build", build_dir)
    with sqlite3.connect(build_dir / DATABASE_FILE) as conn:
        conn.execute("ALTER TABLE figures ADD COLUMN reviewer TEXT")
    conn.close()
    refused(
        build_dir,
        releases,
        dist,
        rf"release 1\.1\.0 is recorded in {re.escape(str(releases))}/1\.1\.0/ with other columns in its files than this build gives "
        r"them \(fields or key of figures changed\): remade, its files would change under the same version",
    )


def test_snapshot_differences_count_every_figure_and_name_the_first():
    def snap(*rows):
        return iter([{"figure_id": fid, "value": value} for fid, value in rows])

    same = snap(("a", "1"), ("b", "2"))
    assert release.snapshot_differences(same, snap(("a", "1"), ("b", "2"))) == (0, [])
    count, listed = release.snapshot_differences(
        snap(("a", "1"), ("b", "3"), ("d", "4")), snap(("a", "1"), ("b", "2"), ("c", "5")), shown=2
    )
    assert count == 3
    assert listed == ["b value '2' -> '3'", "c is recorded but not built"]
    assert release.snapshot_differences(snap(), snap(("z", "1")))[1] == ["z is recorded but not built"]
    assert release.snapshot_differences(snap(("z", "1")), snap())[1] == ["z is built but not recorded"]


def test_a_rerun_whose_build_computes_other_figures_is_refused_and_a_new_version_publishes_them(released, tmp_path):
    # The same data and columns, built by code that derives otherwise: the rerun rewrote
    # dist/1.1.0/ with a year sum its releases/1.1.0/figures.csv never held.
    dist, releases, build_dir = tmp_path / "dist", tmp_path / "releases", tmp_path / "build"
    shutil.copytree(released / "releases", releases)
    shutil.copytree(released / "b" / "build", build_dir)
    with sqlite3.connect(build_dir / DATABASE_FILE) as conn:
        conn.execute("UPDATE figures SET value = value + 1 WHERE figure_id = ?", [YEAR_SUM])
    conn.close()
    refused(
        build_dir,
        releases,
        dist,
        rf"release 1\.1\.0 is recorded in {re.escape(str(releases))}/1\.1\.0/figures.csv with other figures than this build gives "
        rf"\(1 differ: {YEAR_SUM} value '\d+' -> '\d+'\): remade, its files would change under the same version",
    )
    # Under a new version it is a change like any other, no longer "nothing changed".
    again = built(tmp_path / "next", "1.1.1", "release_next", releases=releases)
    with sqlite3.connect(again / DATABASE_FILE) as conn:
        conn.execute("UPDATE figures SET value = value + 1 WHERE figure_id = ?", [YEAR_SUM])
    conn.close()
    plan = release.plan_release(again, releases, "2025-12-01")
    try:
        assert [(c["change"], c["figure_id"]) for c in plan["changes"]] == [("changed", YEAR_SUM)]
    finally:
        release.close_plan(plan)


def test_the_same_data_with_other_columns_in_the_files_is_released_under_a_major_step(released, tmp_path):
    # It was "nothing changed since release 1.1.0; do not bump the version", and the rerun of
    # 1.1.0 is refused (above): the build's new column could be published under no version.
    releases = tmp_path / "releases"
    shutil.copytree(released / "releases", releases)
    for version in ("1.1.1", "2.0.0"):
        build_dir = built(tmp_path / version, version, "release_next", releases=releases)
        with sqlite3.connect(build_dir / DATABASE_FILE) as conn:
            conn.execute("ALTER TABLE figures ADD COLUMN reviewer TEXT")
        conn.close()
    refused(
        tmp_path / "1.1.1" / "build",
        releases,
        tmp_path / "dist",
        r"1\.1\.0 -> 1\.1\.1 is a patch bump, but this release needs a major bump "
        r"\(fields or key of figures changed in the released files\)",
    )
    release.make_release(tmp_path / "2.0.0" / "build", tmp_path / "dist", releases, "2025-12-01")
    manifest = json.loads((releases / "2.0.0" / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["previous"] == "1.1.0"
    assert manifest["counts"] == {"added": 0, "changed": 0, "removed": 0}
    assert "reviewer:string" in manifest["released_schema"]["figures"]["fields"]
    assert (
        "reviewer" in (tmp_path / "dist" / "2.0.0" / "csv" / "figures.csv").read_text(encoding="utf-8").split("\n")[0]
    )
    # Its CHANGELOG.md says what changed, where its counts say no figure did; a rerun says it again.
    section = "## Changes to the tables (1)\n\n- `figures` gained the column `reviewer`.\n"
    for folder in (tmp_path / "dist" / "2.0.0", releases / "2.0.0"):
        assert section in (folder / "CHANGELOG.md").read_text(encoding="utf-8")
    release.make_release(tmp_path / "2.0.0" / "build", tmp_path / "again", releases)
    assert (tmp_path / "again" / "2.0.0" / "CHANGELOG.md").read_bytes() == (
        releases / "2.0.0" / "CHANGELOG.md"
    ).read_bytes()


def test_a_changelog_lists_the_tables_changes_first():
    summary = changelog.ChangeSummary()
    old = {"a": {"fields": ["x:string", "y:integer"], "primaryKey": ["x"]}, "gone": {"fields": [], "primaryKey": []}}
    new = {
        "a": {"fields": ["x:string", "y:number", "z:string"], "primaryKey": ["x"]},
        "b": {"fields": [], "primaryKey": []},
    }
    markdown = changelog.summary_markdown(
        "2.0.0", "2026-12-01", "1.0.0", summary, [], versioning.table_changes(old, new)
    )
    assert (
        "## Changes to the tables (4)\n\n- The table `gone` was removed.\n- `a` gained the column `z`.\n"
        "- `a`'s `y` changed from integer to number.\n- The table `b` was added.\n"
    ) in markdown
    assert "Changes to the tables" not in changelog.summary_markdown("2.0.0", "2026-12-01", "1.0.0", summary, [])


@pytest.mark.parametrize("version", ["1.1.0", "1.0.1"])
def test_a_build_without_a_released_table_is_refused_not_a_traceback(released, tmp_path, version):
    # series_members is the build's own table: without it, writing its files was a traceback
    # (no such table: series_members), a rerun's and a new version's alike.
    releases, build_dir = tmp_path / "releases", tmp_path / "build"
    shutil.copytree(released / "releases" / "1.0.0", releases / "1.0.0")
    if version == "1.1.0":
        shutil.copytree(released / "releases" / "1.1.0", releases / "1.1.0")
        shutil.copytree(released / "b" / "build", build_dir)
    else:
        shutil.copytree(built(tmp_path / "p", version, "release_next"), build_dir)
    with sqlite3.connect(build_dir / DATABASE_FILE) as conn:
        conn.execute("DROP VIEW figures_series")
        conn.execute("DROP TABLE series_members")
    conn.close()
    refused(
        build_dir,
        releases,
        tmp_path / "dist",
        re.escape(f"{build_dir / DATABASE_FILE}: no table series_members, which a release's files hold: build again"),
    )


def test_a_rerun_given_another_date_is_refused_not_silently_kept(released, tmp_path):
    # The date was ignored: a curator who forgot to build released the old version again, exit 0.
    dist, releases = tmp_path / "dist", tmp_path / "releases"
    shutil.copytree(released / "releases", releases)
    with pytest.raises(release.ReleaseRefused, match="recorded with the date 2025-07-15.*bump"):
        release.make_release(released / "b" / "build", dist, releases, "2030-01-01")
    assert not dist.exists() or not any(dist.iterdir())


@pytest.mark.parametrize("day", ["2026-13-45", "20250715", "tomorrow"])
def test_a_rerun_given_a_date_that_is_no_day_says_so(released, tmp_path, day):
    # It said "to release the changes on 2026-13-45, bump version", as if that were a day.
    dist, releases = tmp_path / "dist", tmp_path / "releases"
    shutil.copytree(released / "releases", releases)
    with pytest.raises(release.ReleaseRefused) as refusal:
        release.make_release(released / "b" / "build", dist, releases, day)
    assert str(refusal.value) == f"release date {day!r} is not YYYY-MM-DD"
    assert not dist.exists() or not any(dist.iterdir())


def test_a_build_made_before_the_package_changed_is_refused(released, tmp_path):
    dist, releases = tmp_path / "dist", tmp_path / "releases"
    shutil.copytree(released / "releases", releases)
    build_dir, package_path = released / "b" / "build", released / "b" / "datapackage.json"
    assert release.stale_build_problem(build_dir, package_path) is None
    assert "holds no complete build" in release.stale_build_problem(tmp_path / "no-build", package_path)
    changed = tmp_path / "package"
    shutil.copytree(released / "b", changed, ignore=shutil.ignore_patterns("build"))
    text = (changed / "datapackage.json").read_text(encoding="utf-8")
    (changed / "datapackage.json").write_text(
        text.replace('"version": "1.1.0"', '"version": "1.2.0"'), encoding="utf-8"
    )
    figures = changed / "data" / "figures.csv"
    figures.write_text(figures.read_text(encoding="utf-8").replace(",2253,", ",2254,", 1), encoding="utf-8")
    with pytest.raises(release.ReleaseRefused) as refused:
        release.make_release(build_dir, dist, releases, package=changed / "datapackage.json")
    assert "data/figures.csv" in str(refused.value) and "version 1.1.0 -> 1.2.0" in str(refused.value)
    # make build would build the repository's package, not this one.
    assert f"build it (python scripts/cli.py build --package {changed / 'datapackage.json'} --out {build_dir})" in str(
        refused.value
    )
    assert not (dist / "1.1.0").exists()


def test_a_stale_build_given_by_its_folders_is_refused_with_the_commands_given(released, tmp_path):
    # Under --build-dir and --package it said "run make build", which builds build/ from the
    # repository's package: the folder given stayed stale, and the rerun was refused again.
    dist, releases = tmp_path / "dist", tmp_path / "releases"
    shutil.copytree(released / "releases", releases)
    build_dir = released / "b" / "build"
    changed = tmp_path / "package"
    shutil.copytree(released / "b", changed, ignore=shutil.ignore_patterns("build"))
    figures = changed / "data" / "figures.csv"
    figures.write_text(figures.read_text(encoding="utf-8").replace(",2253,", ",2254,", 1), encoding="utf-8")
    package_path = changed / "datapackage.json"
    given = ["--build-dir", build_dir, "--dist", dist, "--releases", releases, "--package", package_path]
    command = "python scripts/cli.py release " + " ".join(
        f"{o} {v}" for o, v in zip(given[::2], given[1::2], strict=True)
    )
    run = run_cli("release", *given)
    assert run.returncode == 1
    assert run.stderr.splitlines()[0] == (
        f"release refused: {build_dir} was built before the package changed (data/figures.csv): build it "
        f"(python scripts/cli.py build --package {package_path} --out {build_dir}), then rerun: {command}"
    )
    assert "make build" not in run.stderr and "make release" not in run.stderr
    assert not (dist / "1.1.0").exists()
    # No build in the folder given: the same commands.
    told = release.stale_build_problem(tmp_path / "no-build", package_path, command)
    assert told.startswith(f"{tmp_path / 'no-build'} holds no complete build (")
    assert told.endswith(
        f"build it (python scripts/cli.py build --package {package_path} --out {tmp_path / 'no-build'}), "
        f"then rerun: {command}"
    )
    # The repository's own folders, released by make release: make build, as before.
    assert release.build_command(paths.BUILD, paths.PACKAGE) == "make build"


def test_what_a_killed_release_left_is_removed_by_the_next(released, tmp_path):
    # A terminated release left dist/.<version>.<pid>.tmp (255 MB each), served under /downloads.
    dist, releases = tmp_path / "dist", tmp_path / "releases"
    shutil.copytree(released / "releases", releases)
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    left = [dist / f".1.1.0.{dead.pid}.tmp", dist / f".1.1.0.old.{dead.pid}", releases / f".1.2.0.{dead.pid}.tmp"]
    for folder in left:
        (folder / "csv").mkdir(parents=True)
        (folder / "csv" / "figures.csv").write_text("x")
    mine = dist / f".1.0.0.{os.getppid()}.tmp"  # a running process's: left alone
    mine.mkdir()
    release.make_release(released / "b" / "build", dist, releases)
    assert not any(folder.exists() for folder in left)
    assert mine.exists() and (dist / "1.1.0" / "SHA256SUMS").exists()


def test_a_release_refuses_to_drop_a_correction_a_release_published(tmp_path):
    dist, releases = tmp_path / "dist", tmp_path / "releases"
    first = built(tmp_path / "a", "1.0.0", releases=releases)
    release.make_release(first, dist, releases, "2025-01-15")
    second = built(tmp_path / "b", "1.1.0", "release_next", releases=releases)
    release.make_release(second, dist, releases, "2025-07-15")
    cited = {
        row["reason"].split()[1]
        for row in read_csv(releases / "1.1.0" / "changelog.csv")
        if row["reason"].startswith("correction ")
    }
    assert cited, "the fixture's release publishes a correction"
    corrections = tmp_path / "b" / "data" / "corrections.csv"
    kept = [line for line in corrections.read_text(encoding="utf-8").splitlines() if line.split(",")[0] not in cited]
    edits = [
        {"file": "data/corrections.csv", "old": corrections.read_text(encoding="utf-8"), "new": "\n".join(kept) + "\n"}
    ]
    third = built(tmp_path / "c", "1.2.0", "release_next", extra=edits, releases=releases)
    with pytest.raises(release.ReleaseRefused, match=r"no longer in data/corrections.csv: .*\(release 1\.1\.0\)"):
        release.make_release(third, dist, releases, "2025-08-01")
    assert sorted(p.name for p in releases.iterdir()) == ["1.0.0", "1.1.0"]


def test_a_release_refuses_to_drop_a_correction_no_changelog_cites(tmp_path):
    # Only corrections a changelog cited were held: one published with the figure it had
    # already corrected (so no change of a release cites it) could be deleted unnoticed.
    dist, releases = tmp_path / "dist", tmp_path / "releases"
    figure = "examplechat-usa-2024-ip_or_phone-requests_fulfilled"
    correction = (
        f"{figure}-typo,{figure},90,900,The first transcription dropped a zero.,example-2025-01-10-report,2025-01-12"
    )
    appended = [{"file": "data/corrections.csv", "append": correction}]
    first = built(tmp_path / "a", "1.0.0", extra=appended, releases=releases)
    release.make_release(first, dist, releases, "2025-01-15")
    manifest = json.loads((releases / "1.0.0" / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["corrections"] == [f"{figure}-typo"]
    assert not any(row["reason"].startswith("correction ") for row in read_csv(releases / "1.0.0" / "changelog.csv"))
    second = built(tmp_path / "b", "1.1.0", "release_next", releases=releases)
    with pytest.raises(release.ReleaseRefused, match=rf"1 correction\(s\) .*: {figure}-typo \(release 1\.0\.0\)"):
        release.make_release(second, dist, releases, "2025-07-15")
    assert sorted(p.name for p in releases.iterdir()) == ["1.0.0"]
    # Kept, it is published again, with the new ones.
    second = built(tmp_path / "c", "1.1.0", "release_next", extra=appended, releases=releases)
    release.make_release(second, dist, releases, "2025-07-15")
    manifest = json.loads((releases / "1.1.0" / "manifest.json").read_text(encoding="utf-8"))
    assert f"{figure}-typo" in manifest["corrections"] and len(manifest["corrections"]) == 3


def test_a_release_recorded_before_manifests_listed_corrections_keeps_its_bytes(released, tmp_path):
    # Its manifest has no "corrections": its changelog's citations still hold the corrections
    # it published.
    releases = tmp_path / "releases"
    shutil.copytree(released / "releases", releases)
    path = releases / "1.1.0" / "manifest.json"
    manifest = json.loads(path.read_text(encoding="utf-8"))
    del manifest["corrections"]
    path.write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
    recorded = release_records.recorded_releases(releases)
    assert release.dropped_corrections(releases, recorded, set()) == [
        (cited, "1.1.0")
        for cited in dict.fromkeys(
            row["reason"].split()[1]
            for row in read_csv(releases / "1.1.0" / "changelog.csv")
            if row["reason"].startswith("correction ")
        )
    ]


def test_a_rerun_from_the_build_make_release_makes_first_gives_the_same_bytes(released, tmp_path):
    # `make release` rebuilds first once releases/<version>/ exists (a build input): the rerun of
    # a recorded version from that build must ship the very bytes its SHA256SUMS recorded. The
    # first release's database once kept the build's counts and statistics of the release
    # tables from before the release was recorded.
    folder = tmp_path / "build"
    build.build_site(released / "b" / "datapackage.json", folder, releases=released / "releases")
    dist, releases = tmp_path / "dist", tmp_path / "releases"
    shutil.copytree(released / "releases", releases)
    release.make_release(folder, dist, releases, "2025-07-15")  # its recorded date: accepted
    again, first = dist / "1.1.0", released / "dist" / "1.1.0"
    names = sorted(p.relative_to(first).as_posix() for p in first.rglob("*") if p.is_file())
    assert names == sorted(p.relative_to(again).as_posix() for p in again.rglob("*") if p.is_file())
    assert [name for name in names if (again / name).read_bytes() != (first / name).read_bytes()] == []


def test_the_released_database_is_the_built_one_saying_it_is_released(released):
    # The release copies build/disclosures.db (it never rebuilds) and records itself in the copy's
    # release tables, exactly as the next build will from releases/.
    shipped = released / "dist" / "1.1.0" / "disclosures.db"
    figures = "SELECT * FROM figures ORDER BY figure_id"
    assert rows(shipped, figures) == rows(released / "b" / "build" / "disclosures.db", figures)
    assert rows(shipped, "SELECT version, release_state, latest_release FROM dataset") == [
        ("1.1.0", "released", "1.1.0")
    ]
    assert rows(shipped, "SELECT version, date, previous, added, changed, removed FROM releases ORDER BY version") == [
        ("1.0.0", "2025-01-15", None, 10, 0, 0),
        ("1.1.0", "2025-07-15", "1.0.0", 2, 2, 1),
    ]
    assert rows(shipped, "SELECT count(*) FROM release_changes WHERE version = '1.1.0'") == [(5,)]
    manifest = json.loads((released / "releases" / "1.1.0" / "manifest.json").read_text(encoding="utf-8"))
    assert [
        r[0] for r in rows(shipped, "SELECT path FROM release_files WHERE version = '1.1.0' ORDER BY path")
    ] == manifest["files"]


def test_a_build_after_the_release_shows_it_released(released, tmp_path):
    build.build_site(released / "b" / "datapackage.json", tmp_path, releases=released / "releases")
    db = tmp_path / "disclosures.db"
    assert rows(db, "SELECT version, release_state, latest_release FROM dataset") == [("1.1.0", "released", "1.1.0")]
    shipped = released / "dist" / "1.1.0"
    for table in ("releases", "release_changes", "release_files", "dataset"):
        assert rows(db, f"SELECT * FROM {table} ORDER BY 1, 2") == rows(
            shipped / "disclosures.db", f"SELECT * FROM {table} ORDER BY 1, 2"
        ), table
    assert (tmp_path / "feed.atom").read_bytes() == (shipped / "feed.atom").read_bytes()


def test_the_readmes_release_sentence_follows_the_release_state(released, tmp_path):
    # The README said "Until 1.0.0 is released, the site serves it as 'not released yet'" in
    # prose, which a release of 1.0.0 would have left saying the opposite of the site.
    from disclosures import readme

    def said(db):
        with sqlite3.connect(db) as conn:
            readme_text = (ROOT / "README.md").read_text(encoding="utf-8")
            text = readme.render(readme_text, conn, {"release-state": readme.release_state})
        return text.split("<!-- generated:release-state -->\n", 1)[1].split("\n<!-- /generated:", 1)[0]

    assert said(released / "a" / "build" / "disclosures.db") == (
        'Nothing has been released yet: the site serves version 1.0.0 as "not released yet", cited by its content hash.'
    )
    assert said(released / "b" / "build" / "disclosures.db") == (
        'Until 1.1.0 is released, the site serves it as "not released yet" and its home page names '
        "1.0.0 (2025-01-15) as the latest release, not as the version shown."
    )
    build.build_site(released / "b" / "datapackage.json", tmp_path / "after", releases=released / "releases")
    assert said(tmp_path / "after" / "disclosures.db") == (
        "Version 1.1.0 is released (2025-07-15): the site serves it as released on that date, "
        "and its home page cites it by that version."
    )
    extra = [{"file": "data/events.csv", "old": "Policy change", "new": "Policy changed"}]
    changed = built(tmp_path / "c", "1.1.0", "release_next", extra, releases=released / "releases")
    assert said(changed / "disclosures.db") == (
        "The data has changed since release 1.1.0 (2025-07-15) and the version has not: the site serves it as "
        '"not released yet", and a release refuses until the version is raised.'
    )


def test_a_figure_page_of_a_released_build_cites_the_release(released, tmp_path):
    from tests.conftest import Site

    build.build_site(released / "b" / "datapackage.json", tmp_path, releases=released / "releases")
    site = Site(unhurried(tmp_path))
    page = site.get("/figure/examplechat-usa-2024-ip_or_phone-requests_fulfilled")
    assert page.status_code == 200
    cite = re.sub(r"<[^>]+>", "", page.text.partition('<section class="cite"')[2].partition("</section>")[0])
    cite = " ".join(cite.split())
    assert "figure examplechat-usa-2024-ip_or_phone-requests_fulfilled," in cite
    assert (
        "version 1.1.0 (2025-07-15)" in cite and "/figure/examplechat-usa-2024-ip_or_phone-requests_fulfilled" in cite
    )
    assert "unreleased" not in cite and "No release holds" not in cite


def test_the_release_never_builds(released, tmp_path, monkeypatch):
    def no_build(*args, **kwargs):
        raise AssertionError("the release rebuilt the database")

    monkeypatch.setattr(build, "build_site", no_build)
    monkeypatch.setattr(build, "build_database", no_build)
    dist, releases = tmp_path / "dist", tmp_path / "releases"
    shutil.copytree(released / "releases", releases)
    release.make_release(released / "b" / "build", dist, releases)
    assert (dist / "1.1.0" / "SHA256SUMS").exists()


@pytest.mark.parametrize("homepage", ["http://127.0.0.1:8001/", "http://localhost/", "", "/relative/"])
def test_a_loopback_or_missing_homepage_is_refused(tmp_path, homepage):
    # Replace the value itself: the descriptor may hold only keys the specification defines.
    current = json.loads((paths.ROOT / "datapackage.json").read_text(encoding="utf-8"))["homepage"]
    extra = [{"file": "datapackage.json", "old": f'"homepage": "{current}"', "new": f'"homepage": "{homepage}"'}]
    # Validation refuses it first: a build without a public homepage cited http://localhost/...
    with pytest.raises(validate.ValidationFailed) as failed:
        built(tmp_path / "p", "1.0.0", extra=extra)
    assert [problem.field for problem in failed.value.problems] == ["homepage"]
    # And the release, should a build folder's package say so all the same.
    build_dir = built(tmp_path / "q", "1.0.0")
    descriptor = build_dir / "datapackage.json"
    descriptor.write_text(
        descriptor.read_text(encoding="utf-8").replace(f'"homepage": "{current}"', f'"homepage": "{homepage}"'),
        encoding="utf-8",
    )
    refused(build_dir, tmp_path / "releases", tmp_path / "dist", "homepage .* it is the canonical site URL")


# Refusals: each before anything is built or recorded ------------------------------------------


def refused(build_dir, releases, dist, match):
    before = sorted(p.relative_to(releases).as_posix() for p in releases.rglob("*"))
    with pytest.raises(release.ReleaseRefused, match=match):
        release.make_release(build_dir, dist, releases, "2025-12-01")
    assert sorted(p.relative_to(releases).as_posix() for p in releases.rglob("*")) == before
    assert not dist.exists() or not any(dist.iterdir())


def test_unchanged_data_under_a_new_version_is_refused(released, tmp_path):
    releases = tmp_path / "releases"
    shutil.copytree(released / "releases", releases)
    refused(
        built(tmp_path / "p", "1.1.1", "release_next", releases=releases),
        releases,
        tmp_path / "dist",
        r"nothing changed since release 1.1.0; do not bump the version: set \"version\" .* back to \"1.1.0\"",
    )


def test_changed_data_under_the_same_version_is_refused(released, tmp_path):
    releases = tmp_path / "releases"
    shutil.copytree(released / "releases", releases)
    extra = [{"file": "data/events.csv", "old": "Policy change", "new": "Policy changed"}]
    refused(
        built(tmp_path / "p", "1.1.0", "release_next", extra, releases=releases),
        releases,
        tmp_path / "dist",
        r"content changed but the version did not: .*changed: data/events.csv\)",
    )


def test_added_figures_need_a_minor_bump(only_first, tmp_path):
    refused(
        built(tmp_path / "p", "1.0.1", "release_next", releases=only_first),
        only_first,
        tmp_path / "dist",
        r"1.0.0 -> 1.0.1 is a patch bump, but this release needs a minor bump .*2 figure\(s\) added.* to 1.1.0",
    )


def test_a_changed_value_needs_a_correction_or_a_new_source(only_first, tmp_path):
    extra = [
        {
            "file": "data/figures.csv",
            "old": "exact,1500,,,Requests,example-2025-01-10-report,,Germany 1.500",
            "new": "exact,1501,,,Requests,example-2025-01-10-report,,Germany 1.501",
        }
    ]
    refused(
        built(tmp_path / "p", "1.0.1", extra=extra, releases=only_first),
        only_first,
        tmp_path / "dist",
        rf"1 figure\(s\) changed value .* no corrections record: {CORRECTED} 1500 -> 1501\. "
        r"Add a row to data/corrections.csv",
    )


def test_derived_figures_explain_their_own_changes():
    def fig(value, derivation=""):
        return {
            "value_kind": "exact",
            "value": value,
            "source_id": "" if derivation else "s1",
            "derivation": derivation,
        }

    old = {"q4": fig("886", "y - ytd"), "gone": fig("5", "y2 - h1")}
    new = {"q4": fig("887", "y - ytd"), "q3": fig("4", "ytd - h1")}
    assert [(c["change"], c["figure_id"], c["reason"]) for c in changelog.diff_figures(old, new)] == [
        ("added", "q3", "derived: ytd - h1"),
        ("changed", "q4", "derived: y - ytd (its inputs changed)"),
        ("removed", "gone", "no longer derived (was y2 - h1)"),
    ]


def test_a_removed_figure_needs_a_corrections_record(only_first, tmp_path):
    extra = [
        {
            "file": "data/figures.csv",
            "old": "examplechat-world-2024h1-all-requests_received,examplechat,WORLD,"
            "2024-01-01,2024-06-30,all,requests_received,band,,0,499,Requests,example-2025-01-10-report,,"
            "National security 0 - 499,\n",
            "new": "",
        }
    ]
    refused(
        built(tmp_path / "p", "1.0.1", extra=extra, releases=only_first),
        only_first,
        tmp_path / "dist",
        rf"1 figure\(s\) changed value .*or were removed.* no corrections record: {REMOVED} 0-499 -> \(removed\)",
    )


def test_a_version_below_the_latest_release_is_refused(released, tmp_path):
    releases = tmp_path / "releases"
    shutil.copytree(released / "releases", releases)
    refused(
        built(tmp_path / "p", "1.0.5", "release_next", releases=releases),
        releases,
        tmp_path / "dist",
        "version 1.0.5 is below the latest release 1.1.0",
    )


@pytest.mark.parametrize(
    "released, problem",
    [
        ("2025-07-15", None),
        ("2025-01-15", None),  # the previous release's own day
        ("2026-12-01", None),  # today
        ("2025-01-14", "is before 2025-01-15, the date of release 1.0.0"),
        ("2026-12-02", "is in the future"),
        ("20250715", "is not YYYY-MM-DD"),
        ("2025-02-30", "is not YYYY-MM-DD"),
    ],
)
def test_release_date_problem(released, problem):
    found = release.release_date_problem(released, "2026-12-01", "1.0.0", {"1.0.0": {"date": "2025-01-15"}})
    assert (found is None) if problem is None else (problem in found), found


def test_a_new_release_dated_before_the_one_it_follows_is_refused(only_first, tmp_path):
    # A reviewer released 1.1.0 dated 2026-11-01 after 0.1.0 of 2026-11-28: its changelog, citation
    # and feed then dated it before the release it changes. Nothing is written.
    build_dir, dist = built(tmp_path / "p", "1.1.0", "release_next", releases=only_first), tmp_path / "dist"
    for day, match in (("2025-01-01", "before 2025-01-15, the date of release 1.0.0"), ("2999-01-01", "in the future")):
        with pytest.raises(release.ReleaseRefused, match=match):
            release.make_release(build_dir, dist, only_first, day)
    assert sorted(p.name for p in only_first.iterdir()) == ["1.0.0"]
    assert not dist.exists() or not any(dist.iterdir())


def test_a_correction_alone_is_a_patch_release(only_first, tmp_path):
    extra = TYPO_CORRECTED
    plan = release.plan_release(
        built(tmp_path / "p", "1.0.1", extra=extra, releases=only_first), only_first, "2025-02-02"
    )
    assert [(c["change"], c["figure_id"]) for c in plan["changes"]] == [("changed", CORRECTED)]
    assert (plan["previous"], plan["date"], plan["new"]) == ("1.0.0", "2025-02-02", True)


def test_a_manifest_records_the_columns_its_release_files_hold(released):
    manifest = json.loads((released / "releases" / "1.1.0" / "manifest.json").read_text(encoding="utf-8"))
    descriptor = json.loads((released / "dist" / "1.1.0" / "datapackage.json").read_text(encoding="utf-8"))
    csv_resources = {r["name"]: r for r in descriptor["resources"] if r["path"].startswith("csv/")}
    assert manifest["released_schema"] == versioning.schema_of({"resources": list(csv_resources.values())})
    # More than the package's schema: the build's columns of figures, and series_members.
    assert len(manifest["released_schema"]["figures"]["fields"]) > len(manifest["schema"]["figures"]["fields"])
    assert "series_members" in manifest["released_schema"] and "series_members" not in manifest["schema"]


def test_a_column_only_the_build_adds_needs_a_major_bump(only_first, tmp_path):
    # A correction alone is a patch (above); the same build with a column the build adds to
    # figures changes the released files' columns though datapackage.json did not change.
    extra = TYPO_CORRECTED
    build_dir = built(tmp_path / "p", "1.0.1", extra=extra, releases=only_first)
    with sqlite3.connect(build_dir / DATABASE_FILE) as conn:
        conn.execute("ALTER TABLE figures ADD COLUMN reviewer TEXT")
    conn.close()
    refused(
        build_dir,
        only_first,
        tmp_path / "dist",
        r"1.0.0 -> 1.0.1 is a patch bump, but this release needs a major bump "
        r"\(fields or key of figures changed in the released files; 1 figure\(s\) changed\).* to 2.0.0",
    )


def test_a_release_recorded_without_released_columns_is_judged_on_the_package(only_first, tmp_path):
    manifest_path = only_first / "1.0.0" / "manifest.json"
    manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    del manifest["released_schema"]
    manifest_path.write_text(json.dumps(manifest), encoding="utf-8")
    extra = TYPO_CORRECTED
    build_dir = built(tmp_path / "p", "1.0.1", extra=extra, releases=only_first)
    with sqlite3.connect(build_dir / DATABASE_FILE) as conn:
        conn.execute("ALTER TABLE figures ADD COLUMN reviewer TEXT")
    conn.close()
    plan = release.plan_release(build_dir, only_first, "2025-02-02")
    try:
        assert plan["previous"] == "1.0.0" and plan["new"]
        assert "reviewer:string" in plan["released_schema"]["figures"]["fields"]
    finally:
        release.close_plan(plan)


# A manifest's released_schema as no release writes it: a list, null or a text was a traceback
# (AttributeError: 'list' object has no attribute 'keys') in the next release and in `make readme`,
# and a table of another shape, or none at all, a refusal asking for a major or minor bump that no
# column change caused.
DAMAGED_RELEASED_SCHEMAS = {
    "a list": ([], "released_schema must be an object of tables, not []"),
    "null": (None, "released_schema must be an object of tables, not null"),
    "a table as a list": (
        {"figures": []},
        "released_schema table 'figures' must be an object of fields and primaryKey",
    ),
    "fields as text": (
        {"figures": {"fields": "figure_id:string", "primaryKey": ["figure_id"]}},
        "released_schema table 'figures' must list its fields as \"name:type\" texts",
    ),
    "fields as numbers": (
        {"figures": {"fields": [1, 2], "primaryKey": ["figure_id"]}},
        "released_schema table 'figures' must list its fields as \"name:type\" texts",
    ),
    "a key as text": (
        {"figures": {"fields": ["figure_id:string"], "primaryKey": "figure_id"}},
        "released_schema table 'figures' must list its primaryKey as column names",
    ),
    "no tables": ({}, "released_schema has no authority_reports, cases, corrections"),
}


@pytest.mark.parametrize("damage", sorted(DAMAGED_RELEASED_SCHEMAS))
def test_a_damaged_released_schema_is_named_not_a_traceback(only_first, damage):
    value, message = DAMAGED_RELEASED_SCHEMAS[damage]
    manifest_path = only_first / "1.0.0" / "manifest.json"
    manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    manifest["released_schema"] = value
    manifest_path.write_text(json.dumps(manifest), encoding="utf-8")
    with pytest.raises(release_records.RecordDamaged, match=re.escape(f"{manifest_path}: {message}")):
        release_records.recorded_releases(only_first)


def test_a_release_after_a_damaged_released_schema_is_refused_naming_the_file(only_first, tmp_path):
    manifest_path = only_first / "1.0.0" / "manifest.json"
    manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    manifest["released_schema"] = []
    manifest_path.write_text(json.dumps(manifest), encoding="utf-8")
    extra = TYPO_CORRECTED
    build_dir = built(tmp_path / "p", "1.0.1", extra=extra)
    with pytest.raises(release_records.RecordDamaged, match=re.escape(f"{manifest_path}: released_schema must be")):
        release.make_release(build_dir, tmp_path / "dist", only_first, "2025-02-02")
    assert not (only_first / "1.0.1").exists() and not (tmp_path / "dist" / "1.0.1").exists()


def test_the_readme_command_names_a_damaged_record_not_a_traceback(monkeypatch, tmp_path):
    from click.testing import CliRunner

    from disclosures import readme

    def damaged(*args, **kwargs):
        raise release_records.RecordDamaged("releases/1.2.0/manifest.json: released_schema must be an object")

    # The release steps read releases/ (release_records.recorded_releases) inside render.
    monkeypatch.setattr(readme, "render", damaged)
    db = tmp_path / "disclosures.db"
    sqlite3.connect(db).close()
    before = paths.README.read_bytes()
    result = CliRunner().invoke(cli_module().cli, ["readme", "--db", str(db), "--check"])
    assert result.exit_code == 1 and isinstance(result.exception, SystemExit), result.output
    assert "readme not written: releases/1.2.0/manifest.json: released_schema must be an object" in result.output
    assert paths.README.read_bytes() == before


def test_cli_refusal_exits_non_zero_with_the_fix(released, tmp_path):
    releases = tmp_path / "releases"
    shutil.copytree(released / "releases", releases)
    build_dir = built(tmp_path / "p", "1.1.1", "release_next", releases=releases)
    run = run_cli(
        "release",
        "--build-dir",
        build_dir,
        "--dist",
        tmp_path / "dist",
        "--releases",
        releases,
        "--package",
        tmp_path / "p" / "datapackage.json",
    )
    assert run.returncode == 1
    assert "release refused: nothing changed since release 1.1.0" in run.stderr


def test_cli_refusals_name_the_folders_and_the_command_given(released, tmp_path):
    # Given --dist and --releases, a refusal said "releases/1.1.0/" and "rerun: make release",
    # which releases build/ into the repository's own folders, not the ones given.
    dist, releases = tmp_path / "elsewhere" / "dist", tmp_path / "elsewhere" / "releases"
    shutil.copytree(released / "releases", releases)

    def release_of(folder, *extra):
        given = ["--build-dir", folder / "build", "--dist", dist, "--releases", releases]
        given += ["--package", folder / "datapackage.json", *extra]
        command = "python scripts/cli.py release " + " ".join(
            f"{o} {v}" for o, v in zip(given[::2], given[1::2], strict=True)
        )
        run = run_cli("release", *given)
        assert run.returncode == 1
        assert "make release" not in run.stderr, run.stderr
        return run.stderr, command

    built(tmp_path / "other", "1.1.0", releases=releases)  # not the data 1.1.0 was released with
    said, command = release_of(tmp_path / "other")
    assert f"release 1.1.0 is recorded in {releases}/1.1.0/ with other content" in said, said
    assert f'Bump "version" in datapackage.json, then rerun: {command}\n' in said, said

    # A folder a stopped release left in --dist: named with its folder, and --date said again.
    built(tmp_path / "same", "1.1.0", "release_next", releases=releases)
    (dist / "0.9.0").mkdir(parents=True)
    said, command = release_of(tmp_path / "same", "--date", "2025-07-15")
    assert f"{dist / '0.9.0'}: in {dist}/ but recorded in no {releases}/<version>/" in said, said
    assert f"delete it, then rerun: {command}\n" in said, said


@pytest.mark.parametrize("which", ["--dist", "--releases"])
def test_cli_release_into_a_file_is_one_line_not_a_traceback(tmp_path, which):
    # --dist or --releases naming a file (a typo, a stale download) was a FileExistsError's or a
    # NotADirectoryError's traceback.
    build_dir = built(tmp_path / "p", "1.0.0")
    folders = {"--dist": tmp_path / "dist", "--releases": tmp_path / "releases"}
    folders[which].write_text("", encoding="utf-8")
    run = run_cli(
        "release",
        "--build-dir",
        build_dir,
        *[part for option, folder in folders.items() for part in (option, folder)],
        "--package",
        tmp_path / "p" / "datapackage.json",
        "--date",
        "2025-01-20",
    )
    assert run.returncode == 1
    assert "Traceback" not in run.stderr, run.stderr
    assert run.stderr.startswith(f"release failed: {folders[which]}"), run.stderr


# The repository's own release records ---------------------------------------------------------


def test_recorded_releases_in_the_repository_are_consistent():
    recorded = release_records.recorded_releases(paths.RELEASES)
    previous = None
    for version, manifest in recorded.items():
        assert manifest["previous"] == previous, version
        snapshot = read_csv(paths.RELEASES / version / "figures.csv")
        assert len(snapshot) == manifest["figures"], version
        changes = read_csv(paths.RELEASES / version / "changelog.csv")
        assert {c: sum(1 for r in changes if r["change"] == c) for c in release_records.CHANGES} == manifest["counts"]
        assert release_records.content_hash(manifest["inputs"]) == manifest["content_hash"], version
        previous = version


def test_the_repositorys_data_can_be_released_as_its_version():
    # `make release` on a clean clone must work: either the data is exactly the recorded release
    # of its version, or the version is new (bumped, waiting for its first `make release`).
    descriptor = json.loads(paths.PACKAGE.read_text(encoding="utf-8"))
    digest = release_records.content_hash(release_records.content_inputs(paths.PACKAGE, descriptor))
    state = release_records.release_state(
        descriptor["version"], digest, release_records.recorded_releases(paths.RELEASES)
    )
    assert state == "released" or "has not been released" in state, state


def test_a_build_hashes_each_file_once_and_its_content_inputs_are_those_hashes(tmp_path, monkeypatch):
    # The build's validation key hashes every file before anything is read; the release's content
    # inputs reuse those hashes instead of reading each file again (at a million figures, 252 MB
    # hashed once more on the build's critical path), and so name the very bytes built.
    package = make_package(tmp_path / "package")
    descriptor = json.loads(package.read_text(encoding="utf-8"))
    expected = release_records.content_inputs(package, descriptor)
    # Validated first, as make validate does: a build that validates the package itself hashes
    # each file once more afterwards, to refuse one changed while it was validated.
    stamp.record_valid(package, tmp_path / "site")
    hashed: list[str] = []
    sha256_file = files.sha256_file

    def counted(path):
        hashed.append(Path(path).name)
        return sha256_file(path)

    # Every file the key hashes goes through files.sha256_file, imported by these two.
    monkeypatch.setattr(release_records, "sha256_file", counted)
    monkeypatch.setattr(stamp, "sha256_file", counted)
    db = build.build_database(package, tmp_path / "site" / "disclosures.db")
    resources = [Path(r["path"]).name for r in descriptor["resources"]]
    assert sorted(hashed) == sorted(resources)
    with sqlite3.connect(db) as conn:
        (inputs_json,) = conn.execute("SELECT content_inputs FROM dataset").fetchone()
    assert json.loads(inputs_json) == expected


def test_content_inputs_take_given_digests_and_read_the_other_files(tmp_path):
    package = make_package(tmp_path / "package")
    descriptor = json.loads(package.read_text(encoding="utf-8"))
    first, *others = [r["path"] for r in descriptor["resources"]]
    (package.parent / first).unlink()  # not read: its digest is given
    inputs = release_records.content_inputs(package, descriptor, {first: "sha256:given"})
    assert inputs[first] == "sha256:given"
    for path in others:
        assert inputs[path] == "sha256:" + hashlib.sha256((package.parent / path).read_bytes()).hexdigest()
    with pytest.raises(OSError):  # a digest that is not a sha256 one is not taken
        release_records.content_inputs(package, descriptor, {first: "md5:given"})


# Germany's 1500, as 1.0.0 released it, corrected twice before the next release; or corrected,
# then removed.
FIGURE_ROW = "exact,1500,,,Requests,example-2025-01-10-report,,Germany 1.500"
TWO_CORRECTIONS = {
    "corrected twice": (
        [
            {
                "file": "data/figures.csv",
                "old": FIGURE_ROW,
                "new": FIGURE_ROW.replace("1500", "1505").replace("1.500", "1.505"),
            },
            {
                "file": "data/corrections.csv",
                "append": f"fix-1,{CORRECTED},1500,1501,Typo.,example-2025-01-10-report,2025-02-01",
            },
            {
                "file": "data/corrections.csv",
                "append": f"fix-2,{CORRECTED},1501,1505,The row below was read.,example-2025-01-10-report,2025-02-03",
            },
        ],
        ("changed", CORRECTED, "1500", "1505"),
        "correction fix-1 (2025-02-01, source: example-2025-01-10-report; 1500 -> 1501): Typo; then correction "
        "fix-2 (2025-02-03, source: example-2025-01-10-report; 1501 -> 1505): The row below was read.",
    ),
    "corrected, then removed": (
        [
            {"file": "data/figures.csv", "pattern": f"(?m)^{CORRECTED},.*\\n", "new": ""},
            {
                "file": "data/corrections.csv",
                "append": f"fix-1,{CORRECTED},1500,1501,Typo.,example-2025-01-10-report,2025-02-01",
            },
            {
                "file": "data/corrections.csv",
                "append": f"gone-1,{CORRECTED},1501,,Counted twice.,example-2025-01-10-report,2025-02-03",
            },
        ],
        ("removed", CORRECTED, "1500", ""),
        "correction fix-1 (2025-02-01, source: example-2025-01-10-report; 1500 -> 1501): Typo; then correction "
        "gone-1 (2025-02-03, source: example-2025-01-10-report; 1501 -> (removed)): Counted twice.",
    ),
}


@pytest.mark.parametrize("case", list(TWO_CORRECTIONS))
def test_corrections_chained_since_a_release_are_released_as_one_change_citing_each(only_first, tmp_path, case):
    # Validation holds the first to the released value and each to the one before it; the release
    # looked for one record saying 1500 -> 1505, and refused a chain validation had accepted.
    edits, change, reason = TWO_CORRECTIONS[case]
    folder = tmp_path / "p"
    path = package(folder, "1.0.1", extra=edits)
    shutil.copytree(only_first, folder / "releases")
    assert validate.validate_package(path) == []
    build.build_site(path, folder / "build")
    release.make_release(folder / "build", tmp_path / "dist", folder / "releases", "2025-02-04")
    record = folder / "releases" / "1.0.1"
    assert [
        ((c["change"], c["figure_id"], c["old_value"], c["new_value"]), c["reason"])
        for c in read_csv(record / "changelog.csv")
    ] == [(change, reason)]
    assert {"fix-1", edits[2]["append"].split(",")[0]} <= set(
        json.loads((record / "manifest.json").read_text(encoding="utf-8"))["corrections"]
    )
    # Each correction stays a row of its own, as the release's corrections file publishes them.
    published = read_csv(tmp_path / "dist" / "1.0.1" / "csv" / "corrections.csv")
    assert [(c["correction_id"], c["old_value"], c["new_value"]) for c in published] == [
        ("fix-1", "1500", "1501"),
        tuple(edits[2]["append"].split(",")[i] for i in (0, 2, 3)),
    ]


def test_a_correction_that_does_not_match_is_named_in_the_refusal(only_first, tmp_path):
    extra = [
        {
            "file": "data/figures.csv",
            "old": "exact,1500,,,Requests,example-2025-01-10-report,,Germany 1.500",
            "new": "exact,1501,,,Requests,example-2025-01-10-report,,Germany 1.501",
        },
        {
            "file": "data/corrections.csv",
            "append": f"fix-1,{CORRECTED},1499,1501,Typo.,example-2025-01-10-report,2025-02-01",
        },
    ]
    refused(
        built(tmp_path / "p", "1.0.1", extra=extra, releases=only_first),
        only_first,
        tmp_path / "dist",
        r"data/corrections.csv has fix-1 says 1499 -> 1501, which does not match the released 1500",
    )


@pytest.mark.parametrize(
    "damage, message",
    [
        (
            lambda folder: (folder / "manifest.json").write_text("{", encoding="utf-8"),
            "manifest.json: cannot be read as JSON",
        ),
        (
            lambda folder: (folder / "manifest.json").write_text('{"version": "9.9.9"}', encoding="utf-8"),
            "manifest.json: version must be '1.0.0'",
        ),
        (lambda folder: (folder / "figures.csv").unlink(), "missing figures.csv"),
    ],
)
def test_a_damaged_release_record_is_named_not_a_traceback(released, tmp_path, damage, message):
    releases = tmp_path / "releases"
    shutil.copytree(released / "releases" / "1.0.0", releases / "1.0.0")
    damage(releases / "1.0.0")
    with pytest.raises(release_records.RecordDamaged, match=re.escape(message)):
        build.build_site(released / "b" / "datapackage.json", tmp_path / "build", releases=releases)
    assert not (tmp_path / "build" / "disclosures.db").exists()


def test_a_new_release_leaves_its_citation_beside_releases_for_the_repository(released):
    # The newest release's CITATION.cff, byte for byte: GitHub's "Cite this repository" reads it.
    # (Only where asked: a release into folders of its own writes none beside them.)
    assert not (released / "releases" / "CITATION.cff").exists()
    root_citation = (released / "CITATION.cff").read_bytes()
    assert root_citation == (released / "dist" / "1.1.0" / "CITATION.cff").read_bytes()
    assert yaml.safe_load(root_citation)["version"] == "1.1.0"


def test_the_repositorys_citation_cites_its_newest_recorded_release():
    recorded = release_records.recorded_releases(paths.RELEASES)
    newest = list(recorded)[-1]
    cited = yaml.safe_load((paths.ROOT / "CITATION.cff").read_text(encoding="utf-8"))
    assert cited["cff-version"] == "1.2.0" and cited["type"] == "dataset"
    assert (cited["version"], cited["date-released"]) == (newest, recorded[newest]["date"])
    descriptor = json.loads((paths.ROOT / "datapackage.json").read_text(encoding="utf-8"))
    assert cited["title"] == descriptor["title"] and cited["license"] == "CC-BY-4.0"


def test_a_release_recorded_in_the_repositorys_releases_rewrites_the_repositorys_citation(
    released, tmp_path, monkeypatch
):
    # As `make release` runs it: releases/ and CITATION.cff of one repository (here a copy).
    repository = tmp_path / "repository"
    shutil.copytree(released / "releases", repository / "releases")
    monkeypatch.setattr(release, "RELEASES", repository / "releases")
    monkeypatch.setattr(release, "ROOT", repository)
    extra = [{"file": "data/events.csv", "old": "Policy change", "new": "Policy changed"}]
    build_dir = built(tmp_path / "p", "1.1.1", "release_next", extra, releases=repository / "releases")
    release.make_release(build_dir, tmp_path / "dist", repository / "releases", "2025-09-01")
    cited = yaml.safe_load((repository / "CITATION.cff").read_text(encoding="utf-8"))
    assert (cited["version"], cited["date-released"]) == ("1.1.1", "2025-09-01")


def test_a_rerun_of_the_newest_release_restores_its_citation(released, tmp_path):
    # A release stopped after recording releases/<version>/ left CITATION.cff at the release
    # before, and rerunning it (the version now recorded) did not write it.
    dist, releases, citation = tmp_path / "dist", tmp_path / "releases", tmp_path / "CITATION.cff"
    shutil.copytree(released / "releases", releases)
    shutil.copytree(released / "dist", dist)
    citation.write_bytes((released / "dist" / "1.0.0" / "CITATION.cff").read_bytes())
    release.make_release(released / "b" / "build", dist, releases, "2025-07-15", citation)
    assert citation.read_bytes() == (dist / "1.1.0" / "CITATION.cff").read_bytes()
    assert yaml.safe_load(citation.read_text(encoding="utf-8"))["version"] == "1.1.0"


def test_a_release_refuses_while_dist_holds_one_no_record_names(tmp_path):
    # A release killed between writing dist/<version>/ and recording it left a complete folder
    # that no record names; the next release went on, its "previous" the release before.
    dist, releases = tmp_path / "dist", tmp_path / "releases"
    release.make_release(built(tmp_path / "a", "1.0.0", releases=releases), dist, releases, "2025-01-15")
    shutil.copytree(dist / "1.0.0", dist / "1.0.1")  # as a stopped release of 1.0.1 left it
    second = built(tmp_path / "b", "1.1.0", "release_next", releases=releases)
    with pytest.raises(
        release.ReleaseRefused, match=re.escape(f"{dist}/1.0.1: in {dist}/ but recorded in no {releases}/")
    ):
        release.make_release(second, dist, releases, "2025-07-15")
    assert sorted(p.name for p in releases.iterdir()) == ["1.0.0"] and not (dist / "1.1.0").exists()
    shutil.rmtree(dist / "1.0.1")
    release.make_release(second, dist, releases, "2025-07-15")
    assert sorted(p.name for p in releases.iterdir()) == ["1.0.0", "1.1.0"]
    # The version being made may be in dist/ already (a rerun after a stop): that is not refused.
    shutil.rmtree(releases / "1.1.0")
    release.make_release(second, dist, releases, "2025-07-15")


def test_the_readmes_check_works_on_a_download_of_some_of_the_files(released, tmp_path):
    # The site lists a release's files one by one: a reader who took two of them checked them with
    # `sha256sum -c SHA256SUMS`, which failed on every file not downloaded.
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    (command,) = [line.split("#")[0].strip() for line in readme.splitlines() if line.startswith("sha256sum -c")]
    folder = released / "dist" / "1.1.0"
    for name in ("SHA256SUMS", "datapackage.json", "csv/figures.csv"):
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(folder / name, tmp_path / name)
    run = subprocess.run(command.split(), cwd=tmp_path, capture_output=True, text=True)
    assert run.returncode == 0, run.stdout + run.stderr
    assert "csv/figures.csv: OK" in run.stdout and "datapackage.json: OK" in run.stdout
    # A changed byte is still caught.
    (tmp_path / "csv" / "figures.csv").write_bytes((folder / "csv" / "figures.csv").read_bytes() + b"x")
    assert subprocess.run(command.split(), cwd=tmp_path, capture_output=True, text=True).returncode != 0


def test_the_home_pages_check_is_the_readmes():
    # The home page told a reader who downloaded some files to run `sha256sum -c SHA256SUMS`,
    # which fails on every file not downloaded; the README's command skips those.
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    (command,) = [line.split("#")[0].strip() for line in readme.splitlines() if line.startswith("sha256sum -c")]
    home = (ROOT / "templates" / "index.html").read_text(encoding="utf-8")
    assert re.findall(r"<code>(sha256sum[^<]*)</code>", home) == [command]


def test_a_release_refuses_a_correction_dated_after_it(only_first, tmp_path):
    # A correction dated 2027-12-02 (the year typed wrong) was released on 2026-12-02: its
    # changelog and figure page dated the correction a year after the release that published it.
    extra = [
        {
            "file": "data/figures.csv",
            "old": "exact,1500,,,Requests,example-2025-01-10-report,,Germany 1.500",
            "new": "exact,1501,,,Requests,example-2025-01-10-report,,Germany 1.501",
        },
        {
            "file": "data/corrections.csv",
            "append": f"fix-1,{CORRECTED},1500,1501,Typo.,example-2025-01-10-report,2026-02-01",
        },
    ]
    build_dir, dist = built(tmp_path / "p", "1.0.1", extra=extra, releases=only_first), tmp_path / "dist"
    with pytest.raises(
        release.ReleaseRefused,
        match=r"1 correction\(s\) in data/corrections.csv are dated after this release's date 2025-02-02: "
        r"fix-1 \(2026-02-01\)\. .*correct its corrected_date",
    ):
        release.make_release(build_dir, dist, only_first, "2025-02-02")
    assert sorted(p.name for p in only_first.iterdir()) == ["1.0.0"]
    # Released on or after the day of its correction, it is accepted.
    plan = release.plan_release(build_dir, only_first, "2026-02-01")
    release.close_plan(plan)
    assert plan["date"] == "2026-02-01"


def test_a_recorded_changelog_is_written_as_its_rows_whether_read_from_its_file_or_given_as_dicts(tmp_path):
    # The build passes each recorded release's changelog.csv by path (read as text rows); a
    # release being made passes its changes as dicts. Both fill release_changes alike, empty
    # cells as empty text, as DictReader read them.
    changes = [
        {
            "change": "added",
            "figure_id": "a-usa-2024-all-requests_received",
            "old_value": "",
            "new_value": "3",
            "old_source_id": "",
            "new_source_id": "s",
            "reason": "source: s",
        },
        {
            "change": "changed",
            "figure_id": "b-usa-2024-all-requests_received",
            "old_value": "1",
            "new_value": "2",
            "old_source_id": "s",
            "new_source_id": "t",
            "reason": "corrected",
        },
    ]
    (tmp_path / "changelog.csv").write_text(
        "\n".join([",".join(release_records.CHANGELOG_FIELDS)] + [",".join(c.values()) for c in changes]) + "\n",
        encoding="utf-8",
    )
    (tmp_path / "empty.csv").write_text("", encoding="utf-8")
    manifest = {
        "date": "2026-01-01",
        "content_hash": "sha256:0",
        "figures": 2,
        "counts": dict.fromkeys(release_records.CHANGES, 1),
    }
    written = []
    for changelogs in (
        {"1.0.0": tmp_path / "changelog.csv", "1.0.1": tmp_path / "empty.csv"},
        {"1.0.0": changes, "1.0.1": []},
    ):
        db = sqlite_utils.Database(sqlite3.connect(":memory:"))
        recorded = {"1.0.0": manifest, "1.0.1": {**manifest, "previous": "1.0.0"}}
        release_records.write_release_tables(
            db, {"version": "1.0.1", "contributors": [{"title": "x"}]}, {}, recorded, changelogs
        )
        written.append(db.execute("SELECT * FROM release_changes ORDER BY figure_id").fetchall())
    assert written[0] == written[1] == [("1.0.0", *c.values()) for c in changes]


def test_a_release_against_other_records_than_the_build_read_is_refused(released, tmp_path):
    # --releases naming an empty folder released every figure as added, "previous: none", from a
    # database whose release tables (and feed) held the releases before it. (1.1.0 was built
    # when 1.0.0 alone was recorded.)
    build_dir = released / "b" / "build"
    empty = tmp_path / "releases"
    empty.mkdir()
    refused(
        build_dir,
        empty,
        tmp_path / "dist",
        r"was built with the release records 1\.0\.0, and .*releases/ holds none: name the records the build read",
    )
    # The records it read, and 1.1.0, which its own release recorded since, are released again.
    again = release.make_release(build_dir, tmp_path / "dist", released / "releases")
    assert again.name == "1.1.0"


def test_a_release_against_records_of_other_content_or_a_build_without_them_is_refused(released, tmp_path):
    # The same versions with another date (or previous, or content hash) than the build read were
    # released without a word; so was a build with no releases table, against an empty folder.
    build_dir = released / "b" / "build"
    records = tmp_path / "records"
    shutil.copytree(released / "releases", records)
    manifest = records / "1.0.0" / "manifest.json"
    manifest.write_text(manifest.read_text(encoding="utf-8").replace('"2025-01-15"', '"2025-01-14"'), encoding="utf-8")
    refused(
        build_dir, records, tmp_path / "dist", r"was built with other records of 1\.0\.0 \(date, previous or content"
    )
    copy = tmp_path / "copy"
    shutil.copytree(build_dir, copy)
    with sqlite3.connect(copy / DATABASE_FILE) as conn:
        conn.execute("PRAGMA foreign_keys = OFF")
        conn.execute("DROP TABLE releases")
    empty = tmp_path / "empty"
    empty.mkdir()
    refused(copy, empty, tmp_path / "dist", r"no releases table, which the build writes from the records: build again")
