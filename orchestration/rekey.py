"""Key identity: a warehouse is loaded with one pseudonymisation key, or rebuilt with a new one."""

from __future__ import annotations

from pathlib import Path

import duckdb

from orchestration.changes import landing_targets, published_signatures, purged_months
from orchestration.extracts.pseudonymise import KeyChangedError, Pseudonymiser, key_change_message
from orchestration.extracts.raw_schema import key_fingerprints


class RekeyError(RuntimeError):
    """`--rekey` cannot give every person of the warehouse the new key."""


def check_warehouse_key(database: Path, pseudonymiser: Pseudonymiser) -> None:
    """KeyChangedError when `database` was loaded with another key than `pseudonymiser`'s
    (its raw.load_log records the key fingerprint of every load), unless it rekeys."""
    if not database.exists():
        return
    with duckdb.connect(str(database), read_only=True) as con:
        try:
            recorded = key_fingerprints(con)
        except duckdb.Error:  # a warehouse older than the fingerprints: nothing to compare
            return
    if recorded and recorded != {pseudonymiser.fingerprint} and not pseudonymiser.rekey:
        raise KeyChangedError(f"{database}: {key_change_message(recorded, pseudonymiser)}")


def check_rekey(database: Path, landing: Path) -> None:
    """Everything the warehouse holds must be reloaded with the new key: refuse when a month's
    events were purged (their aggregates keep the old pseudonyms and cannot be re-keyed) or a
    month or snapshot it holds has no file in the landing folder any more."""
    if not database.exists():
        return
    purged = purged_months(database)
    if purged:
        raise RekeyError(
            f"{database}: the events of {', '.join(purged)} were purged (`leia purge`): their "
            "monthly aggregates keep the old pseudonyms and cannot be given the new key. Keep "
            "the old key, or start a new warehouse (another LEIA_HOME) from the extracts with "
            "the new one"
        )
    loaded = published_signatures(database) or {}
    missing = sorted(set(loaded) - set(landing_targets(landing)))
    if missing:
        raise RekeyError(
            f"{database} holds {', '.join(missing)}, whose files are not in {landing} any more: "
            "they cannot be reloaded with the new key. Put the files back, or keep the old key"
        )
