-- The Bilan audited against the data: every published figure beside the value computed from the
-- extracts and the reference seeds. Each computed metric is named by the indicator code the
-- report's seed uses; the published values are only read from the seed, never typed here.
with

published as (
    select * from {{ ref('stg_reference__published_indicators') }}
),

schools as (
    select * from {{ ref('dim_schools') }}
),

accounts as (
    select * from {{ ref('agg_accounts_by_profile') }}
),

connections as (
    select * from {{ ref('agg_connections_school_year') }}
),

adoption as (
    select * from {{ ref('agg_adoption_school_year') }}
),

school_adoption as (
    select * from {{ ref('fct_school_adoption') }}
),

finance as (
    select * from {{ ref('agg_finance_summary') }}
),

training as (
    select * from {{ ref('agg_training_days') }}
),

service_usage as (
    select * from {{ ref('agg_service_usage') }}
),

sequences as (
    select * from {{ ref('stg_raw__pedagogical_sequences') }}
),

year_suffix as (
    select
        school_year,
        replace(school_year, '-', '_') as suffix
    from connections
),

-- each branch of the union is named by the first one's aliases
-- noqa: disable=AL03,AM06
computed as (
    select
        'schools_total' as indicator_code,
        cast(count(*) as {{ type_double() }}) as computed_value
    from schools
    union all
    select
        {{ dbt.concat(["'schools_'", 'bilan_category']) }},
        count(*)
    from schools
    group by bilan_category
    union all
    select
        'accounts_total',
        sum(accounts)
    from accounts
    union all
    select
        {{ dbt.concat(["'accounts_'", 'profile']) }},
        accounts
    from accounts
    union all
    select
        {{ dbt.concat(["'connections_'", 'year_suffix.suffix']) }},
        connections.connections
    from connections
    inner join year_suffix on connections.school_year = year_suffix.school_year
    union all
    select
        {{ dbt.concat(["'monthly_average_connections_'", 'year_suffix.suffix']) }},
        connections.monthly_average
    from connections
    inner join year_suffix on connections.school_year = year_suffix.school_year
    union all
    select
        {{ dbt.concat(["'monthly_average_connections_appropriation_'", 'year_suffix.suffix']) }},
        connections.appropriation_monthly_average
    from connections
    inner join year_suffix on connections.school_year = year_suffix.school_year
    union all
    select
        {{ dbt.concat(["'peak_month_connections_'", 'year_suffix.suffix']) }},
        connections.peak_month_connections
    from connections
    inner join year_suffix on connections.school_year = year_suffix.school_year
    union all
    select
        {{ dbt.concat(["'appropriation_rate_'", 'year_suffix.suffix']) }},
        adoption.appropriation_rate
    from adoption
    inner join year_suffix on adoption.school_year = year_suffix.school_year
    union all
    select
        {{ dbt.concat(["'schools_not_using_'", 'year_suffix.suffix']) }},
        adoption.schools_not_using
    from adoption
    inner join year_suffix on adoption.school_year = year_suffix.school_year
    union all
    -- the report details the non-using schools of a year by category; colleges and general
    -- lycées together are its "autre EPLE"
    select
        {{ dbt.concat([
            "'schools_not_using_'", 'year_suffix.suffix', "'_'",
            "case when school_adoption.bilan_category in ('college', 'lycee') then 'other_eple' else school_adoption.bilan_category end"
        ]) }},
        sum(case when school_adoption.is_using then 0 else 1 end)
    from school_adoption
    inner join year_suffix on school_adoption.school_year = year_suffix.school_year
    group by 1
    union all
    -- "près de N séquences" at the date the indicator names
    select
        published.indicator_code,
        count(sequences.sequence_id)
    from published
    inner join sequences
        on sequences.created_on <= cast(published.indicator_period as date)
    where published.unit = 'sequences'
    group by published.indicator_code
    union all
    select
        'total_cost_eur',
        total_cost_eur
    from finance
    union all
    select
        'contract_years',
        contract_years
    from finance
    union all
    -- the report's renewal "pour 5 ans" is checked against the contract's costed duration
    select
        'contract_renewal_years',
        contract_years
    from finance
    union all
    select
        'cost_per_school_per_year_eur',
        cost_per_school_per_year_eur
    from finance
    union all
    select
        'cost_per_pupil_per_year_eur',
        cost_per_pupil_per_year_eur
    from finance
    union all
    select
        'eu_cofinancing_share',
        eu_cofinancing_share
    from finance
    union all
    select
        'eu_cofinancing_eur',
        eu_cofinancing_eur
    from finance
    union all
    select
        'consumed_eur',
        consumed_eur
    from finance
    union all
    select
        'consumed_years',
        consumed_years
    from finance
    union all
    select
        {{ dbt.concat([
            "'training_days_'",
            "case when training_status = 'planned' then 'planned_' else '' end",
            "replace(training_period, '-', '_')"
        ]) }},
        sum(training_days)
    from training
    group by 1
    union all
    select
        {{ dbt.concat(["'training_days_'", "replace(training_period, '-', '_')", "'_'", 'domain_code']) }},
        sum(training_days)
    from training
    group by 1
    union all
    select
        {{ dbt.concat(["'top3_tool_'", 'service']) }},
        case when rank_all_years <= 3 then 1 else 0 end
    from (
        select
            service,
            rank() over (order by sum(accesses) desc) as rank_all_years
        from service_usage
        group by service
    ) as tools
),

-- noqa: enable=AL03,AM06
compared as (
    select
        published.indicator_code,
        published.display_order,
        published.report_section,
        published.label_fr,
        published.indicator_period as period,
        published.published_value,
        computed.computed_value,
        published.unit,
        published.comparison,
        published.tolerance,
        published.audit_note,
        published.report_quote,
        abs(computed.computed_value - published.published_value) as abs_delta,
        case
            when published.published_value <> 0
                then (computed.computed_value - published.published_value) / abs(published.published_value)
        end as rel_delta
    from published
    left join computed
        on published.indicator_code = computed.indicator_code
)

select
    indicator_code,
    display_order,
    report_section,
    label_fr,
    period,
    published_value,
    computed_value,
    unit,
    comparison,
    abs_delta,
    rel_delta,
    case
        when computed_value is null then 'mismatch'
        when comparison = 'greater_than' and computed_value > published_value then 'match'
        when comparison = 'greater_than' then 'mismatch'
        when abs_delta < 1e-9 then 'match'
        when comparison in ('rounded', 'approximately') and abs_delta <= tolerance + 1e-9 then 'rounding'
        else 'mismatch'
    end as status,
    case
        when computed_value is null then 'no value computed for this indicator'
        else audit_note
    end as note,
    report_quote
from compared
