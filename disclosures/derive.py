"""Figures and columns the build computes from reported figures; never typed into data/.

A derived figure is flagged (``is_derived = 1``), explains itself (``derivation``) and lists its
inputs, and never replaces a reported one.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from functools import cache, lru_cache

from . import rules
from .vocabulary import DERIVED_SUFFIX, number_text, value_note, value_text


@dataclass(frozen=True)
class Derived:
    row: dict
    inputs: tuple[tuple[str, int], ...]  # (figure_id, sign)


@lru_cache(maxsize=65536)
def period_dates(start: str, end: str) -> tuple[date, date]:
    """The period between two ISO dates, as dates (figures share a few hundred periods)."""
    return date.fromisoformat(start), date.fromisoformat(end)


def _period(row) -> tuple[date, date]:
    return period_dates(row["period_start"], row["period_end"])


def exact_count_groups(figures: list[dict], units: dict[str, str]) -> dict[tuple, list[tuple[tuple[date, date], dict]]]:
    """The exact counts with a value, by (platform, jurisdiction, request type, metric), each as
    (period, row), in the rows' order: what both kinds of derived figure are computed from."""
    groups: dict[tuple, list[tuple[tuple[date, date], dict]]] = defaultdict(list)
    for row in figures:
        if row["value_kind"] == "exact" and row["value"] is not None and units.get(row["metric_id"]) == "count":
            key = (row["platform_id"], row["jurisdiction_id"], row["request_type_id"], row["metric_id"])
            groups[key].append((period_dates(row["period_start"], row["period_end"]), row))
    return groups


def derived_row(figure_id: str, group: tuple, period: tuple[date, date], value, notes: str, derivation: str) -> dict:
    """A derived figure's row: an exact count of ``group`` (platform, jurisdiction, request
    type, metric) for ``period``, with no wording, source or quote of its own (its inputs have
    theirs), explained by ``notes`` and ``derivation``."""
    platform, jurisdiction, request_type, metric = group
    return {
        "figure_id": figure_id,
        "platform_id": platform,
        "jurisdiction_id": jurisdiction,
        "period_start": period[0].isoformat(),
        "period_end": period[1].isoformat(),
        "request_type_id": request_type,
        "metric_id": metric,
        "value_kind": "exact",
        "value": value,
        "value_low": None,
        "value_high": None,
        "platform_wording": None,
        "source_id": None,
        "source_locator": None,
        "quote": None,
        "notes": notes,
        "is_derived": 1,
        "derivation": derivation,
    }


@dataclass(frozen=True)
class LeftOut:
    """A complement the build does not derive, and why: the rest of ``whole`` after ``part``
    (rows with figure_id and value) for ``group`` (platform, jurisdiction, request type, metric)
    and ``period``, whose value would be ``whole − part``."""

    group: tuple[str, str, str, str]
    period: tuple[date, date]
    whole: dict
    part: dict
    reason: str


def negative_complement_reason(whole: dict, part: dict, period: tuple[date, date]) -> str:
    """Why the rest ``period`` of ``whole`` after ``part`` (rows with figure_id and value) has no
    derived figure: the part is more than its whole, so the rest would be a negative count."""
    return (
        f"The part {part['figure_id']} ({number_text(part['value'])}) is more than its whole "
        f"{whole['figure_id']} ({number_text(whole['value'])}): {rules.period_label(*period)} would be "
        f"{number_text(whole['value'])} − {number_text(part['value'])} = {number_text(whole['value'] - part['value'])}, "
        "a negative count, so no figure is derived for it. The platform's own figures are inconsistent "
        "(a disagreement of kind inconsistent_parts records it); which of them is off is not known."
    )


def complements(groups: dict[tuple, list]) -> tuple[list[Derived], list[LeftOut]]:
    """Complements of cumulative reports in ``groups`` (``exact_count_groups``): whole − its
    largest reported part sharing its start or its end, sorted by figure id; and those
    left out because the part is more than the whole (``LeftOut``), sorted by group and period,
    none of a group and period that another whole gives a complement for.

    Telegram's 2024 report is cumulative and so includes Jan–Sep; 2024 − Jan–Sep is Oct–Dec.
    Only standard periods (quarter, half, year) are derived, only from exact counts, and never
    where a source reported that period or reported figures already cover it.
    """
    # Each row's period is read once, beside the row: a group's members are compared pairwise.
    derived: dict[tuple, Derived] = {}
    left_out: dict[tuple, LeftOut] = {}
    for group, members in sorted(groups.items(), key=lambda item: item[0]):
        periods = {period for period, _ in members}
        if not rules.has_nesting(periods):
            continue  # no period lies within another, so none is a part to take out of a whole
        for whole_period, whole in sorted(members, key=lambda m: m[1]["figure_id"]):
            for side in (0, 1):
                parts = [
                    (period, r)
                    for period, r in members
                    if period[side] == whole_period[side] and rules.strictly_within(period, whole_period)
                ]
                if not parts:
                    continue
                part_period, part = max(parts, key=lambda m: (m[0][1] - m[0][0], m[1]["figure_id"]))
                rest = rules.complement(part_period, whole_period)
                if rest is None or not rules.is_standard_period(*rest) or rest in periods:
                    continue
                inside = [p for p in periods if rules.strictly_within(p, rest)]
                if rules.tiles(rules.minimal(inside), rest):
                    continue
                key = (*group, rest)
                if key in derived:
                    continue
                # A part larger than its whole (kept because a disagreement records the platform's
                # inconsistent parts) leaves no complement, as it would be a negative count: said
                # in a row of its own, never dropped unsaid.
                if part["value"] > whole["value"]:
                    if key not in left_out:
                        reason = negative_complement_reason(whole, part, rest)
                        left_out[key] = LeftOut(group, rest, whole, part, reason)
                    continue
                platform, jurisdiction, request_type, metric = group
                label = rules.period_label(*rest)
                row = derived_row(
                    f"{platform}-{jurisdiction.lower()}-{label}-{request_type}-{metric}{DERIVED_SUFFIX}",
                    group,
                    rest,
                    whole["value"] - part["value"],
                    f"Derived by the build: {whole['figure_id']} ({whole['value']}) − "
                    f"{part['figure_id']} ({part['value']})."
                    + (COMPLEMENT_PER_PART_NOTE if metric.startswith(PER_PART_PREFIXES) else ""),
                    f"{whole['figure_id']} - {part['figure_id']}",
                )
                derived[key] = Derived(row, ((whole["figure_id"], 1), (part["figure_id"], -1)))
    made = [derived[k] for k in sorted(derived, key=lambda k: derived[k].row["figure_id"])]
    return made, [left_out[k] for k in sorted(left_out) if k not in derived]


def derive_figures(
    figures: list[dict], units: dict[str, str], groups: dict[tuple, list] | None = None
) -> list[Derived]:
    """The complements (``complements``) of ``figures``, or of their ``groups``
    (``exact_count_groups``) when already made."""
    if groups is None:
        groups = exact_count_groups(figures, units)
    return complements(groups)[0]


@cache
def _year_periods(year: int) -> tuple[tuple[date, date], list[tuple[date, date]], list[tuple[date, date]]]:
    """(the year, its halves, its quarters) as periods."""
    halves = [(date(year, 1, 1), date(year, 6, 30)), (date(year, 7, 1), date(year, 12, 31))]
    quarters = [(date(year, m, 1), date(year, m + 2, 30 if m + 2 in (6, 9) else 31)) for m in (1, 4, 7, 10)]
    return (date(year, 1, 1), date(year, 12, 31)), halves, quarters


def _year_parts(periods: dict[tuple[date, date], dict], year: int) -> list[dict] | None:
    """The reported halves of ``year``, else its four quarters, else None."""
    _, halves, quarters = _year_periods(year)
    found = [periods.get(h) for h in halves]
    if None not in found:
        return found
    found = [periods.get(q) for q in quarters]
    if None not in found:
        return found
    return None


# Metrics that count accounts, identifiers or domains: each part counts its own, so one named in
# both halves of a year is in the sum twice. A reader must not take the sum for distinct ones.
PER_PART_PREFIXES = ("accounts_", "identifiers_", "domains_")
PER_PART_NOTE = (
    " Each part counts its own accounts (or identifiers, domains): one in more than one part is"
    " counted once per part, so the sum is not a count of distinct ones."
)


# And a whole minus its part: where the platform counts each account once over the whole, one in
# both periods is not in the rest at all.
COMPLEMENT_PER_PART_NOTE = (
    " Accounts (or identifiers, domains) are counted per period: the rest equals the rest's own count"
    " only if the whole counts them per part too; where it counts each one once, one also named in"
    " the part is missing from the rest."
)


@dataclass(frozen=True)
class YearSum:
    """A full year to be derived as the sum of its reported ``parts`` (rows, in period order)."""

    figure_id: str
    group: tuple[str, str, str, str]  # (platform, jurisdiction, request type, metric)
    year: tuple[date, date]
    parts: list[dict]


def year_sum_plans(groups: dict[tuple, list]) -> list[YearSum]:
    """The full years ``derive_year_sums`` derives from ``groups`` (``exact_count_groups``),
    sorted by figure id, before any row is written: what they are, not yet their text."""
    # Each group's periods, the first row of each (a dict keeps the first of equal keys).
    by_period = {key: dict(reversed(members)) for key, members in groups.items()}
    plans = []
    for group, periods in sorted(by_period.items()):
        platform, jurisdiction, request_type, metric = group
        years = sorted({start.year for start, end in periods if start.year == end.year})
        for year in years:
            whole = _year_periods(year)[0]
            if whole in periods:
                continue
            parts = _year_parts(periods, year)
            if parts is None:
                continue
            figure_id = f"{platform}-{jurisdiction.lower()}-{year}-{request_type}-{metric}{DERIVED_SUFFIX}"
            plans.append(YearSum(figure_id, group, whole, parts))
    return sorted(plans, key=lambda plan: plan.figure_id)


def year_sum(plan: YearSum) -> Derived:
    """The derived figure of one ``year_sum_plans`` item."""
    metric = plan.group[3]
    parts = plan.parts
    ids = [p["figure_id"] for p in parts]
    shown = " + ".join(f"{p['figure_id']} ({number_text(p['value'])})" for p in parts)
    row = derived_row(
        plan.figure_id,
        plan.group,
        plan.year,
        sum(p["value"] for p in parts),
        f"Derived by the build: the sum of the year's reported parts, {shown}."
        + (PER_PART_NOTE if metric.startswith(PER_PART_PREFIXES) else ""),
        " + ".join(ids),
    )
    return Derived(row, tuple((fid, 1) for fid in ids))


def derive_year_sums(
    figures: list[dict], units: dict[str, str], groups: dict[tuple, list] | None = None
) -> list[Derived]:
    """Full years as the sum of their reported halves (or, failing those, quarters).

    Only exact counts, only where no figure is reported for the year itself (where one is,
    validation requires it to equal the sum of its parts unless an ``inconsistent_parts``
    disagreement is recorded). One pass over the figures and one over each group's periods. A
    year whose counts by outcome do not add up to their whole says so (``summed_years``).
    """
    if groups is None:
        groups = exact_count_groups(figures, units)
    return summed_years(year_sum_plans(groups))


class DerivedPartsInconsistent(ValueError):
    """Year sums by outcome whose gap from their whole is not the gap their inputs carry: the
    derivation, not the data, is wrong."""


def year_gap_sentence(whole: str, whole_value, parts: dict[str, object], halves: list[str]) -> str:
    """Why year sums by outcome do not add up to their whole: the parts (metric -> value) summed
    against the whole, and the inputs (``halves``, each in words) whose own parts do not."""
    listed = " + ".join(f"{name} {number_text(value)}" for name, value in parts.items())
    return (
        f" The year's counts by outcome, summed from the same parts, do not add up to its {whole}: {listed} = "
        f"{number_text(sum(parts.values()))} against {number_text(whole_value)}, because the platform's own "
        f"do not for {'; nor for '.join(halves)} (an inconsistent_parts disagreement records it)."
    )


def outcome_gaps(plans: list[YearSum], sums: list[Derived]) -> dict[str, str]:
    """The sentence (``year_gap_sentence``) to add to the note of each year sum (``plans`` and
    their ``sums``, in the same order) that, with the other counts of its year by outcome, does
    not add up to their whole (``rules.REQUEST_PARTS``), by figure id: a whole and its parts
    summed from the same halves (or quarters) add up exactly when each half's do, so a half the
    platform published inconsistent (an ``inconsistent_parts`` disagreement) passes its gap on
    to the year, which validation, reading reported figures only, does not look at.

    Raises DerivedPartsInconsistent when the year's gap is not its halves' gaps added up."""
    of_year: dict[tuple, dict[str, tuple[YearSum, Derived]]] = defaultdict(dict)
    for plan, derived in zip(plans, sums, strict=True):
        platform, jurisdiction, request_type, metric = plan.group
        of_year[(platform, jurisdiction, request_type, plan.year)][metric] = (plan, derived)
    sentences: dict[str, str] = {}
    for metrics in of_year.values():
        for whole, names, _ in rules.REQUEST_PARTS:
            present = [name for name in names if name in metrics]
            if whole not in metrics or not present:
                continue
            whole_plan, whole_sum = metrics[whole]
            part_periods = [(p["period_start"], p["period_end"]) for p in whole_plan.parts]
            if any(
                [(p["period_start"], p["period_end"]) for p in metrics[n][0].parts] != part_periods for n in present
            ):
                continue  # summed from other parts: not comparable part by part
            parts = {name: metrics[name][1].row["value"] for name in present}
            whole_value = whole_sum.row["value"]
            if rules.request_parts_problem(whole, whole_value, parts) is None:
                continue
            halves, carried = [], 0
            for index, reported_whole in enumerate(whole_plan.parts):
                reported = {name: metrics[name][0].parts[index]["value"] for name in present}
                carried += reported_whole["value"] - sum(reported.values())
                if rules.request_parts_problem(whole, reported_whole["value"], reported) is not None:
                    shown = " + ".join(number_text(value) for value in reported.values())
                    halves.append(
                        f"{rules.period_label(*period_dates(*part_periods[index]))}: {shown} = "
                        f"{number_text(sum(reported.values()))} against {number_text(reported_whole['value'])} in "
                        f"{reported_whole['figure_id']}"
                    )
            if not halves or whole_value - sum(parts.values()) != carried:
                raise DerivedPartsInconsistent(
                    f"{whole_sum.row['figure_id']} ({number_text(whole_value)}) and its parts by outcome "
                    f"({', '.join(metrics[n][1].row['figure_id'] for n in present)}, {number_text(sum(parts.values()))}) "
                    f"differ by {number_text(whole_value - sum(parts.values()))}, but their inputs by "
                    f"{number_text(carried)}: the year sums do not add up their inputs"
                )
            sentence = year_gap_sentence(whole, whole_value, parts, halves)
            for name in (whole, *present):
                figure_id = metrics[name][1].row["figure_id"]
                sentences[figure_id] = sentences.get(figure_id, "") + sentence
    return sentences


def summed_years(plans: list[YearSum]) -> list[Derived]:
    """The derived figures of ``plans`` (``year_sum``), each whose year's counts by outcome do
    not add up to their whole saying so (``outcome_gaps``)."""
    sums = [year_sum(plan) for plan in plans]
    sentences = outcome_gaps(plans, sums)
    for derived in sums:
        if derived.row["figure_id"] in sentences:
            derived.row["notes"] += sentences[derived.row["figure_id"]]
    return sums


# The metrics of the outcome-parts rule (rules.REQUEST_PARTS): each whole and its parts.
OUTCOME_RULE_METRICS = frozenset(
    {whole for whole, _, _ in rules.REQUEST_PARTS} | {name for _, names, _ in rules.REQUEST_PARTS for name in names}
)


def reported_count_lookup(
    groups: dict[tuple, list[tuple]], row_of: Callable[[tuple, tuple], dict | None] | None = None
) -> Callable[[tuple, tuple[date, date]], dict | None]:
    """A function of (group, period) that gives the first reported exact count of ``groups``
    for that group and period, or None, as validation takes it.

    ``groups``: by (platform, jurisdiction, request type, metric), the group's members in the
    rows' order, each a tuple led by its period (a pair of dates). By default a member is
    ``exact_count_groups``' (period, row); any other shape (the build's ``exact_groups``: period,
    figure id, row index) needs ``row_of(group, member)``: the member's row (a dict with at
    least figure_id and value) or None when it is not an exact count with a value. A group's
    periods are indexed when it is first asked of: a derivation asks of few."""
    indexed: dict[tuple, dict] = {}

    def reported_at(group: tuple, period: tuple[date, date]) -> dict | None:
        periods = indexed.get(group)
        if periods is None:
            members = groups.get(group, ())
            if row_of is None:
                periods = dict(reversed(members))  # the first row of each period
            else:
                periods = {}
                for member in members:
                    if member[0] not in periods and (row := row_of(group, member)) is not None:
                        periods[member[0]] = row
            indexed[group] = periods
        return periods.get(period)

    return reported_at


def outcome_contradiction_sentence(whole: dict, parts: list[dict], broken: str, by_subtraction: bool) -> str:
    """Why a period's counts by outcome (``parts``, rows with metric_id, figure_id and value)
    cannot be parts of ``whole`` (a row), derived figures among them, for their notes; ``broken``
    is how (``rules.request_parts_break``)."""
    total = sum(part["value"] for part in parts)
    listed = " + ".join(f"{part['metric_id']} {number_text(part['value'])} ({part['figure_id']})" for part in parts)
    how = (
        "more than the whole, and no request has two of these outcomes"
        if broken == "exceeds"
        else "not the whole, which these outcomes make up"
    )
    why = (
        "A figure derived by subtraction takes one report's part from another report's whole, so where the "
        "platform revised a count between its reports, or its reports count differently, the differences need "
        "not add up"
        if by_subtraction
        else "The derived figures among them are summed from other parts, or stand beside a reported figure, so "
        "they need not add up where the platform's counts differ between its reports"
    )
    return (
        f" This period's counts by outcome do not add up to its {whole['metric_id']}: {listed} = "
        f"{number_text(total)} against {number_text(whole['value'])} ({whole['figure_id']}), {how}. {why}; "
        "each figure is what the platform's numbers give, and which of them is off is not known."
    )


def outcome_contradictions(
    derived: list[Derived],
    reported_at: Callable[[tuple, tuple[date, date]], dict | None],
    year_sums: dict[str, YearSum],
) -> dict[str, str]:
    """The sentence (``outcome_contradiction_sentence``) to add to the notes of each derived
    figure that, with the other counts by outcome of its platform, jurisdiction, request type
    and period, derived or reported (``reported_at``: ``reported_count_lookup`` of every
    reported figure), breaks the rule reported figures pass (``rules.request_parts_break``), by
    figure id.

    Derived figures contradict one another without any figure being mistyped: a complement of
    Oct–Dec for requests received and one for requests rejected come from the same two reports,
    and a platform that revised Jan–Sep's rejections in its yearly report leaves more rejected
    than received. So the figures stay, as a year summed from a half the platform published
    inconsistent does (``outcome_gaps``), and say so. Year sums all summed from the same periods
    (``year_sums``: each year sum's plan by figure id) are ``outcome_gaps``' to explain, and are
    left to it."""
    made: dict[tuple, dict[str, dict]] = defaultdict(dict)
    for item in derived:
        row = item.row
        if row["metric_id"] in OUTCOME_RULE_METRICS:
            key = (row["platform_id"], row["jurisdiction_id"], row["request_type_id"], _period(row))
            made[key][row["metric_id"]] = row
    sentences: dict[str, str] = {}
    for (platform, jurisdiction, request_type, period), ours in made.items():
        counts = dict(ours)
        for metric in OUTCOME_RULE_METRICS.difference(ours):
            row = reported_at((platform, jurisdiction, request_type, metric), period)
            if row is not None:
                counts[metric] = row
        if len(counts) < 2:
            continue
        for whole, names, _ in rules.REQUEST_PARTS:
            present = [name for name in names if name in counts]
            if whole not in counts or not present:
                continue
            members = [whole, *present]
            if not any(name in ours for name in members):
                continue
            broken = rules.request_parts_break(
                whole, counts[whole]["value"], {name: counts[name]["value"] for name in present}
            )
            if broken is None:
                continue
            derived_ids = [counts[name]["figure_id"] for name in members if name in ours]
            plans = [year_sums.get(figure_id) for figure_id in derived_ids]
            if len(derived_ids) == len(members) and None not in plans:
                summed_from = {tuple(_period(part) for part in plan.parts) for plan in plans}
                if len(summed_from) == 1:
                    continue
            parts = [{**counts[name], "metric_id": name} for name in present]
            by_subtraction = any(" - " in ours[name]["derivation"] for name in members if name in ours)
            sentence = outcome_contradiction_sentence(
                {**counts[whole], "metric_id": whole}, parts, broken, by_subtraction
            )
            for figure_id in derived_ids:
                sentences[figure_id] = sentences.get(figure_id, "") + sentence
    return sentences


class StagedDerivation:
    """``all_derived`` in two steps, for a caller that needs the derived figures' keys before
    their rows (the build ranks every figure by recency before loading the first one):
    ``keys`` at once, then ``derived()``, the same list ``all_derived`` returns. ``left_out``:
    the complements not derived because the part is more than its whole (``LeftOut``), by
    group and period, none of a period derived otherwise."""

    def __init__(self, figures: list[dict], units: dict[str, str]):
        groups = exact_count_groups(figures, units)
        self._complements, left_out = complements(groups)
        taken = {d.row["figure_id"] for d in self._complements}
        self._year_sums = [plan for plan in year_sum_plans(groups) if plan.figure_id not in taken]
        # A rest left out as a complement that its reported parts give as a year sum has a figure.
        summed = {(*plan.group, plan.year) for plan in self._year_sums}
        self.left_out: list[LeftOut] = [item for item in left_out if (*item.group, item.period) not in summed]
        self._groups = groups
        # (period_end, figure_id) of each derived figure, in the order of derived().
        self.keys: list[tuple[str, str]] = [(d.row["period_end"], d.row["figure_id"]) for d in self._complements]
        self.keys += [(plan.year[1].isoformat(), plan.figure_id) for plan in self._year_sums]

    def derived(self, reported_at: Callable[[tuple, tuple[date, date]], dict | None] | None = None) -> list[Derived]:
        """The derived figures, each that breaks the outcome-parts rule beside the others of its
        period saying so (``outcome_contradictions``). ``reported_at``: the
        ``reported_count_lookup`` of every reported figure, for a caller that gave only some of
        them (the build gives the groups that can yield a derived figure); by default, of the
        figures given."""
        if reported_at is None:
            reported_at = reported_count_lookup(self._groups)
        derived = self._complements + summed_years(self._year_sums)
        year_sums = {plan.figure_id: plan for plan in self._year_sums}
        sentences = outcome_contradictions(derived, reported_at, year_sums)
        # New rows, not the complements' own: a second call must not say it twice.
        return [
            Derived({**item.row, "notes": item.row["notes"] + sentences[item.row["figure_id"]]}, item.inputs)
            if item.row["figure_id"] in sentences
            else item
            for item in derived
        ]


def all_derived(figures: list[dict], units: dict[str, str]) -> list[Derived]:
    """Every figure the build derives from ``figures``: complements, then year sums for the
    periods no complement already gave. The build, validation and importers all ask here."""
    return StagedDerivation(figures, units).derived()


def with_recency_rank(rows: list[dict]) -> list[dict]:
    """Number the figures newest first. Datasette 0.65 orders a table's first page by the sort
    column alone and later pages by sort column then key, so a sort column with ties skips rows
    at page boundaries; a unique rank cannot tie."""
    ordered = sorted(rows, key=lambda r: r["figure_id"])
    ordered.sort(key=lambda r: r["period_end"], reverse=True)
    rank = {r["figure_id"]: i for i, r in enumerate(ordered, start=1)}
    return [{**r, "recency_rank": rank[r["figure_id"]]} for r in rows]


def series_members(figures: list[dict]) -> list[str]:
    """Ids of the figures that make up the non-overlapping series of each group."""
    groups: dict[tuple, list] = defaultdict(list)
    for row in figures:
        if row["value_kind"] == "exact":
            key = (row["platform_id"], row["jurisdiction_id"], row["request_type_id"], row["metric_id"])
            groups[key].append((_period(row), row["figure_id"]))
    return sorted(fid for items in groups.values() for fid in rules.non_overlapping(items))


@lru_cache(maxsize=65536)
def period_columns(start: str, end: str) -> tuple[str, str, int | None]:
    """(period_kind, period_label, year) of the period from ISO dates ``start`` to ``end``;
    year is None for a period across two years. A million figures share a few hundred periods."""
    first, last = date.fromisoformat(start), date.fromisoformat(end)
    return (
        rules.period_kind(first, last),
        rules.period_label(first, last),
        first.year if first.year == last.year else None,
    )


def with_period_columns(row: dict, units: dict[str, str]) -> dict:
    """The columns the build adds to a figure: unit, period kind and label, year, value for readers."""
    row = dict(row)
    row["unit"] = units[row["metric_id"]]
    row.setdefault("is_derived", 0)
    row.setdefault("derivation", None)
    row["period_kind"], row["period_label"], row["year"] = period_columns(row["period_start"], row["period_end"])
    row["value_text"] = value_text(row, row["unit"])
    row["value_note"] = value_note(row, row["unit"]) or None
    return row
