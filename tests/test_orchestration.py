"""The Dagster orchestration, for real: no mocks, real Dagster, dbt and DuckDB.

Fast tests check the definitions, the landing sensor, the daily schedule and the failure of a
load. The tests marked `slow` share one whole run of `leia run` (every month loaded, `dbt build`,
publication) on a small generated data set with a few broken lines in one month.

Longer than 350 lines because the slow tests share one whole `leia run`, the fixture that
makes this module worth running; split, each module would need its own run.
"""

from __future__ import annotations

import contextlib
import csv
import gzip
import io
import json
import os
import re
import shutil
import time
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pytest
from dagster import (
    AssetKey,
    AssetRecordsFilter,
    RunRequest,
    SkipReason,
    build_schedule_context,
    build_sensor_context,
    in_process_executor,
)

from orchestration import cli
from orchestration.definitions import build_definitions, defs
from orchestration.defs.publish.schedules import WAREHOUSE_JOB, daily_refresh, unpartitioned_keys
from orchestration.defs.raw.sensors import INGEST_JOB, landing_sensor
from orchestration.defs.resources import DuckDBWarehouse
from orchestration.extracts import contract
from orchestration.extracts.pseudonymise import SYNTHETIC_MARKER
from orchestration.extracts.raw_schema import file_sha256
from orchestration.instance import dagster_instance
from orchestration.months import RANGE_END_TAG, RANGE_START_TAG
from orchestration.settings import PROJECT_DIR, Paths
from orchestration.synthetic.generate import generate
from tests.conftest import month_path, read_lines, write_lines

SEED = 11
SCALE = 0.01
BROKEN_MONTH = "2016-03"
AUTH_EVENTS = AssetKey(["raw", "auth_events"])
EXPECTED_REJECTIONS = {
    "bad_timestamp": 1,
    "column_count": 1,
    "unknown_profile": 1,
    "unknown_uai": 1,
}


# ------------------------------------------------------------------------------------ helpers
def data_lines(path: Path) -> int:
    return len(read_lines(path)) - 1


def logins(landing: Path) -> set[str]:
    (path,) = contract.ACCOUNTS.files(landing)
    with gzip.open(path, "rt", encoding="utf-8") as handle:
        return {row["login"] for row in csv.DictReader(handle)}


def age(path: Path, seconds: float) -> None:
    """Backdate a file: the sensor leaves files younger than a minute for a later tick."""
    moment = time.time() - seconds
    os.utime(path, (moment, moment))


def age_landing(landing: Path, seconds: float = 3600) -> None:
    for path in landing.rglob("*.csv.gz"):
        age(path, seconds)


def broken_lines(good_line: str) -> list[str]:
    """One line per rule: bad timestamp, unknown UAI, unknown profile, wrong column count."""
    fields = good_line.split(",")
    bad_time = ["2016-03-07 8h15", *fields[1:]]
    unknown_uai = [*fields[:3], "9999999Z", *fields[4:]]
    unknown_profile = [*fields[:2], "National_XYZ", *fields[3:]]
    return [",".join(bad_time), ",".join(unknown_uai), ",".join(unknown_profile)] + [
        ",".join(fields[:-1])
    ]


def copy_landing(source: Path, target: Path) -> Path:
    shutil.copytree(source, target)
    return target


def query(database: Path, sql: str, parameters: list | None = None) -> list[tuple]:
    con = duckdb.connect(str(database), read_only=True)
    try:
        return con.execute(sql, parameters or []).fetchall()
    finally:
        con.close()


def scalar(database: Path, sql: str, parameters: list | None = None):
    return query(database, sql, parameters)[0][0]


# ----------------------------------------------------------------------------------- fixtures
@pytest.fixture(scope="session")
def generated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    landing = tmp_path_factory.mktemp("generated")
    generate(landing, seed=SEED, scale=SCALE)
    return landing


@dataclass(frozen=True)
class Built:
    paths: Paths
    exit_code: int
    summary: str

    @property
    def build_database(self) -> Path:
        return DuckDBWarehouse.from_paths(self.paths).build_database


@pytest.fixture(scope="session")
def built(generated: Path, tmp_path_factory: pytest.TempPathFactory) -> Built:
    """`leia run` once, on the generated extracts with 4 broken lines added to one month."""
    root = tmp_path_factory.mktemp("built")
    landing = copy_landing(generated, root / "landing")
    path = month_path(landing, BROKEN_MONTH)
    lines = read_lines(path)
    write_lines(path, lines + broken_lines(lines[1]))
    paths = Paths(landing=landing, home=root / "home")
    summary = io.StringIO()
    with contextlib.redirect_stdout(summary):
        exit_code = cli.main(
            ["run", "--landing", str(paths.landing), "--warehouse-dir", str(paths.home)]
            + ["--audited-reports", "none"]
        )
    return Built(paths, exit_code, summary.getvalue())


# -------------------------------------------------------------------------------- definitions
def test_definitions_hold_every_asset_check_schedule_and_sensor() -> None:
    graph = defs.resolve_asset_graph()
    keys = {key.to_user_string(): key for key in graph.get_all_asset_keys()}
    groups = {name: graph.get(key).group_name for name, key in keys.items()}

    for table in ("accounts", "auth_events", "pedagogical_sequences", "rejected_rows", "load_log"):
        assert groups[f"raw/{table}"] == "raw"
        assert graph.get(keys[f"raw/{table}"]).is_materializable, "a raw table nothing produces"
    assert groups["publish"] == "publish"
    for seed in (PROJECT_DIR / "seeds").glob("*.csv"):
        assert groups[f"reference/{seed.stem}"] == "reference"
    for model in (PROJECT_DIR / "models").rglob("*.sql"):
        layer = model.relative_to(PROJECT_DIR / "models").parts[0]
        assert groups[f"{layer}/{model.stem}"] == layer

    # the dbt sources on the raw tables are the raw assets: raw -> staging
    staging_events = graph.get(keys["staging/stg_raw__auth_events"])
    assert AUTH_EVENTS in staging_events.parent_keys
    # publication comes after everything else
    # publish waits for everything but itself and the BI site, which is built from it; the only
    # asset no step materializes is the table the run's checks write after dbt, which the dbt
    # source of bi_validation_results names (it is in the file publish copies)
    external = {key for key in keys.values() if not graph.get(key).is_materializable}
    assert external == {keys["quality/validation_results"]}
    assert set(graph.get(keys["publish"]).parent_keys) == set(keys.values()) - external - {
        keys["publish"],
        keys["bi_site"],
        keys["bilan_document"],
    }
    assert graph.get(keys["bi_site"]).parent_keys == {keys["publish"]}
    assert graph.get(keys["bilan_document"]).parent_keys == {keys["publish"]}
    # the warehouse job builds the dbt models the site reads (group bi), not the site itself
    selected = defs.resolve_job_def(WAREHOUSE_JOB.name).asset_layer.selected_asset_keys
    assert keys["bi/bi_validation_results"] in selected and keys["bi_site"] not in selected
    assert keys["bilan_document"] not in selected

    # every dbt test attached to a model or seed is an asset check
    manifest = json.loads((PROJECT_DIR / "target" / "manifest.json").read_text())
    attached = {
        test["name"]
        for test in manifest["nodes"].values()
        if test["resource_type"] == "test"
        and (test.get("attached_node") or "").split(".")[0] in ("model", "seed")
    }
    checks = {check.name for check in graph.asset_check_keys}
    assert attached and attached <= checks

    partitions = graph.get(AUTH_EVENTS).partitions_def
    assert partitions.get_first_partition_key() == "2015-09-01"
    assert partitions.has_partition_key("2018-01-01")

    # steps run one after the other in one process: DuckDB takes one writer per file
    for job in (WAREHOUSE_JOB.name, INGEST_JOB.name):
        assert defs.resolve_job_def(job).executor_def is in_process_executor
    assert defs.resolve_implicit_global_asset_job_def().executor_def is in_process_executor
    schedule = defs.resolve_schedule_def("daily_refresh")
    assert (schedule.cron_schedule, schedule.execution_timezone) == ("0 6 * * *", "Europe/Paris")
    assert defs.resolve_sensor_def("landing_sensor")


def test_dagster_instance_queues_one_run_at_a_time_without_telemetry(tmp_path: Path) -> None:
    with dagster_instance(tmp_path) as instance:
        assert type(instance.run_coordinator).__name__ == "QueuedRunCoordinator"
        assert instance.get_concurrency_config().run_queue_config.max_concurrent_runs == 1
        assert not instance.telemetry_enabled
    assert (tmp_path / "dagster_home" / "dagster.yaml").exists()


def test_generate_command_writes_the_extracts(tmp_path: Path) -> None:
    assert cli.main(["generate", "--out", str(tmp_path), "--scale", "0.005", "--seed", "3"]) == 0
    assert (tmp_path / SYNTHETIC_MARKER).exists()
    assert contract.ACCOUNTS.files(tmp_path) and contract.AUTH_EVENTS.files(tmp_path)


# ------------------------------------------------------------------------------------- sensor
def test_landing_sensor_requests_new_and_changed_files(generated: Path, tmp_path: Path) -> None:
    landing = tmp_path / "landing"
    (landing / "auth_events").mkdir(parents=True)
    for month in ("2016-03", "2016-04"):
        shutil.copy(month_path(generated, month), month_path(landing, month))
    shutil.copytree(generated / "accounts", landing / "accounts")
    age_landing(landing)
    warehouse = DuckDBWarehouse(landing_dir=str(landing), home_dir=str(tmp_path / "home"))

    def evaluate(cursor: str | None) -> tuple[list[RunRequest], str]:
        context = build_sensor_context(cursor=cursor, resources={"warehouse": warehouse})
        result = landing_sensor(context)
        return list(result.run_requests or []), result.cursor

    # new files: one run per month, one for the snapshots
    requests, cursor = evaluate(None)
    months = {r.partition_key: r for r in requests if r.partition_key}
    assert set(months) == {"2016-03-01", "2016-04-01"}
    assert all(r.asset_selection == [AUTH_EVENTS] for r in months.values())
    assert file_sha256(month_path(landing, "2016-03"))[:16] in months["2016-03-01"].run_key
    (snapshots,) = [r for r in requests if not r.partition_key]
    assert snapshots.asset_selection == [AssetKey(["raw", "accounts"])]

    # unchanged, or only touched: nothing to do
    requests, cursor = evaluate(cursor)
    assert requests == []
    age(month_path(landing, "2016-03"), 1800)
    requests, cursor = evaluate(cursor)
    assert requests == []

    # changed content: requested again, under a new run key
    path = month_path(landing, "2016-04")
    write_lines(path, read_lines(path)[:-1])
    age(path, 600)
    requests, cursor = evaluate(cursor)
    assert [r.partition_key for r in requests] == ["2016-04-01"]
    assert requests[0].run_key != months["2016-04-01"].run_key

    # a file still being written waits for a later tick
    shutil.copy(month_path(generated, "2016-05"), month_path(landing, "2016-05"))
    requests, cursor = evaluate(cursor)
    assert requests == []
    age(month_path(landing, "2016-05"), 600)
    requests, cursor = evaluate(cursor)
    assert [r.partition_key for r in requests] == ["2016-05-01"]

    # a month before the first partition is not requested
    shutil.copy(month_path(generated, "2016-05"), month_path(landing, "2014-05"))
    age(month_path(landing, "2014-05"), 600)
    requests, cursor = evaluate(cursor)
    assert requests == []


# ----------------------------------------------------------------------------------- schedule
def evaluate_schedule(warehouse: DuckDBWarehouse) -> RunRequest | SkipReason:
    return daily_refresh(build_schedule_context(resources={"warehouse": warehouse}))


def test_daily_refresh_requests_every_month_before_the_first_publication(
    generated: Path, tmp_path: Path
) -> None:
    landing = tmp_path / "landing"
    (landing / "auth_events").mkdir(parents=True)
    for month in ("2016-03", "2016-04", "2016-05"):
        shutil.copy(month_path(generated, month), month_path(landing, month))
    warehouse = DuckDBWarehouse(landing_dir=str(landing), home_dir=str(tmp_path / "home"))

    request = evaluate_schedule(warehouse)

    assert isinstance(request, RunRequest)
    assert request.asset_selection is None, "the whole graph"
    assert (request.tags[RANGE_START_TAG], request.tags[RANGE_END_TAG]) == (
        "2016-03-01",
        "2016-05-01",
    )


# ---------------------------------------------------------------------------------- load error
def test_a_file_that_cannot_be_loaded_fails_the_step_with_the_loader_message(
    generated: Path, tmp_path: Path
) -> None:
    landing = tmp_path / "landing"
    (landing / "auth_events").mkdir(parents=True)
    shutil.copy(generated / SYNTHETIC_MARKER, landing / SYNTHETIC_MARKER)
    path = month_path(landing, "2016-03")
    lines = read_lines(month_path(generated, "2016-03"))
    write_lines(path, ["when,who,where", *lines[1:]])
    paths = Paths(landing=landing, home=tmp_path / "home")
    job = build_definitions(paths).resolve_job_def(INGEST_JOB.name)

    with dagster_instance(paths.home) as instance:
        result = job.execute_in_process(
            instance=instance,
            partition_key="2016-03-01",
            asset_selection=[AUTH_EVENTS],
            raise_on_error=False,
        )

    assert not result.success
    (failure,) = result.get_step_failure_events()
    message = failure.step_failure_data.user_failure_data.description
    assert "header does not match the auth_events contract" in message


# ----------------------------------------------------------------------------- the whole graph
@pytest.mark.slow
def test_leia_run_publishes_the_warehouse_and_summarises_it(built: Built) -> None:
    assert built.exit_code == 0
    published = built.paths.warehouse
    assert published.exists() and built.build_database.exists()
    assert not list(built.paths.home.glob("*.partial")), "a publication left its temporary copy"
    assert f"published warehouse: {published}" in built.summary
    assert "connections per school year (marts.agg_connections_school_year)" in built.summary

    # the marts find the generator's connections back (the broken lines are all rejected)
    marker = json.loads((built.paths.landing / SYNTHETIC_MARKER).read_text())
    assert (
        scalar(published, "select sum(connections) from marts.agg_connections_school_year")
        == (marker["connections"])
    )


@pytest.mark.slow
def test_the_run_runs_the_data_tests_and_leaves_the_unit_tests_to_make_test(built: Built) -> None:
    target = DuckDBWarehouse.from_paths(built.paths).dbt_target_path
    manifest = json.loads((target / "manifest.json").read_text(encoding="utf-8"))
    run_results = json.loads((target / "run_results.json").read_text(encoding="utf-8"))
    ran = {result["unique_id"] for result in run_results["results"]}

    assert manifest["unit_tests"], "no unit test to leave out"
    assert not ran & set(manifest["unit_tests"]), "unit tests ran in the scheduled run"
    data_tests = {k for k, n in manifest["nodes"].items() if n["resource_type"] == "test"}
    assert data_tests <= ran
    # and the run's results record each of them
    recorded = query(
        built.paths.warehouse,
        "select count(distinct suite) from quality.validation_results where tool = 'dbt'",
    )
    assert recorded == [(len(data_tests),)]


@pytest.mark.slow
def test_raw_counts_equal_the_lines_of_the_files(built: Built) -> None:
    landing, published = built.paths.landing, built.paths.warehouse
    for path in contract.AUTH_EVENTS.files(landing):
        month = contract.month_of(path)
        loaded = scalar(
            published, "select count(*) from raw.auth_events where partition_month = ?", [month]
        )
        rejected = scalar(
            published,
            "select count(*) from raw.rejected_rows "
            "where extract = 'auth_events' and partition_key = ?",
            [month],
        )
        expected_rejected = len(EXPECTED_REJECTIONS) if month == BROKEN_MONTH else 0
        assert (loaded, rejected) == (data_lines(path) - expected_rejected, expected_rejected)
    for extract in (contract.ACCOUNTS, contract.PEDAGOGICAL_SEQUENCES):
        (path,) = extract.files(landing)
        rows = scalar(published, f"select count(*) from raw.{extract.name}")
        assert rows == data_lines(path)


@pytest.mark.slow
def test_bad_rows_are_quarantined_and_counted_in_the_asset_metadata(built: Built) -> None:
    reasons = dict(
        query(
            built.paths.warehouse,
            "select split_part(reason, ':', 1), count(*) from raw.rejected_rows "
            "where partition_key = ? group by 1",
            [BROKEN_MONTH],
        )
    )
    assert reasons == EXPECTED_REJECTIONS

    with dagster_instance(built.paths.home) as instance:
        (record,) = instance.fetch_materializations(
            AssetRecordsFilter(asset_key=AUTH_EVENTS, asset_partitions=[f"{BROKEN_MONTH}-01"]),
            limit=1,
        ).records
    metadata = {k: v.value for k, v in record.asset_materialization.metadata.items()}
    path = month_path(built.paths.landing, BROKEN_MONTH)
    assert metadata["rows_rejected"] == len(EXPECTED_REJECTIONS)
    assert metadata["rejected_by_reason"] == EXPECTED_REJECTIONS
    assert metadata["rows_loaded"] == data_lines(path) - len(EXPECTED_REJECTIONS)
    assert metadata["source_file"] == path.name


@pytest.mark.slow
def test_reloading_a_partition_leaves_the_counts_unchanged(built: Built) -> None:
    def counts() -> tuple[int, int, int]:
        return tuple(
            scalar(built.build_database, f"select count(*) from raw.{table}")
            for table in ("auth_events", "rejected_rows", "load_log")
        )

    before = counts()
    job = build_definitions(built.paths).resolve_job_def(INGEST_JOB.name)
    with dagster_instance(built.paths.home) as instance:
        result = job.execute_in_process(
            instance=instance, partition_key=f"{BROKEN_MONTH}-01", asset_selection=[AUTH_EVENTS]
        )

    assert counts() == before
    (event,) = result.get_asset_materialization_events()
    assert event.materialization.metadata["rows_rejected"].value == len(EXPECTED_REJECTIONS)


@pytest.mark.slow
def test_no_login_of_the_extracts_is_in_the_published_warehouse(built: Built) -> None:
    clear = logins(built.paths.landing)
    con = duckdb.connect()
    con.execute(f"attach '{built.paths.warehouse}' as published (read_only)")
    con.execute("create table logins (login varchar)")
    con.executemany("insert into logins values (?)", [[login] for login in clear])
    columns = con.execute(
        "select c.table_schema, c.table_name, c.column_name from information_schema.columns c "
        "join information_schema.tables t using (table_catalog, table_schema, table_name) "
        "where c.table_catalog = 'published' and t.table_type = 'BASE TABLE' "
        "and c.data_type = 'VARCHAR'"
    ).fetchall()
    assert len(columns) > 20
    found = []
    for schema, table, column in columns:
        # every token of the value, so a login inside a longer text is found too
        found += con.execute(
            f"""select distinct '{schema}.{table}.{column}', login from (
                    select unnest(regexp_split_to_array("{column}", '[^A-Za-z0-9._-]+')) as token
                    from published."{schema}"."{table}"
                ) join logins on token = login"""
        ).fetchall()
    assert found == []


@pytest.mark.slow
def test_daily_refresh_requests_only_what_changed_since_the_publication(
    built: Built, tmp_path: Path
) -> None:
    published = DuckDBWarehouse.from_paths(built.paths)
    assert isinstance(evaluate_schedule(published), SkipReason)

    # the published file is only read: other landing folders can be compared with it
    landing = copy_landing(built.paths.landing, tmp_path / "landing")
    changed = DuckDBWarehouse(landing_dir=str(landing), home_dir=str(built.paths.home))
    accounts = contract.ACCOUNTS.files(landing)[0]
    write_lines(accounts, read_lines(accounts)[:-1])
    request = evaluate_schedule(changed)
    assert isinstance(request, RunRequest)
    assert set(request.asset_selection) == set(unpartitioned_keys())
    assert RANGE_START_TAG not in request.tags

    path = month_path(landing, "2017-01")
    write_lines(path, read_lines(path)[:-1])
    request = evaluate_schedule(changed)
    assert request.asset_selection is None
    assert (request.tags[RANGE_START_TAG], request.tags[RANGE_END_TAG]) == (
        "2017-01-01",
        "2017-01-01",
    )


@pytest.mark.slow
def test_landing_sensor_first_tick_skips_what_is_published(built: Built) -> None:
    age_landing(built.paths.landing)
    warehouse = DuckDBWarehouse.from_paths(built.paths)
    result = landing_sensor(build_sensor_context(resources={"warehouse": warehouse}))
    assert not result.run_requests
    assert (
        len(json.loads(result.cursor)) == len(contract.AUTH_EVENTS.files(built.paths.landing)) + 2
    )


@pytest.mark.slow
def test_a_failing_blocking_suite_stops_the_publication(built: Built, tmp_path: Path) -> None:
    """A month with too many rejected lines fails the blocking GX `raw` suite: `leia run` exits 1
    and the previously published warehouse is left exactly as it was."""
    home = tmp_path / "home"
    shutil.copytree(built.paths.home, home)
    published = Paths(landing=built.paths.landing, home=home).warehouse
    before = file_sha256(published)

    landing = copy_landing(built.paths.landing, tmp_path / "landing")
    path = month_path(landing, "2016-05")
    lines = read_lines(path)
    # 5 % of the month's lines name an unknown school: far above the 1 % the raw suite allows
    spoiled = len(lines) // 20
    bad = [",".join([*line.split(",")[:3], "9999999Z", *line.split(",")[4:]]) for line in lines[1:]]
    write_lines(path, [lines[0], *bad[:spoiled], *lines[spoiled + 1 :]])

    errors = io.StringIO()
    with contextlib.redirect_stderr(errors):
        exit_code = cli.main(
            ["run", "--landing", str(landing), "--warehouse-dir", str(home)]
            + ["--audited-reports", "none"]
        )
    assert exit_code == 1
    assert "gx_raw" in errors.getvalue()
    assert "the published warehouse was not changed" in errors.getvalue()
    assert file_sha256(published) == before
    # the failed build is kept where the message says, with what failed in it
    (kept,) = re.findall(r"the failed build is kept for inspection: (\S+)", errors.getvalue())
    with duckdb.connect(kept, read_only=True) as con:
        assert (
            con.execute(
                "select count(*) from raw.rejected_rows where partition_key = '2016-05'"
            ).fetchone()[0]
            == spoiled
        )
    # only the changed month was loaded again: the run is incremental
    assert "auth_events of 1 month (2016-05)" in errors.getvalue()


@pytest.mark.slow
def test_the_marts_carry_their_row_counts_and_columns_in_dagster(built: Built) -> None:
    """What a data engineer sees in the UI: each dbt asset's materialisation has its row count
    and column schema, read from the Dagster instance of the run."""
    key = AssetKey(["marts", "rpt_bilan_indicators"])
    with dagster_instance(built.paths.home) as instance:
        event = instance.get_latest_materialization_event(key)
    assert event is not None
    metadata = event.asset_materialization.metadata
    rows = scalar(built.paths.warehouse, "select count(*) from marts.rpt_bilan_indicators")
    assert metadata["dagster/row_count"].value == rows > 0
    columns = [c.name for c in metadata["dagster/column_schema"].schema.columns]
    assert columns[:2] == ["report_code", "indicator_code"] and "computed_value" in columns
