"""How fresh each platform's figures are, and what the dataset covers: SQL the build runs.

``platform_freshness`` (one row per platform): ``dataset_up_to``, the end of the newest period
any reported figure of the platform covers (NULL without figures); ``published_up_to``, the end
of the newest period the platform has published, as ``source_id`` shows (from
``platforms.published_up_to`` and ``platforms.freshness_source_id``); ``cadence``. Dates are ISO
8601. The ``freshness`` view adds the sentence readers see: "dataset up to X; platform has
published up to Y".

``coverage`` gives each platform, jurisdiction and period that has any figure a status:
reported, derived, withheld or not_reported. ``coverage_cells`` adds ``missing`` for every
other pair of a jurisdiction and a *regular* period of the platform (its cadence's quarters,
halves or years, calendar years, and periods at least half its jurisdictions have). A period the
platform's source used for a few jurisdictions only is listed where a figure exists and is never
missing elsewhere: ``regular_period`` is 0 on those rows.

Both are tables, written once by the build (``write_coverage``), keyed by (platform_id,
jurisdiction_id, period_start, period_end): the database never changes, and as views they were
computed again on every read, by each platform's coverage matrix and by every page that shows
one. ``coverage_cells`` is computed from ``coverage`` alone, which holds every distinct
platform, jurisdiction and period of the figures, rather than from the figures a second time.
"""

from __future__ import annotations

import sqlite_utils

FRESHNESS_TABLE_SQL = """CREATE TABLE platform_freshness (
  platform_id TEXT NOT NULL PRIMARY KEY REFERENCES platforms (platform_id),
  dataset_up_to TEXT CHECK (dataset_up_to IS NULL OR date(dataset_up_to) = dataset_up_to),
  published_up_to TEXT CHECK (published_up_to IS NULL OR date(published_up_to) = published_up_to),
  cadence TEXT NOT NULL,
  source_id TEXT REFERENCES sources (source_id)
)"""

# One scan of figures for every platform: a subquery per platform would scan them once each.
FRESHNESS_ROWS_SQL = """INSERT INTO platform_freshness (platform_id, dataset_up_to, published_up_to, cadence, source_id)
SELECT p.platform_id, newest.period_end, p.published_up_to, p.cadence, p.freshness_source_id
FROM platforms p LEFT JOIN (
  SELECT platform_id, max(period_end) AS period_end FROM figures WHERE is_derived = 0 GROUP BY platform_id
) newest USING (platform_id)
ORDER BY p.platform_id"""

# The sentence every comparison and platform shows, so that a gap between the dataset and the
# platform's newest report is never silent.
STATEMENT_SQL = """CASE WHEN fr.dataset_up_to IS NULL THEN 'dataset has no figures'
    ELSE 'dataset up to ' || fr.dataset_up_to END || '; ' ||
  CASE WHEN fr.published_up_to IS NOT NULL THEN 'platform has published up to ' || fr.published_up_to
    WHEN fr.cadence = 'case_by_case' THEN 'platform publishes cases, not counts (see cases)'
    ELSE 'newest period the platform has published is not recorded' END"""

VIEWS = {
    "freshness": f"""
SELECT fr.platform_id, p.name AS platform, fr.dataset_up_to, fr.published_up_to, fr.cadence, fr.source_id,
  {STATEMENT_SQL} AS statement,
  CASE WHEN fr.published_up_to > coalesce(fr.dataset_up_to, '') THEN 1 ELSE 0 END AS dataset_behind
FROM platform_freshness fr JOIN platforms p USING (platform_id)
""",
}

COVERAGE_TABLES_SQL = [
    """CREATE TABLE coverage (
  platform_id TEXT NOT NULL,
  jurisdiction_id TEXT NOT NULL,
  period_start TEXT NOT NULL,
  period_end TEXT NOT NULL,
  period_label TEXT NOT NULL,
  period_kind TEXT NOT NULL,
  status TEXT NOT NULL CHECK (status IN ('reported', 'derived', 'withheld', 'not_reported')),
  figures INTEGER NOT NULL,
  PRIMARY KEY (platform_id, jurisdiction_id, period_start, period_end)
)""",
    """CREATE TABLE coverage_cells (
  platform_id TEXT NOT NULL,
  jurisdiction_id TEXT NOT NULL,
  period_start TEXT NOT NULL,
  period_end TEXT NOT NULL,
  period_label TEXT NOT NULL,
  period_kind TEXT NOT NULL,
  status TEXT NOT NULL CHECK (status IN ('reported', 'derived', 'withheld', 'not_reported', 'missing')),
  figures INTEGER NOT NULL,
  regular_period INTEGER NOT NULL CHECK (regular_period IN (0, 1)),
  PRIMARY KEY (platform_id, jurisdiction_id, period_start, period_end)
)""",
]

# What is known for each platform, jurisdiction and period: a figure as reported, only derived
# ones, or only an explicit withheld / not_reported row.
COVERAGE_ROWS_SQL = """INSERT INTO coverage
SELECT platform_id, jurisdiction_id, period_start, period_end, period_label, period_kind,
  CASE
    WHEN sum(is_derived = 0 AND value_kind IN ('exact', 'band', 'less_than')) > 0 THEN 'reported'
    WHEN sum(is_derived) > 0 THEN 'derived'
    WHEN sum(value_kind = 'withheld') > 0 THEN 'withheld'
    ELSE 'not_reported'
  END AS status,
  count(*) AS figures
FROM figures GROUP BY platform_id, jurisdiction_id, period_start, period_end
ORDER BY platform_id, jurisdiction_id, period_start, period_end"""

# Every jurisdiction × period of a platform that a reader can expect, with 'missing' where no
# row of any kind exists. A period is expected everywhere (regular_period = 1) when it has the
# platform's cadence (quarter, half or year), is a calendar year, or is used by at least half
# of the platform's jurisdictions (a report issued for all of them, such as Telegram's first,
# January–September 2024). Any other period is one the platform's source used for a few
# jurisdictions only (Telegram's January–June 2025 for Argentina, April–September 2025 for the
# UAE): it is listed only where a figure exists, never as missing elsewhere.
# coverage has one row per distinct platform, jurisdiction and period of the figures, so its
# rows per platform are the places, and its rows per period the period's distinct jurisdictions.
COVERAGE_CELLS_ROWS_SQL = """INSERT INTO coverage_cells
WITH places AS (SELECT DISTINCT platform_id, jurisdiction_id FROM coverage),
     place_counts AS (SELECT platform_id, count(*) AS places FROM places GROUP BY platform_id),
     periods AS (
       SELECT c.platform_id, c.period_start, c.period_end, c.period_label, c.period_kind,
         CASE WHEN c.period_kind = 'year'
           OR c.period_kind = CASE p.cadence WHEN 'quarterly' THEN 'quarter' WHEN 'half-yearly' THEN 'half'
                                WHEN 'yearly' THEN 'year' END
           OR 2 * count(*) >= n.places THEN 1 ELSE 0 END AS regular_period
       FROM coverage c JOIN place_counts n USING (platform_id) LEFT JOIN platforms p USING (platform_id)
       GROUP BY c.platform_id, c.period_start, c.period_end)
SELECT places.platform_id, places.jurisdiction_id, periods.period_start, periods.period_end,
  periods.period_label, periods.period_kind, coalesce(c.status, 'missing') AS status, coalesce(c.figures, 0) AS figures,
  periods.regular_period
FROM places JOIN periods USING (platform_id)
LEFT JOIN coverage c ON c.platform_id = places.platform_id AND c.jurisdiction_id = places.jurisdiction_id
  AND c.period_start = periods.period_start AND c.period_end = periods.period_end
WHERE periods.regular_period = 1 OR c.status IS NOT NULL
ORDER BY places.platform_id, places.jurisdiction_id, periods.period_start, periods.period_end"""


def write_coverage(db: sqlite_utils.Database) -> None:
    """Create and fill ``coverage`` and ``coverage_cells`` (figures and platforms must be loaded)."""
    for sql in COVERAGE_TABLES_SQL:
        db.execute(sql)
    db.execute(COVERAGE_ROWS_SQL)
    db.execute(COVERAGE_CELLS_ROWS_SQL)


def write_freshness(db: sqlite_utils.Database) -> None:
    """Create and fill ``platform_freshness``, the coverage tables and the views above (figures
    must be loaded)."""
    db.execute(FRESHNESS_TABLE_SQL)
    db.execute(FRESHNESS_ROWS_SQL)
    write_coverage(db)
    for view, sql in VIEWS.items():
        db.create_view(view, sql.strip(), replace=True)
