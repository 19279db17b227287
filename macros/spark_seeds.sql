{#- Seeds on Spark. dbt-spark's own seed macros cannot load these seeds: its `session` method
    pastes bindings into the SQL between quotes without escaping them (the French labels' "l'ENT"
    break the statement) and turns empty cells into the string 'None'; and Spark has no `varchar`
    without a length, the type dbt_project.yml gives some seed columns. These two overrides keep
    dbt-spark's statements but write each value as an escaped literal (null for an empty cell)
    and map the column types through spark_seed_type. -#}

{% macro spark_seed_type(data_type) -%}
    {%- set normalized = data_type | trim | lower -%}
    {{- 'string' if normalized in ('varchar', 'text', 'character varying') else data_type -}}
{%- endmacro %}

{% macro spark_seed_literal(value, data_type) -%}
    {%- if value is none -%}
        cast(null as {{ data_type }})
    {%- elif value is sameas true or value is sameas false -%}
        {{ 'true' if value else 'false' }}
    {%- else -%}
        cast('{{ value | string | replace("\\", "\\\\") | replace("'", "\\'") }}' as {{ data_type }})
    {%- endif -%}
{%- endmacro %}

{% macro spark__create_csv_table(model, agate_table) %}
    {%- set column_override = model['config'].get('column_types', {}) -%}
    {%- set quote_seed_column = model['config'].get('quote_columns', None) -%}

    {% set sql %}
        create table {{ this.render() }} (
            {%- for col_name in agate_table.column_names -%}
                {%- set inferred_type = adapter.convert_type(agate_table, loop.index0) -%}
                {%- set type = spark_seed_type(column_override.get(col_name, inferred_type)) -%}
                {%- set column_name = (col_name | string) -%}
                {{ adapter.quote_seed_column(column_name, quote_seed_column) }} {{ type }} {%- if not loop.last -%}, {%- endif -%}
            {%- endfor -%}
        )
        {{ file_format_clause() }}
        {{ partition_cols(label="partitioned by") }}
        {{ clustered_cols(label="clustered by") }}
        {{ location_clause() }}
        {{ comment_clause() }}
    {% endset %}

    {% call statement('_') -%}
        {{ sql }}
    {%- endcall %}

    {{ return(sql) }}
{% endmacro %}

{% macro spark__load_csv_rows(model, agate_table) %}
    {%- set batch_size = get_batch_size() -%}
    {%- set column_override = model['config'].get('column_types', {}) -%}
    {%- set types = [] -%}
    {%- for col_name in agate_table.column_names -%}
        {%- set inferred_type = adapter.convert_type(agate_table, loop.index0) -%}
        {%- do types.append(spark_seed_type(column_override.get(col_name, inferred_type))) -%}
    {%- endfor -%}

    {%- set statements = [] -%}
    {%- for chunk in agate_table.rows | batch(batch_size) -%}
        {%- set sql -%}
            insert into {{ this.render() }} values
            {% for row in chunk -%}
                ({%- for value in row -%}
                    {{ spark_seed_literal(value, types[loop.index0]) }}{%- if not loop.last %}, {% endif -%}
                {%- endfor -%}){%- if not loop.last %},{% endif %}
            {% endfor %}
        {%- endset -%}
        {%- do adapter.add_query(sql, abridge_sql_log=True) -%}
        {%- if loop.first -%}
            {%- do statements.append(sql) -%}
        {%- endif -%}
    {%- endfor -%}

    {#- the SQL of the first batch, for the compiled files -#}
    {{ return(statements[0] if statements else '') }}
{% endmacro %}
