{{ config(**monthly_partitions()) }}
-- One row per visit: a sequence of one account's successful events with no gap over
-- var('visit_gap_minutes') minutes (macros/visits.sql). Incremental by month, as the events: a
-- month is sessionised alone, so a visit running over midnight at a month's end is cut there.
-- Event-level (start and end instants of an account's visits): purged with the events
-- (orchestration/retention.py); the audience aggregates that outlive them are built from it.
with

events as (
    {{ rows_of_months_to_rebuild(ref('int_authentication_events'), "is_success") }}
),

-- only the columns a visit keeps: the window functions carry every column they are given
visit_inputs as (
    select
        event_id,
        partition_month,
        account_key,
        event_time_utc,
        event_local_time,
        event_date,
        month_start,
        school_year,
        uai,
        profile_code,
        event_type,
        service_code,
        loaded_at
    from events
),

{{ visit_event_ctes('visit_inputs') }}

visit_totals as (
    select
        partition_month,
        account_key,
        visit_number,
        min(event_time_utc) as visit_start_utc,
        max(event_time_utc) as visit_end_utc,
        min(event_local_time) as visit_start_local,
        max(event_local_time) as visit_end_local,
        count(*) as events,
        cast(sum(case when event_type = 'login' then 1 else 0 end) as bigint) as logins,
        cast(sum(case when event_type = 'service_access' then 1 else 0 end) as bigint)
            as service_accesses,
        count(distinct case when event_type = 'service_access' then service_code end)
            as services,
        max(loaded_at) as loaded_at
    from visit_events
    group by partition_month, account_key, visit_number
),

-- the visit's day, school and profile are those of its first event
first_events as (
    select
        partition_month,
        account_key,
        visit_number,
        event_date,
        month_start,
        school_year,
        uai,
        profile_code
    from visit_events
    where is_visit_start
),

final as (
    select
        {{ dbt.concat([
            'visit_totals.partition_month', "'-'", 'visit_totals.account_key', "'-'",
            dbt.cast('visit_totals.visit_number', dbt.type_string())
        ]) }} as visit_id,
        visit_totals.partition_month,
        visit_totals.account_key,
        visit_totals.visit_number,
        first_events.event_date as visit_date,
        first_events.month_start,
        {{ week_start_of('first_events.event_date') }} as week_start,
        first_events.school_year,
        first_events.uai,
        first_events.profile_code,
        visit_totals.visit_start_utc,
        visit_totals.visit_end_utc,
        visit_totals.visit_start_local,
        visit_totals.visit_end_local,
        cast(
            {{ epoch_seconds('visit_totals.visit_end_utc') }}
            - {{ epoch_seconds('visit_totals.visit_start_utc') }} as bigint
        ) as duration_seconds,
        visit_totals.events,
        visit_totals.logins,
        visit_totals.service_accesses,
        visit_totals.services,
        visit_totals.loaded_at
    from visit_totals
    inner join first_events
        on
            visit_totals.partition_month = first_events.partition_month
            and visit_totals.account_key = first_events.account_key
            and visit_totals.visit_number = first_events.visit_number
)

select * from final
