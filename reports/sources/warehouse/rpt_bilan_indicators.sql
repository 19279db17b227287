-- Bilan 2017: every published figure beside the value computed from data (marts.rpt_bilan_indicators).
-- Small cells: a computed count of accounts below 5 is shown as NULL (docs/bi.md). The published
-- value is the report's own, public, figure.
-- published_fmt / computed_fmt: Excel-style format codes read by the page (DataTable fmtColumn).
select
    display_order,
    indicator_code,
    report_section,
    case report_section
        when 'contexte' then 'Contexte'
        when 'bilan_chiffre' then 'Bilan chiffré'
        when 'statistiques_usages' then 'Statistiques d''usages'
        when 'appropriation' then 'L''appropriation de l''ENT'
        when 'bilan_financier' then 'Bilan financier'
        when 'formations' then 'Formations'
        when 'outils' then 'Outils les plus sollicités'
        else report_section
    end as section_label,
    min(display_order) over (partition by report_section) as section_order,
    label_fr,
    period,
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
    case when unit = 'accounts' and computed_value < 5 then null else computed_value end
        as computed_value,
    status,
    case status
        when 'match' then 'conforme'
        when 'rounding' then 'arrondi'
        when 'mismatch' then 'écart'
        else status
    end as status_fr,
    coalesce(note, '') as note,
    coalesce(report_quote, '') as report_quote,
    case
        when unit in ('rate', 'share') then '0%'
        when unit = 'eur' then '#,##0.00 "€"'
        when unit = 'boolean' then '"oui";"oui";"non"'
        else '#,##0'
    end as published_fmt,
    case
        when unit in ('rate', 'share') then '0.0%'
        when unit = 'eur' then '#,##0.00 "€"'
        when unit = 'boolean' then '"oui";"oui";"non"'
        when unit = 'connections_per_month' then '#,##0.0'
        else '#,##0'
    end as computed_fmt
from marts.rpt_bilan_indicators
order by display_order
