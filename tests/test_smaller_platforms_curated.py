"""Dropbox, Wikimedia, Posteo, Proton and Cloudflare brought towards the newest period their stored
public reports hold, pinned against the built database.

Each new source has a few of its figures checked by hand against the stored page it was read from.
The traps pinned here: Wikimedia's totals include non-government requests; its January-June 2019
country table disagrees with its own summary; its 2024 country table splits partial and full
compliance, which is never summed into one figure; Dropbox's 2024 page gives only percentages in
text; Cloudflare's newest stored page has no readable figures, so only its published period moves.
"""

import pytest

from tests.conftest import rows

# source_id -> {figure_id: value}: exact figures, each read from that source.
PINNED = {
    # Dropbox: its blog posts and stored report pages.
    "dropbox-blog-2015-01-transparency-h2-2014": {"dropbox-world-2014h2-all-requests_received": 275},
    "dropbox-transparency-page-2014h2": {"dropbox-usa-2014h2-search_warrant-accounts_specified": 260},
    "dropbox-blog-2015-12-04-transparency-h1-2015": {"dropbox-world-2015h1-all-requests_received": 423},
    "dropbox-blog-2016-06-20-transparency-h2-2015": {
        "dropbox-usa-2015h2-search_warrant-requests_received": 348,
        "dropbox-usa-2015h2-pen_register_trap_trace-requests_received": 1,
    },
    "dropbox-blog-2018-07-10-transparency-h2-2017": {"dropbox-world-2017h2-all-requests_received": 1341},
    "dropbox-blog-2020-07-22-transparency-h2-2019": {"dropbox-world-2019h2-preservation-requests_received": 773},
    "dropbox-transparency-reports-2024h1": {
        "dropbox-usa-2024h1-search_warrant-percent_requests_some_data": 78.6,
        "dropbox-usa-2024h1-subpoena-percent_requests_some_data": 80.8,
    },
    # Wikimedia: its report pages, one per half-year, and The Signpost's table.
    "wikimedia-diff-2015-07-16-third-transparency-report": {
        "wikimedia-world-2015h1-all_with_civil-requests_received": 23
    },
    "wikimedia-transparency-site-2015h2": {"wikimedia-world-2015h2-all_with_civil-accounts_specified": 54},
    "wikimedia-transparency-site-2016h1": {"wikimedia-world-2016h1-all_with_civil-requests_received": 13},
    "wikimedia-meta-transparency-2016-12-requests-for-user-data": {
        "wikimedia-world-2016h2-all_with_civil-accounts_specified": 12258
    },
    "wikimedia-transparency-site-2017h1": {"wikimedia-world-2017h1-all_with_civil-percent_requests_some_data": 16.7},
    "wikimedia-transparency-site-2017h2": {"wikimedia-world-2017h2-all_with_civil-requests_fulfilled": 1},
    "wikimedia-transparency-archive-2018h2": {"wikimedia-world-2018h2-all_with_civil-accounts_affected": 6674},
    "wikimedia-transparency-2019-1-privacy": {
        "wikimedia-world-2019h1-all_with_civil-requests_received": 25,
        "wikimedia-usa-2019h1-all_with_civil-requests_received": 9,
    },
    "wikimedia-transparency-2020-2-requests-for-user-information": {
        "wikimedia-world-2020h2-all_with_civil-accounts_specified": 3119,
        "wikimedia-usa-2020h2-all_with_civil-requests_fulfilled": 2,
    },
    "signpost-2025-10-02-news-and-notes-wmf-transparency": {
        "wikimedia-world-2021h2-all_with_civil-requests_received": 18,
        "wikimedia-world-2023h2-all_with_civil-accounts_affected": 896,
    },
    "wikimedia-transparency-2022-2-user": {
        "wikimedia-ind-2022h2-all_with_civil-requests_received": 7,
        "wikimedia-world-2022h2-all_with_civil-accounts_specified": 3816,
    },
    "wikimedia-transparency-2024-1-user": {"wikimedia-world-2024h1-all_with_civil-accounts_specified": 186},
    # The Foundation's own January-June 2025 page now carries the 64 The Signpost first gave.
    "wikimedia-transparency-2025-1-user": {
        "wikimedia-world-2025h1-all_with_civil-requests_received": 30,
        "wikimedia-world-2025h1-all_with_civil-accounts_specified": 64,
    },
    # Posteo, Proton: the newest counts the stored copies hold.
    "posteo-blog-2015-08-25-transparency-report-2014": {"posteo-world-2014-all-requests_received": 22},
    "heise-2018-01-posteo-transparenzbericht-2017": {"posteo-world-2017-all-requests_received": 48},
    "tarnkappe-2025-proton-transparenzbericht-2024": {"proton-world-2024-all-requests_received": 11023},
    # Cloudflare: SecurityWeek on the January-June 2015 report (it only corroborated the 96 accounts).
    "securityweek-cloudflare-transparency-2015h1": {
        "cloudflare-world-2015h1-subpoena-requests_received": 12,
        "cloudflare-world-2015h1-subpoena-accounts_affected": 12,
        "cloudflare-world-2015h1-subpoena-domains_affected": 139,
        "cloudflare-world-2015h1-court_order-domains_affected": 2120,
    },
}
CASES = sorted((figure_id, value, source_id) for source_id, pins in PINNED.items() for figure_id, value in pins.items())


@pytest.mark.parametrize(("figure_id", "value", "source_id"), CASES, ids=[case[0] for case in CASES])
def test_pinned_figures(real_db, figure_id, value, source_id):
    assert rows(
        real_db, "SELECT value_kind, value, source_id, is_derived FROM figures WHERE figure_id = ?", figure_id
    ) == [("exact", value, source_id, 0)]


def test_dropbox_national_security_requests_stay_a_band(real_db):
    assert rows(
        real_db,
        """SELECT figure_id, value_kind, value, value_low, value_high FROM figures
           WHERE platform_id = 'dropbox' AND request_type_id = 'national_security' AND period_start >= '2015-01-01'
           ORDER BY figure_id""",
    ) == [
        ("dropbox-usa-2015h1-national_security-requests_received", "band", None, 0, 249),
        ("dropbox-usa-2015h2-national_security-requests_received", "band", None, 0, 249),
    ]


# figure_id -> (source_id, quote fragment holding the number)
CORROBORATED = {
    "dropbox-usa-2015h1-search_warrant-requests_received": (
        "dropbox-blog-2015-12-04-transparency-h1-2015",
        "Search warrants: 227",
    ),
    "posteo-world-2017-all-requests_received": (
        "netzpolitik-2018-posteo-verpflichtende-transparenzberichte",
        "Von den insgesamt 48 Anfragen",
    ),
    # Proton's German page for its newest Proton VPN count.
    "protonvpn-world-2025h1-all-requests_received": (
        "proton-de-blog-transparency-report",
        "2025 (bis zum 30. Juni) ¶ Anordnungen gesamt: 29",
    ),
    "protonvpn-world-2025h1-all-requests_rejected": (
        "proton-de-blog-transparency-report",
        "Verweigerte Anordnungen: 29",
    ),
    # Martin Steiger's post, which Tarnkappe relays, with its Swiss digit grouping.
    "proton-world-2024-all-requests_received": (
        "steigerlegal-2025-07-28-proton-transparenzbericht-2024",
        "im Jahr 2024 die Rekordzahl von 11’023 «legal orders»",
    ),
}


@pytest.mark.parametrize("figure_id", sorted(CORROBORATED))
def test_corroborations(real_db, figure_id):
    source_id, fragment = CORROBORATED[figure_id]
    (quote,) = rows(
        real_db, "SELECT quote FROM corroborations WHERE figure_id = ? AND source_id = ?", figure_id, source_id
    )[0]
    assert fragment in quote


def test_wikimedias_2019_country_table_disagrees_with_its_summary_and_the_summary_is_kept(real_db):
    found = rows(
        real_db,
        """SELECT d.figure_id, d.claimed_value, d.kind, f.value FROM disagreements d JOIN figures f USING (figure_id)
           WHERE d.source_id = 'wikimedia-transparency-2019-1-privacy' ORDER BY d.figure_id""",
    )
    assert found == [
        ("wikimedia-world-2019h1-all_with_civil-requests_fulfilled", 0, "inconsistent_parts", 4),
        ("wikimedia-world-2019h1-all_with_civil-requests_received", 26, "inconsistent_parts", 25),
    ]
    # The country rows are recorded as given; "Unknown" has no jurisdiction and is left out.
    (countries,) = rows(
        real_db,
        """SELECT sum(value) FROM figures WHERE platform_id = 'wikimedia' AND period_start = '2019-01-01'
           AND period_end = '2019-06-30' AND metric_id = 'requests_received' AND jurisdiction_id != 'WORLD'
           AND is_derived = 0""",
    )[0]
    assert countries == 22


def test_wikimedias_partial_and_full_compliance_are_never_summed(real_db):
    assert rows(
        real_db,
        """SELECT count(*) FROM figures WHERE platform_id = 'wikimedia' AND period_start = '2024-01-01'
           AND period_end = '2024-06-30' AND metric_id = 'requests_fulfilled'""",
    ) == [(0,)]


def test_every_new_wikimedia_source_says_its_totals_are_not_government_only(real_db):
    notes = rows(
        real_db,
        """SELECT DISTINCT s.source_id, s.notes FROM sources s JOIN figures f USING (source_id)
           WHERE f.platform_id = 'wikimedia' AND f.period_start >= '2015-01-01'""",
    )
    assert len(notes) == 15
    for source_id, note in notes:
        assert "governments, individuals and organisations together" in note, source_id


@pytest.mark.parametrize(
    ("platform", "dataset_up_to", "published_up_to", "freshness_source"),
    [
        ("dropbox", "2024-06-30", "2024-06-30", "dropbox-help-transparency-more"),
        ("wikimedia", "2025-06-30", "2025-12-31", "wikimedia-diff-2026-05-04-latest-transparency-report"),
        ("posteo", "2017-12-31", "2022-12-31", "posteo-transparency-report"),
        ("proton", "2024-12-31", "2024-12-31", "tarnkappe-2025-proton-transparenzbericht-2024"),
        ("cloudflare", "2016-12-31", "2025-06-30", "gigazine-2026-01-cloudflare-transparency-h1-2025"),
    ],
)
def test_freshness_after_curation(real_db, platform, dataset_up_to, published_up_to, freshness_source):
    assert rows(
        real_db,
        "SELECT dataset_up_to, published_up_to, source_id FROM platform_freshness WHERE platform_id = ?",
        platform,
    ) == [(dataset_up_to, published_up_to, freshness_source)]


def test_cloudflares_published_period_rests_on_the_press_and_adds_no_figure(real_db):
    """GIGAZINE says Cloudflare has published January-June 2025, but none of the stored copies of
    its report after 2016 shows the tables of requests: the claim moves, the figures do not."""
    assert rows(
        real_db,
        """SELECT p.published_up_to, p.freshness_quote, s.kind, s.tier FROM platforms p
           JOIN sources s ON s.source_id = p.freshness_source_id WHERE p.platform_id = 'cloudflare'""",
    ) == [
        (
            "2025-06-30",
            "Cloudflare has released its Transparency Report for the first half of 2025.",
            "press",
            "press_paraphrasing",
        )
    ]
    assert rows(
        real_db,
        """SELECT count(*) FROM figures WHERE source_id = 'gigazine-2026-01-cloudflare-transparency-h1-2025'
           OR (platform_id = 'cloudflare' AND period_end > '2016-12-31')""",
    ) == [(0,)]


def test_cloudflares_2015_national_security_orders_stay_a_band_and_no_2014_subpoenas_are_read(real_db):
    assert rows(
        real_db,
        """SELECT value_kind, value, value_low, value_high, jurisdiction_id FROM figures
           WHERE figure_id = 'cloudflare-usa-2015h1-national_security-requests_received'""",
    ) == [("band", None, 0, 249, "USA")]
    # "the same number as in the second half of 2014" names no number for that half.
    assert rows(
        real_db,
        "SELECT count(*) FROM figures WHERE platform_id = 'cloudflare' AND request_type_id = 'subpoena' "
        "AND period_start = '2014-07-01'",
    ) == [(0,)]


def test_cloudflares_notes_say_how_far_its_figures_go_and_why_no_further(real_db):
    ((newest,),) = rows(real_db, "SELECT max(period_end) FROM figures WHERE platform_id = 'cloudflare'")
    ((notes,),) = rows(real_db, "SELECT notes FROM platforms WHERE platform_id = 'cloudflare'")
    assert newest == "2016-12-31"
    assert "July-December 2016" in notes and "Later periods are not imported" in notes
    assert "end before the tables of requests" in notes and "bands of 0-249 for 2013 and January-June 2015" in notes


def test_cloudflares_notes_say_its_report_pdfs_were_looked_for_and_not_found(real_db):
    # The report pages end at their PDF link, so the PDF is where the later figures are: say that
    # none was found, and where it was looked for, so the next curator does not start over: a
    # record of the search, in the platform's search log.
    ((search_log,),) = rows(real_db, "SELECT search_log FROM platforms WHERE platform_id = 'cloudflare'")
    assert "'Download transparency report'" in search_log
    assert "no stored copy of any of those PDFs was found (checked 2026-12-04" in search_log
    assert "has no data/cloudflare folder" in search_log
    assert rows(
        real_db, "SELECT count(*) FROM figures WHERE platform_id = 'cloudflare' AND period_end > '2016-12-31'"
    ) == [(0,)]


def test_press_figures_keep_their_weaker_tier(real_db):
    assert rows(
        real_db,
        """SELECT f.figure_id, s.tier FROM figures f JOIN sources s USING (source_id)
           WHERE f.figure_id IN ('proton-world-2024-all-requests_received', 'posteo-world-2017-all-requests_received',
                                 'wikimedia-world-2021h2-all_with_civil-requests_received')
           ORDER BY f.figure_id""",
    ) == [
        ("posteo-world-2017-all-requests_received", "press_paraphrasing"),
        ("proton-world-2024-all-requests_received", "press_paraphrasing"),
        ("wikimedia-world-2021h2-all_with_civil-requests_received", "press_quoting"),
    ]


def test_wikimedias_totals_count_civil_requests_and_are_never_all_government_requests(real_db):
    """Wikimedia counts requests from individuals and organisations with those from governments
    (December 2016: 13 = 6 informal non-government + 5 informal government + 1 civil + 1 criminal
    subpoena); its 94 figures sat under `all`, "all government requests" (an audit's finding)."""
    types = rows(real_db, "SELECT DISTINCT request_type_id FROM figures WHERE platform_id = 'wikimedia'")
    assert types == [("all_with_civil",)]
    removed = rows(
        real_db,
        "SELECT count(*) FROM corrections WHERE figure_id LIKE 'wikimedia-%-all-%' AND new_value IS NULL",
    )
    assert removed == [(94,)]


def test_proton_vpns_first_quarter_of_2025_is_read_from_its_april_2025_post(real_db):
    """Proton's post as updated on 22 April 2025 lists "2025 (up to March 31)": 11 orders, all denied.
    The build, not the data, gives April-June as the later "up to June 30" count minus that one."""
    assert rows(
        real_db,
        """SELECT figure_id, period_start, period_end, value, source_id, is_derived FROM figures
           WHERE platform_id = 'protonvpn' AND period_start = '2025-01-01' AND period_end = '2025-03-31'
           ORDER BY figure_id""",
    ) == [
        (
            "protonvpn-world-2025q1-all-requests_received",
            "2025-01-01",
            "2025-03-31",
            11,
            "protonvpn-es-blog-transparency-report-2025-04-22",
            0,
        ),
        (
            "protonvpn-world-2025q1-all-requests_rejected",
            "2025-01-01",
            "2025-03-31",
            11,
            "protonvpn-es-blog-transparency-report-2025-04-22",
            0,
        ),
    ]
    assert rows(
        real_db,
        """SELECT figure_id, value, derivation FROM figures
           WHERE platform_id = 'protonvpn' AND period_start = '2025-04-01' ORDER BY figure_id""",
    ) == [
        (
            "protonvpn-world-2025q2-all-requests_received-derived",
            18,
            "protonvpn-world-2025h1-all-requests_received - protonvpn-world-2025q1-all-requests_received",
        ),
        (
            "protonvpn-world-2025q2-all-requests_rejected-derived",
            18,
            "protonvpn-world-2025h1-all-requests_rejected - protonvpn-world-2025q1-all-requests_rejected",
        ),
    ]


def test_proton_vpns_2024_year_so_far_of_september_2024_is_a_disagreement_not_the_year(real_db):
    # The post as updated on 10 September 2024 heads 27 orders "2024"; the year is 53.
    assert rows(
        real_db,
        """SELECT d.figure_id, d.claimed_value, d.kind, f.value FROM disagreements d JOIN figures f USING (figure_id)
           WHERE d.source_id = 'protonvpn-blog-transparency-report-2024-09-10' ORDER BY d.figure_id""",
    ) == [
        ("protonvpn-world-2024-all-requests_received", 27, "wrong_period", 53),
        ("protonvpn-world-2024-all-requests_rejected", 27, "wrong_period", 53),
    ]
    assert rows(
        real_db,
        "SELECT count(*) FROM figures WHERE source_id = 'protonvpn-blog-transparency-report-2024-09-10'",
    ) == [(0,)]
    assert rows(
        real_db,
        """SELECT figure_id FROM corroborations WHERE source_id = 'protonvpn-es-blog-transparency-report-2025-04-22'
           ORDER BY figure_id""",
    ) == [("protonvpn-world-2024-all-requests_received",), ("protonvpn-world-2024-all-requests_rejected",)]


def test_line_july_december_2024_is_corroborated_by_ly_corporations_japanese_page(real_db):
    # Every figure of the English table's row is the same in the Japanese page's row.
    found = rows(
        real_db,
        """SELECT f.figure_id, c.quote FROM figures f
           LEFT JOIN corroborations c ON c.figure_id = f.figure_id
             AND c.source_id = 'lycorp-ja-2024h2-law-enforcement-transparency-report'
           WHERE f.platform_id = 'line' AND f.period_start = '2024-07-01' AND f.is_derived = 0
           ORDER BY f.figure_id""",
    )
    assert len(found) == 5
    for figure_id, quote in found:
        assert quote and "2024年7月ー12月 | 41 | 3,545 | 52 | 19 | 98.7% |" in quote, figure_id


def test_line_july_december_2018_is_corroborated_by_its_corrected_traditional_chinese_page(real_db):
    # The corrected value stands first and the first-published one follows in brackets, as on the
    # Japanese page the figures cite; the Chinese page corroborates them and is no figure's source.
    found = dict(
        rows(
            real_db,
            """SELECT f.figure_id, c.quote FROM figures f
               LEFT JOIN corroborations c ON c.figure_id = f.figure_id
                 AND c.source_id = 'line-zh-hant-2018h2-law-enforcement-transparency-report'
               WHERE f.platform_id = 'line' AND f.period_start = '2018-07-01' AND f.is_derived = 0""",
        )
    )
    assert sorted(found) == [
        "line-world-2018h2-all-accounts_affected",
        "line-world-2018h2-all-percent_requests_some_data",
        "line-world-2018h2-all-requests_fulfilled",
        "line-world-2018h2-all-requests_received",
    ]
    assert "1,712(1,725)件資訊調閱要求" in found["line-world-2018h2-all-requests_received"]
    assert "76%共1,307(1,304)件" in found["line-world-2018h2-all-requests_fulfilled"]
    assert "76%共1,307(1,304)件" in found["line-world-2018h2-all-percent_requests_some_data"]
    assert "提供1,625(1,612)個帳號之資訊" in found["line-world-2018h2-all-accounts_affected"]
    assert rows(
        real_db,
        """SELECT url, tier FROM sources WHERE source_id = 'line-zh-hant-2018h2-law-enforcement-transparency-report'""",
    ) == [("https://linecorp.com/zh-hant/security/transparency/2018h2", "platform_file")]
    assert rows(
        real_db,
        "SELECT count(*) FROM figures WHERE source_id = 'line-zh-hant-2018h2-law-enforcement-transparency-report'",
    ) == [(0,)]


@pytest.mark.parametrize(
    ("platform", "column", "says"),
    [
        ("discord", "search_log", "krMaynard/dsa-transparency-data and apparebit/diaphanous, stop at 2024-H1"),
        # Its sentence also says why the percentages of 'the relevant half' are not recorded: a note.
        ("dropbox", "notes", "help.dropbox.com/transparency/more lead with January-June 2024"),
        ("tuta", "search_log", "pages all lead with January-June 2024"),
        # Why its 2024 contested and complied counts are not recorded: a note; the search is logged.
        ("proton", "notes", "the mellatetf.com copy at 2023"),
        ("protonvpn", "search_log", "No stored copy gives 2025 beyond June 30"),
        ("line", "search_log", "report pages under lycorp.co.jp stop at 2024h2"),
        ("posteo", "search_log", "no stored press article gives a count after 2017"),
        ("zoom", "search_log", "from 2025-02-08 to 2026-08-08 are bot-verification pages"),
        ("google_cloud", "search_log", "holds Enterprise and Enterprise diplomatic rows only to 2025-H1"),
        ("google_workspace", "search_log", "holds Enterprise and Enterprise diplomatic rows only to 2025-H1"),
    ],
)
def test_notes_say_where_the_stored_copies_stop_as_searched_on_2026_12_04(real_db, platform, column, says):
    # A search of stored copies says nothing of what the platform has published since: it is a
    # record of the search (in its notes only where the sentence also tells a reader what is not
    # recorded), and the published_up_to claim and its checked date stay as they were.
    ((notes, search_log, checked, basis),) = rows(
        real_db,
        """SELECT notes, search_log, published_up_to_checked, published_up_to_checked_basis FROM platforms
           WHERE platform_id = ?""",
        platform,
    )
    said = {"notes": notes, "search_log": search_log}
    assert says in said[column]
    assert "2026-12-04" in search_log or "2026-12-04" in notes
    assert checked < "2026-12-04" and basis == "source_retrieved"


def test_discords_notes_say_its_july_december_2024_report_was_not_out_by_mid_february_2026(real_db):
    # Discord looks stale for its half-yearly cadence; a researcher's catalogue of platforms' reports
    # says Discord itself had published nothing after January-June 2024 by mid-February 2026, so a
    # reader is told the gap may be Discord's, with the catalogue named as a source of the dataset.
    # It says nothing of what Discord has published since: published_up_to and its check stay.
    ((notes, published, checked, basis),) = rows(
        real_db,
        """SELECT notes, published_up_to, published_up_to_checked, published_up_to_checked_basis
           FROM platforms WHERE platform_id = 'discord'""",
    )
    assert "'As of mid-February 2026, Discord has not released a transparency report for H2 2024.'" in notes
    assert "(source diaphanous-platform-catalogue-d89e63d)" in notes
    assert rows(real_db, "SELECT count(*) FROM sources WHERE source_id = 'diaphanous-platform-catalogue-d89e63d'") == [
        (1,)
    ]
    assert (published, checked, basis) == ("2024-06-30", "2026-11-28", "source_retrieved")


def test_a_stored_copy_read_only_in_part_is_not_said_to_end_there(real_db):
    # Only the opening of these stored copies could be read: what follows is unknown, not absent.
    notes = dict(
        rows(
            real_db,
            """SELECT source_id, notes FROM sources WHERE source_id IN
               ('steigerlegal-2025-07-28-proton-transparenzbericht-2024', 'proton-de-blog-transparency-report')
               UNION ALL SELECT platform_id, notes || ' ' || coalesce(search_log, '') FROM platforms
               WHERE platform_id IN ('proton', 'posteo')""",
        )
    )
    assert len(notes) == 4
    for key, note in notes.items():
        assert "could be read" in note and "stored text ends" not in note, key


SIGNPOST_2025_10 = "signpost-2025-10-02-news-and-notes-wmf-transparency"


def test_signposts_worded_and_unscoped_counts_rest_on_no_figure(real_db):
    # Its "only one" account affected and one request granted of January-June 2025 are the
    # Foundation's own 1 and 1, in words; its 8 Indian "government requests" and the other
    # platforms' counts of an unnamed half-year are no figure of this dataset.
    own = dict(
        rows(
            real_db,
            "SELECT metric_id, value FROM figures WHERE platform_id = 'wikimedia' AND jurisdiction_id = 'WORLD'"
            " AND period_label = '2025h1' AND metric_id IN ('accounts_affected', 'requests_fulfilled')",
        )
    )
    assert own == {"accounts_affected": 1, "requests_fulfilled": 1}
    assert (
        rows(
            real_db,
            "SELECT figure_id FROM figures WHERE platform_id = 'wikimedia' AND jurisdiction_id = 'IND' AND year = 2025",
        )
        == []
    )
    assert (
        rows(
            real_db,
            "SELECT figure_id FROM figures WHERE source_id = ? AND (platform_id != 'wikimedia' OR value IN (8, 20, 723))",
            SIGNPOST_2025_10,
        )
        == []
    )
    # 21 read from its table, of which July-December 2019's two totals and July-December 2020's
    # granted requests and user accounts now rest on the Foundation's own pages and keep The
    # Signpost as their corroboration.
    assert rows(real_db, "SELECT count(*) FROM figures WHERE source_id = ?", SIGNPOST_2025_10) == [(16,)]


def test_tutas_january_june_2023_cases_are_read_up_to_where_the_stored_page_stops(real_db):
    # Tuta's page, under "Frühere Transparenzberichte", is cut short inside January-June 2023: the
    # three complete sentences are figures, each quoting the number it gives.
    recorded = rows(
        real_db,
        """SELECT request_type_id, metric_id, value, quote FROM figures
           WHERE platform_id = 'tuta' AND period_label = '2023h1' AND is_derived = 0
             AND source_id = 'tuta-de-blog-transparency-report'
           ORDER BY request_type_id, metric_id""",
    )
    assert [(request_type, metric, value) for request_type, metric, value, _ in recorded] == [
        ("realtime_traffic_data", "requests_received", 15),
        ("subscriber_data", "requests_fulfilled", 5),
        ("subscriber_data", "requests_received", 116),
    ]
    for _, _, value, quote in recorded:
        assert quote.startswith("Zwischen dem 1. Januar 2023 und dem 30. Juni 2023 hat Tutanota ¶ ")
        assert f" {value} Fällen" in quote
    # Released cases are a part of the requests of their kind.
    assert recorded[1][2] <= recorded[2][2]


# period -> (source_id, the source's own words for the row): Wikimedia's "User accounts notified",
# read beside the accounts potentially and actually affected in each report that has the row.
WIKIMEDIA_NOTIFIED = {
    "2016h1": ("wikimedia-transparency-site-2016h1", "User accounts notified 0"),
    "2016h2": ("wikimedia-meta-transparency-2016-12-requests-for-user-data", "User Accounts Notified ¶ 0"),
    "2017h1": ("wikimedia-transparency-site-2017h1", "User accounts notified 0"),
    "2017h2": ("wikimedia-transparency-site-2017h2", "User accounts notified 0"),
    "2018h2": ("wikimedia-transparency-archive-2018h2", "User accounts notified 0"),
    "2019h1": ("wikimedia-transparency-2019-1-privacy-develop-copy", "User accounts notified ¶ 0"),
    "2020h2": ("wikimedia-transparency-2020-2-requests-for-user-information", "User accounts notified | 0 |"),
    "2022h2": ("wikimedia-transparency-2022-2-user", "User accounts notified | 0 |"),
    "2024h1": ("wikimedia-transparency-2024-1-user", "User accounts notified | 0 |"),
    "2025h1": ("wikimedia-transparency-2025-1-user", "User accounts notified ¶ 0"),
}


@pytest.mark.parametrize("period", sorted(WIKIMEDIA_NOTIFIED))
def test_wikimedias_accounts_notified_is_its_own_row_of_each_report(real_db, period):
    source_id, words = WIKIMEDIA_NOTIFIED[period]
    ((value, wording, source, quote),) = rows(
        real_db,
        """SELECT value, platform_wording, source_id, quote FROM figures
           WHERE figure_id = ? AND value_kind = 'exact' AND is_derived = 0""",
        f"wikimedia-world-{period}-all_with_civil-accounts_notified",
    )
    assert (value, source) == (0, source_id)
    assert quote.endswith(words) and wording.lower() == "user accounts notified"


def test_wikimedias_reports_without_a_readable_notified_row_say_why(real_db):
    notes = dict(
        rows(
            real_db,
            """SELECT source_id, notes FROM sources WHERE source_id IN (
               'wikimedia-transparency-2019-1-privacy', 'wikimedia-transparency-site-2015h2',
               'wikimedia-transparency-2014-requests-for-user-data')""",
        )
    )
    assert len(notes) == 3
    for source_id, note in notes.items():
        assert "user accounts notified" in note, source_id
    assert (
        rows(
            real_db,
            """SELECT figure_id FROM figures WHERE metric_id = 'accounts_notified' AND platform_id = 'wikimedia'
               AND period_end IN ('2014-06-30', '2015-12-31') AND is_derived = 0""",
        )
        == []
    )


WIKIMEDIA_2019_LATER_LAYOUT = "wikimedia-transparency-2019-1-privacy-develop-copy"


def test_wikimedias_later_layout_of_january_june_2019_corroborates_and_disagrees_on_granted(real_db):
    # The later layout repeats the older summary's 25 requests and its user accounts, but its
    # headline's "0 Requests granted" is not the summary's "Information Produced 4", which is kept.
    assert rows(
        real_db,
        """SELECT c.figure_id, f.value FROM corroborations c JOIN figures f USING (figure_id)
           WHERE c.source_id = ? ORDER BY c.figure_id""",
        WIKIMEDIA_2019_LATER_LAYOUT,
    ) == [
        ("wikimedia-world-2019h1-all_with_civil-accounts_affected", 0),
        ("wikimedia-world-2019h1-all_with_civil-accounts_specified", 95898),
        ("wikimedia-world-2019h1-all_with_civil-requests_received", 25),
    ]
    assert rows(
        real_db,
        """SELECT d.figure_id, d.claimed_value, f.value, f.source_id FROM disagreements d
           JOIN figures f USING (figure_id) WHERE d.source_id = ?""",
        WIKIMEDIA_2019_LATER_LAYOUT,
    ) == [("wikimedia-world-2019h1-all_with_civil-requests_fulfilled", 0, 4, "wikimedia-transparency-2019-1-privacy")]


WIKIMEDIA_2020_2 = "wikimedia-transparency-2020-2-requests-for-user-information"


def test_wikimedias_own_july_december_2020_page_carries_its_counts_and_the_signpost_corroborates(real_db):
    # The page's readable country rows stop inside Germany's: only the three whole rows are figures.
    assert rows(
        real_db,
        """SELECT jurisdiction_id, metric_id, value FROM figures WHERE source_id = ? AND jurisdiction_id != 'WORLD'
           ORDER BY jurisdiction_id, metric_id""",
        WIKIMEDIA_2020_2,
    ) == [
        ("FRA", "requests_fulfilled", 0),
        ("FRA", "requests_received", 3),
        ("IND", "requests_fulfilled", 0),
        ("IND", "requests_received", 4),
        ("USA", "requests_fulfilled", 2),
        ("USA", "requests_received", 5),
    ]
    # The Signpost copied the same 2, 3,119 and 4 from the Foundation; the page itself now carries
    # them, in its own words, and The Signpost's row is kept as their corroboration.
    assert rows(
        real_db,
        """SELECT f.metric_id, f.value, f.platform_wording, c.source_id FROM figures f
           JOIN corroborations c USING (figure_id)
           WHERE f.source_id = ? AND f.jurisdiction_id = 'WORLD' ORDER BY f.metric_id""",
        WIKIMEDIA_2020_2,
    ) == [
        ("accounts_affected", 4, "User accounts actually affected", SIGNPOST_2025_10),
        ("accounts_specified", 3119, "User accounts potentially affected", SIGNPOST_2025_10),
        ("requests_fulfilled", 2, "Information produced", SIGNPOST_2025_10),
    ]
    # Its total of requests is not in the stored text: the 32 stays The Signpost's.
    assert rows(
        real_db,
        "SELECT source_id FROM figures WHERE figure_id = 'wikimedia-world-2020h2-all_with_civil-requests_received'",
    ) == [(SIGNPOST_2025_10,)]


WIKIMEDIA_2019_2 = "wikimedia-transparency-2019-2-requests-for-user-information"


def test_wikimedias_own_july_december_2019_page_gives_its_totals_and_country_rows(real_db):
    # The table is headed "Country Granted Total": granted first, so each row's first number is
    # the requests granted and the second the requests received.
    by_country = rows(
        real_db,
        """SELECT jurisdiction_id, group_concat(metric_id || '=' || CAST(value AS INTEGER), ' ') FROM (
             SELECT jurisdiction_id, metric_id, value FROM figures WHERE source_id = ? AND jurisdiction_id != 'WORLD'
             ORDER BY metric_id) GROUP BY jurisdiction_id ORDER BY jurisdiction_id""",
        WIKIMEDIA_2019_2,
    )
    assert by_country == [
        ("DEU", "requests_fulfilled=0 requests_received=3"),
        ("FRA", "requests_fulfilled=0 requests_received=3"),
        ("GBR", "requests_fulfilled=0 requests_received=2"),
        ("IND", "requests_fulfilled=0 requests_received=2"),
        ("ITA", "requests_fulfilled=0 requests_received=2"),
        ("RUS", "requests_fulfilled=0 requests_received=2"),
        ("USA", "requests_fulfilled=2 requests_received=6"),
    ]
    assert rows(
        real_db,
        """SELECT f.metric_id, f.value, f.quote, c.source_id FROM figures f JOIN corroborations c USING (figure_id)
           WHERE f.source_id = ? AND f.jurisdiction_id = 'WORLD' ORDER BY f.metric_id""",
        WIKIMEDIA_2019_2,
    ) == [
        ("requests_fulfilled", 2, "2 Requests granted 35 Total requests", SIGNPOST_2025_10),
        ("requests_received", 35, "2 Requests granted 35 Total requests", SIGNPOST_2025_10),
    ]
    # The page's stored text has no user accounts: nothing of them rests on it.
    assert rows(
        real_db, "SELECT count(*) FROM figures WHERE source_id = ? AND metric_id LIKE 'accounts%'", WIKIMEDIA_2019_2
    ) == [(0,)]


def test_wikimedias_meta_wiki_copy_of_january_june_2017_corroborates_the_report_sites_figures(real_db):
    # Two copies of one report by the Foundation: the same tier, so the report site's figures stay
    # where they are and the Meta-Wiki page's summary corroborates each of them, the notices too.
    assert rows(
        real_db,
        """SELECT f.metric_id, f.value, f.source_id FROM corroborations c JOIN figures f USING (figure_id)
           WHERE c.source_id = 'wikimedia-meta-transparency-2017-06-requests-for-user-data' ORDER BY f.metric_id""",
    ) == [
        ("accounts_affected", 3, "wikimedia-transparency-site-2017h1"),
        ("accounts_notified", 0, "wikimedia-transparency-site-2017h1"),
        ("accounts_specified", 23, "wikimedia-transparency-site-2017h1"),
        ("requests_fulfilled", 3, "wikimedia-transparency-site-2017h1"),
        ("requests_received", 18, "wikimedia-transparency-site-2017h1"),
    ]
