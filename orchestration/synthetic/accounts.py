"""The accounts: the population over the schools, who is active each school year, the directory.

`build_population()` spreads the calibrated accounts over the 50 schools and profiles;
`choose_active()` decides for each school year which accounts connect (and which schools do not
use the ENT at all); `directory()` gives their creation and disabling dates and
`accounts_snapshot()` the accounts extract on a snapshot date.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pyarrow as pa

from orchestration.synthetic.model import (
    Directory,
    Population,
    add_years,
    apportion,
    random_stream,
    school_year_of,
)
from orchestration.synthetic.names import FIRST_NAMES, LAST_NAMES


class AccountsMixin:
    """The population and the directory of accounts.

    Part of Generator (generate.py): it uses the generator's calibration (`cal`), `seed`,
    `scale`, reference data (`schools`, `school_index`, `profiles`, `holidays`, `tz`), `end`
    and the other parts' methods.
    """

    def scaled(self, value: float) -> int:
        return max(int(round(value * self.scale)), 0)

    def build_population(self) -> Population:
        rng = random_stream(self.seed, 1)
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

    def directory(self, pop: Population, actives: list[tuple[np.ndarray, np.ndarray]]) -> Directory:
        """Creation and disabling dates of the report's accounts (none is closed before it)."""
        rng = random_stream(self.seed, 4)
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
