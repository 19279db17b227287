"""A change of pseudonymisation key never mixes identities.

The scenario an operator hit: a warehouse built with one key, then runs with another key, a month
delivered again, the first key back. Every such run is refused before it loads anything, names
both key fingerprints (never a key) and the two ways out, and leaves the published warehouse as
it was; the loader refuses on its own too (the landing sensor's loads). `leia run --full --rekey`
rebuilds everything with the new key and equals a clean build made with that key from the start.
Real `leia run`, real DuckDB, dbt and Great Expectations on small generated extracts.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import shutil
from pathlib import Path

import duckdb
import pytest

from orchestration import cli
from orchestration.extracts import load
from orchestration.extracts.pseudonymise import (
    DEMO_KEY,
    KEY_VARIABLE,
    KeyChangedError,
    Pseudonymiser,
    pseudonymiser_for,
)
from orchestration.synthetic.generate import generate
from tests.conftest import month_path, read_lines, write_lines

SEED, SCALE = 11, 0.01
NEW_KEY = "a-secret-key-of-the-collectivite-0123456789"
REDELIVERED = "2016-03"

pytestmark = pytest.mark.filterwarnings("ignore:PySpark does not yet fully support:FutureWarning")


def leia(*arguments: str) -> tuple[int, str]:
    errors = io.StringIO()
    with contextlib.redirect_stderr(errors), contextlib.redirect_stdout(io.StringIO()):
        code = cli.main([*arguments])
    return code, errors.getvalue()


def run(landing: Path, home: Path, *extra: str) -> tuple[int, str]:
    return leia(
        "run",
        "--landing",
        str(landing),
        "--warehouse-dir",
        str(home),
        "--audited-reports",
        "none",  # small extracts: not the Bilan's ENT
        *extra,
    )


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def marts_content(database: Path) -> dict[str, str]:
    """A hash of every mart's rows (sorted), and of raw.auth_events without its load times."""
    with duckdb.connect(str(database), read_only=True) as con:
        tables = [
            name
            for (name,) in con.execute(
                "select table_name from information_schema.tables where table_schema = 'marts' "
                "order by 1"
            ).fetchall()
        ]
        hashes = {}
        for table in tables:
            columns = [
                c
                for (c,) in con.execute(
                    "select column_name from information_schema.columns "
                    "where table_schema = 'marts' and table_name = ? order by ordinal_position",
                    [table],
                ).fetchall()
                if c != "loaded_at"
            ]
            row = ", ".join(f"coalesce(cast(\"{c}\" as varchar), '∅')" for c in columns)
            hashes[table] = con.execute(
                f"select md5(coalesce(string_agg(r, '\\n' order by r), '')) "
                f"from (select concat_ws('|', {row}) as r from marts.{table})"
            ).fetchone()[0]
    return hashes


@pytest.fixture(scope="module")
def generated(tmp_path_factory) -> Path:
    landing = tmp_path_factory.mktemp("keys") / "landing"
    generate(landing, seed=SEED, scale=SCALE)
    return landing


# files an operator may drop in the landing folder by mistake, and what the run says of them
MISNAMED = {
    "auth_events/auth_events_2017-11 (1).csv.gz": "a copy of auth_events/auth_events_2017-11",
    "auth_events/AUTH_EVENTS_2017-12.csv.gz": "expected auth_events/auth_events_2017-12.csv.gz",
    "auth_events/auth_2017-10.csv.gz": "expected auth_events/auth_events_2017-10.csv.gz",
    "auth_events/auth_events_2017-13.csv.gz": "2017-13 is no valid date",
}


@pytest.fixture(scope="module")
def demo_built(generated: Path, tmp_path_factory) -> tuple[Path, Path, str]:
    """(landing, LEIA_HOME, what the run said) published with the demo key; the landing folder
    also holds mis-named files."""
    root = tmp_path_factory.mktemp("demo_key")
    landing, home = root / "landing", root / "home"
    shutil.copytree(generated, landing)
    for name in MISNAMED:
        shutil.copyfile(month_path(landing, "2017-11"), landing / name)
    (landing / "auth_events" / "AUTH_EVENTS_2017-12.csv.gz").write_bytes(b"x")  # not a copy
    (landing / "auth_events" / "auth_2017-10.csv.gz").write_bytes(b"xy")
    (landing / "auth_events" / "auth_events_2017-13.csv.gz").write_bytes(b"xyz")
    with pytest.MonkeyPatch.context() as env:
        env.delenv(KEY_VARIABLE, raising=False)
        code, said = run(landing, home)
    assert code == 0, said[-3000:]
    return landing, home, said


@pytest.mark.slow
def test_the_run_lists_every_file_it_does_not_load(demo_built: tuple[Path, Path, str]) -> None:
    _, home, said = demo_built
    for name, reason in MISNAMED.items():
        assert any(name in line and reason in line for line in said.splitlines()), (name, said)
    with duckdb.connect(str(home / "leia.duckdb"), read_only=True) as con:
        listed = dict(
            con.execute(
                "select path, status from raw.landing_files where status <> 'extract'"
            ).fetchall()
        )
    assert {name: listed.get(name) for name in MISNAMED} == {
        "auth_events/auth_events_2017-11 (1).csv.gz": "ignored",  # a copy: nothing to redo
        "auth_events/AUTH_EVENTS_2017-12.csv.gz": "warning",
        "auth_events/auth_2017-10.csv.gz": "warning",
        "auth_events/auth_events_2017-13.csv.gz": "warning",
    }


@pytest.mark.slow
def test_a_run_with_another_key_is_refused_and_changes_nothing(
    demo_built: tuple[Path, Path, str], monkeypatch
) -> None:
    landing, home, _ = demo_built
    published = home / "leia.duckdb"
    before = sha256(published)
    demo = pseudonymiser_for(landing).fingerprint
    new = Pseudonymiser(NEW_KEY.encode(), is_demo=False).fingerprint

    monkeypatch.setenv(KEY_VARIABLE, NEW_KEY)
    code, said = run(landing, home)
    assert code == 2, said[-3000:]
    assert f"key fingerprint {demo} in raw.load_log; now {new}" in said
    assert "LEIA_PSEUDONYMISATION_KEY back" in said and "leia run --full --rekey" in said
    assert NEW_KEY not in said and DEMO_KEY not in said, "a key was printed"

    # a month delivered again changes nothing either, and no failed build is kept for it
    path = month_path(landing, REDELIVERED)
    write_lines(path, read_lines(path)[:-5])
    code, said = run(landing, home)
    assert code == 2 and "leia run --full --rekey" in said
    assert sha256(published) == before
    assert not list((home / "failed").glob("*.duckdb")), "a refused run kept a failed build"

    # the loader refuses by itself (the landing sensor's loads, a script)
    build = home / "build" / "leia.duckdb"
    with duckdb.connect(str(build)) as con, pytest.raises(KeyChangedError):
        load.load_month(con, landing, REDELIVERED, pseudonymiser_for(landing))

    # the demo key back (the variable unset) is refused by a warehouse rebuilt with the new key
    # below, and accepted by this one: restoring the key is the first way out
    monkeypatch.delenv(KEY_VARIABLE)
    code, said = run(landing, home)
    assert code == 0, said[-3000:]


@pytest.mark.slow
def test_rekey_rebuilds_everything_as_a_clean_build_with_the_new_key(
    demo_built: tuple[Path, Path, str], generated: Path, tmp_path: Path, monkeypatch
) -> None:
    landing, home, _ = demo_built
    monkeypatch.setenv(KEY_VARIABLE, NEW_KEY)
    code, said = run(landing, home, "--rekey")
    assert code == 2 and "--rekey needs --full" in said

    code, said = run(landing, home, "--full", "--rekey")
    assert code == 0, said[-3000:]

    clean_landing, clean_home = tmp_path / "landing", tmp_path / "home"
    shutil.copytree(landing, clean_landing)
    code, said = run(clean_landing, clean_home)
    assert code == 0, said[-3000:]
    assert marts_content(home / "leia.duckdb") == marts_content(clean_home / "leia.duckdb")
    with duckdb.connect(str(home / "leia.duckdb"), read_only=True) as con:
        fingerprints = con.execute("select distinct key_fingerprint from raw.load_log").fetchall()
    assert fingerprints == [(Pseudonymiser(NEW_KEY.encode(), is_demo=False).fingerprint,)]

    # now the demo key is the stranger
    monkeypatch.delenv(KEY_VARIABLE)
    code, said = run(landing, home)
    assert code == 2 and "(the public demo key)" in said
