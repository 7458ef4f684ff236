"""A complement that would be negative (its part more than its whole) is not derived, and says
so: layer (a) on tiny inputs, layer (b) the build of a fixture package into tmp_path."""

from datetime import date
from decimal import Decimal

from click.testing import CliRunner

from disclosures import build, derive
from disclosures.vocabulary import DATABASE_FILE
from tests.conftest import cli_module, rows
from tests.packages import make_package

UNITS = {"requests_received": "count"}
YEAR, H1 = ("2024-01-01", "2024-12-31"), ("2024-01-01", "2024-06-30")


def figure(figure_id, period, value):
    return {
        "figure_id": figure_id,
        "platform_id": "p",
        "jurisdiction_id": "ARG",
        "request_type_id": "mlat",
        "metric_id": "requests_received",
        "period_start": period[0],
        "period_end": period[1],
        "value_kind": "exact",
        "value": Decimal(value),
        "notes": "",
    }


def test_a_part_more_than_its_whole_is_named_with_its_reason_not_dropped():
    whole, part = figure("p-arg-2024-mlat-requests_received", YEAR, "1"), figure("p-arg-h1", H1, "5")
    staged = derive.StagedDerivation([whole, part], UNITS)
    assert staged.derived() == [] and staged.keys == []
    (left_out,) = staged.left_out
    assert left_out.group == ("p", "ARG", "mlat", "requests_received")
    assert left_out.period == (date(2024, 7, 1), date(2024, 12, 31))
    assert (left_out.whole["figure_id"], left_out.part["figure_id"]) == (whole["figure_id"], "p-arg-h1")
    assert left_out.reason == (
        "The part p-arg-h1 (5) is more than its whole p-arg-2024-mlat-requests_received (1): 2024h2 would be"
        " 1 − 5 = -4, a negative count, so no figure is derived for it. The platform's own figures are"
        " inconsistent (a disagreement of kind inconsistent_parts records it); which of them is off is not known."
    )


def test_a_part_equal_to_its_whole_leaves_a_complement_of_zero_and_nothing_left_out():
    whole, part = figure("p-arg-2024-mlat-requests_received", YEAR, "5"), figure("p-arg-h1", H1, "5")
    staged = derive.StagedDerivation([whole, part], UNITS)
    (rest,) = staged.derived()
    assert rest.row["value"] == 0 and rest.row["period_start"] == "2024-07-01"
    assert staged.left_out == []


def test_a_period_another_whole_derives_is_not_left_out():
    # Two wholes of one year (a duplicate validation refuses, read here as the rule reads it):
    # the first, by figure id, leaves a negative rest; the second gives the rest a figure.
    first, second = figure("p-a-2024", YEAR, "1"), figure("p-b-2024", YEAR, "9")
    staged = derive.StagedDerivation([first, second, figure("p-arg-h1", H1, "5")], UNITS)
    (rest,) = staged.derived()
    assert rest.row["derivation"] == "p-b-2024 - p-arg-h1" and rest.row["value"] == 4
    assert staged.left_out == []


def test_the_build_of_a_package_whose_part_exceeds_its_whole_has_one_row_left_out_and_no_derived_figure(
    tmp_path,
):
    package = make_package(tmp_path / "package", "part_exceeds_whole_recorded")
    result = CliRunner().invoke(cli_module().cli, ["build", "--package", str(package), "--out", str(tmp_path / "out")])
    assert result.exit_code == 0, result.output
    assert result.output.splitlines()[1] == (
        "1 complement(s) not derived: a part is more than its whole, so the rest would be a negative count"
        " (each named in the derivations_left_out table, with its reason)"
    )
    db = tmp_path / "out" / DATABASE_FILE
    whole = "examplechat-usa-2024-ip_or_phone-requests_fulfilled"
    part = "examplechat-usa-20240101-20240930-ip_or_phone-requests_fulfilled"
    (row,) = rows(db, "SELECT * FROM derivations_left_out")
    assert row[:9] == (
        "examplechat",
        "USA",
        "ip_or_phone",
        "requests_fulfilled",
        "2024-10-01",
        "2024-12-31",
        "2024q4",
        whole,
        part,
    )
    assert row[9].startswith(f"The part {part} (14) is more than its whole {whole} (9): 2024q4 would be 9 − 14 = -5")
    derived = "SELECT figure_id FROM figures WHERE is_derived = 1 AND metric_id = ? ORDER BY figure_id"
    assert rows(db, derived, "requests_fulfilled") == []
    # The group beside it, whose part is within its whole, is derived as before.
    assert rows(db, derived, "accounts_affected") == [("examplechat-usa-2024q4-ip_or_phone-accounts_affected-derived",)]
    assert rows(db, "SELECT row_count FROM table_counts WHERE table_name = 'derivations_left_out'") == [(1,)]


def test_a_build_with_nothing_left_out_has_the_table_empty_and_says_nothing(tmp_path):
    db = build.build_database(make_package(tmp_path / "package"), tmp_path / DATABASE_FILE)
    assert rows(db, "SELECT count(*) FROM derivations_left_out") == [(0,)]
    assert rows(
        db,
        "SELECT value FROM figures WHERE figure_id = ?",
        "examplechat-usa-2024q4-ip_or_phone-requests_fulfilled-derived",
    ) == [(886,)]
    result = CliRunner().invoke(
        cli_module().cli,
        ["build", "--package", str(tmp_path / "package" / "datapackage.json"), "--out", str(tmp_path / "out")],
    )
    assert result.exit_code == 0, result.output
    assert len(result.output.splitlines()) == 1 and "not derived" not in result.output
