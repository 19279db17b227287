{#- Small-cell suppression (secret statistique, docs/bi.md): `value`, or NULL unless every count of
    accounts it comes from reaches var('min_cell_accounts'). Most users of the ENT are minors, and
    whatever a BI model shows ends up in the site's downloadable Parquet files.

    value     the expression shown
    accounts  the count(s) of accounts `value` is derived from (a string or a list); default: the
              value itself, when it is a count of accounts
    A NULL count suppresses too, and so does zero: a group of nobody is a small group. -#}
{% macro suppress_small_cell(value, accounts=none) -%}
    {%- set counts = [value] if accounts is none else ([accounts] if accounts is string else accounts) -%}
    case when {% for count in counts %}{{ count }} >= {{ var('min_cell_accounts') }}{% if not loop.last %} and {% endif %}{% endfor %} then {{ value }} end
{%- endmacro %}
