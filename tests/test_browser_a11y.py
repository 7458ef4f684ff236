"""axe-core, Deque's accessibility rules, for the browser tests to inject into the pages they check.

axe-core is vendored in tests/vendor/ (pinned in its manifest.json, refreshed by
scripts/vendor_js.sh) and injected into each page: a clean clone has it, and a missing or
altered copy fails here rather than skipping the checks."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

VENDOR = Path(__file__).resolve().parent / "vendor"
AXE = VENDOR / "axe.min.js"


def test_the_vendored_axe_core_is_the_pinned_npm_file():
    manifest = json.loads((VENDOR / "manifest.json").read_text(encoding="utf-8"))
    entry = manifest["axe.min.js"]
    assert entry["registry"] == "npm" and entry["package"] == "axe-core"
    assert hashlib.sha256(AXE.read_bytes()).hexdigest() == entry["sha256"]
    assert AXE.read_text(encoding="utf-8").startswith(f"/*! axe v{entry['version']}")
    assert (VENDOR / "axe-core.LICENSE").is_file() and (VENDOR / "axe-core.LICENSE-3RD-PARTY.txt").is_file()
