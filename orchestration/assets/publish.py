"""Write-audit-publish: runs write the build file; this asset makes it what BI tools read.

It depends on every asset of the warehouse, so it only runs once they (and the dbt tests that
stop `dbt build`) have succeeded in the same run.
"""

from dagster import AssetExecutionContext, MaterializeResult, MetadataValue, asset

from orchestration.assets.dbt import dbt_build
from orchestration.assets.raw import RAW_ASSETS
from orchestration.pipeline import publish_database
from orchestration.resources import DuckDBWarehouse, RunLockResource

GROUP = "publish"


@asset(
    group_name=GROUP,
    deps=[key for assets_def in (*RAW_ASSETS, dbt_build) for key in assets_def.keys],
    kinds={"duckdb"},
    description="Atomic copy of the build file to LEIA_HOME/leia.duckdb, the published warehouse.",
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
