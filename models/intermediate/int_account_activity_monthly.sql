{{ config(**monthly_partitions(full_refresh=false)) }}
-- Each account's activity in each month. The events of a month may be purged after the
-- retention period (`leia purge`); this aggregate stays, and every mart on activity is computed
-- from it rather than from the events, so the marts do not change when old events go.
with

events as (
    {{ rows_of_months_to_rebuild(ref('int_authentication_events')) }}
),

final as (
    select
        partition_month,
        month_start,
        school_year,
        account_key,
        uai,
        profile_code,
        count(*) as events,
        cast(sum(case when is_connection then 1 else 0 end) as bigint) as connections,
        min(event_date) as first_event_date,
        max(event_date) as last_event_date,
        min(case when is_connection then event_date end) as first_connection_date,
        max(case when is_connection then event_date end) as last_connection_date,
        max(loaded_at) as loaded_at
    from events
    group by partition_month, month_start, school_year, account_key, uai, profile_code
)

select * from final
