"""Reddit's government requests for user information from its 2020 report on, pinned against the built database.

Reddit's own admin posts announcing each report give its headline figures in its own words
("requests for user account information from law enforcement and government entities",
"emergency disclosure requests", "non-emergency requests", "% of which we complied with").
The stored copies are Redlib mirrors of the posts (the platform's text archived by a third
party). The non-emergency requests are filed as legal_process, as for 2019: they are the total
less the emergency disclosure requests.

The traps: the posts give compliance as a percentage of each kind of request, never of the
total, so no total percentage is derived or recorded; and a stored copy cut mid-sentence
(2020's "We received 374 requests (67% yearly increase)") says nothing of what it counts, so it
is not recorded.
"""

import pytest

from tests.conftest import rows

SOURCE_2020 = "reddit-2021-02-16-redditsafety-2020-overview-transparency"

# figure_id -> (value, source_id, words of Reddit's that the quote must hold)
PINNED = {
    "reddit-world-2020-all-requests_received": (
        935,
        SOURCE_2020,
        "We received a total of 935 requests for user account information from law enforcement and government entities.",
    ),
    "reddit-world-2020-emergency-requests_received": (
        324,
        SOURCE_2020,
        "324 of these were emergency disclosure requests (11% yearly decrease)",
    ),
    "reddit-world-2020-emergency-percent_requests_complied": (
        63,
        SOURCE_2020,
        "mostly from US law enforcement (63% of which we complied with)",
    ),
    "reddit-world-2020-legal_process-requests_received": (
        611,
        SOURCE_2020,
        "611 were non-emergency requests (50% yearly increase)",
    ),
    "reddit-world-2020-legal_process-percent_requests_complied": (
        69,
        SOURCE_2020,
        "(69% of which we complied with); most were US subpoenas.",
    ),
}


@pytest.mark.parametrize("figure_id", sorted(PINNED))
def test_reddit_figure_is_reddits_own_words(real_db, figure_id):
    value, source_id, words = PINNED[figure_id]
    ((got_value, got_source, quote, kind, tier, publisher),) = rows(
        real_db,
        """SELECT f.value, f.source_id, f.quote, s.kind, s.tier, s.publisher
           FROM figures f JOIN sources s USING (source_id) WHERE f.figure_id = ?""",
        figure_id,
    )
    assert (got_value, got_source) == (value, source_id)
    assert words in quote
    assert (kind, tier, publisher) == ("official_statement", "platform_file_archived", "Reddit, Inc. (admin post)")


def test_reddit_2020_emergency_and_non_emergency_requests_make_up_the_total(real_db):
    # The post's own parts: 324 emergency + 611 non-emergency = 935, so legal_process is the rest.
    by_type = dict(
        rows(
            real_db,
            """SELECT request_type_id, value FROM figures WHERE platform_id = 'reddit' AND jurisdiction_id = 'WORLD'
               AND period_start = '2020-01-01' AND period_end = '2020-12-31' AND metric_id = 'requests_received'""",
        )
    )
    assert by_type == {"all": 935, "emergency": 324, "legal_process": 611}
    assert by_type["emergency"] + by_type["legal_process"] == by_type["all"]


def test_a_figure_cut_off_in_every_stored_copy_is_not_recorded(real_db):
    assert rows(real_db, "SELECT count(*) FROM figures WHERE platform_id = 'reddit' AND value = 374") == [(0,)]
    ((notes,),) = rows(real_db, "SELECT notes FROM sources WHERE source_id = ?", SOURCE_2020)
    assert "374" in notes and "not recorded" in notes


GLOBAL_NEWEST = (
    "SELECT max(period_end) FROM figures WHERE platform_id = 'reddit' AND request_type_id != 'dsa_information_order'"
)


def test_reddits_notes_say_how_far_its_figures_go_and_why_no_further(real_db):
    # Reddit's global reports; its EU DSA orders (2025) are a separate regime, never this series.
    ((newest,),) = rows(real_db, GLOBAL_NEWEST)
    ((notes,),) = rows(real_db, "SELECT notes FROM platforms WHERE platform_id = 'reddit'")
    assert newest == "2020-12-31"
    assert "Figures recorded up to 2020" in notes
    assert "EU DSA orders to provide information are recorded apart" in notes
    assert "Not imported" in notes and "PDFs" in notes


# Each of Reddit's reports since 2021 that apparebit/diaphanous keeps as a PDF, with the commit that
# added it: the notes must say which copies were not read, so the next curator knows where to look.
UNREAD_PDFS = {
    "reddit-2021.pdf": "09f68925b0fcb8213bbb26528d238fce4bedc276",
    "reddit-2022-midyear-.pdf": "09f68925b0fcb8213bbb26528d238fce4bedc276",
    "reddit-2022.pdf": "6dc72f6da5eef2c05d652125eee0a0a331207c5b",
    "reddit-2023-h1.pdf": "6dc72f6da5eef2c05d652125eee0a0a331207c5b",
    "reddit-2023-h2.pdf": "26d825f265196aa1a9062514491974ad32a6d03b",
    "reddit-2024-h1.pdf": "6dc72f6da5eef2c05d652125eee0a0a331207c5b",
    "reddit-2024-h2.pdf": "6dc72f6da5eef2c05d652125eee0a0a331207c5b",
    "reddit-2025-h1.pdf": "26d825f265196aa1a9062514491974ad32a6d03b",
    "reddit-2025-h2.pdf": "b3265cd95b196999c92b201fbb65d15dc7ef4d6b",
}


def test_reddits_notes_name_each_unread_pdf_and_why_it_was_not_read(real_db):
    ((notes,),) = rows(real_db, "SELECT notes FROM platforms WHERE platform_id = 'reddit'")
    for name, commit in UNREAD_PDFS.items():
        assert name in notes, name
        # The commit is named after the file (or the files it added together) and before the next file.
        assert commit in notes[notes.index(name) :], (name, commit)
    assert "could not be read (checked 2026-12-04)" in notes
    assert "commit 7208730 of 2024-10-22, which holds no data/reddit folder" in notes
    # Nothing was read from them: Reddit's figures still stop at 2020.
    assert rows(real_db, GLOBAL_NEWEST) == [("2020-12-31",)]
