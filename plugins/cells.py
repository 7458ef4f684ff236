"""How table cells render: a figure's value links to its page, URLs become links.

A figure id that is text rather than a foreign key Datasette would link (a corroboration may name
a derived figure, a correction or a release's change a figure since removed, whose page says why)
links to its page too, and so does each value of requests_and_accounts, the metrics side by side,
through the id in its row's ``figure_ids``: those tables showed numbers and ids that led nowhere,
where the figures table leads from every number to its quote and source.

The value shown is ``figures.value_text``, written by the build (the one owner of how a band,
a threshold or a withheld figure reads), so this plugin formats nothing itself.

A ``period_label`` cell (the figures tables, the tables of coverage and gaps, canned queries, row
pages) names its period as the pages do ("January–September 2024", "H1 2025"), from the build's
``period_names``, with the label after it in small type: 20240101-20240930 read as a code, and it
is still what a filter, a figure id and the JSON use. A ``period_kind`` cell names its kind the
same way ("Year to date (from 1 January)", then year_to_date). Only the HTML changes (Datasette
calls render_cell for HTML alone): JSON and CSV keep the label and the kind.

A cell that is one ISO date is a ``span.date``, which never breaks at its hyphens on a phone, and
so is each ISO date in the free text of a corroboration or a disagreement (its quote, its notes,
what a source said, why it was not used), a source (its title, its notes), a correction's or a
release change's reason, a platform's record and freshness statement, and a period's name:
"2025-12-31" read "2025-12-" and "31" on a phone's row page. So is each date in the label of a link to another row (a corroboration's
source, named by its title). The text is escaped first (plugins/_dates.py). The figures tables'
free text is plugins/long_text.py's, and their source's link plugins/links.py's.
"""

from __future__ import annotations

import sys
import weakref
from pathlib import Path

import markupsafe
from datasette import hookimpl
from datasette.utils import escape_sqlite, is_url, tilde_encode

# plugins/ is no package: what its plugins share (plugins/_badges.py) is found on the path.
if str(Path(__file__).parent) not in sys.path:
    sys.path.append(str(Path(__file__).parent))
from _badges import derived_badge
from _dates import ISO_DATE, marked_dates

PLUGIN = "platform-disclosures"
FIGURE_TABLES = {"figures", "figures_series"}
LINK_COLUMNS = {("sources", "url"), ("sources", "archived_url"), ("platforms", "transparency_report_url")}
FIGURE_ID_COLUMNS = {
    ("corroborations", "figure_id"),
    ("corrections", "figure_id"),
    ("release_changes", "figure_id"),
    ("requests_and_accounts", "figure_ids"),
    # A view: its figure_id is no key Datasette links to a row.
    ("figures_series", "figure_id"),
}
SIDE_BY_SIDE = "requests_and_accounts"
# Its value columns, each named as the metric its figures have (the build's pivot of figures).
SIDE_BY_SIDE_METRICS = {
    "requests_received",
    "requests_fulfilled",
    "requests_content_disclosed",
    "requests_non_content_disclosed",
    "requests_no_data_found",
    "requests_rejected",
    "accounts_specified",
    "accounts_affected",
    "percent_requests_some_data",
}
# Free text whose dates are marked, cell by cell (the figures tables' are plugins/long_text.py's).
FREE_TEXT_COLUMNS = {
    ("corroborations", "quote"),
    ("corroborations", "notes"),
    ("corroborations", "source_locator"),
    ("disagreements", "claimed_text"),
    ("disagreements", "explanation"),
    # A source's notes and title ("..., 2022-01-01 to 2022-03-31"), and why a figure was corrected
    # or changed in a release: "periods to 2025-H1 ... ending 2022-12-31" broke on a phone too.
    ("sources", "notes"),
    ("sources", "title"),
    ("corrections", "reason"),
    ("release_changes", "reason"),
    # A platform's record, as its page (/platform/<id>) already marks them.
    ("platforms", "notes"),
    ("platforms", "search_log"),
    ("platforms", "not_reported"),
    ("platforms", "freshness_quote"),
    ("platforms", "dsa_freshness_quote"),
    # What each platform's freshness says ("dataset up to 2025-06-30; ... as checked on 2026-11-30"),
    # and the name of a period that is no year, half or quarter ("2020-05-01 to 2020-12-12").
    ("freshness", "statement"),
    ("period_names", "name"),
}
WHERE_FROM = "Where this figure comes from"
# A band's text ("0–249", "177,500–177,999") sits in the value column among counts, and a reader
# copying a column took "0–249" for a number; value_kind, which says so, is hidden by default.
BAND_BADGE = markupsafe.Markup(
    ' <span class="band-badge" title="reported as a band: the platform gives a range, not a count">band</span>'
)


# A column whose values the build names in a table of its own: column -> (that table, its column
# of names). Not foreign keys (period_names is keyed by the period's dates), so Datasette showed
# the bare values. The table of names itself shows values and names side by side, and is left as it is.
NAMED_COLUMNS = {"period_label": ("period_names", "name"), "period_kind": ("period_names", "kind_name")}
NAMED_CELL = markupsafe.Markup(
    '{0} <small class="named-code" title="{2}: the value filters and the JSON use">{1}</small>'
)

# Database -> {column: {value: name}}, immutable databases only: the build's, which cannot change.
_names: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


# Datasette -> the database this plugin renders: plugin_config() walks the whole metadata on
# every call, and this hook runs for a hundred cells a page.
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
    is_value = table in FIGURE_TABLES and column == "value"
    is_ids = (table, column) in FIGURE_ID_COLUMNS
    is_side_by_side = table == SIDE_BY_SIDE and column in SIDE_BY_SIDE_METRICS
    is_named = column in NAMED_COLUMNS and table != NAMED_COLUMNS[column][0]
    # A cell that is one ISO date (a source's published_date, an event's, a release's date) never
    # breaks at its hyphens, as the pages' dates do not (plugins/_dates.py).
    is_date = type(value) is str and len(value) == 10 and ISO_DATE.fullmatch(value) is not None
    # Free text holding an ISO date: each date marked, the words around it still wrap. A bare URL
    # stays the link Datasette makes of it.
    is_dated_text = (
        (table, column) in FREE_TEXT_COLUMNS
        and type(value) is str
        and ISO_DATE.search(value) is not None
        and not is_url(value.strip())
    )
    # A link to another row labelled with text holding a date (a corroboration's or a
    # disagreement's source, named by its title): Datasette's link, with the label's dates marked.
    # The figures tables' source is plugins/links.py's, which adds its tier.
    is_dated_label = (
        type(value) is dict
        and type(value.get("label")) is str
        and value["label"] != value.get("value")
        and ISO_DATE.search(value["label"]) is not None
        and not (table in FIGURE_TABLES and column == "source_id")
    )
    if (
        not (is_value or is_ids or is_side_by_side or is_named or is_date or is_dated_text or is_dated_label)
        and (table, column) not in LINK_COLUMNS
    ):
        return None
    if database != configured_database(datasette):
        return None
    if is_dated_label:
        return dated_label_link(datasette, database, table, column, value)
    if is_named:
        if not isinstance(value, str):
            return None
        db = datasette.get_database(database)
        known = _names.get(db)
        if known is None:  # the first cell of a worker, or a mutable database: read, then render
            return named_after_reading(db, column, value)
        return named_cell(known, column, value)
    if is_ids:
        if not isinstance(value, str) or not value:
            return None
        return markupsafe.Markup(" ").join(figure_link(datasette, figure_id, figure_id) for figure_id in value.split())
    if is_side_by_side:
        figure_id = side_by_side_figure(row, column) if value is not None else None
        if figure_id is None:
            return None
        link = figure_link(datasette, figure_id, value, WHERE_FROM)
        return link + " " + derived_badge(datasette) if figure_id.endswith("-derived") else link
    if is_value:
        try:
            shown = row["value_text"]
        except (IndexError, KeyError):  # the reader hid value_text (?_nocol=value_text)
            return None
        try:
            figure_id = row["figure_id"]
        except (IndexError, KeyError):  # a view's reader hid figure_id (figures_series?_nocol=figure_id): a 500
            figure_id = None
        # The number links to the figure's page: its quote, source, inputs and disagreements.
        link = markupsafe.escape(shown) if figure_id is None else figure_link(datasette, figure_id, shown, WHERE_FROM)
        # The derived flag and the kind are far to the right of the row: say them beside the number.
        try:
            derived = row["is_derived"] == 1
        except (IndexError, KeyError):  # the reader hid is_derived
            derived = False
        try:
            band = row["value_kind"] == "band"
        except (IndexError, KeyError):  # the reader hid value_kind
            band = False
        return link + (BAND_BADGE if band else "") + (" " + derived_badge(datasette) if derived else "")
    if is_date or is_dated_text:
        return marked_dates(value)
    if value in (None, ""):
        return None
    if (table, column) in LINK_COLUMNS and isinstance(value, str) and value.startswith(("http://", "https://")):
        return markupsafe.Markup('<a href="{0}" rel="nofollow noopener">{0}</a>').format(value)
    return None


def dated_label_link(datasette, database: str, table: str, column: str, value: dict):
    """Datasette's link of a foreign key shown with its label (``<a>label</a>&nbsp;<em>id</em>``),
    the label escaped and each ISO date in it marked (plugins/_dates.py)."""

    async def inner():
        keys = await datasette.get_database(database).foreign_keys_for_table(table)
        other = next((k["other_table"] for k in keys if k["column"] == column), None)
        if other is None:
            return None
        return markupsafe.Markup('<a href="{0}">{1}</a>&nbsp;<em>{2}</em>').format(
            datasette.urls.row(database, other, tilde_encode(str(value["value"]))),
            marked_dates(value["label"]),
            value["value"],
        )

    return inner


def named_cell(known: dict, column: str, value: str) -> markupsafe.Markup | None:
    """The name of ``value`` with ``value`` after it, or None (Datasette's cell) for a value
    without a name, or one that is its own name (the period 2024)."""
    name = known.get(column, {}).get(value)
    if name is None or name == value:
        return None
    return NAMED_CELL.format(name, value, column)


async def named_after_reading(db, column: str, value: str) -> markupsafe.Markup | None:
    tables = set(await db.table_names())
    known = {}
    for named, (table, name_column) in NAMED_COLUMNS.items():
        if table in tables:
            sql = f"select {escape_sqlite(named)}, {escape_sqlite(name_column)} from {escape_sqlite(table)}"
            known[named] = dict((await db.execute(sql)).rows)
    if not db.is_mutable:
        _names[db] = known
    return named_cell(known, column, value)


def figure_link(datasette, figure_id: str, shown, title: str | None = None) -> markupsafe.Markup:
    template = '<a class="figure-page" href="{0}" title="{2}">{1}</a>' if title else '<a href="{0}">{1}</a>'
    return markupsafe.Markup(template).format(datasette.urls.path(f"figure/{figure_id}"), shown, title)


def side_by_side_figure(row, metric: str) -> str | None:
    """The id, among the row's ``figure_ids``, of its figure of ``metric`` (an id ends with its
    metric, then ``-derived`` for the build's own), or None when the reader hid figure_ids."""
    try:
        figure_ids = row["figure_ids"]
    except (IndexError, KeyError):
        return None
    for figure_id in (figure_ids or "").split():
        if figure_id.removesuffix("-derived").endswith(f"-{metric}"):
            return figure_id
    return None
