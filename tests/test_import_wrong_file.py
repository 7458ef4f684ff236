"""Importers given the wrong kind of file: a file in which the format recognises no header and
no record is a ``FILE:-:-: cannot be read as FORMAT: ...`` error with exit status 1, never a
silent import of nothing (a JSON file given to a CSV importer read 0 records and exited 0)."""

from __future__ import annotations

import csv
import re
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from disclosures.importers.core import ImportFailed
from disclosures.importers.registry import FORMATS
from disclosures.importers.tables import csv_lines
from scripts.cli import cli

REAL_SOURCE = "te-k-telegram-transparency-dataset-839ed54"

# One line and pretty-printed: a CSV reader sees a one-cell header and no record, or a header
# "{" and records of JSON text.
JSON_FILES = {
    "one-line.json": '{"requests": [{"country": "FR", "value": 3}]}\n',
    "pretty.json": '{\n  "requests": [\n    {"country": "FR", "value": 3}\n  ]\n}\n',
}


def run_import(format_name: str, path: Path):
    return CliRunner().invoke(
        cli, ["import", format_name, str(path), "--source", REAL_SOURCE, "--dry-run", "--allow-different-file"]
    )


@pytest.mark.parametrize("name", sorted(JSON_FILES))
@pytest.mark.parametrize("format_name", sorted(FORMATS))
def test_every_format_refuses_a_json_file_it_cannot_read(tmp_path, format_name, name):
    if format_name == "telegram-compilation" and name == "pretty.json":
        # The compilation is JSON: a pretty-printed file is refused by its own line rule.
        expected = "expected one record per line"
    else:
        expected = f"cannot be read as {format_name}:"
    path = tmp_path / name
    path.write_text(JSON_FILES[name], encoding="utf-8")
    result = run_import(format_name, path)
    assert result.exit_code == 1, result.output
    assert expected in result.output
    assert "Nothing was imported." in result.output
    assert "0 to add" not in result.output


def test_a_json_file_given_to_google_user_data_names_the_columns_it_lacks(tmp_path):
    path = tmp_path / "some.json"
    path.write_text(JSON_FILES["one-line.json"], encoding="utf-8")
    result = run_import("google-user-data", path)
    assert result.exit_code == 1
    # The file is named as its locators would name it: its name with its own checksum.
    assert re.search(
        re.escape(f"{path}:-:-: cannot be read as google-user-data: ")
        + r"some\.sha256-[0-9a-f]{12}\.json: "
        + re.escape("no column 'Period Ending', 'CLDR Territory Code', 'Legal Process' in its first line"),
        result.output,
    )


# Files of another layout: a JSON array, null, an object without the format's keys, no bytes.
OTHER_LAYOUTS = {"array.json": "[1, 2, 3]\n", "null.json": "null\n", "object.json": "{}\n", "empty.html": ""}


@pytest.mark.parametrize("name", sorted(OTHER_LAYOUTS))
@pytest.mark.parametrize("format_name", sorted(FORMATS))
def test_every_format_refuses_a_file_of_another_layout_without_a_traceback(tmp_path, format_name, name):
    # Apple's, Microsoft's, Kakao's and Naver's parsers indexed `[]` and `null` as their object
    # (TypeError, AttributeError), LinkedIn's took an empty page to lxml (ParserError), and a JSON
    # object without "periods" was "cannot be read as apple-transparency-json: 'periods'".
    path = tmp_path / name
    path.write_text(OTHER_LAYOUTS[name], encoding="utf-8")
    result = run_import(format_name, path)
    assert isinstance(result.exception, SystemExit), result.exception
    assert result.exit_code == 1, result.output
    # The compilation's own reader says where its JSON breaks: "empty.sha256-….html:1:-: not JSON: …".
    assert f"{path}:-:-: cannot be read as {format_name}: " in result.output or ":1:-: not JSON: " in result.output
    assert "Nothing was imported." in result.output
    assert not re.search(r": '[A-Za-z_]+'\n", result.output), result.output


@pytest.mark.parametrize(
    "format_name, header",
    [
        ("google-user-data", "Period Ending,Country/Region,CLDR Territory Code,Legal Process,User Data Requests"),
        ("tiktok-information-requests", "metric_name,period_value,location,location_value,result"),
        ("snap-transparency-csv", "period,section,category,sub_category_1,metric,value"),
    ],
)
def test_a_csv_with_the_right_header_and_no_record_is_refused(tmp_path, format_name, header):
    path = tmp_path / "export.csv"
    path.write_text(header + "\n\n", encoding="utf-8")
    result = run_import(format_name, path)
    assert result.exit_code == 1, result.output
    assert re.search(
        re.escape(f"{path}:-:-: cannot be read as {format_name}: ")
        + r"export\.sha256-[0-9a-f]{12}\.csv: no records under its header",
        result.output,
    )


def test_csv_lines_checks_the_header_first_and_the_records_once_read(tmp_path):
    path = tmp_path / "t.csv"
    path.write_text("a,b\n", encoding="utf-8")
    with pytest.raises(ValueError, match=r"t.csv: no column 'c' in its first line"):
        csv_lines(path, ("a", "c"))
    header, lines = csv_lines(path, ("a",))
    assert header == ["a", "b"]
    with pytest.raises(ValueError, match="t.csv: no records under its header"):
        list(lines)
    path.write_text("a,b\n1,2\n", encoding="utf-8")
    assert [line.cells for line in csv_lines(path, ("a", "b"))[1]] == [["1", "2"]]


@pytest.mark.parametrize(
    "format_name, header, row",
    [
        (
            "snap-transparency-csv",
            "period,section,category,sub_category_1,sub_category_2,metric,value",
            "2024-H2,International Government Information Requests,Country / Region,Germany,,"
            "other_information_requests,4,977",
        ),
        (
            "tiktok-information-requests",
            "metric_name,period_value,location,location_value,result",
            "Total requests,Jul-Dec 2024,country,Germany,1,234",
        ),
    ],
)
def test_a_record_with_more_cells_than_the_header_is_refused_at_its_line(tmp_path, format_name, header, row):
    # A spreadsheet's copy writes 4977 as an unquoted 4,977: read against the header, the
    # value cell held 4 and 977 fell off the end, and the plan added the figure 4.
    path = tmp_path / "export.csv"
    path.write_text(f"{header}\n{row}\n", encoding="utf-8")
    result = run_import(format_name, path)
    assert result.exit_code == 1, result.output
    assert re.search(
        r"^export\.sha256-[0-9a-f]{12}\.csv:2:-: has 8 cells, the header has 7: an unquoted comma in a cell"
        if format_name == "snap-transparency-csv"
        else r"^export\.sha256-[0-9a-f]{12}\.csv:2:-: has 6 cells, the header has 5: an unquoted comma in a cell",
        result.output,
        re.M,
    ), result.output
    assert "Nothing was imported." in result.output
    assert "add " not in result.output


def test_csv_lines_refuses_every_wide_record_of_a_fixed_header_and_keeps_the_others(tmp_path):
    path = tmp_path / "t.csv"
    path.write_text("a,b\n1,2\n3,4,5\n6,7\n8,9,10,11\n", encoding="utf-8")
    with pytest.raises(ImportFailed) as refused:
        list(csv_lines(path, ("a", "b"))[1])
    assert [line.split(": ")[0] for line in refused.value.problems] == ["t.csv:3:-", "t.csv:5:-"]
    # A format that reads sections of their own widths (Discord's) names no required column.
    assert [line.cells for line in csv_lines(path)[1]] == [
        ["1", "2"],
        ["3", "4", "5"],
        ["6", "7"],
        ["8", "9", "10", "11"],
    ]


FIXTURES = Path(__file__).resolve().parent / "fixtures" / "importers"


def test_a_csv_cut_short_inside_its_last_record_is_refused(tmp_path):
    # A download cut off after "...,Other Legal Requests,42" (of 42595, two cells before the end)
    # proposed the figure 42 for a figure data/ holds; one it did not hold would have been added.
    text = (FIXTURES / "google-global-user-data-requests.csv").read_text(encoding="utf-8")
    lines = text.splitlines()
    cut = ",".join(lines[-1].split(",")[:5])[:-1]  # "...,CLOUD Act - IPA CDRs,4" of 42
    path = tmp_path / "google-global-user-data-requests.csv"
    path.write_text("\n".join([*lines[:-1], cut]), encoding="utf-8")
    result = run_import("google-user-data", path)
    assert result.exit_code == 1, result.output
    assert re.search(
        rf"google-global-user-data-requests\.sha256-[0-9a-f]{{12}}\.csv:{len(lines)}:-: the file ends inside this "
        r"record \(5 cells, the header has 7, and no line break after it\): it is cut short; download it again",
        result.output,
    ), result.output
    assert "Nothing was imported." in result.output

    # Whole records without a line break after the last one are a whole file (Discord's end so).
    path.write_text("\n".join(lines), encoding="utf-8")
    result = run_import("google-user-data", path)
    assert "cut short" not in result.output, result.output


def test_an_html_page_cut_short_is_refused(tmp_path):
    # lxml reads what a page cut short holds: half of LinkedIn's page proposed 13 of its 36
    # corroborations, and said nothing of the tables it never reached.
    page = (FIXTURES / "government-requests-report.html").read_bytes()
    path = tmp_path / "government-requests-report.html"
    path.write_bytes(page[: len(page) // 2])
    result = run_import("linkedin-government-requests", path)
    assert result.exit_code == 1, result.output
    assert re.search(
        r"government-requests-report\.sha256-[0-9a-f]{12}\.html: the page ends before its </html>: it is cut short; "
        r"save the whole page again",
        result.output,
    ), result.output
    assert "Nothing was imported." in result.output


def test_a_csv_cut_short_inside_a_quoted_cell_is_refused(tmp_path):
    # csv closes a quoted cell at the end of the file: the EU's DSA file cut inside one imported
    # the records up to there, the cut one among them, without a word.
    text = (FIXTURES / "3_member_states_orders.csv").read_text(encoding="utf-8")
    path = tmp_path / "3_member_states_orders.csv"
    path.write_text(text[: text.rindex('"') - 10], encoding="utf-8")
    result = run_import("dsa-member-state-orders", path)
    assert result.exit_code == 1, result.output
    assert re.search(
        r"3_member_states_orders\.sha256-[0-9a-f]{12}\.csv:[0-9]+:-: the file ends inside a quoted cell of this "
        r"record \(no closing quote, and no line break after it\): it is cut short; download it again",
        result.output,
    ), result.output


def test_a_short_last_record_with_its_line_break_is_not_taken_for_a_cut(tmp_path):
    # Only a file that ends inside its last record is cut short; one with a line break after it
    # is the file as its publisher wrote it, and its short record is the format's to read.
    lines = (FIXTURES / "google-global-user-data-requests.csv").read_text(encoding="utf-8").splitlines()
    path = tmp_path / "google-global-user-data-requests.csv"
    path.write_text("\n".join([*lines[:-1], ",".join(lines[-1].split(",")[:5])]) + "\n", encoding="utf-8")
    result = run_import("google-user-data", path)
    assert "cut short" not in result.output, result.output


BASE_DATA = Path(__file__).resolve().parent / "fixtures" / "base" / "data"


@pytest.mark.parametrize(
    "damage, told",
    [
        (lambda text: "\ufeff" + text, "data/figures.csv:1:-: starts with a byte-order mark"),
        (
            lambda text: text.replace("value_kind", "kind", 1),
            "data/figures.csv:1:-: header is not the schema's columns",
        ),
        (
            lambda text: text.replace('"Fulfilled requests: 900', "Fulfilled requests: 900", 1),
            "data/figures.csv:2:-: has",
        ),
        (lambda text: text + '\nx,"y\n', "data/figures.csv:11:-: is not well-formed CSV"),
    ],
)
def test_an_import_refuses_a_damaged_table_of_data_naming_it(tmp_path, damage, told):
    # Read as it was, a BOM or a renamed header in data/figures.csv was "cannot be read as
    # telegram-compilation: 'figure_id'", which blamed the file imported; a row whose quote was
    # deleted was read with its cells shifted.
    from disclosures.importers import require_readable_data

    data = tmp_path / "data"
    shutil.copytree(BASE_DATA, data)
    require_readable_data(data)  # the tiny base package reads whole
    figures = data / "figures.csv"
    figures.write_text(damage(figures.read_text(encoding="utf-8")), encoding="utf-8")
    with pytest.raises(ImportFailed) as failure:
        require_readable_data(data)
    (problem,) = failure.value.problems
    assert problem.startswith(told), problem
    assert problem.endswith("the import would misread it; fix it (make validate says how), then import again")


def test_an_import_refuses_data_that_is_not_utf8(tmp_path):
    from disclosures.importers import require_readable_data

    data = tmp_path / "data"
    shutil.copytree(BASE_DATA, data)
    with (data / "corroborations.csv").open("ab") as handle:
        handle.write(b"caf\xe9\n")
    with pytest.raises(ImportFailed) as failure:
        require_readable_data(data)
    assert failure.value.problems[0].startswith("data/corroborations.csv:2:-: is not valid UTF-8")


def test_the_import_command_checks_data_before_the_file(tmp_path, monkeypatch):
    from disclosures.importers import core

    data = tmp_path / "data"
    shutil.copytree(BASE_DATA, data)
    figures = data / "figures.csv"
    figures.write_text("\ufeff" + figures.read_text(encoding="utf-8"), encoding="utf-8")
    monkeypatch.setattr(core, "DATA", data)
    result = run_import("telegram-compilation", FIXTURES / "telegram-compilation" / "dataset.json")
    assert result.exit_code == 1, result.output
    assert result.output.startswith("data/figures.csv:1:-: starts with a byte-order mark: the import would misread it")
    assert "cannot be read as telegram-compilation" not in result.output


# A platform's CSV as a new curator hands it over: saved again by a spreadsheet (another
# encoding, another separator), renamed, empty, or with a cell past the reader's limit. Each is
# one line naming the file, and where known its line and column; none a traceback.
CSV_FORMATS = {
    "google-user-data": "google-global-user-data-requests.csv",
    "snap-transparency-csv": "Snap_Transparency_Report_H2-2024.csv",
    "tiktok-information-requests": "information-requests.csv",
    "dsa-member-state-orders": "3_member_states_orders.csv",
    "discord-transparency-csv": "discord/2023-Q4.csv",
}


def _copy(tmp_path: Path, format_name: str, change) -> Path:
    source = FIXTURES / CSV_FORMATS[format_name]
    path = tmp_path / source.name
    path.write_bytes(change(source.read_text(encoding="utf-8")))
    return path


def _refused(result) -> str:
    assert isinstance(result.exception, SystemExit), result.exception
    assert result.exit_code == 1, result.output
    assert "Nothing was imported." in result.output
    assert "Traceback" not in result.output and "add " not in result.output
    return result.output


@pytest.mark.parametrize("separator, named", [(";", "semicolons"), ("\t", "tabs")])
@pytest.mark.parametrize("format_name", sorted(CSV_FORMATS))
def test_a_csv_saved_with_another_separator_is_refused_naming_it(tmp_path, format_name, separator, named):
    # "no column 'period', 'section', ... in its first line" said nothing of why, and Discord's
    # format, which has no fixed columns, skipped every record and exited 0.
    path = _copy(tmp_path, format_name, lambda text: text.replace(",", separator).encode("utf-8"))
    output = _refused(run_import(format_name, path))
    assert f"its cells are separated by {named}, not commas: import the file as the platform published it" in output


@pytest.mark.parametrize("format_name", sorted(CSV_FORMATS))
def test_a_csv_saved_as_windows_1252_is_refused_at_its_line_and_column(tmp_path, format_name):
    # Was "cannot be read as ...: 'utf-8' codec can't decode byte 0xfc in position 390".
    lines = (FIXTURES / CSV_FORMATS[format_name]).read_text(encoding="utf-8").splitlines(keepends=True)
    header = next(csv.reader(lines[:1]))
    cells = next(csv.reader(lines[1:2]))
    quoted = "".join(f'"{c}",' for c in cells[:-1])
    path = tmp_path / Path(CSV_FORMATS[format_name]).name
    # The last cell of the first record written by a Windows-1252 editor, the rest UTF-8.
    path.write_bytes(
        (lines[0] + quoted + '"').encode("utf-8")
        + "Citt\u00e0".encode("cp1252")
        + ('"\n' + "".join(lines[2:])).encode()
    )
    output = _refused(run_import(format_name, path))
    column = header[-1].strip() or "-"
    assert re.search(
        rf"^{re.escape(path.stem)}\.sha256-[0-9a-f]{{12}}\.csv:2:{re.escape(column)}: byte 0xE0 is not UTF-8 "
        r"\(it is 'à' in Windows-1252\): import the file as the platform published it",
        output,
        re.M,
    ), output


def test_a_csv_saved_as_utf16_is_refused(tmp_path):
    path = _copy(tmp_path, "snap-transparency-csv", lambda text: text.encode("utf-16"))
    output = _refused(run_import("snap-transparency-csv", path))
    assert re.search(r"\.csv:1:-: is UTF-16 or UTF-32 \(it begins with that byte-order mark\), not UTF-8", output)


@pytest.mark.parametrize("content", [b"", b"\n\r\n  \n"])
@pytest.mark.parametrize("format_name", sorted(CSV_FORMATS))
def test_an_empty_csv_is_told_it_is_empty(tmp_path, format_name, content):
    path = _copy(tmp_path, format_name, lambda text: content)
    output = _refused(run_import(format_name, path))
    assert f".csv: is empty ({len(content)} bytes, no text): download it again" in output


def test_a_cell_past_the_readers_limit_is_told_at_its_line_and_column_not_a_traceback(tmp_path):
    # csv's "field larger than field limit (1048576)" ended the import in a traceback.
    def change(text):
        lines = text.splitlines(keepends=True)
        return (lines[0] + lines[1].rstrip("\n") + "9" * (1 << 20) + "\n" + "".join(lines[2:])).encode("utf-8")

    path = _copy(tmp_path, "google-user-data", change)
    output = _refused(run_import("google-user-data", path))
    assert re.search(
        r"^google-global-user-data-requests\.sha256-[0-9a-f]{12}\.csv:2:Accounts: has a cell longer than "
        r"1,048,576 characters",
        output,
        re.M,
    ), output


def test_a_renamed_column_is_refused_with_the_name_it_replaces(tmp_path):
    # Google's "Accounts" renamed: its figures were dropped without a word, and the import exited 0.
    path = _copy(
        tmp_path, "google-user-data", lambda text: text.replace(",Accounts\n", ",Accounts specified\n", 1).encode()
    )
    output = _refused(run_import("google-user-data", path))
    assert re.search(
        r"^google-global-user-data-requests\.sha256-[0-9a-f]{12}\.csv:1:Accounts specified: is no column "
        r"mappings/google\.csv names \(it names 'Accounts', ",
        output,
        re.M,
    ), output
    # A required column renamed is told beside the name the file has instead.
    path = _copy(
        tmp_path, "snap-transparency-csv", lambda text: text.replace(",value\n", ",Value (count)\n", 1).encode()
    )
    output = _refused(run_import("snap-transparency-csv", path))
    assert "no column 'value' in its first line (it has 'Value (count)' where it needs 'value': a renamed column?)" in (
        output
    )


def test_a_plan_is_written_whole_or_not_at_all(tmp_path, monkeypatch):
    # figures.csv was replaced before corroborations.csv was read: a failure there left the
    # figures added and their corroborations missing.
    from disclosures.importers import Parsed, Record, core, plan_import, write_plan

    data = tmp_path / "data"
    shutil.copytree(Path(__file__).resolve().parents[1] / "data", data)
    row = ("google", "DEU", "2031-01-01", "2031-06-30", "all", "requests_received", "exact")
    existing = next(r for r in core.read_csv(data / "figures.csv") if r["value_kind"] == "exact" and r["value"])
    parsed = Parsed(
        [
            Record(*row, "5", "w", "f.csv line 2", "q1"),
            Record(
                *(existing[k] for k in ("platform_id", "jurisdiction_id", "period_start", "period_end")),
                *(existing[k] for k in ("request_type_id", "metric_id", "value_kind", "value")),
                "w",
                "f.csv line 3",
                f"q {existing['value']}",
            ),
        ]
    )
    plan = plan_import(parsed, "google-2025-06-30-user-data-requests-csv-archive", data)
    assert plan.adds and plan.corroborations
    before = {name: (data / name).read_bytes() for name in ("figures.csv", "corroborations.csv")}
    write_bytes = Path.write_bytes

    def disk_full_at_corroborations(self, data_bytes):
        if self.name.startswith(".corroborations.csv"):
            raise OSError(28, "No space left on device")
        return write_bytes(self, data_bytes)

    monkeypatch.setattr(Path, "write_bytes", disk_full_at_corroborations)
    with pytest.raises(OSError):
        write_plan(plan, data)
    monkeypatch.undo()
    assert {name: (data / name).read_bytes() for name in before} == before
    assert not list(data.glob(".*.tmp"))
    assert write_plan(plan, data) == {"figures.csv": 1, "corroborations.csv": 1}


JSON_FORMATS = {
    "kakao-statistics": "kakao-2025-h2.json",
    "naver-statistics": "naver-statistics.json",
    "telegram-compilation": "telegram-compilation/dataset.json",
}


@pytest.mark.parametrize("format_name", sorted(JSON_FORMATS))
def test_a_json_file_with_a_byte_order_mark_reads_as_without(tmp_path, format_name):
    # Refused with the parser's "Unexpected UTF-8 BOM (decode using utf-8-sig)"; a CSV's is tolerated.
    source = FIXTURES / JSON_FORMATS[format_name]
    plain, marked = tmp_path / "plain" / source.name, tmp_path / "marked" / source.name
    for path, data in ((plain, source.read_bytes()), (marked, b"\xef\xbb\xbf" + source.read_bytes())):
        path.parent.mkdir()
        path.write_bytes(data)
    without, with_mark = run_import(format_name, plain), run_import(format_name, marked)
    assert "BOM" not in with_mark.output
    assert with_mark.exit_code == without.exit_code
    # The same plan, each line naming the file by its own checksum.
    assert re.sub(r"sha256[- ][0-9a-f]+", "", with_mark.output) == re.sub(r"sha256[- ][0-9a-f]+", "", without.output)


@pytest.mark.parametrize("format_name", sorted(JSON_FORMATS))
def test_an_empty_damaged_or_utf16_json_file_is_one_plain_line(tmp_path, format_name):
    path = tmp_path / Path(JSON_FORMATS[format_name]).name
    path.write_bytes(b"")
    assert ": is empty (0 bytes, no text): download it again" in _refused(run_import(format_name, path))
    path.write_bytes(b'{"data": {"reports": [1,\n')
    assert re.search(r"\.json:2:-: not JSON: Expecting value", _refused(run_import(format_name, path)))
    path.write_bytes((FIXTURES / JSON_FORMATS[format_name]).read_text(encoding="utf-8").encode("utf-16"))
    assert re.search(r"\.json:1:-: is UTF-16 or UTF-32", _refused(run_import(format_name, path)))


@pytest.mark.parametrize("format_name", [*sorted(JSON_FORMATS), "apple-transparency-json", "microsoft-lerr-json"])
def test_a_json_file_nested_too_deep_to_read_is_one_plain_line(tmp_path, format_name):
    # Python's JSON parser raises RecursionError, no ValueError, past about a thousand levels:
    # every JSON importer ended in a traceback.
    path = tmp_path / "dataset.json"
    path.write_text('{"data":\n' + "[" * 3000 + "]" * 3000 + "}\n", encoding="utf-8")
    told = _refused(run_import(format_name, path))
    assert re.search(r"\.json:2:-: not JSON: 3001 arrays and objects nested inside one another, too deep to read", told)


@pytest.mark.parametrize("format_name", [*sorted(JSON_FORMATS), "apple-transparency-json", "microsoft-lerr-json"])
def test_a_json_file_with_a_number_too_long_to_read_is_told_at_its_line(tmp_path, format_name):
    # Python's "Exceeds the limit (4300 digits) ...; use sys.set_int_max_str_digits()" named no line.
    path = tmp_path / "dataset.json"
    path.write_text('{"data":\n[' + "9" * 5000 + "]}\n", encoding="utf-8")
    told = _refused(run_import(format_name, path))
    assert re.search(r"\.json:2:-: not JSON: a number of 5,000 digits, longer than a JSON reader takes \(4,300\)", told)
    assert "set_int_max_str_digits" not in told
