"""The dbt project as assets: seeds (group `reference`), staging, intermediate, marts and bi models.

dbt tests become asset checks (dagster-dbt's default). `dbt build` runs them after each model, and
a failing test of severity error stops the build: the step fails and nothing is published.

The assets are read from dbt's manifest when `dbt_build_assets()` is first called (by
build_definitions), never when a module is imported: importing the package stays quick and
reads no file of target/.
"""

import functools
import json
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import duckdb
from dagster import (
    AssetExecutionContext,
    AssetKey,
    AssetsDefinition,
    Failure,
    MetadataValue,
    Output,
    TableColumn,
    TableSchema,
)
from dagster_dbt import DagsterDbtTranslator, DbtCliResource, DbtProject, dbt_assets

from orchestration.defs.dbt.resources import dbt_project
from orchestration.defs.raw.assets import GROUP as RAW_GROUP
from orchestration.defs.resources import DuckDBWarehouse, RunLockResource
from orchestration.extracts.raw_schema import RAW_SCHEMA
from orchestration.months import months_dbt_rebuilds
from orchestration.quality.dbt_results import dbt_test_outcomes, failure_text
from orchestration.quality.results import DBT, dbt_rows, record_results
from orchestration.settings import prepend_interpreter_scripts

REFERENCE_GROUP = "reference"
LAYERS = ("staging", "intermediate", "marts", "bi")  # folders under models/, and asset groups

# what the Makefile's target/manifest.json rule depends on: `make setup` re-parses when they change
MANIFEST_INPUTS = ("dbt_project.yml", "models", "macros", "seeds")


class ManifestError(FileNotFoundError):
    """The Dagster definitions are read from dbt's manifest, which `make setup` produces."""


class LeiaDbtTranslator(DagsterDbtTranslator):
    def get_asset_key(self, dbt_resource_props: Mapping[str, Any]) -> AssetKey:
        # the loader's tables are the raw assets: the dbt sources on them must carry their keys,
        # or dbt models would hang below unmaterializable copies of raw/<table>
        if dbt_resource_props["resource_type"] == "source" and (
            dbt_resource_props.get("schema") == RAW_SCHEMA
        ):
            table = dbt_resource_props.get("identifier") or dbt_resource_props["name"]
            return AssetKey([RAW_GROUP, table])
        return super().get_asset_key(dbt_resource_props)

    def get_group_name(self, dbt_resource_props: Mapping[str, Any]) -> str | None:
        resource_type = dbt_resource_props["resource_type"]
        if resource_type == "seed":
            return REFERENCE_GROUP
        if resource_type == "model":
            # fqn = [project, folder under models/, ..., model]
            fqn = dbt_resource_props.get("fqn", [])
            if len(fqn) > 2 and fqn[1] in LAYERS:
                return fqn[1]
        return super().get_group_name(dbt_resource_props)


def _newest_input(project: DbtProject) -> Path:
    inputs = (project.project_dir / name for name in MANIFEST_INPUTS)
    files = [f for p in inputs for f in ([p] if p.is_file() else p.rglob("*")) if f.is_file()]
    return max(files, key=lambda f: f.stat().st_mtime)


def prepare_if_dev(project: DbtProject) -> None:
    """`dagster dev` parses the dbt project again when it loads (DbtProject.prepare_if_dev).

    That runs the `dbt` found on PATH, and `make dev` starts Dagster from the virtualenv without
    activating it: put the virtualenv's scripts first on PATH, as activating it would.
    """
    if project.preparer.using_dagster_dev():
        prepend_interpreter_scripts()
    project.prepare_if_dev()


def manifest_path(project: DbtProject) -> Path:
    """dbt's manifest: made by `make setup` (`dbt parse`), or by `dagster dev` when it loads.

    A stale manifest is refused: the assets would not match what `dbt build` runs, and the run
    would fail half-way on a model or test Dagster does not know.
    """
    prepare_if_dev(project)
    manifest = project.manifest_path
    if not manifest.exists():
        raise ManifestError(
            f"{manifest} is missing: run `make setup` (it runs `dbt parse`) before loading the "
            "Dagster definitions or running `leia run`."
        )
    newest = _newest_input(project)
    if newest.stat().st_mtime > manifest.stat().st_mtime:
        raise ManifestError(
            f"{manifest} is older than {newest.relative_to(project.project_dir)}: "
            "run `make setup` to parse the dbt project again."
        )
    return manifest


@functools.cache
def dbt_build_assets() -> AssetsDefinition:
    """The `dbt_build` assets, read from the manifest (ManifestError if it is missing or stale);
    made once per process."""
    project = dbt_project()

    @dbt_assets(
        manifest=manifest_path(project),
        project=project,
        # Tests on the raw sources stay observations: as checks of the raw assets, they would
        # make Dagster split this op in two (dbt runs twice) and run dbt in every sensor load.
        dagster_dbt_translator=LeiaDbtTranslator(),
        name="dbt_build",
    )
    def dbt_build(
        context: AssetExecutionContext,
        dbt: DbtCliResource,
        warehouse: DuckDBWarehouse,
        run_lock: RunLockResource,  # held for the whole run: no other run writes the build file
    ):
        yield from run_dbt_build(context, dbt, warehouse)

    return dbt_build


def run_dbt_build(
    context: AssetExecutionContext, dbt: DbtCliResource, warehouse: DuckDBWarehouse
) -> Iterator:
    # whose published figures gate the build (tests/dbt/assert_published_figures_reproduced)
    args = ["build", "--vars", json.dumps({"audited_reports": warehouse.audited_reports})]
    # the unit tests check the code on fixed inputs, not the data: they run in `make test` (the
    # demo builds of tests/conftest.py) and in a data engineer's `dbt build`, as dbt advises,
    # not in every scheduled run (16 nodes, 2 s of each run)
    args += ["--exclude-resource-type", "unit_test"]
    # the tests of the monthly models check the months they rebuild (macros/
    # monthly_partitions.sql): a month is rebuilt whole, the others were checked when they were
    with duckdb.connect(str(warehouse.build_database), read_only=True) as con:
        checked_months = months_dbt_rebuilds(con)
    if checked_months is not None:
        checked = ", ".join(checked_months) or "none (no month rebuilt)"
        context.log.info(f"tests of the monthly models check {checked}")
    with warehouse.dbt_environment(checked_months):
        invocation = dbt.cli(
            args, context=context, target_path=warehouse.dbt_target_path, raise_on_error=False
        )
        # held until dbt has exited: the row counts are read from the file dbt was writing
        events = list(invocation.stream())
    yield from with_table_metadata(context, events, warehouse)
    run_results = warehouse.dbt_target_path / "run_results.json"
    # read (the failing rows, read-only) before writing: one process cannot hold both
    rows = dbt_rows(dbt_test_outcomes(run_results, warehouse.build_database))
    with warehouse.connect() as con:
        record_results(con, context.run.run_id, DBT, rows)
    if not invocation.is_successful():
        # dbt says "Got 5 results": say which figures or rules failed, with their values
        details = failure_text(run_results, warehouse.build_database)
        raise Failure(
            description=f"dbt build failed:\n{details or 'see the dbt log above'}",
            allow_retries=False,
        )


def with_table_metadata(
    context: AssetExecutionContext, events: list, warehouse: DuckDBWarehouse
) -> Iterator:
    """The materialisations of the models and seeds, with their row count and column schema
    read from the build file (dagster-dbt's own fetch would open it while dbt writes it)."""
    con = duckdb.connect(str(warehouse.build_database), read_only=True)
    try:
        for event in events:
            if not isinstance(event, Output):
                yield event
                continue
            path = context.asset_key_for_output(event.output_name).path
            metadata = _table_metadata(con, path[-2], path[-1]) if len(path) >= 2 else {}
            yield event.with_metadata({**event.metadata, **metadata})
    finally:
        con.close()


def _table_metadata(con, schema: str, table: str) -> dict[str, MetadataValue]:
    try:
        columns = con.execute(
            "select column_name, data_type from information_schema.columns "
            "where table_schema = ? and table_name = ? order by ordinal_position",
            [schema, table],
        ).fetchall()
        if not columns:
            return {}
        (rows,) = con.execute(f'select count(*) from "{schema}"."{table}"').fetchone()
    except duckdb.Error:
        return {}
    return {
        "dagster/row_count": MetadataValue.int(rows),
        "dagster/column_schema": MetadataValue.table_schema(
            TableSchema(columns=[TableColumn(name, kind) for name, kind in columns])
        ),
    }
