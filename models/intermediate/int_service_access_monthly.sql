{{ config(**monthly_partitions(full_refresh=false)) }}
-- Each account's successful accesses to each service in each month: kept when the month's
-- events are purged (see int_account_activity_monthly).
with

accesses as (
    {{ rows_of_months_to_rebuild(
        ref('int_authentication_events'), "event_type = 'service_access' and is_success"
    ) }}
),

final as (
    select
        partition_month,
        school_year,
        account_key,
        service_code,
        count(*) as accesses,
        max(loaded_at) as loaded_at
    from accesses
    group by partition_month, school_year, account_key, service_code
)

select * from final
