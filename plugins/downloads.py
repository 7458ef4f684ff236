"""Downloads that are complete or say they are not: CSV, query JSON arrays, files, CORS, ETags.

- A table's CSV asked for without ``_size`` or ``_next``, or with ``_stream=on``, is every row
  that matches its filters, streamed as it is read (``STREAM_PAGE_ROWS`` rows a page): the first byte leaves
  after the first page and memory holds one page, whatever the size of the table. With
  ``_size`` or ``_next`` and no ``_stream`` it is that one page, as Datasette sends it, with a
  ``Link: <...>; rel="next"`` header naming the next page when there is one.
- A CSV that failed is not a 200: Datasette sends an empty body for a query error (a 400 with
  the message here). A streamed CSV has sent its 200 before a later page can fail; Datasette
  then appends the error text to the body (time limit, ``max_csv_mb``). That text is never
  sent: the response is broken off (the client sees an incomplete transfer, never a short file
  that looks whole) and the reason goes to the server's log. Complete CSV rows end in CRLF, so
  a body that does not is a failed one.
- A query's CSV, or its JSON as a bare array (``_shape=array``/``object``/``arrayfirst``, also
  newline-delimited with ``_nl=on``), that hit ``max_returned_rows`` is a 413 (the default JSON shapes say ``"truncated": true``).
- Every answer carries ``Access-Control-Allow-Origin: *`` (downloads, the feed, /-/serving.json
  included), which ``--cors`` gives only to Datasette's own JSON.
- A folder of the release files (``/downloads/1.0.0/``, with or without its slash) is a 302 to
  ``/downloads#release-1.0.0``, its release's files in the list (Datasette answered 403), and so
  is a recorded release's folder that dist/ does not hold (that list says which files this
  server has; it was a bare 404). A file of such a release (``/downloads/0.1.0/disclosures.db``)
  is a 404 that says the release is recorded, that this server does not hold its files, how a
  release's files are made and what the site keeps of it: it was a bare "File not found" (with
  dist/) or that the server serves no release files (without). An address under a version no
  release ever had (``/downloads/9.9.9/``, a file in it) is a 404 that says no such release exists,
  names the releases that do and which of them this server holds: it was a bare "Not found" or
  "File not found". A name a release has no file of (``/downloads/1.2.0/csv/figure.csv``) is a 404
  that names the files it has, the nearest in spelling first ("did you mean csv/figures.csv?"):
  those this server serves of a release it holds, those it published of one it only records.
  It was a bare "File not found".
- The database download and the release files have an ETag that is the hash of the bytes
  served, so a rebuilt database is never served under the old one (Datasette's comes from the
  inspect data read at startup); ``If-None-Match`` is answered with 304 against it.
- A release file has a ``Content-Disposition`` naming it with the package and its release
  (``platform-disclosures-1.0.0-figures.csv``; ``download_name``): a browser saved
  ``csv/figures.csv`` as ``figures.csv``, with nothing to say which release it was, and the
  Excel CSV of the same table under the same name. Data files (every file in a folder, the
  database, CSVs, Parquet) are attachments; the rest (``SHA256SUMS``, ``datapackage.json``,
  ``CHANGELOG.md``, ...) are ``inline``, shown where a browser can, saved under that name.
  nginx names them the same way in production (deploy/nginx.conf.j2).
"""

from __future__ import annotations

import asyncio
import csv
import difflib
import hashlib
import io
import json
import os
import re
import sys
from pathlib import Path
from urllib.parse import parse_qsl, quote, urlencode

from datasette import hookimpl
from datasette.filters import Filters
from datasette.utils import tilde_decode, tilde_encode
from datasette.utils.asgi import Request

# plugins/ is no package: what its plugins share is plugins/_responses.py, found on the path.
if str(Path(__file__).parent) not in sys.path:
    sys.path.append(str(Path(__file__).parent))
from _releases import version_order
from _responses import name_as_sent, send_message

DATABASE_FILE = re.compile(r"^/(?P<database>[^/]+)\.db$")
DATABASE_CSV = re.compile(r"^/(?P<database>[^/]+)\.(?P<format>csv|json)$")
NAMED_CSV = re.compile(r"^/(?P<database>[^/]+)/(?P<name>[^/]+?)\.(?P<format>csv|json)$")
DOWNLOAD = re.compile(r"^/(?P<mount>downloads)/(?P<rest>.+)$")
# Where Datasette serves files from folders: the release files, the site's own, Datasette's and
# its plugins'.
FILE_MOUNTS = ("/downloads/", "/static/", "/-/static/", "/-/static-plugins/")
# The longest file name Linux takes (bytes); a longer one made the file lookup raise OSError.
NAME_MAX = 255
# A path under a file mount longer than this names no file the site serves (Linux's PATH_MAX is
# 4,096 bytes for the whole, folder included; the release files' paths are under 100).
PATH_LONGEST = 1024
ARRAY_SHAPES = {"array", "object", "arrayfirst"}
CSV_LIMIT = re.compile(r"CSV contains more than [0-9]+ bytes$")

# Rows per page of a streamed CSV. Each page is one query under sql_time_limit_ms, and the time
# counts the fetching of its rows: pages of 5,000 figures (quotes included) ran past the limit on
# a loaded machine, pages of 1,000 take a fifth of that for a few more queries.
STREAM_PAGE_ROWS = 1000
# A page of a stream answered "busy" (503 with Retry-After: the server had other work, not this
# request's fault) is asked again this many times, waiting as told (at most STREAM_RETRY_WAIT_S),
# before the stream is broken off: a long download under load should not die on one busy page.
STREAM_PAGE_RETRIES = 3
STREAM_RETRY_WAIT_S = 2.0
# What a view's sorted CSV may ask besides column filters to be streamed by key
# (stream_sorted_view_csv): parameters that change neither its rows nor how they are written.
KEYSET_VIEW_PARAMS = {"_sort", "_sort_desc", "_stream", "_size", "_next", "_header", "_dl", "_nofacet", "_nocount"}
PLUGIN = "platform-disclosures"

# Media types of the release files, which Datasette's static mounts (Python's mimetypes) serve as
# text/plain or without their charset; the release's datapackage.json declares the same. Every
# release CSV starts with its header row, which RFC 4180's header parameter says, as the site's
# own CSV answers say it (plugins/data_headers.py).
MEDIA_TYPES = {
    ".csv": b"text/csv; charset=utf-8; header=present",
    ".json": b"application/json; charset=utf-8",
    ".parquet": b"application/vnd.apache.parquet",
    ".db": b"application/vnd.sqlite3",
    ".cff": b"application/yaml; charset=utf-8",
    ".bib": b"application/x-bibtex; charset=utf-8",
    ".md": b"text/markdown; charset=utf-8",
    ".atom": b"application/atom+xml; charset=utf-8",
    ".sql": b"application/sql; charset=utf-8",
}

# A release's files outside a folder of table files that are data to save, not text to read.
DATA_SUFFIXES = (".csv", ".db", ".parquet")
# What a Content-Disposition's quoted filename holds here: a Data Package name (lower-case
# letters, digits, ".", "-", "_"), a version and a release's file names. Anything else gets no
# header rather than one a browser would read otherwise.
SAFE_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")

_hashes: dict[tuple, str] = {}
_packages: dict[tuple, str | None] = {}
_held_files: dict[tuple, list[str]] = {}
# How many of a release's files, nearest in spelling to a name it has not, a 404 offers first
# (difflib's ratio at least SPELLING_CUTOFF: csv/figure.csv for csv/figures.csv, not csv/cases.csv).
SPELLING_MATCHES = 3
SPELLING_CUTOFF = 0.8


def files_of_folder(folder: Path) -> list[str]:
    """The files a release folder serves, as paths under it (``csv/figures.csv``), sorted: not a
    hidden name (a release being written), nor a symlink or a file through one, which /downloads
    serves neither. Read again only when the folder is replaced (a release is written beside it
    and renamed into place, a new inode)."""
    stat = folder.stat()
    key = (str(folder), stat.st_ino, stat.st_mtime_ns)
    if key not in _held_files:
        found = []
        for parent, folders, files in os.walk(folder):
            folders[:] = [f for f in folders if not f.startswith(".") and not Path(parent, f).is_symlink()]
            for name in files:
                if not name.startswith(".") and not Path(parent, name).is_symlink():
                    found.append(Path(parent, name).relative_to(folder).as_posix())
        _held_files[key] = sorted(found)
    return _held_files[key]


def in_words(items: list[str]) -> str:
    """``a``, ``a and b``, ``a, b and c``."""
    return items[0] if len(items) == 1 else f"{', '.join(items[:-1])} and {items[-1]}"


def no_such_file_message(sent: str, version: str, file: str, files: list[str], listed_at: str, held: bool) -> str:
    """What the address ``sent`` of a file ``file`` that release ``version`` has not is told: the
    names nearest in spelling, then each of the release's ``files`` and where they are listed.
    ``held``: whether this server serves them (else they are the release's record, not here)."""
    if not files:
        return f"{sent}: release {version} has no file {file}, and this server holds none of its files; {listed_at}"
    near = difflib.get_close_matches(file, files, SPELLING_MATCHES, SPELLING_CUTOFF)
    guess = f"; did you mean {' or '.join(near)}?" if near else "."
    where = "" if held else f", and this server does not hold {'it' if len(files) == 1 else 'them'}"
    listed = f"Its one file is {files[0]}" if len(files) == 1 else f"Its {len(files)} files are {in_words(files)}"
    return f"{sent}: release {version} has no file {file}{guess} {listed}{where}; {listed_at}"


def download_name(package: str, version: str, path: str) -> str:
    """The name a release file is saved under: the package, the release, the file's name, and its
    folder when the extension does not already say it (csv/figures.csv is
    ``<package>-<version>-figures.csv``, excel/figures.csv ``<package>-<version>-figures-excel.csv``),
    so that no two files of a release share a name and none loses its release."""
    folder, _, name = path.rpartition("/")
    stem, dot, suffix = name.rpartition(".")
    if folder and folder != suffix:
        tag = folder.replace("/", "-")
        name = f"{stem}-{tag}.{suffix}" if dot else f"{name}-{tag}"
    return f"{package}-{version}-{name}"


def content_disposition(package: str, version: str, path: str) -> bytes | None:
    """The Content-Disposition of a release file (``attachment`` for data, else ``inline``), or
    None when its name would not be plain ASCII letters, digits and ``._-``."""
    name = download_name(package, version, path)
    if not SAFE_NAME.match(name):
        return None
    kind = "attachment" if "/" in path or path.endswith(DATA_SUFFIXES) else "inline"
    return f'{kind}; filename="{name}"'.encode("ascii")


def release_package_name(release: Path) -> str | None:
    """The package name a release's own datapackage.json gives (dist/<version>/), or None."""
    descriptor = release / "datapackage.json"
    try:
        stat = descriptor.stat()
        key = (str(descriptor), stat.st_ino, stat.st_size, stat.st_mtime_ns)
        if key not in _packages:
            name = json.loads(descriptor.read_text(encoding="utf-8")).get("name")
            _packages[key] = name if isinstance(name, str) and SAFE_NAME.match(name) else None
        return _packages[key]
    except (OSError, ValueError, AttributeError):  # missing, unreadable, or not a JSON object
        return None


def file_etag(path: Path) -> str:
    """A strong ETag for a file's bytes, recomputed whenever the file is replaced or changes."""
    stat = path.stat()
    key = (str(path), stat.st_ino, stat.st_size, stat.st_mtime_ns)
    if key not in _hashes:
        digest = hashlib.sha256()
        with path.open("rb") as f:
            for block in iter(lambda: f.read(1 << 20), b""):
                digest.update(block)
        _hashes[key] = f'"{digest.hexdigest()}"'
    return _hashes[key]


def csv_failure(body: bytes) -> str | None:
    """The error a Datasette CSV body carries instead of complete rows, or None.

    "" when the body is empty or only an empty header line (how Datasette answers a query error).
    """
    if body.endswith(b"\r\n") and body.strip():
        return None
    return body.rsplit(b"\r\n", 1)[-1].decode("utf-8", "replace").strip()


def csv_row_count(body: bytes) -> int:
    """Data rows of a CSV body (the header excluded); quoted cells may hold newlines."""
    return max(sum(1 for _ in csv.reader(io.StringIO(body.decode("utf-8", "replace"), newline=""))) - 1, 0)


def header(scope, name: bytes) -> bytes | None:
    for key, value in scope.get("headers", []):
        if key.lower() == name:
            return value
    return None


# Headers a script on another origin may read (CORS shows it only the simple ones otherwise):
# the next page, the validator for a conditional GET, when to retry, a download's name and range.
EXPOSED_HEADERS = b"Link, ETag, Retry-After, Content-Disposition, Content-Range, Accept-Ranges"


def none_match(wanted: bytes, etag: bytes) -> bool:
    """Whether an If-None-Match header (``wanted``) names ``etag``: ``*``, or a tag in its list
    compared weakly, ``W/`` aside (RFC 9110 13.1.2), as a cache revalidating a copy sends it."""
    tags = [t.strip() for t in wanted.split(b",")]
    return b"*" in tags or etag.removeprefix(b"W/") in [t.removeprefix(b"W/") for t in tags]


def with_cors(message: dict) -> dict:
    """A response start that allows any origin and exposes ``EXPOSED_HEADERS`` (Datasette's own
    exposed ``Link`` alone)."""
    headers = [(k, v) for k, v in message.get("headers", []) if k.lower() != b"access-control-expose-headers"]
    if not any(k.lower() == b"access-control-allow-origin" for k, _ in headers):
        headers.append((b"access-control-allow-origin", b"*"))
    headers.append((b"access-control-expose-headers", EXPOSED_HEADERS))
    return {**message, "headers": headers}


def file_errors(send):
    """An ASGI send that gives the error of a file mount (Datasette's static handler answers
    "404: File not found" or "403: Directory listing is not allowed" as text/html) the API's
    JSON shape, as a hidden name's 404 has; other answers pass on."""
    state = {"start": None, "chunks": []}

    async def shaped(message):
        if message["type"] == "http.response.start":
            kind = dict(message.get("headers", [])).get(b"content-type", b"")
            if message["status"] >= 400 and kind.startswith(b"text/html"):
                state["start"] = message
                return
            return await send(message)
        if state["start"] is None:
            return await send(message)
        state["chunks"].append(message.get("body", b""))
        if message.get("more_body"):
            return
        text = b"".join(state["chunks"]).decode("utf-8", "replace").strip()
        said = re.sub(r"^\d{3}: ", "", text) if len(text) < 200 and "<" not in text else ""
        await send_message(send, state["start"]["status"], said or "Not found", True)

    return shaped


def not_a_download_path(rest: str) -> bool:
    """Whether /downloads/<rest> is written as no release file's or folder's address is: with a
    NUL (%00) or an empty part (``//``).

    Datasette's static handler answered the first with a text/plain "Not found" and the second
    with "Path not inside root path"; nginx, which merges slashes, would serve ``//``'s file, so
    it hands such an address to the workers, which answer it here (deploy/nginx.conf.j2)."""
    return "\x00" in rest or "" in rest.split("/")[:-1]


SENT_CONTROLS = re.compile(r"[\x00-\x1f\x7f]")
# A slash written as its escape: inside a name, not between a folder and a file (RFC 3986, 2.2).
ENCODED_SLASH = re.compile(rb"%2f", re.IGNORECASE)


def encoded_slash_in(scope) -> bool:
    """Whether the request's path, as sent, has a slash written %2F."""
    return bool(ENCODED_SLASH.search((scope.get("raw_path") or b"").partition(b"?")[0]))


def path_as_sent(scope) -> str:
    """The request's path as the client sent it, for a message to quote: /downloads/%FF/x quoted a
    replacement character, which the client never sent."""
    raw_path = (scope.get("raw_path") or b"").partition(b"?")[0]
    try:
        sent = name_as_sent(raw_path.decode("utf-8"), "%") if raw_path else scope.get("path", "")
    except UnicodeDecodeError:  # bytes sent unescaped that are no UTF-8: as the path reads them
        sent = scope.get("path", "")
    # A control character (/downloads/1.2.0/%00) is quoted as its escape, which is what was typed.
    return SENT_CONTROLS.sub(lambda found: f"%{ord(found.group(0)):02X}", sent)


def held(finish):
    """An ASGI send that holds a 200 response back for ``finish(start, body)``; others pass on."""
    state = {"start": None, "chunks": []}

    async def hold(message):
        if message["type"] == "http.response.start":
            state["start"] = message
            return
        state["chunks"].append(message.get("body", b""))
        if not message.get("more_body"):
            await finish(state["start"], b"".join(state["chunks"]))

    return hold


async def send_whole(send, start, body: bytes):
    headers = [(k, v) for k, v in start["headers"] if k.lower() != b"content-length"]
    headers.append((b"content-length", str(len(body)).encode()))
    await send({**start, "headers": headers})
    await send({"type": "http.response.body", "body": body})


def wants_every_row(params: list[tuple[str, str]]) -> bool:
    """Whether a table CSV request asks for every row: ``_stream`` on, or no ``_size`` and no ``_next``."""
    given = dict(reversed(params))
    if given.get("_stream") not in (None, "", "0", "off"):
        return True
    return "_size" not in given and "_next" not in given


def error_text_of(body: bytes) -> str:
    return body.decode("utf-8", "replace").strip()[-300:] or "a page failed"


async def key_names(db, table: str) -> list[str]:
    """The primary-key columns of ``table`` in key order, or ["rowid"] without one."""
    result = await db.execute("SELECT name, pk FROM pragma_table_info(?) WHERE pk ORDER BY pk", [table])
    return [r["name"] for r in result.rows] or ["rowid"]


def keyset_after(column: str, key: str, descending: bool, after_null: bool) -> str:
    """The rows after (``:after_value``, ``:after_key``) in the order "``column`` (descending or
    not), then ``key``", in SQLite's order: NULL before every value ascending, after it descending."""
    c, k = f"[{column}]", f"[{key}]"
    if after_null:
        return f"({c} IS NULL AND {k} > :after_key)" + ("" if descending else f" OR {c} IS NOT NULL")
    beyond = "<" if descending else ">"
    return f"{c} {beyond} :after_value OR ({c} = :after_value AND {k} > :after_key)" + (
        f" OR {c} IS NULL" if descending else ""
    )


class IncompleteCSV(RuntimeError):
    """A streamed CSV failed after its 200 was sent: the response is broken off, not finished."""


async def stream_csv(app, scope, receive, send):
    """Run a streamed table CSV, passing on whole rows as they come and holding back the rest.

    Bytes after the last CRLF wait for the next chunk (a row may be split between chunks). A
    stream that ends with bytes after its last CRLF ended with Datasette's error text: those
    are not sent, the final message is not sent, and ``IncompleteCSV`` is raised after the app
    returns, so the server breaks the connection off.
    """
    state = {"streaming": False, "tail": b"", "failure": None}

    async def forward(message):
        if message["type"] == "http.response.start":
            state["streaming"] = message["status"] == 200
            if state["streaming"]:
                headers = [(k, v) for k, v in message.get("headers", []) if k.lower() != b"content-length"]
                message = {**message, "headers": headers}
            return await send(message)
        if not state["streaming"]:
            return await send(message)
        if state["failure"] is not None:
            return None
        data = state["tail"] + message.get("body", b"")
        cut = data.rfind(b"\r\n") + 2 if b"\r\n" in data else 0
        state["tail"] = data[cut:]
        more = message.get("more_body", False)
        if not more and state["tail"]:
            state["failure"] = csv_failure(data) or "the CSV ended in the middle of a row"
            if data[:cut]:
                await send({"type": "http.response.body", "body": data[:cut], "more_body": True})
            return None
        if data[:cut] or not more:
            await send({"type": "http.response.body", "body": data[:cut], "more_body": more})

    await app(scope, receive, forward)
    if state["failure"] is not None:
        raise IncompleteCSV(f"{scope.get('path')}: streamed CSV broken off: {state['failure']}")


class Downloads:
    def __init__(self, datasette, app):
        self.datasette = datasette
        self.app = app
        # (database, name) -> whether it is a table or view, for immutable databases.
        self.is_table: dict[tuple[str, str], bool] = {}

    @property
    def site_config(self) -> dict:
        return self.datasette.plugin_config(PLUGIN) or {}

    @property
    def site_database(self) -> str | None:
        """The database the site serves: metadata's plugin configuration names it."""
        return self.site_config.get("database")

    async def site_database_has_row(self, sql: str, params: list) -> bool:
        """Whether ``sql`` finds a row in the site's database; False where this Datasette serves no
        database of the configured name."""
        name = self.site_database
        if name not in self.datasette.databases:
            return False
        found = await self.datasette.databases[name].execute(sql, params)
        return bool(found.rows)

    def served_file(self, path: str) -> Path | None:
        match = DATABASE_FILE.match(path)
        if match:
            db = self.datasette.databases.get(tilde_decode(match["database"]))
            return Path(db.path) if db is not None and db.path else None
        match = DOWNLOAD.match(path)
        if match:
            for mount, folder in self.datasette.static_mounts:
                if mount == match["mount"]:
                    root = Path(folder).resolve()
                    try:
                        candidate = (root / match["rest"]).resolve()
                        if candidate.is_relative_to(root) and candidate.is_file():
                            return candidate
                    except (ValueError, OSError):  # a NUL in the name (%00), a name too long: no file
                        return None
        return None

    def disposition_of(self, served: Path) -> bytes | None:
        """The Content-Disposition of a file served from /downloads (dist/<version>/<path>)."""
        for mount, folder in self.datasette.static_mounts:
            if mount == "downloads":
                root = Path(folder).resolve()
                if served.is_relative_to(root):
                    version, *parts = served.relative_to(root).parts
                    package = release_package_name(root / version)
                    if parts and package:
                        return content_disposition(package, version, "/".join(parts))
        return None

    def release_of_folder(self, rest: str) -> str | None:
        """The release (the first part of ``rest``) when /downloads/<rest> names a folder in dist/."""
        for mount, folder in self.datasette.static_mounts:
            if mount == "downloads":
                root = Path(folder).resolve()
                try:
                    candidate = (root / rest).resolve()
                    if candidate != root and candidate.is_relative_to(root) and candidate.is_dir():
                        return candidate.relative_to(root).parts[0]
                except (ValueError, OSError):  # a NUL in the name (%00), a name too long: no folder
                    return None
        return None

    async def recorded_release_of_folder(self, rest: str) -> str | None:
        """The release when /downloads/<rest> names a folder of a release the site records (its
        own, ``1.2.0/``, or one its files are in, ``1.2.0/csv/``), whether or not dist/ holds it."""
        version, _, folder = rest.strip("/").partition("/")
        prefix = folder + "/" if folder else ""
        found = await self.site_database_has_row(
            "SELECT 1 FROM release_files WHERE version = ? AND substr(path, 1, ?) = ? LIMIT 1",
            [version, len(prefix), prefix],
        )
        return version if found else None

    async def is_recorded_release(self, version: str) -> bool:
        """Whether the site records a release ``version`` (its releases table), held here or not."""
        return await self.site_database_has_row("SELECT 1 FROM releases WHERE version = ? LIMIT 1", [version])

    async def unheld_release_of_file(self, rest: str) -> str | None:
        """The release when /downloads/<rest> is a file a recorded release published
        (``0.1.0/disclosures.db``) and dist/ holds no folder of that release, else None."""
        version, _, file = rest.partition("/")
        if not file or self.release_of_folder(version) is not None:
            return None
        found = await self.site_database_has_row(
            "SELECT 1 FROM release_files WHERE version = ? AND path = ? LIMIT 1", [version, file]
        )
        return version if found else None

    def not_held_message(self, path: str, version: str) -> str:
        """What the address of a file of ``version``, a release this server does not hold, is told:
        the README's "Cite, download, verify" says where a release's files come from, and /downloads
        and /changes what the site keeps of one whose files it does not hold."""
        asked = f"?version={quote(version, safe='')}"
        return (
            f"{path}: release {version} is recorded, but this server does not hold its files. A release's files "
            f"are the folder dist/{version}/ that make release writes from that version's data in the project's "
            f"repository, and a server serves only the folders in its own dist/. What the site keeps of {version}, "
            f"each figure it changed with its value and source, is at {self.datasette.urls.path('changes')}{asked} "
            f"and {self.datasette.urls.table(self.site_database, 'release_changes')}{asked}; "
            f"{self.datasette.urls.path('downloads')} lists each release's files and which this server holds"
        )

    def downloads_folder(self) -> Path | None:
        """dist/, where this server serves the release files from, or None without it."""
        return next((Path(folder) for mount, folder in self.datasette.static_mounts if mount == "downloads"), None)

    def held_releases(self) -> list[str]:
        """The releases whose folders dist/ holds (not a hidden one being written, nor a symlink), by name."""
        root = self.downloads_folder()
        if root is None:
            return []
        try:
            with os.scandir(root) as entries:
                return sorted(e.name for e in entries if not e.name.startswith(".") and e.is_dir(follow_symlinks=False))
        except OSError:  # dist/ removed under the server
            return []

    async def releases_in_words(self) -> str:
        """Which releases exist, newest first as /downloads lists them (then any this server holds
        that the site does not record), and which of them this server holds the files of."""
        held = self.held_releases()
        recorded = []
        if self.site_database in self.datasette.databases:
            found = await self.datasette.databases[self.site_database].execute(
                f"SELECT version FROM releases ORDER BY date DESC, {version_order('version', descending=True)}"
            )
            recorded = [row[0] for row in found.rows]
        versions = recorded + [v for v in held if v not in recorded]
        if not versions:
            return "No release has been made yet"
        kept = [v for v in versions if v in held]
        holds = f"this server holds the files of {in_words(kept)}" if kept else "this server holds none of their files"
        named = f"The releases are {in_words(versions)}" if len(versions) > 1 else f"The one release is {versions[0]}"
        return f"{named}, and {holds}"

    async def missing_file_message(self, scope, rest: str) -> str | None:
        """What /downloads/<rest> is told when it names no file of its release, which this server
        holds (each file it serves is named) or records (each file it published); None when the
        release is neither."""
        version, _, _ = rest.partition("/")
        sent = path_as_sent(scope)
        file = sent.split("/", 3)[3] if sent.count("/") >= 3 else rest.partition("/")[2]
        root = self.downloads_folder()
        folder = root / version if root is not None and version in self.held_releases() else None
        if folder is not None:
            try:
                files = files_of_folder(folder)
            except OSError:  # the release removed under the server
                return None
            downloads = self.datasette.urls.path("downloads")
            if await self.is_recorded_release(version):
                listed_at = f"{downloads}#release-{quote(version)} lists them with their sizes"
            else:  # served, but /downloads lists only the releases the site records
                listed_at = f"{downloads} lists the releases the site records, and {version} is not one of them"
            return no_such_file_message(sent, version, file, files, listed_at, held=True)
        if not await self.is_recorded_release(version):
            return None
        found = await self.datasette.databases[self.site_database].execute(
            "SELECT path FROM release_files WHERE version = ? ORDER BY path", [version]
        )
        listed_at = f"{self.datasette.urls.path('downloads')} lists each release's files and which this server holds"
        return no_such_file_message(sent, version, file, [row[0] for row in found.rows], listed_at, held=False)

    async def no_file_message(self, scope, path: str) -> str:
        """What an address under a file mount that can name no file is told (a hidden name, a NUL,
        an empty part, a slash after a file's name, a name too long): under a release this server
        holds or records, its files, as a name it has not is told (missing_file_message); an empty
        part where the release's version goes, that no address has one; else "Not found"."""
        download = DOWNLOAD.match(path)
        version = download["rest"].split("/", 1)[0] if download else ""
        if download and not version and download["rest"]:
            # /downloads//1.2.0/ was a bare "Not found", here and behind nginx, which hands it here.
            return (
                f"{path_as_sent(scope)}: no release file's address has an empty part (two slashes together); "
                f"{self.datasette.urls.path('downloads')} lists each release and its files"
            )
        if not version or version.startswith(".") or "\x00" in version or len(version.encode("utf-8")) > NAME_MAX:
            return "Not found"
        return await self.missing_file_message(scope, download["rest"]) or "Not found"

    def encoded_slash_message(self, scope, path: str) -> str:
        """What a /downloads address with a slash written %2F is told: that it names no file, and
        where the file is when the address with real slashes names one this server holds."""
        sent = SENT_CONTROLS.sub(
            lambda found: f"%{ord(found.group(0)):02X}",
            (scope.get("raw_path") or b"").partition(b"?")[0].decode("latin-1"),
        )
        said = (
            f"{sent}: a slash written %2F is part of a name, not a folder's end, so no release file is at this address"
        )
        if self.served_file(path) is not None:
            return f"{said}; the file is at {quote(path)}"
        return f"{said}; {self.datasette.urls.path('downloads')} lists each release and its files"

    def through_symlink(self, rest: str) -> bool:
        """Whether /downloads/<rest> names a symlink in dist/, or a path through one."""
        for mount, folder in self.datasette.static_mounts:
            if mount == "downloads":
                path = Path(folder)
                try:
                    for part in rest.split("/"):
                        path = path / part
                        if path.is_symlink():
                            return True
                except (ValueError, OSError):  # a NUL in the name (%00), a name too long: no file
                    return False
        return False

    async def kind(self, path: str) -> tuple[str, str, str] | None:
        """("table" or "query", database, format) for a CSV or JSON data path, else None."""
        match = DATABASE_CSV.match(path)
        if match and match["database"] in self.datasette.databases:
            return "query", match["database"], match["format"]
        match = NAMED_CSV.match(path)
        if match and match["database"] in self.datasette.databases:
            db = self.datasette.databases[match["database"]]
            key = (db.name, tilde_decode(match["name"]))
            if key not in self.is_table:
                found = await db.execute(
                    "SELECT 1 FROM sqlite_master WHERE name = ? AND type IN ('table', 'view')", [key[1]]
                )
                if db.is_mutable:
                    return ("table" if found.rows else "query"), match["database"], match["format"]
                self.is_table[key] = bool(found.rows)
            return ("table" if self.is_table[key] else "query"), match["database"], match["format"]
        return None

    async def next_page_url(self, path: str, params: list[tuple[str, str]]) -> str | None:
        """The path of the page after this one of a paged table CSV (same filters, sort and
        size), or None when it is the last: the ``next`` token of the same page's JSON, read
        without facets or a count."""
        json_path = path[: -len(".csv")] + ".json"
        # The CSV's own _shape (which a CSV ignores) must not reach the JSON: Datasette reads the
        # first one, and _shape=array there is a list with no "next" (was a 500).
        # Nor its _nl, which the JSON refuses beside _shape=objects (plugins/parameters.py).
        query = [(k, v) for k, v in params if k not in ("_facet", "_labels", "_header", "_dl", "_shape", "_nl")]
        query += [("_nofacet", "1"), ("_nocount", "1"), ("_shape", "objects")]
        response = await self.datasette.client.get(json_path + "?" + urlencode(query))
        if response.status_code != 200:
            return None
        token = response.json().get("next")
        if not token:
            return None
        following = [(k, v) for k, v in params if k != "_next"] + [("_next", str(token))]
        return path + "?" + urlencode(following)

    async def is_truncated(self, path: str, params: list[tuple[str, str]]) -> bool:
        """Whether the query answer hit max_returned_rows, asked of its own JSON."""
        # _nl too: it is of _shape=array alone, and with _shape=objects a 400 (plugins/parameters.py).
        query = [(k, v) for k, v in params if k not in ("_shape", "_stream", "_dl", "_format", "_nl")]
        json_path = path.rsplit(".", 1)[0] + ".json"
        response = await self.datasette.client.get(json_path + "?" + urlencode([*query, ("_shape", "objects")]))
        try:
            return bool(response.json().get("truncated"))
        except ValueError:
            return False

    async def query_error(self, path: str, params: list[tuple[str, str]]) -> str:
        json_path = path.rsplit(".", 1)[0] + ".json"
        query = [(k, v) for k, v in params if k not in ("_stream", "_dl", "_format")]
        response = await self.datasette.client.get(json_path + "?" + urlencode(query))
        try:
            return response.json().get("error") or "The query failed"
        except ValueError:
            return "The query failed"

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http" or scope.get("method") not in ("GET", "HEAD"):
            return await self.app(scope, receive, send)
        path = scope.get("path", "")

        async def cors_send(message):
            await send(with_cors(message) if message["type"] == "http.response.start" else message)

        if path.startswith(FILE_MOUNTS) and (
            len(path.encode("utf-8")) > PATH_LONGEST
            or any(len(part.encode("utf-8")) > NAME_MAX for part in path.split("/"))
        ):
            # No file has such a name, and Datasette's static handler failed on it (a 500).
            return await send_message(cors_send, 404, await self.no_file_message(scope, path), True)
        download = DOWNLOAD.match(path)
        if download and any(part.startswith(".") for part in download["rest"].split("/")):
            # A release being written (dist/.<version>.<pid>.tmp) or replaced: never a download.
            return await send_message(cors_send, 404, await self.no_file_message(scope, path), True)
        if download and not_a_download_path(download["rest"]):
            return await send_message(cors_send, 404, await self.no_file_message(scope, path), True)
        if download and encoded_slash_in(scope):
            # /downloads/1.2.0/csv%2Ffigures.csv: the mount below read csv%2Ffigures.csv as one name
            # and said only "File not found", while nginx decoded it and served the file.
            return await send_message(cors_send, 404, self.encoded_slash_message(scope, path), True)
        if download and self.through_symlink(download["rest"]):
            # Not a file a release wrote (plugins/strict_paths.py's release_file does not list it):
            # Datasette's static mount served a symlink whose target is inside dist/.
            return await send_message(cors_send, 404, "Not found", True)
        # A file's address has no slash after its name: Path() dropped it, so the file was served
        # as if it were a folder (/downloads/1.0.0/csv/figures.csv/).
        served = None if path.endswith("/") else self.served_file(path)
        if served is not None:
            disposition = self.disposition_of(served) if download else None
            return await self.serve_file(scope, receive, cors_send, served, disposition)
        release = self.release_of_folder(download["rest"]) if download else None
        if release is None and download:
            # A recorded release's folder that dist/ does not hold (a server of older releases, or
            # of none): /downloads/1.2.0/ was a bare "Not found", where /downloads says what of
            # the release this server has and where its files are.
            release = await self.recorded_release_of_folder(download["rest"])
        if release is not None:
            # A file's address cut back to its folder (/downloads/1.0.0/) was Datasette's 403
            # "Directory listing is not allowed". /downloads lists each release's files under an
            # anchor of its own, which is what the reader went up a level for: 302 there (not 301,
            # which a browser keeps: a release's folder may one day answer for itself).
            location = self.datasette.urls.path("downloads") + "#release-" + quote(release)
            await cors_send(
                {
                    "type": "http.response.start",
                    "status": 302,
                    "headers": [(b"location", location.encode("latin-1")), (b"content-length", b"0")],
                }
            )
            return await cors_send({"type": "http.response.body", "body": b""})
        version = download["rest"].split("/", 1)[0] if download else None
        if version and self.release_of_folder(version) is None and not await self.is_recorded_release(version):
            # No release ever had this version: /downloads/9.9.9/ was a bare "Not found" (and a
            # file under it "File not found", or that this server serves no release files).
            sent = path_as_sent(scope)
            sent_version = sent.split("/", 3)[2] if sent.startswith("/downloads/") else version
            message = (
                f"{sent}: no release {sent_version} exists, so nothing is at this address. "
                f"{await self.releases_in_words()}; {self.datasette.urls.path('downloads')} lists each release "
                "and its files"
            )
            return await send_message(cors_send, 404, message, True)
        if download and path.endswith("/"):
            # Neither a file nor a release's folder (the 302 above): the bare 404 nginx answers too
            # (deploy/nginx.conf.j2), with /downloads a level up.
            return await send_message(cors_send, 404, await self.no_file_message(scope, path), True)
        unheld = await self.unheld_release_of_file(download["rest"]) if download else None
        if unheld is not None:
            return await send_message(cors_send, 404, self.not_held_message(path, unheld), True)
        if download:
            # A file no release has, under a release this server holds or records: Datasette's
            # static handler said only "File not found".
            message = await self.missing_file_message(scope, download["rest"])
            if message is not None:
                return await send_message(cors_send, 404, message, True)
        if path.startswith(FILE_MOUNTS) and path not in ("/downloads/",):
            return await self.app(scope, receive, file_errors(cors_send))
        kind = await self.kind(path)
        if kind is None:
            return await self.app(scope, receive, cors_send)
        what, _, fmt = kind
        params = parse_qsl(scope.get("query_string", b"").decode("latin-1"), keep_blank_values=True)
        if fmt == "csv" and any(name == "_trace" for name, _ in params):
            # Datasette's trace wraps the CSV in an HTML page, which this guard then refused as a
            # broken CSV: a bare 400 "Error", or a streamed 200 cut off mid-answer.
            message = "_trace is not available on a CSV answer: ask for the same address as .json with _trace=1"
            return await send_message(cors_send, 400, message, True)
        shape = dict(reversed(params)).get("_shape")
        if fmt == "json" and (what == "table" or shape not in ARRAY_SHAPES):
            return await self.app(scope, receive, cors_send)
        if fmt == "csv" and what == "table" and wants_every_row(params):
            given = dict(reversed(params))
            if given.get("_sort") or given.get("_sort_desc"):
                return await self.stream_sorted_csv(path, kind[1], params, cors_send)
            view_key = self.keyset_view_key(path, params)
            if view_key:
                # Datasette's own stream pages a view by offset, so each page read the view again
                # up to its offset: Microsoft's figures_series CSV (5,838 rows) broke off at offset
                # 4,000 on the 1 s limit under load. In key order instead, one short query a page.
                db = self.datasette.databases[kind[1]]
                table = tilde_decode(NAMED_CSV.match(path)["name"])
                return await self.stream_sorted_view_csv(path, db, table, params, view_key, view_key, cors_send)
            params = [(k, v) for k, v in params if k not in ("_stream", "_size", "_next")]
            params += [("_stream", "on"), ("_size", str(STREAM_PAGE_ROWS))]
            scope = dict(scope, query_string=urlencode(params).encode("latin-1"))
            return await stream_csv(self.app, scope, receive, cors_send)
        limit = self.datasette.setting("max_returned_rows")

        async def finish(start, body):
            if start["status"] != 200:
                return await send_whole(cors_send, start, body)
            if fmt == "csv":
                failure = csv_failure(body)
                if failure is not None:
                    if CSV_LIMIT.search(failure):
                        message = (
                            f"This CSV is larger than {self.datasette.setting('max_csv_mb')} MB, so it was not sent. "
                            "Filter it, or download the whole database."
                        )
                        return await send_message(cors_send, 413, message, False)
                    if not failure and what == "query":
                        failure = await self.query_error(path, params)
                    elif "interrupted" in failure:
                        failure = (
                            f"A page of this CSV took longer than the time limit "
                            f"({self.datasette.setting('sql_time_limit_ms')} ms), so the CSV was not sent: "
                            "filter it, or download the whole database."
                        )
                    return await send_message(cors_send, 400, failure or "The CSV could not be made", False)
                rows = csv_row_count(body) if what == "query" and body.count(b"\r\n") > limit else 0
            else:
                try:
                    rows = len(json.loads(body))
                except ValueError:
                    # _nl=on: one JSON object per line (JSON escapes line breaks inside strings).
                    rows = len(body.splitlines()) if body.strip() else 0
            if fmt == "csv" and what == "table":
                # One page of a table: say where the next one is, as Datasette's JSON does, so that
                # a client can tell the file is not the whole answer.
                following = await self.next_page_url(path, params)
                if following:
                    # Absolute, as Datasette's JSON next_url is: a client follows it as it is.
                    following = self.datasette.absolute_url(Request(scope, receive), following)
                    start = {**start, "headers": [*start["headers"], (b"link", f'<{following}>; rel="next"'.encode())]}
            if what == "query" and rows >= limit and await self.is_truncated(path, params):
                if any(name == "sql" for name, _ in params):
                    advice = "Page it with limit/offset or a key, or download the table's CSV, which has every row."
                else:
                    # A canned query's SQL is its own: the client can only narrow its parameters.
                    advice = (
                        "Narrow it with its parameters, or run its SQL (on its page) as a query of your own, "
                        "paged with limit/offset, or download the database, which has every row."
                    )
                message = f"This query returns more than {limit} rows, so its answer would be incomplete. {advice}"
                return await send_message(cors_send, 413, message, fmt == "json")
            await send_whole(cors_send, start, body)

        await self.app(scope, receive, held(finish))

    def keyset_view_key(self, path: str, params: list[tuple[str, str]]) -> str | None:
        """The key column (site_config.VIEW_KEYS) by which this view CSV is streamed page after page,
        or None: a table, a view without a key, or a parameter the keyset pages do not read."""
        named = NAMED_CSV.match(path)
        if named is None:
            return None
        view_key = (self.site_config.get("view_keys") or {}).get(tilde_decode(named["name"]))
        if view_key and all(k in KEYSET_VIEW_PARAMS or not k.startswith("_") or "__" in k for k, _ in params):
            return view_key
        return None

    async def stream_sorted_csv(self, path: str, database: str, params: list[tuple[str, str]], send):
        """Stream a table's CSV sorted by the client as pages of ``STREAM_PAGE_ROWS`` rows, one request each.

        Datasette's own stream orders its first page by the sort column alone, so rows that tie at
        the first page boundary were skipped or repeated (plugins/paging.py had sorted the whole
        CSV in memory instead). Each page here is a CSV page, which plugins/paging.py orders like
        every later one (sort column, then key); the next page starts after the last row's sort
        value and key, read from the database by the key. A later page answered busy (503 with
        Retry-After) is asked again, up to ``STREAM_PAGE_RETRIES`` times; a page that fails after
        the 200 was sent breaks the stream off (``IncompleteCSV``).
        """
        db = self.datasette.databases[database]
        table = tilde_decode(NAMED_CSV.match(path)["name"])
        given = dict(reversed(params))
        column = given.get("_sort") or given.get("_sort_desc")
        view_key = self.keyset_view_key(path, params)
        if view_key:
            return await self.stream_sorted_view_csv(path, db, table, params, column, view_key, send)
        keys = await key_names(db, table)
        # A view has no key: Datasette pages a view by offset (its _next is the rows before the
        # page), and SQLite keeps rows that tie on the sort column in the order it reads them.
        by_offset = (await db.execute("SELECT type FROM sqlite_master WHERE name = ?", [table])).rows[0][0] == "view"
        sent = 0
        base = [(k, v) for k, v in params if k not in ("_stream", "_size", "_next", "_header")]
        base.append(("_size", str(STREAM_PAGE_ROWS)))
        header, token, started = None, None, False
        while True:
            query = base + ([("_next", token), ("_header", "off")] if token else [])
            response = await self.datasette.client.get(path + "?" + urlencode(query))
            for _ in range(STREAM_PAGE_RETRIES if started else 0):
                if response.status_code != 503 or "retry-after" not in response.headers:
                    break
                try:
                    wait = min(float(response.headers["retry-after"]), STREAM_RETRY_WAIT_S)
                except ValueError:  # an HTTP date: not what this site sends
                    wait = STREAM_RETRY_WAIT_S
                await asyncio.sleep(wait)
                response = await self.datasette.client.get(path + "?" + urlencode(query))
            body = response.content
            if response.status_code != 200 or csv_failure(body) is not None:
                if not started:
                    start = {
                        "type": "http.response.start",
                        "status": response.status_code if response.status_code != 200 else 400,
                        "headers": [(k.encode(), v.encode()) for k, v in response.headers.items()],
                    }
                    return await send_whole(send, start, body)
                raise IncompleteCSV(f"{path}: streamed CSV broken off: {error_text_of(body)}")
            rows = list(csv.reader(io.StringIO(body.decode("utf-8"), newline="")))
            if header is None:
                header, rows = rows[0], rows[1:]
                # The first page is asked for with its header, which names the columns of the
                # last row's key; the client that said _header=off does not get it.
                if given.get("_header") == "off":
                    body = body.split(b"\r\n", 1)[1]
            if not started:
                kept = [
                    (k.encode(), v.encode())
                    for k, v in response.headers.items()
                    if k.lower() in ("content-type", "content-disposition")
                ]
                await send({"type": "http.response.start", "status": 200, "headers": kept})
                started = True
            await send({"type": "http.response.body", "body": body, "more_body": True})
            if len(rows) < STREAM_PAGE_ROWS:
                break
            sent += len(rows)
            if by_offset:
                token = str(sent)
                continue
            last = dict(zip(header, rows[-1], strict=False))
            key_values = [last[k] for k in keys]
            found = await db.execute(
                f"SELECT [{column}] FROM [{table}] WHERE " + " AND ".join(f"[{k}] = ?" for k in keys), key_values
            )
            sort_value = found.rows[0][0] if found.rows else None
            token = ",".join(
                ["$null" if sort_value is None else tilde_encode(str(sort_value))]
                + [tilde_encode(v) for v in key_values]
            )
        await send({"type": "http.response.body", "body": b"", "more_body": False})

    async def stream_sorted_view_csv(self, path, db, table, params, column, key, send):
        """Stream a view's CSV sorted by the client, each page after the last by (sort value, ``key``).

        Unsorted, ``column`` is ``key`` itself: the rows come in key order.

        Datasette pages a view by offset, so every page sorted the whole view again: the last page
        of figures_series (50,000 rows) took 0.45-0.7 s against the 1 s limit, and broke the stream
        off on a loaded machine. Here each page is one query ordered by the sort column and then
        by ``key``, a column the view holds once per row (site_config.VIEW_KEYS), and it starts
        after the last row sent (about 0.06 s for any page). Datasette answers the request first
        with ``_size=0``, which checks the filters and the sort as for any page and gives the
        header row (sent unless ``_header=off``) and the response's headers; the rows are written
        as Datasette writes them (the csv module's default dialect, a value as Python's str, NULL
        as empty).
        """
        # As Datasette reads them: the first value of each, and an empty one is none.
        given = dict(reversed(params))
        descending = not given.get("_sort") and bool(given.get("_sort_desc"))
        # With _header=off and no rows Datasette's body is empty, which is how a failed CSV looks.
        checked = [(k, v) for k, v in params if k not in ("_stream", "_size", "_next", "_header")] + [("_size", "0")]
        response = await self.datasette.client.get(path + "?" + urlencode(checked))
        if response.status_code != 200 or csv_failure(response.content) is not None:
            start = {
                "type": "http.response.start",
                "status": response.status_code if response.status_code != 200 else 400,
                "headers": [(k.encode(), v.encode()) for k, v in response.headers.items()],
            }
            return await send_whole(send, start, response.content)
        kept = [
            (k.encode(), v.encode())
            for k, v in response.headers.items()
            if k.lower() in ("content-type", "content-disposition")
        ]
        await send({"type": "http.response.start", "status": 200, "headers": kept})
        if given.get("_header") != "off":
            await send({"type": "http.response.body", "body": response.content, "more_body": True})
        filter_args = sorted((k, v) for k, v in params if not k.startswith("_") or "__" in k)
        wheres, values = Filters(filter_args).build_where_clauses(table)
        columns = [r[0] for r in (await db.execute("SELECT name FROM pragma_table_info(?) ORDER BY cid", [table])).rows]
        if column not in columns or key not in columns:
            raise IncompleteCSV(f"{path}: {table} has no column {column!r} or {key!r}")
        position = columns.index(column), columns.index(key)
        order = f"[{column}]{' DESC' if descending else ''}, [{key}]"
        last = None
        while True:
            after = [] if last is None else [keyset_after(column, key, descending, last[0] is None)]
            sql = (
                f"SELECT {', '.join(f'[{c}]' for c in columns)} FROM [{table}]"
                + (" WHERE " + " AND ".join(f"({w})" for w in [*wheres, *after]) if wheres or after else "")
                + f" ORDER BY {order} LIMIT {STREAM_PAGE_ROWS}"
            )
            bound = dict(values) if last is None else {**values, "after_value": last[0], "after_key": last[1]}
            try:
                rows = (await db.execute(sql, bound)).rows
            except Exception as error:  # the time limit, or anything else: the stream is not whole
                raise IncompleteCSV(f"{path}: streamed CSV broken off: {error}") from error
            if rows:
                text = io.StringIO()
                csv.writer(text).writerows(tuple(row) for row in rows)
                await send({"type": "http.response.body", "body": text.getvalue().encode("utf-8"), "more_body": True})
            if len(rows) < STREAM_PAGE_ROWS:
                break
            last = rows[-1][position[0]], rows[-1][position[1]]
        await send({"type": "http.response.body", "body": b"", "more_body": False})

    async def serve_file(self, scope, receive, send, served: Path, disposition: bytes | None = None):
        etag = file_etag(served).encode()
        wanted = header(scope, b"if-none-match")
        if wanted is not None and none_match(wanted, etag):
            await send({"type": "http.response.start", "status": 304, "headers": [(b"etag", etag)]})
            await send({"type": "http.response.body", "body": b""})
            return
        headers = [(k, v) for k, v in scope.get("headers", []) if k.lower() != b"if-none-match"]
        scope = dict(scope, headers=headers)

        media_type = MEDIA_TYPES.get(served.suffix.lower())

        async def tagged(message):
            if message["type"] == "http.response.start" and message["status"] == 200:
                replaced = {b"etag", b"content-type"} if media_type else {b"etag"}
                if any(k.lower() == b"content-length" for k, _ in message.get("headers", [])):
                    # Datasette's database download says "chunked" beside the file's length, which
                    # RFC 9112 (6.2) forbids: uvicorn kept "chunked", so the 143 MB came with no size
                    # for a progress bar or a HEAD.
                    replaced.add(b"transfer-encoding")
                kept = [(k, v) for k, v in message.get("headers", []) if k.lower() not in replaced]
                typed = [(b"content-type", media_type)] if media_type else []
                named = [(b"content-disposition", disposition)] if disposition else []
                message = {**message, "headers": [*kept, *typed, *named, (b"etag", etag)]}
            await send(message)

        await self.app(scope, receive, tagged)


@hookimpl
def asgi_wrapper(datasette):
    return lambda app: Downloads(datasette, app)
