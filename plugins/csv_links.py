"""The "CSV" link of a table page downloads every row that matches the page's filters.

Datasette 0.65 links ``table.csv?_size=max``: one page of at most 5,000 rows, now that a CSV
with ``_size`` is that page (plugins/downloads.py). The link is ``_stream=on`` instead, with
``_labels=on`` when the table has foreign keys (as Datasette's own link), and without the page's
``_size`` and ``_next``, which would make it one page again.
"""

from __future__ import annotations

from urllib.parse import urlencode

from datasette import hookimpl

PAGE_PARAMETERS = ("_size", "_next", "_stream", "_labels")


def every_row_csv_path(path: str, pairs: list[tuple[str, str]], labels: bool) -> str:
    """``path`` as ``.csv`` with the request's other parameters, then ``_stream=on`` (and ``_labels=on``)."""
    kept = [(k, v) for k, v in pairs if k not in PAGE_PARAMETERS]
    kept += [("_stream", "on")] + ([("_labels", "on")] if labels else [])
    return path + ".csv?" + urlencode(kept)


@hookimpl
def extra_template_vars(view_name, request, database, table, datasette):
    if view_name != "table" or request is None or not table:
        return None

    async def inner():
        db = datasette.get_database(database)
        labels = bool(await db.foreign_keys_for_table(table))
        pairs = [(k, v) for k in request.args for v in request.args.getlist(k)]
        path = datasette.urls.table(database, table)
        return {"url_csv": every_row_csv_path(path, pairs, labels)}

    return inner
