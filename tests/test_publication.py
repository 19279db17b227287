"""Write-audit-publish (issue 7): the published file is replaced atomically, the last versions
are kept, and `leia rollback` publishes an older one again."""

from __future__ import annotations

import contextlib
import io
import shutil
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from orchestration import cli
from orchestration.home import HomeLayout
from orchestration.publication import (
    KEEP_FAILED_BUILDS,
    BuildInUseError,
    keep_failed_build,
    publish_database,
    published_versions,
    rollback,
)


def write_build(build: Path, release: int) -> None:
    """A build file whose content says which release it is (raw schema: `leia` summarises it)."""
    build.parent.mkdir(parents=True, exist_ok=True)
    with duckdb.connect(str(build)) as con:
        con.execute("create or replace table release as select ? as number", [release])


def release_of(database: Path) -> int:
    with duckdb.connect(str(database), read_only=True) as con:
        return con.execute("select number from release").fetchone()[0]


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """LEIA_HOME after 4 publications (releases 1 to 4) with 3 versions kept."""
    monkeypatch.setenv("LEIA_KEEP_VERSIONS", "3")
    home = tmp_path / "home"
    for release in range(1, 5):
        write_build(home / "build" / "leia.duckdb", release)
        publication = publish_database(home / "build" / "leia.duckdb", home / "leia.duckdb")
        assert publication.version.samefile(home / "leia.duckdb")
    return home


def test_the_last_versions_are_kept_and_the_newest_is_published(home: Path):
    published = home / "leia.duckdb"
    versions = published_versions(published)
    assert [release_of(v) for v in versions] == [2, 3, 4]
    assert release_of(published) == 4
    assert versions[-1].samefile(published)  # a hard link: no second copy on disk
    assert not list(home.glob("*.partial")) and not list(home.glob(".*.partial"))


def test_rollback_publishes_the_previous_version_and_resets_the_build_file(home: Path):
    published, build = home / "leia.duckdb", home / "build" / "leia.duckdb"
    newest = published_versions(published)[-1]
    done = rollback(published, build)
    assert release_of(done.restored) == 3 and done.discarded == [newest]
    assert release_of(published) == 3
    assert release_of(build) == 3  # the next run starts from what is published
    # what was rolled back is gone: a second rollback goes further back, not forward again
    assert [release_of(v) for v in published_versions(published)] == [2, 3]
    assert release_of(rollback(published, build).restored) == 2
    with pytest.raises(FileNotFoundError, match="no version older than the published one"):
        rollback(published, build)
    assert release_of(published) == 2
    assert [release_of(v) for v in published_versions(published)] == [2]
    assert not [p.name for p in home.rglob("*.partial")]


def test_rollback_to_the_published_version_changes_nothing_and_leaves_no_link(home: Path):
    published, build = home / "leia.duckdb", home / "build" / "leia.duckdb"
    current = published_versions(published)[-1]
    done = rollback(published, build, current)
    assert done.restored == current and done.discarded == []
    assert release_of(published) == 4 and current.samefile(published)
    assert not [p.name for p in home.rglob("*.partial")]
    assert current.stat().st_nlink == 2  # the version and the published file, no stray link


def test_rollback_is_refused_while_a_run_holds_the_build_file(home: Path):
    published, build = home / "leia.duckdb", home / "build" / "leia.duckdb"
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sys, duckdb; con = duckdb.connect(sys.argv[1]); print('held', flush=True); "
            "sys.stdin.read()",
            str(build),
        ],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout.readline().strip() == "held"
        with pytest.raises(BuildInUseError, match="a run is using the build file"):
            rollback(published, build)
    finally:
        holder.communicate("")
    assert release_of(published) == 4  # nothing was published
    assert len(published_versions(published)) == 3


def test_a_version_that_cannot_be_kept_publishes_nothing(tmp_path: Path):
    home = tmp_path / "home"
    published, build = home / "leia.duckdb", home / "build" / "leia.duckdb"
    write_build(build, 1)
    publish_database(build, published)
    shutil.rmtree(home / "versions")
    (home / "versions").write_text("not a folder")  # no version can be linked in it
    write_build(build, 2)
    with pytest.raises(FileExistsError):
        publish_database(build, published)
    assert release_of(published) == 1
    assert not [p.name for p in home.rglob("*.partial")]


def test_leia_rollback_lists_and_restores_a_named_version(home: Path):
    def leia(*arguments: str) -> tuple[int, str, str]:
        out, err = io.StringIO(), io.StringIO()
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            code = cli.main([*arguments, "--warehouse-dir", str(home)])
        return code, out.getvalue(), err.getvalue()

    code, listing, _ = leia("rollback", "--list")
    names = [line.split()[0] for line in listing.splitlines()]
    assert code == 0 and len(names) == 3
    assert listing.splitlines()[-1].endswith("(published)")

    oldest = names[0]
    code, _, said = leia("rollback", "--to", oldest)
    assert code == 0, said
    assert release_of(home / "leia.duckdb") == 2
    code, _, said = leia("rollback", "--to", "leia-no-such-version.duckdb")
    assert code == 1 and "no such version" in said
    code, _, said = leia("rollback")
    assert code == 1 and "no version older than the published one" in said


def test_a_failed_build_is_kept_for_inspection_and_only_the_last_ones(tmp_path: Path):
    home = tmp_path / "home"
    build = home / "build" / "leia.duckdb"
    kept = []
    for release in range(1, KEEP_FAILED_BUILDS + 2):
        write_build(build, release)
        kept.append(keep_failed_build(build, home, f"run{release:04d}-0000"))
    assert release_of(kept[-1]) == KEEP_FAILED_BUILDS + 1
    assert kept[-1].parent == HomeLayout(home).failed and "run0003" in kept[-1].name
    assert sorted(p.name for p in (HomeLayout(home).failed).iterdir()) == sorted(
        p.name for p in kept[-KEEP_FAILED_BUILDS:]
    )
    write_build(build, 99)  # the next run changes the build file, not the kept copy
    assert release_of(kept[-1]) == KEEP_FAILED_BUILDS + 1


def test_a_bad_number_of_versions_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("LEIA_KEEP_VERSIONS", "0")
    write_build(tmp_path / "build.duckdb", 1)
    with pytest.raises(ValueError, match="LEIA_KEEP_VERSIONS='0'"):
        publish_database(tmp_path / "build.duckdb", tmp_path / "leia.duckdb")
