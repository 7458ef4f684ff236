"""A table's columns are headed with their titles ("Period", "Period kind"), the column's name
after it in small type, in the page's HTML: its facets, and its table's headers on a table page
and a row page.

Datasette 0.65 heads each facet box and each column with the column's name (period_label,
period_kind, source_tier): codes to a reader. Its ``_facet_results.html`` takes no label from the
metadata and has no block to override, so ``templates/_facet_results.html`` writes the facet
boxes itself, from the same ``sorted_facet_results``, with Datasette's classes and ids; the
project's ``templates/_table.html`` heads the columns. This plugin hands both the titles of the
table's columns (the build's ``column_titles``, from the package's field titles, never written
twice) as ``column_titles``. The name stays beside the title: it is what ``?period_label=``,
``_facet=``, ``_sort=`` and the JSON use. Written by the server, the headings are the same without
JavaScript (a script put the facets' in once the page had loaded); the facet's values are named
either way (plugins/facets.py).

A title that only repeats its name ("Figure id" for figure_id, "Value" for value, "Period start"
for period_start: the same words once case and underscores are set aside) adds nothing: such a
column is headed with its name alone, once, as a column without a title is ("Value value" said
the word twice).
"""

from __future__ import annotations

from datasette import hookimpl

PLUGIN = "platform-disclosures"


def titles(datasette, database: str | None, table: str | None, every: bool = False) -> dict[str, str]:
    """{column: title} of ``table`` in the site's database, empty for any other page: the titles
    that add to their names, or with ``every`` all of them."""
    config = datasette.plugin_config(PLUGIN) or {}
    if not table or database != config.get("database"):
        return {}
    found = (config.get("column_titles") or {}).get(table) or {}
    return {column: title for column, title in found.items() if every or adds_to(title, column)}


def adds_to(title: str, column: str) -> bool:
    """False for a title that is its column's name again: the same words, whatever their case,
    with the name's underscores read as spaces ("Figure id", figure_id); True for any other
    ("Platform" for platform_id, "ISO alpha-2" for alpha2, "SHA-256" for sha256)."""
    return " ".join(title.split()).casefold() != " ".join(column.replace("_", " ").split()).casefold()


@hookimpl
def extra_template_vars(view_name, database, table, datasette):
    if view_name not in ("table", "row"):
        return None
    found = titles(datasette, database, table)
    if view_name == "row":
        return {"column_titles": found}
    # The table page's glossary takes each title, the ones that repeat a name too, off the front
    # of its column's description, where the build put it ("Figure id. Stable id: ...").
    return {"column_titles": found, "package_titles": titles(datasette, database, table, every=True)}
