"""Every importer format by name (the CLI's ``import <format>``)."""

from __future__ import annotations

from . import google, telegram_compilation
from .core import Format

FORMATS: dict[str, Format] = {f.name: f for module in (google, telegram_compilation) for f in module.FORMATS}
