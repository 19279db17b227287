{#- Integers 0 .. 10^digits - 1 from plain SQL, for date spines on any engine. -#}
{% macro integers(digits=4) -%}
    {%- for position in range(digits) %}
    {%- if not loop.first %} cross join {% endif %}
    (
        {%- for d in range(10) %}
        select {{ d }} as d{{ position }}{% if not loop.last %} union all{% endif %}
        {%- endfor %}
    ) as digits_{{ position }}
    {%- endfor %}
{%- endmacro %}

{% macro integers_value(digits=4) -%}
    {%- for position in range(digits) -%}
    d{{ position }} * {{ 10 ** position }}{% if not loop.last %} + {% endif %}
    {%- endfor -%}
{%- endmacro %}
