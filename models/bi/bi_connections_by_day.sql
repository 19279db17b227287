with

connections as (
    select * from {{ ref('fct_connections_daily') }}
),

dates as (
    select * from {{ ref('dim_date') }}
),

by_day as (
    select
        event_date,
        sum(connections) as connections,
        -- the sum of the distinct accounts per school and profile of the day
        sum(accounts) as accounts
    from connections
    group by event_date
),

final as (
    select
        dates.date_day,
        dates.school_year,
        replace(dates.school_year, '-', '/') as school_year_label,
        dates.iso_day_of_week,
        dates.is_weekend,
        dates.is_school_holiday,
        coalesce(dates.holiday_code, '') as holiday_code,
        -- the connections of fewer accounts than the threshold would tell about those accounts
        {{ suppress_small_cell('by_day.connections', 'by_day.accounts') }} as connections,
        {{ suppress_small_cell('by_day.accounts') }} as accounts
    from dates
    left join by_day on dates.date_day = by_day.event_date
)

select * from final
