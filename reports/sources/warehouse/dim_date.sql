-- models/bi/bi_school_holidays.sql: the logic and the small-cell suppression live in dbt (docs/bi.md).
select
    school_year,
    holiday_code,
    holiday_label,
    start_date,
    end_date,
    days
from bi.bi_school_holidays
