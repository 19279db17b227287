"""The `leia` command.

    leia generate [--out DIR] [--seed N] [--scale F] [--calibration PATH]
    leia run [--landing DIR] [--warehouse-dir DIR]
    leia validate [--database FILE] [--suite NAME] ...
    leia report [--warehouse-dir DIR]
    leia serve-reports [--warehouse-dir DIR] [--port N]

A subcommand is a function that adds its parser and sets `handler` (args -> exit code); add it to
COMMANDS. Dagster and dbt are imported by the handlers that need them, so `leia generate` and
`leia --help` stay quick.
"""

from __future__ import annotations

import argparse
import contextlib
import logging
import os
import re
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from orchestration.settings import PROJECT_DIR, Paths

DEMO_SEED = 2017
DEMO_SCALE = 1.0
ANSI_ESCAPE = re.compile(r"\x1b\[[0-9;]*m")  # dbt colours its console log


def say(message: str) -> None:
    """Progress goes to stderr; stdout carries the final summary only."""
    print(f"[leia] {message}", file=sys.stderr, flush=True)


# ----------------------------------------------------------------------------------- generate
def add_generate(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "generate", help="write synthetic ENT extracts (demo data) into a landing folder"
    )
    parser.add_argument(
        "--out", type=Path, help="landing folder (default: LEIA_LANDING, else data/landing)"
    )
    parser.add_argument("--seed", type=int, default=DEMO_SEED, help="random seed (default: 2017)")
    parser.add_argument(
        "--scale", type=float, default=DEMO_SCALE, help="share of the real volumes (default: 1)"
    )
    parser.add_argument("--calibration", type=Path, help="calibration YAML (default: Bilan 2017)")
    parser.set_defaults(handler=run_generate)


def generate_extracts(out: Path, seed: int, scale: float, calibration: Path | None) -> None:
    from orchestration.synthetic.calibration import DEFAULT_CALIBRATION
    from orchestration.synthetic.generate import generate, print_progress

    totals = generate(
        out,
        seed=seed,
        scale=scale,
        calibration=calibration or DEFAULT_CALIBRATION,
        progress=print_progress,
    )
    say(f"extracts written to {out}: " + ", ".join(f"{k} {v:,}" for k, v in totals.items()))


def run_generate(args: argparse.Namespace) -> int:
    out = args.out or Paths.from_env().landing
    try:
        generate_extracts(out, args.seed, args.scale, args.calibration)
    except (ValueError, FileNotFoundError) as error:  # CalibrationError is a ValueError
        print(f"leia generate: error: {error}", file=sys.stderr)
        return 2
    return 0


# ---------------------------------------------------------------------------------------- run
def add_run(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "run",
        help="load the extracts, build the marts and publish the warehouse (demo data if none)",
    )
    parser.add_argument(
        "--landing", type=Path, help="extracts folder (default: LEIA_LANDING, else data/landing)"
    )
    parser.add_argument(
        "--warehouse-dir",
        type=Path,
        help="LEIA_HOME: build file, published leia.duckdb, run history (default: warehouse)",
    )
    parser.set_defaults(handler=run_run)


@dataclass
class RunOutcome:
    success: bool
    published: Path
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


def run_warehouse(paths: Paths) -> RunOutcome:
    """Materialise the whole graph in-process, in one run: every month, dbt build, publish."""
    from dagster import AssetCheckSeverity

    from orchestration.definitions import build_definitions
    from orchestration.extracts.load import available_months
    from orchestration.pipeline import dagster_instance, split_months
    from orchestration.schedules import WAREHOUSE_JOB, warehouse_run

    months, out_of_scope = split_months(available_months(paths.landing))
    if out_of_scope:
        say(f"not loaded, before the first partition: auth_events of {', '.join(out_of_scope)}")
    request = warehouse_run(months, tags={"leia/trigger": "leia run"})
    defs = build_definitions(paths, loggers={"progress": progress_logger_definition()})
    job = defs.resolve_job_def(WAREHOUSE_JOB.name)
    say(
        f"running {job.name}: {len(months)} months of auth_events, snapshots, dbt build, publish"
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
    return RunOutcome(
        # a blocking check only blocks with severity error (Dagster's rule too)
        success=result.success and not any(e.blocking for e in errors),
        published=paths.warehouse,
        failures=[(e.step_key, _failure_reason(e)) for e in result.get_step_failure_events()],
        failed_checks=[_check_label(e) for e in errors],
        warned_checks=[_check_label(e) for e in failed if e not in errors],
    )


def _check_label(evaluation) -> str:
    return f"{evaluation.check_name} on {evaluation.asset_key.to_user_string()}"


def summary_lines(database: Path) -> list[str]:
    """The human summary of a published warehouse."""
    import duckdb

    con = duckdb.connect(str(database), read_only=True)
    try:

        def exists(schema: str, table: str) -> bool:
            return (
                con.execute(
                    "select count(*) from information_schema.tables "
                    "where table_schema = ? and table_name = ?",
                    [schema, table],
                ).fetchone()[0]
                > 0
            )

        schools = con.execute("select count(distinct uai) from raw.accounts").fetchone()[0]
        in_reference = (
            con.execute("select count(*) from reference.schools").fetchone()[0]
            if exists("reference", "schools")
            else None
        )
        accounts, active = con.execute(
            "select count(*), count(*) filter (where status = 'active') from raw.accounts"
        ).fetchone()
        if exists("marts", "agg_connections_school_year"):
            source = "marts.agg_connections_school_year"
            years = con.execute(
                f"select school_year, connections from {source} order by school_year"
            ).fetchall()
        else:
            source = "raw.auth_events, successful logins"
            years = con.execute(
                "with e as (select year(event_local_time - interval 8 month) as y "
                "from raw.auth_events where event_type = 'login' and result = 'success') "
                "select y || '-' || (y + 1), count(*) from e group by y order by y"
            ).fetchall()
        rejected = con.execute(
            "select extract, count(*) from raw.rejected_rows group by 1 order by 1"
        ).fetchall()
    finally:
        con.close()
    lines = [
        f"schools with accounts: {schools}"
        + (f" (of {in_reference} in the reference)" if in_reference is not None else ""),
        f"accounts: {accounts:,} ({active:,} active)",
        f"connections per school year ({source}):",
        *(f"  {year}: {count:>12,}" for year, count in years),
        "rejected rows (raw.rejected_rows): "
        + (", ".join(f"{extract} {count:,}" for extract, count in rejected) or "none"),
    ]
    size = database.stat().st_size / 1e6
    lines.append(f"published warehouse: {database} ({size:,.1f} MB)")
    return lines


def run_run(args: argparse.Namespace) -> int:
    from orchestration.pipeline import has_extracts

    paths = Paths.from_env(args.landing, args.warehouse_dir)
    if not has_extracts(paths.landing):
        say(
            f"no extracts in {paths.landing}: generating the demo extracts first "
            f"(seed {DEMO_SEED}, scale {DEMO_SCALE:g})"
        )
        generate_extracts(paths.landing, DEMO_SEED, DEMO_SCALE, None)
    try:
        outcome = run_warehouse(paths)
    except FileNotFoundError as error:  # the dbt manifest: `make setup` was not run
        print(f"leia run: error: {error}", file=sys.stderr)
        return 2
    for check in outcome.warned_checks:
        say(f"check warning: {check}")
    for check in outcome.failed_checks:
        say(f"check failed: {check}")
    if not outcome.success:
        for step, reason in outcome.failures:
            print(f"leia run: step {step} failed: {reason}", file=sys.stderr)
        print(
            f"leia run: FAILED; the published warehouse was not changed ({outcome.published})",
            file=sys.stderr,
        )
        return 1
    print("\n".join(summary_lines(outcome.published)))
    return 0


# ----------------------------------------------------------------------------------- validate
def add_validate(subparsers: argparse._SubParsersAction) -> None:
    from orchestration.quality.suites import add_validate_arguments, run_validate

    parser = subparsers.add_parser(
        "validate", help="run the Great Expectations suites on the warehouse (exit 1 on failure)"
    )
    add_validate_arguments(parser)
    parser.set_defaults(handler=run_validate)


# --------------------------------------------------------------------------------------- main
def add_report(subparsers: argparse._SubParsersAction) -> None:
    from orchestration.bi import add_report as add

    add(subparsers)


def add_serve_reports(subparsers: argparse._SubParsersAction) -> None:
    from orchestration.bi import add_serve_reports as add

    add(subparsers)


COMMANDS: tuple[Callable[[argparse._SubParsersAction], None], ...] = (
    add_generate,
    add_run,
    add_validate,
    add_report,
    add_serve_reports,
)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="leia", description="Data warehouse of the ENT LEIA (Collectivité de Corse)."
    )
    subparsers = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for add_command in COMMANDS:
        add_command(subparsers)
    return parser


def main(argv: list[str] | None = None) -> int:
    # dbt reads profiles.yml from the checkout whatever the working directory
    os.environ.setdefault("DBT_PROFILES_DIR", str(PROJECT_DIR))
    args = build_parser().parse_args(argv)
    return args.handler(args)


if __name__ == "__main__":
    sys.exit(main())
