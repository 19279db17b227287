-- The report's financial figures recomputed from the budget lines, and the costs per school,
-- pupil, connection and active account (marts.agg_finance_summary, one row).
-- Small cells: the average number of active accounts is a count of accounts (NULL below 5), and
-- the cost per active account is derived from it.
select
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
    case
        when consumed_period_average_active_accounts >= 5
            then consumed_period_average_active_accounts
    end as consumed_period_average_active_accounts,
    case
        when consumed_period_average_active_accounts >= 5 then cost_per_active_account_eur
    end as cost_per_active_account_eur
from marts.agg_finance_summary
