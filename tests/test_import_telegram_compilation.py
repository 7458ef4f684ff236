"""The Telegram compilation importer on a fixture excerpt: records, the compiler's arithmetic, the plan.

The fixture (tests/fixtures/importers/telegram-compilation/dataset.json) is written for these tests
in the compilation's layout. Its quirks: a Q4 2024 that is the 2024 report minus the Jan-Sep one,
a full-year 2025 that is the sum of its quarters, a 2024 report whose quarters add up to it (still a
report), a Q4 whose users are not the difference (GBR), a Jan-Jun without quarters (ARG) and one
that is Q1 + Q2 (MDA), an irregular Apr-Sep (ARE), an unknown code, a null count, a malformed
date, and one country key twice.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from disclosures.files import csv_text, read_csv
from disclosures.importers import ImportFailed, figure_id_for, write_plan
from disclosures.importers import telegram_compilation as tc
from disclosures.importers.core import FIGURE_FIELDS
from disclosures.importers.registry import FORMATS
from disclosures.paths import ROOT

FIXTURE = Path(__file__).resolve().parent / "fixtures" / "importers" / "telegram-compilation" / "dataset.json"
SOURCE = "te-k-fixture-dataset"
BOT = "bot-fixture-text"


@pytest.fixture(scope="module")
def parsed():
    return tc.parse(FIXTURE)


def by_id(records):
    return {figure_id_for(r): r for r in records}


# Parsing ---------------------------------------------------------------------------------


def test_each_record_gives_requests_and_users_with_its_line_and_exact_text(parsed):
    records = by_id(parsed.records)
    requests = records["telegram-usa-20240101-20240930-ip_or_phone-requests_fulfilled"]
    users = records["telegram-usa-20240101-20240930-ip_or_phone-accounts_affected"]
    assert (requests.value, users.value) == ("14", "108")
    assert requests.quote == '{"from": "20240101", "to": "20240930", "requests": 14, "users": 108}'
    assert requests.source_locator == (
        'dataset.json line 3, key "USA" entry 1 (from 20240101 to 20240930), field "requests"'
    )
    # The bot's own name for the country, as other sources quote it verbatim (never "[country]"):
    # its 2024 reports wrote "the United States of America", its reports from 2025 on did not.
    assert (
        requests.platform_wording
        == "Fulfilled requests from the United States of America for IP address and/or phone number"
    )
    assert (
        records["telegram-usa-2025q1-ip_or_phone-requests_fulfilled"].platform_wording
        == "Fulfilled requests from United States of America for IP address and/or phone number"
    )
    assert users.platform_wording == "Affected users"
    assert (requests.period_start, requests.period_end) == ("2024-01-01", "2024-09-30")


def test_irregular_periods_keep_their_own_ids(parsed):
    records = by_id(parsed.records)
    half = records["telegram-arg-2025h1-ip_or_phone-requests_fulfilled"]
    assert (half.period_start, half.period_end, half.value) == ("2025-01-01", "2025-06-30", "1")
    assert "H1 2025" in half.notes
    odd = records["telegram-are-20250401-20250930-ip_or_phone-accounts_affected"]
    assert (odd.period_start, odd.period_end, odd.value) == ("2025-04-01", "2025-09-30", "0")
    assert "irregular period" in odd.notes and "Zero as given" in odd.notes


def test_the_compilers_arithmetic_is_never_a_record(parsed):
    arithmetic = {
        (a.record.jurisdiction_id, a.record.period_start, a.record.period_end): a.how for a in parsed.arithmetic
    }
    assert arithmetic == {
        ("USA", "2024-10-01", "2024-12-31"): "line 5 minus line 3",
        ("USA", "2025-01-01", "2025-12-31"): "the sum of lines 6, 7, 8, 9",
        ("FRA", "2024-10-01", "2024-12-31"): "line 18 minus line 16",
        # The users do not add up (293 - 7 = 286, not 292): the requests do, so it is still arithmetic.
        ("GBR", "2024-10-01", "2024-12-31"): "line 23 minus line 21",
        ("MDA", "2025-01-01", "2025-06-30"): "the sum of lines 30, 32",
    }
    records = by_id(parsed.records)
    # The bot's cumulative reports stay reports even where quarters add up to them.
    assert records["telegram-fra-2024-ip_or_phone-requests_fulfilled"].value == "893"
    assert records["telegram-fra-20240101-20240930-ip_or_phone-requests_fulfilled"].value == "220"
    # Q1 + Q2 of Moldova are reports; their sum is not.
    assert records["telegram-mda-2025q2-ip_or_phone-accounts_affected"].value == "0"


def test_bad_records_are_skipped_with_a_reason(parsed):
    reasons = {skip.source_locator: skip.reason for skip in parsed.skips}
    assert reasons == {
        'dataset.json line 38, key "ZZZ" entry 1': "'ZZZ' is not an ISO alpha-3 code in jurisdictions",
        'dataset.json line 41, key "EST" entry 1 (from 20240101 to 20240930), field "users"': (
            "users is None, not a count"
        ),
        'dataset.json line 42, key "EST" entry 2': "'from' is not a YYYYMMDD date: not a period",
    }
    assert "telegram-est-20240101-20240930-ip_or_phone-requests_fulfilled" in by_id(parsed.records)


def test_a_file_not_laid_out_one_record_per_line_is_refused(tmp_path):
    path = tmp_path / "dataset.json"
    path.write_text('{"USA": [{"from": "20240101", "to": "20240930", "requests": 14, "users": 108}]}\n')
    with pytest.raises(ImportFailed, match="one record per line"):
        tc.parse(path)


def test_the_format_is_registered_with_its_planner():
    assert FORMATS["telegram-compilation"].plan is tc.plan


# Planning against a small data/ ----------------------------------------------------------

SOURCES = [
    {
        "source_id": SOURCE,
        "title": "Fixture compilation",
        "publisher": "Fixture",
        "url": "https://example.org/dataset.json",
        "retrieved_date": "2026-11-30",
        "kind": "compilation",
        "licence": "CC-BY-4.0",
    },
    {
        "source_id": BOT,
        "title": "Fixture bot text",
        "publisher": "Fixture",
        "url": "https://example.org/issue",
        "retrieved_date": "2026-11-30",
        "kind": "bot_output",
    },
]


def reported(jurisdiction, start, end, label, metric, value):
    return {
        "figure_id": f"telegram-{jurisdiction.lower()}-{label}-ip_or_phone-{metric}",
        "platform_id": "telegram",
        "jurisdiction_id": jurisdiction,
        "period_start": start,
        "period_end": end,
        "request_type_id": "ip_or_phone",
        "metric_id": metric,
        "value_kind": "exact",
        "value": value,
        "platform_wording": "Fixture",
        "source_id": BOT,
        "source_locator": "",
        "quote": f"Q4 — {value}",
        "notes": "",
    }


@pytest.fixture
def data_dir(tmp_path):
    folder = tmp_path / "data"
    folder.mkdir()
    for name in ("platforms", "jurisdictions", "request_types", "metrics"):
        shutil.copy(ROOT / "data" / f"{name}.csv", folder / f"{name}.csv")
    for name in ("sources", "corrections", "corroborations", "disagreements"):
        header = (ROOT / "data" / f"{name}.csv").read_text(encoding="utf-8").splitlines()[0]
        (folder / f"{name}.csv").write_text(header + "\n", encoding="utf-8")
    header = (folder / "sources.csv").read_text(encoding="utf-8").splitlines()[0].split(",")
    (folder / "sources.csv").write_text(csv_text(header, SOURCES), encoding="utf-8")
    # The bot's own text gave France's Q4 2024: the compiler's subtraction corroborates it.
    figures = [
        reported("FRA", "2024-10-01", "2024-12-31", "2024q4", "requests_fulfilled", "673"),
        reported("FRA", "2024-10-01", "2024-12-31", "2024q4", "accounts_affected", "1386"),
    ]
    (folder / "figures.csv").write_text(csv_text(FIGURE_FIELDS, figures), encoding="utf-8")
    return folder


def test_plan_corroborates_what_the_build_derives_and_asks_for_the_rest(parsed, data_dir):
    plan = tc.plan(parsed, SOURCE, data_dir)
    corroborations = {row["figure_id"]: row for row in plan.corroborations}
    # Q4 2024 = 2024 - Jan-Sep: the build derives it from the two reports this plan adds.
    usa_q4 = corroborations["telegram-usa-2024q4-ip_or_phone-requests_fulfilled-derived"]
    assert usa_q4["quote"] == '{"from": "20241001", "to": "20241231", "requests": 886, "users": 2145}'
    assert usa_q4["source_locator"].startswith('dataset.json line 4, key "USA" entry 2')
    assert "line 5 minus line 3" in usa_q4["notes"]
    assert "telegram-gbr-2024q4-ip_or_phone-requests_fulfilled-derived" in corroborations
    # Where the bot's text gave the period, the compilation corroborates that figure instead.
    assert {
        "telegram-fra-2024q4-ip_or_phone-requests_fulfilled",
        "telegram-fra-2024q4-ip_or_phone-accounts_affected",
    } <= set(corroborations)
    added = {row["figure_id"] for row in plan.adds}
    assert not any("2024q4" in figure_id for figure_id in added)
    assert not any(figure_id.endswith("-derived") for figure_id in added)
    assert "telegram-mda-2025h1-ip_or_phone-requests_fulfilled" not in added
    assert {
        "telegram-arg-2025h1-ip_or_phone-requests_fulfilled",
        "telegram-mda-2025q2-ip_or_phone-requests_fulfilled",
    } <= added

    # GBR's users (292) are not 293 - 7, and Moldova's Jan-Jun is a sum nobody derives: the plan
    # writes nothing for them and says what to record.
    pending = {s.source_locator: s.reason for s in plan.skips if s.reason.startswith("not recorded")}
    gbr_users = 'dataset.json line 22, key "GBR" entry 2 (from 20241001 to 20241231), field "users"'
    assert (
        "gives 292, and the build derives 286 (telegram-gbr-2024q4-ip_or_phone-accounts_affected-derived)"
        in (pending[gbr_users])
    )
    assert any('key "MDA" entry 2' in locator for locator in pending)


def test_every_arithmetic_record_is_a_corroboration_exactly_when_the_build_derives_its_value(parsed, data_dir):
    plan = tc.plan(parsed, SOURCE, data_dir)
    figures = read_csv(data_dir / "figures.csv") + plan.adds
    derived = tc.derived_figures(figures, data_dir)
    corroborated = {(row["figure_id"], row["source_locator"]) for row in plan.corroborations}
    pending = {s.source_locator for s in plan.skips}
    for item in parsed.arithmetic:
        record = item.record
        if figure_id_for(record) in {f["figure_id"] for f in read_csv(data_dir / "figures.csv")}:
            continue  # reported by the bot's text (France): corroborates that figure
        row = derived.get(tc._natural_key(record.__dict__))
        if row is not None and str(row["value"]) == record.value:
            assert (row["figure_id"], record.source_locator) in corroborated
        else:
            assert record.source_locator in pending


def test_a_recorded_disagreement_accounts_for_the_arithmetic(parsed, data_dir):
    plan = tc.plan(parsed, SOURCE, data_dir)
    pending = [s for s in plan.skips if s.reason.startswith("not recorded")]
    records = {a.record.source_locator: a.record for a in parsed.arithmetic}
    rows = [
        {
            "disagreement_id": f"fixture-{i}",
            "figure_id": "",
            "source_id": SOURCE,
            "claimed_value": records[s.source_locator].value,
            "claimed_text": records[s.source_locator].quote,
            "kind": "arithmetic_total",
            "explanation": "Fixture: the compiler's sum.",
        }
        for i, s in enumerate(pending)
    ]
    (data_dir / "disagreements.csv").write_text(csv_text(tc.DISAGREEMENT_FIELDS, rows), encoding="utf-8")
    again = tc.plan(parsed, SOURCE, data_dir)
    assert not [s for s in again.skips if s.reason.startswith("not recorded")]
    assert sorted(r["source_locator"] for r in again.recorded) == sorted(s.source_locator for s in pending)


def test_importing_the_same_file_twice_changes_nothing(parsed, data_dir):
    first = tc.plan(parsed, SOURCE, data_dir)
    written = write_plan(first, data_dir)
    assert written == {"figures.csv": len(first.adds), "corroborations.csv": len(first.corroborations)}
    snapshot = {p.name: p.read_bytes() for p in data_dir.iterdir()}
    second = tc.plan(tc.parse(FIXTURE), SOURCE, data_dir)
    assert second.writes_nothing
    assert write_plan(second, data_dir) == {}
    assert {p.name: p.read_bytes() for p in data_dir.iterdir()} == snapshot
    assert len(second.same) == len(first.adds)
    assert len(second.corroborated) == len(first.corroborations)


def test_a_changed_value_is_never_written(parsed, data_dir):
    write_plan(tc.plan(parsed, SOURCE, data_dir), data_dir)
    path = data_dir / "figures.csv"
    path.write_text(
        path.read_text(encoding="utf-8").replace(
            "telegram-arg-2025q3-ip_or_phone-requests_fulfilled,telegram,ARG,2025-07-01,2025-09-30,ip_or_phone,"
            "requests_fulfilled,exact,21,",
            "telegram-arg-2025q3-ip_or_phone-requests_fulfilled,telegram,ARG,2025-07-01,2025-09-30,ip_or_phone,"
            "requests_fulfilled,exact,12,",
        ),
        encoding="utf-8",
    )
    plan = tc.plan(parsed, SOURCE, data_dir)
    assert [(c.figure_id, c.old["value"], c.new["value"], c.status) for c in plan.changes] == [
        ("telegram-arg-2025q3-ip_or_phone-requests_fulfilled", "12", "21", "pending")
    ]
    before = path.read_bytes()
    write_plan(plan, data_dir)
    assert path.read_bytes() == before


def test_recite_moves_unchanged_records_to_the_newer_version(parsed, data_dir):
    older = "te-k-fixture-dataset-older"
    write_plan(tc.plan(parsed, SOURCE, data_dir), data_dir)
    # Pretend everything was imported from an older version, at other lines.
    for name in ("figures.csv", "corroborations.csv"):
        path = data_dir / name
        path.write_text(
            path.read_text(encoding="utf-8")
            .replace(SOURCE, older)
            .replace("dataset.json line ", "dataset.json line 9"),
            encoding="utf-8",
        )
    changed = tc.recite(parsed, older, SOURCE, data_dir)
    assert changed == {
        "figures.csv": len(read_csv(data_dir / "figures.csv")) - 2,  # France's Q4 cites the bot
        "corroborations.csv": len(read_csv(data_dir / "corroborations.csv")),
    }
    assert tc.recite(parsed, older, SOURCE, data_dir) == {}
    assert tc.plan(parsed, SOURCE, data_dir).writes_nothing
    usa = {r["figure_id"]: r for r in read_csv(data_dir / "figures.csv")}[
        "telegram-usa-20240101-20240930-ip_or_phone-requests_fulfilled"
    ]
    assert (usa["source_id"], usa["source_locator"].split(",")[0]) == (SOURCE, "dataset.json line 3")


# The irregular periods the compilation holds, through the period rules and the derivation -------


def test_jan_jun_and_apr_sep_2025_through_the_period_rules():
    from datetime import date

    from disclosures import derive, rules

    q1, q2, q3 = (
        (date(2025, 1, 1), date(2025, 3, 31)),
        (date(2025, 4, 1), date(2025, 6, 30)),
        (date(2025, 7, 1), date(2025, 9, 30)),
    )
    h1, apr_sep = (date(2025, 1, 1), date(2025, 6, 30)), (date(2025, 4, 1), date(2025, 9, 30))
    assert (rules.period_kind(*h1), rules.period_label(*h1), rules.period_column(*h1)) == ("half", "2025h1", "h1_2025")
    assert (rules.period_kind(*apr_sep), rules.period_label(*apr_sep), rules.period_column(*apr_sep)) == (
        "other",
        "20250401-20250930",
        "p_20250401_20250930",
    )
    assert rules.complement(q2, apr_sep) == q3
    assert rules.complement(q1, h1) == q2
    # A series never holds a period and its parts: the parts win when they are all there.
    assert rules.non_overlapping([(apr_sep, "a"), (q2, "b"), (q3, "c")]) == ["b", "c"]
    assert rules.non_overlapping([(apr_sep, "a"), (q1, "d")]) == ["a", "d"]
    assert rules.non_overlapping([(h1, "e"), (q1, "d"), (q2, "b")]) == ["b", "d"]

    def figure(label, period, value):
        return {
            "figure_id": f"telegram-are-{label}-ip_or_phone-requests_fulfilled",
            "platform_id": "telegram",
            "jurisdiction_id": "ARE",
            "period_start": period[0].isoformat(),
            "period_end": period[1].isoformat(),
            "request_type_id": "ip_or_phone",
            "metric_id": "requests_fulfilled",
            "value_kind": "exact",
            "value": value,
            "platform_wording": "Fixture",
        }

    derived = derive.derive_figures(
        [figure("20250401-20250930", apr_sep, 10), figure("2025q2", q2, 4)], {"requests_fulfilled": "count"}
    )
    assert [(d.row["figure_id"], d.row["value"], d.inputs) for d in derived] == [
        (
            "telegram-are-2025q3-ip_or_phone-requests_fulfilled-derived",
            6,
            (
                ("telegram-are-20250401-20250930-ip_or_phone-requests_fulfilled", 1),
                ("telegram-are-2025q2-ip_or_phone-requests_fulfilled", -1),
            ),
        )
    ]
