-- models/bi/bi_load_log.sql: the logic and the small-cell suppression live in dbt (docs/bi.md).
select
    extract,
    partition_key,
    source_file,
    rows_loaded,
    rows_rejected,
    loaded_at
from bi.bi_load_log
