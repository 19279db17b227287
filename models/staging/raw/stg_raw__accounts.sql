with

source as (
    select * from {{ source('raw', 'accounts') }}
),

renamed as (
    select
        account_key,
        profile as sdet_profile_code,
        uai,
        created_at as created_on,
        status as account_status,
        snapshot_date
    from source
)

select * from renamed
