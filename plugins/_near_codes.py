"""What a jurisdiction a client sent that is no code of the data's may have meant, for its 404 or
400: the code it names by its ISO 3166-1 alpha-2 code or its name (BR, germany), or the codes one
letter off from it (BRG: BRA).

Not a plugin (no hooks): every reader of a jurisdiction (explore.py's /country, /chart and
/compare, parameters.py's canned queries and their .json) imports it as ``_near_codes``, with
plugins/ on the import path, as they import ``_responses``, so that each gives the same help:
compare_platforms.json?jurisdiction=BR said only where the codes are listed, where /compare said
"for BR, jurisdiction=BRA". /country/BRG was a 404 that only said where every code is listed; the
hint is worded as the build's "did you mean" (disclosures/validate.py).
"""

from __future__ import annotations

import unicodedata

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


def folded_name(name: str) -> str:
    """``name`` as a reader may type it: in any case, accents or not, and a typographic apostrophe
    as a straight one. The data writes "Sao Tome and Principe" and "Côte d'Ivoire", so /country/
    of "São Tomé and Príncipe" or "Cote d'Ivoire" was a 404 while "Côte d'Ivoire" led to CIV."""
    decomposed = unicodedata.normalize("NFKD", name.strip().replace("\u2019", "'"))
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch)).casefold()


async def jurisdiction_id_of(db, asked: str) -> str | None:
    """The id of the one jurisdiction ``asked`` names by its ISO 3166-1 alpha-2 code, its name or
    one of its other names (US, germany, United States), in any case and with or without accents;
    None when none or several do."""
    wanted = folded_name(asked)
    if not wanted:
        return None
    named = set()
    found = await db.execute("SELECT jurisdiction_id, alpha2, name, other_names FROM jurisdictions")
    for code, alpha2, name, other_names in found.rows:
        names = [alpha2 or "", name or "", *(other_names or "").split(";")]
        if wanted in {folded_name(n) for n in names}:
            named.add(code)
    return named.pop() if len(named) == 1 else None


async def named_jurisdictions_problem(db, quoted: list[str]) -> str | None:
    """The refusal of ``jurisdiction=`` the values ``quoted`` (as the client sent them) when each
    names one jurisdiction by its alpha-2 code or a name: the code to send instead of each
    (``jurisdiction=BR: ...: for BR, jurisdiction=BRA``); None when any of them names none."""
    named = {value: await jurisdiction_id_of(db, value) for value in quoted}
    if not named or not all(named.values()):
        return None
    codes = "; ".join(f"for {value}, jurisdiction={code}" for value, code in named.items())
    return (
        f"jurisdiction={','.join(quoted)}: no such jurisdiction; a jurisdiction is its ISO 3166-1 alpha-3 code "
        f"(USA, DEU): {codes}"
    )
