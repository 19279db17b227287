"""Shared fixtures: the reference seeds and the calibration, read as plain files.

Nothing here goes through the project's own readers (`orchestration.reference`,
`orchestration.synthetic.calibration`): the tests compare the code's output with what the seeds
say, so they read the seeds themselves.
"""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

import pytest
import yaml

PROJECT_DIR = Path(__file__).resolve().parent.parent
SEEDS_DIR = PROJECT_DIR / "seeds"
CALIBRATION_PATH = PROJECT_DIR / "orchestration" / "synthetic" / "calibrations" / "bilan_2017.yaml"


def read_seed(name: str) -> list[dict[str, str]]:
    """Rows of `seeds/<name>.csv` as dicts of strings."""
    with (SEEDS_DIR / f"{name}.csv").open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


@pytest.fixture(scope="session")
def seeds_dir() -> Path:
    return SEEDS_DIR


@pytest.fixture(scope="session")
def indicators() -> dict[str, dict[str, str]]:
    """`seeds/published_indicators.csv`, keyed by indicator_code."""
    return {row["indicator_code"]: row for row in read_seed("published_indicators")}


@pytest.fixture(scope="session")
def published(indicators: dict[str, dict[str, str]]) -> dict[str, float]:
    """Published value of every indicator of the report, by indicator_code."""
    return {code: float(row["published_value"]) for code, row in indicators.items()}


@pytest.fixture(scope="session")
def tolerance(indicators: dict[str, dict[str, str]]) -> dict[str, float]:
    """The seed's `tolerance` column, by indicator_code."""
    return {code: float(row["tolerance"] or 0) for code, row in indicators.items()}


@pytest.fixture(scope="session")
def schools_seed() -> list[dict[str, str]]:
    return read_seed("schools")


@pytest.fixture(scope="session")
def profiles_seed() -> list[dict[str, str]]:
    return read_seed("profiles")


@pytest.fixture(scope="session")
def services_seed() -> list[dict[str, str]]:
    return read_seed("services")


@pytest.fixture(scope="session")
def school_calendar_seed() -> list[dict[str, str]]:
    return read_seed("school_calendar")


@pytest.fixture(scope="session")
def calibration_path() -> Path:
    return CALIBRATION_PATH


@pytest.fixture(scope="session")
def calibration_yaml() -> dict[str, Any]:
    """The raw calibration YAML (bilan_2017.yaml)."""
    with CALIBRATION_PATH.open(encoding="utf-8") as handle:
        return yaml.safe_load(handle)
