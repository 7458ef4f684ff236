"""EU Digital Services Act harmonised transparency reports: the member-state orders table
(``3_member_states_orders.csv``), column "Number of orders to provide information".

These are orders from EU member states' authorities under one law (Article 10 DSA; some
services count all EU requests for user data here): their own request type
(``dsa_information_order``), never added to or compared with a platform's global reports.
Only the TOTAL category row of each scope is read (the category rows break it down); a scope
is an ISO 3166 alpha-2 code, an EU country code that differs from it (``EL`` for Greece, mapped
in ``mappings/dsa.csv``) or TOTAL (the EU). Services map to platforms in ``mappings/dsa.csv``.

Merged cells. Some services' exports (Meta's) write a scope block as one record with Service,
Reporting period and Category filled, then one record per further scope with those three cells
blank (``,,,,,BE,5,13,...``): the spreadsheet's merged cells. A record whose three cells are all
blank takes them from the record above; its quote stays the record as written.

A TOTAL row that its own category rows contradict. Other services' exports (Amazon Store's) fill
every cell of every record, one block per scope: the TOTAL row, then that scope's category and
keyword rows. There, member states' TOTAL rows can give 0 orders while the category rows of the same
block give orders (Austria, July-December 2025: TOTAL 0; consumer information 8, unsafe products 7,
not specified 30), and the member states' category rows, not their TOTAL rows, add up to the EU
total. A TOTAL row is not read when a category row of its scope (a ``STATEMENT_CATEGORY_*`` row)
gives more than it does, or when the scope has all of the template's statement categories and they
give less than it does (every order has a category, ``NOT_SPECIFIED_ORDER`` included; one order may
have several, so the categories may add up to more). The importer never sums the categories into a
figure: the curator records an ``inconsistent_parts`` disagreement for each such row.

Two formats read the same table:

``dsa-member-state-orders``
    The stored file itself; ``source_locator`` names the file, the record's first line and its
    key cells.
``dsa-member-state-orders-excerpt``
    A curator's transcription of some of the stored file's records (its header, then records
    copied verbatim and in file order, so that merged cells still follow the record they
    continue). Line numbers of an excerpt are not the stored file's, so the locator names the
    file and the record's key cells (Service, Category, Scope) and no line.
"""

from __future__ import annotations

from decimal import Decimal
from functools import partial
from pathlib import Path

from .core import Format, Parsed, Record, Skip, count_cell, jurisdiction_lookup, read_mapping
from .tables import csv_lines

VALUE_COLUMN = "Number of orders to provide information"
# The cells a merged-cell record leaves blank and takes from the record above.
MERGED = ("Service", "Reporting period", "Category of illegal content")
# The harmonised template's statement categories (its top level; KEYWORD_* rows break them down).
STATEMENT_CATEGORIES = frozenset(
    "STATEMENT_CATEGORY_" + name
    for name in (
        "ANIMAL_WELFARE",
        "CONSUMER_INFORMATION",
        "CYBER_VIOLENCE",
        "CYBER_VIOLENCE_AGAINST_WOMEN",
        "DATA_PROTECTION_AND_PRIVACY_VIOLATIONS",
        "ILLEGAL_OR_HARMFUL_SPEECH",
        "INTELLECTUAL_PROPERTY_INFRINGEMENTS",
        "NEGATIVE_EFFECTS_ON_CIVIC_DISCOURSE_OR_ELECTIONS",
        "PROTECTION_OF_MINORS",
        "RISK_FOR_PUBLIC_SECURITY",
        "SCAMS_AND_FRAUD",
        "SELF_HARM",
        "UNSAFE_AND_PROHIBITED_PRODUCTS",
        "VIOLENCE",
        "NOT_SPECIFIED_ORDER",
    )
)


def parse_member_state_orders(path: Path, excerpt: bool = False) -> Parsed:
    """The TOTAL rows of a ``3_member_states_orders.csv`` (or of an excerpt of one, ``excerpt``).

    Returns one ``dsa_information_order`` / ``requests_received`` record per TOTAL row with a
    value; every other record is a ``Skip`` with its reason. Raises ValueError when the header has
    no "Number of orders to provide information" column.
    """
    mapping = read_mapping("dsa")
    places = jurisdiction_lookup()
    header, lines = csv_lines(path)
    if VALUE_COLUMN not in header:
        raise ValueError(f"{path.name}: no column {VALUE_COLUMN!r}")
    result = Parsed()
    records = list(_with_merged_cells(header, lines))
    parts = _statement_categories(header, records)
    for line, cells, merged in records:
        service = cells.get("Service", "")
        category = cells.get("Category of illegal content", "")
        period_text = cells.get("Reporting period", "")
        scope = line.get(header, "Scope").strip()
        where = f"{path.name}" if excerpt else f"{path.name} line {line.number}"
        locator = f"{where} (Service={service}, Category={category}, Scope={scope})"
        if merged and not cells:
            result.skips.append(Skip(locator, line.text, "blank Service, period and category with no record above"))
            continue
        if category != "TOTAL":
            result.skips.append(Skip(locator, line.text, "a category row: part of its scope's TOTAL row, not read"))
            continue
        platform = mapping.find("service", service)
        if platform is None or not platform["maps_to"]:
            result.skips.append(Skip(locator, line.text, f"service {service!r} is not in mappings/dsa.csv"))
            continue
        jurisdiction = _jurisdiction(scope, mapping, places)
        if jurisdiction is None:
            result.skips.append(Skip(locator, line.text, f"scope {scope!r} is not in jurisdictions"))
            continue
        start, _, end = period_text.partition("/")
        try:
            # A count below zero (-12) was proposed as a figure: the row is damaged.
            value = count_cell(line.get(header, VALUE_COLUMN))
        except ValueError as error:
            result.skips.append(Skip(locator, line.text, f"{VALUE_COLUMN!r}: {error}"))
            continue
        if value is None:
            # Some services leave the cell empty for a member state that sent no order: an empty
            # cell is no figure, never a zero.
            result.skips.append(Skip(locator, line.text, f"blank {VALUE_COLUMN!r}: no figure (not a zero)"))
            continue
        if not start or not end:
            result.skips.append(Skip(locator, line.text, "blank reporting period: no figure"))
            continue
        contradiction = _contradicted(value, parts.get((service, period_text, scope), {}))
        if contradiction:
            result.skips.append(Skip(locator, line.text, contradiction))
            continue
        notes = "EU DSA orders from member states: a separate regime and a subset of what the platform's global reports count; never added to them."
        if platform["notes"]:
            notes += " " + platform["notes"]
        if merged:
            notes += " Service, period and category cells are blank in this record (merged cells): taken from the record above."
        result.records.append(
            Record(
                platform_id=platform["maps_to"],
                jurisdiction_id=jurisdiction,
                period_start=start,
                period_end=end,
                request_type_id="dsa_information_order",
                metric_id="requests_received",
                value_kind="exact",
                value=value,
                platform_wording=f"{VALUE_COLUMN} ({service})",
                source_locator=locator,
                # Some services' TOTAL rows hold line breaks inside quoted cells; data/ writes a
                # line break as ¶ (the record's text is otherwise exact).
                quote=line.text.replace("\n", "¶"),
                notes=notes,
            )
        )
    return result


def _with_merged_cells(header, lines):
    """Each line with its Service, period and category, taken from the record above when all
    three are blank (merged cells), and whether they were."""
    above: dict[str, str] = {}
    for line in lines:
        cells = {name: line.get(header, name).strip() for name in MERGED}
        merged = not any(cells.values())
        if merged:
            cells = dict(above)
        else:
            above = cells
        yield line, cells, merged


def _statement_categories(header, records) -> dict[tuple[str, str, str], dict[str, str | None]]:
    """(Service, period, scope) → {statement category: its orders to provide information}."""
    parts: dict[tuple[str, str, str], dict[str, str | None]] = {}
    for line, cells, _ in records:
        category = cells.get("Category of illegal content", "")
        if not category.startswith("STATEMENT_CATEGORY_"):
            continue
        key = (cells.get("Service", ""), cells.get("Reporting period", ""), line.get(header, "Scope").strip())
        try:
            parts.setdefault(key, {})[category] = count_cell(line.get(header, VALUE_COLUMN))
        except ValueError:
            parts.setdefault(key, {})[category] = None
    return parts


def _contradicted(total: str, categories: dict[str, str | None]) -> str | None:
    """Why a TOTAL row's value cannot be right, given its own statement-category rows, or None."""
    known = {name: Decimal(value) for name, value in categories.items() if value is not None}
    if not known:
        return None
    largest = max(known, key=lambda name: known[name])
    if known[largest] > Decimal(total):
        return (
            f"TOTAL gives {total} {VALUE_COLUMN!r} but its own category row {largest} gives {known[largest]}: "
            "the file contradicts itself; no figure (record an inconsistent_parts disagreement)"
        )
    if known.keys() >= STATEMENT_CATEGORIES and sum(known.values()) < Decimal(total):
        return (
            f"TOTAL gives {total} {VALUE_COLUMN!r} but all its statement-category rows give {sum(known.values())}: "
            "the file contradicts itself; no figure (record an inconsistent_parts disagreement)"
        )
    return None


def _jurisdiction(scope: str, mapping, places) -> str | None:
    if scope == "TOTAL":
        return "EU"
    row = mapping.find("scope", scope)
    if row is not None:
        return row["maps_to"] or None
    return places.code(scope)


MEMBER_STATE_ORDERS = Format(
    "dsa-member-state-orders",
    "EU DSA harmonised report 3_member_states_orders.csv (orders to provide information per member state)",
    parse_member_state_orders,
)
MEMBER_STATE_ORDERS_EXCERPT = Format(
    "dsa-member-state-orders-excerpt",
    "A transcribed excerpt of a 3_member_states_orders.csv (its header and records copied verbatim, in "
    "file order); locators name the record's Service, Category and Scope, not a line",
    partial(parse_member_state_orders, excerpt=True),
)
FORMATS = [MEMBER_STATE_ORDERS, MEMBER_STATE_ORDERS_EXCERPT]
