"""Serve disclosures.db with Datasette, configured for a public instance.

Example:
    python scripts/serve.py                    # http://127.0.0.1:8001
    python scripts/serve.py --port 9000
"""

from __future__ import annotations

import sys

# Datasette prints each error response's traceback through rich (with locals) whenever rich
# can be imported, and frictionless pulls rich in. That made a flood of 404s ~280x slower, so
# the serving process must not be able to import it. This line must run before datasette loads.
sys.modules["rich"] = None  # type: ignore[assignment]

import argparse  # noqa: E402
import sqlite3  # noqa: E402
from pathlib import Path  # noqa: E402

import yaml  # noqa: E402
from datasette.app import Datasette  # noqa: E402
from datasette.inspect import inspect_hash  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
DATABASE = ROOT / "disclosures.db"
METADATA = ROOT / "metadata.yml"
HOST, PORT = "127.0.0.1", 8001

SETTINGS = {}


def load_metadata(path: Path = METADATA) -> dict:
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def inspect_database(db_path: Path) -> dict:
    """What `datasette inspect` computes: with it, an immutable database never counts rows at request time."""
    with sqlite3.connect(f"file:{db_path}?mode=ro", uri=True) as conn:
        tables = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")]
        counts = {t: conn.execute(f'SELECT count(*) FROM "{t}"').fetchone()[0] for t in tables}
    return {db_path.stem: {
        "hash": inspect_hash(db_path),
        "size": db_path.stat().st_size,
        "file": str(db_path),
        "tables": {t: {"count": n} for t, n in counts.items()},
    }}


def make_datasette(db_path: Path = DATABASE, metadata: dict | None = None) -> Datasette:
    """The site exactly as served: immutable database with precomputed inspect data."""
    db_path = Path(db_path)
    return Datasette(
        immutables=[str(db_path)],
        inspect_data=inspect_database(db_path),
        metadata=metadata if metadata is not None else load_metadata(),
        settings=SETTINGS,
        cors=True,
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--db", type=Path, default=DATABASE)
    parser.add_argument("--host", default=HOST)
    parser.add_argument("--port", type=int, default=PORT)
    args = parser.parse_args(argv)
    if not args.db.exists():
        print(f"{args.db} does not exist; run: make build", file=sys.stderr)
        return 1
    import uvicorn

    datasette = make_datasette(args.db)
    print(f"Serving {args.db.name} on http://{args.host}:{args.port}/")
    uvicorn.run(datasette.app(), host=args.host, port=args.port, log_level="warning")
    return 0


if __name__ == "__main__":
    sys.exit(main())
