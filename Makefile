# Cerchia: `make demo` serves a seeded demo on http://127.0.0.1:8000; `make test` runs lint + tests.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell cat pyproject.toml | cksum | cut -d' ' -f1)

.PHONY: demo test lint typecheck pytest messages messages-compile check-python clean

check-python:
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else 1)' 2>/dev/null || { \
	  echo "Cerchia needs Python 3.11 or newer, but '$(PYTHON)' is: $$($(PYTHON) --version 2>&1)." >&2; \
	  echo "Install Python >= 3.11 and run e.g. 'make demo PYTHON=python3.11'." >&2; exit 1; }

$(STAMP): pyproject.toml | check-python
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[dev]'
	@rm -f $(VENV)/.installed-*
	@touch $(STAMP)

# Compile the Italian catalogue when GNU gettext is there (the compiled .mo is committed too).
messages-compile:
	@if command -v msgfmt >/dev/null; then \
	  msgfmt --check -o locale/it/LC_MESSAGES/django.mo locale/it/LC_MESSAGES/django.po; fi

demo: $(STAMP) messages-compile
	$(BIN)/cerchia demo

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: $(STAMP)
	$(BIN)/mypy cerchia

pytest: $(STAMP) messages-compile
	$(BIN)/pytest

test: lint typecheck pytest

# Refresh the Italian catalogue from the code and templates (then translate what is new).
messages: $(STAMP)
	$(BIN)/python manage.py makemessages -l it --no-obsolete --ignore=.venv --ignore=var \
	  --ignore=static --ignore=bench --ignore='*/tests/*' --add-location=file
	@# gettext's fuzzy guesses are usually wrong: leave them empty, to be translated for real.
	msgattrib --clear-fuzzy --empty -o locale/it/LC_MESSAGES/django.po locale/it/LC_MESSAGES/django.po

clean:
	rm -rf $(VENV) var/cerchia.sqlite3*
