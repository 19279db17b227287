{#- The date lies in the row's load month (partition_month, 'YYYY-MM'): a key holding the date
    but not partition_month is then unique across months when it is unique within each. -#}
{% test in_partition_month(model, column_name) %}

select
    partition_month,
    {{ column_name }}
from {{ model }}
where {{ month_start_of(column_name) }} <> cast({{ dbt.concat(['partition_month', "'-01'"]) }} as date)

{% endtest %}
