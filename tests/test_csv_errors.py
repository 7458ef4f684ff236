"""A .csv request's error is one shape, whatever was wrong with it: the site's JSON error shape
(plugins/errors.py), ``application/json``, with the same message the .json request gets.

Before, a bad _size or _sort answered text/plain, an unknown column, operator, facet or _col an HTML
error page, and too many parameters JSON. Through Datasette's client, on the real build.
"""

import re

import pytest

FIGURES = "/disclosures/figures"

# (query string or path after the table, a phrase of the message, the status)
BAD_TABLE_CSV = [
    ("?_size=abc", "_size must be a whole number (0: the counts without rows) or max", 400),
    ("?_size=-1", "_size must be a whole number (0: the counts without rows) or max", 400),
    ("?_size=999999", "_size must be a whole number from 0 to 5000 or max", 400),
    ("?_sort=nope", "figures cannot be sorted by that column", 400),
    ("?_sort_desc=nope", "figures cannot be sorted by that column", 400),
    ("?_sort=value&_sort_desc=value", "Use _sort or _sort_desc, not both", 400),
    ("?platfrom_id=telegram", "the table has no column 'platfrom_id'", 400),
    ("?value__nope=3", "unknown filter operator 'nope'", 400),
    ("?_next=zzz", "not a cursor of this table", 400),
    ("?_facet=nope", "_facet=nope", 400),
    ("?_through=x", "_through must be a JSON object", 400),
    ("?platform_id__in=%5B", "is not a JSON list", 400),
    ("?_search=%22&_searchmode=raw", "could not read this search", 400),
    ("?_where=1)", "syntax error", 400),
    ("?_col=nope", "_col=nope: figures has no column 'nope'; its columns are: figure_id, ", 400),
    ("?_nocol=nope", "_nocol=nope: figures has no column 'nope'", 400),
    ("?_timelimit=abc", "_timelimit is a whole number of milliseconds from 1 to 999999", 400),
    ("?_stream=1&_sort=nope", "figures cannot be sorted by that column", 400),
    ("?_dl=1&_sort=nope", "figures cannot be sorted by that column", 400),
    ("?" + "a=1&" * 300, "the limit is 200", 400),
]

BAD_OTHER_CSV = [
    (
        "/disclosures/compare_platforms.csv?_size=abc",
        "_size must be a whole number (0: the counts without rows) or max",
        400,
    ),
    ("/disclosures.csv?sql=select+nope", "no such column: nope", 400),
    ("/disclosures.csv?sql=select+load_extension(1)", "function load_extension is not allowed", 400),
    ("/disclosures/nope.csv", "Nothing is at /disclosures/nope.csv", 404),
    ("/disclosures/figures/nope.csv", "No row 'nope' in figures: none has that figure_id", 404),
    # The site does not trace (trace_debug is off); where it does, see tests/test_csv_parameters.py.
    ("/disclosures/platforms.csv?_size=5&_trace=1", "_trace is not available here", 400),
    ("/disclosures/figures.csv?platform_id=telegram&_stream=on&_trace=1", "trace_debug setting is off", 400),
    ("/disclosures/compare_platforms.csv?jurisdiction=USA&_trace=1", "_trace is not available", 400),
    ("/disclosures.csv?sql=select+1&_trace=1", "_trace is not available here", 400),
]


def assert_error_shape(response, status: int, phrase: str) -> str:
    assert response.status_code == status, response.text[:300]
    assert response.headers["content-type"] == "application/json; charset=utf-8"
    assert response.headers["access-control-allow-origin"] == "*"
    body = response.json()
    assert set(body) == {"ok", "status", "error"}
    assert body["ok"] is False and body["status"] == status
    assert phrase in body["error"]
    # The message alone: no page, navigation or markup around it.
    assert not re.search(r"<[A-Za-z/!]", body["error"]) and "Platform Disclosures" not in body["error"]
    return body["error"]


@pytest.mark.parametrize(("query", "phrase", "status"), BAD_TABLE_CSV)
def test_a_bad_table_csv_request_is_the_json_error_shape_with_the_json_message(site, query, phrase, status):
    message = assert_error_shape(site.get(FIGURES + ".csv" + query), status, phrase)
    json_answer = site.get(FIGURES + ".json" + query)
    assert json_answer.status_code == status
    assert json_answer.json()["error"] == message


@pytest.mark.parametrize(("path", "phrase", "status"), BAD_OTHER_CSV)
def test_other_bad_csv_requests_are_the_json_error_shape(site, path, phrase, status):
    assert_error_shape(site.get(path), status, phrase)


def test_a_post_to_a_csv_is_a_405_in_the_same_shape(site):
    response = site.loop.run_until_complete(site.datasette.client.post(FIGURES + ".csv"))
    assert_error_shape(response, 405, "read-only")


def test_a_good_csv_is_still_csv(site):
    response = site.get(FIGURES + ".csv?_size=2&platform_id=telegram")
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/csv; charset=utf-8; header=present"
    assert response.text.startswith("figure_id,")


@pytest.mark.parametrize(
    "path",
    [
        # A cross join of the figures with themselves outlasts any time limit, so 1 ms always stops it.
        "/disclosures.csv?sql=select+count(*)+from+figures+a,+figures+b&_timelimit=1",
        FIGURES + ".csv?_size=1000&_timelimit=1&_where=(select+count(*)+from+figures+a,+figures+b)",
    ],
)
def test_a_csv_the_clients_own_timelimit_stopped_prints_no_traceback(site, capfd, path):
    # Datasette's own handler ran after the 400 was answered and printed the whole traceback
    # (with rich, every frame's locals) for an error the client caused.
    capfd.readouterr()
    response = site.get(path)
    assert response.status_code == 400 and "time limit" in response.json()["error"]
    logged = capfd.readouterr()
    assert "Traceback" not in logged.err + logged.out
    assert "QueryInterrupted" not in logged.err + logged.out
