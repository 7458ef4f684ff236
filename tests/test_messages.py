"""Every message validation or the build can print has a fixture that produces it.

test_validate.py checks each fixture's expected.txt against validation. This file adds the
build's own refusals of data that validation already keeps out, and a sweep of the library's
source: each message template must match a line some fixture expects, or be
in NO_FIXTURE with the reason no package can produce it.
"""

import ast
import re
from pathlib import Path

import pytest

from disclosures import build, consistency, rules, safety, stamp, validate
from tests.packages import BROKEN, FIXTURES, apply_edits, expected_messages, make_package

LIBRARY = (validate, rules, build, safety, consistency)

# Templates as the sweep shows them, "{}" for each placeholder, and why no fixture produces them.
NO_FIXTURE = {
    "cannot be read: {}, not a file; put the file back": "needs a FIFO in place of a file, which a fixture's text "
    "edits cannot make; test_build_faults's test_a_fifo_in_place_of_a_package_file_is_named_rather_than_waited_for "
    "makes one in each command",
    "has a cell longer than {} characters, which no reader here takes": "needs a cell of over 1 MiB, too big for a "
    "fixture; test_validate's test_a_cell_past_the_csv_field_limit_is_told_its_length_not_an_unbalanced_quote makes one",
    "is not a resource of datapackage.json: add it there, or move it out of this folder": "needs a new file, which "
    "edits.json cannot make; test_validate's test_a_csv_in_data_that_no_resource_names_is_a_problem makes one",
    "is {}, but {} was released {} in {}: the first correction since a release starts from the value that release "
    "published, the one its readers have (write old_value {})": "needs a recorded release (releases/<version>/), "
    "which edits.json cannot make; test_corrections' "
    "test_validation_refuses_a_correction_that_does_not_start_from_the_released_value records one",
    "{} is neither in figures nor in release {}{}: a removal is of a figure readers had, so this one removes "
    "nothing": "needs a recorded release (releases/<version>/), which edits.json cannot make; test_corrections' "
    "test_validation_refuses_a_misspelt_removal_beside_a_release records one",
    "{} was released {} in {} but is not in {}, and no correction records its removal: add a row to {} (figure_id "
    "{}, old_value {}, new_value empty, the reason, source_id and corrected_date), or restore the figure": "needs a "
    "recorded release (releases/<version>/), which edits.json cannot make; test_corrections' "
    "test_validation_refuses_a_released_figure_removed_without_a_correction records one",
    "must be at most {}": "no field in datapackage.json declares a maximum",
    "must be unique in its column": "no field declares unique; a repeated primary key is a duplicate key",
    "names unsafe for SQLite and Datasette (must match {}): {}": "validation refuses unsafe names before the build runs (unsafe_name, unsafe_field_name)",
    "the derived figure {} ({}): {}, so it cannot be stored; check its inputs' values": "validation refuses the "
    "sum first (derived_sum_too_large); test_a_derived_sum_too_large_for_sqlite_fails_the_build_by_name forces it",
    "quick_check failed: {}": "SQLite checking the file it has just written; no data corrupts it",
    "foreign_key_check failed: {}": "validation refuses unknown keys before the build runs (unknown_foreign_key)",
    "a file of the package changed while it was validated": "needs a file saved while the build validates, which "
    "no fixture's bytes can hold; test_build_faults' "
    "test_a_build_that_validates_refuses_a_file_changed_after_its_key_was_taken saves one",
    "the process deriving the figures ended: {}": "needs that process killed mid-build, which no fixture's bytes "
    "can do; test_build_faults' test_the_derivations_process_terminated_alone_is_one_line_and_the_database_kept "
    "terminates it",
    "figures_series has overlapping periods: {}": "guards rules.non_overlapping, which never picks overlapping periods",
    "round trip of {} failed: {} CSV rows, {} DB rows; in CSV only: {}; in DB only: {}": "validation refuses numbers SQLite cannot store exactly (round_trip_precision); test_round_trip_check_catches_a_difference forces it",
    "derived figure id {} collides with a reported figure": "validation refuses a figure_id its own fields do "
    "not make (figure_id_mismatch); test_a_stamped_package_with_a_reported_id_of_a_derived_figure_is_still_refused "
    "forces it past validation",
    "the body never called {}": "a programming error in build.populate, not in any data; "
    "test_the_index_is_copied_in_only_once_the_body_asks forces it",
    "CHECK constraint failed in {}: {}": "validation refuses every value a CHECK constraint of the schema refuses "
    "(enum, minimum, date); test_a_row_breaking_a_check_constraint_fails_the_build_though_checks_were_deferred "
    "forces one past it",
    "{}: the primary key added after the load is not its index ({})": "SQLite taking the schema the build "
    "wrote, not any data; test_build's test_a_key_the_schema_does_not_take_fails_the_build forces it",
    "{}: SQLite refused WAL mode": "SQLite grants WAL mode to a file on a local disk that no other connection "
    "holds, which the build's own temporary file always is",
    "foreign keys form a cycle among {}": "the package's keys form no cycle; build.load_order's refusal is tested on "
    "a tiny resource list (tests/test_freshness.py)",
}


def build_messages(fixture: str) -> list[str]:
    path = FIXTURES / fixture / "expected_build.txt"
    return path.read_text(encoding="utf-8").splitlines() if path.exists() else []


def test_a_stamped_package_with_a_reported_id_of_a_derived_figure_is_still_refused(tmp_path):
    """Validation refuses an id its fields do not make; should a stamp vouch for such bytes
    anyway, the build still refuses to let a derived figure overwrite a reported one."""
    package = make_package(tmp_path / "package")
    apply_edits(
        tmp_path / "package",
        [
            {
                "file": "data/figures.csv",
                "append": "examplechat-usa-2024q4-ip_or_phone-requests_fulfilled-derived,examplechat,USA,"
                "2023-01-01,2023-12-31,ip_or_phone,requests_fulfilled,exact,5,,,Fulfilled requests,"
                "example-2025-01-10-report,,Fulfilled requests: 5,Named like the figure the build derives.",
            }
        ],
    )
    db_path = tmp_path / "build" / "disclosures.db"
    stamp.record_valid(package, db_path.parent)
    with pytest.raises(build.BuildFailed) as failure:
        build.build_database(package, db_path)
    assert str(failure.value) == (
        "derived figure id examplechat-usa-2024q4-ip_or_phone-requests_fulfilled-derived collides with a reported figure"
    )
    assert not db_path.exists()


# The sweep ---------------------------------------------------------------------------------


def called_name(call: ast.Call) -> str | None:
    return getattr(call.func, "id", None) or getattr(call.func, "attr", None)


def message_nodes(tree: ast.Module):
    """The expressions whose value a curator reads as a message."""
    for node in ast.walk(tree):
        if isinstance(node, ast.Assign) and any(getattr(t, "id", None) == "CONSTRAINT_MESSAGES" for t in node.targets):
            yield from node.value.values  # Frictionless constraint notes, reworded
        elif isinstance(node, ast.FunctionDef) and node.name == "readable":
            yield from (n.value for n in ast.walk(node) if isinstance(n, ast.Return))
        elif isinstance(node, ast.FunctionDef) and node.name in (
            "cell_problems",
            "value_kind_problems",
            "text_problems",
            "url_problems",
            "stored_number_problems",
            "double_problems",
            "search_log_problems",
            "past_day_problems",
        ):
            # They return bare messages, or (field, message) pairs, that callers wrap in a Problem.
            for call in ast.walk(node):
                if isinstance(call, ast.Call) and called_name(call) == "append":
                    message = call.args[0]
                    yield message.elts[-1] if isinstance(message, ast.Tuple) else message
                elif isinstance(call, ast.Return) and isinstance(call.value, ast.List):
                    yield from call.value.elts
        elif isinstance(node, ast.Call):
            name = called_name(node)
            keywords = {k.arg: k.value for k in node.keywords}
            if name == "Problem":
                yield node.args[3] if len(node.args) > 3 else keywords["message"]
            elif name == "problem":  # the local helpers: problem(line or figure, field, message)
                yield node.args[-1]
            elif name == "from_row":
                yield keywords["note"]
            elif name == "BuildFailed":
                yield node.args[0]


def fixed_text(node: ast.expr) -> list[tuple[str, ...]]:
    """A message's fixed text, split where its values go. A message held in a variable is
    checked where it is written (cell_problems) or is Frictionless's own (its note, passed on)."""
    if isinstance(node, ast.IfExp):
        return fixed_text(node.body) + fixed_text(node.orelse)
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return [tuple(node.value.split("{}"))]  # CONSTRAINT_MESSAGES are str.format templates
    if isinstance(node, ast.JoinedStr):
        pieces = [""]
        for part in node.values:
            if isinstance(part, ast.Constant):
                pieces[-1] += part.value
            else:
                pieces.append("")
        return [tuple(pieces)]
    return []


def message_templates() -> dict[str, tuple[str, re.Pattern]]:
    """Each template, shown with "{}" placeholders, with where it is and a regex for its messages."""
    templates = {}
    for module in LIBRARY:
        path = Path(module.__file__)
        for node in message_nodes(ast.parse(path.read_text(encoding="utf-8"))):
            for pieces in fixed_text(node):
                pattern = re.compile(".+".join(map(re.escape, pieces)))
                templates["{}".join(pieces)] = (f"{path.name}:{node.lineno}", pattern)
    return templates


def is_produced(pattern: re.Pattern, lines: list[str]) -> bool:
    # A validation line is "path:line:field: message"; a build line is the bare message.
    return any(pattern.fullmatch(line) or pattern.fullmatch(line.split(": ", 1)[-1]) for line in lines)


def test_every_message_has_a_fixture_or_a_reason():
    templates = message_templates()
    assert {where.split(":")[0] for where, _ in templates.values()} == {
        "validate.py",
        "rules.py",
        "build.py",
        "safety.py",
        "consistency.py",
    }

    expected = [line for fixture in BROKEN for line in expected_messages(fixture) + build_messages(fixture)]
    missing = [
        f"  {where}: {text}"
        for text, (where, pattern) in templates.items()
        if text not in NO_FIXTURE and not is_produced(pattern, expected)
    ]
    assert not missing, "no fixture prints these; add tests/fixtures/<rule>/ or a reason to NO_FIXTURE:\n" + "\n".join(
        missing
    )

    stale = [text for text in NO_FIXTURE if text not in templates or is_produced(templates[text][1], expected)]
    assert not stale, f"NO_FIXTURE entries that are gone from the code or now have a fixture: {stale}"


def test_a_missing_file_is_one_problem(tmp_path):
    # raw_file_problems says it once; Frictionless's own error (an absolute path) is not repeated.
    package = make_package(tmp_path)
    (package.parent / "data" / "cases.csv").unlink()
    assert [str(p) for p in validate.validate_package(package)] == [
        "data/cases.csv:-:-: cannot be read: No such file or directory"
    ]
