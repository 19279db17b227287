-- models/bi/bi_school_connections_by_month.sql: the logic and the small-cell suppression live in dbt (docs/bi.md).
select
    month_start,
    school_year,
    school_year_label,
    uai,
    connections,
    accounts
from bi.bi_school_connections_by_month
