"""Layer (b): validation of whole packages: the tiny base, each broken fixture, the real data."""

import csv
import hashlib
import importlib
import io
import json
import os
import re
import shlex
import shutil
import signal
import sqlite3
import subprocess
import sys
from datetime import date
from decimal import Decimal

import pycountry
import pytest

from disclosures import (
    arrow_validate,
    build,
    consistency,
    paths,
    rules,
    schema_sql,
    stamp,
    table_schema,
    validate,
    vocabulary,
)
from tests.conftest import run_cli
from tests.packages import BROKEN, ROOT, apply_edits, expected_messages, make_package


def test_base_fixture_is_valid(tmp_path):
    assert validate.validate_package(make_package(tmp_path)) == []


def test_there_is_a_fixture_per_rule():
    assert len(BROKEN) >= 20


@pytest.mark.parametrize("fixture", BROKEN)
def test_broken_fixture_fails_with_its_message(tmp_path, fixture):
    problems = [str(p) for p in validate.validate_package(make_package(tmp_path, fixture))]
    assert problems == expected_messages(fixture)


def test_the_rerun_command_is_the_one_given_quoted_for_a_shell_with_its_out(tmp_path):
    # "rerun: python scripts/cli.py validate my package/datapackage.json" split the folder in two
    # and left out --out, so the rerun recorded its validation nowhere the build looked.
    package = make_package(tmp_path / "my package", "value_kind_mismatch")
    out = tmp_path / "my site"
    for words, rerun in (
        (("validate", package, "--out", out), ["validate", str(package), "--out", str(out)]),
        (("build", "--package", package, "--out", out), ["build", "--package", str(package), "--out", str(out)]),
    ):
        run = run_cli(*words, cwd=tmp_path)
        assert run.returncode == 1
        command = run.stderr.rstrip("\n").rsplit("then rerun: ", 1)[1]
        assert shlex.split(command) == ["python", "scripts/cli.py", *rerun]


def test_a_descriptor_nested_too_deep_to_read_is_told_at_its_line_by_validate_and_build(tmp_path):
    # Python's JSON parser raises RecursionError, no ValueError, on 3,000 nested arrays: the
    # validation's stamp, taken before anything is read, ended both commands in a traceback.
    package = make_package(tmp_path / "p", "descriptor_nested_too_deep")
    told = f"{expected_messages('descriptor_nested_too_deep')[0]}\n"
    for words in (("validate", package), ("build", "--package", package, "--out", tmp_path / "site")):
        run = run_cli(*words, cwd=tmp_path / "p")
        assert run.returncode == 1 and "Traceback" not in run.stderr
        assert run.stderr.startswith(told)
    assert not (tmp_path / "site" / "disclosures.db").exists()


def test_recorded_disagreement_exempts_inconsistent_parts(tmp_path):
    # The same quarters that fail parts_sum_mismatch pass once the inconsistency is recorded.
    assert expected_messages("parts_sum_mismatch")
    assert expected_messages("parts_sum_mismatch_recorded") == []


def test_cli_prints_every_problem_and_exits_non_zero(tmp_path):
    package = make_package(tmp_path, "value_kind_mismatch")
    run = run_cli("validate", package, cwd=tmp_path)
    assert run.returncode == 1
    assert "data/figures.csv:9:value: is required when value_kind is exact" in run.stderr
    assert f"3 problem(s). Fix them, then rerun: python scripts/cli.py validate {package}" in run.stderr


OLDER_EXPORT = "google-user-data-requests.csv row Period Ending=2015-06-30, CLDR Territory Code=BR, Legal Process=All"


@pytest.mark.parametrize(
    ("metric", "kind", "value", "told"),
    [
        ("requests_received", "exact", "774", None),
        ("accounts_specified", "exact", "1547", None),
        # the accounts count corroborating a requests figure, and the reverse
        ("requests_received", "exact", "1547", 'column "User Data Requests" of google-user-data-requests.csv'),
        ("accounts_specified", "exact", "774", 'column "Users/Accounts Specified" of google-user-data-requests.csv'),
        # a band, and a metric the file has no column for, are not judged by the column
        ("requests_received", "band", "", None),
        ("requests_fulfilled", "exact", "774", None),
    ],
)
def test_a_corroboration_quoting_a_bulk_files_row_holds_the_value_in_the_figures_column(metric, kind, value, told):
    figure = {
        "figure_id": "google-bra-2015h1-all-x-derived",
        "source_id": "another-source",
        "metric_id": metric,
        "value_kind": kind,
        "value": value,
        "value_low": "774" if kind == "band" else "",
        "value_high": "1547" if kind == "band" else "",
    }
    row = {
        "figure_id": figure["figure_id"],
        "source_id": "google-export",
        "source_locator": OLDER_EXPORT,
        "quote": "2015-06-30,Brazil,BR,All,774,57,1547",
    }
    problems = validate.corroboration_problems(
        [(7, row)], {figure["figure_id"]: figure}, {"google-export": "platform_data_file"}, "data/corroborations.csv"
    )
    if told is None:
        assert problems == []
    else:
        assert [(p.line, p.field) for p in problems] == [(7, "quote")]
        assert told in problems[0].message and "does not corroborate" in problems[0].message


def test_real_package_is_valid():
    problems = validate.validate_package(paths.PACKAGE)
    assert problems == [], "\n".join(map(str, problems))


def test_standard_frictionless_cli_accepts_the_package():
    frictionless = ROOT / ".venv" / "bin" / "frictionless"
    executable = str(frictionless) if frictionless.exists() else "frictionless"
    run = subprocess.run([executable, "validate", "datapackage.json"], cwd=ROOT, capture_output=True, text=True)
    assert run.returncode == 0, run.stdout + run.stderr


def test_every_resource_declares_utf8_and_safe_names():
    descriptor = json.loads((ROOT / "datapackage.json").read_text(encoding="utf-8"))
    assert validate.package_contract_problems(descriptor, "datapackage.json") == []
    for resource in descriptor["resources"]:
        for field in resource["schema"]["fields"]:
            assert field.get("title") and field.get("description") and field.get("type"), field["name"]


def test_the_resources_the_build_reads_by_name_are_the_packages():
    # validate refuses a package without one of them; a resource added here is added there too.
    names = [r["name"] for r in json.loads(paths.PACKAGE.read_text(encoding="utf-8"))["resources"]]
    assert sorted(names) == sorted(vocabulary.PACKAGE_RESOURCES)


def test_the_fields_the_build_reads_by_name_are_the_packages_with_their_types():
    # validate refuses a package without one of them, or with another type: the datapackage and
    # the contract in code must not drift apart.
    descriptor = json.loads(paths.PACKAGE.read_text(encoding="utf-8"))
    declared = {
        r["name"]: {f["name"]: f.get("type", "string") for f in r["schema"]["fields"]} for r in descriptor["resources"]
    }
    for resource, fields in vocabulary.PACKAGE_FIELDS.items():
        for field, kind in fields.items():
            assert declared[resource].get(field) == kind, (resource, field)
    for resource in descriptor["resources"]:
        schema, name = resource["schema"], resource["name"]
        constrained = {
            rule: {f["name"] for f in schema["fields"] if f.get("constraints", {}).get(rule)}
            for rule in ("required", "unique")
        }
        assert constrained["required"] == vocabulary.PACKAGE_REQUIRED[name]
        assert constrained["unique"] == vocabulary.PACKAGE_UNIQUE.get(name, frozenset())
        numeric_minimums = {
            f["name"]: f["constraints"]["minimum"]
            for f in schema["fields"]
            if f.get("type") in ("number", "integer") and "minimum" in f.get("constraints", {})
        }
        assert numeric_minimums == vocabulary.PACKAGE_MINIMUM.get(name, {}), name
        references = {
            fk["fields"][0]: "{resource}.{fields[0]}".format(**fk["reference"]) for fk in schema.get("foreignKeys", [])
        }
        assert (tuple(schema["primaryKey"]), references) == vocabulary.PACKAGE_KEYS[name]
    assert validate.field_contract_problems(descriptor, "datapackage.json") == []


def contract_problem(tmp_path, change) -> validate.rules.Problem:
    """The one problem of the real descriptor after ``change(resources by name)``, checked to be
    at the line of the JSON path it names."""
    descriptor = json.loads(paths.PACKAGE.read_text(encoding="utf-8"))
    where = change({r["name"]: r for r in descriptor["resources"]})
    path = tmp_path / "datapackage.json"
    path.write_text(json.dumps(descriptor, indent=2), encoding="utf-8")
    (problem,) = validate.field_contract_problems(descriptor, "datapackage.json", path)
    index = next(i for i, r in enumerate(descriptor["resources"]) if r["name"] == where[0])
    assert problem.line == validate.json_lines(path.read_text(encoding="utf-8"))[("resources", index, *where[1:])]
    return problem


def test_a_dropped_foreign_key_is_refused_at_its_line(tmp_path):
    # Without the figures' key to sources, a figure naming a source the package lacks passed.
    def drop(resources):
        keys = resources["figures"]["schema"]["foreignKeys"]
        keys[:] = [k for k in keys if k["fields"] != ["source_id"]]
        return ("figures", "schema", "foreignKeys")

    problem = contract_problem(tmp_path, drop)
    assert problem.field == "foreignKeys" and "from source_id to sources.source_id" in problem.message


def test_a_changed_primary_key_is_refused_at_its_line(tmp_path):
    def widen(resources):
        resources["corrections"]["schema"]["primaryKey"] = ["correction_id", "figure_id"]
        return ("corrections", "schema", "primaryKey")

    problem = contract_problem(tmp_path, widen)
    assert problem.field == "primaryKey" and "['correction_id']" in problem.message


@pytest.mark.parametrize(
    ("resource", "field", "rule"), [("figures", "quote", "required"), ("source_tiers", "rank", "unique")]
)
def test_a_dropped_required_or_unique_constraint_is_refused_at_its_line(tmp_path, resource, field, rule):
    # Without "required" on the figures' quote, a figure with no quote passed validation.
    def loosen(resources):
        fields = resources[resource]["schema"]["fields"]
        j = next(j for j, f in enumerate(fields) if f["name"] == field)
        fields[j]["constraints"][rule] = False
        return (resource, "schema", "fields", j, "constraints", rule)

    problem = contract_problem(tmp_path, loosen)
    assert problem.field == rule and f"{field} of {resource} must stay {rule}" in problem.message


def test_a_foreign_key_to_fields_that_are_not_a_key_is_refused_at_its_line(tmp_path):
    # SQLite enforces a reference only to a primary key or a unique column: this one passed
    # validation (Table Schema allows it, and the cells matched) and failed the build with
    # "foreign key mismatch".
    descriptor = json.loads(paths.PACKAGE.read_text(encoding="utf-8"))
    assert validate.foreign_key_target_problems(descriptor) == []
    (i, figures) = next((i, r) for i, r in enumerate(descriptor["resources"]) if r["name"] == "figures")
    (k, key) = next((k, fk) for k, fk in enumerate(figures["schema"]["foreignKeys"]) if fk["fields"] == ["source_id"])
    key["reference"]["fields"] = ["url"]
    path = tmp_path / "datapackage.json"
    path.write_text(json.dumps(descriptor, indent=2), encoding="utf-8")
    (problem,) = validate.package_contract_problems(descriptor, "datapackage.json", path)
    where = ("resources", i, "schema", "foreignKeys", k, "reference", "fields")
    assert (problem.line, problem.field) == (validate.json_lines(path.read_text(encoding="utf-8"))[where], "fields")
    assert "url of sources" in problem.message and "primaryKey" in problem.message
    key["reference"]["fields"] = "source_id"  # the key's one field, by its name alone
    assert validate.foreign_key_target_problems(descriptor) == []


def test_a_resource_named_twice_is_refused_at_its_second_line(tmp_path):
    # Each resource is one table: the second "platforms" passed validation, then failed the build
    # with 'table "platforms" already exists'.
    path = make_package(tmp_path)  # the tiny base data, for the rows to be read
    descriptor = json.loads(path.read_text(encoding="utf-8"))
    descriptor["resources"].append(dict(descriptor["resources"][0]))
    path.write_text(json.dumps(descriptor, indent=2), encoding="utf-8")
    (problem,) = validate.package_contract_problems(descriptor, "datapackage.json", path)
    at = validate.json_lines(path.read_text(encoding="utf-8"))[("resources", len(descriptor["resources"]) - 1, "name")]
    assert (problem.line, problem.field) == (at, "name")
    assert "'platforms'" in problem.message and "twice" in problem.message
    # Said once, at that line, whichever reader validates the rows (Frictionless said it again
    # at line 1, naming no resource).
    assert [str(p) for p in validate.check_package(path, engine="frictionless")[0]] == [str(problem)]


def test_encoding_is_read_as_a_name_in_any_case():
    # Character set names are case-insensitive (UTF-8 is the IANA spelling): "UTF-8" was refused
    # as if it declared another encoding.
    descriptor = json.loads(paths.PACKAGE.read_text(encoding="utf-8"))
    descriptor["resources"][0]["encoding"] = "UTF-8"
    assert validate.package_contract_problems(descriptor, "datapackage.json") == []
    descriptor["resources"][0]["encoding"] = "latin-1"
    (problem,) = validate.package_contract_problems(descriptor, "datapackage.json")
    assert problem.field == "encoding"


def test_a_resource_or_field_without_title_or_description_is_refused_at_its_line(tmp_path):
    # The site's descriptions are derived from them: one missing passed validation, then the
    # build stopped with KeyError: 'title'.
    descriptor = json.loads(paths.PACKAGE.read_text(encoding="utf-8"))
    del descriptor["resources"][4]["title"]
    del descriptor["resources"][4]["schema"]["fields"][1]["description"]
    path = tmp_path / "datapackage.json"
    path.write_text(json.dumps(descriptor, indent=2), encoding="utf-8")
    lines = validate.json_lines(path.read_text(encoding="utf-8"))
    name, field = descriptor["resources"][4]["name"], descriptor["resources"][4]["schema"]["fields"][1]["name"]
    assert sorted(validate.package_contract_problems(descriptor, "datapackage.json", path)) == sorted(
        [
            rules.Problem(
                "datapackage.json",
                lines[("resources", 4)],
                "title",
                f"resource {name} has no title, which the site shows",
            ),
            rules.Problem(
                "datapackage.json",
                lines[("resources", 4, "schema", "fields", 1)],
                "description",
                f"field {field} of {name} has no description, which the site shows",
            ),
        ]
    )


def test_a_schema_without_a_primary_key_is_refused_at_its_line(tmp_path):
    # Every table is built with its key: without one, validation said OK and the build stopped
    # with KeyError: 'primaryKey'.
    descriptor = json.loads(paths.PACKAGE.read_text(encoding="utf-8"))
    del descriptor["resources"][6]["schema"]["primaryKey"]
    path = tmp_path / "datapackage.json"
    path.write_text(json.dumps(descriptor, indent=2), encoding="utf-8")
    (problem,) = validate.package_contract_problems(descriptor, "datapackage.json", path)
    at = validate.json_lines(path.read_text(encoding="utf-8"))[("resources", 6, "schema")]
    assert (problem.line, problem.field) == (at, "primaryKey")
    assert descriptor["resources"][6]["name"] in problem.message


def test_jurisdictions_match_iso_3166_1():
    rows = [row for _, row in validate.read_rows(ROOT / "data" / "jurisdictions.csv")]
    countries = {r["jurisdiction_id"]: r for r in rows if r["kind"] == "country"}
    assert set(countries) == {c.alpha_3 for c in pycountry.countries}
    for country in pycountry.countries:
        row = countries[country.alpha_3]
        assert (row["alpha2"], row["numeric"], row["name"]) == (country.alpha_2, country.numeric, country.name)
    scopes = {r["jurisdiction_id"] for r in rows if r["kind"] == "scope"}
    assert {"WORLD", "EU", "OTHER", "INTL"} <= scopes


def test_every_field_has_constraints():
    descriptor = json.loads((ROOT / "datapackage.json").read_text(encoding="utf-8"))
    bare = [
        (r["name"], f["name"])
        for r in descriptor["resources"]
        for f in r["schema"]["fields"]
        if not f.get("constraints")
    ]
    assert bare == []


def _upper_header_cell(field):
    def damage(lines):
        header = lines[0].rstrip("\n").split(",")
        header[header.index(field)] = field.upper()
        lines[0] = ",".join(header) + "\n"

    return damage


def _half_of_last_row(lines):
    cells = next(csv.reader([lines[-1]]))
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerow(cells[: len(cells) // 2])
    lines.append(buffer.getvalue())


# Damage a fuzzer found to end validation in a traceback: the rules across rows read what the
# schema checks report (a renamed header, a short row, a line of spaces) as missing cells.
@pytest.mark.parametrize(
    "fixture,file,damage,reported",
    [
        (None, "figures.csv", _upper_header_cell("request_type_id"), "which the schema does not"),
        (None, "figures.csv", _upper_header_cell("figure_id"), "which the schema does not"),
        (None, "metrics.csv", _upper_header_cell("unit"), "which the schema does not"),
        # A derived figure's corroboration makes validation derive, from every platform's rows.
        ("corroboration_of_derived_disagrees", "figures.csv", lambda lines: lines.insert(3, "   \n"), "has 1 cells"),
        ("corroboration_of_derived_disagrees", "corroborations.csv", _half_of_last_row, "has 2 cells"),
        ("correction_chain_broken", "corrections.csv", _half_of_last_row, "has 3 cells"),
    ],
    ids=[
        "figures-header",
        "figures-id-header",
        "metrics-header",
        "spaces-line",
        "short-corroboration",
        "short-correction",
    ],
)
def test_damaged_rows_and_headers_are_reported_not_a_traceback(tmp_path, fixture, file, damage, reported):
    package = make_package(tmp_path, fixture)
    path = tmp_path / "data" / file
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    damage(lines)
    path.write_text("".join(lines), encoding="utf-8")
    problems = [str(p) for p in validate.validate_package(package, base=tmp_path)]
    assert any(reported in p for p in problems), problems
    assert all(re.match(r"data/[a-z_]+\.csv:\d+:[a-z_,-]+: \S", p) for p in problems), problems


@pytest.mark.parametrize("engine", ["auto", "frictionless"])
def test_a_csv_in_data_that_no_resource_names_is_a_problem(tmp_path, engine):
    # A table added to data/ but not to datapackage.json would never be validated or published.
    package = make_package(tmp_path)
    shutil.copy(package.parent / "data" / "cases.csv", package.parent / "data" / "Cases-new.csv")
    expected = [
        "data/Cases-new.csv:-:-: is not a resource of datapackage.json: add it there, or move it out of this folder"
    ]
    assert [str(p) for p in validate.validate_package(package)] == expected
    assert [str(p) for p in validate.check_package(package, engine=engine)[0]] == expected
    # A build with no stamp, which Arrow's proof validates (the stray file is no resource of it).
    with pytest.raises(validate.ValidationFailed) as failure:
        build.build_site(package, tmp_path / "site")
    assert [str(p) for p in failure.value.problems] == expected
    assert not (tmp_path / "site" / "validated.json").exists()


def test_a_corroboration_of_a_duplicated_figure_id_is_left_to_the_duplicate_key(tmp_path):
    # A curator's second row under an existing id, with another value: the corroboration of the
    # first was checked against the second's value and named as the thing to fix.
    package = make_package(tmp_path)
    apply_edits(
        tmp_path,
        [
            {
                "file": "data/figures.csv",
                "append": "examplechat-usa-2024-ip_or_phone-requests_fulfilled,examplechat,USA,2024-01-01,"
                "2024-12-31,ip_or_phone,requests_fulfilled,exact,901,,,Fulfilled requests,"
                "example-2025-01-10-report,,Fulfilled requests: 901,",
            },
            {
                "file": "data/corroborations.csv",
                "append": "examplechat-usa-2024-ip_or_phone-requests_fulfilled,example-2025-01-10-report,,"
                "Fulfilled requests: 900,",
            },
        ],
    )
    problems = [str(p) for p in validate.validate_package(package)]
    assert any(p.startswith("data/figures.csv:10:figure_id:") and "duplicate" in p for p in problems), problems
    assert not [p for p in problems if p.startswith("data/corroborations.csv")], problems


SOURCES = [
    (
        2,
        {
            "source_id": "report",
            "published_date": "2019-03-01",
            "retrieved_date": "2026-11-28",
            "kind": "platform_report",
        },
    ),
    (
        3,
        {"source_id": "thread", "published_date": "2024-10-11", "retrieved_date": "2026-11-28", "kind": "issue_thread"},
    ),
]


@pytest.mark.parametrize(
    ("source_id", "period_end", "found"),
    [
        ("report", "2018-12-31", None),
        ("report", "2019-03-01", None),
        ("report", "2022-12-31", "2022-12-31 is after report was published (2019-03-01)"),
        # An issue thread's comments come after it was opened (Telegram's Q1 2026 for Spain).
        ("thread", "2026-03-31", None),
        ("thread", "2027-03-31", "2027-03-31 is after thread was retrieved (2026-11-28)"),
        ("unknown", "2030-01-01", None),  # the foreign key's to report
    ],
)
def test_a_figure_cannot_end_after_its_source_was_published_or_retrieved(source_id, period_end, found):
    figures = [(7, {"source_id": source_id, "period_end": period_end})]
    problems = consistency.figure_period_problems(figures, SOURCES, "data/figures.csv")
    if found is None:
        assert problems == []
    else:
        (problem,) = problems
        assert (problem.line, problem.field) == (7, "period_end") and problem.message.startswith(found)


AUTHORITY_REPORT = (
    "examplepolice-requests-sent,examplechat,DEU,Example Police,{start},{end},{words},requests sent to ExampleChat,"
    "exact,202,count,example-2025-01-10-report,The police sent 202 requests to ExampleChat.,Fixture."
)


@pytest.mark.parametrize(
    ("start", "end", "words", "told"),
    [
        ("", "", "until September 2024", None),  # no dates stated: nothing to hold to its source
        ("2024-01-01", "2025-01-10", "until the day of the report", None),
        (
            "2025-01-01",
            "2025-06-30",
            "first half of 2025",
            "data/authority_reports.csv:2:period_end: 2025-06-30 is after example-2025-01-10-report was published "
            "(2025-01-10), and a source cannot count a period that had not ended: check the period, or the source_id",
        ),
        (
            "2024-09-30",
            "2024-01-01",
            "January to September 2024",
            "data/authority_reports.csv:2:period_end: period_end 2024-01-01 is before period_start 2024-09-30",
        ),
    ],
)
def test_an_authority_reports_period_is_held_to_its_order_and_its_sources_dates(tmp_path, start, end, words, told):
    # A figure's period was held to its source's dates; an authority's count of a period that
    # ended after the article quoting it was published passed, a wrong year or a wrong source.
    package = make_package(tmp_path)
    row = AUTHORITY_REPORT.format(start=start, end=end, words=words)
    apply_edits(tmp_path, [{"file": "data/authority_reports.csv", "append": row}])
    expected = [] if told is None else [told]
    assert [str(p) for p in validate.validate_package(package)] == expected
    assert validate.proved_valid(package) is (told is None)
    assert [str(p) for p in validate.check_package(package, engine="frictionless")[0]] == expected
    descriptor = json.loads(package.read_text(encoding="utf-8"))
    tables = {
        r["name"]: arrow_validate.read_strings(package.parent / r["path"], [f["name"] for f in r["schema"]["fields"]])
        for r in descriptor["resources"]
    }
    # The rules across files on Arrow's tables find what check_package tells (the order of the
    # period is a rule across rows, arrow_validate.check_period_order, not one of these).
    assert [str(p) for p in consistency.arrow_problems(tables)] == [m for m in expected if "is after" in m]


def test_a_figure_ending_after_its_source_was_published_is_refused_by_validation(tmp_path):
    package = make_package(tmp_path)
    apply_edits(
        tmp_path,
        [
            {
                "file": "data/figures.csv",
                "append": "examplechat-deu-2025h1-all-requests_received,examplechat,DEU,2025-01-01,2025-06-30,"
                "all,requests_received,exact,1600,,,Requests,example-2025-01-10-report,,Germany 1.600 requests,",
            }
        ],
    )
    problems = [str(p) for p in validate.validate_package(package)]
    assert (
        "data/figures.csv:10:period_end: 2025-06-30 is after example-2025-01-10-report was published (2025-01-10), "
        "and a source cannot count a period that had not ended: check the period, or the source_id"
    ) in problems


def test_a_lookup_that_failed_because_its_file_could_not_be_read_says_so(tmp_path):
    # A damaged request_types.csv header made every figure's request type "not found", and the
    # hint then said 'did you mean "account"?' of the value "account" itself.
    from disclosures import rules

    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "request_types.csv").write_text(
        "request_type_id,label,definition,x,x\naccount,Account,Accounts,,\n", encoding="utf-8"
    )
    descriptor = {"resources": [{"name": "request_types", "path": "data/request_types.csv", "schema": {"fields": []}}]}
    message = (
        'for "request_type_id": values "account" not found in the lookup table "request_types" as "request_type_id"'
    )
    problems = [rules.Problem("data/figures.csv", 2, "request_type_id", message)]
    (told,) = validate.with_near_keys(problems, tmp_path / "datapackage.json", descriptor, tmp_path)
    assert told.message.endswith(
        'data/request_types.csv has "account", but could not be read: correct its own problem first'
    )
    assert "did you mean" not in told.message


def test_problems_of_rules_that_read_a_damaged_table_are_counted_not_echoed():
    Problem = rules.Problem
    tables = {f"data/{name}.csv": name for name in ("figures", "sources", "metrics", "cases", "corroborations")}
    problems = [
        Problem("data/sources.csv", 1, None, "has no rows; this table must not be empty"),
        Problem("data/metrics.csv", 1, None, "has no rows; this table must not be empty"),
        Problem("data/cases.csv", 1, None, validate.empty_file_message(["case_id"])),
        # Rules that read sources and metrics without naming them: with either unreadable, every
        # correct row was told its value was not in its quote, or its derived figure missing.
        Problem("data/figures.csv", 7, "quote", "value 900 of x does not appear in the quote"),
        Problem(
            "data/corroborations.csv", 9, "figure_id", "x-derived is neither in figures nor a figure the build derives"
        ),
        # A cell that echoes a damaged table's name is no mention of it: these stay.
        Problem("data/figures.csv", 8, "value", "'cases' is not a number"),
        Problem("data/corroborations.csv", 5, "url", "'see cases' is not an http(s) URL with a host"),
        Problem(
            "data/figures.csv", 9, "source_id", 'for "source_id": values "s" not found in the lookup table "sources"'
        ),
    ]
    kept = [str(p) for p in validate.without_echoes_of_damaged_tables(problems, tables)]
    assert "data/figures.csv:8:value: 'cases' is not a number" in kept
    assert "data/corroborations.csv:5:url: 'see cases' is not an http(s) URL with a host" in kept
    assert not any("does not appear in the quote" in p or "build derives" in p or "lookup table" in p for p in kept)
    assert "data/figures.csv:-:-: 2 problem(s) naming sources left out" in "\n".join(kept)
    assert "data/corroborations.csv:-:-: 1 problem(s) naming metrics left out" in "\n".join(kept)


@pytest.mark.parametrize("descriptor", [[], None, {"resources": {}}, {"resources": ["data/events.csv"]}])
def test_cli_validate_reports_a_descriptor_of_the_wrong_shape_not_a_traceback(tmp_path, descriptor):
    # The stamp's key, taken before validation reads anything, took every descriptor for an object
    # of objects: `[]` as datapackage.json, or a resource written as its path, was an AttributeError.
    package = make_package(tmp_path / "p")
    package.write_text(json.dumps(descriptor), encoding="utf-8")
    run = run_cli("validate", package, "--out", tmp_path / "site")
    assert run.returncode == 1
    assert "Traceback" not in run.stderr, run.stderr
    assert re.search(r"^p/datapackage\.json:[0-9]+:", run.stderr.replace(str(tmp_path) + "/", ""), re.M), run.stderr


@pytest.mark.parametrize(
    ("where", "key", "value"),
    [
        ((), "homepage", 5),
        ((), "homepage", ["https://platform-disclosures.org/"]),
        ((), "title", {"en": "Platform Disclosures"}),
        ((), "description", None),
        (("resources", 0), "name", ["platforms"]),
        (("resources", 0, "schema", "fields", 0), "type", ["string"]),
        (("resources", 0, "schema", "fields", 0), "format", {"uri": True}),
        (("contributors", 0), "title", 5),
    ],
)
def test_cli_validate_and_build_tell_a_descriptor_value_of_the_wrong_kind_in_one_line(tmp_path, where, key, value):
    # Each was a traceback from validate or the build (urlsplit of 5, a list as a set member or a
    # dict key, KeyError: 'title'), or passed both to fail in a release's citation.
    package = make_package(tmp_path / "p")
    descriptor = json.loads(package.read_text(encoding="utf-8"))
    node = descriptor
    for part in where:
        node = node[part]
    node[key] = value
    package.write_text(json.dumps(descriptor, indent=2), encoding="utf-8")
    for verb in (["validate", str(package)], ["build", "--package", str(package), "--out", str(tmp_path / "b")]):
        run = run_cli(*verb, cwd=tmp_path)
        assert run.returncode == 1 and "Traceback" not in run.stderr, run.stderr
        assert re.search(rf"^p/datapackage\.json:[0-9]+:{key}: ", run.stderr, re.M), run.stderr


@pytest.mark.parametrize(
    ("key", "value", "told"),
    [
        ("fields", 5, "datapackage.json:44:fields: Schema is not valid: 5 is not of type 'array'"),
        ("fields", True, "datapackage.json:44:fields: Schema is not valid: True is not of type 'array'"),
        # Each key the package needs was told missing, one line each: never what to fix.
        *(
            (
                "foreignKeys",
                value,
                f"datapackage.json:223:foreignKeys: the foreignKeys of platforms are a JSON {kind}: they must be "
                "a list of foreign keys (objects)",
            )
            for value, kind in ((5, "number"), (True, "boolean"), ("jurisdictions", "string"))
        ),
    ],
)
def test_a_schema_list_of_the_wrong_kind_is_told_at_its_line_not_a_traceback(tmp_path, key, value, told):
    # The checks that place Frictionless's errors and list the keys iterated `schema.get(key) or []`:
    # a number or a boolean there was a TypeError traceback.
    package = make_package(tmp_path)
    apply_edits(
        tmp_path, [{"file": "datapackage.json", "old": f'"{key}": [', "new": f'"{key}": {json.dumps(value)}, "x": ['}]
    )
    problems = [str(p) for p in validate.validate_package(package)]
    assert any(p.startswith(told) for p in problems), problems
    assert not any("has no foreign key from" in p for p in problems), problems


def test_cli_validate_reads_the_datapackage_json_of_a_folder_and_says_when_there_is_none(tmp_path):
    # `validate some/folder` was "cannot be read as JSON: [Errno 21] Is a directory".
    make_package(tmp_path / "p", "value_kind_mismatch")
    (tmp_path / "empty").mkdir()
    run = run_cli("validate", "p", cwd=tmp_path)
    assert run.returncode == 1
    assert "p/data/figures.csv:9:value: is required when value_kind is exact" in run.stderr
    assert "Is a directory" not in run.stderr
    for verb in (["validate", "empty"], ["build", "--package", "empty", "--out", "site"]):
        run = run_cli(*verb, cwd=tmp_path)
        assert run.returncode == 1
        assert run.stderr == (
            "empty: a folder with no datapackage.json in it\n"
            "Name a package's datapackage.json, or the folder that holds it.\n"
        )


def test_cli_validate_of_a_symlinked_datapackage_json_reads_the_links_folder_as_the_build_does(tmp_path):
    # The command resolved the descriptor and validated the target's data/ ("OK"), while
    # `build --package` of the same path read (and refused) the link's: one verb said valid
    # what the next refused.
    valid = make_package(tmp_path / "p")
    broken = make_package(tmp_path / "link", "value_kind_mismatch")
    broken.unlink()
    broken.symlink_to(valid)
    run = run_cli("validate", "link", cwd=tmp_path)
    assert run.returncode == 1, run.stdout
    assert "link/data/figures.csv:9:value: is required when value_kind is exact" in run.stderr
    built = run_cli("build", "--package", "link", "--out", "site", cwd=tmp_path)
    assert built.returncode == 1
    assert "link/data/figures.csv:9:value: is required when value_kind is exact" in built.stderr


def test_cli_validate_names_a_symlinked_package_as_given_not_as_its_target(tmp_path):
    # shown_path resolved links: `validate current` (a link to v2) said "OK: v2/datapackage.json",
    # and its problems named v2's files, not the path the curator typed.
    make_package(tmp_path / "v2")
    (tmp_path / "current").symlink_to("v2", target_is_directory=True)
    for given in ("current", "current/datapackage.json"):
        run = run_cli("validate", given, cwd=tmp_path)
        assert run.returncode == 0, run.stderr
        assert run.stdout == "OK: current/datapackage.json is valid\n"
    # A descriptor linked from another folder names the link too.
    linked = make_package(tmp_path / "mine")
    linked.unlink()
    linked.symlink_to(tmp_path / "v2" / "datapackage.json")
    run = run_cli("validate", "mine", cwd=tmp_path)
    assert run.returncode == 0, run.stderr
    assert run.stdout == "OK: mine/datapackage.json is valid\n"
    make_package(tmp_path / "broken", "value_kind_mismatch")
    (tmp_path / "latest").symlink_to("broken", target_is_directory=True)
    run = run_cli("validate", "latest", cwd=tmp_path)
    assert run.returncode == 1
    assert "latest/data/figures.csv:9:value: is required when value_kind is exact" in run.stderr, run.stderr
    assert "broken/" not in run.stderr


def test_cli_validate_says_when_out_is_no_folder(tmp_path):
    # After the whole validation had passed, --out naming a file was a FileExistsError's traceback.
    package = make_package(tmp_path / "p")
    (tmp_path / "site").write_text("", encoding="utf-8")
    run = run_cli("validate", package, "--out", tmp_path / "site")
    assert run.returncode == 1
    assert "Traceback" not in run.stderr, run.stderr
    assert f"{tmp_path / 'site'}: the record of this validation cannot be written there: File exists" in run.stderr


def test_cli_validate_leaves_the_rows_the_build_then_loads(tmp_path):
    """`make validate && make build` as the bench runs them: validation writes the stamp and its
    typed rows; the build of the same bytes loads those rows (no CSV read) and builds."""
    package = make_package(tmp_path / "p")
    site = tmp_path / "site"
    run = run_cli("validate", package, "--out", site)
    assert run.returncode == 0, run.stderr
    assert sorted(p.name for p in site.iterdir()) == [stamp.ROWS_FILE, stamp.STAMP_FILE]
    # The build must not read the CSVs for their rows: columnar's reader is made to fail.
    probe = (
        "import sys, runpy; from disclosures import columnar;"
        "columnar.read_validated = lambda *a: sys.exit('read the CSVs again');"
        f"sys.argv = ['cli.py', 'build', '--package', {str(package)!r}, '--out', {str(site)!r}];"
        f"runpy.run_path({str(ROOT / 'scripts' / 'cli.py')!r}, run_name='__main__')"
    )
    run = subprocess.run([sys.executable, "-c", probe], cwd=ROOT, capture_output=True, text=True)
    assert run.returncode == 0, run.stderr
    assert "validated and built" in run.stdout


def cli_validate_editing(package, site, restore: bool):
    """`cli.py validate PACKAGE --out SITE`, editing data/platforms.csv as validation reads it
    (and putting it back when ``restore``)."""
    platforms = package.parent / "data" / "platforms.csv"
    probe = (
        "import sys, runpy, pathlib; from disclosures import arrow_validate; read = arrow_validate.read_strings\n"
        f"target = pathlib.Path({str(platforms)!r}); original = target.read_bytes()\n"
        "def edited(path, names, digests=None, kept=None):\n"
        "    if path != target: return read(path, names, digests, kept)\n"
        "    target.write_bytes(original.replace(b'ExampleChat', b'ExampleChat EDITED', 1))\n"
        "    try: return read(path, names, digests, kept)\n"
        f"    finally: {'target.write_bytes(original)' if restore else 'pass'}\n"
        "arrow_validate.read_strings = edited\n"
        f"sys.argv = ['cli.py', 'validate', {str(package)!r}, '--out', {str(site)!r}]\n"
        f"runpy.run_path({str(ROOT / 'scripts' / 'cli.py')!r}, run_name='__main__')\n"
    )
    return subprocess.run([sys.executable, "-c", probe], cwd=ROOT, capture_output=True, text=True)


def test_cli_validate_records_nothing_when_a_file_changed_while_it_was_read(tmp_path):
    package = make_package(tmp_path / "p")
    site = tmp_path / "site"
    run = cli_validate_editing(package, site, restore=False)
    assert run.returncode == 1, run.stdout + run.stderr
    assert "a file changed while it was validated; nothing recorded" in run.stderr
    assert not site.exists() or list(site.iterdir()) == []


def test_cli_validate_parses_the_bytes_it_hashed_whatever_the_file_holds_meanwhile(tmp_path):
    # The command reads each file once, hashes those bytes for the stamp and parses them: an edit
    # made while it reads, then undone, touches neither what it validated nor what it records.
    package = make_package(tmp_path / "p")
    site = tmp_path / "site"
    run = cli_validate_editing(package, site, restore=True)
    assert run.returncode == 0, run.stdout + run.stderr
    descriptor = json.loads(package.read_text(encoding="utf-8"))
    handed = stamp.validated_tables(site, stamp.current_key(package), descriptor)
    platforms = handed["platforms"]
    names = [row[platforms.column("name")] for row in platforms.rows]
    assert "ExampleChat" in names and not any("EDITED" in name for name in names)


def cli_validate_telling_when_staged(package, site):
    """`cli.py validate PACKAGE --out SITE`, printing "staged" when the rows are staged."""
    probe = (
        "import sys, runpy; from disclosures import stamp; staged = stamp.StagedRows.stage\n"
        "def stage(self, body, parsed):\n"
        "    print('staged', flush=True); return staged(self, body, parsed)\n"
        "stamp.StagedRows.stage = stage\n"
        f"sys.argv = ['cli.py', 'validate', {str(package)!r}, '--out', {str(site)!r}]\n"
        f"runpy.run_path({str(ROOT / 'scripts' / 'cli.py')!r}, run_name='__main__')\n"
    )
    return subprocess.run([sys.executable, "-c", probe], cwd=ROOT, capture_output=True, text=True)


def test_cli_validate_stages_the_rows_before_the_child_decides_and_keeps_none_it_refuses(tmp_path):
    # The rows' file is written while the child decides the rules across rows; when the child
    # refuses (a part above its whole), nothing of it stays: no folder, no temporary file. A
    # folder's earlier stamp stays as it was; its rows, written over by the staging (their pages
    # reused), go with it: they are another key's, and the build of that key reads the CSVs.
    package = make_package(tmp_path / "p", "part_exceeds_whole")
    run = cli_validate_telling_when_staged(package, tmp_path / "out" / "site")
    assert run.returncode == 1 and run.stdout.startswith("staged"), run.stdout + run.stderr
    assert "figures.csv:2:value: 9 is less than 14 reported for the part" in run.stderr, run.stderr
    assert not (tmp_path / "out").exists()
    valid = make_package(tmp_path / "valid")
    site = tmp_path / "site"
    assert run_cli("validate", valid, "--out", site).returncode == 0
    before = {p.name: p.read_bytes() for p in site.iterdir()}
    run = cli_validate_telling_when_staged(package, site)
    assert run.returncode == 1 and run.stdout.startswith("staged"), run.stdout + run.stderr
    assert {p.name: p.read_bytes() for p in site.iterdir()} == {stamp.STAMP_FILE: before[stamp.STAMP_FILE]}
    built = run_cli("build", "--package", valid, "--out", site)
    assert built.returncode == 0 and "validated and built" in built.stdout, built.stdout + built.stderr
    # Valid, the staged file is the one the build reads.
    run = cli_validate_telling_when_staged(valid, tmp_path / "new")
    assert run.returncode == 0 and run.stdout.startswith("staged"), run.stdout + run.stderr
    descriptor = json.loads(valid.read_text(encoding="utf-8"))
    assert sorted(p.name for p in (tmp_path / "new").iterdir()) == [stamp.ROWS_FILE, stamp.STAMP_FILE]
    assert stamp.validated_tables(tmp_path / "new", stamp.current_key(valid), descriptor)["figures"].rows


def cli_validate_with_stage(package, site, before: str = "", after: str = ""):
    """`cli.py validate PACKAGE --out SITE`, running the Python ``before`` and ``after`` (with
    ``descriptor``, the package's datapackage.json) around the staging of its rows."""
    probe = (
        "import os, pathlib, signal, sys, runpy; from disclosures import stamp; staged = stamp.StagedRows.stage\n"
        f"descriptor = pathlib.Path({str(package)!r})\n"
        "def stage(self, body, parsed):\n"
        f"    {before or 'pass'}\n"
        "    staged(self, body, parsed)\n"
        f"    {after or 'pass'}\n"
        "stamp.StagedRows.stage = stage\n"
        f"sys.argv = ['cli.py', 'validate', {str(package)!r}, '--out', {str(site)!r}]\n"
        f"runpy.run_path({str(ROOT / 'scripts' / 'cli.py')!r}, run_name='__main__')\n"
    )
    return subprocess.run([sys.executable, "-c", probe], cwd=ROOT, capture_output=True, text=True)


@pytest.mark.parametrize("signal_name", ["SIGTERM", "SIGHUP"])
def test_cli_validate_terminated_while_its_rows_are_staged_leaves_nothing(tmp_path, signal_name):
    # A helper's break test: terminated while the child decided, validate left the staged file
    # (up to 216 MB) and the folders made for it.
    package = make_package(tmp_path / "p")
    site = tmp_path / "out" / "site"
    run = cli_validate_with_stage(package, site, after=f"os.kill(os.getpid(), signal.{signal_name})")
    assert run.returncode == 128 + getattr(signal, signal_name), run.stdout + run.stderr
    assert "Traceback" not in run.stderr, run.stderr
    assert not (tmp_path / "out").exists()


def test_cli_validate_removes_what_a_killed_validation_left(tmp_path):
    package = make_package(tmp_path / "p")
    site = tmp_path / "site"
    site.mkdir()
    gone = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    stale = [
        site / f".{stamp.ROWS_FILE}.{gone.stdout.strip()}.tmp",
        site / f".{stamp.STAMP_FILE}.{gone.stdout.strip()}.tmp",
    ]
    for path in stale:
        path.write_bytes(b"half")
    mine = site / f".{stamp.ROWS_FILE}.{os.getpid()}.tmp"  # a process still running: not touched
    mine.write_bytes(b"mine")
    # --out may be any folder: a temporary of another name, or a folder, is no validation's.
    theirs = [site / f".bashrc.{gone.stdout.strip()}.tmp", site / f".notes.{gone.stdout.strip()}.tmp"]
    theirs[0].write_bytes(b"theirs")
    theirs[1].mkdir()
    (theirs[1] / "kept").write_bytes(b"kept")
    assert run_cli("validate", package, "--out", site).returncode == 0
    assert sorted(p.name for p in site.iterdir()) == sorted(
        [mine.name, *(p.name for p in theirs), stamp.ROWS_FILE, stamp.STAMP_FILE]
    )
    assert (theirs[1] / "kept").read_bytes() == b"kept"


def test_cli_validate_goes_on_without_its_child_when_the_child_alone_is_terminated(tmp_path):
    # A fresh helper's break test: SIGTERM to validation's child alone ended the command at once,
    # exit 143, nothing said. The child's end is a ChildFailed: the package is validated without it,
    # by check_package, whose decision records no stamp (it cannot say which bytes it parsed).
    package = make_package(tmp_path / "p")
    probe = (
        "import os, signal, sys, runpy; from disclosures import arrow_validate\n"
        "def terminated(tables):\n"
        "    os.kill(os.getpid(), signal.SIGTERM)\n"
        "    yield True\n"
        "arrow_validate._rules_hold = terminated\n"
        f"sys.argv = ['cli.py', 'validate', {str(package)!r}, '--out', {str(tmp_path / 'site')!r}]\n"
        f"runpy.run_path({str(ROOT / 'scripts' / 'cli.py')!r}, run_name='__main__')\n"
    )
    run = subprocess.run([sys.executable, "-c", probe], cwd=ROOT, capture_output=True, text=True)
    assert run.returncode == 0, run.stdout + run.stderr
    assert "is valid" in run.stdout
    assert not (tmp_path / "site" / stamp.STAMP_FILE).exists()


def test_cli_validate_records_through_a_folder_named_by_a_missing_one(tmp_path):
    # `--out missing/../site`: the staged rows' folders made one by one, `missing/..` found made.
    package = make_package(tmp_path / "p")
    run = run_cli("validate", package, "--out", "missing/../site", cwd=tmp_path)
    assert run.returncode == 0, run.stderr
    assert sorted(p.name for p in (tmp_path / "site").iterdir()) == [stamp.ROWS_FILE, stamp.STAMP_FILE]


def test_a_descriptor_replaced_once_proved_valid_is_told_as_a_changed_file(tmp_path):
    # Read again after the rows were proved valid, a datapackage.json replaced by `[]` (or cut
    # short) was an AttributeError's (JSONDecodeError's) traceback.
    for number, text in enumerate(("[]", "{")):
        package = make_package(tmp_path / f"p{number}")

        def replace(body, parsed, package=package, text=text):
            package.write_text(text, encoding="utf-8")

        assert validate.validate_package(package, typed=[], stage=replace) == []
        package = make_package(tmp_path / f"q{number}")
        site = tmp_path / f"site{number}"
        run = cli_validate_with_stage(package, site, before=f"descriptor.write_text({text!r})")
        assert run.returncode == 1 and "Traceback" not in run.stderr, run.stderr
        assert "a file changed while it was validated; nothing recorded" in run.stderr
        assert not site.exists()


@pytest.mark.parametrize("text", ["", "\n"])
def test_an_empty_file_or_a_lone_line_break_is_told_once(tmp_path, text):
    package = make_package(tmp_path / "p")
    (package.parent / "data" / "events.csv").write_text(text, encoding="utf-8")
    told = [str(p) for p in validate.validate_package(package, base=package.parent) if p.path == "data/events.csv"]
    assert told == [
        "data/events.csv:1:-: is an empty file: its first line must be the header "
        "(event_id,event_date,platform_id,title,description,source_id,quote)"
    ]
    # Two blank lines are no empty file to Frictionless: the header and the blank row are told.
    (package.parent / "data" / "events.csv").write_text("\n\n", encoding="utf-8")
    told = [p.message for p in validate.validate_package(package, base=package.parent) if p.path == "data/events.csv"]
    assert any(m.startswith("header lacks") for m in told) and "is a blank row: delete the line" in told


def test_a_corroboration_of_an_unknown_id_is_offered_a_close_spelling_never_another_period():
    figures = {
        "t-usa-2025q1-ip_or_phone-requests_fulfilled": {},
        "t-usa-2025q2-ip_or_phone-requests_fulfilled": {},
        "t-usa-2025-ip_or_phone-requests_fulfilled": {},
    }
    typo = validate.unknown_figure_hint("t-usa-2025q1-ip_or_phone-requests_fulfiled", figures)
    assert typo.startswith('did you mean "t-usa-2025q1-ip_or_phone-requests_fulfilled"?')
    # Q3 is one digit from Q1 and Q2: another period, not a typo of one.
    other = validate.unknown_figure_hint("t-usa-2025q3-ip_or_phone-requests_fulfilled", figures)
    assert "did you mean" not in other
    assert "or delete this row" in other
    reported = validate.unknown_figure_hint("t-usa-2025-ip_or_phone-requests_fulfilled-derived", figures)
    assert "now reports this period as t-usa-2025-ip_or_phone-requests_fulfilled" in reported
    gone = validate.unknown_figure_hint("t-usa-2024-ip_or_phone-requests_fulfilled-derived", figures)
    assert "correct that figure or this figure_id, or delete this row" in gone


def test_corroborations_naming_no_figure_read_the_figure_ids_once_and_are_still_told_their_near_id():
    # Each corroboration naming no figure scanned every figure id three times: a figures.csv saved
    # with tabs, read as one id per line, took minutes for 5,166 corroborations times 58,935 lines.
    class CountedFigures(dict):
        scans = 0

        def __iter__(self):
            CountedFigures.scans += 1
            return super().__iter__()

    figures = CountedFigures({f"t-usa-{year}-ip_or_phone-requests_fulfilled": {} for year in range(1900, 2100)})
    rows = [(line, {"figure_id": f"t-usa-{1900 + line}-ip_or_phone-requests_fulfiled"}) for line in range(2, 202)]
    rows += [(202, {"figure_id": "T-USA-2024-IP_OR_PHONE-REQUESTS_FULFILLED"}), (203, {"figure_id": "t"})]
    problems = validate.corroboration_problems(rows, figures, {}, "data/corroborations.csv")
    assert CountedFigures.scans == 1
    assert [p.line for p in problems] == list(range(2, 204))
    assert 'did you mean "t-usa-1902-ip_or_phone-requests_fulfilled"?' in problems[0].message
    assert 'did you mean "t-usa-2024-ip_or_phone-requests_fulfilled"?' in problems[-2].message
    assert "did you mean" not in problems[-1].message
    assert validate.correction_problems(
        [
            (
                2,
                {
                    "figure_id": "t-usa-2000-ip_or_phone-requests_fulfiled",
                    "new_value": "9",
                    "corrected_date": "2025-01-01",
                },
            )
        ],
        set(figures),
        "data/corrections.csv",
    )[0].message.startswith('t-usa-2000-ip_or_phone-requests_fulfiled is not in figures (did you mean "t-usa-2000-')


def test_a_value_in_its_quote_only_in_a_range_of_years_is_told_once_as_a_year():
    # An en dash now makes a range ("10–20"): "2012–2013" is one too, and the value 2013 was told
    # twice, as a year and as a range's end, for the one mistake of taking a year for the figure.
    values = {
        "figure_id": "x",
        "value_kind": "exact",
        "value": Decimal(2013),
        "quote": "In 2012–2013 Cloudflare answered 28 requests",
    }
    notes = [note for field, note in validate.figure_value_notes(values, set()) if field == "value"]
    assert len(notes) == 1 and "only as a year" in notes[0], notes


def test_a_claim_from_a_bulk_file_row_is_held_to_its_kept_figures_column_unless_computed_or_no_number():
    urls = {"older": "https://github.com/a/b/blob/5b7d61e/google-user-data-requests.csv"}
    kept = {"f": {"metric_id": "requests_received", "source_locator": ""}}
    row = "2018-06-30,United States,US,Wiretap Orders,3,100,4"

    def flagged(value, kind="different_value", figure_id="f"):
        claim = {"figure_id": figure_id, "source_id": "older", "claimed_value": value, "claimed_text": row}
        return [
            str(p) for p in consistency.claimed_column_problems([(2, {**claim, "kind": kind})], kept, urls, "d.csv")
        ]

    assert flagged("3") == []
    (told,) = flagged("4")
    assert told.startswith('d.csv:2:claimed_value: requests_received of f is read from the column "User Data Requests"')
    # A computed sum, a claim that keeps no figure, and a claimed value that is no finite number
    # (the schema checks report NaN, Infinity and text): not judged here.
    assert flagged("4", kind="inconsistent_parts") == []
    assert flagged("4", figure_id="") == []
    assert flagged("NaN") == [] and flagged("Infinity") == [] and flagged("four") == [] and flagged("") == []


def test_a_claimed_value_must_be_in_its_claimed_text_unless_press_or_computed():
    kinds = {"report": "platform_report", "file": "platform_data_file", "news": "press"}

    def flagged(source_id, value, text, kind="typo"):
        row = {"source_id": source_id, "claimed_value": value, "claimed_text": text, "kind": kind}
        return [str(p) for p in consistency.claimed_value_problems([(2, row)], kinds, "d.csv")]

    assert flagged("report", "2253", "2,253 requests") == []
    assert flagged("report", "81.5", "81,5 %") == []
    assert flagged("report", "2235", "2,253 requests") == [
        "d.csv:2:claimed_text: claimed_value 2235 does not appear in claimed_text"
    ]
    # A data file's record: one field is the value ("10,100,19" holds 19, which prose would not).
    assert flagged("file", "19", "2017-06-30,United States,US,Wiretap Orders,10,100,19") == []
    assert flagged("report", "19", "2017-06-30,United States,US,Wiretap Orders,10,100,19") != []
    # The press writes numbers in words; an inconsistent_parts claim is the sum of the parts listed.
    assert flagged("news", "7000", "almost seven thousand requests") == []
    assert flagged("file", "37", "2022,Argentina,AR,1 ¶ 2022,India,IN,22", kind="inconsistent_parts") == []
    assert flagged("report", "", "no number claimed") == []
    # A rounded claim may write its number with a scale word; another kind, or another number, may not.
    assert flagged("report", "1200000", "nearly 1.2 million requests", kind="rounded") == []
    assert flagged("report", "2500", "some 2,5 thousand accounts", kind="rounded") == []
    assert flagged("report", "1200000", "nearly 1.2m requests", kind="rounded") == []
    assert flagged("report", "1200000", "nearly 1.2 million requests") != []
    assert flagged("report", "1200000", "nearly 11.2 million requests", kind="rounded") != []
    assert flagged("report", "1200000", "nearly 1.2 thousand requests", kind="rounded") != []


def test_a_scale_word_is_abbreviated_as_it_is_written():
    # "1.2k" is a thousand's abbreviation and "1.2bn" a billion's; the first letter of "thousand"
    # is not one: "1.2T" is read as a trillion, so it does not write 1200.
    rounded = consistency.written_with_scale
    assert rounded(Decimal(1200), "about 1.2k requests")
    assert rounded(Decimal(1200000000), "about 1.2bn requests")
    assert rounded(Decimal(1200000), "about 1.2 mn requests")
    assert not rounded(Decimal(1200), "about 1.2T requests")
    assert not rounded(Decimal(1200), "about 1.2 t")


OVERLAPPING_REPORT = (
    "examplechat-usa-20231101-20240229-ip_or_phone-{metric},examplechat,USA,2023-11-01,2024-02-29,ip_or_phone,"
    "{metric},exact,{value},,,Wording,example-2025-01-10-report,,{quote}: {value},"
)


@pytest.mark.parametrize(
    ("metrics", "quote", "refused"),
    [
        (("requests_fulfilled", "accounts_affected"), "Requests", False),
        (("requests_fulfilled",), "Requests", True),
        # One figure whose quote states the period: its source's own words give it.
        (("requests_fulfilled",), "November 2023 to February 2024", False),
        (("requests_fulfilled",), "01.11.23 - 29.02.24", False),
        (("requests_fulfilled",), "November 2023", True),  # one end is not the period
    ],
)
def test_a_period_overlapping_another_is_refused_unless_its_source_reported_it(tmp_path, metrics, quote, refused):
    # Nov 2023–Feb 2024 overlaps 2024 and Jan–Sep 2024 without nesting. Two figures of the source
    # with that period are a report of it (Snap's Nov 2014–Feb 2015 beside H1 2015), as is one
    # whose quote states the period; one alone, its quote silent on the period, is a mistyped period.
    package = make_package(tmp_path)
    rows = [
        OVERLAPPING_REPORT.format(metric=m, value=v, quote=quote) for m, v in zip(metrics, ("31", "45"), strict=False)
    ]
    apply_edits(tmp_path, [{"file": "data/figures.csv", "append": row} for row in rows])
    problems = [str(p) for p in validate.validate_package(package)]
    reference = [str(p) for p in validate.check_package(package, engine="frictionless")[0]]
    assert problems == reference
    if not refused:
        assert problems == [] and validate.proved_valid(package)
    else:
        # Once, though it overlaps both 2024 and Jan–Sep 2024.
        assert problems == [
            "data/figures.csv:10:period_end: 2023-11-01..2024-02-29 overlaps 2024-01-01..2024-09-30 of "
            "examplechat-usa-20240101-20240930-ip_or_phone-requests_fulfilled (line 4), neither within the other, "
            "and no other figure of example-2025-01-10-report has this period: check period_start and period_end "
            "against the source, and if it reports this period, quote the words that state it"
        ]


def test_a_quote_states_a_period_when_it_names_both_ends():
    from datetime import date

    period = (date(2023, 11, 1), date(2024, 2, 29))
    for stated in (
        "November 2023 to February 2024",
        "Nov 2023–Feb 2024",
        "01.11.23 - 29.02.24",
        "2023-11-01/2024-02-29",
    ):
        assert rules.period_stated(period, stated), stated
    for silent in ("Requests: 31", "November 2023: 5", "Nov 2023 – Feb 20245", "since 2023-11-01"):
        assert not rules.period_stated(period, silent), silent
    # A month without its year when both ends are in one year ("January to September 2024"), as
    # sources write it, capitalised; a day in words, as Snap writes it.
    assert rules.period_stated((date(2024, 1, 1), date(2024, 9, 30)), "January to September 2024: 14")
    assert not rules.period_stated((date(2024, 5, 1), date(2024, 12, 31)), "data may be shared until December 2024")
    assert rules.period_stated((date(2014, 11, 1), date(2015, 2, 28)), "November 1, 2014—February 28, 2015 | 375")
    # A day is not read out of another date: "2024-06" is not in "2024-06-30".
    assert not rules.period_stated((date(2024, 6, 1), date(2024, 12, 31)), "as of 2024-06-30 and 2024-12-31")


def test_partial_overlaps_are_pairs_that_share_days_without_nesting():
    from datetime import date

    year, h1, h2 = (
        (date(2024, 1, 1), date(2024, 12, 31)),
        (date(2024, 1, 1), date(2024, 6, 30)),
        (date(2024, 7, 1), date(2024, 12, 31)),
    )
    typed = (date(2024, 1, 1), date(2024, 7, 31))
    assert rules.partial_overlaps([year, h1, h2]) == []
    assert rules.partial_overlaps([h1, h2, typed]) == [(typed, h2)]
    assert rules.partial_overlaps([(date(2023, 11, 1), date(2024, 2, 29)), h1]) == [
        ((date(2023, 11, 1), date(2024, 2, 29)), h1)
    ]


def test_a_cell_past_the_csv_field_limit_is_told_its_length_not_an_unbalanced_quote(tmp_path):
    # csv's limit (1 MiB here) ended the reader with an error that was taken for a stray quote.
    path = tmp_path / "events.csv"
    long_cell = "x" * (table_schema.CSV_FIELD_LIMIT + 1)
    path.write_text(f"a,b\nfine,short\nfine,{long_cell}\n", encoding="utf-8")
    problems = [str(p) for p in validate.raw_file_problems(path, "data/events.csv", [{"name": "a"}, {"name": "b"}])]
    assert problems == ["data/events.csv:3:-: has a cell longer than 1,048,576 characters, which no reader here takes"]


def test_the_readers_cell_limit_holds_after_frictionless_sets_csvs_own(tmp_path):
    # csv's limit is one per process, and importing Frictionless's CSV parser sets it to 2 GiB:
    # the validator then let a 1 MiB cell through and told a longer one a limit of 2,147,483,646.
    before = csv.field_size_limit()
    try:
        importlib.reload(importlib.import_module("frictionless.formats.csv.parser"))
        assert csv.field_size_limit() > table_schema.CSV_FIELD_LIMIT
        path = tmp_path / "events.csv"
        path.write_text(f"a,b\nfine,{'x' * (table_schema.CSV_FIELD_LIMIT + 1)}\n", encoding="utf-8")
        fields = [{"name": "a"}, {"name": "b"}]
        problems = [str(p) for p in validate.raw_file_problems(path, "data/events.csv", fields)]
    finally:
        csv.field_size_limit(before)
    assert problems == ["data/events.csv:2:-: has a cell longer than 1,048,576 characters, which no reader here takes"]


def test_a_cell_past_the_field_limit_leaves_its_table_unread_not_every_row_that_names_it(tmp_path):
    # A figure's notes of 2 MB made figures.csv unreadable as a table, and each of the real data's
    # 984 corroborations and 8 corrections was then told its figure was missing: 992 lines around
    # the one that says why. The cell's maxLength is Frictionless's, which reads any length.
    package = make_package(tmp_path)
    figures = tmp_path / "data" / "figures.csv"
    text = figures.read_text(encoding="utf-8")
    figures.write_text(text[:-1] + "x" * (table_schema.CSV_FIELD_LIMIT + 1) + "\n", encoding="utf-8")
    corroborations = tmp_path / "data" / "corroborations.csv"
    with corroborations.open("a", encoding="utf-8") as handle:
        handle.write(
            'examplechat-usa-2024-ip_or_phone-requests_fulfilled,example-2025-01-10-report,,"Fulfilled: 900",\n'
        )
    # Frictionless's CSV parser already imported, as in any process that validated before: it
    # then read figures.csv at the readers' limit of 1 MiB, and told disagreements.csv (whose key
    # reads figures) "field larger than field limit (1048576)", at no line.
    importlib.import_module("frictionless.formats.csv.parser")
    table_schema.csv_reader([])
    problems = [str(p) for p in validate.validate_package(package)]
    assert problems == [
        "data/corroborations.csv:-:-: 1 problem(s) naming figures left out: data/figures.csv cannot be read as its "
        "table (its own problem says why); fix it, then validate again",
        "data/figures.csv:9:-: has a cell longer than 1,048,576 characters, which no reader here takes",
        'data/figures.csv:9:notes: constraint "maxLength" is "4000"',
    ]


def with_resource_named(path, name):
    """The package at ``path`` with a copy of its events resource (and file) named ``name``."""
    descriptor = json.loads(path.read_text(encoding="utf-8"))
    events = next(r for r in descriptor["resources"] if r["name"] == "events")
    descriptor["resources"].append(dict(events, name=name, path=f"data/{name}.csv"))
    shutil.copy(path.parent / events["path"], path.parent / "data" / f"{name}.csv")
    path.write_text(json.dumps(descriptor, indent=2), encoding="utf-8")
    return descriptor


@pytest.mark.parametrize(
    "name", ["coverage", "figures_series", "events_fts_data", "examplechat_coverage", "sqlite_stat1"]
)
def test_a_resource_named_as_a_table_the_build_writes_is_refused_at_its_line(tmp_path, name):
    # It passed validate, then the build stopped with "table coverage already exists", which the
    # command line called a problem of disk space.
    path = make_package(tmp_path)
    descriptor = with_resource_named(path, name)
    at = validate.json_lines(path.read_text(encoding="utf-8"))[("resources", len(descriptor["resources"]) - 1, "name")]
    (problem,) = validate.validate_package(path)
    assert (problem.path, problem.line, problem.field) == ("datapackage.json", at, "name")
    assert f"'{name}'" in problem.message and "the build" in problem.message


@pytest.mark.parametrize(("resource", "field"), [("figures", "year"), ("figures", "source_tier"), ("events", "rowid")])
def test_a_field_named_as_a_column_the_build_writes_is_refused_at_its_line(tmp_path, resource, field):
    # "year" passed validate, then the build stopped with "duplicate column name: year"; "rowid"
    # with "datatype mismatch".
    path = make_package(tmp_path)
    descriptor = json.loads(path.read_text(encoding="utf-8"))
    (i, table) = next((i, r) for i, r in enumerate(descriptor["resources"]) if r["name"] == resource)
    table["schema"]["fields"].append({"name": field, "type": "string", "title": "X", "description": "Added."})
    path.write_text(json.dumps(descriptor, indent=2), encoding="utf-8")
    csv_path = path.parent / table["path"]
    header, *lines = csv_path.read_text(encoding="utf-8").splitlines()
    csv_path.write_text("\n".join([f"{header},{field}", *(f"{line},x" for line in lines)]) + "\n", encoding="utf-8")
    j = len(table["schema"]["fields"]) - 1
    at = validate.json_lines(path.read_text(encoding="utf-8"))[("resources", i, "schema", "fields", j, "name")]
    (problem,) = validate.validate_package(path)
    assert (problem.path, problem.line, problem.field) == ("datapackage.json", at, "name")
    assert f"'{field}' in {resource}" in problem.message


@pytest.mark.parametrize(("kind", "cell"), [("year", "2024"), ("datetime", "2024-01-01T00:00:00Z"), ("any", "x")])
def test_a_field_of_a_type_the_database_does_not_store_is_refused_at_its_line(tmp_path, kind, cell):
    # A year field passed validate (Frictionless reads years), then the build stopped with a
    # traceback: KeyError: 'year'.
    path = make_package(tmp_path)
    descriptor = json.loads(path.read_text(encoding="utf-8"))
    (i, table) = next((i, r) for i, r in enumerate(descriptor["resources"]) if r["name"] == "events")
    table["schema"]["fields"].append({"name": "when_noted", "type": kind, "title": "X", "description": "Added."})
    path.write_text(json.dumps(descriptor, indent=2), encoding="utf-8")
    csv_path = path.parent / table["path"]
    header, *lines = csv_path.read_text(encoding="utf-8").splitlines()
    csv_path.write_text(
        "\n".join([f"{header},when_noted", *(f"{line},{cell}" for line in lines)]) + "\n", encoding="utf-8"
    )
    j = len(table["schema"]["fields"]) - 1
    at = validate.json_lines(path.read_text(encoding="utf-8"))[("resources", i, "schema", "fields", j, "type")]
    (problem,) = validate.validate_package(path)
    assert (problem.path, problem.line, problem.field) == ("datapackage.json", at, "type")
    assert problem.message == (
        f"field when_noted of events has type '{kind}', which the database does not store: "
        "use one of string, date, integer, number, boolean"
    )
    with pytest.raises(validate.ValidationFailed):
        build.build_database(path, tmp_path / "d.db")
    assert not (tmp_path / "d.db").exists()


def test_the_names_the_build_writes_are_the_ones_validation_refuses(base_db):
    # vocabulary.BUILD_TABLES and BUILD_TABLE_PATTERNS in step with a built database: each of its
    # tables, views and indexes is a resource's or refused as a resource's name, and each name
    # listed is one the build writes.
    resources = set(vocabulary.PACKAGE_RESOURCES)
    with sqlite3.connect(base_db) as db:
        names = {
            name for (name,) in db.execute("SELECT name FROM sqlite_master WHERE type IN ('table', 'view', 'index')")
        }
        columns = {
            name: {row[1] for row in db.execute("SELECT * FROM pragma_table_info(?)", [name])} for name in resources
        }
    assert {n for n in names - resources if not vocabulary.built_by_the_build(n)} == set()
    assert names >= vocabulary.BUILD_TABLES
    assert not any(vocabulary.built_by_the_build(name) for name in resources)
    # Only figures gains the build's columns: any other table's released files have the package's
    # columns, as its Table Schema declares them (a column there would be a major version).
    added = {name: columns[name] - set(vocabulary.PACKAGE_FIELDS[name]) for name in resources}
    assert {name: found for name, found in added.items() if found} == {"figures": set(schema_sql.BUILD_COLUMNS)}


@pytest.mark.parametrize("digest", ["sha256:{sha256}", "md5:{md5}", "{md5}"])
def test_a_resource_declaring_its_files_true_bytes_and_hash_is_valid(tmp_path, digest):
    # Frictionless's semantics: a hash is sha256:<hex>, or md5 (bare or md5:). A stale one passed
    # the default reader while Frictionless refused it (fixture resource_bytes_and_hash_stale).
    path = make_package(tmp_path)
    descriptor = json.loads(path.read_text(encoding="utf-8"))
    events = next(r for r in descriptor["resources"] if r["name"] == "events")
    data = (path.parent / events["path"]).read_bytes()
    sha256, md5 = hashlib.sha256(data).hexdigest(), hashlib.md5(data).hexdigest()
    events.update(bytes=len(data), hash=digest.format(sha256=sha256, md5=md5))
    path.write_text(json.dumps(descriptor, indent=2), encoding="utf-8")
    assert validate.validate_package(path) == []
    events["hash"] = "sha1:" + hashlib.sha1(data).hexdigest()
    path.write_text(json.dumps(descriptor, indent=2), encoding="utf-8")
    (problem,) = validate.validate_package(path)
    assert (problem.field, problem.line) == (
        "hash",
        validate.json_lines(path.read_text(encoding="utf-8"))[
            ("resources", descriptor["resources"].index(events), "hash")
        ],
    )


@pytest.mark.parametrize(
    ("figure_id", "made", "told"),
    [
        # A new curator's fields, each naming no row: the id was the part that was right.
        (
            "mozilla-world-2025-subpoena-requests_received",
            "Mozilla-world-2025-subpoenas-requests received",
            " (the id has mozilla where platform_id makes Mozilla; the id has subpoena where request_type_id makes "
            "subpoenas; the id has requests_received where metric_id makes requests received): correct whichever is wrong",
        ),
        (
            "x-deu-20240101-20240930-all-requests",
            "x-deu-2024h1-all-requests",
            " (the id has 20240101-20240930 where period_start and period_end make 2024h1): correct whichever is wrong",
        ),
        # An id that does not read as five parts is told whole.
        ("x-usa-2024-ip_or_phone-requests-again", "x-usa-2024-ip_or_phone-requests", ""),
    ],
)
def test_a_figure_id_mismatch_names_the_parts_that_differ(figure_id, made, told):
    assert validate._id_part_differences(figure_id, made) == told


def test_a_fixture_edit_by_pattern_replaces_the_first_match_and_names_a_pattern_that_matches_nothing(tmp_path):
    (tmp_path / "datapackage.json").write_text('{"version": "1.0.1", "other": {"version": "2"}}\n', encoding="utf-8")
    edit = {"file": "datapackage.json", "pattern": r'"version": "[^"]*"', "new": '"version": "1.0"'}
    apply_edits(tmp_path, [edit])
    assert (tmp_path / "datapackage.json").read_text(encoding="utf-8") == (
        '{"version": "1.0", "other": {"version": "2"}}\n'
    )
    with pytest.raises(ValueError, match="matches nothing in datapackage.json"):
        apply_edits(tmp_path, [{**edit, "pattern": "no such text"}])


def test_cli_validate_of_a_releases_package_says_how_a_release_is_checked(tmp_path):
    # A researcher's `validate dist/1.3.0` listed 104 "problems": the source package's rules
    # applied to the build's published columns, Parquet and JSON resources and row counts.
    release = tmp_path / "dist" / "1.3.0"
    release.mkdir(parents=True)
    (release / "datapackage.json").write_text('{"name": "x", "resources": []}', encoding="utf-8")
    (release / "SHA256SUMS").write_text(f"{'0' * 64}  datapackage.json\n", encoding="utf-8")
    for named in ("dist/1.3.0", "dist/1.3.0/datapackage.json"):
        run = run_cli("validate", named, cwd=tmp_path)
        assert run.returncode == 1
        assert run.stderr.startswith("dist/1.3.0/datapackage.json: a release's package (its SHA256SUMS lists it)")
        assert run.stderr.endswith(
            "Check a release in its folder with: sha256sum -c SHA256SUMS && frictionless validate datapackage.json\n"
        )
    # A SHA256SUMS that does not list the descriptor (a curator's own checksums) changes nothing.
    (release / "SHA256SUMS").write_text(f"{'0' * 64}  notes.txt\n", encoding="utf-8")
    run = run_cli("validate", "dist/1.3.0", cwd=tmp_path)
    assert "a release's package" not in run.stderr


def test_a_search_log_dated_after_the_day_of_validation_is_refused_on_both_paths(tmp_path):
    # Logged the day after the base package's source was retrieved (2026-11-28), its latest day:
    # judged on the day before, no search was made yet; on that day, it was.
    package = make_package(tmp_path)
    apply_edits(
        tmp_path,
        [{"file": "data/platforms.csv", "old": "Searched on 2025-01-10", "new": "Searched on 2026-11-29"}],
    )
    descriptor = json.loads(package.read_text(encoding="utf-8"))
    told = (
        "data/platforms.csv:2:search_log: names 2026-11-29, after the day of this validation (UTC): a search is "
        "logged once it is made; write the day each search was made"
    )
    assert [str(p) for p in validate.validate_package(package, today=date(2026, 11, 28))] == [told]
    assert [str(p) for p in validate.check_package(package, today=date(2026, 11, 28))[0]] == [told]
    assert not arrow_validate.proves_valid(package, descriptor, today=date(2026, 11, 28))
    assert arrow_validate.proves_valid(package, descriptor, today=date(2026, 11, 29))
    assert validate.validate_package(package, today=date(2026, 11, 29)) == []


@pytest.mark.parametrize(
    ("fixture", "today", "told"),
    [
        # A correction dated tomorrow was served as "correction ... of" that day, and only
        # `make release` refused it.
        (
            "correction_dated_in_the_future",
            date(2999, 1, 9),
            "data/corrections.csv:2:corrected_date: is 2999-01-10, after the day of this validation (UTC): a "
            "correction is dated the day the curator made it, so write the day it was",
        ),
        # The base package's source was retrieved on 2026-11-28.
        (
            None,
            date(2026, 11, 27),
            "data/sources.csv:2:retrieved_date: is 2026-11-28, after the day of this validation (UTC): a source "
            "is read on a day already come, so write the day it was",
        ),
    ],
)
def test_a_recorded_day_after_the_day_of_validation_is_refused_on_both_paths(tmp_path, fixture, today, told):
    package = make_package(tmp_path, fixture)
    descriptor = json.loads(package.read_text(encoding="utf-8"))
    assert [str(p) for p in validate.validate_package(package, today=today)] == [told]
    assert [str(p) for p in validate.check_package(package, today=today)[0]] == [told]
    assert not arrow_validate.proves_valid(package, descriptor, today=today)
    on_that_day = date.fromisoformat(told.split(": is ")[1][:10])
    assert arrow_validate.proves_valid(package, descriptor, today=on_that_day)
    assert validate.check_package(package, today=on_that_day)[0] == []


def test_cli_validate_refuses_a_correction_dated_in_the_future(tmp_path):
    package = make_package(tmp_path, "correction_dated_in_the_future")
    run = run_cli("validate", package, cwd=tmp_path)
    assert run.returncode == 1
    assert run.stderr.splitlines()[0] == expected_messages("correction_dated_in_the_future")[0]


def test_cli_validate_refuses_a_search_log_dated_in_the_future(tmp_path):
    package = make_package(tmp_path, "search_log_in_the_future")
    run = run_cli("validate", package, cwd=tmp_path)
    assert run.returncode == 1
    assert run.stderr.splitlines()[0] == expected_messages("search_log_in_the_future")[0]


@pytest.mark.parametrize("item", [{}, [], ["platform_id"]])
def test_a_foreign_key_field_that_is_no_name_is_a_schema_problem_not_a_traceback(tmp_path, item):
    # Arrow's proof checks the package's keys before the schema is validated: such a field was
    # a TypeError (unhashable) from validate, and, once the build validated as validate does,
    # from the build too.
    package = make_package(tmp_path / "p")
    descriptor = json.loads(package.read_text(encoding="utf-8"))
    descriptor["resources"][0]["schema"]["foreignKeys"][1]["fields"] = [item]
    package.write_text(json.dumps(descriptor, indent=2), encoding="utf-8")
    problems = [str(p) for p in validate.validate_package(package)]
    assert len(problems) == 1 and "Schema is not valid" in problems[0], problems
    assert "foreignKeys/1/fields/0" in problems[0]
    with pytest.raises(validate.ValidationFailed) as failure:
        build.build_site(package, tmp_path / "site")
    assert [str(p) for p in failure.value.problems] == problems


def test_a_stray_csv_beside_a_package_named_by_a_relative_path_is_told_not_a_traceback(tmp_path):
    package = make_package(tmp_path / "st")
    shutil.copy(package.parent / "data" / "events.csv", package.parent / "data" / "event.csv")
    told = "st/data/event.csv:-:-: is not a resource of datapackage.json: add it there, or move it out of this folder"
    for command in (["validate", "st"], ["build", "--package", "st", "--out", "site"]):
        run = run_cli(*command, cwd=tmp_path)
        assert run.returncode == 1, run.stderr
        assert told in run.stdout + run.stderr and "Traceback" not in run.stderr


def test_sources_whose_path_names_another_tables_file_is_told_not_a_traceback(tmp_path):
    # A break test's descriptor: sources' path naming source_tiers.csv. Frictionless's check of
    # the quoted values read the sources' kind from a file without it: a KeyError's traceback.
    package = make_package(tmp_path)
    descriptor = json.loads(package.read_text(encoding="utf-8"))
    for resource in descriptor["resources"]:
        if resource["name"] == "sources":
            resource["path"] = "data/source_tiers.csv"
    package.write_text(json.dumps(descriptor, indent=2), encoding="utf-8")
    problems = [str(p) for p in validate.validate_package(package)]
    assert any(p.startswith("data/source_tiers.csv:1:-: header lacks source_id") for p in problems), problems
    assert (
        "data/sources.csv:-:-: is not a resource of datapackage.json: add it there, or move it out of this folder"
        in (problems)
    )


@pytest.mark.parametrize(
    "key,value,refused",
    [
        ("format", "csv", False),
        ("format", "CSV", True),  # Frictionless refuses it at the file, under every file naming the table
        ("format", "xlsx", True),
        ("compression", "no", False),
        ("compression", "NO", True),
        ("compression", "zip", True),
        ("scheme", "file", False),
        ("scheme", "File", True),
        ("mediatype", "TEXT/CSV", False),  # media types are case-insensitive
        ("mediatype", "text/plain", True),
        ("format", None, True),
        ("format", ["csv"], True),
    ],
)
def test_a_resource_is_one_plain_csv_file_as_frictionless_reads_the_words(key, value, refused):
    descriptor = {"resources": [{"name": "events", "path": "data/events.csv", key: value}]}
    problems = [str(p) for p in validate.unreadable_path_problems(descriptor, "datapackage.json")]
    assert bool(problems) is refused, problems
    if refused:
        assert problems == [
            f'datapackage.json:-:{key}: resource events declares "{key}": {json.dumps(value)}: every table of the '
            f'package is one plain CSV file ("{key}": "{validate.PLAIN_CSV[key]}", or none)'
        ]
