"""Every importer format by name (the CLI's ``import <format>``)."""

from __future__ import annotations

from . import discord, dsa, google, korea, linkedin, snap, tiktok
from .core import Format

FORMATS: dict[str, Format] = {
    f.name: f for module in (google, tiktok, discord, snap, korea, linkedin, dsa) for f in module.FORMATS
}
