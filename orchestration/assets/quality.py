"""Great Expectations suites as asset checks of the marts they guard.

One multi-asset check runs every suite in one validation (importing GX and reading the warehouse
once). The suites that guard the report's figures are blocking: when one fails, the assets
downstream of the checked mart — the publication — are not materialised, and the previously
published warehouse stays as it was.

Synthetic extracts at another scale than the report's cannot reproduce its figures: the suites
of figures then warn instead of blocking (as the dbt audit test does); the raw suite (months
present, rejected lines) blocks whatever the data.
"""

from dagster import (
    AssetCheckExecutionContext,
    AssetCheckResult,
    AssetCheckSeverity,
    AssetCheckSpec,
    AssetKey,
    multi_asset_check,
)

from orchestration.assets.dbt import dbt_vars
from orchestration.quality.suites import blocking_suites, suite_asset_keys
from orchestration.resources import DuckDBWarehouse

BLOCKING = set(blocking_suites())
ALWAYS_BLOCKING = {"raw"}  # holds on any data, calibrated on the report or not
SPECS = [
    AssetCheckSpec(
        name=f"gx_{suite}",
        asset=AssetKey(key),
        blocking=suite in BLOCKING,
        description=f"Great Expectations suite `{suite}` (expectations/parameters.yml)",
    )
    for suite, key in suite_asset_keys().items()
]


@multi_asset_check(specs=SPECS, name="great_expectations", description=__doc__)
def great_expectations(context: AssetCheckExecutionContext, warehouse: DuckDBWarehouse):
    from orchestration.quality.suites import suite_checks, validate_warehouse

    report = validate_warehouse(
        warehouse.build_database,
        warehouse.home / "gx_data_docs",
        run_name=context.run.run_id,
    )
    keys = suite_asset_keys()
    report_data = not dbt_vars(warehouse.landing)
    for suite, check in suite_checks(report).items():
        blocks = check.blocking and (report_data or suite in ALWAYS_BLOCKING)
        yield AssetCheckResult(
            asset_key=AssetKey(keys[suite]),
            check_name=f"gx_{suite}",
            passed=check.success,
            severity=AssetCheckSeverity.ERROR if blocks else AssetCheckSeverity.WARN,
            metadata=check.metadata,
        )
