"""Data quality of the warehouse: Great Expectations suites guarding the report's figures.

The suites live in expectations/ (parameters.yml and the GX file context gx/); `suites` generates
and runs them (validate_warehouse, run_suite, suite_checks, suite_asset_keys, main) and `report`
writes their failures one per line. Nothing is imported here, so that
`python -m orchestration.quality.suites` runs the module once; importing `suites` does not import
Great Expectations either (seconds): the functions that need it do.
"""
