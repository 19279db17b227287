{{ config(**school_year_partitions()) }}
-- Accesses to the ENT's tools (the report's "outils les plus sollicités"), per school year. Kept
-- by school year: a run recomputes the school years of the months it loaded.
with

accesses as (
    {{ rows_of_school_years_to_rebuild(ref('int_service_access_monthly')) }}
),

services as (
    select * from {{ ref('stg_reference__services') }}
),

-- distinct accounts as groups: a grouping can spill to disk, a count(distinct) cannot
tool_accounts as (
    select
        accesses.school_year,
        services.tool_code,
        services.tool_label_fr,
        accesses.account_key,
        sum(accesses.accesses) as accesses,
        max(accesses.loaded_at) as loaded_at
    from accesses
    inner join services
        on accesses.service_code = services.service_code
    group by
        accesses.school_year, services.tool_code, services.tool_label_fr, accesses.account_key
),

usage as (
    select
        school_year,
        tool_code as service,
        tool_label_fr as service_label_fr,
        cast(sum(accesses) as bigint) as accesses,
        count(*) as accounts,
        max(loaded_at) as loaded_at
    from tool_accounts
    group by school_year, tool_code, tool_label_fr
),

final as (
    select
        school_year,
        service,
        service_label_fr,
        accesses,
        accounts,
        -- rank() is an int on Spark, a bigint on DuckDB
        cast(rank() over (partition by school_year order by accesses desc) as bigint) as service_rank,
        loaded_at
    from usage
)

select * from final
