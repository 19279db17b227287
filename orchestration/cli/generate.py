"""`leia generate`: synthetic ENT extracts (demo data) into a landing folder."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from orchestration.cli.common import DEMO_SCALE, DEMO_SEED, say
from orchestration.settings import Paths


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
