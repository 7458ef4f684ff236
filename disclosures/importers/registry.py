"""Every importer format by name (the CLI's ``import <format>``)."""

from __future__ import annotations

from . import apple, discord, dsa, google, korea, linkedin, microsoft, snap, telegram_compilation, tiktok
from .core import Format

FORMATS: dict[str, Format] = {
    f.name: f
    for module in (google, tiktok, discord, snap, korea, linkedin, dsa, telegram_compilation, apple, microsoft)
    for f in module.FORMATS
}
