"""A table's page whose filters its JSON refuses is its filter form, with the error above it.

``/disclosures/figures?platform_id=Pinterest`` (a key no platform has) and ``?jurisdiction_id=``
(blank) were the site's error page, without the form to fix the filter in, while a canned
query's page given a bad value is its form (tests/test_pages_not_applied.py). The page is now
the table's form, filled with the filters as sent, the error above it and no rows, as a 400.
"""

import re
from html import unescape
from urllib.parse import urlencode

import pytest
from conftest import assert_error_shape, rows

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
    answer = site.get_following(
        f"{FIGURES}.json?_filter_column_1=platform_id&_filter_op_1=exact&_filter_value_1=pinterest"
        "&_sort=value&_sort_by_desc=on&_facet=year&_size=5&_shape=objects"
    )
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


def test_a_filter_datasette_cannot_render_is_left_out_of_the_form(site):
    # A column the table lacks is Datasette's own refusal (plugins/errors.py): it renders no form
    # with it, so the form keeps the filters it can render, and the page's sort; it was the
    # site's error page, without the form.
    page = site.get(f"{FIGURES}?platfrom_id=google&jurisdiction_id=&_sort_desc=value")
    assert page.status_code == 400 and "<title>Bad request: disclosures: figures</title>" in page.text
    assert error_above_form_of(page.text).startswith("jurisdiction_id=: ")
    form = filter_form_of(page.text)
    assert filter_values_of(form) == [""] and '<option value="value" selected>' in form


# Refusals of Datasette's, or of plugins inside plugins/parameters.py, each with the names its
# message must give: the parameter, and what it accepts.
REFUSED_ELSEWHERE = [
    ("_facet=nosuch", ["_facet=nosuch", "its columns are:"]),  # Datasette's
    ("{key}__isnull=maybe", ["{key}__isnull=maybe", "takes the value 1"]),  # plugins/errors.py
    ("nosuch=1", ["nosuch", "its columns are:"]),  # plugins/errors.py
    ("{key}__nosuchop=1", ["{key}__nosuchop", "use one of"]),  # plugins/errors.py
    ("_size=100000", ["_size", "from 0 to 5000 or max"]),  # the page redirected it to 1,000 rows
    ("_sort_desc=nosuch", ["_sort_desc=nosuch", "it can be sorted by"]),  # plugins/paging.py
    ("_sort={key}&_sort_desc={key}", ["_sort or _sort_desc"]),  # plugins/paging.py
    ("_facet_size=abc", ["_facet_size=abc", "a whole number or max"]),  # plugins/budget.py
    ("_timelimit=abc", ["_timelimit", "milliseconds from 1 to 999999"]),  # plugins/guards.py
    ("_where=1=", ["_where=1=", "a SQL condition"]),  # plugins/sql_policy.py
    ("_where=nosuch=1", ["_where=nosuch=1: no such column: nosuch; ", "whose columns are: "]),  # sql_policy.py
    ("_through=abc", ["_through", "JSON object"]),  # plugins/errors.py
]
KEYS = {"figures": "platform_id", "platforms": "platform_id", "sources": "source_id"}


@pytest.mark.parametrize("table", list(KEYS))
@pytest.mark.parametrize(("refused", "named"), REFUSED_ELSEWHERE)
def test_a_refusal_from_anywhere_is_the_same_form(site, table, refused, named):
    query = refused.format(key=KEYS[table])
    said = assert_error_shape(site.get(f"/disclosures/{table}.json?{query}"), 400)
    for name in named:
        assert name.format(key=KEYS[table]) in said
    page = site.get(f"/disclosures/{table}?{query}")
    assert page.status_code == 400 and page.headers["content-type"] == "text/html; charset=utf-8"
    assert page.headers["cache-control"] == "no-store" and 'rel="alternate"' not in page.text
    assert f"<title>Bad request: disclosures: {table}</title>" in page.text
    assert error_above_form_of(page.text) == said
    filter_form_of(page.text)
    assert '<table class="rows-and-columns"' not in page.text and not ROWS_WHERE.search(page.text)


def test_the_form_keeps_the_options_a_refusal_does_not_name(site):
    # _sort=nope was the site's error page; as a form it keeps the facet and size beside it.
    page = site.get(f"{FIGURES}?platform_id=google&_sort=nope&_facet=year&_size=5")
    assert error_above_form_of(page.text).startswith("_sort=nope: ")
    form = filter_form_of(page.text)
    assert filter_values_of(form) == ["google"] and '<option value="recency_rank" selected>' in form
    assert sorted(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)">', form)) == [
        ("_facet", "year"),
        ("_size", "5"),
    ]
    # One facet of two refused: the other is kept.
    page = site.get(f"{FIGURES}?_facet=nosuch&_facet=platform_id&_sort=value")
    form = filter_form_of(page.text)
    assert re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)">', form) == [("_facet", "platform_id")]
    assert '<option value="value" selected>' in form


def test_the_options_a_refusal_names_are_read_from_its_message():
    from conftest import plugin

    kept = plugin("parameters").options_not_named
    options = "_facet=nosuch&_facet=year&_sort=value&_size=5"
    assert kept(options, "_facet=nosuch: the table has no such column") == "_facet=year&_sort=value&_size=5"
    assert kept(options, "_size must be <= 5000") == "_facet=nosuch&_facet=year&_sort=value"
    assert kept("_sort=a&_sort_desc=a&_size=5", "Use _sort or _sort_desc, not both") == "_size=5"
    # A name inside another's, or a value's, is not the option: _searchmode is not _search.
    assert kept("_search=x&_searchmode=raw", "With _searchmode=raw a search is FTS5") == "_search=x"


@pytest.mark.parametrize("size", ["max", "5000", "1001"])
def test_a_size_every_answer_gives_is_still_the_pages_redirect(site, size):
    # Beyond a page's 1,000 rows but within the JSON's 5,000, the page goes on to 1,000 rows.
    page = site.get(f"{FIGURES}?_size={size}")
    assert page.status_code == 302 and page.headers["location"] == f"{FIGURES}?_size=1000"


def test_a_size_of_more_digits_than_int_reads_is_a_400_not_a_500(site):
    page = site.get(f"{FIGURES}?_size={'9' * 5000}")
    assert page.status_code == 400 and error_above_form_of(page.text).startswith("_size")


def test_a_table_page_with_good_filters_is_unchanged(site):
    page = site.get(f"{FIGURES}?platform_id=pinterest")
    assert page.status_code == 200
    assert 'id="filter-error"' not in page.text and '<table class="rows-and-columns"' in page.text
    assert 'class="facet-results"' in page.text and ROWS_WHERE.search(page.text)


# A control character the client sent, in the message that quotes it: written raw, a NUL ended
# the JSON's text for some readers and was a space in the page, so that the message quoted a
# value the client never sent ("platform_id= x").
CONTROL_ECHOES = [
    ("figures", "platform_id=%00x", "platform_id=\\x00x: '\\x00x' is the platform_id of no row"),  # this plugin
    ("platforms", "platform_id=Pinte%01rest", "platform_id=Pinte\\x01rest: "),  # this plugin, a table's own key
    ("sources", "nosuch%1B=1", "nosuch\\x1b: the table has no column 'nosuch\\x1b'"),  # plugins/errors.py
    ("figures", "_sort=value%7F", "_sort=value\\x7f: figures cannot be sorted by that column"),  # plugins/paging.py
    ("platforms", "_facet=a%C2%85", "_facet=a\\x85: "),  # Datasette's, a C1 control
]


@pytest.mark.parametrize(("table", "query", "said"), CONTROL_ECHOES)
def test_a_control_character_in_a_refused_value_is_shown_escaped(site, table, query, said):
    message = assert_error_shape(site.get(f"/disclosures/{table}.json?{query}"), 400)
    assert message.startswith(said) and not re.search(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]", message)
    page = site.get(f"/disclosures/{table}?{query}")
    assert page.status_code == 400 and error_above_form_of(page.text) == message


def test_an_error_page_shows_a_control_character_escaped(site):
    # A page with no form (a row takes no filter) says it alike.
    page = site.get("/disclosures/platforms/google?_sort=%00")
    assert page.status_code == 400 and "_sort=\\x00" in unescape(page.text)


@pytest.mark.parametrize(
    ("path", "values"),
    [
        (f"{FIGURES}?platform_id=%00x", ["\\x00x"]),
        (f"{FIGURES}?jurisdiction_id=USA&platform_id=a%1Bb%C2%85", ["USA", "a\\x1bb\\x85"]),  # C0 and C1
        ("/disclosures/figures_series?platform_id=nope%7F", ["nope\\x7f"]),  # a view's alike
    ],
)
def test_a_control_character_in_a_refused_value_fills_the_form_escaped_as_the_message_quotes_it(site, path, values):
    # Every page makes a control character the client sent a space (plugins/controls.py): the
    # form's field showed "x" after a space, a value no one sent, under a message quoting '\x00x'.
    page = site.get(path)
    assert page.status_code == 400
    assert filter_values_of(filter_form_of(page.text)) == values
    assert f"'{values[-1]}'" in error_above_form_of(page.text)


@pytest.mark.parametrize("table", ["figures", "figures_series"])
def test_a_shape_datasette_has_not_is_refused_on_a_table_page_as_on_its_json(site, table):
    # The page shows no shape, and answered _shape=nope 200, its form sending it again; the JSON
    # refused it. The page is the form, with the JSON's message above it.
    said = assert_error_shape(site.get(f"/disclosures/{table}.json?_shape=nope"), 400)
    assert said == "Invalid _shape: 'nope'; use one of arrays, objects, array, arrayfirst, object"
    page = site.get(f"/disclosures/{table}?platform_id=google&_shape=nope&_size=5")
    assert page.status_code == 400 and page.headers["cache-control"] == "no-store"
    assert error_above_form_of(page.text) == said
    form = filter_form_of(page.text)
    assert filter_values_of(form) == ["google"]
    # The refused shape is not sent again; the options beside it are kept.
    assert re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)">', form) == [("_size", "5")]
    assert '<table class="rows-and-columns"' not in page.text
    # A shape Datasette has is no mistake: the page is its rows, as without it.
    shaped = site.get(f"/disclosures/{table}?platform_id=google&_shape=objects&_size=5")
    assert shaped.status_code == 200 and '<table class="rows-and-columns"' in shaped.text


@pytest.mark.parametrize("view", ["freshness", "figures_series"])
def test_shape_object_on_a_views_page_is_the_400_of_its_json(site, view):
    # The page answered 200, the rows, and linked as its JSON the .json's 400: a view has no
    # primary key to key its rows by. The page is the form, with the JSON's message above it.
    said = assert_error_shape(site.get(f"/disclosures/{view}.json?_shape=object"), 400)
    assert said.startswith(f"_shape=object: {view} is a view, and a view has no primary key")
    page = site.get(f"/disclosures/{view}?platform_id=google&_shape=object&_size=5")
    assert page.status_code == 400 and page.headers["content-type"] == "text/html; charset=utf-8"
    assert page.headers["cache-control"] == "no-store" and "link" not in page.headers
    assert 'rel="alternate"' not in page.text
    assert error_above_form_of(page.text) == said
    form = filter_form_of(page.text)
    assert filter_values_of(form) == ["google"]
    # The refused shape is not sent again; the options beside it are kept.
    assert re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)">', form) == [("_size", "5")]
    assert '<table class="rows-and-columns"' not in page.text
    head = site.loop.run_until_complete(site.datasette.client.request("HEAD", f"/disclosures/{view}?_shape=object"))
    assert head.status_code == 400
    # The shapes a view has are no mistake on its page, and a table's page takes object.
    shaped = site.get(f"/disclosures/{view}?platform_id=google&_shape=objects&_size=5")
    assert shaped.status_code == 200 and '<table class="rows-and-columns"' in shaped.text
    keyed = site.get(f"{FIGURES}?platform_id=google&_shape=object&_size=5")
    assert keyed.status_code == 200 and '<table class="rows-and-columns"' in keyed.text


def test_shape_object_on_a_table_without_a_primary_key_is_the_400_of_its_json_on_its_page(site):
    # home_numbers is keyed by its rowid alone: Datasette's .json said "_shape=object not available
    # for tables with no primary keys" (naming no shape that works), and the page showed its row, 200.
    said = assert_error_shape(site.get("/disclosures/home_numbers.json?_shape=object"), 400)
    assert said.startswith("_shape=object: home_numbers is a table that declares no primary key")
    assert "/disclosures/home_numbers.json?_shape=array" in said
    page = site.get("/disclosures/home_numbers?_shape=object&_size=1")
    assert page.status_code == 400 and page.headers["cache-control"] == "no-store"
    assert error_above_form_of(page.text) == said
    assert '<table class="rows-and-columns"' not in page.text
    head = site.loop.run_until_complete(
        site.datasette.client.request("HEAD", "/disclosures/home_numbers?_shape=object")
    )
    assert head.status_code == 400
    for shape in ("array", "objects", "arrays", "arrayfirst"):
        assert site.get(f"/disclosures/home_numbers.json?_shape={shape}").status_code == 200
    # Its row, addressed by its rowid, is keyed by it.
    assert list(site.get("/disclosures/home_numbers/1.json?_shape=object").json()) == ["1"]


def test_every_table_and_views_page_answers_a_shape_as_its_json_does(site):
    listing = site.get("/disclosures.json").json()
    names = [table["name"] for table in listing["tables"] if not table["hidden"]] + [
        view["name"] for view in listing["views"]
    ]
    assert "figures" in names and "home_numbers" in names and "freshness" in names
    for name in names:
        for shape in ("object", "nope", "array"):
            query = f"_shape={shape}&_size=1"
            json_status = site.get(f"/disclosures/{name}.json?{query}").status_code
            assert site.get(f"/disclosures/{name}?{query}").status_code == json_status, (name, shape)


PRAGMA_COLUMNS = "SELECT name FROM pragma_table_info(?)"


@pytest.mark.parametrize(
    ("table", "clause", "column"),
    [
        ("figures", "nosuch=1", "nosuch"),
        ("figures_series", "value > 1 and Nosuch is null", "Nosuch"),  # a view's
        ("platforms", "platform_id = 'x' or nosuch in (select platform_id from figures)", "nosuch"),
        ("figures", "rowid > 5 and nosuch", "nosuch"),  # beside the table's rowid
    ],
)
def test_a_where_naming_no_column_names_the_parameter_the_column_and_the_tables_columns(
    site, real_db, table, clause, column
):
    # SQLite's "no such column: nosuch", through Datasette, named neither _where nor the table's columns.
    said = assert_error_shape(site.get(f"/disclosures/{table}.json?" + urlencode({"_where": clause})), 400)
    assert said.startswith(
        f"_where={clause}: no such column: {column}; _where is a SQL condition on the rows of {table}"
    )
    assert said.endswith("whose columns are: " + ", ".join(name for (name,) in rows(real_db, PRAGMA_COLUMNS, table)))
    page = site.get(f"/disclosures/{table}?" + urlencode({"_where": clause, "platform_id": "google"}))
    assert page.status_code == 400 and error_above_form_of(page.text) == said
    assert filter_values_of(filter_form_of(page.text)) == ["google"]


def columns_of(real_db, table: str) -> str:
    return ", ".join(name for (name,) in rows(real_db, PRAGMA_COLUMNS, table))


@pytest.mark.parametrize(
    ("table", "clause", "searched"),
    [
        ("figures", "figure_id in (select nosuch from sources)", ["sources", "figures"]),
        ("platforms", "platform_id in (select nosuch from figures)", ["figures", "platforms"]),
        # SQLite says the table when the clause qualifies the column, by its name or an alias.
        ("figures", "figure_id in (select sources.nosuch from sources)", ["sources"]),
        ("figures", "figure_id in (select s.nosuch from Sources s)", ["sources"]),
    ],
)
def test_a_where_naming_no_column_in_a_subquery_lists_the_tables_sqlite_looked_in(
    site, real_db, table, clause, searched
):
    # It was said with the page table's columns alone ("_where is a SQL condition on the rows of
    # figures, whose columns are: ..."), as if the subquery's column had to be one of those.
    said = assert_error_shape(site.get(f"/disclosures/{table}.json?" + urlencode({"_where": clause})), 400)
    column = re.search(r"select (\S+) from", clause)[1]
    assert said == (
        f"_where={clause}: no such column: {column}; SQLite looked for it in {' and '.join(searched)}, and none has "
        f"it (_where is a SQL condition on the rows of {table}, and a subquery on those of the tables it reads): "
        + "; ".join(f"the columns of {name} are: {columns_of(real_db, name)}" for name in searched)
    )
    page = site.get(f"/disclosures/{table}?" + urlencode({"_where": clause}))
    assert page.status_code == 400 and error_above_form_of(page.text) == said


def test_a_where_whose_column_names_no_table_it_reads_lists_no_tables_columns(site):
    clause = "figure_id in (select zz.nosuch from sources s)"
    said = assert_error_shape(site.get(f"{FIGURES}.json?" + urlencode({"_where": clause})), 400)
    assert said == (
        f"_where={clause}: no such column: zz.nosuch; no table or view this condition reads has it "
        "(_where is a SQL condition on the rows of figures)"
    )


@pytest.mark.parametrize(
    ("clause", "ended"),
    [
        ("value > 100 -- a note", "value > 100 -- a note\n"),
        ("value > 100 /* a note", "value > 100 /* a note */"),
        # Nothing after the /*: SQLite reads it alone as a slash and a star, a syntax error, so
        # the check that it compiles alone let it through to a bare "incomplete input".
        ("value > 100 /*", "value > 100 /**/"),
        ("value > 100 --", "value > 100 --\n"),
    ],
)
def test_a_where_whose_comment_runs_on_over_datasettes_query_says_so(site, clause, ended):
    # It compiles alone, but Datasette writes more SQL after it (the count's closing parenthesis),
    # which the comment swallowed: the answer was SQLite's "incomplete input", naming no parameter.
    said = assert_error_shape(site.get("/disclosures/figures.json?" + urlencode({"_where": clause})), 400)
    assert said.startswith(f"_where={clause}: Query refused: incomplete input once Datasette's query goes on")
    assert "a -- comment runs to the end of its line and a /* comment to its */" in said
    page = site.get("/disclosures/figures?" + urlencode({"_where": clause, "platform_id": "google"}))
    assert page.status_code == 400 and error_above_form_of(page.text) == said
    # Ended, the comment is no fault: the rows are those of the condition without it.
    answer = site.get("/disclosures/figures.json?" + urlencode({"_where": ended, "_size": 0}))
    plain = site.get("/disclosures/figures.json?" + urlencode({"_where": "value > 100", "_size": 0}))
    assert answer.status_code == plain.status_code == 200
    assert answer.json()["filtered_table_rows_count"] == plain.json()["filtered_table_rows_count"] > 0


@pytest.mark.parametrize(
    ("table", "clause", "missing"),
    [
        ("figures", "value > (select 1 from nosuchtable)", "nosuchtable"),
        ("figures_series", "figure_id in (select figure_id from Figure)", "Figure"),  # a view's
        ("figures", "figure_id in (select figure_id from temp.figures)", "temp.figures"),
    ],
)
def test_a_where_whose_subquery_reads_no_table_names_the_parameter_and_where_the_tables_are(
    site, table, clause, missing
):
    # SQLite's "no such table: nosuchtable", through Datasette, named neither _where nor what a
    # subquery may read.
    said = assert_error_shape(site.get(f"/disclosures/{table}.json?" + urlencode({"_where": clause})), 400)
    assert said == (
        f"_where={clause}: no such table: {missing}; _where is a SQL condition on the rows of {table}, and a "
        "subquery in it reads the tables and views of this database, which /disclosures lists"
    )
    page = site.get(f"/disclosures/{table}?" + urlencode({"_where": clause, "platform_id": "google"}))
    assert page.status_code == 400 and error_above_form_of(page.text) == said
    # A canned query's page applies no _where, and its refusal says so, not this.
    canned = site.get("/disclosures/compare_platforms.json?" + urlencode({"jurisdiction": "USA", "_where": clause}))
    assert assert_error_shape(canned, 400).startswith(f"_where={clause}: compare_platforms is a canned query")
