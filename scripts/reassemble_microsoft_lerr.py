"""Rebuild krMaynard's microsoft-lerr.json from its compact transcription, and check it.

Example:

    .venv/bin/python scripts/reassemble_microsoft_lerr.py /work/ms-lerr/part-a.tsv /work/ms-lerr/part-b.tsv \\
        --out /work/ms-lerr/microsoft-lerr.json

Prints what it dropped and what it checked: the groups whose parts do not add up to the
requests, the (period, section, country) repeated, the rebuilt file's length against the stored
copy's, and whether every 2025-H1 record the importer reads is, verbatim, the quote of a figure
already in data/figures.csv (imported earlier from the same file). Exits 1 when the 2025-H1 records
and the figures' quotes differ. The output is a working file: never commit it.
"""

from __future__ import annotations

import sys
from collections import Counter
from pathlib import Path

import click

# Run by path, so the repository root is not on sys.path yet.
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from disclosures.files import read_csv
from disclosures.importers import microsoft
from disclosures.importers import microsoft_transcript as transcript
from disclosures.paths import ROOT

SOURCE_ID = "krmaynard-microsoft-lerr-json-47ca656"
STORED_LENGTH = 779_722  # characters of the stored copy at commit 47ca656, as read_file reports it


@click.command()
@click.argument("parts", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--out", required=True, type=click.Path(dir_okay=False, path_type=Path), help="the JSON to write")
@click.option("--check-period", default="2025-H1", show_default=True, help="period already imported, to compare")
def main(parts: tuple[Path, ...], out: Path, check_period: str) -> None:
    """Join PARTS (compact transcriptions, in file order) into OUT and report the checks."""
    try:
        read = [transcript.read_groups(part) for part in parts]
    except transcript.TranscriptProblem as problem:
        raise click.ClickException(str(problem)) from None
    groups, dropped = transcript.join_parts(read)
    for part, part_groups in zip(parts, read, strict=True):
        click.echo(f"{part}: {len(part_groups)} groups")
    for group in dropped:
        click.echo(f"dropped, repeats the previous part's end: {group.where} {group.key}")
    text = transcript.file_text(groups)
    out.write_text(text, encoding="utf-8")
    rows = sum(len(g.cells) for g in groups)
    length = "equal to" if len(text) == STORED_LENGTH else "NOT equal to"
    click.echo(
        f"{out}: {len(groups)} groups, {rows} rows, {len(text)} characters, {length} the stored copy's {STORED_LENGTH}"
    )
    periods = Counter(g.period for g in groups)
    click.echo("periods: " + ", ".join(f"{p} {n}" for p, n in sorted(periods.items())))
    sections = Counter((g.period, g.section) for g in groups)
    click.echo("sections: " + ", ".join(f"{p}/{s} {n}" for (p, s), n in sorted(sections.items())))
    units = Counter(unit for g in groups for _, unit, _ in g.cells)
    metrics = Counter(metric for g in groups for metric, _, _ in g.cells)
    click.echo(f"units: {dict(units)}; metrics: {dict(metrics)}")

    for first, later in transcript.repeated_keys(groups):
        same = "same cells" if first == later else "DIFFERENT cells"
        click.echo(f"repeated group {later.key}: {first.where} and {later.where} ({same})")
    mismatches = transcript.sum_mismatches(groups)
    click.echo(f"content + non-content + no data + rejected != requests: {len(mismatches)} groups")
    for group, total, requests in mismatches:
        difference = "" if None in (total, requests) else f" ({total - requests:+d})"
        click.echo(f"  {group.where} {'/'.join(group.key)}: parts {total}, requests {requests}{difference}")

    existing = {
        r["quote"]
        for r in read_csv(ROOT / "data" / "figures.csv")
        if r["source_id"] == SOURCE_ID and r["quote"].startswith(f'["{check_period}"')
    }
    rebuilt = {r.quote for r in microsoft.parse(out).records if r.quote.startswith(f'["{check_period}"')}
    click.echo(
        f"{check_period}: {len(rebuilt)} records read, {len(existing)} figures' quotes, "
        f"{len(rebuilt & existing)} equal, {len(rebuilt - existing)} only rebuilt, {len(existing - rebuilt)} only in data/"
    )
    for quote in sorted(rebuilt ^ existing)[:20]:
        click.echo(f"  {'rebuilt' if quote in rebuilt else 'data/'}: {quote}")
    if rebuilt != existing:
        sys.exit(1)


if __name__ == "__main__":
    main()
