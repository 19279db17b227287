-- models/bi/bi_schools.sql: the logic and the small-cell suppression live in dbt (docs/bi.md).
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
    mapping_note
from bi.bi_schools
