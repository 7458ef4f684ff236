"""The site answers only for its own address, and redirects only within itself.

- Datasette 0.65 redirects ``/\\evil.example/`` to ``/\\evil.example``, which browsers follow to
  ``//evil.example``: a path with a backslash or a leading ``//`` is a 404 here, and any redirect
  whose ``Location`` is not a path on this site becomes a 404. The 404 of a path that starts with
  more than one slash (``//disclosures/figures``, ``/%2Fdisclosures/figures``) names the address
  with one, its query string kept, and its page links it (templates/error.html): a reader who
  typed or pasted the slash too many had only "Not found". Never a redirect to it: a redirect
  is what the refusal is there to prevent.
- A path's %-escaped letters, digits, ``-`` and ``_`` are those characters (RFC 3986 6.2.2.2):
  ``/country/U%53A`` is ``/country/USA``. Datasette routes on the path as sent (``raw_path``),
  so it answered 404 for them. ``%2E`` (a dot) and ``%7E`` (a tilde) stay escaped: in
  Datasette's addresses an escaped dot is part of a name (``~2E``), not the start of a format.
- Datasette builds absolute URLs (``next_url``, links in JSON) from the request's ``Host``
  header, and pages are cached for an hour: a Host other than the canonical one
  (``site_url`` in the plugin configuration, from datapackage.json's ``homepage``) or a loopback
  address is replaced by the canonical host before Datasette sees it, as is a Host that no URL
  can hold (``[::1``, ``127.0.0.1:x``), which Datasette's absolute URLs failed on.
"""

from __future__ import annotations

import re
from urllib.parse import quote, unquote, urlsplit

from datasette import hookimpl
from markupsafe import Markup, escape

PLUGIN = "platform-disclosures"
LOOPBACK_HOSTS = {"localhost", "127.0.0.1", "::1"}  # as urlsplit names them: IPv6 without brackets


def unsafe_path(path: str) -> bool:
    """True for a path a redirect could turn into another site's address."""
    return "\\" in path or path.startswith("//") or any(ord(ch) < 0x20 for ch in path)


def is_local_location(location: str) -> bool:
    """True when a Location header stays on this site: a path starting with one "/"."""
    return location.startswith("/") and not unsafe_path(location)


REDIRECTS = {301, 302, 303, 307, 308}
# A %-escape of an unreserved character other than "." and "~" (see the module).
ESCAPED_PLAIN = re.compile(rb"%(4[1-9A-Fa-f]|5[0-9Aa]|6[1-9A-Fa-f]|7[0-9Aa]|3[0-9]|2[Dd]|5[Ff])")


def unescaped_plain(raw_path: bytes) -> bytes:
    """``raw_path`` with its %-escaped letters, digits, "-" and "_" written plainly."""
    if b"%" not in raw_path:
        return raw_path
    return ESCAPED_PLAIN.sub(lambda m: bytes([int(m.group(1), 16)]), raw_path)


def host_name(host: str) -> str | None:
    """The host a Host header names, in lower case (an IPv6 address without its brackets), or None
    when it is not one a URL can hold: ``[::1`` passed as loopback and every absolute URL Datasette
    built from it (urlsplit, in a facet's toggle_url) raised "Invalid IPv6 URL", a 500."""
    try:
        parts = urlsplit("//" + host.strip())
        _ = parts.port  # reading a port that is not a whole number from 0 to 65535 raises too
    except ValueError:
        return None
    return parts.hostname or ""


def canonical_address(datasette) -> tuple[str, str] | None:
    """(scheme, host) of ``site_url``, or None when the site has none."""
    url = (datasette.plugin_config(PLUGIN) or {}).get("site_url")
    parts = urlsplit(url) if isinstance(url, str) else None
    return (parts.scheme, parts.netloc) if parts and parts.netloc else None


# The slashes a path starts with, each written plainly or as %2F.
LEADING_SLASHES = re.compile(r"^(?:/|%2[Ff])+")
# What a URL keeps as written: its delimiters and %-escapes. Any other byte (a space, a quote,
# a byte of UTF-8 sent unescaped) is %-escaped, so that the address is one a link can hold.
URL_SAFE = "/%?&=+:@!$'()*,;~-._"


def single_slash_address(scope) -> tuple[str, str] | None:
    """(the address as sent, the address with one slash) for a request whose path starts with more
    than one slash, each with the query string as sent and %-escaped where a URL must be; None for
    any other path, and where the address with one slash would itself be unsafe (``//\\host``)."""
    if not scope.get("path", "").startswith("//"):
        return None
    # httpx's in-process client puts the query string in raw_path too, as Datasette's Request reads it.
    raw = (scope.get("raw_path") or scope["path"].encode("utf-8")).partition(b"?")[0]
    query = scope.get("query_string", b"")
    sent = quote(raw + (b"?" + query if query else b""), safe=URL_SAFE)
    meant = LEADING_SLASHES.sub("/", sent)
    if unsafe_path(unquote(meant.partition("?")[0])):
        return None
    return sent, meant


def single_slash_message(sent: str) -> str:
    """What the 404 of ``sent`` (single_slash_address's) says before the address with one slash."""
    return f"Nothing is at {sent}, which starts with more than one slash: the address with one is "


async def not_found(send, message: str = "Not found"):
    body = f"{message}\n".encode()
    await send(
        {
            "type": "http.response.start",
            "status": 404,
            "headers": [(b"content-type", b"text/plain; charset=utf-8"), (b"content-length", str(len(body)).encode())],
        }
    )
    await send({"type": "http.response.body", "body": body})


@hookimpl
def asgi_wrapper(datasette):
    def wrap(app):
        async def canonical(scope, receive, send):
            if scope["type"] != "http":
                return await app(scope, receive, send)
            if unsafe_path(scope.get("path", "")):
                addresses = single_slash_address(scope)
                if addresses is None:
                    return await not_found(send)
                sent, meant = addresses
                return await not_found(send, single_slash_message(sent) + meant)
            raw_path = scope.get("raw_path")
            if raw_path and b"%" in raw_path:
                scope = {**scope, "raw_path": unescaped_plain(raw_path)}
            address = canonical_address(datasette)
            headers = scope.get("headers", [])
            host = host_name(next((v.decode("latin-1") for k, v in headers if k == b"host"), ""))
            if address and host not in LOOPBACK_HOSTS | {host_name(address[1])}:
                headers = [(k, v) for k, v in headers if k != b"host"] + [(b"host", address[1].encode("ascii"))]
                scope = {**scope, "headers": headers, "scheme": address[0]}
            elif host is None:
                # Without a canonical host, Datasette's own default ("localhost") stands in for it.
                scope = {**scope, "headers": [(k, v) for k, v in headers if k != b"host"]}
            redirected = False

            async def checked(message):
                nonlocal redirected
                # 304 Not Modified is a 3xx without a Location: only real redirects are checked.
                if message["type"] == "http.response.start" and message["status"] in REDIRECTS:
                    location = next(
                        (v.decode("latin-1") for k, v in message.get("headers", []) if k.lower() == b"location"), ""
                    )
                    if not is_local_location(location):
                        redirected = True
                        return await not_found(send)
                if redirected:
                    return None
                return await send(message)

            await app(scope, receive, checked)

        return canonical

    return wrap


@hookimpl
def extra_template_vars(template, request):
    """The error page of a path with more than one slash at its start: its message with the address
    with one slash as a link (templates/error.html), used only where the page says that message."""
    addresses = single_slash_address(request.scope) if template == "error.html" and request is not None else None
    if addresses is None:
        return None
    sent, meant = addresses
    before = single_slash_message(sent)
    return {
        "single_slash": {
            "message": before + meant,
            "linked": escape(before) + Markup('<a href="{0}">{0}</a>').format(meant),
        }
    }
