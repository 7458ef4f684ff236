"""What each table of a release holds, and the formats it is written in besides CSV and JSON.

A release's table files have the database's rows and columns, so the files, the database and
the API agree: figures includes the derived rows and the build's columns (``is_derived``,
``period_label``, ``unit``, ... and any column the build adds later), each described in the
released Table Schema from the package's own field or from ``BUILD_COLUMNS``.

Formats: Parquet (pyarrow, typed from the Table Schema, byte-identical for the same rows) and
an Excel-friendly CSV (UTF-8 with a byte-order mark, so Excel reads ``Côte d'Ivoire`` right).

``write_table_files`` writes a table's four files in one pass over an SQLite cursor, in batches
of ``BATCH_ROWS``: memory holds one Parquet row group (``ROW_GROUP_ROWS``) at most, whatever the
number of rows, and each file is hashed as it is written. The bytes are those the whole-table
functions (``csv_text``, ``json_rows`` of ``json_value``'s cells, ``parquet_bytes``,
``excel_csv``) give for the same rows, for any table of up to ``ROW_GROUP_ROWS`` rows (a longer
one has one row group per ``ROW_GROUP_ROWS`` rows); tests/test_release_streaming.py holds them to it.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from .files import cell_text, query_dicts
from .schema_sql import BUILD_COLUMNS, DERIVED_MAY_OMIT, quote_ident, sql_literal
from .table_schema import key_fields

BOM = "\ufeff".encode()
# Rows fetched, converted and written at a time: a multiple of Parquet's write batch (1,024
# values), so a row group's pages split where they would for one contiguous table.
BATCH_ROWS = 16_384
# Rows per Parquet row group: the most memory holds of a table. DuckDB's own default is 122,880.
ROW_GROUP_ROWS = 131_072
# Excel opens at most 1,048,576 rows, the header included; it drops the rest with a warning.
EXCEL_MAX_ROWS = 1_048_576
# Table Schema type -> Arrow type. Numbers are doubles, as Frictionless maps them.
ARROW_TYPES = {
    "string": pa.string(),
    "integer": pa.int64(),
    "number": pa.float64(),
    "boolean": pa.bool_(),
    "date": pa.date32(),
    "year": pa.int64(),
}


# Table Schema type -> DuckDB type, for the release's duckdb.sql.
DUCKDB_TYPES = {
    "string": "VARCHAR",
    "integer": "BIGINT",
    "number": "DOUBLE",
    "boolean": "BOOLEAN",
    "date": "DATE",
    "year": "BIGINT",
}
DUCKDB_SQL = "duckdb.sql"


def duckdb_views(tables: list[tuple[str, list[dict]]]) -> str:
    """The release's duckdb.sql: one view per table over its JSON file, typed from its Table Schema.

    A JSON file cannot carry a type where it has no value: read_json_auto typed authority_reports'
    period_start and period_end, null in every row, as DuckDB's "NULL" type (year(period_start)
    then fails to bind), and reads an empty table's ``[]`` as one column named json. Given every
    column's type (``columns=``), DuckDB reads each file as the Table Schema declares it.
    """
    lines = [
        "-- Typed DuckDB views over this release's JSON files, from the Table Schema in datapackage.json.",
        "-- Run from this folder: duckdb -init duckdb.sql (a shell with the views), or run this file's text.",
    ]
    for name, fields in tables:
        columns = ", ".join(
            f"{sql_literal(f['name'])}: {sql_literal(DUCKDB_TYPES.get(f['type'], 'VARCHAR'))}" for f in fields
        )
        lines.append(
            f"CREATE OR REPLACE VIEW {quote_ident(name)} AS SELECT * FROM read_json("
            f"{sql_literal(f'json/{name}.json')}, format = 'array', columns = {{{columns}}});"
        )
    return "\n".join(lines) + "\n"


def declared_type(sql_type: str) -> str:
    """The Table Schema type of a column the build added, from its SQLite declaration."""
    upper = sql_type.upper()
    if "INT" in upper:
        return "integer"
    if any(name in upper for name in ("REAL", "FLOA", "DOUB", "NUM", "DEC")):
        return "number"
    return "string"


def released_fields(conn: sqlite3.Connection, resource: dict) -> list[dict]:
    """The Table Schema fields of a table as the database holds it, in the database's column order.

    A field of the package keeps its descriptor (in figures, ``required`` is dropped where derived
    rows leave the field empty); a column the build added is described from ``BUILD_COLUMNS``, or
    by its name and SQLite type when nothing describes it.
    """
    own = {f["name"]: f for f in resource["schema"]["fields"]}
    columns = conn.execute("SELECT name, type FROM pragma_table_info(?) ORDER BY cid", [resource["name"]]).fetchall()
    fields = []
    for name, sql_type in columns:
        if name in own:
            field = dict(own[name])
            if resource["name"] == "figures" and name in DERIVED_MAY_OMIT and "constraints" in field:
                constraints = {k: v for k, v in field["constraints"].items() if k != "required"}
                field = {k: v for k, v in field.items() if k != "constraints"} | (
                    {"constraints": constraints} if constraints else {}
                )
        elif name in BUILD_COLUMNS:
            spec = BUILD_COLUMNS[name]
            field = {
                "name": name,
                "type": declared_type(spec["type"]),
                "title": spec["title"],
                "description": spec["description"],
            }
        else:
            field = {"name": name, "type": declared_type(sql_type or "")}
        fields.append(field)
    return fields


def _key(resource: dict) -> list[str]:
    return key_fields(resource["schema"]["primaryKey"])


def released_rows(conn: sqlite3.Connection, resource: dict, fields: list[dict]) -> list[dict]:
    """Every row of the table (figures: reported and derived), only ``fields``, sorted by key,
    in memory (``released_cursor`` streams the same rows)."""
    columns = ", ".join(quote_ident(f["name"]) for f in fields)
    rows = query_dicts(conn, f"SELECT {columns} FROM {quote_ident(resource['name'])}")
    key = _key(resource)
    return sorted(rows, key=lambda r: tuple(cell_text(r[k]) for k in key))


def released_cursor(conn: sqlite3.Connection, resource: dict, fields: list[dict]) -> sqlite3.Cursor:
    """A cursor over ``released_rows``'s rows as tuples in ``fields`` order, sorted by SQLite.

    The order is ``released_rows``'s (by key cell text) as long as every key column is text:
    SQLite's BINARY collation compares UTF-8 bytes, which order like Python's code points. A key
    column holding numbers would sort 9 before 10 here and after it there: ValueError.
    """
    key = _key(resource)
    table = quote_ident(resource["name"])
    untyped = conn.execute(
        f"SELECT 1 FROM {table} WHERE "
        + " OR ".join(f"typeof({quote_ident(k)}) NOT IN ('text', 'null')" for k in key)
        + " LIMIT 1"
    ).fetchone()
    if untyped:
        raise ValueError(f"{resource['name']}: a primary key column holds numbers; its release order needs text keys")
    columns = ", ".join(quote_ident(f["name"]) for f in fields)
    order = ", ".join(quote_ident(k) for k in key)
    return conn.execute(f"SELECT {columns} FROM {table} ORDER BY {order}")


def arrow_value(value, field_type: str):
    if value is None:
        return None
    if field_type == "date":
        from datetime import date

        return date.fromisoformat(value)
    if field_type == "boolean":
        return bool(value)
    if field_type == "number":
        return float(value)
    return value


def arrow_schema(fields: list[dict]) -> pa.Schema:
    """The Arrow schema of a table's Parquet file, from its Table Schema ``fields``."""
    return pa.schema(
        [
            pa.field(
                f["name"],
                ARROW_TYPES.get(f["type"], pa.string()),
                metadata={"description": f.get("description", "")} if f.get("description") else None,
            )
            for f in fields
        ]
    )


def parquet_bytes(fields: list[dict], rows: list[dict]) -> bytes:
    """A Parquet file of ``rows`` typed by the Table Schema ``fields``; the same input gives the same bytes."""
    schema = arrow_schema(fields)
    columns = [[arrow_value(r[f["name"]], f["type"]) for r in rows] for f in fields]
    table = pa.Table.from_arrays(
        [pa.array(values, type=field.type) for values, field in zip(columns, schema, strict=True)], schema=schema
    )
    sink = io.BytesIO()
    pq.write_table(table, sink, compression="zstd", store_schema=False)
    return sink.getvalue()


def json_value(value, field_type: str):
    """A cell as the release's JSON writes it: a ``number`` always with its fraction (900.0).

    SQLite gives a whole number of a ``number`` column as an int, and JSON readers that guess a
    column's type from its first rows (DuckDB's read_json_auto samples 20,480) then type the
    column as an integer and round every decimal after them (98.7 became 99). Written as 900.0,
    every row says what the Table Schema and the Parquet file say: a double. Validation refuses a
    whole number a double cannot hold exactly (beyond 2**53, ``rules.double_problems``); should
    one get here, it stays the integer it is: the JSON never changes a value.
    """
    if field_type == "number" and value.__class__ is int and float(value) == value:
        return float(value)
    return value


def json_rows_of(fields: list[dict], rows) -> Iterator[dict]:
    """``rows`` (tuples in ``fields`` order) as the objects the release's JSON holds."""
    names = [f["name"] for f in fields]
    numbers = [i for i, f in enumerate(fields) if f["type"] == "number"]
    for row in rows:
        if numbers:
            row = list(row)
            for i in numbers:
                row[i] = json_value(row[i], "number")
        yield dict(zip(names, row, strict=True))


# Table Schema types whose cells Arrow cannot take as SQLite gives them (see ``arrow_value``).
CONVERTED_TYPES = {"date", "boolean", "number"}


def _arrow_batch(fields: list[dict], schema: pa.Schema, rows: list[tuple]) -> pa.RecordBatch:
    columns = zip(*rows, strict=True) if rows else [() for _ in fields]
    arrays = []
    for field, spec, values in zip(fields, schema, columns, strict=True):
        if field["type"] in CONVERTED_TYPES:
            values = [arrow_value(v, field["type"]) for v in values]
        arrays.append(pa.array(values, type=spec.type))
    return pa.RecordBatch.from_arrays(arrays, schema=schema)


def _row_group(batches: list[pa.RecordBatch], schema: pa.Schema) -> pa.Table:
    # One contiguous chunk per column: Parquet's page and dictionary boundaries follow the
    # chunks, and a single chunk gives the bytes ``parquet_bytes`` gives for the same rows.
    return pa.Table.from_batches(batches, schema).combine_chunks()


class HashingWriter(io.RawIOBase):
    """A binary file being written, with its sha256 and size kept as it grows (a file object
    that pyarrow's writers accept)."""

    def __init__(self, path: Path, prefix: bytes = b"") -> None:
        super().__init__()
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self.handle = path.open("wb")
        self.hash = hashlib.sha256()
        self.bytes = 0
        self.write(prefix)

    def writable(self) -> bool:
        return True

    def write(self, data) -> int:
        self.handle.write(data)
        self.hash.update(data)
        size = memoryview(data).nbytes
        self.bytes += size
        return size

    def close(self) -> None:
        if not self.closed:
            self.handle.close()
        super().close()

    @property
    def digest(self) -> str:
        return self.hash.hexdigest()


def _csv_rows(rows: list[tuple]) -> Iterator[list]:
    # csv writes str and None ("") as they are; numbers need their canonical text (81.5, not 81.50).
    for row in rows:
        yield [v if v is None or v.__class__ is str else cell_text(v) for v in row]


def write_table_files(
    conn: sqlite3.Connection, resource: dict, fields: list[dict], paths: dict[str, Path]
) -> tuple[int, dict[str, HashingWriter]]:
    """Write the table's CSV, Excel CSV, JSON and Parquet files in one pass over its rows.

    ``paths``: the file of each format ("csv", "excel", "json", "parquet"). Returns the number of
    rows and, by format, the closed writer (``bytes``, ``digest``: sha256 hex). The rows are
    ``released_cursor``'s; the bytes are those of ``csv_text``, ``excel_csv``, ``json_rows`` (of
    ``json_value``'s cells) and ``parquet_bytes`` for the same rows (Parquet: one row group per
    ``ROW_GROUP_ROWS`` rows).
    Raises ValueError from ``released_cursor``.
    """
    names = [f["name"] for f in fields]
    schema = arrow_schema(fields)
    cursor = released_cursor(conn, resource, fields)
    out = {name: HashingWriter(paths[name], BOM if name == "excel" else b"") for name in ("csv", "excel", "json")}
    parquet_sink = HashingWriter(paths["parquet"])
    writer = pq.ParquetWriter(parquet_sink, schema, compression="zstd", store_schema=False)
    text = io.StringIO()
    csv_writer = csv.writer(text, lineterminator="\n")
    encode = json.JSONEncoder(ensure_ascii=False).encode
    group: list[pa.RecordBatch] = []
    grouped = 0
    count = 0
    try:
        csv_writer.writerow(names)
        while True:
            rows = cursor.fetchmany(BATCH_ROWS)
            if not rows:
                break
            csv_writer.writerows(_csv_rows(rows))
            data = text.getvalue().encode("utf-8")
            text.seek(0)
            text.truncate()
            out["csv"].write(data)
            out["excel"].write(data)
            lead = "[\n" if count == 0 else ",\n"
            out["json"].write((lead + ",\n".join(encode(obj) for obj in json_rows_of(fields, rows))).encode())
            count += len(rows)
            while rows:
                room = ROW_GROUP_ROWS - grouped
                group.append(_arrow_batch(fields, schema, rows[:room]))
                grouped += min(room, len(rows))
                rows = rows[room:]
                if grouped == ROW_GROUP_ROWS:
                    writer.write_table(_row_group(group, schema), row_group_size=ROW_GROUP_ROWS)
                    group, grouped = [], 0
        if count == 0:
            # pq.write_table of an empty table writes one empty row group.
            group.append(_arrow_batch(fields, schema, []))
        if group:
            writer.write_table(_row_group(group, schema), row_group_size=ROW_GROUP_ROWS)
        data = text.getvalue().encode("utf-8")
        out["csv"].write(data)
        out["excel"].write(data)
        out["json"].write(b"[]\n" if count == 0 else b"\n]\n")
    finally:
        writer.close()
        for handle in (*out.values(), parquet_sink):
            handle.close()
    return count, {**out, "parquet": parquet_sink}


def excel_csv(csv_bytes: bytes) -> bytes:
    """The same CSV with a UTF-8 byte-order mark, which Excel needs to read UTF-8."""
    return BOM + csv_bytes
