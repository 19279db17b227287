{{ config(**monthly_partitions(full_refresh=false)) }}
-- Connections per school year, day of the week and hour (the Connexions page's heat map). Kept
-- by month, and kept when the month's events are purged (see int_account_activity_monthly).
with

connections as (
    {{ rows_of_months_to_rebuild(ref('int_authentication_events'), "is_connection") }}
),

final as (
    select
        partition_month,
        school_year,
        cast({{ iso_day_of_week('event_date') }} as integer) as iso_day_of_week,
        hour_of_day,
        count(*) as connections,
        max(loaded_at) as loaded_at
    from connections
    group by partition_month, school_year, {{ iso_day_of_week('event_date') }}, hour_of_day
)

select * from final
