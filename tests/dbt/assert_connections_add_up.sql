-- The daily, monthly and yearly connection marts count the same events.
with

daily as (
    select
        school_year,
        sum(connections) as connections
    from {{ ref('fct_connections_daily') }}
    group by school_year
),

yearly as (
    select
        school_year,
        connections
    from {{ ref('agg_connections_school_year') }}
)

select
    yearly.school_year,
    yearly.connections as yearly_connections,
    daily.connections as daily_connections
from yearly
full outer join daily
    on yearly.school_year = daily.school_year
where coalesce(yearly.connections, -1) <> coalesce(daily.connections, -1)
