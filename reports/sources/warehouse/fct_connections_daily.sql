-- models/bi/bi_connections_by_day.sql: the logic and the small-cell suppression live in dbt (docs/bi.md).
select
    date_day,
    school_year,
    school_year_label,
    iso_day_of_week,
    is_weekend,
    is_school_holiday,
    holiday_code,
    connections,
    accounts
from bi.bi_connections_by_day
