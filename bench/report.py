"""The benchmark's results: the targets met or missed, the machine, results.json and results.md."""

from __future__ import annotations

import datetime as dt
import json
import os
import platform
import subprocess
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

import psutil

from bench.measure import MEMORY_POLL_SECONDS
from bench.profiling import STAGE_LABELS, STAGES
from bench.workspace import scale_label
from orchestration.settings import PROJECT_DIR


# ------------------------------------------------------------------------------------ targets
@dataclass(frozen=True)
class Target:
    text: str
    scale: float
    key: str
    limit: float
    inclusive: bool  # "≤" rather than "<"

    def evaluate(self, results: list[dict]) -> dict:
        row = next((r for r in results if r["scale"] == self.scale), None)
        if row is None:
            return {"target": self.text, "measured": None, "status": "not measured"}
        value = row[self.key]
        met = value <= self.limit if self.inclusive else value < self.limit
        return {"target": self.text, "measured": value, "status": "met" if met else "missed"}


TARGETS = (  # issue #18's goals
    Target("end to end ≤ 3 × floor at scale 10", 10.0, "ratio_to_floor", 3.0, True),
    Target("end to end < 300 s at scale 30", 30.0, "pipeline_s", 300.0, False),
    Target("peak RSS < 4 GB at scale 30", 30.0, "peak_rss_mb", 4000.0, False),
    Target(
        "one-month incremental ≤ 5 % of a full rebuild at scale 10",
        10.0,
        "incremental_ratio",
        0.05,
        True,
    ),
    Target(
        "published warehouse ≤ 1.5 × the gzip extracts at scale 10",
        10.0,
        "warehouse_to_extracts",
        1.5,
        True,
    ),
)


def format_measured(key: str, value: float | None) -> str:
    if value is None:
        return "–"
    if key in ("ratio_to_floor", "warehouse_to_extracts"):
        return f"{value:,.1f} ×"
    if key == "incremental_ratio":
        return f"{value:.1%}"
    if key.endswith("_mb"):
        return f"{value:,.0f} MB"
    return f"{value:,.1f} s"


# ------------------------------------------------------------------------------------ machine
def git(*arguments: str) -> str:
    result = subprocess.run(["git", *arguments], cwd=PROJECT_DIR, capture_output=True, text=True)
    return result.stdout.strip() if result.returncode == 0 else "unknown"


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text(encoding="utf-8").splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def package_version(name: str) -> str:
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return "not installed"


def machine_info() -> dict:
    return {
        "date": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "commit": git("rev-parse", "HEAD"),
        # a benchmark of uncommitted code must say so
        "working_tree_modified": git("status", "--porcelain", "--untracked-files=no") != "",
        "cpu_count": os.cpu_count(),
        "cpu_model": cpu_model(),
        "memory_gb": psutil.virtual_memory().total / 1e9,
        "load_average_at_start": list(os.getloadavg()),
        "python": platform.python_version(),
        "versions": {
            name: package_version(name) for name in ("duckdb", "dbt-core", "dbt-duckdb", "dagster")
        },
    }


# ------------------------------------------------------------------------------------ results
def write_results(out: Path, machine: dict, startup: dict, results: list[dict]) -> None:
    targets = [target.evaluate(results) for target in TARGETS]
    document = {"machine": machine, "startup": startup, "targets": targets, "scales": results}
    out.mkdir(parents=True, exist_ok=True)
    (out / "results.json").write_text(json.dumps(document, indent=2) + "\n", encoding="utf-8")
    (out / "results.md").write_text(markdown(document), encoding="utf-8")


def seconds(value: float | None) -> str:
    if value is None:
        return "–"
    # step times come rounded to 0.1 s; only the floor at tiny scales needs more digits
    return f"{value:,.1f}" if value >= 0.1 else f"{value:.3f}"


def markdown(document: dict) -> str:
    machine, startup, results = document["machine"], document["startup"], document["scales"]
    versions = ", ".join(f"{name} {version}" for name, version in machine["versions"].items())
    lines = [
        "# Benchmark results",
        "",
        f"`python -m bench.run`, {machine['date']}, commit `{machine['commit'][:12]}`"
        + (" (working tree modified)" if machine["working_tree_modified"] else "")
        + ".",
        f"Machine: {machine['cpu_count']} CPUs ({machine['cpu_model']}), "
        f"{machine['memory_gb']:.1f} GB RAM, load average at start "
        + " / ".join(f"{load:.2f}" for load in machine["load_average_at_start"])
        + f"; Python {machine['python']}, {versions}.",
        "",
        "> The machine is shared with other work and every figure comes from one run: expect "
        "noise of tens of percent, more on small timings. The floor is one DuckDB query over the "
        "same files; peak RSS is the summed RSS of the whole process tree, sampled every "
        f"{MEMORY_POLL_SECONDS} s.",
        "",
        "## Targets",
        "",
        "| target | measured | status |",
        "|---|---:|---|",
    ]
    for target, row in zip(TARGETS, document["targets"], strict=True):
        measured = format_measured(target.key, row["measured"])
        lines.append(f"| {row['target']} | {measured} | {row['status']} |")
    lines += [
        f"| startup overheads measured | import definitions "
        f"{seconds(startup['import_definitions_s'])} s, dbt parse "
        f"{seconds(startup['dbt_parse_full_s'])} s | reported |",
        "",
        "## Summary",
        "",
    ]
    lines += summary_table(results)
    for row in results:
        lines += ["", *scale_section(row)]
    lines += [
        "",
        "## Startup overheads",
        "",
        "Each in a fresh process, wall time.",
        "",
        "| what | s |",
        "|---|---:|",
        f"| `python -c pass` | {seconds(startup['python_s'])} |",
        f"| `import dagster` | {seconds(startup['import_dagster_s'])} |",
        f"| `import orchestration.definitions` (Dagster, dagster-dbt, the manifest) | "
        f"{seconds(startup['import_definitions_s'])} |",
        f"| `dbt parse`, full (no partial_parse.msgpack) | "
        f"{seconds(startup['dbt_parse_full_s'])} |",
        f"| `dbt parse`, partial (what the dbt step starts with) | "
        f"{seconds(startup['dbt_parse_partial_s'])} |",
        "",
    ]
    return "\n".join(lines)


def summary_table(results: list[dict]) -> list[str]:
    if not results:
        return ["No scale measured yet."]
    rows = [
        ("events (auth_events lines)", lambda r: f"{r['events']:,}"),
        ("connections", lambda r: f"{r['connections']:,}"),
        ("extracts (MB, gzip)", lambda r: f"{r['extracts_mb']:,.1f}"),
        ("end to end (s)", lambda r: seconds(r["pipeline_s"])),
        ("floor (s)", lambda r: seconds(r["floor_s"])),
        ("end to end / floor", lambda r: f"{r['ratio_to_floor']:,.1f}"),
        ("peer, pandas (s)", lambda r: seconds(r["peer_s"])),
        ("end to end / peer", lambda r: f"{r['ratio_to_peer']:,.1f}"),
        ("events per second", lambda r: f"{r['events_per_s']:,.0f}"),
        ("incremental, one month (s)", lambda r: seconds(r["incremental_s"])),
        ("incremental / full rebuild", lambda r: f"{r['incremental_ratio']:.1%}"),
        ("peak RSS (MB)", lambda r: f"{r['peak_rss_mb']:,.0f}"),
        ("published warehouse (MB)", lambda r: f"{r['warehouse_mb']:,.1f}"),
        ("published warehouse / extracts", lambda r: f"{r['warehouse_to_extracts']:,.1f}"),
    ]
    header = "| | " + " | ".join(f"scale {scale_label(r['scale'])}" for r in results) + " |"
    lines = [header, "|---|" + "---:|" * len(results)]
    for label, cell in rows:
        lines.append(f"| {label} | " + " | ".join(cell(r) for r in results) + " |")
    return lines


def scale_section(row: dict) -> list[str]:
    full, incremental = row, row["incremental_stages"]
    generated = (
        "taken from the cache"
        if row["generate_s"] is None
        else f"generated in {seconds(row['generate_s'])} s"
    )
    lines = [
        f"## Scale {scale_label(row['scale'])}",
        "",
        f"{row['events']:,} events ({row['connections']:,} connections), "
        f"{row['accounts']:,} accounts, {row['months']} months, "
        f"{row['extracts_mb']:,.1f} MB of extracts ({generated}).",
        "",
        "| stage | full build (s) | share | peak RSS (MB) | incremental (s) |",
        "|---|---:|---:|---:|---:|",
    ]
    peaks = row.get("peak_rss_mb_by_stage", {})
    for stage in (*STAGES, "other_steps", "overhead"):
        key = f"{stage}_s"
        if stage == "other_steps" and not (full[key] or incremental[key]):
            continue
        share = full[key] / full["pipeline_s"]
        peak = f"{peaks[stage]:,.0f}" if stage in peaks else "–"
        lines.append(
            f"| {STAGE_LABELS[stage]} | {seconds(full[key])} | {share:.0%} | {peak} | "
            f"{seconds(incremental[key])} |"
        )
    lines += [
        f"| **end to end** | **{seconds(full['pipeline_s'])}** | 100% | "
        f"**{row['peak_rss_mb']:,.0f}** | **{seconds(row['incremental_s'])}** |",
        "",
        f"- floor: {seconds(row['floor_s'])} s for the query "
        f"({seconds(row['floor_process_s'])} s with its process), "
        f"{row['floor_connections']:,} connections; end to end / floor = "
        f"{row['ratio_to_floor']:,.1f}",
        f"- peer (bench/peer.py, pandas): {seconds(row['peer_s'])} s "
        f"({seconds(row['peer_process_s'])} s with its process, peak RSS "
        f"{row['peer_peak_rss_mb']:,.0f} MB), the same connections by month as the floor; "
        f"end to end / peer = {row['ratio_to_peer']:,.1f}",
        f"- incremental: the build of every month but {row['incremental_month']} took "
        f"{seconds(row['partial_build_s'])} s"
        + (
            ""
            if row["partial_published"]
            else f" (not published: failed checks {', '.join(row['partial_failed_checks'])})"
        )
        + f"; adding {row['incremental_month']} took "
        f"{seconds(row['incremental_s'])} s = {row['incremental_ratio']:.1%} of the full "
        f"rebuild; months loaded by that run: {months_text(row['incremental_months_loaded'])}",
        f"- peak RSS: {row['peak_rss_mb']:,.0f} MB (incremental run "
        f"{row['incremental_peak_rss_mb']:,.0f} MB, floor {row['floor_peak_rss_mb']:,.0f} MB)",
        f"- warehouse: published {row['warehouse_mb']:,.1f} MB, build file "
        f"{row['build_mb']:,.1f} MB",
        "- steps of the full build (s): "
        + ", ".join(f"{step} {seconds(s)}" for step, s in row["steps"].items()),
    ]
    if row.get("load_phases_s"):
        lines.append(
            "- loading the events, per phase summed over the months (loaded in parallel: the sum "
            "exceeds the load's wall time): "
            + ", ".join(f"{phase} {seconds(s)} s" for phase, s in row["load_phases_s"].items())
        )
    for label, key in (
        ("full build", "dbt_slowest_nodes"),
        ("incremental", "incremental_dbt_slowest_nodes"),
    ):
        if row.get(key):
            lines.append(
                f"- slowest dbt nodes, {label} (s): "
                + ", ".join(f"{n['node']} ({n['kind']}) {seconds(n['s'])}" for n in row[key])
            )
    return lines


def months_text(months: list[str]) -> str:
    if not months:
        return "none reported"
    if len(months) <= 3:
        return ", ".join(months)
    return f"{len(months)} ({months[0]} … {months[-1]})"
