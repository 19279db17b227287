"""The calendar and volume model: which days connect, how much, at what time and UTC offset.

Holidays and weekdays weigh the days (seeds/school_calendar.csv and the calibration), the months
of the report get their share of each school year's connections (`month_plan()`), and local
times are written with their Europe/Paris offset.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from orchestration.synthetic.model import (
    apportion,
)


class CalendarMixin:
    """Days, months and local times of the connections.

    Part of Generator (generate.py): it uses the generator's calibration (`cal`), `seed`,
    `scale`, reference data (`schools`, `school_index`, `profiles`, `holidays`, `tz`), `end`
    and the other parts' methods.
    """

    # ------------------------------------------------------------------ calendar
    def is_holiday(self, day: dt.date) -> bool:
        return any(start <= day < end for start, end in self.holidays)

    def day_weights(self, days: list[dt.date]) -> np.ndarray:
        cal = self.cal
        return np.array(
            [
                cal.weekday_weight[d.weekday()]
                * (cal.holiday_weight if self.is_holiday(d) else 1.0)
                for d in days
            ]
        )

    def utc_offsets(self, days: list[dt.date]) -> tuple[np.ndarray, np.ndarray]:
        """offsets[day, hour] in seconds (Europe/Paris) and skipped[day, hour]: the hour that does
        not exist on the night clocks go forward (an event there is moved one hour later)."""
        offsets = np.zeros((len(days), 24), dtype=np.int64)
        skipped = np.zeros((len(days), 24), dtype=bool)
        for i, d in enumerate(days):
            for h in range(24):
                wall = dt.datetime(d.year, d.month, d.day, h, 30)
                aware = wall.replace(tzinfo=self.tz)
                round_trip = aware.astimezone(dt.UTC).astimezone(self.tz).replace(tzinfo=None)
                skipped[i, h] = round_trip != wall
                offsets[i, h] = (
                    (aware + dt.timedelta(hours=1) if skipped[i, h] else aware)
                    .utcoffset()
                    .total_seconds()
                )
        return offsets, skipped

    # ------------------------------------------------------------------ events
    def month_plan(self) -> list[tuple[int, dt.date, int, int]]:
        """(year index, month, connections of the population, connections of the others)."""
        plan = []
        for year_i, year in enumerate(self.cal.school_years):
            months = year.months()
            totals = apportion(
                self.scaled(year.connections), [year.month_shares[m.month] for m in months]
            )
            for month, total in zip(months, totals, strict=True):
                other = int(round(total * self.cal.other_profiles_connection_share))
                plan.append((year_i, month, int(total) - other, other))
        return plan

    @staticmethod
    def first_months(
        rng: np.random.Generator, accounts: np.ndarray, month_totals: np.ndarray
    ) -> np.ndarray:
        """For each active account, the month of its guaranteed first connection; a month is
        never booked beyond its number of connections."""
        if len(accounts) > month_totals.sum():
            raise ValueError(
                f"{len(accounts)} active accounts but only {month_totals.sum()} connections: "
                "every active account needs one (scale too small?)"
            )
        p = month_totals / month_totals.sum()
        months = rng.choice(len(month_totals), size=len(accounts), p=p)
        booked = np.bincount(months, minlength=len(month_totals))
        for m in np.flatnonzero(booked > month_totals):
            excess = np.flatnonzero(months == m)[month_totals[m] :]
            for account_position in excess:
                free = np.flatnonzero(
                    np.bincount(months, minlength=len(month_totals)) < month_totals
                )
                months[account_position] = free[np.argmax(month_totals[free])]
        return months

    def with_offset(self, local: np.ndarray) -> pa.Array:
        """Local times (datetime64[s], daytime) as ISO 8601 strings with their Europe/Paris
        offset."""
        offsets = np.array(
            [
                dt.datetime.fromisoformat(str(t))
                .replace(tzinfo=self.tz)
                .utcoffset()
                .total_seconds()
                for t in local.astype("datetime64[h]")
            ]
        )
        return pc.binary_join_element_wise(
            pa.array(np.datetime_as_string(local, unit="s")),
            pa.array(np.where(offsets == 7200, "+02:00", "+01:00")),
            "",
        )
