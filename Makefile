# Two commands on a fresh machine with python3, make and node (20+, with npm): `make run` and `make test`.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.install-stamp
HOST ?= 127.0.0.1
PORT ?= 8000

# The web app (web/): `npm ci` when the lockfile changes, `npm run build` (codegen from
# schema.graphql, type check, vite) into entrypoints/webapp/ when a source changes.
WEB_DEPS := web/node_modules/.ci-stamp
WEB_STAMP := entrypoints/webapp/.build-stamp
WEB_SOURCES := $(shell find web/src -type f -not -path 'web/src/gql/*' 2>/dev/null) \
	web/index.html web/vite.config.ts web/codegen.ts web/tsconfig.json schema.graphql \
	$(wildcard web/schema.pending.graphql)

.PHONY: install run demo test soak lint deploy-lint typecheck schema settings-doc bench bench-smoke clean web web-test

$(STAMP): pyproject.toml constraints.txt
	@echo "==> creating virtualenv in $(VENV) and installing the project (first run takes about a minute)"
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	@$(BIN)/python -m pip install --quiet --disable-pip-version-check --upgrade pip
	@$(BIN)/python -m pip install --quiet --disable-pip-version-check --progress-bar off -c constraints.txt -e '.[dev,embedded]'
	@touch $(STAMP)

$(WEB_DEPS): web/package.json web/package-lock.json
	@command -v npm >/dev/null 2>&1 || { echo "make: node 20+ and npm are needed to build the web app (web/)" >&2; exit 1; }
	@echo "==> installing the web app's packages (npm ci, from web/package-lock.json)"
	@cd web && npm ci --no-audit --no-fund --loglevel=error
	@touch $(WEB_DEPS)

$(WEB_STAMP): $(WEB_DEPS) $(WEB_SOURCES)
	@echo "==> building the web app into entrypoints/webapp/"
	@cd web && npm run --silent build >/dev/null
	@touch $(WEB_STAMP)

web: $(WEB_STAMP)

install: $(STAMP) $(WEB_STAMP)

run: $(STAMP) $(WEB_STAMP)
	$(BIN)/ledger serve --embedded --host $(HOST) --port $(PORT) $(ARGS)

demo: $(STAMP) $(WEB_STAMP)
	$(BIN)/ledger serve --embedded --host $(HOST) --port $(PORT) --demo

lint: $(STAMP) deploy-lint
	@echo "==> ruff"
	@$(BIN)/ruff check .
	@$(BIN)/ruff format --check .
	@echo "==> import-linter (the dependency rule between the layers, see ARCHITECTURE.md)"
	@$(BIN)/lint-imports --no-cache

# The deployment artefacts: cfn-lint on the SAM template and on its SAM expansion (zero findings),
# and promtool on the alerting rules where Debian's `prometheus` package provides it.
deploy-lint: $(STAMP)
	@echo "==> cfn-lint (deploy/template.yaml)"
	@$(BIN)/python scripts/deploy_lint.py deploy/template.yaml
	@if command -v promtool >/dev/null; then \
		echo "==> promtool (deploy/prometheus/alerts.yml)"; \
		promtool check rules deploy/prometheus/alerts.yml && \
		promtool test rules deploy/prometheus/alerts_test.yml; \
	else echo "==> promtool not installed: alert rules checked by tests/deploy only"; fi

typecheck: $(STAMP)
	@echo "==> mypy"
	@$(BIN)/mypy

web-test: $(WEB_STAMP)
	@echo "==> vitest (web/)"
	@cd web && npm test --silent

test: lint typecheck web-test
	@echo "==> redis-server (for the Redis event hub tests; installed from Debian packages when missing)"
	@bash scripts/ensure-redis.sh
	@echo "==> chromium (for the browser tests; installed from Debian packages when missing)"
	@bash scripts/ensure-chromium.sh
	@echo "==> pytest"
	@$(BIN)/pytest $(PYTEST_ARGS)

# The fault-injection scenarios at full length (tests marked `soak`; `make test` runs the short ones).
soak: $(STAMP)
	@bash scripts/ensure-redis.sh
	$(BIN)/pytest -m soak -s $(PYTEST_ARGS)

settings-doc: $(STAMP)
	$(BIN)/python -m entrypoints.settings_doc --write README.md

schema: $(STAMP)
	$(BIN)/python -m entrypoints.export_schema > schema.graphql

bench: $(STAMP)
	$(BIN)/python -m bench

bench-smoke: $(STAMP)
	$(BIN)/python -m bench --smoke

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache .pytest_cache *.egg-info web/node_modules web/src/gql entrypoints/webapp
