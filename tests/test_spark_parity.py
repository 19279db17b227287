"""The unchanged dbt project on Apache Spark (dbt-spark, local mode) gives DuckDB's marts.

The small data set (conftest's `small_warehouse`, built by DuckDB with --target prod) is exported
to Parquet and built on a local Spark by the real dbt (`--target spark`); every mart must equal
DuckDB's, row for row (floats within 1e-9). Then a month delivered again is loaded by the
project's loader and the incremental fact is run on both engines: the month's rows are replaced
(Spark: insert_overwrite of its partition; DuckDB: delete+insert), the other months kept.

Spark runs in one subprocess, one JVM (python -m orchestration.spark), about 1.6 GB at most.
Skipped where the optional `spark` extra (dbt-spark, pyspark) or Java is missing.
"""

from __future__ import annotations

import datetime as dt
import decimal
import gzip
import math
import os
import re
import shlex
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import duckdb
import jinja2
import pytest
import yaml

from tests.conftest import PROJECT_DIR, run_dbt

# `make test` installs the `spark` extra and CI has Java: there, a missing piece is a failure,
# not a skip (parity is what this module proves); elsewhere the module may be skipped.
if os.environ.get("CI"):
    import dbt.adapters.spark  # noqa: F401
    import pyspark  # noqa: F401

    assert shutil.which("java") or os.environ.get("JAVA_HOME"), "Spark needs Java 17"
else:
    pytest.importorskip("pyspark", reason="the optional `spark` extra is not installed")
    pytest.importorskip("dbt.adapters.spark", reason="the optional `spark` extra is not installed")
    if shutil.which("java") is None and not os.environ.get("JAVA_HOME"):
        pytest.skip("Spark needs a Java runtime (17)", allow_module_level=True)

from orchestration import spark  # noqa: E402  (after the skips: it is the optional extra's)

RELOADED_MONTH = "2016-03"
LINES_DROPPED = 10
SPARK_VARS = "audited_reports: none"  # small data cannot reproduce the report


@dataclass(frozen=True)
class SparkRun:
    duckdb_build: Path  # small_warehouse's DuckDB file, built with --target prod
    duckdb_reloaded: Path  # a copy, the month loaded again and the incremental fact run
    spark_home: Path
    marts_after_build: Path  # Spark's marts after `dbt build`, exported as Parquet
    reloaded_raw: Path  # raw tables of duckdb_reloaded, as Parquet
    seconds: dict[str, float]


def reload_month(database: Path, landing: Path, work: Path) -> None:
    """Load RELOADED_MONTH again into `database`, its file delivered with its last lines cut."""
    from orchestration.extracts import load
    from orchestration.extracts.pseudonymise import pseudonymiser_for

    month_file = landing / "auth_events" / f"auth_events_{RELOADED_MONTH}.csv.gz"
    lines = gzip.decompress(month_file.read_bytes()).decode().splitlines(keepends=True)
    changed = work / "landing"
    (changed / "auth_events").mkdir(parents=True)
    (changed / "_synthetic_extracts.json").write_text("{}")
    (changed / "auth_events" / month_file.name).write_bytes(
        gzip.compress("".join(lines[:-LINES_DROPPED]).encode())
    )
    with duckdb.connect(str(database)) as con:
        load.load_month(con, changed, RELOADED_MONTH, pseudonymiser_for(changed))


@pytest.fixture(scope="module")
def spark_run(small_warehouse: tuple[Path, Path], tmp_path_factory) -> SparkRun:
    landing, database = small_warehouse
    root = tmp_path_factory.mktemp("spark")
    seconds: dict[str, float] = {}

    # DuckDB: a copy of the build whose month is loaded again, then the incremental run
    reloaded = root / "reloaded.duckdb"
    shutil.copyfile(database, reloaded)
    reload_month(reloaded, landing, root)
    started = time.monotonic()
    run_dbt(["run", "--select", "int_authentication_events"], reloaded)
    seconds["duckdb incremental run"] = time.monotonic() - started
    reloaded_raw = root / "raw_reloaded"
    spark.export_raw_to_parquet(reloaded, reloaded_raw)

    # Spark, one process: register the raw Parquet, build, export the marts, then register
    # the reloaded month's raw tables and run the incremental fact
    home, marts = root / "spark_home", root / "spark_marts"
    commands = [
        "build",
        f"run-operation export_schema_to_parquet --args '{{out_dir: {marts}}}'",
        shlex.join(spark.register_arguments(reloaded_raw)),
        "run --select int_authentication_events",
    ]
    started = time.monotonic()
    result = subprocess.run(
        [sys.executable, "-m", "orchestration.spark", "--warehouse", str(database)]
        + ["--spark-home", str(home), "--vars", SPARK_VARS]
        + [argument for command in commands for argument in ("--dbt", command)],
        cwd=PROJECT_DIR,
        # the small data set needs little heap: keeps the test's whole tree under 2 GB
        env={**os.environ, "LEIA_SPARK_DRIVER_MEMORY": "768m"},
        capture_output=True,
        text=True,
    )
    seconds["spark, all commands"] = time.monotonic() - started
    if result.returncode != 0:
        log = home / "dbt_logs" / "dbt.log"
        tail = log.read_text()[-6000:] if log.exists() else ""
        raise AssertionError(
            f"Spark run failed:\n{result.stdout[-6000:]}\n{result.stderr[-3000:]}\n{tail}"
        )
    for line in result.stdout.splitlines():  # "  123.4 s  dbt build"
        if match := re.fullmatch(r"\s*([0-9.]+) s  dbt (.+)", line):
            seconds[f"spark dbt {match[2]}"] = seconds.get(f"spark dbt {match[2]}", 0) + float(
                match[1]
            )
    print("\n".join(f"{name}: {value:.1f} s" for name, value in seconds.items()))  # with -s
    return SparkRun(database, reloaded, home, marts, reloaded_raw, seconds)


# ------------------------------------------------------------------------------------ helpers
def normalised(value):
    """Both engines' values in one vocabulary: decimals as floats, instants as naive UTC."""
    if isinstance(value, decimal.Decimal):
        return float(value)
    if isinstance(value, dt.datetime) and value.tzinfo is not None:
        return value.astimezone(dt.UTC).replace(tzinfo=None)
    return value


def sort_key(row: tuple) -> tuple:
    return tuple((v is None, round(v, 6) if isinstance(v, float) else v) for v in row)


def rows(con: duckdb.DuckDBPyConnection, sql: str) -> list[tuple]:
    return sorted(
        (tuple(normalised(v) for v in row) for row in con.execute(sql).fetchall()), key=sort_key
    )


def same_value(a, b) -> bool:
    if isinstance(a, float) and isinstance(b, float):
        return math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-9)
    return a == b


def differences(con: duckdb.DuckDBPyConnection, expected_sql: str, actual_sql: str) -> list[str]:
    """How the rows of two queries differ, for humans (empty when they are the same rows).

    Exact first, in SQL (EXCEPT ALL counts duplicates); if that finds a difference, the rows are
    compared again in Python, floats within 1e-9, and the first differences are described.
    """
    exact = con.execute(
        f"select (select count(*) from ({expected_sql} except all {actual_sql}))"
        f" + (select count(*) from ({actual_sql} except all {expected_sql}))"
    ).fetchone()[0]
    if exact == 0:
        return []
    expected, actual = rows(con, expected_sql), rows(con, actual_sql)
    if len(expected) != len(actual):
        missing = set(expected) - set(actual)
        extra = set(actual) - set(expected)
        return [
            f"{len(expected)} rows on DuckDB, {len(actual)} on Spark",
            *(f"only on DuckDB: {row}" for row in sorted(missing, key=sort_key)[:5]),
            *(f"only on Spark: {row}" for row in sorted(extra, key=sort_key)[:5]),
        ]
    return [
        f"DuckDB {a}\n  Spark {b}"
        for a, b in zip(expected, actual, strict=True)
        if not all(same_value(x, y) for x, y in zip(a, b, strict=True))
    ][:5]


def connect(database: Path) -> duckdb.DuckDBPyConnection:
    """The DuckDB file, read-only; Spark's instants (timestamptz in Parquet) compare in UTC."""
    con = duckdb.connect(str(database), read_only=True)
    con.execute("set TimeZone = 'UTC'")
    return con


def columns(con: duckdb.DuckDBPyConnection, schema: str, table: str) -> list[str]:
    return [
        name
        for (name,) in con.execute(
            "select column_name from information_schema.columns"
            " where table_schema = ? and table_name = ? order by ordinal_position",
            [schema, table],
        ).fetchall()
    ]


def parquet(folder: Path) -> str:
    """A Spark table's files; hive partition folders (partition_month=...) become a column."""
    return (
        f"read_parquet('{folder}/**/*.parquet', hive_partitioning = true,"
        " hive_types_autocast = false)"
    )


def mart_names(database: Path) -> list[str]:
    with duckdb.connect(str(database), read_only=True) as con:
        return [
            name
            for (name,) in con.execute(
                "select table_name from information_schema.tables"
                " where table_schema = 'marts' order by table_name"
            ).fetchall()
        ]


# -------------------------------------------------------------------------------------- tests
def test_profile_and_orchestration_configure_the_same_spark(monkeypatch, tmp_path) -> None:
    """profiles.yml's spark target and orchestration.spark.spark_conf (used by spark_session)
    name the same metastore, warehouse folder and settings, so both see the same tables."""
    monkeypatch.setenv("LEIA_SPARK_HOME", str(tmp_path))
    profile = yaml.safe_load((PROJECT_DIR / "profiles.yml").read_text())
    target = profile["leia"]["outputs"]["spark"]

    def rendered(value: str) -> str:  # as dbt renders a profile's values: one at a time
        return jinja2.Template(value).render(
            env_var=lambda name, default=None: os.environ.get(name, default)
        )

    target["server_side_parameters"] = {
        key: rendered(value) for key, value in target["server_side_parameters"].items()
    }
    assert target["type"] == "spark" and target["method"] == "session"
    assert target["server_side_parameters"] == spark.spark_conf(tmp_path)
    assert all(
        target["server_side_parameters"][key] == "127.0.0.1"
        for key in ("spark.driver.host", "spark.driver.bindAddress")
    )


@pytest.mark.slow
def test_raw_export_keeps_every_row_and_partitions_by_month(spark_run: SparkRun) -> None:
    with connect(spark_run.duckdb_reloaded) as con:
        for table in (
            "auth_events",
            "accounts",
            "pedagogical_sequences",
            "load_log",
            "rejected_rows",
        ):
            folder = spark_run.reloaded_raw / table
            assert con.execute(f"select count(*) from {parquet(folder)}").fetchone() == (
                con.execute(f"select count(*) from raw.{table}").fetchone()
            ), table
        months = {p.name for p in (spark_run.reloaded_raw / "auth_events").iterdir()}
        assert f"partition_month={RELOADED_MONTH}" in months
        assert (
            len(months)
            == con.execute(
                "select count(distinct partition_month) from raw.auth_events"
            ).fetchone()[0]
        )


@pytest.mark.slow
def test_every_mart_on_spark_equals_duckdb(spark_run: SparkRun) -> None:
    names = mart_names(spark_run.duckdb_build)
    assert len(names) >= 16
    assert sorted(p.name for p in spark_run.marts_after_build.iterdir()) == names
    failures = {}
    with connect(spark_run.duckdb_build) as con:
        for name in names:
            select = ", ".join(f'"{c}"' for c in columns(con, "marts", name))
            on_duckdb = f"select {select} from marts.{name}"
            on_spark = f"select {select} from {parquet(spark_run.marts_after_build / name)}"
            assert con.execute(f"select count(*) from ({on_duckdb})").fetchone()[0] > 0, name
            if problems := differences(con, on_duckdb, on_spark):
                failures[name] = problems
    assert not failures, "\n".join(f"{name}:\n  " + "\n  ".join(p) for name, p in failures.items())


@pytest.mark.slow
def test_reloaded_month_replaces_its_partition_on_spark_as_on_duckdb(spark_run: SparkRun) -> None:
    """After the month is loaded again (10 lines less) and the incremental event table run, Spark's
    table (insert_overwrite of the month's partition) equals DuckDB's (delete+insert)."""
    fact = spark.table_location(spark_run.spark_home, "intermediate", "int_authentication_events")
    # incremental, not rebuilt: only the month's partition folder was written by the last run
    written = {
        folder.name: [path.stat().st_mtime for path in folder.glob("*.parquet")]
        for folder in fact.glob("partition_month=*")
    }
    reloaded = written.pop(f"partition_month={RELOADED_MONTH}")
    assert reloaded and len(written) > 1
    assert max(max(times) for times in written.values()) < min(reloaded)
    month = f"partition_month = '{RELOADED_MONTH}'"
    with connect(spark_run.duckdb_reloaded) as con:
        select = ", ".join(f'"{c}"' for c in columns(con, "marts", "fct_authentications"))
        on_spark = f"select {select} from {parquet(fact)}"
        built = (
            f"select {select} from {parquet(spark_run.marts_after_build / 'fct_authentications')}"
        )

        def count(sql: str) -> int:
            return con.execute(f"select count(*) from ({sql})").fetchone()[0]

        # the reloaded month: exactly the rows of its new load, 10 fewer than before
        assert count(f"{on_spark} where {month}") == count(f"{built} where {month}") - LINES_DROPPED
        new_load = (
            "select partition_month || '#' || cast(source_line as varchar) as event_id, loaded_at"
            f" from raw.auth_events where {month}"
        )
        assert not differences(
            con, new_load, f"select event_id, loaded_at from ({on_spark}) where {month}"
        )
        # the other months: untouched by the run
        assert not differences(con, f"{built} where not {month}", f"{on_spark} where not {month}")
        # and the whole table as DuckDB's incremental run left it
        problems = differences(con, f"select {select} from marts.fct_authentications", on_spark)
        assert not problems, "\n".join(problems)
