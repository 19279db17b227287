-- The calendar months of each period that has a start and an end, with the share of the month
-- it covers. Monthly averages divide by the teaching months covered: September to July, a month
-- covered in part counting by halves (1 to 15 January is half a month); August counts for
-- nothing. A school year thus covers 11 months, and 1 September to 15 January 4.5.
with

periods as (
    select * from {{ ref('int_reporting_periods') }}
    where period_start is not null and period_end is not null
),

month_offsets as (
    select {{ integers_value(2) }} as month_offset
    from {{ integers(2) }}
),

period_months as (
    select
        periods.period_key,
        periods.period_start,
        periods.period_end,
        cast({{ dbt.dateadd('month', 'month_offsets.month_offset', month_start_of('periods.period_start')) }} as date)
            as month_start
    from periods
    cross join month_offsets
),

month_ends as (
    select
        period_key,
        period_start,
        period_end,
        month_start,
        cast({{ dbt.dateadd('day', -1, dbt.dateadd('month', 1, 'month_start')) }} as date) as month_end
    from period_months
    where month_start <= period_end
),

month_lengths as (
    select
        period_key,
        month_start,
        month_end,
        {{ dbt.datediff('greatest(month_start, period_start)', 'least(month_end, period_end)', 'day') }}
        + 1 as days_covered,
        {{ dbt.datediff('month_start', 'month_end', 'day') }} + 1 as days_in_month  -- noqa: LT05
    from month_ends
),

final as (
    select
        period_key,
        month_start,
        month_end,
        days_covered,
        days_in_month,
        case
            when {{ date_part('month', 'month_start') }} = 8 then 0.0
            else round(2.0 * days_covered / days_in_month) / 2.0
        end as teaching_month_share
    from month_lengths
)

select * from final
