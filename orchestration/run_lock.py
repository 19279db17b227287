"""One run at a time in a LEIA_HOME, for the whole run: the run lock (LEIA_HOME/run.lock).

DuckDB's file lock only guards one connection: between two steps of a run (the loads, dbt, the
checks, the publication) the build file is free, and another run could load into it, or keep it
as its own failed build. The run lock is held from the first load to the publication by
whatever writes the warehouse: `leia run` (the whole command), every Dagster run that
materialises a raw, dbt or publish asset (the `run_lock` resource of
orchestration/defs/resources.py), `leia rollback`, `leia purge` and the Spark export.

It is an exclusive `fcntl.flock` on LEIA_HOME/run.lock, tried without blocking: a concurrent
attempt stops at once with a RunInProgressError naming the holder, or waits up to a given number
of seconds, saying every ~30 s on stderr whom it waits for. The file says who holds it (pid,
host, command, start time, as JSON) and is emptied on release. The kernel releases a flock when
its holder dies, even by SIGKILL: a file still naming a holder when the lock is free was left by
a process that died, and the lock is taken over (and said so). The file itself is never deleted
(deleting a lock file lets two processes lock two different files).

The lock is re-entrant within one process (`leia run` holds it, then runs the Dagster job in the
same process, whose resource takes it again): a per-process count per lock file, thread-safe.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import errno
import fcntl
import json
import os
import socket
import sys
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass
from pathlib import Path

from orchestration.home import HomeLayout

REPORT_EVERY_SECONDS = 30.0  # how often a waiting attempt says it is still waiting
POLL_SECONDS = 0.5  # how often a waiting attempt tries again
EXIT_RUN_IN_PROGRESS = 3  # exit code of a command refused because another run holds the lock


class RunInProgressError(RuntimeError):
    """Another process holds the run lock of this LEIA_HOME."""

    def __init__(self, message: str, holder: Holder | None) -> None:
        super().__init__(message)
        self.holder = holder


@dataclass(frozen=True)
class Holder:
    """Who holds (or held) a run lock: what the lock file says."""

    pid: int
    host: str
    command: str
    started_at: str  # ISO 8601, UTC

    @classmethod
    def of_this_process(cls, command: str | None) -> Holder:
        return cls(
            pid=os.getpid(),
            host=socket.gethostname(),
            command=command or default_command(),
            started_at=dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        )

    @classmethod
    def from_text(cls, text: str) -> Holder | None:
        """None for an empty file (free lock) or one that is not a holder's JSON."""
        try:
            data = json.loads(text)
            return cls(
                pid=int(data["pid"]),
                host=str(data["host"]),
                command=str(data["command"]),
                started_at=str(data["started_at"]),
            )
        except (ValueError, TypeError, KeyError):
            return None

    def to_text(self) -> str:
        return json.dumps(asdict(self)) + "\n"

    @property
    def started(self) -> str:
        """'2018-01-15 06:00:03 UTC'."""
        return self.started_at.replace("T", " ").replace("Z", " UTC")

    def describe(self) -> str:
        """'pid 123, `leia run`, started at 2018-01-15 06:00:03 UTC' (and the host, if another)."""
        host = "" if self.host == socket.gethostname() else f" on {self.host}"
        return f"pid {self.pid}{host}, `{self.command}`, started at {self.started}"

    def running(self) -> bool | None:
        """Whether the process is alive (None: it runs on another host, unknown)."""
        if self.host != socket.gethostname():
            return None
        try:
            os.kill(self.pid, 0)
        except ProcessLookupError:
            return False
        except PermissionError:
            return True
        return True


def default_command() -> str:
    """This process's command line, short: 'leia run --wait 60'."""
    argv = [Path(sys.argv[0]).name if sys.argv and sys.argv[0] else "python", *sys.argv[1:]]
    return " ".join(argv)[:300]


def lock_path(home: str | Path) -> Path:
    return HomeLayout(Path(home).resolve()).run_lock


def say(message: str) -> None:
    print(f"[leia] {message}", file=sys.stderr, flush=True)


@dataclass
class _Held:
    fd: int
    count: int
    holder: Holder


_STATE = threading.Lock()  # guards _HELD
_HELD: dict[Path, _Held] = {}  # resolved lock file -> this process's hold on it


@dataclass(frozen=True)
class RunLock:
    """One acquisition of the run lock of `home` (release it once)."""

    path: Path
    holder: Holder  # the outermost holder in this process: what the file says

    @property
    def home(self) -> Path:
        return self.path.parent


def _read(fd: int) -> str:
    chunks = []
    offset = 0
    while chunk := os.pread(fd, 1 << 16, offset):
        chunks.append(chunk)
        offset += len(chunk)
    return b"".join(chunks).decode("utf-8", errors="replace")


def read_holder(home: str | Path) -> Holder | None:
    """Who the lock file of `home` names (None: nobody). Reads only: the file of a process
    that died still names it, until the next holder takes the lock over."""
    path = lock_path(home)
    try:
        return Holder.from_text(path.read_text(encoding="utf-8", errors="replace"))
    except FileNotFoundError:
        return None


def _current_holder(path: Path) -> Holder | None:
    """The holder named by a locked file; it writes its name just after taking the lock, so an
    empty file is read again for a moment."""
    for _ in range(10):
        try:
            holder = Holder.from_text(path.read_text(encoding="utf-8", errors="replace"))
        except FileNotFoundError:
            holder = None
        if holder is not None:
            return holder
        time.sleep(0.05)
    return None


def _try_lock(fd: int) -> bool:
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError as error:
        if error.errno in (errno.EWOULDBLOCK, errno.EAGAIN, errno.EACCES):
            return False
        raise
    return True


def _in_progress(home: Path, holder: Holder | None) -> str:
    who = holder.describe() if holder else "holder unknown"
    return f"another run ({who}) is in progress in {home}"


def acquire(
    home: str | Path,
    command: str | None = None,
    wait_seconds: float = 0,
    *,
    notify: Callable[[str], None] = say,
    report_every: float = REPORT_EVERY_SECONDS,
) -> RunLock:
    """Take the run lock of `home` (LEIA_HOME, created if missing); release() it once.

    Re-entrant in one process. If another process holds it: RunInProgressError at once
    (`wait_seconds` 0), or after trying for `wait_seconds`, calling `notify` when it starts to
    wait and every `report_every` seconds. `command` is what the file says is running
    (default: this process's command line).
    """
    path = lock_path(home)
    deadline = time.monotonic() + max(wait_seconds, 0)
    next_report = 0.0  # report at once, then every report_every seconds
    started = time.monotonic()
    fd: int | None = None
    named_nobody = False
    try:
        while True:
            with _STATE:
                held = _HELD.get(path)
                if held is not None:
                    held.count += 1
                    return RunLock(path, held.holder)
                if fd is None:
                    path.parent.mkdir(parents=True, exist_ok=True)
                    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
                if _try_lock(fd):
                    holder = Holder.of_this_process(command)
                    left = Holder.from_text(_read(fd))
                    os.ftruncate(fd, 0)
                    os.pwrite(fd, holder.to_text().encode("utf-8"), 0)
                    _HELD[path] = _Held(fd, 1, holder)
                    fd = None  # owned by _HELD now
                    break
            holder_now = _current_holder(path)
            if holder_now is None and not named_nobody:
                # an emptied file: the holder has most likely just released the lock, try again
                # before saying "holder unknown" (a file left empty while locked says it then)
                named_nobody = True
                continue
            named_nobody = holder_now is None
            now = time.monotonic()
            if now >= deadline:
                if wait_seconds > 0:
                    raise RunInProgressError(
                        f"{_in_progress(path.parent, holder_now)}: still running after waiting "
                        f"{wait_seconds:g} s; try again when it ends",
                        holder_now,
                    )
                raise RunInProgressError(
                    f"{_in_progress(path.parent, holder_now)}; start again when it ends, or give "
                    "--wait SECONDS to wait for it",
                    holder_now,
                )
            waited = now - started
            if waited >= next_report:
                if next_report == 0:
                    notify(
                        f"{_in_progress(path.parent, holder_now)}: waiting up to "
                        f"{wait_seconds:g} s for it to end"
                    )
                else:
                    notify(
                        f"still waiting ({waited:.0f} s of {wait_seconds:g} s): "
                        f"{_in_progress(path.parent, holder_now)}"
                    )
                next_report = waited + report_every
            time.sleep(min(POLL_SECONDS, max(deadline - now, 0)))
    finally:
        if fd is not None:
            os.close(fd)
    if left is not None and left.pid != os.getpid():
        running = left.running()
        state = {
            False: "no longer running",
            True: "the process of that pid no longer holds it",
            None: f"on {left.host}; the lock was released",
        }[running]
        notify(f"taking over the lock left by pid {left.pid} ({state}): {path}")
    return RunLock(path, holder)


def release(lock: RunLock) -> None:
    """Give back one acquisition; the last one empties the file and unlocks it."""
    with _STATE:
        held = _HELD.get(lock.path)
        if held is None:
            raise RuntimeError(f"{lock.path}: the run lock is not held by this process")
        held.count -= 1
        if held.count > 0:
            return
        del _HELD[lock.path]
        try:
            os.ftruncate(held.fd, 0)  # the file names nobody: the lock is free
        finally:
            fcntl.flock(held.fd, fcntl.LOCK_UN)
            os.close(held.fd)


@contextlib.contextmanager
def run_lock(
    home: str | Path,
    command: str | None = None,
    wait_seconds: float = 0,
    *,
    notify: Callable[[str], None] = say,
    report_every: float = REPORT_EVERY_SECONDS,
) -> Iterator[RunLock]:
    """Hold the run lock of `home` for the `with` block (see acquire); released on exit, also
    on an exception."""
    lock = acquire(home, command, wait_seconds, notify=notify, report_every=report_every)
    try:
        yield lock
    finally:
        release(lock)


def held_here(home: str | Path) -> bool:
    """Whether this process holds the run lock of `home`."""
    with _STATE:
        return lock_path(home) in _HELD


def home_of_database(database: str | Path) -> Path | None:
    """The LEIA_HOME whose run writes `database`: LEIA_HOME/leia.duckdb (published) or
    LEIA_HOME/build/leia.duckdb (build); None for any other file (a copy, a test's database)."""
    path = Path(database).resolve()
    if path.name != "leia.duckdb":
        return None
    if path == HomeLayout(path.parent.parent).build_database:
        return path.parent.parent
    # LEIA_HOME/purge/leia.duckdb is `leia purge`'s work copy (orchestration/retention.py)
    return None if path.parent == HomeLayout(path.parent.parent).purge else path.parent
