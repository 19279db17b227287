-- The school years present in the authentication logs, with the period they cover.
-- A school year runs September to August; its monthly averages divide by the teaching months
-- covered (September to July, so 11 for a complete year); a month the extract covers only in
-- part counts by halves (2017-2018: September to 15 January = 4.5 months).
with

-- from the monthly aggregate, which outlives the events (`leia purge`)
activity as (
    select * from {{ ref('int_account_activity_monthly') }}
),

event_days as (
    select first_event_date as event_date from activity
    union
    select last_event_date as event_date from activity
),

years as (
    select
        {{ school_year_of('event_date') }} as school_year,
        min(event_date) as first_event_date,
        max(event_date) as last_event_date
    from event_days
    group by {{ school_year_of('event_date') }}
),

bounds as (
    select
        school_year,
        cast({{ dbt.concat([dbt.split_part('school_year', "'-'", 1), "'-09-01'"]) }} as date)
            as school_year_start,
        cast({{ dbt.concat([dbt.split_part('school_year', "'-'", 2), "'-08-31'"]) }} as date)
            as school_year_end,
        last_event_date
    from years
),

periods as (
    select
        school_year,
        school_year_start as period_start,
        case
            when last_event_date < school_year_end then last_event_date
            else school_year_end
        end as period_end
    from bounds
),

month_offsets as (
    {% for offset in range(11) %}
        select {{ offset }} as month_offset
        {% if not loop.last %}union all{% endif %}
    {% endfor %}
),

teaching_months as (
    select
        periods.school_year,
        periods.period_start,
        periods.period_end,
        month_offsets.month_offset,
        cast({{ dbt.dateadd('month', 'month_offsets.month_offset', 'periods.period_start') }} as date)
            as month_start,
        cast({{ dbt.dateadd('month', 'month_offsets.month_offset + 1', 'periods.period_start') }} as date)
            as next_month_start
    from periods
    cross join month_offsets
),

month_lengths as (
    select
        school_year,
        period_start,
        period_end,
        month_start,
        next_month_start,
        {{ dbt.datediff('month_start', 'period_end', 'day') }} as days_covered,  -- noqa: LT05
        {{ dbt.datediff('month_start', 'next_month_start', 'day') }} as days_in_month  -- noqa: LT05
    from teaching_months
),

month_coverage as (
    select
        school_year,
        period_start,
        period_end,
        month_start,
        case
            when month_start > period_end then 0.0
            when next_month_start <= period_end then 1.0
            else round(
                2.0 * (days_covered + 1) / days_in_month
            ) / 2.0
        end as month_share
    from month_lengths
)

select
    school_year,
    period_start,
    period_end,
    cast(sum(month_share) as {{ type_double() }}) as months_covered
from month_coverage
group by school_year, period_start, period_end
