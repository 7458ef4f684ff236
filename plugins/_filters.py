"""Which filters of a table's query string Datasette can read: a column the table has, an
operator Datasette knows, and for an operator that takes no value (``__isnull``) the value 1.

Not a plugin (no hooks): imported as ``_filters`` with plugins/ on the import path, as
``_responses`` is. plugins/errors.py refuses a filter these say is unreadable, and
plugins/parameters.py leaves such a filter out of the form it answers a refused table page with,
which Datasette could not render with it.
"""

from __future__ import annotations

from datasette.filters import Filters

OPERATORS = {f.key for f in Filters._filters}
# Operators that take no value (``column__isnull=1``), each with its opposite: Datasette applies
# them whatever the value says, so value__isnull=0 selected the empty values it seemed to exclude.
OPPOSITES = {"isnull": "notnull", "notnull": "isnull", "isblank": "notblank", "notblank": "isblank"}
assert set(OPPOSITES) == {f.key for f in Filters._filters if getattr(f, "no_argument", False)}


def filter_problem(key: str, columns: set[str]) -> str | None:
    """Why a filter argument names no column or no operator of the table, or None. ``columns``:
    the names a filter may compare (the table's columns and rowid)."""
    column, operator = key.rsplit("__", 1) if "__" in key else (key, "exact")
    if column not in columns:
        listed = ", ".join(sorted(columns - {"rowid"}))
        return f"{key}: the table has no column {column!r}; its columns are: {listed}"
    if operator not in OPERATORS:
        return f"{key}: unknown filter operator {operator!r}; use one of {', '.join(sorted(OPERATORS))}"
    return None


def flag_problem(key: str, values: list[str]) -> str | None:
    """Why the values of an operator that takes none (``__isnull``) are not "1", or None."""
    column, _, operator = key.rpartition("__")
    if operator not in OPPOSITES or all(value == "1" for value in values):
        return None
    wrong = next(value for value in values if value != "1")
    return (
        f"{key}={wrong}: {operator} takes the value 1 and selects the rows it names whatever the value; "
        f"for the others use {column}__{OPPOSITES[operator]}=1"
    )
