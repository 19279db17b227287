"""A published figure cannot vanish: a computation that disappears fails the build.

On a copy of the dbt project, one branch of the metrics (the tools a report names) is deleted, and
the real dbt rebuilds the figures on a copy of the small warehouse. The figures of that metric are
then `not_computed`: the gate fails and names each of them, whether or not their report is audited,
and the Great Expectations `figures` suite fails too - except the one figure the copied seed says
the data cannot give (`not_computable_reason`): it is `not_computable`, with its reason, and
blocks nothing.
"""

from __future__ import annotations

import csv
import os
import shutil
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from orchestration.quality.dbt_results import dbt_test_outcomes
from orchestration.quality.validate import validate_warehouse
from tests.conftest import PROJECT_DIR

TOOLS_BRANCH = (
    "    union all\n"
    "    select\n"
    "        period_key,\n"
    "        metric_code,\n"
    "        metric_value,\n"
    "        'events' as requires\n"
    "    from tool_metrics\n"
)
METRICS_MODEL = Path("models/marts/bilan/agg_period_metrics.sql")
NOT_COMPUTABLE = "top3_tool_messagerie"  # marked so in the copy of the seed
REASON = "Test: the tools are not in the extracts."

pytestmark = pytest.mark.filterwarnings("ignore:PySpark does not yet fully support:FutureWarning")


@pytest.fixture(scope="module")
def without_tools(small_warehouse: tuple[Path, Path], tmp_path_factory) -> tuple[Path, Path, str]:
    """(build file, dbt target folder, dbt's output) after a build without the tools' branch."""
    root = tmp_path_factory.mktemp("vanished")
    project = root / "project"
    project.mkdir()
    for name in ("dbt_project.yml", "profiles.yml"):
        shutil.copyfile(PROJECT_DIR / name, project / name)
    for folder in ("models", "macros", "seeds", "tests/dbt"):
        shutil.copytree(PROJECT_DIR / folder, project / folder)
    model = project / METRICS_MODEL
    text = model.read_text(encoding="utf-8")
    assert TOOLS_BRANCH in text, "the metrics model changed: update TOOLS_BRANCH"
    model.write_text(text.replace(TOOLS_BRANCH, ""), encoding="utf-8")
    _mark_not_computable(project / "seeds" / "published_indicators.csv", NOT_COMPUTABLE, REASON)

    database = root / "leia.duckdb"
    shutil.copyfile(small_warehouse[1], database)
    target = root / "target"
    env = {
        **os.environ,
        "LEIA_BUILD_DATABASE": str(database),
        "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
        "DO_NOT_TRACK": "1",
    }
    result = subprocess.run(
        [str(Path(sys.executable).parent / "dbt"), "build", "--target", "prod"]
        + ["--select", "published_indicators+ agg_period_metrics+"]
        + ["--vars", "audited_reports: none"]
        + ["--project-dir", str(project), "--profiles-dir", str(project)]
        + ["--target-path", str(target), "--log-path", str(root / "logs")],
        cwd=project,
        env=env,
        capture_output=True,
        text=True,
    )
    return database, target, result.stdout + result.stderr


def _mark_not_computable(seed: Path, indicator_code: str, reason: str) -> None:
    with seed.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    marked = [row for row in rows if row["indicator_code"] == indicator_code]
    assert len(marked) == 1, indicator_code
    marked[0]["not_computable_reason"] = reason
    with seed.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]), lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)


@pytest.mark.slow
def test_a_vanished_computation_fails_the_gate_naming_each_figure(without_tools) -> None:
    database, target, said = without_tools
    assert "assert_published_figures_reproduced" in said and "FAIL" in said, said[-3000:]
    (gate,) = [
        t
        for t in dbt_test_outcomes(target / "run_results.json", database)
        if t.name == "assert_published_figures_reproduced"
    ]
    assert gate.failed
    assert {row["figure"] for row in gate.rows} == {
        "bilan_2017 top3_tool_services_pedagogiques",
        "bilan_2017 top3_tool_ressources_externes",
    }, "with the report not audited, only the vanished figures fail, not the one the seed excuses"
    assert {row["status"] for row in gate.rows} == {"not_computed"}


@pytest.mark.slow
def test_a_figure_the_seed_says_is_not_computable_is_shown_with_its_reason(without_tools) -> None:
    database, _, _ = without_tools
    with duckdb.connect(str(database), read_only=True) as con:
        rows = con.execute(
            "select indicator_code, status, computed_value, note from marts.rpt_bilan_indicators "
            "where indicator_code like 'top3_tool_%' order by indicator_code"
        ).fetchall()
    assert [row[:3] for row in rows] == [
        ("top3_tool_messagerie", "not_computable", None),
        ("top3_tool_ressources_externes", "not_computed", None),
        ("top3_tool_services_pedagogiques", "not_computed", None),
    ]
    assert rows[0][3] == REASON


@pytest.mark.slow
def test_a_vanished_computation_fails_the_figures_suite(without_tools) -> None:
    database, _, _ = without_tools
    report = validate_warehouse(database, suites=["figures"], audited_reports="none")
    assert not report.success
    blocking = [f for f in report.failures if f.blocking]
    assert [f.expectation for f in blocking] == ["every_covered_figure_computed"]
    assert "top3_tool_ressources_externes" in blocking[0].observed
    assert NOT_COMPUTABLE not in blocking[0].observed
