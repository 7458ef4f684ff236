"""Zoom's U.S. requests that came with a delayed-notice order, recorded as
requests_delayed_notice_order from the delayed-notice sentence of every report whose stored text
gives it (July-December 2021 to July-December 2024).

The traps pinned here: one sentence gives the count and the U.S. requests it is a part of ("54 out
of 142"), so the count never exceeds them, and the page as first captured had the two the other way
round; the count is no outcome and no notice; and the two reports before July-December 2022 give
the count alone, so no whole is made up beside it.
"""

from html import unescape

import pytest

from disclosures import rules
from tests.conftest import rows

METRIC = "requests_delayed_notice_order"

# period -> (value, source_id, the sentence quoted whole, as the stored page text reads)
PINNED = {
    "2021h2": (
        44,
        "zoom-transparency-2021h2-archive",
        "In this period, 44 US requests came with a delayed notification order.",
    ),
    "2022h1": (
        39,
        "zoom-transparency-2022h1-archive",
        "In this period, 39 US requests came with a delayed notification order.",
    ),
    "2022h2": (
        41,
        "zoom-transparency-2022h2-archive",
        "In this period, 41 out of 108 U.S. requests were accompanied by a valid delayed-notice order.",
    ),
    "2023h1": (
        54,
        "zoom-transparency-2023h1-archive",
        "In this period, 54 out of 142 U.S. requests were accompanied by a valid delayed-notice order.",
    ),
    "2023h2": (
        67,
        "zoom-transparency-2023h2-archive",
        "In this period, 67 out of 199 U.S. requests were accompanied by a valid delayed-notice order.",
    ),
    "2024h1": (
        61,
        "zoom-transparency-2024h1-archive",
        "In this period, 61 out of 291 U.S. requests were accompanied by a valid delayed-notice order.",
    ),
    "2024h2": (
        66,
        "zoom-transparency-2024h2",
        "In this period, 66 out of 175 U.S. requests were accompanied by a valid delayed-notice order.",
    ),
}


def figure_id(period: str, metric: str = METRIC) -> str:
    return f"zoom-usa-{period}-all-{metric}"


@pytest.mark.parametrize("period", sorted(PINNED))
def test_a_delayed_notice_count_is_zooms_sentence_quoted_whole(real_db, period):
    value, source_id, sentence = PINNED[period]
    ((kind, found, source, derived, quote, jurisdiction, request_type, wording),) = rows(
        real_db,
        """SELECT value_kind, value, source_id, is_derived, quote, jurisdiction_id, request_type_id, platform_wording
           FROM figures WHERE figure_id = ?""",
        figure_id(period),
    )
    assert (kind, found, source, derived, quote) == ("exact", value, source_id, 0, sentence)
    assert (jurisdiction, request_type) == ("USA", "all")
    # Zoom's own words, both wordings it used ("came with a delayed notification order" before
    # July-December 2022, "accompanied by a valid delayed-notice order" since).
    assert "delayed" in wording and wording in sentence


def test_every_report_whose_text_gives_the_count_is_recorded_once(real_db):
    # The first report (to December 12, 2020) and the one to June 30, 2021 give none; the report for
    # July-December 2021 was the first ("we have added information about the number of delayed-notice
    # orders we received as part of U.S. requests").
    recorded = rows(
        real_db,
        "SELECT figure_id FROM figures WHERE metric_id = ? AND is_derived = 0 ORDER BY figure_id",
        METRIC,
    )
    assert recorded == [(figure_id(period),) for period in sorted(PINNED)]


def test_the_count_is_a_part_of_the_us_requests_its_sentence_gives(real_db):
    pairs = rows(
        real_db,
        """SELECT d.figure_id, d.value, p.value, d.quote = p.quote AND d.source_id = p.source_id
           FROM figures d LEFT JOIN figures p ON p.platform_id = d.platform_id
             AND p.jurisdiction_id = d.jurisdiction_id AND p.period_start = d.period_start
             AND p.period_end = d.period_end AND p.request_type_id = d.request_type_id
             AND p.metric_id = 'requests_processed'
           WHERE d.metric_id = ? AND d.is_derived = 0 ORDER BY d.figure_id""",
        METRIC,
    )
    assert len(pairs) == len(PINNED)
    for delayed_id, delayed, processed, same_sentence in pairs:
        if processed is None:
            # The reports for July-December 2021 and January-June 2022 state no number of U.S. requests.
            assert delayed_id in {figure_id("2021h2"), figure_id("2022h1")}, delayed_id
            continue
        assert same_sentence == 1 and delayed < processed, (delayed_id, delayed, processed)
        assert f"{delayed} out of {processed} U.S. requests" in PINNED[delayed_id.split("-")[2]][2]


def test_the_first_captures_swapped_numbers_are_a_disagreement_on_each_figure(real_db):
    # "142 out of 54 U.S. requests" (2023-07-08); a week later "54 out of 142", which is kept.
    assert rows(
        real_db,
        """SELECT figure_id, claimed_value, kind FROM disagreements
           WHERE source_id = 'zoom-transparency-2023h1-archive-first' ORDER BY figure_id""",
    ) == [
        (figure_id("2023h1"), 142, "typo"),
        (figure_id("2023h1", "requests_processed"), 54, "typo"),
    ]


def test_the_metric_is_defined_in_zooms_words_as_a_part_counted_beside_the_outcomes(real_db):
    ((label, unit, definition),) = rows(
        real_db, "SELECT label, unit, definition FROM metrics WHERE metric_id = ?", METRIC
    )
    assert (label, unit) == ("Requests with a delayed-notice order", "count")
    # Zoom's definition, from its reports' Definitions.
    assert (
        "an order signed by a judge preventing Zoom from notifying one or more users of a government request for "
        "their information for a specified period"
    ) in definition
    assert "not as one of them" in definition and "Not requests_users_notified" in definition
    assert all(METRIC not in parts for _, parts, _ in rules.REQUEST_PARTS)


def test_no_note_says_the_count_has_no_metric_any_more(real_db):
    stale = "no metric counts requests by whether notice to the user was delayed"
    for table, key in (("sources", "source_id"), ("figures", "figure_id"), ("platforms", "platform_id")):
        assert rows(real_db, f"SELECT {key} FROM {table} WHERE notes LIKE ?", f"%{stale}%") == [], table
    ((not_reported,),) = rows(real_db, "SELECT not_reported FROM platforms WHERE platform_id = 'zoom'")
    assert "give no counts in their text" not in not_reported and "delayed-notice order" in not_reported


def test_a_derived_year_is_its_two_halves_and_only_where_both_are_reported(real_db):
    derived = rows(
        real_db,
        """SELECT d.year, d.value, sum(h.value), count(h.figure_id) FROM figures d
           JOIN figures h ON h.platform_id = d.platform_id AND h.metric_id = d.metric_id
             AND h.jurisdiction_id = d.jurisdiction_id AND h.request_type_id = d.request_type_id
             AND h.is_derived = 0 AND h.period_start >= d.period_start AND h.period_end <= d.period_end
           WHERE d.metric_id = ? AND d.is_derived = 1 GROUP BY d.figure_id ORDER BY d.year""",
        METRIC,
    )
    halves = {period[:4] for period in PINNED}
    both = sorted(int(year) for year in halves if {f"{year}h1", f"{year}h2"} <= set(PINNED))
    assert [year for year, *_ in derived] == both
    assert all(value == total and parts == 2 for _, value, total, parts in derived), derived


def test_the_figure_page_names_the_metric_and_its_whole_links_to_it(site):
    page = unescape(site.get(f"/figure/{figure_id('2023h1')}").text)
    assert "Requests with a delayed-notice order" in page
    assert "preventing Zoom from notifying one or more users" in page
    assert "142 out of 54" in page  # the first capture's swap, shown as a disagreement
    whole = unescape(site.get(f"/figure/{figure_id('2023h1', 'requests_processed')}").text)
    assert f'href="/figure/{figure_id("2023h1")}"' in whole
