"""Write-audit-publish: runs write the build file; this asset makes it what BI tools read.

It depends on every asset of the warehouse, so it only runs once they (and the dbt tests that
stop `dbt build`) have succeeded in the same run. Its dependencies include the dbt assets, read
from the manifest: the asset is made by `publish_asset()`, not when the module is imported.
"""

import functools

from dagster import (
    AssetExecutionContext,
    AssetKey,
    AssetsDefinition,
    MaterializeResult,
    MetadataValue,
    asset,
)

from orchestration.defs.dbt.assets import dbt_build_assets
from orchestration.defs.raw.assets import RAW_ASSETS
from orchestration.defs.resources import DuckDBWarehouse, RunLockResource
from orchestration.publication import publish_database

GROUP = "publish"
PUBLISH_KEY = AssetKey("publish")


@functools.cache
def publish_asset() -> AssetsDefinition:
    """The `publish` asset, downstream of every raw and dbt asset (made once per process)."""

    @asset(
        group_name=GROUP,
        deps=[key for assets_def in (*RAW_ASSETS, dbt_build_assets()) for key in assets_def.keys],
        kinds={"duckdb"},
        description="Atomic copy of the build file to LEIA_HOME/leia.duckdb, the published "
        "warehouse.",
    )
    def publish(
        context: AssetExecutionContext, warehouse: DuckDBWarehouse, run_lock: RunLockResource
    ) -> MaterializeResult:
        publication = publish_database(warehouse.build_database, warehouse.published_database)
        context.log.info(f"published {publication.path} ({publication.size_bytes:,} bytes)")
        return MaterializeResult(
            metadata={
                "path": MetadataValue.path(str(publication.path)),
                "size_bytes": MetadataValue.int(publication.size_bytes),
                "tables": MetadataValue.int(publication.tables),
            }
        )

    return publish
