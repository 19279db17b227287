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

from orchestration.assets.bi import bi_site
from orchestration.assets.dbt import dbt_build
from orchestration.assets.publish import publish
from orchestration.assets.raw import SNAPSHOT_ASSETS, landing_files
from orchestration.partitions import TIME_ZONE
from orchestration.pipeline import range_tags, split_months, stale_targets, target_month
from orchestration.resources import DuckDBWarehouse

WAREHOUSE_JOB = define_asset_job(
    "leia_warehouse",
    # the BI site needs Node and is built by its own job (orchestration/assets/bi.py); the dbt
    # models of models/bi/, in the same group, are part of `dbt build`
    selection=AssetSelection.all() - AssetSelection.assets(bi_site),
    description="Load the extracts, run `dbt build` (models and tests) and publish the warehouse.",
)
UNPARTITIONED_KEYS = [
    key for a in (*SNAPSHOT_ASSETS, landing_files, dbt_build, publish) for key in a.keys
]


def warehouse_run(months: list[str], tags: dict[str, str] | None = None) -> RunRequest:
    """One run of the whole graph loading `months`; the snapshot assets load the snapshot files
    that are new or changed (every one with the FULL_RELOAD_TAG)."""
    if months:
        return RunRequest(tags={**(tags or {}), **range_tags(months)})
    # no month to load: a run without partitions cannot include the partitioned asset
    return RunRequest(tags=tags, asset_selection=UNPARTITIONED_KEYS)


@schedule(
    job=WAREHOUSE_JOB,
    cron_schedule="0 6 * * *",
    execution_timezone=TIME_ZONE,
    default_status=DefaultScheduleStatus.RUNNING,
    description="06:00: load new or changed extracts, rebuild and publish (skipped if none).",
)
def daily_refresh(context: ScheduleEvaluationContext, warehouse: DuckDBWarehouse):
    stale = stale_targets(warehouse.landing, warehouse.published_database)
    months, out_of_scope = split_months(m for t in stale if (m := target_month(t)))
    if out_of_scope:
        context.log.warning(f"ignored: auth_events of {out_of_scope}, before the first partition")
    snapshots = [t for t in stale if target_month(t) is None]
    if not months and not snapshots:
        return SkipReason(
            f"no new or changed extract in {warehouse.landing} since the last publication"
        )
    context.log.info(f"new or changed: {', '.join(months + snapshots)}")
    return warehouse_run(months, tags={"leia/trigger": "daily_refresh"})
