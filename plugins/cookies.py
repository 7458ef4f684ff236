"""The site reads no cookie: a request's Cookie header is dropped before anything reads it, as
nginx drops it in production (deploy/nginx.conf.j2), so that ``make serve`` answers as
``make prod`` does.

Nothing on the site is personal: no sign-in (Datasette's ``ds_actor``), no form that posts (its
CSRF token), no messages. Datasette's CSRF layer, which runs before every plugin's view,
decoded the header as UTF-8: one byte that is not (``Cookie: pref=caf\\xe9``) answered every
path, ``/-/health.json`` included, with a plain-text 500. And a request that carried a cookie
was answered ``Cache-Control: private, no-store``, which no shared cache stores.
"""

from __future__ import annotations

from datasette import hookimpl


def without_cookies(headers: list[tuple[bytes, bytes]]) -> list[tuple[bytes, bytes]]:
    """``headers`` (an ASGI scope's) without any Cookie header."""
    return [(name, value) for name, value in headers if name.lower() != b"cookie"]


# Outside every wrapper that could read a cookie (plugins/layers.py).
@hookimpl
def asgi_wrapper(datasette):
    def wrap(app):
        async def cookieless(scope, receive, send):
            if scope["type"] == "http" and any(name.lower() == b"cookie" for name, _ in scope.get("headers", [])):
                scope = dict(scope, headers=without_cookies(scope["headers"]))
            return await app(scope, receive, send)

        return cookieless

    return wrap
