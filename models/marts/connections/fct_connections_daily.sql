{{ config(**monthly_partitions(full_refresh=false)) }}
-- Connections (successful logins) per day, school and profile. Kept by month, and kept when the
-- month's events are purged (see int_account_activity_monthly).
with

connections as (
    {{ rows_of_months_to_rebuild(ref('fct_authentications'), "is_connection") }}
)

select
    event_date,
    school_year,
    uai,
    profile_code,
    count(*) as connections,
    count(distinct account_key) as accounts,
    partition_month,
    max(loaded_at) as loaded_at
from connections
group by event_date, school_year, uai, profile_code, partition_month
