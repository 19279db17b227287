"""The warehouse on Apache Spark (dbt-spark, local mode) beside DuckDB. See docs/spark.md.

DuckDB stays the loader: it checks and pseudonymises the extracts into its `raw` schema. For
Spark, those raw tables are written as Parquet (`export_raw_to_parquet`), registered as the
tables of schema `raw` in Spark's metastore (`register_raw_tables`: dbt's run-operation
`register_raw_parquet`, so the metastore is the one of profiles.yml), and the unchanged dbt
project is built with `--target spark`.

Spark runs inside the dbt process (dbt-spark's `session` method): its warehouse folder and its
Derby metastore live in LEIA_SPARK_HOME, which profiles.yml reads. A JVM takes 15-30 s to start
on two cores, so `run_dbt` runs several dbt commands in one process, one JVM. Derby admits one
process at a time: run dbt processes one after the other, and open `spark_session` only when no
dbt runs.

    python -m orchestration.spark --warehouse build.duckdb --spark-home DIR \
        --vars 'audited_reports: none' build

exports the raw tables of build.duckdb to DIR/raw_parquet, registers them and runs
`dbt build --target spark` in DIR (warehouse/, metastore_db/, dbt_target/, dbt_logs/).
"""

from __future__ import annotations

import argparse
import contextlib
import shlex
import shutil
import sys
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

import duckdb

from orchestration.extracts.raw_schema import RAW_SCHEMA
from orchestration.settings import (
    DEFAULT_SPARK_JAVA_OPTIONS,
    PROJECT_DIR,
    apply_process_environment,
    set_default_environ,
    set_process_environ,
    settings,
    spark_profile_env,
)

if TYPE_CHECKING:  # pyspark comes with the optional `spark` extra
    from pyspark.sql import SparkSession

# raw tables written in one folder per value of a column (Hive layout: column=value/)
PARTITIONED = {"auth_events": "partition_month"}
DBT_TARGET = "spark"
# profiles.yml's default JVM options: C1 only, so the JVM starts in about half the time
DEFAULT_JAVA_OPTIONS = DEFAULT_SPARK_JAVA_OPTIONS


class SparkBuildError(RuntimeError):
    """A dbt command on the spark target failed."""


def export_raw_to_parquet(
    duckdb_path: Path, out_dir: Path, *, wait_seconds: float = 0
) -> dict[str, int]:
    """Write every table of the `raw` schema of `duckdb_path` as Parquet under `out_dir`.

    One folder per table (`out_dir/accounts/data_0.parquet`); auth_events is partitioned by
    partition_month (`out_dir/auth_events/partition_month=2016-03/data_0.parquet`). A table's
    folder is replaced whole, so a re-export never leaves files of an earlier one behind.
    Returns the rows written per table.

    The build or published file of a LEIA_HOME is read under its run lock, so the export never
    sees a run half done (RunInProgressError while a run holds it, after `wait_seconds`); any
    other file (a copy) is read as it is.
    """
    from orchestration.run_lock import home_of_database, run_lock

    home = home_of_database(duckdb_path)
    with run_lock(home, wait_seconds=wait_seconds) if home else contextlib.nullcontext():
        return _export_raw_to_parquet(duckdb_path, out_dir)


def _export_raw_to_parquet(duckdb_path: Path, out_dir: Path) -> dict[str, int]:
    out_dir = Path(out_dir).resolve()
    out_dir.mkdir(parents=True, exist_ok=True)
    written: dict[str, int] = {}
    with duckdb.connect(str(duckdb_path), read_only=True) as con:
        tables = [
            name
            for (name,) in con.execute(
                "select table_name from information_schema.tables"
                " where table_schema = ? and table_type = 'BASE TABLE' order by table_name",
                [RAW_SCHEMA],
            ).fetchall()
        ]
        if not tables:
            raise ValueError(f"{duckdb_path} has no table in schema {RAW_SCHEMA}: load it first")
        for table in tables:
            relation = f"{RAW_SCHEMA}.{table}"
            rows = con.execute(f"select count(*) from {relation}").fetchone()[0]
            partial = out_dir / f".{table}.partial"
            shutil.rmtree(partial, ignore_errors=True)
            partition_column = PARTITIONED.get(table)
            if partition_column:
                if rows == 0:
                    raise ValueError(f"{relation} is empty: there is no partition to register")
                con.execute(
                    f"copy (select * from {relation} order by all) to '{partial}'"
                    f" (format parquet, partition_by ({partition_column}))"
                )
            else:
                # an empty table still gets its file: Spark reads the columns from it
                partial.mkdir()
                con.execute(
                    f"copy (select * from {relation} order by all)"
                    f" to '{partial / 'data_0.parquet'}' (format parquet)"
                )
            final = out_dir / table
            shutil.rmtree(final, ignore_errors=True)
            partial.rename(final)
            written[table] = rows
    return written


def spark_home_default() -> Path:
    """LEIA_SPARK_HOME, else LEIA_HOME/spark, else warehouse/spark (what profiles.yml reads)."""
    return settings().spark_home


def spark_conf(spark_home: Path) -> dict[str, str]:
    """The SparkSession configuration of profiles.yml's `spark` target, for `spark_home`.

    tests/test_spark_parity.py checks that both say the same.
    """
    home = Path(spark_home).resolve()
    current = settings()
    java_options = current.spark_java_options
    return {
        "spark.master": "local[2]",
        "spark.driver.host": "127.0.0.1",
        "spark.driver.bindAddress": "127.0.0.1",
        "spark.driver.memory": current.spark_driver_memory,
        "spark.driver.extraJavaOptions": (
            f"-Dderby.stream.error.file={home}/derby.log {java_options}"
        ),
        "spark.ui.enabled": "false",
        "spark.ui.showConsoleProgress": "false",
        "spark.sql.shuffle.partitions": "2",
        "spark.sql.session.timeZone": "UTC",
        "spark.sql.warehouse.dir": f"{home}/warehouse",
        "spark.hadoop.javax.jdo.option.ConnectionURL": (
            f"jdbc:derby:;databaseName={home}/metastore_db;create=true"
        ),
        "spark.sql.parquet.inferTimestampNTZ.enabled": "false",
        "spark.sql.parquet.outputTimestampType": "TIMESTAMP_MICROS",
        "spark.sql.sources.partitionColumnTypeInference.enabled": "false",
        "spark.sql.legacy.createHiveTableByDefault": "false",
    }


def spark_env(spark_home: Path, parquet_dir: Path | None = None) -> dict[str, str]:
    """The variables a dbt process on the spark target needs (profiles.yml reads them)."""
    return spark_profile_env(spark_home, parquet_dir)


def register_arguments(parquet_dir: Path) -> list[str]:
    """dbt arguments of the run-operation that registers the Parquet folders as schema `raw`."""
    partitioned = ", ".join(f"{table}: {column}" for table, column in PARTITIONED.items())
    args = f"{{parquet_dir: '{Path(parquet_dir).resolve()}', partitioned: {{{partitioned}}}}}"
    return ["run-operation", "register_raw_parquet", "--args", args]


def run_dbt(
    invocations: Sequence[Sequence[str]],
    spark_home: Path,
    parquet_dir: Path | None = None,
    dbt_vars: str | None = None,
) -> list[float]:
    """Run dbt commands on the spark target in this process, one after the other.

    They share one JVM (the SparkSession outlives a dbt invocation) and one parse of the
    project: `dbt_vars` (YAML, as --vars) is given to the parse and to every command, and a
    command may not add --vars of its own (the parse would not be theirs). dbt's target/ and
    logs go to spark_home, never to the repository's target/ (which Dagster reads). Raises
    SparkBuildError on the first failure; returns the seconds each command took.
    """
    from dbt.cli.main import dbtRunner

    if any("--vars" in arguments for arguments in invocations):
        raise ValueError("give --vars as dbt_vars: the commands share one parse of the project")
    spark_home = Path(spark_home).resolve()
    spark_home.mkdir(parents=True, exist_ok=True)
    set_process_environ(spark_env(spark_home, parquet_dir))
    flags = ["--log-path", str(spark_home / "dbt_logs")]  # global flags: before the command
    common = [
        *("--project-dir", str(PROJECT_DIR), "--profiles-dir", str(PROJECT_DIR)),
        *("--target", DBT_TARGET, "--target-path", str(spark_home / "dbt_target")),
        *(("--vars", dbt_vars) if dbt_vars else ()),
    ]
    parsed = dbtRunner().invoke([*flags, "parse", "--quiet", *common])
    if not parsed.success:
        raise SparkBuildError(f"dbt parse failed: {parsed.exception or ''}")
    runner = dbtRunner(manifest=parsed.result)
    durations = []
    for arguments in invocations:
        started = time.monotonic()
        result = runner.invoke([*flags, *arguments, *common])
        durations.append(time.monotonic() - started)
        if not result.success:
            raise SparkBuildError(f"dbt {' '.join(arguments)} failed: {result.exception or ''}")
    return durations


def register_raw_tables(parquet_dir: Path, spark_home: Path) -> None:
    """Register the Parquet folders of `parquet_dir` as the tables of Spark's schema `raw`."""
    run_dbt([register_arguments(parquet_dir)], spark_home, parquet_dir)


def table_location(spark_home: Path, schema: str, table: str) -> Path:
    """Folder of a managed table of the Spark warehouse (Spark's `<schema>.db/<table>`)."""
    return Path(spark_home).resolve() / "warehouse" / f"{schema}.db" / table


@contextmanager
def spark_session(spark_home: Path) -> Iterator[SparkSession]:
    """A local SparkSession on the metastore of `spark_home` (while no dbt process runs)."""
    from pyspark.sql import SparkSession

    set_default_environ("SPARK_LOCAL_IP", "127.0.0.1")
    builder = SparkSession.builder.enableHiveSupport()
    for key, value in spark_conf(spark_home).items():
        builder = builder.config(key, value)
    session = builder.getOrCreate()
    try:
        yield session
    finally:
        session.stop()


def main(argv: Sequence[str] | None = None) -> int:
    apply_process_environment()
    parser = argparse.ArgumentParser(
        prog="python -m orchestration.spark",
        description="Export the raw tables of a DuckDB warehouse to Parquet, register them in "
        "Spark and run dbt commands on the spark target, in one process (one JVM).",
    )
    parser.add_argument("--warehouse", type=Path, help="DuckDB file whose raw schema to export")
    parser.add_argument(
        "--spark-home", type=Path, help="default: LEIA_SPARK_HOME, else LEIA_HOME/spark"
    )
    parser.add_argument("--parquet-dir", type=Path, help="default: SPARK_HOME/raw_parquet")
    parser.add_argument(
        "--register",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="register the Parquet folders as schema raw (default: when --warehouse is given)",
    )
    parser.add_argument(
        "--dbt",
        action="append",
        default=[],
        metavar="COMMAND",
        help='a dbt command run after the others, e.g. "build --select marts" (repeatable)',
    )
    parser.add_argument("--vars", help="dbt --vars (YAML) for every command, e.g. 'x: 1'")
    parser.add_argument(
        "--wait",
        type=float,
        default=0.0,
        metavar="SECONDS",
        help="if a run holds the run lock of --warehouse's LEIA_HOME, wait up to SECONDS for it "
        "(default 0: stop at once with exit code 3)",
    )
    parser.add_argument("command", nargs=argparse.REMAINDER, help="a last dbt command, e.g. build")
    args = parser.parse_args(argv)

    spark_home = (args.spark_home or spark_home_default()).resolve()
    parquet_dir = (args.parquet_dir or spark_home / "raw_parquet").resolve()
    if args.warehouse:
        from orchestration.run_lock import EXIT_RUN_IN_PROGRESS, RunInProgressError

        try:
            rows = export_raw_to_parquet(args.warehouse, parquet_dir, wait_seconds=args.wait)
        except RunInProgressError as error:
            print(error, file=sys.stderr)
            return EXIT_RUN_IN_PROGRESS
        print(f"exported {rows} to {parquet_dir}", file=sys.stderr, flush=True)
    invocations = [shlex.split(command) for command in args.dbt]
    if args.command:
        invocations.append(args.command[1:] if args.command[0] == "--" else args.command)
    if args.register or (args.register is None and args.warehouse):
        invocations.insert(0, register_arguments(parquet_dir))
    try:
        durations = run_dbt(invocations, spark_home, parquet_dir, args.vars)
    except (SparkBuildError, ValueError) as error:
        print(error, file=sys.stderr)
        return 1
    for arguments, seconds in zip(invocations, durations, strict=True):
        print(f"{seconds:7.1f} s  dbt {' '.join(arguments[:2])}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
