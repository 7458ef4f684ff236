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
