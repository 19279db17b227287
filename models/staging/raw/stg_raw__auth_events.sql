with

source as (
    select * from {{ source('raw', 'auth_events') }}
),

renamed as (
    select
        {{ event_id_of('partition_month', 'source_line') }} as event_id,
        partition_month,
        event_time_utc,
        event_local_time,
        cast(event_local_time as date) as event_date,
        account_key,
        profile as sdet_profile_code,
        uai,
        event_type,
        service as service_code,
        result = 'success' as is_success,
        event_type = 'login' and result = 'success' as is_connection,
        source_file,
        source_line,
        loaded_at
    from source
)

select * from renamed
