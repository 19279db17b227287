{#- extract() is portable for year, month and hour; the ISO day of week is named differently. -#}
{% macro date_part(part, expression) -%}
    extract({{ part }} from {{ expression }})
{%- endmacro %}

{#- ISO day of week: Monday = 1 .. Sunday = 7. -#}
{% macro iso_day_of_week(expression) -%}
    {{ return(adapter.dispatch('iso_day_of_week', 'leia')(expression)) }}
{%- endmacro %}

{% macro default__iso_day_of_week(expression) -%}
    extract(isodow from {{ expression }})
{%- endmacro %}

{% macro spark__iso_day_of_week(expression) -%}
    extract(dayofweek_iso from {{ expression }})
{%- endmacro %}

{#- dbt's type_float() is 32-bit on DuckDB: averages and rates need a double. -#}
{% macro type_double() -%}
    double
{%- endmacro %}
