"""Importers: a platform's machine-readable file → planned rows for data/, reviewed, then written.

The stable interface (other importers, the CLI and tests rely on it):

``Record``
    One figure a file states: the figure columns of ``data/figures.csv`` except ``figure_id`` and
    ``source_id`` (the plan adds them). Values are text as a CSV cell writes them ("1234", "0.5");
    ``quote`` is the exact record (the CSV line, the JSON object as found, the table row's cells),
    ``source_locator`` names the file and row. ``figure_id`` may be given to override the
    standard id scheme (leave it empty to get ``figure_id_for``'s id).
``Skip``
    A record of the file that becomes no figure: ``source_locator``, ``quote`` and a ``reason``
    a curator can check ("total row: Google's own sum of the legal processes", "blank cell").
``Parsed``
    What a format's parser returns: ``records`` and ``skips``, in file order.
``Format``
    ``name`` (the CLI's ``<format>``), ``description`` and ``parse(path) -> Parsed``. Each module in
    this package defines one or more and ``FORMATS`` (``registry.FORMATS``) lists them by name.
``plan_import(parsed, source_id, data_dir=DATA) -> Plan``
    Compares the records with data/ and decides, per record: ``adds`` (a new figure), ``same``
    (already there from this source: nothing to do, which makes a rerun a no-op),
    ``corroborations`` (already there from another source with the same value: a new
    corroborations row, or none if it is there), ``changes`` (a different value: never applied
    unless ``data/corrections.csv`` has a row for that figure whose ``new_value`` is this value;
    a ``disagreements`` row for the figure and source with this ``claimed_value`` makes it
    ``recorded`` instead) and ``skips`` (the parser's, plus records whose figure would repeat
    another record of the same file).
``write_plan(plan, data_dir=DATA) -> dict[str, int]``
    Writes adds, corroborations and corrected values into figures.csv and corroborations.csv
    (sorted by key, LF, atomic replace) and returns the count written per file. Writing a plan
    twice, or planning the same file again, writes nothing new.

Category mappings are data: ``mappings/<format>.csv`` (``read_mapping``), never ``if`` chains.
The library never prints; ``scripts/cli.py import`` shows the plan.
"""

from .core import (
    DATA,
    Change,
    Format,
    ImportFailed,
    Parsed,
    Plan,
    Record,
    Skip,
    change_note,
    figure_id_for,
    jurisdiction_lookup,
    plan_import,
    read_mapping,
    require_readable_data,
    require_source,
    write_plan,
)

__all__ = [
    "DATA",
    "Change",
    "change_note",
    "require_readable_data",
    "require_source",
    "Format",
    "ImportFailed",
    "Parsed",
    "Plan",
    "Record",
    "Skip",
    "figure_id_for",
    "jurisdiction_lookup",
    "plan_import",
    "read_mapping",
    "write_plan",
]
