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

{#- The expected or observed side of a check, as orchestration/quality (report.py, results.py)
    writes it in English for the run's output, in French for the site: its sentences translated,
    its values, names and lists kept, decimal points made commas (9.3 ± 0.005 -> 9,3 ± 0,005).
    An unknown sentence (dbt's or GX's own error messages) stays as it is. DuckDB only (bi). -#}
{% macro french_check_text(expression) -%}
    {%- set sentences = [
        ('^no failing row$', 'aucune ligne en échec', ''),
        ('^pass$', 'réussi', ''),
        ('^1 failing row$', '1 ligne en échec', ''),
        ('^(\\d+) failing rows$', '\\1 lignes en échec', ''),
        ('^none of ', 'aucun de ', ''),
        ('^all of ', 'chacun de ', ''),
        ('^in [{]', 'dans {', ''),
        ('^match ', 'correspond à ', ''),
        ('^no null$', 'aucune valeur nulle', ''),
        ('\\[7 digits mod 23\\]$', '[7 chiffres mod 23]', ''),
        ('^letter = ', 'lettre = ', ''),
        ('^missing ', 'manquants : ', ''),
        ('^error: ', 'erreur : ', ''),
        ('^(\\d+) of (\\S+) rows, e[.]g[.] ', '\\1 lignes sur \\2, par exemple ', ''),
        ("^the batch's query runs$", "la requête du lot s'exécute", ''),
        (', … [(](\\d+) in all[)]', ', … (\\1 en tout)', 'g'),
        ('(\\d)[.](\\d)', '\\1,\\2', 'g'),
    ] -%}
    {%- set ns = namespace(sql=expression) -%}
    {%- for pattern, replacement, options in sentences -%}
        {%- set ns.sql = "regexp_replace(" ~ ns.sql ~ ", '" ~ pattern | replace("'", "''") ~ "', '"
            ~ replacement | replace("'", "''") ~ "'" ~ (", '" ~ options ~ "'" if options else "") ~ ")" -%}
    {%- endfor -%}
    {{ ns.sql }}
{%- endmacro %}
