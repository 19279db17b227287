"""The layout of a LEIA_HOME: every path a run writes there, named once.

Which LEIA_HOME is the settings' business (orchestration/settings.py, LEIA_HOME); what lies in it
is this module's. The README's "Layout of LEIA_HOME" lists the same paths (tests/test_settings.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

BUILD_DATABASE = Path("build") / "leia.duckdb"  # relative to LEIA_HOME, as in profiles.yml


@dataclass(frozen=True)
class HomeLayout:
    """Every path under a LEIA_HOME, named here once (README, "Layout of LEIA_HOME")."""

    root: Path

    @property
    def warehouse(self) -> Path:
        """The published warehouse: what BI tools and SQL users open."""
        return self.root / "leia.duckdb"

    @property
    def build_database(self) -> Path:
        """The file a run builds and checks before publishing it (profiles.yml's prod target)."""
        return self.root / BUILD_DATABASE

    @property
    def dev_database(self) -> Path:
        """A data engineer's `dbt build` (profiles.yml's default target, `duckdb`)."""
        return self.root / "dev.duckdb"

    @property
    def versions(self) -> Path:
        """The last published warehouses, newest last (`leia rollback`)."""
        return self.root / "versions"

    @property
    def failed(self) -> Path:
        """Build files of failed runs, kept for inspection."""
        return self.root / "failed"

    @property
    def purge(self) -> Path:
        """`leia purge`'s work copy; kept there when its checks fail."""
        return self.root / "purge"

    @property
    def data_docs(self) -> Path:
        """Great Expectations' Data Docs of the last validation."""
        return self.root / "gx_data_docs"

    @property
    def dbt_target(self) -> Path:
        """dbt's artifacts and logs of this warehouse: in LEIA_HOME, not the checkout."""
        return self.root / "dbt" / "target"

    @property
    def bi(self) -> Path:
        """The BI copy and the site build's logs."""
        return self.root / "bi"

    @property
    def bi_database(self) -> Path:
        """The copy of the published warehouse that the BI site reads."""
        return self.bi / "leia_bi.duckdb"

    @property
    def site(self) -> Path:
        """The static BI site (`leia report`)."""
        return self.root / "site"

    @property
    def bilan(self) -> Path:
        """The Bilan as a document, one PDF and one HTML per school year (`leia bilan`)."""
        return self.root / "bilan"

    def bilan_document(self, school_year: str, suffix: str) -> Path:
        """The Bilan of `school_year` ('2017-2018') as `suffix` ('.pdf', '.html')."""
        return self.bilan / f"bilan-{school_year}{suffix}"

    @property
    def dagster_home(self) -> Path:
        """Dagster's instance of `leia run` (and of `make dev` on the default LEIA_HOME)."""
        return self.root / "dagster_home"

    @property
    def run_lock(self) -> Path:
        """The run lock: who holds the LEIA_HOME (orchestration/run_lock.py)."""
        return self.root / "run.lock"

    @property
    def spark(self) -> Path:
        """The Spark target's home, unless LEIA_SPARK_HOME says otherwise."""
        return self.root / "spark"
