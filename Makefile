# `make` runs what CI runs. The venv lives in .venv, like the README's commands.
VENV ?= .venv
BIN := $(VENV)/bin

.PHONY: check install test lint typecheck format run bench model clean

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
	$(BIN)/python bench/queue_api.py
	$(BIN)/python bench/alerts.py
	$(BIN)/python bench/outbox.py
	$(BIN)/python bench/ui.py
	$(BIN)/python bench/scoring.py

# The shipped sentiment model, rebuilt from the shared data (see README, Sentiment).
DATA ?= ../shared/data/sentiment
HELD ?= build/sentiment
model: install
	$(BIN)/tiexin sentiment split $(DATA)/weibo2018_train.csv --fraction 0.2 --seed 2026 --out-dir $(HELD)
	$(BIN)/tiexin sentiment train --out sentiment/model/default.tsm.gz \
		--data $(HELD)/weibo2018_train.train.csv:3 $(DATA)/shopping_reviews_train.csv \
		$(DATA)/weibo_senti_train.csv:0.3
	$(BIN)/tiexin sentiment eval --model default --data $(HELD)/weibo2018_train.holdout.csv
	$(BIN)/tiexin sentiment eval --model default --data $(DATA)/weibo_senti_dev.csv

clean:
	rm -rf $(VENV) .tiexin .pytest_cache .mypy_cache .ruff_cache *.egg-info
