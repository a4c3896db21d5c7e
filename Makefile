# The product's front door: `make run` starts the whole platform, `make test` runs the tests.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
PY := $(VENV)/bin/python

.PHONY: run test lint bench clean

# Development defaults for a local run; any of them can be overridden from the environment.
run: $(VENV)/.installed-run
	DEBUG=$${DEBUG:-1} LIPSYNC_ALLOW_HTTP_WEBHOOKS=$${LIPSYNC_ALLOW_HTTP_WEBHOOKS:-1} \
		exec $(PY) manage.py runplatform

test: $(VENV)/.installed-test
	$(PY) -m pytest $(PYTEST_ARGS)

lint: $(VENV)/.installed-test
	$(VENV)/bin/ruff check .

$(VENV)/bin/python:
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip

# Stamp files: the venv is refreshed whenever a requirements file changes.
$(VENV)/.installed-run: requirements.txt | $(VENV)/bin/python
	$(PY) -m pip install -q -r requirements.txt
	touch $@

$(VENV)/.installed-test: requirements.txt requirements-test.txt | $(VENV)/bin/python
	$(PY) -m pip install -q -r requirements-test.txt
	touch $@ $(VENV)/.installed-run

clean:
	rm -rf $(VENV) var/test-*
