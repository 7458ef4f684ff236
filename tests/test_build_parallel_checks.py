"""The build's checks run on two connections side by side (build.check_database): a problem found
on either, or an error in the second thread, still fails the build and leaves the old database."""

import sqlite3

import pytest

from disclosures import build
from tests.packages import make_package

REPORTED = "examplechat-usa-2024-ip_or_phone-requests_fulfilled"


def null_in_a_not_null_column(path):
    """A file whose schema says NOT NULL over a NULL it holds: what quick_check exists to find."""
    with sqlite3.connect(path) as conn:
        conn.execute("CREATE TABLE t (x TEXT)")
        conn.executemany("INSERT INTO t VALUES (?)", [("a",), (None,)])
        conn.execute("PRAGMA writable_schema = ON")
        conn.execute("UPDATE sqlite_master SET sql = 'CREATE TABLE t (x TEXT NOT NULL)' WHERE name = 't'")
    conn.close()


def damage(db):
    """A NULL where the schema says NOT NULL, written behind SQLite's back, in a derived figure
    (which the round trip does not compare)."""
    db.execute("UPDATE figures SET notes = NULL WHERE rowid = (SELECT min(rowid) FROM figures WHERE is_derived = 1)")
    db.execute("PRAGMA writable_schema = ON")
    db.execute(
        "UPDATE sqlite_master SET sql = replace(sql, '\"notes\" TEXT,', '\"notes\" TEXT NOT NULL,') "
        "WHERE name = 'figures'"
    )
    db.execute("PRAGMA writable_schema = OFF")
    db.conn.commit()


def test_file_problems_reports_what_quick_check_finds(tmp_path):
    null_in_a_not_null_column(tmp_path / "bad.db")
    integrity, overlap = build.file_problems(str(tmp_path / "bad.db"))
    assert integrity.startswith("quick_check failed: [('NULL value in t.x")
    assert overlap is None


def test_a_damaged_file_fails_the_build_and_leaves_the_old_database(tmp_path, monkeypatch):
    target = tmp_path / "disclosures.db"
    build.build_database(make_package(tmp_path / "ok"), target)
    before = target.read_bytes()
    original = build.populate

    def then_damage(db, descriptor, tables):
        original(db, descriptor, tables)
        damage(db)

    monkeypatch.setattr(build, "populate", then_damage)
    with pytest.raises(build.BuildFailed, match=r"^quick_check failed: \[\('NULL value in figures\.notes"):
        build.build_database(make_package(tmp_path / "next"), target)
    assert target.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["disclosures.db", "next", "ok"]


def test_an_error_in_the_second_thread_fails_the_build(tmp_path, monkeypatch):
    target = tmp_path / "disclosures.db"
    build.build_database(make_package(tmp_path / "ok"), target)
    before = target.read_bytes()

    def unreadable(path):
        raise sqlite3.OperationalError(f"disk I/O error reading {path}")

    monkeypatch.setattr(build, "file_problems", unreadable)
    with pytest.raises(sqlite3.OperationalError, match="disk I/O error"):
        build.build_database(make_package(tmp_path / "next"), target)
    assert target.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["disclosures.db", "next", "ok"]


def test_a_damaged_file_is_named_before_the_round_trip_it_breaks(tmp_path, monkeypatch):
    # Both checks fail: the file's damage is the message, as when the checks ran one by one.
    original = build.populate

    def then_damage(db, descriptor, tables):
        original(db, descriptor, tables)
        damage(db)
        db.execute("UPDATE figures SET value = 902 WHERE figure_id = ?", [REPORTED])
        db.conn.commit()

    monkeypatch.setattr(build, "populate", then_damage)
    # Without the damage, the changed value fails the round trip (test_build.py).
    with pytest.raises(build.BuildFailed, match=r"^quick_check failed: \[\('NULL value in figures\.notes"):
        build.build_database(make_package(tmp_path), tmp_path / "d.db")
