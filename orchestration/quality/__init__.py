"""Data quality of the warehouse: Great Expectations suites guarding the report's figures.

The suites live in expectations/ (parameters.yml and the GX file context gx/). One module a job:
`parameters` reads parameters.yml and the published figures seed (and names the suites for
Dagster), `suites` generates the versioned suites, `uai_expectation` is the custom expectation,
`validate` runs the suites on the warehouse (validate_warehouse, run_suite, suite_checks),
`outcomes` holds what a run found, `report` writes it one line per failure, `results` stores it
in quality.validation_results, `validate_command` is `leia validate`, `data_docs` and
`data_docs_assets` make GX's Data Docs work offline. Nothing is imported here, so that
`python -m orchestration.quality.suites` runs the module once; importing the modules does not
import Great Expectations either (seconds): the functions that need it do.
"""
