{#- Layers live in plain schemas (staging, intermediate, marts, reference): BI tools and users
    address `marts.dim_schools`, not a target-prefixed name. -#}
{% macro generate_schema_name(custom_schema_name, node) -%}
    {%- if custom_schema_name is none -%}{{ target.schema }}{%- else -%}{{ custom_schema_name | trim }}{%- endif -%}
{%- endmacro %}
