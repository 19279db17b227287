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
