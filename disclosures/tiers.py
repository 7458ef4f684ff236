"""Source tiers: how close a figure's source is to the platform's own words.

The tiers are data (``data/source_tiers.csv``: tier_id, rank, label, definition; rank 1 is the
platform's own report or file, 6 is press paraphrasing) and every source names its tier
(``sources.tier``). The build gives each figure its source's tier (``figures.source_tier``), and a
derived figure the weakest tier among its inputs: arithmetic is only as strong as its weakest
operand.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Swap:
    """A figure whose stored corroboration comes from a stronger source than the figure's own.

    Applying it makes the corroborating source the figure's source (with its locator and quote)
    and records the figure's current source as a corroboration instead.
    """

    figure_id: str
    source_id: str
    source_tier: str
    stronger_source_id: str
    stronger_tier: str


def figure_tiers(
    figures: list[dict], sources: list[dict], tiers: list[dict], derived_inputs: dict[str, list[str]]
) -> dict[str, str]:
    """Each figure's tier id, by figure id.

    ``figures``: rows with figure_id and source_id (reported) or no source (derived).
    ``sources``: rows with source_id and tier. ``tiers``: rows with tier_id and rank.
    ``derived_inputs``: for each derived figure, the ids of the figures it was computed from.
    Raises KeyError for a source or input that does not exist (validation rules that out first).
    """
    rank = {t["tier_id"]: int(t["rank"]) for t in tiers}
    source_tier = {s["source_id"]: s["tier"] for s in sources}
    result = {f["figure_id"]: source_tier[f["source_id"]] for f in figures if f["figure_id"] not in derived_inputs}
    for figure_id, inputs in derived_inputs.items():
        result[figure_id] = max((result[i] for i in inputs), key=lambda tier: rank[tier])
    return result


def needed_swaps(figures: list[dict], corroborations: list[dict], sources: list[dict], tiers: list[dict]) -> list[Swap]:
    """Figures whose source is weaker than a stored corroboration of the same value, by figure id.

    A corroboration records a source that gives the figure's value; when that source has a
    better (lower) rank than the figure's own, the stronger one should carry the figure. Where
    several corroborations are stronger, the strongest is named (ties by source id).
    """
    rank = {t["tier_id"]: int(t["rank"]) for t in tiers}
    source_tier = {s["source_id"]: s["tier"] for s in sources}
    by_id = {f["figure_id"]: f for f in figures}
    best: dict[str, tuple] = {}
    for c in corroborations:
        figure = by_id[c["figure_id"]]
        own, other = source_tier[figure["source_id"]], source_tier[c["source_id"]]
        if rank[other] < rank[own]:
            candidate = (rank[other], c["source_id"])
            if c["figure_id"] not in best or candidate < best[c["figure_id"]]:
                best[c["figure_id"]] = candidate
    return [
        Swap(fid, by_id[fid]["source_id"], source_tier[by_id[fid]["source_id"]], sid, source_tier[sid])
        for fid, (_, sid) in sorted(best.items())
    ]


def apply_swaps(figures: list[dict], corroborations: list[dict], swaps: list[Swap]) -> tuple[list[dict], list[dict]]:
    """New figures and corroborations rows with ``swaps`` applied; the inputs are not changed.

    The stronger corroboration's source_id, source_locator and quote become the figure's; the
    figure's former source, locator and quote become a corroboration, with a note saying so. Rows
    are CSV rows (dicts of text); the value itself never changes, since a corroboration gives it.
    """
    by_figure = {s.figure_id: s for s in swaps}
    taken = {(s.figure_id, s.stronger_source_id) for s in swaps}
    stronger = {
        (c["figure_id"], c["source_id"]): c for c in corroborations if (c["figure_id"], c["source_id"]) in taken
    }
    new_figures, new_corroborations = [], [c for c in corroborations if (c["figure_id"], c["source_id"]) not in taken]
    for figure in figures:
        swap = by_figure.get(figure["figure_id"])
        if swap is None:
            new_figures.append(figure)
            continue
        kept = stronger[(swap.figure_id, swap.stronger_source_id)]
        new_corroborations.append(
            {
                "figure_id": figure["figure_id"],
                "source_id": figure["source_id"],
                "source_locator": figure.get("source_locator", ""),
                "quote": figure["quote"],
                "notes": f"Gives the same value; was the figure's source until the stronger {swap.stronger_tier} "
                f"source {swap.stronger_source_id} replaced it ({swap.source_tier} is weaker).",
            }
        )
        new_figures.append(
            dict(figure, source_id=kept["source_id"], source_locator=kept["source_locator"], quote=kept["quote"])
        )
    new_corroborations.sort(key=lambda c: (c["figure_id"], c["source_id"]))
    return new_figures, new_corroborations
