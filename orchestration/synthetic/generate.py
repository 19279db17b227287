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
from pathlib import Path
from zoneinfo import ZoneInfo

import numpy as np
import pyarrow as pa
import pyarrow.csv as pacsv

from orchestration import reference
from orchestration.extracts import contract
from orchestration.extracts.pseudonymise import SYNTHETIC_MARKER
from orchestration.synthetic.accounts import AccountsMixin
from orchestration.synthetic.calendar_model import CalendarMixin
from orchestration.synthetic.calibration import DEFAULT_CALIBRATION, Calibration, load_calibration
from orchestration.synthetic.continuation import ContinuationMixin
from orchestration.synthetic.events import EventsMixin
from orchestration.synthetic.model import (
    LOGIN_GROUP,
    OTHER_GROUP,
    MonthPart,
    month_end,
    random_stream,
    school_year_of,
)
from orchestration.synthetic.sequences import SequencesMixin


class Generator(AccountsMixin, CalendarMixin, EventsMixin, ContinuationMixin, SequencesMixin):
    """The generator: its calibration, seed, scale and range, and the files it writes.

    What it generates is in its parts: the accounts (accounts.py), the calendar and volume model
    (calendar_model.py), the events of the report's months (events.py), the school years after
    the report (continuation.py) and the pedagogical sequences (sequences.py).
    """

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
            rng = random_stream(self.seed, 2, year_i)
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
            rng = random_stream(self.seed, 3, month.year, month.month)
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
