"""A table's page whose filters its JSON refuses is its filter form, with the error above it.

``/disclosures/figures?platform_id=Pinterest`` (a key no platform has) and ``?jurisdiction_id=``
(blank) were the site's error page, without the form to fix the filter in, while a canned
query's page given a bad value is its form (tests/test_pages_not_applied.py). The page is now
the table's form, filled with the filters as sent, the error above it and no rows, as a 400.
"""

import re
from html import unescape

import pytest
from conftest import assert_error_shape

FIGURES = "/disclosures/figures"
# The heading of a table page's rows: "84 rows where Platform (platform_id) = ...".
ROWS_WHERE = re.compile(r"<h3>[\d,]+ rows?\s+where ")


def filter_form_of(page: str) -> str:
    found = re.search(r'<form class="filters".*?</form>', page, re.S)
    assert found, "the page has no filter form"
    return found.group(0)


def filter_values_of(page: str) -> list[str]:
    """The values of the form's filled filter rows (the last, empty row is not one)."""
    return [unescape(v) for v in re.findall(r'name="_filter_value_\d+" class="filter-value" value="([^"]*)"', page)]


def error_above_form_of(page: str) -> str:
    found = re.search(r'<p class="message-error" id="filter-error">(.*?)</p>', page, re.S)
    assert found, "the page shows no error"
    assert page.index('id="filter-error"') < page.index('<form class="filters"')
    return unescape(" ".join(found.group(1).split()))


@pytest.mark.parametrize(
    ("path", "values"),
    [
        (f"{FIGURES}?jurisdiction_id=", [""]),
        (f"{FIGURES}?platform_id=Pinterest", ["Pinterest"]),
        (f"{FIGURES}?jurisdiction_id=USA&platform_id=Pinterest", ["USA", "Pinterest"]),
        (f"{FIGURES}?platform_id=google&value__gt=abc", ["google", "abc"]),
        # A view's page alike.
        ("/disclosures/figures_series?platform_id=nope", ["nope"]),
    ],
)
def test_a_refused_filter_on_a_table_page_is_its_form_with_the_error_above_it(site, path, values):
    said = assert_error_shape(site.get(path.replace("?", ".json?", 1)), 400)
    page = site.get(path)
    assert page.status_code == 400 and page.headers["content-type"] == "text/html; charset=utf-8"
    # An error is never kept, nor tagged, nor linked to its JSON, which answers this 400.
    assert page.headers["cache-control"] == "no-store" and "etag" not in page.headers
    assert "link" not in page.headers and 'rel="alternate"' not in page.text
    assert error_above_form_of(page.text) == said
    assert filter_values_of(filter_form_of(page.text)) == values
    table = path.split("?")[0].rsplit("/", 1)[1]
    assert f"<title>Bad request: disclosures: {table}</title>" in page.text
    # No rows, count or facets: Datasette made them with the filter it was refused for.
    assert '<table class="rows-and-columns"' not in page.text and "0 records" not in page.text
    assert 'class="facet-results"' not in page.text and not ROWS_WHERE.search(page.text)


def test_the_form_keeps_the_options_that_are_not_what_was_refused(site):
    # The sort, facets and page size were dropped: the form, fixed and applied, came back sorted by
    # recency_rank, its facets gone. They are kept where they are not what is wrong; a cursor
    # belongs to the refused filter and is not.
    page = site.get(f"{FIGURES}?platform_id=Pinterest&_size=5&_sort_desc=value&_facet=year&_next=abc")
    assert page.status_code == 400
    assert "platform_id=Pinterest: " in error_above_form_of(page.text)
    form = filter_form_of(page.text)
    assert filter_values_of(form) == ["Pinterest"]
    assert re.search(r'<select name="_sort" id="sort_by">.*?<option value="value" selected>', form, re.S)
    assert '<input type="checkbox" name="_sort_by_desc" checked>' in form
    hidden = re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)">', form)
    assert sorted(hidden) == [("_facet", "year"), ("_size", "5")]
    # Fixed as the form sends it (Datasette redirects its fields to the filters), it keeps them.
    answer = site.get(
        f"{FIGURES}.json?_filter_column_1=platform_id&_filter_op_1=exact&_filter_value_1=pinterest"
        "&_sort=value&_sort_by_desc=on&_facet=year&_size=5&_shape=objects"
    )
    for _ in range(3):
        if answer.status_code != 302:
            break
        answer = site.get(answer.headers["location"])
    assert answer.status_code == 200
    data = answer.json()
    values = [r["value"] for r in data["rows"]]
    assert {r["platform_id"] for r in data["rows"]} == {"pinterest"} and "year" in data["facet_results"]
    assert len(values) == 5 and values == sorted(values, reverse=True)


@pytest.mark.parametrize(
    "options",
    [
        "_size=abc",  # refused by this plugin (the error names it)
        "_sort=value&_sort_desc=value",  # refused by paging.py, inside: the form of the filters alone
    ],
)
def test_the_form_leaves_out_options_that_are_refused(site, options):
    # Datasette's options may be what is wrong, and a form's hidden fields would send them again.
    page = site.get(f"{FIGURES}?platform_id=Pinterest&{options}")
    assert page.status_code == 400
    form = filter_form_of(page.text)
    assert filter_values_of(form) == ["Pinterest"] and 'type="hidden"' not in form
    assert '<option value="recency_rank" selected>' in form


def test_a_value_that_is_no_utf8_fills_the_form_as_the_error_quotes_it(site):
    page = site.get(f"{FIGURES}?platform_id=%FF")
    assert page.status_code == 400
    assert error_above_form_of(page.text).startswith("platform_id=%FF: ")
    assert filter_values_of(filter_form_of(page.text)) == ["%FF"]


def test_a_filter_datasette_cannot_render_leaves_the_sites_error_page(site):
    # A column the table lacks is Datasette's own refusal (plugins/errors.py): it renders no form
    # for it, so the page stays the site's error page, with the message of the refused filter.
    page = site.get(f"{FIGURES}?platfrom_id=google&jurisdiction_id=")
    assert page.status_code == 400 and "<title>Bad request</title>" in page.text
    assert "jurisdiction_id=: " in unescape(page.text) and '<form class="filters"' not in page.text


def test_a_table_page_with_good_filters_is_unchanged(site):
    page = site.get(f"{FIGURES}?platform_id=pinterest")
    assert page.status_code == 200
    assert 'id="filter-error"' not in page.text and '<table class="rows-and-columns"' in page.text
    assert 'class="facet-results"' in page.text and ROWS_WHERE.search(page.text)
