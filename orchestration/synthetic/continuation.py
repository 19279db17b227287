"""After the report's last day: the school years that follow, by the calibration's trends.

Each 1 September the directory rolls over (`rollover()`: leavers closed, pupils going on to a
lycée, teachers moving, profile changes, new accounts) and the school year gets its active
accounts and its monthly connections (the same month a year earlier times a growth factor).
Its random streams are its own (SeedSequence [seed, 6..9, ...]): what comes before the report's
last day does not change.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pyarrow as pa

from orchestration.synthetic.model import (
    COLLEGE,
    LOGIN_GROUP,
    OTHER_GROUP,
    PUPIL,
    TEACHER,
    Directory,
    MonthPart,
    Population,
    Segment,
    add_years,
    few,
    month_end,
    random_stream,
    school_year_of,
)
from orchestration.synthetic.names import FIRST_NAMES, LAST_NAMES


class ContinuationMixin:
    """The school years after the report: directory rollovers, segments and their events.

    Part of Generator (generate.py): it uses the generator's calibration (`cal`), `seed`,
    `scale`, reference data (`schools`, `school_index`, `profiles`, `holidays`, `tz`), `end`
    and the other parts' methods.
    """

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
                rng = random_stream(self.seed, 7, day.year)
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
        rng = random_stream(self.seed, 6, day.year)
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
        rng = random_stream(self.seed, 8, part.first_day.year, part.first_day.month)
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
