-- Counts only: the rejected lines themselves (redacted or not) never reach the BI copy.
with

load_log as (
    select * from {{ ref('stg_raw__load_log') }}
),

rejected_rows as (
    select * from {{ ref('stg_raw__rejected_rows') }}
),

loaded_partitions as (
    select distinct
        extract_name,
        partition_key
    from load_log
),

-- every loaded partition has a row, with 0 when nothing was rejected
final as (
    select
        loaded_partitions.extract_name as extract,
        loaded_partitions.partition_key,
        coalesce(rejected_rows.rule_name, '(aucune)') as rule,
        coalesce(rejected_rows.reason, '(aucune)') as reason,
        count(rejected_rows.extract_name) as rejected_rows
    from loaded_partitions
    left join rejected_rows
        on
            loaded_partitions.extract_name = rejected_rows.extract_name
            and loaded_partitions.partition_key = rejected_rows.partition_key
    group by
        loaded_partitions.extract_name,
        loaded_partitions.partition_key,
        rejected_rows.rule_name,
        rejected_rows.reason
)

select * from final
