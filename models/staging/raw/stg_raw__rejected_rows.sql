with

source as (
    select * from {{ source('raw', 'rejected_rows') }}
),

renamed as (
    select
        extract as extract_name,
        partition_key,
        source_file,
        line_number,
        reason,
        {{ dbt.split_part('reason', "':'", 1) }} as rule_name,
        redacted_line,
        loaded_at
    from source
)

select * from renamed
