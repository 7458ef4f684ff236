"""Layer (a): one lookup of the reported count of a group and period, over the derivation's
groups of rows and the build's groups of row indices."""

from datetime import date
from decimal import Decimal

from disclosures import build, derive, table_schema

UNITS = {"requests_received": "count", "percent_requests_some_data": "percent"}
FIELDS = [
    "figure_id",
    "platform_id",
    "jurisdiction_id",
    "period_start",
    "period_end",
    "request_type_id",
    "metric_id",
    "value_kind",
    "value",
]
H1, YEAR, H2 = ("2024-01-01", "2024-06-30"), ("2024-01-01", "2024-12-31"), ("2024-07-01", "2024-12-31")


def figure(figure_id, period, metric, kind, value):
    return (figure_id, "p", "USA", *period, "all", metric, kind, value)


ROWS = [
    # An exact figure with no value is no count: the next of its period is the one reported.
    figure("h1-empty", H1, "requests_received", "exact", None),
    figure("h1-first", H1, "requests_received", "exact", Decimal("5")),
    figure("h1-again", H1, "requests_received", "exact", Decimal("7")),
    figure("year-band", YEAR, "requests_received", "band", None),
    figure("year", YEAR, "requests_received", "exact", Decimal("12")),
    figure("h1-share", H1, "percent_requests_some_data", "exact", Decimal("80")),
]


def asked():
    """Every (group, period) the rows have, and some they lack."""
    groups = {("p", "USA", "all", metric) for metric in UNITS} | {("p", "DEU", "all", "requests_received")}
    periods = [H1, YEAR, H2]
    return [(group, tuple(map(date.fromisoformat, period))) for group in sorted(groups) for period in periods]


def test_the_build_and_the_derivation_read_one_lookup_and_get_the_same_counts():
    table = table_schema.Table("figures", FIELDS, [tuple(row) for row in ROWS])
    by_index = derive.reported_count_lookup(build.exact_groups(table), build.reported_count_of(table, UNITS))
    dicts = [dict(zip(FIELDS, row, strict=True)) for row in ROWS]
    by_row = derive.reported_count_lookup(derive.exact_count_groups(dicts, UNITS))

    def answer(found):
        return None if found is None else (found["figure_id"], found["value"])

    answers = {(group, period): answer(by_index(group, period)) for group, period in asked()}
    assert answers == {(group, period): answer(by_row(group, period)) for group, period in asked()}
    received = ("p", "USA", "all", "requests_received")
    h1, year = (tuple(map(date.fromisoformat, period)) for period in (H1, YEAR))
    assert answers[(received, h1)] == ("h1-first", Decimal("5"))  # the first with a value, as validation takes it
    assert answers[(received, year)] == ("year", Decimal("12"))  # not the band
    assert answers[(("p", "USA", "all", "percent_requests_some_data"), h1)] is None  # a share, not a count
    assert sum(found is not None for found in answers.values()) == 2
