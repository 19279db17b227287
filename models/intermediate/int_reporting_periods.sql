-- Every period a figure is computed on: each school year the events cover (the yearly Bilan)
-- and each period of a published figure (seeds/published_indicators.csv). A period has a start
-- and an end (activity), an as-of date, or both; `snapshot_date` is the accounts snapshot its
-- as-of figures read (their months: int_reporting_period_months).
with

-- from the monthly aggregate, which outlives the events (`leia purge`)
activity as (
    select * from {{ ref('int_account_activity_monthly') }}
),

published as (
    select * from {{ ref('stg_reference__published_indicators') }}
),

accounts as (
    select * from {{ ref('stg_raw__accounts') }}
),

snapshots as (
    select distinct snapshot_date from accounts
),

event_days as (
    select first_event_date as event_date from activity
    union
    select last_event_date as event_date from activity
),

data_bounds as (
    select max(event_date) as last_event_date
    from event_days
),

years as (
    select
        {{ school_year_of('event_date') }} as school_year,
        min(event_date) as first_event_date
    from event_days
    group by {{ school_year_of('event_date') }}
),

school_year_bounds as (
    select
        years.school_year,
        {{ month_start_of('years.first_event_date') }} as first_month_start,
        cast({{ dbt.concat([dbt.split_part('years.school_year', "'-'", 1), "'-09-01'"]) }} as date)
            as school_year_start,
        cast({{ dbt.concat([dbt.split_part('years.school_year', "'-'", 2), "'-08-31'"]) }} as date)
            as school_year_end,
        data_bounds.last_event_date
    from years
    cross join data_bounds
),

-- the newest accounts snapshot on or before the end of the year, else the oldest one after it
school_year_snapshots as (
    select
        school_year_bounds.school_year,
        coalesce(
            max(
                case
                    when snapshots.snapshot_date <= school_year_bounds.school_year_end then snapshots.snapshot_date
                end
            ),
            min(snapshots.snapshot_date)
        ) as snapshot_date
    from school_year_bounds
    left join snapshots on 1 = 1
    group by school_year_bounds.school_year
),

school_year_periods as (
    select
        {{ dbt.concat(["'school_year '", 'school_year_bounds.school_year']) }} as period_key,
        'school_year' as period_kind,
        school_year_bounds.school_year,
        greatest(school_year_bounds.school_year_start, school_year_bounds.first_month_start) as period_start,
        least(school_year_bounds.school_year_end, school_year_bounds.last_event_date) as period_end,
        least(school_year_bounds.school_year_end, school_year_bounds.last_event_date) as as_of_date,
        school_year_snapshots.snapshot_date,
        school_year_bounds.school_year_start,
        school_year_bounds.school_year_end
    from school_year_bounds
    inner join school_year_snapshots on school_year_bounds.school_year = school_year_snapshots.school_year
),

figure_periods as (
    select distinct
        {{ figure_period_key('published.period_start', 'published.period_end', 'published.as_of_date') }}
            as period_key,
        'figure' as period_kind,
        cast(null as {{ dbt.type_string() }}) as school_year,
        published.period_start,
        published.period_end,
        published.as_of_date,
        -- a figure as of a date reads the snapshot of that very date: none, and it is not covered
        snapshots.snapshot_date,
        cast(null as date) as school_year_start,
        cast(null as date) as school_year_end
    from published
    left join snapshots on published.as_of_date = snapshots.snapshot_date
),

periods as (
    select * from school_year_periods
    union all
    select * from figure_periods
),

final as (
    select
        periods.period_key,
        periods.period_kind,
        periods.school_year,
        periods.period_start,
        periods.period_end,
        periods.as_of_date,
        periods.snapshot_date,
        coalesce(
            periods.period_start = periods.school_year_start and periods.period_end = periods.school_year_end,
            false
        ) as is_complete_school_year
    from periods
)

select * from final
