"""Long text cells of the figures tables are cut short in HTML, with a link to the figure's page.

A figure's quote is up to a few thousand characters: shown whole, the rows of
``/disclosures/figures`` were up to 800 px tall and the table 5,500 px wide at a 1280 px window.
In a table page these cells show their first ``SHOWN_CHARACTERS`` characters, cut at a word, then
"…" and a link to the figure's page, where the text is whole; each such cell's text is in a
``span.cell-text``, which static/explore.css holds to three lines in the table (the row stays a
few lines tall at any width; the title attribute static/figure-columns.js adds shows it whole).
JSON and CSV are unchanged (Datasette calls render_cell for HTML only). Each ISO date in the
text shown is a ``span.date`` (plugins/_dates.py), escaped first: a note's "until 2026-12-03"
broke at its hyphens on a phone's row page.

The same pages load static/figure-columns.js, which opens them on the columns a reader needs and
shows the others at a click (the table was 26 columns wide).
"""

from __future__ import annotations

import sys
from pathlib import Path

import markupsafe
from datasette import hookimpl

# plugins/ is no package: what its plugins share (plugins/_dates.py) is found on the path.
if str(Path(__file__).parent) not in sys.path:
    sys.path.append(str(Path(__file__).parent))
from _dates import marked_dates
from _shortened import SHOWN_CHARACTERS, shortened

FIGURE_TABLES = {"figures", "figures_series"}
LONG_COLUMNS = {"quote", "notes", "platform_wording", "derivation", "source_locator", "value_note"}


@hookimpl
def render_cell(row, value, column, table, datasette):
    # Called for every cell of every page: leave the others at once.
    if column not in LONG_COLUMNS or table not in FIGURE_TABLES or not isinstance(value, str):
        return None
    short = shortened(value, SHOWN_CHARACTERS)
    try:
        figure_id = row["figure_id"]
    except (IndexError, KeyError):  # the reader hid figure_id (?_nocol=figure_id)
        figure_id = None
    if short is None:
        # Whole, but in a span the table's CSS may hold to three lines in a narrow column;
        # static/figure-columns.js then adds the "whole text" link to data-whole.
        if not value:
            return None
        if not figure_id:
            return markupsafe.Markup('<span class="cell-text">{0}</span>').format(marked_dates(value))
        return markupsafe.Markup('<span class="cell-text" data-whole="{1}">{0}</span>').format(
            marked_dates(value), datasette.urls.path(f"figure/{figure_id}")
        )
    if not figure_id:
        return markupsafe.Markup('<span class="cell-text cut">{0}…</span>').format(marked_dates(short))
    # The link after the text, not in it: the text may be held to a few lines, the link never.
    return markupsafe.Markup(
        '<span class="cell-text cut">{0}…</span> <a class="more" href="{1}">whole text</a>'
    ).format(marked_dates(short), datasette.urls.path(f"figure/{figure_id}"))


@hookimpl
def extra_js_urls(template, view_name, request, datasette):
    table = (request.url_vars or {}).get("table") if request else None
    if view_name == "table" and table in FIGURE_TABLES:
        return [{"url": datasette.urls.path("static/figure-columns.js")}]
    return []
