"""A newcomer's break-test of the figure pages, freshness flags, the /api page and the home
page's citation: the site through Datasette's client over the real build, and the build's SQL."""

import re
from html import unescape

from tests.conftest import plugin, rows

Q4_DERIVED = "/figure/telegram-usa-2024q4-ip_or_phone-requests_fulfilled-derived"


def text_of(html: str) -> str:
    return re.sub(r"\s+", " ", unescape(re.sub(r"<[^>]+>", " ", html)))


def section(html: str, heading: str) -> str:
    """The text from ``heading`` up to the next <h2>."""
    start = html.index(heading)
    end = html.find("<h2", start + len(heading))
    return text_of(html[start : end if end > 0 else None])


# 1. Derived figure pages ----------------------------------------------------------------------


def test_a_corroboration_shows_its_note_and_locator(site):
    html = site.get(Q4_DERIVED).text
    listed = section(html, "Corroborated by")
    assert "The compiler's arithmetic (line 19 minus line 17), not a report" in listed
    assert 'dataset.json line 18, key "USA" entry 2 (from 20241001 to 20241231), field "requests"' in listed


def test_every_corroboration_note_and_locator_is_on_its_figure_page(site, real_db):
    # Every corroboration of one derived and one reported figure, straight from the build.
    for figure_id in ("telegram-usa-2024q4-ip_or_phone-accounts_affected-derived",
                      "apple-deu-2018h1-device-requests_received"):
        listed = section(site.get(f"/figure/{figure_id}").text, "Corroborated by")
        found = rows(real_db, "SELECT source_locator, notes FROM corroborations WHERE figure_id = ?", figure_id)
        assert found
        for locator, notes in found:
            for value in (locator, notes):
                if value:
                    assert re.sub(r"\s+", " ", value) in listed


def test_the_q4_figure_shows_the_press_claims_of_900_for_october_to_december(site, real_db):
    html = site.get(Q4_DERIVED).text
    disagreements = section(html, "<h2>Disagreements")
    assert "No source is known to disagree with this figure" not in disagreements
    assert "No disagreement is recorded on this figure itself" in disagreements
    assert "between October and December, the company complied with 900 requests" in disagreements
    assert "In the last three months of 2024 alone" in disagreements
    # Where each is recorded, linked: the data stay on the full-year figure.
    assert 'href="/figure/telegram-usa-2024-ip_or_phone-requests_fulfilled"' in html
    kept = rows(
        real_db,
        "SELECT count(*) FROM disagreements WHERE figure_id = 'telegram-usa-2024-ip_or_phone-requests_fulfilled'"
        " AND kind = 'wrong_period'",
    )[0][0]
    assert kept >= 4 and disagreements.count("recorded on telegram-usa-2024-ip_or_phone-requests_fulfilled") == kept
    # Other kinds (received_vs_fulfilled) are about the full-year figure, not its period.
    assert "recibió" not in disagreements


def test_a_figure_with_no_overlapping_disagreement_still_says_none_is_known(site, real_db):
    lonely = rows(
        real_db,
        """SELECT f.figure_id FROM figures f WHERE NOT EXISTS (SELECT 1 FROM disagreements d JOIN figures o
             ON o.figure_id = d.figure_id WHERE o.platform_id = f.platform_id AND o.jurisdiction_id = f.jurisdiction_id
             AND o.request_type_id = f.request_type_id) ORDER BY f.figure_id LIMIT 1""",
    )[0][0]
    html = site.get(f"/figure/{lonely}").text
    assert "No source is known to disagree with this figure." in html
    assert "overlapping-disagreements" not in html
