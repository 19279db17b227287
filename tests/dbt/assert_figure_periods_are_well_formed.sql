-- A published figure's period (seeds/published_indicators.csv) has a start and an end, an as-of
-- date, or both; an activity period starts on the first day of a month (the monthly activity of
-- an account then decides whether it was active in the period) and does not end before it starts.
with

published as (
    select * from {{ ref('stg_reference__published_indicators') }}
),

final as (
    select
        report_code,
        indicator_code,
        period_start,
        period_end,
        as_of_date
    from published
    where
        (period_start is null) <> (period_end is null)
        or (period_start is null and as_of_date is null)
        or {{ date_part('day', 'period_start') }} <> 1
        or period_end < period_start
)

select * from final
