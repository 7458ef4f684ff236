"""Cells of canned-query results and of the figures' source column.

In query results (which Datasette renders without table metadata): a correction's id links to its
row, and its reason (up to 600 characters, each row of unreleased_corrections 600 px tall on a
phone) shows its first words, then "whole reason", a link to that row; a figure id (``figure_id``, or
a column named ``<...>_figure_id``) links to its page, a platform id to /platform/<id>, a
jurisdiction id to /country/<id>, a source id (``source_id``, ``<...>_source_id``) to its row of
the sources table, as a table's foreign key leads there, when the sources table has it; whole
numbers get thousands separators, and a derived flag reads as a "derived" badge. In the figures
tables, the source id carries its tier (1 strongest to 6) once the build writes ``sources.tier``.
A release change's old and new source ids (text, not foreign keys: a source may have been removed
since) link to their sources as a foreign key does, when the sources table still has them.
"""

from __future__ import annotations

import sys
import weakref
from pathlib import Path
from urllib.parse import quote

import markupsafe
from datasette import hookimpl
from datasette.utils import tilde_encode

# plugins/ is no package: what its plugins share (plugins/_badges.py) is found on the path.
if str(Path(__file__).parent) not in sys.path:
    sys.path.append(str(Path(__file__).parent))
from _badges import derived_badge
from _dates import marked_dates
from _shortened import shortened

PLUGIN = "platform-disclosures"
PAGES = {"figure_id": "figure/", "platform_id": "platform/", "jurisdiction_id": "country/"}
FIGURE_TABLES = {"figures", "figures_series"}
# Source ids that are text in their table, not foreign keys Datasette would link.
SOURCE_ID_COLUMNS = {("release_changes", "old_source_id"), ("release_changes", "new_source_id")}
# Whole numbers in these columns are codes or flags, not quantities: no separators.
NOT_QUANTITIES = {"year", "rowid"}


def is_flag(column: str) -> bool:
    return column == "is_derived" or column.endswith("_derived")


def quantity_text(value) -> str | None:
    """1234567 -> "1,234,567"; None for anything that is not a whole number of 1,000 or more."""
    if isinstance(value, bool) or not isinstance(value, int) or abs(value) < 1000:
        return None
    return f"{value:,}"


# Datasette -> the database this plugin renders (the plugin's configuration never changes while
# it serves). plugin_config() walks the whole metadata for secrets on every call, and this hook
# runs for every cell: 2,500 calls were most of the time of a figures page.
_databases: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def configured_database(datasette) -> str | None:
    try:
        return _databases[datasette]
    except KeyError:
        name = _databases[datasette] = (datasette.plugin_config(PLUGIN) or {}).get("database")
        return name


@hookimpl
def render_cell(row, value, column, table, database, datasette):
    # Called for every cell of every page: leave the cells this plugin ignores at once.
    is_figures_source = table in FIGURE_TABLES and column == "source_id"
    if table is not None and not ((is_figures_source or (table, column) in SOURCE_ID_COLUMNS) and value):
        return None
    if database != configured_database(datasette):
        return None
    if table is None:
        return query_cell(row, value, column, database, datasette)
    return source_cell(value, database, datasette, with_tier=is_figures_source)


def is_source_id(column: str) -> bool:
    return column == "source_id" or column.endswith("_source_id")


def query_cell(row, value, column, database, datasette):
    if value in (None, ""):
        return None
    if column in ("correction_id", "reason") and isinstance(value, str):
        return correction_cell(row, value, column, database, datasette)
    if is_source_id(column) and isinstance(value, str):
        return source_id_link(value, database, datasette)
    # A query that sets two figures side by side names each one's id after its column
    # (jan_sep_figure_id): each links to its figure's page, as figure_id does.
    page = PAGES.get(column) or (PAGES["figure_id"] if column.endswith("_figure_id") else None)
    if page and isinstance(value, str):
        # One path segment whatever the query wrote: "a?b" would otherwise link to the page of "a".
        return markupsafe.Markup('<a href="{0}">{1}</a>').format(
            datasette.urls.path(page + quote(value, safe="")), value
        )
    if is_flag(column):
        return derived_badge(datasette) if value == 1 else ""
    if column not in NOT_QUANTITIES:
        text = quantity_text(value)
        if text:
            return markupsafe.Markup('<span class="num">{0}</span>').format(text)
    return None


CUT_REASON = markupsafe.Markup('<span class="cell-text cut">{0}…</span> <a class="more" href="{1}">whole reason</a>')


def correction_cell(row, value: str, column: str, database, datasette):
    """A correction's id, linked to its row; its reason, cut, with a link to that row, where it is
    whole. None (Datasette's cell) for a reason that is short, or in a row without the id."""
    try:
        correction_id = row["correction_id"]
    except (IndexError, KeyError):  # a query without the id: the reason is all there is to show
        return None
    if not isinstance(correction_id, str) or not correction_id:
        return None
    href = datasette.urls.row(database, "corrections", tilde_encode(correction_id))
    if column == "correction_id":
        return markupsafe.Markup('<a href="{0}">{1}</a>').format(href, value)
    short = shortened(value)
    return None if short is None else CUT_REASON.format(marked_dates(short), href)


# Database -> {source_id: (title, tier, rank, label)} of an immutable database (None before the
# build wrote tiers). A figures page has a source in each of its rows: one read of the sources
# table per database, not three queries per row (300 thread hops per page at 100 rows).
_sources: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def read_sources(conn) -> dict[str, tuple] | None:
    """{source_id: (title, tier, tier rank, tier label)}, or None when sources has no tier."""
    if "tier" not in {r[1] for r in conn.execute("PRAGMA table_info(sources)")}:
        return None  # Datasette's own foreign-key link, until the build writes tiers
    if conn.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'source_tiers'").fetchone():
        sql = """SELECT s.source_id, s.title, s.tier, t.rank, t.label FROM sources s
                 LEFT JOIN source_tiers t ON t.tier_id = s.tier"""
    else:
        sql = "SELECT source_id, title, tier, NULL, NULL FROM sources"
    return {row[0]: tuple(row[1:]) for row in conn.execute(sql)}


async def source_details(db) -> dict[str, tuple] | None:
    if db in _sources:
        return _sources[db]
    details = await db.execute_fn(read_sources)
    if not db.is_mutable:
        _sources[db] = details
    return details


def source_id_link(source_id: str, database, datasette):
    """A query's source id, linked to its row of the sources table as the query's other ids link
    to their pages (labelled by the id); plain text for an id that table does not hold."""

    async def inner():
        details = await source_details(datasette.get_database(database))
        if details is not None and source_id not in details:
            return None
        return markupsafe.Markup('<a href="{0}">{1}</a>').format(
            datasette.urls.row(database, "sources", tilde_encode(source_id)), source_id
        )

    return inner


def source_cell(value, database, datasette, with_tier: bool = True):
    # Datasette hands a labelled foreign key as {"value": ..., "label": ...}.
    source_id = value["value"] if isinstance(value, dict) else value

    async def inner():
        details = await source_details(datasette.get_database(database))
        if details is None or source_id not in details:
            return None
        title, tier, rank, label = details[source_id]
        link = markupsafe.Markup('<a href="{0}">{1}</a>&nbsp;<em>{2}</em>').format(
            # A title's dates ("..., 2022-01-01 to 2022-03-31") never break at their hyphens.
            datasette.urls.row(database, "sources", tilde_encode(source_id)),
            marked_dates(title),
            source_id,
        )
        if tier is None or not with_tier:
            return link
        badge = markupsafe.Markup(' <span class="tier-badge" title="{0}">tier {1}</span>').format(
            f"Source tier {rank} of 6 (1 is the platform's own report): {label}" if rank else str(tier),
            rank if rank else tier,
        )
        return link + badge

    return inner
