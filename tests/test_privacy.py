"""Privacy (RGPD, issue #7): no login, name or IP address of the extracts in anything the warehouse
writes, and the public demo key refused for data that is not the demo's.

What to look for is read from the landing files themselves (orchestration/privacy/ classifies
every field of every line by its shape), never from the extract contract or the loader under
test. The scans cover:

- the demo warehouse (scale 1, built by conftest) - every column of every table and view;
- the BI copy, the built Evidence site (HTML, JS, JSON, Parquet, Arrow...) and its build logs;
- GX Data Docs written by `validate_warehouse` on the published demo warehouse;
- everything one real `leia run` writes in its LEIA_HOME with a secret key (build and published
  files, Data Docs, dbt artifacts and logs, Dagster's run storage), on small extracts with broken
  lines, so that raw.rejected_rows is not empty.

The scanner is proven able to fail: identifiers planted in each kind of file are all reported,
and scanning the extracts themselves finds every kind of identifier.

Longer than 350 lines because every scan shares the identifiers read from the extracts and
the runs whose output is scanned; split, those runs would be made per module.
"""

from __future__ import annotations

import ast
import csv
import filecmp
import fnmatch
import gzip
import hashlib
import hmac
import os
import re
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.ipc
import pyarrow.parquet as pq
import pytest

from orchestration.extracts import contract, load
from orchestration.extracts.pseudonymise import (
    DEMO_KEY,
    KEY_VARIABLE,
    SYNTHETIC_MARKER,
    PseudonymisationError,
    pseudonymiser_for,
)
from orchestration.privacy.identifiers import (
    Identifiers,
    identifiers_from_extracts,
    public_phrases,
)
from orchestration.privacy.scan import Finding, scan
from orchestration.quality.validate import validate_warehouse
from orchestration.synthetic.generate import generate
from tests.conftest import read_lines, write_lines

TINY_SCALE = 0.01
SEED = 2017
SECRET_KEY = "privacy-test-secret-key: not the demo one"
LEIA = Path(sys.executable).parent / "leia"
# Names that third-party code bundled into the site holds as words whatever the data: such a
# hit is no leak. Each is tolerated as a name only (a login or an address never is), and only in
# the files named (paths under the site folder).
LIBRARY_WORDS = {
    # DuckDB's own example in duckdb-wasm: regexp_extract_all('Peter: 33, Paul:14', ...)
    ("paul", "_app/immutable/assets/duckdb-*.wasm"),
    # icons of the simple-icons set bundled by Evidence: `Hugo` (the static site generator)
    # and `Lucia` (an authentication library), among thousands of brand names
    ("hugo", "_app/immutable/chunks/index.*.js"),
    ("lucia", "_app/immutable/chunks/index.*.js"),
    # the author of the dark Bootstrap theme that GX's Data Docs load (Carl-Hugo Marcotte), in
    # the package's own files copied under static/vendor/
    ("hugo", "static/vendor/forevolve-bootstrap-dark-*/LICENSE"),
    ("hugo", "static/vendor/forevolve-bootstrap-dark-*/package.json"),
}


# ------------------------------------------------------------------------------------ helpers
def hashed(key: str, identifier: str) -> str:
    return hmac.new(key.encode("utf-8"), identifier.encode("utf-8"), hashlib.sha256).hexdigest()


def accounts_logins(landing: Path) -> list[str]:
    (path,) = sorted((landing / "accounts").glob("accounts_*.csv.gz"))
    with gzip.open(path, "rt", encoding="utf-8") as handle:
        return [row["login"] for row in csv.DictReader(handle)]


def leia_run(landing: Path, home: Path, key: str | None) -> subprocess.CompletedProcess:
    env = {name: value for name, value in os.environ.items() if name != KEY_VARIABLE}
    if key is not None:
        env[KEY_VARIABLE] = key
    return subprocess.run(
        [str(LEIA), "run", "--landing", str(landing), "--warehouse-dir", str(home)]
        + ["--audited-reports", "none"],  # small extracts: not the Bilan's ENT
        env=env,
        capture_output=True,
        text=True,
        timeout=1200,
    )


def library_word(finding: Finding, root: Path) -> bool:
    """A name of LIBRARY_WORDS, in the file under `root` (the site, the Data Docs folder) it is
    tolerated in."""
    path = Path(finding.source.split(":")[0].split("!")[0])
    if finding.kind != "name" or not path.is_relative_to(root):
        return False
    relative = path.relative_to(root).as_posix()
    return any(
        finding.identifier == name and fnmatch.fnmatch(relative, pattern)
        for name, pattern in LIBRARY_WORDS
    )


def report(findings: list[Finding], scanned: list[str]) -> str:
    shown = "\n".join(f"  {finding}" for finding in findings[:40])
    return f"{len(findings)} identifier(s) found (of {len(scanned)} sources read):\n{shown}"


def scan_text(identifiers: Identifiers, public: list[str], text: str, path: Path):
    """Findings in `text`, written to `path` first."""
    path.write_text(text, encoding="utf-8")
    return scan(identifiers, path, public_phrases=public)


def broken_event_lines(good_line: str) -> list[str]:
    """Lines the loader rejects, each with the login and the IP address of `good_line`."""
    fields = good_line.split(",")
    return [
        ",".join(["2016-03-07 8h15", *fields[1:]]),  # bad timestamp
        ",".join([*fields[:3], "9999999Z", *fields[4:]]),  # unknown UAI
        ",".join([*fields[:2], "National_XYZ", *fields[3:]]),  # unknown profile
        ",".join(fields[:-1]),  # a field missing
        ",".join([fields[0], f'"{fields[1]}"', *fields[2:]]),  # quoted login
    ]


# ----------------------------------------------------------------------------------- fixtures
@pytest.fixture(scope="module")
def tiny_landing(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Generated demo extracts (with the generator's marker), scale 0.01."""
    landing = tmp_path_factory.mktemp("privacy_tiny") / "landing"
    generate(landing, seed=SEED, scale=TINY_SCALE)
    assert (landing / SYNTHETIC_MARKER).is_file()
    return landing


@pytest.fixture(scope="module")
def unmarked_landing(tiny_landing: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The same extracts without the marker: to the pipeline, real data."""
    landing = tmp_path_factory.mktemp("privacy_unmarked") / "landing"
    shutil.copytree(tiny_landing, landing, ignore=shutil.ignore_patterns(SYNTHETIC_MARKER))
    assert not (landing / SYNTHETIC_MARKER).exists()
    return landing


@pytest.fixture(scope="module")
def tiny_identifiers(tiny_landing: Path) -> Identifiers:
    return identifiers_from_extracts(tiny_landing)


@pytest.fixture(scope="module")
def identifiers(demo_warehouse: tuple[Path, Path], tiny_landing: Path) -> Identifiers:
    """Every login, IP address and name of the demo extracts and of the small ones."""
    demo_landing, _ = demo_warehouse
    return identifiers_from_extracts(demo_landing, tiny_landing)


@pytest.fixture(scope="module")
def public(seeds_dir: Path, identifiers: Identifiers) -> list[str]:
    """Reference-data phrases that hold a name of the extracts: school and commune names (public
    open data, seeds/schools.csv) such as `Collège Pascal Paoli`. Names are searched outside them
    only; no name is excluded from the search."""
    return public_phrases(seeds_dir, identifiers)


@pytest.fixture(scope="module")
def secret_key_run(
    tiny_landing: Path, tmp_path_factory: pytest.TempPathFactory
) -> tuple[Path, Path, subprocess.CompletedProcess]:
    """(landing, LEIA_HOME, process) of one `leia run` with a secret key, on the small extracts
    with broken lines (clear logins, IPs and a display name) that end in raw.rejected_rows.

    The extracts keep the generator's marker: extracts without it are treated as real ones, and
    small real extracts cannot reproduce the Bilan's figures (its dbt audit then fails the run).
    """
    root = tmp_path_factory.mktemp("privacy_run")
    landing = root / "landing"
    shutil.copytree(tiny_landing, landing)
    months = sorted((landing / "auth_events").glob("*.csv.gz"), key=lambda p: p.stat().st_size)
    busiest = months[-1]
    lines = read_lines(busiest)
    write_lines(busiest, lines + broken_event_lines(lines[1]))
    (accounts,) = sorted((landing / "accounts").glob("*.csv.gz"))
    lines = read_lines(accounts)
    fields = lines[1].split(",")
    write_lines(accounts, lines + [",".join([*fields[:3], "9999999Z", *fields[4:]])])
    home = root / "home"
    return landing, home, leia_run(landing, home, SECRET_KEY)


@pytest.fixture(scope="module")
def demo_data_docs(built_site: tuple[Path, Path]) -> Path:
    """GX Data Docs of the published demo warehouse (whatever the suites' outcome)."""
    home, published = built_site
    data_docs = home / "gx_data_docs"
    result = validate_warehouse(published, data_docs, run_name="privacy-scan")
    assert result.data_docs_index is not None and result.data_docs_index.is_file()
    return data_docs


# ------------------------------------------------------------------------- what is looked for
def test_identifiers_are_read_from_every_extract(identifiers: Identifiers, public: list[str]):
    assert identifiers.found_in == {
        "login": {"accounts", "auth_events", "pedagogical_sequences"},
        "ip": {"auth_events"},
        "name": {"accounts"},  # display_name
    }
    assert len(identifiers.logins) > 80_000 and len(identifiers.ips) > 20_000
    # first names and surnames, from the logins and the display names
    assert len(identifiers.names) >= 40, sorted(identifiers.names)
    assert all(len(name) >= 4 for name in identifiers.names)
    print("names searched:", ", ".join(sorted(identifiers.names)))
    print("public phrases:", "; ".join(public))


def test_the_scanner_is_independent_of_the_code_it_checks() -> None:
    """orchestration/privacy imports nothing of the warehouse (the loader, the contract...): a
    bug there cannot hide a leak."""
    package = Path(__file__).resolve().parent.parent / "orchestration" / "privacy"
    imported = set()
    for path in sorted(package.glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                imported |= {alias.name for alias in node.names}
            elif isinstance(node, ast.ImportFrom):
                assert node.level == 0, f"{path.name}: a relative import"
                imported.add(node.module or "")
    ours = {name for name in imported if name.split(".")[0] == "orchestration"}
    assert ours and all(name.startswith("orchestration.privacy.") for name in ours), ours


# ------------------------------------------------------------------ the scanner can fail
def test_the_scan_finds_every_kind_of_identifier_in_the_extracts(
    tiny_landing: Path, tiny_identifiers: Identifiers
):
    findings, scanned = scan(tiny_identifiers, tiny_landing)

    kinds = {(Path(f.source.split("!")[0]).parent.name, f.kind) for f in findings}
    assert {
        ("accounts", "login"),
        ("accounts", "name"),
        ("auth_events", "login"),
        ("auth_events", "ip"),
        ("auth_events", "name"),
        ("pedagogical_sequences", "login"),
    } <= kinds
    assert len(scanned) >= 3


def test_the_scan_reports_identifiers_planted_in_every_kind_of_file(
    tmp_path: Path, tiny_landing: Path, tiny_identifiers: Identifiers, seeds_dir: Path
):
    ids = tiny_identifiers
    logins, ips = sorted(ids.logins), sorted(ids.ips)
    phrases = public_phrases(seeds_dir, ids)
    assert phrases, "no school name holds a name of the extracts: pick another control"
    phrase = phrases[0]
    public_name = next(word for word in sorted(ids.names) if word in phrase.split())
    planted = tmp_path / "planted"
    planted.mkdir()

    with duckdb.connect(str(planted / "warehouse.duckdb")) as con:
        con.execute("create schema marts")
        con.execute("create table marts.notes (id integer, note varchar, extra struct(ip varchar))")
        con.execute(
            "insert into marts.notes values (1, 'x ' || ?, {'ip': 'from ' || ?})",
            [logins[0], ips[0]],
        )
        # a keyed hash, a public phrase, an address inside a longer dotted number: none is found
        con.execute(
            "create table marts.clean as select ? as account_key, ? as school_name, ? as version",
            [hashed(SECRET_KEY, logins[1]), phrase.title(), f"v9.{ips[1]}.7"],
        )
        con.execute("create view marts.notes_view as select upper(note) as shout from marts.notes")
    (planted / "page.html").write_text(
        f"<html><body><td>{ips[2]}</td><td>{phrase.title()}</td></body></html>", encoding="utf-8"
    )
    names = [word for word in sorted(ids.names) if word != public_name]
    pq.write_table(pa.table({"who": [f"{names[0].upper()} Dupond"]}), planted / "data.parquet")
    arrow_schema = pa.schema([("v", pa.string())])
    with pa.ipc.new_stream(str(planted / "query.arrow"), arrow_schema) as writer:
        writer.write_table(pa.table({"v": [f"[{logins[3].upper()}]"]}))
    with gzip.open(planted / "results.json.gz", "wt", encoding="utf-8") as handle:
        handle.write(f'{{"observed": "{ips[4]}"}}')
    runs = sqlite3.connect(planted / "runs.db")
    runs.execute("create table event_logs (event text)")
    runs.execute("insert into event_logs values (?)", [f'{{"message": "{logins[5]} failed"}}'])
    runs.commit()
    runs.close()
    (planted / "blob.bin").write_bytes(b"\x00\xff\x10" + logins[6].encode() + b"\x00\xfe")
    (planted / "note.txt").write_text(f"Mme {public_name.title()} a appelé", encoding="utf-8")

    findings, scanned = scan(ids, planted, public_phrases=phrases)

    def with_names(file: str, login: str) -> set[tuple[str, str, str]]:
        """A login is found, and so are its first name and surname."""
        words = {word for word in re.findall(r"[a-z]+", login) if word in ids.names}
        return {(file, "login", login)} | {(file, "name", word) for word in words}

    found = {
        (Path(f.source.split(":")[0].split("!")[0]).name, f.kind, f.identifier) for f in findings
    }
    assert found == {
        *with_names("warehouse.duckdb", logins[0]),
        ("warehouse.duckdb", "ip", ips[0]),
        ("page.html", "ip", ips[2]),
        ("data.parquet", "name", names[0]),
        *with_names("query.arrow", logins[3]),
        ("results.json.gz", "ip", ips[4]),
        *with_names("runs.db", logins[5]),
        *with_names("blob.bin", logins[6]),
        ("note.txt", "name", public_name),
    }, report(findings, scanned)
    sources = {f.source.split("/")[-1] for f in findings if f.identifier == logins[0]}
    assert sources == {
        "warehouse.duckdb:marts.notes.note",
        "warehouse.duckdb:marts.notes_view.shout",
    }


# -------------------------------------------------------------------- no demo key on real data
@pytest.mark.parametrize("key", [None, DEMO_KEY], ids=["key_unset", "demo_key"])
def test_pseudonymiser_refuses_extracts_that_are_not_the_demo(
    unmarked_landing: Path, monkeypatch: pytest.MonkeyPatch, key: str | None
):
    if key is None:
        monkeypatch.delenv(KEY_VARIABLE, raising=False)
    else:
        monkeypatch.setenv(KEY_VARIABLE, key)

    with pytest.raises(PseudonymisationError) as refused:
        pseudonymiser_for(unmarked_landing)

    message = str(refused.value)
    assert KEY_VARIABLE in message and "demo key" in message.lower()
    assert str(unmarked_landing) in message


def test_pseudonymiser_uses_the_demo_key_only_for_the_demo_extracts(
    tiny_landing: Path, monkeypatch: pytest.MonkeyPatch
):
    monkeypatch.delenv(KEY_VARIABLE, raising=False)
    demo = pseudonymiser_for(tiny_landing)
    assert demo.is_demo and demo.key == DEMO_KEY.encode()


def test_a_secret_key_loads_any_extracts_with_its_own_hash(
    unmarked_landing: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
):
    monkeypatch.setenv(KEY_VARIABLE, SECRET_KEY)
    pseudonymiser = pseudonymiser_for(unmarked_landing)
    assert not pseudonymiser.is_demo

    with duckdb.connect(str(tmp_path / "build.duckdb")) as con:
        load.load_snapshots(con, unmarked_landing, contract.ACCOUNTS, pseudonymiser)
        keys = {row[0] for row in con.execute("select account_key from raw.accounts").fetchall()}
    logins = accounts_logins(unmarked_landing)
    assert keys == {hashed(SECRET_KEY, login) for login in logins}
    assert not keys & {hashed(DEMO_KEY, login) for login in logins}


@pytest.mark.slow
@pytest.mark.parametrize("key", [None, DEMO_KEY], ids=["key_unset", "demo_key"])
def test_leia_run_refuses_extracts_that_are_not_the_demo_with_the_demo_key(
    unmarked_landing: Path, tmp_path: Path, key: str | None
):
    home = tmp_path / "home"
    result = leia_run(unmarked_landing, home, key)

    # refused before anything is loaded (the key is checked first), with the pseudonymiser's
    # message
    assert result.returncode == 2, result.stderr[-3000:]
    refusals = [line for line in result.stderr.splitlines() if line.startswith("leia run: ")]
    assert refusals, result.stderr[-3000:]
    for line in refusals:
        assert KEY_VARIABLE in line and "demo key" in line.lower(), line
        assert "not generated by `leia generate`" in line, line
    assert "Traceback" not in result.stderr
    assert "PUBLIC DEMO" not in result.stderr  # the demo key was not used, even with a warning
    assert not (home / "leia.duckdb").exists()
    for database in home.rglob("*.duckdb"):  # the build file, a kept failed build
        with duckdb.connect(str(database), read_only=True) as con:
            tables = con.execute(
                "select count(*) from duckdb_tables() "
                "where schema_name = 'raw' and table_name = 'auth_events'"
            ).fetchone()[0]
            rows = (
                con.execute("select count(*) from raw.auth_events").fetchone()[0] if tables else 0
            )
        assert rows == 0, f"{database}: {rows} auth_events rows loaded with the demo key"


@pytest.mark.slow
def test_leia_run_with_a_secret_key_publishes_its_hashes(secret_key_run):
    landing, home, result = secret_key_run

    assert result.returncode == 0, result.stderr[-5000:]
    assert "PUBLIC DEMO" not in result.stderr
    logins = accounts_logins(landing)
    with duckdb.connect(str(home / "leia.duckdb"), read_only=True) as con:
        keys = {row[0] for row in con.execute("select account_key from raw.accounts").fetchall()}
        rejected = con.execute("select extract, count(*) from raw.rejected_rows group by 1")
        rejected = dict(rejected.fetchall())
    assert keys <= {hashed(SECRET_KEY, login) for login in logins} and keys
    assert not keys & {hashed(DEMO_KEY, login) for login in logins}
    assert rejected == {"auth_events": 5, "accounts": 1}  # the planted broken lines


# ---------------------------------------------------------------------------------- the scans
@pytest.mark.slow
def test_no_identifier_in_the_demo_warehouse(
    identifiers: Identifiers, public: list[str], demo_warehouse, built_site
):
    _, database = demo_warehouse
    _, published = built_site
    targets = [database]
    if not filecmp.cmp(database, published, shallow=False):
        targets.append(published)
    findings, scanned = scan(identifiers, *targets, public_phrases=public)

    assert not findings, report(findings, scanned)
    assert str(database) in scanned


@pytest.mark.slow
def test_no_identifier_in_the_bi_copy_and_the_site(
    identifiers: Identifiers, public: list[str], built_site
):
    home, _ = built_site
    site = home / "site"
    found, scanned = scan(identifiers, site, home / "bi", public_phrases=public)
    findings = [finding for finding in found if not library_word(finding, site)]

    assert not findings, report(findings, scanned)
    assert str(home / "bi" / "leia_bi.duckdb") in scanned
    assert any(source.endswith(".parquet") for source in scanned)
    assert any(source.endswith(".html") for source in scanned)


@pytest.mark.slow
def test_no_identifier_in_the_data_docs(
    identifiers: Identifiers, public: list[str], demo_data_docs
):
    found, scanned = scan(identifiers, demo_data_docs, public_phrases=public)
    findings = [finding for finding in found if not library_word(finding, demo_data_docs)]

    assert not findings, report(findings, scanned)
    assert sum(source.endswith(".html") for source in scanned) > 5


@pytest.mark.slow
def test_no_identifier_in_anything_leia_run_wrote(
    identifiers: Identifiers, public: list[str], secret_key_run
):
    _, home, result = secret_key_run
    assert result.returncode == 0, result.stderr[-5000:]
    build, published = home / "build" / "leia.duckdb", home / "leia.duckdb"
    found, scanned = scan(identifiers, home, public_phrases=public)
    findings = [finding for finding in found if not library_word(finding, home / "gx_data_docs")]

    assert not findings, report(findings, scanned)
    assert {str(build), str(published)} <= set(scanned)  # both warehouse files
    assert any("gx_data_docs" in source and source.endswith(".html") for source in scanned)
    # the run's console output too
    console = home.parent / "leia-run-console.txt"
    findings, scanned = scan_text(identifiers, public, result.stdout + result.stderr, console)
    assert not findings, report(findings, scanned)
