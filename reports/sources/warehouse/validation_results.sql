-- models/bi/bi_validation_results.sql: the logic and the small-cell suppression live in dbt (docs/bi.md).
select
    validation_result_id,
    run_id,
    validated_at,
    validated_at_fr,
    tool,
    suite,
    check_name,
    asset,
    period,
    expected,
    observed,
    success,
    severity,
    outcome_fr
from bi.bi_validation_results
