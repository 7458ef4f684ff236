"""What one request may cost in time: a budget per request, a cap on facets, and a bounded lane
for ad-hoc SQL.

- Facets: Datasette's limit (``facet_time_limit_ms``) is per facet, and it runs each ``_facet``
  it is given, repeats included. Repeats are dropped; more than ``MAX_FACETS`` distinct facets is
  a 400; ``_facet_size`` is at most ``MAX_FACET_SIZE``.
- Budget: a request has ``sql_time_limit_ms`` + ``BUDGET_MARGIN_S`` to start its answer, however
  many queries it runs. Past that it is answered 400 at once; a query still running in a thread
  stops at its own time limit.
- Ad-hoc SQL (``sql=``, ``_where``) runs at most ``num_sql_threads - 1`` at a time, so pages and
  canned queries always have a thread; a request that cannot get a place within its budget is
  answered 429 with ``Retry-After``.
- Admission: every other budgeted request (pages, tables, JSON) runs at most
  ``num_sql_threads`` at a time per process, the others wait their turn in order, and a
  request's budget starts when its turn comes. Under load (16 clients on two workers) the
  budget counted the wait for the CPU and refused ordinary pages with 400; now the load shows
  as latency, and a request that waits more than ``ADMISSION_WAIT_S`` is answered 503 with
  ``Retry-After``.
"""

from __future__ import annotations

import asyncio
import json
from urllib.parse import parse_qsl, urlencode

from datasette import hookimpl

FACET_PARAMETERS = ("_facet", "_facet_array", "_facet_date")
MAX_FACETS = 5
# Values listed per facet. Datasette allows up to max_returned_rows (5,000) with _facet_size=max,
# and a facet of a free-text column that long took ~1 s to render on top of its query.
MAX_FACET_SIZE = 100
# The answer must start within the SQL time limit plus this (the "+ 0.5 s", less a
# margin for the event loop and the network).
BUDGET_MARGIN_S = 0.4
AD_HOC_PARAMETERS = ("sql", "_where")
# Longest wait for a turn before a 503: well within nginx's proxy_read_timeout (60 s).
ADMISSION_WAIT_S = 30
# Paths that never wait for a turn: Datasette's own status pages (health checks, versions) and
# files.
UNQUEUED_PREFIXES = ("/-/", "/static/", "/downloads/")


def facet_problem(pairs: list[tuple[str, str]]) -> tuple[list[tuple[str, str]], str | None]:
    """The query's (name, value) pairs with repeated facets removed and ``_facet_size`` capped at
    ``MAX_FACET_SIZE`` ("max" included), and why it is refused, or None."""
    seen, kept = set(), []
    for name, value in pairs:
        if name in FACET_PARAMETERS:
            if (name, value) in seen:
                continue
            seen.add((name, value))
        if name == "_facet_size" and not (value.isdigit() and int(value) <= MAX_FACET_SIZE):
            value = str(MAX_FACET_SIZE)
        kept.append((name, value))
    if len(seen) > MAX_FACETS:
        return kept, f"at most {MAX_FACETS} facets per request ({len(seen)} asked)"
    return kept, None


def is_streamed_csv(path: str, pairs: list[tuple[str, str]]) -> bool:
    names = dict(pairs)
    return (path.endswith(".csv") or names.get("_format") == "csv") and names.get("_stream") not in (
        None,
        "",
        "0",
        "off",
    )


def is_ad_hoc(pairs: list[tuple[str, str]]) -> bool:
    return any(name in AD_HOC_PARAMETERS for name, _ in pairs)


async def send_refusal(send, path: str, status: int, message: str, headers=()):
    if path.endswith(".json"):
        body = json.dumps({"ok": False, "status": status, "error": message}).encode("utf-8")
        content_type = b"application/json"
    else:
        body = (message + "\n").encode("utf-8")
        content_type = b"text/plain; charset=utf-8"
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", content_type),
                (b"content-length", str(len(body)).encode()),
                (b"access-control-allow-origin", b"*"),
                (b"cache-control", b"no-store"),
                *headers,
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})


@hookimpl
def asgi_wrapper(datasette):
    lanes: dict[str, asyncio.Semaphore] = {}
    turns: dict[str, asyncio.Semaphore] = {}

    def wrap(app):
        async def budgeted(scope, receive, send):
            if scope["type"] != "http":
                return await app(scope, receive, send)
            path = scope.get("path", "")
            pairs = parse_qsl(scope.get("query_string", b"").decode("utf-8", "replace"), keep_blank_values=True)
            kept, problem = facet_problem(pairs)
            if problem:
                return await send_refusal(send, path, 400, f"Request refused: {problem}")
            if kept != pairs:
                scope = {**scope, "query_string": urlencode(kept).encode("utf-8")}
            if is_streamed_csv(path, kept):
                # Each chunk of a streamed CSV is its own time-limited query, and the whole is
                # bounded by max_csv_mb (plugins/guards.py answers 413 past it).
                return await app(scope, receive, send)
            loop = asyncio.get_running_loop()
            # One semaphore per event loop (tests run several loops in one process).
            key = str(id(loop))
            turn = None
            if not is_ad_hoc(kept) and not path.startswith(UNQUEUED_PREFIXES):
                if key not in turns:
                    turns[key] = asyncio.Semaphore(max(1, datasette.setting("num_sql_threads")))
                turn = turns[key]
                try:
                    await asyncio.wait_for(turn.acquire(), timeout=ADMISSION_WAIT_S)
                except TimeoutError:
                    return await send_refusal(
                        send,
                        path,
                        503,
                        "The server is busy; retry in a second",
                        headers=[(b"retry-after", b"1")],
                    )
            try:
                return await answer(scope, receive, send, path, kept, loop, key)
            finally:
                if turn is not None:
                    turn.release()

        async def answer(scope, receive, send, path, kept, loop, key):
            budget = datasette.setting("sql_time_limit_ms") / 1000 + BUDGET_MARGIN_S
            deadline = loop.time() + budget

            lane = None
            if is_ad_hoc(kept):
                if key not in lanes:
                    lanes[key] = asyncio.Semaphore(max(1, datasette.setting("num_sql_threads") - 1))
                lane = lanes[key]
                try:
                    await asyncio.wait_for(lane.acquire(), timeout=max(0.0, deadline - loop.time()))
                except TimeoutError:
                    return await send_refusal(
                        send,
                        path,
                        429,
                        "Too many ad-hoc queries are running; retry in a second",
                        headers=[(b"retry-after", b"1")],
                    )
            try:
                started = False
                refused = False

                async def watched(message):
                    nonlocal started
                    if refused:
                        return
                    if message["type"] == "http.response.start":
                        started = True
                    await send(message)

                task = asyncio.ensure_future(app(scope, receive, watched))
                done, _ = await asyncio.wait({task}, timeout=max(0.0, deadline - loop.time()))
                if task in done:
                    return task.result()
                if started:
                    return await task  # already answering (a streamed CSV): let it finish
                refused = True
                task.cancel()
                await send_refusal(
                    send,
                    path,
                    400,
                    f"This request needed more than its {budget:.1f} s budget of SQL time; "
                    "ask for less (fewer facets, a smaller page, a narrower query)",
                )
            finally:
                if lane is not None:
                    lane.release()

        return budgeted

    return wrap
