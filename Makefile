# Set-up is a dependency of every target, and is redone only when pyproject.toml changes.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
# torch is installed first, pinned, so that pip keeps it rather than resolving its own build.
TORCH  ?= torch==2.13.0
CONFIG ?= configs/default.yaml

.PHONY: setup run test bench clean

setup: $(STAMP)

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -c "import torch" 2>/dev/null || $(BIN)/pip install -q "$(TORCH)"
	$(BIN)/pip install -q -e ".[dev]"
	touch $(STAMP)

run: setup
	$(BIN)/python run.py --config $(CONFIG)

test: setup
	$(BIN)/python -m pytest -q

bench: setup
	$(BIN)/python bench/segment_f1.py
	$(BIN)/python bench/speed.py --quick
	$(BIN)/python bench/precision.py

clean:
	rm -rf $(VENV) outputs .pytest_cache
