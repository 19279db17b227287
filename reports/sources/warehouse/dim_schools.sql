-- The 50 schools of the ENT (marts.dim_schools).
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
from marts.dim_schools
order by school_name
