"""The release's downloads of the repository's own data: every format, the same rows everywhere.

The release files (CSV, Excel CSV, JSON, Parquet), the database, a full walk of the API and
the streamed CSV must hold the same figures, with the same columns: the database's.
"""

import concurrent.futures
import csv
import io
import json
import multiprocessing
import re
import shutil
from urllib.parse import urlsplit

import pandas as pd
import pyarrow.parquet as pq
import pytest

from disclosures import build, paths, prod, release, release_formats
from disclosures.prod import Topology
from tests.conftest import Site, assert_error_shape, rows, unhurried


@pytest.fixture(scope="module")
def real_release(real_build, tmp_path_factory):
    root = tmp_path_factory.mktemp("real_release")
    shutil.copytree(paths.RELEASES, root / "releases")
    folder = release.make_release(real_build, root / "dist", root / "releases")
    return root, folder


@pytest.fixture(scope="module")
def released_site(real_release, tmp_path_factory):
    # The site as `make release && make build` leaves it: the build records the release just made.
    # Built in a fresh process: a site started in this one has set SQLite's process-wide heap
    # limit for serving (plugins/sql_policy.py), which a build of the real package exceeds.
    root, _ = real_release
    folder = tmp_path_factory.mktemp("released_build")
    spawn = multiprocessing.get_context("spawn")
    with concurrent.futures.ProcessPoolExecutor(1, mp_context=spawn) as pool:
        pool.submit(build.build_site, paths.PACKAGE, folder, root / "releases").result()
    return Site(unhurried(folder, dist=root / "dist"))


def db_columns(db, table):
    return [r[1] for r in rows(db, f"PRAGMA table_info({table})")]


def read_csv(data: bytes, encoding="utf-8"):
    return list(csv.DictReader(io.StringIO(data.decode(encoding), newline="")))


def test_release_files_database_api_walk_and_streamed_csv_have_the_same_rows(real_release, released_site, real_db):
    _, folder = real_release
    database = [r[0] for r in rows(real_db, "SELECT figure_id FROM figures ORDER BY figure_id")]
    assert rows(real_db, "SELECT count(*) FROM figures WHERE is_derived = 1")[0][0] > 0

    released_csv = [r["figure_id"] for r in read_csv((folder / "csv" / "figures.csv").read_bytes())]
    excel = [r["figure_id"] for r in read_csv((folder / "excel" / "figures.csv").read_bytes(), "utf-8-sig")]
    released_json = [r["figure_id"] for r in json.loads((folder / "json" / "figures.json").read_text("utf-8"))]
    parquet = pq.read_table(folder / "parquet" / "figures.parquet").column("figure_id").to_pylist()

    walked, url = [], "/disclosures/figures.json?_size=max&_shape=objects"
    while url:
        page = released_site.get(url).json()
        walked += [r["figure_id"] for r in page["rows"]]
        url = page["next_url"] and urlsplit(page["next_url"])._replace(scheme="", netloc="").geturl()
    streamed = [r["figure_id"] for r in read_csv(released_site.get("/disclosures/figures.csv?_stream=on").content)]

    assert released_csv == excel == released_json == parquet == database
    assert sorted(walked) == sorted(streamed) == database


def test_release_figures_have_every_column_of_the_database(real_release, real_db):
    _, folder = real_release
    columns = db_columns(real_db, "figures")
    assert {"is_derived", "period_label", "unit"} <= set(columns)
    header = next(csv.reader(io.StringIO((folder / "csv" / "figures.csv").read_text("utf-8"))))
    assert header == columns
    assert list(json.loads((folder / "json" / "figures.json").read_text("utf-8"))[0]) == columns
    assert pq.read_schema(folder / "parquet" / "figures.parquet").names == columns
    descriptor = json.loads((folder / "datapackage.json").read_text("utf-8"))
    figures = next(r for r in descriptor["resources"] if r["name"] == "figures")
    assert [f["name"] for f in figures["schema"]["fields"]] == columns
    assert all(f.get("description") for f in figures["schema"]["fields"])


def test_parquet_is_typed_from_the_table_schema_declared_and_reproducible(real_release, real_build):
    _, folder = real_release
    schema = pq.read_schema(folder / "parquet" / "figures.parquet")
    assert str(schema.field("period_start").type) == "date32[day]"
    assert str(schema.field("value").type) == "double"
    assert str(schema.field("is_derived").type) == "int64"
    assert str(pq.read_schema(folder / "parquet" / "jurisdictions.parquet").field("jurisdiction_id").type) == "string"
    descriptor = json.loads((folder / "datapackage.json").read_text("utf-8"))
    declared = {r["path"]: r for r in descriptor["resources"]}
    for path in ("parquet/figures.parquet", "excel/figures.csv", "csv/figures.csv"):
        assert declared[path]["hash"].startswith("sha256:") and declared[path]["bytes"]
    first = (folder / "parquet" / "figures.parquet").read_bytes()
    root, _ = real_release
    again = release.make_release(real_build, root / "dist", root / "releases")
    assert (again / "parquet" / "figures.parquet").read_bytes() == first


def test_parquet_bytes_depend_only_on_the_rows():
    fields = [{"name": "a", "type": "string"}, {"name": "d", "type": "date"}, {"name": "n", "type": "number"}]
    data = [{"a": "NA", "d": "2024-01-31", "n": 2253}, {"a": "004", "d": None, "n": None}]
    assert release_formats.parquet_bytes(fields, data) == release_formats.parquet_bytes(fields, data)
    table = pq.read_table(io.BytesIO(release_formats.parquet_bytes(fields, data)))
    assert table.column("a").to_pylist() == ["NA", "004"]


def test_excel_csv_has_a_byte_order_mark_and_codes_stay_text(real_release):
    _, folder = real_release
    data = (folder / "excel" / "jurisdictions.csv").read_bytes()
    assert data.startswith(b"\xef\xbb\xbf")
    assert "Côte d" in data.decode("utf-8-sig")
    table = pd.read_csv(folder / "excel" / "jurisdictions.csv", keep_default_na=False, dtype=str, encoding="utf-8-sig")
    namibia = table[table.jurisdiction_id == "NAM"].iloc[0]
    assert namibia["alpha2"] == "NA"
    assert table[table.jurisdiction_id == "AFG"].iloc[0]["numeric"] == "004"


def test_each_download_states_its_row_count(real_release, released_site, real_db):
    html = released_site.get("/").text
    figures = rows(real_db, "SELECT count(*) FROM figures")[0][0]
    for path in ("csv/figures.csv", "excel/figures.csv", "json/figures.json", "parquet/figures.parquet"):
        assert f">{path}</a> ({figures:,} rows)" in html, path
    _, folder = real_release
    descriptor = json.loads((folder / "datapackage.json").read_text("utf-8"))
    assert next(r for r in descriptor["resources"] if r["path"] == "csv/figures.csv")["rows"] == figures


def test_release_files_are_served_with_the_media_type_the_release_declares(real_release, released_site):
    # Datasette's static mount guessed text/plain for Parquet and the database.
    _, folder = real_release
    descriptor = json.loads((folder / "datapackage.json").read_text("utf-8"))
    declared = {r["path"]: r["mediatype"] for r in descriptor["resources"] if r.get("mediatype")}
    assert {"application/vnd.apache.parquet", "application/vnd.sqlite3"} <= set(declared.values())
    for path, mediatype in declared.items():
        response = released_site.get(f"/downloads/{folder.name}/{path}")
        assert response.status_code == 200, path
        assert response.headers["content-type"].split(";")[0] == mediatype, path
        if mediatype == "application/json":  # text says its encoding (the /api page: UTF-8)
            assert response.headers["content-type"] == f"{mediatype}; charset=utf-8", path
        if mediatype == "text/csv":  # and a CSV that its first row is the header, as the site's CSVs say
            assert response.headers["content-type"] == "text/csv; charset=utf-8; header=present", path
    # Files in SHA256SUMS only: text, with its charset (the DuckDB views were text/plain or unnamed).
    for path, mediatype in (("duckdb.sql", "application/sql"), ("CITATION.cff", "application/yaml")):
        response = released_site.get(f"/downloads/{folder.name}/{path}")
        assert response.headers["content-type"] == f"{mediatype}; charset=utf-8", path
    for resource in descriptor["resources"]:
        if resource.get("mediatype") == "text/csv" and "schema" in resource:
            first_row = (folder / resource["path"]).read_text("utf-8-sig").split("\n", 1)[0].rstrip("\r")
            assert first_row == ",".join(f["name"] for f in resource["schema"]["fields"]), resource["path"]


def test_release_files_carry_no_link_header_from_the_site_or_nginx(real_release, released_site, tmp_path):
    # The site's Link headers are RFC 8288's (plugins/link_headers.py, tests in
    # test_api_client_findings.py); a release file names no other resource, so it has none to
    # misread, served by the site or, in production, by nginx straight from the disk.
    _, folder = real_release
    descriptor = json.loads((folder / "datapackage.json").read_text("utf-8"))
    for path in ["datapackage.json", *(r["path"] for r in descriptor["resources"])]:
        response = released_site.get(f"/downloads/{folder.name}/{path}")
        assert response.status_code == 200 and "link" not in response.headers, path
    nginx = prod.render_nginx(Topology(run=tmp_path / "run"), [])
    assert re.findall(r"add_header\s+Link\b", nginx, flags=re.IGNORECASE) == []
    assert 'Access-Control-Expose-Headers "Link,' in nginx  # a script may still read the site's


def test_a_hidden_name_under_the_downloads_is_never_served(real_release, released_site):
    # A killed release left dist/.<version>.<pid>.tmp, and /downloads served its files.
    root, folder = real_release
    hidden = root / "dist" / f".{folder.name}.999999.tmp"
    hidden.mkdir(exist_ok=True)
    (hidden / "SHA256SUMS").write_text("partial\n")
    (folder / ".partial.csv").write_text("x\n")
    try:
        response = released_site.get(f"/downloads/{hidden.name}/SHA256SUMS")
        assert response.status_code == 404 and response.json()["error"] == "Not found"
        # Under a release it holds, the 404 names the files the release has (the hidden one not).
        response = released_site.get(f"/downloads/{folder.name}/.partial.csv")
        said = response.json()["error"]
        assert response.status_code == 404 and said.startswith(f"/downloads/{folder.name}/.partial.csv: release ")
        assert "SHA256SUMS" in said and ".partial.csv." not in said.split("files are", 1)[1]
        assert released_site.get(f"/downloads/{folder.name}/SHA256SUMS").status_code == 200
    finally:
        shutil.rmtree(hidden)
        (folder / ".partial.csv").unlink()


@pytest.mark.parametrize("name", ["%00", "%00.csv", "a%00b/SHA256SUMS", "x" * 300, "aaaaaaaaaa/" * 372 + "x"])
def test_a_download_name_no_file_can_have_is_a_404_not_a_500(real_release, released_site, name):
    # A NUL made Path.resolve raise ValueError, and a name longer than a file's can be OSError:
    # a 500 on every release file path, and (the long name) on Datasette's static files.
    _, folder = real_release
    paths = [f"/downloads/{folder.name}/{name}", f"/downloads/{name}", f"/static/{name}", f"/-/static/{name}"]
    for path in paths:
        assert released_site.get(path).status_code == 404, path


def test_a_missing_file_is_one_error_shape_under_every_file_mount(real_release, released_site):
    # Datasette's static handler answered "404: File not found" as text/html (and a CSV's as
    # JSON): a client saw three shapes for one mistake.
    _, folder = real_release
    for path, status in (
        (f"/downloads/{folder.name}/nope", 404),
        (f"/downloads/{folder.name}/nope.csv", 404),
        ("/static/nope.css", 404),
        ("/-/static/nope.js", 404),
        ("/static/", 403),
    ):
        response = released_site.get(path)
        assert response.status_code == status, path
        assert response.headers["content-type"] == "application/json; charset=utf-8", path
        # A release's missing file names the files it has (tests/test_downloads_page.py).
        said = response.json()["error"]
        assert response.json()["ok"] is False
        assert said in ("File not found", "Directory listing is not allowed") or said.startswith(
            f"{path}: release {folder.name} has no file "
        ), said
    assert released_site.get("/static/site.css").status_code == 200
    assert released_site.get("/downloads/").headers["content-type"].startswith("text/html")


def test_a_release_folder_leads_to_the_list_of_its_files(real_release, released_site):
    # A file's address cut back to its folder was a 403 "Directory listing is not allowed".
    _, folder = real_release
    for path in (f"/downloads/{folder.name}/", f"/downloads/{folder.name}", f"/downloads/{folder.name}/csv/"):
        response = released_site.get(path)
        assert response.status_code == 302, path
        assert response.headers["location"] == f"/downloads#release-{folder.name}", path
        assert response.headers["access-control-allow-origin"] == "*"
    assert f'<h2 id="release-{folder.name}">' in released_site.get("/downloads").text
    for missing in (f"/downloads/{folder.name}/nope/", "/downloads/nope/"):
        assert_error_shape(released_site.get(missing), 404)


def release_paths(folder) -> list[str]:
    """Every file of a release folder, as its SHA256SUMS names them, and SHA256SUMS itself."""
    lines = (folder / "SHA256SUMS").read_text(encoding="utf-8").splitlines()
    return [line.split(None, 1)[1].lstrip("*") for line in lines] + ["SHA256SUMS"]


def saved_as(response) -> tuple[str, str]:
    """(disposition type, file name) of a Content-Disposition header."""
    kind, _, parameter = response.headers["content-disposition"].partition("; ")
    assert parameter.startswith('filename="') and parameter.endswith('"'), parameter
    return kind, parameter[len('filename="') : -1]


def test_a_saved_release_file_is_named_with_the_package_and_its_release(unreleased):
    # No Content-Disposition: a browser saved csv/figures.csv as figures.csv, which says nothing of
    # the release it came from, and excel/figures.csv under the same name over it.
    folder = unreleased.dist / "1.0.0"
    package = json.loads((folder / "datapackage.json").read_text(encoding="utf-8"))["name"]
    names = {}
    for path in release_paths(folder):
        response = unreleased.site.get(f"/downloads/1.0.0/{path}")
        assert response.status_code == 200, path
        kind, names[path] = saved_as(response)
        assert names[path].startswith(f"{package}-1.0.0-"), (path, names[path])
        # Data is saved; the checksums, the package and the changelog open in the browser.
        assert kind == ("attachment" if "/" in path or path in ("disclosures.db", "changelog.csv") else "inline"), path
    assert names["csv/figures.csv"] == f"{package}-1.0.0-figures.csv"
    assert names["excel/figures.csv"] == f"{package}-1.0.0-figures-excel.csv"
    assert names["parquet/figures.parquet"] == f"{package}-1.0.0-figures.parquet"
    assert names["SHA256SUMS"] == f"{package}-1.0.0-SHA256SUMS"
    assert len(set(names.values())) == len(names), "two files of a release saved under one name"
    # A conditional or partial answer names the file too; what is no release file is not named.
    ranged = unreleased.site.get("/downloads/1.0.0/disclosures.db", headers={"Range": "bytes=0-15"})
    assert saved_as(ranged)[1] == f"{package}-1.0.0-disclosures.db"
    assert "content-disposition" not in unreleased.site.get("/downloads/1.0.0/nope.csv").headers
    assert "content-disposition" not in unreleased.site.get("/static/site.css").headers
    # The home page names a saved file as it is saved.
    assert f"<code>{names['csv/figures.csv']}</code>" in unreleased.site.get("/").text


def test_the_home_pages_database_link_is_a_file_its_sha256sums_lists(real_release, released_site):
    # After `make release && make build` the served database records the release, so its bytes
    # are not the release's: the home page's button gave a file that `sha256sum -c` refused.
    import hashlib
    import re

    _, folder = real_release
    home = released_site.get("/").text
    link = re.search(r'<a href="([^"]+)">Download the SQLite database \(release ([^)]+)\)</a>', home)
    assert link, "no release database link on the home page"
    assert link.group(1) == f"/downloads/{folder.name}/disclosures.db" and link.group(2) == folder.name
    served = released_site.get(link.group(1))
    assert served.status_code == 200
    listed = dict(line.split()[::-1] for line in (folder / "SHA256SUMS").read_text().splitlines())
    assert hashlib.sha256(served.content).hexdigest() == listed["disclosures.db"]


def test_an_unreleased_sites_database_link_says_it_is_no_release_file(unreleased):
    import re

    # Release 1.0.0's database is served under /downloads, but the data shown are 1.1.0's: the
    # button gives this site's database, said to be no release file.
    assert unreleased.site.get("/downloads/1.0.0/disclosures.db").status_code == 200
    home = unreleased.site.get("/").text
    link = re.search(r'<a href="([^"]+)"[^>]*>Download this site\'s SQLite database \(not a release file\)</a>', home)
    assert link and link.group(1) == "/disclosures.db"
    assert "Download the SQLite database (release" not in home


READ_JSON_ADVICE = "pd.read_json(path, dtype=False, precise_float=True)"


@pytest.mark.parametrize("table", ["jurisdictions", "corrections", "figures"])
def test_the_readmes_pandas_call_reads_a_json_file_as_its_parquet_file(real_release, table):
    # pandas' own guesses turned jurisdictions' numeric "004" into 4, corrections' old_value "41"
    # into 41.0, and figures' 0.83 into 0.8300000000000001.
    assert READ_JSON_ADVICE in (paths.ROOT / "README.md").read_text(encoding="utf-8")
    _, folder = real_release
    path = folder / "json" / f"{table}.json"
    read = eval(READ_JSON_ADVICE, {"pd": pd, "path": path})
    parquet = pq.read_table(folder / "parquet" / f"{table}.parquet")
    assert list(read.columns) == parquet.column_names
    for field in parquet.schema:
        expected = parquet.column(field.name).to_pylist()
        if str(field.type).startswith("date"):
            expected = [None if d is None else d.isoformat() for d in expected]
        got = [None if pd.isna(v) else v for v in read[field.name].tolist()]
        assert got == expected, field.name


def test_the_readmes_duckdb_csv_call_reads_figures_as_its_parquet_file(real_release):
    # The README warns that read_csv_auto types figures.csv's value from whole numbers and rounds
    # the decimals after them, and gives the call that does not: both hold for the real release.
    import re

    import duckdb  # pinned in requirements.txt: its absence is a failure, not a skip

    readme = (paths.ROOT / "README.md").read_text(encoding="utf-8")
    call = " ".join(re.search(r"`(read_csv\(path, types=\{.*?\}\))`", readme, re.S).group(1).split())
    _, folder = real_release
    path = (folder / "csv" / "figures.csv").as_posix()
    conn = duckdb.connect()
    parquet = f"read_parquet('{(folder / 'parquet' / 'figures.parquet').as_posix()}')"
    differing = """SELECT count(*) FROM {csv} c JOIN {parquet} p USING (figure_id)
                   WHERE c.value IS DISTINCT FROM p.value OR c.value_low IS DISTINCT FROM p.value_low
                      OR c.value_high IS DISTINCT FROM p.value_high"""
    guessed = conn.sql(differing.format(csv=f"read_csv_auto('{path}')", parquet=parquet)).fetchall()
    assert guessed[0][0] > 0
    typed = call.replace("path", f"'{path}'", 1)
    assert conn.sql(differing.format(csv=typed, parquet=parquet)).fetchall() == [(0,)]


READ_PARQUET_ADVICE = 'pd.read_parquet(path, dtype_backend="numpy_nullable")'


def test_the_readmes_pandas_call_reads_a_nullable_integer_of_parquet_as_whole_numbers(real_release):
    # pandas gave figures' year, an int64 column with empty cells, as float64: 2024.0.
    readme = " ".join((paths.ROOT / "README.md").read_text(encoding="utf-8").split())
    assert READ_PARQUET_ADVICE in readme
    _, folder = real_release
    path = folder / "parquet" / "figures.parquet"
    assert str(pd.read_parquet(path)["year"].dtype) == "float64"
    read = eval(READ_PARQUET_ADVICE, {"pd": pd, "path": path})
    assert str(read["year"].dtype) == "Int64"
    assert [None if pd.isna(v) else v for v in read["year"]] == pq.read_table(path).column("year").to_pylist()
