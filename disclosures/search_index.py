"""The figures' full-text index: the words a reader types, for every figure, reported or derived.

A figure's own text (its quote, notes and the platform's wording) rarely names what a reader
searches for: the compilation's quotes are JSON records such as ``{"from": "20240101", ...}``, and
a derived figure has no quote at all. So ``figures_fts`` indexes, beside that text, a ``terms``
column the build writes for each figure: the platform's name and id, the jurisdiction's name and
codes (ISO 3166 alpha-3 and alpha-2) and its ``other_names`` (data/jurisdictions.csv: "U.S.",
"U.K.", "South Korea"; the tokenizer reads "U.S." as the words u s, which a search for "U.S." then
matches as a phrase), the period's label and reader's name ("2024", "Q4 2024",
"January–September 2024", ``rules.period_name``), the request type's and the metric's labels and
ids, and the figure id. ``rowid`` is the figures table's, which Datasette's ``_search`` and the
search_everything query (metadata.yml) join on. The view also has each figure's ``figure_id``,
so that a row of it, browsed on the site, leads to its figure.

Ranking (FTS5's bm25) weights ``terms`` above the free text, so "Telegram United States 2024"
finds that figure first rather than a note that mentions the words in passing.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from datetime import date
from operator import itemgetter
from pathlib import Path

import sqlite_utils

from . import derive, rules
from .files import sqlite_uri

TABLE = "figures_fts"
COLUMNS = ("terms", "quote", "notes", "platform_wording")
# The size of the terms FTS5 holds in memory before it writes them out as a segment (bytes).
PENDING_BYTES = 8 << 20
# bm25 weight of each column, in COLUMNS order; stored as the table's default rank.
WEIGHTS = (4.0, 1.0, 1.0, 2.0)

# The text the index holds, computed when read: FTS5 keeps no copy of it (an external content
# table, here a view), which at a million figures is 290 MB the build need not write, the file
# need not hold and every check of the file need not read. snippet(), highlight() and the
# index's columns read it through the view, by the figure's rowid.
TEXT_VIEW = "search_text"
# CROSS JOIN: SQLite keeps this order, figures outermost, each vocabulary looked up by its key.
# Left to choose, the planner looped over request types × jurisdictions × platforms and probed
# figures for each combination: counting the view took 0.14 s instead of 0.03.
TEXT_VIEW_SQL = f"""CREATE VIEW {TEXT_VIEW} AS
SELECT f.rowid AS figure_rowid, f.figure_id,
  p.name || ' ' || f.platform_id || ' ' || j.name || ' ' || j.jurisdiction_id || ' ' || coalesce(j.alpha2, '')
    || ' ' || coalesce(j.other_names, '')
    || ' ' || f.period_label || ' ' || n.name || ' ' || coalesce(f.year, '') || ' ' || r.label || ' '
    || f.request_type_id || ' ' || m.label || ' ' || f.metric_id || ' ' || f.figure_id AS terms,
  f.quote, f.notes, f.platform_wording
FROM figures f
CROSS JOIN platforms p USING (platform_id)
CROSS JOIN jurisdictions j USING (jurisdiction_id)
CROSS JOIN request_types r USING (request_type_id)
CROSS JOIN metrics m USING (metric_id)
CROSS JOIN period_names n ON n.period_start = f.period_start AND n.period_end = f.period_end"""

TERMS_SQL = f"SELECT figure_rowid, {', '.join(COLUMNS)} FROM {TEXT_VIEW} ORDER BY figure_rowid"


PERIOD_NAMES_SQL = """CREATE TABLE period_names (
  period_start TEXT NOT NULL,
  period_end TEXT NOT NULL,
  period_label TEXT NOT NULL,
  name TEXT NOT NULL,
  period_kind TEXT NOT NULL,
  kind_name TEXT NOT NULL,
  PRIMARY KEY (period_start, period_end)
)"""


def period_names_row(start: str, end: str, label: str) -> tuple[str, str, str, str, str, str]:
    """The row of ``period_names`` of the period ``start``-``end`` (ISO dates) labelled ``label``."""
    first, last = date.fromisoformat(start), date.fromisoformat(end)
    kind = rules.period_kind(first, last)
    return start, end, label, rules.period_name(first, last), kind, rules.PERIOD_KIND_NAMES[kind]


def write_period_names(db: sqlite_utils.Database) -> None:
    """(Re)create ``period_names``: each period of a figure, its label (as in figure ids), the
    name readers see (``rules.period_name``), so pages and search name periods alike, and its kind
    with the kind's name (the site names the period_kind facet and cells from it)."""
    periods = db.execute(
        "SELECT DISTINCT period_start, period_end, period_label FROM figures ORDER BY period_start, period_end"
    ).fetchall()
    db.execute("DROP TABLE IF EXISTS period_names")
    db.execute(PERIOD_NAMES_SQL)
    db.conn.executemany(
        "INSERT INTO period_names VALUES (?, ?, ?, ?, ?, ?)", [period_names_row(*period) for period in periods]
    )


def write_search_text(db: sqlite_utils.Database) -> None:
    """(Re)create ``period_names`` and the ``search_text`` view, what ``figures_fts`` indexes."""
    with db.atomic():
        write_period_names(db)
    db.execute(f"DROP VIEW IF EXISTS {TEXT_VIEW}")
    db.execute(TEXT_VIEW_SQL)
    db.conn.commit()


def write_figures_fts(db: sqlite_utils.Database) -> None:
    """(Re)create ``period_names``, the ``search_text`` view and ``figures_fts`` (FTS5, porter
    stemming, its content read from that view) from the loaded figures and vocabularies, on
    one connection (``write_index_file`` and ``copy_index_file`` write the same on two)."""
    write_search_text(db)
    write_index(db)


def write_index(db: sqlite_utils.Database) -> None:
    """(Re)create ``figures_fts`` from the ``search_text`` view ``write_search_text`` made."""
    _create_index_table(db, external_content=True)
    _fill_index(db, TERMS_SQL)


# The tables in which FTS5 keeps an index (an external-content table keeps no text of its own).
SHADOW_TABLES = tuple(f"{TABLE}_{suffix}" for suffix in ("config", "data", "docsize", "idx"))


def write_index_file(database: Path, path: Path, cache_kib: int) -> None:
    """Write the figures' index into a new SQLite file ``path``, from the ``search_text`` of
    the (already written) ``database``, which is only read. ``copy_index_file`` then puts it
    into ``database``: meanwhile that file's own connection can write something else, which
    two connections to one file cannot.

    The index is contentless here (``content=''``): FTS5 writes the same index whatever its
    content option, and the text stays where it is. ``cache_kib``: this connection's page cache."""
    conn = sqlite3.connect(sqlite_uri(path), uri=True)
    try:
        # A scratch file, deleted once copied: nothing to recover after a crash.
        conn.execute("PRAGMA journal_mode = OFF")
        conn.execute("PRAGMA synchronous = OFF")
        conn.execute(f"PRAGMA cache_size = -{cache_kib}")
        conn.execute("PRAGMA temp_store = MEMORY")
        conn.execute("ATTACH DATABASE ? AS source", [f"{sqlite_uri(database)}?mode=ro"])
        db = sqlite_utils.Database(conn)
        _create_index_table(db, external_content=False)
        _fill_index(db, f"SELECT figure_rowid, {', '.join(COLUMNS)} FROM source.{TEXT_VIEW} ORDER BY figure_rowid")
    finally:
        conn.close()


# What write_index_from_rows needs of each vocabulary table, in this order: the columns the
# search_text view reads.
VOCABULARY_COLUMNS = {
    "platforms": ("platform_id", "name"),
    "jurisdictions": ("jurisdiction_id", "name", "alpha2", "other_names"),
    "request_types": ("request_type_id", "label"),
    "metrics": ("metric_id", "label"),
}
# What it reads of each figure (the figures table's columns); ``period_label`` and ``year`` it
# computes from the dates as the build does (``derive.period_columns``).
FIGURE_COLUMNS = (
    "figure_id",
    "platform_id",
    "jurisdiction_id",
    "period_start",
    "period_end",
    "request_type_id",
    "metric_id",
    "quote",
    "notes",
    "platform_wording",
)


def write_index_from_rows(
    path: Path, figures, columns: Sequence[str], vocabularies: dict[str, list[tuple]], cache_kib: int
) -> int:
    """Write into a new SQLite file ``path`` the index ``write_index_file`` would, from rows held
    in memory rather than from the built file: so that it can be written before the figures
    are loaded (the build does it in the child process that derives figures, on the other core).

    ``figures``: tuples, in the order the figures table will number them (rowid 1 first), each
    with (at least) FIGURE_COLUMNS at the positions ``columns`` names;
    ``vocabularies``: {table: tuples in VOCABULARY_COLUMNS[table] order}. The text indexed is
    ``search_text_view_rows`` of them: the ``search_text`` view's rows. ``copy_index_file`` then
    puts the index into the database. Returns how many rows it indexed: the view's row count."""
    conn = sqlite3.connect(sqlite_uri(path), uri=True)
    try:
        conn.execute("PRAGMA journal_mode = OFF")
        conn.execute("PRAGMA synchronous = OFF")
        conn.execute(f"PRAGMA cache_size = -{cache_kib}")
        db = sqlite_utils.Database(conn)
        _create_index_table(db, external_content=False)
        _fill_index(db, rows=search_text_view_rows(figures, columns, vocabularies))
        # One size row per row indexed (FTS5's docsize table).
        return db.execute(f"SELECT count(*) FROM {TABLE}_docsize").fetchone()[0]
    finally:
        conn.close()


def search_text_view_rows(figures, columns: Sequence[str], vocabularies: dict[str, list[tuple]]):
    """The ``search_text`` view's rows (figure_rowid, then COLUMNS) for ``figures``, ``columns``
    and ``vocabularies`` as ``write_index_from_rows`` takes them, one at a time, in their order:
    TEXT_VIEW_SQL computed in Python, so that the index is written without copying the figures
    into SQLite first (a third of the child's time on the real package). As in the view, a
    figure whose platform, jurisdiction, request type or metric is unknown has no row (its rowid
    is still its position), and a NULL name or label makes its terms NULL. A test holds the two
    equal, index table by table.

    The terms are joined from three parts, each made once for the figures that share it (the
    platform and jurisdiction's words, the period's, the request type and metric's) and the
    figure id, read from the rows as the build holds them: at a million figures 1.0 s of CPU
    (alone, three runs each), where making a tuple of the view's columns for each figure, then
    its terms from their 14 words, took 1.5–2.1 s."""
    platforms = dict(vocabularies["platforms"])
    jurisdictions = {row[0]: row for row in vocabularies["jurisdictions"]}
    request_types = dict(vocabularies["request_types"])
    metrics = dict(vocabularies["metrics"])
    at = {name: index for index, name in enumerate(columns)}
    # One tuple a figure, unpacked: at a million figures 0.3 s less than an itemgetter a part.
    read = itemgetter(*(at[name] for name in FIGURE_COLUMNS))
    # Each part's words by its key, or UNKNOWN when the view has no row for it (an unknown id).
    places: dict[tuple, str | None] = {}
    periods: dict[tuple, str | None] = {}
    kinds: dict[tuple, str | None] = {}

    def place_words(platform_id: str, jurisdiction_id: str) -> str | None:
        if platform_id not in platforms or jurisdiction_id not in jurisdictions:
            return UNKNOWN
        _, name, alpha2, other_names = jurisdictions[jurisdiction_id]
        alpha2 = "" if alpha2 is None else alpha2
        other_names = "" if other_names is None else other_names
        return _words(platforms[platform_id], platform_id, name, jurisdiction_id, alpha2, other_names)

    def period_words(start: str, end: str) -> str | None:
        _, label, year = derive.period_columns(start, end)
        first, last = date.fromisoformat(start), date.fromisoformat(end)
        return _words(label, rules.period_name(first, last), "" if year is None else str(year))

    def kind_words(request_type: str, metric: str) -> str | None:
        if request_type not in request_types or metric not in metrics:
            return UNKNOWN
        return _words(request_types[request_type], request_type, metrics[metric], metric)

    missing, unknown = MISSING, UNKNOWN
    for rowid, row in enumerate(figures, start=1):
        figure_id, platform_id, jurisdiction_id, start, end, request_type, metric, quote, notes, wording = read(row)
        place = places.get((platform_id, jurisdiction_id), missing)
        if place is missing:
            place = places[platform_id, jurisdiction_id] = place_words(platform_id, jurisdiction_id)
        kind = kinds.get((request_type, metric), missing)
        if kind is missing:
            kind = kinds[request_type, metric] = kind_words(request_type, metric)
        if place is unknown or kind is unknown:
            continue
        period = periods.get((start, end), missing)
        if period is missing:
            period = periods[start, end] = period_words(start, end)
        if place is None or period is None or kind is None or figure_id is None:
            yield (rowid, None, quote, notes, wording)
        else:
            yield (rowid, f"{place} {period} {kind} {figure_id}", quote, notes, wording)


# Markers of search_text_view_rows' parts: not yet made; of an id the view has no row for.
MISSING = object()
UNKNOWN = object()


def _words(*parts: str | None) -> str | None:
    """The ``parts`` joined by spaces, as the view's ``||`` does; None when one is None."""
    return None if None in parts else " ".join(parts)


def copy_index_file(db: sqlite_utils.Database, path: Path) -> None:
    """(Re)create ``figures_fts`` in ``db`` (content: the ``search_text`` view) holding the
    index ``write_index_file`` wrote to ``path``: its shadow tables' rows, as they are. No
    transaction may be open on ``db`` (SQLite attaches a file only outside one)."""
    _create_index_table(db, external_content=True)
    db.conn.commit()
    db.execute("ATTACH DATABASE ? AS written", [sqlite_uri(path) + "?mode=ro"])
    try:
        with db.atomic():
            for table in SHADOW_TABLES:
                db.execute(f"DELETE FROM main.{table}")
                db.execute(f"INSERT INTO main.{table} SELECT * FROM written.{table}")
    finally:
        db.execute("DETACH DATABASE written")


def _create_index_table(db: sqlite_utils.Database, external_content: bool) -> None:
    content = f"content='{TEXT_VIEW}', content_rowid='figure_rowid'" if external_content else "content=''"
    db.execute(f"DROP TABLE IF EXISTS main.{TABLE}")
    db.execute(f"CREATE VIRTUAL TABLE main.{TABLE} USING fts5({', '.join(COLUMNS)}, {content}, tokenize='porter')")


def _fill_index(db: sqlite_utils.Database, text_sql: str | None = None, rows=None) -> None:
    """Index every row of ``text_sql``, or every one of ``rows`` (rowid, then COLUMNS), ranked
    by WEIGHTS, merged once."""
    weights = ", ".join(str(w) for w in WEIGHTS)
    with db.atomic():
        db.execute(f"INSERT INTO main.{TABLE} ({TABLE}, rank) VALUES ('rank', 'bm25({weights})')")
        # No merging of segments while loading: 'optimize' below merges them all once (8% less
        # work at a million figures); the database is never written again, so the setting stays idle.
        db.execute(f"INSERT INTO main.{TABLE} ({TABLE}, rank) VALUES ('automerge', 0)")
        # Pending terms are written out as a segment each time they pass this size (FTS5's
        # default is 1 MB): with 8 MB, a million figures' index took 11% less CPU. Stored with
        # the index like automerge, and as idle: nothing writes to it once built.
        db.execute(f"INSERT INTO main.{TABLE} ({TABLE}, rank) VALUES ('hashsize', {PENDING_BYTES})")
        if rows is None:
            db.execute(f"INSERT INTO main.{TABLE} (rowid, {', '.join(COLUMNS)}) {text_sql}")
        else:
            marks = ", ".join("?" for _ in ("rowid", *COLUMNS))
            db.conn.executemany(f"INSERT INTO main.{TABLE} (rowid, {', '.join(COLUMNS)}) VALUES ({marks})", rows)
    db.execute(f"INSERT INTO main.{TABLE} ({TABLE}) VALUES ('optimize')")
    db.conn.commit()
