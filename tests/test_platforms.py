"""A few figures per platform, pinned against the built database (issue: other platforms)."""

import calendar
import re

import pytest

from tests.conftest import rows

# figure_id -> (value_kind, value, value_low, value_high)
PINNED = {
    # Issue 11: the extractions and the smaller platforms' own text.
    "apple-gbr-2025h1-device-requests_received": ("exact", 2409, None, None),
    "microsoft-fra-2025h1-legal_process-requests_received": ("exact", 2090, None, None),
    "tuta-world-2024h1-subscriber_data-requests_received": ("exact", 100, None, None),
    "mailbox_org-world-2024-all-requests_received": ("exact", 83, None, None),
    # mailbox.org before 2023: its English reports for 2019 and 2020, its German report for 2021 (total
    # and rejected only: the stored copy stops before the table) and its press release for 2022.
    "mailbox_org-world-2019-telecom_surveillance-requests_received": ("exact", 3, None, None),
    "mailbox_org-deu-2020-all-requests_received": ("exact", 79, None, None),
    "mailbox_org-world-2021-all-requests_rejected": ("exact", 10, None, None),
    "mailbox_org-world-2022-subscriber_data-requests_received": ("exact", 49, None, None),
    # Its 2025 report, in English ("mailbox"): the total and the rejections that stood.
    "mailbox_org-world-2025-all-requests_received": ("exact", 74, None, None),
    "mailbox_org-world-2025-all-requests_rejected": ("exact", 18, None, None),
    "posteo-world-2016-all-requests_received": ("exact", 35, None, None),
    "dropbox-usa-2013-national_security-requests_received": ("band", None, 0, 249),
    "wikimedia-world-20120701-20140630-all_with_civil-requests_received": ("exact", 56, None, None),
    "mozilla-world-2024h2-subpoena-requests_received": ("exact", 23, None, None),
    "mozilla-usa-2023h2-national_security-requests_received": ("band", None, 0, 249),
    "apple-usa-2024h1-push_token-requests_received": ("exact", 129, None, None),
    "cloudflare-world-2016h2-mlat-requests_received": ("exact", 4, None, None),
    "discord-world-2021h2-all-requests_received": ("exact", 2852, None, None),
    "discord-world-2021h2-all-requests_fulfilled": ("exact", 2559, None, None),
    "cloudflare-usa-2013-national_security-requests_received": ("band", None, 0, 249),
    "github-world-2026h1-all-accounts_affected": ("exact", 622, None, None),
    "github-usa-2014h1-national_security-requests_received": ("band", None, 0, 249),
    "google-usa-2022h2-court_order-accounts_specified": ("exact", 10402, None, None),
    "google-usa-2022h2-court_order-percent_requests_some_data": ("exact", 88, None, None),
    "meta-world-2023h1-all-accounts_specified": ("exact", 469372, None, None),
    # "During the second half of 2021, Microsoft received a total number of 25,182 legal requests related
    # to our consumer services from law enforcement agencies around the world" (Microsoft, 2022-04-21):
    # the report's criminal section, emergency requests apart, so legal process like its countries' rows.
    "microsoft-world-2021h2-legal_process-requests_received": ("exact", 25182, None, None),
    "proton-world-2023-all-requests_complied": ("exact", 5971, None, None),
    "protonvpn-world-2025h1-all-requests_rejected": ("exact", 29, None, None),
    "reddit-world-2019-all-requests_received": ("exact", 772, None, None),
    "snap-usa-2016h1-all-accounts_specified": ("exact", 2455, None, None),
    "snap-usa-2025h2-court_order-requests_received": ("exact", 461, None, None),
    "snap-usa-2024h1-court_order-fraction_requests_some_data": ("exact", 0.83, None, None),
    "discord-usa-2024h1-legal_process-requests_received": ("exact", 3782, None, None),
    "tiktok-usa-2023h1-all-requests_received": ("exact", 2944, None, None),
    "x-world-2024h1-all-requests_received": ("exact", 18737, None, None),
    "x-eu-2024h1-all-requests_received": ("exact", 7872, None, None),
    # Platforms known so far only by their EU DSA orders to provide information.
    "facebook-eu-2025h2-dsa_information_order-requests_received": ("exact", 2383, None, None),
    "instagram-eu-2026h1-dsa_information_order-requests_received": ("exact", 2291, None, None),
    "pinterest-fra-2026h1-dsa_information_order-requests_received": ("exact", 4, None, None),
    # Pinterest's global report for January-June 2020 (its Help Center page as stored then): the U.S.
    # "Total 46 46 55 5" row, Canada's single "Other*" request, and national security as its band.
    "pinterest-usa-2020h1-all-requests_received": ("exact", 46, None, None),
    "pinterest-usa-2020h1-all-accounts_counted": ("exact", 55, None, None),
    "pinterest-usa-2020h1-subpoena-requests_fulfilled": ("exact", 28, None, None),
    "pinterest-can-2020h1-other-requests_received": ("exact", 1, None, None),
    "pinterest-usa-2020h1-national_security-requests_received": ("band", None, 0, 249),
    # Its "H1 2019 Transparency Report", per quarter: 15 of April-June's 17 subpoenas produced some
    # information, and "January - March 2019 0 0 0 n/a" is a reported zero from outside the US.
    "pinterest-usa-2019q2-subpoena-requests_received": ("exact", 17, None, None),
    "pinterest-usa-2019q2-subpoena-requests_fulfilled": ("exact", 15, None, None),
    "pinterest-usa-2019q1-all-accounts_counted": ("exact", 20, None, None),
    "pinterest-intl-2019q1-all-requests_received": ("exact", 0, None, None),
    "pinterest-usa-2019h1-national_security-requests_received": ("band", None, 0, 249),
    # Adweek on its H1 2017 report (press): "a total of 78 requests ... from January through March".
    "pinterest-usa-2017q1-all-requests_received": ("exact", 78, None, None),
    "pinterest-usa-2017q2-subpoena-requests_fulfilled": ("exact", 21, None, None),
    "amazon_store-eu-2025h2-dsa_information_order-requests_received": ("exact", 455, None, None),
    # Amazon's global law-enforcement requests (issue: amazon), known only from the press: January-June 2020
    # by legal process, July-December 2020 requests processed by country; AWS apart.
    "amazon-usa-2020h1-subpoena-requests_received": ("exact", 2416, None, None),
    "amazon-usa-2020h1-national_security-requests_received": ("band", None, 0, 249),
    "amazon-intl-2020h1-all-requests_received": ("exact", 177, None, None),
    "amazon-world-2020h2-all-requests_processed": ("exact", 27664, None, None),
    "amazon-deu-2020h2-all-requests_processed": ("exact", 11735, None, None),
    "aws-world-2020h2-all-requests_processed": ("exact", 523, None, None),
    # Amazon's 2019 half-years, from press that gives AWS's figures apart: the consumer side alone.
    "amazon-usa-2019h1-subpoena-requests_received": ("exact", 1955, None, None),
    "amazon-intl-2019h1-all-requests_received": ("exact", 270, None, None),
    "amazon-usa-2019h2-search_warrant-requests_received": ("exact", 440, None, None),
    # The Hindu: "Amazon processed 52 requests and AWS processed 15 requests with content information".
    "amazon-world-2020h2-all-requests_content_disclosed": ("exact", 52, None, None),
    "aws-world-2020h2-all-requests_content_disclosed": ("exact", 15, None, None),
    "youtube-eu-2025h2-dsa_information_order-requests_received": ("exact", 8, None, None),
    # Google's other DSA services: a reported zero is a figure, never left out
    "google_play-eu-2025h2-dsa_information_order-requests_received": ("exact", 0, None, None),
    "google_search-eu-2026h1-dsa_information_order-requests_received": ("exact", 0, None, None),
    "google_maps-eu-2026h1-dsa_information_order-requests_received": ("exact", 0, None, None),
    "google_shopping-eu-2025h2-dsa_information_order-requests_received": ("exact", 0, None, None),
    # issue-10 imports (values checked against the archived files)
    "google_workspace-usa-2024h1-search_warrant-requests_received": ("exact", 131, None, None),
    "google_cloud-usa-2024h1-search_warrant-requests_received": ("exact", 3, None, None),
    "daum-kor-2020h2-kr_search_seizure_warrant-accounts_counted": ("exact", 53980, None, None),
    "kakao-kor-2021h1-kr_comm_user_data-requests_received": ("exact", 34, None, None),
    "naver-kor-2025h1-kr_comm_confirmation_data-requests_received": ("exact", 667, None, None),
    "linkedin-usa-2025h2-all-requests_received": ("exact", 443, None, None),
    # Tumblr's own 2013 post and its January-June 2015 PDF: Tumblr URLs, not accounts.
    "tumblr-world-2013-all-requests_received": ("exact", 462, None, None),
    "tumblr-world-2013-all-accounts_specified": ("exact", 529, None, None),
    "tumblr-usa-2013-all-percent_requests_some_data": ("exact", 84, None, None),
    "tumblr-world-2015h1-all-requests_received": ("exact", 190, None, None),
    # July-December 2016: only the U.S. blogs of its overview sentence are in the stored text.
    "tumblr-usa-2016h2-all-accounts_specified": ("exact", 260, None, None),
    # LINE: 2018-H2 as corrected on 2021-10-18 (first published as 1,725), and LY Corporation's Japan table.
    "line-world-2018h2-all-requests_received": ("exact", 1712, None, None),
    "line-world-2018h2-all-accounts_affected": ("exact", 1625, None, None),
    "line-jpn-2024h2-jp_warrant-requests_received": ("exact", 3545, None, None),
    "line-jpn-2024h2-all-percent_requests_some_data": ("exact", 98.7, None, None),
    # Zoom's page text: its first report (requests processed May 1 to December 12, 2020) and the U.S.
    # requests of a half-year from the delayed-notice sentence (first captured as "142 out of 54").
    "zoom-usa-20200501-20201212-all-requests_processed": ("exact", 803, None, None),
    "zoom-intl-20200501-20201212-all-requests_processed": ("exact", 424, None, None),
    "zoom-usa-2023h1-all-requests_processed": ("exact", 142, None, None),
    "zoom-usa-2024h2-all-requests_processed": ("exact", 175, None, None),
    # Zoom's national-security tables print every cell "0–500" though its text says the bands start
    # "with 0–499": the printed cell is kept.
    "zoom-usa-2022h2-nsl-requests_received": ("band", None, 0, 500),
    "zoom-usa-2023h2-fisa_content-accounts_specified": ("band", None, 0, 500),
    "zoom-usa-2024h1-fisa_non_content-requests_received": ("band", None, 0, 500),
}


@pytest.mark.parametrize("figure_id", sorted(PINNED))
def test_pinned_platform_figures(real_db, figure_id):
    assert rows(
        real_db, "SELECT value_kind, value, value_low, value_high FROM figures WHERE figure_id = ?", figure_id
    ) == [PINNED[figure_id]]


def test_every_platform_with_figures_is_pinned(real_db):
    with_figures = {
        r[0] for r in rows(real_db, "SELECT DISTINCT platform_id FROM figures WHERE platform_id != 'telegram'")
    }
    assert with_figures == {fid.split("-")[0] for fid in PINNED}


ZOOM_ROW_LABEL = re.compile(r"¶ (\w{3}) (\d{4}) – (\w{3}) (\d{4}) ")


def test_zoom_national_security_rows_keep_the_half_year_their_label_names(real_db):
    # Zoom states no reporting delay for its FISA figures, and its report for January-June 2024
    # (released July 25, 2024) already lists the row "Jan 2024 – Jun 2024". A row is therefore filed
    # under the half-year its label names, by the report that first printed it and by every later
    # report that repeats it; shifting FISA rows back six months, as Microsoft's delay requires,
    # would misdate Zoom's.
    months = {name: number for number, name in enumerate(calendar.month_abbr) if name}
    quoted = rows(
        real_db,
        """SELECT f.figure_id, f.period_start, f.period_end, f.quote FROM figures f
           WHERE f.platform_id = 'zoom' AND f.value_kind = 'band'
           UNION ALL
           SELECT f.figure_id, f.period_start, f.period_end, c.quote FROM corroborations c
           JOIN figures f USING (figure_id) WHERE f.platform_id = 'zoom' AND f.value_kind = 'band'""",
    )
    labelled = [(fid, start, end, ZOOM_ROW_LABEL.search(quote)) for fid, start, end, quote in quoted]
    labelled = [(fid, start, end, label.groups()) for fid, start, end, label in labelled if label]
    assert {fid.split("-")[2] for fid, *_ in labelled} >= {"2022h2", "2023h1", "2023h2", "2024h1"}
    for figure_id, start, end, (first, first_year, last, last_year) in labelled:
        last_day = calendar.monthrange(int(last_year), months[last])[1]
        named = (f"{first_year}-{months[first]:02}-01", f"{last_year}-{months[last]:02}-{last_day}")
        assert (start, end) == named, figure_id


def test_bands_are_never_coerced_to_a_number(real_db):
    assert rows(real_db, "SELECT count(*) FROM figures WHERE value_kind != 'exact' AND value IS NOT NULL") == [(0,)]


def test_fractions_stay_within_0_and_1_and_are_never_converted(real_db):
    assert rows(real_db, """SELECT count(*) FROM figures WHERE unit = 'fraction' AND (value < 0 OR value > 1)""") == [
        (0,)
    ]
    assert rows(real_db, """SELECT DISTINCT metric_id FROM figures WHERE unit = 'fraction'""") == [
        ("fraction_requests_some_data",)
    ]


def test_percentages_stay_within_0_and_100(real_db):
    assert rows(
        real_db,
        """SELECT count(*) FROM figures JOIN metrics m USING (metric_id)
                            WHERE m.unit = 'percent' AND (value < 0 OR value > 100)""",
    ) == [(0,)]


def test_every_platform_says_what_it_does_not_report(real_db):
    assert rows(real_db, "SELECT count(*) FROM platforms WHERE not_reported IS NULL OR not_reported = ''") == [(0,)]


def test_discord_says_it_gives_no_all_requests_total_from_2022(real_db):
    # Its stored files from 2022-Q1 to 2024-H1 hold legal-process, non-US, preservation and
    # emergency tables, each with its own Total, and no total of them; its last all-requests total
    # is July-December 2021's "Total:" (preservation requests in it).
    ((not_reported,),) = rows(real_db, "SELECT not_reported FROM platforms WHERE platform_id = 'discord'")
    assert "No all-requests total from 2022" in not_reported
    assert rows(
        real_db,
        "SELECT figure_id FROM figures WHERE platform_id = 'discord' AND request_type_id = 'all' ORDER BY figure_id",
    ) == [("discord-world-2021h2-all-requests_fulfilled",), ("discord-world-2021h2-all-requests_received",)]


def test_reddit_2019_non_emergency_requests_quote_the_whole_bullet(real_db):
    # The mirror first stored was cut at "406 were non-emerg"; other mirrors of the same post hold it whole.
    ((quote, locator),) = rows(
        real_db,
        "SELECT quote, source_locator FROM figures WHERE figure_id = 'reddit-world-2019-legal_process-requests_received'",
    )
    assert quote == "406 were non-emergency requests (73% of which we complied with)"
    assert "cut" not in locator


def test_microsofts_h2_2021_post_read_from_a_proxy_is_an_archived_copy(real_db):
    # Its text was read from a proxy's copy (archived_url), not at Microsoft's own address; as the
    # sources read from a mirror or proxy are, that is the platform's words archived by someone else.
    assert rows(
        real_db,
        """SELECT s.tier, s.archived_url LIKE 'https://accionvegana.org/%' FROM figures f JOIN sources s USING (source_id)
           WHERE f.figure_id = 'microsoft-world-2021h2-legal_process-requests_received'""",
    ) == [("platform_file_archived", 1)]


def test_microsofts_h1_2019_post_corroborates_the_totals_it_states(real_db):
    # The post releasing the January-June 2019 report states 24,175 for its own half-year and 21,433
    # for the one before; the two figures quote later or earlier posts.
    assert rows(
        real_db,
        """SELECT c.figure_id, f.value FROM corroborations c JOIN figures f USING (figure_id)
           WHERE c.source_id = 'microsoft-2019-10-29-digital-trust-reports' AND f.jurisdiction_id = 'WORLD'
             AND instr(c.quote, printf('%,d', f.value)) > 0
           ORDER BY c.figure_id""",
    ) == [
        ("microsoft-world-2018h2-legal_process-requests_received", 21433),
        ("microsoft-world-2019h1-legal_process-requests_received", 24175),
    ]


def test_microsofts_2020_worldwide_totals_rest_on_more_than_silicon_de(real_db):
    # 24,093 (H1 2020) and 24,798 (H2 2020) stood on silicon.de alone, the weakest tier; ZDNet, The
    # Register and TechRepublic give both in their own words. Microsoft's own post is not stored.
    totals = (
        "microsoft-world-2020h1-legal_process-requests_received",
        "microsoft-world-2020h2-legal_process-requests_received",
    )
    assert (
        rows(real_db, "SELECT source_id FROM figures WHERE figure_id IN (?, ?)", *totals)
        == [("silicon-de-2021-04-microsoft-us-anfragen-2020",)] * 2
    )
    press = [
        "techrepublic-microsoft-digital-trust-reports-h2-2020",
        "theregister-2021-04-microsoft-25000-consumer-data-requests",
        "zdnet-microsoft-us-law-enforcement-requests-2020",
    ]
    assert rows(
        real_db,
        """SELECT c.figure_id, c.source_id FROM corroborations c JOIN figures f USING (figure_id)
           WHERE c.figure_id IN (?, ?) AND instr(c.quote, printf('%,d', f.value)) > 0
           ORDER BY c.figure_id, c.source_id""",
        *totals,
    ) == [(figure_id, source_id) for figure_id in totals for source_id in press]


def test_zdnet_and_eweek_corroborate_microsofts_h1_2015_requests_and_accounts(real_db):
    # ZDNet.de gives 62,750 accounts only as the year before its H1 2016 figures; ZDNet's own report of
    # the H1 2015 release and eWeek give the same 35,228 requests and 62,750 users or accounts.
    assert rows(
        real_db,
        """SELECT c.figure_id, c.source_id FROM corroborations c JOIN figures f USING (figure_id)
           WHERE c.figure_id GLOB 'microsoft-world-2015h1-all-*' AND c.source_id NOT GLOB 'zdnet-de-*'
             AND instr(c.quote, printf('%,d', f.value)) > 0
           ORDER BY c.figure_id, c.source_id""",
    ) == [
        (figure_id, source_id)
        for figure_id in (
            "microsoft-world-2015h1-all-accounts_specified",
            "microsoft-world-2015h1-all-requests_received",
        )
        for source_id in ("eweek-2016-03-30-microsoft-requests-h2-2015", "zdnet-microsoft-transparency-report-h1-2015")
    ]


def microsoft_country_accounts(real_db, start: str, end: str) -> int:
    """The sum of Microsoft's reported legal-process accounts over its country and territory rows
    for one period: what a worldwide accounts figure from the press is checked against."""
    [(total,)] = rows(
        real_db,
        """SELECT sum(c.value) FROM figures c JOIN jurisdictions j USING (jurisdiction_id)
           WHERE c.platform_id = 'microsoft' AND c.period_start = ? AND c.period_end = ?
             AND c.request_type_id = 'legal_process' AND c.metric_id = 'accounts_specified'
             AND j.kind IN ('country', 'territory') AND c.is_derived = 0""",
        start,
        end,
    )
    return total


def test_microsofts_h2_2017_worldwide_accounts_are_the_press_figure_its_country_rows_add_up_to(real_db):
    # The Register (and The Inquirer after it) give 40,181 accounts or users beside the 22,939 requests
    # Microsoft's own post states; no stored Microsoft text gives the accounts. It keeps the requests'
    # meaning: the legal-process series whose country rows add up to it, emergency requests apart.
    figure_id = "microsoft-world-2017h2-legal_process-accounts_specified"
    assert rows(
        real_db,
        """SELECT f.value, f.source_id, s.tier, f.is_derived FROM figures f JOIN sources s USING (source_id)
           WHERE f.figure_id = ?""",
        figure_id,
    ) == [(40181, "theregister-2018-04-20-microsoft-government-requests-all-time-low", "press_paraphrasing", 0)]
    assert microsoft_country_accounts(real_db, "2017-07-01", "2017-12-31") == 40181
    assert rows(
        real_db,
        "SELECT source_id FROM corroborations WHERE figure_id = ? AND instr(quote, '40,181') > 0",
        figure_id,
    ) == [("theinquirer-2018-04-23-microsoft-gov-data-requests-2017",)]


def test_microsofts_h2_2020_worldwide_accounts_are_the_press_figure_its_country_rows_add_up_to(real_db):
    # TechRepublic gives 45,258 users/accounts beside the 24,798 requests; no stored Microsoft text does.
    assert rows(
        real_db,
        """SELECT f.value, f.source_id, s.tier FROM figures f JOIN sources s USING (source_id)
           WHERE f.figure_id = 'microsoft-world-2020h2-legal_process-accounts_specified'""",
    ) == [(45258, "techrepublic-microsoft-digital-trust-reports-h2-2020", "press_paraphrasing")]
    assert microsoft_country_accounts(real_db, "2020-07-01", "2020-12-31") == 45258


def test_mailbox_orgs_english_2024_report_heading_2023_is_a_recorded_disagreement_not_a_2023_figure(real_db):
    # The English 2024 report heads its table "Requests sent to mailbox.org in the year 2023" over the
    # 2024 figures (83), while its own text says the total fell "from 133 (2023) to 83 (2024)": the
    # 2023 figure keeps 133 and the heading is kept as a wrong_period disagreement, while the page's
    # sentences that name a year corroborate that year's figures.
    assert rows(
        real_db,
        """SELECT f.value, d.claimed_value, d.kind FROM disagreements d JOIN figures f USING (figure_id)
           WHERE d.source_id = 'mailbox-org-en-transparency-report-2024'""",
    ) == [(133, 83, "wrong_period")]
    assert rows(
        real_db,
        """SELECT figure_id FROM corroborations WHERE source_id = 'mailbox-org-en-transparency-report-2024'
           ORDER BY figure_id""",
    ) == [
        ("mailbox_org-world-2023-all-percent_requests_rejected",),
        ("mailbox_org-world-2023-all-requests_received",),
        ("mailbox_org-world-2024-all-percent_requests_rejected",),
        ("mailbox_org-world-2024-all-requests_received",),
        ("mailbox_org-world-2024-all-requests_rejected",),
    ]


def test_mailbox_orgs_2025_report_brings_it_up_to_its_yearly_cadence(real_db):
    # The stored 2025 report raises published_up_to with the figures it gives, so the platform is
    # neither behind its own claim nor behind its yearly cadence on the date the report was read.
    assert rows(
        real_db,
        """SELECT dataset_up_to, published_up_to, source_id, behind_cadence, dataset_behind_months
           FROM platform_freshness WHERE platform_id = 'mailbox_org'""",
    ) == [("2025-12-31", "2025-12-31", "mailbox-2025-transparency-report-en", 0, None)]


def test_metas_2022_totals_rest_on_metas_own_post_with_the_press_as_corroboration(real_db):
    # Meta's Portuguese newsroom post on July-December 2022 gives the worldwide totals of both 2022
    # halves ("de 237.414 para 239.388") and the US one (64.148): Meta's own words carry the figures,
    # and the press that quoted them (tier 5 or 6) is kept as a corroboration: at least one article
    # each, and more as other articles that give the same count are recorded.
    carried = (
        "meta-usa-2022h2-all-requests_received",
        "meta-world-2022h1-all-requests_received",
        "meta-world-2022h2-all-requests_received",
    )
    assert rows(
        real_db,
        """SELECT f.figure_id, f.value, s.tier, (SELECT count(*) > 0 FROM corroborations c
             JOIN sources p ON p.source_id = c.source_id WHERE c.figure_id = f.figure_id AND p.kind = 'press')
           FROM figures f JOIN sources s USING (source_id)
           WHERE f.figure_id IN (?, ?, ?) ORDER BY f.figure_id""",
        *carried,
    ) == [
        ("meta-usa-2022h2-all-requests_received", 64148, "platform_file", 1),
        ("meta-world-2022h1-all-requests_received", 237414, "platform_file", 1),
        ("meta-world-2022h2-all-requests_received", 239388, "platform_file", 1),
    ]


def test_metas_us_total_for_january_june_2022_rests_on_metas_own_post(real_db):
    # Meta's Portuguese post on January-June 2022 gives the US total ("recebemos 69.363 solicitações"):
    # it carries the figure, National Herald's quote of the English post is kept as a corroboration,
    # and the post corroborates the worldwide 237,414 that Meta's next post carries. Other articles
    # that give the same counts are corroborations too, beside these.
    carried = rows(
        real_db,
        """SELECT f.figure_id, f.value, f.source_id, s.tier FROM figures f JOIN sources s USING (source_id)
           WHERE f.figure_id IN ('meta-usa-2022h1-all-requests_received', 'meta-world-2022h1-all-requests_received')
           ORDER BY f.figure_id""",
    )
    assert carried == [
        (
            "meta-usa-2022h1-all-requests_received",
            69363,
            "meta-br-2022-11-transparency-report-h1-2022",
            "platform_file",
        ),
        (
            "meta-world-2022h1-all-requests_received",
            237414,
            "meta-br-2023-05-transparency-report-h2-2022",
            "platform_file",
        ),
    ]
    corroborating = {
        figure_id: {
            source_id
            for (source_id,) in rows(real_db, "SELECT source_id FROM corroborations WHERE figure_id = ?", figure_id)
        }
        for figure_id, *_ in carried
    }
    assert "nationalherald-2022-11-23-meta-india-requests" in corroborating["meta-usa-2022h1-all-requests_received"]
    assert {
        "meta-br-2022-11-transparency-report-h1-2022",
        "timesofindia-2022-11-24-meta-transparency-report",
    } <= corroborating["meta-world-2022h1-all-requests_received"]


def test_metas_worldwide_total_for_july_december_2019_rests_on_metas_own_post(real_db):
    # Facebook's post on July-December 2019 gives its worldwide total ("from 128,617 to 140,875"), as
    # does its Portuguese version; technologyforyou's repost of the next half-year's post, which
    # carried the figure, is kept as a corroboration.
    assert rows(
        real_db,
        """SELECT f.value, f.source_id, s.tier, (SELECT group_concat(source_id, ' ') FROM
             (SELECT c.source_id FROM corroborations c WHERE c.figure_id = f.figure_id ORDER BY c.source_id))
           FROM figures f JOIN sources s USING (source_id)
           WHERE f.figure_id = 'meta-world-2019h2-all-requests_received'""",
    ) == [
        (
            140875,
            "meta-2020-05-transparency-report-h2-2019",
            "platform_file",
            "meta-br-2020-05-transparency-report-h2-2019 technologyforyou-2020-h1-facebook-transparency-report",
        )
    ]


def test_metas_us_total_for_january_june_2020_rests_on_metas_own_post(real_db):
    # Facebook's post on January-June 2020 gives the US total ("we received 61,528 requests"), as does
    # its Portuguese version; technologyforyou's repost, which carried the figure, is kept as a
    # corroboration, and the post (and the repost) corroborate the worldwide 173,592 that Meta's next
    # post carries.
    assert rows(
        real_db,
        """SELECT f.figure_id, f.value, f.source_id, s.tier, (SELECT group_concat(source_id, ' ') FROM
             (SELECT c.source_id FROM corroborations c WHERE c.figure_id = f.figure_id ORDER BY c.source_id))
           FROM figures f JOIN sources s USING (source_id)
           WHERE f.figure_id IN ('meta-usa-2020h1-all-requests_received', 'meta-world-2020h1-all-requests_received')
           ORDER BY f.figure_id""",
    ) == [
        (
            "meta-usa-2020h1-all-requests_received",
            61528,
            "meta-2020-11-transparency-report-h1-2020",
            "platform_file",
            "meta-br-2020-11-transparency-report-h1-2020 technologyforyou-2020-h1-facebook-transparency-report",
        ),
        (
            "meta-world-2020h1-all-requests_received",
            173592,
            "meta-2021-05-transparency-report-h2-2020",
            "platform_file",
            "meta-2020-11-transparency-report-h1-2020 technologyforyou-2020-h1-facebook-transparency-report",
        ),
    ]


def test_metas_us_total_for_july_december_2019_is_read_from_metas_own_post(real_db):
    # The dataset had no US figure for July-December 2019; Facebook's post on that half-year gives it
    # ("we received 51,121 requests") and its Portuguese version agrees, and the build derives the US
    # year 2019 from the two halves Meta's posts give (50,741 + 51,121).
    assert rows(
        real_db,
        """SELECT f.figure_id, f.value, f.source_id, (SELECT group_concat(c.source_id, ' ') FROM corroborations c
             WHERE c.figure_id = f.figure_id)
           FROM figures f
           WHERE f.platform_id = 'meta' AND f.jurisdiction_id = 'USA' AND f.request_type_id = 'all'
             AND f.metric_id = 'requests_received' AND f.period_start >= '2019-01-01' AND f.period_end <= '2019-12-31'
           ORDER BY f.period_start, f.period_end DESC""",
    ) == [
        ("meta-usa-2019-all-requests_received-derived", 101862, None, None),
        (
            "meta-usa-2019h1-all-requests_received",
            50741,
            "meta-2019-11-continued-progress-in-transparency",
            None,
        ),
        (
            "meta-usa-2019h2-all-requests_received",
            51121,
            "meta-2020-05-transparency-report-h2-2019",
            "meta-br-2020-05-transparency-report-h2-2019",
        ),
    ]


def test_metas_worldwide_total_for_january_june_2018_is_read_from_its_next_post(real_db):
    # Facebook's post on July-December 2018 gives both halves ("from 103,815 to 110,634"): the
    # first half was missing, and the second, read from the next post, is corroborated by it.
    assert rows(
        real_db,
        """SELECT f.figure_id, f.value, f.source_id, (SELECT group_concat(c.source_id, ' ') FROM corroborations c
             WHERE c.figure_id = f.figure_id)
           FROM figures f
           WHERE f.platform_id = 'meta' AND f.jurisdiction_id = 'WORLD' AND f.request_type_id = 'all'
             AND f.metric_id = 'requests_received' AND f.period_start >= '2018-01-01' AND f.period_end <= '2018-12-31'
           ORDER BY f.period_start, f.period_end DESC""",
    ) == [
        ("meta-world-2018-all-requests_received-derived", 214449, None, None),
        (
            "meta-world-2018h1-all-requests_received",
            103815,
            "meta-2019-05-transparency-report-h2-2018",
            "meta-br-2018-11-transparency-report-h1-2018",
        ),
        (
            "meta-world-2018h2-all-requests_received",
            110634,
            "meta-2019-11-continued-progress-in-transparency",
            "meta-2019-05-transparency-report-h2-2018",
        ),
    ]


def test_metas_worldwide_total_for_july_december_2017_and_the_portuguese_typo_of_2018(real_db):
    # Facebook's Portuguese post on January-June 2018 gives the half before it ("de 82.341 para
    # 103.815"); its post on July-December 2018 says 110.637 where every other post says 110,634:
    # a recorded typo, and 110,634 kept.
    assert rows(
        real_db,
        "SELECT value, source_id FROM figures WHERE figure_id = 'meta-world-2017h2-all-requests_received'",
    ) == [(82341, "meta-br-2018-11-transparency-report-h1-2018")]
    assert rows(
        real_db,
        "SELECT d.claimed_value, d.kind, f.value FROM disagreements d JOIN figures f USING (figure_id)"
        " WHERE d.source_id = 'meta-br-2019-05-transparency-report-h2-2018'",
    ) == [(110637, "typo", 110634)]


def test_metas_notes_say_where_later_worldwide_totals_were_looked_for(real_db):
    # Meta's worldwide totals stop at January-June 2023 (press) and its freshness at July-December
    # 2024 (Bangladesh's figures): its search log must say which stored copies were read and found
    # empty, so no later total is typed in from memory or from a copy that was never read; its notes
    # say where the worldwide totals end.
    ((notes, search_log),) = rows(real_db, "SELECT notes, search_log FROM platforms WHERE platform_id = 'meta'")
    assert "No stored copy gives figures for a period after July-December 2024 (searched on 2026-12-05" in search_log
    assert "On 2026-12-04: no repository found keeps Meta's government-request figures" in search_log
    assert "38 captures of govtrequests.facebook.com in milonmaze/privacy-terms-observatory" in search_log
    assert "integrity-reports-q1-2024 and integrity-reports-q3-2024" in search_log
    assert "The newest worldwide total recorded is January-June 2023's" in notes
    assert "searched" not in notes.lower()
    assert rows(
        real_db, "SELECT max(period_end) FROM figures WHERE platform_id = 'meta' AND jurisdiction_id = 'WORLD'"
    ) == [("2023-06-30",)]


def test_amazons_global_requests_stay_apart_from_its_dsa_orders_and_from_aws(real_db):
    # Three regimes or scopes: Amazon's consumer services, AWS, and Amazon Store's EU DSA orders.
    kinds = dict(
        rows(
            real_db,
            "SELECT platform_id, group_concat(DISTINCT request_type_id) FROM figures"
            " WHERE platform_id IN ('amazon', 'aws', 'amazon_store') AND is_derived = 0 GROUP BY platform_id",
        )
    )
    assert "dsa_information_order" not in kinds["amazon"] and "dsa_information_order" not in kinds["aws"]
    assert kinds["amazon_store"] == "dsa_information_order"


def test_amazons_27664_requests_are_processed_and_the_fulfilled_reading_is_a_disagreement(real_db):
    assert rows(
        real_db,
        "SELECT kind, claimed_value FROM disagreements WHERE figure_id = 'amazon-world-2020h2-all-requests_processed'",
    ) == [("received_vs_fulfilled", 27664)]
    assert rows(
        real_db,
        "SELECT count(*) FROM figures WHERE platform_id = 'amazon' AND metric_id = 'requests_fulfilled'",
    ) == [(0,)]


def test_amazons_january_june_2020_has_its_parts_and_no_press_total(real_db):
    # Amazon counted subpoenas, warrants, court orders and non-U.S. requests apart; the press's 3,222 (The
    # Tech Portal's and all-global-news's) and 3,282 are recorded as disagreements with no figure kept,
    # and the build derives no total either.
    assert rows(
        real_db,
        "SELECT count(*) FROM figures WHERE platform_id = 'amazon' AND period_start = '2020-01-01'"
        " AND request_type_id = 'all' AND jurisdiction_id IN ('WORLD', 'USA')",
    ) == [(0,)]
    assert sorted(
        rows(
            real_db,
            "SELECT claimed_value, coalesce(figure_id, '') FROM disagreements WHERE disagreement_id LIKE 'amazon-usa-2020h1-total-%'",
        )
    ) == [(3222, ""), (3222, ""), (3282, "")]


def test_amazons_newest_reports_are_said_to_be_missing_not_absent(real_db):
    # AWS's January-June 2025 report is known to exist; the dataset stops at July-December 2020.
    assert rows(
        real_db,
        "SELECT platform_id, published_up_to, dataset_up_to, behind_cadence FROM freshness"
        " WHERE platform_id IN ('amazon', 'aws') ORDER BY platform_id",
    ) == [("amazon", "2020-12-31", "2020-12-31", 1), ("aws", "2025-06-30", "2020-12-31", 1)]


def test_amazons_reports_before_aws_was_reported_apart_are_under_neither_platform(real_db):
    # Up to January-June 2017 Amazon's reports gave one set of figures, not split from AWS, and the press
    # disagrees on what they covered; AWS was reported apart by July-December 2018 at the latest. A
    # figure of those reports under amazon ("excluding AWS") or under aws would claim a scope nobody knows.
    before_the_split = rows(
        real_db,
        "SELECT figure_id FROM figures WHERE platform_id IN ('amazon', 'aws') AND period_start < '2018-07-01'",
    )
    assert before_the_split == []


def test_a_band_given_once_for_amazon_and_aws_together_is_under_neither(real_db):
    # January-June 2019: "0 to 249 national security requests for both consumers as well as cloud
    # services" is one band for both; filed under each platform it would read as two bands.
    bands_before_2020 = rows(
        real_db,
        "SELECT figure_id FROM figures WHERE platform_id IN ('amazon', 'aws')"
        " AND request_type_id = 'national_security' AND period_start < '2020-01-01'",
    )
    assert bands_before_2020 == []


def test_amazons_press_totals_and_full_response_shares_are_not_figures(real_db):
    # Amazon counted U.S. subpoenas, warrants and court orders apart: no total of them is typed, and
    # the build derives none, for any period before its July-December 2020 per-country counts.
    assert rows(
        real_db,
        "SELECT count(*) FROM figures WHERE platform_id = 'amazon' AND request_type_id = 'all'"
        " AND jurisdiction_id IN ('USA', 'WORLD') AND period_end < '2020-07-01'",
    ) == [(0,)]
    # The press's "fully complied with 42 percent" and "1,505 out of 1,955 times" count full or partial
    # responses: no percentage and no count of requests fulfilled is recorded for Amazon or AWS.
    assert rows(
        real_db,
        "SELECT count(*) FROM figures WHERE platform_id IN ('amazon', 'aws')"
        " AND (metric_id LIKE 'percent%' OR metric_id = 'requests_fulfilled')",
    ) == [(0,)]


# A sentence that opens as a record of a search belongs in search_log, not in the notes a reader
# needs to use the figures (they ran to 3,600 characters with such records inside). A sentence
# that also says what is not recorded and why ("No stored copy ... (searched on ...); ..., so they
# are not recorded") stays in the notes.
SEARCH_RECORD_OPENINGS = re.compile(r"^(?:Searched\b|A further search\b)")


def test_notes_hold_no_sentence_that_is_only_a_search_record(real_db):
    found = []
    for platform_id, notes in rows(real_db, "SELECT platform_id, notes FROM platforms"):
        for sentence in re.split(r"(?<=[.)])\s+(?=[A-Z])", notes or ""):
            if SEARCH_RECORD_OPENINGS.match(sentence):
                found.append((platform_id, sentence[:80]))
    assert found == []
    # And the records are kept, not dropped: the searches of 2026-12-05 of the stale platforms.
    ((logged,),) = rows(
        real_db, "SELECT count(*) FROM platforms WHERE search_log LIKE '%Searched again on 2026-12-05%'"
    )
    assert logged >= 10
