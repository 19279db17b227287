-- The report's appropriation rate and schools not using the ENT, per school year.
with

schools as (
    select * from {{ ref('fct_school_adoption') }}
),

final as (
    select
        school_year,
        cast(sum(target_accounts) as bigint) as target_accounts,
        cast(sum(active_accounts) as bigint) as active_accounts,
        cast(sum(active_accounts) as {{ type_double() }}) / sum(target_accounts) as appropriation_rate,
        count(*) as schools_total,
        cast(sum(case when is_using then 1 else 0 end) as bigint) as schools_using,
        cast(sum(case when is_using then 0 else 1 end) as bigint) as schools_not_using
    from schools
    group by school_year
)

select * from final
