"""A table page's facets are headed with their columns' titles ("Period", "Period kind"), the
column's name after it in small type.

Datasette 0.65 heads each facet box with the column's name (period_label, period_kind,
source_tier): codes to a reader. The heading is written by its ``_facet_results.html``, which
has no block to override and takes no label from the metadata; copying the template would fork
it. So the page is handed the titles of its table's columns (the build's ``column_titles``,
from the package's field titles, never written twice), and ``static/facet-titles.js`` puts each
title before the name once the page has loaded. The name stays: it is what ``?period_label=``,
``_facet=`` and the JSON's ``facet_results`` use. Without JavaScript the headings are
Datasette's; the facet's values are named either way (plugins/facets.py).
"""

from __future__ import annotations

import json

from datasette import hookimpl

PLUGIN = "platform-disclosures"


def titles(datasette, database: str | None, table: str | None) -> dict[str, str]:
    """{column: title} of ``table`` in the site's database, empty for any other page."""
    config = datasette.plugin_config(PLUGIN) or {}
    if not table or database != config.get("database"):
        return {}
    return (config.get("column_titles") or {}).get(table) or {}


@hookimpl
def extra_js_urls(database, table, view_name, datasette):
    if view_name == "table" and titles(datasette, database, table):
        return [{"url": datasette.urls.path("static/facet-titles.js")}]
    return []


@hookimpl
def extra_body_script(database, table, view_name, datasette):
    if view_name != "table":
        return None
    found = titles(datasette, database, table)
    if not found:
        return None
    return "window.disclosuresFacetTitles = " + json.dumps(found, ensure_ascii=False).replace("</", "<\\/") + ";"
