"""Importers: each format on a small excerpt with its quirks, the plan against data/, idempotence,
changed values, the import command, derived full years, and pinned figures in the built database.

The fixtures under tests/fixtures/importers/ are excerpts of the stored platform files (a few
records each; government-requests-report.html keeps a few real rows of LinkedIn's page without its
layout markup), except discord/2024-H1.csv, Discord's whole file as stored.
"""

from __future__ import annotations

import shutil
import sqlite3
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from click.testing import CliRunner

from disclosures import derive, files, validate
from disclosures.importers import (
    Parsed,
    Record,
    core,
    discord,
    dsa,
    google,
    korea,
    linkedin,
    plan_import,
    snap,
    tiktok,
    write_plan,
)
from disclosures.importers.registry import FORMATS
from disclosures.paths import ROOT
from scripts.cli import cli
from tests._importer_files import lines, parsed_from, parsed_under_stored_header

FIXTURES = ROOT / "tests" / "fixtures" / "importers"


def by_id(parsed: Parsed) -> dict[str, Record]:
    return {core.figure_id_for(r): r for r in parsed.records}


def reasons(parsed: Parsed) -> list[str]:
    return [s.reason for s in parsed.skips]


# Formats ------------------------------------------------------------------------------------


def test_every_format_is_registered_under_its_name():
    assert {
        "google-user-data",
        "google-enterprise",
        "google-dlr",
        "google-national-security",
        "tiktok-information-requests",
        "discord-transparency-csv",
        "snap-transparency-csv",
        "kakao-statistics",
        "naver-statistics",
        "linkedin-government-requests",
        "dsa-member-state-orders",
        "dsa-member-state-orders-excerpt",
    } <= FORMATS.keys()


def test_google_user_data_rows_become_figures_and_quirks_become_skips():
    parsed = google.parse_user_data(FIXTURES / "google-global-user-data-requests.csv")
    figures = by_id(parsed)
    germany = figures["google-deu-2025h1-legal_process-requests_received"]
    assert (germany.value, germany.period_start, germany.period_end) == ("42595", "2025-01-01", "2025-06-30")
    assert germany.quote == "2025-06-30,Germany,DE,Other Legal Requests,42595,85,59164"
    assert figures["google-usa-2025h1-court_order-accounts_specified"].value == "13486"
    # "Other Legal Requests" is the US's residual process but everyone else's whole legal process.
    assert "google-deu-2025h1-legal_process-percent_requests_some_data" in figures
    assert figures["google-gbr-2025h1-cloud_act_ipa_cdr-requests_received"].value == "16"
    # Preservation requests have no percentage: the empty cell is no figure, not a zero.
    assert "google-deu-2022h2-preservation-accounts_specified" in figures
    assert "google-deu-2022h2-preservation-percent_requests_some_data" not in figures
    # Before 2010-H2 a zero percentage and before 2011-H1 zero accounts mean "not reported yet".
    assert figures["google-arg-2009h2-all-requests_received"].value == "98"
    not_yet = figures["google-arg-2009h2-all-accounts_specified"]
    assert (not_yet.value_kind, not_yet.value) == ("not_reported", "")
    assert "did not report accounts yet" in not_yet.notes
    assert not_yet.source_locator.endswith(", Accounts")
    # A row listing a country and process with every cell blank: each column is not reported.
    blank = [r for r in parsed.records if r.jurisdiction_id == "CHN" and r.request_type_id == "local_subsidiary"]
    assert {(r.metric_id, r.value_kind) for r in blank if r.period_end == "2022-12-31"} == {
        ("requests_received", "not_reported"),
        ("percent_requests_some_data", "not_reported"),
        ("accounts_specified", "not_reported"),
    }
    assert all(r.value_kind == "exact" for r in parsed.records if r.value_kind != "not_reported")
    assert any(r.startswith("A stray row from 2025-H2") for r in reasons(parsed))
    assert not any(r.period_end == "2025-12-31" for r in parsed.records)


def test_google_other_legal_requests_is_the_rest_where_a_country_lists_some_process_apart():
    """Türkiye lists requests for data of the local subsidiary apart: its "Other Legal Requests"
    is not all legal process. The 2025 export's rows were filed as legal_process while the 2022
    export's were other_legal_process, and the build summed the two kinds into one year (an
    audit of derived figures found 22 such years)."""
    figures = by_id(google.parse_user_data(FIXTURES / "google-global-user-data-requests.csv"))
    rest = figures["google-tur-2025h1-other_legal_process-requests_received"]
    assert rest.value == "189" and "Requests for data of local subsidiary" in rest.notes
    assert "google-tur-2025h1-legal_process-requests_received" not in figures
    assert figures["google-tur-2025h1-local_subsidiary-requests_received"].value == "22"
    # Germany lists nothing apart: its "Other Legal Requests" is all its legal process.
    assert figures["google-deu-2025h1-legal_process-requests_received"].value == "42595"


OLDER_EXPORT = "google-2018-06-30-user-data-requests-csv-archive"


def test_google_older_user_data_export_is_read_under_its_older_header():
    """google-user-data-requests.csv (to 2018-H1) names its country column "Country", not
    "Country/Region": the importer refused the file as having an unknown column, though data/
    holds 442 figures quoting its rows."""
    parsed = google.parse_user_data(FIXTURES / "google-user-data-requests.csv")
    figures = by_id(parsed)
    brazil = figures["google-bra-2015h1-legal_process-requests_received"]
    assert (brazil.value, brazil.quote) == ("774", "2015-06-30,Brazil,BR,Other Legal Requests,774,57,1547")
    assert brazil.source_locator == (
        "google-user-data-requests.csv row Period Ending=2015-06-30, CLDR Territory Code=BR, "
        "Legal Process=Other Legal Requests"
    )
    # the older columns map to the same metrics as the newer ones
    assert figures["google-bra-2015h1-legal_process-accounts_specified"].value == "1547"
    assert figures["google-bra-2015h1-legal_process-percent_requests_some_data"].value == "57"
    assert figures["google-usa-2018h1-subpoena-accounts_specified"].platform_wording == (
        "Users/Accounts Specified (Legal Process: Subpoenas)"
    )
    # a row with no territory code is a skip with its reason, never a silent drop
    (skip,) = parsed.skips
    assert skip.quote == "2015-06-30,United Nations,,Other Legal Requests,1,0,1"
    assert "CLDR territory code ''" in skip.reason


def test_google_older_export_blank_cells_before_reporting_began_are_not_reported(data_copy):
    """The older export leaves the percentage blank before 2010-H2 and the accounts before 2011-H1
    where the newer one writes 0: those cells were dropped without a word; they are not_reported,
    as the newer export's zeros are, and corroborate those figures."""
    parsed = google.parse_user_data(FIXTURES / "google-user-data-requests.csv")
    figures = by_id(parsed)
    for figure_id, why in (
        ("google-arg-2009h2-all-percent_requests_some_data", "did not report the percentage yet"),
        ("google-arg-2009h2-all-accounts_specified", "did not report accounts yet"),
        ("google-arg-2010h2-all-accounts_specified", "did not report accounts yet"),
    ):
        record = figures[figure_id]
        assert (record.value_kind, record.value) == ("not_reported", ""), figure_id
        assert why in record.notes and "blank" in record.notes
        assert record.quote.startswith(("2009-12-31,Argentina,AR,All,", "2010-12-31,Argentina,AR,All,"))
    assert figures["google-arg-2010h2-all-percent_requests_some_data"].value == "40"
    # a preservation request's blank percentage is a metric that does not apply: no figure
    assert "google-bra-2015h1-preservation-percent_requests_some_data" not in figures
    # data/ records them as corroborations of the newer export's not_reported figures
    plan = plan_import(parsed, OLDER_EXPORT, data_copy)
    corroborated = {r["figure_id"] for r in plan.corroborated}
    assert {"google-arg-2009h2-all-accounts_specified", "google-arg-2010h2-all-accounts_specified"} <= corroborated


def test_google_row_shorter_than_its_header_is_a_skip_not_blank_cells(tmp_path):
    """A row cut short read its missing cells as blank: after 2011 its percentage and accounts
    were dropped without a word, before 2010-H2 recorded not_reported from cells the file does not
    hold. The row is a skip that says so, and none of its figures is proposed."""
    rows = [
        "2009-12-31,Argentina,AR,All,98",
        "2015-06-30,Brazil,BR,Other Legal Requests,774",
        "2018-06-30,United States,US,Subpoenas,11223,80,32766",
    ]
    parsed = parsed_under_stored_header(google.parse_user_data, tmp_path, "google-user-data-requests.csv", rows)
    assert {r.jurisdiction_id for r in parsed.records} == {"USA"}
    assert [(s.quote, s.reason) for s in parsed.skips] == [
        (
            "2009-12-31,Argentina,AR,All,98",
            "the row has 5 cells, the header has 7 (no cell for Percentage of requests where some data produced, "
            "Users/Accounts Specified): the file is damaged; download it again",
        ),
        (
            "2015-06-30,Brazil,BR,Other Legal Requests,774",
            "the row has 5 cells, the header has 7 (no cell for Percentage of requests where some data produced, "
            "Users/Accounts Specified): the file is damaged; download it again",
        ),
    ]


def test_google_row_whose_period_ending_is_no_half_year_end_is_a_skip(tmp_path):
    """A Period Ending that is no date refused the whole file without naming its line; one that is
    no half year's last day made a period of another length. Each is that row's skip; the file's
    other rows are read."""
    rows = [
        "2015-13-40,Brazil,BR,Other Legal Requests,774,57,1547",
        "2015-06-15,Brazil,BR,Other Legal Requests,774,57,1547",
        "2018-06-30,United States,US,Subpoenas,11223,80,32766",
    ]
    parsed = parsed_under_stored_header(google.parse_user_data, tmp_path, "google-user-data-requests.csv", rows)
    assert {(r.jurisdiction_id, r.period_start, r.period_end) for r in parsed.records} == {
        ("USA", "2018-01-01", "2018-06-30")
    }
    bad_date, mid_month = parsed.skips
    assert bad_date.quote.startswith("2015-13-40,") and "Period Ending '2015-13-40' is not a date" in bad_date.reason
    assert mid_month.quote.startswith("2015-06-15,") and "ends no half year" in mid_month.reason


def test_google_row_with_a_negative_count_is_a_skip_with_its_reason(tmp_path):
    """A malformed row's accounts of -3 was proposed as a figure (validate refused it later): the
    row is a skip naming the cell, none of its figures is proposed, and the other rows import."""
    rows = [
        "2018-06-30,Brazil,BR,Other Legal Requests,774,60,-3",
        "2018-06-30,United States,US,Subpoenas,11223,80,32766",
    ]
    parsed = parsed_under_stored_header(google.parse_user_data, tmp_path, "google-user-data-requests.csv", rows)
    assert {r.jurisdiction_id for r in parsed.records} == {"USA"}
    assert [(s.quote, s.reason) for s in parsed.skips] == [
        (
            "2018-06-30,Brazil,BR,Other Legal Requests,774,60,-3",
            "Users/Accounts Specified is -3: a count or percentage is never below zero, so the row is damaged",
        )
    ]


def test_google_unbalanced_quote_is_a_skip_naming_the_lines_it_swallows(tmp_path):
    """A double quote left open read the rows after it, up to the next quote, as one record: one
    skip, named by its first cell's keys and the swallowed text, that said neither which lines it
    covered nor how many rows were lost. The skip names both; the rows after it import."""
    rows = [
        '2018-06-30,Brazil,BR,"Other Legal Requests,774,60,3',
        "2018-06-30,Chile,CL,Subpoenas,10,80,5",
        "",
        '2018-06-30,Peru,PE,Subpoenas,10,80,5"',
        "2018-06-30,United States,US,Subpoenas,11223,80,32766",
    ]
    parsed = parsed_under_stored_header(google.parse_user_data, tmp_path, "google-user-data-requests.csv", rows)
    assert {r.jurisdiction_id for r in parsed.records} == {"USA"}
    assert [(s.source_locator, s.quote, s.reason) for s in parsed.skips] == [
        (
            "google-user-data-requests.csv lines 2-5",
            "\n".join(rows[:4]),
            "a double quote left open on line 2 makes lines 2 to 5 one record: the 3 rows on them are lost "
            "(none is imported); the file is damaged; download it again",
        )
    ]


def test_google_older_user_data_export_reimports_as_the_figures_data_holds(data_copy):
    """Every record of the test copy is a figure data/ holds from this source (same id, value,
    quote and locator), a corroboration data/ records of the newer export's figure, or a recorded
    disagreement (Google revised its 2017-H1 wiretap counts); none is pending and nothing changes:
    the whole file was imported, so re-importing it writes nothing."""
    parsed = google.parse_user_data(FIXTURES / "google-user-data-requests.csv")
    plan = plan_import(parsed, OLDER_EXPORT, data_copy)
    held = {r["figure_id"]: r for r in core.read_csv(data_copy / "figures.csv")}
    for record in parsed.records:
        figure_id = core.figure_id_for(record)
        if held[figure_id]["source_id"] == OLDER_EXPORT:
            row = held[figure_id]
            assert (row["value"], row["quote"], row["source_locator"], row["platform_wording"]) == (
                record.value,
                record.quote,
                record.source_locator,
                record.platform_wording,
            ), figure_id
    same = {r["figure_id"] for r in plan.same}
    assert "google-usa-2018h1-subpoena-requests_received" in same
    assert "google-bra-2015h1-preservation-accounts_specified" in same
    assert {c.figure_id: c.status for c in plan.changes} == {
        "google-usa-2017h1-wiretap-requests_received": "recorded",
        "google-usa-2017h1-wiretap-accounts_specified": "recorded",
    }
    accounted = same | {r["figure_id"] for r in plan.corroborated} | {c.figure_id for c in plan.changes}
    assert accounted == {core.figure_id_for(r) for r in parsed.records}
    assert not plan.adds and not plan.corroborations and not plan.pending


def test_google_national_security_bands_stay_bands():
    parsed = google.parse_national_security(FIXTURES / "google-usnationalsecurity-nsl-requests.csv")
    figures = by_id(parsed)
    requests = figures["google-usa-2021h2-nsl-requests_received"]
    assert (requests.value_kind, requests.value, requests.value_low, requests.value_high) == ("band", "", "14", "499")
    assert figures["google-usa-2025h2-nsl-accounts_specified"].value_low == "1500"


def test_google_diplomatic_requests_keep_the_assisting_country_apart():
    figures = by_id(google.parse_diplomatic(FIXTURES / "google-global-user-data-dlr-requests.csv"))
    assert figures["google-deu-2025h1-mlat_assisted_irl-requests_received"].value == "78"
    assert figures["google-deu-2025h1-mlat_assisted_usa-requests_received"].value == "3"
    assert figures["google-jey-2025h1-mlat_assisted_usa-requests_received"].value == "1"


def test_google_enterprise_rows_go_to_their_product_platform():
    figures = by_id(google.parse_enterprise(FIXTURES / "google-enterprise-data-requests.csv"))
    assert figures["google_workspace-bra-2025h1-legal_process-requests_received"].value == "351"
    assert figures["google_workspace-bra-2025h1-legal_process-accounts_specified"].value == "459"
    assert figures["google_cloud-bra-2025h1-legal_process-percent_requests_some_data"].value == "0"
    dlr = by_id(google.parse_diplomatic(FIXTURES / "google-enterprise-data-dlr-requests.csv"))
    # A row with no country and 0 is Google saying there were none at all.
    assert dlr["google_workspace-world-2019h2-mlat-requests_received"].value == "0"
    assert dlr["google_workspace-prt-2025h1-mlat_assisted_irl-requests_received"].value == "2"


def test_tiktok_fractions_stay_fractions_and_all_rows_are_worldwide():
    parsed = tiktok.parse_information_requests(FIXTURES / "information-requests.csv")
    figures = by_id(parsed)
    share = figures["tiktok-arg-2025h2-legal_process-fraction_requests_some_data"]
    assert share.value == "0.37414966"
    assert figures["tiktok-arg-2025h2-all-requests_received"].value == "205"
    assert figures["tiktok-world-2025h2-legal_process-requests_received"].value == "22223"
    assert figures["tiktok-reu-2025h2-all-requests_received"].value == "2"
    assert figures["tiktok-mkd-2025h1-legal_process-requests_received"].value == "19"
    # CRLF line ends are not part of the quoted record.
    assert figures["tiktok-arg-2025h2-legal_process-requests_received"].quote.endswith("Argentina,147.0,,")


def test_tiktok_markets_after_the_alphabetical_run_are_read(tmp_path):
    # TikTok's Jul-Dec 2024 section lists the United States first, Albania to Vietnam, then a
    # second alphabetical block (Afghanistan to Zambia): records of the stored file, in its order.
    header = (
        "replication_info,entity,aspect,metric_name,period,period_value,policy,policy_value,"
        "task,task_value,location,location_value,result,base,date"
    )
    rows = [
        ",LIGR,LRFUI,Total requests,half-year,Jul-Dec 2024,all,all,all,all,country_name,United States,5794.0,,",
        ",LIGR,LRFUI,Total requests,half-year,Jul-Dec 2024,all,all,all,all,country_name,Vietnam,11.0,,",
        ",LIGR,LRFUI,Total requests,half-year,Jul-Dec 2024,all,all,all,all,country_name,Afghanistan,1.0,,",
        ",LIGR,LRFUI,Emergency request accounts specified,half-year,Jul-Dec 2024,all,all,all,all,"
        "country_name,Iraq,41.0,,",
    ]
    parsed = parsed_from(
        tiktok.parse_information_requests, tmp_path / "information-requests.csv", lines([header, *rows], "\r\n")
    )
    assert parsed.skips == []
    assert {i: r.value for i, r in by_id(parsed).items()} == {
        "tiktok-usa-2024h2-all-requests_received": "5794",
        "tiktok-vnm-2024h2-all-requests_received": "11",
        "tiktok-afg-2024h2-all-requests_received": "1",
        "tiktok-irq-2024h2-emergency-accounts_specified": "41",
    }


def test_discord_sections_headers_and_totals():
    parsed = discord.parse_transparency_csv(FIXTURES / "discord" / "2023-Q4.csv")
    figures = by_id(parsed)
    assert figures["discord-usa-2023q4-court_order-requests_fulfilled"].value == "34"
    assert figures["discord-usa-2023q4-legal_process-requests_received"].value == "1326"  # "1,326" inside quotes
    # The emergency section's header holds a line break inside its quoted cell.
    assert figures["discord-hkg-2023q4-emergency-requests_received"].value == "1"
    assert figures["discord-world-2023q4-emergency-requests_fulfilled"].value == "159"
    assert figures["discord-usa-2023q4-emergency-requests_received"].value == "114"
    assert all(r.period_start == "2023-10-01" and r.period_end == "2023-12-31" for r in parsed.records)
    assert any("Content moderation" in r for r in reasons(parsed))
    assert not any("warn" in r.platform_wording.lower() for r in parsed.records)


def test_discord_us_and_international_totals_are_legal_process_not_all(tmp_path):
    # Rows of Discord's 2023-Q4.csv (the tables cut short): the US table's Total sums its process
    # rows and the International table holds non-US requests, while emergency requests are a table
    # of their own (France's 26 are not among its 29). Neither total is every request ("all").
    rows = [
        "United States Government Information Requests,,,,,",
        ",,,,,",
        "Request Type,Requests,Information Produced*,,,",
        "Court Orders,46,34,,,",
        "Subpoenas,692,536,,,",
        ",,,,,",
        'Total,"1,326","1,073",,,',
        ",,,,,",
        "International Government Information Requests,,,,,",
        ",,,,,",
        "Country,Requests,Information Produced,,,",
        "Brazil,25,19,,,",
        "France,29,0,,,",
        ",,,,,",
        "Total,170,19,,,",
        ",,,,,",
        '"Emergency Requests\n",,,,,',
        ",,,,,",
        "Country,Requests,Information Produced,,,",
        "France,26,21,,,",
        ",,,,,",
        "Total,203,159,,,",
    ]
    parsed = parsed_from(discord.parse_transparency_csv, tmp_path / "2023-Q4.csv", lines(rows, "\r\n"))
    figures = by_id(parsed)
    assert figures["discord-usa-2023q4-legal_process-requests_received"].value == "1326"
    assert figures["discord-usa-2023q4-legal_process-requests_fulfilled"].value == "1073"
    assert figures["discord-intl-2023q4-legal_process-requests_received"].value == "170"
    assert figures["discord-fra-2023q4-legal_process-requests_received"].value == "29"
    assert figures["discord-fra-2023q4-emergency-requests_received"].value == "26"
    assert figures["discord-world-2023q4-emergency-requests_received"].value == "203"
    assert [r for r in parsed.records if r.request_type_id == "all"] == []


def test_discord_2024h1_us_table_titled_us_gov_info_requests_reimports_as_the_data_holds():
    # Discord's whole 2024-H1.csv (krMaynard/dsa-transparency-data at 0a213d8): its US table is
    # titled "US Gov Info Requests". Unmapped, that title was read as a row of the NCMEC table
    # above it, and the table's rows were skipped as "Reports to NCMEC".
    parsed = discord.parse_transparency_csv(FIXTURES / "discord" / "2024-H1.csv")
    source = "discord-transparency-2024h1-csv"
    us_rows = [f"2024-H1.csv row {n}" for n in (107, 108, 109, 110, 112)]
    records = [r for r in parsed.records if r.source_locator in us_rows]
    data = {r["figure_id"]: r for r in files.read_csv(ROOT / "data" / "figures.csv")}
    in_data = {i for i, r in data.items() if r["source_id"] == source and r["source_locator"] in us_rows}
    assert len(in_data) == 10  # four process rows and the Total, requests and information produced
    assert {core.figure_id_for(r) for r in records} == in_data
    for record in records:
        figure_id = core.figure_id_for(record)
        fields = [name for name in core.FIGURE_FIELDS if name not in ("figure_id", "source_id")]
        assert {name: getattr(record, name) for name in fields} == {name: data[figure_id][name] for name in fields}
    assert not [s for s in parsed.skips if s.source_locator in us_rows]
    # Its first table's title, "Accounts and Servers: Warnings & Temporary Interventions", is Warns
    # under another name: unmapped, its rows were skipped under the file's own title line.
    first_table = [s for s in parsed.skips if 4 <= int(s.source_locator.rsplit(" ", 1)[1]) <= 18]
    assert len(first_table) == 14  # its header, twelve categories and the Total
    assert {s.reason for s in first_table} == {"Content moderation, not government requests for user data."}
    plan = plan_import(parsed, source)  # against data/ as it is: nothing to add or change
    assert not plan.adds and not plan.changes and plan.writes_nothing
    assert {r["figure_id"] for r in plan.same} >= in_data


def test_discord_bare_korea_is_a_skip_with_its_reason_not_a_guess(tmp_path):
    # Rows of Discord's 2023-Q2.csv: its International table's "Korea" (1 request of the Total's
    # 119) says no more, and no other International table of Discord's names a Korea; "South
    # Korea" is a row of the Preservation table. The shared exceptions would read "Korea" as KOR.
    rows = [
        "International Government Information Requests,,,,,,",
        ",,,,,,",
        "Country,Requests,Information Produced,,,,",
        "Jordan,1,0,,,,",
        "Korea,1,0,,,,",
        "Nepal,1,0,,,,",
        ",,,,,,",
        "Total,119,2,,,,",
        ",,,,,,",
        "Preservation Requests,,,,,,",
        ",,,,,,",
        "Country,Requests,Complied,,,,",
        "South Korea,1,1,,,,",
    ]
    path = tmp_path / "2023-Q2.csv"
    parsed = parsed_from(discord.parse_transparency_csv, path, lines(rows, "\r\n", last_ended=False))
    figures = by_id(parsed)
    assert not [r for r in parsed.records if r.quote == "Korea,1,0,,,,"]
    assert figures["discord-kor-2023q2-preservation-requests_received"].quote == "South Korea,1,1,,,,"
    assert figures["discord-intl-2023q2-legal_process-requests_received"].value == "119"
    (korea,) = [s for s in parsed.skips if s.quote == "Korea,1,0,,,,"]
    assert korea.source_locator == "2023-Q2.csv row 5"
    assert korea.reason.startswith("'Korea' does not say which Korea (KOR or PRK)")
    # The import command prints it with its reason, as it prints every skip: from the whole stored
    # file, the one whose checksum data/source_files.csv records (this excerpt is refused as another).
    stored = FIXTURES / "discord" / "2023-Q2.csv"
    result = CliRunner().invoke(
        cli,
        ["import", "discord-transparency-csv", str(stored), "--source", "discord-transparency-2023q2-csv", "--dry-run"],
    )
    assert result.exit_code == 0, result.output
    assert f"skip 2023-Q2.csv row 147: {korea.reason}" in result.output.splitlines()
    assert "0 to add" in result.output and "WARNING" not in result.output


def test_discord_2023q2_reimports_as_the_data_holds_czech_rebublic_and_all():
    # Discord's whole 2023-Q2.csv (krMaynard/dsa-transparency-data at 177567e): its International
    # table spells "Czech Rebublic", which data/ holds as CZE from the first extraction; unmapped,
    # it was a skip, and a re-import did not give those two figures.
    parsed = discord.parse_transparency_csv(FIXTURES / "discord" / "2023-Q2.csv")
    source = "discord-transparency-2023q2-csv"
    data = {r["figure_id"]: r for r in files.read_csv(ROOT / "data" / "figures.csv") if r["source_id"] == source}
    # Every column but the notes, which curators wrote for the US rows and the Totals.
    fields = [name for name in core.FIGURE_FIELDS if name not in ("figure_id", "source_id", "notes")]
    assert {core.figure_id_for(r): {name: getattr(r, name) for name in fields} for r in parsed.records} == {
        figure_id: {name: row[name] for name in fields} for figure_id, row in data.items()
    }
    assert data["discord-cze-2023q2-legal_process-requests_received"]["quote"] == "Czech Rebublic,1,0,,,,"
    government = [s for s in parsed.skips if not s.reason.endswith("not government requests for user data.")]
    assert [s.quote for s in government] == ["Korea,1,0,,,,"]
    # Its "Online Reports" table (rows 82 to 98): unmapped, its title was read as a row of the
    # Appeals table above, and its rows were skipped as appeals.
    online = [s for s in parsed.skips if 82 <= int(s.source_locator.rsplit(" ", 1)[1]) <= 98]
    assert len(online) == 14  # its header, twelve categories and the Total
    assert {s.reason for s in online} == {"User reports, not government requests for user data."}
    plan = plan_import(parsed, source)
    assert not plan.adds and not plan.changes and len(plan.same) == len(data) == 106


def test_discord_unmapped_section_title_opens_a_section_whose_rows_are_skipped(tmp_path):
    # A title mappings/discord.csv does not list, after a government table: it was read as a row
    # of that table, and so were its rows (Germany's 33 emergency requests as International legal
    # process, its "Complied" column as information produced).
    rows = [
        "International Government Information Requests,,,",
        ",,,",
        "Country,Requests,Information Produced,",
        "France,29,0,",
        ",,,",
        "Total,170,19,",
        ",,,",
        "Emergency Requests by Country,,,",
        ",,,",
        "Country,Requests,Complied,",
        "Germany,33,15,",
        ",,,",
        "Total,33,15,",
    ]
    parsed = parsed_from(discord.parse_transparency_csv, tmp_path / "2025-H1.csv", lines(rows, "\r\n"))
    assert {core.figure_id_for(r): r.value for r in parsed.records} == {
        "discord-fra-2025h1-legal_process-requests_received": "29",
        "discord-fra-2025h1-legal_process-requests_fulfilled": "0",
        "discord-intl-2025h1-legal_process-requests_received": "170",
        "discord-intl-2025h1-legal_process-requests_fulfilled": "19",
    }
    reason = "section 'Emergency Requests by Country' is not in mappings/discord.csv"
    assert [(s.source_locator, s.reason) for s in parsed.skips] == [
        (f"2025-H1.csv row {number}", reason) for number in (8, 10, 11, 13)
    ]


def test_discord_label_alone_above_counts_is_a_data_row_not_a_title(tmp_path):
    # Rows of Discord's 2023-Q3.csv: its Accounts Disabled table ends "Total:" alone, its total a
    # row below and a cell to the right; and a country row with every count blank would look the
    # same. A title is followed by a column header, as every title in Discord's stored files is.
    rows = [
        "Accounts Disabled,,,,,",
        ",,,,,",
        "Accounts Disabled Category,Accounts Disabled,,,,",
        'Violent Extremism,"17,024",,,,',
        ',"8,300",,,,',
        "Total:,,,,,",
        ',"260,461",,,,',
        "International Government Information Requests,,,,,",
        "Country,Requests,Information Produced,,,",
        "Japan,,,,,",
        "Nepal,1,0,,,",
        ",,,,,",
        "Total,1,0,,,",
    ]
    parsed = parsed_from(
        discord.parse_transparency_csv, tmp_path / "2023-Q3.csv", lines(rows, "\r\n", last_ended=False)
    )
    assert {core.figure_id_for(r): r.value for r in parsed.records} == {
        "discord-npl-2023q3-legal_process-requests_received": "1",
        "discord-npl-2023q3-legal_process-requests_fulfilled": "0",
        "discord-intl-2023q3-legal_process-requests_received": "1",
        "discord-intl-2023q3-legal_process-requests_fulfilled": "0",
    }
    moderation = "Content moderation, not government requests for user data."
    assert [(s.source_locator, s.reason) for s in parsed.skips][:5] == [
        (f"2023-Q3.csv row {number}", moderation) for number in (3, 4, 5, 6, 7)
    ]


def test_discord_international_notes_do_not_give_2023q2_and_2023q3_an_emergency_table():
    # Discord's stored 2023-Q2.csv and 2023-Q3.csv end with their Preservation Requests table:
    # neither has an emergency table, which their International rows' notes said was apart.
    section = "International Government Information Requests"
    note = core.read_mapping("discord").find("section", section)["notes"]
    assert "the 2023-Q2 and 2023-Q3 files have no emergency table" in note
    sources = ("discord-transparency-2023q2-csv", "discord-transparency-2023q3-csv")
    rows = [
        r
        for r in files.read_csv(ROOT / "data" / "figures.csv")
        if r["source_id"] in sources and r["platform_wording"].startswith(section) and r["jurisdiction_id"] != "INTL"
    ]
    assert len(rows) == 106  # 27 and 26 countries, requests and information produced
    assert {r["notes"] for r in rows} == {note}  # as the importer writes them


def test_snap_csv_reproduces_the_hand_curated_figures():
    # Real rows of Snap_Transparency_Report_H2-2024.csv (their quotes are in data/): US legal process,
    # national-security and bilateral bands, fractions, and "Reunion" without its accent.
    parsed = snap.parse_transparency_csv(FIXTURES / "Snap_Transparency_Report_H2-2024.csv")
    figures = by_id(parsed)
    assert figures["snap-usa-2024h2-court_order-requests_received"].value == "500"
    assert figures["snap-usa-2024h2-court_order-fraction_requests_some_data"].value == "0.84"
    band = figures["snap-usa-2024h2-national_security-requests_received"]
    assert (band.value_kind, band.value_low, band.value_high) == ("band", "250", "499")
    assert figures["snap-gbr-2024h2-bilateral_data_access_agreement-accounts_specified"].value_low == "500"
    assert figures["snap-reu-2024h2-emergency-requests_received"].value == "3"
    assert figures["snap-deu-2024h2-legal_process-requests_received"].value == "4977"
    assert not parsed.skips and len(parsed.records) == 15
    plan = plan_import(parsed, "snap-transparency-2024h2-csv")  # against data/ as curated by hand
    assert len(plan.same) == 15 and plan.writes_nothing and not plan.changes


def test_discord_2022_legal_table_names_no_country_and_holds_a_preservation_sub_table():
    # Another archive names the file in lower case; its Legal table is global (WORLD) and a
    # repeated "Request Type" header opens a one-row preservation table with other columns.
    parsed = discord.parse_transparency_csv(FIXTURES / "discord" / "discord-2022-q4.csv")
    figures = by_id(parsed)
    assert figures["discord-world-2022q4-subpoena-requests_received"].value == "566"
    # Its Total sums the four process rows; the preservation sub-table is not in it.
    assert figures["discord-world-2022q4-legal_process-requests_received"].value == "1073"
    assert "discord-world-2022q4-all-requests_received" not in figures
    assert figures["discord-world-2022q4-preservation-requests_complied"].value == "580"
    assert "discord-world-2022q4-preservation-requests_fulfilled" not in figures
    assert {r.jurisdiction_id for r in parsed.records} == {"WORLD"}
    assert all(r.period_start == "2022-10-01" and r.period_end == "2022-12-31" for r in parsed.records)
    assert any("User reports" in r for r in reasons(parsed))


def test_dsa_orders_with_tiktok_category_label_column():
    # TikTok's table has an extra "Category label" column before the standard category column.
    parsed = dsa.parse_member_state_orders(FIXTURES / "tiktok-3_member_states_orders.csv")
    figures = by_id(parsed)
    assert figures["tiktok-eu-2025h2-dsa_information_order-requests_received"].value == "10932"
    assert figures["tiktok-aut-2025h2-dsa_information_order-requests_received"].value == "265"
    assert {r.request_type_id for r in parsed.records} == {"dsa_information_order"}


def test_dsa_total_row_with_line_breaks_in_quoted_cells_is_quoted_with_pilcrows():
    parsed = dsa.parse_member_state_orders(FIXTURES / "pinterest-3_member_states_orders.csv")
    eu = by_id(parsed)["pinterest-eu-2025h2-dsa_information_order-requests_received"]
    assert eu.value == "24"
    assert eu.source_locator.endswith("line 2 (Service=Pinterest, Category=TOTAL, Scope=TOTAL)")
    assert "\n" not in eu.quote
    assert "reporting period. ¶¶These orders may include law enforcement requests" in eu.quote


def test_kakao_and_daum_are_separate_platforms_under_korean_categories():
    parsed = korea.parse_kakao(FIXTURES / "kakao-2025-h2.json")
    figures = by_id(parsed)
    assert figures["daum-kor-2025h2-kr_comm_confirmation_data-requests_processed"].value == "89"
    assert figures["kakao-kor-2025h2-kr_search_seizure_warrant-accounts_counted"].value == "4028132"
    assert "content" not in figures["kakao-kor-2025h2-kr_search_seizure_warrant-requests_received"].quote


def test_kakao_older_files_give_minus_one_for_no_figure():
    # kakao-2014-h2.json as stored: compact JSON, empty prose, -1 where no account count was reported
    parsed = korea.parse_kakao(FIXTURES / "kakao-2014-h2.json")
    figures = by_id(parsed)
    absent = figures["kakao-kor-2014h2-kr_search_seizure_warrant-accounts_counted"]
    assert (absent.value_kind, absent.value) == ("not_reported", "")
    assert '"numberOfAccounts":-1' in absent.quote and "gives -1 here" in absent.notes
    assert not parsed.skips
    assert figures["kakao-kor-2014h2-kr_search_seizure_warrant-requests_received"].value == "1733"
    # kept as published: more requests processed (21) than received (20)
    assert figures["kakao-kor-2014h2-kr_comm_restriction-requests_processed"].value == "21"
    assert len(parsed.records) == 24


def test_naver_fields_dashes_and_averages():
    parsed = korea.parse_naver(FIXTURES / "naver-statistics.json")
    figures = by_id(parsed)
    assert figures["naver-kor-2025h2-kr_search_seizure_warrant-requests_received"].value == "4355"
    assert figures["naver-kor-2025h1-kr_comm_confirmation_data-items_provided"].value == "1292"
    assert figures["naver-kor-2025h2-kr_search_seizure_warrant-percent_requests_processed"].value == "70"
    assert "naver-kor-2025h2-kr_comm_user_data-items_provided" not in figures  # "-"
    assert any("not a count" in r for r in reasons(parsed))
    assert any("is '-'" in r for r in reasons(parsed))
    assert "guideEditorHtml" not in figures["naver-kor-2025h2-kr_search_seizure_warrant-requests_received"].quote


def test_naver_zero_requests_beside_thousands_processed_is_not_a_figure():
    """2012 H1: commDataRequestCount "0" beside commDataProcessingCount "10080" and rate "-" (an
    audit found 0 recorded as exact, and a derived 2012 total of 0 requests)."""
    figures = by_id(korea.parse_naver(FIXTURES / "naver-statistics.json"))
    placeholder = figures["naver-kor-2012h1-kr_comm_user_data-requests_received"]
    assert (placeholder.value_kind, placeholder.value) == ("not_reported", "")
    assert '"commDataRequestCount":"0"' in placeholder.quote
    assert "commDataRequestCount 0 beside commDataProcessingCount 10080" in placeholder.notes
    assert figures["naver-kor-2012h1-kr_comm_user_data-requests_processed"].value == "10080"
    # A zero beside zero processed is a count: 2025 H2, no rate either.
    zero = figures["naver-kor-2025h2-kr_comm_user_data-requests_received"]
    assert (zero.value_kind, zero.value) == ("exact", "0")
    # Other categories of the same entry, with their rates, are untouched.
    assert figures["naver-kor-2012h1-kr_search_seizure_warrant-requests_received"].value == "142"


def test_dsa_orders_are_their_own_request_type_and_only_totals_are_read():
    parsed = dsa.parse_member_state_orders(FIXTURES / "3_member_states_orders.csv")
    figures = by_id(parsed)
    eu = figures["snap-eu-2025h2-dsa_information_order-requests_received"]
    assert eu.value == "18400"  # "18,400" inside quotes
    assert "never added" in eu.notes
    assert figures["snap-aut-2025h2-dsa_information_order-requests_received"].value == "283"
    assert len(parsed.records) == 2
    assert any(r.startswith("a category row") for r in reasons(parsed))


def test_linkedin_tables_footnotes_spacers_and_total_rows():
    # A real excerpt: header cells carry footnote markers, one table has a blank spacer column,
    # the Total rows are LinkedIn's worldwide totals; the U.S. breakdown (tests/test_linkedin_us_breakdown.py)
    # repeats the country row's requests and accounts and adds a band.
    parsed = linkedin.parse_government_requests(FIXTURES / "government-requests-report.html")
    figures = by_id(parsed)
    assert figures["linkedin-deu-2025h2-all-requests_received"].value == "164"
    assert figures["linkedin-deu-2025h2-all-accounts_specified"].value == "222"  # "... request(s) [1]"
    assert figures["linkedin-deu-2025h2-all-percent_requests_some_data"].value == "66"
    assert figures["linkedin-deu-2025h2-all-accounts_affected"].value == "129"
    assert figures["linkedin-world-2025h2-all-requests_received"].value == "1778"
    assert figures["linkedin-fra-2025h1-all-accounts_specified"].value == "665"  # spacer column skipped
    assert figures["linkedin-usa-2020h2-all-accounts_specified"].value == "1420"  # "1,420"
    assert figures["linkedin-col-2024h1-all-requests_received"].value == "2"  # "Columbia"
    assert figures["linkedin-bra-2021h2-all-requests_received"].value == "3"  # "Brazil*"
    assert "linkedin-geo-2024h1-all-accounts_affected" not in figures
    assert any("a percentage (0%) in a count column" in r for r in reasons(parsed))
    # nothing is passed over without a reason: the blank spacer column holds nothing to skip
    assert len(parsed.skips) == 1
    tables = [r for r in parsed.records if "U.S. breakdown" not in r.source_locator]
    assert {r.period_start for r in tables if r.jurisdiction_id == "USA"} == {"2025-07-01", "2020-07-01"}
    assert len(tables) == 35 and not any(r.value_kind == "band" for r in tables)
    breakdown = [(r.request_type_id, r.metric_id, r.value or r.value_high) for r in parsed.records if r not in tables]
    assert breakdown == [
        ("all", "requests_received", "443"),
        ("all", "accounts_specified", "2292"),
        ("nsl", "requests_received", "499"),
    ]


def test_linkedin_table_under_a_heading_that_names_no_half_year_is_a_skip(tmp_path):
    # Every table of LinkedIn's page has its own h4 just above it ("2025: July-December"); one
    # that names no half-year kept the half-year of the heading before, so its rows were read as
    # that half-year's (Germany's figures twice, the second table's in place of the first's).
    header = (
        "<tr><td> </td><td>Requests for member data</td><td>Accounts subject to request(s) [1]</td>"
        "<td>Percentage of requests for which LinkedIn provided some data</td>"
        "<td>Accounts for which LinkedIn provided some data [2]</td></tr>"
    )
    page = (
        "<html><body><h2>Requests by country</h2>"
        f"<h4>2025: July-December</h4><table>{header}<tr><td>Germany</td><td>164</td><td>222</td>"
        "<td>66%</td><td>129</td></tr></table>"
        f"<h4>2025: Full year</h4><table>{header}<tr><td>Germany</td><td>300</td><td>400</td>"
        "<td>60%</td><td>200</td></tr></table></body></html>"
    )
    parsed = parsed_from(linkedin.parse_government_requests, tmp_path / "government-requests-report.html", page)
    assert {core.figure_id_for(r): r.value for r in parsed.records} == {
        "linkedin-deu-2025h2-all-requests_received": "164",
        "linkedin-deu-2025h2-all-accounts_specified": "222",
        "linkedin-deu-2025h2-all-percent_requests_some_data": "66",
        "linkedin-deu-2025h2-all-accounts_affected": "129",
    }
    assert [(s.source_locator, s.reason) for s in parsed.skips] == [
        (
            "government-requests-report.html no half-year heading table in 'Requests by country'",
            "its heading '2025: Full year' names no half-year (such as '2025: July-December')",
        )
    ]


# The plan against data/ ----------------------------------------------------------------------


@pytest.fixture
def data_copy(tmp_path) -> Path:
    folder = tmp_path / "data"
    shutil.copytree(ROOT / "data", folder)
    return folder


def test_a_new_source_gives_adds_corroborations_and_is_idempotent(data_copy):
    parsed = google.parse_user_data(FIXTURES / "google-global-user-data-requests.csv")
    source = "google-2025-06-30-user-data-requests-csv-archive"
    for name in ("figures", "corroborations"):
        (data_copy / f"{name}.csv").write_text(
            (data_copy / f"{name}.csv").read_text(encoding="utf-8").split("\n", 1)[0] + "\n", encoding="utf-8"
        )
    first = plan_import(parsed, source, data_copy)
    assert len(first.adds) == len(parsed.records)
    assert write_plan(first, data_copy) == {"figures.csv": len(parsed.records)}
    before = (data_copy / "figures.csv").read_bytes()
    again = plan_import(parsed, source, data_copy)
    assert again.writes_nothing and len(again.same) == len(parsed.records)
    assert write_plan(again, data_copy) == {}
    assert (data_copy / "figures.csv").read_bytes() == before


def test_the_same_value_from_another_source_is_a_corroboration(data_copy):
    parsed = google.parse_user_data(FIXTURES / "google-global-user-data-requests.csv")
    plan = plan_import(parsed, "google-2022-12-31-user-data-requests-csv-archive", data_copy)
    # The 2025-H1 rows are in data/ from the 2025 export; another source with the same values corroborates.
    ids = {row["figure_id"] for row in plan.corroborations}
    assert "google-deu-2025h1-legal_process-requests_received" in ids
    write_plan(plan, data_copy)
    assert plan_import(parsed, "google-2022-12-31-user-data-requests-csv-archive", data_copy).writes_nothing


def _set_value(data_copy: Path, figure_id: str, value: str) -> None:
    path = data_copy / "figures.csv"
    rows = core.read_csv(path)
    for row in rows:
        if row["figure_id"] == figure_id:
            row["value"] = value
    files.replace_file(path, core.csv_text(core.FIGURE_FIELDS, rows).encode("utf-8"))


def test_a_changed_value_is_never_written_without_a_correction(data_copy):
    parsed = google.parse_user_data(FIXTURES / "google-global-user-data-requests.csv")
    source = "google-2025-06-30-user-data-requests-csv-archive"
    figure = "google-deu-2025h1-legal_process-requests_received"
    _set_value(data_copy, figure, "42000")
    plan = plan_import(parsed, source, data_copy)
    (change,) = plan.changes
    assert (change.figure_id, change.status, change.new["value"]) == (figure, "pending", "42595")
    write_plan(plan, data_copy)
    assert {r["figure_id"]: r["value"] for r in core.read_csv(data_copy / "figures.csv")}[figure] == "42000"

    with (data_copy / "disagreements.csv").open("a", encoding="utf-8") as handle:
        handle.write(f"test-disagreement,{figure},{source},42595,quoted,different_value,kept 42000\n")
    assert plan_import(parsed, source, data_copy).changes[0].status == "recorded"

    with (data_copy / "corrections.csv").open("a", encoding="utf-8") as handle:
        handle.write(f"test-correction,{figure},42000,42595,Google's file says 42595,{source},2026-11-30\n")
    corrected = plan_import(parsed, source, data_copy)
    assert corrected.changes[0].status == "corrected"
    write_plan(corrected, data_copy)
    assert {r["figure_id"]: r["value"] for r in core.read_csv(data_copy / "figures.csv")}[figure] == "42595"


def test_an_unknown_source_or_vocabulary_id_fails_with_a_message(data_copy):
    parsed = google.parse_user_data(FIXTURES / "google-global-user-data-requests.csv")
    with pytest.raises(core.ImportFailed, match="is not a source"):
        plan_import(parsed, "no-such-source", data_copy)
    bad = Parsed(
        [
            Record(
                "google",
                "DEU",
                "2025-01-01",
                "2025-06-30",
                "nope",
                "requests_received",
                "exact",
                "1",
                "w",
                "f.csv line 2",
                "q",
            )
        ]
    )
    with pytest.raises(core.ImportFailed, match=r"f.csv line 2:request_type_id: 'nope' is not in data/"):
        plan_import(bad, "google-2025-06-30-user-data-requests-csv-archive", data_copy)


def test_the_same_figure_twice_in_a_file_with_two_values_is_skipped_both_times(data_copy):
    row = ("google", "DEU", "2031-01-01", "2031-06-30", "all", "requests_received", "exact")
    parsed = Parsed([Record(*row, "5", "w", "f.csv line 2", "q1"), Record(*row, "6", "w", "f.csv line 3", "q2")])
    plan = plan_import(parsed, "google-2025-06-30-user-data-requests-csv-archive", data_copy)
    assert not plan.adds and len(plan.skips) == 2 and "again with another value" in plan.skips[0].reason


def test_the_import_command_prints_adds_skips_and_writes_nothing_on_a_dry_run():
    before = (ROOT / "data" / "figures.csv").read_bytes()
    result = CliRunner().invoke(
        cli,
        [
            "import",
            "google-user-data",
            str(FIXTURES / "google-global-user-data-requests.csv"),
            "--source",
            "google-2025-06-30-user-data-requests-csv-archive",
            "--dry-run",
        ],
    )
    assert result.exit_code == 0, result.output
    # the blank China row is a not_reported figure (already in data/), never a skip
    skipped = [line for line in result.output.splitlines() if line.startswith("skip ")]
    assert skipped and not any("Code=CN, Legal Process=Requests for data of local subsidiary" in s for s in skipped)
    assert "dry run, nothing written." in result.output
    assert (ROOT / "data" / "figures.csv").read_bytes() == before
    unknown = CliRunner().invoke(cli, ["import", "nope", str(FIXTURES / "naver-statistics.json"), "--source", "x"])
    assert unknown.exit_code == 1 and "Formats:" in unknown.output


# Derived full years -------------------------------------------------------------------------


def _figure(figure_id, start, end, value, kind="exact"):
    return {
        "figure_id": figure_id,
        "platform_id": "p",
        "jurisdiction_id": "DEU",
        "period_start": start,
        "period_end": end,
        "request_type_id": "all",
        "metric_id": "requests_received",
        "value_kind": kind,
        "value": Decimal(value),
        "platform_wording": "w",
    }


UNITS = {"requests_received": "count"}


def test_a_year_is_derived_from_its_halves_or_its_quarters():
    halves = [_figure("h1", "2024-01-01", "2024-06-30", 10), _figure("h2", "2024-07-01", "2024-12-31", 5)]
    (year,) = derive.derive_year_sums(halves, UNITS)
    assert (year.row["figure_id"], year.row["value"], year.row["is_derived"]) == (
        "p-deu-2024-all-requests_received-derived",
        15,
        1,
    )
    assert year.inputs == (("h1", 1), ("h2", 1))
    assert year.row["derivation"] == "h1 + h2"
    quarters = [
        _figure(f"q{i}", f"2025-{m:02d}-01", end, i)
        for i, (m, end) in enumerate(
            [(1, "2025-03-31"), (4, "2025-06-30"), (7, "2025-09-30"), (10, "2025-12-31")], start=1
        )
    ]
    (year,) = derive.derive_year_sums(quarters, UNITS)
    assert year.row["value"] == 10 and [fid for fid, _ in year.inputs] == ["q1", "q2", "q3", "q4"]


def test_a_year_sum_of_accounts_says_it_is_not_a_count_of_distinct_accounts():
    # An account named in both halves is in each half's count: the sum counts it twice.
    halves = [_figure("h1", "2024-01-01", "2024-06-30", 10), _figure("h2", "2024-07-01", "2024-12-31", 5)]
    for half in halves:
        half["metric_id"] = "accounts_specified"
    (accounts,) = derive.derive_year_sums(halves, {"accounts_specified": "count"})
    assert accounts.row["value"] == 15
    assert "the sum is not a count of distinct ones" in accounts.row["notes"]
    for half in halves:
        half["metric_id"] = "requests_received"
    (requests,) = derive.derive_year_sums(halves, UNITS)
    assert "distinct" not in requests.row["notes"]


def test_the_staged_derivation_gives_the_keys_of_the_figures_it_then_derives_in_their_order():
    figures = [
        # A cumulative year and its first three quarters: 2024-Q4 is a complement.
        _figure("y24", "2024-01-01", "2024-12-31", 20),
        _figure("s24", "2024-01-01", "2024-09-30", 14),
        # Halves without their year: 2023 is a year sum.
        _figure("h1", "2023-01-01", "2023-06-30", 10),
        _figure("h2", "2023-07-01", "2023-12-31", 5),
    ]
    staged = derive.StagedDerivation(figures, UNITS)
    derived = staged.derived()
    assert [d.row["figure_id"] for d in derived] == [
        "p-deu-2024q4-all-requests_received-derived",
        "p-deu-2023-all-requests_received-derived",
    ]
    assert staged.keys == [(d.row["period_end"], d.row["figure_id"]) for d in derived]
    assert staged.keys == [
        ("2024-12-31", "p-deu-2024q4-all-requests_received-derived"),
        ("2023-12-31", "p-deu-2023-all-requests_received-derived"),
    ]
    # What all_derived was before it was staged: complements, then the year sums they left.
    complements = derive.derive_figures(figures, UNITS)
    taken = {d.row["figure_id"] for d in complements}
    year_sums = [d for d in derive.derive_year_sums(figures, UNITS) if d.row["figure_id"] not in taken]
    assert derived == complements + year_sums
    assert [d.row["value"] for d in derived] == [6, 15]


def test_no_year_is_derived_from_an_incomplete_year_a_reported_year_or_percentages():
    assert derive.derive_year_sums([_figure("h1", "2024-01-01", "2024-06-30", 10)], UNITS) == []
    reported = [
        _figure("h1", "2024-01-01", "2024-06-30", 10),
        _figure("h2", "2024-07-01", "2024-12-31", 5),
        _figure("y", "2024-01-01", "2024-12-31", 15),
    ]
    assert derive.derive_year_sums(reported, UNITS) == []
    assert derive.derive_year_sums(reported[:2], {"requests_received": "percent"}) == []


def test_a_reported_year_that_differs_from_its_halves_is_a_clear_problem():
    figures = [
        validate.Figure(
            2, "h1", "p", "DEU", (date(2024, 1, 1), date(2024, 6, 30)), "all", "requests_received", "exact", Decimal(10)
        ),
        validate.Figure(
            3, "h2", "p", "DEU", (date(2024, 7, 1), date(2024, 12, 31)), "all", "requests_received", "exact", Decimal(5)
        ),
        validate.Figure(
            4, "y", "p", "DEU", (date(2024, 1, 1), date(2024, 12, 31)), "all", "requests_received", "exact", Decimal(16)
        ),
    ]
    (problem,) = validate.figure_problems(figures, UNITS, set(), "data/figures.csv")
    assert str(problem).startswith("data/figures.csv:4:value: 16 differs from the sum of its parts 15")
    assert "inconsistent_parts disagreement" in problem.message
    assert validate.figure_problems(figures, UNITS, {"y"}, "data/figures.csv") == []


# Pinned figures in the built database -------------------------------------------------------

PINNED = {
    "google-deu-2025h1-legal_process-requests_received": ("google-2025-06-30-user-data-requests-csv-archive", 42595),
    "google-gbr-2022h2-legal_process-requests_received": ("google-2025-06-30-user-data-requests-csv-archive", 9122),
    "google-deu-2025h1-mlat_assisted_irl-requests_received": (
        "google-2025-06-30-user-data-dlr-requests-csv-archive",
        78,
    ),
    "google_workspace-bra-2025h1-legal_process-requests_received": (
        "google-2025-06-30-enterprise-data-requests-csv-archive",
        351,
    ),
    "google_workspace-prt-2025h1-mlat_assisted_irl-requests_received": (
        "google-2025-06-30-enterprise-data-dlr-requests-csv-archive",
        2,
    ),
    "tiktok-deu-2025h2-legal_process-requests_received": ("tiktok-2025h2-information-requests-csv-archive", 5109),
    "tiktok-world-2025h2-legal_process-requests_received": ("tiktok-2025h2-information-requests-csv-archive", 22223),
    "naver-kor-2025h2-kr_search_seizure_warrant-requests_received": (
        "naver-transparency-statistics-json-archive",
        4355,
    ),
    "kakao-kor-2025h2-kr_search_seizure_warrant-requests_received": (
        "kakao-2025h2-transparency-statistics-json-archive",
        11485,
    ),
    "daum-kor-2025h2-kr_comm_confirmation_data-requests_processed": (
        "kakao-2025h2-transparency-statistics-json-archive",
        89,
    ),
    "snap-eu-2025h2-dsa_information_order-requests_received": (
        "snap-dsa-2025h2-member-states-orders-csv-archive",
        18400,
    ),
    "discord-usa-2023q4-emergency-requests_received": ("discord-transparency-2023q4-csv", 114),
    "discord-world-2022q4-search_warrant-requests_received": ("discord-transparency-2022q4-csv", 486),
    "tiktok-eu-2025h2-dsa_information_order-requests_received": (
        "tiktok-dsa-2025h2-member-states-orders-csv-archive",
        10932,
    ),
    "tiktok-deu-2025h2-dsa_information_order-requests_received": (
        "tiktok-dsa-2025h2-member-states-orders-csv-archive",
        5086,
    ),
    "tiktok-svk-2025h2-dsa_information_order-requests_received": (
        "tiktok-dsa-2025h2-member-states-orders-csv-archive",
        0,
    ),
    "pinterest-eu-2025h2-dsa_information_order-requests_received": (
        "pinterest-dsa-2025h2-member-states-orders-csv-archive",
        24,
    ),
    "pinterest-deu-2026h1-dsa_information_order-requests_received": (
        "pinterest-dsa-2026h1-member-states-orders-csv-archive",
        21,
    ),
    "x-eu-2025h2-dsa_information_order-requests_received": ("x-dsa-2025h2-member-states-orders-csv-archive", 5928),
    "x-aut-2025h2-dsa_information_order-requests_received": ("x-dsa-2025h2-member-states-orders-csv-archive", 36),
    "facebook-eu-2025h2-dsa_information_order-requests_received": (
        "facebook-dsa-2025h2-member-states-orders-csv-archive",
        2383,
    ),
    "facebook-eu-2026h1-dsa_information_order-requests_received": (
        "facebook-dsa-2026h1-member-states-orders-csv-archive",
        2333,
    ),
    "instagram-eu-2025h2-dsa_information_order-requests_received": (
        "instagram-dsa-2025h2-member-states-orders-csv-archive",
        2049,
    ),
    "instagram-eu-2026h1-dsa_information_order-requests_received": (
        "instagram-dsa-2026h1-member-states-orders-csv-archive",
        2291,
    ),
    "google-eu-2025h2-dsa_information_order-requests_received": (
        "google-multi-services-dsa-2025h2-member-states-orders-csv-archive",
        61,
    ),
    "google-eu-2026h1-dsa_information_order-requests_received": (
        "google-multi-services-dsa-2026h1-member-states-orders-csv-archive",
        104,
    ),
    "amazon_store-eu-2025h2-dsa_information_order-requests_received": (
        "amazon-store-dsa-2025h2-member-states-orders-csv-archive",
        455,
    ),
    "tiktok-eu-2026h1-dsa_information_order-requests_received": (
        "tiktok-dsa-2026h1-member-states-orders-csv-archive",
        13066,
    ),
    "tiktok-fra-2026h1-dsa_information_order-requests_received": (
        "tiktok-dsa-2026h1-member-states-orders-csv-archive",
        2934,
    ),
    "linkedin-fra-2025h2-all-requests_received": ("linkedin-government-requests-report-html-archive", 874),
    "linkedin-usa-2016h1-all-accounts_affected": ("linkedin-government-requests-report-html-archive", 150),
    "linkedin-world-2019h1-all-requests_received": ("linkedin-government-requests-report-html-archive", 362),
    "daum-kor-2019h2-kr_search_seizure_warrant-accounts_counted": (
        "kakao-2019h2-transparency-statistics-json-archive",
        15178,
    ),
    "kakao-kor-2012h1-kr_comm_user_data-requests_processed": ("kakao-2012h1-transparency-statistics-json-archive", 136),
    "daum-kor-2016h2-kr_search_seizure_warrant-accounts_counted": (
        "kakao-2016h2-transparency-statistics-json-archive",
        8757,
    ),
    "kakao-kor-2012h2-kr_search_seizure_warrant-requests_received": (
        "kakao-2012h2-transparency-statistics-json-archive",
        538,
    ),
    "kakao-kor-2013h1-kr_search_seizure_warrant-requests_received": (
        "kakao-2013h1-transparency-statistics-json-archive",
        983,
    ),
    "kakao-kor-2013h2-kr_search_seizure_warrant-requests_received": (
        "kakao-2013h2-transparency-statistics-json-archive",
        1693,
    ),
    "kakao-kor-2014h1-kr_search_seizure_warrant-requests_received": (
        "kakao-2014h1-transparency-statistics-json-archive",
        2131,
    ),
    "kakao-kor-2014h2-kr_search_seizure_warrant-requests_received": (
        "kakao-2014h2-transparency-statistics-json-archive",
        1733,
    ),
    "kakao-kor-2015h1-kr_search_seizure_warrant-requests_received": (
        "kakao-2015h1-transparency-statistics-json-archive",
        1449,
    ),
    "kakao-kor-2015h2-kr_search_seizure_warrant-requests_received": (
        "kakao-2015h2-transparency-statistics-json-archive",
        1696,
    ),
    "kakao-kor-2016h1-kr_search_seizure_warrant-requests_received": (
        "kakao-2016h1-transparency-statistics-json-archive",
        2255,
    ),
    "kakao-kor-2017h1-kr_search_seizure_warrant-requests_received": (
        "kakao-2017h1-transparency-statistics-json-archive",
        3775,
    ),
    "kakao-kor-2017h2-kr_search_seizure_warrant-requests_received": (
        "kakao-2017h2-transparency-statistics-json-archive",
        4228,
    ),
    "kakao-kor-2018h1-kr_search_seizure_warrant-requests_received": (
        "kakao-2018h1-transparency-statistics-json-archive",
        5955,
    ),
    "kakao-kor-2018h2-kr_search_seizure_warrant-requests_received": (
        "kakao-2018h2-transparency-statistics-json-archive",
        9198,
    ),
    "kakao-kor-2019h1-kr_search_seizure_warrant-requests_received": (
        "kakao-2019h1-transparency-statistics-json-archive",
        9948,
    ),
    # one per Kakao file imported after 2025-H2, and TikTok's older periods
    "kakao-kor-2020h1-kr_search_seizure_warrant-requests_received": (
        "kakao-2020h1-transparency-statistics-json-archive",
        15208,
    ),
    "daum-kor-2020h2-kr_search_seizure_warrant-accounts_counted": (
        "kakao-2020h2-transparency-statistics-json-archive",
        53980,
    ),
    "kakao-kor-2021h1-kr_comm_user_data-requests_received": ("kakao-2021h1-transparency-statistics-json-archive", 34),
    "daum-kor-2021h2-kr_comm_confirmation_data-requests_received": (
        "kakao-2021h2-transparency-statistics-json-archive",
        1151,
    ),
    "kakao-kor-2022h1-kr_search_seizure_warrant-accounts_counted": (
        "kakao-2022h1-transparency-statistics-json-archive",
        2588987,
    ),
    "daum-kor-2022h2-kr_search_seizure_warrant-accounts_counted": (
        "kakao-2022h2-transparency-statistics-json-archive",
        8429,
    ),
    "daum-kor-2023h1-kr_comm_user_data-requests_received": ("kakao-2023h1-transparency-statistics-json-archive", 740),
    "kakao-kor-2023h2-kr_comm_confirmation_data-requests_received": (
        "kakao-2023h2-transparency-statistics-json-archive",
        1784,
    ),
    "daum-kor-2024h1-kr_comm_confirmation_data-requests_processed": (
        "kakao-2024h1-transparency-statistics-json-archive",
        195,
    ),
    "daum-kor-2024h2-kr_comm_confirmation_data-requests_received": (
        "kakao-2024h2-transparency-statistics-json-archive",
        759,
    ),
    "kakao-kor-2025h1-kr_search_seizure_warrant-requests_received": (
        "kakao-2025h1-transparency-statistics-json-archive",
        12374,
    ),
    "tiktok-usa-2023h2-all-requests_received": ("tiktok-2025h2-information-requests-csv-archive", 3522),
    "tiktok-world-2024h1-legal_process-requests_received": ("tiktok-2025h2-information-requests-csv-archive", 13166),
    # the second block of markets in the Jul-Dec 2024 section
    "tiktok-irq-2024h2-emergency-accounts_specified": ("tiktok-2025h2-information-requests-csv-archive", 41),
}
PINNED_BANDS = {
    "google-usa-2025h1-fisa_content-accounts_specified": (
        "google-2025-06-30-fisa-content-requests-csv-archive",
        177500,
        177999,
    ),
    "google-usa-2021h2-nsl-requests_received": ("google-2025-12-31-nsl-requests-csv-archive", 14, 499),
    "google-usa-2009h1-fisa_non_content-requests_received": (
        "google-2025-06-30-fisa-non-content-requests-csv-archive",
        0,
        499,
    ),
}


def test_pinned_figures_of_each_new_source_in_the_built_database(real_db):
    conn = sqlite3.connect(real_db)
    for figure_id, (source, value) in PINNED.items():
        row = conn.execute("SELECT source_id, value FROM figures WHERE figure_id = ?", (figure_id,)).fetchone()
        assert row == (source, value), figure_id
    for figure_id, (source, low, high) in PINNED_BANDS.items():
        row = conn.execute(
            "SELECT source_id, value_kind, value_low, value_high FROM figures WHERE figure_id = ?", (figure_id,)
        ).fetchone()
        assert row == (source, "band", low, high), figure_id


def test_derived_full_years_are_in_the_database_with_their_inputs(real_db):
    conn = sqlite3.connect(real_db)
    value, derived = conn.execute(
        "SELECT value, is_derived FROM figures WHERE figure_id = 'tiktok-deu-2025-legal_process-requests_received-derived'"
    ).fetchone()
    assert (value, derived) == (4696 + 5109, 1)
    inputs = conn.execute(
        "SELECT input_figure_id FROM figure_inputs WHERE figure_id = "
        "'tiktok-deu-2025-legal_process-requests_received-derived' ORDER BY input_figure_id"
    ).fetchall()
    assert inputs == [
        ("tiktok-deu-2025h1-legal_process-requests_received",),
        ("tiktok-deu-2025h2-legal_process-requests_received",),
    ]


def test_explicit_absences_are_figures_that_never_count(real_db):
    """A listed row without a figure is a not_reported figure: on its page, in the coverage
    view, and never an input of a derived sum or complement."""
    conn = sqlite3.connect(real_db)
    row = conn.execute(
        "SELECT value_kind, value, source_id FROM figures WHERE figure_id = 'kakao-kor-2013h2-kr_search_seizure_warrant-accounts_counted'"
    ).fetchone()
    assert row == ("not_reported", None, "kakao-2013h2-transparency-statistics-json-archive")
    # Google's blank China row for 2022-H2 is the only thing known for that cell: not reported, not missing.
    status = conn.execute(
        "SELECT status FROM coverage_cells WHERE platform_id = 'google' AND jurisdiction_id = 'CHN' "
        "AND period_start = '2022-07-01' AND period_end = '2022-12-31'"
    ).fetchall()
    assert status == [("not_reported",)]
    absent = conn.execute(
        "SELECT count(*) FROM figures WHERE platform_id = 'google' AND value_kind = 'not_reported' "
        "AND period_end <= '2010-12-31'"
    ).fetchone()[0]
    assert absent >= 100
    used = conn.execute(
        "SELECT count(*) FROM figure_inputs i JOIN figures f ON f.figure_id = i.input_figure_id "
        "WHERE f.value_kind != 'exact'"
    ).fetchone()[0]
    assert used == 0


def test_discord_column_header_with_a_digit_in_a_name_is_the_tables_header(tmp_path):
    # A column named with a digit ("Requests in 2023-Q3", a comparison column) was not taken for
    # a header: every row of the table was skipped as having no column header above it.
    rows = [
        "International Government Information Requests,,,",
        ",,,",
        "Country,Requests,Information Produced,Requests in 2023-Q3",
        "Brazil,25,19,21",
        "France,29,0,30",
        ",,,",
        "Total,170,19,160",
    ]
    path = tmp_path / "2023-Q4.csv"
    path.write_bytes(("\r\n".join(rows) + "\r\n").encode())
    parsed = discord.parse_transparency_csv(path)
    assert {i: r.value for i, r in by_id(parsed).items()} == {
        "discord-bra-2023q4-legal_process-requests_received": "25",
        "discord-bra-2023q4-legal_process-requests_fulfilled": "19",
        "discord-fra-2023q4-legal_process-requests_received": "29",
        "discord-fra-2023q4-legal_process-requests_fulfilled": "0",
        "discord-intl-2023q4-legal_process-requests_received": "170",
        "discord-intl-2023q4-legal_process-requests_fulfilled": "19",
    }
    # The comparison column is named and unmapped: each of its counts is a skip saying so.
    assert [(s.source_locator, s.reason) for s in parsed.skips] == [
        (f"2023-Q4.csv row {row}, Requests in 2023-Q3", "column 'Requests in 2023-Q3' is not in mappings/discord.csv")
        for row in (4, 5, 7)
    ]


def test_discord_title_split_across_the_first_two_lines_is_one_record(tmp_path):
    # A first line whose quoted title holds a line break was cut after its first physical line:
    # the rest began a record with a stray quote, which read as a title of its own
    # ('Transparency Report CSV"'), or, where the title's break came last ("Emergency Requests\n",
    # as Discord writes that title further down), opened a quoted cell that swallowed the table.
    file_title = [
        '"Discord January-June 2024',
        'Transparency Report CSV",,,,,',
        ",,,,,",
        "US Gov Info Requests,,,,,",
        "Request Type,Requests,Information Produced,,,",
        "Court Orders,122,110,,,",
        ",,,,,",
        'Total,"3,782","3,223",,,',
    ]
    parsed = parsed_from(discord.parse_transparency_csv, tmp_path / "2024-H1.csv", lines(file_title, "\r\n"))
    assert parsed.skips == []
    assert {(i, r.value, r.source_locator) for i, r in by_id(parsed).items()} == {
        ("discord-usa-2024h1-court_order-requests_received", "122", "2024-H1.csv row 6"),
        ("discord-usa-2024h1-court_order-requests_fulfilled", "110", "2024-H1.csv row 6"),
        ("discord-usa-2024h1-legal_process-requests_received", "3782", "2024-H1.csv row 8"),
        ("discord-usa-2024h1-legal_process-requests_fulfilled", "3223", "2024-H1.csv row 8"),
    }
    emergency_title = ['"Emergency Requests', '",,,,,', ",,,,,", "Country,Requests,Complied,,,", "France,26,21,,,"]
    emergency_title += [",,,,,", 'Total,"1,203",159,,,']
    parsed = parsed_from(discord.parse_transparency_csv, tmp_path / "2023-Q4.csv", lines(emergency_title, "\r\n"))
    assert parsed.skips == []
    assert {(i, r.value, r.quote) for i, r in by_id(parsed).items()} == {
        ("discord-fra-2023q4-emergency-requests_received", "26", "France,26,21,,,"),
        ("discord-fra-2023q4-emergency-requests_complied", "21", "France,26,21,,,"),
        ("discord-world-2023q4-emergency-requests_received", "1203", 'Total,"1,203",159,,,'),
        ("discord-world-2023q4-emergency-requests_complied", "159", 'Total,"1,203",159,,,'),
    }


@pytest.mark.parametrize(
    ("name", "parse", "header"),
    [
        ("2024-H1.csv", discord.parse_transparency_csv, '"Discord January-June 2024,,,'),
        ("google-user-data-requests.csv", google.parse_user_data, '"Period Ending,Country,CLDR Territory Code'),
    ],
)
def test_a_first_line_whose_quote_nothing_closes_is_refused_at_line_1(tmp_path, name, parse, header):
    # Read as the first record, the title's open quote made the whole file one header cell: Discord's
    # said "no records under its header", Google's "no column ... in its first line", neither the quote.
    rows = [header, "US Gov Info Requests,,,", "Request Type,Requests,Information Produced,", "Court Orders,122,110,"]
    with pytest.raises(core.ImportFailed) as refused:
        parsed_from(parse, tmp_path / name, lines(rows, "\r\n"))
    assert refused.value.problems == [
        f"{name}:1:-: its first line opens a double quote that no quote closes, so every line of the file, "
        "1 to 4, reads as one cell of its header: import the file as the platform published it, not a copy "
        "saved by a spreadsheet"
    ]
