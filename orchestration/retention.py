"""Retention of event-level data (RGPD): old authentication events are purged, aggregates stay.

The events of a school year are kept LEIA_RETENTION_MONTHS (default 12) months after the school
year ends (31 August). `leia purge` then deletes, for whole months before the cutoff, the rows
that describe single events: raw.auth_events, intermediate.int_authentication_events (the view
marts.fct_authentications shows it), the visits sessionised from them (marts.fct_visits) and
the quarantined lines of those months. What the marts are computed from stays: the monthly
aggregates (intermediate.int_account_activity_monthly, int_service_access_monthly,
marts.fct_connections_daily, the audience's daily visitors) are built by month and are not
rebuilt by `--full-refresh`, so every figure of the marts is the same after a purge and after
the next `dbt build`.

A purge is refused for a month the aggregates do not hold yet (loaded but not built): its
events would be lost for good. Deleted rows leave free blocks in a DuckDB file that still hold
their bytes: the purged file is rewritten (compacted) before it replaces the old one.
"""

from __future__ import annotations

import calendar
import datetime as dt
import os
import shutil
from dataclasses import dataclass
from pathlib import Path

import duckdb

from orchestration.extracts.raw_schema import RAW_SCHEMA, ensure_raw_schema
from orchestration.home import HomeLayout
from orchestration.school_year import school_year_start
from orchestration.settings import SettingsError, settings

# the tables holding one row per event (or per quarantined event line), by their month column
EVENT_TABLES = {
    f"{RAW_SCHEMA}.auth_events": "partition_month",
    "intermediate.int_authentication_events": "partition_month",
    # the visits sessionised from them (an account's visits, to the second): event-level too
    "marts.fct_visits": "partition_month",
}
QUARANTINE = f"{RAW_SCHEMA}.rejected_rows"
# the monthly aggregates that outlive the events: each must hold a month before its events go
ACTIVITY_AGGREGATE = "intermediate.int_account_activity_monthly"  # a row for every event
MONTHLY_AGGREGATES = (
    ACTIVITY_AGGREGATE,
    "intermediate.int_service_access_monthly",
    "marts.fct_connections_daily",
    "marts.agg_connections_hourly",
    "marts.agg_audience_visitor_days",
    "marts.agg_audience_visitor_service_days",
)


class PurgeError(RuntimeError):
    """The purge would lose data that no aggregate holds, or cannot run on this file."""


def retention_months() -> int:
    """LEIA_RETENTION_MONTHS (PurgeError for a bad value: `leia purge` refuses, exit 1)."""
    try:
        return settings().retention_months
    except SettingsError as error:
        raise PurgeError(str(error)) from error


def _add_months(day: dt.date, months: int) -> dt.date:
    year, month_index = divmod(day.year * 12 + day.month - 1 + months, 12)
    last_day = calendar.monthrange(year, month_index + 1)[1]
    return dt.date(year, month_index + 1, min(day.day, last_day))


def default_cutoff(today: dt.date, months: int | None = None) -> dt.date:
    """The first day of the oldest school year whose events must still be kept.

    School year S-(S+1) ends on 31 August S+1; its events may go once `months` more have passed.
    """
    months = retention_months() if months is None else months
    start = school_year_start(today)  # the current school year
    while _add_months(dt.date(start + 1, 8, 31), months) >= today:
        start -= 1
    return dt.date(start + 1, 9, 1)


def months_before(cutoff: dt.date, months: list[str]) -> list[str]:
    """The months that end before `cutoff` (a month is purged whole or not at all)."""
    return [m for m in months if _add_months(dt.date.fromisoformat(f"{m}-01"), 1) <= cutoff]


@dataclass(frozen=True)
class PurgePlan:
    cutoff: dt.date
    months: list[str]  # whole months before the cutoff still holding events
    rows: dict[str, int]  # table -> event rows that go
    events_by_month: dict[str, int]  # raw.auth_events rows that go, by month


def _table_exists(con: duckdb.DuckDBPyConnection, qualified: str) -> bool:
    schema, table = qualified.split(".")
    return bool(
        con.execute(
            "select count(*) from information_schema.tables "
            "where table_schema = ? and table_name = ?",
            [schema, table],
        ).fetchone()[0]
    )


def plan_purge(con: duckdb.DuckDBPyConnection, cutoff: dt.date) -> PurgePlan:
    """What a purge at `cutoff` would delete (reads only: works on a read-only connection)."""
    loaded = dict(
        con.execute(
            f"select partition_month, count(*) from {RAW_SCHEMA}.auth_events group by 1 order by 1"
        ).fetchall()
    )
    months = months_before(cutoff, list(loaded))
    rows: dict[str, int] = {}
    for table, column in EVENT_TABLES.items():
        if months and _table_exists(con, table):
            rows[table] = con.execute(
                f"select count(*) from {table} where {column} in (select unnest(?))", [months]
            ).fetchone()[0]
    if months:
        rows[QUARANTINE] = con.execute(
            f"select count(*) from {QUARANTINE} "
            "where extract = 'auth_events' and partition_key in (select unnest(?))",
            [months],
        ).fetchone()[0]
    return PurgePlan(cutoff, months, rows, {m: loaded[m] for m in months})


def _unaggregated_months(con: duckdb.DuckDBPyConnection, months: list[str]) -> list[str]:
    """Months whose latest load some monthly aggregate has not been built from.

    Every event has its row in the activity aggregate, so it is checked month by month; the
    others have no row for a month without, say, a service access, so their newest build must
    only be at least as recent as the latest of these loads (a build updates them all at once,
    and this errs on the side of refusing).
    """
    missing = [a for a in MONTHLY_AGGREGATES if not _table_exists(con, a)]
    if missing:
        return months
    loaded = dict(
        con.execute(
            f"select partition_month, max(loaded_at) from {RAW_SCHEMA}.auth_events "
            "where partition_month in (select unnest(?)) group by 1",
            [months],
        ).fetchall()
    )
    aggregated = dict(
        con.execute(
            f"select partition_month, max(loaded_at) from {ACTIVITY_AGGREGATE} group by 1"
        ).fetchall()
    )
    behind = {m for m, at in loaded.items() if aggregated.get(m) is None or aggregated[m] < at}
    latest_load = max(loaded.values(), default=None)
    for aggregate in MONTHLY_AGGREGATES[1:]:
        built = con.execute(f"select max(loaded_at) from {aggregate}").fetchone()[0]
        if latest_load is not None and (built is None or built < latest_load):
            behind |= set(loaded)
    return sorted(behind)


def compact(database: Path) -> None:
    """Rewrite the file without its free blocks, then put it in place (one rename)."""
    rewritten = database.with_name(f".{database.name}.compact")
    rewritten.unlink(missing_ok=True)
    con = duckdb.connect(str(database))
    try:
        con.execute(f"attach '{rewritten}' as compacted")
        con.execute(f'copy from database "{database.stem}" to compacted')
        con.execute("detach compacted")
    except BaseException:
        rewritten.unlink(missing_ok=True)
        raise
    finally:
        con.close()
    os.replace(rewritten, database)


def purge(database: Path, cutoff: dt.date, *, dry_run: bool = False) -> PurgePlan:
    """Delete the event rows of the whole months before `cutoff`, in one transaction."""
    if not database.exists():
        raise PurgeError(f"{database}: no warehouse to purge")
    con = duckdb.connect(str(database))
    try:
        plan = plan_purge(con, cutoff)
        if dry_run or not plan.months:
            return plan
        missing = _unaggregated_months(con, plan.months)
        if missing:
            raise PurgeError(
                f"{database}: the monthly aggregates ({', '.join(MONTHLY_AGGREGATES)}) do not hold "
                f"{', '.join(missing)} as loaded: purging their events would lose them. "
                "Run `leia run` (it builds them) first."
            )
        ensure_raw_schema(con)  # raw.purged_partitions, in a warehouse older than it
        # naive UTC, as the loader's loaded_at: the raw suite compares the two
        purged_at = dt.datetime.now(dt.UTC).replace(tzinfo=None)
        con.execute("begin transaction")
        try:
            for table, column in EVENT_TABLES.items():
                if table in plan.rows:
                    con.execute(
                        f"delete from {table} where {column} in (select unnest(?))", [plan.months]
                    )
            con.execute(
                f"delete from {QUARANTINE} "
                "where extract = 'auth_events' and partition_key in (select unnest(?))",
                [plan.months],
            )
            con.executemany(
                f"insert into {RAW_SCHEMA}.purged_partitions values ('auth_events', ?, ?, ?, ?)",
                [[month, rows, cutoff, purged_at] for month, rows in plan.events_by_month.items()],
            )
            con.execute("commit")
        except BaseException:
            con.execute("rollback")
            raise
    finally:
        con.close()
    compact(database)
    return plan


# ------------------------------------------------------------------ purging what is published


@dataclass(frozen=True)
class PublishedPurge:
    plan: PurgePlan
    removed_copies: list[Path]  # kept versions and failed builds that held purged events
    other_holders: list[Path]  # files left in place that still hold events before the cutoff


def _holds_events_before(database: Path, cutoff: dt.date) -> bool:
    try:
        con = duckdb.connect(str(database), read_only=True)
    except duckdb.Error:
        return True  # unreadable here: assume the worst
    try:
        return any(
            _table_exists(con, table)
            and con.execute(
                f"select count(*) > 0 from {table} where {column} < ?", [f"{cutoff:%Y-%m}"]
            ).fetchone()[0]
            for table, column in EVENT_TABLES.items()
        )
    finally:
        con.close()


def _copies_holding_events(home: Path, published: Path, cutoff: dt.date) -> list[Path]:
    from orchestration.publication import published_versions

    candidates = [
        *(v for v in published_versions(published) if not v.samefile(published)),
        *sorted(HomeLayout(home).failed.glob("*.duckdb")),
    ]
    return [copy for copy in candidates if _holds_events_before(copy, cutoff)]


def _failure_labels(database: Path) -> set[tuple[str, str]]:
    from orchestration.quality.validate import validate_warehouse

    report = validate_warehouse(database, run_name="leia-purge")
    return {(f.suite, f.expectation) for f in report.failures}


def purge_published(
    home: Path,
    published: Path,
    build: Path,
    cutoff: dt.date,
    *,
    dry_run: bool = False,
    wait_seconds: float = 0,
) -> PublishedPurge:
    """Purge the published warehouse: a copy of it is purged, audited and published.

    The copy (LEIA_HOME/purge/) must fail no expectation that the published file passes, or it
    is not published and stays there for inspection. The build file is then reset to it (a run
    starts from what is published), and the kept versions and failed builds holding the purged
    events are removed. Run again after an interruption, it finishes the clean-up.

    Holds LEIA_HOME's run lock (but for a dry run, which only reads the published file):
    RunInProgressError while a run holds it (after waiting up to `wait_seconds`).
    """
    from orchestration.run_lock import run_lock

    if dry_run:
        return _purge_published(home, published, build, cutoff, dry_run=True)
    with run_lock(home, wait_seconds=wait_seconds):
        return _purge_published(home, published, build, cutoff, dry_run=False)


def _purge_published(
    home: Path, published: Path, build: Path, cutoff: dt.date, *, dry_run: bool
) -> PublishedPurge:
    from orchestration.publication import publish_database, reset_build

    if not published.exists():
        raise PurgeError(f"{published}: no published warehouse to purge")
    with duckdb.connect(str(published), read_only=True) as con:
        plan = plan_purge(con, cutoff)
    if dry_run:
        return PublishedPurge(plan, [], [])
    if plan.months:
        work = HomeLayout(home).purge / published.name
        work.parent.mkdir(parents=True, exist_ok=True)
        work.unlink(missing_ok=True)
        shutil.copyfile(published, work)
        purge(work, cutoff)
        new_failures = _failure_labels(work) - _failure_labels(published)
        if new_failures:
            listed = ", ".join(f"{suite}: {expectation}" for suite, expectation in new_failures)
            raise PurgeError(
                f"the purged warehouse fails expectations the published one passes ({listed}): "
                f"not published; the purged copy is kept for inspection: {work}"
            )
        reset_build(build, work)
        publish_database(work, published)
        work.unlink()
    stale = _copies_holding_events(home, published, cutoff)
    for copy in stale:
        copy.unlink()
    others = [f for f in (build, HomeLayout(home).dev_database) if f.exists()]
    return PublishedPurge(plan, stale, [f for f in others if _holds_events_before(f, cutoff)])
