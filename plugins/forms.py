"""Canned-query forms with dropdowns, human labels and defaults.

Datasette renders a canned query's parameters as text boxes. For the site's own database this
plugin hands the page the choices (platform names, jurisdiction names, metric and request-type
labels, the periods present in the figures) and each query's defaults from the plugin
configuration (``query_defaults`` in metadata.yml); ``static/query-forms.js`` turns the boxes
into dropdowns and opens a form that has no value yet on its defaults, so none opens on "0 results".
"""

from __future__ import annotations

import json
import re

from datasette import hookimpl

PLUGIN = "platform-disclosures"
# Parameter name -> SQL giving (value, label) pairs for its dropdown.
CHOICES = {
    "platform": "SELECT platform_id, name FROM platforms WHERE platform_id IN (SELECT DISTINCT platform_id FROM figures) ORDER BY name COLLATE NOCASE",
    "jurisdiction": """SELECT jurisdiction_id, name || ' (' || jurisdiction_id || ')' FROM jurisdictions
                       WHERE jurisdiction_id IN (SELECT DISTINCT jurisdiction_id FROM figures) ORDER BY name""",
    "metric": "SELECT metric_id, label FROM metrics ORDER BY label",
    "request_type": "SELECT request_type_id, label FROM request_types ORDER BY label",
    # period_start and period_end are picked together, as one period that exists in the data.
    "period": "SELECT DISTINCT period_start || '/' || period_end, period_start || '/' || period_end FROM figures ORDER BY 1 DESC",
}


# A parameter the query's SQL gives its own default when blank (``nullif(:request_type, '')``).
OWN_DEFAULT = re.compile(r"nullif\(\s*[:@$](\w+)\s*,\s*''\s*\)")


def config(datasette) -> dict:
    return datasette.plugin_config(PLUGIN) or {}


def is_query_page(template: str, database: str) -> bool:
    """Whether ``template`` renders a query of ``database``: Datasette's query.html, or the site's
    query-<database>.html over it (templates/, which names a canned query's page by its title)."""
    return template in ("query.html", f"query-{database}.html")


def query_name(request) -> str | None:
    return (request.url_vars or {}).get("table") if request else None


@hookimpl
def extra_js_urls(template, database, view_name, request, datasette):
    if is_query_page(template, database) and database == config(datasette).get("database"):
        return [{"url": datasette.urls.path("static/query-forms.js")}]
    return []


@hookimpl
def extra_body_script(template, database, request, datasette):
    if not is_query_page(template, database) or database != config(datasette).get("database"):
        return None
    name = query_name(request)

    async def inner():
        db = datasette.get_database(database)
        choices = {key: [list(r) for r in (await db.execute(sql)).rows] for key, sql in CHOICES.items()}
        data = {"choices": choices, "defaults": config(datasette).get("query_defaults", {}).get(name, {})}
        # Its dropdown keeps a blank choice: without one it would show, and submit, its first option
        # (top_jurisdictions' request_type: Apple's "Account requests", no rows for Telegram).
        canned = await datasette.get_canned_query(database, name, request.actor) if name else None
        data["blank_means_default"] = sorted(set(OWN_DEFAULT.findall((canned or {}).get("sql") or "")))
        return "window.disclosuresForms = " + json.dumps(data, ensure_ascii=False).replace("</", "<\\/") + ";"

    return inner
