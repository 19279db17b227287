"""The run of the suites on the warehouse: `validate_warehouse()`, and per suite for Dagster.

Validation reads every batch from DuckDB into pandas with a read-only connection and validates the
DataFrames (GX's SQL datasources do not work on DuckDB). GX runs in a temporary copy of the
context (suites.scratch_context), so nothing is written under expectations/ at run time; the data
docs and the validation results go to the caller's folder (LEIA_HOME/gx_data_docs by convention).
`suite_checks()` and `run_suite()` shape the outcome of each suite for a Dagster asset check.

Great Expectations is imported inside the functions that need it (seconds).
"""

from __future__ import annotations

import datetime as dt
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from orchestration.quality.data_docs import scrub_data_docs
from orchestration.quality.outcomes import Failure, Outcome, SuiteResult, ValidationReport
from orchestration.quality.parameters import (
    BatchSpec,
    Parameters,
    ParametersError,
    SuiteSpec,
    load_indicators,
    load_parameters,
    runtime_parameters,
)
from orchestration.quality.report import expected_text, figure_expected_text, observed_text
from orchestration.quality.suites import (
    CONTEXT_DIR,
    SUITES_SUBDIR,
    figure_expectations,
    scratch_context,
)
from orchestration.quality.uai_expectation import register_custom_expectations

# imported for its side effect too: the telemetry variables are set before GX is imported
from orchestration.settings import audited_reports_setting, duckdb_memory_limit

if TYPE_CHECKING:
    import pandas as pd

DATA_DOCS_SITE = "leia"
DATASOURCE = "warehouse"
VALIDATION_RESULTS_DIRNAME = "validation_results"  # under the data docs folder


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
    with con, scratch_context(Path(context_dir), results_dir=results_dir) as (context, _):
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
                # saved once: add_expectation() saves the whole suite at each of ~50 figures
                # (1 s of the 4 s of a run's validation at scale 1)
                gx_suite.expectations.extend(
                    figure_expectations(load_indicators(spec.indicators_file), audited_reports)
                )
                gx_suite.save()
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
