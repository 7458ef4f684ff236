# The pipeline, in one direction:
#   data/ + datapackage.json -> validate -> build -> disclosures.db -> serve / test
# Every target sets up .venv (pinned requirements.txt) first, so a fresh clone needs nothing else.

VENV   := .venv
PY     := $(VENV)/bin/python
READY  := $(VENV)/.installed

.DEFAULT_GOAL := validate
.PHONY: validate build serve test bench clean readme release

$(READY): requirements.txt scripts/bootstrap.sh
	sh scripts/bootstrap.sh

validate: $(READY)
	$(PY) scripts/validate.py

build: validate
	$(PY) scripts/build.py

# Serves the downloads of the current release too, when the data is exactly that release.
serve: build
	$(PY) scripts/release.py --if-released
	$(PY) scripts/serve.py

test: $(READY)
	$(PY) -m pytest

bench: build
	$(PY) scripts/bench.py

# dist/<version>/ (downloads, hashes, citation, changelog) and its record in releases/<version>/.
release: build
	$(PY) scripts/release.py

clean:
	rm -rf $(VENV) disclosures.db .pytest_cache dist

readme: build
	$(PY) scripts/readme.py
