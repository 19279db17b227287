"""Tests of the synthetic extracts generator (orchestration/synthetic/generate.py).

Every check reads the generated files back with DuckDB (`read_csv(..., all_varchar=true)`) and
compares them with the report's figures, read from seeds/published_indicators.csv by
indicator_code. The counters returned by `generate()` are never trusted.

Definitions (the report's):
- a connection is an auth_events row with event_type='login' and result='success';
- a school year runs 1 September to 31 August; the last one stops on 2018-01-15;
- the appropriation population is the accounts whose SDET profile maps (seeds/profiles.csv) to a
  report profile with in_appropriation_population=true; the appropriation rate of a year is the
  number of its accounts with at least one connection in the year over its number of accounts;
- a school does not use the ENT in a year if it has no connection at all that year.

The report's figures are computed on the report's own snapshot (accounts_2018-01-15); with
`--until YYYY-MM` the data goes on after the report, with a snapshot on every 1 September after
it and one at the end (tests at the end of this module, at small scales).

Longer than 350 lines because every property of the extracts is checked on the same generation
(a module-scoped fixture at the report's scale): split, each module would generate again.
"""

from __future__ import annotations

import datetime as dt
import gzip
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import duckdb
import pytest

from orchestration import cli
from orchestration.synthetic.generate import generate

SEED = 2017
OTHER_SEED = 2018
SMALL_SCALE = 0.02  # determinism runs
SCALED = 0.05  # the --scale checks
SNAPSHOT = dt.date(2018, 1, 15)  # the report's date: its accounts and sequences snapshots
UNTIL = "2019-08"  # the last month the school calendar seed covers (school year 2018-2019)
UNTIL_LAST_DAY = dt.date(2019, 8, 31)
ROLLOVER = dt.date(2018, 9, 1)  # the first 1 September after the report
TIMESTAMP_FORMAT = "%Y-%m-%dT%H:%M:%S%z"
TIME_ZONE = "Europe/Paris"
SCHOOL_YEARS = {
    "2015-2016": (dt.date(2015, 9, 1), dt.date(2016, 8, 31)),
    "2016-2017": (dt.date(2016, 9, 1), dt.date(2017, 8, 31)),
    "2017-2018": (dt.date(2017, 9, 1), SNAPSHOT),
}
# the report's monthly average for 2017-2018 divides by 4.5 months (September to mid-January)
MONTHS_2017_2018 = 4.5
# the report's "other EPLE" of the 2017-2018 non-using schools are collèges or lycées
CATEGORIES_OF_NOT_USING_INDICATOR = {
    "prive": ("prive",),
    "lycee_agricole": ("lycee_agricole",),
    "lycee_maritime": ("lycee_maritime",),
    "lycee_professionnel": ("lycee_professionnel",),
    "other_eple": ("college", "lycee"),
}
REPORT_PROFILES = ("eleve", "enseignant", "parent", "agent_tos", "admin_invite")
EXTRACT_COLUMNS = {
    "accounts": ("login", "display_name", "profile", "uai", "created_at", "status"),
    "auth_events": (
        "event_time",
        "login",
        "profile",
        "uai",
        "event_type",
        "service",
        "client_ip",
        "result",
    ),
    "pedagogical_sequences": (
        "sequence_id",
        "author_login",
        "uai",
        "subject",
        "created_at",
        "status",
    ),
}


def code(school_year: str) -> str:
    """'2015-2016' -> '2015_2016', as in the indicator codes."""
    return school_year.replace("-", "_")


def expected_months(last: dt.date = SNAPSHOT) -> list[str]:
    first = SCHOOL_YEARS["2015-2016"][0]
    months, day = [], first
    while day <= last:
        months.append(f"{day:%Y-%m}")
        day = (day + dt.timedelta(days=32)).replace(day=1)
    return months


def quoted(path: Path | str) -> str:
    return "'" + str(path).replace("'", "''") + "'"


def scalar(con: duckdb.DuckDBPyConnection, sql: str, params: list[Any] | None = None) -> Any:
    return con.execute(sql, params or []).fetchone()[0]


def rows(con: duckdb.DuckDBPyConnection, sql: str, params: list[Any] | None = None) -> list:
    return con.execute(sql, params or []).fetchall()


def load_extracts(out: Path, seeds_dir: Path) -> duckdb.DuckDBPyConnection:
    """An in-memory DuckDB holding the generated files of `out` and the seeds they refer to.

    `snapshots` holds every accounts snapshot (with its snapshot_date, from the file name),
    `accounts` the report's one (2018-01-15); `sequences` the newest sequences snapshot."""
    con = duckdb.connect()
    con.execute("SET TimeZone = 'UTC'")
    seed = {
        name: quoted(seeds_dir / f"{name}.csv")
        for name in ("schools", "profiles", "services", "school_calendar")
    }
    for table, name in (
        ("seed_schools", "schools"),
        ("seed_services", "services"),
        ("seed_school_calendar", "school_calendar"),
    ):
        con.execute(
            f"CREATE TABLE {table} AS SELECT * FROM read_csv({seed[name]}, all_varchar=true)"
        )
    con.execute(
        f"""
        CREATE TABLE sdet_profiles AS
        SELECT unnest(string_split(sdet_codes, '|')) AS sdet_code, profile_code,
               in_appropriation_population = 'true' AS in_population
        FROM read_csv({seed["profiles"]}, all_varchar=true)
        """
    )
    con.execute("CREATE TABLE school_years (school_year VARCHAR, first_day DATE, last_day DATE)")
    con.executemany(
        "INSERT INTO school_years VALUES (?, ?, ?)",
        [(year, first, last) for year, (first, last) in SCHOOL_YEARS.items()],
    )
    con.execute(
        f"""
        CREATE TABLE snapshots AS
        SELECT a.* EXCLUDE (filename),
               CAST(regexp_extract(filename, 'accounts_(\\d{{4}}-\\d{{2}}-\\d{{2}})\\.csv\\.gz$', 1)
                    AS DATE) AS snapshot_date,
               p.profile_code, coalesce(p.in_population, false) AS in_population
        FROM read_csv({quoted(out / "accounts" / "*.csv.gz")}, all_varchar=true, filename=true) a
        LEFT JOIN sdet_profiles p ON a.profile = p.sdet_code
        """
    )
    con.execute(
        "CREATE TABLE accounts AS SELECT * EXCLUDE (snapshot_date) FROM snapshots "
        "WHERE snapshot_date = ?",
        [SNAPSHOT],
    )
    newest_sequences = sorted((out / "pedagogical_sequences").glob("*.csv.gz"))[-1]
    con.execute(
        f"""
        CREATE TABLE sequences AS
        SELECT *,
               timezone('{TIME_ZONE}', try_strptime(created_at, '{TIMESTAMP_FORMAT}')) AS local_ts
        FROM read_csv({quoted(newest_sequences)}, all_varchar=true)
        """
    )
    con.execute(
        f"""
        CREATE TABLE events AS
        WITH raw AS (
            SELECT * EXCLUDE (filename),
                   regexp_extract(filename, 'auth_events_(\\d{{4}}-\\d{{2}})\\.csv\\.gz$', 1)
                       AS file_month,
                   try_strptime(event_time, '{TIMESTAMP_FORMAT}') AS ts
            FROM read_csv({quoted(out / "auth_events" / "*.csv.gz")}, all_varchar=true,
                          filename=true)
        ), located AS (
            SELECT *, timezone('{TIME_ZONE}', ts) AS local_ts FROM raw
        )
        SELECT e.*, CAST(e.local_ts AS DATE) AS local_date, y.school_year,
               -- the calendar school year (1 September to 31 August) by its first year
               CASE WHEN month(e.local_ts) >= 9 THEN year(e.local_ts)
                    ELSE year(e.local_ts) - 1 END AS school_year_start
        FROM located e
        LEFT JOIN school_years y ON CAST(e.local_ts AS DATE) BETWEEN y.first_day AND y.last_day
        """
    )
    con.execute(
        "CREATE VIEW connections AS SELECT * FROM events "
        "WHERE event_type = 'login' AND result = 'success'"
    )
    return con


def connections_per_year(con: duckdb.DuckDBPyConnection) -> dict[str, int]:
    return dict(rows(con, "SELECT school_year, count(*) FROM connections GROUP BY ALL"))


def accounts_per_profile(con: duckdb.DuckDBPyConnection) -> dict[str, int]:
    return dict(rows(con, "SELECT profile_code, count(*) FROM accounts GROUP BY ALL"))


def appropriation_rate(con: duckdb.DuckDBPyConnection, school_year: str) -> float:
    active = scalar(
        con,
        """
        SELECT count(DISTINCT c.login) FROM connections c JOIN accounts a ON a.login = c.login
        WHERE a.in_population AND c.school_year = ?
        """,
        [school_year],
    )
    population = scalar(con, "SELECT count(*) FROM accounts WHERE in_population")
    assert population > 0, "no account of the appropriation population in the accounts file"
    return active / population


def schools_without_connections(con: duckdb.DuckDBPyConnection, school_year: str) -> set[str]:
    return {
        uai
        for (uai,) in rows(
            con,
            """
            SELECT uai FROM seed_schools
            EXCEPT SELECT DISTINCT uai FROM connections WHERE school_year = ?
            """,
            [school_year],
        )
    }


# ---------------------------------------------------------------------------------- fixtures


@pytest.fixture(scope="session")
def full_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The extracts at scale 1 (the report's figures), generated once per session (~20 s)."""
    out = tmp_path_factory.mktemp("extracts_scale_1")
    generate(out, seed=SEED, scale=1.0)
    return out


@pytest.fixture(scope="session")
def db(full_run: Path, seeds_dir: Path) -> Iterator[duckdb.DuckDBPyConnection]:
    con = load_extracts(full_run, seeds_dir)
    yield con
    con.close()


@pytest.fixture(scope="module")
def small_runs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Two runs with the same seed and one with another seed, at a small scale."""
    runs = {}
    for name, seed in (("first", SEED), ("again", SEED), ("other_seed", OTHER_SEED)):
        out = tmp_path_factory.mktemp(f"extracts_{name}")
        generate(out, seed=seed, scale=SMALL_SCALE)
        runs[name] = out
    return runs


@pytest.fixture(scope="module")
def scaled_db(
    tmp_path_factory: pytest.TempPathFactory, seeds_dir: Path
) -> Iterator[duckdb.DuckDBPyConnection]:
    out = tmp_path_factory.mktemp(f"extracts_scale_{SCALED}")
    generate(out, seed=SEED, scale=SCALED)
    con = load_extracts(out, seeds_dir)
    yield con
    con.close()


# ------------------------------------------------------------------- files and their format


def snapshot_files(out: Path, extract: str) -> list[str]:
    return sorted(p.name for p in (out / extract).iterdir())


def test_writes_one_auth_events_file_per_month_and_the_snapshots(full_run: Path) -> None:
    months = sorted(p.name for p in (full_run / "auth_events").iterdir())
    expected = [f"auth_events_{month}.csv.gz" for month in expected_months()]
    assert len(expected) == 29
    assert months == expected, f"auth_events files: {months}, expected {expected}"
    # no directory before the report's: the report gives only that one
    assert snapshot_files(full_run, "accounts") == [f"accounts_{SNAPSHOT}.csv.gz"]
    assert snapshot_files(full_run, "pedagogical_sequences") == [
        f"pedagogical_sequences_{SNAPSHOT}.csv.gz"
    ]


@pytest.mark.parametrize("extract", sorted(EXTRACT_COLUMNS))
def test_files_have_the_contract_columns(full_run: Path, extract: str) -> None:
    # the header line itself (a sniffer could take a bad header for data)
    for path in sorted((full_run / extract).iterdir()):
        with gzip.open(path, "rt", encoding="utf-8") as handle:
            header = tuple(handle.readline().rstrip("\n").split(","))
        assert header == EXTRACT_COLUMNS[extract], f"{path.name}: header {header}"


def test_value_domains(db: duckdb.DuckDBPyConnection) -> None:
    pairs = set(rows(db, "SELECT DISTINCT event_type, result FROM events"))
    assert pairs <= {
        ("login", "success"),
        ("login", "failure"),
        ("service_access", "success"),
        ("service_access", "failure"),
    }, f"unexpected (event_type, result) pairs: {pairs}"
    statuses = {s for (s,) in rows(db, "SELECT DISTINCT status FROM accounts")}
    assert statuses <= {"active", "disabled"}, f"account statuses: {statuses}"
    statuses = {s for (s,) in rows(db, "SELECT DISTINCT status FROM sequences")}
    assert statuses <= {"published", "draft"}, f"sequence statuses: {statuses}"
    unknown_services = rows(
        db,
        """
        SELECT DISTINCT service FROM events
        WHERE service IS NULL OR service NOT IN (SELECT service_code FROM seed_services)
        """,
    )
    assert not unknown_services, f"services not in seeds/services.csv: {unknown_services}"


# ------------------------------------------------------------------ the report's figures (scale 1)


@pytest.mark.parametrize("school_year", sorted(SCHOOL_YEARS))
def test_connections_per_school_year(
    db: duckdb.DuckDBPyConnection, published: dict[str, float], school_year: str
) -> None:
    expected = int(published[f"connections_{code(school_year)}"])
    found = connections_per_year(db).get(school_year, 0)
    assert found == expected, f"{school_year}: {found} connections in the files, report {expected}"


def test_every_connection_falls_in_a_school_year(db: duckdb.DuckDBPyConnection) -> None:
    outside = scalar(db, "SELECT count(*) FROM connections WHERE school_year IS NULL")
    assert outside == 0, f"{outside} connections outside the three school years"


@pytest.mark.parametrize("profile", REPORT_PROFILES)
def test_accounts_per_report_profile(
    db: duckdb.DuckDBPyConnection, published: dict[str, float], profile: str
) -> None:
    expected = int(published[f"accounts_{profile}"])
    found = accounts_per_profile(db).get(profile, 0)
    assert found == expected, f"{profile}: {found} accounts in the file, report {expected}"


def test_accounts_total(db: duckdb.DuckDBPyConnection, published: dict[str, float]) -> None:
    unmapped = rows(db, "SELECT DISTINCT profile FROM accounts WHERE profile_code IS NULL")
    assert not unmapped, f"SDET profiles not in seeds/profiles.csv: {unmapped}"
    total = scalar(db, "SELECT count(*) FROM accounts")
    assert total == int(published["accounts_total"]), (
        f"{total} accounts, report {int(published['accounts_total'])}"
    )
    distinct = scalar(db, "SELECT count(DISTINCT login) FROM accounts")
    assert distinct == total, f"{total - distinct} duplicated logins in the accounts file"


@pytest.mark.parametrize("school_year", sorted(SCHOOL_YEARS))
def test_appropriation_rate(
    db: duckdb.DuckDBPyConnection,
    published: dict[str, float],
    tolerance: dict[str, float],
    school_year: str,
) -> None:
    indicator = f"appropriation_rate_{code(school_year)}"
    rate = appropriation_rate(db, school_year)
    assert abs(rate - published[indicator]) <= tolerance[indicator] + 1e-12, (
        f"{school_year}: appropriation rate {rate:.4f}, report {published[indicator]} "
        f"(± {tolerance[indicator]})"
    )


@pytest.mark.parametrize("school_year", sorted(SCHOOL_YEARS))
def test_schools_not_using_the_ent(
    db: duckdb.DuckDBPyConnection,
    published: dict[str, float],
    calibration_yaml: dict[str, Any],
    school_year: str,
) -> None:
    not_using = schools_without_connections(db, school_year)
    expected_count = int(published[f"schools_not_using_{code(school_year)}"])
    assert len(not_using) == expected_count, (
        f"{school_year}: {len(not_using)} schools without connections {sorted(not_using)}, "
        f"report {expected_count}"
    )
    (entry,) = [y for y in calibration_yaml["school_years"] if y["school_year"] == school_year]
    listed = {str(uai) for uai in entry["schools_not_using"]}
    assert not_using == listed, (
        f"{school_year}: schools without connections differ from the calibration's list: "
        f"missing {sorted(listed - not_using)}, unexpected {sorted(not_using - listed)}"
    )


def test_schools_not_using_2017_2018_by_category(
    db: duckdb.DuckDBPyConnection,
    published: dict[str, float],
    schools_seed: list[dict[str, str]],
) -> None:
    category = {s["uai"]: s["bilan_category"] for s in schools_seed}
    not_using = schools_without_connections(db, "2017-2018")
    found = {
        suffix: sorted(uai for uai in not_using if category[uai] in categories)
        for suffix, categories in CATEGORIES_OF_NOT_USING_INDICATOR.items()
    }
    expected = {
        suffix: int(published[f"schools_not_using_2017_2018_{suffix}"])
        for suffix in CATEGORIES_OF_NOT_USING_INDICATOR
    }
    assert {suffix: len(uais) for suffix, uais in found.items()} == expected, (
        f"2017-2018 schools without connections by category: {found}, report {expected}"
    )


def test_a_2017_2018_month_peaks_above_the_report(
    db: duckdb.DuckDBPyConnection, published: dict[str, float]
) -> None:
    per_month = dict(
        rows(
            db,
            """
            SELECT strftime(local_ts, '%Y-%m'), count(*) FROM connections
            WHERE school_year = '2017-2018' GROUP BY ALL
            """,
        )
    )
    peak = published["peak_month_connections_2017_2018"]
    assert any(count > peak for count in per_month.values()), (
        f"no 2017-2018 month above {peak:.0f} connections: {per_month}"
    )


def test_2017_2018_monthly_average_of_the_appropriation_population(
    db: duckdb.DuckDBPyConnection, published: dict[str, float]
) -> None:
    total = scalar(
        db,
        """
        SELECT count(*) FROM connections c JOIN accounts a ON a.login = c.login
        WHERE a.in_population AND c.school_year = '2017-2018'
        """,
    )
    average = total / MONTHS_2017_2018
    threshold = published["monthly_average_connections_appropriation_2017_2018"]
    assert average > threshold, (
        f"2017-2018: {total} connections of the appropriation population, "
        f"{average:.0f} a month, the report says more than {threshold:.0f}"
    )


def test_pedagogical_sequences_by_end_2017(
    db: duckdb.DuckDBPyConnection, published: dict[str, float], tolerance: dict[str, float]
) -> None:
    unparsable = scalar(db, "SELECT count(*) FROM sequences WHERE local_ts IS NULL")
    assert unparsable == 0, f"{unparsable} sequences with an unparsable created_at"
    count = scalar(db, "SELECT count(*) FROM sequences WHERE local_ts < TIMESTAMP '2018-01-01'")
    target = published["pedagogical_sequences_end_2017"]
    allowed = tolerance["pedagogical_sequences_end_2017"]
    assert target - allowed <= count <= target, (
        f"{count} sequences created before 2018, the report says 'près de' {target:.0f} "
        f"(tolerance {allowed:.0f}, never above)"
    )


def test_three_most_accessed_tools(
    db: duckdb.DuckDBPyConnection, published: dict[str, float]
) -> None:
    top = rows(
        db,
        """
        SELECT s.tool_code, count(*) AS accesses
        FROM events e JOIN seed_services s ON s.service_code = e.service
        WHERE e.event_type = 'service_access'
        GROUP BY ALL ORDER BY accesses DESC LIMIT 4
        """,
    )
    prefix = "top3_tool_"
    expected = {c.removeprefix(prefix) for c, v in published.items() if c.startswith(prefix) and v}
    assert len(expected) == 3, f"the seed should name three tools, got {expected}"
    assert {tool for tool, _ in top[:3]} == expected, (
        f"most accessed tools {top}, the report's three are {sorted(expected)}"
    )
    assert len(top) < 4 or top[2][1] > top[3][1], f"tie for the third most accessed tool: {top}"


def test_activity_drops_in_the_christmas_holidays(
    db: duckdb.DuckDBPyConnection, school_calendar_seed: list[dict[str, str]]
) -> None:
    holidays = [
        (dt.date.fromisoformat(r["first_day_off"]), dt.date.fromisoformat(r["classes_resume_on"]))
        for r in school_calendar_seed
    ]
    (noel,) = [
        r
        for r in school_calendar_seed
        if r["school_year"] == "2016-2017" and r["holiday_code"] == "noel"
    ]
    start = dt.date.fromisoformat(noel["first_day_off"])
    end = dt.date.fromisoformat(noel["classes_resume_on"])

    def weekdays(first: dt.date, stop: dt.date) -> list[dt.date]:
        days = (first + dt.timedelta(days=i) for i in range((stop - first).days))
        return [d for d in days if d.weekday() < 5]

    holiday_days = weekdays(start, end)
    school_days = [
        d
        for d in weekdays(dt.date(2016, 12, 1), dt.date(2017, 1, 1))
        if not any(first <= d < stop for first, stop in holidays)
    ]
    assert holiday_days and school_days
    per_day = dict(
        rows(
            db,
            "SELECT local_date, count(*) FROM connections WHERE local_date BETWEEN ? AND ? "
            "GROUP BY ALL",
            [dt.date(2016, 12, 1), end],
        )
    )
    holiday_mean = sum(per_day.get(d, 0) for d in holiday_days) / len(holiday_days)
    school_mean = sum(per_day.get(d, 0) for d in school_days) / len(school_days)
    assert school_mean > 0, "no connection on the school days of December 2016"
    assert holiday_mean < 0.5 * school_mean, (
        f"Christmas 2016 holidays: {holiday_mean:.0f} connections per weekday, school weekdays "
        f"of December 2016: {school_mean:.0f}; activity should drop clearly"
    )


# ---------------------------------------------------------------------------- consistency


@pytest.mark.parametrize("table", ["accounts", "events", "sequences"])
def test_every_uai_is_a_known_school(db: duckdb.DuckDBPyConnection, table: str) -> None:
    unknown = rows(
        db,
        f"""
        SELECT DISTINCT uai FROM {table}
        WHERE uai IS NULL OR uai NOT IN (SELECT uai FROM seed_schools)
        """,
    )
    assert not unknown, f"{table}: UAIs not in seeds/schools.csv: {unknown[:10]}"


def test_event_times_parse_with_their_offset_inside_their_file_month(
    db: duckdb.DuckDBPyConnection,
) -> None:
    bad = rows(
        db,
        """
        SELECT file_month, event_time FROM events
        WHERE NOT regexp_full_match(event_time, ?) OR ts IS NULL
        LIMIT 10
        """,
        [r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}[+-]\d{2}:\d{2}"],
    )
    assert not bad, f"event_time not ISO 8601 with an offset: {bad}"
    # the local time written must be the Europe/Paris wall-clock time of the instant
    wrong_offset = rows(
        db,
        """
        SELECT event_time, strftime(local_ts, '%Y-%m-%dT%H:%M:%S') AS paris FROM events
        WHERE strftime(local_ts, '%Y-%m-%dT%H:%M:%S') <> left(event_time, 19) LIMIT 10
        """,
    )
    assert not wrong_offset, f"offset is not the Europe/Paris one: {wrong_offset}"
    outside = rows(
        db,
        """
        SELECT file_month, event_time FROM events
        WHERE strftime(local_ts, '%Y-%m') <> file_month OR file_month = '' LIMIT 10
        """,
    )
    assert not outside, f"events outside the month of their file: {outside}"


def test_no_event_after_the_snapshot(db: duckdb.DuckDBPyConnection) -> None:
    late = scalar(db, "SELECT count(*) FROM events WHERE local_date > ?", [SNAPSHOT])
    last = scalar(db, "SELECT max(event_time) FROM events WHERE local_date > ?", [SNAPSHOT])
    assert late == 0, f"{late} events after {SNAPSHOT} (last: {last})"


def test_snapshots_are_not_after_the_snapshot_date(db: duckdb.DuckDBPyConnection) -> None:
    bad_dates = rows(
        db,
        "SELECT login, created_at FROM accounts "
        "WHERE try_cast(created_at AS DATE) IS NULL OR CAST(created_at AS DATE) > ? LIMIT 10",
        [SNAPSHOT],
    )
    assert not bad_dates, f"accounts with a bad or future created_at: {bad_dates}"
    late = rows(
        db,
        "SELECT sequence_id, created_at FROM sequences WHERE CAST(local_ts AS DATE) > ? LIMIT 10",
        [SNAPSHOT],
    )
    assert not late, f"sequences created after {SNAPSHOT}: {late}"


def test_events_belong_to_accounts_of_the_file(db: duckdb.DuckDBPyConnection) -> None:
    orphans = rows(
        db,
        """
        SELECT DISTINCT e.login FROM events e
        WHERE NOT EXISTS (SELECT 1 FROM accounts a WHERE a.login = e.login) LIMIT 10
        """,
    )
    assert not orphans, f"logins of auth_events missing from the accounts file: {orphans}"
    mismatched = rows(
        db,
        """
        SELECT e.login, e.profile, a.profile, e.uai, a.uai FROM events e
        JOIN accounts a ON a.login = e.login
        WHERE e.profile <> a.profile OR e.uai <> a.uai LIMIT 10
        """,
    )
    assert not mismatched, f"events whose profile or uai differ from the account's: {mismatched}"


def test_accounts_are_created_before_their_first_connection(
    db: duckdb.DuckDBPyConnection,
) -> None:
    late = rows(
        db,
        """
        SELECT c.login, c.school_year, any_value(a.created_at) AS created_at,
               min(c.event_time) AS first_connection
        FROM connections c JOIN accounts a ON a.login = c.login
        GROUP BY c.login, c.school_year
        HAVING CAST(any_value(a.created_at) AS DATE) > min(c.local_date)
        LIMIT 10
        """,
    )
    assert not late, f"accounts created after their first connection of a year: {late}"


# ------------------------------------------------------------------------------ determinism


def file_bytes(out: Path) -> dict[str, bytes]:
    """Every extract file of `out` as written (gzip included), by path relative to `out`."""
    return {str(path.relative_to(out)): path.read_bytes() for path in sorted(out.rglob("*.csv.gz"))}


def test_same_seed_gives_identical_files(small_runs: dict[str, Path]) -> None:
    # byte for byte, gzip header included (no time stamp): a file written again unchanged keeps
    # its SHA-256, so the loader does not load it again
    first, again = file_bytes(small_runs["first"]), file_bytes(small_runs["again"])
    assert len(first) == 29 + 1 + 1, f"expected 31 files, got {sorted(first)}"
    assert sorted(first) == sorted(again), "the two runs wrote different files"
    differing = [name for name in first if first[name] != again[name]]
    assert not differing, f"same seed, different bytes: {differing}"


def test_other_seed_gives_other_logins(small_runs: dict[str, Path]) -> None:
    def logins(out: Path) -> set[str]:
        path = quoted(out / "accounts" / f"accounts_{SNAPSHOT}.csv.gz")
        return {
            login
            for (login,) in duckdb.sql(
                f"SELECT login FROM read_csv({path}, all_varchar=true)"
            ).fetchall()
        }

    first, other = logins(small_runs["first"]), logins(small_runs["other_seed"])
    assert first and other
    assert first != other, f"seeds {SEED} and {OTHER_SEED} produced the same logins"
    shared = len(first & other) / len(first)
    assert shared < 0.5, f"seeds {SEED} and {OTHER_SEED} share {shared:.0%} of their logins"


# ---------------------------------------------------------------------------------- --scale


@pytest.mark.parametrize("profile", REPORT_PROFILES)
def test_scaled_accounts_per_profile(
    scaled_db: duckdb.DuckDBPyConnection, published: dict[str, float], profile: str
) -> None:
    expected = round(published[f"accounts_{profile}"] * SCALED)
    found = accounts_per_profile(scaled_db).get(profile, 0)
    assert abs(found - expected) <= 1, (
        f"scale {SCALED}: {found} {profile} accounts, expected {expected} (± 1)"
    )


@pytest.mark.parametrize("school_year", sorted(SCHOOL_YEARS))
def test_scaled_connections_per_school_year(
    scaled_db: duckdb.DuckDBPyConnection, published: dict[str, float], school_year: str
) -> None:
    expected = round(published[f"connections_{code(school_year)}"] * SCALED)
    found = connections_per_year(scaled_db).get(school_year, 0)
    assert abs(found - expected) <= 1, (
        f"scale {SCALED}, {school_year}: {found} connections, expected {expected} (± 1)"
    )


@pytest.mark.parametrize("school_year", sorted(SCHOOL_YEARS))
def test_scaled_appropriation_rate(
    scaled_db: duckdb.DuckDBPyConnection, published: dict[str, float], school_year: str
) -> None:
    expected = published[f"appropriation_rate_{code(school_year)}"]
    rate = appropriation_rate(scaled_db, school_year)
    assert abs(rate - expected) <= 0.01, (
        f"scale {SCALED}, {school_year}: appropriation rate {rate:.4f}, report {expected} (± 0.01)"
    )


# ------------------------------------------------------------------------------- bad input


@pytest.mark.parametrize("scale", [0, 0.0, -1.0])
def test_non_positive_scale_is_rejected(tmp_path: Path, scale: float) -> None:
    out = tmp_path / "out"
    with pytest.raises(ValueError):
        generate(out, seed=SEED, scale=scale)
    assert not out.exists() or not any(out.iterdir()), "files written despite a bad scale"


def test_marker_records_the_run(small_runs: dict[str, Path]) -> None:
    marker = json.loads((small_runs["first"] / "_synthetic_extracts.json").read_text())
    assert marker["until"] is None, marker
    assert (marker["seed"], marker["scale"], marker["last_day"]) == (
        SEED,
        SMALL_SCALE,
        SNAPSHOT.isoformat(),
    ), marker


# ------------------------------------------------------------------ --until: after the report
# Everything up to the report's date is the default run's; then the report's school year goes on
# to 31 August and the next ones follow the calibration's `continuation` trends.


@pytest.fixture(scope="module")
def until_runs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """--until runs: to the last month the school calendar covers, at the small scale and at the
    smallest scale the warehouse's checks must accept; and a shorter one."""
    runs = {}
    for name, scale, until in (
        ("until", SMALL_SCALE, UNTIL),
        ("until_smallest", 0.01, UNTIL),
        ("until_2018_09", SMALL_SCALE, "2018-09"),
    ):
        out = tmp_path_factory.mktemp(f"extracts_{name}")
        generate(out, seed=SEED, scale=scale, until=until)
        runs[name] = out
    return runs


@pytest.fixture(scope="module")
def until_db(until_runs: dict[str, Path], seeds_dir: Path) -> Iterator[duckdb.DuckDBPyConnection]:
    con = load_extracts(until_runs["until"], seeds_dir)
    yield con
    con.close()


@pytest.fixture(scope="module")
def until_smallest_db(
    until_runs: dict[str, Path], seeds_dir: Path
) -> Iterator[duckdb.DuckDBPyConnection]:
    con = load_extracts(until_runs["until_smallest"], seeds_dir)
    yield con
    con.close()


def test_until_writes_every_month_and_the_snapshots(until_runs: dict[str, Path]) -> None:
    out = until_runs["until"]
    months = sorted(p.name for p in (out / "auth_events").iterdir())
    expected = [f"auth_events_{month}.csv.gz" for month in expected_months(UNTIL_LAST_DAY)]
    assert len(expected) == 48
    assert months == expected, f"auth_events files: {months}"
    dates = (SNAPSHOT, ROLLOVER, UNTIL_LAST_DAY)
    assert snapshot_files(out, "accounts") == [f"accounts_{day}.csv.gz" for day in dates]
    assert snapshot_files(out, "pedagogical_sequences") == [
        f"pedagogical_sequences_{day}.csv.gz" for day in (SNAPSHOT, UNTIL_LAST_DAY)
    ]
    marker = json.loads((out / "_synthetic_extracts.json").read_text())
    assert (marker["until"], marker["last_day"]) == (UNTIL, UNTIL_LAST_DAY.isoformat()), marker


def test_until_keeps_everything_up_to_the_report(
    small_runs: dict[str, Path], until_runs: dict[str, Path]
) -> None:
    default, continued = file_bytes(small_runs["first"]), file_bytes(until_runs["until"])
    missing = sorted(set(default) - set(continued))
    assert not missing, f"files of the default run missing with --until: {missing}"
    report_month = "auth_events/auth_events_2018-01.csv.gz"
    differing = [n for n in default if n != report_month and default[n] != continued[n]]
    assert not differing, f"--until changed files of the default run: {differing}"

    # the report's month: the same lines for 1-15 January, then 16-31 January, in time order
    before = gzip.decompress(default[report_month]).decode().splitlines()
    after = gzip.decompress(continued[report_month]).decode().splitlines()
    assert after[: len(before)] == before, "--until changed the lines of 1-15 January 2018"
    added = after[len(before) :]
    assert added, "no event after the report's date in January 2018"
    days = {line[:10] for line in added}
    assert min(days) > SNAPSHOT.isoformat() and max(days) <= "2018-01-31", sorted(days)
    times = [line.split(",", 1)[0] for line in after[1:]]  # one offset (+01:00) in January
    assert times == sorted(times), "the events of January 2018 are not in time order"


def test_a_shorter_until_gives_the_same_months(until_runs: dict[str, Path]) -> None:
    shorter, longer = file_bytes(until_runs["until_2018_09"]), file_bytes(until_runs["until"])
    end_snapshots = {
        "accounts/accounts_2018-09-30.csv.gz",
        "pedagogical_sequences/pedagogical_sequences_2018-09-30.csv.gz",
    }
    assert end_snapshots <= set(shorter), sorted(shorter)
    differing = [n for n in set(shorter) - end_snapshots if shorter[n] != longer.get(n)]
    assert not differing, f"--until 2018-09 and --until {UNTIL} differ: {sorted(differing)}"
    # nobody comes or goes during September: the end snapshot is the 1 September one
    assert gzip.decompress(shorter["accounts/accounts_2018-09-30.csv.gz"]) == gzip.decompress(
        longer[f"accounts/accounts_{ROLLOVER}.csv.gz"]
    )


def test_sequences_go_on_after_the_report(until_runs: dict[str, Path]) -> None:
    folder = until_runs["until"] / "pedagogical_sequences"

    def lines(day: dt.date) -> list[str]:
        path = folder / f"pedagogical_sequences_{day}.csv.gz"
        return gzip.decompress(path.read_bytes()).decode().splitlines()

    report, newest = lines(SNAPSHOT), lines(UNTIL_LAST_DAY)
    assert newest[: len(report)] == report, "the sequences of the report's snapshot changed"
    later = [line.split(",") for line in newest[len(report) :]]
    assert later, "no pedagogical sequence created after the report"
    created = sorted(fields[4][:10] for fields in later)
    assert SNAPSHOT.isoformat() < created[0] and created[-1] <= UNTIL_LAST_DAY.isoformat()
    ids = [line.split(",", 1)[0] for line in newest[1:]]
    assert len(ids) == len(set(ids)), "duplicated sequence_id"


def test_directory_movements_between_the_report_and_the_rollover(
    until_db: duckdb.DuckDBPyConnection,
) -> None:
    def moves(where: str) -> int:
        return scalar(
            until_db,
            f"""
            SELECT count(*)
            FROM (SELECT * FROM snapshots WHERE snapshot_date = ?) j
            JOIN (SELECT * FROM snapshots WHERE snapshot_date = ?) s USING (login)
            JOIN seed_schools js ON js.uai = j.uai
            JOIN seed_schools ss ON ss.uai = s.uai
            WHERE {where}
            """,
            [SNAPSHOT, ROLLOVER],
        )

    created = rows(
        until_db,
        """
        SELECT login, created_at FROM snapshots WHERE snapshot_date = ?
        AND login NOT IN (SELECT login FROM snapshots WHERE snapshot_date <= ?)
        """,
        [ROLLOVER, SNAPSHOT],
    )
    assert created, "no account created between the report and the rollover"
    late = [r for r in created if not SNAPSHOT < dt.date.fromisoformat(r[1]) <= ROLLOVER]
    assert not late, f"new accounts created outside ({SNAPSHOT}, {ROLLOVER}]: {late[:5]}"
    closed = scalar(
        until_db,
        """
        SELECT count(*) FROM snapshots WHERE snapshot_date = ?
        AND login NOT IN (SELECT login FROM snapshots WHERE snapshot_date = ?)
        """,
        [SNAPSHOT, ROLLOVER],
    )
    assert closed > 0, "no account closed at the rollover"
    reopened = scalar(
        until_db,
        """
        SELECT count(*) FROM snapshots s WHERE snapshot_date = ? AND login IN (
            SELECT login FROM snapshots WHERE snapshot_date = ?
            EXCEPT SELECT login FROM snapshots WHERE snapshot_date = ?)
        """,
        [UNTIL_LAST_DAY, SNAPSHOT, ROLLOVER],
    )
    assert reopened == 0, f"{reopened} closed accounts back in the newest snapshot"
    to_lycee = moves(
        "j.profile_code = 'eleve' AND js.bilan_category = 'college' "
        "AND ss.bilan_category IN ('lycee', 'lycee_professionnel')"
    )
    assert to_lycee > 0, "no pupil went on from a collège to a lycée"
    teachers = moves("j.profile_code = 'enseignant' AND j.uai <> s.uai")
    assert teachers > 0, "no teacher changed school"
    profiles = moves("j.profile <> s.profile")
    assert profiles > 0, "no account changed profile"
    duplicated = rows(
        until_db,
        "SELECT snapshot_date, login FROM snapshots GROUP BY ALL HAVING count(*) > 1 LIMIT 5",
    )
    assert not duplicated, f"duplicated logins in a snapshot: {duplicated}"


def test_no_event_by_an_account_closed_or_not_yet_created(
    until_db: duckdb.DuckDBPyConnection,
) -> None:
    until_db.execute(
        """
        CREATE OR REPLACE TEMP TABLE lifetimes AS
        WITH presence AS (
            SELECT login, max(snapshot_date) AS last_seen, min(created_at) AS created_at,
                   count(DISTINCT created_at) AS creation_dates
            FROM snapshots GROUP BY login
        )
        SELECT p.*, CAST(p.created_at AS DATE) AS created_on,
               -- closed by the first snapshot after the last one that holds the account
               (SELECT min(snapshot_date) FROM snapshots s WHERE s.snapshot_date > p.last_seen)
                   AS closed_by
        FROM presence p
        """
    )
    changing = rows(until_db, "SELECT login FROM lifetimes WHERE creation_dates > 1 LIMIT 5")
    assert not changing, f"accounts whose created_at differs between snapshots: {changing}"
    bad = rows(
        until_db,
        """
        SELECT e.login, e.event_time, l.created_on, l.closed_by FROM events e
        LEFT JOIN lifetimes l USING (login)
        WHERE l.login IS NULL OR e.local_date < l.created_on OR e.local_date >= l.closed_by
        LIMIT 10
        """,
    )
    assert not bad, f"events by accounts absent, not yet created or closed: {bad}"
    closed_with_events = scalar(
        until_db,
        "SELECT count(DISTINCT login) FROM events JOIN lifetimes USING (login) "
        "WHERE closed_by IS NOT NULL",
    )
    assert closed_with_events > 0, "no closed account had events before its closure"


def test_events_carry_the_account_of_their_day(until_db: duckdb.DuckDBPyConnection) -> None:
    # the directory changes on 1 September, the day of a snapshot: an event's school and profile
    # are those of the latest snapshot on or before its day (before the report's snapshot, the
    # first one: nobody moves before the report)
    bad = rows(
        until_db,
        """
        WITH dates AS (SELECT DISTINCT snapshot_date FROM snapshots)
        SELECT e.login, e.event_time, e.uai, s.uai, e.profile, s.profile
        FROM events e
        ASOF LEFT JOIN dates d ON e.local_date >= d.snapshot_date
        LEFT JOIN snapshots s
            ON s.snapshot_date = coalesce(d.snapshot_date, (SELECT min(snapshot_date) FROM dates))
            AND s.login = e.login
        WHERE s.login IS NULL OR s.uai <> e.uai OR s.profile <> e.profile
        LIMIT 10
        """,
    )
    assert not bad, f"events whose school or profile is not the account's that day: {bad}"


def test_every_account_with_an_event_connects_that_school_year(
    until_db: duckdb.DuckDBPyConnection,
) -> None:
    silent = rows(
        until_db,
        """
        SELECT login, school_year_start FROM events GROUP BY ALL
        HAVING count(*) FILTER (WHERE event_type = 'login' AND result = 'success') = 0 LIMIT 10
        """,
    )
    assert not silent, f"accounts with events but no connection in a school year: {silent}"


def test_monthly_connections_follow_the_growth(
    until_db: duckdb.DuckDBPyConnection, calibration_yaml: dict[str, Any]
) -> None:
    growth = {str(k): v for k, v in calibration_yaml["continuation"]["connections_growth"].items()}
    per_month = dict(
        rows(until_db, "SELECT strftime(local_ts, '%Y-%m'), count(*) FROM connections GROUP BY 1")
    )
    checked = 0
    for month in expected_months(UNTIL_LAST_DAY):
        year, number = int(month[:4]), int(month[5:])
        if month < "2018-01":
            continue
        start = year if number >= 9 else year - 1
        expected = growth[f"{start}-{start + 1}"] * per_month[f"{year - 1}-{number:02d}"]
        assert abs(per_month[month] - expected) <= 1, (
            f"{month}: {per_month[month]} connections, expected {expected:.0f} (the same month "
            "a year earlier times the growth of its school year)"
        )
        checked += 1
    assert checked == 20


def test_the_appropriation_rate_rises_and_schools_start(
    until_db: duckdb.DuckDBPyConnection,
    published: dict[str, float],
    calibration_yaml: dict[str, Any],
) -> None:
    continuation = calibration_yaml["continuation"]
    expected = min(
        published["appropriation_rate_2017_2018"] + continuation["appropriation_rate_step"],
        continuation["appropriation_rate_cap"],
    )
    active, population = rows(
        until_db,
        """
        SELECT
            (SELECT count(DISTINCT c.login) FROM connections c
             JOIN snapshots a ON a.login = c.login AND a.snapshot_date = ?
             WHERE a.in_population AND c.school_year_start = 2018),
            (SELECT count(*) FROM snapshots WHERE snapshot_date = ? AND in_population)
        """,
        [ROLLOVER, ROLLOVER],
    )[0]
    rate = active / population
    assert abs(rate - expected) <= 0.005, (
        f"2018-2019: appropriation rate {rate:.4f} over the {ROLLOVER} directory, "
        f"expected {expected:.2f} (2017-2018 + step, at most the cap)"
    )
    not_using = {
        uai
        for (uai,) in rows(
            until_db,
            "SELECT uai FROM seed_schools "
            "EXCEPT SELECT uai FROM connections WHERE school_year_start = 2018",
        )
    }
    (report_year,) = [
        y for y in calibration_yaml["school_years"] if y["school_year"] == "2017-2018"
    ]
    before = {str(uai) for uai in report_year["schools_not_using"]}
    assert not_using < before, f"2018-2019 schools without connections: {sorted(not_using)}"
    assert len(before) - len(not_using) == continuation["schools_starting_per_year"]


# --------------------------------------------------------- the warehouse's invariants (blocking)
DATASETS = ("db", "until_db", "until_smallest_db")  # scale 1 to the report; --until at 0.02, 0.01


@pytest.fixture(params=DATASETS)
def dataset(request: pytest.FixtureRequest) -> duckdb.DuckDBPyConnection:
    return request.getfixturevalue(request.param)


def test_every_month_is_present(dataset: duckdb.DuckDBPyConnection) -> None:
    months = [m for (m,) in rows(dataset, "SELECT DISTINCT file_month FROM events ORDER BY 1")]
    first, last = (
        dt.date.fromisoformat(f"{months[0]}-01"),
        dt.date.fromisoformat(f"{months[-1]}-01"),
    )
    expected, day = [], first
    while day <= last:
        expected.append(f"{day:%Y-%m}")
        day = (day + dt.timedelta(days=32)).replace(day=1)
    assert months == expected, f"missing months: {sorted(set(expected) - set(months))}"


def test_connections_per_day_keep_up_with_a_year_earlier(
    dataset: duckdb.DuckDBPyConnection,
) -> None:
    # per covered day: the newest month counts its days up to its last event day
    low = rows(
        dataset,
        """
        WITH months AS (
            SELECT date_trunc('month', local_date) AS m, count(*) AS n FROM connections
            GROUP BY 1
        ), last_event AS (SELECT max(local_date) AS d FROM events),
        per_day AS (
            SELECT m, n / (datediff('day', m, least(m + INTERVAL 1 MONTH,
                                                     (SELECT d FROM last_event) + 1))) AS v
            FROM months
        )
        SELECT a.m, a.v, b.v FROM per_day a JOIN per_day b ON b.m = a.m - INTERVAL 1 YEAR
        WHERE a.v < 0.3 * b.v
        """,
    )
    assert not low, f"months under 0.3 x the connections per day of a year earlier: {low}"


def test_no_day_far_above_the_median_school_day(dataset: duckdb.DuckDBPyConnection) -> None:
    high = rows(
        dataset,
        """
        WITH bounds AS (SELECT min(local_date) AS first, max(local_date) AS last FROM events),
        days AS (
            SELECT CAST(d AS DATE) AS d
            FROM bounds, range(bounds.first, bounds.last + 1, INTERVAL 1 DAY) AS t(d)
        ), daily AS (SELECT local_date AS d, count(*) AS n FROM connections GROUP BY 1),
        calendar AS (
            SELECT days.d, coalesce(daily.n, 0) AS n,
                   CASE WHEN month(days.d) >= 9 THEN year(days.d) ELSE year(days.d) - 1 END
                       AS school_year_start,
                   isodow(days.d) >= 6 OR EXISTS (
                       SELECT 1 FROM seed_school_calendar h
                       WHERE days.d >= CAST(h.first_day_off AS DATE)
                         AND days.d < CAST(h.classes_resume_on AS DATE)) AS day_off
            FROM days LEFT JOIN daily USING (d)
        ), medians AS (
            SELECT school_year_start, median(n) AS median FROM calendar WHERE NOT day_off
            GROUP BY 1
        )
        SELECT c.d, c.n, c.day_off, m.median
        FROM calendar c JOIN medians m USING (school_year_start)
        WHERE c.n > CASE WHEN c.day_off THEN 1.5 ELSE 3 END * m.median
        ORDER BY c.d LIMIT 10
        """,
    )
    assert not high, f"days above 3 x (1.5 x on a weekend or holiday) the median school day: {high}"


def test_the_newest_snapshot_has_accounts_in_every_school(
    dataset: duckdb.DuckDBPyConnection,
) -> None:
    empty = rows(
        dataset,
        """
        SELECT uai FROM seed_schools EXCEPT
        SELECT uai FROM snapshots WHERE snapshot_date = (SELECT max(snapshot_date) FROM snapshots)
        """,
    )
    assert not empty, f"schools without accounts in the newest snapshot: {empty}"


def test_every_snapshot_adds_up_by_profile(dataset: duckdb.DuckDBPyConnection) -> None:
    unmapped = rows(
        dataset,
        "SELECT DISTINCT snapshot_date, profile FROM snapshots WHERE profile_code IS NULL",
    )
    assert not unmapped, f"accounts whose SDET profile is not in seeds/profiles.csv: {unmapped}"


# ------------------------------------------------------------------------------- bad --until


@pytest.mark.parametrize("until", ["2017-12", "2019-09", "2019-8", "2018-13", "2018-01-31"])
def test_until_outside_the_calendar_or_before_the_report_is_refused(
    tmp_path: Path, until: str
) -> None:
    out = tmp_path / "out"
    with pytest.raises(ValueError, match="--until"):
        generate(out, seed=SEED, scale=0.01, until=until)
    assert not out.exists() or not any(out.iterdir()), "files written despite a bad --until"
    arguments = ["generate", "--out", str(out), "--scale", "0.01", "--until", until]
    assert cli.main(arguments) == 2
    assert not out.exists() or not any(out.iterdir()), "leia generate wrote despite a bad --until"
