# The two commands of the README:
#   make demo   sets up .venv and runs the main job
#   make test   sets up .venv and runs every check (lint, types, tests, docs)
# Only Python 3.10+ and make are needed: Graphviz comes from the pygraphviz wheel (the
# renderer chain falls back to it when no `dot` is on PATH).

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
# `make demo` installs only what the main job needs (rendering and plots; `plot` brings NumPy,
# which the demo's learning-constant lesson needs too); `make test` adds the tools every check
# needs (NumPy for the fast path, PyTorch for the parity tests, micrograd, pytest, the docs
# builder). The core itself needs neither NumPy nor any extra (tools/wheel_check.py --core).
DEMO_EXTRAS := render,plot
TEST_EXTRAS := dev,fast,torch,render,plot,bench
CREATED := $(VENV)/.created
DEMO_STAMP := $(VENV)/.installed-demo
STAMP := $(VENV)/.installed

.PHONY: demo test lint typecheck pytest docs wheelcheck bench clean venv web pyodide site

venv: $(STAMP)

$(CREATED):
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 10))' 2>/dev/null || { \
	  echo "autograd_mlp needs Python 3.10 or newer; '$(PYTHON)' is missing or older." \
	       "Try: make PYTHON=python3.11 $(MAKECMDGOALS)" >&2; exit 1; }
	@$(PYTHON) -m venv $(VENV) || { rm -rf $(VENV); \
	  echo "'$(PYTHON) -m venv' failed. On Debian or Ubuntu: sudo apt-get install python3-venv" >&2; \
	  exit 1; }
	$(BIN)/python -m pip install --quiet --upgrade pip
	touch $(CREATED)

$(DEMO_STAMP): pyproject.toml | $(CREATED)
	$(BIN)/python -m pip install --quiet -e ".[$(DEMO_EXTRAS)]"
	touch $(DEMO_STAMP)

# The full set includes the demo's, so a venv set up for the tests runs the demo as it is.
$(STAMP): pyproject.toml | $(CREATED)
	$(BIN)/python -m pip install --quiet -e ".[$(TEST_EXTRAS)]"
	touch $(DEMO_STAMP) $(STAMP)

demo: $(DEMO_STAMP)
	$(BIN)/python -m autograd_mlp demo --out demo-output

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: $(STAMP)
	$(BIN)/mypy

# The browser-side parts the tests use -- axe-core (accessibility checks of the page), Pyodide
# and viz.js (the browser edition) -- pinned in web/package-lock.json and installed with npm;
# and the pure wheels used inside Pyodide (the site's dependencies, pytest for the Pyodide lane),
# pinned with their hashes in web/pyodide-wheels.txt and downloaded into web/wheels.
# Without npm the tests that need them say so and skip, except under CI=true, where .ci/run
# installs Node and a missing part is a failure.
WEB_STAMP := web/node_modules/.installed
web: $(WEB_STAMP)
$(WEB_STAMP): web/package-lock.json web/pyodide-wheels.txt | $(CREATED)
	@$(BIN)/python -m pip download --quiet --no-deps --only-binary=:all: --require-hashes \
	  --dest web/wheels -r web/pyodide-wheels.txt || { \
	  echo "make: could not download web/pyodide-wheels.txt's wheels; the Pyodide lane and" \
	       "the site's tests will be skipped (failed under CI=true)" >&2; \
	  test "$$CI" != true; }
	@if [ -L web/node_modules ]; then \
	  echo "make: web/node_modules is a link to a shared install: not reinstalled through it" \
	       "(npm ci would empty the folder it points to)" >&2; \
	elif command -v npm >/dev/null 2>&1; then \
	  cd web && npm ci --no-audit --no-fund --loglevel=error && touch node_modules/.installed; \
	else \
	  echo "make: npm not found; the checks that need web/node_modules will be skipped" >&2; \
	fi

pytest: $(STAMP) $(WEB_STAMP)
	$(BIN)/python -m pytest -q

# The browser edition's checks alone (they also run in `make pytest`): the Pyodide lane (the
# package's tests inside Pyodide under Node), deep graphs and the pages' numbers in Pyodide, and
# the site in Chromium. `make site` writes the site into build/browser-site.
pyodide: $(STAMP) $(WEB_STAMP)
	$(BIN)/python -m pytest -q tests/test_pyodide_lane.py tests/test_pyodide_deep.py \
	  tests/test_pyodide_site.py tests/test_site.py tests/test_site_browser.py

site: $(STAMP) $(WEB_STAMP)
	$(BIN)/python -m autograd_mlp site build/browser-site

# The docs site, built with --strict so a broken link or docstring fails the build. The output
# goes to build/site (ignored by git); tests/test_docs.py runs the pages' code blocks.
docs: $(STAMP)
	NO_MKDOCS_2_WARNING=1 $(BIN)/mkdocs build --strict --quiet --site-dir build/site

# A wheel built from this checkout, installed with its render extra into a new venv outside the
# checkout, imports from there and renders a graph with no system `dot` (tools/wheel_check.py).
WHEELCHECK := build/wheelcheck
wheelcheck: $(STAMP)
	rm -rf $(WHEELCHECK) && mkdir -p $(WHEELCHECK)/run
	$(BIN)/python -m pip wheel --quiet --no-deps --wheel-dir $(WHEELCHECK)/dist .
	$(PYTHON) -m venv $(WHEELCHECK)/venv
	$(WHEELCHECK)/venv/bin/python -m pip install --quiet "$$(ls $(WHEELCHECK)/dist/autograd_mlp-*.whl)[render]"
	cd $(WHEELCHECK)/run && PATH="$(CURDIR)/$(WHEELCHECK)/venv/bin" \
	  $(CURDIR)/$(WHEELCHECK)/venv/bin/python $(CURDIR)/tools/wheel_check.py

test: lint typecheck pytest docs wheelcheck

bench: $(STAMP)
	$(BIN)/python -m benchmarks

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache .mypy_cache .ruff_cache web/node_modules web/wheels
