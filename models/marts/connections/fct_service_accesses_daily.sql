{{ config(**monthly_partitions(full_refresh=false)) }}
-- Successful accesses to each service per day, school and profile. Kept by month, and kept when
-- the month's events are purged (see int_account_activity_monthly): figures over a period that
-- ends inside a month (the tools of a report) read it.
with

accesses as (
    {{ rows_of_months_to_rebuild(
        ref('int_authentication_events'), "event_type = 'service_access' and is_success"
    ) }}
),

final as (
    select
        event_date,
        school_year,
        uai,
        profile_code,
        service_code,
        count(*) as accesses,
        partition_month,
        max(loaded_at) as loaded_at
    from accesses
    group by event_date, school_year, uai, profile_code, service_code, partition_month
)

select * from final
