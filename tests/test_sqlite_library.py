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


MUTEXES = """
import sqlite3
from disclosures import sqlite_library
{before}
print(sqlite_library.connections_have_mutexes())
"""


def connections_have_mutexes(before: str) -> str:
    """What ``connections_have_mutexes()`` says in a fresh process that runs ``before`` first."""
    done = subprocess.run(
        [sys.executable, "-c", MUTEXES.format(before=before)], cwd=ROOT, capture_output=True, text=True, check=True
    )
    return done.stdout.split()[-1]


def test_connections_have_mutexes_by_default_and_none_in_multi_thread_mode():
    assert connections_have_mutexes("") == "True"
    assert connections_have_mutexes("assert sqlite_library.multi_thread_mode()") == "False"


def test_multi_thread_mode_leaves_connections_in_threads_of_their_own_working():
    script = """
import sqlite3, threading
from concurrent.futures import ThreadPoolExecutor
from disclosures import sqlite_library
assert sqlite_library.multi_thread_mode()
def fill(n):
    conn = sqlite3.connect(":memory:")
    conn.execute("CREATE TABLE t (x INTEGER)")
    conn.executemany("INSERT INTO t VALUES (?)", [(i,) for i in range(20000)])
    return conn.execute("SELECT sum(x) FROM t").fetchone()[0]
with ThreadPoolExecutor(4) as pool:
    print(sorted(set(pool.map(fill, range(8)))))
"""
    done = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, check=True)
    assert done.stdout.split("\n")[0] == str([sum(range(20000))])


# The command line run as a script with ``argv``, reporting its connections' mutexes as it ends
# (validate and build end through os._exit).
COMMAND_MUTEXES = """
import os, runpy, sys
from disclosures import sqlite_library
def report(code=0):
    print(sqlite_library.connections_have_mutexes(), flush=True)
    real_exit(code)
real_exit, os._exit = os._exit, report
sys.argv = ["scripts/cli.py", *{argv!r}]
try:
    runpy.run_path("scripts/cli.py", run_name="__main__")
except SystemExit:
    report()
"""


def test_the_command_line_puts_sqlite_in_multi_thread_mode_for_the_build_alone():
    def mutexes(*argv: str) -> str:
        script = COMMAND_MUTEXES.format(argv=list(argv))
        done = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, check=True)
        return done.stdout.split()[-1]

    assert mutexes("build", "--help") == "False"
    # Datasette opens connections with check_same_thread=False: serve and the rest keep them.
    assert mutexes("validate", "--help") == "True"
    assert mutexes("--help") == "True"
