"""The order of releases, as the site's queries write it.

Not a plugin (no hooks): imported as ``_releases`` with plugins/ on the import path, as
``_responses`` is, by plugins/pages.py and plugins/strict_paths.py.

A version is MAJOR.MINOR.PATCH (the build refuses any other), stored as text: ordered as text,
1.10.0 came before 1.9.0, so two releases of one day were listed, counted and chosen as the newest
in the wrong order. :func:`version_order` orders by the three numbers, computed in SQL from the
text (SQLite's CAST reads the digits a text starts with), the schema unchanged.
"""

from __future__ import annotations


def version_order(column: str, descending: bool = False) -> str:
    """ORDER BY terms for MAJOR.MINOR.PATCH versions in ``column``, by their numbers, then as text."""
    rest = f"substr({column}, instr({column}, '.') + 1)"
    parts = [
        f"CAST({column} AS INTEGER)",
        f"CAST({rest} AS INTEGER)",
        f"CAST(substr({rest}, instr({rest}, '.') + 1) AS INTEGER)",
        column,
    ]
    return ", ".join(f"{part} DESC" if descending else part for part in parts)


# Every release that carried a figure id, oldest first, with the value it had there (as its CSV
# cell): from the release that added it up to the one that removed it. A release's changes name
# only what changed, so the releases between, which carried it unchanged, count too: the newest
# release that carried a figure was taken to be the last one that changed it.
RELEASED_SQL = f"""WITH ordered AS (SELECT version, date,
    row_number() OVER (ORDER BY date, {version_order("version")}) AS n FROM releases),
  history AS (SELECT o.n, c.change, c.new_value FROM release_changes c JOIN ordered o USING (version)
              WHERE c.figure_id = ?)
  SELECT o.version, o.date, h.new_value FROM ordered o
  JOIN history h ON h.n = (SELECT max(n) FROM history WHERE n <= o.n)
  WHERE h.change != 'removed' ORDER BY o.n"""


def released_in(correction_id: str) -> str:
    """SQL for the release that published the correction whose id is ``correction_id`` (a column
    qualified by its table or alias, as the subquery's own table has one of that name, or a
    parameter): the first, in version order, whose record lists it (release_corrections,
    written by the build from each release's manifest.json); null while no release holds it. A
    correction's release is read here, not stored beside it: a column in corrections would
    change the columns of every release's corrections files."""
    return (
        f"(SELECT r.version FROM release_corrections r WHERE r.correction_id = {correction_id} "
        f"ORDER BY {version_order('r.version')} LIMIT 1)"
    )


# The corrections the data served holds that no release has published yet (the
# unreleased_corrections query of metadata.yml lists the same rows).
UNRELEASED_CORRECTIONS = (
    "NOT EXISTS (SELECT 1 FROM release_corrections r WHERE r.correction_id = corrections.correction_id)"
)
