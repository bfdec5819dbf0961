# One command per chore. `make run` and `make test` are the two a newcomer needs.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
CATALOGUES := $(wildcard mentor/locale/*/LC_MESSAGES/messages.po)
COMPILED := $(CATALOGUES:.po=.mo)

.PHONY: run test lint typecheck fmt pytest install messages demo clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

install: $(STAMP) $(COMPILED)

%.mo: %.po $(STAMP)
	$(BIN)/pybabel compile --statistics -i $< -o $@

# Serves the demo on http://127.0.0.1:$(PORT) (`make run PORT=8010`) over plain http, hence cookies
# without the Secure flag. E-mailed links use MENTOR_BASE_URL: the served address unless it is set
# (`make run MENTOR_BASE_URL=http://192.168.1.20:8000` when others reach the server by another name).
PORT ?= 8000
MENTOR_BASE_URL ?= http://127.0.0.1:$(PORT)
# The demo logs staff in with the printed passwords alone; `make run
# MENTOR_MFA_REQUIRED_ROLES=admin,counsellor` asks admins and counsellors for a second factor.
MENTOR_MFA_REQUIRED_ROLES ?=
RUN_ENV := MENTOR_COOKIE_SECURE=false MENTOR_BASE_URL=$(MENTOR_BASE_URL) \
	MENTOR_MFA_REQUIRED_ROLES=$(MENTOR_MFA_REQUIRED_ROLES)

run: install
	$(RUN_ENV) $(BIN)/mentor db upgrade
	$(RUN_ENV) $(BIN)/mentor demo
	$(RUN_ENV) $(BIN)/mentor serve --host 127.0.0.1 --port $(PORT)

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: install
	$(BIN)/mypy --strict mentor matching

pytest: install
	$(BIN)/pytest

test: lint typecheck pytest

fmt: install
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

# Extract the strings of code and templates and merge them into both catalogues.
messages: install
	$(BIN)/pybabel extract --ignore-dirs ".* .venv __pycache__" --no-location --sort-output -F babel.cfg -k lazy_gettext -k ngettext:1,2 -o mentor/locale/messages.pot .
	$(BIN)/pybabel update --no-fuzzy-matching --ignore-obsolete -i mentor/locale/messages.pot -d mentor/locale

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache .pytest_cache
