"""`leia validate`: its options and its run (`python -m orchestration.quality.validate_command`).

Exit status: 0 when every blocking suite passed, 1 when a blocking expectation failed, 2 when the
warehouse cannot be validated. `--write-suites` regenerates the versioned suites instead.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from orchestration.quality.parameters import ParametersError
from orchestration.quality.report import report_lines
from orchestration.quality.suites import write_suites
from orchestration.quality.validate import validate_warehouse
from orchestration.settings import PROJECT_DIR, Paths, apply_process_environment


def add_validate_arguments(parser: argparse.ArgumentParser) -> None:
    """The options of `leia validate` (also `python -m orchestration.quality.suites`)."""
    parser.add_argument(
        "--database",
        type=Path,
        help="DuckDB warehouse to validate (default: LEIA_HOME/leia.duckdb, the published one)",
    )
    docs = parser.add_mutually_exclusive_group()
    docs.add_argument(
        "--data-docs", type=Path, help="Data Docs folder (default: LEIA_HOME/gx_data_docs)"
    )
    docs.add_argument("--no-data-docs", action="store_true", help="do not write Data Docs")
    parser.add_argument(
        "--suite",
        action="append",
        dest="suites",
        metavar="NAME",
        help="run this suite only (repeatable; default: every suite)",
    )
    parser.add_argument("--first-month", metavar="YYYY-MM", help="first month the run expects")
    parser.add_argument("--last-month", metavar="YYYY-MM", help="last month the run expects")
    parser.add_argument(
        "--max-rejected-share", type=float, help="largest share of rejected lines in a partition"
    )
    parser.add_argument(
        "--audited-reports",
        metavar="CODES",
        help="whose published figures block: all, none or report codes, comma-separated "
        "(default: LEIA_AUDITED_REPORTS, else all)",
    )
    parser.add_argument(
        "--write-suites",
        action="store_true",
        help="regenerate expectations/gx/expectations/*.json from parameters.yml and the seed",
    )


def run_validate(args: argparse.Namespace) -> int:

    if args.write_suites:
        for path in write_suites():
            print(path.relative_to(PROJECT_DIR))
        return 0
    paths = Paths.from_env()
    database = args.database or paths.warehouse
    docs = None if args.no_data_docs else (args.data_docs or paths.layout.data_docs)
    overrides = {
        key: value
        for key, value in {
            "first_month": args.first_month,
            "last_month": args.last_month,
            "max_rejected_share": args.max_rejected_share,
        }.items()
        if value is not None
    }
    try:
        report = validate_warehouse(
            database, docs, args.suites, parameters=overrides, audited_reports=args.audited_reports
        )
    except (FileNotFoundError, ParametersError) as error:
        print(f"leia validate: error: {error}", file=sys.stderr)
        return 2
    for line in report_lines(report):
        print(line)
    return 0 if report.success else 1


def main(argv: Sequence[str] | None = None) -> int:
    apply_process_environment()  # GX's analytics off
    parser = argparse.ArgumentParser(
        prog="leia validate",
        description="Validate the warehouse with the Great Expectations suites of expectations/.",
    )
    add_validate_arguments(parser)
    return run_validate(parser.parse_args(argv))


if __name__ == "__main__":
    sys.exit(main())
