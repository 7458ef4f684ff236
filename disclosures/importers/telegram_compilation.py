"""The crowdsourced Telegram compilation's ``dataset.json`` (Te-k/telegram-transparency, CC BY 4.0).

The file maps an ISO 3166-1 alpha-3 code to a list of records, one per line::

    "FRA": [
        {"from": "20240101", "to": "20240930", "requests": 220, "users": 686},
        ...

``from``/``to`` are the period's first and last day (YYYYMMDD), ``requests`` the bot's
"Fulfilled requests from <country> for IP address and/or phone number" and ``users`` its
"Affected users" (``mappings/telegram-compilation.csv``). Each record gives two figures.

Not every record is something the bot said. The compiler adds up quarters into years (its
linter demands a year record equal to the sum of its parts) and subtracts the bot's Jan-Sep 2024
report from its cumulative 2024 report to get Q4 2024. Such a record is ``Arithmetic``: it never
becomes a figure of its own. ``plan`` makes it a corroboration of the figure the build derives for
that period when the values agree, and otherwise needs a recorded disagreement from this source
(``arithmetic_total``, or ``inconsistent_parts`` where the compiler's parts and total disagree).

Format: ``telegram-compilation``. The library never prints; ``scripts/cli.py import`` shows the plan.

When a newer version of the file is published: add its row to data/sources.csv (the commit in
its id and URL), move the citations of unchanged records to it with ``recite(parse(path),
old_source_id, new_source_id)``, then ``scripts/cli.py import telegram-compilation <path> --source
<new_source_id>`` and review what it adds, corroborates, or asks to record.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from pathlib import Path

from .. import derive, rules
from ..files import csv_text, read_csv, replace_file
from .core import (
    CORROBORATION_FIELDS,
    DATA,
    FIGURE_FIELDS,
    MAPPINGS,
    Format,
    ImportFailed,
    Parsed,
    Plan,
    Record,
    Skip,
    figure_id_for,
    jurisdiction_lookup,
    plan_import,
    read_mapping,
)
from .tables import platform_text

MAPPING = "telegram-compilation"
DISAGREEMENT_FIELDS = [
    "disagreement_id",
    "figure_id",
    "source_id",
    "claimed_value",
    "claimed_text",
    "kind",
    "explanation",
]

_KEY_LINE = re.compile(r'^\s*"([^"]+)"\s*:\s*\[\s*$')
_RECORD_LINE = re.compile(r"^\s*(\{.*\})\s*,?\s*$")
_DAY = re.compile(r"^[0-9]{8}$")


@dataclass(frozen=True)
class Entry:
    """One record of the file: its country key, 1-based position in that key's list, line and text."""

    key: str
    index: int
    line: int
    text: str
    values: dict

    def period(self) -> tuple[date, date]:
        return _day(self.values["from"]), _day(self.values["to"])


@dataclass(frozen=True)
class Arithmetic:
    """A record the compiler computed from other records of the file; ``how`` says from which."""

    record: Record
    how: str


@dataclass
class CompilationParsed(Parsed):
    arithmetic: list[Arithmetic] = field(default_factory=list)


def _day(text: str) -> date:
    return date(int(text[:4]), int(text[4:6]), int(text[6:]))


def _period_text(period: tuple[date, date]) -> str:
    return f"{period[0]:%Y%m%d}-{period[1]:%Y%m%d}"


def read_entries(path: Path) -> list[Entry]:
    """Every record of ``dataset.json`` with its line, in file order.

    Raises ImportFailed when the file is not JSON or not laid out one record per line (the
    locators and quotes rely on it).
    """
    text = platform_text(path, csv_cells=False)
    pairs: list[tuple[str, list]] = []
    try:
        rules.json_value(text, object_pairs_hook=lambda items: pairs.extend(items) or dict(items))
    except ValueError as error:
        raise ImportFailed([f"{path.name}:{getattr(error, 'lineno', '-')}:-: not JSON: {error}"]) from error
    expected = sum(len(v) for k, v in pairs if k not in ("from", "to", "requests", "users") and isinstance(v, list))
    entries: list[Entry] = []
    key, index = None, 0
    for number, line in enumerate(text.splitlines(), start=1):
        if match := _KEY_LINE.match(line):
            key, index = match.group(1), 0
        elif (match := _RECORD_LINE.match(line)) and key is not None:
            index += 1
            try:
                values = rules.json_value(match.group(1))
            except ValueError as error:
                raise ImportFailed([f"{path.name}:{number}:-: a record line that is not one JSON object"]) from error
            entries.append(Entry(key, index, number, match.group(1), values))
    if len(entries) != expected:
        raise ImportFailed(
            [
                f"{path.name}:-:-: found {len(entries)} record lines but the JSON holds {expected} records; "
                "expected one record per line"
            ]
        )
    return entries


def _problem(entry: Entry) -> str | None:
    values = entry.values
    for name in ("from", "to"):
        if not isinstance(values.get(name), str) or not _DAY.match(values[name]):
            return f"{name!r} is not a YYYYMMDD date"
    try:
        start, end = entry.period()
    except ValueError:
        return "not a calendar date"
    if end < start:
        return "'to' is before 'from'"
    return None


def _date_text(day: date) -> str:
    return f"{day.day} {day:%b %Y}"


def _note(mapping, period: tuple[date, date], value: str) -> str:
    kind = rules.period_kind(*period)
    label = rules.period_label(*period)
    if kind == "quarter":
        label = f"Q{label[-1]} {period[0].year}"
    elif kind == "half":
        label = f"H{label[-1]} {period[0].year}"
    row = mapping.find("note", _period_text(period)) or mapping.find("note", kind)
    text = row["notes"].format(label=label, start=_date_text(period[0]), end=_date_text(period[1]))
    parts = [mapping.find("note", "source")["notes"], text]
    if value == "0":
        parts.append(mapping.find("note", "zero")["notes"])
    return " ".join(parts)


def _arithmetic(entry: Entry, siblings: list[Entry], metric_fields: list[str], mapping) -> str | None:
    """How the compiler computed ``entry`` from ``siblings`` (same key), or None for a report."""
    period = entry.period()
    if mapping.find("cumulative_report", _period_text(period)):
        return None
    by_period = {e.period(): e for e in siblings if e is not entry}

    def agrees(parts: list[Entry], signs: list[int]) -> bool:
        return any(
            all(isinstance(p.values.get(f), int) for p in parts)
            and isinstance(entry.values.get(f), int)
            and entry.values[f] == sum(s * p.values[f] for p, s in zip(parts, signs, strict=True))
            for f in metric_fields
        )

    complement = mapping.find("complement", _period_text(period))
    if complement:
        whole_text, part_text = complement["maps_to"].split(" minus ")
        whole = by_period.get(tuple(_day(t) for t in whole_text.split("-")))
        part = by_period.get(tuple(_day(t) for t in part_text.split("-")))
        if whole and part and agrees([whole, part], [1, -1]):
            return f"line {whole.line} minus line {part.line}"
    inside = [p for p in by_period if rules.strictly_within(p, period)]
    for parts in (rules.minimal(inside), rules.maximal(inside)):
        if rules.tiles(parts, period):
            entries = [by_period[p] for p in sorted(parts)]
            if agrees(entries, [1] * len(entries)):
                return "the sum of lines " + ", ".join(str(e.line) for e in entries)
    return None


# The mapping's wording names the country as ``[country]``: the bot writes the name of the
# country the asking phone number belongs to, which the compilation does not record.
COUNTRY = "[country]"
# Where no source gives the bot's name for a country, the wording elides it rather than invent one.
ELIDED = "…"


def _named_countries(data_dir: Path) -> list[tuple[str, int, str]]:
    """(jurisdiction_id, year the period ends, name) for each Telegram figure whose wording names
    the country as the bot writes it (a screenshot's "Fulfilled requests from Germany for …")."""
    (template,) = (r["wording"] for r in read_csv(MAPPINGS / f"{MAPPING}.csv") if COUNTRY in r["wording"])
    before, after = template.split(COUNTRY)
    pattern = re.compile(re.escape(before) + r"(.+?)" + re.escape(after))
    found = []
    for row in read_csv(data_dir / "figures.csv"):
        match = row["platform_id"] == "telegram" and pattern.fullmatch(row["platform_wording"])
        if match and match.group(1) not in (COUNTRY, ELIDED):
            found.append((row["jurisdiction_id"], int(row["period_end"][:4]), match.group(1)))
    return found


def bot_country_names(data_dir: Path = DATA) -> dict[str, str]:
    """jurisdiction_id → the country name as the bot writes it in every figure that names it."""
    names: dict[str, set[str]] = {}
    for jurisdiction, _year, name in _named_countries(data_dir):
        names.setdefault(jurisdiction, set()).add(name)
    # A country the bot named two ways is not known well enough to name...
    return {j: next(iter(n)) for j, n in names.items() if len(n) == 1}


def bot_country_names_by_year(data_dir: Path = DATA) -> dict[tuple[str, int], str]:
    """(jurisdiction_id, year) → the name the bot wrote in the reports on periods ending that year.

    ...unless one year's reports name it one way: the bot's 2024 reports wrote "from the United
    States of America" (as 404 Media quoted them), its reports from 2025 on "from United States of
    America" (issue #69's pasted text)."""
    names: dict[tuple[str, int], set[str]] = {}
    for jurisdiction, year, name in _named_countries(data_dir):
        names.setdefault((jurisdiction, year), set()).add(name)
    return {key: next(iter(n)) for key, n in names.items() if len(n) == 1}


def bot_wording(template: str, name: str | None) -> str:
    """``template`` with ``[country]`` filled with the bot's name for it, or elided ("…")."""
    return template.replace(COUNTRY, name or ELIDED)


def parse(path: Path) -> CompilationParsed:
    """Every record of the file → two records (requests, users), an Arithmetic, or a Skip."""
    mapping = read_mapping(MAPPING)
    country_names = bot_country_names()
    names_by_year = bot_country_names_by_year()
    places = jurisdiction_lookup()
    metrics = {label: mapping.find("metric", label) for label in mapping.labels("metric")}
    platform = mapping.find("platform", "")["maps_to"]
    request_type = mapping.find("request_type", "")["maps_to"]
    entries = read_entries(path)
    valid = [e for e in entries if _problem(e) is None]
    by_key: dict[str, list[Entry]] = {}
    for entry in valid:
        by_key.setdefault(entry.key, []).append(entry)
    result = CompilationParsed()
    for entry in entries:
        base = f'{path.name} line {entry.line}, key "{entry.key}" entry {entry.index}'
        problem = _problem(entry)
        if problem:
            result.skips.append(Skip(base, entry.text, f"{problem}: not a period"))
            continue
        jurisdiction = places.code(entry.key)
        if jurisdiction is None or len(entry.key) != 3:
            result.skips.append(Skip(base, entry.text, f"{entry.key!r} is not an ISO alpha-3 code in jurisdictions"))
            continue
        period = entry.period()
        how = _arithmetic(entry, by_key[entry.key], list(metrics), mapping)
        for label, row in metrics.items():
            locator = f'{base} (from {entry.values["from"]} to {entry.values["to"]}), field "{label}"'
            value = entry.values.get(label)
            if not isinstance(value, int) or isinstance(value, bool) or value < 0:
                result.skips.append(Skip(locator, entry.text, f"{label} is {value!r}, not a count"))
                continue
            record = Record(
                platform_id=platform,
                jurisdiction_id=jurisdiction,
                period_start=period[0].isoformat(),
                period_end=period[1].isoformat(),
                request_type_id=request_type,
                metric_id=row["maps_to"],
                value_kind="exact",
                value=str(value),
                platform_wording=bot_wording(
                    row["wording"],
                    country_names.get(jurisdiction) or names_by_year.get((jurisdiction, period[1].year)),
                ),
                source_locator=locator,
                quote=entry.text,
                notes=_note(mapping, period, str(value)),
            )
            if how:
                result.arithmetic.append(Arithmetic(record, how))
            else:
                result.records.append(record)
    return result


# Plan ------------------------------------------------------------------------------------


def _natural_key(row: dict) -> tuple:
    return (
        row["platform_id"],
        row["jurisdiction_id"],
        row["period_start"],
        row["period_end"],
        row["request_type_id"],
        row["metric_id"],
    )


def derived_figures(rows: list[dict], data_dir: Path = DATA) -> dict[tuple, dict]:
    """What the build derives from ``rows`` (figures.csv rows as text), by natural key."""
    units = {r["metric_id"]: r["unit"] for r in read_csv(data_dir / "metrics.csv")}
    typed = [{**r, "value": Decimal(r["value"]) if r.get("value") else None} for r in rows]
    return {_natural_key(d.row): d.row for d in derive.all_derived(typed, units)}


def plan(parsed: Parsed, source_id: str, data_dir: Path = DATA) -> Plan:
    """``core.plan_import`` for the reported records, then the compiler's arithmetic.

    An arithmetic record whose period a source reported (the bot's text listed Q4 2024, say) is
    handled like any record: the same value corroborates that figure. Otherwise it corroborates
    the figure the build derives for its period (from data/ plus this plan's adds) when the
    values agree; a disagreement from this source with the record's text and value makes it
    ``recorded``; anything else is a skip that says what to record.
    """
    arithmetic = list(getattr(parsed, "arithmetic", []))
    figures = {r["figure_id"]: r for r in read_csv(data_dir / "figures.csv")}
    reported = [a for a in arithmetic if figure_id_for(a.record) in figures]
    rest = [a for a in arithmetic if figure_id_for(a.record) not in figures]
    result = plan_import(Parsed(parsed.records + [a.record for a in reported], list(parsed.skips)), source_id, data_dir)
    if not rest:
        return result
    platform_rows = [r for r in figures.values() if r["platform_id"] == rest[0].record.platform_id]
    derived = derived_figures(platform_rows + result.adds, data_dir)
    corroborated = {(r["figure_id"], r["source_id"]) for r in read_csv(data_dir / "corroborations.csv")}
    recorded = {
        (r["claimed_text"], Decimal(r["claimed_value"]))
        for r in read_csv(data_dir / "disagreements.csv")
        if r["source_id"] == source_id and r["claimed_value"]
    }
    for item in rest:
        record = item.record
        row = derived.get(_natural_key(record.__dict__))
        if row is not None and Decimal(row["value"]) == Decimal(record.value):
            if (row["figure_id"], source_id) in corroborated:
                result.corroborated.append(row)
            else:
                result.corroborations.append(
                    {
                        "figure_id": row["figure_id"],
                        "source_id": source_id,
                        "source_locator": record.source_locator,
                        "quote": record.quote,
                        "notes": f"The compiler's arithmetic ({item.how}), not a report; "
                        "the build derives the same value.",
                    }
                )
        elif (record.quote, Decimal(record.value)) in recorded:
            result.recorded.append({**record.__dict__, "figure_id": figure_id_for(record), "source_id": source_id})
        else:
            derives = f"derives {row['value']} ({row['figure_id']})" if row else "derives nothing for this period"
            result.skips.append(
                Skip(
                    record.source_locator,
                    record.quote,
                    f"not recorded: the compiler's arithmetic ({item.how}) gives {record.value}, and the build "
                    f"{derives}; record a disagreement from {source_id} with this record as claimed_text",
                )
            )
    result.corroborations.sort(key=lambda r: (r["figure_id"], r["source_id"]))
    return result


# A newer version of the compilation ------------------------------------------------------


def recite(parsed: CompilationParsed, old_source_id: str, new_source_id: str, data_dir: Path = DATA) -> dict[str, int]:
    """Move the citations of an older version of the file to this one, where the record is unchanged.

    A figure or corroboration citing ``old_source_id`` whose quote is still a record of the file
    for the same figure gets ``new_source_id`` and the record's new locator; a disagreement whose
    claimed text is still a record gets ``new_source_id`` and the record's new line in its
    explanation. Anything whose record changed or went is left citing the old version (then
    import the file and settle what differs). Returns rows changed per file; rerunning changes nothing.
    """
    records = parsed.records + [a.record for a in parsed.arithmetic]
    by_figure = {(figure_id_for(r), r.quote): r for r in records}
    by_quote: dict[str, Record] = {}
    for record in records:
        by_quote.setdefault(record.quote, record)
    changed = {}
    for name, fields in (("figures.csv", FIGURE_FIELDS), ("corroborations.csv", CORROBORATION_FIELDS)):
        rows = read_csv(data_dir / name)
        count = 0
        for row in rows:
            figure_id = row["figure_id"].removesuffix("-derived")
            record = by_figure.get((figure_id, row["quote"]))
            if row["source_id"] == old_source_id and record is not None:
                row.update(source_id=new_source_id, source_locator=record.source_locator)
                count += 1
        if count:
            replace_file(data_dir / name, csv_text(fields, rows).encode("utf-8"))
            changed[name] = count
    rows = read_csv(data_dir / "disagreements.csv")
    count = 0
    for row in rows:
        record = by_quote.get(row["claimed_text"])
        if row["source_id"] == old_source_id and record is not None:
            line = re.search(r" line (\d+),", record.source_locator).group(1)
            row.update(
                source_id=new_source_id,
                explanation=re.sub(r"dataset\.json line \d+", f"dataset.json line {line}", row["explanation"], count=1),
            )
            count += 1
    if count:
        replace_file(data_dir / "disagreements.csv", csv_text(DISAGREEMENT_FIELDS, rows).encode("utf-8"))
        changed["disagreements.csv"] = count
    return changed


COMPILATION = Format(
    "telegram-compilation",
    "Te-k/telegram-transparency dataset.json: ISO alpha-3 → [{from, to, requests, users}], one record per line",
    parse,
    plan,
)
FORMATS = [COMPILATION]
