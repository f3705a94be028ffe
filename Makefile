# Help Locator — the README's commands.
PYTHON ?= python3
VENV   ?= .venv
PY      = $(VENV)/bin/python
PIP     = $(VENV)/bin/pip
FLASK   = $(VENV)/bin/flask --app wsgi
STAMP   = $(VENV)/.installed
PG_ADMIN ?= postgresql://postgres@127.0.0.1:5432/test

.PHONY: screenshot install setup db run dev test test-sqlite test-pg test-e2e lint format bench translations compile vendor clean poster-png node-tools

install: $(STAMP) compile

$(STAMP): requirements.txt requirements-dev.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PIP) install --quiet --upgrade pip
	$(PIP) install --quiet -r requirements-dev.txt
	touch $(STAMP)

compile: $(STAMP)
	$(VENV)/bin/pybabel -q compile -d locator/translations

## The database brought up to date through the migrations, and the seed data loaded.
db: install
	$(FLASK) init-db
	$(FLASK) seed

## Serve the seeded site on http://127.0.0.1:5000 as in production: gunicorn (gunicorn.conf.py)
## and the mail sender beside it (Procfile); Ctrl+C stops both.
run: db
	GUNICORN_BIND=127.0.0.1:5000 $(PY) scripts/serve.py Procfile

## The same with Flask's reloading development server (debugger on) instead of gunicorn.
dev: db
	$(PY) scripts/serve.py Procfile.dev

## What the tests need from the machine: system packages, PostgreSQL and Redis running.
setup:
	PG_ADMIN=$(PG_ADMIN) PYTHON=$(PYTHON) scripts/setup-machine.sh

## Every test: unit + web on SQLite, the same on PostgreSQL, then the browser suite.
test: setup install test-sqlite test-pg test-e2e

test-sqlite:
	$(PY) -m pytest -q -p no:cacheprovider --ignore=tests/e2e

test-pg:
	LOCATOR_TEST_DB=postgresql LOCATOR_TEST_PG_ADMIN=$(PG_ADMIN) $(PY) -m pytest -q -p no:cacheprovider --ignore=tests/e2e

test-e2e: node-tools
	$(PY) -m pytest -q -p no:cacheprovider tests/e2e

## The browser suite's tools from npm, pinned in package-lock.json: vnu-jar (the W3C
## HTML checker, needs java) and Lighthouse. Front-end assets are `make vendor`'s.
NODE_STAMP = node_modules/.installed
$(NODE_STAMP): package.json package-lock.json
	npm ci --ignore-scripts --no-audit --no-fund --loglevel=error
	touch $(NODE_STAMP)

node-tools: $(NODE_STAMP)

## Lint and types: ruff's rules, ruff's formatting, and mypy over the files listed in
## pyproject.toml ([tool.mypy] files). CI runs this before the tests; any finding fails it.
lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy

format: install
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

## Benchmarks: figures printed as ratios against a baseline measured in the same run.
## They also need scipy (the in-memory baseline) and wrk (Debian's package, for throughput).
BENCH_STAMP = $(VENV)/.bench-installed
$(BENCH_STAMP): requirements-bench.txt $(STAMP)
	$(PIP) install --quiet -r requirements-bench.txt
	touch $(BENCH_STAMP)

bench: install $(BENCH_STAMP)
	command -v wrk >/dev/null || { apt-get update -qq && apt-get install -y -qq wrk; }
	$(PY) -m bench

## Extract user-visible strings and update the Ukrainian catalogue (then fill in msgstr).
translations: $(STAMP)
	$(VENV)/bin/pybabel extract -F babel.cfg --ignore-dirs=".*" -k _l -k lazy_gettext -o locator/translations/messages.pot --no-location --sort-output --project "Help Locator" .
	$(VENV)/bin/pybabel update -i locator/translations/messages.pot -d locator/translations -l uk --no-fuzzy-matching --ignore-obsolete

## The README's picture of the A4 poster: the real PDF (seed offices, near Kyiv), drawn by pdftoppm.
POSTER_DB = sqlite:///$(CURDIR)/instance/poster-png.sqlite3
poster-png: install
	mkdir -p instance docs
	rm -f instance/poster-png.sqlite3
	DATABASE_URL=$(POSTER_DB) $(FLASK) seed >/dev/null
	DATABASE_URL=$(POSTER_DB) SITE_URL=https://help.example.org $(FLASK) posters pdf --lang uk --size A4 --near Київ -o instance/poster-a4.pdf
	pdftoppm -png -gray -r 80 -singlefile instance/poster-a4.pdf docs/poster-a4
	rm -f instance/poster-png.sqlite3

## Refresh static/vendor/ from the npm registry (versions pinned in package.json).
vendor:
	scripts/vendor.sh

clean:
	rm -rf $(VENV) instance .pytest_cache

# Regenerate docs/screenshot.png (the README's picture) from the seeded site in Chromium.
screenshot: install
	$(PY) scripts/screenshot.py
