-- models/bi/bi_bilan_by_school_year.sql: the logic and the small-cell suppression live in dbt (docs/bi.md).
select
    school_year,
    school_year_label,
    year_status,
    year_status_fr,
    period_start_fr,
    period_end_fr,
    population_snapshot_fr,
    report_section,
    section_label,
    section_order,
    display_order,
    metric_code,
    label_fr,
    unit,
    metric_value,
    value_fmt
from bi.bi_bilan_by_school_year
