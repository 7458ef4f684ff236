"""The plugins that refuse a request by themselves answer in the API's error shape through
plugins/_responses.py, so a change to the shape or its headers reaches each of their answers.

Each answer is taken from the plugin alone (its wrapper around an app that must not be reached,
or its view): through the whole site, plugins/errors.py rewrites an error body, which would hide
one a plugin built by itself."""

import json
import sys
from urllib.parse import quote

import pytest
from datasette.plugins import pm
from datasette.utils.asgi import Request

from tests.conftest import plugin

# One refusal of each plugin. The facet's echo and the database CSV's text are not ASCII: their
# bytes are UTF-8, as error_body writes them, where the plugins' own json.dumps wrote \u escapes.
CASES = {
    "request_limits": (
        "/x.json",
        "&".join(f"p{i}=1" for i in range(201)),
        400,
        "The query string has 201 parameters; the limit is 200.",
    ),
    "guards": (
        "/-/threads.json",
        "",
        404,
        "Not found: /-/threads.json is one of Datasette's debugging and sign-in pages, which this public site "
        "does not serve. What the site says about itself is at /-/versions, /-/plugins, /-/settings and "
        "/-/metadata (each also as .json)",
    ),
    "budget": (
        "/disclosures/figures.json",
        "_facet_size=%C3%A9",
        400,
        "Request refused: _facet_size=é: a whole number or max",
    ),
    "strict_paths": (
        "/disclosures.csv",
        "",
        400,
        "A database's CSV is the answer to a query: add sql=SELECT … (a table's CSV is /disclosures/TABLE.csv)",
    ),
}


async def unreachable(scope, receive, send):
    raise AssertionError(f"the plugin let {scope['path']} through")


def answer_of(site, respond) -> tuple[int, dict, bytes]:
    """The status, headers and body ``respond(send)`` sends."""
    messages = []

    async def send(message):
        messages.append(message)

    site.loop.run_until_complete(respond(send))
    start, *bodies = messages
    headers = {key.decode().lower(): value.decode() for key, value in start["headers"]}
    return start["status"], headers, b"".join(message.get("body", b"") for message in bodies)


def wrapper_answer(site, name, path, query):
    app = plugin(name).asgi_wrapper(site.datasette)(unreachable)
    scope = {
        "type": "http",
        "method": "GET",
        "path": path,
        "raw_path": path.encode(),
        "query_string": query.encode(),
        "headers": [],
    }

    async def receive():
        return {"type": "http.request", "body": b""}

    return answer_of(site, lambda send: app(scope, receive, send))


def downloads_view_answer(site):
    """/downloads.json?été=1, answered by plugins/strict_paths.py's view."""
    request = Request.fake("/downloads.json?" + quote("été") + "=1")
    response = site.loop.run_until_complete(plugin("strict_paths").downloads_json(site.datasette, request))
    status, headers, body = answer_of(site, response.asgi_send)
    # The server writes a view's Content-Length; the wrappers above write their own.
    return status, {**headers, "content-length": str(len(body))}, body


@pytest.mark.parametrize("name", sorted(CASES))
def test_a_plugins_refusal_is_the_shared_error_shape(site, name):
    path, query, status, message = CASES[name]
    got_status, headers, body = wrapper_answer(site, name, path, query)
    assert got_status == status
    assert json.loads(body) == {"ok": False, "status": status, "error": message}
    assert body == sys.modules["_responses"].error_body(status, message)
    assert headers["content-type"] == "application/json; charset=utf-8"
    assert headers["access-control-allow-origin"] == "*"
    assert headers["content-length"] == str(len(body))
    # No cache may keep an error (plugins/_responses.py, ERROR_CACHE_CONTROL): a refusal for load
    # (budget's) says nothing of the resource, and the others said nothing at all.
    assert headers["cache-control"] == "no-store"


def test_the_downloads_views_refusal_is_the_shared_error_shape(site):
    status, headers, body = downloads_view_answer(site)
    message = "été: /downloads has no parameter 'été', so it would answer as if it were not given; it takes none"
    assert status == 400
    assert json.loads(body) == {"ok": False, "status": 400, "error": message}
    assert headers["content-type"] == "application/json; charset=utf-8"
    assert headers["access-control-allow-origin"] == "*"


def test_a_change_to_the_shape_reaches_every_refusal(site, monkeypatch):
    responses = sys.modules["_responses"]
    shape = responses.error_body

    def marked(status, message):
        return shape(status, message)[:-1] + b', "marked": true}'

    monkeypatch.setattr(responses, "error_body", marked)
    answers = {name: wrapper_answer(site, name, *CASES[name][:2]) for name in CASES}
    answers["downloads view"] = downloads_view_answer(site)
    for name, (_status, headers, body) in answers.items():
        assert json.loads(body).get("marked") is True, name
        assert headers["content-length"] == str(len(body)), name


# An error of each maker, through the whole site: Datasette's own (its HTML 404 page, a query's
# 400), the site's views and wrappers inside plugins/data_headers.py (a 404 of the site's JSON, a
# table's 400 page, a removed figure's 410, the read-only 405), and the wrappers outside it
# (plugins/etags.py's 412, plugins/server_errors.py's 500). Each had no Cache-Control but the
# budget's: a browser could keep a 404 or 410 by its own heuristics (RFC 9111 4.2.2), and nginx's
# proxy_hide_header left every one without any.
ERRORS = {
    "datasette 404 page": ("/nope", {}, 404),
    "site 404 json": ("/figure/nope.json", {}, 404),
    "query 400": ("/disclosures.json?sql=select+zz", {}, 400),
    "table 400 page": ("/disclosures/figures?_sort=zz", {}, 400),
    "etags 412": ("/disclosures/platforms.json", {"if-match": '"nope"'}, 412),
}


@pytest.mark.parametrize("name", sorted(ERRORS))
def test_every_error_says_no_store_whoever_made_it(site, name):
    path, headers, status = ERRORS[name]
    response = site.get(path, headers=headers)
    assert response.status_code == status, response.text[:200]
    assert response.headers.get_list("cache-control") == ["no-store"]


def test_a_removed_figures_410_and_a_post_405_say_no_store(site):
    gone = site.get("/figure/cloudflare-world-2013-all-accounts_specified")
    assert gone.status_code == 410 and gone.headers.get_list("cache-control") == ["no-store"]
    post = site.loop.run_until_complete(site.datasette.client.post("/disclosures/figures.json"))
    assert post.status_code == 405 and post.headers.get_list("cache-control") == ["no-store"]


def test_a_server_error_says_no_store(site, monkeypatch):
    def failing(*args, **kwargs):
        raise RuntimeError("a fault")

    monkeypatch.setattr(pm.get_plugin("etags.py"), "is_tagged_path", failing)
    for path in ("/disclosures/platforms", "/disclosures/platforms.json"):
        response = site.get(path)
        assert response.status_code == 500
        assert response.headers.get_list("cache-control") == ["no-store"], path


def test_an_answer_keeps_a_cache_control_of_its_own_and_a_success_gets_none_added(site):
    # The health check's 200 says no-store itself; a status page and its JSON say the data's
    # max-age, as a table does.
    assert site.get("/-/health.json").headers.get_list("cache-control") == ["no-store"]
    assert site.get("/-/versions").headers.get_list("cache-control") == ["max-age=3600"]
    assert site.get("/-/versions.json").headers.get_list("cache-control") == ["max-age=3600"]
    assert site.get("/disclosures/platforms.json").headers.get_list("cache-control") == ["max-age=3600"]
