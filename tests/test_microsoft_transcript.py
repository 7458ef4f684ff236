"""The compact transcription of microsoft-lerr.json → the file's rows, joined and checked."""

import json

import pytest

from disclosures.importers import microsoft
from disclosures.importers import microsoft_transcript as transcript

PART_A = (
    "2013-H1\tcombined\tGermany\tas=9670 dc=0 dn=4318 nd=826 rj=41 rq=5185\n"
    "2013-H1\tcombined\tUnited States\tas=18809 dc=749 dn=4569 nd=1107 rj=588 rq=7014\n"
)
TURKIYE = "2025-H1\tcriminal\tTürkiye\tas=214 dc=0 dn=33 nd=9 rj=34 rq=76\n"
# Part B starts again at the boundary, as the transcribers overlap their pages.
PART_B = (
    "2013-H1\tcombined\tUnited States\tas=18809 dc=749 dn=4569 nd=1107 rj=588 rq=7014\n"
    "\n"
    "2020-H1\temergencies\tBelgium\tas=2 dn=1 nd=0 rj=1 rq=2 share=12.5@percent\n"
)


def write(tmp_path, name, text):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_a_line_is_one_row_per_cell_with_codes_units_and_json_values(tmp_path):
    groups = transcript.read_groups(write(tmp_path, "b.tsv", PART_B))
    assert [g.where.rsplit(":", 1)[1] for g in groups] == ["1", "3"]
    assert groups[1].rows() == [
        ["2020-H1", "emergencies", "Belgium", "accounts_specified", "count", 2],
        ["2020-H1", "emergencies", "Belgium", "disclosed_noncontent", "count", 1],
        ["2020-H1", "emergencies", "Belgium", "no_data_found", "count", 0],
        ["2020-H1", "emergencies", "Belgium", "rejected", "count", 1],
        ["2020-H1", "emergencies", "Belgium", "requests", "count", 2],
        ["2020-H1", "emergencies", "Belgium", "share", "percent", 12.5],
    ]


@pytest.mark.parametrize(
    "line, message",
    [
        ("2013-H1\tcombined\tas=1", "expected 4 tab-separated fields, found 3"),
        ("2013-H1\tcombined\tChile\tas=1 rq", "'rq' is not code=value"),
        ("2013-H1\tcombined\tChile\tas=1 rq=1,2", "rq: '1,2' is not a JSON value"),
    ],
)
def test_a_line_out_of_form_is_named_by_file_and_line(tmp_path, line, message):
    path = write(tmp_path, "bad.tsv", "2013-H1\tcombined\tChile\tas=1 rq=1\n" + line + "\n")
    with pytest.raises(transcript.TranscriptProblem) as raised:
        transcript.read_groups(path)
    assert str(raised.value) == f"{path}:2: {message}"


def test_joining_drops_only_the_exact_repeat_at_a_boundary(tmp_path):
    a = transcript.read_groups(write(tmp_path, "a.tsv", PART_A))
    b = transcript.read_groups(write(tmp_path, "b.tsv", PART_B))
    joined, dropped = transcript.join_parts([a, b])
    assert [g.key for g in joined] == [
        ("2013-H1", "combined", "Germany"),
        ("2013-H1", "combined", "United States"),
        ("2020-H1", "emergencies", "Belgium"),
    ]
    assert [g.where for g in dropped] == [b[0].where]
    assert transcript.repeated_keys(joined) == []
    # The same key with other cells is no repeat to drop: it stays, for the checks to name.
    changed = transcript.read_groups(write(tmp_path, "c.tsv", PART_B.replace("rq=7014", "rq=7041")))
    joined, dropped = transcript.join_parts([a, changed])
    assert dropped == [] and len(joined) == 4
    assert [(first.where, later.where) for first, later in transcript.repeated_keys(joined)] == [
        (a[1].where, changed[0].where)
    ]


def test_groups_whose_parts_do_not_add_up_to_the_requests_are_listed(tmp_path):
    groups = transcript.read_groups(write(tmp_path, "a.tsv", PART_A + PART_B))
    mismatches = [(g.country, total, requests) for g, total, requests in transcript.sum_mismatches(groups)]
    # 749 + 4569 + 1107 + 588 = 7013 for 7014 requests (the file says so); Belgium has no content count at all.
    assert mismatches == [("United States", 7013, 7014), ("United States", 7013, 7014), ("Belgium", None, 2)]


def test_the_rebuilt_file_reads_back_and_its_records_quote_the_rows(tmp_path):
    groups = transcript.read_groups(write(tmp_path, "a.tsv", PART_A + TURKIYE))
    text = transcript.file_text(groups)
    # The file writes UTF-8 as it is, not \\u escapes (its length, 779,722 characters, says so).
    assert '"Türkiye"' in text
    assert text.startswith('{"source":"https://www.microsoft.com/') and text.endswith("]]}\n")
    data = json.loads(text)
    assert data["columns"] == ["period", "section", "country", "metric", "unit", "value"]
    assert data["rows"][5] == ["2013-H1", "combined", "Germany", "requests", "count", 5185]
    path = write(tmp_path, "microsoft-lerr.json", text)
    quotes = {r.quote for r in microsoft.parse(path).records}
    assert '["2013-H1","combined","Germany","requests","count",5185]' in quotes
    assert '["2025-H1","criminal","Türkiye","requests","count",76]' in quotes
