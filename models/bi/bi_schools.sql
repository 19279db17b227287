with

schools as (
    select * from {{ ref('dim_schools') }}
),

final as (
    select
        uai,
        school_name,
        commune,
        department,
        school_type,
        bilan_category,
        bilan_category_label_fr,
        sector,
        is_uai_verified,
        coalesce(mapping_note, '') as mapping_note
    from schools
)

select * from final
