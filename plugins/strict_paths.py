"""Paths that answered the wrong thing: each now names what exists.

- ``/figure/<id>.json`` (and ``.csv``): the figure page has no JSON of its own (a figure's row is
  ``/<database>/figures/<id>.json``). A known id redirects there (302); an unknown one is a 404
  in the API's error shape that says so. It was a 404 whose error text was the flattened HTML
  of the page.
  An id a release carried that a correction has since removed is a 410 in the same shape,
  with the correction's date and reason, as its page is; a derived figure's id whose period a
  source now reports names that figure, and one whose inputs corrections all refiled names the
  figure the build derives from the ids they became (plugins/_refiled.py).
- A path with a percent-escape that no route reads and an extension (``/country/South%20Korea.json``)
  is answered as its ``~`` form with its format kept (``/country/South~20Korea.json``, a 302 to
  ``KOR.json``; ``/country/%C3%A9.json`` that page's 404 in the API's error shape;
  ``/country/South%20Korea.xml`` the 404 of a format the page lacks, as ``/country/KOR.xml``'s).
  Datasette redirected it to ``/country/South~20Korea~2Ejson``, which folds the extension into
  the name: the format was lost and the redirect led to an HTML 404, then to a 404 "Not found"
  that a name the page knows had too (``.xml``: "No jurisdiction 'South Korea.xml'").
- A figure's row (``/<database>/figures/<id>.json`` or ``.csv``) that a correction has removed
  is the same 410 as ``/figure/<id>.json`` (Datasette's was a 404 that said only "not found"); its HTML row
  page redirects to ``/figure/<id>``, which answers 410 with the correction. The HTML row page of
  an id no figure has and none had is ``/figure/<id>``'s 404 page (where to look instead, or the
  figure that takes its period's place), answered at the row's address: a redirect there was a
  302 to a 404.
- A row path with more key parts than the table's primary key (``figures/<id>,x.json``) is a
  404: Datasette 0.65 read the first part and answered ``<id>`` under 200. One with fewer
  (``requests_and_accounts/telegram.json``) is the same 404: Datasette's was a 400 that named a
  missing SQL parameter.
- A key no row of the table has (``platforms/nope.json``, its page, its ``.csv``; an empty one,
  ``platforms/.json``) is a 404 that names the table, its key columns and where its rows are:
  Datasette's said "Record not found". So is a row of a view, which has no address of its own.
- A row of a table that does not exist is a 404 "Table not found", a name with a dot
  (``a.b/c.json``) too: Datasette's was a 400 "no such table".
- ``/<database>.csv`` without ``sql=`` is a 400 that says what to ask: Datasette answered it
  with a 500 (a ``KeyError`` in its CSV code, which expects a query's columns).
- ``/downloads`` and ``/downloads/`` list the release files the site serves (the latest
  release first), from the ``release_files`` table, with the size of each file served;
  Datasette's static mount redirected ``/downloads/`` to ``/downloads``, a 404.
  ``/downloads.json`` is the same list as JSON (Datasette read it as a database named
  "downloads" and answered 404 "Database not found"); ``/downloads.<other>`` (``.csv``, ``.xml``)
  is a 404 in the API's error shape that names both, where Datasette said "Database not found".
  On a server started without dist/, ``/downloads/<version>/<file>`` is a 404 in that shape
  that says the server does not serve release files (it was "Database not found" too); a file a
  recorded release published is plugins/downloads.py's 404, which says the release is recorded.
  A symlink in dist/ is neither listed nor served (plugins/downloads.py): the list gave it its
  target's size, and Datasette served one that pointed inside dist/.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path
from urllib.parse import parse_qs, quote, unquote

from datasette import hookimpl
from datasette.utils import tilde_decode, tilde_encode
from datasette.utils.asgi import Response

# plugins/ is no package: what its plugins share (plugins/_table_options.py, _responses.py) is found
# on the path.
if str(Path(__file__).parent) not in sys.path:
    sys.path.append(str(Path(__file__).parent))
from _refiled import derived_in_place
from _releases import RELEASED_SQL, released_in, version_order
from _responses import EXTENSION, error_json, held, name_as_sent, send_message, send_whole
from _table_options import PAGE_OPTIONS, nameless_problem, unapplied_option
from _unread import args_as_sent, unread_parameters

PLUGIN = "platform-disclosures"
# Datasette's database of the served databases' schemas (Datasette 0.65 names it so).
INTERNAL = "_internal"
# The ids /figure/<id> answers (plugins/pages.py's route).
FIGURE_PAGE_ID = re.compile(r"[A-Za-z0-9_.-]+")
# An empty id too (/figure/.json), and text no id can be (/figure/a/b.json): the page routes
# would answer them with a page, whose whole text became the error.
FIGURE_JSON = re.compile(r"^/figure/(?P<figure_id>.*)\.(?P<format>json|csv)$")
DATABASE_CSV = re.compile(r"^/(?P<database>[^/.]+)\.csv$")
# A table's name as Datasette's row route reads it, dots included: a row of "a.b" or "." was its
# 400 "no such table", where a row of any other table that does not exist is a 404.
ROW_PATH = re.compile(r"^/(?P<database>[^/.]+)/(?P<table>[^/]+?)/(?P<row>[^/]+?)(?:\.(?P<format>\w+))?$")

# A derived figure's id: the id its period would have if reported, and this suffix (held equal
# to disclosures/vocabulary.py's by tests/test_figure_gone.py).
DERIVED_SUFFIX = "-derived"
# The end of the Location Datasette gives a %-escaped path that names nothing: the extension's
# dot written ~2E, inside the name.
FOLDED_FORMAT = re.compile(rb"~2[Ee](?P<format>[A-Za-z0-9]+)$")

# (database, table) -> number of primary-key columns (rowid: 1), for immutable databases.
_key_sizes: dict[tuple[str, str], int | None] = {}


def key_parts_problem(row: str, key_size: int, table: str, keys: list[str]) -> str | None:
    """Why a row path's comma-separated parts are not one value per key column, or None."""
    parts = row.split(",")
    if len(parts) == key_size:
        return None
    return (
        f"No row {name_as_sent(row, '~%')!r} in {table}: its key has {key_size} part{'s' if key_size != 1 else ''} "
        f"({', '.join(keys)}), the path has {len(parts)}. A comma inside a value is written ~2C"
    )


def missing_row_answered(send, database: str, table: str, keys: list[str], row: str, fmt: str | None, datasette):
    """``send``, with Datasette's 404 for a key no row has ("Record not found", which named neither
    the table nor where its keys are) replaced by one that does."""
    table_url = datasette.urls.table(database, table, format=fmt)
    message = (
        f"No row {name_as_sent(row, '~%')!r} in {table}: none has that {', '.join(keys)}; "
        f"its rows and their keys are at {table_url}"
    )

    async def answer(start, body):
        if b"Record not found" in body:
            return await send_message(send, 404, message, as_json=fmt is not None)
        await send_whole(send, start, body)

    return held(answer, send, keep=lambda start: start["status"] == 404)


async def key_columns(db, table: str) -> list[str] | None:
    """The primary-key columns of a table (["rowid"] without one), or None for no table."""
    key = (db.name, table)
    if key in _key_sizes:
        return _key_sizes[key]
    result = await db.execute(
        """SELECT p.name, p.pk FROM sqlite_master m LEFT JOIN pragma_table_info(m.name) p
           WHERE m.name = ? AND m.type = 'table' ORDER BY p.pk""",
        [table],
    )
    found = list(result.rows)
    keys = ([r["name"] for r in found if r["pk"]] or ["rowid"]) if found else None
    # Only tables that exist are kept: a name a client made up is not, so the memo stays as
    # small as the schema however many row paths of unknown tables arrive.
    if not db.is_mutable and keys is not None:
        _key_sizes[key] = keys
    return keys


async def gone_message(db, figure_id: str) -> tuple[int, str] | None:
    """(status, error text) for an id that names no figure, or None when nothing is known of it.

    410 when the records show the data held it: a correction removed it, or a release carried
    it. A derived id (``-derived``) whose period a source reports, which no release carried,
    is a 404 whose text leads to the reported figure: nothing shows that the build ever derived
    it, so it is not said to be gone. The other way round, an id without ``-derived`` whose period
    no source reports is a 404 that leads to the figure the build derives for it."""
    # With the release that published each removal, as the figure's page says it: a program
    # citing a release could not tell a removal it carried from one recorded since.
    removed = await db.execute(
        f"""SELECT c.correction_id, c.corrected_date, c.reason, {released_in("c.correction_id")} AS released_in
           FROM corrections c WHERE c.figure_id = ? AND (c.new_value IS NULL OR c.new_value = '')
           ORDER BY c.corrected_date, c.correction_id""",
        [figure_id],
    )
    # A reason is written as sentences: its last full stop is left out, as the message goes on after it
    # ("... under accounts_counted.; release 0.1.0 carried it").
    parts = [
        f"correction {r['correction_id']} of {r['corrected_date']} "
        f"({'published in release ' + r['released_in'] if r['released_in'] else 'in no release yet'}) "
        f"removed it: {r['reason'].rstrip().removesuffix('.')}"
        for r in removed.rows
    ]
    released = [r["version"] for r in (await db.execute(RELEASED_SQL, [figure_id])).rows]
    if released:
        parts.append(f"release{'s' if len(released) > 1 else ''} {', '.join(released)} carried it")
    pointer = None
    if figure_id.endswith(DERIVED_SUFFIX):
        reported = figure_id[: -len(DERIVED_SUFFIX)]
        if (await db.execute("SELECT 1 FROM figures WHERE figure_id = ? AND is_derived = 0", [reported])).rows:
            pointer = f"a source reports its period: /figure/{reported}"
        elif released and (in_place := await derived_in_place(db, figure_id)):
            pointer = (
                "corrections refiled each of its inputs, and the build derives its figure from the ids "
                f"they became: /figure/{in_place['figure_id']}"
            )
    else:
        # No source reports the period this id names, and the build derives its figure (pages.figure_gone).
        derived = figure_id + DERIVED_SUFFIX
        if (await db.execute("SELECT 1 FROM figures WHERE figure_id = ? AND is_derived = 1", [derived])).rows:
            pointer = f"no source reports its period, and the build derives its figure: /figure/{derived}"
    if not parts and pointer is None:
        return None
    if parts:
        text = f"Figure '{figure_id}' is gone: " + "; ".join(parts + ([pointer] if pointer else []))
        status = 410
    else:
        text = f"No figure '{figure_id}': no release carried it, and {pointer}"
        status = 404
    text += f". Its page says more: /figure/{figure_id}"
    # No angle brackets: plugins/errors.py reads them as markup.
    return status, text.replace("<", "‹").replace(">", "›")


def format_kept(send, unfolded: list[str]):
    """``send``, except that Datasette's redirect of a %-escaped path with an extension to its
    ``~`` form (which folds the extension into the name, so that it named nothing) is not sent:
    that form with its extension kept is appended to ``unfolded``, for the caller to answer."""
    replaced = False

    async def kept(message):
        nonlocal replaced
        if replaced:
            return
        if message["type"] == "http.response.start" and message["status"] in (301, 302):
            # Datasette writes the header "Location".
            location = next((v for k, v in message.get("headers", []) if k.lower() == b"location"), b"")
            location = location.partition(b"?")[0]
            folded = FOLDED_FORMAT.search(location)
            if folded:
                replaced = True
                unfolded.append((location[: folded.start()] + b"." + folded["format"]).decode("latin-1"))
                return
        return await send(message)

    return kept


async def answer(send, start: dict, body: bytes):
    await send(start)
    await send({"type": "http.response.body", "body": body})


async def is_table_or_view(db, table: str) -> bool:
    result = await db.execute("SELECT 1 FROM sqlite_master WHERE name = ? AND type IN ('table', 'view')", [table])
    return bool(result.rows)


def database_name(datasette) -> str | None:
    return (datasette.plugin_config(PLUGIN) or {}).get("database")


@hookimpl
def asgi_wrapper(datasette):
    def wrap(app):
        async def strict(scope, receive, send):
            if scope["type"] != "http" or scope.get("method") not in ("GET", "HEAD"):
                return await app(scope, receive, send)
            path = scope.get("path", "")
            figure = FIGURE_JSON.match(path)
            name = database_name(datasette)
            if figure and name in datasette.databases:
                figure_id = figure["figure_id"]
                db = datasette.databases[name]
                found = await db.execute("SELECT 1 FROM figures WHERE figure_id = ?", [figure_id])
                # .csv as .json: the figure's row in that format (a CSV's errors are the JSON shape).
                row_json = datasette.urls.row(name, "figures", tilde_encode(figure_id)) + "." + figure["format"]
                if found.rows:
                    # The client's parameters go along (_shape, _labels ...).
                    query = scope.get("query_string", b"")
                    location = row_json.encode() + (b"?" + query if query else b"")
                    start = {
                        "type": "http.response.start",
                        "status": 302,
                        "headers": [(b"location", location), (b"access-control-allow-origin", b"*")],
                    }
                    return await answer(send, start, b"")
                gone = await gone_message(db, figure_id)
                if gone:
                    return await send_message(send, *gone, as_json=True)
                # No angle brackets: plugins/errors.py reads them as markup. The id is echoed
                # as a URL writes it, so one holding markup is not shown as another id.
                message = (
                    f"No figure '{quote(figure_id, safe='')}'. The {figure['format'].upper()} of a figure is "
                    f"{datasette.urls.table(name, 'figures')}/FIGURE_ID.{figure['format']} (the id in its page's "
                    f"address); the ids are in {datasette.urls.table(name, 'figures')}.{figure['format']}"
                )
                return await send_message(send, 404, message, as_json=True)
            database_csv = DATABASE_CSV.match(path)
            if database_csv and database_csv["database"] in datasette.databases:
                given = parse_qs(scope.get("query_string", b"").decode("utf-8", "replace"))
                if not any(value.strip() for value in given.get("sql", [])):
                    database = database_csv["database"]
                    message = (
                        f"A database's CSV is the answer to a query: add sql=SELECT … "
                        f"(a table's CSV is {datasette.urls.table(database, 'TABLE')}.csv)"
                    )
                    return await send_message(send, 400, message, as_json=True)
            # Datasette routes on the raw path, where an encoded slash (..%2f) stays inside its
            # segment: so must this, or such a row of a made-up table reaches its 400.
            raw_path = scope.get("raw_path") or path.encode("utf-8")
            row_send = send
            row = ROW_PATH.match(raw_path.decode("latin-1"))
            # Not Datasette's own _internal database, which no client may view: its answer is
            # Datasette's 403, where this one named its tables' keys, or that a table was not there.
            if row and unquote(row["database"]) in datasette.databases and unquote(row["database"]) != INTERNAL:
                db = datasette.databases[unquote(row["database"])]
                row_key, row_format = row["row"], row["format"]
                if row_format is None and unquote(row_key) in (".json", ".csv"):
                    # figures/.json is the JSON of an empty key: Datasette's key takes at least one
                    # character, so it read ".json" as the key of a page, and the figure's whole 404
                    # page, navigation and all, became the error text of the JSON answer.
                    row_key, row_format = "", unquote(row_key)[1:]
                table = tilde_decode(unquote(row["table"]))
                keys = await key_columns(db, table)
                if keys is None and not await is_table_or_view(db, table):
                    # Datasette answered a row of a table that does not exist with a 400
                    # ("no such table"): the path names nothing, which is a 404. Plain text, which
                    # plugins/errors.py renders as the site's error page (or the JSON shape).
                    return await send_message(send, 404, f"Table not found: {table}", as_json=False)
                if keys is None and row_format in (None, "json", "csv"):
                    # A view's: Datasette looked the row up by a rowid a view does not have and
                    # said "Record not found", where a table's row says where its rows are.
                    message = (
                        f"No row {name_as_sent(row_key, '~%')!r} in {table}: {table} is a view, whose rows have "
                        f"no address of their own; its rows are at {datasette.urls.table(db.name, table, format=row_format)}"
                    )
                    return await send_message(send, 404, message, as_json=False)
                problem = (
                    keys and ("," in row_key or len(keys) > 1) and key_parts_problem(row_key, len(keys), table, keys)
                )
                if problem:
                    return await send_message(send, 404, problem, as_json=row_format == "json")
                if table == "figures" and unquote(row["database"]) == name and row_format in (None, "json", "csv"):
                    figure_id = name_as_sent(row_key, "~%")
                    if not (await db.execute("SELECT 1 FROM figures WHERE figure_id = ?", [figure_id])).rows:
                        gone = await gone_message(db, figure_id)
                        # A CSV's errors are the JSON shape, as everywhere on the API.
                        if gone and row_format in ("json", "csv"):
                            return await send_message(send, *gone, as_json=True)
                        # The figure's own page says what became of it, with links, or, for an id
                        # nothing knows, where to look instead (Datasette's page said "Record not found").
                        if gone and gone[0] == 410:
                            location = f"/figure/{quote(figure_id, safe='')}".encode()
                            start = {"type": "http.response.start", "status": 302, "headers": [(b"location", location)]}
                            return await answer(send, start, b"")
                        if row_format is None and FIGURE_PAGE_ID.fullmatch(figure_id):
                            # That page is a 404 here: answered at this address, as a redirect to it
                            # answered a 404 under a 302.
                            page = f"/figure/{quote(figure_id, safe='')}"
                            figure_page = dict(scope, path=page, raw_path=page.encode(), query_string=b"")
                            return await app(figure_page, receive, send)
                if keys and row_format in (None, "json", "csv"):
                    row_send = missing_row_answered(send, db.name, table, keys, row_key, row_format, datasette)
            escaped = raw_path.partition(b"?")[0]
            # The extension itself may be escaped (figures%2Ejson): the path then ends in it.
            if b"%" in escaped and (EXTENSION.search(escaped.decode("latin-1")) or EXTENSION.search(path)):
                unfolded = []
                await app(scope, receive, format_kept(row_send, unfolded))
                if unfolded:
                    # The path as Datasette reads %-escapes, in its ~ form, in the format asked
                    # for: /country/South%20Korea.json is /country/South~20Korea.json (a 302 to
                    # KOR.json), and a name no page knows is that page's own 404.
                    tilde_path = unfolded[0]
                    return await strict(dict(scope, path=tilde_path, raw_path=tilde_path.encode()), receive, send)
                return
            return await app(scope, receive, row_send)

        return strict

    return wrap


def release_file(folder: Path, version: str, file: str) -> Path | None:
    """dist/<version>/<file> when it is a file ``make release`` wrote: a regular file reached
    through no symlink. A symlink is not a release's file: its bytes are whatever it points to
    now, outside dist/ (Datasette's static mount refuses those with a 404) or inside it, another
    name for a file the release's SHA256SUMS may not list under that name."""
    path = folder / version
    for part in Path(file).parts:
        if path.is_symlink():
            return None
        path = path / part
    return path if not path.is_symlink() and path.is_file() else None


async def release_listing(datasette) -> dict:
    """Every recorded release, newest first, with each file's link and size where this server
    serves it: the data of /downloads and /downloads.json."""
    name = database_name(datasette)
    folder = next((Path(f) for mount, f in datasette.static_mounts if mount == "downloads"), None)
    releases = []
    if name in datasette.databases:
        db = datasette.databases[name]
        found = await db.execute(
            f"""SELECT r.version, r.date, r.previous, r.figures, r.added, r.changed, r.changed_same_value,
                      r.removed, f.path
               FROM releases r JOIN release_files f USING (version)
               ORDER BY r.date DESC, {version_order("r.version", descending=True)}, f.path"""
        )
        for version, date, previous, figures, added, changed, same, removed, file in found.rows:
            if not releases or releases[-1]["version"] != version:
                # What each release changed, in numbers (the changes page lists them): the page
                # said only "What changed in the latest one: What changed".
                counts = {"added": added, "changed": changed, "removed": removed}
                releases.append(
                    {
                        "version": version,
                        "date": date,
                        "previous": previous,
                        "figures": figures,
                        "counts": counts,
                        "changed_same_value": same,
                        "files": [],
                    }
                )
            served = release_file(folder, version, file) if folder is not None else None
            releases[-1]["files"].append(
                {
                    "path": file,
                    "url": datasette.urls.path(f"downloads/{version}/{file}") if served else None,
                    # The size of the bytes the link serves, read now: the release files are
                    # not in the database (a release's database is one of them).
                    "bytes": served.stat().st_size if served else None,
                }
            )
    return {"releases": releases, "mounted": folder is not None}


async def downloads_index(datasette, request):
    context = await release_listing(datasette)
    # /downloads?_shape=array and ?version=1.0.0 showed every release without a word, where
    # /downloads.json answers each a 400: the page says it did not apply them, as /platforms does.
    context["not_applied"] = unread_parameters(
        args_as_sent(request.query_string),
        (),
        refused=lambda key, value: key == "_shape" or unapplied_option([(key, value)], PAGE_OPTIONS) is not None,
    )
    return Response.html(await datasette.render_template("downloads.html", context, request=request))


async def downloads_json(datasette, request):
    if "_shape" in request.args:
        # One object, not rows: the parameter was ignored, so _shape=array answered the object.
        message = (
            f"_shape={request.args['_shape']}: /downloads.json is one JSON object, the list of release files, "
            "and takes no _shape; the shapes (arrays, objects, array, arrayfirst, object) are of a table's or a "
            f"query's rows, as in {datasette.urls.table(database_name(datasette), 'release_files')}.json?_shape=array"
        )
        return error_json(400, message)
    options = PAGE_OPTIONS if datasette.setting("trace_debug") else (*PAGE_OPTIONS, "_trace")
    found = unapplied_option(((key, value) for key in request.args for value in request.args.getlist(key)), options)
    if found is not None:
        # Ignored too: /downloads.json?_size=1 answered every release's every file.
        key, value = found
        message = (
            f"{key}={value}: /downloads.json is one JSON object, the list of release files, and does not apply "
            f"{key}, an option of a table's or a query's rows, as in "
            f"{datasette.urls.table(database_name(datasette), 'release_files')}.json, which takes it"
        )
        return error_json(400, message)
    nameless = nameless_problem(
        ((key, value) for key in request.args for value in request.args.getlist(key)), "/downloads takes none"
    )
    if nameless:
        return error_json(400, nameless)
    unknown = next((key for key in request.args if not key.startswith("_")), None)
    if unknown is not None:
        # Ignored: /downloads.json?version=1.0.0 answered every release, 200, as if it were 1.0.0's
        # (the pages' JSON, /countries.json and the others, refuse a parameter they do not read).
        message = f"{unknown}: /downloads has no parameter {unknown!r}, so it would answer as if it were not given; it takes none"
        return error_json(400, message)
    # Datasette read /downloads.json as a database named "downloads" ("Database not found").
    return Response.json(await release_listing(datasette), headers={"access-control-allow-origin": "*"})


async def downloads_other_format(datasette, request):
    message = (
        f"/downloads has no .{request.url_vars['format']}: the list of release files is /downloads.json (JSON), "
        "and /downloads is its page"
    )
    return error_json(404, message)


async def downloads_not_served(datasette, request):
    message = (
        f"{request.path}: this server does not serve the release files (make release writes them into dist/, "
        "which a server started after it serves); /downloads lists each release's files"
    )
    return error_json(404, message)


@hookimpl
def register_routes(datasette):
    routes = [
        (r"^/downloads/?$", downloads_index),
        (r"^/downloads\.json$", downloads_json),
        # Datasette read any other as a database named "downloads": "Database not found"; one
        # of two parts (.tar.gz, .json.gz) as its HTML "Table not found" page.
        (r"^/downloads\.(?P<format>(?!json$)[A-Za-z0-9]+(?:\.[A-Za-z0-9]+)*)$", downloads_other_format),
    ]
    if not any(mount == "downloads" for mount, _ in datasette.static_mounts):
        # Without dist/ (no release made before the server started) a release file's address,
        # which /downloads and a citation name, was read as a database named "downloads":
        # "Database not found", where /downloads says the file is not on this server.
        routes.append((r"^/downloads/(?P<file>.+)$", downloads_not_served))
    return routes
