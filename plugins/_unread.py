"""The parameters a page's HTML was given and does not read, which the page says it did not apply.

Not a plugin (no hooks): imported as ``_unread`` with plugins/ on the import path, as
``_responses`` is. The site's own pages (plugins/explore.py's, plugins/pages.py's home, /api,
/figure/<id> and /changes, and plugins/strict_paths.py's /downloads) share it, so that each says
the same of a parameter it ignores: ``/compare?country=DEU`` and ``/country/USA?foo=1`` alike,
whose JSON forms refuse it (a 400). A name starting with ``_`` is
an option of Datasette's (``_ttl``), applied or refused elsewhere, and is listed only where the
caller says the page's JSON refuses it (``/platforms?_sort=name``).
"""

from __future__ import annotations

import re
from urllib.parse import unquote_to_bytes

from datasette.utils import MultiParams

# A byte that is no UTF-8, as Python's surrogateescape decodes it.
UNDECODED_BYTE = re.compile("[\udc80-\udcff]")


def args_as_sent(query_string: str) -> MultiParams:
    """A query string's parameters (``request.query_string``, its bytes as Latin-1) as the client
    sent them: UTF-8 decoded, each byte that is none the %-escape it was sent as. ``request.args``
    reads ``foo=%FF`` as a replacement character, which a notice quoted as ``foo=\ufffd``, though
    the client never sent one, and its JSON's 400 says ``foo=%FF`` (plugins/echoes.py)."""
    pairs = []
    for pair in query_string.split("&"):
        if pair:
            pairs.append(tuple(as_sent(part) for part in (*pair.split("=", 1), "")[:2]))
    return MultiParams(pairs)


def as_sent(part: str) -> str:
    text = unquote_to_bytes(part.replace("+", " ").encode("latin-1")).decode("utf-8", "surrogateescape")
    return UNDECODED_BYTE.sub(lambda byte: f"%{ord(byte[0]) - 0xDC00:02X}", text)


def unread_parameters(
    args, taken: tuple[str, ...], own: tuple[str, ...] = (), form: bool = False, refused=lambda key, value: False
) -> dict:
    """{"given": [(name, value)], "names", "taken", "form"} of the parameters in ``args`` that are
    neither ``taken`` (what the page reads) nor ``own`` (what it says of in a notice of its own),
    or {} when there are none. ``form``: the page has a form that sets what it takes. ``refused(key,
    value)``: whether an option of Datasette's is one the page's JSON refuses (``_sort``), which the
    page lists too."""
    given = [
        (key, value)
        for key in args
        if key not in taken and key not in own
        for value in args.getlist(key)
        if not key.startswith("_") or refused(key, value)
    ]
    if not given:
        return {}
    return {
        "given": given,
        "names": list(dict.fromkeys(key for key, _ in given)),
        "taken": list(taken),
        "form": form,
    }
