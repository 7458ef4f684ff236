#!/bin/sh
# Create a virtualenv with pinned requirements: sh scripts/bootstrap.sh VENV REQUIREMENTS
# Debian's python3 ships without the venv module (package python3-venv); as root we install it
# rather than stopping a newcomer at step one.
set -eu
venv="${1:?usage: bootstrap.sh VENV REQUIREMENTS}"
requirements="${2:?usage: bootstrap.sh VENV REQUIREMENTS}"
cd "$(dirname "$0")/.."
# Debian's own python3 unless PYTHON names another: the platform this project is built for, and
# built with profile-guided and link-time optimisation, which a pyenv or source build found first
# on PATH usually is not. On this project's machines (pyenv's 3.11.7 first on PATH) the pipeline
# took 5-7% less CPU on Debian's 3.11.2, and plain Python loops 25% less. Any 3.11 or later works.
if [ -z "${PYTHON:-}" ]; then
  PYTHON=python3
  if [ -x /usr/bin/python3 ] && /usr/bin/python3 -c 'import sys; sys.exit(sys.version_info < (3, 11))'; then
    PYTHON=/usr/bin/python3
  fi
fi
if ! "$PYTHON" -c 'import ensurepip, venv' 2>/dev/null; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    echo "bootstrap: installing Debian's python3-venv" >&2
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-venv >/dev/null
  else
    echo "bootstrap: $PYTHON has no venv module; run: sudo apt-get install python3-venv" >&2
    exit 1
  fi
fi
rm -rf "$venv"
"$PYTHON" -m venv "$venv"
"$venv/bin/python" -m pip install --quiet --disable-pip-version-check -r "$requirements"
# The project's own modules, byte-compiled once: with PYTHONDONTWRITEBYTECODE set (as on this
# project's machines) Python compiles them again in every command, 0.03 s each.
"$venv/bin/python" -m compileall -q disclosures scripts plugins >/dev/null
touch "$venv/.installed"
