"""A table page's cells, made and written without a template expression or a hook call per cell.

A page of the figures table is 100 rows of 26 columns: 2,600 cells. Datasette 0.65 makes each
one in ``display_columns_and_rows`` (a pluggy call of ``render_cell`` per cell, through its
machinery of lists and argument checks), then writes it in ``_table.html``, where every cell is
three expressions of an async Jinja template (an awaitable check and an escape each). That was
two thirds of the CPU time of the page. Here:

- ``display_columns_and_rows`` is replaced by :func:`display_columns_and_rows`, which makes the
  same columns and the same cells (a test compares them with Datasette's on every table of the
  site), calling each ``render_cell`` implementation directly, in pluggy's order and with
  pluggy's arguments, and awaiting the candidates as Datasette does: the first that is not None
  wins. A ``render_cell`` hook wrapper, which only pluggy can run, sends every cell through
  pluggy as before;
- ``templates/_table.html`` writes the cells of a row with the ``cells_html`` filter
  (:func:`cells_html`): the same ``<td class="col-… type-…">`` elements, escaped as the template
  escapes them.

A row page's foreign keys are labelled and linked as a table page's are. Datasette 0.65's row view
shows each value bare: a corroboration's source_id was a code that led nowhere, where the
corroborations table links it to the source, by its title. Its ``display_columns_and_rows`` is
given the row with each foreign key's value as the table view hands it over, ``{"value": ...,
"label": ...}`` (the label from the other table's label_column, metadata.yml's or Datasette's
guess, else the value), so the cell is the same link. The row's JSON keeps the value.
"""

from __future__ import annotations

import re

import markupsafe
from datasette import hookimpl
from datasette.plugins import pm
from datasette.utils import (
    CustomRow,
    await_me_maybe,
    format_bytes,
    is_url,
    path_from_row_pks,
    tilde_encode,
    to_css_class,
    truncate_url,
)
from datasette.views import row as row_view
from datasette.views import table as table_view
from datasette.views.base import ureg

LINK_WITH_LABEL = '<a href="{base_url}{database}/{table}/{link_id}">{label}</a>&nbsp;<em>{id}</em>'
LINK_WITH_VALUE = '<a href="{base_url}{database}/{table}/{link_id}">{id}</a>'


def cell_renderers():
    """[(function, argument names)] of the ``render_cell`` implementations in the order pluggy
    calls them, or None when one is a hook wrapper (then pluggy itself must call them)."""
    renderers = []
    for impl in reversed(pm.hook.render_cell.get_hookimpls()):
        if impl.hookwrapper or impl.wrapper or impl.kwargnames:
            return None
        renderers.append((impl.function, impl.argnames))
    return renderers


def candidates(renderers, arguments: dict) -> list:
    """What the ``render_cell`` implementations return for one cell, None left out (pluggy's list)."""
    if renderers is None:
        return pm.hook.render_cell(**arguments)
    found = []
    for function, names in renderers:
        result = function(*[arguments[name] for name in names])
        if result is not None:
            found.append(result)
    return found


async def display_columns_and_rows(
    datasette,
    database_name,
    table_name,
    description,
    rows,
    link_column=False,
    truncate_cells=0,
    sortable_columns=None,
):
    """([column dict], [Row of cell dicts]) for a table page: Datasette 0.65's function of the
    same name and signature (datasette/views/table.py), with its answers."""
    sortable_columns = sortable_columns or set()
    db = datasette.databases[database_name]
    table_metadata = datasette.table_metadata(database_name, table_name)
    descriptions = table_metadata.get("columns") or {}
    units = table_metadata.get("units", {})
    details = {column.name: column for column in await db.table_column_details(table_name)}
    pks = await db.primary_keys(table_name)
    shown_keys = pks or ["rowid"]

    columns = []
    for name, *_ in description:
        if name == "rowid" and "rowid" not in details:
            column_type, notnull = "integer", 0
        else:
            column_type, notnull = details[name].type, details[name].notnull
        columns.append(
            {
                "name": name,
                "sortable": name in sortable_columns,
                "is_pk": name in shown_keys,
                "type": column_type,
                "notnull": notnull,
                "description": descriptions.get(name),
            }
        )
    foreign_tables = {fk["column"]: fk["other_table"] for fk in await db.foreign_keys_for_table(table_name)}

    renderers = cell_renderers()
    base_url = datasette.setting("base_url")
    table_path = datasette.urls.table(database_name, table_name)
    names = [column["name"] for column in columns]
    single_key = pks[0] if link_column and len(pks) == 1 else None
    arguments = {"table": table_name, "database": database_name, "datasette": datasette}
    cell_rows = []
    for row in rows:
        cells = []
        if link_column:
            pk_path = path_from_row_pks(row, pks, not pks, False)
            cells.append(
                {
                    "column": pks[0] if len(pks) == 1 else "Link",
                    "value_type": "pk",
                    "is_special_link_column": len(pks) != 1,
                    "raw": pk_path,
                    "value": markupsafe.Markup(
                        f'<a href="{table_path}/{path_from_row_pks(row, pks, not pks)}">'
                        f"{markupsafe.escape(pk_path)}</a>"
                    ),
                }
            )
        arguments["row"] = row
        for value, column in zip(row, names, strict=False):
            if column == single_key:
                continue  # already the link column
            arguments["value"], arguments["column"] = value, column
            shown = None
            for candidate in candidates(renderers, arguments):
                candidate = await await_me_maybe(candidate)
                if candidate is not None:
                    shown = candidate
                    break
            if shown:
                pass
            elif isinstance(value, bytes):
                size = format_bytes(len(value))
                shown = markupsafe.Markup(
                    '<a class="blob-download" href="{}"{}>&lt;Binary:&nbsp;{:,}&nbsp;byte{}&gt;</a>'.format(
                        datasette.urls.row_blob(
                            database_name, table_name, path_from_row_pks(row, pks, not pks), column
                        ),
                        f' title="{size}"' if "bytes" not in size else "",
                        len(value),
                        "" if len(value) == 1 else "s",
                    )
                )
            elif isinstance(value, dict):  # a foreign key Datasette has labelled
                label, value = value["label"], value["value"]
                template = LINK_WITH_LABEL if label != value else LINK_WITH_VALUE
                shown = markupsafe.Markup(
                    template.format(
                        database=database_name,
                        base_url=base_url,
                        table=remembered(_tilde_encoded, tilde_encode, foreign_tables[column]),
                        link_id=remembered(_tilde_encoded, tilde_encode, str(value)),
                        id=str(markupsafe.escape(value)),
                        label=str(markupsafe.escape(label)) or "-",
                    )
                )
            elif value in ("", None):
                shown = markupsafe.Markup("&nbsp;")
            elif is_url(str(value).strip()):
                url = value.strip()
                shown = markupsafe.Markup(
                    f'<a href="{markupsafe.escape(url)}">{markupsafe.escape(truncate_url(url, truncate_cells))}</a>'
                )
            elif column in units and value != "":
                value = value * ureg(units[column])
                value = round(value.to_compact(), 6)
                shown = markupsafe.Markup(f"{value:~P}".replace(" ", "&nbsp;"))
            else:
                shown = str(value)
                if truncate_cells and len(shown) > truncate_cells:
                    shown = shown[:truncate_cells] + "\u2026"
            cells.append(
                {
                    "column": column,
                    "value": shown,
                    "raw": value,
                    "value_type": "none" if value is None else type(value).__name__,
                }
            )
        cell_rows.append(table_view.Row(cells))

    if link_column:
        if len(pks) == 1:
            columns = [column for column in columns if column["name"] != pks[0]]
            first = {
                "name": pks[0],
                "sortable": True,
                "is_pk": True,
                "type": details[pks[0]].type,
                "notnull": details[pks[0]].notnull,
            }
        else:
            first = {"name": "Link", "sortable": False, "is_pk": False, "type": "", "notnull": 0}
        columns = [first, *columns]
    return columns, cell_rows


# Bounded memos of pure functions of a name or a value (column names, keys shown in links).
MEMO_ENTRIES = 10_000
_css_classes: dict[str, str] = {}
_tilde_encoded: dict[str, str] = {}
_SPECIAL = re.compile("[&<>'\"]")


def remembered(memo: dict, function, value: str) -> str:
    found = memo.get(value)
    if found is None:
        found = function(value)
        if len(memo) < MEMO_ENTRIES:
            memo[value] = found
    return found


def escaped(value) -> str:
    """``markupsafe.escape(value)`` as a str (what Jinja's autoescape writes), without making a
    Markup object: markupsafe's own replacements, in its order."""
    if hasattr(value, "__html__"):
        return value.__html__()
    text = str(value)
    if not _SPECIAL.search(text):
        return text
    return (
        text.replace("&", "&amp;").replace(">", "&gt;").replace("<", "&lt;").replace("'", "&#39;").replace('"', "&#34;")
    )


def cells_html(row) -> markupsafe.Markup:
    """The ``<td>`` elements of one displayed row, as ``_table.html`` writes each cell:
    ``<td class="col-{column|to_css_class} type-{value_type}">{value}</td>``, autoescaped."""
    return markupsafe.Markup(
        "".join(
            f'<td class="col-{escaped(remembered(_css_classes, to_css_class, cell["column"]))} '
            f'type-{escaped(cell["value_type"])}">{escaped(cell["value"])}</td>'
            for cell in row
        )
    )


@hookimpl
def prepare_jinja2_environment(env):
    env.filters["cells_html"] = cells_html


# Datasette's table view calls the module's function by name: swap it for the one above.
table_view.datasette_display_columns_and_rows = getattr(
    table_view, "datasette_display_columns_and_rows", table_view.display_columns_and_rows
)
table_view.display_columns_and_rows = display_columns_and_rows


async def labelled_rows(datasette, database_name: str, table_name: str, description, rows) -> list:
    """``rows`` with each foreign key's value as the table view labels it: ``{"value": value,
    "label": label}`` (one query per foreign key of the table, as Datasette's table view makes)."""
    columns = [name for name, *_ in description]
    db = datasette.databases[database_name]
    labels = {}
    for fk in await db.foreign_keys_for_table(table_name):
        if fk["column"] in columns:
            index = columns.index(fk["column"])
            values = [row[index] for row in rows if row[index] is not None]
            if values:
                labels.update(await datasette.expand_foreign_keys(database_name, table_name, fk["column"], values))
    if not labels:
        return rows
    labelled = []
    for row in rows:
        new_row = CustomRow(columns)
        for column, value in zip(columns, row, strict=True):
            known = (column, value) in labels and value is not None
            new_row[column] = {"value": value, "label": labels[(column, value)]} if known else value
        labelled.append(new_row)
    return labelled


async def row_display_columns_and_rows(
    datasette, database_name, table_name, description, rows, link_column=False, truncate_cells=0
):
    """The row view's cells: those of :func:`display_columns_and_rows`, foreign keys labelled."""
    rows = await labelled_rows(datasette, database_name, table_name, description, rows)
    return await display_columns_and_rows(
        datasette, database_name, table_name, description, rows, link_column, truncate_cells
    )


# Datasette's row view imported the function by name: its module's name is swapped too.
row_view.display_columns_and_rows = row_display_columns_and_rows
