"""A journalist's pass over the site on deadline ("how many US requests did Telegram, Google, Meta
and Apple fulfil in 2024?"): what a figure page, a table or a search must say so that a number is
not misread. The site through Datasette's client over the real build."""

import json
import re
from html import unescape

import pytest

from tests.conftest import rows

TELEGRAM_2024 = "/figure/telegram-usa-2024-ip_or_phone-requests_fulfilled"
TELEGRAM_JAN_SEP = "/figure/telegram-usa-20240101-20240930-ip_or_phone-requests_fulfilled"


def text_of(html: str) -> str:
    spaced = re.sub(r"\s+", " ", unescape(re.sub(r"<[^>]+>", " ", html))).strip()
    return re.sub(r" ([,.:;])", r"\1", spaced)


def overlapping(html: str) -> str | None:
    found = re.search(r'<section class="overlapping".*?</section>', html, re.S)
    return text_of(found.group(0)) if found else None


def test_a_full_year_lists_the_periods_it_already_counts(site):
    # Telegram's 900 for 2024 is cumulative: it holds January–September's 14. The page said so
    # only through wrong-period disagreements, and 14 + 900 is the sum several articles printed.
    html = site.get(TELEGRAM_2024).text
    said = overlapping(html)
    assert said is not None
    assert "do not add" in said and "counts those days twice" in said
    assert "January–September 2024: 14, which lies within 2024: this figure already counts its days" in said
    assert "Q4 2024: 886 derived, which lies within 2024" in said
    assert 'href="/figure/telegram-usa-20240101-20240930-ip_or_phone-requests_fulfilled"' in html


def test_a_part_names_the_longer_period_that_holds_it(site):
    said = overlapping(site.get(TELEGRAM_JAN_SEP).text)
    assert said is not None
    assert "2024: 900, which covers all of January–September 2024 and more" in said


def test_the_overlap_note_links_the_series_without_overlaps(site):
    html = site.get(TELEGRAM_2024).text
    link = re.search(r'<section class="overlapping".*?<a href="([^"]*figures_series[^"]*)"', html, re.S).group(1)
    series = site.get(unescape(link).replace("figures_series?", "figures_series.json?") + "&_shape=array").json()
    ids = {r["figure_id"] for r in series}
    assert "telegram-usa-20240101-20240930-ip_or_phone-requests_fulfilled" in ids
    assert "telegram-usa-2024-ip_or_phone-requests_fulfilled" not in ids


def test_a_share_is_not_told_to_be_added(site):
    # Snapchat's H1 2015 share overlaps its November 2014–February 2015 one: no adding of shares.
    said = overlapping(site.get("/figure/snap-usa-2015h1-all-percent_requests_some_data").text)
    assert "November 2014–February 2015: 92%, which shares some days with H1 2015" in said
    assert "counts those days twice" not in said


def test_a_figure_no_other_period_overlaps_has_no_note(site, real_db):
    alone = rows(
        real_db,
        """SELECT f.figure_id FROM figures f WHERE f.platform_id = 'telegram' AND NOT EXISTS (
             SELECT 1 FROM figures o WHERE o.platform_id = f.platform_id AND o.jurisdiction_id = f.jurisdiction_id
               AND o.request_type_id = f.request_type_id AND o.metric_id = f.metric_id AND o.figure_id <> f.figure_id
               AND o.period_start <= f.period_end AND f.period_start <= o.period_end)
           ORDER BY f.figure_id LIMIT 1""",
    )
    assert alone
    html = site.get(f"/figure/{alone[0][0]}").text
    assert "<h1>" in html and overlapping(html) is None


def value_cells(html: str) -> list[str]:
    return re.findall(r'<td class="col-value type-[^"]*"[^>]*>(.*?)</td>', html, re.S)


def test_a_band_says_band_beside_its_value_in_the_figures_table(site):
    # Mozilla's US national-security figures are bands (0–249) among the counts of the same column.
    html = site.get("/disclosures/figures?jurisdiction_id=USA&year=2024&metric_id=requests_fulfilled").text
    cells = {text_of(c) for c in value_cells(html)}
    assert "0–249 band" in cells
    assert "900" in cells and "886 derived" in cells


def test_a_band_says_band_among_a_countrys_newest_figures(site):
    html = site.get("/country/USA").text
    row = re.search(
        r'<tr><td class="num"><a href="/figure/github-usa-2023h1-national_security-requests_received">.*?</tr>',
        html,
        re.S,
    )
    assert text_of(row.group(0)).startswith("0–249 band H1 2023")
    exact = re.search(
        r'<tr><td class="num"><a href="/figure/telegram-usa-2026q1-ip_or_phone-requests_fulfilled">.*?</tr>', html, re.S
    )
    assert "band" not in text_of(exact.group(0))


def share_note(html: str) -> str | None:
    found = re.search(r'<p class="share-note">(.*?)</p>', html, re.S)
    return text_of(found.group(1)) if found else None


def test_a_share_without_a_fulfilled_count_says_a_product_is_no_published_figure(site):
    # Google's US figures are requests received and a share with some data produced; asked "how
    # many did Google fulfil", a reader multiplies them and quotes the product as Google's.
    said = share_note(site.get("/figure/google-usa-2024h1-subpoena-percent_requests_some_data").text)
    assert said == (
        "No count of requests fulfilled is recorded beside this share: 25,345 requests received × 88% is a"
        " reader's estimate, not a figure Google published, and it carries the share's rounding."
    )


def test_a_share_beside_its_fulfilled_count_has_no_such_note(site):
    # Apple's device requests have the count fulfilled (10,377) in the same record.
    html = site.get("/figure/apple-usa-2024h1-device-percent_requests_some_data").text
    assert "10,377" in html and share_note(html) is None
    assert share_note(site.get(TELEGRAM_2024).text) is None


def test_a_search_that_finds_nothing_offers_each_shorter_search(site):
    # Meta has no US figure for 2024 here, so "meta united states 2024" found nothing, and the page
    # could not say whether the data or the words were missing.
    html = site.get("/disclosures/search_everything?q=Meta+United+States+2024").text
    links = dict(
        (text_of(label), unescape(href))
        for href, label in re.findall(r'<a class="drop-word" href="([^"]+)">(.*?)</a>', html, re.S)
    )
    assert list(links) == ["without “Meta”", "without “United”", "without “States”", "without “2024”"]
    assert "each country's page gives every platform's newest period there" in text_of(html)
    shorter = links["without “2024”"].replace("?", "/disclosures/search_everything.json?", 1) + "&_shape=array"
    found = site.get(shorter).json()
    assert any(r["id"].startswith("meta-usa-2022h2-") for r in found)


def test_a_phrase_search_that_finds_nothing_is_not_cut_into_words(site):
    html = site.get('/disclosures/search_everything?q="meta+united+states+2024"').text
    assert 'class="drop-word"' not in html and "Try fewer words" in text_of(html)


def test_the_home_page_says_what_the_figures_download_holds_and_links_the_series(site):
    # Filtered to Telegram, United States, 2024, the whole-table CSV gives 14, 886 (derived) and 900.
    html = site.get("/").text
    note = re.search(r'<p class="download-note">(.*?)</p>', html, re.S)
    assert note is not None
    said = text_of(note.group(1))
    assert "cumulative reports beside the periods they contain" in said and "is_derived = 1" in said
    href = unescape(re.search(r'href="([^"]+)"', note.group(1)).group(1))
    assert href == "/disclosures/figures_series.csv?_stream=on&_size=max&_dl=1"
    lines = site.get(href + "&platform_id=telegram&jurisdiction_id=USA&year=2024&metric_id=requests_fulfilled").text
    assert "telegram-usa-20240101-20240930-ip_or_phone-requests_fulfilled," in lines
    assert "telegram-usa-2024q4-ip_or_phone-requests_fulfilled-derived," in lines
    assert "telegram-usa-2024-ip_or_phone-requests_fulfilled," not in lines


def chart_citations(html: str) -> list[str]:
    return [text_of(c) for c in re.findall(r'<p class="citation chart-citation">(.*?)</p>', html, re.S)]


def test_a_charts_citation_names_the_licence_and_the_sources_its_figures_come_from(site):
    # The PNG of Telegram's US chart goes on alone; Te-k's compilation behind its lines is
    # CC-BY-4.0, so the image must name Te-k and the licences, not only this dataset.
    (telegram,) = [c for c in chart_citations(site.get("/country/USA").text) if ": Telegram, United States:" in c]
    assert (
        "counts. Creative Commons Attribution 4.0 (the data); figures from GitHub (Te-k/telegram-transparency"
        " issues); Te-k (GitHub repository Te-k/telegram-transparency), CC-BY-4.0. https://" in telegram
    )
    (address,) = [word.rstrip(",") for word in telegram.split() if word.startswith("https://")]
    assert "/chart?platform=telegram" in address


ACCESSED = ', accessed on <span class="accessed-date">the date you read it</span>.'


@pytest.mark.parametrize(
    "path",
    [
        "/country/USA",
        "/platform/telegram",
        "/chart?platform=telegram&jurisdiction=CHE&request_type=ip_or_phone&metric=requests_fulfilled",
    ],
)
def test_a_charts_citation_names_the_day_it_was_read_as_a_figures_does(site, real_db, path):
    # A figure's citation of unreleased data says when it was read; the charts' (and so their
    # PNGs') named no day.
    ((state,),) = rows(real_db, "SELECT release_state FROM dataset")
    figure = site.get(TELEGRAM_2024).text
    html = site.get(path).text
    citations = re.findall(r'<p class="citation chart-citation">(.*?)</p>', html, re.S)
    assert citations
    assert (ACCESSED in figure) == (state != "released")
    for citation in citations:
        assert citation.endswith(ACCESSED) == (ACCESSED in figure), citation
        (address,) = [w for w in text_of(citation).split() if w.startswith("https://")]
        assert address.endswith(",") == (state != "released")
    # The reader's day is filled in by the same script as on the figure page.
    assert '<script src="/static/cite-date.js" defer></script>' in html
    charts = site.get(path.replace("?", ".json?") if "?" in path else f"{path}.json").json()
    found = charts.get("charts") or [charts["chart"]]
    assert found and all(c["cite_accessed"] == (state != "released") for c in found)


def test_a_derived_points_sources_are_its_inputs(site):
    # Switzerland's Q4 2024 is its 2024 (read from a Te-k issue) minus January–September (read from
    # Te-k's dataset): the issue is named though no reported point of the chart comes from it.
    (swiss,) = chart_citations(
        site.get("/chart?platform=telegram&jurisdiction=CHE&request_type=ip_or_phone&metric=requests_fulfilled").text
    )
    assert "figures from GitHub (Te-k/telegram-transparency issues); Te-k (GitHub repository" in swiss


def cited_sources(html: str) -> list[str]:
    return [text_of(s) for s in re.findall(r'<span class="cited-source">(.*?)</span>', html, re.S)]


def test_a_figures_citation_names_its_sources_licence(site):
    assert cited_sources(site.get(TELEGRAM_2024).text) == [
        "telegram-transparency: dataset.json (crowdsourced Telegram @transparency bot data, commit 839ed54)"
        " (Te-k (GitHub repository Te-k/telegram-transparency)), under CC-BY-4.0"
    ]


def test_a_derived_figures_citation_names_each_inputs_source_once(site):
    # Switzerland's Q4 2024 = 2024 (a Te-k issue) − January–September (Te-k's dataset); the page
    # gave only the ids of its inputs' sources, in a table, for a newsroom to look up one by one.
    html = site.get("/figure/telegram-che-2024q4-ip_or_phone-requests_fulfilled-derived").text
    assert cited_sources(html) == [
        "Te-k/telegram-transparency issue #55: Switzerland (GitHub (Te-k/telegram-transparency issues))",
        "telegram-transparency: dataset.json (crowdsourced Telegram @transparency bot data, commit 839ed54)"
        " (Te-k (GitHub repository Te-k/telegram-transparency)), under CC-BY-4.0",
    ]
    # Apple's 2024 adds two halves read from one extraction: named once.
    html = site.get("/figure/apple-usa-2024-device-requests_fulfilled-derived").text
    assert len(cited_sources(html)) == 1


def test_the_readmes_reading_guide_says_what_the_site_shows(site, real_db):
    from tests.test_readme import README

    guide = re.search(r"## Before you quote a figure\n(.*?)\n## ", README, re.S).group(1)
    prose = " ".join(guide.split())
    # Each claim, held to the page or the data it describes.
    assert '"Overlapping periods: do not add"' in prose
    assert "Overlapping periods: do not add" in site.get(TELEGRAM_2024).text
    assert "figures_series" in prose and "/disclosures/figures_series.csv?" in site.get("/").text
    assert "requests × share is the reader's estimate" in prose
    assert share_note(site.get("/figure/google-usa-2024h1-subpoena-percent_requests_some_data").text)
    assert rows(
        real_db, "SELECT max(period_end) FROM figures WHERE platform_id = 'meta' AND jurisdiction_id = 'USA'"
    ) == [("2022-12-31",)]
    assert "Meta's US figures end with 2022 here" in prose
    assert rows(
        real_db,
        "SELECT count(*) FROM figures WHERE platform_id = 'google' AND jurisdiction_id = 'USA' "
        "AND metric_id = 'requests_fulfilled'",
    ) == [(0,)]


def test_a_countrys_page_leads_to_its_figures_of_each_year(site, real_db):
    # The page shows each platform's newest figure only; "how many in 2024" had no way there but
    # typing the table's filters by hand.
    html = site.get("/country/USA").text
    by_year = re.search(r'<p class="by-year">(.*?)</p>', html, re.S).group(1)
    links = dict(re.findall(r'<a href="([^"]+)">(\d{4})</a>', by_year))
    url = next(href for href, year in links.items() if year == "2024")
    assert unescape(url) == "/disclosures/figures?jurisdiction_id=USA&year=2024"
    ((count,),) = rows(real_db, "SELECT count(*) FROM figures WHERE jurisdiction_id = 'USA' AND year = 2024")
    assert f"2024 ({count:,})" in text_of(by_year)
    shown = site.get(unescape(url).replace("figures?", "figures.json?") + "&_size=0").json()
    assert shown["filtered_table_rows_count"] == count
    assert 'href="/disclosures/figures?jurisdiction_id=USA"' in by_year
    # A jurisdiction without figures has no such line.
    assert 'class="by-year"' not in site.get("/country/ATG").text


RECEIVED_BESIDE_A_SHARE = """
    SELECT p.figure_id, r.value_kind, r.value, r.value_text, p.value_text FROM figures p
    JOIN figures r ON r.platform_id = p.platform_id AND r.jurisdiction_id = p.jurisdiction_id
      AND r.period_start = p.period_start AND r.period_end = p.period_end
      AND r.request_type_id = p.request_type_id AND r.metric_id = 'requests_received'
    WHERE p.metric_id IN ('percent_requests_some_data', 'fraction_requests_some_data') AND {}
      AND NOT EXISTS (SELECT 1 FROM figures x WHERE x.platform_id = p.platform_id
        AND x.jurisdiction_id = p.jurisdiction_id AND x.period_start = p.period_start
        AND x.period_end = p.period_end AND x.request_type_id = p.request_type_id
        AND x.metric_id = 'requests_fulfilled')
    ORDER BY p.figure_id LIMIT 1"""


def test_a_share_not_reported_has_no_product_to_warn_of(site, real_db):
    # Google's 2009-2010 shares are "not reported": the note read "4,287 requests received × not
    # reported is a reader's estimate", and "not reported requests received × not reported".
    for received in ("r.value_kind = 'exact'", "r.value_kind = 'not_reported'"):
        ((figure_id, *_),) = rows(
            real_db, RECEIVED_BESIDE_A_SHARE.format(f"p.value_kind = 'not_reported' AND {received}")
        )
        html = site.get(f"/figure/{figure_id}").text
        assert "not reported" in html and share_note(html) is None, figure_id


def test_a_share_beside_one_request_received_says_request(site, real_db):
    ((figure_id, _, value, received, share),) = rows(
        real_db, RECEIVED_BESIDE_A_SHARE.format("p.value_kind = 'exact' AND r.value_kind = 'exact' AND r.value = 1")
    )
    assert value == 1
    said = share_note(site.get(f"/figure/{figure_id}").text)
    assert said is not None and f": {received} request received × {share} is a reader's estimate" in said, said


def test_a_share_beside_a_band_of_requests_received_names_the_band(site, real_db):
    ((figure_id, _, _, band, share),) = rows(
        real_db, RECEIVED_BESIDE_A_SHARE.format("p.value_kind = 'exact' AND r.value_kind = 'band'")
    )
    said = share_note(site.get(f"/figure/{figure_id}").text)
    assert said is not None and f": {band} requests received × {share} is a reader's estimate" in said, said


def test_a_figures_page_links_its_series_over_time_and_the_chart_draws_it(site, real_db):
    """A reader on one quarter's figure had no way to see the quarters around it but to build
    the chart's query by hand. Checked on a reported figure, a derived one and one whose
    series is a single period."""
    reported = rows(real_db, "SELECT figure_id FROM figures WHERE is_derived = 0 AND platform_id = 'telegram' LIMIT 1")
    derived = rows(real_db, "SELECT figure_id FROM figures WHERE is_derived = 1 LIMIT 1")
    single = rows(
        real_db,
        """SELECT min(figure_id) FROM figures_series
        GROUP BY platform_id, jurisdiction_id, request_type_id, metric_id HAVING count(*) = 1 LIMIT 1""",
    )
    for (figure_id,) in reported + derived + single:
        (figure,) = rows(
            real_db,
            "SELECT platform_id, jurisdiction_id, request_type_id, metric_id FROM figures WHERE figure_id = ?",
            figure_id,
        )
        html = site.get(f"/figure/{figure_id}").text
        (href,) = re.findall(r'<p class="over-time">Over time: <a href="([^"]+)">', html)
        href = unescape(href)
        platform, jurisdiction, request_type, metric = figure
        assert href == (
            f"/chart?platform={platform}&jurisdiction={jurisdiction}&request_type={request_type}&metric={metric}"
        )
        chart = site.get(href)
        assert chart.status_code == 200, href
        specs = json.loads(re.search(r'id="charts-data">(.*?)</script>', chart.text, re.S).group(1))
        series = rows(
            real_db,
            """SELECT count(*) FROM figures_series WHERE platform_id = ? AND jurisdiction_id = ?
            AND request_type_id = ? AND metric_id = ? AND value_kind = 'exact'""",
            *figure,
        )[0][0]
        drawn = sum(len(s["points"]) for spec in specs for s in spec["series"])
        assert drawn == series, (figure_id, drawn, series)


def test_a_figure_whose_series_has_no_exact_value_links_its_figures_not_another_chart(site, real_db):
    """/chart draws the exact figures of figures_series only: for Google's National Security
    Letters in the United States (ranges) and its local-subsidiary requests in China (not
    reported) it drew Google's court orders and legal process requests in their place, which
    the "Over time" link offered as the figure's own series."""
    for figure_id in (
        "google-usa-2009h1-nsl-requests_received",
        "google-chn-2022h2-local_subsidiary-requests_received",
    ):
        ((platform, jurisdiction, request_type, metric, total),) = rows(
            real_db,
            """SELECT f.platform_id, f.jurisdiction_id, f.request_type_id, f.metric_id, count(*) FROM figures f
            JOIN figures s USING (platform_id, jurisdiction_id, request_type_id, metric_id)
            WHERE f.figure_id = ?""",
            figure_id,
        )
        html = site.get(f"/figure/{figure_id}").text
        (href,) = re.findall(r'<p class="over-time">Over time: <a href="([^"]+)">', html)
        href = unescape(href)
        assert href == (
            f"/disclosures/figures?platform_id={platform}&jurisdiction_id={jurisdiction}"
            f"&request_type_id={request_type}&metric_id={metric}&_sort=period_start"
        )
        table = site.get(href.replace("/disclosures/figures?", "/disclosures/figures.json?") + "&_shape=array")
        assert table.status_code == 200
        assert figure_id in [r["figure_id"] for r in table.json()] and len(table.json()) == total
        row = site.get(f"/disclosures/figures/{figure_id}").text
        assert "leads to its series over time" in row and "charts its series" not in row
