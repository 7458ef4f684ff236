"""ETags, and 304s for ``If-None-Match``, on every answer made over an immutable database.

The served database cannot change for the life of a worker (the build wrote ``inspect-data.json``
beside it; a release switch restarts the workers), so a program polling
``/disclosures/figures.json``, ``/-/versions.json``, a table's JSON or a CSV export downloaded the same bytes every time: no
answer of the app had a validator. Here each successful GET or HEAD (a 200 without an ETag of
its own) gets an ETag made from what decides its bytes, and an ``If-None-Match`` that names it
(or ``*``, or a list holding it; compared weakly, as RFC 9110 13.1.2 says) is answered
``304 Not Modified``, with no body and the headers of the 200 it stands for (its ETag and
Cache-Control among them).

The tag is strong (the same tag, the same bytes) except on the answers where Datasette writes how
long its queries took (``"query_ms"`` in the JSON of a database, table, row or query, "Queries
took 4.2ms" on their pages): two of those differ in that number alone, so their tag is weak
(``W/"..."``), which a client's ``If-None-Match`` matches all the same. A strong tag there would
let a client resume a download (``If-Range``) with bytes from another answer, of another length.
Which answers those are is decided by the address (Datasette's views under ``/<database>``, but
their CSV and the bare rows of ``_shape=array``), so that a HEAD, which has no body, has its GET's
tag. An answer to SQL the client wrote (``sql=``, ``_where``) has a weak tag too: its SQL may call
``random()`` or read ``date('now')``.

What the tag is made of, so that two answers with one tag are the same bytes (but that timing):

- the hash of every served database (Datasette's ``Database.hash``: the inspect data's, which the
  build wrote), by name; while any database but ``_internal`` is mutable (a dev build without
  ``inspect-data.json``, a ``_memory``) no answer gets a tag;
- the code that writes the answers, read once per process: the files of the plugins and
  templates directories, Datasette's settings and metadata, and the versions of Python, SQLite
  and every installed distribution (``/-/versions.json`` and ``/-/plugins.json`` show them);
- the release files beside the database (the downloads mount, which the pages and
  ``/downloads.json`` list): the names and modification times of its folders, read per request;
- the request: its method-independent target (path and query string, as sent), its scheme and
  its Host (Datasette's JSON writes absolute ``next_url`` links with them).

Not tagged: ``/-/health.json``, whose answer changes while the worker runs (Datasette's other such
pages, threads, actor, permissions and messages, are 404s: plugins/guards.py), ``/static/`` files, an answer with an ETag of its
own (``/feed.atom``, ``/disclosures.db``, release files: plugins/pages.py, plugins/downloads.py),
an answer marked ``no-store`` or ``private``, and any status but 200 (errors, redirects). The
client's tag is compared once the answer has started (nginx's cache answers most revalidations
without asking a worker): its headers are sent, and a body still being made is stopped, as a
HEAD's is (plugins/_responses.py).

``If-Match`` is answered as RFC 9110 (13.1.1, 13.2.2) says, on every successful GET or HEAD: a
``412 Precondition Failed`` unless it is ``*`` (the answer exists) or lists the answer's own
ETag, compared strongly, so that a weak tag (``W/"..."``) never matches it. It was ignored:
``If-Match: "nope"`` got the 200. The 412 takes the form of the answer it replaces, as the other
errors do: the site's error page for an HTML page (it was the API's JSON there too), the API's
error shape for the rest. It comes before ``If-None-Match``, and an
answer that would be an error is that error whatever it says. An answer without a tag (a status
page, a dev build's) matches ``*`` alone.

Outermost of the site's wrappers (plugins/layers.py), so that the tag is given to the answer
every other wrapper has finished: its Cache-Control (plugins/data_headers.py), its media type,
its Link header.
"""

from __future__ import annotations

import hashlib
import json
import os
import sqlite3
import sys
from importlib import metadata as importlib_metadata
from pathlib import Path
from urllib.parse import parse_qsl

from datasette import hookimpl
from datasette.utils import tilde_decode

# plugins/ is no package: what its plugins share is plugins/_responses.py, found on the path.
if str(Path(__file__).parent) not in sys.path:
    sys.path.append(str(Path(__file__).parent))
from _landmarks import with_landmarks
from _responses import HTML, HeadAnswered, bodiless, error_page, send_message, send_response

# The status page whose answer changes while the worker runs, and files read from the disk. The
# others that did (threads, actor, permissions, messages) are closed: plugins/guards.py answers
# them 404, and an error is never tagged.
UNTAGGED_PATHS = ("/-/health",)
UNTAGGED_PREFIXES = ("/static/", "/downloads/", "/-/static/", "/-/static-plugins/")
# Kept from the answer a 412 replaces, as the site's other errors keep them (plugins/downloads.py
# writes them on every answer): a script on another origin reads the 412 as it reads a 404.
# Access-Control-Allow-Origin is written by send_response itself.
CORS_HEADERS = (b"access-control-expose-headers", b"access-control-allow-headers")
# Dropped from a 304: it has no body (RFC 9110 15.4.5).
BODY_HEADERS = {b"content-length", b"transfer-encoding", b"content-encoding", b"content-range"}


def is_tagged_path(path: str) -> bool:
    """Whether an answer to ``path`` may get a tag: not a status page that changes while the
    worker runs, nor a file served from the disk."""
    if path.startswith(UNTAGGED_PREFIXES):
        return False
    return not any(path == p or path.startswith((p + ".", p + "/")) for p in UNTAGGED_PATHS)


def files_digest(folders) -> str:
    """A hash of the names and bytes of every file under ``folders`` (missing ones are skipped)."""
    digest = hashlib.sha256()
    for folder in folders:
        if not folder or not Path(folder).is_dir():
            continue
        root = Path(folder)
        for path in sorted(p for p in root.rglob("*") if p.is_file() and "__pycache__" not in p.parts):
            digest.update(str(path.relative_to(root)).encode() + b"\0")
            digest.update(hashlib.sha256(path.read_bytes()).digest())
    return digest.hexdigest()


def installed_versions() -> list[str]:
    """``name==version`` of every installed distribution, sorted."""
    found = set()
    for dist in importlib_metadata.distributions():
        name = dist.metadata["Name"] if dist.metadata else None
        if name:
            found.add(f"{name.lower()}=={dist.version}")
    return sorted(found)


def code_identity(datasette) -> str:
    """What writes the answers, besides the databases: plugins, templates, settings, metadata, and
    the versions of the software. Read once per process (a worker's code does not change under it)."""
    if getattr(datasette, "_etag_code", None) is None:
        parts = {
            "files": files_digest([datasette.plugins_dir, datasette.template_dir]),
            "settings": datasette._settings,
            "metadata": datasette.metadata(),
            "python": sys.version,
            "sqlite": sqlite3.sqlite_version,
            "installed": installed_versions(),
        }
        text = json.dumps(parts, sort_keys=True, default=str)
        datasette._etag_code = hashlib.sha256(text.encode()).hexdigest()
    return datasette._etag_code


def databases_identity(datasette) -> str | None:
    """The served databases' hashes by name, or None while any of them (``_internal`` aside) can
    change: mutable, or in memory."""
    hashes = []
    for name, db in sorted(datasette.databases.items()):
        if name == "_internal":
            continue
        if db.is_mutable or db.is_memory or not db.hash:
            return None
        hashes.append(f"{name}={db.hash}")
    return ",".join(hashes) if hashes else None


def downloads_identity(datasette) -> str:
    """The release folders the downloads mount holds, by name and modification time: a release
    written beside a running site changes what its pages list."""
    folder = next((f for mount, f in datasette.static_mounts if mount == "downloads"), None)
    if folder is None:
        return ""
    try:
        with os.scandir(folder) as entries:
            found = sorted(f"{e.name}:{e.stat().st_mtime_ns}" for e in entries)
        return f"{os.stat(folder).st_mtime_ns}|" + "|".join(found)
    except OSError:
        return "-"


def header(scope, name: bytes) -> bytes | None:
    """The request's ``name`` header, its values joined by ``,`` when sent more than once."""
    values = [v for k, v in scope.get("headers", []) if k.lower() == name]
    return b", ".join(values) if values else None


def etag_for(datasette, scope) -> bytes | None:
    """The ETag of a 200 answer to the request ``scope`` (quoted, before any ``W/``), or None when
    no answer may have one (a mutable database is served). The same in every worker of a release."""
    databases = databases_identity(datasette)
    if databases is None:
        return None
    parts = [
        databases,
        code_identity(datasette),
        downloads_identity(datasette),
        scope.get("scheme", "http"),
        (header(scope, b"host") or b"").decode("latin-1"),
        (scope.get("raw_path") or scope.get("path", "").encode("utf-8")).decode("latin-1"),
        scope.get("query_string", b"").decode("latin-1"),
    ]
    digest = hashlib.sha256("\n".join(parts).encode("utf-8", "surrogateescape")).hexdigest()
    return f'"{digest[:40]}"'.encode()


def none_match(wanted: bytes, etag: bytes) -> bool:
    """Whether an ``If-None-Match`` value names ``etag``: ``*``, or any tag of its list, compared
    weakly (``W/"x"`` names ``"x"``: nginx weakens a tag when it compresses the answer)."""
    tags = [t.strip() for t in wanted.split(b",")]
    return b"*" in tags or etag.removeprefix(b"W/") in [t.removeprefix(b"W/") for t in tags]


def if_match(wanted: bytes, etag: bytes | None) -> bool:
    """Whether an ``If-Match`` value holds for an answer that exists with ``etag`` (None: it has
    none): ``*``, or a tag of its list that is ``etag`` by strong comparison (RFC 9110 8.8.3.2:
    neither tag weak, the same characters)."""
    tags = [t.strip() for t in wanted.split(b",")]
    if b"*" in tags:
        return True
    return etag is not None and not etag.startswith(b"W/") and etag in tags


def failed_if_match_message(etag: bytes | None) -> str:
    """Why an ``If-Match`` that does not hold (if_match) is refused, and what would hold."""
    reason = "If-Match names no ETag this answer has, so its condition is false (RFC 9110 13.1.1)"
    if etag is None:
        return f"{reason}: this answer has no ETag, and only If-Match: * matches it"
    tag = etag.decode("latin-1")
    if etag.startswith(b"W/"):
        return (
            f"{reason}: its ETag is weak, {tag} (equivalent answers, not always the same bytes), and If-Match "
            "compares tags strongly, so only If-Match: * matches it; to poll it, send If-None-Match"
        )
    return f"{reason}: its ETag is {tag}"


# The shapes of Datasette's JSON that are its rows alone, without its timing of the query.
BARE_SHAPES = ("array", "arrayfirst", "object")


def is_ad_hoc(query_string: str) -> bool:
    """Whether a request runs SQL the client wrote (``sql=``, or a table's ``_where``), as nginx
    routes it to the SQL workers: such SQL may call ``random()`` or read ``date('now')``."""
    pairs = parse_qsl(query_string, keep_blank_values=True)
    return any((k == "sql" and v) or k.startswith("_where") for k, v in pairs)


def is_weak(datasette, path: str, query_string: str) -> bool:
    """Whether the tag of the answer to ``path`` is weak: two answers with it are equivalent, not
    always the same bytes. Decided by the address, so that a HEAD has its GET's tag.

    - One of Datasette's own database, table, row or query answers that say how long their
      queries took: ``"query_ms": 13.86`` in their JSON (but the bare rows of ``_shape=array``,
      ``arrayfirst`` or ``object``), "Queries took 11.368ms" on their pages; not their CSV.
    - An answer to SQL the client wrote, which may call ``random()`` or read the clock: its
      answer is cached as any other (Cache-Control, nginx's copy), but not promised byte for byte.
    """
    if is_ad_hoc(query_string):
        return True
    first = path.lstrip("/").split("/", 1)[0]
    if tilde_decode(first.split(".", 1)[0]) not in datasette.databases or path.endswith(".csv"):
        return False
    if path.endswith(".json"):
        shapes = [v for k, v in parse_qsl(query_string, keep_blank_values=True) if k == "_shape"]
        if shapes and all(shape in BARE_SHAPES for shape in shapes):
            return False
    return True


def is_html(headers) -> bool:
    """Whether an answer's Content-Type is an HTML page."""
    kind = next((v for k, v in headers if k.lower() == b"content-type"), b"")
    return kind.lower().startswith(b"text/html")


def is_storable(headers) -> bool:
    """Whether an answer's Cache-Control lets a cache keep it (neither ``no-store`` nor ``private``)."""
    policy = b",".join(v for k, v in headers if k.lower() == b"cache-control").lower()
    return b"no-store" not in policy and b"private" not in policy


@hookimpl
def startup(datasette):
    # Read before the first request (and, in production, before gunicorn forks the worker): the
    # code's hash, and a database's when no inspect data gave it.
    code_identity(datasette)
    databases_identity(datasette)


@hookimpl
def asgi_wrapper(datasette):
    def wrap(app):
        async def tagged(scope, receive, send):
            if scope["type"] != "http" or scope.get("method") not in ("GET", "HEAD"):
                return await app(scope, receive, send)
            etag = etag_for(datasette, scope) if is_tagged_path(scope.get("path", "")) else None
            if etag is not None and is_weak(
                datasette, scope.get("path", ""), scope.get("query_string", b"").decode("latin-1")
            ):
                etag = b"W/" + etag
            must_match = header(scope, b"if-match")
            if etag is None and must_match is None:
                return await app(scope, receive, send)
            wanted = header(scope, b"if-none-match")
            # Whether the app's answer is replaced (a 304, a 412), and whether that answer has ended.
            answered = {"replaced": False, "ended": False}

            async def with_etag(message):
                if message["type"] == "http.response.start":
                    headers = list(message.get("headers", []))
                    names = {k.lower() for k, _ in headers}
                    status = message["status"]
                    tagged_here = etag is not None and status == 200 and b"etag" not in names and is_storable(headers)
                    if tagged_here:
                        headers.append((b"etag", etag))
                    # A 304 of the app's own (a release file's) stands for its 200: the condition is of it too.
                    if must_match is not None and (200 <= status < 300 or status == 304):
                        current = next((v for k, v in reversed(headers) if k.lower() == b"etag"), None)
                        if not if_match(must_match, current):
                            answered["replaced"] = True
                            refused = bodiless(send) if scope.get("method") == "HEAD" else send
                            message = failed_if_match_message(current)
                            cors = [(k, v) for k, v in headers if k.lower() in CORS_HEADERS]
                            if is_html(headers):
                                # A page's 412 is a page, as its other errors are; written outside
                                # plugins/landmarks.py, so its tags are rewritten here.
                                page = await error_page(datasette, scope, receive, 412, message)
                                await send_response(refused, 412, with_landmarks(page), HTML, cors)
                            else:
                                await send_message(refused, 412, message, True, cors)
                            return
                    if tagged_here:
                        if wanted is not None and none_match(wanted, etag):
                            answered["replaced"] = True
                            kept = [(k, v) for k, v in headers if k.lower() not in BODY_HEADERS]
                            await send({"type": "http.response.start", "status": 304, "headers": kept})
                            await send({"type": "http.response.body", "body": b"", "more_body": False})
                            return
                        message = {**message, "headers": headers}
                elif message["type"] == "http.response.body" and answered["replaced"]:
                    # The app's body is not sent: the replacing answer ended with its own, and a
                    # producer with more to send (a streamed CSV of every row) is stopped here.
                    answered["ended"] = True
                    if message.get("more_body", False):
                        raise HeadAnswered
                    return
                await send(message)

            try:
                return await app(scope, receive, with_etag)
            except HeadAnswered:
                if not answered["ended"]:
                    raise

        return tagged

    return wrap
