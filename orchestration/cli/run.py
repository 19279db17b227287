"""`leia run`: load the extracts, build the marts and publish the warehouse."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from orchestration.cli.common import DEMO_SCALE, DEMO_SEED, add_wait_argument, refused, say
from orchestration.cli.generate import generate_extracts
from orchestration.cli.runner import run_warehouse
from orchestration.cli.summary import summary_lines
from orchestration.settings import Paths


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
    from orchestration.changes import has_extracts

    if not has_extracts(paths.landing):
        say(
            f"no extracts in {paths.landing}: generating the demo extracts first "
            f"(seed {DEMO_SEED}, scale {DEMO_SCALE:g})"
        )
        generate_extracts(paths.landing, DEMO_SEED, DEMO_SCALE, None)
    from orchestration.extracts.pseudonymise import PseudonymisationError
    from orchestration.rekey import RekeyError

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
