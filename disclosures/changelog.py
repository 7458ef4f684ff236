"""What changed between two releases, figure by figure, and why (from the data, never guessed).

A reason comes from a ``corrections`` record, a new source, or the derivation of a derived
figure. A changed or removed figure with none of these gets an empty reason, which the release
refuses.
"""

from __future__ import annotations

import itertools
from collections import Counter
from collections.abc import Collection, Iterable, Iterator

from .release_records import CHANGES
from .vocabulary import DERIVED_SUFFIX, value_token

# CHANGELOG.md lists each change up to this many per section, then summarises by platform.
PROSE_LIMIT = 100
# A long list of changed figures still lists each new value, up to this many.
VALUE_CHANGE_LIMIT = 1000


def _made_order(record: dict) -> tuple[str, str]:
    # The order corrections were made in, as validation chains them (consistency.correction_chains).
    return (record["corrected_date"], record["correction_id"])


def _latest_record(records: list[dict], old_value: str, new_value: str) -> dict | None:
    matching = [r for r in records if r["old_value"] == old_value and (r.get("new_value") or "") == new_value]
    return max(matching, key=_made_order) if matching else None


def _explaining_records(
    records: list[dict], old_value: str, new_value: str, published: Collection[str] = ()
) -> list[dict]:
    """The corrections records that took a figure from ``old_value`` (released) to ``new_value``
    ("" when removed), in the order they were made; [] when none do.

    Those made since the previous release (after every record it ``published``: its correction
    ids) that chain from one value to the other, each starting from the value the one before left,
    as validation holds them: 900 -> 901 and then 901 -> 905 of a figure released as 900 are its
    change to 905, whose changelog cites both. Failing that, the latest single record saying
    ``old_value`` -> ``new_value``."""
    made = sorted(records, key=_made_order)
    since = max((at for at, r in enumerate(made) if r["correction_id"] in published), default=-1) + 1
    pending = made[since:]
    for start in range(len(pending)):  # the longest chain first: every correction since, when they all chain
        chain = pending[start:]
        if (
            chain[0]["old_value"] == old_value
            and (chain[-1].get("new_value") or "") == new_value
            and all((a.get("new_value") or "") == b["old_value"] for a, b in itertools.pairwise(chain))
        ):
            return chain
    single = _latest_record(records, old_value, new_value)
    return [single] if single else []


def _record_reason(record: dict) -> str:
    return (
        f"correction {record['correction_id']} ({record['corrected_date']}, "
        f"source: {record['source_id']}): {record['reason']}"
    )


def _records_reason(records: list[dict]) -> str:
    """One record's reason (``_record_reason``), or a chain's: each correction with the values it
    went between, since the changelog row gives only the first's old value and the last's new one."""
    if len(records) == 1:
        return _record_reason(records[0])
    steps = [
        f"correction {r['correction_id']} ({r['corrected_date']}, source: {r['source_id']}; "
        f"{r['old_value']} -> {r.get('new_value') or '(removed)'}): {r['reason'].rstrip()}"
        for r in records
    ]
    # A reason is written as sentences: a full stop before "; then" is left out.
    return "; then ".join([step.removesuffix(".") for step in steps[:-1]] + steps[-1:])


def removal_reason(before: dict, records: list[dict] = (), published: Collection[str] = ()) -> str:
    """Why a figure released as ``before`` (its row of the release's figures.csv, as text) is no
    longer there: the corrections ``records`` of the figure that took it from its released value
    to removed (``_explaining_records``, given the correction ids the release ``published``), or,
    for a figure the build derived, that it is no longer derived. "" when neither says: the
    release refuses such a removal (``release._plan_new``), and so does validation
    (``consistency.removed_figure_problems``), by this one rule."""
    removal = _explaining_records(records, value_token(before), "", published)
    if removal:
        return _records_reason(removal)
    if before.get("derivation"):
        # The build stops deriving a period once a source reports it or an input is gone.
        return f"no longer derived (was {before['derivation']})"
    return ""


def figure_change(
    figure_id: str, before: dict | None, after: dict | None, records: list[dict] = (), published: Collection[str] = ()
) -> dict | None:
    """The changelog row of one figure (``before``/``after``: its snapshot rows, None when absent),
    or None when neither its value nor its source changed. ``records``: its corrections records;
    ``published``: the correction ids the previous release published.

    The reason comes from the data: the corrections records made since the previous release that
    chain from the old value to the new one, or the latest record whose old and new value match
    (``_explaining_records``); otherwise "new source: <id>" when the source changed; for an added
    figure its source. A changed figure with neither gets reason "" (make_release refuses it).
    """
    if before is None:
        reason = (
            f"derived: {after['derivation']}"
            if after.get("derivation")
            else f"source: {after.get('source_id') or 'unknown'}"
        )
        return {
            "change": "added",
            "figure_id": figure_id,
            "old_value": "",
            "new_value": value_token(after),
            "old_source_id": "",
            "new_source_id": after.get("source_id") or "",
            "reason": reason,
        }
    if after is None:
        return {
            "change": "removed",
            "figure_id": figure_id,
            "old_value": value_token(before),
            "new_value": "",
            "old_source_id": before.get("source_id") or "",
            "new_source_id": "",
            "reason": removal_reason(before, records, published),
        }
    old_value, new_value = value_token(before), value_token(after)
    old_source, new_source = before.get("source_id") or "", after.get("source_id") or ""
    if old_value == new_value and old_source == new_source:
        return None
    explaining = _explaining_records(records, old_value, new_value, published)
    if explaining:
        reason = _records_reason(explaining)
    elif after.get("derivation"):
        reason = f"derived: {after['derivation']} (its inputs changed)"
    elif old_source != new_source:
        reason = f"new source: {new_source}"
    else:
        reason = ""
    return {
        "change": "changed",
        "figure_id": figure_id,
        "old_value": old_value,
        "new_value": new_value,
        "old_source_id": old_source,
        "new_source_id": new_source,
        "reason": reason,
    }


def corrections_by_figure(corrections: Iterable[dict]) -> dict[str, list[dict]]:
    by_figure: dict[str, list[dict]] = {}
    for record in corrections:
        by_figure.setdefault(record["figure_id"], []).append(record)
    return by_figure


class OutOfOrder(ValueError):
    """A stream of figures that ``diff_streams`` needs sorted by figure_id is not."""


def _ascending(rows: Iterable[dict], name: str) -> Iterator[dict]:
    last = None
    for row in rows:
        figure_id = row["figure_id"]
        if last is not None and figure_id <= last:
            raise OutOfOrder(
                f"{name}: figure {figure_id} comes after {last}; figures must be sorted by figure_id, once each"
            )
        last = figure_id
        yield row


def diff_streams(
    old: Iterable[dict],
    new: Iterable[dict],
    corrections: Iterable[dict] = (),
    names: tuple[str, str] = ("old", "new"),
    published: Collection[str] = (),
) -> Iterator[tuple[dict, dict | None, dict | None]]:
    """(change row, before, after) for every figure that changed, in figure_id order, from two
    streams of snapshot rows each sorted by figure_id (Python's string order, which is SQLite's
    BINARY order for UTF-8 text). Memory does not grow with the figures: one row of each is held.
    ``published``: the correction ids the release ``old`` is of published (``figure_change``).
    Raises OutOfOrder (naming ``names``) when a stream is not strictly ascending.
    """
    by_figure = corrections_by_figure(corrections)
    olds, news = _ascending(old, names[0]), _ascending(new, names[1])
    before, after = next(olds, None), next(news, None)
    while before is not None or after is not None:
        if after is None or (before is not None and before["figure_id"] < after["figure_id"]):
            figure_id, pair = before["figure_id"], (before, None)
            before = next(olds, None)
        elif before is None or after["figure_id"] < before["figure_id"]:
            figure_id, pair = after["figure_id"], (None, after)
            after = next(news, None)
        else:
            figure_id, pair = after["figure_id"], (before, after)
            before, after = next(olds, None), next(news, None)
        row = figure_change(figure_id, *pair, by_figure.get(figure_id, []), published)
        if row is not None:
            yield row, pair[0], pair[1]


def diff_figures(
    old: dict[str, dict], new: dict[str, dict], corrections: list[dict] = (), published: Collection[str] = ()
) -> list[dict]:
    """Added, changed (value or source) and removed figures, sorted by change then figure id
    (see ``figure_change`` for the reasons and ``published``)."""
    rows = [
        row
        for row, _, _ in diff_streams(
            (old[k] | {"figure_id": k} for k in sorted(old)),
            (new[k] | {"figure_id": k} for k in sorted(new)),
            corrections,
            published=published,
        )
    ]
    return sorted(rows, key=lambda r: (CHANGES.index(r["change"]), r["figure_id"]))


def changelog_markdown(
    version: str,
    released: str,
    previous: str | None,
    changes: list[dict],
    platforms: dict[str, str],
    other_inputs: list[str],
) -> str:
    """CHANGELOG.md of a release from its changelog rows and each figure's platform."""
    summary = ChangeSummary()
    for change in changes:
        summary.add(change, platforms.get(change["figure_id"], "unknown"))
    return summary_markdown(version, released, previous, summary, other_inputs)


class ChangeSummary:
    """What CHANGELOG.md says of a release's changes, gathered one row at a time: counts by kind,
    the first PROSE_LIMIT rows of each kind, and counts by platform (for a longer list)."""

    def __init__(self) -> None:
        self.counts: Counter = Counter()
        self.listed: dict[str, list[dict]] = {name: [] for name in CHANGES}
        self.by_platform: dict[str, Counter] = {name: Counter() for name in CHANGES}
        # Within a long list of changed figures, those whose value changed are listed whole (up
        # to VALUE_CHANGE_LIMIT), apart from those a new source gave the same value: a reader
        # looks for the corrections, and 432 re-sourced figures hid 5 of them.
        self.new_values: list[dict] = []
        self.same_values = 0
        self.derived_added = 0

    def add(self, change: dict, platform: str) -> None:
        name = change["change"]
        self.counts[name] += 1
        if len(self.listed[name]) < PROSE_LIMIT:
            self.listed[name].append(change)
        self.by_platform[name][platform] += 1
        if name == "changed":
            if change["old_value"] == change["new_value"]:
                self.same_values += 1
            elif len(self.new_values) < VALUE_CHANGE_LIMIT:
                self.new_values.append(change)
        elif name == "added" and change["figure_id"].endswith(DERIVED_SUFFIX):
            self.derived_added += 1


def _value_changes(summary: ChangeSummary, changed: int) -> list[str]:
    """The lines of CHANGELOG.md that list, within a long list of changed figures, every one whose
    value changed (``ChangeSummary.new_values``)."""
    values = changed - summary.same_values
    lines = [
        f"Of these, {values} {'has' if values == 1 else 'have'} a new value and {summary.same_values} "
        "the same value from another source.",
        "",
    ]
    if values:
        lines += ["### New values", ""]
        lines += [
            f"- `{c['figure_id']}`: {c['old_value']} → {c['new_value']}. {c['reason']}" for c in summary.new_values
        ]
        if values > len(summary.new_values):
            lines.append(f"- and {values - len(summary.new_values)} more, in `changelog.csv`")
        lines.append("")
    return lines


def table_change_sentence(clause: str) -> str:
    """A table change in words (``versioning.table_changes``) as CHANGELOG.md lists it, and the
    build's release_table_changes holds it for the site and the feed: "The table `b` was added."."""
    return f"{clause[0].upper()}{clause[1:]}."


def summary_markdown(
    version: str,
    released: str,
    previous: str | None,
    summary: ChangeSummary,
    other_inputs: list[str],
    table_changes: Iterable[str] = (),
) -> str:
    """CHANGELOG.md of a release from a ``ChangeSummary`` of its changes. ``table_changes``: its
    tables' changes since ``previous`` in words (``versioning.table_changes``), listed first, as
    code that reads the columns needs them first."""
    counts = summary.counts
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
    table_changes = list(table_changes)
    if table_changes:
        lines += [f"## Changes to the tables ({len(table_changes)})", ""]
        lines += [f"- {table_change_sentence(clause)}" for clause in table_changes] + [""]
    headings = {"added": "Added figures", "changed": "Changed figures", "removed": "Removed figures"}
    for name in CHANGES:
        if not counts[name]:
            continue
        lines += [f"## {headings[name]} ({counts[name]})", ""]
        if counts[name] > PROSE_LIMIT:
            if name == "added" and summary.derived_added:
                lines += [
                    f"{counts[name] - summary.derived_added} reported by a source and {summary.derived_added} "
                    "derived by the build (`-derived`), by platform:",
                    "",
                ]
            lines += [f"- {platform}: {n}" for platform, n in sorted(summary.by_platform[name].items())]
            lines += ["", "Each figure is listed in `changelog.csv`.", ""]
            if name == "changed":
                lines += _value_changes(summary, counts[name])
            continue
        for c in summary.listed[name]:
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
