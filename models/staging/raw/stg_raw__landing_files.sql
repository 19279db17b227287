with

source as (
    select * from {{ source('raw', 'landing_files') }}
),

renamed as (
    select
        path as landing_path,
        size_bytes,
        status,
        reason,
        extract as extract_name,
        partition_key,
        scanned_at
    from source
)

select * from renamed
