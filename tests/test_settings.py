"""The settings object: every LEIA_* variable read in one place, checked, and documented.

The README's Configuration table lists exactly the variables `Settings` reads, with their
defaults; a bad value is refused with an error naming the variable.
"""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path

import pytest

from orchestration.home import HomeLayout
from orchestration.settings import (
    PROJECT_DIR,
    VARIABLES,
    Settings,
    SettingsError,
    readme_defaults,
)

README = PROJECT_DIR / "README.md"
ROW = re.compile(r"^\|\s*`(?P<name>[A-Z_]+)`\s*\|\s*(?P<default>[^|]*?)\s*\|")


def readme_configuration() -> dict[str, str]:
    """Variable -> default, as the README's Configuration table writes them."""
    section = README.read_text(encoding="utf-8").split("\n## Configuration\n", 1)[1]
    section = section.split("\n## ", 1)[0]
    rows = (ROW.match(line) for line in section.splitlines())
    return {row["name"]: row["default"] for row in rows if row}


def test_readme_lists_exactly_the_variables_of_the_settings():
    documented = readme_configuration()
    assert list(documented) == list(VARIABLES)
    assert documented == readme_defaults()


def test_readme_defaults_are_the_settings_defaults():
    defaults = Settings.from_env({})
    documented = readme_configuration()
    assert defaults.landing == (PROJECT_DIR / documented["LEIA_LANDING"].strip("`")).resolve()
    assert defaults.home == (PROJECT_DIR / documented["LEIA_HOME"].strip("`")).resolve()
    assert defaults.spark_home == defaults.home / "spark"  # `LEIA_HOME/spark/`
    assert defaults.pseudonymisation_key is None  # *(demo key)*
    by_variable = {
        f.metadata["variable"]: getattr(defaults, f.name)
        for f in dataclasses.fields(Settings)
        if "variable" in f.metadata
    }
    for name in (
        "LEIA_AUDITED_REPORTS",
        "LEIA_KEEP_VERSIONS",
        "LEIA_RETENTION_MONTHS",
        "LEIA_DUCKDB_MEMORY_LIMIT",
        "LEIA_SPARK_DRIVER_MEMORY",
        "LEIA_SPARK_JAVA_OPTIONS",
    ):
        assert documented[name] == f"`{by_variable[name]}`", name


def test_values_are_read_once_typed_and_overrides_win(tmp_path):
    env = {
        "LEIA_LANDING": str(tmp_path / "in"),
        "LEIA_HOME": str(tmp_path / "home"),
        "LEIA_AUDITED_REPORTS": " bilan_2017,bilan_2018 ",
        "LEIA_PSEUDONYMISATION_KEY": "s3cret",
        "LEIA_KEEP_VERSIONS": "5",
        "LEIA_RETENTION_MONTHS": "0",
        "LEIA_DUCKDB_MEMORY_LIMIT": "512MB",
        "LEIA_SPARK_JAVA_OPTIONS": "",  # empty on purpose: a value (profiles.yml says so)
    }
    s = Settings.from_env(env)
    assert s.landing == tmp_path / "in"
    assert s.warehouse == tmp_path / "home" / "leia.duckdb"
    assert s.build_database == tmp_path / "home" / "build" / "leia.duckdb"
    assert s.spark_home == tmp_path / "home" / "spark"
    assert s.audited_reports == "bilan_2017,bilan_2018"
    assert (s.keep_versions, s.retention_months) == (5, 0)
    assert s.duckdb_memory_limit == "512MB"
    assert s.spark_java_options == ""
    assert "s3cret" not in repr(s)  # the key never reaches a log
    other = Settings.from_env(env, home=tmp_path / "other", landing=None)
    assert other.home == tmp_path / "other" and other.landing == tmp_path / "in"
    with pytest.raises(dataclasses.FrozenInstanceError):
        s.home = tmp_path  # type: ignore[misc]


def test_an_empty_variable_is_its_default():
    s = Settings.from_env({"LEIA_HOME": "", "LEIA_KEEP_VERSIONS": " ", "LEIA_AUDITED_REPORTS": ""})
    assert s.home == (PROJECT_DIR / "warehouse").resolve()
    assert (s.keep_versions, s.audited_reports) == (3, "all")


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("LEIA_KEEP_VERSIONS", "three"),
        ("LEIA_KEEP_VERSIONS", "0"),
        ("LEIA_KEEP_VERSIONS", "-1"),
        ("LEIA_RETENTION_MONTHS", "12.5"),
        ("LEIA_DUCKDB_MEMORY_LIMIT", "lots"),
        ("LEIA_DUCKDB_MEMORY_LIMIT", "2000000"),  # DuckDB wants a unit
        ("LEIA_AUDITED_REPORTS", "bilan 2017"),
        ("LEIA_AUDITED_REPORTS", "bilan_2017,,bilan_2018"),
        ("LEIA_SPARK_DRIVER_MEMORY", "1 gigabyte"),
    ],
)
def test_a_bad_value_is_refused_naming_the_variable(variable, value):
    with pytest.raises(SettingsError, match=f"^{variable}={re.escape(repr(value))}: expected"):
        Settings.from_env({variable: value})


def test_a_bad_override_is_refused_too(tmp_path):
    with pytest.raises(SettingsError, match="^LEIA_KEEP_VERSIONS='0'"):
        Settings.from_env({}, keep_versions=0)
    with pytest.raises(SettingsError, match="^LEIA_RETENTION_MONTHS"):
        Settings(landing=tmp_path, home=tmp_path, retention_months=-1)


def test_leia_commands_name_the_bad_variable(monkeypatch, tmp_path, capsys):
    from orchestration import cli

    monkeypatch.setenv("LEIA_AUDITED_REPORTS", "bilan 2017")
    assert cli.main(["rollback", "--list", "--warehouse-dir", str(tmp_path)]) == 2
    assert "LEIA_AUDITED_REPORTS='bilan 2017': expected" in capsys.readouterr().err


def test_the_environment_of_a_child_process_has_telemetry_off(monkeypatch):
    from orchestration.settings import TELEMETRY_OFF, subprocess_env

    monkeypatch.setenv("DO_NOT_TRACK", "0")
    env = subprocess_env(EXTRA="1")
    assert {name: env[name] for name in TELEMETRY_OFF} == TELEMETRY_OFF
    assert env["EXTRA"] == "1" and env["PATH"]


def test_paths_are_the_settings_paths(monkeypatch, tmp_path):
    from orchestration.settings import Paths

    monkeypatch.setenv("LEIA_HOME", str(tmp_path))
    assert Paths.from_env().home == tmp_path
    assert Paths.from_env(home=tmp_path / "x").warehouse == Path(tmp_path / "x" / "leia.duckdb")


def test_readme_lists_every_path_of_leia_home():
    section = README.read_text(encoding="utf-8").split("\n### Layout of LEIA_HOME\n", 1)[1]
    section = section.split("\n## ", 1)[0]
    documented = re.findall(r"^\|\s*`([^`]+)`\s*\|", section, flags=re.MULTILINE)
    layout = HomeLayout(Path("/home"))
    paths = {
        name: getattr(layout, name)
        for name, value in vars(HomeLayout).items()
        if isinstance(value, property) and name != "bi_database"  # shown in bi/'s row
    }
    written = sorted(
        path.relative_to(layout.root).as_posix() + ("" if path.suffix else "/")
        for path in paths.values()
    )
    assert sorted(documented) == written
