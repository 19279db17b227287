-- A view: the events are stored once, in int_authentication_events.
with

authentication_events as (
    select * from {{ ref('int_authentication_events') }}
),

final as (
    select
        event_id,
        partition_month,
        event_time_utc,
        event_local_time,
        event_date,
        month_start,
        school_year,
        hour_of_day,
        account_key,
        profile_code,
        uai,
        event_type,
        service_code,
        is_success,
        is_connection,
        loaded_at
    from authentication_events
)

select * from final
