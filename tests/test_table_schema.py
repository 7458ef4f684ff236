"""Differential tests: the one-pass reader (table_schema) and Frictionless report the same problems.

Frictionless is the contract. ``validate.check_package(engine="frictionless")`` runs the package
through it; the default engine reads each file once itself. On every broken fixture, and on
packages whose cells are overwritten with hostile values, the two must print the same lines.
"""

import csv
import json
from pathlib import Path

import pytest

from disclosures import paths, table_schema, validate
from tests.packages import BROKEN, make_package

# Fixtures the one-pass reader leaves to Frictionless on purpose: damaged files (Frictionless
# reads them its own way) and descriptors whose names or encodings are refused first.
LEFT_TO_FRICTIONLESS = {
    # A key the reader does not know (safety.py refuses it whichever engine reads the rows).
    "unknown_descriptor_key",
    "blank_row",
    "byte_order_mark",
    "carriage_return",
    "carriage_return_after_quoted_cell",
    "cell_count",
    "cell_count_unquoted_comma",
    "cell_missing",
    "column_added_to_header_and_rows",
    # A descriptor Frictionless refuses: it says why, and validate finds the line.
    "constraint_required_not_boolean",
    "constraint_not_boolean",
    "field_name_missing",
    # Schema values Frictionless accepts, then fails on while reading rows (a TypeError or
    # KeyError, as the reader did): refused with their line before either reads a row.
    "constraint_minimum_not_of_field_type",
    "constraint_enum_item_not_text",
    # maxLength or pattern on a number: a traceback from either reader.
    "constraint_length_on_a_number",
    "constraint_pattern_on_a_number",
    # Schema values every reader ignores (uniqueKeys, trueValues on a text field): refused with
    # their line, as a misspelt key is.
    "field_true_values_not_a_list",
    "schema_unique_keys_not_a_list",
    "schema_unique_keys_unchecked",
    # A field the build and the site read by name, renamed or retyped: refused with its line
    # before either reads a row (vocabulary.PACKAGE_FIELDS).
    "field_read_by_name_renamed",
    "field_read_by_name_retyped",
    "value_typed_integer",
    "value_minimum_dropped",
    # Constraints no cell can meet: the schema is wrong once, not each row.
    "maximum_below_minimum",
    "enum_empty",
    "foreign_key_to_missing_resource",
    "pattern_not_a_regular_expression",
    "field_format_not_text",
    "field_type_a_list",
    "field_type_unknown",
    "invalid_utf8_in_descriptor",
    "header_column_twice",
    "header_unknown_column_twice",
    "header_repeated",
    "header_mismatch",
    "trailing_empty_columns",
    "invalid_json",
    "descriptor_nested_too_deep",
    "descriptor_number_too_long",
    "invalid_utf8",
    "invalid_utf8_in_figures",
    "line_break_in_cell",
    "line_break_then_later_problems",
    "missing_final_newline",
    "referenced_table_empty",
    "semicolon_separated",
    "tab_separated",
    "quote_in_unquoted_cell",
    # A resource path that is not one file inside the package: refused before any file is read.
    "resource_path_list",
    "resource_path_outside_package",
    "resource_path_directory",
    "resource_path_dot_slash",
    # A resource declared as something other than one plain CSV file (a zip, a spreadsheet).
    "resource_not_plain_csv",
    # A resource name that is no text: every reader keys the tables by it.
    "resource_name_a_list",
    "foreign_key_resource_a_list",
    # A hash that is no text: Frictionless opens no package with it.
    "resource_hash_a_number",
    # A descriptor that is not an object, or whose resources are not a list of objects: no file
    # is read against it.
    "descriptor_not_an_object",
    "resources_not_a_list",
    "resources_an_object",
    "resources_null",
    "resources_a_number",
    "resources_missing",
    "resources_empty",
    "resource_not_an_object",
    # A resource path that names no file (misspelt): the one-pass reader cannot read that table.
    "resource_path_misspelt",
    # A key written twice in one object: reported, and the rows read as JSON readers read the
    # descriptor (the last one kept), by Frictionless like every descriptor with a problem.
    "descriptor_key_twice",
    # A declared size or digest the file does not have: told at its line before rows are read.
    "resource_bytes_and_hash_stale",
    "unbalanced_quote",
    "unbalanced_quote_mid_file",
    "unbalanced_quote_to_end_of_file",
    "undeclared_encoding",
    "unsafe_field_name",
    "resource_renamed",
    "unsafe_name",
}

HOSTILE_CELLS = [
    "",
    " padded ",
    "NaN",
    "-1",
    "1e3",
    "+5",
    "014",
    "2024-13-01",
    "2024-1-1",
    "1989-12-31",
    "not a uri",
    "zz",
    "x" * 4001,
    "Infinity",
    "1_000",
    "9O0",
    "12.5",
    "tab\there",
    "usa\u200b",
]


def both(package: Path):
    ours, tables = validate.check_package(package, engine="auto")
    reference, none = validate.check_package(package, engine="frictionless")
    assert none is None
    return [str(p) for p in ours], [str(p) for p in reference], tables


@pytest.mark.parametrize("fixture", [None, *BROKEN])
def test_fixture_gives_the_same_report_as_frictionless(tmp_path, fixture):
    ours, reference, tables = both(make_package(tmp_path, fixture))
    assert ours == reference
    # The reader did the work, except where it hands the package over on purpose.
    assert (tables is None) == (fixture in LEFT_TO_FRICTIONLESS)


def rewrite(package: Path, change) -> None:
    """Rewrite every resource's CSV, ``change(resource_name, rows)`` editing the data rows."""
    descriptor = json.loads(package.read_text(encoding="utf-8"))
    for resource in descriptor["resources"]:
        path = package.parent / resource["path"]
        with path.open(encoding="utf-8", newline="") as handle:
            header, *rows = list(csv.reader(handle))
        change(resource["name"], rows)
        with path.open("w", encoding="utf-8", newline="") as handle:
            writer = csv.writer(handle, lineterminator="\n")
            writer.writerow(header)
            writer.writerows(rows)


@pytest.mark.parametrize("cell", HOSTILE_CELLS)
def test_hostile_cells_give_the_same_report_as_frictionless(tmp_path, cell):
    # Row i gets the cell in column i (mod the width): every column of every table is hit.
    def change(name, rows):
        for index, row in enumerate(rows):
            row[index % len(row)] = cell

    package = make_package(tmp_path)
    rewrite(package, change)
    ours, reference, tables = both(package)
    assert tables is not None
    assert ours == reference
    assert ours, "a hostile cell in every column must break something"


def test_duplicate_rows_and_unknown_keys_give_the_same_report_as_frictionless(tmp_path):
    def change(name, rows):
        if rows:
            rows.append(list(rows[0]))
        if name == "figures":
            rows[1][1] = "nosuchplatform"

    package = make_package(tmp_path)
    rewrite(package, change)
    ours, reference, tables = both(package)
    assert tables is not None
    assert ours == reference
    assert any("duplicate key" in line for line in ours)
    assert any('not found in the lookup table "platforms"' in line for line in ours)


def test_the_real_package_is_read_once_by_the_reader():
    descriptor = json.loads(paths.PACKAGE.read_text(encoding="utf-8"))
    assert table_schema.supported(descriptor) is None
    problems, tables = validate.check_package(paths.PACKAGE)
    assert problems == []
    figures = tables["figures"]
    with (paths.ROOT / "data" / "figures.csv").open(encoding="utf-8", newline="") as handle:
        assert len(figures.rows) == sum(1 for _ in csv.reader(handle)) - 1


def test_a_schema_feature_the_reader_does_not_enforce_goes_to_frictionless(tmp_path):
    package = make_package(tmp_path)
    descriptor = json.loads(package.read_text(encoding="utf-8"))
    descriptor["resources"][0]["schema"]["missingValues"] = ["", "n/a"]
    package.write_text(json.dumps(descriptor), encoding="utf-8")
    assert "missing values" in table_schema.supported(descriptor)
    problems, tables = validate.check_package(package)
    assert tables is None
    assert problems == []


def test_text_rows_read_a_byte_that_is_not_utf8_as_a_replacement_character(tmp_path):
    # The rules across files look ids up in these rows: one bad byte (reported with its line by
    # validate.raw_file_problems) must not empty the table, or every id in it goes missing.
    path = tmp_path / "figures.csv"
    path.write_bytes("figure_id,platform_wording\na,Aff\xe9cted users\nb,Requests\n".encode("latin-1"))
    rows = table_schema.read_text_rows(path, ["figure_id", "platform_wording"])
    assert rows == [
        (2, {"figure_id": "a", "platform_wording": "Aff\ufffdcted users"}),
        (3, {"figure_id": "b", "platform_wording": "Requests"}),
    ]


def test_record_lines_give_the_line_each_record_starts_on(tmp_path):
    """Frictionless numbers records; a cell with line breaks in it shifts every later line."""
    path = tmp_path / "t.csv"
    path.write_text('a,b\n1,"two\nlines"\n\n3,"three\nmore\nlines"\n4,x\n', encoding="utf-8")
    # header, the two-line record, a blank row (a record to Frictionless), a three-line one, the last
    assert table_schema.record_lines(path) == [1, 2, 4, 5, 8]
    assert [line for line, _ in table_schema.read_text_rows(path)] == [2, 5, 8]
    path.write_text("a,b\n1,2\n\n3,4\n", encoding="utf-8")
    assert table_schema.record_lines(path) is None  # record n is on line n
    path.write_text('a,b\n1,"2\n', encoding="utf-8")
    assert table_schema.record_lines(path) is None  # not well-formed: the lines after are unknown
    assert table_schema.record_lines(tmp_path / "missing.csv") is None


URI_CELLS = [
    "https://example.org/report",
    "http://exa mple.org/a b",
    "mailto:press@example.org",
    "urn:isbn:0451450523",
    "HTTPS://EXAMPLE.ORG",
    "a+b.c-d:rest",
    "x:",
    "https://例え.jp/パス?q=ü#frag",
    "https://example.org/%zz",
    "https://user:secret@example.org/",
    "http://[::1]:80/",
    "example.org/report",
    "//example.org/report",
    "/relative/path",
    "1http://example.org",
    "-x:y",
    ":no-scheme",
    "",
    " https://example.org",
    "not a uri",
    "é:accent",
    "a_b:underscore",
    "?query:only",
    "#frag:only",
]


@pytest.mark.parametrize("cell", URI_CELLS)
def test_the_uri_format_is_frictionless_own_test(cell):
    # Frictionless's format uri: rfc3986's validator requiring a scheme (frictionless/fields/string.py).
    import rfc3986
    from rfc3986 import validators

    try:
        validators.Validator().require_presence_of("scheme").validate(rfc3986.uri_reference(cell))
        expected = True
    except rfc3986.exceptions.ValidationError:
        expected = False
    assert table_schema._is_uri(cell) is expected


@pytest.mark.parametrize(
    ("kind", "constraints", "refused"),
    [
        ("date", {"minimum": "2024-01-01", "maximum": "2023-12-31"}, "maximum"),
        ("integer", {"minimum": "10", "maximum": 9}, "maximum"),
        ("number", {"minimum": 0.5, "maximum": 0.25}, "maximum"),
        ("string", {"minLength": 3, "maxLength": 2}, "maxLength"),
        ("string", {"enum": []}, "enum"),
        ("number", {"minimum": 1, "maximum": 1}, None),
        ("date", {"minimum": "zero", "maximum": "2023-12-31"}, "minimum"),  # not a date: said once, as such
    ],
)
def test_constraints_no_cell_can_meet_are_refused_once_in_the_schema(kind, constraints, refused):
    # Each row was told "must be at most -1" (50,000 lines for figures) where the schema was wrong.
    field = {"name": "x", "type": kind, "constraints": constraints}
    descriptor = {"resources": [{"name": "t", "schema": {"fields": [field], "primaryKey": ["x"]}}]}
    found = [key for _, key, _ in table_schema.unusable_schema_values(descriptor)]
    assert found == ([refused] if refused else [])


@pytest.mark.parametrize(
    ("field", "told"),
    [
        ({"trueValues": 5}, "the trueValues of field x of t are a JSON number: they must be a list of texts"),
        ({"falseValues": ["no", 0]}, "the falseValues of field x of t are a JSON array: they must be a list of texts"),
        ({"trueValues": ["yes"]}, "the trueValues of field x of t apply only to a boolean field, not a string one"),
        ({"type": "boolean", "trueValues": ["yes"], "falseValues": ["no"]}, None),
    ],
)
def test_true_and_false_values_are_lists_of_texts_on_a_boolean_field(field, told):
    # "trueValues": 5 passed validate, Frictionless and the build: every reader ignored it.
    descriptor = {"resources": [{"name": "t", "schema": {"fields": [{"name": "x", **field}], "primaryKey": ["x"]}}]}
    found = [why for _, _, why in table_schema.unusable_schema_values(descriptor)]
    assert found == ([told] if told else [])


@pytest.mark.parametrize(
    ("keys", "told"),
    [
        (5, " are a JSON number, not a list of lists of field names"),
        (["x"], ": item 1 is a JSON string, not a list of field names"),
        ([["x", 1]], ": item 1 is a JSON array, not a list of field names"),
        ([["x"]], " would be checked by nothing"),
    ],
)
def test_unique_keys_are_refused_as_checked_by_no_reader(keys, told):
    # Frictionless 5 knows no uniqueKeys, nor does this reader or the build: 5 passed as well as a list.
    schema = {"fields": [{"name": "x"}], "primaryKey": ["x"], "uniqueKeys": keys}
    found = table_schema.unusable_schema_values({"resources": [{"name": "t", "schema": schema}]})
    assert [(at, key) for at, key, _ in found] == [(("resources", 0, "schema", "uniqueKeys"), "uniqueKeys")]
    assert found[0][2].startswith(f"the uniqueKeys of t{told}")
    assert found[0][2].endswith("make the fields the primaryKey, or give a field the unique constraint")
