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

A query's result (a canned query of metadata.yml, or ?sql=) is headed the same way where a column
is named as a column of the package's tables: the title the figures table gives it (the table
the canned queries read), else the one title the tables that title it agree on
(``query_titles``); a computed column of the query's own (country, per_month_jan_sep_computed)
keeps its name. templates/query-disclosures.html hands Datasette's query page its columns as
``Heading`` strings: each is still the column's name (its CSS class, its CSV and JSON key), and
writes itself in HTML as the title, then the name in small type.
"""

from __future__ import annotations

import markupsafe
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


def query_titles(datasette, database: str | None) -> dict[str, str]:
    """{column: title} for a query's result on the site's database: the figures table's titles,
    then each column that every other table titling it titles alike (source_id is "Source" in
    figures, though a disagreement's is "Disagreeing source")."""
    config = datasette.plugin_config(PLUGIN) or {}
    if database != config.get("database"):
        return {}
    every: dict[str, set[str]] = {}
    for table in config.get("column_titles") or {}:
        for column, title in titles(datasette, database, table).items():
            every.setdefault(column, set()).add(title)
    found = {column: next(iter(named)) for column, named in every.items() if len(named) == 1}
    return found | titles(datasette, database, "figures")


class Heading(str):
    """A column's name that writes itself in HTML as its title, then the name in small type."""

    def __new__(cls, name: str, title: str):
        heading = super().__new__(cls, name)
        heading.name, heading.title_text = str(name), title
        return heading

    def __html__(self) -> str:
        return markupsafe.Markup('{0} <small class="named-code">{1}</small>').format(self.title_text, self.name)


def headings(columns, found: dict[str, str]) -> list:
    """``columns`` with each one ``found`` titles as a ``Heading``."""
    return [Heading(column, found[column]) if column in found else column for column in columns or []]


@hookimpl
def prepare_jinja2_environment(env):
    env.filters["headings"] = headings
    # Datasette's to_css_class hands back a valid class as it came: a Heading, which the page
    # would then write as its title. Its class is the name's.
    css_class = getattr(env.filters["to_css_class"], "datasette_filter", env.filters["to_css_class"])

    def to_css_class(value):
        return css_class(value.name if isinstance(value, Heading) else value)

    to_css_class.datasette_filter = css_class
    env.filters["to_css_class"] = to_css_class


@hookimpl
def extra_template_vars(template, view_name, database, table, datasette):
    # A canned query is answered by the table view, ?sql= by the database view: both by query.html.
    if template and template.startswith("query"):
        return {"query_titles": query_titles(datasette, database)}
    if view_name not in ("table", "row"):
        return None
    found = titles(datasette, database, table)
    if view_name == "row":
        return {"column_titles": found}
    # The table page's glossary takes each title, the ones that repeat a name too, off the front
    # of its column's description, where the build put it ("Figure id. Stable id: ...").
    return {"column_titles": found, "package_titles": titles(datasette, database, table, every=True)}
