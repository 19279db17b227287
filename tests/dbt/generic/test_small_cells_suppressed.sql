{#- A count of accounts a BI model shows is NULL or at least var('min_cell_accounts') (docs/bi.md):
    the site never shows a smaller group. -#}
{% test small_cells_suppressed(model, column_name) %}

select {{ column_name }}
from {{ model }}
where {{ column_name }} < {{ var('min_cell_accounts') }}

{% endtest %}
