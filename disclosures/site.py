"""How the site is served: the stock ``datasette`` command over the build's folder.

The site is ``plugins/``, ``templates/`` and ``static/`` plus what the build wrote into
``build/`` (a Datasette configuration directory: database, metadata, settings, inspect data).
It runs from its own virtualenv (``.venv-site``), which has Datasette and nothing of the
pipeline: the serving process cannot import frictionless, rich or this library.
"""

from __future__ import annotations

from pathlib import Path

from .paths import BUILD, DIST, PLUGINS, ROOT, STATIC, TEMPLATES

SITE_VENV = ROOT / ".venv-site"
DATASETTE = SITE_VENV / "bin" / "datasette"


def datasette_arguments(build_dir: Path = BUILD, dist: Path = DIST) -> list[str]:
    """The arguments of ``datasette serve`` for the site, after the command itself.

    Release downloads (dist/<version>/...) are mounted at /downloads when ``make release`` has
    written them; serving never writes dist/.
    """
    arguments = [
        str(build_dir),
        "--plugins-dir",
        str(PLUGINS),
        "--template-dir",
        str(TEMPLATES),
        "--static",
        f"static:{STATIC}",
        "--cors",
    ]
    if Path(dist).is_dir():
        arguments += ["--static", f"downloads:{dist}"]
    return arguments


def in_process(build_dir: Path = BUILD, settings: dict | None = None, dist: Path = DIST):
    """The same site as a ``datasette.app.Datasette`` in this process (tests, benchmarks).

    ``settings`` replaces build/settings.json when given.
    """
    from datasette.app import Datasette

    mounts = [("static", str(STATIC))] + ([("downloads", str(dist))] if Path(dist).is_dir() else [])
    return Datasette(
        config_dir=Path(build_dir),
        plugins_dir=str(PLUGINS),
        template_dir=str(TEMPLATES),
        static_mounts=mounts,
        cors=True,
        settings=settings,
    )
