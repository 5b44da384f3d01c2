# Two commands: `make run` starts the bot, `make test` runs every test. Both set up what they need.
# `make demo` plays a simulated programme offline (no token): DEMO_ARGS="--language en --days 30".

PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
LOCALES := bot/locales
POT := $(LOCALES)/mentorbot.pot
MO_FILES := $(patsubst %.po,%.mo,$(wildcard $(LOCALES)/*/LC_MESSAGES/mentorbot.po))

.PHONY: run demo test test-deep setup lint format catalogs check-python clean bench bench-quick

run: setup
	$(BIN)/mentorbot run

demo: setup
	$(BIN)/mentorbot demo $(DEMO_ARGS)

# The end-to-end tests mostly wait (on the emulator, the database, the clock they move), so
# four workers keep two cores busy: about 4-5 minutes instead of 10.
PYTEST_WORKERS ?= 4

test: setup
	$(BIN)/python -m pytest -n $(PYTEST_WORKERS)
	$(MAKE) --no-print-directory lint

# The model-based test of the programme's promises, far longer than in `make test`:
# through the emulator, and (many more sequences) through the use cases directly.
MODEL_EXAMPLES ?= 60
MODEL_STEPS ?= 50
FAST_MODEL_EXAMPLES ?= 200
FAST_MODEL_STEPS ?= 50

test-deep: setup
	MENTORBOT_MODEL_EXAMPLES=$(MODEL_EXAMPLES) MENTORBOT_MODEL_STEPS=$(MODEL_STEPS) \
		$(BIN)/python -m pytest -p no:xdist tests/e2e/test_promises.py
	MENTORBOT_FAST_MODEL_EXAMPLES=$(FAST_MODEL_EXAMPLES) MENTORBOT_FAST_MODEL_STEPS=$(FAST_MODEL_STEPS) \
		$(BIN)/python -m pytest -p no:xdist tests/usecases/test_promises.py

setup: $(STAMP) $(MO_FILES)

check-python:
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "mentorbot needs Python 3.11 or newer; set PYTHON=python3.11")'

$(STAMP): pyproject.toml | check-python
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

%.mo: %.po $(STAMP)
	$(BIN)/pybabel compile --use-fuzzy -D mentorbot -i $< -o $@ --statistics

lint: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

format: setup
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

# Re-extract messages from the code and merge them into both catalogs.
catalogs: setup
	$(BIN)/pybabel extract --no-location --sort-by-file -k _ -k lazy -k ngettext:1,2 \
		-o $(POT) --project mentorbot bot handlers
	for lang in nb en; do test -f $(LOCALES)/$$lang/LC_MESSAGES/mentorbot.po || \
		$(BIN)/pybabel init -D mentorbot -i $(POT) -d $(LOCALES) -l $$lang; done
	$(BIN)/pybabel update --no-fuzzy-matching -D mentorbot -i $(POT) -d $(LOCALES)
	$(BIN)/python -m bot.runtime.catalogs fill-english
	$(BIN)/python -m bot.runtime.catalogs missing

# Benchmarks (bench/): full sizes take a long while (the nudge wave alone is ~12 minutes at
# Telegram's 30 messages a second) and parts need PostgreSQL; `make bench-quick` is small.
bench: setup
	$(BIN)/python -m bench.tick_cost $(BENCH_ARGS)
	$(BIN)/python -m bench.update_throughput $(BENCH_ARGS)
	$(BIN)/python -m bench.nudge_wave $(BENCH_ARGS)
	$(BIN)/python -m bench.crash_run $(BENCH_ARGS)
	$(BIN)/python -m bench.two_instances $(BENCH_ARGS)

bench-quick:
	$(MAKE) --no-print-directory bench BENCH_ARGS=--quick

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
	find $(LOCALES) -name '*.mo' -delete
