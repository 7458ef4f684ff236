"""Keyset paging that walks every row exactly once, for every sort a table offers.

Datasette 0.65 orders the first page of a sorted table by the sort column alone and adds the
primary-key tie-breaker only from the second page on (``_next`` present), so rows that tie at
the first page boundary are skipped or repeated. This plugin rewrites a sorted table request
that has no ``_next`` into Datasette's own form for "from the very start" (a ``_next`` before
every row), so the first page is ordered exactly like the later ones: sort column, then key.

Datasette joins each ``_where`` to the other conditions with AND as written, so a ``_where``
with OR (``a or b``) swallowed the next page's condition: every page was the first one, and a
streamed CSV repeated it until the size limit. Each ``_where`` is put in parentheses.

A ``_col`` that names the table's key is dropped, since Datasette writes the key first anyway:
``_col=figure_id`` answered the key twice.

It also answers the sort parameters that made Datasette fail with a 500 with a 400: an unknown
column, ``_sort`` and ``_sort_desc`` together; and a second ``_sort`` (or ``_sort_desc``) with
another column, which Datasette ignored. Hiding the column a table is sorted by
(``_nocol``, or a ``_col`` list without it) keeps that column, since the next page's link is
made from it.

A table's CSV of one page (``_size`` or ``_next``) is paged like the JSON. A CSV of every row
that is sorted by the client is streamed by plugins/downloads.py as a series of such pages.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path
from urllib.parse import parse_qsl, urlencode

from datasette import hookimpl
from datasette.utils import tilde_decode, tilde_encode

# plugins/ is no package: what its plugins share is plugins/_responses.py, found on the path.
if str(Path(__file__).parent) not in sys.path:
    sys.path.append(str(Path(__file__).parent))
from _responses import send_message

TABLE_PATH = re.compile(r"^/(?P<database>[^/]+)/(?P<table>[^/]+?)(?:\.(?P<format>json|csv))?$")
# Before every value of a numeric or rowid key: SQLite applies the column's numeric affinity
# to this text, so it compares as the smallest 64-bit integer.
SMALLEST_NUMBER = "-9223372036854775808"
# After every text, number and NULL a column can hold: text sorts after numbers, and no real
# text begins with the last code point.
LARGEST_TEXT = "\U0010ffff"
NUMERIC_TYPES = ("INT", "REAL", "FLOA", "DOUB", "NUM", "DEC")


def wants_every_row(params: list[tuple[str, str]]) -> bool:
    """Whether a table CSV asks for every row (plugins/downloads.py streams it) rather than one page."""
    given = dict(reversed(params))
    if given.get("_stream") not in (None, "", "0", "off"):
        return True
    return "_size" not in given and "_next" not in given


def is_numeric(declared_type: str | None) -> bool:
    """Whether a declared column type has numeric affinity (SQLite's rules, section 3.1)."""
    declared = (declared_type or "").upper()
    if "CHAR" in declared or "CLOB" in declared or "TEXT" in declared:
        return False
    return any(name in declared for name in NUMERIC_TYPES)


def is_form_redirect(params: list[tuple[str, str]]) -> bool:
    """Whether Datasette answers these parameters with a redirect, not rows: its table form's fields
    (``_filter_column_1``, the ``_sort_by_desc`` checkbox), which it rewrites into filters and
    ``_sort_desc``, keeping the other parameters. A start token added here was kept in the address
    redirected to: "Apply" with "descending" went to ``_sort_desc=value&_next=$null,``, a cursor
    past the first rows (the ascending token, as ``_sort_by_desc`` is no ``_sort_desc``)."""
    return any(name == "_sort_by_desc" or name.startswith("_filter_column") for name, _ in params)


def start_token(descending: bool, key_types: list[str | None]) -> str:
    """A ``_next`` token that selects every row, in Datasette 0.65's "sort value,key..." form.

    Ascending, NULLs come first, so the token is "$null" and a key below every key. Descending,
    NULLs come last, so the token is a value above every value.
    """
    keys = [SMALLEST_NUMBER if is_numeric(t) else "" for t in key_types]
    prefix = tilde_encode(LARGEST_TEXT) if descending else "$null"
    return ",".join([prefix, *(tilde_encode(k) for k in keys)])


def is_parenthesized(sql: str) -> bool:
    """Whether ``sql`` is one parenthesized expression: its first "(" closes at its end (quotes skipped)."""
    text = sql.strip()
    if not (text.startswith("(") and text.endswith(")")):
        return False
    depth, quote = 0, None
    for i, char in enumerate(text):
        if quote:
            if char == quote:
                quote = None
        elif char in "'\"`[":
            quote = "]" if char == "[" else char
        elif char == "(":
            depth += 1
        elif char == ")":
            depth -= 1
            if depth == 0 and i != len(text) - 1:
                return False
    return depth == 0


def parenthesized(sql: str) -> str:
    return sql if is_parenthesized(sql) else f"({sql})"


# (database, table) -> (kind, columns) of an immutable database, whose schema cannot change.
_shapes: dict[tuple[str, str], tuple[str | None, list[dict]]] = {}


async def table_shape(db, table: str) -> tuple[str | None, list[dict]]:
    """("table" or "view" or None, [{name, type, pk}, ...]) in one query, cached when immutable."""
    key = (db.name, table)
    if key in _shapes:
        return _shapes[key]
    # unique: the column alone has a UNIQUE index (or is the only key) and NOT NULL, so it has no ties.
    result = await db.execute(
        """SELECT m.type, p.name, p.type AS declared, p.pk, p."notnull" AS not_null,
                  EXISTS (SELECT 1 FROM pragma_index_list(m.name) l WHERE l."unique"
                          AND (SELECT count(*) FROM pragma_index_info(l.name)) = 1
                          AND (SELECT i.name FROM pragma_index_info(l.name) i) = p.name) AS indexed
           FROM sqlite_master m LEFT JOIN pragma_table_info(m.name) p
           WHERE m.name = ? AND m.type IN ('table', 'view') ORDER BY p.cid""",
        [table],
    )
    found = list(result.rows)
    keys = [r for r in found if r["pk"]]
    shape = (
        (
            found[0]["type"],
            [
                {
                    "name": r["name"],
                    "type": r["declared"],
                    "pk": r["pk"],
                    "unique": bool(r["not_null"] and (r["indexed"] or (r["pk"] and len(keys) == 1))),
                }
                for r in found
                if r["name"]
            ],
        )
        if found
        else (None, [])
    )
    # Only tables and views that exist are kept: a name a client made up is not, so the memo stays
    # as small as the schema however many addresses of unknown tables arrive.
    if found and not db.is_mutable:
        _shapes[key] = shape
    return shape


async def _send_error(send, path: str, status: int, message: str):
    await send_message(send, status, message, as_json=path.endswith(".json"))


async def plan(datasette, path: str, query_string: str) -> dict | None:
    """What to change in a table request: {"params"} or {"error"}, or None to leave it."""
    match = TABLE_PATH.match(path)
    if not match or match["database"] not in datasette.databases:
        return None
    database = match["database"]
    db = datasette.databases[database]
    table = tilde_decode(match["table"])
    kind, info = await table_shape(db, table)
    if kind is None:
        return None
    is_view = kind == "view"
    params = parse_qsl(query_string, keep_blank_values=True)
    wheres = [(k, parenthesized(v) if k == "_where" else v) for k, v in params]
    wrapped = wheres != params
    params = wheres
    # Datasette answers _col with the table's key first, then each _col: _col=figure_id wrote the
    # key twice (a CSV headed "figure_id,figure_id,value", JSON columns and rows likewise). A key
    # named in _col is left to Datasette; asked for the key alone, the other columns are left out.
    key_names = [c["name"] for c in info if c["pk"]]
    keys_alone = False
    if not is_view and any(k == "_col" and v in key_names for k, v in params):
        params = [(k, v) for k, v in params if not (k == "_col" and v in key_names)]
        keys_alone = not any(k == "_col" for k, _ in params)
        wrapped = True
    given = dict(reversed(params))  # the first value of each name, as Datasette reads it
    sort, sort_desc = given.get("_sort"), given.get("_sort_desc")
    if sort and sort_desc:
        return {"error": "Use _sort or _sort_desc, not both"}
    for name in ("_sort", "_sort_desc"):
        # Datasette sorted by the first and ignored the others without a word.
        asked = list(dict.fromkeys(v for k, v in params if k == name))
        if len(asked) > 1:
            shown = ", ".join(repr(v) if len(v) <= 60 else repr(v[:60] + "…") for v in asked)
            return {
                "error": f"{name} is given {len(asked)} times ({shown}): a table is sorted by one column, "
                "and rows that tie on it by the table's key"
            }
    columns = {c["name"]: c for c in info}
    keys = [c for c in sorted(info, key=lambda c: c["pk"]) if c["pk"]]
    metadata = datasette.table_metadata(database, table) or {}
    sortable = set(metadata.get("sortable_columns") or columns)
    if not keys and not is_view:
        sortable.add("rowid")
    for name, value in (("_sort", sort), ("_sort_desc", sort_desc)):
        if value and value not in sortable:
            # Named, in the table's order, as a refused filter names the values there are.
            named = [c for c in [*columns, "rowid"] if c in sortable]
            return {
                "error": f"{name}={value}: {table} cannot be sorted by that column; "
                f"it can be sorted by {', '.join(named)}"
            }
    if not sort and not sort_desc:
        sort, sort_desc = metadata.get("sort"), metadata.get("sort_desc")
    column = sort or sort_desc
    if keys_alone:
        # The key alone (and the sort column, below): without a _col Datasette would send them all.
        if column and column not in key_names and column != "rowid":
            params.append(("_col", column))
        else:
            hidden = {v for k, v in params if k == "_nocol"}
            params += [("_nocol", c["name"]) for c in info if not c["pk"] and c["name"] not in hidden]
    if not column or is_view:
        return {"params": params} if wrapped else None

    changed = wrapped
    # The next page's link is made from the sort column's value: keep it in the answer.
    if any(k == "_nocol" and v == column for k, v in params):
        params = [(k, v) for k, v in params if not (k == "_nocol" and v == column)]
        changed = True
    cols = [v for k, v in params if k == "_col"]
    if cols and column not in cols and column != "rowid" and column not in key_names:
        params.append(("_col", column))
        changed = True

    if match["format"] == "csv" and wants_every_row(params):
        pass  # plugins/downloads.py streams it page by page, each page a request paged here
    elif "_next" not in given and not (columns.get(column) or {}).get("unique") and not is_form_redirect(params):
        # A column without ties orders the first page like the later ones already.
        key_types = [c["type"] for c in keys] if keys else ["INTEGER"]
        params.append(("_next", start_token(bool(sort_desc), key_types)))
        changed = True
    if not changed:
        return None
    return {"params": params}


@hookimpl
def asgi_wrapper(datasette):
    def wrap(app):
        async def paging(scope, receive, send):
            if scope["type"] != "http" or scope.get("method") not in ("GET", "HEAD"):
                return await app(scope, receive, send)
            path = scope.get("path", "")
            changes = await plan(datasette, path, scope.get("query_string", b"").decode("latin-1"))
            if changes is None:
                return await app(scope, receive, send)
            if "error" in changes:
                return await _send_error(send, path, 400, changes["error"])
            # The client's own query stays beside it, for what answers in its terms (page_size.py).
            original = scope.get("original_query_string", scope.get("query_string", b""))
            scope = dict(
                scope, query_string=urlencode(changes["params"]).encode("latin-1"), original_query_string=original
            )
            return await app(scope, receive, send)

        return paging

    return wrap
