"""A view's CSV sorted by the client is streamed page by page after the last row's (sort value,
key), not by offset: Datasette's offset pages sorted the whole figures_series view again for
every page, and the last ones broke the stream off at the time limit on a loaded machine."""

import csv
import io
import json
import sqlite3

import pytest

from disclosures import site as site_module
from disclosures.site_config import VIEW_KEYS
from tests.conftest import assert_error_shape, plugin, unhurried
from tests.test_newcomer_findings import asgi_messages

downloads = plugin("downloads")

# Ties, NULLs, a number stored as text and a text: every class SQLite orders.
KEYED_VALUES = [
    ("a", None),
    ("b", 0),
    ("c", 0),
    ("d", None),
    ("e", 1.5),
    ("f", 0),
    ("g", "x"),
    ("h", 1),
    ("i", 0),
    ("j", None),
    ("k", 2),
    ("l", 1.5),
]


@pytest.mark.parametrize("descending", [False, True])
@pytest.mark.parametrize("page", [1, 2, 3, 5])
def test_pages_after_the_last_row_walk_every_row_once_in_sqlite_order(descending, page):
    conn = sqlite3.connect(":memory:")
    conn.execute("CREATE TABLE t (k TEXT PRIMARY KEY NOT NULL, v)")
    conn.executemany("INSERT INTO t VALUES (?, ?)", KEYED_VALUES)
    order = f"v{' DESC' if descending else ''}, k"
    walked, last = [], None
    for _ in range(len(KEYED_VALUES) + 2):
        where = "" if last is None else " WHERE " + downloads.keyset_after("v", "k", descending, last[0] is None)
        bound = {} if last is None else {"after_value": last[0], "after_key": last[1]}
        rows = conn.execute(f"SELECT v, k FROM t{where} ORDER BY {order} LIMIT {page}", bound).fetchall()
        walked += rows
        if len(rows) < page:
            break
        last = rows[-1]
    assert walked == conn.execute(f"SELECT v, k FROM t ORDER BY {order}").fetchall()


def streamed(build_dir, path, query):
    return streamed_from(unhurried(build_dir), path, query)


def streamed_from(datasette, path, query):
    messages = asgi_messages(datasette, path, query)
    bodies = [m for m in messages[1:] if m["type"] == "http.response.body"]
    assert messages[0]["status"] == 200 and not bodies[-1].get("more_body")
    return messages[0], list(csv.reader(io.StringIO(b"".join(m["body"] for m in bodies).decode("utf-8"), newline="")))


def datasettes_own_csv(build_dir, path, query):
    """Datasette's own CSV pages of ``path`` (by offset, as it pages a view), joined: read in a site
    whose time limit is a minute, because what is compared here is how cells are written, not speed."""
    settings = json.loads((build_dir / "settings.json").read_text()) | {"sql_time_limit_ms": 60_000}
    datasette = site_module.in_process(build_dir, settings=settings)
    rows, offset = [], 0
    while True:
        paging = f"&_size={downloads.STREAM_PAGE_ROWS}" + (f"&_next={offset}&_header=off" if offset else "")
        _, page = streamed_from(datasette, path, query + paging)
        rows += page
        if len(page) - (0 if offset else 1) < downloads.STREAM_PAGE_ROWS:
            return rows
        offset += downloads.STREAM_PAGE_ROWS


@pytest.mark.parametrize("sort", ["", "_sort_desc=value&"])
def test_a_view_csv_has_the_rows_and_cells_of_datasettes_own(real_build, real_db, sort):
    # Only Microsoft's rows: several pages, with long runs of equal values across their ends.
    own = datasettes_own_csv(real_build, "/disclosures/figures_series.csv", "platform_id=microsoft")
    start, ordered = streamed(real_build, "/disclosures/figures_series.csv", sort + "platform_id=microsoft")
    assert dict(start["headers"])[b"content-type"] == b"text/csv; charset=utf-8; header=present"
    assert ordered[0] == own[0]
    header = ordered[0]
    # Every cell is written as Datasette writes it, in value order or (unsorted) key order.
    chosen = own[1:]
    assert {r[header.index("platform_id")] for r in chosen} == {"microsoft"}
    assert len(ordered) - 1 == len(chosen) > 3 * downloads.STREAM_PAGE_ROWS
    assert sorted(ordered[1:]) == sorted(chosen)
    order = "value DESC, figure_id" if sort else "figure_id"
    with sqlite3.connect(real_db) as conn:
        expected = [
            r[0]
            for r in conn.execute(
                f"SELECT figure_id FROM figures_series WHERE platform_id = 'microsoft' ORDER BY {order}"
            )
        ]
    assert [r[header.index("figure_id")] for r in ordered[1:]] == expected


def test_an_unsorted_view_csv_is_streamed_after_the_last_key_not_by_offset(real_build):
    # At a 1 s limit Datasette's offset page 4,000 of Microsoft's rows broke the stream off in CI.
    queries = []
    datasette = unhurried(real_build)
    db = datasette.get_database("disclosures")
    original = db.execute

    async def recording(sql, *args, **kwargs):
        queries.append(sql)
        return await original(sql, *args, **kwargs)

    db.execute = recording
    _, rows = streamed_from(datasette, "/disclosures/figures_series.csv", "platform_id=microsoft")
    assert len(rows) - 1 > 3 * downloads.STREAM_PAGE_ROWS
    pages = [q for q in queries if "FROM [figures_series]" in q and "ORDER BY" in q]
    assert len(pages) == (len(rows) - 1) // downloads.STREAM_PAGE_ROWS + 1
    assert all("offset" not in q.lower() for q in pages)
    assert all(":after_key" in q for q in pages[1:])


def test_a_sorted_view_csv_without_a_header_or_with_a_bad_filter(site):
    response = site.get("/disclosures/figures_series.csv?_sort=value&platform_id=telegram&_header=off")
    first = next(csv.reader(io.StringIO(response.text)))
    assert response.status_code == 200 and first[0].startswith("telegram-")
    assert_error_shape(site.get("/disclosures/figures_series.csv?_sort=value&no_such_column=1"), 400)
    assert_error_shape(site.get("/disclosures/figures_series.csv?_sort=no_such_column"), 400)


def test_each_view_key_is_held_once_per_row_and_never_null(real_db):
    with sqlite3.connect(real_db) as conn:
        for view, key in VIEW_KEYS.items():
            total, distinct, missing = conn.execute(
                f"SELECT count(*), count(DISTINCT [{key}]), sum([{key}] IS NULL) FROM [{view}]"
            ).fetchone()
            assert total > 1000 and distinct == total and missing == 0


def test_an_empty_sort_desc_beside_a_sort_is_ascending_as_datasette_reads_it(site):
    # The stream sorted descending whenever a _sort_desc was present, even an empty one.
    streamed = list(
        csv.DictReader(
            io.StringIO(site.get("/disclosures/figures_series.csv?_sort=value&_sort_desc=&platform_id=microsoft").text)
        )
    )
    page = site.get(
        "/disclosures/figures_series.json?_sort=value&_sort_desc=&platform_id=microsoft&_shape=array&_size=5"
    ).json()
    values = [float(r["value"]) for r in streamed]
    assert values == sorted(values) and len(values) > 1000
    assert float(streamed[0]["value"]) == page[0]["value"]
