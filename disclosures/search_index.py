"""The figures' full-text index: the words a reader types, for every figure, reported or derived.

A figure's own text (its quote, notes and the platform's wording) rarely names what a reader
searches for: the compilation's quotes are JSON records such as ``{"from": "20240101", ...}``, and
a derived figure has no quote at all. So ``figures_fts`` indexes, beside that text, a ``terms``
column the build writes for each figure: the platform's name and id, the jurisdiction's name and
codes (ISO 3166 alpha-3 and alpha-2), the period's label and reader's name ("2024", "Q4 2024",
"January–September 2024", ``rules.period_name``), the request type's and the metric's labels and
ids, and the figure id. ``rowid`` is the figures table's, which Datasette's ``_search`` and the
search_everything query (metadata.yml) join on.

Ranking (FTS5's bm25) weights ``terms`` above the free text, so "Telegram United States 2024"
finds that figure first rather than a note that mentions the words in passing.
"""

from __future__ import annotations

from datetime import date

import sqlite_utils

from . import rules

TABLE = "figures_fts"
COLUMNS = ("terms", "quote", "notes", "platform_wording")
# bm25 weight of each column, in COLUMNS order; stored as the table's default rank.
WEIGHTS = (4.0, 1.0, 1.0, 2.0)

# The text the index holds, computed when read: FTS5 keeps no copy of it (an external content
# table, here a view), which at a million figures is 290 MB the build need not write, the file
# need not hold and every check of the file need not read. snippet(), highlight() and the
# index's columns read it through the view, by the figure's rowid.
TEXT_VIEW = "search_text"
TEXT_VIEW_SQL = f"""CREATE VIEW {TEXT_VIEW} AS
SELECT f.rowid AS figure_rowid,
  p.name || ' ' || f.platform_id || ' ' || j.name || ' ' || j.jurisdiction_id || ' ' || coalesce(j.alpha2, '')
    || ' ' || f.period_label || ' ' || n.name || ' ' || coalesce(f.year, '') || ' ' || r.label || ' '
    || f.request_type_id || ' ' || m.label || ' ' || f.metric_id || ' ' || f.figure_id AS terms,
  f.quote, f.notes, f.platform_wording
FROM figures f
JOIN platforms p USING (platform_id)
JOIN jurisdictions j USING (jurisdiction_id)
JOIN request_types r USING (request_type_id)
JOIN metrics m USING (metric_id)
JOIN period_names n ON n.period_start = f.period_start AND n.period_end = f.period_end"""

TERMS_SQL = f"SELECT figure_rowid, {', '.join(COLUMNS)} FROM {TEXT_VIEW} ORDER BY figure_rowid"


PERIOD_NAMES_SQL = """CREATE TABLE period_names (
  period_start TEXT NOT NULL,
  period_end TEXT NOT NULL,
  period_label TEXT NOT NULL,
  name TEXT NOT NULL,
  PRIMARY KEY (period_start, period_end)
)"""


def write_period_names(db: sqlite_utils.Database) -> None:
    """(Re)create ``period_names``: each period of a figure, its label (as in figure ids) and the
    name readers see (``rules.period_name``), so pages and search name periods alike."""
    periods = db.execute(
        "SELECT DISTINCT period_start, period_end, period_label FROM figures ORDER BY period_start, period_end"
    ).fetchall()
    db.execute("DROP TABLE IF EXISTS period_names")
    db.execute(PERIOD_NAMES_SQL)
    db.conn.executemany(
        "INSERT INTO period_names VALUES (?, ?, ?, ?)",
        [(s, e, label, rules.period_name(date.fromisoformat(s), date.fromisoformat(e))) for s, e, label in periods],
    )


def write_figures_fts(db: sqlite_utils.Database) -> None:
    """(Re)create ``period_names``, the ``search_text`` view and ``figures_fts`` (FTS5, porter
    stemming, its content read from that view) from the loaded figures and vocabularies."""
    with db.atomic():
        write_period_names(db)
    db.execute(f"DROP TABLE IF EXISTS {TABLE}")
    db.execute(f"DROP VIEW IF EXISTS {TEXT_VIEW}")
    db.execute(TEXT_VIEW_SQL)
    db.execute(
        f"CREATE VIRTUAL TABLE {TABLE} USING fts5({', '.join(COLUMNS)}, "
        f"content='{TEXT_VIEW}', content_rowid='figure_rowid', tokenize='porter')"
    )
    weights = ", ".join(str(w) for w in WEIGHTS)
    with db.atomic():
        db.execute(f"INSERT INTO {TABLE} ({TABLE}, rank) VALUES ('rank', 'bm25({weights})')")
        # No merging of segments while loading: 'optimize' below merges them all once (8% less
        # work at a million figures); the database is never written again, so the setting stays idle.
        db.execute(f"INSERT INTO {TABLE} ({TABLE}, rank) VALUES ('automerge', 0)")
        db.execute(f"INSERT INTO {TABLE} (rowid, {', '.join(COLUMNS)}) {TERMS_SQL}")
    db.execute(f"INSERT INTO {TABLE} ({TABLE}) VALUES ('optimize')")
    db.conn.commit()
