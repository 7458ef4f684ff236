"""Layer (c): what a researcher starting from the /api page looks for and did not find there.

The /api page said how to fetch every table but not what a column means or what unit a value is
in: a percentage (0 to 100) and a share (0 to 1) sit in the same value column, and an empty value
is not zero. The descriptions existed (each table's page, /-/metadata.json, the release's
datapackage.json), unnamed on the page a researcher reads first.
"""

import re


def test_the_api_page_says_where_columns_and_units_are_described(site):
    html = site.get("/api").text
    section = html.split('<h2 id="columns">', 1)[1].split("<h2", 1)[0]
    links = set(re.findall(r'href="([^"]+)"', section))
    assert {"/-/metadata.json", "/disclosures/figures", "/disclosures/metrics"} <= links, links
    for linked in links:
        assert site.get(linked).status_code == 200, linked
    text = " ".join(re.sub(r"<[^>]+>", " ", section).split())
    for unit in ("count", "percent (0 to 100)", "fraction (0 to 1"):
        assert unit in text, unit
    for kind in ("exact", "band", "less_than", "withheld", "not_reported"):
        assert kind in text, kind
    assert "is_derived" in text and "datapackage.json" in text
    # What it says of the metadata is so: every column of the figures table is described there.
    columns = site.get("/-/metadata.json").json()["databases"]["disclosures"]["tables"]["figures"]["columns"]
    assert set(columns) == set(site.get("/disclosures/figures.json?_size=1").json()["columns"])
