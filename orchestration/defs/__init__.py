"""The Dagster code of the warehouse, one folder per tool, as dagster-open-platform lays it out.

    resources.py  the resources every tool shares: the warehouse files and LEIA_HOME's run lock
    raw/          the loader's assets, their partitions and freshness, the landing sensor
    dbt/          the dbt project as assets (built on demand: nothing parses the manifest at
                  import) and the dbt CLI resource
    quality/      the Great Expectations suites as asset checks
    publish/      the publication asset, the warehouse job and the daily refresh schedule
    bi/           the BI site asset and its job

orchestration/definitions.py assembles them.
"""
