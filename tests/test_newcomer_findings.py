"""Layer (c): the findings of a newcomer's break-test of the site, through Datasette's client.

Each test names the finding it pins: a 5xx that was the client's fault, answers that ignored
parameters, errors in the wrong shape, and pages that said something untrue.
"""

import json
from urllib.parse import urlencode

import pytest

from tests.conftest import plugin

FIGURES = "/disclosures/figures"


def assert_error_shape(response, status):
    assert response.status_code == status, response.text[:300]
    assert response.headers["content-type"].startswith("application/json")
    body = response.json()
    assert set(body) == {"ok", "status", "error"} and body["ok"] is False and body["status"] == status
    assert body["error"] and "<" not in body["error"]
    return body["error"]


# 1. Parameters that name tables and columns ---------------------------------------------------


def through(table, column="y", value="z"):
    return json.dumps({"table": table, "column": column, "value": value})


@pytest.mark.parametrize(
    "query,expected",
    [
        ({"_through": through("x")}, "table 'x' has no foreign key to figures"),
        ({"_through": through("sources", "source_id")}, "table 'sources' has no foreign key to figures"),
        ({"_through": through("disagreements", "nope")}, "disagreements has no column 'nope'"),
        ({"_facet": '{"x": 1}'}, '"column"'),
        ({"_facet": "nope"}, "_facet=nope: the table has no such column"),
        ({"_facet_array": "nope"}, "_facet_array=nope"),
        ({"_facet_date": "{oops"}, "is not JSON"),
    ],
)
def test_a_parameter_naming_no_table_or_column_is_a_400(site, query, expected):
    message = assert_error_shape(site.get(FIGURES + ".json?" + urlencode(query)), 400)
    assert expected in message
    page = site.get(FIGURES + "?" + urlencode(query))
    assert page.status_code == 400 and page.headers["content-type"].startswith("text/html")


def test_the_through_message_lists_the_tables_that_can_be_used(site):
    message = assert_error_shape(site.get(FIGURES + ".json?" + urlencode({"_through": through("x")})), 400)
    assert "disagreements" in message and "series_members" in message


@pytest.mark.parametrize(
    "query",
    [
        {"_through": through("disagreements", "source_id", "nosuchsource")},
        {"_facet": '{"column": "platform_id"}'},
        {"_facet": '{"simple": "platform_id"}'},
        {"_facet_date": "period_start"},
    ],
)
def test_parameters_naming_real_tables_and_columns_still_work(site, query):
    assert site.get(FIGURES + ".json?" + urlencode({**query, "_size": 1})).status_code == 200


def test_a_through_value_that_is_not_a_string_or_number_is_a_400():
    named = plugin("named_parameters")
    problem = named.through_problem(json.dumps({"table": "t", "column": "c", "value": [1]}), "f", {"t": {"c"}})
    assert problem and "value" in problem
    assert named.through_problem(json.dumps({"table": "t", "column": "c", "value": 1}), "f", {"t": {"c"}}) is None
