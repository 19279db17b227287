with

adoption as (
    select * from {{ ref('agg_adoption_by_category') }}
),

schools as (
    select * from {{ ref('dim_schools') }}
),

category_labels as (
    select distinct
        bilan_category,
        bilan_category_label_fr
    from schools
),

final as (
    select
        adoption.school_year,
        replace(adoption.school_year, '-', '/') as school_year_label,
        adoption.bilan_category,
        -- a category no school of the directory has keeps its code as its label
        coalesce(category_labels.bilan_category_label_fr, adoption.bilan_category) as category_label,
        {{ suppress_small_cell('adoption.target_accounts') }} as target_accounts,
        {{ suppress_small_cell('adoption.active_accounts') }} as active_accounts,
        {{ suppress_small_cell(
            'adoption.appropriation_rate',
            ['adoption.target_accounts', 'adoption.active_accounts']
        ) }} as appropriation_rate,
        adoption.schools_total,
        adoption.schools_using,
        adoption.schools_not_using
    from adoption
    left join category_labels on adoption.bilan_category = category_labels.bilan_category
)

select * from final
