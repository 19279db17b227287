"""Performance benchmark of the pipeline (bench/README.md).

    python -m bench.run [--scales 1 10 30] [--cache DIR] [--out DIR] [--work DIR]
                        [--keep-warehouses]
    python -m bench.run floor LANDING    # the floor query alone; prints JSON (used internally)
    python -m bench.run peer LANDING     # the pandas peer alone (bench/peer.py); prints JSON

Per scale: synthetic extracts (generated once, cached), the floor (one DuckDB query over the same
files), the peer (the pandas script an analyst would write for the same figures), `leia run` on
the whole landing folder into a fresh warehouse, then the incremental case (every month but the
last, then the last one added to that warehouse). Every `leia run` is a
subprocess: its wall time is what a user waits for, and the RSS of its process tree (dbt runs in
a child process) is sampled while it runs. Results are written after each scale.

This module is the command line; the benchmark's parts are workspace.py (folders, cached
extracts), measure.py (measured runs, the floor, startup), profiling.py (steps, stages, dbt's
slowest nodes), scale.py (one scale) and report.py (targets, machine, results.json and .md).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from bench.measure import floor_query, measure_startup
from bench.peer import peer_connections
from bench.report import machine_info, write_results
from bench.scale import bench_scale
from bench.workspace import BenchError, say, scale_label
from orchestration.settings import PROJECT_DIR, apply_process_environment

DEFAULT_SCALES = (1.0, 10.0, 30.0)
DEFAULT_CACHE = PROJECT_DIR / "warehouse" / "bench" / "extracts"
DEFAULT_WORK = PROJECT_DIR / "warehouse" / "bench" / "home"
DEFAULT_OUT = PROJECT_DIR / "bench" / "results"


# --------------------------------------------------------------------------------------- main
def parse_arguments(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m bench.run", description="Benchmark of the pipeline (bench/README.md)."
    )
    parser.add_argument(
        "--scales", type=float, nargs="+", default=list(DEFAULT_SCALES), help="default: 1 10 30"
    )
    parser.add_argument(
        "--cache", type=Path, default=DEFAULT_CACHE, help="generated extracts, one folder a scale"
    )
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="results.json, results.md")
    parser.add_argument(
        "--work", type=Path, default=DEFAULT_WORK, help="warehouses of the runs (recreated)"
    )
    parser.add_argument(
        "--keep-warehouses",
        action="store_true",
        help="keep the DuckDB files of the runs (default: deleted once measured; logs stay)",
    )
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    apply_process_environment()
    argv = sys.argv[1:] if argv is None else argv
    queries = {"floor": floor_query, "peer": peer_connections}
    if argv[:1] and argv[0] in queries:  # the internal subcommands: kept out of argparse's help
        print(json.dumps(queries[argv[0]](Path(argv[1]))))
        return 0
    args = parse_arguments(argv)
    machine = machine_info()
    say(f"{machine['cpu_count']} CPUs, {machine['memory_gb']:.1f} GB, commit {machine['commit']}")
    startup = measure_startup(args.work)
    results: list[dict] = []
    for scale in args.scales:
        try:
            results.append(bench_scale(scale, args.cache, args.work, args.keep_warehouses))
        except BenchError as error:
            say(f"stopped: {error}")
            write_results(args.out, machine, startup, results)
            return 1
        write_results(args.out, machine, startup, results)  # a later crash keeps this scale
        say(f"scale {scale_label(scale)} done: {args.out / 'results.md'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
