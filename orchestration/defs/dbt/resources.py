"""The dbt project and the dbt CLI resource of the `prod` target (the pipeline's build file)."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

from dagster_dbt import DbtCliResource, DbtProject

from orchestration.settings import PROJECT_DIR

DBT_TARGET = "prod"


def dbt_project() -> DbtProject:
    return DbtProject(project_dir=PROJECT_DIR, profiles_dir=PROJECT_DIR, target=DBT_TARGET)


def dbt_executable() -> str:
    """The dbt of this interpreter's environment: `leia` may run without the venv on PATH."""
    beside = Path(sys.executable).parent / "dbt"
    return str(beside) if beside.exists() else shutil.which("dbt") or "dbt"


def dbt_cli() -> DbtCliResource:
    return DbtCliResource(
        project_dir=dbt_project(),
        profiles_dir=str(PROJECT_DIR),
        target=DBT_TARGET,
        dbt_executable=dbt_executable(),
    )
