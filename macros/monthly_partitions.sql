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

{#- The generic tests of a monthly model check the months the run rebuilt, not the whole table.
    dbt reads a tested model through get_where_subquery (here overriding dbt's own, the `where`
    config kept); for a monthly model it adds `partition_month in (...)`, the months of
    LEIA_CHECKED_MONTHS, which `leia run` sets to the months dbt rebuilds ('none' when there is
    none: orchestration/defs/dbt/assets.py). Unset or empty, as for a `dbt build` or `dbt test` of a data engineer, every month
    is checked. Enough because the month is the partition key: a run replaces whole months, the
    months it leaves were checked when they were built, and every key of a monthly model holds
    its month (event_id is the month and the line; the other keys include partition_month or a
    date that the in_partition_month test keeps in it), so a key unique within its month is
    unique. -#}
{% macro get_where_subquery(relation) -%}
    {%- set conditions = [] -%}
    {%- set where = config.get('where', '') -%}
    {%- if where -%}
        {%- do conditions.append(where) -%}
    {%- endif -%}
    {%- set months = checked_months(relation) -%}
    {%- if months -%}
        {%- do conditions.append('partition_month in (' ~ months ~ ')') -%}
    {%- endif -%}
    {%- if conditions -%}
        {%- set filtered -%}
            (select * from {{ relation }} where {{ conditions | join(' and ') }}) dbt_subquery
        {%- endset -%}
        {{ return(filtered) }}
    {%- endif -%}
    {{ return(relation) }}
{%- endmacro %}

{#- The months the tests of `relation` check, as a list of literals, or none for every month:
    none unless `relation` is a monthly model (monthly_partitions) and LEIA_CHECKED_MONTHS names
    months. Read when the test runs, never when dbt parses (a changed variable would make dbt
    parse the project again). -#}
{% macro checked_months(relation) -%}
    {%- if not execute or relation is string or relation.identifier is none -%}
        {{ return(none) }}
    {%- endif -%}
    {%- set months = env_var('LEIA_CHECKED_MONTHS', '') | trim -%}
    {%- if not months -%}
        {{ return(none) }}
    {%- endif -%}
    {%- set monthly = [] -%}
    {%- for node in graph.nodes.values()
        if node.resource_type == 'model'
        and node.package_name == project_name
        and (node.alias or node.name) == relation.identifier
        and node.config.materialized == 'incremental'
        and node.config.unique_key == 'partition_month' -%}
        {%- do monthly.append(node.name) -%}
    {%- endfor -%}
    {%- if not monthly -%}
        {#- a model not kept by month is checked whole, whatever the months -#}
        {{ return(none) }}
    {%- endif -%}
    {%- if months == 'none' -%}
        {#- no month rebuilt: nothing of the monthly model changed -#}
        {{ return('null') }}
    {%- endif -%}
    {%- set literals = [] -%}
    {%- for month in months.split(',') -%}
        {%- if not modules.re.fullmatch('[0-9]{4}-[0-9]{2}', month | trim) -%}
            {{ exceptions.raise_compiler_error(
                "LEIA_CHECKED_MONTHS: '" ~ month ~ "' is not a month (YYYY-MM, comma-separated)"
            ) }}
        {%- endif -%}
        {%- do literals.append("'" ~ (month | trim) ~ "'") -%}
    {%- endfor -%}
    {{ return(literals | join(', ')) }}
{%- endmacro %}

{#- Models kept by school year, computed from a monthly model: a run replaces the school years
    of the months loaded since the model was last built, and only those (a school year's
    distinct accounts need all its months). The model keeps max(loaded_at) of what it read.
    Built whole (`dbt build` as a table) before it was kept by school year, it has no loaded_at:
    its first incremental run rebuilds every school year and adds the column. -#}
{% macro school_year_partitions() -%}
    {{ return({
        'materialized': 'incremental',
        'incremental_strategy': 'insert_overwrite' if target.type == 'spark' else 'delete+insert',
        'unique_key': 'school_year',
        'partition_by': ['school_year'] if target.type == 'spark' else none,
        'on_schema_change': 'append_new_columns',
    }) }}
{%- endmacro %}

{#- The rows of `relation` (a monthly model with school_year) that an incremental run of a
    school-year model must read: every row of the school years with a month of `changed_in`
    (by default `relation`, with loaded_at) loaded after the model's newest row (every row on a
    first or full build), less those `condition` excludes. A model reading two monthly models
    chooses its school years from one, so that both give it every row of the same years. -#}
{% macro rows_of_school_years_to_rebuild(relation, condition=none, changed_in=none) -%}
    select * from {{ relation }}
    where
        {{ condition if condition else 'true' }}
        {%- if is_incremental() %}
        and school_year in ({{ school_years_to_rebuild(changed_in or relation) }})
        {%- endif %}
{%- endmacro %}

{#- The school years of `relation` with a month loaded after the newest row of the model being
    built, as a list of literals ('null' when there is none); every school year when the model
    has no loaded_at yet. -#}
{% macro school_years_to_rebuild(relation) -%}
    {%- if not execute -%}
        {{ return('null') }}
    {%- endif -%}
    {%- set built_columns = adapter.get_columns_in_relation(this) | map(attribute='name') | list -%}
    {%- set query -%}
        select read.school_year
        from {{ relation }} as read
        group by read.school_year
        {%- if 'loaded_at' in built_columns %}
        having max(read.loaded_at) > (
            select coalesce(max(existing.loaded_at), cast('1970-01-01' as timestamp))
            from {{ this }} as existing
        )
        {%- endif %}
        order by read.school_year
    {%- endset -%}
    {%- set school_years = run_query(query).columns[0].values() -%}
    {%- if school_years | length == 0 -%}
        {{ return('null') }}
    {%- endif -%}
    {#- 'YYYY-YYYY' values, computed by the school_year_of macro: nothing to escape -#}
    {{ return("'" ~ (school_years | join("', '")) ~ "'") }}
{%- endmacro %}
