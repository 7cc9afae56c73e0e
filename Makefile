# `make` runs what CI runs. The venv lives in .venv, like the README's commands.
VENV ?= .venv
BIN := $(VENV)/bin

.PHONY: check install test lint typecheck format run bench clean

check: lint typecheck test

$(BIN)/tiexin: pyproject.toml
	python3 -m venv $(VENV)
	$(BIN)/pip install -q -e '.[test]'
	touch $@

install: $(BIN)/tiexin

test: install
	$(BIN)/python -m pytest

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: install
	$(BIN)/mypy

format: install
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

run: install
	$(BIN)/tiexin run

bench: install
	$(BIN)/python bench/pipeline.py

clean:
	rm -rf $(VENV) .tiexin .pytest_cache .mypy_cache .ruff_cache *.egg-info
