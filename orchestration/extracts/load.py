"""Loads landing extracts into the `raw` schema of the warehouse DuckDB file.

One file at a time, one transaction per file: the file's lines are read as text with their line
numbers, checked against the contract (header, column count, types, reference codes: rules.py,
row_checks.py), identifiers are replaced by their keyed hash, and the file's partition is replaced
atomically. A partition is a month of authentication logs (`load_months()`), or one dated
snapshot of a snapshot extract (accounts, pedagogical sequences: `load_snapshots()`): every
snapshot is kept, and delivering one again replaces that one only. Rows that break a rule go to
raw.rejected_rows with file, line, rule and the line with identifiers redacted. Nothing is dropped
silently: loaded + rejected = data lines of the file, and the load log (raw_schema.py) says so.
"""

from __future__ import annotations

import datetime as dt
import os
import time
from collections.abc import Callable, Iterable
from concurrent.futures import FIRST_EXCEPTION, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from orchestration.extracts import contract
from orchestration.extracts.contract import Extract
from orchestration.extracts.preflight import (
    DeliveryError,
    LoadError,
    check_header,
    preflight,
    read_lines,
)
from orchestration.extracts.pseudonymise import Pseudonymiser
from orchestration.extracts.raw_schema import (
    RAW_SCHEMA,
    check_key,
    ensure_raw_schema,
    file_sha256,
    loaded_files,
)
from orchestration.extracts.row_checks import (
    checked_query,
    good_rows_query,
    redacted_line_sql,
    register_reference,
    sql_literal,
)
from orchestration.extracts.rules import SPECS, TableSpec


@dataclass(frozen=True)
class LoadResult:
    extract: str
    partition_key: str
    source_file: str
    rows_loaded: int
    rows_rejected: int
    rejected_by_reason: dict[str, int]
    # where the load's time went (hash, read, check, write): the benchmark's profile of loading
    seconds_by_phase: dict[str, float] = field(default_factory=dict)

    @property
    def data_lines(self) -> int:
        return self.rows_loaded + self.rows_rejected


def _size_and_mtime(path: Path) -> tuple[int, int]:
    stat = path.stat()
    return stat.st_size, stat.st_mtime_ns


class _PhaseClock:
    def __init__(self) -> None:
        self.seconds: dict[str, float] = {}
        self._last = time.perf_counter()

    def lap(self, phase: str) -> None:
        now = time.perf_counter()
        self.seconds[phase] = now - self._last
        self._last = now


def load_file(
    con: duckdb.DuckDBPyConnection,
    spec: TableSpec,
    path: Path,
    partition_key: str,
    pseudonymiser: Pseudonymiser,
) -> LoadResult:
    """Replace one partition of a raw table with the content of one file, atomically."""
    ensure_raw_schema(con)
    check_key(con, pseudonymiser, path.name)
    register_reference(con)
    # the load log must name the content that was loaded: a file still being copied, or
    # replaced while it is hashed and read, changes its size or mtime and is refused
    phases = _PhaseClock()
    before = _size_and_mtime(path)
    sha256 = file_sha256(path)
    phases.lap("hash")
    read_lines(con, path)
    if _size_and_mtime(path) != before:
        raise LoadError(f"{path.name}: the file changed while it was read (deliver it again)")
    phases.lap("read")
    check_header(con, path, spec.extract)
    con.execute(checked_query(spec).replace("$partition", sql_literal(partition_key)))
    phases.lap("check")

    loaded_at = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    partition_column = "partition_month" if spec.extract.monthly else "snapshot_date"
    partition_value = "?" if spec.extract.monthly else "cast(? as date)"
    source = path.name
    con.execute("begin transaction")
    try:
        con.execute(
            f"delete from {RAW_SCHEMA}.{spec.table} where {partition_column} = {partition_value}",
            [partition_key],
        )
        con.execute(
            f"""insert into {RAW_SCHEMA}.{spec.table}
                ({partition_column}, {", ".join(spec.columns)}, source_line, source_file, loaded_at)
                select {partition_value}, good.*, ?, ?
                from ({good_rows_query(spec, pseudonymiser)}) good""",
            [partition_key, source, loaded_at],
        )
        con.execute(
            f"delete from {RAW_SCHEMA}.rejected_rows where extract = ? and partition_key = ?",
            [spec.extract.name, partition_key],
        )
        con.execute(
            f"""insert into {RAW_SCHEMA}.rejected_rows
                select ?, ?, ?, line_number, reason, {redacted_line_sql()}, ?
                from checked where reason is not null order by line_number""",
            [spec.extract.name, partition_key, source, loaded_at],
        )
        counts = con.execute(
            "select count(*) filter (where reason is null), "
            "count(*) filter (where reason is not null) from checked"
        ).fetchone()
        con.execute(
            f"delete from {RAW_SCHEMA}.load_log where extract = ? and partition_key = ?",
            [spec.extract.name, partition_key],
        )
        con.execute(
            f"insert into {RAW_SCHEMA}.load_log values (?, ?, ?, ?, ?, ?, ?, ?)",
            [
                spec.extract.name,
                partition_key,
                source,
                sha256,
                counts[0],
                counts[1],
                loaded_at,
                pseudonymiser.fingerprint,
            ],
        )
        con.execute("commit")
    except BaseException:
        con.execute("rollback")
        raise
    phases.lap("write")
    reasons = dict(
        con.execute(
            "select split_part(reason, ':', 1), count(*) from checked "
            "where reason is not null group by 1 order by 1"
        ).fetchall()
    )
    return LoadResult(
        spec.extract.name, partition_key, source, counts[0], counts[1], reasons, phases.seconds
    )


def snapshot_files(extract: Extract, landing: Path) -> dict[str, Path]:
    """Every snapshot file of an extract in the landing folder, by snapshot date, oldest first.

    Snapshots are dated (accounts_2018-01-15.csv.gz): each one is kept in the warehouse, and the
    newest is the "current" one.
    """
    dated: dict[str, list[Path]] = {}
    for path in extract.files(landing):
        dated.setdefault(extract.file_pattern.fullmatch(path.name).group(1), []).append(path)
    several = {date: [p.name for p in paths] for date, paths in dated.items() if len(paths) > 1}
    if several:
        raise LoadError(
            f"{extract.folder(landing)}: several files for one snapshot date, keep one: {several}"
        )
    return {date: paths[0] for date, paths in sorted(dated.items())}


def month_file(landing: Path, month: str) -> Path:
    matches = [p for p in contract.AUTH_EVENTS.files(landing) if contract.month_of(p) == month]
    if not matches:
        raise LoadError(f"{contract.AUTH_EVENTS.folder(landing)}: no file for month {month}")
    if len(matches) > 1:
        raise LoadError(f"month {month} has several files, keep one: {[p.name for p in matches]}")
    return matches[0]


def load_month(con, landing: Path, month: str, pseudonymiser: Pseudonymiser) -> LoadResult:
    return load_file(
        con, SPECS[contract.AUTH_EVENTS.name], month_file(landing, month), month, pseudonymiser
    )


def load_months(
    con: duckdb.DuckDBPyConnection,
    landing: Path,
    months: Iterable[str],
    pseudonymiser: Pseudonymiser,
    *,
    workers: int | None = None,
    on_loaded: Callable[[LoadResult], None] | None = None,
) -> list[LoadResult]:
    """Load several months, `workers` at a time, each month in its own transaction.

    Every file is checked first (one file per month, readable, UTF-8, the contract's header):
    if any fails, nothing is loaded and a DeliveryError names them all, so that one run shows
    every fault of a delivery. Then the months load; a month that fails (a fault deeper in its
    file) does not stop the others: the months committed stay (each is whole) and a
    DeliveryError names every month that failed. A key change stops everything at once.

    Reading a gzip file is sequential and a month's checks use few of DuckDB's threads when the
    file is small: loading two months at once keeps both cores busy. Each worker has its own
    cursor (DuckDB's temp tables are per connection); the months touch disjoint rows, so their
    transactions never conflict.
    """
    months = list(dict.fromkeys(months))  # a month twice would be loaded twice at once
    workers = workers or min(len(months), os.cpu_count() or 1, 4) or 1
    problems = []
    for month in months:
        try:
            problem = preflight(month_file(landing, month), contract.AUTH_EVENTS)
        except LoadError as error:
            problem = str(error)
        if problem:
            problems.append(problem)
    if problems:
        raise DeliveryError(problems, loaded=[])

    def load_one(month: str) -> LoadResult:
        cursor = con.cursor()
        try:
            return load_month(cursor, landing, month, pseudonymiser)
        finally:
            cursor.close()

    ensure_raw_schema(con)  # once, before workers race to create it
    results: dict[str, LoadResult] = {}
    failures: dict[str, LoadError] = {}
    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="load") as pool:
        pending = {pool.submit(load_one, month): month for month in months}
        while pending:
            done, _ = wait(pending, return_when=FIRST_EXCEPTION)
            for future in done:
                month = pending.pop(future)
                error = future.exception()
                if isinstance(error, LoadError):
                    failures[month] = error
                    continue
                if error is not None:  # a key change, a bug: nothing more starts
                    for other in pending:
                        other.cancel()
                    wait(pending)
                    raise error
                results[month] = future.result()
                if on_loaded:
                    on_loaded(results[month])
    if failures:
        raise DeliveryError([str(failures[m]) for m in sorted(failures)], loaded=sorted(results))
    return [results[month] for month in months]


def load_snapshots(
    con: duckdb.DuckDBPyConnection,
    landing: Path,
    extract: Extract,
    pseudonymiser: Pseudonymiser,
    *,
    only_changed: bool = True,
) -> list[LoadResult]:
    """Load the snapshot files of an extract, each replacing its own snapshot date only.

    With `only_changed`, a snapshot whose file (name and content) is the one already loaded is
    not read again. Snapshots that left the landing folder stay in the warehouse: history is kept.
    """
    files = snapshot_files(extract, landing)
    if not files:
        raise LoadError(f"{extract.folder(landing)}: no {extract.name} snapshot file")
    loaded = loaded_files(con, extract) if only_changed else {}
    to_load = {
        date: path
        for date, path in files.items()
        if loaded.get(date) != (path.name, file_sha256(path))
    }
    problems = [p for path in to_load.values() if (p := preflight(path, extract))]
    if problems:
        raise DeliveryError(problems, loaded=[])
    results, failures = [], []
    for date, path in to_load.items():
        try:
            results.append(load_file(con, SPECS[extract.name], path, date, pseudonymiser))
        except LoadError as error:  # a key change is no LoadError: it stops at once
            failures.append(str(error))
    if failures:
        raise DeliveryError(failures, loaded=[r.partition_key for r in results])
    return results


def available_months(landing: Path) -> list[str]:
    return sorted({contract.month_of(p) for p in contract.AUTH_EVENTS.files(landing)})
