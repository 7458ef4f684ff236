"""Importers: FILE must be the file its source names, a corrected value never rewrites curated
text, a refused change exits non-zero, and the bot's wording never carries a placeholder."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from disclosures.files import csv_text, read_csv
from disclosures.importers import ImportFailed, change_note, provenance, write_plan
from disclosures.importers import telegram_compilation as tc
from disclosures.importers.core import FIGURE_FIELDS
from disclosures.paths import ROOT
from scripts.cli import cli
from tests.test_import_telegram_compilation import FIXTURE, SOURCE, data_dir  # noqa: F401 (a fixture)

REAL_SOURCE = "te-k-telegram-transparency-dataset-839ed54"


def record_checksum(folder: Path, source_id: str, file_name: str, sha256: str) -> None:
    (folder / provenance.SOURCE_FILES).write_text(
        csv_text(["source_id", "file_name", "sha256", "notes"], [{"source_id": source_id, "file_name": file_name, "sha256": sha256, "notes": ""}]),
        encoding="utf-8",
    )  # fmt: skip


def test_a_file_with_the_recorded_checksum_is_verified_and_named_as_the_source_names_it(tmp_path):
    copy = tmp_path / "downloaded-copy.json"
    shutil.copyfile(FIXTURE, copy)
    record_checksum(tmp_path, SOURCE, "dataset.json", provenance.file_digest(FIXTURE))
    check = provenance.check_file(copy, SOURCE, tmp_path)
    assert (check.status, check.label, check.warning) == ("verified", "dataset.json", None)
    parsed = provenance.parse_checked(tc.parse, copy, check)
    assert parsed.records and all(r.source_locator.startswith("dataset.json line ") for r in parsed.records)


def test_a_tampered_copy_is_refused_unless_allowed_and_then_named_as_itself(tmp_path):
    tampered = tmp_path / "dataset.json"
    tampered.write_text(
        FIXTURE.read_text(encoding="utf-8").replace('"requests": 5', '"requests": 6', 1), encoding="utf-8"
    )
    record_checksum(tmp_path, SOURCE, "dataset.json", provenance.file_digest(FIXTURE))
    with pytest.raises(ImportFailed, match="this is not the file the source names"):
        provenance.check_file(tampered, SOURCE, tmp_path)
    check = provenance.check_file(tampered, SOURCE, tmp_path, allow_different=True)
    digest = provenance.file_digest(tampered)
    assert check.status == "different" and check.label == f"dataset.sha256-{digest[:12]}.json"
    assert "is NOT dataset.json" in check.warning
    parsed = provenance.parse_checked(tc.parse, tampered, check)
    assert all(r.source_locator.startswith(check.label + " line ") for r in parsed.records)


def test_an_unrecorded_source_warns_and_keeps_the_local_name(tmp_path):
    check = provenance.check_file(FIXTURE, "no-checksum-source", tmp_path)
    assert check.status == "unrecorded" and check.label == "dataset.json"
    assert check.warning.startswith("WARNING:") and "records no checksum" in check.warning


def test_the_real_telegram_source_records_the_checksum_of_its_pinned_file():
    (row,) = [r for r in read_csv(ROOT / "data" / provenance.SOURCE_FILES) if r["source_id"] == REAL_SOURCE]
    assert row["file_name"] == "dataset.json" and re.fullmatch(r"[0-9a-f]{64}", row["sha256"])
    assert "839ed54f322cc050033efc4a9b16027731ab17f7" in row["notes"]


def test_the_command_refuses_a_file_that_is_not_the_sources_and_writes_nothing(tmp_path):
    before = (ROOT / "data" / "figures.csv").read_bytes()
    tampered = tmp_path / "dataset.json"
    shutil.copyfile(FIXTURE, tampered)
    result = CliRunner().invoke(cli, ["import", "telegram-compilation", str(tampered), "--source", REAL_SOURCE])
    assert result.exit_code == 1
    assert "this is not the file the source names" in result.output and "Nothing was imported." in result.output
    # The way out it offers is one the command takes: --allow-different-file alone is refused.
    assert "with --allow-different-file --dry-run (never written" in result.output
    assert "to import this one under its own name" not in result.output
    allowed = CliRunner().invoke(
        cli,
        [
            "import",
            "telegram-compilation",
            str(tampered),
            "--source",
            REAL_SOURCE,
            "--dry-run",
            "--allow-different-file",
        ],
    )
    assert "is NOT dataset.json" in allowed.output
    label = f"dataset.sha256-{provenance.file_digest(tampered)[:12]}.json"
    locators = re.findall(r"\[([^\]]+)\]$", allowed.output, re.M)
    assert locators and all(loc.startswith(label) for loc in locators)
    # The fixture's values differ from the real data's: those changes are refused, so it exits 1.
    assert "(not written: add a corrections row" in allowed.output
    assert allowed.exit_code == 1 and "change(s) refused" in allowed.output
    assert (ROOT / "data" / "figures.csv").read_bytes() == before


def test_a_corrected_value_changes_the_value_and_its_evidence_never_the_curated_text(data_dir):  # noqa: F811
    parsed = tc.parse(FIXTURE)
    write_plan(tc.plan(parsed, SOURCE, data_dir), data_dir)
    path = data_dir / "figures.csv"
    rows = read_csv(path)
    (row,) = [r for r in rows if r["figure_id"] == "telegram-arg-2025q3-ip_or_phone-requests_fulfilled"]
    row.update(value="12", platform_wording="Fulfilled requests from Argentina for IP address and/or phone number")
    row.update(notes="Curated note.", source_locator="a screenshot")
    path.write_text(csv_text(FIGURE_FIELDS, rows), encoding="utf-8")
    header = (ROOT / "data" / "corrections.csv").read_text(encoding="utf-8").splitlines()[0]
    (data_dir / "corrections.csv").write_text(
        header + "\nfix,telegram-arg-2025q3-ip_or_phone-requests_fulfilled,12,21,Fixture.," + SOURCE + ",2026-01-01\n",
        encoding="utf-8",
    )
    plan = tc.plan(parsed, SOURCE, data_dir)
    assert [c.status for c in plan.changes] == ["corrected"]
    write_plan(plan, data_dir)
    (after,) = [r for r in read_csv(path) if r["figure_id"] == row["figure_id"]]
    assert after["value"] == "21"
    assert after["platform_wording"] == "Fulfilled requests from Argentina for IP address and/or phone number"
    assert after["notes"] == "Curated note."
    assert after["source_locator"].startswith("dataset.json line ") and '"requests": 21' in after["quote"]


def test_the_dry_run_says_would_for_a_corrected_value():
    assert change_note("corrected", dry_run=True) == "would be written: data/corrections.csv has this value"
    assert change_note("corrected", dry_run=False) == "written: data/corrections.csv has this value"


def test_no_figure_carries_the_wording_placeholder():
    rows = read_csv(ROOT / "data" / "figures.csv")
    assert not [r["figure_id"] for r in rows if "[country]" in r["platform_wording"]]
    elided = [
        r for r in rows if r["platform_wording"] == "Fulfilled requests from … for IP address and/or phone number"
    ]
    names = tc.bot_country_names()
    assert elided and all(r["jurisdiction_id"] not in names for r in elided)


def test_the_bot_wording_uses_the_name_the_bot_writes_or_elides_it():
    names = tc.bot_country_names()
    assert names["DEU"] == "Germany"
    template = "Fulfilled requests from [country] for IP address and/or phone number"
    assert tc.bot_wording(template, names["DEU"]) == (
        "Fulfilled requests from Germany for IP address and/or phone number"
    )
    assert tc.bot_wording(template, None) == "Fulfilled requests from … for IP address and/or phone number"


def test_a_country_the_bot_named_two_ways_is_named_as_that_years_reports_name_it():
    assert "USA" not in tc.bot_country_names()
    by_year = tc.bot_country_names_by_year()
    assert by_year[("USA", 2024)] == "the United States of America"
    assert by_year[("USA", 2025)] == "United States of America"
    assert ("USA", 2027) not in by_year


def test_an_unknown_source_is_named_before_anything_is_said_about_the_file():
    result = CliRunner().invoke(cli, ["import", "telegram-compilation", str(FIXTURE), "--source", "nope", "--dry-run"])
    assert result.exit_code == 1
    assert "'nope' is not a source; add its row first" in result.output
    assert "WARNING" not in result.output and "checksum" not in result.output


def test_a_file_of_another_format_is_a_file_message_not_a_python_one(tmp_path):
    wrong = tmp_path / "requests.csv"
    wrong.write_text("Country,Requests\nFrance,3\n", encoding="utf-8")
    result = CliRunner().invoke(
        cli,
        ["import", "google-user-data", str(wrong), "--source", REAL_SOURCE, "--dry-run", "--allow-different-file"],
    )
    assert result.exit_code == 1
    assert f"{wrong}:-:-: cannot be read as google-user-data:" in result.output
    assert "Nothing was imported." in result.output


def test_a_different_file_is_only_ever_reviewed_never_written(tmp_path):
    # Written, its figures would cite a file data/source_files.csv does not record for the
    # source, and validation refuses that: the command says what to do instead.
    before = (ROOT / "data" / "figures.csv").read_bytes()
    tampered = tmp_path / "dataset.json"
    shutil.copyfile(FIXTURE, tampered)
    result = CliRunner().invoke(
        cli, ["import", "telegram-compilation", str(tampered), "--source", REAL_SOURCE, "--allow-different-file"]
    )
    assert result.exit_code == 1
    assert f"{tampered}:-:-: --allow-different-file only reviews a file (--dry-run)" in result.output
    assert "Record dataset.json as a source of its own" in result.output and "Nothing was imported." in result.output
    assert (ROOT / "data" / "figures.csv").read_bytes() == before


def test_a_format_known_by_its_file_name_reviews_a_different_file():
    # Google's national-security files are known by their name, which --allow-different-file
    # labels with the file's checksum: every other copy was "not a Google national-security file".
    nsl = ROOT / "tests" / "fixtures" / "importers" / "google-usnationalsecurity-nsl-requests.csv"
    result = CliRunner().invoke(
        cli,
        [
            "import",
            "google-national-security",
            str(nsl),
            "--source",
            REAL_SOURCE,
            "--dry-run",
            "--allow-different-file",
        ],
    )
    assert result.exit_code == 0, result.output
    assert re.search(
        r"corroborate google-usa-2025h2-nsl-requests_received  "
        r"\[google-usnationalsecurity-nsl-requests\.sha256-[0-9a-f]{12}\.csv row",
        result.output,
    ), result.output


@pytest.mark.parametrize(
    "stored, source_id",
    [
        ("2023-Q2.csv", "discord-transparency-2023q2-csv"),
        ("2024-H1.csv", "discord-transparency-2024h1-csv"),
    ],
)
def test_the_whole_stored_discord_files_are_verified_as_their_sources_files(stored, source_id):
    # data/source_files.csv recorded no checksum for any Discord CSV, so any file passed as one
    # with a warning. The fixtures are the whole stored files, byte for byte.
    check = provenance.check_file(ROOT / "tests" / "fixtures" / "importers" / "discord" / stored, source_id)
    assert (check.status, check.label, check.warning) == ("verified", stored, None)


def test_an_excerpt_of_a_discord_file_is_refused_as_not_the_file_its_source_names():
    excerpt = ROOT / "tests" / "fixtures" / "importers" / "discord" / "discord-2022-q4.csv"
    with pytest.raises(ImportFailed, match="this is not the file the source names"):
        provenance.check_file(excerpt, "discord-transparency-2022q4-csv")
