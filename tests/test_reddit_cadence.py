"""Reddit's reporting cadence, in Reddit's own words, pinned against the built database.

Reddit reported once a year until its 2021 report. Its r/RedditSafety posts say it published a
first mid-year report of legal requests for January–June 2022 (31 October 2022) and then "have now
transitioned into a biannual schedule" with the January–June 2023 report (4 October 2023). A
platform recorded as yearly would be flagged as current a half-year too long, and "no half-year
figures" told readers that the half-year reports did not exist.

The stored copies of both posts end before any government-request figure: they date the change
and carry no figure.
"""

from tests.conftest import rows

EVENTS = {
    "reddit-first-mid-year-transparency-report-2022": (
        "2022-10-31",
        "reddit-2022-10-31-redditsafety-q2-safety-security-report",
        "we’re publishing our first mid-year Transparency Report",
    ),
    "reddit-transparency-reports-biannual-2023": (
        "2023-10-04",
        "reddit-2023-10-04-redditsafety-transparency-report-2023h1",
        "we have now transitioned into a biannual schedule",
    ),
}


def test_reddit_is_half_yearly_in_the_platforms_and_the_freshness_tables(real_db):
    assert rows(real_db, "SELECT cadence FROM platforms WHERE platform_id = 'reddit'") == [("half-yearly",)]
    assert rows(real_db, "SELECT cadence FROM platform_freshness WHERE platform_id = 'reddit'") == [("half-yearly",)]
    ((not_reported,),) = rows(real_db, "SELECT not_reported FROM platforms WHERE platform_id = 'reddit'")
    assert "no half-year figures before 2022" in not_reported


def test_the_change_of_cadence_is_dated_by_reddits_own_posts(real_db):
    for event_id, (event_date, source_id, words) in EVENTS.items():
        ((date, source, quote),) = rows(
            real_db, "SELECT event_date, source_id, quote FROM events WHERE event_id = ?", event_id
        )
        assert (date, source) == (event_date, source_id)
        assert words in quote
        assert rows(real_db, "SELECT kind, published_date, publisher FROM sources WHERE source_id = ?", source_id) == [
            ("official_statement", event_date, "Reddit, Inc. (admin post)")
        ]


def test_the_posts_carry_no_figure(real_db):
    sources = [source for _, source, _ in EVENTS.values()]
    assert rows(
        real_db, f"SELECT count(*) FROM figures WHERE source_id IN ({','.join('?' * len(sources))})", *sources
    ) == [(0,)]
