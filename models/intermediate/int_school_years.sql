-- The school years the events cover: their period, the teaching months it covers (the divisor
-- of the report's monthly averages), the accounts snapshot their appropriation is measured on
-- and whether the events cover the whole year (1 September to 31 August).
with

periods as (
    select * from {{ ref('int_reporting_periods') }}
    where period_kind = 'school_year'
),

period_months as (
    select * from {{ ref('int_reporting_period_months') }}
),

months_covered as (
    select
        period_key,
        cast(sum(teaching_month_share) as {{ type_double() }}) as months_covered
    from period_months
    group by period_key
),

final as (
    select
        periods.school_year,
        periods.period_start,
        periods.period_end,
        months_covered.months_covered,
        periods.snapshot_date as population_snapshot_date,
        periods.is_complete_school_year
    from periods
    inner join months_covered on periods.period_key = months_covered.period_key
)

select * from final
