"""The BI layer (models/bi/, docs/bi.md) and the site's sources stay in step, without a build.

- every source query of reports/sources/warehouse/ is one plain select of a bi model: the logic
  and the small-cell suppression live in dbt, where they are tested;
- every page of reports/pages/ has a dbt exposure whose depends_on is exactly the models its
  queries read (through the source files), read from dbt's manifest;
- the small-cell threshold is written once, as the dbt var min_cell_accounts;
- the empty quality.validation_results that on-run-start creates has the columns the run writes.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
import yaml

from orchestration import bi
from orchestration.quality.results import DDL
from orchestration.settings import PROJECT_DIR

PAGES_DIR = bi.REPORTS_DIR / "pages"
MANIFEST = PROJECT_DIR / "target" / "manifest.json"

# `select a, b from bi.bi_model`, maybe `order by a desc, b`: no join, case, where or arithmetic
PLAIN_SELECT = re.compile(
    r"select\s+(?P<columns>\w+(\s*,\s*\w+)*)\s+from\s+bi\.(?P<model>\w+)"
    r"(\s+order\s+by\s+\w+(\s+(asc|desc))?(\s*,\s*\w+(\s+(asc|desc))?)*)?",
    re.IGNORECASE,
)
PAGE_SOURCE = re.compile(r"\bfrom\s+warehouse\.(\w+)", re.IGNORECASE)


def without_comments(sql: str) -> str:
    return re.sub(r"--[^\n]*", "", sql).strip()


def source_models() -> dict[str, str]:
    """Source name (the file's stem, as the pages write `warehouse.<source>`) -> bi model."""
    models = {}
    for path in sorted(bi.SOURCE_DIR.glob("*.sql")):
        match = PLAIN_SELECT.fullmatch(without_comments(path.read_text(encoding="utf-8")))
        assert match, f"{path.name} is not one plain `select <columns> from bi.<model>`"
        models[path.stem] = match.group("model")
    return models


def pages() -> list[Path]:
    return sorted(PAGES_DIR.rglob("*.md"))


@pytest.fixture(scope="module")
def manifest() -> dict:
    if not MANIFEST.is_file():
        pytest.fail(f"{MANIFEST} is missing: run `make setup` (it runs `dbt parse`)")
    return json.loads(MANIFEST.read_text(encoding="utf-8"))


def test_every_source_is_a_plain_select_of_a_bi_model(manifest: dict) -> None:
    bi_models = {
        node["name"]: node
        for node in manifest["nodes"].values()
        if node["resource_type"] == "model" and node["fqn"][1] == "bi"
    }
    for source, model in source_models().items():
        assert model in bi_models, f"{source}.sql reads bi.{model}, which models/bi/ lacks"
        assert bi_models[model]["schema"] == "bi"
        sql = without_comments((bi.SOURCE_DIR / f"{source}.sql").read_text(encoding="utf-8"))
        selected = PLAIN_SELECT.fullmatch(sql).group("columns")
        columns = [name.strip() for name in selected.split(",")]
        assert columns == list(bi_models[model]["columns"]), (
            f"{source}.sql selects {columns}, not the documented columns of {model}"
        )


def test_every_page_has_an_exposure_of_exactly_the_models_it_reads(manifest: dict) -> None:
    models = source_models()
    exposures = {
        exposure["meta"].get("page"): exposure
        for exposure in manifest["exposures"].values()
        if exposure["package_name"] == "leia"
    }
    assert set(exposures) == {str(page.relative_to(PROJECT_DIR)) for page in pages()}
    for page in pages():
        exposure = exposures[str(page.relative_to(PROJECT_DIR))]
        read = set(PAGE_SOURCE.findall(page.read_text(encoding="utf-8")))
        assert read, f"{page.name} reads no source"
        unknown = read - set(models)
        assert not unknown, f"{page.name} reads sources that do not exist: {sorted(unknown)}"
        expected = {f"model.leia.{models[source]}" for source in read}
        assert set(exposure["depends_on"]["nodes"]) == expected, exposure["name"]
        assert exposure["type"] == "dashboard"
        assert exposure["owner"]["name"] == "Équipe données LEIA"
        assert exposure["url"].startswith("/") and exposure["maturity"] and exposure["description"]


def test_the_small_cell_threshold_is_written_once() -> None:
    project = yaml.safe_load((PROJECT_DIR / "dbt_project.yml").read_text(encoding="utf-8"))
    threshold = project["vars"]["min_cell_accounts"]
    assert threshold == 5
    sql_files = [
        *bi.SOURCE_DIR.glob("*.sql"),
        *(PROJECT_DIR / "models" / "bi").glob("*.sql"),
        PROJECT_DIR / "macros" / "small_cells.sql",
    ]
    # a comparison with the number, as a suppression threshold is written in SQL (>= 5, < 5...)
    typed = re.compile(rf"(?:>=|<=|<|>)\s*{threshold}\b")
    for path in sql_files:
        found = typed.findall(without_comments(path.read_text(encoding="utf-8")))
        assert not found, f"{path.name}: a threshold typed in ({found}); use suppress_small_cell"
    for page in pages():
        text = page.read_text(encoding="utf-8")
        assert not re.search(rf"(inférieur à|moins de)\W*{threshold}\b", text), (
            f"{page.name} writes the threshold: read it from warehouse.small_cell_rule"
        )


def _columns(ddl: str) -> list[str]:
    body = ddl[ddl.lower().index("create table") :]
    body = body[body.index("(") + 1 : body.rindex(")")]
    return [" ".join(line.split()).rstrip(",") for line in body.splitlines() if line.strip()]


def test_on_run_start_creates_validation_results_as_the_run_writes_it() -> None:
    macro = (PROJECT_DIR / "macros" / "validation_results.sql").read_text(encoding="utf-8")
    ddl = macro[macro.index("create table") : macro.index("{%- else")]
    assert _columns(ddl) == _columns(DDL)
    assert "create_validation_results()" in (PROJECT_DIR / "dbt_project.yml").read_text()
