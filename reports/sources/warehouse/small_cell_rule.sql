-- models/bi/bi_small_cell_rule.sql: the logic and the small-cell suppression live in dbt (docs/bi.md).
select min_cell_accounts
from bi.bi_small_cell_rule
