"""A newcomer's break-test of the figure pages, freshness flags, the /api page and the home
page's citation: the site through Datasette's client over the real build, and the build's SQL."""

import json
import re
from html import unescape

from tests.conftest import plugin, rows, unhurried

Q4_DERIVED = "/figure/telegram-usa-2024q4-ip_or_phone-requests_fulfilled-derived"


def text_of(html: str) -> str:
    # A date's own span (plugins/_dates.py) is no word break: it reads "(2025-06-30)", as a reader sees it.
    html = re.sub(r'<span class="date">([^<]*)</span>', r"\1", html)
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
    for figure_id in (
        "telegram-usa-2024q4-ip_or_phone-accounts_affected-derived",
        "apple-deu-2018h1-device-requests_received",
    ):
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


# 2. Freshness flags on the main series ---------------------------------------------------------


def test_googles_main_series_is_flagged_like_apples(real_db):
    found = {
        r[0]: r[1:]
        for r in rows(
            real_db,
            """SELECT platform_id, published_up_to, main_series_up_to, behind_cadence, behind_cadence_up_to, statement
               FROM freshness WHERE platform_id IN ('apple', 'google')""",
        )
    }
    # Both main series end 2025-06-30, checked 2026-11-30: a half-year plus six months is past.
    assert found["apple"][:4] == ("2025-06-30", "2025-06-30", 1, "2025-06-30")
    assert found["google"][:4] == ("2025-12-31", "2025-06-30", 1, "2025-06-30")
    assert (
        "its main series' end (2025-06-30) is older than its half-yearly cadence allows on that date"
        in found["google"][4]
    )
    assert "the main series is possibly out of date" in found["google"][4]


def test_the_flag_measures_the_claim_when_it_covers_the_main_series(real_db):
    # A claim that includes the main series (or one whose series are not in the dataset) is measured as it is.
    wrong = rows(
        real_db,
        """SELECT platform_id FROM platform_freshness WHERE published_up_to IS NOT NULL
             AND (published_up_to_main_series = 1 OR published_up_to_series IS NULL)
             AND behind_cadence_up_to IS NOT published_up_to""",
    )
    assert wrong == []
    ((microsoft,),) = rows(
        real_db, "SELECT behind_cadence_up_to FROM platform_freshness WHERE platform_id = 'microsoft'"
    )
    assert microsoft == "2025-12-31"


def test_platform_and_platforms_pages_flag_googles_main_series(site):
    page = text_of(site.get("/platform/google").text)
    assert (
        "Main series possibly out of date: on the date it was checked, its main series, Legal process requests, ended 2025-06-30"
        in page
    )
    listing = site.get("/platforms").text
    google_row = text_of(re.search(r'<tr[^>]*>\s*<td[^>]*><a href="/platform/google">.*?</tr>', listing, re.S).group(0))
    assert "main series (2025-06-30) possibly out of date" in google_row
    apple_row = text_of(re.search(r'<tr[^>]*>\s*<td[^>]*><a href="/platform/apple">.*?</tr>', listing, re.S).group(0))
    assert "possibly out of date" in apple_row and "main series" not in apple_row


def compare_rows(site, request_type: str) -> dict[str, str]:
    """The flags text of each platform's row in the /compare (USA) tables of one request type."""
    html = site.get("/compare?jurisdiction=USA").text
    found = {}
    for group in re.findall(r'<section class="compare-group"[^>]*>.*?</section>', html, re.S):
        if f"· {request_type}</span>" not in group:
            continue
        for row in re.findall(r"<tr class=[^>]*>.*?</tr>", group, re.S):
            platform = re.search(r'href="/platform/([^"]+)"', row).group(1)
            found.setdefault(platform, []).append(text_of(row))
    return found


def test_compare_measures_googles_emergency_figure_against_its_own_series(site):
    emergency = compare_rows(site, "Emergency requests")
    assert emergency["google"] and emergency["apple"]
    for row in emergency["google"]:
        assert "National Security Letters" not in row
        if "H1 2025" in row:
            assert "possibly out of date: Google's newest report of its main series known here ends 2025-06-30" in row
    for row in emergency["apple"]:
        if "H1 2025" in row:
            assert "possibly out of date: Apple's newest report known here ends 2025-06-30" in row
    assert any("H1 2025" in row for row in emergency["google"] + emergency["apple"])


def test_the_fresher_flag_uses_the_claim_for_its_own_series_and_the_main_series_otherwise():
    explore = plugin("explore")
    info = {
        "published_up_to": "2025-12-31",
        "published_up_to_checked": "2026-11-30",
        "published_up_to_series": "National Security Letters",
        "published_up_to_main_series": 0,
        "main_series": "Legal process requests",
        "main_series_up_to": "2025-06-30",
        "published_up_to_request_types": {"nsl"},
    }
    cell = {"platform_name": "Google", "request_type_id": "emergency", "request_type_label": "Emergency requests"}
    assert explore.fresher_flag(dict(cell, period_end="2025-06-30"), info) is None
    assert explore.fresher_flag(dict(cell, period_end="2024-12-31"), info)["text"] == (
        "Google has figures for its main series, Legal process requests, up to 2025-06-30; this figure is older"
    )
    nsl = {"platform_name": "Google", "request_type_id": "nsl", "request_type_label": "National Security Letters"}
    assert explore.fresher_flag(dict(nsl, period_end="2025-06-30"), info)["text"] == (
        "Google has published National Security Letters up to 2025-12-31 (checked 2026-11-30); this figure is older"
    )


def test_the_readme_platforms_table_keeps_the_eu_dsa_orders_apart(real_db):
    import sqlite3

    from disclosures import readme

    with sqlite3.connect(real_db) as conn:
        table = readme.platform_capabilities(conn)
    google = next(line for line in table.splitlines() if line.startswith("| Google (`google`)"))
    assert "| 2009-01-01 – 2025-12-31; EU DSA orders 2025-07-01 – 2026-06-30 |" in google
    facebook = next(line for line in table.splitlines() if line.startswith("| Facebook (`facebook`)"))
    assert "| EU DSA orders 2025-07-01 – 2026-06-30 only |" in facebook
    assert readme.held(None, None, None, None) == "none"


# 3. The /api page's errors ---------------------------------------------------------------------


def test_the_api_page_lists_the_busy_answers_with_retry_after(site):
    errors = section(site.get("/api").text, "<h2>Errors")
    assert "answers with a 4xx status" not in errors
    for expected in ("429 with Retry-After", "503 with Retry-After", "405", "What a client sends never causes a 5xx"):
        assert expected in errors, expected
    # What it says of the busy answers is what the server does.
    budget = plugin("budget")
    assert "429" in budget.__doc__ and "503" in budget.__doc__ and "Retry-After" in budget.__doc__
    health = site.get("/-/health.json").json()
    assert set(health) == {"ok", "status", "problems"}
    assert '"problems"' in errors


def test_the_405_the_api_page_lists_is_what_a_post_gets(site):
    from tests.conftest import assert_error_shape

    response = site.loop.run_until_complete(site.datasette.client.post("/disclosures/figures.json"))
    assert_error_shape(response, 405)


# 4. The home page's citation -------------------------------------------------------------------


def test_the_home_citation_of_unreleased_data_names_them_and_the_latest_release(unreleased):
    ((version, homepage, content_hash, state, latest, released),) = rows(
        unreleased.db,
        """SELECT d.version, d.homepage, d.content_hash, d.release_state, r.version, r.date
           FROM dataset d LEFT JOIN releases r ON r.version = d.latest_release""",
    )
    assert (version, state, latest, released) == (
        "1.1.0",
        "version 1.1.0 has not been released (latest release: 1.0.0)",
        "1.0.0",
        "2025-01-15",
    )
    html = unreleased.site.get("/").text
    cite = re.sub(r"\s+([.,):])", r"\1", section(html, "<h2>How to cite"))
    assert f"version {version} (unreleased), content {content_hash}." in cite
    assert homepage.startswith("https://") and f'<a href="{homepage}">' in html
    # The latest release, with its date and the dataset's URL, and a word that it is older.
    assert f"version {latest} ({released})." in cite
    assert "cite the latest release instead" in cite and "newer, unreleased data" in cite
    assert "doi" not in cite.lower()
    # The hash cited is the one a release of this content would record.
    from disclosures import release_records

    package = unreleased.build.parent / "datapackage.json"
    descriptor = json.loads(package.read_text(encoding="utf-8"))
    assert release_records.content_hash(release_records.content_inputs(package, descriptor)) == content_hash
    assert release_records.release_state(version, content_hash, {version: {"content_hash": content_hash}}) == "released"


def test_the_home_citation_of_a_released_version_is_the_release(tmp_path):
    from disclosures import build, release
    from tests.conftest import Site
    from tests.test_release import built

    releases, dist = tmp_path / "releases", tmp_path / "dist"
    release.make_release(built(tmp_path / "a", "1.0.0", releases=releases), dist, releases, "2025-01-15")
    build.build_site(tmp_path / "a" / "datapackage.json", tmp_path / "site", releases=releases)
    html = Site(unhurried(tmp_path / "site")).get("/").text
    cite = re.sub(r"\s+([.,):])", r"\1", section(html, "<h2>How to cite"))
    assert "version 1.0.0 (2025-01-15)." in cite
    assert "unreleased" not in cite and "latest release instead" not in cite
    ((homepage,),) = rows(tmp_path / "site" / "disclosures.db", "SELECT homepage FROM dataset")
    assert f'<a href="{homepage}">' in html


def test_the_country_page_never_dates_googles_figures_by_its_security_letter_bands(site, real_db):
    # Germany has no National Security Letters: its newest Google figures end with the main series.
    ((newest,),) = rows(
        real_db,
        "SELECT max(period_end) FROM figures WHERE platform_id = 'google' AND jurisdiction_id = 'DEU'"
        " AND request_type_id <> 'dsa_information_order'",
    )
    assert newest == "2025-06-30"
    html = site.get("/country/DEU").text
    google = text_of(
        re.search(r'<tr class="platform-row"><th[^>]*><a href="/platform/google">.*?</tr>', html, re.S).group(0)
    )
    assert "has published up to 2025-12-31" not in google and "newest figure here ends" not in google


def test_a_disagreement_quoting_several_records_shows_one_quote_a_record(site, real_db):
    # Microsoft's country rows, quoted as JSON arrays joined with ¶ (the package's line break),
    # were one inline quote with the ¶ inside it, read as if the file had the character.
    [(text,)] = rows(
        real_db,
        "SELECT claimed_text FROM disagreements WHERE disagreement_id = 'microsoft-world-2016h1-accounts-rows-add-to-60372'",
    )
    records = [line.strip() for line in text.split("¶")]
    assert len([record for record in records if record.startswith("[") and json.loads(record)]) > 1
    html = unescape(site.get("/figure/microsoft-world-2016h1-all-accounts_specified").text)
    quoted = re.search(r'<span class="quoted-lines">(.*?)</span>', html, re.S)
    assert quoted, "no quoted-lines span"
    assert re.findall(r"<q>(.*?)</q>", quoted.group(1)) == records
    assert "¶" not in quoted.group(1)


def test_a_corroboration_quoting_several_lines_shows_one_quote_a_line(site, real_db):
    # LINE's traditional Chinese page gives a heading and then its accounts, quoted with ¶ (the
    # package's line break); the corroboration showed one inline quote with the ¶ inside it.
    [(text,)] = rows(
        real_db,
        "SELECT quote FROM corroborations WHERE figure_id = 'line-world-2018h2-all-accounts_affected'"
        " AND source_id = 'line-zh-hant-2018h2-law-enforcement-transparency-report'",
    )
    lines = [line.strip() for line in text.split("¶")]
    assert len(lines) == 2
    html = unescape(site.get("/figure/line-world-2018h2-all-accounts_affected").text)
    corroborations = re.search(r'<ul class="corroborations">(.*?)</ul>', html, re.S).group(1)
    quoted = re.search(r'<span class="quoted-lines">(.*?)</span>', corroborations, re.S)
    assert quoted, "no quoted-lines span"
    assert re.findall(r"<q>(.*?)</q>", quoted.group(1)) == lines
    assert "¶" not in corroborations


def test_quoted_lines_split_at_the_packages_line_break_only():
    pages = plugin("pages")
    assert pages.quoted_lines('["2016-H1",1] ¶ ["2016-H1",2]') == ['["2016-H1",1]', '["2016-H1",2]']
    assert pages.quoted_lines("Line one¶Line two") == ["Line one", "Line two"]
    assert pages.quoted_lines("One line, no break") == ["One line, no break"]
    assert pages.quoted_lines(None) == []
