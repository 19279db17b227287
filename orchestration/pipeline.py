"""Besides the assets: what changed in the landing folder, publication, the Dagster instance.

A *target* is what one load replaces: a month of authentication logs ('auth_events/2016-03') or
one dated snapshot of a snapshot extract ('accounts/2018-01-15'). Targets are compared by file
content (sha256) with what the published warehouse was built from (its raw.load_log) or with the
landing sensor's cursor.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import os
import shutil
import tempfile
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass
from pathlib import Path

import duckdb
from dagster import DagsterInstance

from orchestration.extracts import contract
from orchestration.extracts.pseudonymise import KeyChangedError, Pseudonymiser, key_change_message
from orchestration.extracts.raw_schema import file_sha256, key_fingerprints
from orchestration.partitions import is_partition_month, partition_of_month
from orchestration.settings import PROJECT_DIR

SNAPSHOT_EXTRACTS = (contract.ACCOUNTS, contract.PEDAGOGICAL_SEQUENCES)
DAGSTER_YAML = PROJECT_DIR / "dagster.yaml"

# Tags of a single run over a partition range (what Dagster's "single run" backfills set).
RANGE_START_TAG = "dagster/asset_partition_range_start"
RANGE_END_TAG = "dagster/asset_partition_range_end"


# ---------------------------------------------------------------------------------- targets
def month_target(month: str) -> str:
    return f"{contract.AUTH_EVENTS.name}/{month}"


def target_of(extract: str, partition_key: str) -> str:
    return f"{extract}/{partition_key}"


def target_extract(target: str) -> str:
    """'accounts' for 'accounts/2018-01-15'."""
    return target.partition("/")[0]


def target_month(target: str) -> str | None:
    """The month of a monthly target, None for a snapshot target."""
    extract, _, month = target.partition("/")
    return month if extract == contract.AUTH_EVENTS.name else None


def landing_targets(landing: Path) -> dict[str, list[Path]]:
    """The files each target would be loaded from, as the loader chooses them (two files for
    one target are the loader's error to report, not this listing's)."""
    targets: dict[str, list[Path]] = {}
    for extract in contract.EXTRACTS:
        for path in extract.files(landing):
            key = extract.file_pattern.fullmatch(path.name).group(1)
            targets.setdefault(target_of(extract.name, key), []).append(path)
    return targets


def has_extracts(landing: Path) -> bool:
    return any(extract.files(landing) for extract in contract.EXTRACTS)


@dataclass(frozen=True)
class FileSignature:
    name: str
    size: int
    mtime_ns: int
    sha256: str

    @classmethod
    def of(cls, path: Path, cached: FileSignature | None = None) -> FileSignature:
        """Hash the file unless size and mtime show it is the cached one (the sensor runs often)."""
        stat = path.stat()
        if cached and (cached.name, cached.size, cached.mtime_ns) == (
            path.name,
            stat.st_size,
            stat.st_mtime_ns,
        ):
            return cached
        return cls(path.name, stat.st_size, stat.st_mtime_ns, file_sha256(path))

    @property
    def content(self) -> tuple[str, str]:
        return self.name, self.sha256


Signatures = dict[str, tuple[FileSignature, ...]]


def _contents(files: Iterable[FileSignature]) -> list[tuple[str, str]]:
    return [f.content for f in files]


def signatures_to_json(signatures: Signatures) -> str:
    return json.dumps({t: [asdict(f) for f in files] for t, files in sorted(signatures.items())})


def signatures_from_json(text: str) -> Signatures:
    return {t: tuple(FileSignature(**f) for f in files) for t, files in json.loads(text).items()}


def published_signatures(published: Path) -> Signatures | None:
    """The files the published warehouse was loaded from; None if it cannot be read now.

    Size and mtime are unknown (-1): the first comparison hashes the landing files.
    """
    if not published.exists():
        return {}
    try:
        con = duckdb.connect(str(published), read_only=True)
    except duckdb.Error:
        # e.g. a user holds it open read-write: the caller must assume everything changed
        return None
    try:
        rows = con.execute(
            "select extract, partition_key, source_file, file_sha256 from raw.load_log"
        ).fetchall()
    except duckdb.CatalogException:
        rows = []
    finally:
        con.close()
    signatures: Signatures = {}
    for extract, partition_key, source_file, sha256 in rows:
        signatures[target_of(extract, partition_key)] = (
            FileSignature(source_file, -1, -1, sha256),
        )
    return signatures


@dataclass(frozen=True)
class LandingChange:
    target: str
    files: tuple[FileSignature, ...]

    @property
    def month(self) -> str | None:
        return target_month(self.target)

    @property
    def run_key(self) -> str:
        # mtime too: a file changed and changed back must be loaded again, under a new key
        return f"{self.target}@" + "+".join(f"{f.sha256[:16]}.{f.mtime_ns}" for f in self.files)


@dataclass(frozen=True)
class LandingScan:
    changes: list[LandingChange]
    signatures: Signatures  # the next cursor
    settling: list[str]  # targets with a file still being written, looked at again next time


def scan_landing(
    landing: Path, previous: Signatures, *, now: float, settle_seconds: float
) -> LandingScan:
    """Targets whose files differ in content from `previous`.

    A file modified less than `settle_seconds` ago may still be being copied (a real export is
    dropped by scp or a network share, not written atomically): it is left for a later scan.
    """
    changes, settling, signatures = [], [], {}
    for target, paths in sorted(landing_targets(landing).items()):
        before = previous.get(target, ())
        if any(now - path.stat().st_mtime < settle_seconds for path in paths):
            settling.append(target)
            if before:
                signatures[target] = before
            continue
        cached = {f.name: f for f in before}
        files = tuple(FileSignature.of(path, cached.get(path.name)) for path in paths)
        signatures[target] = files
        if _contents(files) != _contents(before):
            changes.append(LandingChange(target, files))
    return LandingScan(changes, signatures, settling)


def stale_targets(landing: Path, published: Path) -> list[str]:
    """Targets whose landing files are not what the published warehouse was loaded from."""
    loaded = published_signatures(published)
    targets = landing_targets(landing)
    if loaded is None:
        return sorted(targets)
    return sorted(
        target
        for target, paths in targets.items()
        if [(p.name, file_sha256(p)) for p in paths] != _contents(loaded.get(target, ()))
    )


def purged_months(database: Path) -> list[str]:
    """The months whose events `leia purge` deleted from `database` (raw.purged_partitions)."""
    if not database.exists():
        return []
    with duckdb.connect(str(database), read_only=True) as con:
        try:
            rows = con.execute(
                "select distinct partition_key from raw.purged_partitions "
                "where extract = ? order by 1",
                [contract.AUTH_EVENTS.name],
            ).fetchall()
        except duckdb.CatalogException:  # a warehouse older than the table: nothing purged
            return []
    return [row[0] for row in rows]


def without_purged(database: Path, months: Iterable[str]) -> tuple[list[str], str | None]:
    """`months` less those `leia purge` deleted from `database`, which are never loaded again
    (their retention period is over), and the message that says so (None: none was purged)."""
    months = list(months)
    purged = set(purged_months(database))
    skipped = sorted(purged.intersection(months))
    message = (
        f"not loaded, purged (retention period over): auth_events of {', '.join(skipped)}"
        if skipped
        else None
    )
    return [m for m in months if m not in purged], message


# ------------------------------------------------------------------------------ key identity
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


# ------------------------------------------------------------------------------ publication
@dataclass(frozen=True)
class Publication:
    path: Path
    size_bytes: int
    tables: int
    version: Path | None = None  # the kept copy of this publication, for `leia rollback`


VERSIONS_DIR = "versions"  # in LEIA_HOME: the last published warehouses, newest last
FAILED_DIR = "failed"  # in LEIA_HOME: build files of failed runs, kept for inspection
KEEP_VERSIONS_VARIABLE = "LEIA_KEEP_VERSIONS"
DEFAULT_KEEP_VERSIONS = 3
KEEP_FAILED_BUILDS = 2


def keep_versions() -> int:
    value = os.environ.get(KEEP_VERSIONS_VARIABLE, str(DEFAULT_KEEP_VERSIONS))
    if not value.isdigit() or int(value) < 1:
        raise ValueError(f"{KEEP_VERSIONS_VARIABLE}={value!r}: expected a whole number >= 1")
    return int(value)


def _timestamp() -> str:
    return dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%S%fZ")


def _user_tables(database: Path) -> int:
    con = duckdb.connect(str(database), read_only=True)
    try:
        return con.execute(
            "select count(*) from information_schema.tables "
            "where table_schema not in ('information_schema', 'pg_catalog')"
        ).fetchone()[0]
    finally:
        con.close()


def _checkpoint(database: Path) -> None:
    """Fold the write-ahead log into the file: a copied file must be complete on its own."""
    con = duckdb.connect(str(database))
    try:
        con.execute("checkpoint")
    finally:
        con.close()


def _replace_atomically(
    source: Path,
    target: Path,
    *,
    copy: bool,
    before_replace: Callable[[Path], None] | None = None,
) -> Path:
    """Make `target` what `source` is, in one rename: readers see the old file or the new one.

    A copy is opened before it replaces anything, so a truncated copy never replaces a file.
    Without `copy`, a hard link is enough: published files are never written in place.
    `before_replace(partial)` runs last before the rename: if it fails, `target` is untouched.
    """
    target.parent.mkdir(parents=True, exist_ok=True)
    handle, name = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".partial")
    partial = Path(name)
    try:
        if copy:
            with os.fdopen(handle, "wb") as out, source.open("rb") as data:
                shutil.copyfileobj(data, out, 1 << 20)
                out.flush()
                os.fsync(out.fileno())
            _user_tables(partial)
        else:
            os.close(handle)
            partial.unlink()
            os.link(source, partial)
        if before_replace:
            before_replace(partial)
        os.replace(partial, target)
    finally:
        # os.replace of two links to one file does nothing and leaves the source link behind
        partial.unlink(missing_ok=True)
    return target


def _wal(database: Path) -> Path:
    return database.with_name(database.name + ".wal")


def published_versions(published: Path) -> list[Path]:
    """The kept publications, oldest first (their names sort by publication time)."""
    return sorted((published.parent / VERSIONS_DIR).glob(f"{published.stem}-*{published.suffix}"))


def _prune(files: list[Path], keep: int, protect: Path | None = None) -> None:
    for old in files[: max(len(files) - keep, 0)]:
        if protect is None or not (protect.exists() and old.samefile(protect)):
            old.unlink(missing_ok=True)


def publish_database(build: Path, published: Path) -> Publication:
    """Replace the published file by a copy of the build file, atomically, and keep it as a
    version (a hard link: no second copy while it is the published file).

    Readers of the published file keep the version they opened; new readers get the new one.
    The version is linked before the rename, so a failure to keep it publishes nothing. The last
    LEIA_KEEP_VERSIONS publications are kept for `leia rollback`.
    """
    keep = keep_versions()
    if not build.exists():
        raise FileNotFoundError(f"{build}: no build database to publish")
    _checkpoint(build)
    version = published.parent / VERSIONS_DIR / f"{published.stem}-{_timestamp()}{published.suffix}"

    def keep_as_version(partial: Path) -> None:
        version.parent.mkdir(parents=True, exist_ok=True)
        os.link(partial, version)

    try:
        _replace_atomically(build, published, copy=True, before_replace=keep_as_version)
    except BaseException:
        if version.exists() and not (published.exists() and version.samefile(published)):
            version.unlink()
        raise
    _prune(published_versions(published), keep, protect=published)
    return Publication(published, published.stat().st_size, _user_tables(published), version)


def reset_build(build: Path, source: Path) -> None:
    """Make the build file a copy of `source` (a published version): the next run starts from
    it and reloads whatever the landing folder holds that differs from it.

    Refused while a run holds the build file (DuckDB's lock); a write-ahead log left by a killed
    run belongs to the old file and goes with it.
    """
    if build.exists():
        try:
            duckdb.connect(str(build)).close()  # takes and releases the writer's lock
        except duckdb.IOException as error:
            raise BuildInUseError(
                f"{build}: a run is using the build file, try again when it ends ({error})"
            ) from error
    _wal(build).unlink(missing_ok=True)
    _replace_atomically(source, build, copy=True)


class BuildInUseError(RuntimeError):
    pass


@dataclass(frozen=True)
class Rollback:
    restored: Path
    discarded: list[Path]  # the versions newer than the restored one: what was rolled back


def rollback(
    published: Path, build: Path, to: Path | None = None, *, wait_seconds: float = 0
) -> Rollback:
    """Publish again the kept version before the current one (or `to`), atomically.

    The versions newer than the restored one are discarded, so that a second rollback goes
    further back instead of to what was just rolled back. The build file is reset first (see
    reset_build): if that fails, nothing is published. Holds LEIA_HOME's run lock (the folder of
    the published file): RunInProgressError while a run holds it (after `wait_seconds`).
    """
    from orchestration.run_lock import run_lock

    with run_lock(published.parent, wait_seconds=wait_seconds):
        return _rollback(published, build, to)


def _rollback(published: Path, build: Path, to: Path | None) -> Rollback:
    versions = published_versions(published)
    current = next(
        (i for i, v in enumerate(versions) if published.exists() and v.samefile(published)),
        None,
    )
    if to is None:
        if not current:  # None: the published file is no kept version; 0: the oldest one
            raise FileNotFoundError(
                f"{published.parent / VERSIONS_DIR}: no version older than the published one "
                f"to roll back to (kept: {[v.name for v in versions] or 'none'})"
            )
        to = versions[current - 1]
    elif to not in versions:
        raise FileNotFoundError(
            f"{to.name}: no such version (kept: {[v.name for v in versions] or 'none'})"
        )
    reset_build(build, to)
    _replace_atomically(to, published, copy=False)
    discarded = [v for v in versions if v.name > to.name]
    for newer in discarded:
        newer.unlink()
    return Rollback(to, discarded)


def keep_failed_build(build: Path, home: Path, run_id: str) -> Path | None:
    """Copy the build file of a failed run where the next run will not change it."""
    if not build.exists():
        return None
    # if it cannot be checkpointed (held by another writer), the copy is still what the run left
    with contextlib.suppress(duckdb.Error):
        _checkpoint(build)
    kept = home / FAILED_DIR / f"{build.stem}-{_timestamp()}-{run_id[:8]}{build.suffix}"
    kept.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(build, kept)
    _prune(sorted(kept.parent.glob(f"{build.stem}-*{build.suffix}")), KEEP_FAILED_BUILDS)
    return kept


# --------------------------------------------------------------------------------- instance
def prepare_dagster_home(dagster_home: Path) -> Path:
    """DAGSTER_HOME with the repository's dagster.yaml (run queue of one, no telemetry)."""
    dagster_home.mkdir(parents=True, exist_ok=True)
    config = dagster_home / "dagster.yaml"
    if not config.exists() or config.read_bytes() != DAGSTER_YAML.read_bytes():
        shutil.copyfile(DAGSTER_YAML, config)
    return dagster_home


def dagster_instance(home: Path) -> DagsterInstance:
    """A Dagster instance stored in LEIA_HOME: in-process runs write nothing elsewhere.

    It is the instance `make dev` uses for the default LEIA_HOME, so runs of `leia run` appear
    in the UI's history.
    """
    return DagsterInstance.from_config(str(prepare_dagster_home(home / "dagster_home")))
