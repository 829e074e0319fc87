# clearance — developer and newcomer entry points. `make run` and `make test` are the two
# commands README.md promises; both set up the virtualenv first (idempotently).
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
export CLEARANCE_LISTS_DIR ?= $(abspath ../shared/data/lists)

.PHONY: setup run test lint typecheck bench screenshots clean fuzz

$(STAMP): pyproject.toml constraints.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -c constraints.txt -e ".[dev]"
	# yente's response models validate the HTTP API in tests; yente pins older click, rigour
	# and nomenklatura than ours, so it goes in without its dependencies (see pyproject.toml).
	$(BIN)/python -m pip install --quiet --no-deps -c constraints.txt yente==5.5.0
	touch $(STAMP)

setup: $(STAMP)

run: setup
	bash scripts/run.sh

# --dist loadfile: the tests of one file run on one worker, in order (tests/web shares one
# server and one browser between tests that build on each other).
test: setup
	$(BIN)/python -m pytest -n 2 --dist loadfile -q

lint: setup
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench
	$(BIN)/mypy

typecheck: setup
	$(BIN)/mypy

bench: setup
	$(BIN)/python -m pip install --quiet -c constraints.txt -e ".[dev,bench]"
	$(BIN)/python bench/import_bench.py
	$(BIN)/python bench/screening_bench.py
	$(BIN)/python bench/screening_bench.py --algorithm clearance-v2 --no-logic-v2 --out-dir build/bench/v2
	$(BIN)/python bench/v2_report.py
	$(BIN)/python bench/decisions_bench.py
	$(BIN)/python bench/audit_bench.py
	$(BIN)/python bench/api_bench.py
	$(BIN)/python bench/scale_bench.py
	$(BIN)/python bench/monitor_bench.py

# The web UI's pictures in docs/screenshots/, taken by its browser tests (Debian's chromium).
screenshots: setup
	CLEARANCE_SCREENSHOTS=$(abspath docs/screenshots) $(BIN)/python -m pytest tests/web -q -p no:xdist

# Mutated real inputs into every input parser (fuzz/fuzz_inputs.py): FUZZ_INPUTS per format
# (default 1,000,000), two processes; findings and the inputs that reproduce them in build/fuzz.
fuzz: setup
	$(BIN)/python fuzz/fuzz_inputs.py

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
