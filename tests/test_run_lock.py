"""One run at a time in a LEIA_HOME (orchestration/run_lock.py): real processes, no mocks.

The lock itself (re-entrant, refusal, waiting, takeover of a killed holder's lock), the Dagster
resource (held once for a whole run; schedules and sensors never take it), and the commands that
stop at once while another run holds it. Two real `leia run` at once on one LEIA_HOME, started
at several moments of the first (refused, or waiting with --wait and running after it), are
tests/test_faults.py's test_11: the fault matrix of docs/reliability.md records that one.

Longer than 350 lines because the lock, its Dagster resource and the commands that take it are
one subject, and their tests share the helpers that start and stop real processes.
"""

from __future__ import annotations

import contextlib
import os
import re
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import duckdb
import pytest
from dagster import DagsterEventType

from orchestration import run_lock
from orchestration.definitions import build_definitions
from orchestration.defs.publish.schedules import warehouse_run
from orchestration.defs.raw.sensors import INGEST_JOB
from orchestration.instance import dagster_instance
from orchestration.publication import publish_database, published_versions
from orchestration.run_lock import RunInProgressError, held_here, read_holder
from orchestration.settings import PROJECT_DIR, Paths
from orchestration.spark import export_raw_to_parquet
from orchestration.synthetic.generate import generate

LEIA = Path(sys.executable).parent / "leia"
STARTED_AT = r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC"

# holds the run lock of argv[1] (saying it is argv[2]) until its stdin is closed
HOLDER = """
import sys
from orchestration.run_lock import run_lock
with run_lock(sys.argv[1], sys.argv[2]):
    print("held", flush=True)
    sys.stdin.read()
print("released", flush=True)
"""

# locks the file argv[1] without writing a name in it, until its stdin is closed
EMPTY_LOCKER = """
import fcntl, os, sys
fd = os.open(sys.argv[1], os.O_RDWR | os.O_CREAT)
fcntl.flock(fd, fcntl.LOCK_EX)
print("locked", flush=True)
sys.stdin.read()
"""


# ------------------------------------------------------------------------------------ helpers
@pytest.fixture(scope="module")
def landing(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Small generated extracts, shared by the module; an hour old, so that the landing
    sensor does not wait for them to settle."""
    landing = tmp_path_factory.mktemp("run_lock") / "landing"
    generate(landing, seed=5, scale=0.01)
    an_hour_ago = time.time() - 3600
    for path in landing.rglob("*"):
        os.utime(path, (an_hour_ago, an_hour_ago))
    return landing


@contextlib.contextmanager
def holder(home: Path, command: str = "leia run --full") -> Iterator[subprocess.Popen]:
    """Another process holding the run lock of `home` for the `with` block."""
    process = subprocess.Popen(
        [sys.executable, "-c", HOLDER, str(home), command],
        cwd=PROJECT_DIR,
        env={**os.environ, "PYTHONPATH": str(PROJECT_DIR)},
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout.readline().strip() == "held"
        yield process
    finally:
        if process.poll() is None:
            process.stdin.close()
            process.wait(timeout=30)
        process.stdout.close()


def in_progress(pid: int, command: str, home: Path) -> re.Pattern:
    """What a refused attempt says, for the holder `pid` running `command`."""
    return re.compile(
        rf"another run \(pid {pid}, `{re.escape(command)}`, started at {STARTED_AT}\) "
        rf"is in progress in {re.escape(str(home.resolve()))}"
    )


def leia(*arguments: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(LEIA), *arguments], cwd=PROJECT_DIR, capture_output=True, text=True, timeout=300
    )


def tree(home: Path) -> dict[str, tuple[int, int, bytes]]:
    """Every file of `home`: (size, mtime, content): a refused command must change none."""
    return {
        str(path.relative_to(home)): (
            path.stat().st_size,
            path.stat().st_mtime_ns,
            path.read_bytes(),
        )
        for path in sorted(home.rglob("*"))
        if path.is_file()
    }


def published_home(tmp_path: Path) -> Path:
    """A LEIA_HOME with two publications (a rollback would change it) and a build file."""
    home = tmp_path / "home"
    build, published = home / "build" / "leia.duckdb", home / "leia.duckdb"
    build.parent.mkdir(parents=True)
    for release in (1, 2):
        with duckdb.connect(str(build)) as con:
            con.execute("create schema if not exists raw")
            con.execute("create or replace table raw.release as select ? as number", [release])
        publish_database(build, published)
    assert len(published_versions(published)) == 2
    return home


# ------------------------------------------------------------------------------------ the lock
def test_the_lock_is_reentrant_in_one_process_and_released_on_exceptions(tmp_path: Path) -> None:
    home = tmp_path / "home"
    with run_lock.run_lock(home, "outer") as outer:
        with run_lock.run_lock(home, "inner") as inner:  # no deadlock: the same process
            assert inner.holder == outer.holder
            assert read_holder(home) == outer.holder
            assert (outer.holder.pid, outer.holder.command) == (os.getpid(), "outer")
        assert held_here(home)  # the inner exit gave back one hold, not the lock
        # other threads of the process hold it too, and give it back, all at once
        errors: list[BaseException] = []

        def nested() -> None:
            try:
                for _ in range(50):
                    with run_lock.run_lock(home), run_lock.run_lock(home):
                        pass
            except BaseException as error:  # pragma: no cover - reported below
                errors.append(error)

        threads = [threading.Thread(target=nested) for _ in range(8)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert not errors
        assert held_here(home) and read_holder(home) == outer.holder
        # another process is refused, naming this one
        with pytest.raises(RunInProgressError) as refused:
            subprocess_attempt(home)
        assert str(os.getpid()) in str(refused.value)

    assert not held_here(home)
    assert (home / "run.lock").read_text() == ""  # a free lock names nobody
    with pytest.raises(ValueError), run_lock.run_lock(home):
        raise ValueError("a run that fails")
    assert not held_here(home)
    subprocess_attempt(home)  # free for another process


def subprocess_attempt(home: Path) -> None:
    """Take and give back the lock of `home` from another process (RunInProgressError if it
    is refused, with the refusal's message)."""
    result = subprocess.run(
        [
            sys.executable,
            "-c",
            "import sys\nfrom orchestration.run_lock import RunInProgressError, run_lock\n"
            "try:\n    with run_lock(sys.argv[1], 'attempt'): pass\n"
            "except RunInProgressError as error:\n    print(error); sys.exit(3)\n",
            str(home),
        ],
        cwd=PROJECT_DIR,
        env={**os.environ, "PYTHONPATH": str(PROJECT_DIR)},
        capture_output=True,
        text=True,
        timeout=60,
    )
    if result.returncode == 3:
        raise RunInProgressError(result.stdout.strip(), None)
    assert result.returncode == 0, result.stderr


def test_an_attempt_while_another_process_holds_it_stops_at_once_naming_it(tmp_path: Path) -> None:
    home = tmp_path / "home"
    with holder(home, "leia run --full") as process:
        before = tree(home)
        started = time.monotonic()
        with pytest.raises(RunInProgressError) as refused:
            run_lock.acquire(home)
        assert time.monotonic() - started < 5
        message = str(refused.value)
        assert in_progress(process.pid, "leia run --full", home).match(message), message
        assert "--wait SECONDS" in message
        assert refused.value.holder.pid == process.pid
        assert tree(home) == before  # the refused attempt only read the lock file
        assert not held_here(home)


def test_a_waiting_attempt_says_whom_it_waits_for_then_takes_the_lock(tmp_path: Path) -> None:
    home = tmp_path / "home"
    said: list[str] = []
    with holder(home, "leia run") as process:
        # too short a wait: refused after it, having said whom it waited for
        started = time.monotonic()
        with pytest.raises(RunInProgressError, match="still running after waiting 1 s"):
            run_lock.acquire(home, wait_seconds=1, notify=said.append)
        assert 1 <= time.monotonic() - started < 5
        assert said and in_progress(process.pid, "leia run", home).search(said[0])
        assert "waiting up to 1 s for it to end" in said[0]

        # the holder ends 2 s into a wait of 60 s: the lock is taken then
        said.clear()
        release = threading.Timer(2, process.stdin.close)
        release.start()
        started = time.monotonic()
        with run_lock.run_lock(
            home, "second", wait_seconds=60, notify=said.append, report_every=0.5
        ) as lock:
            waited = time.monotonic() - started
            assert lock.holder.command == "second" and read_holder(home) == lock.holder
        release.join()
    assert 1.5 <= waited < 30
    assert len(said) >= 3, said  # at once, then every report_every seconds
    assert all(str(process.pid) in line for line in said)
    assert said[1].startswith("still waiting (")
    assert not any("taking over" in line for line in said)  # released, not left behind


def test_a_locked_file_that_names_nobody_is_waited_for_as_holder_unknown(tmp_path: Path) -> None:
    # a process that locks the file without writing its name (the moment between a holder
    # emptying the file and unlocking it, made to last): the waiter reads the file again before
    # it reports, then says the holder is unknown, and gives up after its wait
    home = tmp_path / "home"
    home.mkdir()
    locker = subprocess.Popen(
        [sys.executable, "-c", EMPTY_LOCKER, str(home / "run.lock")],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert locker.stdout.readline().strip() == "locked"
        said: list[str] = []
        with pytest.raises(RunInProgressError, match=r"another run \(holder unknown\)"):
            run_lock.acquire(home, wait_seconds=3, notify=said.append)
        assert said and all("holder unknown" in line for line in said), said
    finally:
        locker.stdin.close()
        locker.wait(timeout=30)
        locker.stdout.close()


def test_the_lock_of_a_killed_holder_is_taken_over(tmp_path: Path) -> None:
    home = tmp_path / "home"
    with holder(home, "leia run") as process:
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=30)
    assert read_holder(home).pid == process.pid  # the file still names the dead holder
    said: list[str] = []
    with run_lock.run_lock(home, "next run", notify=said.append) as lock:
        assert read_holder(home) == lock.holder and lock.holder.pid == os.getpid()
    assert said == [
        f"taking over the lock left by pid {process.pid} (no longer running): {home / 'run.lock'}"
    ]


# ------------------------------------------------------------------------------------- Dagster
def test_a_dagster_run_holds_the_lock_once_from_its_first_step_to_its_last(
    landing: Path, tmp_path: Path
) -> None:
    paths = Paths(landing=landing, home=tmp_path / "home")
    job = build_definitions(paths, lock_wait_seconds=1).resolve_job_def(INGEST_JOB.name)
    with dagster_instance(paths.home) as instance:
        result = job.execute_in_process(
            instance=instance, tags=warehouse_run(["2016-03", "2016-04"]).tags
        )
        assert result.success
        records = instance.all_logs(result.run_id)
    events = []
    for record in records:
        event = record.dagster_event
        if event is not None and event.event_type in (
            DagsterEventType.STEP_START,
            DagsterEventType.STEP_SUCCESS,
        ):
            events.append(event.event_type.value)
        elif event is None and record.user_message.startswith("run lock of"):
            events.append(record.user_message)
    held, *steps, given_back = events
    assert held.startswith(f"run lock of {paths.home} held (pid {os.getpid()}, `dagster run ")
    assert result.run_id in held
    assert given_back == f"run lock of {paths.home} given back"
    assert steps == ["STEP_START", "STEP_SUCCESS"] * 6  # every raw asset, inside the lock
    assert not held_here(paths.home) and read_holder(paths.home) is None


def test_schedules_and_sensors_never_take_the_lock_and_runs_wait_for_it(
    landing: Path, tmp_path: Path
) -> None:
    from dagster._grpc.impl import get_external_schedule_execution, get_external_sensor_execution

    paths = Paths(landing=landing, home=tmp_path / "home")
    defs = build_definitions(paths, lock_wait_seconds=1)
    repository = defs.get_repository_def()
    for definition in (
        defs.resolve_schedule_def("daily_refresh"),
        defs.resolve_sensor_def("landing_sensor"),
    ):
        assert "run_lock" not in definition.required_resource_keys
    with holder(paths.home, "leia run") as process:
        # a tick as the daemon evaluates it: the required resources only, at once
        started = time.monotonic()
        schedule = get_external_schedule_execution(
            repository, None, "daily_refresh", None, None, None
        )
        sensor = get_external_sensor_execution(
            repository, None, None, "landing_sensor", None, None, None, None, None
        )
        assert time.monotonic() - started < 30
        assert schedule.run_requests and sensor.run_requests, (schedule, sensor)
        assert read_holder(paths.home).pid == process.pid

        # a run that writes the warehouse waits for the lock (1 s here), then fails unstarted
        job = defs.resolve_job_def(INGEST_JOB.name)
        with dagster_instance(paths.home) as instance:
            result = job.execute_in_process(
                instance=instance,
                tags=warehouse_run(["2016-03"]).tags,
                raise_on_error=False,
            )
            failures = [
                record.dagster_event.event_specific_data.error.to_string()
                for record in instance.all_logs(result.run_id)
                if record.dagster_event is not None and record.dagster_event.is_failure
            ]
        assert not result.success
        assert any(
            in_progress(process.pid, "leia run", paths.home).search(text)
            and "still running after waiting 1 s" in text
            for text in failures
        ), failures
        assert not (paths.home / "build").exists()  # no step ran
        assert read_holder(paths.home).pid == process.pid


# ------------------------------------------------------------------------------------ commands
def test_commands_that_write_stop_at_once_while_a_run_holds_the_lock(
    landing: Path, tmp_path: Path
) -> None:
    home = published_home(tmp_path)
    with holder(home, "leia run --full") as process:
        pattern = in_progress(process.pid, "leia run --full", home)
        before = tree(home)
        commands = {
            "run": ["run", "--landing", str(landing), "--warehouse-dir", str(home)]
            + ["--audited-reports", "none"],
            "rollback": ["rollback", "--warehouse-dir", str(home)],
            "purge": ["purge", "--warehouse-dir", str(home), "--before", "2017-09-01"],
        }
        for name, arguments in commands.items():
            result = leia(*arguments)
            assert result.returncode == 3, (name, result.stderr)
            assert result.stderr.startswith(f"leia {name}: another run (pid {process.pid}, ")
            assert pattern.search(result.stderr), result.stderr
            assert "--wait SECONDS" in result.stderr
            assert result.stdout == ""
            assert tree(home) == before, f"leia {name} changed LEIA_HOME"
        # what only reads goes on
        listing = leia("rollback", "--list", "--warehouse-dir", str(home))
        assert listing.returncode == 0 and "(published)" in listing.stdout
        # the Spark export reads the build file under the lock too
        with pytest.raises(RunInProgressError, match=pattern):
            export_raw_to_parquet(home / "build" / "leia.duckdb", tmp_path / "parquet")
        assert not (tmp_path / "parquet").exists()
        assert tree(home) == before
        assert not (home / "failed").exists()

    # once the run has ended, they run
    rolled = leia("rollback", "--warehouse-dir", str(home))
    assert rolled.returncode == 0, rolled.stderr
    assert read_holder(home) is None


def test_leia_rollback_waits_with_wait(tmp_path: Path) -> None:
    home = published_home(tmp_path)
    with holder(home, "leia run") as process:
        rollback = subprocess.Popen(
            [str(LEIA), "rollback", "--warehouse-dir", str(home), "--wait", "60"],
            cwd=PROJECT_DIR,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        said = rollback.stderr.readline()  # once it waits; the holder ends after that
        assert rollback.poll() is None, said
    out, err = rollback.communicate(timeout=60)
    assert rollback.returncode == 0, said + err
    assert said.startswith(f"[leia] another run (pid {process.pid}, `leia run`"), said
    assert "waiting up to 60 s for it to end" in said
    assert out.startswith("published again: ")
