with

finance as (
    select * from {{ ref('agg_finance_summary') }}
),

final as (
    select
        -- doubles: Evidence formats decimals of DuckDB's DECIMAL type as text
        total_cost_eur::double as total_cost_eur,
        contract_start,
        contract_end,
        contract_years,
        schools,
        cost_per_school_per_year_eur,
        cost_per_pupil_denominator_pupils,
        cost_per_pupil_denominator,
        cost_per_pupil_per_year_eur,
        eu_cofinancing_eur::double as eu_cofinancing_eur,
        eu_cofinancing_share,
        (total_cost_eur - eu_cofinancing_eur)::double as remaining_cost_eur,
        consumed_eur::double as consumed_eur,
        consumed_period_start,
        consumed_period_end,
        consumed_years,
        consumption_rate,
        (total_cost_eur - consumed_eur)::double as remaining_budget_eur,
        consumed_period_connections,
        cost_per_connection_eur,
        -- an average of accounts is a count of accounts, and the cost per account follows it
        {{ suppress_small_cell('consumed_period_average_active_accounts') }}
            as consumed_period_average_active_accounts,
        {{ suppress_small_cell('cost_per_active_account_eur', 'consumed_period_average_active_accounts') }}
            as cost_per_active_account_eur
    from finance
)

select * from final
