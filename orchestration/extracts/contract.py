"""The data contract of the landing extracts: one place for names, columns and file patterns.

The generator writes files that follow it and the loader checks incoming files against it, so a
real ENT export dropped into the landing folder meets exactly the rules the demo data meets.
docs/extracts.md is the human-readable version of this module.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Extract:
    name: str  # also the landing sub-folder and the raw table
    columns: tuple[str, ...]
    identifier_columns: tuple[str, ...]  # pseudonymised at load time
    dropped_columns: tuple[str, ...]  # never stored (names, IP addresses)
    file_pattern: re.Pattern[str]
    monthly: bool

    def folder(self, landing: Path) -> Path:
        return landing / self.name

    def files(self, landing: Path) -> list[Path]:
        """The files of this extract in the landing folder: their name follows the contract and
        holds a real date (orchestration/landing.py says what the others are)."""
        folder = self.folder(landing)
        if not folder.is_dir():
            return []
        return sorted(p for p in folder.iterdir() if self.date_of(p.name) is not None)

    def date_of(self, name: str) -> str | None:
        """The partition key of a file name ('2016-03', '2018-01-15'), None if it is not one."""
        match = self.file_pattern.fullmatch(name)
        if match is None:
            return None
        key = match.group(1)
        try:
            dt.date.fromisoformat(f"{key}-01" if self.monthly else key)
        except ValueError:
            return None
        return key


ACCOUNTS = Extract(
    name="accounts",
    columns=("login", "display_name", "profile", "uai", "created_at", "status"),
    identifier_columns=("login",),
    dropped_columns=("display_name",),
    file_pattern=re.compile(r"accounts_(\d{4}-\d{2}-\d{2})\.csv(\.gz)?"),
    monthly=False,
)

AUTH_EVENTS = Extract(
    name="auth_events",
    columns=(
        "event_time",
        "login",
        "profile",
        "uai",
        "event_type",
        "service",
        "client_ip",
        "result",
    ),
    identifier_columns=("login",),
    dropped_columns=("client_ip",),
    file_pattern=re.compile(r"auth_events_(\d{4}-\d{2})\.csv(\.gz)?"),
    monthly=True,
)

PEDAGOGICAL_SEQUENCES = Extract(
    name="pedagogical_sequences",
    columns=("sequence_id", "author_login", "uai", "subject", "created_at", "status"),
    identifier_columns=("author_login",),
    dropped_columns=(),
    file_pattern=re.compile(r"pedagogical_sequences_(\d{4}-\d{2}-\d{2})\.csv(\.gz)?"),
    monthly=False,
)

EXTRACTS = (ACCOUNTS, AUTH_EVENTS, PEDAGOGICAL_SEQUENCES)

EVENT_TYPES = ("login", "service_access")
RESULTS = ("success", "failure")
ACCOUNT_STATUSES = ("active", "disabled")
SEQUENCE_STATUSES = ("published", "draft")
TIMESTAMP_FORMAT = "%Y-%m-%dT%H:%M:%S%z"  # ISO 8601 with the Europe/Paris offset
TIME_ZONE = "Europe/Paris"  # the ENT's clock: every local time and offset is Corsica's


def auth_events_file_name(month: str) -> str:
    return f"auth_events_{month}.csv.gz"


def month_of(path: Path) -> str:
    """The partition key ('2016-03') of a monthly auth-events file."""
    match = AUTH_EVENTS.file_pattern.fullmatch(path.name)
    if not match:
        raise ValueError(f"{path}: not an auth_events file (expected auth_events_YYYY-MM.csv.gz)")
    return match.group(1)
