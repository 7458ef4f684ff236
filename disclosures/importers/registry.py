"""Every importer format by name (the CLI's ``import <format>``)."""

from __future__ import annotations

from . import apple, google
from .core import Format

FORMATS: dict[str, Format] = {f.name: f for module in (apple, google) for f in module.FORMATS}
