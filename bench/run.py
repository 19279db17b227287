"""Performance benchmark of the pipeline (bench/README.md).

    python -m bench.run [--scales 1 10 30] [--cache DIR] [--out DIR] [--work DIR]
                        [--keep-warehouses]
    python -m bench.run floor LANDING    # the floor query alone; prints JSON (used internally)

Per scale: synthetic extracts (generated once, cached), the floor (one DuckDB query over the same
files), `leia run` on the whole landing folder into a fresh warehouse, then the incremental case
(every month but the last, then the last one added to that warehouse). Every `leia run` is a
subprocess: its wall time is what a user waits for, and the RSS of its process tree (dbt runs in
a child process) is sampled while it runs. Results are written after each scale.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import json
import os
import platform
import re
import shutil
import subprocess
import sys
import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path

import psutil

from orchestration.extracts import contract
from orchestration.extracts.pseudonymise import SYNTHETIC_MARKER
from orchestration.publication import FAILED_DIR
from orchestration.settings import PROJECT_DIR, apply_process_environment
from orchestration.settings import subprocess_env as child_env

SEED = 2017  # the demo seed: the benchmark measures the data everybody can regenerate
DEFAULT_SCALES = (1.0, 10.0, 30.0)
DEFAULT_CACHE = PROJECT_DIR / "warehouse" / "bench" / "extracts"
DEFAULT_WORK = PROJECT_DIR / "warehouse" / "bench" / "home"
DEFAULT_OUT = PROJECT_DIR / "bench" / "results"
BIN = Path(sys.executable).parent  # the venv's: leia and dbt next to its python
MEMORY_POLL_SECONDS = 0.2
MB = 1e6  # decimal, as `leia run` prints sizes; the 6 GB target is read as 6,000 MB

STAGES = ("load", "dbt_build", "validations", "publish")
STAGE_LABELS = {
    "load": "load (raw__* steps)",
    "dbt_build": "dbt build",
    "validations": "validations (Great Expectations)",
    "publish": "publish",
    "other_steps": "other steps",
    "overhead": "overhead (imports, definitions, run start/end)",
}
STEP_STARTED = re.compile(r"^\[leia run\] (?P<step>\S+): started\s*$")
STEP_DONE = re.compile(r"^\[leia run\] (?P<step>\S+): done in (?P<seconds>[\d.]+) s\s*$")
STEP_FAILED = re.compile(r"^\[leia run\] (?P<step>\S+): FAILED")
CHECK_FAILED = re.compile(r"^\[leia\] check failed: (?P<check>.+?)\s*$")
MONTH_LOADED = re.compile(
    r"auth_events_(?P<month>\d{4}-\d{2})\.csv(?:\.gz)?: [\d,]+ rows loaded"
    r"[^(]*(?:\((?P<phases>[^)]*)\))?"
)
LOAD_PHASE = re.compile(r"(?P<phase>\w+) (?P<seconds>[\d.]+) s")
SLOWEST_DBT_NODES = 8

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


class BenchError(RuntimeError):
    pass


def say(message: str) -> None:
    print(f"[bench] {message}", file=sys.stderr, flush=True)


def scale_label(scale: float) -> str:
    return f"{scale:g}"


def subprocess_env() -> dict[str, str]:
    return child_env(DBT_PROFILES_DIR=str(PROJECT_DIR))


def fresh_dir(path: Path) -> Path:
    if path.exists():
        shutil.rmtree(path)
    path.mkdir(parents=True)
    return path


def drop_warehouses(home: Path) -> None:
    """Delete a measured run's DuckDB files (and DuckDB's spill folders), keep its logs: at scale
    30 each warehouse file is ~14 GB, and a run holds up to three of them (build, published,
    failed build)."""
    for path in sorted(home.rglob("*.duckdb*"), reverse=True):
        if path.is_dir():
            shutil.rmtree(path)
        elif path.exists() or path.is_symlink():
            path.unlink()


# A warehouse takes ~4.5 times its gzip extracts (measured: 4.0 at scale 10, 4.3 at scale 30); a
# run holds the build file, its spill folder and the published copy at once.
DISK_PER_EXTRACT_BYTE = 11


def check_disk(work: Path, extracts: Path) -> None:
    needed = DISK_PER_EXTRACT_BYTE * tree_bytes(extracts)
    free = shutil.disk_usage(work).free
    if free < needed:
        raise BenchError(
            f"{work}: {free / 1e9:,.1f} GB free, a run at this scale needs about "
            f"{needed / 1e9:,.1f} GB (free some space or pass --work on a larger disk)"
        )


def tree_bytes(path: Path) -> int:
    files = [path] if path.is_file() else (p for p in path.rglob("*") if p.is_file())
    return sum(p.stat().st_size for p in files)


def tree_size_mb(path: Path) -> float:
    return tree_bytes(path) / MB


# ------------------------------------------------------------------------------------ extracts
@dataclass
class Extracts:
    landing: Path
    marker: dict
    generate_s: float | None  # None: taken from the cache

    @property
    def auth_event_files(self) -> list[Path]:
        return contract.AUTH_EVENTS.files(self.landing)  # sorted by month


def read_marker(landing: Path) -> dict | None:
    try:
        return json.loads((landing / SYNTHETIC_MARKER).read_text(encoding="utf-8"))
    except (FileNotFoundError, json.JSONDecodeError):
        return None


def cached_extracts(cache: Path, scale: float) -> Extracts:
    """The extracts of `scale`, generated unless the cache holds them already.

    The generator writes its marker last, so a folder without one (or with another seed or scale)
    is an interrupted or foreign generation: it is regenerated from scratch.
    """
    from orchestration.synthetic.generate import generate, print_progress

    landing = cache / f"scale_{scale_label(scale)}"
    marker = read_marker(landing)
    if marker and marker.get("seed") == SEED and float(marker.get("scale", -1)) == scale:
        return Extracts(landing, marker, None)
    say(f"scale {scale_label(scale)}: generating the extracts into {landing}")
    fresh_dir(landing)
    started = time.perf_counter()
    generate(landing, seed=SEED, scale=scale, progress=print_progress)
    generate_s = time.perf_counter() - started
    return Extracts(landing, read_marker(landing), generate_s)


def warm_page_cache(files: Iterable[Path]) -> None:
    """Read the extracts once so that neither the floor nor the pipeline pays a cold disk."""
    for path in files:
        with path.open("rb") as handle:
            while handle.read(8 << 20):
                pass


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


@dataclass
class Measured:
    wall_s: float
    peak_rss_mb: float
    returncode: int
    stdout: str
    log: Path
    steps: dict[str, float] = field(default_factory=dict)  # step key -> seconds (Dagster's)
    failed_steps: list[str] = field(default_factory=list)
    failed_checks: list[str] = field(default_factory=list)  # severity error
    months_loaded: list[str] = field(default_factory=list)
    peak_rss_mb_by_stage: dict[str, float] = field(default_factory=dict)
    # summed over the months (loaded two at a time, so the sum exceeds the load's wall time)
    load_phases_s: dict[str, float] = field(default_factory=dict)


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


def dbt_run_results(home: Path) -> list[dict] | None:
    """The nodes of the last `dbt build` in `home` (its `run_results.json`); None without one."""
    results = home / "dbt" / "target" / "run_results.json"
    if not results.exists():
        return None
    return json.loads(results.read_text(encoding="utf-8"))["results"]


def dbt_failures(home: Path) -> dict[str, str]:
    """The nodes of the last `dbt build` in `home` that did not succeed: unique_id -> status."""
    nodes = dbt_run_results(home)
    if nodes is None:
        return {"run_results.json": "missing"}
    return {
        r["unique_id"]: r["status"] for r in nodes if r["status"] not in ("success", "pass", "warn")
    }


def slowest_dbt_nodes(home: Path, count: int = SLOWEST_DBT_NODES) -> list[dict]:
    """The profile of the dbt stage: its slowest models and tests, from `run_results.json`."""
    slowest = sorted(dbt_run_results(home) or [], key=lambda r: r["execution_time"], reverse=True)[
        :count
    ]
    return [
        {
            "node": r["unique_id"].split(".", 2)[-1],
            "kind": r["unique_id"].split(".")[0],
            "s": r["execution_time"],
        }
        for r in slowest
    ]


def stopped_by_checks(measured: Measured, home: Path) -> bool:
    """Every load and model succeeded; what failed are checks (dbt tests, the GX suites)."""
    stages = {stage_of(step) for step in measured.failed_steps}
    if not measured.failed_steps or not stages <= {"dbt_build", "validations"}:
        return False
    if "dbt_build" in stages:
        # a failed test skips nothing that is built before it: models and seeds all succeeded
        return all(node.startswith(("test.", "unit_test.")) for node in dbt_failures(home))
    return any(stage_of(step) == "dbt_build" for step in measured.steps)


def stage_of(step_key: str) -> str:
    if step_key.startswith("raw__"):
        return "load"
    if step_key.startswith("dbt"):
        return "dbt_build"
    if step_key.startswith(("great_expectations", "gx")):
        return "validations"
    if step_key.startswith("publish"):
        return "publish"
    return "other_steps"


def stage_times(measured: Measured) -> dict[str, float]:
    """Seconds per stage; the overhead is the wall time no step accounts for."""
    stages = dict.fromkeys((*STAGES, "other_steps"), 0.0)
    for step, seconds in measured.steps.items():
        stages[stage_of(step)] += seconds
    stages["overhead"] = measured.wall_s - sum(measured.steps.values())
    return {f"{stage}_s": seconds for stage, seconds in stages.items()}


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
        "school_year_months": len(rows),
    }


def measure_floor(landing: Path, log: Path, label: str) -> dict:
    """The floor in a fresh process, as `leia run` starts in one (no warm DuckDB caches)."""
    measured = run_measured(
        [sys.executable, "-m", "bench.run", "floor", str(landing)], log, f"{label} floor"
    )
    if measured.returncode != 0:
        raise BenchError(f"{label}: the floor query failed: {log.read_text(encoding='utf-8')}")
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


# ---------------------------------------------------------------------------------- one scale
def link_landing(extracts: Extracts, landing: Path, leave_out: Path | None) -> None:
    """A landing folder of symlinks to the cached extracts, without `leave_out`."""
    for source in sorted(extracts.landing.rglob("*")):
        if source.is_file() and source != leave_out:
            link = landing / source.relative_to(extracts.landing)
            link.parent.mkdir(parents=True, exist_ok=True)
            link.symlink_to(source.resolve())


def bench_scale(scale: float, cache: Path, work: Path, keep_warehouses: bool = False) -> dict:
    name = f"scale {scale_label(scale)}"
    extracts = cached_extracts(cache, scale)
    marker = extracts.marker
    files = extracts.auth_event_files
    if len(files) < 2:
        raise BenchError(f"{extracts.landing}: the incremental case needs two months or more")
    say(
        f"{name}: extracts in {extracts.landing}, {marker['auth_event_rows']:,} events, "
        f"{len(files)} months" + ("" if extracts.generate_s is None else " (generated)")
    )
    warm_page_cache(p for p in extracts.landing.rglob("*") if p.is_file())
    scale_work = fresh_dir(work / f"scale_{scale_label(scale)}")

    # the floor first: a wrong floor fails in seconds, not after a long pipeline run
    floor = measure_floor(extracts.landing, scale_work / "floor.log", name)
    if floor["connections"] != marker["connections"]:
        raise BenchError(
            f"{name}: the floor counts {floor['connections']:,} connections, "
            f"the generator wrote {marker['connections']:,}"
        )
    say(f"{name}: floor {floor['query_s']:.3f} s ({floor['connections']:,} connections)")

    check_disk(scale_work, extracts.landing)
    full_home = scale_work / "full"
    full = leia_run(
        extracts.landing, full_home, scale_work / "full.log", f"{name} full", scale=scale
    )
    sizes = {
        "warehouse_mb": tree_size_mb(full_home / "leia.duckdb"),
        "build_mb": tree_size_mb(full_home / "build" / "leia.duckdb"),
    }
    full_dbt_nodes = slowest_dbt_nodes(full_home)
    if not keep_warehouses:
        drop_warehouses(full_home)

    last_month = files[-1]
    partial_landing = scale_work / "partial_landing"
    link_landing(extracts, partial_landing, leave_out=last_month)
    incremental_home = scale_work / "incremental"
    # Without its last month the data covers less than the report's last period: those
    # figures are not covered, not failed, and the run publishes. Should a check stop it all
    # the same, its build file, which the next run starts from, holds every other month loaded
    # and built.
    partial = leia_run(
        partial_landing,
        incremental_home,
        scale_work / "partial.log",
        f"{name} partial",
        scale=scale,
        checks_may_fail=True,
    )
    if not keep_warehouses:  # the failed build kept for inspection: not part of the case
        drop_warehouses(incremental_home / FAILED_DIR)
    new_month_link = partial_landing / last_month.relative_to(extracts.landing)
    new_month_link.symlink_to(last_month.resolve())
    incremental = leia_run(
        partial_landing,
        incremental_home,
        scale_work / "incremental.log",
        f"{name} incremental",
        scale=scale,
    )
    incremental_dbt_nodes = slowest_dbt_nodes(incremental_home)
    if not keep_warehouses:
        drop_warehouses(incremental_home)

    stages = stage_times(full)
    return {
        "scale": scale,
        "events": marker["auth_event_rows"],
        "connections": marker["connections"],
        "accounts": marker["accounts"],
        "months": len(files),
        "extracts_mb": tree_size_mb(extracts.landing),
        "generate_s": extracts.generate_s,
        "pipeline_s": full.wall_s,
        **stages,
        "steps": full.steps,
        "load_phases_s": full.load_phases_s,
        "dbt_slowest_nodes": full_dbt_nodes,
        "floor_s": floor["query_s"],
        "floor_process_s": floor["process_s"],
        "floor_connections": floor["connections"],
        "ratio_to_floor": full.wall_s / floor["query_s"],
        "events_per_s": marker["auth_event_rows"] / full.wall_s,
        "peak_rss_mb": full.peak_rss_mb,
        "peak_rss_mb_by_stage": full.peak_rss_mb_by_stage,
        "floor_peak_rss_mb": floor["peak_rss_mb"],
        **sizes,
        "partial_build_s": partial.wall_s,
        "partial_months_loaded": partial.months_loaded,
        "partial_published": partial.returncode == 0,
        "partial_failed_checks": partial.failed_checks,
        "incremental_month": contract.month_of(last_month),
        "incremental_s": incremental.wall_s,
        "incremental_ratio": incremental.wall_s / full.wall_s,
        "incremental_months_loaded": incremental.months_loaded,
        "incremental_stages": stage_times(incremental),
        "incremental_steps": incremental.steps,
        "incremental_dbt_slowest_nodes": incremental_dbt_nodes,
        "incremental_peak_rss_mb": incremental.peak_rss_mb,
    }


# ------------------------------------------------------------------------------------ targets
@dataclass(frozen=True)
class Target:
    text: str
    scale: float
    key: str
    limit: float
    inclusive: bool  # "≤" rather than "<"

    def evaluate(self, results: list[dict]) -> dict:
        row = next((r for r in results if r["scale"] == self.scale), None)
        if row is None:
            return {"target": self.text, "measured": None, "status": "not measured"}
        value = row[self.key]
        met = value <= self.limit if self.inclusive else value < self.limit
        return {"target": self.text, "measured": value, "status": "met" if met else "missed"}


TARGETS = (
    Target("end to end ≤ 3 × floor at scale 10", 10.0, "ratio_to_floor", 3.0, True),
    Target("end to end < 10 min at scale 30", 30.0, "pipeline_s", 600.0, False),
    Target("peak RSS < 6 GB at scale 30", 30.0, "peak_rss_mb", 6000.0, False),
    Target(
        "one-month incremental ≤ 10 % of a full rebuild at scale 10",
        10.0,
        "incremental_ratio",
        0.10,
        True,
    ),
)


def format_measured(key: str, value: float | None) -> str:
    if value is None:
        return "–"
    if key == "ratio_to_floor":
        return f"{value:,.1f} ×"
    if key == "incremental_ratio":
        return f"{value:.1%}"
    if key.endswith("_mb"):
        return f"{value:,.0f} MB"
    return f"{value:,.1f} s"


# ------------------------------------------------------------------------------------ machine
def git(*arguments: str) -> str:
    result = subprocess.run(["git", *arguments], cwd=PROJECT_DIR, capture_output=True, text=True)
    return result.stdout.strip() if result.returncode == 0 else "unknown"


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text(encoding="utf-8").splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def package_version(name: str) -> str:
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return "not installed"


def machine_info() -> dict:
    return {
        "date": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "commit": git("rev-parse", "HEAD"),
        # a benchmark of uncommitted code must say so
        "working_tree_modified": git("status", "--porcelain", "--untracked-files=no") != "",
        "cpu_count": os.cpu_count(),
        "cpu_model": cpu_model(),
        "memory_gb": psutil.virtual_memory().total / 1e9,
        "load_average_at_start": list(os.getloadavg()),
        "python": platform.python_version(),
        "versions": {
            name: package_version(name) for name in ("duckdb", "dbt-core", "dbt-duckdb", "dagster")
        },
    }


# ------------------------------------------------------------------------------------ results
def write_results(out: Path, machine: dict, startup: dict, results: list[dict]) -> None:
    targets = [target.evaluate(results) for target in TARGETS]
    document = {"machine": machine, "startup": startup, "targets": targets, "scales": results}
    out.mkdir(parents=True, exist_ok=True)
    (out / "results.json").write_text(json.dumps(document, indent=2) + "\n", encoding="utf-8")
    (out / "results.md").write_text(markdown(document), encoding="utf-8")


def seconds(value: float | None) -> str:
    if value is None:
        return "–"
    # step times come rounded to 0.1 s; only the floor at tiny scales needs more digits
    return f"{value:,.1f}" if value >= 0.1 else f"{value:.3f}"


def markdown(document: dict) -> str:
    machine, startup, results = document["machine"], document["startup"], document["scales"]
    versions = ", ".join(f"{name} {version}" for name, version in machine["versions"].items())
    lines = [
        "# Benchmark results",
        "",
        f"`python -m bench.run`, {machine['date']}, commit `{machine['commit'][:12]}`"
        + (" (working tree modified)" if machine["working_tree_modified"] else "")
        + ".",
        f"Machine: {machine['cpu_count']} CPUs ({machine['cpu_model']}), "
        f"{machine['memory_gb']:.1f} GB RAM, load average at start "
        + " / ".join(f"{load:.2f}" for load in machine["load_average_at_start"])
        + f"; Python {machine['python']}, {versions}.",
        "",
        "> The machine is shared with other work and every figure comes from one run: expect "
        "noise of tens of percent, more on small timings. The floor is one DuckDB query over the "
        "same files; peak RSS is the summed RSS of the whole process tree, sampled every "
        f"{MEMORY_POLL_SECONDS} s.",
        "",
        "## Targets",
        "",
        "| target | measured | status |",
        "|---|---:|---|",
    ]
    for target, row in zip(TARGETS, document["targets"], strict=True):
        measured = format_measured(target.key, row["measured"])
        lines.append(f"| {row['target']} | {measured} | {row['status']} |")
    lines += [
        f"| startup overheads measured | import definitions "
        f"{seconds(startup['import_definitions_s'])} s, dbt parse "
        f"{seconds(startup['dbt_parse_full_s'])} s | reported |",
        "",
        "## Summary",
        "",
    ]
    lines += summary_table(results)
    for row in results:
        lines += ["", *scale_section(row)]
    lines += [
        "",
        "## Startup overheads",
        "",
        "Each in a fresh process, wall time.",
        "",
        "| what | s |",
        "|---|---:|",
        f"| `python -c pass` | {seconds(startup['python_s'])} |",
        f"| `import dagster` | {seconds(startup['import_dagster_s'])} |",
        f"| `import orchestration.definitions` (Dagster, dagster-dbt, the manifest) | "
        f"{seconds(startup['import_definitions_s'])} |",
        f"| `dbt parse`, full (no partial_parse.msgpack) | "
        f"{seconds(startup['dbt_parse_full_s'])} |",
        f"| `dbt parse`, partial (what the dbt step starts with) | "
        f"{seconds(startup['dbt_parse_partial_s'])} |",
        "",
    ]
    return "\n".join(lines)


def summary_table(results: list[dict]) -> list[str]:
    if not results:
        return ["No scale measured yet."]
    rows = [
        ("events (auth_events lines)", lambda r: f"{r['events']:,}"),
        ("connections", lambda r: f"{r['connections']:,}"),
        ("extracts (MB, gzip)", lambda r: f"{r['extracts_mb']:,.1f}"),
        ("end to end (s)", lambda r: seconds(r["pipeline_s"])),
        ("floor (s)", lambda r: seconds(r["floor_s"])),
        ("end to end / floor", lambda r: f"{r['ratio_to_floor']:,.1f}"),
        ("events per second", lambda r: f"{r['events_per_s']:,.0f}"),
        ("incremental, one month (s)", lambda r: seconds(r["incremental_s"])),
        ("incremental / full rebuild", lambda r: f"{r['incremental_ratio']:.1%}"),
        ("peak RSS (MB)", lambda r: f"{r['peak_rss_mb']:,.0f}"),
        ("published warehouse (MB)", lambda r: f"{r['warehouse_mb']:,.1f}"),
    ]
    header = "| | " + " | ".join(f"scale {scale_label(r['scale'])}" for r in results) + " |"
    lines = [header, "|---|" + "---:|" * len(results)]
    for label, cell in rows:
        lines.append(f"| {label} | " + " | ".join(cell(r) for r in results) + " |")
    return lines


def scale_section(row: dict) -> list[str]:
    full, incremental = row, row["incremental_stages"]
    generated = (
        "taken from the cache"
        if row["generate_s"] is None
        else f"generated in {seconds(row['generate_s'])} s"
    )
    lines = [
        f"## Scale {scale_label(row['scale'])}",
        "",
        f"{row['events']:,} events ({row['connections']:,} connections), "
        f"{row['accounts']:,} accounts, {row['months']} months, "
        f"{row['extracts_mb']:,.1f} MB of extracts ({generated}).",
        "",
        "| stage | full build (s) | share | peak RSS (MB) | incremental (s) |",
        "|---|---:|---:|---:|---:|",
    ]
    peaks = row.get("peak_rss_mb_by_stage", {})
    for stage in (*STAGES, "other_steps", "overhead"):
        key = f"{stage}_s"
        if stage == "other_steps" and not (full[key] or incremental[key]):
            continue
        share = full[key] / full["pipeline_s"]
        peak = f"{peaks[stage]:,.0f}" if stage in peaks else "–"
        lines.append(
            f"| {STAGE_LABELS[stage]} | {seconds(full[key])} | {share:.0%} | {peak} | "
            f"{seconds(incremental[key])} |"
        )
    lines += [
        f"| **end to end** | **{seconds(full['pipeline_s'])}** | 100% | "
        f"**{row['peak_rss_mb']:,.0f}** | **{seconds(row['incremental_s'])}** |",
        "",
        f"- floor: {seconds(row['floor_s'])} s for the query "
        f"({seconds(row['floor_process_s'])} s with its process), "
        f"{row['floor_connections']:,} connections; end to end / floor = "
        f"{row['ratio_to_floor']:,.1f}",
        f"- incremental: the build of every month but {row['incremental_month']} took "
        f"{seconds(row['partial_build_s'])} s"
        + (
            ""
            if row["partial_published"]
            else f" (not published: failed checks {', '.join(row['partial_failed_checks'])})"
        )
        + f"; adding {row['incremental_month']} took "
        f"{seconds(row['incremental_s'])} s = {row['incremental_ratio']:.1%} of the full "
        f"rebuild; months loaded by that run: {months_text(row['incremental_months_loaded'])}",
        f"- peak RSS: {row['peak_rss_mb']:,.0f} MB (incremental run "
        f"{row['incremental_peak_rss_mb']:,.0f} MB, floor {row['floor_peak_rss_mb']:,.0f} MB)",
        f"- warehouse: published {row['warehouse_mb']:,.1f} MB, build file "
        f"{row['build_mb']:,.1f} MB",
        "- steps of the full build (s): "
        + ", ".join(f"{step} {seconds(s)}" for step, s in row["steps"].items()),
    ]
    if row.get("load_phases_s"):
        lines.append(
            "- loading the events, per phase summed over the months (loaded in parallel: the sum "
            "exceeds the load's wall time): "
            + ", ".join(f"{phase} {seconds(s)} s" for phase, s in row["load_phases_s"].items())
        )
    for label, key in (
        ("full build", "dbt_slowest_nodes"),
        ("incremental", "incremental_dbt_slowest_nodes"),
    ):
        if row.get(key):
            lines.append(
                f"- slowest dbt nodes, {label} (s): "
                + ", ".join(f"{n['node']} ({n['kind']}) {seconds(n['s'])}" for n in row[key])
            )
    return lines


def months_text(months: list[str]) -> str:
    if not months:
        return "none reported"
    if len(months) <= 3:
        return ", ".join(months)
    return f"{len(months)} ({months[0]} … {months[-1]})"


# --------------------------------------------------------------------------------------- main
def parse_arguments(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m bench.run", description="Benchmark of the pipeline (bench/README.md)."
    )
    parser.add_argument(
        "--scales", type=float, nargs="+", default=list(DEFAULT_SCALES), help="default: 1 10 30"
    )
    parser.add_argument(
        "--cache", type=Path, default=DEFAULT_CACHE, help="generated extracts, one folder a scale"
    )
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="results.json, results.md")
    parser.add_argument(
        "--work", type=Path, default=DEFAULT_WORK, help="warehouses of the runs (recreated)"
    )
    parser.add_argument(
        "--keep-warehouses",
        action="store_true",
        help="keep the DuckDB files of the runs (default: deleted once measured; logs stay)",
    )
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    apply_process_environment()
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["floor"]:  # the internal subcommand: kept out of argparse's help
        print(json.dumps(floor_query(Path(argv[1]))))
        return 0
    args = parse_arguments(argv)
    machine = machine_info()
    say(f"{machine['cpu_count']} CPUs, {machine['memory_gb']:.1f} GB, commit {machine['commit']}")
    startup = measure_startup(args.work)
    results: list[dict] = []
    for scale in args.scales:
        try:
            results.append(bench_scale(scale, args.cache, args.work, args.keep_warehouses))
        except BenchError as error:
            say(f"stopped: {error}")
            write_results(args.out, machine, startup, results)
            return 1
        write_results(args.out, machine, startup, results)  # a later crash keeps this scale
        say(f"scale {scale_label(scale)} done: {args.out / 'results.md'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
