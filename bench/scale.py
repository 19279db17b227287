"""The benchmark of one scale: the floor, the peer, a full `leia run`, then the incremental case.

The incremental case loads every month but the last into a fresh warehouse, then adds the last
one to that warehouse: what a monthly delivery costs.
"""

from __future__ import annotations

from pathlib import Path

from bench.measure import leia_run, measure_query
from bench.profiling import slowest_dbt_nodes, stage_times
from bench.workspace import (
    BenchError,
    cached_extracts,
    check_disk,
    drop_warehouses,
    fresh_dir,
    link_landing,
    say,
    scale_label,
    tree_size_mb,
    warm_page_cache,
)
from orchestration.extracts import contract
from orchestration.home import HomeLayout


def bench_scale(scale: float, cache: Path, work: Path, keep_warehouses: bool = False) -> dict:
    name = f"scale {scale_label(scale)}"
    extracts = cached_extracts(cache, scale)
    marker = extracts.marker
    files = extracts.auth_event_files
    if len(files) < 2:
        raise BenchError(f"{extracts.landing}: the incremental case needs two months or more")
    say(
        f"{name}: extracts in {extracts.landing}, {marker['auth_event_rows']:,} events, "
        f"{len(files)} months" + ("" if extracts.generate_s is None else " (generated)")
    )
    warm_page_cache(p for p in extracts.landing.rglob("*") if p.is_file())
    scale_work = fresh_dir(work / f"scale_{scale_label(scale)}")

    # the floor first: a wrong floor fails in seconds, not after a long pipeline run
    floor = measure_query("floor", extracts.landing, scale_work / "floor.log", name)
    if floor["connections"] != marker["connections"]:
        raise BenchError(
            f"{name}: the floor counts {floor['connections']:,} connections, "
            f"the generator wrote {marker['connections']:,}"
        )
    say(f"{name}: floor {floor['query_s']:.3f} s ({floor['connections']:,} connections)")
    peer = measure_query("peer", extracts.landing, scale_work / "peer.log", name)
    if peer["by_school_year_month"] != floor["by_school_year_month"]:
        raise BenchError(f"{name}: the peer's connections by month are not the floor's")
    say(f"{name}: peer (pandas) {peer['query_s']:.3f} s")

    check_disk(scale_work, extracts.landing)
    full_home = scale_work / "full"
    full = leia_run(
        extracts.landing, full_home, scale_work / "full.log", f"{name} full", scale=scale
    )
    sizes = {
        "warehouse_mb": tree_size_mb(HomeLayout(full_home).warehouse),
        "build_mb": tree_size_mb(HomeLayout(full_home).build_database),
    }
    extracts_mb = tree_size_mb(extracts.landing)
    sizes["warehouse_to_extracts"] = sizes["warehouse_mb"] / extracts_mb
    full_dbt_nodes = slowest_dbt_nodes(full_home)
    if not keep_warehouses:
        drop_warehouses(full_home)

    last_month = files[-1]
    partial_landing = scale_work / "partial_landing"
    link_landing(extracts, partial_landing, leave_out=last_month)
    incremental_home = scale_work / "incremental"
    # Without its last month the data covers less than the report's last period: those
    # figures are not covered, not failed, and the run publishes. Should a check stop it all
    # the same, its build file, which the next run starts from, holds every other month loaded
    # and built.
    partial = leia_run(
        partial_landing,
        incremental_home,
        scale_work / "partial.log",
        f"{name} partial",
        scale=scale,
        checks_may_fail=True,
    )
    if not keep_warehouses:  # the failed build kept for inspection: not part of the case
        drop_warehouses(HomeLayout(incremental_home).failed)
    new_month_link = partial_landing / last_month.relative_to(extracts.landing)
    new_month_link.symlink_to(last_month.resolve())
    incremental = leia_run(
        partial_landing,
        incremental_home,
        scale_work / "incremental.log",
        f"{name} incremental",
        scale=scale,
    )
    incremental_dbt_nodes = slowest_dbt_nodes(incremental_home)
    if not keep_warehouses:
        drop_warehouses(incremental_home)

    stages = stage_times(full)
    return {
        "scale": scale,
        "events": marker["auth_event_rows"],
        "connections": marker["connections"],
        "accounts": marker["accounts"],
        "months": len(files),
        "extracts_mb": extracts_mb,
        "generate_s": extracts.generate_s,
        "pipeline_s": full.wall_s,
        **stages,
        "steps": full.steps,
        "load_phases_s": full.load_phases_s,
        "dbt_slowest_nodes": full_dbt_nodes,
        "floor_s": floor["query_s"],
        "floor_process_s": floor["process_s"],
        "floor_connections": floor["connections"],
        "ratio_to_floor": full.wall_s / floor["query_s"],
        "events_per_s": marker["auth_event_rows"] / full.wall_s,
        "peak_rss_mb": full.peak_rss_mb,
        "peak_rss_mb_by_stage": full.peak_rss_mb_by_stage,
        "floor_peak_rss_mb": floor["peak_rss_mb"],
        "peer_s": peer["query_s"],
        "peer_process_s": peer["process_s"],
        "peer_connections": peer["connections"],
        "peer_peak_rss_mb": peer["peak_rss_mb"],
        "ratio_to_peer": full.wall_s / peer["query_s"],
        **sizes,
        "partial_build_s": partial.wall_s,
        "partial_months_loaded": partial.months_loaded,
        "partial_published": partial.returncode == 0,
        "partial_failed_checks": partial.failed_checks,
        "incremental_month": contract.month_of(last_month),
        "incremental_s": incremental.wall_s,
        "incremental_ratio": incremental.wall_s / full.wall_s,
        "incremental_months_loaded": incremental.months_loaded,
        "incremental_stages": stage_times(incremental),
        "incremental_steps": incremental.steps,
        "incremental_dbt_slowest_nodes": incremental_dbt_nodes,
        "incremental_peak_rss_mb": incremental.peak_rss_mb,
    }
