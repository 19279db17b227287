"""A published figure cannot vanish: a computation that disappears fails the build.

On a copy of the dbt project, one branch of the metrics (the tools a report names) is deleted, and
the real dbt rebuilds the figures on a copy of the small warehouse. The figures of that metric are
then `not_computed`: the gate fails and names each of them, whether or not their report is audited,
and the Great Expectations `figures` suite fails too.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from orchestration.quality.dbt_results import dbt_test_outcomes
from orchestration.quality.suites import validate_warehouse
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
        + ["--select", "agg_period_metrics+", "--vars", "audited_reports: none"]
        + ["--project-dir", str(project), "--profiles-dir", str(project)]
        + ["--target-path", str(target), "--log-path", str(root / "logs")],
        cwd=project,
        env=env,
        capture_output=True,
        text=True,
    )
    return database, target, result.stdout + result.stderr


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
        "bilan_2017 top3_tool_messagerie",
        "bilan_2017 top3_tool_ressources_externes",
    }, "with the report not audited, only the vanished figures fail"
    assert {row["status"] for row in gate.rows} == {"not_computed"}


@pytest.mark.slow
def test_a_vanished_computation_fails_the_figures_suite(without_tools) -> None:
    database, _, _ = without_tools
    report = validate_warehouse(database, suites=["figures"], audited_reports="none")
    assert not report.success
    blocking = [f for f in report.failures if f.blocking]
    assert [f.expectation for f in blocking] == ["every_covered_figure_computed"]
    assert "top3_tool_messagerie" in blocking[0].observed
