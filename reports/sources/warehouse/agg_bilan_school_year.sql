-- The Bilan of every school year (marts.agg_bilan_school_year): the indicators of the Bilan 2017
-- on each year's own period. Small cells: a count of accounts below 5 is shown as NULL.
-- value_fmt: an Excel-style format code read by the page (DataTable fmtColumn).
select
    school_year,
    replace(school_year, '-', '/') as school_year_label,
    year_status,
    case year_status when 'complete' then 'année complète' else 'année partielle' end
        as year_status_fr,
    strftime(period_start, '%d/%m/%Y') as period_start_fr,
    strftime(period_end, '%d/%m/%Y') as period_end_fr,
    strftime(population_snapshot_date, '%d/%m/%Y') as population_snapshot_fr,
    report_section,
    section_label_fr as section_label,
    min(display_order) over (partition by school_year, report_section) as section_order,
    display_order,
    metric_code,
    label_fr,
    unit,
    case when unit = 'accounts' and metric_value < 5 then null else metric_value end
        as metric_value,
    value_format as value_fmt
from marts.agg_bilan_school_year
order by school_year, display_order, label_fr
