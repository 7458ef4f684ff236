"""The build's connections read their files through a memory map (files.read_through_memory_map)."""

import sqlite3
from pathlib import Path

from disclosures import build
from disclosures.files import MEMORY_MAP_BYTES, read_through_memory_map
from tests.packages import make_package


def mapped_bytes(conn: sqlite3.Connection, schema: str = "main") -> int:
    return conn.execute(f"PRAGMA {schema}.mmap_size").fetchone()[0]


def test_a_connection_and_the_files_it_attaches_later_are_mapped(tmp_path):
    conn = read_through_memory_map(sqlite3.connect(tmp_path / "a.db"))
    conn.execute("ATTACH DATABASE ? AS other", [str(tmp_path / "b.db")])
    # SQLite lowers the request to its own limit, which is still most of any file.
    assert 1 << 30 <= mapped_bytes(conn) <= MEMORY_MAP_BYTES
    assert mapped_bytes(conn, "other") == mapped_bytes(conn)
    # A plain connection maps nothing: the setting is the function's, not SQLite's default.
    assert mapped_bytes(sqlite3.connect(tmp_path / "c.db")) == 0


def test_what_is_read_through_the_map_is_what_was_written(tmp_path):
    path = tmp_path / "pages.db"
    writer = read_through_memory_map(sqlite3.connect(path))
    writer.execute("CREATE TABLE t (n INTEGER, s TEXT)")
    with writer:
        writer.executemany("INSERT INTO t VALUES (?, ?)", ((n, f"row {n}" * 20) for n in range(20_000)))
    reader = read_through_memory_map(sqlite3.connect(path))
    assert reader.execute("SELECT count(*), sum(n), max(s) FROM t").fetchone() == (
        20_000,
        sum(range(20_000)),
        max(f"row {n}" * 20 for n in range(20_000)),
    )
    # Pages rewritten after the reader mapped the file are read as written.
    with writer:
        writer.execute("UPDATE t SET s = 'changed' WHERE n % 2 = 0")
    assert reader.execute("SELECT count(*) FROM t WHERE s = 'changed'").fetchone() == (10_000,)


def test_the_build_maps_its_own_files(tmp_path, monkeypatch):
    mapped = []
    original = build.read_through_memory_map

    def spy(conn):
        mapped.append(Path(conn.execute("PRAGMA database_list").fetchone()[2]).name)
        return original(conn)

    monkeypatch.setattr(build, "read_through_memory_map", spy)
    build.build_database(make_package(tmp_path / "package"), tmp_path / "d.db")
    # The build's own connection to its temporary file and the readers beside it (checks,
    # counts), and the file the aggregates are written into; never the finished database.
    temporary = [name for name in mapped if name.startswith(".d.db.") and name.endswith(".tmp")]
    assert len(temporary) >= 3
    assert any("-aggregates." in name for name in mapped)
    assert "d.db" not in mapped
