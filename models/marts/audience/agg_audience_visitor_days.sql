{{ config(**monthly_partitions(full_refresh=false)) }}
-- Each account's visits per day (the day a visit starts), school and profile. Kept by month, and
-- kept when the month's events and visits are purged (see int_account_activity_monthly): the
-- audience indicators (agg_audience) are computed from it, so distinct visitors over any period
-- (a day, a week, a month, a school year) survive the purge.
with

visits as (
    {{ rows_of_months_to_rebuild(ref('fct_visits')) }}
),

final as (
    select
        partition_month,
        visit_date,
        month_start,
        week_start,
        school_year,
        account_key,
        uai,
        profile_code,
        count(*) as visits,
        cast(sum(service_accesses) as bigint) as service_accesses,
        max(loaded_at) as loaded_at
    from visits
    group by
        partition_month, visit_date, month_start, week_start, school_year, account_key, uai,
        profile_code
)

select * from final
