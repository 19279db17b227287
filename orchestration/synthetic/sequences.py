"""The pedagogical sequences extract: sequences written by teachers, in the report and after it."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pyarrow as pa

from orchestration.synthetic.model import (
    TEACHER,
    MonthPart,
    Population,
    Segment,
    apportion,
    random_stream,
)


class SequencesMixin:
    """The pedagogical sequences of the report's school year and of the following ones.

    Part of Generator (generate.py): it uses the generator's calibration (`cal`), `seed`,
    `scale`, reference data (`schools`, `school_index`, `profiles`, `holidays`, `tz`), `end`
    and the other parts' methods.
    """

    def sequences_table(self, pop: Population, actives, plan) -> pa.Table:
        cal = self.cal
        rng = random_stream(self.seed, 5)
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
        rng = random_stream(self.seed, 9)
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
