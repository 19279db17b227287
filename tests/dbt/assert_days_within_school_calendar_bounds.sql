-- Gate (b), on any data: no day stands out of the school calendar. A day counts at most
-- `max_school_day_to_median` times the median connections of the school days (not weekend, not
-- school holiday) of its school year, and a weekend or holiday day at most
-- `max_closed_day_to_median` times that median. A day beyond is a month loaded twice, events
-- dated in the wrong time zone or a replayed log.
with

daily as (
    select * from {{ ref('fct_connections_daily') }}
),

calendar as (
    select * from {{ ref('dim_date') }}
),

days as (
    select
        calendar.date_day,
        calendar.school_year,
        calendar.is_weekend or calendar.is_school_holiday as is_closed_day,
        coalesce(sum(daily.connections), 0) as connections
    from calendar
    left join daily on calendar.date_day = daily.event_date
    group by calendar.date_day, calendar.school_year, calendar.is_weekend, calendar.is_school_holiday
),

medians as (
    select
        school_year,
        median(connections) as median_school_day
    from days
    where not is_closed_day
    group by school_year
),

final as (
    select
        case when days.is_closed_day then 'weekend or holiday day' else 'school day' end
            as rule,
        {{ dbt.cast('days.date_day', dbt.type_string()) }} as period,
        {{ dbt.concat([
            "'<= '",
            dbt.cast(
                "(case when days.is_closed_day then " ~ var('max_closed_day_to_median')
                ~ " else " ~ var('max_school_day_to_median') ~ " end) * medians.median_school_day",
                dbt.type_string()
            )
        ]) }} as expected,
        {{ dbt.cast('days.connections', dbt.type_string()) }} as observed
    from days
    inner join medians on days.school_year = medians.school_year
    where
        days.connections > (
            case
                when days.is_closed_day then {{ var('max_closed_day_to_median') }}
                else {{ var('max_school_day_to_median') }}
            end
        ) * medians.median_school_day
)

select * from final
