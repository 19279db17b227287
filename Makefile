# Two commands for a fresh machine: `make run` (main job on demo data) and `make test`.
# Both create .venv and install what they need; re-running them skips what is already done.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
export DO_NOT_TRACK := 1
export DBT_SEND_ANONYMOUS_USAGE_STATS := false
export GX_ANALYTICS_ENABLED := false
export DAGSTER_HOME ?= $(CURDIR)/warehouse/dagster_home
export DBT_PROFILES_DIR := $(CURDIR)

.PHONY: setup run test lint bench dev dev-stop clean reports serve-reports

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev,spark]'
	touch $(STAMP)

# dagster-dbt reads target/manifest.json when the definitions are imported: prepare it here.
target/manifest.json: $(STAMP) dbt_project.yml $(shell find models macros seeds -type f 2>/dev/null)
	$(BIN)/dbt parse --quiet
	touch target/manifest.json

setup: $(STAMP) target/manifest.json

run: setup
	$(BIN)/leia run

lint: setup
	$(BIN)/ruff check orchestration tests bench
	$(BIN)/ruff format --check orchestration tests bench
	mkdir -p warehouse/build  # the dbt templater opens the prod target
	$(BIN)/sqlfluff lint models tests/dbt

test: setup lint
	$(BIN)/pytest

# performance benchmark (bench/README.md): scales 1, 10 and 30, long; not part of `make test`
bench: setup
	$(BIN)/python -m bench.run

# dagster.yaml: one run at a time (DuckDB takes one writer), no telemetry
dev: setup
	mkdir -p "$(DAGSTER_HOME)" && cp dagster.yaml "$(DAGSTER_HOME)/dagster.yaml"
	$(BIN)/python -m orchestration.devserver start

# stops a `make dev` running in another terminal or in the background (signals reset, see
# orchestration/devserver.py)
dev-stop:
	$(BIN)/python -m orchestration.devserver stop

# the BI site (docs/bi.md): Node 20 and npm; `npm ci` in reports/ on first use
reports: setup
	$(BIN)/leia report

serve-reports: setup
	$(BIN)/leia serve-reports

clean:
	rm -rf $(VENV) target dbt_packages logs warehouse reports/node_modules reports/.evidence reports/build
