"""Dates as every page shows them: each one marked, so that it never breaks across two lines.

Not a plugin (no hooks): templates use it as the ``dates`` filter (registered by pages.py), and a
plugin that writes HTML holding a date imports it as ``_dates``, with plugins/ on the import path,
as they import ``_badges``. A browser may break a line at a hyphen: on a phone "2026-12-04" read
"2026-12-" on one line and "04" on the next. Each ISO date is put in a ``<span class="date">``
(site.css: ``white-space: nowrap``), so the text around it still wraps, and its hyphens stay the
plain ASCII ones a reader copies (not non-breaking hyphens).
"""

from __future__ import annotations

import re

import markupsafe

# An ISO date (YYYY-MM-DD), not part of a longer run of digits or of a word.
ISO_DATE = re.compile(r"(?<![\w-])\d{4}-\d{2}-\d{2}(?![\w-])")
DATE_SPAN = markupsafe.Markup('<span class="date">{0}</span>')
# In markup, the tags (and their attributes: a link's period_start=2024-01-01) are left whole, and
# so is a date already marked: a quote the figure page marks, then its whole sentence, held its
# date in two spans.
TAG = re.compile(r'(<span class="date">[^<]*</span>|<[^>]*>)')


def _marked(text: str) -> str:
    return ISO_DATE.sub(lambda m: DATE_SPAN.format(m.group(0)), text)


def marked_dates(value) -> markupsafe.Markup:
    """``value`` (text, escaped here, or markup) with each ISO date in it marked as one unbreakable
    date: ``"up to 2024-06-30"`` -> ``up to <span class="date">2024-06-30</span>``."""
    if isinstance(value, markupsafe.Markup):
        return markupsafe.Markup("".join(p if TAG.fullmatch(p) else _marked(p) for p in TAG.split(value)))
    return markupsafe.Markup(_marked(str(markupsafe.escape(value))))
