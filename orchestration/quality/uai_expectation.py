"""The custom expectation of the suites: a UAI (school number) whose check letter is right.

expect_column_values_to_have_valid_uai_check_letter, used by the checks of
expectations/parameters.yml that name it; `register_custom_expectations()` defines it for GX.
"""

from __future__ import annotations

import functools
import re
from typing import Any

UAI_CHECK_LETTERS = "ABCDEFGHJKLMNPRSTUVWXYZ"  # the official alphabet: no I, O, Q


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
