-- Appropriation per school year, school and profile of the appropriation population: the
-- accounts of the year's accounts snapshot (int_reporting_periods: the newest one on or before
-- the end of the year) and those of them with at least one connection in the year.
with

population as (
    select * from {{ ref('int_appropriation_population') }}
),

activity as (
    select * from {{ ref('int_account_activity_by_school_year') }}
),

school_years as (
    select * from {{ ref('int_school_years') }}
),

year_population as (
    select
        school_years.school_year,
        population.account_key,
        population.uai,
        population.profile_code
    from school_years
    inner join population
        on school_years.population_snapshot_date = population.snapshot_date
),

targets as (
    select
        school_year,
        uai,
        profile_code,
        count(*) as target_accounts
    from year_population
    group by school_year, uai, profile_code
),

active_accounts as (
    select distinct
        year_population.school_year,
        year_population.uai,
        year_population.profile_code,
        year_population.account_key
    from year_population
    inner join activity
        on
            year_population.school_year = activity.school_year
            and year_population.account_key = activity.account_key
),

active as (
    select
        school_year,
        uai,
        profile_code,
        count(*) as active_accounts
    from active_accounts
    group by school_year, uai, profile_code
),

final as (
    select
        targets.school_year,
        targets.uai,
        targets.profile_code,
        targets.target_accounts,
        coalesce(active.active_accounts, 0) as active_accounts,
        cast(coalesce(active.active_accounts, 0) as {{ type_double() }}) / targets.target_accounts
            as appropriation_rate
    from targets
    left join active
        on
            targets.school_year = active.school_year
            and targets.uai = active.uai
            and targets.profile_code = active.profile_code
)

select * from final
