"""Great Expectations suites as asset checks of the marts they guard.

One multi-asset check runs every suite in one validation (importing GX and reading the warehouse
once). A suite's check fails with severity error when an expectation that blocks fails: then the
assets downstream of the checked mart — the publication — are not materialised, and the
previously published warehouse stays as it was. Every rule of parameters.yml blocks but the
freshness suite's; a published figure blocks when its report is audited (LEIA_AUDITED_REPORTS,
an explicit setting: nothing is inferred from the data) and the seed does not mark it as a
known mismatch. The same rules judge every delivery, real or synthetic.
"""

from dagster import (
    AssetCheckExecutionContext,
    AssetCheckResult,
    AssetCheckSeverity,
    AssetCheckSpec,
    AssetKey,
    multi_asset_check,
)

from orchestration.defs.resources import DuckDBWarehouse, RunLockResource
from orchestration.extracts.load import available_months
from orchestration.quality.parameters import blocking_suites, suite_asset_keys
from orchestration.quality.results import GX, gx_rows, record_results

BLOCKING = set(blocking_suites())
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
def great_expectations(
    context: AssetCheckExecutionContext,
    warehouse: DuckDBWarehouse,
    run_lock: RunLockResource,  # a check run alone still reads a build file no run is writing
):
    from orchestration.quality.validate import suite_checks, validate_warehouse

    # every month delivered must be loaded: the period runs to the landing folder's newest month
    delivered = available_months(warehouse.landing)
    report = validate_warehouse(
        warehouse.build_database,
        warehouse.paths.layout.data_docs,
        parameters={"last_month": delivered[-1]} if delivered else None,
        audited_reports=warehouse.audited_reports,
        run_name=context.run.run_id,
    )
    keys = suite_asset_keys()
    with warehouse.connect() as con:  # kept as data, published with the warehouse
        record_results(con, context.run.run_id, GX, gx_rows(report, keys))
    for suite, check in suite_checks(report).items():
        yield AssetCheckResult(
            asset_key=AssetKey(keys[suite]),
            check_name=f"gx_{suite}",
            passed=check.success,
            severity=AssetCheckSeverity.ERROR if check.blocked else AssetCheckSeverity.WARN,
            metadata=check.metadata,
        )
