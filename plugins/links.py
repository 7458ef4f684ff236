"""Cells of canned-query results and of the figures' source column.

In query results (which Datasette renders without table metadata): a figure id links to its page,
a platform id to /platform/<id>, a jurisdiction id to /country/<id>, whole numbers get thousands
separators, and a derived flag reads as a "derived" badge. In the figures tables, the source id
carries its tier (1 strongest to 6) once the build writes ``sources.tier``.
"""

from __future__ import annotations

import markupsafe
from datasette import hookimpl
from datasette.utils import tilde_encode

PLUGIN = "platform-disclosures"
PAGES = {"figure_id": "figure/", "platform_id": "platform/", "jurisdiction_id": "country/"}
FIGURE_TABLES = {"figures", "figures_series"}
# Whole numbers in these columns are codes or flags, not quantities: no separators.
NOT_QUANTITIES = {"year", "rowid"}


def is_flag(column: str) -> bool:
    return column == "is_derived" or column.endswith("_derived")


def quantity_text(value) -> str | None:
    """1234567 -> "1,234,567"; None for anything that is not a whole number of 1,000 or more."""
    if isinstance(value, bool) or not isinstance(value, int) or abs(value) < 1000:
        return None
    return f"{value:,}"


@hookimpl
def render_cell(row, value, column, table, database, datasette):
    if database != (datasette.plugin_config(PLUGIN) or {}).get("database"):
        return None
    if table is None:
        return query_cell(value, column, datasette)
    if table in FIGURE_TABLES and column == "source_id" and value:
        return source_cell(value, database, datasette)
    return None


def query_cell(value, column, datasette):
    if value in (None, ""):
        return None
    if column in PAGES and isinstance(value, str):
        return markupsafe.Markup('<a href="{0}">{1}</a>').format(datasette.urls.path(PAGES[column] + value), value)
    if is_flag(column):
        return markupsafe.Markup('<span class="derived-badge">derived</span>') if value == 1 else ""
    if column not in NOT_QUANTITIES:
        text = quantity_text(value)
        if text:
            return markupsafe.Markup('<span class="num">{0}</span>').format(text)
    return None


def source_cell(value, database, datasette):
    # Datasette hands a labelled foreign key as {"value": ..., "label": ...}.
    source_id = value["value"] if isinstance(value, dict) else value

    async def inner():
        db = datasette.get_database(database)
        columns = {r[1] for r in (await db.execute("PRAGMA table_info(sources)")).rows}
        if "tier" not in columns:
            return None  # Datasette's own foreign-key link, until the build writes tiers
        if await db.table_exists("source_tiers"):
            sql = """SELECT s.title, s.tier, t.rank, t.label FROM sources s
                     LEFT JOIN source_tiers t ON t.tier_id = s.tier WHERE s.source_id = ?"""
        else:
            sql = "SELECT title, tier, NULL, NULL FROM sources WHERE source_id = ?"
        found = (await db.execute(sql, [source_id])).rows
        if not found:
            return None
        title, tier, rank, label = found[0]
        link = markupsafe.Markup('<a href="{0}">{1}</a>&nbsp;<em>{2}</em>').format(
            datasette.urls.row(database, "sources", tilde_encode(source_id)), title, source_id
        )
        if tier is None:
            return link
        badge = markupsafe.Markup(' <span class="tier-badge" title="{0}">tier {1}</span>').format(
            f"Source tier {rank} of 6 (1 is the platform's own report): {label}" if rank else str(tier),
            rank if rank else tier,
        )
        return link + badge

    return inner
