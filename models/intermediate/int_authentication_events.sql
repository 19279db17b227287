{{ config(**monthly_partitions()) }}
-- One row per authentication-log event, with the columns every event model needs (report
-- profile, local date parts, school year). The only stored copy of the events after raw:
-- fct_authentications is a view of it. Incremental by month: a run re-reads whole months whose
-- load is newer than what the table holds (a reloaded month replaces its rows).
with

events as (
    {{ rows_of_months_to_rebuild(ref('stg_raw__auth_events')) }}
),

profile_codes as (
    select * from {{ ref('int_sdet_profile_codes') }}
),

final as (
    select
        events.event_id,
        events.partition_month,
        events.event_time_utc,
        events.event_local_time,
        events.event_date,
        {{ month_start_of('events.event_date') }} as month_start,
        {{ school_year_of('events.event_date') }} as school_year,
        cast({{ date_part('hour', 'events.event_local_time') }} as integer) as hour_of_day,
        events.account_key,
        profile_codes.profile_code,
        events.uai,
        events.event_type,
        events.service_code,
        events.is_success,
        events.is_connection,
        events.loaded_at
    from events
    inner join profile_codes
        on events.sdet_profile_code = profile_codes.sdet_profile_code
)

select * from final
