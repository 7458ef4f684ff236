"""Typed rows of a package that has already passed validation, read by Arrow's CSV reader.

``read_validated(package_path, descriptor)`` returns the ``table_schema.Table``s that
``table_schema.read_package(..., check=False)`` would, with each cell as SQLite stores it
(``sql_value``: what the build loads), or None when a file does not read cleanly, so that the caller
reads it the slow way and reports what is wrong. It is for the build, after ``make validate``
has stamped these very bytes (``stamp``): nothing is checked here but the types.

Why: Python's csv module and a call per cell cost about 5 µs a row; at a million figures the
build spent more time reading the CSVs it had just validated than SQLite spent storing them.
pyarrow (already the release's Parquet writer) splits the file in C++ on every core, and each
column is dictionary-encoded, so a value is typed once however many rows repeat it (a million
figures share a few hundred periods, platforms and wordings) and the rows share its object.
Typing itself stays ``table_schema.cell_reader``: the same code as the validator's reader.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

from . import table_schema

# Arrow reads the file in blocks of this many bytes, on as many threads as there are cores.
BLOCK_BYTES = 8 << 20


def _arrow_table(path: Path, names: list[str]):
    """The CSV as an Arrow table of strings, cells as written ("" stays ""), or None."""
    import pyarrow as pa
    from pyarrow import csv as arrow_csv

    try:
        table = arrow_csv.read_csv(
            path,
            read_options=arrow_csv.ReadOptions(block_size=BLOCK_BYTES, encoding="utf8"),
            parse_options=arrow_csv.ParseOptions(newlines_in_values=False, ignore_empty_lines=False),
            convert_options=arrow_csv.ConvertOptions(
                column_types={name: pa.string() for name in names},
                strings_can_be_null=False,
                quoted_strings_can_be_null=False,
                check_utf8=True,
            ),
        )
    except (pa.ArrowInvalid, OSError):
        return None
    if table.column_names != names:
        return None
    if names and len(table):
        import pyarrow.compute as pc

        # A blank line comes back as a row of empty cells; the one-pass reader refuses both.
        blank = pc.equal(table.column(0), "")
        for column in table.columns[1:]:
            blank = pc.and_(blank, pc.equal(column, ""))
        if pc.any(blank).as_py():
            return None
    return table


def sql_value(value):
    """A typed cell as SQLite stores it: a whole Decimal as int, any other as float, a date as
    ISO text; other values as they are."""
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, date):
        return value.isoformat()
    return value


def read_table(path: Path, resource: dict) -> table_schema.Table | None:
    """One resource's rows as SQLite values (``sql_value`` of each typed cell) and raw-cell
    digest, or None when a cell fails its type or the file does not parse as a plain CSV with
    the schema's header."""
    specs = resource["schema"]["fields"]
    names = [spec["name"] for spec in specs]
    arrow = _arrow_table(path, names)
    if arrow is None:
        return None
    table = table_schema.Table(resource["name"], names)
    raw_columns, typed_columns = [], []
    for spec, column in zip(specs, arrow.columns, strict=True):
        encoded = column.combine_chunks().dictionary_encode()
        texts = encoded.dictionary.to_pylist()
        read = table_schema.cell_reader(spec, check=False)
        values = []
        for text in texts:
            value, broken, _ = read(text)
            if broken:
                return None
            values.append(sql_value(value))
        indices = encoded.indices.to_pylist()
        raw_columns.append(list(map(texts.__getitem__, indices)) if indices else [])
        typed_columns.append(list(map(values.__getitem__, indices)) if indices else [])
        del encoded, indices
    rows = len(arrow)
    del arrow
    table.digest = table_schema.rows_digest(zip(*raw_columns, strict=True)) if rows else 0
    del raw_columns
    table.rows = list(zip(*typed_columns, strict=True)) if rows else []
    table.lines = range(2, rows + 2)
    table.sql_values = True
    return table


def read_validated(package_path: Path, descriptor: dict) -> dict[str, table_schema.Table] | None:
    """Every resource's typed rows (see the module), or None when one does not read cleanly.
    The descriptor must be one ``table_schema.supported`` accepts."""
    folder = Path(package_path).parent
    tables = {}
    for resource in descriptor["resources"]:
        table = read_table(folder / resource["path"], resource)
        if table is None:
            return None
        tables[resource["name"]] = table
    return tables
