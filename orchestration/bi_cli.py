"""`leia report` and `leia serve-reports` (`orchestration.cli` lists them in COMMANDS), also
run without the CLI by `python -m orchestration.bi report|serve-reports`."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from orchestration.bi_server import serve_site
from orchestration.bi_site import BiBuildError, build_site
from orchestration.settings import Paths, apply_process_environment


def add_report(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "report",
        help="build the BI site (Evidence) from the published warehouse into LEIA_HOME/site",
    )
    parser.add_argument(
        "--warehouse-dir", type=Path, help="LEIA_HOME, holding leia.duckdb (default: warehouse)"
    )
    parser.set_defaults(handler=run_report)


def run_report(args: argparse.Namespace) -> int:
    paths = Paths.from_env(home=args.warehouse_dir)
    try:
        site = build_site(paths.warehouse, paths.home)
    except (BiBuildError, FileNotFoundError) as error:
        print(f"leia report: error: {error}", file=sys.stderr)
        return 1
    print(f"BI site built: {site}")
    return 0


def add_serve_reports(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("serve-reports", help="serve LEIA_HOME/site on 127.0.0.1")
    parser.add_argument("--warehouse-dir", type=Path, help="LEIA_HOME (default: warehouse)")
    parser.add_argument("--port", type=int, default=8000, help="port (default: 8000)")
    parser.set_defaults(handler=run_serve_reports)


def run_serve_reports(args: argparse.Namespace) -> int:
    paths = Paths.from_env(home=args.warehouse_dir)
    try:
        serve_site(paths.home, args.port)
    except (FileNotFoundError, OSError) as error:
        print(f"leia serve-reports: error: {error}", file=sys.stderr)
        return 1
    return 0


def main(argv: list[str] | None = None) -> int:
    apply_process_environment()
    parser = argparse.ArgumentParser(prog="python -m orchestration.bi")
    subparsers = parser.add_subparsers(dest="command", required=True)
    add_report(subparsers)
    add_serve_reports(subparsers)
    args = parser.parse_args(argv)
    return args.handler(args)


if __name__ == "__main__":
    sys.exit(main())
