"""The Great Expectations suites of the warehouse (issue 5): their generation from the parameters.

The suites are JSON files of a GX file context under expectations/gx/, versioned. They are not
written by hand: `build_suites()` generates them from expectations/parameters.yml, and
`write_suites()` saves them in the context (`python -m orchestration.quality.suites
--write-suites`). A test checks that the versioned files are what the code generates.

The published figures (seeds/published_indicators.csv) are checked by the `figures` suite, whose
figure expectations (`figure_expectations()`) are added when the suite runs, one per row of the
seed: adding a report is adding its rows to the seed, nothing else. A figure is checked on its
own period, in marts.rpt_bilan_indicators; a figure the data does not cover is not checked. The
figures of the reports the operator audits (LEIA_AUDITED_REPORTS) block, unless the seed marks
them as a known mismatch; the others warn.

GX runs in a temporary copy of the context (`scratch_context()`, also used by the runner,
validate.py), so nothing is written under expectations/ at run time. Great Expectations is
imported inside the functions that need it: importing it takes seconds, and the Dagster
definitions and `leia --help` only need the suites' names and assets (parameters.py).
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
import uuid
import warnings
from collections.abc import Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml

from orchestration.quality.parameters import (
    Indicator,
    Parameters,
    ParametersError,
    audited,
    load_parameters,
)
from orchestration.quality.report import plain_number
from orchestration.quality.uai_expectation import register_custom_expectations

# imported for its side effect too: the telemetry variables are set before GX is imported
from orchestration.settings import EXPECTATIONS_DIR, PROJECT_DIR

if TYPE_CHECKING:
    from great_expectations.core import ExpectationSuite

# GX imports pyspark when it is installed (dagster brings it), and pyspark warns about pandas 3
# on every run; no Spark engine is used here
warnings.filterwarnings(
    "ignore", message="PySpark does not yet fully support", category=FutureWarning
)

CONTEXT_DIR = EXPECTATIONS_DIR / "gx"  # the GX file context: great_expectations.yml, expectations/
SUITES_SUBDIR = "expectations"
GENERATED_BY = "orchestration/quality/suites.py from expectations/parameters.yml and the seed"
# stable ids: regenerating an unchanged suite must not rewrite its file
ID_NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "https://leia.corsica/warehouse/expectations")


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
    with scratch_context(context_dir, with_suites=False) as (context, scratch):
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
def scratch_context(context_dir: Path, with_suites: bool = True, results_dir: Path | None = None):
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


def main(argv: Sequence[str] | None = None) -> int:
    """`python -m orchestration.quality.suites --write-suites` (also `leia validate
    --write-suites`): regenerate the versioned suites."""
    parser = argparse.ArgumentParser(
        prog="python -m orchestration.quality.suites",
        description="Regenerate expectations/gx/expectations/*.json from parameters.yml and the "
        "seed (validation: leia validate).",
    )
    parser.add_argument("--write-suites", action="store_true", required=True)
    parser.parse_args(argv)
    for path in write_suites():
        print(path.relative_to(PROJECT_DIR))
    return 0


if __name__ == "__main__":
    sys.exit(main())
