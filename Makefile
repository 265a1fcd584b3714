# GPECT Workflow: `make run` serves the demo, `make test` runs every check and test.
# Both work on a fresh clone with Python 3.11+, make and git.

PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 5000
# The address links in emails and the calendar feed point at when GPECT_BASE_URL is not set: where `make run`
# serves (a server listening on every interface is reached on this machine at 127.0.0.1).
LINK_HOST := $(if $(filter 0.0.0.0 ::,$(HOST)),127.0.0.1,$(HOST))
FLASK := $(BIN)/flask --app wsgi
PIP := $(BIN)/python -m pip --disable-pip-version-check -q

.PHONY: install install-dev run serve db demo test lint typecheck check-imports pytest benchmarks translations screenshots clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(PIP) install --upgrade pip

instance/secret_key:
	@mkdir -p instance
	@umask 077 && $(PYTHON) -c "import secrets; print(secrets.token_hex(32))" > $@
	@echo "A random secret key was written to $@ (set GPECT_SECRET_KEY in production)."

$(VENV)/.installed: $(BIN)/python requirements.txt
	$(PIP) install -r requirements.txt
	@touch $@

$(VENV)/.installed-dev: $(VENV)/.installed requirements-dev.txt
	$(PIP) install -r requirements-dev.txt
	@touch $@

install: $(VENV)/.installed instance/secret_key ## Create the virtual environment and install the app.

install-dev: $(VENV)/.installed-dev instance/secret_key ## Install the app with test and lint tools.

db: install ## Migrate the database (SQLite under instance/ unless GPECT_SQLALCHEMY_DATABASE_URI says otherwise).
	$(FLASK) db upgrade

demo: db ## Register the shipped definitions and load the demonstration data (idempotent).
	$(FLASK) gpect demo

run: demo ## Install, migrate, load the demo and serve on http://127.0.0.1:5000.
	@echo ""
	@echo "GPECT Workflow is starting on http://$(HOST):$(PORT)/"
	@echo "Demo accounts (password gpect-demo-2026): admin@gpect.example.org (administrator),"
	@echo "  claire.martin@mee-chartres.example.org (project lead), marc.lefebvre@region.example.org (committee),"
	@echo "  nicolas.roux@francetravail.example.org (partner)."
	@echo "Emails are captured in the outbox unless GPECT_MAIL_SERVER is set: .venv/bin/flask --app wsgi gpect outbox"
	@echo "Stop with Ctrl+C."
	@echo ""
	GPECT_BASE_URL=$${GPECT_BASE_URL:-http://$(LINK_HOST):$(PORT)} \
	GPECT_SCHEDULER_ENABLED=$${GPECT_SCHEDULER_ENABLED:-true} $(FLASK) run --host $(HOST) --port $(PORT)

lint: install-dev ## ruff lint and format check.
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: install-dev ## mypy on the whole package (strict; the Flask edges relax two checks, see pyproject).
	$(BIN)/mypy

check-imports: install-dev ## The layer contracts (engine knows nothing of Flask; arrows point down).
	$(BIN)/lint-imports

# Test processes working side by side (pytest-xdist; each has its own database), one test file each at a time.
TEST_WORKERS ?= auto
PYTEST := $(BIN)/python -m pytest -n $(TEST_WORKERS) --dist loadfile

pytest: install-dev
	$(PYTEST)
	@if [ -n "$$GPECT_TEST_POSTGRES_URL" ]; then \
		echo "== The whole suite again on PostgreSQL ($$GPECT_TEST_POSTGRES_URL)"; \
		GPECT_TEST_DATABASE=postgres $(PYTEST); \
	elif [ -n "$$CI" ]; then \
		echo "== CI must run the PostgreSQL pass: set GPECT_TEST_POSTGRES_URL" >&2; exit 1; \
	else \
		echo "== GPECT_TEST_POSTGRES_URL is not set: the PostgreSQL pass was not run"; \
	fi

test: lint typecheck check-imports pytest ## Everything CI runs: lint, types, layers, tests on SQLite (then PostgreSQL).

benchmarks: install-dev ## Print performance figures (see benchmarks/).
	@for bench in benchmarks/*.py; do echo "== $$bench"; $(BIN)/python $$bench || exit 1; done

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache build dist

translations: install-dev ## Extract the UI's strings, merge them into the French catalogue, and compile it.
	$(BIN)/pybabel extract -F babel.cfg -k lazy_gettext -k N_ -k counted:1,2 --no-location --sort-output --omit-header -o translations/messages.pot .
	$(BIN)/pybabel update -i translations/messages.pot -d translations -l fr --no-wrap --no-fuzzy-matching --ignore-obsolete
	$(BIN)/pybabel compile -d translations -l fr --statistics
	rm translations/messages.pot

screenshots: install-dev ## Photograph the main pages of the demo into docs/screenshots/ (needs Chromium).
	$(BIN)/python scripts/screenshots.py
