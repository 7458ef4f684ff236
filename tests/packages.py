"""Assemble test packages: the real datapackage.json + the tiny base data + one fixture's edits."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from disclosures import reliability

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = Path(__file__).resolve().parent / "fixtures"
BASE = FIXTURES / "base"
BROKEN = sorted(p.name for p in FIXTURES.iterdir() if (p / "edits.json").exists())


def make_package(target: Path, fixture: str | None = None) -> Path:
    """Write a package into ``target`` and return its datapackage.json path.

    A fixture's ``edits.json`` lists text edits: ``{"file", "old", "new"}`` replaces the first
    occurrence of ``old``; ``{"file", "pattern", "new"}`` replaces the first match of the regular
    expression ``pattern`` (for text that changes with the data, such as the package's version);
    ``{"file", "append"}`` adds a line. Any may add ``"encoding"`` (say ``"latin-1"``) to save the
    file that way instead of UTF-8, as a curator's editor might (``reliability.apply_edits``).
    """
    shutil.copytree(BASE / "data", target / "data")
    shutil.copy(ROOT / "datapackage.json", target / "datapackage.json")
    if fixture:
        apply_edits(target, json.loads((FIXTURES / fixture / "edits.json").read_text(encoding="utf-8")))
    return target / "datapackage.json"


def apply_edits(target: Path, edits: list[dict]) -> None:
    """Apply text edits to files under ``target`` (see make_package): the reliability suite's
    own, which reads the same fixtures."""
    reliability.apply_edits(target, edits)


def expected_messages(fixture: str) -> list[str]:
    lines = (FIXTURES / fixture / "expected.txt").read_text(encoding="utf-8").splitlines()
    return [line for line in lines if line]
