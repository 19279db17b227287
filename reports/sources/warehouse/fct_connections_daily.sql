-- Connections per day, all schools and profiles together (marts.fct_connections_daily), with the
-- calendar (marts.dim_date): weekends and Corse school holidays.
-- Small cells: a day with fewer than 5 connected accounts shows NULL connections and accounts.
-- (accounts: the sum of the distinct accounts per school and profile of the day.)
with daily as (
    select
        event_date,
        sum(connections) as connections,
        sum(accounts) as accounts
    from marts.fct_connections_daily
    group by event_date
)

select
    d.date_day,
    d.school_year,
    replace(d.school_year, '-', '/') as school_year_label,
    d.iso_day_of_week,
    d.is_weekend,
    d.is_school_holiday,
    coalesce(d.holiday_code, '') as holiday_code,
    case when c.accounts >= 5 then c.connections end as connections,
    case when c.accounts >= 5 then c.accounts end as accounts
from marts.dim_date as d
left join daily as c on d.date_day = c.event_date
order by d.date_day
