"""``_shape`` and ``_stream`` on ``.csv`` and ``.json``: every value Datasette 0.65 accepts still
answers, and one it would silently ignore or misread is a 400 in the API's error shape.

Datasette's CSV ignores ``_shape`` altogether and streams for any non-empty ``_stream`` (even
``maybe`` or ``0``); its JSON reads the five shapes of datasette/renderer.py. plugins/parameters.py
refuses the rest and rewrites an accepted ``_stream`` so that Datasette and the site's plugins
read it alike.
"""

from __future__ import annotations

import csv
import io

import pytest

from tests.conftest import assert_error_shape, plugin

FIGURES = "/disclosures/figures"
QUERY = "/disclosures/compare_platforms"
SHAPES = ["arrays", "objects", "array", "arrayfirst", "object"]
TRUE = ["on", "true", "1", "ON", "True"]
FALSE = ["off", "false", "0", "", "OFF", "False"]
NOT_BOOLEANS = ["maybe", "yes", "2", "on ", "-1", "nope"]
NOT_SHAPES = ["nope", "ARRAY", "rows", "", "array,objects"]


def csv_rows(response) -> list[list[str]]:
    assert response.status_code == 200, response.text[:300]
    return list(csv.reader(io.StringIO(response.text)))


@pytest.mark.parametrize("value", NOT_SHAPES)
@pytest.mark.parametrize("path", [FIGURES + ".csv", FIGURES + ".json", QUERY + ".csv?jurisdiction=USA"])
def test_an_unknown_shape_is_a_400(site, path, value):
    joiner = "&" if "?" in path else "?"
    message = assert_error_shape(site.get(f"{path}{joiner}_size=3&_shape={value}"), 400)
    assert f"Invalid _shape: {value!r}" in message


@pytest.mark.parametrize("value", SHAPES)
def test_every_shape_datasette_has_still_answers(site, value):
    assert site.get(f"{FIGURES}.json?_size=3&_shape={value}").status_code == 200
    # A CSV ignores the shape: the same rows whichever is given.
    assert csv_rows(site.get(f"{FIGURES}.csv?_size=3&_shape={value}")) == csv_rows(site.get(f"{FIGURES}.csv?_size=3"))


@pytest.mark.parametrize("value", NOT_BOOLEANS)
@pytest.mark.parametrize("path", [FIGURES + ".csv?_size=3", QUERY + ".csv?jurisdiction=USA"])
def test_a_stream_that_is_not_a_boolean_is_a_400(site, path, value):
    message = assert_error_shape(site.get(f"{path}&_stream={value}"), 400)
    assert f"_stream must be on or off (or true/false, 1/0), not {value!r}" in message


@pytest.mark.parametrize("value", TRUE)
def test_a_true_stream_sends_every_row(site, value):
    every = csv_rows(site.get(f"{FIGURES}.csv?platform_id=telegram&_stream=on"))
    assert len(every) > 4
    assert csv_rows(site.get(f"{FIGURES}.csv?platform_id=telegram&_size=3&_stream={value}")) == every


@pytest.mark.parametrize("value", FALSE)
def test_a_false_stream_sends_the_page_asked_for(site, value):
    page = csv_rows(site.get(f"{FIGURES}.csv?platform_id=telegram&_size=3&_stream={value}"))
    assert len(page) == 1 + 3
    assert page == csv_rows(site.get(f"{FIGURES}.csv?platform_id=telegram&_size=3"))


@pytest.mark.parametrize("value", TRUE + FALSE)
def test_a_query_csv_accepts_every_boolean(site, value):
    assert csv_rows(site.get(f"{QUERY}.csv?jurisdiction=USA&_stream={value}"))


@pytest.mark.parametrize("value", NOT_BOOLEANS)
def test_stream_is_not_checked_on_json_where_datasette_has_no_such_parameter(site, value):
    assert site.get(f"{FIGURES}.json?_size=1&_stream={value}").status_code == 200


@pytest.mark.parametrize(
    "query, canonical",
    [
        ("_size=3&_stream=on", "_size=3&_stream=on"),
        ("_size=3&_stream=TRUE&a=%C3%A9+x", "_size=3&_stream=on&a=%C3%A9+x"),
        ("_stream=1&_stream=off", "_stream=on"),
        ("_size=3&_stream=off", "_size=3"),
        ("_stream=0&_stream=on", ""),
        ("_stream=&b=1", "b=1"),
        ("b=%5Fstream", "b=%5Fstream"),
        ("%5Fstream=false&b=2", "b=2"),
    ],
)
def test_an_accepted_stream_is_rewritten_as_every_reader_reads_it(query, canonical):
    assert plugin("parameters").with_canonical_switch(query, "_stream") == canonical


@pytest.mark.parametrize(
    "path",
    [
        "/disclosures/figures.csv?platform_id=telegram&_sort=value",  # streamed page by page by the site
        "/disclosures/figures.csv?platform_id=telegram&_sort_desc=period_end",
        "/disclosures/figures_series.csv?platform_id=microsoft&_sort_desc=value",
        "/disclosures/figures.csv?platform_id=telegram",
    ],
)
def test_a_csv_without_its_header_row_is_the_same_rows_without_it(site, path):
    # A table's CSV sorted by the client began with its header row whatever _header said.
    whole = site.get(path)
    headless = site.get(path + "&_header=off")
    assert whole.status_code == headless.status_code == 200
    header, rows = whole.text.split("\r\n", 1)
    assert header.startswith("figure_id,") and rows
    assert headless.text == rows


DOWNLOADS = [
    f"{FIGURES}.csv?platform_id=telegram&_size=3",
    "/disclosures/platforms.csv",
    f"{QUERY}.csv?jurisdiction=USA",
]


@pytest.mark.parametrize("path", DOWNLOADS)
@pytest.mark.parametrize("value", TRUE + FALSE)
def test_dl_asks_for_a_download_only_when_it_is_true(site, path, value):
    # Datasette 0.65 named a file to save for any non-empty _dl, _dl=0 and _dl=off included.
    response = site.get(f"{path}&_dl={value}" if "?" in path else f"{path}?_dl={value}")
    assert csv_rows(response)
    disposition = response.headers.get("content-disposition", "")
    assert disposition.startswith("attachment; filename=") == (value.lower() in ("on", "true", "1"))


@pytest.mark.parametrize("value", NOT_BOOLEANS)
def test_dl_that_is_not_on_or_off_is_a_400(site, value):
    message = assert_error_shape(site.get(f"{FIGURES}.csv?_size=1&_dl={value}"), 400)
    assert message == f"_dl must be on or off (or true/false, 1/0), not {value!r}"


HEADED = [
    f"{FIGURES}.csv?platform_id=telegram&_size=3",
    f"{FIGURES}.csv?platform_id=telegram&_sort=value",
    f"{QUERY}.csv?jurisdiction=USA",
]


@pytest.mark.parametrize("path", HEADED)
@pytest.mark.parametrize("value", TRUE + FALSE)
def test_header_is_left_out_exactly_when_it_is_false_and_the_type_says_so(site, path, value):
    # Datasette wrote the header unless _header was exactly "off": _header=false and _header=0 gave
    # a header row the client had asked not to get, one row more than it counted on.
    headed = csv_rows(site.get(path))
    response = site.get(f"{path}&_header={value}")
    absent = value.lower() in ("off", "false", "0")
    assert csv_rows(response) == (headed[1:] if absent else headed)
    assert response.headers["content-type"].endswith("header=absent" if absent else "header=present")


@pytest.mark.parametrize("value", NOT_BOOLEANS)
def test_header_that_is_not_on_or_off_is_a_400(site, value):
    message = assert_error_shape(site.get(f"{FIGURES}.csv?_size=1&_header={value}"), 400)
    assert message == f"_header must be on or off (or true/false, 1/0), not {value!r}"


@pytest.mark.parametrize(
    "query, canonical",
    [
        ("_header=off", "_header=off"),
        ("_header=FALSE&a=1", "_header=off&a=1"),
        ("_header=on", ""),
        ("_header=&a=1", "a=1"),
    ],
)
def test_an_accepted_header_is_rewritten_as_datasette_reads_it(query, canonical):
    parameters = plugin("parameters")
    assert parameters.with_canonical_switch(query, "_header", parameters.HEADER) == canonical


ANYWHERE = [
    f"{FIGURES}.json?_size=1",
    f"{FIGURES}.csv?_size=1",
    f"{FIGURES}?_size=1",
    f"{FIGURES}/telegram-usa-2024-ip_or_phone-accounts_affected.json?_ttl=60",
    f"{QUERY}.json?jurisdiction=USA",
    "/disclosures.json?sql=select+1",
]
OPTIONS = ["_json_infinity", "_labels", "_nocount", "_nofacet", "_nosuggest"]


@pytest.mark.parametrize("path", ANYWHERE)
@pytest.mark.parametrize("option", OPTIONS)
def test_an_on_off_option_that_is_not_on_or_off_is_a_400_naming_it(site, path, option):
    # _json_infinity=maybe was a 500; _labels=maybe was ignored; _nofacet=maybe read as on.
    response = site.get(f"{path}&{option}=maybe")
    if "." in path.split("?")[0].rsplit("/", 1)[-1]:
        message = assert_error_shape(response, 400)
        assert message == f"{option} must be on or off (or true/false, 1/0), not 'maybe'"
    else:
        assert response.status_code == 400 and response.headers["content-type"].startswith("text/html")
        assert "_nocount must be on or off" in site.get(f"{path}&_nocount=maybe").text


@pytest.mark.parametrize("option", OPTIONS)
@pytest.mark.parametrize("value", TRUE + FALSE)
def test_an_on_off_option_accepts_every_boolean(site, option, value):
    # A blank _json_infinity was a 500 too: value_as_boolean refuses "".
    assert site.get(f"{FIGURES}.json?_size=1&{option}={value}").status_code == 200


@pytest.mark.parametrize("value", FALSE)
def test_a_false_nofacet_or_nocount_is_read_as_false(site, value):
    # Datasette left the facets out for any non-empty _nofacet, _nofacet=0 and _nofacet=off too.
    plain = site.get(f"{FIGURES}.json?_size=0").json()
    body = site.get(f"{FIGURES}.json?_size=0&_nofacet={value}&_nocount={value}").json()
    assert body["facet_results"] and list(body["facet_results"]) == list(plain["facet_results"])
    assert body["filtered_table_rows_count"] == plain["filtered_table_rows_count"]
    assert site.get(f"{FIGURES}.json?_size=0&_nofacet=on").json()["facet_results"] == {}


@pytest.mark.parametrize("path", [f"{FIGURES}.json?_size=1", f"{FIGURES}?_size=1", "/disclosures.json?sql=select+1"])
def test_trace_where_the_site_does_not_trace_is_a_400_not_ignored(site, path):
    # trace_debug is off: _trace=1 answered as if it had not been given.
    response = site.get(f"{path}&_trace=1")
    assert response.status_code == 400 and "trace_debug setting is off" in response.text
    assert site.get(f"{path}&_trace=").status_code == 200


def test_trace_where_the_site_traces_is_only_trace_1(real_build):
    from tests.conftest import Site, unhurried

    tracing = Site(unhurried(real_build, {"trace_debug": True}))
    assert "_trace" in tracing.get(f"{FIGURES}.json?_size=1&_trace=1").json()
    message = assert_error_shape(tracing.get(f"{FIGURES}.json?_size=1&_trace=on"), 400)
    assert message == "_trace=on: only _trace=1 asks for the trace of the queries"
    # A CSV's is refused by plugins/downloads.py: Datasette's trace wraps it in an HTML page.
    message = assert_error_shape(tracing.get(f"{FIGURES}.csv?_size=1&_trace=1"), 400)
    assert "ask for the same address as .json with _trace=1" in message
