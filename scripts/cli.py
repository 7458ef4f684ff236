"""The project's command line: one verb per pipeline step, each a thin layer over disclosures/.

Run it as `.venv/bin/python scripts/cli.py VERB --help`; `make` runs these for you. This is
the only place that prints or exits.
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

import click

# Run by path (python scripts/cli.py), so the repository root is not on sys.path yet.
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from disclosures import paths
from disclosures.release_records import RecordDamaged
from disclosures.vocabulary import DATABASE_FILE


def fail(lines: list[str], hint: str) -> None:
    for line in lines:
        click.echo(line, err=True)
    click.echo(hint, err=True)
    sys.exit(1)


@click.group()
def cli():
    """Validate, build, serve and release Platform Disclosures."""


@cli.command()
@click.argument("package", type=click.Path(path_type=Path), required=False)
def validate(package):
    """Validate a data package: the Table Schema, plus the rules it can't express.

    Prints every problem as file:line:field: message and exits 1 when there is one.

    Example:

    \b
        python scripts/cli.py validate                                  # datapackage.json
        python scripts/cli.py validate ../other-package/datapackage.json
    """
    from disclosures import validate as validation

    package_path = package.resolve() if package else paths.PACKAGE
    base = Path.cwd() if package else paths.ROOT
    problems = validation.validate_package(package_path, base=base)
    if problems:
        again = f"python scripts/cli.py validate {package}" if package else "make validate"
        fail([str(p) for p in problems], f"\n{len(problems)} problem(s). Fix them, then rerun: {again}")
    click.echo(f"OK: {validation.shown_path(package_path, base)} is valid")


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
    import sqlite_utils

    from disclosures import build as builder
    from disclosures import validate as validation

    try:
        path = builder.build_site(package, out)
    except validation.ValidationFailed as failure:
        fail(
            [str(p) for p in failure.problems],
            f"\n{len(failure.problems)} problem(s); nothing was built. Fix them, then rerun: make build",
        )
    except (builder.BuildFailed, RecordDamaged) as failure:
        fail([f"build failed, {out / DATABASE_FILE} left as it was: {failure}"], "Fix it, then rerun: make build")
    db = sqlite_utils.Database(path)
    counts = ", ".join(f"{t}={db[t].count}" for t in ("figures", "sources", "events", "disagreements"))
    derived = db.execute("SELECT count(*) FROM figures WHERE is_derived = 1").fetchone()[0]
    (version, state) = db.execute("SELECT version, release_state FROM dataset").fetchone()
    click.echo(f"validated and built {path} ({counts}; {derived} derived figures; version {version}: {state})")


@cli.command()
@click.option("--build-dir", type=click.Path(path_type=Path), default=paths.BUILD, show_default=True)
@click.option("--dist", type=click.Path(path_type=Path), default=paths.DIST, show_default=True)
@click.option("--releases", type=click.Path(path_type=Path), default=paths.RELEASES, show_default=True)
@click.option(
    "--date", "release_date", help="Release date (YYYY-MM-DD) recorded for a new version; default: today (UTC)."
)
def release(build_dir, dist, releases, release_date):
    """Write dist/<version>/ from the built folder, and record a new version in releases/.

    Copies the built database (it never rebuilds it); refuses a release that would not be honest
    or reproducible, and says what to change.

    Example:

    \b
        make release                                   # build if needed, then this
        python scripts/cli.py release --date 2026-11-28
    """
    from disclosures import release as releasing

    try:
        folder = releasing.make_release(build_dir, dist, releases, release_date)
    except (releasing.ReleaseRefused, RecordDamaged) as refusal:
        fail([f"release refused: {refusal}"], "Nothing was released.")
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
def import_file(format_name, file, source_id, dry_run):
    """Import a platform's machine-readable FILE into data/: adds, would-change, skips and why.

    Adds new figures and corroborations; a figure whose value differs is never overwritten
    (add a data/corrections.csv row with the new value, or a disagreements row, and rerun).
    Importing the same file again changes nothing. FORMAT is one of the names listed on error.

    Example:

    \b
        python scripts/cli.py import google-user-data google-global-user-data-requests.csv \\
            --source google-2025-06-30-user-data-requests-csv-archive --dry-run
    """
    from disclosures import importers
    from disclosures.importers.registry import FORMATS

    if format_name not in FORMATS:
        fail([f"unknown format {format_name!r}"], "Formats: " + ", ".join(sorted(FORMATS)))
    try:
        plan = importers.plan_import(FORMATS[format_name].parse(file), source_id)
    except (importers.ImportFailed, ValueError, KeyError) as error:
        problems = error.problems if isinstance(error, importers.ImportFailed) else [f"{file}: {error}"]
        fail(problems, "Nothing was imported.")
    for row in plan.adds:
        click.echo(f"add {row['figure_id']} = {row['value'] or row['value_kind']}  [{row['source_locator']}]")
    for row in plan.corroborations:
        click.echo(f"corroborate {row['figure_id']}  [{row['source_locator']}]")
    for change in plan.changes:
        old = change.old["value"] or change.old["value_kind"]
        new = change.new["value"] or change.new["value_kind"]
        why = {
            "pending": "not written: add a corrections row (or a disagreements row) first",
            "corrected": "written: data/corrections.csv has this value",
            "recorded": "not written: a disagreement with this value is recorded",
        }[change.status]
        click.echo(f"would change {change.figure_id}: {old} -> {new} ({why})  [{change.new['source_locator']}]")
    for skip in plan.skips:
        click.echo(f"skip {skip.source_locator}: {skip.reason}")
    written = {} if dry_run else importers.write_plan(plan)
    click.echo(
        f"{file.name}: {len(plan.adds)} to add, {len(plan.corroborations)} corroborations, "
        f"{len(plan.same) + len(plan.corroborated)} already there, {len(plan.changes)} differing "
        f"({len(plan.pending)} pending), {len(plan.skips)} skipped; "
        + ("dry run, nothing written." if dry_run else f"written: {written or 'nothing'}.")
    )


@cli.command()
@click.option("--check", is_flag=True, help="Exit 1 when README.md is stale instead of rewriting it.")
@click.option("--db", type=click.Path(path_type=Path), default=paths.BUILD / DATABASE_FILE, show_default=True)
def readme(check, db):
    """Regenerate the README's generated blocks (coverage and platform tables) from the database.

    Example:

    \b
        python scripts/cli.py readme            # rewrite the blocks in README.md
        python scripts/cli.py readme --check    # fail if README.md is stale
    """
    import sqlite3

    from disclosures import readme as generated

    with sqlite3.connect(f"file:{db}?mode=ro", uri=True) as conn:
        current = paths.README.read_text(encoding="utf-8")
        fresh = generated.render(current, conn)
    if check:
        if fresh != current:
            fail(["README.md is out of date"], "Run: make readme")
        return
    paths.README.write_text(fresh, encoding="utf-8")


@cli.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8001, show_default=True)
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
@click.option("--quick", is_flag=True, help="Fewer repetitions.")
def bench(quick):
    """Medians and ratios: validation, build, pages, a hostile query and a 404 flood.

    Example:

    \b
        python scripts/cli.py bench --quick
    """
    from disclosures import bench as benchmarks

    repeat = 5 if quick else 25
    with tempfile.TemporaryDirectory() as folder:
        folder = Path(folder)
        timings = benchmarks.pipeline_timings(folder)
        click.echo(f"validate: median {timings['validate']:.0f} ms (3 runs)")
        click.echo(f"build (validate + build + checks + site files): median {timings['build']:.0f} ms (3 runs)")
        click.echo(
            f"\npage timings, median of {repeat}: this site's settings (immutable, inspect data, no suggested "
            "facets) vs Datasette's default settings on the same database, plugins and metadata"
        )
        click.echo(f"{'page':58} {'site ms':>8} {'default ms':>10} {'ratio':>6}")
        for page, mine, theirs in benchmarks.site_timings(folder, repeat):
            click.echo(f"{page:58} {mine:8.1f} {theirs:10.1f} {theirs / mine:6.1f}x")
        refused, direct = benchmarks.hostile_query(folder, repeat)
        click.echo(
            f"\nprintf('%.*c', 999999999, 'x'): refused in median {refused:.1f} ms; "
            f"SQLite alone takes {direct:.0f} ms (ratio {direct / refused:.0f}x)"
        )
        seconds = 3 if quick else 10
        ours, plain = benchmarks.flood_comparison(folder, seconds)
        ratio = f"{ours / plain:.1f}x" if plain else "n/a"
        click.echo(
            f"404 flood for {seconds} s from one client: the site answered {ours}, "
            f"plain datasette (rich importable) {plain}; ratio {ratio}"
        )


if __name__ == "__main__":
    cli()
