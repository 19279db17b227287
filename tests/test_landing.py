"""Every file of the landing folder accounted for (orchestration/landing.py).

Files are written by hand, the way a person copying a delivery gets names wrong; the accounting
must say, for each, whether the loader reads it and, if not, why — a near miss naming the form
the contract expects.
"""

from __future__ import annotations

import gzip
from pathlib import Path

import duckdb
import pytest

from orchestration.extracts import contract
from orchestration.extracts.load import available_months
from orchestration.landing import (
    EXTRACT,
    IGNORED,
    WARNING,
    account_landing,
    not_loaded,
    record_landing,
)

HEADER = ",".join(contract.AUTH_EVENTS.columns)


def put(landing: Path, relative: str, text: str = HEADER) -> Path:
    path = landing / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(gzip.compress((text + "\n").encode(), mtime=0))
    return path


@pytest.fixture
def landing(tmp_path: Path) -> Path:
    root = tmp_path / "landing"
    put(root, "auth_events/auth_events_2017-11.csv.gz", HEADER + "\n2017-11-02T08:00:00+01:00")
    put(root, "auth_events/auth_events_2017-11 (1).csv.gz", HEADER + "\n2017-11-02T08:00:00+01:00")
    put(root, "auth_events/AUTH_EVENTS_2017-12.csv.gz")
    put(root, "auth_events/auth_2017-10.csv.gz")
    put(root, "auth_events/auth_events_2017-13.csv.gz")
    put(root, "auth_events/auth_events_2015-08.csv.gz")
    put(root, "auth_events/accounts_2018-01-15.csv.gz")
    put(root, "accounts/accounts_2018-01-15.csv.gz", ",".join(contract.ACCOUNTS.columns))
    put(root, "accounts/accounts_2018-02-30.csv.gz", ",".join(contract.ACCOUNTS.columns) + "\nx")
    (root / "notes.txt").write_text("delivered by the ENT's provider\n")
    (root / "_synthetic_extracts.json").write_text("{}")
    (root / "auth_events" / ".auth_events_2018-01.csv.gz.partial").write_bytes(b"")
    return root


def test_every_file_is_accounted_for_with_its_reason(landing: Path) -> None:
    files = {f.path: f for f in account_landing(landing)}
    assert set(files) == {
        p.relative_to(landing).as_posix() for p in landing.rglob("*") if p.is_file()
    }
    expected = {
        "auth_events/auth_events_2017-11.csv.gz": (EXTRACT, ""),
        "accounts/accounts_2018-01-15.csv.gz": (EXTRACT, ""),
        "auth_events/auth_events_2017-11 (1).csv.gz": (
            IGNORED,
            "a copy of auth_events/auth_events_2017-11.csv.gz (same content)",
        ),
        "auth_events/AUTH_EVENTS_2017-12.csv.gz": (
            WARNING,
            "expected auth_events/auth_events_2017-12.csv.gz",
        ),
        "auth_events/auth_2017-10.csv.gz": (
            WARNING,
            "expected auth_events/auth_events_2017-10.csv.gz",
        ),
        "auth_events/auth_events_2017-13.csv.gz": (WARNING, "2017-13 is no valid date"),
        "auth_events/auth_events_2015-08.csv.gz": (
            IGNORED,
            "before the contract's first month (2015-09)",
        ),
        "auth_events/accounts_2018-01-15.csv.gz": (
            WARNING,
            "in the wrong folder: expected accounts/accounts_2018-01-15.csv.gz",
        ),
        "accounts/accounts_2018-02-30.csv.gz": (WARNING, "2018-02-30 is no valid date"),
        "notes.txt": (IGNORED, "not an extract of the contract"),
        "_synthetic_extracts.json": (IGNORED, "marker"),
        "auth_events/.auth_events_2018-01.csv.gz.partial": (IGNORED, "hidden or partial"),
    }
    for path, (status, reason) in expected.items():
        assert files[path].status == status, (path, files[path])
        assert reason in files[path].reason, (path, files[path].reason)
    assert {f.path for f in not_loaded(files.values())} == set(expected) - {
        "auth_events/auth_events_2017-11.csv.gz",
        "accounts/accounts_2018-01-15.csv.gz",
        "_synthetic_extracts.json",
    }


def test_the_loader_reads_exactly_the_extracts(landing: Path) -> None:
    # 2015-08 follows the contract's name but precedes its first month: the run skips it
    assert available_months(landing) == ["2015-08", "2017-11"]
    assert [p.name for p in contract.ACCOUNTS.files(landing)] == ["accounts_2018-01-15.csv.gz"]


def test_the_accounting_is_written_to_the_warehouse_each_scan(
    landing: Path, tmp_path: Path
) -> None:
    database = tmp_path / "w.duckdb"
    with duckdb.connect(str(database)) as con:
        record_landing(con, account_landing(landing))
        (landing / "notes.txt").unlink()
        record_landing(con, account_landing(landing))
        rows = con.execute("select path, status from raw.landing_files order by path").fetchall()
    assert ("notes.txt", IGNORED) not in rows, "a scan replaces the previous one"
    assert ("auth_events/auth_2017-10.csv.gz", WARNING) in rows
    assert len(rows) == len(account_landing(landing))
