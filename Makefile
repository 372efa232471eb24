# Two commands do all set-up on a fresh machine: `make run` and `make test`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STORE  ?= var/store
STAMP  := $(VENV)/.installed-stamp
INPUTS := $(wildcard ontology/*.ttl shapes/*.ttl data/*.ttl)

.PHONY: run test build lint clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $@

$(STORE)/.built: $(STAMP) $(INPUTS)
	$(BIN)/critmin build --store $(STORE)
	touch $@

build: $(STORE)/.built

run: build
	$(BIN)/critmin summary --store $(STORE)

lint: $(STAMP)
	$(BIN)/ruff check src tests tools bench
	$(BIN)/ruff format --check src tests tools bench

test: $(STAMP) lint
	$(BIN)/python -m pytest -q

clean:
	rm -rf $(VENV) var
