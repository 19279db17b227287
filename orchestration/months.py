"""Which months to load: the one answer `leia run` and the daily refresh both use; and which
months the next `dbt build` rebuilds, whose rows its tests check.

Months are compared by file content with what a warehouse file was loaded from (its
raw.load_log, see orchestration/changes.py); a run loads them as one range of partitions.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from orchestration.changes import stale_targets, target_month, without_purged
from orchestration.defs.raw.partitions import is_partition_month, partition_of_month
from orchestration.extracts.load import available_months

# Tags of a single run over a partition range (what Dagster's "single run" backfills set).
RANGE_START_TAG = "dagster/asset_partition_range_start"
RANGE_END_TAG = "dagster/asset_partition_range_end"


def split_months(months: Iterable[str]) -> tuple[list[str], list[str]]:
    """(months with a partition, months out of the partitions' scope), each sorted."""
    months = sorted(set(months))
    return (
        [m for m in months if is_partition_month(m)],
        [m for m in months if not is_partition_month(m)],
    )


def range_tags(months: list[str]) -> dict[str, str]:
    """Tags of one run loading the partitions from the first to the last of `months`.

    One run, so dbt builds once after all the months are loaded; the months in between are
    reloaded too, which is harmless (a load replaces its month) and keeps the run contiguous.
    """
    return {
        RANGE_START_TAG: partition_of_month(min(months)),
        RANGE_END_TAG: partition_of_month(max(months)),
    }


def months_dbt_rebuilds(con: duckdb.DuckDBPyConnection) -> list[str] | None:
    """The months the monthly models of the next `dbt build` rebuild: those of raw.auth_events
    loaded after the newest event of int_authentication_events (the rule of the macro
    months_to_rebuild, macros/monthly_partitions.sql, which every monthly model applies to what
    it reads). None before the event table's first build: every month."""
    try:
        rows = con.execute(
            """select partition_month from raw.auth_events
               group by partition_month
               having max(loaded_at) > (
                   select coalesce(max(loaded_at), timestamp '1970-01-01')
                   from intermediate.int_authentication_events
               )
               order by partition_month"""
        ).fetchall()
    except duckdb.CatalogException:  # not built yet
        return None
    return [month for (month,) in rows]


def checked_months_value(months: Iterable[str] | None) -> str:
    """LEIA_CHECKED_MONTHS, which the tests of the monthly models read (get_where_subquery,
    macros/monthly_partitions.sql): the months, comma-separated; 'none' for no month; '' for
    every month (None)."""
    if months is None:
        return ""
    return ",".join(months) or "none"


@dataclass(frozen=True)
class LoadPlan:
    """What a run loads, and what it leaves out and why."""

    months: list[str]  # auth_events months with a partition, sorted
    out_of_scope: list[str] = field(default_factory=list)  # before the first partition
    snapshots: list[str] = field(default_factory=list)  # snapshot targets new or changed
    purged_note: str | None = None  # months never loaded again (`leia purge`), said so


def months_to_load(
    landing: Path, loaded: Path, full: bool = False, skip_purged: bool = True
) -> LoadPlan:
    """The months of `landing` to load into a warehouse loaded from `loaded` (its raw.load_log):
    every month with `full`, else those whose file is not what `loaded` was loaded from (a new
    month, a month delivered again with other content), and the snapshot targets that changed.

    `skip_purged`: months `leia purge` deleted from `loaded` are never loaded again, the
    retention period is over for their events (`leia run`; the daily refresh leaves that to the
    loader's assets, which skip them too).
    """
    if full:
        candidates, snapshots = available_months(landing), []
    else:
        stale = stale_targets(landing, loaded)
        candidates = [m for t in stale if (m := target_month(t))]
        snapshots = [t for t in stale if target_month(t) is None]
    purged_note = None
    if skip_purged:
        candidates, purged_note = without_purged(loaded, candidates)
    months, out_of_scope = split_months(candidates)
    return LoadPlan(months, out_of_scope, snapshots, purged_note)
