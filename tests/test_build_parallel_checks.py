"""The build uses both cores: the figures' search index is written into a file of its own and the
loaded tables are checked, each on a connection of its own, while the build's connection indexes
and counts (build.writes_beside). A failure on either side
still fails the build and leaves the old database, the index is the one a single connection
writes, and what was checked stays as checked."""

import shutil
import sqlite3
import threading
from pathlib import Path

import pytest
import sqlite_utils

from disclosures import build, search_index
from tests.packages import make_package

REPORTED = "examplechat-usa-2024-ip_or_phone-requests_fulfilled"
FTS_SHADOW_TABLES = ["figures_fts_config", "figures_fts_data", "figures_fts_docsize", "figures_fts_idx"]


def left_in(folder):
    return sorted(p.name for p in folder.iterdir())


def fails_and_leaves_the_old_database(tmp_path, break_it, error, match):
    """A build over an earlier one, after ``break_it()``, raises ``error`` (matching ``match``);
    the old database stays as it was and nothing is left beside it."""
    target = tmp_path / "disclosures.db"
    build.build_database(make_package(tmp_path / "ok"), target)
    before = target.read_bytes()
    break_it()
    with pytest.raises(error, match=match):
        build.build_database(make_package(tmp_path / "next"), target)
    assert target.read_bytes() == before
    assert left_in(tmp_path) == ["disclosures.db", "next", "ok"]


@pytest.fixture(scope="module")
def fixture_db(tmp_path_factory):
    folder = tmp_path_factory.mktemp("beside")
    return build.build_database(make_package(folder / "package"), folder / "d.db")


def test_the_search_index_written_beside_is_the_one_a_single_connection_writes(fixture_db, tmp_path):
    again = tmp_path / "again.db"
    shutil.copy(fixture_db, again)
    with sqlite3.connect(again) as conn:
        search_index.write_figures_fts(sqlite_utils.Database(conn))
    conn.close()
    with sqlite3.connect(fixture_db) as beside, sqlite3.connect(again) as alone:
        for table in FTS_SHADOW_TABLES:
            ours = beside.execute(f"SELECT * FROM {table} ORDER BY 1").fetchall()
            assert ours, table
            assert ours == alone.execute(f"SELECT * FROM {table} ORDER BY 1").fetchall(), table
        query = "SELECT rowid FROM figures_fts WHERE figures_fts MATCH 'examplechat' ORDER BY rank"
        assert beside.execute(query).fetchall() == alone.execute(query).fetchall() != []
        # FTS5's own check: every token of every row of the view (the index's content) is indexed.
        beside.execute("INSERT INTO figures_fts (figures_fts, rank) VALUES ('integrity-check', 1)")


def test_the_published_file_is_back_in_rollback_mode_with_nothing_beside_it(fixture_db):
    # Bytes 18 and 19 of the header are 2 in WAL mode, 1 in the rollback modes; a reader opening
    # the file immutable would otherwise miss what a WAL file held.
    header = fixture_db.read_bytes()[:100]
    assert header[18:20] == b"\x01\x01"
    assert int.from_bytes(header[16:18], "big") == build.PAGE_BYTES
    assert left_in(fixture_db.parent) == ["d.db", "package"]


def damage(db):
    """A NULL where the schema says NOT NULL, written behind SQLite's back, in a table written
    beside the loaded ones (dataset, a release table), after their checks."""
    db.execute("PRAGMA writable_schema = ON")
    db.execute(
        "UPDATE sqlite_master SET sql = replace(sql, 'homepage TEXT,', 'homepage TEXT NOT NULL,') WHERE name = 'dataset'"
    )
    (version,) = db.execute("PRAGMA schema_version").fetchone()
    db.execute(f"PRAGMA schema_version = {version + 1}")  # so that the connection reads the schema again
    db.execute("PRAGMA writable_schema = OFF")


def test_a_damaged_file_fails_the_build_and_leaves_the_old_database(tmp_path, monkeypatch):
    target = tmp_path / "disclosures.db"
    build.build_database(make_package(tmp_path / "ok"), target)
    before = target.read_bytes()
    original = build.precompute.write_default_counts

    def then_damage(db, *args, **kwargs):
        original(db, *args, **kwargs)
        db.execute("UPDATE dataset SET homepage = NULL")
        damage(db)

    # The default counts are the build's last table.
    monkeypatch.setattr(build.precompute, "write_default_counts", then_damage)
    with pytest.raises(build.BuildFailed, match=r"^quick_check failed: \[\('NULL value in dataset\.homepage"):
        build.build_database(make_package(tmp_path / "next"), target)
    assert target.read_bytes() == before
    assert left_in(tmp_path) == ["disclosures.db", "next", "ok"]


def test_an_error_writing_the_search_index_fails_the_build(tmp_path, monkeypatch):
    def unwritable(path, *args):
        raise sqlite3.OperationalError(f"disk I/O error writing {path}")

    # The index is written in the child process that derives figures (build.derivation): its
    # error comes back to the build, which fails.
    fails_and_leaves_the_old_database(
        tmp_path,
        lambda: monkeypatch.setattr(build.search_index, "write_index_from_rows", unwritable),
        sqlite3.OperationalError,
        "disk I/O error",
    )


def test_a_check_failing_while_the_index_is_written_fails_the_build(tmp_path, monkeypatch):
    target = tmp_path / "disclosures.db"
    build.build_database(make_package(tmp_path / "ok"), target)
    before = target.read_bytes()
    original = build.typed_tables

    def corrupt(*args, **kwargs):
        # One reported figure's value changed once validated, on its way to the load.
        tables = original(*args, **kwargs)
        figures = tables["figures"]
        value = figures.column("value")
        figures.rows = [(*row[:value], 901, *row[value + 1 :]) if row[0] == REPORTED else row for row in figures.rows]
        return tables

    monkeypatch.setattr(build, "typed_tables", corrupt)
    with pytest.raises(build.BuildFailed, match="round trip of data/figures.csv failed"):
        build.build_database(make_package(tmp_path / "next"), target)
    assert target.read_bytes() == before
    assert left_in(tmp_path) == ["disclosures.db", "next", "ok"]


def test_a_loaded_table_cannot_change_once_checked(tmp_path, monkeypatch):
    # The round trip ran while the index was written: a later step that changed a figure would
    # publish a value no check has seen. SQLite refuses the statement instead.
    original = build.precompute.write_default_counts

    def then_change(db, *args, **kwargs):
        original(db, *args, **kwargs)
        db.execute("UPDATE figures SET value = 902 WHERE figure_id = ?", [REPORTED])

    monkeypatch.setattr(build.precompute, "write_default_counts", then_change)
    with pytest.raises(sqlite3.DatabaseError, match="not authorized"):
        build.build_database(make_package(tmp_path), tmp_path / "d.db")
    assert left_in(tmp_path) == ["data", "datapackage.json"]


def test_read_only_refuses_changes_to_its_tables_only():
    conn = sqlite3.connect(":memory:")
    conn.execute("CREATE TABLE kept (x)")
    conn.execute("CREATE TABLE other (x)")
    conn.set_authorizer(build.read_only(["kept"]))
    conn.execute("INSERT INTO other VALUES (1)")
    conn.execute("CREATE INDEX kept_x ON kept (x)")
    assert conn.execute("SELECT count(*) FROM kept").fetchone() == (0,)
    for statement in ("INSERT INTO kept VALUES (1)", "UPDATE kept SET x = 2", "DELETE FROM kept", "DROP TABLE kept"):
        with pytest.raises(sqlite3.DatabaseError, match="not authorized"):
            conn.execute(statement)


def test_site_files_read_beside_the_last_checks_wait_for_them(tmp_path, monkeypatch):
    # inspect-data.json is computed while quick_check runs: a failing check still publishes none
    # of it, and an error computing it fails the build.
    site = tmp_path / "site"
    build.build_site(make_package(tmp_path / "ok"), site)
    before = {p.name: p.read_bytes() for p in site.iterdir()}

    def refuse(db, descriptor):
        raise build.BuildFailed("simulated: quick_check failed")

    with monkeypatch.context() as patch:
        patch.setattr(build, "check_database", refuse)
        with pytest.raises(build.BuildFailed, match="simulated"):
            build.build_site(make_package(tmp_path / "next"), site)
    assert {p.name: p.read_bytes() for p in site.iterdir()} == before

    def unreadable(path, name):
        raise OSError(f"cannot read {path}")

    monkeypatch.setattr(build.site_config, "inspect_data", unreadable)
    with pytest.raises(OSError, match="cannot read"):
        build.build_site(make_package(tmp_path / "again"), site)
    assert {p.name: p.read_bytes() for p in site.iterdir()} == before


def test_an_error_while_the_index_and_checks_run_beside_fails_the_build_and_leaves_nothing(tmp_path, monkeypatch):
    # The body fails while the two threads still read the file: they are waited for, the index
    # file and the temporary database are deleted, the old database stays.
    def broken(db, facets, **kwargs):
        raise sqlite3.OperationalError("simulated: disk full while writing facet_counts")

    fails_and_leaves_the_old_database(
        tmp_path,
        lambda: monkeypatch.setattr(build.precompute, "write_default_counts", broken),
        sqlite3.OperationalError,
        "simulated: disk full",
    )


def test_an_error_writing_the_aggregates_beside_fails_the_build_and_leaves_nothing(tmp_path, monkeypatch):
    def broken(db, grouped=False):
        raise sqlite3.OperationalError("simulated: disk full while writing platform_freshness")

    fails_and_leaves_the_old_database(
        tmp_path,
        lambda: monkeypatch.setattr(build.freshness, "write_freshness_tables", broken),
        sqlite3.OperationalError,
        "simulated: disk full",
    )


AGGREGATE_TABLES = [
    "requests_and_accounts",
    "freshness_series",
    "platform_freshness",
    "series_gaps",
    "coverage",
    "coverage_cells",
]


def test_the_aggregates_written_beside_are_those_a_single_connection_writes(fixture_db, tmp_path):
    # Written in a file of their own from the loaded tables (without the body's indexes), then
    # copied in: the same tables, declarations and rows as the build's own connection writes.
    again = tmp_path / "again.db"
    shutil.copy(fixture_db, again)
    with sqlite3.connect(again) as conn:
        for table in AGGREGATE_TABLES:
            conn.execute(f"DROP TABLE {table}")
        build.write_aggregates(sqlite_utils.Database(conn))
        # On a connection that stays open the figure groups are dropped once read (the build's
        # beside its own goes without: written on a connection closed once they are).
        assert conn.execute("SELECT name FROM temp.sqlite_master").fetchall() == []
    conn.close()
    with sqlite3.connect(fixture_db) as beside, sqlite3.connect(again) as alone:
        for table in AGGREGATE_TABLES:
            declared = "SELECT sql FROM sqlite_master WHERE tbl_name = ? ORDER BY name"
            assert beside.execute(declared, [table]).fetchall() == alone.execute(declared, [table]).fetchall()
            ours = beside.execute(f"SELECT * FROM {table} ORDER BY rowid").fetchall()
            assert ours == alone.execute(f"SELECT * FROM {table} ORDER BY rowid").fetchall(), table
        assert beside.execute("SELECT count(*) FROM requests_and_accounts").fetchone()[0] > 0
        assert beside.execute("SELECT count(*) FROM platform_freshness").fetchone()[0] > 0


def test_the_index_is_copied_in_only_once_the_body_asks(tmp_path):
    # A body that forgets copy_search_index() would publish a database without its search
    # index: the build refuses it.
    db_path = build.build_database(make_package(tmp_path / "ok"), tmp_path / "d.db")
    conn = sqlite3.connect(db_path)
    db = sqlite_utils.Database(conn)
    with pytest.raises(build.BuildFailed, match="copy_search_index"), build.writes_beside(db, None):
        db.execute("CREATE TABLE written_beside (x)")
    with (
        pytest.raises(build.BuildFailed, match=r"never called copy_aggregates\(\)$"),
        build.writes_beside(db, None) as beside,
    ):
        beside.copy_search_index()
    conn.close()
    assert left_in(tmp_path) == ["d.db", "ok"]


def test_the_wal_index_exists_before_anything_reads_beside_the_body(tmp_path, monkeypatch):
    # The first read in WAL mode creates the wal-index holding the WAL's write lock; a reader
    # doing it while the body's first statement began to write made that statement fail with
    # "database is locked" (no busy wait for a transaction that has read already). So the body
    # finds it made, by its own connection, though nothing else has opened the file yet: the
    # aggregates' connection (the only other one here) waits until the body has looked.
    db_path = build.build_database(make_package(tmp_path / "ok"), tmp_path / "d.db")
    conn = sqlite3.connect(db_path)
    db = sqlite_utils.Database(conn)
    body_looked = threading.Event()
    original = build.write_beside

    def after_the_body_looked(*args):
        body_looked.wait(10)
        return original(*args)

    monkeypatch.setattr(build, "write_beside", after_the_body_looked)
    wal_index = Path(f"{db_path}-shm")
    with (
        pytest.raises(build.BuildFailed, match="never called"),
        build.writes_beside(db, None, index_written=lambda: None, aggregates=lambda aggregates_db: {}),
    ):
        try:
            # The wal-index header's isInit byte (offset 12).
            assert wal_index.read_bytes()[12] == 1
        finally:
            body_looked.set()
    conn.close()


def test_the_bodys_frames_are_copied_into_the_file_beside_it_once_the_first_readers_are_done(tmp_path):
    # The body's commits copy nothing back from the WAL (at a million figures the indexes' frames
    # took 0.8-1.0 s of its thread): beside.checkpoint() does, in a thread, once the readers that
    # began with writes_beside are done, since SQLite copies no frame newer than a reader's
    # snapshot. The file then leaves WAL mode with every row the body wrote.
    db_path = build.build_database(make_package(tmp_path / "ok"), tmp_path / "d.db")
    conn = sqlite3.connect(db_path)
    db = sqlite_utils.Database(conn)
    reading, may_finish, seen = threading.Event(), threading.Event(), []

    def slow_reader(reader):
        reader.conn.execute("BEGIN")
        seen.append(reader.execute("SELECT count(*) FROM sqlite_master WHERE name = 'written_beside'").fetchone()[0])
        reading.set()
        may_finish.wait(10)
        seen.append(reader.execute("SELECT count(*) FROM sqlite_master WHERE name = 'written_beside'").fetchone()[0])
        reader.conn.commit()

    with (
        pytest.raises(build.BuildFailed, match="never called"),
        build.writes_beside(db, slow_reader, index_written=lambda: None, aggregates=lambda aggregates_db: {}) as beside,
    ):
        assert db.execute("PRAGMA wal_autocheckpoint").fetchone()[0] == 0
        assert reading.wait(10)
        with db.atomic():
            db.execute("CREATE TABLE written_beside (x)")
            db.conn.executemany("INSERT INTO written_beside VALUES (?)", [(n,) for n in range(2000)])
        beside.checkpoint()
        (checkpoint,) = beside.checkpoints
        try:
            # Waiting for the reader: a checkpoint now would copy nothing (0 of the frames).
            assert not checkpoint.done()
            assert Path(f"{db_path}-wal").stat().st_size > 0
        finally:
            may_finish.set()
        busy, frames, copied = checkpoint.result(timeout=10)
        assert (busy, copied) == (0, frames) and frames > 0
    assert seen == [0, 0]  # the reader saw the file as it was when the body began
    assert db.execute("PRAGMA journal_mode").fetchone()[0] == "off"
    assert db.execute("PRAGMA wal_autocheckpoint").fetchone()[0] == 1000
    conn.close()
    with sqlite3.connect(db_path) as reader:
        assert reader.execute("SELECT count(*), sum(x) FROM written_beside").fetchone() == (2000, 1999 * 2000 // 2)
    reader.close()
    assert left_in(tmp_path) == ["d.db", "ok"]


def test_a_row_breaking_a_check_constraint_fails_the_build_though_checks_were_deferred(tmp_path, monkeypatch):
    # The load skips CHECK constraints (build.checks_deferred); check_loaded's scan must still
    # catch a row that breaks one. A derived figure is not round-tripped against the CSV, so only the
    # CHECK (value >= 0) can refuse this one.
    target = tmp_path / "disclosures.db"
    build.build_database(make_package(tmp_path / "ok"), target)
    before = target.read_bytes()
    original = build.derivation

    def one_negative_derived_value(figures, *args):
        # build.derivation runs in a forked child, which has this patch too.
        value = build.figure_columns(figures).index("value")
        parts = original(figures, *args)
        yield next(parts)
        rows = next(parts)
        rows[-1] = rows[-1][:value] + (-5,) + rows[-1][value + 1 :]
        yield rows
        yield from parts

    monkeypatch.setattr(build, "derivation", one_negative_derived_value)
    with pytest.raises(
        build.BuildFailed, match=r"^CHECK constraint failed in figures: \[\('[a-z0-9_-]+-derived',\)\]$"
    ):
        build.build_database(make_package(tmp_path / "next"), target)
    assert target.read_bytes() == before
    assert left_in(tmp_path) == ["disclosures.db", "next", "ok"]


def test_the_tables_written_while_figures_are_derived_keep_their_check_constraints(tmp_path, monkeypatch):
    # The release tables are written while the child derives figures, in the transaction that
    # then loads the package, with CHECKs deferred (build.checks_deferred): each table they write
    # is scanned for rows breaking one as soon as it is written, and such a row fails the build.
    original = build.release_records.write_release_tables
    inserted = []

    def then_break_a_check(db, *args):
        original(db, *args)
        db.execute("CREATE TABLE checked (x INTEGER CHECK (x > 0))")
        db.execute("INSERT INTO checked VALUES (-1)")  # deferred: the insert itself passes
        inserted.append(db.execute("SELECT x FROM checked").fetchall())

    monkeypatch.setattr(build.release_records, "write_release_tables", then_break_a_check)
    with pytest.raises(build.BuildFailed, match=r"^CHECK constraint failed in checked: \[\(1,\)\]$"):
        build.build_database(make_package(tmp_path / "next"), tmp_path / "d.db")
    assert inserted == [[(-1,)]]
    assert left_in(tmp_path) == ["next"]


def test_a_release_change_breaking_its_check_fails_the_build(tmp_path, monkeypatch):
    # release_changes.change IN ('added', 'changed', 'removed'), no longer evaluated per insert:
    # a change of another kind in a changelog still fails the build, naming the row's key.
    original = build.release_records.write_release_tables

    def with_a_renamed_change(db, descriptor, inputs, recorded, changelogs):
        recorded = {
            "0.1.0": {
                "date": "2024-01-01",
                "content_hash": "sha256:0",
                "figures": 1,
                "counts": dict.fromkeys(build.release_records.CHANGES, 0),
            }
        }
        change = dict.fromkeys(build.release_records.CHANGELOG_FIELDS, "")
        change.update(change="renamed", figure_id="f1", reason="source: s1")
        original(db, descriptor, inputs, recorded, {"0.1.0": [change]})

    monkeypatch.setattr(build.release_records, "write_release_tables", with_a_renamed_change)
    with pytest.raises(
        build.BuildFailed, match=r"^CHECK constraint failed in release_changes: \[\('0\.1\.0', 'renamed', 'f1'\)\]$"
    ):
        build.build_database(make_package(tmp_path / "next"), tmp_path / "d.db")
    assert left_in(tmp_path) == ["next"]


def test_two_equal_recency_ranks_fail_the_build_though_the_table_has_no_unique_constraint(tmp_path, monkeypatch):
    # recency_rank is unique through an index made after the load (build.UNIQUE_INDEXES): two
    # figures given one rank must still refuse the build.
    original = build.recency_ranks

    def one_rank_twice(keys):
        ranks = original(keys)
        return [ranks[1], *ranks[1:]]

    fails_and_leaves_the_old_database(
        tmp_path,
        lambda: monkeypatch.setattr(build, "recency_ranks", one_rank_twice),
        sqlite3.IntegrityError,
        r"UNIQUE constraint failed: figures\.recency_rank",
    )


def test_the_recency_rank_is_unique_by_an_index_of_its_own(fixture_db):
    conn = sqlite3.connect(fixture_db)
    indexes = conn.execute("SELECT name, \"unique\" FROM pragma_index_list('figures')").fetchall()
    columns = {
        name: [c for (c,) in conn.execute(f"SELECT name FROM pragma_index_info('{name}')")] for name, _ in indexes
    }
    assert [name for name, unique in indexes if unique and columns[name] == ["recency_rank"]] == [
        "idx_figures_recency_rank"
    ]
    conn.close()


def test_the_check_constraints_are_read_from_the_table_as_sqlite_declares_it():
    sql = """CREATE TABLE t (a TEXT CHECK (a IN ('(', 'x)''')), "check" INT, [CHECK (]x] INT, -- it's CHECK (x)
      b INT check(b > (0) /* not ( */), /* CHECK (y) */ CHECK(a <> b))"""
    assert build.check_constraints(sql) == ["a IN ('(', 'x)''')", "b > (0) /* not ( */", "a <> b"]


def test_every_check_constraint_of_the_loaded_tables_is_evaluated(fixture_db):
    # As many expressions as the table's SQL has CHECK constraints, each one SQL that SQLite
    # evaluates, and no figure of the fixture breaks one.
    conn = sqlite3.connect(fixture_db)
    for (sql,) in conn.execute("SELECT sql FROM sqlite_master WHERE type = 'table' AND name = 'figures'"):
        checks = build.check_constraints(sql)
        assert len(checks) == sql.upper().count("CHECK") == 11
        for check in checks:
            assert conn.execute(f"SELECT count(*) FROM figures WHERE NOT ({check})").fetchone() == (0,)
    conn.close()


@pytest.mark.parametrize("ahead", [0, 2, 10_000])
def test_rows_made_before_the_ranks_are_known_load_as_those_made_after(tmp_path, monkeypatch, ahead):
    # Until the child sends the derived figures' keys, reported rows are made without their
    # rank and ranked later; the rest are made with it. None, some or all made early: the
    # same database, byte for byte.
    package = make_package(tmp_path / "package")
    reference = build.build_database(package, tmp_path / "reference.db")
    monkeypatch.setattr(build.forked.Forked, "ready", lambda self: False)
    monkeypatch.setattr(build, "REPORTED_AHEAD", ahead)
    monkeypatch.setattr(build, "AHEAD_CHUNK", 1)
    ranked_later = []
    with_ranks = build.with_ranks

    def counted(rows, *args):
        ranked_later.append(len(rows))
        return with_ranks(rows, *args)

    monkeypatch.setattr(build, "with_ranks", counted)
    built = build.build_database(package, tmp_path / "built.db")
    with sqlite3.connect(built) as conn:
        (reported,) = conn.execute("SELECT count(*) FROM figures WHERE is_derived = 0").fetchone()
        ranks = conn.execute("SELECT recency_rank FROM figures ORDER BY period_end DESC, figure_id").fetchall()
    conn.close()
    assert reported > 2
    # Newest period first, ties by figure id (build.recency_ranks), whichever way a row was made.
    assert ranks == [(rank,) for rank in range(1, len(ranks) + 1)]
    # The first call ranks the reported rows made early; the second, the derived ones.
    assert ranked_later[0] == min(ahead, reported)
    assert built.read_bytes() == reference.read_bytes()


class _Fetched(list):
    def fetchall(self):
        return list(self)

    def fetchone(self):
        return self[0] if self else None


def test_the_default_counts_read_the_schema_at_one_moment(fixture_db, tmp_path, monkeypatch):
    # The build copies the search index in while another connection counts: a full-text index
    # made between two reads of the schema had its shadow tables counted as tables, and two
    # builds of one package differed.
    copy = tmp_path / "copy.db"
    shutil.copy(fixture_db, copy)
    reader = sqlite_utils.Database(sqlite3.connect(copy))
    read_schema = reader.execute
    made = []

    def then_an_index_is_made(sql, *args):
        rows = _Fetched(read_schema(sql, *args).fetchall())
        if "sqlite_master" in sql and not made:
            with sqlite3.connect(copy) as writer:
                writer.execute("CREATE VIRTUAL TABLE late_fts USING fts5(text)")
            writer.close()
            made.append(True)
        return rows

    monkeypatch.setattr(reader, "execute", then_an_index_is_made)
    counts = build.precompute.default_counts(reader, {})
    assert made
    assert "figures" in {name for name, _ in counts.tables}
    assert not [name for name, _ in counts.tables if name.startswith("late_fts")]


def test_without_fork_the_build_writes_the_same_database(fixture_db, tmp_path, monkeypatch):
    # Where the operating system cannot fork, the derivation runs in this process when asked;
    # the reported rows are then left in place for it (a forked child has its own copy).
    monkeypatch.setattr(build.forked.multiprocessing, "get_all_start_methods", lambda: ["spawn"])
    package = make_package(tmp_path / "package")
    built = build.build_database(package, tmp_path / "alone.db")
    assert built.read_bytes() == fixture_db.read_bytes()
