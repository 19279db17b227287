{{ config(**monthly_partitions(full_refresh=false)) }}
-- Each account's visits per day (the day a visit starts) that accessed each service, and its
-- accesses to the service in them. Sessionised from the events as fct_visits is (same macro,
-- same months), kept by month and kept when the events are purged: the audience by service
-- (agg_audience) is computed from it.
with

events as (
    {{ rows_of_months_to_rebuild(ref('int_authentication_events'), "is_success") }}
),

-- only the columns used: the window functions carry every column they are given
visit_inputs as (
    select
        event_id,
        partition_month,
        account_key,
        event_time_utc,
        event_date,
        month_start,
        school_year,
        event_type,
        service_code,
        loaded_at
    from events
),

{{ visit_event_ctes('visit_inputs') }}

visit_starts as (
    select
        partition_month,
        account_key,
        visit_number,
        event_date,
        month_start,
        school_year
    from visit_events
    where is_visit_start
),

visit_service_accesses as (
    select
        partition_month,
        account_key,
        visit_number,
        service_code,
        count(*) as accesses,
        max(loaded_at) as loaded_at
    from visit_events
    where event_type = 'service_access'
    group by partition_month, account_key, visit_number, service_code
),

final as (
    select
        visit_service_accesses.partition_month,
        visit_starts.event_date as visit_date,
        visit_starts.month_start,
        {{ week_start_of('visit_starts.event_date') }} as week_start,
        visit_starts.school_year,
        visit_service_accesses.account_key,
        visit_service_accesses.service_code,
        count(*) as visits,
        cast(sum(visit_service_accesses.accesses) as bigint) as service_accesses,
        max(visit_service_accesses.loaded_at) as loaded_at
    from visit_service_accesses
    inner join visit_starts
        on
            visit_service_accesses.partition_month = visit_starts.partition_month
            and visit_service_accesses.account_key = visit_starts.account_key
            and visit_service_accesses.visit_number = visit_starts.visit_number
    group by
        visit_service_accesses.partition_month,
        visit_starts.event_date,
        visit_starts.month_start,
        visit_starts.school_year,
        visit_service_accesses.account_key,
        visit_service_accesses.service_code
)

select * from final
