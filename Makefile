# Darvazeh: `make demo` serves the demo world on http://127.0.0.1:8000; `make test` runs the tests.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
INSTALLED := $(VENV)/.installed

# The servers the engine tests use. Unreachable servers skip those tests locally; CI requires them.
export DARVAZEH_TEST_POSTGRES_URL ?= postgresql+asyncpg://postgres@127.0.0.1:5432/test
export DARVAZEH_TEST_MARIADB_URL ?= mysql+asyncmy://root@127.0.0.1:3306/test

.PHONY: demo test bench lint format schema audit-verify install clean

$(INSTALLED): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $@

install: $(INSTALLED)

demo: $(INSTALLED)
	$(BIN)/python -m demo

test: $(INSTALLED)
	$(BIN)/python -m pytest $(PYTEST_ARGS)

bench: $(INSTALLED)
	$(BIN)/python -m bench

lint: $(INSTALLED)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(INSTALLED)
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

schema: $(INSTALLED)
	$(BIN)/python -m schema > schema.graphql

# Verify the access log's hash chains (GATEWAY_DATABASE_URL or var/gateway.db); exit 1 if broken.
audit-verify: $(INSTALLED)
	$(BIN)/python -m audit.verify

clean:
	rm -rf var/
