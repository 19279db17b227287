"""The `leia` command.

    leia generate [--out DIR] [--seed N] [--scale F] [--calibration PATH]
    leia run [--landing DIR] [--warehouse-dir DIR]
    leia validate [--database FILE] [--suite NAME] ...
    leia rollback [--warehouse-dir DIR] [--to VERSION]
    leia purge [--warehouse-dir DIR] [--before DATE] [--dry-run]
    leia report [--warehouse-dir DIR]
    leia serve-reports [--warehouse-dir DIR] [--port N]
    leia bilan [--year YYYY-YYYY] [--warehouse-dir DIR] [--no-pdf]

A subcommand is a function that adds its parser and sets `handler` (args -> exit code); add it to
COMMANDS. One module per subcommand (or family): generate.py, run.py (with runner.py, the
in-process Dagster run, and summary.py), maintenance.py (validate, rollback, purge), bilan.py
(the Bilan as a document); the BI commands live in orchestration/bi_cli.py. Dagster and dbt are
imported by the handlers that need them, so `leia generate` and `leia --help` stay quick.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable

from orchestration.cli.bilan import add_bilan
from orchestration.cli.generate import add_generate
from orchestration.cli.maintenance import add_purge, add_rollback, add_validate
from orchestration.cli.run import add_run
from orchestration.settings import SettingsError, apply_process_environment


def add_report(subparsers: argparse._SubParsersAction) -> None:
    from orchestration.bi_cli import add_report as add

    add(subparsers)


def add_serve_reports(subparsers: argparse._SubParsersAction) -> None:
    from orchestration.bi_cli import add_serve_reports as add

    add(subparsers)


COMMANDS: tuple[Callable[[argparse._SubParsersAction], None], ...] = (
    add_generate,
    add_run,
    add_validate,
    add_rollback,
    add_purge,
    add_report,
    add_serve_reports,
    add_bilan,
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
    # telemetry off; dbt reads profiles.yml from the checkout whatever the working directory
    apply_process_environment()
    args = build_parser().parse_args(argv)
    try:
        return args.handler(args)
    except SettingsError as error:  # a LEIA_* variable with a value the warehouse cannot use
        print(f"leia {args.command}: error: {error}", file=sys.stderr)
        return 2
