{{ config(**monthly_partitions(full_refresh=false)) }}
-- Each account's visits per day (the day a visit starts) that accessed each service, and its
-- accesses to the service in them. Sessionised from the events as fct_visits is (same macro,
-- same months), kept by month and kept when the events are purged: the audience by service
-- (agg_audience) is computed from it.
with

events as {{ cte_evaluation('inline') }} (
    {{ rows_of_months_to_rebuild(ref('int_authentication_events'), "is_success") }}
),

{{ visit_event_ctes('events', ['event_type', 'service_code', 'loaded_at']) }}

visit_service_accesses as (
    select
        partition_month,
        account_number,
        visit_number,
        visit_date,
        service_code,
        count(*) as accesses,
        max(loaded_at) as loaded_at
    from visit_events
    where event_type = 'service_access'
    group by partition_month, account_number, visit_number, visit_date, service_code
),

visitor_service_days as (
    select
        partition_month,
        visit_date,
        account_number,
        service_code,
        count(*) as visits,
        cast(sum(accesses) as bigint) as service_accesses,
        max(loaded_at) as loaded_at
    from visit_service_accesses
    group by partition_month, visit_date, account_number, service_code
),

final as (
    select
        visitor_service_days.partition_month,
        visitor_service_days.visit_date,
        {{ month_start_of('visitor_service_days.visit_date') }} as month_start,
        {{ week_start_of('visitor_service_days.visit_date') }} as week_start,
        {{ school_year_of('visitor_service_days.visit_date') }} as school_year,
        visit_accounts.account_key,
        visitor_service_days.service_code,
        visitor_service_days.visits,
        visitor_service_days.service_accesses,
        visitor_service_days.loaded_at
    from visitor_service_days
    inner join visit_accounts
        on visitor_service_days.account_number = visit_accounts.account_number
)

select * from final
