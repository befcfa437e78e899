# a2e-faceswap: every target works from a fresh clone; all tools come from .venv (pinned in requirements/dev.txt)
# and node_modules/ (Spectral and Prism, pinned in package.json / package-lock.json).
SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
NPM_STAMP := node_modules/.installed
# base revision for the breaking-change report; empty = the previous commit that changed openapi/a2e.yaml
BASE ?=

.PHONY: help venv deps generate contract-diff lint typecheck pytest test demo bench chaos mutation clean

help:
	@echo "make demo            run the whole face swap workflow against the embedded simulator"
	@echo "make test            every check: contract-diff, lint, typecheck, pytest"
	@echo "make generate        regenerate generated/ from openapi/a2e.yaml"
	@echo "make contract-diff   spec valid, generated/ in sync, examples valid, breaking changes (BASE=rev), Spectral"
	@echo "make bench | chaos   benchmarks / full chaos run (not part of make test)"
	@echo "make mutation        mutmut on the money and file machines (MODULES=\"retry paging\", JOBS=2)"

$(STAMP): requirements/dev.txt pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements/dev.txt
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --no-deps --no-build-isolation -e .
	touch $@

venv: $(STAMP)

# the npm tools of the contract checks, exactly as locked (no install scripts run)
$(NPM_STAMP): package.json package-lock.json
	npm ci --include=dev --ignore-scripts --no-audit --no-fund --loglevel=error
	touch $@

# both installs side by side (each mostly waits on its registry); a no-op once both stamps are fresh
deps:
	$(MAKE) --no-print-directory -j2 $(STAMP) $(NPM_STAMP)

generate: $(STAMP)
	$(BIN)/python tools/generate.py

contract-diff: $(STAMP) $(NPM_STAMP)
	$(BIN)/python tools/contract_diff.py $(if $(BASE),--base $(BASE),)

lint: $(STAMP)
	$(BIN)/ruff check facade tests tools $(wildcard bench/*.py)
	$(BIN)/ruff format --check facade tests tools $(wildcard bench/*.py)

typecheck: $(STAMP)
	$(BIN)/mypy facade/a2e_faceswap tests tools $(wildcard bench/*.py)

pytest: $(STAMP) $(NPM_STAMP)
	$(BIN)/python -m pytest -n 2 --dist loadfile

test: deps contract-diff lint typecheck pytest

# the demo needs only the package with its cli and testing extras, at dev.txt's pins (hatchling and
# editables to build it in place, as make venv does); a venv of make venv serves as it is
DEMO_STAMP := $(VENV)/.demo-installed
$(DEMO_STAMP): requirements/dev.txt pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -c requirements/dev.txt hatchling editables
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -c requirements/dev.txt \
		--no-build-isolation -e '.[cli,testing]'
	touch $@

demo: $(if $(wildcard $(STAMP)),$(STAMP),$(DEMO_STAMP))
	$(BIN)/a2e-faceswap demo

bench: $(STAMP)
	$(BIN)/python bench/run.py

chaos: $(STAMP)
	$(BIN)/python bench/chaos.py

# mutmut (pinned in requirements/mutation.txt, on top of dev.txt's pins) in a staging tree, build/mutation/
MUTATION_STAMP := $(VENV)/.mutation-installed
$(MUTATION_STAMP): $(STAMP) requirements/mutation.txt
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -c requirements/dev.txt -r requirements/mutation.txt
	touch $@

MODULES ?=
JOBS ?= 2
mutation: $(MUTATION_STAMP)
	$(BIN)/python tools/mutation.py --max-children $(JOBS) $(MODULES)

clean:
	rm -rf $(VENV) node_modules .pytest_cache .mypy_cache .ruff_cache build/mutation mutants
