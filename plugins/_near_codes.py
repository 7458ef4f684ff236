"""Jurisdiction codes one letter off from one a client sent, for a "did you mean" in its 404 or 400.

Not a plugin (no hooks): the plugins that refuse a jurisdiction (explore.py's /country, /chart and
/compare, parameters.py's canned queries) import it as ``_near_codes``, with plugins/ on the import
path, as they import ``_responses``. /country/BRG was a 404 that only said where every code is
listed; the hint is worded as the build's "did you mean" (disclosures/validate.py).
"""

from __future__ import annotations

# What the hint is read from: every three-letter code, with its name.
ALPHA3_SQL = "SELECT jurisdiction_id, name FROM jurisdictions WHERE length(jurisdiction_id) = 3"


def is_one_letter_off(asked: str, code: str) -> bool:
    """Whether ``code`` is ``asked`` with one letter replaced (BRG: BRA) or two neighbours swapped
    (BRG: BGR), the slips of a finger. Counted by position, not by difflib's ratio, which for three
    letters scores a shift (RGX) as it scores one letter replaced."""
    if len(code) != len(asked) or code == asked:
        return False
    differ = [i for i, (a, b) in enumerate(zip(asked, code, strict=True)) if a != b]
    if len(differ) == 1:
        return True
    return (
        len(differ) == 2
        and differ[1] == differ[0] + 1
        and (asked[differ[0]], asked[differ[1]]) == (code[differ[1]], code[differ[0]])
    )


def did_you_mean(asked: str, names: dict[str, str]) -> str:
    """ "did you mean BGR for Bulgaria or BRA for Brazil?": the codes of ``names`` (code: name) that
    ``asked``, read in upper case as the pages read a code, is one letter off from, sorted; "" when
    none is (at most ten are, of ISO 3166-1's codes)."""
    near = sorted(code for code in names if is_one_letter_off(asked.upper(), code))
    if not near:
        return ""
    shown = [f"{code} for {names[code]}" for code in near]
    listed = shown[0] if len(shown) == 1 else f"{', '.join(shown[:-1])} or {shown[-1]}"
    return f"did you mean {listed}?"
