"""The README's generated blocks (counts, coverage and platform tables, release state), rendered
from the built database.

The blocks sit between `<!-- generated:NAME -->` and `<!-- /generated:NAME -->`; ``render``
returns the README with every block refreshed, and raises ValueError when a block is missing.
"""

from __future__ import annotations

import re
import sqlite3
from pathlib import Path

from . import versioning
from .freshness import DSA_REQUEST_TYPES
from .paths import RELEASES
from .release_records import recorded_releases
from .versioning import names, schema_clauses

STATUS_MARKS = {"reported": "●", "derived": "◐", "in_longer_period": "○", "missing": "·"}


def markdown_table(header: list[str], rows: list[list]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    lines += ["| " + " | ".join("" if c is None else str(c) for c in row) + " |" for row in rows]
    return "\n".join(lines)


def telegram_coverage(conn: sqlite3.Connection) -> str:
    cursor = conn.execute("SELECT * FROM telegram_coverage")
    columns = [d[0] for d in cursor.description]
    rows = cursor.fetchall()
    periods = columns[2:]
    table = markdown_table(
        ["Jurisdiction"] + periods,
        [[f"{row[1]} ({row[0]})"] + [STATUS_MARKS.get(c, "") for c in row[2:]] for row in rows],
    )
    totals = {status: sum(1 for row in rows for c in row[2:] if c == status) for status in STATUS_MARKS}
    legend = (
        f"● reported by a source ({totals['reported']}), ◐ derived by the build from reported figures "
        f"({totals['derived']}), ○ no figure of its own but inside a longer period this jurisdiction has a figure for, "
        f"such as the first report's January–September 2024 ({totals['in_longer_period']}), · missing ({totals['missing']}). {len(rows)} jurisdictions. A blank cell is a "
        "period Telegram's bot used for a few other countries only: not missing, since that jurisdiction never had "
        "a report for it (see coverage_cells)."
    )
    return f"{legend}\n\n{table}"


def platform_capabilities(conn: sqlite3.Connection) -> str:
    """Per platform: what the dataset holds, from when to when, and what the platform never reports.

    "Periods held" gives the global reports' span and the EU DSA orders' apart (a separate regime,
    as the site shows them): Google's global figures end 2025-12-31, its DSA orders 2026-06-30."""
    dsa = ", ".join("?" * len(DSA_REQUEST_TYPES))
    rows = conn.execute(
        f"""
        SELECT p.name, p.platform_id, count(f.figure_id),
               min(CASE WHEN f.request_type_id NOT IN ({dsa}) THEN f.period_start END),
               max(CASE WHEN f.request_type_id NOT IN ({dsa}) THEN f.period_end END),
               min(CASE WHEN f.request_type_id IN ({dsa}) THEN f.period_start END),
               max(CASE WHEN f.request_type_id IN ({dsa}) THEN f.period_end END),
               (SELECT group_concat(k, ', ') FROM (SELECT DISTINCT period_kind AS k FROM figures
                 WHERE platform_id = p.platform_id AND is_derived = 0 ORDER BY k)),
               (SELECT group_concat(m, ', ') FROM (SELECT DISTINCT metric_id AS m FROM figures
                 WHERE platform_id = p.platform_id AND is_derived = 0 ORDER BY m)),
               (SELECT group_concat(t, ', ') FROM (SELECT DISTINCT request_type_id AS t FROM figures
                 WHERE platform_id = p.platform_id AND is_derived = 0 ORDER BY t)),
               p.not_reported
        FROM platforms p LEFT JOIN figures f ON f.platform_id = p.platform_id AND f.is_derived = 0
        GROUP BY p.platform_id ORDER BY p.name COLLATE NOCASE, p.platform_id""",
        DSA_REQUEST_TYPES * 4,
    ).fetchall()
    body = [
        [
            f"{name} (`{pid}`)",
            count,
            held(start, end, dsa_start, dsa_end),
            kinds or "",
            metrics or "",
            types or "",
            never,
        ]
        for name, pid, count, start, end, dsa_start, dsa_end, kinds, metrics, types, never in rows
    ]
    return markdown_table(
        [
            "Platform",
            "Reported figures",
            "Periods held",
            "Granularity",
            "Metrics",
            "Request types",
            "The platform does not report",
        ],
        body,
    )


def held(start: str | None, end: str | None, dsa_start: str | None, dsa_end: str | None) -> str:
    """The "Periods held" cell: the global reports' span, then the EU DSA orders' apart."""
    spans = []
    if start:
        spans.append(f"{start} – {end}")
    if dsa_start:
        spans.append(f"EU DSA orders {dsa_start} – {dsa_end}" + ("" if start else " only"))
    return "; ".join(spans) or "none"


def counts(conn: sqlite3.Connection) -> str:
    """How many figures the dataset holds, reported and derived, so no prose number goes stale."""
    ((reported, derived, platforms, cited, sources),) = conn.execute(
        """SELECT sum(is_derived = 0), sum(is_derived), count(DISTINCT platform_id),
                  count(DISTINCT CASE WHEN is_derived = 0 THEN source_id END), (SELECT count(*) FROM sources)
           FROM figures"""
    ).fetchall()
    return (
        f"The dataset holds {reported:,} reported figures and {derived:,} derived ones "
        f"({reported + derived:,} rows in `/disclosures/figures`), for {platforms} platforms, read from {cited} "
        f"sources ({sources} recorded, with those behind corroborations, disagreements and events)."
    )


def release_state(conn: sqlite3.Connection) -> str:
    """What the site says of the version it serves, from the dataset and releases tables the build
    wrote: a sentence that was prose said "Until 1.0.0 is released" whatever releases/ held."""
    ((version, state, latest, latest_date, own_date),) = conn.execute(
        """SELECT d.version, d.release_state, d.latest_release, l.date, o.date
           FROM dataset d LEFT JOIN releases l ON l.version = d.latest_release
                          LEFT JOIN releases o ON o.version = d.version"""
    ).fetchall()
    if state == "released":
        return (
            f"Version {version} is released ({own_date}): the site serves it as released on that date, "
            "and its home page cites it by that version."
        )
    if latest is None:
        return (
            f'Nothing has been released yet: the site serves version {version} as "not released yet", '
            "cited by its content hash."
        )
    if own_date is not None:
        return (
            f"The data has changed since release {version} ({own_date}) and the version has not: the site "
            f'serves it as "not released yet", and a release refuses until the version is raised.'
        )
    return (
        f'Until {version} is released, the site serves it as "not released yet" and its home page names '
        f"{latest} ({latest_date}) as the latest release, not as the version shown."
    )


def join(clauses: list[str]) -> str:
    return clauses[0] if len(clauses) == 1 else "; ".join(clauses[:-1]) + "; and " + clauses[-1]


def release_steps(conn: sqlite3.Connection, releases: Path = RELEASES) -> str:
    """Why each release after the first has its version step: its schema's changes (a major step),
    the tables and figures it added (minor), the figures it changed or removed (patch), read from
    the records in releases/ (the build's release tables keep no schema), as versioning.py judges
    them for a release. A sentence that was prose named two of the four tables 1.0.0 changed and
    none of the three it added."""
    recorded = recorded_releases(releases)
    lines = []
    for version, manifest in recorded.items():
        previous = manifest.get("previous")
        if previous is None or "schema" not in manifest or "schema" not in recorded[previous]:
            continue
        # The released files' columns where both records hold them (release.released_schema),
        # as the release itself judged the step.
        which = (
            "released_schema" if "released_schema" in manifest and "released_schema" in recorded[previous] else "schema"
        )
        differences = versioning.schema_differences(recorded[previous][which], manifest[which])
        breaks = schema_clauses(differences)
        added_tables = [d["table"] for d in differences if d["change"] == "added"]
        counts = manifest["counts"]
        added = ([f"the table{'s' if len(added_tables) > 1 else ''} {names(added_tables)}"] if added_tables else []) + (
            [f"{counts['added']:,} figures"] if counts["added"] else []
        )
        amended = [f"{kind} {counts[kind]:,} figures" for kind in ("changed", "removed") if counts[kind]]
        # Each kind of change, the step it needs on its own (versioning.required_bump), biggest first.
        reasons = [("major", f"its schema changed: {join(breaks)}")] if breaks else []
        reasons += [("minor", f"added {' and '.join(added)}")] if added else []
        reasons += [("patch", " and ".join(amended))] if amended else []
        if not reasons:
            continue
        step = versioning.bump_kind(previous, version)
        level, reason = reasons[0]
        lead = f"{version} (after {previous}) is a {step} step, since {'' if breaks else 'it '}{reason}"
        if step != level:
            lead += f" (its changes need a {level} step)"
        lines.append(
            " ".join([lead + ".", *(f"It also {text} (a {kind} step on its own)." for kind, text in reasons[1:])])
        )
    return "\n\n".join(lines) or "No release has followed the first yet."


BLOCKS = {
    "telegram-coverage": telegram_coverage,
    "platforms": platform_capabilities,
    "counts": counts,
    "release-state": release_state,
    "release-steps": release_steps,
}


def render(readme_text: str, conn: sqlite3.Connection, blocks=BLOCKS) -> str:
    for name, make in blocks.items():
        pattern = re.compile(rf"(<!-- generated:{name} -->\n).*?(<!-- /generated:{name} -->)", re.DOTALL)
        if not pattern.search(readme_text):
            raise ValueError(f"README.md has no block <!-- generated:{name} -->")
        body = make(conn)
        readme_text = pattern.sub(lambda m, body=body: f"{m.group(1)}{body}\n{m.group(2)}", readme_text)
    return readme_text
