-- models/bi/bi_connections_by_school_year.sql: the logic and the small-cell suppression live in dbt (docs/bi.md).
select
    school_year,
    school_year_label,
    period_start,
    period_end,
    months_covered,
    months_with_data,
    connections,
    monthly_average,
    appropriation_connections,
    appropriation_monthly_average,
    peak_month,
    peak_month_connections
from bi.bi_connections_by_school_year
