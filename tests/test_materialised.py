"""Tables the build materialises because the database never changes (coverage, coverage_cells):
their rows equal what the same definitions give when evaluated over the figures at read time.

Layer (b), the real build. The reference queries below are the definitions the site served as
views before they became tables: coverage grouped over every figure, and coverage_cells crossing
the places and periods of the figures (not of coverage, as the build now does).
"""

import shutil
import sqlite3

import sqlite_utils

from tests.conftest import rows

COVERAGE_OVER_FIGURES = """
SELECT platform_id, jurisdiction_id, period_start, period_end, period_label, period_kind,
  CASE
    WHEN sum(is_derived = 0 AND value_kind IN ('exact', 'band', 'less_than')) > 0 THEN 'reported'
    WHEN sum(is_derived) > 0 THEN 'derived'
    WHEN sum(value_kind = 'withheld') > 0 THEN 'withheld'
    ELSE 'not_reported'
  END AS status,
  count(*) AS figures
FROM figures GROUP BY platform_id, jurisdiction_id, period_start, period_end
"""

CELLS_OVER_FIGURES = f"""
WITH coverage_of_figures AS ({COVERAGE_OVER_FIGURES}),
     places AS (SELECT DISTINCT platform_id, jurisdiction_id FROM figures),
     place_counts AS (SELECT platform_id, count(*) AS places FROM places GROUP BY platform_id),
     periods AS (
       SELECT f.platform_id, f.period_start, f.period_end, f.period_label, f.period_kind,
         CASE WHEN f.period_kind = 'year'
           OR f.period_kind = CASE p.cadence WHEN 'quarterly' THEN 'quarter' WHEN 'half-yearly' THEN 'half'
                                WHEN 'yearly' THEN 'year' END
           OR 2 * count(DISTINCT f.jurisdiction_id) >= n.places THEN 1 ELSE 0 END AS regular_period
       FROM figures f JOIN place_counts n USING (platform_id) LEFT JOIN platforms p USING (platform_id)
       GROUP BY f.platform_id, f.period_start, f.period_end)
SELECT places.platform_id, places.jurisdiction_id, periods.period_start, periods.period_end,
  periods.period_label, periods.period_kind,
  -- No figure of its own, inside a longer period of a figure (reported or derived) of the same place.
  coalesce(c.status, CASE WHEN EXISTS (SELECT 1 FROM figures w WHERE w.platform_id = places.platform_id
      AND w.jurisdiction_id = places.jurisdiction_id AND w.period_start <= periods.period_start
      AND w.period_end >= periods.period_end
      AND (w.is_derived = 1 OR w.value_kind IN ('exact', 'band', 'less_than'))) THEN 'in_longer_period'
    ELSE 'missing' END) AS status,
  coalesce(c.figures, 0) AS figures,
  periods.regular_period
FROM places JOIN periods USING (platform_id)
LEFT JOIN coverage_of_figures c ON c.platform_id = places.platform_id AND c.jurisdiction_id = places.jurisdiction_id
  AND c.period_start = periods.period_start AND c.period_end = periods.period_end
WHERE periods.regular_period = 1 OR c.status IS NOT NULL
"""


def test_coverage_table_equals_its_definition_over_the_figures(real_db):
    expected = sorted(rows(real_db, COVERAGE_OVER_FIGURES))
    assert len(expected) > 1000
    assert rows(real_db, "SELECT * FROM coverage") == expected  # stored in key order


def test_coverage_cells_table_equals_its_definition_over_the_figures(real_db):
    expected = sorted(rows(real_db, CELLS_OVER_FIGURES))
    statuses = {r[6] for r in expected}
    assert statuses >= {"reported", "derived", "in_longer_period", "missing"}
    assert rows(real_db, "SELECT * FROM coverage_cells") == expected


def test_telegrams_first_us_quarters_are_inside_its_first_report_not_missing(real_db):
    # The first U.S. report covered January to September 2024 as a whole.
    cells = dict(
        rows(
            real_db,
            "SELECT period_label, status FROM coverage_cells WHERE platform_id = 'telegram' AND jurisdiction_id = 'USA'",
        )
    )
    assert cells["20240101-20240930"] == "reported"
    assert [cells[q] for q in ("2024q1", "2024q2", "2024q3")] == ["in_longer_period"] * 3


def test_coverage_tables_are_keyed_for_the_site(real_db):
    for table in ("coverage", "coverage_cells"):
        keys = [r[1] for r in sorted(rows(real_db, f"PRAGMA table_info({table})"), key=lambda r: r[5]) if r[5]]
        assert keys == ["platform_id", "jurisdiction_id", "period_start", "period_end"], table
        (kind,) = rows(real_db, "SELECT type FROM sqlite_master WHERE name = ?", table)[0]
        assert kind == "table"


def test_a_coverage_page_pages_by_its_key(site):
    first = site.get("/disclosures/coverage.json?_size=5&_shape=objects").json()
    second = site.get(f"/disclosures/coverage.json?_size=5&_shape=objects&_next={first['next']}").json()
    assert len(first["rows"]) == len(second["rows"]) == 5
    keys = [(r["platform_id"], r["jurisdiction_id"], r["period_start"], r["period_end"]) for r in first["rows"]]
    keys += [(r["platform_id"], r["jurisdiction_id"], r["period_start"], r["period_end"]) for r in second["rows"]]
    assert keys == sorted(keys) and len(set(keys)) == 10


def test_requests_and_accounts_table_equals_its_definition_over_the_figures(real_db):
    from disclosures import build

    expected = rows(real_db, build.REQUESTS_AND_ACCOUNTS_SQL)
    assert len(expected) > 1000 and expected == sorted(expected, key=lambda r: (r[0], r[1], r[2], r[3], r[6]))
    assert rows(real_db, "SELECT * FROM requests_and_accounts") == expected
    # Side by side per key, as the view gave them: every figure id of the group, in id order.
    usa = rows(
        real_db,
        """SELECT figure_ids FROM requests_and_accounts WHERE platform_id = 'telegram' AND jurisdiction_id = 'USA'
           AND period_label = '2024' AND request_type_id = 'ip_or_phone'""",
    )
    ids = usa[0][0].split(" ")
    assert ids == sorted(ids) and "telegram-usa-2024-ip_or_phone-requests_fulfilled" in ids


# Written by write_aggregates beside the load; each also has a definition over the figures alone
# (REQUESTS_AND_ACCOUNTS_SQL, freshness.write_freshness_tables without its groups).
AGGREGATE_TABLES = (
    "requests_and_accounts",
    "freshness_series",
    "platform_freshness",
    "series_gaps",
    "coverage",
    "coverage_cells",
)


def _typed_rows(db, table):
    # Types too: 1 and 1.0 are equal in Python, not in the database.
    return [tuple((type(v).__name__, v) for v in row) for row in db.execute(f"SELECT * FROM {table} ORDER BY rowid")]


def _over_the_figures(db):
    from disclosures import build, freshness

    db.execute(build.REQUESTS_AND_ACCOUNTS_TABLE_SQL)
    db.execute(f"INSERT INTO requests_and_accounts {build.REQUESTS_AND_ACCOUNTS_SQL.strip()}")
    freshness.write_freshness_tables(db)


def _aggregates(database, folder, work):
    """{table: typed rows} of the aggregates ``work`` writes beside ``database``, as the build does."""
    from disclosures import build

    side = folder / f"side-{work.__name__}.db"
    build.write_beside(database, side, work)
    with sqlite3.connect(side) as db:
        found = {table: _typed_rows(db, table) for table in AGGREGATE_TABLES}
        # The groups are a temporary table: nothing of them is left to be copied in.
        assert {name for (name,) in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")} == set(
            AGGREGATE_TABLES
        )
    return found


def test_the_aggregates_written_from_the_figure_groups_equal_their_definitions_over_the_figures(real_db, tmp_path):
    from disclosures import build

    grouped = _aggregates(real_db, tmp_path, build.write_aggregates)
    assert grouped == _aggregates(real_db, tmp_path, _over_the_figures)
    with sqlite3.connect(real_db) as db:
        assert grouped == {table: _typed_rows(db, table) for table in AGGREGATE_TABLES}
    assert all(grouped.values())  # every table has rows


def test_the_figure_groups_give_every_status_and_kind_as_the_figures_do(real_db, tmp_path):
    # The real package has no withheld or less-than figure: some reported figures made so here,
    # and some places left with bands or derived figures alone, so that coverage meets every status.
    from disclosures import build

    edited = tmp_path / "edited.db"
    shutil.copyfile(real_db, edited)
    with sqlite3.connect(edited) as db:
        db.execute(
            "UPDATE figures SET value_kind = 'withheld', value = NULL WHERE is_derived = 0 AND value_kind = 'exact' AND rowid % 7 = 0"
        )
        db.execute(
            "UPDATE figures SET value_kind = 'less_than' WHERE is_derived = 0 AND value_kind = 'exact' AND rowid % 11 = 0"
        )
        db.execute(
            "UPDATE figures SET value_kind = 'band' WHERE is_derived = 0 AND value_kind = 'exact' AND rowid % 13 = 0"
        )
        db.execute("DELETE FROM figures WHERE is_derived = 0 AND value_kind = 'exact' AND rowid % 3 = 0")
    grouped = _aggregates(edited, tmp_path, build.write_aggregates)
    assert grouped == _aggregates(edited, tmp_path, _over_the_figures)
    statuses = {row[6][1] for row in grouped["coverage"]}
    assert statuses == {"reported", "derived", "withheld", "not_reported"}


def test_the_aggregates_read_the_figures_twice_where_their_definitions_read_them_five_times(real_db, tmp_path):
    # Once grouped by place, period and request type (the groups serve requests_and_accounts,
    # freshness_series, the newest periods, series_gaps and coverage), once for the periods each
    # platform's freshness source published.
    from disclosures import build

    def statements_reading_figures(work):
        db = sqlite3.connect(tmp_path / f"reads-{work.__name__}.db")
        db.execute("ATTACH DATABASE ? AS built", [f"file:{real_db}?mode=ro"])
        prepared, reading = [], []

        def authorize(action, table, column, database, trigger):
            if action == sqlite3.SQLITE_READ and table == "figures":
                prepared.append(True)
            return sqlite3.SQLITE_OK

        def traced(sql):
            if prepared:
                reading.append(sql)
                prepared.clear()

        db.set_authorizer(authorize)
        db.set_trace_callback(traced)
        work(sqlite_utils.Database(db))
        db.close()
        return reading

    assert len(statements_reading_figures(build.write_aggregates)) == 2
    assert len(statements_reading_figures(_over_the_figures)) == 5
