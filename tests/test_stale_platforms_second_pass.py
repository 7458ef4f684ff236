"""A second pass on the platforms whose newest figures were oldest, pinned against the built database.

Meta: a Bangladeshi article (June 2025) restates Meta's Bangladesh rows for both halves of 2024, the
first figures here after January-June 2024. The traps pinned: its percentages are the press's
"compliance rate", possibly rounded, so they are not figures; its 2024 total of accounts is its own
sum of the halves, which only the build may make.
"""

import pytest

from tests.conftest import rows

BANGLADESH_2024 = "digitaldhakanews-2025-06-13-meta-bangladesh-2024"


def test_meta_bangladesh_2024_figures_are_the_articles_counts(real_db):
    assert rows(
        real_db,
        """SELECT figure_id, value_kind, value, source_id, is_derived FROM figures
           WHERE platform_id = 'meta' AND jurisdiction_id = 'BGD' AND year = 2024 AND is_derived = 0
           ORDER BY figure_id""",
    ) == [
        ("meta-bgd-2024h1-all-accounts_specified", "exact", 2285, BANGLADESH_2024, 0),
        ("meta-bgd-2024h1-all-requests_received", "exact", 1501, BANGLADESH_2024, 0),
        ("meta-bgd-2024h2-all-accounts_specified", "exact", 1486, BANGLADESH_2024, 0),
        ("meta-bgd-2024h2-all-requests_received", "exact", 926, BANGLADESH_2024, 0),
        ("meta-bgd-2024h2-emergency-requests_received", "exact", 29, BANGLADESH_2024, 0),
        ("meta-bgd-2024h2-legal_process-requests_received", "exact", 897, BANGLADESH_2024, 0),
    ]


def test_meta_bangladesh_2024_source_is_the_press_paraphrasing(real_db):
    assert rows(real_db, "SELECT kind, tier FROM sources WHERE source_id = ?", BANGLADESH_2024) == [
        ("press", "press_paraphrasing")
    ]


def test_the_articles_compliance_rates_are_not_recorded_as_shares(real_db):
    # "complying with 64% of them" and "a compliance rate of 68.4%": the press's word, with fewer
    # decimals than Meta's table gives, so no percent_requests_some_data figure rests on them.
    assert (
        rows(
            real_db,
            """SELECT figure_id FROM figures WHERE platform_id = 'meta' AND jurisdiction_id = 'BGD'
           AND metric_id LIKE 'percent%' AND year = 2024""",
        )
        == []
    )


def test_the_articles_2024_accounts_total_is_the_builds_sum_not_a_reported_figure(real_db):
    assert rows(
        real_db,
        """SELECT figure_id, value, is_derived FROM figures WHERE platform_id = 'meta' AND jurisdiction_id = 'BGD'
           AND period_start = '2024-01-01' AND period_end = '2024-12-31' AND metric_id = 'accounts_specified'""",
    ) == [("meta-bgd-2024-all-accounts_specified-derived", 3771, 1)]


def test_meta_has_published_july_december_2024_as_the_article_shows(real_db):
    assert rows(
        real_db,
        """SELECT dataset_up_to, published_up_to, source_id, checked_basis FROM platform_freshness
           WHERE platform_id = 'meta'""",
    ) == [("2024-12-31", "2024-12-31", BANGLADESH_2024, "source_retrieved")]


GEORGIA_RU = "jnews-2025-05-03-meta-georgia-requests"


def test_meta_south_caucasus_january_june_2024_from_the_russian_language_press(real_db):
    assert rows(
        real_db,
        """SELECT figure_id, value, source_id FROM figures WHERE platform_id = 'meta'
           AND jurisdiction_id IN ('ARM', 'AZE') ORDER BY figure_id""",
    ) == [
        ("meta-arm-2024h1-all-requests_received", 19, GEORGIA_RU),
        ("meta-aze-2024h1-all-requests_received", 6, GEORGIA_RU),
    ]


def test_the_russian_language_article_corroborates_georgia_2024_and_swaps_2023(real_db):
    assert rows(real_db, "SELECT figure_id FROM corroborations WHERE source_id = ? ORDER BY figure_id", GEORGIA_RU) == [
        ("meta-geo-2023h1-all-percent_requests_some_data",),
        ("meta-geo-2024h1-all-accounts_specified",),
        ("meta-geo-2024h1-all-percent_requests_some_data",),
        ("meta-geo-2024h1-all-requests_received",),
    ]
    # Its "149 requests" for January-June 2023 are Meta's 149 users/accounts: the 47 requests stay.
    assert rows(
        real_db,
        """SELECT d.claimed_value, d.kind, f.value, f.source_id FROM disagreements d JOIN figures f USING (figure_id)
           WHERE d.source_id = ?""",
        GEORGIA_RU,
    ) == [(149, "swapped_requests_users", 47, "civilge-2025-05-02-meta-georgia-requests")]
    assert rows(real_db, "SELECT value FROM figures WHERE figure_id = 'meta-geo-2023h1-all-accounts_specified'") == [
        (149,)
    ]


KENYA_2024 = "peopledaily-2025-06-meta-kenya-requests-2024"


def test_meta_kenya_2024_records_only_the_counts_written_in_digits(real_db):
    # "four were emergencies", "nine legal and three emergency": counts in words are not figures.
    assert rows(
        real_db,
        """SELECT figure_id, value FROM figures WHERE source_id = ? ORDER BY figure_id""",
        KENYA_2024,
    ) == [
        ("meta-ken-2024h1-all-accounts_specified", 37),
        ("meta-ken-2024h1-all-requests_received", 23),
        ("meta-ken-2024h1-legal_process-requests_received", 19),
        ("meta-ken-2024h2-all-accounts_specified", 18),
        ("meta-ken-2024h2-all-requests_received", 12),
    ]


def test_the_kenyan_articles_2024_totals_are_the_builds_sums(real_db):
    # Its "35 requests ... targeting 55 user accounts" in 2024 are the halves added up: derived, not typed in.
    assert rows(
        real_db,
        """SELECT metric_id, value, is_derived FROM figures WHERE platform_id = 'meta' AND jurisdiction_id = 'KEN'
           AND period_start = '2024-01-01' AND period_end = '2024-12-31' ORDER BY metric_id""",
    ) == [("accounts_specified", 55, 1), ("requests_received", 35, 1)]


# platform -> its published_up_to, unchanged: searched again on 2026-12-05 and nothing newer found.
SEARCHED_WITHOUT_FINDING = {
    "tumblr": "2024-12-31",
    "cloudflare": "2025-06-30",
    "dropbox": "2024-06-30",
    "mozilla": "2024-12-31",
    "proton": "2024-12-31",
    "posteo": "2022-12-31",
    "tuta": "2024-06-30",
    "line": "2024-12-31",
    "zoom": "2024-12-31",
    "discord": "2024-06-30",
}


@pytest.mark.parametrize("platform", sorted(SEARCHED_WITHOUT_FINDING))
def test_a_platform_searched_in_vain_says_so_and_when(real_db, platform):
    ((search_log, published, checked, basis),) = rows(
        real_db,
        """SELECT search_log, published_up_to, published_up_to_checked, published_up_to_checked_basis FROM platforms
           WHERE platform_id = ?""",
        platform,
    )
    assert "Searched again on 2026-12-05, with nothing newer found" in search_log
    # A search of stored copies says nothing of what the platform has published since: the claim
    # and its checked date stay as they were (test_smaller_platforms_curated's rule).
    assert published == SEARCHED_WITHOUT_FINDING[platform] and checked < "2026-12-05"


GEORGIA = "civilge-2025-05-02-meta-georgia-requests"


def test_meta_georgia_every_row_of_civil_ges_table_is_recorded(real_db):
    # The article copies Meta's table for Georgia, July-December 2013 to January-June 2024 (20 rows;
    # none for January-June 2013, July-December 2014 or January-June 2015); only its last three
    # were recorded. Its headline, "440 users or accounts ... since 2020 through the first half of
    # 2024", is the sum of the recorded rows it covers.
    counted = rows(
        real_db,
        """SELECT period_label, metric_id, value FROM figures WHERE source_id = ?
           AND metric_id IN ('requests_received', 'accounts_specified') ORDER BY period_start, metric_id""",
        GEORGIA,
    )
    periods = sorted({label for label, _, _ in counted})
    assert len(periods) == 20 and periods[0] == "2013h2" and periods[-1] == "2024h1"
    assert {"2013h1", "2014h2", "2015h1"}.isdisjoint(periods)
    accounts = {label: value for label, metric, value in counted if metric == "accounts_specified"}
    assert sum(value for label, value in accounts.items() if label >= "2020") == 440
    assert ("2016h1", "requests_received", 30) in counted and accounts["2016h1"] == 60


def test_meta_georgia_whole_number_percentages_are_not_figures(real_db):
    # Meta gives the share with some data to two decimals from 2014 on; the article's whole numbers
    # for 2013-H2 to 2021-H1 ("53%" of 30 requests) may be its rounding. Its decimals are recorded.
    shares = rows(
        real_db,
        "SELECT period_label, value FROM figures WHERE source_id = ? AND metric_id = 'percent_requests_some_data'"
        " ORDER BY period_start",
        GEORGIA,
    )
    assert shares == [
        ("2021h2", 76.92),
        ("2022h1", 96.3),
        ("2022h2", 71.43),
        ("2023h1", 93.62),
        ("2023h2", 87.4),
        ("2024h1", 76.7),
    ]


def corroborated(db, source_id):
    """{figure_id: figure's value} for every corroboration by source_id, each checked to be in its quote."""
    found = {
        figure_id: (value, quote)
        for figure_id, value, quote in rows(
            db,
            """SELECT c.figure_id, f.value, c.quote FROM corroborations c
               JOIN figures f ON f.figure_id = c.figure_id WHERE c.source_id = ?""",
            source_id,
        )
    }
    for figure_id, (value, quote) in found.items():
        # Thousands as English (1,687), German (1.687), Swiss (1’687) or French (2 253) articles write
        # them; decimals with a point or, as Russian and German articles write them, a comma (76,7).
        written = (
            {f"{value:,}".replace(",", mark) for mark in (",", ".", "’", " ", "\u00a0", "\u202f")} | {str(value)}
            if isinstance(value, int)
            else {str(value), str(value).replace(".", ",")}
        )
        assert any(text in quote for text in written), (figure_id, value, quote)
    return {figure_id: value for figure_id, (value, _) in found.items()}


TECHPORTAL_META_2022H1 = "thetechportal-2022-11-24-meta-transparency-report"


def test_the_tech_portals_meta_counts_are_each_a_figure_a_corroboration_or_a_disagreement(real_db):
    # Its own figures were recorded; the counts other sources had given first were left unsaid.
    found = corroborated(real_db, TECHPORTAL_META_2022H1)
    assert found == {
        "meta-world-2022h1-all-requests_received": 237414,
        "meta-usa-2022h1-all-requests_received": 69363,
        "meta-ind-2022h1-all-requests_received": 55497,
        "meta-ind-2022h1-emergency-requests_received": 3895,
        "meta-ind-2022h1-all-percent_requests_some_data": 66.59,
    }
    india = rows(
        real_db,
        """SELECT value FROM figures WHERE platform_id = 'meta' AND jurisdiction_id = 'IND'
           AND period_label = '2022h1' AND request_type_id IN ('legal_process', 'emergency')
           AND metric_id = 'requests_received'""",
    )
    # The article's own cross-check: India's two parts make its total (with the legal-process
    # count others give, not the article's typo 51,692).
    assert sum(value for (value,) in india) == 55497
    assert rows(real_db, "SELECT claimed_value FROM disagreements WHERE source_id = ?", TECHPORTAL_META_2022H1) == [
        (51692,)
    ]
    # "87.97% of requests where some data was produced" names no country: no figure rests on it.
    assert rows(real_db, "SELECT figure_id FROM figures WHERE value = 87.97 AND platform_id = 'meta'") == []


GALUS_AMAZON_2020H2 = "galusaustralis-2021-02-04-amazon-requests-h2-2020"


def test_galus_australis_amazon_totals_are_corroborations_and_its_country_counts_share_the_total(real_db):
    found = corroborated(real_db, GALUS_AMAZON_2020H2)
    assert found == {
        "amazon-world-2020h2-all-requests_processed": 27664,
        "amazon-world-2020h2-all-requests_content_disclosed": 52,
        "aws-world-2020h2-all-requests_processed": 523,
    }
    countries = rows(
        real_db,
        """SELECT value FROM figures WHERE source_id = ? AND platform_id = 'amazon' AND is_derived = 0""",
        GALUS_AMAZON_2020H2,
    )
    assert len(countries) == 6 and sum(value for (value,) in countries) < 27664
    # Its "3,200 inquiries" for January-June 2020 is rounded and Amazon gave no total for that half.
    assert (
        rows(
            real_db,
            """SELECT figure_id FROM figures WHERE platform_id = 'amazon' AND period_label = '2020h1'
               AND jurisdiction_id = 'WORLD'""",
        )
        == []
    )


MACRUMORS_APPLE_2017H2 = "macrumors-2018-07-apple-transparency-h2-2017"


def test_macrumors_apple_national_security_band_is_a_figure_and_its_accounts_band_is_not(real_db):
    # Both bounds stand in the quote; no count is made of a band.
    [(value_kind, value, low, high, quote)] = rows(
        real_db,
        """SELECT value_kind, value, value_low, value_high, quote FROM figures
           WHERE platform_id = 'apple' AND jurisdiction_id = 'USA' AND period_label = '2017h2'
           AND request_type_id = 'national_security' AND metric_id = 'requests_received' AND source_id = ?""",
        MACRUMORS_APPLE_2017H2,
    )
    assert (value_kind, value, low, high) == ("band", None, 16000, 16249)
    assert "between 16,000 and 16,249 National Security Orders" in quote
    # "provided data for 8,000 to 8,249 accounts": the same band was "affecting" accounts in the half
    # before, so which accounts it counts is unknown and no figure rests on it.
    assert (
        rows(
            real_db,
            """SELECT figure_id FROM figures WHERE platform_id = 'apple' AND request_type_id = 'national_security'
               AND metric_id != 'requests_received'""",
        )
        == []
    )
    # Its device counts stay as they were: the United States' as corroborations, the world's as figures.
    assert corroborated(real_db, MACRUMORS_APPLE_2017H2) == {
        "apple-usa-2017h2-device-requests_received": 4450,
        "apple-usa-2017h2-device-identifiers_specified": 15168,
        "apple-usa-2017h2-device-percent_requests_some_data": 80,
        "apple-usa-2017h2-device-requests_fulfilled": 3548,
    }


MACRUMORS_APPLE_2017H1 = "macrumors-2017-09-28-apple-transparency-h1-2017"


def test_macrumors_apple_2017h1_world_counts_are_the_sum_of_the_extractions_countries(real_db):
    world = dict(
        rows(
            real_db,
            "SELECT metric_id, value FROM figures WHERE source_id = ? AND jurisdiction_id = 'WORLD'",
            MACRUMORS_APPLE_2017H1,
        )
    )
    assert world == {
        "requests_received": 30814,
        "identifiers_specified": 233052,
        "requests_fulfilled": 23856,
    }
    # The article's worldwide counts against the extraction's 53 countries for the same half.
    countries = dict(
        rows(
            real_db,
            """SELECT metric_id, sum(value) FROM figures
               WHERE platform_id = 'apple' AND request_type_id = 'device' AND period_start = '2017-01-01'
                 AND period_end = '2017-06-30' AND jurisdiction_id != 'WORLD' AND is_derived = 0
                 AND metric_id IN ('requests_received', 'identifiers_specified', 'requests_fulfilled')
               GROUP BY metric_id""",
        )
    )
    assert countries == {metric: world[metric] for metric in countries} and len(countries) == 3
    # Its worldwide "80 percent" is left out: its own counts make 77%, and 80% is its U.S. share.
    assert round(100 * world["requests_fulfilled"] / world["requests_received"]) == 77
    assert corroborated(real_db, MACRUMORS_APPLE_2017H1) == {
        "apple-usa-2017h1-device-requests_received": 4479,
        "apple-usa-2017h1-device-identifiers_specified": 8958,
        "apple-usa-2017h1-device-percent_requests_some_data": 80,
        "apple-usa-2017h1-device-requests_fulfilled": 3565,
    }
    bands = rows(
        real_db,
        """SELECT period_label, value_kind, value_low, value_high FROM figures
           WHERE source_id = ? AND request_type_id = 'national_security' ORDER BY period_start""",
        MACRUMORS_APPLE_2017H1,
    )
    assert [band[1:] for band in bands] == [("band", 2750, 2999), ("band", 13250, 13499)]
    # Its accounts bands are left out: no accounts figure for those halves rests on it.
    assert (
        rows(
            real_db,
            "SELECT figure_id FROM figures WHERE source_id = ? AND metric_id LIKE 'accounts%'",
            MACRUMORS_APPLE_2017H1,
        )
        == []
    )


SLASHGEAR_REDDIT_2015 = "slashgear-reddit-2015-transparency-nsl"


def test_slashgear_reddit_2015_parts_make_its_total_and_its_2014_total_is_a_corroboration(real_db):
    counts = dict(
        rows(
            real_db,
            """SELECT jurisdiction_id || ':' || request_type_id, value FROM figures
               WHERE source_id = ? AND metric_id = 'requests_received' AND is_derived = 0""",
            SLASHGEAR_REDDIT_2015,
        )
    )
    # The article's own cross-check: its four U.S. request types and its 21 non-U.S. requests make its 98.
    parts = ("USA:emergency", "USA:subpoena", "USA:court_order", "USA:search_warrant", "INTL:all")
    assert sum(counts[part] for part in parts) == counts["WORLD:all"] == 98
    assert corroborated(real_db, SLASHGEAR_REDDIT_2015) == {"reddit-world-2014-all_with_civil-requests_received": 55}
    # "75% of the subpoenas and search warrants" is one share of two types: no share per type rests on it.
    assert (
        rows(
            real_db,
            """SELECT figure_id FROM figures WHERE platform_id = 'reddit' AND year = 2015 AND value = 75
               AND request_type_id IN ('subpoena', 'search_warrant')""",
        )
        == []
    )


REDDIT_2015_ANNOUNCEMENT = "reddit-2016-03-31-announcement-2015-transparency"


def test_reddit_2015_totals_are_government_requests_by_reddits_own_announcement(real_db):
    # The press gives 2015's totals; Reddit's own post says they are government requests, so they
    # are under all, while 2014's (counted with civil requests) stay under all_with_civil.
    totals = rows(
        real_db,
        """SELECT request_type_id, notes FROM figures
           WHERE platform_id = 'reddit' AND jurisdiction_id = 'WORLD' AND year = 2015 AND is_derived = 0""",
    )
    assert len(totals) == 3
    assert {request_type for request_type, _ in totals} == {"all"}
    assert all(REDDIT_2015_ANNOUNCEMENT in notes for _, notes in totals)
    [(kind, tier, published)] = rows(
        real_db, "SELECT kind, tier, published_date FROM sources WHERE source_id = ?", REDDIT_2015_ANNOUNCEMENT
    )
    assert (kind, tier, published) == ("official_statement", "platform_file_archived", "2016-03-31")
    # Its share not produced is the complement of the press's share honored.
    [(honored,)] = rows(
        real_db,
        """SELECT value FROM figures WHERE figure_id = 'reddit-world-2015-all-percent_requests_complied'""",
    )
    assert 100 - honored == 40


THREATPOST_CLOUDFLARE_2013 = "threatpost-cloudflare-2013-minimal-data"


def test_threatpost_cloudflare_2013_request_counts_are_corroborations_and_its_complied_within_received(real_db):
    assert corroborated(real_db, THREATPOST_CLOUDFLARE_2013) == {
        "cloudflare-world-2013-subpoena-requests_received": 18,
        "cloudflare-world-2013-court_order-requests_received": 28,
    }
    # The article's own arithmetic: 25 of the 28 court orders complied with, two in process, one unanswerable.
    [(complied, received)] = rows(
        real_db,
        """SELECT c.value, r.value FROM figures c JOIN figures r
           ON r.figure_id = 'cloudflare-world-2013-court_order-requests_received'
           WHERE c.figure_id = 'cloudflare-world-2013-court_order-requests_complied'""",
    )
    assert complied + 2 + 1 == received
    # "perhaps as many as 3400" clients is the article's estimate, and no metric counts rescinded requests.
    assert (
        rows(
            real_db,
            "SELECT figure_id FROM figures WHERE platform_id = 'cloudflare' AND year = 2013 AND value IN (3400, 16)",
        )
        == []
    )


SLASHGEAR_REDDIT_2018 = "slashgear-2019-02-13-reddit-2018-transparency"


def test_slashgear_reddit_2018_production_requests_are_a_corroboration_and_its_752_is_no_figure(real_db):
    assert corroborated(real_db, SLASHGEAR_REDDIT_2018) == {"reddit-world-2018-all-requests_received": 581}
    preservation, production = (
        value
        for (value,) in rows(
            real_db,
            """SELECT value FROM figures WHERE figure_id IN ('reddit-world-2018-preservation-requests_received',
               'reddit-world-2018-all-requests_received') ORDER BY request_type_id DESC""",
        )
    )
    # The article's 752 "total requests" is production and preservation together, which no figure counts.
    assert preservation + production == 752
    assert rows(real_db, "SELECT figure_id FROM figures WHERE platform_id = 'reddit' AND value = 752") == []


SECURITYWEEK_CLOUDFLARE_2015H1 = "securityweek-cloudflare-transparency-2015h1"


def test_securityweek_cloudflare_court_orders_answered_is_a_figure_within_those_received(real_db):
    figures = dict(
        rows(
            real_db,
            """SELECT metric_id, value FROM figures WHERE platform_id = 'cloudflare' AND period_label = '2015h1'
               AND request_type_id = 'court_order' AND metric_id IN ('requests_complied', 'requests_received')""",
        )
    )
    # "responded to 49 of the court orders" of the 50 the article says were received.
    assert figures == {"requests_complied": 49, "requests_received": 50}
    assert corroborated(real_db, SECURITYWEEK_CLOUDFLARE_2015H1) == {
        "cloudflare-world-2015h1-court_order-requests_received": 50,
        "cloudflare-world-2015h1-court_order-accounts_affected": 96,
    }


HARDWARELUXX_META_2014H1 = "hardwareluxx-2014-facebook-transparenzbericht-h1-2014"


def test_hardwareluxx_germanys_earlier_half_is_a_corroboration_and_its_rounded_world_counts_are_not_figures(real_db):
    assert corroborated(real_db, HARDWARELUXX_META_2014H1) == {"meta-deu-2013h2-all-requests_received": 1687}
    # "Rund 35.000 Anfragen weltweit": the world's figure is Meta's exact count from another article.
    assert rows(
        real_db,
        "SELECT value, source_id != ? FROM figures WHERE figure_id = 'meta-world-2014h1-all-requests_received'",
        HARDWARELUXX_META_2014H1,
    ) == [(34946, 1)]


FIRSTPOST_TIKTOK_2019H1 = "firstpost-tiktok-first-transparency-report-2019h1"

# The article's copy of TikTok's Table 1: legal, emergency, total requests, accounts, % with some data.
TIKTOK_TABLE_1 = {
    "IND": ("India", 99, 8, 107, 143, 47),
    "USA": ("US", 68, 11, 79, 255, 86),
    "JPN": ("Japan", 28, 7, 35, 39, 21),
    "DEU": ("Germany", 9, 3, 12, 12, 25),
    "NOR": ("Norway", 6, 5, 11, 15, 33),
}


@pytest.mark.parametrize("jurisdiction", TIKTOK_TABLE_1)
def test_firstposts_copy_of_tiktoks_table_1_is_recorded_cell_by_cell(real_db, jurisdiction):
    name, legal, emergency, total, accounts, share = TIKTOK_TABLE_1[jurisdiction]
    recorded = {
        (request_type, metric): (value, quote)
        for request_type, metric, value, quote in rows(
            real_db,
            """SELECT request_type_id, metric_id, value, quote FROM figures
               WHERE platform_id = 'tiktok' AND jurisdiction_id = ? AND period_label = '2019h1' AND is_derived = 0
               UNION ALL
               SELECT f.request_type_id, f.metric_id, f.value, c.quote FROM corroborations c
               JOIN figures f ON f.figure_id = c.figure_id
               WHERE c.source_id = ? AND f.jurisdiction_id = ?""",
            jurisdiction,
            FIRSTPOST_TIKTOK_2019H1,
            jurisdiction,
        )
        if f"{name} {legal} {emergency} {total} {accounts} {share}%" in quote
    }
    assert {key: value for key, (value, _) in recorded.items()} == {
        ("legal_process", "requests_received"): legal,
        ("emergency", "requests_received"): emergency,
        ("all", "requests_received"): total,
        ("all", "accounts_specified"): accounts,
        ("all", "percent_requests_some_data"): share,
    }
    # The table's own cross-check: legal and emergency requests make the total.
    assert legal + emergency == total


CODEXTRA_TIKTOK_2019H1 = "codextratrends-2020-01-02-tiktok-transparency-report"


def test_codextra_trends_list_of_tiktok_requests_by_country_is_recorded_number_by_number(real_db):
    # "35 requests from Japan, 12 from Germany, 11 from Norway, 8 from France, 6 each from the UK,
    # Sweden and South Korea, 5 from Australia, 3 each from Israel and Italy, 2 from Poland".
    listed = {"DEU": 12, "FRA": 8, "GBR": 6, "SWE": 6, "KOR": 6, "AUS": 5, "ISR": 3, "ITA": 3, "POL": 2}
    recorded = dict(
        rows(
            real_db,
            """SELECT jurisdiction_id, value FROM figures WHERE source_id = ? AND is_derived = 0
               AND metric_id = 'requests_received' AND request_type_id = 'all' AND period_label = '2019h1'""",
            CODEXTRA_TIKTOK_2019H1,
        )
    )
    # Each number is a figure resting on the article, or a corroboration of one that rests on a
    # stronger source (Firstpost's copy of TikTok's table carries Japan's, Norway's and Germany's).
    assert recorded == {code: value for code, value in listed.items() if code != "DEU"}
    assert corroborated(real_db, CODEXTRA_TIKTOK_2019H1) == {
        "tiktok-jpn-2019h1-all-requests_received": 35,
        "tiktok-nor-2019h1-all-requests_received": 11,
        "tiktok-deu-2019h1-all-requests_received": 12,
    }


TOI_META_2022H1 = "timesofindia-2022-11-24-meta-transparency-report"


def test_times_of_indias_worldwide_counts_for_both_halves_are_corroborations(real_db):
    assert corroborated(real_db, TOI_META_2022H1) == {
        "meta-world-2021h2-all-requests_received": 214777,
        "meta-world-2022h1-all-requests_received": 237414,
    }
    # Its own cross-check on India: legal process and emergency requests make the total.
    india = dict(
        rows(
            real_db,
            """SELECT request_type_id, value FROM figures WHERE source_id = ? AND jurisdiction_id = 'IND'
               AND metric_id = 'requests_received'""",
            TOI_META_2022H1,
        )
    )
    assert india["legal_process"] + india["emergency"] == india["all"] == 55497


TECHIAI_META_INDIA_2022H2 = "techiai-2023-meta-india-h2-2022"


def test_techiai_indias_2015_accounts_is_a_figure_and_its_earlier_counts_corroborations(real_db):
    [(value, quote)] = rows(
        real_db,
        "SELECT value, quote FROM figures WHERE figure_id = 'meta-ind-2015h1-all-accounts_specified' AND source_id = ?",
        TECHIAI_META_INDIA_2022H2,
    )
    assert value == 6268 and "6,268 users/accounts were requested between January to June, 2015" in quote
    assert corroborated(real_db, TECHIAI_META_INDIA_2022H2) == {
        "meta-world-2022h1-all-requests_received": 237414,
        "meta-world-2022h2-all-requests_received": 239388,
        "meta-usa-2022h2-all-requests_received": 64148,
        "meta-ind-2022h1-all-requests_received": 55497,
    }
    # "8.17k requests and 13.5k users/accounts" of preservation: rounded, so no preservation figure.
    assert (
        rows(
            real_db,
            """SELECT figure_id FROM figures WHERE platform_id = 'meta' AND jurisdiction_id = 'IND'
               AND period_label = '2022h2' AND request_type_id = 'preservation'""",
        )
        == []
    )


QUINT_META_INDIA_2022H1 = "thequint-2022-11-meta-india-requests"


def test_the_quints_india_counts_are_corroborations_but_not_its_bound_on_accounts(real_db):
    assert corroborated(real_db, QUINT_META_INDIA_2022H1) == {
        "meta-ind-2022h1-all-requests_received": 55497,
        "meta-ind-2022h1-all-percent_requests_some_data": 66.59,
    }
    # "Over 91,159 users or accounts" is a bound, so Scroll's 91,159 stands on Scroll alone.
    assert (
        rows(
            real_db,
            "SELECT source_id FROM corroborations WHERE figure_id = 'meta-ind-2022h1-all-accounts_specified'",
        )
        == []
    )


WINDOWSREPORT_MICROSOFT_2014H1 = "windowsreport-2014-microsoft-lerr-h1-2014"


def test_windows_reports_us_share_rejected_agrees_with_the_counts_and_its_2013_totals_corroborate(real_db):
    [(share,)] = rows(
        real_db,
        "SELECT value FROM figures WHERE figure_id = 'microsoft-usa-2013h2-all-percent_requests_rejected' AND source_id = ?",
        WINDOWSREPORT_MICROSOFT_2014H1,
    )
    counts = dict(
        rows(
            real_db,
            """SELECT metric_id, value FROM figures WHERE platform_id = 'microsoft' AND jurisdiction_id = 'USA'
               AND period_label = '2013h2' AND request_type_id = 'all'
               AND metric_id IN ('requests_rejected', 'requests_received')""",
        )
    )
    # 218 of 5,652 is 3.86%; the article's 8.4% and 13.4% beside it are 588 of 7,014 and 925 of 6,919, rounded.
    assert share == 3.86 == round(100 * counts["requests_rejected"] / counts["requests_received"], 2)
    assert corroborated(real_db, WINDOWSREPORT_MICROSOFT_2014H1) == {
        "microsoft-world-2013h2-all-requests_received": 35083,
        "microsoft-world-2013h1-all-requests_received": 37196,
        "microsoft-world-2013h1-all-accounts_specified": 66539,
    }
    assert (
        rows(
            real_db,
            """SELECT figure_id FROM figures WHERE platform_id = 'microsoft' AND metric_id = 'percent_requests_rejected'
               AND value IN (8.4, 13.4, 2.4, 3.4)""",
        )
        == []
    )


DARKNETKING_META_2023H1 = "darknetking-2023-meta-h1-2023-requests"


def test_darknetkings_earlier_worldwide_total_is_a_corroboration_and_its_rounded_countries_are_not_figures(real_db):
    assert corroborated(real_db, DARKNETKING_META_2023H1) == {"meta-world-2022h2-all-requests_received": 239388}
    # "the United States (74,000 requests concerning 125,000 accounts), India (70,600 ...)": rounded.
    assert (
        rows(
            real_db,
            """SELECT figure_id FROM figures WHERE platform_id = 'meta' AND period_label = '2023h1'
               AND jurisdiction_id IN ('USA', 'IND', 'BRA') AND value IN (74000, 125000, 70600, 119000, 23800, 77300)""",
        )
        == []
    )


ZDNET_DE_MICROSOFT_2016H1 = "zdnet-de-2016-09-microsoft-transparenzbericht-h1-2016"


def test_zdnet_des_share_with_some_data_is_its_own_remainder_and_no_figure(real_db):
    shares = dict(
        rows(
            real_db,
            "SELECT metric_id, value FROM figures WHERE source_id = ? AND jurisdiction_id = 'WORLD'"
            " AND period_label = '2016h1' AND metric_id LIKE 'percent%'",
            ZDNET_DE_MICROSOFT_2016H1,
        )
    )
    # "68,56 Prozent" with at least some data is 100 less its rejected and no-data shares.
    assert round(100 - shares["percent_requests_rejected"] - shares["percent_requests_no_data"], 2) == 68.56
    assert rows(real_db, "SELECT figure_id FROM figures WHERE platform_id = 'microsoft' AND value = 68.56") == []
    assert len(corroborated(real_db, ZDNET_DE_MICROSOFT_2016H1)) == 6


RAKOELLNER_MICROSOFT_2015H2 = "rakoellner-2016-04-microsoft-transparenzbericht-h2-2015"


def test_rakoellners_counts_by_outcome_corroborate_the_extraction_and_match_its_shares(real_db):
    found = corroborated(real_db, RAKOELLNER_MICROSOFT_2015H2)
    assert {figure_id: value for figure_id, value in found.items() if "disclosed" in figure_id} == {
        "microsoft-deu-2015h2-all-requests_content_disclosed": 0,
        "microsoft-usa-2015h2-all-requests_content_disclosed": 502,
        "microsoft-deu-2015h2-all-requests_non_content_disclosed": 2725,
        "microsoft-usa-2015h2-all-requests_non_content_disclosed": 2880,
    }
    # The blog's own cross-check: each count is its share of the country's requests (4,026 and 5,297).
    assert round(100 * 2725 / found["microsoft-deu-2015h2-all-requests_received"], 2) == 67.69
    assert round(100 * 2880 / found["microsoft-usa-2015h2-all-requests_received"], 2) == 54.37
    assert round(100 * 502 / found["microsoft-usa-2015h2-all-requests_received"], 2) == 9.48


SILICON_DE_MICROSOFT_2020 = "silicon-de-2021-04-microsoft-us-anfragen-2020"


def test_silicon_des_german_shares_are_figures_that_match_the_extractions_counts(real_db):
    germany = dict(
        rows(
            real_db,
            """SELECT metric_id, value FROM figures WHERE platform_id = 'microsoft' AND jurisdiction_id = 'DEU'
               AND period_label = '2020h2' AND request_type_id = 'legal_process'""",
        )
    )
    assert germany["percent_requests_rejected"] == 40.13
    assert germany["percent_requests_no_data"] == 11.09
    # The shares are the extraction's counts over Germany's 4,976 requests: the half is July-December.
    received = germany["requests_received"]
    assert round(100 * germany["requests_rejected"] / received, 2) == germany["percent_requests_rejected"]
    assert round(100 * germany["requests_no_data_found"] / received, 2) == germany["percent_requests_no_data"]
    found = corroborated(real_db, SILICON_DE_MICROSOFT_2020)
    assert found["microsoft-deu-2020h2-legal_process-requests_received"] == 4976
    assert found["microsoft-deu-2020h2-legal_process-accounts_specified"] == 7302


ZEIT_META_2013H2 = "zeit-2014-facebook-transparenzbericht-h2-2013"


def test_zeits_german_january_june_2013_counts_corroborate_facebooks_file(real_db):
    assert corroborated(real_db, ZEIT_META_2013H2) == {
        "meta-deu-2013h1-all-requests_received": 1886,
        "meta-deu-2013h1-all-accounts_specified": 2068,
    }
    # Its "200 Anfragen mehr" is a rounded difference: the two German halves differ by 199.
    [(first, second)] = rows(
        real_db,
        """SELECT h1.value, h2.value FROM figures h1 JOIN figures h2
           ON h2.figure_id = 'meta-deu-2013h2-all-requests_received'
           WHERE h1.figure_id = 'meta-deu-2013h1-all-requests_received'""",
    )
    assert first - second == 199


NEWSSLASH_META_2014H1 = "newsslash-2014-facebook-transparenzbericht-h1-2014"


def test_newsslashs_german_counts_corroborate_and_its_2438_stays_a_typo(real_db):
    assert corroborated(real_db, NEWSSLASH_META_2014H1) == {
        "meta-deu-2014h1-all-requests_received": 2537,
        "meta-deu-2014h1-all-accounts_specified": 3078,
    }
    assert rows(
        real_db, "SELECT claimed_value, kind FROM disagreements WHERE source_id = ?", NEWSSLASH_META_2014H1
    ) == [(2438, "typo")]


BEYONDGAMES_META_2022 = "beyondgames-2023-atlasvpn-meta-requests"


def test_beyond_games_halves_and_year_sums_agree_with_the_builds(real_db):
    found = corroborated(real_db, BEYONDGAMES_META_2022)
    assert {figure_id: value for figure_id, value in found.items() if "-2022h" in figure_id} == {
        "meta-world-2022h1-all-requests_received": 237414,
        "meta-world-2022h2-all-requests_received": 239388,
        "meta-world-2022h2-all-accounts_specified": 415642,
    }
    # Its year totals are the build's sums of the halves it quotes.
    assert found["meta-world-2022-all-requests_received-derived"] == 237414 + 239388 == 476802
    assert found["meta-world-2022-all-accounts_specified-derived"] == 412285 + 415642 == 827927
    # Meta gives its share with data per half-year; Atlas VPN's yearly 76.45% is no figure.
    assert rows(real_db, "SELECT figure_id FROM figures WHERE platform_id = 'meta' AND value IN (76.45, 88.07)") == []


TE_K_ISSUE_47_ITALY = "github-te-k-issue-47"


def test_the_italian_reporters_fourth_quarter_line_corroborates_the_builds_derived_quarter(real_db):
    # Line 1 of the issue's JSON (Oct-Dec 2024: 152 requests, 401 users) was left unsaid beside line 2's year.
    assert corroborated(real_db, TE_K_ISSUE_47_ITALY) == {
        "telegram-ita-2024q4-ip_or_phone-requests_fulfilled-derived": 152,
        "telegram-ita-2024q4-ip_or_phone-accounts_affected-derived": 401,
    }
    # Whether the bot printed the quarter or the reporter subtracted is unknown: it is the build's, not a figure.
    assert rows(
        real_db,
        """SELECT COUNT(*) FROM figures WHERE platform_id = 'telegram' AND jurisdiction_id = 'ITA'
           AND period_label = '2024q4' AND is_derived = 0""",
    ) == [(0,)]
    # The issue's own cross-check: the year less its fourth quarter is the January-September report.
    year_less_quarter = {
        metric: value
        for metric, value in rows(
            real_db,
            """SELECT y.metric_id, y.value - q.value FROM figures y JOIN figures q
               ON q.figure_id = REPLACE(y.figure_id, '-2024-', '-2024q4-') || '-derived'
               WHERE y.source_id = ? AND y.period_label = '2024'""",
            TE_K_ISSUE_47_ITALY,
        )
    }
    january_september = dict(
        rows(
            real_db,
            """SELECT metric_id, value FROM figures WHERE platform_id = 'telegram' AND jurisdiction_id = 'ITA'
               AND period_start = '2024-01-01' AND period_end = '2024-09-30'""",
        )
    )
    assert year_less_quarter == january_september == {"requests_fulfilled": 6, "accounts_affected": 18}


MICROSOFT_HUB_2015H1 = "microsoft-2015-10-14-new-transparency-hub"


def test_microsofts_hub_post_share_of_requests_with_content_is_a_figure_beside_its_counts(real_db):
    # Bullet 2 ("Just 3 percent ... resulted in the disclosure of content") was left unsaid.
    recorded = dict(
        rows(
            real_db,
            "SELECT figure_id, value FROM figures WHERE source_id = ? AND metric_id LIKE 'percent%'",
            MICROSOFT_HUB_2015H1,
        )
    )
    assert recorded == {
        "microsoft-world-2015h1-all-percent_requests_content": 3,
        "microsoft-world-2015h1-all-percent_requests_rejected": 12,
    }
    (quote,) = rows(
        real_db,
        "SELECT quote FROM figures WHERE figure_id = 'microsoft-world-2015h1-all-percent_requests_content'",
    )[0]
    assert "Just 3 percent of law enforcement requests resulted in the disclosure of content" in quote
    # The post's own cross-check: its rejected count is its rejected share of its total, to the whole percent.
    counts = dict(
        rows(
            real_db,
            """SELECT metric_id, value FROM figures WHERE source_id = ? AND period_label = '2015h1'
               AND metric_id IN ('requests_received', 'requests_rejected')""",
            MICROSOFT_HUB_2015H1,
        )
    )
    assert counts == {"requests_received": 35228, "requests_rejected": 4383}
    assert round(100 * counts["requests_rejected"] / counts["requests_received"]) == 12
    # "72.7 percent" is five countries' share together: no jurisdiction holds it.
    assert rows(real_db, "SELECT figure_id FROM figures WHERE platform_id = 'microsoft' AND value = 72.7") == []


MAILBOX_ORG_2022_RELEASE = "mailbox-org-2023-02-07-pressemitteilung-transparenzbericht-2022"


def test_mailbox_orgs_2022_release_shares_of_requests_rejected_are_figures_beside_their_counts(real_db):
    # "mit 25,4 Prozent ..., verglichen mit 15,4 Prozent im Jahr 2021" was left unsaid.
    shares = dict(
        rows(
            real_db,
            """SELECT year, value FROM figures WHERE source_id = ? AND metric_id = 'percent_requests_rejected'""",
            MAILBOX_ORG_2022_RELEASE,
        )
    )
    assert shares == {2022: 25.4, 2021: 15.4}
    for (quote,) in rows(
        real_db,
        "SELECT quote FROM figures WHERE source_id = ? AND metric_id = 'percent_requests_rejected'",
        MAILBOX_ORG_2022_RELEASE,
    ):
        assert "mit 25,4 Prozent einem Viertel aller Anfragen, verglichen mit 15,4 Prozent im Jahr 2021" in quote
    # The release's own cross-check: each share is that year's first rejections over its requests to
    # within a tenth (14 of 55 is 25.45..., which the release writes 25,4; 10 of 65 is 15.38...).
    counts = {
        (year, metric): value
        for year, metric, value in rows(
            real_db,
            """SELECT year, metric_id, value FROM figures WHERE platform_id = 'mailbox_org' AND jurisdiction_id = 'WORLD'
               AND year IN (2021, 2022) AND request_type_id = 'all' AND is_derived = 0
               AND metric_id IN ('requests_received', 'requests_rejected')""",
        )
    }
    for year, share in shares.items():
        exact = 100 * counts[year, "requests_rejected"] / counts[year, "requests_received"]
        assert abs(share - exact) < 0.1, (year, share, exact)


GOOGLE_SURVEILLANCE_REFORM_2016 = "cypherpunks-2016-google-building-on-surveillance-reform"


def test_googles_2016_post_nsl_band_for_july_december_2015_is_a_disagreement_with_the_bulk_files(real_db):
    # "from 0-499 to 1-499" was left unsaid beside the bulk file's 15-499.
    assert rows(
        real_db,
        "SELECT figure_id, claimed_value, kind FROM disagreements WHERE source_id = ?",
        GOOGLE_SURVEILLANCE_REFORM_2016,
    ) == [("google-usa-2015h2-nsl-requests_received", 1, "different_value")]
    (claimed_text,) = rows(
        real_db, "SELECT claimed_text FROM disagreements WHERE source_id = ?", GOOGLE_SURVEILLANCE_REFORM_2016
    )[0]
    assert "July to December 2015 -- from 0-499 to 1-499" in claimed_text
    # The kept band is the bulk file's, and the post's is no figure of its own.
    assert rows(
        real_db,
        """SELECT value_kind, value_low, value_high, source_id != ? FROM figures
           WHERE figure_id = 'google-usa-2015h2-nsl-requests_received'""",
        GOOGLE_SURVEILLANCE_REFORM_2016,
    ) == [("band", 15, 499, 1)]
    # The post's own counts stay figures: 44,943 requests for 76,713 accounts, 64% with some data.
    assert dict(
        rows(
            real_db,
            "SELECT metric_id, value FROM figures WHERE source_id = ? AND year = 2016",
            GOOGLE_SURVEILLANCE_REFORM_2016,
        )
    ) == {"requests_received": 44943, "accounts_specified": 76713, "percent_requests_some_data": 64}


POSTEO_2016_POST = "posteo-2017-02-03-transparency-report-2016"


def test_posteos_2016_post_records_only_the_counts_it_writes_in_digits(real_db):
    # Its accounts affected by content releases ("from five to three") are words, like its content
    # and traffic-data counts: no figure may hold them.
    assert dict(rows(real_db, "SELECT figure_id, value FROM figures WHERE source_id = ?", POSTEO_2016_POST)) == {
        "posteo-world-2016-all-requests_received": 35,
        "posteo-world-2015-all-requests_received": 48,
        "posteo-world-2016-subscriber_data-requests_received": 28,
        "posteo-world-2015-subscriber_data-requests_received": 27,
    }
    # The post's own cross-check: each year's requests for user information are part of its total.
    by_kind = {
        (year, request_type): value
        for year, request_type, value in rows(
            real_db, "SELECT year, request_type_id, value FROM figures WHERE source_id = ?", POSTEO_2016_POST
        )
    }
    for year in (2015, 2016):
        assert by_kind[year, "subscriber_data"] < by_kind[year, "all"], year


MICROSOFT_LERR_2013H2_POST = "microsoft-2014-03-06-lerr-h2-2013"


def test_microsofts_july_december_2013_post_share_with_no_data_disclosed_is_a_figure(real_db):
    # "In 21 percent of all requests, no data at all was disclosed" was left unsaid.
    shares = dict(
        rows(
            real_db,
            "SELECT metric_id, value FROM figures WHERE source_id = ? AND metric_id LIKE 'percent%'",
            MICROSOFT_LERR_2013H2_POST,
        )
    )
    assert shares == {"percent_requests_content": 2.32, "percent_requests_no_data_disclosed": 21}
    # The post's own cross-check: what is left for non-content only is its "Approximately 76 percent".
    assert abs(100 - shares["percent_requests_content"] - shares["percent_requests_no_data_disclosed"] - 76) < 1
    # The approximation itself is no figure.
    assert (
        rows(
            real_db,
            """SELECT figure_id FROM figures WHERE platform_id = 'microsoft' AND jurisdiction_id = 'WORLD'
           AND period_label = '2013h2' AND metric_id = 'percent_requests_non_content'""",
        )
        == []
    )


MICROSOFT_2017_04_POST = "microsoft-2017-04-13-biannual-transparency-reports"


def test_microsofts_april_2017_post_fisa_bands_are_figures_and_corroborations(real_db):
    # Bullet 3's two periods of FISA content orders were left unsaid.
    bands = {
        figure_id: (low, high)
        for figure_id, low, high in rows(
            real_db,
            """SELECT figure_id, value_low, value_high FROM figures
               WHERE source_id = ? AND value_kind = 'band'""",
            MICROSOFT_2017_04_POST,
        )
    }
    assert bands == {
        "microsoft-usa-2015h2-fisa_content-requests_received": (0, 499),
        "microsoft-usa-2015h2-fisa_content-accounts_specified": (17500, 17999),
    }
    corroborated_bands = {
        figure_id: (low, high)
        for figure_id, low, high in rows(
            real_db,
            """SELECT f.figure_id, f.value_low, f.value_high FROM corroborations c
               JOIN figures f ON f.figure_id = c.figure_id WHERE c.source_id = ?""",
            MICROSOFT_2017_04_POST,
        )
    }
    assert corroborated_bands == {
        "microsoft-usa-2016h1-fisa_content-requests_received": (0, 499),
        "microsoft-usa-2016h1-fisa_content-accounts_specified": (12000, 12499),
    }
    (quote,) = rows(
        real_db,
        "SELECT quote FROM figures WHERE figure_id = 'microsoft-usa-2015h2-fisa_content-accounts_specified'",
    )[0]
    for low, high in [*bands.values(), *corroborated_bands.values()]:
        assert f"{low:,}-{high:,}" in quote
    # The post's own cross-check: its year totals are its halves, 2016 being this half and the one before.
    [(year_less_second_half, first_half)] = rows(
        real_db,
        """SELECT y.value - h2.value, h1.value FROM figures y, figures h2, figures h1
           WHERE y.figure_id = 'microsoft-world-2016-all-requests_received'
           AND h2.figure_id = 'microsoft-world-2016h2-all-requests_received'
           AND h1.figure_id = 'microsoft-world-2016h1-all-requests_received'""",
    )
    assert year_less_second_half == first_half


MICROSOFT_2016_09_POST = "microsoft-2016-09-29-transparency-hub-reports"


def test_microsofts_september_2016_post_fisa_bands_extend_the_series_back_a_half(real_db):
    # Bullet 3 ("0-499 ... 17,500-17,999 accounts, up from the 0-499 ... 15,500-15,999") was left unsaid.
    def bands(sql):
        return {figure_id: (low, high) for figure_id, low, high in rows(real_db, sql, MICROSOFT_2016_09_POST)}

    assert bands(
        "SELECT figure_id, value_low, value_high FROM figures WHERE source_id = ? AND value_kind = 'band'"
    ) == {
        "microsoft-usa-2015h1-fisa_content-requests_received": (0, 499),
        "microsoft-usa-2015h1-fisa_content-accounts_specified": (15500, 15999),
    }
    assert bands(
        """SELECT f.figure_id, f.value_low, f.value_high FROM corroborations c
           JOIN figures f ON f.figure_id = c.figure_id WHERE c.source_id = ?"""
    ) == {
        "microsoft-usa-2015h2-fisa_content-requests_received": (0, 499),
        "microsoft-usa-2015h2-fisa_content-accounts_specified": (17500, 17999),
    }
    # The post's "up from": the accounts' band rose from the first half of 2015 to the second.
    [(first, second)] = rows(
        real_db,
        """SELECT h1.value_low, h2.value_low FROM figures h1, figures h2
           WHERE h1.figure_id = 'microsoft-usa-2015h1-fisa_content-accounts_specified'
           AND h2.figure_id = 'microsoft-usa-2015h2-fisa_content-accounts_specified'""",
    )
    assert first < second
    # "Just over 2.5 percent" is a bound: no share of content for January-June 2016 rests on this post.
    assert (
        rows(
            real_db,
            "SELECT figure_id FROM figures WHERE source_id = ? AND metric_id LIKE 'percent%'",
            MICROSOFT_2016_09_POST,
        )
        == []
    )


TWITTER_TTR_20_POST = "twitter-2022-07-28-ttr-20"


def test_twitters_20th_report_post_gives_no_count_of_requests_for_user_information(real_db):
    # Its "47,572 demands on 198,931 accounts" are legal demands (removals), not information requests.
    assert rows(real_db, "SELECT count(*) FROM figures WHERE source_id = ?", TWITTER_TTR_20_POST) == [(0,)]
    assert rows(real_db, "SELECT count(*) FROM corroborations WHERE source_id = ?", TWITTER_TTR_20_POST) == [(0,)]
    assert (
        rows(
            real_db,
            "SELECT figure_id FROM figures WHERE platform_id = 'x' AND value IN (47572, 198931)",
        )
        == []
    )
    # The same half's information requests, from the press reading the report, are another count.
    [(information_requests,)] = rows(
        real_db, "SELECT value FROM figures WHERE figure_id = 'x-world-2021h2-all-requests_received'"
    )
    assert information_requests < 47572


def notes_name(db, source_id, *numbers):
    """Whether the source's notes name each of the numbers (as written in the source) it leaves out."""
    ((notes,),) = rows(db, "SELECT notes FROM sources WHERE source_id = ?", source_id)
    return [number for number in numbers if number not in (notes or "")] == []


MILLENNIUMPOST_X_2020H2 = "millenniumpost-2021-07-15-twitter-india-requests"


def test_millennium_posts_counts_add_up_and_its_shares_of_the_global_volume_are_explained(real_db):
    figures = dict(rows(real_db, "SELECT figure_id, value FROM figures WHERE source_id = ?", MILLENNIUMPOST_X_2020H2))
    # "14,561 ... which includes 12,109 routine and 2,452 emergency"; "3,615 requests (3,463 routine ... 152 emergency)".
    for place, total, routine, emergency in (("world", 14561, 12109, 2452), ("ind", 3615, 3463, 152)):
        assert figures[f"x-{place}-2020h2-all-requests_received"] == total == routine + emergency
        assert figures[f"x-{place}-2020h2-legal_process-requests_received"] == routine
        assert figures[f"x-{place}-2020h2-emergency-requests_received"] == emergency
    # A country's share of the world's requests is no metric here: named in the notes, never a figure.
    assert notes_name(real_db, MILLENNIUMPOST_X_2020H2, "25 per cent", "15 per cent", "22 per cent", "17 per cent")
    assert len(figures) == 7


ELISS_MICROSOFT_2013H1 = "microsoft-2013-lerr-h1-2013-via-eliss"


def test_eliss_microsofts_counts_are_figures_and_its_approximate_shares_are_explained(real_db):
    assert dict(rows(real_db, "SELECT figure_id, value FROM figures WHERE source_id = ?", ELISS_MICROSOFT_2013H1)) == {
        "microsoft-world-2013h1-all-requests_received": 37196,
        "microsoft-world-2013h1-all-accounts_specified": 66539,
        "microsoft-world-2013h1-all-percent_requests_content": 2.19,
        "microsoft-world-2012-all-requests_received": 75378,
        "microsoft-world-2012-all-accounts_specified": 137424,
    }
    # "Approximately 77 percent" and "nearly 21 percent" are the text's approximations, not Microsoft's shares.
    assert notes_name(real_db, ELISS_MICROSOFT_2013H1, "77 percent", "21 percent", "92 percent", "0.01 percent")
    assert (
        rows(
            real_db,
            "SELECT figure_id FROM figures WHERE figure_id LIKE 'microsoft-world-2013h1-%' AND value IN (77, 21, 92)",
        )
        == []
    )


THEHINDU_AMAZON_2020H2 = "thehindu-2021-02-amazon-information-requests-h2-2020"


def test_the_hindus_amazon_counts_are_figures_and_its_country_shares_are_explained(real_db):
    assert dict(rows(real_db, "SELECT figure_id, value FROM figures WHERE source_id = ?", THEHINDU_AMAZON_2020H2)) == {
        "amazon-world-2020h2-all-requests_processed": 27664,
        "amazon-world-2020h2-all-requests_content_disclosed": 52,
        "aws-world-2020h2-all-requests_processed": 523,
        "aws-world-2020h2-all-requests_content_disclosed": 15,
    }
    # A country's share of Amazon's requests is no metric here; the notes name each one left out.
    assert notes_name(real_db, THEHINDU_AMAZON_2020H2, "42%", "18.8%", "11.2%", "11.1%", "75%", "8.4%")


GAMONA_MICROSOFT_2013H1 = "gamona-2013-microsoft-transparenzbericht-h1-2013"


def test_gamonas_counts_corroborate_microsofts_and_germanys_add_up(real_db):
    found = corroborated(real_db, GAMONA_MICROSOFT_2013H1)
    assert found == {
        "microsoft-world-2013h1-all-requests_received": 37196,
        "microsoft-world-2012-all-requests_received": 75378,
        "microsoft-world-2012-all-accounts_specified": 137424,
        "microsoft-deu-2013h1-all-requests_received": 5185,
        "microsoft-deu-2013h1-all-accounts_specified": 9670,
        "microsoft-deu-2013h1-all-requests_non_content_disclosed": 4318,
        "microsoft-fra-2013h1-all-requests_received": 4379,
        "microsoft-gbr-2013h1-all-requests_received": 4404,
        "microsoft-usa-2013h1-all-requests_received": 7014,
    }
    # "bei 4318 gab Microsoft die Daten heraus - also über 83 Prozent": of 5185, with Microsoft's
    # no-data and rejected counts making up the rest ("15,9" and "0,8 Prozent", rounded).
    germany = dict(
        rows(
            real_db,
            "SELECT metric_id, value FROM figures WHERE figure_id LIKE 'microsoft-deu-2013h1-all-%' AND is_derived = 0",
        )
    )
    assert (
        germany["requests_non_content_disclosed"] + germany["requests_no_data_found"] + germany["requests_rejected"]
        == germany["requests_received"]
    )
    assert round(100 * germany["requests_no_data_found"] / germany["requests_received"], 1) == 15.9
    assert notes_name(real_db, GAMONA_MICROSOFT_2013H1, "über 83", "15,9", "0,8")


LIVEMINT_X_2020 = "livemint-2021-07-14-twitter-india-largest-source"


def test_mints_two_worldwide_totals_are_a_figure_and_a_corroboration(real_db):
    # "12,657 and 14561, respectively, during the Jan-Jun and July-December period".
    assert dict(rows(real_db, "SELECT figure_id, value FROM figures WHERE source_id = ?", LIVEMINT_X_2020)) == {
        "x-world-2020h1-all-requests_received": 12657
    }
    assert corroborated(real_db, LIVEMINT_X_2020) == {
        "x-world-2020h2-all-requests_received": 14561,
        "x-ind-2020h1-emergency-requests_received": 246,
        "x-ind-2020h2-all-requests_received": 3615,
        "x-ind-2020h2-legal_process-requests_received": 3463,
        "x-ind-2020h2-emergency-requests_received": 152,
    }


HOTHARDWARE_AMAZON_2020H1 = "hothardware-2020-amazon-transparency-h1-2020"
HITECHGLITZ_AMAZON_2020H1 = "hitechglitz-2020-amazon-police-requirements-h1-2020"


def test_hothardwares_amazon_counts_are_recorded_and_its_computed_shares_explained(real_db):
    assert corroborated(real_db, HOTHARDWARE_AMAZON_2020H1) == {
        "amazon-usa-2020h1-subpoena-requests_received": 2416,
        "amazon-usa-2020h1-search_warrant-requests_received": 543,
        "amazon-usa-2020h1-court_order-requests_received": 146,
    }
    assert dict(
        rows(real_db, "SELECT figure_id, value FROM figures WHERE source_id = ?", HOTHARDWARE_AMAZON_2020H1)
    ) == {"amazon-intl-2020h1-all-requests_received": 177}
    # Shares computed by the press from Amazon's response counts, and those counts, which no metric holds.
    assert notes_name(real_db, HOTHARDWARE_AMAZON_2020H1, "70%", "79%", "74%", "92%", "10 cases")
    assert (
        rows(real_db, "SELECT figure_id FROM figures WHERE platform_id = 'amazon' AND value IN (70, 79, 74, 92)") == []
    )


def test_hitechglitzs_amazon_counts_are_corroborations_but_its_broken_146(real_db):
    assert corroborated(real_db, HITECHGLITZ_AMAZON_2020H1) == {
        "amazon-usa-2020h1-subpoena-requests_received": 2416,
        "amazon-usa-2020h1-search_warrant-requests_received": 543,
        "amazon-intl-2020h1-all-requests_received": 177,
    }
    ((low, high),) = rows(
        real_db, "SELECT value_low, value_high FROM figures WHERE source_id = ?", HITECHGLITZ_AMAZON_2020H1
    )
    assert (low, high) == (0, 249)
    # Its court orders stand as "1" and "46 court rulings" on two lines: no quote holds 146.
    assert notes_name(real_db, HITECHGLITZ_AMAZON_2020H1, "46 court rulings", "70%", "92%")


CDRINFO_MICROSOFT_2013H2 = "cdrinfo-2014-microsoft-lerr-h2-2013"


def test_cdrinfos_microsoft_counts_corroborate_and_its_rounded_shares_and_enterprise_accounts_are_explained(real_db):
    assert corroborated(real_db, CDRINFO_MICROSOFT_2013H2) == {
        "microsoft-world-2013h2-all-requests_received": 35083,
        "microsoft-world-2013h2-all-accounts_specified": 58676,
        "microsoft-world-2013h2-all-percent_requests_content": 2.32,
    }
    assert notes_name(real_db, CDRINFO_MICROSOFT_2013H2, "76 percent", "21 percent", "80 percent", "15 accounts")
    # The enterprise customers' 15 accounts are no worldwide figure: no request type holds them.
    assert (
        rows(
            real_db,
            "SELECT figure_id FROM figures WHERE figure_id LIKE 'microsoft-world-2013h2-%' AND value = 15",
        )
        == []
    )


THEREGISTER_MICROSOFT_2020H2 = "theregister-2021-04-microsoft-25000-consumer-data-requests"


def test_the_registers_shares_rejected_are_figures_and_its_2019_count_a_corroboration(real_db):
    # "Microsoft rejected 25.81 per cent of requests in the last six months of 2020, up on the 20.14
    # per cent of the same period in 2019."
    assert dict(
        rows(real_db, "SELECT figure_id, value FROM figures WHERE source_id = ?", THEREGISTER_MICROSOFT_2020H2)
    ) == {
        "microsoft-world-2020h2-legal_process-percent_requests_rejected": 25.81,
        "microsoft-world-2019h2-legal_process-percent_requests_rejected": 20.14,
    }
    assert corroborated(real_db, THEREGISTER_MICROSOFT_2020H2) == {
        "microsoft-world-2020h2-legal_process-requests_received": 24798,
        "microsoft-world-2020h1-legal_process-requests_received": 24093,
        "microsoft-world-2019h2-legal_process-requests_received": 21781,
    }
    # Its "almost 25,000" is its own 24,798 approximated: no figure.
    assert rows(real_db, "SELECT figure_id FROM figures WHERE platform_id = 'microsoft' AND value = 25000") == []


TECHREPUBLIC_MICROSOFT_2020H2 = "techrepublic-microsoft-digital-trust-reports-h2-2020"


def test_techrepublics_close_to_25_percent_rejected_disagrees_with_the_registers_25_81(real_db):
    assert rows(
        real_db,
        """SELECT d.claimed_value, d.kind, f.value, f.source_id FROM disagreements d
           JOIN figures f ON f.figure_id = d.figure_id WHERE d.source_id = ?""",
        TECHREPUBLIC_MICROSOFT_2020H2,
    ) == [(25, "rounded", 25.81, THEREGISTER_MICROSOFT_2020H2)]
    assert corroborated(real_db, TECHREPUBLIC_MICROSOFT_2020H2) == {
        "microsoft-world-2020h2-legal_process-requests_received": 24798,
        "microsoft-world-2020h1-legal_process-requests_received": 24093,
    }


EWEEK_MICROSOFT_2015H2 = "eweek-2016-03-30-microsoft-requests-h2-2015"


def test_eweeks_counts_for_both_halves_of_2015_are_corroborations(real_db):
    found = corroborated(real_db, EWEEK_MICROSOFT_2015H2)
    assert found == {
        "microsoft-world-2015h1-all-requests_received": 35228,
        "microsoft-world-2015h1-all-accounts_specified": 62750,
        "microsoft-world-2015h2-all-requests_received": 39083,
        "microsoft-tur-2015h2-all-requests_received": 9169,
        "microsoft-fra-2015h2-all-requests_received": 6280,
        "microsoft-usa-2015h2-all-requests_received": 5297,
        "microsoft-gbr-2015h2-all-requests_received": 5254,
        "microsoft-deu-2015h2-all-requests_received": 4026,
    }
    # "These five nations represented 76.8 percent of all law enforcement inquiries": the article's
    # five counts make that share of its 39,083, to the tenth.
    five = (
        sum(value for figure_id, value in found.items() if figure_id.endswith("2015h2-all-requests_received")) - 39083
    )
    assert round(100 * five / 39083, 1) == 76.8


CLANOFIDIOTS_X_2012H1 = "clanofidiots-2012-first-twitter-transparency-report"


def test_the_forum_reposts_japanese_requests_are_a_figure_within_the_worldwide_total(real_db):
    figures = dict(rows(real_db, "SELECT figure_id, value FROM figures WHERE source_id = ?", CLANOFIDIOTS_X_2012H1))
    # "849 user information requests, 679 of which came from the U.S. government. Officials in Japan
    # were the second most curious, accounting for 98 requests for user information."
    assert figures == {
        "x-world-2012h1-all-requests_received": 849,
        "x-usa-2012h1-all-requests_received": 679,
        "x-jpn-2012h1-all-requests_received": 98,
    }
    assert figures["x-usa-2012h1-all-requests_received"] + figures["x-jpn-2012h1-all-requests_received"] < 849


HARDWARELUXX_MICROSOFT_2013H1 = "hardwareluxx-2013-microsoft-transparenzbericht-h1-2013"


def test_hardwareluxxs_counts_corroborate_and_its_4319_disagrees_with_microsofts_4318(real_db):
    assert corroborated(real_db, HARDWARELUXX_MICROSOFT_2013H1) == {
        "microsoft-world-2013h1-all-requests_received": 37196,
        "microsoft-world-2013h1-all-accounts_specified": 66539,
        "microsoft-world-2013h1-all-percent_requests_content": 2.19,
        "microsoft-world-2012-all-requests_received": 75378,
        "microsoft-world-2012-all-accounts_specified": 137424,
        "microsoft-deu-2013h1-all-requests_received": 5185,
        "microsoft-deu-2013h1-all-accounts_specified": 9670,
    }
    ((claimed, kept),) = rows(
        real_db,
        """SELECT d.claimed_value, f.value FROM disagreements d JOIN figures f ON f.figure_id = d.figure_id
           WHERE d.source_id = ?""",
        HARDWARELUXX_MICROSOFT_2013H1,
    )
    # "In 83,3 Prozent der Fälle ... was 4.319 Fällen entspricht": its rounded share of 5.185, one
    # more than Microsoft's count.
    assert (claimed, kept) == (4319, 4318) and round(0.833 * 5185) == claimed


MEDIANAMA_X_INDIA_2020H1 = "medianama-2021-01-twitter-india-information-requests-h1-2020"


def test_medianamas_india_counts_for_the_half_before_are_figures(real_db):
    figures = dict(
        rows(
            real_db,
            "SELECT figure_id, value FROM figures WHERE source_id = ? AND year = 2019",
            MEDIANAMA_X_INDIA_2020H1,
        )
    )
    # "more than thrice the amount of requests (789) sent in July-December 2019"; "6,346 accounts
    # were specified, an increase of 120% from 2,873 accounts in the previous period".
    assert figures == {"x-ind-2019h2-all-requests_received": 789, "x-ind-2019h2-all-accounts_specified": 2873}
    ((requests_2020h1,),) = rows(
        real_db, "SELECT value FROM figures WHERE figure_id = 'x-ind-2020h1-all-requests_received'"
    )
    assert requests_2020h1 > 3 * figures["x-ind-2019h2-all-requests_received"]
    ((accounts_2020h1,),) = rows(
        real_db, "SELECT value FROM figures WHERE figure_id = 'x-ind-2020h1-all-accounts_specified'"
    )
    # "an increase of 120%": 6,346 on 2,873 is 120.9%, cut to the whole per cent.
    assert int(100 * (accounts_2020h1 / figures["x-ind-2019h2-all-accounts_specified"] - 1)) == 120


REDDIT_2014_PRESS = {
    "techi-reddit-first-transparency-report-2014": {
        "reddit-world-2014-all_with_civil-percent_requests_complied": 58,
    },
    "thehill-reddit-complies-government-subpoenas-2014": {
        "reddit-world-2014-all_with_civil-requests_received": 55,
        "meta-usa-2014h1-all-requests_received": 15433,
    },
}


@pytest.mark.parametrize("source_id", sorted(REDDIT_2014_PRESS))
def test_reddits_2014_press_counts_corroborate_one_another(real_db, source_id):
    assert corroborated(real_db, source_id) == REDDIT_2014_PRESS[source_id]


def test_silicon_republics_55_individuals_and_17_subpoenas_are_no_figures(real_db):
    # Reddit's 55 are requests for 78 accounts; the 17 answered subpoenas are of a count the press disputes.
    assert dict(
        rows(
            real_db,
            "SELECT metric_id, value FROM figures WHERE platform_id = 'reddit' AND year = 2014 AND is_derived = 0",
        )
    ) == {"requests_received": 55, "accounts_specified": 78, "percent_requests_complied": 58}
    assert notes_name(real_db, "siliconrepublic-reddit-complied-government-data-requests-2014", "55 individuals", "17")


TECHOSTA_X_INDIA_2017H2 = "techosta-2018-twitter-india-h2-2017"


def test_techostas_january_june_2017_count_corroborates_twitters_file(real_db):
    # "315 Twitter account information requests, up from 261 made during the January-June period".
    assert corroborated(real_db, TECHOSTA_X_INDIA_2017H2) == {"x-ind-2017h1-all-requests_received": 261}
    assert dict(rows(real_db, "SELECT figure_id, value FROM figures WHERE source_id = ?", TECHOSTA_X_INDIA_2017H2)) == {
        "x-ind-2017h2-all-requests_received": 315,
        "x-ind-2017h2-all-percent_requests_some_data": 15,
    }


ZDNET_MICROSOFT_2015H1 = "zdnet-microsoft-transparency-report-h1-2015"


def test_zdnets_us_and_uk_counts_of_january_june_2015_corroborate_the_extraction(real_db):
    assert corroborated(real_db, ZDNET_MICROSOFT_2015H1) == {
        "microsoft-world-2015h1-all-requests_received": 35228,
        "microsoft-world-2015h1-all-accounts_specified": 62750,
        "microsoft-usa-2015h1-all-requests_received": 5940,
        "microsoft-gbr-2015h1-all-requests_received": 5680,
    }
    # "content was turned over in 11 percent of cases": the extraction's count makes 11.63%, so the
    # article's share is cut, not Microsoft's.
    ((content,),) = rows(
        real_db, "SELECT value FROM figures WHERE figure_id = 'microsoft-usa-2015h1-all-requests_content_disclosed'"
    )
    assert int(100 * content / 5940) == 11 and round(100 * content / 5940, 2) == 11.63


ZDNET_MICROSOFT_US_2020 = "zdnet-microsoft-us-law-enforcement-requests-2020"


def test_zdnets_us_halves_of_2020_corroborate_and_its_year_total_is_the_builds_sum(real_db):
    found = corroborated(real_db, ZDNET_MICROSOFT_US_2020)
    # "5,682 legal requests ... 5,507 requests ... for a total of 11,189 for the year".
    assert {figure_id: value for figure_id, value in found.items() if figure_id.startswith("microsoft-usa-")} == {
        "microsoft-usa-2020h2-legal_process-requests_received": 5682,
        "microsoft-usa-2020h1-legal_process-requests_received": 5507,
        "microsoft-usa-2020-legal_process-requests_received-derived": 11189,
    }
    halves = (
        found["microsoft-usa-2020h1-legal_process-requests_received"]
        + found["microsoft-usa-2020h2-legal_process-requests_received"]
    )
    assert found["microsoft-usa-2020-legal_process-requests_received-derived"] == halves
    assert rows(
        real_db,
        "SELECT is_derived FROM figures WHERE figure_id = 'microsoft-usa-2020-legal_process-requests_received-derived'",
    ) == [(1,)]


INQUIRER_MICROSOFT_2017H2 = "theinquirer-2018-04-23-microsoft-gov-data-requests-2017"
REGISTER_MICROSOFT_2017H2 = "theregister-2018-04-20-microsoft-government-requests-all-time-low"


def test_the_inquirers_microsoft_shares_of_2017_are_figures_that_leave_room_for_no_data(real_db):
    shares = dict(rows(real_db, "SELECT figure_id, value FROM figures WHERE source_id = ?", INQUIRER_MICROSOFT_2017H2))
    assert shares == {
        "microsoft-world-2017h2-legal_process-percent_requests_rejected": 17.41,
        "microsoft-world-2017h1-legal_process-percent_requests_rejected": 16.63,
        "microsoft-world-2017h2-legal_process-percent_requests_non_content": 61.35,
        "microsoft-world-2017h2-legal_process-percent_requests_content": 3.93,
    }
    # The article calls 61.35 a share of the cases complied with; as shares of all requests, the
    # three leave 17.31 per cent for no data found, and its "83 per cent" is 100 less the 17.41.
    second_half = [value for figure_id, value in shares.items() if "2017h2" in figure_id]
    assert round(100 - sum(second_half), 2) == 17.31
    assert round(100 - shares["microsoft-world-2017h2-legal_process-percent_requests_rejected"]) == 83


def test_the_register_and_the_inquirer_corroborate_microsofts_july_december_2017_counts(real_db):
    both = {
        "microsoft-world-2017h2-legal_process-requests_received": 22939,
        "microsoft-usa-2017h2-legal_process-requests_received": 3984,
    }
    assert corroborated(real_db, REGISTER_MICROSOFT_2017H2) == {
        **both,
        "microsoft-world-2017h2-legal_process-percent_requests_rejected": 17.41,
    }
    assert corroborated(real_db, INQUIRER_MICROSOFT_2017H2) == {
        **both,
        "microsoft-world-2017h2-legal_process-accounts_specified": 40181,
        "google-world-2017h1-all-requests_received": 48941,
    }


AMAZON_2020H2_COPIES = {
    "cnet-2021-02-amazon-record-user-data-requests": {
        "amazon-world-2020h2-all-requests_processed": 27664,
        "amazon-world-2020h2-all-requests_content_disclosed": 52,
        "aws-world-2020h2-all-requests_processed": 523,
    },
    "allglobalnews-amazon-requests-spiked-800-2020": {
        "amazon-world-2020h2-all-requests_content_disclosed": 52,
        "aws-world-2020h2-all-requests_processed": 523,
        "aws-world-2020h2-all-requests_content_disclosed": 15,
    },
    "thetechportal-2021-02-01-amazon-27664-demands-h2-2020": {
        "amazon-world-2020h2-all-requests_processed": 27664,
        "amazon-world-2020h2-all-requests_content_disclosed": 52,
        "aws-world-2020h2-all-requests_processed": 523,
        "aws-world-2020h2-all-requests_content_disclosed": 15,
    },
}


@pytest.mark.parametrize("source_id", sorted(AMAZON_2020H2_COPIES))
def test_the_copies_of_techcrunchs_amazon_july_december_2020_counts_corroborate(real_db, source_id):
    assert corroborated(real_db, source_id) == AMAZON_2020H2_COPIES[source_id]


def test_the_3222_for_january_june_2020_is_no_total_of_amazons(real_db):
    # Amazon gave no total for January-June 2020; 3,222 is TechCrunch's, which two copies repeat.
    assert rows(
        real_db, "SELECT source_id, figure_id FROM disagreements WHERE claimed_value = 3222 ORDER BY source_id"
    ) == [
        ("allglobalnews-amazon-requests-spiked-800-2020", None),
        ("thetechportal-2021-02-01-amazon-27664-demands-h2-2020", None),
    ]
    assert rows(real_db, "SELECT figure_id FROM figures WHERE platform_id = 'amazon' AND value IN (3222, 3282)") == []


PROTON_PRESS = {
    "weeklynewsreview-2023-08-19-proton-5957": {
        "proton-world-2022-all-requests_complied": 5957,
        "proton-world-2021-all-requests_complied": 4920,
    },
    "tarnkappe-2025-proton-transparenzbericht-2024": {
        "proton-world-2018-all-requests_received": 340,
        "proton-world-2019-all-requests_received": 1594,
        "proton-world-2020-all-requests_received": 3767,
    },
    "steigerlegal-2025-07-28-proton-transparenzbericht-2024": {
        "proton-world-2018-all-requests_received": 340,
        "proton-world-2019-all-requests_received": 1594,
        "proton-world-2020-all-requests_received": 3767,
        "proton-world-2024-all-requests_received": 11023,
    },
}


@pytest.mark.parametrize("source_id", sorted(PROTON_PRESS))
def test_the_presss_earlier_proton_counts_corroborate_protons_page(real_db, source_id):
    assert corroborated(real_db, source_id) == PROTON_PRESS[source_id]


def test_protons_2024_rise_is_the_presss_rounded_72_percent(real_db):
    received = dict(
        rows(
            real_db,
            "SELECT year, value FROM figures WHERE platform_id = 'proton' AND metric_id = 'requests_received'"
            " AND year IN (2023, 2024) AND is_derived = 0",
        )
    )
    # "rund 72 Prozent mehr" than 2023: 11,023 on 6,378 is 72.8%, cut rather than rounded, so no figure.
    rise = 100 * (received[2024] / received[2023] - 1)
    assert int(rise) == 72 and round(rise) == 73


NEWSY_MAILBOX_2025 = "newsy-today-2026-mailbox-transparency-report-2025"


def test_newsy_todays_mailbox_counts_corroborate_and_its_answered_56_is_no_figure(real_db):
    found = corroborated(real_db, NEWSY_MAILBOX_2025)
    assert found == {
        "mailbox_org-world-2025-all-requests_received": 74,
        "mailbox_org-world-2025-all-requests_rejected": 18,
    }
    # "a total of 56 requests being answered. However, 18 requests ... were rejected": 56 + 18 = 74.
    assert (
        found["mailbox_org-world-2025-all-requests_received"] - found["mailbox_org-world-2025-all-requests_rejected"]
        == 56
    )
    assert rows(real_db, "SELECT figure_id FROM figures WHERE platform_id = 'mailbox_org' AND value = 56") == []
    assert notes_name(real_db, NEWSY_MAILBOX_2025, "56", "63", "27", "15")


X_INDIA_2020H2_PRESS = {
    LIVEMINT_X_2020: {
        "x-world-2020h2-all-requests_received": 14561,
        "x-ind-2020h2-all-requests_received": 3615,
        "x-ind-2020h2-legal_process-requests_received": 3463,
        "x-ind-2020h2-emergency-requests_received": 152,
    },
    "scroll-2021-07-twitter-india-most-information-requests": {
        "x-ind-2020h2-legal_process-requests_received": 3463,
        "x-ind-2020h2-emergency-requests_received": 152,
    },
    "yahoo-in-2021-07-india-overtakes-us-twitter-requests": {"x-world-2020h2-all-requests_received": 14561},
}


@pytest.mark.parametrize("source_id", sorted(X_INDIA_2020H2_PRESS))
def test_the_presss_india_counts_of_july_december_2020_corroborate(real_db, source_id):
    found = corroborated(real_db, source_id)
    assert {figure_id: value for figure_id, value in found.items() if "2020h2" in figure_id} == X_INDIA_2020H2_PRESS[
        source_id
    ]


def test_yahoos_worldwide_accounts_of_july_december_2020_are_a_figure(real_db):
    # "14,561 requests for information on 51,584 accounts globally in the six-month period".
    assert rows(
        real_db,
        "SELECT figure_id, value FROM figures WHERE source_id = 'yahoo-in-2021-07-india-overtakes-us-twitter-requests'",
    ) == [("x-world-2020h2-all-accounts_specified", 51584)]


def test_posteos_2017_press_counts_by_authority_and_lawfulness_are_no_figures(real_db):
    # "Von den insgesamt 48 Anfragen kamen 44 von Strafverfolgungsbehörden und vier von Nachrichtendiensten."
    assert rows(
        real_db, "SELECT figure_id, value FROM figures WHERE platform_id = 'posteo' AND year = 2017 AND is_derived = 0"
    ) == [("posteo-world-2017-all-requests_received", 48)]
    assert notes_name(real_db, "netzpolitik-2018-posteo-verpflichtende-transparenzberichte", "44", "18", "42 Prozent")
    assert notes_name(real_db, "heise-2018-01-posteo-transparenzbericht-2017", "15 Prozent", "42 Prozent")


def test_android_polices_country_counts_of_unknown_scope_are_no_figures(real_db):
    # The paragraph calls Twitter's 47,572 removal demands information requests (a recorded
    # disagreement); its country counts beside them are of unknown scope.
    assert rows(real_db, "SELECT figure_id FROM figures WHERE platform_id = 'x' AND value = 634") == []
    assert notes_name(real_db, "androidpolice-2022-07-twitter-account-data-requests", "634", "69%")


TECHTIMES_REDDIT_2014 = "techtimes-2015-01-31-reddit-first-transparency-report"


def test_tech_times_reddit_total_corroborates_and_its_42_percent_is_the_complement(real_db):
    assert corroborated(real_db, TECHTIMES_REDDIT_2014) == {"reddit-world-2014-all_with_civil-requests_received": 55}
    ((complied,),) = rows(
        real_db,
        "SELECT value FROM figures WHERE figure_id = 'reddit-world-2014-all_with_civil-percent_requests_complied'",
    )
    # "refused 42 percent of all government and civil requests": 100 less the 58% complied with.
    assert 100 - complied == 42
    assert notes_name(real_db, TECHTIMES_REDDIT_2014, "29", "17")
    # "Google received a total of 31,968 requests over 2014's first half": Google's own count is
    # 31,698, so the transposed number is no figure.
    assert rows(real_db, "SELECT figure_id FROM figures WHERE source_id = ?", TECHTIMES_REDDIT_2014) == []
    assert notes_name(real_db, TECHTIMES_REDDIT_2014, "31,968", "31,698")


INDIANEXPRESS_TIKTOK_2019H1 = "indianexpress-2020-01-03-tiktok-first-transparency-report"


def test_indian_express_worded_and_approximate_india_counts_are_firstposts_figures_not_its_corroborations(real_db):
    # "eight emergency requests" (in words) and "around 47 per cent" (an approximation) agree with
    # TikTok's table, whose figures rest on Firstpost; the article corroborates neither.
    kept = dict(
        rows(
            real_db,
            "SELECT figure_id, value FROM figures WHERE source_id = ? AND figure_id IN (?, ?)",
            FIRSTPOST_TIKTOK_2019H1,
            "tiktok-ind-2019h1-emergency-requests_received",
            "tiktok-ind-2019h1-all-percent_requests_some_data",
        )
    )
    assert kept == {
        "tiktok-ind-2019h1-emergency-requests_received": 8,
        "tiktok-ind-2019h1-all-percent_requests_some_data": 47,
    }
    assert set(corroborated(real_db, INDIANEXPRESS_TIKTOK_2019H1)).isdisjoint(kept)
    assert len(corroborated(real_db, INDIANEXPRESS_TIKTOK_2019H1)) == 7


SAMAJWEEKLY_APPLE_2018H2 = "samajweekly-2019-apple-india-h2-2018"


def test_samajweeklys_india_counts_of_july_december_2018_are_corroborations_and_its_devices_requests(real_db):
    # "28 financial identifiers, 18 accounts and 8 emergency requests" are Apple's own for India.
    assert {
        figure_id: value
        for figure_id, value in corroborated(real_db, SAMAJWEEKLY_APPLE_2018H2).items()
        if figure_id.startswith("apple-ind-")
    } == {
        "apple-ind-2018h2-device-percent_requests_some_data": 47,
        "apple-ind-2018h2-emergency-percent_requests_some_data": 75,
        "apple-ind-2018h2-financial_identifier-percent_requests_some_data": 57,
        "apple-ind-2018h2-financial_identifier-identifiers_specified": 28,
        "apple-ind-2018h2-account-accounts_specified": 18,
        "apple-ind-2018h2-emergency-requests_received": 8,
    }
    # Its "49 devices", "27 devices" and "(23 devices)" are Apple's device requests, which name
    # far more devices: the disagreements keep the requests.
    claimed = rows(
        real_db,
        """SELECT d.claimed_value, f.metric_id, f.value, d.kind FROM disagreements d
           JOIN figures f ON f.figure_id = d.figure_id WHERE d.source_id = ? ORDER BY d.claimed_value""",
        SAMAJWEEKLY_APPLE_2018H2,
    )
    assert claimed == [
        (23, "requests_fulfilled", 23, "swapped_requests_users"),
        (27, "requests_received", 27, "swapped_requests_users"),
        (49, "requests_received", 49, "swapped_requests_users"),
    ]
    devices = dict(
        rows(
            real_db,
            "SELECT period_label, value FROM figures WHERE figure_id IN (?, ?)",
            "apple-ind-2018h1-device-identifiers_specified",
            "apple-ind-2018h2-device-identifiers_specified",
        )
    )
    assert devices == {"2018h1": 379, "2018h2": 267}


TIMESOFINDIA_GOOGLE_2017H1 = "timesofindia-2017-google-user-data-requests-h1-2017"


def test_times_of_indias_2075_indian_requests_with_data_is_its_arithmetic_and_no_figure(real_db):
    india = dict(
        rows(
            real_db,
            "SELECT metric_id, value FROM figures WHERE source_id = ? AND jurisdiction_id = 'IND'",
            TIMESOFINDIA_GOOGLE_2017H1,
        )
    )
    assert india == {"requests_received": 3843, "accounts_specified": 6343, "percent_requests_some_data": 54}
    # "Google produced some data for 2,075, or 54%": Google gives the share, the count is 54% of 3,843.
    assert round(india["requests_received"] * india["percent_requests_some_data"] / 100) == 2075
    assert rows(real_db, "SELECT figure_id FROM figures WHERE platform_id = 'google' AND value = 2075") == []


INDIANEXPRESS_APPLE_2018H1 = "indianexpress-2018-12-25-apple-transparency-india"


def test_indian_expresss_approximate_identifier_counts_of_january_june_2018_corroborate_nothing(real_db):
    # "around 379 identifiers" and "over 3,199 identifiers": Apple's own are 379 and 3,199.
    identifiers = dict(
        rows(
            real_db,
            "SELECT request_type_id, value FROM figures WHERE jurisdiction_id = 'IND' AND period_label = '2018h1'"
            " AND platform_id = 'apple' AND metric_id = 'identifiers_specified'",
        )
    )
    assert identifiers == {"device": 379, "financial_identifier": 3199}
    corroborations = corroborated(real_db, INDIANEXPRESS_APPLE_2018H1)
    assert not any(figure_id.endswith("-identifiers_specified") for figure_id in corroborations)
    assert len(corroborations) == 6


STAYUPD8TED_APPLE_2018H1 = "stayupd8ted-2018-12-apple-report-h1-2018"


def test_stayupd8teds_us_account_requests_are_a_corroboration_and_its_financial_identifiers_requests(real_db):
    corroborations = corroborated(real_db, STAYUPD8TED_APPLE_2018H1)
    assert corroborations["apple-usa-2018h1-account-requests_received"] == 2397
    assert len(corroborations) == 5
    # "asked for 918 financial identifiers": 918 is Apple's count of requests, naming 14,556 identifiers.
    assert rows(
        real_db,
        """SELECT d.claimed_value, d.kind, f.metric_id, f.value FROM disagreements d
           JOIN figures f ON f.figure_id = d.figure_id WHERE d.source_id = ?""",
        STAYUPD8TED_APPLE_2018H1,
    ) == [(918, "swapped_requests_users", "requests_received", 918)]
    assert rows(
        real_db,
        "SELECT value FROM figures WHERE figure_id = 'apple-usa-2018h1-financial_identifier-identifiers_specified'",
    ) == [(14556,)]


DAILYTECHFEED_APPLE_PUSH = "thedailytechfeed-2025-apple-push-requests"


def test_daily_tech_feeds_country_list_for_july_december_2023_is_corroborations(real_db):
    corroborations = corroborated(real_db, DAILYTECHFEED_APPLE_PUSH)
    assert {figure_id: value for figure_id, value in corroborations.items() if "-2023h2-" in figure_id} == {
        "apple-usa-2023h2-push_token-requests_received": 99,
        "apple-usa-2023h2-push_token-identifiers_specified": 345,
        "apple-usa-2023h2-push_token-requests_fulfilled": 65,
        "apple-gbr-2023h2-push_token-requests_received": 123,
        "apple-gbr-2023h2-push_token-requests_fulfilled": 111,
    }
    # Germany's "five of its requests", in words, is Apple's 5 for the same half.
    assert rows(
        real_db, "SELECT value FROM figures WHERE figure_id = 'apple-deu-2023h2-push_token-requests_fulfilled'"
    ) == [(5,)]


JNEWS_GEORGIA = "jnews-2025-05-03-meta-georgia-requests"


def test_jnews_georgian_share_of_january_june_2023_is_a_corroboration_beside_its_swapped_149(real_db):
    corroborations = corroborated(real_db, JNEWS_GEORGIA)
    assert corroborations == {
        "meta-geo-2024h1-all-requests_received": 30,
        "meta-geo-2024h1-all-accounts_specified": 47,
        "meta-geo-2024h1-all-percent_requests_some_data": 76.7,
        "meta-geo-2023h1-all-percent_requests_some_data": 93.62,
    }
    # The same sentence's 149 "запросов" is the 149 users/accounts of Meta's table (47 requests).
    assert rows(
        real_db,
        "SELECT metric_id, value FROM figures WHERE figure_id LIKE 'meta-geo-2023h1-all-%' AND metric_id != 'percent_requests_some_data'"
        " ORDER BY metric_id",
    ) == [("accounts_specified", 149), ("requests_received", 47)]


INDIAREPORTING_META_2020H2 = "indiareporting-2021-05-20-facebook-india-h2-2020"


def test_india_reportings_whole_number_share_for_july_december_2020_is_no_figure(real_db):
    # "in 52% of cases, some data was presented": Meta gives two decimals, so 52 may be rounded.
    recorded = dict(
        rows(
            real_db,
            "SELECT figure_id, value FROM figures WHERE source_id = ? AND is_derived = 0",
            INDIAREPORTING_META_2020H2,
        )
    )
    assert recorded == {
        "meta-ind-2020h2-all-accounts_specified": 62754,
        "meta-ind-2020h2-all-requests_received": 40300,
        "meta-ind-2020h2-emergency-requests_received": 2435,
        "meta-ind-2020h2-legal_process-requests_received": 37865,
    }
    assert (
        recorded["meta-ind-2020h2-legal_process-requests_received"]
        + recorded["meta-ind-2020h2-emergency-requests_received"]
        == recorded["meta-ind-2020h2-all-requests_received"]
    )
    assert (
        rows(
            real_db, "SELECT figure_id FROM figures WHERE figure_id = 'meta-ind-2020h2-all-percent_requests_some_data'"
        )
        == []
    )


BFMTV_TELEGRAM_2024Q3 = "bfmtv-2024-10-03-telegram-requetes-france"


def test_bfmtvs_worded_second_quarter_and_its_rise_are_no_corroboration(real_db):
    fulfilled = dict(
        rows(
            real_db,
            "SELECT period_label, value FROM figures WHERE platform_id = 'telegram' AND jurisdiction_id = 'FRA'"
            " AND metric_id = 'requests_fulfilled' AND period_label IN ('2024q1', '2024q2', '2024q3')",
        )
    )
    assert fulfilled == {"2024q1": 4, "2024q2": 6, "2024q3": 210}
    # "une hausse de 5.150%" is the article's own: from 4 in the first quarter to 210 in the third.
    assert (fulfilled["2024q3"] - fulfilled["2024q1"]) * 100 / fulfilled["2024q1"] == 5150
    assert "telegram-fra-2024q2-ip_or_phone-requests_fulfilled" not in corroborated(real_db, BFMTV_TELEGRAM_2024Q3)


BFMTV_TELEGRAM_2024 = "bfmtv-2025-01-07-telegram-france-2024"


def test_bfmtvs_french_year_article_corroborates_its_third_and_first_quarters_too(real_db):
    assert corroborated(real_db, BFMTV_TELEGRAM_2024) == {
        "telegram-fra-2024-ip_or_phone-requests_fulfilled": 893,
        "telegram-fra-2024-ip_or_phone-accounts_affected": 2072,
        "telegram-fra-2024q4-ip_or_phone-requests_fulfilled": 673,
        "telegram-fra-2024q4-ip_or_phone-accounts_affected": 1386,
        "telegram-fra-2024q3-ip_or_phone-requests_fulfilled": 210,
        "telegram-fra-2024q3-ip_or_phone-accounts_affected": 632,
        "telegram-fra-2024q1-ip_or_phone-accounts_affected": 17,
    }


NETZPOLITIK_TELEGRAM_2024 = "netzpolitik-2025-01-telegram-mehr-daten"


def test_netzpolitiks_india_counts_are_corroborations_and_its_fourth_quarter_the_builds(real_db):
    corroborations = corroborated(real_db, NETZPOLITIK_TELEGRAM_2024)
    assert corroborations["telegram-ind-2024-ip_or_phone-requests_fulfilled"] == 14641
    assert corroborations["telegram-ind-2024-ip_or_phone-accounts_affected"] == 23535
    assert len(corroborations) == 6
    # "892 Auskünfte im vierten Quartal" is 945 less 53: the build's complement, never typed.
    assert rows(
        real_db,
        "SELECT value, is_derived FROM figures WHERE platform_id = 'telegram' AND jurisdiction_id = 'DEU'"
        " AND period_label = '2024q4' AND metric_id = 'requests_fulfilled'",
    ) == [(892, 1)]


PAGEGOO_APPLE_PUSH = "pagegoo-2025-06-apple-push-approvals"


def test_pagegoos_76_percent_for_early_2023_rests_on_no_figure(real_db):
    assert (
        rows(
            real_db,
            "SELECT figure_id FROM figures WHERE figure_id = 'apple-world-2023h1-push_token-percent_requests_some_data'",
        )
        == []
    )
    assert corroborated(real_db, PAGEGOO_APPLE_PUSH) == {
        "apple-world-2023h1-push_token-requests_received": 158,
        "apple-world-2024h1-push_token-requests_received": 277,
        "apple-world-2024h1-push_token-percent_requests_some_data": 59,
    }


STATESMAN_APPLE_2018H1 = "thestatesman-2018-12-apple-transparency-india"


def test_statesmans_india_device_counts_are_corroborations_and_its_accounts_and_identifiers_requests(real_db):
    corroborations = corroborated(real_db, STATESMAN_APPLE_2018H1)
    assert {figure_id: value for figure_id, value in corroborations.items() if "-device-" in figure_id} == {
        "apple-ind-2018h1-device-requests_received": 27,
        "apple-ind-2018h1-device-percent_requests_some_data": 63,
        "apple-ind-2018h1-device-requests_fulfilled": 17,
        "apple-ind-2018h1-device-identifiers_specified": 379,
    }
    # "27 devices and 18 accounts" and "34 financial identifiers" are Apple's counts of requests.
    assert rows(
        real_db,
        """SELECT d.claimed_value, f.request_type_id, f.metric_id FROM disagreements d
           JOIN figures f ON f.figure_id = d.figure_id WHERE d.source_id = ? ORDER BY d.claimed_value""",
        STATESMAN_APPLE_2018H1,
    ) == [
        (18, "account", "requests_received"),
        (27, "device", "requests_received"),
        (34, "financial_identifier", "requests_received"),
    ]
    specified = dict(
        rows(
            real_db,
            "SELECT request_type_id, value FROM figures WHERE platform_id = 'apple' AND jurisdiction_id = 'IND'"
            " AND period_label = '2018h1' AND metric_id IN ('accounts_specified', 'identifiers_specified')"
            " AND request_type_id != 'preservation'",
        )
    )
    assert specified == {"account": 971, "device": 379, "financial_identifier": 3199}


SECURITYEXPRESS_TELEGRAM_2024 = "securityexpress-2025-01-telegram-transparency"


def test_securityexpresss_list_of_eleven_countries_for_2024_is_corroborations_throughout(real_db):
    # "Germany follows with 945 requests affecting 2,237 users, trailed by the U.S. (900 and 2,253),
    # ...": every pair of the list, not only Spain's and Kazakhstan's, is the bot's 2024 report.
    listed = {
        "deu": (945, 2237), "usa": (900, 2253), "fra": (893, 2072), "bra": (302, 1008), "kor": (270, 658),
        "bel": (223, 594), "esp": (213, 518), "pol": (158, 546), "ita": (158, 419), "gbr": (142, 293),
        "kaz": (74, 496),
    }  # fmt: skip
    expected = {}
    for code, (requests, users) in listed.items():
        expected[f"telegram-{code}-2024-ip_or_phone-requests_fulfilled"] = requests
        expected[f"telegram-{code}-2024-ip_or_phone-accounts_affected"] = users
    assert corroborated(real_db, SECURITYEXPRESS_TELEGRAM_2024) == expected


TGNEWS_TELEGRAM = "tg-telegramnews-transparency-reports-what-to-publish"


def test_tg_telegramnews_france_220_is_january_september_2024s_corroboration(real_db):
    # "France? 220 requests.": the crowdsourced database's January-September 2024 for France, the
    # sum of the bot's first three quarters there (4, 6, 210); its India line beside it is a
    # disagreement, rounded.
    assert corroborated(real_db, TGNEWS_TELEGRAM) == {
        "telegram-fra-20240101-20240930-ip_or_phone-requests_fulfilled": 220
    }
    quarters = rows(
        real_db,
        "SELECT sum(value) FROM figures WHERE platform_id = 'telegram' AND jurisdiction_id = 'FRA'"
        " AND metric_id = 'requests_fulfilled' AND period_label IN ('2024q1', '2024q2', '2024q3')",
    )
    assert quarters == [(220,)]


CANINDIA_APPLE_2017H2 = "canindia-2018-05-apple-device-requests-h2-2017"


def test_canindias_worldwide_devices_are_requests_and_its_79_percent_a_corroboration(real_db):
    corroborations = corroborated(real_db, CANINDIA_APPLE_2017H2)
    assert corroborations["apple-world-2017h2-device-percent_requests_some_data"] == 79
    assert len(corroborations) == 4
    # "device information on 29,718 Apple devices": 29,718 is Apple's count of device requests.
    world = dict(
        rows(
            real_db,
            "SELECT metric_id, value FROM figures WHERE platform_id = 'apple' AND jurisdiction_id = 'WORLD'"
            " AND period_label = '2017h2' AND request_type_id = 'device'",
        )
    )
    assert world["requests_received"] == 29718 and world["identifiers_specified"] == 309362
    assert rows(
        real_db, "SELECT claimed_value, kind FROM disagreements WHERE source_id = ?", CANINDIA_APPLE_2017H2
    ) == [(29718, "swapped_requests_users")]
    assert rows(real_db, "SELECT figure_id FROM figures WHERE platform_id = 'apple' AND value IN (3358, 30000)") == []


MACDAILYNEWS_APPLE_2019H1 = "macdailynews-2020-01-18-apple-government-requests"


def test_macdailynews_us_devices_and_chinas_accounts_are_corroborations_and_its_chinese_devices_disagree(real_db):
    corroborations = corroborated(real_db, MACDAILYNEWS_APPLE_2019H1)
    assert corroborations == {
        "apple-deu-2019h1-device-requests_received": 13558,
        "apple-usa-2019h1-device-requests_received": 4796,
        "apple-usa-2019h1-account-accounts_specified": 15301,
        "apple-usa-2019h1-device-identifiers_specified": 11457,
        "apple-chn-2019h1-account-accounts_specified": 15666,
    }
    # Its China 121,011 devices specified is the extraction's Australia; China's is 2,691 there.
    devices = dict(
        rows(
            real_db,
            "SELECT jurisdiction_id, value FROM figures WHERE platform_id = 'apple' AND period_label = '2019h1'"
            " AND request_type_id = 'device' AND metric_id = 'identifiers_specified' AND jurisdiction_id IN ('AUS', 'CHN')",
        )
    )
    assert devices == {"AUS": 121011, "CHN": 2691}
    assert rows(
        real_db, "SELECT figure_id, claimed_value FROM disagreements WHERE source_id = ?", MACDAILYNEWS_APPLE_2019H1
    ) == [("apple-chn-2019h1-device-identifiers_specified", 121011)]


BFMTV_TELEGRAM_2025Q1 = "bfmtv-2025-04-28-telegram-france-q1-2025"


def test_bfmtvs_april_2025_comparisons_are_corroborations_and_its_ip_label_disagreements(real_db):
    assert corroborated(real_db, BFMTV_TELEGRAM_2025Q1) == {
        "telegram-fra-2025q1-ip_or_phone-requests_fulfilled": 668,
        "telegram-fra-2025q1-ip_or_phone-accounts_affected": 1425,
        "telegram-fra-2024q4-ip_or_phone-accounts_affected": 1386,
        "telegram-fra-2024q1-ip_or_phone-accounts_affected": 17,
    }
    # Every count of requests it gives is called a count of "adresses IP/numéros de téléphone".
    assert rows(
        real_db,
        """SELECT f.period_label, d.claimed_value, f.value, f.metric_id FROM disagreements d
           JOIN figures f ON f.figure_id = d.figure_id WHERE d.source_id = ? ORDER BY f.period_start""",
        BFMTV_TELEGRAM_2025Q1,
    ) == [
        ("2024q1", 4, 4, "requests_fulfilled"),
        ("2024q4", 673, 673, "requests_fulfilled"),
        ("2025q1", 668, 668, "requests_fulfilled"),
    ]


SOLUTIONS_NUMERIQUES_TELEGRAM = "solutions-numeriques-2025-telegram-rapport"


def test_solutions_numeriques_us_users_and_uk_requests_are_corroborations(real_db):
    assert corroborated(real_db, SOLUTIONS_NUMERIQUES_TELEGRAM) == {
        "telegram-fra-20240101-20240930-ip_or_phone-requests_fulfilled": 220,
        "telegram-usa-2024-ip_or_phone-accounts_affected": 2253,
        "telegram-gbr-2024-ip_or_phone-requests_fulfilled": 142,
    }
    assert rows(
        real_db,
        "SELECT claimed_value, kind FROM disagreements WHERE source_id = ? ORDER BY claimed_value",
        SOLUTIONS_NUMERIQUES_TELEGRAM,
    ) == [(900, "received_vs_fulfilled"), (14641, "received_vs_fulfilled")]


NUCLEO_TELEGRAM_2024 = "nucleo-2025-01-07-telegram-dados-1008-brasileiros"


def test_nucleos_brazilian_quarters_and_us_users_are_corroborations_its_us_requests_made_a_disagreement(real_db):
    corroborations = corroborated(real_db, NUCLEO_TELEGRAM_2024)
    quarters = {
        label: corroborations[f"telegram-bra-2024{label}-ip_or_phone-requests_fulfilled"]
        for label in ("q1", "q2", "q3", "q4")
    }
    assert quarters == {"q1": 75, "q2": 63, "q3": 65, "q4": 99}
    # The quarters add up to the year's 302 the same article gives.
    assert sum(quarters.values()) == corroborations["telegram-bra-2024-ip_or_phone-requests_fulfilled"] == 302
    assert corroborations["telegram-usa-2024-ip_or_phone-accounts_affected"] == 2253
    assert rows(real_db, "SELECT claimed_value, kind FROM disagreements WHERE source_id = ?", NUCLEO_TELEGRAM_2024) == [
        (900, "received_vs_fulfilled")
    ]


PUNTOINFORMATICO_TELEGRAM_2025Q1 = "puntoinformatico-2025-05-telegram-22000"


def test_punto_informaticos_italian_first_quarter_of_2025_is_corroborations(real_db):
    assert corroborated(real_db, PUNTOINFORMATICO_TELEGRAM_2025Q1) == {
        "telegram-ind-2025q1-ip_or_phone-requests_fulfilled": 9197,
        "telegram-ind-2025q1-ip_or_phone-accounts_affected": 9941,
        "telegram-ita-2025q1-ip_or_phone-requests_fulfilled": 272,
        "telegram-ita-2025q1-ip_or_phone-accounts_affected": 1324,
    }
    # Its 5.826 users of January-March 2024 is a sum over compiled countries: no worldwide figure.
    assert rows(real_db, "SELECT figure_id FROM figures WHERE platform_id = 'telegram' AND value = 5826") == []


THREATPOST_GOOGLE_2013H2 = "threatpost-2014-google-user-data-requests-climb"


def test_threatposts_more_than_27000_worldwide_requests_is_no_figure_of_its_own(real_db):
    assert rows(
        real_db,
        "SELECT metric_id, value FROM figures WHERE source_id = ? AND jurisdiction_id = 'WORLD'",
        THREATPOST_GOOGLE_2013H2,
    ) == [("percent_requests_some_data", 64)]
    assert rows(real_db, "SELECT figure_id FROM figures WHERE platform_id = 'google' AND value = 27000") == []


BHRRC_TELEGRAM_2024 = "bhrrc-2025-01-07-techcrunch-telegram"


def test_bhrrcs_techcrunch_excerpt_us_counts_are_corroborations(real_db):
    corroborations = corroborated(real_db, BHRRC_TELEGRAM_2024)
    assert {figure_id: value for figure_id, value in corroborations.items() if "-usa-" in figure_id} == {
        "telegram-usa-2024-ip_or_phone-requests_fulfilled": 900,
        "telegram-usa-2024-ip_or_phone-accounts_affected": 2253,
        "telegram-usa-20240101-20240930-ip_or_phone-requests_fulfilled": 14,
        "telegram-usa-20240101-20240930-ip_or_phone-accounts_affected": 108,
    }
    assert len(corroborations) == 6


DIGIT_GOOGLE_2013H1 = "digit-2013-google-transparency-india-2nd"


def test_digits_indian_requests_of_january_june_2013_are_a_corroboration(real_db):
    assert corroborated(real_db, DIGIT_GOOGLE_2013H1) == {"google-ind-2013h1-all-requests_received": 2691}
    assert rows(real_db, "SELECT platform_id FROM platforms WHERE platform_id LIKE 'yahoo%'") == []


GERACAOBETA_TELEGRAM_2024 = "geracaobeta-2025-01-telegram-1008-brasileiros"


def test_geracao_betas_brazilian_users_and_first_three_quarters_are_corroborations(real_db):
    assert corroborated(real_db, GERACAOBETA_TELEGRAM_2024) == {
        "telegram-bra-2024-ip_or_phone-accounts_affected": 1008,
        "telegram-bra-2024q1-ip_or_phone-requests_fulfilled": 75,
        "telegram-bra-2024q2-ip_or_phone-requests_fulfilled": 63,
        "telegram-bra-2024q3-ip_or_phone-requests_fulfilled": 65,
    }
    # Its year's 302 and fourth quarter's 99, "recebidos", stay disagreements; 75 + 63 + 65 + 99 = 302.
    claimed = dict(
        rows(
            real_db, "SELECT figure_id, claimed_value FROM disagreements WHERE source_id = ?", GERACAOBETA_TELEGRAM_2024
        )
    )
    assert (
        75 + 63 + 65 + claimed["telegram-bra-2024q4-ip_or_phone-requests_fulfilled"]
        == claimed["telegram-bra-2024-ip_or_phone-requests_fulfilled"]
    )


HINDUSTANTIMES_TIKTOK_2019H1 = "hindustantimes-2020-01-02-tiktok-first-transparency-report"


def test_hindustan_times_legal_requests_are_corroborations_beside_its_added_up_totals(real_db):
    assert corroborated(real_db, HINDUSTANTIMES_TIKTOK_2019H1) == {
        "tiktok-ind-2019h1-legal_process-requests_received": 99,
        "tiktok-usa-2019h1-legal_process-requests_received": 68,
    }
    # Its 110 and 74 add the 11 and 6 content-removal requests to them: disagreements.
    assert rows(
        real_db,
        "SELECT claimed_value, kind FROM disagreements WHERE source_id = ? ORDER BY claimed_value",
        HINDUSTANTIMES_TIKTOK_2019H1,
    ) == [(74, "arithmetic_total"), (110, "arithmetic_total")]


TECHJOURNAL_TELEGRAM_2024 = "techjournal-ke-2025-01-09-telegram-surge"


def test_techjournals_us_and_india_counts_are_corroborations_like_its_uk_ones(real_db):
    assert corroborated(real_db, TECHJOURNAL_TELEGRAM_2024) == {
        "telegram-gbr-2024-ip_or_phone-requests_fulfilled": 142,
        "telegram-gbr-2024-ip_or_phone-accounts_affected": 293,
        "telegram-usa-2024-ip_or_phone-requests_fulfilled": 900,
        "telegram-usa-2024-ip_or_phone-accounts_affected": 2253,
        "telegram-usa-20240101-20240930-ip_or_phone-requests_fulfilled": 14,
        "telegram-usa-20240101-20240930-ip_or_phone-accounts_affected": 108,
        "telegram-ind-2024-ip_or_phone-requests_fulfilled": 14641,
        "telegram-ind-2024-ip_or_phone-accounts_affected": 23535,
    }


TECHNOLOGYFORYOU_META_2020H1 = "technologyforyou-2020-h1-facebook-transparency-report"


def test_technologyforyous_copy_also_corroborates_the_worldwide_requests_of_january_june_2020(real_db):
    assert corroborated(real_db, TECHNOLOGYFORYOU_META_2020H1) == {
        "meta-world-2019h2-all-requests_received": 140875,
        "meta-world-2020h1-all-requests_received": 173592,
        "meta-usa-2020h1-all-requests_received": 61528,
    }


SCROLL_META_2022H1 = "scroll-2022-11-meta-india-requests"


def test_scrolls_india_and_us_counts_of_january_june_2022_are_corroborations(real_db):
    corroborations = corroborated(real_db, SCROLL_META_2022H1)
    assert corroborations == {
        "meta-ind-2022h1-all-requests_received": 55497,
        "meta-ind-2022h1-legal_process-requests_received": 51602,
        "meta-ind-2022h1-emergency-requests_received": 3895,
        "meta-usa-2022h1-all-requests_received": 69363,
    }
    # The article's parts add up to its total, as Meta's do.
    assert (
        corroborations["meta-ind-2022h1-legal_process-requests_received"]
        + corroborations["meta-ind-2022h1-emergency-requests_received"]
        == corroborations["meta-ind-2022h1-all-requests_received"]
    )
    assert (
        rows(real_db, "SELECT figure_id FROM figures WHERE platform_id = 'meta' AND value IN (36955, 45300, 95700)")
        == []
    )


def test_india_reportings_users_are_facebooks_requests_for_the_us_and_the_world(real_db):
    swapped = rows(
        real_db,
        """SELECT f.figure_id, d.claimed_value, f.value FROM disagreements d JOIN figures f ON f.figure_id = d.figure_id
           WHERE d.source_id = ? AND d.kind = 'swapped_requests_users' ORDER BY f.figure_id""",
        INDIAREPORTING_META_2020H2,
    )
    assert swapped == [
        ("meta-ind-2020h2-all-requests_received", 40300, 40300),
        ("meta-usa-2020h2-all-requests_received", 61262, 61262),
        ("meta-world-2020h1-all-requests_received", 173592, 173592),
        ("meta-world-2020h2-all-requests_received", 191013, 191013),
    ]
    assert all(
        source == "meta-2021-05-transparency-report-h2-2020"
        for (source,) in rows(
            real_db,
            "SELECT source_id FROM figures WHERE figure_id IN ('meta-usa-2020h2-all-requests_received',"
            " 'meta-world-2020h1-all-requests_received', 'meta-world-2020h2-all-requests_received')",
        )
    )


BITDEGREE_TELEGRAM_2024 = "bitdegree-2024-10-durov-provided-data"


def test_bitdegrees_brazilian_and_indian_quarters_cited_by_durov_are_corroborations(real_db):
    assert corroborated(real_db, BITDEGREE_TELEGRAM_2024) == {
        "telegram-bra-2024q1-ip_or_phone-requests_fulfilled": 75,
        "telegram-bra-2024q2-ip_or_phone-requests_fulfilled": 63,
        "telegram-bra-2024q3-ip_or_phone-requests_fulfilled": 65,
        "telegram-ind-2024q1-ip_or_phone-requests_fulfilled": 2461,
        "telegram-ind-2024q2-ip_or_phone-requests_fulfilled": 2151,
        "telegram-ind-2024q3-ip_or_phone-requests_fulfilled": 2380,
    }


TENGRINEWS_TELEGRAM_2024 = "tengrinews-2025-01-telegram-us-data"


def test_tengrinews_us_counts_of_2024_are_corroborations(real_db):
    assert corroborated(real_db, TENGRINEWS_TELEGRAM_2024) == {
        "telegram-usa-20240101-20240930-ip_or_phone-requests_fulfilled": 14,
        "telegram-usa-20240101-20240930-ip_or_phone-accounts_affected": 108,
        "telegram-usa-2024-ip_or_phone-requests_fulfilled": 900,
        "telegram-usa-2024-ip_or_phone-accounts_affected": 2253,
    }


FRANCEINFO_TELEGRAM_2024Q3 = "franceinfo-2024-10-telegram-210-requetes"


def test_franceinfos_french_third_quarter_is_corroborations(real_db):
    assert corroborated(real_db, FRANCEINFO_TELEGRAM_2024Q3) == {
        "telegram-fra-2024q3-ip_or_phone-requests_fulfilled": 210,
        "telegram-fra-2024q3-ip_or_phone-accounts_affected": 632,
    }


NEWSIS_TELEGRAM_KOR_2024 = "newsis-2025-01-07-telegram-658-kor"


def test_newsis_korean_counts_for_2024_are_corroborations(real_db):
    assert corroborated(real_db, NEWSIS_TELEGRAM_KOR_2024) == {
        "telegram-kor-2024-ip_or_phone-requests_fulfilled": 270,
        "telegram-kor-2024-ip_or_phone-accounts_affected": 658,
    }


IGAMESNEWS_TELEGRAM_ESP = "igamesnews-2024-10-telegram-spanish-users"


def test_igamesnews_europe_counts_are_spains_january_september_2024_as_disagreements(real_db):
    assert rows(
        real_db,
        """SELECT f.jurisdiction_id, f.metric_id, d.claimed_value, f.value FROM disagreements d
           JOIN figures f ON f.figure_id = d.figure_id WHERE d.source_id = ? ORDER BY f.metric_id""",
        IGAMESNEWS_TELEGRAM_ESP,
    ) == [("ESP", "accounts_affected", 85, 85), ("ESP", "requests_fulfilled", 22, 22)]
    assert corroborated(real_db, IGAMESNEWS_TELEGRAM_ESP) == {}


CRYPTO24H_TELEGRAM_2024 = "crypto24hnews-2024-10-cointelegraph-durov-2018"


def test_crypto24hnews_copy_of_durovs_quarters_is_corroborations(real_db):
    corroborations = corroborated(real_db, CRYPTO24H_TELEGRAM_2024)
    assert corroborations == corroborated(real_db, BITDEGREE_TELEGRAM_2024)
    assert len(corroborations) == 6


PYMNTS_APPLE_2018H1 = "pymnts-2018-12-apple-transparency-report"


def test_pymnts_german_and_us_device_counts_are_corroborations_of_january_june_2018(real_db):
    assert corroborated(real_db, PYMNTS_APPLE_2018H1) == {
        "apple-deu-2018h1-device-requests_received": 13704,
        "apple-deu-2018h1-device-identifiers_specified": 26160,
        "apple-usa-2018h1-device-requests_received": 4570,
        "apple-usa-2018h1-device-identifiers_specified": 14911,
    }
    # Its worldwide counts, dated to "the second half of the year", stay a wrong_period disagreement.
    assert rows(real_db, "SELECT kind FROM disagreements WHERE source_id = ?", PYMNTS_APPLE_2018H1) == [
        ("wrong_period",)
    ]


YTN_TELEGRAM_KOR_2024 = "ytn-2025-01-08-telegram-kor-658"


def test_ytns_658_korean_users_is_a_corroboration_beside_its_received_270(real_db):
    assert corroborated(real_db, YTN_TELEGRAM_KOR_2024) == {"telegram-kor-2024-ip_or_phone-accounts_affected": 658}
    assert rows(
        real_db, "SELECT claimed_value, kind FROM disagreements WHERE source_id = ?", YTN_TELEGRAM_KOR_2024
    ) == [(270, "received_vs_fulfilled")]


NEWSBYTES_APPLE_2018H1 = "newsbytes-2018-12-apple-india-requests"


def test_newsbytes_india_rows_of_january_june_2018_are_corroborations(real_db):
    assert corroborated(real_db, NEWSBYTES_APPLE_2018H1) == {
        "apple-ind-2018h1-device-requests_received": 27,
        "apple-ind-2018h1-device-identifiers_specified": 379,
        "apple-ind-2018h1-device-percent_requests_some_data": 63,
        "apple-ind-2018h1-account-requests_received": 18,
        "apple-ind-2018h1-account-percent_requests_some_data": 78,
        "apple-ind-2018h1-financial_identifier-requests_received": 34,
        "apple-ind-2018h1-financial_identifier-identifiers_specified": 3199,
        "apple-ind-2018h1-financial_identifier-percent_requests_some_data": 85,
    }
    # "nearly a thousand" account identifiers: Apple's 971, approximated.
    assert rows(
        real_db, "SELECT value FROM figures WHERE figure_id = 'apple-ind-2018h1-account-accounts_specified'"
    ) == [(971,)]


BGR_APPLE_2018H1 = "bgr-in-2018-12-25-apple-india-requests"


def test_bgrs_india_shares_and_world_counts_are_corroborations_its_devices_accounts_identifiers_requests(real_db):
    assert corroborated(real_db, BGR_APPLE_2018H1) == {
        "apple-ind-2018h1-device-percent_requests_some_data": 63,
        "apple-ind-2018h1-financial_identifier-percent_requests_some_data": 85,
        "apple-ind-2018h1-account-percent_requests_some_data": 78,
        "apple-world-2018h1-device-requests_received": 32342,
    }
    assert rows(
        real_db,
        """SELECT f.request_type_id, d.claimed_value FROM disagreements d JOIN figures f ON f.figure_id = d.figure_id
           WHERE d.source_id = ? AND d.kind = 'swapped_requests_users' ORDER BY d.claimed_value""",
        BGR_APPLE_2018H1,
    ) == [("account", 18), ("device", 27), ("financial_identifier", 34)]


SUPERCURIOSO_TELEGRAM_2024 = "supercurioso-2025-01-telegram-1008"


def test_supercuriosos_brazilian_counts_are_each_a_corroboration_or_a_received_disagreement(real_db):
    assert corroborated(real_db, SUPERCURIOSO_TELEGRAM_2024) == {
        "telegram-bra-2024-ip_or_phone-accounts_affected": 1008,
        "telegram-bra-2024q4-ip_or_phone-requests_fulfilled": 99,
    }
    received = dict(
        rows(
            real_db,
            "SELECT figure_id, claimed_value FROM disagreements WHERE source_id = ? AND kind = 'received_vs_fulfilled'",
            SUPERCURIOSO_TELEGRAM_2024,
        )
    )
    quarters = [received[f"telegram-bra-2024{q}-ip_or_phone-requests_fulfilled"] for q in ("q1", "q2", "q3")]
    assert sum(quarters) + 99 == received["telegram-bra-2024-ip_or_phone-requests_fulfilled"] == 302


ZDNET_FR_TELEGRAM_2024Q3 = "zdnet-fr-2024-10-telegram-210-requisitions"


def test_zdnet_frs_210_french_requisitions_is_a_corroboration_beside_its_686_users(real_db):
    assert corroborated(real_db, ZDNET_FR_TELEGRAM_2024Q3) == {
        "telegram-fra-2024q3-ip_or_phone-requests_fulfilled": 210
    }
    assert rows(real_db, "SELECT claimed_value FROM disagreements WHERE source_id = ?", ZDNET_FR_TELEGRAM_2024Q3) == [
        (686,)
    ]


PROTOS_TELEGRAM_2024 = "protos-2025-01-telegram-snitched-2000"


def test_protos_us_january_september_counts_are_corroborations_beside_its_rest_of_year(real_db):
    assert corroborated(real_db, PROTOS_TELEGRAM_2024) == {
        "telegram-usa-20240101-20240930-ip_or_phone-requests_fulfilled": 14,
        "telegram-usa-20240101-20240930-ip_or_phone-accounts_affected": 108,
    }
    assert rows(
        real_db, "SELECT claimed_value, kind FROM disagreements WHERE source_id = ? ORDER BY 1", PROTOS_TELEGRAM_2024
    ) == [(900, "wrong_period"), (2253, "wrong_period")]


CANDLEFOCUS_TELEGRAM_2024 = "candlefocus-2025-01-telegram-2000"


def test_candlefocus_first_nine_months_are_corroborations_beside_its_remainder(real_db):
    assert corroborated(real_db, CANDLEFOCUS_TELEGRAM_2024) == {
        "telegram-usa-20240101-20240930-ip_or_phone-requests_fulfilled": 14,
        "telegram-usa-20240101-20240930-ip_or_phone-accounts_affected": 108,
    }


RIA_TELEGRAM_2024 = "ria-2025-01-09-telegram-us-requests"


def test_rias_us_users_and_january_september_requests_are_corroborations_beside_its_made(real_db):
    assert corroborated(real_db, RIA_TELEGRAM_2024) == {
        "telegram-usa-2024-ip_or_phone-accounts_affected": 2253,
        "telegram-usa-20240101-20240930-ip_or_phone-requests_fulfilled": 14,
    }
    assert rows(real_db, "SELECT claimed_value, kind FROM disagreements WHERE source_id = ?", RIA_TELEGRAM_2024) == [
        (900, "received_vs_fulfilled")
    ]


CYBERNOZ_TELEGRAM_2024 = "cybernoz-2025-01-bleepingcomputer-telegram"


def test_cybernozs_2253_us_users_is_a_corroboration(real_db):
    assert corroborated(real_db, CYBERNOZ_TELEGRAM_2024) == {
        "telegram-usa-2024-ip_or_phone-accounts_affected": 2253,
        # Its 14 requests and 108 users "until September 30, 2024": the bot's first report.
        "telegram-usa-20240101-20240930-ip_or_phone-requests_fulfilled": 14,
        "telegram-usa-20240101-20240930-ip_or_phone-accounts_affected": 108,
    }


PUSHBUDS_TELEGRAM = "pushbuds-telegram-transparency-data"


def test_pushbuds_14_us_requests_earlier_in_2024_is_a_corroboration(real_db):
    assert corroborated(real_db, PUSHBUDS_TELEGRAM) == {
        "telegram-usa-20240101-20240930-ip_or_phone-requests_fulfilled": 14
    }


INTERNETDEMOCRACY_GOOGLE_2013H1 = "internetdemocracy-2013-google-transparency-india-second"


def test_internet_democracys_over_10918_is_no_corroboration_of_the_us_count(real_db):
    assert rows(real_db, "SELECT value FROM figures WHERE figure_id = 'google-usa-2013h1-all-requests_received'") == [
        (10918,)
    ]
    assert corroborated(real_db, INTERNETDEMOCRACY_GOOGLE_2013H1) == {}


# Snap's own report pages: the international table, one row per country (emergency requests,
# their accounts and % with some data; other requests, their accounts and %), N/A where Snap wrote
# it. Only some countries' rows had been recorded. Per source: its period, how its stored text joins
# a row's cells, whether the stored text holds the whole table (else it is cut short after the last
# row given here), and the rows.
SNAP_INTERNATIONAL_TABLES = {
    "snap-transparency-2016h1": (
        "2016h1",
        ("{} ¶ {}", " ¶ "),
        True,
        {
            "AUS": ("Australia", 0, 0, None, 2, 1, 0),
            "BEL": ("Belgium", 0, 0, None, 1, 2, 0),
            "CAN": ("Canada", 13, 17, 77, 1, 1, 0),
            "CZE": ("Czech Republic", 0, None, None, 1, 1, 0),
            "DNK": ("Denmark", 2, 3, 50, 0, None, 0),
            "FRA": ("France", 2, 2, 100, 23, 22, 0),
            "DEU": ("Germany", 0, None, None, 18, 18, 0),
            "IND": ("India", 0, None, None, 2, 2, 0),
            "IRL": ("Ireland", 0, None, None, 2, 3, 0),
            "LUX": ("Luxembourg", 0, None, None, 1, 1, 0),
            "NOR": ("Norway", 1, 1, 0, 3, 3, 0),
            "POL": ("Poland", 0, None, None, 1, 1, 0),
            "PRT": ("Portugal", 0, None, None, 1, 1, 0),
            "ESP": ("Spain", 0, None, None, 3, 7, 0),
            "SWE": ("Sweden", 1, 1, 0, 5, 5, 0),
            "GBR": ("United Kingdom", 22, 27, 59, 21, 19, 0),
        },
    ),
    "snap-transparency-2018h1": (
        "2018h1",
        ("{} | {}", " | "),
        False,
        {
            "ARG": ("Argentina", 0, 0, None, 3, 5, 0),
            "AUS": ("Australia", 1, 1, 100, 8, 10, 0),
            "AUT": ("Austria", 0, 0, None, 3, 6, 0),
            "BRA": ("Brazil", 0, 0, None, 2, 5, 0),
        },
    ),
    # Cut short inside France's row, whose other-requests cells are not stored, so it is left out here.
    "snap-transparency-2015h1": (
        "2015h1",
        ("{} | {} |", " | "),
        False,
        {
            "AUS": ("Australia", 1, 5, 100, 1, 1, 0),
            "CAN": ("Canada", 3, 3, 100, 0, None, None),
            "CZE": ("Czech Republic", 0, None, None, 1, 1, 0),
            "DNK": ("Denmark", 0, None, None, 3, 3, 0),
        },
    ),
}
SNAP_TABLE_COLUMNS = [
    ("emergency", "requests_received"),
    ("emergency", "accounts_specified"),
    ("emergency", "percent_requests_some_data"),
    ("legal_process", "requests_received"),
    ("legal_process", "accounts_specified"),
    ("legal_process", "percent_requests_some_data"),
]


def snap_table_rows(real_db, source_id, period):
    recorded = {}
    for jurisdiction, request_type, metric, value, quote in rows(
        real_db,
        """SELECT jurisdiction_id, request_type_id, metric_id, value, quote FROM figures
           WHERE platform_id = 'snap' AND period_label = ? AND jurisdiction_id NOT IN ('USA', 'INTL')
             AND is_derived = 0 AND source_id = ?
           UNION ALL
           SELECT f.jurisdiction_id, f.request_type_id, f.metric_id, f.value, c.quote FROM corroborations c
           JOIN figures f ON f.figure_id = c.figure_id
           WHERE c.source_id = ? AND f.jurisdiction_id NOT IN ('USA', 'INTL')""",
        period,
        source_id,
        source_id,
    ):
        recorded.setdefault(jurisdiction, {})[(request_type, metric)] = (value, quote)
    return recorded


@pytest.mark.parametrize("source_id", SNAP_INTERNATIONAL_TABLES)
def test_snaps_international_table_is_recorded_cell_by_cell(real_db, source_id):
    period, (row_format, separator), whole, table = SNAP_INTERNATIONAL_TABLES[source_id]
    recorded = snap_table_rows(real_db, source_id, period)
    if whole:
        assert set(recorded) == set(table)
    for jurisdiction, (name, *cells) in table.items():
        expected = {column: cell for column, cell in zip(SNAP_TABLE_COLUMNS, cells, strict=True) if cell is not None}
        assert {column: value for column, (value, _) in recorded[jurisdiction].items()} == expected
        # Every figure quotes its country's whole row, as the page prints it.
        row_text = row_format.format(
            name,
            separator.join(
                [
                    "N/A" if cell is None else f"{cell:,}{'%' if metric.startswith('percent') else ''}"
                    for (_, metric), cell in zip(SNAP_TABLE_COLUMNS, cells, strict=True)
                ]
            ),
        )
        assert {quote for _, quote in recorded[jurisdiction].values()} == {row_text}


@pytest.mark.parametrize("source_id", [source for source, table in SNAP_INTERNATIONAL_TABLES.items() if table[2]])
def test_snaps_international_rows_add_up_to_its_own_total_row(real_db, source_id):
    # The table's own cross-check: its countries' counts make its total row (INTL).
    period, _, _, table = SNAP_INTERNATIONAL_TABLES[source_id]
    totals = dict(
        rows(
            real_db,
            """SELECT request_type_id || ':' || metric_id, value FROM figures
               WHERE platform_id = 'snap' AND jurisdiction_id = 'INTL' AND period_label = ? AND is_derived = 0
                 AND metric_id IN ('requests_received', 'accounts_specified')""",
            period,
        )
    )
    for index, (request_type, metric) in enumerate(SNAP_TABLE_COLUMNS):
        if metric.startswith("percent"):
            continue
        column_sum = sum(cells[index + 1] or 0 for cells in table.values())
        assert totals[f"{request_type}:{metric}"] == column_sum, (request_type, metric)


def test_mailbox_orgs_shares_of_rejections_that_stood_are_figures_and_its_year_on_year_counts_corroborate(real_db):
    # Each report gives the share of requests whose rejection stood for its year and the year before,
    # and the total of both years; the shares agree with their years' own counts.
    shares = dict(
        rows(
            real_db,
            """SELECT year, value FROM figures WHERE platform_id = 'mailbox_org' AND is_derived = 0
                 AND metric_id = 'percent_requests_rejected' AND year IN (2023, 2024)""",
        )
    )
    assert shares == {2023: 33.8, 2024: 30.1}
    counts = {
        (year, metric): value
        for year, metric, value in rows(
            real_db,
            """SELECT year, metric_id, value FROM figures WHERE platform_id = 'mailbox_org' AND is_derived = 0
                 AND jurisdiction_id = 'WORLD' AND request_type_id = 'all'
                 AND metric_id IN ('requests_received', 'requests_rejected') AND year IN (2023, 2024)""",
        )
    }
    for year, share in shares.items():
        assert round(100 * counts[(year, "requests_rejected")] / counts[(year, "requests_received")], 1) == share
    assert rows(
        real_db,
        """SELECT c.source_id, f.figure_id, f.value FROM corroborations c JOIN figures f USING (figure_id)
           WHERE f.platform_id = 'mailbox_org' AND c.source_id IN
             ('mailbox-org-2023-transparenzbericht', 'mailbox-org-2024-transparenzbericht')
           ORDER BY c.source_id, f.figure_id""",
    ) == [
        ("mailbox-org-2023-transparenzbericht", "mailbox_org-world-2022-all-requests_received", 55),
        ("mailbox-org-2024-transparenzbericht", "mailbox_org-world-2023-all-percent_requests_rejected", 33.8),
        ("mailbox-org-2024-transparenzbericht", "mailbox_org-world-2023-all-requests_received", 133),
    ]


def test_mailbox_orgs_english_2024_report_corroborates_both_years_it_names(real_db):
    # The English 2024 report's table is headed 2023 (a disagreement), but its sentences name each year.
    assert rows(
        real_db,
        """SELECT f.figure_id, f.value FROM corroborations c JOIN figures f USING (figure_id)
           WHERE c.source_id = 'mailbox-org-en-transparency-report-2024' ORDER BY f.figure_id""",
    ) == [
        ("mailbox_org-world-2023-all-percent_requests_rejected", 33.8),
        ("mailbox_org-world-2023-all-requests_received", 133),
        ("mailbox_org-world-2024-all-percent_requests_rejected", 30.1),
        ("mailbox_org-world-2024-all-requests_received", 83),
        ("mailbox_org-world-2024-all-requests_rejected", 25),
    ]


def test_mailbox_2025_reports_counts_by_channel_and_authority_are_no_figures(real_db):
    # Of its numbers only the total and the rejections that stood fit a metric; 63 by e-mail, 27
    # unencrypted, 15 corrected, 72 for prosecution and 2 by intelligence services do not.
    assert rows(
        real_db,
        """SELECT figure_id, value FROM figures WHERE source_id = 'mailbox-2025-transparency-report-en'
           ORDER BY figure_id""",
    ) == [("mailbox_org-world-2025-all-requests_received", 74), ("mailbox_org-world-2025-all-requests_rejected", 18)]


def test_microsofts_october_2017_post_records_no_national_security_letter_band(real_db):
    # Its NSL band is for "the latest reporting period", which it does not name.
    assert rows(
        real_db,
        """SELECT figure_id FROM figures WHERE source_id = 'microsoft-2017-10-19-digital-trust-reports'
           ORDER BY figure_id""",
    ) == [
        ("microsoft-usa-2016h1-fisa_content-accounts_specified",),
        ("microsoft-usa-2016h1-fisa_content-requests_received",),
        ("microsoft-usa-2016h2-fisa_content-accounts_specified",),
        ("microsoft-usa-2016h2-fisa_content-requests_received",),
        ("microsoft-world-2017h1-legal_process-requests_received",),
    ]


DARKNETKING_GITHUB_2023H1 = "darknetking-github-disclosed-84-percent-2023h1"


def test_darknetkings_github_accounts_corroborate_and_its_256_is_the_sum_of_githubs_request_types(real_db):
    assert corroborated(real_db, DARKNETKING_GITHUB_2023H1) == {"github-world-2023h1-all-accounts_affected": 550}
    by_type = dict(
        rows(
            real_db,
            """SELECT metric_id, SUM(value) FROM figures WHERE platform_id = 'github' AND jurisdiction_id = 'WORLD'
               AND period_start = '2023-01-01' AND period_end = '2023-06-30' AND is_derived = 0
               AND request_type_id != 'all' GROUP BY metric_id""",
        )
    )
    # "received and processed 256 government requests" and "In 216 out of 256 cases (84%)": GitHub's
    # counts by request type added up, civil subpoenas with them, which no GitHub figure states.
    assert (by_type["requests_received"], by_type["requests_fulfilled"]) == (256, 216)
    assert rows(real_db, "SELECT figure_id FROM figures WHERE figure_id LIKE 'github-world-2023h1-all-requests%'") == []


THISISMONEY_AMAZON_2019H1 = "thisismoney-amazon-subpoenas-h1-2019"


def test_this_is_moneys_amazon_counts_are_its_two_figures_and_its_answered_subpoenas_no_figure(real_db):
    figures = dict(rows(real_db, "SELECT figure_id, value FROM figures WHERE source_id = ?", THISISMONEY_AMAZON_2019H1))
    assert figures == {
        "amazon-usa-2019h1-subpoena-requests_received": 1955,
        "amazon-intl-2019h1-all-requests_received": 270,
    }
    # "1,505 out of 1,955 times or nearly 77 percent": full and partial responses added up, and
    # their share rounded; neither is Amazon's count.
    assert round(100 * 1505 / figures["amazon-usa-2019h1-subpoena-requests_received"]) == 77
    assert rows(real_db, "SELECT figure_id FROM figures WHERE platform_id = 'amazon' AND value IN (1505, 77)") == []
    assert notes_name(real_db, THISISMONEY_AMAZON_2019H1, "1,505", "nearly 77 percent", "one full response", "uptick")


MYTECHBLOG_REDDIT_2018 = "mytechblog-2019-02-reddit-transparency-report-2018"


def test_mytechblogs_copy_of_reddits_2018_report_corroborates_both_its_counts(real_db):
    # The repost gives two numbers: 581 requests in all (emergency ones included) and 28 foreign ones.
    assert corroborated(real_db, MYTECHBLOG_REDDIT_2018) == {
        "reddit-world-2018-all-requests_received": 581,
        "reddit-intl-2018-legal_process-requests_received": 28,
    }


MYLAWRD_X_2020H2 = "mylawrd-2021-07-twitter-india-largest-source-information-requests"


def test_mylawrds_india_accounts_are_a_figure_and_its_other_counts_corroborations(real_db):
    assert corroborated(real_db, MYLAWRD_X_2020H2) == {
        "x-ind-2020h1-all-requests_received": 2613,
        "x-ind-2020h2-all-requests_received": 3615,
        "x-world-2020h2-all-requests_received": 14561,
        "x-world-2020h2-all-accounts_specified": 51584,
    }
    ((india_accounts, quote),) = rows(
        real_db, "SELECT value, quote FROM figures WHERE figure_id = 'x-ind-2020h2-all-accounts_specified'"
    )
    assert india_accounts == 7762 and "7,762 accounts" in quote
    # Twitter's own share for India, "15% of the global accounts specified", holds for it.
    assert round(100 * india_accounts / 51584) == 15
    # "an increase of 38% from the first half of the year ... the number stood at 2,613".
    assert round(100 * (3615 - 2613) / 2613) == 38


TECHPORTAL_X_2020H2 = "thetechportal-2021-07-15-twitter-india-account-information-demands"


def test_the_tech_portals_india_counts_of_july_december_2020_are_corroborations_that_add_up(real_db):
    found = corroborated(real_db, TECHPORTAL_X_2020H2)
    assert found == {
        "x-ind-2020-all-requests_received-derived": 6228,
        "x-ind-2020h2-all-requests_received": 3615,
        "x-ind-2020h2-emergency-requests_received": 152,
        "x-ind-2020h2-legal_process-requests_received": 3463,
    }
    # "a total 3,615 routine and emergency legal demands ... some 152 ... the remaining 3,463".
    assert found["x-ind-2020h2-all-requests_received"] == 152 + 3463


ZEIT_DPA_META_2013H1 = "zeit-dpa-2013-08-27-facebook-anfragen"


def test_dpas_report_of_facebooks_first_report_corroborates_its_german_and_us_rows(real_db):
    found = rows(
        real_db,
        """SELECT c.figure_id, f.value, f.value_low, f.value_high, c.quote FROM corroborations c
           JOIN figures f USING (figure_id) WHERE c.source_id = ?""",
        ZEIT_DPA_META_2013H1,
    )
    assert {figure_id: (value, low, high) for figure_id, value, low, high, _ in found} == {
        "meta-deu-2013h1-all-requests_received": (1886, None, None),
        "meta-deu-2013h1-all-accounts_specified": (2068, None, None),
        "meta-deu-2013h1-all-percent_requests_some_data": (37, None, None),
        "meta-usa-2013h1-all-percent_requests_some_data": (79, None, None),
        "meta-usa-2013h1-all-requests_received": (None, 11000, 12000),
        "meta-usa-2013h1-all-accounts_specified": (None, 20000, 21000),
    }
    for _, value, low, high, quote in found:
        # dpa writes counts ungrouped (1886) and the US bands with a space (11 000 bis 12 000).
        written = f"{value}" if value is not None else f"{low:,} bis {high:,}".replace(",", " ")
        assert written in quote


ZOOM_DELAYED_NOTICE = {
    "zoom-transparency-2023h1-archive": ("zoom-usa-2023h1-all-requests_processed", 54, 142),
    "zoom-transparency-2023h2-archive": ("zoom-usa-2023h2-all-requests_processed", 67, 199),
    "zoom-transparency-2024h1-archive": ("zoom-usa-2024h1-all-requests_processed", 61, 291),
}


@pytest.mark.parametrize("source_id", sorted(ZOOM_DELAYED_NOTICE))
def test_zooms_delayed_notice_sentence_gives_the_us_requests_and_those_with_a_delayed_notice_order(real_db, source_id):
    figure_id, delayed, requests = ZOOM_DELAYED_NOTICE[source_id]
    ((value, quote),) = rows(
        real_db, "SELECT value, quote FROM figures WHERE figure_id = ? AND source_id = ?", figure_id, source_id
    )
    # "In this period, 61 out of 291 U.S. requests were accompanied by a valid delayed-notice order."
    assert value == requests and f"{delayed} out of {requests} U.S. requests" in quote
    assert delayed < requests
    # Its first number is the requests with a delayed-notice order, from the same sentence, and
    # under no other metric.
    assert rows(
        real_db, "SELECT figure_id, quote FROM figures WHERE source_id = ? AND value = ?", source_id, delayed
    ) == [(figure_id.replace("-requests_processed", "-requests_delayed_notice_order"), quote)]
    assert notes_name(real_db, source_id, f"{delayed} out of {requests}", "requests_delayed_notice_order")


HEISE_POSTEO_2017 = "heise-2018-01-posteo-transparenzbericht-2017"


def test_heises_posteo_2017_total_is_its_figure_and_its_zero_over_two_request_types_is_no_figure(real_db):
    assert rows(real_db, "SELECT figure_id, value FROM figures WHERE source_id = ?", HEISE_POSTEO_2017) == [
        ("posteo-world-2017-all-requests_received", 48)
    ]
    # "Die Anzahl der Herausgaben von Bestands- und Verkehrsdaten lag deshalb bei 0": subscriber and
    # traffic data together, a sum no request type holds, so Posteo has no 2017 count of disclosures.
    assert (
        rows(
            real_db,
            """SELECT figure_id FROM figures WHERE platform_id = 'posteo' AND year = 2017
               AND metric_id != 'requests_received'""",
        )
        == []
    )
    assert notes_name(real_db, HEISE_POSTEO_2017, "lag deshalb bei 0")


SECURITYNL_TELEGRAM_2024 = "securitynl-2025-01-telegram-us-2000"


def test_securitynl_us_users_of_2024_and_its_first_nine_months_are_corroborations(real_db):
    assert corroborated(real_db, SECURITYNL_TELEGRAM_2024) == {
        "telegram-usa-2024-ip_or_phone-accounts_affected": 2253,
        "telegram-usa-20240101-20240930-ip_or_phone-accounts_affected": 108,
    }
    assert rows(
        real_db,
        "SELECT claimed_value, kind FROM disagreements WHERE source_id = ? ORDER BY 1",
        SECURITYNL_TELEGRAM_2024,
    ) == [(900, "received_vs_fulfilled"), (2000, "rounded")]


COMMUNICATIONSTODAY_TIKTOK_2019H1 = "communicationstoday-tiktok-india-most-requests-2019h1"


def test_communications_today_india_counts_are_corroborations_and_its_legal_counts_as_totals_disagreements(
    real_db,
):
    assert corroborated(real_db, COMMUNICATIONSTODAY_TIKTOK_2019H1) == {
        "tiktok-ind-2019h1-all-requests_received": 107,
        "tiktok-ind-2019h1-legal_process-requests_received": 99,
        "tiktok-ind-2019h1-all-percent_requests_some_data": 47,
    }
    # The article's 68 and 28 are the US's and Japan's legal requests, given as their totals.
    disagreements = rows(
        real_db,
        """SELECT d.figure_id, d.claimed_value, f.value, legal.value FROM disagreements d
           JOIN figures f ON f.figure_id = d.figure_id
           JOIN figures legal ON legal.figure_id = replace(d.figure_id, '-all-', '-legal_process-')
           WHERE d.source_id = ? ORDER BY 1""",
        COMMUNICATIONSTODAY_TIKTOK_2019H1,
    )
    assert disagreements == [
        ("tiktok-jpn-2019h1-all-requests_received", 28, 35, 28),
        ("tiktok-usa-2019h1-all-requests_received", 68, 79, 68),
    ]


TECHREPUBLIC_GOOGLE_2012H1 = "techrepublic-2012-google-h1-2012-user-data"


def test_techrepublics_worldwide_counts_of_january_june_2012_are_its_only_records(real_db):
    # Its quote of Google's blog gives requests and accounts; its 115 requests a day is a rate.
    assert rows(
        real_db,
        "SELECT figure_id, value FROM figures WHERE source_id = ? AND is_derived = 0 ORDER BY 1",
        TECHREPUBLIC_GOOGLE_2012H1,
    ) == [
        ("google-world-2012h1-all-accounts_specified", 34614),
        ("google-world-2012h1-all-requests_received", 20938),
    ]
    assert corroborated(real_db, TECHREPUBLIC_GOOGLE_2012H1) == {}


UPDATENEWS_TELEGRAM = "updatenews-vi-telegram-33k-users"


def test_updatenews_telegram_wide_14_requests_and_108_users_are_the_us_first_nine_months(real_db):
    assert rows(
        real_db,
        """SELECT d.figure_id, d.claimed_value, f.value FROM disagreements d
           JOIN figures f ON f.figure_id = d.figure_id WHERE d.source_id = ? ORDER BY 1""",
        UPDATENEWS_TELEGRAM,
    ) == [
        ("telegram-usa-20240101-20240930-ip_or_phone-accounts_affected", 108, 108),
        ("telegram-usa-20240101-20240930-ip_or_phone-requests_fulfilled", 14, 14),
    ]


WIZCASE_TELEGRAM_2025Q1 = "wizcase-2025-05-telegram-22000"


def test_wizcase_us_first_quarter_of_2025_and_frances_of_2024_are_corroborations(real_db):
    assert corroborated(real_db, WIZCASE_TELEGRAM_2025Q1) == {
        "telegram-usa-2025q1-ip_or_phone-requests_fulfilled": 576,
        "telegram-usa-2025q1-ip_or_phone-accounts_affected": 1664,
        "telegram-fra-2024q1-ip_or_phone-requests_fulfilled": 4,
        "telegram-fra-2024q1-ip_or_phone-accounts_affected": 17,
    }
    # Its Telegram-wide 22,777 is the compilation's sum and France's 668 'filed' the bot's fulfilled.
    assert rows(
        real_db, "SELECT claimed_value, kind FROM disagreements WHERE source_id = ? ORDER BY 1", WIZCASE_TELEGRAM_2025Q1
    ) == [(668, "received_vs_fulfilled"), (22777, "partial_sum")]


COINTELEGRAPH_ES_TELEGRAM_2024 = "cointelegraph-es-2025-01-telegram-900"


def test_cointelegraph_es_us_counts_are_corroborations_beside_its_received_900(real_db):
    assert corroborated(real_db, COINTELEGRAPH_ES_TELEGRAM_2024) == {
        "telegram-usa-20240101-20240930-ip_or_phone-requests_fulfilled": 14,
        "telegram-usa-2024-ip_or_phone-requests_fulfilled": 900,
        "telegram-usa-2024-ip_or_phone-accounts_affected": 2253,
    }
    assert rows(
        real_db, "SELECT claimed_value, kind FROM disagreements WHERE source_id = ?", COINTELEGRAPH_ES_TELEGRAM_2024
    ) == [(900, "received_vs_fulfilled")]


FHMPAKISTAN_TIKTOK_2019H1 = "fhmpakistan-tiktok-turns-down-pakistan-request-2019"


def test_fhm_pakistans_us_and_india_counts_are_corroborations_beside_its_298(real_db):
    assert corroborated(real_db, FHMPAKISTAN_TIKTOK_2019H1) == {
        "tiktok-usa-2019h1-all-requests_received": 79,
        "tiktok-usa-2019h1-all-percent_requests_some_data": 86,
        "tiktok-ind-2019h1-all-requests_received": 107,
        "tiktok-ind-2019h1-all-percent_requests_some_data": 47,
    }
    # Its 298 'legal requests' are TikTok's worldwide legal and emergency requests together.
    legal, emergency = (
        rows(real_db, "SELECT value FROM figures WHERE figure_id = ?", f"tiktok-world-2019h1-{kind}-requests_received")[
            0
        ][0]
        for kind in ("legal_process", "emergency")
    )
    assert rows(real_db, "SELECT claimed_value FROM disagreements WHERE source_id = ?", FHMPAKISTAN_TIKTOK_2019H1) == [
        (legal + emergency,)
    ]


PANEWS_TELEGRAM_2024 = "panews-kr-2025-01-08-protos-telegram"


def test_panews_us_year_is_corroborations_and_its_first_nine_months_misdated_disagreements(real_db):
    assert corroborated(real_db, PANEWS_TELEGRAM_2024) == {
        "telegram-usa-2024-ip_or_phone-requests_fulfilled": 900,
        "telegram-usa-2024-ip_or_phone-accounts_affected": 2253,
    }
    assert rows(
        real_db,
        """SELECT d.figure_id, d.claimed_value, f.value, d.kind FROM disagreements d
           JOIN figures f ON f.figure_id = d.figure_id WHERE d.source_id = ? ORDER BY 1""",
        PANEWS_TELEGRAM_2024,
    ) == [
        ("telegram-usa-20240101-20240930-ip_or_phone-accounts_affected", 108, 108, "wrong_period"),
        ("telegram-usa-20240101-20240930-ip_or_phone-requests_fulfilled", 14, 14, "wrong_period"),
    ]


PRAVDA_TELEGRAM_2024 = "pravda-2025-01-09-telegram-russia-none-2024"


def test_pravdas_2253_us_users_is_a_corroboration_beside_its_russian_year(real_db):
    assert corroborated(real_db, PRAVDA_TELEGRAM_2024) == {"telegram-usa-2024-ip_or_phone-accounts_affected": 2253}
    assert rows(real_db, "SELECT claimed_value, kind FROM disagreements WHERE source_id = ?", PRAVDA_TELEGRAM_2024) == [
        (0, "wrong_period")
    ]


PRAVDA_FR_TELEGRAM_2024 = "pravda-fr-2024-10-16-telegram-bot-54-pays"


def test_pravda_frs_received_counts_for_brazil_france_and_india_are_each_a_disagreement(real_db):
    assert rows(
        real_db,
        """SELECT f.jurisdiction_id, d.claimed_value, f.value, d.kind FROM disagreements d
           JOIN figures f ON f.figure_id = d.figure_id WHERE d.source_id = ? ORDER BY 1""",
        PRAVDA_FR_TELEGRAM_2024,
    ) == [
        ("BRA", 203, 203, "received_vs_fulfilled"),
        ("FRA", 220, 220, "received_vs_fulfilled"),
        ("IND", 6992, 6992, "received_vs_fulfilled"),
    ]


TARNKAPPE_TELEGRAM_2024 = "tarnkappe-2025-01-telegram-deutsche-behoerden"


def test_tarnkappes_german_and_us_counts_of_2024_are_corroborations_beside_its_users_as_times(real_db):
    assert corroborated(real_db, TARNKAPPE_TELEGRAM_2024) == {
        "telegram-deu-2024-ip_or_phone-requests_fulfilled": 945,
        "telegram-deu-2024-ip_or_phone-accounts_affected": 2237,
        "telegram-usa-2024-ip_or_phone-requests_fulfilled": 900,
        "telegram-usa-2024-ip_or_phone-accounts_affected": 2253,
    }
    assert rows(
        real_db, "SELECT claimed_value, kind FROM disagreements WHERE source_id = ?", TARNKAPPE_TELEGRAM_2024
    ) == [(2237, "swapped_requests_users")]


MOBIFLIP_TELEGRAM_BKA_2022 = "mobiflip-2022-09-telegram-bka"


def test_mobiflips_bka_counts_are_the_authority_reports_recorded_from_wdr(real_db):
    # mobiFlip relays the same NDR research as WDR: the BKA's own counts, never Telegram's figures.
    assert rows(
        real_db,
        """SELECT value FROM authority_reports WHERE report_id LIKE 'bka-telegram-2022-09-%'
           AND source_id = 'wdr-2022-09-telegram-bka-nutzerdaten' ORDER BY value""",
    ) == [(25,), (64,), (202,)]
    assert rows(
        real_db, "SELECT count(*) FROM figures WHERE source_id = ? AND is_derived = 0", MOBIFLIP_TELEGRAM_BKA_2022
    ) == [(0,)]
    assert corroborated(real_db, MOBIFLIP_TELEGRAM_BKA_2022) == {}


GOLEM_TELEGRAM_BKA_2022 = "golem-2022-09-telegram-loescht-hundertfach"
GIGA_TELEGRAM_BKA_2022 = "giga-2022-09-telegram-bka-loeschaufforderungen"


@pytest.mark.parametrize("source_id", [GOLEM_TELEGRAM_BKA_2022, GIGA_TELEGRAM_BKA_2022])
def test_golem_and_giga_relay_tagesschaus_bka_counts_already_recorded_from_wdr(real_db, source_id):
    # Both relay tagesschau's NDR/WDR report: the BKA's 202, 64 and 25 are the rows recorded from
    # WDR, so the relays add a name to those rows' notes, never a second row to be added to them.
    assert rows(real_db, "SELECT kind, tier FROM sources WHERE source_id = ?", source_id) == [
        ("press", "press_paraphrasing")
    ]
    recorded = rows(
        real_db,
        """SELECT value, source_id, instr(notes, ?) > 0 FROM authority_reports
           WHERE report_id LIKE 'bka-telegram-2022-09-%' ORDER BY value""",
        source_id,
    )
    assert recorded == [(value, "wdr-2022-09-telegram-bka-nutzerdaten", 1) for value in (25, 64, 202)]
    assert rows(real_db, "SELECT count(*) FROM authority_reports WHERE source_id = ?", source_id) == [(0,)]
    assert rows(real_db, "SELECT count(*) FROM figures WHERE source_id = ?", source_id) == [(0,)]
    assert corroborated(real_db, source_id) == {}
    # The 392 deletion requests are about content, not users' data: named as left out, not recorded.
    (notes,) = rows(real_db, "SELECT notes FROM sources WHERE source_id = ?", source_id)[0]
    assert "Not recorded: the" in notes and "392" in notes
    assert rows(real_db, "SELECT count(*) FROM authority_reports WHERE value IN (392, 370)") == [(0,)]


TAGESSCHAU_TELEGRAM_BKA_2022 = "tagesschau-2022-09-07-telegram-loescht"


def test_tagesschau_is_named_as_the_original_of_golems_and_gigas_relay(real_db):
    # golem.de and GIGA cite tagesschau; its own page is stored, so the BKA rows name it beside
    # them, and say what its stored text holds: the 202, but not the 64 or the 25 the relays give.
    assert rows(
        real_db, "SELECT kind, tier, published_date FROM sources WHERE source_id = ?", TAGESSCHAU_TELEGRAM_BKA_2022
    ) == [("press", "press_paraphrasing", "2022-09-07")]
    notes = dict(
        rows(real_db, "SELECT report_id, notes FROM authority_reports WHERE report_id LIKE 'bka-telegram-2022-09-%'")
    )
    assert len(notes) == 3
    for note in notes.values():
        assert TAGESSCHAU_TELEGRAM_BKA_2022 in note
        assert note.index(GOLEM_TELEGRAM_BKA_2022) < note.index(TAGESSCHAU_TELEGRAM_BKA_2022)
        assert "'Insgesamt 202 so'" in note and "the 64 and the 25 are not" in note
    # Its counts are the rows recorded from WDR, not rows of its own, and corroborate no figure.
    assert rows(
        real_db, "SELECT count(*) FROM authority_reports WHERE source_id = ?", TAGESSCHAU_TELEGRAM_BKA_2022
    ) == [(0,)]
    assert corroborated(real_db, TAGESSCHAU_TELEGRAM_BKA_2022) == {}
    ((source_notes,),) = rows(real_db, "SELECT notes FROM sources WHERE source_id = ?", TAGESSCHAU_TELEGRAM_BKA_2022)
    for relay in (GOLEM_TELEGRAM_BKA_2022, GIGA_TELEGRAM_BKA_2022, "bka-telegram-2022-09-*"):
        assert relay in source_notes
    assert notes_name(real_db, TAGESSCHAU_TELEGRAM_BKA_2022, "Not recorded: the 392", "370")


INFOREADER_404MEDIA_TELEGRAM_2025Q1 = "inforeader-2025-05-404media-telegram-22777"


def test_404_medias_us_first_quarter_of_2025_is_corroborations_beside_its_compilation_sums(real_db):
    assert corroborated(real_db, INFOREADER_404MEDIA_TELEGRAM_2025Q1) == {
        "telegram-usa-2025q1-ip_or_phone-requests_fulfilled": 576,
        "telegram-usa-2025q1-ip_or_phone-accounts_affected": 1664,
    }
    assert rows(
        real_db,
        "SELECT claimed_value FROM disagreements WHERE source_id = ? AND figure_id IS NULL ORDER BY 1",
        INFOREADER_404MEDIA_TELEGRAM_2025Q1,
    ) == [(5826,), (13615,), (22277,), (22777,)]


MEINMMO_TELEGRAM_2025Q1 = "meinmmo-2025-05-telegram-22777"


def test_mein_mmos_two_compilation_sums_are_each_a_disagreement_like_404_medias(real_db):
    claimed = rows(
        real_db, "SELECT claimed_value, kind FROM disagreements WHERE source_id = ? ORDER BY 1", MEINMMO_TELEGRAM_2025Q1
    )
    assert claimed == [(5826, "partial_sum"), (22777, "partial_sum")]
    # The same sums 404 Media made, which its own disagreements record.
    assert {value for value, _ in claimed} <= {
        value
        for (value,) in rows(
            real_db, "SELECT claimed_value FROM disagreements WHERE source_id = ?", INFOREADER_404MEDIA_TELEGRAM_2025Q1
        )
    }


SISAONE_KNPA_TELEGRAM = "sisaone-2024-09-telegram-police-20-per-year"


def test_sisaones_police_count_for_telegram_is_an_authority_report_and_its_all_company_counts_no_figure(real_db):
    assert rows(
        real_db, "SELECT value_kind, value FROM authority_reports WHERE source_id = ?", SISAONE_KNPA_TELEGRAM
    ) == [("about", 20)]
    # Its requests to all foreign IT companies together are no platform's count.
    assert rows(real_db, "SELECT count(*) FROM figures WHERE source_id = ?", SISAONE_KNPA_TELEGRAM) == [(0,)]
    assert corroborated(real_db, SISAONE_KNPA_TELEGRAM) == {}


@pytest.mark.parametrize(
    "source_id",
    [
        "bitget-2025-01-telegram-2000-cases",
        CANDLEFOCUS_TELEGRAM_2024,
        PROTOS_TELEGRAM_2024,
        PUSHBUDS_TELEGRAM,
    ],
)
def test_the_us_year_told_as_its_last_months_is_a_disagreement_on_users_as_on_requests(real_db, source_id):
    # Each puts the bot's whole-year 900 requests and 2,253 users after September, in one sentence.
    assert rows(
        real_db,
        """SELECT d.figure_id, d.claimed_value, f.value FROM disagreements d
           JOIN figures f ON f.figure_id = d.figure_id
           WHERE d.source_id = ? AND d.kind = 'wrong_period' ORDER BY 1""",
        source_id,
    ) == [
        ("telegram-usa-2024-ip_or_phone-accounts_affected", 2253, 2253),
        ("telegram-usa-2024-ip_or_phone-requests_fulfilled", 900, 900),
    ]
