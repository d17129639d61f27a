# SafeCampus: the README's commands. Thin: everything real lives in manage.py and pytest.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
HOST ?= 127.0.0.1
PORT ?= 8000
# The suite also runs on PostgreSQL when DATABASE_URL points at one, and always in CI
# (PostgreSQL on 127.0.0.1:5432, trust auth). pytest-django creates scratch test_* databases.
ifneq ($(filter postgres%,$(DATABASE_URL)),)
PG_TEST_URL ?= $(DATABASE_URL)
else ifeq ($(CI),true)
PG_TEST_URL ?= postgres://postgres@127.0.0.1:5432/safecampus
endif
PYTEST_WORKERS ?= 2

.PHONY: demo test check lint typecheck messages test-sqlite test-postgres serve serve-prod system-deps bench test-faults clean

$(STAMP): requirements.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -r requirements.txt
	touch $(STAMP)

system-deps:
	./scripts/system-deps.sh

messages: $(STAMP)
	$(BIN)/python manage.py compilemessages --ignore=.venv -v0

## demo: set up and run SafeCampus on a demo city (SQLite), printing logins
demo: $(STAMP)
	./scripts/system-deps.sh demo
	$(BIN)/python manage.py compilemessages --ignore=.venv -v0
	$(BIN)/python manage.py migrate --noinput -v0
	$(BIN)/python manage.py demo_city --if-empty --logins-json var/demo-logins.json --url http://$(HOST):$(PORT)/
	$(BIN)/python manage.py runserver $(HOST):$(PORT)

serve: $(STAMP) messages
	$(BIN)/python manage.py migrate --noinput -v0
	$(BIN)/python manage.py runserver $(HOST):$(PORT)

## serve-prod: production processes on this machine (gunicorn, Celery worker and beat) on the
## local PostgreSQL and Redis, plain http on 127.0.0.1; DEMO=1 adds the demo city (docs/deploy.md)
serve-prod: $(STAMP)
	./scripts/system-deps.sh demo
	GUNICORN_BIND=$(HOST):$(PORT) ./scripts/serve-prod.sh

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: $(STAMP)
	$(BIN)/mypy safecampus

check: lint typecheck messages
	env -u DATABASE_URL $(BIN)/python manage.py makemigrations --check --dry-run

test-sqlite: $(STAMP) messages
	env -u DATABASE_URL $(BIN)/pytest -n $(PYTEST_WORKERS)

test-postgres: $(STAMP) messages
ifdef PG_TEST_URL
	DATABASE_URL=$(PG_TEST_URL) $(BIN)/pytest -n $(PYTEST_WORKERS)
else
	@echo "PostgreSQL run skipped: set DATABASE_URL=postgres://... (CI sets it)"
endif

## test: every check and the whole suite (SQLite, then PostgreSQL when configured)
test: system-deps check test-sqlite test-postgres

bench: $(STAMP)
	$(BIN)/python bench/demo_city.py

## test-faults: the slow fault tests (faults/; docs/deploy.md "Fault behaviour"): PostgreSQL
## restarted under load, a Celery worker killed mid-task, Redis down, 20 concurrent transitions.
## Each starts its own PostgreSQL 15 cluster, Redis, gunicorn and Celery worker on free ports,
## never the shared ones. Not part of `make test` nor CI (faults/ is outside testpaths).
test-faults: $(STAMP) messages
	$(BIN)/pytest -p no:randomly -m faults -v -s faults

clean:
	rm -rf var/static test-artifacts .mypy_cache .ruff_cache
