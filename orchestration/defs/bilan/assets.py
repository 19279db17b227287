"""The Bilan of every school year the published warehouse covers, as PDF and HTML documents in
LEIA_HOME/bilan/ (orchestration/bilan_document/, `leia bilan` for one year).

Not part of the warehouse job: printing needs Chromium, and the warehouse is usable without the
documents. Materialise it from Dagster (job `leia_bilan_document`). It reads the published file
read-only and takes no run lock (orchestration/bilan_document/document.py says why).
"""

from dagster import (
    AssetExecutionContext,
    AssetSelection,
    MaterializeResult,
    MetadataValue,
    asset,
    define_asset_job,
)

from orchestration.bilan_document.document import covered_years, make_bilan
from orchestration.defs.publish.assets import PUBLISH_KEY
from orchestration.defs.resources import DuckDBWarehouse

GROUP = "publish"


@asset(
    group_name=GROUP,
    deps=[PUBLISH_KEY],
    kinds={"pdf", "html"},
    description="The Bilan of each school year the published warehouse covers, in French, as "
    "PDF and HTML (LEIA_HOME/bilan/).",
)
def bilan_document(context: AssetExecutionContext, warehouse: DuckDBWarehouse) -> MaterializeResult:
    written = [
        make_bilan(warehouse.home, year, say=context.log.info)
        for year in covered_years(warehouse.published_database)
    ]
    return MaterializeResult(
        metadata={
            "years": MetadataValue.text(", ".join(files.year for files in written)),
            **{
                f"pdf_{files.year}": MetadataValue.path(str(files.pdf))
                for files in written
                if files.pdf
            },
        }
    )


BILAN_JOB = define_asset_job(
    "leia_bilan_document",
    selection=AssetSelection.assets(bilan_document),
    description="Write the Bilan of every covered school year as PDF and HTML (needs Chromium).",
)
