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
"""

from __future__ import annotations

import datetime as dt
import gzip
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import duckdb
import pytest

from orchestration.synthetic.generate import generate

SEED = 2017
OTHER_SEED = 2018
SMALL_SCALE = 0.02  # determinism runs
SCALED = 0.05  # the --scale checks
SNAPSHOT = dt.date(2018, 1, 15)  # date of the accounts and sequences snapshots
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


def expected_months() -> list[str]:
    first, last = SCHOOL_YEARS["2015-2016"][0], SNAPSHOT
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
    """An in-memory DuckDB holding the generated files of `out` and the seeds they refer to."""
    con = duckdb.connect()
    con.execute("SET TimeZone = 'UTC'")
    seed = {name: quoted(seeds_dir / f"{name}.csv") for name in ("schools", "profiles", "services")}
    for table, name in (("seed_schools", "schools"), ("seed_services", "services")):
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
        CREATE TABLE accounts AS
        SELECT a.*, p.profile_code, coalesce(p.in_population, false) AS in_population
        FROM read_csv({quoted(out / "accounts" / "*.csv.gz")}, all_varchar=true) a
        LEFT JOIN sdet_profiles p ON a.profile = p.sdet_code
        """
    )
    con.execute(
        f"""
        CREATE TABLE sequences AS
        SELECT *,
               timezone('{TIME_ZONE}', try_strptime(created_at, '{TIMESTAMP_FORMAT}')) AS local_ts
        FROM read_csv({quoted(out / "pedagogical_sequences" / "*.csv.gz")}, all_varchar=true)
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
        SELECT e.*, CAST(e.local_ts AS DATE) AS local_date, y.school_year
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


def test_writes_one_auth_events_file_per_month_and_the_snapshots(full_run: Path) -> None:
    months = sorted(p.name for p in (full_run / "auth_events").iterdir())
    expected = [f"auth_events_{month}.csv.gz" for month in expected_months()]
    assert len(expected) == 29
    assert months == expected, f"auth_events files: {months}, expected {expected}"
    snapshot = SNAPSHOT.isoformat()
    for extract in ("accounts", "pedagogical_sequences"):
        files = sorted(p.name for p in (full_run / extract).iterdir())
        assert files == [f"{extract}_{snapshot}.csv.gz"], f"{extract} files: {files}"


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


def decompressed_files(out: Path) -> dict[str, bytes]:
    return {
        str(path.relative_to(out)): gzip.decompress(path.read_bytes())
        for path in sorted(out.rglob("*.csv.gz"))
    }


def test_same_seed_gives_identical_files(small_runs: dict[str, Path]) -> None:
    first = decompressed_files(small_runs["first"])
    again = decompressed_files(small_runs["again"])
    assert len(first) == 29 + 2, f"expected 31 files, got {sorted(first)}"
    assert sorted(first) == sorted(again), "the two runs wrote different files"
    differing = [name for name in first if first[name] != again[name]]
    assert not differing, f"same seed, different content: {differing}"


def test_other_seed_gives_other_logins(small_runs: dict[str, Path]) -> None:
    def logins(out: Path) -> set[str]:
        path = quoted(out / "accounts" / "*.csv.gz")
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
