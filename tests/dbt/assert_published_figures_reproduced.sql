-- Gate (a): every figure of an audited report (var `audited_reports`) that the loaded data
-- covers is reproduced on its own period, or differs as the seed documents (known_mismatch: the
-- report contradicts itself, audit_note says how). A covered figure without a computed value
-- fails whatever report it is of (a computation that vanished), unless the seed says why the
-- data cannot give it (not_computable_reason: status not_computable). Each
-- failing row names the figure, its period, the expected and the observed value (`leia run`
-- prints them).
with

figures as (
    select * from {{ ref('rpt_bilan_indicators') }}
),

failing as (
    select * from figures
    where
        status = 'not_computed'
        or (status = 'mismatch' and not is_known_mismatch and {{ is_audited_report('report_code') }})
),

final as (
    select
        {{ dbt.concat(['report_code', "' '", 'indicator_code']) }} as figure,
        {{ dbt.concat([
            "coalesce(" ~ dbt.cast('period_start', dbt.type_string()) ~ ", '')",
            "case when period_end is null then '' else ' to ' end",
            "coalesce(" ~ dbt.cast('period_end', dbt.type_string()) ~ ", '')",
            "case when as_of_date is null then '' else ' as of ' end",
            "coalesce(" ~ dbt.cast('as_of_date', dbt.type_string()) ~ ", '')"
        ]) }} as period,
        {{ dbt.concat([
            "case comparison when 'greater_than' then '> ' else '' end",
            dbt.cast('published_value', dbt.type_string()),
            "case when comparison in ('rounded', 'approximately') then "
            ~ dbt.concat(["' ± '", dbt.cast('tolerance', dbt.type_string())]) ~ " else '' end"
        ]) }} as expected,
        coalesce({{ dbt.cast('computed_value', dbt.type_string()) }}, 'none') as observed,
        status
    from failing
)

select * from final
