-- Connections per school year, weekday and hour of day. Summed from marts.agg_connections_hourly
-- by orchestration/bi.py:export_for_bi into bi.connections_by_hour_weekday: the BI copy holds no
-- event-level data. Counts of connections, not of accounts.
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
    lpad(hour_of_day::varchar, 2, '0') || ' h' as hour_label,
    connections
from bi.connections_by_hour_weekday
order by school_year, iso_day_of_week, hour_of_day
