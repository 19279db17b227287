"""The Dagster code location of the warehouse (`dagster dev` loads `defs`)."""

from __future__ import annotations

from collections.abc import Mapping

from dagster import Definitions, LoggerDefinition, in_process_executor

from orchestration.assets.bi import BI_JOB, bi_site
from orchestration.assets.dbt import dbt_build
from orchestration.assets.publish import publish
from orchestration.assets.quality import great_expectations
from orchestration.assets.raw import RAW_ASSETS
from orchestration.resources import (
    DAGSTER_LOCK_WAIT_SECONDS,
    DuckDBWarehouse,
    RunLockResource,
    dbt_cli,
)
from orchestration.schedules import WAREHOUSE_JOB, daily_refresh
from orchestration.sensors import INGEST_JOB, landing_sensor
from orchestration.settings import Paths


def build_definitions(
    paths: Paths | None = None,
    loggers: Mapping[str, LoggerDefinition] | None = None,
    audited_reports: str | None = None,
    lock_wait_seconds: float = DAGSTER_LOCK_WAIT_SECONDS,
) -> Definitions:
    """The definitions for a landing folder and a LEIA_HOME (default: LEIA_LANDING, LEIA_HOME)
    and the reports whose figures gate a publication (default: LEIA_AUDITED_REPORTS).
    A run that writes the warehouse waits up to `lock_wait_seconds` for LEIA_HOME's run lock."""
    return Definitions(
        assets=[*RAW_ASSETS, dbt_build, publish, bi_site],
        asset_checks=[great_expectations],
        jobs=[WAREHOUSE_JOB, INGEST_JOB, BI_JOB],
        schedules=[daily_refresh],
        sensors=[landing_sensor],
        resources={
            "warehouse": DuckDBWarehouse.from_paths(paths or Paths.from_env(), audited_reports),
            "dbt": dbt_cli(),
            # one run at a time in LEIA_HOME, for the whole run (orchestration/run_lock.py)
            "run_lock": RunLockResource(
                home_dir=str((paths or Paths.from_env()).home), wait_seconds=lock_wait_seconds
            ),
        },
        loggers=loggers,
        # one process runs the steps one after the other: DuckDB takes one writer per file, and
        # a process per step would import the definitions (and the dbt manifest) again each time
        executor=in_process_executor,
    )


defs = build_definitions()
