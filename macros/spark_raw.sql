{#- Spark only: registers the raw extracts, written as Parquet by orchestration/spark.py, as the
    tables of the `raw` sources (external tables: dropping one never deletes its files).

    dbt run-operation register_raw_parquet --target spark
        --args '{parquet_dir: /abs/path, partitioned: {auth_events: partition_month}}'

    parquet_dir (an absolute path, or a URI on a cluster: s3a://, hdfs://) defaults to
    $LEIA_RAW_PARQUET_DIR; it holds one folder per table of the source
    `raw` (auth_events/partition_month=YYYY-MM/*.parquet, accounts/*.parquet, ...). Each table's
    columns are those of its Parquet files, i.e. the loader's RAW_DDL. -#}
{% macro register_raw_parquet(parquet_dir=none, partitioned={'auth_events': 'partition_month'}) %}
    {%- if target.type != 'spark' -%}
        {{ exceptions.raise_compiler_error('register_raw_parquet is for the spark target, not ' ~ target.type) }}
    {%- endif -%}
    {%- set parquet_dir = (parquet_dir or env_var('LEIA_RAW_PARQUET_DIR', '')) | string -%}
    {%- if not (parquet_dir.startswith('/') or '://' in parquet_dir) -%}
        {{ exceptions.raise_compiler_error('register_raw_parquet needs an absolute path or a URI (s3a://...) as parquet_dir or LEIA_RAW_PARQUET_DIR, got: ' ~ parquet_dir) }}
    {%- endif -%}
    {%- set parquet_dir = parquet_dir.rstrip('/') -%}

    {%- set tables = [] -%}
    {%- for node in graph.sources.values() if node.source_name == 'raw' -%}
        {%- do tables.append(node) -%}
    {%- endfor -%}
    {%- if not tables -%}
        {{ exceptions.raise_compiler_error('no source named raw in the project') }}
    {%- endif -%}

    {%- for node in tables | sort(attribute='identifier') -%}
        {%- set location = parquet_dir ~ '/' ~ node.identifier -%}
        {%- set relation = api.Relation.create(schema=node.schema, identifier=node.identifier, type='table') -%}
        {%- set probe = 'leia_raw_parquet__' ~ node.identifier -%}
        {%- do run_query('create schema if not exists ' ~ node.schema) if loop.first -%}
        {#- the Parquet files' schema, partition folders included -#}
        {%- do run_query("create or replace temporary view " ~ probe ~ " using parquet options (path '" ~ location ~ "')") -%}
        {%- set described = run_query('describe ' ~ probe) -%}
        {%- set columns = [] -%}
        {%- for row in described.rows -%}
            {%- if row[0] and not row[0].startswith('#') and row[0] not in columns | map(attribute='name') | list -%}
                {%- do columns.append({'name': row[0], 'type': row[1]}) -%}
            {%- endif -%}
        {%- endfor -%}
        {%- set partition_column = partitioned.get(node.identifier) -%}
        {%- do run_query('drop table if exists ' ~ relation) -%}
        {%- set ddl -%}
            create table {{ relation }} (
                {%- for column in columns %}
                `{{ column.name }}` {{ column.type }}{{ ',' if not loop.last }}
                {%- endfor %}
            )
            using parquet
            {%- if partition_column %}
            partitioned by (`{{ partition_column }}`)
            {%- endif %}
            location '{{ location }}'
        {%- endset -%}
        {%- do run_query(ddl) -%}
        {%- if partition_column -%}
            {%- do run_query('alter table ' ~ relation ~ ' recover partitions') -%}
        {%- endif -%}
        {%- do run_query('drop view if exists ' ~ probe) -%}
        {%- set count = run_query('select count(*) from ' ~ relation).columns[0].values()[0] -%}
        {{ log('registered ' ~ relation ~ ' (' ~ count ~ ' rows) at ' ~ location, info=true) }}
    {%- endfor -%}
{% endmacro %}
