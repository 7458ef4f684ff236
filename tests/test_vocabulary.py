"""Layer (a): the one owner of value kinds and of what a canonical URL may be."""

from decimal import Decimal

import pytest

from disclosures.vocabulary import (
    SHARE_OF_NO_REQUESTS_NOTE,
    VALUE_KINDS,
    loopback_problem,
    number_text,
    value_note,
    value_text,
    value_token,
)


@pytest.mark.parametrize(
    "row, unit, text, note",
    [
        ({"value_kind": "exact", "value": 14641}, "count", "14,641", ""),
        # whole counts take a shorter route than other values: the same text either way
        ({"value_kind": "exact", "value": 0}, "count", "0", ""),
        ({"value_kind": "exact", "value": 1234567}, "count", "1,234,567", ""),
        ({"value_kind": "exact", "value": 900.0}, "count", "900", ""),
        ({"value_kind": "exact", "value": "14641"}, "count", "14,641", ""),
        ({"value_kind": "exact", "value": 5}, "percent", "5%", ""),
        ({"value_kind": "exact", "value": 81.5}, "percent", "81.5%", ""),
        (
            {"value_kind": "exact", "value": 0.65},
            "fraction",
            "0.65",
            "a share from 0 to 1, as the platform published it",
        ),
        ({"value_kind": "band", "value_low": 0, "value_high": 249}, "count", "0–249", "reported as a band"),
        ({"value_kind": "band", "value_low": 1000, "value_high": 1999}, "count", "1,000–1,999", "reported as a band"),
        ({"value_kind": "less_than", "value_high": 30}, "count", "fewer than 30", "reported as a threshold"),
        ({"value_kind": "withheld"}, "count", "withheld", "the platform withholds this figure"),
        ({"value_kind": "not_reported"}, "count", "not reported", "the report gives no figure (this is not zero)"),
    ],
)
def test_value_text_and_note(row, unit, text, note):
    assert value_text(row, unit) == text
    assert value_note(row, unit) == note


def test_a_share_of_no_requests_is_noted_after_what_the_unit_says():
    share = {"value_kind": "exact", "value": 0}
    assert value_note(share, "percent", of_no_requests=True) == SHARE_OF_NO_REQUESTS_NOTE
    assert value_note(share, "fraction", of_no_requests=True) == (
        f"a share from 0 to 1, as the platform published it; {SHARE_OF_NO_REQUESTS_NOTE}"
    )


def test_every_value_kind_of_the_schema_is_owned_here():
    import json

    from disclosures import paths

    descriptor = json.loads(paths.PACKAGE.read_text(encoding="utf-8"))
    figures = next(r for r in descriptor["resources"] if r["name"] == "figures")
    kinds = next(f for f in figures["schema"]["fields"] if f["name"] == "value_kind")["constraints"]["enum"]
    assert sorted(kinds) == sorted(VALUE_KINDS)


@pytest.mark.parametrize("value, text", [(900, "900"), (81.5, "81.5"), (1e-05, "0.00001"), (2.0, "2"), ("", "")])
def test_number_text_is_canonical(value, text):
    assert number_text(value) == text


def test_number_text_writes_a_number_past_pythons_digit_limit_whole():
    # int -> text stops at 4,300 digits: validate raised on a figure's value of 5,001 digits, or a
    # quote holding one, where it reports the cell.
    digits = "1" + "0" * 5000
    assert number_text(10**5000) == digits
    assert number_text(Decimal(digits)) == digits
    assert number_text(Decimal("1E+5000")) == digits
    assert number_text(Decimal(digits + ".00")) == digits
    assert number_text(Decimal("-" + digits)) == "-" + digits


def test_value_token_of_an_unknown_kind_is_empty_not_an_error():
    assert value_token({"value_kind": "about", "value": 3}) == ""


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:8001/",
        "http://localhost/",
        "http://foo.localhost/",
        "http://[::1]/",
        "http://[::ffff:127.0.0.1]/",
        "http://2130706433/",
        "http://127.1/",
        "http://10.0.0.2/",
        "",
        "/relative/",
        "ftp://example.org/",
    ],
)
def test_loopback_and_relative_urls_are_refused(url):
    assert loopback_problem(url)


@pytest.mark.parametrize("url", ["https://platform-disclosures.org/", "https://example.com:8443/data/"])
def test_public_urls_pass(url):
    assert loopback_problem(url) is None
