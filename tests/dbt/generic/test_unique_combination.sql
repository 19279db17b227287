{#- No two rows share the same values of `columns` (the grain of a model). -#}
{% test unique_combination(model, columns) %}

select
    {{ columns | join(', ') }},
    count(*) as rows_at_grain
from {{ model }}
group by {{ columns | join(', ') }}
having count(*) > 1

{% endtest %}
