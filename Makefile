# `make` runs what CI runs. The venv lives in .venv, like the README's commands.
VENV ?= .venv
BIN := $(VENV)/bin
# Records that the test extras were installed from constraints.txt: `make` installs them
# again after any other install (the quick start's plain one too) and when pyproject.toml
# or the lock changes.
INSTALLED := $(VENV)/.tiexin-test-installed
UV_VERSION := 0.13.9
# Extra flags for `make lock`, e.g. LOCK_FLAGS=--upgrade to move every pin to the latest.
LOCK_FLAGS ?=

.PHONY: check install test lint typecheck format run bench soak model understanding understanding-check clean lock

check: lint typecheck test

$(INSTALLED): pyproject.toml constraints.txt
	python3 -m venv $(VENV)
	$(BIN)/pip install -q -c constraints.txt -e '.[test]'
	touch $@

install: $(INSTALLED)

# constraints.txt: every version CI installs (runtime, test and train extras), for Python
# 3.11 on Linux, resolved from PyPI alone: no pip or uv config, no local wheels.
lock:
	test -x $(BIN)/pip || python3 -m venv $(VENV)
	$(BIN)/pip install -q uv==$(UV_VERSION)
	$(BIN)/uv pip compile --quiet --no-config --index-url https://pypi.org/simple \
		--python-version 3.11 --python-platform x86_64-unknown-linux-gnu \
		--extra test --extra train --custom-compile-command 'make lock' $(LOCK_FLAGS) \
		pyproject.toml -o constraints.txt

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
	$(BIN)/python bench/understand.py
	$(BIN)/python bench/shutdown.py

# Ten minutes of two processes on one Redis under kill -9 and a Redis restart (CI runs two).
soak: install
	$(BIN)/python bench/soak.py --minutes 10

# The shipped understanding model, from tests/data/understanding_train.jsonl (about 4 min),
# and the check CI runs: a retrain must give the shipped file byte for byte.
understanding: install
	$(BIN)/python -m responder.drafts.understand_train

understanding-check: install
	$(BIN)/python -m responder.drafts.understand_train --check

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
