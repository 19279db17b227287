-- models/bi/bi_audience.sql: the logic and the small-cell suppression live in dbt (docs/bi.md).
select
    period_type,
    period_start,
    period_label,
    school_year,
    school_year_label,
    dimension,
    dimension_label,
    member_code,
    member_label,
    unique_visitors,
    visits,
    service_accesses,
    visits_per_visitor,
    accesses_per_visit,
    peak_day,
    peak_day_visitors,
    peak_day_visits,
    peak_week_start,
    peak_week_visitors,
    peak_week_visits
from bi.bi_audience
