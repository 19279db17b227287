"""Shared fixtures: the reference seeds and the calibration, read as plain files.

Nothing here goes through the project's own readers (`orchestration.reference`,
`orchestration.synthetic.calibration`): the tests compare the code's output with what the seeds
say, so they read the seeds themselves.
"""

from __future__ import annotations

import csv
import gzip
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import duckdb
import pytest
import yaml

from orchestration import bi_site
from orchestration.extracts import contract, load
from orchestration.extracts.pseudonymise import pseudonymiser_for
from orchestration.landing import account_landing, record_landing
from orchestration.quality.parameters import suite_asset_keys
from orchestration.quality.results import GX, gx_rows, record_results
from orchestration.quality.validate import validate_warehouse
from orchestration.settings import apply_process_environment
from orchestration.synthetic.generate import generate

# the test session is an entry point too: telemetry off before dbt, Dagster or GX run
# (importing the package no longer sets it, see orchestration/settings.py)
apply_process_environment()

PROJECT_DIR = Path(__file__).resolve().parent.parent
SEEDS_DIR = PROJECT_DIR / "seeds"
REPORT_CODE = "bilan_2017"  # the report the demo extracts are calibrated on
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
    """The Bilan 2017's rows of `seeds/published_indicators.csv`, keyed by indicator_code."""
    return {
        row["indicator_code"]: row
        for row in read_seed("published_indicators")
        if row["report_code"] == REPORT_CODE
    }


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


# ---------------------------------------------------------------------------- built warehouses
# Warehouses built once per session by the project's own loader and the real dbt (target prod),
# shared by the test modules that read marts. Scale 1 is the report's calibration; the small one
# is for tests that only need some data.
DEMO_SEED = 2017
SMALL_UNTIL = "2018-09"


def build_warehouse(landing: Path, database: Path, calibrated: bool = True) -> None:
    """Load every extract of `landing` into `database` and run `dbt build --target prod` on it.

    Its dbt unit tests included: the scheduled run leaves them out (orchestration/defs/dbt), so
    these builds are where `make test` runs them, and a failing one fails the fixture."""
    pseudonymiser = pseudonymiser_for(landing)
    with duckdb.connect(str(database)) as con:
        load.load_months(con, landing, load.available_months(landing), pseudonymiser)
        load.load_snapshots(con, landing, contract.ACCOUNTS, pseudonymiser)
        load.load_snapshots(con, landing, contract.PEDAGOGICAL_SEQUENCES, pseudonymiser)
        record_landing(con, account_landing(landing))
    # data that is not the report's cannot reproduce its figures: they do not gate the build
    run_dbt(["build"] + ([] if calibrated else ["--vars", "audited_reports: none"]), database)


def dbt_invocation(arguments: list[str], database: Path) -> tuple[list[str], dict[str, str]]:
    """The command line and environment of the real dbt on `database` (target prod)."""
    env = {
        **os.environ,
        "LEIA_BUILD_DATABASE": str(database),
        "DBT_PROFILES_DIR": str(PROJECT_DIR),
        "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
        "DO_NOT_TRACK": "1",
    }
    dbt = Path(sys.executable).parent / "dbt"
    return [str(dbt), *arguments, "--target", "prod"], env


def run_dbt(arguments: list[str], database: Path) -> subprocess.CompletedProcess:
    command, env = dbt_invocation(
        [*arguments, "--log-path", str(database.parent / "dbt_logs")], database
    )
    result = subprocess.run(command, cwd=PROJECT_DIR, env=env, capture_output=True, text=True)
    if result.returncode != 0:
        raise AssertionError(f"dbt {' '.join(arguments)} failed:\n{result.stdout[-6000:]}")
    return result


def _generated_and_built(
    tmp_path_factory: pytest.TempPathFactory, name: str, scale: float, until: str | None = None
):
    root = tmp_path_factory.mktemp(name)
    landing, database = root / "landing", root / "build.duckdb"
    generate(landing, seed=DEMO_SEED, scale=scale, until=until)
    build_warehouse(landing, database, calibrated=scale == 1.0)
    return landing, database


@pytest.fixture(scope="session")
def demo_warehouse(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """(landing, database) of the demo extracts at scale 1, loaded and built."""
    return _generated_and_built(tmp_path_factory, "demo", 1.0)


@pytest.fixture(scope="session")
def small_warehouse(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """(landing, database) of small extracts (scale 0.02), loaded and built. They go on after
    the report to September 2018: accounts snapshots of 2018-01-15, 2018-09-01 and 2018-09-30
    (a directory history), a complete school year 2017-2018 and the start of 2018-2019."""
    return _generated_and_built(tmp_path_factory, "small", 0.02, until=SMALL_UNTIL)


# --------------------------------------------------------------------- extract files, by hand
def month_path(landing: Path, month: str, suffix: str = ".csv.gz") -> Path:
    return landing / "auth_events" / f"auth_events_{month}{suffix}"


def read_lines(path: Path) -> list[str]:
    with gzip.open(path, "rt", encoding="utf-8") as handle:
        return handle.read().splitlines()


def write_lines(path: Path, lines: list[str], encoding: str = "utf-8") -> None:
    path.write_bytes(gzip.compress(("\n".join(lines) + "\n").encode(encoding)))


# ------------------------------------------------------------------------------- the BI site
APT_LINE = "apt-get install -y chromium fonts-dejavu-core; Node 20 + npm: the machine image"


@pytest.fixture(scope="session")
def built_site(demo_warehouse, tmp_path_factory) -> tuple[Path, Path]:
    """(LEIA_HOME, published warehouse) with the site built from a copy of the demo warehouse.

    Built once per session (a few minutes): test_reports opens its pages, test_privacy scans it.
    """
    missing = [tool for tool in ("node", "npm") if shutil.which(tool) is None]
    if shutil.which("chromium") is None and shutil.which("chromium-browser") is None:
        missing.append("chromium")
    if missing:
        pytest.fail(f"{', '.join(missing)} missing: the BI test needs them ({APT_LINE})")
    _, database = demo_warehouse
    home = tmp_path_factory.mktemp("leia_home")
    published = home / "leia.duckdb"
    shutil.copyfile(database, published)  # the fixture's file stays untouched
    # two validation runs kept as data, as `leia run` keeps them: an earlier one expecting a
    # month not delivered yet (the raw suite fails), then one that passes
    keys = suite_asset_keys()
    earlier = validate_warehouse(published, parameters={"last_month": "2018-03"})
    latest = validate_warehouse(published)
    with duckdb.connect(str(published)) as con:
        record_results(con, "earlier-run", GX, gx_rows(earlier, keys))
        record_results(con, "latest-run", GX, gx_rows(latest, keys))
    site = bi_site.build_site(published, home)
    assert site == home / "site"
    return home, published
