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

.PHONY: setup run test lint browser bench dev dev-stop clean reports serve-reports

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev,spark]'
	touch $(STAMP)

# dagster-dbt reads target/manifest.json when the definitions are imported: prepare it here.
target/manifest.json: $(STAMP) dbt_project.yml $(shell find models macros seeds -type f 2>/dev/null)
	$(BIN)/dbt parse --quiet
	touch target/manifest.json

# the files GX's Data Docs load from CDNs, fetched once from the npm registry (offline docs)
setup: $(STAMP) target/manifest.json
	$(BIN)/python -m orchestration.quality.data_docs --install

run: setup
	$(BIN)/leia run

lint: setup
	$(BIN)/ruff check orchestration tests bench
	$(BIN)/ruff format --check orchestration tests bench
	mkdir -p warehouse/build  # the dbt templater opens the prod target
	$(BIN)/sqlfluff lint models tests/dbt

# the BI and Data Docs tests open pages in Debian's Chromium, which also prints the Bilan's PDF
# (`leia bilan`), whose test reads it back with pdftotext (poppler-utils): installed when missing
# and this user may install packages; otherwise one line says the command
BROWSER_PACKAGES := chromium fonts-dejavu-core poppler-utils
browser:
	@{ command -v chromium && command -v pdftotext; } >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    echo "installing $(BROWSER_PACKAGES) (apt-get)"; \
	    apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q $(BROWSER_PACKAGES); \
	  elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then \
	    echo "installing $(BROWSER_PACKAGES) (sudo apt-get)"; \
	    sudo apt-get update -q && sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -q $(BROWSER_PACKAGES); \
	  else \
	    echo "Chromium or pdftotext is missing and this user cannot install packages: run 'sudo apt-get install -y $(BROWSER_PACKAGES)', then make test" >&2; \
	    exit 1; \
	  fi; }

test: setup lint browser
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
