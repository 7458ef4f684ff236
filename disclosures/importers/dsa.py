"""EU Digital Services Act harmonised transparency reports: the member-state orders table
(``3_member_states_orders.csv``), column "Number of orders to provide information".

These are orders from EU member states' authorities under one law (Article 10 DSA; some
services count all EU requests for user data here): their own request type
(``dsa_information_order``), never added to or compared with a platform's global reports.
Only the TOTAL category row of each scope is read (the category rows break it down); a scope
is an ISO 3166 alpha-2 code, TOTAL (the EU) or one of the EU's own country codes listed
under ``scope`` in ``mappings/dsa.csv`` (EL for Greece). Services map to platforms in ``mappings/dsa.csv``.

Two formats read the same table. ``dsa-member-state-orders`` reads the stored file itself and
locates each record by its line. ``dsa-member-state-orders-excerpt`` reads an excerpt a curator
transcribed from a stored file too long to copy whole (its header and some of its records, each
verbatim, under the stored file's name): the excerpt's line numbers are not the stored file's, so
its locators name the file and the record's key columns (Service, Category, Scope) and no line.
"""

from __future__ import annotations

from functools import partial
from pathlib import Path

from .core import Format, Parsed, Record, Skip, jurisdiction_lookup, number_cell, read_mapping
from .tables import csv_lines

VALUE_COLUMN = "Number of orders to provide information"


def parse_member_state_orders(path: Path, *, excerpt: bool = False) -> Parsed:
    """Each TOTAL row's orders to provide information as a ``dsa_information_order`` figure.

    ``excerpt``: ``path`` is a transcribed excerpt of the stored file (see the module docstring),
    so locators carry no line number. Raises ValueError when the table has no
    "Number of orders to provide information" column.
    """
    mapping = read_mapping("dsa")
    places = jurisdiction_lookup()
    header, lines = csv_lines(path)
    if VALUE_COLUMN not in header:
        raise ValueError(f"{path.name}: no column {VALUE_COLUMN!r}")
    result = Parsed()
    for line in lines:
        service = line.get(header, "Service")
        category = line.get(header, "Category of illegal content")
        scope = line.get(header, "Scope")
        period_text = line.get(header, "Reporting period")
        keys = f"(Service={service}, Category={category}, Scope={scope})"
        locator = f"{path.name} {keys}" if excerpt else f"{path.name} line {line.number} {keys}"
        if category != "TOTAL":
            result.skips.append(Skip(locator, line.text, "a category row: part of its scope's TOTAL row, not read"))
            continue
        platform = mapping.find("service", service)
        if platform is None or not platform["maps_to"]:
            result.skips.append(Skip(locator, line.text, f"service {service!r} is not in mappings/dsa.csv"))
            continue
        scope_row = mapping.find("scope", scope)
        if scope == "TOTAL":
            jurisdiction = "EU"
        elif scope_row is not None:
            jurisdiction = scope_row["maps_to"] or None
        else:
            jurisdiction = places.code(scope)
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
                notes=(
                    "EU DSA orders from member states: a separate regime and a subset of what the platform's "
                    "global reports count; never added to them. " + platform["notes"]
                ).strip(),
            )
        )
    return result


MEMBER_STATE_ORDERS = Format(
    "dsa-member-state-orders",
    "EU DSA harmonised report 3_member_states_orders.csv (orders to provide information per member state)",
    parse_member_state_orders,
)
MEMBER_STATE_ORDERS_EXCERPT = Format(
    "dsa-member-state-orders-excerpt",
    "A transcribed excerpt of a stored 3_member_states_orders.csv (header and verbatim records); "
    "locators name the record's Service, Category and Scope, not a line",
    partial(parse_member_state_orders, excerpt=True),
)
FORMATS = [MEMBER_STATE_ORDERS, MEMBER_STATE_ORDERS_EXCERPT]
