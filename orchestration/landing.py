"""Every file of the landing folder, accounted for: what is an extract, what is not and why.

The loader reads the files whose name follows the contract (docs/extracts.md). Anything else in
the landing folder is listed with the reason it is not loaded, so that a delivery dropped under
a slightly wrong name (`AUTH_EVENTS_2017-12.csv.gz`, `auth_events_2017-11 (1).csv.gz`,
`auth_2017-10.csv.gz`) is noticed instead of silently skipped: such a near miss is a warning that
names the expected form. Each run writes the list to raw.landing_files (the Qualité page shows
it) and prints the files it does not load.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from orchestration.defs.raw.partitions import FIRST_MONTH
from orchestration.extracts import contract
from orchestration.extracts.raw_schema import RAW_SCHEMA, ensure_raw_schema, file_sha256

# the files of a landing folder that are not extracts and are expected there
MARKER_NAMES = frozenset({"_synthetic_extracts.json"})  # the demo generator's marker

EXTRACT = "extract"  # a file the loader reads
IGNORED = "ignored"  # not an extract: said once, in the run's output and the table
WARNING = "warning"  # looks like an extract but does not follow the contract: check the delivery

# <name>_<date>.csv(.gz) with anything around: an extract's name gone slightly wrong
_NEAR_MISS = re.compile(
    r"(?P<stem>[A-Za-z_]+?)[ _-]*(?P<date>\d{4}-\d{2}(?:-\d{2})?)(?P<rest>.*?)\.csv(?:\.gz)?",
    re.IGNORECASE,
)
# short or old names of the extracts that a person may use for them
_ALIASES = {
    "auth": contract.AUTH_EVENTS,
    "auth_event": contract.AUTH_EVENTS,
    "authevents": contract.AUTH_EVENTS,
    "events": contract.AUTH_EVENTS,
    "logs": contract.AUTH_EVENTS,
    "account": contract.ACCOUNTS,
    "comptes": contract.ACCOUNTS,
    "sequences": contract.PEDAGOGICAL_SEQUENCES,
    "pedagogical_sequence": contract.PEDAGOGICAL_SEQUENCES,
}


@dataclass(frozen=True)
class LandingFile:
    path: str  # relative to the landing folder
    size_bytes: int
    status: str  # EXTRACT, IGNORED or WARNING
    reason: str  # why it is not loaded ('' for an extract)
    extract: str | None = None
    partition_key: str | None = None
    sha256: str | None = None

    @property
    def loaded(self) -> bool:
        return self.status == EXTRACT

    def line(self) -> str:
        return f"{self.path}: {self.reason}"


def _expected_name(extract: contract.Extract, date: str) -> str:
    return f"{extract.name}/{extract.name}_{date}.csv.gz"


def _extract_by_name(stem: str) -> contract.Extract | None:
    name = stem.lower().strip(" _-")
    for extract in contract.EXTRACTS:
        if name == extract.name:
            return extract
    return _ALIASES.get(name)


def _near_miss(path: Path) -> tuple[str, contract.Extract | None, str | None]:
    """(reason, extract, date) for a file that is not an extract of the contract."""
    match = _NEAR_MISS.fullmatch(path.name)
    extract = _extract_by_name(match.group("stem")) if match else None
    if match is None or extract is None:
        return "not an extract of the contract (docs/extracts.md)", None, None
    date = match.group("date")
    if (len(date) == 7) != extract.monthly:
        form = "YYYY-MM" if extract.monthly else "YYYY-MM-DD"
        return (
            f"named like a file of {extract.name}, but its date is not {form}: expected "
            f"{extract.name}/{extract.name}_{form}.csv.gz",
            extract,
            None,
        )
    if extract.date_of(f"{extract.name}_{date}.csv.gz") is None:
        return f"named like a file of {extract.name}, but {date} is no valid date", extract, None
    return (
        f"named like a file of {extract.name}, but not as the contract says: expected "
        f"{_expected_name(extract, date)}",
        extract,
        date,
    )


def _account_file(landing: Path, path: Path) -> LandingFile:
    relative = path.relative_to(landing).as_posix()
    size = path.stat().st_size
    if path.name in MARKER_NAMES and path.parent == landing:
        return LandingFile(relative, size, IGNORED, "the demo generator's marker, not an extract")
    if path.name.startswith("."):
        return LandingFile(relative, size, IGNORED, "a hidden or partial file (being copied?)")
    for extract in contract.EXTRACTS:
        match = extract.file_pattern.fullmatch(path.name)
        if match is None:
            continue
        key = match.group(1)
        if path.parent != extract.folder(landing):
            return LandingFile(
                relative,
                size,
                WARNING,
                f"a file of {extract.name} in the wrong folder: expected "
                f"{_expected_name(extract, key)}",
                extract.name,
                key,
            )
        if extract.date_of(path.name) is None:
            return LandingFile(
                relative,
                size,
                WARNING,
                f"named like a file of {extract.name}, but {key} is no valid date",
                extract.name,
                key,
            )
        if extract.monthly and key < FIRST_MONTH[:7]:
            return LandingFile(
                relative,
                size,
                IGNORED,
                f"before the contract's first month ({FIRST_MONTH[:7]})",
                extract.name,
                key,
            )
        return LandingFile(relative, size, EXTRACT, "", extract.name, key)
    reason, extract, date = _near_miss(path)
    status = WARNING if extract is not None else IGNORED
    return LandingFile(relative, size, status, reason, extract.name if extract else None, date)


def account_landing(landing: Path) -> list[LandingFile]:
    """Every file under the landing folder, with what the loader does with it.

    A file that is not loaded but has the same content as one that is loaded is said to be its
    duplicate (a copy under another name): nothing to deliver again.
    """
    if not landing.is_dir():
        return []
    files = [_account_file(landing, p) for p in sorted(landing.rglob("*")) if p.is_file()]
    extracts_by_size: dict[int, list[LandingFile]] = {}
    for f in files:
        if f.loaded:
            extracts_by_size.setdefault(f.size_bytes, []).append(f)
    accounted = []
    for f in files:
        same_size = (
            [] if f.loaded or f.status == IGNORED else extracts_by_size.get(f.size_bytes, [])
        )
        sha = file_sha256(landing / f.path) if same_size else None
        twin = next((e for e in same_size if file_sha256(landing / e.path) == sha), None)
        if twin is not None:
            f = LandingFile(
                f.path,
                f.size_bytes,
                IGNORED,
                f"a copy of {twin.path} (same content), not loaded twice",
                f.extract,
                f.partition_key,
                sha,
            )
        accounted.append(f)
    return accounted


def not_loaded(files: Iterable[LandingFile]) -> list[LandingFile]:
    """The files the loader leaves (markers aside: they are expected)."""
    return [f for f in files if not f.loaded and f.path.split("/")[-1] not in MARKER_NAMES]


def record_landing(con, files: Iterable[LandingFile]) -> None:
    """Replace raw.landing_files with this scan of the landing folder (one transaction)."""
    ensure_raw_schema(con)
    scanned_at = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    rows = [
        [f.path, f.size_bytes, f.status, f.reason, f.extract, f.partition_key, scanned_at]
        for f in files
    ]
    con.execute("begin transaction")
    try:
        con.execute(f"delete from {RAW_SCHEMA}.landing_files")
        if rows:
            con.executemany(
                f"insert into {RAW_SCHEMA}.landing_files values (?, ?, ?, ?, ?, ?, ?)", rows
            )
        con.execute("commit")
    except BaseException:
        con.execute("rollback")
        raise
