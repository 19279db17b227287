with

source as (
    select * from {{ ref('schools') }}
),

renamed as (
    select
        uai,
        school_name,
        commune,
        department,
        school_type,
        bilan_category,
        sector,
        uai_verified as is_uai_verified,
        mapping_note,
        source as reference_source
    from source
)

select * from renamed
