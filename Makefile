# The two commands a user needs are `make run` and `make test`; both build .venv first.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test check bench faults clean lint typecheck imports

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

run: $(STAMP)
	$(BIN)/ipt

test: $(STAMP)
	$(BIN)/python -m pytest -q

lint: $(STAMP)
	$(BIN)/ruff check store tui tests sample_plans benchmarks
	$(BIN)/ruff format --check store tui tests sample_plans benchmarks

typecheck: $(STAMP)
	$(BIN)/mypy

imports: $(STAMP)
	$(BIN)/lint-imports

check: lint typecheck imports test

bench: $(STAMP)
	$(BIN)/python -m benchmarks.run $(ARGS)

faults: $(STAMP)
	$(BIN)/python -m tests.faults.campaign
	IPT_CAMPAIGN_EXAMPLES=1000 $(BIN)/python -m tests.campaign_report --examples 1000

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache build *.egg-info
