"""The BI site (reports/, Evidence), rebuilt from the published warehouse (docs/bi.md).

Not part of the warehouse job: building the site needs Node and takes minutes, and the warehouse
is usable without it. Materialise it from Dagster (job `leia_bi_site`) or with `leia report`.
"""

from dagster import (
    AssetExecutionContext,
    AssetSelection,
    MaterializeResult,
    MetadataValue,
    asset,
    define_asset_job,
)

from orchestration.bi import PAGES
from orchestration.bi_site import build_site
from orchestration.defs.publish.assets import PUBLISH_KEY
from orchestration.defs.resources import DuckDBWarehouse

GROUP = "bi"


@asset(
    group_name=GROUP,
    deps=[PUBLISH_KEY],
    kinds={"evidence"},
    description="Static BI site built by Evidence from the published warehouse (LEIA_HOME/site).",
)
def bi_site(context: AssetExecutionContext, warehouse: DuckDBWarehouse) -> MaterializeResult:
    site = build_site(warehouse.published_database, warehouse.home)
    context.log.info(f"BI site built: {site}")
    return MaterializeResult(
        metadata={"site": MetadataValue.path(str(site)), "pages": MetadataValue.int(len(PAGES))}
    )


BI_JOB = define_asset_job(
    "leia_bi_site",
    # the site only: the group also holds the dbt models of models/bi/, built by `dbt build`
    selection=AssetSelection.assets(bi_site),
    description="Build the BI site from the published warehouse (needs Node, see docs/bi.md).",
)
