"""What changed in the landing folder since a warehouse was loaded, or since the sensor looked.

A *target* is what one load replaces: a month of authentication logs ('auth_events/2016-03') or
one dated snapshot of a snapshot extract ('accounts/2018-01-15'). Targets are compared by file
content (sha256) with what the published warehouse was built from (its raw.load_log) or with the
landing sensor's cursor.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from pathlib import Path

import duckdb

from orchestration.extracts import contract
from orchestration.extracts.raw_schema import file_sha256

SNAPSHOT_EXTRACTS = (contract.ACCOUNTS, contract.PEDAGOGICAL_SEQUENCES)


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
