"""A streamed release gives the bytes the whole-table release gave (issue 14).

The release writes each table in one pass over an SQLite cursor and spools the changelog, so
that a million figures fit in bounded memory. The whole-table functions it replaced
(``files.csv_text``, ``files.json_rows``, ``release_formats.parquet_bytes``, ``excel_csv``,
``changelog.diff_figures``, ``changelog.changelog_markdown``) stay as the reference: every file
of a real fixture release (a first one, then one with added, changed and removed figures) must
be what they give for the released rows. Nothing here writes into the repository.
"""

import csv
import hashlib
import io
import json
import shutil
import sqlite3
from datetime import date

import pyarrow.parquet as pq
import pytest

from disclosures import changelog, release, release_formats
from disclosures.files import cell_text, csv_text, json_rows
from disclosures.release_records import CHANGELOG_FIELDS, SNAPSHOT_FIELDS, ReleaseRefused
from disclosures.vocabulary import DATABASE_FILE
from tests.test_release import built

FORMATS = ("csv", "excel", "json", "parquet")


def read_csv(path):
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def whole_table_files(conn, resource):
    """A table's four files as the release wrote them before it streamed: each from every row in memory."""
    fields = release_formats.released_fields(conn, resource)
    rows = release_formats.released_rows(conn, resource, fields)
    text = csv_text([f["name"] for f in fields], [{k: cell_text(v) for k, v in r.items()} for r in rows]).encode()
    name = resource["name"]
    return {
        f"csv/{name}.csv": text,
        f"excel/{name}.csv": release_formats.excel_csv(text),
        f"json/{name}.json": json_rows(
            [{f["name"]: release_formats.json_value(r[f["name"]], f["type"]) for f in fields} for r in rows]
        ).encode(),
        f"parquet/{name}.parquet": release_formats.parquet_bytes(fields, rows),
    }


@pytest.fixture(scope="module")
def two_releases(tmp_path_factory):
    root = tmp_path_factory.mktemp("streamed")
    dist, releases = root / "dist", root / "releases"
    first = built(root / "a", "1.0.0", releases=releases)
    release.make_release(first, dist, releases, "2025-01-15")
    second = built(root / "b", "1.1.0", "release_next", releases=releases)
    release.make_release(second, dist, releases, "2025-07-15")
    return root, {"1.0.0": first, "1.1.0": second}


@pytest.mark.parametrize("version", ["1.0.0", "1.1.0"])
def test_every_table_file_is_the_whole_table_functions_bytes(two_releases, version):
    root, _ = two_releases
    folder = root / "dist" / version
    descriptor = json.loads((folder / "datapackage.json").read_text(encoding="utf-8"))
    tables = [r for r in descriptor["resources"] if r.get("path", "").startswith("csv/")]
    assert len(tables) > 10
    with sqlite3.connect(folder / DATABASE_FILE) as conn:
        for resource in tables:
            for path, expected in whole_table_files(conn, resource).items():
                assert (folder / path).read_bytes() == expected, path


@pytest.mark.parametrize("version", ["1.0.0", "1.1.0"])
def test_changelog_snapshot_and_prose_are_the_in_memory_diffs(two_releases, version):
    root, builds = two_releases
    previous = {"1.0.0": None, "1.1.0": "1.0.0"}[version]
    with sqlite3.connect(builds[version] / DATABASE_FILE) as conn:
        columns = ", ".join(SNAPSHOT_FIELDS)
        new = {
            r[0]: dict(zip(SNAPSHOT_FIELDS, map(cell_text, r), strict=True))
            for r in conn.execute(f"SELECT {columns} FROM figures")
        }
        cursor = conn.execute("SELECT * FROM corrections")
        names = [d[0] for d in cursor.description]
        corrections = [dict(zip(names, map(cell_text, row), strict=True)) for row in cursor]
    old = {r["figure_id"]: r for r in read_csv(root / "releases" / previous / "figures.csv")} if previous else {}
    changes = changelog.diff_figures(old, new, corrections)
    if previous:
        assert {c["change"] for c in changes} == {"added", "changed", "removed"}
    quoted = io.StringIO()
    csv.writer(quoted, lineterminator="\n", quoting=csv.QUOTE_ALL).writerows(
        [c[f] for f in CHANGELOG_FIELDS] for c in changes
    )
    expected = (",".join(CHANGELOG_FIELDS) + "\n" + quoted.getvalue()).encode()
    assert (root / "dist" / version / "changelog.csv").read_bytes() == expected
    assert (root / "releases" / version / "changelog.csv").read_bytes() == expected
    snapshot = csv_text(SNAPSHOT_FIELDS, [new[k] for k in sorted(new)]).encode()
    assert (root / "releases" / version / "figures.csv").read_bytes() == snapshot
    platforms = {k: r["platform_id"] for k, r in old.items()} | {k: r["platform_id"] for k, r in new.items()}
    manifest = json.loads((root / "releases" / version / "manifest.json").read_text(encoding="utf-8"))
    prose = changelog.changelog_markdown(
        version, manifest["date"], previous, changes, platforms, manifest["other_inputs"]
    )
    assert (root / "dist" / version / "CHANGELOG.md").read_text(encoding="utf-8") == prose
    assert manifest["figures"] == len(new)
    assert manifest["counts"] == {k: sum(c["change"] == k for c in changes) for k in ("added", "changed", "removed")}


def test_hashes_computed_while_writing_are_the_files(two_releases):
    root, _ = two_releases
    folder = root / "dist" / "1.1.0"
    sums = dict(line.split("  ")[::-1] for line in (folder / "SHA256SUMS").read_text().splitlines())
    files = sorted(
        p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file() and p.name != "SHA256SUMS"
    )
    assert sorted(sums) == files
    for name in files:
        assert sums[name] == hashlib.sha256((folder / name).read_bytes()).hexdigest(), name
    for resource in json.loads((folder / "datapackage.json").read_text(encoding="utf-8"))["resources"]:
        data = (folder / resource["path"]).read_bytes()
        assert (resource["bytes"], resource["hash"]) == (len(data), "sha256:" + hashlib.sha256(data).hexdigest())


def test_a_rerun_gives_the_same_bytes(two_releases, tmp_path):
    root, builds = two_releases
    shutil.copytree(root / "releases", tmp_path / "releases")
    again = release.make_release(builds["1.1.0"], tmp_path / "dist", tmp_path / "releases")
    for path in sorted(p for p in (root / "dist" / "1.1.0").rglob("*") if p.is_file()):
        assert (again / path.relative_to(root / "dist" / "1.1.0")).read_bytes() == path.read_bytes(), path.name


# One table, cut into tiny batches and row groups -------------------------------------------

FIELDS = [
    {"name": "id", "type": "string"},
    {"name": "label", "type": "string"},
    {"name": "value", "type": "number"},
    {"name": "count", "type": "integer"},
    {"name": "day", "type": "date"},
]
RESOURCE = {"name": "t", "schema": {"fields": FIELDS, "primaryKey": ["id"]}}
# Keys whose order differs between naive and byte orders, cells that csv must quote.
IDS = ["b", "B", "a", "é", "z", "Z9", "ä", "0", "10", "9", "a,b", 'q"uote', "line\nbreak", "ǅ", "日本"]


def tricky_table(rows=None):
    conn = sqlite3.connect(":memory:")
    conn.execute("CREATE TABLE t (id TEXT PRIMARY KEY, label TEXT, value REAL, count INTEGER, day TEXT)")
    values = [
        (
            k,
            None if i % 4 == 0 else f"Côte d'Ivoire, «{k}»",
            [81.5, 2253.0, None, 1e20, 0.1][i % 5],
            i,
            None if i % 3 else f"2024-0{1 + i % 9}-1{i % 9}",
        )
        for i, k in enumerate(IDS if rows is None else rows)
    ]
    conn.executemany("INSERT INTO t VALUES (?, ?, ?, ?, ?)", values)
    return conn


def files_of(tmp_path):
    return {k: tmp_path / f"{k}.out" for k in FORMATS}


@pytest.mark.parametrize("batch", [1, 4, 1000])
def test_batches_do_not_change_a_byte(tmp_path, monkeypatch, batch):
    monkeypatch.setattr(release_formats, "BATCH_ROWS", batch)
    conn = tricky_table()
    count, written = release_formats.write_table_files(conn, RESOURCE, FIELDS, files_of(tmp_path))
    expected = dict(zip(FORMATS, whole_table_files(conn, RESOURCE).values(), strict=True))
    assert count == len(IDS)
    for name in FORMATS:
        data = files_of(tmp_path)[name].read_bytes()
        assert data == expected[name], name
        assert (written[name].bytes, written[name].digest) == (len(data), hashlib.sha256(data).hexdigest())


def test_an_empty_table_has_a_header_an_empty_array_and_an_empty_parquet(tmp_path):
    conn = tricky_table([])
    count, _ = release_formats.write_table_files(conn, RESOURCE, FIELDS, files_of(tmp_path))
    assert count == 0
    assert files_of(tmp_path)["csv"].read_bytes() == b"id,label,value,count,day\n"
    assert files_of(tmp_path)["json"].read_bytes() == b"[]\n"
    assert files_of(tmp_path)["parquet"].read_bytes() == release_formats.parquet_bytes(FIELDS, [])


def test_a_long_table_has_one_row_group_per_row_group_rows(tmp_path, monkeypatch):
    monkeypatch.setattr(release_formats, "BATCH_ROWS", 3)
    monkeypatch.setattr(release_formats, "ROW_GROUP_ROWS", 4)
    conn = tricky_table()
    release_formats.write_table_files(conn, RESOURCE, FIELDS, files_of(tmp_path))
    parquet = pq.ParquetFile(files_of(tmp_path)["parquet"])
    assert [parquet.metadata.row_group(i).num_rows for i in range(parquet.num_row_groups)] == [4, 4, 4, 3]
    table = parquet.read()
    assert table.column("id").to_pylist() == sorted(IDS)
    rows = {r["id"]: r for r in table.to_pylist()}
    assert rows["a"]["value"] is None and rows["a"]["count"] == 2 and rows["z"]["value"] == 0.1
    assert rows["b"]["day"] == date(2024, 1, 10) and rows["b"]["label"] is None


def test_a_key_holding_numbers_is_refused_not_misordered(tmp_path):
    conn = sqlite3.connect(":memory:")
    conn.execute("CREATE TABLE t (id, label TEXT)")
    conn.executemany("INSERT INTO t VALUES (?, ?)", [(9, "x"), (10, "y")])
    fields = [{"name": "id", "type": "integer"}, {"name": "label", "type": "string"}]
    with pytest.raises(ValueError, match="t: a primary key column holds numbers"):
        release_formats.write_table_files(
            conn, {"name": "t", "schema": {"fields": fields, "primaryKey": "id"}}, fields, files_of(tmp_path)
        )


# What the release checks instead of loading copies whole ------------------------------------


@pytest.mark.parametrize(
    "text, problem",
    [
        ('[\n{"a": 1},\n{"a": 2}\n]\n', None),
        ("[]\n", None),
        ('{"a": 1}\n', "starts with a line holding [ alone"),
        ('[\n{"a": 1},\n[1]\n]\n', ":3: not an object"),
        ('[\n{"a": 1,\n]\n', ":2: "),
        ('[\n{"a": 1}\n', "the array is not closed"),
        ('[\n{"a": 1}\n]\n{"b": 2}\n', ":4: text after the closing ]"),
    ],
)
def test_json_arrays_are_checked_a_line_at_a_time(tmp_path, text, problem):
    path = tmp_path / "t.json"
    path.write_text(text, encoding="utf-8")
    problems = release.json_array_problems(path)
    assert (problems == []) if problem is None else (problem in problems[0])


@pytest.mark.parametrize("path", ["excel/platforms.csv", "json/platforms.json"])
def test_a_damaged_copy_is_refused(two_releases, tmp_path, path):
    root, _ = two_releases
    folder = tmp_path / "dist"
    shutil.copytree(root / "dist" / "1.1.0", folder)
    data = (folder / path).read_bytes()
    (folder / path).write_bytes(data.replace(b"examplechat", b"examplechaT", 1))
    with pytest.raises(ReleaseRefused, match="does not have the sha256 its resource declares"):
        release.check_dist(folder)


def test_a_released_descriptor_frictionless_will_not_open_is_refused_not_a_traceback(tmp_path):
    # Frictionless validates a descriptor as it opens it: a resource's "homepage": 5, which
    # validate let through, stopped the release with a FrictionlessException's traceback.
    descriptor = {"name": "d", "resources": [{"name": "t", "path": "t.csv", "homepage": 5}]}
    (tmp_path / "datapackage.json").write_text(json.dumps(descriptor), encoding="utf-8")
    (tmp_path / "t.csv").write_text("a\n1\n", encoding="utf-8")
    with pytest.raises(ReleaseRefused, match="the released datapackage.json does not validate: .*homepage"):
        release.check_dist(tmp_path)


def test_an_excel_file_over_excels_row_limit_says_so(tmp_path, monkeypatch):
    monkeypatch.setattr(release_formats, "EXCEL_MAX_ROWS", 3)
    folder = release.make_release(
        built(tmp_path / "a", "1.0.0"), tmp_path / "dist", tmp_path / "releases", "2025-01-15"
    )
    resources = {
        r["name"]: r for r in json.loads((folder / "datapackage.json").read_text(encoding="utf-8"))["resources"]
    }
    figures = resources["figures_excel"]
    assert figures["description"].endswith(
        f"Excel opens only the first 2 of its {figures['rows']:,} rows: use the CSV, the Parquet file or the database for the rest."
    )
    # The file is whole: every row, as the CSV has them.
    assert (folder / "excel" / "figures.csv").read_bytes() == b"\xef\xbb\xbf" + (
        folder / "csv" / "figures.csv"
    ).read_bytes()
    for name, resource in resources.items():
        if name.endswith("_excel"):
            assert ("Excel opens only" in resource.get("description", "")) == (resource["rows"] + 1 > 3), name
    rows = list(csv.reader(io.StringIO((folder / "csv" / "figures.csv").read_text(encoding="utf-8"))))
    assert len(rows) - 1 == figures["rows"] > 2


def test_a_number_column_reads_as_a_double_from_json_where_its_first_rows_are_whole(tmp_path, monkeypatch):
    # The build's NUMERIC columns hold 900 as an integer, and the real figures.json had no
    # decimal in its first 20,000 lines: DuckDB's read_json_auto typed value BIGINT from its
    # sample and gave 99 for LINE's 98.7 (928 figures rounded, with no warning).
    import duckdb  # pinned in requirements.txt: its absence is a failure, not a skip

    monkeypatch.setattr(release_formats, "BATCH_ROWS", 7)
    fields = [{"name": "id", "type": "string"}, {"name": "value", "type": "number"}, {"name": "n", "type": "integer"}]
    conn = sqlite3.connect(":memory:")
    conn.execute("CREATE TABLE t (id TEXT PRIMARY KEY, value NUMERIC, n INTEGER)")
    conn.executemany("INSERT INTO t VALUES (?, ?, ?)", [(f"a{i:03}", 900 + i, i) for i in range(30)])
    conn.execute("INSERT INTO t VALUES ('b', 98.7, 30), ('c', NULL, 31), ('d', 9007199254740993, 32)")
    resource = {"name": "t", "schema": {"fields": fields, "primaryKey": ["id"]}}
    release_formats.write_table_files(conn, resource, fields, files_of(tmp_path))
    path = files_of(tmp_path)["json"]
    rows = json.loads(path.read_text(encoding="utf-8"))
    assert rows[0] == {"id": "a000", "value": 900.0, "n": 0} and type(rows[0]["n"]) is int
    assert rows[-2] == {"id": "c", "value": None, "n": 31}
    # 2**53 + 1 has no double: it stays the integer, as the database holds it.
    assert '"value": 9007199254740993,' in path.read_text(encoding="utf-8")
    # A reader that samples only the first rows, as DuckDB does on a long file.
    read = duckdb.connect().sql(f"SELECT * FROM read_json_auto('{path}', sample_size=5)")
    assert dict(zip(read.columns, map(str, read.types), strict=True)) == {
        "id": "VARCHAR",
        "value": "DOUBLE",
        "n": "BIGINT",
    }
    assert read.filter("id = 'b'").fetchall() == [("b", 98.7, 30)]


def test_duckdb_reads_a_changelog_whose_first_prose_reason_is_past_its_sample(tmp_path):
    # 1.0.0's changelog.csv listed 50,224 added figures (reasons: source ids, nothing to quote)
    # before the first correction's prose at line 50,263; DuckDB settles the quote character
    # from its first 20,480 rows, chose none, and its read_csv stopped at that line.
    import duckdb  # pinned in requirements.txt: its absence is a failure, not a skip

    added = [
        dict(zip(CHANGELOG_FIELDS, ["added", f"p-usa-{i:05}", "", "7", "", "src", "source: src"], strict=True))
        for i in range(21_000)
    ]
    prose = "correction c (2025-02-01, source: src): the table reads 1,550; 1,500 was a typo."
    changed = dict(zip(CHANGELOG_FIELDS, ["changed", "p-usa-x", "1500", "1550", "src", "src", prose], strict=True))
    path = tmp_path / "changelog.csv"
    release.write_chunks(path, release.changelog_chunks([*added, changed]))
    assert read_csv(path) == [*added, changed]
    read = duckdb.connect().sql(f"SELECT * FROM read_csv('{path}', all_varchar=true)")
    assert read.columns == CHANGELOG_FIELDS
    got = read.fetchall()
    assert len(got) == 21_001 and got[0][2] is None
    assert got[-1] == ("changed", "p-usa-x", "1500", "1550", "src", "src", prose)
