"""`leia validate`, `leia rollback` and `leia purge`: the published warehouse looked after."""

from __future__ import annotations

import argparse
import datetime as dt
import sys
from pathlib import Path

from orchestration.cli.common import add_wait_argument, refused, say
from orchestration.settings import Paths


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
    from orchestration.publication import (
        BuildInUseError,
        published_versions,
        rollback,
    )
    from orchestration.run_lock import RunInProgressError

    paths = Paths.from_env(None, args.warehouse_dir)
    published = paths.warehouse
    if args.list:
        for version in published_versions(published):
            current = published.exists() and version.samefile(published)
            print(f"{version.name}{'  (published)' if current else ''}")
        return 0
    target = paths.layout.versions / args.to if args.to else None
    try:
        done = rollback(
            published,
            paths.layout.build_database,
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
    from orchestration.publication import BuildInUseError
    from orchestration.retention import PurgeError, default_cutoff, purge_published
    from orchestration.run_lock import RunInProgressError

    paths = Paths.from_env(None, args.warehouse_dir)
    build = paths.layout.build_database
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
