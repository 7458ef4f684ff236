"""The build's checks, made cheaper, still give the same answers: (a) tiny in-memory tables, (b) a
build into tmp_path that a check must refuse."""

import itertools
import random
import sqlite3
from datetime import date, timedelta

import pytest
import sqlite_utils

from disclosures import build, schema_sql, table_schema
from disclosures.files import cell_text
from tests.packages import make_package

RESOURCE = {
    "name": "things",
    "schema": {
        "fields": [
            {"name": "id", "type": "string"},
            {"name": "count", "type": "integer"},
            {"name": "share", "type": "number"},
            {"name": "day", "type": "date"},
        ]
    },
}


def cells_of(texts) -> list[tuple]:
    """``build.row_texts``' rows split into their cells, sorted."""
    return sorted(tuple(text.split(table_schema.ROW_SEPARATOR)) for text in texts)


def test_row_texts_write_every_cell_as_cell_text_does():
    db = sqlite_utils.Database(sqlite3.connect(":memory:"))
    db.execute('CREATE TABLE things (id TEXT, "count" INTEGER, share NUMERIC, day TEXT)')
    values = [
        ("a", 900, 81.5, "2024-01-01"),
        ("b", None, None, None),
        ("c", 0, 0.00001, "2024-12-31"),
        ("d", -3, 1e21, ""),
        ("e", 2**62, 2**62, "x"),
        ("f", 7, 7.0, "2024-02-29"),  # NUMERIC stores 7.0 as the integer 7
        ("g", 12, "not a number", "y"),  # text a NUMERIC column kept as text
        ("007", 1, 0.1 + 0.2, "z"),
        ("h", -(2**63), 2**63 - 1, "w"),  # whole numbers SQLite writes as text itself
        ("100% «ü»", 5, 2.5, "%s %d"),  # printf's own directives, as cells, are only text
        # An empty text, which no CSV cell loads as (an empty cell is NULL), shows as no cell reads.
        ("", 3, "", ""),
    ]
    db.conn.executemany("INSERT INTO things VALUES (?, ?, ?, ?)", values)
    expected = sorted(
        tuple(build.EMPTY_TEXT if v == "" else cell_text(v) for v in row) for row in db.execute("SELECT * FROM things")
    )
    got = cells_of(build.row_texts(db, RESOURCE))
    assert got == expected
    assert ("\x01", "3", "\x01", "\x01") in got and ("b", "", "", "") in got
    assert ("a", "900", "81.5", "2024-01-01") in got and ("c", "0", "0.00001", "2024-12-31") in got
    assert ("100% «ü»", "5", "2.5", "%s %d") in got


def test_row_texts_hash_as_the_csv_rows_do():
    db = sqlite_utils.Database(sqlite3.connect(":memory:"))
    db.execute('CREATE TABLE things (id TEXT, "count" INTEGER, share NUMERIC, day TEXT)')
    db.conn.executemany(
        "INSERT INTO things VALUES (?, ?, ?, ?)", [("a", 900, 81.5, "2024-01-01"), ("b", None, 3, None)]
    )
    csv_rows = [["b", "", "3", ""], ["a", "900", "81.5", "2024-01-01"]]
    texts = list(build.row_texts(db, RESOURCE))
    assert table_schema.texts_digest(texts) == table_schema.rows_digest(csv_rows)
    # A cell moved to its neighbour changes the digest, though every character is still there.
    assert table_schema.texts_digest(texts) != table_schema.rows_digest([["b", "3", "", ""], csv_rows[1]])


def test_row_texts_join_rows_wider_than_one_printf_takes():
    # printf takes at most 127 arguments: 250 columns are joined in three calls.
    names = [f"c{i}" for i in range(250)]
    db = sqlite_utils.Database(sqlite3.connect(":memory:"))
    db.execute(f"CREATE TABLE wide ({', '.join(f'{n} TEXT' for n in names)})")
    row = tuple(f"v{i}" if i % 7 else None for i in range(250))
    db.conn.execute(f"INSERT INTO wide VALUES ({', '.join('?' * 250)})", row)
    resource = {"name": "wide", "schema": {"fields": [{"name": n, "type": "string"} for n in names]}}
    assert cells_of(build.row_texts(db, resource)) == [tuple(cell or "" for cell in row)]


@pytest.mark.parametrize("chunk", [1, 2, 3, 1024])
def test_row_texts_read_every_row_once_by_the_chunk(monkeypatch, chunk):
    monkeypatch.setattr(build, "ROW_TEXTS_CHUNK", chunk)
    db = sqlite_utils.Database(sqlite3.connect(":memory:"))
    db.execute('CREATE TABLE things (id TEXT, "count" INTEGER, share NUMERIC, day TEXT)')
    # rowids far apart, the least SQLite allows among them, and a row of empty cells
    rowids = [-(2**63), -5, 0, 1, 2, 3, 7, 2**40, 2**63 - 1]
    rows = [(f"r{i}", i, None, None) for i in range(len(rowids) - 1)] + [(None, None, None, None)]
    for rowid, row in zip(rowids, rows, strict=True):
        db.conn.execute("INSERT INTO things (rowid, id, count, share, day) VALUES (?, ?, ?, ?, ?)", [rowid, *row])
    expected = sorted(tuple(cell_text(v) for v in row) for row in rows)
    assert cells_of(build.row_texts(db, RESOURCE)) == expected
    db.execute("DELETE FROM things")
    assert list(build.row_texts(db, RESOURCE)) == []


@pytest.mark.parametrize("first", [0, 2, 700])
def test_row_texts_read_a_row_at_a_time_past_a_chunk_longer_than_sqlite_takes(monkeypatch, first):
    # SQLite's longest text lowered to 200,000 bytes: chunks of 300 rows of 2,000 characters
    # would be 600,000. Rows before ``first`` are short, so some chunks fit and the rest do not.
    monkeypatch.setattr(build, "ROW_TEXTS_CHUNK", 300)
    conn = sqlite3.connect(":memory:")
    conn.setlimit(sqlite3.SQLITE_LIMIT_LENGTH, 200_000)
    db = sqlite_utils.Database(conn)
    db.execute('CREATE TABLE things (id TEXT, "count" INTEGER, share NUMERIC, day TEXT)')
    rows = [(f"r{i}", i, None, "x" * (10 if i < first else 2000)) for i in range(1000)]
    db.conn.executemany("INSERT INTO things VALUES (?, ?, ?, ?)", rows)
    assert cells_of(build.row_texts(db, RESOURCE)) == sorted(tuple(cell_text(v) for v in row) for row in rows)


@pytest.mark.parametrize("taken", [["rowid"], ["rowid", "_rowid_"], ["RowID", "_rowid_", "oid"]])
def test_row_texts_of_a_table_with_a_column_named_rowid(taken):
    names = [*taken, "x"]
    db = sqlite_utils.Database(sqlite3.connect(":memory:"))
    db.execute(f"CREATE TABLE t ({', '.join(f'{n} TEXT' for n in names)})")
    rows = [tuple(f"{n}{i}" for n in names) for i in range(5)]
    db.conn.executemany(f"INSERT INTO t VALUES ({', '.join('?' * len(names))})", rows)
    resource = {"name": "t", "schema": {"fields": [{"name": n, "type": "string"} for n in names]}}
    assert cells_of(build.row_texts(db, resource)) == sorted(rows)


def test_row_texts_of_figures_leave_out_the_derived_ones():
    db = sqlite_utils.Database(sqlite3.connect(":memory:"))
    db.execute("CREATE TABLE figures (figure_id TEXT, value NUMERIC, is_derived INTEGER)")
    db.conn.executemany("INSERT INTO figures VALUES (?, ?, ?)", [("r", 1.5, 0), ("s", 2, 0), ("d", 3.5, 1)])
    resource = {
        "name": "figures",
        "schema": {"fields": [{"name": "figure_id", "type": "string"}, {"name": "value", "type": "number"}]},
    }
    assert cells_of(build.row_texts(db, resource)) == [("r", "1.5"), ("s", "2")]


def test_the_one_pass_overlap_check_agrees_with_the_pairwise_one():
    randomness = random.Random(14)
    for _ in range(300):
        conn = sqlite3.connect(":memory:")
        conn.execute(
            "CREATE TABLE figures_series (figure_id, platform_id, jurisdiction_id, request_type_id, metric_id, "
            "period_start, period_end)"
        )
        crowd = randomness.choice([8, 60])
        for number in range(randomness.randrange(1, 7)):
            # Half the series crowd their starts into 8 days: equal starts, which the check's
            # order leaves in any order among themselves.
            start = date(2024, 1, 1) + timedelta(days=randomness.randrange(0, crowd))
            end = start + timedelta(days=randomness.randrange(0, 20))
            group = randomness.choice(["a", "b"])
            conn.execute(
                "INSERT INTO figures_series VALUES (?, 'p', ?, 'all', 'm', ?, ?)",
                [f"f{number}", group, start.isoformat(), end.isoformat()],
            )
        pairs = conn.execute(build.SERIES_OVERLAP_PAIRS_SQL).fetchall()
        found, read = build.first_series_overlap(sqlite_utils.Database(conn))
        assert (found is not None) == bool(pairs), pairs
        assert read == conn.execute("SELECT count(*) FROM figures_series").fetchone()[0]
        # The first, in series and start order, whose start is on or before its neighbour's end.
        members = sorted(
            ("\x1f".join(row[:4]), row[4], row[5])
            for row in conn.execute(
                "SELECT platform_id, jurisdiction_id, request_type_id, metric_id, period_start, period_end "
                "FROM figures_series"
            )
        )
        first = next(
            (
                (key, start)
                for (before, _, end), (key, start, _) in itertools.pairwise(members)
                if key == before and start <= end
            ),
            None,
        )
        assert found == first


def test_a_series_with_overlapping_periods_fails_the_build(tmp_path, monkeypatch):
    original = build.series_items

    def with_overlap(figures, derived, groups=None):
        # A figure whose period (2024) holds another member's (January–September 2024).
        return sorted({*original(figures, derived, groups), "examplechat-usa-2024-ip_or_phone-requests_fulfilled"})

    monkeypatch.setattr(build, "series_items", with_overlap)
    package = make_package(tmp_path)
    with pytest.raises(build.BuildFailed, match="figures_series has overlapping periods"):
        build.build_database(package, tmp_path / "d.db")
    assert not (tmp_path / "d.db").exists()


def test_the_one_pass_nesting_check_agrees_with_every_pair():
    randomness = random.Random(51)
    nested_seen = 0
    for _ in range(2000):
        periods = set()
        for _ in range(randomness.randrange(1, 6)):
            # Starts crowded into a few days: equal starts, equal ends and containment are common.
            start = date(2024, 1, 1) + timedelta(days=randomness.randrange(0, 6))
            periods.add((start, start + timedelta(days=randomness.randrange(0, 6))))
        pairwise = any(a != b and b[0] <= a[0] and a[1] <= b[1] for a in periods for b in periods)
        nested_seen += pairwise
        assert build.has_nesting(sorted(periods)) == pairwise, sorted(periods)
    assert 200 < nested_seen < 1800  # both answers were asked for, many times


def test_groups_with_the_same_periods_are_judged_once_and_alike(monkeypatch):
    from disclosures import table_schema

    fields = ["figure_id", "platform_id", "jurisdiction_id", "request_type_id", "metric_id"]
    fields += ["period_start", "period_end", "value_kind", "value"]
    periods = [("2024-01-01", "2024-06-30"), ("2024-07-01", "2024-12-31"), ("2024-01-01", "2024-12-31")]
    rows = []
    for platform in ("p", "q", "r"):
        for start, end in periods:
            rows.append((f"{platform}-{start}-{end}", platform, "USA", "all", "requests", start, end, "exact", 5))
    # One group with no nesting (one period), one whose nested period has no value.
    rows.append(("s-2024", "s", "USA", "all", "requests", "2024-01-01", "2024-12-31", "exact", 5))
    rows.append(("t-h1", "t", "USA", "all", "requests", "2024-01-01", "2024-06-30", "exact", None))
    rows.append(("t-2024", "t", "USA", "all", "requests", "2024-01-01", "2024-12-31", "exact", 5))
    figures = table_schema.Table("figures", fields, rows)
    judged = []
    original = build.has_nesting

    def has_nesting(found):
        judged.append(tuple(found))
        return original(found)

    monkeypatch.setattr(build, "has_nesting", has_nesting)
    candidates = build.derivable_groups(figures, {"requests": "count"})
    # p, q and r share their three periods; s, and t with a value, have the year alone.
    halves_and_year = tuple(sorted(build.period_dates(*p) for p in periods))
    assert sorted(judged) == sorted([halves_and_year, (build.period_dates("2024-01-01", "2024-12-31"),)])
    assert [row["figure_id"] for row in candidates] == [r[0] for r in rows[:9]]


def test_recency_order_is_newest_period_first_then_figure_id():
    randomness = random.Random(7)
    ends = [f"2024-0{randomness.randrange(1, 10)}-28" for _ in range(500)]
    ids = [f"f{n:04d}" for n in randomness.sample(range(10_000), 500)]
    order = build.recency_order(ends, ids)
    # Newest first: the end's ordinal negated; among one end, ids ascending.
    assert order == sorted(range(500), key=lambda i: (-date.fromisoformat(ends[i]).toordinal(), ids[i]))


def test_the_parents_order_from_the_derived_keys_is_the_childs():
    # The parent groups the reported figures by end while it waits, then puts the derived ones
    # in; the child sorts every figure. Ends shared and not, equal ids (a collision, which fails
    # the build later, still orders as recency_order does), no derived or no reported figure.
    randomness = random.Random(11)

    def id_of() -> str:
        return "".join(randomness.choice("ab-9Z") for _ in range(randomness.randrange(1, 4)))

    for _ in range(500):
        ends_pool = [f"2024-0{randomness.randrange(1, 10)}-28" for _ in range(randomness.randrange(1, 5))]
        reported = randomness.randrange(0, 40)
        ids = [id_of() for _ in range(reported)]
        ends = [randomness.choice(ends_pool) for _ in range(reported)]
        keys = [(randomness.choice([*ends_pool, "2031-12-31"]), id_of()) for _ in range(randomness.randrange(0, 12))]
        expected = build.figures_order(ids, ends, keys)
        assert build.ReportedOrder(ids, ends).with_derived(keys) == expected
        assert sorted(expected) == list(range(reported + len(keys)))


def test_coverage_matrix_counts_are_the_row_counts_of_the_matrices():
    db = sqlite_utils.Database(sqlite3.connect(":memory:"))
    db.execute("CREATE TABLE platforms (platform_id TEXT PRIMARY KEY)")
    db.execute("CREATE TABLE jurisdictions (jurisdiction_id TEXT PRIMARY KEY, name TEXT)")
    columns = "platform_id TEXT, jurisdiction_id TEXT, period_start TEXT, period_end TEXT, status TEXT"
    db.execute(f"CREATE TABLE coverage ({columns})")
    db.execute(f"CREATE TABLE coverage_cells ({columns})")
    db.conn.executemany("INSERT INTO platforms VALUES (?)", [("a",), ("b",), ("none",)])
    db.conn.executemany("INSERT INTO jurisdictions VALUES (?, ?)", [("USA", "United States"), ("DEU", "Germany")])
    cells = [
        ("a", "USA", "2024-01-01", "2024-06-30", "reported"),
        ("a", "USA", "2024-07-01", "2024-12-31", "missing"),
        ("a", "DEU", "2024-01-01", "2024-06-30", "reported"),
        # A jurisdiction jurisdictions does not hold: the matrix's join leaves it out.
        ("a", "XXX", "2024-01-01", "2024-06-30", "reported"),
        ("b", "DEU", "2024-01-01", "2024-12-31", "derived"),
    ]
    for table in ("coverage", "coverage_cells"):
        db.conn.executemany(f"INSERT INTO {table} VALUES (?, ?, ?, ?, ?)", cells)
    counted = build.coverage_matrix_counts(db)
    for platform in ("a", "b", "none"):
        db.create_view(f"{platform}_coverage", build.coverage_matrix_sql(db, platform))
    assert {name: found.total for name, found in counted.items()} == {
        name: db.execute(f"SELECT count(*) FROM {name}").fetchone()[0] for name in counted
    }
    assert counted["a_coverage"].total == 2 and counted["none_coverage"].total == 0


FIGURES_LIKE = {
    "name": "figures",
    "schema": {
        "fields": [
            {"name": "figure_id", "type": "string"},
            {"name": "platform_id", "type": "string"},
            {"name": "value", "type": "number", "constraints": {"minimum": 0}},
        ],
        "primaryKey": "figure_id",
        "foreignKeys": [{"fields": "platform_id", "reference": {"resource": "platforms", "fields": "platform_id"}}],
    },
}


def figures_like_db(rows):
    """figures as the build writes it, in small: a package field with a CHECK and a foreign key,
    and build columns with their own (unit, source_tier)."""
    db = sqlite_utils.Database(sqlite3.connect(":memory:"))
    db.execute("CREATE TABLE platforms (platform_id TEXT PRIMARY KEY)")
    db.execute("CREATE TABLE source_tiers (tier_id TEXT PRIMARY KEY)")
    db.execute("INSERT INTO platforms VALUES ('p')")
    db.execute("INSERT INTO source_tiers VALUES ('t')")
    fields = FIGURES_LIKE["schema"]["fields"]
    db.execute(
        "CREATE TABLE figures (figure_id TEXT NOT NULL PRIMARY KEY, platform_id TEXT REFERENCES platforms (platform_id), "
        f"value NUMERIC CHECK ({schema_sql.field_check(fields[2])}), is_derived INTEGER NOT NULL, "
        "unit TEXT CHECK (unit IN ('count', 'percent')), source_tier TEXT REFERENCES source_tiers (tier_id))"
    )
    with build.checks_deferred(db):
        db.conn.executemany("INSERT INTO figures VALUES (?, ?, ?, ?, ?, ?)", rows)
    return db


def test_the_checks_of_the_csv_rows_look_at_what_the_build_wrote_and_name_every_broken_row():
    descriptor = {"resources": [FIGURES_LIKE]}
    validated = build.validated_checks(descriptor)
    assert validated == {"figures": {schema_sql.field_check(FIGURES_LIKE["schema"]["fields"][2])}}
    randomness = random.Random(3)
    cases = 0
    for _ in range(400):
        rows = [
            (
                f"f{n}",
                randomness.choice(["p", "p", "p", "nowhere", None]),
                randomness.choice([1, 2, 2, -1]),
                randomness.choice([0, 0, 1]),
                randomness.choice(["count", "count", "count", "pounds"]),
                randomness.choice(["t", "t", "t", "t", "nowhere"]),
            )
            for n in range(randomness.randrange(1, 5))
        ]
        db = figures_like_db(rows)
        # What validation proved of the CSV's rows (is_derived 0): their value and platform.
        made = [row for row in rows if row[3] != 0]
        check_breaks = any(row[2] < 0 for row in made) or any(row[4] == "pounds" for row in rows)
        key_breaks = any(row[1] == "nowhere" for row in made) or any(row[5] == "nowhere" for row in rows)
        cases += check_breaks + key_breaks
        if check_breaks:
            # Named as the scan of every row and every CHECK names them.
            every = sorted((row[0],) for row in rows if row[2] < 0 or row[4] == "pounds")
            with pytest.raises(build.BuildFailed) as failed:
                build.check_rows(db, ["figures"], validated)
            assert str(failed.value) == f"CHECK constraint failed in figures: {every}"
        else:
            build.check_rows(db, ["figures"], validated)
        assert build.foreign_keys_hold(db, "figures", descriptor) == (not key_breaks), rows
        # Every row, without the split: foreign_key_check itself.
        assert build.foreign_keys_hold(db, "platforms", descriptor)
    assert 100 < cases < 700


def test_a_derived_figure_naming_no_jurisdiction_fails_the_build(tmp_path, monkeypatch):
    original = build.derivation

    def unknown_jurisdiction(figures, *args):
        # build.derivation runs in a forked child, which has this patch too.
        at = build.figure_columns(figures).index("jurisdiction_id")
        parts = original(figures, *args)
        yield next(parts)
        rows = next(parts)
        rows[-1] = rows[-1][:at] + ("XXX",) + rows[-1][at + 1 :]
        yield rows
        yield from parts

    monkeypatch.setattr(build, "derivation", unknown_jurisdiction)
    with pytest.raises(
        build.BuildFailed, match=r"^foreign_key_check failed: \[\('figures', \d+, 'jurisdictions', \d+\)"
    ):
        build.build_database(make_package(tmp_path), tmp_path / "d.db")


def test_a_series_member_naming_no_figure_fails_the_build(tmp_path, monkeypatch):
    original = build.series_items

    def with_a_stranger(figures, derived, groups=None):
        return sorted([*original(figures, derived, groups), "no-such-figure"])

    monkeypatch.setattr(build, "series_items", with_a_stranger)
    with pytest.raises(
        build.BuildFailed, match=r"^foreign_key_check failed: \[\('series_members', None, 'figures', 0\)\]$"
    ):
        build.build_database(make_package(tmp_path), tmp_path / "d.db")


def test_the_series_check_runs_once_indexed_and_reads_the_series_index_in_order(tmp_path, monkeypatch):
    # check_series runs on a connection begun after the index transaction: its pass walks the
    # series' index instead of sorting every member (at a million figures 1.8 s against 2.4).
    plans = []
    original = build.check_series

    def recording(reader):
        plans.append([row[3] for row in reader.execute(f"EXPLAIN QUERY PLAN {build.SERIES_OVERLAPS_SQL}")])
        original(reader)

    monkeypatch.setattr(build, "check_series", recording)
    build.build_database(make_package(tmp_path), tmp_path / "d.db")
    [plan] = plans
    series_index = "idx_figures_platform_id_jurisdiction_id_request_type_id_metric_id_period_start"
    assert any(step.startswith(f"SCAN figures USING INDEX {series_index}") for step in plan), plan
    assert not any("TEMP B-TREE" in step for step in plan), plan


@pytest.mark.parametrize("idle", [True, False])
def test_the_series_check_begins_once_its_index_is_committed_when_nothing_else_runs(tmp_path, monkeypatch, idle):
    # With every reader and writer beside done, the build commits what it has indexed once the
    # series' index is made and the check begins on it, beside the last indexes; otherwise it
    # begins after them. Either way the check reads that index, and the file is the same.
    begun = []
    original = build._Beside.read

    def read(self, work):
        if work is build.check_series:
            query = "SELECT name FROM sqlite_master WHERE type = 'index'"
            begun.append({name for (name,) in self.db.execute(query)})
        return original(self, work)

    monkeypatch.setattr(build._Beside, "read", read)
    monkeypatch.setattr(build._Beside, "idle", lambda self: idle)
    package = make_package(tmp_path / "package")
    build.build_database(package, tmp_path / "d.db")
    [indexes] = begun
    assert f"idx_figures_{'_'.join(build.SERIES_INDEX)}" in indexes
    assert ("idx_figures_source_tier_recency_rank" in indexes) is not idle
    monkeypatch.setattr(build._Beside, "idle", lambda self: not idle)
    build.build_database(package, tmp_path / "again.db")
    assert (tmp_path / "d.db").read_bytes() == (tmp_path / "again.db").read_bytes()


def test_the_freed_heap_is_given_back_only_where_the_c_library_can(monkeypatch):
    import ctypes

    trimmed = []

    class Glibc:
        def malloc_trim(self, pad):
            trimmed.append(pad)

    monkeypatch.setattr(ctypes, "CDLL", lambda name: Glibc())
    build.return_freed_memory()
    assert trimmed == [0]
    monkeypatch.setattr(ctypes, "CDLL", lambda name: object())  # a C library without it (musl)
    build.return_freed_memory()

    def refused(name):
        raise TypeError("Windows' CDLL takes no None")

    monkeypatch.setattr(ctypes, "CDLL", refused)
    build.return_freed_memory()
    monkeypatch.setattr(build.sys, "platform", "win32")
    monkeypatch.setattr(ctypes, "CDLL", lambda name: pytest.fail("not asked outside Linux"))
    build.return_freed_memory()
    assert trimmed == [0]
