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
import json  # noqa: E402
import sqlite3  # noqa: E402
from pathlib import Path  # noqa: E402

import yaml  # noqa: E402
from datasette.app import Datasette  # noqa: E402
from datasette.inspect import inspect_hash  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
DATABASE = ROOT / "disclosures.db"
METADATA = ROOT / "metadata.yml"
HOST, PORT = "127.0.0.1", 8001

PACKAGE = ROOT / "datapackage.json"
TEMPLATES = ROOT / "templates"
STATIC = ROOT / "static"
DIST = ROOT / "dist"

# Chosen for a public instance of a small (a few MB), read-only database.
SETTINGS = {
    # Every canned query and facet here runs in a few milliseconds (make bench); one second
    # leaves room for honest ad-hoc SQL while bounding what one request can cost.
    "sql_time_limit_ms": 1000,
    # The largest table has a few thousand rows: 5,000 lets a program fetch any table or query
    # result in one request, and still bounds the memory of one response.
    "max_returned_rows": 5000,
    # Facets over the whole figures table take milliseconds. A facet that runs over this limit
    # silently disappears from the page, so the limit is generous: it only stops abuse.
    "facet_time_limit_ms": 500,
    # Suggested facets dominated page cost on large tables (930 ms -> 7 ms on 1M rows without
    # them); the useful facets are configured in metadata.yml instead.
    "suggest_facets": False,
    # The data changes only with a release, so caches may keep pages for an hour.
    "default_cache_ttl": 3600,
    # Far above the full CSV of any table; a larger CSV is refused with 413, never cut short.
    "max_csv_mb": 20,
    "allow_csv_stream": True,
    "allow_download": True,
}


def derived_metadata(package_path: Path = PACKAGE) -> dict:
    """Table and column descriptions from datapackage.json, so they are never copied by hand."""
    sys.path.insert(0, str(ROOT))
    from scripts.build import BUILD_COLUMNS

    descriptor = json.loads(package_path.read_text(encoding="utf-8"))
    tables = {}
    for resource in descriptor["resources"]:
        columns = {f["name"]: f"{f['title']}. {f['description']}" for f in resource["schema"]["fields"]}
        if resource["name"] == "figures":
            columns.update({name: f"{spec['title']}. {spec['description']}" for name, spec in BUILD_COLUMNS.items()})
            tables["figures_series"] = {"description": "One non-overlapping series per platform, jurisdiction, "
                                        "request type and metric: safe to sum and chart.", "columns": dict(columns)}
        tables[resource["name"]] = {"title": resource["title"], "description": resource["description"], "columns": columns}
    return tables


def load_metadata(path: Path = METADATA, package_path: Path = PACKAGE) -> dict:
    """metadata.yml, with descriptions derived from the package filled in where it says nothing."""
    metadata = yaml.safe_load(path.read_text(encoding="utf-8"))
    tables = metadata.setdefault("databases", {}).setdefault("disclosures", {}).setdefault("tables", {})
    for name, derived in derived_metadata(package_path).items():
        table = tables.setdefault(name, {})
        for key in ("title", "description"):
            if key in derived:
                table.setdefault(key, derived[key])
        table["columns"] = {**derived["columns"], **table.get("columns", {})}
    return metadata


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


def make_datasette(db_path: Path = DATABASE, metadata: dict | None = None, settings: dict | None = None) -> Datasette:
    """The site exactly as served: immutable database with precomputed inspect data."""
    db_path = Path(db_path)
    register_plugin()
    return Datasette(
        immutables=[str(db_path)],
        inspect_data=inspect_database(db_path),
        metadata=metadata if metadata is not None else load_metadata(),
        settings=settings if settings is not None else SETTINGS,
        template_dir=str(TEMPLATES),
        # Release downloads (dist/<version>/...) are served when `make release` has written them.
        static_mounts=[("static", str(STATIC))] + ([("downloads", str(DIST))] if DIST.is_dir() else []),
        cors=True,
    )


def register_plugin() -> None:
    from datasette.plugins import pm

    sys.path.insert(0, str(ROOT))
    from scripts import website

    if not pm.is_registered(website):
        pm.register(website, name="platform-disclosures")


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
