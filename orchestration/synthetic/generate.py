"""Synthetic ENT extracts, in the format of a real export, calibrated on the Bilan.

The generator builds a synthetic population (accounts spread over the 50 schools), decides for
every school year which accounts are active and which schools do not use the ENT at all, then
writes one authentication-log file per month. Totals are exact by construction: connections per
school year and per month are apportioned, every active account gets at least one connection and
no inactive account gets any, so the warehouse must find the report's figures back from the files.

Memory is bounded by one month of events (accounts are a few arrays); generation is deterministic
for a given seed and scale.
"""

from __future__ import annotations

import datetime as dt
import gzip
import json
import math
import os
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

    def __len__(self) -> int:
        return len(self.profile)


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
        )

    def active_accounts(self, pop: Population, year_i: int) -> tuple[np.ndarray, np.ndarray]:
        """Indices of the active appropriation-population accounts and of the other active ones."""
        year = self.cal.school_years[year_i]
        using = np.ones(len(self.schools), dtype=bool)
        using[[self.school_index[u] for u in year.schools_not_using]] = False
        eligible = using[pop.school]

        target = int(pop.in_population.sum())
        wanted = int(round(year.appropriation_rate * target))
        pool = np.flatnonzero(eligible & pop.in_population)
        if wanted > len(pool):
            raise ValueError(
                f"{year.school_year}: {wanted} active accounts wanted but only {len(pool)} "
                "accounts of the appropriation population are in schools that use the ENT"
            )
        chosen = pool[np.argsort(-pop.engagement_key[pool], kind="stable")[:wanted]]
        chosen = self._every_using_school_active(pop, pool, chosen, using)

        others = []
        for p_i, code in enumerate(pop.profile_codes):
            share = year.active_share_other_profiles.get(code)
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

        stats = {"accounts": len(pop), "connections": 0, "auth_event_rows": 0}
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
            table = self.month_events(
                rng, pop, actives[year_i], month, cal.school_years[year_i], logins
            )
            path = (
                out
                / contract.AUTH_EVENTS.name
                / contract.auth_events_file_name(month.strftime("%Y-%m"))
            )
            write_csv_gz(table, path)
            stats["connections"] += pop_total + other_total
            stats["auth_event_rows"] += table.num_rows
            self.progress(
                f"auth_events {month:%Y-%m}: {pop_total + other_total:,} connections, "
                f"{table.num_rows:,} rows ({time.perf_counter() - started:.1f} s)"
            )

        write_csv_gz(
            self.accounts_table(pop, actives),
            out / contract.ACCOUNTS.name / f"accounts_{cal.snapshot_date}.csv.gz",
        )
        sequences = self.sequences_table(pop, actives, plan)
        write_csv_gz(
            sequences,
            out
            / contract.PEDAGOGICAL_SEQUENCES.name
            / f"pedagogical_sequences_{cal.snapshot_date}.csv.gz",
        )
        stats["pedagogical_sequences"] = sequences.num_rows
        manifest = {"calibration": cal.name, "seed": self.seed, "scale": self.scale, **stats}
        (out / SYNTHETIC_MARKER).write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
        self.progress(
            f"accounts: {len(pop):,}; pedagogical sequences: {sequences.num_rows:,} "
            f"({time.perf_counter() - started:.1f} s)"
        )
        return stats

    def month_events(
        self,
        rng: np.random.Generator,
        pop: Population,
        active: tuple[np.ndarray, np.ndarray],
        month: dt.date,
        year,
        logins: list[tuple[str, np.ndarray]],
    ) -> pa.Table:
        cal = self.cal
        next_month = (month + dt.timedelta(days=32)).replace(day=1)
        last = min(next_month - dt.timedelta(days=1), year.last_day)
        days = [month + dt.timedelta(days=i) for i in range((last - month).days + 1)]
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
        service_codes, service_p = self.service_distribution(month)
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
        local = np.datetime64(month, "s") + (day.astype(np.int64) * 86400 + second).astype(
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

    # ------------------------------------------------------------------ snapshots
    def accounts_table(
        self, pop: Population, actives: list[tuple[np.ndarray, np.ndarray]]
    ) -> pa.Table:
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
        return pa.table(
            {
                "login": pop.login,
                "display_name": pop.display_name,
                "profile": pop.sdet_code,
                "uai": pa.array([s.uai for s in self.schools]).take(pa.array(pop.school)),
                "created_at": pa.array(np.datetime_as_string(created, unit="D")),
                "status": pa.array(np.where(disabled, "disabled", "active")),
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
        offsets = np.array(
            [
                dt.datetime.fromisoformat(str(t))
                .replace(tzinfo=self.tz)
                .utcoffset()
                .total_seconds()
                for t in local.astype("datetime64[h]")
            ]
        )
        return pa.table(
            {
                "sequence_id": pa.array([f"SEQ{i + 1:07d}" for i in range(len(author))]),
                "author_login": pop.login.take(pa.array(author)),
                "uai": pa.array([s.uai for s in self.schools]).take(pa.array(pop.school[author])),
                "subject": pa.array(
                    np.array(cal.subjects)[rng.integers(0, len(cal.subjects), len(author))]
                ),
                "created_at": pc.binary_join_element_wise(
                    pa.array(np.datetime_as_string(local, unit="s")),
                    pa.array(np.where(offsets == 7200, "+02:00", "+01:00")),
                    "",
                ),
                "status": pa.array(
                    np.where(
                        rng.random(len(author)) < cal.sequences_draft_share, "draft", "published"
                    )
                ),
            }
        )


def write_csv_gz(table: pa.Table, path: Path) -> None:
    """Write atomically: a reader (or the landing sensor) never sees half a file.

    gzip level 1: the extracts are written once and read a few times; level 6 tripled the
    generation time for files 15 % smaller.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(f".{path.name}.partial")
    options = pacsv.WriteOptions(quoting_style="none", quoting_header="none", batch_size=65536)
    with gzip.open(partial, "wb", compresslevel=1) as stream:
        pacsv.write_csv(table, stream, options)
    os.replace(partial, path)


def generate(
    out: Path,
    seed: int = 2017,
    scale: float = 1.0,
    calibration: Path | str = DEFAULT_CALIBRATION,
    progress: Callable[[str], None] | None = None,
) -> dict[str, int]:
    return Generator(
        load_calibration(calibration), seed=seed, scale=scale, progress=progress
    ).write(Path(out))


def print_progress(message: str) -> None:
    print(f"[leia generate] {message}", file=sys.stderr, flush=True)
