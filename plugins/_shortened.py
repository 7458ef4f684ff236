"""Long text cut short for a table cell, with the whole a link away (plugins/long_text.py's
figure text, plugins/links.py's correction reasons).

Not a plugin (no hooks): imported as ``_shortened`` with plugins/ on the import path, as
``_dates`` is.
"""

from __future__ import annotations

SHOWN_CHARACTERS = 80


def shortened(text: str, limit: int = SHOWN_CHARACTERS) -> str | None:
    """``text`` cut at the last space within ``limit`` characters, or None when it fits."""
    if len(text) <= limit:
        return None
    cut = text[:limit]
    space = cut.rfind(" ")
    return (cut[:space] if space > limit // 2 else cut).rstrip(" ,;:.")
