# The pipeline, in one direction (each step reads only the one before):
#   data/ + datapackage.json -> build (validates once) -> build/ -> serve (stock datasette)
#                                                              \-> release -> dist/<version>/
# File targets: a second `make build` with nothing changed does no work.
# Two virtualenvs from pinned requirements: .venv (pipeline, tests, lint) and .venv-site
# (Datasette only: the serving process cannot import the pipeline). A fresh clone needs nothing else.

VENV      := .venv
SITE_VENV := .venv-site
PY        := $(VENV)/bin/python
CLI       := $(PY) scripts/cli.py
READY     := $(VENV)/.installed
SITE_READY := $(SITE_VENV)/.installed
DATABASE  := build/disclosures.db
# Everything `make build` writes (feed.atom only exists once something is released). The
# database is renamed into place last, so it marks a complete build.
BUILT     := build/metadata.json build/settings.json build/inspect-data.json build/datapackage.json \
             $(if $(wildcard releases/*/manifest.json),build/feed.atom) $(DATABASE)
PORT      ?= 8001

# Everything the build reads. The site's own files (plugins/, templates/, static/) are not here:
# Datasette reads them as they are. The release folders themselves too: a record removed (a
# release undone, a checkout from before it) leaves no newer file, only a newer folder.
BUILD_INPUTS := datapackage.json $(wildcard data/*.csv) metadata.yml settings.yml api_examples.yml \
                $(wildcard releases) $(wildcard releases/*/) $(wildcard releases/*/*) $(wildcard disclosures/*.py)

# The site, exactly as the stock command serves it (`datasette serve build/` reads the
# database, metadata.json, settings.json and inspect-data.json the build wrote there).
SITE_ARGS := build --plugins-dir plugins --template-dir templates --static static:static --cors

.DEFAULT_GOAL := validate
.PHONY: validate build serve test lint smoke bench reliability release readme requirements clean \
        prod prod-switch prod-status prod-stop prod-logrotate proxy-test

$(READY): requirements.txt scripts/bootstrap.sh
	sh scripts/bootstrap.sh $(VENV) requirements.txt

$(SITE_READY): requirements-site.txt scripts/bootstrap.sh
	sh scripts/bootstrap.sh $(SITE_VENV) requirements-site.txt

validate: $(READY)
	$(CLI) validate

build: $(BUILT)

$(BUILT) &: $(READY) $(BUILD_INPUTS)
	$(CLI) build

serve: $(BUILT) $(SITE_READY)
	$(CLI) serve --port $(PORT)

test: $(READY) $(SITE_READY)
	$(PY) -m pytest -m "not proxy"

lint: $(READY)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

# The home page, a figure page and a canned query through the plain datasette command, as
# datasette.io's own CI does after its build.
# `--get` exits non-zero unless the answer is 200; the pages themselves are not worth printing.
SMOKE_PATHS := / /figure/telegram-usa-2024-ip_or_phone-requests_fulfilled \
               '/disclosures/compare_platforms.json?jurisdiction=USA&_shape=array' \
               /country/USA /platform/telegram /compare /telegram-map
smoke: $(BUILT) $(SITE_READY)
	@for path in $(SMOKE_PATHS); do \
	  $(SITE_VENV)/bin/datasette $(SITE_ARGS) --get "$$path" > /dev/null || { echo "smoke: $$path failed"; exit 1; }; \
	  echo "smoke: $$path 200"; \
	done

# FIGURES=100000 (or 1000000) adds a synthetic package of that size (disclosures/synthetic.py).
# Serving is measured through the make prod topology with wrk (Debian's packages wrk and nginx,
# installed here when missing).
bench: $(BUILT) $(SITE_READY)
	@command -v wrk >/dev/null && command -v nginx >/dev/null || { apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk nginx >/dev/null; }
	$(CLI) bench $(if $(FIGURES),--figures $(FIGURES))

# Hostile requests, bad data edits, faults and a 15 s flood, each against a copy of build/ on
# loopback; prints the figures table the README publishes and fails when one misses its target.
reliability: $(BUILT) $(SITE_READY)
	$(CLI) reliability

# The production topology on loopback (disclosures/prod.py, deploy/): nginx on 127.0.0.1:$(PROD_PORT)
# in front of supervised Datasette workers on unix sockets, all under $(PROD_RUN) (pids, sockets,
# logs, staged releases). `make prod-switch` serves a new build/ and dist/ without failing a request;
# it, prod-status and prod-stop keep the port and workers `make prod` recorded in $(PROD_RUN)/topology.json.
PROD_PORT ?= 8080
PROD_RUN  ?= run/prod
PROD      := $(CLI) prod
# make prod serves the release served last under $(PROD_RUN) (a switch back survives a restart);
# the first time, or with PROD_FROM_BUILD=1, build/ and dist/.
prod: $(BUILT) $(SITE_READY)
	$(PROD) start --run $(PROD_RUN) --port $(PROD_PORT) $(if $(PROD_FROM_BUILD),--from-build)
prod-switch: $(BUILT) $(SITE_READY)
	$(PROD) switch --run $(PROD_RUN)
prod-status: $(READY)
	$(PROD) status --run $(PROD_RUN)
prod-stop: $(READY)
	$(PROD) stop --run $(PROD_RUN)
# Rotate the logs nginx writes itself (supervisord rotates its own); hourly from
# deploy/platform-disclosures-logrotate.timer. Needs Debian's logrotate.
prod-logrotate:
	@[ -f $(PROD_RUN)/logrotate.conf ] || { echo "prod-logrotate: nothing to rotate (make prod writes $(PROD_RUN)/logrotate.conf)"; exit 0; }; \
	command -v logrotate >/dev/null || [ -x /usr/sbin/logrotate ] || { echo "prod-logrotate: apt-get install logrotate"; exit 1; }; \
	echo "logrotate --state $(PROD_RUN)/logrotate.state $(PROD_RUN)/logrotate.conf"; \
	PATH="$$PATH:/usr/sbin" logrotate --state $(PROD_RUN)/logrotate.state $(PROD_RUN)/logrotate.conf

# The topology under test, on its own free port and run directory: cache, Range, 429s, a canary
# during a flood, a killed worker, a release switch under load (needs Debian's nginx).
proxy-test: $(READY) $(SITE_READY)
	$(PY) -m pytest -m proxy tests/test_proxy.py

# dist/<version>/ (downloads, hashes, citation, changelog) from build/, and its record in releases/<version>/.
release: $(BUILT)
	$(CLI) release

readme: $(BUILT)
	$(CLI) readme

# Recompile the pinned requirements from pyproject.toml (never edit them by hand).
requirements: $(READY)
	$(VENV)/bin/uv pip compile pyproject.toml --group test --group lint --group tools --python-version 3.11 \
	  --quiet --custom-compile-command "make requirements" -o requirements.txt
	$(VENV)/bin/uv pip compile --group pyproject.toml:site --python-version 3.11 \
	  --quiet --custom-compile-command "make requirements" -o requirements-site.txt

clean:
	rm -rf $(VENV) $(SITE_VENV) build dist .pytest_cache .ruff_cache
