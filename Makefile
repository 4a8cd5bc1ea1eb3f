# THC Node — the two commands: `make run` (a demo node) and `make test` (the whole suite).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8080
DATA ?= data

# Browser tests (tests/browser/): Debian's Chromium driven by Playwright for Python (pip, from
# the [test] extra), axe-core from npm. Playwright never downloads a browser of its own here.
CHROMIUM := /usr/bin/chromium
BROWSER_DIR := tests/browser
export PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD := 1

# Interop tests (tests/interop/): an independent peer on @fedify/fedify, run with the Node 22
# binary that the npm package `node` ships (Fedify 2.x needs Node >= 22; Debian has 20).
INTEROP_DIR := tests/interop

.PHONY: run test test-browser browser-deps interop-deps bench bench-instructions messages clean

# The venv is rebuilt when pyproject.toml changes; `pip install -e` keeps the code live.
$(BIN)/.installed: pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $@

run: $(BIN)/.installed
	$(BIN)/thc-node --config $(DATA)/config.toml demo --port $(PORT)

test: $(BIN)/.installed browser-deps interop-deps
	$(BIN)/python -m pytest -q

test-browser: $(BIN)/.installed browser-deps
	$(BIN)/python -m pytest -q $(BROWSER_DIR)

# Each step runs only when its result is missing or stale, so a second `make test` adds ~0 s.
browser-deps: $(CHROMIUM) $(BROWSER_DIR)/node_modules/.installed

# Debian's chromium (plus one font family so text renders); apt-get as root, else via sudo.
$(CHROMIUM):
	@if [ "$$(id -u)" = 0 ]; then SUDO=; elif command -v sudo >/dev/null; then SUDO=sudo; \
	 else echo "installing chromium needs root or sudo (apt-get install chromium)" >&2; exit 1; fi; \
	 set -x; $$SUDO apt-get update -qq && \
	 $$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
	   chromium fonts-dejavu-core >/dev/null
	test -x $@

# axe-core pinned by package-lock.json; npm's files carry a 1985 mtime, hence the stamp.
$(BROWSER_DIR)/node_modules/.installed: $(BROWSER_DIR)/package.json $(BROWSER_DIR)/package-lock.json
	cd $(BROWSER_DIR) && npm ci --no-audit --no-fund --loglevel=error
	touch $@

# Fedify, its companions and Node 22 pinned by package-lock.json; the stamp as for axe-core.
interop-deps: $(INTEROP_DIR)/node_modules/.installed

$(INTEROP_DIR)/node_modules/.installed: $(INTEROP_DIR)/package.json $(INTEROP_DIR)/package-lock.json
	cd $(INTEROP_DIR) && npm ci --no-audit --no-fund --loglevel=error
	$(INTEROP_DIR)/node_modules/node/bin/node --version
	touch $@

bench: $(BIN)/.installed
	$(BIN)/python -m bench

# Instructions per signed inbox request, node vs reference, under callgrind (needs valgrind).
bench-instructions: $(BIN)/.installed
	$(BIN)/python -m bench.inbox_instructions

# Refresh the translation catalogues after changing user-facing strings: new msgids arrive
# with an empty msgstr in web/locale/*/LC_MESSAGES/messages.po, to fill there by hand.
messages: $(BIN)/.installed
	$(BIN)/pybabel extract -F babel.cfg -k _ -k ngettext:1,2 -w 100 -o /tmp/thc-messages.pot .
	$(BIN)/pybabel update -i /tmp/thc-messages.pot -d web/locale -D messages -w 100 \
		--no-fuzzy-matching --ignore-obsolete

clean:
	rm -rf $(VENV) .pytest_cache build *.egg-info
