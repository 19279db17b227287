"""The dbt project as assets: seeds (group `reference`), staging, intermediate and marts models.

dbt tests become asset checks (dagster-dbt's default). `dbt build` runs them after each model, and
a failing test of severity error stops the build: the step fails and nothing is published.
"""

from collections.abc import Mapping
from typing import Any

from dagster import AssetExecutionContext, AssetKey, AssetMaterialization, Output
from dagster_dbt import DagsterDbtTranslator, DbtCliResource, dbt_assets

from orchestration.assets.raw import GROUP as RAW_GROUP
from orchestration.extracts.load import RAW_SCHEMA
from orchestration.resources import DuckDBWarehouse, dbt_project

REFERENCE_GROUP = "reference"
LAYER_GROUPS = {"staging": "staging", "intermediate": "intermediate", "marts": "marts"}

DBT_PROJECT = dbt_project()


class ManifestMissingError(FileNotFoundError):
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
            if len(fqn) > 2 and fqn[1] in LAYER_GROUPS:
                return LAYER_GROUPS[fqn[1]]
        return super().get_group_name(dbt_resource_props)


def manifest_path():
    """dbt's manifest, parsed again by `dagster dev` (prepare_if_dev), else made by `make setup`."""
    DBT_PROJECT.prepare_if_dev()
    if not DBT_PROJECT.manifest_path.exists():
        raise ManifestMissingError(
            f"{DBT_PROJECT.manifest_path} is missing: run `make setup` (it runs `dbt parse`) "
            "before loading the Dagster definitions or running `leia run`."
        )
    return DBT_PROJECT.manifest_path


@dbt_assets(
    manifest=manifest_path(),
    project=DBT_PROJECT,
    dagster_dbt_translator=LeiaDbtTranslator(),
    name="dbt_build",
)
def dbt_build(context: AssetExecutionContext, dbt: DbtCliResource, warehouse: DuckDBWarehouse):
    with warehouse.dbt_environment():
        invocation = dbt.cli(["build"], context=context, target_path=warehouse.dbt_target_path)
    for event in invocation.stream():
        if isinstance(event, Output | AssetMaterialization):
            key = event.asset_key if isinstance(event, AssetMaterialization) else event.output_name
            context.log.info(f"dbt built {key}")
        yield event
