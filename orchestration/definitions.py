"""The Dagster code location of the warehouse: it only assembles the tools of orchestration/defs/.

`dagster dev` (pyproject's [tool.dagster], or `-m orchestration.definitions`) loads
`leia_definitions`, a lazy `@definitions` function; tests and `leia run` call
`build_definitions(...)`. Importing this module builds nothing: the dbt assets are read from
dbt's manifest when the definitions are built, and the process's environment (telemetry off,
DBT_PROFILES_DIR) is set then, by `apply_process_environment()`. `defs` is still an attribute
of the module (made on first access) for the code that imports it.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping

from dagster import Definitions, LoggerDefinition, definitions, in_process_executor

from orchestration.defs.bi.assets import BI_JOB, bi_site
from orchestration.defs.bilan.assets import BILAN_JOB, bilan_document
from orchestration.defs.dbt.assets import dbt_build_assets
from orchestration.defs.dbt.resources import dbt_cli
from orchestration.defs.publish.assets import publish_asset
from orchestration.defs.publish.schedules import WAREHOUSE_JOB, daily_refresh
from orchestration.defs.quality.checks import great_expectations
from orchestration.defs.raw.assets import RAW_ASSETS
from orchestration.defs.raw.sensors import INGEST_JOB, landing_sensor
from orchestration.defs.resources import (
    DAGSTER_LOCK_WAIT_SECONDS,
    DuckDBWarehouse,
    RunLockResource,
)
from orchestration.settings import Paths, apply_process_environment


def build_definitions(
    paths: Paths | None = None,
    loggers: Mapping[str, LoggerDefinition] | None = None,
    audited_reports: str | None = None,
    lock_wait_seconds: float = DAGSTER_LOCK_WAIT_SECONDS,
) -> Definitions:
    """The definitions for a landing folder and a LEIA_HOME (default: LEIA_LANDING, LEIA_HOME)
    and the reports whose figures gate a publication (default: LEIA_AUDITED_REPORTS).
    A run that writes the warehouse waits up to `lock_wait_seconds` for LEIA_HOME's run lock."""
    apply_process_environment()  # before dbt, Dagster or GX run: nothing phones home
    paths = paths or Paths.from_env()
    return Definitions(
        assets=[*RAW_ASSETS, dbt_build_assets(), publish_asset(), bi_site, bilan_document],
        asset_checks=[great_expectations],
        jobs=[WAREHOUSE_JOB, INGEST_JOB, BI_JOB, BILAN_JOB],
        schedules=[daily_refresh],
        sensors=[landing_sensor],
        resources={
            "warehouse": DuckDBWarehouse.from_paths(paths, audited_reports),
            "dbt": dbt_cli(),
            # one run at a time in LEIA_HOME, for the whole run (orchestration/run_lock.py)
            "run_lock": RunLockResource(home_dir=str(paths.home), wait_seconds=lock_wait_seconds),
        },
        loggers=loggers,
        # one process runs the steps one after the other: DuckDB takes one writer per file, and
        # a process per step would import the definitions (and the dbt manifest) again each time
        executor=in_process_executor,
    )


@definitions
def leia_definitions() -> Definitions:
    """What `dagster dev` loads: the definitions of LEIA_LANDING and LEIA_HOME."""
    return build_definitions()


@functools.cache
def _default_definitions() -> Definitions:
    return build_definitions()


def __getattr__(name: str) -> Definitions:
    # `from orchestration.definitions import defs`: built on first access, once
    if name == "defs":
        return _default_definitions()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
