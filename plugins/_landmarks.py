"""The two tags of Datasette's base.html that every HTML page of the site has rewritten.

Not a plugin (no hooks): landmarks.py rewrites each HTML answer with it, and server_errors.py
the error page it writes outside every other wrapper, both importing it as ``_landmarks`` with
plugins/ on the import path, as they import ``_responses``. Why the rewrite: landmarks.py.
"""

from __future__ import annotations

# (what Datasette's base.html writes, what it becomes), each replaced once.
REWRITES = (
    (b"<!DOCTYPE html>\n<html>", b'<!DOCTYPE html>\n<html lang="en">'),
    (b'<section class="content">', b'<section class="content" role="main">'),
)


def with_landmarks(body: bytes) -> bytes:
    """``body`` with each of REWRITES made once, where found."""
    for old, new in REWRITES:
        body = body.replace(old, new, 1)
    return body
