"""The ASGI application of one production worker: ``uvicorn --factory asgi:create_app``.

Every worker ``make prod`` starts (pages and ad-hoc SQL alike) is built by this one factory,
so plugins, templates, static files and settings are the same in each, and the same as the
stock command's: ``datasette serve build --plugins-dir plugins --template-dir templates
--static static:static --cors [--static downloads:dist]``.

``DISCLOSURES_RELEASE`` names the release folder to serve (``<run>/current``, a symlink to
``<run>/releases/<id>/`` holding ``build/`` and ``dist/``). The symlink is resolved once, when
the worker starts, so a worker serves one release for its whole life while the symlink moves
on: a release switch is a rolling restart. Without the variable the repository's ``build/``
and ``dist/`` are served.

This file runs in ``.venv-site`` and imports Datasette only, never the pipeline.
"""

from __future__ import annotations

import os
from pathlib import Path

from datasette.app import Datasette

ROOT = Path(__file__).resolve().parents[1]


def release_folder() -> Path:
    """The folder holding ``build/`` (and maybe ``dist/``), with every symlink resolved."""
    return Path(os.environ.get("DISCLOSURES_RELEASE") or ROOT).resolve(strict=True)


def create_app():
    """The Datasette ASGI app over ``<release>/build`` (a configuration directory).

    The database is opened immutable because the build wrote ``inspect-data.json`` beside it.
    Raises FileNotFoundError when the release folder does not exist.
    """
    folder = release_folder()
    dist = folder / "dist"
    mounts = [("static", str(ROOT / "static"))]
    if dist.is_dir():
        mounts.append(("downloads", str(dist)))
    datasette = Datasette(
        config_dir=folder / "build",
        plugins_dir=str(ROOT / "plugins"),
        template_dir=str(ROOT / "templates"),
        static_mounts=mounts,
        cors=True,
    )
    return datasette.app()
