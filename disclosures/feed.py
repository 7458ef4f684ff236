"""The Atom feed of releases, written with feedgen: one entry per release, newest first.

Each entry says what the release changed (figures added, changed, removed, and since which
release; of the changed, how many have a new value, as the changes page says; its changes to
the tables, as CHANGELOG.md words them) and links to the changes page of the canonical site
(the package's ``homepage``), so a feed reader never sees a local address. Per-figure changes stay in ``changelog.csv``. Ids are
stable URNs: rebuilding a release's feed gives the same bytes.
"""

from __future__ import annotations

import sqlite3
import uuid

from feedgen.feed import FeedGenerator

from .release_records import CHANGES, parse_version


def same_values_text(release: dict) -> str:
    """After "N changed", as the site's pages write it: " (5 with a new value, 433 the same value
    from another source)", or nothing when every changed figure has a new value."""
    changed, same = release["changed"], release.get("changed_same_value")
    if not changed or not same:
        return ""
    return f" ({changed - same:,} with a new value, {same:,} the same value from another source)"


def release_summary(release: dict) -> str:
    """One sentence: "3 figures added, 1 changed, 0 removed since 1.0.0." (or "in the first release"),
    the changed split as the changes page splits them; then the release's ``table_changes`` (its
    sentences of release_table_changes), after "Changes to the tables (N):"."""
    counts = ", ".join(
        (
            f"{release[name]:,} figure{'s' if release[name] != 1 else ''} {name}"
            if i == 0
            else f"{release[name]:,} {name}"
        )
        + (same_values_text(release) if name == "changed" else "")
        for i, name in enumerate(CHANGES)
    )
    since = f"since {release['previous']}" if release.get("previous") else "in the first release"
    # As CHANGELOG.md says them: a release that changed only columns read "0 figures added, 0 changed, 0 removed".
    tables = release.get("table_changes") or []
    tables_text = f" Changes to the tables ({len(tables)}): {' '.join(tables)}" if tables else ""
    return (
        f"{counts} {since}.{tables_text} The full list, with each reason, is on the changes page and in changelog.csv."
    )


def release_order(release: dict) -> tuple:
    """A release's place, oldest first: its date, then its version's numbers (as text, 1.10.0
    came before 1.9.0 of the same day)."""
    return release["date"], parse_version(release["version"])


def atom_feed(homepage: str, name: str, title: str, author: str, releases: list[dict]) -> bytes:
    """Atom XML (UTF-8) with one entry per release (dicts of the ``releases`` table), newest first."""
    ordered = sorted(releases, key=release_order, reverse=True)
    feed = FeedGenerator()
    feed.id(f"urn:uuid:{uuid.uuid5(uuid.NAMESPACE_URL, f'{homepage}#{name}/releases')}")
    feed.title(f"{title}: releases")
    feed.updated(f"{ordered[0]['date']}T00:00:00Z")
    feed.author({"name": author})
    feed.link(href=homepage, rel="alternate")
    feed.link(href=f"{homepage}feed.atom", rel="self")
    for release in ordered:
        entry = feed.add_entry(order="append")
        entry_key = f"{homepage}#{name}/{release['version']}"
        entry.id(f"urn:uuid:{uuid.uuid5(uuid.NAMESPACE_URL, entry_key)}")
        entry.title(f"Release {release['version']} ({release['date']})")
        entry.updated(f"{release['date']}T00:00:00Z")
        # The entry's own release: /changes alone is the latest one's.
        entry.link(href=f"{homepage}changes?version={release['version']}", rel="alternate")
        entry.summary(release_summary(release))
    return feed.atom_str(pretty=True)


def release_feed(conn: sqlite3.Connection, version: str | None = None) -> bytes | None:
    """The feed of every release up to ``version`` (default: the latest) from a built database, or None."""
    dataset = conn.execute("SELECT name, title, homepage, author, latest_release FROM dataset").fetchone()
    if dataset is None:
        return None
    name, title, homepage, author, latest = dataset
    version = version or latest
    cursor = conn.execute("SELECT version, date, previous, added, changed, changed_same_value, removed FROM releases")
    columns = [d[0] for d in cursor.description]
    releases = [dict(zip(columns, row, strict=True)) for row in cursor]
    for release in releases:
        release["table_changes"] = [
            sentence
            for (sentence,) in conn.execute(
                "SELECT sentence FROM release_table_changes WHERE version = ? ORDER BY position", [release["version"]]
            )
        ]
    known = {r["version"]: r for r in releases}
    if version not in known:
        return None
    upto = [r for r in releases if release_order(r) <= release_order(known[version])]
    return atom_feed(homepage or "", name, title, author, upto)
