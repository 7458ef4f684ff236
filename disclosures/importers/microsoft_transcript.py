"""krMaynard's microsoft-lerr.json rebuilt from a compact transcription of its rows.

The only stored copy of the file (779,722 characters) can be read only page by page, so its rows
were transcribed by hand into tab-separated lines, one per (period, section, country) group, in
file order::

    2013-H1<TAB>combined<TAB>Argentina<TAB>as=675 dc=0 dn=371 nd=75 rj=9 rq=455

Each ``code=value`` is one row ``[period, section, country, metric, unit, value]``: ``code`` is a
metric's short code (``CODES``) or, for a metric without one, its full name; ``value`` is JSON
text exactly as the file writes it (``675``, ``12.5``, ``null``); a unit other than ``count``
follows the value as ``@unit``. The rebuilt file is a working copy for ``cli.py import
microsoft-lerr-json``: the importer quotes each row as compact JSON, so a faithful rebuild gives
the file's own records. It is another repository's file and is never committed here.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

CODES = {
    "as": "accounts_specified",
    "dc": "disclosed_content",
    "dn": "disclosed_noncontent",
    "nd": "no_data_found",
    "rj": "rejected",
    "rq": "requests",
}
# The file's header, as it opens (offset 0 of the stored copy at commit 47ca656).
HEADER = {
    "source": "https://www.microsoft.com/en-us/corporate-responsibility/law-enforcement-requests-report",
    "coverage": "2013-H1..2025-H1",
    "columns": ["period", "section", "country", "metric", "unit", "value"],
}
# Microsoft's identity per group: content + non-content only + no data found + rejected = requests.
PARTS = ("disclosed_content", "disclosed_noncontent", "no_data_found", "rejected")


class TranscriptProblem(ValueError):
    """A line that is not in the compact form; the message is ``file:line: what is wrong``."""


@dataclass(frozen=True)
class Group:
    """One transcribed line: the rows of one (period, section, country), as (metric, unit, value)."""

    period: str
    section: str
    country: str
    cells: tuple[tuple[str, str, object], ...]
    where: str = field(default="", compare=False)  # file:line, for messages; not part of its identity

    @property
    def key(self) -> tuple[str, str, str]:
        return (self.period, self.section, self.country)

    def rows(self) -> list[list]:
        return [[self.period, self.section, self.country, metric, unit, value] for metric, unit, value in self.cells]

    def value(self, metric: str):
        """The count of ``metric`` in this group, or None when the line has none (or another unit)."""
        found = [v for m, unit, v in self.cells if m == metric and unit == "count"]
        return found[0] if len(found) == 1 else None


def read_groups(path: Path) -> list[Group]:
    """The transcription at ``path`` as groups, in its order; blank lines are ignored.

    Raises TranscriptProblem (``file:line: message``) for a line without four tab-separated
    fields, a cell without ``=``, or a value that is not JSON.
    """
    groups = []
    for number, line in enumerate(Path(path).read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        where = f"{path}:{number}"
        fields = line.split("\t")
        if len(fields) != 4:
            raise TranscriptProblem(f"{where}: expected 4 tab-separated fields, found {len(fields)}")
        period, section, country, cells_text = fields
        cells = []
        for token in cells_text.split():
            code, equals, rest = token.partition("=")
            if not equals:
                raise TranscriptProblem(f"{where}: {token!r} is not code=value")
            value_text, at, unit = rest.rpartition("@") if "@" in rest else (rest, "", "count")
            try:
                value = json.loads(value_text)
            except json.JSONDecodeError:
                raise TranscriptProblem(f"{where}: {code}: {value_text!r} is not a JSON value") from None
            cells.append((CODES.get(code, code), unit, value))
        groups.append(Group(period, section, country, tuple(cells), where))
    return groups


def join_parts(parts: list[list[Group]]) -> tuple[list[Group], list[Group]]:
    """The parts end to end, less the groups a part repeats exactly from the end of the one before.

    Returns ``(groups, dropped)``. Only an exact repeat at a boundary (the longest run of the
    previous part's last groups that the next part starts with) is dropped; anything else that
    repeats is kept for the checks (``repeated_keys``) and the importer to report.
    """
    joined: list[Group] = []
    dropped: list[Group] = []
    for part in parts:
        overlap = next((k for k in range(min(len(joined), len(part)), 0, -1) if joined[-k:] == part[:k]), 0)
        dropped.extend(part[:overlap])
        joined.extend(part[overlap:])
    return joined, dropped


def repeated_keys(groups: list[Group]) -> list[tuple[Group, Group]]:
    """Pairs (first, later) of groups with the same (period, section, country)."""
    first: dict[tuple[str, str, str], Group] = {}
    pairs = []
    for group in groups:
        if group.key in first:
            pairs.append((first[group.key], group))
        else:
            first[group.key] = group
    return pairs


def sum_mismatches(groups: list[Group]) -> list[tuple[Group, object, object]]:
    """Groups where content + non-content + no data + rejected differs from requests.

    Returns ``(group, sum of the parts, requests)``; a group missing one of the five counts is
    listed with ``None`` for what cannot be computed.
    """
    result = []
    for group in groups:
        parts = [group.value(metric) for metric in PARTS]
        requests = group.value("requests")
        total = None if None in parts else sum(parts)
        if total is None or requests is None or total != requests:
            result.append((group, total, requests))
    return result


def file_text(groups: list[Group]) -> str:
    """The JSON file the groups transcribe: the header and every row, compact, as the file is written."""
    rows = [row for group in groups for row in group.rows()]
    return json.dumps({**HEADER, "rows": rows}, ensure_ascii=False, separators=(",", ":")) + "\n"
