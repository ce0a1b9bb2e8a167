# One-command set-up on a fresh machine with Python 3.11: `make run` and `make test`.
PY ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
RUNTIME_STAMP := $(VENV)/.runtime-installed
DEV_STAMP := $(VENV)/.dev-installed

.PHONY: run test lint format bench messages vendor check-deploy clean venv venv-dev

$(BIN)/python:
	$(PY) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip

$(RUNTIME_STAMP): requirements.txt | $(BIN)/python
	$(BIN)/pip install -q -r requirements.txt
	touch $@

$(DEV_STAMP): requirements.txt requirements-dev.txt | $(BIN)/python
	$(BIN)/pip install -q -r requirements-dev.txt
	touch $@ $(RUNTIME_STAMP)

venv: $(RUNTIME_STAMP)
venv-dev: $(DEV_STAMP)

## make run: migrate, load the demo insurer (first time), print demo logins, serve on
## http://127.0.0.1:8000 with a Celery worker (SQLite WAL + filesystem broker, no servers).
run: $(RUNTIME_STAMP)
	$(BIN)/python manage.py run_embedded

## make test: the whole suite (SQLite unless DATABASE_URL is set; browser tests skip
## without /usr/bin/chromium unless INSURER_REQUIRE_BROWSER=1).
test: $(DEV_STAMP)
	$(BIN)/python scripts/compile_messages.py
	$(BIN)/python -m pytest -q -p no:cacheprovider

lint: $(DEV_STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(DEV_STAMP)
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

## make bench: benchmarks on PostgreSQL with the large demo insurer -> bench/results.json
bench: $(DEV_STAMP)
	$(BIN)/python bench/run.py

## make messages: refresh the Chinese catalogue from the code (needs GNU gettext), compile it
messages: $(DEV_STAMP)
	$(BIN)/python manage.py makemessages -l zh_Hans --ignore=.venv --ignore=node_modules --ignore=staticfiles --no-obsolete
	$(BIN)/python scripts/compile_messages.py

## make vendor: copy pinned front-end files from node_modules into insurer/static/vendor
vendor:
	npm ci --ignore-scripts
	$(BIN)/python scripts/vendor_static.py

check-deploy: $(RUNTIME_STAMP)
	INSURER_PROFILE=production DJANGO_SECRET_KEY=check-deploy-$$(date +%s)-not-a-real-secret-0123456789abcdef \
	INSURER_PII_KEYS=ci:$$(head -c 32 /dev/urandom | base64) INSURER_BLIND_INDEX_KEY=ci-$$(date +%s) \
	INSURER_LEDGER_SIGNING_KEY=$$(head -c 32 /dev/urandom | base64) \
	DATABASE_URL=sqlite:///tmp/check-deploy.sqlite3 \
	$(BIN)/python manage.py check --deploy --fail-level WARNING

clean:
	rm -rf $(VENV) var staticfiles
