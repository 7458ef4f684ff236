"""What each table of a release holds, and the formats it is written in besides CSV and JSON.

A release's table files have the database's rows and columns, so the files, the database and
the API agree: figures includes the derived rows and the build's columns (``is_derived``,
``period_label``, ``unit``, ... and any column the build adds later), each described in the
released Table Schema from the package's own field or from ``BUILD_COLUMNS``.

Formats: Parquet (pyarrow, typed from the Table Schema, byte-identical for the same rows) and
an Excel-friendly CSV (UTF-8 with a byte-order mark, so Excel reads ``Côte d'Ivoire`` right).
"""

from __future__ import annotations

import io
import sqlite3

import pyarrow as pa
import pyarrow.parquet as pq

from .files import cell_text, query_dicts
from .schema_sql import BUILD_COLUMNS, DERIVED_MAY_OMIT, quote_ident

BOM = "\ufeff".encode()
# Table Schema type -> Arrow type. Numbers are doubles, as Frictionless maps them.
ARROW_TYPES = {
    "string": pa.string(),
    "integer": pa.int64(),
    "number": pa.float64(),
    "boolean": pa.bool_(),
    "date": pa.date32(),
    "year": pa.int64(),
}


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


def released_rows(conn: sqlite3.Connection, resource: dict, fields: list[dict]) -> list[dict]:
    """Every row of the table (figures: reported and derived), only ``fields``, sorted by key."""
    columns = ", ".join(quote_ident(f["name"]) for f in fields)
    rows = query_dicts(conn, f"SELECT {columns} FROM {quote_ident(resource['name'])}")
    key = resource["schema"]["primaryKey"]
    key = [key] if isinstance(key, str) else key
    return sorted(rows, key=lambda r: tuple(cell_text(r[k]) for k in key))


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


def parquet_bytes(fields: list[dict], rows: list[dict]) -> bytes:
    """A Parquet file of ``rows`` typed by the Table Schema ``fields``; the same input gives the same bytes."""
    schema = pa.schema(
        [
            pa.field(
                f["name"],
                ARROW_TYPES.get(f["type"], pa.string()),
                metadata={"description": f.get("description", "")} if f.get("description") else None,
            )
            for f in fields
        ]
    )
    columns = [[arrow_value(r[f["name"]], f["type"]) for r in rows] for f in fields]
    table = pa.Table.from_arrays(
        [pa.array(values, type=field.type) for values, field in zip(columns, schema, strict=True)], schema=schema
    )
    sink = io.BytesIO()
    pq.write_table(table, sink, compression="zstd", store_schema=False)
    return sink.getvalue()


def excel_csv(csv_bytes: bytes) -> bytes:
    """The same CSV with a UTF-8 byte-order mark, which Excel needs to read UTF-8."""
    return BOM + csv_bytes
