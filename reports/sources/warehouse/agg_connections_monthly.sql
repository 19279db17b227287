-- models/bi/bi_connections_by_month.sql: the logic and the small-cell suppression live in dbt (docs/bi.md).
select
    month_start,
    school_year,
    school_year_label,
    profile_code,
    profile_label,
    connections,
    accounts,
    holiday_days,
    holiday_share
from bi.bi_connections_by_month
