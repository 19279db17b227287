-- The report's "nombre total d'authentifications par année scolaire" and its monthly average.
with

monthly as (
    select * from {{ ref('agg_connections_monthly') }}
),

profiles as (
    select * from {{ ref('stg_reference__profiles') }}
),

school_years as (
    select * from {{ ref('int_school_years') }}
),

months as (
    select
        monthly.school_year,
        monthly.month_start,
        cast(sum(monthly.connections) as bigint) as connections,
        cast(sum(case when profiles.is_in_appropriation_population then monthly.connections else 0 end) as bigint)
            as appropriation_connections
    from monthly
    inner join profiles
        on monthly.profile_code = profiles.profile_code
    group by monthly.school_year, monthly.month_start
),

ranked_months as (
    select
        school_year,
        month_start,
        connections,
        row_number() over (partition by school_year order by connections desc, month_start asc) as month_rank
    from months
),

totals as (
    select
        school_year,
        cast(sum(connections) as bigint) as connections,
        cast(sum(appropriation_connections) as bigint) as appropriation_connections,
        count(*) as months_with_data
    from months
    group by school_year
),

final as (
    select
        totals.school_year,
        school_years.period_start,
        school_years.period_end,
        school_years.months_covered,
        totals.months_with_data,
        totals.connections,
        totals.connections / school_years.months_covered as monthly_average,
        totals.appropriation_connections,
        totals.appropriation_connections / school_years.months_covered as appropriation_monthly_average,
        ranked_months.month_start as peak_month,
        ranked_months.connections as peak_month_connections
    from totals
    inner join school_years
        on totals.school_year = school_years.school_year
    inner join ranked_months
        on
            totals.school_year = ranked_months.school_year
            and ranked_months.month_rank = 1
)

select * from final
