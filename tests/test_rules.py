"""Layer (a): the pure rules, on tiny inputs."""

import csv
import json
import random
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest

from disclosures import derive, paths, rules

D = date.fromisoformat


# The Swiss apostrophe, typed or typeset (2'253, 2’253), was no spelling of 2253: a quote from a
# Swiss report was refused, while the value cell "2'253" was told the quote keeps it.
@pytest.mark.parametrize(
    "text", ["2,253", "2253", "2.253", "2 253", "2\u00a0253", "2\u202f253", "affected 2253.", "2'253", "2\u2019253"]
)
def test_value_found_in_every_usual_spelling(text):
    assert rules.value_in_text(Decimal("2253"), text)


@pytest.mark.parametrize("text", ["12,253", "2,2530", "2253.5", "22530", "2,253,000", "0.2253", "12'253", "2'253'000"])
def test_value_not_found_inside_a_larger_number(text):
    assert not rules.value_in_text(Decimal("2253"), text)


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (31, "Q1 (2026-01-01 to 2026-03-31): 12"),
        (12, "2024-12-31: 7 requests"),
        (12, "12/31/2024: 5"),
        (31, "31/12/2024: 5"),
    ],
)
def test_the_day_or_month_of_a_date_is_not_the_value(value, text):
    # A value of 31 read from "2026-03-31" passed validation on a figure no corroboration checked.
    assert not rules.value_in_text(Decimal(value), text)


@pytest.mark.parametrize(
    ("value", "text"), [(10, "5-10 requests"), (12, "12-15 requests"), (1, "2024-1-1 to 2024-06-30: 1")]
)
def test_a_number_beside_a_dash_that_is_no_date_part_is_found(value, text):
    assert rules.value_in_text(Decimal(value), text)


def test_decimal_values_in_both_decimal_marks():
    assert rules.value_in_text(Decimal("81.5"), "81,5 %")
    assert rules.value_in_text(Decimal("81.5"), "81.5%")
    assert not rules.value_in_text(Decimal("81.5"), "815")
    assert rules.value_in_text(Decimal("1234.5"), "1.234,5")


def test_zero_is_found_but_not_inside_other_numbers():
    assert rules.value_in_text(Decimal("0"), "0 requests")
    assert not rules.value_in_text(Decimal("0"), "10 requests")


def test_a_pattern_problem_says_what_to_write_for_a_grouped_number():
    # corrections.old_value "1,250" printed the column's raw regular expression.
    assert rules.pattern_problem("1,250", "^[0-9]+$") == (
        "'1,250' is not a number as this column writes one: write 1250, without thousands separators"
    )
    assert rules.pattern_problem("abc", "^[0-9]+$") == "must match ^[0-9]+$"


@pytest.mark.parametrize(
    "cell, numeric, expected",
    [
        ("7", True, []),
        (
            "+7",
            True,
            [
                "not written canonically (no plus sign, leading zeros, trailing decimal zeros, exponent or thousands separator): write 7"
            ],
        ),
        ("007", True, ["not written canonically"]),
        (
            "7.50",
            True,
            [
                "canonically (no plus sign, leading zeros, trailing decimal zeros, exponent or thousands separator): write 7.5"
            ],
        ),
        ("1e3", True, ["thousands separator): write 1000"]),
        ("1234.0", True, ["thousands separator): write 1234"]),
        # SQLite stores -0 as 0: the cell would not survive the round trip.
        ("-0", True, ["thousands separator): write 0"]),
        ("-1", True, []),
        ("NaN", True, ["is not a number"]),
        ("-inf", True, ["is not a number"]),
        # Not a number at all: the type problem says so; "not written canonically" would mislead.
        ("9O0", True, []),
        ("1,200", True, []),
        ("007", False, []),
        (" x", False, ["whitespace"]),
        # The whitespace is the one thing wrong: not also "not written canonically".
        ("123 ", True, ["has leading or trailing whitespace"]),
        (" +7", True, ["whitespace", "not written canonically (no plus sign"]),
        ("a\tb", False, ["control characters"]),
    ],
)
def test_cell_problems(cell, numeric, expected):
    found = rules.cell_problems(cell, numeric=numeric)
    assert len(found) == len(expected)
    for message, fragment in zip(found, expected, strict=True):
        assert fragment in message


def test_value_kind_consistency():
    assert rules.value_kind_problems("exact", Decimal(1), None, None) == []
    assert rules.value_kind_problems("band", None, Decimal(0), Decimal(499)) == []
    assert rules.value_kind_problems("less_than", None, None, Decimal(30)) == []
    assert rules.value_kind_problems("withheld", None, None, None) == []
    assert rules.value_kind_problems("exact", None, None, None) == [("value", "is required when value_kind is exact")]
    assert ("value_high", "band upper bound 1 is below lower bound 5") in rules.value_kind_problems(
        "band", None, Decimal(5), Decimal(1)
    )
    assert rules.value_kind_problems("not_reported", Decimal(0), None, None) == [
        ("value", "must be empty when value_kind is not_reported")
    ]


@pytest.mark.parametrize(
    "start, end, kind, label",
    [
        ("2024-01-01", "2024-12-31", "year", "2024"),
        ("2024-07-01", "2024-12-31", "half", "2024h2"),
        ("2024-10-01", "2024-12-31", "quarter", "2024q4"),
        ("2024-01-01", "2024-09-30", "year_to_date", "20240101-20240930"),
        ("2024-02-01", "2024-02-29", "month", "20240201-20240229"),
        ("2024-02-01", "2024-04-30", "other", "20240201-20240430"),
        ("2023-07-01", "2024-06-30", "other", "20230701-20240630"),
    ],
)
def test_period_kind_and_label(start, end, kind, label):
    assert rules.period_kind(D(start), D(end)) == kind
    assert rules.period_label(D(start), D(end)) == label


def test_every_period_kind_has_a_readers_name():
    # The build writes each kind's name into period_names (the site's facets and cells show it):
    # a kind without one would stop the build.
    kinds = {"year", "half", "quarter", "year_to_date", "month", "other"}
    assert set(rules.PERIOD_KIND_NAMES) == kinds
    assert all(name and name != kind and "_" not in name for kind, name in rules.PERIOD_KIND_NAMES.items())


def test_tiles_and_complement():
    q = [(D("2024-01-01"), D("2024-03-31")), (D("2024-04-01"), D("2024-06-30")), (D("2024-07-01"), D("2024-09-30"))]
    jan_sep = (D("2024-01-01"), D("2024-09-30"))
    year = (D("2024-01-01"), D("2024-12-31"))
    assert rules.tiles(q, jan_sep)
    assert not rules.tiles(q[:1] + q[2:], jan_sep)
    assert not rules.tiles(q, year)
    assert rules.complement(jan_sep, year) == (D("2024-10-01"), D("2024-12-31"))
    assert rules.complement(q[2], year) is None
    assert rules.complement(year, year) is None
    assert rules.minimal(q + [jan_sep, year]) == q
    assert rules.maximal(q + [jan_sep, year]) == [year]


@pytest.mark.parametrize(
    "cell, expected",
    [
        ("2024-09-23", []),
        ("", []),
        ("2024-9-23", ["'2024-9-23' is not a date written YYYY-MM-DD: write 2024-09-23"]),
        ("２０２４-09-23", ["'２０２４-09-23' is not a date written YYYY-MM-DD: write 2024-09-23"]),
        # Not a date at all: the type problem says so.
        ("2024-02-30", []),
        ("23/09/2024", []),
    ],
)
def test_a_date_frictionless_reads_but_not_written_yyyy_mm_dd(cell, expected):
    assert rules.cell_problems(cell, numeric=False, is_date=True) == expected
    assert rules.cell_problems(cell, numeric=False) == []


def test_problem_prints_file_line_field():
    assert (
        str(rules.Problem("data/figures.csv", 42, "value", "must be at least 0"))
        == "data/figures.csv:42:value: must be at least 0"
    )
    assert str(rules.Problem("datapackage.json", None, None, "x")) == "datapackage.json:-:-: x"


def test_a_problem_is_one_line_whatever_a_cell_quoted_in_it_holds():
    problem = rules.Problem("data/x.csv", 3, "id", "a\nb\r\nc\u2028d is neither here nor there")
    assert str(problem) == "data/x.csv:3:id: a\\nb\\r\\nc\\u2028d is neither here nor there"
    assert len(str(problem).splitlines()) == 1


def test_series_prefers_finest_then_standard_periods_and_never_overlaps():
    snap_first = (D("2014-11-01"), D("2015-02-28"))
    h1 = (D("2015-01-01"), D("2015-06-30"))
    h2 = (D("2015-07-01"), D("2015-12-31"))
    year = (D("2015-01-01"), D("2015-12-31"))
    chosen = rules.non_overlapping([(snap_first, "odd"), (h1, "h1"), (h2, "h2"), (year, "year")])
    assert chosen == ["h1", "h2"]


def test_record_quotes_split_on_delimiters():
    assert rules.value_in_record(Decimal(3), "2026,1,other,3,3")
    assert rules.value_in_record(Decimal(108), '{"from": "20240101", "requests": 14, "users": 108}')
    assert not rules.value_in_record(Decimal(13), "2026,1,other,3,3")
    assert not rules.value_in_text(Decimal(3), "2026,1,other,3,3")


def test_a_named_field_of_a_json_record_must_hold_the_value():
    locator = 'dataset.json line 12, key "USA" entry 2 (from 20240101 to 20241231), field "requests"'
    record = '{"from": "20240101", "to": "20241231", "requests": 900, "users": 2253}'
    assert rules.named_field_number(locator, record) == ("requests", Decimal(900))
    assert rules.named_field_number(locator.replace('"requests"', '"users"'), record) == ("users", Decimal(2253))
    # No named field, prose, or a field the record lacks: the rule does not apply.
    assert rules.named_field_number("report.pdf page 3", record) is None
    assert rules.named_field_number(locator, "Requests fulfilled: 900") is None
    assert rules.named_field_number(locator.replace('"requests"', '"accounts"'), record) is None
    assert rules.named_field_number(locator, '{"requests": "n/a"}') == ("requests", None)


GOOGLE_ROW = (
    "google-global-user-data-requests.csv row Period Ending=2018-12-31, CLDR Territory Code=US, Legal Process=Subpoenas"
)


@pytest.mark.parametrize(
    ("metric", "value", "told"),
    [
        ("requests_received", "11099", None),
        ("percent_requests_some_data", "79", None),
        ("accounts_specified", "26669", None),
        # requests and accounts swapped: each number is in the row, in its neighbour's column
        (
            "requests_received",
            "26669",
            'column "User Data Requests" of google-global-user-data-requests.csv, which holds 11099',
        ),
        ("accounts_specified", "11099", 'column "Accounts" of google-global-user-data-requests.csv, which holds 26669'),
        ("percent_requests_some_data", "11099", "which holds 79 in the quoted row, not 11099"),
    ],
)
def test_a_figure_from_a_known_bulk_file_holds_its_metrics_column(metric, value, told):
    problems = rules.record_column_problems(
        GOOGLE_ROW, "2018-12-31,United States,US,Subpoenas,11099,79,26669", metric, "exact", Decimal(value)
    )
    if told is None:
        assert problems == []
    else:
        assert [field for field, _ in problems] == ["quote"] and told in problems[0][1]


def test_the_bulk_file_column_rule_reads_grouped_numbers_and_percent_signs_and_leaves_the_rest():
    facebook = "Facebook-Government-Report-2013-H1.csv row Country=Germany"
    row = 'Germany,"1,886","2,068",37.00%'
    assert rules.record_column(facebook, row, "requests_received")[2] == Decimal(1886)
    assert rules.record_column(facebook, row, "percent_requests_some_data")[2] == Decimal(37)
    assert rules.record_column_problems(facebook, row, "accounts_specified", "exact", Decimal(2068)) == []
    assert rules.record_column_problems(facebook, row, "accounts_specified", "exact", Decimal(1886))
    # An empty cell holds no number: an exact figure there is refused.
    preservation = "2018-06-30,Australia,AU,Preservation Requests,90,,122"
    assert (
        "holds no number"
        in rules.record_column_problems(GOOGLE_ROW, preservation, "percent_requests_some_data", "exact", Decimal(0))[0][
            1
        ]
    )
    # Bands, figures not reported, other files, prose quotes and metrics the file has no column for: not judged.
    assert rules.record_column_problems(facebook, row, "requests_received", "band", None) == []
    assert rules.record_column_problems(facebook, row, "requests_received", "not_reported", None) == []
    assert rules.record_column_problems("report.csv row 3", row, "requests_received", "exact", Decimal(7)) == []
    assert (
        rules.record_column_problems(
            facebook, "Germany: 1,886 requests\n2,068 accounts", "requests_received", "exact", Decimal(7)
        )
        == []
    )
    assert rules.record_column(facebook, row, "requests_fulfilled") is None


def test_a_disagreements_claim_from_a_bulk_file_row_is_read_in_its_kept_figures_column():
    row = "2018-06-30,United States,US,Wiretap Orders,3,100,4"
    figure = "google-usa-2018h1-wiretap-requests_received"

    def told(file, claimed, metric="requests_received", locator="", text=row):
        return rules.claim_column_problems(file, figure, metric, locator, text, Decimal(claimed))

    older = rules.url_file_name("https://github.com/a/b/blob/5b7d61e/google-user-data-requests.csv")
    assert older == "google-user-data-requests.csv"
    assert told(older, 3) == [] and told(older, 4, "accounts_specified") == []
    ((field, note),) = told(older, 4)
    assert field == "claimed_value"
    assert 'of google-usa-2018h1-wiretap-requests_received is read from the column "User Data Requests"' in note
    assert "which holds 3 in the row claimed_text quotes, not 4" in note
    # A DSA orders table's copy, named with spaces and percent-escapes, is read at the Scope the
    # kept figure's locator names.
    dsa = rules.url_file_name("https://example.org/x/Example%20DSA%20Report%20-%203_member_states_orders.csv?raw=1")
    orders = "All,Example,2025-07-01/2025-12-31,TOTAL,,DE,17,48,0,67,12,0,117"
    scope = "3_member_states_orders.csv (Service=Example, Category=TOTAL, Scope=DE)"
    assert told(dsa, 12, locator=scope, text=orders) == []
    assert "which holds 12 in the row claimed_text quotes, not 17" in told(dsa, 17, locator=scope, text=orders)[0][1]
    # No Scope to read the row at, a file the rules do not know, a URL naming no file, several
    # rows (written with ¶) and a metric the file has no column for: not judged.
    assert told(dsa, 17, text=orders) == []
    assert told(rules.url_file_name("https://example.org/report"), 4) == []
    assert told(rules.url_file_name("https://example.org/files/"), 4) == []
    assert rules.url_file_name("https://[ExampleChat](https://example.org/x.csv)") == ""
    assert told(older, 4, text=row + " ¶ " + row) == []
    assert told(older, 4, "requests_fulfilled") == []


def test_the_bulk_file_column_rule_reports_or_passes_a_malformed_quote_and_never_raises():
    # A carriage return inside a quoted row, a cell past the csv module's size limit, an unbalanced
    # quote character, a row shorter than the header: validate stopped with a traceback for the
    # first two; each is a quote that is not one row of the file (not judged here) or a row reported.
    row = "2018-12-31,United States,US,Subpoenas,11099,79,26669"
    for quote in (row.replace(",US,", ",US\r,"), row + "\r", row + ',"x'):
        assert rules.record_column_problems(GOOGLE_ROW, quote, "requests_received", "exact", Decimal(11099)) == []
    limit = csv.field_size_limit(1000)  # the module's limit, lowered: a longer cell is an error
    try:
        assert rules.record_column(GOOGLE_ROW, '"' + "x" * 2000, "requests_received") is None
    finally:
        csv.field_size_limit(limit)
    for short in ('2018-12-31,"United States', "2018-12-31,United States,US"):
        (problem,) = rules.record_column_problems(GOOGLE_ROW, short, "requests_received", "exact", Decimal(11099))
        assert "holds no number" in problem[1]


@pytest.mark.parametrize(
    ("locator", "row", "orders"),
    [
        # the template as most platforms write it: Scope is the sixth column
        (
            "3_member_states_orders.csv line 2 (Service=YouTube, Category=TOTAL, Scope=TOTAL)",
            "All,YouTube,2026-01-01/2026-06-30,TOTAL,,TOTAL,17,48,0,67,12,0,117",
            "12",
        ),
        # Meta's copies leave the first five cells empty
        (
            "[Facebook] DSA VLOP Transparency Report - 28 August 2026 - 3_member_states_orders.csv "
            "(Service=Facebook, Category=TOTAL, Scope=IE)",
            ",,,,,IE,11,13,0,55.85,76,0,107.37,,,,,,,",
            "76",
        ),
        # TikTok's has a Category label column more before Scope
        (
            "DSA_Transparency_Report_TikTok_July_December_2025 - 3_member_states_orders.csv line 2 "
            "(Service=TikTok, Category=TOTAL, Scope=AT)",
            'All,TikTok,2025-07-01/2025-12-31,TOTAL,TOTAL,,AT,5,5,,2,265,,96,"As government authorities"',
            "265",
        ),
        # Pinterest's file name, and a thousands separator inside the quoted cell
        (
            "Pinterest - H2 DSA Transparency Report - 3. Member states orders.csv (Service=Pinterest, Scope=DE)",
            'All,Pinterest,2025-07-01/2025-12-31,TOTAL,,DE,0,0,0,0,"6,081",0,310',
            "6081",
        ),
    ],
)
def test_a_dsa_information_orders_figure_is_read_five_columns_after_its_scope(locator, row, orders):
    assert rules.record_column(locator, row, "requests_received") == (
        rules.DSA_ORDERS_FILE.search(locator).group(0),
        "Number of orders to provide information",
        Decimal(orders),
    )
    assert rules.record_column_problems(locator, row, "requests_received", "exact", Decimal(orders)) == []
    # the orders to act against illegal content, first after Scope, are not the figure
    acting = rules.record_column_problems(locator, row, "requests_received", "exact", Decimal(orders) + 1)
    assert "Number of orders to provide information" in acting[0][1]
    # a Scope the row does not hold, or a locator without one: not judged here
    assert rules.record_column(locator.replace("Scope=", "Scope=XX"), row, "requests_received") is None
    assert rules.record_column(locator.split(" (")[0], row, "requests_received") is None


OLDER_GOOGLE_ROW = "google-user-data-requests.csv row Period Ending=2015-06-30, CLDR Territory Code=BR, Legal Process=Other Legal Requests"


@pytest.mark.parametrize(
    ("metric", "value", "told"),
    [
        ("requests_received", "774", None),
        ("percent_requests_some_data", "57", None),
        ("accounts_specified", "1547", None),
        # Google's older export: the same columns under their older names, and the same swap
        ("requests_received", "1547", 'column "User Data Requests" of google-user-data-requests.csv, which holds 774'),
        ("accounts_specified", "774", 'column "Users/Accounts Specified" of google-user-data-requests.csv'),
        ("percent_requests_some_data", "774", 'column "Percentage of requests where some data produced"'),
    ],
)
def test_a_figure_from_googles_older_export_holds_its_metrics_column(metric, value, told):
    problems = rules.record_column_problems(
        OLDER_GOOGLE_ROW, "2015-06-30,Brazil,BR,Other Legal Requests,774,57,1547", metric, "exact", Decimal(value)
    )
    if told is None:
        assert problems == []
    else:
        assert [field for field, _ in problems] == ["quote"] and told in problems[0][1]


@pytest.mark.parametrize(
    ("locator", "row", "column"),
    [
        (
            "google-global-user-data-dlr-requests.csv row Period Ending=2025-06-30, "
            "Country/Region of Origin=Germany, Assisting Country=Ireland",
            "2025-06-30,Germany,DE,Ireland,78",
            "User Data Diplomatic Legal requests",
        ),
        (
            "google-enterprise-data-dlr-requests.csv row Period Ending=2025-06-30, Product=GSUITE, "
            "Country/Region of Origin=Portugal, Assisting Country=Ireland",
            "2025-06-30,GSUITE,Portugal,Ireland,2",
            "Enterprise Diplomatic Legal requests",
        ),
    ],
)
def test_a_diplomatic_requests_figure_is_the_rows_count(locator, row, column):
    held = Decimal(row.rsplit(",", 1)[1])
    file = locator.split(" ", 1)[0]
    assert rules.record_column(locator, row, "requests_received") == (file, column, held)
    assert rules.record_column_problems(locator, row, "requests_received", "exact", held) == []
    assert (
        f'column "{column}" of {file}, which holds {held}'
        in (rules.record_column_problems(locator, row, "requests_received", "exact", held + 1)[0][1])
    )
    # The file counts requests only: no other metric is read from it.
    assert rules.record_column(locator, row, "accounts_specified") is None


def test_the_older_google_exports_header_is_the_one_its_source_records_and_the_mapping_names():
    """The older export's header is the one data/sources.csv records for the archived file (and
    the importer's test copy's, checked below), and each metric's column is the older spelling
    mappings/google.csv maps to that metric."""
    header, columns = rules.RECORD_HEADERS["google-user-data-requests.csv"]
    with (paths.ROOT / "data" / "sources.csv").open(encoding="utf-8", newline="") as handle:
        notes = [
            row["notes"] for row in csv.DictReader(handle) if row["url"].endswith("/google-user-data-requests.csv")
        ]
    assert len(notes) == 1 and f"header: {','.join(header)}." in notes[0]
    mapping = paths.ROOT / "disclosures" / "importers" / "mappings" / "google.csv"
    with mapping.open(encoding="utf-8", newline="") as handle:
        mapped = {row["label"]: row["maps_to"] for row in csv.DictReader(handle) if row["field"] == "column"}
    assert columns == {mapped[column]: column for column in header if column in mapped}


@pytest.mark.parametrize(
    ("file", "parse"),
    [
        ("google-global-user-data-requests.csv", "parse_user_data"),
        ("google-user-data-requests.csv", "parse_user_data"),
        ("google-enterprise-data-requests.csv", "parse_enterprise"),
        ("google-global-user-data-dlr-requests.csv", "parse_diplomatic"),
        ("google-enterprise-data-dlr-requests.csv", "parse_diplomatic"),
    ],
)
def test_the_rule_reads_each_figure_the_google_importer_makes_from_its_column(file, parse):
    """Every exact figure the importer makes from its test copy of the export is one the rule
    reads, at the column the importer took it from: the two agree on the header and the columns."""
    from disclosures.importers import google

    copy = paths.ROOT / "tests" / "fixtures" / "importers" / file
    header, _ = rules.RECORD_HEADERS[file]
    assert tuple(copy.read_text(encoding="utf-8").splitlines()[0].split(",")) == header
    records = [r for r in getattr(google, parse)(copy).records if r.value_kind == "exact"]
    assert records
    for record in records:
        found = rules.record_column(record.source_locator, record.quote, record.metric_id)
        assert found is not None and found[2] == Decimal(record.value), record


@pytest.mark.parametrize("file", ["google-global-user-data-requests.csv", "google-enterprise-data-requests.csv"])
def test_the_bulk_file_columns_are_the_importers_header_and_mapping(file):
    """The rule's header is the one the Google importer reads (its test copy of the export), and
    each metric's column is the one mappings/google.csv maps to that metric."""
    header, columns = rules.RECORD_HEADERS[file]
    copy = paths.ROOT / "tests" / "fixtures" / "importers" / file
    assert tuple(copy.read_text(encoding="utf-8").splitlines()[0].split(",")) == header
    mapping = paths.ROOT / "disclosures" / "importers" / "mappings" / "google.csv"
    with mapping.open(encoding="utf-8", newline="") as handle:
        mapped = {row["label"]: row["maps_to"] for row in csv.DictReader(handle) if row["field"] == "column"}
    assert {metric: column for metric, column in columns.items()} == {
        mapped[column]: column for column in header if column in mapped
    }


@pytest.mark.parametrize(
    "cell, kind, form, expected",
    [
        ("9O0", "integer", "default", "'9O0' is not a whole number"),
        ("12.5", "integer", "default", "'12.5' is not a whole number"),
        ("9O0", "number", "default", "'9O0' is not a number"),
        # With its year last: the date it reads as, or both when the day and month could swap
        # (found by curator review: '04/12/2026' was told only that it was not YYYY-MM-DD).
        ("23/09/2024", "date", "default", "'23/09/2024' is not a date written YYYY-MM-DD: write 2024-09-23"),
        ("09/23/2024", "date", "default", "'09/23/2024' is not a date written YYYY-MM-DD: write 2024-09-23"),
        ("23.09.2024", "date", "default", "'23.09.2024' is not a date written YYYY-MM-DD: write 2024-09-23"),
        ("04.12.2026", "date", "default", "'04.12.2026' is not a date written YYYY-MM-DD: write 2026-12-04"),
        ("04/04/2026", "date", "default", "'04/04/2026' is not a date written YYYY-MM-DD: write 2026-04-04"),
        (
            "04/12/2026",
            "date",
            "default",
            "'04/12/2026' is not a date written YYYY-MM-DD: write 2026-04-12 (12 April) or 2026-12-04 (4 December), "
            "as the source means it",
        ),
        ("31/02/2026", "date", "default", "'31/02/2026' is not a date written YYYY-MM-DD, nor a date in any order"),
        ("23 September 2024", "date", "default", "'23 September 2024' is not a date written YYYY-MM-DD"),
        # Written YYYY-MM-DD, a day the month lacks was told it was not written YYYY-MM-DD.
        ("2024-02-30", "date", "default", "'2024-02-30' is not a date: February 2024 has 29 days"),
        ("2023-02-29", "date", "default", "'2023-02-29' is not a date: February 2023 has 28 days"),
        ("2024-13-01", "date", "default", "'2024-13-01' is not a date: its month, 13, is not 01 to 12"),
        ("2024/09/23", "date", "default", "'2024/09/23' is not a date written YYYY-MM-DD: write 2024-09-23"),
        ("2024.9.23", "date", "default", "'2024.9.23' is not a date written YYYY-MM-DD: write 2024-09-23"),
        ("the archive", "string", "uri", "'the archive' is not a URI"),
        # An address pasted without its scheme is told what it lacks (a new curator's).
        (
            "www.example.org/news",
            "string",
            "uri",
            "'www.example.org/news' is not a URI: it has no scheme "
            "(write https://www.example.org/news, or http:// if that is its address)",
        ),
        ("x" * 50, "integer", "default", "'" + "x" * 40 + "…' is not a whole number"),
    ],
)
def test_a_cell_of_the_wrong_type_is_named_plainly(cell, kind, form, expected):
    assert rules.type_problem(cell, kind, form) == expected


def test_non_overlapping_picks_what_comparing_every_chosen_pair_picks():
    # The reference: each candidate, in the rule's order, kept when it overlaps none kept so far.
    def reference(items):
        periods = [period for period, _ in items]
        finest = set(rules.minimal(periods))
        candidates = sorted(
            (item for item in items if item[0] in finest),
            key=lambda item: (not rules.is_standard_period(*item[0]), item[0], item[1]),
        )
        chosen = []
        for period, key in candidates:
            if all(period[1] < other[0] or other[1] < period[0] for other, _ in chosen):
                chosen.append((period, key))
        return sorted(key for _, key in chosen)

    randomness = random.Random(367)
    for _ in range(400):
        items = []
        for number in range(randomness.randint(1, 14)):
            start = date(2020, 1, 1) + timedelta(days=randomness.randint(0, 900))
            end = start + timedelta(days=randomness.choice([0, 30, 89, 90, 180, 181, 364, 365, 400]))
            items.append(((start, end), f"f{number}"))
        assert rules.non_overlapping(items) == reference(items), items


def test_a_period_column_of_a_year_before_1000_is_a_safe_name():
    assert rules.period_column(D("0999-01-01"), D("0999-03-31")) == "q1_999"
    assert rules.period_column(D("0001-01-01"), D("0001-06-30")) == "h1_1"
    assert rules.period_column(D("2024-07-01"), D("2024-12-31")) == "h2_2024"
    assert rules.SAFE_NAME.match("coverage_" + rules.period_column(D("0001-01-01"), D("0001-06-30")))


def test_a_part_larger_than_its_whole_leaves_no_complement():
    # Kept when a disagreement records the platform's inconsistent parts; 2024 - H1 would be -4.
    def figure(figure_id, start, end, value):
        return {
            "figure_id": figure_id,
            "platform_id": "p",
            "jurisdiction_id": "ARG",
            "request_type_id": "mlat",
            "metric_id": "requests_received",
            "period_start": start,
            "period_end": end,
            "value_kind": "exact",
            "value": Decimal(value),
        }

    units = {"requests_received": "count"}
    year, half = figure("y", "2024-01-01", "2024-12-31", "1"), figure("h", "2024-01-01", "2024-06-30", "5")
    assert derive.all_derived([year, half], units) == []
    half["value"] = Decimal("1")
    (second_half,) = derive.all_derived([year, half], units)
    assert second_half.row["value"] == 0 and second_half.row["period_start"] == "2024-07-01"


def test_a_figure_read_from_a_dated_record_is_filed_under_its_period_and_key():
    record = '{"from": "20251001", "to": "20251231", "requests": 17, "users": 60}'
    locator = 'dataset.json line 168, key "ARG" entry 4 (from 20251001 to 20251231), field "users"'
    assert rules.record_identity_problems(record, locator, "ARG", date(2025, 10, 1), "2025-12-31") == []
    assert rules.record_identity_problems(record, locator, "CHL", "2023-10-01", "2025-12-31") == [
        ("period_start", '2023-10-01 is not the quoted record\'s "from" (2025-10-01)'),
        ("jurisdiction_id", 'CHL is not the key "ARG" the locator names'),
    ]
    # Only a JSON record that states its own period is read so.
    assert rules.record_identity_problems("Germany 1 200 with data", locator, "CHL", "2023-10-01", "x") == []
    assert rules.record_identity_problems('{"from": "2025", "to": "2025"}', locator, "CHL", "2023-10-01", "x") == []


@pytest.mark.parametrize(
    ("quote", "value", "only_a_year"),
    [
        ("In 2013 Cloudflare answered 28 requests", 2013, True),  # a helper's misfiled value
        ('{"year":2012,"period":"상반기","warrantRequestCount":"142"}', 2012, True),
        ("2015-06-30,Chile,CL,Preservation Requests,1,,4", 2015, True),
        ("JUL 2012 – JUN 2014: 56 requests", 2014, True),
        ("Germany, H1 2024: 1.500 requests", 2024, True),
        ("Google received 2013 requests in 2013", 2013, False),  # a count as well as a year
        ("2,013 requests in 2013", 2013, False),  # grouped, so a count
        ("2015-06-30,Chile,CL,Other Legal Requests,2015,50,2100", 2015, False),  # a field too
        ("Fulfilled requests: 1987", 1987, False),
        ("In 2013 Cloudflare answered 28 requests", 28, False),
        ("no year here", 2013, False),
    ],
)
def test_a_value_found_in_its_quote_only_as_a_year_is_caught(quote, value, only_a_year):
    assert rules.value_only_as_year(Decimal(value), quote) is only_a_year


@pytest.mark.parametrize(
    "quote,value,before",
    [
        ("Telegram fulfilled nearly 900 requests", "900", "nearly 900"),
        ("NEARLY 900 requests", "900", "NEARLY 900"),
        ("Germany: knapp 1.500 Anfragen", "1500", "knapp 1.500"),
        ("fewer than 10 requests", "10", "fewer than 10"),
        ("약 270건", "270", "약 270"),
        ("~12 requests", "12", "~12"),
        # Spanish, French, Japanese and Chinese, "fast" (German) and "approx" without its dot.
        ("Telegram entregó datos de más de 900 usuarios", "900", "más de 900"),
        ("casi 900 solicitudes", "900", "casi 900"),
        ("alrededor de 900 solicitudes", "900", "alrededor de 900"),
        ("presque 900 demandes", "900", "presque 900"),
        ("Deutschland: fast 900 Anfragen", "900", "fast 900"),
        ("approx 900 requests", "900", "approx 900"),
        ("要請件数は約270件", "270", "約270"),
        ("收到约270份请求", "270", "约270"),
        ("合計約270件", "270", "約270"),
        # 約 ending another word (要約, "summary") is no approximation.
        ("要約 270件", "270", None),
        ("Auskünfte über 255 Konten", "255", None),  # "concerning", as English "about"
        # "Not less than" is a bound, and said whole; "no fewer than" is emphasis, as "no less than".
        ("not less than 900 requests", "900", "not less than 900"),
        ("no fewer than 896 user accounts", "896", None),
        # A tilde between two numbers is a range (Korean and Japanese style): either end of it.
        ("900~1,000건", "1000", "900~1,000"),
        ("900 ~ 1,000 requests", "1000", "900 ~ 1,000"),
        ("900～1,000件", "900", "900～1,000"),
        ("900~1,000건; 1,000 in all", "1000", None),
        # Once without a qualifier is enough: the source gives the number as it is there.
        ("nearly 900 requests; in all 900 were fulfilled", "900", None),
        # Words with another reading before a number, and emphasis, pass.
        ("some 22,939 requests about 40,181 accounts", "40181", None),
        ("court orders affected 227 domains under 38 customer accounts", "38", None),
        ("no less than 896 user accounts", "896", None),
        # Only the word "no": a word ending in it is none ("ano", the year).
        ("Ao longo do ano mais de 900 pedidos", "900", "mais de 900"),
        # A qualifier inside a longer word, or before another number, is not one.
        ("Roughlyness 900", "900", None),
        ("nearly 2,253 users; 900 requests", "900", None),
        ("nothing", "900", None),
        # "over", "under" and their kin, in each language the rule reads (found by curator review:
        # "India had over 99 legal requests" passed as 99).
        ("India had over 99 legal requests", "99", "over 99"),
        ("well over 900 requests", "900", "over 900"),
        ("just under 900 requests", "900", "just under 900"),
        ("at least 5 requests", "5", "at least 5"),
        ("around 47 per cent", "47", "around 47"),
        ("a big jump over 2014's 55 requests", "55", None),
        ("weniger als 900 Anfragen", "900", "weniger als 900"),
        ("nicht weniger als 896 Konten", "896", None),  # emphasis, as "no less than"
        ("menos de 900 pedidos", "900", "menos de 900"),
        ("al menos 900 solicitudes", "900", "al menos 900"),
        ("moins de 900 demandes", "900", "moins de 900"),
        ("pas moins de 896 comptes", "896", None),
        ("최소 270건", "270", "최소 270"),
        ("270여 건의 요청", "270", "270여"),
        ("270여건", "270", "270여"),
        ("270건 이상", "270", "270건 이상"),
        ("270 여부", "270", None),  # 여부, "whether"
        ("要請は270件以上", "270", "270件以上"),
        ("270件未満", "270", "270件未満"),
        ("收到270多份请求", "270", "270多"),
        ("超过270份", "270", "超过270"),
        # An en dash between two numbers is a range, as a tilde is; after a label it is none.
        ("10–20 requests", "20", "10–20"),
        ("1.000 – 1.500 Anfragen", "1000", "1.000 – 1.500"),
        ("Germany – 900 requests", "900", None),
        ("Affected users: ¶ Q1 – 1 ¶ Q2 – 4 ¶ Q3 – 125", "4", None),
        # A hyphen or "to" between two numbers is a range too (found by curator review: "900-1,000"
        # and "900 to 1,000" passed as 900), and "up to" is a bound.
        ("900-1,000 requests", "900", "900-1,000"),
        ("900 - 1,000 requests", "1000", "900 - 1,000"),
        ("900 to 1,000 requests", "1000", "900 to 1,000"),
        ("1 000 – 1 500 demandes", "1000", "1 000 – 1 500"),
        ("up to 900 requests", "900", "up to 900"),
        ("Up to 900 requests", "900", "Up to 900"),
        ("bis zu 900 Anfragen", "900", "bis zu 900"),
        ("최대 270건", "270", "최대 270"),
        # A dash after a period and its year is none: a range runs upwards, and a year after a
        # label is the period's (found by curator review: "H1 2024 – 900" was a range).
        ("H1 2024 – 900 requests", "900", None),
        ("H1 2024 – 3,000 requests", "3000", None),
        ("2024 – 900 requests", "900", None),
        ("2023-2024: 900 requests", "900", None),
        ("as of 2024-06-30 - 900 requests", "900", None),
        ("Q2 - 4", "4", None),
        # Two years are a span of years, which value_only_as_year tells, not a range.
        ("2023-2024", "2024", None),
        ("2023 to 2024", "2023", None),
        # "to" after a year, after "from" or "by" (a change), or before a date, is no range.
        ("the total number of requests for 2016 to 61,409", "61409", None),
        ("requests rose from 750 to 900", "900", None),
        ("up by 100 to 900", "900", None),
        ("from 1 to 30 June 2024", "30", None),
        ("900 requests from 1 January to 30 June", "900", None),
        # "to" in the other languages of the stored quotes (German, French, Portuguese, Italian,
        # Japanese, Korean; found by curator review: "900 bis 1.000" passed as 900).
        ("900 bis 1.000 Anfragen", "900", "900 bis 1.000"),
        ("von 900 bis 1.000 Anfragen", "1000", "900 bis 1.000"),  # German's change is "von … auf"
        ("on compte 900 à 1 000 demandes", "1000", "900 à 1 000"),
        ("900 a 1.000 pedidos", "900", "900 a 1.000"),
        ("900 a 1.000 richieste", "1000", "900 a 1.000"),
        ("要請は900件から1,000件まで", "900", "900件から1,000件まで"),
        ("요청 900건부터 1,000건까지", "1000", "900건부터 1,000건까지"),
        # ... and none of them between two years, before a date, after "de"/"da" (a change, as
        # "from"), or a Japanese or Korean one without its end.
        ("2023 bis 2024: 900 Anfragen", "900", None),
        ("de 2023 a 2024", "2024", None),
        ("de 2023 à 2024 : 2024 demandes", "2024", None),
        ("Von Juli bis Dezember waren es 5682 Anfragen", "5682", None),
        ("vom 1. bis 30. Juni: 30 Anfragen", "30", None),
        ("vom 1 bis 30 Juni", "30", None),
        ("du 1 à 30 juin", "30", None),
        ("de 1 a 30 de junho", "30", None),
        ("1 a 30 giugno", "30", None),
        ("En France, on compte 220 demandes de janvier à septembre", "220", None),
        ("Telegram a donné suite à 673 demandes", "673", None),
        ("passé de 750 à 900 demandes", "900", None),
        ("passou de 750 a 900 pedidos", "900", None),
        ("passate da 750 a 900 richieste", "900", None),
        ("aumentando de 82.341 para 103.815 solicitações", "103815", None),
        ("900件から1,000件に増加", "1000", None),
        ("2024年1月から6月まで", "6", None),
        ("900건부터 1,000건으로", "1000", None),
        ("2018年7-12月の間に1,712件", "7", None),  # months, as "press read it on 2–3 Oct 2024"
        ("press read it on 2–3 Oct 2024", "3", None),
        # "and" after "between", in each of those languages, is a range too; a plain "and" joins
        # two counts, and two years or two days of a month are a period.
        ("between 900 and 1,000 requests", "900", "between 900 and 1,000"),
        ("received between 0-249 requests", "249", "between 0-249"),
        ("zwischen 900 und 1.000 Anfragen", "1000", "zwischen 900 und 1.000"),
        ("entre 900 et 1 000 demandes", "900", "entre 900 et 1 000"),
        ("entre 900 e 1.000 pedidos", "1000", "entre 900 e 1.000"),
        ("tra 900 e 1.000 richieste", "900", "tra 900 e 1.000"),
        ("900 and 1,000 users", "900", None),
        ("Germany 900 and France 1,000", "1000", None),
        ("between 2023 and 2024, 2024 requests", "2024", None),
        ("entre 1 et 30 juin", "30", None),
        ("Zwischen dem 1. Juli 2023 und dem 31. Dezember 2023 hat Tuta in 10 Fällen", "10", None),
    ],
)
def test_a_value_found_only_after_an_approximation_is_caught(quote, value, before):
    assert rules.value_only_approximate(Decimal(value), quote) == before


@pytest.mark.parametrize(
    ("words", "a_range"),
    [
        ("900~1,000", True),
        ("900 ～ 1,000", True),
        ("10–20", True),
        ("900-1,000", True),
        ("900 to 1,000", True),
        ("900 bis 1.000", True),
        ("900 à 1 000", True),
        ("900件から1,000件まで", True),
        ("between 900 and 1,000", True),
        ("up to 900", False),
        ("bis zu 900", False),
        ("~12", False),
        ("nearly 900", False),
        ("270건 이상", False),
    ],
)
def test_a_range_is_told_from_a_rounding(words, a_range):
    assert rules.is_a_range(words) is a_range


PLACES = rules.place_names(
    [
        {"jurisdiction_id": "ARE", "alpha2": "AE", "name": "United Arab Emirates", "other_names": "UAE"},
        {"jurisdiction_id": "ATA", "alpha2": "AQ", "name": "Antarctica", "other_names": ""},
        {"jurisdiction_id": "USA", "alpha2": "US", "name": "United States", "other_names": "U.S.; USA"},
    ]
)


@pytest.mark.parametrize(
    ("locator", "filed", "fields"),
    [
        # A newcomer moved Google's UAE row to Antarctica, and to 2008 H2: both passed.
        (
            "f.csv row Period Ending=2025-06-30, CLDR Territory Code=AE, Legal Process=All",
            ("ATA", "2025h1"),
            {"jurisdiction_id"},
        ),
        (
            "f.csv row Period Ending=2025-06-30, CLDR Territory Code=AE, Legal Process=All",
            ("ARE", "2008h2"),
            {"period_end"},
        ),
        ("f.csv row Period Ending=2025-06-30, CLDR Territory Code=AE, Legal Process=All", ("ARE", "2025h1"), set()),
        (
            'i.csv: metric_name="Total requests", period_value="Jul-Dec 2024", location_value="UAE"',
            ("ARE", "2024h1"),
            {"period_start"},
        ),
        (
            'i.csv: metric_name="Total requests", period_value="Jul-Dec 2024", location_value="UAE"',
            ("ARE", "2024h2"),
            set(),
        ),
        (
            "m.json rows: period=2015-H1, section=combined, country=United States, metric=x",
            ("ARE", "2015h1"),
            {"jurisdiction_id"},
        ),
        # The assisting country is not the requesting one; an unknown name or code is not judged.
        (
            "d.csv row Period Ending=2025-06-30, Country/Region of Origin=UAE, Assisting Country=United States",
            ("ARE", "2025h1"),
            set(),
        ),
        ("m.json rows: period=2015-H1, country=Atlantis", ("ARE", "2015h1"), set()),
        ("x.csv row ISO CODE=ZZ", ("ARE", "2015h1"), set()),
        ("page 3", ("ARE", "2015h1"), set()),
        # Filed under a jurisdiction no row has (its foreign key says so): the place is not
        # judged, the period still is.
        (
            "f.csv row Period Ending=2025-06-30, CLDR Territory Code=AE, Legal Process=All",
            ("DEU", "2008h2"),
            {"period_end"},
        ),
    ],
)
def test_a_record_filed_under_another_place_or_period_than_its_locator_names_is_caught(locator, filed, fields):
    jurisdiction, half = filed
    year, first = half[:4], half.endswith("h1")
    start, end = (f"{year}-01-01", f"{year}-06-30") if first else (f"{year}-07-01", f"{year}-12-31")
    problems = rules.locator_record_problems(locator, jurisdiction, start, end, PLACES)
    assert {field for field, _ in problems} == fields


@pytest.mark.parametrize(
    ("quote", "value", "found"),
    [
        ("Q1 — 142 ¶ Q2 —106", 2, False),  # a newcomer's value 2, read from the label Q2
        ("H1 2023: 158", 1, False),
        ("5M requests", 5, False),
        ("한국의 요청에 따라 처리한 건수는 270건이고", 270, True),  # Korean counters follow numbers
        ("Fulfilled requests: 900 ¶ Affected users: 2,253", 2253, True),
        ("(2,253)", 2253, True),
    ],
)
def test_a_number_glued_to_a_latin_letter_is_a_label_not_a_value(quote, value, found):
    assert rules.value_in_text(Decimal(value), quote) is found


@pytest.mark.parametrize(
    ("cell", "kind", "digits"),
    [
        ("1,234", "number", "1234"),
        ("1 234 567", "integer", "1234567"),
        ("12\u00a0345", "integer", "12345"),
        ("1'234", "number", "1234"),
        ("1\u2019234\u2019567", "integer", "1234567"),
    ],
)
def test_a_number_with_thousands_separators_is_told_how_to_write_it(cell, kind, digits):
    message = rules.type_problem(cell, kind)
    assert f"write {digits}, without thousands separators (the quote keeps {cell})" in message


@pytest.mark.parametrize("cell", ["12,34", "1,2345", "1.234,5"])
def test_other_unreadable_numbers_keep_the_plain_message(cell):
    assert rules.type_problem(cell, "number") == f"{cell!r} is not a number"


def test_a_printed_problem_shows_the_characters_a_terminal_hides():
    problem = rules.Problem("data/figures.csv", 9, "figure_id", "is a\u00a0b, c\u200bd, \ufeffe and f\u202fg")
    assert str(problem) == "data/figures.csv:9:figure_id: is a\\u00a0b, c\\u200bd, \\ufeffe and f\\u202fg"


# corrections.old_value's pattern (a value as the changelog writes it) and sources.published_date's.
VALUE_PATTERN = next(
    f["constraints"]["pattern"]
    for r in json.loads(paths.PACKAGE.read_text(encoding="utf-8"))["resources"]
    if r["name"] == "corrections"
    for f in r["schema"]["fields"]
    if f["name"] == "old_value"
)
DATE_PATTERN = r"^[0-9]{4}(-(0[1-9]|1[0-2])(-(0[1-9]|[12][0-9]|3[01]))?)?$"


@pytest.mark.parametrize(
    ("cell", "pattern", "written"),
    [
        # Each was "must match ^((0|[1-9][0-9]*)(\.[0-9]*[1-9])?|...": the pattern, not the fix.
        ("1234.0", VALUE_PATTERN, "1234"),
        ("+5", VALUE_PATTERN, "5"),
        ("05", VALUE_PATTERN, "5"),
        ("10 - 20", VALUE_PATTERN, "10-20"),
        ("10–20", VALUE_PATTERN, "10-20"),
        ("Withheld", VALUE_PATTERN, "withheld"),
        ("2,253.0", VALUE_PATTERN, "2253"),
        ("2024/01/02", DATE_PATTERN, "2024-01-02"),
    ],
)
def test_a_cell_its_pattern_refuses_is_told_how_to_write_it(cell, pattern, written):
    assert rules.pattern_problem(cell, pattern) == f"{cell!r} is not written as this column writes it: write {written}"


@pytest.mark.parametrize(
    ("cell", "pattern"),
    [
        ("< 30", VALUE_PATTERN),
        ("abc", VALUE_PATTERN),
        ("02/01/2024", DATE_PATTERN),
        # Cells that read two ways get no guess: a decimal comma was read as a thousands separator
        # ("1,5": write 15), a fraction as a band ("1/2": write 1-2).
        ("1,5", VALUE_PATTERN),
        ("2,5-3,5", VALUE_PATTERN),
        ("1.900,5", VALUE_PATTERN),
        ("1/2", VALUE_PATTERN),
    ],
)
def test_a_cell_no_rewrite_fits_keeps_the_pattern(cell, pattern):
    assert rules.pattern_problem(cell, pattern) == unrewritten(cell, pattern)


def unrewritten(cell: str, pattern: str) -> str:
    """The message of a cell given no rewrite: the pattern, and what it asks for in words when
    the package's pattern is a known one (a date, a slug, a code)."""
    gloss = rules.PATTERN_GLOSSES.get(pattern)
    return f"must match {pattern}" + (f": {rules.shown_cell(cell)} is not {gloss}" if gloss else "")


def test_a_date_or_a_slug_that_breaks_its_pattern_is_told_what_to_write():
    # "must match ^[0-9]{4}(-(0[1-9]|1[0-2])(-..." alone did not say 2025-13-01 is no date.
    assert rules.pattern_problem("2025-13-01", DATE_PATTERN) == (
        f"must match {DATE_PATTERN}: '2025-13-01' is not a date written YYYY-MM-DD "
        "(or YYYY-MM, or YYYY, when the source gives no day or month)"
    )
    assert rules.pattern_problem("Exercise Source", "^[a-z0-9][a-z0-9-]*[a-z0-9]$").endswith(
        "'Exercise Source' is not written in lower-case letters, digits and hyphens, "
        "starting and ending with a letter or digit"
    )
    # Every pattern that has a gloss is one the package uses.
    used = {
        field.get("constraints", {}).get("pattern")
        for resource in json.loads(paths.PACKAGE.read_text(encoding="utf-8"))["resources"]
        for field in resource["schema"]["fields"]
    }
    assert set(rules.PATTERN_GLOSSES) <= used


def test_a_number_whose_dots_may_group_thousands_names_both_readings():
    # "1.900" was told to write 1.9: a report's 1,900 would have been recorded a thousand times too small.
    (canonical,) = rules.cell_problems("1.900", numeric=True, is_date=False)
    assert canonical.endswith("write 1.9, or 1900 if its dots group thousands, as the source may write them")
    assert rules.pattern_problem("1.900", VALUE_PATTERN).endswith(
        "write 1.9, or 1900 if its dots group thousands, as the source may write them"
    )
    assert (
        rules.type_problem("1.250.000", "number")
        == "'1.250.000' is not a number: write 1250000 if its dots group thousands"
    )
    assert rules.cell_problems("1.50", numeric=True, is_date=False)[0].endswith("write 1.5")
    # "1.000.000" was told "write 10"; a leading zero groups no thousands ("0.900" is 0.9).
    assert rules.pattern_problem("1.000.000", VALUE_PATTERN).endswith("write 1000000 if its dots group thousands")
    assert rules.pattern_problem("0.900", VALUE_PATTERN).endswith("write 0.9")


@pytest.mark.parametrize("cell", ["1e5000", "1e999999999", "1e400", "1e-400"])
def test_a_huge_exponent_gets_no_rewrite_and_ends(cell):
    # 1e5000 written out was a traceback ("Exceeds the limit (4300 digits)"), 1e999999999 never
    # ended, and 1e400 was told to write a 401-digit number.
    assert rules.canonical_number_text(cell) is None
    assert rules.pattern_problem(cell, VALUE_PATTERN) == f"must match {VALUE_PATTERN}"
    assert "write" not in rules.cell_problems(cell, numeric=True, is_date=False)[0]


@pytest.mark.parametrize(
    ("cell", "pattern"),
    [
        ("1.900–2.000", VALUE_PATTERN),  # was "write 1.9-2": its dots may group thousands
        ("20–10", VALUE_PATTERN),  # was "write 20-10", a band upside down
        ("2024/02/31", DATE_PATTERN),  # was "write 2024-02-31", which no calendar has
        ("2.024", DATE_PATTERN),  # was "write 2024 if its dots group thousands" for a date
    ],
)
def test_a_rewrite_that_would_mislead_is_not_offered(cell, pattern):
    assert rules.pattern_problem(cell, pattern) == unrewritten(cell, pattern)


@pytest.mark.parametrize(
    ("cell", "told"),
    [
        # A tab (a table's column break) was told "write a line break as ¶", which it is not.
        ("Q1\t1311", "contains control characters (U+0009); write a tab as a space"),
        ("Q1\n1311", "contains control characters (U+000A); write a line break as ¶"),
        (
            "Q1\r\n1311\t7",
            "contains control characters (U+0009, U+000A, U+000D); write a line break as ¶ and a tab as a space",
        ),
        ("Q1\x001311", "contains control characters (U+0000); delete them (they print as nothing)"),
    ],
)
def test_a_control_character_is_told_what_to_write_instead(cell, told):
    assert rules.cell_problems(cell, numeric=False) == [told]


def test_a_record_quote_behind_a_byte_order_mark_is_checked_not_skipped():
    # lstrip() keeps U+FEFF: the record's period went unchecked, and its broken JSON passed.
    problems = rules.record_identity_problems(
        '\ufeff{"from": "20230101", "to": "20231231", "requests": 6', "", "ARE", "2024-01-01", "2024-12-31"
    )
    assert [field for field, _ in problems] == ["quote"] and "not JSON" in problems[0][1]


def test_a_record_quote_behind_a_no_break_space_is_read_and_its_whitespace_named():
    # JSON allows no U+00A0 before a record: "not JSON (Expecting value at character 1)" sent a
    # curator looking for a typo in a record that had none.
    quote = '\u00a0{"from": "20230101", "to": "20231231", "requests": 6}'
    assert rules.record_identity_problems(quote, "", "ARE", "2023-01-01", "2024-12-31") == [
        ("period_end", '2024-12-31 is not the quoted record\'s "to" (2023-12-31)')
    ]
    assert rules.cell_problems(quote, numeric=False) == [
        "has leading or trailing whitespace (U+00A0, which prints as a space)"
    ]
    assert rules.cell_problems(" 900", numeric=False) == ["has leading or trailing whitespace"]


@pytest.mark.parametrize(
    ("quote", "is_record", "not_json"),
    [
        # The Apple and Microsoft importers quote a row as a JSON array.
        ('["2016-H1","combined","Germany","accounts_specified","count",13755]', True, False),
        ("[“2016-H1”,“combined”,“Germany”,13755]", True, True),
        ("[“2016-H1”,“combined”,“Germany”,13755]", False, False),  # a press quote: an editor's bracket
        ("[…] handed over data on 900 users", False, False),
        ("{“from”: “20240101”}", False, True),
    ],
)
def test_a_record_quote_that_is_not_json_is_refused_array_or_object(quote, is_record, not_json):
    problems = rules.record_identity_problems(quote, "", "DEU", "2024-01-01", "2024-06-30", is_record=is_record)
    assert [field for field, _ in problems] == (["quote"] if not_json else [])


def test_a_record_quote_nested_too_deep_to_read_is_refused_where_it_is_deepest():
    # Python's JSON parser gives up near its recursion limit with a RecursionError, no ValueError:
    # this quote, within the quote's maxLength of 4,000, ended validation in a traceback.
    quote = '{"DE": ' + "[" * 1500 + "1500" + "]" * 1500 + "}"
    assert len(quote) < 4000
    assert rules.record_identity_problems(quote, "", "DEU", "2024-01-01", "2024-06-30") == [
        (
            "quote",
            "begins as a JSON record but is not JSON (1501 arrays and objects nested inside one another, too deep "
            "to read at character 1507, where it reads '[1500]]]]]]]'): quote the record as its file has it, so "
            "that its period and place can be checked",
        )
    ]
    row = "[" * 1500 + '"2016-H1","combined","Germany","accounts_specified","count",13755' + "]" * 1500
    locator = "microsoft-lerr.json period=2016-H1, country=Germany"
    assert rules.extraction_row_problems(locator, row, "accounts_specified", "exact", Decimal(13755)) == []
    assert rules.named_field_number('field "DE"', quote) is None


def test_json_value_names_the_deepest_bracket_outside_strings():
    text = '{"note": "[[[\\"[{", "rows":\n' + "[" * 1500 + "]" * 1500 + "}"
    with pytest.raises(json.JSONDecodeError) as raised:
        rules.json_value(text)
    assert raised.value.msg == "1501 arrays and objects nested inside one another, too deep to read"
    assert (raised.value.lineno, raised.value.colno) == (2, 1500)
    assert rules.json_value('{"a": [[1]]}') == {"a": [[1]]}


def test_json_value_names_a_whole_number_too_long_to_read_at_its_first_digit():
    # Python refuses to read a whole number of more than 4,300 digits with a ValueError that told
    # a curator to call sys.set_int_max_str_digits(), at no line; digits in a string are text.
    text = '{"note": "' + "1" * 5000 + '",\n "requests": ' + "9" * 5000 + "}"
    with pytest.raises(json.JSONDecodeError) as raised:
        rules.json_value(text)
    assert raised.value.msg == "a number of 5,000 digits, longer than a JSON reader takes (4,300)"
    assert (raised.value.lineno, raised.value.colno) == (2, 14)
    assert rules.json_value('["' + "1" * 5000 + '"]') == ["1" * 5000]


@pytest.mark.parametrize(
    ("quote", "told", "straight"),
    [
        ("{“from”: “20240101”}", "Expecting property name enclosed in double quotes at character 2)", True),
        ('{"from": "20240101", "note": “x”}', "Expecting value at character 30)", True),
        (
            '{"from": "20230101", "to": "20231231", "requests": 6',
            "Expecting ',' delimiter at character 53, its end: the record is cut short)",
            False,
        ),
        (
            '{"from": "20230101" "to": "20231231"}',
            """Expecting ',' delimiter at character 21, where it reads '"to": "20231'""",
            False,
        ),
        # A curly apostrophe inside a string is JSON: the trailing comma is the mistake.
        ('["2016-H1","Germany’s",13755,]', "Expecting value at character 30, where it reads ']')", False),
    ],
)
def test_straight_double_quotes_are_asked_for_only_when_curly_ones_broke_the_record(quote, told, straight):
    # Every broken record was told to use "straight double quotes", a missing comma or a record
    # cut short too: a curator looked for curly quotes that were not there.
    [(field, note)] = rules.record_identity_problems(quote, "", "DEU", "2024-01-01", "2024-06-30", is_record=True)
    assert field == "quote" and told in note
    assert ("straight double quotes" in note) == straight


@pytest.mark.parametrize(
    ("words", "shown"),
    [
        ("nearly 900", "'nearly 900'"),
        ("nearly\u00a01.500", "'nearly\\u00a01.500' (\\u00a0 is U+00A0 NO-BREAK SPACE)"),
        ("more than 2'253", '"more than 2\'253"'),
        (
            "1\u202f000~2\u00a0000",
            "'1\\u202f000~2\\u00a0000' (\\u00a0 is U+00A0 NO-BREAK SPACE; \\u202f is U+202F NARROW NO-BREAK SPACE)",
        ),
    ],
)
def test_words_from_a_quote_are_shown_with_what_prints_as_a_space_named(words, shown):
    # repr() printed a no-break space as \xa0 ("nearly\xa01.500", as if the number were a01.500),
    # which is not what the file holds, nor anything an editor finds.
    problem = rules.Problem("data/figures.csv", 6, "value", f"only as {rules.shown_words(words)}")
    assert str(problem) == f"data/figures.csv:6:value: only as {shown}"


@pytest.mark.parametrize(
    ("cell", "told"),
    [
        ("Press", ": 'Press' is written otherwise: write \"press\""),
        ("half yearly", ": 'half yearly' is written otherwise: write \"half-yearly\""),
        ("requests received", ": 'requests received' is written otherwise: write \"requests_received\""),
        ("newspaper", ""),
    ],
)
def test_an_enum_value_written_otherwise_is_told_the_one_meant(cell, told):
    allowed = ["press", "half-yearly", "requests_received"]
    assert rules.enum_problem(cell, allowed) == f"must be one of {allowed}{told}"


def test_outcome_counts_are_parts_of_the_requests_and_of_those_fulfilled():
    D = Decimal
    # Microsoft's 2013-H1 Argentina: 0 + 371 + 75 + 9 = 455 requests.
    argentina = {
        "requests_content_disclosed": D(0),
        "requests_non_content_disclosed": D(371),
        "requests_no_data_found": D(75),
        "requests_rejected": D(9),
    }
    assert rules.request_parts_problem("requests_received", D(455), argentina) is None
    # All four outcomes make up the requests received: one mistyped low leaves them short of it.
    short = rules.request_parts_problem("requests_received", D(500), argentina)
    assert short.startswith("500 requests_received differs from the sum of its parts") and "= 455" in short
    # Fewer than four are only a bound (a platform may count another outcome, as Dropbox does).
    three = {name: value for name, value in argentina.items() if name != "requests_rejected"}
    assert rules.request_parts_problem("requests_received", D(500), three) is None
    broken = {**argentina, "requests_non_content_disclosed": D(731)}  # a transposed part
    why = rules.request_parts_problem("requests_received", D(455), broken)
    assert why.startswith("455 requests_received is less than the sum of its parts") and "= 815" in why
    # Content and non-content only make up the requests fulfilled exactly.
    both = {"requests_content_disclosed": D(104), "requests_non_content_disclosed": D(0)}
    assert rules.request_parts_problem("requests_fulfilled", D(104), both) is None
    assert "differs from the sum of its parts" in rules.request_parts_problem("requests_fulfilled", D(105), both)
    assert rules.request_parts_problem("requests_fulfilled", D(105), {"requests_content_disclosed": D(104)}) is None
    assert rules.request_parts_problem("accounts_specified", D(1), broken) is None


def test_a_figure_from_a_json_extraction_row_is_read_from_its_own_count():
    D = Decimal
    # Apple's row quotes every measure: Germany's 2025 H1 account requests, 7 with content and
    # 2,039 with non-content only, side by side.
    apple_row = (
        "[24, 39, 1, 2889, 3832, null, 71.0, 255, null, 7, 2039, null, null, null, null, null, null, null, null]"
    )
    content = "apple-transparency.json rows[2462]: periods[24]='2025 H1', measures[6]='content_provided'"
    assert rules.extraction_row_problems(content, apple_row, "requests_content_disclosed", "exact", D(7)) == []
    swapped = rules.extraction_row_problems(content, apple_row, "requests_content_disclosed", "exact", D(2039))
    assert swapped == [
        (
            "value",
            'the quoted row of apple-transparency.json holds 7 at "content_provided", not 2039: '
            "the value of another count of the row",
        )
    ]
    misfiled = rules.extraction_row_problems(content, apple_row, "requests_non_content_disclosed", "exact", D(7))
    assert misfiled[0][0] == "metric_id" and '"noncontent_provided"' in misfiled[0][1]
    # Microsoft's row names its count: no data found is not content, even with the same number.
    no_data = '["2025-H1","criminal","USA","no_data_found","count",905]'
    locator = "microsoft-lerr.json rows: period=2025-H1, section=criminal, country=USA, metric=no_data_found"
    assert rules.extraction_row_problems(locator, no_data, "requests_no_data_found", "exact", D(905)) == []
    assert rules.extraction_row_problems(locator, no_data, "requests_no_data_found", "exact", D(945))[0][0] == "value"
    wrong = rules.extraction_row_problems(locator, no_data, "requests_content_disclosed", "exact", D(905))
    assert wrong[0][0] == "metric_id" and 'read at "no_data_found"' in wrong[0][1]
    # Other figures, and bands, are not this rule's.
    assert rules.extraction_row_problems("report.pdf p. 3", no_data, "requests_received", "exact", D(905)) == []
    assert rules.extraction_row_problems(locator, no_data, "requests_content_disclosed", "band", D(905)) == []


def test_a_record_quote_is_parsed_once_for_the_rules_that_read_it(monkeypatch):
    # The real package's record quotes are read by two rules each (60,147 parses for 16,502
    # records): the second finds it parsed. A quote that does not parse is kept by no one, and
    # says why each time.
    parsed = []
    original = rules.json_value

    def counted(text, **options):
        parsed.append(text)
        return original(text, **options)

    monkeypatch.setattr(rules, "json_value", counted)
    monkeypatch.setattr(rules, "_RECORDS", {})
    row = '["2025-H1","criminal","USA","no_data_found","count",905]'
    locator = "microsoft-lerr.json rows: period=2025-H1, section=criminal, country=USA, metric=no_data_found"
    assert rules.extraction_row_problems(locator, row, "requests_no_data_found", "exact", Decimal(905)) == []
    assert (
        rules.record_identity_problems(row, locator, "usa", date(2025, 1, 1), date(2025, 6, 30), is_record=True) == []
    )
    record = '{"from": "20240101", "to": "20240630", "requests": 14}'
    assert rules.named_field_number('bot reply, key "US", field "requests"', record) == ("requests", Decimal(14))
    problems = rules.record_identity_problems(record, 'bot reply, key "US"', "US", date(2024, 1, 1), date(2024, 12, 31))
    assert problems == [("period_end", '2024-12-31 is not the quoted record\'s "to" (2024-06-30)')]
    assert parsed == [row, record]
    broken = '{"from": "20240101", "to": 20240630'
    first = rules.record_identity_problems(broken, "", "US", "2024-01-01", "2024-06-30")
    assert first == rules.record_identity_problems(broken, "", "US", "2024-01-01", "2024-06-30")
    assert first[0][0] == "quote" and "not JSON" in first[0][1]
    assert parsed.count(broken) == 2
    # Bounded: the oldest is forgotten first.
    monkeypatch.setattr(rules, "RECORD_CACHE", 2)
    rules.remember_record("[3]", [3])
    assert list(rules._RECORDS) == [record, "[3]"]


def test_the_records_kept_parsed_move_no_nesting_limit(monkeypatch):
    # Python's JSON parser gives up at a nesting depth that depends on how deep the call stack
    # is: parsed through a wrapper (functools.lru_cache), a record 990 deep that a rule read
    # before was refused. Each rule parses a quote it has not seen as json_value does, called
    # at the same depth as here.
    monkeypatch.setattr(rules, "_RECORDS", {})

    def refused(text):
        try:
            rules.json_value(text)
        except ValueError:
            return True
        return False

    answers = set()
    for depth in range(900, 1100):
        quote = '{"from": ' + "[" * depth + "1" + "]" * depth + "}"
        problems = rules.record_identity_problems(quote, "", "US", "2024-01-01", "2024-06-30")
        assert bool(problems) == refused(quote), depth
        answers.add(bool(problems))
    assert answers == {True, False}


@pytest.mark.parametrize("platform, field", [("apple", "measure"), ("microsoft", "metric")])
def test_the_counts_validation_reads_are_the_ones_the_importers_map(platform, field):
    from disclosures.importers.core import read_mapping

    file = {"apple": "apple-transparency.json", "microsoft": "microsoft-lerr.json"}[platform]
    mapped = {
        (row["maps_to"], row["label"])
        for row in read_mapping(platform).rows.values()
        if row["field"] == field and row["maps_to"]
    }
    read = {(metric, label) for metric, labels in rules.EXTRACTION_MEASURES[file].items() for label in labels}
    assert read == mapped


# A platform's search log -----------------------------------------------------------------------


@pytest.mark.parametrize(
    "log",
    [
        "Searched again on 2026-12-05, with nothing newer found.",
        "No stored copy was found (searched on 2026-12-03 and 2026-12-04: the pages end in 2024).",
        "(checked 2026-12-04: no data/cloudflare folder)",
        "2024-02-29 was searched.",
    ],
)
def test_a_search_log_naming_the_day_of_a_search_passes(log):
    assert rules.search_log_problems(log) == []


@pytest.mark.parametrize("log", [None, ""])
def test_an_empty_search_log_passes(log):
    assert rules.search_log_problems(log) == []


def test_a_search_log_naming_a_day_after_today_is_refused_and_today_itself_passes():
    log = "Searched on 2026-12-04 and 2026-12-06; again on 2026-12-07 and 2027-12-05 (typed for 2026)."
    assert rules.search_log_problems(log, today=date(2027, 12, 5)) == []
    (message,) = rules.search_log_problems(log, today=date(2026, 12, 6))
    assert message == (
        "names 2026-12-07, 2027-12-05, after the day of this validation (UTC): a search is logged once it is "
        "made; write the day each search was made"
    )
    # A day that is no day of the calendar is not read as one, in the future or not.
    assert rules.search_log_problems("Searched on 2026-12-05, not 2026-12-32.", today=date(2026, 12, 6)) == []


@pytest.mark.parametrize(
    ("resource", "field", "why"),
    [
        ("corrections", "corrected_date", "a correction is dated the day the curator made it"),
        ("sources", "retrieved_date", "a source is read on a day already come"),
        ("sources", "published_date", "a source is published before a curator can read it"),
        ("platforms", "published_up_to_checked", "a claim is checked on a day already come"),
        ("events", "event_date", "an event is recorded once a source has reported it"),
        ("cases", "disclosed_date", "a case is recorded once it was made public"),
    ],
)
def test_a_recorded_day_after_today_is_refused_and_today_itself_passes(resource, field, why):
    row = {field: "2026-12-07"}
    assert rules.past_day_problems(resource, row, today=date(2026, 12, 7)) == []
    assert rules.past_day_problems(resource, row, today=date(2026, 12, 6)) == [
        (field, f"is 2026-12-07, after the day of this validation (UTC): {why}, so write the day it was")
    ]
    assert rules.past_days(resource, row) == ["2026-12-07"]


def test_a_period_end_may_name_a_day_after_today():
    # A period's end says what a report covers, not when anything was done: held to its
    # source's retrieval instead, it is no field of PAST_DAYS.
    for resource in ("figures", "authority_reports"):
        assert rules.past_day_problems(resource, {"period_end": "2999-12-31"}, today=date(2026, 12, 6)) == []
    assert rules.past_day_problems("platforms", {"published_up_to": "2999-12-31"}, today=date(2026, 12, 6)) == []


def test_a_month_or_year_is_after_today_only_from_its_first_day_on():
    # A source published "2026-12" may have been published on the 1st: it passes in December.
    assert rules.past_day_problems("sources", {"published_date": "2026-12"}, today=date(2026, 12, 1)) == []
    assert rules.past_day_problems("sources", {"published_date": "2027"}, today=date(2027, 1, 1)) == []
    ((field, message),) = rules.past_day_problems("cases", {"disclosed_date": "2027-01"}, today=date(2026, 12, 31))
    assert (field, message.split(",")[0]) == ("disclosed_date", "is 2027-01")
    assert rules.past_days("sources", {"published_date": "2027", "retrieved_date": "2026-12-05"}) == [
        "2027-01-01",
        "2026-12-05",
    ]
    # A platform's days include those its search log names.
    assert rules.past_days(
        "platforms", {"published_up_to_checked": "2026-12-01", "search_log": "Searched on 2026-12-05."}
    ) == ["2026-12-01", "2026-12-05"]
    # Empty and malformed cells are the schema checks' to report.
    for cell in ("", None, "2026-02-30", "2026-13", "7 December 2026"):
        assert rules.past_day_problems("corrections", {"corrected_date": cell}, today=date(2026, 1, 1)) == []
        assert rules.past_days("corrections", {"corrected_date": cell}) == []


def test_a_search_log_is_judged_on_the_day_in_utc(monkeypatch):
    class Clock(datetime):
        @classmethod
        def now(cls, tz=None):
            # 23:30 on 6 December in UTC is already 7 December east of it.
            return datetime(2026, 12, 6, 23, 30, tzinfo=UTC).astimezone(tz)

    monkeypatch.setattr(rules, "datetime", Clock)
    assert rules.utc_today() == date(2026, 12, 6)
    assert rules.search_log_problems("Searched on 2026-12-06.") == []
    assert rules.search_log_problems("Searched on 2026-12-07.")[0].startswith("names 2026-12-07, after")


@pytest.mark.parametrize(
    "log",
    [
        "Searched again in December, with nothing newer found.",
        "Searched on 5 December 2026: the pages corpus.",
        "Searched on 2026/12/05 and 05.12.2026.",
        "Searched on 2026-12: nothing newer.",
        # Shaped as a date, but no day of the calendar.
        "Searched on 2026-02-30 and 2026-13-01.",
        # Inside a longer run of digits or a hash, not a date written for a reader.
        "Commit 12026-12-05a holds nothing newer.",
    ],
)
def test_a_search_log_naming_no_day_as_iso_is_told_how_to_date_it(log):
    (message,) = rules.search_log_problems(log)
    assert message.startswith("names no day as YYYY-MM-DD")
    assert "how current" in message


@pytest.mark.parametrize(
    ("log", "named"),
    [
        ("Searched on 2026-12-05: the pages corpus in English.", "corpus"),
        ("Searched on 2026-12-05: the code and issues corpora.", "corpora"),
        ("Searched on 2026-12-05: find_string for 'Law Enforcement Information Requests'.", "find_string"),
        ("Searched on 2026-12-05: the Code Corpus and read_file.", "corpus, read_file"),
    ],
)
def test_a_search_log_naming_the_curators_tools_is_refused(log, named):
    (message,) = rules.search_log_problems(log, today=date(2026, 12, 6))
    assert message.startswith(f"names the curators' search tools ({named})")
    assert "stored web pages" in message


def test_a_search_log_in_a_readers_words_passes_and_corporation_is_no_corpus():
    log = (
        "Searched on 2026-12-05: the stored web pages in English and Japanese for LY Corporation's report, "
        "the stored repository files and GitHub issue threads, and an exact-text search of the stored repository files."
    )
    assert rules.search_log_problems(log, today=date(2026, 12, 6)) == []


@pytest.mark.parametrize(
    ("metric", "wording", "refused"),
    [
        # A newcomer's "Requests received from Canada" on a Telegram requests_fulfilled figure passed.
        ("requests_fulfilled", "Requests received from Canada for IP address and/or phone number", True),
        ("requests_complied", "Orders received", True),
        ("requests_fulfilled", "Requests RECEIVED", True),
        # Wordings that also say what came of the requests are the platforms' own.
        ("requests_fulfilled", "Requests received and fulfilled", False),
        ("requests_fulfilled", "Requests received: some information produced", False),
        ("requests_fulfilled", "Device Requests Received where Data Provided", False),
        ("requests_fulfilled", "Requests received with data", False),
        ("requests_complied", "Orders received and complied with", False),
        ("requests_fulfilled", "Fulfilled requests from Germany", False),
        ("requests_received", "Requests received", False),
        ("accounts_affected", "Accounts received", False),
    ],
)
def test_a_fulfilled_figure_worded_only_as_received_is_refused(metric, wording, refused):
    problems = rules.wording_problems(metric, wording)
    assert bool(problems) is refused
    if refused:
        assert problems[0][0] == "metric_id" and "is requests_received" in problems[0][1]


def test_no_figure_of_the_data_is_worded_only_as_received_where_it_counts_fulfilled_requests():
    # The rule refuses none of the platforms' own wordings recorded so far.
    with (paths.ROOT / "data" / "figures.csv").open(encoding="utf-8", newline="") as f:
        refused = [
            row["figure_id"]
            for row in csv.DictReader(f)
            if rules.wording_problems(row["metric_id"], row["platform_wording"])
        ]
    assert refused == []


@pytest.mark.parametrize(
    ("share", "part", "whole"),
    [
        ("88", 7, 8),  # 87.5 rounded up
        ("87", 7, 8),  # or cut
        ("33.33", 1, 3),
        ("66.66", 2, 3),  # cut
        ("66.67", 2, 3),  # rounded
        ("80", 3565, 4479),  # Apple's U.S. share of January-June 2017
        ("0", 0, 12),
        ("100", 12, 12),
    ],
)
def test_a_share_its_counts_round_or_cut_to_passes(share, part, whole):
    assert (
        rules.share_of_counts_problem("percent_requests_some_data", Decimal(share), Decimal(part), Decimal(whole))
        is None
    )


@pytest.mark.parametrize(
    ("share", "part", "whole", "shown"),
    [
        # MacRumors's worldwide share of January-June 2017 beside its own worldwide counts.
        ("80", 23856, 30814, "(77.42%) rounded or cut to a whole percent"),
        ("33.32", 1, 3, "(33.33%) rounded or cut to 2 decimals"),
        # One unit up is neither rounded nor cut (X's 52.8206% is not 52.83).
        ("33.34", 1, 3, "(33.33%) rounded or cut to 2 decimals"),
        ("81.5", 1200, 1500, "(80%) rounded or cut to 1 decimal"),
    ],
)
def test_a_share_its_counts_do_not_make_is_refused_with_both_numbers(share, part, whole, shown):
    why = rules.share_of_counts_problem("percent_requests_some_data", Decimal(share), Decimal(part), Decimal(whole))
    assert why is not None and shown in why
    assert f"requests_fulfilled {part} of requests_received {whole}" in why
    assert "inconsistent_parts" in why


@pytest.mark.parametrize(("share", "part", "whole"), [("50", 1, 0), ("50", 13, 12), ("181.5", 1, 2)])
def test_a_share_other_rules_refuse_is_left_to_them(share, part, whole):
    # No requests, more requests with data than requests, a share above 100: each has its own message.
    assert (
        rules.share_of_counts_problem("percent_requests_some_data", Decimal(share), Decimal(part), Decimal(whole))
        is None
    )


@pytest.mark.parametrize(
    ("value", "text", "found"),
    [
        # The Indian press groups lakhs and crores by twos.
        ("163823", "Meta received 1,63,823 requests from Indian authorities", True),
        ("12345678", "a total of 1,23,45,678 accounts", True),
        ("100000", "over 1,00,000 requests", True),
        # Only the whole number: its tail is no value of its own.
        ("63823", "Meta received 1,63,823 requests", False),
        ("823", "Meta received 1,63,823 requests", False),
        # Below a lakh the grouping is the English one.
        ("10918", "10,918 requests", True),
    ],
)
def test_a_count_grouped_as_the_indian_press_groups_it_is_in_the_quote(value, text, found):
    assert rules.value_in_text(Decimal(value), text) is found
