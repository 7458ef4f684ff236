"""How fresh each platform's figures are, and what the dataset covers: SQL the build runs.

Freshness is per regime. EU DSA Article 10 orders (``DSA_REQUEST_TYPES``) are a separate legal
regime from a platform's global reports (DOMAIN.md): they are never summed with them, and their
newest period never stands for the global report's.

``platform_freshness`` (one row per platform), dates ISO 8601:

* ``dataset_up_to``: end of the newest period of the platform's reported figures outside the DSA
  request types (NULL without any);
* ``published_up_to``: end of the newest period of the platform's global reports, as
  ``source_id`` shows (``platforms.published_up_to`` and ``freshness_source_id``);
* ``published_up_to_checked`` and ``checked_basis``: when that claim was last checked, and what
  the date is (``curator_check``, or ``source_retrieved``: the date the source was retrieved, when
  no later check is recorded);
* ``behind_cadence``: 1 when ``behind_cadence_up_to`` is older than the cadence allows on the
  checked date (a period plus ``REPORT_DELAY_MONTHS`` for its report to appear), else 0; NULL when
  either date is missing or the platform has no periodic cadence. Measured against the checked
  date, never the build's clock, so the build stays deterministic;
* ``behind_cadence_up_to``: the end ``behind_cadence`` measures, the main series' own: the
  ``published_up_to`` claim, unless that claim rests only on other series of the freshness source
  (``published_up_to_main_series`` 0) and the main series ends earlier, as Google's Legal process
  requests (2025-06-30) do under its National Security Letter bands (2025-12-31); then
  ``main_series_up_to``, the newest period of the main series any stored source holds;
* ``dsa_dataset_up_to``, ``dsa_published_up_to``, ``dsa_source_id``: the same for the EU DSA
  orders series;
* ``dataset_up_to_series``: the labels of the request types whose figures reach ``dataset_up_to``
  (", "-joined); ``main_request_type_id``, ``main_series`` (its label) and ``main_series_up_to``:
  the request type reported for the most places and periods outside the DSA, and the end of its newest period.
  Google's dataset reaches 2025-12-31 only through its National Security Letter bands, while its
  main series ends 2025-06-30: the statement names both;
* ``published_up_to_series``: the request types of the freshness source's figures for the period
  ending ``published_up_to`` (NULL when the source's figures for it are not in the dataset), and
  ``published_up_to_main_series`` (1 when they include the main series);
* ``dataset_behind_months`` and ``dataset_behind_by`` ("9 years", "8 years 6 months"): how much
  older ``dataset_up_to`` is than ``published_up_to``; NULL when it is not older;
* ``dsa_published_up_to_checked``, ``dsa_checked_basis``, ``dsa_cadence``, ``dsa_behind_cadence``,
  ``dsa_dataset_behind_months``: the DSA claim treated as the global one. No curator check of it is
  recorded in platforms.csv, so its checked date is the retrieved_date of ``dsa_source_id`` and the
  basis is always ``source_retrieved``. The DSA's cadence is the regime's, not the platform's global
  one: half-yearly (``DSA_CADENCE``) for the very large platforms, yearly (``DSA_YEARLY_CADENCE``)
  for a provider whose claimed newest DSA report covers a whole year, as the other intermediary
  services' reports do (Reddit's 2025); each with ``DSA_REPORT_DELAY_MONTHS`` for the report.

``freshness_series`` (one row per platform and request type of its reported figures): ``regime``
(``global`` or ``eu_dsa``), ``first_period_start``, ``dataset_up_to``, ``figures`` and
``main_series`` (1 for the regime's request type reported for the most places and periods in figures
that are not bands).

The ``freshness`` view adds the sentence readers see: "dataset up to X; platform has published
up to Y (as checked on D)", then the DSA series as such.

``coverage`` gives each platform, jurisdiction and period that has any figure a status:
reported, derived, withheld or not_reported. ``coverage_cells`` adds ``in_longer_period`` for a
regular period with no figure of its own inside a longer one the jurisdiction has a figure for,
and ``missing`` for every other pair of a jurisdiction and a *regular* period of the platform (its cadence's quarters,
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

import calendar
from collections import Counter, defaultdict
from datetime import date
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # validation imports this module's constants, and needs no sqlite-utils
    import sqlite_utils

from .rules import period_label

# The request types of the EU Digital Services Act's harmonised reports (Art. 10 orders).
DSA_REQUEST_TYPES = ("dsa_information_order",)
# DOMAIN.md: "A report usually appears two to six months after its period ends."
REPORT_DELAY_MONTHS = 6
CADENCE_MONTHS = {"quarterly": 3, "half-yearly": 6, "yearly": 12}
# The DSA regime's own cadence, whatever the platform's global one (DOMAIN.md: "half-yearly from
# 2025"). Commission Implementing Regulation (EU) 2024/2835 sets the periods (January–June,
# July–December) and has very large platforms publish each report within two months of its end.
DSA_CADENCE = "half-yearly"
# Providers that are not very large platforms report once a year (Articles 15 and 24 DSA; the same
# Implementing Regulation sets calendar-year periods for them): a year's report is not overdue
# six months after it was due. Read from the data: a reported DSA figure ending on
# dsa_published_up_to spans a whole year.
DSA_YEARLY_CADENCE = "yearly"
DSA_REPORT_DELAY_MONTHS = 2

_DSA_LIST = ", ".join(f"'{t}'" for t in DSA_REQUEST_TYPES)
_ALLOWED_GAP = (
    "CASE p.cadence "
    + " ".join(f"WHEN '{c}' THEN {m + REPORT_DELAY_MONTHS}" for c, m in CADENCE_MONTHS.items())
    + " END"
)
# The DSA claim is a year's report when a reported DSA figure spanning twelve months ends on it
# (newest.dsa_year_end, read in the same scan of figures as the newest periods).
_DSA_YEARLY = "newest.dsa_year_end = p.dsa_published_up_to"
_DSA_CADENCE_SQL = f"CASE WHEN {_DSA_YEARLY} THEN '{DSA_YEARLY_CADENCE}' ELSE '{DSA_CADENCE}' END"
_DSA_ALLOWED_GAP = (
    f"CASE WHEN {_DSA_YEARLY} THEN {CADENCE_MONTHS[DSA_YEARLY_CADENCE] + DSA_REPORT_DELAY_MONTHS}"
    f" ELSE {CADENCE_MONTHS[DSA_CADENCE] + DSA_REPORT_DELAY_MONTHS} END"
)


def months_between(earlier: str, later: str) -> str:
    """SQL for the whole months from one period end to a later one (ISO dates; periods end on a
    month's last day, so the day is left out)."""
    return (
        f"((CAST(strftime('%Y', {later}) AS INTEGER) - CAST(strftime('%Y', {earlier}) AS INTEGER)) * 12"
        f" + CAST(strftime('%m', {later}) AS INTEGER) - CAST(strftime('%m', {earlier}) AS INTEGER))"
    )


def months_text(months: str) -> str:
    """SQL for a count of months in words: '9 years', '8 years 6 months', '6 months'."""
    return (
        f"CASE WHEN {months} >= 12 THEN ({months} / 12) || ' year' || CASE WHEN {months} >= 24 THEN 's' ELSE '' END"
        f" ELSE '' END || CASE WHEN {months} % 12 > 0 THEN CASE WHEN {months} >= 12 THEN ' ' ELSE '' END ||"
        f" ({months} % 12) || ' month' || CASE WHEN {months} % 12 > 1 THEN 's' ELSE '' END ELSE '' END"
    )


# The figures grouped once by platform, jurisdiction, period and request type (a temporary table
# build.write_aggregates fills with one scan and sort of figures, in key order, beside the
# columns of requests_and_accounts): each statement below that has a *_FROM_GROUPS_SQL twin reads
# these counts of every group instead of scanning and sorting every figure again, and needs no
# sort at all for coverage and the newest periods, which read the groups in their key's order.
# The *_SQL statements over figures stay the definitions (tests hold the two equal).
FIGURE_GROUPS = "temp.figure_groups"
GROUP_COUNTS = {
    "figures": "count(*)",
    "shown": "sum(is_derived = 0 AND value_kind IN ('exact', 'band', 'less_than'))",
    "derived": "sum(is_derived)",
    "withheld": "sum(value_kind = 'withheld')",
    "reported": "sum(is_derived = 0)",
    "reported_not_bands": "sum(is_derived = 0 AND value_kind <> 'band')",
}

# The statements that read every figure say NOT INDEXED: they run before ANALYZE, when the planner
# walks an index to spare the GROUP BY its sort and then fetches every row from the table in the
# index's order, at random (at a million figures 40% slower than one pass and a sort).
# One row per platform and request type: how far each series of reported figures reaches. A
# platform's dataset_up_to can rest on a small series (Google's National Security Letter bands
# reach a half-year further than its user-data requests), so pages name the series behind it and
# the main series' own end.
SERIES_TABLE_SQL = """CREATE TABLE freshness_series (
  platform_id TEXT NOT NULL REFERENCES platforms (platform_id),
  request_type_id TEXT NOT NULL REFERENCES request_types (request_type_id),
  regime TEXT NOT NULL CHECK (regime IN ('global', 'eu_dsa')),
  first_period_start TEXT NOT NULL,
  dataset_up_to TEXT NOT NULL CHECK (date(dataset_up_to) = dataset_up_to),
  figures INTEGER NOT NULL,
  main_series INTEGER NOT NULL CHECK (main_series IN (0, 1)),
  PRIMARY KEY (platform_id, request_type_id)
)"""


# The main series of a regime is the request type reported for the most places and periods in
# figures that are not bands (then the most figures, then the request type id), the one a reader
# means by "Google's requests": a series the law lets a platform give only in bands of 500 (FISA
# orders, National Security Letters) is never it, though Zoom gives more band figures than counts.
# Places and periods, not figures: Apple's account requests, which give their outcome counts too,
# have more figures per record than its device requests, reported for more places and periods.
def _series_rows_sql(counts: str) -> str:
    return f"""INSERT INTO freshness_series
SELECT platform_id, request_type_id, regime, first_period_start, dataset_up_to, figures,
  CASE WHEN row_number() OVER (
    PARTITION BY platform_id, regime ORDER BY not_bands DESC, figures DESC, request_type_id
  ) = 1 THEN 1 ELSE 0 END
FROM (
  SELECT platform_id, request_type_id,
    CASE WHEN request_type_id IN ({_DSA_LIST}) THEN 'eu_dsa' ELSE 'global' END AS regime,
    min(period_start) AS first_period_start, max(period_end) AS dataset_up_to, {counts} GROUP BY platform_id, request_type_id
)
ORDER BY platform_id, request_type_id"""


SERIES_ROWS_SQL = _series_rows_sql(
    """count(*) AS figures,
    count(DISTINCT CASE WHEN value_kind <> 'band' THEN jurisdiction_id || '/' || period_start || '/' || period_end END) AS not_bands
  FROM figures NOT INDEXED WHERE is_derived = 0"""
)
# The same rows from FIGURE_GROUPS: a group is one place and period of one request type, so the
# places and periods with a figure that is not a band are its groups that have one.
SERIES_ROWS_FROM_GROUPS_SQL = _series_rows_sql(
    f"""sum(reported) AS figures, count(*) FILTER (WHERE reported_not_bands > 0) AS not_bands
  FROM {FIGURE_GROUPS} WHERE reported > 0"""
)

FRESHNESS_TABLE_SQL = """CREATE TABLE platform_freshness (
  platform_id TEXT NOT NULL PRIMARY KEY REFERENCES platforms (platform_id),
  dataset_up_to TEXT CHECK (dataset_up_to IS NULL OR date(dataset_up_to) = dataset_up_to),
  published_up_to TEXT CHECK (published_up_to IS NULL OR date(published_up_to) = published_up_to),
  published_up_to_checked TEXT CHECK (published_up_to_checked IS NULL OR date(published_up_to_checked) = published_up_to_checked),
  checked_basis TEXT,
  behind_cadence INTEGER CHECK (behind_cadence IN (0, 1)),
  cadence TEXT NOT NULL,
  source_id TEXT REFERENCES sources (source_id),
  dsa_dataset_up_to TEXT CHECK (dsa_dataset_up_to IS NULL OR date(dsa_dataset_up_to) = dsa_dataset_up_to),
  dsa_published_up_to TEXT CHECK (dsa_published_up_to IS NULL OR date(dsa_published_up_to) = dsa_published_up_to),
  dsa_source_id TEXT REFERENCES sources (source_id),
  dataset_up_to_series TEXT,
  main_request_type_id TEXT REFERENCES request_types (request_type_id),
  main_series TEXT,
  main_series_up_to TEXT CHECK (main_series_up_to IS NULL OR date(main_series_up_to) = main_series_up_to),
  published_up_to_series TEXT,
  published_up_to_main_series INTEGER CHECK (published_up_to_main_series IN (0, 1)),
  dataset_behind_months INTEGER CHECK (dataset_behind_months IS NULL OR dataset_behind_months > 0),
  dataset_behind_by TEXT,
  dsa_published_up_to_checked TEXT CHECK (dsa_published_up_to_checked IS NULL OR date(dsa_published_up_to_checked) = dsa_published_up_to_checked),
  dsa_checked_basis TEXT CHECK (dsa_checked_basis IS NULL OR dsa_checked_basis = 'source_retrieved'),
  dsa_cadence TEXT,
  dsa_behind_cadence INTEGER CHECK (dsa_behind_cadence IN (0, 1)),
  dsa_dataset_behind_months INTEGER CHECK (dsa_dataset_behind_months IS NULL OR dsa_dataset_behind_months > 0),
  behind_cadence_up_to TEXT CHECK (behind_cadence_up_to IS NULL OR date(behind_cadence_up_to) = behind_cadence_up_to)
)"""

_BEHIND = months_between("newest.period_end", "p.published_up_to")
_DSA_BEHIND = months_between("newest.dsa_period_end", "p.dsa_published_up_to")
_DSA_CHECKED = "dsa_src.retrieved_date"


# One scan of figures for every platform: a subquery per platform would scan them once each.
# The DSA claim's checked date is its source's retrieved_date: platforms.csv records no curator
# check for it, and checked_basis says so.
def _freshness_rows_sql(reported: str) -> str:
    return f"""WITH published AS MATERIALIZED (
  -- What each platform's reported figures cover, once: the two lookups per platform below read
  -- this, not figures (which has no index on these columns where this runs: build.writes_beside).
  SELECT DISTINCT platform_id, source_id, period_end, request_type_id FROM figures NOT INDEXED WHERE is_derived = 0
)
INSERT INTO platform_freshness
SELECT p.platform_id, newest.period_end, p.published_up_to,
  p.published_up_to_checked, p.published_up_to_checked_basis,
  NULL,
  p.cadence, p.freshness_source_id,
  newest.dsa_period_end, p.dsa_published_up_to, p.dsa_freshness_source_id,
  (SELECT group_concat(label, ', ') FROM (SELECT r.label FROM freshness_series s JOIN request_types r USING (request_type_id)
     WHERE s.platform_id = p.platform_id AND s.regime = 'global' AND s.dataset_up_to = newest.period_end
     ORDER BY r.label)),
  main.request_type_id, main.label, main.dataset_up_to,
  (SELECT group_concat(label, ', ') FROM (SELECT DISTINCT r.label FROM published f JOIN request_types r USING (request_type_id)
     WHERE f.platform_id = p.platform_id AND f.source_id = p.freshness_source_id
       AND f.period_end = p.published_up_to AND f.request_type_id NOT IN ({_DSA_LIST}) ORDER BY r.label)),
  CASE WHEN main.request_type_id IS NULL OR p.published_up_to IS NULL THEN NULL
    WHEN EXISTS (SELECT 1 FROM published f WHERE f.platform_id = p.platform_id AND f.source_id = p.freshness_source_id
      AND f.period_end = p.published_up_to AND f.request_type_id = main.request_type_id) THEN 1
    ELSE 0 END,
  CASE WHEN p.published_up_to > newest.period_end THEN {_BEHIND} END,
  CASE WHEN p.published_up_to > newest.period_end THEN {months_text(_BEHIND)} END,
  CASE WHEN p.dsa_published_up_to IS NOT NULL THEN {_DSA_CHECKED} END,
  CASE WHEN p.dsa_published_up_to IS NOT NULL AND {_DSA_CHECKED} IS NOT NULL THEN 'source_retrieved' END,
  CASE WHEN p.dsa_published_up_to IS NOT NULL OR newest.dsa_period_end IS NOT NULL THEN {_DSA_CADENCE_SQL} END,
  CASE WHEN p.dsa_published_up_to IS NULL OR {_DSA_CHECKED} IS NULL THEN NULL
    WHEN p.dsa_published_up_to < date({_DSA_CHECKED}, '-' || ({_DSA_ALLOWED_GAP}) || ' months') THEN 1
    ELSE 0 END,
  CASE WHEN p.dsa_published_up_to > newest.dsa_period_end THEN {_DSA_BEHIND} END,
  NULL
FROM platforms p LEFT JOIN (
  SELECT platform_id,
    max(CASE WHEN request_type_id NOT IN ({_DSA_LIST}) THEN period_end END) AS period_end,
    max(CASE WHEN request_type_id IN ({_DSA_LIST}) THEN period_end END) AS dsa_period_end,
    max(CASE WHEN request_type_id IN ({_DSA_LIST}) AND period_start <= date(period_end, '+1 day', '-12 months')
      THEN period_end END) AS dsa_year_end
  FROM {reported} GROUP BY platform_id
) newest USING (platform_id)
LEFT JOIN (SELECT s.platform_id, s.request_type_id, r.label, s.dataset_up_to FROM freshness_series s
    JOIN request_types r USING (request_type_id) WHERE s.regime = 'global' AND s.main_series = 1) main
  ON main.platform_id = p.platform_id
LEFT JOIN sources dsa_src ON dsa_src.source_id = p.dsa_freshness_source_id
ORDER BY p.platform_id"""


FRESHNESS_ROWS_SQL = _freshness_rows_sql("figures NOT INDEXED WHERE is_derived = 0")
# The newest periods from FIGURE_GROUPS, whose key holds every column they read.
FRESHNESS_ROWS_FROM_GROUPS_SQL = _freshness_rows_sql(f"{FIGURE_GROUPS} WHERE reported > 0")

# behind_cadence is about the main series: a claim that rests on another series alone (Google's
# National Security Letter bands reach a half-year past its Legal process requests) says nothing
# of whether the main series' newest report is overdue. Run after FRESHNESS_ROWS_SQL, which
# leaves both columns NULL, so that the published_up_to_series columns it writes can be read.
CADENCE_ROWS_SQL = [
    """UPDATE platform_freshness SET behind_cadence_up_to = CASE
    WHEN published_up_to_series IS NOT NULL AND published_up_to_main_series = 0
      AND main_series_up_to < published_up_to THEN main_series_up_to
    ELSE published_up_to END""",
    f"""UPDATE platform_freshness AS fr SET behind_cadence = (
  SELECT CASE WHEN fr.behind_cadence_up_to IS NULL OR fr.published_up_to_checked IS NULL OR {_ALLOWED_GAP} IS NULL THEN NULL
    WHEN fr.behind_cadence_up_to < date(fr.published_up_to_checked, '-' || {_ALLOWED_GAP} || ' months') THEN 1
    ELSE 0 END
  FROM platforms p WHERE p.platform_id = fr.platform_id)""",
]

# The sentence every comparison and platform shows, so that a gap between the dataset and the
# platform's newest report is never silent, and the DSA series is never read as the global one.
# When the newest period rests on a series other than the main one, the sentence names both.
STATEMENT_SQL = """CASE
    WHEN fr.dataset_up_to IS NULL AND fr.dsa_dataset_up_to IS NOT NULL THEN 'only EU DSA orders here (a separate regime, not the global reports)'
    WHEN fr.dataset_up_to IS NULL THEN 'dataset has no figures'
    ELSE 'dataset up to ' || fr.dataset_up_to ||
      CASE WHEN fr.main_series_up_to < fr.dataset_up_to THEN ' (' || fr.dataset_up_to_series || ' only; its main series, ' ||
        fr.main_series || ', up to ' || fr.main_series_up_to || ')' ELSE '' END END ||
  CASE WHEN fr.published_up_to IS NOT NULL THEN '; platform has published up to ' || fr.published_up_to ||
      CASE WHEN fr.published_up_to_series IS NOT NULL AND fr.published_up_to_main_series = 0
        AND fr.published_up_to > coalesce(fr.main_series_up_to, '') THEN ' for ' || fr.published_up_to_series ELSE '' END ||
      coalesce(' (as checked on ' || fr.published_up_to_checked ||
        CASE fr.checked_basis WHEN 'source_retrieved' THEN ', the date its source was retrieved' ELSE '' END || ')', '') ||
      CASE WHEN fr.behind_cadence = 1 AND fr.behind_cadence_up_to = fr.published_up_to THEN '; that is older than its ' ||
        fr.cadence || ' cadence allows on that date: a newer report may exist'
        WHEN fr.behind_cadence = 1 THEN '; its main series'' end (' || fr.behind_cadence_up_to || ') is older than its ' ||
        fr.cadence || ' cadence allows on that date: the main series is possibly out of date'
        ELSE '' END ||
      CASE WHEN fr.dataset_behind_by IS NOT NULL THEN '; the dataset''s newest period is ' || fr.dataset_behind_by ||
        ' older than ' || fr.published_up_to ELSE '' END
    WHEN fr.cadence = 'case_by_case' THEN '; platform publishes cases, not counts (see cases)'
    WHEN fr.dataset_up_to IS NULL AND fr.dsa_dataset_up_to IS NOT NULL THEN ''
    ELSE '; newest period the platform has published is not recorded' END ||
  CASE WHEN fr.dsa_dataset_up_to IS NOT NULL OR fr.dsa_published_up_to IS NOT NULL THEN
    CASE WHEN fr.dataset_up_to IS NULL THEN ': ' ELSE
      '. EU DSA orders (separate regime, never summed with the global reports): ' END || 'dataset up to ' ||
      coalesce(fr.dsa_dataset_up_to, 'none') ||
      coalesce('; published up to ' || fr.dsa_published_up_to ||
        coalesce(' (as checked on ' || fr.dsa_published_up_to_checked ||
          CASE fr.dsa_checked_basis WHEN 'source_retrieved' THEN ', the date its source was retrieved' ELSE '' END || ')', '') ||
        CASE WHEN fr.dsa_behind_cadence = 1 THEN '; that is older than the DSA''s ' || fr.dsa_cadence ||
          ' reports allow on that date: a newer report may exist' ELSE '' END, '')
    ELSE '' END"""

VIEWS = {
    "freshness": f"""
SELECT fr.platform_id, p.name AS platform, fr.dataset_up_to, fr.published_up_to, fr.published_up_to_checked,
  fr.checked_basis, fr.behind_cadence, fr.behind_cadence_up_to, fr.cadence, fr.source_id,
  fr.dsa_dataset_up_to, fr.dsa_published_up_to, fr.dsa_source_id,
  {STATEMENT_SQL} AS statement,
  CASE WHEN fr.published_up_to > coalesce(fr.dataset_up_to, '') THEN 1 ELSE 0 END AS dataset_behind,
  CASE WHEN fr.dsa_published_up_to > coalesce(fr.dsa_dataset_up_to, '') THEN 1 ELSE 0 END AS dsa_dataset_behind,
  fr.dataset_behind_months, fr.dataset_behind_by, fr.main_request_type_id, fr.main_series, fr.main_series_up_to,
  fr.dataset_up_to_series,
  fr.published_up_to_series, fr.published_up_to_main_series, fr.dsa_published_up_to_checked, fr.dsa_checked_basis, fr.dsa_behind_cadence
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
  status TEXT NOT NULL CHECK (status IN ('reported', 'derived', 'withheld', 'not_reported', 'in_longer_period', 'missing')),
  figures INTEGER NOT NULL,
  regular_period INTEGER NOT NULL CHECK (regular_period IN (0, 1)),
  PRIMARY KEY (platform_id, jurisdiction_id, period_start, period_end)
)""",
]


# What is known for each platform, jurisdiction and period: a figure as reported, only derived
# ones, or only an explicit withheld / not_reported row.
def _coverage_rows_sql(counts: dict[str, str], source: str) -> str:
    return f"""INSERT INTO coverage
SELECT platform_id, jurisdiction_id, period_start, period_end, period_label, period_kind,
  CASE
    WHEN {counts["shown"]} > 0 THEN 'reported'
    WHEN {counts["derived"]} > 0 THEN 'derived'
    WHEN {counts["withheld"]} > 0 THEN 'withheld'
    ELSE 'not_reported'
  END AS status,
  {counts["figures"]} AS figures
FROM {source} GROUP BY platform_id, jurisdiction_id, period_start, period_end
ORDER BY platform_id, jurisdiction_id, period_start, period_end"""


COVERAGE_ROWS_SQL = _coverage_rows_sql(GROUP_COUNTS, "figures NOT INDEXED")
# The same from FIGURE_GROUPS: each group's counts summed over the request types of its place and
# period, read in the groups' key order (no sort).
COVERAGE_ROWS_FROM_GROUPS_SQL = _coverage_rows_sql({name: f"sum({name})" for name in GROUP_COUNTS}, FIGURE_GROUPS)

# Every jurisdiction × period of a platform that a reader can expect, with 'missing' where no
# row of any kind exists. A period is expected everywhere (regular_period = 1) when it has the
# platform's cadence (quarter, half or year), is a calendar year, or is used by at least half
# of the platform's jurisdictions (a report issued for all of them, such as Telegram's first,
# January–September 2024). Any other period is one the platform's source used for a few
# jurisdictions only (Telegram's January–June 2025 for Argentina, April–September 2025 for the
# UAE): it is listed only where a figure exists, never as missing elsewhere.
# A regular period with no row of its own that lies inside a longer period the jurisdiction has a
# figure for is 'in_longer_period', not missing: Telegram's first U.S. report covered January to
# September 2024 as a whole, so its quarters were never published apart.
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
  periods.period_label, periods.period_kind,
  CASE WHEN c.status IS NOT NULL THEN c.status
    WHEN EXISTS (SELECT 1 FROM coverage l WHERE l.platform_id = places.platform_id
      AND l.jurisdiction_id = places.jurisdiction_id AND l.period_start <= periods.period_start
      AND l.period_end >= periods.period_end AND l.status IN ('reported', 'derived')) THEN 'in_longer_period'
    ELSE 'missing' END AS status,
  coalesce(c.figures, 0) AS figures,
  periods.regular_period
FROM places JOIN periods USING (platform_id)
LEFT JOIN coverage c ON c.platform_id = places.platform_id AND c.jurisdiction_id = places.jurisdiction_id
  AND c.period_start = periods.period_start AND c.period_end = periods.period_end
WHERE periods.regular_period = 1 OR c.status IS NOT NULL
ORDER BY places.platform_id, places.jurisdiction_id, periods.period_start, periods.period_end"""


# The regular periods a series can have a gap of, by their length in months.
GAP_PERIOD_MONTHS = {"quarter": 3, "half": 6, "year": 12}

SERIES_GAPS_TABLE_SQL = """CREATE TABLE series_gaps (
  platform_id TEXT NOT NULL REFERENCES platforms (platform_id),
  request_type_id TEXT NOT NULL REFERENCES request_types (request_type_id),
  period_start TEXT NOT NULL CHECK (date(period_start) = period_start),
  period_end TEXT NOT NULL CHECK (date(period_end) = period_end),
  period_label TEXT NOT NULL,
  period_kind TEXT NOT NULL CHECK (period_kind IN ('quarter', 'half', 'year')),
  PRIMARY KEY (platform_id, request_type_id, period_start, period_end)
)"""


def regular_periods(kind: str, first: str, last: str) -> list[tuple[str, str]]:
    """The calendar ``kind`` periods (quarter, half or year) that lie within ``first``..``last``
    (inclusive ISO dates), oldest first, as (start, end) ISO dates."""
    months = GAP_PERIOD_MONTHS[kind]
    found = []
    for year in range(int(first[:4]), int(last[:4]) + 1):
        for month in range(1, 13, months):
            end_month = month + months - 1
            start = date(year, month, 1).isoformat()
            end = date(year, end_month, calendar.monthrange(year, end_month)[1]).isoformat()
            if first <= start and end <= last:
                found.append((start, end))
    return found


def series_gaps(periods: list[tuple[str, str, str]]) -> tuple[str, list[tuple[str, str]]] | None:
    """The gaps of one series (a platform's request type): ``periods`` are the (start, end, kind)
    of its figures. Its own cadence is its most common regular kind (the shorter on a tie); a gap
    is a period of that kind, between its first and last such period, that no figure of the series
    overlaps at all: the stored sources hold nothing for it (which is not zero). Returns (kind,
    [(start, end)]) or None when the series has no regular period."""
    kinds = Counter(kind for _, _, kind in periods if kind in GAP_PERIOD_MONTHS)
    if not kinds:
        return None
    kind = max(kinds, key=lambda k: (kinds[k], -GAP_PERIOD_MONTHS[k]))
    first = min(start for start, _, k in periods if k == kind)
    last = max(end for _, end, k in periods if k == kind)
    gaps = [
        (start, end)
        for start, end in regular_periods(kind, first, last)
        if not any(s <= end and start <= e for s, e, _ in periods)
    ]
    return kind, gaps


def write_series_gaps(db: sqlite_utils.Database, grouped: bool = False) -> None:
    """Create and fill ``series_gaps``: for each platform and request type, every period of its
    own cadence inside its span for which no figure (reported or derived) exists, such as
    LinkedIn's U.S. breakdown by legal process, which LinkedIn did not publish for 2022.
    ``grouped``: read the periods from FIGURE_GROUPS, not figures."""
    db.execute(SERIES_GAPS_TABLE_SQL)
    series = defaultdict(list)
    source = FIGURE_GROUPS if grouped else "figures NOT INDEXED"
    for platform, request_type, start, end, kind in db.execute(
        f"SELECT DISTINCT platform_id, request_type_id, period_start, period_end, period_kind FROM {source}"
    ):
        series[(platform, request_type)].append((start, end, kind))
    rows = []
    for (platform, request_type), periods in sorted(series.items()):
        found = series_gaps(periods)
        if found is None:
            continue
        kind, gaps = found
        for start, end in gaps:
            label = period_label(date.fromisoformat(start), date.fromisoformat(end))
            rows.append((platform, request_type, start, end, label, kind))
    db.conn.executemany("INSERT INTO series_gaps VALUES (?, ?, ?, ?, ?, ?)", rows)


def write_coverage(db: sqlite_utils.Database, grouped: bool = False) -> None:
    """Create and fill ``coverage`` and ``coverage_cells`` (figures and platforms must be loaded;
    ``grouped``: FIGURE_GROUPS too, which coverage is then made from)."""
    for sql in COVERAGE_TABLES_SQL:
        db.execute(sql)
    db.execute(COVERAGE_ROWS_FROM_GROUPS_SQL if grouped else COVERAGE_ROWS_SQL)
    db.execute(COVERAGE_CELLS_ROWS_SQL)


def write_freshness(db: sqlite_utils.Database) -> None:
    """Create and fill ``platform_freshness``, the coverage tables and the views above (figures
    must be loaded)."""
    write_freshness_tables(db)
    create_views(db)


def create_views(db: sqlite_utils.Database) -> None:
    """The views over the tables ``write_freshness_tables`` wrote (``VIEWS``)."""
    for view, sql in VIEWS.items():
        db.create_view(view, sql.strip(), replace=True)


def write_freshness_tables(db: sqlite_utils.Database, grouped: bool = False) -> None:
    """Create and fill ``freshness_series``, ``platform_freshness``, ``series_gaps`` and the
    coverage tables: from figures, platforms, sources and request_types only, so that they can
    be written into a file of their own that has the build's file attached (build.writes_beside).

    ``grouped``: the connection has FIGURE_GROUPS (build.write_aggregates), and every statement
    that has a *_FROM_GROUPS_SQL twin reads it instead of figures, to the same rows."""
    db.execute(SERIES_TABLE_SQL)
    db.execute(SERIES_ROWS_FROM_GROUPS_SQL if grouped else SERIES_ROWS_SQL)
    db.execute(FRESHNESS_TABLE_SQL)
    db.execute(FRESHNESS_ROWS_FROM_GROUPS_SQL if grouped else FRESHNESS_ROWS_SQL)
    for sql in CADENCE_ROWS_SQL:
        db.execute(sql)
    write_series_gaps(db, grouped)
    write_coverage(db, grouped)
