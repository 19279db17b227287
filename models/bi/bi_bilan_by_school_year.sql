with

bilan as (
    select * from {{ ref('agg_bilan_school_year') }}
),

final as (
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
        -- the page lists the sections in the order of their first figure
        min(display_order) over (partition by school_year, report_section) as section_order,
        display_order,
        metric_code,
        label_fr,
        unit,
        -- only counts of accounts are suppressed: other units are not groups of people
        case
            when unit = 'accounts' then {{ suppress_small_cell('metric_value') }}
            else metric_value
        end as metric_value,
        -- an Excel-style format code the page applies (DataTable fmtColumn)
        value_format as value_fmt
    from bilan
)

select * from final
