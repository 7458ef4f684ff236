"""Is the served database whole? ``/-/health.json`` answers 200 only when it is, and the server
refuses to start on a database that is missing, empty or corrupt, with a one-line message.

A database is healthy when it is a non-empty SQLite file, ``PRAGMA quick_check`` says "ok" and
its ``figures`` table has rows. The served files are immutable, so the check runs once per file
version (path, size, mtime) and its verdict is kept.
"""

from __future__ import annotations

import os
import sqlite3

import click
from datasette import hookimpl
from datasette.utils.asgi import Response

PLUGIN = "platform-disclosures"
REQUIRED_TABLE = "figures"
_verdicts: dict[tuple, str | None] = {}


def database_problem(path: str) -> str | None:
    """Why the SQLite file at ``path`` cannot be served, in one line, or None."""
    try:
        stat = os.stat(path)
    except OSError as error:
        return f"{path}: {error.strerror or 'cannot be read'}"
    key = (path, stat.st_size, stat.st_mtime_ns, stat.st_ino)
    if key not in _verdicts:
        _verdicts[key] = _check(path, stat.st_size)
    return _verdicts[key]


def _check(path: str, size: int) -> str | None:
    if size == 0:
        return f"{path} is empty (0 bytes); rebuild it with: make build"
    try:
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            (verdict,) = conn.execute("PRAGMA quick_check").fetchone()
            if verdict != "ok":
                return f"{path} is corrupt ({verdict}); rebuild it with: make build"
            (rows,) = conn.execute(f"SELECT count(*) FROM {REQUIRED_TABLE}").fetchone()
        finally:
            conn.close()
    except sqlite3.Error as error:
        return f"{path} cannot be served ({error}); rebuild it with: make build"
    if not rows:
        return f"{path} has no {REQUIRED_TABLE}; rebuild it with: make build"
    return None


def served_problems(datasette) -> list[str]:
    name = (datasette.plugin_config(PLUGIN) or {}).get("database")
    if name and name not in datasette.databases:
        return [f"the database {name} is not being served"]
    return [
        problem
        for db in datasette.databases.values()
        if not db.is_memory and db.path and (problem := database_problem(db.path))
    ]


async def health(datasette):
    problems = served_problems(datasette)
    status = 503 if problems else 200
    response = Response.json({"ok": not problems, "status": status, "problems": problems}, status=status)
    response.headers["cache-control"] = "no-store"
    return response


@hookimpl
def register_routes():
    return [(r"^/-/health\.json$", health)]


@hookimpl
def startup(datasette):
    problems = served_problems(datasette)
    if problems:
        # click prints a ClickException as one "Error: ..." line and exits 1.
        raise click.ClickException(f"refusing to serve: {problems[0]}")
