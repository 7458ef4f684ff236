"""The project's command line: one verb per pipeline step, each a thin layer over disclosures/.

Run it as `.venv/bin/python scripts/cli.py VERB --help`; `make` runs these for you. This is
the only place that prints or exits.
"""

from __future__ import annotations

import dataclasses
import gc
import os
import shlex
import signal
import sqlite3
import sys
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING

import click

# numpy (which sqlite-utils and pyarrow import) starts OpenBLAS's thread pool, whose threads
# spin waiting for matrix work no command gives them: 2% of a build's CPU. Read once, when
# numpy is first imported, so set before that.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
# Arrow's buffers from its jemalloc rather than its default mimalloc, which asks the kernel for
# transparent huge pages and so had it zero 2 MB at each first touch: 4% of a build's CPU, for
# a few MB used. (The C library's malloc was as fast, but kept 500 MB more at a million
# figures.) Read when pyarrow is first imported. Both settings pass to every process a command
# starts, the site's workers included, where they serve the same ends.
os.environ.setdefault("ARROW_DEFAULT_MEMORY_POOL", "jemalloc")

# Run by path (python scripts/cli.py), so the repository root is not on sys.path yet.
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
# The project's modules are compiled once into __pycache__ (which git ignores), even where
# PYTHONDONTWRITEBYTECODE is set, as it is on the machines this project is built on: without
# their bytecode every command compiled them from source again, 0.06 s of CPU before any work
# in each of `make validate` and `make build`. (The virtualenvs' packages were compiled when
# pip installed them.) Only for the command: a test that loads this module leaves the setting.
if __name__ == "__main__":
    sys.dont_write_bytecode = False

from disclosures import paths
from disclosures.data_hashes import DataHashes
from disclosures.optional_imports import WITHOUT_PANDAS, numpy_hidden
from disclosures.release_records import RecordDamaged
from disclosures.vocabulary import DATABASE_FILE

if TYPE_CHECKING:  # imported by the commands that use it
    from disclosures.stamp import StagedRows


def fail(lines: list[str], hint: str) -> None:
    for line in lines:
        click.echo(line, err=True)
    click.echo(hint, err=True)
    sys.exit(1)


def package_file(package: Path) -> Path:
    """``package``, or the datapackage.json inside it when it names a folder (a curator's
    `validate ../other-package` was "cannot be read as JSON: Is a directory")."""
    if not package.is_dir():
        return package
    inside = package / "datapackage.json"
    if not inside.is_file():
        fail(
            [f"{package}: a folder with no datapackage.json in it"],
            "Name a package's datapackage.json, or the folder that holds it.",
        )
    return inside


@click.group()
def cli():
    """Validate, build, serve and release Platform Disclosures.

    Each command's --help says what it does, with an example.

    Example:

    \b
        python scripts/cli.py validate     # what make validate runs
        python scripts/cli.py build        # data/ -> build/ (validates first)
        python scripts/cli.py build --help
    """


def unwind_when_terminated() -> None:
    """A command terminated (SIGTERM) or hung up on (SIGHUP) unwinds as an interrupted one does,
    so that it removes its temporary files: a validation killed so while its rows' file was
    staged left up to 216 MB of it behind. (``forked.terminated``: also when the signal comes
    while the command forks.)"""
    from disclosures import forked

    for signum in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(signum, forked.terminated)


def validate_again(package: Path | None, out: Path | None) -> str:
    """The command that validates ``package`` again as it was asked (``--out`` too), quoted for a
    shell. The rerun printed the path bare, so a folder with a space ("my package") split it into
    two arguments, and without ``--out``, so it recorded the validation nowhere the build looked."""
    if package is None and out is None:
        return "make validate"
    given = [str(package)] if package is not None else []
    return shlex.join(["python", "scripts/cli.py", "validate", *given, *(["--out", str(out)] if out else [])])


@cli.command()
@click.argument("package", type=click.Path(path_type=Path), required=False)
@click.option(
    "--out",
    type=click.Path(path_type=Path),
    help="Where the build will look for the record of this validation (default: build/ for datapackage.json).",
)
def validate(package, out):
    """Validate a data package: the Table Schema, plus the rules it can't express.

    Prints every problem as file:line:field: message and exits 1 when there is one. A valid
    package leaves validated.json in build/ (or --out), so that the build does not validate the
    same bytes again.

    Example:

    \b
        python scripts/cli.py validate                                  # datapackage.json
        python scripts/cli.py validate ../other-package/datapackage.json --out /tmp/site
        python scripts/cli.py validate ../other-package                 # its datapackage.json
    """
    unwind_when_terminated()
    package = package_file(package) if package else None
    package_path = package or paths.PACKAGE
    base = Path.cwd() if package else paths.ROOT
    recording_asked = bool(out or not package)
    # Hashed on the other core while the modules below are imported; kept for the reader when
    # the rows are recorded for the build, so that each file is read and hashed once.
    hashes = DataHashes(package_path, keep=recording_asked)
    # The reader's modules too, which arrow_validate imports when it reads the first file.
    import pyarrow.compute
    import pyarrow.csv  # noqa: F401

    from disclosures import files, release_records, stamp
    from disclosures import validate as validation

    # Before anything opens them: a FIFO in place of a file waited for a writer, for ever.
    special = validation.special_file_problems(package_path, base)
    if special:
        again = validate_again(package, out)
        fail([str(p) for p in special], f"\n{len(special)} problem(s). Fix them, then rerun: {again}")
    if release_records.is_release_package(package_path):
        # Its 104 "problems" (the build's columns, Parquet and JSON resources, row counts) were
        # the source package's rules applied to what the build publishes.
        fail(
            [
                f"{package}: a release's package (its SHA256SUMS lists it): it holds what the build publishes "
                "(the build's columns, each table in more formats), which the rules of a source package "
                "(datapackage.json and data/) do not fit"
            ],
            f"Check a release in its folder with: sha256sum -c SHA256SUMS && frictionless validate {package_path.name}",
        )
    # Before reading: the stamp vouches for the bytes validated (those the hashes were taken of).
    key = stamp.current_key(package_path, hashes.digests())
    recording = recording_asked and key is not None
    folder = out or paths.BUILD
    if recording:
        # What a killed validation left there; nothing else: --out may be any folder.
        files.remove_stale_temporaries(folder, names=(stamp.ROWS_FILE, stamp.STAMP_FILE))
    typed: list = []  # the rows as validation read them, for the build to load
    # The rows' file, written under a temporary name while validation waits for its child, and
    # the files hashed again then (at a million figures 0.5 s of this command's end on one core
    # before): put in place below only once the package is valid and its files unchanged.
    staged = stamp.StagedRows(folder, key, package_path) if recording else None
    try:
        problems = validation.validate_package(
            package_path,
            base=base,
            typed=typed if recording else None,
            read=hashes.kept() if recording else None,
            stage=staged.stage if staged is not None else None,
        )
        del hashes
        if problems:
            again = validate_again(package, out)
            fail([str(p) for p in problems], f"\n{len(problems)} problem(s). Fix them, then rerun: {again}")
        if recording:
            record_validation(package_path, base, folder, key, typed, staged, validate_again(package, out))
    finally:
        if staged is not None:
            staged.discard()
    click.echo(f"OK: {validation.shown_path(package_path, base)} is valid")


def record_validation(
    package_path: Path, base: Path, folder: Path, key: dict, typed: list, staged: StagedRows, again: str
) -> None:
    """validate's record of a valid package in ``folder``: the stamp of ``key``, and the rows
    ``typed`` holds (``staged``, a ``stamp.StagedRows``, wrote them), once the files are found
    as they were validated. Nothing is recorded when check_package decided (no rows handed
    over): it cannot say which bytes it parsed, and a file changed while it read it, then put
    back, matched the key again, so the stamp vouched for bytes nobody validated. The build
    then validates the package itself."""
    from disclosures import stamp
    from disclosures import validate as validation

    handed = typed[0] if typed else {"columns": None, "inputs": {}}
    if handed["columns"] is not None:
        unchanged = staged.unchanged  # found as the rows were staged, while the child decided
    else:
        # check_package decided, having read the files since anything was staged.
        unchanged = stamp.still_current(package_path, key, handed["inputs"])
    if not unchanged:
        fail(
            [f"{validation.shown_path(package_path, base)}: a file changed while it was validated; nothing recorded"],
            f"Validate it again once it is saved: {again}",
        )
    if handed["columns"] is None:
        return
    try:
        stamp.record_valid(package_path, folder, key, rows=staged)
    except OSError as error:
        # --out naming a file, or a folder under one, was a FileExistsError's traceback after
        # the whole validation had passed.
        fail(
            [f"{folder}: the record of this validation cannot be written there: {error.strerror or error}"],
            "The package is valid; give --out a folder (it is made if missing), then rerun.",
        )


@cli.command()
@click.option("--package", type=click.Path(path_type=Path), default=paths.PACKAGE, show_default=True)
@click.option(
    "--out",
    type=click.Path(path_type=Path),
    default=paths.BUILD,
    show_default=True,
    help="The folder the site serves (database, metadata, settings, inspect data, feed).",
)
def build(package, out):
    """Validate once, then build the site's folder; a failed build replaces nothing.

    Example:

    \b
        python scripts/cli.py build                  # data/ -> build/disclosures.db and its files
        python scripts/cli.py build --out /tmp/site
    """
    # sqlite-utils imports numpy when it can, only to name numpy values' column types, which
    # the build (its tables declared from the schema) never asks (optional_imports): 0.035 s
    # less of every build's start, which runs on one core. The build's Arrow, imported in the
    # child that counts the figures, goes without numpy too (build.figure_facet_counts).
    package = package_file(package)
    # Hashed on the other core while the modules below are imported (the validation key's), and
    # the rows a validation left, once its module is (the rest of the imports take longer).
    hashes = DataHashes(package)
    from disclosures.stamp import RowsBody

    rows_body = RowsBody(out)
    with numpy_hidden():
        import sqlite_utils

    from disclosures import build as builder
    from disclosures import site_config
    from disclosures import validate as validation

    unwind_when_terminated()
    # Another package is shown as `validate PACKAGE` shows it, from the working directory: its
    # problems, relative to its own folder, said "data/figures.csv:2", which a curator in the
    # repository opened (the repository's own file), and "rerun: make build" built that one.
    other = package.resolve() != paths.PACKAGE
    if other:
        again = shlex.join(["python", "scripts/cli.py", "build", "--package", str(package), "--out", str(out)])
    elif out.resolve() != paths.BUILD:
        # make build builds build/, not --out
        again = shlex.join(["python", "scripts/cli.py", "build", "--out", str(out)])
    else:
        again = "make build"
    blocked = next((p for p in (out, *out.parents) if p.exists() and not p.is_dir()), None)
    if blocked is not None:
        # --out naming a file (or a folder under one) failed only after the whole validation, as
        # "Not a directory" with a hint to free space and to rerun make build, which builds build/.
        fail(
            [f"{out}: cannot be the build's folder: {blocked} is a file"],
            "Nothing was built; give --out a folder (it is made if missing), then rerun.",
        )
    try:
        path = builder.build_site(package, out, digests=hashes.digests(), rows_body=rows_body)
    except validation.ValidationFailed as failure:
        problems = [
            dataclasses.replace(p, path=validation.shown_path(package.parent / p.path, Path.cwd())) if other else p
            for p in failure.problems
        ]
        fail(
            [str(p) for p in problems],
            f"\n{len(problems)} problem(s); nothing was built. Fix them, then rerun: {again}",
        )
    except (builder.BuildFailed, RecordDamaged, site_config.ConfigDamaged) as failure:
        fail([f"build failed, {out / DATABASE_FILE} left as it was: {failure}"], f"Fix it, then rerun: {again}")
    except (OSError, sqlite3.Error) as error:
        # One line, not a traceback, and a hint that fits: disk full, a read-only or vanished
        # folder; or SQLite refusing the package's own tables, which validation should have done.
        reason = getattr(error, "strerror", None) or str(error)
        # A rename's error names its source (a temporary file gone since) first: the file in
        # the way is its destination.
        named = getattr(error, "filename2", None) or getattr(error, "filename", None)
        if named:
            reason = f"{named}: {reason}"
        if builder.storage_failure(error):
            # SQLite's own "full" names no file: its sorts and scratch tables go to temporary files
            # too, which a full temporary folder (not --out) refused.
            scratch = " (the build's folder, or SQLite's temporary one: SQLITE_TMPDIR, TMPDIR or /var/tmp)"
            hint = f"Free space{scratch if isinstance(error, sqlite3.Error) else ''} or fix the folder, then rerun: {again}"
        else:
            hint = (
                "SQLite refused the package, which passed validation: validation lacks this check, so please "
                f"report it with the line above. Fix the package, then rerun: {again}"
            )
        fail([f"build failed, {out / DATABASE_FILE} left as it was: {reason}"], hint)
    db = sqlite_utils.Database(path)
    counts = ", ".join(f"{t}={db[t].count}" for t in ("figures", "sources", "events", "disagreements"))
    derived = db.execute("SELECT count(*) FROM figures WHERE is_derived = 1").fetchone()[0]
    (version, state) = db.execute("SELECT version, release_state FROM dataset").fetchone()
    click.echo(f"validated and built {path} ({counts}; {derived} derived figures; version {version}: {state})")
    left_out = db["derivations_left_out"].count
    if left_out:
        # Said on every build, not only in the table: a curator reads this line, not every table.
        click.echo(
            f"{left_out} complement(s) not derived: a part is more than its whole, so the rest would be a "
            "negative count (each named in the derivations_left_out table, with its reason)"
        )


@cli.command()
@click.option("--build-dir", type=click.Path(path_type=Path), default=paths.BUILD, show_default=True)
@click.option("--dist", type=click.Path(path_type=Path), default=paths.DIST, show_default=True)
@click.option("--releases", type=click.Path(path_type=Path), default=paths.RELEASES, show_default=True)
@click.option(
    "--date", "release_date", help="Release date (YYYY-MM-DD) recorded for a new version; default: today (UTC)."
)
@click.option(
    "--package",
    type=click.Path(path_type=Path),
    default=paths.PACKAGE,
    show_default=True,
    help="The package the build must be of, as its files are now (a build made before a change is refused).",
)
def release(build_dir, dist, releases, release_date, package):
    """Write dist/<version>/ from the built folder, and record a new version in releases/.

    Copies the built database (it never rebuilds it); refuses a release that would not be honest
    or reproducible, and says what to change.

    Example:

    \b
        make release                                   # build if needed, then this
        python scripts/cli.py release --date 2026-11-28
    """
    from disclosures import release as releasing

    # make release releases build/ into dist/ and releases/: told to rerun it, a curator who gave
    # other folders released into the default ones.
    given = [
        f"{option} {value}"
        for option, value, default in (
            ("--build-dir", build_dir, paths.BUILD),
            ("--dist", dist, paths.DIST),
            ("--releases", releases, paths.RELEASES),
            ("--package", package, paths.PACKAGE),
        )
        if value.resolve() != default.resolve()
    ] + ([f"--date {release_date}"] if release_date else [])
    again = f"python scripts/cli.py release {' '.join(given)}" if given else "make release"
    try:
        folder = releasing.make_release(build_dir, dist, releases, release_date, package=package, again=again)
    except (releasing.ReleaseRefused, RecordDamaged) as refusal:
        fail([f"release refused: {refusal}"], "Nothing was released.")
    except OSError as error:
        # --dist or --releases naming a file, a full disk, a read-only folder: one line, not a
        # traceback. A release folder the failure left behind is named on the next run.
        where = error.filename or f"{dist} or {releases}"
        fail(
            [f"release failed: {where}: {error.strerror or error}"],
            "Fix the folder (--dist and --releases must be folders) or free space, then rerun.",
        )
    manifest = releasing.release_records.recorded_releases(releases)[folder.name]
    counts = ", ".join(f"{n} {name}" for name, n in manifest["counts"].items())
    click.echo(
        f"released {folder} (version {manifest['version']}, {manifest['date']}; figures: {counts}; "
        f"previous: {manifest['previous'] or 'none'}). Verify: cd {folder} && sha256sum -c SHA256SUMS"
    )


@cli.command("import")
@click.argument("format_name", metavar="FORMAT")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--source", "source_id", required=True, help="The source_id (a row of data/sources.csv) of FILE.")
@click.option("--dry-run", is_flag=True, help="Show the plan; write nothing.")
@click.option(
    "--allow-different-file",
    is_flag=True,
    help="With --dry-run: show what FILE would import although its SHA-256 differs from the one "
    "data/source_files.csv records for the source (its locators then name FILE with its own checksum). "
    "Never written: record FILE as a source of its own first.",
)
def import_file(format_name, file, source_id, dry_run, allow_different_file):
    """Import a platform's machine-readable FILE into data/: adds, would-change, skips and why.

    FILE must be the file the source names: where data/source_files.csv records its SHA-256, a
    file that differs is refused (unless --allow-different-file). Adds new figures and
    corroborations; a figure whose value differs is never overwritten (add a data/corrections.csv
    row with the new value, or a disagreements row, and rerun); a corrected value changes the
    value and its evidence, never the curated wording or notes. Exits 1 when a change is refused.
    Importing the same file again changes nothing. FORMAT is one of the names listed on error.

    Example (the Telegram compilation, dataset.json at commit 839ed54 of Te-k/telegram-transparency):

    \b
        python scripts/cli.py import telegram-compilation dataset.json \\
            --source te-k-telegram-transparency-dataset-839ed54 --dry-run
    """
    from disclosures import importers
    from disclosures.importers import provenance
    from disclosures.importers.registry import FORMATS

    if format_name not in FORMATS:
        fail([f"unknown format {format_name!r}"], "Formats: " + ", ".join(sorted(FORMATS)))
    if allow_different_file and not dry_run:
        # Its figures would cite a file that no source records, which validation refuses.
        fail(
            [f"{file}:-:-: --allow-different-file only reviews a file (--dry-run); it never writes one"],
            f"Record {file.name} as a source of its own (a data/sources.csv row and its data/source_files.csv "
            "name and SHA-256), then import it with --source <that source_id>. Nothing was imported.",
        )
    try:
        # data/ as the import will read it, then the source: a file's checksum means nothing for
        # a source that does not exist.
        importers.require_readable_data()
        importers.require_source(source_id)
        check = provenance.check_file(file, source_id, allow_different=allow_different_file)
        if check.warning:
            click.echo(check.warning, err=True)
        planner = FORMATS[format_name].plan or importers.plan_import
        plan = planner(provenance.parse_checked(FORMATS[format_name].parse, file, check), source_id)
    except (importers.ImportFailed, ValueError, KeyError) as error:
        problems = (
            error.problems
            if isinstance(error, importers.ImportFailed)
            else [f"{file}:-:-: cannot be read as {format_name}: {error}"]
        )
        fail(problems, "Nothing was imported.")
    for row in plan.adds:
        click.echo(f"add {row['figure_id']} = {row['value'] or row['value_kind']}  [{row['source_locator']}]")
    for row in plan.corroborations:
        click.echo(f"corroborate {row['figure_id']}  [{row['source_locator']}]")
    for change in plan.changes:
        old = change.old["value"] or change.old["value_kind"]
        new = change.new["value"] or change.new["value_kind"]
        why = importers.change_note(change.status, dry_run=dry_run)
        click.echo(f"differs {change.figure_id}: {old} -> {new} ({why})  [{change.new['source_locator']}]")
    for row in plan.recorded:
        click.echo(
            f"recorded {row['figure_id']} = {row['value']}: a disagreement accounts for it  [{row['source_locator']}]"
        )
    for skip in plan.skips:
        click.echo(f"skip {skip.source_locator}: {skip.reason}")
    written = {} if dry_run else importers.write_plan(plan)
    click.echo(
        f"{file.name}: {len(plan.adds)} to add, {len(plan.corroborations)} corroborations, "
        f"{len(plan.same) + len(plan.corroborated) + len(plan.recorded)} already there, {len(plan.changes)} differing "
        f"({len(plan.pending)} pending), {len(plan.skips)} skipped; "
        + ("dry run, nothing written." if dry_run else f"written: {written or 'nothing'}.")
    )
    if plan.pending:
        fail(
            [
                f"refused: {c.figure_id} differs ({c.old['value'] or c.old['value_kind']} in data/)"
                for c in plan.pending
            ],
            f"{len(plan.pending)} change(s) refused: add a data/corrections.csv row (or a disagreements row) "
            "for each, then import again.",
        )


@cli.command()
@click.option("--check", is_flag=True, help="Exit 1 when README.md is stale instead of rewriting it.")
@click.option("--db", type=click.Path(path_type=Path), default=paths.BUILD / DATABASE_FILE, show_default=True)
def readme(check, db):
    """Regenerate the README's generated blocks (counts, coverage and platform tables, release state).

    Example:

    \b
        python scripts/cli.py readme            # rewrite the blocks in README.md
        python scripts/cli.py readme --check    # fail if README.md is stale
    """
    import sqlite3

    from disclosures import readme as generated

    if not Path(db).is_file():
        # The blocks are read from the built database: without one, sqlite3's "unable to open
        # database file" was a traceback.
        fail([f"{db}: no built database to read the README's tables from"], "Build it first: make readme (it builds)")
    try:
        with sqlite3.connect(f"file:{db}?mode=ro", uri=True) as conn:
            current = paths.README.read_text(encoding="utf-8")
            fresh = generated.render(current, conn)
    except sqlite3.DatabaseError as error:
        # A file that is no SQLite database, or one without the build's tables (another
        # project's, an empty one), was a traceback ("file is not a database").
        fail([f"{db}: not a database this project built ({error})"], "Build it first: make readme (it builds)")
    except RecordDamaged as damaged:
        # The release steps are read from releases/: a damaged record was a traceback here.
        fail(
            [f"readme not written: {damaged}"],
            "Restore the record (git checkout -- releases/), then rerun: make readme",
        )
    if check:
        if fresh != current:
            fail(["README.md is out of date"], "Run: make readme")
        return
    paths.README.write_text(fresh, encoding="utf-8")


@cli.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", type=click.IntRange(1, 65535), default=8001, show_default=True)
def serve(host, port):
    """Serve build/ with the stock `datasette` command from .venv-site (no pipeline inside).

    Example:

    \b
        python scripts/cli.py serve --port 9000
    """
    from disclosures import site

    if not (paths.BUILD / DATABASE_FILE).exists():
        fail([f"{paths.BUILD / DATABASE_FILE} does not exist"], "Run: make build")
    command = [str(site.DATASETTE), "serve", *site.datasette_arguments(), "--host", host, "--port", str(port)]
    click.echo(f"Serving on http://{host}:{port}/ with: {' '.join(command)}")
    os.execv(command[0], command)


@cli.command()
@click.option("--workdir", type=click.Path(path_type=Path), help="Keep the copies here (default: a temporary folder).")
@click.option(
    "--flood-seconds",
    type=click.FloatRange(min=0, min_open=True),
    default=15.0,
    show_default=True,
    help="How long the flood lasts.",
)
def reliability(workdir, flood_seconds):
    """Hostile requests, bad data edits, faults and a flood against copies of build/; prints the figures table.

    Loopback only; exits 1 when a figure misses its target.

    Example:

    \b
        make reliability
        python scripts/cli.py reliability --flood-seconds 5 --workdir /tmp/reliability
    """
    from disclosures import reliability as suite

    with tempfile.TemporaryDirectory(prefix="reliability-") as temporary:
        report = suite.run_suite(Path(workdir or temporary), flood_seconds=flood_seconds)
    click.echo(report.markdown())
    for note in report.notes:
        click.echo(f"note: {note}")
    missed = [f"missed: {row.figure}: {row.value} (target {row.target})" for row in report.rows if not row.ok]
    if report.failures or missed:
        fail([f"failed: {f}" for f in report.failures] + missed, f"\n{len(report.failures) + len(missed)} failure(s).")


@cli.command()
@click.option(
    "--quick",
    is_flag=True,
    help="Fewer repetitions: the real package once instead of three times (a million figures "
    "always runs the project and the floor three times, the stock stack once).",
)
@click.option(
    "--figures",
    type=click.IntRange(min=0),
    default=0,
    help="Also bench a synthetic package of this many figures (the pipelines and serving).",
)
@click.option(
    "--pipelines-only",
    is_flag=True,
    help="Only the pipelines (validate and build against the floor and the stock stack), no serving.",
)
def bench(quick, figures, pipelines_only):
    """Medians and ratios: validation, build, pages, a hostile query and a 404 flood; with
    --figures, the project against the floor and the stock stack at that size. Each package is
    also released and served through the make prod topology against stock `datasette serve -i`
    (wrk; Debian's wrk and nginx needed). Writes build/bench.json (results at other sizes are
    kept) with the issue's acceptance checks.

    Example:

    \b
        python scripts/cli.py bench --quick
        make bench FIGURES=1000000      # python scripts/cli.py bench --figures 1000000
        python scripts/cli.py bench --quick --figures 100000 --pipelines-only
    """
    from disclosures import bench as benchmarks
    from disclosures import prod as production
    from disclosures import serving_bench, synthetic

    if figures:
        # Asked before anything runs: a size the synthetic package cannot have was a ValueError's
        # traceback after the real package's benchmarks, and one below the real figures was
        # measured as the real package under that size's name.
        (fewest, most) = synthetic.sizes()
        if not fewest < figures <= most:
            fail(
                [
                    f"--figures {figures}: a synthetic package holds more than the {fewest:,} real figures, at most {most:,}"
                ],
                f"Nothing was measured; give --figures a number from {fewest + 1} to {most}, then rerun.",
            )
    repeat = 5 if quick else 25
    pipelines, serving = {}, {}
    with tempfile.TemporaryDirectory() as folder:
        folder = Path(folder)
        click.echo("pipelines, fresh processes (project: validate && build; floor: csv + sqlite3")
        click.echo("executemany + indexes; stock: frictionless validate + sqlite-utils insert --csv)")
        click.echo(
            f"{'package':>10} {'figures':>9} {'project s':>10} {'floor s':>8} {'stock s':>8} "
            f"{'proj/floor':>10} {'stock/proj':>10} {'peak MB':>8} {'RSS MB':>7} {'project CPU s':>13} {'floor CPU s':>11}"
        )
        sizes = [("real", paths.PACKAGE)]
        if figures:
            sizes.append((str(figures), None))
        for name, package in sizes:
            work = folder / f"pipeline-{name}"
            work.mkdir()
            if package is None:
                package = synthetic.write_package(work / "package", figures)
            runs, stock_runs = (3, 3) if not quick else (1, 1)
            if name != "real" and figures >= 1_000_000:
                # The stock stack once (two minutes a run); the project and the floor, whose
                # ratio is the target, three times each, interleaved.
                runs, stock_runs = 3, 1
            try:
                result = benchmarks.pipeline_comparison(package, work, runs, stock_runs)
            except benchmarks.BenchFailed as failure:
                fail([str(failure)], "The benchmark stopped.")
            pipelines[name] = result
            # Written at once: a size measured stays in build/bench.json whatever happens next.
            benchmarks.write_results(paths.BUILD / "bench.json", {"pipelines": {name: result}})
            click.echo(
                f"{name:>10} {result['figures']:>9,} {result['project']['seconds']:>10.2f} "
                f"{result['floor']['seconds']:>8.2f} {result['stock']['seconds']:>8.2f} "
                f"{result['project_over_floor']:>9.1f}x {result['stock_over_project']:>9.1f}x "
                f"{result['project']['peak_mb']:>8.0f} {result['project']['peak_rss_mb']:>7.0f} "
                f"{result['project']['cpu_seconds']:>13.2f} "
                f"{result['floor']['cpu_seconds']:>11.2f}"
            )
            if not pipelines_only:
                try:
                    serving[name] = serving_bench.release_and_serve(work / "site", work, seconds=3 if quick else 5)
                except (serving_bench.ServingBenchFailed, production.ProdError) as failure:
                    fail([str(failure)], "The serving benchmark stopped.")
        if pipelines_only:
            written = benchmarks.write_results(
                paths.BUILD / "bench.json", {"machine": {"cpus": os.cpu_count(), "load": os.getloadavg()}}
            )
            for target, check in written["acceptance"].items():
                met = "met" if check["met"] else "NOT met"
                click.echo(f"  {target}: {check['value']:.2f} (limit {check['limit']}) {met}")
            return
        click.echo(
            "\nserving through make prod (nginx, supervised workers; per-client limits raised for the bench,"
            "\nwrk sends from one address) vs stock `datasette serve -i`, the same requests one after the other"
        )
        click.echo(serving_bench.HEADER)
        for name, result in serving.items():
            for line in serving_bench.report_lines(name, result):
                click.echo(line)

        site_folder = folder / "pipeline-real" / "site"
        click.echo(
            f"\npage timings, median of {repeat}: this site's settings (immutable, inspect data, no suggested "
            "facets) vs Datasette's default settings on the same database, plugins and metadata"
        )
        click.echo(f"{'page':58} {'site ms':>8} {'default ms':>10} {'ratio':>6}")
        for page, mine, theirs in benchmarks.site_timings(site_folder, repeat):
            click.echo(f"{page:58} {mine:8.1f} {theirs:10.1f} {theirs / mine:6.1f}x")
        refused, direct = benchmarks.hostile_query(site_folder, repeat)
        click.echo(
            f"\nprintf('%.*c', 999999999, 'x'): refused in median {refused:.1f} ms; "
            f"SQLite alone takes {direct:.0f} ms (ratio {direct / refused:.0f}x)"
        )
        seconds = 3 if quick else 10
        ours, plain = benchmarks.flood_comparison(site_folder, seconds)
        ratio = f"{ours / plain:.1f}x" if plain else "n/a"
        click.echo(
            f"404 flood for {seconds} s from one client: the site answered {ours}, "
            f"plain datasette (rich importable) {plain}; ratio {ratio}"
        )
    written = benchmarks.write_results(
        paths.BUILD / "bench.json",
        {"pipelines": pipelines, "serving": serving, "machine": {"cpus": os.cpu_count(), "load": os.getloadavg()}},
    )
    click.echo("\nacceptance (build/bench.json):")
    for target, check in written["acceptance"].items():
        click.echo(f"  {target}: {check['value']:.2f} (limit {check['limit']}) {'met' if check['met'] else 'NOT met'}")


@cli.command("bench-serving")
@click.argument("site", type=click.Path(path_type=Path, exists=True, file_okay=False))
@click.option("--quick", is_flag=True, help="Shorter measurements (3 s instead of 5).")
@click.option(
    "--dist",
    type=click.Path(path_type=Path, exists=True, file_okay=False),
    help="A release of SITE made before (its dist/ folder), instead of releasing it again.",
)
def bench_serving(site, quick, dist):
    """The serving part of `make bench` alone, over a folder built before (reuse a large
    synthetic build while you work): releases it into a temporary folder, serves it through
    the make prod topology and stock `datasette serve -i`, and merges the numbers into
    build/bench.json under the number of figures it holds.

    Example:

    \b
        python scripts/cli.py build --package /tmp/p1m/datapackage.json --out /tmp/site1m
        python scripts/cli.py bench-serving /tmp/site1m
    """
    from disclosures import bench as benchmarks
    from disclosures import prod as production
    from disclosures import serving_bench

    database = site / DATABASE_FILE
    try:
        if not database.is_file():
            raise sqlite3.OperationalError("no such file")
        with sqlite3.connect(f"file:{database}?mode=ro", uri=True) as conn:
            (figures,) = conn.execute("SELECT count(*) FROM figures WHERE is_derived = 0").fetchone()
    except sqlite3.DatabaseError as error:
        # A folder that holds no build (or another database) was sqlite3's traceback.
        fail(
            [f"{database}: not a database this project built ({error})"],
            f"Build the folder first: python scripts/cli.py build --out {site}",
        )
    name = str(figures) if figures >= 100_000 else "real"
    with tempfile.TemporaryDirectory() as folder:
        try:
            result = serving_bench.release_and_serve(site, Path(folder), seconds=3 if quick else 5, dist=dist)
        except (serving_bench.ServingBenchFailed, production.ProdError) as failure:
            fail([str(failure)], "The serving benchmark stopped.")
    result["machine"] = {"cpus": os.cpu_count(), "load": os.getloadavg()}
    click.echo(serving_bench.HEADER)
    for line in serving_bench.report_lines(name, result):
        click.echo(line)
    written = benchmarks.write_results(paths.BUILD / "bench.json", {"serving": {name: result}})
    click.echo("\nacceptance (build/bench.json):")
    for target, check in written["acceptance"].items():
        click.echo(f"  {target}: {check['value']:.2f} (limit {check['limit']}) {'met' if check['met'] else 'NOT met'}")


@cli.group()
def prod():
    """The production topology on loopback: nginx in front of supervised Datasette workers.

    Everything runs under --run (default run/prod/); see disclosures/prod.py for its layout.

    Example:

    \b
        make prod                        # python scripts/cli.py prod start
        python scripts/cli.py prod status
        python scripts/cli.py prod stop
    """


def _topology(run, port, limits=(), host="127.0.0.1"):
    import dataclasses

    from disclosures import prod as production

    options = {"run": run.resolve(), "port": port, "host": host}
    numbers = {f.name for f in dataclasses.fields(production.Topology) if f.type in ("int", int)} - {"port"}
    for limit in limits:
        name, _, value = limit.partition("=")
        if name not in numbers or not value.isdigit() or int(value) < 1:
            fail([f"prod: --set {limit}: expected NAME=N, N ≥ 1, NAME one of {', '.join(sorted(numbers))}"], "")
        options[name] = int(value)
    return production.Topology(**options)


def _running_topology(run):
    """The topology `prod start` recorded under --run (its port, worker counts and limits), or
    the default one with this run directory when none was recorded (nothing started)."""
    from disclosures import prod as production

    run = run.resolve()
    try:
        recorded = production.recorded_topology(run)
    except production.ProdError as error:
        fail([f"prod: {error}"], "")
    return recorded or production.Topology(run=run)


def _say_if_waiting(topology):
    """One line when a switch, start or stop holds the run directory's switch.lock: this command
    waits for it to end (disclosures.prod.switch_lock) instead of seeming to hang."""
    from disclosures import prod as production

    held = production.lock_holder(topology)
    if held:
        click.echo(f"prod: waiting for the {held[1]} running (pid {held[0]}) to end ({topology.run / 'switch.lock'})")


RUN_OPTION = click.option("--run", type=click.Path(path_type=Path), default=paths.RUN, show_default=True)
PORT_OPTION = click.option(
    "--port", type=click.IntRange(1, 65535), default=8080, show_default=True, help="nginx's port."
)


@prod.command("start")
@RUN_OPTION
@PORT_OPTION
@click.option(
    "--set",
    "limits",
    multiple=True,
    metavar="NAME=N",
    help="Change a worker count or limit of disclosures.prod.Topology, e.g. pages_workers=3, page_rate=5000.",
)
@click.option(
    "--host",
    default="127.0.0.1",
    show_default=True,
    help="nginx's address; a container listens on 0.0.0.0 inside its own network.",
)
@click.option(
    "--foreground",
    is_flag=True,
    help="Run supervisord in the foreground in place of this command (a container's main process).",
)
@click.option(
    "--from-build",
    is_flag=True,
    help="Serve build/ and dist/, not the release served last under --run (make prod PROD_FROM_BUILD=1).",
)
def prod_start(run, port, limits, host, foreground, from_build):
    """Start nginx and the workers in the background, serving the release served last under --run
    (the one switched to last, a switch back included), or build/ and dist/ the first time or
    with --from-build.

    Example:

    \b
        make prod                                      # this, on http://127.0.0.1:8080
        make prod PROD_FROM_BUILD=1                    # serve build/ and dist/ now
        python scripts/cli.py prod start --port 9080 --run /tmp/prod --set pages_workers=3
    """
    from disclosures import prod as production

    topology = _topology(run, port, limits, host)
    _say_if_waiting(topology)
    build_dir, dist = (paths.BUILD, paths.DIST) if from_build else (None, None)
    if foreground:
        try:
            rid, command = production.prepare(topology, build_dir, dist)
        except production.ProdError as error:
            fail([f"prod: {error}"], f"Logs: {topology.run / 'logs'}")
        click.echo(f"prod: release {rid} on http://{host}:{port}/ (supervisord in the foreground)")
        os.execv(command[0], [*command, "-n"])
    resuming = not from_build and production.current_release(topology) is not None
    try:
        rid = production.start(topology, build_dir, dist)
    except production.ProdError as error:
        fail([f"prod: {error}"], f"Logs: {topology.run / 'logs'}")
    status = production.process_status(topology)
    click.echo(f"prod: release {rid} on {topology.base_url}/ (supervisord pid {production.supervisord_pid(topology)})")
    if resuming:
        click.echo(f"prod: {rid} is the release last started or switched to (current under {topology.run})")
        try:
            built = production.release_id(paths.BUILD, paths.DIST)
        except production.ProdError:
            built = rid
        if built != rid:
            click.echo(f"prod: build/ and dist/ hold {built}: {topology.make('prod-switch')} serves it")
    for name, (state, pid) in sorted(status.items()):
        click.echo(f"  {name:16} {state} pid {pid}")
    click.echo(
        f"Stop: {topology.make('prod-stop')}   Status: {topology.make('prod-status')}   Logs: {topology.run / 'logs'}"
    )


@prod.command("switch")
@RUN_OPTION
@click.option("--build-dir", type=click.Path(path_type=Path), default=paths.BUILD, show_default=True)
@click.option("--dist", type=click.Path(path_type=Path), default=paths.DIST, show_default=True)
def prod_switch(run, build_dir, dist):
    """Serve a new build/ and dist/ without failing a request (rolling restart, then nginx reload).

    The port, worker counts and limits stay those `prod start` was given (run/prod/topology.json).

    Example:

    \b
        make build release prod-switch
        python scripts/cli.py prod switch --build-dir /tmp/site
    """
    from disclosures import prod as production

    topology = _running_topology(run)
    if not topology.record.exists() and production.supervisord_pid(topology):
        fail(
            [f"prod: {topology.record} is missing, so the running port and worker counts are unknown"],
            f"Restart it once: {topology.make('prod-stop prod')} (later switches keep what it started with)",
        )
    try:
        before = production.served_release(topology)
        rid = production.switch_release(topology, build_dir, dist)
    except production.ProdError as error:
        fail([f"prod: {error}"], "The release being served is unchanged unless said otherwise above.")
    click.echo(f"prod: serving {rid}" + (" (unchanged)" if rid == before else f" (was {before})"))


@prod.command("status")
@RUN_OPTION
def prod_status(run):
    """Say what runs: the release, each process with its pid, and what the health check
    answers. Exits 1 when supervisord is not running (with what it left running, if anything).

    Example:

    \b
        python scripts/cli.py prod status
    """
    from disclosures import prod as production

    topology = _running_topology(run)
    pid = production.supervisord_pid(topology)
    logs = f"Logs: {topology.run / 'logs'} (supervisord.log says why it ended)"
    if pid is None:
        left = production.orphans(topology)
        held = production.lock_holder(topology)
        if not left and held:
            fail(
                [f"prod: not running under {topology.run}: a {held[1]} is under way (pid {held[0]})"],
                f"Check again once it ends: {topology.make('prod-status')}",
            )
        if not left:
            last = production.current_release(topology)
            again = f" (it serves {last} again, the release last started or switched to)" if last else ""
            fail([f"prod: not running under {topology.run}"], f"Start it: {topology.make('prod')}{again}")
        fail(
            [
                f"prod: supervisord is not running under {topology.run} (it crashed or was killed); "
                f"what it started still runs, unsupervised: pids {' '.join(map(str, left))}",
                f"prod: health: {production.health(topology)}",
            ],
            f"Stop them: {topology.make('prod-stop')}, then start again: {topology.make('prod')}. {logs}",
        )
    try:
        status = production.process_status(topology)
    except production.ProdError as error:
        fail([f"prod: supervisord (pid {pid}) does not answer: {error}".replace("\n", " ")], logs)
    click.echo(f"prod: supervisord pid {pid}, {production.release_report(topology)}")
    click.echo(f"prod: health: {production.health(topology)}")
    for name, (state, master) in sorted(status.items()):
        # A master between two workers (one died, or it is restarting) has none for a moment.
        workers = " ".join(map(str, production.worker_pids(topology, name))) or "none yet (being forked)"
        forked = "" if name == "nginx" else f", worker pid {workers}"
        # supervisorctl status names a pid only once a process is RUNNING (not while STARTING).
        master = master or production.process_pid(topology, name) or "none"
        click.echo(f"  {name:16} {state} pid {master}{forked}")
    leftovers = production.nginx_leftovers(topology)
    if leftovers:
        fail(
            [
                f"prod: nginx processes left by a killed nginx master still hold {topology.base_url} with the old "
                f"configuration (pids {' '.join(map(str, leftovers))}), so the nginx supervisord restarts cannot bind it"
            ],
            f"Restart: {topology.make('prod-stop prod')} (the stop ends them too). {logs}",
        )


@prod.command("stop")
@RUN_OPTION
def prod_stop(run):
    """Stop nginx, the workers and supervisord (only those of --run).

    Example:

    \b
        make prod-stop
    """
    from disclosures import prod as production

    topology = _running_topology(run)
    _say_if_waiting(topology)
    try:
        stopped = production.stop(topology)
    except production.ProdError as error:
        fail([f"prod: {error}"], "Nothing was stopped.")
    click.echo("prod: stopped" if stopped else f"prod: nothing was running under {topology.run}")


if __name__ == "__main__":
    # Only for the command: a test that loads this module keeps its pandas.
    sys.meta_path.insert(0, WITHOUT_PANDAS)
    # Before any connection is opened (it reconfigures SQLite for the whole process).
    from disclosures import sqlite_library

    sqlite_library.without_memory_statistics()
    if sys.argv[1:2] == ["build"]:
        # No mutex per connection: the build's threads each use connections of their own.
        sqlite_library.multi_thread_mode()
    if sys.argv[1:2] in (["validate"], ["build"]):
        # No cyclic garbage collection in these two short commands: their rows are tuples and
        # lists of text and numbers, which form no cycles and go by reference counting, but
        # each collection walks every one allocated since, hundreds of times in a build (and in
        # the child it forks). 0.07 s less of the real package's validate && build (medians of
        # six, interleaved), 1.5 s of collections at a million figures; peak memory unchanged.
        gc.disable()
    try:
        cli()
    except SystemExit as done:
        if sys.argv[1:2] not in (["validate"], ["build"]):
            raise
        # validate and build end without the interpreter's teardown: it freed a build's objects
        # and Arrow's memory pools one by one, 0.06 s of every `make build`, for memory the OS
        # takes back at once. All they write is closed (and renamed) before click exits.
        code = done.code if isinstance(done.code, int) else (0 if done.code is None else 1)
        if not isinstance(done.code, int | None):
            click.echo(done.code, err=True)
        for stream in (sys.stdout, sys.stderr):
            try:
                if stream is not None:
                    stream.flush()
            except (BrokenPipeError, ValueError):  # a reader gone, or a stream closed
                pass
        os._exit(code)
