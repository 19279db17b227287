"""The Dagster instance of `leia run`, stored in LEIA_HOME."""

from __future__ import annotations

import shutil
from pathlib import Path

from dagster import DagsterInstance

from orchestration.home import HomeLayout
from orchestration.settings import PROJECT_DIR

DAGSTER_YAML = PROJECT_DIR / "dagster.yaml"


def prepare_dagster_home(dagster_home: Path) -> Path:
    """DAGSTER_HOME with the repository's dagster.yaml (run queue of one, no telemetry)."""
    dagster_home.mkdir(parents=True, exist_ok=True)
    config = dagster_home / "dagster.yaml"
    if not config.exists() or config.read_bytes() != DAGSTER_YAML.read_bytes():
        shutil.copyfile(DAGSTER_YAML, config)
    return dagster_home


def dagster_instance(home: Path) -> DagsterInstance:
    """A Dagster instance stored in LEIA_HOME: in-process runs write nothing elsewhere.

    It is the instance `make dev` uses for the default LEIA_HOME, so runs of `leia run` appear
    in the UI's history.
    """
    return DagsterInstance.from_config(str(prepare_dagster_home(HomeLayout(home).dagster_home)))
