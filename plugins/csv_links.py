"""The export links of table and query pages: every row for a table's CSV, each parameter once.

Datasette 0.65 links ``table.csv?_size=max``: one page of at most 5,000 rows, now that a CSV
with ``_size`` is that page (plugins/downloads.py). The link is ``_stream=on`` instead, with
``_labels=on`` when the table has foreign keys (as Datasette's own link), and without the page's
``_size`` and ``_next``, which would make it one page again. The "Advanced export" form is sent
the same way: Datasette's sent ``_size=max`` (and, from a next page, its ``_next``), so that
unless "stream all rows" was ticked it gave the first 5,000 rows with status 200, which a reader
asking for the CSV of every figure took for the whole.

Datasette built the other export links by appending its own parameters to the request's query
string, whatever it held: a query page asked for with ``_size=max`` linked its CSV as
``?_size=max&_size=max``, and a table page with ``_labels=on`` its JSON as
``?_labels=on&...&_labels=on``. Here each parameter appears once, the request's value first (the
one Datasette reads), so each link answers as before. A table page's JSON link leaves out the
page's ``_shape`` and ``_nl``, which the page ignores: the "Advanced export" appends each shape
to it, and figures?_shape=array linked its object shape with two shapes, a 400.
"""

from __future__ import annotations

from urllib.parse import urlencode

from datasette import hookimpl

PAGE_PARAMETERS = ("_size", "_next", "_stream", "_labels")
SHAPE_PARAMETERS = ("_shape", "_nl")


def with_parameters(path: str, pairs: list[tuple[str, str]], added: list[tuple[str, str]] = ()) -> str:
    """``path`` with the request's parameters, then those of ``added`` the request does not give."""
    given = {k for k, _ in pairs}
    query = urlencode(pairs + [(k, v) for k, v in added if k not in given])
    if not query:
        return path
    return path + ("&" if "?" in path else "?") + query


def every_row_csv_fields(pairs: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """The request's parameters but those of one page (and its facets, which a CSV has not), then ``_stream=on``."""
    return [(k, v) for k, v in pairs if k not in PAGE_PARAMETERS and k != "_facet"] + [("_stream", "on")]


def every_row_csv_path(path: str, pairs: list[tuple[str, str]], labels: bool) -> str:
    """``path`` as ``.csv`` with the request's other parameters, then ``_stream=on`` (and ``_labels=on``)."""
    kept = [(k, v) for k, v in pairs if k not in PAGE_PARAMETERS]
    kept += [("_stream", "on")] + ([("_labels", "on")] if labels else [])
    return path + ".csv?" + urlencode(kept)


@hookimpl
def extra_template_vars(template, view_name, request, database, table, datasette):
    if request is None or not database or view_name not in ("table", "database"):
        return None

    async def inner():
        pairs = [(k, v) for k in request.args for v in request.args.getlist(k)]
        if template.startswith("query"):  # ?sql= on a database, or a canned query
            name = request.url_vars.get("table")

            def url(format):
                return (
                    datasette.urls.query(database, name, format) if name else datasette.urls.database(database, format)
                )

            # JSON is the one renderer Datasette shows on these pages (its other, blob, draws a cell).
            return {
                "renderers": {"json": with_parameters(url("json"), pairs)},
                "url_csv": with_parameters(url("csv"), pairs, [("_size", "max")]),
            }
        if view_name != "table" or not table:
            return {}
        db = datasette.get_database(database)
        labels = bool(await db.foreign_keys_for_table(table))
        path = datasette.urls.table(database, table)
        json_url = datasette.urls.table(database, table, format="json")
        # A page shows no shape, and Datasette's "Advanced export" appends each shape to this
        # link: kept, figures?_shape=array linked its object shape as ?_shape=array&...&_shape=object,
        # a 400 "_shape is given 2 times", and its "default" as the array.
        shapeless = [(k, v) for k, v in pairs if k not in SHAPE_PARAMETERS]
        return {
            "renderers": {"json": with_parameters(json_url, shapeless, [("_labels", "on")] if labels else [])},
            "url_csv": every_row_csv_path(path, pairs, labels),
            # The form has its own _labels box; its "stream all rows" box adds a _stream=on that
            # changes nothing.
            "url_csv_hidden_args": every_row_csv_fields(pairs),
        }

    return inner
