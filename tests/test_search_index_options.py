"""_fts_table and _fts_pk name the table's own index and key, or they are a 400.

A newcomer's finding: Datasette takes both from the query string (for a table whose index it
cannot find), so on a table that has one they answered 200 with wrong rows:
``figures.json?_fts_table=sources_fts&_search=telegram`` gave the 74 figures whose rowids are
those of sources that say telegram, and ``_fts_pk=figure_id`` gave none of the 606 that say it.
"""

import pytest
from conftest import assert_error_shape


@pytest.mark.parametrize(
    ("path", "said"),
    [
        (
            "/disclosures/figures{fmt}?_fts_table=sources_fts&_search=telegram",
            "_fts_table=sources_fts: figures is searched through its own index, figures_fts; another index",
        ),
        (
            "/disclosures/sources{fmt}?_fts_table=figures_fts&_search=telegram",
            "_fts_table=figures_fts: sources is searched through its own index, sources_fts",
        ),
        (
            "/disclosures/figures{fmt}?_fts_pk=figure_id&_search=telegram",
            "_fts_pk=figure_id: figures_fts is keyed by the rowid of figures; another column would match no row",
        ),
        (
            "/disclosures/figures_series{fmt}?_fts_table=figures_fts&_search=telegram",
            "_fts_table=figures_fts: figures_series has no full-text search; it is on disagreements, events, figures",
        ),
    ],
)
@pytest.mark.parametrize("fmt", [".json", ".csv"])
def test_another_index_or_key_is_a_400_not_wrong_rows(site, path, said, fmt):
    assert assert_error_shape(site.get(path.format(fmt=fmt)), 400).startswith(said)
    page = site.get(path.format(fmt=""))
    assert page.status_code == 400 and page.headers["content-type"].startswith("text/html")


def test_the_tables_own_index_and_key_still_search(site):
    def count(query):
        response = site.get(f"/disclosures/figures.json?{query}&_size=0")
        assert response.status_code == 200, response.text
        return response.json()["filtered_table_rows_count"]

    searched = count("_search=telegram")
    assert searched > 0
    assert count("_fts_table=figures_fts&_fts_pk=rowid&_search=telegram") == searched


def test_the_api_page_lists_it_among_the_400s(site):
    assert "a <code>_fts_table</code> or <code>_fts_pk</code> other than the table's own" in site.get("/api").text


@pytest.mark.parametrize(
    "query",
    [
        # Datasette reads a blank _fts_table as none, and SQLite a name in any case and the rowid by
        # each of its names: each searched the table's own index, and was refused as "another".
        "_fts_table=&_search=telegram",
        "_fts_table=FIGURES_FTS&_search=telegram",
        "_fts_pk=ROWID&_search=telegram",
        "_fts_pk=oid&_search=telegram",
        "_fts_pk=_rowid_&_search=telegram",
    ],
)
def test_the_tables_own_index_and_key_written_otherwise_still_search(site, query):
    response = site.get(f"/disclosures/figures.json?{query}&_size=0")
    assert response.status_code == 200, response.text
    searched = site.get("/disclosures/figures.json?_search=telegram&_size=0").json()["filtered_table_rows_count"]
    assert response.json()["filtered_table_rows_count"] == searched > 0


def test_a_blank_index_on_a_table_without_search_is_no_option(site):
    assert site.get("/disclosures/platforms.json?_fts_table=&_size=0").status_code == 200
