# The two commands of the README:
#   make demo   sets up .venv and runs the main job
#   make test   sets up .venv and runs every check (lint, types, tests, docs)
# Only Python 3.10+ and make are needed: Graphviz comes from the pygraphviz wheel (the
# renderer chain falls back to it when no `dot` is on PATH).

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
EXTRAS := dev,torch,render,plot,bench

.PHONY: demo test lint typecheck pytest docs bench clean venv

venv: $(STAMP)

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 10))' 2>/dev/null || { \
	  echo "autograd_mlp needs Python 3.10 or newer; '$(PYTHON)' is missing or older." \
	       "Try: make PYTHON=python3.11 $(MAKECMDGOALS)" >&2; exit 1; }
	@$(PYTHON) -m venv $(VENV) || { rm -rf $(VENV); \
	  echo "'$(PYTHON) -m venv' failed. On Debian or Ubuntu: sudo apt-get install python3-venv" >&2; \
	  exit 1; }
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[$(EXTRAS)]"
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/python -m autograd_mlp demo --out demo-output

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: $(STAMP)
	$(BIN)/mypy

pytest: $(STAMP)
	$(BIN)/python -m pytest -q

# The docs site, built with --strict so a broken link or docstring fails the build. The output
# goes to build/site (ignored by git); tests/test_docs.py runs the pages' code blocks.
docs: $(STAMP)
	NO_MKDOCS_2_WARNING=1 $(BIN)/mkdocs build --strict --quiet --site-dir build/site

test: lint typecheck pytest docs

bench: $(STAMP)
	$(BIN)/python -m benchmarks

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache .mypy_cache .ruff_cache
