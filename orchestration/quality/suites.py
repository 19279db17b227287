"""Great Expectations validation of the warehouse (issue 5): suites, their generation and their run.

The suites are JSON files of a GX file context under expectations/gx/, versioned. They are not
written by hand: `build_suites()` generates them from expectations/parameters.yml, and
`write_suites()` saves them in the context (`python -m orchestration.quality.suites
--write-suites`). A test checks that the versioned files are what the code generates.

The published figures (seeds/published_indicators.csv) are checked by the `figures` suite, whose
figure expectations are added when the suite runs, one per row of the seed: adding a report is
adding its rows to the seed, nothing else. A figure is checked on its own period, in
marts.rpt_bilan_indicators; a figure the data does not cover is not checked. The figures of the
reports the operator audits (LEIA_AUDITED_REPORTS) block, unless the seed marks them as a known
mismatch; the others warn.

Validation reads every batch from DuckDB into pandas with a read-only connection and validates the
DataFrames (GX's SQL datasources do not work on DuckDB). GX runs in a temporary copy of the
context, so nothing is written under expectations/ at run time; the data docs and the validation
results go to the caller's folder (LEIA_HOME/gx_data_docs by convention).

Great Expectations is imported inside the functions that need it: importing it takes seconds, and
the Dagster definitions and `leia --help` only need the suites' names and assets.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import functools
import os
import re
import shutil
import sys
import tempfile
import uuid
import warnings
from collections.abc import Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml

from orchestration.quality.data_docs import make_data_docs_offline
from orchestration.quality.report import (
    expected_text,
    figure_expected_text,
    observed_text,
    plain_number,
)
from orchestration.settings import (
    EXPECTATIONS_DIR,
    PROJECT_DIR,
    Paths,
    apply_process_environment,
    audited_reports_setting,
    duckdb_memory_limit,
)

if TYPE_CHECKING:
    import pandas as pd
    from great_expectations.core import ExpectationSuite

# GX imports pyspark when it is installed (dagster brings it), and pyspark warns about pandas 3
# on every run; no Spark engine is used here
warnings.filterwarnings(
    "ignore", message="PySpark does not yet fully support", category=FutureWarning
)

PARAMETERS_FILE = EXPECTATIONS_DIR / "parameters.yml"
CONTEXT_DIR = EXPECTATIONS_DIR / "gx"  # the GX file context: great_expectations.yml, expectations/
SUITES_SUBDIR = "expectations"
DATA_DOCS_SITE = "leia"
DATASOURCE = "warehouse"
DATA_DOCS_DIRNAME = "gx_data_docs"  # under LEIA_HOME
VALIDATION_RESULTS_DIRNAME = "validation_results"  # under the data docs folder
GENERATED_BY = "orchestration/quality/suites.py from expectations/parameters.yml and the seed"
UAI_CHECK_LETTERS = "ABCDEFGHJKLMNPRSTUVWXYZ"  # the official alphabet: no I, O, Q
# stable ids: regenerating an unchanged suite must not rewrite its file
ID_NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "https://leia.corsica/warehouse/expectations")


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


# ------------------------------------------------------------------------------- generation
def _row_condition(where: Mapping[str, Any] | None, extra: list[Any]):
    from great_expectations.expectations.row_conditions import AndCondition, Column

    conditions = list(extra)
    for column, value in (where or {}).items():
        if isinstance(value, list):
            conditions.append(Column(column).is_in([str(v) for v in value]))
        else:
            conditions.append(Column(column) == str(value))
    if not conditions:
        return None
    return conditions[0] if len(conditions) == 1 else AndCondition(conditions=conditions)


def figure_expectations(indicators: Sequence[Indicator], audited_reports: str) -> list:
    """One expectation per published figure: its computed value, on the rows of the figures
    table that the data covers, within the bounds the seed gives (none: not covered, nothing to
    check). Blocking for an audited report's figure that is not a known mismatch. A figure the
    seed says the data cannot give (not_computable_reason) has none: the batch leaves it out."""
    import great_expectations.expectations as gxe
    from great_expectations.expectations.row_conditions import AndCondition, Column

    expectations = []
    for indicator in indicators:
        if indicator.not_computable_reason:
            continue
        minimum, maximum, strict_min = indicator.bounds()
        bounds: dict[str, Any] = {"min_value": minimum, "max_value": maximum}
        if strict_min:
            bounds["strict_min"] = True
        blocking = (
            audited(indicator.report_code, audited_reports) and not indicator.is_known_mismatch
        )
        expectation = gxe.ExpectColumnValuesToBeBetween(
            column="computed_value",
            **bounds,
            row_condition=AndCondition(
                conditions=[
                    Column("report_code") == indicator.report_code,
                    Column("indicator_code") == indicator.code,
                ]
            ),
            meta={
                "check": f"{indicator.report_code}.{indicator.code}",
                "indicator_code": indicator.code,
                "report_code": indicator.report_code,
                "label_fr": indicator.label_fr,
                "published_value": plain_number(indicator.published_value),
                "comparison": indicator.comparison,
                "tolerance": plain_number(indicator.tolerance),
                "known_mismatch": indicator.is_known_mismatch,
                "blocking": blocking,
                "source": "published_indicators seed",
            },
        )
        expectation.severity = "critical" if blocking else "warning"
        expectations.append(expectation)
    return expectations


def _check_expectation(check: Mapping[str, Any], where: str):
    from great_expectations.expectations.expectation_configuration import (
        ExpectationConfiguration,
    )

    register_custom_expectations()
    name = check.get("check")
    if not name or "expect" not in check:
        raise ParametersError(f"{where}: a check has a `check` name and an `expect` type")
    configuration = ExpectationConfiguration(
        type=check["expect"], kwargs=dict(check.get("kwargs", {})), meta={"check": name}
    )
    return configuration.to_domain_obj()


def build_suites(parameters: Parameters | None = None) -> dict[str, ExpectationSuite]:
    """Every GX suite (one per suite and batch), named <suite>__<batch>, with stable ids."""
    import great_expectations as gx

    parameters = parameters or load_parameters()
    suites: dict[str, ExpectationSuite] = {}
    for spec in parameters.suites.values():
        for batch in spec.batches:
            name = spec.gx_suite_name(batch)
            expectations = [
                _check_expectation(c, f"{name}: check {i}") for i, c in enumerate(batch.checks)
            ]
            checks = [e.meta["check"] for e in expectations]
            duplicates = {c for c in checks if checks.count(c) > 1}
            if duplicates:
                raise ParametersError(f"{name}: checks named twice: {sorted(duplicates)}")
            for expectation in expectations:
                # a delayed month is worth a warning; a wrong figure is not
                expectation.severity = "critical" if spec.blocking else "warning"
            # given to the constructor: add_expectation() would need a Data Context to save to
            suite = gx.ExpectationSuite(
                name=name,
                id=str(uuid.uuid5(ID_NAMESPACE, name)),
                expectations=expectations,
                notes=spec.description,
                meta={
                    "leia_suite": spec.name,
                    "batch": batch.name,
                    "blocking": spec.blocking,
                    "query": batch.query,
                    "reads": [list(k) for k in batch.reads],
                    "row_id": list(batch.row_id),
                    "published_figures": batch.published_figures,
                    "generated_by": GENERATED_BY,
                },
            )
            for expectation in suite.expectations:
                expectation.id = str(
                    uuid.uuid5(ID_NAMESPACE, f"{name}/{expectation.meta['check']}")
                )
            suites[name] = suite
    return suites


def write_suites(context_dir: Path = CONTEXT_DIR) -> list[Path]:
    """Save the generated suites in the file context at `context_dir`, replacing every old one.

    GX writes them (its own serialisation) in a scratch copy of the context; only the suites'
    JSON files are copied back, so GX's scaffolding (uncommitted/, plugins/) stays out of the
    repository.
    """
    suites = build_suites()
    with _scratch_context(context_dir, with_suites=False) as (context, scratch):
        for suite in suites.values():
            ids = (suite.id, [e.id for e in suite.expectations])
            suite.id = None
            for expectation in suite.expectations:
                expectation.id = None
            saved = context.suites.add(suite)
            # GX gives new suites random ids; an update keeps the ones set before saving
            saved.id = ids[0]
            for expectation, expectation_id in zip(saved.expectations, ids[1], strict=True):
                expectation.id = expectation_id
            saved.save()
        target = context_dir / SUITES_SUBDIR
        target.mkdir(parents=True, exist_ok=True)
        for old in target.glob("*.json"):
            old.unlink()
        written = []
        for name in suites:
            source = scratch / SUITES_SUBDIR / f"{name}.json"
            shutil.copyfile(source, target / source.name)
            written.append(target / source.name)
    return written


@contextmanager
def _scratch_context(context_dir: Path, with_suites: bool = True, results_dir: Path | None = None):
    """A file context in a temporary folder, from the versioned configuration (and suites)."""
    import great_expectations as gx

    with tempfile.TemporaryDirectory(prefix="leia-gx-") as tmp:
        scratch = Path(tmp) / "gx"
        scratch.mkdir()
        config = yaml.safe_load((context_dir / "great_expectations.yml").read_text("utf-8"))
        if results_dir is not None:
            backend = config["stores"]["validation_results_store"]["store_backend"]
            backend["base_directory"] = str(results_dir)
        (scratch / "great_expectations.yml").write_text(yaml.safe_dump(config), "utf-8")
        if with_suites:
            shutil.copytree(context_dir / SUITES_SUBDIR, scratch / SUITES_SUBDIR)
        context = gx.get_context(mode="file", project_root_dir=tmp)
        yield context, scratch


# -------------------------------------------------------------------------- custom expectation
@functools.cache
def register_custom_expectations() -> tuple[type, type]:
    """expect_column_values_to_have_valid_uai_check_letter, for the suites that use it.

    Defined on first use rather than at import: a GX class definition imports GX. GX registers
    an expectation and its metric when their classes are defined; defining them twice would
    register them twice, hence the cache.
    """
    from great_expectations.execution_engine import PandasExecutionEngine
    from great_expectations.expectations.expectation import ColumnMapExpectation
    from great_expectations.expectations.metrics import (
        ColumnMapMetricProvider,
        column_condition_partial,
    )

    class ColumnValuesValidUaiCheckLetter(ColumnMapMetricProvider):
        condition_metric_name = "column_values.valid_uai_check_letter"

        @column_condition_partial(engine=PandasExecutionEngine)
        def _pandas(cls, column, **kwargs):
            return column.map(valid_uai)

    class ExpectColumnValuesToHaveValidUaiCheckLetter(ColumnMapExpectation):
        """The UAI's letter is ABCDEFGHJKLMNPRSTUVWXYZ[its 7 digits mod 23]."""

        map_metric = "column_values.valid_uai_check_letter"
        success_keys = ("mostly",)

    return ColumnValuesValidUaiCheckLetter, ExpectColumnValuesToHaveValidUaiCheckLetter


def valid_uai(value: Any) -> bool:
    text = str(value)
    return bool(re.fullmatch(r"[0-9]{7}[A-Z]", text)) and (
        UAI_CHECK_LETTERS[int(text[:7]) % 23] == text[7]
    )


# -------------------------------------------------------------------------------- validation
@dataclass(frozen=True)
class Outcome:
    """What one expectation found (kept as data: quality.validation_results)."""

    suite: str
    expectation: str  # the check's name: report.indicator of a figure, a rule of parameters.yml
    expected: str
    observed: str
    expectation_type: str = ""
    batch: str = ""
    blocking: bool = True  # its failure stops the publication
    success: bool = False


Failure = Outcome  # an outcome whose expectation did not hold


@dataclass(frozen=True)
class SuiteResult:
    suite: str
    blocking: bool  # the suite's rules block (the figures suite: per figure, see Outcome)
    outcomes: tuple[Outcome, ...]

    @property
    def evaluated(self) -> int:
        return len(self.outcomes)

    @property
    def failures(self) -> tuple[Outcome, ...]:
        return tuple(outcome for outcome in self.outcomes if not outcome.success)

    @property
    def success(self) -> bool:
        return not self.failures

    @property
    def blocked(self) -> bool:
        """A failure of this suite stops the publication."""
        return any(failure.blocking for failure in self.failures)


@dataclass
class ValidationReport:
    suites: list[SuiteResult]
    parameters: dict[str, Any] = field(default_factory=dict)
    data_docs_index: Path | None = None

    @property
    def success(self) -> bool:
        """No blocking expectation failed (a non-blocking failure is a warning)."""
        return not any(result.blocked for result in self.suites)

    @property
    def failures(self) -> list[Failure]:
        return [failure for result in self.suites for failure in result.failures]

    @property
    def warnings(self) -> list[Failure]:
        return [failure for failure in self.failures if not failure.blocking]

    @property
    def outcomes(self) -> list[Outcome]:
        return [outcome for result in self.suites for outcome in result.outcomes]

    @property
    def evaluated(self) -> int:
        return sum(result.evaluated for result in self.suites)


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


def newest_loaded_month(con) -> str | None:
    """The newest auth_events partition of the load log ('YYYY-MM'), None when none is."""
    import duckdb

    try:
        ((month,),) = con.execute(
            "select max(partition_key) from raw.load_log where extract = 'auth_events'"
        ).fetchall()
    except duckdb.CatalogException:
        return None
    return month


def read_batch(con, query: str) -> pd.DataFrame | str:
    """The query's DataFrame, or the error that prevented reading it."""
    import duckdb
    from pandas.api.types import is_extension_array_dtype, is_integer_dtype

    try:
        frame = con.sql(query).df()
    except duckdb.Error as error:
        return str(error).splitlines()[0]
    # GX's pandas metrics raise on pd.NA: a NULL integer becomes NaN, as in float columns
    for column in frame.columns:
        dtype = frame[column].dtype
        nullable_int = is_extension_array_dtype(dtype) and is_integer_dtype(dtype)
        if nullable_int and frame[column].isna().any():
            frame[column] = frame[column].astype("float64")
    return frame


def _selected(parameters: Parameters, suites: Sequence[str] | None) -> list[SuiteSpec]:
    if suites is None:
        return list(parameters.suites.values())
    unknown = [name for name in suites if name not in parameters.suites]
    if unknown:
        raise ParametersError(
            f"unknown suite(s) {unknown}: the suites are {', '.join(parameters.suites)}"
        )
    return [parameters.suites[name] for name in suites]


def validate_warehouse(
    db_path: Path,
    data_docs_dir: Path | None = None,
    suites: list[str] | None = None,
    *,
    parameters: Mapping[str, Any] | None = None,
    audited_reports: str | None = None,
    run_name: str = "leia-validate",
    context_dir: Path = CONTEXT_DIR,
) -> ValidationReport:
    """Run the versioned suites (all, or the named ones) on the DuckDB warehouse at `db_path`.

    `data_docs_dir` receives GX's Data Docs (HTML) and the validation results they are built
    from; without it nothing is kept. `parameters` overrides the run-dependent values (see
    runtime_parameters). `audited_reports` ('all', 'none' or report codes; default:
    LEIA_AUDITED_REPORTS) says whose published figures block. `run_name` groups this run's
    results in the Data Docs (a Dagster run id, for instance).
    """
    import duckdb
    import great_expectations as gx
    from great_expectations.core.run_identifier import RunIdentifier
    from great_expectations.data_context.types.resource_identifiers import (
        ExpectationSuiteIdentifier,
    )

    db_path = Path(db_path)
    if not db_path.is_file():
        raise FileNotFoundError(f"{db_path}: no DuckDB warehouse there")
    spec = load_parameters()
    selected = _selected(spec, suites)
    audited_reports = audited_reports if audited_reports is not None else audited_reports_setting()
    missing = [
        name
        for suite in selected
        for name in (suite.gx_suite_name(b) for b in suite.batches)
        if not (Path(context_dir) / SUITES_SUBDIR / f"{name}.json").is_file()
    ]
    if missing:
        raise ParametersError(
            f"suites {missing} are not in {context_dir}: parameters.yml names them, "
            "run `python -m orchestration.quality.suites --write-suites`"
        )
    batches = [(suite, batch) for suite in selected for batch in suite.batches]
    register_custom_expectations()
    results_dir = None
    if data_docs_dir is not None:
        data_docs_dir = Path(data_docs_dir).resolve()
        results_dir = data_docs_dir / VALIDATION_RESULTS_DIRNAME
        results_dir.mkdir(parents=True, exist_ok=True)
    run_id = RunIdentifier(run_name=run_name, run_time=dt.datetime.now(dt.UTC))
    outcomes: dict[str, list[Failure]] = {suite.name: [] for suite in selected}
    # one batch in memory at a time: the account-level ones grow with the platform
    con = duckdb.connect(
        str(db_path), read_only=True, config={"memory_limit": duckdb_memory_limit()}
    )
    values = runtime_parameters(spec, parameters, newest_loaded_month(con))
    with con, _scratch_context(Path(context_dir), results_dir=results_dir) as (context, _):
        if data_docs_dir is not None:
            context.add_data_docs_site(
                site_name=DATA_DOCS_SITE,
                site_config={
                    "class_name": "SiteBuilder",
                    "show_how_to_buttons": False,
                    "store_backend": {
                        "class_name": "TupleFilesystemStoreBackend",
                        "base_directory": str(data_docs_dir),
                    },
                    "site_index_builder": {"class_name": "DefaultSiteIndexBuilder"},
                },
            )
        datasource = context.data_sources.add_pandas(DATASOURCE)
        results_store = context.validation_results_store
        known_results = set(results_store.list_keys())
        for suite, batch in batches:
            name = suite.gx_suite_name(batch)
            frame = read_batch(con, batch.query)
            if isinstance(frame, str):
                outcomes[suite.name].append(
                    Failure(
                        suite=suite.name,
                        expectation=f"{batch.name}_readable",
                        expected="the batch's query runs",
                        observed=frame,
                        expectation_type="query",
                        batch=batch.name,
                        blocking=suite.blocking,
                    )
                )
                continue
            asset = datasource.add_dataframe_asset(name=name)
            gx_suite = context.suites.get(name)
            if batch.published_figures:
                for expectation in figure_expectations(
                    load_indicators(spec.indicators_file), audited_reports
                ):
                    gx_suite.add_expectation(expectation)
            definition = context.validation_definitions.add(
                gx.ValidationDefinition(
                    name=name,
                    data=asset.add_batch_definition_whole_dataframe("whole"),
                    suite=gx_suite,
                )
            )
            result = definition.run(
                batch_parameters={"dataframe": frame},
                expectation_parameters=values,
                run_id=run_id,
                result_format={
                    "result_format": "SUMMARY",
                    "unexpected_index_column_names": list(batch.row_id),
                },
            )
            del frame  # GX's batch keeps no reference to it after the run
            # GX returns the results in its own order; the report follows the suite's
            order = {e.id: i for i, e in enumerate(gx_suite.expectations)}
            for item in sorted(result.results, key=lambda r: order.get(r.expectation_config.id, 0)):
                outcomes[suite.name].append(_outcome(suite, batch, item, values))
        index = None
        if data_docs_dir is not None:
            # only this run's pages: the older runs' pages are already in the folder
            new_results = [k for k in results_store.list_keys() if k not in known_results]
            suite_keys = [ExpectationSuiteIdentifier(name=s.gx_suite_name(b)) for s, b in batches]
            context.build_data_docs(
                site_names=[DATA_DOCS_SITE], resource_identifiers=new_results + suite_keys
            )
            still_fetched = scrub_data_docs(data_docs_dir)
            if still_fetched:
                print(
                    f"leia validate: the Data Docs still load {len(still_fetched)} file(s) from "
                    "the internet; install them: "
                    "python -m orchestration.quality.data_docs --install",
                    file=sys.stderr,
                )
            index = data_docs_dir / "index.html"
    return ValidationReport(
        suites=[
            SuiteResult(
                suite=suite.name,
                blocking=suite.blocking,
                outcomes=tuple(outcomes[suite.name]),
            )
            for suite in selected
        ],
        parameters=values,
        data_docs_index=index,
    )


_TRACKER = re.compile(
    r"https://great-expectations-web-assets\.s3[^\"')\s]*/([\w.-]+\.png)[^\"')\s]*"
)


def scrub_data_docs(data_docs_dir: Path) -> list[str]:
    """Point GX's logo, and its CDN files (bootstrap, jQuery, ...), at copies in the site: the
    docs open offline and tell nobody who reads them. Returns the addresses pages still fetch.

    GX's page template loads its logo from GX's servers with the time and the data context id in
    the address: opening the docs would tell GX who looked at them, and when.
    """
    images = data_docs_dir / "static" / "images"
    pages = [*data_docs_dir.rglob("*.html"), *data_docs_dir.rglob("*.css")]
    for page in pages:
        text = page.read_text(encoding="utf-8")
        if "great-expectations-web-assets" not in text:
            continue
        local = Path(os.path.relpath(images, page.parent)).as_posix()
        page.write_text(_TRACKER.sub(rf"{local}/\1", text), encoding="utf-8")
    return make_data_docs_offline(data_docs_dir)


def _outcome(suite: SuiteSpec, batch: BatchSpec, item, values: Mapping[str, Any]) -> Outcome:
    config = item.expectation_config
    meta = config.meta or {}
    kind = config.type
    if "indicator_code" in meta:
        expected = figure_expected_text(
            meta["published_value"], meta["comparison"], meta["tolerance"]
        )
    else:
        expected = expected_text(kind, config.kwargs, values)
    return Outcome(
        suite=suite.name,
        expectation=meta.get("check", kind),
        expected=expected,
        observed=observed_text(item),
        expectation_type=kind,
        batch=batch.name,
        blocking=bool(meta.get("blocking", suite.blocking)),
        success=bool(item.success),
    )


# ------------------------------------------------------------------------ one suite (Dagster)
@dataclass(frozen=True)
class SuiteCheck:
    """The outcome of one suite, shaped for a Dagster AssetCheckResult."""

    suite: str
    success: bool  # no expectation failed
    blocking: bool  # the suite may block (parameters.yml)
    blocked: bool  # an expectation that blocks failed: the check fails with severity error
    metadata: dict[str, Any]


def suite_checks(report: ValidationReport) -> dict[str, SuiteCheck]:
    """Each suite of a validation as a check outcome: one GX run for every asset check.

    For a Dagster multi_asset_check over all suites, which imports GX and reads the warehouse
    once instead of once per suite.
    """
    from orchestration.quality.report import failure_line

    checks = {}
    for result in report.suites:
        metadata: dict[str, Any] = {
            "expectations_evaluated": result.evaluated,
            "expectations_failed": len(result.failures),
            "blocking": result.blocking,
            "blocked": result.blocked,
            "failures": "\n".join(failure_line(f) for f in result.failures) or "none",
        }
        if report.data_docs_index is not None:
            metadata["data_docs"] = str(report.data_docs_index)
        checks[result.suite] = SuiteCheck(
            suite=result.suite,
            success=result.success,
            blocking=result.blocking,
            blocked=result.blocked,
            metadata=metadata,
        )
    return checks


def run_suite(
    name: str,
    db_path: Path,
    data_docs_dir: Path | None = None,
    *,
    parameters: Mapping[str, Any] | None = None,
    audited_reports: str | None = None,
    run_name: str = "leia-validate",
) -> SuiteCheck:
    """Run one suite (for one asset check): success, and metadata with one line per failure."""
    report = validate_warehouse(
        db_path,
        data_docs_dir,
        [name],
        parameters=parameters,
        audited_reports=audited_reports,
        run_name=run_name,
    )
    return suite_checks(report)[name]


# ------------------------------------------------------------------------------------- CLI
def add_validate_arguments(parser: argparse.ArgumentParser) -> None:
    """The options of `leia validate` (also `python -m orchestration.quality.suites`)."""
    parser.add_argument(
        "--database",
        type=Path,
        help="DuckDB warehouse to validate (default: LEIA_HOME/leia.duckdb, the published one)",
    )
    docs = parser.add_mutually_exclusive_group()
    docs.add_argument(
        "--data-docs", type=Path, help=f"Data Docs folder (default: LEIA_HOME/{DATA_DOCS_DIRNAME})"
    )
    docs.add_argument("--no-data-docs", action="store_true", help="do not write Data Docs")
    parser.add_argument(
        "--suite",
        action="append",
        dest="suites",
        metavar="NAME",
        help="run this suite only (repeatable; default: every suite)",
    )
    parser.add_argument("--first-month", metavar="YYYY-MM", help="first month the run expects")
    parser.add_argument("--last-month", metavar="YYYY-MM", help="last month the run expects")
    parser.add_argument(
        "--max-rejected-share", type=float, help="largest share of rejected lines in a partition"
    )
    parser.add_argument(
        "--audited-reports",
        metavar="CODES",
        help="whose published figures block: all, none or report codes, comma-separated "
        "(default: LEIA_AUDITED_REPORTS, else all)",
    )
    parser.add_argument(
        "--write-suites",
        action="store_true",
        help="regenerate expectations/gx/expectations/*.json from parameters.yml and the seed",
    )


def run_validate(args: argparse.Namespace) -> int:
    """0: every blocking suite passed; 1: a blocking expectation failed; 2: cannot validate."""
    from orchestration.quality.report import report_lines

    if args.write_suites:
        for path in write_suites():
            print(path.relative_to(PROJECT_DIR))
        return 0
    paths = Paths.from_env()
    database = args.database or paths.warehouse
    docs = None if args.no_data_docs else (args.data_docs or paths.home / DATA_DOCS_DIRNAME)
    overrides = {
        key: value
        for key, value in {
            "first_month": args.first_month,
            "last_month": args.last_month,
            "max_rejected_share": args.max_rejected_share,
        }.items()
        if value is not None
    }
    try:
        report = validate_warehouse(
            database, docs, args.suites, parameters=overrides, audited_reports=args.audited_reports
        )
    except (FileNotFoundError, ParametersError) as error:
        print(f"leia validate: error: {error}", file=sys.stderr)
        return 2
    for line in report_lines(report):
        print(line)
    return 0 if report.success else 1


def main(argv: Sequence[str] | None = None) -> int:
    apply_process_environment()  # GX's analytics off
    parser = argparse.ArgumentParser(
        prog="leia validate",
        description="Validate the warehouse with the Great Expectations suites of expectations/.",
    )
    add_validate_arguments(parser)
    return run_validate(parser.parse_args(argv))


if __name__ == "__main__":
    sys.exit(main())
