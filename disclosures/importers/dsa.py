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

from functools import partial
from pathlib import Path

from .core import Format, Parsed, Record, Skip, jurisdiction_lookup, number_cell, read_mapping
from .tables import csv_lines

VALUE_COLUMN = "Number of orders to provide information"
# The cells a merged-cell record leaves blank and takes from the record above.
MERGED = ("Service", "Reporting period", "Category of illegal content")


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
    above: dict[str, str] = {}
    for line in lines:
        cells = {name: line.get(header, name).strip() for name in MERGED}
        merged = not any(cells.values())
        if merged:
            cells = dict(above)
        else:
            above = cells
        service = cells.get("Service", "")
        category = cells.get("Category of illegal content", "")
        period_text = cells.get("Reporting period", "")
        scope = line.get(header, "Scope").strip()
        where = f"{path.name}" if excerpt else f"{path.name} line {line.number}"
        locator = f"{where} (Service={service}, Category={category}, Scope={scope})"
        if merged and not above:
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
            value = number_cell(line.get(header, VALUE_COLUMN))
        except ValueError as error:
            result.skips.append(Skip(locator, line.text, str(error)))
            continue
        if value is None:
            # Some services leave the cell empty for a member state that sent no order: an empty
            # cell is no figure, never a zero.
            result.skips.append(Skip(locator, line.text, f"blank {VALUE_COLUMN!r}: no figure (not a zero)"))
            continue
        if not start or not end:
            result.skips.append(Skip(locator, line.text, "blank reporting period: no figure"))
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
