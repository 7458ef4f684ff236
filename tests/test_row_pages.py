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
