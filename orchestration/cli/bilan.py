"""`leia bilan`: the Bilan of a school year as a PDF and an HTML document, in French, under
LEIA_HOME/bilan/ (orchestration/bilan_document/; docs/bilan-document.md).

It reads the published warehouse read-only and takes no run lock, so it runs while a load runs
(see orchestration/bilan_document/document.py). Exit codes: 0 written; 1 no published
warehouse, or Chromium missing or failing; 2 bad arguments, or a school year the warehouse does
not cover (the message names the years it covers).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from orchestration.cli.common import say
from orchestration.settings import Paths

EXIT_FAILED = 1
EXIT_BAD_YEAR = 2


def school_year_argument(text: str) -> str:
    from orchestration.bilan_document.queries import check_school_year

    try:
        return check_school_year(text)
    except ValueError as error:
        raise argparse.ArgumentTypeError(str(error)) from error


def add_bilan(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "bilan",
        help="write the Bilan of a school year as PDF and HTML (LEIA_HOME/bilan/)",
        epilog="exit codes: 0 written; 1 no published warehouse, or Chromium missing or failed; "
        "2 bad arguments or a school year the published warehouse does not cover",
    )
    parser.add_argument(
        "--year",
        type=school_year_argument,
        metavar="YYYY-YYYY",
        help="the school year, e.g. 2017-2018 (default: the newest one the warehouse covers)",
    )
    parser.add_argument("--warehouse-dir", type=Path, help="LEIA_HOME (default: warehouse)")
    parser.add_argument(
        "--no-pdf", action="store_true", help="write the HTML only (no Chromium needed)"
    )
    parser.set_defaults(handler=run_bilan)


def _error(message: object) -> None:
    print(f"leia bilan: error: {message}", file=sys.stderr)


def run_bilan(args: argparse.Namespace) -> int:
    from orchestration.bilan_document.document import covered_years, make_bilan
    from orchestration.bilan_document.pdf import PdfError
    from orchestration.bilan_document.queries import YearNotCoveredError

    paths = Paths.from_env(home=args.warehouse_dir)
    try:
        year = args.year
        if year is None:
            years = covered_years(paths.warehouse)
            if not years:
                raise YearNotCoveredError("(any)", years, paths.warehouse)
            year = years[-1]
        files = make_bilan(paths.home, year, pdf=not args.no_pdf, say=say)
    except YearNotCoveredError as error:
        _error(error)
        return EXIT_BAD_YEAR
    except (FileNotFoundError, PdfError) as error:
        _error(error)
        return EXIT_FAILED
    print(f"Bilan {files.year}: {files.pdf or '(no PDF)'} {files.html}")
    return 0
