{{ config(**monthly_partitions(full_refresh=false)) }}
-- Connections (successful logins) per day, school and profile. Kept by month, and kept when the
-- month's events are purged (see int_account_activity_monthly).
with

connections as (
    {{ rows_of_months_to_rebuild(ref('int_authentication_events'), "is_connection") }}
),

-- accounts counted as groups, not with count(distinct): DuckDB can spill a grouping to disk, not
-- the sets of a distinct count (at scale 30 one day of a school holds thousands of accounts)
account_days as (
    select
        event_date,
        school_year,
        uai,
        profile_code,
        partition_month,
        account_key,
        count(*) as connections,
        max(loaded_at) as loaded_at
    from connections
    group by event_date, school_year, uai, profile_code, partition_month, account_key
),

final as (
    select
        event_date,
        school_year,
        uai,
        profile_code,
        cast(sum(connections) as bigint) as connections,
        count(*) as accounts,
        partition_month,
        max(loaded_at) as loaded_at
    from account_days
    group by event_date, school_year, uai, profile_code, partition_month
)

select * from final
