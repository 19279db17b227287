"""What every `leia` subcommand shares: progress lines, --wait, the refusal of a locked run."""

from __future__ import annotations

import argparse
import sys

DEMO_SEED = 2017
DEMO_SCALE = 1.0


def say(message: str) -> None:
    """Progress goes to stderr; stdout carries the final summary only."""
    print(f"[leia] {message}", file=sys.stderr, flush=True)


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
