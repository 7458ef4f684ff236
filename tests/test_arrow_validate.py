"""arrow_validate proves a package valid only when check_package finds nothing wrong with it.

It is the fast path of ``validate.validate_package``: whatever it proves is not read again, so a
package it wrongly proved would ship its problems. Every broken fixture, every hostile cell and
every CSV Python's csv module refuses must be left to check_package; the valid packages must be
proved (else the fast path never runs).
"""

import csv
import hashlib
import json
import multiprocessing
import random
from decimal import Decimal
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pytest

from disclosures import arrow_validate, paths, rules, safety, table_schema, validate
from tests.packages import BROKEN, make_package
from tests.test_table_schema import HOSTILE_CELLS, rewrite

FIGURE_FIELDS = [
    field["name"]
    for resource in json.loads(paths.PACKAGE.read_text(encoding="utf-8"))["resources"]
    if resource["name"] == "figures"
    for field in resource["schema"]["fields"]
]


def proved(package: Path) -> bool:
    return validate.proved_valid(package)


def test_the_real_package_and_the_base_fixture_are_proved(tmp_path):
    assert proved(paths.PACKAGE)
    assert proved(make_package(tmp_path))


@pytest.mark.parametrize("fixture", BROKEN)
def test_a_broken_fixture_is_left_to_check_package(tmp_path, fixture):
    package = make_package(tmp_path, fixture)
    problems = validate.check_package(package)[0]
    assert proved(package) is (not problems)
    # The report is check_package's, word for word.
    assert validate.validate_package(package) == problems


@pytest.mark.parametrize("cell", HOSTILE_CELLS)
def test_a_hostile_cell_anywhere_is_left_to_check_package(tmp_path, cell):
    def change(name, rows):
        for index, row in enumerate(rows):
            row[index % len(row)] = cell

    package = make_package(tmp_path)
    rewrite(package, change)
    assert validate.check_package(package)[0]
    assert not proved(package)


@pytest.mark.parametrize(
    "field, cell, message",
    [
        ("value", "9O0", "data/figures.csv:2:value: '9O0' is not a number"),
        ("value_low", "9O0", "data/figures.csv:2:value_low: '9O0' is not a number"),
    ],
)
def test_a_number_cell_that_is_not_a_number_gets_one_plain_message_from_both_paths(tmp_path, field, cell, message):
    def change(name, rows):
        if name == "figures":
            rows[0][FIGURE_FIELDS.index(field)] = cell
            if field != "value":
                rows[0][FIGURE_FIELDS.index("value_kind")] = "band"
                rows[0][FIGURE_FIELDS.index("value_high")] = rows[0][FIGURE_FIELDS.index("value")]
                rows[0][FIGURE_FIELDS.index("value")] = ""

    package = make_package(tmp_path)
    rewrite(package, change)
    assert not proved(package)
    for engine in ("auto", "frictionless"):
        assert [str(p) for p in validate.check_package(package, engine=engine)[0]] == [message]
    assert [str(p) for p in validate.validate_package(package)] == [message]


def test_an_integer_cell_that_is_not_whole_is_named_so_by_both_paths(tmp_path):
    def change(name, rows):
        if name == "source_tiers":
            rows[0][1] = "1O"

    package = make_package(tmp_path)
    rewrite(package, change)
    assert not proved(package)
    message = "data/source_tiers.csv:2:rank: '1O' is not a whole number"
    for engine in ("auto", "frictionless"):
        assert [str(p) for p in validate.check_package(package, engine=engine)[0]] == [message]
    assert [str(p) for p in validate.validate_package(package)] == [message]


@pytest.mark.parametrize(
    "cell",
    [
        "ends with a no-break space\u00a0",
        "\u2028line separator first",
        "thin space last\u2009",
        "=1+1",
        "@SUM(A1)",
    ],
)
def test_a_cell_python_faults_is_a_suspect(cell):
    # Whitespace as str.strip() sees it and formulas: the expressions must flag every cell the
    # reader's own functions fault, or the fast path would prove it.
    spec = {"name": "notes", "type": "string"}
    faulted = rules.cell_problems(cell, numeric=False) + safety.cell_safety_problems("text", cell)
    assert faulted
    assert arrow_validate.plain_text_suspects(pa.array([cell]), {}).to_pylist() == [True]
    assert table_schema.cell_reader(spec)(cell)[1] == []


@pytest.mark.parametrize("cell", ["bidi \u202e inside", "C1 control \x85 inside", "separator \x1f last", "nul \x00"])
@pytest.mark.parametrize("quoted", [False, True])
def test_a_file_with_a_control_or_bidi_character_is_refused(tmp_path, cell, quoted):
    faulted = rules.cell_problems(cell, numeric=False) + safety.cell_safety_problems("text", cell)
    assert faulted
    path = tmp_path / "table.csv"
    written = f'"{cell}"' if quoted else cell
    path.write_text(f"a,b\nx,{written}\n", encoding="utf-8")
    with pytest.raises(arrow_validate.Undecided):
        arrow_validate.read_strings(path, ["a", "b"])
    path.write_text("a,b\nx,clean\n", encoding="utf-8")
    assert arrow_validate.read_strings(path, ["a", "b"]).column("b").to_pylist() == ["clean"]


@pytest.mark.parametrize("broken_at", [None, 1, 500, 998])
def test_a_large_file_read_on_two_cores_is_read_as_on_one(tmp_path, monkeypatch, broken_at):
    # From TWO_CORES_BYTES on, the file is hashed and its lines matched against the CSV grammar
    # in halves, one on a thread: the same table and digest, and a line out of the grammar in
    # either half still refused.
    lines = [f"id-{n},{'quoted, ' if n % 3 else ''}cell {n}" for n in range(999)]
    lines = [f'{a},"{b}"' if "," in b else f"{a},{b}" for a, b in (line.split(",", 1) for line in lines)]
    if broken_at is not None:
        lines[broken_at] = f'id-{broken_at},"text"after'  # Arrow reads it; Python's csv refuses it
    path = tmp_path / "table.csv"
    path.write_text("a,b\n" + "".join(f"{line}\n" for line in lines), encoding="utf-8")
    results = []
    for threshold in (1 << 40, 1):
        monkeypatch.setattr(arrow_validate, "TWO_CORES_BYTES", threshold)
        digests = {}
        try:
            table = arrow_validate.read_strings(path, ["a", "b"], digests)
        except arrow_validate.Undecided:
            results.append("undecided")
        else:
            results.append((table.to_pydict(), digests))
    if broken_at is None:
        assert results[0] == results[1]
        table, digests = results[1]
        assert len(table["a"]) == 999 and table["b"][1] == "quoted, cell 1"
        assert digests == {path: hashlib.sha256(path.read_bytes()).hexdigest()}
    else:
        assert results == ["undecided", "undecided"]


def test_a_header_repeated_as_a_row_is_left_to_check_package(tmp_path):
    # A second copy's header pasted in: in columns of free text it breaks no cell's rule, and
    # only the one-pass reader's structure check (Damaged) has validate tell it, once.
    path = tmp_path / "table.csv"
    path.write_text("a,b\nx,y\na,b\n", encoding="utf-8")
    with pytest.raises(arrow_validate.Undecided):
        arrow_validate.read_strings(path, ["a", "b"])
    with pytest.raises(table_schema.Damaged):
        table_schema.read_table(path, "table.csv", {"name": "t", "schema": {"fields": [{"name": "a"}, {"name": "b"}]}})


def test_an_invisible_character_is_a_suspect_in_a_code_only():
    # Else Arrow proved a package valid whose key held a U+200B, which the reader refuses.
    cells = pa.array(["exam\u200bplechat", "examplechat"])
    assert arrow_validate.plain_text_suspects(cells, {}, invisible=True).to_pylist() == [True, False]
    assert arrow_validate.plain_text_suspects(cells, {}).to_pylist() == [False, False]


def test_a_clean_cell_is_not_a_suspect():
    cells = ["Requests for user data (Telegram)", "«quoted», 2,253 requests.", "Ünïcödé ✓"]
    assert arrow_validate.plain_text_suspects(pa.array(cells), {"maxLength": 100}).to_pylist() == [False] * 3


def write_figures(package: Path, edit) -> None:
    """Rewrite figures.csv's text with ``edit(text)``, byte for byte."""
    path = package.parent / "data" / "figures.csv"
    path.write_bytes(edit(path.read_text(encoding="utf-8")).encode("utf-8"))


def test_text_after_a_closing_quote_is_left_to_check_package(tmp_path):
    # Arrow reads "abc"def as abcdef; Python's csv module refuses it, and so does check_package.
    package = make_package(tmp_path)

    def edit(text):
        header, first, *rest = text.split("\n")
        cells = next(csv.reader([first]))
        cells[-1] = cells[-1] or "note"
        line = ",".join(cells[:-1]) + ',"' + cells[-1] + '"x'
        return "\n".join([header, line, *rest])

    write_figures(package, edit)
    assert validate.check_package(package)[0]
    assert not proved(package)


@pytest.mark.parametrize("written", ['say "yes"', 'a"', '5" screen'])
def test_a_quote_in_an_unquoted_cell_is_refused_by_every_reader(tmp_path, written):
    # Python's csv module and Arrow both keep it as text: the grammar refuses it, and the
    # one-pass reader hands the file over to raw_file_problems, which says where it is.
    path = tmp_path / "table.csv"
    path.write_text(f"a,b\nx,{written}\n", encoding="utf-8")
    assert next(csv.reader([f"x,{written}"], strict=True)) == ["x", written]
    with pytest.raises(arrow_validate.Undecided):
        arrow_validate.read_strings(path, ["a", "b"])
    assert table_schema.unquoted_cells_with_a_quote(f"x,{written}\n") == [1]
    quoted = '"' + written.replace('"', '""') + '"'
    path.write_text(f"a,b\nx,{quoted}\n", encoding="utf-8")
    assert table_schema.unquoted_cells_with_a_quote(f"x,{quoted}\n") == []
    assert arrow_validate.read_strings(path, ["a", "b"]).column("b").to_pylist() == [written]


def test_a_needlessly_quoted_cell_is_still_proved(tmp_path):
    package = make_package(tmp_path)

    def edit(text):
        header, first, *rest = text.split("\n")
        figure_id, tail = first.split(",", 1)
        return "\n".join([header, f'"{figure_id}",{tail}', *rest])

    write_figures(package, edit)
    assert validate.check_package(package)[0] == []
    assert proved(package)


def test_a_duplicate_row_and_an_unknown_reference_are_left_to_check_package(tmp_path):
    def change(name, rows):
        if rows:
            rows.append(list(rows[0]))
        if name == "figures":
            rows[1][1] = "nosuchplatform"

    package = make_package(tmp_path)
    rewrite(package, change)
    assert validate.check_package(package)[0]
    assert not proved(package)


@pytest.mark.parametrize(
    ("cell", "quote", "record"),
    [
        ("2253", "2,253 requests", False),
        ("2253", "2 253 requests", False),
        ("2253", "2\u202f253 requests", False),
        ("2253", "12253 requests", False),
        ("2253", "2,2530 requests", False),
        ("81.5", "81,5 %", False),
        ("5", "1,5 requests", False),
        ("5", "1,5", True),
        ("3", "2026,1,other,3,3", True),
        ("0", "BG,0,0,0", True),
        ("0", "BG,0,0,0", False),
        ("0.5", '{"share": "0.50%"}', True),
        ("1234567", "1.234.567", False),
        ("100", "", False),
        ("31", "Q1 (2026-01-01 to 2026-03-31): 12", False),
        ("12", "2024-12-31,12,499", True),
    ],
)
def test_numbers_in_quotes_is_the_rules_test(cell, quote, record):
    value = Decimal(cell)
    expected = rules.value_in_text(value, quote) or (record and rules.value_in_record(value, quote))
    assert arrow_validate.numbers_in_quotes([cell], [quote], [record]) is expected


def test_a_schema_feature_it_does_not_prove_is_left_to_check_package(tmp_path):
    package = make_package(tmp_path)
    descriptor = json.loads(package.read_text(encoding="utf-8"))
    descriptor["resources"][0]["schema"]["missingValues"] = ["", "n/a"]
    package.write_text(json.dumps(descriptor), encoding="utf-8")
    assert not proved(package)
    assert validate.validate_package(package) == []


def _dies(tables):
    import os

    os._exit(3)
    yield


def _holds(tables):
    yield True


@pytest.mark.skipif("fork" not in multiprocessing.get_all_start_methods(), reason="the child would be pytest")
def test_the_cross_row_rules_decided_in_a_child_that_dies_prove_nothing(tmp_path, monkeypatch):
    # The rules across rows and files are decided in a forked child beside the column checks.
    # A child that ends without its answer leaves the package to check_package.
    package = make_package(tmp_path)
    assert proved(package)
    monkeypatch.setattr(arrow_validate, "_rules_hold", _dies)
    assert not proved(package)
    assert validate.validate_package(package) == []


EVENT_DATE = next(
    index
    for resource in json.loads(paths.PACKAGE.read_text(encoding="utf-8"))["resources"]
    if resource["name"] == "events"
    for index, field in enumerate(resource["schema"]["fields"])
    if field["name"] == "event_date"
)


def test_the_column_checks_refuse_whatever_the_child_decides(tmp_path, monkeypatch):
    # A cell that is not of its column's type is the column checks' to find, here, while the
    # child decides the rest.
    def change(name, rows):
        if name == "events":
            rows[0][EVENT_DATE] = "2024-13-01"

    package = make_package(tmp_path)
    rewrite(package, change)
    monkeypatch.setattr(arrow_validate, "_rules_hold", _holds)
    assert not proved(package)


def test_the_grouped_reads_agree_with_the_rules_own_on_the_real_package():
    # reported_periods and the newest period per platform and regime are grouped through codes
    # and distinct rows, not Arrow's group_by: the same sets as the rules' own reading of rows.
    import pyarrow.compute as pc

    descriptor = json.loads(paths.PACKAGE.read_text(encoding="utf-8"))
    figures_resource = next(r for r in descriptor["resources"] if r["name"] == "figures")
    names = [f["name"] for f in figures_resource["schema"]["fields"]]
    table = arrow_validate.read_strings(paths.ROOT / figures_resource["path"], names)
    rows = validate.parse_figures(enumerate(table.to_pylist(), start=2))
    assert arrow_validate.reported_periods(table) == validate.reported_periods(rows)
    assert len(validate.reported_periods(rows)) > 100

    from disclosures import consistency

    facts = table.select(["platform_id", "source_id"]).append_column(
        "exact", pc.equal(table.column("value_kind"), "exact")
    )
    expected = {(r["platform_id"], r["source_id"], r["exact"]) for r in facts.to_pylist()}
    assert {exact for _, _, exact in expected} == {True, False}
    found = consistency.distinct_rows(facts)
    assert len(found) == len(set(found)) and set(found) == expected


@pytest.mark.parametrize(
    "quote",
    [
        "Germany received 1.000\u00a0bis\u00a01.500 requests",
        "between 900\u00a0and\u00a01,000 requests",
        "900\u202fto\u202f1,000 requests",
        "900\u2009-\u20091,000 requests",
        "900\u3000件から1,000件まで",
        "900-\u0661\u0660\u0660\u0660 requests",
    ],
)
def test_the_approximation_prefilter_picks_a_range_written_with_unicode_spaces_or_digits(quote):
    # The rule reads a range's spaces and digits as Python's \s and \d do; RE2's are ASCII only,
    # so the fast path proved valid a figure whose quote check_package refuses.
    value = Decimal(900) if "900" in quote else Decimal(1500)
    assert rules.value_only_approximate(value, quote)
    picked = pc.match_substring_regex(pa.array([quote]), rules.APPROXIMATION_ALTERNATIVES, ignore_case=True)
    assert picked.to_pylist() == [True]


def test_the_prefilter_s_spaces_and_digits_hold_every_one_python_reads():
    import re
    import sys

    characters = [chr(c) for c in range(sys.maxunicode + 1) if not 0xD800 <= c <= 0xDFFF]
    spaces = [c for c in characters if re.match(r"\s", c)]
    digits = [c for c in characters if re.match(r"\d", c)]
    assert pc.all(pc.match_substring_regex(pa.array(spaces), f"^{rules.RE2_SPACE}$")).as_py()
    assert pc.all(pc.match_substring_regex(pa.array(digits), f"^{rules.RE2_DIGIT}$")).as_py()


SHARE_METRICS = ["percent_requests_some_data", "requests_fulfilled", "requests_received"]


def arrow_passes_share(share_text: str, part: int, whole: int) -> bool:
    """arrow_validate.shares_against_counts on one share and its two counts: True when it proves them."""
    keys = np.array([7, 7, 7], dtype=np.int64)
    metric = np.array([0, 1, 2], dtype=np.int64)
    counts = np.array([part, whole], dtype=np.int64)
    try:
        arrow_validate.shares_against_counts(
            pa.array([share_text, str(part), str(whole)]),
            keys,
            SHARE_METRICS,
            metric,
            np.array([True, False, False]),
            keys[1:],
            metric[1:],
            counts,
            np.array([False, False]),
        )
    except arrow_validate.Undecided:
        return False
    return True


def test_the_fast_share_check_proves_exactly_the_shares_the_rule_passes():
    # Shares cut, rounded, and one or two units off, at 0 to 3 decimals, exact halves included
    # (7 of 8 is 87.5%): the integer check in arrow_validate and the Decimal rule must agree.
    generator = random.Random(5)
    agreed = 0
    for _ in range(5000):
        whole = generator.choice([generator.randint(1, 20), generator.randint(1, 2000), generator.randint(1, 10**7)])
        part = generator.randint(0, whole)
        unit = Decimal(1).scaleb(-generator.choice([0, 1, 2, 3]))
        share = (Decimal(100) * part / whole).quantize(unit) + unit * generator.choice([-2, -1, 0, 0, 1, 2])
        if not 0 <= share <= 100:
            continue
        text = format(share, "f")
        passes = rules.share_of_counts_problem(SHARE_METRICS[0], Decimal(text), Decimal(part), Decimal(whole)) is None
        assert arrow_passes_share(text, part, whole) is passes, (text, part, whole)
        agreed += 1
    assert agreed > 4000
    assert arrow_passes_share("88", 7, 8) and arrow_passes_share("87", 7, 8)
    assert not arrow_passes_share("80", 23856, 30814)


@pytest.mark.parametrize("values_count", [3, 40, 400])
def test_keys_looked_up_among_values_either_way_round_answer_as_arrow_does(values_count):
    # among and index_among hash the fewer side (a few disagreements' figure ids among a million
    # figures'): whichever side that is, the answers are is_in's and index_in's, duplicates and
    # chunked arrays included.
    chooser = random.Random(values_count)
    words = [f"id-{n}" for n in range(60)]
    keys = pa.chunked_array(
        [[chooser.choice(words) for _ in range(7)], [chooser.choice(words) for _ in range(12)] + ["no-such-id"]]
    )
    values = pa.chunked_array([[chooser.choice(words) for _ in range(values_count)], ["id-0", "id-0"]])
    assert (
        arrow_validate.among(keys, values).to_pylist() == pc.is_in(keys, value_set=values.combine_chunks()).to_pylist()
    )
    expected = pc.index_in(keys, value_set=values.combine_chunks()).to_pylist()
    assert arrow_validate.index_among(keys, values).to_pylist() == expected
    assert None in expected and any(i is not None for i in expected)  # both kinds of answer were checked


def test_a_rule_reading_a_few_columns_of_picked_rows_gets_those_rows_columns():
    table = pa.table({"a": ["1", "2", "3"], "b": ["x", "y", "z"], "quote": ["q1", "q2", "q3"]})
    picked = arrow_validate._picked(table, pa.array([True, False, True]), ["b", "a"])
    assert picked.column_names == ["b", "a"] and picked.to_pylist() == [{"b": "x", "a": "1"}, {"b": "z", "a": "3"}]
    every = arrow_validate._picked(table, pa.array([True, True, True]), ["a"])
    assert every.to_pylist() == [{"a": "1"}, {"a": "2"}, {"a": "3"}]
    assert arrow_validate._slice_list(table.column("b"), 0, pa.array([False, True, True])) == ["y", "z"]
    assert arrow_validate._slice_list(table.column("b"), 1) == ["y", "z"]


def test_a_disagreement_or_correction_naming_no_figure_is_not_proved(tmp_path):
    # Looked up among the figures' ids the other way round (arrow_validate.among): still refused.
    package = make_package(tmp_path)
    assert proved(package)

    def change(name, rows):
        if name == "disagreements":
            rows[0][1] = "examplechat-usa-1999h1-all-requests_received"

    rewrite(package, change)
    assert not proved(package)
