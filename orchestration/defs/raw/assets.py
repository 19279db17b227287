"""The `raw` schema of the build file: the landing extracts, checked and pseudonymised.

The assets only call the loader (orchestration.extracts.load): one load replaces one month of
logs, or a whole snapshot table, atomically. Rows breaking the contract do not fail the load:
they are quarantined in raw.rejected_rows and counted in the materialization's metadata. A file
that cannot be loaded at all (unreadable, wrong header, no file) fails the step with the
loader's message.

Every asset here requires the `run_lock` resource without using it: set up once per run, it
holds LEIA_HOME's run lock for the whole run (orchestration/run_lock.py), so no other run loads
into the build file between this run's steps.
"""

from collections.abc import Iterator
from contextlib import contextmanager

from dagster import (
    AssetExecutionContext,
    AssetKey,
    AssetsDefinition,
    BackfillPolicy,
    Failure,
    MaterializeResult,
    MetadataValue,
    asset,
)

from orchestration.changes import SNAPSHOT_EXTRACTS, without_purged
from orchestration.defs.raw.freshness import MONTHLY_DELIVERY, WEEKLY_LOADS
from orchestration.defs.raw.partitions import MONTHLY, month_of_partition
from orchestration.defs.resources import DuckDBWarehouse, RunLockResource
from orchestration.extracts import contract
from orchestration.extracts.contract import Extract
from orchestration.extracts.load import LoadResult, available_months, load_months, load_snapshots
from orchestration.extracts.preflight import LoadError
from orchestration.extracts.pseudonymise import PseudonymisationError
from orchestration.extracts.raw_schema import RAW_SCHEMA, ensure_raw_schema
from orchestration.landing import WARNING, account_landing, not_loaded, record_landing

GROUP = "raw"
# a run tagged so reloads every snapshot file, changed or not (`leia run --full`)
FULL_RELOAD_TAG = "leia/full_reload"
# a run tagged so rebuilds the warehouse with the current pseudonymisation key, whatever key it
# was loaded with (`leia run --full --rekey`: every month and snapshot is reloaded)
REKEY_TAG = "leia/rekey"


def run_pseudonymiser(context: AssetExecutionContext, warehouse: DuckDBWarehouse):
    return warehouse.pseudonymiser(rekey=context.run.tags.get(REKEY_TAG) == "true")


def raw_key(extract: Extract) -> AssetKey:
    """raw/<table>: also the key the dbt sources of schema `raw` are given."""
    return AssetKey([GROUP, extract.name])


def load_metadata_json(result: LoadResult) -> dict[str, object]:
    return {
        "source_file": result.source_file,
        "rows_loaded": result.rows_loaded,
        "rows_rejected": result.rows_rejected,
        "rejected_by_reason": result.rejected_by_reason,
    }


def load_metadata(result: LoadResult) -> dict[str, MetadataValue]:
    return {
        "rows_loaded": MetadataValue.int(result.rows_loaded),
        "rows_rejected": MetadataValue.int(result.rows_rejected),
        "rejected_by_reason": MetadataValue.json(result.rejected_by_reason),
        "source_file": MetadataValue.text(result.source_file),
        "dagster/row_count": MetadataValue.int(result.rows_loaded),
    }


def _log_result(context: AssetExecutionContext, result: LoadResult) -> None:
    context.log.info(
        f"{result.source_file}: {result.rows_loaded:,} rows loaded, "
        f"{result.rows_rejected:,} rejected"
        + (f" ({_phases_text(result.seconds_by_phase)})" if result.seconds_by_phase else "")
    )
    if result.rows_rejected:
        context.log.warning(
            f"{result.source_file}: {result.rows_rejected:,} rows quarantined in "
            f"raw.rejected_rows ({result.rejected_by_reason})"
        )


def _phases_text(seconds_by_phase: dict[str, float]) -> str:
    return ", ".join(f"{phase} {seconds:.2f} s" for phase, seconds in seconds_by_phase.items())


@contextmanager
def _load_errors_fail_the_step() -> Iterator[None]:
    """The loader's message is the useful part: show it rather than a Python traceback."""
    try:
        yield
    except (LoadError, PseudonymisationError) as error:
        raise Failure(description=str(error), allow_retries=False) from error


@asset(
    key=raw_key(contract.AUTH_EVENTS),
    group_name=GROUP,
    partitions_def=MONTHLY,
    # a run can load a range of months in one step, so that dbt builds once after all of them
    backfill_policy=BackfillPolicy.single_run(),
    kinds={"duckdb"},
    freshness_policy=MONTHLY_DELIVERY,
    description="Authentication logs, one partition per monthly extract auth_events_YYYY-MM.",
)
def auth_events(
    context: AssetExecutionContext, warehouse: DuckDBWarehouse, run_lock: RunLockResource
) -> None:
    months = {key: month_of_partition(key) for key in context.partition_keys}
    missing = sorted(set(months.values()) - set(available_months(warehouse.landing)))
    if missing:
        # checked before loading anything: a range is loaded whole or not at all
        raise Failure(
            description=(
                f"{contract.AUTH_EVENTS.folder(warehouse.landing)}: no file for "
                f"{', '.join(missing)} (expected auth_events_YYYY-MM.csv.gz, one per month)"
            ),
            allow_retries=False,
        )
    # a purged month's retention period is over: its events never come back (docs/reliability.md)
    keys = {month: key for key, month in months.items()}
    to_load, purged_note = without_purged(warehouse.build_database, keys)
    if purged_note:
        context.log.warning(purged_note)

    def loaded(result: LoadResult) -> None:
        context.add_asset_metadata(load_metadata(result), partition_key=keys[result.partition_key])
        _log_result(context, result)

    with _load_errors_fail_the_step(), warehouse.connect() as con:
        load_months(
            con,
            warehouse.landing,
            to_load,
            run_pseudonymiser(context, warehouse),
            on_loaded=loaded,
        )


def snapshot_asset(extract: Extract) -> AssetsDefinition:
    """Every dated snapshot of an extract is kept: a new or changed snapshot file replaces its
    own snapshot date only (the newest snapshot is the "current" one)."""

    @asset(
        key=raw_key(extract),
        group_name=GROUP,
        kinds={"duckdb"},
        freshness_policy=WEEKLY_LOADS,
        description=f"Dated {extract.name} snapshots ({extract.name}_YYYY-MM-DD), all kept.",
    )
    def _snapshot(
        context: AssetExecutionContext, warehouse: DuckDBWarehouse, run_lock: RunLockResource
    ) -> MaterializeResult:
        with _load_errors_fail_the_step(), warehouse.connect() as con:
            results = load_snapshots(
                con,
                warehouse.landing,
                extract,
                run_pseudonymiser(context, warehouse),
                only_changed=context.run.tags.get(FULL_RELOAD_TAG) != "true",
            )
            snapshots = con.execute(
                f"select cast(snapshot_date as varchar), count(*) from {RAW_SCHEMA}.{extract.name} "
                "group by 1 order by 1"
            ).fetchall()
        for result in results:
            _log_result(context, result)
        if not results:
            context.log.info(f"{extract.name}: no new or changed snapshot")
        return MaterializeResult(
            metadata={
                "snapshots_loaded": MetadataValue.json(
                    {r.partition_key: load_metadata_json(r) for r in results}
                ),
                "rows_by_snapshot": MetadataValue.json(dict(snapshots)),
                "dagster/row_count": MetadataValue.int(sum(count for _, count in snapshots)),
            }
        )

    return _snapshot


SNAPSHOT_ASSETS = tuple(snapshot_asset(extract) for extract in SNAPSHOT_EXTRACTS)
LOAD_ASSETS = (auth_events, *SNAPSHOT_ASSETS)


def bookkeeping_asset(table: str, description: str) -> AssetsDefinition:
    """A table every load writes (dbt reads it as a source): materializing it reports its rows.

    Without it, the dbt sources on these tables would be assets nothing produces.
    """

    @asset(
        key=[GROUP, table],
        group_name=GROUP,
        deps=[a.key for a in LOAD_ASSETS],
        kinds={"duckdb"},
        freshness_policy=WEEKLY_LOADS,
        description=description,
    )
    def _bookkeeping(
        context: AssetExecutionContext, warehouse: DuckDBWarehouse, run_lock: RunLockResource
    ) -> MaterializeResult:
        with warehouse.connect() as con:
            ensure_raw_schema(con)
            rows = dict(
                con.execute(
                    f"select extract, count(*) from {RAW_SCHEMA}.{table} group by 1 order by 1"
                ).fetchall()
            )
        context.log.info(f"{RAW_SCHEMA}.{table}: {rows or 'empty'}")
        return MaterializeResult(
            metadata={
                "rows_by_extract": MetadataValue.json(rows),
                "dagster/row_count": MetadataValue.int(sum(rows.values())),
            }
        )

    return _bookkeeping


BOOKKEEPING_ASSETS = (
    bookkeeping_asset("rejected_rows", "Lines the loads quarantined, with the rule they broke."),
    bookkeeping_asset("load_log", "One row per loaded file: sha256, rows loaded and rejected."),
)


@asset(
    key=[GROUP, "landing_files"],
    group_name=GROUP,
    kinds={"duckdb"},
    description="Every file of the landing folder and why it is or is not loaded "
    "(orchestration/landing.py): misnamed deliveries are warnings naming the expected form.",
)
def landing_files(
    context: AssetExecutionContext, warehouse: DuckDBWarehouse, run_lock: RunLockResource
) -> MaterializeResult:
    files = account_landing(warehouse.landing)
    with warehouse.connect() as con:
        record_landing(con, files)
    for file in not_loaded(files):
        if file.status == WARNING:
            context.log.warning(f"not loaded, check the delivery: {file.line()}")
        else:
            context.log.info(f"not loaded: {file.line()}")
    return MaterializeResult(
        metadata={
            "files": MetadataValue.int(len(files)),
            "extracts": MetadataValue.int(sum(f.loaded for f in files)),
            "not_loaded": MetadataValue.json({f.path: f.reason for f in not_loaded(files)}),
            "warnings": MetadataValue.int(sum(f.status == WARNING for f in files)),
            # the newest month delivered, loaded or not: what the next run will bring
            "newest_month_delivered": MetadataValue.text(
                max(
                    (f.partition_key for f in files if f.loaded and f.extract == "auth_events"),
                    default="none",
                )
            ),
        }
    )


RAW_ASSETS = (*LOAD_ASSETS, *BOOKKEEPING_ASSETS, landing_files)
