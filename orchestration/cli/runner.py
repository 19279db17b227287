"""`leia run`'s engine: the whole Dagster graph materialised in this process, in one run.

It holds LEIA_HOME's run lock, refuses a pseudonymisation key that is not the warehouse's,
chooses the months to load (orchestration/months.py), runs the warehouse job with a logger of
one line per step, and says which steps and checks failed and where the failed build is kept.
Dagster is imported by the functions that need it (`leia --help` stays quick).
"""

from __future__ import annotations

import contextlib
import logging
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path

from orchestration.cli.common import say
from orchestration.settings import Paths

ANSI_ESCAPE = re.compile(r"\x1b\[[0-9;]*m")  # dbt colours its console log


@dataclass
class RunOutcome:
    success: bool
    published: Path
    kept_build: Path | None = None  # the failed run's build file, kept for inspection
    failures: list[tuple[str, str]] = field(default_factory=list)  # (step, reason)
    failed_checks: list[str] = field(default_factory=list)  # severity error
    warned_checks: list[str] = field(default_factory=list)


def _progress_filter(record: logging.LogRecord) -> bool:
    """One line per step start/end, the assets' own messages and failed checks."""
    from dagster import DagsterEventType

    meta = getattr(record, "dagster_meta", None)
    if meta is None:
        return False
    step = meta.get("step_key") or "run"
    event = meta.get("dagster_event")
    if event is None:
        if record.levelno < logging.INFO:
            return False
        message = meta["orig_message"].strip()
        if message.startswith("Dependencies for step"):
            message = "not run: an upstream step failed"
        record.progress = f"{step}: {message.splitlines()[0][:200]}"
    elif event.event_type == DagsterEventType.STEP_START:
        record.progress = f"{step}: started"
    elif event.event_type == DagsterEventType.STEP_SUCCESS:
        record.progress = f"{step}: done in {event.event_specific_data.duration_ms / 1000:.1f} s"
    elif event.event_type == DagsterEventType.STEP_FAILURE:
        record.progress = f"{step}: FAILED"
    elif event.event_type == DagsterEventType.ASSET_CHECK_EVALUATION:
        evaluation = event.event_specific_data
        if evaluation.passed:
            return False
        record.progress = (
            f"{step}: check {evaluation.check_name} on "
            f"{evaluation.asset_key.to_user_string()} failed ({evaluation.severity.value})"
        )
    else:
        return False
    return True


def progress_logger_definition():
    from dagster import logger

    @logger(description="`leia run`: one line per step on stderr.")
    def progress(_init_context) -> logging.Logger:
        log = logging.getLogger("leia.run")
        log.setLevel(logging.DEBUG)
        handler = logging.StreamHandler(sys.stderr)
        handler.addFilter(_progress_filter)
        handler.setFormatter(logging.Formatter("[leia run] %(progress)s"))
        log.handlers = [handler]
        log.propagate = False
        return log

    return progress


def _failure_reason(event) -> str:
    data = event.step_failure_data
    if data.user_failure_data and data.user_failure_data.description:
        message = data.user_failure_data.description
    else:
        error = data.error
        while error.cause is not None:  # the user code's exception is the innermost
            error = error.cause
        message = error.message
    lines = (ANSI_ESCAPE.sub("", line).rstrip() for line in message.strip().splitlines())
    return "\n    ".join(line for line in lines if line)


def months_for_run(paths: Paths, full: bool) -> list[str]:
    """The months this run loads into the build file (orchestration/months.py says which).

    A missing build file starts as a copy of the published one (what a purge left of old
    months lives there only).
    """
    from orchestration.months import months_to_load
    from orchestration.publication import reset_build

    build = paths.layout.build_database
    if not build.exists() and paths.warehouse.exists():
        say(f"no build file: starting from the published warehouse ({paths.warehouse})")
        reset_build(build, paths.warehouse)
    plan = months_to_load(paths.landing, build, full=full)
    if plan.purged_note:
        say(plan.purged_note)
    return plan.months  # the others are said by say_landing()


def say_landing(paths: Paths) -> None:
    """Every file of the landing folder the run does not load, and why."""
    from orchestration.landing import WARNING, account_landing, not_loaded

    for file in not_loaded(account_landing(paths.landing)):
        prefix = (
            "warning: not loaded, check the delivery" if file.status == WARNING else "not loaded"
        )
        say(f"{prefix}: {file.line()}")


def check_key(paths: Paths, rekey: bool) -> None:
    """Refuse a run whose pseudonymisation key is not the warehouse's (KeyChangedError), or a
    rekey that cannot re-key everything (RekeyError), before anything is loaded."""
    from orchestration.extracts.pseudonymise import pseudonymiser_for
    from orchestration.rekey import check_rekey, check_warehouse_key

    build = paths.layout.build_database
    database = build if build.exists() else paths.warehouse
    pseudonymiser = pseudonymiser_for(paths.landing, rekey=rekey)
    check_warehouse_key(database, pseudonymiser)
    if rekey:
        check_rekey(database, paths.landing)


def run_warehouse(
    paths: Paths,
    full: bool = False,
    audited_reports: str | None = None,
    wait_seconds: float = 0,
    rekey: bool = False,
) -> RunOutcome:
    """Materialise the whole graph in-process, in one run: the months to load (all of them with
    `full`), the snapshots, dbt build (incremental by month), the checks and publish.
    `audited_reports`: whose published figures block (default: LEIA_AUDITED_REPORTS).

    Holds LEIA_HOME's run lock throughout, from choosing the months (which may reset the build
    file) to keeping a failed build; RunInProgressError if another run holds it (after waiting
    up to `wait_seconds`)."""
    from orchestration.run_lock import run_lock

    with run_lock(paths.home, wait_seconds=wait_seconds):
        check_key(paths, rekey)
        return _run_warehouse(paths, full or rekey, audited_reports, rekey)


def _run_warehouse(
    paths: Paths, full: bool, audited_reports: str | None, rekey: bool = False
) -> RunOutcome:
    from dagster import AssetCheckSeverity

    from orchestration.definitions import build_definitions
    from orchestration.defs.publish.schedules import WAREHOUSE_JOB, warehouse_run
    from orchestration.defs.raw.assets import FULL_RELOAD_TAG, REKEY_TAG
    from orchestration.instance import dagster_instance
    from orchestration.publication import keep_failed_build

    say_landing(paths)
    months = months_for_run(paths, full)
    tags = {
        "leia/trigger": "leia run",
        **({FULL_RELOAD_TAG: "true"} if full else {}),
        **({REKEY_TAG: "true"} if rekey else {}),
    }
    request = warehouse_run(months, tags=tags)
    defs = build_definitions(
        paths, loggers={"progress": progress_logger_definition()}, audited_reports=audited_reports
    )
    job = defs.resolve_job_def(WAREHOUSE_JOB.name)
    if not months:
        loading = "no new or changed month of auth_events"
    elif len(months) == 1:
        loading = f"auth_events of 1 month ({months[0]})"
    else:
        # one run loads a range of partitions: the unchanged months inside it are loaded again
        first, last = (int(m[:4]) * 12 + int(m[5:]) for m in (months[0], months[-1]))
        span = last - first + 1
        loading = f"auth_events of {span} months ({months[0]} to {months[-1]}"
        loading += ")" if span == len(months) else f", {len(months)} of them new or changed)"
    say(
        f"running {job.name}: {loading}, snapshots, dbt build, checks, publish"
        f" (landing {paths.landing}, home {paths.home})"
    )
    # dagster-dbt echoes dbt's log on stdout: it is progress, and stdout is for the summary
    with dagster_instance(paths.home) as instance, contextlib.redirect_stdout(sys.stderr):
        result = job.execute_in_process(
            instance=instance,
            tags=request.tags,
            asset_selection=request.asset_selection,
            run_config={"loggers": {"progress": {}}},
            raise_on_error=False,
        )
    failed = [e for e in result.get_asset_check_evaluations() if not e.passed]
    errors = [e for e in failed if e.severity == AssetCheckSeverity.ERROR]
    # a blocking check only blocks with severity error (Dagster's rule too)
    success = result.success and not any(e.blocking for e in errors)
    build = paths.layout.build_database
    return RunOutcome(
        success=success,
        published=paths.warehouse,
        kept_build=None if success else keep_failed_build(build, paths.home, result.run_id),
        failures=[(e.step_key, _failure_reason(e)) for e in result.get_step_failure_events()],
        failed_checks=[_check_label(e) for e in errors],
        warned_checks=[_check_label(e) for e in failed if e not in errors],
    )


def _check_label(evaluation) -> str:
    """The check, then what failed (a GX suite's lines: suite, expectation, expected, observed)
    and where to look (its Data Docs)."""
    label = f"{evaluation.check_name} on {evaluation.asset_key.to_user_string()}"
    metadata = evaluation.metadata or {}
    details = []
    failures = metadata.get("failures")
    if failures is not None and getattr(failures, "value", "none") != "none":
        details += [f"    {line}" for line in str(failures.value).splitlines()]
    docs = metadata.get("data_docs")
    if docs is not None and details:
        details.append(f"    Data Docs: {docs.value}")
    return "\n".join([label, *details])
