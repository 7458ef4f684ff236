"""Layer (c): the "On this page" list of the long country and platform pages (the United States'
page runs to 26,000 pixels, with 31 charts of 20 platforms): each link leads to a place on the
page, and a country's list names each platform whose series the page shows, once, at its first."""

import re

import lxml.html
import pytest

from tests.conftest import plugin, rows

explore = plugin("explore")


def on_this_page(page) -> list[tuple[str, str]]:
    """(text, anchor) of each link of the page's "On this page" list."""
    (nav,) = page.xpath("//nav[@class='on-this-page']")
    assert nav.get("aria-label") == "On this page"
    return [(a.text_content(), a.get("href")[1:]) for a in nav.xpath(".//a")]


@pytest.mark.parametrize(
    "path", ["/country/USA", "/country/IND", "/country/EU", "/platform/telegram", "/platform/google"]
)
def test_every_link_on_this_page_leads_to_a_place_on_it(site, path):
    page = lxml.html.fromstring(site.get(path).text)
    links = on_this_page(page)
    assert len(links) >= 2
    for text, anchor in links:
        (target,) = page.xpath(f"//*[@id='{anchor}']")
        if target.tag == "h2":
            assert target.text_content() == text


def test_a_countrys_list_names_each_platform_of_its_series_at_its_first_chart_or_table(site, real_db):
    page = lxml.html.fromstring(site.get("/country/USA").text)
    (series,) = page.xpath("//h2[@id='series']")
    places = {}
    for place in page.xpath("//figure[contains(@class, 'series-chart')] | //section[@class='one-period']"):
        title = place.xpath(".//*[contains(@class, 'chart-title')]")[0].text_content()
        places.setdefault(title.split(", United States:")[0], place.get("id"))
    listed = [(text, anchor) for text, anchor in on_this_page(page) if anchor.startswith(("chart-", "one-period-"))]
    assert [text for text, _ in listed] == list(places)  # each once, in the page's order
    assert dict(listed) == places
    # Every platform with a figure for the country is one the page charts or tabulates, or is
    # named as having only figures the headline series leave out.
    reporting = {
        name
        for (name,) in rows(
            real_db,
            "SELECT DISTINCT p.name FROM figures_series f JOIN platforms p USING (platform_id) WHERE f.jurisdiction_id = 'USA'",
        )
    }
    assert set(places) <= reporting and len(places) >= 15


def test_series_anchors_keep_a_platforms_first_place_charts_before_tables():
    assert explore.series_anchors(["Apple", "Apple", "Discord"], ["Apple", "Reddit", "Reddit"]) == [
        {"name": "Apple", "anchor": "chart-0"},
        {"name": "Discord", "anchor": "chart-2"},
        {"name": "Reddit", "anchor": "one-period-1"},
    ]


@pytest.mark.parametrize(
    "path", ["/compare", "/compare?jurisdiction=DEU", "/compare?jurisdiction=USA&platform=google&platform=meta"]
)
def test_the_compare_pages_list_leads_to_every_table_once_named_as_its_heading(site, path):
    page = lxml.html.fromstring(site.get(path).text)
    sections = page.xpath("//section[@class='compare-group']")
    if len(sections) <= 3:
        assert not page.xpath("//nav[@class='on-this-page']")
        return
    listed = on_this_page(page)
    assert sorted(anchor for _, anchor in listed) == sorted(s.get("id") for s in sections)
    (nav,) = page.xpath("//nav[@class='on-this-page']")
    for item in nav.xpath(".//li"):
        metric = item.xpath("./strong")[0].text_content()
        for link in item.xpath("./a"):
            (section,) = page.xpath(f"//section[@id='{link.get('href')[1:]}']")
            heading = section.xpath("./h2")[0].text_content()
            assert heading == f"{metric} · {link.text_content()}"
            # The count beside the link is the number of platforms its table compares.
            count = int(re.match(r"\s*\((\d+)\)", link.tail).group(1))
            assert count == len(section.xpath(".//tbody/tr"))
