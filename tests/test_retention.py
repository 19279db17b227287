"""Retention (issue 7): event-level rows older than the retention period are purged, the
aggregates stay, and every mart is the same after the purge and after the next builds."""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import io
import shutil
from pathlib import Path

import duckdb
import pytest
from dagster import AssetKey

from orchestration import cli
from orchestration.definitions import build_definitions
from orchestration.defs.raw.sensors import INGEST_JOB
from orchestration.extracts import load
from orchestration.extracts.pseudonymise import pseudonymiser_for
from orchestration.instance import dagster_instance
from orchestration.publication import publish_database, published_versions
from orchestration.quality.validate import validate_warehouse
from orchestration.retention import PurgeError, default_cutoff, purge
from orchestration.settings import Paths
from tests.conftest import run_dbt

CUTOFF = dt.date(2016, 9, 1)  # the school year 2015-2016 goes
WARN = ["--vars", "audited_reports: none"]


@pytest.mark.parametrize(
    ("today", "months", "cutoff"),
    [
        # 2024-2025 ended on 2025-08-31, more than 12 months before: it goes, 2025-2026 stays
        (dt.date(2026, 11, 29), 12, dt.date(2025, 9, 1)),
        # exactly 12 months after the end of 2024-2025: kept one more day
        (dt.date(2026, 8, 31), 12, dt.date(2024, 9, 1)),
        (dt.date(2026, 9, 1), 12, dt.date(2025, 9, 1)),
        (dt.date(2026, 9, 1), 0, dt.date(2026, 9, 1)),
        (dt.date(2026, 11, 29), 36, dt.date(2023, 9, 1)),
    ],
)
def test_the_default_cutoff_keeps_a_school_year_for_its_retention_period(today, months, cutoff):
    assert default_cutoff(today, months) == cutoff


def marts_fingerprint(database: Path) -> dict[str, tuple[int, str]]:
    """Rows and content hash of every table built from events except the event-level ones
    (loaded_at, a build time, left out)."""
    with duckdb.connect(str(database), read_only=True) as con:
        tables = con.execute(
            "select table_schema, table_name from information_schema.tables "
            "where table_schema in ('intermediate', 'marts') "
            "and table_name not in ('int_authentication_events', 'fct_authentications', "
            "'fct_visits') order by all"
        ).fetchall()
        fingerprint = {}
        for schema, table in tables:
            columns = [
                row[0]
                for row in con.execute(
                    "select column_name from information_schema.columns where table_schema = ? "
                    "and table_name = ? and column_name <> 'loaded_at' order by ordinal_position",
                    [schema, table],
                ).fetchall()
            ]
            select = ", ".join(f'"{c}"' for c in columns)
            rows = con.execute(f"select {select} from {schema}.{table} order by all").fetchall()
            digest = hashlib.sha256(repr(rows).encode()).hexdigest()
            fingerprint[f"{schema}.{table}"] = (len(rows), digest)
        return fingerprint


def event_months(database: Path, table: str) -> set[str]:
    with duckdb.connect(str(database), read_only=True) as con:
        return {
            r[0] for r in con.execute(f"select distinct partition_month from {table}").fetchall()
        }


@pytest.fixture(scope="module")
def purged(small_warehouse, tmp_path_factory) -> tuple[Path, dict, dict]:
    """(database, marts before, marts after purge + dbt build + dbt build --full-refresh)."""
    _, built = small_warehouse
    database = tmp_path_factory.mktemp("purged") / "leia.duckdb"
    shutil.copyfile(built, database)
    before = marts_fingerprint(database)
    plan = purge(database, CUTOFF)
    assert plan.months == [f"2015-{m:02d}" for m in range(9, 13)] + [
        f"2016-{m:02d}" for m in range(1, 9)
    ]
    run_dbt(["build", *WARN], database)
    run_dbt(["build", "--full-refresh", *WARN], database)
    return database, before, marts_fingerprint(database)


@pytest.mark.slow
def test_purge_deletes_the_events_before_the_cutoff_and_nothing_else(purged, small_warehouse):
    database, _, _ = purged
    _, built = small_warehouse
    for table in ("raw.auth_events", "intermediate.int_authentication_events"):
        kept = event_months(built, table)
        assert event_months(database, table) == {m for m in kept if m >= "2016-09"}
    with (
        duckdb.connect(str(database), read_only=True) as con,
        duckdb.connect(str(built), read_only=True) as original,
    ):
        logged = dict(
            original.execute(
                "select partition_month, count(*) from raw.auth_events "
                "where partition_month < '2016-09' group by 1"
            ).fetchall()
        )
        assert (
            dict(
                con.execute(
                    "select partition_key, rows_purged from raw.purged_partitions"
                ).fetchall()
            )
            == logged
        )
        # what the load log says was loaded stays: an unchanged file is not loaded again
        assert (
            con.execute("select count(*) from raw.load_log").fetchone()
            == original.execute("select count(*) from raw.load_log").fetchone()
        )


@pytest.mark.slow
def test_every_mart_is_unchanged_after_a_purge_a_build_and_a_full_refresh(purged):
    _, before, after = purged
    assert set(after) == set(before)
    changed = {table for table in before if before[table] != after[table]}
    assert not changed, f"changed by the purge: {sorted(changed)}"


@pytest.mark.slow
def test_the_raw_suite_knows_the_purged_months(purged):
    database, _, _ = purged
    report = validate_warehouse(database, suites=["raw"])
    assert report.success, [f.expectation for f in report.failures]


@pytest.mark.slow
def test_a_month_not_yet_aggregated_is_not_purged(small_warehouse, tmp_path):
    """Loaded after the last dbt build: its events are all there is of it, so the purge stops."""
    landing, built = small_warehouse
    database = tmp_path / "leia.duckdb"
    shutil.copyfile(built, database)
    with duckdb.connect(str(database)) as con:
        load.load_month(con, landing, "2016-02", pseudonymiser_for(landing))
    before = event_months(database, "raw.auth_events")
    with pytest.raises(PurgeError, match=r"2016-02.*lose them.*leia run"):
        purge(database, CUTOFF)
    assert event_months(database, "raw.auth_events") == before


@pytest.mark.slow
def test_leia_purge_publishes_and_drops_the_versions_holding_the_events(small_warehouse, tmp_path):
    landing, built = small_warehouse
    home = tmp_path / "home"
    (home / "build").mkdir(parents=True)
    shutil.copyfile(built, home / "build" / "leia.duckdb")
    build, published = home / "build" / "leia.duckdb", home / "leia.duckdb"
    publish_database(build, published)
    publish_database(build, published)
    assert len(published_versions(published)) == 2
    before = marts_fingerprint(published)

    def leia(*arguments: str) -> tuple[int, str]:
        errors = io.StringIO()
        with contextlib.redirect_stderr(errors):
            code = cli.main([*arguments, "--warehouse-dir", str(home)])
        return code, errors.getvalue()

    code, said = leia("purge", "--before", "2016-09-01", "--dry-run")
    assert code == 0 and "would purge the events of 2015-09 to 2016-08 (12 months)" in said
    assert "2015-09" in event_months(published, "raw.auth_events")

    code, said = leia("purge", "--before", "2016-09-01")
    assert code == 0, said
    assert "removed 2 kept versions" in said  # the two before the purge
    for database in (published, build):  # the build file is reset to what is published
        assert min(event_months(database, "raw.auth_events")) == "2016-09"
        assert min(event_months(database, "marts.fct_authentications")) == "2016-09"
    (version,) = published_versions(published)
    assert version.samefile(published)
    assert not (home / "purge" / "leia.duckdb").exists()
    assert marts_fingerprint(published) == before

    code, said = leia("purge", "--before", "2016-09-01")
    assert code == 0 and "nothing to purge" in said

    # a full reload later loads every month but the purged ones: their figures stay the same
    code, said = leia("run", "--landing", str(landing), "--full", "--audited-reports", "none")
    assert code == 0, said
    assert "not loaded, purged (retention period over): auth_events of 2015-09" in said
    assert min(event_months(published, "raw.auth_events")) == "2016-09"
    assert marts_fingerprint(published) == before

    # the landing sensor's job loads a purged month's partition: the asset skips it too
    paths = Paths(landing=landing, home=home)
    job = build_definitions(paths).resolve_job_def(INGEST_JOB.name)
    with dagster_instance(home) as instance:
        result = job.execute_in_process(
            instance=instance,
            partition_key="2015-10-01",
            asset_selection=[AssetKey(["raw", "auth_events"])],
        )
    assert result.success
    assert min(event_months(build, "raw.auth_events")) == "2016-09"
