"""The parameters a page's HTML was given and does not read, which the page says it did not apply.

Not a plugin (no hooks): imported as ``_unread`` with plugins/ on the import path, as
``_responses`` is. The site's own pages (plugins/explore.py's, and plugins/pages.py's home, /api,
/figure/<id> and /changes) share it, so that each says the same of a parameter it ignores: ``/compare?country=DEU``
and ``/country/USA?foo=1`` alike, whose JSON forms refuse it (a 400). A name starting with ``_`` is
an option of Datasette's (``_ttl``), applied or refused elsewhere, and is listed only where the
caller says the page's JSON refuses it (``/platforms?_sort=name``).
"""

from __future__ import annotations


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
