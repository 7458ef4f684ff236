"""A newcomer's break-test of the API: each request that answered 5xx, or 200 with a misleading
body, now answers a 4xx that says what was wrong (plugins/parameters.py, plugins/request_limits.py),
and the explore pages answer the .json that /api promises (plugins/explore.py)."""

import json
import re
import socket
import sqlite3
import urllib.error
import urllib.request
from collections import Counter
from urllib.parse import quote

import markupsafe
import pytest

from disclosures import paths
from tests.conftest import plugin, rows

parameters = plugin("parameters")
request_limits = plugin("request_limits")
explore = plugin("explore")
FIGURES = "/disclosures/figures"


def error(response, status):
    """The message of an answer in the API's JSON error shape, after checking the shape."""
    assert response.status_code == status, (response.status_code, response.text[:300])
    assert response.headers["content-type"].startswith("application/json")
    body = response.json()
    assert set(body) == {"ok", "status", "error"} and body["ok"] is False and body["status"] == status
    return body["error"]


# Pure rules ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "value,problem",
    [
        ("1,2", None),
        ("[1, 2]", None),
        ('["USA", 2.5]', None),
        ('["USA", null, 2.5]', "null in the list matches no row"),
        ("[]", None),
        ("[1,", "is not a JSON list"),
        ('["USA"', "is not a JSON list"),
        ("[", "is not a JSON list"),
        ("[1]x", "is not a JSON list"),
        ('[{"a": 1}]', "only strings, numbers and null"),
        ("[[1]]", "only strings, numbers and null"),
    ],
)
def test_an_in_list_that_starts_with_a_bracket_must_be_a_json_list_of_scalars(value, problem):
    found = parameters.in_list_problem("value__in", value)
    assert (found is None) if problem is None else (problem in found and found.startswith("value__in: "))


KEYS = [{"name": "figure_id", "type": "TEXT"}]
ROWID = [{"name": "rowid", "type": "INTEGER"}]


@pytest.mark.parametrize(
    "value,sorted_by,keys,parts",
    [
        ("abc", None, KEYS, (None, ["abc"])),
        ("5,abc", "value", KEYS, ("5", ["abc"])),
        ("$null,abc", "value", KEYS, (None, ["abc"])),
        ("x~2Cy,a~2Eb", "value", KEYS, ("x,y", ["a.b"])),
        ("12", None, ROWID, (None, ["12"])),
        ("garbage", "recency_rank", KEYS, "has 2 parts (recency_rank, figure_id)"),
        ("a,b,c,d", "recency_rank", KEYS, "has 2 parts"),
        ("1,2", None, KEYS, "has 1 part (figure_id)"),
        ("abc", None, ROWID, "rowid is a whole number"),
        ("1.5", None, ROWID, "rowid is a whole number"),
    ],
)
def test_a_cursor_has_the_sort_value_then_each_key(value, sorted_by, keys, parts):
    found = parameters.cursor_parts(value, sorted_by, keys)
    if isinstance(parts, tuple):
        assert found == parts
    else:
        assert isinstance(found, str) and parts in found and "next_url" in found


def test_only_the_paging_plugins_own_start_cursor_skips_the_row_lookup():
    paging = plugin("paging")
    for descending in (False, True):
        for key_types in (["TEXT"], ["INTEGER"], ["TEXT", "INTEGER"]):
            assert parameters.is_start_cursor(paging.start_token(descending, key_types), "value")
    assert not parameters.is_start_cursor("$null,telegram-usa", "value")
    assert not parameters.is_start_cursor("5,", "value")


@pytest.mark.parametrize(
    "value,ok", [("0", True), ("100", True), ("max", True), ("abc", False), ("-1", False), ("1.5", False), ("", False)]
)
def test_size_is_max_or_a_whole_number(value, ok):
    assert (parameters.size_problem(value) is None) is ok


def test_query_string_limits():
    limit = request_limits.MAX_QUERY_PARAMETERS
    assert request_limits.query_string_problem(b"&".join([b"a=1"] * limit)) is None
    assert request_limits.query_string_problem(b"&".join([b"a=1"] * limit) + b"&&&&") is None  # empty pairs
    status, message = request_limits.query_string_problem(b"&".join([b"a=1"] * (limit + 1)))
    assert status == 400 and f"{limit + 1} parameters" in message
    status, message = request_limits.query_string_problem(b"q=" + b"x" * request_limits.MAX_QUERY_STRING_BYTES)
    assert status == 414 and "32,768" in message


def test_page_data_leaves_out_script_copies_and_names_periods_as_intervals():
    context = {
        "charts": [{"title": "t", "series": ({"value": 1},)}],
        "charts_json": markupsafe.Markup("[...]"),
        "matrix": [{"cells": {("2024-01-01", "2024-09-30"): {"status": "reported"}}}],
    }
    assert explore.page_data(context) == {
        "charts": [{"title": "t", "series": [{"value": 1}]}],
        "matrix": [{"cells": {"2024-01-01/2024-09-30": {"status": "reported"}}}],
    }


def test_nginx_lets_through_every_query_string_the_plugin_answers_itself():
    template = (paths.ROOT / "deploy" / "nginx.conf.j2").read_text(encoding="utf-8")
    found = re.search(r"^\s*large_client_header_buffers\s+\d+\s+(\d+)k;", template, re.MULTILINE)
    assert found, "without it nginx answers its own HTML 414 past 8 KB"
    # The request line also holds the method, the path and the protocol.
    assert int(found[1]) * 1024 >= request_limits.MAX_QUERY_STRING_BYTES + 4096


# Malformed __in / __notin -----------------------------------------------------------------------


@pytest.mark.parametrize(
    "path",
    [
        FIGURES + ".json?value__in=%5B1,",
        FIGURES + ".json?jurisdiction_id__in=%5B%22USA%22",
        FIGURES + ".json?value__notin=%5B",
        "/disclosures/figures_series.json?value__in=%5B",
    ],
)
def test_a_malformed_in_list_is_a_400_not_a_500(site, path):
    assert "is not a JSON list" in error(site.get(path), 400)


@pytest.mark.parametrize(
    "path, told",
    [
        (FIGURES + ".json?value__in=%5B" + "9" * 5000 + "%5D", "a whole number of more than 4,300 digits"),
        (FIGURES + ".json?value__in=" + "%5B" * 3000, "arrays or objects nested too deep to read"),
        (FIGURES + ".json?_facet=%7B%22column%22:" + "9" * 5000 + "%7D", "a whole number of more than 4,300 digits"),
        (FIGURES + ".json?_facet=" + "%7B%22column%22:" * 2000, "arrays or objects nested too deep to read"),
    ],
)
def test_json_past_pythons_limits_is_told_without_pythons_words(site, path, told):
    # A 5,000-digit number was told "use sys.set_int_max_str_digits() to increase the limit", and
    # 3,000 brackets "maximum recursion depth exceeded while decoding a JSON array".
    message = error(site.get(path), 400)
    assert told in message
    assert "sys." not in message and "recursion" not in message and "unicode string" not in message


@pytest.mark.parametrize("sql, written", [("select ?", "?"), ("select ?2 + :a", "?2"), ("select '?' || ?", "?")])
def test_a_query_parameter_with_no_name_is_told_how_to_name_it(site, sql, written):
    # SQLite's "Binding 1 has no name, but you supplied a dictionary (which has only names)".
    for fmt in ("json", "csv"):
        message = error(site.get(f"/disclosures.{fmt}?sql={quote(sql)}&a=1"), 400)
        assert message.startswith(f"sql: the query's parameter {written} has no name")
        assert "write it :name and add name=... to the address" in message
    quoted_mark = quote("select '?' as q, :a as a")
    assert site.get(f"/disclosures.json?sql={quoted_mark}&a=1").status_code == 200


def test_a_query_page_with_a_parameter_with_no_name_is_told_how_to_name_it(site):
    # The HTML page of the same query said SQLite's words, as the .json and .csv did.
    response = site.get(f"/disclosures?sql={quote('select ?')}")
    assert response.status_code == 400
    assert "parameter ? has no name" in response.text
    assert "Binding 1" not in response.text


@pytest.mark.parametrize("fmt", ["", ".json", ".csv"])
@pytest.mark.parametrize("clause, written", [("value > ?", "?"), ("value > ?1 and '?' = '?'", "?1")])
def test_a_where_with_a_parameter_with_no_name_is_told_to_write_the_value(site, fmt, clause, written):
    response = site.get(f"/disclosures/figures{fmt}?_where={quote(clause)}")
    assert response.status_code == 400
    assert "Binding 1" not in response.text
    if fmt == ".json":
        assert error(response, 400) == (
            f"_where={clause}: its parameter {written} has no name, and nothing in the address can fill it; "
            "write the value itself, such as value > 100"
        )
    else:
        assert f"its parameter {written} has no name" in response.text
    # A question mark in a string is no parameter.
    in_a_string = quote("quote like '%?%'")
    assert site.get(f"/disclosures/figures.json?_where={in_a_string}&_size=1").status_code == 200


def test_a_malformed_in_list_on_a_page_is_the_table_form_with_the_error_above_it(site):
    # The page is the table's filter form, the error above it (tests/test_table_page_errors.py);
    # the list Datasette could not parse is not handed to it, so the form holds the other filters.
    response = site.get(FIGURES + "?value__in=%5B1,&platform_id=google")
    assert response.status_code == 400 and response.headers["content-type"].startswith("text/html")
    assert "<title>Bad request: disclosures: figures</title>" in response.text
    assert re.search(r'<p class="message-error" id="filter-error">value__in: .*is not a JSON list', response.text)
    assert 'class="filter-value" value="google"' in response.text and 'value="[1,"' not in response.text


def test_a_malformed_in_list_on_a_csv_is_a_400_in_the_json_error_shape(site):
    # Every .csv error takes the API's JSON shape (tests/test_csv_errors.py).
    response = site.get(FIGURES + ".csv?value__in=%5B1,")
    assert response.status_code == 400 and response.headers["content-type"].startswith("application/json")
    assert response.json()["error"].startswith("value__in: '[1,' is not a JSON list")


def test_a_well_formed_in_list_still_filters(site, real_db):
    expected = rows(real_db, "SELECT count(*) FROM figures WHERE jurisdiction_id IN ('USA', 'DEU')")[0][0]
    for value in ('["USA", "DEU"]', "USA,DEU"):
        page = site.get(FIGURES + ".json", params={"jurisdiction_id__in": value, "_size": "1"}).json()
        assert page["filtered_table_rows_count"] == expected > 0


@pytest.mark.parametrize(
    ("path", "said"),
    [
        # 200 with no row, where the rows without a value were asked for (value__isnull=1: 14,000).
        (FIGURES + ".json?value__in=%5Bnull%5D", "value__in: null in the list matches no row"),
        # 200 with the 1s alone, as if null had been matched and found nothing.
        (FIGURES + ".json?value__in=%5B1,null%5D", "for the rows without a value use value__isnull=1"),
        # 200 with no row at all: every row was left out.
        (FIGURES + ".csv?jurisdiction_id__notin=%5Bnull%5D", "null in the list leaves out every row"),
        ("/disclosures/figures_series.json?value__notin=%5B2,null%5D", "use value__notnull=1"),
    ],
)
def test_null_in_an_in_list_is_a_400_not_a_silently_empty_or_partial_answer(site, real_db, path, said):
    assert rows(real_db, "SELECT count(*) FROM figures WHERE value IS NULL")[0][0] > 0
    assert said in error(site.get(path), 400)


# _next on views and tables ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "path",
    [
        "/disclosures/freshness.json?_next=abc",
        "/disclosures/figures_series.json?_next=abc",
        "/disclosures/telegram_coverage.json?_next=abc",
        "/disclosures/freshness.json?_next=1.5",
        "/disclosures/figures_series.json?_next=-5",
    ],
)
def test_a_views_next_that_is_not_a_whole_number_is_a_400(site, path):
    assert "offset of the next page" in error(site.get(path), 400)


def test_a_views_next_on_a_page_is_the_html_error_page(site):
    response = site.get("/disclosures/figures_series?_next=abc")
    assert response.status_code == 400 and "offset of the next page" in response.text


def test_a_views_next_url_still_pages(site):
    first = site.get("/disclosures/telegram_coverage.json?_size=5&_shape=objects").json()
    second = site.get("/disclosures/telegram_coverage.json?_size=5&_next=5&_shape=objects").json()
    assert first["next"] == "5" and second["rows"] and second["rows"] != first["rows"]


@pytest.mark.parametrize(
    "cursor,message",
    [
        ("garbage", "not a cursor of this table"),  # was the first page again
        ("a,b,c,d", "not a cursor of this table"),  # was a raw SQL syntax error
        ("99999999,zzz", "no row of figures is at this cursor"),  # looked like the end of the data
    ],
)
def test_a_table_cursor_no_page_gave_is_a_400(site, cursor, message):
    assert message in error(site.get(FIGURES + ".json", params={"_next": cursor}), 400)


@pytest.mark.parametrize("sort", ["_sort", "_sort_desc"])
def test_a_cursor_with_a_sort_the_table_refuses_names_the_sort(site, sort):
    # The cursor was read first: "not a cursor of this table, which has 2 parts (rowid, figure_id)",
    # a sort figures cannot have (its key is figure_id).
    message = error(site.get(f"{FIGURES}.json?{sort}=rowid&_next=1"), 400)
    assert message.startswith(f"{sort}=rowid: figures cannot be sorted by that column; it can be sorted by ")
    # A table without a declared key is sorted by rowid, and its cursor is still read.
    message = error(site.get(f"/disclosures/home_numbers.json?{sort}=rowid&_next=abc"), 400)
    assert "_next=abc" in message and "cursor" in message


def test_every_cursor_a_page_gives_is_accepted_to_the_last_page(site, real_db):
    """Sorted by a column with empty values, both ways: "$null" cursors, ties, and text keys."""
    expected = rows(real_db, "SELECT count(*) FROM sources")[0][0]
    for sort in ("_sort", "_sort_desc"):
        url, seen = f"/disclosures/sources.json?{sort}=published_date&_size=40&_shape=objects", []
        while url:
            page = site.get(url)
            assert page.status_code == 200, page.text[:300]
            seen += [r["source_id"] for r in page.json()["rows"]]
            url = page.json()["next_url"] and page.json()["next_url"].split("localhost", 1)[-1]
        assert len(seen) == len(set(seen)) == expected


def served_tables_and_views(conn) -> list[tuple[str, str]]:
    """(name, 'table' or 'view') of every table and view the site serves (sqlite_stat1 included):
    full-text indexes and their shadow tables are left out, as the site answers them 404."""
    virtual = [n for (n,) in conn.execute("SELECT name FROM sqlite_master WHERE sql LIKE 'CREATE VIRTUAL TABLE%'")]
    return [
        (name, kind)
        for name, kind in conn.execute("SELECT name, type FROM sqlite_master WHERE type IN ('table', 'view')")
        if not any(name == v or name.startswith(f"{v}_") for v in virtual)
    ]


def loosely_typed_columns(conn, name: str) -> set[str]:
    """The columns of ``name`` that a cursor (text) may not be compared with as stored: declared
    without a type (no affinity converts the cursor) while holding something other than text, or
    holding values of more than one storage class."""
    loose = set()
    for _, column, declared, *_ in conn.execute(f"PRAGMA table_info([{name}])"):
        classes = {kind for (kind,) in conn.execute(f"SELECT DISTINCT typeof([{column}]) FROM [{name}]")} - {"null"}
        if len(classes) > 1 or (not declared and classes - {"text"}):
            loose.add(column)
    return loose


def walked(site, url: str, key: list[str]) -> tuple[list[tuple], str | None]:
    """The ``key`` of every row of the pages from ``url``, following next_url until it is null, and
    the answer that stopped the walk when one was not a page."""
    seen = []
    while url:
        page = site.get(url)
        if page.status_code != 200:
            return seen, f"{page.status_code} at {url}: {page.text[:200]}"
        seen += [tuple(row[column] for column in key) for row in page.json()["rows"]]
        url = page.json()["next_url"] and page.json()["next_url"].split("localhost", 1)[-1]
    return seen, None


def test_next_url_pages_every_loosely_typed_table_and_view_to_its_end_once(site, real_db):
    """facet_counts.value held numbers and text under no declared type: a page ending on a number
    gave a cursor Datasette compares as text, so next_url stopped at a 400 (and, let through, would
    skip rows). A table whose key holds a column that is untyped and not only text, or that mixes
    types, and facet_counts whatever its types, is walked in its own order and sorted both ways by
    every column; any other table or view with such a column, sorted both ways by it. Each walk
    must give every row exactly once."""
    failures, names = [], set()
    with sqlite3.connect(real_db) as conn:
        for name, kind in served_tables_and_views(conn):
            loose = loosely_typed_columns(conn, name)
            info = conn.execute(f"PRAGMA table_info([{name}])").fetchall()
            primary = [row[1] for row in sorted(info, key=lambda row: row[5]) if row[5]]
            (count,) = conn.execute(f"SELECT count(*) FROM [{name}]").fetchone()
            if name == "facet_counts" or (kind == "table" and loose & set(primary or ["rowid"])):
                walks, sorts = [""], [row[1] for row in info]
            elif kind == "view" and count > 1_000:
                # A view's next page is an offset, which no column's type touches; walking the
                # figures' (58,000 rows) both ways took 36 s, 10 rows a page. Such a view is walked
                # 5,000 rows a page below (test_next_url_pages_every_view_over_a_thousand_rows_to_its_end_once).
                continue
            else:
                walks, sorts = [], sorted(loose)
            key = [row[1] for row in info] if kind == "view" else primary or ["rowid"]
            expected = Counter(conn.execute(f"SELECT {', '.join(f'[{c}]' for c in key)} FROM [{name}]").fetchall())
            size = 10 if count <= 1_000 else "max"
            walks += [f"&{way}={column}" for column in sorts for way in ("_sort", "_sort_desc")]
            for order in walks:
                seen, stopped = walked(site, f"/disclosures/{name}.json?_size={size}&_shape=objects{order}", key)
                names.add(name)
                if stopped or len(seen) != count or Counter(seen) != expected:
                    failures.append((name, order, len(seen), count, stopped))
    assert "facet_counts" in names
    assert failures == []


def test_next_url_pages_every_view_over_a_thousand_rows_to_its_end_once(site, real_db):
    """A view's next page is an offset, and a view has no key to break the ties of a sort: the walks
    above leave out the views over 1,000 rows (figures_series, search_text). Each is walked in its
    own order and sorted both ways by the column with the most ties, where a page boundary falls
    inside a run of equal values, 5,000 rows a page; each walk must give every row exactly once
    (a view's rows are told apart by all their columns, and counted)."""
    walks = []
    with sqlite3.connect(real_db) as conn:
        for name, kind in served_tables_and_views(conn):
            (count,) = conn.execute(f"SELECT count(*) FROM [{name}]").fetchone()
            if kind != "view" or count <= 1_000:
                continue
            columns = [row[1] for row in conn.execute(f"PRAGMA table_info([{name}])")]
            sortable = (site.datasette.table_metadata("disclosures", name) or {}).get("sortable_columns") or columns
            distinct = {c: conn.execute(f"SELECT count(DISTINCT [{c}]) FROM [{name}]").fetchone()[0] for c in sortable}
            tied = min(sortable, key=lambda c: (distinct[c], c))
            assert distinct[tied] < count  # a sort with ties to cross
            expected = Counter(conn.execute(f"SELECT {', '.join(f'[{c}]' for c in columns)} FROM [{name}]").fetchall())
            for order in ("", f"&_sort={tied}", f"&_sort_desc={tied}"):
                walks.append((name, order))
                seen, stopped = walked(site, f"/disclosures/{name}.json?_size=max&_shape=objects{order}", columns)
                assert stopped is None, (name, order, stopped)
                assert len(seen) == count and Counter(seen) == expected, (name, order, len(seen), count)
    assert {name for name, _ in walks} >= {"figures_series", "search_text"}


def test_a_forged_cursor_of_facet_counts_is_told_it_names_no_row(site):
    """A page of facet_counts ending on a number said it could not be followed (its value column was
    untyped); the column is text now, and a cursor naming no row, a number's text included, is
    one no page gave."""
    assert site.get("/disclosures/facet_counts.json?_sort=value&_next=1,freshness,behind_cadence,1").status_code == 200
    for cursor in ("1,nope,nope,1", "01,freshness,behind_cadence,01"):
        message = error(site.get(f"/disclosures/facet_counts.json?_sort=value&_next={cursor}"), 400)
        assert "no row of facet_counts is at this cursor" in message and "declared without a type" not in message


# _size, _shape, formats -------------------------------------------------------------------------


def test_a_malformed_size_on_a_csv_is_a_400_like_the_json(site):
    response = site.get(FIGURES + ".csv?_size=abc")
    assert (
        response.status_code == 400
        and "_size must be a whole number (0: the counts without rows) or max" in response.text
    )
    assert "_size must be a whole number" in error(site.get(FIGURES + ".json?_size=abc"), 400)


@pytest.mark.parametrize(
    "path,message",
    [
        ("/disclosures.json?sql=select+1&_shape=bogus", "Invalid _shape: 'bogus'"),
        ("/disclosures.json?sql=select+1&_shape=object", "a SQL query's rows have no primary key"),
        ("/disclosures/freshness.json?_shape=object&_size=1", "freshness is a view, and a view has no primary key"),
    ],
)
def test_a_json_error_is_never_a_200(site, path, message):
    assert message in error(site.get(path), 400)


@pytest.mark.parametrize(
    "shape,said",
    [
        ("nope", "Invalid _shape: 'nope'; use one of arrays, objects, array, arrayfirst, object"),
        ("array", "_shape=array: /disclosures{format} lists the database's tables, which are not rows"),
    ],
)
def test_the_database_page_refuses_a_shape_its_json_refuses(site, shape, said):
    # /disclosures?_shape=nope was a 200 whose "alternate" JSON link answered that shape's 400: the
    # page and its .json now answer the same 400, the page as the site's error page.
    assert error(site.get(f"/disclosures.json?_shape={shape}"), 400).startswith(said.format(format=".json"))
    page = site.get(f"/disclosures?_shape={shape}")
    assert page.status_code == 400 and page.headers["content-type"].startswith("text/html")
    assert page.headers["cache-control"] == "no-store" and "link" not in page.headers
    assert markupsafe.escape(said.format(format="")) in page.text
    head = site.loop.run_until_complete(site.datasette.client.request("HEAD", f"/disclosures?_shape={shape}"))
    assert head.status_code == 400
    # A shape of the list of tables is no mistake: the page is the list, as without it.
    listed = site.get("/disclosures?_shape=objects")
    assert listed.status_code == 200 and 'href="/disclosures/figures"' in listed.text


def test_a_sql_querys_page_refuses_a_shape_its_json_refuses(site):
    # /disclosures?sql=select+1&_shape=nope was a 200 (the rows, the shape dropped) whose .json,
    # and a table's page, answered that shape's 400.
    said = "Invalid _shape: 'nope'; use one of arrays, objects, array, arrayfirst, object"
    query = "sql=select+1+as+one&_shape=nope"
    assert error(site.get(f"/disclosures.json?{query}"), 400) == said
    page = site.get(f"/disclosures?{query}")
    assert page.status_code == 400 and page.headers["content-type"].startswith("text/html")
    assert page.headers["cache-control"] == "no-store" and "link" not in page.headers
    assert markupsafe.escape(said) in page.text
    head = site.loop.run_until_complete(site.datasette.client.request("HEAD", f"/disclosures?{query}"))
    assert head.status_code == 400
    # A shape Datasette has is no mistake: the page is the query's rows, as without it.
    shaped = site.get("/disclosures?sql=select+1+as+one&_shape=objects")
    assert shaped.status_code == 200 and '<th class="col-one"' in shaped.text


SHAPE_OBJECT_ON_QUERIES = [
    ("/disclosures.json?sql=select+1&_shape=object", "a SQL query's rows"),
    ("/disclosures/compare_platforms.json?jurisdiction=DEU&_shape=object", "compare_platforms is a canned query"),
    ("/disclosures/telegram_coverage_matrix.json?_shape=object", "telegram_coverage_matrix is a canned query"),
]


@pytest.mark.parametrize("path,named", SHAPE_OBJECT_ON_QUERIES)
def test_shape_object_on_a_query_is_the_same_400_for_a_head(site, path, named):
    # Datasette's renderer wrote {"ok": false} under 200, which the GET turned into a 400 from the
    # body; a HEAD has no body, so it was a 200 with the data's max-age.
    message = error(site.get(path), 400)
    assert message.startswith("_shape=object: ") and named in message and "_shape=array" in message
    head = site.loop.run_until_complete(site.datasette.client.request("HEAD", path))
    assert head.status_code == 400 and head.content == b""
    assert "max-age=3600" not in head.headers.get("cache-control", "")
    # A query's other shapes still answer.
    assert site.get(path.replace("_shape=object", "_shape=objects")).status_code == 200


@pytest.mark.parametrize("path,named", SHAPE_OBJECT_ON_QUERIES)
def test_shape_object_on_a_querys_page_is_the_400_of_its_json(site, path, named):
    # The page answered 200, the rows (a canned query's saying the shape was not applied), and
    # linked as its JSON the .json's 400.
    said = error(site.get(path), 400)
    page_path = path.replace(".json", "", 1)
    page = site.get(page_path)
    assert page.status_code == 400 and page.headers["content-type"].startswith("text/html")
    assert page.headers["cache-control"] == "no-store" and "link" not in page.headers
    assert markupsafe.escape(said) in page.text
    assert '<table class="rows-and-columns">' not in page.text and 'id="not-applied"' not in page.text
    head = site.loop.run_until_complete(site.datasette.client.request("HEAD", page_path))
    assert head.status_code == 400
    # The shapes a query has are no mistake on its page.
    shaped = site.get(page_path.replace("_shape=object", "_shape=objects"))
    assert shaped.status_code == 200 and '<table class="rows-and-columns">' in shaped.text


def test_the_api_page_says_shape_object_is_a_tables_only():
    # It listed object among a query's bare lists answered 413 past the row limit, which a query's
    # _shape=object never was (an error, now a 400 before the query runs).
    api = (paths.ROOT / "templates" / "pages" / "api.html").read_text(encoding="utf-8")
    assert "<code>?_shape=object</code>: an object keyed by primary key, of a table's rows only" in api
    assert "(<code>_shape=array</code>, <code>object</code>" not in api


@pytest.mark.parametrize(
    "path",
    [
        FIGURES + ".xml",
        FIGURES + ".tsv",
        FIGURES + ".parquet",
        FIGURES + ".JSON",
        "/disclosures.xml",
        FIGURES + "/telegram-usa-2024-ip_or_phone-requests_fulfilled.xml",
    ],
)
def test_an_unknown_format_is_a_404_that_lists_the_formats(site, path):
    message = error(site.get(path), 404)
    assert "No ." in message and ".csv" in message and ".json" in message


def test_a_key_with_dots_typed_as_read_leads_to_its_row(site, real_build):
    # Datasette reads releases/0.1.0 as the row "0.1" in a format ".0"; its own links write the
    # key tilde-encoded. The release's version is the key a reader types.
    (version,) = rows(real_build / "disclosures.db", "SELECT version FROM releases ORDER BY version LIMIT 1")[0]
    assert "." in version
    response = site.get(f"/disclosures/releases/{version}?_x=1")
    assert response.status_code == 302
    location = response.headers["location"]
    assert location == f"/disclosures/releases/{version.replace('.', '~2E')}?_x=1"
    page = site.get(location.split("?")[0])
    assert page.status_code == 200 and version in page.text
    # A dotted key no row has is still the unknown format's 404, as is a table's.
    assert "No .9 format here" in error(site.get("/disclosures/releases/0.0.9"), 404)
    assert "No .0 format here" in error(site.get(FIGURES + "/telegram.0"), 404)


@pytest.mark.parametrize("escaped", ["9%2E9%2E9", "9%2e9%2e9", "9.9%2E9"])
def test_a_key_whose_dots_are_escaped_is_the_key_not_a_format(site, escaped):
    # Datasette routes the raw path, where 9%2E9%2E9 is the key "9.9.9", and redirects it to its ~
    # form; the decoded path was read as the row "9.9" in a format ".9", a 404 "No .9 format here".
    response = site.get(f"/disclosures/releases/{escaped}?_x=1")
    assert response.status_code == 302, response.text[:300]
    location = response.headers["location"]
    assert location.lower() == "/disclosures/releases/9~2e9~2e9?_x=1"
    page = site.get(location.split("?")[0])
    assert page.status_code == 404 and "No row &#39;9.9.9&#39; in releases: none has that version" in page.text
    # Its .json is the same row's 404, and a dot the client wrote before an unknown format is still one.
    assert error(site.get(f"/disclosures/releases/{escaped}.json"), 404).startswith("No row '9.9.9' in releases")
    assert "No .9 format here" in error(site.get("/disclosures/releases/9%2E9.9"), 404)


def test_a_key_with_escaped_dots_of_a_row_there_is_leads_to_that_row(site, real_build):
    (version,) = rows(real_build / "disclosures.db", "SELECT version FROM releases ORDER BY version LIMIT 1")[0]
    response = site.get(f"/disclosures/releases/{version.replace('.', '%2E')}")
    assert response.status_code == 302
    assert response.headers["location"] == f"/disclosures/releases/{version.replace('.', '~2E')}"
    assert site.get(response.headers["location"]).status_code == 200


@pytest.mark.parametrize(
    "path", [FIGURES + ".json?_size=1", FIGURES + ".csv?platform_id=signal", "/disclosures.db", FIGURES + ".jsono"]
)
def test_the_formats_there_are_still_answer(site, path):
    assert site.get(path).status_code in (200, 302)


# Query-string limits ----------------------------------------------------------------------------


def test_thousands_of_parameters_are_refused_before_anything_parses_them(site):
    query = "&".join(f"zz{i}=1" for i in range(2000))
    assert "2,000 parameters" in error(site.get(FIGURES + "?" + query), 400)
    assert "2,000 parameters" in error(site.get("/-/health.json?" + query), 400)


def test_a_query_string_over_the_limit_is_a_414(site):
    assert "the limit is 32,768" in error(site.get(FIGURES + ".json?q=" + "x" * 40_000), 414)


def test_the_limit_of_parameters_leaves_real_use_alone(site):
    query = "&".join(f"_x{i}=1" for i in range(request_limits.MAX_QUERY_PARAMETERS - 1))
    assert site.get("/-/health.json?" + query).status_code == 200


# The explore pages as JSON ----------------------------------------------------------------------


def test_a_country_page_is_also_json_with_the_rows_it_shows(site):
    page = site.get("/country/USA.json")
    assert page.status_code == 200 and page.headers["content-type"].startswith("application/json")
    data = page.json()
    assert data["jurisdiction"]["jurisdiction_id"] == "USA"
    newest = site.get(data["json_url"]).json()
    assert [r["figure_id"] for r in data["newest"]] == [r["figure_id"] for r in newest]
    assert "charts_json" not in data and data["charts"]


@pytest.mark.parametrize(
    "path,key",
    [
        ("/platform/telegram.json", "platform"),
        ("/compare.json", "groups"),
        ("/chart.json", "chart"),
        ("/countries.json", "jurisdictions"),
        ("/platforms.json", "platforms"),
        ("/telegram-map.json", "values"),
    ],
)
def test_every_explore_page_is_also_json(site, path, key):
    page = site.get(path)
    assert page.status_code == 200 and page.headers["content-type"].startswith("application/json")
    assert page.json()[key]


def test_an_explore_pages_json_errors_have_the_error_shape(site):
    assert error(site.get("/country/XXX.json"), 404).startswith(
        "No jurisdiction 'XXX' (did you mean XKX for Kosovo?): a"
    )
    assert "/countries" in error(site.get("/country/XXX.json"), 404)
    assert "every platform is listed at /platforms" in error(site.get("/platform/nope.json"), 404)


def test_a_platform_page_is_found_by_its_name_or_id_in_any_case(site):
    # /country/usa led to USA (now a redirect, test_explore), /platform/Google was a 404.
    for asked in ("Google", "GOOGLE", "google"):
        page = site.get(f"/platform/{asked}")
        if asked == "google":
            assert page.status_code == 200
        else:
            assert page.status_code == 302 and page.headers["location"] == "/platform/google"
    assert site.get("/platform/Google.json?x=1").headers["location"] == "/platform/google.json?x=1"
    # A name of two words: Datasette turns %20 into ~20, which reached no page.
    assert site.get("/platform/Amazon%20Store").headers["location"] == "/platform/Amazon~20Store"
    assert site.get("/platform/Amazon~20Store").headers["location"] == "/platform/amazon_store"
    assert site.get("/platform/no~20such").status_code == 404
    assert site.get("/platform/x~zz").status_code == 404
    assert "platform=nope: no such platform" in error(site.get("/chart.json?platform=nope"), 400)


def test_a_platform_named_with_a_dot_is_found_and_a_dot_before_another_format_is_said(site):
    # /platform/mailbox.org read ".org" as a format: a 404 saying /platform/mailbox has no .org.
    for asked in ("mailbox.org", "Mailbox.org", "MAILBOX.ORG"):
        page = site.get(f"/platform/{asked}?x=1")
        assert page.status_code == 302 and page.headers["location"] == "/platform/mailbox_org?x=1"
    assert site.get("/platform/mailbox.org.json").headers["location"] == "/platform/mailbox_org.json"
    assert site.get("/platform/mailbox_org.json").json()["platform"]["name"] == "mailbox.org"
    # A format the page lacks is still named as one, for a platform there is.
    assert error(site.get("/platform/google.csv"), 404).startswith("/platform/google has no .csv")
    # And an unknown platform is not told it lacks a format.
    page = site.get("/platform/nope.csv")
    assert page.status_code == 404 and "No platform" in page.text and "has no .csv" not in page.text


def test_a_chart_of_two_platforms_is_a_400_not_the_first_alone(site):
    # platform=google&platform=apple charted Google alone, and said nothing of Apple.
    message = error(site.get("/chart.json?platform=google&platform=apple&jurisdiction=USA"), 400)
    assert message.startswith("One platform per chart") and "/compare" in message
    message = error(site.get("/chart.json?request_type=all&request_type=emergency"), 400)
    assert message.startswith("One request_type") and "/compare" not in message
    assert site.get("/chart.json?platform=google&jurisdiction=GBR&jurisdiction=DEU").status_code == 200
    assert site.get("/chart?platform=google&platform=apple").status_code == 400


def test_a_blank_or_repeated_chart_choice_is_no_second_choice(site):
    # platform=&platform=google charted Telegram: the blank first value was read, then defaulted.
    chosen = site.get("/chart.json?platform=&platform=google&jurisdiction=USA").json()["selected"]
    assert chosen["platform"] == "google"
    assert site.get("/chart.json?platform=%20&platform=google&jurisdiction=USA").json()["selected"] == chosen
    alone = site.get("/chart.json?platform=google&jurisdiction=USA").json()
    repeated = site.get("/chart.json?platform=google&platform=google&jurisdiction=USA&jurisdiction=USA").json()
    assert repeated["selected"] == alone["selected"] and repeated["selected"]["jurisdictions"] == ["USA"]


def test_a_comparison_or_map_of_two_choices_is_a_400_not_the_first_alone(site):
    # jurisdiction=USA&jurisdiction=DEU compared the United States alone, and said nothing of Germany.
    message = error(site.get("/compare.json?jurisdiction=USA&jurisdiction=DEU"), 400)
    assert message.startswith("One jurisdiction per comparison") and "USA, DEU" in message
    assert site.get("/compare?jurisdiction=USA&jurisdiction=DEU").status_code == 400
    periods = [p["key"] for p in site.get("/telegram-map.json").json()["periods"]]
    message = error(site.get(f"/telegram-map.json?period={periods[0]}&period={periods[1]}"), 400)
    assert message.startswith("One period per map") and periods[1] in message
    message = error(site.get("/telegram-map.json?metric=accounts_affected&metric=requests_fulfilled"), 400)
    assert message.startswith("One metric per map")
    assert site.get("/telegram-map?metric=accounts_affected&metric=requests_fulfilled").status_code == 400


def test_a_blank_or_repeated_comparison_or_map_choice_is_no_second_choice(site):
    # jurisdiction=&jurisdiction=DEU compared the United States: the blank first value was read,
    # then defaulted; metric=&metric=accounts_affected mapped requests.
    alone = site.get("/compare.json?jurisdiction=DEU").json()
    assert alone["jurisdiction"]["jurisdiction_id"] == "DEU"
    for query in (
        "jurisdiction=&jurisdiction=DEU",
        "jurisdiction=%20&jurisdiction=deu",
        "jurisdiction=DEU&jurisdiction=deu",
    ):
        assert site.get(f"/compare.json?{query}").json() == alone
    chosen = site.get("/compare.json?jurisdiction=DEU&platform=&platform=google&platform=google").json()
    assert chosen["chosen"] == ["google"]
    periods = [p["key"] for p in site.get("/telegram-map.json").json()["periods"]]
    alone = site.get(f"/telegram-map.json?metric=accounts_affected&period={periods[0]}").json()
    assert alone["metric"] == "accounts_affected" and alone["period"]["key"] == periods[0]
    both = site.get(
        f"/telegram-map.json?metric=&metric=accounts_affected&period=&period={periods[0]}&period={periods[0]}"
    )
    assert both.json() == alone


def test_the_api_page_says_which_urls_are_json(site):
    text = site.get("/api").text
    assert "Every page of this site is also JSON and CSV" not in text
    assert "<code>/country/USA</code>" in text and "figures/&lt;figure_id&gt;.json" in text


def test_the_served_site_refuses_thousands_of_parameters_and_keeps_answering(live_server):
    """Through the stock `datasette serve` (uvicorn): 3,000 parameters never answered before."""
    query = "&".join(f"zz{i}=1" for i in range(3000))
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(f"{live_server}{FIGURES}?{query}", timeout=30)
    assert refused.value.code == 400
    assert json.loads(refused.value.read())["error"] == "The query string has 3,000 parameters; the limit is 200."
    with urllib.request.urlopen(f"{live_server}/-/health.json", timeout=30) as health:
        assert health.status == 200


def raw_answer(base: str, request: bytes) -> tuple[bytes, dict, bytes]:
    """(status line, headers, body) of ``request`` sent as bytes to the server at ``base``."""
    host, port = base.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=30) as connection:
        connection.sendall(request)
        data = b""
        while chunk := connection.recv(65536):
            data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    status, *lines = head.split(b"\r\n")
    headers = dict(line.lower().split(b": ", 1) for line in lines)
    return status, headers, body


@pytest.mark.parametrize("version", ["9.9", "2.0", "0.9", "1.2"])
def test_a_request_line_in_no_version_of_http_is_a_400_not_answered(live_server, version):
    # uvicorn reads any HTTP/<digit>.<digit>, and HTTP/9.9 was answered 200 as if it were 1.1.
    request = f"GET {FIGURES}.json?_size=1 HTTP/{version}\r\nHost: x\r\n\r\n".encode()
    status, headers, body = raw_answer(live_server, request)
    assert status == b"HTTP/1.1 400 Bad Request"
    assert headers[b"content-type"] == b"application/json; charset=utf-8"
    assert json.loads(body) == {
        "ok": False,
        "status": 400,
        "error": f"HTTP/{version} is no version of HTTP this server speaks: send HTTP/1.1 (or 1.0, 2, 3)",
    }
    request = f"GET {FIGURES}.json?_size=1 HTTP/1.0\r\nHost: x\r\n\r\n".encode()
    assert raw_answer(live_server, request)[0] == b"HTTP/1.1 200 OK"


def test_a_request_target_in_absolute_form_is_answered_as_its_path(live_server):
    # RFC 9112 (3.2.2): a server must accept GET http://host/path. uvicorn handed the whole URL to
    # the app as its path: a 404 "Nothing is at http://127.0.0.1:.../disclosures/figures.json".
    authority = live_server.removeprefix("http://")
    for target, host in ((f"{live_server}{FIGURES}.json", "elsewhere"), (f"HTTP://{authority}{FIGURES}.json", "x")):
        request = f"GET {target}?_size=1&_shape=objects HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n"
        status, headers, body = raw_answer(live_server, request.encode())
        assert status == b"HTTP/1.1 200 OK", body[:300]
        page = json.loads(body)
        # Its links are made from the target's authority, as that section says, not the Host header.
        assert len(page["rows"]) == 1 and page["next_url"].startswith(f"{live_server}{FIGURES}.json?")
    request = f"GET {live_server}/country/U.K. HTTP/1.1\r\nHost: {authority}\r\nConnection: close\r\n\r\n"
    status, headers, _ = raw_answer(live_server, request.encode())
    assert status == b"HTTP/1.1 302 Found" and headers[b"location"] == b"/country/gbr"  # raw_answer lowercases


@pytest.mark.parametrize(
    ("query", "opposite"),
    [("value__isnull=0", "value__notnull=1"), ("quote__notblank=true", "quote__isblank=1"), ("notes__isblank=", None)],
)
def test_an_operator_that_takes_no_value_refuses_any_but_1(site, query, opposite):
    # value__isnull=0 answered the rows whose value is null: Datasette ignores the value.
    message = error(site.get(f"/disclosures/figures.json?{query}"), 400)
    assert message.startswith(query) and "takes the value 1" in message
    if opposite:
        assert message.endswith(opposite)


def test_an_operator_that_takes_no_value_still_filters_with_1(site, real_db):
    from tests.conftest import rows

    ((nulls,),) = rows(real_db, "SELECT count(*) FROM figures WHERE value IS NULL")
    answer = site.get("/disclosures/figures.json?value__isnull=1&_size=1").json()
    assert answer["filtered_table_rows_count"] == nulls > 0
    # The filter form sends 1 whatever its value box holds.
    form = site.get("/disclosures/figures?_filter_column=value&_filter_op=isnull__1&_filter_value=abc")
    assert form.status_code == 302 and form.headers["location"].endswith("?value__isnull=1")


def test_the_navigations_names_lead_to_their_pages(site):
    # /map and /coverage were 404s: the pages are /telegram-map and the coverage table.
    assert site.get("/map?period=2024-10-01_2024-12-31").headers["location"] == (
        "/telegram-map?period=2024-10-01_2024-12-31"
    )
    assert site.get("/coverage").headers["location"] == "/disclosures/coverage"
    assert site.get("/map").status_code == 302 and site.get("/telegram-map").status_code == 200


@pytest.mark.parametrize(
    "short, target",
    [
        ("/figures.json", "/disclosures/figures.json"),
        ("/figures.csv", "/disclosures/figures.csv"),
        ("/coverage.csv", "/disclosures/coverage.csv"),
        ("/search.json", "/disclosures/search_everything.json"),
        ("/search.csv", "/disclosures/search_everything.csv"),
        ("/map.json", "/telegram-map.json"),
        ("/country.json", "/countries.json"),
        ("/platform.json", "/platforms.json"),
    ],
)
def test_a_short_address_with_a_format_leads_to_that_format_with_the_query_kept(site, short, target):
    # /figures led to the table, and /figures.json was a 404.
    query = "q=telegram" if "search" in short else "_size=2" if "disclosures" in target else ""
    answer = site.get(f"{short}?{query}" if query else short)
    assert answer.status_code == 302 and answer.headers["location"] == (f"{target}?{query}" if query else target)
    assert site.get(answer.headers["location"]).status_code == 200


@pytest.mark.parametrize(
    "short, said",
    [
        (
            "/figures.xml",
            "/figures has no .xml: it leads to /disclosures/figures, which is also /figures.json and /figures.csv",
        ),
        ("/search.JSON", "/search has no .JSON"),
        ("/map.csv", "/map has no .csv: it leads to /telegram-map, which is also /map.json"),
    ],
)
def test_a_short_address_with_a_format_its_target_lacks_is_a_404_naming_those_it_has(site, short, said):
    assert site.get(short).status_code == 404 and said in site.get(short).json()["error"]


@pytest.mark.parametrize("trimmed, index", [("/country", "/countries"), ("/platform/", "/platforms")])
def test_a_country_or_platform_address_trimmed_to_its_folder_leads_to_the_index(site, trimmed, index):
    # /country/ was Datasette's 302 to /country, a 404 "Database not found": the reader who
    # trimmed /country/USA wanted the list of countries.
    answer = site.get(trimmed)
    assert answer.status_code == 302 and answer.headers["location"] == index
    assert site.get(index).status_code == 200


@pytest.mark.parametrize(
    ("table", "sort"), [("figures", "_sort=nope"), ("figures", "_sort_desc=rowid"), ("platforms", "_sort=nope")]
)
def test_a_sort_the_table_refuses_names_the_columns_it_can_be_sorted_by(site, table, sort):
    # "figures cannot be sorted by that column" named none, where a refused filter names the values.
    # No table declares sortable_columns: each is sorted by any of its columns (its key, not rowid).
    columns = site.get(f"/disclosures/{table}.json?_size=0").json()["columns"]
    message = error(site.get(f"/disclosures/{table}.json?{sort}"), 400)
    assert message == f"{sort}: {table} cannot be sorted by that column; it can be sorted by {', '.join(columns)}"
    assert all(site.get(f"/disclosures/{table}.json?_size=1&_sort={c}").status_code == 200 for c in columns)
