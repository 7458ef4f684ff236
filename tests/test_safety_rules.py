"""Layer (a): the hostile-input rules on tiny inputs (rules.text_problems, url_problems,
stored_number_problems, safety.unknown_keys)."""

import json
from decimal import Decimal

import pytest

from disclosures import rules, safety
from tests.packages import ROOT


@pytest.mark.parametrize(
    "text",
    [
        '=HYPERLINK("https://evil.example","x")',
        "=1+1",
        "+cmd|' /C calc'!A0",
        "-SUM(A1:A2)",
        "@SUM(A1)",
        "=A1",
        "+ $B$2",
        "=-2",
    ],
)
def test_formulas_are_refused(text):
    assert any("formula" in m for m in rules.text_problems(text))


@pytest.mark.parametrize("text", ["-5", "- a note", "@transparency bot", "+7 requests", "=", ""])
def test_ordinary_text_is_not_a_formula(text):
    assert rules.text_problems(text) == []


@pytest.mark.parametrize("char", sorted(rules.BIDI_CONTROLS))
def test_every_bidi_control_is_refused(char):
    assert rules.text_problems(f"abc{char}def") == [
        f"contains bidirectional control characters (U+{ord(char):04X}), which reorder what is shown"
    ]


@pytest.mark.parametrize(
    ("char", "named"),
    [
        ("\u200b", "U+200B ZERO WIDTH SPACE"),
        ("\u200c", "U+200C ZERO WIDTH NON-JOINER"),
        ("\u200d", "U+200D ZERO WIDTH JOINER"),
        ("\u2060", "U+2060 WORD JOINER"),
        ("\ufeff", "U+FEFF ZERO WIDTH NO-BREAK SPACE"),
        ("\u00ad", "U+00AD SOFT HYPHEN"),
    ],
)
def test_an_invisible_character_is_refused_by_name_in_ids_codes_keys_and_links(char, named):
    # "examplechat" with a U+200B inside passed as a key (jurisdictions.name) and looked the same
    # in every message that named it.
    for kind, cell in (("code", f"exam{char}plechat"), ("url", f"https://example.org/{char}x")):
        assert any(named in m and "invisible" in m for m in safety.cell_safety_problems(kind, cell)), (kind, cell)
    # In free text it may be the source's own (a Persian word's U+200C, an emoji's U+200D).
    assert safety.cell_safety_problems("text", f"exam{char}plechat") == []


def test_keys_patterns_and_enums_are_codes():
    fields = [
        {"name": "id", "type": "string"},
        {"name": "name", "type": "string", "constraints": {"unique": True}},
        {"name": "kind", "type": "string", "constraints": {"enum": ["a"]}},
        {"name": "code", "type": "string", "constraints": {"pattern": "^[A-Z]{2}$"}},
        {"name": "quote", "type": "string"},
        {"name": "url", "type": "string", "format": "uri"},
        {"name": "home_url", "type": "string"},
        {"name": "n", "type": "integer"},
    ]
    schema = {"fields": fields, "primaryKey": "id"}
    kinds = safety.field_kinds(fields, safety.key_names(schema))
    assert kinds == {
        "id": "code",
        "name": "code",
        "kind": "code",
        "code": "code",
        "quote": "text",
        "url": "uri",
        "home_url": "url",
        "n": "number",
    }
    # A cell with no scheme is told once, by its format uri's type check; a field only named so
    # has no such check, and is told here.
    assert safety.cell_safety_problems("uri", "www.example.org") == []
    assert safety.cell_safety_problems("url", "www.example.org") == [
        "'www.example.org' is not an http(s) URL with a host"
    ]
    assert safety.cell_safety_problems("uri", "javascript:alert(1)") == [
        "'javascript:alert(1)' is not an http(s) URL with a host"
    ]


@pytest.mark.parametrize(
    "url",
    [
        "javascript:alert(1)",
        "JavaScript:alert(1)",
        "data:text/html,<script>alert(1)</script>",
        "vbscript:x",
        "//evil.example/",
        "/relative",
        "http:/one-slash",
        "https://",
        "https:///path",
        "http:\\\\evil.example",
        "ftp://example.org/",
    ],
)
def test_non_http_urls_are_refused(url):
    assert rules.url_problems(url)


@pytest.mark.parametrize("url", ["https://example.org/report", "http://example.org", "HTTPS://EXAMPLE.ORG/x?y=1#z"])
def test_http_urls_pass(url):
    assert rules.url_problems(url) == []


@pytest.mark.parametrize(
    "number,ok",
    [
        ("9223372036854775807", True),
        ("9223372036854775808", False),
        ("-9223372036854775808", True),
        ("-9223372036854775809", False),
        ("81.5", True),
        ("0.1", True),
        ("12345.678", True),
        ("81.50000000000000001", False),
        ("0.12345678901234567890", False),
    ],
)
def test_numbers_sqlite_stores_exactly(number, ok):
    assert (rules.stored_number_problems(Decimal(number)) == []) is ok


@pytest.mark.parametrize(
    "number,ok",
    [
        ("10079254", True),  # the largest figure today
        ("9007199254740992", True),  # 2**53
        ("9007199254740993", False),
        ("9007199254740994", True),  # beyond 2**53 a double holds every second whole number
        ("-9007199254740993", False),
        ("9223372036854775807", False),
        ("81.5", True),
    ],
)
def test_numbers_a_double_holds_exactly(number, ok):
    # A number column is a double in the release's Parquet and JSON: 9007199254740993 read
    # 9007199254740992 there, while the database kept it as a 64-bit integer.
    assert (rules.double_problems(Decimal(number)) == []) is ok


def test_only_a_number_field_must_fit_a_double():
    # An integer field is int64 in the Parquet file: it keeps 2**53 + 1.
    assert safety.cell_safety_problems("number", "9007199254740993") == []
    (message,) = safety.cell_safety_problems("double", "9007199254740993")
    assert message.endswith("would give 9007199254740992; check the value")
    assert safety.field_kinds([{"name": "v", "type": "number"}, {"name": "n", "type": "integer"}]) == {
        "v": "double",
        "n": "number",
    }


def test_unknown_keys_name_where_they_are():
    descriptor = {
        "name": "x",
        "resourses": [],
        "resources": [
            {
                "name": "t",
                "schema": {
                    "fields": [{"name": "a", "type": "string", "constraint": {"required": True}}],
                    "primaryKey": ["a"],
                    "foreignKeys": [{"fields": ["a"], "reference": {"resource": "u", "field": ["b"]}}],
                },
            }
        ],
    }
    assert safety.unknown_keys(descriptor) == [
        ("package", "resourses"),
        ("resources[t].schema.fields[a]", "constraint"),
        ("resources[t].schema.foreignKeys[0].reference", "field"),
    ]


def test_the_real_descriptor_uses_only_known_keys():
    assert safety.unknown_keys(json.loads((ROOT / "datapackage.json").read_text(encoding="utf-8"))) == []


def test_descriptor_lists_of_the_wrong_kind_are_told_not_iterated():
    # `descriptor.get("licenses") or []` took 5 or true for a list: a TypeError traceback.
    descriptor = {
        "licenses": 5,
        "sources": [{"title": "s"}, "data/sources.csv"],
        "contributors": None,
        "keywords": "telegram",
        "resources": [{"name": "t", "licenses": True, "schema": {"fields": 5, "foreignKeys": True}}],
    }
    assert safety.unknown_keys(descriptor) == []
    assert safety.list_problems(descriptor) == [
        (("licenses",), "licenses", "is a JSON number: it must be a list of licenses (objects with a name or path)"),
        (("sources",), "sources", "item 2 is a JSON string: it must be a list of sources (objects with a title)"),
        (("contributors",), "contributors", "is a JSON null: it must be a list of contributors (objects with a title)"),
        (("keywords",), "keywords", "is a JSON string: it must be a list of keywords (text)"),
        (
            ("resources", 0, "licenses"),
            "licenses",
            "resource t's licenses is a JSON boolean: it must be a list of licenses (objects with a name or path)",
        ),
        (
            ("resources", 0, "schema", "foreignKeys"),
            "foreignKeys",
            "the foreignKeys of t are a JSON boolean: they must be a list of foreign keys (objects)",
        ),
    ]
    assert safety.key_names(descriptor["resources"][0]["schema"]) == frozenset()


def test_the_real_descriptor_lists_what_it_should():
    assert safety.list_problems(json.loads((ROOT / "datapackage.json").read_text(encoding="utf-8"))) == []


def test_contributors_licenses_and_sources_hold_text_and_what_the_specification_requires():
    # A contributor without a title passed validate, and the build stopped with KeyError: 'title'.
    descriptor = {
        "contributors": [
            {"title": "A", "role": "author"},
            {"role": "author"},
            {"givenName": "Ada", "familyName": "Lovelace", "roles": ["author"]},
            {"title": ["A"]},
            {"title": "B", "email": 5, "role": "author"},
            # Data Package v1 reads no role as "contributor", which the citation read as "author";
            # v2's roles are a list, and "roles": "author" passed (found by curator review).
            {"title": "C"},
            {"title": "D", "roles": "author"},
            {"title": "E", "roles": ["author", 5]},
            # A list under v1's "role" (found by curator review: told only "must be text").
            {"title": "F", "role": ["author"]},
        ],
        "licenses": [{"title": "Creative Commons"}, {"name": "CC-BY-4.0", "path": True}],
        "sources": [{"path": "data/sources.csv"}],
    }
    assert safety.list_problems(descriptor) == [
        (
            ("licenses", 0),
            "name",
            "license 1 has no name (CC-BY-4.0) or path (its URL): the specification requires one",
        ),
        (("licenses", 1, "path"), "path", "license 2's path is a JSON boolean: it must be text"),
        (("sources", 0), "title", "source 1 has no title: the specification requires one"),
        (
            ("contributors", 1),
            "title",
            "contributor 2 has no title (or givenName and familyName), the name a citation gives its authors",
        ),
        (("contributors", 3, "title"), "title", "contributor 4's title is a JSON array: it must be text"),
        (("contributors", 4, "email"), "email", "contributor 5's email is a JSON number: it must be text"),
        (
            ("contributors", 5),
            "role",
            'contributor 6 has no role, which the Data Package specification reads as "contributor", and a '
            'citation names only an "author": write "role": "author", or the role they had',
        ),
        (
            ("contributors", 6, "roles"),
            "roles",
            'contributor 7\'s roles is a JSON string: it must be a list of roles (["author"])',
        ),
        (
            ("contributors", 7, "roles"),
            "roles",
            'contributor 8\'s roles is a list of something other than text: it must be a list of roles (["author"])',
        ),
        (
            ("contributors", 8, "role"),
            "role",
            'contributor 9\'s role is a JSON array: it must be text ("role": "author"); a list of roles is the '
            'specification\'s roles ("roles": ["author"])',
        ),
    ]


def test_an_unknown_key_is_told_at_its_own_line(tmp_path):
    # Found by searching the text for its name: a contributor's "name" was told at the
    # package's (line 2), and a key of the field "id" of t2 at t1's field "id".
    descriptor = {
        "name": "x",
        "version": "1.0.0",
        "contributors": [{"name": "A"}],
        "resources": [
            {"name": "t1", "schema": {"fields": [{"name": "id"}]}},
            {"name": "t2", "schema": {"fields": [{"name": "id", "constraint": {}}]}},
        ],
    }
    path = tmp_path / "datapackage.json"
    text = json.dumps(descriptor, indent=2)
    path.write_text(text, encoding="utf-8")
    lines = text.splitlines()
    told = {(p.field, p.message.split(";")[0]): p.line for p in safety.descriptor_problems(path, descriptor, "dp")}
    assert told[("name", "unknown key in contributors[0]")] == lines.index('      "name": "A"') + 1
    assert told[("constraint", "unknown key in resources[t2].schema.fields[id]")] == (
        lines.index('            "constraint": {}') + 1
    )
