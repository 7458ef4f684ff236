"""A figure's source_locator names the file its source records in data/source_files.csv.

An import run with --allow-different-file names the local copy in its locators
(``dataset.sha256-0123456789ab.json``) while the figure keeps the source's id; validation refuses
that, on both paths (consistency.package_problems and the Arrow fast path's arrow_problems).
"""

import json

import pytest

from disclosures import arrow_validate, consistency, paths, validate
from disclosures.importers import provenance
from tests.packages import apply_edits, make_package

RECORDED = {"te-k": "dataset.json"}


@pytest.mark.parametrize(
    ("locator", "file"),
    [
        ('dataset.json line 277, key "ARE" entry 3', "dataset.json"),
        ("dataset.sha256-0123456789ab.json line 3", "dataset.sha256-0123456789ab.json"),
        ("report.csv", "report.csv"),
        ("report.csv:12", "report.csv"),
        ("google-user-data.csv, row 4", "google-user-data.csv"),
        ("page 3", None),
        ("Table 2.1, row Germany", None),
        ("2.5 million", None),
        ("", None),
    ],
)
def test_the_file_a_locator_names(locator, file):
    assert consistency.locator_file(locator) == file


def test_a_locator_naming_another_file_is_refused_with_its_line_and_field():
    located = [
        (2, {"source_id": "te-k", "source_locator": "dataset.json line 277"}),
        (3, {"source_id": "te-k", "source_locator": "dataset.sha256-0123456789ab.json line 277"}),
        (4, {"source_id": "te-k", "source_locator": "page 3"}),
        (5, {"source_id": "other", "source_locator": "whatever.csv line 2"}),
    ]
    (problem,) = consistency.locator_file_problems(located, RECORDED, "data/figures.csv")
    assert str(problem).startswith(
        "data/figures.csv:3:source_locator: names dataset.sha256-0123456789ab.json, but data/source_files.csv "
        "records dataset.json as the file of te-k"
    )


def test_the_label_an_allowed_different_file_gets_is_refused(tmp_path):
    # The very label provenance.check_file gives a file whose checksum differs.
    (tmp_path / "source_files.csv").write_text(
        "source_id,file_name,sha256,notes\nte-k,dataset.json," + "0" * 64 + ",fixture\n", encoding="utf-8"
    )
    local = tmp_path / "dataset.json"
    local.write_text("{}", encoding="utf-8")
    check = provenance.check_file(local, "te-k", tmp_path, allow_different=True)
    assert check.status == "different"
    located = [(2, {"source_id": "te-k", "source_locator": f"{check.label} line 1"})]
    assert [p.field for p in consistency.locator_file_problems(located, RECORDED, "data/figures.csv")] == [
        "source_locator"
    ]


def test_both_paths_report_the_broken_fixture_alike(tmp_path):
    package = make_package(tmp_path, "locator_names_another_file")
    problems = validate.check_package(package)[0]
    assert [(p.line, p.field) for p in problems] == [(2, "source_locator")]
    assert not arrow_validate.proves_valid(package, json.loads(package.read_text(encoding="utf-8")))
    assert [str(p) for p in consistency.arrow_problems(arrow_tables(package))] == [str(p) for p in problems]


def test_a_corroboration_is_checked_too(tmp_path):
    package = make_package(tmp_path, "locator_names_another_file")
    figures = (tmp_path / "data" / "figures.csv").read_text(encoding="utf-8")
    (tmp_path / "data" / "figures.csv").write_text(
        figures.replace("report.sha256-0123456789ab.csv line 2", "report.csv line 2"), encoding="utf-8"
    )
    assert validate.check_package(package)[0] == []
    # Another source than the figure's own (which is no corroboration of it), with its own file.
    apply_edits(
        tmp_path,
        [
            {
                "file": "data/sources.csv",
                "append": "example-press,Press report on ExampleChat,Example News,https://example.org/news,"
                "2025-01-12,2026-11-28,press,press_quoting,,,Fixture source.",
            },
            {
                "file": "data/source_files.csv",
                "append": "example-press,report.csv,"
                "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08,Fixture: the file the source names.",
            },
        ],
    )
    assert validate.check_package(package)[0] == []
    corroborations = tmp_path / "data" / "corroborations.csv"
    corroborations.write_text(
        corroborations.read_text(encoding="utf-8")
        + "examplechat-usa-2024-ip_or_phone-requests_fulfilled,example-press,"
        + 'report.sha256-0123456789ab.csv line 2,"Fulfilled requests: 900",\n',
        encoding="utf-8",
    )
    problems = validate.check_package(package)[0]
    assert [(p.path, p.line, p.field) for p in problems] == [("data/corroborations.csv", 2, "source_locator")]
    assert [str(p) for p in consistency.arrow_problems(arrow_tables(package))] == [str(p) for p in problems]


def test_the_real_package_names_its_recorded_files():
    assert [p for p in validate.check_package(paths.PACKAGE)[0] if p.field == "source_locator"] == []


def arrow_tables(package):
    """The package's tables as arrow_validate reads them (every cell as text)."""
    descriptor = json.loads(package.read_text(encoding="utf-8"))
    return {
        r["name"]: arrow_validate.read_strings(package.parent / r["path"], [f["name"] for f in r["schema"]["fields"]])
        for r in descriptor["resources"]
    }
