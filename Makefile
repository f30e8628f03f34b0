# studytrack — `make run` serves the app with demo data, `make test` runs the checks.
# Both create .venv when it is missing; the project is reinstalled only when pyproject.toml
# changes (the stamp files live inside .venv, so a deleted venv starts over cleanly).

SHELL := bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help
MAKEFLAGS += --no-builtin-rules

PYTHON ?= python3
# The test runs spread over one pytest-xdist worker per CPU, each with a database of its own
# (tests/fixtures/database.py); PYTEST_WORKERS=0 runs them in a single process.
PYTEST_WORKERS ?= auto
HOST ?= 127.0.0.1
PORT ?= 5000
VENV ?= .venv

BIN := $(VENV)/bin
FLASK := $(BIN)/flask --app studytrack
PYTEST := $(BIN)/python -m pytest -n $(PYTEST_WORKERS)
RUN_STAMP := $(VENV)/.studytrack-run.stamp
TEST_STAMP := $(VENV)/.studytrack-test.stamp
TRANSLATIONS := studytrack/translations

.PHONY: help run test test-postgresql lint translations clean

help:
	@echo "make run              set up .venv, migrate, load demo data once, serve http://$(HOST):$(PORT)"
	@echo "                      with a job worker beside it (both stop with Ctrl+C)"
	@echo "make test             lint + pytest on SQLite (+ PostgreSQL when STUDYTRACK_TEST_DATABASE_URL is set)"
	@echo "make test-postgresql  pytest --db=postgresql only (needs STUDYTRACK_TEST_DATABASE_URL)"
	@echo "make lint             ruff, the type check (mypy, configured in pyproject.toml) and the"
	@echo "                      vendored-assets manifest check"
	@echo "make translations     extract, update and compile the Chinese catalogue"
	@echo "make clean            remove build output and caches (keeps .venv and instance/)"
	@echo "make bench            generate scales 0.1, 1, 5 on SQLite and PostgreSQL; time the key pages,"
	@echo "                      visit every route, load gunicorn, build the largest archive as a job;"
	@echo "                      check the budgets (about an hour)"

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(RUN_STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet --editable .
	touch $@

# The test extras include the project itself, so they satisfy `make run` too.
$(TEST_STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet --editable '.[test]'
	touch $@ $(RUN_STAMP)

# The web server and the job worker (archives and other long work) in one process group:
# Ctrl+C stops both, and the worker stops when the server does.
# Reminder mails go to files, not to anyone: set STUDYTRACK_MAIL_BACKEND=smtp (and the
# STUDYTRACK_MAIL_* server settings) to send them.
run: export STUDYTRACK_MAIL_BACKEND ?= file
run: export STUDYTRACK_MAIL_FILE_PATH ?= $(CURDIR)/instance/mails
run: export STUDYTRACK_PUBLIC_URL ?= http://$(HOST):$(PORT)/
run: $(RUN_STAMP)
	$(FLASK) db upgrade
	$(FLASK) seed-demo
	$(FLASK) reminders scan
	@echo
	@echo "Open http://$(HOST):$(PORT)/ and log in with one of the accounts above (Ctrl+C stops)."
	@if [ "$$STUDYTRACK_MAIL_BACKEND" = file ]; then echo "Reminder mails are written to" \
		"$$STUDYTRACK_MAIL_FILE_PATH/ (one file per sending), not sent."; fi
	$(FLASK) jobs worker & worker=$$!; trap 'kill $$worker 2>/dev/null || true' EXIT; \
		$(FLASK) run --host $(HOST) --port $(PORT)

lint: $(TEST_STAMP)
	$(BIN)/ruff check studytrack tests benchmarks
	$(BIN)/mypy
	$(BIN)/python scripts/vendor_manifest.py --check

test: lint
	@[ -n "$${STUDYTRACK_TEST_DATABASE_URL:-}" ] || \
		echo "note: STUDYTRACK_TEST_DATABASE_URL is not set, so this runs on SQLite only"
	$(PYTEST)
	@if [ -n "$${STUDYTRACK_TEST_DATABASE_URL:-}" ]; then \
		echo "$(PYTEST) --db=postgresql"; \
		$(PYTEST) --db=postgresql; \
	fi

test-postgresql: $(TEST_STAMP)
	$(PYTEST) --db=postgresql

# --ignore-dirs: pybabel skips every folder starting with "_" by default, which would drop
# templates/_macros and templates/_partials; skip only hidden folders (.venv, .git) instead.
translations: $(RUN_STAMP)
	$(BIN)/pybabel extract -F babel.cfg -k _l -k lazy_gettext -k N_ --no-location \
		--ignore-dirs='.* __pycache__ node_modules' -o $(TRANSLATIONS)/messages.pot .
	$(BIN)/pybabel update -i $(TRANSLATIONS)/messages.pot -d $(TRANSLATIONS) -l zh \
		--no-fuzzy-matching
	$(BIN)/pybabel compile -d $(TRANSLATIONS)

clean:
	rm -rf build dist *.egg-info .pytest_cache .ruff_cache .mypy_cache .hypothesis
	find . -path ./$(VENV) -prune -o -name __pycache__ -type d -prune -exec rm -rf {} +

# Benchmarks (issues 7 and 18): regenerate the databases from scratch at scales 0.1, 1 and 5, time
# the key pages (0.1 and 1), visit every GET route (every scale), load the app under gunicorn
# against a bare Flask app (scale 1), and rewrite benchmarks/RESULTS.md; fails when a budget is
# missed. BENCH_POSTGRES= (empty) skips PostgreSQL; its databases bench_s01, bench_s1 and
# bench_s5 are dropped and recreated (UTF-8, from template0). About an hour in all.
BENCH_POSTGRES ?= postgresql://postgres@127.0.0.1
BENCH_REPEAT ?= 30
BENCH_SCALES ?= 0.1 1 5
BENCH_DATA := benchmarks/data

.PHONY: bench
bench: $(RUN_STAMP)
	mkdir -p $(BENCH_DATA)
	for scale in $(BENCH_SCALES); do \
		name=bench_s$$(echo $$scale | tr -d .); db=$(BENCH_DATA)/$$name.sqlite; \
		urls=sqlite:///$$db; rm -f $$db; \
		if [ -n "$(BENCH_POSTGRES)" ]; then \
			psql -q "$(BENCH_POSTGRES)/postgres" -c "DROP DATABASE IF EXISTS $$name" \
				-c "CREATE DATABASE $$name ENCODING 'UTF8' LC_COLLATE 'C.UTF-8' LC_CTYPE 'C.UTF-8' TEMPLATE template0"; \
			urls="$$urls $(BENCH_POSTGRES)/$$name"; \
		fi; \
		for url in $$urls; do \
			$(BIN)/python -m benchmarks.generate --database-url $$url --scale $$scale || exit 1; \
			if [ $$scale != 5 ]; then $(BIN)/python -m benchmarks.pages --database-url $$url \
				--scale $$scale --repeat $(BENCH_REPEAT) || exit 1; fi; \
			$(BIN)/python -m benchmarks.crawl --database-url $$url --scale $$scale; \
			if [ $$scale = 1 ]; then $(BIN)/python -m benchmarks.load --database-url $$url \
				--scale $$scale; $(BIN)/python -m benchmarks.archive --database-url $$url \
				--scale $$scale; fi; \
		done; \
	done
	status=0; $(BIN)/python -m benchmarks.crawl --check || status=1; \
		$(BIN)/python -m benchmarks.load --check || status=1; \
		$(BIN)/python -m benchmarks.archive --check || status=1; exit $$status
