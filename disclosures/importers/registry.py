"""Every importer format by name (the CLI's ``import <format>``)."""

from __future__ import annotations

from . import google, tiktok
from .core import Format

FORMATS: dict[str, Format] = {f.name: f for module in (google, tiktok) for f in module.FORMATS}
