-- The published value is the report's own, public, figure: only the computed one is suppressed.
with

indicators as (
    select * from {{ ref('rpt_bilan_indicators') }}
),

final as (
    select
        display_order,
        report_code,
        indicator_code,
        report_section,
        section_label_fr as section_label,
        -- the page lists the sections in the order of their first figure
        min(display_order) over (partition by report_code, report_section) as section_order,
        label_fr,
        -- the figure's period as the reader knows it: 01/09/2017 – 15/01/2018, au 15/01/2018
        trim(
            coalesce(strftime(period_start, '%d/%m/%Y') || ' – ' || strftime(period_end, '%d/%m/%Y'), '')
            || coalesce(' au ' || strftime(as_of_date, '%d/%m/%Y'), '')
        ) as period,
        unit,
        comparison,
        case comparison
            when 'exact' then 'exacte'
            when 'rounded' then 'arrondie'
            when 'approximately' then 'approchée'
            when 'greater_than' then 'seuil (« dépasse »)'
            else comparison
        end as comparison_fr,
        published_value,
        case
            when unit = 'accounts' then {{ suppress_small_cell('computed_value') }}
            else computed_value
        end as computed_value,
        status,
        case status
            when 'match' then 'conforme'
            when 'rounding' then 'arrondi'
            when 'mismatch' then 'écart'
            when 'not_covered' then 'non couvert'
            when 'not_computable' then 'non calculable'
            when 'not_computed' then 'non calculé'
            else status
        end as status_fr,
        coalesce(note, '') as note,
        coalesce(report_quote, '') as report_quote,
        -- Excel-style format codes the page applies (DataTable fmtColumn)
        case
            when unit in ('rate', 'share') then '0%'
            when unit = 'eur' then '#,##0.00 "€"'
            when unit = 'boolean' then '"oui";"oui";"non"'
            else '#,##0'
        end as published_fmt,
        value_format as computed_fmt
    from indicators
)

select * from final
