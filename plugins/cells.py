"""How table cells render: a figure's value links to its page, URLs become links.

The value shown is ``figures.value_text``, written by the build (the one owner of how a band,
a threshold or a withheld figure reads), so this plugin formats nothing itself.
"""

from __future__ import annotations

import weakref

import markupsafe
from datasette import hookimpl

PLUGIN = "platform-disclosures"
FIGURE_TABLES = {"figures", "figures_series"}
LINK_COLUMNS = {("sources", "url"), ("sources", "archived_url"), ("platforms", "transparency_report_url")}


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
    if not is_value and (table, column) not in LINK_COLUMNS:
        return None
    if database != configured_database(datasette):
        return None
    if is_value:
        try:
            shown = row["value_text"]
        except (IndexError, KeyError):  # the reader hid value_text (?_nocol=value_text)
            return None
        # The number links to the figure's page: its quote, source, inputs and disagreements.
        link = markupsafe.Markup(
            '<a class="figure-page" href="{0}" title="Where this figure comes from">{1}</a>'
        ).format(datasette.urls.path(f"figure/{row['figure_id']}"), shown)
        # The derived flag is far to the right of the row: say it beside the number.
        try:
            derived = row["is_derived"] == 1
        except (IndexError, KeyError):  # the reader hid is_derived
            derived = False
        return link + markupsafe.Markup(' <span class="derived-badge">derived</span>') if derived else link
    if value in (None, ""):
        return None
    if (table, column) in LINK_COLUMNS and isinstance(value, str) and value.startswith(("http://", "https://")):
        return markupsafe.Markup('<a href="{0}" rel="nofollow noopener">{0}</a>').format(value)
    return None
