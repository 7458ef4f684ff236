"""Every path the pipeline reads or writes, anchored to the repository, defined once.

Inputs are committed (data/, datapackage.json, metadata.yml, settings.yml, api_examples.yml,
releases/); outputs go to build/ (what the site serves) and dist/ (releases), never committed.
"""

from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

PACKAGE = ROOT / "datapackage.json"
SITE_METADATA_SOURCE = ROOT / "metadata.yml"
SITE_SETTINGS_SOURCE = ROOT / "settings.yml"
API_EXAMPLES = ROOT / "api_examples.yml"
RELEASES = ROOT / "releases"
README = ROOT / "README.md"

# The site's half of the repository: Datasette loads these as they are.
PLUGINS = ROOT / "plugins"
TEMPLATES = ROOT / "templates"
STATIC = ROOT / "static"

# What the build writes: a Datasette configuration directory (`datasette serve build/`).
BUILD = ROOT / "build"
DIST = ROOT / "dist"

# make prod: the nginx and supervisord templates and the workers' app factory (deploy/), and
# the running topology's state (run/prod/: pids, sockets, logs, staged releases; never committed).
DEPLOY = ROOT / "deploy"
RUN = ROOT / "run" / "prod"
