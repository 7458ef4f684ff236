"""Search that accepts any text a person types, and links each result to its page.

``fts_query(text)`` turns what a reader typed into an FTS5 query that cannot be a syntax error:
each whitespace-separated word becomes a quoted string (FTS5's own escaping: a double quote is
doubled), and the words are joined, so all must match. ``U.S.``, ``Côte d'Ivoire`` and
``e-mail`` are searched for as words, never parsed as operators. The search_everything query
(metadata.yml) matches against it, and its ``page`` column, a path on this site, renders as a link.
"""

from __future__ import annotations

import markupsafe
from datasette import hookimpl

# An FTS5 query that matches no row: the empty phrase. Used for empty input.
NOTHING = '""'


def fts_query(text) -> str:
    """An FTS5 MATCH expression for ``text`` (any string, or None): every word quoted, all required."""
    words = str(text or "").split()
    if not words:
        return NOTHING
    return " ".join('"' + word.replace('"', '""') + '"' for word in words)


@hookimpl
def prepare_connection(conn):
    conn.create_function("fts_query", 1, fts_query, deterministic=True)


@hookimpl
def render_cell(value, column, table, datasette):
    if table is None and column == "page" and isinstance(value, str) and value.startswith("/"):
        return markupsafe.Markup('<a href="{0}">{1}</a>').format(datasette.urls.path(value.lstrip("/")), value)
    return None
