# THC Node — the two commands: `make run` (a demo node) and `make test` (the whole suite).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8080
DATA ?= data

.PHONY: run test bench messages clean

# The venv is rebuilt when pyproject.toml changes; `pip install -e` keeps the code live.
$(BIN)/.installed: pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $@

run: $(BIN)/.installed
	$(BIN)/thc-node --config $(DATA)/config.toml demo --port $(PORT)

test: $(BIN)/.installed
	$(BIN)/python -m pytest -q

bench: $(BIN)/.installed
	$(BIN)/python -m bench

# Refresh the translation catalogues after changing user-facing strings.
messages: $(BIN)/.installed
	$(BIN)/pybabel extract -F babel.cfg -k _ -k ngettext:1,2 -o /tmp/thc-messages.pot .
	$(BIN)/pybabel update -i /tmp/thc-messages.pot -d web/locale -D messages --no-fuzzy-matching

clean:
	rm -rf $(VENV) .pytest_cache build *.egg-info
