{#- An authentication event's key: its load month and its line in that month's extract,
    'YYYY-MM#<line>' (stg_raw__auth_events). -#}
{% macro event_id_of(partition_month, source_line) -%}
    {{ dbt.concat([partition_month, "'#'", dbt.cast(source_line, dbt.type_string())]) }}
{%- endmacro %}

{#- The extract line of an event_id, as a number: sorting on it is cheaper than on the string,
    and it orders a month's events as the extract does. The line starts at character 9, after
    'YYYY-MM#' (the loader refuses any other partition_month). -#}
{% macro event_line_of(event_id) -%}
    cast(substr({{ event_id }}, 9) as bigint)
{%- endmacro %}
