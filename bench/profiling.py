"""The profile of a measured run: its steps and stages, and dbt's nodes.

`Measured` is what one run gave: wall time, peak memory (per stage too), the time of each step,
the months loaded and where their load's time went. A step belongs to a stage (load, dbt build,
validations, publish); the overhead is the wall time no step accounts for. The time of each step
comes from the run's Dagster event log (`leia run`'s progress lines only show it live: a line
lost from the log must not move a step's time into the overhead); the slowest dbt nodes come
from dbt's run_results.json.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path

from orchestration.home import HomeLayout

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


@dataclass
class Measured:
    wall_s: float
    peak_rss_mb: float
    returncode: int
    stdout: str
    log: Path
    steps: dict[str, float] = field(default_factory=dict)  # step key -> seconds (event log)
    failed_steps: list[str] = field(default_factory=list)
    failed_checks: list[str] = field(default_factory=list)  # severity error
    months_loaded: list[str] = field(default_factory=list)
    peak_rss_mb_by_stage: dict[str, float] = field(default_factory=dict)
    # summed over the months (loaded two at a time, so the sum exceeds the load's wall time)
    load_phases_s: dict[str, float] = field(default_factory=dict)


def logged_step_seconds(home: Path) -> dict[str, float]:
    """Seconds of each successful step of the newest Dagster run in `home` (what `leia run`
    ran last there), from its event log; empty when `home` has no run."""
    from orchestration.instance import dagster_instance

    if not HomeLayout(home).dagster_home.exists():
        return {}
    instance = dagster_instance(home)
    try:
        runs = instance.get_run_records(limit=1)
        if not runs:
            return {}
        return {
            stats.step_key: stats.end_time - stats.start_time
            for stats in instance.get_run_step_stats(runs[0].dagster_run.run_id)
            if stats.status.value == "SUCCESS" and stats.start_time and stats.end_time
        }
    finally:
        instance.dispose()


def dbt_run_results(home: Path) -> list[dict] | None:
    """The nodes of the last `dbt build` in `home` (its `run_results.json`); None without one."""
    results = HomeLayout(home).dbt_target / "run_results.json"
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
