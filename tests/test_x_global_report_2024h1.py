"""X's own Global Transparency Report H1 2024, pinned against the built database.

The report is a 15-page PDF; page 13 gives government requests for X account information
("including both emergency and non-emergency inquiries") as total number of requests, cases
disclosed and disclosure rate, for the total and five rows only: USA, Japan, EU, UK, All Others.
The copy read is data/x/x-2024-h1.pdf in apparebit/diaphanous at commit 5066d28 (the only commit
that touches it). Values checked by hand against the PDF's text layer.

The traps: the press rounded the 52.82% total rate to 53% and wrote "complying" for "disclosed";
and X's own rows add up to 9,979 cases disclosed while its total row says 9,897, so the total is
never replaced by the rows' sum, and the contradiction is a recorded disagreement.

The newest periods X, Reddit and Microsoft have published rest on stored sources whose files are
binary (X's H2 2024 PDF, Reddit's PDFs, Microsoft's LERR-2025-H2.xlsx): they date the platform's
newest report and carry no figure.
"""

import pytest

from tests.conftest import rows

SOURCE = "x-global-transparency-report-2024h1-pdf-archive"

# figure_id -> value, every one from page 13
PINNED = {
    "x-world-2024h1-all-requests_received": 18737,
    "x-world-2024h1-all-requests_fulfilled": 9897,
    "x-world-2024h1-all-percent_requests_some_data": 52.82,
    "x-usa-2024h1-all-requests_received": 3329,
    "x-usa-2024h1-all-requests_fulfilled": 2522,
    "x-jpn-2024h1-all-percent_requests_some_data": 60,
    "x-eu-2024h1-all-requests_received": 7872,
    "x-gbr-2024h1-all-requests_fulfilled": 307,
    "x-other-2024h1-all-requests_received": 4175,
}
ROWS = ("USA", "JPN", "EU", "GBR", "OTHER")


@pytest.mark.parametrize("figure_id", sorted(PINNED))
def test_pinned_x_h1_2024_figures(real_db, figure_id):
    assert rows(
        real_db,
        "SELECT value_kind, value, source_id, is_derived FROM figures WHERE figure_id = ?",
        figure_id,
    ) == [("exact", PINNED[figure_id], SOURCE, 0)]


def test_the_report_is_the_platforms_file_archived_with_its_checksum(real_db):
    assert rows(real_db, "SELECT tier, kind FROM sources WHERE source_id = ?", SOURCE) == [
        ("platform_file_archived", "platform_report")
    ]
    assert rows(real_db, "SELECT file_name, sha256 FROM source_files WHERE source_id = ?", SOURCE) == [
        ("x-2024-h1.pdf", "cb7c069f8c5e4c4745aaf62a9f6e63ff1bb3f9435bc31d5085200056642a8ded")
    ]
    locators = rows(real_db, "SELECT DISTINCT source_locator FROM figures WHERE source_id = ?", SOURCE)
    assert sorted(loc for (loc,) in locators) == sorted(
        f"x-2024-h1.pdf page 13, row {label}"
        for label in ("TOTAL INFORMATION REQUESTS", "USA", "Japan", "EU", "UK", "All Others")
    )


def test_the_press_copies_now_corroborate_and_their_rounding_is_recorded(real_db):
    # ABP Live's four H1 2024 numbers that equal the report are corroborations, not figures.
    corroborated = rows(
        real_db,
        """SELECT c.figure_id FROM corroborations c JOIN figures f USING (figure_id)
           WHERE c.source_id = 'abplive-2024-09-x-global-transparency-report' AND f.source_id = ?""",
        SOURCE,
    )
    assert len(corroborated) == 5
    assert rows(
        real_db,
        "SELECT count(*) FROM figures WHERE platform_id = 'x' AND period_end = '2024-06-30' AND source_id != ?",
        SOURCE,
    ) == [(0,)]
    rounded = rows(
        real_db,
        """SELECT source_id, claimed_value FROM disagreements
           WHERE figure_id = 'x-world-2024h1-all-percent_requests_some_data' AND kind = 'rounded' ORDER BY source_id""",
    )
    assert rounded == [
        ("abplive-2024-09-x-global-transparency-report", 53),
        ("bestmediainfo-2024-09-27-x-transparency-report", 53),
    ]


def test_the_rows_requests_add_up_but_their_cases_disclosed_do_not_and_that_is_recorded(real_db):
    def by_row(metric):
        found = dict(
            rows(
                real_db,
                f"""SELECT jurisdiction_id, value FROM figures WHERE source_id = ? AND metric_id = ?
                    AND jurisdiction_id IN ({",".join("?" * len(ROWS))})""",
                SOURCE,
                metric,
                *ROWS,
            )
        )
        assert set(found) == set(ROWS)
        return sum(found.values())

    assert by_row("requests_received") == PINNED["x-world-2024h1-all-requests_received"]
    rows_disclosed = by_row("requests_fulfilled")
    assert rows_disclosed != PINNED["x-world-2024h1-all-requests_fulfilled"]
    assert rows(
        real_db,
        "SELECT figure_id, source_id, claimed_value FROM disagreements WHERE kind = 'inconsistent_parts' AND source_id = ?",
        SOURCE,
    ) == [("x-world-2024h1-all-requests_fulfilled", SOURCE, rows_disclosed)]
    # The total rate is the total's own ratio, to the two decimals X prints.
    assert round(100 * 9897 / 18737, 2) == PINNED["x-world-2024h1-all-percent_requests_some_data"]


@pytest.mark.parametrize(
    ("platform_id", "published_up_to", "dataset_up_to", "source_id"),
    [
        ("x", "2024-12-31", "2024-06-30", "diaphanous-platform-catalogue-d89e63d"),
        ("reddit", "2025-12-31", "2020-12-31", "diaphanous-platform-catalogue-d89e63d"),
        ("microsoft", "2025-12-31", "2025-06-30", "krmaynard-microsoft-lerr-workbooks-44e6104"),
    ],
)
def test_a_newer_report_stored_only_as_a_binary_file_shows_as_a_gap_never_as_figures(
    real_db, platform_id, published_up_to, dataset_up_to, source_id
):
    assert rows(
        real_db,
        "SELECT published_up_to, dataset_up_to, source_id FROM platform_freshness WHERE platform_id = ?",
        platform_id,
    ) == [(published_up_to, dataset_up_to, source_id)]
    assert rows(real_db, "SELECT count(*) FROM figures WHERE source_id = ?", source_id) == [(0,)]
    ((statement,),) = rows(real_db, "SELECT statement FROM freshness WHERE platform_id = ?", platform_id)
    assert f"platform has published up to {published_up_to}" in statement
    assert f"older than {published_up_to}" in statement
