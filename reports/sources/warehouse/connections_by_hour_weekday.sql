-- models/bi/bi_connections_by_hour_weekday.sql: the logic and the small-cell suppression live in dbt (docs/bi.md).
select
    school_year,
    school_year_label,
    iso_day_of_week,
    weekday_label,
    hour_of_day,
    hour_label,
    connections
from bi.bi_connections_by_hour_weekday
