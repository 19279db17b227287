with

source as (
    select * from {{ source('raw', 'pedagogical_sequences') }}
),

renamed as (
    select
        sequence_id,
        author_key as author_account_key,
        uai,
        subject as subject_code,
        created_at_utc,
        cast(created_local_time as date) as created_on,
        status as sequence_status,
        snapshot_date
    from source
)

select * from renamed
