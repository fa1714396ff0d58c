# Career Pathing: `make run` sets everything up and serves the demo (PORT=5001 make run for another port); `make test` runs the suite.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PYTEST_ARGS ?=

.PHONY: setup run test demo serve clean bench

setup: $(VENV)/.installed node_modules/.installed web/static/build/modeler.js

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $@

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

# The modeler (bpmn-js + Camunda properties panel) is bundled from web/assets/ at set-up; never committed.
web/static/build/modeler.js: web/assets/modeler.js node_modules/.installed
	npm run build --silent

# Served by gunicorn (production server) as `pathing serve --workers N`; HOST, PORT and WORKERS choose where and how many.
WORKERS ?= 2

run: setup
	$(BIN)/pathing demo
	$(BIN)/pathing serve --workers $(WORKERS)

demo: setup
	$(BIN)/pathing demo

serve: setup
	$(BIN)/pathing serve

# The layering contracts in pyproject.toml first (import-linter), then the suite.
test: setup
	$(BIN)/lint-imports --no-cache
	$(BIN)/pytest $(PYTEST_ARGS)

# Benchmarks on PostgreSQL (127.0.0.1:5432, user postgres); they print figures and ratios, see bench/README.md.
bench: setup
	$(BIN)/python bench/run.py

clean:
	rm -rf $(VENV) node_modules instance .pytest_cache web/static/build
