"""Smoke test of the benchmark (bench/run.py): the whole of it at a tiny scale, real stack.

Three `leia run` (full, every month but the last, the last month added) and the startup
measurements: a few minutes on 2 cores. The benchmark itself (scales 1 to 30) is `make bench`.
"""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pytest

from bench import run as bench
from bench.profiling import SLOWEST_DBT_NODES, logged_step_seconds
from orchestration.extracts import contract
from orchestration.extracts.pseudonymise import SYNTHETIC_MARKER
from tests.conftest import month_path

SCALE = 0.01
STAGE_TIMES = ("load_s", "dbt_build_s", "validations_s", "publish_s")
REQUIRED = (
    "scale",
    "events",
    "pipeline_s",
    "floor_s",
    "ratio_to_floor",
    "peer_s",
    "ratio_to_peer",
    "incremental_s",
    "peak_rss_mb",
    *STAGE_TIMES,
    "overhead_s",
)


def data_lines(path: Path) -> int:
    with gzip.open(path, "rt", encoding="utf-8") as handle:
        return sum(1 for _ in handle) - 1  # the header


@pytest.mark.slow
def test_benchmark_runs_end_to_end_and_writes_its_results(tmp_path: Path) -> None:
    cache, out, work = tmp_path / "extracts", tmp_path / "results", tmp_path / "home"
    arguments = ["--scales", str(SCALE), "--cache", str(cache), "--out", str(out)]
    assert bench.main([*arguments, "--work", str(work)]) == 0

    document = json.loads((out / "results.json").read_text(encoding="utf-8"))
    (row,) = document["scales"]
    assert set(REQUIRED) <= row.keys()
    landing = cache / f"scale_{SCALE:g}"
    auth_event_files = contract.AUTH_EVENTS.files(landing)
    assert row["scale"] == SCALE
    assert row["events"] == sum(data_lines(path) for path in auth_event_files)
    marker = json.loads((landing / SYNTHETIC_MARKER).read_text(encoding="utf-8"))
    assert row["floor_connections"] == marker["connections"]
    assert row["peer_connections"] == marker["connections"]  # and by month: checked by the run

    for key in (
        "pipeline_s",
        "floor_s",
        "peer_s",
        "incremental_s",
        "partial_build_s",
        *STAGE_TIMES,
    ):
        assert row[key] > 0, key
    assert row["ratio_to_floor"] == row["pipeline_s"] / row["floor_s"]
    assert row["ratio_to_peer"] == row["pipeline_s"] / row["peer_s"]
    assert row["incremental_ratio"] == row["incremental_s"] / row["pipeline_s"]
    assert row["peak_rss_mb"] > 0
    assert row["warehouse_mb"] > 0
    assert row["warehouse_to_extracts"] == row["warehouse_mb"] / row["extracts_mb"]
    last_month = contract.month_of(auth_event_files[-1])
    assert row["incremental_month"] == last_month
    assert row["incremental_months_loaded"] == [last_month]  # that month only
    assert last_month not in row["partial_months_loaded"]
    # each step timed by the run's event log: a progress line lost from the log cannot move a
    # step's time into the overhead
    for key, run in (("steps", "full"), ("incremental_steps", "incremental")):
        assert row[key] == logged_step_seconds(work / f"scale_{SCALE:g}" / run), key
        assert {"raw__auth_events", "dbt_build", "great_expectations", "publish"} <= row[key].keys()
    # the profile: the loader's phases of every month, the dbt nodes that took longest
    assert set(row["load_phases_s"]) == {"hash", "read", "check", "write"}
    assert all(seconds >= 0 for seconds in row["load_phases_s"].values())
    assert sum(row["load_phases_s"].values()) <= row["load_s"] * 4  # 4 months at a time at most
    for key in ("dbt_slowest_nodes", "incremental_dbt_slowest_nodes"):
        nodes = row[key]
        assert len(nodes) == SLOWEST_DBT_NODES, key
        assert [n["s"] for n in nodes] == sorted((n["s"] for n in nodes), reverse=True)
        assert {n["kind"] for n in nodes} <= {"model", "test", "seed", "unit_test", "snapshot"}

    machine = document["machine"]
    assert machine["cpu_count"] > 0 and machine["memory_gb"] > 0 and machine["commit"]
    assert all(document["startup"][key] > 0 for key in document["startup"])
    # the targets are at scales 10 and 30: none can be judged here
    assert {target["status"] for target in document["targets"]} == {"not measured"}

    results_md = (out / "results.md").read_text(encoding="utf-8")
    assert f"## Scale {SCALE:g}" in results_md
    assert "end to end ≤ 3 × floor at scale 10 | – | not measured" in results_md
    assert "slowest dbt nodes, full build" in results_md


def test_the_floor_and_the_peer_count_the_same_connections_by_school_year_and_month(
    tmp_path: Path,
) -> None:
    """Successful logins only, by their local (wall-clock) month; August closes a school year."""
    from bench.measure import floor_query
    from bench.peer import peer_connections

    header = "event_time,login,profile,uai,event_type,service,client_ip,result\n"
    months = {
        "2017-08": [
            "2017-08-31T23:59:00+02:00,a,National_ELV,7200719U,login,portail,10.0.0.1,success",
            "2017-08-31T23:59:30+02:00,a,National_ELV,7200719U,login,portail,10.0.0.1,failure",
        ],
        "2017-09": [
            "2017-09-01T00:00:10+02:00,a,National_ELV,7200719U,login,portail,10.0.0.1,success",
            "2017-09-01T00:01:00+02:00,b,National_ENS,7200719U,login,portail,10.0.0.2,success",
            "2017-09-01T00:02:00+02:00,b,National_ENS,7200719U,service_access,cdt,10.0.0.2,success",
        ],
    }
    (tmp_path / "auth_events").mkdir()
    for month, lines in months.items():
        month_path(tmp_path, month).write_bytes(
            gzip.compress((header + "\n".join(lines) + "\n").encode())
        )
    expected = {"2016-2017 08": 1, "2017-2018 09": 2}
    for query in (floor_query, peer_connections):
        result = query(tmp_path)
        assert result["by_school_year_month"] == expected, query.__name__
        assert result["connections"] == 3 and result["query_s"] > 0
