"""Besides the assets: what changed in the landing folder, publication, the Dagster instance.

A *target* is what one load replaces: a month of authentication logs ('auth_events/2016-03') or a
snapshot extract ('accounts', 'pedagogical_sequences': only its latest file counts). Targets are
compared by file content (sha256) with what the published warehouse was built from (its
raw.load_log) or with the landing sensor's cursor.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from pathlib import Path

import duckdb
from dagster import DagsterInstance

from orchestration.extracts import contract
from orchestration.extracts.load import file_sha256, latest_snapshot
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


def target_month(target: str) -> str | None:
    """The month of a monthly target, None for a snapshot target."""
    _, _, month = target.partition("/")
    return month or None


def landing_targets(landing: Path) -> dict[str, list[Path]]:
    """The files each target would be loaded from, as the loader chooses them."""
    targets: dict[str, list[Path]] = {}
    for path in contract.AUTH_EVENTS.files(landing):
        targets.setdefault(month_target(contract.month_of(path)), []).append(path)
    for extract in SNAPSHOT_EXTRACTS:
        found = latest_snapshot(extract, landing)
        if found:
            targets[extract.name] = [found[0]]
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
        target = month_target(partition_key) if extract == contract.AUTH_EVENTS.name else extract
        signatures[target] = (FileSignature(source_file, -1, -1, sha256),)
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


def _user_tables(database: Path) -> int:
    con = duckdb.connect(str(database), read_only=True)
    try:
        return con.execute(
            "select count(*) from information_schema.tables "
            "where table_schema not in ('information_schema', 'pg_catalog')"
        ).fetchone()[0]
    finally:
        con.close()


def publish_database(build: Path, published: Path) -> Publication:
    """Replace the published file by a copy of the build file, atomically.

    Readers of the published file keep the version they opened; new readers get the new one.
    The copy is opened before it replaces anything, so a truncated copy is never published.
    """
    if not build.exists():
        raise FileNotFoundError(f"{build}: no build database to publish")
    con = duckdb.connect(str(build))
    try:
        # fold the write-ahead log into the file: the copied file must be complete on its own
        con.execute("checkpoint")
    finally:
        con.close()
    published.parent.mkdir(parents=True, exist_ok=True)
    handle, name = tempfile.mkstemp(
        dir=published.parent, prefix=f".{published.name}.", suffix=".partial"
    )
    partial = Path(name)
    try:
        with os.fdopen(handle, "wb") as target, build.open("rb") as source:
            shutil.copyfileobj(source, target, 1 << 20)
            target.flush()
            os.fsync(target.fileno())
        tables = _user_tables(partial)
        os.replace(partial, published)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    return Publication(published, published.stat().st_size, tables)


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
