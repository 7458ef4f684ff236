"""Apple's and Microsoft's figures from third-party extractions of their files (issue 11)."""

import json

from disclosures.importers import apple, microsoft
from tests._importer_files import parsed_from
from tests.conftest import rows

APPLE = {
    "periods": ["2024 H2", "2025 H1"],
    "countries": ["France", "China mainland", "N/A"],
    "request_types": ["device", "account", "app_takedown_legal_violation"],
    "measures": [
        "requests_received",
        "items_specified",
        "requests_data_provided",
        "pct_data_provided",
        "content_provided",
    ],
    "rows": [
        [1, 0, 0, 530, 2679, 334, 63.0, None],
        [0, 1, 1, 12, 40, None, 58.0, 3],
        [1, 2, 0, 1, 1, 1, 100.0, None],
        [1, 0, 2, 4, 4, None, None, None],
    ],
    "ns_rows": [[1, 0, "National Security", 0, 249, 0, 249]],
}


def test_apple_rows_resolve_their_ids_and_keep_the_record_as_quote(tmp_path):
    parsed = parsed_from(apple.parse, tmp_path / "apple-transparency.json", json.dumps(APPLE))
    got = {(r.jurisdiction_id, r.period_end, r.request_type_id, r.metric_id): r.value for r in parsed.records}
    assert got == {
        ("FRA", "2025-06-30", "device", "requests_received"): "530",
        ("FRA", "2025-06-30", "device", "identifiers_specified"): "2679",
        ("FRA", "2025-06-30", "device", "requests_fulfilled"): "334",
        ("FRA", "2025-06-30", "device", "percent_requests_some_data"): "63",
        ("CHN", "2024-12-31", "account", "requests_received"): "12",
        ("CHN", "2024-12-31", "account", "accounts_specified"): "40",
        ("CHN", "2024-12-31", "account", "percent_requests_some_data"): "58",
        ("CHN", "2024-12-31", "account", "requests_content_disclosed"): "3",
    }
    first = parsed.records[0]
    assert first.quote == "[1, 0, 0, 530, 2679, 334, 63.0, null]"
    assert "countries[0]='France'" in first.source_locator and "measures[0]='requests_received'" in first.source_locator
    reasons = " | ".join(s.reason for s in parsed.skips)
    assert "content_provided" not in reasons  # the account row's content count is a figure now
    assert "not a jurisdiction" in reasons  # N/A
    assert "not a request for user data" in reasons  # app takedowns
    assert not any("National Security" in r.quote for r in parsed.records)


def test_apple_content_counts_are_read_for_account_requests_only(tmp_path):
    # Apple counts requests answered with content only in its account requests file: a content
    # cell on another request type's row is no figure, and the emergency file's "no data
    # provided" (apart from those rejected or challenged) is no count any metric means.
    document = {
        "periods": ["2025 H1"],
        "countries": ["France"],
        "request_types": ["account", "device", "emergency"],
        "measures": ["requests_received", "requests_no_data", "content_provided", "noncontent_provided"],
        "rows": [[0, 0, 0, 120, None, 7, 80], [0, 0, 1, 50, None, 2, 30], [0, 0, 2, 9, 4, None, None]],
    }
    parsed = parsed_from(apple.parse, tmp_path / "apple-transparency.json", json.dumps(document))
    got = {(r.request_type_id, r.metric_id): (r.value, r.platform_wording) for r in parsed.records}
    assert got[("account", "requests_content_disclosed")] == (
        "7",
        "Account Requests where Content Provided (extracted as content_provided)",
    )
    assert got[("account", "requests_non_content_disclosed")] == (
        "80",
        "Account Requests where Only Non-Content Data Provided (extracted as noncontent_provided)",
    )
    assert {key for key in got if key[0] != "account"} == {
        ("device", "requests_received"),
        ("emergency", "requests_received"),
    }
    skipped = {s.source_locator.rsplit("measures", 1)[-1]: s.reason for s in parsed.skips}
    assert "is not in mappings/apple.csv" in skipped["[2]='content_provided'"]
    assert "no metric means this count" in skipped["[1]='requests_no_data'"]


def test_apples_emergency_no_data_count_is_no_figure_and_its_notes_say_why(real_db):
    # Apple's emergency file gives its "Requests where No Data Provided" (in 556 of the extraction's
    # emergency rows) without defining it: no figure carries it under any metric, and the platform's
    # notes tell a reader why it is missing rather than leaving it silently out.
    assert rows(
        real_db,
        """SELECT DISTINCT metric_id FROM figures WHERE platform_id = 'apple' AND request_type_id = 'emergency'
           AND is_derived = 0 ORDER BY metric_id""",
    ) == [("percent_requests_some_data",), ("requests_fulfilled",), ("requests_received",)]
    ((notes,),) = rows(real_db, "SELECT notes FROM platforms WHERE platform_id = 'apple'")
    assert "Not recorded, and why: the emergency requests' 'Requests where No Data Provided'" in notes
    assert "neither requests_no_data_found" in notes
    assert "Requests where No Data Provided" in apple.__doc__


# Apple's counts of account requests by outcome, as the file's own cells give them: rows[2509] is
# [24, 119, 1, 15989, 48075, null, 91.0, 3095, null, 7445, 7107, ...], 2025 H1, United States of
# America, account: 15,989 requests received, 3,095 challenged or rejected, 7,445 with content and
# 7,107 with non-content data only, whose share of the requests (91.0%) is the file's percentage.
APPLE_OUTCOMES = {
    "apple-usa-2025h1-account-requests_content_disclosed": (7445, "measures[6]='content_provided'", 9),
    "apple-usa-2025h1-account-requests_non_content_disclosed": (7107, "measures[7]='noncontent_provided'", 10),
}


def test_apple_outcome_counts_are_pinned_against_the_files_cells(real_db):
    for figure_id, (value, measure, cell) in APPLE_OUTCOMES.items():
        found = rows(
            real_db, "SELECT value, source_id, source_locator, quote FROM figures WHERE figure_id = ?", figure_id
        )
        assert len(found) == 1, figure_id
        got, source, locator, quote = found[0]
        assert (got, source) == (value, "krmaynard-apple-transparency-json-0632ece")
        assert locator.startswith("apple-transparency.json rows[2509]: periods[24]='2025 H1'") and locator.endswith(
            measure
        )
        record = json.loads(quote)
        assert record[:4] == [24, 119, 1, 15989] and record[cell] == value
    assert rows(
        real_db,
        "SELECT value FROM figures WHERE figure_id = 'apple-usa-2025h1-account-percent_requests_some_data'",
    ) == [(91,)]


def test_microsoft_rows_map_sections_and_metrics_and_skip_what_is_not_a_figure(tmp_path):
    rows_ = [
        ["2025-H1", "criminal", "France", "requests", "count", 2090],
        ["2025-H1", "criminal", "France", "disclosed_content", "count", 0],
        ["2025-H1", "emergencies", "UAE", "accounts_specified", "count", 1],
        ["2025-H1", "civil", "Brazil", "requests", "count", 31],
        ["2025-H1", "emergencies", "To Be Determined", "requests", "count", 3],
    ]
    parsed = parsed_from(
        microsoft.parse, tmp_path / "microsoft-lerr.json", json.dumps({"rows": rows_}, separators=(",", ":"))
    )
    got = [(r.jurisdiction_id, r.request_type_id, r.metric_id, r.value, r.quote) for r in parsed.records]
    assert got == [
        (
            "FRA",
            "legal_process",
            "requests_received",
            "2090",
            '["2025-H1","criminal","France","requests","count",2090]',
        ),
        (
            "FRA",
            "legal_process",
            "requests_content_disclosed",
            "0",
            '["2025-H1","criminal","France","disclosed_content","count",0]',
        ),
        (
            "ARE",
            "emergency",
            "accounts_specified",
            "1",
            '["2025-H1","emergencies","UAE","accounts_specified","count",1]',
        ),
    ]
    assert len(parsed.skips) == 2  # the civil section and a country not determined


# Microsoft's US criminal (legal_process) counts for 2025-H1, as the file's own rows give them:
# content 945 + non-content only 3,634 + no data found 905 + rejected 640 = 6,124 requests.
MICROSOFT_OUTCOMES = {
    "microsoft-usa-2025h1-legal_process-requests_content_disclosed": ("disclosed_content", 945),
    "microsoft-usa-2025h1-legal_process-requests_non_content_disclosed": ("disclosed_noncontent", 3634),
    "microsoft-usa-2025h1-legal_process-requests_no_data_found": ("no_data_found", 905),
    "microsoft-usa-2025h1-legal_process-requests_rejected": ("rejected", 640),
}


def test_microsoft_outcome_counts_are_the_files_cells_and_add_up_to_the_requests(real_db):
    for figure_id, (metric, value) in MICROSOFT_OUTCOMES.items():
        assert rows(
            real_db, "SELECT value, source_id, source_locator, quote FROM figures WHERE figure_id = ?", figure_id
        ) == [
            (
                value,
                "krmaynard-microsoft-lerr-json-47ca656",
                f"microsoft-lerr.json rows: period=2025-H1, section=criminal, country=USA, metric={metric}",
                f'["2025-H1","criminal","USA","{metric}","count",{value}]',
            )
        ], figure_id
    requests = rows(
        real_db, "SELECT value FROM figures WHERE figure_id = 'microsoft-usa-2025h1-legal_process-requests_received'"
    )
    assert requests == [(sum(value for _, value in MICROSOFT_OUTCOMES.values()),)] == [(6124,)]


def test_microsoft_reads_the_files_own_spellings_and_skips_skype_and_serbia_with_kosovo(tmp_path):
    rows_ = [
        ["2021-H1", "emergencies", "Swizerland", "requests", "count", 2],
        ["2013-H1", "combined", "Taiwan Province Of China", "requests", "count", 1],
        ["2013-H1", "skype", "Germany", "accounts_specified", "count", 2309],
        ["2024-H1", "emergencies", "Serbia (incl Kosovo)", "requests", "count", 2],
    ]
    parsed = parsed_from(
        microsoft.parse, tmp_path / "microsoft-lerr.json", json.dumps({"rows": rows_}, separators=(",", ":"))
    )
    assert [(r.jurisdiction_id, r.request_type_id) for r in parsed.records] == [("CHE", "emergency"), ("TWN", "all")]
    reasons = [s.reason for s in parsed.skips]
    assert len(reasons) == 2
    assert "already counted in that period's combined section" in reasons[0]
    assert "Serbia and Kosovo counted together" in reasons[1]


def test_apple_has_france_the_uk_and_brazil_and_microsoft_reaches_2025_h1(real_db):
    places = rows(
        real_db,
        "SELECT DISTINCT jurisdiction_id FROM figures WHERE platform_id = 'apple' AND jurisdiction_id IN ('FRA', 'GBR', 'BRA')",
    )
    assert sorted(p for (p,) in places) == ["BRA", "FRA", "GBR"]
    assert rows(real_db, "SELECT max(period_end) FROM figures WHERE platform_id = 'microsoft'") == [("2025-06-30",)]
    tiers = rows(
        real_db,
        "SELECT DISTINCT source_tier FROM figures WHERE source_id LIKE 'krmaynard-%' AND platform_id IN ('apple', 'microsoft')",
    )
    assert tiers == [("third_party_extraction",)]


# Microsoft 2013-H1 to 2025-H1 from the extraction: figure_id -> (source_id, value), as the file says.
MICROSOFT_PINNED = {
    # Combined (Microsoft and Skype) until 2016; hardwareluxx gives the same and is now a corroboration.
    "microsoft-deu-2013h1-all-requests_received": ("krmaynard-microsoft-lerr-json-47ca656", 5185),
    "microsoft-bra-2016h2-all-requests_rejected": ("krmaynard-microsoft-lerr-json-47ca656", 25),
    # The criminal section from 2017. For the US in 2019 H2 Microsoft's own post gives the same
    # 4,315 and is the source (a stronger tier); the extraction's record corroborates it.
    "microsoft-usa-2019h2-legal_process-requests_received": ("microsoft-2020-04-23-digital-trust-reports", 4315),
    "microsoft-usa-2020h2-emergency-requests_received": ("krmaynard-microsoft-lerr-json-47ca656", 141),
    "microsoft-deu-2024h2-legal_process-requests_received": ("krmaynard-microsoft-lerr-json-47ca656", 5296),
    "microsoft-ind-2024h2-legal_process-accounts_specified": ("krmaynard-microsoft-lerr-json-47ca656", 2388),
}


def test_microsoft_figures_from_the_extraction_are_pinned_in_the_built_database(real_db):
    for figure_id, (source, value) in MICROSOFT_PINNED.items():
        assert rows(real_db, "SELECT source_id, value FROM figures WHERE figure_id = ?", figure_id) == [
            (source, value)
        ], figure_id
    quote = rows(real_db, "SELECT quote FROM figures WHERE figure_id = 'microsoft-deu-2013h1-all-requests_received'")
    assert quote == [('["2013-H1","combined","Germany","requests","count",5185]',)]
    # gamona's 5185 corroborates it too since the audit of its counts.
    assert rows(
        real_db,
        "SELECT source_id FROM corroborations WHERE figure_id = 'microsoft-deu-2013h1-all-requests_received'"
        " ORDER BY source_id",
    ) == [
        ("gamona-2013-microsoft-transparenzbericht-h1-2013",),
        ("hardwareluxx-2013-microsoft-transparenzbericht-h1-2013",),
    ]


def test_microsoft_has_every_half_year_from_2013_to_2025_h1_and_no_skype_or_civil_rows(real_db):
    periods = rows(
        real_db,
        """SELECT DISTINCT period_end FROM figures
           WHERE platform_id = 'microsoft' AND source_id = 'krmaynard-microsoft-lerr-json-47ca656'""",
    )
    assert len(periods) == 25 and min(periods) == ("2013-06-30",) and max(periods) == ("2025-06-30",)
    assert rows(
        real_db,
        """SELECT count(*) FROM figures WHERE source_id = 'krmaynard-microsoft-lerr-json-47ca656'
           AND (quote LIKE '%"skype"%' OR quote LIKE '%"civil"%')""",
    ) == [(0,)]


def test_microsoft_outcome_counts_cover_every_half_year_and_keep_the_files_2013_h1_us_gap(real_db):
    periods = rows(
        real_db,
        """SELECT metric_id, count(DISTINCT period_end) FROM figures
           WHERE platform_id = 'microsoft' AND metric_id IN
             ('requests_content_disclosed', 'requests_non_content_disclosed', 'requests_no_data_found')
           GROUP BY metric_id ORDER BY metric_id""",
    )
    assert periods == [
        ("requests_content_disclosed", 25),
        ("requests_no_data_found", 25),
        ("requests_non_content_disclosed", 25),
    ]
    # The file's own row for the US in 2013-H1: 749 + 4,569 + 1,107 + 588 rejected = 7,013 of 7,014 requests.
    us = dict(
        rows(
            real_db,
            """SELECT metric_id, value FROM figures
               WHERE platform_id = 'microsoft' AND jurisdiction_id = 'USA' AND period_end = '2013-06-30'""",
        )
    )
    assert [
        us[m] for m in ("requests_content_disclosed", "requests_non_content_disclosed", "requests_no_data_found")
    ] == [
        749,
        4569,
        1107,
    ]
    assert us["requests_rejected"] == 588 and us["requests_received"] == 7014
