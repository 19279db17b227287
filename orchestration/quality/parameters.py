"""The suites' parameters: expectations/parameters.yml, the published figures, the run's values.

`load_parameters()` reads the suites, their batches and checks from expectations/parameters.yml;
`load_indicators()` reads the published figures (seeds/published_indicators.csv), one per row;
`runtime_parameters()` gives the values of the suites' $PARAMETERs for one run. The Dagster
definitions and `leia --help` only need the suites' names and assets (suite_names,
blocking_suites, suite_asset_keys, suite_reads): nothing here imports Great Expectations.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from orchestration.quality.report import figure_expected_text, plain_number
from orchestration.settings import EXPECTATIONS_DIR, PROJECT_DIR

PARAMETERS_FILE = EXPECTATIONS_DIR / "parameters.yml"


class ParametersError(ValueError):
    """expectations/parameters.yml or the seed it names cannot produce the suites."""


# ------------------------------------------------------------------------------- parameters
@dataclass(frozen=True)
class Indicator:
    """One published figure of a report (a row of the published_indicators seed)."""

    report_code: str
    code: str
    published_value: float
    comparison: str
    tolerance: float
    is_known_mismatch: bool
    label_fr: str
    not_computable_reason: str = ""  # the seed says the data cannot give this figure

    def bounds(self) -> tuple[float | None, float | None, bool]:
        """(min, max, strict_min) a computed value must satisfy to match the published one."""
        value = plain_number(self.published_value)
        if self.comparison == "exact":
            return value, value, False
        if self.comparison in ("rounded", "approximately"):
            return plain_number(value - self.tolerance), plain_number(value + self.tolerance), False
        if self.comparison == "greater_than":
            return value, None, True
        raise ParametersError(f"{self.code}: unknown comparison {self.comparison!r}")

    def expected_text(self) -> str:
        return figure_expected_text(self.published_value, self.comparison, self.tolerance)


@dataclass(frozen=True)
class BatchSpec:
    name: str
    query: str
    reads: tuple[tuple[str, ...], ...]
    checks: tuple[Mapping[str, Any], ...]
    row_id: tuple[str, ...] = ()
    # the batch is the figures table: one expectation per published figure is added when it runs
    published_figures: bool = False


@dataclass(frozen=True)
class SuiteSpec:
    name: str
    blocking: bool
    asset: tuple[str, ...]
    description: str
    batches: tuple[BatchSpec, ...]

    def gx_suite_name(self, batch: BatchSpec) -> str:
        return f"{self.name}__{batch.name}"

    @property
    def reads(self) -> list[tuple[str, ...]]:
        return list(dict.fromkeys(key for batch in self.batches for key in batch.reads))


@dataclass(frozen=True)
class Parameters:
    suites: dict[str, SuiteSpec]
    indicators_file: Path
    runtime: Mapping[str, Any]


@dataclass(frozen=True)
class ExtractPeriod:
    """The months the run expects, 'YYYY-MM' inclusive."""

    first_month: str
    last_month: str

    def __post_init__(self) -> None:
        for month in (self.first_month, self.last_month):
            if not re.fullmatch(r"\d{4}-(0[1-9]|1[0-2])", month):
                raise ParametersError(f"{month!r}: a month is written YYYY-MM")
        if self.first_month > self.last_month:
            raise ParametersError(f"period {self.first_month}..{self.last_month} is empty")

    @classmethod
    def from_dbt_project(cls, runtime: Mapping[str, Any]) -> ExtractPeriod:
        """The contract's first month (a one-month period: the caller sets the last one)."""
        period = runtime["period"]
        with (PROJECT_DIR / period["dbt_project"]).open(encoding="utf-8") as handle:
            variables = yaml.safe_load(handle)["vars"]
        first = str(variables[period["first_day_var"]])
        return cls(first_month=first[:7], last_month=first[:7])

    def months(self) -> list[int]:
        """Every month of the period as a YYYYMM integer."""
        year, month = map(int, self.first_month.split("-"))
        last = _yyyymm(self.last_month)
        months = []
        while year * 100 + month <= last:
            months.append(year * 100 + month)
            year, month = (year + 1, 1) if month == 12 else (year, month + 1)
        return months


def _yyyymm(month: str) -> int:
    return int(month.replace("-", ""))


def _months_before(month: str, lag: int) -> int:
    year, number = map(int, month.split("-"))
    index = year * 12 + number - 1 - lag
    return (index // 12) * 100 + index % 12 + 1


def _asset_key(value: Any, where: str) -> tuple[str, ...]:
    if not isinstance(value, list) or not value or not all(isinstance(v, str) for v in value):
        raise ParametersError(f"{where}: an asset key is a list of names, got {value!r}")
    return tuple(value)


def load_parameters(path: Path = PARAMETERS_FILE) -> Parameters:
    with path.open(encoding="utf-8") as handle:
        raw = yaml.safe_load(handle)
    suites = {}
    for name, suite in raw["suites"].items():
        batches = tuple(
            BatchSpec(
                name=batch_name,
                query=" ".join(batch["query"].split()),
                reads=tuple(_asset_key(k, f"{name}.{batch_name}") for k in batch["reads"]),
                checks=tuple(batch.get("checks", ())),
                row_id=tuple(batch.get("row_id", ())),
                published_figures=bool(batch.get("published_figures", False)),
            )
            for batch_name, batch in suite["batches"].items()
        )
        suites[name] = SuiteSpec(
            name=name,
            blocking=bool(suite["blocking"]),
            asset=_asset_key(suite["asset"], name),
            description=" ".join(suite["description"].split()),
            batches=batches,
        )
    return Parameters(
        suites=suites, indicators_file=PROJECT_DIR / raw["indicators"], runtime=raw["runtime"]
    )


def load_indicators(path: Path) -> list[Indicator]:
    with path.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    return [
        Indicator(
            report_code=row["report_code"],
            code=row["indicator_code"],
            published_value=float(row["published_value"]),
            comparison=row["comparison"],
            tolerance=float(row["tolerance"] or 0),
            is_known_mismatch=row["known_mismatch"].strip().lower() == "true",
            label_fr=row["label_fr"],
            not_computable_reason=row.get("not_computable_reason", "").strip(),
        )
        for row in rows
    ]


def audited(report_code: str, audited_reports: str) -> bool:
    """Whether a report's figures block (`audited_reports`: 'all', 'none' or a list of codes)."""
    value = audited_reports.strip()
    if value == "all":
        return True
    if value in ("none", ""):
        return False
    return report_code in {code.strip() for code in value.split(",")}


# ------------------------------------------------------------------- for Dagster and the CLI
def suite_names() -> list[str]:
    return list(load_parameters().suites)


def blocking_suites() -> list[str]:
    """The suites that guard a figure of the report: a failure stops the publication."""
    return [name for name, spec in load_parameters().suites.items() if spec.blocking]


def suite_asset_keys() -> dict[str, list[str]]:
    """Suite name -> the asset key its Dagster asset check attaches to: ["marts", "dim_schools"]."""
    return {name: list(spec.asset) for name, spec in load_parameters().suites.items()}


def suite_reads() -> dict[str, list[list[str]]]:
    """Suite name -> every asset key its batches read (for a multi-asset check)."""
    return {
        name: [list(key) for key in spec.reads] for name, spec in load_parameters().suites.items()
    }


def runtime_parameters(
    parameters: Parameters | None = None,
    overrides: Mapping[str, Any] | None = None,
    newest_month: str | None = None,
) -> dict[str, Any]:
    """The values of the suites' $PARAMETERs: parameters.yml's `runtime`, then `overrides`.

    The period the run expects runs from the contract's first month (dbt_project.yml) to
    `newest_month` (the newest month loaded, by default); `overrides` may set first_month /
    last_month ('YYYY-MM': a Dagster run gives the newest month of the landing folder, so that
    a month delivered but not loaded fails), max_rejected_share and freshness_max_lag_months.
    """
    parameters = parameters or load_parameters()
    overrides = dict(overrides or {})
    first = ExtractPeriod.from_dbt_project(parameters.runtime).first_month
    first = overrides.pop("first_month", None) or first
    period = ExtractPeriod(
        first_month=first,
        last_month=overrides.pop("last_month", None) or max(newest_month or first, first),
    )
    max_rejected_share = float(
        overrides.pop("max_rejected_share", parameters.runtime["max_rejected_share"])
    )
    lag = int(
        overrides.pop("freshness_max_lag_months", parameters.runtime["freshness_max_lag_months"])
    )
    if overrides:
        raise ParametersError(f"unknown validation parameters: {sorted(overrides)}")
    return {
        "first_month": _yyyymm(period.first_month),
        "last_month": _yyyymm(period.last_month),
        "extract_months": period.months(),
        "max_rejected_share": max_rejected_share,
        "freshness_min_month": _months_before(period.last_month, lag),
    }
