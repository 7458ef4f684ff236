"""What became of a derived figure a release carried whose inputs were refiled.

Not a plugin (no hooks): imported as ``_refiled`` with plugins/ on the import path, as
``_releases`` is, by plugins/pages.py (the page) and plugins/strict_paths.py (the JSON).

A correction refiles a reported figure by removing its id and naming the new one in its reason
(README, "Correcting a figure"). A derived figure has no correction of its own: when every input
of one is refiled, the build derives another figure from the new ids (Discord's 2022 year sum of
its quarterly totals, released as ``all``, now ``legal_process``), and the old id is gone. What
leads from one to the other is all in the database: the derivation the newest release recorded
(``release_changes``), the corrections, and the inputs of the figures the build now derives
(``figure_inputs``).
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

# plugins/ is no package: _releases is found on the path, which --plugins-dir (loading each file
# of plugins/ in no set order) may not have been given yet when it loads this one.
if str(Path(__file__).parent) not in sys.path:
    sys.path.append(str(Path(__file__).parent))
from _releases import version_order

# A figure id as a correction's reason names one: lower-case words joined by hyphens, the
# platform first (the reason's own prose has no such run of four or more hyphenated parts).
FIGURE_ID_IN_TEXT = re.compile(r"\b[a-z0-9_]+(?:-[a-z0-9_]+){4,}\b")

# The derivation of the newest release that carried an id, as its changelog wrote it
# (disclosures/changelog.py): "derived: <id> + <id> ...", "derived: <id> - <id>", and after either
# " (its inputs changed)" when only its inputs changed.
CARRIED_DERIVATION_SQL = f"""SELECT c.reason FROM release_changes c JOIN releases r USING (version)
  WHERE c.figure_id = ? AND c.change != 'removed'
  ORDER BY r.date DESC, {version_order("c.version", descending=True)} LIMIT 1"""
DERIVATION = re.compile(r"^derived: (?P<terms>\S+(?: [+-] \S+)*)(?: \(its inputs changed\))?$")

# The ids a correction's removal of an id names in its reason, newest first.
REMOVALS_SQL = """SELECT reason FROM corrections WHERE figure_id = ? AND (new_value IS NULL OR new_value = '')
  ORDER BY corrected_date DESC, correction_id DESC"""


def signed_inputs(reason: str) -> frozenset[tuple[str, int]] | None:
    """The (input id, sign) pairs of a changelog's "derived: ..." reason, or None for any other."""
    match = DERIVATION.match(reason or "")
    if match is None:
        return None
    words = match["terms"].split(" ")
    signs = [1] + [1 if op == "+" else -1 for op in words[1::2]]
    return frozenset(zip(words[::2], signs, strict=True))


async def refiled_as(db, figure_id: str) -> str | None:
    """The one figure the newest removal of ``figure_id`` names in its reason, if the data holds it
    and ``figure_id`` is gone; None when it is not gone, was not removed, or names none or several."""
    if (await db.execute("SELECT 1 FROM figures WHERE figure_id = ?", [figure_id])).rows:
        return None
    removal = (await db.execute(REMOVALS_SQL, [figure_id])).rows
    if not removal:
        return None
    named = sorted(set(FIGURE_ID_IN_TEXT.findall(removal[0]["reason"] or "")) - {figure_id})
    if not named:
        return None
    marks = ", ".join("?" for _ in named)
    held = (await db.execute(f"SELECT figure_id FROM figures WHERE figure_id IN ({marks})", named)).rows
    return held[0]["figure_id"] if len(held) == 1 else None


async def derived_in_place(db, figure_id: str) -> dict | None:
    """The figure the build derives in place of ``figure_id``, a derived figure a release carried
    and the data no longer holds, when every one of its inputs there was refiled and the figures
    they were refiled as are, sign for sign, the inputs of one figure the build now derives:
    {figure_id, value_text, inputs: [(old id, new id), ...]}. Else None."""
    carried = (await db.execute(CARRIED_DERIVATION_SQL, [figure_id])).rows
    old = signed_inputs(carried[0]["reason"]) if carried else None
    if not old:
        return None
    pairs = []
    for input_id, sign in sorted(old):
        new_id = await refiled_as(db, input_id)
        if new_id is None:
            return None
        pairs.append((input_id, new_id, sign))
    new = frozenset((new_id, sign) for _, new_id, sign in pairs)
    if len(new) != len(pairs):
        # Two inputs refiled as one figure: the sum of the ids they became counts it once, so no
        # figure derived from them is this one's arithmetic (a set of them matched one input alone).
        return None
    candidates = await db.execute(
        """SELECT f.figure_id, f.value_text FROM figure_inputs i JOIN figures f USING (figure_id)
           WHERE i.input_figure_id = ? AND f.is_derived = 1 ORDER BY f.figure_id""",
        [pairs[0][1]],
    )
    for candidate in candidates.rows:
        inputs = await db.execute(
            "SELECT input_figure_id, sign FROM figure_inputs WHERE figure_id = ?", [candidate["figure_id"]]
        )
        if frozenset((r["input_figure_id"], r["sign"]) for r in inputs.rows) == new:
            return {
                "figure_id": candidate["figure_id"],
                "value_text": candidate["value_text"],
                "inputs": [(old_id, new_id) for old_id, new_id, _ in pairs],
            }
    return None
