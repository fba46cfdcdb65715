# govern — two commands on a fresh machine: `make run` and `make test`. Both are idempotent.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 5000
# pytest-xdist workers for `make test` (one per core; each has its own database): `make test PYTEST_WORKERS=0` runs serially.
PYTEST_WORKERS ?= auto
# The one public address (links, QR codes, messages); follows PORT unless set.
export GOVERN_BASE_URL ?= http://127.0.0.1:$(PORT)
# `make run` runs `govern tick` in the background this often (seconds): it moves meetings along their result lifecycle.
TICK_SECONDS ?= 60
# Debian packages: a CJK font for PDFs (WeasyPrint), Poppler for PDF checks in tests.
SYSTEM_PACKAGES := fonts-wqy-microhei poppler-utils fontconfig
# Only the tests need a browser (and zbarimg, to decode printed QR codes).
TEST_SYSTEM_PACKAGES := chromium zbar-tools

.PHONY: install install-test run test system-packages system-packages-test catalogs migrate demo serve worker lint bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

# Reinstall only when pyproject.toml changed since the last install.
$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e .
	touch $@

$(VENV)/.installed-test: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e ".[test]"
	touch $(VENV)/.installed $@

install: system-packages $(VENV)/.installed catalogs  ## install the app into .venv (leaves .venv/bin/govern ready)

install-test: system-packages system-packages-test $(VENV)/.installed-test catalogs

catalogs: | $(BIN)/python
	@$(BIN)/python scripts/catalogs.py compile

# Install missing Debian packages when we can (root + apt-get); otherwise name them clearly.
system-packages:
	@scripts/system-packages.sh $(SYSTEM_PACKAGES)

system-packages-test:
	@scripts/system-packages.sh $(TEST_SYSTEM_PACKAGES)

migrate: install
	$(BIN)/govern db upgrade

demo: migrate
	$(BIN)/govern demo --if-empty

run: demo  ## install, migrate, load the demo if the database is empty, serve on http://127.0.0.1:$(PORT)
	@echo "govern is serving on http://127.0.0.1:$(PORT)  (demo accounts: admin, chair, committee1, committee2, property1, auditor1, owner001…; password govern-demo)"
	@echo "govern tick runs every $(TICK_SECONDS) s in the background (results of closed meetings, lapses, reminders)"
	@( while true; do $(BIN)/govern tick >/dev/null || true; sleep $(TICK_SECONDS); done ) & ticker=$$!; \
	trap 'kill $$ticker 2>/dev/null' EXIT INT TERM; \
	$(BIN)/gunicorn --workers 2 --bind 127.0.0.1:$(PORT) --limit-request-line 8190 --access-logfile - wsgi:app

test: install-test  ## install with the test extras and run the whole suite
	$(BIN)/python -m pytest -n $(PYTEST_WORKERS) --dist loadfile

lint: install-test
	$(BIN)/ruff check govern tests bench scripts

worker: install
	$(BIN)/govern worker

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache .hypothesis
