# Two commands do all set-up on a fresh machine: `make run` and `make test`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STORE  ?= var/store
HOST   ?= 127.0.0.1
PORT   ?= 8000
STAMP  := $(VENV)/.installed-stamp
WEB    := web/node_modules/.installed-stamp
INPUTS := $(wildcard ontology/*.ttl shapes/*.ttl data/*.ttl)

.PHONY: run test build summary lint browser bench clean

# The Python environment, with the package installed editable.
$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $@

# The query editor's front-end packages, served by the service itself (no CDN).
$(WEB): web/package.json web/package-lock.json
	cd web && npm ci --no-audit --no-fund --loglevel=error
	touch $@

$(STORE)/.built: $(STAMP) $(INPUTS)
	$(BIN)/critmin build --store $(STORE)
	touch $@

build: $(STORE)/.built

summary: build
	$(BIN)/critmin summary --store $(STORE)

run: build $(WEB)
	$(BIN)/critmin serve --store $(STORE) --host $(HOST) --port $(PORT)

# Debian's chromium for the browser test (installed when missing; needs root, as in CI).
browser:
	@command -v chromium >/dev/null 2>&1 || { \
	  echo "installing Debian's chromium for the browser test"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; }

lint: $(STAMP)
	$(BIN)/ruff check src tests tools bench
	$(BIN)/ruff format --check src tests tools bench

test: $(STAMP) $(WEB) browser lint
	$(BIN)/python -m pytest -q

bench: build
	$(BIN)/python bench/queries_vs_rdflib.py
	$(BIN)/python bench/http_bench.py

clean:
	rm -rf $(VENV) var web/node_modules
