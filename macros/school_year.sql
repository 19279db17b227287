{#- A school year runs 1 September to 31 August and is named '2015-2016'. -#}
{% macro school_year_of(date_expression) -%}
    case
        when {{ date_part('month', date_expression) }} >= 9
            then {{ dbt.concat([
                dbt.cast(date_part('year', date_expression), dbt.type_string()),
                "'-'",
                dbt.cast(date_part('year', date_expression) ~ ' + 1', dbt.type_string())
            ]) }}
        else {{ dbt.concat([
                dbt.cast(date_part('year', date_expression) ~ ' - 1', dbt.type_string()),
                "'-'",
                dbt.cast(date_part('year', date_expression), dbt.type_string())
            ]) }}
    end
{%- endmacro %}

{#- First day of the month of a date, as a date (date_trunc returns a timestamp on some engines). -#}
{% macro month_start_of(date_expression) -%}
    cast({{ dbt.date_trunc('month', date_expression) }} as date)
{%- endmacro %}

{#- 1 September, first day of a school year named 'YYYY-YYYY', as a date. -#}
{% macro school_year_first_day(school_year_expression) -%}
    cast({{ dbt.concat(["substr(" ~ school_year_expression ~ ", 1, 4)", "'-09-01'"]) }} as date)
{%- endmacro %}
