with

dates as (
    select * from {{ ref('dim_date') }}
),

holiday_days as (
    select
        school_year,
        holiday_code,
        date_day,
        -- consecutive days of one holiday share a key: one period per run of days
        date_day - (row_number() over (partition by holiday_code order by date_day))::integer
            as period_key
    from dates
    where is_school_holiday
),

holiday_periods as (
    select
        school_year,
        holiday_code,
        min(date_day) as start_date,
        max(date_day) as end_date,
        count(*) as days
    from holiday_days
    group by school_year, holiday_code, period_key
),

final as (
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
        start_date,
        end_date,
        days
    from holiday_periods
)

select * from final
