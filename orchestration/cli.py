"""The `leia` command.

    leia generate [--out DIR] [--seed N] [--scale F] [--calibration PATH]
    leia run [--landing DIR] [--warehouse-dir DIR]
    leia validate [--database FILE] [--suite NAME] ...
    leia rollback [--warehouse-dir DIR] [--to VERSION]
    leia purge [--warehouse-dir DIR] [--before DATE] [--dry-run]
    leia report [--warehouse-dir DIR]
    leia serve-reports [--warehouse-dir DIR] [--port N]

A subcommand is a function that adds its parser and sets `handler` (args -> exit code); add it to
COMMANDS. Dagster and dbt are imported by the handlers that need them, so `leia generate` and
`leia --help` stay quick.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
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
    parser.add_argument(
        "--until",
        metavar="YYYY-MM",
        help="go on after the report, to the end of this month (default: stop on the report's "
        "last day; at the latest the last school year of seeds/school_calendar.csv)",
    )
    parser.set_defaults(handler=run_generate)


def generate_extracts(
    out: Path, seed: int, scale: float, calibration: Path | None, until: str | None = None
) -> None:
    from orchestration.synthetic.calibration import DEFAULT_CALIBRATION
    from orchestration.synthetic.generate import generate, print_progress

    totals = generate(
        out,
        seed=seed,
        scale=scale,
        calibration=calibration or DEFAULT_CALIBRATION,
        progress=print_progress,
        until=until,
    )
    say(f"extracts written to {out}: " + ", ".join(f"{k} {v:,}" for k, v in totals.items()))


def run_generate(args: argparse.Namespace) -> int:
    out = args.out or Paths.from_env().landing
    try:
        generate_extracts(out, args.seed, args.scale, args.calibration, args.until)
    except (ValueError, FileNotFoundError) as error:  # CalibrationError is a ValueError
        print(f"leia generate: error: {error}", file=sys.stderr)
        return 2
    return 0


# ---------------------------------------------------------------------------------------- run
def add_run(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "run",
        help="load the extracts, build the marts and publish the warehouse (demo data if none)",
        description="Load the extracts, build the marts and publish the warehouse (demo data if "
        "none). One run at a time in a LEIA_HOME: the run lock (LEIA_HOME/run.lock) is held from "
        "the first load to the publication.",
        epilog=RUN_EXIT_CODES,
    )
    parser.add_argument(
        "--landing", type=Path, help="extracts folder (default: LEIA_LANDING, else data/landing)"
    )
    parser.add_argument(
        "--warehouse-dir",
        type=Path,
        help="LEIA_HOME: build file, published leia.duckdb, run history (default: warehouse)",
    )
    parser.add_argument(
        "--full",
        action="store_true",
        help="reload every month and snapshot (default: only the files changed since the last run)",
    )
    parser.add_argument(
        "--audited-reports",
        metavar="CODES",
        help="whose published figures block the publication: all, none or report codes, "
        "comma-separated (default: LEIA_AUDITED_REPORTS, else all). Extracts that are not the "
        "ENT the reports describe (test sets, --scale) cannot reproduce them: say none",
    )
    parser.add_argument(
        "--rekey",
        action="store_true",
        help="with --full: rebuild every month and snapshot with the current pseudonymisation key "
        "(LEIA_PSEUDONYMISATION_KEY) after a change of key; published only if every check passes",
    )
    add_wait_argument(parser)
    parser.set_defaults(handler=run_run)


RUN_EXIT_CODES = (
    "exit codes: 0 published; 1 a step or a blocking check failed (the published warehouse is "
    "unchanged, the failed build is kept in LEIA_HOME/failed/); 2 bad arguments, the dbt "
    "manifest is missing (`make setup`), or the pseudonymisation key is refused: not the "
    "warehouse's (see --rekey), or the public demo key on extracts `leia generate` did not "
    "write (nothing was done); 3 another run holds LEIA_HOME's run lock "
    "(LEIA_HOME/run.lock): nothing was done, see --wait"
)


def seconds_argument(text: str) -> float:
    value = float(text)
    if not value >= 0:  # also refuses nan
        raise argparse.ArgumentTypeError(f"{text!r}: expected a number of seconds >= 0")
    return value


def add_wait_argument(parser: argparse.ArgumentParser) -> None:
    """--wait: one run at a time in a LEIA_HOME (orchestration/run_lock.py)."""
    parser.add_argument(
        "--wait",
        type=seconds_argument,
        default=0.0,
        metavar="SECONDS",
        help="if another run holds LEIA_HOME's run lock, wait up to SECONDS for it to end "
        "(default 0: stop at once with exit code 3)",
    )


def refused(command: str, error: Exception) -> int:
    """Another run holds the run lock: say who, exit 3 (nothing was done)."""
    from orchestration.run_lock import EXIT_RUN_IN_PROGRESS

    print(f"leia {command}: {error}", file=sys.stderr)
    return EXIT_RUN_IN_PROGRESS


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


def months_to_load(paths: Paths, full: bool) -> list[str]:
    """Every month of the landing folder, or (incremental) those whose file is not what the
    build file was loaded from: a new month, a month delivered again with other content.

    A missing build file starts as a copy of the published one (what a purge left of old
    months lives there only). Months purged by `leia purge` are never loaded again: the
    retention period is over for their events.
    """
    from orchestration.extracts.load import available_months
    from orchestration.pipeline import (
        reset_build,
        split_months,
        stale_targets,
        target_month,
        without_purged,
    )
    from orchestration.resources import DuckDBWarehouse

    build = DuckDBWarehouse.from_paths(paths).build_database
    if not build.exists() and paths.warehouse.exists():
        say(f"no build file: starting from the published warehouse ({paths.warehouse})")
        reset_build(build, paths.warehouse)
    if full:
        candidates = available_months(paths.landing)
    else:
        candidates = [m for t in stale_targets(paths.landing, build) if (m := target_month(t))]
    candidates, purged_note = without_purged(build, candidates)
    if purged_note:
        say(purged_note)
    months, _ = split_months(candidates)  # the others are said by say_landing()
    return months


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
    from orchestration.pipeline import check_rekey, check_warehouse_key
    from orchestration.resources import DuckDBWarehouse

    build = DuckDBWarehouse.from_paths(paths).build_database
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

    from orchestration.assets.raw import FULL_RELOAD_TAG, REKEY_TAG
    from orchestration.definitions import build_definitions
    from orchestration.pipeline import dagster_instance, keep_failed_build
    from orchestration.resources import DuckDBWarehouse
    from orchestration.schedules import WAREHOUSE_JOB, warehouse_run

    say_landing(paths)
    months = months_to_load(paths, full)
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
    build = DuckDBWarehouse.from_paths(paths).build_database
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

        # the current directory: the newest accounts snapshot (every snapshot is kept)
        snapshot, snapshots, schools, accounts, active = con.execute(
            "with newest as (select max(snapshot_date) as snapshot_date from raw.accounts), "
            "kept as (select count(distinct snapshot_date) as snapshots from raw.accounts) "
            "select newest.snapshot_date, kept.snapshots, count(distinct uai), count(*), "
            "count(*) filter (where status = 'active') "
            "from raw.accounts join newest using (snapshot_date) cross join kept "
            "group by newest.snapshot_date, kept.snapshots"
        ).fetchone()
        in_reference = (
            con.execute("select count(*) from reference.schools").fetchone()[0]
            if exists("reference", "schools")
            else None
        )
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
        f"accounts: {accounts:,} ({active:,} active) in the snapshot of {snapshot} "
        f"({snapshots} snapshot{'s' if snapshots > 1 else ''} kept)",
        f"connections per school year ({source}):",
        *(f"  {year}: {count:>12,}" for year, count in years),
        "rejected rows (raw.rejected_rows): "
        + (", ".join(f"{extract} {count:,}" for extract, count in rejected) or "none"),
    ]
    size = database.stat().st_size / 1e6
    lines.append(f"published warehouse: {database} ({size:,.1f} MB)")
    return lines


def run_run(args: argparse.Namespace) -> int:
    from orchestration.run_lock import RunInProgressError, run_lock

    paths = Paths.from_env(args.landing, args.warehouse_dir)
    try:
        # before anything else: a refused run reads the lock file and does nothing more
        with run_lock(paths.home, wait_seconds=args.wait):
            return _run_run(args, paths)
    except RunInProgressError as error:
        return refused("run", error)


def _run_run(args: argparse.Namespace, paths: Paths) -> int:
    from orchestration.pipeline import has_extracts

    if not has_extracts(paths.landing):
        say(
            f"no extracts in {paths.landing}: generating the demo extracts first "
            f"(seed {DEMO_SEED}, scale {DEMO_SCALE:g})"
        )
        generate_extracts(paths.landing, DEMO_SEED, DEMO_SCALE, None)
    from orchestration.extracts.pseudonymise import PseudonymisationError
    from orchestration.pipeline import RekeyError

    if args.rekey and not args.full:
        print(
            "leia run: error: --rekey needs --full: every month and snapshot is reloaded with "
            "the new key",
            file=sys.stderr,
        )
        return 2
    try:
        outcome = run_warehouse(
            paths, full=args.full, audited_reports=args.audited_reports, rekey=args.rekey
        )
    except FileNotFoundError as error:  # the dbt manifest: `make setup` was not run
        print(f"leia run: error: {error}", file=sys.stderr)
        return 2
    except (PseudonymisationError, RekeyError) as error:  # nothing was loaded
        print(f"leia run: refused: {error}", file=sys.stderr)
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
        if outcome.kept_build:
            print(
                f"leia run: the failed build is kept for inspection: {outcome.kept_build}",
                file=sys.stderr,
            )
        return 1
    print("\n".join(summary_lines(outcome.published)))
    return 0


# ----------------------------------------------------------------------------------- validate
def add_validate(subparsers: argparse._SubParsersAction) -> None:
    from orchestration.quality.validate_command import add_validate_arguments, run_validate

    parser = subparsers.add_parser(
        "validate", help="run the Great Expectations suites on the warehouse (exit 1 on failure)"
    )
    add_validate_arguments(parser)
    parser.set_defaults(handler=run_validate)


# ----------------------------------------------------------------------------------- rollback
def add_rollback(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "rollback",
        help="publish again the previous kept version of the warehouse",
        epilog="exit codes: 0 done; 1 no such version, or the build file is in use; 3 another "
        "run holds LEIA_HOME's run lock: nothing was done, see --wait",
    )
    parser.add_argument("--warehouse-dir", type=Path, help="LEIA_HOME (default: warehouse)")
    parser.add_argument(
        "--to", help="a kept version's file name (default: the one before the published one)"
    )
    parser.add_argument("--list", action="store_true", help="list the kept versions and exit")
    add_wait_argument(parser)
    parser.set_defaults(handler=run_rollback)


def run_rollback(args: argparse.Namespace) -> int:
    from orchestration.pipeline import (
        VERSIONS_DIR,
        BuildInUseError,
        published_versions,
        rollback,
    )
    from orchestration.resources import DuckDBWarehouse
    from orchestration.run_lock import RunInProgressError

    paths = Paths.from_env(None, args.warehouse_dir)
    published = paths.warehouse
    if args.list:
        for version in published_versions(published):
            current = published.exists() and version.samefile(published)
            print(f"{version.name}{'  (published)' if current else ''}")
        return 0
    target = paths.home / VERSIONS_DIR / args.to if args.to else None
    try:
        done = rollback(
            published,
            DuckDBWarehouse.from_paths(paths).build_database,
            target,
            wait_seconds=args.wait,
        )
    except RunInProgressError as error:
        return refused("rollback", error)
    except (FileNotFoundError, BuildInUseError) as error:
        print(f"leia rollback: error: {error}", file=sys.stderr)
        return 1
    print(f"published again: {done.restored.name} ({published}); the next run starts from it")
    if done.discarded:
        print(f"discarded the versions rolled back: {', '.join(v.name for v in done.discarded)}")
    return 0


# -------------------------------------------------------------------------------------- purge
def add_purge(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "purge",
        help="delete authentication events older than the retention period; aggregates stay",
        epilog="exit codes: 0 done; 1 refused (events no aggregate holds, or failed checks); 3 "
        "another run holds LEIA_HOME's run lock: nothing was done, see --wait",
    )
    parser.add_argument("--warehouse-dir", type=Path, help="LEIA_HOME (default: warehouse)")
    parser.add_argument(
        "--before",
        type=lambda text: dt.date.fromisoformat(text),
        help="purge the whole months before this date, YYYY-MM-DD (default: the retention "
        "policy, LEIA_RETENTION_MONTHS months after the end of the school year, 12 by default)",
    )
    parser.add_argument("--dry-run", action="store_true", help="say what would go, change nothing")
    add_wait_argument(parser)
    parser.set_defaults(handler=run_purge)


def run_purge(args: argparse.Namespace) -> int:
    from orchestration.pipeline import BuildInUseError
    from orchestration.resources import DuckDBWarehouse
    from orchestration.retention import PurgeError, default_cutoff, purge_published
    from orchestration.run_lock import RunInProgressError

    paths = Paths.from_env(None, args.warehouse_dir)
    build = DuckDBWarehouse.from_paths(paths).build_database
    try:
        cutoff = args.before or default_cutoff(dt.date.today())
        outcome = purge_published(
            paths.home,
            paths.warehouse,
            build,
            cutoff,
            dry_run=args.dry_run,
            wait_seconds=args.wait,
        )
    except RunInProgressError as error:
        return refused("purge", error)
    except (PurgeError, BuildInUseError) as error:
        print(f"leia purge: error: {error}", file=sys.stderr)
        return 1
    plan = outcome.plan
    if plan.months:
        rows = ", ".join(f"{table} {count:,}" for table, count in plan.rows.items())
        months = f"{plan.months[0]} to {plan.months[-1]} ({len(plan.months)} months)"
        if args.dry_run:
            say(f"would purge the events of {months}: {rows}")
            return 0
        say(f"purged the events of {months}: {rows}; published {paths.warehouse}")
    else:
        say(f"nothing to purge: no whole month of events before {cutoff} in {paths.warehouse}")
    if outcome.removed_copies:
        say(
            f"removed {len(outcome.removed_copies)} kept versions or failed builds that held "
            "those events"
        )
    for holder in outcome.other_holders:
        say(f"warning: {holder} still holds events before {cutoff}: rebuild or delete it")
    return 0


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
    add_rollback,
    add_purge,
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
