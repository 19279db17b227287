-- The report's financial figures recomputed from the budget lines and the data.
-- The cost per pupil uses the pupils' accounts of the current (newest) accounts snapshot.
-- Ratios are computed in double: a decimal divided by a decimal is a double on DuckDB but a
-- decimal of 6 digits on Spark.
with

budget as (
    select * from {{ ref('stg_reference__budget_lines') }}
),

contract as (
    select
        sum(amount_eur) as total_cost_eur,
        min(period_start) as contract_start,
        max(period_end) as contract_end
    from budget
    where line_type = 'contract_cost'
),

cofinancing as (
    select sum(amount_eur) as eu_cofinancing_eur
    from budget
    where line_type = 'cofinancing'
),

consumption as (
    select
        sum(amount_eur) as consumed_eur,
        min(period_start) as consumed_period_start,
        max(period_end) as consumed_period_end
    from budget
    where line_type = 'consumption'
),

schools as (
    select count(*) as schools from {{ ref('dim_schools') }}
),

pupils as (
    select accounts as pupil_accounts
    from {{ ref('agg_accounts_by_profile') }}
    where profile = 'eleve'
),

per_school_year as (
    select
        school_year,
        cast(sum(connections) as bigint) as connections,
        count(distinct account_key) as active_accounts
    from {{ ref('int_account_activity_by_school_year') }}
    group by school_year
),

-- the activity of the school years the consumption covers
consumed_activity as (
    select
        cast(sum(per_school_year.connections) as bigint) as connections,
        avg(per_school_year.active_accounts) as average_active_accounts
    from per_school_year
    inner join {{ ref('int_school_years') }} as school_years
        on per_school_year.school_year = school_years.school_year
    cross join consumption
    where
        school_years.period_start >= consumption.consumed_period_start
        and school_years.period_end <= consumption.consumed_period_end
),

years as (
    select
        contract.*,
        cast(
            {{ dbt.datediff('contract.contract_start', dbt.dateadd('day', 1, 'contract.contract_end'), 'month') }}
            as {{ type_double() }}
        ) / 12.0 as contract_years,
        consumption.consumed_eur,
        consumption.consumed_period_start,
        consumption.consumed_period_end,
        cast(
            {{ dbt.datediff(
                'consumption.consumed_period_start', dbt.dateadd('day', 1, 'consumption.consumed_period_end'), 'month'
            ) }}
            as {{ type_double() }}
        ) / 12.0 as consumed_years,
        cofinancing.eu_cofinancing_eur
    from contract
    cross join consumption
    cross join cofinancing
),

final as (
    select
        years.total_cost_eur,
        years.contract_start,
        years.contract_end,
        years.contract_years,
        schools.schools,
        years.total_cost_eur / years.contract_years / schools.schools as cost_per_school_per_year_eur,
        pupils.pupil_accounts as cost_per_pupil_denominator_pupils,
        'pupil accounts of the current (newest) accounts snapshot (profile eleve)' as cost_per_pupil_denominator,
        years.total_cost_eur / years.contract_years / pupils.pupil_accounts as cost_per_pupil_per_year_eur,
        years.eu_cofinancing_eur,
        cast(years.eu_cofinancing_eur as {{ type_double() }}) / years.total_cost_eur as eu_cofinancing_share,
        years.consumed_eur,
        years.consumed_period_start,
        years.consumed_period_end,
        years.consumed_years,
        cast(years.consumed_eur as {{ type_double() }}) / years.total_cost_eur as consumption_rate,
        consumed_activity.connections as consumed_period_connections,
        cast(years.consumed_eur as {{ type_double() }}) / consumed_activity.connections as cost_per_connection_eur,
        consumed_activity.average_active_accounts as consumed_period_average_active_accounts,
        years.consumed_eur / years.consumed_years / consumed_activity.average_active_accounts
            as cost_per_active_account_eur
    from years
    cross join schools
    cross join pupils
    cross join consumed_activity
)

select * from final
