"""Mozilla's government demands for user data, pinned against the built database (issue 11).

Mozilla's table is "Legal Processes / Received / (User) Data Produced". The traps it sets: a footnote
marker after "National Security Requests" (rendered "1 0-249"), words instead of counts under Data
Produced until 2018, and Personal Data Requests (individuals asking about their own data) on the
same page. Values checked by hand against the stored pages and Mozilla's own templates.
"""

import pytest

from tests.conftest import rows

LEGAL_PROCESSES = {
    "search_warrant",
    "subpoena",
    "court_order",
    "wiretap",
    "pen_register_trap_trace",
    "emergency",
    "national_security",
}

# figure_id -> (value_kind, value, value_low, value_high)
PINNED = {
    # Stored pages.
    "mozilla-world-2015-subpoena-requests_received": ("exact", 0, None, None),
    "mozilla-usa-2015-national_security-requests_received": ("exact", 0, None, None),
    "mozilla-world-2020h1-subpoena-requests_received": ("exact", 4, None, None),
    "mozilla-world-2020h1-subpoena-requests_fulfilled": ("exact", 2, None, None),
    "mozilla-world-2021h1-court_order-requests_fulfilled": ("exact", 1, None, None),
    "mozilla-world-2022h1-subpoena-requests_received": ("exact", 4, None, None),
    "mozilla-usa-2022h2-national_security-requests_fulfilled": ("band", None, 0, 249),
    "mozilla-world-2023h2-court_order-requests_fulfilled": ("exact", 1, None, None),
    # Mozilla's templates in mozilla/bedrock.
    "mozilla-world-2017h1-subpoena-requests_received": ("exact", 1, None, None),
    "mozilla-world-2018h1-court_order-requests_received": ("exact", 1, None, None),
    "mozilla-world-2020h2-subpoena-requests_fulfilled": ("exact", 4, None, None),
    "mozilla-world-2024h2-subpoena-requests_fulfilled": ("exact", 7, None, None),
}


@pytest.mark.parametrize("figure_id", sorted(PINNED))
def test_pinned_mozilla_figures(real_db, figure_id):
    assert rows(
        real_db, "SELECT value_kind, value, value_low, value_high FROM figures WHERE figure_id = ?", figure_id
    ) == [PINNED[figure_id]]


def test_only_legal_processes_are_recorded_never_personal_data_requests(real_db):
    types = {r[0] for r in rows(real_db, "SELECT DISTINCT request_type_id FROM figures WHERE platform_id = 'mozilla'")}
    assert types == LEGAL_PROCESSES
    assert rows(
        real_db,
        """SELECT count(*) FROM figures WHERE platform_id = 'mozilla' AND is_derived = 0
           AND (quote LIKE '%Personal Data%' OR metric_id NOT IN ('requests_received', 'requests_fulfilled'))""",
    ) == [(0,)]


def test_the_footnote_marker_after_national_security_is_never_a_figure(real_db):
    # Rendered, the row reads "National Security Requests 1 0-249 0-249": the 1 is footnote 1.
    values = rows(
        real_db,
        """SELECT DISTINCT value_kind, value, value_low, value_high FROM figures
           WHERE platform_id = 'mozilla' AND request_type_id = 'national_security' AND is_derived = 0""",
    )
    assert sorted(values, key=str) == sorted([("band", None, 0, 249), ("exact", 0, None, None)], key=str)
    assert rows(
        real_db,
        """SELECT DISTINCT jurisdiction_id FROM figures WHERE platform_id = 'mozilla'
           AND request_type_id = 'national_security'""",
    ) == [("USA",)]


def test_words_under_data_produced_are_not_turned_into_counts(real_db):
    # 2015 to 2018-H1 give N/A, None, Yes or No under Data Produced: no produced figure exists there.
    assert rows(
        real_db,
        """SELECT count(*) FROM figures WHERE platform_id = 'mozilla' AND metric_id = 'requests_fulfilled'
           AND is_derived = 0 AND period_end <= '2018-06-30'""",
    ) == [(0,)]
    # Where numbers are given, every legal process has both columns, period by period.
    assert rows(
        real_db,
        """SELECT count(*) FROM figures WHERE platform_id = 'mozilla' AND is_derived = 0
           AND period_start >= '2018-07-01' AND metric_id = 'requests_fulfilled'""",
    ) == rows(
        real_db,
        """SELECT count(*) FROM figures WHERE platform_id = 'mozilla' AND is_derived = 0
           AND period_start >= '2018-07-01' AND metric_id = 'requests_received'""",
    )


def test_every_report_period_and_its_own_source(real_db):
    periods = rows(
        real_db,
        """SELECT period_start, period_end, count(DISTINCT source_id) FROM figures
           WHERE platform_id = 'mozilla' AND is_derived = 0 GROUP BY 1, 2 ORDER BY 1""",
    )
    assert [p[:2] for p in periods][:3] == [
        ("2015-01-01", "2015-12-31"),
        ("2016-01-01", "2016-06-30"),
        ("2016-07-01", "2016-12-31"),
    ]
    assert len(periods) == 19 and {p[2] for p in periods} == {1}
    assert rows(
        real_db,
        """SELECT DISTINCT s.kind, s.tier FROM figures f JOIN sources s USING (source_id)
           WHERE f.platform_id = 'mozilla' AND f.is_derived = 0""",
    ) == [("platform_report", "platform_file")]


def test_the_amended_2017_subpoena_count_is_a_correction(real_db):
    assert rows(
        real_db,
        "SELECT old_value, new_value FROM corrections WHERE figure_id = 'mozilla-world-2017h1-subpoena-requests_received'",
    ) == [("0", "1")]


def test_mozilla_freshness_comes_from_its_newest_report(real_db):
    assert rows(
        real_db,
        "SELECT dataset_up_to, published_up_to, cadence, source_id FROM platform_freshness WHERE platform_id = 'mozilla'",
    ) == [("2024-12-31", "2024-12-31", "yearly", "mozilla-bedrock-jul-dec-2024")]
    (quote,) = rows(real_db, "SELECT freshness_quote FROM platforms WHERE platform_id = 'mozilla'")[0]
    assert "July 1, 2024 to Dec 31, 2024" in quote


def test_mozilla_publishes_yearly_from_2025_as_its_own_page_says(real_db):
    # Recorded half-yearly, which it was until 2024; its 2025 page says it moved to annual reports,
    # so its freshness is measured against a year (plus the report's delay), not a half.
    (notes,) = rows(real_db, "SELECT notes FROM sources WHERE source_id = 'mozilla-bedrock-2025-transparency-reports'")[
        0
    ]
    assert "In 2025 we moved to annual reporting" in notes
    (cadence, platform_notes) = rows(real_db, "SELECT cadence, notes FROM platforms WHERE platform_id = 'mozilla'")[0]
    assert cadence == "yearly"
    assert "Half-yearly reports until July-December 2024" in platform_notes
    assert "mozilla-bedrock-2025-transparency-reports" in platform_notes
