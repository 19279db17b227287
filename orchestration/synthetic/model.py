"""The synthetic population's data model, and the arithmetic the generator builds it with.

Accounts are parallel arrays (Population); the directory keeps every account over time
(Directory); after the report, a school year is stretches of one directory state (Segment) cut
into calendar months (MonthPart). Totals are apportioned exactly (largest remainder); every
random draw comes from a stream of its own (`random_stream(seed, *stream)`), so that adding one
does not change the others.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
import pyarrow as pa

LOGIN_GROUP = "appropriation"  # hour-weight keys of the calibration
OTHER_GROUP = "other"
CHUNK_NOTE_EVERY = 1
PUPIL, TEACHER = "eleve", "enseignant"  # profile codes (seeds/profiles.csv) the rollover moves
COLLEGE = "college"  # the school category whose pupils go on to a lycée


@dataclass
class Population:
    """Accounts as parallel arrays (one index per account)."""

    login: pa.Array
    display_name: pa.Array
    profile: np.ndarray  # index into profile_codes
    sdet_code: pa.Array
    school: np.ndarray  # index into schools
    engagement_key: np.ndarray  # log(u) / weight: larger = more likely to be active
    activity: np.ndarray  # relative number of connections when active
    home_ip: pa.Array
    profile_codes: tuple[str, ...]
    in_population: np.ndarray  # bool: belongs to the appropriation population
    school_engagement: np.ndarray  # keenness of each school (divides log(u) in engagement_key)

    def __len__(self) -> int:
        return len(self.profile)


@dataclass
class Directory:
    """Every account over time: created, closed (NaT while open) and disabled-from dates
    (datetime64[D], one per account ever created) and the successive states of the directory,
    each with the day it starts (accounts created since a state are not in it)."""

    created: np.ndarray
    closed: np.ndarray
    disabled_from: np.ndarray
    states: list[tuple[dt.date, Population]]


@dataclass
class Segment:
    """A stretch of a school year after the report: one state of the directory, one set of
    active accounts (population, others), and for each active account the position of the
    month of its guaranteed first connection (None: it had one in the report's part already)."""

    school_year: str
    first_day: dt.date
    last_day: dt.date
    accounts: Population
    active: tuple[np.ndarray, np.ndarray]
    reserved: dict[str, np.ndarray] | None


@dataclass
class MonthPart:
    """The days of one calendar month that a segment covers, and their connections."""

    segment: int
    position: int  # the month's index in its segment
    first_day: dt.date
    last_day: dt.date
    population_total: int
    other_total: int


def month_end(day: dt.date) -> dt.date:
    return (day.replace(day=1) + dt.timedelta(days=32)).replace(day=1) - dt.timedelta(days=1)


def add_years(day: dt.date, years: int) -> dt.date:
    return day.replace(year=day.year + years)  # only ever called on the 1st of a month


def school_year_of(day: dt.date) -> tuple[str, dt.date]:
    """('2018-2019', 2019-08-31): the school year (1 September to 31 August) of a day."""
    start = day.year if day.month >= 9 else day.year - 1
    return f"{start}-{start + 1}", dt.date(start + 1, 8, 31)


def few(share: float, candidates: int) -> int:
    """A share of the candidates, at least one when there is any (movements must show at
    small scales too)."""
    if candidates == 0 or share <= 0:
        return 0
    return min(max(int(round(share * candidates)), 1), candidates)


def apportion(total: int, weights: np.ndarray | list[float]) -> np.ndarray:
    """Split an integer total proportionally to weights, exactly (largest remainder)."""
    weights = np.asarray(weights, dtype=float)
    if total == 0 or weights.sum() == 0:
        return np.zeros(len(weights), dtype=np.int64)
    quotas = total * weights / weights.sum()
    counts = np.floor(quotas).astype(np.int64)
    remainder = total - counts.sum()
    order = np.argsort(-(quotas - counts), kind="stable")
    counts[order[:remainder]] += 1
    return counts


def random_stream(seed: int, *stream: int) -> np.random.Generator:
    return np.random.default_rng(np.random.SeedSequence([seed, *stream]))
