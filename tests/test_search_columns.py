"""A table's _search and its _search_<column> searches all apply, not _search alone.

A newcomer's finding: Datasette 0.65 reads ``_search`` alone when both are given, so
``figures.json?_search=telegram&_search_quote=zzzqqq`` answered every figure that says telegram
(606), as if the quote's search had not been asked for: no quote holds zzzqqq. Its table page
sends both: on ``?_search_notes=telegram`` the search box holds "telegram" and the filter form
keeps ``_search_notes`` hidden, so a filter added there answered every figure that says telegram
anywhere, not the 89 whose notes do.
"""

import pytest
from conftest import rows

FIGURES = "/disclosures/figures"


def count(site, query, fmt=".json"):
    response = site.get(f"{FIGURES}{fmt}?{query}&_size=0" if fmt == ".json" else f"{FIGURES}{fmt}?{query}")
    assert response.status_code == 200, response.text
    if fmt == ".csv":
        return len(response.text.splitlines()) - 1
    return response.json()["filtered_table_rows_count"]


def test_a_column_search_beside_search_narrows_it(site):
    assert count(site, "_search=telegram") > 0
    assert count(site, "_search=telegram&_search_quote=zzzqqq") == 0
    assert count(site, "_search=telegram&_search_quote=zzzqqq", ".csv") == 0
    notes = count(site, "_search_notes=telegram")
    assert 0 < notes < count(site, "_search=telegram")
    # What the table page's form sends back: the box's text beside the column's search.
    assert count(site, "_search=telegram&_search_notes=telegram") == notes
    both = count(site, "_search=germany&_search_notes=telegram")
    assert 0 < both < notes and both < count(site, "_search=germany")
    described = site.get(f"{FIGURES}.json?_search=germany&_search_notes=telegram&_size=0").json()
    assert described["human_description_en"].startswith(
        'where search column "notes" matches "telegram" and search matches "germany"'
    )


@pytest.mark.parametrize(
    ("query", "said"),
    [
        (
            "_search=telegram&_search_nope=x",
            "_search_nope: figures has no searched column 'nope'; its index figures_fts searches _search_terms, "
            "_search_quote, _search_notes, _search_platform_wording, or _search for all of them",
        ),
        ("_search=telegram&_search_quote=%22&_searchmode=raw", "could not read this search: unterminated string"),
    ],
)
def test_a_column_search_beside_search_is_checked_as_one_alone(site, query, said):
    response = site.get(f"{FIGURES}.json?{query}")
    assert response.status_code == 400 and said in response.json()["error"], response.text


def test_the_api_page_says_how_column_searches_combine(site):
    api = site.get("/api").text
    assert "One column's search on a table: <code>_search_&lt;column&gt;=…</code>" in api
    assert "beside <code>_search</code> and beside other columns' searches, and all must match" in api


def test_the_api_page_names_each_indexs_own_columns(site, real_db):
    # It offered _search_quote on every table, with figures' other columns: on sources and
    # disagreements, whose indexes have no quote, that is a 400 "Cannot search by that column".
    api = " ".join(site.get("/api").text.split())
    for table in ("figures", "sources", "events", "disagreements"):
        columns = [name for (name,) in rows(real_db, "SELECT name FROM pragma_table_info(?)", f"{table}_fts")]
        assert f"{table}' " + ", ".join(f"<code>{column}</code>" for column in columns) + ";" in api
        for column in columns:
            assert site.get(f"/disclosures/{table}.json?_search_{column}=a&_size=0").status_code == 200


@pytest.mark.parametrize(
    ("path", "said"),
    [
        # Datasette's own "Cannot search by that column" named neither the column nor those there are.
        (
            "/disclosures/sources.json?_search_quote=x",
            "_search_quote: sources has no searched column 'quote'; its index sources_fts searches _search_title, "
            "_search_publisher, _search_notes, or _search for all of them",
        ),
        ("/disclosures/events.json?_search_notes=x&_search_title=x", "_search_notes: events has no searched column"),
        # FTS5's hidden rank column ran "rank MATCH" over every row: a 400 saying it was expensive.
        ("/disclosures/figures.json?_search=telegram&_search_rank=x", "_search_rank: figures has no searched column"),
        # A column's search on a table without an index named _search, which was not given.
        ("/disclosures/platforms.json?_search_name=google", "Search (_search_name) is not available on platforms"),
    ],
)
def test_a_column_the_index_lacks_is_named_with_those_it_has(site, path, said):
    response = site.get(path)
    assert response.status_code == 400 and said in response.json()["error"], response.text
