# cxlens: `make demo` sets everything up and runs the demo; `make test` sets everything up and runs all checks.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
DEMO   ?= demo-workspace

.PHONY: setup system-deps demo test lint format bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev,spark]'
	touch $@

system-deps:
	@bash scripts/system-deps.sh

setup: system-deps $(VENV)/.installed

demo: setup
	$(BIN)/cxlens demo $(DEMO) --force
	$(BIN)/cxlens tables --workspace $(DEMO)
	$(BIN)/cxlens serve --workspace $(DEMO)

lint: setup
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench
	$(BIN)/mypy

format: setup
	$(BIN)/ruff check --fix src tests bench
	$(BIN)/ruff format src tests bench

test: setup lint
	$(BIN)/pytest

bench: setup
	@for f in bench/bench_*.py; do echo "== $$f"; $(BIN)/python $$f --scale 0.1 || exit 1; done

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache $(DEMO)
