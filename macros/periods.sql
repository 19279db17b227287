{#- The key of a published figure's period (seeds/published_indicators.csv): its start, end and
    as-of date, any of which may be empty. The same key names the period in
    int_reporting_periods and in the figures that read it. -#}
{% macro figure_period_key(period_start, period_end, as_of_date) -%}
    {{ dbt.concat([
        "'figure '",
        "coalesce(" ~ dbt.cast(period_start, dbt.type_string()) ~ ", '')",
        "'..'",
        "coalesce(" ~ dbt.cast(period_end, dbt.type_string()) ~ ", '')",
        "' @ '",
        "coalesce(" ~ dbt.cast(as_of_date, dbt.type_string()) ~ ", '')"
    ]) }}
{%- endmacro %}

{#- Whether the figures of `report_code` gate a publication (var `audited_reports`: 'all', 'none'
    or a comma-separated list of report codes). -#}
{% macro is_audited_report(report_code) -%}
    {%- set audited = (var('audited_reports', 'all') | string).strip() -%}
    {%- if audited == 'all' -%}
        true
    {%- elif audited in ('none', '') -%}
        false
    {%- else -%}
        {{ report_code }} in (
            {%- for code in audited.split(',') -%}
                '{{ code.strip() | replace("'", "") }}'{{ ',' if not loop.last }}
            {%- endfor -%}
        )
    {%- endif -%}
{%- endmacro %}

{#- How a value of `unit` is written for a reader (an Excel-style format code, which the BI pages
    read): rates as percentages, euros with cents, booleans as oui/non. -#}
{% macro value_format_code(unit) -%}
    case
        when {{ unit }} in ('rate', 'share') then '0.0%'
        when {{ unit }} = 'eur' then '#,##0.00 "€"'
        when {{ unit }} = 'boolean' then '"oui";"oui";"non"'
        when {{ unit }} in ('connections_per_month', 'years') then '#,##0.0'
        else '#,##0'
    end
{%- endmacro %}

{#- The report's groups of schools not using the ENT: its categories, but collèges and general
    lycées together, its "autre EPLE". -#}
{% macro not_using_group(bilan_category) -%}
    case when {{ bilan_category }} in ('college', 'lycee') then 'other_eple' else {{ bilan_category }} end
{%- endmacro %}
