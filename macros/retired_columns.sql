{#- A model's pre-hook: drops the columns the model no longer has from the table a warehouse
    built before still holds, so that its next incremental run (on_schema_change='fail', macro
    monthly_partitions) goes on instead of stopping. Nothing on a first or full build. DuckDB
    only: Spark's Parquet tables cannot drop a column, and there the model is rebuilt
    (docs/spark.md). -#}
{% macro drop_retired_columns(columns) -%}
    {%- if is_incremental() and target.type == 'duckdb' -%}
        {%- for column in columns %}
            alter table {{ this }} drop column if exists {{ adapter.quote(column) }};
        {%- endfor %}
    {%- endif -%}
{%- endmacro %}
