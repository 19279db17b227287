"""The peer: the pandas script an analyst would write for the headline figures.

Connections per school year and month, from the same monthly files as the floor and the
pipeline: read each file, keep the successful logins, take the local date from the timestamp
(its wall-clock part, as the floor does), count. No contract, no pseudonymisation, no history:
what the pipeline is compared with when someone asks "why not a notebook?". Only the work is
timed, in a fresh process (`python -m bench.run peer LANDING`), as the floor is.
"""

from __future__ import annotations

import time
from pathlib import Path

from orchestration.extracts import contract


def peer_connections(landing: Path) -> dict:
    import pandas as pd

    started = time.perf_counter()
    monthly = []
    for path in contract.AUTH_EVENTS.files(landing):
        events = pd.read_csv(path, usecols=["event_time", "event_type", "result"], dtype="string")
        logins = events[(events["event_type"] == "login") & (events["result"] == "success")]
        local_time = pd.to_datetime(logins["event_time"].str.slice(0, 19))
        school_year = local_time.dt.year - (local_time.dt.month < 9).astype(int)
        monthly.append(
            logins.groupby([school_year.rename("school_year"), local_time.dt.month.rename("month")])
            .size()
            .rename("connections")
        )
    counts = pd.concat(monthly).groupby(level=["school_year", "month"]).sum().sort_index()
    query_s = time.perf_counter() - started
    return {
        "query_s": query_s,
        "connections": int(counts.sum()),
        "by_school_year_month": {
            f"{school_year}-{school_year + 1} {month:02d}": int(count)
            for (school_year, month), count in counts.items()
        },
    }
