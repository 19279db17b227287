"""The daily refresh: load what changed in the landing folder, rebuild the marts, publish.

Changes are judged against the published warehouse (its raw.load_log): a month the landing
sensor already loaded into the build file is not published until this run has rebuilt the marts.
"""

from dagster import (
    AssetSelection,
    DefaultScheduleStatus,
    RunRequest,
    ScheduleEvaluationContext,
    SkipReason,
    define_asset_job,
    schedule,
)

from orchestration.defs.bi.assets import bi_site
from orchestration.defs.bilan.assets import bilan_document
from orchestration.defs.dbt.assets import dbt_build_assets
from orchestration.defs.publish.assets import publish_asset
from orchestration.defs.raw.assets import SNAPSHOT_ASSETS, landing_files
from orchestration.defs.raw.partitions import TIME_ZONE
from orchestration.defs.resources import DuckDBWarehouse
from orchestration.months import months_to_load, range_tags

WAREHOUSE_JOB = define_asset_job(
    "leia_warehouse",
    # the BI site needs Node and the Bilan documents Chromium: each is made by its own job
    # (orchestration/defs/bi/, defs/bilan/); the dbt models of models/bi/ are part of `dbt build`
    selection=AssetSelection.all() - AssetSelection.assets(bi_site, bilan_document),
    description="Load the extracts, run `dbt build` (models and tests) and publish the warehouse.",
)


def unpartitioned_keys() -> list:
    """Every asset of the warehouse job but the partitioned auth_events (reads the dbt assets:
    called when a run is requested, never at import)."""
    assets = (*SNAPSHOT_ASSETS, landing_files, dbt_build_assets(), publish_asset())
    return [key for a in assets for key in a.keys]


def warehouse_run(months: list[str], tags: dict[str, str] | None = None) -> RunRequest:
    """One run of the whole graph loading `months`; the snapshot assets load the snapshot files
    that are new or changed (every one with the FULL_RELOAD_TAG)."""
    if months:
        return RunRequest(tags={**(tags or {}), **range_tags(months)})
    # no month to load: a run without partitions cannot include the partitioned asset
    return RunRequest(tags=tags, asset_selection=unpartitioned_keys())


@schedule(
    job=WAREHOUSE_JOB,
    cron_schedule="0 6 * * *",
    execution_timezone=TIME_ZONE,
    default_status=DefaultScheduleStatus.RUNNING,
    description="06:00: load new or changed extracts, rebuild and publish (skipped if none).",
)
def daily_refresh(context: ScheduleEvaluationContext, warehouse: DuckDBWarehouse):
    plan = months_to_load(warehouse.landing, warehouse.published_database, skip_purged=False)
    months, snapshots = plan.months, plan.snapshots
    if plan.out_of_scope:
        context.log.warning(
            f"ignored: auth_events of {plan.out_of_scope}, before the first partition"
        )
    if not months and not snapshots:
        return SkipReason(
            f"no new or changed extract in {warehouse.landing} since the last publication"
        )
    context.log.info(f"new or changed: {', '.join(months + snapshots)}")
    return warehouse_run(months, tags={"leia/trigger": "daily_refresh"})
