-- Corse school holiday periods of the school years in the logs, from the calendar
-- (marts.dim_date): one row per holiday period (consecutive holiday days), with its French name.
with holiday_days as (
    select
        school_year,
        holiday_code,
        date_day,
        date_day - (row_number() over (partition by holiday_code order by date_day))::integer
            as period_key
    from marts.dim_date
    where is_school_holiday
)

select
    school_year,
    holiday_code,
    case holiday_code
        when 'toussaint' then 'Toussaint'
        when 'noel' then 'Noël'
        when 'hiver' then 'Hiver'
        when 'printemps' then 'Printemps'
        when 'ete' then 'Été'
        else holiday_code
    end as holiday_label,
    min(date_day) as start_date,
    max(date_day) as end_date,
    count(*) as days
from holiday_days
group by school_year, holiday_code, period_key
order by start_date
