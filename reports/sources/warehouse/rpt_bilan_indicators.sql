-- models/bi/bi_bilan_indicators.sql: the logic and the small-cell suppression live in dbt (docs/bi.md).
select
    display_order,
    report_code,
    indicator_code,
    report_section,
    section_label,
    section_order,
    label_fr,
    period,
    unit,
    comparison,
    comparison_fr,
    published_value,
    computed_value,
    status,
    status_fr,
    note,
    report_quote,
    published_fmt,
    computed_fmt
from bi.bi_bilan_indicators
