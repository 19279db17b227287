with

connections as (
    select * from {{ ref('agg_connections_monthly') }}
),

profiles as (
    select * from {{ ref('agg_accounts_by_profile') }}
),

dates as (
    select * from {{ ref('dim_date') }}
),

holidays_by_month as (
    select
        month_start,
        count(*) filter (where is_school_holiday) as holiday_days,
        count(*) as days
    from dates
    group by month_start
),

final as (
    select
        connections.month_start,
        connections.school_year,
        replace(connections.school_year, '-', '/') as school_year_label,
        connections.profile_code,
        coalesce(profiles.profile_label_fr, connections.profile_code) as profile_label,
        -- the connections of fewer accounts than the threshold would tell about those accounts
        {{ suppress_small_cell('connections.connections', 'connections.accounts') }} as connections,
        {{ suppress_small_cell('connections.accounts') }} as accounts,
        coalesce(holidays_by_month.holiday_days, 0) as holiday_days,
        coalesce(holidays_by_month.holiday_days / holidays_by_month.days, 0) as holiday_share
    from connections
    left join profiles on connections.profile_code = profiles.profile
    left join holidays_by_month on connections.month_start = holidays_by_month.month_start
)

select * from final
