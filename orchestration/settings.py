"""Where things live. Every path a run reads or writes is resolved here, once.

The package runs from a checkout of the repository (installed in editable mode by `make`):
the dbt project, the seeds and the expectation suites are files of the repository, not data
of the package.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

PROJECT_DIR = Path(__file__).resolve().parent.parent
SEEDS_DIR = PROJECT_DIR / "seeds"
EXPECTATIONS_DIR = PROJECT_DIR / "expectations"

# Nothing may phone home: set before dbt, Dagster or GX are imported by anyone.
TELEMETRY_OFF = {
    "DO_NOT_TRACK": "1",
    "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
    "GX_ANALYTICS_ENABLED": "false",
    "DAGSTER_DISABLE_TELEMETRY": "true",
}
for _name, _value in TELEMETRY_OFF.items():
    os.environ.setdefault(_name, _value)


# DuckDB's memory limit for the loader and for dbt, each a process: without one, DuckDB takes up
# to 80 % of the machine's memory in each, and a large month's checks are held in memory.
MEMORY_LIMIT_VARIABLE = "LEIA_DUCKDB_MEMORY_LIMIT"
DEFAULT_MEMORY_LIMIT = "2GB"


def duckdb_memory_limit() -> str:
    return os.environ.get(MEMORY_LIMIT_VARIABLE) or DEFAULT_MEMORY_LIMIT


# Whose published figures gate a publication: 'all' (default), 'none' or report codes
# ('bilan_2017,bilan_2018'). An operator's explicit choice: extracts that are not the ENT the
# reports describe (test sets, --scale) cannot reproduce them. Never inferred from the data.
AUDITED_REPORTS_VARIABLE = "LEIA_AUDITED_REPORTS"


def audited_reports_setting() -> str:
    return (os.environ.get(AUDITED_REPORTS_VARIABLE) or "all").strip()


@dataclass(frozen=True)
class Paths:
    """The folders of one run: landing (read) and home (everything written)."""

    landing: Path
    home: Path

    @classmethod
    def from_env(cls, landing: str | Path | None = None, home: str | Path | None = None) -> Paths:
        landing = landing or os.environ.get("LEIA_LANDING") or PROJECT_DIR / "data" / "landing"
        home = home or os.environ.get("LEIA_HOME") or PROJECT_DIR / "warehouse"
        return cls(landing=Path(landing).resolve(), home=Path(home).resolve())

    @property
    def warehouse(self) -> Path:
        """The published warehouse: what BI tools and SQL users open."""
        return self.home / "leia.duckdb"
