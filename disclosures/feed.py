"""The Atom feed of a release's new and corrected figures, written with feedgen.

Each entry links to the figure's page on the canonical site (the package's ``homepage``), so a
feed reader never sees a local address. Ids are stable URNs: rebuilding a release's feed gives
the same bytes.
"""

from __future__ import annotations

import sqlite3
import uuid
from datetime import UTC, datetime

from feedgen.feed import FeedGenerator


def atom_feed(
    homepage: str, name: str, title: str, author: str, version: str, released: str, changes: list[dict]
) -> bytes:
    """Atom XML (UTF-8) for ``changes`` (changelog rows); removed figures have no page, so no entry."""
    # One datetime for every entry: feedgen parses a string with dateutil each time it is given one.
    updated = datetime.fromisoformat(released).replace(tzinfo=UTC)
    feed = FeedGenerator()
    feed.id(f"urn:uuid:{uuid.uuid5(uuid.NAMESPACE_URL, f'{homepage}#{name}/{version}')}")
    feed.title(f"{title} {version}: new and corrected figures")
    feed.updated(updated)
    feed.author({"name": author})
    feed.link(href=homepage, rel="alternate")
    feed.link(href=f"{homepage}feed.atom", rel="self")
    for change in changes:
        if change["change"] == "removed":
            continue
        entry = feed.add_entry(order="append")
        entry_url = f"{homepage}#{version}/{change['change']}/{change['figure_id']}"
        entry.id(f"urn:uuid:{uuid.uuid5(uuid.NAMESPACE_URL, entry_url)}")
        if change["change"] == "added":
            entry.title(f"New figure {change['figure_id']}: {change['new_value']}")
        else:
            entry.title(f"Corrected figure {change['figure_id']}: {change['old_value']} → {change['new_value']}")
        entry.updated(updated)
        entry.link(href=f"{homepage}figure/{change['figure_id']}", rel="alternate")
        entry.summary(change["reason"])
    return feed.atom_str(pretty=True)


def release_feed(conn: sqlite3.Connection, version: str | None = None) -> bytes | None:
    """The feed of ``version`` (default: the latest release) from a built database, or None."""
    dataset = conn.execute("SELECT name, title, homepage, author, latest_release FROM dataset").fetchone()
    if dataset is None:
        return None
    name, title, homepage, author, latest = dataset
    version = version or latest
    release = conn.execute("SELECT date FROM releases WHERE version = ?", [version]).fetchone()
    if release is None:
        return None
    cursor = conn.execute(
        """SELECT change, figure_id, old_value, new_value, reason FROM release_changes
                             WHERE version = ? ORDER BY CASE change WHEN 'added' THEN 0 WHEN 'changed' THEN 1
                             ELSE 2 END, figure_id""",
        [version],
    )
    columns = [d[0] for d in cursor.description]
    changes = [dict(zip(columns, row, strict=True)) for row in cursor]
    return atom_feed(homepage or "", name, title, author, version, release[0], changes)
