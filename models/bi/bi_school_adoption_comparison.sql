-- Each school's appropriation rate per school year beside its category's and the island's.
with

adoption as (
    select * from {{ ref('fct_school_adoption') }}
),

categories as (
    select * from {{ ref('agg_adoption_by_category') }}
),

island as (
    select * from {{ ref('agg_adoption_school_year') }}
),

final as (
    select
        adoption.school_year,
        replace(adoption.school_year, '-', '/') as school_year_label,
        adoption.uai,
        {{ suppress_small_cell(
            'adoption.appropriation_rate',
            ['adoption.target_accounts', 'adoption.active_accounts']
        ) }} as school_rate,
        {{ suppress_small_cell(
            'categories.appropriation_rate',
            ['categories.target_accounts', 'categories.active_accounts']
        ) }} as category_rate,
        {{ suppress_small_cell(
            'island.appropriation_rate',
            ['island.target_accounts', 'island.active_accounts']
        ) }} as island_rate
    from adoption
    left join categories
        on
            adoption.school_year = categories.school_year
            and adoption.bilan_category = categories.bilan_category
    left join island on adoption.school_year = island.school_year
)

select * from final
