"""Dropbox's stored report pages and blog posts, read again for the figures they state that the data
lacked, pinned against the built database.

The traps pinned here: a table's outcome row is a count of requests with data produced only where
the rows add up to the requests received, and never the sum of two rows; Dropbox's non-US requests are
its own group (INTL), not a country; its July-December 2015 post's parts do not add up to its total;
and the help.dropbox.com chart pages, whose counts could not be read, give no figure.
"""

import pytest

from tests.conftest import rows

# figure_id -> (value, source_id, a fragment of the quote that holds the value as Dropbox set it out)
PINNED = {
    "dropbox-usa-2013-search_warrant-requests_received": (
        118,
        "dropbox-transparency-page-2013",
        "What Dropbox received ¶ Search warrants ¶ 118 ¶ Accounts identified ¶ 172",
    ),
    "dropbox-usa-2013-search_warrant-requests_fulfilled": (
        104,
        "dropbox-transparency-page-2013",
        "Account(s) did not exist ¶ 9 ¶ Content and non-content produced ¶ 104 ¶ Notice provided ¶ 42",
    ),
    "dropbox-usa-2013-court_order-requests_received": (
        0,
        "dropbox-transparency-page-2013",
        "What Dropbox received ¶ Court orders ¶ 0 ¶ Accounts identified ¶ 0",
    ),
    "dropbox-usa-2013-subpoena-accounts_specified": (
        401,
        "dropbox-transparency-page-2013",
        "Subpoenas ¶ What Dropbox received ¶ Subpoenas ¶ 159 ¶ Accounts identified ¶ 401",
    ),
    "dropbox-usa-2014h2-search_warrant-requests_fulfilled": (
        113,
        "dropbox-transparency-page-2014h2",
        "Content and non-content produced ¶ 113 ¶ 149",
    ),
    "dropbox-usa-2015h1-search_warrant-requests_fulfilled": (
        213,
        "dropbox-transparency-page-2015h1",
        "Content provided ¶ 213 ¶ 280",
    ),
    "dropbox-intl-2015h1-all-requests_received": (
        7,
        "dropbox-blog-2015-12-04-transparency-h1-2015",
        "Non-US request: 7, Court orders: 10",
    ),
    "dropbox-intl-2015h2-all-requests_received": (
        4,
        "dropbox-blog-2016-06-20-transparency-h2-2015",
        "2015: 4 non-US requests; 11 court orders",
    ),
}


@pytest.mark.parametrize("figure_id", sorted(PINNED))
def test_new_dropbox_figures_hold_their_quotes(real_db, figure_id):
    value, source_id, fragment = PINNED[figure_id]
    ((kind, found, source, derived, quote),) = rows(
        real_db, "SELECT value_kind, value, source_id, is_derived, quote FROM figures WHERE figure_id = ?", figure_id
    )
    assert (kind, found, source, derived) == ("exact", value, source_id, 0)
    assert fragment in quote


def test_a_data_produced_count_is_one_row_that_the_outcomes_add_up_to(real_db):
    # Subpoenas and court orders split data produced into content and non-content rows: their sum
    # would be a number Dropbox did not print, so no such figure exists; nor does a count of accounts
    # with data produced, since the account rows do not add up to the accounts listed.
    assert rows(
        real_db,
        """SELECT figure_id FROM figures WHERE platform_id = 'dropbox' AND is_derived = 0
           AND metric_id IN ('requests_fulfilled', 'accounts_affected') ORDER BY figure_id""",
    ) == [
        ("dropbox-usa-2013-court_order-requests_fulfilled",),
        ("dropbox-usa-2013-search_warrant-requests_fulfilled",),
        ("dropbox-usa-2014h2-search_warrant-requests_fulfilled",),
        ("dropbox-usa-2015h1-search_warrant-requests_fulfilled",),
    ]


def test_january_june_2015_parts_make_the_posts_total(real_db):
    ((parts,),) = rows(
        real_db,
        """SELECT sum(value) FROM figures WHERE platform_id = 'dropbox' AND is_derived = 0
           AND period_start = '2015-01-01' AND period_end = '2015-06-30' AND metric_id = 'requests_received'
           AND ((jurisdiction_id = 'USA' AND request_type_id IN ('search_warrant', 'subpoena', 'court_order'))
                OR jurisdiction_id = 'INTL')""",
    )
    assert rows(
        real_db, "SELECT value FROM figures WHERE figure_id = 'dropbox-world-2015h1-all-requests_received'"
    ) == [(parts,)]


def test_july_december_2015_parts_that_miss_the_total_are_a_recorded_disagreement(real_db):
    ((parts,),) = rows(
        real_db,
        """SELECT sum(value) FROM figures WHERE platform_id = 'dropbox' AND is_derived = 0
           AND period_start = '2015-07-01' AND period_end = '2015-12-31' AND metric_id = 'requests_received'
           AND jurisdiction_id IN ('USA', 'INTL') AND value_kind = 'exact'""",
    )
    assert parts == 570
    assert rows(
        real_db,
        """SELECT d.claimed_value, d.kind, f.value FROM disagreements d JOIN figures f USING (figure_id)
           WHERE d.figure_id = 'dropbox-world-2015h2-all-requests_received'""",
    ) == [(570, "inconsistent_parts", 574)]


def test_the_chart_pages_whose_counts_could_not_be_read_give_no_figure(real_db):
    assert rows(real_db, "SELECT count(*) FROM figures WHERE source_id = 'dropbox-help-transparency-more'") == [(0,)]
    ((notes,),) = rows(real_db, "SELECT notes FROM platforms WHERE platform_id = 'dropbox'")
    assert "could be read holds only the column labels" in notes


# Dropbox's outcome rows that a count metric now holds, each read from the table its quote is, with
# the cell as Dropbox set it out (the row's label, then the count to each request).
OUTCOMES = {
    "dropbox-usa-2013-search_warrant-requests_no_data_found": (9, "Account(s) did not exist ¶ 9 ¶"),
    "dropbox-usa-2013-search_warrant-requests_content_disclosed": (104, "Content and non-content produced ¶ 104 ¶"),
    "dropbox-usa-2014h2-search_warrant-requests_no_data_found": (17, "Does not exist ¶ 17 ¶ 104"),
    "dropbox-usa-2015h1-search_warrant-requests_content_disclosed": (213, "Content provided ¶ 213 ¶ 280"),
    "dropbox-usa-2015h1-subpoena-requests_no_data_found": (23, "Does not exist ¶ 23 ¶ 75"),
    "dropbox-usa-2015h1-subpoena-requests_content_disclosed": (0, "Content provided ¶ 0 ¶ 0"),
    "dropbox-usa-2015h1-subpoena-requests_non_content_disclosed": (140, "Non-content provided ¶ 140 ¶ 228"),
    "dropbox-usa-2015h1-court_order-requests_non_content_disclosed": (9, "Non-content provided ¶ 9 ¶ 11"),
}


def test_outcome_rows_are_counts_of_their_own_metric(real_db):
    for figure_id, (value, cell) in OUTCOMES.items():
        found = rows(real_db, "SELECT value, quote FROM figures WHERE figure_id = ? AND is_derived = 0", figure_id)
        assert len(found) == 1 and found[0][0] == value and cell in found[0][1], figure_id
    # The outcomes no metric counts stay out, and the notes say why.
    assert rows(
        real_db,
        "SELECT count(*) FROM figures WHERE platform_id = 'dropbox' AND platform_wording LIKE '%No information provided%'",
    ) == [(0,)]
    ((notes,),) = rows(real_db, "SELECT notes FROM platforms WHERE platform_id = 'dropbox'")
    assert (
        "'No information provided' rows (no reason given, so neither no data found nor rejected, and no stored "
        "page defines the row): no metric counts them" in notes
    )


def test_the_subpoenas_outcomes_stay_within_the_subpoenas_received(real_db):
    # 23 did not exist + 0 content + 140 non-content only (+ 16 no information, no metric) = 179.
    ((parts,),) = rows(
        real_db,
        """SELECT sum(value) FROM figures WHERE figure_id LIKE 'dropbox-usa-2015h1-subpoena-requests_%'
           AND metric_id IN ('requests_content_disclosed', 'requests_non_content_disclosed', 'requests_no_data_found')""",
    )
    assert parts == 163
    assert rows(
        real_db, "SELECT value FROM figures WHERE figure_id = 'dropbox-usa-2015h1-subpoena-requests_received'"
    ) == [(179,)]


def test_the_july_december_2017_posts_nondisclosure_share_is_no_figure(real_db):
    # "In 31.8% of cases, the court prohibited Dropbox from ever letting users know": no metric counts
    # nondisclosure orders, so the post's only figure stays its count of requests.
    source = "dropbox-blog-2018-07-10-transparency-h2-2017"
    assert rows(real_db, "SELECT figure_id, value FROM figures WHERE source_id = ?", source) == [
        ("dropbox-world-2017h2-all-requests_received", 1341)
    ]
    assert rows(real_db, "SELECT figure_id FROM figures WHERE platform_id = 'dropbox' AND value = 31.8") == []
    assert rows(real_db, "SELECT count(*) FROM corroborations WHERE source_id = ?", source) == [(0,)]
