"""The measurements: a command run in a subprocess, timed, its process tree's memory sampled.

`leia_run()` measures one `leia run`; `measure_query()` the floor (one DuckDB query over the same
files) or the peer (bench/peer.py), each in a fresh process (`python -m bench.run floor|peer
LANDING`); `measure_startup()` what every run pays before touching data (Python, Dagster
imports, dbt's parse).
"""

from __future__ import annotations

import contextlib
import json
import subprocess
import sys
import threading
import time
from pathlib import Path

import psutil

from bench.profiling import (
    CHECK_FAILED,
    LOAD_PHASE,
    MONTH_LOADED,
    STAGES,
    STEP_DONE,
    STEP_FAILED,
    STEP_STARTED,
    Measured,
    logged_step_seconds,
    stage_of,
    stopped_by_checks,
)
from bench.workspace import MB, BenchError, fresh_dir, say
from orchestration.settings import PROJECT_DIR
from orchestration.settings import subprocess_env as child_env

BIN = Path(sys.executable).parent  # the venv's: leia and dbt next to its python
MEMORY_POLL_SECONDS = 0.2


FLOOR_SQL = """
with connections as (
    select strptime(left(event_time, 19), '%Y-%m-%dT%H:%M:%S') as local_time
    from read_csv('{pattern}', header = true, all_varchar = true)
    where event_type = 'login' and result = 'success'
)
select
    year(local_time) - (month(local_time) < 9)::integer as school_year,  -- September to August
    month(local_time) as month,
    count(*) as connections
from connections
group by all
order by all
"""


def subprocess_env() -> dict[str, str]:
    return child_env(DBT_PROFILES_DIR=str(PROJECT_DIR))


# ---------------------------------------------------------------------------- measured runs
class PeakTreeMemory:
    """Peak of the summed RSS of a process and all its descendants, sampled in a thread.

    Summed RSS counts shared pages once per process, so it errs on the high side; a spike shorter
    than the sampling interval can be missed. `phase` (set by the reader of the run's log: the
    step in progress) attributes each sample, so that the peak of each stage is known too.
    """

    def __init__(self, pid: int, interval: float = MEMORY_POLL_SECONDS):
        self.pid = pid
        self.interval = interval
        self.peak_bytes = 0
        self.phase = "start"
        self.peaks_by_phase: dict[str, int] = {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._poll, daemon=True)

    def __enter__(self) -> PeakTreeMemory:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()

    @property
    def peak_mb(self) -> float:
        return self.peak_bytes / MB

    def _poll(self) -> None:
        try:
            root = psutil.Process(self.pid)
        except psutil.NoSuchProcess:
            return
        while True:
            rss, phase = self._tree_rss(root), self.phase
            self.peak_bytes = max(self.peak_bytes, rss)
            self.peaks_by_phase[phase] = max(self.peaks_by_phase.get(phase, 0), rss)
            if self._stop.wait(self.interval):
                return

    @staticmethod
    def _tree_rss(root: psutil.Process) -> int:
        try:
            processes = [root, *root.children(recursive=True)]
        except psutil.NoSuchProcess:
            return 0
        total = 0
        for process in processes:
            # a process that ended between listing and reading has freed its memory anyway
            with contextlib.suppress(psutil.NoSuchProcess, psutil.AccessDenied):
                total += process.memory_info().rss
        return total


def run_measured(command: list[str], log: Path, label: str) -> Measured:
    """Run `command`, timing it and sampling its memory; stderr goes to `log`.

    Step ends are echoed as they come: a run at scale 30 is long and silence looks like a hang.
    """
    started = time.perf_counter()
    process = subprocess.Popen(
        command,
        cwd=PROJECT_DIR,
        env=subprocess_env(),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        bufsize=1,
    )
    # stdout (the summary) is small: a thread drains it so that neither pipe can fill and block
    stdout_chunks: list[str] = []
    drain = threading.Thread(target=lambda: stdout_chunks.append(process.stdout.read()))
    drain.start()
    steps: dict[str, float] = {}
    failed: list[str] = []
    failed_checks: list[str] = []
    months: list[str] = []
    load_phases: dict[str, float] = {}
    with PeakTreeMemory(process.pid) as memory, log.open("w", encoding="utf-8") as log_file:
        for line in process.stderr:
            log_file.write(line)
            if started_step := STEP_STARTED.match(line):
                memory.phase = stage_of(started_step["step"])
            elif done := STEP_DONE.match(line):
                steps[done["step"]] = steps.get(done["step"], 0.0) + float(done["seconds"])
                say(f"{label}: {done['step']} done in {done['seconds']} s")
            elif failure := STEP_FAILED.match(line):
                failed.append(failure["step"])
                say(f"{label}: {failure['step']} FAILED")
            elif loaded := MONTH_LOADED.search(line):
                months.append(loaded["month"])
                for phase in LOAD_PHASE.finditer(loaded["phases"] or ""):
                    load_phases[phase["phase"]] = load_phases.get(phase["phase"], 0.0) + float(
                        phase["seconds"]
                    )
            elif check := CHECK_FAILED.match(line):
                failed_checks.append(check["check"])
        returncode = process.wait()
    wall_s = time.perf_counter() - started
    drain.join()
    by_stage: dict[str, float] = {}
    for phase, peak in memory.peaks_by_phase.items():
        stage = phase if phase in STAGES else "overhead"  # before the first step, between steps
        by_stage[stage] = max(by_stage.get(stage, 0.0), peak / MB)
    return Measured(
        wall_s,
        memory.peak_mb,
        returncode,
        "".join(stdout_chunks),
        log,
        steps,
        failed,
        failed_checks,
        months,
        by_stage,
        load_phases,
    )


def leia_run(
    landing: Path,
    home: Path,
    log: Path,
    label: str,
    *,
    scale: float,
    checks_may_fail: bool = False,
) -> Measured:
    """`leia run`, which must succeed; with `checks_may_fail`, a run that loaded and built
    everything and was only stopped by its checks counts too (its build file is kept).

    Only scale 1 is the ENT the Bilan 2017 describes: at other scales its figures are computed
    but do not gate the run (`--audited-reports none`)."""
    audited = "all" if scale == 1 else "none"
    measured = run_measured(
        [str(BIN / "leia"), "run", "--landing", str(landing), "--warehouse-dir", str(home)]
        + ["--audited-reports", audited],
        log,
        label,
    )
    logged = logged_step_seconds(home)
    if unseen := sorted(logged.keys() - measured.steps.keys()):
        say(f"{label}: no progress line for {', '.join(unseen)}: timed from the event log")
    measured.steps = logged or measured.steps
    if measured.returncode != 0 and checks_may_fail and stopped_by_checks(measured, home):
        say(f"{label}: not published, as expected: failed checks {measured.failed_checks}")
    elif measured.returncode != 0:
        tail = "".join(log.read_text(encoding="utf-8").splitlines(keepends=True)[-30:])
        raise BenchError(f"{label}: leia run exited with {measured.returncode} ({log}):\n{tail}")
    say(
        f"{label}: {measured.wall_s:,.1f} s end to end, peak RSS {measured.peak_rss_mb:,.0f} MB"
        + (f", {len(measured.months_loaded)} months loaded" if measured.months_loaded else "")
    )
    return measured


# -------------------------------------------------------------------------------------- floor
def floor_query(landing: Path) -> dict:
    """Connections per school year and month, straight from the files: what the pipeline's
    headline figure costs at the least. Only the query is timed."""
    import duckdb

    pattern = str(landing / "auth_events" / "*.csv*").replace("'", "''")
    con = duckdb.connect()
    try:
        started = time.perf_counter()
        rows = con.execute(FLOOR_SQL.format(pattern=pattern)).fetchall()
        query_s = time.perf_counter() - started
    finally:
        con.close()
    return {
        "query_s": query_s,
        "connections": sum(count for _, _, count in rows),
        "by_school_year_month": {
            f"{school_year}-{school_year + 1} {month:02d}": count
            for school_year, month, count in rows
        },
    }


def measure_query(kind: str, landing: Path, log: Path, label: str) -> dict:
    """The floor or the peer (bench/peer.py) in a fresh process, as `leia run` starts in one
    (no warm caches): `python -m bench.run floor|peer LANDING` prints its JSON."""
    measured = run_measured(
        [sys.executable, "-m", "bench.run", kind, str(landing)], log, f"{label} {kind}"
    )
    if measured.returncode != 0:
        raise BenchError(f"{label}: the {kind} failed: {log.read_text(encoding='utf-8')}")
    result = json.loads(measured.stdout)
    return {**result, "process_s": measured.wall_s, "peak_rss_mb": measured.peak_rss_mb}


# ------------------------------------------------------------------------------------ startup
def timed(command: list[str], label: str) -> float:
    started = time.perf_counter()
    result = subprocess.run(
        command, cwd=PROJECT_DIR, env=subprocess_env(), capture_output=True, text=True
    )
    seconds = time.perf_counter() - started
    if result.returncode != 0:
        raise BenchError(f"{label} failed:\n{result.stdout[-3000:]}{result.stderr[-3000:]}")
    say(f"startup: {label} {seconds:.1f} s")
    return seconds


def measure_startup(work: Path) -> dict[str, float]:
    """What every run pays before touching data: Python, Dagster imports, dbt's parse.

    dbt parses into a scratch target path, so target/manifest.json (read by the Dagster
    definitions) is left alone; the second parse finds the first one's partial_parse.msgpack,
    as the dbt step of `leia run` does (it copies target/'s).
    """
    scratch = fresh_dir(work / "startup")
    python = sys.executable
    dbt_parse = [
        str(BIN / "dbt"),
        "parse",
        "--target-path",
        str(scratch / "target"),
        "--log-path",
        str(scratch / "logs"),
    ]
    return {
        "python_s": timed([python, "-c", "pass"], "python"),
        "import_dagster_s": timed([python, "-c", "import dagster"], "import dagster"),
        "import_definitions_s": timed(
            [python, "-c", "import orchestration.definitions"], "import orchestration.definitions"
        ),
        "dbt_parse_full_s": timed(dbt_parse, "dbt parse (full)"),
        "dbt_parse_partial_s": timed(dbt_parse, "dbt parse (partial)"),
    }
