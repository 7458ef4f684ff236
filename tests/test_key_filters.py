"""A filter on a column that names another table's rows takes a key that table has.

A newcomer's finding: ``figures.json?jurisdiction_id=usa`` (or ``=US``, the alpha-2 code, or
``=BRG``, a slip for BGR or BRA) answered 200 with no rows, as if the United States had no
figures, and ``platform_id__not=Telegram`` answered every figure, Telegram's too. The canned
queries refused such a value already; a table's filter is now a 400 that names the key meant.
"""

import asyncio
import re
import sqlite3
from types import SimpleNamespace

import pytest
from conftest import assert_error_shape, plugin, rows

FIGURES = "/disclosures/figures"


@pytest.mark.parametrize(
    ("query", "said"),
    [
        (
            "jurisdiction_id=usa",
            "jurisdiction_id=usa: 'usa' is the jurisdiction_id of no row of jurisdictions, so nothing could match "
            "(did you mean USA?); the jurisdiction_id values are listed at /disclosures/jurisdictions",
        ),
        ("jurisdiction_id__exact=US", "(did you mean USA for United States?)"),
        ("jurisdiction_id=BRG", "(did you mean ARG for Argentina, BGR for Bulgaria, BRA for Brazil, BRB for"),
        ("platform_id__not=Telegram", "so no row that has a platform_id would be left out (did you mean telegram?)"),
        ("jurisdiction_id__in=USA,DE", "its 2nd value 'DE' is the jurisdiction_id of no row of jurisdictions, so no"),
        ("metric_id=requests", "'requests' is the metric_id of no row of metrics, so nothing could match;"),
        ("source_tier=tier1", "'tier1' is the tier_id of no row of source_tiers"),
    ],
)
@pytest.mark.parametrize("fmt", [".json", ".csv"])
def test_a_key_no_row_has_is_a_400_that_names_the_one_meant(site, query, said, fmt):
    assert said in assert_error_shape(site.get(f"{FIGURES}{fmt}?{query}"), 400)


def test_a_derived_tables_keys_and_the_page_are_refused_alike(site):
    # figures_series is a view: its platform_id and jurisdiction_id name rows as the figures' do.
    message = assert_error_shape(site.get("/disclosures/figures_series.json?jurisdiction_id=usa"), 400)
    assert "(did you mean USA?)" in message
    message = assert_error_shape(site.get("/disclosures/coverage_cells.json?platform_id=Google"), 400)
    assert "(did you mean google?)" in message
    page = site.get(f"{FIGURES}?jurisdiction_id=usa")
    assert page.status_code == 400 and page.headers["content-type"].startswith("text/html")


def test_keys_that_exist_still_filter_with_or_without_rows(site):
    def count(path):
        response = site.get(path + "&_size=0")
        assert response.status_code == 200, response.text
        return response.json()["filtered_table_rows_count"]

    assert count(f"{FIGURES}.json?jurisdiction_id=USA") > 0
    # Antigua and Barbuda is a jurisdiction with no figure yet: no rows, and no error.
    assert count(f"{FIGURES}.json?jurisdiction_id=ATG") == 0
    # A table's own key that a row has is that row (no such key is a 400, below).
    assert count("/disclosures/platforms.json?platform_id=pinterest") == 1


# A table's own key, as the figures' foreign keys: platforms?platform_id=Pinterest was a 200 with
# no rows (as if Pinterest were not in the data), where figures?platform_id=Pinterest is a 400.
OWN_KEYS = [
    ("platforms", "platform_id=Pinterest", "(did you mean pinterest?); the platform_id values are listed at"),
    ("platforms", "platform_id__in=google,pinterst", "its 2nd value 'pinterst' is the platform_id of no row of"),
    ("platforms", "platform_id__not=Google", "no row that has a platform_id would be left out (did you mean google?)"),
    (
        "sources",
        "source_id=4NOWNEWS-2024-10-02-durov-since-2018",
        "(did you mean 4nownews-2024-10-02-durov-since-2018?)",
    ),
    ("jurisdictions", "jurisdiction_id=US", "(did you mean USA for United States?)"),
    ("metrics", "metric_id=Requests_received", "(did you mean requests_received?)"),
    ("events", "event_id=nope", "'nope' is the event_id of no row of events, so nothing could match"),
    ("figures", "figure_id=nope", "'nope' is the figure_id of no row of figures, so nothing could match"),
]


@pytest.mark.parametrize(("table", "query", "said"), OWN_KEYS)
def test_a_tables_own_key_no_row_has_is_refused_as_a_foreign_key_is(site, table, query, said):
    message = assert_error_shape(site.get(f"/disclosures/{table}.json?{query}"), 400)
    assert message.startswith(query.replace("%20", " ") + ": ") and said in message
    page = site.get(f"/disclosures/{table}?{query}")
    assert page.status_code == 400 and 'id="filter-error"' in page.text and '<form class="filters"' in page.text


@pytest.mark.parametrize(
    ("table", "query", "count"),
    [
        ("platforms", "platform_id=pinterest", 1),
        ("platforms", "platform_id__in=google,pinterest", 2),
        ("sources", "source_id=4nownews-2024-10-02-durov-since-2018", 1),
        ("jurisdictions", "jurisdiction_id=USA", 1),
    ],
)
def test_a_tables_own_key_a_row_has_is_still_that_row(site, table, query, count):
    response = site.get(f"/disclosures/{table}.json?{query}&_shape=objects")
    assert response.status_code == 200 and len(response.json()["rows"]) == count
    assert site.get(f"/disclosures/{table}?{query}").status_code == 200


@pytest.mark.parametrize(
    ("query", "said"),
    [
        # jurisdiction_id= answered 200 with no rows, and __not= with every row, while a blank
        # entry of a list (jurisdiction_id__in=USA,) was already the 400: one rule for all four.
        ("jurisdiction_id=", "jurisdiction_id=: '' (blank) is the jurisdiction_id of no row of jurisdictions"),
        ("jurisdiction_id__exact=%20", "' ' (blank) is the jurisdiction_id of no row of jurisdictions, so nothing"),
        (
            "platform_id__not=",
            "so no row that has a platform_id would be left out (to keep every row, leave platform_id__not out)",
        ),
        ("jurisdiction_id__in=%20,%20", "its 1st value '' (blank) is the jurisdiction_id of no row"),
        ("jurisdiction_id__notin=USA,", "its 2nd value '' (blank) is the jurisdiction_id of no row"),
        ('jurisdiction_id__in=["USA", ""]', "its 2nd value '' (blank) is the jurisdiction_id of no row"),
    ],
)
def test_a_blank_key_is_a_key_no_row_has(site, query, said):
    assert said in assert_error_shape(site.get(f"{FIGURES}.json?{query}"), 400)


@pytest.mark.parametrize(
    ("query", "said"),
    [
        ("jurisdiction_id=USA%20", "(did you mean USA (without the spaces around it)?)"),
        ("platform_id__in=%20google%20", None),  # a comma-separated list is stripped by Datasette
        ('platform_id__in=["google "]', "(did you mean google (without the spaces around it)?)"),
        ("platform_id__not=Google%09", "(did you mean google (without the spaces around it)?)"),
    ],
)
def test_a_key_with_spaces_around_it_is_named(site, query, said):
    response = site.get(f"{FIGURES}.json?{query}&_size=0")
    if said is None:
        assert response.status_code == 200, response.text
    else:
        assert said in assert_error_shape(response, 400)


def test_the_api_page_lists_it_among_the_400s(site):
    assert "with a key no row of that table has (<code>jurisdiction_id=usa</code>" in site.get("/api").text


@pytest.mark.parametrize(
    ("query", "said"),
    [
        # A number in a JSON list is compared as the column's text, as Datasette compares it: [5]
        # answered no row and __notin=[5] every row, where the list 5 (its text) was the 400.
        ("jurisdiction_id__in=[5]", "jurisdiction_id__in=[5]: 5 is the jurisdiction_id of no row of jurisdictions"),
        ('jurisdiction_id__notin=["USA", 5]', "its 2nd value 5 is the jurisdiction_id of no row of jurisdictions"),
        ("platform_id__in=[true]", "true is the platform_id of no row of platforms"),
    ],
)
def test_a_number_in_a_json_list_is_a_key_too(site, query, said):
    assert said in assert_error_shape(site.get(f"{FIGURES}.json?{query}"), 400)
    assert site.get(f'{FIGURES}.json?jurisdiction_id__in=["USA", "FRA"]&_size=0').status_code == 200


@pytest.mark.parametrize("number", ["1e400", "NaN", "-Infinity", "123", "true"])
def test_a_number_in_a_json_list_is_no_slip_of_a_code(site, number):
    # Read as Python's text, [1e400] ("inf") was answered "did you mean IND for India?" and [NaN]
    # ("nan") "did you mean CAN for Canada, NAM for Namibia or PAN for Panama?".
    message = assert_error_shape(site.get(f"{FIGURES}.json?jurisdiction_id__in=[{number}]"), 400)
    assert "is the jurisdiction_id of no row of jurisdictions, so nothing could match;" in message
    assert "did you mean" not in message


@pytest.mark.parametrize(
    ("query", "said"),
    [
        # As compare_platforms.json?jurisdiction=germany and /country/germany name DEU
        # (plugins/_near_codes.py); the filter named no code for a name or another name.
        ("jurisdiction_id=germany", "(did you mean DEU for Germany?)"),
        ("jurisdiction_id__not=uk", "(did you mean GBR for United Kingdom?)"),
        ("jurisdiction_id__in=USA,united%20states", "(did you mean USA for United States?)"),
        ("jurisdiction_id=US", "(did you mean USA for United States?)"),
    ],
)
def test_a_jurisdictions_name_is_answered_with_its_code(site, query, said):
    assert said in assert_error_shape(site.get(f"{FIGURES}.json?{query}"), 400)


class CountingDatabase:
    """A database of one table, figures, whose jurisdiction_id names the jurisdictions USA and FRA,
    counting the queries it is asked."""

    name = "disclosures"

    def __init__(self):
        self.queries = 0

    async def foreign_keys_for_table(self, table):
        return [{"column": "jurisdiction_id", "other_table": "jurisdictions", "other_column": "jurisdiction_id"}]

    async def execute(self, sql, params):
        self.queries += 1
        return SimpleNamespace(rows=[[1]] if params[0] in ("USA", "FRA") else [])


def test_a_key_is_looked_up_once_however_often_it_is_given():
    # 190 filters of jurisdiction_id__in=USA,USA,... (35 each, under the 32 KiB limit) were 6,650
    # lookups, 0.8 s before Datasette's 400 for the query's size.
    db = CountingDatabase()
    params = [("jurisdiction_id__in", ",".join(["USA"] * 35 + ["FRA"] * 35))] * 190
    columns = {"jurisdiction_id": "TEXT"}
    assert asyncio.run(plugin("parameters").key_filter_problem(db, "figures", "table", columns, params)) is None
    assert db.queries == 2


def test_a_figure_id_is_checked_wherever_a_column_names_a_figure(site, real_db):
    # corroborations' figure_id has no foreign key (the package checks it), and figures no label
    # column: corroborations.json?figure_id=zzz answered 200 with no rows, disagreements' a 400.
    for table in ("corroborations", "disagreements", "figures_series", "search_text"):
        message = assert_error_shape(site.get(f"/disclosures/{table}.json?figure_id=zzz"), 400)
        assert "'zzz' is the figure_id of no row of figures, so nothing could match" in message, table
    corroborated = rows(real_db, "SELECT figure_id FROM corroborations LIMIT 1")[0][0]
    message = assert_error_shape(site.get(f"/disclosures/corroborations.json?figure_id={corroborated.upper()}"), 400)
    assert f"(did you mean {corroborated}?)" in message
    response = site.get(f"/disclosures/corroborations.json?figure_id={corroborated}&_size=0")
    assert response.status_code == 200 and response.json()["filtered_table_rows_count"] > 0


@pytest.mark.parametrize("table", ["corrections", "release_changes"])
def test_a_figure_since_removed_is_still_a_filter_of_what_says_why(site, real_db, table):
    # A correction's removal and a release's change name figures the data no longer has.
    removed = rows(real_db, f"SELECT figure_id FROM {table} WHERE figure_id NOT IN (SELECT figure_id FROM figures)")
    assert removed, f"the data has no {table} row of a removed figure to test with"
    response = site.get(f"/disclosures/{table}.json?figure_id={removed[0][0]}&_size=0")
    assert response.status_code == 200 and response.json()["filtered_table_rows_count"] > 0


@pytest.mark.parametrize("table", ["figures", "corroborations"])
def test_a_figure_since_removed_is_refused_as_a_filter_with_where_its_page_says_why(site, real_db, table):
    # figures.json?figure_id=<a removed figure> said only that no row of figures has it, as though
    # the id had never been one; its page is a 410 that says when and why it went.
    ((removed,),) = rows(
        real_db,
        """SELECT figure_id FROM corrections WHERE (new_value IS NULL OR new_value = '')
             AND figure_id NOT IN (SELECT figure_id FROM figures) ORDER BY figure_id LIMIT 1""",
    )
    message = assert_error_shape(site.get(f"/disclosures/{table}.json?figure_id={removed}"), 400)
    assert message.startswith(f"figure_id={removed}: '{removed}' is the figure_id of no row of figures")
    assert f"(it was a figure, since removed: /figure/{removed} says when and why)" in message
    assert site.get(f"/figure/{removed}").status_code == 410
    # An id that never was one is told only that.
    assert "since removed" not in assert_error_shape(site.get(f"/disclosures/{table}.json?figure_id=zzz"), 400)


class PlannedDatabase:
    """The real database through a connection that records SQLite's plan of every query it runs."""

    name = "disclosures"

    def __init__(self, path):
        self.connection = sqlite3.connect(path)
        self.plans = []

    async def foreign_keys_for_table(self, table):
        return [{"column": "figure_id", "other_table": "figures", "other_column": "figure_id"}]

    async def execute(self, sql, params=()):
        self.plans += [row[-1] for row in self.connection.execute("EXPLAIN QUERY PLAN " + sql, params)]
        return SimpleNamespace(rows=self.connection.execute(sql, params).fetchall())


def test_a_figure_id_and_its_hint_are_looked_up_in_the_key_not_scanned(real_db):
    # 65,050 figure ids: COLLATE NOCASE read every one of them for a hint.
    db = PlannedDatabase(real_db)
    figure_id = rows(real_db, "SELECT figure_id FROM figures LIMIT 1")[0][0]
    params = [("figure_id", f" {figure_id.upper()} ")]
    message = asyncio.run(
        plugin("parameters").key_filter_problem(db, "disagreements", "table", {"figure_id": "TEXT"}, params)
    )
    assert f"(did you mean {figure_id} (without the spaces around it)?)" in message
    assert db.plans and all(plan.startswith("SEARCH figures") for plan in db.plans), db.plans


@pytest.mark.parametrize(
    ("path", "says"),
    [
        ("/disclosures/figures.json?source_id__not=zzz", "so no row that has a source_id would be left out"),
        ("/disclosures/figures.json?source_id__notin=zzz,yyy", "so it would leave out no row that has a source_id"),
        ("/disclosures/disagreements.json?figure_id__not=zzz", "so no row that has a figure_id would be left out"),
    ],
)
def test_a_key_no_row_has_under_not_says_what_it_would_still_leave_out(site, real_db, path, says):
    # "so no row would be left out", where SQL's != leaves out every row without a value: a derived
    # figure has no source, so source_id__not=zzz keeps only the sourced figures.
    table, column = re.search(r"/disclosures/(\w+)\.json\?(\w+?)__", path).groups()
    assert rows(real_db, f"SELECT count(*) FROM {table} WHERE {column} IS NULL")[0][0] > 0
    message = assert_error_shape(site.get(path), 400)
    assert says in message, message
