"""Rough edges of the site a break-test found: the release files' list, the full-text index's
internal tables, long echoes."""

import sqlite3

import pytest

from disclosures import site as site_module
from tests.conftest import Site


@pytest.fixture(scope="module")
def release_file_names(real_build):
    with sqlite3.connect(real_build / "disclosures.db") as conn:
        return conn.execute(
            "SELECT version, min(path), max(path) FROM release_files GROUP BY version ORDER BY version LIMIT 1"
        ).fetchone()


def test_downloads_json_is_the_list_of_release_files(real_build, tmp_path, release_file_names):
    # Datasette read /downloads.json as a database named "downloads": a 404 "Database not found".
    version, served, other = release_file_names
    (tmp_path / version / served).parent.mkdir(parents=True, exist_ok=True)
    (tmp_path / version / served).write_bytes(b"x" * 1234)
    site = Site(site_module.in_process(real_build, dist=tmp_path))
    response = site.get("/downloads.json")
    assert response.status_code == 200 and response.headers["content-type"].startswith("application/json")
    assert response.headers["access-control-allow-origin"] == "*"
    listing = response.json()
    assert listing["mounted"] is True
    release = next(r for r in listing["releases"] if r["version"] == version)
    files = {f["path"]: f for f in release["files"]}
    assert files[served] == {"path": served, "url": f"/downloads/{version}/{served}", "bytes": 1234}
    assert files[other] == {"path": other, "url": None, "bytes": None}
    # The same releases and files as the page.
    page = site.get("/downloads").text
    for each in listing["releases"]:
        assert f"Release {each['version']}" in page
        assert all(f["path"] in page for f in each["files"])


def test_downloads_json_without_a_release_folder_says_nothing_is_served(site):
    listing = site.get("/downloads.json").json()
    assert listing["mounted"] is False and listing["releases"]
    assert all(f["url"] is None and f["bytes"] is None for r in listing["releases"] for f in r["files"])
