-- models/bi/bi_landing_files.sql: the logic and the small-cell suppression live in dbt (docs/bi.md).
select
    path,
    size_bytes,
    status,
    status_fr,
    reason,
    extract,
    partition_key,
    scanned_at
from bi.bi_landing_files
-- the Qualité page lists the files not loaded in this order (its query has no order by)
order by status desc, path
