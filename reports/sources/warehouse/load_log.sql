-- Loads of the extracts (raw.load_log): one row per extract file, rows loaded and rejected.
-- Counts of file rows, not groups of accounts: not suppressed (docs/bi.md).
select
    extract,
    partition_key,
    source_file,
    rows_loaded,
    rows_rejected,
    loaded_at
from raw.load_log
order by extract, partition_key
