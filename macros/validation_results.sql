{#- quality.validation_results, empty, when the warehouse has none yet (its first run, a test
    warehouse): the view bi_validation_results reads it and DuckDB binds a view when it is
    created. Called by on-run-start (dbt_project.yml), before any model, in every dbt invocation
    of a DuckDB target. The columns are those orchestration/quality/results.py:DDL writes (the
    table's writer, after dbt); tests/test_bi_layer.py checks that both agree. -#}
{% macro create_validation_results() -%}
    {%- if target.type == 'duckdb' -%}
        create schema if not exists quality;
        create table if not exists quality.validation_results (
            run_id varchar not null,
            validated_at timestamp not null,
            tool varchar not null,
            suite varchar not null,
            check_name varchar not null,
            asset varchar,
            period varchar,
            expected varchar,
            observed varchar,
            success boolean not null,
            severity varchar not null
        )
    {%- else -%}
        select 1
    {%- endif -%}
{%- endmacro %}
