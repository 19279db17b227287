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

{#- A date written the French way, as the reader of a note knows it: 15/01/2018. -#}
{% macro french_date(expression) -%}
    {{ return(adapter.dispatch('french_date', 'leia')(expression)) }}
{%- endmacro %}

{% macro default__french_date(expression) -%}
    strftime({{ expression }}, '%d/%m/%Y')
{%- endmacro %}

{% macro spark__french_date(expression) -%}
    date_format({{ expression }}, 'dd/MM/yyyy')
{%- endmacro %}

{#- dbt's type_float() is 32-bit on DuckDB: averages and rates need a double. -#}
{% macro type_double() -%}
    double
{%- endmacro %}

{#- Seconds since 1970-01-01 of a timestamp, as a number: differences of two give seconds. -#}
{% macro epoch_seconds(expression) -%}
    {{ return(adapter.dispatch('epoch_seconds', 'leia')(expression)) }}
{%- endmacro %}

{% macro default__epoch_seconds(expression) -%}
    epoch({{ expression }})
{%- endmacro %}

{% macro spark__epoch_seconds(expression) -%}
    unix_timestamp({{ expression }})
{%- endmacro %}

{#- Monday of the ISO week of a date, as a date (date_trunc returns a timestamp on some engines). -#}
{% macro week_start_of(date_expression) -%}
    cast({{ dbt.date_trunc('week', date_expression) }} as date)
{%- endmacro %}

{#- A week starting on `week_start` (a Monday) whose days lie in two months: it counts in each
    month with its own days, and in its school year with all of them. -#}
{% macro week_across_two_months(week_start) -%}
    ({{ date_part('month', week_start) }} <> {{ date_part('month', dbt.dateadd('day', 6, week_start)) }})
{%- endmacro %}
