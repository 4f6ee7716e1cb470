# Set-up is a dependency of every target, and is redone only when pyproject.toml changes.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
# torch is installed first, pinned, so that pip keeps it rather than resolving its own build.
TORCH  ?= torch==2.13.0
CONFIG ?= configs/default.yaml
# More arguments for `make run`, e.g. ARGS='--set translate.num_beams=4 --set run.name=try'
ARGS   ?=

.PHONY: setup run test browser bench clean

setup: $(STAMP)

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -c "import torch" 2>/dev/null || $(BIN)/pip install -q "$(TORCH)"
	$(BIN)/pip install -q -e ".[dev]"
	touch $(STAMP)

run: setup
	$(BIN)/python run.py --config $(CONFIG) $(ARGS)

test: setup browser
	$(BIN)/python -m pytest -q

# The report.html browser test needs Chromium: installed here where that is allowed (as root
# with apt-get); never fails the build: without it that test is skipped, saying why.
browser:
	-@command -v chromium >/dev/null 2>&1 || command -v chromium-browser >/dev/null 2>&1 || \
	  command -v google-chrome >/dev/null 2>&1 || \
	  { [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1 && apt-get update -qq && \
	    apt-get install -y -qq chromium >/dev/null; } || \
	  echo "chromium not installed: the browser test will be skipped"

bench: setup
	$(BIN)/python bench/segment_f1.py
	$(BIN)/python bench/speed.py --quick
	$(BIN)/python bench/precision.py

clean:
	rm -rf $(VENV) outputs .pytest_cache
