"""The importers' shared core: records, mappings, jurisdictions, the plan and the write.

See the package docstring for the interface. Nothing here prints; everything is data in, data out.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import date
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from pathlib import Path

import pycountry

from .. import rules
from ..files import csv_text, read_csv, replace_files
from ..paths import PACKAGE, ROOT
from ..vocabulary import VALUE_COLUMNS, value_token

DATA = ROOT / "data"
MAPPINGS = Path(__file__).resolve().parent / "mappings"


def _columns(resource: str) -> list[str]:
    """The column order of a resource's CSV, as datapackage.json's Table Schema defines it."""
    descriptor = json.loads(PACKAGE.read_text(encoding="utf-8"))
    (schema,) = (r["schema"] for r in descriptor["resources"] if r["name"] == resource)
    return [f["name"] for f in schema["fields"]]


# The importer writes rows in the contract's column order, so a descriptor change reaches it.
FIGURE_FIELDS = _columns("figures")
CORROBORATION_FIELDS = _columns("corroborations")


class ImportFailed(Exception):
    """The file or the mapping cannot be imported; ``problems`` are ``file:line:field: message`` lines."""

    def __init__(self, problems: list[str]):
        super().__init__("\n".join(problems))
        self.problems = problems


@dataclass(frozen=True)
class Record:
    """One figure a file states (see the package docstring). Values are canonical number text."""

    platform_id: str
    jurisdiction_id: str
    period_start: str  # ISO date
    period_end: str  # ISO date
    request_type_id: str
    metric_id: str
    value_kind: str  # a key of vocabulary.VALUE_KINDS
    value: str
    platform_wording: str
    source_locator: str
    quote: str
    value_low: str = ""
    value_high: str = ""
    notes: str = ""
    figure_id: str = ""


@dataclass(frozen=True)
class Skip:
    """A record of the file that becomes no figure, and why."""

    source_locator: str
    quote: str
    reason: str


@dataclass
class Parsed:
    records: list[Record] = field(default_factory=list)
    skips: list[Skip] = field(default_factory=list)


@dataclass(frozen=True)
class Format:
    """A file format: ``parse(path) -> Parsed``; ``name`` is the CLI's ``<format>``.

    ``plan`` replaces ``plan_import`` for a format whose records need more than a figure-by-figure
    comparison (it must return a ``Plan`` that ``write_plan`` can write).
    """

    name: str
    description: str
    parse: Callable[[Path], Parsed]
    plan: Callable[..., Plan] | None = None


@dataclass(frozen=True)
class Change:
    """A record whose figure exists with another value.

    ``status``: ``pending`` (not written: add a corrections row or a disagreements row, then
    import again), ``corrected`` (a corrections row names this new value: written) or
    ``recorded`` (a disagreement from this source with this value is recorded: nothing to write).
    """

    figure_id: str
    old: dict
    new: dict
    status: str


def change_note(status: str, *, dry_run: bool) -> str:
    """What happens to a ``Change`` of ``status``, in the words the import command prints."""
    return {
        "pending": "not written: add a corrections row (or a disagreements row) first",
        "corrected": ("would be written" if dry_run else "written") + ": data/corrections.csv has this value",
        "recorded": "not written: a disagreement with this value is recorded",
    }[status]


@dataclass
class Plan:
    """What importing a file would do to data/ (see the package docstring)."""

    source_id: str
    adds: list[dict] = field(default_factory=list)
    same: list[dict] = field(default_factory=list)
    corroborations: list[dict] = field(default_factory=list)
    corroborated: list[dict] = field(default_factory=list)
    changes: list[Change] = field(default_factory=list)
    skips: list[Skip] = field(default_factory=list)
    # Records that are no figure of their own, whose number a disagreements row from this source
    # already accounts for (e.g. a compiler's sum): nothing to write.
    recorded: list[dict] = field(default_factory=list)

    @property
    def pending(self) -> list[Change]:
        return [c for c in self.changes if c.status == "pending"]

    @property
    def writes_nothing(self) -> bool:
        return not (self.adds or self.corroborations or any(c.status == "corrected" for c in self.changes))


# Mappings --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Mapping:
    """A format's category table: (field, label, scope) → maps_to, wording, notes.

    ``field`` names what is mapped (request_type, metric, section, ...), ``label`` is the
    platform's own text, ``scope`` narrows a row (e.g. to one country code; empty = any), and an
    empty ``maps_to`` means "not a figure", with the reason in ``notes``.
    """

    name: str
    rows: dict[tuple[str, str, str], dict]

    def find(self, field_name: str, label: str, scope: str = "") -> dict | None:
        key = (field_name, label.strip())
        return self.rows.get((*key, scope)) or self.rows.get((*key, ""))

    def labels(self, field_name: str) -> list[str]:
        return sorted({label for f, label, _ in self.rows if f == field_name})


def read_mapping(name: str, folder: Path = MAPPINGS) -> Mapping:
    """``mappings/<name>.csv`` (columns field,label,scope,maps_to,wording,notes) as a ``Mapping``."""
    rows = {}
    for row in read_csv(folder / f"{name}.csv"):
        rows[(row["field"], row["label"], row.get("scope", ""))] = row
    return Mapping(name, rows)


# Jurisdictions --------------------------------------------------------------------------


class JurisdictionLookup:
    """Country names and codes → jurisdiction_id, through data/jurisdictions.csv, pycountry and
    the explicit exceptions in ``mappings/jurisdictions.csv`` (never by guesswork)."""

    def __init__(self, data_dir: Path = DATA, folder: Path = MAPPINGS):
        rows = read_csv(data_dir / "jurisdictions.csv")
        self.ids = {r["jurisdiction_id"] for r in rows}
        self.by_code = {}
        for r in rows:
            for code in (r["alpha2"], r["alpha3"]):
                if code:
                    self.by_code[code.upper()] = r["jurisdiction_id"]
        self.by_name = {r["name"].casefold(): r["jurisdiction_id"] for r in rows}
        self.exceptions = {r["label"].casefold(): r["jurisdiction_id"] for r in read_csv(folder / "jurisdictions.csv")}

    def code(self, code: str) -> str | None:
        return self.by_code.get(code.strip().upper())

    def name(self, name: str) -> str | None:
        key = " ".join(name.split()).casefold()
        if key in self.exceptions:
            return self.exceptions[key] or None
        if key in self.by_name:
            return self.by_name[key]
        try:
            country = pycountry.countries.lookup(key)
        except LookupError:
            return None
        return self.by_code.get(country.alpha_3)


_LOOKUPS: dict[tuple[Path, Path], JurisdictionLookup] = {}


def jurisdiction_lookup(data_dir: Path = DATA, folder: Path = MAPPINGS) -> JurisdictionLookup:
    key = (data_dir, folder)
    if key not in _LOOKUPS:
        _LOOKUPS[key] = JurisdictionLookup(data_dir, folder)
    return _LOOKUPS[key]


# Cells ----------------------------------------------------------------------------------

_NUMBER = re.compile(r"^-?[0-9]+(\.[0-9]+)?$")
_THOUSANDS = re.compile(r"^[0-9]{1,3}(,[0-9]{3})+(\.[0-9]+)?$")


def number_cell(text: str) -> str | None:
    """A file's number cell as canonical text: "1,234" → "1234", "0.50" → "0.5", "" → None.

    Raises ValueError for anything else ("n/a", "1e3", "12%"), so a parser can skip it with a reason.
    """
    written = text.strip()
    text = written.replace("\u00a0", "").replace(" ", "")
    if text == "":
        return None
    if _THOUSANDS.match(text):
        text = text.replace(",", "")
    if not _NUMBER.match(text):
        # As the file writes it: "about 20" was told as 'about20'.
        raise ValueError(f"not a number: {written!r}")
    number = Decimal(text)
    if number == number.to_integral_value():
        return str(int(number))
    return format(number.normalize(), "f")


def count_cell(text: str) -> str | None:
    """``number_cell`` for a cell that counts requests or accounts, or gives a share of them: a
    number below zero ("-3") raises ValueError too, with the cell, for no platform publishes one
    (the row is damaged; proposed as a figure, validate refused it only later)."""
    value = number_cell(text)
    if value is not None and value.startswith("-"):
        raise ValueError(f"{text.strip()!r} is below zero: a count or percentage never is, so the row is damaged")
    return value


def below_zero(cells: dict[str, str]) -> str | None:
    """Why a row whose cells ({column: cell}) hold a number below zero is skipped whole ("Accounts
    is -3: ..."), or None: a row with a damaged count is trusted for none of its figures. A cell
    that is no number is left to ``number_cell`` (that cell's skip)."""
    negative = []
    for column, cell in cells.items():
        try:
            value = number_cell(cell)
        except ValueError:
            continue
        if value is not None and value.startswith("-"):
            negative.append(f"{column} is {cell.strip()}")
    if not negative:
        return None
    return f"{'; '.join(negative)}: a count or percentage is never below zero, so the row is damaged"


def period_of_end(end: date, months: int) -> tuple[str, str]:
    """The period of ``months`` months ending on ``end`` (a month's last day), as ISO dates."""
    month = end.month - months + 1
    year = end.year
    while month < 1:
        month += 12
        year -= 1
    return date(year, month, 1).isoformat(), end.isoformat()


def figure_id_for(record: Record) -> str:
    """The standard id: ``<platform>-<jurisdiction>-<period label>-<request type>-<metric>``."""
    if record.figure_id:
        return record.figure_id
    start, end = date.fromisoformat(record.period_start), date.fromisoformat(record.period_end)
    label = rules.period_label(start, end)
    return f"{record.platform_id}-{record.jurisdiction_id.lower()}-{label}-{record.request_type_id}-{record.metric_id}"


# Plan -----------------------------------------------------------------------------------


def _token(row: dict) -> str:
    numbers = {}
    for name in VALUE_COLUMNS:
        text = row.get(name) or ""
        try:
            numbers[name] = str(Decimal(text).normalize()) if text else ""
        except InvalidOperation:
            numbers[name] = text
    return value_token({**row, **numbers})


def _natural_key(row: dict) -> tuple:
    return (
        row["platform_id"],
        row["jurisdiction_id"],
        row["period_start"],
        row["period_end"],
        row["request_type_id"],
        row["metric_id"],
    )


def _vocabulary_problems(records: list[Record], data_dir: Path) -> list[str]:
    known = {
        "platform_id": {r["platform_id"] for r in read_csv(data_dir / "platforms.csv")},
        "jurisdiction_id": {r["jurisdiction_id"] for r in read_csv(data_dir / "jurisdictions.csv")},
        "request_type_id": {r["request_type_id"] for r in read_csv(data_dir / "request_types.csv")},
        "metric_id": {r["metric_id"] for r in read_csv(data_dir / "metrics.csv")},
    }
    problems = []
    for record in records:
        for column, ids in known.items():
            value = getattr(record, column)
            if value not in ids:
                problems.append(f"{record.source_locator}:{column}: {value!r} is not in data/ ({column})")
    return problems


def _figure_row(record: Record, figure_id: str, source_id: str) -> dict:
    row = {name: getattr(record, name, "") for name in FIGURE_FIELDS if name not in ("figure_id", "source_id")}
    return {**row, "figure_id": figure_id, "source_id": source_id}


# The tables of data/ an import reads: a damaged one is read wrong, not refused, by csv.DictReader.
READ_TABLES = (
    "sources",
    "source_files",
    "platforms",
    "jurisdictions",
    "request_types",
    "metrics",
    "figures",
    "corroborations",
    "disagreements",
    "corrections",
)


def require_readable_data(data_dir: Path | None = None) -> None:
    """Raise ImportFailed, naming each file and line, when a table of data/ that the import reads
    is not UTF-8, starts with a BOM, has another header than its schema's, or has a record that
    is not well-formed CSV or has another number of cells than its header.

    Read as they were, a BOM or a renamed header in data/figures.csv was "cannot be read as
    telegram-compilation: 'figure_id'", and a byte that is not UTF-8 "'utf-8' codec can't decode
    byte 0xff in position 6414", each blaming the file imported; and a quote deleted from a row
    shifted its cells, which the plan then read as that figure's value, period and quote."""
    data_dir = DATA if data_dir is None else data_dir
    problems = []
    for table in READ_TABLES:
        path = data_dir / f"{table}.csv"
        if path.exists():
            stat = path.stat()
            told = _table_damage(path.resolve(), stat.st_mtime_ns, stat.st_size, table)
            problems += [f"{data_dir.name}/{path.name}:{problem}" for problem in told]
    if problems:
        raise ImportFailed(
            [
                f"{problem}: the import would misread it; fix it (make validate says how), then import again"
                for problem in problems
            ]
        )


@lru_cache(maxsize=64)
def _table_damage(path: Path, mtime_ns: int, size: int, table: str) -> tuple[str, ...]:
    """``line:-: message`` of what keeps ``path`` from reading as ``table``'s rows. Kept per
    file version (its time and size): data/figures.csv takes 0.2 s, and a session that imports
    file after file reads the same data/."""
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as error:
        line = raw[: error.start].count(b"\n") + 1
        return (f"{line}:-: is not valid UTF-8",)
    if text.startswith("\ufeff"):
        return ("1:-: starts with a byte-order mark",)
    columns = _columns(table)
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    problems, start = [], 1
    try:
        header = next(reader, [])
        if header != columns:
            return (f"1:-: header is not the schema's columns ({', '.join(columns)})",)
        start = 2
        for cells in reader:
            if cells and len(cells) != len(header):
                problems.append(f"{start}:-: has {len(cells)} cells, the header has {len(header)}")
            start = reader.line_num + 1
    except csv.Error as error:
        problems.append(f"{start}:-: is not well-formed CSV ({error})")
    return tuple(problems)


def require_source(source_id: str, data_dir: Path = DATA) -> dict:
    """The row of ``source_id`` in data/sources.csv; raises ImportFailed when there is none."""
    sources = {r["source_id"]: r for r in read_csv(data_dir / "sources.csv")}
    if source_id not in sources:
        raise ImportFailed(
            [f"{data_dir / 'sources.csv'}:-:source_id: {source_id!r} is not a source; add its row first"]
        )
    return sources[source_id]


def plan_import(parsed: Parsed, source_id: str, data_dir: Path = DATA) -> Plan:
    """Decide what each parsed record does to data/ (see the package docstring).

    Raises ImportFailed when the source is not in data/sources.csv or a record names an id that
    data/ does not define (a mapping to fix, not a record to skip).
    """
    sources = {r["source_id"]: r for r in read_csv(data_dir / "sources.csv")}
    if source_id not in sources:
        raise ImportFailed(
            [f"{data_dir / 'sources.csv'}:-:source_id: {source_id!r} is not a source; add its row first"]
        )
    problems = _vocabulary_problems(parsed.records, data_dir)
    if problems:
        raise ImportFailed(problems)

    figures = {r["figure_id"]: r for r in read_csv(data_dir / "figures.csv")}
    by_key = {_natural_key(r): fid for fid, r in figures.items()}
    corroborated = {(r["figure_id"], r["source_id"]) for r in read_csv(data_dir / "corroborations.csv")}
    disputed = defaultdict(set)
    for row in read_csv(data_dir / "disagreements.csv"):
        if row["claimed_value"]:
            disputed[(row["figure_id"], row["source_id"])].add(Decimal(row["claimed_value"]))
    corrected = defaultdict(set)
    for row in read_csv(data_dir / "corrections.csv"):
        corrected[row["figure_id"]].add(row["new_value"])

    plan = Plan(source_id, skips=list(parsed.skips))
    # The same figure twice in one file: the same value is a repeat; different values are a
    # conflict the curator must settle, so neither is taken.
    by_id: dict[str, list[Record]] = defaultdict(list)
    for record in parsed.records:
        row = _figure_row(record, figure_id_for(record), source_id)
        by_id[by_key.get(_natural_key(row), row["figure_id"])].append(record)
    for figure_id in sorted(by_id):
        records = by_id[figure_id]
        first = _figure_row(records[0], figure_id, source_id)
        tokens = {_token(_figure_row(r, figure_id, source_id)) for r in records}
        if len(tokens) > 1:
            for record in records:
                others = "; ".join(r.source_locator for r in records if r is not record)
                plan.skips.append(
                    Skip(
                        record.source_locator,
                        record.quote,
                        f"the file gives {figure_id} again with another value ({others})",
                    )
                )
            continue
        for record in records[1:]:
            plan.skips.append(
                Skip(
                    record.source_locator, record.quote, f"repeats {first['source_locator']} ({figure_id}, same value)"
                )
            )
        existing = figures.get(figure_id)
        if existing is None:
            plan.adds.append(first)
            continue
        new_token = _token(first)
        if _token(existing) == new_token:
            if existing["source_id"] == source_id:
                plan.same.append(existing)
            elif (figure_id, source_id) in corroborated:
                plan.corroborated.append(existing)
            else:
                plan.corroborations.append(
                    {
                        "figure_id": figure_id,
                        "source_id": source_id,
                        "source_locator": first["source_locator"],
                        "quote": first["quote"],
                        "notes": "",
                    }
                )
            continue
        if new_token in corrected.get(figure_id, set()):
            status = "corrected"
        elif first["value"] and Decimal(first["value"]) in disputed.get((figure_id, source_id), set()):
            status = "recorded"
        else:
            status = "pending"
        plan.changes.append(Change(figure_id, existing, first, status))
    plan.adds.sort(key=lambda r: r["figure_id"])
    plan.corroborations.sort(key=lambda r: (r["figure_id"], r["source_id"]))
    return plan


def write_plan(plan: Plan, data_dir: Path = DATA) -> dict[str, int]:
    """Write the plan's adds, corroborations and corrected values; pending changes stay unwritten.

    Returns rows written per file (``{"figures.csv": n, "corroborations.csv": m}``); a file with
    nothing to write is left untouched. Both files are written or neither (``replace_files``):
    figures.csv was replaced before corroborations.csv was read, so a failure there left the
    figures added and their corroborations not.
    """
    written, contents = {}, {}
    corrected = {c.figure_id: c.new for c in plan.changes if c.status == "corrected"}
    if plan.adds or corrected:
        path = data_dir / "figures.csv"
        rows = {r["figure_id"]: r for r in read_csv(path)}
        for figure_id, new in corrected.items():
            rows[figure_id] = corrected_row(rows[figure_id], new)
        for row in plan.adds:
            rows[row["figure_id"]] = row
        contents[path] = csv_text(FIGURE_FIELDS, [rows[k] for k in sorted(rows)]).encode("utf-8")
        written["figures.csv"] = len(plan.adds) + len(corrected)
    if plan.corroborations:
        path = data_dir / "corroborations.csv"
        rows = {(r["figure_id"], r["source_id"]): r for r in read_csv(path)}
        for row in plan.corroborations:
            rows[(row["figure_id"], row["source_id"])] = row
        contents[path] = csv_text(CORROBORATION_FIELDS, [rows[k] for k in sorted(rows)]).encode("utf-8")
        written["corroborations.csv"] = len(plan.corroborations)
    replace_files(contents)
    return written


# What a corrected value may change in a curated figure: the value, and the evidence for it (the
# source that shows it, where, and the quote that contains it; validation requires the number to be
# in the quote). The platform's wording, notes, period and ids are curated text and stay.
CORRECTED_COLUMNS = (*VALUE_COLUMNS, "value_kind", "source_id", "source_locator", "quote")


def corrected_row(existing: dict, new: dict) -> dict:
    """``existing`` (a figures.csv row) with ``new``'s value and evidence, every other column kept."""
    return {**existing, **{name: new.get(name, "") for name in CORRECTED_COLUMNS}}


def with_notes(record: Record, notes: str) -> Record:
    """``record`` with ``notes`` (the mapping's note for its category)."""
    return replace(record, notes=notes)
