-- the pre-hook drops visit_id from warehouses built before 5600f5c; it can go once every one of
-- them has run since
{{ config(
    pre_hook="{{ drop_retired_columns(['visit_id']) }}",
    **monthly_partitions()
) }}
-- One row per visit: a sequence of one account's successful events with no gap over
-- var('visit_gap_minutes') minutes (macros/visits.sql). Incremental by month, as the events: a
-- month is sessionised alone, so a visit running over midnight at a month's end is cut there.
-- Event-level (start and end instants of an account's visits): purged with the events
-- (orchestration/retention.py); the audience aggregates that outlive them are built from it.
with

successful_events as {{ cte_evaluation('inline') }} (
    {{ rows_of_months_to_rebuild(ref('int_authentication_events'), "is_success") }}
),

-- what the visit's aggregates need of each event, as narrow as it can be: the windows of the
-- sessionisation sort and carry every column (at scale 10, six months: 29.9 s with the event
-- type, service and loaded_at carried as they are, 20.3 s and a third of the spill so)
events as {{ cte_evaluation('inline') }} (
    select
        partition_month,
        event_id,
        account_key,
        event_time_utc,
        event_date,
        event_local_time,
        uai,
        profile_code,
        event_type = 'login' as is_login,
        event_type = 'service_access' as is_service_access,
        case when event_type = 'service_access' then service_code end as accessed_service_code
    from successful_events
),

-- loaded_at is the month's: taken once per month, not carried through the windows
month_loads as (
    select
        partition_month,
        max(loaded_at) as loaded_at
    from successful_events
    group by partition_month
),

{{ visit_event_ctes('events', [
    'event_local_time', 'uai', 'profile_code', 'is_login', 'is_service_access',
    'accessed_service_code'
]) }}

-- the visit's day, school and profile are those of its first event
visit_totals as (
    select
        partition_month,
        account_number,
        visit_number,
        max(visit_date) as visit_date,
        max(case when is_visit_start then uai end) as uai,
        max(case when is_visit_start then profile_code end) as profile_code,
        min(event_time_utc) as visit_start_utc,
        max(event_time_utc) as visit_end_utc,
        min(event_local_time) as visit_start_local,
        max(event_local_time) as visit_end_local,
        count(*) as events,
        cast(sum(case when is_login then 1 else 0 end) as bigint) as logins,
        cast(sum(case when is_service_access then 1 else 0 end) as bigint) as service_accesses,
        count(distinct accessed_service_code) as services
    from visit_events
    group by partition_month, account_number, visit_number
),

-- keyed by (partition_month, account_key, visit_number): a visit_id string repeating them took
-- 1.26 GiB of the 9.3 of a scale-10 warehouse
final as (
    select
        visit_totals.partition_month,
        visit_accounts.account_key,
        visit_totals.visit_number,
        visit_totals.visit_date,
        {{ month_start_of('visit_totals.visit_date') }} as month_start,
        {{ week_start_of('visit_totals.visit_date') }} as week_start,
        {{ school_year_of('visit_totals.visit_date') }} as school_year,
        visit_totals.uai,
        visit_totals.profile_code,
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
        month_loads.loaded_at
    from visit_totals
    inner join visit_accounts
        on visit_totals.account_number = visit_accounts.account_number
    inner join month_loads
        on visit_totals.partition_month = month_loads.partition_month
)

select * from final
