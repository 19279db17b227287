{#- Spark only: writes a copy of every table or view model of `schema` as Parquet, one folder per table
    (out_dir/<table>/part-*.parquet), for tools that read files rather than the metastore (the
    parity test compares them with the DuckDB build).

    dbt run-operation export_schema_to_parquet --target spark --args '{out_dir: /abs/path}' -#}
{% macro export_schema_to_parquet(out_dir, schema='marts') %}
    {%- if target.type != 'spark' -%}
        {{ exceptions.raise_compiler_error('export_schema_to_parquet is for the spark target, not ' ~ target.type) }}
    {%- endif -%}
    {%- set out_dir = (out_dir | string).rstrip('/') -%}
    {%- if not (out_dir.startswith('/') or '://' in out_dir) -%}
        {{ exceptions.raise_compiler_error('export_schema_to_parquet needs an absolute out_dir, got: ' ~ out_dir) }}
    {%- endif -%}
    {%- for node in graph.nodes.values() | sort(attribute='alias')
        if node.resource_type == 'model' and node.schema == schema
        and node.config.materialized in ('table', 'incremental', 'view') -%}
        {%- set relation = api.Relation.create(schema=node.schema, identifier=node.alias, type='table') -%}
        {%- do run_query(
            "insert overwrite directory '" ~ out_dir ~ "/" ~ node.alias ~ "' using parquet select * from " ~ relation
        ) -%}
        {{ log('exported ' ~ relation ~ ' to ' ~ out_dir ~ '/' ~ node.alias, info=true) }}
    {%- endfor -%}
{% endmacro %}
