"""The `raw` schema of the warehouse and its load log: what is loaded, from which file, whose key.

RAW_DDL creates the raw tables (one per extract), the rejected rows, the purged partitions, the
landing files and the load log. A loaded file is named in the log by its SHA-256
(`file_sha256()`) and the fingerprint of the key that pseudonymised it (`key_fingerprints()`,
`check_key()`: a load with another key is refused unless the run rebuilds with it).
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import duckdb

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


def ensure_raw_schema(con: duckdb.DuckDBPyConnection) -> None:
    con.execute(RAW_DDL)


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


def loaded_files(con: duckdb.DuckDBPyConnection, extract: Extract) -> dict[str, tuple[str, str]]:
    """partition key -> (file name, sha256) of what the load log says is loaded."""
    ensure_raw_schema(con)
    rows = con.execute(
        f"select partition_key, source_file, file_sha256 from {RAW_SCHEMA}.load_log "
        "where extract = ?",
        [extract.name],
    ).fetchall()
    return {key: (name, sha) for key, name, sha in rows}
