"""Corrections against what was released, and corrections naming a figure the data lacks.

Layer (a): the rules on tiny records written here. Layer (b): validation (the library and the
command line) of the base package beside a release the release machinery recorded of it.
"""

import csv
import json
import shutil

import pyarrow as pa
import pytest

from disclosures import arrow_validate, build, changelog, consistency, release, release_records, stamp, validate
from tests.conftest import run_cli
from tests.packages import apply_edits, make_package
from tests.test_locator_files import arrow_tables

FIGURE = "examplechat-deu-2024h1-all-requests_received"  # 1500 in the base package
BAND = "examplechat-world-2024h1-all-requests_received"  # the band 0-499 in the base package


def correction(correction_id, figure_id, old, new, day):
    return {
        "correction_id": correction_id,
        "figure_id": figure_id,
        "old_value": old,
        "new_value": new,
        "reason": "Test.",
        "source_id": "s",
        "corrected_date": day,
    }


def record_release(releases, version, figures, corrections=None):
    """releases/<version>/ as a release records it, holding only what the rules read."""
    folder = releases / version
    folder.mkdir(parents=True)
    manifest = {"version": version, "date": "2025-01-15", "content_hash": "sha256:0", "inputs": {}, "counts": {}}
    manifest["figures"] = len(figures)
    if corrections is not None:
        manifest["corrections"] = corrections
    (folder / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    with (folder / "figures.csv").open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, release_records.SNAPSHOT_FIELDS, restval="", lineterminator="\n")
        writer.writeheader()
        writer.writerows(sorted(figures, key=lambda row: row["figure_id"]))
    (folder / "changelog.csv").write_text(",".join(release_records.CHANGELOG_FIELDS) + "\n", encoding="utf-8")


def exact(figure_id, value):
    return {"figure_id": figure_id, "value_kind": "exact", "value": value}


# Layer (a) -------------------------------------------------------------------------------------


def test_the_first_correction_since_a_release_must_start_from_its_released_value(tmp_path):
    record_release(tmp_path, "1.0.0", [exact("f", "900"), exact("g", "5")], corrections=[])
    wrong = correction("c1", "f", "899", "901", "2025-02-01")
    (problem,) = consistency.released_value_problems([(7, wrong)], tmp_path, "data/corrections.csv")
    assert str(problem) == (
        "data/corrections.csv:7:old_value: is '899', but f was released 900 in 1.0.0: the first correction "
        "since a release starts from the value that release published, the one its readers have "
        "(write old_value 900)"
    )
    right = correction("c1", "f", "900", "901", "2025-02-01")
    assert consistency.released_value_problems([(7, right)], tmp_path, "data/corrections.csv") == []


def test_only_the_latest_release_and_the_corrections_it_did_not_publish_are_judged(tmp_path):
    # 1.0.0 released 900; c1 (published by 1.1.0) made it 950; c2 is new since 1.1.0.
    record_release(tmp_path, "1.0.0", [exact("f", "900")], corrections=[])
    record_release(tmp_path, "1.1.0", [exact("f", "950")], corrections=["c1"])
    published = correction("c1", "f", "900", "950", "2025-02-01")
    later = correction("c2", "f", "950", "960", "2025-03-01")
    rows = [(2, later), (3, published)]
    assert consistency.released_value_problems(rows, tmp_path, "c.csv") == []
    wrong = correction("c2", "f", "900", "960", "2025-03-01")
    (problem,) = consistency.released_value_problems([(2, wrong), (3, published)], tmp_path, "c.csv")
    assert (problem.line, problem.field) == (2, "old_value")
    assert "released 950 in 1.1.0" in problem.message


def test_a_release_recorded_before_manifests_listed_corrections_is_read_from_its_changelog(tmp_path):
    record_release(tmp_path, "0.1.0", [exact("f", "950")])
    with (tmp_path / "0.1.0" / "changelog.csv").open("a", encoding="utf-8", newline="") as handle:
        csv.writer(handle, lineterminator="\n").writerow(
            ["changed", "f", "900", "950", "s", "s", "correction c1 (2025-02-01, source: s): Test."]
        )
    published = correction("c1", "f", "900", "950", "2025-02-01")
    assert consistency.released_value_problems([(2, published)], tmp_path, "c.csv") == []
    (problem,) = consistency.released_value_problems(
        [(2, published), (3, correction("c2", "f", "900", "960", "2025-03-01"))], tmp_path, "c.csv"
    )
    assert problem.line == 3 and "released 950 in 0.1.0" in problem.message


def test_figures_the_release_lacks_and_packages_without_releases_are_not_judged(tmp_path):
    new_figure = correction("c1", "added-since", "1", "2", "2025-02-01")
    assert consistency.released_value_problems([(2, new_figure)], tmp_path / "none", "c.csv") == []
    record_release(tmp_path, "1.0.0", [exact("f", "900")], corrections=[])
    assert consistency.released_value_problems([(2, new_figure)], tmp_path, "c.csv") == []
    # A damaged record is the build's and the release's to report, not a traceback here.
    (tmp_path / "1.0.0" / "manifest.json").write_text("{", encoding="utf-8")
    wrong = correction("c1", "f", "899", "901", "2025-02-01")
    assert consistency.released_value_problems([(2, wrong)], tmp_path, "c.csv") == []


def test_a_released_band_compares_as_the_changelog_writes_it(tmp_path):
    band = {"figure_id": "b", "value_kind": "band", "value_low": "0", "value_high": "499"}
    record_release(tmp_path, "1.0.0", [band], corrections=[])
    assert (
        consistency.released_value_problems(
            [(2, correction("c1", "b", "0-499", "0-249", "2025-02-01"))], tmp_path, "c.csv"
        )
        == []
    )
    (problem,) = consistency.released_value_problems(
        [(2, correction("c1", "b", "0-999", "0-249", "2025-02-01"))], tmp_path, "c.csv"
    )
    assert "released 0-499 in 1.0.0" in problem.message


def test_released_figures_are_found_by_id_without_reading_every_row(tmp_path):
    ids = [f"p-{n:05d}" for n in range(0, 3000, 3)]
    record_release(tmp_path, "1.0.0", [exact(figure_id, str(n)) for n, figure_id in enumerate(ids)])
    path = tmp_path / "1.0.0" / "figures.csv"
    with path.open(encoding="utf-8", newline="") as handle:
        every = {row["figure_id"]: row for row in csv.DictReader(handle)}
    sought = [ids[0], ids[-1], ids[500], "p-00001", "a", "z", "p-0", ids[7] + "x"]
    assert release_records.recorded_figures(path, sought) == {i: every[i] for i in sought if i in every}
    assert release_records.recorded_figures(path, ids) == every


# Layer (b) -------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def first_release(tmp_path_factory):
    """releases/ holding one release of the base package, recorded by make_release."""
    root = tmp_path_factory.mktemp("first-release")
    releases = root / "releases"
    build.build_site(make_package(root / "a"), root / "a" / "build", releases=releases)
    release.make_release(root / "a" / "build", root / "dist", releases, "2025-01-15", root / "CITATION.cff")
    return releases


def corrected(folder, releases, old_value):
    """The base package with FIGURE corrected from ``old_value`` to 1501, beside ``releases``."""
    package = make_package(folder)
    apply_edits(
        folder,
        [
            {
                "file": "data/figures.csv",
                "old": "exact,1500,,,Requests,example-2025-01-10-report,,Germany 1.500",
                "new": "exact,1501,,,Requests,example-2025-01-10-report,,Germany 1.501",
            },
            {
                "file": "data/corrections.csv",
                "append": f"fix-1,{FIGURE},{old_value},1501,Typo.,example-2025-01-10-report,2025-02-01",
            },
        ],
    )
    shutil.copytree(releases, folder / "releases")
    return package


def test_validation_refuses_a_correction_that_does_not_start_from_the_released_value(first_release, tmp_path):
    (version,) = [p.name for p in first_release.iterdir()]
    package = corrected(tmp_path / "p", first_release, "1499")
    descriptor = json.loads(package.read_text(encoding="utf-8"))
    assert not arrow_validate.proves_valid(package, descriptor)
    told = (
        f"data/corrections.csv:2:old_value: is '1499', but {FIGURE} was released 1500 in {version}: the first "
        "correction since a release starts from the value that release published, the one its readers have "
        "(write old_value 1500)"
    )
    assert [str(p) for p in validate.validate_package(package)] == [told]
    run = run_cli("validate", package, cwd=tmp_path / "p")
    assert run.returncode == 1
    assert run.stderr.splitlines()[0] == told
    with pytest.raises(validate.ValidationFailed):
        build.build_site(package, tmp_path / "p" / "build")


@pytest.mark.parametrize("while_read", ["changed", "missing"])
def test_a_release_record_changed_while_validation_read_it_then_put_back_is_not_vouched_for(
    first_release, tmp_path, monkeypatch, while_read
):
    # A break test's race: the release's figures.csv read as one the correction starts from (or
    # found missing, when a record judges nothing), then put back. The key matched the record
    # again, the stamp was recorded, and the next build published the refused correction.
    (version,) = [p.name for p in first_release.iterdir()]
    package = corrected(tmp_path / "p", first_release, "1499")
    record = package.parent / "releases" / version / "figures.csv"
    original = record.read_bytes()
    read = release_records.recorded_figures

    def replaced_while_read(path, figure_ids):
        if path != record:
            return read(path, figure_ids)
        if while_read == "changed":
            record.write_bytes(original.replace(b",1500,", b",1499,"))
        else:
            record.unlink()
        try:
            return read(path, figure_ids)
        except OSError:
            raise
        finally:
            record.write_bytes(original)

    monkeypatch.setattr(release_records, "recorded_figures", replaced_while_read)
    key = stamp.current_key(package)
    typed: list = []
    problems = validate.validate_package(package, typed=typed)
    if while_read == "changed":  # proved valid, as the record read then allowed
        assert problems == [] and typed
        assert stamp.current_key(package) == key  # put back
        assert not stamp.still_current(package, key, typed[0]["inputs"])
    with pytest.raises((build.BuildFailed, validate.ValidationFailed)):
        build.build_site(package, tmp_path / "site")
    assert not (tmp_path / "site" / stamp.STAMP_FILE).exists()
    # Read undisturbed, the correction is refused.
    monkeypatch.setattr(release_records, "recorded_figures", read)
    with pytest.raises(validate.ValidationFailed):
        build.build_site(package, tmp_path / "site")


def test_the_release_folders_validation_listed_are_held_to_the_keys(first_release, tmp_path):
    # The latest release's folder gone while validation listed them (a checkout), then back: the
    # release before it was judged instead, and the key found every folder again.
    (version,) = [p.name for p in first_release.iterdir()]
    package = corrected(tmp_path / "p", first_release, "1500")
    typed: list = []
    assert validate.validate_package(package, typed=typed) == []
    parsed = typed[0]["inputs"]
    key = stamp.current_key(package)
    assert parsed["releases/*"] == version and stamp.still_current(package, key, parsed)
    assert not stamp.still_current(package, key, parsed | {"releases/*": ""})
    assert not stamp.still_current(package, key, parsed | {"releases/*": f"{version},9.9.9"})
    # A record only found by the key (not the latest's figures) must be found when read.
    assert not stamp.still_current(package, key, parsed | {f"releases/{version}/manifest.json": None})


def test_validation_passes_a_correction_from_the_released_value(first_release, tmp_path):
    package = corrected(tmp_path / "p", first_release, "1500")
    assert arrow_validate.proves_valid(package, json.loads(package.read_text(encoding="utf-8")))
    assert validate.validate_package(package) == []


# A correction naming a figure the data lacks -----------------------------------------------------


def test_a_correction_of_a_misspelt_figure_is_offered_the_figure_it_nearly_names():
    figures = {"t-usa-2025q1-ip_or_phone-requests_fulfilled", "t-usa-2025q2-ip_or_phone-requests_fulfilled"}
    typo = correction("c1", "t-usa-2025q1-ip_or_phone-request_fulfilled", "1", "2", "2025-02-01")
    (problem,) = validate.correction_problems([(4, typo)], figures, "data/corrections.csv")
    assert str(problem) == (
        "data/corrections.csv:4:figure_id: t-usa-2025q1-ip_or_phone-request_fulfilled is not in figures "
        '(did you mean "t-usa-2025q1-ip_or_phone-requests_fulfilled"?); a figure\'s latest correction must name '
        "a figure in the data (to remove it, add a correction after this one with old_value its value and "
        "new_value empty)"
    )
    written_otherwise = correction("c1", "T-USA-2025q2-ip_or_phone-requests_fulfilled", "1", "2", "2025-02-01")
    (problem,) = validate.correction_problems([(4, written_otherwise)], figures, "data/corrections.csv")
    assert '(did you mean "t-usa-2025q2-ip_or_phone-requests_fulfilled"?)' in problem.message


@pytest.mark.parametrize(
    "figure_id",
    [
        "t-usa-2025q3-ip_or_phone-requests_fulfilled",  # another period is no typo
        "t-can-2025q1-ip_or_phone-requests_fulfilled",  # nor another place
        "t-usa-2025q1-ip_or_phone-accounts_affected",  # nor another metric
    ],
)
def test_a_correction_of_another_figure_is_offered_none(figure_id):
    figures = {"t-usa-2025q1-ip_or_phone-requests_fulfilled"}
    assert validate.near_figure_id(figure_id, figures) is None
    (problem,) = validate.correction_problems(
        [(2, correction("c1", figure_id, "1", "2", "2025-02-01"))], figures, "c.csv"
    )
    assert "did you mean" not in problem.message
    assert problem.message.startswith(f"{figure_id} is not in figures; ")


def test_validation_offers_the_figure_a_misspelt_correction_names(tmp_path):
    package = make_package(tmp_path / "p", "correction_of_a_misspelt_figure")
    run = run_cli("validate", package, cwd=tmp_path / "p")
    assert run.returncode == 1
    assert run.stderr.splitlines()[0] == (
        "data/corrections.csv:2:figure_id: examplechat-usa-2024-ip_or_phone-request_fulfilled is not in figures "
        '(did you mean "examplechat-usa-2024-ip_or_phone-requests_fulfilled"?); a figure\'s latest correction '
        "must name a figure in the data (to remove it, add a correction after this one with old_value its value "
        "and new_value empty)"
    )


# A removal naming a figure neither the data nor the release has ----------------------------------


def test_a_removal_of_a_figure_neither_the_data_nor_the_release_has_is_refused(tmp_path):
    record_release(tmp_path, "1.0.0", [exact("examplechat-deu-2024h1-all-requests_received", "1500")], corrections=[])
    misspelt = correction("c1", "examplechat-deu-2024h1-all-request_received", "1500", "", "2025-02-01")
    (problem,) = consistency.released_value_problems([(4, misspelt)], tmp_path, "data/corrections.csv", set())
    assert str(problem) == (
        "data/corrections.csv:4:figure_id: examplechat-deu-2024h1-all-request_received is neither in figures nor "
        'in release 1.0.0 (did you mean "examplechat-deu-2024h1-all-requests_received"?): a removal is of a figure '
        "readers had, so this one removes nothing"
    )
    # The figure released, or still in the data, is one a removal can name.
    meant = correction("c1", "examplechat-deu-2024h1-all-requests_received", "1500", "", "2025-02-01")
    assert consistency.released_value_problems([(4, meant)], tmp_path, "data/corrections.csv", set()) == []
    added_since = correction("c1", "g", "5", "", "2025-02-01")
    assert consistency.released_value_problems([(4, added_since)], tmp_path, "data/corrections.csv", {"g"}) == []
    # A correction that gives a new value is judged by correction_problems instead.
    assert (
        consistency.released_value_problems([(4, correction("c1", "h", "5", "6", "2025-02-01"))], tmp_path, "x", set())
        == []
    )


def test_validation_refuses_a_misspelt_removal_beside_a_release(first_release, tmp_path):
    (version,) = [p.name for p in first_release.iterdir()]
    package = make_package(tmp_path / "p")
    shutil.copytree(first_release, tmp_path / "p" / "releases")
    apply_edits(
        tmp_path / "p",
        [
            {
                "file": "data/corrections.csv",
                "append": f"gone-1,{BAND}x,0-499,,Filed twice.,example-2025-01-10-report,2025-02-01",
            }
        ],
    )
    assert not arrow_validate.proves_valid(package, json.loads(package.read_text(encoding="utf-8")))
    assert [str(p) for p in validate.validate_package(package)] == [
        f"data/corrections.csv:2:figure_id: {BAND}x is neither in figures nor in release {version} "
        f'(did you mean "{BAND}"?): a removal is of a figure readers had, so this one removes nothing'
    ]


# The stamp of a validation covers the release records it read ----------------------------------


def record_later_release(releases, value):
    """releases/ gains the release after its only one, recorded as a colleague's branch brings it:
    the same record but for its version and FIGURE's released value."""
    (version,) = [p.name for p in releases.iterdir()]
    major, minor, patch = release_records.parse_version(version)
    later = f"{major}.{minor}.{patch + 1}"
    shutil.copytree(releases / version, releases / later)
    manifest = json.loads((releases / later / "manifest.json").read_text(encoding="utf-8"))
    manifest.update(version=later, previous=version)
    (releases / later / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    path = releases / later / "figures.csv"
    with path.open(encoding="utf-8", newline="") as handle:
        figures = list(csv.DictReader(handle))
    (row,) = [row for row in figures if row["figure_id"] == FIGURE]
    row["value"] = value
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, list(figures[0]), lineterminator="\n")
        writer.writeheader()
        writer.writerows(figures)
    return later


def test_a_build_validates_again_once_a_release_is_recorded_that_a_correction_does_not_start_from(
    first_release, tmp_path
):
    package = corrected(tmp_path / "p", first_release, "1500")
    site = tmp_path / "p" / "build"
    build.build_site(package, site)  # validates, and leaves the stamp of it
    assert stamp.is_valid(package, site)
    later = record_later_release(tmp_path / "p" / "releases", "1502")
    assert not stamp.is_valid(package, site)
    with pytest.raises(validate.ValidationFailed) as refused:
        build.build_site(package, site)
    assert [str(p) for p in refused.value.problems] == [
        f"data/corrections.csv:2:old_value: is '1500', but {FIGURE} was released 1502 in {later}: the first "
        "correction since a release starts from the value that release published, the one its readers have "
        "(write old_value 1502)"
    ]


# A figure the latest release carried, gone from the data without a correction ----------------------


def test_a_released_figure_gone_from_the_data_needs_a_removal(tmp_path):
    derived = {**exact("h-derived", "7"), "derivation": "h1 + h2"}
    record_release(tmp_path, "1.0.0", [exact("f", "900"), exact("g", "5"), derived], corrections=[])
    args = (tmp_path, "data/figures.csv", "data/corrections.csv")
    (problem,) = consistency.removed_figure_problems([], tmp_path, {"f"}, *args)
    assert str(problem) == (
        "1.0.0/figures.csv:3:figure_id: g was released 5 in 1.0.0 but is not in data/figures.csv, and no "
        "correction records its removal: add a row to data/corrections.csv (figure_id g, old_value 5, new_value "
        "empty, the reason, source_id and corrected_date), or restore the figure"
    )
    # Its removal recorded, the data may lack it; a derived figure is no longer derived.
    removal = correction("c1", "g", "5", "", "2025-02-01")
    assert consistency.removed_figure_problems([(2, removal)], tmp_path, {"f"}, *args) == []
    # Whatever the data holds, or the ids come as Arrow gives them, the same.
    assert consistency.removed_figure_problems([], tmp_path, {"f", "g"}, *args) == []
    assert consistency.removed_figure_problems([], tmp_path, pa.chunked_array([["f"]]), *args) == [problem]


def test_a_removal_is_judged_by_the_rule_the_release_applies(tmp_path):
    # The figure's corrections, as the release reads them (changelog.removal_reason): a removal the
    # release published explains the figure's absence since; one from another value explains none.
    record_release(tmp_path, "1.1.0", [exact("g", "5")], corrections=["c1"])
    args = (tmp_path, set(), tmp_path, "data/figures.csv", "data/corrections.csv")
    published = correction("c1", "g", "5", "", "2025-02-01")
    assert consistency.removed_figure_problems([(2, published)], *args) == []
    assert changelog.removal_reason(exact("g", "5"), [published], {"c1"})
    other = correction("c1", "g", "4", "", "2025-02-01")
    assert not changelog.removal_reason(exact("g", "5"), [other], {"c1"})
    (problem,) = consistency.removed_figure_problems([(2, other)], *args)
    assert (problem.line, problem.field) == (2, "figure_id")
    # A correction since the release that leaves the figure a value is told at its own line, by
    # the rules of corrections (validate.correction_problems), and not once more here.
    since = correction("c2", "g", "5", "6", "2025-03-01")
    assert not changelog.removal_reason(exact("g", "5"), [since], set())
    assert consistency.removed_figure_problems([(3, since)], *args) == []
    (told,) = validate.correction_problems([(3, since)], set(), "data/corrections.csv")
    assert (told.line, told.field) == (3, "figure_id")


def test_a_release_record_without_derivations_is_judged_all_the_same(tmp_path):
    # Arrow refuses a column the file lacks: the error judged nothing, where the release reads the
    # missing derivation as none.
    record_release(tmp_path, "1.0.0", [exact("g", "5")], corrections=[])
    (tmp_path / "1.0.0" / "figures.csv").write_text("figure_id,value_kind,value\ng,exact,5\n", encoding="utf-8")
    (problem,) = consistency.removed_figure_problems([], tmp_path, set(), tmp_path, "f.csv", "c.csv")
    assert (problem.path, problem.line, problem.field) == ("1.0.0/figures.csv", 2, "figure_id")


def test_no_release_or_a_damaged_one_judges_no_removal(tmp_path):
    args = (set(), tmp_path, "data/figures.csv", "data/corrections.csv")
    assert consistency.removed_figure_problems([], tmp_path / "none", *args) == []
    record_release(tmp_path, "1.0.0", [exact("g", "5")], corrections=[])
    (tmp_path / "1.0.0" / "manifest.json").write_text("{", encoding="utf-8")
    assert consistency.removed_figure_problems([], tmp_path, *args) == []


def without_band(folder, releases, removal=False):
    """The base package without BAND (0-499 in the release beside it), its removal recorded or not."""
    package = make_package(folder)
    edits = [{"file": "data/figures.csv", "pattern": f"(?m)^{BAND},.*\\n", "new": ""}]
    if removal:
        edits.append(
            {
                "file": "data/corrections.csv",
                "append": f"gone-1,{BAND},0-499,,Filed under the wrong request type.,example-2025-01-10-report,"
                "2025-02-01",
            }
        )
    apply_edits(folder, edits)
    shutil.copytree(releases, folder / "releases")
    return package


def test_validation_refuses_a_released_figure_removed_without_a_correction(first_release, tmp_path):
    (version,) = [p.name for p in first_release.iterdir()]
    package = without_band(tmp_path / "p", first_release)
    with (first_release / version / "figures.csv").open(encoding="utf-8") as handle:
        line = next(n for n, text in enumerate(handle, start=1) if text.startswith(f"{BAND},"))
    told = (
        f"releases/{version}/figures.csv:{line}:figure_id: {BAND} was released 0-499 in {version} but is not in "
        f"data/figures.csv, and no correction records its removal: add a row to data/corrections.csv (figure_id "
        f"{BAND}, old_value 0-499, new_value empty, the reason, source_id and corrected_date), or restore the figure"
    )
    # Arrow proves nothing, finding what both readers of check_package tell, word for word.
    assert not arrow_validate.proves_valid(package, json.loads(package.read_text(encoding="utf-8")))
    tables = arrow_tables(package)
    assert [str(p) for p in consistency.arrow_problems(tables, releases=package.parent / "releases")] == [told]
    assert [str(p) for p in validate.validate_package(package)] == [told]
    assert [str(p) for p in validate.check_package(package, engine="frictionless")[0]] == [told]
    run = run_cli("validate", package, cwd=tmp_path / "p")
    assert run.returncode == 1
    assert run.stderr.splitlines()[0] == told
    with pytest.raises(validate.ValidationFailed) as refused:
        build.build_site(package, tmp_path / "p" / "build")
    assert [str(p) for p in refused.value.problems] == [told]


def test_validation_passes_a_released_figure_removed_with_its_correction(first_release, tmp_path):
    package = without_band(tmp_path / "p", first_release, removal=True)
    assert arrow_validate.proves_valid(package, json.loads(package.read_text(encoding="utf-8")))
    assert validate.validate_package(package) == []
    assert validate.check_package(package, engine="frictionless")[0] == []
    assert consistency.arrow_problems(arrow_tables(package), releases=package.parent / "releases") == []


def test_a_build_validates_again_once_a_release_is_recorded_that_carried_a_figure_the_data_lacks(
    first_release, tmp_path
):
    package = make_package(tmp_path / "p")
    shutil.copytree(first_release, tmp_path / "p" / "releases")
    site = tmp_path / "p" / "build"
    build.build_site(package, site)
    assert stamp.is_valid(package, site)
    later = record_later_release(tmp_path / "p" / "releases", "1500")
    with (tmp_path / "p" / "releases" / later / "figures.csv").open("a", encoding="utf-8") as handle:
        handle.write("zz-carried-only-by-the-later-release,examplechat,,,,,,exact,3,,,s,\n")
    assert not stamp.is_valid(package, site)
    with pytest.raises(validate.ValidationFailed) as refused:
        build.build_site(package, site)
    (problem,) = refused.value.problems
    assert problem.path == f"releases/{later}/figures.csv" and "zz-carried-only-by-the-later-release" in problem.message
