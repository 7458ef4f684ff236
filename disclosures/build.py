"""Build the site's folder (build/) from the validated data package.

``build_site()`` validates the package once, builds the database into a temporary file, checks
it (integrity, foreign keys, series without overlap, every CSV cell equal in the database), and
only then renames it into place, after the files the site needs beside it: the Datasette
metadata, settings and inspect data, the package itself, and the Atom feed of the latest
release. A failed build leaves the previous database untouched. Two builds of the same inputs
give the same bytes.
"""

from __future__ import annotations

import bisect
import contextlib
import csv
import itertools
import json
import math
import os
import sqlite3
import sys
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor, wait
from contextlib import ExitStack, contextmanager
from datetime import date
from decimal import Decimal
from functools import partial
from hashlib import sha256
from operator import itemgetter
from pathlib import Path
from typing import Any

import sqlite_utils

from . import (
    columnar,
    derive,
    feed,
    forked,
    freshness,
    precompute,
    release_records,
    rules,
    search_index,
    site_config,
    stamp,
    table_schema,
    tiers,
    validate,
)
from .derive import period_dates
from .files import (
    cell_text,
    json_text,
    move_into_place,
    remove_stale_temporaries,
    replace_files,
    sqlite_uri,
    text_as_read,
)
from .optional_imports import numpy_hidden
from .paths import BUILD, PACKAGE
from .schema_sql import (
    BUILD_COLUMNS,
    DERIVATIONS_LEFT_OUT_COLUMNS,
    DERIVATIONS_LEFT_OUT_SQL,
    FIGURE_INPUTS_SQL,
    SERIES_MEMBERS_SQL,
    check_constraints,
    create_table_sql,
    field_check,
    quote_ident,
    sql_literal,
)
from .vocabulary import (
    DATABASE_FILE,
    DATABASE_NAME,
    SHARE_OF_REQUESTS_PREFIXES,
    VALUE_COLUMNS,
    value_note,
    value_text,
)

# Figures have an index of their own, with the words readers type (search_index.py).
FTS_COLUMNS = {
    "sources": ["title", "publisher", "notes"],
    "events": ["title", "description", "quote"],
    "disagreements": ["claimed_text", "explanation"],
}
# The figures' index the series' pass reads in order (check_series), which INDEXES has.
SERIES_INDEX = ["platform_id", "jurisdiction_id", "request_type_id", "metric_id", "period_start"]
INDEXES = {
    # The facet columns get indexes of their own (precompute.facet_indexes), from metadata.yml.
    "figures": [
        ["source_id"],
        ["value_kind"],
        # the site's default order filtered to reported figures (the full CSV export pages through
        # it); led by is_derived, it also serves every filter on is_derived alone
        ["is_derived", "recency_rank", "figure_id"],
        ["period_start", "period_end"],
        SERIES_INDEX,
        # A view pages by offset, so each page sorted by a column no index leads sorts the whole
        # view again: figures_series by value took 0.35-0.6 s a page of the 1 s limit, and a
        # client walking next_url got a 400 under load. Led by value, a page reads the index in
        # order (0.1 s), and a table's pages by value (keyset) start where the last one ended.
        ["value"],
    ],
    "sources": [["kind"], ["tier"], ["publisher"]],
    "events": [["platform_id"], ["event_date"], ["source_id"]],
    "disagreements": [["figure_id"], ["source_id"], ["kind"]],
    "jurisdictions": [["kind"]],
    "figure_inputs": [["input_figure_id"]],
}

# Unique indexes made after the load, like the others: a UNIQUE constraint in the table kept
# its index during the load, one insert at a random place per row (the ranks follow no order of
# the rows), which at a million figures cost 0.9 s more than sorting them once. Made before the
# other indexes, so that two equal ranks fail the build before any more work.
UNIQUE_INDEXES = {"figures": [["recency_rank"]]}

# One row per platform, jurisdiction, period and request type, metrics side by side: a table
# written once, as the database never changes (as a view, every page of it and its count
# grouped every figure again).
REQUESTS_AND_ACCOUNTS_TABLE_SQL = """CREATE TABLE requests_and_accounts (
  platform_id TEXT NOT NULL,
  jurisdiction_id TEXT NOT NULL,
  period_start TEXT NOT NULL,
  period_end TEXT NOT NULL,
  period_label TEXT NOT NULL,
  period_kind TEXT NOT NULL,
  request_type_id TEXT NOT NULL,
  requests_received NUMERIC,
  requests_fulfilled NUMERIC,
  requests_content_disclosed NUMERIC,
  requests_non_content_disclosed NUMERIC,
  requests_no_data_found NUMERIC,
  requests_rejected NUMERIC,
  accounts_specified NUMERIC,
  accounts_affected NUMERIC,
  percent_requests_some_data NUMERIC,
  includes_derived INTEGER NOT NULL,
  figure_ids TEXT NOT NULL,
  PRIMARY KEY (platform_id, jurisdiction_id, period_start, period_end, request_type_id)
)"""
# The metrics side by side in requests_and_accounts, in its columns' order.
REQUESTS_AND_ACCOUNTS_METRICS = (
    "requests_received",
    "requests_fulfilled",
    "requests_content_disclosed",
    "requests_non_content_disclosed",
    "requests_no_data_found",
    "requests_rejected",
    "accounts_specified",
    "accounts_affected",
    "percent_requests_some_data",
)
PLACE_PERIOD_KEY = "platform_id, jurisdiction_id, period_start, period_end, request_type_id"
# What requests_and_accounts is, over the figures (the build writes the same rows from
# FIGURE_GROUPS_ROWS_SQL's groups, REQUESTS_AND_ACCOUNTS_FROM_GROUPS_SQL).
REQUESTS_AND_ACCOUNTS_SQL = (
    """
SELECT platform_id, jurisdiction_id, period_start, period_end, period_label, period_kind, request_type_id,
"""
    + "".join(
        f"  MAX(CASE WHEN metric_id = '{metric}' THEN value END) AS {metric},\n"
        for metric in REQUESTS_AND_ACCOUNTS_METRICS
    )
    + f"""  MAX(is_derived) AS includes_derived,
  group_concat(figure_id, ' ') AS figure_ids
FROM (
  -- Only the columns used above: the rows are sorted (for group_concat's order) before grouping.
  -- One pass and a sort: walking the figure_id index fetches every row at random.
  SELECT platform_id, jurisdiction_id, period_start, period_end, period_label, period_kind, request_type_id,
    metric_id, value, is_derived, figure_id
  FROM figures NOT INDEXED WHERE value_kind = 'exact' ORDER BY figure_id
)
GROUP BY {PLACE_PERIOD_KEY}
ORDER BY {PLACE_PERIOD_KEY}
"""
)
# Every figure grouped once by place, period and request type (freshness.FIGURE_GROUPS): the
# columns of requests_and_accounts over the group's exact figures (FILTER: the same values as
# REQUESTS_AND_ACCOUNTS_SQL's, which reads those alone), their count, and the counts of every
# figure of the group that the freshness and coverage tables read (freshness.GROUP_COUNTS).
# Keyed, without rowid, and filled in key order: requests_and_accounts, coverage and the newest
# periods then read it in that order without sorting it. Its columns have no type, so that each
# value stays as figures holds it until the table it is copied into gives it that table's type.
# Before, requests_and_accounts, freshness_series, the newest periods, series_gaps and coverage
# each scanned and sorted every figure: at a million figures the aggregates took 8.7-9.3 s of CPU
# and take 7.6-7.9 s from the groups (write_aggregates alone, two runs each), and the build 1.6
# and 2.6 s less in two rounds of three builds each, interleaved, on a loaded machine (medians:
# 54.2 s against 55.9, 53.5 against 56.1); on the real package the aggregates take 0.51 s
# instead of 0.63. The same bytes are built from both.
FIGURE_GROUPS_TABLE_SQL = f"""CREATE TABLE {freshness.FIGURE_GROUPS} (
  {PLACE_PERIOD_KEY}, period_label, period_kind,
  {", ".join(REQUESTS_AND_ACCOUNTS_METRICS)}, includes_derived, figure_ids, exact,
  {", ".join(freshness.GROUP_COUNTS)},
  PRIMARY KEY ({PLACE_PERIOD_KEY})
) WITHOUT ROWID"""
# REQUESTS_AND_ACCOUNTS_SQL's figure_ids are in figure_id order, which it sorts every figure by
# before grouping them; here each group's ids are sorted once grouped (sorted_figure_ids, a
# function of the connection that writes the groups): at a million figures, 635,117 groups,
# 2.83-2.86 s instead of 3.37-3.50 (the same rows).
SORTED_FIGURE_IDS = "sorted_figure_ids"
FIGURE_GROUPS_ROWS_SQL = (
    f"""INSERT INTO {freshness.FIGURE_GROUPS}
SELECT {PLACE_PERIOD_KEY}, period_label, period_kind,
"""
    + "".join(
        f"  MAX(value) FILTER (WHERE value_kind = 'exact' AND metric_id = '{metric}'),\n"
        for metric in REQUESTS_AND_ACCOUNTS_METRICS
    )
    + f"""  MAX(is_derived) FILTER (WHERE value_kind = 'exact'),
  {SORTED_FIGURE_IDS}(group_concat(figure_id, ' ') FILTER (WHERE value_kind = 'exact')),
  count(*) FILTER (WHERE value_kind = 'exact'),
  {", ".join(freshness.GROUP_COUNTS.values())}
FROM figures NOT INDEXED
GROUP BY {PLACE_PERIOD_KEY}
ORDER BY {PLACE_PERIOD_KEY}"""
)
REQUESTS_AND_ACCOUNTS_FROM_GROUPS_SQL = f"""SELECT platform_id, jurisdiction_id, period_start, period_end, period_label,
  period_kind, request_type_id, {", ".join(REQUESTS_AND_ACCOUNTS_METRICS)}, includes_derived, figure_ids
FROM {freshness.FIGURE_GROUPS} WHERE exact > 0 ORDER BY {PLACE_PERIOD_KEY}"""

VIEWS = {
    # One non-overlapping series per platform, jurisdiction, request type and metric (see
    # rules.non_overlapping): sums over this view never count a period twice.
    "figures_series": """
SELECT figures.* FROM figures JOIN series_members USING (figure_id)
""",
}
# SQLite's page cache while building (KiB). The indexes sort with less (INDEX_SORT_CACHE_KIB)
# and the aggregates are written on connections of their own: at a million figures 128 MB made
# the load no faster and raised the peak (parent and forked child together) by 40 MB.
BUILD_CACHE_KIB = 32 * 1024
# Reported figures made ready (as rows to load) while the derived ones are still computed, in
# chunks of AHEAD_CHUNK between two looks at whether they are.
REPORTED_AHEAD = 100_000
AHEAD_CHUNK = 2048
# The tables created without their primary key and given it once loaded (add_primary_key): the
# key's index made by one sort instead of kept during the load, where the figures (loaded in
# recency order) put each id at a random place in it. At a million figures, the same rows loaded
# alone took 5.4-5.6 s with the key and 4.0 s without it, plus 0.3-0.6 s for the index.
KEYED_AFTER_LOAD = frozenset({"figures"})
# The page cache while the indexes are created (KiB), which bounds their sorts' memory: sorted
# in runs of this size and merged, the dozen indexes on figures took 27% less CPU than sorted
# whole in the build's cache (real package, 0.32 s against 0.44 s; a million figures, 5.5 s
# against 6.7 s), and the file's pages are read again from the OS's cache.
INDEX_SORT_CACHE_KIB = 8 * 1024
# The database's page size: a figure row with its quote is about 600 bytes, and the facet indexes
# are 8 columns wide; at 16 KiB (SQLite's default is 4) the B-trees are shallower and a build
# spends about 12% less CPU (real package, side by side: 4.6 s against 5.2 s of CPU).
PAGE_BYTES = 16384
# The page cache of the connection that writes the figures' search index beside the checks (KiB).
SEARCH_INDEX_CACHE_KIB = 16 * 1024


# The rows of each platform's coverage matrix (coverage_matrix_sql groups the same join by
# jurisdiction).
COVERAGE_MATRIX_ROWS_SQL = """SELECT p.platform_id, (SELECT count(DISTINCT c.jurisdiction_id)
  FROM coverage_cells c JOIN jurisdictions j USING (jurisdiction_id) WHERE c.platform_id = p.platform_id)
FROM platforms p ORDER BY p.platform_id"""
# Every table of the schema, SQLite's own (sqlite_stat1 and the like) left out.
TABLES_SQL = "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name"
# A table's primary-key columns, in key order.
KEY_COLUMNS_SQL = "SELECT name FROM pragma_table_info(?) WHERE pk > 0 ORDER BY pk"
# first_series_overlap's: the rows of figures_series, and the least series key (platform,
# jurisdiction, request type and metric as one text: their ids' patterns allow no control
# character) and start of a member that overlaps the one before it in its series.
SERIES_KEY_SEPARATOR = "\x1f"
SERIES_OVERLAP_SQL = """SELECT count(*), min(platform_id || char(31) || jurisdiction_id || char(31) || request_type_id
  || char(31) || metric_id || char(31) || period_start) FILTER (WHERE period_start <= previous_end)
FROM (SELECT platform_id, jurisdiction_id, request_type_id, metric_id, period_start,
  lag(period_end) OVER (PARTITION BY platform_id, jurisdiction_id, request_type_id, metric_id ORDER BY period_start)
    AS previous_end
  FROM figures_series)"""
# The same pass, whether any member overlaps the one before it, not which: the window then
# carries only the start and the end (at a million figures 1.69 s against 1.95), and
# SERIES_OVERLAP_SQL names the first only when one does.
SERIES_OVERLAPS_SQL = """SELECT count(*), max(period_start <= previous_end)
FROM (SELECT period_start,
  lag(period_end) OVER (PARTITION BY platform_id, jurisdiction_id, request_type_id, metric_id ORDER BY period_start)
    AS previous_end
  FROM figures_series)"""
SERIES_OVERLAP_PAIRS_SQL = """SELECT a.figure_id, b.figure_id FROM figures_series a JOIN figures_series b
  ON a.platform_id = b.platform_id AND a.jurisdiction_id = b.jurisdiction_id
 AND a.request_type_id = b.request_type_id AND a.metric_id = b.metric_id
 AND a.figure_id < b.figure_id
 AND a.period_start <= b.period_end AND b.period_start <= a.period_end
ORDER BY a.figure_id, b.figure_id"""


class BuildFailed(Exception):
    """The built database failed a check; nothing was replaced."""


# SQLite's result codes (and their messages, for an error that lost its code on the way) for a
# database it cannot write where it is: a full disk, a read-only or vanished folder, an I/O error.
STORAGE_ERROR_CODES = ("SQLITE_FULL", "SQLITE_IOERR", "SQLITE_READONLY", "SQLITE_CANTOPEN", "SQLITE_PERM")
STORAGE_ERROR_MESSAGES = (
    "database or disk is full",
    "disk I/O error",
    "attempt to write a readonly database",
    "unable to open database file",
)


def storage_failure(error: Exception) -> bool:
    """Whether ``error`` (from a build) is the folder's or the disk's, not the package's: any
    OSError, and SQLite's errors of writing. SQLite's others ("table coverage already exists")
    are the package's, and were told to free space."""
    if isinstance(error, OSError):
        return True
    code = getattr(error, "sqlite_errorname", None) or ""
    return code.startswith(STORAGE_ERROR_CODES) or str(error).startswith(STORAGE_ERROR_MESSAGES)


to_sql_value = columnar.sql_value


def as_sql_values(table: table_schema.Table, fields: list[dict]) -> None:
    """Replace the table's typed rows by ``sql_rows`` of them, once: the build then works on
    what it loads (the Arrow reader gives such rows already)."""
    if not table.sql_values:
        table.rows = list(sql_rows(table, fields))
        table.sql_values = True


def frictionless_tables(package_path: Path, descriptor: dict) -> dict[str, table_schema.Table]:
    """Typed rows of every resource read by Frictionless, for a package ``table_schema`` does not
    read (a type or constraint it does not enforce); the same shape as its tables."""
    import frictionless

    package = frictionless.Package(str(package_path))
    tables = {}
    for resource in descriptor["resources"]:
        names = [f["name"] for f in resource["schema"]["fields"]]
        table = table_schema.Table(resource["name"], names)
        with package.get_resource(resource["name"]) as reader:
            for row in reader.row_stream:
                table.rows.append(tuple(row.get(name) for name in names))
                table.lines.append(row.row_number)
        with (package_path.parent / resource["path"]).open(encoding="utf-8", newline="") as handle:
            table.digest = table_schema.rows_digest(list(csv.reader(handle))[1:])
        tables[resource["name"]] = table
    return tables


def typed_tables(
    package_path: Path,
    folder: Path,
    validated: list | None = None,
    key: dict | None = None,
    rows_body: stamp.RowsBody | None = None,
) -> dict[str, table_schema.Table]:
    """The package's typed rows, validated once: by the stamp ``make validate`` (or an earlier
    build) left in ``folder`` for these very bytes, or here. Raises ``validate.ValidationFailed``.

    ``validated``: a validation done here by Arrow's proof appends its stamp's key
    (``stamp.current_key``, taken before the files were read) for the caller to record once its
    build has passed its checks (``build_site``), so that the next build of the same bytes does not
    validate them again; one ``check_package`` decided appends nothing (it cannot tell which
    bytes it parsed).

    ``key``: the package's ``stamp.current_key``, when the caller has just taken it (it hashes
    every file); taken here otherwise. Raises BuildFailed when a file changed between the key and
    a validation done here (the stamp recorded from the key would name bytes nobody validated).

    ``rows_body``: the rows validation left in ``folder``, read and hashed as the command
    started (``stamp.RowsBody``)."""
    # A stamp vouches for these bytes, so the descriptor parses; otherwise validation reads it
    # first and reports a damaged one as a problem rather than a traceback.
    # Taken before anything is read: the stamp written after validation vouches for these bytes.
    key = key if key is not None else stamp.current_key(package_path)
    if stamp.is_valid(package_path, folder, key):
        descriptor = json.loads(package_path.read_text(encoding="utf-8"))
        if table_schema.supported(descriptor) is None:
            # The rows validation left beside its stamp, else the CSVs read once more.
            tables = stamp.validated_tables(folder, key, descriptor, rows_body) or columnar.read_validated(
                package_path, descriptor
            )
            if tables is None:
                try:
                    tables = table_schema.read_package(package_path, descriptor, str, check=False)
                except table_schema.Damaged:
                    tables = None
            if tables is not None and not any(t.problems for t in tables.values()):
                return tables
    if rows_body is not None:
        rows_body.take()  # rows for other bytes, or unread: not held while validation runs
    proved = _proved_tables(package_path, key)
    if proved is not None:
        if validated is not None and key is not None:
            validated.append(key)
        return proved
    # A file that became a FIFO since _build_temporary's check (Arrow's reader refused to open
    # it): asked again, as check_package's readers would wait for a writer.
    special = validate.special_file_problems(package_path, package_path.parent)
    if special:
        raise validate.ValidationFailed(special)
    problems, tables = validate.check_package(package_path, base=package_path.parent)
    if problems:
        raise validate.ValidationFailed(problems)
    # The key was taken before the files were read: a file changed since would have been
    # validated, and built, in bytes other than those the key (and the stamp recorded from it,
    # which a later build trusts) names.
    if key is not None and not stamp.still_current(package_path, key):
        raise BuildFailed("a file of the package changed while it was validated")
    # No stamp from check_package's decision: it cannot say which bytes it parsed, and a file
    # changed while it read it, then put back, matched the key again (a break test's stamp named
    # bytes Arrow had refused, which the next build published). The next build validates again.
    if tables is not None:
        return tables
    return frictionless_tables(package_path, json.loads(package_path.read_text(encoding="utf-8")))


def _proved_tables(package_path: Path, key: dict | None) -> dict[str, table_schema.Table] | None:
    """The package's typed tables when Arrow proves it valid, as ``make validate`` does
    (``validate.proved_descriptor``: the same rules, the same columns, which that command hands
    to the build through its rows file); None when Arrow cannot decide, for ``check_package`` to
    read the package and report what is wrong. Raises ``validate.ValidationFailed`` for a CSV
    beside the resources that none names, and BuildFailed when a file changed after ``key``
    (taken before anything was read) or while it was parsed.

    Why: a build with no stamp (a fresh clone's ``make build`` or ``make serve``) validated
    through ``check_package``, which reads every row as a dict: the real package's build took
    5.9 s, against 3.1 s for ``make validate && make build``."""
    typed: list = []
    descriptor = validate.proved_descriptor(package_path, typed, serialize=False)
    if descriptor is None or not typed:
        return None
    stray = validate.stray_file_problems(package_path, descriptor, package_path.parent)
    if stray:
        raise validate.ValidationFailed(stray)
    handed = typed.pop()
    if key is not None and not stamp.still_current(package_path, key, handed["inputs"]):
        raise BuildFailed("a file of the package changed while it was validated")
    columns = handed.pop("columns")
    tables = {}
    for resource in descriptor["resources"]:
        raw, values = columns.pop(resource["name"])
        names = [spec["name"] for spec in resource["schema"]["fields"]]
        tables[resource["name"]] = columnar.table_of(resource["name"], names, raw, values)
    return tables


# Checks before the database is published -------------------------------------------------


def check_database(
    db: sqlite_utils.Database,
    descriptor: dict,
    package_path: Path | None = None,
    digests: dict[str, int | None] | None = None,
) -> None:
    """The whole file, once written: names safe for Datasette, integrity (``quick_check``) and
    the foreign keys of the tables written after the load. With ``check_loaded`` and
    ``check_series``, which ``populate`` runs on the loaded tables (and then keeps them
    read-only): integrity, foreign keys, series without overlap, and every CSV cell equal in
    the DB.

    ``package_path`` (and ``digests``): given for a database populated without ``alongside``,
    so that ``check_loaded`` runs here too. Raises BuildFailed.
    """
    unsafe = [
        name
        for (name,) in db.execute("SELECT name FROM sqlite_master WHERE name NOT LIKE 'sqlite_%'")
        if not rules.SAFE_NAME.match(name)
    ]
    for (table,) in db.execute("SELECT name FROM sqlite_master WHERE type IN ('table', 'view')").fetchall():
        unsafe += [
            f"{table}.{column}"
            for (column,) in db.execute(f"SELECT name FROM pragma_table_info('{table}')")
            if not rules.SAFE_NAME.match(column)
        ]
    if unsafe:
        raise BuildFailed(
            f"names unsafe for SQLite and Datasette (must match {rules.SAFE_NAME.pattern}): {unsafe[:10]}"
        )
    # quick_check reads every page and record of the file and evaluates its NOT NULL constraints
    # (not its CHECKs: check_loaded evaluated the loaded tables', which are read-only since, and
    # every other table's were evaluated on insert); integrity_check
    # would also look every row up in each of its indexes (a dozen on figures), which costs more
    # than the rest of the checks together at a million figures, for indexes SQLite itself has
    # just built from those rows in one statement each.
    db.execute("PRAGMA ignore_check_constraints = ON")
    try:
        integrity = db.execute("PRAGMA quick_check").fetchall()
    finally:
        db.execute("PRAGMA ignore_check_constraints = OFF")
    if integrity != [("ok",)]:
        raise BuildFailed(f"quick_check failed: {integrity}")
    if package_path is not None:
        check_loaded(db, package_path, descriptor, digests)
        loaded = set()
    else:
        loaded = loaded_tables(descriptor)
    # The loaded tables' keys were checked once loaded; the tables written since, here.
    later = [
        name
        for (name,) in db.execute(
            "SELECT name FROM sqlite_master m WHERE type = 'table'"
            " AND EXISTS (SELECT 1 FROM pragma_foreign_key_list(m.name)) ORDER BY name"
        ).fetchall()
        if name not in loaded
    ]
    broken = [row for name in later for row in db.execute(f"PRAGMA foreign_key_check({quote_ident(name)})")]
    if broken:
        raise BuildFailed(f"foreign_key_check failed: {broken[:10]}")


def loaded_tables(descriptor: dict) -> list[str]:
    """The tables ``populate`` loads from the package (and the series, derivation links and
    complements left out it computes with them), before anything else is written."""
    return [r["name"] for r in descriptor["resources"]] + ["series_members", "figure_inputs", "derivations_left_out"]


# The rows of a loaded table the build made itself, not read from the package's CSV, as a SQL
# condition: the other rows are the CSV's, which validation held to the package's constraints
# and foreign keys, and which the round trip finds in the database as the CSV has them (it reads
# exactly the rows this condition leaves out: a row marked otherwise is one too many or too few
# there). What validation proved of those is checked here on the rows the build made alone;
# what the build wrote into every row (its own columns' constraints and keys), on every row.
BUILD_MADE_ROWS = {"figures": "is_derived IS NOT 0"}


def check_loaded(
    db: sqlite_utils.Database,
    package_path: Path,
    descriptor: dict,
    digests: dict[str, int | None] | None = None,
    series: bool = True,
) -> None:
    """Foreign keys, series without overlap (``check_series``, unless ``series`` is False: the
    build runs it once the figures are indexed), and every CSV cell equal in the DB, over the
    loaded tables (``loaded_tables``). Only reads ``db``. Raises BuildFailed.

    ``digests`` ({resource: ``table_schema.rows_digest`` of its CSV rows}) spares reading the CSV
    files again; they are read (and the difference named) only when a digest differs (or is None:
    none was taken).

    Why the checks look at the CSV's rows of figures only for what the build wrote into them
    (BUILD_MADE_ROWS): at a million figures the CHECKs and foreign keys of the rows validation
    had already checked took 0.6 s of the 1.1 s of CPU these checks took."""
    tables = loaded_tables(descriptor)
    check_rows(db, tables, validated_checks(descriptor))
    if not all(foreign_keys_hold(db, name, descriptor) for name in tables if name != "series_members"):
        broken = [
            row for name in tables for row in db.execute(f"PRAGMA foreign_key_check({quote_ident(name)})").fetchall()
        ]
        raise BuildFailed(f"foreign_key_check failed: {broken[:10]}")
    if series:
        check_series(db)
    round_trip(db, package_path, descriptor, digests)


def check_series(db: sqlite_utils.Database) -> None:
    """Every member of series_members names a figure, and no two members of a series overlap
    (``first_series_overlap``). Only reads ``db``. Raises BuildFailed.

    The members are counted by the overlap pass, which finds each one's figure, instead of
    looked up once more by a foreign_key_check (0.2 s at a million figures). The build runs
    this once the figures' indexes are committed, on a connection of its own: the pass then
    reads the index of the series' columns in order (at a million figures about 1.8 s of CPU,
    where sorting the members took 2.4 s), on the core the build's last steps leave idle,
    rather than beside the index builds, which it slowed."""
    overlap, members_read = first_series_overlap(db)
    # Each member that names a figure is one row of figures_series (the figures' key is
    # unique), so the pass reads as many rows as there are members exactly when each names one:
    # what foreign_key_check(series_members) would find.
    if overlap is None:
        keys_hold = members_read == db.execute("SELECT count(*) FROM series_members").fetchone()[0]
    else:
        keys_hold = not db.execute("PRAGMA foreign_key_check(series_members)").fetchone()
    if not keys_hold:
        broken = db.execute("PRAGMA foreign_key_check(series_members)").fetchall()
        raise BuildFailed(f"foreign_key_check failed: {broken[:10]}")
    # Only when one period overlaps another are the pairs looked for, to name them.
    if overlap is not None:
        overlaps = db.execute(SERIES_OVERLAP_PAIRS_SQL).fetchall()
        raise BuildFailed(f"figures_series has overlapping periods: {overlaps[:10]}")


def validated_checks(descriptor: dict) -> dict[str, set[str]]:
    """{table of BUILD_MADE_ROWS: the CHECK expressions of its package fields
    (``schema_sql.field_check``)}, which validation held the CSV's rows to."""
    return {
        resource["name"]: {check for field in resource["schema"]["fields"] if (check := field_check(field))}
        for resource in descriptor["resources"]
        if resource["name"] in BUILD_MADE_ROWS
    }


def foreign_keys_hold(db: sqlite_utils.Database, table: str, descriptor: dict) -> bool:
    """Whether every row of ``table`` names a row of each table its foreign keys reference, as
    ``PRAGMA foreign_key_check`` finds them; in a table of BUILD_MADE_ROWS, the keys its package
    declares are looked up for the rows the build made alone (validation checked the CSV's)."""
    made = BUILD_MADE_ROWS.get(table)
    if made is None:
        return db.execute(f"PRAGMA foreign_key_check({quote_ident(table)})").fetchone() is None
    resource = next(r for r in descriptor["resources"] if r["name"] == table)
    declared = {
        (fk["reference"]["resource"] or table, tuple(table_schema.key_fields(fk["fields"])))
        for fk in resource["schema"].get("foreignKeys", [])
    }
    keys: dict[int, list[tuple[str, str, str | None]]] = defaultdict(list)
    for key_id, parent, child, parent_column in db.execute(
        'SELECT id, "table", "from", "to" FROM pragma_foreign_key_list(?) ORDER BY id, seq', [table]
    ):
        keys[key_id].append((parent, child, parent_column))
    everywhere, on_made = [], []
    for columns in keys.values():
        parent = columns[0][0]
        children = [child for _, child, _ in columns]
        parents = [column for _, _, column in columns]
        if None in parents:  # REFERENCES parent alone: its primary key
            parents = [name for (name,) in db.execute(KEY_COLUMNS_SQL, [parent])]
        # A key with a NULL column names nothing, and breaks nothing (as foreign_key_check has it).
        named = " AND ".join(f"t.{quote_ident(c)} IS NOT NULL" for c in children)
        found = " AND ".join(f"p.{quote_ident(p)} = t.{quote_ident(c)}" for p, c in zip(parents, children, strict=True))
        broken = f"({named} AND NOT EXISTS (SELECT 1 FROM {quote_ident(parent)} p WHERE {found}))"
        (on_made if (parent, tuple(children)) in declared else everywhere).append(broken)
    conditions = everywhere + ([f"(t.{made} AND ({' OR '.join(on_made)}))"] if on_made else [])
    if not conditions:
        return True
    query = f"SELECT 1 FROM {quote_ident(table)} t WHERE {' OR '.join(conditions)} LIMIT 1"
    return db.execute(query).fetchone() is None


def check_rows(db: sqlite_utils.Database, tables: Iterable[str], validated: dict[str, set[str]] | None = None) -> None:
    """The CHECK constraints of ``tables``, which their rows were written without
    (``checks_deferred``), evaluated on every row: one scan per table for the rows that break
    one. Only reads ``db``. Raises BuildFailed naming the table and the keys of up to 10 rows.

    ``validated`` (``validated_checks``): the CHECKs of a table of BUILD_MADE_ROWS that
    validation held the CSV's rows to, evaluated on the rows the build made alone; a row found
    breaking any CHECK has every row looked at again, so the message is the same."""
    # (A quick_check of each table did as much and verified its pages too, which the
    # quick_check of the whole file does again at the end: that took 0.1 s of CPU for the
    # figures, this 0.03.)
    for name in tables:
        (sql,) = db.execute("SELECT sql FROM sqlite_master WHERE type = 'table' AND name = ?", [name]).fetchone()
        checks = check_constraints(sql)
        if not checks:
            continue
        # Each expression closes on a line of its own: one may end in a -- comment.
        theirs = [check for check in checks if check in (validated or {}).get(name, ())]
        if theirs:
            own = [f"NOT ({check}\n)" for check in checks if check not in theirs]
            made = " OR ".join(f"NOT ({check}\n)" for check in theirs)
            breaks = " OR ".join([*own, f"({BUILD_MADE_ROWS[name]} AND ({made}))"])
            if db.execute(f"SELECT 1 FROM {quote_ident(name)} WHERE {breaks} LIMIT 1").fetchone() is None:
                continue
        key = [column for (column,) in db.execute(KEY_COLUMNS_SQL, [name])] or ["rowid"]
        breaks_one = " OR ".join(f"NOT ({check}\n)" for check in checks)
        broken = db.execute(
            f"SELECT {', '.join(map(quote_ident, key))} FROM {quote_ident(name)} WHERE {breaks_one} LIMIT 10"
        ).fetchall()
        if broken:
            raise BuildFailed(f"CHECK constraint failed in {name}: {broken}")


def first_series_overlap(db: sqlite_utils.Database) -> tuple[tuple[str, str] | None, int]:
    """((series key, period_start) of the first member of figures_series, in the order of series
    keys and starts, that overlaps the member before it in its series, or None when no two
    members of a series overlap; the number of rows of figures_series). A series key is
    platform_id, jurisdiction_id, request_type_id and metric_id joined by U+001F.

    In a series sorted by start, some two periods overlap exactly when two neighbours do (if a
    later period starts on or before an earlier one's end, so does the earlier one's next
    neighbour, which starts between the two). Equal starts overlap. SQLite pairs neighbours
    (``lag``), so no row comes to Python: at a million figures 1.15-1.24 s, as long as the
    ordered pass in Python this replaced, but beside a thread whose SQL calls a Python function
    (write_aggregates) the two took 0.9 s less CPU, no longer handing the interpreter's lock to
    each other for every row. (A window of the latest end so far, per series, took 4.9 s.)"""
    read, overlaps = db.execute(SERIES_OVERLAPS_SQL).fetchone()
    if not overlaps:
        return None, read
    read, first = db.execute(SERIES_OVERLAP_SQL).fetchone()
    key, start = first.rsplit(SERIES_KEY_SEPARATOR, 1)
    return (key, start), read


def round_trip(
    db: sqlite_utils.Database, package_path: Path, descriptor: dict, digests: dict[str, int | None] | None = None
) -> None:
    """Every CSV cell equal in the database (``check_database``). Raises BuildFailed naming the
    first resource that differs, with rows found on one side only."""
    for resource in descriptor["resources"]:
        if digests is not None and table_schema.texts_digest(row_texts(db, resource)) == digests.get(resource["name"]):
            continue
        with (package_path.parent / resource["path"]).open(encoding="utf-8", newline="") as handle:
            expected = sorted(tuple(r) for r in list(csv.reader(handle))[1:])
        actual = sorted(tuple(text.split(table_schema.ROW_SEPARATOR)) for text in row_texts(db, resource))
        if actual != expected:
            missing = sorted(set(expected) - set(actual))[:3]
            extra = sorted(set(actual) - set(expected))[:3]
            raise BuildFailed(
                f"round trip of {resource['path']} failed: {len(expected)} CSV rows, {len(actual)} DB rows; "
                f"in CSV only: {missing}; in DB only: {extra}"
            )


def row_texts(db: sqlite_utils.Database, resource: dict) -> Iterator[str]:
    """The resource's rows in the database, each as one text: its CSV cells' texts
    (``cell_text``'s) joined by ``table_schema.ROW_SEPARATOR``, as ``table_schema.row_hash``
    joins a CSV row's; one at a time, in no particular order.

    Text and dates come out of SQLite as they are (NULL as ""), and whole numbers as SQLite
    writes them, which is as Python does (``str(int)``); only other values of a number column go
    through ``cell_text``, a function of the connection. An empty text, which no CSV cell loads
    as (an empty cell is NULL), comes out as EMPTY_TEXT, a control character no valid cell holds:
    read as "", a NULL written as "" passed the round trip (a fresh helper's break test; 0.05 s
    at a million figures, where telling BLOBs apart too took 0.7 s, and the build writes none).

    SQLite joins each row's cells with ``printf`` (one pass, where ``||`` copied the row's text
    once per cell), and a chunk of ROW_TEXTS_CHUNK rows into one text (by rowid, from where the
    last chunk ended), which is split here: Python's sqlite3 lets go of the interpreter's lock for every row it steps
    through, and the build reads these beside a thread whose SQL calls a Python function
    (write_aggregates): taking the lock back from each other for every row, the two took 3.8
    and 3.7 s of CPU where each alone took 2.4 and 2.2 (a million figures, read twice). By the
    chunk, 2.4 and 2.0."""
    fields = resource["schema"]["fields"]
    db.register_function(cell_text, deterministic=True, name=CELL_TEXT, replace=True)
    cells = [
        f"CASE {name} WHEN '' THEN '{EMPTY_TEXT}' ELSE ifnull({name}, '') END"
        if f.get("type", "string") in ("string", "date")
        else f"CASE typeof({name}) WHEN 'integer' THEN CAST({name} AS TEXT) WHEN 'null' THEN '' "
        f"WHEN 'text' THEN CASE {name} WHEN '' THEN '{EMPTY_TEXT}' ELSE {name} END ELSE {CELL_TEXT}({name}) END"
        for f, name in ((f, quote_ident(f["name"])) for f in fields)
    ]
    # printf takes at most 127 arguments (SQLITE_MAX_FUNCTION_ARG's default): wider rows are
    # joined a hundred cells at a time.
    parts = [cells[at : at + 100] for at in range(0, len(cells), 100)]
    separator = f"'{table_schema.ROW_SEPARATOR}'"
    text = f" || {separator} || ".join(
        f"printf('{table_schema.ROW_SEPARATOR.join(['%s'] * len(part))}', {', '.join(part)})" for part in parts
    )
    table = quote_ident(resource["name"])
    derived = " AND is_derived = 0" if resource["name"] == "figures" else ""
    # The rowid by a name no column of the table takes (a column may be called rowid).
    names = {f["name"].lower() for f in fields}
    rowid = next((alias for alias in ("rowid", "_rowid_", "oid") if alias not in names), None)
    if rowid is None:
        for (row,) in db.execute(f"SELECT {text} FROM {table} WHERE 1{derived}"):
            yield row
        return
    chunk = (
        f"SELECT max(at), group_concat(row, '{ROWS_SEPARATOR}') FROM (SELECT {rowid} AS at, {text} AS row "
        f"FROM {table} WHERE {rowid} {{}} ?{derived} ORDER BY {rowid} LIMIT {ROW_TEXTS_CHUNK})"
    )
    # From the least rowid SQLite allows, then after the last one read.
    last, after = -(2**63), ">="
    while True:
        try:
            found, rows = db.execute(chunk.format(after), [last]).fetchone()
        except sqlite3.DataError:
            # A chunk longer than SQLite's longest text (SQLITE_LIMIT_LENGTH, 10**9 bytes by
            # default, 1,024 rows of about 1 MB): the rest a row at a time, each no longer than
            # the row SQLite stored.
            yield from (
                row for (row,) in db.execute(f"SELECT {text} FROM {table} WHERE {rowid} {after} ?{derived}", [last])
            )
            return
        if found is None:
            return
        yield from rows.split(ROWS_SEPARATOR)
        last, after = found, ">"


# How row_texts shows an empty text, which no CSV cell loads as.
EMPTY_TEXT = "\x01"
# row_texts' chunks: how many rows, and what SQLite puts between two of them (U+001E, the record
# separator: a control character, which no valid cell holds). At a million figures 1.0 s for
# 512 or 4,096 rows a chunk, 1.15 s for 16,384.
ROW_TEXTS_CHUNK = 1024
ROWS_SEPARATOR = "\x1e"


# cell_text, as row_texts calls it from SQL.
CELL_TEXT = "cell_text"


# The build ---------------------------------------------------------------------------------


def sql_rows(table: table_schema.Table, descriptor_fields: list[dict] | None = None):
    """The table's rows as SQLite values, one at a time."""
    if table.sql_values:
        yield from table.rows
        return
    converters = [to_sql_value] * len(table.fields)
    if descriptor_fields is not None:
        # Only numbers and dates need converting; strings and None go in as they are.
        converters = [
            to_sql_value if f.get("type") in ("number", "integer", "date") else None for f in descriptor_fields
        ]
    if not any(converters):
        yield from table.rows
        return
    pairs = list(enumerate(converters))
    for row in table.rows:
        yield tuple(row[i] if convert is None else convert(row[i]) for i, convert in pairs)


def rowid_key(resource: dict) -> bool:
    """Whether the resource's primary key is one integer field, which SQLite makes the table's
    rowid (INTEGER PRIMARY KEY): a key that has no index of its own to add after the load."""
    key = table_schema.key_fields(resource["schema"]["primaryKey"])
    types = {field["name"]: field.get("type", "string") for field in resource["schema"]["fields"]}
    return len(key) == 1 and types.get(key[0]) == "integer"


def schema_writable(db: sqlite_utils.Database) -> bool:
    """Whether this connection may rewrite the schema's SQL (``PRAGMA writable_schema``), which
    ``add_primary_key`` does: a library built or configured defensive
    (SQLITE_DBCONFIG_DEFENSIVE) refuses, and the tables are then created with their keys."""
    try:
        db.execute("PRAGMA writable_schema = ON")
        db.execute("UPDATE sqlite_master SET sql = sql WHERE 0")
        return True
    except sqlite3.DatabaseError:
        return False
    finally:
        db.execute("PRAGMA writable_schema = OFF")


def add_primary_key(db: sqlite_utils.Database, resource: dict) -> None:
    """Give the table of ``resource``, created by ``create_table_sql(resource, key=False)`` and
    loaded, the primary key ``create_table_sql(resource)`` declares, with the same schema as if
    it had been created with it: a unique index on the key made by one sort becomes the key's
    own (``sqlite_autoindex_<table>_<n>``, holding the same entries) as the table's SQL gains
    its PRIMARY KEY, following SQLite's procedure for schema changes it has no ALTER TABLE for
    (writable_schema, then schema_version one higher, which makes every connection read the
    schema again). Raises sqlite3.IntegrityError for two rows with one key, as their insert
    would have, and BuildFailed if SQLite does not then take the index as the key's."""
    table = resource["name"]
    columns = table_schema.key_fields(resource["schema"]["primaryKey"])
    # SQLite numbers a table's constraint indexes in the order of its SQL: the key comes after
    # every column (and its UNIQUE constraints).
    automatic = db.execute(
        "SELECT count(*) FROM sqlite_master WHERE type = 'index' AND tbl_name = ? AND sql IS NULL", [table]
    ).fetchone()[0]
    name, building = f"sqlite_autoindex_{table}_{automatic + 1}", f"{table}_primary_key_building"
    with cache_size(db, INDEX_SORT_CACHE_KIB):
        db.execute(
            f"CREATE UNIQUE INDEX {quote_ident(building)} ON {quote_ident(table)} "
            f"({', '.join(map(quote_ident, columns))})"
        )
    version = db.execute("PRAGMA schema_version").fetchone()[0]
    db.execute("PRAGMA writable_schema = ON")
    try:
        db.execute(
            "UPDATE sqlite_master SET sql = ? WHERE type = 'table' AND name = ?", [create_table_sql(resource), table]
        )
        db.execute("UPDATE sqlite_master SET name = ?, sql = NULL WHERE type = 'index' AND name = ?", [name, building])
        db.execute(f"PRAGMA schema_version = {version + 1}")
        keys = [
            [column for (column,) in db.execute("SELECT name FROM pragma_index_info(?) ORDER BY seqno", [index])]
            for (index,) in db.execute("SELECT name FROM pragma_index_list(?) WHERE origin = 'pk'", [table])
        ]
    finally:
        # A schema SQLite does not take ("malformed database schema") is read while this is on;
        # once off, every statement fails: the BuildFailed below is the message.
        with contextlib.suppress(sqlite3.DatabaseError):
            db.execute("PRAGMA writable_schema = OFF")
    if keys != [list(columns)]:
        raise BuildFailed(f"{table}: the primary key added after the load is not its index ({keys})")


def load_rows(db: sqlite_utils.Database, table: str, columns: list[str], rows) -> None:
    """INSERT every row (tuples in ``columns`` order) with one prepared statement: at a million
    rows, sqlite-utils' insert_all spends more time converting values than SQLite writing them."""
    names = ", ".join(quote_ident(c) for c in columns)
    marks = ", ".join("?" for _ in columns)
    db.conn.executemany(f"INSERT INTO {quote_ident(table)} ({names}) VALUES ({marks})", rows)


def exact_groups(figures: table_schema.Table) -> dict[tuple, list[tuple[tuple[date, date], str, int]]]:
    """The exact figures by group (platform, jurisdiction, request type, metric), each as
    (period, figure id, row index), in the order of the rows: one pass over a million figures
    that both ``derivable_groups`` and ``series_items`` read."""
    column = {name: figures.column(name) for name in figures.fields}
    group_columns = [column[n] for n in ("platform_id", "jurisdiction_id", "request_type_id", "metric_id")]
    start, end, fid, kind = (column[n] for n in ("period_start", "period_end", "figure_id", "value_kind"))
    group_key, period_of = itemgetter(*group_columns), itemgetter(start, end)
    # A million figures share a few hundred periods: each is parsed once, and its rows share it.
    periods: dict[tuple[str, str], tuple[date, date]] = {}
    groups: dict[tuple, list] = defaultdict(list)
    for index, row in enumerate(figures.rows):
        if row[kind] == "exact":
            period = periods.get(texts := period_of(row))
            if period is None:
                period = periods[texts] = period_dates(*texts)
            groups[group_key(row)].append((period, row[fid], index))
    return groups


def derivable_groups(
    figures: table_schema.Table, units: dict[str, str], groups: dict[tuple, list] | None = None
) -> list[dict]:
    """Exact counts of the groups (platform, jurisdiction, request type, metric) that can yield
    a derived figure, as the dicts ``derive.all_derived`` reads: one period lies within another
    (a complement) or one year has several shorter periods (a year sum). At a million figures
    the rest need not be copied. ``groups``: ``exact_groups(figures)``, when already made."""
    if groups is None:
        groups = exact_groups(figures)
    value = figures.column("value")
    rows = figures.rows
    nested = []
    # Groups share their periods (a million figures' 47,444 groups of counts have 973 sets of
    # periods): each set is judged once. 0.26 s of CPU instead of 0.58 at a million figures
    # (best of three, thread CPU), spent before the recency order the parent waits for.
    can_derive: dict[frozenset, bool] = {}
    for key, items in groups.items():
        if units.get(key[3]) != "count":
            continue
        valued = [item for item in items if rows[item[2]][value] is not None]
        periods = frozenset([period for period, _, _ in valued])
        verdict = can_derive.get(periods)
        if verdict is None:
            ordered = sorted(periods)
            verdict = can_derive[periods] = has_nesting(ordered) or has_year_parts(ordered)
        if verdict:
            nested += [index for _, _, index in valued]
    return [dict(zip(figures.fields, rows[i], strict=True)) for i in sorted(nested)]


def reported_count_of(
    figures: table_schema.Table, units: dict[str, str]
) -> Callable[[tuple, tuple[tuple[date, date], str, int]], dict | None]:
    """The ``row_of`` of ``derive.reported_count_lookup`` for the groups of
    ``exact_groups(figures)``: a member's figure id and value, None when its metric is not a
    count or it has no value. The lookup reads every reported figure: ``derivable_groups``
    leaves out a count whose own series has no period within another, and such a count may
    still be the whole, or a part, of a derived figure of its period."""
    value, rows = figures.column("value"), figures.rows

    def reported_count(group: tuple, member: tuple[tuple[date, date], str, int]) -> dict | None:
        _, figure_id, index = member
        if units.get(group[3]) != "count" or rows[index][value] is None:
            return None
        return {"figure_id": figure_id, "value": rows[index][value]}

    return reported_count


def left_out_rows(left_out: list[derive.LeftOut]) -> list[tuple]:
    """The rows of derivations_left_out (``DERIVATIONS_LEFT_OUT_COLUMNS`` order), one per
    complement ``StagedDerivation.left_out`` names."""
    return [
        (
            *item.group,
            item.period[0].isoformat(),
            item.period[1].isoformat(),
            rules.period_label(*item.period),
            item.whole["figure_id"],
            item.part["figure_id"],
            item.reason,
        )
        for item in left_out
    ]


def has_nesting(periods: list[tuple[date, date]]) -> bool:
    """True when one of the distinct ``periods``, sorted, lies within another: of two with one
    start the longer holds the other, and one starting later lies within an earlier one exactly
    when it ends on or before the latest end so far."""
    latest_start = latest_end = None
    for start, end in periods:
        if start == latest_start or (latest_end is not None and end <= latest_end):
            return True
        latest_start, latest_end = start, end if latest_end is None else max(latest_end, end)
    return False


def has_year_parts(periods: list[tuple[date, date]]) -> bool:
    """True when one calendar year holds two or more of the ``periods``, each shorter than it."""
    years = [
        start.year
        for start, end in periods
        if start.year == end.year and (start.month, start.day, end.month, end.day) != (1, 1, 12, 31)
    ]
    return len(years) != len(set(years))


def recency_order(ends: list[str], ids: list[str]) -> list[int]:
    """The indices of every figure (its ``ends``, period_end, and ``ids``, figure_id, by index)
    by recency: newest period first, ties by figure id (see ``derive.with_recency_rank``).
    Python's sort is stable, reversed too: the second keeps the first's order among ties."""
    order = sorted(range(len(ids)), key=ids.__getitem__)
    order.sort(key=ends.__getitem__, reverse=True)
    return order


def reported_keys(figures: table_schema.Table) -> tuple[list[str], list[str]]:
    """(figure_id, period_end) of every reported figure, by row index, as two lists."""
    rows = figures.rows
    return list(map(itemgetter(figures.column("figure_id")), rows)), list(
        map(itemgetter(figures.column("period_end")), rows)
    )


def figures_order(ids: list[str], ends: list[str], derived_keys: Sequence[tuple[str, str]]) -> list[int]:
    """``recency_order`` of the reported figures (``ids`` and ``ends``, ``reported_keys``'s)
    followed by the derived ones (``derived_keys``: (period_end, figure_id) of each, in the
    order of their rows): a reported figure by its row index, a derived one by ``len(ids)`` +
    its index. The child that derives the figures makes it so; the parent, which waits for the
    keys, the same order from ``ReportedOrder``."""
    return recency_order(ends + [end for end, _ in derived_keys], ids + [fid for _, fid in derived_keys])


class ReportedOrder:
    """The reported figures' row indices grouped by period_end, each group in figure_id order:
    made while the build waits for the derived figures' keys, which ``with_derived`` then puts
    in place, rather than sorting every figure once they come (at a million figures 0.04 s
    instead of 0.11 before the first figure loads)."""

    def __init__(self, ids: list[str], ends: list[str]):
        self.ids = ids
        self.by_end: dict[str, list[int]] = {}
        for index in sorted(range(len(ids)), key=ids.__getitem__):
            end = ends[index]
            if end in self.by_end:
                self.by_end[end].append(index)
            else:
                self.by_end[end] = [index]

    def with_derived(self, derived_keys: Sequence[tuple[str, str]]) -> list[int]:
        """``figures_order`` of these figures and ``derived_keys``."""
        reported = len(self.ids)
        ids = self.ids + [fid for _, fid in derived_keys]
        derived: dict[str, list[int]] = {}
        for offset, (end, _) in enumerate(derived_keys):
            derived.setdefault(end, []).append(reported + offset)
        by_end = dict(self.by_end)
        for end, indices in derived.items():
            group = by_end.get(end, [])
            merged: list[int] = []
            last = 0
            # Each derived figure after the reported ones whose id is not greater (a colliding
            # id fails the build later): recency_order's stable sorts keep equal ids in index order.
            for index in sorted(indices, key=ids.__getitem__):
                at = bisect.bisect_right(group, ids[index], lo=last, key=ids.__getitem__)
                merged += group[last:at]
                merged.append(index)
                last = at
            by_end[end] = merged + group[last:]
        return list(itertools.chain.from_iterable(by_end[end] for end in sorted(by_end, reverse=True)))


def recency_ranks(order: list[int]) -> list[int]:
    """The recency rank of each figure, by index, from ``recency_order``: 1 for the newest."""
    ranks = [0] * len(order)
    for rank, index in enumerate(order, start=1):
        ranks[index] = rank
    return ranks


def load_orders(order: list[int], reported: int) -> tuple[list[int], list[int]]:
    """The order in which the figures load, from ``recency_order`` of the ``reported`` figures'
    keys followed by the derived ones': (the reported figures' row indices, newest first; the
    derived figures' indices, newest first). Row ``n`` in that sequence gets rowid ``n``: the
    search index (``loaded_in_order``) numbers its rows the same way."""
    return [i for i in order if i < reported], [i - reported for i in order if i >= reported]


# The build's columns in the order reported_rows appends them to each row.
REPORTED_BUILD_COLUMNS = (
    "is_derived",
    "derivation",
    "period_kind",
    "period_label",
    "unit",
    "recency_rank",
    "value_text",
    "value_note",
    "source_tier",
    "year",
)


def reported_rows(
    figures: table_schema.Table,
    units: dict[str, str],
    fields: list[dict],
    source_tier: dict[str, str],
    order: Iterable[int] | None = None,
    ranks: list[int] | None = None,
    take: bool = False,
    no_requests: frozenset[tuple] = frozenset(),
):
    """The reported figures of the rows ``order`` lists (their indices; default: every row, in
    row order), with the build's columns, as tuples in ``figure_columns`` order, one at a time.
    ``ranks``: the recency rank of every reported figure, by row index, or None for recency_rank
    None (``with_ranks`` gives it later, in a second tuple).
    ``source_tier``: each source's tier by source id. ``take``: each row is taken out of
    ``figures.rows`` (None left in its place) once made, so that its memory goes as the rows
    load rather than after the last. ``no_requests``: ``places_without_requests(figures)``,
    whose shares of requests get a note that they are shares of none."""
    column = {name: figures.column(name) for name in figures.fields}
    start, end, metric, source_id = (column[n] for n in ("period_start", "period_end", "metric_id", "source_id"))
    kind_at, value_at = column["value_kind"], column["value"]
    place_of = itemgetter(*(column[n] for n in PLACE_COLUMNS))
    value_columns = [(name, column[name]) for name in ("value_kind", *VALUE_COLUMNS)]
    if not figures.sql_values:
        raise ValueError("reported_rows reads rows of SQLite values: as_sql_values(figures, fields) first")
    if tuple(BUILD_COLUMNS) != REPORTED_BUILD_COLUMNS:
        raise RuntimeError(f"reported_rows appends {REPORTED_BUILD_COLUMNS}, not BUILD_COLUMNS {tuple(BUILD_COLUMNS)}")
    # Per row only what differs from row to row: a value note depends on the value kind, the
    # unit and whether the figure is a share of no requests, so it is made once per three of
    # them; an exact count's value text is written here (as value_text writes it) without the
    # dict of numbers the general route reads. At a million figures making the rows took 1.05 s
    # of CPU instead of 1.55 (the generator alone, best of three); the database is the same bytes.
    notes: dict[tuple[str, str, bool], str | None] = {}
    share_of_requests = {m: m.startswith(SHARE_OF_REQUESTS_PREFIXES) for m in units} if no_requests else {}
    indices = range(len(figures.rows)) if order is None else order
    rows = figures.rows
    for index in indices:
        values = rows[index]
        if take:
            rows[index] = None  # its memory goes as the rows load, not after the last
        period_kind, label, year = derive.period_columns(values[start], values[end])
        unit = units[values[metric]]
        kind, value = values[kind_at], values[value_at]
        if type(value) is int and unit == "count" and kind == "exact":
            text = f"{value:,}"
        else:
            text = value_text({name: values[i] for name, i in value_columns}, unit)
        of_none = bool(no_requests) and share_of_requests[values[metric]] and place_of(values) in no_requests
        note_key = (kind, unit, of_none)
        if note_key in notes:
            note = notes[note_key]
        else:
            note = notes[note_key] = value_note({"value_kind": kind}, unit, of_none) or None
        # In REPORTED_BUILD_COLUMNS order, which is BUILD_COLUMNS' (checked above).
        yield values + (
            0,
            None,
            period_kind,
            label,
            unit,
            None if ranks is None else ranks[index],
            text,
            note,
            source_tier[values[source_id]],
            year,
        )


# What identifies the requests a share of requests is a share of: the figure's place, period and
# request type (its metric aside).
PLACE_COLUMNS = ("platform_id", "jurisdiction_id", "period_start", "period_end", "request_type_id")


def places_without_requests(figures: table_schema.Table) -> frozenset[tuple]:
    """The (``PLACE_COLUMNS``) of every reported requests_received figure of exactly 0: a share
    of requests there is a share of none (``reported_rows``)."""
    column = {name: figures.column(name) for name in figures.fields}
    metric, kind, value = column["metric_id"], column["value_kind"], column["value"]
    place_of = itemgetter(*(column[n] for n in PLACE_COLUMNS))
    return frozenset(
        place_of(row)
        for row in figures.rows
        if row[metric] == "requests_received" and row[value] == 0 and row[kind] == "exact"
    )


def in_order(order: Iterable[int], made: list, later: Iterator[tuple]):
    """The rows ``order`` lists by index: ``made[index]`` for an index within ``made`` (each
    dropped from it once given), the next row of ``later`` for any other (``later`` makes them
    in the order ``order`` lists them)."""
    for index in order:
        if index < len(made):
            row, made[index] = made[index], None
            yield row
        else:
            yield next(later)


def derived_rows(
    derived: list[derive.Derived],
    units: dict[str, str],
    columns: list[str],
    derived_tier: dict[str, str],
) -> list[tuple]:
    """The derived figures as tuples in ``columns`` order (``figure_columns``), recency_rank
    None (``with_ranks`` gives it). ``derived_tier``: each one's tier (the weakest of its
    inputs', ``tiers.figure_tiers``)."""
    rows = []
    for item in derived:
        row = derive.with_period_columns(item.row, units)
        # Each part fits SQLite (validation checks every cell); their sum may not.
        value = row["value"]
        if value is not None and value == int(value):
            too_large = rules.stored_number_problems(Decimal(int(value)))
            if too_large:
                raise BuildFailed(
                    f"the derived figure {row['figure_id']} ({row['derivation']}): {too_large[0]}, so it cannot "
                    "be stored; check its inputs' values"
                )
        row["recency_rank"] = None
        row["source_tier"] = derived_tier[row["figure_id"]]
        # A field the schema has beyond the contract (PACKAGE_FIELDS: adding one is free) holds
        # nothing for a figure no source stated: NULL, as an empty cell of a reported figure.
        rows.append(tuple(row.get(c) for c in columns))
    return rows


def with_ranks(rows: list[tuple], ranks: list[int], columns: list[str]):
    """``rows`` (tuples in ``columns`` order) with their recency ranks put in, one at a time."""
    at = columns.index("recency_rank")
    for rank, row in zip(ranks, rows, strict=True):
        yield (*row[:at], rank, *row[at + 1 :])


def derivation(
    figures: table_schema.Table,
    units: dict[str, str],
    source_tier: dict[str, str],
    tier_rows: list[dict],
    vocabularies: dict[str, list[tuple]] | None = None,
    index_file: Path | None = None,
    members_file: Path | None = None,
    facets: dict[str, list[str]] | None = None,
):
    """What the build derives from the reported ``figures``, in five parts, as a generator (the
    build runs it in a forked child process: ``forked.Forked``):

    1. the derived figures' keys, (period_end, figure_id) of each, in the order of their rows:
       with the reported figures' own, the parent's ``figures_order`` (the ranks, and the order
       in which the figures load, ``load_orders``) before the first is loaded;
    2. the derived figures as ``derived_rows``;
    3. (the ids of ``series_items``, or ``members_file`` once they are written there
       (``write_series_members_file``); the rows of figure_inputs as (figure_id,
       input_figure_id, sign); the rows of derivations_left_out, ``left_out_rows``);
    4. ``index_file``, once the figures' search index is written there
       (``search_index.write_index_from_rows``, from these rows and ``vocabularies``, which
       ``search_vocabularies`` gives), or None when no file is given;
    5. ``figure_facet_counts`` of these rows for ``facets`` (metadata.yml's, by table), and
       the search_text view's row count once its index is written (without facets).

    ``source_tier``: each source's tier by id; ``tier_rows``: the source_tiers rows as dicts.
    Raises BuildFailed when a derived figure's id is a reported one's, ValueError when
    ``index_file`` is given without ``vocabularies``.
    """
    if index_file is not None and vocabularies is None:
        raise ValueError("derivation: an index file needs the vocabularies (search_vocabularies)")
    if forked.IN_CHILD:
        # The raw cells, whose digest the parent computes (Table.settle_digest): a forked copy of
        # their lists, which this process would otherwise hold until it ends, at the build's
        # peak (at a million figures about 100 MB more; 60-75 MB dropped but left in the heap).
        figures.raw_columns = None
        return_freed_memory()
    groups = exact_groups(figures)
    candidates = derivable_groups(figures, units, groups)
    # The derived figures' keys first, their rows once the keys are sent: the parent loads the
    # first figure only once it knows every figure's rank.
    staged = derive.StagedDerivation(candidates, units)
    # The keys alone, which the parent sorts with the reported figures' (figures_order) while
    # this process goes on: at a million figures the order of a million figures, made and
    # pickled here, came 0.3 s later, the parent waiting for it.
    yield tuple(staged.keys)
    ids, ends = reported_keys(figures)
    order = figures_order(ids, ends, staged.keys)
    del ends
    # Checked once the keys are sent, which the parent waits for (0.13 s at a million figures):
    # a collision fails the build when the parent next receives, before anything is published.
    reported_ids = set(ids)
    for _, figure_id in staged.keys:
        if figure_id in reported_ids:
            raise BuildFailed(f"derived figure id {figure_id} collides with a reported figure")
    del reported_ids, ids
    try:
        derived = staged.derived(derive.reported_count_lookup(groups, reported_count_of(figures, units)))
    except derive.DerivedPartsInconsistent as error:
        raise BuildFailed(str(error)) from error
    left_out = left_out_rows(staged.left_out)
    del staged
    derived_tier = tiers.figure_tiers(
        candidates,
        [{"source_id": k, "tier": v} for k, v in source_tier.items()],
        tier_rows,
        {d.row["figure_id"]: [fid for fid, _ in d.inputs] for d in derived},
    )
    del candidates
    rows = derived_rows(derived, units, figure_columns(figures), derived_tier)
    # The rows before the series and inputs: the parent loads them first.
    yield rows
    members = series_items(figures, derived, groups)
    links = [(d.row["figure_id"], fid, sign) for d in derived for fid, sign in d.inputs]
    # Not held while the search index is written (beside the parent's load, at its peak).
    del derived, groups
    if members_file is not None:
        # Written here, on this core, while the parent still loads the figures: it copies them
        # in (copy_series_members) rather than inserting a million ids on its own.
        yield write_series_members_file(members_file, members), links, left_out
    else:
        yield members, links, left_out
    del links, left_out
    indexed = None
    if index_file is not None:
        indexed = search_index.write_index_from_rows(
            index_file,
            loaded_in_order(figures, rows, load_orders(order, len(figures.rows))),
            figures.fields,
            vocabularies,
            SEARCH_INDEX_CACHE_KIB,
        )
    yield index_file
    counted = figure_facet_counts(figures, rows, figure_columns(figures), source_tier, members, facets or {})
    if indexed is not None and not (facets or {}).get(search_index.TEXT_VIEW):
        # The search_text view has a row for each row of the index: a count without facets.
        counted[search_index.TEXT_VIEW] = precompute.TableFacets(indexed, [], [], frozenset())
    yield counted


def search_vocabularies(tables: dict[str, table_schema.Table]) -> dict[str, list[tuple]]:
    """What the figures' search index reads of each vocabulary table
    (``search_index.VOCABULARY_COLUMNS``), taken before the load empties the tables."""
    return {
        name: [itemgetter(*map(tables[name].column, columns))(row) for row in tables[name].rows]
        for name, columns in search_index.VOCABULARY_COLUMNS.items()
    }


def loaded_in_order(figures: table_schema.Table, derived: list[tuple], orders: tuple[list[int], list[int]]):
    """Every figure's row in the order the figures load (row ``n`` gets rowid ``n``): the
    reported ``figures``' rows (``figures.fields``), then the ``derived`` rows (in
    ``figure_columns`` order, which begins with ``figures.fields``), each in the order
    ``orders`` (``load_orders``) gives."""
    reported_order, derived_order = orders
    return itertools.chain(map(figures.rows.__getitem__, reported_order), map(derived.__getitem__, derived_order))


def figure_columns(figures: table_schema.Table) -> list[str]:
    """The columns of the figures table: the schema's, then the build's."""
    return figures.fields + list(BUILD_COLUMNS)


def series_items(
    figures: table_schema.Table, derived: list[derive.Derived], groups: dict[tuple, list] | None = None
) -> list[str]:
    """``derive.series_members`` of the reported and derived figures, from the rows
    (periods and ids only, so a million figures are not copied into dicts). ``groups``:
    ``exact_groups(figures)``, when already made; its lists are extended and sorted here."""
    # The groups' lists of (period, figure id, row index) are extended with the derived figures
    # (row index -1) and sorted where they are: copying them cost more than the rest.
    series = exact_groups(figures) if groups is None else groups
    for item in derived:
        row = item.row
        key = (row["platform_id"], row["jurisdiction_id"], row["request_type_id"], row["metric_id"])
        period = period_dates(row["period_start"], row["period_end"])
        series.setdefault(key, []).append((period, row["figure_id"], -1))
    members = []
    for items in series.values():
        items.sort()
        if all(a[0][1] < b[0][0] for a, b in itertools.pairwise(items)):
            # Periods apart from each other: rules.non_overlapping would keep them all.
            members += [fid for _, fid, _ in items]
        else:
            members += rules.non_overlapping([(period, fid) for period, fid, _ in items])
    return sorted(members)


# The figures' columns the child can count facets of (``figure_facet_counts``) beyond the
# package's own: the build's, as reported_rows makes them.
COUNTED_BUILD_COLUMNS = ("period_kind", "period_label", "source_tier")


# The tables and views whose default counts the child that derives the figures makes, and
# whether each is a view.
CHILD_COUNTED = {"figures": False, "figures_series": True, search_index.TEXT_VIEW: True}


def child_counted(
    db: sqlite_utils.Database, counted: dict[str, precompute.TableFacets], facets: dict[str, list[str]]
) -> dict[str, precompute.TableFacets]:
    """``counted`` (``figure_facet_counts``, from the child), with what it left out of
    CHILD_COUNTED counted here by ``precompute.count_table``; the figures' too when one of their
    facet columns is not of TEXT affinity, whose values SQLite would count otherwise."""
    counted = dict(counted)
    figures_facets = facets.get("figures", [])
    if precompute.text_facet_columns(db, "figures", figures_facets) != figures_facets:
        counted.pop("figures", None)
    for name, view in CHILD_COUNTED.items():
        if name not in counted:
            counted[name] = precompute.count_table(db, name, facets.get(name, []), view)
    return counted


def figure_facet_counts(
    figures: table_schema.Table,
    derived: list[tuple],
    columns: list[str],
    source_tier: dict[str, str],
    members: list[str],
    facets: dict[str, list[str]],
) -> dict[str, precompute.TableFacets]:
    """``precompute.count_table`` of the figures table and of the figures_series view, by name,
    made from the rows the build loads (the reported ``figures``, the ``derived`` rows in
    ``columns`` order, the series' ``members``' ids) instead of read back: at a million
    figures SQLite's reading took 4.7 s of CPU beside the indexes, this 1.5 in the child that
    derives the figures, once its search index is written.

    Only for facets of text without NULL, of the package's columns or COUNTED_BUILD_COLUMNS
    (the figures' facets in metadata.yml): a table whose facets are not is left out, for
    ``count_table`` to count. The build also counts the figures itself when their columns are
    not all of TEXT affinity (``precompute.text_facet_columns``)."""
    # In the derivation's child, Arrow is imported without numpy, which counting needs none of:
    # numpy's import took 0.2-0.3 s of CPU there (pyarrow's alone 0.07), beside the index builds.
    # Not here otherwise, nor once either is imported: Arrow would stay without numpy.
    alone = forked.IN_CHILD and "numpy" not in sys.modules and "pyarrow" not in sys.modules
    with numpy_hidden(alone):
        import pyarrow as pa
        import pyarrow.compute as pc

    rows, at = figures.rows, {name: index for index, name in enumerate(columns)}
    # Each row's period is read once, its kind and label (and each figure's membership of a
    # series) looked up by map() rather than in a Python loop: with value_counts counting each
    # pair of facets once, 1.44-1.51 s of CPU instead of 1.70-1.83 at a million figures.
    periods = list(map(itemgetter(figures.column("period_start"), figures.column("period_end")), rows))
    period_parts = {period: derive.period_columns(*period) for period in set(periods)}

    def cells(name: str) -> list | None:
        if name not in figures.fields and name not in COUNTED_BUILD_COLUMNS:
            return None
        if name in figures.fields:
            reported = list(map(itemgetter(figures.column(name)), rows))
        elif name in ("period_kind", "period_label"):
            part = 0 if name == "period_kind" else 1
            reported = list(map({period: parts[part] for period, parts in period_parts.items()}.__getitem__, periods))
        else:  # source_tier
            reported = list(map(source_tier.get, map(itemgetter(figures.column("source_id")), rows)))
        return reported + [row[at[name]] for row in derived]

    arrays: dict[str, Any] = {}
    for name in sorted({*facets.get("figures", []), *facets.get("figures_series", [])}):
        found = cells(name)
        try:
            array = None if found is None else pa.array(found, pa.string())
        except (pa.ArrowInvalid, pa.ArrowTypeError):  # a cell that is not text
            array = None
        arrays[name] = None if array is None or array.null_count else array.dictionary_encode()
    counted = {}
    wanted = facets.get("figures", [])
    total = len(rows) + len(derived)
    if wanted and all(arrays[name] is not None for name in wanted):
        single, pairs = precompute.value_counts({name: arrays[name] for name in wanted})
        counted["figures"] = precompute.TableFacets(total, single, pairs, frozenset(wanted))
    wanted = facets.get("figures_series", [])
    widths = [len(arrays[name].dictionary) for name in wanted if arrays[name] is not None]
    if wanted and len(widths) == len(wanted) and math.prod(widths) < 1 << 62:
        ids = itertools.chain(
            map(itemgetter(figures.column("figure_id")), rows), (row[at["figure_id"]] for row in derived)
        )
        member = frozenset(members)
        in_series = pa.array(list(map(member.__contains__, ids)), pa.bool_())
        # Each combination of the series' facet values, as one number: its columns' codes.
        key, sizes = None, []
        for name in wanted:
            codes = pc.filter(arrays[name].indices, in_series).cast(pa.int64())
            size = len(arrays[name].dictionary)
            key = codes if key is None else pc.add(pc.multiply(key, size), codes)
            sizes.append(size)
        combinations = []
        found = pc.value_counts(key)
        values = [arrays[name].dictionary.to_pylist() for name in wanted]
        for number, count in zip(found.field(0).to_pylist(), found.field(1).to_pylist(), strict=True):
            parts = []
            for size in reversed(sizes):
                number, code = divmod(number, size)
                parts.append(code)
            combinations.append((*(values[i][code] for i, code in enumerate(reversed(parts))), count))
        grouped = tuple(row[1:] for row in precompute.per_column_counts("figures_series", wanted, combinations))
        counted["figures_series"] = precompute.TableFacets(
            sum(c[-1] for c in combinations), [], [], frozenset(wanted), grouped
        )
    return counted


def load_order(resources: list[dict]) -> list[dict]:
    """The resources with every referenced table before the tables that reference it.

    The package lists platforms before sources, yet a platform names its freshness source.
    Raises BuildFailed on a cycle of foreign keys.
    """
    pending, ordered, loaded = list(resources), [], set()
    while pending:
        ready = [
            r
            for r in pending
            if all(fk["reference"]["resource"] in loaded | {r["name"], ""} for fk in r["schema"].get("foreignKeys", []))
        ]
        if not ready:
            raise BuildFailed(f"foreign keys form a cycle among {[r['name'] for r in pending]}")
        ordered += ready
        loaded |= {r["name"] for r in ready}
        pending = [r for r in pending if r["name"] not in loaded]
    return ordered


@contextmanager
def cache_size(db: sqlite_utils.Database, kib: int):
    """The connection's page cache is ``kib`` KiB meanwhile, then BUILD_CACHE_KIB again."""
    db.execute(f"PRAGMA cache_size = -{kib}")
    try:
        yield
    finally:
        db.execute(f"PRAGMA cache_size = -{BUILD_CACHE_KIB}")


@contextmanager
def checks_deferred(db: sqlite_utils.Database):
    """Rows inserted meanwhile skip the tables' CHECK constraints (``PRAGMA
    ignore_check_constraints``); ``check_rows`` evaluates every one of them afterwards, row by
    row (a scan of each table for the rows that break one), before the file is used: for the
    loaded tables in ``check_loaded``, for the tables ``populate``'s ``meanwhile`` writes as
    soon as they are written.

    Evaluated per INSERT, the checks took 40% of loading the figures (0.19 of 0.47 s for 64,858
    rows); one scan for the rows that break one takes 0.03 s, on another core. NOT NULL, UNIQUE and the keys
    are still enforced on insert (UNIQUE_INDEXES once made)."""
    db.execute("PRAGMA ignore_check_constraints = ON")
    try:
        yield
    finally:
        db.execute("PRAGMA ignore_check_constraints = OFF")


def populate(
    db: sqlite_utils.Database,
    descriptor: dict,
    tables: dict[str, table_schema.Table],
    alongside: Callable[[sqlite_utils.Database], None] | None = None,
    meanwhile: Callable[[sqlite_utils.Database], None] | None = None,
    metadata: dict | None = None,
    once_indexed: Callable[[sqlite_utils.Database], None] | None = None,
) -> None:
    """Create every table from the schema, load the typed rows and derived figures in one
    transaction, then index, precompute the default views' numbers, and ANALYZE.

    ``meanwhile(db)``: tables of its own that read none of the package's, written in that
    transaction while the derived figures are computed (the release tables), their CHECK
    constraints evaluated once they are written (``check_rows``), not on each insert.

    ``metadata``: the site's (``site_config.site_metadata(descriptor)``, read when not given),
    whose facets decide the facet indexes and the default counts.

    ``alongside(reader)``: read-only work on the loaded tables (their checks, ``check_loaded``),
    given a connection of its own when ``db`` is a file, done in a thread while ``db`` is
    indexed and a third connection writes the figures' search index (``writes_beside``). From
    then on the loaded tables are read-only to ``db``: a statement that would change them fails
    (``read_only``). ``once_indexed(reader)``: more of it (the series' check, ``check_series``),
    begun once the loaded tables' indexes are committed, which its queries may then read.

    The tables' rows are consumed: each list is emptied once in the database, so that indexing
    a million figures does not happen beside a second copy of them (without fork, the figures'
    rows stay until the derivation running in this process has read them for its search index). Their CHECK constraints are
    not evaluated on insert (``checks_deferred``): ``check_loaded`` does (given as ``alongside``,
    or run by ``check_database``).
    """
    for resource in descriptor["resources"]:
        as_sql_values(tables[resource["name"]], resource["schema"]["fields"])
    metrics = tables.get("metrics")
    units = {}
    if metrics is not None:
        units = {row[metrics.column("metric_id")]: row[metrics.column("unit")] for row in metrics.rows}
    figures = tables["figures"]
    sources, tier_table = tables["sources"], tables["source_tiers"]
    source_tier = {row[sources.column("source_id")]: row[sources.column("tier")] for row in sources.rows}
    tier_rows = [dict(zip(tier_table.fields, row, strict=True)) for row in tier_table.rows]
    # The derived figures are computed in a child process while this one loads the other tables
    # (``derivation``): about 0.3 s of Python, at the real package's size, on the other core,
    # which then writes the figures' search index while this one loads them.
    index_file, members_file = search_index_file(db), scratch_file(db, "members")
    if metadata is None:
        metadata = site_config.site_metadata(descriptor)
    try:
        with ExitStack() as stack:
            for file in (index_file, members_file):
                if file is not None:
                    stack.callback(file.unlink, missing_ok=True)  # after the child has stopped
            deriving = stack.enter_context(
                forked.Forked(
                    derivation,
                    figures,
                    units,
                    source_tier,
                    tier_rows,
                    search_vocabularies(tables),
                    index_file,
                    members_file,
                    precompute.configured_facets(metadata),
                )
            )
            populate_with(
                db,
                descriptor,
                tables,
                units,
                source_tier,
                deriving,
                index_file,
                alongside,
                meanwhile,
                metadata,
                once_indexed,
            )
    except forked.ChildFailed as error:
        # Its process ended without an answer (killed, out of memory): one line, as any failure,
        # where it was a traceback (or, terminated, the parent's own exit without a word).
        raise BuildFailed(f"the process deriving the figures ended: {error}") from error
    figures.rows.clear()  # emptied already, but where the derivation ran in this process (no fork)


def return_freed_memory() -> None:
    """Give the pages the C heap holds free back to the operating system (glibc's
    ``malloc_trim``): a list Python frees leaves its array's pages in the heap, counted in the
    process's memory until reused. Does nothing but on Linux, or where the C library has no
    such call (musl), or Python no ctypes."""
    if sys.platform != "linux":
        return
    try:
        import ctypes

        trim = getattr(ctypes.CDLL(None), "malloc_trim", None)
    except (ImportError, OSError, TypeError):
        return
    if trim is not None:
        trim(0)


def scratch_file(db: sqlite_utils.Database, purpose: str) -> Path | None:
    """A file for ``purpose`` beside ``db``'s (``.<name>-<purpose>.<pid>.tmp``, which
    ``remove_stale_temporaries`` deletes after a killed build), or None in memory."""
    path = db.execute("SELECT file FROM pragma_database_list WHERE name = 'main'").fetchone()[0]
    return Path(path).with_name(f"{Path(path).name}-{purpose}.{os.getpid()}.tmp") if path else None


def search_index_file(db: sqlite_utils.Database) -> Path | None:
    """The file the figures' search index is written into beside ``db``'s, or None in memory."""
    return scratch_file(db, "fts")


def write_series_members_file(path: Path, members: list[str]) -> Path:
    """``path``, a new SQLite file holding series_members (SERIES_MEMBERS_SQL) with ``members``
    (figure ids, sorted), for ``copy_series_members``."""
    conn = sqlite3.connect(path)
    try:
        # A scratch file, deleted once copied: nothing to recover after a crash.
        conn.execute("PRAGMA journal_mode = OFF")
        conn.execute("PRAGMA synchronous = OFF")
        conn.execute(SERIES_MEMBERS_SQL)
        with conn:
            conn.executemany("INSERT INTO series_members (figure_id) VALUES (?)", ((fid,) for fid in members))
    finally:
        conn.close()
    return path


def copy_series_members(db: sqlite_utils.Database, path: Path) -> None:
    """Put the rows of ``write_series_members_file``'s file at ``path`` into ``db``'s (empty)
    series_members, then delete the file. No transaction may be open on ``db``. SQLite copies
    the records as they are from one table to its twin: at a million figures 0.3 s of CPU,
    where inserting the ids took 1.6 on the one connection that writes."""
    db.execute("ATTACH DATABASE ? AS written", [f"{sqlite_uri(path)}?mode=ro"])
    try:
        with db.atomic():
            db.execute("INSERT INTO main.series_members SELECT * FROM written.series_members")
    finally:
        db.execute("DETACH DATABASE written")
    path.unlink(missing_ok=True)


def populate_with(
    db: sqlite_utils.Database,
    descriptor: dict,
    tables: dict[str, table_schema.Table],
    units: dict[str, str],
    source_tier: dict[str, str],
    deriving: forked.Forked,
    index_file: Path | None,
    alongside: Callable[[sqlite_utils.Database], None] | None,
    meanwhile: Callable[[sqlite_utils.Database], None] | None = None,
    metadata: dict | None = None,
    once_indexed: Callable[[sqlite_utils.Database], None] | None = None,
) -> None:
    """``populate``'s work once ``deriving`` (``derivation``, in a child process) has begun."""
    # The raw cells' digests (for the round trip), pending since they were read from the stamp's
    # rows: computed while the child derives, rather than before it was forked (at a million
    # figures 0.33 s of CPU on one core), and first, so that the texts go before more is made.
    for table in tables.values():
        table.settle_digest()
    return_freed_memory()
    figures = tables["figures"]
    keyed_after = frozenset(
        resource["name"]
        for resource in descriptor["resources"]
        if resource["name"] in KEYED_AFTER_LOAD and not rowid_key(resource)
    )
    if keyed_after and not schema_writable(db):
        keyed_after = frozenset()
    # Without one explicit transaction sqlite-utils commits every chunk of rows it inserts.
    with db.atomic(), checks_deferred(db):
        for resource in descriptor["resources"]:
            db.execute(create_table_sql(resource, key=resource["name"] not in keyed_after))
        db.execute(FIGURE_INPUTS_SQL)
        db.execute(SERIES_MEMBERS_SQL)
        db.execute(DERIVATIONS_LEFT_OUT_SQL)
        for resource in load_order(descriptor["resources"]):
            if resource["name"] != "figures":
                table = tables[resource["name"]]
                load_rows(db, resource["name"], table.fields, sql_rows(table, resource["schema"]["fields"]))
                table.rows.clear()
        fields = next(r for r in descriptor["resources"] if r["name"] == "figures")["schema"]["fields"]
        columns = figure_columns(figures)
        reported = len(figures.rows)
        # Read before any row is taken (below), for the order the child's keys complete.
        ids, ends = reported_keys(figures)
        # Once made, a row is taken out of figures.rows: a child deriving beside this process
        # has its own copy, but one running here (no fork) reads them later.
        take = deriving.forked
        no_requests = places_without_requests(figures)
        unranked = reported_rows(figures, units, fields, source_tier, take=take, no_requests=no_requests)
        # The ranks need the derived figures' keys: until the child sends their order, the first rows
        # are made ready (a bounded number, so that a million are not held here twice), and
        # ranked once they are; the rest are made with their rank.
        ahead: list[tuple] = []
        while len(ahead) < REPORTED_AHEAD and not deriving.ready():
            chunk = list(itertools.islice(unranked, AHEAD_CHUNK))
            if not chunk:
                break
            ahead += chunk
        del unranked
        # Work that needs nothing the child sends, done while it may still be deriving (at a
        # million figures this process waits 0.3-0.9 s here for the order, the other core idle).
        if meanwhile is not None:
            # Its tables' CHECKs too are evaluated once written, one scan each: per INSERT, an
            # IN list's CHECK (release_changes.change) builds its lookup table again for every
            # row, and 65,482 changes took 0.25 s of CPU instead of 0.13, all on this core.
            before = {name for (name,) in db.execute(TABLES_SQL)}
            meanwhile(db)
            check_rows(db, [name for (name,) in db.execute(TABLES_SQL) if name not in before])
        reported_by_recency = ReportedOrder(ids, ends)
        del ids, ends
        order = reported_by_recency.with_derived(deriving.receive())
        del reported_by_recency
        ranks = recency_ranks(order)
        # Loaded newest first (load_orders: the reported figures, then the derived ones), so that
        # rowids follow recency_rank within each of the two: every index led by a facet column and then recency_rank
        # (precompute.facet_indexes) then sorts rows that come in its order within each value. At
        # a million figures the fourteen indexes on figures took 6.7 s of CPU instead of 10.4,
        # on the one core that writes.
        reported_order, derived_order = load_orders(order, reported)
        del order
        made = len(ahead)
        ahead = list(with_ranks(ahead, ranks[:made], columns))
        ranked = reported_rows(
            figures,
            units,
            fields,
            source_tier,
            order=[index for index in reported_order if index >= made],
            ranks=ranks,
            take=take,
            no_requests=no_requests,
        )
        load_rows(db, "figures", columns, in_order(reported_order, ahead, ranked))
        del ahead, ranked, reported_order
        if take:
            figures.rows.clear()  # every row taken; one running here still reads them (its search index)
        derived = list(with_ranks(deriving.receive(), ranks[reported:], columns))
        load_rows(db, "figures", columns, in_order(derived_order, derived, iter(())))
        del derived, ranks, derived_order
        for resource in descriptor["resources"]:
            if resource["name"] in keyed_after:
                add_primary_key(db, resource)
        members, links, left_out = deriving.receive()
        if not isinstance(members, Path):
            load_rows(db, "series_members", ["figure_id"], ((fid,) for fid in members))
        load_rows(db, "figure_inputs", ["figure_id", "input_figure_id", "sign"], links)
        load_rows(db, "derivations_left_out", DERIVATIONS_LEFT_OUT_COLUMNS, left_out)
        del links, left_out
        for view, sql in VIEWS.items():
            db.create_view(view, sql.strip(), replace=True)
    if isinstance(members, Path):
        copy_series_members(db, members)
    del members
    search_index.write_search_text(db)
    if metadata is None:
        metadata = site_config.site_metadata(descriptor)
    facets = precompute.configured_facets(metadata)
    # The loaded tables' counts are read beside the indexes; what is written later is counted
    # once it is. The views over them (search_text, figures_series) too. The figures' and their
    # series' (the most of the default counts) are the child's (figure_facet_counts).
    loaded = [(name, False) for name in loaded_tables(descriptor)] + [(name, True) for name in (*VIEWS, "search_text")]
    loaded = [(name, view) for name, view in loaded if name not in CHILD_COUNTED]
    reads = {
        "loaded counts": lambda reader: {
            name: precompute.count_table(reader, name, facets.get(name, []), view) for name, view in loaded
        }
    }
    index_written = (lambda: deriving.receive()) if index_file is not None else None
    # Written on a connection of their own (writes_beside's), closed once they are.
    aggregates = partial(write_aggregates, facets=facets, drop_groups=False)
    with writes_beside(db, alongside, reads, index_written, aggregates) as beside:
        db.conn.set_authorizer(read_only(loaded_tables(descriptor)))
        # Indexes after the load: one sort per index instead of a B-tree update per row.
        specs = [(table, columns, True) for table, indexes in UNIQUE_INDEXES.items() for columns in indexes]
        specs += [
            (table, columns, False)
            for table, indexes in INDEXES.items()
            for columns in indexes + precompute.facet_indexes(metadata, table)
        ]
        made, series_indexed, checking_series = 0, False, None
        with cache_size(db, INDEX_SORT_CACHE_KIB):
            while made < len(specs):
                with db.atomic():
                    for table, columns, unique in specs[made:]:
                        db[table].create_index(columns, unique=unique, if_not_exists=True, find_unique_name=False)
                        made += 1
                        series_indexed = series_indexed or (table == "figures" and columns == SERIES_INDEX)
                        # Once the work beside is done, the other core would wait for this
                        # thread's last indexes (at a million figures about 0.7 s): what is
                        # made so far is committed, and the series' check begins on it.
                        early = once_indexed is not None and checking_series is None and series_indexed
                        if early and made < len(specs) and beside.idle():
                            break
                if once_indexed is not None and checking_series is None and series_indexed and made < len(specs):
                    checking_series = beside.read(once_indexed)
        # The indexes' frames are copied into the file in a thread while this one copies in what
        # the others wrote. (A second checkpoint after those copies left this thread waiting for
        # it at the end: at a million figures 2.09-2.38 s from the last index to the end of WAL
        # mode, against 1.86-2.09 with this one alone and 2.45-2.65 with neither.)
        # The search index was written long before (by the child, beside the load): copied now,
        # before the checkpoint, its frames (123 MB at a million figures) go into the file with
        # the indexes', in the checkpoint's thread, rather than when the file leaves WAL mode,
        # on this one with the other core idle (0.45 s of that last checkpoint against 0.27).
        beside.copy_search_index()
        if index_file is None:
            deriving.receive()  # the search index's part: written here, by copy_search_index
        beside.checkpoint()
        if once_indexed is not None and checking_series is None:
            # Its snapshot has the indexes, not their statistics, written next: begun before
            # them (0.3-0.4 s of ANALYZE at a million figures), it ends that much sooner, and
            # this thread waits for it last. An error is raised once every reader is done.
            beside.read(once_indexed)
        # The loaded tables are final once indexed: analyzed now, while the aggregates may
        # still be written beside. At the end (a full ANALYZE, once) the figures' 2 s at a
        # million figures ran with the other core idle.
        analyzed = loaded_tables(descriptor)
        # The statistics of the figures' indexes led by a facet column (or is_derived), or
        # holding a unique one, follow from the facets' counts, which the child makes
        # anyway: written once it sends them (write_figure_stats). ANALYZE read all fifteen
        # indexes of a million figures, 1.0 s on the one core at work then.
        counted_later = precompute.counted_indexes(db, "figures", [*facets.get("figures", []), "is_derived"])
        with db.atomic():
            for table in analyzed:
                if table == "figures" and counted_later:
                    for index in precompute.index_columns(db, "figures"):
                        if index not in counted_later:
                            db.execute(f"ANALYZE {quote_ident(index)}")
                else:
                    db.execute(f"ANALYZE {quote_ident(table)}")
        child_counts = child_counted(db, deriving.receive(), facets)
        if counted_later:
            with db.atomic():
                write_figure_stats(db, counted_later, child_counts.get("figures"))
        aggregate_counts = beside.copy_aggregates()
        freshness.create_views(db)
        # Every platform gets its coverage matrix (jurisdictions × periods), named <platform_id>_coverage.
        for (platform,) in db.execute("SELECT platform_id FROM platforms ORDER BY platform_id").fetchall():
            db.create_view(f"{platform}_coverage", coverage_matrix_sql(db, platform), replace=True)
        for table, columns in FTS_COLUMNS.items():
            db[table].enable_fts(columns, create_triggers=False, replace=True, tokenize="porter")
            db[f"{table}_fts"].optimize()
        # The default counts are read on a connection of their own while this one analyzes every
        # table written so far; the counts' own tables are analyzed once written.
        counted = {**beside.result("loaded counts"), **child_counts, **aggregate_counts}
        counting = beside.read(lambda reader: precompute.default_counts(reader, facets, counted))
        # Every other table, in full, not limited to each index's first rows (analysis_limit):
        # those rows are not a sample, and the planner then took value_kind = 'exact', nine
        # figures in ten, for a selective filter.
        with db.atomic():
            for (table,) in db.execute(TABLES_SQL).fetchall():
                if table not in analyzed:
                    db.execute(f"ANALYZE {quote_ident(table)}")
            precompute.write_default_counts(db, facets, counts=counting.result())
            for table in precompute.COUNT_TABLES:
                db.execute(f"ANALYZE {quote_ident(table)}")


def write_figure_stats(
    db: sqlite_utils.Database, indexes: dict[str, list[str]], counted: precompute.TableFacets | None
) -> None:
    """sqlite_stat1's rows of the figures' ``indexes`` ({name: columns}), from their facets'
    ``counted`` values (``child_counted``'s) and whether figures of each kind (reported,
    derived) are there; what those do not give, ANALYZE reads (``precompute.write_counted_stats``)."""
    distinct: dict[str, int] = {}
    for column, _, _ in counted.single if counted is not None else ():
        if column in counted.columns:
            distinct[column] = distinct.get(column, 0) + 1
    kinds = db.execute(
        "SELECT EXISTS (SELECT 1 FROM figures WHERE is_derived = 0) + EXISTS (SELECT 1 FROM figures WHERE is_derived = 1)"
    ).fetchone()[0]
    if kinds:
        distinct["is_derived"] = kinds
    rows = counted.total if counted is not None else db.execute("SELECT count(*) FROM figures").fetchone()[0]
    precompute.write_counted_stats(db, "figures", indexes, distinct, rows)


def sorted_figure_ids(ids: str | None) -> str | None:
    """Figure ids joined by spaces (group_concat's), in figure_id order as SQLite sorts them (its
    BINARY collation: UTF-8 bytes, which order as the characters do); None stays None. Figure
    ids hold no space (their schema's pattern)."""
    if ids is None or " " not in ids:
        return ids
    return " ".join(sorted(ids.split(" ")))


def write_aggregates(
    db: sqlite_utils.Database, facets: dict[str, list[str]] | None = None, drop_groups: bool = True
) -> dict[str, precompute.TableFacets]:
    """The tables computed from the loaded ones alone, each once: ``requests_and_accounts`` and
    freshness's tables (``freshness.write_freshness_tables``), from the figures grouped once
    (``FIGURE_GROUPS_ROWS_SQL``, a temporary table dropped once read). ``db`` is the build's connection,
    or one to a file of its own with the build's attached (``writes_beside``): every name they
    read is unqualified. Returns their default counts (``precompute.count_table``) when
    ``facets`` (metadata.yml's) is given, else {}.

    ``drop_groups``: False on a connection closed once they are written (``write_beside``'s),
    whose temporary tables go with it: at a million figures the close took 0.03 s, dropping the
    groups 0.18-0.39 s."""
    before = {name for (name,) in db.execute("SELECT name FROM main.sqlite_master WHERE type = 'table'")}
    db.register_function(sorted_figure_ids, deterministic=True, name=SORTED_FIGURE_IDS, replace=True)
    db.execute(FIGURE_GROUPS_TABLE_SQL)
    db.execute(FIGURE_GROUPS_ROWS_SQL)
    db.execute(REQUESTS_AND_ACCOUNTS_TABLE_SQL)
    db.execute(f"INSERT INTO requests_and_accounts {REQUESTS_AND_ACCOUNTS_FROM_GROUPS_SQL}")
    freshness.write_freshness_tables(db, grouped=True)
    if drop_groups:
        db.execute(f"DROP TABLE {freshness.FIGURE_GROUPS}")
    if facets is None:
        return {}
    written = [
        name
        for (name,) in db.execute("SELECT name FROM main.sqlite_master WHERE type = 'table' ORDER BY name")
        if name not in before
    ]
    counts = {name: precompute.count_table(db, name, facets.get(name, [])) for name in written}
    matrices = coverage_matrix_counts(db)
    return counts | {name: found for name, found in matrices.items() if not facets.get(name)}


class _Written:
    """A file another process writes, standing for the future of the thread that would:
    ``result()`` waits for it, once."""

    def __init__(self, written: Callable[[], Any]):
        self._written, self._asked = written, False

    def result(self) -> None:
        if not self._asked:
            self._asked = True
            self._written()


class _Beside:
    """What ``writes_beside`` runs beside its body, and how the body waits for each file."""

    def __init__(
        self,
        db: sqlite_utils.Database,
        files: dict[str, Path] | None = None,
        writing: dict[str, Future] | None = None,
        reading: dict[str, Future] | None = None,
        results: dict[str, Any] | None = None,
    ):
        self.db, self.files, self.writing = db, files or {}, writing or {}
        self.reading, self.results = reading or {}, results or {}
        self.copied: set[str] = set()
        self.pool: ThreadPoolExecutor | None = None
        self.path: Path | None = None
        self.aggregates: Callable[[sqlite_utils.Database], Any] = write_aggregates
        # The readers that began with writes_beside (their snapshot is the file before the body
        # wrote), and the checkpoints asked for so far.
        self.first_readers: list[Future] = []
        self.checkpoints: list[Future] = []

    def read(self, work: Callable[[sqlite_utils.Database], Any]) -> Future:
        """``work(reader)`` on a read-only connection of its own, in a thread, from now: the
        future of what it returns. (In memory: done here, at once.)"""
        if self.pool is None:
            done: Future = Future()
            done.set_result(work(self.db))
            return done
        future = self.pool.submit(_read_only, self.path, work)
        self.reading[f"read {len(self.reading)}"] = future
        return future

    def idle(self) -> bool:
        """Whether every reader and writer that began with writes_beside is done (in memory, or
        with none: False), so that the body's thread alone is at work in this process."""
        return self.pool is not None and bool(self.first_readers) and all(f.done() for f in self.first_readers)

    def checkpoint(self) -> None:
        """Copy what the body has committed so far from the WAL into the file, in a thread, on a
        connection of its own, once the readers that began with writes_beside are done: their
        snapshot is the file before the body wrote, so SQLite copies no frame while one reads.
        The body's own connection does not (writes_beside turns its automatic checkpoints off):
        at a million figures, the indexes' 26,688 frames (about 440 MB) copied back by the
        committing connection took 0.8-1.0 s of the body's thread with the other core idle.
        What is left is copied when the file leaves WAL mode. (In memory: nothing to do.) The
        futures, in order, are ``checkpoints``; each returns ``_checkpoint_after``'s answer."""
        if self.pool is None:
            return
        earlier = [*self.first_readers, *self.checkpoints]
        self.checkpoints.append(self.pool.submit(_checkpoint_after, self.path, earlier))

    def result(self, name: str) -> Any:
        """What the read-only work ``name`` (``writes_beside``'s ``reads``) returned, once done."""
        if name in self.reading:
            return self.reading[name].result()
        return self.results[name]

    def copy_search_index(self) -> None:
        """Put the figures' search index into ``db`` (no transaction may be open), once written."""
        if "index" not in self.writing:
            search_index.write_index(self.db)
        else:
            self.writing["index"].result()
            search_index.copy_index_file(self.db, self.files["index"])
        self.copied.add("index")

    def copy_aggregates(self) -> Any:
        """Put the tables of ``write_aggregates`` into ``db`` (no transaction may be open), once
        written, and return what it returned."""
        if "aggregates" not in self.writing:
            with self.db.atomic():
                written = self.aggregates(self.db)
        else:
            written = self.writing["aggregates"].result()
            copy_tables(self.db, self.files["aggregates"])
        self.copied.add("aggregates")
        return written

    def check_copied(self) -> None:
        """Raise BuildFailed when the body returned without copying a file in."""
        methods = {"index": "copy_search_index()", "aggregates": "copy_aggregates()"}
        missing = [method for name, method in methods.items() if name not in self.copied]
        if missing:
            raise BuildFailed(f"the body never called {' or '.join(missing)}")


@contextmanager
def writes_beside(
    db: sqlite_utils.Database,
    alongside: Callable[[sqlite_utils.Database], None] | None,
    reads: dict[str, Callable[[sqlite_utils.Database], Any]] | None = None,
    index_written: Callable[[], Any] | None = None,
    aggregates: Callable[[sqlite_utils.Database], Any] = write_aggregates,
):
    """Run, while the body writes ``db``, three things that only read it, each in a thread with
    its own connection: the figures' search index and the aggregates (``write_aggregates``),
    each written into a file of its own (``search_index.write_index_file``, ``write_beside``),
    and ``alongside`` (the checks of the loaded tables). SQLite releases the GIL while it works,
    so the body's indexes and counts and these use both cores. The body calls
    ``copy_aggregates()`` and ``copy_search_index()`` once it needs their tables.

    ``reads``: more read-only work, by name, each on a connection of its own in a thread; the
    body gets what one returned with ``result(name)``.

    ``index_written``: given when another process writes the search index into the file
    (``search_index_file``, as ``derivation`` does): it returns once the file is written, and
    no thread here writes it.

    The file is in WAL mode meanwhile, so that the readers and the one writer do not wait for
    each other (in the rollback journal modes a writer that outgrows its cache waits for every
    reader), then back to no journal (the build's mode) before this returns. The readers see
    the file as it was when the body began: its loaded tables, without the body's indexes. An
    error in any of them is raised once all have stopped; the side files are deleted whatever
    happens.
    """
    path = db.execute("SELECT file FROM pragma_database_list WHERE name = 'main'").fetchone()[0]
    if not path:  # an in-memory database has no second connection: one after the other
        if alongside is not None:
            alongside(db)
        beside = _Beside(db, results={name: work(db) for name, work in (reads or {}).items()})
        beside.aggregates = aggregates
        yield beside
        beside.check_copied()
        return
    path = Path(path)
    files = {
        "index": search_index_file(db),
        "aggregates": path.with_name(f"{path.name}-aggregates.{os.getpid()}.tmp"),
    }
    # The files written here; one another process writes is its writer's to delete.
    owned = [file for name, file in files.items() if name != "index" or index_written is None]
    for file in owned:
        file.unlink(missing_ok=True)
    db.conn.commit()
    if db.execute("PRAGMA journal_mode = WAL").fetchone()[0] != "wal":
        raise BuildFailed(f"{path}: SQLite refused WAL mode")
    # The first read of the file in WAL mode creates its wal-index (the -shm file) and holds the
    # WAL's write lock meanwhile. Done here, before any reader starts: were a reader to do it
    # while the body's transaction turns from reading to writing, SQLite would answer that
    # statement "database is locked" at once, without waiting (seen once in the test suite).
    db.execute("SELECT count(*) FROM sqlite_master").fetchone()
    # Frames are copied back into the file by _Beside.checkpoint, in a thread, not by the body's
    # commits.
    automatic = db.execute("PRAGMA wal_autocheckpoint").fetchone()[0]
    db.execute("PRAGMA wal_autocheckpoint = 0")
    try:
        # Room for the readers and writers below, the body's reads and its checkpoints at once.
        with ThreadPoolExecutor(max_workers=6 + len(reads or {})) as pool:
            writing = {
                "index": pool.submit(_write_search_index, path, files["index"])
                if index_written is None
                else _Written(index_written),
                "aggregates": pool.submit(write_beside, path, files["aggregates"], aggregates),
            }
            checking = pool.submit(_read_only, path, alongside) if alongside is not None else None
            reading = {name: pool.submit(_read_only, path, work) for name, work in (reads or {}).items()}
            beside = _Beside(db, files, writing, reading)
            beside.aggregates = aggregates
            beside.pool, beside.path = pool, path
            futures = [*writing.values(), *([checking] if checking is not None else [])]
            futures = [future for future in futures if isinstance(future, Future)]
            beside.first_readers = futures + list(reading.values())
            try:
                yield beside
            finally:
                # What the body asked to read meanwhile (beside.read) is waited for too, and
                # its checkpoints: the file leaves WAL mode once no other connection is open.
                futures += list(beside.reading.values()) + beside.checkpoints
                wait(futures)
            for future in futures:
                future.result()
            beside.check_copied()
    finally:
        for file in owned:
            file.unlink(missing_ok=True)
        db.execute(f"PRAGMA wal_autocheckpoint = {int(automatic)}")
        db.execute("PRAGMA journal_mode = OFF")


def _checkpoint_after(path: Path, earlier: list[Future]) -> tuple[int, int, int]:
    """``PRAGMA wal_checkpoint(PASSIVE)`` of the WAL-mode file at ``path`` on a connection of its
    own, once every future of ``earlier`` is done (whatever its outcome: writes_beside raises
    it): (busy, frames in the WAL, frames copied into the file)."""
    wait(earlier)
    conn = sqlite3.connect(f"{sqlite_uri(path)}?mode=rw", uri=True)
    try:
        # The build's temporary file, as its own connection writes it: nothing to recover after
        # a crash, so no fsync of the WAL or the file.
        conn.execute("PRAGMA synchronous = OFF")
        return conn.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()
    finally:
        conn.close()


def write_beside(database: Path, path: Path, work: Callable[[sqlite_utils.Database], Any]) -> Any:
    """``work(db)`` on a connection to a new SQLite file ``path`` that has ``database`` attached
    read-only: the tables it creates are written there, in one transaction, from the tables of
    ``database`` it names. ``copy_tables`` then puts them into ``database``."""
    conn = sqlite3.connect(sqlite_uri(path), uri=True)
    try:
        # A scratch file, deleted once copied: nothing to recover after a crash.
        conn.execute("PRAGMA journal_mode = OFF")
        conn.execute("PRAGMA synchronous = OFF")
        conn.execute(f"PRAGMA page_size = {PAGE_BYTES}")
        conn.execute(f"PRAGMA cache_size = -{SEARCH_INDEX_CACHE_KIB}")
        conn.execute("ATTACH DATABASE ? AS built", [f"{sqlite_uri(database)}?mode=ro"])
        db = sqlite_utils.Database(conn)
        with db.atomic():
            return work(db)
    finally:
        conn.close()


def copy_tables(db: sqlite_utils.Database, path: Path) -> None:
    """Create in ``db`` every table and index of the SQLite file ``path``, as declared there,
    with its rows. No transaction may be open on ``db`` (SQLite attaches a file only outside
    one)."""
    db.execute("ATTACH DATABASE ? AS written", [sqlite_uri(path)])
    try:
        with db.atomic():
            schema = db.execute(
                "SELECT type, name, sql FROM written.sqlite_master WHERE sql IS NOT NULL ORDER BY type = 'index', rowid"
            ).fetchall()
            for kind, name, sql in schema:
                db.execute(sql)
                if kind == "table":
                    db.execute(f"INSERT INTO main.{quote_ident(name)} SELECT * FROM written.{quote_ident(name)}")
    finally:
        db.execute("DETACH DATABASE written")


def _read_only(path: Path, work: Callable[[sqlite_utils.Database], Any]) -> Any:
    # query_only, not mode=ro: SQLite drops the CHECK constraints of a schema it reads from a
    # read-only file, and a quick_check there (check_database's) would pass a row breaking one.
    conn = sqlite3.connect(f"{sqlite_uri(path)}?mode=rw", uri=True)
    conn.execute("PRAGMA query_only = ON")
    try:
        return work(sqlite_utils.Database(conn))
    finally:
        conn.close()


def _check_file(path: Path, descriptor: dict) -> None:
    """``check_database`` on a read-only connection of its own to the file at ``path``."""
    _read_only(path, lambda db: check_database(db, descriptor))


def _write_search_index(path: Path, index_file: Path) -> None:
    # It appends to its own tables and reads figures once in order: a small cache does, and
    # the build's connection holds its own beside it (the peak at a million figures).
    search_index.write_index_file(path, index_file, SEARCH_INDEX_CACHE_KIB)


# SQLite's authorizer action codes for statements that change a table's rows or drop it.
CHANGES_ROWS = {sqlite3.SQLITE_INSERT, sqlite3.SQLITE_UPDATE, sqlite3.SQLITE_DELETE, sqlite3.SQLITE_DROP_TABLE}


def read_only(tables: list[str]) -> Callable[..., int]:
    """An authorizer (``sqlite3.Connection.set_authorizer``) that refuses any statement changing
    the rows of ``tables``: what was checked once loaded (``check_loaded``) stays as checked."""
    guarded = frozenset(tables)

    def authorize(action: int, first: str | None, second: str | None, database: str | None, trigger: str | None):
        if action in CHANGES_ROWS and first in guarded:
            return sqlite3.SQLITE_DENY
        return sqlite3.SQLITE_OK

    return authorize


def coverage_matrix_sql(db: sqlite_utils.Database, platform: str) -> str:
    """A view with one row per jurisdiction and one column per period the platform has data for:
    each cell is a status of ``coverage_cells``, or NULL for a period the platform's source used for
    other jurisdictions only (freshness.py: such a period is not missing here)."""
    # coverage holds each platform's distinct periods, keyed by platform first: no scan of figures.
    periods = db.execute(
        "SELECT DISTINCT period_start, period_end FROM coverage WHERE platform_id = ? ORDER BY period_end, period_start",
        [platform],
    ).fetchall()
    columns = []
    for start, end in periods:
        name = rules.period_column(date.fromisoformat(start), date.fromisoformat(end))
        columns.append(
            f"  MAX(CASE WHEN c.period_start = {sql_literal(start)} AND c.period_end = {sql_literal(end)}"
            f" THEN c.status END) AS {quote_ident(name)}"
        )
    select = ",\n".join(["  c.jurisdiction_id", "  j.name AS jurisdiction"] + columns)
    return (
        f"SELECT\n{select}\nFROM coverage_cells c JOIN jurisdictions j USING (jurisdiction_id)\n"
        f"WHERE c.platform_id = {sql_literal(platform)}\nGROUP BY c.jurisdiction_id ORDER BY j.name"
    )


def coverage_matrix_counts(db: sqlite_utils.Database) -> dict[str, precompute.TableFacets]:
    """The row count of every platform's coverage matrix (``coverage_matrix_sql``: one row per
    jurisdiction of coverage_cells that jurisdictions holds), as ``precompute.count_table``
    gives a view without facets, by view name, in one statement: counted one view at a time,
    each evaluated whole, they took 1.1 s at a million figures, after everything else."""
    return {
        f"{platform}_coverage": precompute.TableFacets(rows, [], [], frozenset())
        for platform, rows in db.execute(COVERAGE_MATRIX_ROWS_SQL)
    }


def build_database(
    package_path: Path = PACKAGE, db_path: Path = BUILD / DATABASE_FILE, releases: Path | None = None
) -> Path:
    """Validate, build into a temporary file, check it, then atomically replace ``db_path``.

    ``releases``: the folder of release records (default: ``releases/`` beside the package),
    turned into the dataset and release tables. Raises ``validate.ValidationFailed`` (nothing
    is built) or ``BuildFailed`` (the old database is left as it was).
    """
    package_path, db_path = Path(package_path), Path(db_path)
    temporary, _, _, _, _ = _build_temporary(package_path, db_path, releases)
    move_into_place(temporary, db_path)
    return db_path


def _build_temporary(
    package_path: Path,
    db_path: Path,
    releases: Path | None,
    beside: Callable[[Path], Any] | None = None,
    validated: list | None = None,
    digests: dict[str, str] | None = None,
    rows_body: stamp.RowsBody | None = None,
) -> tuple[Path, dict, dict, Any]:
    """The checked database in a temporary file beside ``db_path``, for the caller to rename,
    the package descriptor it was built from (parsed, and its text), the site's metadata
    (``site_config.site_metadata``) and what ``beside`` returned.

    ``beside(path)``: read-only work on the written file (the site's inspect data: a hash of
    every byte and a count of every table) done in this thread while the last checks read it in
    a second one; its result is returned only when the checks pass.

    ``digests``: the data files' hashes the validation key takes, when already taken
    (``stamp.validation_key``); ``rows_body``: ``typed_tables``'."""
    remove_stale_temporaries(db_path.parent)  # what a killed build left behind, even if this one is refused
    # Before anything opens them: a FIFO in place of a file waited for a writer, for ever.
    special = validate.special_file_problems(package_path, package_path.parent)
    if special:
        raise validate.ValidationFailed(special)
    # Taken before anything is read (see typed_tables); its hashes of the files are the
    # release's too, so the content hash names the bytes built, each file hashed once.
    key = stamp.current_key(package_path, digests)
    tables = typed_tables(package_path, db_path.parent, validated, key, rows_body)
    # The descriptor built from, and copied beside the database, is the one the key hashed, which
    # validation read (or a stamp vouches for): read again after it, one saved meanwhile went into
    # metadata.json and the build's copy (a break test's homepage that validation refuses).
    descriptor_bytes = package_path.read_bytes()
    if key is not None and key["inputs"].get("datapackage.json") != "sha256:" + sha256(descriptor_bytes).hexdigest():
        raise BuildFailed("a file of the package changed while it was validated")
    descriptor_text = text_as_read(descriptor_bytes)
    del descriptor_bytes
    descriptor = json.loads(descriptor_text)
    releases = Path(releases) if releases is not None else package_path.parent / "releases"
    recorded = release_records.recorded_releases(releases)
    changelogs = {v: releases / v / "changelog.csv" for v in recorded}  # read while the figures are derived
    inputs = release_records.content_inputs(package_path, descriptor, (key or {}).get("inputs"))
    metadata = site_config.site_metadata(descriptor)

    db_path.parent.mkdir(parents=True, exist_ok=True)
    temporary = db_path.with_name(f".{db_path.name}.{os.getpid()}.tmp")
    temporary.unlink(missing_ok=True)
    conn = None
    try:
        # Pages read with pread(), not through a memory map (PRAGMA mmap_size, from 2026-12-06
        # to 12-07 on every build connection): measured again on 2026-12-07, builds interleaved,
        # the map made the real package's build 0.2 s slower (2.19 against 1.98 s, medians of
        # five; the fifteen indexes alone 0.49 s of CPU against 0.34) and a million figures'
        # 0.5 s slower, with 650 MB more resident.
        conn = sqlite3.connect(temporary)
        # Foreign keys are checked once, set-based, by check_database (PRAGMA foreign_key_check)
        # after the load, rather than looked up row by row during it (six per figure).
        conn.execute("PRAGMA foreign_keys = OFF")
        # Before the first table: set once, for the file's life.
        conn.execute(f"PRAGMA page_size = {PAGE_BYTES}")
        # A temporary file, renamed only once checked: a crash mid-build loses nothing, so no journal.
        conn.execute("PRAGMA journal_mode = OFF")
        conn.execute("PRAGMA synchronous = OFF")
        conn.execute(f"PRAGMA cache_size = -{BUILD_CACHE_KIB}")
        # Scratch storage (the index sorts' runs, the counts' sorts) in temporary files, SQLite's
        # default, not in memory: with temp_store = MEMORY an index sort is never split into runs
        # of INDEX_SORT_CACHE_KIB (SQLite sorts in memory whole), which cost a million figures'
        # build 2 s of CPU and 1 s (three builds each, interleaved, 2026-12-07; the real
        # package 0.04 s), and the peak no lower.
        # Index builds sort on this connection's thread alone (SQLite's default, threads = 0): the
        # checks, aggregates and counts already keep the other core busy beside them, so the
        # multi-threaded sorter's helper threads only took turns with those. At a million figures,
        # five builds side by side on a loaded machine: 1.3 s less CPU (46.2 against 47.5 s) and
        # faster in four of five.
        conn.execute("PRAGMA threads = 0")
        db = sqlite_utils.Database(conn)
        populate(
            db,
            descriptor,
            tables,
            alongside=partial(_check_loaded_tables, package_path, descriptor, dict(tables)),
            once_indexed=check_series,
            meanwhile=lambda db: release_records.write_release_tables(db, descriptor, inputs, recorded, changelogs),
            metadata=metadata,
        )
        del tables
        # No VACUUM: the file is written once, indexes after the load, so it has next to no free
        # pages (48 of 26,117 on the real package) and rewriting it whole would gain nothing.
        # Closed before the last checks, which read the file on a connection of their own: the
        # build's page cache is freed first (at a million figures, 110 MB more of peak memory
        # when it stayed beside the two readers).
        conn.close()
        conn = None
        with ThreadPoolExecutor(max_workers=1) as pool:
            checking = pool.submit(_check_file, temporary, descriptor)
            result = beside(temporary) if beside is not None else None
            checking.result()
    except BaseException:
        if conn is not None:
            conn.close()
        for path in (temporary, Path(f"{temporary}-wal"), Path(f"{temporary}-shm")):
            path.unlink(missing_ok=True)
        raise
    return temporary, descriptor, descriptor_text, metadata, result


def _check_loaded_tables(package_path: Path, descriptor: dict, tables: dict, reader: sqlite_utils.Database) -> None:
    """``check_loaded`` (without the series' check) on ``reader``, with the digests of ``tables``
    read as it begins: populate computes them (Table.settle_digest) once its derivation process
    has forked, after this is given."""
    digests = {name: table.digest for name, table in tables.items()}
    check_loaded(reader, package_path, descriptor, digests, series=False)


def described_coverage_views(conn: sqlite3.Connection, metadata: dict) -> None:
    """Give each platform's coverage matrix (``<platform_id>_coverage``, one view per platform the
    data holds) its description in ``metadata``, as metadata.yml gives every fixed table its own,
    and its jurisdiction_id the figures column's title (``site_config.FIGURE_COLUMNS``)."""
    tables = metadata["databases"][DATABASE_NAME]["tables"]
    titles = metadata["plugins"][site_config.PLUGIN_NAME]["column_titles"]
    views = conn.execute("SELECT name FROM sqlite_master WHERE type = 'view' AND name GLOB '*_coverage' ORDER BY name")
    for (name,) in views:
        if "jurisdiction_id" in titles.get("figures", {}):
            titles.setdefault(name, {}).setdefault("jurisdiction_id", titles["figures"]["jurisdiction_id"])
        tables.setdefault(name, {}).setdefault(
            "description",
            f"The coverage matrix of {name.removesuffix('_coverage')}: one row per jurisdiction it has figures for, "
            "one column per period (named as in figure ids), each cell the status coverage_cells gives: reported, "
            "derived, withheld, not_reported, in_longer_period or missing; empty for a period its source used "
            "for other jurisdictions only.",
        )


def build_site(
    package_path: Path = PACKAGE,
    folder: Path = BUILD,
    releases: Path | None = None,
    digests: dict[str, str] | None = None,
    rows_body: stamp.RowsBody | None = None,
) -> Path:
    """Build everything the site serves into ``folder`` and return the database's path.

    ``folder`` becomes a Datasette configuration directory: ``disclosures.db``,
    ``metadata.json`` (from ``metadata.yml``, ``api_examples.yml`` and the package's titles and
    descriptions), ``settings.json`` (from ``settings.yml``), ``inspect-data.json``, a copy of
    ``datapackage.json`` (what the release reads) and ``feed.atom`` (the latest release's new and
    corrected figures). The database is renamed into place last, so its mtime marks a complete
    build. Raises like ``build_database``, and ``site_config.ConfigDamaged`` for a canned query
    named as a table or view of the database (nothing is replaced).

    ``digests``: {resource path: "sha256:<hex>"} of data files hashed as the command started
    (``data_hashes.DataHashes``), which the validation key takes instead of hashing them again;
    ``rows_body``: the rows validation left in ``folder``, read and hashed as the command
    started (``stamp.RowsBody``).
    """
    package_path, folder = Path(package_path), Path(folder)
    db_path = folder / DATABASE_FILE
    settings = site_config.site_settings()  # read first: a mistake in it stops the build before any work
    validated: list[dict] = []
    temporary, descriptor, descriptor_text, metadata, inspect_data = _build_temporary(
        package_path,
        db_path,
        releases,
        beside=lambda path: site_config.inspect_data(path, DATABASE_FILE),
        validated=validated,
        digests=digests,
        rows_body=rows_body,
    )
    try:
        with sqlite3.connect(f"file:{temporary}?mode=ro", uri=True) as conn:
            built, columns = site_config.built_schema(conn)
            # In this order, each called once the one before passed: a facet's values are read only
            # from a column the table has.
            for check in (
                lambda: site_config.shadowing_query_problem(metadata, built),
                lambda: site_config.unknown_table_problem(metadata, built),
                lambda: site_config.unknown_column_problem(metadata, columns),
                lambda: site_config.array_facet_problem(metadata, conn),
                lambda: site_config.broken_query_problem(metadata, temporary),
            ):
                problem = check()
                if problem is not None:
                    raise problem
            atom = feed.release_feed(conn)
            described_coverage_views(conn, metadata)
        # The build validated the package itself: the next need not. Recorded first, so that a
        # stamp it cannot write (a folder in the way) fails the build with the old database and
        # its files still there: after the move, the error said so of a database replaced.
        for key in validated:
            stamp.record_valid(package_path, folder, key)
        files = {
            folder / "metadata.json": json_text(metadata).encode("utf-8"),
            folder / "settings.json": json_text(settings).encode("utf-8"),
            folder / "inspect-data.json": json_text(inspect_data).encode("utf-8"),
            folder / "datapackage.json": descriptor_text.encode("utf-8"),
        }
        if atom is not None:
            files[folder / "feed.atom"] = atom
        # All or none: one at a time, a file that could not be replaced left those before it
        # new beside the old database (inspect-data.json counting a database never put in place).
        replace_files(files)
        if atom is None:
            (folder / "feed.atom").unlink(missing_ok=True)
        os.utime(temporary)  # newer than every file written beside it
        move_into_place(temporary, db_path)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
    return db_path
