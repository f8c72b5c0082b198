# The two commands a user needs are `make run` and `make test`; both build .venv first.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
# Every package .venv holds, runtime, development and build, at the versions CI tested, with hashes.
# pyproject.toml keeps the loose bounds for people who install the package; `make lock` writes this.
LOCK := requirements-dev.lock
UV := uv==0.13.9

.PHONY: run test check bench bench-pg accuracy faults clean lint typecheck imports install-check lock

$(STAMP): pyproject.toml $(LOCK)
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet --require-hashes -r $(LOCK)
	$(BIN)/python -m pip install --quiet --no-deps --no-build-isolation -e .
	touch $(STAMP)

run: $(STAMP)
	$(BIN)/ipt

test: $(STAMP)
	$(BIN)/python -m pytest -q -n 2

lint: $(STAMP)
	$(BIN)/ruff check store tui tests sample_plans benchmarks
	$(BIN)/ruff format --check store tui tests sample_plans benchmarks

typecheck: $(STAMP)
	$(BIN)/mypy

imports: $(STAMP)
	$(BIN)/lint-imports

check: lint typecheck imports test

# Every figure: the file store, the tracker and the packs, then the PostgreSQL store beside the file.
bench: $(STAMP)
	$(BIN)/python -m benchmarks.run $(ARGS)
	$(BIN)/python -m benchmarks.pg_bench $(filter --quick,$(ARGS))

# The PostgreSQL store beside the file store: edits at 1,000-50,000 actions, open, 8 writers, NOTIFY.
bench-pg: $(STAMP)
	$(BIN)/python -m benchmarks.pg_bench $(ARGS)

# Reads every report in ../shared/reference/ofsted-reports/ (or $$IPT_OFSTED_REPORTS) and scores
# the reading against its truth.json: judgements, dates, recommendations and time per report.
accuracy: $(STAMP)
	$(BIN)/python -m benchmarks.report_accuracy $(ARGS)

faults: $(STAMP)
	$(BIN)/python -m tests.faults.campaign
	IPT_CLI_RACE_WRITES=25 $(BIN)/python -m pytest -q -p no:cacheprovider tests/test_lost_updates.py
	IPT_PG_KILLS=100 $(BIN)/python -m pytest -q -p no:cacheprovider tests/test_pg_faults.py
	IPT_CAMPAIGN_EXAMPLES=1000 $(BIN)/python -m tests.campaign_report --examples 1000

# What `pip install .` gives a user, proved from outside the source tree: the wheel, installed
# (not editable) into a new venv in a temporary folder with only its declared dependencies, at
# the locked versions, then run from there: --version, init, summary and the real-terminal smoke
# test against that venv's `ipt`. build/ is removed first so no stale module reaches the wheel.
install-check: $(STAMP)
	rm -rf build
	@set -eu; tmp=$$(mktemp -d); trap 'rm -rf "$$tmp"' EXIT; start=$$(date +%s); set -x; \
	$(BIN)/python -m pip wheel --quiet --no-deps --no-build-isolation --no-index --wheel-dir "$$tmp/dist" .; \
	rm -rf build; \
	wheel=$$(ls "$$tmp"/dist/*.whl); \
	echo "wheel: $$(basename "$$wheel"), $$(wc -c <"$$wheel") bytes, $$($(BIN)/python -m zipfile -l "$$wheel" | tail -n +2 | wc -l) files"; \
	sed -n 's/^\([A-Za-z0-9].*\) \\$$/\1/p' $(LOCK) >"$$tmp/constraints.txt"; \
	$(PYTHON) -m venv "$$tmp/venv"; \
	"$$tmp/venv/bin/python" -m pip install --quiet --disable-pip-version-check --constraint "$$tmp/constraints.txt" "$$wheel"; \
	"$$tmp/venv/bin/python" -m pip check --disable-pip-version-check; \
	cd "$$tmp"; \
	venv/bin/ipt --version; \
	venv/bin/ipt --db "$$tmp/plans.json" init --sample oldham-2019; \
	venv/bin/ipt --db "$$tmp/plans.json" summary --as-of 2019-10-31 >summary.txt; \
	grep -q "Oldham Council" summary.txt; \
	cd "$(CURDIR)"; \
	IPT_BIN="$$tmp/venv/bin/ipt" $(BIN)/python -m pytest -q -p no:cacheprovider tests/test_tui_smoke_tmux.py; \
	echo "install-check passed in $$(( $$(date +%s) - start )) s"

# Rewrites $(LOCK) from pyproject.toml (its dependencies, the dev extra and the build backend),
# keeping every version already pinned there; `make lock ARGS=--upgrade` moves to the newest
# releases within pyproject's bounds, `ARGS="--upgrade-package rich"` moves one.
lock:
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet '$(UV)'
	$(BIN)/python -c 'import tomllib; print(*tomllib.load(open("pyproject.toml", "rb"))["build-system"]["requires"], sep="\n")' \
	  | $(BIN)/uv pip compile pyproject.toml - --extra dev --universal --python-version 3.11 \
	      --generate-hashes --no-header --quiet $(ARGS) --output-file $(LOCK)
	{ printf '%s\n' \
	    '# Every package of the development environment (runtime, the dev extra, the build backend)' \
	    '# at the versions CI tested, with their hashes; `make` installs it with pip --require-hashes.' \
	    '# Written by `make lock` (uv pip compile pyproject.toml --extra dev --universal --generate-hashes);' \
	    '# `make lock ARGS=--upgrade` moves to newer releases. Do not edit by hand.'; \
	  cat $(LOCK); } >$(LOCK).tmp
	mv $(LOCK).tmp $(LOCK)

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache build *.egg-info
