-- The daily, monthly and yearly connection marts count the same events, school year by school
-- year.
with

daily as (
    select
        school_year,
        sum(connections) as connections
    from {{ ref('fct_connections_daily') }}
    group by school_year
),

monthly as (
    select
        school_year,
        sum(connections) as connections
    from {{ ref('agg_connections_monthly') }}
    group by school_year
),

yearly as (
    select
        school_year,
        connections
    from {{ ref('agg_connections_school_year') }}
),

years as (
    select school_year from daily
    union
    select school_year from monthly
    union
    select school_year from yearly
),

final as (
    select
        years.school_year,
        yearly.connections as yearly_connections,
        monthly.connections as monthly_connections,
        daily.connections as daily_connections
    from years
    left join yearly on years.school_year = yearly.school_year
    left join monthly on years.school_year = monthly.school_year
    left join daily on years.school_year = daily.school_year
    where
        coalesce(yearly.connections, -1) <> coalesce(daily.connections, -1)
        or coalesce(monthly.connections, -1) <> coalesce(daily.connections, -1)
)

select * from final
