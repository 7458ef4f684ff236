"""The pipeline at scale: one validation, one transaction, precomputed counts, the bench's parts.

Speed itself is measured by `make bench`, never asserted here; these tests pin the behaviour
that makes it fast (no second validation, no commit per chunk) and the numbers the site reads.
"""

import asyncio
import csv
import hashlib
import io
import json
import os
import random
import re
import shutil
import sqlite3
import subprocess
import sys
import threading
from datetime import date
from decimal import Decimal

import pytest
import sqlite_utils
import yaml

from disclosures import bench, build, paths, precompute, rules, site_config, stamp, synthetic, table_schema, validate
from disclosures.files import HASH_BLOCK_BYTES, sha256_file
from disclosures.vocabulary import DATABASE_FILE
from tests.conftest import rows
from tests.packages import make_package

# The figures table's facets, as metadata.yml configures them.
FACETS = yaml.safe_load((paths.SITE_METADATA_SOURCE).read_text(encoding="utf-8"))["databases"]["disclosures"]["tables"][
    "figures"
]["facets"]


@pytest.fixture
def validations(monkeypatch):
    """The arguments of every validation a build makes from now on, in order (a list that grows
    as they happen): how a test sees whether the build validated again. Each begins with Arrow's
    proof (``build._proved_tables``), which ``validate.check_package`` follows only when Arrow
    cannot decide."""
    calls = []
    original = build._proved_tables

    def counting(*args, **kwargs):
        calls.append(args)
        return original(*args, **kwargs)

    monkeypatch.setattr(build, "_proved_tables", counting)
    return calls


def test_synthetic_package_is_valid_deterministic_and_the_size_asked(tmp_path):
    size = (paths.ROOT / "data" / "figures.csv").read_bytes().count(b"\n") - 1 + 1_500
    first = synthetic.write_package(tmp_path / "a", size, seed=3)
    second = synthetic.write_package(tmp_path / "b", size, seed=3)
    figures = (first.parent / "data" / "figures.csv").read_bytes()
    assert figures == (second.parent / "data" / "figures.csv").read_bytes()
    assert len(list(csv.reader(io.StringIO(figures.decode("utf-8"))))) == size + 1
    problems, tables = validate.check_package(first)
    assert problems == []
    assert len(tables["figures"].rows) == size


def test_stamp_matches_only_the_same_bytes(tmp_path):
    package = make_package(tmp_path / "p")
    assert not stamp.is_valid(package, tmp_path / "site")
    stamp.record_valid(package, tmp_path / "site")
    assert stamp.is_valid(package, tmp_path / "site")
    figures = package.parent / "data" / "figures.csv"
    figures.write_text(figures.read_text(encoding="utf-8").replace("2253", "2254", 1), encoding="utf-8")
    assert not stamp.is_valid(package, tmp_path / "site")


def test_the_stamp_covers_every_file_of_the_package(tmp_path):
    # release_records.content_inputs lists the files the stamp's key hashes (a change to it that
    # changes the key already voids old stamps). What it must do is name every file: a byte
    # changed in any of them voids the stamp.
    package = make_package(tmp_path / "p")
    descriptor = json.loads(package.read_text(encoding="utf-8"))
    files = [resource["path"] for resource in descriptor["resources"]]
    assert set(stamp.validation_key(package)["inputs"]) == {"datapackage.json", *files}
    stamp.record_valid(package, tmp_path / "site")
    for name in ["datapackage.json", *files]:
        path = package.parent / name
        before = path.read_bytes()
        path.write_bytes(before + b"\n")
        assert not stamp.is_valid(package, tmp_path / "site"), name
        path.write_bytes(before)
        assert stamp.is_valid(package, tmp_path / "site"), name


def test_a_file_is_hashed_as_hashlib_hashes_it(tmp_path):
    for data in (b"", b"x", bytes(range(256)) * 5000, b"y" * (HASH_BLOCK_BYTES + 1)):
        path = tmp_path / "file"
        path.write_bytes(data)
        assert sha256_file(path) == hashlib.sha256(data).hexdigest()
    # A pipe is refused at once, not waited for (its open waited for a writer, for ever when none
    # came: a FIFO in place of a data file hung validate and build), nor taken for an empty file.
    pipe = tmp_path / "pipe"
    os.mkfifo(pipe)
    with pytest.raises(IsADirectoryError, match="not a regular file"):
        sha256_file(pipe)


def test_a_file_cut_short_while_it_is_hashed_gives_a_hash_not_a_crash(tmp_path):
    # Hashed through a memory map, a file an editor truncated meanwhile ended the process with
    # SIGBUS (validate exited -7, saying nothing). In a child process, so a crash fails this test.
    path = tmp_path / "big"
    path.write_bytes(b"z" * (256 << 20))
    script = (
        "import os, sys, threading\n"
        "from disclosures.files import sha256_file\n"
        "cut = threading.Timer(0.01, os.truncate, args=(sys.argv[1], 4096))\n"
        "cut.start()\n"
        "print(len(sha256_file(sys.argv[1])))\n"
    )
    run = subprocess.run([sys.executable, "-c", script, str(path)], cwd=paths.ROOT, capture_output=True, text=True)
    assert (run.returncode, run.stdout.strip()) == (0, "64"), run.stderr


def test_rows_made_ahead_are_the_rows_record_valid_writes(tmp_path):
    package = make_package(tmp_path / "p")
    typed: list = []
    assert validate.validate_package(package, typed=typed) == []
    key = stamp.current_key(package)
    stamp.record_valid(package, tmp_path / "a", key, typed=typed[0]["columns"])
    stamp.record_valid(package, tmp_path / "b", key, rows=stamp.rows_parts(key, typed[0]["columns"]))
    assert (tmp_path / "a" / stamp.ROWS_FILE).read_bytes() == (tmp_path / "b" / stamp.ROWS_FILE).read_bytes()
    descriptor = json.loads(package.read_text(encoding="utf-8"))
    assert stamp.validated_tables(tmp_path / "b", key, descriptor)["figures"].rows


def test_build_does_not_validate_again_after_make_validate(tmp_path, validations):
    package = make_package(tmp_path / "p")
    stamp.record_valid(package, tmp_path / "site")
    calls = validations
    build.build_site(package, tmp_path / "site")
    assert calls == []
    # Without the stamp (another folder), the build validates once, and leaves the stamp: the
    # next build of the same bytes there (after an edit to metadata.yml, say) does not again.
    assert not stamp.is_valid(package, tmp_path / "other")
    build.build_site(package, tmp_path / "other")
    assert len(calls) == 1
    assert stamp.is_valid(package, tmp_path / "other")
    build.build_site(package, tmp_path / "other")
    assert len(calls) == 1


@pytest.mark.parametrize("reader", ["proved_descriptor", "check_package"])
def test_a_stamp_vouches_only_for_the_bytes_read_before_validation(tmp_path, monkeypatch, reader):
    # A file edited while the build validates: the build cannot tell whether validation read
    # it before or after the edit, so it refuses and records nothing (a stamp of the key taken
    # before would vouch for bytes validation may not have read); the next build validates the
    # edited bytes. Validated by Arrow (proved_descriptor), or by check_package where Arrow
    # cannot decide.
    package = make_package(tmp_path / "p")
    figures = package.parent / "data" / "figures.csv"
    if reader == "check_package":
        monkeypatch.setattr(build, "_proved_tables", lambda package_path, key: None)
    original = getattr(validate, reader)

    def edited_meanwhile(*args, **kwargs):
        found = original(*args, **kwargs)
        figures.write_text(figures.read_text(encoding="utf-8").replace("2253", "2254", 1), encoding="utf-8")
        return found

    monkeypatch.setattr(validate, reader, edited_meanwhile)
    with pytest.raises(build.BuildFailed, match="changed while it was validated"):
        build.build_site(package, tmp_path / "site")
    assert not (tmp_path / "site" / stamp.STAMP_FILE).exists()
    # The next build validates the edited bytes (2254 is not in its quote): nothing vouched for them.
    monkeypatch.setattr(validate, reader, original)
    with pytest.raises(validate.ValidationFailed):
        build.build_site(package, tmp_path / "site")
    assert not (tmp_path / "site" / stamp.STAMP_FILE).exists()


def test_a_file_put_back_while_check_package_read_it_is_never_vouched_for(tmp_path, monkeypatch):
    # A break test's race: the key and Arrow read B (refused, so check_package decides), check_package
    # read A (valid), B was back before the files were hashed again. The stamp named B, and the
    # next build trusted it and published 2254. check_package's decision now records no stamp.
    package = make_package(tmp_path / "p")
    figures = package.parent / "data" / "figures.csv"
    valid = figures.read_bytes()
    refused = valid.replace(b"2253", b"2254", 1)
    figures.write_bytes(refused)
    original = validate.check_package

    def read_while_valid(*args, **kwargs):
        figures.write_bytes(valid)
        try:
            return original(*args, **kwargs)
        finally:
            figures.write_bytes(refused)

    monkeypatch.setattr(validate, "check_package", read_while_valid)
    build.build_site(package, tmp_path / "site")  # what it validated: A's rows
    assert not (tmp_path / "site" / stamp.STAMP_FILE).exists()
    monkeypatch.setattr(validate, "check_package", original)
    with pytest.raises(validate.ValidationFailed) as failure:
        build.build_site(package, tmp_path / "site")
    assert any("2254" in str(problem) for problem in failure.value.problems), failure.value.problems


def test_a_stamp_stands_from_the_day_its_search_logs_name_on(tmp_path, monkeypatch, validations):
    # Validation refuses a search log naming a day after today (UTC). A stamp a clock set ahead
    # left (another machine's build/, a clock since put right) vouched for a log today's
    # validation refuses; on the days after it, the log passes as it did, so the stamp stands.
    package = make_package(tmp_path / "p")
    platforms = package.parent / "data" / "platforms.csv"
    platforms.write_text(
        platforms.read_text(encoding="utf-8").replace("Searched on 2025-01-10", "Searched on 2099-01-10", 1),
        encoding="utf-8",
    )
    real_today = rules.utc_today
    monkeypatch.setattr(rules, "utc_today", lambda: date(2099, 1, 10))
    build.build_site(package, tmp_path / "site")
    validations.clear()  # the build above validated: count from here
    calls = validations
    monkeypatch.setattr(rules, "utc_today", lambda: date(2099, 3, 1))
    assert stamp.is_valid(package, tmp_path / "site")
    build.build_site(package, tmp_path / "site")
    assert calls == []
    monkeypatch.setattr(rules, "utc_today", real_today)
    assert not stamp.is_valid(package, tmp_path / "site")
    with pytest.raises(validate.ValidationFailed) as refused:
        build.build_site(package, tmp_path / "site")
    assert len(calls) == 1
    assert [(p.path, p.line, p.field) for p in refused.value.problems] == [("data/platforms.csv", 2, "search_log")]
    assert "names 2099-01-10, after the day of this validation (UTC)" in refused.value.problems[0].message


def test_a_stamp_stands_from_the_latest_day_the_package_records_on(tmp_path, monkeypatch, validations):
    # A correction dated after every search log: the stamp a build left on its day must not be
    # trusted the day before, when validation refuses the correction's date.
    package = make_package(tmp_path / "p", "correction_dated_in_the_future")
    assert stamp.validation_key(package)["passes_from"] == "2999-01-10"
    monkeypatch.setattr(rules, "utc_today", lambda: date(2999, 1, 10))
    build.build_site(package, tmp_path / "site")
    assert stamp.is_valid(package, tmp_path / "site")
    validations.clear()  # the build above validated: count from here
    calls = validations
    monkeypatch.setattr(rules, "utc_today", lambda: date(2999, 1, 9))
    assert not stamp.is_valid(package, tmp_path / "site")
    with pytest.raises(validate.ValidationFailed) as refused:
        build.build_site(package, tmp_path / "site")
    assert len(calls) == 1
    assert [(p.path, p.line, p.field) for p in refused.value.problems] == [
        ("data/corrections.csv", 2, "corrected_date")
    ]
    monkeypatch.setattr(rules, "utc_today", lambda: date(2999, 1, 11))
    assert stamp.is_valid(package, tmp_path / "site")
    build.build_site(package, tmp_path / "site")
    assert len(calls) == 1


def test_a_stale_stamp_does_not_let_a_broken_package_through(tmp_path):
    package = make_package(tmp_path / "p")
    stamp.record_valid(package, tmp_path / "site")
    broken = make_package(tmp_path / "broken", "period_order")
    (package.parent / "data" / "figures.csv").write_bytes((broken.parent / "data" / "figures.csv").read_bytes())
    with pytest.raises(validate.ValidationFailed):
        build.build_site(package, tmp_path / "site")


def test_a_stamp_of_a_symlinked_descriptors_target_does_not_vouch_for_the_links_folder(tmp_path):
    # Validation and the build read data/ and releases/ beside the descriptor as named, so
    # through a symlinked datapackage.json they read the link's folder. The key hashed the
    # target's folder: a stamp of the valid target let the link's broken figures be built.
    package = make_package(tmp_path / "p")
    link_folder = tmp_path / "link"
    (link_folder / "data").mkdir(parents=True)
    broken = make_package(tmp_path / "broken", "period_order")
    for csv_file in (package.parent / "data").iterdir():
        (link_folder / "data" / csv_file.name).write_bytes(csv_file.read_bytes())
    (link_folder / "data" / "figures.csv").write_bytes((broken.parent / "data" / "figures.csv").read_bytes())
    link = link_folder / "datapackage.json"
    link.symlink_to(package)
    stamp.record_valid(package, tmp_path / "site")
    assert stamp.is_valid(package, tmp_path / "site")
    assert not stamp.is_valid(link, tmp_path / "site")
    with pytest.raises(validate.ValidationFailed) as refused:
        build.build_site(link, tmp_path / "site")
    assert {p.path for p in refused.value.problems} == {"data/figures.csv"}


def test_the_load_commits_a_handful_of_times_not_once_per_chunk(tmp_path):
    # sqlite-utils commits every chunk unless a transaction is open: 14,714 figures would be
    # hundreds of commits. (Thirteen: each step's tables are committed before the next step's
    # reader opens, the figures' index statistics among them; the indexes apart from their
    # statistics, so that the series' check begins on the indexes before those are written.)
    descriptor = json.loads(paths.PACKAGE.read_text(encoding="utf-8"))
    tables = build.typed_tables(paths.PACKAGE, tmp_path)
    conn = sqlite3.connect(tmp_path / "d.db")
    statements = []
    conn.set_trace_callback(statements.append)
    assert len(tables["figures"].rows) > 14_000
    build.populate(sqlite_utils.Database(conn), descriptor, tables)
    commits = [s for s in statements if s.strip().upper().startswith(("COMMIT", "RELEASE"))]
    assert 1 <= len([s for s in commits if s.upper().startswith("COMMIT")]) <= 13


def test_precomputed_counts_equal_what_sqlite_counts(real_db):
    facets = precompute.configured_facets(json.loads((real_db.parent / "metadata.json").read_text(encoding="utf-8")))
    assert facets["figures"] == FACETS
    for table, columns in facets.items():
        for column in columns:
            expected = rows(
                real_db,
                f"SELECT {column}, count(*) FROM {table} WHERE {column} IS NOT NULL GROUP BY {column} ORDER BY 1",
            )
            stored = rows(
                real_db,
                "SELECT coalesce(value_number, value), row_count FROM facet_counts WHERE table_name = ? AND column_name = ? "
                "ORDER BY 1",
                table,
                column,
            )
            assert stored == expected, (table, column)
    assert rows(real_db, "SELECT row_count FROM table_counts WHERE table_name = 'figures'") == rows(
        real_db, "SELECT count(*) FROM figures"
    )
    # Every table and view, figures_series (a view, counted by the GROUP BY of its facets) among them.
    counted = dict(rows(real_db, "SELECT table_name, row_count FROM table_counts"))
    assert "figures_series" in counted and "figures_series" in facets
    for name, count in counted.items():
        assert rows(real_db, f'SELECT count(*) FROM "{name}"') == [(count,)], name
    (numbers,) = rows(real_db, "SELECT * FROM home_numbers")
    assert (
        numbers
        == rows(
            real_db,
            """SELECT sum(is_derived = 0), sum(is_derived = 1), count(DISTINCT platform_id),
        count(DISTINCT jurisdiction_id), (SELECT count(*) FROM sources), (SELECT count(*) FROM disagreements),
        (SELECT count(DISTINCT source_id) FROM figures WHERE is_derived = 0)
        FROM figures""",
        )[0]
    )


@pytest.mark.parametrize("column", FACETS)
def test_a_one_filter_view_is_counted_and_paged_from_an_index(real_db, column):
    # Its facets come from facet_pair_counts (tests/test_facet_pairs.py); what Datasette still
    # asks SQLite is the count and the first page in the table's default order (recency_rank).
    (value,) = rows(real_db, f"SELECT {column} FROM figures GROUP BY 1 ORDER BY count(*) DESC LIMIT 1")[0]
    count = " ".join(
        r[-1] for r in rows(real_db, f"EXPLAIN QUERY PLAN SELECT count(*) FROM figures WHERE {column} = ?", value)
    )
    assert "COVERING INDEX" in count, count
    page = " ".join(
        r[-1]
        for r in rows(
            real_db,
            f"EXPLAIN QUERY PLAN SELECT * FROM figures WHERE {column} = ? ORDER BY recency_rank LIMIT 101",
            value,
        )
    )
    assert "TEMP B-TREE" not in page, page


def test_the_build_analyzes_its_tables(real_db):
    assert rows(real_db, "SELECT count(*) FROM sqlite_stat1 WHERE tbl = 'figures'")[0][0] > 0


@pytest.mark.parametrize("built", ["real_db", "base_db"])
def test_the_builds_statistics_are_what_analyze_finds(built, request, tmp_path):
    # Most of the figures' index statistics are written from the facets' counts, not read by
    # ANALYZE: they must be what it would write, or the site's queries are planned on others.
    database = request.getfixturevalue(built)
    analyzed = tmp_path / "analyzed.db"
    shutil.copyfile(database, analyzed)
    with sqlite3.connect(analyzed) as conn:
        conn.execute("ANALYZE")
    written = sorted(rows(database, "SELECT tbl, idx, stat FROM sqlite_stat1"))
    assert written == sorted(rows(analyzed, "SELECT tbl, idx, stat FROM sqlite_stat1"))
    assert len([row for row in written if row[0] == "figures"]) >= 15


@pytest.mark.parametrize("seed", range(6))
def test_counted_statistics_are_what_analyze_writes(seed):
    # Random tables, NULLs and near-distinct columns included (where ANALYZE rounds 2 down to 1).
    randomness = random.Random(seed)
    size = randomness.choice([1, 2, 7, 10, 11, 100, 1000])
    conn = sqlite3.connect(":memory:")
    conn.execute("CREATE TABLE t (id INTEGER NOT NULL, few TEXT, many TEXT, half INTEGER, other TEXT)")
    values = [
        (
            number,
            randomness.choice(["a", "b", None]),
            str(number if randomness.random() < 0.95 else 0),
            number // 2,
            randomness.choice("xyz"),
        )
        for number in range(size)
    ]
    conn.executemany("INSERT INTO t VALUES (?, ?, ?, ?, ?)", values)
    indexes = {"u": ["id"], "f": ["few", "id"], "m": ["many"], "h": ["half"], "w": ["few", "other"]}
    conn.execute("CREATE UNIQUE INDEX u ON t (id)")
    for name, columns in indexes.items():
        if name != "u":
            conn.execute(f"CREATE INDEX {name} ON t ({', '.join(columns)})")
    conn.execute("ANALYZE")
    analyzed = dict(conn.execute("SELECT idx, stat FROM sqlite_stat1").fetchall())
    distinct = {
        column: len({row[i] for row in values}) for i, column in enumerate(["id", "few", "many", "half", "other"])
    }
    db = sqlite_utils.Database(conn)
    assert precompute.unique_columns(db, "t") == {"id"}
    for name, columns in indexes.items():
        counted = precompute.counted_stat(columns, size, distinct, {"id"})
        if name == "w":  # ("few", "other") together: not known from each alone
            assert counted is None
        else:
            assert counted == analyzed[name], (name, size)
    assert precompute.counted_stat(["few"], 0, distinct, set()) is None
    # A unique index lets rows share NULL, which ANALYZE counts as one value: not unique here.
    conn.execute("CREATE TABLE n (id TEXT NOT NULL PRIMARY KEY, code TEXT UNIQUE)")
    assert precompute.unique_columns(db, "n") == {"id"}


def test_inspect_data_is_what_datasette_inspect_computes(real_db):
    from datasette.cli import inspect_

    (theirs,) = asyncio.run(inspect_([str(real_db)], None)).values()
    ours = site_config.inspect_data(real_db, DATABASE_FILE)
    assert ours == {"disclosures": {**theirs, "file": DATABASE_FILE}}


def test_round_trip_digest_is_order_independent_and_sees_one_cell():
    rows_ = [("a", "1"), ("b", "2"), ("c", "")]
    assert table_schema.rows_digest(rows_) == table_schema.rows_digest(list(reversed(rows_)))
    assert table_schema.rows_digest(rows_) != table_schema.rows_digest([("a", "1"), ("b", "3"), ("c", "")])


def test_value_in_text_finds_what_the_reference_pattern_finds():
    # The reference: one regular expression per spelling, the rule as first written, and no Latin
    # letter touching the number ("Q2" is a label).
    latin = "[A-Za-z\u00aa\u00b5\u00ba\u00c0-\u00d6\u00d8-\u00f6\u00f8-\u024f]"

    def reference(value, text):
        return any(
            re.search(
                rf"(?<!\d)(?<!\d[.,])(?<!{latin})" + re.escape(form) + rf"(?!\d)(?![.,]\d)(?!{latin})",
                text,
            )
            for form in rules.spellings(value)
        )

    randomness = random.Random(14)
    alphabet = "0123456789.,  \u00a0%-x٣"
    values = [Decimal(v) for v in ("0", "3", "12", "1000", "2253", "81.5", "0.5", "1234567")]
    for _ in range(3000):
        value = randomness.choice(values)
        text = "".join(randomness.choice(alphabet) for _ in range(randomness.randrange(0, 12)))
        text = (
            text[: randomness.randrange(0, len(text) + 1)]
            + randomness.choice(sorted(rules.spellings(value)) + ["7"])
            + text
        )
        assert rules.value_in_text(value, text) == reference(value, text), (value, text)


def test_floor_loads_every_row(tmp_path):
    package = make_package(tmp_path / "p")
    bench.floor_load(package, tmp_path / "floor.db")
    with (package.parent / "data" / "figures.csv").open(encoding="utf-8", newline="") as handle:
        expected = len(list(csv.reader(handle))) - 1
    assert rows(tmp_path / "floor.db", "SELECT count(*) FROM figures")[0][0] == expected


def test_the_pipeline_comparison_runs_the_stock_stack_as_often_as_asked(tmp_path, monkeypatch):
    # At a million figures the stock stack runs once (two minutes), the project and the floor
    # three times each, interleaved, and their medians make the ratio.
    package = make_package(tmp_path / "p")
    ran, seconds = [], {"project": iter([5.0, 1.0, 3.0]), "floor": iter([1.0, 1.0, 1.0]), "stock": iter([9.0])}

    def measured(commands):
        name = "stock" if "frictionless" in commands[0][0] else "floor" if commands[0][1] == "-c" else "project"
        ran.append(name)
        return {"seconds": next(seconds[name]), "cpu_seconds": 1.0, "peak_mb": 1.0, "peak_rss_mb": 1.0}

    monkeypatch.setattr(bench, "run_measured", measured)
    result = bench.pipeline_comparison(package, tmp_path, 3, stock_repeat=1)
    assert ran == ["project", "floor", "stock", "project", "floor", "project", "floor"]
    assert (result["repeat"], result["stock_repeat"]) == (3, 1)
    assert result["project"]["seconds"] == 3.0 and result["project_over_floor"] == 3.0
    assert result["stock"]["seconds"] == 9.0
    for wrong in (0, 4):
        with pytest.raises(ValueError):
            bench.pipeline_comparison(package, tmp_path, 3, stock_repeat=wrong)


def test_acceptance_reads_the_targets_from_the_results():
    def result(seconds, floor, figures, peak):
        return {
            "project": {"seconds": seconds, "peak_mb": peak},
            "project_over_floor": seconds / floor,
            "project_us_per_figure": seconds / figures * 1e6,
        }

    checks = bench.acceptance(
        {
            "real": result(2.5, 1, 14_714, 100),
            "100000": result(10, 4, 100_000, 300),
            "1000000": result(120, 25, 1_000_000, 1600),
        }
    )
    assert checks["real: validate + build (s)"]["met"]
    assert not checks["1M: project / floor"]["met"]
    assert not checks["1M: peak memory (MB)"]["met"]
    assert checks["1M vs 100k: cost per figure"]["value"] == pytest.approx(1.2)


def test_a_commands_peak_memory_counts_the_children_it_forks():
    # The build forks a child that derives figures beside it; the bench must count both. Here
    # each of the two writes 100 MB of its own after the fork: wait4's ru_maxrss (the largest
    # single process) says about 110 MB, the tree's summed PSS about 210.
    script = (
        "import os, time\n"
        "child = os.fork()\n"
        "mine = bytearray(100 << 20)\n"
        "time.sleep(1.5)\n"
        "if child == 0:\n"
        "    os._exit(0)\n"
        "os.wait()\n"
    )
    measured = bench.run_measured([[sys.executable, "-c", script]])
    assert measured["peak_mb"] > 170
    assert measured["seconds"] >= 1.5


def test_a_commands_peak_memory_is_what_it_holds_not_the_files_it_maps(tmp_path):
    # The build reads its database through a memory map: those pages are the page cache's, and
    # ru_maxrss counts them. peak_mb counts what the process holds itself (here 60 MB).
    mapped = tmp_path / "mapped"
    mapped.write_bytes(b"x" * (200 << 20))
    script = (
        "import mmap, time\n"
        f"handle = open({str(mapped)!r}, 'rb')\n"
        "view = mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ)\n"
        "assert view[::4096].count(b'x') == len(view) // 4096\n"
        "mine = bytearray(60 << 20)\n"
        "time.sleep(1)\n"
    )
    measured = bench.run_measured([[sys.executable, "-c", script]])
    assert 60 <= measured["peak_mb"] < 120
    assert measured["peak_rss_mb"] > 250


def test_a_command_that_writes_much_to_stderr_is_measured_and_its_end_reported(tmp_path):
    # wait4 came before stderr was read: a command writing more than a pipe holds (64 KiB)
    # blocked on it, and the bench waited for it forever. Run in a thread, so that the old hang
    # fails this test in 60 s instead of hanging the suite.
    script = "import sys\nsys.stderr.write('x' * (1 << 20) + 'the last words')\nsys.exit(3)\n"
    outcome = {}

    def measure():
        try:
            bench.run_measured([[sys.executable, "-c", script]])
        except bench.BenchFailed as failed:
            outcome["error"] = str(failed)

    runner = threading.Thread(target=measure, daemon=True)
    runner.start()
    runner.join(60)
    assert not runner.is_alive(), "run_measured hung on a full stderr pipe"
    assert outcome["error"].endswith("the last words")


def test_the_stamp_covers_every_module_the_validator_imports():
    # A new rule in consistency.py left the stamp valid, and the build shipped what validate refused.
    found = subprocess.run(
        [
            sys.executable,
            "-c",
            "import sys, pathlib, disclosures.validate, disclosures.arrow_validate, disclosures.frictionless_checks; "
            # What the rules import only once they run: the release records a correction is held to.
            "disclosures.consistency.released_value_problems([], pathlib.Path('releases'), ''); "
            "disclosures.consistency.removed_figure_problems([], pathlib.Path('releases'), set(), pathlib.Path('.'), '', ''); "
            "print(' '.join(sorted(m.split('.', 1)[1] + '.py' for m in sys.modules if m.startswith('disclosures.'))))",
        ],
        cwd=paths.ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    assert set(found) <= set(stamp.VALIDATOR_CODE), set(found) - set(stamp.VALIDATOR_CODE)


def test_synthetic_sizes_are_those_write_package_accepts(tmp_path):
    package = make_package(tmp_path / "tiny")
    fewest, most = synthetic.sizes(package)
    with (package.parent / "data" / "figures.csv").open(encoding="utf-8", newline="") as handle:
        assert fewest == len(list(csv.reader(handle))) - 1  # its header aside
    assert most > fewest
    with pytest.raises(ValueError, match=f"at most {most} figures"):
        synthetic.write_package(tmp_path / "over", most + 1, source=package)


def _child_inputs(real_db, tmp_path):
    """What the child that derives figures counts from: the real package's reported rows, the
    built database's derived rows (in the figures' columns) and series members, the tiers."""
    descriptor = json.loads(paths.PACKAGE.read_text(encoding="utf-8"))
    tables = build.typed_tables(paths.PACKAGE, tmp_path)
    for resource in descriptor["resources"]:
        build.as_sql_values(tables[resource["name"]], resource["schema"]["fields"])
    figures, sources = tables["figures"], tables["sources"]
    columns = build.figure_columns(figures)
    conn = sqlite3.connect(real_db)
    listed = ", ".join(f'"{c}"' for c in columns)
    derived = conn.execute(f"SELECT {listed} FROM figures WHERE is_derived = 1").fetchall()
    members = [figure_id for (figure_id,) in conn.execute("SELECT figure_id FROM series_members")]
    tiers = {row[sources.column("source_id")]: row[sources.column("tier")] for row in sources.rows}
    return figures, derived, columns, tiers, members, sqlite_utils.Database(conn)


def test_the_childs_facet_counts_are_sqlites(real_db, tmp_path):
    facets = precompute.configured_facets(json.loads((real_db.parent / "metadata.json").read_text(encoding="utf-8")))
    figures, derived, columns, tiers, members, db = _child_inputs(real_db, tmp_path)
    assert derived and len(members) > 40_000
    counted = build.figure_facet_counts(figures, derived, columns, tiers, members, facets)
    assert set(counted) == {"figures", "figures_series"}
    for name in ("figures", "figures_series"):
        expected = precompute.count_table(db, name, facets[name], name in build.VIEWS)
        found = counted[name]
        assert (found.total, found.columns, found.grouped) == (expected.total, expected.columns, expected.grouped)
        assert (sorted(found.single), sorted(found.pairs)) == (sorted(expected.single), sorted(expected.pairs))


def test_facets_the_child_cannot_count_are_counted_by_sqlite(real_db, tmp_path):
    # unit is a build column the child does not make; value holds numbers, not text.
    facets = {"figures": ["platform_id", "unit"], "figures_series": ["platform_id", "value"]}
    figures, derived, columns, tiers, members, db = _child_inputs(real_db, tmp_path)
    assert build.figure_facet_counts(figures, derived, columns, tiers, members, facets) == {}
    counted = build.child_counted(db, {}, facets)
    for name in ("figures", "figures_series"):
        assert counted[name] == precompute.count_table(db, name, facets[name], name in build.VIEWS)
    assert counted["search_text"].total == db.execute("SELECT count(*) FROM search_text").fetchone()[0]
    assert counted["figures_series"].grouped  # SQLite counted its numbers
