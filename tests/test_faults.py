"""Issue 7's fault matrix: what the loader does with each kind of bad delivery.

Every fault ends one of two ways: the load succeeds with the bad lines quarantined in
raw.rejected_rows (file, line number, rule) and counted in raw.load_log, or it fails with a
LoadError naming the file, the line and the rule and leaves the previous state of the month. In
both cases no good row is lost or doubled and the other months are untouched.

Each test records its outcome; the table of docs/reliability.md is that record. With
LEIA_WRITE_RELIABILITY_DOC=1 the session rewrites the table; otherwise a test checks that the
committed table is what this run measured.

Longer than 350 lines because it is the fault matrix of docs/reliability.md, one test per row,
and the session that runs them writes (or checks) that table: one module, one table.
"""

from __future__ import annotations

import datetime as dt
import gzip
import os
import shutil
import signal
import subprocess
import sys
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pytest

from orchestration.extracts import load
from orchestration.extracts.preflight import DeliveryError, LoadError
from orchestration.extracts.pseudonymise import KeyChangedError, Pseudonymiser, pseudonymiser_for
from orchestration.landing import account_landing
from orchestration.quality.validate import validate_warehouse
from orchestration.synthetic.generate import generate
from tests.conftest import month_path, read_lines, write_lines

PROJECT_DIR = Path(__file__).resolve().parent.parent
DOC = PROJECT_DIR / "docs" / "reliability.md"
BEGIN, END = "<!-- fault-matrix:begin -->", "<!-- fault-matrix:end -->"
WRITE_DOC = os.environ.get("LEIA_WRITE_RELIABILITY_DOC") == "1"
SEED, SCALE, BIG_SCALE = 5, 0.01, 0.2
MONTH = "2016-03"

# fault id -> the fault, in the order of the table
FAULTS = {
    "1a": "Malformed row: wrong column count (a field added, a field missing)",
    "1b": 'Malformed row: stray double quote (`"` in a field, a quoted field holding a comma)',
    "2": "Truncated gzip file",
    "3a": "Same month delivered twice under two names (`.csv.gz` and `.csv`)",
    "3b": "A month's content delivered under another month's name",
    "3c": "The same file loaded twice",
    "4a": "Schema drift: a column added",
    "4b": "Schema drift: a column removed",
    "4c": "Schema drift: a column renamed",
    "4d": "Schema drift in three files of one delivery",
    "5": "Wrong encoding (Latin-1)",
    "6a": "Timestamp in another format (no offset, a space instead of `T`)",
    "6b": "Timestamp outside the file's month",
    "6c": "Time zone: a local time that does not exist in Corsica (the night clocks go forward), "
    "an offset that contradicts Europe/Paris (winter time written +02:00, summer time +01:00)",
    "6d": "Timestamp in UTC (`Z` instead of the offset)",
    "7": "Unknown UAI, unknown profile",
    "8a": "Empty file (0 bytes)",
    "8b": "Empty gzip stream (compressed 0 bytes)",
    "8c": "Header-only file",
    "9": "Two loads at once on the same DuckDB file",
    "10": "Process killed (SIGKILL) in the middle of a load",
    "11": "Two `leia run` at once on one LEIA_HOME",
    "12": "A month delivered again, loaded with another pseudonymisation key",
    "13": "Files in the landing folder that match no extract (a copy ` (1)`, upper case, a "
    "short name, month 13, a file in another extract's folder)",
}
MEASURED: dict[str, tuple[str, int]] = {}  # fault id -> (what it yields, good rows lost)


def record(fault: str, yields: str, lost: int) -> None:
    MEASURED[fault] = (yields, lost)


def matrix_table(measured: dict[str, tuple[str, int]]) -> str:
    lines = ["| # | fault | what it yields | good rows lost |", "|---|---|---|---|"]
    for fault, label in FAULTS.items():
        yields, lost = measured[fault]
        lines.append(f"| {fault} | {label} | {yields.replace('|', '/')} | {lost} |")
    return "\n".join(lines)


def doc_with_table(text: str, table: str) -> str:
    head, rest = text.split(BEGIN, 1)
    _, tail = rest.split(END, 1)
    return f"{head}{BEGIN}\n{table}\n{END}{tail}"


def committed_table() -> str:
    text = DOC.read_text(encoding="utf-8")
    return text.split(BEGIN, 1)[1].split(END, 1)[0].strip("\n")


@pytest.fixture(scope="session", autouse=True)
def fault_matrix():
    """Writes the measured table into docs/reliability.md at the end of the session (opt-in)."""
    yield MEASURED
    if WRITE_DOC and set(MEASURED) == set(FAULTS):
        DOC.write_text(
            doc_with_table(DOC.read_text(encoding="utf-8"), matrix_table(MEASURED)),
            encoding="utf-8",
        )


# ------------------------------------------------------------------------------------ helpers
def partition_counts(con: duckdb.DuckDBPyConnection) -> dict[str, int]:
    return dict(
        con.execute(
            "select partition_month, count(*) from raw.auth_events group by 1 order by 1"
        ).fetchall()
    )


ROW_COLUMNS = (
    "partition_month, event_time_utc, event_local_time, account_key, profile, uai, "
    "event_type, service, result, source_file, source_line"
)


def content_hash(con: duckdb.DuckDBPyConnection) -> str:
    """Hash of raw.auth_events (every column but loaded_at), ordered by month and line."""
    return con.execute(
        f"select md5(coalesce(string_agg(concat_ws('|', {ROW_COLUMNS}), '\n' "
        "order by partition_month, source_line), '')) from raw.auth_events"
    ).fetchone()[0]


def month_rows(con: duckdb.DuckDBPyConnection, month: str) -> dict[int, tuple]:
    rows = con.execute(
        f"select source_line, {ROW_COLUMNS} from raw.auth_events where partition_month = ?",
        [month],
    ).fetchall()
    return {row[0]: row[1:-2] for row in rows}  # without source_file / source_line


def doubled_rows(con: duckdb.DuckDBPyConnection) -> int:
    return con.execute(
        "select coalesce(sum(n - 1), 0) from (select count(*) as n from raw.auth_events "
        "group by partition_month, source_line having count(*) > 1)"
    ).fetchone()[0]


def short(error: BaseException, landing: Path) -> str:
    """The error message without the temporary folder (the table must not depend on it)."""
    message = str(error).replace(str(landing / "auth_events") + "/", "")
    return f"{type(error).__name__}: {message}"


def load_all(con: duckdb.DuckDBPyConnection, landing: Path, pseudonymiser: Pseudonymiser) -> None:
    for month in load.available_months(landing):
        load.load_month(con, landing, month, pseudonymiser)


@pytest.fixture(scope="session")
def pristine(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """(landing, database): small generated extracts, every month loaded."""
    root = tmp_path_factory.mktemp("faults")
    landing, database = root / "landing", root / "loaded.duckdb"
    generate(landing, seed=SEED, scale=SCALE)
    with duckdb.connect(str(database)) as con:
        load_all(con, landing, pseudonymiser_for(landing))
    return landing, database


@dataclass
class Warehouse:
    landing: Path
    con: duckdb.DuckDBPyConnection
    pseudonymiser: Pseudonymiser
    counts: dict[str, int]  # rows per month before the fault
    hash: str  # content hash before the fault

    def load(self, month: str = MONTH) -> load.LoadResult:
        return load.load_month(self.con, self.landing, month, self.pseudonymiser)

    def assert_unchanged(self) -> None:
        """A refused load: every month as it was, row for row."""
        assert partition_counts(self.con) == self.counts
        assert content_hash(self.con) == self.hash
        assert doubled_rows(self.con) == 0

    def assert_others_untouched(self, month: str = MONTH) -> None:
        after = partition_counts(self.con)
        assert {m: n for m, n in after.items() if m != month} == {
            m: n for m, n in self.counts.items() if m != month
        }
        assert doubled_rows(self.con) == 0


@pytest.fixture
def warehouse(pristine: tuple[Path, Path], tmp_path: Path) -> Warehouse:
    """A private copy of the loaded warehouse and of its landing folder."""
    landing, database = tmp_path / "landing", tmp_path / "warehouse.duckdb"
    shutil.copytree(pristine[0], landing)
    shutil.copyfile(pristine[1], database)
    con = duckdb.connect(str(database))
    yield Warehouse(
        landing, con, pseudonymiser_for(landing), partition_counts(con), content_hash(con)
    )
    con.close()


def quarantine(
    warehouse: Warehouse, fault: str, broken: dict[int, str], month: str = MONTH
) -> load.LoadResult:
    """Replace lines of the month's file (line number -> text), load, and check that exactly those
    lines are rejected, with file, line and rule, and that every other line is loaded as before."""
    path = month_path(warehouse.landing, month)
    lines = read_lines(path)
    before = month_rows(warehouse.con, month)
    for number, text in broken.items():
        lines[number - 1] = text
    write_lines(path, lines)

    result = warehouse.load(month)

    assert result.rows_loaded + result.rows_rejected == len(lines) - 1
    rejected = warehouse.con.execute(
        "select source_file, line_number, reason from raw.rejected_rows "
        "where extract = 'auth_events' and partition_key = ? order by line_number",
        [month],
    ).fetchall()
    assert [line for _, line, _ in rejected] == sorted(broken)
    assert {source for source, _, _ in rejected} == {path.name}
    assert all(reason for _, _, reason in rejected)
    after = month_rows(warehouse.con, month)
    good_before = {line: row for line, row in before.items() if line not in broken}
    lost = sum(1 for line, row in good_before.items() if after.get(line) != row)
    assert lost == 0 and set(after) == set(good_before)
    warehouse.assert_others_untouched(month)
    logged = warehouse.con.execute(
        "select rows_loaded, rows_rejected from raw.load_log "
        "where extract = 'auth_events' and partition_key = ?",
        [month],
    ).fetchall()
    assert logged == [(result.rows_loaded, result.rows_rejected)]
    reasons = Counter(reason.split(":")[0] for _, _, reason in rejected)
    summary = ", ".join(f"`{reason}` ×{n}" for reason, n in sorted(reasons.items()))
    record(
        fault,
        f"loaded, {result.rows_loaded} rows in; {result.rows_rejected} quarantined: {summary}",
        lost,
    )
    return result


def refused(warehouse: Warehouse, fault: str, *expected: str, month: str = MONTH) -> LoadError:
    """The load fails with a LoadError saying each of `expected`; nothing changes."""
    with pytest.raises(LoadError) as caught:
        warehouse.load(month)
    message = str(caught.value)
    for text in expected:
        assert text in message
    warehouse.assert_unchanged()
    record(fault, f"refused, month kept: `{short(caught.value, warehouse.landing)}`", 0)
    return caught.value


# ------------------------------------------------------------------------------- the matrix
def test_1a_wrong_column_count(warehouse: Warehouse) -> None:
    lines = read_lines(month_path(warehouse.landing, MONTH))
    quarantine(warehouse, "1a", {5: lines[4] + ",extra", 6: lines[5].rsplit(",", 1)[0]})


def test_1b_stray_double_quote(warehouse: Warehouse) -> None:
    lines = read_lines(month_path(warehouse.landing, MONTH))
    fields = lines[7].split(",")
    quoted_comma = ",".join([*fields[:6], '"Dupont, Jean"', fields[7]])
    result = quarantine(
        warehouse,
        "1b",
        {
            7: lines[6].replace(",", ',"', 1),  # a quote opening the login field
            8: '"' + lines[7],  # a quoted timestamp
            9: quoted_comma,  # a quoted field holding a comma: one field too many
        },
    )
    assert result.rejected_by_reason == {"column_count": 1, "stray_quote": 2}


def test_2_truncated_gzip(warehouse: Warehouse) -> None:
    path = month_path(warehouse.landing, MONTH)
    content = path.read_bytes()
    path.write_bytes(content[: len(content) // 2])
    refused(warehouse, "2", path.name, "truncated or corrupt gzip")


def test_3a_two_files_for_one_month(warehouse: Warehouse) -> None:
    path = month_path(warehouse.landing, MONTH)
    plain = month_path(warehouse.landing, MONTH, ".csv")
    plain.write_text("\n".join(read_lines(path)) + "\n", encoding="utf-8")
    refused(warehouse, "3a", "several files", path.name, plain.name)


def test_3b_content_under_another_months_name(warehouse: Warehouse) -> None:
    last = load.available_months(warehouse.landing)[-1]
    year, month = map(int, last.split("-"))
    following = f"{year + month // 12}-{month % 12 + 1:02d}"
    source, copy = month_path(warehouse.landing, last), month_path(warehouse.landing, following)
    shutil.copyfile(source, copy)
    data_lines = len(read_lines(copy)) - 1

    result = warehouse.load(following)

    assert (result.rows_loaded, result.rows_rejected) == (0, data_lines)
    assert result.rejected_by_reason == {"timestamp_outside_file_month": data_lines}
    assert warehouse.con.execute(
        "select count(*), count(distinct line_number), min(line_number), max(line_number) "
        "from raw.rejected_rows where partition_key = ? and source_file = ?",
        [following, copy.name],
    ).fetchone() == (data_lines, data_lines, 2, data_lines + 1)
    warehouse.assert_unchanged()  # the copied month and every other one: as they were
    record(
        "3b",
        f"loaded, 0 rows in; all {data_lines} lines quarantined: `timestamp_outside_file_month` "
        "(100 % rejected: the blocking `raw` suite stops the publication)",
        0,
    )


def test_3c_same_file_loaded_twice(warehouse: Warehouse) -> None:
    path = month_path(warehouse.landing, MONTH)
    lines = read_lines(path)
    lines[9] = lines[9].replace("National_", "National_X", 1)  # so rejected rows exist too
    write_lines(path, lines)
    first = warehouse.load()
    state = (partition_counts(warehouse.con), content_hash(warehouse.con))
    second = warehouse.load()

    assert (second.rows_loaded, second.rows_rejected) == (first.rows_loaded, first.rows_rejected)
    assert (partition_counts(warehouse.con), content_hash(warehouse.con)) == state
    for table in ("rejected_rows", "load_log"):
        assert warehouse.con.execute(
            f"select count(*) from raw.{table} where partition_key = ?", [MONTH]
        ).fetchone()[0] == (1 if table == "load_log" else first.rows_rejected)
    warehouse.assert_others_untouched()
    record(
        "3c",
        f"loaded twice: same {second.rows_loaded} rows, same content hash, one load-log line, "
        f"{second.rows_rejected} rejected row not doubled",
        0,
    )


@pytest.mark.parametrize(
    ("fault", "change", "difference"),
    [
        ("4a", lambda cols: [*cols, "user_agent"], "unexpected ['user_agent']"),
        ("4b", lambda cols: [c for c in cols if c != "client_ip"], "missing ['client_ip']"),
        (
            "4c",
            lambda cols: ["uai_code" if c == "uai" else c for c in cols],
            "missing ['uai']; unexpected ['uai_code']",
        ),
    ],
)
def test_4_schema_drift(warehouse: Warehouse, fault, change, difference) -> None:
    path = month_path(warehouse.landing, MONTH)
    lines = read_lines(path)
    lines[0] = ",".join(change(lines[0].split(",")))
    write_lines(path, lines)
    refused(warehouse, fault, path.name, "line 1: header does not match", difference)


def test_4d_three_drifted_headers_reported_together(warehouse: Warehouse) -> None:
    """Every file's header is checked before anything loads: one run names all three."""
    months = ["2016-03", "2016-04", "2016-05"]
    for month, header in zip(
        months,
        [
            "event_time,login,profile,uai,event_type,service,client_ip,result,user_agent",
            "event_time,login,profile,uai,event_type,service,result",
            "event_time,login,profile,uai_code,event_type,service,client_ip,result",
        ],
        strict=True,
    ):
        path = month_path(warehouse.landing, month)
        write_lines(path, [header, *read_lines(path)[1:]])
    with pytest.raises(DeliveryError) as caught:
        load.load_months(warehouse.con, warehouse.landing, months, warehouse.pseudonymiser)
    assert [
        f"auth_events_{m}.csv.gz: line 1: header" in p
        for m, p in zip(months, caught.value.problems, strict=True)
    ] == [True, True, True]
    warehouse.assert_unchanged()
    record(
        "4d",
        "refused before anything loads, every file named in one error: "
        f"`DeliveryError: {str(caught.value).splitlines()[0]}` then one line per file "
        "(`missing` / `unexpected` columns)",
        0,
    )


def test_5_latin1_file(warehouse: Warehouse) -> None:
    path = month_path(warehouse.landing, MONTH)
    lines = read_lines(path)
    lines[41] = lines[41].replace("success", "succès").replace("failure", "échec")
    write_lines(path, lines, encoding="latin-1")
    refused(warehouse, "5", path.name, "not UTF-8", "Line: 42")


def test_6a_timestamp_format(warehouse: Warehouse) -> None:
    lines = read_lines(month_path(warehouse.landing, MONTH))
    result = quarantine(
        warehouse,
        "6a",
        {
            12: lines[11][:19] + lines[11][25:],  # no offset at all
            13: lines[12][:10] + " " + lines[12][11:],  # a space instead of the T
        },
    )
    assert result.rejected_by_reason == {"bad_timestamp": 2}


def test_6c_time_zone_of_corsica(warehouse: Warehouse) -> None:
    """Clocks went forward on 27 March 2016 at 02:00 (Europe/Paris): 02:30 did not exist."""
    lines = read_lines(month_path(warehouse.landing, MONTH))
    result = quarantine(
        warehouse,
        "6c",
        {
            16: "2016-03-27T02:30:00+01:00" + lines[15][25:],  # a time that never happened
            17: "2016-03-15T10:00:00+02:00" + lines[16][25:],  # winter time, summer offset
            18: "2016-03-29T10:00:00+01:00" + lines[17][25:],  # summer time, winter offset
        },
    )
    assert result.rejected_by_reason == {"tz_offset": 3}


def test_6d_timestamp_in_utc(warehouse: Warehouse) -> None:
    """`Z` (UTC) is allowed by the contract: the row is the one its local time would give."""
    path = month_path(warehouse.landing, MONTH)
    lines = read_lines(path)
    before = month_rows(warehouse.con, MONTH)
    local = dt.datetime.fromisoformat(lines[10].split(",", 1)[0])
    utc = local.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    lines[10] = utc + lines[10][25:]
    write_lines(path, lines)

    result = warehouse.load()

    assert result.rows_rejected == 0
    assert month_rows(warehouse.con, MONTH) == before, "the UTC line is not its local one"
    warehouse.assert_others_untouched()
    record(
        "6d",
        f"accepted: `{utc}` is stored as the Europe/Paris time it was, the same row as "
        f"`{local.isoformat()}`; {result.rows_loaded} rows in, 0 quarantined",
        0,
    )


def test_6b_timestamp_outside_month(warehouse: Warehouse) -> None:
    lines = read_lines(month_path(warehouse.landing, MONTH))
    result = quarantine(
        warehouse,
        "6b",
        {
            14: "2016-04-01T00:00:00+02:00" + lines[13][25:],
            15: "2016-02-29T23:59:59+01:00" + lines[14][25:],
        },
    )
    assert result.rejected_by_reason == {"timestamp_outside_file_month": 2}


def test_7_unknown_codes(warehouse: Warehouse) -> None:
    lines = read_lines(month_path(warehouse.landing, MONTH))

    def with_field(line: str, index: int, value: str) -> str:
        fields = line.split(",")
        fields[index] = value
        return ",".join(fields)

    result = quarantine(
        warehouse,
        "7",
        {16: with_field(lines[15], 3, "9999999Z"), 17: with_field(lines[16], 2, "National_XYZ")},
    )
    assert result.rejected_by_reason == {"unknown_uai": 1, "unknown_profile": 1}


def test_8a_zero_byte_file(warehouse: Warehouse) -> None:
    path = month_path(warehouse.landing, MONTH)
    path.write_bytes(b"")
    refused(warehouse, "8a", path.name, "line 1: the file is empty")


def test_8b_empty_gzip_stream(warehouse: Warehouse) -> None:
    path = month_path(warehouse.landing, MONTH)
    path.write_bytes(gzip.compress(b""))
    refused(warehouse, "8b", path.name, "line 1: the file is empty")


def test_8c_header_only(warehouse: Warehouse, tmp_path: Path) -> None:
    path = month_path(warehouse.landing, MONTH)
    write_lines(path, read_lines(path)[:1])
    result = warehouse.load()
    assert (result.rows_loaded, result.rows_rejected) == (0, 0)
    assert MONTH not in partition_counts(warehouse.con)
    assert warehouse.con.execute(
        "select rows_loaded, rows_rejected from raw.load_log where partition_key = ?", [MONTH]
    ).fetchall() == [(0, 0)]
    warehouse.assert_others_untouched()
    # loaded as delivered, but the blocking raw suite stops the publication
    warehouse.con.execute("checkpoint")
    copy = tmp_path / "validated.duckdb"
    shutil.copyfile(tmp_path / "warehouse.duckdb", copy)
    report = validate_warehouse(copy, suites=["raw"])
    failed = {failure.expectation: failure for failure in report.failures}
    # this warehouse holds the logs only: the snapshots' absence is the one other failure
    assert set(failed) == {"every_month_has_events", "every_extract_loaded"}, failed
    assert MONTH in failed["every_month_has_events"].observed
    record(
        "8c",
        f"loaded: 0 rows, 0 rejected; the month is replaced by an empty one "
        f"({warehouse.counts[MONTH]} rows before; the file is the month, by contract); the "
        "blocking raw suite fails (every_month_has_events): nothing is published",
        0,
    )


# ------------------------------------------------------------------------ real processes
LOADER = """
import sys, time
from pathlib import Path
import duckdb
from orchestration.extracts import load
from orchestration.extracts.pseudonymise import pseudonymiser_for
landing, database = Path(sys.argv[1]), sys.argv[2]
con = duckdb.connect(database)
print("connected", flush=True)
if len(sys.argv) > 3:
    time.sleep(float(sys.argv[3]))  # hold the file a while before loading
pseudonymiser = pseudonymiser_for(landing)
for month in load.available_months(landing):
    load.load_month(con, landing, month, pseudonymiser)
    print("loaded", month, flush=True)
con.close()
print("done", flush=True)
"""


def loader(landing: Path, database: Path, *extra: str) -> subprocess.Popen:
    env = {**os.environ, "PYTHONPATH": str(PROJECT_DIR)}
    return subprocess.Popen(
        [sys.executable, "-c", LOADER, str(landing), str(database), *extra],
        cwd=PROJECT_DIR,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def state_of(database: Path) -> tuple[dict[str, int], str]:
    with duckdb.connect(str(database), read_only=True) as con:
        return partition_counts(con), content_hash(con)


def test_9_two_loads_at_once(pristine: tuple[Path, Path], tmp_path: Path) -> None:
    landing, reference = pristine
    database = tmp_path / "concurrent.duckdb"
    first = loader(landing, database, "2")
    assert first.stdout.readline().strip() == "connected"  # the first one holds the file

    second = loader(landing, database)
    _, second_err = second.communicate(timeout=120)
    first_out, first_err = first.communicate(timeout=300)

    assert second.returncode != 0
    assert "Could not set lock on file" in second_err and "Conflicting lock" in second_err
    assert first.returncode == 0, first_err
    assert first_out.strip().endswith("done")
    assert state_of(database) == state_of(reference)
    with duckdb.connect(str(database), read_only=True) as con:
        assert doubled_rows(con) == 0
    record(
        "9",
        "the second process is refused at connection: `IOException: Could not set lock on file "
        "… Conflicting lock is held …`; the first completes; final state = a clean run",
        0,
    )


@pytest.fixture(scope="session")
def big(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, int], str]:
    """(landing, counts, hash) of larger extracts (scale 0.2) and of their clean load."""
    root = tmp_path_factory.mktemp("big")
    landing, database = root / "landing", root / "clean.duckdb"
    generate(landing, seed=SEED, scale=BIG_SCALE)
    with duckdb.connect(str(database)) as con:
        load_all(con, landing, pseudonymiser_for(landing))
    counts, digest = state_of(database)
    return landing, counts, digest


def test_10_killed_mid_load(big: tuple[Path, dict[str, int], str], tmp_path: Path) -> None:
    landing, clean_counts, clean_hash = big
    database = tmp_path / "killed.duckdb"
    process = loader(landing, database)
    loaded = []
    while len(loaded) < 3:
        line = process.stdout.readline()
        assert line, process.stderr.read()
        if line.startswith("loaded"):
            loaded.append(line.split()[1])
    time.sleep(0.15)  # into the next month's load
    assert process.poll() is None, "the loader finished before it could be killed"
    process.send_signal(signal.SIGKILL)
    process.wait(timeout=30)
    process.stdout.close()
    process.stderr.close()
    assert process.returncode == -signal.SIGKILL

    # after the kill: only whole months, each the one its load-log line describes
    with duckdb.connect(str(database), read_only=True) as con:
        counts = partition_counts(con)
        logged = dict(
            con.execute(
                "select partition_key, rows_loaded from raw.load_log where extract = 'auth_events'"
            ).fetchall()
        )
    assert {m: n for m, n in logged.items() if n} == counts
    assert set(loaded) <= set(counts)
    assert all(counts[m] == clean_counts[m] for m in counts)

    with duckdb.connect(str(database)) as con:
        load_all(con, landing, pseudonymiser_for(landing))
    assert state_of(database) == (clean_counts, clean_hash)
    record(
        "10",
        f"killed after {len(loaded)} months, during the next one: only whole months committed, "
        "the one in progress rolled back; the re-run gives the same row counts and "
        f"content hash as a clean run ({sum(clean_counts.values())} rows)",
        0,
    )


# ------------------------------------------------------------ two `leia run` at once (real runs)
LEIA = Path(sys.executable).parent / "leia"


def leia_run(landing: Path, home: Path, log: Path, *extra: str) -> subprocess.Popen:
    """`leia run` in another process; its progress (stderr) goes to `log`."""
    with log.open("w", encoding="utf-8") as progress:
        return subprocess.Popen(
            [str(LEIA), "run", "--landing", str(landing), "--warehouse-dir", str(home)]
            + ["--audited-reports", "none", *extra],  # small extracts: not the report's figures
            cwd=PROJECT_DIR,
            stdout=subprocess.DEVNULL,
            stderr=progress,
        )


def wait_until(process: subprocess.Popen, log: Path, done, what: str) -> None:
    deadline = time.monotonic() + 300
    while not done():
        tail = log.read_text(encoding="utf-8")[-3000:]
        assert process.poll() is None, f"the run ended before {what}:\n{tail}"
        assert time.monotonic() < deadline, f"no {what} after 300 s:\n{tail}"
        time.sleep(0.05)


def warehouse_state(database: Path) -> dict[str, tuple[int, str]]:
    """Rows and content hash of raw.auth_events and of every mart, `loaded_at` aside (when a
    load ran, not what it loaded)."""
    with duckdb.connect(str(database), read_only=True) as con:
        tables = [("raw", "auth_events")] + con.execute(
            "select table_schema, table_name from information_schema.tables "
            "where table_schema = 'marts' order by table_name"
        ).fetchall()
        state = {}
        for schema, table in tables:
            columns = ", ".join(
                f'"{name}"'
                for (name,) in con.execute(
                    "select column_name from information_schema.columns where table_schema = ? "
                    "and table_name = ? and column_name <> 'loaded_at' order by ordinal_position",
                    [schema, table],
                ).fetchall()
            )
            state[f"{schema}.{table}"] = con.execute(
                "select count(*), md5(coalesce(string_agg(r, chr(10) order by r), '')) from "
                f"(select cast(row({columns}) as varchar) as r from {schema}.{table})"
            ).fetchone()
    return state


def test_11_two_leia_runs_at_once(pristine: tuple[Path, Path], tmp_path: Path) -> None:
    """A second `leia run` on the LEIA_HOME of a running one, started as the first takes the
    run lock, as it starts loading and as it starts dbt: it stops at once (exit 3) naming the
    first; with --wait it waits and runs after it. The publications are a clean run's."""
    from orchestration.home import HomeLayout
    from orchestration.instance import dagster_instance
    from orchestration.publication import published_versions

    landing, clean_load = pristine
    reference = tmp_path / "reference"
    clean = leia_run(landing, reference, tmp_path / "reference.log")
    assert clean.wait(timeout=600) == 0, (tmp_path / "reference.log").read_text()[-3000:]
    clean_state = warehouse_state(reference / "leia.duckdb")
    assert clean_state["raw.auth_events"][0] == sum(state_of(clean_load)[0].values())

    home = tmp_path / "home"
    kept = [
        HomeLayout(home).failed / f"leia-2000010{i}T000000000000Z-earlier.duckdb" for i in (1, 2)
    ]
    for earlier in kept:  # two failed builds of earlier runs, kept for inspection
        earlier.parent.mkdir(parents=True, exist_ok=True)
        earlier.write_bytes(b"an earlier failed build")
    first_log = tmp_path / "first.log"
    first = leia_run(landing, home, first_log)

    def holds_the_lock() -> bool:
        lock = home / "run.lock"
        return lock.exists() and f'"pid": {first.pid},' in lock.read_text(encoding="utf-8")

    moments = {
        "as the first takes the run lock": holds_the_lock,
        "as it starts loading": lambda: "raw__auth_events: started" in first_log.read_text(),
        "as it starts dbt": lambda: "dbt_build: started" in first_log.read_text(),
    }
    refusals = {}
    for moment, reached in moments.items():
        wait_until(first, first_log, reached, moment)
        second = subprocess.run(
            [str(LEIA), "run", "--landing", str(landing), "--warehouse-dir", str(home)]
            + ["--audited-reports", "none"],
            cwd=PROJECT_DIR,
            capture_output=True,
            text=True,
            timeout=120,
        )
        refusals[moment] = (second.returncode, second.stderr)
    waiting_log = tmp_path / "waiting.log"
    waiting = leia_run(landing, home, waiting_log, "--wait", "600")  # while the first runs dbt

    assert first.wait(timeout=600) == 0, first_log.read_text()[-3000:]
    assert waiting.wait(timeout=600) == 0, waiting_log.read_text()[-3000:]
    for moment, (code, said) in refusals.items():
        assert code == 3, (moment, said)
        assert said.startswith(f"leia run: another run (pid {first.pid}, `leia run "), said
        assert f"is in progress in {home.resolve()}; " in said and "--wait SECONDS" in said
        assert "[leia]" not in said, f"the run refused {moment} did something: {said}"
    said = waiting_log.read_text(encoding="utf-8")
    assert f"[leia] another run (pid {first.pid}, `leia run " in said.splitlines()[0], said
    assert "waiting up to 600 s for it to end" in said.splitlines()[0]

    # two publications, one after the other, each a clean run's warehouse
    with dagster_instance(home) as instance:
        runs = sorted(instance.get_run_records(), key=lambda record: record.start_time)
    assert len(runs) == 2, "a refused run started a Dagster run"
    assert runs[0].end_time <= runs[1].start_time, "the runs overlapped"
    versions = published_versions(home / "leia.duckdb")
    assert len(versions) == 2 and versions[-1].samefile(home / "leia.duckdb")
    for version in versions:
        assert warehouse_state(version) == clean_state
    # nothing kept as a failed build: the earlier ones are still there, alone
    assert sorted((HomeLayout(home).failed).iterdir()) == kept
    record(
        "11",
        "the second stops at once with exit code 3 and keeps nothing, whether started as the "
        'first takes the run lock, as it loads or as it runs dbt: "another run (pid …, '
        "`leia run …`, started at … UTC) is in progress in …; start again when it ends, or give "
        '--wait SECONDS to wait for it"; with `--wait` it waits and runs after the first; each '
        "publication = a clean run (rows and content hash of raw.auth_events and every mart), "
        "the failed builds kept before are untouched",
        0,
    )


def test_12_another_pseudonymisation_key(warehouse: Warehouse) -> None:
    """The warehouse's loads record their key's fingerprint: another key is refused before it
    gives the same people second pseudonyms (`leia run --full --rekey` rebuilds with it:
    tests/test_key_identity.py)."""
    other = Pseudonymiser(b"another key of the Collectivite", is_demo=False)
    with pytest.raises(KeyChangedError) as caught:
        load.load_month(warehouse.con, warehouse.landing, MONTH, other)
    message = str(caught.value)
    assert warehouse.pseudonymiser.fingerprint in message and other.fingerprint in message
    assert "leia run --full --rekey" in message
    warehouse.assert_unchanged()
    record(
        "12",
        "refused, month kept: `KeyChangedError: …the pseudonymisation key is not the one this "
        "warehouse was loaded with (key fingerprint <old> in raw.load_log; now <new> "
        "(LEIA_PSEUDONYMISATION_KEY))…` with the two ways out (the old key back, or "
        "`leia run --full --rekey`); `leia run` refuses before loading anything (exit 2)",
        0,
    )


def test_13_files_that_match_no_extract(warehouse: Warehouse) -> None:
    folder = warehouse.landing / "auth_events"
    months_before = load.available_months(warehouse.landing)
    shutil.copyfile(
        month_path(warehouse.landing, MONTH), folder / f"auth_events_{MONTH} (1).csv.gz"
    )
    for name, content in {
        "AUTH_EVENTS_2016-04.csv.gz": b"a",
        "auth_2016-05.csv.gz": b"ab",
        "auth_events_2016-13.csv.gz": b"abc",
        "accounts_2018-01-15.csv.gz": b"abcd",
    }.items():
        (folder / name).write_bytes(content)
    files = {f.path: f for f in account_landing(warehouse.landing)}
    assert load.available_months(warehouse.landing) == months_before, "a misnamed file loaded"
    listed = {
        path.split("/")[-1]: (f.status, f.reason) for path, f in files.items() if not f.loaded
    }
    assert {name: status for name, (status, _) in listed.items()} == {
        f"auth_events_{MONTH} (1).csv.gz": "ignored",
        "AUTH_EVENTS_2016-04.csv.gz": "warning",
        "auth_2016-05.csv.gz": "warning",
        "auth_events_2016-13.csv.gz": "warning",
        "accounts_2018-01-15.csv.gz": "warning",
        "_synthetic_extracts.json": "ignored",
    }
    record(
        "13",
        "not loaded, each listed by the run and in `raw.landing_files` with its reason: "
        + "; ".join(
            f"`{name}`: {reason}"
            for name, (_, reason) in sorted(listed.items())
            if not name.startswith("_")
        ),
        0,
    )


# ------------------------------------------------------------------------------- the document
def test_reliability_doc_matches_this_run() -> None:
    """docs/reliability.md's table is the one measured (run last: it reads what the others
    recorded)."""
    missing = sorted(set(FAULTS) - set(MEASURED))
    if missing:
        pytest.skip(f"only part of the matrix ran (missing {missing})")
    if WRITE_DOC:
        pytest.skip(
            "LEIA_WRITE_RELIABILITY_DOC=1: the table is rewritten at the end of the session"
        )
    assert committed_table() == matrix_table(MEASURED), (
        "docs/reliability.md is out of date: run "
        "`LEIA_WRITE_RELIABILITY_DOC=1 .venv/bin/python -m pytest tests/test_faults.py`"
    )
