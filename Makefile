# reymud: two entry points for a fresh machine with Python >= 3.11 and pip.
#   make demo   the main job on the bundled synthetic demo survey (creates .venv)
#   make test   the test suite (creates .venv with the dev extras)
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
PIP    := $(BIN)/python -m pip
DEMO_DIR ?= demo-output

.PHONY: demo test venv venv-dev browser lint js-lint bench lock clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(PIP) install --upgrade --quiet pip

venv: $(BIN)/python
	$(PIP) install --quiet -c constraints.txt -e .

venv-dev: $(BIN)/python
	$(PIP) install --quiet -c constraints.txt -e ".[dev]"

# Debian's chromium for the browser tests (never a browser that playwright downloads).
browser:
	@command -v chromium >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then \
	    { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; } \
	      || echo "could not install chromium: browser tests will be skipped"; \
	  else echo "chromium not found: browser tests will be skipped"; fi; }

demo: venv
	$(BIN)/reymud assess --demo --out $(DEMO_DIR)

test: venv-dev browser
	$(BIN)/python -m pytest -q -n 2 --dist loadfile

lint: venv-dev js-lint
	$(BIN)/ruff check src tests benchmarks

# The page's ES modules: syntax, undefined names, imports (Python + tree-sitter, no node; also part of `make test`).
js-lint: venv-dev
	$(BIN)/python -m pytest -q -p no:cacheprovider tests/web/test_js_lint.py

bench: venv-dev
	$(PIP) install --quiet -c constraints.txt -e ".[bench]" || true
	for f in benchmarks/bench_*.py; do $(BIN)/python $$f || exit 1; done

lock: $(BIN)/python
	$(PIP) freeze --exclude-editable | sed '1i # Pinned versions for every machine (pip install -c constraints.txt). Regenerate with: make lock' > constraints.txt

clean:
	rm -rf $(VENV) $(DEMO_DIR) .pytest_cache
