{#- How a CTE read more than once is evaluated. DuckDB materializes such a CTE in memory, where
    it cannot spill to disk: a CTE of millions of rows read twice runs out of the memory limit.
    `inline` recomputes it at each read (a scan and a join are cheap; each read's grouping can
    spill), `once` keeps a small result computed before the query that reads it. Spark's SQL has
    no such hint: nothing is emitted there. -#}
{% macro cte_evaluation(mode) -%}
    {{ return(adapter.dispatch('cte_evaluation', 'leia')(mode)) }}
{%- endmacro %}

{% macro duckdb__cte_evaluation(mode) -%}
    {%- if mode == 'inline' -%}
        not materialized
    {%- elif mode == 'once' -%}
        materialized
    {%- else -%}
        {{ exceptions.raise_compiler_error("cte_evaluation: mode is 'inline' or 'once', not '" ~ mode ~ "'") }}
    {%- endif -%}
{%- endmacro %}

{% macro default__cte_evaluation(mode) -%}
{%- endmacro %}
