-- Appropriation per school year and report category of school.
with

schools as (
    select * from {{ ref('fct_school_adoption') }}
),

final as (
    select
        school_year,
        bilan_category,
        cast(sum(target_accounts) as bigint) as target_accounts,
        cast(sum(active_accounts) as bigint) as active_accounts,
        case
            when sum(target_accounts) > 0
                then cast(sum(active_accounts) as {{ type_double() }}) / sum(target_accounts)
        end as appropriation_rate,
        count(*) as schools_total,
        cast(sum(case when is_using then 1 else 0 end) as bigint) as schools_using,
        cast(sum(case when is_using then 0 else 1 end) as bigint) as schools_not_using
    from schools
    group by school_year, bilan_category
)

select * from final
