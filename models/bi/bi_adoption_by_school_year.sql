with

adoption as (
    select * from {{ ref('agg_adoption_school_year') }}
),

final as (
    select
        school_year,
        replace(school_year, '-', '/') as school_year_label,
        {{ suppress_small_cell('target_accounts') }} as target_accounts,
        {{ suppress_small_cell('active_accounts') }} as active_accounts,
        {{ suppress_small_cell('appropriation_rate', ['target_accounts', 'active_accounts']) }}
            as appropriation_rate,
        schools_total,
        schools_using,
        schools_not_using
    from adoption
)

select * from final
