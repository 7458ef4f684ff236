"""A newcomer's break-test of freshness: the series behind "dataset up to", the EU DSA claim's
checked date and cadence, and how far behind a platform's dataset is.

(a) The build's SQL on tiny hand-made tables, (b) the real build (``real_db``), (c) the site
through Datasette's client.
"""

import re
from html import unescape

import pytest
import sqlite_utils

from disclosures import freshness
from tests.conftest import rows

# (a) The freshness SQL on tiny tables ---------------------------------------------------------

PLATFORMS = (
    "platform_id, name, cadence, published_up_to, freshness_source_id, published_up_to_checked,"
    " published_up_to_checked_basis, dsa_published_up_to, dsa_freshness_source_id"
)


def tiny_freshness(platforms: list[tuple], figures: list[tuple], sources: list[tuple]) -> dict[str, dict]:
    """platform_freshness and the freshness view over the given rows, by platform_id.

    ``figures``: (platform_id, request_type_id, period_start, period_end, source_id[, value_kind[,
    jurisdiction_id]]), reported; value_kind is 'exact' when not given, and each figure's place its
    own when none is given (one record a figure)."""
    db = sqlite_utils.Database(memory=True)
    db.execute(f"CREATE TABLE platforms ({PLATFORMS})")
    db.execute("CREATE TABLE sources (source_id, retrieved_date)")
    db.execute("CREATE TABLE request_types (request_type_id, label)")
    db.execute(
        "CREATE TABLE figures"
        " (platform_id, request_type_id, period_start, period_end, source_id, is_derived, value_kind, jurisdiction_id)"
    )
    db.conn.executemany(f"INSERT INTO platforms VALUES ({', '.join('?' * 9)})", platforms)
    db.conn.executemany("INSERT INTO sources VALUES (?, ?)", sources)
    db.conn.executemany(
        "INSERT INTO request_types VALUES (?, ?)",
        [
            ("legal_process", "Legal process requests"),
            ("nsl", "National Security Letters"),
            ("all", "All requests"),
            ("dsa_information_order", "EU DSA orders to provide information"),
        ],
    )
    db.conn.executemany(
        "INSERT INTO figures VALUES (?, ?, ?, ?, ?, 0, ?, ?)",
        [
            (*f[:5], f[5] if len(f) > 5 else "exact", f[6] if len(f) > 6 else f"place {n}")
            for n, f in enumerate(figures)
        ],
    )
    for sql in (freshness.SERIES_TABLE_SQL, freshness.SERIES_ROWS_SQL):
        db.execute(sql)
    db.execute(freshness.FRESHNESS_TABLE_SQL)
    db.execute(freshness.FRESHNESS_ROWS_SQL)
    db.create_view("freshness", freshness.VIEWS["freshness"].strip())
    return {r["platform_id"]: r for r in db.query("SELECT * FROM freshness")}


def test_a_date_reached_by_a_small_series_names_it_and_the_main_series_end():
    found = tiny_freshness(
        [("g", "G", "half-yearly", "2025-12-31", "nsl-file", "2026-11-30", "source_retrieved", None, None)],
        [
            *[("g", "legal_process", f"{y}-01-01", f"{y}-06-30", "bulk") for y in (2023, 2024, 2025)],
            ("g", "nsl", "2025-07-01", "2025-12-31", "nsl-file"),
        ],
        [("bulk", "2026-11-30"), ("nsl-file", "2026-11-30")],
    )["g"]
    assert (found["dataset_up_to"], found["main_series"], found["main_series_up_to"]) == (
        "2025-12-31",
        "Legal process requests",
        "2025-06-30",
    )
    assert found["dataset_up_to_series"] == found["published_up_to_series"] == "National Security Letters"
    assert found["statement"].startswith(
        "dataset up to 2025-12-31 (National Security Letters only; its main series, Legal process requests, "
        "up to 2025-06-30); platform has published up to 2025-12-31 for National Security Letters (as checked on"
    )


def test_a_series_given_only_in_bands_is_not_the_main_series_though_it_has_more_figures():
    # Zoom: five half-years of U.S. requests, and FISA content orders in bands for more periods.
    found = tiny_freshness(
        [("z", "Z", "half-yearly", "2024-12-31", "file", "2026-11-30", "source_retrieved", None, None)],
        [
            *[("z", "all", f"{y}-01-01", f"{y}-06-30", "file") for y in (2023, 2024)],
            *[
                ("z", "nsl", f"{y}-{m}-01", f"{y}-{m}-28", "file", "band")
                for y in (2022, 2023, 2024)
                for m in ("01", "07")
            ],
        ],
        [("file", "2026-11-30")],
    )["z"]
    assert found["main_series"] == "All requests"
    assert found["main_series_up_to"] == "2024-06-30"


def test_the_main_series_is_the_one_reported_for_the_most_places_and_periods_not_the_most_figures():
    # Apple: its account requests give four counts a record (received, fulfilled, content and only
    # non-content disclosed), its device requests fewer, for more countries; counting figures made
    # account requests Apple's main series once the outcome counts were imported.
    found = tiny_freshness(
        [("a", "A", "half-yearly", "2024-12-31", "file", "2026-11-30", "source_retrieved", None, None)],
        [
            *[
                ("a", "legal_process", "2024-07-01", "2024-12-31", "file", "exact", place)
                for place in ("DEU", "FRA")
                for _metric in range(4)
            ],
            *[("a", "all", "2024-07-01", "2024-12-31", "file", "exact", place) for place in ("DEU", "FRA", "ITA")],
        ],
        [("file", "2026-11-30")],
    )["a"]
    assert found["main_series"] == "All requests"


def test_a_date_every_series_reaches_is_stated_plainly():
    found = tiny_freshness(
        [("g", "G", "half-yearly", "2025-06-30", "bulk", "2026-01-10", "curator_check", None, None)],
        [
            ("g", "legal_process", "2025-01-01", "2025-06-30", "bulk"),
            ("g", "nsl", "2025-01-01", "2025-06-30", "bulk"),
        ],
        [("bulk", "2026-01-10")],
    )["g"]
    assert (
        found["statement"]
        == "dataset up to 2025-06-30; platform has published up to 2025-06-30 (as checked on 2026-01-10)"
    )
    assert found["dataset_up_to_series"] == "Legal process requests, National Security Letters"


@pytest.mark.parametrize(
    ("dataset_end", "published", "months", "words"),
    [
        ("2015-06-30", "2024-06-30", 108, "9 years"),
        ("2014-06-30", "2022-12-31", 102, "8 years 6 months"),
        ("2021-12-31", "2022-12-31", 12, "1 year"),
        ("2024-12-31", "2025-06-30", 6, "6 months"),
        ("2025-03-31", "2025-04-30", 1, "1 month"),
        ("2025-06-30", "2025-06-30", None, None),
    ],
)
def test_how_far_behind_the_dataset_is_in_words(dataset_end, published, months, words):
    found = tiny_freshness(
        [("d", "D", "half-yearly", published, "s", "2026-11-30", "source_retrieved", None, None)],
        [("d", "all", dataset_end[:8] + "01", dataset_end, "s")],
        [("s", "2026-11-30")],
    )["d"]
    assert (found["dataset_behind_months"], found["dataset_behind_by"]) == (months, words)
    if words:
        assert f"; the dataset's newest period is {words} older than {published}" in found["statement"]
    else:
        assert "older than 20" not in found["statement"]


@pytest.mark.parametrize(
    ("retrieved", "behind"),
    # The next half-year (H1 2026) plus two months for its report: due by 2026-08-31.
    [("2026-11-30", 1), ("2026-09-01", 1), ("2026-08-31", 0), ("2026-03-01", 0)],
)
def test_the_dsa_claim_is_checked_on_its_sources_retrieved_date_against_the_dsas_cadence(retrieved, behind):
    found = tiny_freshness(
        [("s", "S", "yearly", None, None, None, None, "2025-12-31", "dsa-file")],
        [("s", "dsa_information_order", "2025-07-01", "2025-12-31", "dsa-file")],
        [("dsa-file", retrieved)],
    )["s"]
    assert found["dsa_published_up_to_checked"] == retrieved
    assert found["dsa_checked_basis"] == "source_retrieved"
    assert found["dsa_behind_cadence"] == behind
    assert (
        f"published up to 2025-12-31 (as checked on {retrieved}, the date its source was retrieved)"
        in (found["statement"])
    )
    assert ("a newer report may exist" in found["statement"]) == bool(behind)


@pytest.mark.parametrize(
    ("retrieved", "behind"),
    # A provider that is not a very large platform reports once a year (Reddit's 2025 report, published
    # 2026-02-27): the 2026 report plus two months is due by 2027-02-28, not half a year earlier.
    [("2026-11-30", 0), ("2027-02-28", 0), ("2027-03-01", 1)],
)
def test_a_dsa_claim_whose_newest_report_covers_a_year_is_held_to_a_yearly_cadence(retrieved, behind):
    found = tiny_freshness(
        [("r", "R", "half-yearly", None, None, None, None, "2025-12-31", "dsa-year")],
        [("r", "dsa_information_order", "2025-01-01", "2025-12-31", "dsa-year")],
        [("dsa-year", retrieved)],
    )["r"]
    assert found["dsa_behind_cadence"] == behind
    assert ("a newer report may exist" in found["statement"]) == bool(behind)
    if behind:
        assert "older than the DSA's yearly reports allow" in found["statement"]


# (b) The real build --------------------------------------------------------------------------


def test_google_names_the_series_behind_its_newest_date(real_db):
    ((statement, main, main_end, series),) = rows(
        real_db,
        "SELECT statement, main_request_type_id, main_series_up_to, dataset_up_to_series FROM freshness "
        "WHERE platform_id = 'google'",
    )
    assert (main, series) == ("legal_process", "National Security Letters")
    # The main series' end is the newest of Google's legal-process figures, whatever it is.
    assert rows(
        real_db,
        "SELECT max(period_end) FROM figures WHERE platform_id = 'google' AND request_type_id = 'legal_process' "
        "AND is_derived = 0",
    ) == [(main_end,)]
    assert main_end < "2025-12-31"
    assert statement.startswith(
        f"dataset up to 2025-12-31 (National Security Letters only; its main series, Legal process requests, up to {main_end})"
    )


def test_freshness_series_agrees_with_the_figures(real_db):
    assert rows(
        real_db,
        """SELECT platform_id, request_type_id, min(period_start), max(period_end), count(*) FROM figures
           WHERE is_derived = 0 GROUP BY platform_id, request_type_id ORDER BY 1, 2""",
    ) == rows(
        real_db,
        "SELECT platform_id, request_type_id, first_period_start, dataset_up_to, figures FROM freshness_series ORDER BY 1, 2",
    )
    # One main series per platform and regime.
    assert (
        rows(
            real_db,
            """SELECT platform_id, regime FROM freshness_series GROUP BY platform_id, regime
           HAVING sum(main_series) <> 1""",
        )
        == []
    )


def test_snaps_dsa_claim_is_flagged_and_the_services_with_h1_2026_are_not(real_db):
    found = dict(
        rows(
            real_db,
            "SELECT platform_id, dsa_behind_cadence FROM platform_freshness WHERE dsa_published_up_to IS NOT NULL",
        )
    )
    assert found.pop("snap") == 1
    assert len(found) >= 12 and set(found.values()) == {0}
    ((checked, basis, retrieved),) = rows(
        real_db,
        """SELECT fr.dsa_published_up_to_checked, fr.dsa_checked_basis, s.retrieved_date FROM platform_freshness fr
           JOIN sources s ON s.source_id = fr.dsa_source_id WHERE fr.platform_id = 'snap'""",
    )
    assert (checked, basis) == (retrieved, "source_retrieved")


def test_posteo_and_cloudflare_say_how_far_behind(real_db):
    # Posteo's stored reports stop at 2017 while it has published 2022; Cloudflare has published
    # January-June 2025 (the press says so), but no stored copy after 2016 has its tables.
    found = {
        r[0]: r[1:]
        for r in rows(
            real_db,
            "SELECT platform_id, dataset_up_to, published_up_to, dataset_behind_by, statement FROM freshness "
            "WHERE platform_id IN ('posteo', 'cloudflare')",
        )
    }
    assert set(found) == {"posteo", "cloudflare"}
    for platform, (dataset_end, published, behind_by, statement) in found.items():
        months = int(published[:4]) * 12 + int(published[5:7]) - int(dataset_end[:4]) * 12 - int(dataset_end[5:7])
        years, rest = divmod(months, 12)
        assert years >= 2 and behind_by.startswith(f"{years} year"), platform
        assert (f"{rest} month" in behind_by) == bool(rest), platform
        assert f"the dataset's newest period is {behind_by} older than {published}" in statement


# (c) The site -------------------------------------------------------------------------------


def test_the_google_page_names_its_main_series_end(site, real_db):
    ((main_end,),) = rows(real_db, "SELECT main_series_up_to FROM platform_freshness WHERE platform_id = 'google'")
    page = unescape(site.get("/platform/google").text)
    facts = re.search(r"<dt>Freshness</dt><dd>(.*?)</dd>", page, re.S).group(1)
    assert re.sub(r"<[^>]+>", "", facts).startswith(
        f"Dataset up to 2025-12-31 for National Security Letters only; its main series, Legal process requests, "
        f"ends {main_end}"
    )
    assert (
        'has published up to <strong><span class="date">2025-12-31</span></strong> for National Security Letters'
        in facts
    )
    series = re.search(r'<table class="plain series-ends">(.*?)</table>', page, re.S).group(1)
    assert (
        '<td>Legal process requests <span class="muted">(main series)</span></td><td data-label="Figures from">'
        in series
    )
    assert "<td>National Security Letters</td>" in series


def test_the_snap_page_flags_its_dsa_claim(site):
    page = unescape(site.get("/platform/snap").text)
    dsa = re.search(r'<dd class="dsa-freshness">(.*?)</dd>', page, re.S).group(1)
    assert (
        'published up to <strong><span class="date">2025-12-31</span></strong>, as checked on '
        '<strong class="checked"><span class="date">2026-11-30</span></strong>' in dsa
    )
    assert "(the date its source was retrieved; no later check is recorded)" in dsa
    assert "<strong>Possibly out of date:</strong>" in dsa
    tiktok = re.search(r'<dd class="dsa-freshness">(.*?)</dd>', unescape(site.get("/platform/tiktok").text), re.S)
    assert "Possibly out of date" not in tiktok.group(1)


@pytest.mark.parametrize(("platform", "behind"), [("posteo", "5 years"), ("cloudflare", "8 years 6 months")])
def test_the_platform_page_and_the_platforms_list_say_how_far_behind(site, real_db, platform, behind):
    ((dataset_end, published, behind_by),) = rows(
        real_db,
        "SELECT dataset_up_to, published_up_to, dataset_behind_by FROM platform_freshness WHERE platform_id = ?",
        platform,
    )
    assert behind_by == behind
    page = unescape(site.get(f"/platform/{platform}").text)
    assert (
        f'<span class="dataset-behind"><strong>{behind} behind:</strong> the dataset\'s newest period ends '
        f'<span class="date">{dataset_end}</span>, {behind} before the newest period'
    ) in page
    assert f'is recorded to have published (<span class="date">{published}</span>)' in page
    listing = unescape(site.get("/platforms").text)
    row = re.search(rf'href="/platform/{platform}">.*?</tr>', listing, re.S).group(0)
    assert f"dataset {behind} behind</span>" in row and "possibly out of date" in row


def test_the_platforms_list_shows_googles_main_series_and_snaps_dsa_flag(site):
    listing = unescape(site.get("/platforms").text)
    google = re.search(r'href="/platform/google">.*?</tr>', listing, re.S).group(0)
    assert '(Legal process requests to <span class="date">20' in google
    snap = re.search(r'href="/platform/snap">.*?</tr>', listing, re.S).group(0)
    dsa = re.search(r'<td class="dsa-freshness"[^>]*>(.*?)</td>', snap, re.S).group(1)
    assert "possibly out of date" in dsa and '(<span class="date">2026-11-30</span>)' in dsa


def test_the_figure_page_carries_the_gap(site):
    response = site.get("/figure/posteo-world-2016-all-requests_received")
    assert response.status_code == 200
    page = unescape(response.text)
    assert 'the dataset\'s newest period is 5 years older than <span class="date">2022-12-31</span>' in page
