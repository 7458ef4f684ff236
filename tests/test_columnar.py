"""The build's Arrow reader (disclosures/columnar.py) gives exactly the rows the one-pass reader
types, as SQLite values, with the same raw-cell digest; a cell that fails its type, or a file
that is not a plain CSV, hands the package back to the slow path."""

import json
import os
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pytest

from disclosures import build, columnar, paths, stamp, table_schema, validate
from tests.packages import BROKEN, make_package
from tests.test_table_schema import HOSTILE_CELLS, rewrite


def python_tables(package):
    descriptor = json.loads(package.read_text(encoding="utf-8"))
    tables = table_schema.read_package(package, descriptor, str, check=False)
    resources = {r["name"]: r for r in descriptor["resources"]}
    return {name: (list(build.sql_rows(t, resources[name]["schema"]["fields"])), t) for name, t in tables.items()}


def assert_same(package):
    descriptor = json.loads(package.read_text(encoding="utf-8"))
    arrow = columnar.read_validated(package, descriptor)
    assert arrow is not None
    for name, (rows, table) in python_tables(package).items():
        assert arrow[name].sql_values
        assert arrow[name].rows == rows, name
        # Same values and the same types (1 and 1.0 are equal, but SQLite stores them apart).
        assert [tuple(map(type, r)) for r in arrow[name].rows] == [tuple(map(type, r)) for r in rows], name
        assert list(arrow[name].lines) == list(table.lines)
        assert arrow[name].digest == table.digest, name


def test_the_real_package_reads_the_same_through_arrow():
    assert_same(paths.PACKAGE)


@pytest.mark.parametrize(
    "fixture", [f for f in BROKEN if f in ("band_bounds_reversed", "leading_zero", "plus_sign", "count_not_whole")]
)
def test_cells_that_type_read_the_same_even_when_a_rule_breaks(tmp_path, fixture):
    assert_same(make_package(tmp_path, fixture))


@pytest.mark.parametrize("cell", ["NaN", "2024-13-01", "not a uri", "1_000"])
def test_a_cell_that_fails_its_type_hands_the_package_back(tmp_path, cell):
    def change(name, rows):
        for index, row in enumerate(rows):
            row[index % len(row)] = cell

    package = make_package(tmp_path)
    rewrite(package, change)
    descriptor = json.loads(package.read_text(encoding="utf-8"))
    assert columnar.read_validated(package, descriptor) is None


@pytest.mark.parametrize("cell", [c for c in HOSTILE_CELLS if c in ("", " padded ", "tab\there", "x" * 4001)])
def test_text_cells_read_as_written(tmp_path, cell):
    def change(name, rows):
        for row in rows:
            row[-1] = cell if not row[-1] else row[-1]

    package = make_package(tmp_path)
    rewrite(package, change)
    assert_same(package)


@pytest.mark.parametrize("damage", [b"\n\n", b"a,b\n"])
def test_a_file_that_is_not_a_plain_csv_hands_the_package_back(tmp_path, damage):
    package = make_package(tmp_path)
    path = package.parent / "data" / "events.csv"
    path.write_bytes(path.read_bytes() + damage)
    descriptor = json.loads(package.read_text(encoding="utf-8"))
    assert columnar.read_validated(package, descriptor) is None


def test_a_stamped_package_is_built_from_the_arrow_read(tmp_path):
    package = make_package(tmp_path / "package")
    stamp.record_valid(package, tmp_path / "site")
    tables = build.typed_tables(package, tmp_path / "site")
    assert all(table.sql_values for table in tables.values())
    # Without the stamp the build validates the package as make validate does (Arrow's proof),
    # and loads that validation's own columns: the same rows, the same digests.
    unstamped = build.typed_tables(package, tmp_path / "elsewhere")
    assert all(table.sql_values for table in unstamped.values())
    assert {name: (t.fields, t.rows, t.digest) for name, t in unstamped.items()} == {
        name: (t.fields, t.rows, t.digest) for name, t in tables.items()
    }


@pytest.mark.parametrize("spec", [{"type": "number"}, {"type": "integer"}])
def test_canonical_numbers_read_as_their_decimal_would(spec):
    texts = ["0", "12", "-0", "-3", "123456789012345678", "1000000"]
    if spec["type"] == "number":
        texts += ["81.5", "0.00001", "-3.25", "0.1", "12345678901234.5", "1e3", "+5", "007", "2.50"]
    read = table_schema.cell_reader(spec, check=False)
    expected = [columnar.sql_value(read(text)[0]) for text in texts]
    values = columnar._sql_of(spec, texts)
    assert values == expected
    assert list(map(type, values)) == list(map(type, expected))


def test_a_column_of_one_text_per_row_reads_as_written(tmp_path):
    # Mostly distinct text (ids, quotes) is taken as it is; an empty cell is None, as typed.
    path = tmp_path / "t.csv"
    cells = [f"quote, {i}" for i in range(300)] + [""]
    path.write_text("a,b\n" + "".join(f'"{c}",x\n' if c else ",x\n" for c in cells), encoding="utf-8")
    fields = [{"name": "a", "type": "string"}, {"name": "b", "type": "string"}]
    table = columnar.read_table(path, {"name": "t", "schema": {"fields": fields}})
    assert table is not None
    assert [row[0] for row in table.rows] == cells[:-1] + [None]
    assert table.digest == table_schema.rows_digest([c, "x"] for c in cells)


def test_columns_of_unequal_lengths_are_refused():
    with pytest.raises(ValueError):
        columnar.table_of("t", ["n", "s"], [["1", "2"], ["a"]], [[1, 2], ["a", "b"]])
    with pytest.raises(ValueError):  # the raw cells too, though their digest is computed later
        columnar.table_of("t", ["n", "s"], [["1", "2"], ["a"]], [[1, 2], ["a", "a"]])
    with pytest.raises(ValueError, match="typed column"):  # the first empty: no rows to zip
        columnar.table_of("t", ["n", "s"], [[], []], [[], ["a"]])
    assert columnar.table_of("t", ["n", "s"], [[], []], [[], []]).rows == []


def test_the_raw_cells_are_held_until_their_digest_is_read_then_let_go():
    raw, typed = [["1", "02"], ["a", ""]], [[1, 2], ["a", None]]
    table = columnar.table_of("t", ["n", "s"], raw, typed)
    assert raw == [] and table.raw_columns == [["1", "02"], ["a", ""]]
    table.settle_digest()
    assert table.raw_columns is None
    assert table.digest == table_schema.rows_digest([["1", "a"], ["02", ""]]) != 0
    table.digest = 7  # as a reader that computed it itself sets it
    assert table.digest == 7


@pytest.mark.parametrize("breaks", [False, True])
def test_freed_arrow_memory_returns_at_once_only_while_the_rows_are_read(tmp_path, monkeypatch, breaks):
    # The build forks once the rows are read; pages jemalloc kept would be copied into the child.
    # Arenas made afterwards decay as Arrow's default has them, whether the package read or not.
    import pyarrow as pa

    package = make_package(tmp_path)
    if breaks:

        def change(name, rows):
            for index, row in enumerate(rows):
                row[index % len(row)] = "2024-13-01"

        rewrite(package, change)
    settings = []
    monkeypatch.setattr(pa, "default_memory_pool", lambda: type("Pool", (), {"backend_name": "jemalloc"})())
    monkeypatch.setattr(pa, "jemalloc_set_decay_ms", settings.append)
    read = columnar.read_validated(package, json.loads(package.read_text(encoding="utf-8")))
    assert (read is None) is breaks
    assert settings == [0, columnar.ARROW_DECAY_MS]


def test_a_raw_cell_that_is_not_a_text_leaves_no_digest_not_a_zero_one():
    # None, not 0 (an empty table's digest): the round trip then compares the CSV itself.
    table = columnar.table_of("t", ["a", "b"], [["x", None], ["y", "z"]], [["x", None], ["y", "z"]])
    assert table.digest is None and table.raw_columns is None
    assert table.digest is None


def test_rows_whose_raw_cell_is_not_a_text_are_built_by_the_round_trip_on_the_csv(tmp_path, monkeypatch):
    # A rows file written with a raw cell that is not a text (a writer's bug: its hash holds):
    # its digest is taken only once the build has begun, and none is; the round trip reads the
    # CSV, which the database matches, and the build completes (a traceback, in c4eccc4).
    package = make_package(tmp_path / "package")
    key = stamp.current_key(package)
    typed: list = []
    assert validate.validate_package(package, typed=typed) == []
    columns = {name: (list(raw), list(values)) for name, (raw, values) in typed[0]["columns"].items()}
    raw = columns["metrics"][0]
    raw[0] = [None, *raw[0][1:]]
    stamp.record_valid(package, tmp_path / "site", key, typed=columns)
    compared = []
    original = build.round_trip

    def recording(db, package_path, descriptor, digests=None):
        compared.append(dict(digests))
        original(db, package_path, descriptor, digests)

    monkeypatch.setattr(build, "round_trip", recording)
    build.build_site(package, tmp_path / "site")
    [digests] = compared
    assert digests["metrics"] is None and digests["figures"] not in (None, 0)


def test_validation_hands_the_build_the_rows_it_read(tmp_path, monkeypatch):
    """`validate` leaves its typed rows beside the stamp; the build loads them instead of reading
    the CSVs again, and gets what the Arrow read would give: values, types, lines and digest."""
    package = make_package(tmp_path / "package")
    descriptor = json.loads(package.read_text(encoding="utf-8"))
    key = stamp.current_key(package)
    typed: list = []
    assert validate.validate_package(package, typed=typed) == []
    stamp.record_valid(package, tmp_path / "site", key, typed=typed[0]["columns"])
    assert (tmp_path / "site" / stamp.ROWS_FILE).exists()
    handed = stamp.validated_tables(tmp_path / "site", key, descriptor)
    read = columnar.read_validated(package, descriptor)
    assert handed.keys() == read.keys()
    for name, table in read.items():
        assert handed[name].rows == table.rows, name
        assert [tuple(map(type, r)) for r in handed[name].rows] == [tuple(map(type, r)) for r in table.rows], name
        assert handed[name].digest == table.digest, name
        assert list(handed[name].lines) == list(table.lines), name
        assert handed[name].fields == table.fields and handed[name].sql_values
    assert read["figures"].digest != 0
    # The build takes them, and does not read a CSV.
    monkeypatch.setattr(columnar, "read_validated", lambda *a: pytest.fail("the CSVs were read again"))
    assert build.typed_tables(package, tmp_path / "site")["figures"].rows == read["figures"].rows


def test_the_rows_validation_serialized_while_its_child_decided_are_the_file_the_stamp_writes(tmp_path):
    # arrow_validate serializes the columns while it waits for its child (stamp.rows_body); the
    # command writes that body under its head: the same bytes as serializing them afterwards.
    package = make_package(tmp_path / "package")
    key = stamp.current_key(package)
    typed: list = []
    assert validate.validate_package(package, typed=typed) == []
    handed = typed[0]
    assert handed["body"] == stamp.rows_body(handed["columns"])
    assert stamp.rows_parts(key, handed["columns"], handed["body"]) == stamp.rows_parts(key, handed["columns"])
    stamp.record_valid(package, tmp_path / "site", key, rows=stamp.rows_parts(key, handed["columns"], handed["body"]))
    descriptor = json.loads(package.read_text(encoding="utf-8"))
    assert stamp.validated_tables(tmp_path / "site", key, descriptor)["figures"].rows


def test_rows_staged_while_the_child_decides_are_the_file_the_stamp_writes(tmp_path):
    # validate stages the body (stamp.StagedRows) before its child has decided, with the inputs
    # parsed; published, the file is byte for byte what record_valid writes of the columns.
    package = make_package(tmp_path / "package")
    key = stamp.current_key(package)
    staged = stamp.StagedRows(tmp_path / "staged", key, package)
    calls = []

    def stage(body, parsed):
        calls.append(parsed)
        staged.stage(body, parsed)

    typed: list = []
    assert validate.validate_package(package, typed=typed, stage=stage) == []
    handed = typed[0]
    assert "body" not in handed and calls == [handed["inputs"]]
    assert staged.unchanged is True
    assert [p.name for p in (tmp_path / "staged").iterdir()] == [f".{stamp.ROWS_FILE}.{os.getpid()}.tmp"]
    stamp.record_valid(package, tmp_path / "staged", key, rows=staged)
    stamp.record_valid(package, tmp_path / "written", key, typed=handed["columns"])
    for name in (stamp.ROWS_FILE, stamp.STAMP_FILE):
        assert (tmp_path / "staged" / name).read_bytes() == (tmp_path / "written" / name).read_bytes(), name
    assert sorted(p.name for p in (tmp_path / "staged").iterdir()) == [stamp.ROWS_FILE, stamp.STAMP_FILE]
    staged.discard()  # once published, nothing of it is deleted
    assert sorted(p.name for p in (tmp_path / "staged").iterdir()) == [stamp.ROWS_FILE, stamp.STAMP_FILE]


@pytest.mark.parametrize("earlier", ["longer", "shorter", "symlink", "folder"])
def test_staged_rows_written_over_an_earlier_validations_are_the_same_bytes(tmp_path, earlier):
    # An earlier validation's rows file (a regular file) is written over, its pages reused; what
    # is published is byte for byte what record_valid writes. A symlink or a folder of that name
    # is not written through: its target is left as it was.
    package = make_package(tmp_path / "package")
    key = stamp.current_key(package)
    typed: list = []
    assert validate.validate_package(package, typed=typed) == []
    columns = typed[0]["columns"]
    stamp.record_valid(package, tmp_path / "fresh", key, typed=columns)
    site = tmp_path / "site"
    site.mkdir()
    fresh = (tmp_path / "fresh" / stamp.ROWS_FILE).read_bytes()
    target = tmp_path / "elsewhere"
    if earlier == "symlink":
        target.write_bytes(b"not ours")
        (site / stamp.ROWS_FILE).symlink_to(target)
    elif earlier == "folder":
        (site / stamp.ROWS_FILE).mkdir()
    else:
        (site / stamp.ROWS_FILE).write_bytes(b"x" * (len(fresh) * 2 if earlier == "longer" else 10))
    staged = stamp.StagedRows(site, key, package)
    staged.stage(stamp.rows_body(columns), typed[0]["inputs"])
    if earlier == "folder":
        with pytest.raises(IsADirectoryError):
            stamp.record_valid(package, site, key, rows=staged)
        staged.discard()
        assert sorted(p.name for p in site.iterdir()) == [stamp.ROWS_FILE]
        return
    stamp.record_valid(package, site, key, rows=staged)
    assert (site / stamp.ROWS_FILE).read_bytes() == fresh
    assert not (site / stamp.ROWS_FILE).is_symlink()
    if earlier == "symlink":
        assert target.read_bytes() == b"not ours"
    assert sorted(p.name for p in site.iterdir()) == [stamp.ROWS_FILE, stamp.STAMP_FILE]


def test_staged_rows_found_changed_are_not_published_and_leave_nothing(tmp_path):
    package = make_package(tmp_path / "package")
    key = stamp.current_key(package)
    staged = stamp.StagedRows(tmp_path / "out" / "site", key, package)
    parsed = {"data/platforms.csv": "sha256:" + "0" * 64}  # not the bytes the key hashed
    staged.stage(stamp.rows_body({}), parsed)
    assert staged.unchanged is False
    assert len(list((tmp_path / "out" / "site").iterdir())) == 1
    staged.discard()
    # The folders it made are gone with it: validation failing makes none.
    assert sorted(p.name for p in tmp_path.iterdir()) == ["package"]


def test_staged_rows_keep_the_folders_error_for_publish(tmp_path):
    package = make_package(tmp_path / "package")
    (tmp_path / "site").write_text("", encoding="utf-8")
    staged = stamp.StagedRows(tmp_path / "site", stamp.current_key(package), package)
    staged.stage(stamp.rows_body({}), {})  # raises nothing: validation goes on
    assert staged.unchanged is True and isinstance(staged.error, FileExistsError)
    with pytest.raises(FileExistsError):
        stamp.record_valid(package, tmp_path / "site", staged.key, rows=staged)
    staged.discard()
    assert (tmp_path / "site").read_text(encoding="utf-8") == ""


def test_staged_rows_cut_short_leave_no_file_and_no_folder(tmp_path, monkeypatch):
    # A full disk mid-body: the part written is deleted with the folder made for it, and the
    # error waits for publish (where validate reports it).
    package = make_package(tmp_path / "package")
    staged = stamp.StagedRows(tmp_path / "out", stamp.current_key(package), package)
    opened = Path.open

    class Full:
        def __init__(self, handle):
            self.handle, self.writes = handle, 0

        def __enter__(self):
            return self

        def __exit__(self, *exc):
            self.handle.close()

        def write(self, data):
            self.writes += 1
            if self.writes > 1:
                raise OSError(28, "No space left on device")
            return self.handle.write(data)

    monkeypatch.setattr(Path, "open", lambda self, *a, **k: Full(opened(self, *a, **k)))
    staged.write(stamp.rows_body({"t": ([["a"]], [["a"]])}))
    monkeypatch.undo()
    assert staged.written is None and staged.error.errno == 28
    assert sorted(p.name for p in tmp_path.iterdir()) == ["package"]
    with pytest.raises(OSError, match="No space left"):
        staged.publish()


def test_handed_rows_are_used_only_for_the_bytes_they_were_read_from(tmp_path):
    package = make_package(tmp_path / "package")
    descriptor = json.loads(package.read_text(encoding="utf-8"))
    key = stamp.current_key(package)
    typed: list = []
    validate.validate_package(package, typed=typed)
    site = tmp_path / "site"
    stamp.record_valid(package, site, key, typed=typed[0]["columns"])
    rows = site / stamp.ROWS_FILE
    good = rows.read_bytes()
    # Another key (a changed byte, another validator): not these rows.
    assert stamp.validated_tables(site, {**key, "validator": "sha256:other"}, descriptor) is None
    # A damaged or truncated file, or one from another format: read the CSVs instead.
    # One letter of a cell changed: still marshal, the same shape, a value no CSV holds.
    at = good.rindex(b"Fulfilled requests")
    flipped = good[:at] + b"X" + good[at + 1 :]
    # A head line nested deeper than json can read (a RecursionError, which ended the build).
    nested = b"[" * 200_000 + b"\n" + good[good.index(b"\n") + 1 :]
    for damaged in (b"", good[: len(good) // 2], b"not marshal", marshal_of(("other format", 1)), flipped, nested):
        rows.write_bytes(damaged)
        assert stamp.validated_tables(site, key, descriptor) is None
        # Read and hashed as a build starts (stamp.RowsBody): refused the same.
        assert stamp.validated_tables(site, key, descriptor, stamp.RowsBody(site)) is None
        assert (
            build.typed_tables(package, site)["figures"].rows
            == columnar.read_validated(package, descriptor)["figures"].rows
        )
    rows.write_bytes(good)
    handed = stamp.validated_tables(site, key, descriptor)
    # The file replaced, or written over in place, once read: the bytes hashed are the bytes
    # used (a map showed the write, which a fresh helper's break test had loaded past the hash).
    for change in ("replaced", "in place"):
        body = stamp.RowsBody(site)
        body._thread.join()
        if change == "replaced":
            rows.unlink()
            rows.write_bytes(flipped)
        else:
            with rows.open("r+b") as handle:
                handle.seek(at)
                handle.write(b"X")
        assert rows.read_bytes() == flipped
        taken = stamp.validated_tables(site, key, descriptor, body)
        assert {name: t.rows for name, t in taken.items()} == {name: t.rows for name, t in handed.items()}
        assert stamp.validated_tables(site, key, descriptor, stamp.RowsBody(site)) is None
        # Handed over once: the bytes are not held by the RowsBody.
        assert body.take() is None
        rows.write_bytes(good)
    # No file to read: read as without one.
    assert stamp.RowsBody(tmp_path / "nowhere").take() is None
    # A build that validates the package itself (no stamp for these bytes) lets the read rows go.
    body = stamp.RowsBody(site)
    (site / stamp.STAMP_FILE).unlink()
    assert build.typed_tables(package, site, rows_body=body)["figures"].rows
    assert body.take() is None
    assert stamp.validated_tables(tmp_path / "nowhere", key, descriptor, stamp.RowsBody(tmp_path / "nowhere")) is None
    # A stamp written without rows (the build validated the package itself) removes stale ones.
    rows.write_bytes(good)
    stamp.record_valid(package, site, key)
    assert not rows.exists()
    # A descriptor with a field more than the rows: not these rows.
    descriptor["resources"][0]["schema"]["fields"].append({"name": "added", "type": "string"})
    stamp.record_valid(package, site, key, typed=typed[0]["columns"])
    assert stamp.validated_tables(site, key, descriptor) is None


def marshal_of(value) -> bytes:
    import marshal

    return marshal.dumps(value)


def test_validation_hands_over_no_rows_when_it_could_not_prove_the_package(tmp_path):
    package = make_package(tmp_path / "package", "period_order")
    typed: list = []
    assert validate.validate_package(package, typed=typed)
    assert typed == []


def test_rows_are_handed_over_only_for_the_bytes_the_stamp_is_taken_of(tmp_path, monkeypatch):
    """A CSV edited while validation reads it, then put back: the stamp's key (taken before) matches
    the bytes again, but the rows read were the edited ones. The hashes of the bytes parsed
    tell them apart, so nothing is recorded (a reviewer built 'Amazon STORE EDITED' this way)."""
    from disclosures import arrow_validate

    package = make_package(tmp_path / "package")
    platforms = package.parent / "data" / "platforms.csv"
    original = platforms.read_bytes()
    key = stamp.current_key(package)
    read = arrow_validate.read_strings

    def edited_while_read(path, names, digests=None, kept=None):
        if path == platforms:
            platforms.write_bytes(original.replace(b"ExampleChat", b"ExampleChat EDITED", 1))
            try:
                return read(path, names, digests, kept)
            finally:
                platforms.write_bytes(original)
        return read(path, names, digests, kept)

    monkeypatch.setattr(arrow_validate, "read_strings", edited_while_read)
    typed: list = []
    assert validate.validate_package(package, typed=typed) == []
    assert stamp.current_key(package) == key  # put back: the same bytes as before
    assert not stamp.still_current(package, key, typed[0]["inputs"])
    # Read undisturbed, the same check passes.
    monkeypatch.setattr(arrow_validate, "read_strings", read)
    typed = []
    assert validate.validate_package(package, typed=typed) == []
    assert stamp.still_current(package, key, typed[0]["inputs"])
    # A file changed after validation read it (no put back): not current either.
    platforms.write_bytes(original + b"")
    (package.parent / "data" / "events.csv").write_bytes(
        (package.parent / "data" / "events.csv").read_bytes().replace(b"Policy change", b"Policy changed", 1)
    )
    assert not stamp.still_current(package, key, typed[0]["inputs"])


def test_a_descriptor_replaced_while_it_is_read_then_put_back_is_not_vouched_for(tmp_path, monkeypatch):
    """As a CSV above, datapackage.json: a break test replaced it by one with a looser maxLength
    while validation read it, then put it back; the stamp named the strict bytes, and the next
    build published a name they refuse. Its parsed bytes' hash now goes with the files'."""
    package = make_package(tmp_path / "package")
    original = package.read_bytes()
    key = stamp.current_key(package)
    proved = validate.proved_descriptor

    def replaced_while_read(*args, **kwargs):
        package.write_bytes(original.replace(b'"resources"', b' "resources"', 1))  # other bytes, as valid
        try:
            return proved(*args, **kwargs)
        finally:
            package.write_bytes(original)

    monkeypatch.setattr(validate, "proved_descriptor", replaced_while_read)
    # make validate: staged while its child decides, found changed, so nothing is recorded.
    staged = stamp.StagedRows(tmp_path / "site", key, package)
    typed: list = []
    try:
        assert validate.validate_package(package, typed=typed, stage=staged.stage) == []
        assert stamp.current_key(package) == key  # put back: the same bytes as before
        assert staged.unchanged is False
        assert not stamp.still_current(package, key, typed[0]["inputs"])
    finally:
        staged.discard()
    # A build with no stamp refuses, and records none.
    with pytest.raises(build.BuildFailed, match="changed while it was validated"):
        build.build_site(package, tmp_path / "site")
    assert not (tmp_path / "site" / stamp.STAMP_FILE).exists()
    # Read undisturbed, the same bytes are vouched for.
    monkeypatch.setattr(validate, "proved_descriptor", proved)
    typed = []
    assert validate.validate_package(package, typed=typed) == []
    assert typed[0]["inputs"]["datapackage.json"] == key["inputs"]["datapackage.json"]
    assert stamp.still_current(package, key, typed[0]["inputs"])


def test_the_distinct_cells_are_judged_by_a_sample_spread_over_the_column():
    # A file grouped by source holds one quote in rows side by side: its first 10,000 rows had a
    # quarter as many distinct quotes as the column, which was then hashed whole to find them.
    column = pa.chunked_array([["one quote"] * 30_000, [f"quote {n}" for n in range(70_000)]])
    sample = columnar.sampled_cells(column)
    assert len(sample) == columnar.DISTINCT_SAMPLE
    assert len(pc.unique(sample)) * 2 > len(sample)
    assert len(pc.unique(column.slice(0, columnar.DISTINCT_SAMPLE))) == 1  # what the first rows said
    assert columnar.sampled_cells(pa.array(["a", "b", "a"])).to_pylist() == ["a", "b", "a"]
