{#- Models kept by month: a run replaces the months loaded since the model was last built, and
    only those. DuckDB deletes then inserts the months; Spark's Parquet tables have no delete, so
    there a month is a partition that insert_overwrite replaces.

    `full_refresh=false` marks an aggregate that must survive `dbt build --full-refresh`: it is
    what remains of the months whose events were purged (`leia purge`), and a rebuild from the
    events left would lose them. -#}
{% macro monthly_partitions(full_refresh=none) -%}
    {{ return({
        'materialized': 'incremental',
        'incremental_strategy': 'insert_overwrite' if target.type == 'spark' else 'delete+insert',
        'unique_key': 'partition_month',
        'partition_by': ['partition_month'] if target.type == 'spark' else none,
        'on_schema_change': 'fail',
        'full_refresh': full_refresh,
    }) }}
{%- endmacro %}

{#- The rows of `relation` that an incremental run of a monthly model must (re)compute: those of
    the months loaded after the newest row of the model being built (every row on a first or full
    build), less those `condition` excludes. The months are chosen from all the rows: the
    condition only filters what is read. -#}
{% macro rows_of_months_to_rebuild(relation, condition=none) -%}
    select * from {{ relation }}
    where
        {{ condition if condition else 'true' }}
        {%- if is_incremental() %}
        and partition_month in ({{ months_to_rebuild(relation) }})
        {%- endif %}
{%- endmacro %}

{#- The months of `relation` loaded after the newest row of the model being built, as a list of
    literals ('null' when there is none). Looked up before the model runs: with constants,
    DuckDB skips the other months' row groups, where a subquery made it hash every event. -#}
{% macro months_to_rebuild(relation) -%}
    {%- if not execute -%}
        {{ return('null') }}
    {%- endif -%}
    {%- set query -%}
        select loaded.partition_month
        from {{ relation }} as loaded
        group by loaded.partition_month
        having max(loaded.loaded_at) > (
            select coalesce(max(existing.loaded_at), cast('1970-01-01' as timestamp))
            from {{ this }} as existing
        )
        order by loaded.partition_month
    {%- endset -%}
    {%- set months = run_query(query).columns[0].values() -%}
    {%- if months | length == 0 -%}
        {{ return('null') }}
    {%- endif -%}
    {#- 'YYYY-MM' values, written by the loader: nothing to escape -#}
    {{ return("'" ~ (months | join("', '")) ~ "'") }}
{%- endmacro %}
