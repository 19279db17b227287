"""What a `dbt build` checked and what failed, in words an operator can act on.

dbt says "Got 5 results, configured to fail if != 0" for a failed test. The gates of the
warehouse (tests/dbt/assert_*) return one row per failed figure or rule, with its period, the
expected and the observed value: this module reads dbt's run_results.json, runs each failed
test's compiled query again on the build file (read-only, once dbt has exited) and gives its
rows, so that `leia run` names the failed figures without anyone opening the failed build, and
every test's outcome can be kept as data (quality.validation_results).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path

import duckdb

FAILED_STATUSES = ("fail", "error", "runtime error")
MAX_ROWS = 20  # per test: enough to act on, short enough to read
# the columns a gate's failing row names its figure or rule, period and values with
NAME_COLUMNS = ("figure", "rule")


@dataclass(frozen=True)
class DbtTestOutcome:
    """One dbt test of an invocation: passed, warned or failed, and its failing rows."""

    unique_id: str
    status: str  # pass, warn, fail, error, skipped
    message: str
    asset: str | None  # the model it guards, 'schema/name'
    rows: tuple[dict[str, str], ...] = ()  # the failing rows (at most MAX_ROWS)
    more_rows: int = 0
    failures: int = 0

    @property
    def name(self) -> str:
        return self.unique_id.split(".")[2] if self.unique_id.count(".") >= 2 else self.unique_id

    @property
    def failed(self) -> bool:
        return self.status in FAILED_STATUSES

    def lines(self) -> list[str]:
        head = f"{self.name} ({self.status}): {self.message}"
        tail = [f"... and {self.more_rows} more rows"] if self.more_rows else []
        rows = (", ".join(f"{k}={v}" for k, v in row.items()) for row in self.rows)
        return [head, *(f"  {row}" for row in rows), *tail]


def _value_text(value: object) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, str):
        # the gates' texts carry numbers cast by SQL: 89209.0 reads 89209
        return re.sub(r"\b(\d+)\.0\b", r"\1", value.strip())
    return str(value)


def _failing_rows(database: Path, sql: str) -> tuple[tuple[dict[str, str], ...], int]:
    con = duckdb.connect(str(database), read_only=True)
    try:
        relation = con.sql(f"select * from ({sql}) as failing")
        columns = relation.columns
        rows = relation.fetchall()
    finally:
        con.close()
    shown = tuple(
        {column: _value_text(value) for column, value in zip(columns, row, strict=True)}
        for row in rows[:MAX_ROWS]
    )
    return shown, max(len(rows) - MAX_ROWS, 0)


def _guarded_models(manifest: Path) -> dict[str, str]:
    """test unique id -> 'schema/name' of the model (or source) it tests."""
    if not manifest.is_file():
        return {}
    document = json.loads(manifest.read_text(encoding="utf-8"))
    relations = {
        key: f"{node['schema']}/{node.get('alias') or node['name']}"
        for key, node in {**document.get("nodes", {}), **document.get("sources", {})}.items()
        if "schema" in node
    }
    guarded = {}
    for key, node in document.get("nodes", {}).items():
        if node.get("resource_type") != "test":
            continue
        parents = [node.get("attached_node")] + list(reversed(node["depends_on"]["nodes"]))
        guarded[key] = next((relations[p] for p in parents if p in relations), None)
    return guarded


def dbt_test_outcomes(run_results: Path, database: Path | None = None) -> list[DbtTestOutcome]:
    """Every test of the invocation whose run_results.json this is (the manifest beside it
    says what each test guards); with `database`, a failed test's rows too."""
    if not run_results.is_file():
        return []
    results = json.loads(run_results.read_text(encoding="utf-8")).get("results", [])
    guarded = _guarded_models(run_results.with_name("manifest.json"))
    outcomes = []
    for result in results:
        unique_id = result["unique_id"]
        if not unique_id.startswith(("test.", "unit_test.")):
            continue
        status = str(result.get("status", ""))
        message = " ".join(str(result.get("message") or "").split())
        rows, more = (), 0
        sql = result.get("compiled_code")
        if database is not None and status == "fail" and sql and unique_id.startswith("test."):
            try:
                rows, more = _failing_rows(database, sql)
            except duckdb.Error as error:
                reason = str(error).splitlines()[0]
                rows = ({"error": f"the failing rows could not be read again: {reason}"},)
        outcomes.append(
            DbtTestOutcome(
                unique_id,
                status,
                message,
                guarded.get(unique_id),
                rows,
                more,
                int(result.get("failures") or 0),
            )
        )
    return outcomes


def failed_nodes(run_results: Path) -> list[tuple[str, str, str]]:
    """(unique id, status, message) of every node of the invocation that failed."""
    if not run_results.is_file():
        return []
    return [
        (r["unique_id"], str(r["status"]), " ".join(str(r.get("message") or "").split()))
        for r in json.loads(run_results.read_text(encoding="utf-8")).get("results", [])
        if str(r.get("status")) in FAILED_STATUSES
    ]


def failure_text(run_results: Path, database: Path | None = None) -> str | None:
    """One paragraph per failed node (a failed test with its rows), None if none failed."""
    tests = {t.unique_id: t for t in dbt_test_outcomes(run_results, database) if t.failed}
    lines = []
    for unique_id, status, message in failed_nodes(run_results):
        if unique_id in tests:
            lines += tests[unique_id].lines()
        else:
            lines.append(f"{unique_id.split('.')[-1]} ({status}): {message}")
    return "\n".join(lines) or None
