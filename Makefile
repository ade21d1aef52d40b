# The README's commands. Each target creates .venv and installs what it needs on a fresh machine.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
INSTALLED := $(VENV)/.installed

.PHONY: setup demo up test faults fuzz bench lint proto clean

setup: $(INSTALLED)

$(INSTALLED): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "ecopermit needs Python >= 3.11")'
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[embedded,test,dev]'
	touch $@

# The main job: the stack on the demo calendar, and the 22 pending applications carried to
# decisions by scripted actors through the public API.
demo: setup
	$(BIN)/ecopermit demo

up: setup
	$(BIN)/ecopermit up

# The whole suite on SQLite files, then again on fresh PostgreSQL databases (127.0.0.1:5432)
# except the tests that run the whole stack as processes, which use their own SQLite files.
# The kill test carries 60 applications here and 200 in `make faults`.
test: setup
	ECOPERMIT_FAULT_APPLICATIONS=60 $(BIN)/pytest --durations=12
	ECOPERMIT_TEST_DATABASE=postgres $(BIN)/pytest -m "not processes" --durations=12

# The fault and abuse tests alone: processes killed mid-run, duplicate submissions, fuzzing.
faults: setup
	$(BIN)/pytest -m faults

# Fuzzing that searches afresh, with 500 examples per RPC and route (minutes, not seconds).
fuzz: setup
	HYPOTHESIS_PROFILE=explore $(BIN)/pytest tests/test_fuzzing.py

# The benchmarks, each beside its baseline (README, "Benchmarks"); e.g. make bench BENCH='--n 200'.
bench: setup
	$(BIN)/ecopermit bench $(BENCH)

lint: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/buf lint
	$(BIN)/lint-imports
	$(BIN)/python tools/generate_protos.py --check

# Regenerate the vendored third-party protos and the Python code of the contract.
proto: setup
	$(BIN)/python tools/vendor_protos.py
	$(BIN)/python tools/generate_protos.py

clean:
	rm -rf $(VENV) var .mypy_cache .ruff_cache .pytest_cache .hypothesis
