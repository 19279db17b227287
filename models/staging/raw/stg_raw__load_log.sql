with

source as (
    select * from {{ source('raw', 'load_log') }}
),

renamed as (
    select
        extract as extract_name,
        partition_key,
        source_file,
        file_sha256,
        rows_loaded,
        rows_rejected,
        loaded_at
    from source
)

select * from renamed
