"""The Makefile's file targets, on a copy of the repository: a rebuild with nothing changed is free."""

import hashlib
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.packages import ROOT

# What `make build` needs; copied with their mtimes, so the copy's .venv stays up to date.
NEEDED = [
    "Makefile",
    "datapackage.json",
    "metadata.yml",
    "settings.yml",
    "api_examples.yml",
    "requirements.txt",
    "requirements-site.txt",
    "data",
    "releases",
    "disclosures",
    "scripts",
]


@pytest.fixture(scope="module")
def repository(tmp_path_factory):
    if shutil.which("make") is None:
        pytest.fail("make is needed (apt-get install make)")
    copy = tmp_path_factory.mktemp("repository")
    for name in NEEDED:
        source = ROOT / name
        if source.is_dir():
            shutil.copytree(source, copy / name, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            shutil.copy2(source, copy / name)
    (copy / ".venv").symlink_to(ROOT / ".venv")
    return copy


def make(repository, *targets):
    run = subprocess.run(["make", "--no-print-directory", *targets], cwd=repository, capture_output=True, text=True)
    assert run.returncode == 0, run.stdout + run.stderr
    return run.stdout


def state(path):
    return path.stat().st_mtime_ns, hashlib.sha256(path.read_bytes()).hexdigest()


def test_a_second_build_with_nothing_changed_does_nothing(repository):
    database = repository / "build" / "disclosures.db"
    assert "validated and built" in make(repository, "build")
    before = state(database)
    assert "Nothing to be done for 'build'" in make(repository, "build")
    assert state(database) == before


def test_a_changed_input_rebuilds(repository):
    database = repository / "build" / "disclosures.db"
    make(repository, "build")
    before = state(database)
    events = repository / "data" / "events.csv"
    events.write_bytes(events.read_bytes())  # same bytes, newer mtime: Make must rebuild
    assert "validated and built" in make(repository, "build")
    mtime, digest = state(database)
    assert mtime > before[0] and digest == before[1]  # rebuilt, and the same bytes


def test_a_release_of_an_up_to_date_build_neither_validates_nor_builds(repository):
    make(repository, "build")
    plan = make(repository, "-n", "release")
    assert plan.strip().splitlines() == [".venv/bin/python scripts/cli.py release"]


def test_a_missing_site_file_is_rebuilt(repository):
    make(repository, "build")
    (repository / "build" / "metadata.json").unlink()
    assert "validated and built" in make(repository, "build")
    assert (repository / "build" / "metadata.json").exists()


def test_a_removed_release_record_rebuilds(repository):
    # A record removed (a release undone, a checkout from before it) leaves no file newer than
    # the build, so Make did nothing: the site went on saying that release was the latest.
    import sqlite3

    make(repository, "build")
    latest = max((repository / "releases").iterdir(), key=lambda p: tuple(map(int, p.name.split("."))))
    shutil.rmtree(latest)
    assert "validated and built" in make(repository, "build")
    with sqlite3.connect(repository / "build" / "disclosures.db") as conn:
        (recorded,) = conn.execute("SELECT latest_release FROM dataset").fetchone()
    assert recorded != latest.name


def test_the_commands_keep_the_projects_bytecode_where_the_environment_says_not_to(tmp_path):
    """PYTHONDONTWRITEBYTECODE (set where this project is built) left every command compiling the
    project's modules from source; scripts/cli.py writes their bytecode once, into __pycache__."""
    import importlib.util
    import os
    import sys

    from tests.packages import make_package

    copy = tmp_path / "repository"
    for name in ("disclosures", "scripts"):
        shutil.copytree(ROOT / name, copy / name, ignore=shutil.ignore_patterns("__pycache__"))
    package = make_package(tmp_path / "package")
    environment = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1"}
    run = subprocess.run(
        [sys.executable, "scripts/cli.py", "validate", str(package)],
        cwd=copy,
        env=environment,
        capture_output=True,
        text=True,
    )
    assert run.returncode == 0, run.stdout + run.stderr
    for module in ("validate", "arrow_validate", "rules", "table_schema"):
        source = copy / "disclosures" / f"{module}.py"
        bytecode = Path(importlib.util.cache_from_source(str(source)))
        assert bytecode.exists(), module
        # A .pyc records its source's mtime and size (bytes 8-16): Python reloads it only while they match.
        recorded = int.from_bytes(bytecode.read_bytes()[8:12], "little")
        assert recorded == int(source.stat().st_mtime) & 0xFFFFFFFF, module
