# Darvazeh: `make demo` serves the demo world on http://127.0.0.1:8000; `make test` runs the tests.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
INSTALLED := $(VENV)/.installed

# The servers the engine tests use. Unreachable servers skip those tests locally; CI requires them.
export DARVAZEH_TEST_POSTGRES_URL ?= postgresql+asyncpg://postgres@127.0.0.1:5432/test
export DARVAZEH_TEST_MARIADB_URL ?= mysql+asyncmy://root@127.0.0.1:3306/test
export DARVAZEH_TEST_REDIS_URL ?= redis://127.0.0.1:6379/0

# The federation composition test runs under Node.js with these npm packages (pinned in the lock);
# the browser quality suite injects axe-core from tests/browser's (pinned the same way).
FEDERATION := tests/federation
BROWSER := tests/browser
NODE_DEPS := $(FEDERATION)/node_modules/.package-lock.json $(BROWSER)/node_modules/.package-lock.json
NPM := $(shell command -v npm 2>/dev/null)

.PHONY: demo test bench stress lint format schema audit-verify install node-deps clean

$(INSTALLED): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $@

install: $(INSTALLED)

# npm writes node_modules/.package-lock.json on install: redone only when the lock changes.
# No npm, or no registry: the composition test skips locally (CI requires it).
$(FEDERATION)/node_modules/.package-lock.json: $(FEDERATION)/package-lock.json
	npm ci --prefix $(FEDERATION) --no-audit --no-fund --loglevel=error \
		|| echo "npm ci failed: the federation composition test will skip"

$(BROWSER)/node_modules/.package-lock.json: $(BROWSER)/package-lock.json
	npm ci --prefix $(BROWSER) --no-audit --no-fund --loglevel=error \
		|| echo "npm ci failed: the browser accessibility tests will skip"

node-deps: $(if $(NPM),$(NODE_DEPS))
	$(if $(NPM),,@echo "no npm: the federation composition and browser accessibility tests will skip")

demo: $(INSTALLED)
	$(BIN)/python -m demo

test: $(INSTALLED) node-deps
	$(BIN)/python -m pytest $(PYTEST_ARGS)

# (g) Hive Gateway (BENCH_ARGS=--hive) runs with the npm packages pinned in bench/hive's lock;
# without npm or the registry, the bench says why and skips (g).
HIVE := bench/hive
HIVE_DEPS := $(HIVE)/node_modules/.package-lock.json
$(HIVE_DEPS): $(HIVE)/package-lock.json
	npm ci --prefix $(HIVE) --no-audit --no-fund --loglevel=error \
		|| echo "npm ci failed: (g) Hive Gateway will be skipped"

# The load generator is wrk (Debian's package) when apt can install it; else bench/load.py runs,
# and the report says which. Every target of issue 13 runs by default, the 1,000,000-citizen world
# (generated once, ~5 min) and Hive Gateway included; BENCH_ARGS= (empty) runs without them.
BENCH_ARGS ?= --scale --hive
bench: $(INSTALLED) $(if $(and $(NPM),$(findstring --hive,$(BENCH_ARGS))),$(HIVE_DEPS))
	@command -v wrk >/dev/null || (DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk \
		>/dev/null 2>&1) || echo "no wrk: the Python load generator (bench/load.py) runs"
	$(BIN)/python -m bench $(BENCH_ARGS)
	$(BIN)/python -m bench.proactive

# Load and faults (docs/stress.md): 200 clients for 60 s, SIGKILL mid-load, an agency away.
stress: $(INSTALLED)
	$(BIN)/python -m bench.stress

# Style, strict types over the product code, and the layer contracts (pyproject.toml).
lint: $(INSTALLED)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/lint-imports

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
