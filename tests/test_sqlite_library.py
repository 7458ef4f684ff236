"""The command line's process-wide settings (SQLite's, disclosures/sqlite_library.py, and
Arrow's), each case in a fresh process: a setting is the whole process's, and this one has
connections open."""

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

FILL = """
import sqlite3
from disclosures import sqlite_library
{before}
conn = sqlite3.connect(":memory:")
conn.execute("CREATE TABLE t (x TEXT)")
conn.executemany("INSERT INTO t VALUES (?)", [(str(i) * 20,) for i in range(10000)])
assert conn.execute("SELECT count(*), max(x) FROM t").fetchone() == (10000, "9999" * 20)
print(sqlite_library.memory_used())
"""


def held_by_sqlite(before: str) -> int:
    """Bytes ``sqlite3_memory_used()`` reports after filling a table, in a fresh process that
    runs ``before`` first."""
    done = subprocess.run(
        [sys.executable, "-c", FILL.format(before=before)], cwd=ROOT, capture_output=True, text=True, check=True
    )
    return int(done.stdout.split()[-1])


def test_sqlite_counts_its_memory_by_default():
    assert held_by_sqlite("") > 100_000


def test_without_memory_statistics_stops_the_counting_and_sqlite_still_works():
    assert held_by_sqlite("assert sqlite_library.without_memory_statistics()") == 0


# The command line run as a script (its __main__ block, with --help), in the process that then
# goes on.
RUN_THE_COMMAND_LINE = """
import runpy, sys
sys.argv = ["scripts/cli.py", "--help"]
try:
    runpy.run_path("scripts/cli.py", run_name="__main__")
except SystemExit:
    pass
"""


def test_the_command_line_turns_the_statistics_off_before_any_command():
    assert held_by_sqlite(RUN_THE_COMMAND_LINE) == 0


def test_the_command_line_gives_arrow_its_jemalloc():
    # Arrow's default mimalloc asks for transparent huge pages, zeroed 2 MB at a time.
    script = RUN_THE_COMMAND_LINE + "import pyarrow\nprint(pyarrow.default_memory_pool().backend_name)\n"
    done = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, check=True)
    assert done.stdout.split()[-1] == "jemalloc"
