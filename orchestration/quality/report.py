"""The text of a validation: one line per failed expectation, then a summary.

    suite  expectation  expected=…  observed=…

A failure of a non-blocking suite is marked `(warning)`: it is reported but does not fail the run.
The expected side of a report figure is the published value with its comparison (930069,
84550 ± 100, > 230000); the observed side is GX's observed value, or the count and a few examples
of the rows that break a rule, named by the batch's row_id columns.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from orchestration.quality.outcomes import Failure, ValidationReport


def failure_line(failure: Failure) -> str:
    line = (
        f"{failure.suite}  {failure.expectation}  "
        f"expected={failure.expected}  observed={failure.observed}"
    )
    return line if failure.blocking else f"{line}  (warning)"


def summary_line(report: ValidationReport) -> str:
    failed = [r.suite for r in report.suites if not r.success]
    status = "PASSED" if report.success else "FAILED"
    counts = (
        f"{len(report.suites)} suites, {report.evaluated} expectations, "
        f"{len(report.failures)} failed"
    )
    detail = f" (failed suites: {', '.join(failed)})" if failed else ""
    docs = f"; data docs: {report.data_docs_index}" if report.data_docs_index else ""
    return f"validation {status}: {counts}{detail}{docs}"


def report_lines(report: ValidationReport) -> list[str]:
    return [failure_line(f) for f in report.failures] + [summary_line(report)]


# ------------------------------------------------- expected and observed, from GX's results
def plain_number(value: float) -> float | int:
    """Integral values as int: the suites read 930069, not 930069.0."""
    value = round(float(value), 10)  # 36 - 0.5 points is 0.355, not 0.35499999999999998
    return int(value) if value.is_integer() else value


def format_number(value: Any) -> str:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return str(value)
    number = plain_number(value)
    return str(number) if isinstance(number, int) else f"{number:.10g}"


def figure_expected_text(published_value: float, comparison: str, tolerance: float) -> str:
    value = format_number(published_value)
    if comparison == "exact":
        return value
    if comparison == "greater_than":
        return f"> {value}"
    return f"{value} ± {format_number(tolerance)}"


def resolve_parameter(value: Any, values: Mapping[str, Any]) -> Any:
    if isinstance(value, Mapping) and "$PARAMETER" in value:
        return values.get(value["$PARAMETER"], value)
    return value


def expected_text(kind: str, kwargs: Mapping[str, Any], values: Mapping[str, Any]) -> str:
    """A rule's expectation in a few words; `values` resolves its $PARAMETERs."""
    kwargs = {k: resolve_parameter(v, values) for k, v in kwargs.items()}
    if "value" in kwargs:
        return format_number(kwargs["value"])
    if "min_value" in kwargs or "max_value" in kwargs:
        low, high = kwargs.get("min_value"), kwargs.get("max_value")
        if low is not None and high is not None:
            return f"[{format_number(low)}, {format_number(high)}]"
        return f">= {format_number(low)}" if low is not None else f"<= {format_number(high)}"
    if "value_set" in kwargs:
        shown = short_list(kwargs["value_set"])
        if "not_be_in_set" in kind:
            return f"none of {shown}"
        if "contain_set" in kind:
            return f"all of {shown}"
        return f"in {shown}"
    if "regex" in kwargs:
        return f"match {kwargs['regex']}"
    if "column_A" in kwargs:
        return f"{kwargs['column_A']} = {kwargs['column_B']}"
    if kind == "expect_column_values_to_have_valid_uai_check_letter":
        return "letter = ABCDEFGHJKLMNPRSTUVWXYZ[7 digits mod 23]"
    if kind.endswith("_to_be_unique"):
        return "unique"
    if kind.endswith("_not_be_null"):
        return "no null"
    return kind.removeprefix("expect_")


def short_list(values: Any, limit: int = 8) -> str:
    values = list(values)
    shown = ", ".join(format_number(v) for v in values[:limit])
    more = f", … ({len(values)} in all)" if len(values) > limit else ""
    return f"{{{shown}{more}}}"


def exception_message(info: Mapping[str, Any]) -> str | None:
    """GX reports an exception at the top level or per metric, depending on where it arose."""
    if info.get("raised_exception"):
        return str(info.get("exception_message", ""))
    for value in info.values():
        if isinstance(value, Mapping) and value.get("exception_message"):
            return str(value["exception_message"])
    return None


def plain(value: Any) -> Any:
    """JSON-ready values: GX results hold numpy scalars, NaN and pd.NA."""
    if isinstance(value, Mapping):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [plain(v) for v in value]
    try:
        if value is None or value != value:  # NaN and pd.NA are missing values
            return None
    except (TypeError, ValueError):
        return str(value)
    if hasattr(value, "item"):  # numpy scalars
        value = value.item()
    return value if isinstance(value, str | int | float | bool) else str(value)


def observed_text(item) -> str:
    """What a GX expectation result saw: a value, the missing values, or examples of bad rows
    (a published figure's: its computed value)."""
    message = exception_message(item.exception_info or {})
    if message is not None:
        return "error: " + (message.strip().splitlines() or [""])[0]
    result = item.result or {}
    meta = item.expectation_config.meta or {}
    if "indicator_code" in meta and result.get("partial_unexpected_list"):
        return format_number(plain(result["partial_unexpected_list"][0]))
    if "partial_missing_list" in result:
        return f"missing {short_list(result['partial_missing_list'])}"
    if "unexpected_count" in result:
        examples = result.get("partial_unexpected_index_list") or result.get(
            "partial_unexpected_list"
        )
        return f"{result['unexpected_count']} of {result.get('element_count')} rows, e.g. " + (
            json.dumps(plain(list(examples or [])[:5]), ensure_ascii=False)
        )
    if "observed_value" in result:
        return format_number(plain(result["observed_value"]))
    return json.dumps(plain(result), ensure_ascii=False)[:200]
