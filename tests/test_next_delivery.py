"""Life after the report: the next ordinary delivery publishes, a bad one is refused by name.

The published demo warehouse (scale 1, the Bilan 2017's data: conftest's `demo_warehouse`) gets
what the ENT sends a month later: the month 2018-02 and an accounts snapshot of 2018-02-15 (the
89,209 accounts of 2018-01-15 plus 300 new pupils). A real `leia run` loads them, rebuilds and
publishes: every figure of the Bilan 2017 keeps its status (each is computed on its own period),
the current accounts are the new snapshot's and the 2018-01-15 snapshot stays as it was. Then the
2018-01-15 snapshot is delivered again with 100 accounts missing: the run is refused and names
the figure, its expected and its observed value, and the published warehouse is not touched.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import shutil
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pytest

from orchestration import cli
from orchestration.settings import Paths
from tests.conftest import month_path, read_lines, write_lines

REPORT_SNAPSHOT = "2018-01-15"
NEXT_SNAPSHOT = "2018-02-15"
NEW_PUPILS = 300
MISSING_ACCOUNTS = 100
PUPIL_PROFILE = "National_ELV"

pytestmark = pytest.mark.filterwarnings("ignore:PySpark does not yet fully support:FutureWarning")


def snapshot_path(landing: Path, date: str) -> Path:
    return landing / "accounts" / f"accounts_{date}.csv.gz"


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def statuses(database: Path) -> dict[tuple[str, str], str]:
    with duckdb.connect(str(database), read_only=True) as con:
        rows = con.execute(
            "select report_code, indicator_code, status from marts.rpt_bilan_indicators"
        ).fetchall()
    return {(report, code): status for report, code, status in rows}


def scalar(database: Path, sql: str):
    with duckdb.connect(str(database), read_only=True) as con:
        return con.execute(sql).fetchone()[0]


def leia_run(paths: Paths) -> tuple[int, str]:
    errors = io.StringIO()
    with contextlib.redirect_stderr(errors), contextlib.redirect_stdout(io.StringIO()):
        code = cli.main(
            ["run", "--landing", str(paths.landing), "--warehouse-dir", str(paths.home)]
        )
    return code, errors.getvalue()


def next_month(landing: Path) -> list[str]:
    """2018-02 as the ENT would log it: February 2017's traffic (every account of it exists in
    2018), a year later."""
    lines = read_lines(month_path(landing, "2017-02"))
    return [lines[0], *(line.replace("2017-02-", "2018-02-", 1) for line in lines[1:])]


def new_pupils(header: str) -> list[str]:
    columns = header.split(",")
    values = {
        "display_name": "Nouvel ELEVE",
        "profile": PUPIL_PROFILE,
        "uai": "6200006M",
        "created_at": "2018-02-01",
        "status": "active",
    }
    return [
        ",".join(f"nouvel.eleve{i}" if c == "login" else values[c] for c in columns)
        for i in range(NEW_PUPILS)
    ]


@dataclass(frozen=True)
class Delivered:
    paths: Paths
    before: dict[tuple[str, str], str]  # the Bilan's statuses on the report's own data
    code: int
    said: str


@pytest.fixture(scope="module")
def delivered(demo_warehouse: tuple[Path, Path], tmp_path_factory) -> Delivered:
    """LEIA_HOME publishing the demo warehouse, then `leia run` with the next delivery."""
    demo_landing, database = demo_warehouse
    root = tmp_path_factory.mktemp("next_delivery")
    landing, home = root / "landing", root / "home"
    shutil.copytree(demo_landing, landing)
    (home / "build").mkdir(parents=True)
    shutil.copyfile(database, home / "build" / "leia.duckdb")
    shutil.copyfile(database, home / "leia.duckdb")
    before = statuses(home / "leia.duckdb")

    write_lines(month_path(landing, "2018-02"), next_month(landing))
    accounts = read_lines(snapshot_path(landing, REPORT_SNAPSHOT))
    write_lines(snapshot_path(landing, NEXT_SNAPSHOT), accounts + new_pupils(accounts[0]))

    paths = Paths(landing=landing, home=home)
    code, said = leia_run(paths)
    return Delivered(paths, before, code, said)


@pytest.mark.slow
def test_the_next_month_and_snapshot_publish(delivered: Delivered) -> None:
    assert delivered.code == 0, delivered.said[-4000:]
    published = delivered.paths.warehouse
    assert scalar(published, "select max(partition_month) from raw.auth_events") == "2018-02"
    # the tests of the monthly models checked the month the run rebuilt, not the whole tables
    assert "dbt_build: tests of the monthly models check 2018-02" in delivered.said
    # every figure of the Bilan 2017 keeps its status: each is computed on its own period
    assert statuses(published) == delivered.before
    assert set(delivered.before.values()) <= {"match", "rounding", "mismatch"}


@pytest.mark.slow
def test_the_current_accounts_are_the_newest_snapshot_and_history_stays(
    delivered: Delivered, published: dict[str, float]
) -> None:
    assert delivered.code == 0, delivered.said[-4000:]
    database = delivered.paths.warehouse
    total = int(published["accounts_total"])
    assert scalar(database, "select sum(accounts) from marts.agg_accounts_by_profile") == (
        total + NEW_PUPILS
    )
    by_snapshot = dict(
        duckdb.connect(str(database), read_only=True)
        .execute(
            "select cast(snapshot_date as varchar), sum(accounts) "
            "from marts.agg_accounts_by_snapshot group by 1"
        )
        .fetchall()
    )
    assert by_snapshot[REPORT_SNAPSHOT] == total
    assert by_snapshot[NEXT_SNAPSHOT] == total + NEW_PUPILS
    movements = (
        duckdb.connect(str(database), read_only=True)
        .execute(
            "select movement, profile_code, sum(accounts) from marts.agg_account_movements "
            f"where snapshot_date = '{NEXT_SNAPSHOT}' group by 1, 2"
        )
        .fetchall()
    )
    assert movements == [("created", "eleve", NEW_PUPILS)]


@pytest.mark.slow
def test_a_shorter_report_snapshot_is_refused_naming_the_figure(
    delivered: Delivered, published: dict[str, float]
) -> None:
    assert delivered.code == 0, delivered.said[-4000:]
    paths = delivered.paths
    path = snapshot_path(paths.landing, REPORT_SNAPSHOT)
    accounts = read_lines(path)
    path.unlink()
    write_lines(path, accounts[:-MISSING_ACCOUNTS])
    before = sha256(paths.warehouse)

    code, said = leia_run(paths)

    assert code == 1
    total = int(published["accounts_total"])
    assert (
        f"figure=bilan_2017 accounts_total, period=as of {REPORT_SNAPSHOT}, "
        f"expected={total}, observed={total - MISSING_ACCOUNTS}, status=mismatch"
    ) in said, said[-4000:]
    assert sha256(paths.warehouse) == before, "a refused run changed the published warehouse"
    # the same figure, kept as data in the failed build the run kept for inspection
    kept = max((paths.home / "failed").glob("*.duckdb"))
    assert f"the failed build is kept for inspection: {kept}" in said
    with duckdb.connect(str(kept), read_only=True) as con:
        rows = con.execute(
            "select suite, period, expected, observed, success, severity "
            "from quality.validation_results where check_name = 'bilan_2017 accounts_total'"
        ).fetchall()
    assert rows == [
        (
            "assert_published_figures_reproduced",
            f"as of {REPORT_SNAPSHOT}",
            str(total),
            str(total - MISSING_ACCOUNTS),
            False,
            "error",
        )
    ]


@pytest.mark.slow
def test_demo_data_that_goes_on_gives_a_bilan_for_every_school_year(tmp_path: Path) -> None:
    """`leia generate --until 2019-08`, then `leia run`: the yearly Bilan covers 2015-2016 to
    2018-2019, each year complete. Small extracts: not the Bilan's ENT, its figures not gating."""
    landing, home = tmp_path / "landing", tmp_path / "home"
    with contextlib.redirect_stderr(io.StringIO()):
        assert (
            cli.main(["generate", "--out", str(landing), "--scale", "0.02", "--until", "2019-08"])
            == 0
        )
    errors = io.StringIO()
    with contextlib.redirect_stderr(errors), contextlib.redirect_stdout(io.StringIO()):
        code = cli.main(
            ["run", "--landing", str(landing), "--warehouse-dir", str(home)]
            + ["--audited-reports", "none"]
        )
    assert code == 0, errors.getvalue()[-4000:]
    with duckdb.connect(str(home / "leia.duckdb"), read_only=True) as con:
        years = con.execute(
            "select school_year, year_status, min(period_start), max(period_end), "
            "count(distinct population_snapshot_date) "
            "from marts.agg_bilan_school_year group by 1, 2 order by 1"
        ).fetchall()
        connections = dict(
            con.execute(
                "select school_year, metric_value from marts.agg_bilan_school_year "
                "where metric_code = 'connections'"
            ).fetchall()
        )
        snapshots = con.execute(
            "select count(distinct snapshot_date) from marts.agg_accounts_by_snapshot"
        ).fetchone()[0]
    assert [(y, s) for y, s, *_ in years] == [
        ("2015-2016", "complete"),
        ("2016-2017", "complete"),
        ("2017-2018", "complete"),
        ("2018-2019", "complete"),
    ]
    assert years[-1][3].isoformat() == "2019-08-31"
    assert all(connections[year] > 0 for year, *_ in years)
    assert snapshots == 3  # the report's, 2018-09-01 and 2019-08-31
