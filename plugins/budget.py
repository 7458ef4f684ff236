"""What one request may cost in time: a budget per request, a cap on facets, and a bounded lane
for ad-hoc SQL.

- Facets: Datasette's limit (``facet_time_limit_ms``) is per facet, and it runs each ``_facet``
  it is given, repeats included. Repeats are dropped; more than ``MAX_FACETS`` distinct facets is
  a 400; ``_facet_size`` is at most ``MAX_FACET_SIZE``: ``max`` asks for that many, and a
  larger number is a 400 that says so (Datasette cut it to its own maximum without a word, so a
  client could not tell a facet cut by the site from one that had no more values than it listed).
- Budget: a request has ``sql_time_limit_ms`` + ``BUDGET_MARGIN_S`` to start its answer, however
  many queries it runs. Past that it is answered at once (a query still running in a thread
  stops at its own time limit), and the answer says whose fault it was. When the server was
  busy (other requests were being answered at the same time, or this process got less than
  ``BUSY_CPU_SHARE`` of a CPU: other processes had it) it is 503 with ``Retry-After``: the
  client did nothing wrong, and a page the site links to (``coverage_cells?platform_id=...``,
  ``figures?_size=1000``) was refused with 400 under load. Datasette's own "SQL query took too
  long" (a 400) of such a request is the same 503 when the server was busy. Only a request that
  ran alone and still overran is a 400, "expensive in itself"; ad-hoc SQL (``sql=``,
  ``_where``) over its budget stays a 400, since the client wrote it. A page gets Datasette's
  HTML error page, a ``.json`` the API's error shape, anything else plain text.
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
import inspect
import sys
import time
from pathlib import Path
from urllib.parse import parse_qsl, urlencode

from datasette import hookimpl

# plugins/ is no package: what its plugins share is plugins/_responses.py, found on the path.
if str(Path(__file__).parent) not in sys.path:
    sys.path.append(str(Path(__file__).parent))
from _responses import send_message

FACET_PARAMETERS = ("_facet", "_facet_array", "_facet_date")
MAX_FACETS = 5
# Values listed per facet. Datasette allows up to max_returned_rows (5,000) with _facet_size=max,
# and a facet of a free-text column that long took ~1 s to render on top of its query. At 300 a
# country facet lists every jurisdiction (ISO 3166-1 has 249 codes; the figures name 201, which
# 100 cut off with a "…" that led back to the same 100), and the free-text quote facet renders in
# 0.4 s (0.2 s at 100).
MAX_FACET_SIZE = 300
# The answer must start within the SQL time limit plus this (the "+ 0.5 s", less a
# margin for the event loop and the network).
BUDGET_MARGIN_S = 0.4
AD_HOC_PARAMETERS = ("sql", "_where")
# Longest wait for a turn before a 503: well within nginx's proxy_read_timeout (60 s).
ADMISSION_WAIT_S = 30
# Paths that never wait for a turn: Datasette's own status pages (health checks, versions) and
# files.
UNQUEUED_PREFIXES = ("/-/", "/static/", "/downloads/")
# A request that overran its budget while its process had less than this share of one CPU was
# waiting for the CPU (the machine was busy), not running an expensive query.
BUSY_CPU_SHARE = 0.5
# Datasette's answer (page, JSON or plugins/client_errors.py's) to a query its time limit interrupted.
INTERRUPTED = b"took too long"
# Seconds a client is asked to wait after a 503.
RETRY_AFTER_S = 2


def overrun_answer(budget: float, shared: bool, cpu_s: float, wall_s: float) -> tuple[int, str]:
    """(status, message) for a request that did not start its answer within ``budget`` seconds.

    ``shared``: other requests were answered in this process while it ran; ``cpu_s``: CPU seconds
    the process used meanwhile, over ``wall_s`` seconds. Busy is a 503, alone and slow a 400.
    """
    if shared or cpu_s < BUSY_CPU_SHARE * wall_s:
        return 503, (
            f"The server is busy: this request could not be answered within its {budget:.1f} s budget "
            "while other requests or other work had the server. It is not your request's fault: "
            f"retry in {RETRY_AFTER_S} s"
        )
    return 400, (
        f"This request is expensive in itself: alone on the server it needed more than its {budget:.1f} s "
        "budget of SQL time. Ask for less (fewer facets, a smaller page, a narrower query)"
    )


def client_lowered_time_limit(pairs: list[tuple[str, str]], limit_ms: int) -> bool:
    """Whether the request's own ``_timelimit`` (plugins/guards.py has checked it is a number)
    set a time limit under the server's: a query stopped by it ran out of the time the client
    gave it, busy server or not."""
    asked = [value for name, value in pairs if name == "_timelimit"]
    return bool(asked) and asked[0].isdigit() and int(asked[0]) < limit_ms


# The most digits int() reads (Python's default where it sets none): a longer _facet_size is passed
# on without its leading zeros.
INT_DIGITS_READ = sys.get_int_max_str_digits() or 4300


def may_list_facets(path: str, databases) -> bool:
    """Whether ``path`` may be a table's or a view's (``/db/table``, ``.json`` or ``.csv``), whose
    facets read ``_facet_size``: a page of the site's own (``/compare.json``, ``/country/DEU.json``)
    or a row is not. A canned query's address is a table's: it is read as one."""
    parts = path.strip("/").split("/")
    return len(parts) == 2 and parts[0] in databases


def facet_problem(pairs: list[tuple[str, str]], lists_facets: bool = True) -> tuple[list[tuple[str, str]], str | None]:
    """The query's (name, value) pairs with repeated facets removed and ``_facet_size=max`` read
    as ``MAX_FACET_SIZE`` where facets are listed (``lists_facets``), and why it is refused, or
    None. Elsewhere ``max`` is passed on as sent: read as 300, it was quoted as
    ``_facet_size=300`` by the pages that refuse it (/compare.json), which the client never sent."""
    seen, kept = set(), []
    for name, value in pairs:
        if name in FACET_PARAMETERS:
            if (name, value) in seen:
                continue
            seen.add((name, value))
        if name == "_facet_size":
            if value != "max" and not (value.isascii() and value.isdigit()):
                # Datasette reads anything else (-5, abc) as "max": say so rather than guess. ASCII
                # digits only: "²" passes str.isdigit and int() cannot read it (a 500).
                return kept, f"_facet_size={value}: a whole number or max"
            # Read without its leading zeros: int(), Datasette's too, refuses more than 4,300
            # digits (a 500 for _facet_size=0…05).
            digits = value.lstrip("0") or "0"
            if value != "max" and (len(digits) > len(str(MAX_FACET_SIZE)) or int(digits) > MAX_FACET_SIZE):
                return kept, (
                    f"_facet_size={value}: a facet lists at most {MAX_FACET_SIZE} values; "
                    f'_facet_size=max asks for {MAX_FACET_SIZE}, and a facet with more says "truncated": true'
                )
            if value == "max" and lists_facets:
                value = str(MAX_FACET_SIZE)
            elif len(value) > INT_DIGITS_READ:
                # Passed on as sent otherwise: written without its zeros, _facet_size=0300 was quoted
                # as "_facet_size=300" by the pages that refuse it, and a query's :_facet_size read 300.
                value = digits
        kept.append((name, value))
    if len(seen) > MAX_FACETS:
        return kept, f"at most {MAX_FACETS} facets per request ({len(seen)} asked)"
    return kept, None


def is_streamed_csv(path: str, pairs: list[tuple[str, str]]) -> bool:
    """A CSV of every row: ``_stream`` on, or a ``.csv`` without ``_size`` or ``_next`` (plugins/downloads.py)."""
    names = dict(pairs)
    if not (path.endswith(".csv") or names.get("_format") == "csv"):
        return False
    if names.get("_stream") not in (None, "", "0", "off"):
        return True
    return path.endswith(".csv") and "_size" not in names and "_next" not in names and not is_ad_hoc(pairs)


def is_ad_hoc(pairs: list[tuple[str, str]]) -> bool:
    return any(name in AD_HOC_PARAMETERS for name, _ in pairs)


def close_unstarted(task: asyncio.Task) -> int:
    """Close the coroutines that ``task``'s suspended frames created and have not started; returns
    how many.

    Datasette runs a table's facets (and its facet suggestions) one after another: it creates each
    facet's coroutine first, then awaits them in turn. Cancelled during the first, the request
    never runs the others, and Python reported each as a RuntimeWarning when it was collected
    ("coroutine 'ArrayFacet.facet_results' was never awaited", and 'ArrayFacet.suggest',
    'DateFacet.facet_results', 'execute_suggested_facets'). Closing them says they will not run,
    as asyncio.gather cancels the children of a gather that is cancelled.
    """
    closed = 0
    # Down the chain of awaits from the request's coroutine: Task.get_stack() gives its first frame only.
    awaited = task.get_coro()
    while inspect.iscoroutine(awaited) and awaited.cr_frame is not None:
        for value in list(awaited.cr_frame.f_locals.values()):
            for item in value if isinstance(value, (list, tuple)) else (value,):
                if inspect.iscoroutine(item) and inspect.getcoroutinestate(item) == inspect.CORO_CREATED:
                    item.close()
                    closed += 1
        awaited = awaited.cr_await
    return closed


async def send_refusal(send, path: str, status: int, message: str, headers=()):
    # A page's plain-text refusal becomes Datasette's HTML error page in plugins/errors.py. Never
    # kept by a cache: send_message says no-store on every error (with_error_cache_control).
    await send_message(send, status, message, path.endswith(".json"), headers)


@hookimpl
def extra_template_vars(template):
    # The /api page states the limit this file enforces.
    return {"max_facet_size": MAX_FACET_SIZE} if template == "pages/api.html" else None


@hookimpl
def asgi_wrapper(datasette):
    lanes: dict[str, asyncio.Semaphore] = {}
    turns: dict[str, asyncio.Semaphore] = {}
    # Per event loop: the requests being answered now, by id.
    answering: dict[str, dict[int, dict]] = {}

    def wrap(app):
        async def budgeted(scope, receive, send):
            if scope["type"] != "http":
                return await app(scope, receive, send)
            path = scope.get("path", "")
            pairs = parse_qsl(scope.get("query_string", b"").decode("utf-8", "replace"), keep_blank_values=True)
            kept, problem = facet_problem(pairs, may_list_facets(path, datasette.databases))
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
                    message = f"The server is busy; retry in {RETRY_AFTER_S} s"
                    return await send_refusal(
                        send, path, 503, message, headers=[(b"retry-after", str(RETRY_AFTER_S).encode())]
                    )
            try:
                return await answer(scope, receive, send, path, kept, loop, key)
            finally:
                if turn is not None:
                    turn.release()

        async def answer(scope, receive, send, path, kept, loop, key):
            budget = datasette.setting("sql_time_limit_ms") / 1000 + BUDGET_MARGIN_S
            cpu_at = time.process_time()
            # Whether another request was answered while this one ran: each marks the others.
            running = answering.setdefault(key, {})
            me = {"shared": bool(running)}
            for other in running.values():
                other["shared"] = True
            running[id(me)] = me
            try:
                return await within_budget(scope, receive, send, path, kept, loop, key, budget, me, cpu_at)
            finally:
                running.pop(id(me), None)

        def is_busy(me, cpu_at, started_at, loop) -> bool:
            return overrun_answer(1, me["shared"], time.process_time() - cpu_at, loop.time() - started_at)[0] == 503

        async def within_budget(scope, receive, send, path, kept, loop, key, budget, me, cpu_at):
            started_at = loop.time()
            deadline = started_at + budget
            lane = None
            ad_hoc = is_ad_hoc(kept)
            lowered = client_lowered_time_limit(kept, datasette.setting("sql_time_limit_ms"))
            if ad_hoc:
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
                held_error = None

                async def watched(message):
                    # A 400 that is Datasette's "SQL query took too long" is held back: when the
                    # server was busy, the query ran out of time waiting for a CPU, so it is a 503.
                    nonlocal started, held_error
                    if refused:
                        return
                    if message["type"] == "http.response.start":
                        started = True
                        if message["status"] == 400:
                            held_error = {"start": message, "chunks": []}
                            return
                        return await send(message)
                    if held_error is None:
                        return await send(message)
                    held_error["chunks"].append(message.get("body", b""))
                    if message.get("more_body"):
                        return
                    body = b"".join(held_error["chunks"])
                    # A query the client's own _timelimit stopped stays Datasette's 400: measured
                    # over its few milliseconds, the CPU share said "busy", and a client told to
                    # retry in 2 s got the same 503 for ever.
                    if INTERRUPTED in body and not ad_hoc and not lowered and is_busy(me, cpu_at, started_at, loop):
                        status, text = overrun_answer(budget, True, 0, 1)
                        retry = [(b"retry-after", str(RETRY_AFTER_S).encode())]
                        return await send_refusal(send, path, status, text, headers=retry)
                    await send(held_error["start"])
                    await send({"type": "http.response.body", "body": body})

                task = asyncio.ensure_future(app(scope, receive, watched))
                done, _ = await asyncio.wait({task}, timeout=max(0.0, deadline - loop.time()))
                if task in done:
                    return task.result()
                if started:
                    return await task  # already answering (a streamed CSV): let it finish
                refused = True
                close_unstarted(task)
                task.cancel()
                if ad_hoc:
                    # The client wrote the SQL: its cost is the client's to reduce, busy or not.
                    status, message = (
                        400,
                        (
                            f"This request needed more than its {budget:.1f} s budget of SQL time; "
                            "ask for less (a narrower query, fewer rows)"
                        ),
                    )
                else:
                    status, message = overrun_answer(
                        budget, me["shared"], time.process_time() - cpu_at, loop.time() - started_at
                    )
                retry = [(b"retry-after", str(RETRY_AFTER_S).encode())] if status == 503 else []
                await send_refusal(send, path, status, message, headers=retry)
            finally:
                if lane is not None:
                    lane.release()

        return budgeted

    return wrap
