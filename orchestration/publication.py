"""Publication: the build file copied atomically to the published warehouse, the versions kept
for `leia rollback`, the rollback itself, and the build files of failed runs kept for inspection.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import shutil
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import duckdb

from orchestration.home import HomeLayout
from orchestration.settings import settings


@dataclass(frozen=True)
class Publication:
    path: Path
    size_bytes: int
    tables: int
    version: Path | None = None  # the kept copy of this publication, for `leia rollback`


KEEP_FAILED_BUILDS = 2


def keep_versions() -> int:
    """LEIA_KEEP_VERSIONS (SettingsError, a ValueError, for a bad value)."""
    return settings().keep_versions


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
            os.close(handle)
            # copied by the kernel (sendfile), not through Python's buffers: a 5 GB file in
            # 2.7 s instead of 5.4-10.6 s here
            shutil.copyfile(source, partial)
            _fsync(partial)
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


def _fsync(path: Path) -> None:
    """On disk before the rename: a crash must not leave a published name on missing data."""
    descriptor = os.open(path, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


def _wal(database: Path) -> Path:
    return database.with_name(database.name + ".wal")


def published_versions(published: Path) -> list[Path]:
    """The kept publications, oldest first (their names sort by publication time)."""
    return sorted(
        HomeLayout(published.parent).versions.glob(f"{published.stem}-*{published.suffix}")
    )


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
    version = (
        HomeLayout(published.parent).versions / f"{published.stem}-{_timestamp()}{published.suffix}"
    )

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
                f"{HomeLayout(published.parent).versions}: no version older than the published one "
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
    kept = HomeLayout(home).failed / f"{build.stem}-{_timestamp()}-{run_id[:8]}{build.suffix}"
    kept.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(build, kept)
    _prune(sorted(kept.parent.glob(f"{build.stem}-*{build.suffix}")), KEEP_FAILED_BUILDS)
    return kept
