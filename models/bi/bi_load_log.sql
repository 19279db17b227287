-- Counts of file rows, not groups of accounts: not suppressed (docs/bi.md).
with

load_log as (
    select * from {{ ref('stg_raw__load_log') }}
),

final as (
    select
        extract_name as extract,
        partition_key,
        source_file,
        rows_loaded,
        rows_rejected,
        loaded_at
    from load_log
)

select * from final
