"""Facets of one-filter views, counted by the build (disclosures/precompute.py) and read by
plugins/facets.py, and facets on pages after the first.

Layers: (a) the plugin's pure decisions (which SQL is a one-filter view, the cursor's clause)
and the build's counting on tiny inputs; (b) the pair counts of a real build against SQL;
(c) every one-filter view of the real build through Datasette's client against plain SQL, and
page 1 against page 2.
"""

import json
import random
import shutil
import sqlite3
import subprocess
import sys
from collections import Counter

import pyarrow as pa
import pyarrow.compute as pc
import pytest
import sqlite_utils
from datasette.utils import escape_sqlite

from disclosures import paths, precompute
from tests.conftest import built_settings, plugin, rows, unhurried

facets_plugin = plugin("facets")

SELECT = 'select "figure_id", "platform_id" from figures '


# (a) Pure rules --------------------------------------------------------------------------------


def test_one_filter_is_exactly_one_equality_on_a_paired_column():
    columns = {"platform_id", "metric_id"}
    one = facets_plugin.one_filter
    assert one(SELECT + 'where "platform_id" = :p0 ', {"p0": "telegram"}, "figures", columns) == (
        "platform_id",
        "telegram",
    )
    # An unpaired column, two filters, another operator, a search or _where, a non-text
    # parameter: Datasette counts.
    assert one(SELECT + 'where "value_kind" = :p0 ', {"p0": "exact"}, "figures", columns) is None
    two = SELECT + 'where "metric_id" = :p0 and "platform_id" = :p1 '
    assert one(two, {"p0": "a", "p1": "b"}, "figures", columns) is None
    assert one(SELECT + 'where "platform_id" != :p0 ', {"p0": "x"}, "figures", columns) is None
    searched = (
        SELECT
        + 'where "platform_id" = :p0 and rowid in (select rowid from figures_fts where figures_fts match :search) '
    )
    assert one(searched, {"p0": "x", "search": "y"}, "figures", columns) is None
    where = SELECT + 'where "platform_id" = :p0 and ("metric_id" = :p0) '
    assert one(where, {"p0": "x"}, "figures", columns) is None
    assert one(SELECT + 'where "platform_id" = :p0 ', {"p0": 3}, "figures", columns) is None
    # Another table whose name ends the same way is not this one.
    assert one('select * from other_figures where "platform_id" = :p0 ', {"p0": "x"}, "figures", columns) is None


def test_filter_identifier_is_datasette_filters_quoting():
    assert facets_plugin.filter_identifier("platform_id") == '"platform_id"'
    assert facets_plugin.filter_identifier("odd name") == escape_sqlite("odd name") == "[odd name]"


@pytest.mark.parametrize(
    ("token", "pks", "sort", "sort_desc", "clause", "count"),
    [
        ("abc", ["figure_id"], None, None, "((figure_id > :p1))", 1),
        ("5", [], None, None, "rowid > :p1", 1),
        ("a,b", ["x", "y"], None, None, "((x > :p1)\n  or\n(x = :p1 and y > :p2))", 2),
        (
            "177,abc",
            ["figure_id"],
            "recency_rank",
            None,
            "(recency_rank > :p2 or (recency_rank = :p2 and ((figure_id > :p1))))",
            2,
        ),
        (
            "9,abc",
            ["figure_id"],
            None,
            "value",
            "(value < :p2 or value is null or (value = :p2 and ((figure_id > :p1))))",
            2,
        ),
        ("$null,abc", ["figure_id"], None, "value", "(value is null and ((figure_id > :p1)))", 1),
        (
            "$null,abc",
            ["figure_id"],
            "value",
            None,
            "(value is not null or (value is null and ((figure_id > :p1))))",
            1,
        ),
    ],
)
def test_cursor_clause_is_the_one_datasette_writes(token, pks, sort, sort_desc, clause, count):
    assert facets_plugin.cursor_clause(token, pks, sort, sort_desc, 1) == (clause, count)


def test_without_cursor_takes_out_the_clause_and_its_parameters():
    clause = "((figure_id > :p1))"
    sql = SELECT + f'where "platform_id" = :p0 and {clause} '
    assert facets_plugin.without_cursor(sql, {"p0": "t", "p1": "id"}, clause, 1) == (
        SELECT + 'where "platform_id" = :p0 ',
        {"p0": "t"},
    )
    # The only clause: the SQL of the unfiltered table, as Datasette writes it.
    assert facets_plugin.without_cursor(
        SELECT + "where ((figure_id > :p0)) ", {"p0": "id"}, "((figure_id > :p0))", 1
    ) == (
        SELECT,
        {},
    )
    # SQL that does not end with the clause is left to Datasette.
    assert facets_plugin.without_cursor(SELECT + "where x = 1 ", {"p0": "id"}, "((figure_id > :p0))", 1) is None


def test_text_affinity_follows_sqlites_rules():
    assert precompute.text_affinity("TEXT")
    assert precompute.text_affinity("varchar(10)")
    assert precompute.text_affinity("CLOB")
    assert not precompute.text_affinity("INTEGER")
    assert not precompute.text_affinity("CHARINT")  # INT first
    assert not precompute.text_affinity("")
    assert not precompute.text_affinity("NUMERIC")


def test_facet_indexes_lead_with_the_facet_then_the_default_sort():
    tables = {"figures": {"sort": "recency_rank", "facets": ["a", "metric_id", "b"]}, "sources": {"facets": ["kind"]}}
    metadata = {"databases": {"disclosures": {"tables": tables}}}
    assert precompute.facet_indexes(metadata, "figures") == [
        ["a", "recency_rank"],
        ["metric_id", "recency_rank", "a", "b"],  # the one covering index
        ["b", "recency_rank"],
    ]
    assert precompute.facet_indexes(metadata, "sources") == []


def test_value_counts_counts_every_value_and_every_pair():
    cells = {
        "a": pa.array(["x", "y", "x", "x"]).dictionary_encode(),
        "b": pa.array(["p", "p", "q", "p"]).dictionary_encode(),
    }
    single, pairs = precompute.value_counts(cells)
    assert sorted(single) == [("a", "x", 3), ("a", "y", 1), ("b", "p", 3), ("b", "q", 1)]
    assert sorted(pairs) == [
        ("a", "x", "a", "x", 3),
        ("a", "x", "b", "p", 2),
        ("a", "x", "b", "q", 1),
        ("a", "y", "a", "y", 1),
        ("a", "y", "b", "p", 1),
        ("b", "p", "a", "x", 2),
        ("b", "p", "a", "y", 1),
        ("b", "p", "b", "p", 3),
        ("b", "q", "a", "x", 1),
        ("b", "q", "b", "q", 1),
    ]


def test_value_counts_counts_each_pair_of_columns_once_and_gives_both_orders(monkeypatch):
    randomness = random.Random(62)
    columns = {name: [randomness.choice("uvwxyz"[: 2 + i]) for _ in range(300)] for i, name in enumerate("abc")}
    cells = {name: pa.array(values).dictionary_encode() for name, values in columns.items()}
    counting = []
    original = pc.value_counts

    def counted(array, *args, **kwargs):
        counting.append(len(array))
        return original(array, *args, **kwargs)

    monkeypatch.setattr(pc, "value_counts", counted)
    single, pairs = precompute.value_counts(cells)
    # Three columns' own counts, then each of the three pairs once (a, b; a, c; b, c).
    assert counting == [300] * (3 + 3)
    rows = list(zip(*columns.values(), strict=True))
    names = list(columns)
    expected = Counter((names[f], row[f], names[c], row[c]) for row in rows for f in range(3) for c in range(3))
    assert sorted(pairs) == sorted((*key, count) for key, count in expected.items())
    assert len(pairs) == len(expected)


# 0: every table counted by Arrow; None: as the build counts (small tables by GROUP BY).
@pytest.mark.parametrize("grouped_rows", [0, None])
def test_only_text_columns_without_nulls_get_pairs(tmp_path, monkeypatch, grouped_rows):
    if grouped_rows is not None:
        monkeypatch.setattr(precompute, "GROUPED_ROWS", grouped_rows)
    db = sqlite_utils.Database(tmp_path / "t.db")
    db.execute('CREATE TABLE t ("a" TEXT NOT NULL, "b" TEXT, "n" INTEGER, "s" TEXT)')
    cells = [("x", None, 1, "p\x1eq"), ("x", "u", 2, "p"), ("y", "u", 1, "p"), ("y", "v", None, "q")]
    db.conn.executemany("INSERT INTO t VALUES (?, ?, ?, ?)", cells)
    db.execute('CREATE TABLE c ("k" TEXT COLLATE NOCASE)')
    # What the home page's numbers read.
    for table in (
        "figures (is_derived, platform_id, jurisdiction_id, source_id)",
        "sources (id)",
        "disagreements (id)",
    ):
        db.execute(f"CREATE TABLE {table}")
    db.conn.executemany("INSERT INTO c VALUES (?)", [("A",), ("a",)])
    db.conn.commit()
    with db.atomic():
        precompute.write_default_counts(db, {"t": ["a", "b", "n", "s"], "c": ["k"]})
    paired = {r[0] for r in db.execute("SELECT DISTINCT filter_column FROM facet_pair_counts")}
    # b has a NULL, n is INTEGER, s holds the separator, c declares a collation.
    assert paired == {"a"}
    assert rows(
        tmp_path / "t.db", "SELECT filter_value, column_name, value, row_count FROM facet_pair_counts ORDER BY 1, 2, 3"
    ) == [
        ("x", "a", "x", 2),
        ("y", "a", "y", 2),
    ]
    # Every column still has its unfiltered counts, NULLs left out as Datasette leaves them out.
    for table, column in (("t", "a"), ("t", "b"), ("t", "n"), ("t", "s"), ("c", "k")):
        expected = rows(
            tmp_path / "t.db",
            f"SELECT {column}, count(*) FROM {table} WHERE {column} IS NOT NULL GROUP BY {column} ORDER BY 1",
        )
        stored = rows(
            tmp_path / "t.db",
            "SELECT coalesce(value_number, value), row_count FROM facet_counts WHERE table_name = ? AND column_name = ? "
            "ORDER BY 1",
            table,
            column,
        )
        assert stored == expected, (table, column)
    # Every value is stored as text (one type, which paging by it needs), n's numbers beside it.
    assert rows(tmp_path / "t.db", "SELECT DISTINCT typeof(value) FROM facet_counts") == [("text",)]
    assert rows(
        tmp_path / "t.db", "SELECT value, value_number FROM facet_counts WHERE value_number IS NOT NULL ORDER BY 2"
    ) == [("1", 1), ("2", 2)]


def test_small_tables_are_counted_without_arrow_to_arrows_counts(base_db, tmp_path):
    # The build's own process counts every table but the figures (which its child counts) with
    # GROUP BY when it is small: there it never imports Arrow. Counted again in a process where
    # Arrow cannot be imported, every count equals what the build wrote (the figures' with Arrow).
    again = tmp_path / "again.db"
    shutil.copy(base_db, again)
    script = f"""
import json, sys
class NoArrow:
    @staticmethod
    def find_spec(name, path=None, target=None):
        if name.split(".")[0] == "pyarrow":
            raise ImportError("Arrow imported: " + name)
sys.meta_path.insert(0, NoArrow)
import sqlite_utils
from disclosures import paths, precompute, site_config
metadata = site_config.site_metadata(json.loads(paths.PACKAGE.read_text(encoding="utf-8")))
db = sqlite_utils.Database({str(again)!r})
with db.atomic():
    for table in precompute.COUNT_TABLES:
        db.execute("DROP TABLE " + table)
    precompute.write_default_counts(db, precompute.configured_facets(metadata))
print(sorted(name for name in sys.modules if name.split(".")[0] == "pyarrow"))
"""
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, cwd=paths.ROOT)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"
    for table in precompute.COUNT_TABLES:
        built = sorted(rows(base_db, f"SELECT * FROM {table}"))
        assert built, table
        assert sorted(rows(again, f"SELECT * FROM {table}")) == built, table


def test_grouped_facets_count_as_arrow_counts_on_every_table_of_the_build(real_db):
    db = sqlite_utils.Database(sqlite3.connect(real_db))
    tables = set(db.table_names())
    for table, columns in configured(real_db).items():
        if table in tables:  # views are counted by GROUP BY either way
            columns = precompute.text_facet_columns(db, table, columns)
            total = db[table].count
            cells = precompute.text_column_cells(db, table, columns, total)
            single, pairs = precompute.value_counts(cells) if cells else ([], [])
            grouped = precompute.grouped_facets(db, table, columns, total)
            assert (sorted(grouped.single), sorted(grouped.pairs)) == (sorted(single), sorted(pairs)), table
            assert grouped.columns == frozenset(cells) and grouped.total == total, table
    db.conn.close()


# (b) The build ---------------------------------------------------------------------------------


def configured(real_db):
    return precompute.configured_facets(json.loads((real_db.parent / "metadata.json").read_text(encoding="utf-8")))


def test_pair_counts_of_the_build_equal_what_sqlite_counts(real_db):
    facets = configured(real_db)
    with sqlite3.connect(real_db) as conn:
        views = {name for (name,) in conn.execute("SELECT name FROM sqlite_master WHERE type = 'view'")}
        assert {r[0] for r in conn.execute("SELECT DISTINCT table_name FROM facet_pair_counts")} == {
            table for table in facets if table not in views
        }
        for table, columns in facets.items():
            if table in views:
                continue
            # Pairs are counted for text columns only (an integer facet such as
            # freshness_series.main_series is left to Datasette's own count).
            counted = precompute.text_facet_columns(sqlite_utils.Database(conn), table, columns)
            assert set(counted) == {
                c
                for (c,) in conn.execute(
                    "SELECT DISTINCT filter_column FROM facet_pair_counts WHERE table_name = ?", [table]
                )
            }
            for filter_column in counted:
                for column in counted:
                    expected = conn.execute(
                        f"SELECT {filter_column}, {column}, count(*) FROM {table} "
                        f"WHERE {column} IS NOT NULL GROUP BY 1, 2 ORDER BY 1, 2"
                    ).fetchall()
                    stored = conn.execute(
                        "SELECT filter_value, value, row_count FROM facet_pair_counts WHERE table_name = ? "
                        "AND filter_column = ? AND column_name = ? ORDER BY 1, 2",
                        [table, filter_column, column],
                    ).fetchall()
                    assert stored == expected, (table, filter_column, column)


# (c) The site ----------------------------------------------------------------------------------


def counted(body):
    return {
        name: ([(r["value"], r["count"]) for r in facet["results"]], facet["truncated"])
        for name, facet in body["facet_results"].items()
    }


def shown(site, path):
    return counted(site.get(path).json())


def expected_facets(conn, table, filter_column, value, columns, size):
    expected = {}
    for column in columns:
        counted = conn.execute(
            f"SELECT {column}, count(*) AS n FROM {table} WHERE {filter_column} = ? AND {column} IS NOT NULL "
            f"GROUP BY {column} ORDER BY n DESC, {column} LIMIT ?",
            [str(value), size + 1],  # a query string parameter is text, as Datasette passes it
        ).fetchall()
        expected[column] = (counted[:size], len(counted) > size)
    return expected


def test_every_one_filter_view_shows_what_sqlite_counts(site, real_db):
    metadata = json.loads((real_db.parent / "metadata.json").read_text(encoding="utf-8"))
    tables = metadata["databases"]["disclosures"]["tables"]
    checked = 0
    with sqlite3.connect(real_db) as conn:
        for table, columns in configured(real_db).items():
            size = tables[table].get("facet_size", 30)
            for filter_column in columns:
                # Not NULL: no facet links to one, and "None" is no number a number column can equal
                # (freshness.behind_cadence=None is a 400).
                values = [
                    v
                    for (v,) in conn.execute(
                        f"SELECT DISTINCT {filter_column} FROM {table} WHERE {filter_column} IS NOT NULL ORDER BY 1"
                    )
                ]
                for value in values:
                    query = f"{filter_column}={value}&_size=1&_extra=facet_results"
                    path = f"/disclosures/{table}.json?" + query.replace(" ", "+")
                    assert shown(site, path) == expected_facets(conn, table, filter_column, value, columns, size), path
                    checked += 1
        assert checked > 300
        # A value with no rows (a jurisdiction with no figure: a key no row has is a 400,
        # tests/test_key_filters.py), and the toggle link's __exact form.
        assert shown(site, "/disclosures/figures.json?jurisdiction_id=ATG&_extra=facet_results") == expected_facets(
            conn, "figures", "jurisdiction_id", "ATG", configured(real_db)["figures"], 50
        )
        exact = "/disclosures/figures.json?metric_id__exact=requests_fulfilled&_extra=facet_results"
        assert shown(site, exact) == expected_facets(
            conn, "figures", "metric_id", "requests_fulfilled", configured(real_db)["figures"], 50
        )
        # _facet_size: truncation at another size, and max (capped by plugins/budget.py).
        maximum = min(plugin("budget").MAX_FACET_SIZE, built_settings(real_db.parent)["max_returned_rows"])
        for facet_size, limit in (("3", 3), ("max", maximum)):
            path = f"/disclosures/figures.json?platform_id=google&_facet_size={facet_size}&_extra=facet_results"
            assert shown(site, path) == expected_facets(
                conn, "figures", "platform_id", "google", configured(real_db)["figures"], limit
            ), facet_size


def test_a_one_filter_view_reads_the_pairs_and_two_filters_read_the_table(tmp_path, real_build):
    import shutil

    from tests.conftest import Site

    folder = tmp_path / "site"
    shutil.copytree(real_build, folder)
    with sqlite3.connect(folder / "disclosures.db") as conn:
        conn.execute(
            "UPDATE facet_pair_counts SET row_count = 999999 WHERE table_name = 'figures' "
            "AND filter_column = 'metric_id' AND filter_value = 'requests_fulfilled' "
            "AND column_name = 'platform_id' AND value = 'telegram'"
        )
    conn.close()
    tampered = Site(unhurried(folder))
    one = shown(tampered, "/disclosures/figures.json?metric_id=requests_fulfilled&_extra=facet_results")
    assert one["platform_id"][0][0] == ("telegram", 999999)
    two = shown(
        tampered, "/disclosures/figures.json?metric_id=requests_fulfilled&period_kind=year&_extra=facet_results"
    )
    (real,) = rows(
        folder / "disclosures.db",
        "SELECT count(*) FROM figures WHERE platform_id = 'telegram' AND metric_id = 'requests_fulfilled' "
        "AND period_kind = 'year'",
    )[0]
    assert ("telegram", real) in two["platform_id"][0]


@pytest.mark.parametrize(
    "query",
    [
        "platform_id=telegram",  # the example: 303 and 303 on page 1, 301 and 300 on page 2
        "platform_id=telegram&_sort=figure_id",
        "platform_id=telegram&_sort_desc=value",
        "platform_id=google&metric_id=requests_received",  # counted by Datasette, not the pairs
        "",  # the unfiltered table
    ],
)
def test_a_later_page_shows_the_facets_of_the_first(site, real_db, query):
    first = site.get(f"/disclosures/figures.json?_size=5&_extra=facet_results,next,count&{query}").json()
    assert first["next"]
    second = site.get(
        f"/disclosures/figures.json?_size=5&_extra=facet_results,next,count&{query}&_next={first['next']}"
    ).json()
    assert second["filtered_table_rows_count"] == first["filtered_table_rows_count"]
    # The counts, values and truncation; toggle links differ (a later page's keep its _next).
    assert counted(second) == counted(first)
    assert second["facet_results"]["metric_id"]["results"]
    if query == "platform_id=telegram":
        counts = {r["value"]: r["count"] for r in second["facet_results"]["metric_id"]["results"]}
        expected = dict(
            rows(real_db, "SELECT metric_id, count(*) FROM figures WHERE platform_id = 'telegram' GROUP BY 1")
        )
        assert counts == expected


@pytest.mark.parametrize("column", ["platform_id", "jurisdiction_id", "period_label", "period_kind", "source_tier"])
def test_a_view_filtered_on_metric_and_more_counts_its_facets_from_a_covering_index(real_db, column):
    # The query Datasette runs for a column facet of a two-filter view (no precomputed counts).
    sql = (
        f"SELECT {column} AS value, count(*) AS count FROM (SELECT * FROM figures WHERE metric_id = "
        f"'requests_received' AND period_kind = 'half') WHERE {column} IS NOT NULL GROUP BY {column} "
        "ORDER BY count DESC, value LIMIT 51"
    )
    plan = " ".join(r[-1] for r in rows(real_db, f"EXPLAIN QUERY PLAN {sql}"))
    assert "COVERING INDEX" in plan, plan


def test_grouped_counts_are_each_columns_own_group_by():
    conn = sqlite3.connect(":memory:")
    conn.execute("CREATE TABLE t (a, b)")
    rows = [("x", 1), ("x", None), ("y", 1), (None, 2.5), ("é", "text"), (3, 1), ("x", 1)]
    conn.executemany("INSERT INTO t VALUES (?, ?)", rows)
    conn.execute("CREATE VIEW v AS SELECT * FROM t")
    expected = [
        ("v", column, value, count)
        for column in ("a", "b")
        for value, count in conn.execute(
            f"SELECT {column}, count(*) FROM t WHERE {column} IS NOT NULL GROUP BY {column}"
        )
    ]
    assert precompute.grouped_counts(sqlite_utils.Database(conn), "v", ["a", "b"]) == expected
    assert precompute.grouped_counts(sqlite_utils.Database(conn), "v", []) == []
