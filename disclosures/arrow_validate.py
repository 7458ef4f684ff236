"""A proof that a package is valid, with Arrow: the rules of ``validate.check_package`` run on
whole columns instead of one cell at a time.

``proves_valid(package_path, descriptor)`` is True only when ``check_package`` would report no
problem, and False when it would report one or when this module cannot decide (a file that does
not read as plain minimally quoted CSV, a schema feature ``table_schema.supported`` refuses, a
key over a typed column, numbers whose sums could pass 2**53). False is never a verdict: the
caller then runs ``check_package``, whose problems (file:line:field: message) are the report.
So a broken package is worded exactly as before, and only a valid one is proved here.

Why: the one-pass reader types and checks every cell in Python (about 25 µs a row; 27 s of CPU
at a million figures). Most columns hold few distinct values (platforms, periods, wordings), so
each distinct value is checked once with the reader's own functions (``table_schema.cell_reader``,
``rules.cell_problems``, ``safety.cell_safety_problems``). Columns with a value per row (ids,
quotes) first go through regular expressions (RE2, in Arrow) that accept only cells those
functions cannot fault; the other cells are checked by the functions themselves. The row and
cross-row rules (figure ids from their fields, value kinds, numbers in quotes, keys, parts
against wholes, counts against the wholes they are within: fulfilled against received) are column
operations, Python loops over two columns, or the same rule functions on the few rows that need them.

How each shortcut stays exact is said where it is taken; tests/test_arrow_validate.py checks
that every broken fixture and every hostile cell is refused and the valid packages are proved.
"""

from __future__ import annotations

import csv
import hashlib
import mmap
import os
import re
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import date
from decimal import Decimal
from pathlib import Path

from . import columnar, forked, release_records, rules, safety, stamp, table_schema
from .data_hashes import open_regular

# Characters rules.cell_problems faults in any cell, and rules.text_problems in any text
# (a number holding one is not canonical): controls (Unicode category Cc, LF and CR among them),
# Unicode's line separators and bidirectional controls.
HOSTILE = "\\x00-\\x1f\\x7f-\\x9f" + "".join(
    f"\\x{{{ord(ch):04x}}}" for ch in sorted(set(rules.BIDI_CONTROLS) | set(rules.LINE_SEPARATORS))
)
# One line of CSV, with its LF, as RFC 4180 writes it and Python's csv module reads it with
# strict=True (Frictionless's dialect): fields are quoted throughout with quotes doubled inside,
# or hold neither a comma nor a quote (one there is a problem, table_schema.unquoted_cells_with_a_quote);
# and no hostile character.
CSV_FIELD = f'(?:"(?:[^"{HOSTILE}]|"")*"|[^",{HOSTILE}]*)'
CSV_LINE = f"^{CSV_FIELD}(?:,{CSV_FIELD})*\n$"
# Arrow reads a CSV file in blocks of this many bytes, one a thread.
BLOCK_BYTES = 8 << 20
# Bytes of a file scanned at once for line ends.
LINE_SCAN_BYTES = 1 << 24
# A file of at least this many bytes is hashed, and its lines matched against CSV_LINE, on two
# cores (Arrow's kernels and hashlib release the interpreter lock): before the child that
# decides the rules across rows starts, the other core is idle. At a million figures (265 MB)
# RE2 took 0.37 s on one core and the hash 0.13 s; a thread costs more than a small file gains.
TWO_CORES_BYTES = 4 << 20
# rules.FORMULA matches only cells starting with one of these.
FORMULA_FIRST = "=+-@"
# A canonical number of at most 15 characters: a double holds it exactly and SQLite stores it
# unchanged (rules.stored_number_problems), and rules.cell_problems has nothing to say about it.
SHORT_CANONICAL_NUMBER = r"^(0|[1-9][0-9]*)(\.[0-9]*[1-9])?$"
SHORT_NUMBER_LENGTH = 15
# Patterns made of these characters mean the same to RE2 and to Python's re (no \d, \w or \s,
# which are Unicode-wide in Python; "$" before a final newline matches only in Python, so RE2 is
# the stricter of the two and a cell it accepts, Python accepts).
PORTABLE_PATTERN = set("^$[]()|*+?{},.-_ ") | set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789")
# The cells validate.parse_figures reads.
FIGURE_FIELDS = [
    "figure_id", "platform_id", "jurisdiction_id", "period_start", "period_end", "request_type_id", "metric_id",
    "value_kind", "value", "source_id", "quote",
]  # fmt: skip
# Rows turned into Python values at once.
PYTHON_ROWS = 1 << 16


class Undecided(Exception):
    """Something this module does not prove; ``check_package`` must decide."""


def proves_valid(
    package_path: Path,
    descriptor: dict,
    typed: list | None = None,
    today: date | None = None,
    read: dict[str, tuple[bytes, str]] | None = None,
    stage: Callable[[bytes, dict[str, str]], None] | None = None,
    serialize: bool = True,
    descriptor_sha256: str | None = None,
) -> bool:
    """True when every resource of the package passes every rule of ``check_package`` (see the
    module). ``descriptor`` is the parsed datapackage.json. Never raises for bad input: False.

    ``typed``: when given and the package is proved valid, {"columns": {resource:
    ``columnar.table_columns`` of its rows}, "inputs": {resource path: "sha256:<hex>" of the bytes
    parsed}, "body": ``stamp.rows_body`` of the columns} is appended to it, the columns made and
    serialized while the rules across rows are decided in the child (this process would wait for
    it otherwise): the rows the build loads (``stamp.record_valid``), and the bytes they are the
    rows of. ``today``: the day the recorded
    days (search logs, ``rules.PAST_DAYS``) are judged on (``consistency.package_problems``).
    ``read``: {resource path: (the file's bytes, their SHA-256 in hex)} already read and hashed
    (``data_hashes.DataHashes.kept``): with ``typed``, each is parsed instead of the file, and
    taken out of ``read``. ``stage``: with ``typed``, called with the body and the inputs
    (before the child has decided: the package may yet not be proved valid), the body then not
    appended: the command writes the rows' file (``stamp.StagedRows``) and hashes the files
    again (``stamp.still_current``) while this process would otherwise wait. ``serialize``:
    False for a caller that loads the columns itself (the build, ``build.typed_tables``): no body
    is made, appended or staged. ``descriptor_sha256``: "sha256:<hex>" of the descriptor's bytes
    that ``descriptor`` was parsed from, handed over with the files' as "datapackage.json" (the
    name ``stamp.validation_key`` hashes it under)."""
    import pyarrow as pa

    try:
        if table_schema.supported(descriptor) is not None:
            return False
        return _proves_valid(Path(package_path), descriptor, typed, today, read, stage, serialize, descriptor_sha256)
    except (
        Undecided,
        KeyError,
        TypeError,
        ValueError,
        AttributeError,
        ArithmeticError,
        pa.ArrowException,
        forked.ChildFailed,
        OSError,
    ):
        # A descriptor or file this module does not understand, or no child process to decide
        # the rules across rows (a fork refused): check_package reports it.
        return False


def _proves_valid(
    package_path: Path,
    descriptor: dict,
    typed: list | None = None,
    today: date | None = None,
    read: dict[str, tuple[bytes, str]] | None = None,
    stage: Callable[[bytes, dict[str, str]], None] | None = None,
    serialize: bool = True,
    descriptor_sha256: str | None = None,
) -> bool:
    folder = package_path.parent
    tables, specs = {}, {}
    digests: dict | None = {} if typed is not None else None
    for resource in descriptor["resources"]:
        fields = resource["schema"]["fields"]
        # Taken out of ``read`` in the call: no name here holds the bytes once they are parsed.
        table = read_strings(
            folder / resource["path"],
            [f["name"] for f in fields],
            digests,
            read.pop(resource["path"], None) if read is not None and digests is not None else None,
        )
        if resource["name"] in safety.MUST_HAVE_ROWS and len(table) == 0:
            return False
        tables[resource["name"]] = table
        specs[resource["name"]] = {f["name"]: f for f in fields}
    # The rules across rows are decided in a child process, on the other core, while this one
    # checks every column and key, then the rules across files (``consistency``): on the real
    # package the child's share was 0.58 s against 0.2 s here, and 0.37 against 0.41 with the
    # rules across files moved here. The child reads the tables this process read, without a
    # copy (forked). Either side's Undecided (or any error) means not proved. (Moved back to
    # the child, the rules across files made the real package's validation 0.07 s slower, and
    # at a million figures no faster, its peak 190 MB higher: see rows_body below.)
    with forked.Forked(_rules_hold, tables) as cross_rules:
        for resource in descriptor["resources"]:
            fields = resource["schema"]["fields"]
            kinds = safety.field_kinds(fields, safety.key_names(resource["schema"]))
            for spec in fields:
                check_column(tables[resource["name"]].column(spec["name"]), spec, kinds[spec["name"]])
        for resource in descriptor["resources"]:
            check_keys(tables, specs, resource)
        columns = {}
        if typed is not None:
            for resource in descriptor["resources"]:
                columns[resource["name"]] = columnar.table_columns(tables[resource["name"]], resource)
                if columns[resource["name"]] is None:
                    raise Undecided
        from . import consistency

        # Any problem sends the package to check_package, which words it.
        # The release records judged, as read, go with the files' hashes (stamp.still_current).
        with release_records.recording_reads() as records:
            if consistency.arrow_problems(tables, releases=folder / "releases", today=today):
                return False
        # The one rule across rows decided here: with it in the child, this process waited for
        # the child's answer (0.2 s of the real package, 0.5 s at a million figures).
        if {"figures", "sources", "corroborations", "metrics"} <= tables.keys():
            check_corroborations(tables)
        # Serialized while the child may still decide (at a million figures this side waited
        # 0.16-0.5 s for it, and the body takes 0.3 s), rather than once it has.
        body = stamp.rows_body(columns) if typed is not None and serialize else None
        if typed is not None:
            read = {r["path"]: "sha256:" + digests[folder / r["path"]] for r in descriptor["resources"]}
            if descriptor_sha256 is not None:
                read["datapackage.json"] = descriptor_sha256
            read |= {path.relative_to(folder).as_posix(): digest for path, digest in records.items()}
            if stage is not None and serialize:
                stage(body, read)
                body = None
        if not cross_rules.receive():
            return False
        if typed is not None:
            typed.append({"columns": columns, "inputs": read} | ({} if body is None else {"body": body}))
        return True


def _rules_hold(tables: dict):
    """Yields once: True when the rules across rows hold of ``tables`` ({resource: the Arrow
    table of its strings}); raises Undecided when a rule fails or cannot be decided here. (The
    rules across files, ``consistency.arrow_problems``, and the corroborations'
    (``check_corroborations``) are ``_proves_valid``'s own.)"""

    record_sources: set[str] = set()
    if "sources" in tables:
        record_sources = set(_record_sources(tables["sources"]).to_pylist())
    from .validate import QUOTED_VALUE_RESOURCES

    for name, table in tables.items():
        if {"period_start", "period_end"} <= set(table.column_names):
            check_period_order(table)
        if name in QUOTED_VALUE_RESOURCES:
            check_quoted_values(table, record_sources)
    if {"figures", "metrics", "disagreements"} <= tables.keys():
        check_figures(tables)
    if {"figures", "corrections"} <= tables.keys():
        check_corrections(tables["figures"], tables["corrections"])
    yield True


def _record_sources(sources):
    """The ids of record sources (rules.RECORD_SOURCE_KINDS) of the sources table, an Arrow array."""
    import pyarrow.compute as pc

    is_record = pc.is_in(sources.column("kind"), value_set=_strings(sorted(rules.RECORD_SOURCE_KINDS)))
    return _array(sources.column("source_id").filter(is_record))


def _strings(values):
    import pyarrow as pa

    return pa.array(values, type=pa.string())


def _array(values):
    """One contiguous Arrow array of ``values`` (an array, or a chunked one as tables give)."""
    import pyarrow as pa

    return values.combine_chunks() if isinstance(values, pa.ChunkedArray) else values


def _picked(table, rows, names: list[str]):
    """The columns ``names`` of ``table`` at ``rows`` (an Arrow boolean per row): the table's
    other columns are not copied. (A table's filter copies every column: at a million figures
    the quotes' 200 MB, 0.3-0.6 s of CPU a rule, for the figure id's parts or a wording.) When
    every row is picked, none is copied."""
    import pyarrow.compute as pc

    picked = table.select(names)
    return picked if pc.all(rows).as_py() else picked.filter(rows)


def _slice_list(cells, start: int, chosen=None) -> list:
    """The Python values of the PYTHON_ROWS ``cells`` from ``start``, those ``chosen`` (an Arrow
    boolean per row of the slice) when given."""
    part = cells.slice(start, PYTHON_ROWS)
    return (part if chosen is None else part.filter(chosen)).to_pylist()


def _fail(condition) -> None:
    """Undecided when the Arrow boolean ``condition`` (array or scalar) holds anywhere."""
    import pyarrow.compute as pc

    if condition is True or (condition is not False and pc.any(condition).as_py()):
        raise Undecided


# Reading -------------------------------------------------------------------------------------


def read_strings(path: Path, names: list[str], digests: dict | None = None, kept: tuple[bytes, str] | None = None):
    """The CSV as an Arrow table of its cells as text, or Undecided unless the file is exactly what
    the one-pass reader accepts: UTF-8 without BOM, LF line ends and a final one, the schema's
    header, one record a line, every line in the grammar Python's csv module reads strictly,
    and no control or bidi character anywhere (each is a problem in any cell).

    The grammar is what makes Arrow's parse Python's: Arrow also accepts what csv refuses
    (``"abc"def``: text after a closing quote), so each line is matched against ``CSV_LINE``,
    where a field is quoted throughout (quotes doubled inside) or holds neither a comma nor a
    quote (RFC 4180's grammar); both parsers split such a line into the same cells.

    ``digests``: when given, the file is read into memory rather than mapped, and
    ``digests[path]`` is set to the SHA-256 (hex) of exactly the bytes parsed: a file edited while
    it is read then cannot pass for the bytes a stamp was taken of. ``kept``: (the file's bytes,
    their SHA-256 in hex), read and hashed already (with ``digests``): parsed instead of the file."""
    import pyarrow as pa

    with ThreadPoolExecutor(max_workers=1) as beside:
        hashing = None
        try:
            if digests is None:
                # Mapped, not read: Arrow and the checks below work on the file's pages without a
                # copy. Opened as a regular file first (a FIFO's open waited for ever).
                with open_regular(path) as handle:
                    size = os.fstat(handle.fileno()).st_size
                    raw = pa.py_buffer(mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ) if size else b"")
            elif kept is not None:
                data, digests[path] = kept
                kept = None
                raw = pa.py_buffer(data)
            else:
                with open_regular(path) as handle:
                    data = handle.read()
                # The bytes parsed below (immutable), hashed meanwhile.
                hashing = beside.submit(_sha256_hex, data) if len(data) >= TWO_CORES_BYTES else None
                if hashing is None:
                    digests[path] = _sha256_hex(data)
                raw = pa.py_buffer(data)
        except (OSError, pa.ArrowException) as error:
            raise Undecided from error
        table = _parsed(raw, names, beside)
        if hashing is not None:
            digests[path] = hashing.result()
        return table


def _sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _parsed(raw, names: list[str], beside: ThreadPoolExecutor):
    """read_strings' table of ``raw`` (an Arrow buffer of the file's bytes); ``beside``: a
    thread for half of a large file's lines."""
    import numpy as np
    import pyarrow as pa
    import pyarrow.compute as pc
    from pyarrow import csv as arrow_csv

    size = raw.size
    if size == 0 or size >= 1 << 31:
        raise Undecided
    view = np.frombuffer(raw, dtype=np.uint8)
    if bytes(view[:3]) == b"\xef\xbb\xbf" or view[-1] != 10:
        raise Undecided
    # Where each line ends, in slices of the file so that no byte-sized mask of all of it is made.
    ends = np.concatenate(
        [np.flatnonzero(view[at : at + LINE_SCAN_BYTES] == 10) + at for at in range(0, size, LINE_SCAN_BYTES)]
    )
    header_end = int(ends[0]) + 1
    try:
        header = next(csv.reader([bytes(view[:header_end]).decode("utf-8")], strict=True))
    except (UnicodeDecodeError, csv.Error, StopIteration) as error:
        raise Undecided from error
    if header != names:
        raise Undecided
    try:
        table = arrow_csv.read_csv(
            pa.BufferReader(raw),
            # Threads pay only for files of several blocks; starting them costs more than a small file.
            read_options=arrow_csv.ReadOptions(block_size=BLOCK_BYTES, encoding="utf8", use_threads=size > BLOCK_BYTES),
            parse_options=arrow_csv.ParseOptions(newlines_in_values=False, ignore_empty_lines=False),
            convert_options=arrow_csv.ConvertOptions(
                column_types={name: pa.string() for name in names},
                strings_can_be_null=False,
                quoted_strings_can_be_null=False,
                check_utf8=True,
            ),
        )
    except (pa.ArrowInvalid, OSError) as error:
        raise Undecided from error
    if table.column_names != names or len(ends) != len(table) + 1:
        raise Undecided
    # The data lines, each with its LF, as an Arrow array over the file's own bytes.
    lines = pa.StringArray.from_buffers(len(table), pa.py_buffer((ends + 1).astype(np.int32)), raw)
    if len(lines):
        if size >= TWO_CORES_BYTES:
            half = len(lines) // 2
            first = beside.submit(pc.match_substring_regex, lines.slice(0, half), CSV_LINE)
            _fail(pc.invert(pc.match_substring_regex(lines.slice(half), CSV_LINE)))
            _fail(pc.invert(first.result()))
        else:
            _fail(pc.invert(pc.match_substring_regex(lines, CSV_LINE)))
        # A header repeated as a row is the one-pass reader's Damaged (validate tells it once).
        _fail(pc.equal(table.column(0), names[0]))
    return table


# Cells ---------------------------------------------------------------------------------------


def portable(pattern: str) -> bool:
    """True when RE2 and Python's re read ``pattern`` alike (see ``PORTABLE_PATTERN``)."""
    unescaped = pattern.replace("\\.", "").replace("\\-", "")
    return set(unescaped) <= PORTABLE_PATTERN


def check_column(column, spec: dict, safety_kind: str) -> None:
    """Undecided when one of the column's cells has a problem the one-pass reader would report
    (type, constraints, raw-text and safety rules), or when that cannot be decided here. Each
    distinct cell the regular expressions do not clear is checked once by the reader's functions."""
    import pyarrow.compute as pc

    kind, form = spec.get("type", "string"), spec.get("format", "default")
    constraints = spec.get("constraints", {})
    if kind == "string" and form == "default" and safety_kind in ("text", "code"):
        # Finding the distinct cells first pays when they are few (platforms, wordings); for a
        # cell per row (ids, quotes) the checks run on the column itself.
        invisible = safety_kind == "code"
        sample = columnar.sampled_cells(column)
        if len(sample) and len(pc.unique(sample)) * 2 > len(sample):
            suspects = pc.unique(column.filter(plain_text_suspects(column, constraints, invisible)))
        else:
            distinct = pc.unique(column)
            suspects = distinct.filter(plain_text_suspects(distinct, constraints, invisible))
    else:
        suspects = pc.unique(column)
        if kind == "number" and set(constraints) <= {"required", "minimum"} and constraints.get("minimum", 0) == 0:
            # Cleared: a short canonical number, never negative, so at least 0.
            cleared = pc.and_(
                pc.match_substring_regex(suspects, SHORT_CANONICAL_NUMBER),
                pc.less_equal(pc.utf8_length(suspects), SHORT_NUMBER_LENGTH),
            )
            suspects = suspects.filter(pc.invert(cleared))
        if kind == "date":
            # Dates compare as text below (period order, keys): only ISO dates are proved.
            iso = pc.match_substring_regex(suspects, "^[0-9]{4}-[0-9]{2}-[0-9]{2}$")
            _fail(pc.invert(pc.or_(pc.equal(suspects, ""), iso)))
    read = table_schema.cell_reader(spec)
    numeric = kind in table_schema.NUMERIC_TYPES
    for cell in suspects.to_pylist():
        _, broken, _ = read(cell)
        if (
            broken
            or rules.cell_problems(cell, numeric=numeric, is_date=kind == "date")
            or safety.cell_safety_problems(safety_kind, cell)
        ):
            raise Undecided


def plain_text_suspects(cells, constraints: dict, invisible: bool = False):
    """Which of ``cells`` (a text column, or its distinct cells, as ``read_strings`` read them:
    without control or bidi characters) the cell rules might fault: empty, starting or ending
    with whitespace (what strip() would change), starting like a formula, outside a constraint
    (pattern, length, enum), or, when ``invisible`` (an id, code or key), holding an invisible
    format character (``rules.invisible_problems``)."""
    import pyarrow.compute as pc

    # Control and bidi characters are refused with the file (read_strings).
    suspect = pc.equal(cells, "")
    if invisible:
        suspect = pc.or_(suspect, pc.match_substring_regex(cells, r"\p{Cf}"))
    # A cell differs from its strip() exactly when its first or last character is whitespace;
    # the distinct first and last characters are few, so Python's own isspace() judges them.
    first, last = pc.utf8_slice_codeunits(cells, 0, 1), pc.utf8_slice_codeunits(cells, -1)
    bad_first = [c for c in pc.unique(first).to_pylist() if c.isspace() or c in FORMULA_FIRST]
    bad_last = [c for c in pc.unique(last).to_pylist() if c.isspace()]
    if bad_first:
        suspect = pc.or_(suspect, pc.is_in(first, value_set=_strings(bad_first)))
    if bad_last:
        suspect = pc.or_(suspect, pc.is_in(last, value_set=_strings(bad_last)))
    length = pc.utf8_length(cells)
    for name, constraint in constraints.items():
        if name == "pattern":
            if not portable(constraint):
                return pc.not_equal(length, -1)
            suspect = pc.or_(suspect, pc.invert(pc.match_substring_regex(cells, f"^(?:{constraint})$")))
        elif name == "maxLength":
            suspect = pc.or_(suspect, pc.greater(length, constraint))
        elif name == "minLength":
            suspect = pc.or_(suspect, pc.less(length, constraint))
        elif name == "enum":
            suspect = pc.or_(suspect, pc.invert(pc.is_in(cells, value_set=_strings([str(v) for v in constraint]))))
        elif name not in ("required", "unique"):
            return pc.not_equal(length, -1)
    return suspect


# Keys ----------------------------------------------------------------------------------------


def _key_text(table, fields: list[str]):
    """One text per row for a key over text ``fields``: their cells joined by NUL, which no valid
    cell holds (a control character), so equal texts mean equal keys."""
    import pyarrow.compute as pc

    if len(fields) == 1:
        return table.column(fields[0])
    return pc.binary_join_element_wise(*(table.column(f) for f in fields), "\x00")


def _all_empty(table, fields: list[str]):
    import pyarrow.compute as pc

    empty = pc.equal(table.column(fields[0]), "")
    for name in fields[1:]:
        empty = pc.and_(empty, pc.equal(table.column(name), ""))
    return empty


def check_keys(tables: dict, specs: dict, resource: dict) -> None:
    """Primary keys, unique constraints and foreign keys, as ``table_schema.key_problems``.
    Keys compare typed cells; over text fields a text is its typed value, so texts are compared
    (a key over a typed field is left to ``check_package``)."""
    import pyarrow.compute as pc

    name = resource["name"]
    table, fields = tables[name], specs[name]
    schema = resource["schema"]

    def texts(names, owner=name):
        if any(specs[owner][n].get("type", "string") != "string" for n in names):
            raise Undecided
        return names

    key = table_schema.key_fields(schema.get("primaryKey", []))
    if key:
        texts(key)
        _fail(_all_empty(table, key))
        _fail(pc.count_distinct(_key_text(table, key)).as_py() != len(table))
    for spec in fields.values():
        if spec.get("constraints", {}).get("unique"):
            column = table.column(spec["name"])
            present = column.filter(pc.not_equal(column, ""))
            if spec.get("type", "string") == "string":
                _fail(pc.count_distinct(present).as_py() != len(present))
            else:
                read = table_schema.cell_reader(spec, check=False)
                values = [read(cell)[0] for cell in present.to_pylist()]
                _fail(len(set(values)) != len(values))
    for fk in schema.get("foreignKeys", []):
        source = table_schema.key_fields(fk["fields"])
        reference = fk["reference"]
        target_fields = table_schema.key_fields(reference["fields"])
        target = tables[reference["resource"]]
        texts(source)
        texts(target_fields, reference["resource"])
        # A row whose key cells are all empty is not looked up; one with some empty is, as it is.
        # Each distinct key is looked up once. (A target row whose cells are all empty then matches
        # no key, so the target's rows are not filtered first: a copy of a million figure ids.)
        wanted = _key_text(target, target_fields)
        keys = _key_text(table, source)
        if len(source) > 1:
            keys = keys.filter(pc.invert(_all_empty(table, source)))
        keys = pc.unique(keys)
        if len(source) == 1:
            keys = keys.filter(pc.not_equal(keys, ""))
        _fail(pc.invert(among(keys, wanted)))


def among(keys, values):
    """``pc.is_in(keys, value_set=values)`` (Arrow arrays or chunked arrays of text): for each
    key, whether ``values`` holds it. The values are looked up among the keys when they are more
    (a hash of the fewer): a disagreement's or correction's figure looked up among a million
    figure ids hashed every id first, 0.3 s of CPU for each such rule."""
    import pyarrow.compute as pc

    keys, values = _array(keys), _array(values)
    if len(values) <= len(keys):
        return pc.is_in(keys, value_set=values)
    return pc.is_in(keys, value_set=pc.unique(values.filter(pc.is_in(values, value_set=keys))))


def index_among(keys, values):
    """``pc.index_in(keys, value_set=values)``, as ``among`` looks them up: for each key, the
    index of its first row in ``values``, or null."""
    import pyarrow.compute as pc

    keys, values = _array(keys), _array(values)
    if len(values) <= len(keys):
        return pc.index_in(keys, value_set=values)
    held = pc.is_in(values, value_set=keys)
    # The rows that hold a key, in order: a key's first among them is its first in values.
    return pc.take(pc.indices_nonzero(held), pc.index_in(keys, value_set=values.filter(held)))


# Rows ----------------------------------------------------------------------------------------


def check_period_order(table) -> None:
    """validate.period_order_notes: ISO dates (check_column) compare as their text."""
    import pyarrow.compute as pc

    start, end = table.column("period_start"), table.column("period_end")
    both = pc.and_(pc.not_equal(start, ""), pc.not_equal(end, ""))
    _fail(pc.and_(both, pc.less(end, start)))


def _labels(start, end):
    """rules.period_label of each row's period, computed once per distinct period."""
    import pyarrow.compute as pc

    periods = _array(pc.binary_join_element_wise(start, end, "|")).dictionary_encode()
    labels = []
    for text in periods.dictionary.to_pylist():
        first, last = text.split("|")
        labels.append(rules.period_label(date.fromisoformat(first), date.fromisoformat(last)))
    return _strings(labels).take(periods.indices)


def _mapped(column, function):
    """``function`` of each cell, computed once per distinct cell."""
    encoded = _array(column).dictionary_encode()
    return _strings([function(text) for text in encoded.dictionary.to_pylist()]).take(encoded.indices)


def written_alone(form: str, text: str) -> bool:
    """rules.value_in_text for one spelling: ``form`` occurs in ``text`` not part of a larger number."""
    return rules.value_in_text_as(form, text)


def numbers_in_quotes(cells: list[str], quotes: list[str], records: list[bool]) -> bool:
    """``number_in_quote`` for each row, its most common cases first (the cell as written, then
    grouped by commas) without a call per row."""
    alone = rules._stands_alone
    for cell, quote, record in zip(cells, quotes, records, strict=True):
        # A record field that is the cell itself, between commas: rules.value_in_record finds it.
        if record and f",{cell}," in f",{quote},":
            continue
        at = quote.find(cell)
        if at >= 0 and alone(quote, at, at + len(cell)):
            continue
        if len(cell) > 3 and cell.isdigit():
            grouped = f"{int(cell):,}"
            at = quote.find(grouped)
            if at >= 0 and alone(quote, at, at + len(grouped)):
                continue
        if record:
            # Record fields as rules.value_in_record splits them; "73.0" and "73 %" are 73 to it.
            fields = {field.strip() for field in rules.RECORD_DELIMITERS.split(quote)}
            if cell in fields or f"{cell}.0" in fields or f"{cell}%" in fields:
                continue
        if not number_in_quote(cell, quote, record):
            return False
    return True


def number_in_quote(cell: str, quote: str, record: bool) -> bool:
    """validate.figure_value_notes's test of one number (a canonical cell, see check_column) in
    a quote: rules.value_in_text, or rules.value_in_record for a record's quote.

    The spellings tried first are among those rules.spellings gives (a canonical cell is
    number_text of its value; a non-negative whole number grouped by threes with each separator),
    and a record field equal to the cell is one rules_number reads as the value; only a number
    found none of these ways goes through the rules themselves."""
    if written_alone(cell, quote):
        return True
    if len(cell) > 3 and cell.isdigit():
        grouped = format(int(cell), ",")
        if any(written_alone(grouped.replace(",", sep), quote) for sep in rules.THOUSANDS_SEPARATORS):
            return True
    if record and cell in {field.strip() for field in rules.RECORD_DELIMITERS.split(quote)}:
        return True
    value = Decimal(cell)
    return rules.value_in_text(value, quote) or (record and rules.value_in_record(value, quote))


def check_quoted_values(table, record_sources: set[str]) -> None:
    """validate.figure_value_notes on every row: the figure id its fields make, value columns
    against value_kind, the numbers in the quote, the field a locator names."""
    import pyarrow as pa
    import pyarrow.compute as pc

    from .validate import ID_PARTS

    names = set(table.column_names)
    column = table.column
    if {"metric_id", "platform_wording"} <= names:
        received = column("platform_wording").filter(pc.equal(column("metric_id"), "requests_received"))
        if pc.any(pc.match_substring_regex(received, rules.FULFILLED_WORDING.pattern, ignore_case=True)).as_py():
            raise Undecided  # rules.wording_problems, in the full report
        outcomes = pc.is_in(column("metric_id"), value_set=pa.array(rules.OUTCOME_METRICS))
        worded = column("platform_wording").filter(outcomes)
        received_only = pc.and_(
            pc.match_substring_regex(worded, rules.RECEIVED_WORDING.pattern, ignore_case=True),
            pc.invert(pc.match_substring_regex(worded, rules.OUTCOME_WORDING.pattern, ignore_case=True)),
        )
        if pc.any(received_only).as_py():
            raise Undecided  # rules.wording_problems, in the full report
    if "figure_id" in names and set(ID_PARTS) <= names:
        present = pc.and_(
            pc.not_equal(column(ID_PARTS[0]), ""), pc.less_equal(column("period_start"), column("period_end"))
        )
        for part in ID_PARTS[1:]:
            present = pc.and_(present, pc.not_equal(column(part), ""))
        rows = _picked(table, present, ["figure_id", *ID_PARTS])
        if len(rows):
            expected = pc.binary_join_element_wise(
                rows.column("platform_id"),
                _mapped(rows.column("jurisdiction_id"), lambda text: text.lower()),
                _labels(rows.column("period_start"), rows.column("period_end")),
                rows.column("request_type_id"),
                rows.column("metric_id"),
                "-",
            )
            _fail(pc.not_equal(rows.column("figure_id"), expected))

    kinds = column("value_kind") if "value_kind" in names else None
    numbers = [n for n in ("value", "value_low", "value_high") if n in names]
    if kinds is not None:
        flags = [pc.if_else(pc.equal(column(n), ""), "0", "1") for n in numbers]
        combos = pc.unique(pc.binary_join_element_wise(kinds, *flags, "|")).to_pylist()
        for combo in combos:
            kind, *present = combo.split("|")
            given = dict(zip(numbers, present, strict=True))
            args = [Decimal(0) if given.get(n) == "1" else None for n in ("value", "value_low", "value_high")]
            if rules.value_kind_problems(kind, *args):
                raise Undecided
        if {"value_low", "value_high"} <= names:
            band = pc.and_(
                pc.equal(kinds, "band"),
                pc.and_(pc.not_equal(column("value_low"), ""), pc.not_equal(column("value_high"), "")),
            )
            rows = _picked(table, band, ["value_low", "value_high"])
            for low, high in zip(
                rows.column("value_low").to_pylist(), rows.column("value_high").to_pylist(), strict=True
            ):
                if Decimal(low) > Decimal(high):
                    raise Undecided
    if "quote" not in names or kinds is None:
        return
    quote = column("quote")
    has_quote = pc.not_equal(quote, "")
    records = (
        pc.is_in(column("source_id"), value_set=_strings(sorted(record_sources))) if "source_id" in names else None
    )
    check_values_in_quotes(table, records)
    if "value" in names:
        # rules.value_only_as_year: only exact values that could be a year.
        picked = _picked(
            table,
            pc.and_(
                pc.and_(pc.equal(kinds, "exact"), has_quote),
                pc.match_substring_regex(column("value"), r"^(19|20)[0-9]{2}$"),
            ),
            ["value", "quote"],
        )
        for text, said in zip(picked.column("value").to_pylist(), picked.column("quote").to_pylist(), strict=True):
            if rules.value_only_as_year(Decimal(text), said):
                raise Undecided
    identity = ("source_locator", "jurisdiction_id", "period_start", "period_end")
    if set(identity) <= names:
        # rules.record_identity_problems: only quotes with a "{", or a "[" from a record source
        # (JSON records, and what looks like one but does not parse, which is a problem of its own).
        arrays = pc.match_substring(quote, "[")
        picked_rows = pc.match_substring(quote, "{")
        if records is not None:
            picked_rows = pc.or_(picked_rows, pc.and_(arrays, records))
        picked = _picked(table, picked_rows, ["quote", *identity])
        flagged = [False] * len(picked) if records is None else records.filter(picked_rows).to_pylist()
        columns = [picked.column(name).to_pylist() for name in ("quote", *identity)]
        for said, locator, jurisdiction, start, end, is_record in zip(*columns, flagged, strict=True):
            if rules.record_identity_problems(said, locator, jurisdiction, start, end, is_record=is_record):
                raise Undecided


def check_values_in_quotes(table, records) -> None:
    """The rules a figure's quote and a corroboration's share (validate.figure_value_notes and
    validate.corroboration_problems): the numbers of value, value_low and value_high as its
    value_kind quotes them, an exact value not only as an approximation, the field a locator
    names, and a bulk file's row holding the value in its metric's column. ``table`` has
    value_kind, quote and the value columns, and may have source_locator and metric_id;
    ``records``: an Arrow boolean per row, whether its source is a record source (None: none is)."""
    import pyarrow.compute as pc

    names = set(table.column_names)
    column = table.column
    kinds = column("value_kind")
    numbers = [n for n in ("value", "value_low", "value_high") if n in names]
    quote = column("quote")
    has_quote = pc.not_equal(quote, "")
    for number in numbers:
        wanted_kinds = sorted(k for k, cols in rules.QUOTED_COLUMNS.items() if number in cols)
        rows = pc.and_(
            pc.and_(has_quote, pc.not_equal(column(number), "")), pc.is_in(kinds, value_set=_strings(wanted_kinds))
        )
        everywhere = pc.all(rows).as_py()
        # In slices: a million quotes as Python strings at once would cost memory, not time. Each
        # slice is filtered on its own: the quotes filtered at once were a copy of 200 MB.
        for start in range(0, len(table), PYTHON_ROWS):
            chosen = None if everywhere else rows.slice(start, PYTHON_ROWS)
            said = _slice_list(quote, start, chosen)
            is_record = [False] * len(said) if records is None else _slice_list(records, start, chosen)
            if not numbers_in_quotes(_slice_list(column(number), start, chosen), said, is_record):
                raise Undecided
    if "value" in names:
        # rules.value_only_approximate: only exact values whose quote has an approximation word
        # (RE2 reads APPROXIMATION's words; Python decides on the rows it picks).
        picked = _picked(
            table,
            pc.and_(
                pc.equal(kinds, "exact"),
                pc.match_substring_regex(quote, rules.APPROXIMATION_ALTERNATIVES, ignore_case=True),
            ),
            ["value", "quote"],
        )
        for text, said in zip(picked.column("value").to_pylist(), picked.column("quote").to_pylist(), strict=True):
            if text and rules.value_only_approximate(Decimal(text), said):
                raise Undecided
    if "source_locator" in names and "value" in names:
        rows = pc.and_(
            pc.and_(pc.equal(kinds, "exact"), pc.not_equal(column("value"), "")),
            pc.and_(has_quote, pc.match_substring(column("source_locator"), 'field "')),
        )
        picked = _picked(table, rows, ["source_locator", "quote", "value"])
        for locator, said, text in zip(
            picked.column("source_locator").to_pylist(),
            picked.column("quote").to_pylist(),
            picked.column("value").to_pylist(),
            strict=True,
        ):
            named = rules.named_field_number(locator, said)
            if named and named[1] != Decimal(text):
                raise Undecided
    if {"source_locator", "metric_id", "value"} <= names:
        # rules.record_column_problems: only exact values read from a row of a file it knows.
        files = "|".join(re.escape(name) for name in rules.RECORD_HEADERS)
        locators = column("source_locator")
        known = pc.or_(
            pc.match_substring_regex(locators, f"^({files}) "),
            pc.match_substring_regex(locators, rules.DSA_ORDERS_FILE.pattern),
        )
        rows = pc.and_(pc.and_(pc.equal(kinds, "exact"), pc.not_equal(column("value"), "")), pc.and_(has_quote, known))
        picked = _picked(table, rows, ["source_locator", "quote", "metric_id", "value"])
        for locator, said, metric, text in zip(
            *(picked.column(name).to_pylist() for name in ("source_locator", "quote", "metric_id", "value")),
            strict=True,
        ):
            if rules.record_column_problems(locator, said, metric, "exact", Decimal(text)):
                raise Undecided
        # rules.extraction_row_problems: only exact values read from a row of Apple's or Microsoft's
        # JSON extraction.
        files = "|".join(re.escape(name) for name in rules.EXTRACTION_MEASURES)
        rows = pc.and_(
            pc.and_(pc.equal(kinds, "exact"), pc.not_equal(column("value"), "")),
            pc.and_(has_quote, pc.match_substring_regex(locators, f"^({files}) ")),
        )
        picked = _picked(table, rows, ["source_locator", "quote", "metric_id", "value"])
        for locator, said, metric, text in zip(
            *(picked.column(name).to_pylist() for name in ("source_locator", "quote", "metric_id", "value")),
            strict=True,
        ):
            if rules.extraction_row_problems(locator, said, metric, "exact", Decimal(text)):
                raise Undecided


# Cross-row rules -------------------------------------------------------------------------------


def _column_dict(table, key: str, value: str) -> dict:
    return dict(zip(table.column(key).to_pylist(), table.column(value).to_pylist(), strict=True))


def codes(column):
    """(numpy int64 index of each cell among the distinct cells, the distinct cells as a list)."""
    import numpy as np
    import pyarrow.compute as pc

    distinct = pc.unique(column)
    index = pc.index_in(column, value_set=distinct)
    return np.asarray(_array(index).to_numpy(zero_copy_only=False), dtype=np.int64), distinct.to_pylist()


def combined(parts) -> tuple:
    """One int64 code per row for a tuple of ``codes``: equal codes mean equal tuples."""
    code, size = parts[0][0], len(parts[0][1])
    for index, distinct in parts[1:]:
        if size * max(len(distinct), 1) >= 1 << 62:
            raise Undecided
        code, size = code * len(distinct) + index, size * len(distinct)
    return code, size


def check_figures(tables: dict) -> None:
    """validate.figure_problems: identity, units, parts against wholes, counts against the wholes
    they are within (rules.COUNTED_WITHIN). Rows are compared through integer codes of their
    cells (``codes``). Parts and wholes are checked per distinct set of periods a series has: the
    rules depend only on which periods nest, so they are derived once per set and compared on all
    its series at once."""
    import numpy as np
    import pyarrow.compute as pc

    from .validate import figure_problems, parse_figures

    figures = tables["figures"]
    units = _column_dict(tables["metrics"], "metric_id", "unit")
    disagreements = tables["disagreements"]
    exempt_rows = pc.and_(
        pc.equal(disagreements.column("kind"), "inconsistent_parts"),
        pc.not_equal(disagreements.column("figure_id"), ""),
    )
    exempt = set(disagreements.column("figure_id").filter(exempt_rows).to_pylist())
    column = figures.column
    platform, jurisdiction, request_type, metric, start, end = (
        codes(column(n))
        for n in ("platform_id", "jurisdiction_id", "request_type_id", "metric_id", "period_start", "period_end")
    )
    # validate.typed_figures leaves out rows without both dates.
    dated = np.ones(len(figures), dtype=bool)
    for index, distinct in (start, end):
        if "" in distinct:
            dated &= index != distinct.index("")
    series, series_size = combined([platform, jurisdiction, request_type, metric])
    period, periods = combined([start, end])
    if series_size * periods >= 1 << 62:
        raise Undecided  # identity codes would overflow 64 bits
    identity = series[dated] * periods + period[dated]
    identity.sort()
    _np_fail(identity[1:] == identity[:-1])
    reported = check_overlaps(figures, identity, periods, start[1], end[1], series, dated)

    unit_of = np.asarray([units.get(m, "") for m in metric[1]] or [""], dtype=object)
    unit = unit_of[metric[0]]
    value = column("value")
    has_value = np.asarray(_array(pc.not_equal(value, "")).to_numpy(zero_copy_only=False)) & dated
    for name, limit in (("percent", "100"), ("fraction", "1")):
        rows = has_value & (unit == name)
        if rows.any() and any(Decimal(v) > Decimal(limit) for v in value.filter(rows).to_pylist()):
            raise Undecided
    counts = has_value & (unit == "count")
    if counts.any():
        _fail(pc.match_substring(value.filter(counts), "."))
    for name in ("value_low", "value_high"):
        bound = column(name)
        bounded = np.asarray(_array(pc.not_equal(bound, "")).to_numpy(zero_copy_only=False)) & dated & (unit == "count")
        if bounded.any():
            _fail(pc.match_substring(bound.filter(bounded), "."))
    exact_kind = np.asarray(_array(pc.equal(column("value_kind"), "exact")).to_numpy(zero_copy_only=False))
    exact = counts & exact_kind
    if not exact.any():
        return
    try:
        values = np.asarray(pc.cast(value.filter(exact), "int64").to_numpy(zero_copy_only=False), dtype=np.int64)
    except Exception as error:
        raise Undecided from error
    all_request_keys = combined([platform, jurisdiction, request_type])[0] * periods + period
    group, period = series[exact], period[exact]
    request_keys = all_request_keys[exact]
    exempt_all = np.asarray(
        _array(pc.is_in(column("figure_id"), value_set=_strings(sorted(exempt)))).to_numpy(zero_copy_only=False)
    )
    exempt_rows = exempt_all[exact]
    subsets_against_wholes(request_keys, metric[1], metric[0][exact], values)
    parts_against_wholes(request_keys, metric[1], metric[0][exact], values, exempt_rows)
    shares = has_value & exact_kind & (unit == "percent") & ~exempt_all
    shares_against_counts(
        value, all_request_keys, metric[1], metric[0], shares, request_keys, metric[0][exact], values, exempt_rows
    )

    # Series holding a figure exempt from the sums are checked by the rule itself.
    if exempt_rows.any():
        in_exempt = np.isin(group, np.unique(group[exempt_rows]))
        picked = np.flatnonzero(exact)[in_exempt]
        rows = figures.select(FIGURE_FIELDS).take(picked).to_pylist()
        if reported is None:
            reported = reported_periods(figures)
        if figure_problems(parse_figures(enumerate(rows)), units, exempt, "", reported):
            raise Undecided
        keep = ~in_exempt
        group, period, values = group[keep], period[keep], values[keep]

    # Distinct periods, as dates, in code order: code = start index * len(ends) + end index.
    starts_list, ends_list = start[1], end[1]
    present = np.unique(period).tolist()
    period_dates = {
        code: (
            date.fromisoformat(starts_list[code // len(ends_list)]),
            date.fromisoformat(ends_list[code % len(ends_list)]),
        )
        for code in present
    }
    if len(values) and np.abs(values).max() >= rules.DOUBLE_WHOLE_LIMIT // max(len(present), 1):
        # A sum could pass 2**53, where a derived figure may be one no double holds
        # (validate.derived_range_problems), and 2**63, where it would overflow here.
        raise Undecided
    order = np.lexsort((period, group))
    group, period, values = group[order], period[order], values[order]
    firsts = np.flatnonzero(np.r_[True, group[1:] != group[:-1]])
    lasts = np.r_[firsts[1:], len(group)]
    period_items = period.tolist()
    by_signature: dict[tuple, list[int]] = {}
    for first, last in zip(firsts.tolist(), lasts.tolist(), strict=True):
        by_signature.setdefault(tuple(period_items[first:last]), []).append(first)
    for signature, group_starts in by_signature.items():
        check_series([period_dates[code] for code in signature], group_starts, values)


def reported_periods(figures) -> set:
    """validate.reported_periods of the whole figures table, grouped through integer ``codes``
    (not Arrow's Table.group_by, whose first use imports Acero and with it the dataset, Parquet
    and cloud-filesystem libraries: more CPU than the rest of a validation's rules)."""
    import numpy as np

    parts = [codes(figures.column(name)) for name in ("source_id", "period_start", "period_end")]
    code, _ = combined(parts)
    found, counts = np.unique(code, return_counts=True)
    source_names, starts, ends = (distinct for _, distinct in parts)
    periods = len(starts) * len(ends)
    reported = set()
    for key in found[counts > 1].tolist():
        source, period = divmod(key, periods)
        start, end = divmod(period, len(ends))
        reported.add((source_names[source], (date.fromisoformat(starts[start]), date.fromisoformat(ends[end]))))
    return reported


def check_overlaps(figures, identity, periods: int, starts: list, ends: list, series, dated) -> set | None:
    """validate.overlap_problems: the distinct periods of each series (``identity``: series code *
    ``periods`` + period code, sorted, of the dated rows) are checked once per distinct set of
    them; only series whose periods overlap without nesting are read as rows. Returns
    ``reported_periods`` when it was needed, else None."""
    import numpy as np

    from .validate import overlap_problems, parse_figures

    def days(texts: list) -> np.ndarray:
        return np.asarray([date.fromisoformat(t).toordinal() if t else 0 for t in texts], dtype=np.int64)

    # Sorted and without repeats (the identity rule above refused any): one code per period of a series.
    group, period = identity // periods, identity % periods
    # Only series where two periods share a day at all, nested or not, are looked at: sorted by
    # start, a period that overlaps any earlier one overlaps the one just before it.
    first_day, last_day = days(starts)[period // len(ends)], days(ends)[period % len(ends)]
    order = np.lexsort((last_day, first_day, group))
    by_start, first_day, last_day = group[order], first_day[order], last_day[order]
    touching = (by_start[1:] == by_start[:-1]) & (first_day[1:] <= last_day[:-1])
    if not touching.any():
        return None
    suspects = np.unique(by_start[1:][touching])
    at = np.minimum(np.searchsorted(suspects, group), len(suspects) - 1)
    keep = suspects[at] == group
    group, period = group[keep], period[keep]
    firsts = np.flatnonzero(np.r_[True, group[1:] != group[:-1]])
    lasts = np.r_[firsts[1:], len(group)]
    period_items = period.tolist()
    by_signature: dict[tuple, list[int]] = {}
    for first, last in zip(firsts.tolist(), lasts.tolist(), strict=True):
        if last - first > 1:
            by_signature.setdefault(tuple(period_items[first:last]), []).append(int(group[first]))
    overlapping = []
    for signature, groups in by_signature.items():
        dates = [
            (date.fromisoformat(starts[code // len(ends)]), date.fromisoformat(ends[code % len(ends)]))
            for code in signature
        ]
        if rules.partial_overlaps(dates):
            overlapping += groups
    if not overlapping:
        return None
    # The rows of those series, found by binary search: np.isin hashes every row's code.
    wanted = np.unique(np.asarray(overlapping, dtype=np.int64))
    at = np.minimum(np.searchsorted(wanted, series), len(wanted) - 1)
    picked = np.flatnonzero(dated & (wanted[at] == series))
    rows = figures.select(FIGURE_FIELDS).take(picked).to_pylist()
    reported = reported_periods(figures)
    if overlap_problems(parse_figures(enumerate(rows)), reported, ""):
        raise Undecided
    return reported


def check_series(periods: list, group_starts: list[int], values) -> None:
    """Parts against wholes for every series whose periods are ``periods`` (in order), the
    values of the series starting at ``start`` being ``values[start + i]``."""
    import numpy as np

    if not rules.has_nesting(periods):
        return
    matrix = values[np.asarray(group_starts)[:, None] + np.arange(len(periods))]
    position = {p: i for i, p in enumerate(periods)}
    for w, whole in enumerate(periods):
        parts = [i for i, p in enumerate(periods) if rules.strictly_within(p, whole)]
        for i in parts:
            _np_fail(matrix[:, i] > matrix[:, w])
        part_periods = sorted({periods[i] for i in parts})
        for chosen in {tuple(rules.minimal(part_periods)), tuple(rules.maximal(part_periods))}:
            if len(chosen) < 2 or not rules.tiles(list(chosen), whole):
                continue
            columns = [position[p] for p in chosen]
            _np_fail(matrix[:, columns].sum(axis=1) != matrix[:, w])


def _np_fail(condition) -> None:
    if condition.any():
        raise Undecided


def subsets_against_wholes(keys, metrics: list[str], metric, values) -> None:
    """Each count of rules.COUNTED_WITHIN (requests fulfilled, notices, delayed-notice orders) never above its
    whole for the same platform, jurisdiction, request type and period (``keys``: a code per exact
    count; ``metric``: its index in ``metrics``)."""
    import numpy as np

    for subset_name, whole_name, _, _ in rules.COUNTED_WITHIN:
        if subset_name not in metrics or whole_name not in metrics:
            continue
        subset = metric == metrics.index(subset_name)
        whole = metric == metrics.index(whole_name)
        whole_keys, whole_values = keys[whole], values[whole]
        order = np.argsort(whole_keys, kind="stable")
        whole_keys, whole_values = whole_keys[order], whole_values[order]
        wanted_keys, wanted_values = keys[subset], values[subset]
        at = np.searchsorted(whole_keys, wanted_keys)
        found = at < len(whole_keys)
        found[found] = whole_keys[at[found]] == wanted_keys[found]
        _np_fail(wanted_values[found] > whole_values[at[found]])


def parts_against_wholes(keys, metrics: list[str], metric, values, exempt) -> None:
    """validate.figure_problems' counts by outcome against their whole (rules.REQUEST_PARTS), for
    the same platform, jurisdiction, request type and period (``keys``, as for
    subsets_against_wholes). Undecided wherever a whole is below its parts or, for a whole its
    parts make up, differs from them; a whole ``exempt`` (an inconsistent_parts disagreement
    names it) is not compared."""
    import numpy as np

    for whole_name, part_names, exhaustive in rules.REQUEST_PARTS:
        codes = [metrics.index(name) for name in part_names if name in metrics]
        if whole_name not in metrics or not codes:
            continue
        is_part = np.isin(metric, codes)
        if not is_part.any():
            continue
        part_keys, inverse = np.unique(keys[is_part], return_inverse=True)
        sums = np.zeros(len(part_keys), dtype=np.int64)
        np.add.at(sums, inverse, values[is_part])
        counted = np.bincount(inverse, minlength=len(part_keys))
        whole = (metric == metrics.index(whole_name)) & ~exempt
        whole_keys, whole_values = keys[whole], values[whole]
        order = np.argsort(whole_keys, kind="stable")
        whole_keys, whole_values = whole_keys[order], whole_values[order]
        at = np.searchsorted(whole_keys, part_keys)
        found = at < len(whole_keys)
        found[found] = whole_keys[at[found]] == part_keys[found]
        given = whole_values[at[found]]
        _np_fail(sums[found] > given)
        if exhaustive:
            _np_fail((counted[found] == len(part_names)) & (sums[found] != given))


def shares_against_counts(
    value, keys, metrics: list[str], metric, shares, count_keys, count_metric, counts, count_exempt
) -> None:
    """validate.figure_problems' shares against the counts they are the share of
    (rules.SHARES_OF_COUNTS), for the same platform, jurisdiction, request type and period
    (``keys``: a code per row; ``shares``: the rows holding an exact percent no inconsistent_parts
    disagreement names; ``count_keys``, ``count_metric``, ``counts`` and ``count_exempt``: those of
    the exact counts). Undecided wherever a share may not be 100 × part / whole cut or rounded to
    its decimals, of a part and whole no such disagreement names either."""
    import numpy as np

    for share_name, *counted_names in rules.SHARES_OF_COUNTS:
        if share_name not in metrics or any(name not in metrics for name in counted_names):
            continue
        rows = shares & (metric == metrics.index(share_name))
        if not rows.any():
            continue
        wanted = keys[rows]
        found = np.ones(len(wanted), dtype=bool)
        counted = []
        for name in counted_names:
            of_name = (count_metric == metrics.index(name)) & ~count_exempt
            name_keys, name_values = count_keys[of_name], counts[of_name]
            if not len(name_keys):
                found[:] = False
                break
            order = np.argsort(name_keys, kind="stable")
            name_keys, name_values = name_keys[order], name_values[order]
            at = np.minimum(np.searchsorted(name_keys, wanted), len(name_keys) - 1)
            found &= name_keys[at] == wanted
            counted.append(name_values[at])
        if not found.any():
            continue
        texts = value.filter(rows).to_pylist()
        texts = [text for text, kept in zip(texts, found.tolist(), strict=True) if kept]
        if any("e" in text.lower() for text in texts):
            raise Undecided  # written with an exponent: its decimals are the rule's to read
        # In whole units of the share's last decimal, in integers: the share must be the quotient
        # cut (floor) or rounded (half up, or half to even at exactly a half).
        decimals = np.asarray([len(text.partition(".")[2]) for text in texts], dtype=np.int64)
        given = np.asarray([int(text.replace(".", "")) for text in texts], dtype=np.int64)
        part, whole = (c[found] for c in counted)
        positive = whole > 0
        if (decimals > 6).any() or (part.astype(np.float64) * 10.0 ** (decimals + 3) >= 2**62).any():
            raise Undecided  # beyond what int64 holds exactly
        scaled = part[positive] * 100 * 10 ** decimals[positive]
        floor, rest = np.divmod(scaled, whole[positive])
        _np_fail(~((given[positive] == floor) | ((2 * rest >= whole[positive]) & (given[positive] == floor + 1))))


def check_corrections(figures, corrections) -> None:
    """validate.correction_problems: a figure's latest correction (by corrected_date, then
    correction_id) names a figure in the data, or, a removal, one that is gone."""
    import pyarrow as pa
    import pyarrow.compute as pc

    from .validate import latest_correction_lines

    ids = corrections.column("figure_id").to_pylist()  # a few hundred rows
    dates = corrections.column("corrected_date").to_pylist()
    correction_ids = corrections.column("correction_id").to_pylist()
    rows = [
        (index, {"figure_id": f, "corrected_date": d, "correction_id": c})
        for index, (f, d, c) in enumerate(zip(ids, dates, correction_ids, strict=True))
    ]
    last = latest_correction_lines(rows)
    latest = pa.array([last[figure_id] == index for index, figure_id in enumerate(ids)], type=pa.bool_())
    named = among(corrections.column("figure_id"), figures.column("figure_id"))
    has_new = pc.not_equal(corrections.column("new_value"), "")
    _fail(pc.and_(latest, pc.and_(has_new, pc.invert(named))))
    _fail(pc.and_(latest, pc.and_(pc.invert(has_new), named)))


def check_corroborations(tables: dict) -> None:
    """validate.corroboration_problems. A corroboration of a reported figure is checked in Arrow,
    against its figure's columns taken beside it (``check_values_in_quotes``, the rules its quote
    shares with a figure's); one of a derived figure by corroboration_problems itself, against
    the figures the build derives from the series its id names (derivations never cross series)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    from .validate import corroboration_problems, derived_id_series, derived_rows

    figures, corroborations = tables["figures"], tables["corroborations"]
    at = index_among(corroborations.column("figure_id"), figures.column("figure_id"))
    reported = pc.is_valid(at)
    rows = corroborations.filter(reported)
    figure = figures.select(["source_id", "value_kind", "value", "value_low", "value_high", "metric_id"]).take(
        _array(at.filter(reported))
    )
    _fail(pc.equal(rows.column("source_id"), figure.column("source_id")))
    records = pc.is_in(rows.column("source_id"), value_set=_record_sources(tables["sources"]))
    joined = pa.table(
        {
            **{name: figure.column(name) for name in ("value_kind", "value", "value_low", "value_high", "metric_id")},
            **{name: rows.column(name) for name in ("quote", "source_locator")},
        }
    )
    check_values_in_quotes(joined, records)

    others = corroborations.filter(pc.invert(reported)).to_pylist()
    if not others:
        return
    series = {derived_id_series(row["figure_id"]) for row in others}
    if None in series:
        raise Undecided  # not a figure, nor an id the build could derive
    keys = pc.binary_join_element_wise(
        figures.column("platform_id"),
        _mapped(figures.column("jurisdiction_id"), lambda text: text.lower()),
        figures.column("request_type_id"),
        figures.column("metric_id"),
        "|",
    )
    inputs = figures.filter(pc.is_in(keys, value_set=_strings(sorted("|".join(key) for key in series)))).to_pylist()
    units = _column_dict(tables["metrics"], "metric_id", "unit")
    sources = _column_dict(tables["sources"], "source_id", "kind")
    if corroboration_problems(list(enumerate(others)), derived_rows(inputs, units), sources, ""):
        raise Undecided
