-- Appropriation per school year, school and profile of the appropriation population:
-- accounts targeted (latest snapshot) and accounts with at least one connection in the year.
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

targets as (
    select
        school_years.school_year,
        population.uai,
        population.profile_code,
        count(*) as target_accounts
    from school_years
    cross join population
    group by school_years.school_year, population.uai, population.profile_code
),

active as (
    select
        activity.school_year,
        population.uai,
        population.profile_code,
        count(distinct activity.account_key) as active_accounts
    from activity
    inner join population
        on activity.account_key = population.account_key
    group by activity.school_year, population.uai, population.profile_code
)

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
