"""Loads landing extracts into the `raw` schema of the warehouse DuckDB file.

One file at a time, one transaction per file: the file's lines are read as text with their line
numbers, checked against the contract (header, column count, types, reference codes), identifiers
are replaced by their keyed hash, and the file's partition is replaced atomically. A partition is
a month of authentication logs, or one dated snapshot of a snapshot extract (accounts,
pedagogical sequences): every snapshot is kept, and delivering one again replaces that one only.
Rows that break a rule go to raw.rejected_rows with file, line, rule and the line with identifiers
redacted. Nothing is dropped silently: loaded + rejected = data lines of the file, and the load
log says so.
"""

from __future__ import annotations

import datetime as dt
import gzip
import hashlib
import os
import time
from collections.abc import Callable, Iterable
from concurrent.futures import FIRST_EXCEPTION, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from orchestration import reference
from orchestration.extracts import contract
from orchestration.extracts.contract import Extract
from orchestration.extracts.pseudonymise import (
    KeyChangedError,
    Pseudonymiser,
    key_change_message,
)

RAW_SCHEMA = "raw"

RAW_DDL = f"""
create schema if not exists {RAW_SCHEMA};
create table if not exists {RAW_SCHEMA}.auth_events (
    partition_month varchar not null,
    event_time_utc timestamp not null,
    event_local_time timestamp not null,
    account_key varchar not null,
    profile varchar not null,
    uai varchar not null,
    event_type varchar not null,
    service varchar not null,
    result varchar not null,
    source_file varchar not null,
    source_line bigint not null,
    loaded_at timestamp not null
);
create table if not exists {RAW_SCHEMA}.accounts (
    account_key varchar not null,
    profile varchar not null,
    uai varchar not null,
    created_at date not null,
    status varchar not null,
    snapshot_date date not null,
    source_file varchar not null,
    source_line bigint not null,
    loaded_at timestamp not null
);
create table if not exists {RAW_SCHEMA}.pedagogical_sequences (
    sequence_id varchar not null,
    author_key varchar not null,
    uai varchar not null,
    subject varchar not null,
    created_at_utc timestamp not null,
    created_local_time timestamp not null,
    status varchar not null,
    snapshot_date date not null,
    source_file varchar not null,
    source_line bigint not null,
    loaded_at timestamp not null
);
create table if not exists {RAW_SCHEMA}.rejected_rows (
    extract varchar not null,
    partition_key varchar not null,
    source_file varchar not null,
    line_number bigint not null,
    reason varchar not null,
    redacted_line varchar,
    loaded_at timestamp not null
);
create table if not exists {RAW_SCHEMA}.purged_partitions (
    extract varchar not null,
    partition_key varchar not null,
    rows_purged bigint not null,
    purged_before date not null,
    purged_at timestamp not null
);
create table if not exists {RAW_SCHEMA}.load_log (
    extract varchar not null,
    partition_key varchar not null,
    source_file varchar not null,
    file_sha256 varchar not null,
    rows_loaded bigint not null,
    rows_rejected bigint not null,
    loaded_at timestamp not null
);
-- every file of the landing folder at the last scan, and why it is or is not loaded
create table if not exists {RAW_SCHEMA}.landing_files (
    path varchar not null,
    size_bytes bigint not null,
    status varchar not null,
    reason varchar not null,
    extract varchar,
    partition_key varchar,
    scanned_at timestamp not null
);
-- which key pseudonymised the load (orchestration/extracts/pseudonymise.py), never the key
alter table {RAW_SCHEMA}.load_log add column if not exists key_fingerprint varchar;
"""

# ISO 8601 local time with its UTC offset, e.g. 2016-03-01T08:15:00+01:00, or UTC with `Z`
_WALL_CLOCK = "try_strptime(left({c}, 19), '%Y-%m-%dT%H:%M:%S')"
_IS_UTC = "substr({c}, 20) = 'Z'"
_OFFSET_OK = "regexp_full_match(substr({c}, 20), '[+-][0-1][0-9]:[0-5][0-9]|Z')"
_OFFSET_MINUTES = (
    "to_minutes(cast(case when substr({c}, 20, 1) = '-' then -1 else 1 end"
    " * (coalesce(try_cast(substr({c}, 21, 2) as integer), 0) * 60"
    " + coalesce(try_cast(substr({c}, 24, 2) as integer), 0)) as bigint))"
)


class LoadError(RuntimeError):
    """A whole file cannot be loaded (unreadable, wrong header, wrong encoding...)."""


@dataclass(frozen=True)
class Rule:
    reason: str
    failing_when: str  # SQL over the typed columns


@dataclass(frozen=True)
class TableSpec:
    """How the text fields of an extract become the columns of its raw table."""

    extract: Extract
    table: str
    columns: dict[str, str]  # raw column -> SQL over fields ({name} = the field's text)
    rules: tuple[Rule, ...]
    unique_by: str | None = None  # a field whose duplicates are rejected (first kept)
    # computed before `columns`, for the rules only (not stored)
    check_columns: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Timestamp:
    """A timestamp field: the wall-clock time written and its offset give the UTC time; the
    local time stored is Europe/Paris's wall clock at that instant. A written local time must
    be that wall clock: its offset the one Europe/Paris had then, and the time one that exists
    there (not 02:30 on the night clocks go forward). `Z` (UTC) is accepted and converted.
    DuckDB lets a select list use an alias defined before, so the text is parsed once per line
    (this is most of a load's work)."""

    field: str
    utc: str
    local: str

    @property
    def written(self) -> str:
        return f"{self.field}_written"

    @property
    def is_utc(self) -> str:
        return f"{self.field}_is_utc"

    def check_columns(self) -> dict[str, str]:
        c = "{" + self.field + "}"
        return {
            self.written: f"case when {_OFFSET_OK.format(c=c)} then {_WALL_CLOCK.format(c=c)} end",
            self.is_utc: _IS_UTC.format(c=c),
        }

    def columns(self) -> dict[str, str]:
        c = "{" + self.field + "}"
        return {
            self.utc: f"{self.written} - {_OFFSET_MINUTES.format(c=c)}",
            self.local: f"timezone('{contract.TIME_ZONE}', timezone('UTC', {self.utc}))",
        }

    def rules(self) -> tuple[Rule, ...]:
        return (
            Rule(
                "bad_timestamp: expected ISO 8601 local time with offset",
                f"{self.written} is null",
            ),
            Rule(
                f"tz_offset: the offset is not the one {contract.TIME_ZONE} had at that local "
                "time, or that time does not exist there",
                f"not {self.is_utc} and {self.local} <> {self.written}",
            ),
        )


EVENT_TIME = Timestamp("event_time", utc="event_time_utc", local="event_local_time")
SEQUENCE_TIME = Timestamp("created_at", utc="created_at_utc", local="created_local_time")


SPECS = {
    contract.AUTH_EVENTS.name: TableSpec(
        extract=contract.AUTH_EVENTS,
        table="auth_events",
        check_columns=EVENT_TIME.check_columns(),
        columns={
            **EVENT_TIME.columns(),
            "account_key": "{login}",  # hashed by the loader
            "profile": "{profile}",
            "uai": "{uai}",
            "event_type": "{event_type}",
            "service": "{service}",
            "result": "{result}",
        },
        rules=(
            *EVENT_TIME.rules(),
            Rule(
                "timestamp_outside_file_month",
                # a range, not strftime: formatting every timestamp costs more than the rest
                "event_local_time not between cast($partition || '-01' as timestamp) "
                "and cast($partition || '-01' as timestamp) + interval 1 month "
                "- interval 1 microsecond",
            ),
            Rule("missing_login", "coalesce(account_key, '') = ''"),
            Rule("unknown_profile", "profile not in (select code from ref_profile)"),
            Rule("unknown_uai", "uai not in (select code from ref_uai)"),
            Rule("unknown_event_type", f"event_type not in {contract.EVENT_TYPES}"),
            Rule("unknown_service", "service not in (select code from ref_service)"),
            Rule("unknown_result", f"result not in {contract.RESULTS}"),
        ),
    ),
    contract.ACCOUNTS.name: TableSpec(
        extract=contract.ACCOUNTS,
        table="accounts",
        columns={
            "account_key": "{login}",
            "profile": "{profile}",
            "uai": "{uai}",
            "created_at": "try_cast(try_strptime({created_at}, '%Y-%m-%d') as date)",
            "status": "{status}",
        },
        rules=(
            Rule("missing_login", "coalesce(account_key, '') = ''"),
            Rule("unknown_profile", "profile not in (select code from ref_profile)"),
            Rule("unknown_uai", "uai not in (select code from ref_uai)"),
            Rule("bad_date: expected YYYY-MM-DD", "created_at is null"),
            Rule("unknown_status", f"status not in {contract.ACCOUNT_STATUSES}"),
        ),
        unique_by="account_key",
    ),
    contract.PEDAGOGICAL_SEQUENCES.name: TableSpec(
        extract=contract.PEDAGOGICAL_SEQUENCES,
        table="pedagogical_sequences",
        columns={
            "sequence_id": "{sequence_id}",
            "author_key": "{author_login}",
            "uai": "{uai}",
            "subject": "{subject}",
            **SEQUENCE_TIME.columns(),
            "status": "{status}",
        },
        check_columns=SEQUENCE_TIME.check_columns(),
        rules=(
            Rule("missing_sequence_id", "coalesce(sequence_id, '') = ''"),
            Rule("missing_author", "coalesce(author_key, '') = ''"),
            Rule("unknown_uai", "uai not in (select code from ref_uai)"),
            *SEQUENCE_TIME.rules(),
            Rule("unknown_status", f"status not in {contract.SEQUENCE_STATUSES}"),
        ),
        unique_by="sequence_id",
    ),
}


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


def ensure_raw_schema(con: duckdb.DuckDBPyConnection) -> None:
    con.execute(RAW_DDL)


def _register_reference(con: duckdb.DuckDBPyConnection) -> None:
    refs = {
        "ref_uai": [s.uai for s in reference.schools()],
        "ref_profile": [code for p in reference.profiles() for code in p.sdet_codes],
        "ref_service": list(reference.service_codes()),
    }
    for name, codes in refs.items():
        con.execute(f"create or replace temp table {name} (code varchar)")
        con.executemany(f"insert into {name} values (?)", [[c] for c in codes])


def _safe_tokens() -> list[str]:
    """Field values that can be kept in a rejected line: reference codes, never identifiers."""
    return sorted(
        {s.uai for s in reference.schools()}
        | {code for p in reference.profiles() for code in p.sdet_codes}
        | set(reference.service_codes())
        | set(
            contract.EVENT_TYPES
            + contract.RESULTS
            + contract.ACCOUNT_STATUSES
            + contract.SEQUENCE_STATUSES
        )
    )


def key_fingerprints(con: duckdb.DuckDBPyConnection) -> set[str]:
    """The fingerprints of the keys the warehouse's loads were pseudonymised with."""
    rows = con.execute(
        f"select distinct key_fingerprint from {RAW_SCHEMA}.load_log "
        "where key_fingerprint is not null"
    ).fetchall()
    return {fingerprint for (fingerprint,) in rows}


def check_key(con: duckdb.DuckDBPyConnection, pseudonymiser: Pseudonymiser, what: str) -> None:
    """Refuse a load whose key is not the warehouse's, unless the run rebuilds with it."""
    recorded = key_fingerprints(con)
    if recorded and recorded != {pseudonymiser.fingerprint} and not pseudonymiser.rekey:
        raise KeyChangedError(f"{what}: {key_change_message(recorded, pseudonymiser)}")


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


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


def _sql_literal(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def _read_lines(con: duckdb.DuckDBPyConnection, path: Path) -> None:
    """temp table `lines`: every physical line of the file with its 1-based number."""
    if path.stat().st_size == 0:
        # a 0-byte file is not even a valid gzip stream: say what it is, not how it fails
        raise LoadError(f"{path}: line 1: the file is empty (0 bytes; a header line is required)")
    try:
        con.execute(
            "create or replace temp table lines as "
            "select row_number() over () as line_number, raw_line from read_csv("
            f"{_sql_literal(str(path))}, header = false, columns = {{'raw_line': 'VARCHAR'}}, "
            "delim = '\x1f', quote = '', escape = '', auto_detect = false, "
            "strict_mode = false, parallel = false)"
        )
    except duckdb.Error as error:
        message = str(error).splitlines()[0]
        if "unicode" in str(error).lower():
            message = "not UTF-8 encoded (the contract requires UTF-8): " + message
        elif "gzip" in str(error).lower():
            message = "truncated or corrupt gzip file (deliver it again): " + message
        raise LoadError(f"{path}: cannot be read: {message}") from error


def _header_problem(header: str | None, path: Path, extract: Extract) -> str | None:
    """What is wrong with a file's first line, None if it is the contract's header."""
    if header is None:
        return f"{path}: line 1: the file is empty (a header line is required)"
    found = [c.strip() for c in header.lstrip("\ufeff").rstrip("\r\n").split(",")]
    expected = list(extract.columns)
    if found == expected:
        return None
    missing = [c for c in expected if c not in found]
    added = [c for c in found if c not in expected]
    return (
        f"{path}: line 1: header does not match the {extract.name} contract "
        f"(docs/extracts.md): expected {','.join(expected)}; found {','.join(found)}"
        + (f"; missing {missing}" if missing else "")
        + (f"; unexpected {added}" if added else "")
    )


def _check_header(con: duckdb.DuckDBPyConnection, path: Path, extract: Extract) -> None:
    row = con.execute("select raw_line from lines where line_number = 1").fetchone()
    problem = _header_problem(None if row is None else row[0], path, extract)
    if problem:
        raise LoadError(problem)


def preflight(path: Path, extract: Extract) -> str | None:
    """The file-level fault of a file, found from its first line before anything is loaded
    (empty file, not gzip, not UTF-8, header not the contract's); None if it looks loadable.
    Faults further in (a bad byte at line 40,000, a truncated end) are the load's to find."""
    if path.stat().st_size == 0:
        return f"{path}: line 1: the file is empty (0 bytes; a header line is required)"
    opener = gzip.open if path.suffix == ".gz" else open
    try:
        with opener(path, "rb") as handle:
            first = handle.readline(1 << 20)
    except (OSError, EOFError) as error:
        return f"{path}: cannot be read: truncated or corrupt gzip file (deliver it again): {error}"
    try:
        header = first.decode("utf-8") if first else None
    except UnicodeDecodeError as error:
        return f"{path}: line 1: not UTF-8 encoded (the contract requires UTF-8): {error}"
    return _header_problem(header, path, extract)


class DeliveryError(LoadError):
    """Several files of one delivery cannot be loaded: each is named with its fault."""

    def __init__(self, problems: list[str], loaded: list[str] | None = None) -> None:
        self.problems = problems
        count = f"{len(problems)} file{'s' if len(problems) > 1 else ''}"
        kept = (
            f" (the others are loaded: {', '.join(loaded)})"
            if loaded
            else " (nothing was loaded)"
            if loaded is not None
            else ""
        )
        super().__init__(
            f"{count} of the delivery cannot be loaded{kept}:\n  " + "\n  ".join(problems)
        )


def _checked_query(spec: TableSpec) -> str:
    extract = spec.extract
    fields = {name: f"f[{i + 1}]" for i, name in enumerate(extract.columns)}
    typed = ",\n".join(
        f"{expr.format(**fields)} as {column}"
        for column, expr in {**spec.check_columns, **spec.columns}.items()
    )
    checks = "\n".join(
        f"when {rule.failing_when} then {_sql_literal(rule.reason)}" for rule in spec.rules
    )
    duplicate = ""
    if spec.unique_by:
        duplicate = (
            f"when row_number() over (partition by {spec.unique_by} order by line_number) > 1 "
            f"then 'duplicate_{spec.unique_by.replace('_key', '')}'"
        )
    n = len(extract.columns)
    return f"""
        create or replace temp table checked as
        with split as (
            select line_number, raw_line, string_split(rtrim(raw_line, chr(13)), ',') as f
            from lines where line_number > 1
        ),
        typed as (
            select line_number, raw_line, len(f) as field_count, {typed}
            from split
        )
        select *,
            case
                when raw_line is null or trim(raw_line) = '' then 'empty_line'
                when field_count <> {n}
                    then 'column_count: expected {n} fields, found ' || field_count
                when contains(raw_line, '"') then 'stray_quote: fields are never quoted'
                {checks}
                {duplicate}
            end as reason
        from typed
    """


def _good_rows_query(spec: TableSpec, pseudonymiser: Pseudonymiser) -> str:
    """The valid rows with identifiers replaced by their keyed hash (hashed once per identifier)."""
    keys = [c for c, e in spec.columns.items() if e.strip("{}") in spec.extract.identifier_columns]
    joins, select = [], []
    for column in spec.columns:
        if column in keys:
            alias = f"hash_{column}"
            joins.append(
                f"join (select {column} as clear_value, {pseudonymiser.sql(column)} as hashed "
                f"from (select distinct {column} from checked where reason is null)) {alias} "
                f"on {alias}.clear_value = checked.{column}"
            )
            select.append(f"{alias}.hashed")
        else:
            select.append(f"checked.{column}")
    return (
        f"select {', '.join(select)}, line_number "
        f"from checked {' '.join(joins)} where reason is null"
    )


def _redacted_line_sql() -> str:
    """A rejected line keeps only reference codes and timestamps: anything else may identify
    someone."""
    safe = ", ".join(_sql_literal(t) for t in _safe_tokens())
    return (
        "array_to_string(list_transform(string_split(raw_line, ','), lambda x: case "
        f"when x in ({safe}) or regexp_full_match(x, '[0-9][0-9T:+ Z-]*') then x "
        "else '<redacted>' end), ',')"
    )


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
    _register_reference(con)
    # the load log must name the content that was loaded: a file still being copied, or
    # replaced while it is hashed and read, changes its size or mtime and is refused
    phases = _PhaseClock()
    before = _size_and_mtime(path)
    sha256 = file_sha256(path)
    phases.lap("hash")
    _read_lines(con, path)
    if _size_and_mtime(path) != before:
        raise LoadError(f"{path.name}: the file changed while it was read (deliver it again)")
    phases.lap("read")
    _check_header(con, path, spec.extract)
    con.execute(_checked_query(spec).replace("$partition", _sql_literal(partition_key)))
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
                from ({_good_rows_query(spec, pseudonymiser)}) good""",
            [partition_key, source, loaded_at],
        )
        con.execute(
            f"delete from {RAW_SCHEMA}.rejected_rows where extract = ? and partition_key = ?",
            [spec.extract.name, partition_key],
        )
        con.execute(
            f"""insert into {RAW_SCHEMA}.rejected_rows
                select ?, ?, ?, line_number, reason, {_redacted_line_sql()}, ?
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


def loaded_files(con: duckdb.DuckDBPyConnection, extract: Extract) -> dict[str, tuple[str, str]]:
    """partition key -> (file name, sha256) of what the load log says is loaded."""
    ensure_raw_schema(con)
    rows = con.execute(
        f"select partition_key, source_file, file_sha256 from {RAW_SCHEMA}.load_log "
        "where extract = ?",
        [extract.name],
    ).fetchall()
    return {key: (name, sha) for key, name, sha in rows}


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
