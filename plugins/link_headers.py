"""Every ``Link`` header the site sends is one RFC 8288 allows: its target between angle brackets.

Datasette 0.65 names a page's JSON in ``Link: http://.../figures.json; rel="alternate";
type="application/json+datasette"`` (``BaseView.render`` in datasette/views/base.py), without
the brackets that RFC 8288 section 3 requires of a link's target. A parser that follows the RFC
finds no link in it. The lenient ones (requests' and httpx's ``links``) read it by splitting at
the first ";", but split it into two links at a comma before a raw "<" in the query string, which
the target repeats as the client sent it. This wrapper puts the brackets around such a target,
and percent-encodes in it what a URI cannot hold (a raw ``<``, ``>``, ``"``, a stray ``%`` or a
byte outside ASCII), so that every parser reads one link to the page's JSON. A value RFC 8288
allows passes unchanged.

The other Link headers the site sends were already valid and pass unchanged: ``<...>;
rel="next"`` on a page of JSON (Datasette's) and of a table's CSV (plugins/downloads.py), and
``</path>; rel=preload`` on Datasette's redirects. nginx adds none (deploy/nginx.conf.j2: the
release files under /downloads/ expose the header to scripts, and carry none).
"""

from __future__ import annotations

import re

from datasette import hookimpl

# RFC 8288 section 3 and RFC 9110's field syntax: a link-value is "<" URI-Reference ">" and
# parameters, each token [= token / quoted-string]; a field is a comma-separated list of them.
URI_CHAR = rb"(?:[A-Za-z0-9\-._~:/?#\[\]@!$&'()*+,;=]|%[0-9A-Fa-f]{2})"
TOKEN = rb"[!#$%&'*+\-.^_`|~0-9A-Za-z]+"
QUOTED = rb'"(?:[\t \x21\x23-\x5b\x5d-\x7e\x80-\xff]|\\[\t \x21-\x7e\x80-\xff])*"'
PARAMETER = rb"[ \t]*;[ \t]*" + TOKEN + rb"(?:[ \t]*=[ \t]*(?:" + TOKEN + rb"|" + QUOTED + rb"))?"
LINK_VALUE = rb"<" + URI_CHAR + rb"*>(?:" + PARAMETER + rb")*"
LINK_FIELD = re.compile(rb"[ \t]*" + LINK_VALUE + rb"(?:[ \t]*,[ \t]*" + LINK_VALUE + rb")*[ \t]*")
# A link as Datasette writes one: its target, which repeats the request's and so holds no
# whitespace (a request line has none in its target), then its parameters, from the first "; ".
WRITTEN = re.compile(rb"[ \t]*(?P<target>[^ \t]*?)(?P<parameters>(?:;[ \t][^\r\n]*)?)[ \t]*")
NOT_IN_A_URI = re.compile(rb"%(?![0-9A-Fa-f]{2})|[^A-Za-z0-9\-._~:/?#\[\]@!$&'()*+,;=%]")


def valid(value: bytes) -> bool:
    return LINK_FIELD.fullmatch(value) is not None


def as_uri(target: bytes) -> bytes:
    """``target`` with each byte a URI cannot hold percent-encoded (a ``%`` that begins no
    percent-encoding too); those it can hold, percent-encodings included, are left as they are."""
    return NOT_IN_A_URI.sub(lambda found: b"%%%02X" % found.group()[0], target)


def repaired(value: bytes) -> bytes:
    """``value`` if RFC 8288 allows it, else its target in angle brackets, made a URI, and its
    parameters as they were."""
    if valid(value):
        return value
    written = WRITTEN.fullmatch(value)
    if written is None:
        # Not a link as Datasette writes one: no rewriting could say what its author meant.
        return value
    target, parameters = written["target"], written["parameters"]
    if target.startswith(b"<") and target.endswith(b">"):
        target = target[1:-1]
    return b"<" + as_uri(target) + b">" + parameters


def with_valid_links(send):
    async def sending(message):
        if message["type"] == "http.response.start" and any(k.lower() == b"link" for k, _ in message["headers"]):
            headers = [(k, repaired(v) if k.lower() == b"link" else v) for k, v in message["headers"]]
            message = {**message, "headers": headers}
        await send(message)

    return sending


# Outside every wrapper that adds a Link header (downloads.py) or drops one (parameters.py), so
# it sees them as they leave (plugins/layers.py).
@hookimpl
def asgi_wrapper(datasette):
    def wrap(app):
        async def linked(scope, receive, send):
            if scope["type"] != "http":
                return await app(scope, receive, send)
            return await app(scope, receive, with_valid_links(send))

        return linked

    return wrap
