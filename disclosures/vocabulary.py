"""The shared vocabularies the pipeline owns: how a value was reported, and the site's names.

Each is defined here once. The build writes what the site needs from them into the database
(``figures.value_text``, ``figures.value_note``), so templates and plugins never re-implement them.
"""

from __future__ import annotations

import ipaddress
import re
import socket
from dataclasses import dataclass
from decimal import Decimal
from urllib.parse import urlsplit

# The database's file stem, which is also its name in every Datasette URL (/disclosures/...).
DATABASE_NAME = "disclosures"
DATABASE_FILE = f"{DATABASE_NAME}.db"
# The package's resources and their fields with their Table Schema types: the build loads and
# queries them, the rules and the site read them by name, and the dataset's users' code reads the
# columns of its downloads. A package without one of them, or with another type, is refused
# (a renamed "disagreements" failed the build with "no such table", a renamed "period_start"
# ended validation in a ValueError, a "period_start" typed string the build in a TypeError).
# Adding a field is free; renaming, retyping or removing one is a change here and in the code
# that reads it, together, and a new major version for the data's users.
PACKAGE_FIELDS: dict[str, dict[str, str]] = {
    "platforms": {
        "platform_id": "string",
        "name": "string",
        "operator": "string",
        "headquarters_country": "string",
        "transparency_report_url": "string",
        "not_reported": "string",
        "notes": "string",
        "search_log": "string",
        "cadence": "string",
        "published_up_to": "date",
        "freshness_source_id": "string",
        "freshness_quote": "string",
        "published_up_to_checked": "date",
        "published_up_to_checked_basis": "string",
        "dsa_published_up_to": "date",
        "dsa_freshness_source_id": "string",
        "dsa_freshness_quote": "string",
    },
    "jurisdictions": {
        "jurisdiction_id": "string",
        "kind": "string",
        "alpha2": "string",
        "alpha3": "string",
        "numeric": "string",
        "name": "string",
        "other_names": "string",
        "notes": "string",
    },
    "source_tiers": {"tier_id": "string", "rank": "integer", "label": "string", "definition": "string"},
    "sources": {
        "source_id": "string",
        "title": "string",
        "publisher": "string",
        "url": "string",
        "published_date": "string",
        "retrieved_date": "date",
        "kind": "string",
        "tier": "string",
        "licence": "string",
        "archived_url": "string",
        "notes": "string",
    },
    "metrics": {"metric_id": "string", "label": "string", "unit": "string", "definition": "string"},
    "request_types": {"request_type_id": "string", "label": "string", "definition": "string"},
    "figures": {
        "figure_id": "string",
        "platform_id": "string",
        "jurisdiction_id": "string",
        "period_start": "date",
        "period_end": "date",
        "request_type_id": "string",
        "metric_id": "string",
        "value_kind": "string",
        "value": "number",
        "value_low": "number",
        "value_high": "number",
        "platform_wording": "string",
        "source_id": "string",
        "source_locator": "string",
        "quote": "string",
        "notes": "string",
    },
    "authority_reports": {
        "report_id": "string",
        "platform_id": "string",
        "jurisdiction_id": "string",
        "authority": "string",
        "period_start": "date",
        "period_end": "date",
        "period_text": "string",
        "measure": "string",
        "value_kind": "string",
        "value": "number",
        "unit": "string",
        "source_id": "string",
        "quote": "string",
        "notes": "string",
    },
    "events": {
        "event_id": "string",
        "event_date": "date",
        "platform_id": "string",
        "title": "string",
        "description": "string",
        "source_id": "string",
        "quote": "string",
    },
    "cases": {
        "case_id": "string",
        "platform_id": "string",
        "jurisdiction_id": "string",
        "received_text": "string",
        "disclosed_date": "string",
        "authority": "string",
        "legal_process": "string",
        "requested": "string",
        "produced": "string",
        "source_id": "string",
        "quote": "string",
        "notes": "string",
    },
    "corroborations": {
        "figure_id": "string",
        "source_id": "string",
        "source_locator": "string",
        "quote": "string",
        "notes": "string",
    },
    "disagreements": {
        "disagreement_id": "string",
        "figure_id": "string",
        "source_id": "string",
        "claimed_value": "number",
        "claimed_text": "string",
        "kind": "string",
        "explanation": "string",
    },
    "corrections": {
        "correction_id": "string",
        "figure_id": "string",
        "old_value": "string",
        "new_value": "string",
        "reason": "string",
        "source_id": "string",
        "corrected_date": "date",
    },
    "source_files": {"source_id": "string", "file_name": "string", "sha256": "string", "notes": "string"},
}
PACKAGE_RESOURCES = tuple(PACKAGE_FIELDS)
# Each resource's primaryKey, and its foreign keys (a field: the "resource.field" it refers to).
# The build creates each table with them and checks every reference once loaded: a package
# without the figures' key to sources passed validation with a figure naming a source it lacks.
# A key may be added beside them; changing one is a new major version, as for a field.
PACKAGE_KEYS: dict[str, tuple[tuple[str, ...], dict[str, str]]] = {
    "platforms": (
        ("platform_id",),
        {"freshness_source_id": "sources.source_id", "dsa_freshness_source_id": "sources.source_id"},
    ),
    "jurisdictions": (("jurisdiction_id",), {}),
    "source_tiers": (("tier_id",), {}),
    "sources": (("source_id",), {"tier": "source_tiers.tier_id"}),
    "metrics": (("metric_id",), {}),
    "request_types": (("request_type_id",), {}),
    "figures": (
        ("figure_id",),
        {
            "platform_id": "platforms.platform_id",
            "jurisdiction_id": "jurisdictions.jurisdiction_id",
            "request_type_id": "request_types.request_type_id",
            "metric_id": "metrics.metric_id",
            "source_id": "sources.source_id",
        },
    ),
    "authority_reports": (
        ("report_id",),
        {
            "platform_id": "platforms.platform_id",
            "jurisdiction_id": "jurisdictions.jurisdiction_id",
            "source_id": "sources.source_id",
        },
    ),
    "events": (("event_id",), {"platform_id": "platforms.platform_id", "source_id": "sources.source_id"}),
    "cases": (
        ("case_id",),
        {
            "platform_id": "platforms.platform_id",
            "jurisdiction_id": "jurisdictions.jurisdiction_id",
            "source_id": "sources.source_id",
        },
    ),
    "corroborations": (("figure_id", "source_id"), {"source_id": "sources.source_id"}),
    "disagreements": (("disagreement_id",), {"figure_id": "figures.figure_id", "source_id": "sources.source_id"}),
    "corrections": (("correction_id",), {"source_id": "sources.source_id"}),
    "source_files": (("source_id",), {"source_id": "sources.source_id"}),
}
# The fields every row must fill (``"required": true``) and those no two rows may share
# (``"unique": true``): a package may add such constraints, not drop these. Without "required" on
# figures' quote, a figure with no quote passed validation and was published.
PACKAGE_REQUIRED: dict[str, frozenset[str]] = {
    "platforms": frozenset(
        {
            "platform_id",
            "name",
            "operator",
            "headquarters_country",
            "transparency_report_url",
            "not_reported",
            "cadence",
        }
    ),
    "jurisdictions": frozenset({"jurisdiction_id", "kind", "name"}),
    "source_tiers": frozenset({"tier_id", "rank", "label", "definition"}),
    "sources": frozenset({"source_id", "title", "publisher", "url", "retrieved_date", "kind", "tier"}),
    "metrics": frozenset({"metric_id", "label", "unit", "definition"}),
    "request_types": frozenset({"request_type_id", "label", "definition"}),
    "figures": frozenset(
        {
            "figure_id",
            "platform_id",
            "jurisdiction_id",
            "period_start",
            "period_end",
            "request_type_id",
            "metric_id",
            "value_kind",
            "platform_wording",
            "source_id",
            "quote",
        }
    ),
    "authority_reports": frozenset(
        {
            "report_id",
            "platform_id",
            "jurisdiction_id",
            "authority",
            "period_text",
            "measure",
            "value_kind",
            "value",
            "unit",
            "source_id",
            "quote",
        }
    ),
    "events": frozenset({"event_id", "event_date", "platform_id", "title", "description", "source_id", "quote"}),
    "cases": frozenset(
        {
            "case_id",
            "platform_id",
            "jurisdiction_id",
            "received_text",
            "disclosed_date",
            "authority",
            "legal_process",
            "requested",
            "produced",
            "source_id",
            "quote",
        }
    ),
    "corroborations": frozenset({"figure_id", "source_id", "quote"}),
    "disagreements": frozenset({"disagreement_id", "source_id", "claimed_text", "kind", "explanation"}),
    "corrections": frozenset({"correction_id", "figure_id", "old_value", "reason", "source_id", "corrected_date"}),
    "source_files": frozenset({"source_id", "file_name", "sha256"}),
}
# The least minimum each numeric field must keep: counts and percentages are never negative,
# and a tier's rank starts at 1. Without it a figure of -13 requests passed validate and build.
# A field may declare a higher minimum (tighter), not a lower one or none.
PACKAGE_MINIMUM: dict[str, dict[str, int]] = {
    "figures": {"value": 0, "value_low": 0, "value_high": 0},
    "authority_reports": {"value": 0},
    "disagreements": {"claimed_value": 0},
    "source_tiers": {"rank": 1},
}

PACKAGE_UNIQUE: dict[str, frozenset[str]] = {
    "jurisdictions": frozenset({"alpha2", "alpha3", "numeric", "name"}),
    "source_tiers": frozenset({"rank"}),
}


# Tables and views the build writes into the database beside the package's resources. A resource
# of one of these names passed validate, then the build failed with "table coverage already
# exists" (tests/test_validate.py keeps this in step with a built database).
BUILD_TABLES = frozenset(
    {
        "coverage",
        "coverage_cells",
        "dataset",
        "derivations_left_out",
        "facet_counts",
        "facet_pair_counts",
        "figure_inputs",
        "figures_series",
        "freshness",
        "freshness_series",
        "home_numbers",
        "period_names",
        "platform_freshness",
        "release_changes",
        "release_corrections",
        "release_files",
        "release_table_changes",
        "releases",
        "requests_and_accounts",
        "search_text",
        "series_gaps",
        "series_members",
        "table_counts",
    }
)
# Names the build makes from others' (or SQLite reserves): each platform's coverage view
# (<platform_id>_coverage, so it depends on platforms.csv), a table's full-text index and its
# shadow tables (<table>_fts, <table>_fts_data, ...), an index (idx_<table>_<columns>: SQLite's
# indexes share the tables' names), and SQLite's own (sqlite_stat1).
BUILD_TABLE_PATTERNS = (
    re.compile(r"[a-z0-9_]+_coverage"),
    re.compile(r"[a-z0-9_]+_fts(?:_config|_data|_docsize|_idx)?"),
    re.compile(r"idx_[a-z0-9_]*"),
    re.compile(r"sqlite_[a-z0-9_]*"),
)
# SQLite's names for a row's own id, which a column of that name hides: the build reads rows by
# it, and a field named rowid failed the build ("datatype mismatch"). "_rowid_", the third name,
# is refused by rules.SAFE_NAME.
ROWID_NAMES = frozenset({"rowid", "oid"})


def built_by_the_build(table: str) -> bool:
    """Whether the build writes a table, view or index of this name itself (``BUILD_TABLES``,
    ``BUILD_TABLE_PATTERNS``), so that no resource may have it."""
    return table in BUILD_TABLES or any(pattern.fullmatch(table) for pattern in BUILD_TABLE_PATTERNS)


@dataclass(frozen=True)
class ValueKind:
    """How a platform stated a number.

    ``columns``: the value columns that must be filled (the others must be empty).
    ``display``: the value for readers, formatted with the row's numbers (``{value}``...).
    ``token``: the value as one comparable string, used in changelogs (ASCII, no separators).
    ``note``: what the display means, shown beside it on a figure's page.
    """

    columns: tuple[str, ...]
    display: str
    token: str
    note: str


VALUE_KINDS = {
    "exact": ValueKind(("value",), "{value}", "{value}", ""),
    "band": ValueKind(
        ("value_low", "value_high"), "{value_low}–{value_high}", "{value_low}-{value_high}", "reported as a band"
    ),
    "less_than": ValueKind(("value_high",), "fewer than {value_high}", "<{value_high}", "reported as a threshold"),
    "withheld": ValueKind((), "withheld", "withheld", "the platform withholds this figure"),
    "not_reported": ValueKind((), "not reported", "not_reported", "the report gives no figure (this is not zero)"),
}
VALUE_COLUMNS = ("value", "value_low", "value_high")


def number_text(value) -> str:
    """A number as a CSV cell writes it: 900, 81.5, 0.00001 (never 1e-05, never 900.0)."""
    if value is None or value == "":
        return ""
    if type(value) is int:
        return _whole(value)  # what the Decimal route below gives a whole number, without it
    number = Decimal(str(value))
    if number == number.to_integral_value():
        return _whole(number)
    return format(number.normalize(), "f")


def _whole(number) -> str:
    try:
        return str(int(number))
    except ValueError:
        # Past Python's limit of 4,300 digits from an int to text: a value or quote that long
        # stopped validate with a traceback where it reports the cell as file:line:field.
        return format(Decimal(number).to_integral_value(), "f")


def _reader_number(value, unit: str) -> str:
    text = number_text(value)
    if unit == "count" and text:
        text = f"{int(text):,}"
    return text


def value_text(row: dict, unit: str = "count") -> str:
    """A figure's value for readers: 14,641, 81.5%, 0–249, fewer than 30, withheld, not reported.

    ``row``: a figure with value_kind and its value columns (numbers or their text).
    ``unit``: the metric's unit (count, percent or fraction).
    """
    value = row.get("value")
    if type(value) is int and unit == "count" and row["value_kind"] == "exact":
        return f"{value:,}"  # nine figures in ten, written as the general route below writes them
    kind = VALUE_KINDS[row["value_kind"]]
    # A kind's display names only its own columns: the others are empty, so not written out.
    numbers = {name: _reader_number(row.get(name), unit) for name in kind.columns}
    text = kind.display.format(**numbers)
    return f"{text}%" if unit == "percent" and row["value_kind"] == "exact" else text


def value_token(row: dict) -> str:
    """A figure's value as one comparable string: 900, 0-499, <500, withheld, not_reported.

    Unknown kinds give "" so that a damaged record compares as changed rather than crashing.
    """
    kind = VALUE_KINDS.get(row.get("value_kind") or "")
    if kind is None:
        return ""
    return kind.token.format(**{name: number_text(row.get(name)) for name in VALUE_COLUMNS})


# What ends a derived figure's id: the id its period would have if a source reported it, then this.
DERIVED_SUFFIX = "-derived"

# The share metrics whose whole is the requests of the figure's own place, period and request
# type (percent_of_requests is a share of all the platform's requests, of every type).
SHARE_OF_REQUESTS_PREFIXES = ("percent_requests_", "fraction_requests_")
# Beside a share of requests when 0 requests received are recorded for its place, period and
# request type: platforms publish 0 (or 0%) there, which reads as "none complied with".
SHARE_OF_NO_REQUESTS_NOTE = (
    "0 requests received are recorded for this place, period and request type: a share of no requests"
)


def value_note(row: dict, unit: str = "count", of_no_requests: bool = False) -> str:
    """What a figure's displayed value means, beyond the number: a band, a threshold, a share.
    ``of_no_requests``: the figure is a share of requests (``SHARE_OF_REQUESTS_PREFIXES``) and
    0 requests received are recorded beside it; the note then says so."""
    note = VALUE_KINDS[row["value_kind"]].note
    if not note and unit == "fraction":
        note = "a share from 0 to 1, as the platform published it"
    if of_no_requests:
        note = f"{note}; {SHARE_OF_NO_REQUESTS_NOTE}" if note else SHARE_OF_NO_REQUESTS_NOTE
    return note


def loopback_problem(url: str) -> str | None:
    """Why ``url`` cannot be the canonical address of a published file, or None.

    Refused: anything but an absolute http(s) URL, ``localhost`` and its subdomains, and any
    loopback, unspecified or private address however it is written (127.1, 2130706433, ::1,
    ::ffff:127.0.0.1, 10.0.0.1).
    """
    try:
        parts = urlsplit(url or "")
        host = parts.hostname
    except ValueError as error:
        # "http://[bad": an unclosed IPv6 bracket, or a host NFKC normalisation changes.
        return f"{url!r} cannot be read as a URL ({error})"
    if parts.scheme not in ("http", "https") or not host:
        return f"{url!r} is not an absolute http(s) URL"
    if host == "localhost" or host.endswith(".localhost"):
        return f"{url!r} is a loopback address"
    try:
        address = ipaddress.ip_address(int(host) if host.isdigit() else host)
    except ValueError:
        address = _inet_aton(host)
        if address is None:
            return None
    mapped = getattr(address, "ipv4_mapped", None)
    address = mapped or address
    if address.is_loopback or address.is_unspecified or address.is_private or address.is_link_local:
        return f"{url!r} is a loopback or private address"
    return None


def _inet_aton(host: str):
    """Short IPv4 forms that browsers accept (127.1, 0x7f.1), or None for a name."""
    try:
        return ipaddress.ip_address(socket.inet_aton(host))
    except OSError:
        return None
