"""Notices to users: Dropbox's "Notice provided" rows and Pinterest's "Accounts notified" column,
recorded as requests_users_notified and accounts_notified from the stored pages the curators read.

The traps pinned here: a notice is no outcome of a request (Dropbox's outcome rows add up to the
requests received without it), so it never enters the outcome sums; a count of requests and a
count of accounts notified are two metrics; and a total the platform did not print (Pinterest's
January-March 2019 "Total 19 19 20" has no notified cell) is not made up from its rows.
"""

import re
from decimal import Decimal

import pytest

from disclosures import rules
from tests.conftest import rows

# figure_id -> (value, source_id, the cells of the quote that hold the value as the platform set it out)
PINNED = {
    "dropbox-usa-2013-search_warrant-requests_users_notified": (
        42,
        "dropbox-transparency-page-2013",
        "Content and non-content produced ¶ 104 ¶ Notice provided ¶ 42 ¶ No information provided ¶ 5",
    ),
    "dropbox-usa-2014h2-search_warrant-requests_users_notified": (
        39,
        "dropbox-transparency-page-2014h2",
        "Notice provided ¶ 39 ¶ 49",
    ),
    "dropbox-usa-2014h2-search_warrant-accounts_notified": (
        49,
        "dropbox-transparency-page-2014h2",
        "Notice provided ¶ 39 ¶ 49",
    ),
    "dropbox-usa-2015h1-subpoena-requests_users_notified": (
        106,
        "dropbox-transparency-page-2015h1",
        "Notice provided ¶ 106 ¶ 150",
    ),
    "dropbox-usa-2015h1-subpoena-accounts_notified": (
        150,
        "dropbox-transparency-page-2015h1",
        "Notice provided ¶ 106 ¶ 150",
    ),
    "dropbox-usa-2015h1-court_order-accounts_notified": (
        3,
        "dropbox-transparency-page-2015h1",
        "Notice provided ¶ 2 ¶ 3",
    ),
    "pinterest-usa-2019q1-subpoena-accounts_notified": (
        4,
        "pinterest-help-transparency-report-2019h1",
        "Subpoena 10 10 11 4",
    ),
    "pinterest-usa-2019q2-all-accounts_notified": (
        10,
        "pinterest-help-transparency-report-2019h1",
        "Total 28 25 30 10",
    ),
    "pinterest-usa-2020h1-all-accounts_notified": (5, "pinterest-help-transparency-report-2020h1", "Total 46 46 55 5"),
    "pinterest-can-2020h1-other-accounts_notified": (
        0,
        "pinterest-help-transparency-report-2020h1",
        "Canada Other* 1 1 1 0",
    ),
    "pinterest-usa-2017q1-search_warrant-accounts_notified": (
        22,
        "adweek-pinterest-transparency-report-1h-2017",
        "42 accounts, 22 of which were notified",
    ),
}

NOTIFIED = ("requests_users_notified", "accounts_notified")


@pytest.mark.parametrize("figure_id", sorted(PINNED))
def test_a_notice_count_holds_its_quote(real_db, figure_id):
    value, source_id, cells = PINNED[figure_id]
    ((kind, found, source, derived, quote),) = rows(
        real_db, "SELECT value_kind, value, source_id, is_derived, quote FROM figures WHERE figure_id = ?", figure_id
    )
    assert (kind, found, source, derived) == ("exact", value, source_id, 0)
    assert cells in quote


def test_every_dropbox_notice_row_the_stored_pages_show_is_recorded_once(real_db):
    # 2013's table counts by request only; July-December 2014's stored copy ends after its warrants.
    assert rows(
        real_db,
        """SELECT substr(figure_id, 13) FROM figures WHERE platform_id = 'dropbox' AND is_derived = 0
           AND metric_id IN (?, ?) ORDER BY figure_id""",
        *NOTIFIED,
    ) == [
        ("2013-court_order-requests_users_notified",),
        ("2013-search_warrant-requests_users_notified",),
        ("2014h2-search_warrant-accounts_notified",),
        ("2014h2-search_warrant-requests_users_notified",),
        ("2015h1-court_order-accounts_notified",),
        ("2015h1-court_order-requests_users_notified",),
        ("2015h1-search_warrant-accounts_notified",),
        ("2015h1-search_warrant-requests_users_notified",),
        ("2015h1-subpoena-accounts_notified",),
        ("2015h1-subpoena-requests_users_notified",),
    ]


def test_a_notice_is_no_outcome_of_the_request():
    # 2013's warrants: 9 did not exist + 104 content produced + 5 no information = 118 received, and
    # 42 of them were also notified. Read as an outcome the notices would be 158 of 118.
    outcomes = {"requests_no_data_found": Decimal(9), "requests_content_disclosed": Decimal(104)}
    with_notices = {**outcomes, "requests_users_notified": Decimal(42)}
    assert rules.request_parts_problem("requests_received", Decimal(118), with_notices) is None
    assert rules.request_parts_problem("requests_received", Decimal(112), with_notices) is not None
    assert all("notified" not in name for _, parts, _ in rules.REQUEST_PARTS for name in parts)


def test_a_notice_figure_carries_the_platforms_notice_wording(real_db):
    # Nothing but a platform's own notice count is filed under the two metrics (the build's sums of
    # them, such as Wikimedia's year of two half-years, carry no platform wording).
    wordings = rows(
        real_db,
        """SELECT DISTINCT platform_id, metric_id, platform_wording FROM figures
           WHERE metric_id IN (?, ?) AND is_derived = 0""",
        *NOTIFIED,
    )
    assert {platform for platform, _, _ in wordings} == {"dropbox", "pinterest", "wikimedia"}
    for platform, metric, wording in wordings:
        if platform == "dropbox":
            expected = "(to each account listed)" if metric == "accounts_notified" else "Notice provided ("
            assert wording.startswith("Notice provided (") and expected in wording, wording
        else:
            assert metric == "accounts_notified" and "notified" in wording.lower(), wording


def test_pinterest_notified_accounts_stay_within_its_accounts_and_its_totals_are_printed(real_db):
    pairs = rows(
        real_db,
        """SELECT n.figure_id, n.value, a.value FROM figures n JOIN figures a
           ON a.figure_id = replace(n.figure_id, '-accounts_notified', '-accounts_counted')
           WHERE n.platform_id = 'pinterest' AND n.metric_id = 'accounts_notified'""",
    )
    assert len(pairs) == 16
    assert [figure_id for figure_id, notified, accounts in pairs if notified > accounts] == []
    # Pinterest's April-June 2019 total is its own cell, and its rows agree with it (7 + 0 + 3).
    ((parts,),) = rows(
        real_db,
        """SELECT sum(value) FROM figures WHERE metric_id = 'accounts_notified' AND figure_id LIKE 'pinterest-usa-2019q2-%'
           AND request_type_id != 'all'""",
    )
    assert parts == 10
    # January-March 2019's total row has no notified cell: no total is typed from its rows (3 + 4 + 0).
    assert rows(
        real_db, "SELECT count(*) FROM figures WHERE figure_id LIKE 'pinterest-usa-2019q1-all-accounts_notified%'"
    ) == [(0,)]


def test_the_metrics_say_what_a_notice_count_is_not(real_db):
    definitions = dict(rows(real_db, "SELECT metric_id, definition FROM metrics WHERE metric_id IN (?, ?)", *NOTIFIED))
    assert "Not accounts_specified" in definitions["accounts_notified"]
    assert "Not requests_users_notified" in definitions["accounts_notified"]
    assert "never added to requests_fulfilled" in definitions["requests_users_notified"]
    assert rows(real_db, "SELECT DISTINCT unit FROM metrics WHERE metric_id IN (?, ?)", *NOTIFIED) == [("count",)]


def test_no_dropbox_note_calls_a_column_unrecorded_whose_notice_row_is_recorded(real_db):
    # July-December 2014's warrants note said "The column 'To each account listed' ... is not
    # recorded" beside "... to each account listed as accounts_notified": its notice cell is.
    recorded = {
        (period, request_type)
        for period, request_type in rows(
            real_db,
            """SELECT period_start, request_type_id FROM figures
               WHERE platform_id = 'dropbox' AND metric_id = 'accounts_notified'""",
        )
    }
    assert recorded
    contradicting = [
        figure_id
        for figure_id, period, request_type, notes in rows(
            real_db,
            """SELECT figure_id, period_start, request_type_id, notes FROM figures
               WHERE platform_id = 'dropbox' AND notes LIKE '%''To each account listed''%'""",
        )
        if (period, request_type) in recorded
        and re.search(r"'To each account listed'[^.;]*(?<!rows )(is|are) not recorded", notes)
    ]
    assert contradicting == []
