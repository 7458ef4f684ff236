"""What changed between two releases, figure by figure, and why (from the data, never guessed).

A reason comes from a ``corrections`` record, a new source, or the derivation of a derived
figure. A changed or removed figure with none of these gets an empty reason, which the release
refuses.
"""

from __future__ import annotations

from collections import Counter

from .release_records import CHANGES
from .vocabulary import value_token

# CHANGELOG.md lists each change up to this many per section, then summarises by platform.
PROSE_LIMIT = 100


def _latest_record(records: list[dict], old_value: str, new_value: str) -> dict | None:
    matching = [r for r in records if r["old_value"] == old_value and (r.get("new_value") or "") == new_value]
    return max(matching, key=lambda r: (r["corrected_date"], r["correction_id"])) if matching else None


def _record_reason(record: dict) -> str:
    return (
        f"correction {record['correction_id']} ({record['corrected_date']}, "
        f"source: {record['source_id']}): {record['reason']}"
    )


def diff_figures(old: dict[str, dict], new: dict[str, dict], corrections: list[dict] = ()) -> list[dict]:
    """Added, changed (value or source) and removed figures, sorted by change then figure id.

    The reason comes from the data: the latest corrections record whose figure, old and new value
    match; otherwise "new source: <id>" when the source changed; for an added figure its source.
    A changed figure with neither gets reason "" (make_release refuses it).
    """
    by_figure: dict[str, list[dict]] = {}
    for record in corrections:
        by_figure.setdefault(record["figure_id"], []).append(record)
    rows = []
    for figure_id in sorted(old.keys() | new.keys()):
        before, after = old.get(figure_id), new.get(figure_id)
        if before is None:
            reason = (
                f"derived: {after['derivation']}"
                if after.get("derivation")
                else f"source: {after.get('source_id') or 'unknown'}"
            )
            rows.append(
                {
                    "change": "added",
                    "figure_id": figure_id,
                    "old_value": "",
                    "new_value": value_token(after),
                    "old_source_id": "",
                    "new_source_id": after.get("source_id") or "",
                    "reason": reason,
                }
            )
        elif after is None:
            removal = _latest_record(by_figure.get(figure_id, []), value_token(before), "")
            if removal:
                reason = _record_reason(removal)
            elif before.get("derivation"):
                # The build stops deriving a period once a source reports it or an input is gone.
                reason = f"no longer derived (was {before['derivation']})"
            else:
                reason = ""
            rows.append(
                {
                    "change": "removed",
                    "figure_id": figure_id,
                    "old_value": value_token(before),
                    "new_value": "",
                    "old_source_id": before.get("source_id") or "",
                    "new_source_id": "",
                    "reason": reason,
                }
            )
        else:
            old_value, new_value = value_token(before), value_token(after)
            old_source, new_source = before.get("source_id") or "", after.get("source_id") or ""
            if old_value == new_value and old_source == new_source:
                continue
            record = _latest_record(by_figure.get(figure_id, []), old_value, new_value)
            if record:
                reason = _record_reason(record)
            elif after.get("derivation"):
                reason = f"derived: {after['derivation']} (its inputs changed)"
            elif old_source != new_source:
                reason = f"new source: {new_source}"
            else:
                reason = ""
            rows.append(
                {
                    "change": "changed",
                    "figure_id": figure_id,
                    "old_value": old_value,
                    "new_value": new_value,
                    "old_source_id": old_source,
                    "new_source_id": new_source,
                    "reason": reason,
                }
            )
    return sorted(rows, key=lambda r: (CHANGES.index(r["change"]), r["figure_id"]))


def changelog_markdown(
    version: str,
    released: str,
    previous: str | None,
    changes: list[dict],
    platforms: dict[str, str],
    other_inputs: list[str],
) -> str:
    counts = Counter(c["change"] for c in changes)
    lines = [f"# Platform Disclosures {version} ({released})", ""]
    if previous:
        lines.append(f"Changes to the figures since release {previous}.")
    else:
        lines.append("The first release: every figure is new.")
    lines += [
        "",
        " · ".join(f"{name.capitalize()}: {counts[name]}" for name in CHANGES)
        + ". The same list as data: `changelog.csv`.",
        "",
    ]
    headings = {"added": "Added figures", "changed": "Changed figures", "removed": "Removed figures"}
    for name in CHANGES:
        rows = [c for c in changes if c["change"] == name]
        if not rows:
            continue
        lines += [f"## {headings[name]} ({len(rows)})", ""]
        if len(rows) > PROSE_LIMIT:
            by_platform = Counter(platforms.get(c["figure_id"], "unknown") for c in rows)
            lines += [f"- {platform}: {n}" for platform, n in sorted(by_platform.items())]
            lines += ["", "Each figure is listed in `changelog.csv`.", ""]
            continue
        for c in rows:
            if name == "added":
                lines.append(f"- `{c['figure_id']}`: {c['new_value']} ({c['reason']})")
            elif name == "changed":
                lines.append(f"- `{c['figure_id']}`: {c['old_value']} → {c['new_value']}. {c['reason']}")
            else:
                lines.append(f"- `{c['figure_id']}`: was {c['old_value']}; {c['reason']}")
        lines.append("")
    if other_inputs:
        lines += ["## Other changes", "", "Files whose content changed besides the figures' values and sources:", ""]
        lines += [f"- `{path}`" for path in other_inputs] + [""]
    return "\n".join(lines).rstrip("\n") + "\n"
