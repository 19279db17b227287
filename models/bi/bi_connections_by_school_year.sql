-- Counts of connections, not of accounts: nothing to suppress.
with

connections as (
    select * from {{ ref('agg_connections_school_year') }}
),

final as (
    select
        school_year,
        replace(school_year, '-', '/') as school_year_label,
        period_start,
        period_end,
        months_covered,
        months_with_data,
        connections,
        monthly_average,
        appropriation_connections,
        appropriation_monthly_average,
        peak_month,
        peak_month_connections
    from connections
)

select * from final
