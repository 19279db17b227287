-- Every day of the school years found in the logs, with the Corse school holidays.
with

school_years as (
    select * from {{ ref('int_school_years') }}
),

holidays as (
    select * from {{ ref('stg_reference__school_calendar') }}
),

offsets as (
    select {{ integers_value(4) }} as day_offset
    from {{ integers(4) }}
),

days as (
    select
        cast({{ dbt.dateadd('day', 'offsets.day_offset', 'school_years.period_start') }} as date)
            as date_day,
        school_years.school_year
    from school_years
    cross join offsets
    where offsets.day_offset <= {{ dbt.datediff('school_years.period_start', 'school_years.period_end', 'day') }}
),

holiday_days as (
    select
        days.date_day,
        min(holidays.holiday_code) as holiday_code
    from days
    inner join holidays
        on
            days.date_day >= holidays.first_day_off
            and days.date_day < holidays.classes_resume_on
    group by days.date_day
),

final as (
    select
        days.date_day,
        days.school_year,
        {{ month_start_of('days.date_day') }} as month_start,
        cast({{ date_part('month', 'days.date_day') }} as integer) as month_of_year,
        cast({{ iso_day_of_week('days.date_day') }} as integer) as iso_day_of_week,
        {{ iso_day_of_week('days.date_day') }} >= 6 as is_weekend,
        holiday_days.holiday_code is not null as is_school_holiday,
        holiday_days.holiday_code
    from days
    left join holiday_days
        on days.date_day = holiday_days.date_day
)

select * from final
