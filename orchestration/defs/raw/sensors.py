"""The landing sensor: a new or changed extract is loaded into the build file soon after it lands.

The sensor only loads (group `raw`); the marts are rebuilt and published by the daily refresh,
so a burst of files makes a burst of small loads, not one `dbt build` per file.
"""

import time

from dagster import (
    AssetSelection,
    DefaultSensorStatus,
    RunRequest,
    SensorEvaluationContext,
    SensorResult,
    SkipReason,
    define_asset_job,
    sensor,
)

from orchestration.changes import (
    SNAPSHOT_EXTRACTS,
    published_signatures,
    scan_landing,
    signatures_from_json,
    signatures_to_json,
    target_extract,
)
from orchestration.defs.raw.assets import GROUP as RAW_GROUP
from orchestration.defs.raw.assets import auth_events, raw_key
from orchestration.defs.raw.partitions import is_partition_month, partition_of_month
from orchestration.defs.resources import DuckDBWarehouse

INGEST_JOB = define_asset_job(
    "ingest_landing",
    selection=AssetSelection.groups(RAW_GROUP),
    description="Load landing extracts into the raw schema of the build file (not published).",
)
SETTLE_SECONDS = 60  # a file younger than this may still be being copied into the landing folder
SNAPSHOT_KEYS = {extract.name: raw_key(extract) for extract in SNAPSHOT_EXTRACTS}


@sensor(
    job=INGEST_JOB,
    minimum_interval_seconds=60,
    default_status=DefaultSensorStatus.RUNNING,
    description="Loads new or changed extract files of the landing folder (cursor: file sha256).",
)
def landing_sensor(context: SensorEvaluationContext, warehouse: DuckDBWarehouse):
    if context.cursor:
        previous = signatures_from_json(context.cursor)
    else:
        # first evaluation: what is already published need not be loaded again
        previous = published_signatures(warehouse.published_database) or {}
    scan = scan_landing(warehouse.landing, previous, now=time.time(), settle_seconds=SETTLE_SECONDS)
    if scan.settling:
        context.log.info(f"still being written, looked at next time: {scan.settling}")
    requests, snapshots = [], []
    for change in scan.changes:
        if change.month is None:
            snapshots.append(change)
        elif not is_partition_month(change.month):
            context.log.warning(f"ignored: {change.target} is before the first partition")
        else:
            requests.append(
                RunRequest(
                    run_key=change.run_key,
                    partition_key=partition_of_month(change.month),
                    asset_selection=[auth_events.key],
                    tags={"leia/source_file": "+".join(f.name for f in change.files)},
                )
            )
    if snapshots:
        requests.append(
            RunRequest(
                run_key="+".join(change.run_key for change in snapshots),
                asset_selection=list(
                    dict.fromkeys(SNAPSHOT_KEYS[target_extract(c.target)] for c in snapshots)
                ),
            )
        )
    cursor = signatures_to_json(scan.signatures)
    if not requests:
        return SensorResult(skip_reason=SkipReason("no new or changed extract"), cursor=cursor)
    return SensorResult(run_requests=requests, cursor=cursor)
