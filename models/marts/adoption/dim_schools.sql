with

schools as (
    select * from {{ ref('stg_reference__schools') }}
),

final as (
    select
        uai,
        school_name,
        commune,
        department,
        school_type,
        bilan_category,
        case bilan_category
            when 'college' then 'Collège'
            when 'lycee' then 'Lycée'
            when 'lycee_professionnel' then 'Lycée professionnel'
            when 'lycee_agricole' then 'Lycée agricole'
            when 'lycee_maritime' then 'Lycée maritime'
            when 'prive' then 'Établissement privé'
        end as bilan_category_label_fr,
        sector,
        is_uai_verified,
        mapping_note
    from schools
)

select * from final
