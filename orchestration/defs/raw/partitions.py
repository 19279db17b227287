"""The monthly partitions of the authentication logs: one partition per monthly extract file.

Partition keys are Dagster's ('2016-03-01'); the extracts and the loader speak in months
('2016-03'). The two conversions below are the only place where one becomes the other.
"""

from __future__ import annotations

from dagster import MonthlyPartitionsDefinition

from orchestration.extracts import contract

FIRST_MONTH = "2015-09-01"  # first month of the first school year of the extracts
TIME_ZONE = contract.TIME_ZONE

# end_offset=1 also makes the month in progress a partition: the ENT can export a partial month
# (the demo's last file, 2018-01, stops on the 15th), and its file must be loadable.
MONTHLY = MonthlyPartitionsDefinition(start_date=FIRST_MONTH, timezone=TIME_ZONE, end_offset=1)


def month_of_partition(partition_key: str) -> str:
    """'2016-03-01' -> '2016-03'."""
    return partition_key[:7]


def partition_of_month(month: str) -> str:
    """'2016-03' -> '2016-03-01'."""
    return f"{month}-01"


def is_partition_month(month: str) -> bool:
    """Whether a month's extract has a partition (months before FIRST_MONTH are out of scope)."""
    return MONTHLY.has_partition_key(partition_of_month(month))
