-- Every check of every run (quality.validation_results, orchestration/quality/results.py): one
-- row per dbt test and Great Expectations expectation, and per figure or rule a failed gate
-- names. Kept across runs: the page shows the latest run and the history of failures. Checks
-- and their values, no account: nothing to suppress.
select
    run_id,
    validated_at,
    strftime(validated_at, '%d/%m/%Y %H:%M') as validated_at_fr,
    tool,
    suite,
    check_name,
    asset,
    period,
    expected,
    observed,
    success,
    severity,
    case
        when success then 'réussi'
        when severity = 'error' then 'échec (bloquant)'
        else 'avertissement'
    end as outcome_fr
from quality.validation_results
order by validated_at desc, tool, suite, check_name
