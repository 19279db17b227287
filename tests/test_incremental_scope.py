"""Incremental work proportional to what changed (macros/monthly_partitions.sql), with the real
dbt on copies of the small warehouse:

- the tests of a monthly model check the months a run rebuilds: `leia run` names them in
  LEIA_CHECKED_MONTHS; without it, every month is checked (a duplicated event in one month);
- a model kept by school year recomputes the school years of the months loaded since it was
  built, and only those; built whole before (no loaded_at), it recomputes them all once.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path
from typing import NamedTuple

import duckdb
import pytest

from orchestration.months import checked_months_value, months_dbt_rebuilds
from orchestration.settings import CHECKED_MONTHS_VARIABLE
from tests.conftest import PROJECT_DIR, dbt_invocation, run_dbt

UNIQUE_EVENT_ID = "unique_int_authentication_events_event_id"


@pytest.fixture(scope="module")
def duplicated(small_warehouse, tmp_path_factory) -> tuple[Path, str, str]:
    """(a copy of the small warehouse with one event of a month twice, that month, another)."""
    _, database = small_warehouse
    copy = tmp_path_factory.mktemp("checked_months") / "build.duckdb"
    shutil.copyfile(database, copy)
    with duckdb.connect(str(copy)) as con:
        months = [
            month
            for (month,) in con.execute(
                "select distinct partition_month from intermediate.int_authentication_events "
                "order by 1"
            ).fetchall()
        ]
        con.execute(
            "insert into intermediate.int_authentication_events "
            "select * from intermediate.int_authentication_events "
            "where partition_month = ? limit 1",
            [months[0]],
        )
    return copy, months[0], months[-1]


def dbt_test(
    database: Path, checked_months: str | None, selection: str
) -> subprocess.CompletedProcess:
    command, env = dbt_invocation(
        ["test", "--select", selection, "--log-path", str(database.parent / "logs")],
        database,
    )
    env = {k: v for k, v in env.items() if k != CHECKED_MONTHS_VARIABLE}
    if checked_months is not None:
        env[CHECKED_MONTHS_VARIABLE] = checked_months
    return subprocess.run(command, cwd=PROJECT_DIR, env=env, capture_output=True, text=True)


def unique_event_id_test(database: Path, checked_months: str | None) -> subprocess.CompletedProcess:
    return dbt_test(database, checked_months, UNIQUE_EVENT_ID)


def test_without_checked_months_every_month_is_checked(duplicated) -> None:
    database, _, _ = duplicated
    for unset in (None, ""):
        result = unique_event_id_test(database, unset)
        assert result.returncode == 1 and "FAIL 1" in result.stdout, result.stdout[-3000:]


def test_the_checked_months_only_are_checked(duplicated) -> None:
    database, duplicated_month, other_month = duplicated
    other = unique_event_id_test(database, other_month)
    assert other.returncode == 0 and "ERROR=0" in other.stdout, other.stdout[-3000:]
    both = unique_event_id_test(database, f"{other_month},{duplicated_month}")
    assert both.returncode == 1 and "FAIL 1" in both.stdout, both.stdout[-3000:]


def test_a_checked_month_that_is_no_month_is_refused(duplicated) -> None:
    database, _, _ = duplicated
    result = unique_event_id_test(database, "2018-1")
    assert result.returncode != 0
    assert "LEIA_CHECKED_MONTHS: '2018-1' is not a month" in result.stdout, result.stdout[-3000:]


def test_a_no_month_value_checks_nothing(duplicated) -> None:
    database, _, _ = duplicated
    result = unique_event_id_test(database, "none")
    assert result.returncode == 0 and "ERROR=0" in result.stdout, result.stdout[-3000:]


def test_a_model_not_kept_by_month_is_checked_whole_whatever_the_months(duplicated) -> None:
    """A run that rebuilds no month still tests its other models: on every row, with the
    partition_month they do not have left out of the query (CI once failed on it)."""
    database, _, month = duplicated
    for checked in ("none", month):
        result = dbt_test(database, checked, "stg_reference__school_calendar")
        assert result.returncode == 0 and "ERROR=0" in result.stdout, result.stdout[-3000:]
        assert "PASS=0" not in result.stdout, result.stdout[-3000:]


def test_the_months_checked_are_the_months_dbt_rebuilds(duplicated, tmp_path) -> None:
    """What `leia run` passes: the months of raw loaded after the newest built event."""
    database, month, _ = duplicated
    copy = tmp_path / "build.duckdb"
    shutil.copyfile(database, copy)
    with duckdb.connect(str(copy)) as con:
        assert months_dbt_rebuilds(con) == []
        con.execute(
            "update raw.auth_events set loaded_at = now()::timestamp where partition_month = ?",
            [month],
        )
        assert months_dbt_rebuilds(con) == [month]
        con.execute("drop view marts.fct_authentications")
        con.execute("drop table intermediate.int_authentication_events cascade")
        assert months_dbt_rebuilds(con) is None  # a first build checks every month
    assert checked_months_value(None) == ""
    assert checked_months_value([]) == "none"
    assert checked_months_value(["2018-01", "2018-02"]) == "2018-01,2018-02"


# ------------------------------------------------------------------ models kept by school year
class SchoolYearModel(NamedTuple):
    reads: str  # the monthly model whose newer months choose the school years
    key: str  # school_year first
    count: str  # a count column, marked -1 to see which school years are recomputed


SCHOOL_YEAR_MODELS = {
    "marts.agg_service_usage": SchoolYearModel(
        "intermediate.int_service_access_monthly", "school_year, service", "accesses"
    ),
    "intermediate.int_account_activity_by_school_year": SchoolYearModel(
        "intermediate.int_account_activity_monthly",
        "school_year, account_key, uai, profile_code",
        "connections",
    ),
    # also reads agg_audience_visitor_service_days (left as built: its rows of a school year
    # chosen from the visitor days are read all the same)
    "marts.agg_audience": SchoolYearModel(
        "marts.agg_audience_visitor_days",
        "school_year, period_type, period_start, dimension, dimension_value",
        "visits",
    ),
}


def rows(con: duckdb.DuckDBPyConnection, table: str, key: str) -> list[tuple]:
    columns = [
        c
        for (c,) in con.execute(
            "select column_name from information_schema.columns "
            "where table_schema || '.' || table_name = ? "
            "and column_name not in ('loaded_at', 'school_year') order by ordinal_position",
            [table],
        ).fetchall()
    ]
    return con.execute(
        f"select school_year, {', '.join(columns)} from {table} order by {key}"
    ).fetchall()


def run_school_year_models(database: Path) -> None:
    run_dbt(["run", "--select", *(t.split(".")[1] for t in SCHOOL_YEAR_MODELS)], database)


def copy_with_built_rows(database: Path, tmp_path: Path) -> tuple[Path, dict[str, list]]:
    """A copy of the small warehouse's build file, and its school-year models' rows."""
    copy = tmp_path / "build.duckdb"
    shutil.copyfile(database, copy)
    with duckdb.connect(str(copy), read_only=True) as con:
        built = {t: rows(con, t, model.key) for t, model in SCHOOL_YEAR_MODELS.items()}
    return copy, built


def test_a_school_year_model_recomputes_only_the_school_years_loaded_again(
    small_warehouse, tmp_path
) -> None:
    _, database = small_warehouse
    copy, built = copy_with_built_rows(database, tmp_path)
    with duckdb.connect(str(copy)) as con:
        reloaded, untouched = "2017-2018", "2016-2017"
        for table, model in SCHOOL_YEAR_MODELS.items():
            # what a reloaded month of 2017-2018 does to the monthly model: newer rows
            con.execute(
                f"update {model.reads} set loaded_at = now()::timestamp "
                "where partition_month = '2018-01'"
            )
            # marks: a recomputed school year loses them, another keeps them
            con.execute(f"update {table} set {model.count} = -1")
    run_school_year_models(copy)
    with duckdb.connect(str(copy), read_only=True) as con:
        for table, model in SCHOOL_YEAR_MODELS.items():
            marked = dict(
                con.execute(
                    f"select school_year, count(*) filter (where {model.count} = -1) "
                    f"from {table} group by school_year"
                ).fetchall()
            )
            assert marked[reloaded] == 0, f"{table}: {reloaded} was not recomputed"
            assert marked[untouched] > 0, f"{table}: {untouched} was recomputed"
            recomputed = [r for r in rows(con, table, model.key) if r[0] == reloaded]
            assert recomputed == [r for r in built[table] if r[0] == reloaded], table


def test_a_school_year_model_built_whole_before_is_recomputed_once_with_loaded_at(
    small_warehouse, tmp_path
) -> None:
    """The published warehouses built before these models were kept by school year."""
    _, database = small_warehouse
    copy, built = copy_with_built_rows(database, tmp_path)
    with duckdb.connect(str(copy)) as con:
        for table in SCHOOL_YEAR_MODELS:
            con.execute(f"alter table {table} drop column loaded_at")
            con.execute(f"delete from {table} where school_year = '2016-2017'")
    run_school_year_models(copy)
    with duckdb.connect(str(copy), read_only=True) as con:
        for table, model in SCHOOL_YEAR_MODELS.items():
            assert rows(con, table, model.key) == built[table], table
            newest = "select max(loaded_at) from {}"
            assert (
                con.execute(newest.format(table)).fetchone()
                == con.execute(newest.format(model.reads)).fetchone()
            )
