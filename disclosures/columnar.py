"""Typed rows of a package that has already passed validation, read by Arrow's CSV reader.

``read_validated(package_path, descriptor)`` returns the ``table_schema.Table``s that
``table_schema.read_package(..., check=False)`` would, with each cell as SQLite stores it
(``sql_value``: what the build loads), or None when a file does not read cleanly, so that the caller
reads it the slow way and reports what is wrong. It is for the build, after ``make validate``
has stamped these very bytes (``stamp``): nothing is checked here but the types (and not
that a ``uri`` cell is one: its value is its text, and validation checked it).

Why: Python's csv module and a call per cell cost about 5 µs a row; at a million figures the
build spent more time reading the CSVs it had just validated than SQLite spent storing them.
pyarrow (already the release's Parquet writer) splits the file in C++ on every core. A column
with few distinct cells is typed once per distinct cell however many rows repeat it (a million
figures share a few hundred periods, platforms and wordings), and the rows share its object; a
text column with a cell per row (ids, quotes) is taken as it is, with nothing to type. Typing
itself stays ``table_schema.cell_reader`` (canonical numbers, which validation requires, are
int() or float() of their text: the same values). What is left is Python's own cost of a tuple
per row and of the digest; the build's interface (``Table.rows``) needs both.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

from . import rules, table_schema

# Arrow reads the file in blocks of this many bytes, on as many threads as there are cores.
BLOCK_BYTES = 8 << 20
# Arrow's own jemalloc decay time (ms; ARROW-6910): how long freed pages are kept for reuse.
ARROW_DECAY_MS = 1000
# Rows whose distinct cells are counted to choose how a text column is converted.
DISTINCT_SAMPLE = 10_000


def sampled_cells(column):
    """DISTINCT_SAMPLE cells of ``column`` (an Arrow array or chunked array), spread evenly over
    it (every n-th), or all of them in a column of fewer than twice as many: what its distinct
    cells are judged by. Not its first rows: a file grouped by source holds the same quote in rows
    side by side, and a million figures' first 10,000 quotes had 2,611 distinct ones where the
    column has 974,000 (it was then hashed whole to find them, 0.63-0.79 s, for checks that take
    0.09)."""
    import pyarrow as pa

    step = max(1, len(column) // DISTINCT_SAMPLE)
    if step == 1:
        return column
    return column.take(pa.array(range(0, step * DISTINCT_SAMPLE, step), type=pa.int64()))


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
        # Only rows whose first cell is empty can be one.
        blank = pc.equal(table.column(0), "")
        if pc.any(blank).as_py():
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
    names = [spec["name"] for spec in resource["schema"]["fields"]]
    arrow = _arrow_table(path, names)
    if arrow is None:
        return None
    columns = table_columns(arrow, resource)
    del arrow
    return None if columns is None else table_of(resource["name"], names, *columns)


def table_columns(arrow, resource: dict) -> tuple[list[list], list[list]] | None:
    """(cell texts, SQLite values) of every column of ``arrow`` (the resource's CSV as an Arrow
    table of strings, in its fields' order), or None when a cell fails its type. A cell with
    the same text in both lists is the same object, which marshal then writes once
    (``stamp.record_valid``)."""
    specs = resource["schema"]["fields"]
    rows = len(arrow)
    raw_columns, typed_columns = [], []
    for spec, column in zip(specs, arrow.columns, strict=True):
        columns = _column_values(spec, column) if rows else ([], [])
        if columns is None:
            return None
        raw_columns.append(columns[0])
        typed_columns.append(columns[1])
    return raw_columns, typed_columns


def table_of(name: str, names: list[str], raw_columns: list[list], typed_columns: list[list]) -> table_schema.Table:
    """The ``table_schema.Table`` of ``table_columns``' columns: its rows, and its raw-cell
    digest computed when first read (``Table.digest``)."""
    table = table_schema.Table(name, names)
    rows = len(typed_columns[0]) if typed_columns else 0
    if any(len(column) != rows for column in raw_columns):
        raise ValueError(f"{name}: a raw column's length is not the rows'")
    # zip(strict=True) below compares the others' lengths only when there are rows to zip.
    if rows == 0 and any(typed_columns):
        raise ValueError(f"{name}: a typed column's length is not the rows'")
    table.raw_columns = raw_columns[:]
    raw_columns.clear()  # the caller's list: the texts go with the digest, not with the caller
    table.rows = list(zip(*typed_columns, strict=True)) if rows else []
    typed_columns.clear()
    table.lines = range(2, rows + 2)
    table.sql_values = True
    return table


def _column_values(spec: dict, column) -> tuple[list, list] | None:
    """(cell texts, SQLite values) of one column, or None when a cell fails its type.

    A text column whose cells are mostly distinct (ids, quotes) is converted as it is: its
    values are its texts, with None for an empty cell. Any other is dictionary-encoded, so that
    each distinct text is typed once (``_sql_of``) and the rows share its objects."""
    import pyarrow.compute as pc

    # A uri's value is its text too: what table_schema's reader checks of it (RFC 3986, with a
    # scheme) is no type to convert to, and the stamp vouches that validation checked it.
    plain = spec.get("type", "string") == "string" and spec.get("format", "default") in ("default", "uri")
    if plain:
        sample = sampled_cells(column)
        if len(pc.unique(sample)) * 2 > len(sample):
            texts = column.to_pylist()
            if not pc.any(pc.equal(column, "")).as_py():
                return texts, texts
            return texts, [text or None for text in texts]

    # One hashing pass gives both the distinct cells and each row's: unique() then index_in()
    # hashed every cell twice (at a million figures 1.7 s of CPU against 1.0 for its columns).
    encoded = column.combine_chunks().dictionary_encode()
    texts = encoded.dictionary.to_pylist()
    values = [text or None for text in texts] if plain else _sql_of(spec, texts)
    if values is None:
        return None
    # Object arrays indexed in C: each row gets the distinct cell's own object.
    indices = encoded.indices.to_numpy(zero_copy_only=False)
    raw = _objects(texts)[indices].tolist()
    return raw, raw if values == texts else _objects(values)[indices].tolist()


def _objects(items: list):
    """A numpy array of Python objects, one per item (never a 2-D array of nested items)."""
    import numpy as np

    array = np.empty(len(items), dtype=object)
    array[:] = items
    return array


def _sql_of(spec: dict, texts: list[str]) -> list | None:
    """``sql_value`` of each text read as the field's type, or None when one fails it. A
    canonical number (what validation requires) is int() or float() of its text: the value
    ``sql_value`` gives its Decimal (both round the same decimal once)."""
    read = table_schema.cell_reader(spec, check=False)
    numeric = spec.get("type", "string") in table_schema.NUMERIC_TYPES
    values = []
    for text in texts:
        if numeric and rules.CANONICAL_NUMBER.match(text):
            values.append(float(text) if "." in text else int(text))
            continue
        value, broken, _ = read(text)
        if broken:
            return None
        values.append(sql_value(value))
    return values


def read_validated(package_path: Path, descriptor: dict) -> dict[str, table_schema.Table] | None:
    """Every resource's typed rows (see the module), or None when one does not read cleanly.
    The descriptor must be one ``table_schema.supported`` accepts."""
    import pyarrow as pa

    # What the reader frees goes back to the system at once, not after jemalloc's decay: the
    # build forks a child once the rows are read, and the child kept its copy of the pages not
    # yet returned (160 MB at a million figures, at the build's peak). Only for the arenas the
    # reading threads get: later ones decay as Arrow's default has them (at once for all, the
    # build took 1.4 s longer).
    jemalloc = pa.default_memory_pool().backend_name == "jemalloc"
    if jemalloc:
        pa.jemalloc_set_decay_ms(0)
    try:
        folder = Path(package_path).parent
        tables = {}
        for resource in descriptor["resources"]:
            table = read_table(folder / resource["path"], resource)
            if table is None:
                return None
            tables[resource["name"]] = table
        return tables
    finally:
        if jemalloc:
            pa.jemalloc_set_decay_ms(ARROW_DECAY_MS)
