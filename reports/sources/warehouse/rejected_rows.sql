-- models/bi/bi_rejected_rows_by_rule.sql: the logic and the small-cell suppression live in dbt (docs/bi.md).
select
    extract,
    partition_key,
    rule,
    reason,
    rejected_rows
from bi.bi_rejected_rows_by_rule
