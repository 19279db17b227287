"""The school year: 1 September to 31 August, named '2015-2016' (as macros/school_year.sql says).

The one definition in Python: the summary of `leia run` and the retention policy use it.
"""

from __future__ import annotations

import datetime as dt

FIRST_MONTH = 9  # September


def school_year_start(day: dt.date) -> int:
    """The calendar year the school year of `day` starts in (2015 for 2016-03-01)."""
    return day.year if day.month >= FIRST_MONTH else day.year - 1


def school_year_start_sql(timestamp_sql: str) -> str:
    """DuckDB: the year the school year of `timestamp_sql` starts in."""
    return f"year({timestamp_sql} - interval {FIRST_MONTH - 1} month)"
