"""Layer (a): derived counts by outcome against their whole (rules.REQUEST_PARTS), on tiny inputs."""

from decimal import Decimal

from disclosures import derive

UNITS = {"requests_received": "count", "requests_rejected": "count", "requests_content_disclosed": "count"}
YEAR, JAN_SEP, Q4 = ("2024-01-01", "2024-12-31"), ("2024-01-01", "2024-09-30"), ("2024-10-01", "2024-12-31")


def figure(label, period, metric, value):
    return {
        "figure_id": f"p-usa-{label}-all-{metric}",
        "platform_id": "p",
        "jurisdiction_id": "USA",
        "request_type_id": "all",
        "metric_id": metric,
        "period_start": period[0],
        "period_end": period[1],
        "value_kind": "exact",
        "value": Decimal(value),
        "notes": "",
    }


def cumulative_reports(rejected_in_year):
    """A yearly report and the Jan–Sep report before it, each passing the rule on its own:
    received 100 and 90, rejected ``rejected_in_year`` and 45."""
    return [
        figure("2024", YEAR, "requests_received", "100"),
        figure("2024", YEAR, "requests_rejected", rejected_in_year),
        figure("20240101-20240930", JAN_SEP, "requests_received", "90"),
        figure("20240101-20240930", JAN_SEP, "requests_rejected", "45"),
    ]


def q4(derived):
    return {d.row["metric_id"]: d.row for d in derived if d.row["period_start"] == Q4[0]}


def test_complements_by_outcome_that_add_up_say_nothing_more():
    made = q4(derive.all_derived(cumulative_reports("50"), UNITS))
    assert {m: r["value"] for m, r in made.items()} == {"requests_received": 10, "requests_rejected": 5}
    assert all("do not add up" not in r["notes"] for r in made.values())


def test_complements_that_leave_more_rejected_than_received_say_so_and_keep_their_values():
    # The platform's year has 60 rejected, its Jan-Sep 45: a revision between the reports leaves
    # Oct-Dec with 15 rejected of 10 received, while each report alone passes (60 <= 100, 45 <= 90).
    reported = cumulative_reports("60")
    before = [dict(row) for row in reported]
    made = q4(derive.all_derived(reported, UNITS))
    assert {m: r["value"] for m, r in made.items()} == {"requests_received": 10, "requests_rejected": 15}
    said = (
        " This period's counts by outcome do not add up to its requests_received: requests_rejected 15"
        " (p-usa-2024q4-all-requests_rejected-derived) = 15 against 10 (p-usa-2024q4-all-requests_received-derived),"
        " more than the whole, and no request has two of these outcomes. A figure derived by subtraction takes"
        " one report's part from another report's whole, so where the platform revised a count between its"
        " reports, or its reports count differently, the differences need not add up; each figure is what the"
        " platform's numbers give, and which of them is off is not known."
    )
    for row in made.values():
        assert row["notes"].endswith(said), row["figure_id"]
        assert row["notes"].startswith("Derived by the build: ")
    assert reported == before  # reported figures are read, never changed
    staged = derive.StagedDerivation(reported, UNITS)
    assert staged.derived() == staged.derived()  # asked twice, said once


def test_a_complement_beside_a_reported_part_of_its_period_is_checked_against_it():
    # Oct-Dec's rejected is reported on its own (a series with no whole to take it from); the
    # received derived for Oct-Dec (100 - 90) is fewer.
    reported = [
        figure("2024", YEAR, "requests_received", "100"),
        figure("20240101-20240930", JAN_SEP, "requests_received", "90"),
        figure("2024q4", Q4, "requests_rejected", "12"),
    ]
    (received,) = derive.all_derived(reported, UNITS)
    assert received.row["value"] == 10
    assert "requests_rejected 12 (p-usa-2024q4-all-requests_rejected) = 12 against 10" in received.row["notes"]
    assert reported[2]["notes"] == ""
    # Twelve rejected of twelve received is no contradiction.
    reported[0]["value"] = Decimal("102")
    (received,) = derive.all_derived(reported, UNITS)
    assert "do not add up" not in received.row["notes"]


def test_an_exhaustive_set_of_derived_outcomes_that_differs_from_its_whole_says_so():
    # All four outcomes make up the requests received, so two reports whose own do leave a
    # complement whose own do; Jan-Sep's that add up to 91 of 90 (published so, a disagreement
    # recording it) leave Oct-Dec's adding up to 9 of 10.
    outcomes = ("requests_content_disclosed", "requests_non_content_disclosed", "requests_no_data_found")
    units = dict.fromkeys((*UNITS, *outcomes), "count")
    reported = cumulative_reports("50")
    for metric, year_value, jan_sep_value in zip(outcomes, ("20", "20", "10"), ("15", "20", "10"), strict=True):
        reported.append(figure("2024", YEAR, metric, year_value))
        reported.append(figure("20240101-20240930", JAN_SEP, metric, jan_sep_value))
    made = q4(derive.all_derived(reported, units))
    assert [made[m]["value"] for m in ("requests_received", *outcomes, "requests_rejected")] == [10, 5, 0, 0, 5]
    assert all("do not add up" not in row["notes"] for row in made.values())
    reported[5]["value"] = Decimal("16")
    made = q4(derive.all_derived(reported, units))
    assert made["requests_content_disclosed"]["value"] == 4
    for row in made.values():
        assert "= 9 against 10 (p-usa-2024q4-all-requests_received-derived), not the whole" in row["notes"]
