"""Freshness ("dataset up to X; platform has published up to Y") and coverage, for every platform."""

from disclosures import build
from tests.conftest import rows


def test_every_platform_has_a_freshness_row_with_its_dataset_end(real_db):
    platforms = rows(real_db, "SELECT platform_id FROM platforms ORDER BY platform_id")
    freshness = rows(real_db, "SELECT platform_id FROM platform_freshness ORDER BY platform_id")
    assert freshness == platforms
    columns = [r[1] for r in rows(real_db, "PRAGMA table_info(platform_freshness)")]
    assert columns == [
        "platform_id",
        "dataset_up_to",
        "published_up_to",
        "published_up_to_checked",
        "checked_basis",
        "behind_cadence",
        "cadence",
        "source_id",
        "dsa_dataset_up_to",
        "dsa_published_up_to",
        "dsa_source_id",
        "dataset_up_to_series",
        "main_request_type_id",
        "main_series",
        "main_series_up_to",
        "published_up_to_series",
        "published_up_to_main_series",
        "dataset_behind_months",
        "dataset_behind_by",
        "dsa_published_up_to_checked",
        "dsa_checked_basis",
        "dsa_cadence",
        "dsa_behind_cadence",
        "dsa_dataset_behind_months",
        "behind_cadence_up_to",
    ]
    # Per regime: the global end leaves the EU DSA orders out, and the DSA end has them alone.
    wrong = rows(
        real_db,
        """SELECT fr.platform_id FROM platform_freshness fr
           WHERE fr.dataset_up_to IS NOT (SELECT max(period_end) FROM figures f
                   WHERE f.platform_id = fr.platform_id AND f.is_derived = 0
                     AND f.request_type_id <> 'dsa_information_order')
              OR fr.dsa_dataset_up_to IS NOT (SELECT max(period_end) FROM figures f
                   WHERE f.platform_id = fr.platform_id AND f.is_derived = 0
                     AND f.request_type_id = 'dsa_information_order')""",
    )
    assert wrong == []


def test_microsoft_freshness_says_how_far_behind_the_dataset_is(real_db):
    (row,) = rows(
        real_db,
        "SELECT dataset_up_to, published_up_to, cadence, source_id, statement FROM freshness WHERE platform_id = 'microsoft'",
    )
    dataset_up_to, published_up_to, cadence, source_id, statement = row
    # The readable extraction ends at 2025-H1; Microsoft's 2025-H2 workbook is archived, but binary.
    assert (dataset_up_to, published_up_to, cadence) == ("2025-06-30", "2025-12-31", "half-yearly")
    assert source_id == "krmaynard-microsoft-lerr-workbooks-44e6104"
    assert statement == (
        "dataset up to 2025-06-30; platform has published up to 2025-12-31 "
        "(as checked on 2026-11-30, the date its source was retrieved); "
        "the dataset's newest period is 6 months older than 2025-12-31"
    )
    (quote,) = rows(real_db, "SELECT freshness_quote FROM platforms WHERE platform_id = 'microsoft'")[0]
    assert 'LAST = (2025, "H2")' in quote


def test_pinterest_global_freshness_stays_apart_from_its_dsa_orders_and_is_flagged_overdue(real_db):
    # Its global figures end with January-June 2020 (the newest report whose request tables a stored
    # copy holds); the mirror's copy of its January-June 2025 report only shows how far it has
    # published, and by 2026-12-05 a half-yearly platform should have published past it.
    (row,) = rows(
        real_db,
        """SELECT dataset_up_to, published_up_to, behind_cadence, source_id, dsa_published_up_to, statement
           FROM freshness WHERE platform_id = 'pinterest'""",
    )
    dataset_up_to, published_up_to, behind_cadence, source_id, dsa_published_up_to, statement = row
    assert (dataset_up_to, published_up_to, behind_cadence) == ("2020-06-30", "2025-06-30", 1)
    assert (source_id, dsa_published_up_to) == ("pinterest-transparency-report-2025h1-mirror", "2026-06-30")
    assert statement.startswith(
        "dataset up to 2020-06-30; platform has published up to 2025-06-30 (as checked on 2026-12-05); "
        "that is older than its half-yearly cadence allows on that date: a newer report may exist"
    )


def test_zooms_main_series_stays_its_requests_beside_its_national_security_bands(real_db):
    # Each of Zoom's band series (requests and selectors for four half-years) has more figures than
    # its requests: counted by figures alone, a FISA band series would name Zoom's freshness line.
    # Its "all" figures are its requests processed and those with a delayed-notice order.
    assert rows(
        real_db,
        """SELECT request_type_id, value_kind, count(*) FROM figures WHERE platform_id = 'zoom'
           AND is_derived = 0 GROUP BY request_type_id, value_kind ORDER BY request_type_id""",
    ) == [("all", "exact", 14), ("fisa_content", "band", 8), ("fisa_non_content", "band", 8), ("nsl", "band", 8)]
    assert rows(
        real_db, "SELECT main_series, main_series_up_to, statement FROM freshness WHERE platform_id = 'zoom'"
    ) == [
        (
            "All requests",
            "2024-12-31",
            "dataset up to 2024-12-31; platform has published up to 2024-12-31 (as checked on 2026-12-03, the "
            "date its source was retrieved); that is older than its half-yearly cadence allows on that date: "
            "a newer report may exist",
        )
    ]


def test_a_platform_without_counts_says_so(real_db):
    assert rows(real_db, "SELECT statement FROM freshness WHERE platform_id = 'signal'") == [
        ("dataset has no figures; platform publishes cases, not counts (see cases)",)
    ]


def test_every_comparison_row_carries_the_freshness_statement(site):
    data = site.get("/disclosures/compare_platforms.json?jurisdiction=DEU&_shape=array").json()
    assert len({r["platform_id"] for r in data}) >= 3
    for row in data:
        if row["request_type_id"] == "dsa_information_order":
            assert "EU DSA orders" in row["freshness"]
        else:
            assert (
                row["freshness"].startswith("dataset up to ") and "; platform has published up to " in row["freshness"]
            )
        assert row["source_tier"]


def test_the_apple_coverage_matrix_and_cells_agree(real_db):
    # One platform in detail: every cell of its matrix is one of the five statuses, and the long
    # view (coverage_cells) has exactly one row per jurisdiction × period of the platform.
    statuses = {"reported", "derived", "not_reported", "withheld", "missing"}
    periods = rows(
        real_db, "SELECT count(DISTINCT period_start || period_end) FROM figures WHERE platform_id = 'apple'"
    )
    places = rows(real_db, "SELECT count(DISTINCT jurisdiction_id) FROM figures WHERE platform_id = 'apple'")
    cells = rows(real_db, "SELECT status, count(*) FROM coverage_cells WHERE platform_id = 'apple' GROUP BY status")
    # Every place × regular period, plus the irregular periods where a figure exists.
    regular = rows(
        real_db,
        "SELECT count(DISTINCT period_start || period_end) FROM coverage_cells WHERE platform_id = 'apple' AND regular_period",
    )
    irregular = rows(real_db, "SELECT count(*) FROM coverage_cells WHERE platform_id = 'apple' AND NOT regular_period")
    assert sum(n for _, n in cells) == regular[0][0] * places[0][0] + irregular[0][0]
    assert regular[0][0] <= periods[0][0]
    assert {s for s, _ in cells} <= statuses and "reported" in {s for s, _ in cells}
    matrix = rows(real_db, "SELECT * FROM apple_coverage")
    assert len(matrix) == places[0][0]
    assert {cell for row in matrix for cell in row[2:]} <= statuses | {None}
    matrix_cells = sum(1 for row in matrix for cell in row[2:] if cell is not None)
    assert matrix_cells == sum(n for _, n in cells)


def test_coverage_marks_withheld_and_not_reported_and_prefers_a_reported_value(tmp_path):
    import sqlite3

    import sqlite_utils

    from disclosures import freshness

    db = sqlite_utils.Database(sqlite3.connect(tmp_path / "c.db"))
    db["platforms"].insert({"platform_id": "p", "cadence": "half-yearly"})
    db["figures"].insert_all(
        {
            "figure_id": f"f{i}",
            "platform_id": "p",
            "jurisdiction_id": j,
            "period_start": "2024-01-01",
            "period_end": end,
            "period_label": end,
            "period_kind": "half" if end.endswith("06-30") else "year",
            "value_kind": kind,
            "is_derived": derived,
        }
        for i, (j, end, kind, derived) in enumerate(
            [
                ("DEU", "2024-06-30", "exact", 0),
                ("DEU", "2024-06-30", "withheld", 0),
                ("FRA", "2024-06-30", "withheld", 0),
                ("ITA", "2024-06-30", "not_reported", 0),
                ("ITA", "2024-12-31", "exact", 1),
            ]
        )
    )
    freshness.write_coverage(db)
    db.conn.commit()
    got = rows(tmp_path / "c.db", "SELECT jurisdiction_id, period_end, status FROM coverage_cells ORDER BY 1, 2")
    assert got == [
        ("DEU", "2024-06-30", "reported"),
        ("DEU", "2024-12-31", "missing"),
        ("FRA", "2024-06-30", "withheld"),
        ("FRA", "2024-12-31", "missing"),
        ("ITA", "2024-06-30", "not_reported"),
        ("ITA", "2024-12-31", "derived"),
    ]


def test_resources_load_after_the_tables_they_reference():
    resources = [
        {"name": "platforms", "schema": {"foreignKeys": [{"reference": {"resource": "sources"}}]}},
        {"name": "sources", "schema": {"foreignKeys": [{"reference": {"resource": "source_tiers"}}]}},
        {"name": "source_tiers", "schema": {}},
    ]
    assert [r["name"] for r in build.load_order(resources)] == ["source_tiers", "sources", "platforms"]


def test_signal_cases_are_listed_one_by_one_with_what_was_asked_and_produced(site, real_db):
    cases = site.get("/disclosures/cases.json?platform_id=signal&_shape=array").json()
    ids = {c["case_id"] for c in cases}
    assert {"signal-2016-edva-grand-jury-subpoena", "signal-2021-cdcal-grand-jury-subpoena"} <= ids
    for case in cases:
        assert case["requested"] and case["produced"] and case["quote"] and case["source_id"]
    # Cases never become a count: no Signal figure exists.
    assert rows(real_db, "SELECT count(*) FROM figures WHERE platform_id = 'signal'") == [(0,)]


def test_a_cycle_of_foreign_keys_is_refused_with_the_tables_named():
    import pytest

    resources = [
        {"name": "a", "schema": {"foreignKeys": [{"reference": {"resource": "b"}}]}},
        {"name": "b", "schema": {"foreignKeys": [{"reference": {"resource": "a"}}]}},
    ]
    with pytest.raises(build.BuildFailed, match=r"foreign keys form a cycle among \['a', 'b'\]"):
        build.load_order(resources)


def test_no_platform_is_said_to_have_published_less_than_the_dataset_holds(real_db):
    # A platform cannot have published less than the figures we hold from it: published_up_to
    # must move forward whenever an import adds a newer period.
    behind = rows(
        real_db,
        """SELECT platform_id, dataset_up_to, published_up_to FROM platform_freshness
           WHERE published_up_to IS NOT NULL AND published_up_to < dataset_up_to""",
    )
    assert behind == []
