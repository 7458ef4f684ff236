"""The Datasette plugin behind the public site: guards, the home page data, figure pages.

Registered by scripts/serve.py (``make_datasette``). Pure helpers (``request_problem``,
``format_problem``, ``chart_series``) are importable and tested on their own.
"""

from __future__ import annotations

import functools
import json
import re
import sqlite3
import threading
from datetime import date, timedelta
from pathlib import Path
from urllib.parse import parse_qs

import markupsafe
import yaml
from datasette import hookimpl
from datasette.utils.asgi import Response

ROOT = Path(__file__).resolve().parents[1]
API_EXAMPLES = ROOT / "api_examples.yml"
DATABASE_NAME = "disclosures"

# Longest string or blob any query may build. The longest cell in the data is a few KB; a
# query that needs more is building something hostile (zeroblob(1e9), replace() amplification).
MAX_VALUE_BYTES = 200_000
MAX_SQL_BYTES = 50_000
# Widest printf/format field. SQLite checks the length limit only after looping over the
# whole width, so printf('%.*c', 999999999, 'x') runs for seconds: refuse it up front.
MAX_FORMAT_WIDTH = 1_000
# /-/databases shows absolute file paths and /-/threads the server's threads: neither helps
# a reader, both help an attacker.
HIDDEN_PATHS = {"/-/databases", "/-/databases.json", "/-/threads", "/-/threads.json"}
TIMELIMIT = re.compile(r"^[1-9][0-9]{0,5}$")
FORMAT_SPEC = re.compile(r"%[-+ 0#,!]*(\*|[0-9]+)?(?:\.(\*|[0-9]+))?([a-zA-Z%])")
FORMAT_CALL = re.compile(r"\b(printf|format)\s*\(", re.IGNORECASE)
SQL_STRING = re.compile(r"'((?:[^']|'')*)'")
CSV_LIMIT_MESSAGE = re.compile(rb"CSV contains more than [0-9]+ bytes$")
TOP_COUNTRIES = 6
CHANGES_SHOWN = 1000  # rows of the changelog on /changes; the full list is changelog.csv


# Guards ------------------------------------------------------------------------------------


def format_problem(fmt: str, args: tuple = ()) -> str | None:
    """Why a printf format (with its arguments) would build an enormous string, or None."""
    remaining = list(args)
    for flags_width, precision, conversion in FORMAT_SPEC.findall(fmt):
        for part in (flags_width, precision):
            if part == "*":
                value = remaining.pop(0) if remaining else 0
                try:
                    width = abs(int(value))
                except (TypeError, ValueError):
                    width = 0
            else:
                width = int(part) if part else 0
            if width > MAX_FORMAT_WIDTH:
                return f"printf/format field width {width} exceeds {MAX_FORMAT_WIDTH}"
        if conversion != "%" and remaining:
            remaining.pop(0)
    return None


def sql_problem(sql: str) -> str | None:
    """Why a SQL text would run one huge function call the time limit cannot stop, or None."""
    if len(sql.encode("utf-8")) > MAX_SQL_BYTES:
        return f"SQL longer than {MAX_SQL_BYTES} bytes"
    if FORMAT_CALL.search(sql):
        for literal in SQL_STRING.findall(sql):
            fmt = literal.replace("''", "'")
            if any(part == "*" for spec in FORMAT_SPEC.findall(fmt) for part in spec[:2]):
                return "printf/format with a * width or precision is not allowed here"
            problem = format_problem(fmt)
            if problem:
                return problem
    return None


def request_problem(path: str, query_string: str) -> tuple[int, str] | None:
    """(status, message) for a request the site refuses before Datasette sees it, or None."""
    if path in HIDDEN_PATHS:
        return 404, "Not found"
    params = parse_qs(query_string, keep_blank_values=True)
    for value in params.get("_timelimit", []):
        if not TIMELIMIT.match(value):
            return 400, "_timelimit must be a whole number of milliseconds, e.g. _timelimit=500"
    for sql in params.get("sql", []):
        problem = sql_problem(sql)
        if problem:
            return 400, f"Query refused: {problem}"
    return None


_delegates = threading.local()


def _builtin_printf(fmt, *args):
    """SQLite's own printf, reached through a private in-memory connection."""
    if not hasattr(_delegates, "conn"):
        _delegates.conn = sqlite3.connect(":memory:", check_same_thread=True)
        _delegates.conn.setlimit(sqlite3.SQLITE_LIMIT_LENGTH, MAX_VALUE_BYTES)
    placeholders = ", ".join("?" for _ in range(len(args) + 1))
    return _delegates.conn.execute(f"SELECT printf({placeholders})", (fmt, *args)).fetchone()[0]


def guarded_printf(fmt=None, *args):
    if fmt is None:
        return None
    problem = format_problem(str(fmt), args)
    if problem:
        raise ValueError(problem)
    return _builtin_printf(fmt, *args)


@hookimpl
def prepare_connection(conn):
    conn.setlimit(sqlite3.SQLITE_LIMIT_LENGTH, MAX_VALUE_BYTES)
    conn.setlimit(sqlite3.SQLITE_LIMIT_SQL_LENGTH, MAX_SQL_BYTES)
    # Catches formats built at run time, which the SQL text check cannot see.
    conn.create_function("printf", -1, guarded_printf, deterministic=True)
    conn.create_function("format", -1, guarded_printf, deterministic=True)


async def _send_text(send, status: int, message: str):
    body = (message + "\n").encode("utf-8")
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", b"text/plain; charset=utf-8"),
                            (b"access-control-allow-origin", b"*"),
                            (b"content-length", str(len(body)).encode())]})
    await send({"type": "http.response.body", "body": body})


TABLE_JSON = re.compile(rf"^/{DATABASE_NAME}/(?P<table>[a-z][a-z0-9_]*)\.json$")


def facets_timed_out(data: dict, requested: list[str]) -> list[str]:
    """Requested facets missing from a table's JSON: Datasette drops a facet that timed out."""
    present = data.get("facet_results", {})
    return [name for name in requested if name not in present]


def requested_facets(datasette, table: str, params: dict) -> list[str]:
    if "_nofacet" in params:
        return []
    configured = (datasette.table_metadata(DATABASE_NAME, table) or {}).get("facets", [])
    names = [f if isinstance(f, str) else next(iter(f.values())) for f in configured]
    names += params.get("_facet", [])
    return list(dict.fromkeys(names))


def _is_csv(scope) -> bool:
    path = scope.get("path", "")
    return path.endswith(".csv") or b"_format=csv" in scope.get("query_string", b"")


@hookimpl
def asgi_wrapper(datasette):
    def wrap(app):
        async def guarded(scope, receive, send):
            if scope["type"] != "http":
                return await app(scope, receive, send)
            problem = request_problem(scope.get("path", ""), scope.get("query_string", b"").decode("latin-1"))
            if problem:
                return await _send_text(send, *problem)
            table_json = TABLE_JSON.match(scope.get("path", ""))
            if table_json:
                return await app(scope, receive, _with_facet_report(datasette, scope, table_json["table"], send))
            if not _is_csv(scope):
                return await app(scope, receive, send)
            # Datasette streams CSV with status 200 and, at max_csv_mb, appends an error to the
            # body. Hold the CSV back (it is bounded by max_csv_mb) and answer 413 instead.
            async def finish(start, body):
                if start["status"] == 200 and CSV_LIMIT_MESSAGE.search(body.rstrip()):
                    limit = datasette.setting("max_csv_mb")
                    return await _send_text(
                        send, 413,
                        f"This CSV is larger than {limit} MB, so it was not sent. Filter it, or download "
                        f"the whole database: /{DATABASE_NAME}.db")
                await _send_whole(send, start, body)

            await app(scope, receive, _held(finish))

        return guarded

    return wrap


def _held(finish):
    """An ASGI send that holds the whole response back, then hands it to ``finish(start, body)``."""
    start, chunks = None, []

    async def hold(message):
        nonlocal start
        if message["type"] == "http.response.start":
            start = message
            return
        chunks.append(message.get("body", b""))
        if not message.get("more_body"):
            await finish(start, b"".join(chunks))

    return hold


async def _send_whole(send, start, body: bytes):
    headers = [(k, v) for k, v in start["headers"] if k.lower() != b"content-length"]
    headers.append((b"content-length", str(len(body)).encode()))
    await send({**start, "headers": headers})
    await send({"type": "http.response.body", "body": body})


def _with_facet_report(datasette, scope, table: str, send):
    """Hold a table's JSON back and add facets_timed_out, which Datasette shows only in HTML."""
    params = parse_qs(scope.get("query_string", b"").decode("latin-1"), keep_blank_values=True)

    async def finish(start, body):
        if start["status"] == 200:
            try:
                data = json.loads(body)
            except ValueError:
                data = None
            if isinstance(data, dict) and "facet_results" in data:
                data["facets_timed_out"] = facets_timed_out(data, requested_facets(datasette, table, params))
                body = json.dumps(data, default=str).encode("utf-8")
        await _send_whole(send, start, body)

    return _held(finish)


# Cells ----------------------------------------------------------------------------------------


LINK_COLUMNS = {("sources", "url"), ("sources", "archived_url"), ("platforms", "transparency_report_url")}


FIGURE_TABLES = {"figures", "figures_series"}


def value_text(row) -> str:
    """A figure's value as it was reported: 900, 0–249, fewer than 30, withheld, not reported."""
    kind = row["value_kind"]
    if kind == "exact":
        return str(row["value"])
    if kind == "band":
        return f"{row['value_low']}–{row['value_high']}"
    if kind == "less_than":
        return f"fewer than {row['value_high']}"
    return kind.replace("_", " ")


@hookimpl
def render_cell(row, value, column, table, database):
    if database != DATABASE_NAME:
        return None
    if table in FIGURE_TABLES and column == "value":
        # The number links to the figure's page: its quote, source, inputs and disagreements.
        return markupsafe.Markup('<a class="figure-page" href="/figure/{0}" title="Where this figure comes from">{1}</a>').format(
            row["figure_id"], value_text(row))
    if value in (None, ""):
        return None
    if (table, column) in LINK_COLUMNS and isinstance(value, str) and value.startswith(("http://", "https://")):
        return markupsafe.Markup('<a href="{0}" rel="nofollow noopener">{0}</a>').format(value)
    return None


# Home page ------------------------------------------------------------------------------------


def chart_series(rows: list[dict], top: int = TOP_COUNTRIES) -> list[dict]:
    """Group non-overlapping Telegram periods by country, biggest first, for the home chart.

    ``rows``: dicts with jurisdiction_id, name, period_start, period_end, period_label, value,
    is_derived. Countries rank by their largest single-period value.
    """
    by_country: dict[str, dict] = {}
    for row in rows:
        entry = by_country.setdefault(row["jurisdiction_id"], {"id": row["jurisdiction_id"], "name": row["name"], "periods": []})
        entry["periods"].append({
            "start": row["period_start"],
            "end": (date.fromisoformat(row["period_end"]) + timedelta(days=1)).isoformat(),
            "label": row["period_label"], "value": row["value"], "derived": bool(row["is_derived"]),
        })
    ranked = sorted(by_country.values(), key=lambda c: (-max(p["value"] for p in c["periods"]), c["id"]))
    for country in ranked:
        country["periods"].sort(key=lambda p: p["start"])
    return ranked[:top]


async def home_context(datasette) -> dict:
    db = datasette.get_database(DATABASE_NAME)
    series = await db.execute("""
        SELECT s.jurisdiction_id, j.name, s.period_start, s.period_end, s.period_label, s.value, s.is_derived
        FROM figures_series s JOIN jurisdictions j USING (jurisdiction_id)
        WHERE s.platform_id = 'telegram' AND s.metric_id = 'requests_fulfilled'
        ORDER BY s.jurisdiction_id, s.period_start""")
    events = await db.execute("""
        SELECT e.event_id, e.event_date, e.title, s.url FROM events e JOIN sources s USING (source_id)
        WHERE e.platform_id = 'telegram' AND e.event_date >= '2024-01-01' ORDER BY e.event_date""")
    totals = await db.execute("""
        SELECT (SELECT count(*) FROM figures WHERE is_derived = 0), (SELECT count(*) FROM figures WHERE is_derived = 1),
               (SELECT count(DISTINCT platform_id) FROM figures), (SELECT count(DISTINCT jurisdiction_id) FROM figures),
               (SELECT count(*) FROM sources), (SELECT count(*) FROM disagreements)""")
    latest = await db.execute("""
        SELECT source_id, title, publisher, published_date, url FROM sources
        WHERE published_date IS NOT NULL ORDER BY published_date DESC, source_id LIMIT 5""")
    licensed = await db.execute("""
        SELECT source_id, title, publisher, url, licence, notes FROM sources WHERE licence IS NOT NULL ORDER BY source_id""")
    countries = chart_series([dict(r) for r in series.rows])
    marked = (datasette.plugin_config("platform-disclosures") or {}).get("home_chart_events", {})
    chart = {"countries": countries,
             "events": [{**dict(r), "label": marked[r["event_id"]]} for r in events.rows if r["event_id"] in marked]}
    reported, derived, platforms, jurisdictions, sources, disagreements = totals.rows[0]
    return {
        "release": release_context(limit=8),
        "chart_json": markupsafe.Markup(json.dumps(chart, ensure_ascii=False).replace("</", "<\\/")),
        "chart": chart,
        "totals": {"reported": reported, "derived": derived, "platforms": platforms,
                   "jurisdictions": jurisdictions, "sources": sources, "disagreements": disagreements},
        "latest_sources": [dict(r) for r in latest.rows],
        "licensed_sources": [dict(r) for r in licensed.rows],
    }


@functools.lru_cache(maxsize=4)
def release_context(limit: int | None = 8) -> dict | None:
    """The current release for the site: version, date, downloads, changes, and whether the data is it.

    Cached: it hashes the data files and reads the changelog, and neither changes while serving."""
    from scripts import release

    info = release.current_release_info(limit=limit)
    if info is None:
        return None
    info["state"] = release.release_state()
    info["downloads"] = [
        {**f, "url": f"/downloads/{info['version']}/{f['path']}"} for f in info["files"] if f["bytes"] is not None
    ]
    return info


async def changes_page(datasette, request):
    context = {"release": release_context(limit=CHANGES_SHOWN), "site_title": datasette.metadata("title"),
               "shown": CHANGES_SHOWN}
    return Response.html(await datasette.render_template("changes.html", context, request=request))


@functools.lru_cache(maxsize=1)
def atom_for_current_release() -> str | None:
    """The current release's new and corrected figures, from its committed record in releases/."""
    from scripts import release

    info = release.current_release_info(limit=None)
    if info is None:
        return None
    descriptor = json.loads((ROOT / "datapackage.json").read_text(encoding="utf-8"))
    return release.atom_feed(descriptor, info["version"], info["date"], info["changelog"])


async def feed(datasette, request):
    atom = atom_for_current_release()
    if atom is None:
        return Response.text("Nothing has been released yet.", status=404)
    return Response(atom, content_type="application/atom+xml; charset=utf-8")


def load_api_examples(path: Path = API_EXAMPLES) -> list[dict]:
    return yaml.safe_load(path.read_text(encoding="utf-8"))["examples"]


@hookimpl
def extra_template_vars(template, datasette):
    async def inner():
        context = {"package": _package_info(), "site_title": datasette.metadata("title")}
        if template == "index.html":
            context.update(await home_context(datasette))
        if template == "pages/api.html":
            context["api_examples"] = load_api_examples()
            context["settings"] = {name: datasette.setting(name) for name in (
                "max_returned_rows", "max_csv_mb", "sql_time_limit_ms", "default_cache_ttl")}
        return context

    return inner


def _package_info() -> dict:
    descriptor = json.loads((ROOT / "datapackage.json").read_text(encoding="utf-8"))
    return {"version": descriptor.get("version"), "title": descriptor.get("title"),
            "licenses": descriptor.get("licenses", [])}


# Figure pages --------------------------------------------------------------------------------


async def figure_page(datasette, request):
    figure_id = request.url_vars["figure_id"]
    db = datasette.get_database(DATABASE_NAME)
    found = await db.execute("""
        SELECT f.*, p.name AS platform_name, j.name AS jurisdiction_name,
               m.label AS metric_label, m.definition AS metric_definition, m.unit,
               r.label AS request_type_label, r.definition AS request_type_definition,
               s.title AS source_title, s.publisher AS source_publisher, s.url AS source_url,
               s.kind AS source_kind, s.published_date AS source_published, s.licence AS source_licence
        FROM figures f
        JOIN platforms p USING (platform_id) JOIN jurisdictions j USING (jurisdiction_id)
        JOIN metrics m USING (metric_id) JOIN request_types r USING (request_type_id)
        LEFT JOIN sources s USING (source_id)
        WHERE f.figure_id = ?""", [figure_id])
    if not found.rows:
        return Response.html(await datasette.render_template(
            "error.html", {"ok": False, "error": f"No figure {figure_id}", "status": 404, "title": "Not found",
                         "metadata": datasette.metadata()},
            request=request), status=404)
    figure = dict(found.rows[0])
    inputs = await db.execute("""
        SELECT i.input_figure_id, i.sign, f.value, f.period_label, f.source_id
        FROM figure_inputs i JOIN figures f ON f.figure_id = i.input_figure_id
        WHERE i.figure_id = ? ORDER BY i.sign DESC, i.input_figure_id""", [figure_id])
    used_in = await db.execute(
        "SELECT figure_id FROM figure_inputs WHERE input_figure_id = ? ORDER BY figure_id", [figure_id])
    disagreements = await db.execute("""
        SELECT d.*, s.title AS source_title, s.url AS source_url FROM disagreements d
        JOIN sources s USING (source_id) WHERE d.figure_id = ? ORDER BY d.disagreement_id""", [figure_id])
    corroborations = await db.execute("""
        SELECT c.*, s.title AS source_title, s.url AS source_url FROM corroborations c
        JOIN sources s USING (source_id) WHERE c.figure_id = ? ORDER BY c.source_id""", [figure_id])
    context = {
        "metadata": datasette.metadata(),
        "figure": figure,
        "inputs": [dict(r) for r in inputs.rows],
        "used_in": [r[0] for r in used_in.rows],
        "disagreements": [dict(r) for r in disagreements.rows],
        "corroborations": [dict(r) for r in corroborations.rows],
    }
    return Response.html(await datasette.render_template("figure.html", context, request=request))


async def serving_status():
    """What the serving process can import: proof, over HTTP, that the guards are in place."""
    try:
        import rich  # noqa: F401

        rich_importable = True
    except ImportError:
        rich_importable = False
    return Response.json({"rich_importable": rich_importable, "max_value_bytes": MAX_VALUE_BYTES,
                          "max_format_width": MAX_FORMAT_WIDTH})


@hookimpl
def register_routes():
    return [
        (r"^/figure/(?P<figure_id>[A-Za-z0-9_.-]+)$", figure_page),
        (r"^/-/serving\.json$", serving_status),
        (r"^/changes$", changes_page),
        (r"^/feed\.atom$", feed),
    ]
