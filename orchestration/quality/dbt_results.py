"""What failed in a `dbt build`, in words an operator can act on.

dbt says "Got 5 results, configured to fail if != 0" for a failed test. The gates of the
warehouse (tests/dbt/assert_*) return one row per failed figure or rule, with its period, the
expected and the observed value: this module reads dbt's run_results.json, runs each failed
test's compiled query again on the build file (read-only, once dbt has exited) and writes its
rows out, so that `leia run` names the failed figures without anyone opening the failed build.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path

import duckdb

FAILED_STATUSES = ("fail", "error", "runtime error")
MAX_ROWS = 20  # per test: enough to act on, short enough to read


@dataclass(frozen=True)
class FailedNode:
    unique_id: str
    status: str
    message: str
    rows: tuple[str, ...] = ()  # the failing rows of a test, one line each
    more_rows: int = 0

    @property
    def name(self) -> str:
        return self.unique_id.split(".", 2)[-1]

    def lines(self) -> list[str]:
        head = f"{self.name} ({self.status}): {self.message}"
        tail = [f"... and {self.more_rows} more rows"] if self.more_rows else []
        return [head, *(f"  {row}" for row in self.rows), *tail]


def _value_text(value: object) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, str):
        # the gates' texts carry numbers cast by SQL: 89209.0 reads 89209
        return re.sub(r"\b(\d+)\.0\b", r"\1", value.strip())
    return str(value)


def _row_text(columns: list[str], row: tuple) -> str:
    return ", ".join(
        f"{column}={_value_text(value)}" for column, value in zip(columns, row, strict=True)
    )


def _failing_rows(database: Path, sql: str) -> tuple[tuple[str, ...], int]:
    con = duckdb.connect(str(database), read_only=True)
    try:
        relation = con.sql(f"select * from ({sql}) as failing")
        columns = relation.columns
        rows = relation.fetchall()
    finally:
        con.close()
    shown = tuple(_row_text(columns, row) for row in rows[:MAX_ROWS])
    return shown, max(len(rows) - MAX_ROWS, 0)


def failed_nodes(run_results: Path, database: Path | None = None) -> list[FailedNode]:
    """The nodes of a dbt invocation that failed; with `database`, a failed test's rows too."""
    if not run_results.is_file():
        return []
    results = json.loads(run_results.read_text(encoding="utf-8")).get("results", [])
    failed = []
    for result in results:
        status = str(result.get("status", ""))
        if status not in FAILED_STATUSES:
            continue
        message = " ".join(str(result.get("message") or "").split())
        rows, more = (), 0
        sql = result.get("compiled_code")
        if (
            database is not None
            and status == "fail"
            and sql
            and result["unique_id"].startswith("test.")
        ):
            try:
                rows, more = _failing_rows(database, sql)
            except duckdb.Error as error:
                rows = (
                    f"(the failing rows could not be read again: {str(error).splitlines()[0]})",
                )
        failed.append(FailedNode(result["unique_id"], status, message, rows, more))
    return failed


def failure_text(run_results: Path, database: Path | None = None) -> str | None:
    """One paragraph per failed node, None when run_results.json shows no failure."""
    nodes = failed_nodes(run_results, database)
    if not nodes:
        return None
    return "\n".join(line for node in nodes for line in node.lines())
