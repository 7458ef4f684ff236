"""Layer (c): what the server's log says of a failed statement (plugins/sql_log.py): a client's
bad query one short line at most, a server error's whole SQL."""

import asyncio
import contextlib
import logging
import types

import httpx
import pytest
from datasette import hookimpl
from datasette.plugins import pm

from disclosures import site as site_module
from tests.conftest import assert_error_shape, plugin

sql_log = plugin("sql_log")

# Far longer than any line of a log should be, and nothing the site's own SQL says.
LONG = "zq" * 1500


@pytest.fixture
def serving_log(monkeypatch, caplog, capfd):
    """The log as the served site writes it: the serving virtualenv has no rich (plugins/guards.py),
    which Datasette's handler would print every error's traceback and locals with; the site's
    logger at INFO, so that a client's short line is seen too."""
    # By name: importing datasette.handle_exception before datasette.plugins has loaded it (its
    # default plugins) leaves Datasette without its default error handler.
    monkeypatch.setattr("datasette.handle_exception.rich", None)
    caplog.set_level(logging.INFO, logger=sql_log.LOGGER_NAME)
    capfd.readouterr()
    return caplog


def records(caplog) -> list[logging.LogRecord]:
    return [record for record in caplog.records if record.name == sql_log.LOGGER_NAME]


@pytest.mark.parametrize(
    "path",
    [
        # A syntax error: a _where naming no column is refused before it runs (plugins/sql_policy.py).
        f"/disclosures/figures.json?_where={LONG}%3D1)",
        f"/disclosures/figures.csv?_where={LONG}%3D1)",
        f"/disclosures/figures?_where={LONG}%3D1)",
        f"/disclosures.json?sql=select+{LONG}+from+figures",
        f"/disclosures.csv?sql=select+{LONG}+from+figures",
        f"/disclosures?sql=select+{LONG}+from+figures",
        f"/disclosures.json?sql=select+1+frm+{LONG}+figures",
    ],
)
def test_a_bad_query_writes_one_short_line_and_no_sql(site, serving_log, capfd, path):
    # Datasette wrote "ERROR: conn=..., sql = '<the whole query>' ..." to stderr for each one: 3 KB
    # here, 32 KiB with the longest query string the site takes, on every request.
    response = site.get(path)
    assert response.status_code == 400
    written = capfd.readouterr()
    assert LONG[:40] not in written.err + written.out
    assert "sql =" not in written.err + written.out
    [line] = records(serving_log)
    assert line.levelno == logging.INFO
    message = line.getMessage()
    assert message.startswith("SQL refused by SQLite, answered 400: ") and len(message) < 200
    assert "select" not in message.lower()


def test_a_good_query_logs_nothing(site, serving_log, capfd):
    assert site.get("/disclosures.json?sql=select+count(*)+from+figures").status_code == 200
    assert records(serving_log) == []
    assert "ERROR" not in capfd.readouterr().err


def failing_page(path: str, status: int):
    """A plugin whose page at ``path`` runs a statement SQLite refuses and answers ``status``: a
    server's fault (a plugin's query on a table the build did not make), as a 5xx shows one."""

    @hookimpl
    def asgi_wrapper(datasette):
        def wrap(app):
            async def failing(scope, receive, send):
                if scope["type"] == "http" and scope["path"] == path:
                    with contextlib.suppress(Exception):
                        await datasette.get_database("disclosures").execute("select total from no_such_table")
                    await send({"type": "http.response.start", "status": status, "headers": []})
                    await send({"type": "http.response.body", "body": b"failed"})
                    return
                return await app(scope, receive, send)

            return failing

        return wrap

    module = types.ModuleType("test_failing_page")  # Datasette's plugin list wants a module
    module.asgi_wrapper = asgi_wrapper
    return module


def answer_with(build, failing, path):
    datasette = site_module.in_process(build)
    pm.register(failing, name="test-failing-page")
    try:
        app = datasette.app()
    finally:
        pm.unregister(failing)

    async def fetch():
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://localhost") as client:
            return await client.get(path)

    return asyncio.run(fetch())


def test_a_server_error_still_logs_its_whole_sql(real_build, serving_log):
    response = answer_with(real_build, failing_page("/-/failing", 500), "/-/failing")
    assert response.status_code == 500
    [line] = records(serving_log)
    assert line.levelno == logging.ERROR
    assert line.getMessage() == (
        "ERROR: GET /-/failing answered 500: sql = 'select total from no_such_table', params = None: "
        "no such table: no_such_table"
    )


def test_the_same_failure_answered_as_the_clients_is_one_short_line(real_build, serving_log):
    response = answer_with(real_build, failing_page("/-/refused", 404), "/-/refused")
    assert response.status_code == 404
    [line] = records(serving_log)
    assert line.levelno == logging.INFO
    assert line.getMessage() == "SQL refused by SQLite, answered 404: no such table: no_such_table"


def test_a_statement_outside_any_request_is_logged_whole(site, serving_log):
    db = site.datasette.get_database("disclosures")
    with pytest.raises(Exception, match="no such column"):
        site.loop.run_until_complete(db.execute("select nosuch from figures"))
    [line] = records(serving_log)
    assert line.levelno == logging.ERROR
    assert "sql = 'select nosuch from figures'" in line.getMessage()


def test_a_caller_that_asks_for_no_log_gets_none(site, serving_log):
    db = site.datasette.get_database("disclosures")
    with pytest.raises(Exception, match="no such column"):
        site.loop.run_until_complete(db.execute("select nosuch from figures", log_sql_errors=False))
    assert records(serving_log) == []


def test_a_long_message_is_cut_in_its_line():
    failures = sql_log.Failures()
    for _ in range(sql_log.MAX_NOTED + 5):
        failures.note("select 1", None, Exception(f"no such column: {LONG}"))
    line = sql_log.short_line(400, failures)
    assert len(line) < 250 and f"({len(LONG) + 16} characters)" in line
    assert line.endswith(f"(and {sql_log.MAX_NOTED + 4} more)") and len(failures.noted) == sql_log.MAX_NOTED


def test_the_error_shape_is_unchanged(site):
    assert_error_shape(site.get("/disclosures.json?sql=select+nosuch+from+figures"), 400)
