"""Synthetic ENT extracts, in the format of a real export, calibrated on the Bilan.

The generator builds a synthetic population (accounts spread over the 50 schools), decides for
every school year which accounts are active and which schools do not use the ENT at all, then
writes one authentication-log file per month. Totals are exact by construction: connections per
school year and per month are apportioned, every active account gets at least one connection and
no inactive account gets any, so the warehouse must find the report's figures back from the files.
Accounts snapshots are written on the report's date and, after it, on every 1 September.

With `until` (a month YYYY-MM) the data goes on after the report's last day, to the end of that
month, following the calibration's `continuation` trends: the report's school year runs to
31 August, then each 1 September the directory rolls over (leavers closed, pupils going on to a
lycée, teachers moving, profile changes, new accounts) and the school year gets its active
accounts and its monthly connections (the same month a year earlier times a growth factor). What
comes before the report's last day does not change: the report's random streams are drawn in the
same order and the continuation draws from streams of its own (SeedSequence [seed, 6..9, ...]).

Memory is bounded by one month of events (accounts are a few arrays); generation is deterministic
for a given seed and scale, and a shorter `until` gives the same months as a longer one.
"""

from __future__ import annotations

import datetime as dt
import gzip
import json
import math
import os
import re
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from zoneinfo import ZoneInfo

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from orchestration import reference
from orchestration.extracts import contract
from orchestration.extracts.pseudonymise import SYNTHETIC_MARKER
from orchestration.synthetic.calibration import DEFAULT_CALIBRATION, Calibration, load_calibration

FIRST_NAMES = (
    "jean",
    "marie",
    "paul",
    "anna",
    "petru",
    "maria",
    "ghjuvanni",
    "lucia",
    "antoine",
    "laura",
    "francescu",
    "chjara",
    "dominique",
    "julie",
    "santu",
    "ghjulia",
    "pierre",
    "camille",
    "ange",
    "lea",
    "xavier",
    "manon",
    "matteu",
    "sofia",
    "thomas",
    "emma",
    "lucas",
    "ines",
    "hugo",
    "jade",
)
LAST_NAMES = (
    "santoni",
    "pieri",
    "casanova",
    "leca",
    "rossi",
    "mattei",
    "orsini",
    "paoli",
    "colonna",
    "giacomoni",
    "luciani",
    "marchetti",
    "poggi",
    "simeoni",
    "susini",
    "albertini",
    "antonetti",
    "bartoli",
    "cesari",
    "filippi",
    "franceschi",
    "guidicelli",
    "martinetti",
    "nicolai",
    "peretti",
    "quilichini",
    "raffalli",
    "sanna",
    "tomasi",
    "vincentelli",
)

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


def _rng(seed: int, *stream: int) -> np.random.Generator:
    return np.random.default_rng(np.random.SeedSequence([seed, *stream]))


class Generator:
    def __init__(
        self,
        calibration: Calibration,
        seed: int = 2017,
        scale: float = 1.0,
        progress: Callable[[str], None] | None = None,
        until: str | None = None,
    ) -> None:
        if not (math.isfinite(scale) and scale > 0):
            raise ValueError(f"--scale must be a positive number, got {scale}")
        self.cal = calibration
        self.seed = seed
        self.scale = scale
        self.progress = progress or (lambda message: None)
        self.schools = reference.schools()
        self.school_index = {s.uai: i for i, s in enumerate(self.schools)}
        self.profiles = reference.profiles()
        self.tz = ZoneInfo(calibration.time_zone)
        self.holidays = [
            (dt.date.fromisoformat(a), dt.date.fromisoformat(b))
            for a, b in reference.school_holidays()
        ]
        self.until = until
        self.end = self.end_of_range(until)

    def end_of_range(self, until: str | None) -> dt.date:
        """The last day of the data: the report's without `until`, else the end of that month,
        which must not be before the report's last day nor after the last school year of the
        school calendar (seeds/school_calendar.csv)."""
        report_end = self.cal.last_day
        if until is None:
            return report_end
        match = re.fullmatch(r"(\d{4})-(\d{2})", str(until))
        if not match or not 1 <= int(match[2]) <= 12:
            raise ValueError(f"--until must be a month, YYYY-MM: got {until!r}")
        end = month_end(dt.date(int(match[1]), int(match[2]), 1))
        if end < report_end:
            raise ValueError(
                f"--until {until} ends before the report's last day ({report_end}): the data "
                f"always covers the report, --until {report_end:%Y-%m} at the earliest"
            )
        last_year, calendar_end = school_year_of(max(start for start, _ in self.holidays))
        if end > calendar_end:
            raise ValueError(
                f"--until {until} is after the last school year of the school calendar "
                f"(seeds/school_calendar.csv covers up to {last_year}): "
                f"--until {calendar_end:%Y-%m} at the latest"
            )
        if end > report_end and self.cal.continuation is None:
            raise ValueError(
                f"--until {until}: the calibration {self.cal.name} has no continuation section, "
                f"its data stops on {report_end}"
            )
        return end

    # ------------------------------------------------------------------ population
    def scaled(self, value: float) -> int:
        return max(int(round(value * self.scale)), 0)

    def build_population(self) -> Population:
        rng = _rng(self.seed, 1)
        cal = self.cal
        categories = [s.bilan_category for s in self.schools]
        size = np.array([cal.school_size_weight[c] for c in categories])
        # each school gets its own keenness on top of its category's
        school_engagement = np.array(
            [cal.engagement_by_category[c] for c in categories]
        ) * rng.lognormal(0.0, 0.3, len(self.schools))
        profile_codes = tuple(p.code for p in self.profiles)
        profile_idx, school_idx, sdet = [], [], []
        for p_i, profile in enumerate(self.profiles):
            per_school = apportion(self.scaled(cal.accounts_per_profile[profile.code]), size)
            schools = np.repeat(np.arange(len(self.schools)), per_school)
            profile_idx.append(np.full(len(schools), p_i, dtype=np.int8))
            school_idx.append(schools)
            shares = cal.sdet_code_share.get(profile.code, {profile.sdet_codes[0]: 1.0})
            codes = list(shares)
            sdet.append(
                np.array(codes)[rng.choice(len(codes), size=len(schools), p=list(shares.values()))]
            )
        profile_arr = np.concatenate(profile_idx)
        school_arr = np.concatenate(school_idx).astype(np.int16)
        n = len(profile_arr)
        # a random order so that logins do not reveal profile or school
        order = rng.permutation(n)
        profile_arr, school_arr = profile_arr[order], school_arr[order]
        sdet_arr = np.concatenate(sdet)[order]

        first = rng.integers(0, len(FIRST_NAMES), n)
        last = rng.integers(0, len(LAST_NAMES), n)
        logins = [
            f"{FIRST_NAMES[f]}.{LAST_NAMES[la]}{i + 1}"
            for i, (f, la) in enumerate(zip(first, last, strict=True))
        ]
        names = [
            f"{FIRST_NAMES[f].capitalize()} {LAST_NAMES[la].upper()}"
            for f, la in zip(first, last, strict=True)
        ]
        octets = rng.integers(1, 255, size=(n, 3))
        first_octet = rng.choice([78, 82, 86, 90, 109, 176, 193], size=n)
        home_ip = [f"{a}.{b}.{c}.{d}" for a, (b, c, d) in zip(first_octet, octets, strict=True)]

        in_population = np.array([p.in_appropriation_population for p in self.profiles])[
            profile_arr
        ]
        activity_by_profile = np.array(
            [cal.activity_weight_by_profile[p.code] for p in self.profiles]
        )
        activity = activity_by_profile[profile_arr] * rng.lognormal(0.0, cal.activity_dispersion, n)
        engagement_key = np.log(rng.random(n)) / school_engagement[school_arr]
        return Population(
            login=pa.array(logins),
            display_name=pa.array(names),
            profile=profile_arr,
            sdet_code=pa.array(sdet_arr),
            school=school_arr,
            engagement_key=engagement_key,
            activity=activity,
            home_ip=pa.array(home_ip),
            profile_codes=profile_codes,
            in_population=in_population,
            school_engagement=school_engagement,
        )

    def active_accounts(self, pop: Population, year_i: int) -> tuple[np.ndarray, np.ndarray]:
        """Indices of the active appropriation-population accounts and of the other active ones."""
        year = self.cal.school_years[year_i]
        return self.choose_active(
            pop,
            year.school_year,
            year.appropriation_rate,
            year.schools_not_using,
            year.active_share_other_profiles,
        )

    def choose_active(
        self,
        pop: Population,
        school_year: str,
        rate: float,
        schools_not_using: tuple[str, ...] | list[str],
        other_shares: dict[str, float],
        exists: np.ndarray | None = None,
        available: np.ndarray | None = None,
    ) -> tuple[np.ndarray, np.ndarray]:
        """The most engaged accounts of the schools that use the ENT, `rate` of the appropriation
        population that `exists` (default: every account) and the shares of the other profiles.
        Only `available` accounts (default: every account) can be active."""
        using = np.ones(len(self.schools), dtype=bool)
        using[[self.school_index[u] for u in schools_not_using]] = False
        eligible = using[pop.school]
        if available is not None:
            eligible &= available

        target = int((pop.in_population if exists is None else pop.in_population & exists).sum())
        wanted = int(round(rate * target))
        pool = np.flatnonzero(eligible & pop.in_population)
        if wanted > len(pool):
            raise ValueError(
                f"{school_year}: {wanted} active accounts wanted but only {len(pool)} "
                "accounts of the appropriation population are in schools that use the ENT"
            )
        chosen = pool[np.argsort(-pop.engagement_key[pool], kind="stable")[:wanted]]
        chosen = self._every_using_school_active(pop, pool, chosen, using)

        others = []
        for p_i, code in enumerate(pop.profile_codes):
            share = other_shares.get(code)
            if share is None:
                continue
            candidates = np.flatnonzero(eligible & (pop.profile == p_i))
            count = int(round(share * len(candidates)))
            others.append(
                candidates[np.argsort(-pop.engagement_key[candidates], kind="stable")[:count]]
            )
        return np.sort(chosen), np.sort(np.concatenate(others)) if others else np.array(
            [], dtype=int
        )

    @staticmethod
    def _every_using_school_active(
        pop: Population, pool: np.ndarray, chosen: np.ndarray, using: np.ndarray
    ) -> np.ndarray:
        """A school that uses the ENT has at least one active account of the population."""
        chosen = list(chosen)  # ordered by decreasing key
        for school in np.flatnonzero(using):
            if np.any(pop.school[chosen] == school):
                continue
            candidates = pool[pop.school[pool] == school]
            if len(candidates) == 0:
                continue  # a school without population accounts (tiny scales) cannot be active
            counts = np.bincount(pop.school[chosen], minlength=len(using))
            # drop the weakest chosen account of a school that keeps at least one
            for position in range(len(chosen) - 1, -1, -1):
                if counts[pop.school[chosen[position]]] > 1:
                    del chosen[position]
                    break
            chosen.append(candidates[np.argmax(pop.engagement_key[candidates])])
        return np.array(chosen, dtype=np.int64)

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

    def write(self, out: Path) -> dict[str, int]:
        cal = self.cal
        out.mkdir(parents=True, exist_ok=True)
        started = time.perf_counter()
        pop = self.build_population()
        self.progress(f"population: {len(pop):,} accounts in {len(self.schools)} schools")
        actives = [self.active_accounts(pop, i) for i in range(len(cal.school_years))]
        plan = self.month_plan()

        # the guaranteed first connection of every active account, per school year
        reserved: dict[tuple[int, str], np.ndarray] = {}
        for year_i, (population_active, other_active) in enumerate(actives):
            rng = _rng(self.seed, 2, year_i)
            year_plan = [p for p in plan if p[0] == year_i]
            for group, accounts, column in (
                ("pop", population_active, 2),
                ("other", other_active, 3),
            ):
                totals = np.array([p[column] for p in year_plan])
                reserved[(year_i, group)] = self.first_months(rng, accounts, totals)

        directory = self.directory(pop, actives)
        segments, parts = (
            self.continuation(pop, actives, plan, directory)
            if self.end > cal.last_day
            else ([], [])
        )
        # the continuation's parts by calendar month (the first may complete the report's month)
        continued: dict[dt.date, list[MonthPart]] = {}
        for part in parts:
            continued.setdefault(part.first_day.replace(day=1), []).append(part)

        stats = {"accounts": 0, "connections": 0, "auth_event_rows": 0}
        month_in_year = {}
        for year_i, month, pop_total, other_total in plan:
            position = month_in_year.setdefault(year_i, 0)
            month_in_year[year_i] = position + 1
            rng = _rng(self.seed, 3, month.year, month.month)
            population_active, other_active = actives[year_i]
            logins = []
            for group, accounts, total in (
                (LOGIN_GROUP, population_active, pop_total),
                (OTHER_GROUP, other_active, other_total),
            ):
                first = accounts[
                    reserved[(year_i, "pop" if group == LOGIN_GROUP else "other")] == position
                ]
                rest = total - len(first)
                weights = pop.activity[accounts]
                drawn = (
                    accounts[rng.choice(len(accounts), size=rest, p=weights / weights.sum())]
                    if rest
                    else []
                )
                logins.append((group, np.concatenate([first, drawn]).astype(np.int64)))
            next_month = (month + dt.timedelta(days=32)).replace(day=1)
            last = min(next_month - dt.timedelta(days=1), cal.school_years[year_i].last_day)
            table = self.month_events(rng, pop, actives[year_i], month, last, logins)
            tail = continued.pop(month, [])
            self.write_month(
                out,
                month,
                [table, *(self.continuation_events(segments, part) for part in tail)],
                pop_total + other_total + sum(p.population_total + p.other_total for p in tail),
                stats,
                started,
            )
        for month, month_parts in continued.items():
            self.write_month(
                out,
                month,
                [self.continuation_events(segments, part) for part in month_parts],
                sum(p.population_total + p.other_total for p in month_parts),
                stats,
                started,
            )

        for day in self.snapshot_dates():
            accounts = self.accounts_snapshot(directory, day)
            write_csv_gz(accounts, out / contract.ACCOUNTS.name / f"accounts_{day}.csv.gz")
            stats["accounts"] = accounts.num_rows  # the newest snapshot's, in the end
            self.progress(f"accounts snapshot {day}: {accounts.num_rows:,} accounts")

        sequences = self.sequences_table(pop, actives, plan)
        sequence_snapshots = {cal.snapshot_date: sequences}
        if parts:
            connections = sum(p + o for _, _, p, o in plan)
            per_connection = sequences.num_rows / connections
            sequence_snapshots[self.end] = pa.concat_tables(
                [sequences, self.continuation_sequences(segments, parts, sequences, per_connection)]
            )
        for day, table in sequence_snapshots.items():
            write_csv_gz(
                table,
                out / contract.PEDAGOGICAL_SEQUENCES.name / f"pedagogical_sequences_{day}.csv.gz",
            )
            stats["pedagogical_sequences"] = table.num_rows
        manifest = {
            "calibration": cal.name,
            "seed": self.seed,
            "scale": self.scale,
            "until": self.until,
            "last_day": self.end.isoformat(),
            **stats,
        }
        (out / SYNTHETIC_MARKER).write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
        self.progress(
            f"accounts: {stats['accounts']:,}; pedagogical sequences: "
            f"{stats['pedagogical_sequences']:,} ({time.perf_counter() - started:.1f} s)"
        )
        return stats

    def write_month(
        self,
        out: Path,
        month: dt.date,
        tables: list[pa.Table],
        connections: int,
        stats: dict[str, int],
        started: float,
    ) -> None:
        """One auth_events file: the tables are consecutive stretches of the month, in order."""
        table = tables[0] if len(tables) == 1 else pa.concat_tables(tables)
        path = out / contract.AUTH_EVENTS.name / contract.auth_events_file_name(f"{month:%Y-%m}")
        write_csv_gz(table, path)
        stats["connections"] += connections
        stats["auth_event_rows"] += table.num_rows
        self.progress(
            f"auth_events {month:%Y-%m}: {connections:,} connections, "
            f"{table.num_rows:,} rows ({time.perf_counter() - started:.1f} s)"
        )

    def month_events(
        self,
        rng: np.random.Generator,
        pop: Population,
        active: tuple[np.ndarray, np.ndarray],
        first_day: dt.date,
        last_day: dt.date,
        logins: list[tuple[str, np.ndarray]],
    ) -> pa.Table:
        """The events of first_day..last_day (one month at most), each account with the school
        and profile it has in `pop`."""
        cal = self.cal
        days = [first_day + dt.timedelta(days=i) for i in range((last_day - first_day).days + 1)]
        day_p = self.day_weights(days)
        day_p /= day_p.sum()
        holiday = np.array([self.is_holiday(d) or d.weekday() >= 5 for d in days])

        accounts, seconds, day_of, is_login, success, group_of = [], [], [], [], [], []
        all_active = np.concatenate(active)
        fails = int(round(sum(len(a) for _, a in logins) * cal.failed_login_share))
        failed_accounts = (
            all_active[rng.integers(0, len(all_active), fails)]
            if len(all_active)
            else np.array([], int)
        )
        for group, group_accounts in [*logins, ("failed", failed_accounts)]:
            hour_p = np.array(
                cal.hour_weight[OTHER_GROUP if group == OTHER_GROUP else LOGIN_GROUP], dtype=float
            )
            hour_p /= hour_p.sum()
            n = len(group_accounts)
            accounts.append(group_accounts)
            day_of.append(rng.choice(len(days), size=n, p=day_p))
            seconds.append(rng.choice(24, size=n, p=hour_p) * 3600 + rng.integers(0, 3600, n))
            is_login.append(np.ones(n, dtype=bool))
            success.append(np.full(n, group != "failed"))
            group_of.append(np.full(n, group == OTHER_GROUP))

        account = np.concatenate(accounts)
        day = np.concatenate(day_of)
        second = np.concatenate(seconds)
        ok = np.concatenate(success)
        # service accesses follow successful logins by a few seconds to half an hour
        follow = np.repeat(
            np.flatnonzero(ok), rng.poisson(cal.service_accesses_per_login, int(ok.sum()))
        )
        access_second = np.minimum(second[follow] + rng.integers(5, 1800, len(follow)), 86399)
        service_codes, service_p = self.service_distribution(first_day)
        access_service = rng.choice(len(service_codes), size=len(follow), p=service_p)

        account = np.concatenate([account, account[follow]])
        day = np.concatenate([day, day[follow]])
        second = np.concatenate([second, access_second])
        login_flag = np.concatenate(
            [np.ones(len(ok), dtype=bool), np.zeros(len(follow), dtype=bool)]
        )
        ok = np.concatenate([ok, np.ones(len(follow), dtype=bool)])
        service = np.concatenate([np.full(len(login_flag) - len(follow), -1), access_service])

        offset_table, skipped = self.utc_offsets(days)
        second = np.where(skipped[day, second // 3600], second + 3600, second)
        order = np.lexsort((second, day))
        account, day, second, login_flag, ok, service = (
            a[order] for a in (account, day, second, login_flag, ok, service)
        )
        offsets = offset_table[day, second // 3600]
        local = np.datetime64(first_day, "s") + (day.astype(np.int64) * 86400 + second).astype(
            "timedelta64[s]"
        )
        event_time = pc.binary_join_element_wise(
            pa.array(np.datetime_as_string(local, unit="s")),
            pa.array(np.where(offsets == 7200, "+02:00", "+01:00")),
            "",
        )
        at_school = ~holiday[day] & (second >= 8 * 3600) & (second < 17 * 3600)
        school_ip = pa.array(
            [f"194.167.{40 + i // 200}.{10 + i % 200}" for i in range(len(self.schools))]
        )
        school_of = pop.school[account]
        client_ip = pc.if_else(
            pa.array(at_school),
            school_ip.take(pa.array(school_of)),
            pop.home_ip.take(pa.array(account)),
        )
        service_names = pa.array(["portail", *service_codes])
        return pa.table(
            {
                "event_time": event_time,
                "login": pop.login.take(pa.array(account)),
                "profile": pop.sdet_code.take(pa.array(account)),
                "uai": pa.array([s.uai for s in self.schools]).take(pa.array(school_of)),
                "event_type": pa.array(np.where(login_flag, "login", "service_access")),
                "service": service_names.take(pa.array(service + 1)),
                "client_ip": client_ip,
                "result": pa.array(np.where(ok, "success", "failure")),
            }
        )

    def service_distribution(self, month: dt.date) -> tuple[list[str], np.ndarray]:
        weights = dict(self.cal.service_weights)
        if month >= self.cal.gar_available_from:
            moved = min(self.cal.gar_share, weights["ressources_numeriques"])
            weights["ressources_numeriques"] -= moved
            weights["gar"] = weights.get("gar", 0.0) + moved
        codes = [c for c, w in weights.items() if w > 0]
        p = np.array([weights[c] for c in codes])
        return codes, p / p.sum()

    # ------------------------------------------------------------------ continuation
    def continuation(
        self,
        pop: Population,
        actives: list[tuple[np.ndarray, np.ndarray]],
        plan: list[tuple[int, dt.date, int, int]],
        directory: Directory,
    ) -> tuple[list[Segment], list[MonthPart]]:
        """After the report's last day, to self.end: the rest of the report's school year (same
        accounts, same active ones), then each school year from its 1 September rollover.

        A month's connections are the same month a year earlier times the growth factor of its
        school year; the report's part of a month (1-15 January 2018) counts towards it. Each
        school year is planned whole (its active accounts, their first connections) and only
        its months up to self.end are returned: a shorter --until gives the same months."""
        cal, cont = self.cal, self.cal.continuation
        assert cont is not None
        report_year = cal.school_years[-1]
        whole: dict[dt.date, int] = {}  # connections of each calendar month (both groups)
        for _, month, pop_total, other_total in plan:
            whole[month] = whole.get(month, 0) + pop_total + other_total
        segments: list[Segment] = []
        parts: list[MonthPart] = []
        state, rate = pop, report_year.appropriation_rate
        not_using = list(report_year.schools_not_using)
        day = cal.last_day + dt.timedelta(days=1)
        while day <= self.end:
            school_year, last = school_year_of(day)
            rolls_over = (day.month, day.day) == (9, 1)
            if rolls_over:  # a new school year: the directory rolls over
                state = self.rollover(state, directory, day)
                rate = min(cont.appropriation_rate_cap, rate + cont.appropriation_rate_step)
                not_using = self.schools_still_not_using(not_using)
                exists = np.isnat(directory.closed[: len(state)])
                active = self.choose_active(
                    state,
                    school_year,
                    rate,
                    not_using,
                    report_year.active_share_other_profiles,
                    exists=exists,
                    available=exists & np.isnat(directory.disabled_from[: len(state)]),
                )
            else:  # the rest of the report's school year: its accounts, its active ones
                active = actives[-1]
            segment_parts = []
            month = day.replace(day=1)
            while month <= last:
                first, year_before = max(month, day), add_years(month, -1)
                if year_before not in whole:
                    raise ValueError(
                        f"continuation: {month:%Y-%m} grows from {year_before:%Y-%m}, "
                        "which the calibration's school years do not cover"
                    )
                target = int(round(cont.growth(school_year) * whole[year_before]))
                total = max(target - whole.get(month, 0), 0)
                whole[month] = whole.get(month, 0) + total
                other = int(round(total * cal.other_profiles_connection_share))
                segment_parts.append(
                    MonthPart(
                        len(segments),
                        len(segment_parts),
                        first,
                        month_end(month),
                        total - other,
                        other,
                    )
                )
                month = month_end(month) + dt.timedelta(days=1)
            reserved = None
            if rolls_over:  # every active account connects at least once in the school year
                rng = _rng(self.seed, 7, day.year)
                reserved = {
                    LOGIN_GROUP: self.first_months(
                        rng, active[0], np.array([p.population_total for p in segment_parts])
                    ),
                    OTHER_GROUP: self.first_months(
                        rng, active[1], np.array([p.other_total for p in segment_parts])
                    ),
                }
            segments.append(Segment(school_year, day, last, state, active, reserved))
            in_range = [p for p in segment_parts if p.first_day <= self.end]
            parts.extend(in_range)
            self.progress(
                f"{school_year} from {day}: {len(active[0]) + len(active[1]):,} active accounts, "
                f"{sum(p.population_total + p.other_total for p in in_range):,} connections "
                f"to {min(last, self.end)}"
            )
            day = last + dt.timedelta(days=1)
        return segments, parts

    def schools_still_not_using(self, not_using: list[str]) -> list[str]:
        """The schools not using the ENT after this year's starters: the most engaged category
        first, then by UAI."""
        keen = self.cal.engagement_by_category
        category = {s.uai: s.bilan_category for s in self.schools}
        ordered = sorted(not_using, key=lambda uai: (-keen[category[uai]], uai))
        return ordered[self.cal.continuation.schools_starting_per_year :]

    def rollover(self, prev: Population, directory: Directory, day: dt.date) -> Population:
        """The directory on 1 September: leavers closed, pupils gone on to a lycée, teachers
        moved, profile changes and the accounts created in late August. Returns the new state
        (every account ever created, closed ones included) and updates `directory`."""
        cal, cont = self.cal, self.cal.continuation
        rng = _rng(self.seed, 6, day.year)
        n, n_schools = len(prev), len(self.schools)
        when = np.datetime64(day, "D")
        school, profile = prev.school.copy(), prev.profile.copy()
        sdet = np.array(prev.sdet_code.to_pylist(), dtype=object)
        activity, key = prev.activity.copy(), prev.engagement_key.copy()
        index = {code: i for i, code in enumerate(prev.profile_codes)}
        category = np.array([s.bilan_category for s in self.schools])
        size = np.array([cal.school_size_weight[c] for c in category])
        is_open = np.isnat(directory.closed[:n])
        counts_before = {
            code: np.bincount(school[is_open & (profile == index[code])], minlength=n_schools)
            for code in cont.new_share
        }

        # leavers: their accounts are closed on the day
        closing = [np.array([], dtype=np.int64)]
        for code, shares in cont.leave_share.items():
            members = is_open & (profile == index[code])
            for s in range(n_schools):
                candidates = np.flatnonzero(members & (school == s))
                count = int(round(shares[category[s]] * len(candidates)))
                closing.append(rng.choice(candidates, size=count, replace=False))
        closed = directory.closed.copy()
        closed[np.concatenate(closing)] = when
        # who stays, enabled, may move or change profile
        settled = np.isnat(closed[:n]) & np.isnat(directory.disabled_from[:n])

        # pupils of a collège go on to a lycée of the same department
        department = np.array([s.uai[:3] for s in self.schools])
        lycees = np.isin(category, cont.pupils_to_lycee_categories)
        pupil = settled & (profile == index[PUPIL])
        for s in np.flatnonzero(category == COLLEGE):
            candidates = np.flatnonzero(pupil & (school == s))
            count = int(round(cont.pupils_to_lycee_share * len(candidates)))
            targets = np.flatnonzero(lycees & (department == department[s]))
            if len(targets) == 0:
                targets = np.flatnonzero(lycees)
            if count == 0 or len(targets) == 0:
                continue
            movers = rng.choice(candidates, size=count, replace=False)
            school[movers] = rng.choice(targets, size=count, p=size[targets] / size[targets].sum())

        # a few teachers move to another school of the same sector
        sector = np.array([s.sector for s in self.schools])
        teachers = np.flatnonzero(settled & (profile == index[TEACHER]))
        for mover in rng.choice(
            teachers, size=few(cont.teachers_changing_school_share, len(teachers)), replace=False
        ):
            targets = np.flatnonzero(sector == sector[school[mover]])
            targets = targets[targets != school[mover]]
            school[mover] = rng.choice(targets, p=size[targets] / size[targets].sum())
        moved = school != prev.school
        # the same draw, weighed by the keenness of the new school
        key[moved] *= (
            prev.school_engagement[prev.school[moved]] / prev.school_engagement[school[moved]]
        )

        # a few accounts change profile (same login, same school)
        profile_of = {code: i for i, p in enumerate(self.profiles) for code in p.sdet_codes}
        weight = np.array([cal.activity_weight_by_profile[code] for code in prev.profile_codes])
        for change in cont.profile_changes:
            candidates = np.flatnonzero(settled & ~moved & (sdet == change.from_sdet))
            chosen = rng.choice(candidates, size=few(change.share, len(candidates)), replace=False)
            new_profile = profile_of[change.to_sdet]
            activity[chosen] *= weight[new_profile] / weight[profile[chosen]]
            profile[chosen] = new_profile
            sdet[chosen] = change.to_sdet

        # accounts created in late August: new pupils and parents
        new_school, new_profile = [], []
        for code, shares in cont.new_share.items():
            per_school = np.array(
                [int(round(shares[category[s]] * counts_before[code][s])) for s in range(n_schools)]
            )
            new_school.append(np.repeat(np.arange(n_schools), per_school))
            new_profile.append(np.full(per_school.sum(), index[code], dtype=np.int8))
        order = rng.permutation(sum(len(a) for a in new_school))  # logins reveal nothing
        new_school = np.concatenate(new_school).astype(np.int16)[order]
        new_profile = np.concatenate(new_profile)[order]
        m = len(new_school)
        new_sdet = np.empty(m, dtype=object)
        for p_i, p in enumerate(self.profiles):
            shares = cal.sdet_code_share.get(p.code, {p.sdet_codes[0]: 1.0})
            members = np.flatnonzero(new_profile == p_i)
            new_sdet[members] = np.array(list(shares))[
                rng.choice(len(shares), size=len(members), p=list(shares.values()))
            ]
        first = rng.integers(0, len(FIRST_NAMES), m)
        last = rng.integers(0, len(LAST_NAMES), m)
        octets = rng.integers(1, 255, size=(m, 3))
        first_octet = rng.choice([78, 82, 86, 90, 109, 176, 193], size=m)
        new_activity = weight[new_profile] * rng.lognormal(0.0, cal.activity_dispersion, m)
        new_key = np.log(rng.random(m)) / prev.school_engagement[new_school]
        created = when - rng.integers(0, cont.new_accounts_days_before + 1, m).astype(
            "timedelta64[D]"
        )

        directory.created = np.concatenate([directory.created, created])
        directory.closed = np.concatenate([closed, np.full(m, np.datetime64("NaT", "D"))])
        directory.disabled_from = np.concatenate(
            [directory.disabled_from, np.full(m, np.datetime64("NaT", "D"))]
        )
        profile = np.concatenate([profile, new_profile])
        state = Population(
            login=pa.concat_arrays(
                [
                    prev.login,
                    pa.array(
                        [
                            f"{FIRST_NAMES[f]}.{LAST_NAMES[la]}{n + i + 1}"
                            for i, (f, la) in enumerate(zip(first, last, strict=True))
                        ],
                        pa.string(),
                    ),
                ]
            ),
            display_name=pa.concat_arrays(
                [
                    prev.display_name,
                    pa.array(
                        [
                            f"{FIRST_NAMES[f].capitalize()} {LAST_NAMES[la].upper()}"
                            for f, la in zip(first, last, strict=True)
                        ],
                        pa.string(),
                    ),
                ]
            ),
            profile=profile,
            sdet_code=pa.array(np.concatenate([sdet, new_sdet]), pa.string()),
            school=np.concatenate([school, new_school]),
            engagement_key=np.concatenate([key, new_key]),
            activity=np.concatenate([activity, new_activity]),
            home_ip=pa.concat_arrays(
                [
                    prev.home_ip,
                    pa.array(
                        [
                            f"{a}.{b}.{c}.{d}"
                            for a, (b, c, d) in zip(first_octet, octets, strict=True)
                        ],
                        pa.string(),
                    ),
                ]
            ),
            profile_codes=prev.profile_codes,
            in_population=np.array([p.in_appropriation_population for p in self.profiles])[profile],
            school_engagement=prev.school_engagement,
        )
        directory.states.append((day, state))
        self.progress(
            f"rollover {day}: {len(np.concatenate(closing)):,} accounts closed, {m:,} created, "
            f"{int(moved.sum()):,} changed school, "
            f"{int((profile[:n] != prev.profile).sum()):,} changed profile"
        )
        return state

    def continuation_events(self, segments: list[Segment], part: MonthPart) -> pa.Table:
        segment = segments[part.segment]
        rng = _rng(self.seed, 8, part.first_day.year, part.first_day.month)
        logins = []
        for group, accounts, total in (
            (LOGIN_GROUP, segment.active[0], part.population_total),
            (OTHER_GROUP, segment.active[1], part.other_total),
        ):
            first = (
                accounts[segment.reserved[group] == part.position]
                if segment.reserved is not None
                else np.array([], dtype=np.int64)
            )
            rest = total - len(first)
            weights = segment.accounts.activity[accounts]
            drawn = (
                accounts[rng.choice(len(accounts), size=rest, p=weights / weights.sum())]
                if rest
                else np.array([], dtype=np.int64)
            )
            logins.append((group, np.concatenate([first, drawn]).astype(np.int64)))
        return self.month_events(
            rng, segment.accounts, segment.active, part.first_day, part.last_day, logins
        )

    # ------------------------------------------------------------------ snapshots
    def directory(self, pop: Population, actives: list[tuple[np.ndarray, np.ndarray]]) -> Directory:
        """Creation and disabling dates of the report's accounts (none is closed before it)."""
        rng = _rng(self.seed, 4)
        n = len(pop)
        first_active_year = np.full(n, -1)
        for year_i in reversed(range(len(actives))):
            first_active_year[np.concatenate(actives[year_i])] = year_i
        starts = np.array(
            [np.datetime64(y.first_day, "D") for y in self.cal.school_years]
            + [np.datetime64(self.cal.snapshot_date, "D")]
        )
        # created before the first school year in which the account is active
        anchor = starts[np.where(first_active_year >= 0, first_active_year, len(starts) - 1)]
        created = anchor - rng.integers(1, 700, n).astype("timedelta64[D]")
        last_year_active = np.zeros(n, dtype=bool)
        last_year_active[np.concatenate(actives[-1])] = True
        disabled = ~last_year_active & (rng.random(n) < self.cal.disabled_share)
        # disabled from the 1 September after the last school year it was active in (from its
        # creation if it never was)
        last_active_year = np.full(n, -1)
        for year_i, active in enumerate(actives):
            last_active_year[np.concatenate(active)] = year_i
        next_start = np.array(
            [np.datetime64(school_year_of(y.first_day)[1], "D") + 1 for y in self.cal.school_years]
        )
        since = np.where(last_active_year >= 0, next_start[last_active_year], created)
        return Directory(
            created=created,
            closed=np.full(n, np.datetime64("NaT", "D")),
            disabled_from=np.where(disabled, since, np.datetime64("NaT", "D")),
            states=[(self.cal.first_day, pop)],
        )

    def snapshot_dates(self) -> list[dt.date]:
        """The report's snapshot date, every 1 September after it and the range's end.

        No directory before the report's: the report gives only the one of 2018-01-15 (it
        measures every year's appropriation against it), and directories invented from the
        accounts' creation dates would hold a fraction of the schools and contradict its rates.
        """
        dates = {self.cal.snapshot_date, self.end}
        day = dt.date(self.cal.snapshot_date.year, 9, 1)
        while day <= self.end:
            dates.add(day)
            day = add_years(day, 1)
        return sorted(d for d in dates if d >= self.cal.snapshot_date)

    def accounts_snapshot(self, directory: Directory, day: dt.date) -> pa.Table:
        """The accounts that exist on `day` (created, not closed), as they are on that day."""
        state = [s for first, s in directory.states if first <= day][-1]
        n = len(state)
        when = np.datetime64(day, "D")
        created, closed = directory.created[:n], directory.closed[:n]
        disabled = directory.disabled_from[:n] <= when  # NaT compares False
        keep = np.flatnonzero((created <= when) & (np.isnat(closed) | (closed > when)))
        rows = pa.array(keep)
        return pa.table(
            {
                "login": state.login.take(rows),
                "display_name": state.display_name.take(rows),
                "profile": state.sdet_code.take(rows),
                "uai": pa.array([s.uai for s in self.schools]).take(pa.array(state.school[keep])),
                "created_at": pa.array(np.datetime_as_string(created[keep], unit="D")),
                "status": pa.array(np.where(disabled[keep], "disabled", "active")),
            }
        )

    def sequences_table(self, pop: Population, actives, plan) -> pa.Table:
        cal = self.cal
        rng = _rng(self.seed, 5)
        teacher = pop.profile_codes.index("enseignant")
        by_end_2017 = self.scaled(cal.sequences_by_end_2017)
        extra = int(round(by_end_2017 * cal.sequences_extra_share))
        months = [
            (y, m, p + o) for y, m, p, o in plan if m >= cal.sequences_created_from.replace(day=1)
        ]
        before = [(y, m, t) for y, m, t in months if m.year <= 2017]
        after = [(y, m, t) for y, m, t in months if m.year > 2017]
        rows = []
        for chunk, total in ((before, by_end_2017), (after, extra)):
            if not chunk:
                continue
            for (year_i, month, _), count in zip(
                chunk, apportion(total, [t for _, _, t in chunk]), strict=True
            ):
                authors = actives[year_i][0][pop.profile[actives[year_i][0]] == teacher]
                if count == 0 or len(authors) == 0:
                    continue
                year = cal.school_years[year_i]
                next_month = (month + dt.timedelta(days=32)).replace(day=1)
                last = min(next_month - dt.timedelta(days=1), year.last_day)
                n_days = (last - month).days + 1
                day = rng.integers(0, n_days, count)
                second = rng.integers(8 * 3600, 20 * 3600, count)
                rows.append((month, rng.choice(authors, size=count), day, second))
        author = np.concatenate([r[1] for r in rows])
        local = np.concatenate(
            [
                np.datetime64(m, "s") + (d * 86400 + s).astype("timedelta64[s]")
                for m, _, d, s in rows
            ]
        )
        order = np.argsort(local, kind="stable")
        author, local = author[order], local[order]
        return pa.table(
            {
                "sequence_id": pa.array([f"SEQ{i + 1:07d}" for i in range(len(author))]),
                "author_login": pop.login.take(pa.array(author)),
                "uai": pa.array([s.uai for s in self.schools]).take(pa.array(pop.school[author])),
                "subject": pa.array(
                    np.array(cal.subjects)[rng.integers(0, len(cal.subjects), len(author))]
                ),
                "created_at": self.with_offset(local),
                "status": pa.array(
                    np.where(
                        rng.random(len(author)) < cal.sequences_draft_share, "draft", "published"
                    )
                ),
            }
        )

    def continuation_sequences(
        self,
        segments: list[Segment],
        parts: list[MonthPart],
        report_sequences: pa.Table,
        per_connection: float,
    ) -> pa.Table:
        """Sequences created after the report, as many per connection as in the report's period
        (times the calibration's factor), by the active teachers of the time, at their school."""
        cal = self.cal
        rng = _rng(self.seed, 9)
        factor = per_connection * cal.continuation.sequences_per_connection_factor
        uais = pa.array([s.uai for s in self.schools])
        tables = []
        first_id = report_sequences.num_rows
        for part in parts:
            segment = segments[part.segment]
            count = int(round(factor * (part.population_total + part.other_total)))
            population_active = segment.active[0]
            teacher = segment.accounts.profile_codes.index(TEACHER)
            authors = population_active[segment.accounts.profile[population_active] == teacher]
            if count == 0 or len(authors) == 0:
                continue
            n_days = (part.last_day - part.first_day).days + 1
            local = np.sort(
                np.datetime64(part.first_day, "s")
                + (
                    rng.integers(0, n_days, count) * 86400
                    + rng.integers(8 * 3600, 20 * 3600, count)
                ).astype("timedelta64[s]")
            )
            author = rng.choice(authors, size=count)
            tables.append(
                pa.table(
                    {
                        "sequence_id": pa.array(
                            [f"SEQ{first_id + i + 1:07d}" for i in range(count)]
                        ),
                        "author_login": segment.accounts.login.take(pa.array(author)),
                        "uai": uais.take(pa.array(segment.accounts.school[author])),
                        "subject": pa.array(
                            np.array(cal.subjects)[rng.integers(0, len(cal.subjects), count)]
                        ),
                        "created_at": self.with_offset(local),
                        "status": pa.array(
                            np.where(
                                rng.random(count) < cal.sequences_draft_share, "draft", "published"
                            )
                        ),
                    }
                )
            )
            first_id += count
        return pa.concat_tables(tables) if tables else report_sequences.slice(0, 0)

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


def write_csv_gz(table: pa.Table, path: Path) -> None:
    """Write atomically: a reader (or the landing sensor) never sees half a file.

    gzip level 1: the extracts are written once and read a few times; level 6 tripled the
    generation time for files 15 % smaller. No time stamp in the gzip header (mtime 0): the same
    content gives the same bytes, so a file written again unchanged (the months before the
    report's end, with or without --until) keeps its SHA-256 and is not loaded again.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(f".{path.name}.partial")
    options = pacsv.WriteOptions(quoting_style="none", quoting_header="none", batch_size=65536)
    with gzip.GzipFile(partial, "wb", compresslevel=1, mtime=0) as stream:
        pacsv.write_csv(table, stream, options)
    os.replace(partial, path)


def generate(
    out: Path,
    seed: int = 2017,
    scale: float = 1.0,
    calibration: Path | str = DEFAULT_CALIBRATION,
    progress: Callable[[str], None] | None = None,
    until: str | None = None,
) -> dict[str, int]:
    """Write the extracts into `out`, to the report's last day or to the end of the month
    `until` (YYYY-MM)."""
    return Generator(
        load_calibration(calibration), seed=seed, scale=scale, progress=progress, until=until
    ).write(Path(out))


def print_progress(message: str) -> None:
    print(f"[leia generate] {message}", file=sys.stderr, flush=True)
