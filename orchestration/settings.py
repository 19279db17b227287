"""Where things live and how a run is set up: the one place that reads the environment.

`Settings.from_env()` resolves every `LEIA_*` variable (the README's Configuration table lists
exactly `VARIABLES`) and every path under LEIA_HOME, once, into a frozen object; a bad value
raises SettingsError naming the variable. `settings()` is the accessor the rest of the package
calls, at the moment it needs a value (tests change variables with monkeypatch.setenv).

Importing this module changes nothing: the entry points (`leia`, `build_definitions`, the
devserver, the `python -m` commands) call `apply_process_environment()`, which switches every
tool's telemetry off and tells dbt where profiles.yml is. The only other writes to the
environment are built here too: `subprocess_env()`, `temporary_environ()` (dbt's profile
variables around a dbt call) and `prepend_interpreter_scripts()` (PATH, for `dagster dev`).

The package runs from a checkout of the repository (installed in editable mode by `make`):
the dbt project, the seeds and the expectation suites are files of the repository, not data
of the package.
"""

from __future__ import annotations

import os
import re
import sys
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field, fields
from pathlib import Path

from orchestration.home import HomeLayout

PROJECT_DIR = Path(__file__).resolve().parent.parent
SEEDS_DIR = PROJECT_DIR / "seeds"
EXPECTATIONS_DIR = PROJECT_DIR / "expectations"

# Nothing may phone home: set by apply_process_environment() before dbt, Dagster or GX run.
TELEMETRY_OFF = {
    "DO_NOT_TRACK": "1",
    "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
    "GX_ANALYTICS_ENABLED": "false",
    "DAGSTER_DISABLE_TELEMETRY": "true",
}

# the variables read here; the defaults the README shows are each field's `readme_default`
LANDING_VARIABLE = "LEIA_LANDING"
HOME_VARIABLE = "LEIA_HOME"
# Whose published figures gate a publication: 'all' (default), 'none' or report codes
# ('bilan_2017,bilan_2018'). An operator's explicit choice: extracts that are not the ENT the
# reports describe (test sets, --scale) cannot reproduce them. Never inferred from the data.
AUDITED_REPORTS_VARIABLE = "LEIA_AUDITED_REPORTS"
KEY_VARIABLE = "LEIA_PSEUDONYMISATION_KEY"
KEEP_VERSIONS_VARIABLE = "LEIA_KEEP_VERSIONS"
RETENTION_VARIABLE = "LEIA_RETENTION_MONTHS"
# DuckDB's memory limit for the loader and for dbt, each a process: without one, DuckDB takes up
# to 80 % of the machine's memory in each, and a large month's checks are held in memory.
MEMORY_LIMIT_VARIABLE = "LEIA_DUCKDB_MEMORY_LIMIT"
SPARK_HOME_VARIABLE = "LEIA_SPARK_HOME"
SPARK_DRIVER_MEMORY_VARIABLE = "LEIA_SPARK_DRIVER_MEMORY"
SPARK_JAVA_OPTIONS_VARIABLE = "LEIA_SPARK_JAVA_OPTIONS"
# written for dbt (profiles.yml reads them), never read by the package
BUILD_DATABASE_VARIABLE = "LEIA_BUILD_DATABASE"
RAW_PARQUET_DIR_VARIABLE = "LEIA_RAW_PARQUET_DIR"
# the months dbt rebuilds, which the tests of the monthly models check (orchestration/months.py)
CHECKED_MONTHS_VARIABLE = "LEIA_CHECKED_MONTHS"

DEFAULT_AUDITED_REPORTS = "all"
DEFAULT_KEEP_VERSIONS = 3
DEFAULT_RETENTION_MONTHS = 12
DEFAULT_MEMORY_LIMIT = "2GB"
DEFAULT_SPARK_DRIVER_MEMORY = "1g"
# the driver JVM starts fast and small (a local session of a few minutes)
DEFAULT_SPARK_JAVA_OPTIONS = "-XX:TieredStopAtLevel=1 -XX:+UseSerialGC"

# what DuckDB accepts as memory_limit: 2GB, 512 MiB, 1.5G, 80%
MEMORY_SIZE = re.compile(r"^\d+(\.\d+)?\s*(%|[KMGT]i?B?|B|bytes)$", re.IGNORECASE)
REPORT_CODE = re.compile(r"^[A-Za-z0-9_]+$")
# what Spark accepts as spark.driver.memory: 1g, 512m, 2gb
JVM_MEMORY = re.compile(r"^\d+([kmgtp]b?|b)?$", re.IGNORECASE)


class SettingsError(ValueError):
    """A variable of the environment has a value the warehouse cannot use."""


def _variable(name: str, default: str, meaning: str) -> dict:
    """Metadata of a field read from `name` (`default`: as the README's table shows it)."""
    return {"variable": name, "readme_default": default, "meaning": meaning}


@dataclass(frozen=True)
class Settings:
    """Everything a run reads from its environment, resolved and checked once."""

    landing: Path = field(
        metadata=_variable(LANDING_VARIABLE, "`data/landing/`", "where the extracts arrive")
    )
    home: Path = field(metadata=_variable(HOME_VARIABLE, "`warehouse/`", "everything a run writes"))
    audited_reports: str = field(
        default=DEFAULT_AUDITED_REPORTS,
        metadata=_variable(AUDITED_REPORTS_VARIABLE, "`all`", "whose figures block"),
    )
    pseudonymisation_key: str | None = field(
        default=None,
        repr=False,  # a secret: never in a log or a traceback
        metadata=_variable(KEY_VARIABLE, "*(demo key)*", "secret key of the HMAC"),
    )
    keep_versions: int = field(
        default=DEFAULT_KEEP_VERSIONS,
        metadata=_variable(KEEP_VERSIONS_VARIABLE, "`3`", "publications kept for rollback"),
    )
    retention_months: int = field(
        default=DEFAULT_RETENTION_MONTHS,
        metadata=_variable(RETENTION_VARIABLE, "`12`", "months kept after a school year"),
    )
    duckdb_memory_limit: str = field(
        default=DEFAULT_MEMORY_LIMIT,
        metadata=_variable(MEMORY_LIMIT_VARIABLE, "`2GB`", "DuckDB's memory per process"),
    )
    spark_home: Path | None = field(
        default=None,
        metadata=_variable(SPARK_HOME_VARIABLE, "`LEIA_HOME/spark/`", "the Spark target's home"),
    )
    spark_driver_memory: str = field(
        default=DEFAULT_SPARK_DRIVER_MEMORY,
        metadata=_variable(SPARK_DRIVER_MEMORY_VARIABLE, "`1g`", "the Spark driver's memory"),
    )
    spark_java_options: str = field(
        default=DEFAULT_SPARK_JAVA_OPTIONS,
        # set empty on purpose for long jobs (profiles.yml): an empty value is a value here
        metadata=_variable(
            SPARK_JAVA_OPTIONS_VARIABLE, f"`{DEFAULT_SPARK_JAVA_OPTIONS}`", "the driver's JVM"
        ),
    )
    # not a LEIA_ variable: where `make dev` keeps Dagster's instance (the Makefile sets it)
    dagster_home: Path | None = None

    def __post_init__(self) -> None:
        # every field checked, whoever built the object (from_env or a test's overrides)
        for name in ("landing", "home"):
            object.__setattr__(self, name, Path(getattr(self, name)).resolve())
        if self.spark_home is None:
            object.__setattr__(self, "spark_home", HomeLayout(self.home).spark)
        object.__setattr__(self, "spark_home", Path(self.spark_home).resolve())
        if self.dagster_home is None:
            object.__setattr__(self, "dagster_home", PROJECT_DIR / "warehouse" / "dagster_home")
        object.__setattr__(self, "dagster_home", Path(self.dagster_home))
        object.__setattr__(self, "audited_reports", _audited_reports(self.audited_reports))
        _check_int(KEEP_VERSIONS_VARIABLE, self.keep_versions, minimum=1)
        _check_int(RETENTION_VARIABLE, self.retention_months, minimum=0)
        _check(
            MEMORY_LIMIT_VARIABLE,
            self.duckdb_memory_limit,
            MEMORY_SIZE,
            "a size like 2GB or a share like 80%",
        )
        _check(SPARK_DRIVER_MEMORY_VARIABLE, self.spark_driver_memory, JVM_MEMORY, "a size like 1g")

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None, **overrides: object) -> Settings:
        """The settings of `environ` (default: os.environ); `overrides` (field names) win, a
        None override meaning "not given". An empty variable counts as unset."""
        env = os.environ if environ is None else environ
        values: dict[str, object] = {
            "landing": PROJECT_DIR / "data" / "landing",
            "home": PROJECT_DIR / "warehouse",
        }
        for f in fields(cls):
            name = f.metadata.get("variable")
            if not name or name not in env:
                continue
            text = env[name].strip()
            if not text and f.name != "spark_java_options":
                continue
            if f.type == "int":
                if not text.isdigit():
                    raise SettingsError(f"{name}={text!r}: expected a whole number")
                values[f.name] = int(text)
            else:
                values[f.name] = text
        if env.get("DAGSTER_HOME"):
            values["dagster_home"] = env["DAGSTER_HOME"]
        values.update({k: v for k, v in overrides.items() if v is not None})
        return cls(**values)  # type: ignore[arg-type]

    # ------------------------------------------------------------ paths under LEIA_HOME
    @property
    def paths(self) -> Paths:
        return Paths(landing=self.landing, home=self.home)

    @property
    def layout(self) -> HomeLayout:
        return HomeLayout(self.home)

    @property
    def warehouse(self) -> Path:
        """The published warehouse: what BI tools and SQL users open."""
        return self.layout.warehouse

    @property
    def build_database(self) -> Path:
        return self.layout.build_database


def _audited_reports(value: str) -> str:
    value = (value or DEFAULT_AUDITED_REPORTS).strip()
    if value in ("all", "none"):
        return value
    codes = [code.strip() for code in value.split(",")]
    bad = [code for code in codes if not REPORT_CODE.match(code)]
    if bad:
        raise SettingsError(
            f"{AUDITED_REPORTS_VARIABLE}={value!r}: expected 'all', 'none' or report codes "
            "separated by commas (bilan_2017,bilan_2018)"
        )
    return value


def _check_int(variable: str, value: object, minimum: int) -> None:
    if not isinstance(value, int) or isinstance(value, bool) or value < minimum:
        raise SettingsError(f"{variable}={str(value)!r}: expected a whole number >= {minimum}")


def _check(variable: str, value: str, pattern: re.Pattern, expected: str) -> None:
    if not pattern.match(value.strip()):
        raise SettingsError(f"{variable}={value!r}: expected {expected}")


def settings(**overrides: object) -> Settings:
    """The settings of the current environment (read now: nothing is cached)."""
    return Settings.from_env(**overrides)


VARIABLES: tuple[str, ...] = tuple(
    f.metadata["variable"] for f in fields(Settings) if "variable" in f.metadata
)


def readme_defaults() -> dict[str, str]:
    """Each variable and its default as the README's Configuration table writes it."""
    return {
        f.metadata["variable"]: f.metadata["readme_default"]
        for f in fields(Settings)
        if "variable" in f.metadata
    }


@dataclass(frozen=True)
class Paths:
    """The folders of one run: landing (read) and home (everything written)."""

    landing: Path
    home: Path

    @classmethod
    def from_env(cls, landing: str | Path | None = None, home: str | Path | None = None) -> Paths:
        return settings(landing=landing or None, home=home or None).paths

    @property
    def layout(self) -> HomeLayout:
        return HomeLayout(self.home)

    @property
    def warehouse(self) -> Path:
        """The published warehouse: what BI tools and SQL users open."""
        return self.layout.warehouse


# ------------------------------------------------------------------ the process environment
def apply_process_environment() -> None:
    """What every entry point calls first: telemetry off for dbt, Dagster, GX and npm, and
    profiles.yml read from the checkout whatever the working directory. Values already set
    by the operator are kept (`setdefault`)."""
    for name, value in TELEMETRY_OFF.items():
        os.environ.setdefault(name, value)
    os.environ.setdefault("DBT_PROFILES_DIR", str(PROJECT_DIR))


def prepend_interpreter_scripts() -> None:
    """Put this interpreter's scripts (the virtualenv's `dbt`) first on PATH, as activating the
    virtualenv would: `make dev` starts Dagster without activating it."""
    scripts = str(Path(sys.executable).parent)
    path = os.environ.get("PATH", "")
    if scripts not in path.split(os.pathsep):
        os.environ["PATH"] = scripts + os.pathsep + path


def subprocess_env(**extra: str) -> dict[str, str]:
    """The environment of a child process: this one's, telemetry off, plus `extra`."""
    return {**os.environ, **TELEMETRY_OFF, **extra}


def inherited(name: str, default: str) -> str:
    """A variable of the environment a child process is given as is (CI for npm, ...)."""
    return os.environ.get(name, default)


@contextmanager
def temporary_environ(values: Mapping[str, str]) -> Iterator[None]:
    """`values` set in os.environ while the block runs, then restored: for tools (dbt through
    DbtCliResource) that pass os.environ to their process and take no environment per call."""
    saved = {name: os.environ.get(name) for name in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


def dbt_profile_env(s: Settings, build_database: Path | None = None) -> dict[str, str]:
    """The variables the `prod` profile of profiles.yml reads, for this LEIA_HOME."""
    return {
        HOME_VARIABLE: str(s.home),
        BUILD_DATABASE_VARIABLE: str(build_database or s.build_database),
        MEMORY_LIMIT_VARIABLE: s.duckdb_memory_limit,
    }


def spark_profile_env(spark_home: Path, parquet_dir: Path | None = None) -> dict[str, str]:
    """The variables a dbt process on the spark target needs (profiles.yml reads them)."""
    env = {
        **TELEMETRY_OFF,
        "DBT_PROFILES_DIR": str(PROJECT_DIR),
        SPARK_HOME_VARIABLE: str(Path(spark_home).resolve()),
        # Spark binds to loopback only, whatever the machine's name resolves to
        "SPARK_LOCAL_IP": "127.0.0.1",
    }
    if parquet_dir is not None:
        env[RAW_PARQUET_DIR_VARIABLE] = str(Path(parquet_dir).resolve())
    return env


def set_process_environ(values: Mapping[str, str]) -> None:
    """Set `values` for the rest of this process (the Spark runner's dbt, in process)."""
    os.environ.update(values)


def set_default_environ(name: str, value: str) -> None:
    os.environ.setdefault(name, value)


# kept for the modules that ask for one value
def duckdb_memory_limit() -> str:
    return settings().duckdb_memory_limit


def audited_reports_setting() -> str:
    return settings().audited_reports
