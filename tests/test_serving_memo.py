"""Layer (c): what a worker keeps of an immutable database, and the table cells made without
Datasette's per-cell machinery (plugins/immutable.py, plugins/table_rows.py), give Datasette's
answers. Counted in queries and compared cell by cell, never timed (speed is `make bench`)."""

from __future__ import annotations

import asyncio
import re
import sqlite3

import pytest
from datasette.app import Datasette
from datasette.views import table as table_view

from tests.conftest import Site, counted_site, plugin, unhurried

FIGURES = "/disclosures/figures"


@pytest.fixture(scope="module")
def compared(real_build):
    """The site, with every table page's cells made by both the plugin's function and Datasette's
    own, side by side: ``site.differences`` lists the pages where they were not equal."""
    site = Site(unhurried(real_build))
    site.differences, site.compared = [], []
    fast = table_view.display_columns_and_rows
    datasette_own = table_view.datasette_display_columns_and_rows

    async def both(*args, **kwargs):
        mine = await fast(*args, **kwargs)
        theirs = await datasette_own(*args, **kwargs)
        site.compared.append(args[2])
        if mine[0] != theirs[0] or [row.cells for row in mine[1]] != [row.cells for row in theirs[1]]:
            site.differences.append(args[2])
        return mine

    table_view.display_columns_and_rows = both
    yield site
    table_view.display_columns_and_rows = fast


def test_the_cells_of_every_table_page_are_datasettes(compared):
    tables = compared.get("/disclosures.json").json()["tables"]
    paths = [f"/disclosures/{t['name']}" for t in tables if not t["hidden"]]
    paths += [
        FIGURES + "?platform_id=telegram&_sort=value",
        FIGURES + "?_nocol=value_text",  # the value cell falls back to Datasette's own
        FIGURES + "?_labels=off",
        "/disclosures/sources?_size=5",
    ]
    for path in paths:
        assert compared.get(path).status_code == 200, path
    assert len(compared.compared) >= len(paths) - 2  # every table page went through both
    assert compared.differences == []


def test_a_row_is_written_as_datasettes_template_writes_it(compared):
    """cells_html against the loop it replaces in Datasette's _table.html, in Datasette's own
    (async, autoescaping) Jinja environment, over every row of a figures page."""
    table_rows = plugin("table_rows")
    datasette = compared.datasette
    loop_body = datasette.jinja_env.from_string(
        '{% for cell in row %}<td class="col-{{ cell.column|to_css_class }} type-{{ cell.value_type }}">'
        "{{ cell.value }}</td>{% endfor %}"
    )
    captured = []
    fast = table_view.display_columns_and_rows

    async def capture(*args, **kwargs):
        found = await fast(*args, **kwargs)
        captured.append(found[1])
        return found

    table_view.display_columns_and_rows = capture
    try:
        html = compared.get(FIGURES).text
    finally:
        table_view.display_columns_and_rows = fast
    (rows,) = captured
    assert len(rows) == 100
    for row in rows:
        expected = compared.loop.run_until_complete(loop_body.render_async(row=row))
        assert str(table_rows.cells_html(row)) == expected
        assert expected in html
    # Text with every character autoescaping changes, and Markup, which it leaves alone.
    special = table_view.Row(
        [
            {"column": "a b", "value": "<&'\">", "raw": None, "value_type": "str"},
            {"column": "x", "value": table_rows.markupsafe.Markup("<b>ok</b>"), "raw": None, "value_type": "none"},
            {"column": "n", "value": 7, "raw": 7, "value_type": "int"},
        ]
    )
    expected = compared.loop.run_until_complete(loop_body.render_async(row=special))
    assert str(table_rows.cells_html(special)) == expected


def test_a_render_cell_hook_wrapper_still_goes_through_pluggy():
    table_rows = plugin("table_rows")
    assert table_rows.cell_renderers() is not None  # the site's plugins are plain implementations

    class Wrapper:
        @table_rows.hookimpl(hookwrapper=True)
        def render_cell(self, value):
            yield

    wrapper = Wrapper()
    table_rows.pm.register(wrapper, name="test-render-cell-wrapper")
    try:
        assert table_rows.cell_renderers() is None
    finally:
        table_rows.pm.unregister(wrapper)


@pytest.fixture(scope="module")
def counted(real_build):
    return counted_site(real_build)


def test_a_figures_page_asks_sqlite_for_its_rows_not_its_schema(counted):
    counted.get(FIGURES)
    counted.queries.clear()
    response = counted.get(FIGURES)
    assert response.status_code == 200
    sql = [q for q in counted.queries if isinstance(q, str)]
    # The page's rows; its schema, facet counts, labels and dataset row are the worker's already
    # (there were about 50 round trips to SQLite: 7 facets, 13 label lookups, the schema many times).
    assert len(counted.queries) <= 3, counted.queries
    assert not [q for q in sql if "sqlite_master" in q or "schema_version" in q or "facet_counts" in q]
    assert response.text.count('class="tier-badge"') == 100
    # Labelled foreign keys and facet links are still there.
    assert re.search(r'<a href="/disclosures/platforms/[a-z_]+">[^<]+</a>&nbsp;<em>', response.text)
    assert "/disclosures/figures?platform_id=telegram" in response.text


def test_the_labels_kept_are_the_ones_sqlite_gives(counted, real_db):
    datasette = counted.datasette
    with sqlite3.connect(real_db) as conn:
        platforms = dict(conn.execute("SELECT platform_id, name FROM platforms"))
    values = [*sorted(platforms)[:5], "no-such-platform", None]
    labels = counted.loop.run_until_complete(
        datasette.expand_foreign_keys("disclosures", "figures", "platform_id", values)
    )
    assert labels == {("platform_id", p): platforms[p] for p in sorted(platforms)[:5]}


def test_a_database_that_can_change_is_asked_every_time(tmp_path):
    # The plugin's functions on a mutable database directly: Datasette's plugin manager is shared
    # by every instance in this process, and the site's other plugins refuse this database.
    immutable = plugin("immutable")
    path = tmp_path / "mutable.db"
    with sqlite3.connect(path) as conn:
        conn.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, a TEXT)")
    datasette = Datasette([str(path)])
    db = datasette.get_database("mutable")
    immutable.remember_schema(db)
    assert getattr(db, "_schema_memo", None) is None
    loop = asyncio.new_event_loop()
    try:
        assert loop.run_until_complete(db.table_columns("t")) == ["id", "a"]
        with sqlite3.connect(path) as conn:
            conn.execute("ALTER TABLE t ADD COLUMN b TEXT")
        assert loop.run_until_complete(db.table_columns("t")) == ["id", "a", "b"]
    finally:
        loop.close()


def test_what_a_worker_keeps_is_bounded_and_handed_out_as_copies(real_build):
    immutable = plugin("immutable")
    datasette = unhurried(real_build)
    loop = asyncio.new_event_loop()
    try:
        loop.run_until_complete(datasette.invoke_startup())
        db = datasette.get_database("disclosures")
        columns = loop.run_until_complete(db.table_columns("figures"))
        columns.append("not-a-column")
        assert "not-a-column" not in loop.run_until_complete(db.table_columns("figures"))
        for n in range(immutable.MAX_ENTRIES + 10):
            loop.run_until_complete(db.table_exists(f"missing_{n}"))
        assert len(db._schema_memo) <= immutable.MAX_ENTRIES
        assert loop.run_until_complete(db.table_exists("figures")) is True
    finally:
        loop.close()


def test_facets_timed_out_is_appended_to_the_json_datasette_wrote(counted):
    data = counted.get(FIGURES + ".json?_size=1").json()
    assert list(data)[-1] == "facets_timed_out" and data["facets_timed_out"] == []
    assert re.search(r'"facets_timed_out": \[\]\}$', counted.get(FIGURES + ".json?_size=1").text)


def test_a_fresh_workers_first_pages_arriving_together_are_all_served(real_build):
    # A worker just (re)started gets several pages at once (CI: a release switch under load).
    # The first page to need the implied links (plugins/implied_links.py) starts reading them; a
    # page rendered meanwhile found the memo started but not filled, and answered 500 (KeyError).
    site = Site(unhurried(real_build))
    pages = ["/disclosures/freshness?_size=5", "/disclosures/coverage_cells?_size=5", "/disclosures/platforms"] * 3

    async def together():
        return await asyncio.gather(*(site.datasette.client.get(page) for page in pages))

    responses = site.loop.run_until_complete(together())
    assert [r.status_code for r in responses] == [200] * len(pages)
    # Each page links what its columns imply (freshness has no foreign key of its own), whichever
    # request filled the memo.
    for response in responses[:2] + responses[3:5]:
        assert re.search(r'<a href="/disclosures/platforms/[^"]+">[^<]+</a>&nbsp;<em>', response.text)
