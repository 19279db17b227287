{#- A view, not a table: the run writes quality.validation_results after `dbt build` (dbt's
    own test results, then Great Expectations'), so a table built here would miss them. The
    relation is named without its database: the view is read from a copy of the build file
    (the published warehouse, the BI copy), whose database name differs. The table exists before
    this view is created: on-run-start runs create_validation_results (dbt_project.yml). -#}
{{ config(materialized='view') }}

with

results as (
    select * from {{ source('quality', 'validation_results').include(database=false) }}
),

-- Evidence cannot make a source conditional and a source without rows breaks every page: while
-- the warehouse has no result yet (its first run), one row says so.
no_result_yet as (
    select
        '-' as run_id,
        now()::timestamp as validated_at,
        '-' as tool,
        'aucun résultat' as suite,
        'L''entrepôt publié ne contient pas encore de résultats de validation.' as check_name,
        null::varchar as asset,
        null::varchar as period,
        null::varchar as expected,
        null::varchar as observed,
        true as success,
        'warn' as severity
    where not exists (select 1 from results)
),

all_results as (
    select
        run_id,
        validated_at,
        tool,
        suite,
        check_name,
        asset,
        period,
        expected,
        observed,
        success,
        severity
    from results
    union all
    select * from no_result_yet
),

final as (
    select
        -- the grain: one result per run, check and guarded asset and period (a failed gate
        -- names each figure or rule); asset and period may be null, hence a key of their own
        {{ dbt.hash(dbt.concat([
            'run_id', "'|'", 'tool', "'|'", 'suite', "'|'", 'check_name', "'|'",
            "coalesce(asset, '')", "'|'", "coalesce(period, '')"
        ])) }} as validation_result_id,
        run_id,
        validated_at,
        strftime(validated_at, '%d/%m/%Y %H:%M') as validated_at_fr,
        tool,
        suite,
        check_name,
        asset,
        period,
        -- in French (orchestration/quality writes them in English for the run's output)
        {{ french_check_text('expected') }} as expected,
        {{ french_check_text('observed') }} as observed,
        success,
        severity,
        case
            when success then 'réussi'
            when severity = 'error' then 'échec (bloquant)'
            else 'avertissement'
        end as outcome_fr
    from all_results
)

select * from final
