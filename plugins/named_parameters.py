"""Parameters that name a table or a column are checked against the schema before Datasette uses them.

Datasette 0.65 puts these names into its own SQL and code paths, and answered some with a 500:

- ``_through={"table": ..., "column": ..., "value": ...}``: the table must exist and have a
  foreign key to the table asked for (``{"table": "x", ...}`` was a 500 "Invalid _through"), and
  its column must exist (an unknown one was an SQL error);
- ``_facet``, ``_facet_array``, ``_facet_date``: a column of the table, or the JSON form
  ``{"column": ...}`` (``{"x": 1}`` was a 500, a KeyError on ``simple``);
- ``_facet_array``: a column whose values are JSON arrays (``_facet_array=quote`` was a 400 that
  said only "malformed JSON", and each one printed Datasette's SQL error with the whole query and
  a RuntimeWarning, "coroutine ... execute_suggested_facets was never awaited", on the server);
  so must a ``column__arraycontains`` or ``__arraynotcontains`` filter's column (on text it said
  "malformed JSON", on numbers it answered no rows);
- ``_facet_date``: a column that holds dates. SQLite's date() reads a number as a Julian day, so
  ``_facet_date=value`` counted the figures under days of 4713 BC ("-4713-11-25": 7,516), 200; on
  text with no date in it (``_facet_date=figure_id``) the facet was empty, 200, as if no row had a
  day. A column some of whose cells are no day (``sources.published_date``'s "2022-07") still
  counts the days it has. So must a ``column__date`` filter's column: on text with no date in it
  (``figure_id__date=2024-01-01``) it answered 200 with no rows, where the same column's date facet
  is a 400 (plugins/parameters.py refuses a number column, and a value that is no day, before this).

Each is a 400 whose message names the parameter and what it may be; errors.py gives a ``.json``
request the API's error shape and a page Datasette's error page. plugins/errors.py already
checks that ``_through`` is a JSON object with the three keys.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from datasette import hookimpl
from datasette.utils import escape_sqlite
from datasette.utils.asgi import BadRequest

# plugins/ is no package: what its plugins share is found on the path (plugins/parameters.py).
if str(Path(__file__).parent) not in sys.path:
    sys.path.append(str(Path(__file__).parent))
from _json_values import json_error_text

FACET_PARAMETERS = ("_facet", "_facet_array", "_facet_date")
ARRAY_OPERATORS = ("__arraycontains", "__arraynotcontains")
DATE_OPERATOR = "__date"

# (database, table) -> (columns, {table: its columns} of the tables with a foreign key to it),
# for immutable databases, whose schema cannot change.
_schemas: dict[tuple[str, str], tuple[set[str], dict[str, set[str]]]] = {}


def through_problem(value: str, table: str, referencing: dict[str, set[str]]) -> str | None:
    """Why a ``_through`` JSON value names no table with a foreign key to ``table``, or no column of it."""
    try:
        through = json.loads(value)
    except (ValueError, RecursionError):  # RecursionError: objects nested thousands deep
        return None  # errors.py's message: not the JSON object Datasette expects
    if not isinstance(through, dict) or not through.keys() >= {"table", "column", "value"}:
        # errors.py names the keys it lacks: here {"table": "figures"} was "figures has no column None".
        return None
    other, column = through.get("table"), through.get("column")
    allowed = ", ".join(sorted(referencing)) or "none"
    if not isinstance(other, str) or other not in referencing:
        return f"_through: table {other!r} has no foreign key to {table}; the tables that do are: {allowed}"
    if not isinstance(column, str) or column not in referencing[other]:
        return f"_through: {other} has no column {column!r}; its columns are: {', '.join(sorted(referencing[other]))}"
    if not isinstance(through.get("value"), (str, int, float)):
        return '_through: "value" must be a string or a number'
    if isinstance(through["value"], int) and not -(2**63) <= through["value"] < 2**63:
        # Bound as it is, it was a 500 "Python int too large to convert to SQLite INTEGER".
        return f'_through: "value" {through["value"]} is outside the whole numbers SQLite holds'
    return None


def facet_problem(name: str, value: str, columns: set[str]) -> str | None:
    """Why a facet parameter names no column of the table, or None."""
    if value.startswith("{"):
        try:
            config = json.loads(value)
        except (ValueError, RecursionError) as error:  # RecursionError: objects nested thousands deep
            told = json_error_text(error)
            return f'{name}: {value!r} is not JSON ({told}); write {name}=column or {name}={{"column": "column"}}'
        # Datasette reads "column", then "simple" (its own form for name-only facets).
        column = (config.get("column") or config.get("simple")) if isinstance(config, dict) else None
        if not isinstance(column, str):
            return f'{name}: the JSON form is {{"column": "column name"}}'
    else:
        column = value
    if column not in columns:
        return f"{name}={column}: the table has no such column; its columns are: {', '.join(sorted(columns))}"
    return None


def facet_column(value: str) -> str:
    """The column a facet parameter names (facet_problem has checked it)."""
    if value.startswith("{"):
        config = json.loads(value)
        return config.get("column") or config.get("simple")
    return value


# (database, table, column) -> whether every value that is not null is a JSON array, for
# immutable databases.
_array_columns: dict[tuple[str, str, str], bool] = {}


async def holds_arrays(db, table: str, column: str) -> bool:
    """Whether every non-null value of ``column`` is a JSON array: Datasette's array facet reads
    each value with json_each, which fails on the first that is not JSON ("malformed JSON", a
    logged SQL error and an unawaited coroutine's RuntimeWarning on the server)."""
    key = (db.name, table, column)
    if key in _array_columns:
        return _array_columns[key]
    # CASE, not AND: SQLite may evaluate json_type before json_valid, and json_type raises.
    t, c = escape_sqlite(table), escape_sqlite(column)
    result = await db.execute(
        f"SELECT 1 FROM {t} WHERE {c} IS NOT NULL AND NOT CASE WHEN json_valid({c}) THEN json_type({c}) = 'array' ELSE 0 END LIMIT 1"
    )
    found = not result.rows
    if not db.is_mutable:
        _array_columns[key] = found
    return found


# (database, table, column) -> what date() reads in the column: "numbers" (Julian days), "none"
# (no cell is a day) or "dates", for immutable databases.
_date_columns: dict[tuple[str, str, str], str] = {}


async def date_content(db, table: str, column: str) -> str:
    """What a date facet of ``column`` would count: "numbers" when it holds numbers, which date()
    reads as Julian days; "none" when date() reads no cell of it as a day; else "dates"."""
    key = (db.name, table, column)
    if key in _date_columns:
        return _date_columns[key]
    t, c = escape_sqlite(table), escape_sqlite(column)
    result = await db.execute(
        f"""SELECT EXISTS (SELECT 1 FROM {t} WHERE typeof({c}) IN ('integer', 'real')) AS numbers,
                  EXISTS (SELECT 1 FROM {t} WHERE typeof({c}) = 'text' AND date({c}) IS NOT NULL) AS dates"""
    )
    row = result.first()
    found = "numbers" if row["numbers"] else ("dates" if row["dates"] else "none")
    if not db.is_mutable:
        _date_columns[key] = found
    return found


def date_facet_problem(column: str, content: str) -> str | None:
    """Why a date facet of ``column`` (holding ``content``, as date_content reads it) would not count days, or None."""
    if content == "numbers":
        return (
            f"_facet_date={column}: {column} holds numbers, and a date facet reads a number as a Julian day "
            f"(2024 is a day in 4708 BC), not as a year or a date; _facet={column} counts its values"
        )
    if content == "none":
        return (
            f"_facet_date={column}: {column} holds no dates written YYYY-MM-DD, whose days a date facet "
            f"counts; _facet={column} counts its values"
        )
    return None


async def schema(db, table: str) -> tuple[set[str], dict[str, set[str]]]:
    key = (db.name, table)
    if key in _schemas:
        return _schemas[key]
    columns = set(await db.table_columns(table))
    result = await db.execute(
        """SELECT m.name AS referencing, c.name AS column_name FROM sqlite_master m
           JOIN pragma_foreign_key_list(m.name) f ON f."table" = ?
           JOIN pragma_table_info(m.name) c WHERE m.type = 'table'""",
        [table],
    )
    referencing: dict[str, set[str]] = {}
    for row in result.rows:
        referencing.setdefault(row["referencing"], set()).add(row["column_name"])
    found = (columns, referencing)
    if not db.is_mutable:
        _schemas[key] = found
    return found


def array_filters(args) -> list[tuple[str, str, str]]:
    """(parameter, column, value) of each ``column__arraycontains`` or ``__arraynotcontains`` filter."""
    return [
        (key, key.rsplit("__", 1)[0], value)
        for key in args
        if key.endswith(ARRAY_OPERATORS)
        for value in args.getlist(key)
    ]


def date_filters(args) -> list[tuple[str, str, str]]:
    """(parameter, column, value) of each ``column__date`` filter."""
    return [
        (key, key.removesuffix(DATE_OPERATOR), value)
        for key in args
        if key.endswith(DATE_OPERATOR)
        for value in args.getlist(key)
    ]


def date_filter_problem(parameter: str, column: str, value: str, content: str) -> str | None:
    """Why a ``column__date`` filter on ``column`` (holding ``content``, as date_content reads it)
    could match no row, or None. A number column is plugins/parameters.py's 400."""
    if content != "none":
        return None
    return (
        f"{parameter}={value}: {column} holds no dates written YYYY-MM-DD, whose day a date filter compares, "
        f"so nothing would match; {column}={value} compares its value"
    )


@hookimpl
def filters_from_request(request, database, table, datasette):
    names = ("_through", *FACET_PARAMETERS)
    if not any(name in request.args for name in names) and not (
        array_filters(request.args) or date_filters(request.args)
    ):
        return None

    async def inner():
        db = datasette.get_database(database)
        columns, referencing = await schema(db, table)
        for value in request.args.getlist("_through"):
            problem = through_problem(value, table, referencing)
            if problem:
                raise BadRequest(problem)
        for name in FACET_PARAMETERS:
            for value in request.args.getlist(name):
                problem = facet_problem(name, value, columns)
                if problem:
                    raise BadRequest(problem)
        for value in request.args.getlist("_facet_array"):
            column = facet_column(value)
            if not await holds_arrays(db, table, column):
                raise BadRequest(
                    f'_facet_array={column}: {column} does not hold JSON arrays (such as ["a", "b"]), whose items '
                    f"an array facet counts; _facet={column} counts its values"
                )
        for value in request.args.getlist("_facet_date"):
            column = facet_column(value)
            problem = date_facet_problem(column, await date_content(db, table, column))
            if problem:
                raise BadRequest(problem)
        for parameter, column, value in date_filters(request.args):
            # An unknown column is errors.py's 400.
            if column in columns:
                problem = date_filter_problem(parameter, column, value, await date_content(db, table, column))
                if problem:
                    raise BadRequest(problem)
        for parameter, column, value in array_filters(request.args):
            # An unknown column is errors.py's 400; a known one that holds no arrays answered
            # "malformed JSON" (text) or 200 with no rows (value__arraycontains=1: numbers).
            if column in columns and not await holds_arrays(db, table, column):
                raise BadRequest(
                    f'{parameter}: {column} does not hold JSON arrays (such as ["a", "b"]), whose items this '
                    f"filter tests; {column}__exact={value} tests its value"
                )
        return None

    return inner
