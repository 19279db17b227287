"""What a validation found, as data: each expectation's outcome, per suite, for the whole run.

Plain data classes, without Great Expectations: the runner (validate.py) fills them, report.py
writes them as text and results.py stores them in quality.validation_results.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any


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
