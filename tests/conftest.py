"""Shared fixtures: the expensive builds happen once per session."""

import sqlite3

import pytest

from scripts import build
from tests.packages import make_package


@pytest.fixture(scope="session")
def real_db(tmp_path_factory):
    """The repository's own data, built into a temporary folder."""
    return build.build_database(build.PACKAGE, tmp_path_factory.mktemp("real") / "disclosures.db")


@pytest.fixture(scope="session")
def base_db(tmp_path_factory):
    """The tiny base fixture package, built."""
    folder = tmp_path_factory.mktemp("base")
    return build.build_database(make_package(folder), folder / "disclosures.db")


def rows(db_path, sql, *params):
    with sqlite3.connect(db_path) as conn:
        return conn.execute(sql, params).fetchall()
