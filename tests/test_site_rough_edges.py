"""Rough edges of the site a break-test found: the release files' list, the full-text index's
internal tables, long echoes."""

import html
import json
import re
import sqlite3
from urllib.parse import quote

import pytest

from tests.conftest import Site, assert_error_shape, plugin, rows, unhurried


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
    site = Site(unhurried(real_build, dist=tmp_path))
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


def test_downloads_json_without_a_release_folder_says_nothing_is_served(real_build, tmp_path):
    # A folder of its own that does not exist: the repository's dist/ exists once `make release` ran.
    site = Site(unhurried(real_build, dist=tmp_path / "dist"))
    listing = site.get("/downloads.json").json()
    assert listing["mounted"] is False and listing["releases"]
    assert all(f["url"] is None and f["bytes"] is None for r in listing["releases"] for f in r["files"])


@pytest.mark.parametrize("extension", ["csv", "xml", "db", "JSON", "tar.gz", "json.gz", "csv.zip"])
def test_downloads_in_another_format_names_the_list_and_its_page(site, extension):
    # Datasette read /downloads.csv as a database named "downloads": a 404 "Database not found".
    message = assert_error_shape(site.get(f"/downloads.{extension}"), 404)
    assert message == (
        f"/downloads has no .{extension}: the list of release files is /downloads.json (JSON), "
        "and /downloads is its page"
    )
    assert site.get("/downloads.json").status_code == 200 and site.get("/downloads").status_code == 200


def test_a_symlink_in_the_release_folder_is_neither_listed_nor_served(real_build, tmp_path, release_file_names):
    # /downloads listed a symlink with its target's size, and Datasette's static mount served
    # one whose target was inside dist/: neither is a file `make release` wrote.
    version, served, other = release_file_names
    dist = tmp_path / "dist"
    (dist / version).mkdir(parents=True)
    (dist / version / served).parent.mkdir(parents=True, exist_ok=True)
    (dist / version / served).write_bytes(b"released\n")
    outside = tmp_path / "secret.txt"
    outside.write_bytes(b"not a release file\n" * 100)
    (dist / version / other).parent.mkdir(parents=True, exist_ok=True)
    (dist / version / other).symlink_to(outside)
    inside = dist / version / "copy-of-a-release-file"
    inside.symlink_to(dist / version / served)
    (dist / "linked-version").symlink_to(dist / version, target_is_directory=True)
    site = Site(unhurried(real_build, dist=dist))

    files = {f["path"]: f for r in site.get("/downloads.json").json()["releases"] for f in r["files"]}
    assert files[other] == {"path": other, "url": None, "bytes": None}
    assert files[served]["bytes"] == len(b"released\n")
    page = site.get("/downloads").text
    assert f'href="/downloads/{version}/{other}"' not in page and "1,900 bytes" not in page

    for path in (
        f"/downloads/{version}/{other}",
        f"/downloads/{version}/{inside.name}",
        f"/downloads/linked-version/{served}",
    ):
        response = site.get(path)
        assert response.status_code == 404 and response.json()["error"] == "Not found", path
    assert site.get(f"/downloads/{version}/{served}").content == b"released\n"


@pytest.fixture(scope="module")
def shadow_tables(real_db):
    # SQLite's own list of the tables under the full-text indexes (the site cannot ask it: its
    # SQL authorizer refuses pragma functions).
    names = [r[0] for r in rows(real_db, "SELECT name FROM pragma_table_list WHERE type = 'shadow' ORDER BY name")]
    assert {"figures_fts_config", "figures_fts_data", "figures_fts_docsize", "figures_fts_idx"} <= set(names)
    return names


@pytest.fixture(scope="module")
def full_text_indexes(real_db):
    names = [r[0] for r in rows(real_db, "SELECT name FROM pragma_table_list WHERE type = 'virtual' ORDER BY name")]
    assert {"figures_fts", "sources_fts", "events_fts", "disagreements_fts"} <= set(names)
    return names


def test_the_full_text_indexes_and_their_storage_are_not_listed(site, shadow_tables, full_text_indexes):
    # Datasette listed figures_fts, figures_fts_data and the rest among the "hidden tables" and
    # in the JSON.
    internal = [*full_text_indexes, *shadow_tables]
    for path in ("/disclosures.json", "/disclosures.json?_show_hidden=1"):
        listed = {t["name"]: t for t in site.get(path).json()["tables"]}
        assert not set(internal) & set(listed), path
        assert "figures" in listed
    page = site.get("/disclosures?_show_hidden=1").text
    assert not [name for name in internal if f'href="/disclosures/{name}"' in page]
    everything = json.dumps(site.get("/.json").json())
    assert not [name for name in internal if f'"{name}"' in everything]


def test_the_full_text_indexes_storage_is_a_404_that_points_to_the_search(site, real_db, shadow_tables):
    for name in shadow_tables:
        key = ",".join("1" for column in rows(real_db, f"PRAGMA table_info([{name}])") if column[5]) or "1"
        for suffix in (".json", ".csv", f"/{key}.json"):
            message = assert_error_shape(site.get(f"/disclosures/{name}{suffix}"), 404)
            assert message.startswith(f"{name} is the internal storage of the full-text index "), message
        for suffix in ("", f"/{key}"):
            response = site.get(f"/disclosures/{name}{suffix}")
            assert response.status_code == 404 and "text/html" in response.headers["content-type"]
            assert f"{name} is the internal storage of the full-text index" in response.text
    message = assert_error_shape(site.get("/disclosures/figures_fts_data.json"), 404)
    assert message.endswith("search with /disclosures/figures?_search=")


def test_a_full_text_index_is_a_404_that_points_to_the_search_in_every_form(site, full_text_indexes):
    # Its .json and .csv showed FTS5's hidden columns (figures_fts, rank), and its rows were
    # served at /disclosures/figures_fts/1; the page itself redirected to the search. A CSV is
    # asked without _size too: plugins/downloads.py streams that one with _stream and _size added.
    for index in full_text_indexes:
        searched = index.removesuffix("_fts")
        says = f"{index} is the full-text index of {searched}, not a table of this site; "
        says += f"search with /disclosures/{searched}?_search="
        for suffix in (".json", ".json?_search=telegram", ".csv", ".csv?_size=5", "/1.json", "/1.csv"):
            assert assert_error_shape(site.get(f"/disclosures/{index}{suffix}"), 404) == says, suffix
        for suffix in ("", "?_search=telegram", "/1"):
            response = site.get(f"/disclosures/{index}{suffix}")
            assert response.status_code == 404 and "text/html" in response.headers["content-type"], suffix
            assert html.escape(says) in response.text, suffix


def test_a_full_text_index_as_a_blob_or_jsono_is_the_error_page(site, full_text_indexes):
    # /disclosures/figures_fts.blob, .jsono and /disclosures/figures_fts/1.blob were a bare
    # text/plain 404 (plugins/errors.py shapes only pages, .json and .csv), where Datasette
    # answers figures.blob and nosuch.jsono with its error page.
    for name in [*full_text_indexes, "figures_fts_data"]:
        for suffix in (".blob", ".blob?_blob_column=rank", ".jsono", "/1.blob", "/1.jsono"):
            response = site.get(f"/disclosures/{name}{suffix}")
            assert response.status_code == 404, (name, suffix)
            assert response.headers["content-type"].startswith("text/html"), (name, suffix)
            assert "not a table of this site" in response.text and "<title>Not found" in response.text


def test_search_still_reads_the_index(site):
    found = site.get("/disclosures/figures.json?_search=telegram+india&_shape=array&_size=5").json()
    assert found and all(f["platform_id"] == "telegram" for f in found)
    assert site.get("/disclosures/sources.json?_search=telegram&_shape=array&_size=1").json()
    everything = site.get("/disclosures/search_everything.json?q=telegram+india&_shape=array")
    assert everything.status_code == 200 and everything.json()
    # A SQL query may still read them: SQL names what it likes.
    counted = site.get("/disclosures.json?sql=select+count(*)+from+figures_fts_data&_shape=array").json()
    assert counted[0]["count(*)"] > 0
    ranked = "/disclosures.json?sql=select+rowid,+rank+from+figures_fts+where+figures_fts+match+'telegram'+limit+1"
    assert site.get(ranked + "&_shape=array").json()[0]["rowid"] > 0
    searched = site.get("/disclosures/figures?_search=telegram+india&_size=1")
    assert searched.status_code == 200 and "telegram" in searched.text


LONG = "a" * 3000
CUT = "a" * 200 + "…"
NOTE = " (3,000 characters in all)"
# A search is at most 500 characters (plugins/search.py): the longest is cut as well.
LONG_SEARCH = "a" * 500
SEARCH_NOTE = " (500 characters in all)"


def page_text(page: str) -> str:
    """What a page shows outside its markup, tables, scripts, styles and form fields."""
    echoes = plugin("echoes")
    return html.unescape("".join(echoes.ANSWER_MARKUP.split(page)[::3]))


@pytest.mark.parametrize(
    "path,echo",
    [
        # The page names the column by its title, then its name (plugins/control_titles.py).
        # A free-text column: a key column (platform_id) no platform has is a 400 (test_key_filters).
        (
            f"/disclosures/figures?platform_wording={LONG}",
            f'where Platform\'s wording (platform_wording) = "{CUT}"{NOTE}',
        ),
        (f"/disclosures/figures?_search={LONG_SEARCH}", f'where search matches "{CUT}"{SEARCH_NOTE}'),
        (f"/disclosures/platforms?name__not={LONG}", f'where name != "{CUT}"{NOTE}'),
    ],
)
def test_a_page_answered_200_echoes_at_most_200_characters_of_what_the_client_sent(site, path, echo):
    # The title and the "0 rows where ..." heading repeated a filter's value or search whole.
    sent = path.split("=", 1)[1]
    response = site.get(path)
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/html")
    shown = page_text(response.text)
    assert "a" * 201 not in shown and echo in shown, shown[:2000]
    assert "\\u2026" not in response.text
    title = re.search(r"<title>(.*?)</title>", response.text, re.S).group(1)
    assert len(title) < 400 and f"({len(sent):,} characters in all)" in title
    # What the client is editing or following keeps its whole value: the filter's field, the links.
    assert f'value="{sent}"' in response.text
    assert int(response.headers["content-length"]) == len(response.content)


def test_an_answers_own_rows_are_never_cut(site):
    # A query's result may be what the client sent: it is the answer, shown as Datasette shows it.
    response = site.get(f"/disclosures?sql=select+'{LONG}'+as+echoed")
    assert response.status_code == 200
    table = re.search(r"<table.*?</table>", response.text, re.S).group(0)
    assert "a" * 1000 in table
    assert f"select &#39;{LONG}&#39; as echoed" in response.text  # the SQL editor's text, whole


def test_an_input_at_the_limit_is_echoed_whole(site):
    at_limit = "a" * 200
    response = site.get(f"/disclosures/platforms?name__not={at_limit}")
    assert f'where name != "{at_limit}"' in page_text(response.text)
    assert "characters in all" not in response.text


@pytest.mark.parametrize(
    "path,echo",
    [
        (f"/disclosures/figures.json?_search={LONG_SEARCH}", f'where search matches "{CUT}"{SEARCH_NOTE}'),
        (f"/disclosures/figures.json?platform_wording={LONG}", f'where platform_wording = "{CUT}"{NOTE}'),
    ],
)
def test_a_tables_json_describes_it_as_its_page_does_with_a_long_echo_cut(site, path, echo):
    # The page's heading was cut to 200 characters; the JSON's human_description_en repeated
    # the search or the filter's value whole.
    response = site.get(path)
    assert response.status_code == 200
    data = response.json()
    assert echo in data["human_description_en"] and "a" * 201 not in data["human_description_en"]
    # The page says the same, a column named by its title before its name (plugins/control_titles.py).
    shown = data["human_description_en"].replace(
        "where platform_wording ", "where Platform's wording (platform_wording) "
    )
    assert shown in page_text(site.get(path.replace(".json", "", 1)).text)
    # Links keep the whole parameter so that they work; the query's parameters are its own.
    sent = path.split("=", 1)[1]
    assert sent in data["facet_results"]["platform_id"]["toggle_url"]
    assert sent in json.dumps(data["query"]["params"])
    assert int(response.headers["content-length"]) == len(response.content)


@pytest.mark.parametrize("shape", ["array", "objects", "arrays"])
def test_a_query_column_named_human_description_en_is_answered_whole(site, shape):
    # select :p as human_description_en answered the 3,000-character value cut to 200 and
    # "... (3,000 characters in all)": the cut was meant for a table JSON's own heading.
    path = f"/disclosures.json?sql=select+:p+as+human_description_en&p={LONG}&_shape={shape}"
    response = site.get(path)
    assert response.status_code == 200, response.text[:300]
    data = response.json()
    rows = data if shape == "array" else data["rows"]
    assert rows[0] in ({"human_description_en": LONG}, [LONG])


def test_a_tables_json_without_a_long_echo_is_left_as_datasette_wrote_it(site):
    response = site.get("/disclosures/figures.json?_search=telegram&_size=1")
    assert response.json()["human_description_en"] == 'where search matches "telegram" sorted by recency_rank'


@pytest.mark.parametrize("written", ["{version}%00/", "/{version}/", "{version}//{file}", "{version}/{file}/"])
def test_a_download_address_no_file_has_is_the_downloads_404(real_build, tmp_path, written):
    # A NUL was a text/plain "Not found", an empty part Datasette's "Path not inside root path",
    # and a slash after a file's name served the file; the other wrong addresses under /downloads/
    # are a 404 in the API's error shape, as nginx's (deploy/nginx.conf.j2) are.
    (tmp_path / "0.1.0" / "csv").mkdir(parents=True)
    (tmp_path / "0.1.0" / "csv" / "figures.csv").write_bytes(b"a,b\r\n")
    site = Site(unhurried(real_build, dist=tmp_path))
    path = "/downloads/" + written.format(version="0.1.0", file="csv/figures.csv")
    message = assert_error_shape(site.get(path), 404)
    if "{file}" in written:
        # Under a release this server holds, the 404 names its files (plugins/downloads.py).
        assert "did you mean csv/figures.csv?" in message, message
    elif written.startswith("/"):
        # An empty part where the version goes was a bare "Not found": it says why, and where to look.
        assert message == (
            f"{path}: no release file's address has an empty part (two slashes together); "
            "/downloads lists each release and its files"
        )
    else:
        assert message == "Not found"
    assert site.get("/downloads/0.1.0/csv/figures.csv").content == b"a,b\r\n"
    assert site.get("/downloads/0.1.0/").status_code == 302


@pytest.mark.parametrize("escape", ["%2F", "%2f"])
def test_a_download_address_with_a_slash_written_as_its_escape_names_no_file(real_build, tmp_path, escape):
    # Datasette's mount read csv%2Ffigures.csv as one name and said only "404: File not found"
    # (behind nginx, which decodes it, the file was served): it names no file, and says where it is.
    (tmp_path / "0.1.0" / "csv").mkdir(parents=True)
    (tmp_path / "0.1.0" / "csv" / "figures.csv").write_bytes(b"a,b\r\n")
    site = Site(unhurried(real_build, dist=tmp_path))
    path = f"/downloads/0.1.0/csv{escape}figures.csv"
    assert assert_error_shape(site.get(path), 404) == (
        f"{path}: a slash written %2F is part of a name, not a folder's end, so no release file is at this "
        "address; the file is at /downloads/0.1.0/csv/figures.csv"
    )
    nowhere = f"/downloads/0.1.0/csv{escape}other.csv"
    assert assert_error_shape(site.get(nowhere), 404).endswith("; /downloads lists each release and its files")
    page = site.get(path, headers={"Accept": "text/html"})
    assert page.status_code == 404 and "the file is at /downloads/0.1.0/csv/figures.csv" in page.text


@pytest.mark.parametrize(
    "path",
    ["/downloads.json", "/compare.json", "/chart.json", "/country/USA.json", "/platforms.json", "/telegram-map.json"],
)
@pytest.mark.parametrize("shape", ["array", "objects", "bogus"])
def test_a_pages_json_in_a_shape_is_a_400_naming_where_shapes_apply(site, path, shape):
    # A page's JSON is one object: _shape was ignored, so _shape=array answered the object as if
    # it were the array asked for. A table's JSON answers a bad _shape with a 400 too.
    message = assert_error_shape(site.get(f"{path}?_shape={shape}"), 400)
    assert message.startswith(f"_shape={shape}: {path} is one JSON object")
    assert "arrays, objects, array, arrayfirst, object" in message and ".json?_shape=array" in message
    assert site.get(path).status_code == 200
    assert site.get(f"{path.removesuffix('.json')}?_shape={shape}").status_code == 200


@pytest.mark.parametrize(
    "path", ["/compare.json", "/chart.json", "/country/USA.json", "/platforms.json", "/platform/telegram.json"]
)
@pytest.mark.parametrize(
    "option", ["_labels=on", "_size=5", "_col=name", "_sort=name", "_facet=platform_id", "_stream=on", "_search_name=x"]
)
def test_a_pages_json_given_an_option_of_a_tables_rows_is_a_400(site, path, option):
    # A page's JSON is one object and applies none of them: /compare.json?_labels=on and
    # /platforms.json?_col=name answered what they answer without, 200, where a table applies each.
    message = assert_error_shape(site.get(f"{path}?{option}"), 400)
    assert message.startswith(f"{option}: {path} is one JSON object, what its page shows, and does not apply")
    assert "/disclosures/figures.json" in message
    # Blank, or an on/off option given as off, asks for nothing; _ttl applies; the page takes any.
    name = option.split("=")[0]
    assert site.get(f"{path}?{name}=").status_code == 200
    if name in ("_labels", "_stream"):
        assert site.get(f"{path}?{name}=off").status_code == 200
    assert site.get(f"{path}?_ttl=5").headers["cache-control"] == "max-age=5"
    assert site.get(f"{path.removesuffix('.json')}?{option}").status_code == 200


@pytest.mark.parametrize("option", ["_size=1", "_labels=on", "_col=path", "_nl=on"])
def test_the_downloads_json_given_an_option_of_a_tables_rows_is_a_400(site, option):
    # Ignored: /downloads.json?_size=1 answered every release's every file, 200.
    message = assert_error_shape(site.get(f"/downloads.json?{option}"), 400)
    name = option.split("=")[0]
    assert message == (
        f"{option}: /downloads.json is one JSON object, the list of release files, and does not apply {name}, "
        "an option of a table's or a query's rows, as in /disclosures/release_files.json, which takes it"
    )
    assert site.get(f"/downloads.json?{name}=").status_code == 200
    assert site.get("/downloads.json?_ttl=5").headers["cache-control"] == "max-age=5"


@pytest.mark.parametrize("query", ["version=1.0.0", "release=1.0.0", "x="])
def test_the_downloads_json_given_a_parameter_it_does_not_read_is_a_400(site, query):
    # Ignored: /downloads.json?version=1.0.0 answered every release, 200, as if it were 1.0.0's,
    # where /countries.json?x=1 and the other pages' JSON refuse a parameter they do not read.
    name = query.split("=")[0]
    message = assert_error_shape(site.get(f"/downloads.json?{query}"), 400)
    assert (
        message
        == f"{name}: /downloads has no parameter {name!r}, so it would answer as if it were not given; it takes none"
    )
    assert site.get(f"/countries.json?{query}").status_code == 400
    # The page itself, like the other pages, reads no parameter and shows the list.
    assert site.get(f"/downloads?{query}").status_code == 200
    assert "(<code>/downloads.json</code> takes none)" in site.get("/api").text


@pytest.mark.parametrize("path", ["/disclosures/figures", "/disclosures/figures_series"])
@pytest.mark.parametrize("name", ["_sort", "_sort_desc"])
def test_a_second_sort_column_is_a_400_not_ignored(site, path, name):
    # Datasette sorted by the first _sort and ignored the second without a word (it already
    # refuses _sort with _sort_desc).
    query = f"{name}=value&{name}=figure_id&_size=2"
    said = f"{name} is given 2 times ('value', 'figure_id'): a table is sorted by one column"
    for fmt in (".json", ".csv"):
        assert assert_error_shape(site.get(f"{path}{fmt}?{query}"), 400).startswith(said)
    page = site.get(f"{path}?{query}")
    assert page.status_code == 400 and said in html.unescape(page.text)
    # The same column twice asks for one order.
    assert site.get(f"{path}.json?{name}=value&{name}=value&_size=2").status_code == 200


@pytest.mark.parametrize(
    "path",
    [
        "/disclosures/platforms.json?_shape=array&name__not=" + "x" * 300,
        "/country/USA.json?_x=" + "x" * 300,
        "/disclosures/figures.json?_size=" + "x" * 300,
        "/disclosures/platforms?name__not=" + "x" * 300,
    ],
)
def test_a_head_with_a_long_parameter_has_the_gets_content_length(site, path):
    # plugins/echoes.py cuts long echoes from the body, which a HEAD did not have: it left the
    # length out, so a HEAD of any page or JSON with a parameter over 200 characters had none.
    get = site.get(path)
    head = site.loop.run_until_complete(site.datasette.client.request("HEAD", path))
    assert head.status_code == get.status_code and head.content == b""
    assert head.headers["content-type"] == get.headers["content-type"]
    assert get.headers["content-length"] == str(len(get.content))
    if get.headers["content-type"].startswith("application/json"):
        assert head.headers["content-length"] == get.headers["content-length"]
    else:
        # An HTML page prints "Queries took 1.652ms", its own render's time, so two renders differ
        # by the width of that number and nothing else; an uncut 300-character echo would be ~300.
        took = re.search(r"Queries took ([0-9.]+)ms", get.text)
        assert took, "the page no longer says how long its queries took: compare lengths exactly"
        assert abs(int(head.headers["content-length"]) - len(get.content)) <= 4


@pytest.mark.parametrize(
    "query",
    ["period_start__date=2024-13-45", "period_start__date=2024-1-1", "period_end__date=yesterday", "value__date=x"],
)
def test_a_date_filter_with_no_day_written_yyyy_mm_dd_is_a_400_not_no_rows(site, query):
    # SQLite's date() writes a day only as YYYY-MM-DD, so these answered 200 with no rows, as if
    # no figure's period started on that day.
    key, value = query.split("=")
    for fmt in (".json", ".csv"):
        message = assert_error_shape(site.get(f"/disclosures/figures{fmt}?{query}&_size=0"), 400)
        assert message.startswith(f"{key}={value}: a date filter compares the column's day")
    page = site.get(f"/disclosures/figures?{query}")
    assert page.status_code == 400 and "a date filter compares" in html.unescape(page.text)


@pytest.mark.parametrize("query", ["year__date=2024-01-01", "value__date=2024-01-01"])
def test_a_date_filter_on_a_number_column_is_a_400_not_no_rows(site, query):
    # SQLite's date(2024) is a day in 4708 BC: year__date=2024-01-01 answered 200 with no rows.
    key, value = query.split("=")
    column = key.removesuffix("__date")
    for path in ("/disclosures/figures.json", "/disclosures/figures.csv", "/disclosures/figures_series.json"):
        message = assert_error_shape(site.get(f"{path}?{query}&_size=0"), 400)
        assert message.startswith(f"{key}={value}: {column} holds numbers, and a date filter reads a number as a")


def test_a_date_filter_with_a_real_day_still_filters(site, real_db):
    (expected,) = rows(real_db, "SELECT count(*) FROM figures WHERE period_start = '2024-01-01'")[0]
    answer = site.get("/disclosures/figures.json?period_start__date=2024-01-01&_size=0")
    assert answer.status_code == 200 and answer.json()["filtered_table_rows_count"] == expected > 0


@pytest.mark.parametrize(
    ("path", "name"),
    [
        ("/disclosures/figures.json?_search=telegram&_search=germany", "_search"),
        ("/disclosures/figures.csv?_size=1&_size=2", "_size"),
        ("/disclosures/figures.json?_shape=array&_shape=objects", "_shape"),
        ("/disclosures/sources.json?_search_title=a&_search_title=b", "_search_title"),
        ("/disclosures/figures_series.json?_next=10&_next=20", "_next"),
        ("/disclosures.json?sql=select+1&_shape=array&_shape=arrayfirst", "_shape"),
        # Two ways of writing a value are one value; a different value is still refused.
        ("/disclosures/figures.json?_labels=on&_labels=0", "_labels"),
        ("/disclosures/figures.csv?_stream=on&_stream=off", "_stream"),
        ("/disclosures/figures.json?_size=2&_size=020", "_size"),
    ],
)
def test_an_option_read_once_given_twice_differently_is_a_400(site, path, name):
    # Datasette read the first value alone: _search=telegram&_search=germany answered the
    # figures that say telegram, 200, as if germany had been searched for too.
    message = assert_error_shape(site.get(path), 400)
    assert message.startswith(f"{name} is given 2 times (") and "only the first would be read" in message


def test_an_option_given_twice_with_the_same_value_and_lists_still_answer(site):
    assert site.get("/disclosures/figures.json?_size=1&_size=1&_search=telegram&_search=telegram").status_code == 200
    listed = site.get(
        "/disclosures/figures.json?_size=0&_facet=platform_id&_facet=metric_id&_col=value&_col=period_start"
    )
    assert listed.status_code == 200 and {f["name"] for f in listed.json()["facet_results"].values()} >= {
        "platform_id",
        "metric_id",
    }
    assert site.get("/disclosures/figures?_size=5&_size=5").status_code == 200


@pytest.mark.parametrize(
    ("repeated", "once"),
    [
        ("_labels=on&_labels=1&_size=1", "_labels=on&_size=1"),
        ("_labels=OFF&_labels=false&_size=1", "_labels=off&_size=1"),
        ("_size=2&_size=02", "_size=2"),
        ("_size=0&_size=000", "_size=0"),
        ("_nofacet=1&_nofacet=true&_size=1", "_nofacet=1&_size=1"),
        ("_ttl=60&_ttl=060&_size=1", "_ttl=60&_size=1"),
    ],
)
def test_an_option_given_twice_with_two_ways_of_writing_one_value_answers_as_once(site, repeated, once):
    # _labels=on&_labels=1 and _size=2&_size=02 were refused as given twice differently.
    answer = site.get(f"/disclosures/figures.json?{repeated}")
    assert answer.status_code == 200, answer.text[:300]
    assert answer.json()["rows"] == site.get(f"/disclosures/figures.json?{once}").json()["rows"]


def test_a_csv_option_given_twice_with_two_ways_of_writing_one_value_answers_as_once(site):
    once = site.get("/disclosures/figures.csv?platform_id=telegram&_stream=on")
    answer = site.get("/disclosures/figures.csv?platform_id=telegram&_stream=on&_stream=1&_size=2&_size=02")
    assert answer.status_code == 200 and answer.text == once.text and answer.text.count("\n") > 3


@pytest.mark.parametrize(
    ("through", "lacks"),
    [
        ('{"table": "figures"}', '"column" and no "value"'),
        ('{"column": "jurisdiction_id", "value": "USA"}', '"table"'),
        ('{"table": "figures", "value": "USA"}', '"column"'),
    ],
)
def test_a_through_object_lacking_a_key_says_which(site, through, lacks):
    # {"table": "figures"} was told "figures has no column None", and one without "table"
    # "table None has no foreign key to platforms".
    message = assert_error_shape(site.get(f"/disclosures/platforms.json?_through={quote(through)}"), 400)
    assert (
        message
        == f'_through must be a JSON object {{"table": ..., "column": ..., "value": ...}}; this one has no {lacks}'
    )
    assert "None" not in message


def test_a_whole_through_object_still_selects_rows(site):
    through = quote('{"table": "figures", "column": "jurisdiction_id", "value": "USA"}')
    answer = site.get(f"/disclosures/platforms.json?_through={through}&_shape=array&_col=name")
    assert answer.status_code == 200 and {"platform_id": "telegram", "name": "Telegram"} in answer.json()


@pytest.mark.parametrize(
    ("typed", "page"),
    [
        ("/figures", "/disclosures/figures"),
        ("/figures/", "/disclosures/figures"),
        ("/figures?platform_id=telegram", "/disclosures/figures?platform_id=telegram"),
        ("/search?q=telegram", "/disclosures/search_everything?q=telegram"),
    ],
)
def test_the_navigations_figures_and_search_typed_as_an_address_lead_to_their_pages(site, typed, page):
    # The navigation says "Figures" and has a search box; /figures and /search were Datasette's
    # 404 "Database not found".
    answer = site.get(typed)
    assert answer.status_code == 302 and answer.headers["location"] == page
    assert site.get(page).status_code == 200
    if "?q=" in page:  # the search box's own parameter: the search is made
        found = site.get(page.replace("search_everything?", "search_everything.json?_shape=array&")).json()
        assert found and all("telegram" in row["text"].lower() for row in found[:3])


@pytest.mark.parametrize(
    ("path", "key"),
    [
        ("/disclosures/figures.json?_nocol=figure_id&_size=1", "figure_id"),
        ("/disclosures/platforms.csv?_nocol=platform_id", "platform_id"),
        ("/disclosures/requests_and_accounts.json?_nocol=jurisdiction_id&_size=1", "jurisdiction_id"),
    ],
)
def test_hiding_a_tables_key_says_the_key_is_kept(site, path, key):
    # Datasette said "_nocol=figure_id - invalid columns", of a column the table has.
    table = path.split("/")[2].split(".")[0]
    message = assert_error_shape(site.get(path), 400)
    assert message.startswith(f"_nocol={key}: {key} is {table}'s key, which every row keeps")


def test_an_unknown_column_to_show_or_hide_lists_the_columns(site):
    message = assert_error_shape(site.get("/disclosures/platforms.json?_col=nmae"), 400)
    assert message.startswith("_col=nmae: platforms has no column 'nmae'; its columns are: platform_id, name, ")
    page = site.get("/disclosures/platforms?_nocol=nmae")
    assert page.status_code == 400 and "platforms has no column &#39;nmae&#39;" in page.text


def test_other_columns_are_still_shown_and_hidden(site):
    shown = site.get("/disclosures/platforms.json?_col=name&_shape=array&_size=1").json()
    assert set(shown[0]) == {"platform_id", "name"}
    hidden = site.get("/disclosures/platforms.json?_nocol=name&_shape=array&_size=1").json()
    assert "name" not in hidden[0] and "platform_id" in hidden[0]
    view = site.get("/disclosures/figures_series.json?_nocol=quote&_size=1")
    assert view.status_code == 200 and "quote" not in view.json()["columns"]


@pytest.mark.parametrize("hidden", ["figure_id", "figure_id&_nocol=value_text", "is_derived"])
def test_a_views_page_without_its_figure_id_shows_its_values(site, hidden):
    # figures_series is a view, so figure_id is no key a row keeps: its value cells read
    # row["figure_id"] to link the figure's page, and the page was a 500.
    path = f"/disclosures/figures_series?platform_id=telegram&jurisdiction_id=USA&_sort=period_start&_size=3&_nocol={hidden}"
    page = site.get(path)
    assert page.status_code == 200, page.text[:300]
    expected = site.get(path.replace("figures_series?", "figures_series.json?") + "&_shape=array").json()
    cells = re.findall(r'<td class="col-value type-[a-z]+">(.*?)</td>', page.text, re.S)
    assert len(cells) == len(expected) == 3
    for cell, row in zip(cells, expected, strict=True):
        shown = row.get("value_text") or str(row["value"])
        assert html.unescape(re.sub(r"<[^>]+>", "", cell)).strip().startswith(shown)
        assert ("/figure/" in cell) == ("figure_id" in row)


@pytest.mark.parametrize(
    ("path", "unknown", "takes"),
    [
        ("/disclosures/search_everything.json?term=telegram", "term", "its parameters are: q"),
        ("/disclosures/compare_platforms.csv?jurisdiction=USA&platform=telegram", "platform", "jurisdiction"),
        ("/disclosures/compare_platforms.json?jurisdiction=USA&sql=select+1", "sql", "jurisdiction"),
        ("/disclosures/telegram_coverage_matrix.json?platform=telegram", "platform", "it takes none"),
    ],
)
def test_a_canned_querys_json_or_csv_given_a_parameter_it_does_not_take_is_a_400(site, path, unknown, takes):
    # Datasette ignored it: search_everything.json?term=telegram answered [], 200, as if nothing
    # said telegram (the search box's parameter is q).
    message = assert_error_shape(site.get(path), 400)
    assert message.startswith(f"{unknown}: ") and f"has no parameter {unknown!r}" in message and takes in message


def test_a_canned_query_with_its_own_parameters_and_options_still_answers(site):
    found = site.get("/disclosures/search_everything.json?q=telegram&_shape=array")
    assert found.status_code == 200 and found.json()
    assert site.get("/disclosures/compare_platforms.csv?jurisdiction=USA&_size=max&_dl=1").status_code == 200
    assert site.get("/disclosures/telegram_coverage_matrix.json?_shape=array").status_code == 200
    # Its page shows the form, as for a missing parameter.
    assert site.get("/disclosures/search_everything?term=telegram").status_code == 200


@pytest.mark.parametrize(
    ("path", "unknown", "reads"),
    [
        ("/chart.json?platfrom=google", "platfrom", "its parameters are: platform, jurisdiction, request_type, metric"),
        ("/chart.json?platform=google&jursdiction=DEU", "jursdiction", "platform, jurisdiction"),
        ("/compare.json?juris=DEU", "juris", "its parameters are: jurisdiction, platform"),
        ("/telegram-map.json?perod=2024-10-01_2024-12-31", "perod", "its parameters are: metric, period"),
        ("/country/DEU.json?platform=google", "platform", "it takes none"),
        ("/platforms.json?platform=google", "platform", "it takes none"),
    ],
)
def test_an_explore_pages_json_given_a_parameter_it_does_not_read_is_a_400(site, path, unknown, reads):
    # Ignored, it answered the page's default: /chart.json?platfrom=google was Telegram's chart
    # of the United States, 200, as if it were Google's.
    page = path.split("?")[0].removesuffix(".json").split("/")[1]
    message = assert_error_shape(site.get(path), 400)
    assert message.startswith(f"{unknown}: /{page} has no parameter {unknown!r}") and reads in message


def test_an_explore_pages_json_with_its_own_parameters_and_its_page_with_any_still_answer(site):
    chart = site.get("/chart.json?platform=google&jurisdiction=DEU&request_type=all&metric=requests_received&_ttl=60")
    assert chart.status_code == 200 and chart.json()["selected"]["jurisdictions"] == ["DEU"]
    assert site.get("/compare.json?jurisdiction=DEU&platform=google").status_code == 200
    assert site.get("/telegram-map.json?metric=accounts_affected").status_code == 200
    assert site.get("/country/DEU.json").status_code == 200
    # A page shows its form, with what it drew.
    assert site.get("/chart?platfrom=google").status_code == 200


PLATFORM_SQL = quote("select figure_id from figures where platform_id = :platform limit 3")


@pytest.mark.parametrize(
    ("query", "said"),
    [
        (
            f"sql={PLATFORM_SQL}&platfrom=telegram",
            "sql: the query's parameter :platform is not given, so it would run as blank; add platform=...",
        ),
        (
            f"sql={PLATFORM_SQL}&platform=telegram&jurisdiction=USA",
            "jurisdiction: the query has no parameter :jurisdiction, so it would answer as if it were not given; "
            "its parameters are: platform",
        ),
        ("sql=select+1&platform=telegram", "platform: the query has no parameter :platform"),
    ],
)
def test_a_sql_querys_json_or_csv_without_its_parameter_or_with_another_is_a_400(site, query, said):
    # The missing parameter ran as blank and the other was ignored: the first answered [], 200,
    # as if Telegram had no figures.
    for fmt in (".json", ".csv"):
        assert assert_error_shape(site.get(f"/disclosures{fmt}?{query}"), 400).startswith(said)


def test_a_sql_query_with_its_parameters_still_answers_and_its_page_shows_their_fields(site):
    found = site.get(f"/disclosures.json?sql={PLATFORM_SQL}&platform=telegram&_shape=array")
    assert found.status_code == 200 and len(found.json()) == 3
    # A parameter given blank is given, and a colon inside a string is no parameter.
    blank = site.get(f"/disclosures.json?sql={PLATFORM_SQL}&platform=&_shape=array")
    assert blank.status_code == 200 and blank.json() == []
    assert site.get("/disclosures.json?sql=" + quote("select 'a:b' as x") + "&_shape=array").json() == [{"x": "a:b"}]
    page = site.get(f"/disclosures?sql={PLATFORM_SQL}")
    assert page.status_code == 200 and 'name="platform"' in page.text


@pytest.mark.parametrize("prefix", [":", "@", "$"])
def test_a_sql_querys_parameter_may_be_written_with_any_prefix_sqlite_binds(site, prefix):
    # SQLite binds :x, @x and $x alike by name; @x and $x given x=telegram were refused, "the query
    # has no parameter :platform".
    sql = quote(f"select figure_id from figures where platform_id = {prefix}platform limit 3")
    for fmt in (".json", ".csv"):
        found = site.get(f"/disclosures{fmt}?sql={sql}&platform=telegram&_shape=array")
        assert found.status_code == 200 and found.text.count("telegram-") == 3
    # The message names the parameter as the query writes it: @platform was said to be ":platform".
    said = f"sql: the query's parameter {prefix}platform is not given, so it would run as blank; add platform=..."
    for fmt in (".json", ".csv"):
        assert assert_error_shape(site.get(f"/disclosures{fmt}?sql={sql}"), 400).startswith(said)
    message = assert_error_shape(site.get(f"/disclosures.json?sql={sql}&platform=telegram&other=1"), 400)
    assert message.startswith("other: the query has no parameter :other")
    # Its page has a field for it, as for :platform: @platform and $platform were a 400, "You did
    # not supply a value for binding parameter :platform", with no field to give it in.
    page = site.get(f"/disclosures?sql={sql}")
    assert page.status_code == 200 and 'name="platform" value=""' in page.text
    filled = site.get(f"/disclosures?sql={sql}&platform=telegram")
    assert filled.status_code == 200 and 'name="platform" value="telegram"' in filled.text
    assert filled.text.count("telegram-") >= 3
    # In a string, a quoted name or a comment it is no parameter.
    for written, row in [
        (f"select '{prefix}a' as x -- {prefix}d", {"x": f"{prefix}a"}),
        (f'select 1 as "{prefix}b" /* {prefix}e */', {f"{prefix}b": 1}),
        (f"select [{prefix}c] from (select 1 as [{prefix}c])", {f"{prefix}c": 1}),
    ]:
        assert site.get(f"/disclosures.json?sql={quote(written)}&_shape=array").json() == [row]


@pytest.mark.parametrize("prefix", [":", "@", "$"])
def test_a_canned_querys_parameter_may_be_written_with_any_prefix_sqlite_binds(prefix):
    parameters = plugin("parameters")
    sql = f"select * from figures where platform_id = {prefix}platform"
    assert parameters.unknown_query_parameter_problem("q", sql, [("platform", "telegram")], "json") is None
    refused = parameters.unknown_query_parameter_problem("q", sql, [("other", "1")], "json")
    assert refused.startswith("other: q has no parameter 'other'") and "its parameters are: platform" in refused


def test_the_api_page_lists_the_new_400s(site):
    text = html.unescape(re.sub(r"<[^>]+>", "", site.get("/api").text))
    assert "an option read once (_size, _shape, _search, _next, …)" in text
    assert "a column__date value that is no day written YYYY-MM-DD" in text
    assert "a table's _where, _search, _col, _nocol, _through or _facet given to a query" in text
    assert "a parameter that a query's, a row's or an explore page's .json or .csv does not take" in text
    assert "or a ?sql= query's :parameter (or @parameter, $parameter) missing from its .json or .csv" in text


@pytest.mark.parametrize(
    "path",
    [
        "/disclosures/figures/telegram-usa-2024-ip_or_phone-requests_fulfilled.json?platform_id=google",
        "/disclosures/figures/telegram-usa-2024-ip_or_phone-requests_fulfilled.csv?value__gt=5",
        "/disclosures/platforms/telegram.json?name=Google&_shape=array",
    ],
)
def test_a_rows_json_or_csv_given_a_filter_is_a_400_that_points_to_the_table(site, path):
    # Ignored: the Telegram figure answered 200 to platform_id=google, as if it were Google's.
    key = path.split("?")[1].split("=")[0].split("__")[0]
    table = path.split("/")[2]
    fmt = path.split("?")[0].rsplit(".", 1)[1]
    message = assert_error_shape(site.get(path), 400)
    assert message.startswith(f"{path.split('?')[1].split('=')[0]}: a row's .{fmt} is the one row")
    assert f"/disclosures/{table}.{fmt}?{key}" in message


@pytest.mark.parametrize(
    "path",
    [
        "/disclosures/figures/telegram-usa-2024-ip_or_phone-requests_fulfilled.json?_labels=on",
        "/disclosures/figures/telegram-usa-2024-ip_or_phone-requests_fulfilled.csv?_col=value",
        "/disclosures/figures/telegram-usa-2024-ip_or_phone-requests_fulfilled.json?_sort=value",
        "/disclosures/platforms/telegram.json?_facet=name&_shape=array",
        "/disclosures/platforms/telegram.json?_size=5",
        "/disclosures/platforms/telegram.csv?_search_name=x",
    ],
)
def test_a_rows_json_or_csv_given_an_option_of_a_tables_rows_is_a_400(site, path):
    # Ignored: figures/<id>.json?_col=value answered every column, and _labels=on no labels, 200.
    table, fmt = path.split("/")[2], path.split("?")[0].rsplit(".", 1)[1]
    key, value = next(pair.split("=") for pair in path.split("?")[1].split("&") if pair.split("=")[0] != "_shape")
    message = assert_error_shape(site.get(path), 400)
    assert message == (
        f"{key}={value}: a row's .{fmt} is the one row its address names, and {key} (an option of a table's rows) "
        f"does not apply to it; use the table, as /disclosures/{table}.{fmt}?{key}=..."
    )
    # Blank or off asks for nothing; the options of the row's format still apply.
    row = path.split("?")[0]
    if key != "_size":  # a blank _size is a 400 anywhere
        assert site.get(f"{row}?{key}=").status_code == 200
    assert site.get(f"{row}?_labels=off").status_code == 200
    if fmt == "json":
        assert site.get(f"{row}?_shape=array&_nl=on").status_code == 200
        assert site.get(f"{row}?_extras=foreign_key_tables").status_code == 200


def test_a_rows_json_and_page_with_options_still_answer(site):
    row = site.get("/disclosures/platforms/telegram.json?_shape=array")
    assert row.status_code == 200 and row.json()[0]["platform_id"] == "telegram"
    assert site.get("/disclosures/platforms/telegram?_json=name&_labels=off&_col=").status_code == 200


def error_page_message(response) -> str:
    """The message of Datasette's HTML error page, unescaped."""
    box = re.search(r'border: 3px solid red;[^"]*">(.*?)</div>', response.text, re.DOTALL)
    return html.unescape(box.group(1).strip())


@pytest.mark.parametrize(
    ("query", "message"),
    [
        (
            "name=Google",
            "name: a row's page is the one row its address names and takes no filter; "
            "filter the table instead, as /disclosures/platforms?name=...",
        ),
        (
            "_col=name",
            "_col=name: a row's page is the one row its address names, and _col (an option of a table's rows) "
            "does not apply to it; use the table, as /disclosures/platforms?_col=...",
        ),
        (
            "_nocol=name",
            "_nocol=name: a row's page is the one row its address names, and _nocol (an option of a table's rows) "
            "does not apply to it; use the table, as /disclosures/platforms?_nocol=...",
        ),
    ],
)
def test_a_rows_page_refuses_what_its_json_refuses(site, query, message):
    # The row's page answered platforms/telegram?_col=name with every column, 200, and linked
    # "This data as json" (and its Link header) to platforms/telegram.json?_col=name, a 400.
    page = site.get(f"/disclosures/platforms/telegram?{query}")
    assert page.status_code == 400 and page.headers["content-type"].startswith("text/html")
    assert error_page_message(page) == message
    assert site.get(f"/disclosures/platforms/telegram.json?{query}").status_code == 400


def test_a_rows_page_given_json_naming_no_column_is_the_tables_400(site):
    # The table's page refused figures?_json=nocol and the row's .json too; the row's page answered 200.
    table = site.get("/disclosures/figures?_json=nocol")
    row = site.get("/disclosures/figures/telegram-usa-2024-ip_or_phone-requests_fulfilled?_json=nocol")
    assert table.status_code == row.status_code == 400
    # The table's page is its filter form with the error above it (tests/test_table_page_errors.py).
    above_form = re.search(r'<p class="message-error" id="filter-error">(.*?)</p>', table.text, re.DOTALL)
    assert error_page_message(row) == html.unescape(above_form.group(1).strip())
    assert error_page_message(row).startswith(
        "_json=nocol: figures has no column 'nocol'; its columns are: figure_id, "
    )


@pytest.mark.parametrize(
    ("query", "instead"),
    [
        ("_where=value>5", "WHERE"),
        ("_search=telegram", "WHERE with a full-text MATCH"),
        ("_col=value", "the columns after SELECT"),
        ("_nocol=value", "the columns after SELECT"),
        ("_search_quote=telegram", "WHERE with a full-text MATCH"),
        # A query's answer has no facets: compare_platforms.json?jurisdiction=USA&_facet=platform_id
        # answered its rows, 200, with no facet_results and no word, as if none had been asked for.
        ("_facet=value", "GROUP BY and count(*)"),
        ("_facet_array=value", "GROUP BY and count(*)"),
        ("_facet_date=value", "GROUP BY and count(*)"),
    ],
)
def test_a_tables_row_or_column_option_on_a_query_is_a_400(site, query, instead):
    # Ignored: compare_platforms.json?jurisdiction=USA&_where=value>5 answered every row, 200.
    name = query.split("=")[0]
    canned = assert_error_shape(site.get(f"/disclosures/compare_platforms.json?jurisdiction=USA&{query}"), 400)
    assert canned.startswith(f"{query}: compare_platforms is a canned query") and f"with {instead}" in canned
    ad_hoc = assert_error_shape(site.get(f"/disclosures.csv?sql=select+1+as+value&{query}"), 400)
    assert ad_hoc.startswith(f"{query}: a SQL query answers the rows and columns its SQL selects, so {name}")
    page = site.get(f"/disclosures/compare_platforms?jurisdiction=USA&{query}")
    assert page.status_code == 400


def test_a_query_with_a_blank_table_option_or_a_facet_still_answers(site):
    assert site.get("/disclosures/compare_platforms.json?jurisdiction=USA&_search=&_col=").status_code == 200
    # _labels=on is a 400 on a query (tests/test_api_rough_edges.py); blank or off asks for nothing.
    assert site.get("/disclosures.json?sql=select+1&_labels=&_shape=array").json() == [{"1": 1}]
    assert site.get("/disclosures.json?sql=select+1&_labels=off&_shape=array").json() == [{"1": 1}]


@pytest.mark.parametrize(
    ("path", "message"),
    [
        (
            "/disclosures/platforms/nope",
            "No row 'nope' in platforms: none has that platform_id; its rows and their keys are at /disclosures/platforms",
        ),
        (
            "/disclosures/platforms/nope.json",
            "No row 'nope' in platforms: none has that platform_id; its rows and their keys are at "
            "/disclosures/platforms.json",
        ),
        (
            "/disclosures/figures/nope.csv",
            "No row 'nope' in figures: none has that figure_id; its rows and their keys are at /disclosures/figures.csv",
        ),
        (
            "/disclosures/corroborations/a,b.json",
            "No row 'a,b' in corroborations: none has that figure_id, source_id; its rows and their keys are at "
            "/disclosures/corroborations.json",
        ),
    ],
)
def test_a_key_no_row_has_is_a_404_that_names_the_table_and_where_its_keys_are(site, path, message):
    # Datasette answered "Record not found": it named neither the table, its key, nor where to look.
    answer = site.get(path)
    assert answer.status_code == 404
    if path.endswith((".json", ".csv")):
        assert assert_error_shape(answer, 404) == message
    else:
        assert error_page_message(answer) == message
    # A row that is there is still answered.
    assert site.get("/disclosures/platforms/telegram.json").status_code == 200
    assert site.get("/disclosures/corroborations.json?_size=1").status_code == 200


@pytest.mark.parametrize(
    ("path", "asked"),
    [
        # Datasette's tilde_decode read a ~ that begins no escape as '%', and bytes that are no
        # UTF-8 as a replacement character: the 404 quoted those, not the key the client sent.
        ("/disclosures/platforms/~.json", "~"),
        ("/disclosures/platforms/%FF.json", "%FF"),
        # Each escape, the client's or Datasette's, decoded once.
        ("/disclosures/platforms/%7E.json", "~"),
        ("/disclosures/platforms/M~C3~BCnster.json", "Münster"),
        ("/disclosures/platforms/M%C3%BCnster.json", "Münster"),
        ("/disclosures/platforms/a%25b.json", "a%b"),
        ("/disclosures/platforms/a~2541.json", "a%41"),
    ],
)
def test_a_row_404_quotes_the_key_as_the_client_sent_it(site, path, asked):
    assert assert_error_shape(site.get(path), 404) == (
        f"No row {asked!r} in platforms: none has that platform_id; its rows and their keys are at "
        "/disclosures/platforms.json"
    )


@pytest.mark.parametrize(
    "path",
    [
        "/disclosures/figures.json?_where=",
        "/disclosures/figures.json?_where=value>1&_where=%20",
        "/disclosures/figures_series.json?_where=",
        "/disclosures/figures.csv?_where=",
    ],
)
def test_a_blank_where_on_a_table_or_view_is_a_400_that_names_it(site, path):
    # It was "Query refused: incomplete input": Datasette wrote the blank condition into its WHERE.
    assert assert_error_shape(site.get(path), 400) == (
        "_where is blank: it is a SQL condition on the rows, such as _where=value > 100; leave it out for none"
    )
    assert site.get("/disclosures/figures.json?_where=value>1&_size=0").status_code == 200


def test_a_blank_where_asks_nothing_of_a_row_or_a_canned_query(site):
    # Each applies no _where, and refuses one given (a 400 that names it); blank, it asks for
    # nothing, as a blank _col does, but the SQL policy compiled it and answered "incomplete input".
    row = site.get("/disclosures/figures/telegram-usa-2024-ip_or_phone-requests_fulfilled.json?_where=")
    assert row.status_code == 200 and row.json()["rows"][0][0] == "telegram-usa-2024-ip_or_phone-requests_fulfilled"
    query = site.get("/disclosures/compare_platforms.json?jurisdiction=USA&_where=&_shape=array")
    assert query.status_code == 200 and query.json()
    assert site.get("/disclosures/compare_platforms.json?jurisdiction=USA&_where=1").status_code == 400
