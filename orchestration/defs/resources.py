"""The resources every tool's assets share: the warehouse files and LEIA_HOME's run lock.

DuckDB allows one writer per file (and dbt is another process): a connection is opened for one
piece of work and closed before the step ends, never kept from one step to the next.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path

import duckdb
from dagster import ConfigurableResource, InitResourceContext
from pydantic import PrivateAttr

from orchestration import run_lock
from orchestration.extracts.pseudonymise import Pseudonymiser, pseudonymiser_for
from orchestration.months import checked_months_value
from orchestration.settings import (
    CHECKED_MONTHS_VARIABLE,
    Paths,
    audited_reports_setting,
    dbt_profile_env,
    duckdb_memory_limit,
    settings,
    temporary_environ,
)


class DuckDBWarehouse(ConfigurableResource):
    """The landing folder (read) and LEIA_HOME (written): the build file and the published file.

    Every write goes to the build file; only the `publish` asset replaces the published file,
    which BI tools read, so a failed run never leaves them with half-built tables.
    """

    landing_dir: str
    home_dir: str
    # whose published figures gate the publication: 'all', 'none' or report codes
    # (LEIA_AUDITED_REPORTS; see orchestration/settings.py)
    audited_reports: str = "all"

    @classmethod
    def from_paths(cls, paths: Paths, audited_reports: str | None = None) -> DuckDBWarehouse:
        return cls(
            landing_dir=str(paths.landing),
            home_dir=str(paths.home),
            audited_reports=audited_reports or audited_reports_setting(),
        )

    @property
    def paths(self) -> Paths:
        return Paths(landing=Path(self.landing_dir), home=Path(self.home_dir))

    @property
    def landing(self) -> Path:
        return self.paths.landing

    @property
    def home(self) -> Path:
        return self.paths.home

    @property
    def build_database(self) -> Path:
        return self.paths.layout.build_database

    @property
    def published_database(self) -> Path:
        return self.paths.warehouse

    @property
    def dbt_target_path(self) -> Path:
        """dbt's artifacts and logs of this warehouse: they stay in LEIA_HOME, not the checkout."""
        return self.paths.layout.dbt_target

    @contextmanager
    def connect(self) -> Iterator[duckdb.DuckDBPyConnection]:
        """A short-lived read-write connection to the build file."""
        self.build_database.parent.mkdir(parents=True, exist_ok=True)
        con = duckdb.connect(
            str(self.build_database), config={"memory_limit": duckdb_memory_limit()}
        )
        try:
            yield con
        finally:
            con.close()

    def pseudonymiser(self, rekey: bool = False) -> Pseudonymiser:
        """`rekey`: the run rebuilds the warehouse with the current key (`leia run --rekey`)."""
        return pseudonymiser_for(self.landing, rekey=rekey)

    @contextmanager
    def dbt_environment(self, checked_months: Iterable[str] | None = None) -> Iterator[None]:
        """The variables the `prod` profile reads, set while the dbt process is started, and
        the months the tests of the monthly models check (None: every month).

        DbtCliResource passes os.environ to dbt and has no per-call environment: set them around
        the call and restore them, so in-process runs for several warehouses (tests) don't mix.
        """
        self.build_database.parent.mkdir(parents=True, exist_ok=True)  # DuckDB makes no folder
        values = {
            **dbt_profile_env(settings(home=self.home), self.build_database),
            CHECKED_MONTHS_VARIABLE: checked_months_value(checked_months),
        }
        with temporary_environ(values):
            yield


# a run started by the schedule, the sensor or the UI while `leia run` (or another writer) holds
# the run lock waits this long for it, then fails
# (an hour: a full run at 30 times the Bilan's volumes takes ~13 minutes, see bench/)
DAGSTER_LOCK_WAIT_SECONDS = 3600.0


class RunLockResource(ConfigurableResource):
    """The run lock of LEIA_HOME (orchestration/run_lock.py), held for the whole Dagster run.

    Every asset that writes the build or the published file requires it. The executor is
    in-process, so resources are set up once per run, before its first step, and torn down
    after its last: the lock is held from the first load to the publication. Under `leia run`,
    which holds the lock already, taking it again is immediate (re-entrant in one process).
    Schedules and sensors do not require it: evaluating them never waits for a run.
    """

    home_dir: str
    wait_seconds: float = DAGSTER_LOCK_WAIT_SECONDS

    _lock: run_lock.RunLock | None = PrivateAttr(default=None)

    def setup_for_execution(self, context: InitResourceContext) -> None:
        run = context.run
        command = f"dagster run {run.run_id} (job {run.job_name})" if run else "dagster run"

        def notify(message: str) -> None:
            run_lock.say(message)
            context.log.warning(message)

        # under `leia run` the process holds it already: not worth a progress line
        log = context.log.debug if run_lock.held_here(self.home_dir) else context.log.info
        self._lock = run_lock.acquire(self.home_dir, command, self.wait_seconds, notify=notify)
        log(f"run lock of {self.home_dir} held ({self._lock.holder.describe()})")

    def teardown_after_execution(self, context: InitResourceContext) -> None:
        if self._lock is not None:
            lock, self._lock = self._lock, None
            run_lock.release(lock)
            log = context.log.debug if run_lock.held_here(self.home_dir) else context.log.info
            log(f"run lock of {self.home_dir} given back")
