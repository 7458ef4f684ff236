"""The ASGI application of the production workers: ``gunicorn 'asgi:preloaded_app()'``.

Every worker ``make prod`` starts (pages and ad-hoc SQL alike) is built by this one factory,
so plugins, templates, static files and settings are the same in each, and the same as the
stock command's: ``datasette serve build --plugins-dir plugins --template-dir templates
--static static:static --cors [--static downloads:dist]``.

``DISCLOSURES_RELEASE`` names the release folder to serve (``<run>/current``, a symlink to
``<run>/releases/<id>/`` holding ``build/`` and ``dist/``). The symlink is resolved once, when
the app is made (in production, when a worker's gunicorn master starts and preloads it), so a
master and every worker it forks serve one release for their whole life while the symlink moves
on: a release switch is a rolling restart of the masters. Without the variable the
repository's ``build/`` and ``dist/`` are served.

This file runs in ``.venv-site`` and imports Datasette (and uvicorn, which Datasette depends
on) only, never the pipeline.
"""

from __future__ import annotations

import asyncio
import os
import threading
from pathlib import Path

import click
from datasette.app import Datasette

ROOT = Path(__file__).resolve().parents[1]


def release_folder() -> Path:
    """The folder holding ``build/`` (and maybe ``dist/``), with every symlink resolved."""
    return Path(os.environ.get("DISCLOSURES_RELEASE") or ROOT).resolve(strict=True)


def create_datasette() -> Datasette:
    """The Datasette instance over ``<release>/build`` (a configuration directory).

    The database is opened immutable because the build wrote ``inspect-data.json`` beside it.
    Raises FileNotFoundError when the release folder does not exist.
    """
    folder = release_folder()
    dist = folder / "dist"
    mounts = [("static", str(ROOT / "static"))]
    if dist.is_dir():
        mounts.append(("downloads", str(dist)))
    return Datasette(
        config_dir=folder / "build",
        plugins_dir=str(ROOT / "plugins"),
        template_dir=str(ROOT / "templates"),
        static_mounts=mounts,
        cors=True,
    )


def create_app():
    """The ASGI app of :func:`create_datasette` (uvicorn's ``--factory`` target)."""
    return create_datasette().app()


def preloaded_app():
    """The app of :func:`create_datasette`, started: gunicorn's ``--preload`` target.

    gunicorn's master calls this once, then forks its worker from the result, and forks a new
    one the moment a worker dies: the new worker starts with Datasette, the plugins and uvicorn
    already imported and Datasette's startup already done (``datasette.invoke_startup()``: the
    Jinja environment, and the plugins' ``startup`` hooks, among them plugins/health.py's check
    of the database), so it serves within a fraction of a second. The imports uvicorn's server
    makes when it starts (its HTTP protocol, lifespan) are made here too.

    Nothing here may leave a thread or an open SQLite connection behind: a fork copies neither a
    thread nor a lock's owner, and Datasette's connections live in its executor's threads.

    Raises RuntimeError, which gunicorn prints as one ``Error: ...`` line before it exits 1,
    when a plugin refuses to serve (a missing, empty or corrupt database) or when the startup
    left threads running (a plugin's ``startup`` hook that ran SQL through Datasette's executor).
    """
    from uvicorn.config import Config

    before = set(threading.enumerate())
    datasette = create_datasette()
    app = datasette.app()
    try:
        asyncio.run(datasette.invoke_startup())
    except click.ClickException as refusal:
        raise RuntimeError(refusal.format_message()) from None
    started = sorted(thread.name for thread in set(threading.enumerate()) - before)
    if started:
        raise RuntimeError(
            f"Datasette's startup left threads running ({', '.join(started)}): a fork would not copy them"
        )
    Config(app=app, log_config=None).load()
    return app


if __name__ == "__main__":
    # ``.venv-site/bin/python deploy/asgi.py``: make the app as a gunicorn master would, then exit
    # (0, or 1 with the one-line refusal). make prod checks each release this way before a worker
    # serves it.
    try:
        preloaded_app()
    except (RuntimeError, FileNotFoundError) as error:
        raise SystemExit(f"Error: {error}") from None
