"""A request the budget cuts short leaves no coroutine unawaited (plugins/budget.py).

Datasette creates a table's facet coroutines (and its facet suggestions) first and awaits them one
by one; the budget cancelled a request during the first, and Python then reported each of the
others when it was collected: "RuntimeWarning: coroutine 'ArrayFacet.suggest' was never awaited"
in every test run, and on a served site 'ArrayFacet.facet_results', 'DateFacet.facet_results' and
'execute_suggested_facets'.
"""

from __future__ import annotations

import asyncio
import gc
import warnings

import pytest
from datasette.plugins import pm

from disclosures import site as site_module
from tests.conftest import Site, built_settings, plugin

FACETS = {"_facet": ["quote", "notes", "platform_wording"]}


def never_awaited(run) -> tuple[object, list[str]]:
    """What ``run()`` returns, and the "never awaited" warnings raised until its garbage is collected."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        result = run()
        gc.collect()
    return result, [str(w.message) for w in caught if "never awaited" in str(w.message)]


async def one_after_another(*awaitables):
    # Datasette 0.65's gather (views/table.py): sequential, over coroutines created beforehand.
    return [await a for a in awaitables]


async def step(seconds):
    await asyncio.sleep(seconds)


def test_close_unstarted_closes_what_a_cancelled_task_created_and_never_started():
    budget = plugin("budget")

    async def cut():
        task = asyncio.ensure_future(one_after_another(step(1), step(1), step(1)))
        await asyncio.sleep(0.01)  # the first step is running, the other two are created
        closed = budget.close_unstarted(task)
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
        return closed

    closed, warned = never_awaited(lambda: asyncio.run(cut()))
    assert closed == 2 and warned == []


def started(site: Site) -> Site:
    """``site`` with its first request answered: that request starts it (plugins, schemas), which
    is not what a cut is tested on. It is given a minute: under load the start alone overran a
    budget of 0.41 s, and /-/versions.json was a 503; and its own queries (the schemas and labels
    looked up once) are not held to the site's 10 ms limit, which under load interrupted one of
    them: a 400 in CI."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(pm.get_plugin("budget.py"), "BUDGET_MARGIN_S", 60)
        patch.setitem(site.datasette._settings, "sql_time_limit_ms", 60_000)
        patch.setitem(site.datasette._settings, "facet_time_limit_ms", 60_000)
        answer = site.get("/-/versions.json")
        assert answer.status_code == 200, answer.text
    return site


def test_a_cut_with_facet_suggestions_leaves_nothing_unawaited(real_build):
    # Suggested facets on (Datasette's default), where the warning was first seen.
    slow_site = started(
        Site(site_module.in_process(real_build, settings={"sql_time_limit_ms": 10, "facet_time_limit_ms": 10}))
    )
    response, warned = never_awaited(lambda: slow_site.get("/disclosures/figures.json", params=FACETS))
    assert response.status_code in (400, 503), response.text[:300]  # the budget cut it
    assert warned == [], warned


def test_a_cut_during_the_facets_of_the_served_site_leaves_nothing_unawaited(real_build, monkeypatch):
    # The served settings (no suggestions), with the budget the SQL limit alone: the cut lands in the facets.
    settings = {**built_settings(real_build), "sql_time_limit_ms": 10, "facet_time_limit_ms": 10}
    slow_site = started(Site(site_module.in_process(real_build, settings=settings)))
    monkeypatch.setattr(pm.get_plugin("budget.py"), "BUDGET_MARGIN_S", 0.0)
    for path in ("/disclosures/figures.json", "/disclosures/figures"):
        response, warned = never_awaited(
            lambda path=path: slow_site.get(path, params={"_facet": [*FACETS["_facet"], "source_id", "value"]})
        )
        assert response.status_code in (400, 503), (path, response.status_code, response.text[:300])
        assert warned == [], (path, response.status_code, warned)


@pytest.mark.parametrize(
    "path, status, headers",
    [
        ("/disclosures/figures.json", 400, ()),
        ("/disclosures/figures", 503, ((b"retry-after", b"2"),)),
        ("/disclosures.json", 429, ((b"retry-after", b"1"),)),
    ],
)
def test_a_budget_refusal_says_no_store_once_and_keeps_its_own_headers(path, status, headers):
    # send_refusal wrote Cache-Control: no-store itself, which send_message adds to every error.
    sent = []

    async def capture(message):
        sent.append(message)

    asyncio.run(plugin("budget").send_refusal(capture, path, status, "refused", headers=headers))
    start = sent[0]
    assert start["status"] == status
    assert [v for k, v in start["headers"] if k == b"cache-control"] == [b"no-store"]
    for name, value in headers:
        assert (name, value) in start["headers"]
    kind = dict(start["headers"])[b"content-type"]
    assert kind.startswith(b"application/json" if path.endswith(".json") else b"text/plain")


def test_a_budget_refusal_served_says_no_store(site):
    # plugins/budget.py refuses a _facet_size it cannot read, before Datasette sees the request.
    for path in ("/disclosures/figures.json?_facet_size=abc", "/disclosures/figures?_facet_size=abc"):
        response = site.get(path)
        assert response.status_code == 400 and "_facet_size=abc" in response.text, path
        assert response.headers.get_list("cache-control") == ["no-store"], path


def test_a_lookup_the_time_limit_cuts_before_any_view_is_a_503_to_retry_not_a_500(real_build, monkeypatch):
    # Under load in CI the 10 ms limit cut the downloads guard's lookup of what figures.json names
    # (a table or a query), before Datasette's view: the exception reached the server as a 500.
    import sqlite3

    from datasette.database import QueryInterrupted

    site = started(Site(site_module.in_process(real_build)))
    db = site.datasette.databases["disclosures"]
    original = db.execute

    async def interrupted(sql, *args, **kwargs):
        if sql.startswith("SELECT 1 FROM sqlite_master WHERE name = ?"):
            raise QueryInterrupted(sqlite3.OperationalError("interrupted"), sql, args[0] if args else None)
        return await original(sql, *args, **kwargs)

    monkeypatch.setattr(db, "execute", interrupted)
    for path in ("/disclosures/facet_counts.json", "/disclosures/facet_counts.csv"):
        answer = site.get(path)
        assert answer.status_code == 503, (path, answer.status_code, answer.text[:300])
        assert answer.headers["retry-after"] == "2"
        assert "too busy" in answer.text
