-- The report's totals and monthly averages of connections per school year, with the peak month
-- (marts.agg_connections_school_year). Counts of connections, not of accounts.
select
    school_year,
    replace(school_year, '-', '/') as school_year_label,
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
from marts.agg_connections_school_year
order by school_year
