-- Appropriation per school year and school. A school "uses" the ENT in a year when at least one
-- of its accounts (any profile) connected during that year.
with

schools as (
    select * from {{ ref('dim_schools') }}
),

school_years as (
    select * from {{ ref('int_school_years') }}
),

by_profile as (
    select * from {{ ref('fct_school_adoption_by_profile') }}
),

activity as (
    select * from {{ ref('int_account_activity_by_school_year') }}
),

population_totals as (
    select
        school_year,
        uai,
        cast(sum(target_accounts) as bigint) as target_accounts,
        cast(sum(active_accounts) as bigint) as active_accounts
    from by_profile
    group by school_year, uai
),

school_activity as (
    select
        school_year,
        uai,
        cast(sum(connections) as bigint) as connections,
        count(distinct account_key) as connected_accounts
    from activity
    group by school_year, uai
),

final as (
    select
        school_years.school_year,
        schools.uai,
        schools.school_name,
        schools.bilan_category,
        coalesce(population_totals.target_accounts, 0) as target_accounts,
        coalesce(population_totals.active_accounts, 0) as active_accounts,
        case
            when coalesce(population_totals.target_accounts, 0) > 0
                then
                    cast(population_totals.active_accounts as {{ type_double() }})
                    / population_totals.target_accounts
        end as appropriation_rate,
        coalesce(school_activity.connections, 0) as connections,
        coalesce(school_activity.connected_accounts, 0) as connected_accounts,
        coalesce(school_activity.connections, 0) > 0 as is_using
    from school_years
    cross join schools
    left join population_totals
        on
            school_years.school_year = population_totals.school_year
            and schools.uai = population_totals.uai
    left join school_activity
        on
            school_years.school_year = school_activity.school_year
            and schools.uai = school_activity.uai
)

select * from final
