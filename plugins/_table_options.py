"""Datasette's options for a table's rows, which only a table (or a query) applies.

Not a plugin (no hooks): imported as ``_table_options`` with plugins/ on the import path, as
``_responses`` is. A page's JSON (plugins/explore.py), /downloads.json (plugins/strict_paths.py)
and a row's .json, .csv or page (plugins/parameters.py) apply none of them, and Datasette ignored each
there without a word (``/compare.json?_labels=on``, ``figures/<id>.json?_col=value``, 200, as if
applied); each is a 400.

And a parameter with no name (``?=x``), which every check that refuses a parameter no answer
reads refuses with ``nameless_problem``'s message; and a ``_shape`` Datasette has not, which a
table's, a query's and a row's answers refuse with ``shape_problem``'s.
"""

from __future__ import annotations

# _shape, _ttl, _json, _nl, _extras and the CSV's _dl and _header are a format's or a response's,
# not the rows': the pages refuse _shape themselves and apply _ttl, a row applies them all.
ROW_OPTIONS = (
    "_labels", "_label", "_size", "_col", "_nocol", "_sort", "_sort_desc", "_sort_by_desc", "_facet",
    "_facet_array", "_facet_date", "_facet_size", "_nofacet", "_nosuggest", "_nocount", "_search",
    "_searchmode", "_next", "_where", "_through", "_fts_table", "_fts_pk",
)  # fmt: skip
# A JSON that is one object, a page's (plugins/explore.py) or /downloads.json, applies none of
# them, nor those of a table's or a query's response other than _shape (which each refuses with
# its own message) and _ttl (plugins/data_headers.py applies it). Any other "_" name stays unread,
# as on a table.
PAGE_OPTIONS = (
    *ROW_OPTIONS, "_json", "_json_infinity", "_timelimit", "_stream", "_dl", "_header", "_nl", "_extra", "_extras",
)  # fmt: skip
# Datasette's on/off options among them, and the values that ask for nothing: value_as_boolean's
# off (so _labels=off or _labels= is no 400, as on a query).
ON_OFF_OPTIONS = ("_labels", "_json_infinity", "_nocount", "_nofacet", "_nosuggest", "_stream", "_dl", "_header", "_nl")
OFF = ("off", "false", "0")
# The shapes Datasette 0.65 answers rows in.
SHAPES = ("arrays", "objects", "array", "arrayfirst", "object")


def nameless_problem(pairs, reads: str) -> str | None:
    """Why one of a request's ``pairs`` has no name (``?=x``, or spaces alone), or None. ``reads``:
    what the answer reads instead. Each check that refuses a parameter no answer reads begins its
    message with the parameter's name ("size: /country has no parameter 'size'"): of one with no
    name, it began ": the table has no column ''"."""
    for key, value in pairs:
        if not key.strip():
            return f"A parameter has no name ({key + '=' + value!r} in the query string); {reads}"
    return None


def unapplied_option(pairs, options=ROW_OPTIONS) -> tuple[str, str] | None:
    """The first (name, value) of a request's ``pairs`` that gives one of ``options`` (or a
    ``_search_<column>``), or None. One given blank, or an on/off option given as off, asks for
    nothing."""
    for key, value in pairs:
        if key not in options and not key.startswith("_search_"):
            continue
        if value == "" or (key in ON_OFF_OPTIONS and value.lower() in OFF):
            continue
        return key, value
    return None


def shape_problem(value: str) -> str | None:
    """Why ``value`` is no ``_shape`` Datasette has (SHAPES), or None: the 400 of a table's, a query's
    or a row's .json, and of their pages (plugins/parameters.py); a figure's page names it as not
    applied (plugins/pages.py), as its JSON, its row's, refuses it."""
    if value in SHAPES:
        return None
    return f"Invalid _shape: {value!r}; use one of {', '.join(SHAPES)}"
