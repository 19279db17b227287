-- The hour x weekday pattern from the monthly aggregate, not from the events: it stays when old
-- events are purged, and no event-level table has to reach the BI copy. Counts of connections,
-- not of accounts: nothing to suppress.
with

hourly as (
    select * from {{ ref('agg_connections_hourly') }}
),

by_hour_weekday as (
    select
        school_year,
        cast(iso_day_of_week as integer) as iso_day_of_week,
        cast(hour_of_day as integer) as hour_of_day,
        cast(sum(connections) as bigint) as connections
    from hourly
    group by school_year, iso_day_of_week, hour_of_day
),

final as (
    select
        school_year,
        replace(school_year, '-', '/') as school_year_label,
        iso_day_of_week,
        case iso_day_of_week
            when 1 then 'lundi'
            when 2 then 'mardi'
            when 3 then 'mercredi'
            when 4 then 'jeudi'
            when 5 then 'vendredi'
            when 6 then 'samedi'
            when 7 then 'dimanche'
        end as weekday_label,
        hour_of_day,
        lpad(cast(hour_of_day as varchar), 2, '0') || ' h' as hour_label,
        connections
    from by_hour_weekday
)

select * from final
