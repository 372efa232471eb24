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

.PHONY: run test build summary lint system-packages bench clean

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

# Debian packages the tests need, installed when missing (needs root, as in CI):
# chromium for the browser tests, virtuoso-opensource for the remote-engine tests.
system-packages:
	@missing=""; \
	command -v chromium >/dev/null 2>&1 || missing="$$missing chromium"; \
	command -v virtuoso-t >/dev/null 2>&1 || missing="$$missing virtuoso-opensource"; \
	if [ -n "$$missing" ]; then \
	  echo "installing Debian packages:$$missing"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null; \
	fi

lint: $(STAMP)
	$(BIN)/ruff check src tests tools bench
	$(BIN)/ruff format --check src tests tools bench

test: $(STAMP) $(WEB) system-packages lint
	$(BIN)/python -m pytest -q

bench: build system-packages
	$(BIN)/pip install --quiet matplotlib oxigraph rdflib-endpoint
	$(BIN)/python bench/queries_vs_rdflib.py
	$(BIN)/python bench/http_bench.py
	$(BIN)/python bench/validation_bench.py
	$(BIN)/python bench/run.py

clean:
	rm -rf $(VENV) var web/node_modules
