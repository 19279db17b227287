"""Validation results as data: quality.validation_results, kept across runs and published.

Every check of a run — each dbt test and each Great Expectations expectation — is one row (a
failed gate: one row per figure or rule it names) with the run, when, the tool, the suite or
test, the check, the asset it guards, the period, the expected and the observed value, whether
it held and its severity. The rows are written into the build file by the run itself, so they
are published with the warehouse and kept in a failed build; older runs' rows stay (history).
The Qualité page of the BI site reads this table, and only it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import astuple, dataclass

import duckdb

from orchestration.quality.dbt_results import DbtTestOutcome
from orchestration.quality.outcomes import ValidationReport

SCHEMA = "quality"
TABLE = "validation_results"
DDL = f"""
create schema if not exists {SCHEMA};
create table if not exists {SCHEMA}.{TABLE} (
    run_id varchar not null,
    validated_at timestamp not null,
    tool varchar not null,
    suite varchar not null,
    check_name varchar not null,
    asset varchar,
    period varchar,
    expected varchar,
    observed varchar,
    success boolean not null,
    severity varchar not null
);
"""
DBT, GX = "dbt", "great_expectations"


@dataclass(frozen=True)
class ResultRow:
    suite: str  # a GX suite, or a dbt test
    check_name: str  # an expectation, or a figure or rule a dbt gate names, or the test itself
    asset: str | None
    period: str | None
    expected: str | None
    observed: str | None
    success: bool
    severity: str  # error (blocks the publication) or warn


def gx_rows(report: ValidationReport, assets: Mapping[str, list[str]]) -> list[ResultRow]:
    """A row per expectation evaluated; `assets`: suite -> the asset key its check guards."""
    return [
        ResultRow(
            suite=outcome.suite,
            check_name=outcome.expectation,
            asset="/".join(assets.get(outcome.suite, [])) or None,
            period=None,
            expected=outcome.expected,
            observed=outcome.observed,
            success=outcome.success,
            severity="error" if outcome.blocking else "warn",
        )
        for outcome in report.outcomes
    ]


def dbt_rows(tests: Iterable[DbtTestOutcome]) -> list[ResultRow]:
    """A row per dbt test; a failed gate, a row per figure or rule it names."""
    rows = []
    for test in tests:
        severity = "warn" if test.status == "warn" else "error"
        named = [row for row in test.rows if any(c in row for c in ("figure", "rule"))]
        if test.failed and named:
            rows += [
                ResultRow(
                    suite=test.name,
                    check_name=row.get("figure") or row.get("rule") or test.name,
                    asset=test.asset,
                    period=row.get("period"),
                    expected=row.get("expected"),
                    observed=row.get("observed"),
                    success=False,
                    severity=severity,
                )
                for row in named
            ]
            continue
        rows.append(
            ResultRow(
                suite=test.name,
                check_name=test.name,
                asset=test.asset,
                period=None,
                expected="no failing row" if test.unique_id.startswith("test.") else "pass",
                observed=(
                    test.message
                    if test.status in ("error", "runtime error", "skipped")
                    else f"{test.failures} failing row{'s' if test.failures != 1 else ''}"
                ),
                success=test.status == "pass",
                severity=severity,
            )
        )
    return rows


def record_results(
    con: duckdb.DuckDBPyConnection, run_id: str, tool: str, rows: Iterable[ResultRow]
) -> int:
    """Replace this run's rows of `tool` (a step run again is not counted twice); older runs'
    rows stay."""
    con.execute(DDL)
    validated_at = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    values = [[run_id, validated_at, tool, *astuple(row)] for row in rows]
    con.execute("begin transaction")
    try:
        con.execute(f"delete from {SCHEMA}.{TABLE} where run_id = ? and tool = ?", [run_id, tool])
        if values:
            con.executemany(
                f"insert into {SCHEMA}.{TABLE} values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", values
            )
        con.execute("commit")
    except BaseException:
        con.execute("rollback")
        raise
    return len(values)
