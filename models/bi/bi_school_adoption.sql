with

adoption as (
    select * from {{ ref('fct_school_adoption') }}
),

schools as (
    select * from {{ ref('dim_schools') }}
),

final as (
    select
        adoption.school_year,
        replace(adoption.school_year, '-', '/') as school_year_label,
        adoption.uai,
        adoption.school_name,
        schools.commune,
        schools.department,
        adoption.bilan_category,
        coalesce(schools.bilan_category_label_fr, adoption.bilan_category) as category_label,
        {{ suppress_small_cell('adoption.target_accounts') }} as target_accounts,
        {{ suppress_small_cell('adoption.active_accounts') }} as active_accounts,
        {{ suppress_small_cell(
            'adoption.appropriation_rate',
            ['adoption.target_accounts', 'adoption.active_accounts']
        ) }} as appropriation_rate,
        {{ suppress_small_cell('adoption.connected_accounts') }} as connected_accounts,
        -- the connections of fewer accounts than the threshold would tell about those accounts
        {{ suppress_small_cell('adoption.connections', 'adoption.connected_accounts') }} as connections,
        -- a fact about the school, not about accounts: shown
        adoption.is_using,
        case when adoption.is_using then 'oui' else 'non' end as is_using_label
    from adoption
    left join schools on adoption.uai = schools.uai
)

select * from final
