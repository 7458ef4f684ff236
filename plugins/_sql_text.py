"""What SQLite reads as code in a client's SQL, and the parameters it binds by position.

Not a plugin (no hooks): imported as ``_sql_text`` with plugins/ on the import path, as
``_responses`` is, by parameters.py (a ``?sql=`` query's .json and .csv) and sql_policy.py
(every ``sql=`` and ``_where``), so that both say the same.
"""

from __future__ import annotations

import re

# What SQLite reads as no code: comments, string literals and quoted names, where a : @ or $ is
# no parameter ('a:b', "x@y", [a$b], -- see :note).
NOT_CODE = re.compile(r"--[^\n]*|/\*.*?(?:\*/|$)|'(?:''|[^'])*'|\"(?:\"\"|[^\"])*\"|\[[^\]]*\]|`(?:``|[^`])*`", re.S)
# A parameter SQLite binds by position (? or ?2), outside strings and comments.
POSITIONAL_PARAMETER = re.compile(r"\?[0-9]*")


def positional_parameter_problem(sql: str, where_clause: str | None = None) -> str | None:
    """Why ``sql`` cannot run from an address, or None: it has a parameter with no name (``?``,
    ``?2``), which nothing in an address can fill, as every value an address gives has a name.
    SQLite's own "Binding 1 has no name, but you supplied a dictionary (which has only names)"
    said so in Python's terms. ``where_clause``: the ``_where`` that ``sql`` was written from, whose
    refusal names it and says to write the value itself; else ``sql`` is a ``sql=`` query's."""
    found = POSITIONAL_PARAMETER.search(NOT_CODE.sub(" ", sql))
    if found is None:
        return None
    if where_clause is not None:
        return (
            f"_where={where_clause}: its parameter {found.group(0)} has no name, and nothing in the address "
            "can fill it; write the value itself, such as value > 100"
        )
    return (
        f"sql: the query's parameter {found.group(0)} has no name, and a query's parameters are given by name "
        "in the address; write it :name and add name=... to the address"
    )
