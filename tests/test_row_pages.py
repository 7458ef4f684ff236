"""Layer (c): the raw row pages of platforms and jurisdictions (Datasette's, reached by every
foreign-key link) send the reader to the page that explains the record."""

import re

import pytest

from tests.conftest import rows

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
