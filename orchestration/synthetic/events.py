"""The authentication events of one month of the report: connections and their failed attempts.

Every active account of the month gets its connections (at least one when its guaranteed first
connection falls in this month), spread over the days and hours of the calibration, with a
service each and a few failed logins.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from orchestration.synthetic.model import (
    LOGIN_GROUP,
    OTHER_GROUP,
    Population,
)


class EventsMixin:
    """One month's authentication events.

    Part of Generator (generate.py): it uses the generator's calibration (`cal`), `seed`,
    `scale`, reference data (`schools`, `school_index`, `profiles`, `holidays`, `tz`), `end`
    and the other parts' methods.
    """

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
