"""Layer (c): the raw row pages of platforms and jurisdictions (Datasette's, reached by every
foreign-key link) send the reader to the page that explains the record."""

import re

import markupsafe
import pytest

from tests.conftest import Site, assert_error_shape, rows, unhurried

# Every platform; of the 254 jurisdictions, the first of each kind (country, scope, territory)
# and every one whose id is not three capitals (WORLD, EU...): the pages differ by kind and id.
RECORDS = {
    "platforms": "SELECT platform_id FROM platforms ORDER BY platform_id",
    "jurisdictions": "SELECT min(jurisdiction_id) FROM jurisdictions GROUP BY kind"
    " UNION SELECT jurisdiction_id FROM jurisdictions WHERE jurisdiction_id NOT GLOB '[A-Z][A-Z][A-Z]'",
}


@pytest.mark.parametrize(("table", "page"), [("platforms", "/platform/"), ("jurisdictions", "/country/")])
def test_a_row_page_links_to_the_records_own_page_which_answers(site, real_db, table, page):
    # The row page of platforms/reddit showed its columns, squeezed side by side, and linked
    # nowhere but back to the table: the platform's page (series, freshness, gaps) went unfound.
    for (value,) in rows(real_db, RECORDS[table]):
        html = site.get(f"/disclosures/{table}/{value}").text
        links = re.findall(r'<p class="see-page">[^<]*<a href="([^"]+)"', html)
        assert links == [page + value], (table, value)
        assert site.get(links[0]).status_code == 200, links[0]


def row_cells(html_text: str) -> dict[str, tuple[list[str], str]]:
    """Each field of a row page, by its column: the links in its cell and the cell's text."""
    import lxml.html

    cells = {}
    for th in lxml.html.fromstring(html_text).xpath('//table[contains(@class, "row-fields")]//th[@scope="row"]'):
        cell = th.getnext()
        cells[th.get("data-column")] = (
            [a.get("href") for a in cell.xpath(".//a")],
            " ".join(cell.text_content().split()),
        )
    return cells


def test_a_row_pages_foreign_keys_link_to_their_rows_by_label_as_the_tables_do(site, real_db):
    # A corroboration's row page showed its source_id bare (Datasette 0.65's row view labels no
    # foreign key), where the corroborations table links it to the source by its title.
    figure_id, source_id, title = rows(
        real_db,
        "SELECT c.figure_id, c.source_id, s.title FROM corroborations c JOIN sources s USING (source_id)"
        " ORDER BY c.figure_id, c.source_id LIMIT 1",
    )[0]
    key = f"{figure_id},{source_id}"
    cells = row_cells(site.get(f"/disclosures/corroborations/{key}").text)
    assert cells["source_id"] == ([f"/disclosures/sources/{source_id}"], f"{title} {source_id}")
    # The same cell as in the table, which Datasette labels.
    table = site.get(f"/disclosures/corroborations?figure_id={figure_id}&source_id={source_id}").text
    assert re.search(rf'<td class="col-source_id[^"]*"><a href="/disclosures/sources/{re.escape(source_id)}">', table)
    # Every foreign key of a row: an event's platform and source, a figure's five.
    event, platform, name = rows(
        real_db, "SELECT e.event_id, e.platform_id, p.name FROM events e JOIN platforms p USING (platform_id) LIMIT 1"
    )[0]
    assert row_cells(site.get(f"/disclosures/events/{event}").text)["platform_id"] == (
        [f"/disclosures/platforms/{platform}"],
        f"{name} {platform}",
    )
    figure = "telegram-usa-2024-ip_or_phone-requests_fulfilled"
    found = row_cells(site.get(f"/disclosures/figures/{figure}").text)
    assert found["jurisdiction_id"] == (["/disclosures/jurisdictions/USA"], "United States USA")
    assert found["metric_id"][0] == ["/disclosures/metrics/requests_fulfilled"]
    # The row's JSON keeps the bare values.
    data = site.get(f"/disclosures/corroborations/{key}.json?_shape=array").json()
    assert data[0]["source_id"] == source_id


def test_a_row_page_lists_only_the_tables_that_link_to_it(site, real_db):
    # A source's "Links from other tables" listed eleven tables, eight of them "0 rows from ...".
    source_id = "te-k-telegram-transparency-dataset-839ed54"
    pointing = [
        (table, fk[3])
        for (table,) in rows(real_db, "SELECT name FROM sqlite_master WHERE type = 'table'")
        for fk in rows(real_db, f"SELECT * FROM pragma_foreign_key_list('{table}')")
        if fk[2] == "sources"
    ]
    counts = {
        (t, c): rows(real_db, f'SELECT count(*) FROM "{t}" WHERE "{c}" = ?', source_id)[0][0] for t, c in pointing
    }
    assert 0 in counts.values()  # the case: some tables hold none of its rows
    html = site.get(f"/disclosures/sources/{source_id}").text
    listed = re.findall(r"([0-9,]+) rows?</a>\s*from (\w+) in (\w+)", html)
    assert sorted((t, c, int(n.replace(",", ""))) for n, c, t in listed) == sorted(
        (t, c, n) for (t, c), n in counts.items() if n
    )


# A row of each kind the reviewer met, by the SQL that finds its address.
ROW_ADDRESSES = {
    "disagreements": "SELECT disagreement_id FROM disagreements ORDER BY disagreement_id LIMIT 1",
    "figures": "SELECT figure_id FROM figures ORDER BY figure_id LIMIT 1",
    "corroborations": "SELECT figure_id || ',' || source_id FROM corroborations ORDER BY 1 LIMIT 1",
    "sources": "SELECT source_id FROM sources ORDER BY source_id LIMIT 1",
}
# What differs between two renders of one page by itself: the time its queries took.
TIMINGS = re.compile(r"Queries took [0-9.]+ms|\"query_ms\": [0-9.e-]+")


def attribution_line(html_text: str) -> str:
    """The licence / source / about paragraph of a page's content (not the footer's line)."""
    import lxml.html

    found = lxml.html.fromstring(html_text).xpath('//section[@class="content"]//p[contains(., "Data license:")]')
    return " ".join(found[0].text_content().split()) if found else ""


def test_a_row_pages_first_render_is_whole_whatever_was_asked_before(real_build, real_db):
    # Datasette 0.65's table view filled the licence, source and about into the served metadata
    # in place the first time the table's page was asked for, and the row view read them only
    # from there: /disclosures/disagreements/<id> had no licence line until /disclosures/disagreements
    # had been seen by the same process. /-/metadata.json gained those, and each canned query its
    # name (Datasette's listing of the queries, also in place), once the database page was seen.
    # A fresh site.
    served = Site(unhurried(real_build))
    paths = ["/-/metadata.json"]
    for table, sql in ROW_ADDRESSES.items():
        key = rows(real_db, sql)[0][0]
        paths += [f"/disclosures/{table}/{key}", f"/disclosures/{table}/{key}.json"]
    first = {path: served.get(path) for path in paths}
    for path, response in first.items():
        assert response.status_code == 200, path
        if not path.endswith(".json"):
            line = attribution_line(response.text)
            assert line.startswith("Data license: CC-BY-4.0 · Data source: Public transparency reports"), path
            assert line.endswith("About: API and examples"), path
    for path in ["/disclosures", *(f"/disclosures/{table}" for table in ROW_ADDRESSES)]:
        assert served.get(path).status_code == 200, path
    for path, response in first.items():
        assert TIMINGS.sub("", served.get(path).text) == TIMINGS.sub("", response.text), path


@pytest.mark.parametrize("extension", [".json", ".csv"])
def test_a_rows_json_parameter_naming_no_column_is_the_tables_400(site, extension):
    # A row ignored it (figures/<id>.json?_json=nocol answered the row, 200), where the table's
    # .json refused it.
    row = "/disclosures/figures/telegram-usa-2024-ip_or_phone-requests_fulfilled"
    table = assert_error_shape(site.get(f"/disclosures/figures{extension}?_json=nocol"), 400)
    assert table.startswith("_json=nocol: figures has no column 'nocol'; its columns are: figure_id, ")
    assert assert_error_shape(site.get(f"{row}{extension}?_json=nocol"), 400) == table
    # A column it has is still read as JSON, as before.
    assert site.get(f"{row}{extension}?_json=quote").status_code == 200


SHAPELESS_ROWS = [
    "/disclosures/figures/cloudflare-world-2013-all-accounts_counted",
    "/disclosures/platforms/telegram",
    "/disclosures/jurisdictions/USA",
    "/disclosures/releases/0~2E1~2E0",
    # An id the data no longer holds, whose page leads to its figure's 410 page.
    "/disclosures/figures/cloudflare-world-2013-all-accounts_specified",
]


@pytest.mark.parametrize("row", SHAPELESS_ROWS)
@pytest.mark.parametrize("shape", ["nope", ""])
def test_a_shape_datasette_has_not_on_a_row_page_is_the_400_of_its_json(site, row, shape):
    # The row's page answered 200 (a removed figure's sent on to its page), and linked as its JSON
    # the .json's 400.
    said = assert_error_shape(site.get(f"{row}.json?_shape={shape}"), 400)
    assert said == f"Invalid _shape: '{shape}'; use one of arrays, objects, array, arrayfirst, object"
    page = site.get(f"{row}?_shape={shape}")
    assert page.status_code == 400 and page.headers["content-type"].startswith("text/html")
    assert page.headers["cache-control"] == "no-store" and "link" not in page.headers
    assert str(markupsafe.escape(said)) in page.text
    assert 'row-fields"' not in page.text and "location" not in page.headers
    head = site.loop.run_until_complete(site.datasette.client.request("HEAD", f"{row}?_shape={shape}"))
    assert head.status_code == 400


def test_a_figures_row_page_in_a_shape_it_has_still_leads_to_the_figures_page(site):
    # A shape Datasette has is no mistake on a row's page: the row, which leads to its figure's
    # page, and a removed id's page is still sent on to its 410.
    kept = "cloudflare-world-2013-all-accounts_counted"
    for shape in ("object", "array", "objects"):
        page = site.get(f"/disclosures/figures/{kept}?_shape={shape}")
        assert page.status_code == 200 and 'row-fields"' in page.text
        assert f'<a href="/figure/{kept}">The figure\'s page</a>' in page.text
        assert site.get(f"/disclosures/figures/{kept}.json?_shape={shape}").status_code == 200
    removed = "cloudflare-world-2013-all-accounts_specified"
    sent_on = site.get(f"/disclosures/figures/{removed}?_shape=array")
    assert sent_on.status_code == 302 and sent_on.headers["location"] == f"/figure/{removed}"
    assert site.get(f"/figure/{removed}").status_code == 410
    assert_error_shape(site.get(f"/disclosures/figures/{removed}.json?_shape=array"), 410)
