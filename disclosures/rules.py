"""Pure rules shared by validation and the build: no I/O, tiny inputs, easy to test."""

from __future__ import annotations

import bisect
import calendar
import csv
import io
import json
import re
import sys
import unicodedata
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import ROUND_FLOOR, ROUND_HALF_EVEN, ROUND_HALF_UP, Decimal
from functools import lru_cache
from urllib.parse import unquote, urlsplit

from .vocabulary import VALUE_KINDS, loopback_problem, number_text

SAFE_NAME = re.compile(r"^[a-z][a-z0-9_]*$")
# Integers and decimals exactly as a curator should type them: no "+7", no "007", no "1e3".
# "-0" is not canonical: SQLite stores it as 0, and the cell would not round-trip.
CANONICAL_NUMBER = re.compile(r"^(?!-0$)-?(0|[1-9][0-9]*)(\.[0-9]*[1-9])?$")
NOT_A_NUMBER = re.compile(r"^[+-]?(nan|inf|infinity)$", re.IGNORECASE)
# What str.splitlines() splits on, written as escapes in a printed problem.
LINE_BREAKS_ESCAPED = {
    ord(ch): ch.encode("unicode_escape").decode("ascii") for ch in "\n\r\v\f\x1c\x1d\x1e\x85\u2028\u2029"
}
# Characters a terminal shows as a space or not at all (no-break and other Unicode spaces,
# zero-width and direction marks, the soft hyphen, the byte-order mark), written as escapes in
# a printed problem: a curator cannot see, and so cannot delete, what the message names.
INVISIBLE_ESCAPED = {
    code: f"\\u{code:04x}"
    for code in (
        0x00A0,
        0x00AD,
        0x034F,
        0x061C,
        0x1680,
        0x180E,
        *range(0x2000, 0x2010),
        *range(0x202A, 0x2030),
        *range(0x205F, 0x2065),
        0x3000,
        0xFEFF,
    )
}
# A date as the package writes it (and SQLite and the site compare it, as text): ASCII digits.
ISO_DATE_TEXT = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
# Thousands separators seen in sources: comma, dot, space, no-break and narrow no-break spaces,
# and the Swiss apostrophe (2'253, typeset 2’253: Proton's and the Swiss authorities' reports).
SWISS_SEPARATORS = ("'", "\u2019")
THOUSANDS_SEPARATORS = (",", ".", " ", "\u00a0", "\u202f", "\u2009", *SWISS_SEPARATORS)
# A whole number written with thousands separators (1,234 or 1 234 567): only the separators
# keep it from being a number. (1.234 is a number, so never reaches this.)
GROUPED_DIGITS = re.compile("[0-9]{1,3}(?:[, \u00a0\u202f\u2009'\u2019][0-9]{3})+")
# What joins two parts of one number: "1,5" holds no 5, nor "2'253" a 253.
WITHIN_A_NUMBER = (".", ",", *SWISS_SEPARATORS)
# Unicode category Cc is exactly C0 (U+0000-U+001F), DEL and C1 (U+007F-U+009F).
CONTROL_CHARACTER = re.compile("[\x00-\x1f\x7f-\x9f]")
# Unicode's line and paragraph separators (categories Zl, Zp): no control characters, but line
# breaks to Python's splitlines, to JavaScript before ES2019 and to many editors, so a text copied
# with one passed as a cell holding a line break, which the package writes as ¶.
LINE_SEPARATORS = "\u2028\u2029"
LINE_SEPARATOR = re.compile(f"[{LINE_SEPARATORS}]")


PRINTED_ESCAPES = {**LINE_BREAKS_ESCAPED, **INVISIBLE_ESCAPED}


@dataclass(frozen=True, order=True)
class Problem:
    """One thing a curator must fix, printed as ``path:line:field: message``."""

    path: str
    line: int | None
    field: str | None
    message: str

    def __str__(self) -> str:
        line = "-" if self.line is None else str(self.line)
        field = self.field or "-"
        # One problem per line of output, whatever a cell quoted in the message holds, and no
        # character in it that the terminal would hide.
        return f"{self.path}:{line}:{field}: {self.message}".translate(PRINTED_ESCAPES)


def control_fix(controls: list[str]) -> str:
    """What to write instead of the control characters ``controls`` (``U+000A``...): a tab (a
    table's column break) was told to write a line break as ¶, which it is not."""
    fixes = []
    if {"U+000A", "U+000D"} & set(controls):
        fixes.append("a line break as ¶")
    if "U+0009" in controls:
        fixes.append("a tab as a space")
    others = set(controls) - {"U+000A", "U+000D", "U+0009"}
    told = f"write {' and '.join(fixes)}" if fixes else ""
    if others:
        told += ("; delete the others" if fixes else "delete them") + " (they print as nothing)"
    return told


def cell_problems(cell: str, *, numeric: bool, is_date: bool = False) -> list[str]:
    """What is wrong with one raw CSV cell, before any type parsing. ``numeric``: the field is a
    number or integer; ``is_date``: a date."""
    problems = []
    if CONTROL_CHARACTER.search(cell):
        controls = sorted({f"U+{ord(ch):04X}" for ch in CONTROL_CHARACTER.findall(cell)})
        problems.append(f"contains control characters ({', '.join(controls)}); {control_fix(controls)}")
    if LINE_SEPARATOR.search(cell):
        separators = sorted({f"U+{ord(ch):04X}" for ch in LINE_SEPARATOR.findall(cell)})
        problems.append(f"contains Unicode line separators ({', '.join(separators)}); write a line break as ¶")
    if cell != cell.strip():
        edges = cell[: len(cell) - len(cell.lstrip())] + cell[len(cell.rstrip()) :]
        # A no-break space shows as nothing at the edge of a cell: name what to look for. (Control
        # characters and line separators are named above.)
        unseen = sorted(
            {
                f"U+{ord(ch):04X}"
                for ch in edges
                if ch != " " and not CONTROL_CHARACTER.match(ch) and ch not in LINE_SEPARATORS
            }
        )
        problems.append(
            f"has leading or trailing whitespace ({', '.join(unseen)}, which prints as a space)"
            if unseen
            else "has leading or trailing whitespace"
        )
    if numeric and cell:
        if NOT_A_NUMBER.match(cell):
            problems.append(f"{cell!r} is not a number")
        elif not _reads_as_decimal(cell):
            pass  # type_problem words it: "not written canonically" would send a curator astray
        elif not CANONICAL_NUMBER.match(cell) and not (cell != cell.strip() and CANONICAL_NUMBER.match(cell.strip())):
            # A number canonical but for the whitespace around it is the whitespace's problem
            # alone: "'123 ' is not written canonically" named five things the cell did not do.
            canonical = canonical_number_text(cell)
            problems.append(
                f"{cell!r} is not written canonically (no plus sign, leading zeros, "
                "trailing decimal zeros, exponent or thousands separator)"
                + (f": write {canonical}" if canonical is not None and canonical != cell.strip() else "")
                + dot_grouping_note(cell)
            )
    if is_date and cell and not ISO_DATE_TEXT.fullmatch(cell):
        read = date_as_frictionless_reads_it(cell)
        # Frictionless reads 2024-1-1 (and full-width digits) as a date; stored as written, it
        # would sort and compare wrongly as text. One that does not read is type_problem's.
        if read is not None:
            problems.append(f"{shown_cell(cell)} is not a date written YYYY-MM-DD: write {read.isoformat()}")
    return problems


def date_as_frictionless_reads_it(cell: str) -> date | None:
    """``cell`` as Frictionless reads a date (strptime's %Y-%m-%d: 2024-9-23 and non-ASCII digits
    too), or None."""
    try:
        return datetime.strptime(cell, "%Y-%m-%d").date()
    except ValueError:
        return None


def _reads_as_decimal(cell: str) -> bool:
    # As Frictionless reads a number (Decimal of the stripped cell).
    try:
        Decimal(cell.strip())
    except ArithmeticError:
        return False
    return True


# A cell quoted in a message is cut here: a 4,000-character cell would bury the message.
SHOWN_CELL_LENGTH = 40


def shown_cell(cell: str) -> str:
    """``cell`` as a message quotes it: repr(), cut to SHOWN_CELL_LENGTH characters with "…"."""
    return repr(cell if len(cell) <= SHOWN_CELL_LENGTH else cell[:SHOWN_CELL_LENGTH] + "…")


def pattern_problem(cell: str, pattern: str) -> str:
    """The message for a cell that does not match its field's ``pattern``: the pattern, and what
    to write where the cell is a number with thousands separators ("1,250": write 1250), as a
    number field's message says. Both validation paths print exactly this."""
    if GROUPED_DIGITS.fullmatch(cell):
        digits = re.sub(r"\D", "", cell)
        return f"{shown_cell(cell)} is not a number as this column writes one: write {digits}, without thousands separators"
    written = pattern_rewrite(cell, pattern)
    if written is not None:
        return f"{shown_cell(cell)} is not written as this column writes it: write {written}{dot_grouping_note(cell)}"
    grouped = cell.strip().replace(".", "")
    # Only in a column of numbers (one that takes a seven-digit one): "2.024" is no 2024 in a
    # column of dates.
    numbers_column = re.match(f"^(?:{pattern})$", "1000000")
    if DOT_GROUPED.fullmatch(cell.strip()) and numbers_column and re.match(f"^(?:{pattern})$", grouped):
        return (
            f"{shown_cell(cell)} is not written as this column writes it: write {grouped} if its dots group thousands"
        )
    gloss = PATTERN_GLOSSES.get(pattern)
    return f"must match {pattern}" + (f": {shown_cell(cell)} is not {gloss}" if gloss else "")


def enum_problem(cell: str, allowed: list) -> str:
    """The message for a cell that is none of its field's ``enum``: the list, and the value meant
    where the cell differs from one only in case, spaces, hyphens or underscores (a new curator's
    "Press" for press, "requests received" for requests_received). Both validation paths print
    exactly this."""

    def folded(text) -> str:
        return re.sub(r"[\s_-]+", "_", str(text).strip().casefold())

    near = [value for value in allowed if isinstance(value, str) and folded(value) == folded(cell)]
    return f"must be one of {allowed}" + (
        f': {shown_cell(cell)} is written otherwise: write "{near[0]}"' if near else ""
    )


# What the package's patterns ask for, in a curator's words: "must match ^[0-9]{4}(-(0[1-9]|…"
# alone did not say that 2025-13-01 is no date, nor how to write a source_id.
PATTERN_GLOSSES = {
    "^[0-9]{4}(-(0[1-9]|1[0-2])(-(0[1-9]|[12][0-9]|3[01]))?)?$": (
        "a date written YYYY-MM-DD (or YYYY-MM, or YYYY, when the source gives no day or month)"
    ),
    "^[0-9]{4}-(0[1-9]|1[0-2])(-(0[1-9]|[12][0-9]|3[01]))?$": (
        "a date written YYYY-MM-DD (or YYYY-MM when the source gives no day)"
    ),
    "^[a-z0-9][a-z0-9-]*[a-z0-9]$": (
        "written in lower-case letters, digits and hyphens, starting and ending with a letter or digit"
    ),
    "^[a-z0-9][a-z0-9_.-]*[a-z0-9]$": (
        "written in lower-case letters, digits, hyphens, underscores and dots, starting and ending with a "
        "letter or digit"
    ),
    "^[a-z][a-z0-9_]*$": "written in lower-case letters, digits and underscores, starting with a letter",
    "^[A-Z]{2}$": "two upper-case letters (an ISO 3166-1 alpha-2 code, such as DE)",
    "^[A-Z]{3}$": "three upper-case letters (an ISO 3166-1 alpha-3 code, such as DEU)",
    "^[A-Z]{2,6}$": "an ISO 3166-1 alpha-3 code (DEU) or an upper-case scope code (WORLD, EU)",
    "^[0-9]{3}$": "three digits (an ISO 3166-1 numeric code, such as 004)",
    "^[0-9a-f]{64}$": "a SHA-256 written as 64 lower-case hexadecimal digits",
}


# A number whose dots may group thousands, as many reports write them ("1.900" for 1,900).
DOT_GROUPED = re.compile(r"[1-9][0-9]{0,2}(?:\.[0-9]{3})+")


def dot_grouping_note(cell: str) -> str:
    """For a number such as 1.900, which reads as 1.9 but may be a report's 1,900: ", or 1900 if
    its dots group thousands, ..."; "" for any other cell."""
    if not DOT_GROUPED.fullmatch(cell.strip()):
        return ""
    return f", or {cell.strip().replace('.', '')} if its dots group thousands, as the source may write them"


# A plain number, or one whose commas group thousands ("2,253.0"); a comma anywhere else may be
# a decimal comma ("1,5"), which no rewrite guesses.
NUMBER_WRITTEN = r"(?:[0-9]{1,3}(?:,[0-9]{3})+|[0-9]+)(?:\.[0-9]+)?"
# Dashes a curator may paste for a band's hyphen ("10–20"), between two such numbers.
PASTED_BAND = re.compile(rf"({NUMBER_WRITTEN})\s*[\u2010-\u2015\u2212-]\s*({NUMBER_WRITTEN})")
# A date with slashes or dots for ISO's hyphens, year first ("2024/01/02").
SEPARATED_DATE = re.compile(r"([0-9]{4})[/.]([0-9]{2})(?:[/.]([0-9]{2}))?")


def pattern_rewrite(cell: str, pattern: str) -> str | None:
    """What ``cell`` most likely means, written so that ``pattern`` matches it, or None: its
    number written canonically ("1234.0" -> 1234, "2,253.0" -> 2253), each number of a band so
    ("10 – 20.0" -> 10-20), lower case ("Withheld"), or a year-first date with ISO's hyphens
    ("2024/01/02"). Nothing is guessed where a cell reads two ways ("1,5", "1.000.000")."""
    compiled = re.compile(f"^(?:{pattern})$")
    stripped = cell.strip()

    def canonical(number: str) -> str | None:
        return canonical_number_text(number.replace(",", ""))

    candidates = [stripped.lower()]
    if re.fullmatch(rf"[+]?{NUMBER_WRITTEN}|[+-]?[0-9]+(?:\.[0-9]*)?[eE][+-]?[0-9]+", stripped):
        candidates.append(canonical(stripped) or "")
    band = PASTED_BAND.fullmatch(stripped)
    # A band whose numbers' dots may group thousands ("1.900–2.000") reads two ways, and one
    # whose low is above its high is no band to guess.
    if band and not any(DOT_GROUPED.fullmatch(bound) for bound in band.groups()):
        low, high = canonical(band.group(1)), canonical(band.group(2))
        if low and high and Decimal(low) <= Decimal(high):
            candidates.append(f"{low}-{high}")
    date = SEPARATED_DATE.fullmatch(stripped)
    if date and real_date(*date.groups()):
        candidates.append("-".join(part for part in date.groups() if part))
    return next((c for c in candidates if c and c != cell and compiled.match(c)), None)


def real_date(year: str, month: str, day: str | None) -> bool:
    """Whether the year, month and (if given) day name a day of the calendar (not 2024-02-31)."""
    try:
        date(int(year), int(month), int(day or 1))
    except ValueError:
        return False
    return True


# The largest power of ten canonical_number_text writes out (either way from the point).
CANONICAL_DIGITS_MAX = 30


def canonical_number_text(cell: str) -> str | None:
    """The canonical way to write the number ``cell`` holds ("+1234.50" -> "1234.5", "1e3" ->
    "1000"), or None when it holds none."""
    try:
        number = Decimal(cell.strip())
    except ArithmeticError:
        return None
    # No figure is near 10^30; 1e5000 written out was a traceback, and 1e999999999 never ended.
    if not number.is_finite() or abs(number.adjusted()) > CANONICAL_DIGITS_MAX:
        return None
    text = format(number.normalize(), "f") if number != number.to_integral_value() else str(int(number))
    return "0" if text in ("-0", "0") else text


def type_problem(cell: str, kind: str, form: str = "default") -> str:
    """The message for a non-empty cell that cannot be read as its Table Schema ``kind``/``form``,
    in a curator's words and quoting the cell: "'9O0' is not a whole number" for an integer,
    "'9O0' is not a number" for a number, and so on. Both validation paths (the one-pass reader
    and Frictionless's TypeError, reworded by validate.readable) print exactly this."""
    shown = shown_cell(cell)
    if kind in ("integer", "number") and GROUPED_DIGITS.fullmatch(cell):
        digits = re.sub(r"\D", "", cell)
        what = "a whole number" if kind == "integer" else "a number"
        return f"{shown} is not {what}: write {digits}, without thousands separators (the quote keeps {cell})"
    if kind in ("integer", "number") and DOT_GROUPED.fullmatch(cell.strip()):
        what = "a whole number" if kind == "integer" else "a number"
        return f"{shown} is not {what}: write {cell.strip().replace('.', '')} if its dots group thousands"
    if kind == "integer":
        return f"{shown} is not a whole number"
    if kind == "number":
        return f"{shown} is not a number"
    if kind == "date":
        return date_problem(cell)
    if kind == "string" and form == "uri":
        if WITHOUT_SCHEME.match(cell):
            # An address pasted without its scheme ("www.example.org/news"): say what it lacks.
            return f"{shown} is not a URI: it has no scheme (write https://{cell}, or http:// if that is its address)"
        return f"{shown} is not a URI"
    return f'{shown} cannot be read as type "{kind}/{form}"'


# What Frictionless's format uri requires, and all it checks (table_schema._is_uri): a scheme.
SCHEME = re.compile(r"[a-zA-Z][a-zA-Z0-9+.-]*:")
# A web address without its scheme: a host name with a dot, then a path or nothing, no space.
WITHOUT_SCHEME = re.compile(r"(?:[A-Za-z0-9-]+\.)+[A-Za-z]{2,}(?:[/?#]\S*)?$")


# A date with its year first, however separated: 2024/01/31, 2024.1.31, 2024-02-30.
YEAR_FIRST_DATE = re.compile(r"([0-9]{4})([-/.])([0-9]{1,2})\2([0-9]{1,2})")


# A date with its year last: 23/09/2024 (day first), 09/23/2024 (month first, as in the US),
# 23.09.2024 (day first, as German and French write one).
YEAR_LAST_DATE = re.compile(r"([0-9]{1,2})([-/.])([0-9]{1,2})\2([0-9]{4})")


def _year_last_problem(shown: str, found: re.Match) -> str:
    """What a date written with its year last is told: the ISO date when only one reading is a
    date (23/09/2024, 09/23/2024), both when either could be (04/12/2026: 4 December or 12
    April, which only the source can settle), day first for a dotted one (04.12.2026)."""
    first, second, year = int(found.group(1)), int(found.group(3)), int(found.group(4))
    readings = []
    for day, month in ((first, second),) if found.group(2) == "." else ((first, second), (second, first)):
        if 1 <= month <= 12 and 1 <= day <= calendar.monthrange(year, month)[1]:
            readings.append(date(year, month, day))
    readings = sorted(set(readings))
    if not readings:
        return f"{shown} is not a date written YYYY-MM-DD, nor a date in any order"
    if len(readings) == 1:
        return f"{shown} is not a date written YYYY-MM-DD: write {readings[0].isoformat()}"
    said = " or ".join(f"{d.isoformat()} ({d.day} {calendar.month_name[d.month]})" for d in readings)
    return f"{shown} is not a date written YYYY-MM-DD: write {said}, as the source means it"


def date_problem(cell: str) -> str:
    """The message for a cell that is not a date as Table Schema reads one (YYYY-MM-DD): one written
    so but naming no day says which month it overruns ('2024-02-30' was told it was not written
    YYYY-MM-DD, which it is); one with its year first and other separators is told how to write it,
    and one with its year last how it reads (``_year_last_problem``)."""
    shown = shown_cell(cell)
    found = YEAR_FIRST_DATE.fullmatch(cell)
    if found is None:
        last = YEAR_LAST_DATE.fullmatch(cell)
        return _year_last_problem(shown, last) if last else f"{shown} is not a date written YYYY-MM-DD"
    year, month, day = int(found.group(1)), int(found.group(3)), int(found.group(4))
    if not 1 <= month <= 12:
        return f"{shown} is not a date: its month, {found.group(3)}, is not 01 to 12"
    days = calendar.monthrange(year, month)[1]
    if not 1 <= day <= days:
        return f"{shown} is not a date: {calendar.month_name[month]} {year} has {days} days"
    return f"{shown} is not a date written YYYY-MM-DD: write {date(year, month, day).isoformat()}"


def spellings(value: Decimal) -> set[str]:
    """The usual ways a source writes ``value``: 2253, 2,253, 2.253, 2 253; 81.5, 81,5; from
    100,000 on, also as the Indian press groups it (1,63,823)."""
    text = number_text(value)
    integer, _, fraction = text.partition(".")
    groups = []
    rest = integer
    while len(rest) > 3:
        groups.insert(0, rest[-3:])
        rest = rest[:-3]
    groups.insert(0, rest)
    integer_forms = {integer} | {sep.join(groups) for sep in THOUSANDS_SEPARATORS}
    if len(integer) > 5 and integer.isdigit():
        # Indian grouping, as the Indian press writes counts: lakhs and crores by twos (1,63,823).
        head, lakhs = integer[:-3], []
        while len(head) > 2:
            lakhs.insert(0, head[-2:])
            head = head[:-2]
        integer_forms.add(",".join([head, *lakhs, integer[-3:]]))
    if not fraction:
        return integer_forms
    forms = set()
    for form in integer_forms:
        for decimal_mark in (".", ","):
            # A mark can't serve as both thousands separator and decimal mark.
            if decimal_mark in form[len(groups[0]) :]:
                continue
            forms.add(f"{form}{decimal_mark}{fraction}")
    return forms


@lru_cache(maxsize=65536)
def _spellings(value: Decimal) -> tuple[str, ...]:
    return tuple(sorted(spellings(value)))


def _latin_letter(character: str) -> bool:
    """A letter of the Latin script: glued to a number it makes a label ("Q2", "H1", "5M"). Other
    scripts glue counters to numbers (Korean "270건" is 270 requests), so theirs do not count."""
    return character.isalpha() and character < "\u0250"


def _stands_alone(text: str, start: int, end: int) -> bool:
    """No digit touches text[start:end], nor a digit behind a separator ("1,5" is not 5), nor a
    Latin letter ("Q2" is not 2: a newcomer's value 2 passed on a quote of Q1 and Q2 figures),
    and it is not the day or month of a date ("2026-03-31" is not 31)."""
    if start and (text[start - 1].isdecimal() or _latin_letter(text[start - 1])):
        return False
    if end < len(text) and _latin_letter(text[end]):
        return False
    if start > 1 and text[start - 1] in WITHIN_A_NUMBER and text[start - 2].isdecimal():
        return False
    if end < len(text) and text[end].isdecimal():
        return False
    if end + 1 < len(text) and text[end] in WITHIN_A_NUMBER and text[end + 1].isdecimal():
        return False
    beside_a_date_separator = (start and text[start - 1] in "-/") or (end < len(text) and text[end] in "-/")
    return not (beside_a_date_separator and _in_a_date_as_day_or_month(text, start, end))


# A date written with digits around a four-digit year: 2026-03-31, 2026/3/31, 31/12/2024, 12-31-2024.
# (Dotted dates, 31.12.2024, are decimals to the rule above already.)
NUMERIC_DATE = re.compile(r"(?<!\d)(?:\d{4}([-/])\d{1,2}\1\d{1,2}|\d{1,2}([-/])\d{1,2}\2\d{4})(?!\d)")


def _in_a_date_as_day_or_month(text: str, start: int, end: int) -> bool:
    """text[start:end] is the day or month of a date written with digits; its year is left to
    value_only_as_year, which says so in its own words."""
    if end - start > 2:
        return False
    for match in NUMERIC_DATE.finditer(text, max(0, start - 8)):
        if match.start() > start:
            return False
        if end <= match.end():
            return True
    return False


def value_in_text(value: Decimal, text: str) -> bool:
    """True when ``value`` is written in ``text`` as a whole number, not part of a larger one."""
    return any(value_in_text_as(form, text) for form in _spellings(value))


# What comes just before a year in a quote: "in 2013", "since 2019", "H1 2024", "June 2023",
# "year": 2012, "FY 2021", the second year of a range (2012–2013) or of a date (30.06.2013).
BEFORE_A_YEAR = re.compile(
    r"(?:\b(?:in|since|until|till|during|year|years|fy|fiscal|h1|h2|q1|q2|q3|q4|jan(?:uary)?|feb(?:ruary)?"
    r"|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|sept?(?:ember)?|oct(?:ober)?|nov(?:ember)?"
    r"|dec(?:ember)?)\W{0,3}|\d[./-]|\d\s?[–-]\s?)$",
    re.IGNORECASE,
)
# And just after one: a date or a range going on (2013-06-30, 2013–2014, 2013/14), or a half or
# quarter written onto it (2013h1).
AFTER_A_YEAR = re.compile(r"^(?:\s?[–/-]\s?\d|[hHqQ][1-4]\b)")


def value_only_as_year(value, text: str) -> bool:
    """True when ``value`` (a whole number from 1900 to 2099) is in ``text`` only as a year: every
    place it stands alone reads as one ("in 2013", "2013-06-30", "2012–2013") and it is never
    written with a thousands separator (2,013). A value read from such a quote is a year mistaken
    for the figure: ``value_in_text`` finds it all the same."""
    if not isinstance(value, Decimal) or value != value.to_integral_value() or not 1900 <= value <= 2099:
        return False
    bare = str(int(value))
    if any(form != bare and value_in_text_as(form, text) for form in _spellings(value)):
        return False
    found = False
    start = text.find(bare)
    while start != -1:
        end = start + len(bare)
        # No digit touches it; "2015,50" in a CSV line is the field 2015, so a separator may.
        if not (start and text[start - 1].isdecimal()) and not (end < len(text) and text[end].isdecimal()):
            found = True
            if not (BEFORE_A_YEAR.search(text[max(0, start - 24) : start]) or AFTER_A_YEAR.match(text[end : end + 4])):
                return False
        start = text.find(bare, start + 1)
    return found


# Words that make the number after them not the figure itself: an approximation ("nearly 900",
# as the press rounds a platform's count) or a bound ("more than 900", "over 99", "not less than
# 900"). Only words with no other reading before a number: "about 255 accounts" is also
# "concerning", and so is German "über" ("Auskünfte über 255 Konten"); "some 22,939" and "under 38
# customer accounts" (Cloudflare's 227 domains of 38 accounts) are how the press quotes exact
# counts, so those pass, and "under" is a bound only as "just under", "slightly under" or "well
# under"; German "unter" ("among") likewise. English, German, Portuguese, Spanish, French, Korean,
# Japanese and Chinese, the languages of the stored sources and of the reports they quote: each
# has its "more than", "over", "fewer than", "under", "at least" and "nearly" where it has a word
# for it that reads only so.
APPROXIMATION_WORDS = (
    *("nearly", "almost", "approximately", "approx.", "approx", "roughly", "circa", "close to", "estimated"),
    *("around", "more than", "over", "at least", "at most", "upwards of", "in excess of", "less than"),
    *("fewer than", "just under", "slightly under", "well under", "just below", "up to"),
    *("rund", "etwa", "knapp", "ungefähr", "fast", "nahezu", "beinahe", "annähernd", "mehr als", "mindestens"),
    *("höchstens", "weniger als", "bis zu"),
    *("cerca de", "quase", "aproximadamente", "mais de", "pelo menos", "no mínimo", "menos de", "perto de"),
    *("acima de", "abaixo de"),
    *("casi", "alrededor de", "más de", "al menos", "por lo menos", "por encima de", "por debajo de"),
    *("près de", "presque", "environ", "plus de", "au moins", "moins de"),
    *("약", "최소", "최대", "거의"),
)
# Signs, and words of scripts written without spaces ("合計約270件", "收到约270份"), need no space
# before them, but 約 ends the words a report may put before a number: 要約 "summary", 契約
# "contract", 規約 "terms", 条約 "treaty", 予約 "booking", 制約 "limit", 集約 "aggregate", 解約
# "cancellation", 公約 "pledge". The others are Japanese およそ "about", ほぼ "almost", 最低 "at
# least", and Chinese 超过 "over", 至少 "at least", 不到 "fewer than", 逾 "over".
# A tilde between two numbers ("900~1,000", as Korean and Japanese write a range) is a range's
# sign, which value_only_approximate tells apart.
TILDES = "~〜～"
APPROXIMATION_SIGNS = ("約", "约", *TILDES, "≈", "およそ", "ほぼ", "最低", "超过", "超過", "至少", "不到", "逾")
# Korean, Japanese and Chinese put the bound after the number, or after its counter: "270건 이상"
# (or more), "270여 건" (over 270), "270件以上", "270件未満" (under), "270件超", "270多份", "270余份",
# "270건 미만", "270건 가량" (about). 여 only as a word of its own or before a counter ("270여건"),
# not as the start of another ("여부", "whether").
COUNTERS = "건件份명名人개個个次家"
APPROXIMATION_AFTER_WORDS = ("이상", "미만", "초과", "가량", "정도", "以上", "未満", "未满", "超", "余", "餘", "多", "左右", "前後")  # fmt: skip
APPROXIMATION_AFTER = re.compile(
    rf"\s{{0,2}}(?:[{COUNTERS}]\s{{0,2}})?(?:{'|'.join(APPROXIMATION_AFTER_WORDS)}|여(?![가-힣])|여(?=[{COUNTERS}]))"
)
# A range: two numbers joined by a tilde, a dash or "to", the lower first ("900~1,000", "10–20",
# "900-1,000", "900 to 1,000"). A dash or "to" after a label or a year is no sign of anything
# ("Germany – 900", "Q1 – 1", "H1 2024 – 900", "2024 – 900": a range runs upwards), nor between
# two years ("2023-2024", a span of years, which value_only_as_year tells), nor "to" after a year
# ("the total for 2016 to 61,409"), before a date ("1 to 30 June") or after "from" or "by" ("rose
# from 750 to 900", "by 100 to 900": a change).
RANGE_SIGNS = f"{TILDES}\u2013-"
# "to" in the other languages of the stored quotes (German, French, Portuguese, Italian, Japanese
# and Korean): "900 bis 1.000", "900 à 1 000", "900 a 1.000", "900件から1,000件まで", "900건부터
# 1,000건까지". Each is as "to" is: none after a year ("de 2023 a 2024", a period) or before a date
# ("1. bis 30. Juni", "1 a 30 de junho", "1月から6月まで"), and "de" or "da" before the first number
# reads as "from", a change ("passou de 750 a 900", "passé de 750 à 900"), as German "von … auf"
# does but "von … bis" does not. The Japanese and Korean words are a range's only with their end,
# まで or 까지, after the second number: "900件から1,000件に" is a change, as "에서 … 으로" is.
RANGE_WORDS = ("to", "bis", "à", "a")
RANGE_WORDS_ENDED = ("から", "부터")
# "and" is a range's only after "between": "between 900 and 1,000", "zwischen 900 und 1.000",
# "entre 900 et 1 000", "entre 900 e 1.000", "tra 900 e 1.000" ("900 and 1,000 users" is two counts).
RANGE_AND = ("and", "und", "et", "e", "y")
BETWEEN_BEFORE = re.compile(r"\b(?:between|zwischen|entre|tra|fra)\s{1,2}$", re.IGNORECASE)
RANGE_JOIN = (
    rf"(?:\s{{0,2}}[{RANGE_SIGNS}]\s{{0,2}}|\s{{1,2}}(?:{'|'.join((*RANGE_WORDS, *RANGE_AND))})\s{{1,2}}"
    rf"|\s{{0,2}}(?:[{COUNTERS}]\s{{0,2}})?(?:{'|'.join(RANGE_WORDS_ENDED)})\s{{0,2}})"
)
RANGE_END_WORD = re.compile(rf"\s{{0,2}}(?:[{COUNTERS}]\s{{0,2}})?(?:まで|까지)")
# Python's \s and \d in a text pattern (RANGE_JOIN's spaces, NUMBER_TEXT's digits) written for
# RE2, whose \s and [0-9] are ASCII only: with those, the Arrow prefilter below passed "900 to
# 1,000" written with no-break spaces (as French and German type it), which the rule refuses.
RE2_SPACE = (
    r"[\t\n\x{0b}\f\r\x{1c}-\x{20}\x{85}\x{a0}\x{1680}\x{2000}-\x{200a}\x{2028}\x{2029}\x{202f}\x{205f}"
    r"\x{3000}]"
)
RE2_DIGIT = r"\p{Nd}"
APPROXIMATION_ALTERNATIVES = "|".join(
    [
        *(re.escape(word) for word in (*APPROXIMATION_WORDS, *APPROXIMATION_SIGNS, *APPROXIMATION_AFTER_WORDS)),
        *(
            "여",
            "\u2013",
            rf"{RE2_DIGIT}{RE2_SPACE}{{0,2}}-{RE2_SPACE}{{0,2}}{RE2_DIGIT}",
            rf"{RE2_DIGIT}{RE2_SPACE}{{1,2}}(?:{'|'.join((*RANGE_WORDS, *RANGE_AND))}){RE2_SPACE}{{1,2}}{RE2_DIGIT}",
        ),
        rf"{RE2_DIGIT}{RE2_SPACE}{{0,2}}(?:[{COUNTERS}]{RE2_SPACE}{{0,2}})?(?:{'|'.join(RANGE_WORDS_ENDED)})",
    ]
)
# One of them, not inside a longer word, then at most two spaces up to the number. "No less
# than 896" is emphasis in how the press writes an exact count (the Signpost on Wikimedia's), and
# so are French "pas moins de" and German "nicht weniger als"; a word that only ends in "no"
# ("ao longo do ano mais de 900") is no such "no". "Not less than 900" is a bound, shown whole.
APPROXIMATION = re.compile(
    rf"(?:(?<!\w)(?<!\bno )(?<!\bpas )(?<!\bnicht )(?:not\s)?"
    rf"(?:{'|'.join(re.escape(word) for word in APPROXIMATION_WORDS)})"
    rf"|(?<![要契规規条條予预預制集解公])(?:{'|'.join(re.escape(sign) for sign in APPROXIMATION_SIGNS)}))\s{{0,2}}$",
    re.IGNORECASE,
)
# A number and a range's sign just before a value, or the sign and a number just after it. The
# number before stands alone: in the Telegram bot's "Q1 – 1 ¶ Q2 – 4" the dash follows a label,
# and in "2024-06-30" the 06 follows a date's dash; a Japanese or Korean word may touch it
# ("要請は900件から"), as those scripts write numbers. A number may be grouped with spaces (1 000).
NUMBER_TEXT = r"\d{1,3}(?:[ \u00a0\u202f\u2009'\u2019]\d{3})+|\d(?:[\d.,]*\d)?"
RANGE_BEFORE = re.compile(
    rf"(?<![^\W\u3040-\u30ff\u3400-\u9fff\uac00-\ud7a3]|[.,/-])({NUMBER_TEXT})({RANGE_JOIN})$", re.IGNORECASE
)
RANGE_AFTER = re.compile(rf"({RANGE_JOIN})({NUMBER_TEXT})(?![A-Za-z]|[-/]\d)", re.IGNORECASE)
# What makes a range's word no range's: a change before it ("from 750 to 900", "by 100 to 900",
# "de 750 à 900", "da 750 a 900"), or a date after it ("1 to 30 June", "1. bis 30. Juni", "1 a 30
# de junho", "1～6月", "1~6월").
CHANGE_BEFORE = {
    "to": re.compile(r"\b(?:from|by)\s{1,2}$", re.IGNORECASE),
    "à": re.compile(r"\bde\s{1,2}$", re.IGNORECASE),
    "a": re.compile(r"\b(?:de|da)\s{1,2}$", re.IGNORECASE),
}
MONTHS = (
    *("january", "february", "march", "april", "may", "june", "july", "august", "september", "october"),
    *("november", "december", "jan", "feb", "mar", "apr", "jun", "jul", "aug", "sept", "sep", "oct", "nov", "dec"),
    *("januar", "februar", "juni", "juli"),
    *("märz", "mai", "oktober", "dezember", "okt", "dez"),
    *("février", "avril", "juin", "juillet", "août", "décembre", "déc"),
    *("fevereiro", "maio", "abril", "agosto", "setembro", "outubro", "dezembro"),
    *("gennaio", "febbraio", "maggio", "giugno", "luglio", "settembre", "ottobre", "dicembre"),
)
MONTH_AFTER = re.compile(
    r"\s{0,2}\.?\s{0,2}(?:(?:de|di)\s{1,2})?"
    rf"(?:{'|'.join(MONTHS)})\.?(?![^\W\d_])"
    r"|\s{0,2}[年月日년월일]",
    re.IGNORECASE,
)


def _range_end(text: str) -> Decimal | None:
    """The number a range's end is written as: 1,000, 1.000, 1 000 and 1'000 are 1000 (as a
    range's ends are read: grouped thousands); 81,5 is 81.5."""
    if GROUPED_DIGITS.fullmatch(text) or re.fullmatch(r"\d{1,3}(?:\.\d{3})+", text):
        return Decimal(re.sub(r"\D", "", text))
    try:
        return Decimal(text.replace(",", "."))
    except ArithmeticError:
        return None


def _a_year(text: str) -> bool:
    """A number written as a year is: four digits from 1900 to 2099, ungrouped."""
    return re.fullmatch(r"(?:19|20)\d\d", text) is not None


def _range_to(text: str, low_start: int, low_text: str, join: str, high_text: str, high_end: int) -> int | None:
    """Where the range ends when low_text, join and high_text (found at text[low_start:high_end])
    are a range of counts: the lower first, not two years nor a year after a label (H1 2024 –
    900), not a date's days, and a word neither a change's nor missing its end (まで); else None."""
    low, high = _range_end(low_text), _range_end(high_text)
    if low is None or high is None or low >= high or MONTH_AFTER.match(text, high_end):
        return None
    word = join.strip().lower()
    if word in RANGE_WORDS_ENDED or word[-2:] in RANGE_WORDS_ENDED:
        ended = RANGE_END_WORD.match(text, high_end)
        return ended.end() if ended and not _a_year(low_text) else None
    if word in RANGE_AND and not BETWEEN_BEFORE.search(text, max(0, low_start - 12), low_start):
        return None
    by_word = word in RANGE_WORDS or word in RANGE_AND
    if _a_year(low_text) and (
        by_word or _a_year(high_text) or BEFORE_A_YEAR.search(text[max(0, low_start - 24) : low_start])
    ):
        return None
    if word in CHANGE_BEFORE and CHANGE_BEFORE[word].search(text[max(0, low_start - 8) : low_start]):
        return None
    return high_end


def _range_start(text: str, low_start: int) -> int:
    """Where a range whose lower number starts at ``low_start`` starts: at its "between", if any."""
    between = BETWEEN_BEFORE.search(text, max(0, low_start - 12), low_start)
    return between.start() if between else low_start


def value_only_approximate(value: Decimal, text: str) -> str | None:
    """The words around ``value`` ("nearly 900", "900~1,000") when every place ``value`` stands
    alone in ``text`` (``value_in_text``) follows an approximation or a bound (``APPROXIMATION``),
    or is one end of a range (``_range_to``); None when it stands alone once without one, or
    not at all. A figure read from such a quote is the press's rounding or a band's bound, not the
    platform's count (``is_a_range`` tells which the words are)."""
    found = None
    for form in _spellings(value):
        start = text.find(form)
        while start != -1:
            end = start + len(form)
            if _stands_alone(text, start, end):
                window_start = max(0, start - 24)
                window = text[window_start:start]
                low = RANGE_BEFORE.search(window)
                low_to = low and _range_to(text, window_start + low.start(), low.group(1), low.group(2), form, end)
                high = RANGE_AFTER.match(text, end)
                high_to = high and _range_to(text, start, form, high.group(1), high.group(2), high.end())
                in_a_range = low_to or high_to
                before = None if in_a_range else APPROXIMATION.search(window)
                after = None if in_a_range or before else APPROXIMATION_AFTER.match(text, end)
                if low_to:
                    words = text[_range_start(text, window_start + low.start()) : low_to]
                elif high_to:
                    words = text[_range_start(text, start) : high_to]
                elif before:
                    words = text[start - len(before.group(0)) : end]
                elif after:
                    words = text[start : after.end()]
                else:
                    return None
                found = found or words
            start = text.find(form, start + 1)
    return found


def shown_words(words: str) -> str:
    """``words`` from a quote, in quotes as a problem prints them, with each character that prints
    as a space or not at all named: ``Problem`` writes it as its escape (\\u00a0), which a curator
    can see and search the file for. repr() wrote a no-break space as \\xa0, which no editor
    searches for, and which "\\xa01.500" ran into the number."""
    mark = '"' if "'" in words else "'"
    unseen = sorted({ch for ch in words if ord(ch) in INVISIBLE_ESCAPED})
    named = [
        f"{INVISIBLE_ESCAPED[ord(ch)]} is U+{ord(ch):04X} {unicodedata.name(ch, 'a format character')}" for ch in unseen
    ]
    return f"{mark}{words}{mark}" + (f" ({'; '.join(named)})" if named else "")


def is_a_range(words: str) -> bool:
    """True when words from ``value_only_approximate`` are a range ("900~1,000", "10–20", "900 to
    1,000"), not a rounding or a bound ("up to 900")."""
    return bool(re.search(rf"\d{RANGE_JOIN}\d", words, re.IGNORECASE))


def value_in_text_as(form: str, text: str) -> bool:
    """True when ``form`` (one spelling of a number) stands alone somewhere in ``text``."""
    start = text.find(form)
    while start != -1:
        if _stands_alone(text, start, start + len(form)):
            return True
        start = text.find(form, start + 1)
    return False


# The keys of a data file's record that importers write into a figure's locator, and that say
# which period or place the record is: Google's "Period Ending=2025-06-30, CLDR Territory Code=AE",
# Microsoft's "period=2015-H1, ... country=Andorra", TikTok's 'period_value="Jul-Dec 2024",
# location_value="Afghanistan"', Meta's "Country=Albania", X's "ISO CODE=AR", the DSA files' "Scope=AT".
LOCATOR_KEY = re.compile(
    r"(?:^|\(|, |: |row )(Period Ending|Reporting period ending date|CLDR Territory Code|ISO CODE|Scope|country"
    r'|Country|location_value|Country/Region of Origin|period|period_value|Period)=("[^"]*"|[^,)]*)'
)
LOCATOR_HALF = re.compile(r"^(?:(\d{4})-H([12])|(Jan)-(Jun) (\d{4})|(Jul)-(Dec) (\d{4}))$")


def locator_half(text: str) -> tuple[str, str] | None:
    """The half-year a record's period names ("2015-H1", "Jul-Dec 2024"), as ISO dates, or None."""
    match = LOCATOR_HALF.match(text)
    if not match:
        return None
    year, first = (
        (match.group(1), match.group(2) == "1")
        if match.group(1)
        else (match.group(5), True)
        if match.group(3)
        else (match.group(8), False)
    )
    return (f"{year}-01-01", f"{year}-06-30") if first else (f"{year}-07-01", f"{year}-12-31")


def locator_record_problems(
    locator: str, jurisdiction_id: str, period_start: str, period_end: str, places: dict[str, dict]
) -> list[tuple[str, str]]:
    """(field, note) where a figure's locator names its record's period or place (LOCATOR_KEY) and
    the figure is filed under another: a row moved to another country or half-year keeps the
    value its record holds, so only the record's own keys show the move.

    ``places``: {"alpha2": {code: jurisdiction_id}, "names": {casefolded name or other name:
    {jurisdiction_id, ...}}, "ids": {jurisdiction_id, ...}}. A code or name no jurisdiction has
    is not judged, nor the place of a figure whose jurisdiction_id names no jurisdiction (its
    foreign key is the problem: a miscased ``Deu`` in jurisdictions.csv made every German figure's
    locator "name another place")."""
    problems = []
    known = places.get("ids")
    judge_place = known is None or jurisdiction_id in known
    for key, raw in LOCATOR_KEY.findall(locator or ""):
        said = raw.strip().strip('"').strip()
        if not said:
            continue
        if key in ("Period Ending", "Reporting period ending date"):
            if re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", said) and said != period_end:
                problems.append(("period_end", f"is {period_end}, but its locator names the record of {key}={said}"))
        elif key in ("period", "period_value", "Period"):
            half = locator_half(said)
            if half and half != (period_start, period_end):
                problems.append(
                    (
                        "period_start",
                        f"{period_start} to {period_end} is not the period its locator names ({key}={said}: "
                        f"{half[0]} to {half[1]})",
                    )
                )
        elif not judge_place:
            continue
        elif key in ("CLDR Territory Code", "ISO CODE", "Scope"):
            owner = places["alpha2"].get(said.upper())
            if owner and owner != jurisdiction_id:
                problems.append(
                    (
                        "jurisdiction_id",
                        f"is {jurisdiction_id}, but its locator names the record of {key}={said} ({owner})",
                    )
                )
        else:
            owners = places["names"].get(said.casefold())
            if owners and jurisdiction_id not in owners:
                problems.append(
                    (
                        "jurisdiction_id",
                        f"is {jurisdiction_id}, but its locator names the record of {key}={said} "
                        f"({', '.join(sorted(owners))})",
                    )
                )
    return problems


def place_names(jurisdictions: list[dict]) -> dict[str, dict]:
    """``locator_record_problems``'s ``places`` from jurisdictions.csv rows (text)."""
    places: dict[str, dict] = {"alpha2": {}, "names": {}, "ids": set()}
    for row in jurisdictions:
        jurisdiction = row.get("jurisdiction_id") or ""
        places["ids"].add(jurisdiction)
        if row.get("alpha2"):
            places["alpha2"][row["alpha2"].upper()] = jurisdiction
        names = [row.get("name") or ""] + (row.get("other_names") or "").split(";")
        for name in filter(None, (n.strip() for n in names)):
            places["names"].setdefault(name.casefold(), set()).add(jurisdiction)
    return places


# Sources whose quotes are records of a data file (CSV lines, JSON objects), not prose.
RECORD_SOURCE_KINDS = {"platform_data_file", "compilation"}
RECORD_DELIMITERS = re.compile(r'[,;|\t{}\[\]:"]')
RECORD_NUMBER = re.compile(r"(-?[0-9]+(?:\.[0-9]+)?)\s*%?")


def value_in_record(value: Decimal, record: str) -> bool:
    """True when one field of a CSV line or JSON object is exactly ``value``.

    In a record, commas delimit fields, so "2026,1,other,3,3" holds 3, not 1,3.
    """
    for field in RECORD_DELIMITERS.split(record):
        field = field.strip()
        if rules_number(field) == value:
            return True
    return False


# A locator that names the key a record sits under in its file: ..., key "ARG" entry 4, ...
LOCATED_KEY = re.compile(r'key "([^"]+)"')
# A record's own period, as the Telegram bot's compilation writes it: "from": "20251001".
RECORD_DAY = re.compile(r"[0-9]{8}")


def json_value(text: str, **options):
    """``json.loads(text, **options)``, with JSON that Python's parser cannot hold raised as
    json.JSONDecodeError at the place it cannot, like any other JSON that cannot be read: arrays
    or objects nested about a thousand deep (at the bracket where they are deepest), and a whole
    number longer than ``sys.get_int_max_str_digits()`` (4,300 digits, at its first digit).

    The parser raises RecursionError on the first, which is no ValueError: a quote
    ``{"a": [[[...]]]}`` of 3,000 characters, within its maxLength, ended validation in a
    traceback. On the second its ValueError told a curator to call sys.set_int_max_str_digits(),
    at no line.
    """
    try:
        return json.loads(text, **options)
    except json.JSONDecodeError:
        raise
    except RecursionError:
        depth, deepest, at = 0, 0, 0
        for position, char in _json_outside_strings(text):
            if char in "[{":
                depth += 1
                if depth > deepest:
                    deepest, at = depth, position
            elif char in "]}":
                depth -= 1
        raise json.JSONDecodeError(
            f"{deepest} arrays and objects nested inside one another, too deep to read", text, at
        ) from None
    except ValueError:
        limit = sys.get_int_max_str_digits()
        run, first = 0, 0
        for position, char in _json_outside_strings(text):
            if not char.isdigit():
                run = 0
                continue
            if run == 0:
                first = position
            run += 1
            if run > limit:
                while position + 1 < len(text) and text[position + 1].isdigit():
                    position += 1
                raise json.JSONDecodeError(
                    f"a number of {position + 1 - first:,} digits, longer than a JSON reader takes ({limit:,})",
                    text,
                    first,
                ) from None
        raise


def _json_outside_strings(text: str):
    """(position, character) of each character of JSON ``text`` outside its strings."""
    in_string = escaped = False
    for position, char in enumerate(text):
        if escaped:
            escaped = False
        elif in_string:
            escaped, in_string = char == "\\", char != '"'
        elif char == '"':
            in_string = True
        else:
            yield position, char


# How many record quotes ``known_record`` keeps parsed: the real package's 58,942 figures quote
# 16,502 JSON records, 60,147 times in all (validation read them in 0.16 s of its 0.33 s of
# quote rules; 11 MB held).
RECORD_CACHE = 32768
# Record quotes parsed by a rule, by their text, the first kept first (remember_record).
_RECORDS: dict[str, object] = {}
# What known_record answers for a quote not parsed yet.
NOT_KNOWN = object()


def known_record(text: str):
    """The JSON value of a record quote parsed already by one of the rules that read one
    (``record_identity_problems``, ``named_field_number``, ``extraction_row_problems``), or
    NOT_KNOWN. The value is shared between them, so read, never changed.

    The rules call ``json_value`` themselves when it is not known: how deep JSON may nest before
    Python's parser gives up depends on how deep the call stack is, and a wrapper around the
    parse (``functools.lru_cache``'s) moved the depth a quote is refused at by one."""
    return _RECORDS.get(text, NOT_KNOWN)


def remember_record(text: str, value) -> None:
    """Keep ``value``, the JSON value of the record quote ``text``, for ``known_record``: at most
    RECORD_CACHE of them, the oldest forgotten first."""
    if len(_RECORDS) >= RECORD_CACHE:
        del _RECORDS[next(iter(_RECORDS))]
    _RECORDS[text] = value


def record_identity_problems(
    quote: str, locator: str, jurisdiction_id, period_start, period_end, *, is_record: bool = False
) -> list[tuple[str, str]]:
    """(field, note) when a figure read from a JSON record that states its own period ("from" and
    "to", YYYYMMDD) is filed under another period, or under another jurisdiction than the key
    its locator names: the value matches the record, so only these say it was filed wrong.
    Dates may be ``date`` objects or ISO text; [] for any other quote. A quote that begins as a
    JSON record but is not JSON (curly quotes typed for straight ones) is a problem of its own:
    its period and place could not be read, so a record filed wrong would pass. A record is a
    JSON object ("{"), or, from a data file or compilation (``is_record``), a JSON array ("["), as
    the Apple and Microsoft importers quote a row; a press quote may open with an editor's "[…]"."""
    if not isinstance(quote, str):
        return []
    # Whitespace around the record, JSON's or not (a no-break space), is the cell's problem, said
    # as such (cell_problems); the record inside is checked all the same. A byte-order mark is no
    # whitespace to strip: the record is checked (and, as JSON does not allow it there, refused)
    # rather than skipped.
    text = quote.strip()
    if not (text.lstrip("\ufeff").startswith("{") or (is_record and text.lstrip("\ufeff").startswith("["))):
        return []
    record = known_record(text)
    if record is NOT_KNOWN:
        try:
            record = json_value(text)
        except ValueError as error:
            return [("quote", not_json_note(quote, text, error))]
        remember_record(text, record)
    if not isinstance(record, dict):
        return []
    said = [record.get("from"), record.get("to")]
    if not all(isinstance(day, str) and RECORD_DAY.fullmatch(day) for day in said):
        return []
    problems = []
    for field, given, day in (("period_start", period_start, said[0]), ("period_end", period_end, said[1])):
        given = given.isoformat() if isinstance(given, date) else given
        stated = f"{day[:4]}-{day[4:6]}-{day[6:]}"
        if isinstance(given, str) and given and given != stated:
            key = "from" if field == "period_start" else "to"
            problems.append((field, f'{given} is not the quoted record\'s "{key}" ({stated})'))
    key = LOCATED_KEY.search(locator or "")
    if key and isinstance(jurisdiction_id, str) and jurisdiction_id and key.group(1) != jurisdiction_id:
        problems.append(("jurisdiction_id", f'{jurisdiction_id} is not the key "{key.group(1)}" the locator names'))
    return problems


# Typographic quotes an editor or a word processor puts where JSON has straight double quotes.
CURLY_QUOTES = "\u201c\u201d\u201e\u201f\u2033\u00ab\u00bb\u2018\u2019\u201a\u201b"
CURLY_DOUBLE_QUOTES = {ord(c): '"' for c in "\u201c\u201d\u201e\u201f\u2033\u00ab\u00bb"}


def not_json_note(quote: str, text: str, error: ValueError) -> str:
    """Why a record quote (``text``, ``quote`` stripped) is not JSON: json's message, the
    character it stopped at (counted in ``quote``) and what is written there. Straight double
    quotes are asked for only when curly ones are the cause (JSON stopped at one, or with
    straight ones the record parses): said of a record cut short or a missing comma, the hint
    sent a curator looking for quotes that were straight already."""
    if not isinstance(error, json.JSONDecodeError):
        return f"begins as a JSON record but is not JSON ({error}): quote the record as its file has it"
    at = error.pos + 1 + len(quote) - len(quote.lstrip())
    curly = text[error.pos : error.pos + 1] in set(CURLY_QUOTES)
    if not curly and any(c in text for c in CURLY_QUOTES):
        try:
            json_value(text.translate(CURLY_DOUBLE_QUOTES))
            curly = True
        except ValueError:
            pass
    if curly:
        return (
            f"begins as a JSON record but is not JSON ({error.msg} at character {at}): quote the record as its "
            "file has it, with straight double quotes, so that its period and place can be checked"
        )
    there = text[error.pos : error.pos + 12]
    told = f"where it reads {there!r}" if there else "its end: the record is cut short"
    return (
        f"begins as a JSON record but is not JSON ({error.msg} at character {at}, {told}): quote the record "
        "as its file has it, so that its period and place can be checked"
    )


# A locator that names the field of a JSON record the figure was read from: ..., field "requests"
NAMED_FIELD = re.compile(r'field "([^"]+)"\s*$')


def named_field_number(locator: str, quote: str) -> tuple[str, Decimal | None] | None:
    """(field, its number) when ``locator`` ends by naming a field of the JSON object ``quote``.

    Requests and users sit side by side in one record (Telegram's bot: "requests" and "users"),
    so finding the value somewhere in the record is not enough: the named field must hold it.
    None when the locator names no field or the quote is not a JSON object with that field.
    """
    match = NAMED_FIELD.search(locator or "")
    if not match or not quote.lstrip().startswith("{"):
        return None
    record = known_record(quote)
    if record is NOT_KNOWN:
        try:
            record = json_value(quote)
        except ValueError:
            return None
        remember_record(quote, record)
    if not isinstance(record, dict) or match.group(1) not in record:
        return None
    value = record[match.group(1)]
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        return match.group(1), None
    return match.group(1), rules_number(str(value))


# Platforms' bulk files whose rows the dataset quotes whole, by the file name a figure's locator
# opens with: the file's header, as the file writes it, and the column each metric is read from.
# A row holds requests, a share and accounts side by side ("2018-12-31,United States,US,
# Subpoenas,11099,79,26669"), so the value being somewhere in the row (value_in_record) let a
# figure take its neighbour's number: requests filed with the accounts count (DOMAIN.md's
# "requests and users swapped") passed validation.
RECORD_HEADERS: dict[str, tuple[tuple[str, ...], dict[str, str]]] = {
    "google-global-user-data-requests.csv": (
        (
            "Period Ending",
            "Country/Region",
            "CLDR Territory Code",
            "Legal Process",
            "User Data Requests",
            "Percentage disclosed",
            "Accounts",
        ),
        {
            "requests_received": "User Data Requests",
            "percent_requests_some_data": "Percentage disclosed",
            "accounts_specified": "Accounts",
        },
    ),
    # The older export of the same file (periods to 2018-H1): the same columns, in the same
    # order, under their older names (mappings/google.csv's "Older spelling of the header").
    "google-user-data-requests.csv": (
        (
            "Period Ending",
            "Country",
            "CLDR Territory Code",
            "Legal Process",
            "User Data Requests",
            "Percentage of requests where some data produced",
            "Users/Accounts Specified",
        ),
        {
            "requests_received": "User Data Requests",
            "percent_requests_some_data": "Percentage of requests where some data produced",
            "accounts_specified": "Users/Accounts Specified",
        },
    ),
    # Diplomatic legal requests: one count a row, in the last column (the importer's value column).
    "google-global-user-data-dlr-requests.csv": (
        (
            "Period Ending",
            "Country/Region of Origin",
            "CLDR Territory Code",
            "Assisting Country",
            "User Data Diplomatic Legal requests",
        ),
        {"requests_received": "User Data Diplomatic Legal requests"},
    ),
    "google-enterprise-data-dlr-requests.csv": (
        (
            "Period Ending",
            "Product",
            "Country/Region of Origin",
            "Assisting Country",
            "Enterprise Diplomatic Legal requests",
        ),
        {"requests_received": "Enterprise Diplomatic Legal requests"},
    ),
    "google-enterprise-data-requests.csv": (
        (
            "Period Ending",
            "Country/Region",
            "CLDR Territory Code",
            "Product",
            "Legal Process",
            "Enterprise Cloud customer requests",
            "Enterprise Cloud customers",
            "Percentage disclosed",
        ),
        {
            "requests_received": "Enterprise Cloud customer requests",
            "accounts_specified": "Enterprise Cloud customers",
            "percent_requests_some_data": "Percentage disclosed",
        },
    ),
    "Facebook-Government-Report-2013-H1.csv": (
        (
            "Country",
            "Requests for User Data",
            "User Accounts Referenced",
            "Percentage of requests where some data produced",
        ),
        {
            "requests_received": "Requests for User Data",
            "accounts_specified": "User Accounts Referenced",
            "percent_requests_some_data": "Percentage of requests where some data produced",
        },
    ),
    "information-requests-report-jan-jun-2017.csv": (
        (
            "TIME PERIOD",
            "COUNTRY",
            "ISO CODE",
            "ACCOUNT INFORMATION REQUESTS",
            "PERCENTAGE WHERE SOME INFORMATION PRODUCED",
            "ACCOUNTS SPECIFIED",
        ),
        {
            "requests_received": "ACCOUNT INFORMATION REQUESTS",
            "percent_requests_some_data": "PERCENTAGE WHERE SOME INFORMATION PRODUCED",
            "accounts_specified": "ACCOUNTS SPECIFIED",
        },
    ),
}


# The EU DSA harmonised template's table of member states' orders (3_member_states_orders.csv,
# under whatever name a platform gives its copy): "Number of orders to provide information" is the
# fifth column after Scope, whose cell the locator names (Scope=DE). TikTok's copy has one column
# more before Scope (Category label), so the column is counted from the Scope cell, not from the
# start; the orders to act against illegal content, four columns before it, are no such figure.
DSA_ORDERS_FILE = re.compile(r"3_member_states_orders\.csv|3\. Member states(?: orders)?\.csv")
DSA_ORDERS_COLUMN = "Number of orders to provide information"
DSA_SCOPE = re.compile(r"\bScope=([^,)]*)")


def record_column(locator: str, quote: str, metric_id) -> tuple[str, str, Decimal | None] | None:
    """(file, column, the number the quoted row holds there) when ``locator`` opens with the name
    of a file RECORD_HEADERS knows and names a metric it reads from one of its columns, or names a
    DSA orders table and its Scope (requests_received: the orders to provide information); the
    number is None when that cell is empty or no number ("1,886" and "64.00%" are numbers). None
    for any other figure, and for a quote that is not one row of the file."""
    if not isinstance(locator, str) or not isinstance(quote, str) or not isinstance(metric_id, str):
        return None
    file = locator.split(" ", 1)[0]
    known = RECORD_HEADERS.get(file)
    dsa = DSA_ORDERS_FILE.search(locator) if known is None else None
    scope = DSA_SCOPE.search(locator) if dsa else None
    if known is None and not (scope and metric_id == "requests_received"):
        return None
    if known is not None and metric_id not in known[1]:
        return None
    # newline="": a carriage return in the quote ends a row, as in a file, where the csv module
    # raised on it (and validate stopped with a traceback); a cell past its size limit is no row.
    try:
        rows = list(csv.reader(io.StringIO(quote.strip(), newline="")))
    except csv.Error:
        return None
    if len(rows) != 1:
        return None
    cells = [cell.strip() for cell in rows[0]]
    if known is not None:
        header, columns = known
        column = columns[metric_id]
        at = header.index(column)
    else:
        file, column = dsa.group(0), DSA_ORDERS_COLUMN
        where = [k for k in range(5, len(cells)) if cells[k] == scope.group(1).strip()]
        if not where:
            return None
        at = where[0] + 5
    cell = cells[at].replace(",", "") if at < len(cells) else ""
    return file, column, rules_number(cell)


def record_column_mismatch(locator: str, quote: str, metric_id, value: Decimal) -> tuple[str, str, str] | None:
    """(file, column, what that column holds: its number as text, or "no number") when ``quote``
    is a row of a file ``record_column`` knows whose column for ``metric_id`` does not hold
    ``value``; None when it does, or when the row is of no file it knows."""
    found = record_column(locator, quote, metric_id)
    if found is None or found[2] == value:
        return None
    file, column, held = found
    return file, column, "no number" if held is None else number_text(held)


def record_column_problems(locator: str, quote: str, metric_id, kind, value) -> list[tuple[str, str]]:
    """(field, note) for an exact figure read from a row of a file record_column knows whose
    metric's column holds another number (or none): its value is the row's number for another
    column, or its metric names the wrong column."""
    if kind != "exact" or not isinstance(value, Decimal):
        return []
    found = record_column_mismatch(locator, quote, metric_id, value)
    if found is None:
        return []
    file, column, shown = found
    return [
        (
            "quote",
            f'{metric_id} is read from the column "{column}" of {file}, which holds {shown} in the quoted row, '
            f"not {number_text(value)}: the value of another column, or the wrong metric",
        )
    ]


# The JSON extractions of Apple's and Microsoft's files quote a whole row, so the value is found
# in the quote whichever of the row's counts it is: content and non-content only, or no data found
# and rejected, sit side by side. Which count each metric is read from (as mappings/apple.csv and
# mappings/microsoft.csv map them; a test holds the two together): Apple's row names its measure
# by position (the locator's measures[6]='content_provided'), Microsoft's by a label in the row.
EXTRACTION_MEASURES = {
    "apple-transparency.json": {
        "requests_received": ("requests_received",),
        "identifiers_specified": ("items_specified",),
        "accounts_specified": ("items_specified",),
        "requests_fulfilled": ("requests_data_provided",),
        "percent_requests_some_data": ("pct_data_provided",),
        "requests_content_disclosed": ("content_provided",),
        "requests_non_content_disclosed": ("noncontent_provided",),
    },
    "microsoft-lerr.json": {
        "requests_received": ("requests",),
        "accounts_specified": ("accounts_specified",),
        "requests_rejected": ("rejected",),
        "requests_content_disclosed": ("disclosed_content",),
        "requests_non_content_disclosed": ("disclosed_noncontent",),
        "requests_no_data_found": ("no_data_found",),
    },
}
APPLE_MEASURE = re.compile(r"measures\[([0-9]+)\]='([^']*)'\s*$")
MICROSOFT_ROW_CELLS = 6  # period, section, country, metric, unit, value


def extraction_row_problems(locator: str, quote: str, metric_id, kind, value) -> list[tuple[str, str]]:
    """(field, note) for an exact figure read from a row of Apple's or Microsoft's JSON extraction
    (EXTRACTION_MEASURES) whose metric is not read from the count its locator and quote name, or
    whose value is not the number the row holds there: a value taken from the count beside it, or
    a figure filed under the wrong metric. [] for any other figure."""
    if kind != "exact" or not isinstance(value, Decimal) or not isinstance(locator, str) or not isinstance(quote, str):
        return []
    file = locator.split(" ", 1)[0]
    measures = EXTRACTION_MEASURES.get(file)
    if measures is None or not isinstance(metric_id, str):
        return []
    row = known_record(quote)
    if row is NOT_KNOWN:
        try:
            row = json_value(quote)
        except ValueError:
            return []  # record_identity_problems says why the quote is no record
        remember_record(quote, row)
    if not isinstance(row, list):
        return []
    if file == "microsoft-lerr.json":
        if len(row) != MICROSOFT_ROW_CELLS:
            return []
        measure, held = row[3], row[5]
    else:
        named = APPLE_MEASURE.search(locator)
        if not named or 3 + int(named.group(1)) >= len(row):
            return []
        measure, held = named.group(2), row[3 + int(named.group(1))]
    wanted = measures.get(metric_id)
    if wanted is None or measure not in wanted:
        read = " or ".join(f'"{m}"' for m in wanted) if wanted else "none of its counts"
        return [
            (
                "metric_id",
                f'{metric_id} is read from {read} in {file}, but this figure\'s row is read at "{measure}": '
                "the figure is filed under the wrong metric",
            )
        ]
    if isinstance(held, bool) or not isinstance(held, (int, float)) or Decimal(str(held)) != value:
        shown = (
            number_text(Decimal(str(held)))
            if isinstance(held, (int, float)) and not isinstance(held, bool)
            else "no number"
        )
        return [
            (
                "value",
                f'the quoted row of {file} holds {shown} at "{measure}", not {number_text(value)}: '
                "the value of another count of the row",
            )
        ]
    return []


def url_file_name(url) -> str:
    """The file a source's URL names: its path's last part, percent-decoded ("…/orders.csv?raw=1"
    names orders.csv); "" for a URL whose path ends in a folder, and for one that cannot be read
    as a URL (the url rules report it)."""
    if not isinstance(url, str):
        return ""
    try:
        path = urlsplit(url.strip()).path
    except ValueError:  # "https://[ExampleChat](…)": an IPv6 host left open
        return ""
    return unquote(path.rsplit("/", 1)[-1])


def claim_column_problems(
    file: str, figure_id, metric_id, figure_locator, claimed_text, claimed_value
) -> list[tuple[str, str]]:
    """(field, note) for a disagreement whose claimed_text is one row of a bulk file
    record_column knows (``file``: the disagreeing source's, ``url_file_name``) and whose
    claimed_value is not the number that row holds in the column of the kept figure's metric: a
    source's "2018-06-30,United States,US,Wiretap Orders,3,100,4" claims 3 requests or 4 accounts,
    not 4 requests. A DSA orders table's row is read at the Scope the kept figure's own locator
    names. Not for a claimed text of several rows (written with ¶), which is no row."""
    if not file or not isinstance(claimed_value, Decimal) or not isinstance(claimed_text, str) or "¶" in claimed_text:
        return []
    scope = DSA_SCOPE.search(figure_locator) if isinstance(figure_locator, str) else None
    locator = f"{file} (Scope={scope.group(1)})" if scope else file
    found = record_column_mismatch(locator, claimed_text, metric_id, claimed_value)
    if found is None:
        return []
    file, column, shown = found
    return [
        (
            "claimed_value",
            f'{metric_id} of {figure_id} is read from the column "{column}" of {file}, which holds {shown} in '
            f"the row claimed_text quotes, not {number_text(claimed_value)}: write the number that column holds, or "
            "name the figure whose metric is read from the column that holds this one",
        )
    ]


def rules_number(text: str) -> Decimal | None:
    """A record field as a number: "3", "33.00%", "0.5"; anything else is None."""
    match = RECORD_NUMBER.fullmatch(text)
    return Decimal(match.group(1)) if match else None


# Counts of requests by how the platform answered them, each a part of a whole counted for the
# same platform, jurisdiction, request type and period. The outcomes are apart by their
# definitions (data/metrics.csv): no request is answered both with content and with non-content
# only, or both found empty and rejected. So the parts present never add up to more than their
# whole; and the requests where some data was disclosed are exactly those with content and those
# with non-content only, so where both are given they add up to it. Where all four outcomes are
# given they make up the requests received too: Microsoft's do in 1,930 of the 1,931 countries
# and periods imported from its file (the other is recorded as a disagreement). Its outcome counts
# were transcribed by hand, and the quote from the same transcript, so only this sum catches a
# part mistyped low. Fewer than four are only a bound: Dropbox's tables have a fifth outcome ("No
# information provided", no reason given) and no rejected count.
# (whole, parts, whether the parts, when all are given, add up to the whole)
REQUEST_PARTS: tuple[tuple[str, tuple[str, ...], bool], ...] = (
    (
        "requests_received",
        ("requests_content_disclosed", "requests_non_content_disclosed", "requests_no_data_found", "requests_rejected"),
        True,
    ),
    ("requests_fulfilled", ("requests_content_disclosed", "requests_non_content_disclosed"), True),
)


# Counts of a subset beside the count of its whole, for one platform, jurisdiction, request type
# and period: (subset, whole, the subset's words, the whole's words). Requests fulfilled are some
# of those received. Notices are no outcome (REQUEST_PARTS leaves them out), but a notice still
# goes only to the users of a request received, and only to an account the requests named: a
# notice count above its whole is a cell read from the wrong row or column (Dropbox prints the
# notices to each request and to each account listed side by side). Zoom's requests with a
# delayed-notice order are some of the U.S. requests it processed, both in one sentence ("54 out of
# 142 U.S. requests"), which its page first printed the other way round ("142 out of 54").
COUNTED_WITHIN: tuple[tuple[str, str, str, str], ...] = (
    ("requests_fulfilled", "requests_received", "requests fulfilled", "received"),
    ("requests_users_notified", "requests_received", "requests whose users were notified", "received"),
    ("accounts_notified", "accounts_specified", "accounts whose owners were notified", "accounts specified"),
    ("requests_delayed_notice_order", "requests_processed", "requests with a delayed-notice order", "processed"),
)


def request_parts_break(whole_metric: str, whole_value, parts: dict[str, Decimal]) -> str | None:
    """How the counts ``parts`` (metric -> value) of one platform, jurisdiction, request type and
    period break REQUEST_PARTS beside ``whole_value`` counted under ``whole_metric``: "exceeds"
    (they add up to more), "differs" (all of them, which make up the whole, add up to another
    number), or None. Words for neither: a derivation asks of thousands of periods."""
    for whole, names, exhaustive in REQUEST_PARTS:
        if whole != whole_metric:
            continue
        values = [parts[name] for name in names if name in parts]
        if not values:
            return None
        total = sum(values)
        if total > whole_value:
            return "exceeds"
        if exhaustive and len(values) == len(names) and total != whole_value:
            return "differs"
    return None


def request_parts_problem(whole_metric: str, whole_value, parts: dict[str, Decimal]) -> str | None:
    """Why the counts ``parts`` (metric -> value) of one platform, jurisdiction, request type and
    period cannot be parts of ``whole_value`` counted under ``whole_metric`` (REQUEST_PARTS), or None."""
    broken = request_parts_break(whole_metric, whole_value, parts)
    if broken is None:
        return None
    names = next(names for whole, names, _ in REQUEST_PARTS if whole == whole_metric)
    present = {name: parts[name] for name in names if name in parts}
    total = sum(present.values())
    listed = " + ".join(f"{name} {number_text(value)}" for name, value in present.items())
    if broken == "exceeds":
        return (
            f"{number_text(whole_value)} {whole_metric} is less than the sum of its parts {listed} = "
            f"{number_text(total)}: no request has two of these outcomes"
        )
    return (
        f"{number_text(whole_value)} {whole_metric} differs from the sum of its parts {listed} = "
        f"{number_text(total)}, which make up all of it; if the platform published both, record an "
        "inconsistent_parts disagreement"
    )


# "Received" written where the platform said "fulfilled" (DOMAIN's trap): Telegram's bot counts
# only "Fulfilled requests", and a row filed under requests_received with that wording passed.
FULFILLED_WORDING = re.compile(r"\bfulfil", re.IGNORECASE)


# The other way round: a figure filed as fulfilled (or complied with) whose platform's own wording
# says only "received" was either a count of requests received under the wrong metric, or the
# press's word copied where the platform's belongs; a newcomer's "Requests received from Canada"
# on a Telegram requests_fulfilled figure passed. A wording that also says what came of the
# requests ("received and fulfilled", "some data produced", Apple's "Data Provided") is no slip.
RECEIVED_WORDING = re.compile(r"\breceiv", re.IGNORECASE)
OUTCOME_WORDING = re.compile(
    r"fulfil|produc|provid|disclos|complied|comply|answered|granted|honou?red|with (?:some )?(?:data|information)",
    re.IGNORECASE,
)
OUTCOME_METRICS = ("requests_fulfilled", "requests_complied")


def wording_problems(metric_id, wording) -> list[tuple[str, str]]:
    """(field, message) for a figure filed as requests received whose platform's own wording says
    the requests were fulfilled, or filed as requests fulfilled (or complied with) whose wording
    says only that they were received."""
    if not isinstance(wording, str):
        return []
    shown = wording if len(wording) <= 80 else wording[:80] + "…"
    if metric_id in OUTCOME_METRICS and RECEIVED_WORDING.search(wording) and not OUTCOME_WORDING.search(wording):
        return [
            (
                "metric_id",
                f"is {metric_id}, but platform_wording says “{shown}”: a count of requests received is "
                "requests_received; if the platform counted requests it fulfilled and “received” is another "
                "writer's word (the press writes it for what Telegram's bot calls “Fulfilled requests”), give "
                "the platform's own words",
            )
        ]
    if metric_id != "requests_received" or not FULFILLED_WORDING.search(wording):
        return []
    return [
        (
            "metric_id",
            f"is requests_received, but platform_wording says “{shown}”: the platform counted requests it "
            "fulfilled, which is requests_fulfilled (a platform that reports no requests received, such as "
            "Telegram, has no requests_received figure)",
        )
    ]


# A share of requests beside the two counts it is the share of, for one platform, jurisdiction,
# request type and period: (share, part, whole). Platforms print 100 × part / whole rounded
# (half up or half to even: Apple, Google) or cut to the decimals they give. On the real data all
# 2,793 such triples are, none by more than half a unit of the last decimal; one that is not is a
# number read from another row or period, or a press article's share of
# another scope (MacRumors repeated Apple's U.S. 80% for its worldwide share of January-June 2017,
# whose own counts make 77%).
SHARES_OF_COUNTS: tuple[tuple[str, str, str], ...] = (
    ("percent_requests_some_data", "requests_fulfilled", "requests_received"),
    ("percent_requests_content", "requests_content_disclosed", "requests_received"),
    ("percent_requests_non_content", "requests_non_content_disclosed", "requests_received"),
    ("percent_requests_no_data", "requests_no_data_found", "requests_received"),
    ("percent_requests_rejected", "requests_rejected", "requests_received"),
)


def decimals_text(decimals: int) -> str:
    return "a whole percent" if decimals == 0 else f"{decimals} decimal{'s' if decimals > 1 else ''}"


def share_of_counts_problem(share_metric: str, share: Decimal, part: Decimal, whole: Decimal) -> str | None:
    """Why ``share`` (a percent, under ``share_metric`` of SHARES_OF_COUNTS) cannot be ``part`` of
    ``whole`` (the counts the table names for it, same platform, jurisdiction, request type and
    period) rounded or cut to the decimals ``share`` is written with, or None. A whole of 0 has
    no share to compare."""
    if whole <= 0 or part > whole or not 0 <= share <= 100 or len(share.as_tuple().digits) > 15:
        return None  # no share to compare, or counts and a share that other checks already refuse
    exact = Decimal(100) * part / whole
    unit = Decimal(1).scaleb(min(share.as_tuple().exponent, 0))
    if share in {exact.quantize(unit, rounding) for rounding in (ROUND_FLOOR, ROUND_HALF_UP, ROUND_HALF_EVEN)}:
        return None
    _, part_metric, whole_metric = next(row for row in SHARES_OF_COUNTS if row[0] == share_metric)
    return (
        f"{number_text(share)}% {share_metric} is not {part_metric} {number_text(part)} of {whole_metric} "
        f"{number_text(whole)} ({number_text(exact.quantize(Decimal('0.01')))}%) rounded or cut to "
        f"{decimals_text(max(-share.as_tuple().exponent, 0))}: one of the three was read from another row, "
        "period or scope; if the platform published all three as they are, record an inconsistent_parts "
        "disagreement"
    )


# A day written as the package writes dates, not inside a longer run of digits or a commit hash.
SEARCH_DAY = re.compile(r"(?<![0-9A-Za-z])([0-9]{4})-([0-9]{2})-([0-9]{2})(?![0-9A-Za-z])")


def utc_today() -> date:
    """The day it is in UTC: the day a validation run judges "later than today" against."""
    return datetime.now(UTC).date()


# The names of the curators' own search tools, which mean nothing to a reader of the log.
SEARCH_TOOL_WORDS = re.compile(r"\b(?:corpus|corpora|find_string|find_files|find_repos|read_file)\b", re.IGNORECASE)


def search_log_days(search_log) -> list[str]:
    """The days of the calendar a platform's ``search_log`` (text or None) names, as YYYY-MM-DD
    texts in the order written: what ``search_log_problems`` judges against today."""
    if not isinstance(search_log, str):
        return []
    return [found.group(0) for found in SEARCH_DAY.finditer(search_log) if real_date(*found.groups())]


def search_log_problems(search_log, today: date | None = None) -> list[str]:
    """Messages for a platform's ``search_log`` (text or None) that names no day of the calendar
    as YYYY-MM-DD: a record of where newer reports were looked for cannot tell a reader how
    current it is without the day of the search; or that names a day after ``today`` (default:
    ``utc_today()``): no search was made on a day still to come, so the day is mistyped, and the
    log would pass for fresher than it is; or that names the curators' search tools
    (SEARCH_TOOL_WORDS), which a reader of the platform's page cannot follow. An empty log (None
    or "") has none."""
    if not isinstance(search_log, str) or not search_log:
        return []
    days = search_log_days(search_log)
    if not days:
        return [
            'names no day as YYYY-MM-DD: say when each search was made ("searched on 2026-12-05: ..."), '
            "or a reader cannot tell how current it is"
        ]
    problems = []
    # ISO days compare as text.
    later = sorted({day for day in days if day > (today or utc_today()).isoformat()})
    if later:
        problems.append(
            f"names {', '.join(later)}, after the day of this validation (UTC): a search is logged once it "
            "is made; write the day each search was made"
        )
    tools = sorted({found.group(0).lower() for found in SEARCH_TOOL_WORDS.finditer(search_log)})
    if tools:
        problems.append(
            f"names the curators' search tools ({', '.join(tools)}): the log is shown to readers on the platform's "
            "page, so say what was searched as they would find it (the stored web pages, repository files, GitHub "
            "issue threads, an exact-text search of the stored repository files)"
        )
    return problems


# The fields that record a day already past when the curators wrote it, with why it is. None of
# them may name a day after the day of the validation (UTC): the day is mistyped, and the row would
# pass for fresher than it is (a correction dated tomorrow is served as made tomorrow). A
# platform's search_log names such days in its text (``search_log_problems``).
# Left out on purpose: a period's start and end (figures, authority_reports, published_up_to,
# dsa_published_up_to) say what a report covers, not when anything was done. A figure's period
# ends by the day its source was retrieved (``consistency.figure_period_problems``), which is held
# here, and published_up_to by the day it was checked; an authority's stated period is the
# source's word, recorded as it is, and ends by the day that source was retrieved and published
# (``consistency.SOURCED_PERIODS``), as a figure's does.
PAST_DAYS: dict[tuple[str, str], str] = {
    ("platforms", "published_up_to_checked"): "a claim is checked on a day already come",
    ("sources", "published_date"): "a source is published before a curator can read it",
    ("sources", "retrieved_date"): "a source is read on a day already come",
    # An event is dated no later than its source was published (consistency.source_date_problems).
    ("events", "event_date"): "an event is recorded once a source has reported it",
    ("cases", "disclosed_date"): "a case is recorded once it was made public",
    ("corrections", "corrected_date"): "a correction is dated the day the curator made it",
}
# A day as those fields write it: YYYY-MM-DD, or YYYY-MM or YYYY where the source gives no day.
PAST_DAY_TEXT = re.compile(r"([0-9]{4})(?:-([0-9]{2})(?:-([0-9]{2}))?)?")


def first_day_of(day_text) -> str | None:
    """The first day (YYYY-MM-DD) a PAST_DAYS cell (YYYY-MM-DD, YYYY-MM or YYYY) names, or None
    when it is empty or names no day of the calendar (the schema checks report it)."""
    found = PAST_DAY_TEXT.fullmatch(day_text) if isinstance(day_text, str) else None
    if not found or not real_date(found.group(1), found.group(2) or "01", found.group(3)):
        return None
    return f"{found.group(1)}-{found.group(2) or '01'}-{found.group(3) or '01'}"


def past_days(resource: str, row: dict) -> list[str]:
    """Every day (YYYY-MM-DD) a row of ``resource`` (cells as text, by field name) records as
    already past: its PAST_DAYS cells (the first day of a YYYY-MM or YYYY) and, of a platform,
    the days its ``search_log`` names. Validation refuses the row on a day before any of them."""
    days = [first_day_of(row.get(field)) for (name, field) in PAST_DAYS if name == resource]
    if resource == "platforms":
        days += search_log_days(row.get("search_log"))
    return [day for day in days if day]


def past_day_problems(resource: str, row: dict, today: date | None = None) -> list[tuple[str, str]]:
    """(field, message) of each PAST_DAYS cell of a row of ``resource`` (cells as text) naming a
    day after ``today`` (default: ``utc_today()``); a YYYY-MM or YYYY is after it when its first
    day is. Empty and malformed cells are the schema checks' to report."""
    today_text = (today or utc_today()).isoformat()
    problems = []
    for (name, field), why in PAST_DAYS.items():
        first = first_day_of(row.get(field)) if name == resource else None
        if first and first > today_text:
            problems.append(
                (field, f"is {row[field]}, after the day of this validation (UTC): {why}, so write the day it was")
            )
    return problems


def value_kind_problems(kind: str, value, low, high) -> list[tuple[str, str]]:
    """(field, message) pairs for a figure whose value columns don't match how it was reported."""
    spec = VALUE_KINDS.get(kind)
    if spec is None:
        return []
    present = {"value": value is not None, "value_low": low is not None, "value_high": high is not None}
    problems = []
    for field, is_present in present.items():
        if field in spec.columns and not is_present:
            problems.append((field, f"is required when value_kind is {kind}"))
        elif field not in spec.columns and is_present:
            problems.append((field, f"must be empty when value_kind is {kind}"))
    if kind == "band" and low is not None and high is not None and low > high:
        problems.append(("value_high", f"band upper bound {high} is below lower bound {low}"))
    return problems


# Authority reports also state a number as "more than" or "about" one; the quote holds it.
QUOTED_COLUMNS = {name: spec.columns for name, spec in VALUE_KINDS.items()} | {
    "more_than": ("value",),
    "about": ("value",),
}


def numbers_to_find_in_quote(kind: str, value, low, high) -> list[tuple[str, Decimal]]:
    """The numbers a figure's quote must contain, by the column they came from."""
    numbers = {"value": value, "value_low": low, "value_high": high}
    return [(field, numbers[field]) for field in QUOTED_COLUMNS.get(kind, ()) if numbers[field] is not None]


# Periods -------------------------------------------------------------------------------


@lru_cache(maxsize=4096)
def period_kind(start: date, end: date) -> str:
    """Name a reporting period: year, half, quarter, month, year_to_date or other."""
    if start.year == end.year and start.day == 1:
        last_day = calendar.monthrange(end.year, end.month)[1]
        if end.day == last_day:
            months = end.month - start.month + 1
            if months == 12:
                return "year"
            if months == 6 and start.month in (1, 7):
                return "half"
            if months == 3 and start.month in (1, 4, 7, 10):
                return "quarter"
            if months == 1:
                return "month"
            if start.month == 1:
                return "year_to_date"
    return "other"


# What a reader calls each kind ``period_kind`` names (the site's facets and cells show these, from
# the build's period_names): year_to_date read as a code.
PERIOD_KIND_NAMES = {
    "year": "Calendar year",
    "half": "Half year",
    "quarter": "Quarter",
    "month": "Month",
    "year_to_date": "Year to date (from 1 January)",
    "other": "Other period",
}


def is_standard_period(start: date, end: date) -> bool:
    return period_kind(start, end) in {"year", "half", "quarter"}


def period_label(start: date, end: date) -> str:
    """Short label used in figure ids: 2024, 2024h1, 2024q3 or 20240101-20240930."""
    kind = period_kind(start, end)
    if kind == "year":
        return str(start.year)
    if kind == "half":
        return f"{start.year}h{1 if start.month == 1 else 2}"
    if kind == "quarter":
        return f"{start.year}q{(start.month - 1) // 3 + 1}"
    return f"{start:%Y%m%d}-{end:%Y%m%d}"


# English month names, written out: calendar.month_name follows the process's locale.
MONTH_NAMES = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)


def period_name(start: date, end: date) -> str:
    """A reader's name for an inclusive period: "2024", "H1 2025", "Q4 2024", "March 2025",
    "January–September 2024", "November 2014–February 2015", else "2024-01-05 to 2024-02-03".

    The site's pages show the same names (plugins/explore.py ``period_name``; a test keeps the two
    equal); ids and URLs keep ``period_label``.
    """
    kind = period_kind(start, end)
    if kind == "year":
        return str(start.year)
    if kind == "half":
        return f"H{1 if start.month == 1 else 2} {start.year}"
    if kind == "quarter":
        return f"Q{(start.month - 1) // 3 + 1} {start.year}"
    whole_months = start.day == 1 and (end + timedelta(days=1)).day == 1 and start <= end
    if not whole_months:
        return f"{start.isoformat()} to {end.isoformat()}"
    first, last = MONTH_NAMES[start.month - 1], MONTH_NAMES[end.month - 1]
    if start.year == end.year:
        return f"{first} {start.year}" if start.month == end.month else f"{first}–{last} {start.year}"
    return f"{first} {start.year}–{last} {end.year}"


def period_column(start: date, end: date) -> str:
    """A SQL-safe column name for a period: fy_2024, h1_2025, q4_2024, jan_sep_2024, p_20240201_20240430."""
    kind = period_kind(start, end)
    if kind == "year":
        return f"fy_{start.year}"
    if kind in ("half", "quarter"):
        # The label without its year (h1, q4), whatever the year's number of digits.
        return f"{period_label(start, end)[len(str(start.year)) :]}_{start.year}"
    if kind in ("month", "year_to_date"):
        first, last = start.strftime("%b").lower(), end.strftime("%b").lower()
        return f"{first}_{start.year}" if first == last else f"{first}_{last}_{start.year}"
    return f"p_{start:%Y%m%d}_{end:%Y%m%d}"


def strictly_within(inner: tuple[date, date], outer: tuple[date, date]) -> bool:
    return outer[0] <= inner[0] and inner[1] <= outer[1] and inner != outer


def tiles(parts: list[tuple[date, date]], whole: tuple[date, date]) -> bool:
    """True when the sorted ``parts`` cover ``whole`` exactly, with no gap and no overlap."""
    if not parts:
        return False
    ordered = sorted(parts)
    if ordered[0][0] != whole[0] or ordered[-1][1] != whole[1]:
        return False
    return all(nxt[0] == prev[1] + timedelta(days=1) for prev, nxt in zip(ordered, ordered[1:], strict=False))


def complement(part: tuple[date, date], whole: tuple[date, date]) -> tuple[date, date] | None:
    """The rest of ``whole`` once ``part`` (sharing one end with it) is taken out."""
    if not strictly_within(part, whole):
        return None
    if part[0] == whole[0]:
        return (part[1] + timedelta(days=1), whole[1])
    if part[1] == whole[1]:
        return (whole[0], part[0] - timedelta(days=1))
    return None


def minimal(periods: list[tuple[date, date]]) -> list[tuple[date, date]]:
    """Periods that contain no other period of the list, in the list's order."""
    # One sort instead of comparing every pair: latest start first and, for one start, earliest
    # end first, so every period that could lie within p comes before p.
    containing = set()
    earliest_end = None
    for period in sorted(set(periods), key=lambda p: (-p[0].toordinal(), p[1])):
        if earliest_end is not None and earliest_end <= period[1]:
            containing.add(period)
        earliest_end = period[1] if earliest_end is None else min(earliest_end, period[1])
    return [p for p in periods if p not in containing]


def has_nesting(periods) -> bool:
    """True when one of ``periods`` lies strictly within another."""
    distinct = set(periods)
    return len(minimal(list(distinct))) < len(distinct)


def partial_overlaps(periods) -> list[tuple[tuple[date, date], tuple[date, date]]]:
    """Pairs of the distinct ``periods`` that share days while neither lies within the other
    (Nov 2014–Feb 2015 beside Jan–Jun 2015), earlier start first. A year beside its halves nests,
    and is no such pair."""
    ordered = sorted(set(periods))
    pairs = []
    for i, first in enumerate(ordered):
        for second in ordered[i + 1 :]:
            if second[0] > first[1]:
                break  # sorted by start: no later period reaches back into this one
            if second[1] > first[1] and second[0] > first[0]:
                pairs.append((first, second))
    return pairs


MONTH_NAMES = (
    "January", "February", "March", "April", "May", "June",
    "July", "August", "September", "October", "November", "December",
)  # fmt: skip


def date_forms(day: date, month_alone: bool = False) -> set[str]:
    """How a source may write ``day`` when it states a period: in words ("November 2023", "Nov
    2023", "November 1, 2023", "1 Nov. 2023"), ISO (2023-11-01, 2023-11), and day-month-year or
    month-day-year in digits (01.11.2023, 01.11.23 as the Telegram bot writes, 1/11/2023, 11/1/23).
    ``month_alone``: the month without its year too ("January to September 2024")."""
    name = MONTH_NAMES[day.month - 1]
    words = set()
    for month in (name, name[:3], f"{name[:3]}."):
        # "November 2014", "November 1, 2014" (as Snap writes), "1 November 2014"
        words |= {f"{month} {day.year}", f"{month} {day.day}, {day.year}", f"{day.day} {month} {day.year}"}
    if month_alone:
        words |= {name, name[:3]}
    iso = {day.isoformat(), day.isoformat()[:7]}
    digits = set()
    for year in (str(day.year), f"{day.year % 100:02d}"):
        for d, m in ((f"{day.day:02d}", f"{day.month:02d}"), (str(day.day), str(day.month))):
            digits |= {f"{d}.{m}.{year}", f"{d}/{m}/{year}", f"{m}/{d}/{year}", f"{d}-{m}-{year}"}
    return words | iso | digits


def period_stated(period: tuple[date, date], text: str) -> bool:
    """Whether ``text`` (a figure's quote) names both ends of ``period``: its first month or day
    and its last ("November 2023 to February 2024", "01.11.23–29.02.24"), each standing alone (not
    part of a longer number, word or date: "2024-06" is not read out of "2024-06-30"). Month names
    are matched as sources write them, capitalised ("may" in a sentence is not May). A period no
    other figure of its source shares, and that overlaps its neighbours, is kept only when its
    source's own words state it."""
    start, end = period
    return all(
        any(
            re.search(rf"(?<![0-9A-Za-z])(?<![0-9][-.]){re.escape(form)}(?![0-9A-Za-z]|[-.][0-9])", text)
            for form in date_forms(day, month_alone)
        )
        for day, month_alone in ((start, start.year == end.year), (end, False))
    )


def maximal(periods: list[tuple[date, date]]) -> list[tuple[date, date]]:
    """Periods that no other period of the list contains."""
    return [p for p in periods if not any(strictly_within(p, q) for q in periods)]


def non_overlapping(items: list[tuple[tuple[date, date], str]]) -> list[str]:
    """Pick ids whose periods never overlap, for series that may be summed.

    Finest periods first (a period that contains another is never picked); among those,
    standard periods (quarter, half, year) before odd ones, then earliest. Platforms do publish
    overlapping reports (Snap: Nov 2014–Feb 2015, then Jan–Jun 2015), so some must be left out.
    """
    periods = [period for period, _ in items]
    finest = set(minimal(periods))
    candidates = sorted(
        (item for item in items if item[0] in finest),
        key=lambda item: (not is_standard_period(*item[0]), item[0], item[1]),
    )
    chosen: list[tuple[tuple[date, date], str]] = []
    # The chosen periods never overlap, so sorted by start their ends rise too: a candidate can
    # only overlap the chosen period just before it or just after it in that order.
    taken: list[tuple[date, date]] = []
    for period, key in candidates:
        at = bisect.bisect_left(taken, period)
        if (at and taken[at - 1][1] >= period[0]) or (at < len(taken) and taken[at][0] <= period[1]):
            continue
        taken.insert(at, period)
        chosen.append((period, key))
    return sorted(key for _, key in chosen)


# Hostile text ------------------------------------------------------------------------------

# Directional formatting characters (Unicode's bidi controls and marks): they reorder what a
# reader sees without changing what is stored, the "Trojan Source" trick (CVE-2021-42574).
BIDI_CONTROLS = frozenset("\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
# A spreadsheet treats a cell starting with = + - @ as a formula (OWASP "CSV injection"). After
# "=" anything is one; after + - @ a function call, a cell reference or another sign is, while
# "-5", "+7 requests" or "@transparency bot" are not.
FORMULA = re.compile(
    r"^(?:=\S|[+\-@]\s*(?:[A-Za-z_][A-Za-z0-9_.]*\s*\(|\$?[A-Za-z]{1,3}\$?[0-9]+\b|[=+\-@]|[A-Za-z]+\|))"
)
# What SQLite stores exactly: 64-bit integers, and decimals that survive a trip through a double.
SQLITE_INTEGER_RANGE = (-(2**63), 2**63 - 1)
# A double holds every whole number up to this one; beyond it, only some.
DOUBLE_WHOLE_LIMIT = 2**53


BIDI_CONTROL = re.compile("[" + "".join(sorted(BIDI_CONTROLS)) + "]")


def text_problems(cell: str) -> list[str]:
    """What makes a text cell hostile to a reader or a spreadsheet: bidi controls, formulas."""
    problems = []
    # One regex search per cell; the characters are only listed when there are some.
    bidi = sorted({f"U+{ord(ch):04X}" for ch in BIDI_CONTROL.findall(cell)})
    if bidi:
        problems.append(f"contains bidirectional control characters ({', '.join(bidi)}), which reorder what is shown")
    if FORMULA.match(cell):
        problems.append(f"starts with {cell[0]!r} and a formula, which a spreadsheet would run")
    return problems


def invisible_problems(cell: str) -> list[str]:
    """Unicode's invisible format characters (category Cf: U+200B ZERO WIDTH SPACE, U+200C/D
    zero width (non-)joiners, U+2060 WORD JOINER, U+FEFF, U+00AD SOFT HYPHEN, ...) in a cell that
    is an id, code, key or link: it looks like the id it is not, so a key named nothing and its
    lookups failed on a value that reads the same. Bidi controls have their own message
    (``text_problems``); in free text (a quote, a name) such characters may be the source's own
    (a Persian word's U+200C, an emoji's U+200D), and stay."""
    if cell.isascii():
        return []
    found = sorted({ch for ch in cell if unicodedata.category(ch) == "Cf" and ch not in BIDI_CONTROLS})
    if not found:
        return []
    names = " and ".join(f"U+{ord(ch):04X} {unicodedata.name(ch, 'FORMAT CHARACTER')}" for ch in found)
    which = "an invisible character" if len(found) == 1 else "invisible characters"
    return [f"holds {names}, {which} that no id, code, key or link may hold: delete it"]


def url_problems(cell: str) -> list[str]:
    """A link a reader may click: absolute http(s) with a host, nothing else (no javascript:, data:)."""
    if not cell:
        return []
    scheme, _, rest = cell.partition(":")
    if scheme.lower() not in ("http", "https") or not rest.startswith("//") or len(rest) <= 2 or rest[2] in "/\\":
        return [f"{cell[:40]!r} is not an http(s) URL with a host"]
    if any(character.isspace() for character in cell):
        return [f"{cell[:40]!r} holds a space: write it %20, or check it was pasted whole"]
    if (why := loopback_problem(cell)) and "absolute" not in why:
        return [f"{why}: a reader cannot open it"]
    return []


def double_problems(number: Decimal) -> list[str]:
    """Why a Table Schema ``number`` cell would change in the release, or nothing.

    The release writes a number column as doubles (Parquet, JSON, DuckDB and pandas read them
    so), and a double holds every whole number only up to 2**53: 9007199254740993 would read
    9007199254740992 there while the database, a 64-bit integer, kept it. A decimal beyond what
    a double holds is ``stored_number_problems``'.
    """
    if not number.is_finite() or number != number.to_integral_value():
        return []
    nearest = float(number)
    if nearest in (float("inf"), float("-inf")) or Decimal(nearest) == number:
        return []
    return [
        f"{number_text(number)} is a whole number beyond 2**53 that a double cannot hold: the release's "
        f"Parquet and JSON files would give {number_text(Decimal(nearest))}"
    ]


def stored_number_problems(number: Decimal) -> list[str]:
    """Why SQLite would not store ``number`` exactly (as a 64-bit integer or a double), or nothing."""
    if not number.is_finite():
        return []
    if number == number.to_integral_value():
        low, high = SQLITE_INTEGER_RANGE
        if not low <= number <= high:
            return [f"{number_text(number)} is outside SQLite's 64-bit integer range"]
        return []
    if Decimal(repr(float(number))) != number:
        return [f"{number_text(number)} cannot be stored exactly as a double; give at most 15 significant digits"]
    return []
