"""The order the site's ASGI wrappers nest in, written once, here.

Datasette applies the ``asgi_wrapper`` results in the order pluggy returns them, each around
the last, so the last is the outermost. Pluggy orders them by registration, and Datasette
registers ``--plugins-dir``'s files in the order ``glob`` lists them, which is the directory's
order on disk: on another filesystem, or after a file is renamed, the same plugins nested
differently, and ``trylast`` only split them into two groups each ordered that way. Here every
wrapper of plugins/ has its place by name, whatever order the files were found in.
"""

from __future__ import annotations

from pathlib import Path

from datasette import hookimpl

# plugins/ files with an asgi_wrapper, innermost first. Each line says what it must be outside of.
WRAPPER_ORDER = (
    "strict_paths.py",
    "page_size.py",
    "canonical.py",
    "budget.py",
    "paging.py",
    "search.py",
    "guards.py",
    "downloads.py",
    # Outside the wrappers that answer errors of their own (budget, paging, guards, downloads), so
    # that those take the API's error shape too.
    "errors.py",
    # Sees the request as the client sent it: outside downloads.py, which drops a table CSV's
    # _size and _next, and paging.py, which adds its own _next.
    "parameters.py",
    # The served file failing under any wrapper that reads the database (parameters.py the
    # outermost of them) is a 500 in the API's error shape, not an exception out of the app.
    "client_errors.py",
    # Drops the Cookie header before any wrapper inside it, or Datasette, reads one.
    "cookies.py",
    # No wrapper inside it parses a query string over the limits.
    "request_limits.py",
    # Outside the plugins that answer by themselves (downloads.py streams a sorted CSV with
    # headers of its own), so every data answer gets its Cache-Control and media type here.
    "data_headers.py",
    # The error pages errors.py writes are HTML answers too.
    "landmarks.py",
    # Nothing inside it reads a request in an HTTP version there is none of.
    "http_version.py",
    # Sees every Link header as it leaves: downloads.py adds one, parameters.py drops Datasette's.
    "link_headers.py",
    # Logs a request's failed SQL by the status it was answered with, which no wrapper inside it
    # changes any more (echoes.py only cuts messages).
    "sql_log.py",
    # Leaves the control characters a client sent out of every HTML page, whoever wrote it.
    "controls.py",
    # Cuts long echoes of the client's input out of every error message, whoever wrote it.
    "echoes.py",
    # Tags the answer every wrapper inside it has finished (its Cache-Control, type and Link
    # headers), and turns it into a 304 that no wrapper inside it sees.
    "etags.py",
    # An exception out of any wrapper (etags.py's too) is the site's error page or the API's 500,
    # not the server's plain "Internal Server Error": it is outside them all.
    "server_errors.py",
)


def wrapper_file(wrapper) -> str:
    """The name of the file that defines ``wrapper`` (a function, or a functools.partial of one)."""
    function = getattr(wrapper, "func", wrapper)
    return Path(function.__code__.co_filename).name


def in_order(wrappers: list) -> list:
    """``wrappers`` innermost first: any not from plugins/ (an installed plugin's) first, in the
    order given, then those of WRAPPER_ORDER in its order."""
    place = {name: index for index, name in enumerate(WRAPPER_ORDER)}
    return sorted(wrappers, key=lambda wrapper: place.get(wrapper_file(wrapper), -1))


@hookimpl(wrapper=True)
def asgi_wrapper(datasette):
    wrappers = yield
    return in_order(wrappers)
