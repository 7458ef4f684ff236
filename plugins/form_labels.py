"""Datasette's own forms (a table's filters and sort, the SQL editor) get accessible names, and a
table's column menus open from the keyboard (Enter or Space; Escape closes). Datasette gives
those controls no ``<label>`` and opens the menus on a click only; ``static/form-labels.js`` adds
an ``aria-label`` to each control and makes each menu icon a button, on every page of the
database (a table, a view, a query, the database's SQL page). A table's scrolling glossary of its
columns takes the keyboard's focus, so that a keyboard can scroll it."""

from __future__ import annotations

from datasette import hookimpl


@hookimpl
def extra_js_urls(view_name, datasette):
    if view_name in ("table", "database", "query"):
        return [{"url": datasette.urls.path("static/form-labels.js")}]
    return []
